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
use localgram_core::model::{Blob, IgMedia, TokenRecord};
use localgram_core::store::{MediaKey, MediaQuery, Result, StoreError};
use rusqlite::{Connection, OpenFlags};

use super::wal_index::{self, WalIndexHeader};
use crate::rows::{BlobRow, IgMediaRow, MediaKeyRow, TokenRow};
use crate::sql::{self, HotReads};
use crate::value::{FromRow, Value};

/// How many connections: enough that the threads answering requests, at most one running on
/// each processor, rarely wait for one.
const CONNECTIONS: usize = 4;
/// Statements kept prepared per connection (the media page has a handful of shapes).
const STATEMENT_CACHE: usize = 32;
/// Reads map the file instead of copying pages through SQLite's page cache (up to this size;
/// the rest of a larger file is read as usual).
const MMAP_SIZE: i64 = 256 * 1024 * 1024;

/// A small set of read-only connections on the database file.
pub(crate) struct Readers {
    /// How commits are noticed. Declared before `connections`: it may point into memory that
    /// SQLite maps for them, and fields drop in order.
    probe: Probe,
    connections: Vec<Mutex<Slot>>,
    next: AtomicUsize,
    /// The write generation (see [`Readers::version`]).
    generation: AtomicU64,
}

/// What one thread last compared and answered: the WAL-index header and the generation.
type ThreadSaw = ([u8; wal_index::HEADER_LEN], u64);

/// How [`Readers::version`] notices commits.
enum Probe {
    /// By the WAL-index header, compared with the header seen last.
    WalIndex {
        header: WalIndexHeader,
        seen: std::sync::RwLock<[u8; wal_index::HEADER_LEN]>,
        /// Each thread's last answer: the header it compared and the generation it returned.
        /// While both still hold, the answer is the same without `seen`'s lock, whose two
        /// atomic writes per call pulled its cache line from core to core.
        mine: Box<thread_local::ThreadLocal<std::cell::Cell<Option<ThreadSaw>>>>,
    },
    /// By `PRAGMA data_version` on each connection, when the header cannot be read (a VFS
    /// without shared memory).
    DataVersion,
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
            .field("wal_index", &self.reads_wal_index())
            .finish()
    }
}

impl Readers {
    /// Opens the connections on `path`; `None` for an in-memory database.
    pub(crate) fn open(path: &Path, busy_timeout: Duration) -> Result<Option<Self>> {
        Self::open_with(path, busy_timeout, true)
    }

