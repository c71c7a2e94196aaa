#![doc = include_str!("../README.md")]

mod error;
mod readers;
mod rows;
mod wal_index;

use std::collections::BTreeMap;
use std::collections::HashMap;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use localgram_core::clock::to_millis;
use localgram_core::model::{
    App, AppRole, AppTester, AuthCode, Blob, City, FbGrant, FbUser, IgMedia, IgUser, Page,
    PageRole, TestUserLink, TestUserRemoval, TesterStatus, TokenRecord,
};
use localgram_core::store::{
    AccountStore, AppStore, AuthorizedApp, BlobStore, DashboardStore, GrantStore, MediaKey,
    MediaOrder, MediaQuery, MediaStore, PageStore, RateStore, Result, SessionStore, Store,
    StoreError, TokenStore, UserPage, WorldPlan, WorldStore,
};
use rusqlite::OptionalExtension;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::types::Json;
use sqlx::{QueryBuilder, Sqlite, SqliteConnection, Transaction};
use time::OffsetDateTime;

use crate::error::{map_err, migrate_err, write_err};
use crate::readers::Readers;
use crate::rows::{
    AppRoleRow, AppRow, AppTesterRow, AuthCodeRow, BlobRow, CityRow, FbGrantRow, FbUserRow,
    IgMediaRow, IgUserRow, MediaKeyRow, PageRow, TokenRow, UserPageRow, product_names,
    rate_limits_json, tester_status,
};

/// The schema, embedded at build time.
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// How long a connection waits for another connection's write lock before SQLite gives up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a write waits for the writer connection.
const WRITER_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);
/// The size of the read pool.
const READERS: u32 = 8;
/// Used CSRF tokens are kept this long past their expiry before [`SessionStore::consume_csrf`]
/// sweeps them (a grace period, so moving the emulator clock back a little does not matter).
const CSRF_SWEEP_GRACE_MS: i64 = 24 * 60 * 60 * 1000;
/// Rows per multi-row `INSERT` of media: 15 parameters each, well under SQLite's limit of 32766
/// bound parameters per statement.
const MEDIA_CHUNK: usize = 1000;

/// The columns of `apps`, in [`AppRow`]'s order.
macro_rules! app_columns {
    () => {
        "id, name, secret_hash, mode, products, redirect_uris, require_appsecret_proof,
         token_response_shape, test_user_limit, rate_limits, deauthorize_callback_url,
         data_deletion_url, secret_sealed"
    };
}

/// The columns of `ig_media`, in [`IgMediaRow`]'s order.
macro_rules! media_columns {
    () => {
        "id, owner_id, parent_id, position, media_type, caption, timestamp_ms, file,
         thumbnail_file, shortcode, copyright_flagged, media_product_type, is_shared_to_feed,
         media_blob, thumbnail_blob"
    };
}

/// The columns of `tokens`, in [`TokenRow`]'s order.
macro_rules! token_columns {
    () => {
        "id, token_hash, app_id, kind, user_kind, user_id, page_id, scopes, issued_at,
         expires_at, revoked_at, code_id, parent_id, derived_at"
    };
}

/// The condition of *listed* media: top-level, feed posts and reels (no stories, no ads).
macro_rules! listed {
    () => {
        "parent_id IS NULL AND media_product_type IN ('FEED', 'REELS')"
    };
}

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
/// It keeps two pools on the same database: a read pool, and a single-connection writer pool.
/// Every write runs in a transaction opened with `BEGIN IMMEDIATE` on the writer, so writers of
/// one process queue for the writer connection instead of racing for SQLite's lock, and writers
/// of other processes wait on the 5 s `busy_timeout` instead of failing with `SQLITE_BUSY`.
///
/// Rate-limit counters live in this process's memory, not in the file: counting every Graph call
/// with a durable write would cost an fsync per call (`synchronous=FULL`), and a SQLite emulator
/// is one process on one host anyway. They are exact under concurrency (one lock per store) and
/// start from zero at each start. The `rate_counters` table exists for schema parity with
/// PostgreSQL, where several instances must share counts.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    writer: SqlitePool,
    /// Calls per window start, per bucket.
    counters: Arc<Mutex<HashMap<String, BTreeMap<i64, i64>>>>,
    /// The hot read path (absent for an in-memory database).
    readers: Option<Arc<Readers>>,
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
        // The writer connection is opened first and never closed: it creates the file and
        // switches it to WAL, and it keeps an in-memory database alive.
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .acquire_timeout(WRITER_ACQUIRE_TIMEOUT)
            .connect_with(connect.clone())
            .await
            .map_err(map_err)?;
        let filename = connect.get_filename().to_owned();
        let pool = SqlitePoolOptions::new()
            .max_connections(READERS)
            .connect_with(connect)
            .await
            .map_err(map_err)?;
        let mut store = Self {
            pool,
            writer,
            counters: Arc::default(),
            readers: None,
        };
        if options.run_migrations {
            store.migrate().await?;
        }
        store.readers = Readers::open(&filename, BUSY_TIMEOUT)?.map(Arc::new);
        tracing::debug!(
            synchronous_full = options.synchronous_full,
            migrated = options.run_migrations,
            "sqlite store connected"
        );
        Ok(store)
    }

    /// Applies pending migrations.
    pub async fn migrate(&self) -> Result<()> {
        MIGRATOR.run(&self.writer).await.map_err(migrate_err)
    }

    /// The read pool, for tests and tools that need raw SQL. Writes through it work (they wait
    /// on the busy timeout) but bypass the writer queue.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Opens a write transaction on the writer connection with `BEGIN IMMEDIATE`, so the write
    /// lock is taken up front (a deferred transaction upgrading later can fail with
    /// `SQLITE_BUSY` regardless of the busy timeout). Dropping it uncommitted rolls it back.
    async fn write(&self) -> Result<Transaction<'static, Sqlite>> {
        self.writer
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(map_err)
    }
}

