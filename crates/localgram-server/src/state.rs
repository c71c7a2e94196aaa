//! The state every handler receives.

use crate::config::Config;
use axum::extract::FromRef;
use axum_extra::extract::cookie::Key;
use localgram_core::Platform;
use localgram_core::clock::EmulatorClock;
use std::sync::Arc;

/// The state: one reference-counted [`Shared`], so a clone (axum makes several per request)
/// is one counter increment whatever the state holds.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl AppState {
    /// The state holding `shared`.
    pub fn new(shared: Shared) -> Self {
        Self(Arc::new(shared))
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// What [`AppState`] holds.
pub struct Shared {
    /// Every use case.
    pub platform: Platform,
    /// The controllable clock the platform reads (the same object).
    pub clock: Arc<EmulatorClock>,
    /// The configuration.
    pub config: Arc<Config>,
    /// The public base URL, without a trailing slash.
    pub public_url: Arc<str>,
    /// Signs the session cookie; shared by every instance through the store.
    pub cookie_key: Key,
    /// The request journal (`/_localgram/calls`, the dashboard's recent calls).
    pub calls: Arc<crate::calls::Journal>,
    /// The Prometheus registry (`/_localgram/metrics`).
    pub metrics: Arc<crate::metrics::Metrics>,
    /// Secrets the dashboard shows once.
    pub reveals: Arc<crate::reveal::Reveals>,
    /// Rendered graph.instagram.com reads, kept while the database is unchanged.
    pub responses: Arc<crate::response_cache::ResponseCache>,
    /// The generation of the shared test clock this instance last took (PostgreSQL).
    pub clock_generation: std::sync::atomic::AtomicI64,
    /// The worlds loaded at start, in order, which `POST /_localgram/reset` loads again.
    pub start_worlds: Arc<[StartWorld]>,
    /// The `fbtrace_id`s of this process's error answers.
    pub trace_ids: Arc<crate::error::TraceIds>,
    /// Calls webhook callbacks (the handshake and deliveries).
    pub webhook_client: crate::webhook_client::HttpCallbacks,
    /// This instance's name on the webhook delivery leases it holds.
    pub webhook_owner: String,
}

impl FromRef<AppState> for Key {
    fn from_ref(state: &AppState) -> Self {
        state.cookie_key.clone()
    }
}

/// A world the server loaded at start (`--world`, the demo world), which a reset loads again.
#[derive(Debug, Clone)]
pub struct StartWorld {
    /// The file's text.
    pub body: String,
    /// TOML or JSON.
    pub format: localgram_core::world::Format,
    /// The folder its files are read from (`None`: the demo world, which names none).
    pub base_dir: Option<std::path::PathBuf>,
}
