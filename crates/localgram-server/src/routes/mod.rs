//! The routes, one module per emulated host and one for the control plane; each exports
//! `router()`, merged in [`crate::router`].

pub mod browser;
pub mod control;
pub mod control_faults;
pub mod control_webhooks;
pub mod dashboard;
pub mod facebook;
pub mod graph;
pub mod media_files;
pub mod oauth;
pub mod state;
pub mod static_files;