/// The media page query of [`MediaStore::list_media`] (on the read path, or on sqlx for an
/// in-memory database), one row per media, in order, with its parameters (integers and text).
///
/// Keys compare as (timestamp_ms, id) tuples, ids bytewise (`COLLATE BINARY`, like Rust's
/// `String` order and Postgres' `COLLATE "C"`). Each key bound is written as
/// `timestamp_ms <op>= t AND (timestamp_ms <op> t OR id <op> i)`, equivalent to the tuple
/// comparison; its first half bounds the scan of the
/// (owner_id, timestamp_ms DESC, id COLLATE BINARY DESC) index, which also yields the order (no
/// sorting step: checked with EXPLAIN QUERY PLAN).
fn media_page_sql(query: &MediaQuery) -> (String, Vec<rusqlite::types::Value>) {
    use rusqlite::types::Value;
    let mut sql = String::with_capacity(512);
    sql.push_str(concat!(
        "SELECT ",
        media_columns!(),
        " FROM ig_media WHERE "
    ));
    sql.push_str(listed!());
    sql.push_str(" AND owner_id = ?1");
    let mut params = vec![Value::Text(query.owner_id.clone())];
    let keys = [
        (&query.older_than, "<", "<"),
        (&query.newer_than, ">", ">"),
        (&query.not_older_than, ">", ">="),
    ];
    for (key, strict, on_tie) in keys {
        let Some(MediaKey { timestamp, id }) = key else {
            continue;
        };
        params.push(Value::Integer(to_millis(*timestamp)));
        params.push(Value::Text(id.clone()));
        let (t, i) = (params.len() - 1, params.len());
        sql.push_str(&format!(
            " AND timestamp_ms {strict}= ?{t} AND (timestamp_ms {strict} ?{t} OR id COLLATE BINARY {on_tie} ?{i})"
        ));
    }
    for (bound, op) in [(query.since, ">="), (query.until, "<=")] {
        if let Some(at) = bound {
            params.push(Value::Integer(to_millis(at)));
            sql.push_str(&format!(" AND timestamp_ms {op} ?{}", params.len()));
        }
    }
    sql.push_str(match query.order {
        MediaOrder::NewestFirst => " ORDER BY timestamp_ms DESC, id COLLATE BINARY DESC",
        MediaOrder::OldestFirst => " ORDER BY timestamp_ms ASC, id COLLATE BINARY ASC",
    });
    params.push(Value::Integer(query.limit.max(0)));
    sql.push_str(&format!(" LIMIT ?{}", params.len()));
    (sql, params)
}

async fn commit(tx: Transaction<'static, Sqlite>) -> Result<()> {
    tx.commit().await.map_err(map_err)
}

/// Inserts a token; with `or_ignore`, a token whose hash exists already is left as it is.
async fn insert_token(conn: &mut SqliteConnection, t: &TokenRecord, or_ignore: bool) -> Result<()> {
    let sql = if or_ignore {
        "INSERT INTO tokens (id, token_hash, app_id, kind, user_kind, user_id, page_id, scopes,
             issued_at, expires_at, revoked_at, code_id, parent_id, derived_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
         ON CONFLICT (token_hash) DO NOTHING"
    } else {
        "INSERT INTO tokens (id, token_hash, app_id, kind, user_kind, user_id, page_id, scopes,
             issued_at, expires_at, revoked_at, code_id, parent_id, derived_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"
    };
    sqlx::query(sql)
        .bind(&t.id)
        .bind(&t.token_hash)
        .bind(&t.app_id)
        .bind(t.kind.as_str())
        .bind(t.subject.kind())
        .bind(t.subject.user_id())
        .bind(&t.page_id)
        .bind(Json(&t.scopes))
        .bind(to_millis(t.issued_at))
        .bind(t.expires_at.map(to_millis))
        .bind(t.revoked_at.map(to_millis))
        .bind(&t.code_id)
        .bind(&t.parent_id)
        .bind(t.derived_at.map(to_millis))
        .execute(conn)
        .await
        .map_err(|e| {
            write_err(
                e,
                || format!("token {}", t.id),
                || "a token with this id or hash exists".into(),
            )
        })?;
    Ok(())
}

async fn upsert_app(conn: &mut SqliteConnection, app: &App) -> Result<()> {
    sqlx::query(
        "INSERT INTO apps (id, name, secret_hash, mode, products, redirect_uris,
             require_appsecret_proof, token_response_shape, test_user_limit, rate_limits,
             deauthorize_callback_url, data_deletion_url, secret_sealed)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
         ON CONFLICT (id) DO UPDATE SET
             name = excluded.name, secret_hash = excluded.secret_hash, mode = excluded.mode,
             products = excluded.products, redirect_uris = excluded.redirect_uris,
             require_appsecret_proof = excluded.require_appsecret_proof,
             token_response_shape = excluded.token_response_shape,
             test_user_limit = excluded.test_user_limit, rate_limits = excluded.rate_limits,
             deauthorize_callback_url = excluded.deauthorize_callback_url,
             data_deletion_url = excluded.data_deletion_url,
             secret_sealed = COALESCE(excluded.secret_sealed, apps.secret_sealed)",
    )
    .bind(&app.id)
    .bind(&app.name)
    .bind(&app.secret_hash)
    .bind(app.mode.as_str())
    .bind(product_names(&app.products))
    .bind(Json(&app.redirect_uris))
    .bind(app.require_appsecret_proof)
    .bind(app.token_response_shape.as_str())
    .bind(app.test_user_limit)
    .bind(rate_limits_json(&app.rate_limits))
    .bind(&app.deauthorize_callback_url)
    .bind(&app.data_deletion_url)
    .bind(&app.secret_sealed)
    .execute(conn)
    .await
    .map_err(|e| write_err(e, || format!("app {}", app.id), || "already exists".into()))?;
    Ok(())
}

async fn upsert_ig_user(conn: &mut SqliteConnection, u: &IgUser) -> Result<()> {
    sqlx::query(
        "INSERT INTO ig_users (id, username, password_hash, account_type, name, biography,
             website, is_private, followers_count, follows_count, profile_picture, profile_blob)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
         ON CONFLICT (id) DO UPDATE SET
             username = excluded.username, password_hash = excluded.password_hash,
             account_type = excluded.account_type, name = excluded.name,
             biography = excluded.biography, website = excluded.website,
             is_private = excluded.is_private, followers_count = excluded.followers_count,
             follows_count = excluded.follows_count, profile_picture = excluded.profile_picture,
             profile_blob = excluded.profile_blob",
    )
    .bind(&u.id)
    .bind(&u.username)
    .bind(&u.password_hash)
    .bind(&u.account_type)
    .bind(&u.name)
    .bind(&u.biography)
    .bind(&u.website)
    .bind(u.is_private)
    .bind(u.followers_count)
    .bind(u.follows_count)
    .bind(&u.profile_picture)
    .bind(&u.profile_blob)
    .execute(conn)
    .await
    .map_err(|e| {
        write_err(
            e,
            || format!("instagram user {}", u.id),
            || format!("username {:?} is already taken", u.username),
        )
    })?;
    Ok(())
}

async fn upsert_fb_user(conn: &mut SqliteConnection, u: &FbUser) -> Result<()> {
    sqlx::query(
        "INSERT INTO fb_users (id, name, email, password_hash, test_user, checkpointed, blocked)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (id) DO UPDATE SET
             name = excluded.name, email = excluded.email,
             password_hash = excluded.password_hash, test_user = excluded.test_user,
             checkpointed = excluded.checkpointed, blocked = excluded.blocked",
    )
    .bind(&u.id)
    .bind(&u.name)
    .bind(&u.email)
    .bind(&u.password_hash)
    .bind(u.test_user)
    .bind(u.checkpointed)
    .bind(u.blocked)
    .execute(conn)
    .await
    .map_err(|e| {
        write_err(
            e,
            || format!("facebook user {}", u.id),
            || {
                format!(
                    "email {:?} is already taken",
                    u.email.as_deref().unwrap_or_default()
                )
            },
        )
    })?;
    Ok(())
}

