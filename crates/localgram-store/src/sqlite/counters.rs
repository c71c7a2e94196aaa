//! Rate-limit counters on SQLite: counted in process memory (exact under concurrency, and no
//! write per Graph call, which would cost an `fsync` each with `synchronous=FULL`), written to
//! `rate_counters` in the background at most once a second and by [`Store::flush`] at a graceful
//! shutdown, and read back when the store opens, so a restart keeps each window's count.
//! Two processes on one file count separately (PostgreSQL shares counts between instances).
//!
//! [`Store::flush`]: localgram_core::store::Store::flush

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, Weak};
use std::time::Duration;

use localgram_core::store::Result;

use super::writer::Writer;
use crate::value::params;

/// How often counts are written out while calls come in.
const FLUSH_EVERY: Duration = Duration::from_secs(1);

/// Calls per window start, per bucket, and which buckets changed since they were written.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    buckets: HashMap<String, Bucket, foldhash::fast::RandomState>,
}

/// One bucket's calls per window start, and their sum, kept as calls come in: a call costs the
/// same whether the span holds five windows or a day's 1,440.
#[derive(Debug, Default)]
struct Bucket {
    windows: BTreeMap<i64, i64>,
    total: i64,
    /// Whether it changed since it was last written out.
    dirty: bool,
}

impl Bucket {
    /// Counts a call in `window_start`, forgets the windows before `sum_from` (so memory stays
    /// bounded) and returns the sum of the rest.
    fn hit(&mut self, window_start: i64, sum_from: i64) -> i64 {
        *self.windows.entry(window_start).or_insert(0) += 1;
        self.total += 1;
        self.dirty = true;
        while let Some(entry) = self.windows.first_entry()
            && *entry.key() < sum_from
        {
            self.total -= entry.remove();
        }
        self.total
    }
}

