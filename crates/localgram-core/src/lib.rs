//! Localgram's domain and use cases: OAuth (authorize, login and consent, code exchange,
//! short-to-long exchange, refresh, PKCE, scopes), tokens, the Graph model, the world file, the
//! store traits, and the injected [`clock::Clock`] and [`rng::Rng`].
//!
//! This crate knows nothing of HTTP or SQL: `localgram-server` maps its errors to wire bodies, and
//! the store crates implement [`store::Store`].

pub mod ascii;
pub mod attempts;
pub mod cache;
pub mod call;
pub mod callbacks;
pub mod categories;
pub mod clock;
pub mod comments;
pub mod cursor;
pub mod dashboard;
pub mod error;
pub mod facebook;
pub mod faults;
pub mod fields;
pub mod linked;
pub mod media;
pub mod model;
pub mod oauth;
pub mod pages;
pub mod params;
pub mod people;
pub mod pkce;
pub mod platform;
pub mod profile;
pub mod publishing;
pub mod rate;
pub mod reads;
pub mod redirect;
pub mod rng;
pub mod scope;
pub mod seal;
pub mod secret;
pub mod shared_state;
pub mod snapshots;
pub mod sniff;
pub mod store;
pub mod testusers;
pub mod timefmt;
pub mod tokens;
pub mod webhooks;
pub mod world;
pub mod world_export;
pub mod world_load;

pub use platform::{Platform, Settings};
