//! The HTTP integration suite: the real server on port 0 over SQLite (and PostgreSQL when
//! `LOCALGRAM_TEST_PG_URL` is set), driven over HTTP with reqwest. One test binary.

mod appsecret_proof;
mod at_rest;
mod authorize;
mod browsers;
mod code_exchange;
mod comments;
mod control;
mod dashboard;
mod docs;
mod facebook;
mod faults;
mod fb_codes;
mod fb_instagram;
mod graph_cache;
mod graph_me;
mod graph_media;
mod guide;
mod hardening;
mod house;
mod login_consent;
mod long_lived;
mod media_files;
mod node_fields;
mod page_creation;
mod page_snapshots;
mod publishing;
mod readme;
mod restart;
mod snapshots;
mod state;
mod support;
mod tls;
mod webhooks;