impl Counters {
    /// The counts written out before, read from `rate_counters`.
    pub(crate) fn load(conn: &rusqlite::Connection) -> Result<Self> {
        let rows: Vec<(String, i64, i64)> = conn
            .prepare("SELECT bucket, window_start, n FROM rate_counters")
            .and_then(|mut stmt| {
                stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                    .collect()
            })
            .map_err(crate::error::map_err)?;
        let mut state = State::default();
        for (bucket, window, n) in rows {
            let b = state.buckets.entry(bucket).or_default();
            b.total += n - b.windows.insert(window, n).unwrap_or(0);
        }
        Ok(Self {
            state: Mutex::new(state),
        })
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Counts one call in each bucket; the sums from `sum_from` on.
    pub(crate) fn hit(&self, buckets: &[&str], window_start: i64, sum_from: i64) -> Vec<i64> {
        // Allocated before the lock is taken, so the other worker never waits on it.
        let mut sums = Vec::with_capacity(buckets.len());
        let mut state = self.state();
        let counted = &mut state.buckets;
        sums.extend(buckets.iter().map(|&bucket| {
            // A bucket's name is copied only the first time it is counted.
            match counted.get_mut(bucket) {
                Some(b) => b.hit(window_start, sum_from),
                None => counted
                    .entry(bucket.to_owned())
                    .or_default()
                    .hit(window_start, sum_from),
            }
        }));
        sums
    }

    /// Forgets every count (the table was emptied by a reset or a restore).
    pub(crate) fn forget(&self) {
        self.state().buckets.clear();
    }

    /// A bucket's sum from `sum_from` on.
    pub(crate) fn read(&self, bucket: &str, sum_from: i64) -> i64 {
        self.state()
            .buckets
            .get(bucket)
            .map_or(0, |b| b.windows.range(sum_from..).map(|(_, n)| n).sum())
    }

    /// Writes the buckets that changed since they were last written, in one write.
    pub(crate) async fn flush(&self, writer: &Writer) -> Result<()> {
        let changed: Vec<(String, Vec<(i64, i64)>)> = self
            .state()
            .buckets
            .iter_mut()
            .filter(|(_, b)| b.dirty)
            .map(|(bucket, b)| {
                b.dirty = false;
                let windows = b.windows.iter().map(|(&k, &n)| (k, n)).collect();
                (bucket.clone(), windows)
            })
            .collect();
        if changed.is_empty() {
            return Ok(());
        }
        let buckets: Vec<String> = changed.iter().map(|(b, _)| b.clone()).collect();
        let written = writer
            .write(Box::new(move |c| {
                Box::pin(async move {
                    for (bucket, windows) in &changed {
                        c.execute(
                            "DELETE FROM rate_counters WHERE bucket = $1",
                            params![bucket],
                        )
                        .await
                        .map_err(crate::error::map_err)?;
                        for &(window, n) in windows {
                            c.execute(
                                "INSERT INTO rate_counters (bucket, window_start, n)
                                 VALUES ($1, $2, $3)",
                                params![bucket, window, n],
                            )
                            .await
                            .map_err(crate::error::map_err)?;
                        }
                    }
                    Ok(())
                })
            }))
            .await;
        if written.is_err() {
            // Written next time.
            let mut state = self.state();
            for bucket in buckets {
                if let Some(b) = state.buckets.get_mut(&bucket) {
                    b.dirty = true;
                }
            }
        }
        written
    }
}

/// Writes `counters` out every [`FLUSH_EVERY`] while calls come in, until the store is gone.
pub(crate) fn flush_in_background(counters: Weak<Counters>, writer: super::writer::WeakWriter) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(FLUSH_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let (Some(counters), Some(writer)) = (counters.upgrade(), writer.upgrade()) else {
                return;
            };
            if let Err(e) = counters.flush(&writer).await {
                tracing::warn!(error = %e, "writing out the rate counters failed; retrying");
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: i64 = 60_000;

    /// What a bucket's count must be: every call from `sum_from` on, summed afresh.
    fn summed(calls: &[i64], sum_from: i64) -> i64 {
        i64::try_from(calls.iter().filter(|&&w| w >= sum_from).count()).unwrap()
    }

    #[test]
    fn counts_read_back_at_start_are_in_the_running_sums() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE rate_counters (bucket TEXT, window_start INTEGER, n INTEGER);
             INSERT INTO rate_counters VALUES ('app:1', 0, 5), ('app:1', 60000, 7),
                                              ('user:1:2', 60000, 2);",
        )
        .unwrap();
        let counters = Counters::load(&conn).unwrap();
        let dirty = |c: &Counters| {
            let mut d: Vec<String> = c
                .state()
                .buckets
                .iter()
                .filter(|(_, b)| b.dirty)
                .map(|(k, _)| k.clone())
                .collect();
            d.sort();
            d
        };
        assert!(dirty(&counters).is_empty(), "what was read back is written");
        // The window at 0 is out of a span starting at one minute.
        assert_eq!(
            counters.hit(&["app:1", "user:1:2"], 2 * MINUTE, MINUTE),
            vec![8, 3]
        );
        assert_eq!(dirty(&counters), ["app:1", "user:1:2"]);
        assert_eq!(counters.hit(&["app:1"], 2 * MINUTE, 0), vec![9]);
        assert_eq!(counters.read("app:1", MINUTE), 9);
    }

    proptest::proptest! {
        /// Calls coming in over time, each counted in two buckets with spans of an hour and of a
        /// day: every count is the sum of the calls still in its span, as if summed afresh.
        #[test]
        fn running_sums_equal_fresh_sums(steps in proptest::collection::vec(0_i64..600, 1..300)) {
            let counters = Counters::default();
            let (mut now, mut hour_calls, mut day_calls) = (0_i64, Vec::new(), Vec::new());
            for step in steps {
                now += step * 1_000;
                let window = now - now.rem_euclid(MINUTE);
                let (hour_from, day_from) = (window - 60 * MINUTE + MINUTE, window - 1_440 * MINUTE + MINUTE);
                hour_calls.push(window);
                day_calls.push(window);
                let hour = counters.hit(&["hour"], window, hour_from);
                let day = counters.hit(&["day"], window, day_from);
                proptest::prop_assert_eq!(hour, vec![summed(&hour_calls, hour_from)]);
                proptest::prop_assert_eq!(day, vec![summed(&day_calls, day_from)]);
                proptest::prop_assert_eq!(counters.read("hour", hour_from), summed(&hour_calls, hour_from));
            }
        }
    }
}
