//! The PostgreSQL backend: where its writes and reads run, and what it does differently.
//!
//! - **Writes** run each in a transaction of its own (READ COMMITTED) on a task of their own:
//!   a caller that is dropped leaves the task to commit or roll back, so a pooled connection
//!   never goes back to the pool inside a transaction. The single-use rules (a code redeemed
//!   once, a CSRF token used once) are conditional `UPDATE … WHERE <not yet used> … RETURNING`:
//!   concurrent updaters of the same row queue on its row lock and re-check the condition once
//!   the first commits, so exactly one of them wins.
//! - **Reads** run on the pool, outside transactions.
//! - **Rate counters** are rows shared by every instance, counted in one statement per call.
//! - **Statistics**: a bulk media write refreshes the planner's statistics.

use std::sync::Arc;
use std::time::Duration;

use anyhow::anyhow;
use localgram_core::store::{Result, StoreError};
use sqlx::postgres::{PgArguments, PgPool, PgPoolOptions, PgRow};
use sqlx::types::Json;
use sqlx::{PgConnection, Postgres, Row as _, TypeInfo, ValueRef};

use crate::error::{map_err, migrate_err};
use crate::sql::{Backend, Conn, Job, SqlStore};
use crate::value::{Kind, Row, Value};

/// The schema, embedded at build time.
pub(crate) static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// How long a caller waits for a pooled connection before the store reports itself unavailable.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(2);
/// Media writes smaller than this never refresh the planner's statistics themselves.
const BULK_MEDIA_ROWS: usize = 1000;

/// The store on PostgreSQL.
pub type PgStore = SqlStore<PgBackend>;

/// The PostgreSQL side of [`PgStore`].
#[derive(Debug)]
pub struct PgBackend {
    pool: PgPool,
}

impl PgStore {
    /// Connects to the database at `url` (`postgres://user@host:port/db`) with a pool whose
    /// acquire timeout is 2 s, and applies pending migrations when `run_migrations` is set.
    pub async fn connect(url: &str, run_migrations: bool) -> Result<Self> {
        let pool = PgPoolOptions::new()
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect(url)
            .await
            .map_err(map_err)?;
        let store = SqlStore::new(PgBackend { pool });
        if run_migrations {
            store.migrate().await?;
        }
        tracing::debug!(migrated = run_migrations, "postgres store connected");
        Ok(store)
    }

    /// Applies pending migrations (sqlx takes an advisory lock, so concurrent instances may
    /// all call this).
    pub async fn migrate(&self) -> Result<()> {
        MIGRATOR.run(&self.backend.pool).await.map_err(migrate_err)
    }

    /// The pool, for tests and tools that need raw SQL.
    pub fn pool(&self) -> &PgPool {
        &self.backend.pool
    }
}

/// A bucket's sum from `$2` on.
const READ_COUNTER_SQL: &str = "SELECT COALESCE(SUM(n), 0)::BIGINT FROM rate_counters
     WHERE bucket = $1 AND window_start >= $2";

impl Backend for PgBackend {
    const NAME: &'static str = "postgres";
    const BYTEWISE: &'static str = "COLLATE \"C\"";
    const FOR_UPDATE: &'static str = " FOR UPDATE";

