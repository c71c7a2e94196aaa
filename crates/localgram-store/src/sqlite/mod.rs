//! The SQLite backend: where its writes and reads run, and what it does differently.
//!
//! - **Writes** go to [`writer::Writer`]: one thread owns the only write connection and commits
//!   concurrent jobs together (group commit), each in a savepoint of its own.
//! - **Reads** run on a pool of sqlx connections; the reads every Graph request makes run on
//!   read-only `rusqlite` connections in place ([`readers`]), which also give the write
//!   generation from the WAL-index header ([`wal_index`]).
//! - **Rate counters** live in process memory (see [`SqliteBackend`]).

mod conn;
mod counters;
mod readers;
mod wal_index;
mod writer;

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::anyhow;
use localgram_core::store::{Result, StoreError};
use sqlx::sqlite::{
    SqliteArguments, SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteRow, SqliteSynchronous,
};
use sqlx::{ConnectOptions, Row as _, Sqlite, SqliteConnection, TypeInfo, ValueRef};

use crate::error::{map_err, migrate_err};
use crate::sql::{Backend, Conn, HotReads, Job, SqlStore};
use crate::value::{Kind, Row, Value};
use counters::Counters;
use readers::Readers;
use writer::Writer;

/// The schema, embedded at build time.
pub(crate) static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// How long a connection waits for another connection's write lock before SQLite gives up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// The size of the read pool.
const READERS: u32 = 8;
/// Ids compare bytewise.
pub(crate) const BYTEWISE: &str = "COLLATE BINARY";

/// How [`SqliteStore::connect`] sets the database up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SqliteOptions {
    /// `PRAGMA synchronous = FULL` (durable across power loss) when `true`, the default;
    /// `NORMAL` (durable across crashes, faster) when `false`.
    pub synchronous_full: bool,
    /// Whether [`SqliteStore::connect`] applies pending migrations (default `true`).
    pub run_migrations: bool,
}

impl Default for SqliteOptions {
    fn default() -> Self {
        Self {
            synchronous_full: true,
            run_migrations: true,
        }
    }
}

/// The store on SQLite.
///
/// Rate-limit counters are counted in this process's memory and written to the file in the
/// background (see `sqlite/counters.rs`): no `fsync` per Graph call, and a restart keeps them;
/// two processes on one file count separately.
pub type SqliteStore = SqlStore<SqliteBackend>;

/// The SQLite side of [`SqliteStore`].
pub struct SqliteBackend {
    pool: SqlitePool,
    writer: Writer,
    /// Rate-limit counts.
    counters: Arc<Counters>,
    /// The in-place read path (absent for an in-memory database).
    readers: Option<Arc<Readers>>,
}

impl std::fmt::Debug for SqliteBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteBackend")
            .field("readers", &self.readers)
            .finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Opens (creating it if missing) the database at `url` (`sqlite://path/to/file.db`,
    /// `sqlite::memory:`), with WAL, `busy_timeout = 5000`, foreign keys on and `synchronous`
    /// as `options` say, and applies migrations if asked to.
    pub async fn connect(url: &str, options: SqliteOptions) -> Result<Self> {
        let synchronous = if options.synchronous_full {
            SqliteSynchronous::Full
        } else {
            SqliteSynchronous::Normal
        };
        let connect = SqliteConnectOptions::from_str(url)
            .map_err(|e| {
                StoreError::Other(anyhow::Error::new(e).context("parsing the SQLite URL"))
            })?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(synchronous)
            .busy_timeout(BUSY_TIMEOUT)
            .foreign_keys(true);
        // sqlx creates the file (or the in-memory database), switches it to WAL and applies the
        // migrations; then the writer's own connection opens it and is kept until the store is
        // dropped (which also keeps an in-memory database alive).
        let mut setup = connect.connect().await.map_err(map_err)?;
        if options.run_migrations {
            MIGRATOR.run(&mut setup).await.map_err(migrate_err)?;
        }
        let filename = connect.get_filename().to_owned();
        let conn = open_writer(&filename, options.synchronous_full).map_err(map_err)?;
        let _ = sqlx::Connection::close(setup).await;
        let counters = Arc::new(Counters::load(&conn).unwrap_or_else(|e| {
            tracing::warn!(error = %e, "the stored rate counters cannot be read; counting from zero");
            Counters::default()
        }));
        let writer = Writer::start(conn)
            .map_err(|e| StoreError::Other(anyhow!("starting the SQLite writer: {e}")))?;
        // Reads outside the in-place read path (an in-memory database's, and tests' raw SQL).
        let pool = SqlitePoolOptions::new()
            .max_connections(READERS)
            .connect_lazy_with(connect);
        let readers = Readers::open(&filename, BUSY_TIMEOUT)?.map(Arc::new);
        tracing::debug!(
            synchronous_full = options.synchronous_full,
            migrated = options.run_migrations,
            "sqlite store connected"
        );
        counters::flush_in_background(Arc::downgrade(&counters), writer.downgrade());
        Ok(SqlStore::new(SqliteBackend {
            pool,
            writer,
            counters,
            readers,
        }))
    }

    /// Applies pending migrations (on a connection of the read pool: the writer applies them
    /// at connect time).
    pub async fn migrate(&self) -> Result<()> {
        MIGRATOR.run(&self.backend.pool).await.map_err(migrate_err)
    }

    /// The read pool, for tests and tools that need raw SQL. Writes through it work (they wait
    /// on the busy timeout) but bypass the writer.
    pub fn pool(&self) -> &SqlitePool {
        &self.backend.pool
    }
}

