//! The SQLite backend: where its writes and reads run, and what it does differently.
//!
//! - **Writes** go to [`writer::Writer`]: one thread owns the only write connection and commits
//!   concurrent jobs together (group commit), each in a savepoint of its own.
//! - **Reads** run on a pool of sqlx connections; the reads every Graph request makes run on
//!   read-only `rusqlite` connections in place ([`readers`]), which also give the write
//!   generation from the WAL-index header ([`wal_index`]).
//! - **Rate counters** live in process memory (see [`SqliteBackend`]).

mod readers;
mod wal_index;
mod writer;

use std::collections::{BTreeMap, HashMap};
use std::str::FromStr;
use std::sync::{Arc, Mutex};
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
use readers::Readers;
use writer::Writer;

/// The schema, embedded at build time.
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

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
/// Rate-limit counters live in this process's memory, not in the file: counting every Graph call
/// with a durable write would cost an fsync per call (`synchronous=FULL`). They are exact under
/// concurrency (one lock per store) and start from zero at each start; two processes on one
/// file count separately. The `rate_counters` table exists for schema parity with PostgreSQL,
/// where several instances share counts.
pub type SqliteStore = SqlStore<SqliteBackend>;

/// The SQLite side of [`SqliteStore`].
pub struct SqliteBackend {
    pool: SqlitePool,
    writer: Writer,
    /// Calls per window start, per bucket.
    counters: Mutex<HashMap<String, BTreeMap<i64, i64>>>,
    /// The hot read path (absent for an in-memory database).
    readers: Option<Readers>,
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
        // The writer connection is opened first and kept until the store is dropped: it
        // creates the file and switches it to WAL, and it keeps an in-memory database alive.
        let mut conn = connect.connect().await.map_err(map_err)?;
        if options.run_migrations {
            MIGRATOR.run(&mut conn).await.map_err(migrate_err)?;
        }
        let writer = Writer::start(conn)
            .map_err(|e| StoreError::Other(anyhow!("starting the SQLite writer: {e}")))?;
        let filename = connect.get_filename().to_owned();
        let pool = SqlitePoolOptions::new()
            .max_connections(READERS)
            .connect_with(connect)
            .await
            .map_err(map_err)?;
        let readers = Readers::open(&filename, BUSY_TIMEOUT)?;
        tracing::debug!(
            synchronous_full = options.synchronous_full,
            migrated = options.run_migrations,
            "sqlite store connected"
        );
        Ok(SqlStore::new(SqliteBackend {
            pool,
            writer,
            counters: Mutex::default(),
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
        Box::new(self.pool.clone())
    }

    fn hot_reads(&self) -> Option<&dyn HotReads> {
        self.readers.as_ref().map(|r| r as &dyn HotReads)
    }

    async fn hit_counters(
        &self,
        buckets: &[&str],
        window_start: i64,
        sum_from: i64,
    ) -> Result<Vec<i64>> {
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
        let mut counters = self.counters.lock().unwrap_or_else(|e| e.into_inner());
        Ok(buckets
            .iter()
            // A bucket's name is copied only the first time it is counted.
            .map(|&bucket| match counters.get_mut(bucket) {
                Some(windows) => hit(windows, window_start, sum_from),
                None => hit(
                    counters.entry(bucket.to_owned()).or_default(),
                    window_start,
                    sum_from,
                ),
            })
            .collect())
    }

    async fn read_counter(&self, bucket: &str, sum_from: i64) -> Result<i64> {
        let counters = self.counters.lock().unwrap_or_else(|e| e.into_inner());
        Ok(counters
            .get(bucket)
            .map_or(0, |windows| windows.range(sum_from..).map(|(_, n)| n).sum()))
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
        self.readers.as_ref().map(Readers::last_version)
    }
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
