//! The `localgram` binary, run as a user runs it.

mod connect;
mod serve;
mod usage;