impl Backend for SqliteBackend {
    const NAME: &'static str = "sqlite";
    const BYTEWISE: &'static str = BYTEWISE;
    // The single writer serializes every write transaction.
    const FOR_UPDATE: &'static str = "";

    async fn write<R: Send + 'static>(&self, job: Job<R>) -> Result<R> {
        self.writer.write(job).await
    }

    fn reader(&self) -> Box<dyn Conn> {
        match &self.readers {
            Some(readers) => Box::new(conn::ReaderConn(readers.clone())),
            None => Box::new(self.pool.clone()),
        }
    }

    fn hot_reads(&self) -> Option<&dyn HotReads> {
        self.readers.as_deref().map(|r| r as &dyn HotReads)
    }

    async fn hit_counters(
        &self,
        buckets: &[&str],
        window_start: i64,
        sum_from: i64,
    ) -> Result<Vec<i64>> {
        Ok(self.counters.hit(buckets, window_start, sum_from))
    }

    async fn read_counter(&self, bucket: &str, sum_from: i64) -> Result<i64> {
        Ok(self.counters.read(bucket, sum_from))
    }

    async fn flush(&self) -> Result<()> {
        self.counters.flush(&self.writer).await
    }

    fn forget_counters(&self) {
        self.counters.forget();
    }

    /// From the WAL-index header, or `PRAGMA data_version` on the read connections where the
    /// header cannot be read (see `Readers::version`); an in-memory database has none.
    fn data_version(&self) -> Option<u64> {
        let readers = self.readers.as_ref()?;
        match readers.version() {
            Ok(v) => Some(v),
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the database's data version; reading without memos");
                None
            }
        }
    }

    fn last_data_version(&self) -> Option<u64> {
        self.readers.as_deref().map(Readers::last_version)
    }
}

/// Whether `path` names an in-memory database (sqlx's shared-cache `file:` name for one).
pub(crate) fn is_in_memory(path: &std::path::Path) -> bool {
    let name = path.to_string_lossy();
    name.is_empty() || name == ":memory:" || name.starts_with("file:")
}

/// Opens the writer's connection on the database sqlx created, with the same settings.
fn open_writer(
    path: &std::path::Path,
    synchronous_full: bool,
) -> rusqlite::Result<rusqlite::Connection> {
    use rusqlite::OpenFlags;
    let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    if is_in_memory(path) {
        flags |= OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_MEMORY
            | OpenFlags::SQLITE_OPEN_SHARED_CACHE;
    }
    let conn = rusqlite::Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.pragma_update(None, "foreign_keys", true)?;
    conn.pragma_update(
        None,
        "synchronous",
        if synchronous_full { "FULL" } else { "NORMAL" },
    )?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

/// Binds the shared SQL's parameters.
fn bind(sql: &str, params: Vec<Value>) -> sqlx::query::Query<'_, Sqlite, SqliteArguments<'_>> {
    let mut q = sqlx::query(sql);
    for p in params {
        q = match p {
            Value::Null(_) => q.bind(None::<i64>),
            Value::Int(n) => q.bind(n),
            Value::Real(x) => q.bind(x),
            Value::Bool(b) => q.bind(b),
            Value::Text(s) | Value::Json(s) => q.bind(s),
            Value::Bytes(b) => q.bind(b),
        };
    }
    q
}

/// A row as the shared SQL reads it, typed by each value's own storage class.
fn row(r: &SqliteRow, columns: &Arc<[String]>) -> Result<Row, sqlx::Error> {
    let mut values = Vec::with_capacity(columns.len());
    for i in 0..columns.len() {
        let raw = r.try_get_raw(i)?;
        let value = if raw.is_null() {
            Value::Null(Kind::Text)
        } else {
            match raw.type_info().name() {
                "INTEGER" | "BOOLEAN" | "INT" | "BIGINT" => Value::Int(r.try_get(i)?),
                "REAL" | "FLOAT" | "DOUBLE" => Value::Real(r.try_get(i)?),
                "BLOB" => Value::Bytes(r.try_get(i)?),
                _ => Value::Text(r.try_get(i)?),
            }
        };
        values.push(value);
    }
    Ok(Row {
        columns: columns.clone(),
        values,
    })
}

crate::driver::sqlx_conn!(Sqlite, SqliteConnection, SqlitePool, bind, row);