/// The order in which a batch of media is written: one object per id (the last one given, as a
/// sequence of single upserts would leave it), albums before their children.
fn media_write_order(media: &[IgMedia]) -> Vec<&IgMedia> {
    let last: HashMap<&str, usize> = media
        .iter()
        .enumerate()
        .map(|(i, m)| (m.id.as_str(), i))
        .collect();
    let (mut ordered, children): (Vec<&IgMedia>, Vec<&IgMedia>) = media
        .iter()
        .enumerate()
        .filter(|&(i, m)| last[m.id.as_str()] == i)
        .map(|(_, m)| m)
        .partition(|m| m.parent_id.is_none());
    ordered.extend(children);
    ordered
}

/// Names a chunk of media in errors.
fn describe_media(chunk: &[&IgMedia]) -> String {
    match chunk {
        [one] => format!("instagram media {}", one.id),
        [first, .., last] => format!(
            "instagram media {}…{} ({} objects)",
            first.id,
            last.id,
            chunk.len()
        ),
        [] => "instagram media".into(),
    }
}

/// Upserts media by id on the caller's transaction (see [`media_write_order`]), as multi-row
/// inserts of [`MEDIA_CHUNK`] rows.
async fn upsert_media(conn: &mut SqliteConnection, media: &[IgMedia]) -> Result<()> {
    for chunk in media_write_order(media).chunks(MEDIA_CHUNK) {
        let mut insert =
            QueryBuilder::<Sqlite>::new(concat!("INSERT INTO ig_media (", media_columns!(), ") "));
        insert.push_values(chunk.iter().copied(), |mut row, m| {
            row.push_bind(&m.id)
                .push_bind(&m.owner_id)
                .push_bind(&m.parent_id)
                .push_bind(m.position)
                .push_bind(&m.media_type)
                .push_bind(&m.caption)
                .push_bind(to_millis(m.timestamp))
                .push_bind(&m.file)
                .push_bind(&m.thumbnail_file)
                .push_bind(&m.shortcode)
                .push_bind(m.copyright_flagged)
                .push_bind(&m.media_product_type)
                .push_bind(m.is_shared_to_feed)
                .push_bind(&m.media_blob)
                .push_bind(&m.thumbnail_blob);
        });
        insert.push(
            " ON CONFLICT (id) DO UPDATE SET
                 owner_id = excluded.owner_id, parent_id = excluded.parent_id,
                 position = excluded.position, media_type = excluded.media_type,
                 caption = excluded.caption, timestamp_ms = excluded.timestamp_ms,
                 file = excluded.file, thumbnail_file = excluded.thumbnail_file,
                 shortcode = excluded.shortcode, copyright_flagged = excluded.copyright_flagged,
                 media_product_type = excluded.media_product_type,
                 is_shared_to_feed = excluded.is_shared_to_feed,
                 media_blob = excluded.media_blob, thumbnail_blob = excluded.thumbnail_blob",
        );
        insert
            .build()
            .execute(&mut *conn)
            .await
            .map_err(|e| write_err(e, || describe_media(chunk), || "already exists".into()))?;
    }
    Ok(())
}

/// Inserts a blob unless one with its hash is stored already.
async fn insert_blob(conn: &mut SqliteConnection, blob: &Blob) -> Result<()> {
    sqlx::query(
        "INSERT INTO blobs (sha256, content_type, size, bytes) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (sha256) DO NOTHING",
    )
    .bind(&blob.sha256)
    .bind(&blob.content_type)
    .bind(blob.bytes.len() as i64) // a Vec's length never exceeds isize::MAX
    .bind(&blob.bytes)
    .execute(conn)
    .await
    .map_err(|e| {
        write_err(
            e,
            || format!("blob {}", blob.sha256),
            || "already exists".into(),
        )
    })?;
    Ok(())
}

async fn upsert_city(conn: &mut SqliteConnection, c: &City) -> Result<()> {
    sqlx::query(
        "INSERT INTO cities (id, name, state, country, latitude, longitude, radius_km)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (id) DO UPDATE SET
             name = excluded.name, state = excluded.state, country = excluded.country,
             latitude = excluded.latitude, longitude = excluded.longitude,
             radius_km = excluded.radius_km",
    )
    .bind(&c.id)
    .bind(&c.name)
    .bind(&c.state)
    .bind(&c.country)
    .bind(c.latitude)
    .bind(c.longitude)
    .bind(c.radius_km)
    .execute(conn)
    .await
    .map_err(|e| write_err(e, || format!("city {}", c.id), || "already exists".into()))?;
    Ok(())
}

async fn upsert_page(conn: &mut SqliteConnection, p: &Page) -> Result<()> {
    sqlx::query(
        "INSERT INTO pages (id, name, category_enum, about, description, phone, website,
             is_place, is_promotable, business_id, instagram_business_account, extra)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
         ON CONFLICT (id) DO UPDATE SET
             name = excluded.name, category_enum = excluded.category_enum,
             about = excluded.about, description = excluded.description,
             phone = excluded.phone, website = excluded.website, is_place = excluded.is_place,
             is_promotable = excluded.is_promotable, business_id = excluded.business_id,
             instagram_business_account = excluded.instagram_business_account,
             extra = excluded.extra",
    )
    .bind(&p.id)
    .bind(&p.name)
    .bind(&p.category_enum)
    .bind(&p.about)
    .bind(&p.description)
    .bind(&p.phone)
    .bind(&p.website)
    .bind(p.is_place)
    .bind(p.is_promotable)
    .bind(&p.business_id)
    .bind(&p.instagram_business_account)
    .bind(Json(&p.extra))
    .execute(conn)
    .await
    .map_err(|e| write_err(e, || format!("page {}", p.id), || "already exists".into()))?;
    Ok(())
}

async fn upsert_tester(conn: &mut SqliteConnection, t: &AppTester) -> Result<()> {
    sqlx::query(
        "INSERT INTO app_testers (app_id, ig_user_id, status) VALUES (?1, ?2, ?3)
         ON CONFLICT (app_id, ig_user_id) DO UPDATE SET status = excluded.status",
    )
    .bind(&t.app_id)
    .bind(&t.ig_user_id)
    .bind(t.status.as_str())
    .execute(conn)
    .await
    .map_err(|e| {
        write_err(
            e,
            || format!("tester {} of app {}", t.ig_user_id, t.app_id),
            || "already exists".into(),
        )
    })?;
    Ok(())
}

async fn upsert_app_role(conn: &mut SqliteConnection, r: &AppRole) -> Result<()> {
    sqlx::query(
        "INSERT INTO app_roles (app_id, fb_user_id, role) VALUES (?1, ?2, ?3)
         ON CONFLICT (app_id, fb_user_id) DO UPDATE SET role = excluded.role",
    )
    .bind(&r.app_id)
    .bind(&r.fb_user_id)
    .bind(&r.role)
    .execute(conn)
    .await
    .map_err(|e| {
        write_err(
            e,
            || format!("role of facebook user {} on app {}", r.fb_user_id, r.app_id),
            || "already exists".into(),
        )
    })?;
    Ok(())
}

