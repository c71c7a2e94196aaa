//! The use-case facade: [`Platform`] holds the store, the clock, the random source and the
//! settings, and every use case is a method on it (in `oauth.rs`, `tokens.rs`, `profile.rs`).

use crate::clock::Clock;
use crate::rng::Rng;
use crate::store::Store;
use crate::world::Lifetimes;
use std::sync::Arc;
use time::Duration;

/// Tunables of the platform.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// Authorization code lifetime (1 hour, as Instagram; 600 s is the RFC 6749 / ASVS ceiling).
    pub code_ttl: Duration,
    /// Token lifetimes.
    pub lifetimes: Lifetimes,
    /// CSRF token lifetime.
    pub csrf_ttl: Duration,
    /// Minimum age of a long-lived token before it may be refreshed.
    pub refresh_min_age: Duration,
    /// Only this many of an account's most recent media are reachable on the media edge
    /// (10,000, as Meta documents).
    pub max_listed_media: i64,
    /// Rate limits applied when an app sets none of its own.
    pub rate_defaults: crate::rate::RateDefaults,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            code_ttl: Duration::hours(1),
            lifetimes: Lifetimes::default(),
            csrf_ttl: Duration::hours(1),
            refresh_min_age: Duration::hours(24),
            max_listed_media: 10_000,
            rate_defaults: crate::rate::RateDefaults::default(),
        }
    }
}

/// The emulated platform: every use case of Localgram.
#[derive(Clone)]
pub struct Platform {
    /// Persistence.
    pub store: Arc<dyn Store>,
    /// Time.
    pub clock: Arc<dyn Clock>,
    /// Randomness.
    pub rng: Arc<dyn Rng>,
    /// Tunables.
    pub settings: Settings,
    /// Signs and checks paging cursors.
    pub cursors: crate::cursor::CursorCodec,
}

impl std::fmt::Debug for Platform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Platform")
            .field("backend", &self.store.backend())
            .field("settings", &self.settings)
            .finish()
    }
}

impl Platform {
    /// Assembles a platform. The cursor key is random; give every instance the same one with
    /// [`Platform::with_cursor_key`].
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        rng: Arc<dyn Rng>,
        settings: Settings,
    ) -> Self {
        use crate::rng::RngExt;
        let cursors = crate::cursor::CursorCodec::new(&rng.bytes(32));
        Self {
            store,
            clock,
            rng,
            settings,
            cursors,
        }
    }

    /// Uses `key` to sign paging cursors.
    pub fn with_cursor_key(mut self, key: &[u8]) -> Self {
        self.cursors = crate::cursor::CursorCodec::new(key);
        self
    }

    /// A fresh row id.
    pub(crate) fn new_id(&self) -> String {
        use crate::rng::RngExt;
        self.rng.digits('9', 18)
    }
}
