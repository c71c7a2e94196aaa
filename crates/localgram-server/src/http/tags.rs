//! Marks handlers attach to a response's extensions for the access log, the request journal and
//! the dashboard: plain values, read by `http::logging`.

/// The app a request concerned, attached to the response by handlers for the log line.
#[derive(Debug, Clone)]
pub struct AppTag(pub String);

/// The user a request concerned, attached to the response by handlers for the dashboard's call
/// log and rate chart.
#[derive(Debug, Clone)]
pub struct UserTag(pub String);

/// The Graph error code of an error response, for the log line.
#[derive(Debug, Clone, Copy)]
pub struct GraphCode(pub i64);
