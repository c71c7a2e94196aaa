//! The use-case facade: [`Platform`] holds the store, the clock, the random source and the
//! settings, and every use case is a method on it (in `oauth.rs`, `tokens.rs`, `profile.rs`).

use crate::clock::Clock;
use crate::model::Lifetimes;
use crate::rng::Rng;
use crate::store::Store;
use std::sync::Arc;
use time::Duration;

/// Posts one account may publish per rolling 24 hours, unless the settings say otherwise.
pub const DEFAULT_PUBLISH_QUOTA: i64 = 50;

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
    /// Posts one account may publish through the API per rolling 24 hours (50, as Meta's
    /// reference says; see `docs/publishing.md`).
    pub publish_quota: i64,
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
            publish_quota: DEFAULT_PUBLISH_QUOTA,
        }
    }
}

/// The emulated platform: every use case of Localgram.
#[derive(Clone)]
pub struct Platform {
    /// Persistence.
    pub(crate) store: Arc<dyn Store>,
    /// Time.
    pub clock: Arc<dyn Clock>,
    /// Randomness.
    pub rng: Arc<dyn Rng>,
    /// Tunables.
    pub settings: Settings,
    /// Signs and checks paging cursors.
    pub cursors: crate::cursor::CursorCodec,
    /// Seals app secrets at rest (for `appsecret_proof`).
    pub sealer: crate::seal::Sealer,
    /// Short-lived read caches.
    pub(crate) caches: Arc<Caches>,
    /// Failed passwords, client secrets and unlocks, for brute-force slowing (in memory).
    pub attempts: Arc<crate::attempts::Attempts>,
    /// The fault rules installed (docs/faults.md).
    pub faults: Arc<crate::faults::FaultRegistry>,
}

/// The read caches of a platform (see [`crate::cache`]).
#[derive(Debug, Default)]
pub(crate) struct Caches {
    /// Apps by id.
    pub apps: crate::cache::TtlCache<String, Option<Arc<crate::model::App>>>,
    /// Instagram accounts by id.
    pub ig_users: crate::cache::TtlCache<String, Option<Arc<crate::model::IgUser>>>,
    /// The media-cap position per account.
    pub media_cap: crate::cache::TtlCache<String, Option<crate::store::MediaKey>>,
    /// Top-level media counts per account.
    pub media_counts: crate::cache::TtlCache<String, i64>,
    /// Tokens by hash, only ever under a generation read at the start of the request.
    pub tokens: crate::cache::TtlCache<String, Option<Arc<crate::model::TokenRecord>>>,
}

impl Caches {
    pub(crate) fn clear(&self) {
        self.apps.clear();
        self.ig_users.clear();
        self.media_cap.clear();
        self.media_counts.clear();
        self.tokens.clear();
    }
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
        let sealer = crate::seal::Sealer::from_instance_secret(&rng.bytes(32));
        Self {
            store,
            clock,
            rng,
            settings,
            cursors,
            sealer,
            caches: Arc::default(),
            attempts: Arc::default(),
            faults: Arc::default(),
        }
    }

    /// Uses `key` to sign paging cursors.
    pub fn with_cursor_key(mut self, key: &[u8]) -> Self {
        self.cursors = crate::cursor::CursorCodec::new(key);
        self
    }

    /// Derives the key that seals app secrets from the instance secret `key` (every instance
    /// sharing a database must use the same one).
    pub fn with_instance_secret(mut self, key: &[u8]) -> Self {
        self.sealer = crate::seal::Sealer::from_instance_secret(key);
        self
    }

    /// The app with this id, read through the cache (shared, so a hit copies nothing).
    pub async fn cached_app(
        &self,
        id: &str,
    ) -> Result<Option<Arc<crate::model::App>>, crate::store::StoreError> {
        self.caches
            .apps
            .get_or_load(id, self.store.last_data_version(), async {
                Ok(self.store.find_app(id).await?.map(Arc::new))
            })
            .await
    }

    /// The Instagram account with this id, read through the cache (shared, so a hit copies
    /// nothing).
    pub async fn cached_ig_user(
        &self,
        id: &str,
    ) -> Result<Option<Arc<crate::model::IgUser>>, crate::store::StoreError> {
        self.caches
            .ig_users
            .get_or_load(id, self.store.last_data_version(), async {
                Ok(self.store.find_ig_user(id).await?.map(Arc::new))
            })
            .await
    }

    /// Forgets every cached read (after a write through this process).
    pub fn clear_caches(&self) {
        self.caches.clear();
    }

    /// A fresh row id.
    pub(crate) fn new_id(&self) -> String {
        use crate::rng::RngExt;
        self.rng.digits('9', 18)
    }
}
