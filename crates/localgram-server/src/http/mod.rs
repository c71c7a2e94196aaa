//! HTTP plumbing shared by the routes: host routing, security headers, request logging with
//! redaction, the control-plane guard, and parameter extraction.

pub mod admin;
pub mod headers;
pub mod host;
pub mod logging;
pub mod origin;
pub mod params;
pub mod tags;
