//! Read caches for data that changes rarely (apps, accounts, the media-cap position, media
//! counts, tokens), so a Graph call does not re-read them on every request.
//!
//! Every entry is tagged with the store's write generation ([`Store::last_data_version`]) read
//! *before* the data was, and is served only while the generation is the same, and for at most
//! [`TTL`] of monotonic time (not the emulator clock, which tests freeze):
//!
//! - On SQLite the generation moves with every commit, and a Graph request reads it afresh
//!   ([`Store::data_version`]) before anything else, so what it reads through these caches is
//!   exact: never older than the last commit before the request began.
//! - On PostgreSQL there is no generation; entries live for [`TTL`], and other instances
//!   sharing the database see a change within that time. Tokens are never cached there (see
//!   `Platform::resolve_token_at`).
//!
//! Loading a world clears every cache at once in this process.
//!
//! [`Store::last_data_version`]: crate::store::Store::last_data_version
//! [`Store::data_version`]: crate::store::Store::data_version

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::RwLock;
use std::time::{Duration, Instant};

/// How long an entry is trusted at most.
pub const TTL: Duration = Duration::from_secs(1);
/// Entries kept per cache before it is cleared.
const MAX_ENTRIES: usize = 10_000;

/// One entry: when it was read, under which generation, and the value.
#[derive(Debug)]
struct Entry<V> {
    at: Instant,
    generation: Option<u64>,
    value: V,
}

/// A map whose entries expire after [`TTL`] or when the store's generation moves.
#[derive(Debug)]
pub struct TtlCache<K, V> {
    /// foldhash (seeded per process) rather than SipHash: every Graph call looks up several
    /// entries, and SipHash was a measurable share of a call answered from memory. A read
    /// lock: the server's workers look entries up at the same time without waiting for each
    /// other (a mutex made one wait, and sleep, whenever the other was preempted holding it).
    entries: RwLock<HashMap<K, Entry<V>, foldhash::fast::RandomState>>,
}

impl<K, V> Default for TtlCache<K, V> {
    fn default() -> Self {
        Self {
            entries: RwLock::new(HashMap::default()),
        }
    }
}

impl<K: Eq + Hash + Clone, V: Clone> TtlCache<K, V> {
    /// The value for `key`, if it was read under `generation` less than [`TTL`] ago.
    pub fn get<Q>(&self, key: &Q, generation: Option<u64>) -> Option<V>
    where
        K: std::borrow::Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let entries = self.entries.read().unwrap_or_else(|e| e.into_inner());
        entries
            .get(key)
            .filter(|e| e.generation == generation && e.at.elapsed() < TTL)
            .map(|e| e.value.clone())
    }

    /// Stores `value` for `key`, read under `generation` (taken before the read).
    pub fn put(&self, key: K, generation: Option<u64>, value: V) {
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(
            key,
            Entry {
                at: Instant::now(),
                generation,
                value,
            },
        );
    }

    /// The value for `key` read under `generation` (taken before anything is read), or the
    /// outcome of `load`, which is then kept; `load` runs only on a miss, and a failed load
    /// keeps nothing.
    /// `key` is borrowed: the owned key is made only to keep what a miss loaded.
    pub async fn get_or_load<Q, E>(
        &self,
        key: &Q,
        generation: Option<u64>,
        load: impl std::future::Future<Output = Result<V, E>>,
    ) -> Result<V, E>
    where
        K: std::borrow::Borrow<Q>,
        Q: Hash + Eq + ToOwned<Owned = K> + ?Sized,
    {
        if let Some(v) = self.get(key, generation) {
            return Ok(v);
        }
        let v = load.await?;
        self.put(key.to_owned(), generation, v.clone());
        Ok(v)
    }

    /// Forgets everything.
    pub fn clear(&self) {
        self.entries
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_returned_until_cleared() {
        let c = TtlCache::default();
        assert_eq!(c.get(&"a", None), None);
        c.put("a", None, 1);
        assert_eq!(c.get(&"a", None), Some(1));
        c.clear();
        assert_eq!(c.get(&"a", None), None);
    }

    #[test]
    fn entries_are_served_only_under_their_generation() {
        let c = TtlCache::default();
        c.put("a", Some(7), 1);
        assert_eq!(c.get(&"a", Some(7)), Some(1));
        assert_eq!(c.get(&"a", Some(8)), None, "a commit since");
        assert_eq!(c.get(&"a", None), None);
        c.put("a", Some(8), 2);
        assert_eq!(c.get(&"a", Some(8)), Some(2));
    }

    #[tokio::test]
    async fn get_or_load_loads_on_a_miss_only_and_keeps_no_failure() {
        let c = TtlCache::default();
        let loaded = c.get_or_load(&"a", Some(1), async { Ok::<_, ()>(1) }).await;
        assert_eq!(loaded, Ok(1));
        let hit = c
            .get_or_load(&"a", Some(1), async { unreachable!("a hit does not load") })
            .await;
        assert_eq!(hit, Ok::<_, ()>(1));
        assert_eq!(
            c.get_or_load(&"a", Some(2), async { Err("gone") }).await,
            Err("gone")
        );
        assert_eq!(c.get(&"a", Some(2)), None);
        assert_eq!(c.get(&"a", Some(1)), Some(1));
    }
}