async fn upsert_page_role(conn: &mut SqliteConnection, r: &PageRole) -> Result<()> {
    sqlx::query(
        "INSERT INTO page_roles (page_id, fb_user_id, tasks) VALUES (?1, ?2, ?3)
         ON CONFLICT (page_id, fb_user_id) DO UPDATE SET tasks = excluded.tasks",
    )
    .bind(&r.page_id)
    .bind(&r.fb_user_id)
    .bind(Json(&r.tasks))
    .execute(conn)
    .await
    .map_err(|e| {
        write_err(
            e,
            || {
                format!(
                    "role of facebook user {} on page {}",
                    r.fb_user_id, r.page_id
                )
            },
            || "already exists".into(),
        )
    })?;
    Ok(())
}

#[async_trait]
impl AppStore for SqliteStore {
    async fn find_app(&self, id: &str) -> Result<Option<App>> {
        sqlx::query_as::<_, AppRow>(concat!(
            "SELECT ",
            app_columns!(),
            " FROM apps WHERE id = ?1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(map_err)?
        .map(App::try_from)
        .transpose()
    }

    async fn find_tester_status(
        &self,
        app_id: &str,
        ig_user_id: &str,
    ) -> Result<Option<TesterStatus>> {
        sqlx::query_scalar::<_, String>(
            "SELECT status FROM app_testers WHERE app_id = ?1 AND ig_user_id = ?2",
        )
        .bind(app_id)
        .bind(ig_user_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(map_err)?
        .map(|status| tester_status(app_id, &status))
        .transpose()
    }

    async fn find_app_role(&self, app_id: &str, fb_user_id: &str) -> Result<Option<AppRole>> {
        Ok(sqlx::query_as::<_, AppRoleRow>(
            "SELECT app_id, fb_user_id, role FROM app_roles WHERE app_id = ?1 AND fb_user_id = ?2",
        )
        .bind(app_id)
        .bind(fb_user_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(map_err)?
        .map(AppRole::from))
    }
}

#[async_trait]
impl AccountStore for SqliteStore {
    async fn find_ig_user(&self, id: &str) -> Result<Option<IgUser>> {
        Ok(sqlx::query_as::<_, IgUserRow>(
            "SELECT id, username, password_hash, account_type, name, biography, website,
                    is_private, followers_count, follows_count, profile_picture, profile_blob
             FROM ig_users WHERE id = ?1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(map_err)?
        .map(IgUser::from))
    }

    async fn find_ig_user_by_username(&self, username: &str) -> Result<Option<IgUser>> {
        Ok(sqlx::query_as::<_, IgUserRow>(
            "SELECT id, username, password_hash, account_type, name, biography, website,
                    is_private, followers_count, follows_count, profile_picture, profile_blob
             FROM ig_users WHERE username = ?1",
        )
        .bind(username)
        .fetch_optional(&self.pool)
        .await
        .map_err(map_err)?
        .map(IgUser::from))
    }

    async fn count_media(&self, owner_id: &str) -> Result<i64> {
        const SQL: &str = "SELECT COUNT(*) FROM ig_media WHERE owner_id = ?1 AND parent_id IS NULL";
        if let Some(readers) = &self.readers {
            return readers.with(|c| c.prepare_cached(SQL)?.query_row([owner_id], |r| r.get(0)));
        }
        sqlx::query_scalar::<_, i64>(SQL)
            .bind(owner_id)
            .fetch_one(&self.pool)
            .await
            .map_err(map_err)
    }

    async fn find_fb_user(&self, id: &str) -> Result<Option<FbUser>> {
        Ok(sqlx::query_as::<_, FbUserRow>(
            "SELECT id, name, email, password_hash, test_user, checkpointed, blocked
             FROM fb_users WHERE id = ?1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(map_err)?
        .map(FbUser::from))
    }

    async fn find_fb_user_by_email(&self, email: &str) -> Result<Option<FbUser>> {
        Ok(sqlx::query_as::<_, FbUserRow>(
            "SELECT id, name, email, password_hash, test_user, checkpointed, blocked
             FROM fb_users WHERE email = ?1",
        )
        .bind(email)
        .fetch_optional(&self.pool)
        .await
        .map_err(map_err)?
        .map(FbUser::from))
    }
}

#[async_trait]
impl GrantStore for SqliteStore {
    async fn insert_code(&self, code: &AuthCode) -> Result<()> {
        let mut tx = self.write().await?;
        sqlx::query(
            "INSERT INTO auth_codes (id, code_hash, app_id, user_kind, user_id, redirect_uri,
                 scopes, code_challenge, code_challenge_method, issued_at, expires_at, consumed_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        )
        .bind(&code.id)
        .bind(&code.code_hash)
        .bind(&code.app_id)
        .bind(code.subject.kind())
        .bind(code.subject.user_id())
        .bind(&code.redirect_uri)
        .bind(Json(&code.scopes))
        .bind(&code.code_challenge)
        .bind(code.code_challenge_method.map(|m| m.as_str()))
        .bind(to_millis(code.issued_at))
        .bind(to_millis(code.expires_at))
        .bind(code.consumed_at.map(to_millis))
        .execute(&mut *tx)
        .await
        .map_err(|e| {
            write_err(
                e,
                || format!("authorization code {}", code.id),
                || "a code with this id or hash exists".into(),
            )
        })?;
        commit(tx).await
    }

    async fn find_code(&self, code_hash: &str) -> Result<Option<AuthCode>> {
        sqlx::query_as::<_, AuthCodeRow>(
            "SELECT id, code_hash, app_id, user_kind, user_id, redirect_uri, scopes,
                    code_challenge, code_challenge_method, issued_at, expires_at, consumed_at
             FROM auth_codes WHERE code_hash = ?1",
        )
        .bind(code_hash)
        .fetch_optional(&self.pool)
        .await
        .map_err(map_err)?
        .map(AuthCode::try_from)
        .transpose()
    }

    async fn redeem_code(
        &self,
        code_id: &str,
        now: OffsetDateTime,
        token: &TokenRecord,
    ) -> Result<bool> {
        let mut tx = self.write().await?;
        let consumed = sqlx::query_scalar::<_, String>(
            "UPDATE auth_codes SET consumed_at = ?1
             WHERE id = ?2 AND consumed_at IS NULL AND expires_at > ?1
             RETURNING id",
        )
        .bind(to_millis(now))
        .bind(code_id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_err)?;
        if consumed.is_none() {
            tx.rollback().await.map_err(map_err)?;
            return Ok(false);
        }
        insert_token(&mut tx, token, false).await?;
        commit(tx).await?;
        Ok(true)
    }

    async fn revoke_tokens_of_code(&self, code_id: &str, now: OffsetDateTime) -> Result<u64> {
        let mut tx = self.write().await?;
        let revoked = sqlx::query(
            "UPDATE tokens SET revoked_at = ?1 WHERE code_id = ?2 AND revoked_at IS NULL",
        )
        .bind(to_millis(now))
        .bind(code_id)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?
        .rows_affected();
        commit(tx).await?;
        Ok(revoked)
    }
}

#[async_trait]
impl TokenStore for SqliteStore {
    async fn insert_token(&self, token: &TokenRecord) -> Result<()> {
        let mut tx = self.write().await?;
        insert_token(&mut tx, token, true).await?;
        commit(tx).await
    }

    async fn find_token(&self, token_hash: &str) -> Result<Option<TokenRecord>> {
        const SQL: &str = concat!(
            "SELECT ",
            token_columns!(),
            " FROM tokens WHERE token_hash = ?1"
        );
        if let Some(readers) = &self.readers {
            return readers
                .with(|c| {
                    c.prepare_cached(SQL)?
                        .query_row([token_hash], TokenRow::from_rusqlite)
                        .optional()
                })?
                .map(TokenRecord::try_from)
                .transpose();
        }
        sqlx::query_as::<_, TokenRow>(SQL)
            .bind(token_hash)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?
            .map(TokenRecord::try_from)
            .transpose()
    }

    async fn derive_token(
        &self,
        parent_id: &str,
        now: OffsetDateTime,
        child: &TokenRecord,
    ) -> Result<bool> {
        let mut tx = self.write().await?;
        let derived = sqlx::query_scalar::<_, String>(
            "UPDATE tokens SET derived_at = ?1 WHERE id = ?2 AND derived_at IS NULL RETURNING id",
        )
        .bind(to_millis(now))
        .bind(parent_id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_err)?;
        if derived.is_none() {
            tx.rollback().await.map_err(map_err)?;
            return Ok(false);
        }
        insert_token(&mut tx, child, false).await?;
        commit(tx).await?;
        Ok(true)
    }
}

#[async_trait]
impl SessionStore for SqliteStore {
    async fn insert_csrf(
        &self,
        token_hash: &str,
        browser_id: &str,
        expires_at: OffsetDateTime,
    ) -> Result<()> {
        let mut tx = self.write().await?;
        sqlx::query(
            "INSERT INTO csrf_tokens (token_hash, browser_id, expires_at) VALUES (?1, ?2, ?3)",
        )
        .bind(token_hash)
        .bind(browser_id)
        .bind(to_millis(expires_at))
        .execute(&mut *tx)
        .await
        .map_err(|e| write_err(e, || "csrf token".into(), || "already exists".into()))?;
        commit(tx).await
    }

    async fn consume_csrf(
        &self,
        token_hash: &str,
        browser_id: &str,
        now: OffsetDateTime,
    ) -> Result<bool> {
        let now = to_millis(now);
        let mut tx = self.write().await?;
        let used = sqlx::query(
            "UPDATE csrf_tokens SET used_at = ?3
             WHERE token_hash = ?1 AND browser_id = ?2 AND used_at IS NULL AND expires_at > ?3",
        )
        .bind(token_hash)
        .bind(browser_id)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?
        .rows_affected();
        // Cheap cleanup (indexed): tokens long expired can never be consumed again.
        sqlx::query("DELETE FROM csrf_tokens WHERE expires_at <= ?1")
            .bind(now.saturating_sub(CSRF_SWEEP_GRACE_MS))
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        commit(tx).await?;
        Ok(used == 1)
    }

    async fn get_or_init_secret(&self, name: &str, candidate: &[u8]) -> Result<Vec<u8>> {
        let mut tx = self.write().await?;
        sqlx::query(
            "INSERT INTO server_secrets (name, value) VALUES (?1, ?2)
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(candidate)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        let value =
            sqlx::query_scalar::<_, Vec<u8>>("SELECT value FROM server_secrets WHERE name = ?1")
                .bind(name)
                .fetch_one(&mut *tx)
                .await
                .map_err(map_err)?;
        commit(tx).await?;
        Ok(value)
    }
}

#[async_trait]
impl WorldStore for SqliteStore {
    async fn is_empty(&self) -> Result<bool> {
        let any = sqlx::query_scalar::<_, bool>(
            "SELECT EXISTS (SELECT 1 FROM apps) OR EXISTS (SELECT 1 FROM ig_users)
                 OR EXISTS (SELECT 1 FROM fb_users)",
        )
        .fetch_one(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(!any)
    }

    async fn apply_world(&self, plan: &WorldPlan) -> Result<()> {
        let mut tx = self.write().await?;
        // Order follows the references: blobs, apps and accounts, then media (albums before
        // their children), cities and Pages, then the replaced role sets, then tokens.
        for blob in &plan.blobs {
            insert_blob(&mut tx, blob).await?;
        }
        for app in &plan.apps {
            upsert_app(&mut tx, app).await?;
        }
        for user in &plan.ig_users {
            upsert_ig_user(&mut tx, user).await?;
        }
        for user in &plan.fb_users {
            upsert_fb_user(&mut tx, user).await?;
        }
        upsert_media(&mut tx, &plan.media).await?;
        for city in &plan.cities {
            upsert_city(&mut tx, city).await?;
        }
        for page in &plan.pages {
            upsert_page(&mut tx, page).await?;
        }
        for app in &plan.apps {
            for sql in [
                "DELETE FROM app_testers WHERE app_id = ?1",
                "DELETE FROM app_roles WHERE app_id = ?1",
            ] {
                sqlx::query(sql)
                    .bind(&app.id)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
            }
        }
        for tester in &plan.testers {
            upsert_tester(&mut tx, tester).await?;
        }
        for role in &plan.app_roles {
            upsert_app_role(&mut tx, role).await?;
        }
        for page in &plan.pages {
            sqlx::query("DELETE FROM page_roles WHERE page_id = ?1")
                .bind(&page.id)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
        }
        for role in &plan.page_roles {
            upsert_page_role(&mut tx, role).await?;
        }
        for token in &plan.tokens {
            insert_token(&mut tx, token, true).await?;
        }
        commit(tx).await
    }
}

/// [`StoreError::NotFound`] unless `SELECT 1 FROM {table} WHERE id = ?1` finds a row.
async fn require_row(conn: &mut SqliteConnection, table: &str, id: &str) -> Result<()> {
    let sql = format!("SELECT 1 FROM {table} WHERE id = ?1");
    let found = sqlx::query(&sql)
        .bind(id)
        .fetch_optional(conn)
        .await
        .map_err(map_err)?;
    found.map(|_| ()).ok_or(StoreError::NotFound)
}

#[async_trait]
impl DashboardStore for SqliteStore {
    async fn list_apps(&self) -> Result<Vec<App>> {
        sqlx::query_as::<_, AppRow>(concat!(
            "SELECT ",
            app_columns!(),
            " FROM apps ORDER BY name, id"
        ))
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?
        .into_iter()
        .map(App::try_from)
        .collect()
    }

    async fn save_app(&self, app: &App) -> Result<()> {
        let mut tx = self.write().await?;
        upsert_app(&mut tx, app).await?;
        commit(tx).await
    }

    async fn list_ig_users(&self) -> Result<Vec<IgUser>> {
        Ok(sqlx::query_as::<_, IgUserRow>(
            "SELECT id, username, password_hash, account_type, name, biography, website,
                    is_private, followers_count, follows_count, profile_picture, profile_blob
             FROM ig_users ORDER BY username",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?
        .into_iter()
        .map(IgUser::from)
        .collect())
    }

    async fn list_testers(&self, app_id: &str) -> Result<Vec<AppTester>> {
        sqlx::query_as::<_, AppTesterRow>(
            "SELECT app_id, ig_user_id, status FROM app_testers WHERE app_id = ?1
             ORDER BY ig_user_id",
        )
        .bind(app_id)
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?
        .into_iter()
        .map(AppTester::try_from)
        .collect()
    }

    async fn list_invitations(&self, ig_user_id: &str) -> Result<Vec<AppTester>> {
        sqlx::query_as::<_, AppTesterRow>(
            "SELECT app_id, ig_user_id, status FROM app_testers WHERE ig_user_id = ?1
             ORDER BY app_id",
        )
        .bind(ig_user_id)
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?
        .into_iter()
        .map(AppTester::try_from)
        .collect()
    }

    async fn set_tester(&self, tester: &AppTester) -> Result<()> {
        let mut tx = self.write().await?;
        require_row(&mut tx, "apps", &tester.app_id).await?;
        require_row(&mut tx, "ig_users", &tester.ig_user_id).await?;
        upsert_tester(&mut tx, tester).await?;
        commit(tx).await
    }

    async fn remove_tester(&self, app_id: &str, ig_user_id: &str) -> Result<bool> {
        let mut tx = self.write().await?;
        let n = sqlx::query("DELETE FROM app_testers WHERE app_id = ?1 AND ig_user_id = ?2")
            .bind(app_id)
            .bind(ig_user_id)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?
            .rows_affected();
        commit(tx).await?;
        Ok(n > 0)
    }

    async fn list_app_roles(&self, app_id: &str) -> Result<Vec<AppRole>> {
        Ok(sqlx::query_as::<_, AppRoleRow>(
            "SELECT app_id, fb_user_id, role FROM app_roles WHERE app_id = ?1 ORDER BY fb_user_id",
        )
        .bind(app_id)
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?
        .into_iter()
        .map(AppRole::from)
        .collect())
    }

    async fn set_app_role(&self, role: &AppRole) -> Result<()> {
        let mut tx = self.write().await?;
        require_row(&mut tx, "apps", &role.app_id).await?;
        require_row(&mut tx, "fb_users", &role.fb_user_id).await?;
        upsert_app_role(&mut tx, role).await?;
        commit(tx).await
    }

    async fn remove_app_role(&self, app_id: &str, fb_user_id: &str) -> Result<bool> {
        let mut tx = self.write().await?;
        let n = sqlx::query("DELETE FROM app_roles WHERE app_id = ?1 AND fb_user_id = ?2")
            .bind(app_id)
            .bind(fb_user_id)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?
            .rows_affected();
        commit(tx).await?;
        Ok(n > 0)
    }

    async fn list_authorized_apps(
        &self,
        ig_user_id: &str,
        now: OffsetDateTime,
    ) -> Result<Vec<AuthorizedApp>> {
        let rows = sqlx::query_as::<_, (String, String, Json<Vec<String>>)>(
            "SELECT a.id, a.name, t.scopes FROM tokens AS t JOIN apps AS a ON a.id = t.app_id
             WHERE t.user_kind = 'instagram' AND t.user_id = ?1 AND t.revoked_at IS NULL
               AND (t.expires_at IS NULL OR t.expires_at > ?2)
             ORDER BY a.name, a.id",
        )
        .bind(ig_user_id)
        .bind(to_millis(now))
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?;
        let mut apps: Vec<AuthorizedApp> = Vec::new();
        for (app_id, app_name, scopes) in rows {
            let entry = match apps.last_mut() {
                Some(last) if last.app_id == app_id => last,
                _ => {
                    apps.push(AuthorizedApp {
                        app_id,
                        app_name,
                        scopes: Vec::new(),
                        live_tokens: 0,
                    });
                    apps.last_mut().ok_or(StoreError::NotFound)?
                }
            };
            entry.live_tokens += 1;
            entry.scopes.extend(scopes.0);
            entry.scopes.sort();
            entry.scopes.dedup();
        }
        Ok(apps)
    }

    async fn revoke_app_tokens_of_user(
        &self,
        app_id: &str,
        ig_user_id: &str,
        now: OffsetDateTime,
    ) -> Result<u64> {
        let mut tx = self.write().await?;
        let revoked = sqlx::query(
            "UPDATE tokens SET revoked_at = ?1
             WHERE app_id = ?2 AND user_kind = 'instagram' AND user_id = ?3
               AND revoked_at IS NULL",
        )
        .bind(to_millis(now))
        .bind(app_id)
        .bind(ig_user_id)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?
        .rows_affected();
        commit(tx).await?;
        Ok(revoked)
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    fn backend(&self) -> &'static str {
        "sqlite"
    }

    /// From the WAL-index header, or `PRAGMA data_version` on the read connections where the
    /// header cannot be read (see `Readers::version`); an in-memory database, which reads
    /// through sqlx, has none.
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
        self.readers.as_ref().map(|r| r.last_version())
    }
}

#[async_trait]
impl MediaStore for SqliteStore {
    async fn find_media(&self, id: &str) -> Result<Option<IgMedia>> {
        const SQL: &str = concat!("SELECT ", media_columns!(), " FROM ig_media WHERE id = ?1");
        if let Some(readers) = &self.readers {
            return Ok(readers
                .with(|c| {
                    c.prepare_cached(SQL)?
                        .query_row([id], IgMediaRow::from_rusqlite)
                        .optional()
                })?
                .map(IgMedia::from));
        }
        Ok(sqlx::query_as::<_, IgMediaRow>(SQL)
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?
            .map(IgMedia::from))
    }

    async fn list_children(&self, parent_id: &str) -> Result<Vec<IgMedia>> {
        const SQL: &str = concat!(
            "SELECT ",
            media_columns!(),
            " FROM ig_media WHERE parent_id = ?1 ORDER BY position, id COLLATE BINARY"
        );
        if let Some(readers) = &self.readers {
            return readers.with(|c| {
                c.prepare_cached(SQL)?
                    .query_map([parent_id], |r| {
                        IgMediaRow::from_rusqlite(r).map(IgMedia::from)
                    })?
                    .collect()
            });
        }
        Ok(sqlx::query_as::<_, IgMediaRow>(SQL)
            .bind(parent_id)
            .fetch_all(&self.pool)
            .await
            .map_err(map_err)?
            .into_iter()
            .map(IgMedia::from)
            .collect())
    }

    async fn list_media(&self, query: &MediaQuery) -> Result<Vec<IgMedia>> {
        let (sql, params) = media_page_sql(query);
        if let Some(readers) = &self.readers {
            return readers.with(|c| {
                c.prepare_cached(&sql)?
                    .query_map(rusqlite::params_from_iter(params), |r| {
                        IgMediaRow::from_rusqlite(r).map(IgMedia::from)
                    })?
                    .collect()
            });
        }
        let mut select = sqlx::query_as::<_, IgMediaRow>(&sql);
        for p in params {
            select = match p {
                rusqlite::types::Value::Integer(n) => select.bind(n),
                rusqlite::types::Value::Text(t) => select.bind(t),
                other => unreachable!("media_page_sql binds integers and text only: {other:?}"),
            };
        }
        Ok(select
            .fetch_all(&self.pool)
            .await
            .map_err(map_err)?
            .into_iter()
            .map(IgMedia::from)
            .collect())
    }

    async fn listed_media_key_at(&self, owner_id: &str, offset: i64) -> Result<Option<MediaKey>> {
        if offset < 0 {
            return Ok(None);
        }
        const SQL: &str = concat!(
            "SELECT timestamp_ms, id FROM ig_media WHERE ",
            listed!(),
            " AND owner_id = ?1 ORDER BY timestamp_ms DESC, id COLLATE BINARY DESC
              LIMIT 1 OFFSET ?2"
        );
        if let Some(readers) = &self.readers {
            return Ok(readers
                .with(|c| {
                    c.prepare_cached(SQL)?
                        .query_row(rusqlite::params![owner_id, offset], |r| {
                            Ok(MediaKeyRow {
                                timestamp_ms: r.get(0)?,
                                id: r.get(1)?,
                            })
                        })
                        .optional()
                })?
                .map(MediaKey::from));
        }
        Ok(sqlx::query_as::<_, MediaKeyRow>(SQL)
            .bind(owner_id)
            .bind(offset)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?
            .map(MediaKey::from))
    }

    async fn upsert_media(&self, media: &[IgMedia]) -> Result<()> {
        let mut tx = self.write().await?;
        upsert_media(&mut tx, media).await?;
        commit(tx).await
    }
}

#[async_trait]
impl BlobStore for SqliteStore {
    async fn put_blob(&self, blob: &Blob) -> Result<()> {
        let mut tx = self.write().await?;
        insert_blob(&mut tx, blob).await?;
        commit(tx).await
    }

    async fn find_blob(&self, sha256: &str) -> Result<Option<Blob>> {
        const SQL: &str = "SELECT sha256, content_type, bytes FROM blobs WHERE sha256 = ?1";
        if let Some(readers) = &self.readers {
            return Ok(readers
                .with(|c| {
                    c.prepare_cached(SQL)?
                        .query_row([sha256], |r| {
                            Ok(BlobRow {
                                sha256: r.get(0)?,
                                content_type: r.get(1)?,
                                bytes: r.get(2)?,
                            })
                        })
                        .optional()
                })?
                .map(Blob::from));
        }
        Ok(sqlx::query_as::<_, BlobRow>(SQL)
            .bind(sha256)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?
            .map(Blob::from))
    }
}

#[async_trait]
impl RateStore for SqliteStore {
    async fn hit_counter(&self, bucket: &str, window_start: i64, sum_from: i64) -> Result<i64> {
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
        // The bucket's name is copied only the first time it is counted.
        Ok(match counters.get_mut(bucket) {
            Some(windows) => hit(windows, window_start, sum_from),
            None => hit(
                counters.entry(bucket.to_owned()).or_default(),
                window_start,
                sum_from,
            ),
        })
    }

    async fn read_counter(&self, bucket: &str, sum_from: i64) -> Result<i64> {
        let counters = self.counters.lock().unwrap_or_else(|e| e.into_inner());
        Ok(counters
            .get(bucket)
            .map_or(0, |windows| windows.range(sum_from..).map(|(_, n)| n).sum()))
    }
}

const PAGE_COLUMNS: &str = "p.id, p.name, p.category_enum, p.about, p.description, p.phone,
    p.website, p.is_place, p.is_promotable, p.business_id, p.instagram_business_account, p.extra";

#[async_trait]
impl PageStore for SqliteStore {
    async fn upsert_fb_grant(&self, grant: &FbGrant) -> Result<()> {
        let mut tx = self.write().await?;
        sqlx::query(
            "INSERT INTO fb_grants (app_id, fb_user_id, scopes, page_ids, granted_at)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (app_id, fb_user_id) DO UPDATE SET
                 scopes = excluded.scopes, page_ids = excluded.page_ids,
                 granted_at = excluded.granted_at",
        )
        .bind(&grant.app_id)
        .bind(&grant.fb_user_id)
        .bind(Json(&grant.scopes))
        .bind(Json(&grant.page_ids))
        .bind(to_millis(grant.granted_at))
        .execute(&mut *tx)
        .await
        .map_err(|e| {
            write_err(
                e,
                || {
                    format!(
                        "grant of facebook user {} to app {}",
                        grant.fb_user_id, grant.app_id
                    )
                },
                || "already exists".into(),
            )
        })?;
        commit(tx).await
    }

    async fn find_fb_grant(&self, app_id: &str, fb_user_id: &str) -> Result<Option<FbGrant>> {
        Ok(sqlx::query_as::<_, FbGrantRow>(
            "SELECT app_id, fb_user_id, scopes, page_ids, granted_at
             FROM fb_grants WHERE app_id = ?1 AND fb_user_id = ?2",
        )
        .bind(app_id)
        .bind(fb_user_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(map_err)?
        .map(FbGrant::from))
    }

    async fn revoke_fb_grant(
        &self,
        app_id: &str,
        fb_user_id: &str,
        now: OffsetDateTime,
    ) -> Result<u64> {
        let mut tx = self.write().await?;
        sqlx::query("DELETE FROM fb_grants WHERE app_id = ?1 AND fb_user_id = ?2")
            .bind(app_id)
            .bind(fb_user_id)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        let revoked = sqlx::query(
            "UPDATE tokens SET revoked_at = ?1
             WHERE app_id = ?2 AND user_kind = 'facebook' AND user_id = ?3
               AND revoked_at IS NULL",
        )
        .bind(to_millis(now))
        .bind(app_id)
        .bind(fb_user_id)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?
        .rows_affected();
        commit(tx).await?;
        Ok(revoked)
    }

    async fn find_page(&self, id: &str) -> Result<Option<Page>> {
        Ok(sqlx::query_as::<_, PageRow>(&format!(
            "SELECT {PAGE_COLUMNS} FROM pages AS p WHERE p.id = ?1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(map_err)?
        .map(Page::from))
    }

    async fn list_user_pages(&self, fb_user_id: &str) -> Result<Vec<UserPage>> {
        Ok(sqlx::query_as::<_, UserPageRow>(&format!(
            "SELECT {PAGE_COLUMNS}, r.tasks FROM page_roles AS r
             JOIN pages AS p ON p.id = r.page_id
             WHERE r.fb_user_id = ?1 ORDER BY p.id COLLATE BINARY"
        ))
        .bind(fb_user_id)
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?
        .into_iter()
        .map(UserPage::from)
        .collect())
    }

    async fn list_cities(&self) -> Result<Vec<City>> {
        Ok(sqlx::query_as::<_, CityRow>(
            "SELECT id, name, state, country, latitude, longitude, radius_km
             FROM cities ORDER BY id COLLATE BINARY",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?
        .into_iter()
        .map(City::from)
        .collect())
    }

    async fn create_page(&self, page: &Page, role: &PageRole) -> Result<()> {
        let mut tx = self.write().await?;
        let inserted = sqlx::query_scalar::<_, String>(
            "INSERT INTO pages (id, name, category_enum, about, description, phone, website,
                 is_place, is_promotable, business_id, instagram_business_account, extra)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
             ON CONFLICT (id) DO NOTHING RETURNING id",
        )
        .bind(&page.id)
        .bind(&page.name)
        .bind(&page.category_enum)
        .bind(&page.about)
        .bind(&page.description)
        .bind(&page.phone)
        .bind(&page.website)
        .bind(page.is_place)
        .bind(page.is_promotable)
        .bind(&page.business_id)
        .bind(&page.instagram_business_account)
        .bind(Json(&page.extra))
        .fetch_optional(&mut *tx)
        .await
        .map_err(|e| {
            write_err(
                e,
                || format!("page {}", page.id),
                || "already exists".into(),
            )
        })?;
        if inserted.is_none() {
            tx.rollback().await.map_err(map_err)?;
            return Err(StoreError::Conflict {
                what: format!("page {} already exists", page.id),
            });
        }
        upsert_page_role(&mut tx, role).await?;
        commit(tx).await
    }

    async fn add_test_user(
        &self,
        new_user: Option<&FbUser>,
        link: &TestUserLink,
        grant: Option<&FbGrant>,
        limit: i64,
    ) -> Result<bool> {
        let mut tx = self.write().await?;
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM fb_test_users WHERE app_id = ?1")
            .bind(&link.app_id)
            .fetch_one(&mut *tx)
            .await
            .map_err(map_err)?;
        if count >= limit {
            tx.rollback().await.map_err(map_err)?;
            return Ok(false);
        }
        if let Some(u) = new_user {
            let inserted = sqlx::query_scalar::<_, String>(
                "INSERT INTO fb_users (id, name, email, password_hash, test_user, checkpointed, blocked)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (id) DO NOTHING RETURNING id",
            )
            .bind(&u.id)
            .bind(&u.name)
            .bind(&u.email)
            .bind(&u.password_hash)
            .bind(u.test_user)
            .bind(u.checkpointed)
            .bind(u.blocked)
            .fetch_optional(&mut *tx)
            .await
            .map_err(|e| write_err(e, || format!("facebook user {}", u.id), || "already exists".into()))?;
            if inserted.is_none() {
                tx.rollback().await.map_err(map_err)?;
                return Err(StoreError::Conflict {
                    what: format!("facebook user {} already exists", u.id),
                });
            }
        }
        sqlx::query(
            "INSERT INTO fb_test_users (app_id, fb_user_id, created_at) VALUES (?1, ?2, ?3)",
        )
        .bind(&link.app_id)
        .bind(&link.fb_user_id)
        .bind(to_millis(link.created_at))
        .execute(&mut *tx)
        .await
        .map_err(|e| {
            write_err(
                e,
                || format!("test user {} of app {}", link.fb_user_id, link.app_id),
                || "already exists".into(),
            )
        })?;
        if let Some(g) = grant {
            sqlx::query(
                "INSERT INTO fb_grants (app_id, fb_user_id, scopes, page_ids, granted_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (app_id, fb_user_id) DO UPDATE SET
                     scopes = excluded.scopes, page_ids = excluded.page_ids,
                     granted_at = excluded.granted_at",
            )
            .bind(&g.app_id)
            .bind(&g.fb_user_id)
            .bind(Json(&g.scopes))
            .bind(Json(&g.page_ids))
            .bind(to_millis(g.granted_at))
            .execute(&mut *tx)
            .await
            .map_err(|e| {
                write_err(
                    e,
                    || {
                        format!(
                            "grant of facebook user {} to app {}",
                            g.fb_user_id, g.app_id
                        )
                    },
                    || "already exists".into(),
                )
            })?;
        }
        commit(tx).await?;
        Ok(true)
    }

    async fn list_test_users(&self, app_id: &str) -> Result<Vec<TestUserLink>> {
        let rows: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT app_id, fb_user_id, created_at FROM fb_test_users WHERE app_id = ?1
             ORDER BY created_at, fb_user_id COLLATE BINARY",
        )
        .bind(app_id)
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(rows.into_iter().map(test_user_link).collect())
    }

    async fn find_test_user(&self, app_id: &str, fb_user_id: &str) -> Result<Option<TestUserLink>> {
        let row: Option<(String, String, i64)> = sqlx::query_as(
            "SELECT app_id, fb_user_id, created_at FROM fb_test_users
             WHERE app_id = ?1 AND fb_user_id = ?2",
        )
        .bind(app_id)
        .bind(fb_user_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(row.map(test_user_link))
    }

    async fn remove_test_user(
        &self,
        app_id: &str,
        fb_user_id: &str,
        now: OffsetDateTime,
    ) -> Result<TestUserRemoval> {
        let mut tx = self.write().await?;
        let linked: Vec<String> =
            sqlx::query_scalar("SELECT fb_user_id FROM fb_test_users WHERE app_id = ?1")
                .bind(app_id)
                .fetch_all(&mut *tx)
                .await
                .map_err(map_err)?;
        let outcome = if !linked.iter().any(|u| u == fb_user_id) {
            TestUserRemoval::NotFound
        } else if linked.len() == 1 {
            TestUserRemoval::OnlyOne
        } else {
            TestUserRemoval::Removed
        };
        if outcome != TestUserRemoval::Removed {
            tx.rollback().await.map_err(map_err)?;
            return Ok(outcome);
        }
        for sql in [
            "DELETE FROM fb_test_users WHERE app_id = ?1 AND fb_user_id = ?2",
            "DELETE FROM fb_grants WHERE app_id = ?1 AND fb_user_id = ?2",
        ] {
            sqlx::query(sql)
                .bind(app_id)
                .bind(fb_user_id)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
        }
        sqlx::query(
            "UPDATE tokens SET revoked_at = ?1
             WHERE app_id = ?2 AND user_kind = 'facebook' AND user_id = ?3
               AND revoked_at IS NULL",
        )
        .bind(to_millis(now))
        .bind(app_id)
        .bind(fb_user_id)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        commit(tx).await?;
        Ok(TestUserRemoval::Removed)
    }
}

fn test_user_link((app_id, fb_user_id, created_at): (String, String, i64)) -> TestUserLink {
    TestUserLink {
        app_id,
        fb_user_id,
        created_at: localgram_core::clock::from_millis(created_at),
    }
}