    async fn write<R: Send + 'static>(&self, job: Job<R>) -> Result<R> {
        let pool = self.pool.clone();
        tokio::spawn(async move {
            let mut tx = pool.begin().await.map_err(map_err)?;
            match job(&mut *tx).await {
                Ok(value) => {
                    tx.commit().await.map_err(map_err)?;
                    Ok(value)
                }
                Err(e) => {
                    tx.rollback().await.map_err(map_err)?;
                    Err(e)
                }
            }
        })
        .await
        .map_err(|e| StoreError::Other(anyhow!("a write task failed: {e}")))?
    }

    fn reader(&self) -> Box<dyn Conn> {
        Box::new(crate::sql::RetryLost(self.pool.clone()))
    }

    /// One statement, so one round trip, for every bucket of a call: the upsert takes each
    /// counter row's lock (in the order given, so callers never deadlock) and returns the
    /// window's new count; the earlier windows of the same bucket are added from the
    /// statement's snapshot; windows before `sum_from` are deleted unless another caller holds
    /// them.
    async fn hit_counters(
        &self,
        buckets: &[&str],
        window_start: i64,
        sum_from: i64,
    ) -> Result<Vec<i64>> {
        let names: Vec<String> = buckets.iter().map(|b| (*b).to_owned()).collect();
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "WITH hit AS (
                 INSERT INTO rate_counters (bucket, window_start, n)
                 SELECT b, $2, 1 FROM unnest($1::TEXT[]) WITH ORDINALITY AS t (b, i) ORDER BY i
                 ON CONFLICT (bucket, window_start) DO UPDATE SET n = rate_counters.n + 1
                 RETURNING bucket, n
             ), gone AS (
                 DELETE FROM rate_counters WHERE (bucket, window_start) IN (
                     SELECT bucket, window_start FROM rate_counters
                     WHERE bucket = ANY ($1) AND window_start < $3
                     FOR UPDATE SKIP LOCKED)
             )
             SELECT hit.bucket, (hit.n + COALESCE((
                 SELECT SUM(r.n) FROM rate_counters AS r
                 WHERE r.bucket = hit.bucket AND r.window_start >= $3 AND r.window_start <> $2
             ), 0))::BIGINT
             FROM hit",
        )
        .bind(&names)
        .bind(window_start)
        .bind(sum_from)
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?;
        names
            .iter()
            .map(|name| {
                rows.iter()
                    .find(|(b, _)| b == name)
                    .map(|(_, n)| *n)
                    .ok_or_else(|| StoreError::Other(anyhow!("rate bucket {name} was not counted")))
            })
            .collect()
    }

    async fn read_counter(&self, bucket: &str, sum_from: i64) -> Result<i64> {
        sqlx::query_scalar::<_, i64>(READ_COUNTER_SQL)
            .bind(bucket)
            .bind(sum_from)
            .fetch_one(&self.pool)
            .await
            .map_err(map_err)
    }

    /// Refreshes the planner's statistics of `ig_media` after a bulk write of `written` rows
    /// that grew the table by a tenth or more (autovacuum's analyze threshold, applied at once).
    ///
    /// Without it, a world loaded into a fresh database keeps the statistics of the empty
    /// table until autovacuum's next round: the planner then estimates a handful of rows per
    /// account and reads a media page as a bitmap scan of the whole account plus a sort, so
    /// the first page of a 100,000-media account took ten times as long as the last. With
    /// fresh statistics every page is an ordered index scan that stops after `limit + 1` rows.
    async fn after_media_write(&self, written: usize) -> Result<()> {
        if written < BULK_MEDIA_ROWS {
            return Ok(());
        }
        let estimated: f32 =
            sqlx::query_scalar("SELECT reltuples FROM pg_class WHERE oid = 'ig_media'::regclass")
                .fetch_one(&self.pool)
                .await
                .map_err(map_err)?;
        // `reltuples` is -1 before the first ANALYZE.
        if (written as f64) * 10.0 >= f64::from(estimated.max(0.0)) {
            sqlx::query("ANALYZE ig_media")
                .execute(&self.pool)
                .await
                .map_err(map_err)?;
        }
        Ok(())
    }
}

/// Binds the shared SQL's parameters, each with its PostgreSQL type (`NULL`s included).
fn bind(sql: &str, params: Vec<Value>) -> sqlx::query::Query<'_, Postgres, PgArguments> {
    let mut q = sqlx::query(sql);
    for p in params {
        q = match p {
            Value::Null(Kind::Int) => q.bind(None::<i64>),
            Value::Null(Kind::Real) => q.bind(None::<f64>),
            Value::Null(Kind::Text) => q.bind(None::<String>),
            Value::Null(Kind::Bool) => q.bind(None::<bool>),
            Value::Null(Kind::Bytes) => q.bind(None::<Vec<u8>>),
            Value::Null(Kind::Json) => q.bind(None::<Json<serde_json::Value>>),
            Value::Int(n) => q.bind(n),
            Value::Real(x) => q.bind(x),
            Value::Bool(b) => q.bind(b),
            Value::Text(s) => q.bind(s),
            Value::Bytes(b) => q.bind(b),
            Value::Json(s) => match serde_json::value::RawValue::from_string(s) {
                Ok(raw) => q.bind(Json(raw)),
                Err(_) => q.bind(None::<Json<serde_json::Value>>),
            },
        };
    }
    q
}

/// A row as the shared SQL reads it, typed by its columns' PostgreSQL types.
fn row(r: &PgRow, columns: &Arc<[String]>) -> Result<Row, sqlx::Error> {
    let mut values = Vec::with_capacity(columns.len());
    for i in 0..columns.len() {
        let raw = r.try_get_raw(i)?;
        let value = if raw.is_null() {
            Value::Null(Kind::Text)
        } else {
            match raw.type_info().name() {
                "INT8" => Value::Int(r.try_get(i)?),
                "INT4" => Value::Int(i64::from(r.try_get::<i32, _>(i)?)),
                "INT2" => Value::Int(i64::from(r.try_get::<i16, _>(i)?)),
                "BOOL" => Value::Bool(r.try_get(i)?),
                "FLOAT8" => Value::Real(r.try_get(i)?),
                "FLOAT4" => Value::Real(f64::from(r.try_get::<f32, _>(i)?)),
                "BYTEA" => Value::Bytes(r.try_get(i)?),
                "JSON" | "JSONB" => Value::Json(r.try_get::<serde_json::Value, _>(i)?.to_string()),
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

crate::driver::sqlx_conn!(Postgres, PgConnection, PgPool, bind, row);
