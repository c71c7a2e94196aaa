#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod client;
mod error;
pub mod fields;
pub mod http;
mod keeper;
pub mod models;
pub mod oauth;
mod page;
pub mod publishing;
pub mod requests;
mod retry;
mod secret;
mod throttle;
mod token;
pub mod usage;
mod util;

pub use client::{
    Client, ClientBuilder, DEFAULT_API_VERSION, Host, LOCALGRAM_CA_CERT_ENV, LOCALGRAM_URL_ENV,
    Response,
};
pub use error::{AuthRemedy, ClientError, ErrorClass, GraphError, Result};
pub use keeper::{
    Clock, LONG_LIVED_LIFETIME, MIN_REFRESH_AGE, StoredToken, SystemClock, TokenKeeper,
};
pub use page::{MAX_EMPTY_PAGES, Page, PageStream, Summary};
pub use publishing::{
    Comment, ContainerStatus, NewMedia, WaitPolicy, verify_webhook_signature, webhook_signature,
};
pub use retry::{RetryEvent, RetryPolicy};
pub use secret::{AccessToken, AppSecret, AuthorizationCode, CsrfState, PkceCodeVerifier};
pub use throttle::ThrottleConfig;
pub use token::TokenResponse;
pub use usage::Usage;
pub use util::appsecret_proof;

/// Wire types shared with the Localgram server (`Paging`, `Cursors`, the error envelopes).
pub use localgram_types as types;
/// Re-exported so callers need not depend on `reqwest` for these.
pub use reqwest::{Method, StatusCode, header::HeaderMap};
