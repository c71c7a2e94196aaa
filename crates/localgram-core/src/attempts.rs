//! Brute-force slowing (RFC 6819 5.1.4.2.3, RFC 6749 §2.3.1): failed passwords per account,
//! failed client secrets per app and failed dashboard unlocks are counted in fixed windows on the
//! injected clock. After [`MAX_FAILURES`] failures within [`WINDOW`] of the first one, every
//! attempt is refused until that window ends, even with the right secret; a success resets the
//! count.
//!
//! The counts live in the memory of each process (exact within it): instances sharing a
//! PostgreSQL database each count their own, and a restart forgets them.

use std::collections::HashMap;
use std::sync::Mutex;
use time::{Duration, OffsetDateTime};

/// Failures that lock a key for the rest of its window.
pub const MAX_FAILURES: u32 = 10;
/// The window the failures are counted in.
pub const WINDOW: Duration = Duration::minutes(15);
/// Keys kept before expired windows are dropped.
const PRUNE_AT: usize = 10_000;

/// What is being guessed at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Target {
    /// An Instagram account's password (by username, any case).
    InstagramLogin,
    /// A Facebook user's password (by email, any case).
    FacebookLogin,
    /// An app's client secret (by app id).
    ClientSecret,
    /// The dashboard's admin token (one key).
    DashboardUnlock,
}

/// A key's window: when its first failure happened and how many followed.
#[derive(Debug, Clone, Copy)]
struct Window {
    start: OffsetDateTime,
    failures: u32,
}

/// Failure counts per target and key.
#[derive(Debug, Default)]
pub struct Attempts {
    windows: Mutex<HashMap<(Target, String), Window>>,
}

fn normalise(key: &str) -> String {
    key.trim().to_lowercase()
}

impl Attempts {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(Target, String), Window>> {
        self.windows
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Forgets every failure (a reset or a snapshot restore of the emulator).
    pub fn clear(&self) {
        self.lock().clear();
    }

    /// When `key` is locked at `now`: the end of its window; `None` when attempts are allowed.
    pub fn locked_until(
        &self,
        target: Target,
        key: &str,
        now: OffsetDateTime,
    ) -> Option<OffsetDateTime> {
        let windows = self.lock();
        let w = windows.get(&(target, normalise(key)))?;
        let end = w.start + WINDOW;
        (w.failures >= MAX_FAILURES && now >= w.start && now < end).then_some(end)
    }

    /// Counts a failure of `key` at `now`.
    pub fn fail(&self, target: Target, key: &str, now: OffsetDateTime) {
        let mut windows = self.lock();
        if windows.len() >= PRUNE_AT {
            windows.retain(|_, w| now < w.start + WINDOW && now >= w.start);
        }
        let w = windows.entry((target, normalise(key))).or_insert(Window {
            start: now,
            failures: 0,
        });
        if now >= w.start + WINDOW || now < w.start {
            *w = Window {
                start: now,
                failures: 0,
            };
        }
        w.failures = w.failures.saturating_add(1);
    }

    /// Forgets `key`'s failures (after a success).
    pub fn succeed(&self, target: Target, key: &str) {
        self.lock().remove(&(target, normalise(key)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::datetime;

    const T: Target = Target::InstagramLogin;

    #[test]
    fn ten_failures_lock_the_rest_of_the_window_and_a_success_resets() {
        let a = Attempts::default();
        let t0 = datetime!(2026-11-20 12:00 UTC);
        for i in 0..9 {
            a.fail(T, "jane.doe", t0 + Duration::minutes(i));
            assert_eq!(
                a.locked_until(T, "jane.doe", t0 + Duration::minutes(i)),
                None
            );
        }
        a.fail(T, "Jane.Doe ", t0 + Duration::minutes(10));
        let end = t0 + WINDOW;
        assert_eq!(
            a.locked_until(T, "jane.doe", t0 + Duration::minutes(10)),
            Some(end)
        );
        assert_eq!(
            a.locked_until(T, "JANE.DOE", end - Duration::seconds(1)),
            Some(end)
        );
        assert_eq!(
            a.locked_until(T, "jane.doe", end),
            None,
            "the window is over"
        );
        assert_eq!(a.locked_until(T, "bob", t0 + Duration::minutes(10)), None);
        assert_eq!(
            a.locked_until(
                Target::FacebookLogin,
                "jane.doe",
                t0 + Duration::minutes(10)
            ),
            None,
            "targets are apart"
        );
        a.succeed(T, "jane.doe");
        assert_eq!(
            a.locked_until(T, "jane.doe", t0 + Duration::minutes(10)),
            None
        );
    }

    #[test]
    fn failures_spread_over_more_than_a_window_never_lock() {
        let a = Attempts::default();
        let t0 = datetime!(2026-11-20 12:00 UTC);
        for i in 0..30 {
            let at = t0 + Duration::minutes(2 * i);
            a.fail(T, "k", at);
            // At most 8 failures fall in any window started by a first failure here.
            assert_eq!(a.locked_until(T, "k", at), None, "failure {i}");
        }
    }

    proptest! {
        /// Against a reference model: locked exactly when the window of the key's first failure
        /// (restarted after it ends) holds at least MAX_FAILURES failures.
        #[test]
        fn matches_a_reference_model(gaps in prop::collection::vec(0i64..300, 1..60)) {
            let a = Attempts::default();
            let mut now = datetime!(2026-11-20 12:00 UTC);
            let mut start = now;
            let mut count = 0u32;
            for gap in gaps {
                now += Duration::seconds(gap);
                let locked = count >= MAX_FAILURES && now < start + WINDOW;
                prop_assert_eq!(a.locked_until(T, "k", now).is_some(), locked);
                if !locked {
                    if count == 0 || now >= start + WINDOW {
                        start = now;
                        count = 0;
                    }
                    count += 1;
                    a.fail(T, "k", now);
                }
            }
        }
    }
}
