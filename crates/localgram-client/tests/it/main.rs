//! The SDK's one integration-test binary. Each module mocks Meta-shaped answers (fixtures in
//! `tests/fixtures/`) with wiremock, or, where time matters, with a canned in-process transport
//! under tokio's paused clock; `server/` runs the SDK against a real Localgram server (the
//! testkit's `TestServer`).

mod create_page;
mod errors;
mod keeper;
mod oauth;
mod paging;
mod reads;
mod redaction;
mod retry;
mod server;
mod support;
mod throttle;
mod tokens;
mod usage;
