//! Rate-limit counters on SQLite: counted in process memory (exact under concurrency, and no
//! write per Graph call, which would cost an `fsync` each with `synchronous=FULL`), written to
//! `rate_counters` in the background at most once a second and by [`Store::flush`] at a graceful
//! shutdown, and read back when the store opens, so a restart keeps each window's count.
//! Two processes on one file count separately (PostgreSQL shares counts between instances).
//!
//! [`Store::flush`]: localgram_core::store::Store::flush

use std::collections::{BTreeMap, HashMap, HashSet};
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
    windows: HashMap<String, BTreeMap<i64, i64>, foldhash::fast::RandomState>,
    dirty: HashSet<String, foldhash::fast::RandomState>,
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
            state.windows.entry(bucket).or_default().insert(window, n);
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
        /// Counts the call, forgets the windows before `sum_from` (so memory stays bounded)
        /// and sums the rest.
        fn hit(windows: &mut BTreeMap<i64, i64>, window_start: i64, sum_from: i64) -> i64 {
            *windows.entry(window_start).or_insert(0) += 1;
            while windows
                .first_key_value()
                .is_some_and(|(&w, _)| w < sum_from)
            {
                windows.pop_first();
            }
            windows.values().sum()
        }
        let mut state = self.state();
        let State { windows, dirty } = &mut *state;
        buckets
            .iter()
            .map(|&bucket| {
                // A bucket's name is copied only the first time it is counted (or written).
                if !dirty.contains(bucket) {
                    dirty.insert(bucket.to_owned());
                }
                match windows.get_mut(bucket) {
                    Some(w) => hit(w, window_start, sum_from),
                    None => hit(
                        windows.entry(bucket.to_owned()).or_default(),
                        window_start,
                        sum_from,
                    ),
                }
            })
            .collect()
    }

    /// Forgets every count (the table was emptied by a reset or a restore).
    pub(crate) fn forget(&self) {
        let mut state = self.state();
        state.windows.clear();
        state.dirty.clear();
    }

    /// A bucket's sum from `sum_from` on.
    pub(crate) fn read(&self, bucket: &str, sum_from: i64) -> i64 {
        self.state()
            .windows
            .get(bucket)
            .map_or(0, |windows| windows.range(sum_from..).map(|(_, n)| n).sum())
    }

    /// Writes the buckets that changed since they were last written, in one write.
    pub(crate) async fn flush(&self, writer: &Writer) -> Result<()> {
        let changed: Vec<(String, Vec<(i64, i64)>)> = {
            let mut state = self.state();
            let dirty = std::mem::take(&mut state.dirty);
            dirty
                .into_iter()
                .map(|bucket| {
                    let windows = state
                        .windows
                        .get(&bucket)
                        .map(|w| w.iter().map(|(&k, &n)| (k, n)).collect())
                        .unwrap_or_default();
                    (bucket, windows)
                })
                .collect()
        };
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
            self.state().dirty.extend(buckets);
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
