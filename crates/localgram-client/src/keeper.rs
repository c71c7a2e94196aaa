//! [`TokenKeeper`]: holds a long-lived Instagram token and refreshes it before it expires.
//!
//! A long-lived token lives 60 days and can be refreshed once it is at least 24 hours old. The
//! keeper refreshes it when a caller asks for it and it is both older than 24 hours and within
//! the refresh window of its expiry (30 days by default), so a token used at least once a month
//! never lapses. Time comes from an injectable [`Clock`].

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::client::Client;
use crate::error::{ClientError, Result};
use crate::secret::AccessToken;
use crate::token::TokenResponse;

/// The lifetime of a long-lived token, used when an answer carries no `expires_in`.
pub const LONG_LIVED_LIFETIME: Duration = Duration::from_secs(5_184_000);

/// How old a long-lived token must be before Instagram refreshes it.
pub const MIN_REFRESH_AGE: Duration = Duration::from_secs(24 * 3600);

/// The source of wall-clock time for the [`TokenKeeper`].
pub trait Clock: Send + Sync + fmt::Debug + 'static {
    /// The current time.
    fn now(&self) -> SystemTime;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        #[allow(
            clippy::disallowed_methods,
            reason = "the SDK's one wall-clock read; the keeper takes any Clock in tests"
        )]
        let now = SystemTime::now();
        now
    }
}

/// A token with its issue and expiry times; serialisable (times as Unix seconds) so it can be
/// persisted between runs. `Debug` hides the token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct StoredToken {
    /// The token.
    pub access_token: AccessToken,
    /// When it was issued (or last refreshed).
    #[serde(with = "unix_seconds")]
    pub issued_at: SystemTime,
    /// When it expires.
    #[serde(with = "unix_seconds")]
    pub expires_at: SystemTime,
}

impl StoredToken {
    /// A token issued and expiring at the given times.
    pub fn new(access_token: AccessToken, issued_at: SystemTime, expires_at: SystemTime) -> Self {
        Self {
            access_token,
            issued_at,
            expires_at,
        }
    }

    /// A token from a long-lived exchange or refresh answer received at `received_at`
    /// (expiry from `expires_in`, else 60 days).
    pub fn from_response(response: &TokenResponse, received_at: SystemTime) -> Self {
        let expires_at = response
            .expires_at(received_at)
            .unwrap_or(received_at + LONG_LIVED_LIFETIME);
        Self::new(response.access_token.clone(), received_at, expires_at)
    }

    /// How long ago it was issued.
    pub fn age(&self, now: SystemTime) -> Duration {
        now.duration_since(self.issued_at).unwrap_or_default()
    }

    /// How long until it expires (zero once expired).
    pub fn remaining(&self, now: SystemTime) -> Duration {
        self.expires_at.duration_since(now).unwrap_or_default()
    }

    /// Whether it has expired.
    pub fn is_expired(&self, now: SystemTime) -> bool {
        now >= self.expires_at
    }
}

mod unix_seconds {
    use super::*;

    pub(super) fn serialize<S: Serializer>(t: &SystemTime, s: S) -> Result<S::Ok, S::Error> {
        let secs = t.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
        s.serialize_u64(secs)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<SystemTime, D::Error> {
        u64::deserialize(d).map(|secs| UNIX_EPOCH + Duration::from_secs(secs))
    }
}

type RefreshHook = Arc<dyn Fn(&StoredToken) + Send + Sync>;

/// Keeps a long-lived token fresh. Cheap to clone; clones share the token, and concurrent
/// callers wait for one refresh rather than starting several.
///
/// ```no_run
/// use std::time::{Duration, SystemTime};
/// use localgram_client::{AccessToken, Client, StoredToken, TokenKeeper};
///
/// # async fn run() -> localgram_client::Result<()> {
/// let client = Client::localgram("http://127.0.0.1:8090")?;
/// let now = SystemTime::now();
/// let stored = StoredToken::new(
///     AccessToken::new("IGQVJfakeLongLivedToken"),
///     now - Duration::from_secs(40 * 86_400),
///     now + Duration::from_secs(20 * 86_400),
/// );
/// let keeper = TokenKeeper::new(client, stored)
///     .with_refresh_window(Duration::from_secs(7 * 86_400))
///     .on_refresh(|t| println!("new token, expires {:?}", t.expires_at));
/// let me = keeper.client().await?.me().send().await?;
/// # let _ = me; Ok(()) }
/// ```
#[derive(Clone)]
pub struct TokenKeeper {
    client: Client,
    token: Arc<tokio::sync::Mutex<StoredToken>>,
    refresh_window: Duration,
    clock: Arc<dyn Clock>,
    on_refresh: Option<RefreshHook>,
}

impl fmt::Debug for TokenKeeper {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenKeeper")
            .field("refresh_window", &self.refresh_window)
            .field("clock", &self.clock)
            .finish_non_exhaustive()
    }
}

impl TokenKeeper {
    /// Keeps `token`, refreshing it through `client` (30-day refresh window, system clock).
    pub fn new(client: Client, token: StoredToken) -> Self {
        Self {
            client,
            token: Arc::new(tokio::sync::Mutex::new(token)),
            refresh_window: Duration::from_secs(30 * 86_400),
            clock: Arc::new(SystemClock),
            on_refresh: None,
        }
    }

    /// Refresh once the token is within this long of its expiry (and at least 24 hours old).
    pub fn with_refresh_window(mut self, window: Duration) -> Self {
        self.refresh_window = window;
        self
    }

    /// Reads time from `clock` instead of the system clock.
    pub fn with_clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Called with the new token after each refresh (to persist it).
    pub fn on_refresh(mut self, hook: impl Fn(&StoredToken) + Send + Sync + 'static) -> Self {
        self.on_refresh = Some(Arc::new(hook));
        self
    }

    /// Whether `token` is due for a refresh at `now`.
    pub fn is_due(&self, token: &StoredToken, now: SystemTime) -> bool {
        !token.is_expired(now)
            && token.age(now) >= MIN_REFRESH_AGE
            && token.remaining(now) <= self.refresh_window
    }

    /// The token as currently stored.
    pub async fn current(&self) -> StoredToken {
        self.token.lock().await.clone()
    }

    /// A usable token, refreshed first when due. If the refresh fails while the old token is
    /// still valid, the old token is returned (the next call tries again); an expired token is
    /// [`ClientError::TokenExpired`].
    pub async fn token(&self) -> Result<AccessToken> {
        let mut stored = self.token.lock().await;
        let now = self.clock.now();
        if stored.is_expired(now) {
            return Err(ClientError::TokenExpired {
                expired_at: stored.expires_at,
            });
        }
        if self.is_due(&stored, now) {
            // A failed refresh leaves a still-valid token in place.
            let _ = self.refresh_locked(&mut stored).await;
        }
        Ok(stored.access_token.clone())
    }

    /// The client bound to a fresh token.
    pub async fn client(&self) -> Result<Client> {
        Ok(self.client.with_token(self.token().await?))
    }

    /// Refreshes now, whatever the token's age, and reports any failure.
    pub async fn refresh_now(&self) -> Result<StoredToken> {
        let mut stored = self.token.lock().await;
        self.refresh_locked(&mut stored).await?;
        Ok(stored.clone())
    }

    async fn refresh_locked(&self, stored: &mut StoredToken) -> Result<()> {
        let response = self
            .client
            .oauth()
            .refresh(&stored.access_token)
            .send()
            .await?;
        *stored = StoredToken::from_response(&response, self.clock.now());
        if let Some(hook) = &self.on_refresh {
            hook(stored);
        }
        Ok(())
    }
}
