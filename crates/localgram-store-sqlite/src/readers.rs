//! The hot read path: a few read-only SQLite connections used synchronously, in place.
//!
//! sqlx's SQLite driver runs each connection on a worker thread of its own and hands every
//! statement and every row across threads; on the Graph read path (one token lookup and one
//! media page per request) those hand-offs cost more than the queries. The reads that every
//! Graph request makes therefore run here instead, on the calling thread: each is a prepared
//! (and cached) statement over an index that answers in microseconds, like any other CPU work
//! of a request. Writes stay on sqlx's single writer connection, so the WAL rules hold as
//! before: a read sees every transaction committed before it started.
//!
//! An in-memory database (`sqlite::memory:`) has no file to open a second connection on; it
//! keeps every read on sqlx.

use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use anyhow::anyhow;
use localgram_core::store::{Result, StoreError};
use rusqlite::{Connection, OpenFlags};

/// How many connections: enough that the runtime's worker threads rarely wait for one.
const CONNECTIONS: usize = 4;
/// Statements kept prepared per connection (the media page has a handful of shapes).
const STATEMENT_CACHE: usize = 32;
/// Reads map the file instead of copying pages through SQLite's page cache (up to this size;
/// the rest of a larger file is read as usual).
const MMAP_SIZE: i64 = 256 * 1024 * 1024;

/// A small set of read-only connections on the database file.
pub(crate) struct Readers {
    connections: Vec<Mutex<Slot>>,
    next: AtomicUsize,
    /// The write generation (see [`Readers::version`]).
    generation: AtomicU64,
}

/// One connection and the `PRAGMA data_version` it answered last.
struct Slot {
    conn: Connection,
    seen: Option<i64>,
}

impl std::fmt::Debug for Readers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Readers")
            .field("connections", &self.connections.len())
            .finish()
    }
}

impl Readers {
    /// Opens the connections on `path`; `None` for an in-memory database.
    pub(crate) fn open(path: &Path, busy_timeout: Duration) -> Result<Option<Self>> {
        let name = path.to_string_lossy();
        if name.is_empty() || name == ":memory:" || name.starts_with("file:") {
            return Ok(None);
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let mut connections = Vec::with_capacity(CONNECTIONS);
        for _ in 0..CONNECTIONS {
            let conn = Connection::open_with_flags(path, flags).map_err(read_err)?;
            conn.busy_timeout(busy_timeout).map_err(read_err)?;
            conn.pragma_update(None, "mmap_size", MMAP_SIZE)
                .map_err(read_err)?;
            conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
            // The value at opening counts as the connection's previous answer.
            let seen = conn
                .query_row("PRAGMA data_version", [], |r| r.get(0))
                .map_err(read_err)?;
            connections.push(Mutex::new(Slot {
                conn,
                seen: Some(seen),
            }));
        }
        Ok(Some(Self {
            connections,
            next: AtomicUsize::new(0),
            generation: AtomicU64::new(0),
        }))
    }

    /// Runs `read` on a free connection (or waits for one, briefly, if all are busy).
    pub(crate) fn with<T>(
        &self,
        read: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Result<T> {
        self.with_slot(|slot| read(&slot.conn))
    }

    fn with_slot<T>(&self, read: impl FnOnce(&mut Slot) -> rusqlite::Result<T>) -> Result<T> {
        let n = self.connections.len();
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        for i in 0..n {
            if let Ok(mut slot) = self.connections[(start + i) % n].try_lock() {
                return read(&mut slot).map_err(read_err);
            }
        }
        let mut slot = self.connections[start % n]
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        read(&mut slot).map_err(read_err)
    }

    /// The write generation, read now: a number that is larger than every number this method
    /// returned before the latest commit to the database, by any connection of this process or
    /// of another one sharing the file.
    ///
    /// `PRAGMA data_version` answers, per connection, a value that differs from its previous
    /// answer when another connection committed in between. Every connection compares its
    /// answer with the one before and, when it moved, advances the shared generation before
    /// returning it. Take a commit C and a call P that starts after C, on connection k: if k's
    /// previous call came before C, P sees the value move and advances the generation itself;
    /// if it came after C, that earlier call (or one before it, after C) advanced it already.
    /// Either way P returns more than anything returned before C, so a memo tagged with a
    /// generation read *before* its data was read is never served after a later commit.
    pub(crate) fn version(&self) -> Result<u64> {
        self.with_slot(|slot| {
            let now: i64 = slot
                .conn
                .prepare_cached("PRAGMA data_version")?
                .query_row([], |r| r.get(0))?;
            if slot.seen != Some(now) {
                slot.seen = Some(now);
                self.generation.fetch_add(1, Ordering::SeqCst);
            }
            Ok(self.generation.load(Ordering::SeqCst))
        })
    }

    /// The generation [`Readers::version`] returned last, without reading the database.
    pub(crate) fn last_version(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }
}

/// A failed read: busy or locked past the timeout is [`StoreError::Unavailable`], the rest
/// [`StoreError::Other`].
fn read_err(e: rusqlite::Error) -> StoreError {
    use rusqlite::ErrorCode;
    match e.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
            StoreError::Unavailable(anyhow!("the database is busy: {e}"))
        }
        _ => StoreError::Other(anyhow!("reading the database: {e}")),
    }
}
