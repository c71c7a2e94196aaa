//! Retries as a policy object: exponential backoff with jitter, for transient errors and rate
//! limits, honouring `estimated_time_to_regain_access` and `Retry-After`.
//!
//! The policy only ever applies to calls that are safe to repeat: reads and the idempotent token
//! calls (long-lived exchange, refresh, `fb_exchange_token`, `debug_token`). Code exchanges (a code
//! is single-use, and a replay revokes the tokens it produced) and writes such as
//! [`create_page`](crate::Client::create_page) are never retried automatically.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::error::ClientError;
use crate::util::random_unit;

/// What the client passes to the [`RetryPolicy::on_retry`] hook before it waits.
#[derive(Debug)]
#[non_exhaustive]
pub struct RetryEvent<'a> {
    /// Which retry this is (1 for the first).
    pub retry: u32,
    /// How long the client will wait before it.
    pub delay: Duration,
    /// The error that caused it.
    pub error: &'a ClientError,
}

type Hook = Arc<dyn Fn(&RetryEvent<'_>) + Send + Sync>;

/// How failed calls are retried.
///
/// ```
/// use std::time::Duration;
/// use localgram_client::RetryPolicy;
///
/// let policy = RetryPolicy::default()
///     .with_max_retries(5)
///     .with_base_delay(Duration::from_millis(200))
///     .with_max_delay(Duration::from_secs(10));
/// assert_eq!(policy.backoff(1), Duration::from_millis(200));
/// assert_eq!(policy.backoff(3), Duration::from_millis(800));
/// assert_eq!(policy.backoff(10), Duration::from_secs(10));
/// ```
#[derive(Clone)]
pub struct RetryPolicy {
    max_retries: u32,
    base_delay: Duration,
    max_delay: Duration,
    jitter: bool,
    max_wait: Duration,
    on_retry: Option<Hook>,
}

impl Default for RetryPolicy {
    /// Three retries, 500 ms doubling up to 30 s, with jitter; waits the server asks for are
    /// honoured up to 5 minutes.
    fn default() -> Self {
        Self {
            max_retries: 3,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            jitter: true,
            max_wait: Duration::from_secs(300),
            on_retry: None,
        }
    }
}

impl fmt::Debug for RetryPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RetryPolicy")
            .field("max_retries", &self.max_retries)
            .field("base_delay", &self.base_delay)
            .field("max_delay", &self.max_delay)
            .field("jitter", &self.jitter)
            .field("max_wait", &self.max_wait)
            .field("on_retry", &self.on_retry.is_some())
            .finish()
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn never() -> Self {
        Self {
            max_retries: 0,
            ..Self::default()
        }
    }

    /// How many times a call may be repeated after its first attempt.
    pub fn with_max_retries(mut self, max_retries: u32) -> Self {
        self.max_retries = max_retries;
        self
    }

    /// The first backoff delay; each further retry doubles it.
    pub fn with_base_delay(mut self, delay: Duration) -> Self {
        self.base_delay = delay;
        self
    }

    /// The largest backoff delay.
    pub fn with_max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay;
        self
    }

    /// Whether to randomise each delay to between half and all of its backoff (on by default),
    /// so that many clients do not retry in step.
    pub fn with_jitter(mut self, jitter: bool) -> Self {
        self.jitter = jitter;
        self
    }

    /// The longest wait the client accepts when the server asks for one
    /// (`estimated_time_to_regain_access`, `Retry-After`); beyond it the error is returned at
    /// once, carrying the wait in [`ErrorClass::Throttled`](crate::ErrorClass::Throttled).
    pub fn with_max_wait(mut self, max_wait: Duration) -> Self {
        self.max_wait = max_wait;
        self
    }

    /// A hook called before each retry (for metrics or logs).
    pub fn on_retry(mut self, hook: impl Fn(&RetryEvent<'_>) + Send + Sync + 'static) -> Self {
        self.on_retry = Some(Arc::new(hook));
        self
    }

    /// The maximum number of retries.
    pub fn max_retries(&self) -> u32 {
        self.max_retries
    }

    /// The backoff before retry number `retry` (1-based), before jitter:
    /// `min(max_delay, base_delay × 2^(retry−1))`.
    pub fn backoff(&self, retry: u32) -> Duration {
        let factor = 2u32.saturating_pow(retry.saturating_sub(1));
        self.base_delay.saturating_mul(factor).min(self.max_delay)
    }

    /// The delay before retry number `retry` after `error`, or `None` when the call must not be
    /// retried (not transient, retries exhausted, or the server asks for a longer wait than
    /// `max_wait`).
    pub fn delay_for(&self, retry: u32, error: &ClientError) -> Option<Duration> {
        if retry == 0 || retry > self.max_retries || !error.is_transient() {
            return None;
        }
        let backoff = self.backoff(retry);
        let backoff = if self.jitter {
            let half = backoff / 2;
            half + half.mul_f64(random_unit())
        } else {
            backoff
        };
        match error.retry_after() {
            Some(wait) if wait > self.max_wait => None,
            Some(wait) => Some(wait.max(backoff)),
            None => Some(backoff),
        }
    }

    pub(crate) fn notify(&self, retry: u32, delay: Duration, error: &ClientError) {
        if let Some(hook) = &self.on_retry {
            hook(&RetryEvent {
                retry,
                delay,
                error,
            });
        }
    }
}
