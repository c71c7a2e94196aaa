//! Rendered answers of graph.instagram.com's reads (`/me`, `/{id}`, the media edge, album
//! children), kept while the database has not changed, so asking again for the same page costs
//! a lookup instead of a page read and a render.
//!
//! An answer is a pure function of the database, the caller's token and the request's path and
//! query (the public URL, the cursor key and the field rules are fixed for the process). The
//! cache therefore keys on the token's row id plus the path and query exactly as sent, and
//! tags each answer with the store's write generation read at the start of the request that
//! rendered it ([`Store::data_version`]); an answer is served only to a request that read the
//! same generation, so it is never older than the last commit, whoever made it. A backend
//! without a generation (PostgreSQL) caches nothing here.
//!
//! What is not in the cached body runs on every request: token resolution and its checks,
//! `appsecret_proof`, rate counting and the usage headers, `Cache-Control` and the version
//! header. Errors are never cached.
//!
//! Each thread also keeps its own copies of the answers it served (the bytes copied, not
//! shared), under the same generation and the cache's epoch, which every put and clear moves:
//! serving one writes no reference count or lock word that another thread writes too (as
//! `localgram_core::cache` does for the read caches).
//!
//! [`Store::data_version`]: localgram_core::store::Store::data_version

use axum::body::Bytes;
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::RwLock;
use std::sync::atomic::{AtomicU64, Ordering};
use thread_local::ThreadLocal;

/// Answers kept at most; the cache starts over when full.
const MAX_ENTRIES: usize = 4096;
/// Bytes of bodies kept at most; the cache starts over when full.
const MAX_BYTES: usize = 64 * 1024 * 1024;
/// Answers a thread keeps its own copies of at most.
const MAX_LOCAL_ENTRIES: usize = 256;
/// Bytes of bodies a thread keeps its own copies of at most.
const MAX_LOCAL_BYTES: usize = 4 * 1024 * 1024;

/// The cache (one per process).
#[derive(Debug, Default)]
pub struct ResponseCache {
    /// A read lock for lookups: the workers answer from it at the same time.
    inner: RwLock<Inner>,
    /// Each thread's own copies (see the module documentation).
    local: ThreadLocal<RefCell<Local>>,
    /// Moved by every put and clear: a thread's copies made before are not served.
    epoch: AtomicU64,
}

/// A thread's own copies, all made under one generation and epoch.
#[derive(Debug, Default)]
struct Local {
    generation: u64,
    epoch: u64,
    bytes: usize,
    entries: HashMap<String, Bytes, foldhash::fast::RandomState>,
}

#[derive(Debug, Default)]
struct Inner {
    /// The generation every entry was rendered under.
    generation: u64,
    bytes: usize,
    entries: HashMap<String, Bytes, foldhash::fast::RandomState>,
}

/// The key of an answer: the token's row id, the request's origin when it is not the public
/// URL, then the path and query as sent.
pub fn key(token_id: &str, path_and_query: &str) -> String {
    let mut k = String::new();
    write_key(&mut k, token_id, path_and_query);
    k
}

/// [`key`], written into `k` (emptied first).
fn write_key(k: &mut String, token_id: &str, path_and_query: &str) {
    // The URLs in an answer follow the origin the request came in on (`http/origin.rs`).
    let origin = crate::http::origin::cache_tag();
    k.clear();
    k.reserve(token_id.len() + 2 + origin.len() + path_and_query.len());
    k.push_str(token_id);
    k.push(' ');
    k.push_str(&origin);
    k.push(' ');
    k.push_str(path_and_query);
}

thread_local! {
    /// The buffer [`with_key`] writes keys into, so that a lookup allocates nothing.
    static KEY: RefCell<String> = const { RefCell::new(String::new()) };
}

/// `f` of [`key`]`(token_id, path_and_query)`, written into this thread's buffer.
pub fn with_key<R>(token_id: &str, path_and_query: &str, f: impl FnOnce(&str) -> R) -> R {
    KEY.with(|k| {
        let mut k = k.borrow_mut();
        write_key(&mut k, token_id, path_and_query);
        f(&k)
    })
}

impl ResponseCache {
    /// Forgets every answer, in every thread.
    pub fn clear(&self) {
        let mut inner = self.inner.write().unwrap_or_else(|p| p.into_inner());
        inner.entries.clear();
        inner.bytes = 0;
        self.epoch.fetch_add(1, Ordering::AcqRel);
    }

    /// The body rendered for `key` under `generation`, if any.
    pub fn get(&self, key: &str, generation: u64) -> Option<Bytes> {
        // Read before the shared map is: a put or clear after this read leaves the copy made
        // below under an epoch that has passed.
        let epoch = self.epoch.load(Ordering::Acquire);
        let local = self.local.get_or_default();
        {
            let local = local.borrow();
            if local.generation == generation
                && local.epoch == epoch
                && let Some(body) = local.entries.get(key)
            {
                return Some(body.clone());
            }
        }
        let body = {
            let inner = self.inner.read().unwrap_or_else(|e| e.into_inner());
            if inner.generation != generation {
                return None;
            }
            Bytes::copy_from_slice(inner.entries.get(key)?)
        };
        let mut local = local.borrow_mut();
        if local.generation != generation
            || local.epoch != epoch
            || local.entries.len() >= MAX_LOCAL_ENTRIES
            || local.bytes + body.len() > MAX_LOCAL_BYTES
        {
            *local = Local {
                generation,
                epoch,
                ..Local::default()
            };
        }
        if body.len() <= MAX_LOCAL_BYTES {
            local.bytes += body.len();
            if let Some(old) = local.entries.insert(key.to_owned(), body.clone()) {
                local.bytes -= old.len();
            }
        }
        Some(body)
    }