    /// [`Readers::open`], noticing commits through the WAL-index header when `wal_index` is
    /// true and it can be read, else through `PRAGMA data_version`.
    fn open_with(path: &Path, busy_timeout: Duration, wal_index: bool) -> Result<Option<Self>> {
        if super::is_in_memory(path) {
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
        // Every connection has read the database above, so the WAL index is open and mapped.
        let probe = connections
            .first()
            .filter(|_| wal_index)
            .and_then(|c| {
                let slot = c.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                WalIndexHeader::of(&slot.conn)
            })
            .map_or(Probe::DataVersion, |header| Probe::WalIndex {
                seen: std::sync::RwLock::new(header.read()),
                mine: Box::default(),
                header,
            });
        Ok(Some(Self {
            probe,
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
        self.with_slot_raw(read).map_err(read_err)
    }

    /// Runs `read` on a free connection, with `rusqlite`'s own error.
    pub(crate) fn with_raw<T>(
        &self,
        read: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> rusqlite::Result<T> {
        self.with_slot_raw(|slot| read(&slot.conn))
    }

    fn with_slot_raw<T>(
        &self,
        read: impl FnOnce(&mut Slot) -> rusqlite::Result<T>,
    ) -> rusqlite::Result<T> {
        let n = self.connections.len();
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        for i in 0..n {
            if let Ok(mut slot) = self.connections[(start + i) % n].try_lock() {
                return read(&mut slot);
            }
        }
        let mut slot = self.connections[start % n]
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        read(&mut slot)
    }

    /// The write generation, read now: a number that is larger than every number this method
    /// returned before the latest commit to the database, by any connection of this process or
    /// of another one sharing the file.
    ///
    /// Each probe compares what it reads with what the probe before it read, and when it moved,
    /// advances the shared generation before returning it. Take a commit C and a call P that
    /// starts after C. If the previous probe (of the same connection, for `PRAGMA
    /// data_version`) came before C, P sees the value move and advances the generation itself;
    /// if it came after C, that earlier probe (or one before it, after C) advanced it already.
    /// Either way P returns more than anything returned before C, so a memo tagged with a
    /// generation read *before* its data was read is never served after a later commit.
    ///
    /// With the WAL-index header (see [`wal_index`]) the comparison and the advance happen
    /// under one lock, which orders the probes of all threads.
    pub(crate) fn version(&self) -> Result<u64> {
        match &self.probe {
            Probe::WalIndex { header, seen, mine } => {
                let now = header.read();
                // The generation moves only when `seen` does: if it has not moved since this
                // thread saw `now`, `seen` is still `now` and the answer is the same.
                let mine = mine.get_or_default();
                let generation = self.generation.load(Ordering::SeqCst);
                if mine.get() == Some((now, generation)) {
                    return Ok(generation);
                }
                let answer = self.version_shared(seen, now);
                mine.set(Some((now, answer)));
                Ok(answer)
            }
            Probe::DataVersion => self.with_slot(|slot| {
                let now: i64 = slot
                    .conn
                    .prepare_cached("PRAGMA data_version")?
                    .query_row([], |r| r.get(0))?;
                if slot.seen != Some(now) {
                    slot.seen = Some(now);
                    self.generation.fetch_add(1, Ordering::SeqCst);
                }
                Ok(self.generation.load(Ordering::SeqCst))
            }),
        }
    }

    /// [`Readers::version`] by the header `now`, compared with the one all threads saw last.
    fn version_shared(
        &self,
        seen: &std::sync::RwLock<[u8; wal_index::HEADER_LEN]>,
        now: [u8; wal_index::HEADER_LEN],
    ) -> u64 {
        {
            // Every Graph call asks; with no commit since, the workers only read.
            let seen = seen
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if *seen == now {
                return self.generation.load(Ordering::SeqCst);
            }
        }
        let mut seen = seen
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if *seen != now {
            *seen = now;
            self.generation.fetch_add(1, Ordering::SeqCst);
        }
        self.generation.load(Ordering::SeqCst)
    }

    /// Whether commits are noticed through the WAL-index header (rather than `PRAGMA
    /// data_version`).
    pub(crate) fn reads_wal_index(&self) -> bool {
        matches!(self.probe, Probe::WalIndex { .. })
    }

    /// The generation [`Readers::version`] returned last, without reading the database.
    pub(crate) fn last_version(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }
}

impl Readers {
    fn all<T: FromRow>(&self, sql: &str, params: Vec<Value>) -> Result<Vec<T>> {
        self.with(|c| super::conn::rows(c, sql, params))?
            .into_iter()
            .map(|row| T::from_row(row).map_err(|e| StoreError::Other(anyhow::Error::new(e))))
            .collect()
    }

    fn one<T: FromRow>(&self, sql: &str, params: Vec<Value>) -> Result<Option<T>> {
        Ok(self.all(sql, params)?.into_iter().next())
    }
}

impl HotReads for Readers {
    fn find_token(&self, token_hash: &str) -> Result<Option<TokenRecord>> {
        self.one::<TokenRow>(
            sql::FIND_TOKEN_SQL,
            vec![Value::Text(token_hash.to_owned())],
        )?
        .map(TokenRecord::try_from)
        .transpose()
    }

    fn find_media(&self, id: &str) -> Result<Option<IgMedia>> {
        self.one::<IgMediaRow>(sql::FIND_MEDIA_SQL, vec![Value::Text(id.to_owned())])?
            .map(IgMedia::try_from)
            .transpose()
    }

    fn list_children(&self, parent_id: &str) -> Result<Vec<IgMedia>> {
        static SQL: std::sync::LazyLock<String> =
            std::sync::LazyLock::new(|| sql::children_sql(super::BYTEWISE));
        self.all::<IgMediaRow>(&SQL, vec![Value::Text(parent_id.to_owned())])?
            .into_iter()
            .map(IgMedia::try_from)
            .collect()
    }

    fn list_media(&self, query: &MediaQuery) -> Result<Vec<IgMedia>> {
        let (sql, params) = sql::media_page_sql(query, super::BYTEWISE);
        self.all::<IgMediaRow>(&sql, params)?
            .into_iter()
            .map(IgMedia::try_from)
            .collect()
    }

    fn listed_media_key_at(&self, owner_id: &str, offset: i64) -> Result<Option<MediaKey>> {
        static SQL: std::sync::LazyLock<String> =
            std::sync::LazyLock::new(|| sql::media_key_at_sql(super::BYTEWISE));
        Ok(self
            .one::<MediaKeyRow>(
                &SQL,
                vec![Value::Text(owner_id.to_owned()), Value::Int(offset)],
            )?
            .map(MediaKey::from))
    }

    fn count_media(&self, owner_id: &str) -> Result<i64> {
        Ok(self
            .one::<(i64,)>(sql::COUNT_MEDIA_SQL, vec![Value::Text(owner_id.to_owned())])?
            .map_or(0, |(n,)| n))
    }

    fn find_blob(&self, sha256: &str) -> Result<Option<Blob>> {
        Ok(self
            .one::<BlobRow>(sql::FIND_BLOB_SQL, vec![Value::Text(sha256.to_owned())])?
            .map(Blob::from))
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh WAL database with one table, and a connection to write with.
    fn database(name: &str) -> (std::path::PathBuf, Connection) {
        let path = std::env::temp_dir().join(format!(
            "localgram_readers_{name}_{}.db",
            std::process::id()
        ));
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
        let writer = Connection::open(&path).unwrap();
        writer.pragma_update(None, "journal_mode", "wal").unwrap();
        writer
            .execute_batch("CREATE TABLE t (v INTEGER); INSERT INTO t VALUES (0);")
            .unwrap();
        (path, writer)
    }

    /// The generation holds still without commits and moves at once after each commit, made by
    /// a connection of the readers' own or by another one on the file.
    fn generation_story(readers: &Readers, writer: &Connection, other: &Connection) {
        let mut last = readers.version().unwrap();
        for _ in 0..8 {
            assert_eq!(readers.version().unwrap(), last, "no commit, no move");
        }
        for (i, conn) in (1_i64..).zip([writer, other, writer]) {
            conn.execute("UPDATE t SET v = ?1", [i]).unwrap();
            let now = readers.version().unwrap();
            assert!(now > last, "commit {i}: {now} > {last} at once");
            assert_eq!(readers.last_version(), now);
            // Every probe after it agrees (each connection's first `PRAGMA data_version` after
            // a commit may advance it once more; never again until the next commit).
            for _ in 0..CONNECTIONS {
                readers.version().unwrap();
            }
            last = readers.version().unwrap();
            for _ in 0..8 {
                assert_eq!(readers.version().unwrap(), last, "no commit, no move");
            }
            // A read-only transaction moves nothing.
            let v: i64 = readers
                .with(|c| c.query_row("SELECT v FROM t", [], |r| r.get(0)))
                .unwrap();
            assert_eq!(v, i);
            assert_eq!(readers.version().unwrap(), last);
        }
    }

    #[test]
    fn a_file_database_is_probed_through_its_wal_index() {
        let (path, writer) = database("wal_index");
        let other = Connection::open(&path).unwrap();
        let readers = Readers::open(&path, Duration::from_secs(5))
            .unwrap()
            .unwrap();
        assert!(readers.reads_wal_index());
        generation_story(&readers, &writer, &other);
    }

    #[test]
    fn every_thread_notices_a_commit_at_its_next_probe_whoever_noticed_it_first() {
        let (path, writer) = database("threads");
        let readers = Readers::open(&path, Duration::from_secs(5))
            .unwrap()
            .unwrap();
        assert!(readers.reads_wal_index());
        let on_another_thread =
            || std::thread::scope(|s| s.spawn(|| readers.version().unwrap()).join().unwrap());
        let mut here = readers.version().unwrap();
        assert_eq!(on_another_thread(), here);
        for i in 1..=3_i64 {
            // The other thread notices first: this one, which has seen the header before the
            // commit, returns what the other returned, not its own earlier answer.
            writer.execute("UPDATE t SET v = ?1", [2 * i]).unwrap();
            let there = on_another_thread();
            assert!(there > here, "commit noticed there: {there} > {here}");
            here = readers.version().unwrap();
            assert_eq!(here, there);
            // This thread notices first: the generation has not moved, yet the header has.
            writer.execute("UPDATE t SET v = ?1", [2 * i + 1]).unwrap();
            let first = readers.version().unwrap();
            assert!(first > here, "commit noticed here: {first} > {here}");
            assert_eq!(on_another_thread(), first);
            assert_eq!(readers.version().unwrap(), first, "no commit, no move");
            here = first;
        }
    }

    #[test]
    fn the_data_version_probe_tells_the_same_story() {
        let (path, writer) = database("data_version");
        let other = Connection::open(&path).unwrap();
        let readers = Readers::open_with(&path, Duration::from_secs(5), false)
            .unwrap()
            .unwrap();
        assert!(!readers.reads_wal_index());
        generation_story(&readers, &writer, &other);
    }

    #[test]
    fn the_header_read_changes_with_every_commit_and_only_then() {
        let (path, writer) = database("header");
        let reader = Connection::open_with_flags(&path, OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
        let _: i64 = reader
            .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .unwrap();
        let header = WalIndexHeader::of(&reader).expect("a WAL database has a header");
        let mut seen = std::collections::HashSet::new();
        let mut last = header.read();
        seen.insert(last);
        for i in 1..=50 {
            writer.execute("UPDATE t SET v = ?1", [i]).unwrap();
            let now = header.read();
            assert!(
                seen.insert(now),
                "commit {i} gives a header never seen before"
            );
            let _: i64 = reader
                .query_row("SELECT v FROM t", [], |r| r.get(0))
                .unwrap();
            assert_eq!(header.read(), now, "reads leave it alone");
            last = now;
        }
        assert_eq!(header.read(), last);
    }
}
