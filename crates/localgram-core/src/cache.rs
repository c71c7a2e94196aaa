//! Short-lived read caches for data that changes rarely (apps, accounts, the media-cap position),
//! so a Graph call does not re-read them on every request. Entries live [`TTL`] of monotonic time
//! (not the emulator clock, which tests freeze); loading a world clears them at once in this
//! process, and other instances sharing PostgreSQL see a change within [`TTL`].
//!
//! Token validity is never cached: a revoked token is refused by every instance at once.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long an entry is trusted.
pub const TTL: Duration = Duration::from_secs(1);
/// Entries kept per cache before it is cleared.
const MAX_ENTRIES: usize = 10_000;

/// A map whose entries expire after [`TTL`].
#[derive(Debug)]
pub struct TtlCache<K, V> {
    entries: Mutex<HashMap<K, (Instant, V)>>,
}

impl<K, V> Default for TtlCache<K, V> {
    fn default() -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
        }
    }
}

impl<K: Eq + Hash + Clone, V: Clone> TtlCache<K, V> {
    /// The fresh value for `key`, if any.
    pub fn get(&self, key: &K) -> Option<V> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .get(key)
            .filter(|(at, _)| at.elapsed() < TTL)
            .map(|(_, v)| v.clone())
    }

    /// Stores `value` for `key`.
    pub fn put(&self, key: K, value: V) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(key, (Instant::now(), value));
    }

    /// Forgets everything.
    pub fn clear(&self) {
        self.entries
            .lock()
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
        assert_eq!(c.get(&"a"), None);
        c.put("a", 1);
        assert_eq!(c.get(&"a"), Some(1));
        c.clear();
        assert_eq!(c.get(&"a"), None);
    }
}