    /// Keeps `body`, rendered for `key` by a request that read `generation` first. A body
    /// rendered under an older generation than the cache holds is dropped; a newer one
    /// replaces everything.
    pub fn put(&self, key: String, generation: u64, body: Bytes) {
        let mut inner = self.inner.write().unwrap_or_else(|e| e.into_inner());
        if generation < inner.generation {
            return;
        }
        if generation > inner.generation
            || inner.entries.len() >= MAX_ENTRIES
            || inner.bytes + body.len() > MAX_BYTES
        {
            inner.entries.clear();
            inner.bytes = 0;
            inner.generation = generation;
        }
        if body.len() > MAX_BYTES {
            return;
        }
        inner.bytes += body.len();
        if let Some(old) = inner.entries.insert(key, body) {
            inner.bytes -= old.len();
        }
        // A thread's copy is never older than what the shared map holds.
        self.epoch.fetch_add(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_is_served_only_under_its_generation() {
        let c = ResponseCache::default();
        let k = key("t1", "/graph.instagram.com/me?fields=id");
        assert_eq!(c.get(&k, 1), None);
        c.put(k.clone(), 1, Bytes::from_static(b"{\"id\":\"1\"}"));
        assert_eq!(c.get(&k, 1).as_deref(), Some(&b"{\"id\":\"1\"}"[..]));
        assert_eq!(c.get(&k, 2), None, "the database changed since");
        assert_eq!(
            c.get(&key("t2", "/graph.instagram.com/me?fields=id"), 1),
            None,
            "another token"
        );
    }

    #[test]
    fn a_lookup_key_is_the_key() {
        let k = key("t1", "/graph.instagram.com/me?fields=id");
        assert_eq!(k, "t1  /graph.instagram.com/me?fields=id");
        with_key("t1", "/graph.instagram.com/me?fields=id", |b| {
            assert_eq!(b, k)
        });
        // The buffer is emptied before each key.
        with_key("t2", "/x", |b| assert_eq!(b, "t2  /x"));
    }

    #[test]
    fn a_late_render_under_an_older_generation_is_dropped() {
        let c = ResponseCache::default();
        c.put("new".into(), 5, Bytes::from_static(b"new"));
        c.put("old".into(), 4, Bytes::from_static(b"old"));
        assert_eq!(c.get("old", 4), None);
        assert_eq!(c.get("old", 5), None);
        assert_eq!(c.get("new", 5).as_deref(), Some(&b"new"[..]));
        c.put("newer".into(), 6, Bytes::from_static(b"newer"));
        assert_eq!(
            c.get("new", 5),
            None,
            "a newer generation replaced everything"
        );
        assert_eq!(c.get("newer", 6).as_deref(), Some(&b"newer"[..]));
    }

    #[test]
    fn a_threads_copies_follow_puts_and_clears_and_share_no_bytes() {
        let c = ResponseCache::default();
        let shared = Bytes::from(b"{\"id\":\"1\"}".to_vec());
        c.put("k".into(), 1, shared.clone());
        let here = c.get("k", 1).unwrap();
        assert_eq!(here, shared);
        assert_ne!(here.as_ptr(), shared.as_ptr(), "this thread's own copy");
        assert_eq!(c.get("k", 1).unwrap().as_ptr(), here.as_ptr(), "kept");
        let there = std::thread::scope(|s| s.spawn(|| c.get("k", 1).unwrap()).join().unwrap());
        assert_eq!(there, shared);
        assert_ne!(there.as_ptr(), here.as_ptr(), "another thread has its own");
        c.put("k".into(), 1, Bytes::from_static(b"{}"));
        assert_eq!(
            c.get("k", 1).as_deref(),
            Some(&b"{}"[..]),
            "a put replaces it"
        );
        c.clear();
        assert_eq!(c.get("k", 1), None, "a clear forgets it");
        c.put("k".into(), 1, Bytes::from_static(b"[]"));
        assert_eq!(c.get("k", 2), None, "served under its generation only");
    }

    #[test]
    fn the_cache_starts_over_when_full() {
        let c = ResponseCache::default();
        for i in 0..MAX_ENTRIES {
            c.put(format!("k{i}"), 1, Bytes::from_static(b"x"));
        }
        assert!(c.get("k0", 1).is_some());
        c.put("one more".into(), 1, Bytes::from_static(b"y"));
        assert_eq!(c.get("k0", 1), None);
        assert!(c.get("one more", 1).is_some());
        let inner = c.inner.read().unwrap();
        assert_eq!((inner.entries.len(), inner.bytes), (1, 1));
    }
}
