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
//! Each thread also keeps its own copies of the entries it has read (values copied, not shared),
//! under the same two conditions plus the cache's epoch, which [`TtlCache::clear`] moves. A hit
//! there writes no memory another thread touches: no lock word, no shared reference count. On
//! the server's two workers those writes were most of a shared hit's cost, each one pulling a
//! cache line over from the other core.
//!
//! [`Store::last_data_version`]: crate::store::Store::last_data_version
//! [`Store::data_version`]: crate::store::Store::data_version

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use thread_local::ThreadLocal;

/// How long an entry is trusted at most.
pub const TTL: Duration = Duration::from_secs(1);
/// Entries kept per cache before it is cleared.
const MAX_ENTRIES: usize = 10_000;
/// Entries a thread keeps its own copies of, per cache, before it forgets them.
const MAX_LOCAL_ENTRIES: usize = 1_024;

/// One entry: when it was read, under which generation, and the value.
#[derive(Debug)]
struct Entry<V> {
    at: Instant,
    generation: Option<u64>,
    value: V,
}

/// A thread's own copy of an entry, and the cache's epoch when it was copied.
#[derive(Debug)]
struct LocalEntry<V> {
    at: Instant,
    generation: Option<u64>,
    epoch: u64,
    value: V,
}

/// A copy of a value that shares nothing another thread may write, for a thread's own entries:
/// an `Arc` is copied into a new one, so counting references to it stays on this thread.
pub trait Unshared {
    /// The copy.
    fn unshared(&self) -> Self;
}

impl<T: Clone> Unshared for Arc<T> {
    fn unshared(&self) -> Self {
        Arc::new(T::clone(self))
    }
}

impl<T: Unshared> Unshared for Option<T> {
    fn unshared(&self) -> Self {
        self.as_ref().map(T::unshared)
    }
}

impl Unshared for i64 {
    fn unshared(&self) -> Self {
        *self
    }
}

impl Unshared for crate::store::MediaKey {
    fn unshared(&self) -> Self {
        self.clone()
    }
}

/// A map whose entries expire after [`TTL`] or when the store's generation moves.
#[derive(Debug)]
pub struct TtlCache<K: Send, V: Send> {
    /// foldhash (seeded per process) rather than SipHash: every Graph call looks up several
    /// entries, and SipHash was a measurable share of a call answered from memory. A read
    /// lock: the server's workers look entries up at the same time without waiting for each
    /// other (a mutex made one wait, and sleep, whenever the other was preempted holding it).
    entries: RwLock<HashMap<K, Entry<V>, foldhash::fast::RandomState>>,
    /// Each thread's own copies (see the module documentation).
    local: ThreadLocal<RefCell<HashMap<K, LocalEntry<V>, foldhash::fast::RandomState>>>,
    /// Moved by [`TtlCache::clear`]: a thread's copy made before is not served.
    epoch: AtomicU64,
}

impl<K: Send, V: Send> Default for TtlCache<K, V> {
    fn default() -> Self {
        Self {
            entries: RwLock::new(HashMap::default()),
            local: ThreadLocal::new(),
            epoch: AtomicU64::new(0),
        }
    }
}

impl<K: Eq + Hash + Clone + Send, V: Clone + Unshared + Send> TtlCache<K, V> {
    /// The value for `key`, if it was read under `generation` less than [`TTL`] ago.
    pub fn get<Q>(&self, key: &Q, generation: Option<u64>) -> Option<V>
    where
        K: std::borrow::Borrow<Q>,
        Q: Hash + Eq + ToOwned<Owned = K> + ?Sized,
    {
        // Read before the shared map is: a clear after this read leaves the copy made below
        // under an epoch that has passed.
        let epoch = self.epoch.load(Ordering::Acquire);
        let local = self.local.get_or_default();
        if let Some(e) = local.borrow().get(key)
            && e.epoch == epoch
            && e.generation == generation
            && e.at.elapsed() < TTL
        {
            return Some(e.value.clone());
        }
        let (at, value) = {
            let entries = self.entries.read().unwrap_or_else(|e| e.into_inner());
            let e = entries
                .get(key)
                .filter(|e| e.generation == generation && e.at.elapsed() < TTL)?;
            (e.at, e.value.unshared())
        };
        let mut local = local.borrow_mut();
        if local.len() >= MAX_LOCAL_ENTRIES {
            local.clear();
        }
        local.insert(
            key.to_owned(),
            LocalEntry {
                at,
                generation,
                epoch,
                value: value.clone(),
            },
        );
        Some(value)
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
        // A thread's copy is never older than what the shared map holds.
        self.epoch.fetch_add(1, Ordering::AcqRel);
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

    /// Forgets everything, in every thread.
    pub fn clear(&self) {
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        entries.clear();
        self.epoch.fetch_add(1, Ordering::AcqRel);
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

    #[test]
    fn a_threads_copies_follow_puts_and_clears() {
        let c = TtlCache::default();
        c.put("a", Some(1), 1_i64);
        assert_eq!(c.get(&"a", Some(1)), Some(1), "copied into this thread");
        c.put("a", Some(1), 2);
        assert_eq!(
            c.get(&"a", Some(1)),
            Some(2),
            "a put replaces this thread's copy"
        );
        c.clear();
        assert_eq!(
            c.get(&"a", Some(1)),
            None,
            "a clear forgets this thread's copy"
        );
        c.put("a", Some(1), 3);
        assert_eq!(
            c.get(&"a", Some(2)),
            None,
            "a copy is served under its generation only"
        );
    }

    #[test]
    fn a_hit_shares_no_reference_count_with_other_threads() {
        let c: TtlCache<&str, Option<Arc<String>>> = TtlCache::default();
        let shared = Arc::new("token".to_owned());
        c.put("a", Some(1), Some(shared.clone()));
        let here = c.get(&"a", Some(1)).flatten().unwrap();
        let again = c.get(&"a", Some(1)).flatten().unwrap();
        assert!(Arc::ptr_eq(&here, &again), "this thread's own copy");
        assert!(!Arc::ptr_eq(&here, &shared), "not the shared value");
        let there = std::thread::scope(|s| {
            s.spawn(|| c.get(&"a", Some(1)).flatten().unwrap())
                .join()
                .unwrap()
        });
        assert!(!Arc::ptr_eq(&there, &here), "another thread has its own");
        assert_eq!(*there, "token");
        // Only the test and the shared map count the shared value.
        assert_eq!(Arc::strong_count(&shared), 2);
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
