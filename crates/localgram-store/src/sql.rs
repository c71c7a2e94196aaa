//! Every store method, written once: SQL that both databases accept (`$n` parameters,
//! `ON CONFLICT`, `RETURNING`), run on whatever [`Conn`] the backend hands out.
//!
//! Writes are jobs: a closure that gets a connection already inside a transaction and returns
//! its result. The backend runs the job where no caller can interrupt it (SQLite: the writer
//! thread; PostgreSQL: a task of its own) and commits it if it returned `Ok`, rolls it back if
//! it returned `Err`. A caller that is dropped while waiting only stops listening for the
//! answer: the job still finishes or rolls back as a whole.

use std::collections::HashMap;
use std::future::Future;

use async_trait::async_trait;
use futures_util::future::BoxFuture;
use localgram_core::clock::to_millis;
use localgram_core::model::{
    App, AppRole, AppTester, AuthCode, Blob, City, FbGrant, FbUser, IgMedia, IgUser, Page,
    PageRole, TestUserLink, TestUserRemoval, TesterStatus, TokenRecord,
};
use localgram_core::store::{
    AccountStore, AppStore, AuthorizedApp, BlobStore, DashboardStore, GrantStore, MediaKey,
    MediaOrder, MediaQuery, MediaStore, PageStore, RateStore, Redemption, Result, SessionStore,
    Store, StoreError, TokenStore, UserPage, WorldPlan, WorldStore,
};
use time::OffsetDateTime;

use crate::error::{map_err, write_err};
use crate::rows::{
    AppRoleRow, AppRow, AppTesterRow, AuthCodeRow, BlobRow, CityRow, FbGrantRow, FbUserRow,
    IgMediaRow, IgUserRow, MediaKeyRow, PageRow, TokenRow, UserPageRow, product_names,
    rate_limits_json, tester_status,
};
use crate::value::{FromRow, Json, Row, Value, params};

/// [`localgram_core::store::PublishStore`]: media containers (content publishing).
#[path = "publish_sql.rs"]
mod publish_sql;

/// [`localgram_core::store::CommentStore`]: comments on media.
#[path = "comment_sql.rs"]
mod comment_sql;

/// [`localgram_core::store::WebhookStore`]: webhook subscriptions and the delivery queue.
#[path = "webhook_sql.rs"]
mod webhook_sql;

/// Used CSRF tokens are kept this long past their expiry before [`SessionStore::consume_csrf`]
/// sweeps them (a grace period, so moving the emulator clock back a little does not matter).
const CSRF_SWEEP_GRACE_MS: i64 = 24 * 60 * 60 * 1000;
/// Rows per multi-row `INSERT` of media: 15 parameters each, well under both databases' limits
/// on bound parameters per statement (SQLite 32766, PostgreSQL 65535).
const MEDIA_CHUNK: usize = 1000;

/// The columns of `apps`.
macro_rules! app_columns {
    () => {
        "id, name, secret_hash, mode, products, redirect_uris, require_appsecret_proof,
         token_response_shape, test_user_limit, rate_limits, deauthorize_callback_url,
         data_deletion_url, secret_sealed, page_creation_allowed, contact_email, site_url,
         instagram_app_id, instagram_app_name, instagram_secret_hash, instagram_secret_sealed"
    };
}

/// The columns of `ig_media`.
macro_rules! media_columns {
    () => {
        "id, owner_id, parent_id, position, media_type, caption, timestamp_ms, file,
         thumbnail_file, shortcode, copyright_flagged, media_product_type, is_shared_to_feed,
         media_blob, thumbnail_blob"
    };
}

/// The columns of `tokens`.
macro_rules! token_columns {
    () => {
        "id, token_hash, app_id, kind, user_kind, user_id, page_id, scopes, issued_at,
         expires_at, revoked_at, code_id, parent_id, derived_at"
    };
}

/// The columns of `ig_users`.
macro_rules! ig_user_columns {
    () => {
        "id, username, password_hash, account_type, name, biography, website, is_private,
         followers_count, follows_count, profile_picture, profile_blob"
    };
}

/// The columns of `fb_users`.
macro_rules! fb_user_columns {
    () => {
        "id, name, email, password_hash, test_user, checkpointed, blocked"
    };
}

/// The condition of *listed* media: top-level, feed posts and reels (no stories, no ads).
macro_rules! listed {
    () => {
        "parent_id IS NULL AND media_product_type IN ('FEED', 'REELS')"
    };
}

const PAGE_COLUMNS: &str = "p.id, p.name, p.category_enum, p.about, p.description, p.phone,
    p.website, p.is_place, p.is_promotable, p.business_id, p.instagram_business_account, p.extra";

/// A connection of either database, as the shared SQL sees it. Errors are [`DbError`](crate::error::DbError)s, so
/// that the caller can name what collided on a unique violation.
#[async_trait]
pub trait Conn: Send {
    /// Runs a statement; the number of rows it changed.
    async fn execute(
        &mut self,
        sql: &str,
        params: Vec<Value>,
    ) -> Result<u64, crate::error::DbError>;
    /// Runs a query; all its rows.
    async fn fetch_all(
        &mut self,
        sql: &str,
        params: Vec<Value>,
    ) -> Result<Vec<Row>, crate::error::DbError>;
    /// Runs a query; its first row, if any.
    async fn fetch_optional(
        &mut self,
        sql: &str,
        params: Vec<Value>,
    ) -> Result<Option<Row>, crate::error::DbError>;
}

/// How many times in all a read runs when it keeps losing deadlocks ([`RetryLost`]).
pub(crate) const READ_ATTEMPTS: u32 = 3;

/// A connection for reads that runs a statement again when it lost a deadlock or a
/// serialization race ([`DbError::Lost`](crate::error::DbError::Lost)), up to
/// [`READ_ATTEMPTS`] times in all. A read outside a transaction changes nothing, so running it
/// again is safe; PostgreSQL gives up on the loser only after `deadlock_timeout`, by when the
/// other side (a reset or a restore holding its table locks) has what it waited for.
pub(crate) struct RetryLost<C>(pub(crate) C);

/// `$run` (a statement on `self.0`), again while it loses and attempts are left.
macro_rules! again_while_lost {
    ($run:expr) => {{
        let mut attempt = 1;
        loop {
            match $run.await {
                Err(crate::error::DbError::Lost(_)) if attempt < READ_ATTEMPTS => attempt += 1,
                done => break done,
            }
        }
    }};
}

#[async_trait]
impl<C: Conn> Conn for RetryLost<C> {
    async fn execute(
        &mut self,
        sql: &str,
        params: Vec<Value>,
    ) -> Result<u64, crate::error::DbError> {
        again_while_lost!(self.0.execute(sql, params.clone()))
    }

    async fn fetch_all(
        &mut self,
        sql: &str,
        params: Vec<Value>,
    ) -> Result<Vec<Row>, crate::error::DbError> {
        again_while_lost!(self.0.fetch_all(sql, params.clone()))
    }

    async fn fetch_optional(
        &mut self,
        sql: &str,
        params: Vec<Value>,
    ) -> Result<Option<Row>, crate::error::DbError> {
        again_while_lost!(self.0.fetch_optional(sql, params.clone()))
    }
}

/// A write job: runs inside the transaction the backend opened; `Ok` commits, `Err` rolls back.
pub type Job<R> =
    Box<dyn for<'c> FnOnce(&'c mut dyn Conn) -> BoxFuture<'c, Result<R>> + Send + 'static>;

/// The reads every Graph request makes, answered synchronously from the backend's own read
/// path when it has one (SQLite's `rusqlite` readers).
pub trait HotReads: Send + Sync {
    fn find_token(&self, token_hash: &str) -> Result<Option<TokenRecord>>;
    fn find_media(&self, id: &str) -> Result<Option<IgMedia>>;
    fn list_children(&self, parent_id: &str) -> Result<Vec<IgMedia>>;
    fn list_media(&self, query: &MediaQuery) -> Result<Vec<IgMedia>>;
    fn listed_media_key_at(&self, owner_id: &str, offset: i64) -> Result<Option<MediaKey>>;
    fn count_media(&self, owner_id: &str) -> Result<i64>;
    fn find_blob(&self, sha256: &str) -> Result<Option<Blob>>;
}

/// What differs between the databases, named: where writes run, where reads run, the
/// bytewise collation, row locks, rate counters, the write generation and statistics upkeep.
pub trait Backend: Send + Sync + std::fmt::Debug + 'static {
    /// `Store::backend`.
    const NAME: &'static str;
    /// The collation that orders ids bytewise, as Rust's `String` does.
    const BYTEWISE: &'static str;
    /// Appended to a `SELECT` that must lock the rows it reads until commit (empty where writes
    /// are serialized anyway).
    const FOR_UPDATE: &'static str;

    /// Runs a write job in a transaction of its own (or a savepoint of a shared commit), out of
    /// the caller's reach: dropping the returned future does not interrupt it.
    fn write<R: Send + 'static>(&self, job: Job<R>) -> impl Future<Output = Result<R>> + Send;

    /// A connection for reads outside any transaction.
    fn reader(&self) -> Box<dyn Conn>;

    /// The in-process read path, if any.
    fn hot_reads(&self) -> Option<&dyn HotReads> {
        None
    }

    /// Counts one call in each bucket's window `window_start`; the sums from `sum_from` on.
    fn hit_counters(
        &self,
        buckets: &[&str],
        window_start: i64,
        sum_from: i64,
    ) -> impl Future<Output = Result<Vec<i64>>> + Send;

    /// A bucket's sum from `sum_from` on, counting nothing.
    fn read_counter(&self, bucket: &str, sum_from: i64)
    -> impl Future<Output = Result<i64>> + Send;

    /// Called after `written` media rows were committed.
    fn after_media_write(&self, written: usize) -> impl Future<Output = Result<()>> + Send {
        let _ = written;
        async { Ok(()) }
    }

    /// Forgets the rate counts kept in memory (after a reset or a restore emptied
    /// `rate_counters`).
    fn forget_counters(&self) {}

    /// `Store::flush`.
    fn flush(&self) -> impl Future<Output = Result<()>> + Send {
        async { Ok(()) }
    }

    /// `Store::data_version`.
    fn data_version(&self) -> Option<u64> {
        None
    }

    /// `Store::last_data_version`.
    fn last_data_version(&self) -> Option<u64> {
        None
    }
}

/// The store: the shared SQL over backend `B`.
#[derive(Debug, Clone)]
pub struct SqlStore<B> {
    pub(crate) backend: std::sync::Arc<B>,
}

impl<B: Backend> SqlStore<B> {
    pub(crate) fn new(backend: B) -> Self {
        Self {
            backend: std::sync::Arc::new(backend),
        }
    }

    /// Runs `job` as a write (see [`Backend::write`]).
    async fn write<R, F>(&self, job: F) -> Result<R>
    where
        R: Send + 'static,
        F: for<'c> FnOnce(&'c mut dyn Conn) -> BoxFuture<'c, Result<R>> + Send + 'static,
    {
        self.backend.write(Box::new(job)).await
    }

    async fn one<T: FromRow>(&self, sql: &str, params: Vec<Value>) -> Result<Option<T>> {
        one(&mut *self.backend.reader(), sql, params).await
    }

    async fn all<T: FromRow>(&self, sql: &str, params: Vec<Value>) -> Result<Vec<T>> {
        all(&mut *self.backend.reader(), sql, params).await
    }
}

crate::value::row_type! {
    /// A row of `fault_rules`.
    FaultRuleRow {
        id: String,
        spec: String,
        matched: i64,
        fired: i64,
    }
}

crate::value::row_type! {
    /// A row of `journal_calls`.
    JournalRow {
        at_ms: i64,
        method: String,
        host: String,
        path: String,
        query: Option<String>,
        form: Option<String>,
        status: i64,
        graph_code: i64,
        latency_ms: i64,
        app: Option<String>,
        user_id: Option<String>,
        faults: String,
    }
}

/// Decodes a row, a decoding failure being [`StoreError::Other`].
fn decode<T: FromRow>(row: Row) -> Result<T> {
    T::from_row(row).map_err(|e| StoreError::Other(anyhow::Error::new(e)))
}

async fn one<T: FromRow>(c: &mut dyn Conn, sql: &str, params: Vec<Value>) -> Result<Option<T>> {
    c.fetch_optional(sql, params)
        .await
        .map_err(map_err)?
        .map(decode)
        .transpose()
}

async fn all<T: FromRow>(c: &mut dyn Conn, sql: &str, params: Vec<Value>) -> Result<Vec<T>> {
    c.fetch_all(sql, params)
        .await
        .map_err(map_err)?
        .into_iter()
        .map(decode)
        .collect()
}

async fn exec(c: &mut dyn Conn, sql: &str, params: Vec<Value>) -> Result<u64> {
    c.execute(sql, params).await.map_err(map_err)
}

/// Whether a statement that returns a row (an `UPDATE … RETURNING`) returned one.
async fn returned(c: &mut dyn Conn, sql: &str, params: Vec<Value>) -> Result<bool> {
    Ok(c.fetch_optional(sql, params)
        .await
        .map_err(map_err)?
        .is_some())
}

/// The media page query of [`MediaStore::list_media`], with its parameters, ids ordered by
/// `bytewise` (the backend's bytewise collation).
///
/// Keys compare as (timestamp_ms, id) tuples. Each key bound is written as
/// `timestamp_ms <op>= t AND (timestamp_ms <op> t OR id <op> i)`, equivalent to the tuple
/// comparison; its first half bounds the scan of the
/// `(owner_id, timestamp_ms DESC, id DESC)` index, which also yields the order (no sorting step:
/// checked with `EXPLAIN` on both databases).
pub(crate) fn media_page_sql(query: &MediaQuery, bytewise: &str) -> (String, Vec<Value>) {
    let mut sql = String::with_capacity(512);
    sql.push_str(concat!(
        "SELECT ",
        media_columns!(),
        " FROM ig_media WHERE ",
        listed!(),
        " AND owner_id = $1"
    ));
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
        params.push(Value::Int(to_millis(*timestamp)));
        params.push(Value::Text(id.clone()));
        let (t, i) = (params.len() - 1, params.len());
        sql.push_str(&format!(
            " AND timestamp_ms {strict}= ${t} AND (timestamp_ms {strict} ${t} OR id {bytewise} {on_tie} ${i})"
        ));
    }
    for (bound, op) in [(query.since, ">="), (query.until, "<=")] {
        if let Some(at) = bound {
            params.push(Value::Int(to_millis(at)));
            sql.push_str(&format!(" AND timestamp_ms {op} ${}", params.len()));
        }
    }
    let dir = match query.order {
        MediaOrder::NewestFirst => "DESC",
        MediaOrder::OldestFirst => "ASC",
    };
    params.push(Value::Int(query.limit.max(0)));
    sql.push_str(&format!(
        " ORDER BY timestamp_ms {dir}, id {bytewise} {dir} LIMIT ${}",
        params.len()
    ));
    (sql, params)
}

/// The query of [`MediaStore::listed_media_key_at`].
pub(crate) fn media_key_at_sql(bytewise: &str) -> String {
    format!(
        concat!(
            "SELECT timestamp_ms, id FROM ig_media WHERE ",
            listed!(),
            " AND owner_id = $1 ORDER BY timestamp_ms DESC, id {0} DESC LIMIT 1 OFFSET $2"
        ),
        bytewise
    )
}

/// The query of [`MediaStore::list_children`].
pub(crate) fn children_sql(bytewise: &str) -> String {
    format!(
        concat!(
            "SELECT ",
            media_columns!(),
            " FROM ig_media WHERE parent_id = $1 ORDER BY position, id {0}"
        ),
        bytewise
    )
}

/// The query of [`AccountStore::count_media`]: the media the media edge lists (Meta's
/// `media_count` counts posts: no album children, no stories, no ads).
pub(crate) const COUNT_MEDIA_SQL: &str = concat!(
    "SELECT COUNT(*) FROM ig_media WHERE ",
    listed!(),
    " AND owner_id = $1"
);
/// The query of [`TokenStore::find_token`].
pub(crate) const FIND_TOKEN_SQL: &str = concat!(
    "SELECT ",
    token_columns!(),
    " FROM tokens WHERE token_hash = $1"
);
/// The query of [`MediaStore::find_media`].
pub(crate) const FIND_MEDIA_SQL: &str =
    concat!("SELECT ", media_columns!(), " FROM ig_media WHERE id = $1");
/// The query of [`BlobStore::find_blob`].
pub(crate) const FIND_BLOB_SQL: &str =
    "SELECT sha256, content_type, bytes FROM blobs WHERE sha256 = $1";

/// Inserts a token; with `or_ignore`, a token whose hash exists already is left as it is.
async fn insert_token(c: &mut dyn Conn, t: &TokenRecord, or_ignore: bool) -> Result<()> {
    macro_rules! insert {
        () => {
            concat!(
                "INSERT INTO tokens (",
                token_columns!(),
                ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
            )
        };
    }
    let sql = if or_ignore {
        concat!(insert!(), " ON CONFLICT (token_hash) DO NOTHING")
    } else {
        insert!()
    };
    c.execute(
        sql,
        params![
            &t.id,
            &t.token_hash,
            &t.app_id,
            t.kind.as_str(),
            t.subject.kind(),
            t.subject.user_id(),
            &t.page_id,
            Value::json(&t.scopes),
            to_millis(t.issued_at),
            t.expires_at.map(to_millis),
            t.revoked_at.map(to_millis),
            &t.code_id,
            &t.parent_id,
            t.derived_at.map(to_millis),
        ],
    )
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

async fn upsert_app(c: &mut dyn Conn, app: &App) -> Result<()> {
    c.execute(
        concat!(
            "INSERT INTO apps (",
            app_columns!(),
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14,
                 $15, $16, $17, $18, $19, $20)
             ON CONFLICT (id) DO UPDATE SET
                 name = excluded.name, secret_hash = excluded.secret_hash, mode = excluded.mode,
                 products = excluded.products, redirect_uris = excluded.redirect_uris,
                 require_appsecret_proof = excluded.require_appsecret_proof,
                 token_response_shape = excluded.token_response_shape,
                 test_user_limit = excluded.test_user_limit, rate_limits = excluded.rate_limits,
                 deauthorize_callback_url = excluded.deauthorize_callback_url,
                 data_deletion_url = excluded.data_deletion_url,
                 page_creation_allowed = excluded.page_creation_allowed,
                 secret_sealed = COALESCE(excluded.secret_sealed, apps.secret_sealed),
                 contact_email = excluded.contact_email, site_url = excluded.site_url,
                 instagram_app_id = excluded.instagram_app_id,
                 instagram_app_name = excluded.instagram_app_name,
                 instagram_secret_hash = excluded.instagram_secret_hash,
                 instagram_secret_sealed = CASE
                     WHEN excluded.instagram_app_id IS NULL THEN NULL
                     ELSE COALESCE(excluded.instagram_secret_sealed, apps.instagram_secret_sealed)
                 END"
        ),
        params![
            &app.id,
            &app.name,
            &app.secret_hash,
            app.mode.as_str(),
            product_names(&app.products),
            Value::json(&app.redirect_uris),
            app.require_appsecret_proof,
            app.token_response_shape.as_str(),
            app.test_user_limit,
            rate_limits_json(&app.rate_limits),
            &app.deauthorize_callback_url,
            &app.data_deletion_url,
            &app.secret_sealed,
            app.page_creation_allowed,
            &app.contact_email,
            &app.site_url,
            app.instagram_app.as_ref().map(|i| i.id.as_str()),
            app.instagram_app.as_ref().map(|i| i.name.as_str()),
            app.instagram_app.as_ref().map(|i| i.secret_hash.as_str()),
            app.instagram_app
                .as_ref()
                .and_then(|i| i.secret_sealed.as_deref()),
        ],
    )
    .await
    .map_err(|e| write_err(e, || format!("app {}", app.id), || "already exists".into()))?;
    Ok(())
}

async fn upsert_ig_user(c: &mut dyn Conn, u: &IgUser) -> Result<()> {
    c.execute(
        concat!(
            "INSERT INTO ig_users (",
            ig_user_columns!(),
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
             ON CONFLICT (id) DO UPDATE SET
                 username = excluded.username, password_hash = excluded.password_hash,
                 account_type = excluded.account_type, name = excluded.name,
                 biography = excluded.biography, website = excluded.website,
                 is_private = excluded.is_private, followers_count = excluded.followers_count,
                 follows_count = excluded.follows_count, profile_picture = excluded.profile_picture,
                 profile_blob = excluded.profile_blob"
        ),
        params![
            &u.id,
            &u.username,
            &u.password_hash,
            &u.account_type,
            &u.name,
            &u.biography,
            &u.website,
            u.is_private,
            u.followers_count,
            u.follows_count,
            &u.profile_picture,
            &u.profile_blob,
        ],
    )
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

fn fb_user_params(u: &FbUser) -> Vec<Value> {
    params![
        &u.id,
        &u.name,
        &u.email,
        &u.password_hash,
        u.test_user,
        u.checkpointed,
        u.blocked,
    ]
}

async fn upsert_fb_user(c: &mut dyn Conn, u: &FbUser) -> Result<()> {
    c.execute(
        concat!(
            "INSERT INTO fb_users (",
            fb_user_columns!(),
            ") VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (id) DO UPDATE SET
                 name = excluded.name, email = excluded.email,
                 password_hash = excluded.password_hash, test_user = excluded.test_user,
                 checkpointed = excluded.checkpointed, blocked = excluded.blocked"
        ),
        fb_user_params(u),
    )
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
/// sequence of single upserts would leave it; a multi-row upsert may not touch a row twice),
/// albums before their children.
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
async fn upsert_media(c: &mut dyn Conn, media: &[IgMedia]) -> Result<()> {
    const COLUMNS: usize = 15;
    for chunk in media_write_order(media).chunks(MEDIA_CHUNK) {
        let mut sql = String::with_capacity(64 + chunk.len() * 100);
        sql.push_str(concat!(
            "INSERT INTO ig_media (",
            media_columns!(),
            ") VALUES "
        ));
        let mut params = Vec::with_capacity(chunk.len() * COLUMNS);
        for (row, m) in chunk.iter().enumerate() {
            if row > 0 {
                sql.push_str(", ");
            }
            sql.push('(');
            for col in 1..=COLUMNS {
                if col > 1 {
                    sql.push_str(", ");
                }
                sql.push_str(&format!("${}", row * COLUMNS + col));
            }
            sql.push(')');
            params.extend(params![
                &m.id,
                &m.owner_id,
                &m.parent_id,
                m.position,
                m.media_type.as_str(),
                &m.caption,
                to_millis(m.timestamp),
                &m.file,
                &m.thumbnail_file,
                &m.shortcode,
                m.copyright_flagged,
                m.media_product_type.as_str(),
                m.is_shared_to_feed,
                &m.media_blob,
                &m.thumbnail_blob,
            ]);
        }
        sql.push_str(
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
        c.execute(&sql, params)
            .await
            .map_err(|e| write_err(e, || describe_media(chunk), || "already exists".into()))?;
    }
    Ok(())
}

/// Inserts a blob unless one with its hash is stored already.
async fn insert_blob(c: &mut dyn Conn, blob: &Blob) -> Result<()> {
    c.execute(
        "INSERT INTO blobs (sha256, content_type, size, bytes) VALUES ($1, $2, $3, $4)
         ON CONFLICT (sha256) DO NOTHING",
        params![
            &blob.sha256,
            &blob.content_type,
            blob.bytes.len() as i64, // a Vec's length never exceeds isize::MAX
            &blob.bytes,
        ],
    )
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

async fn upsert_city(c: &mut dyn Conn, city: &City) -> Result<()> {
    c.execute(
        "INSERT INTO cities (id, name, state, country, latitude, longitude, radius_km)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (id) DO UPDATE SET
             name = excluded.name, state = excluded.state, country = excluded.country,
             latitude = excluded.latitude, longitude = excluded.longitude,
             radius_km = excluded.radius_km",
        params![
            &city.id,
            &city.name,
            &city.state,
            &city.country,
            city.latitude,
            city.longitude,
            city.radius_km,
        ],
    )
    .await
    .map_err(|e| {
        write_err(
            e,
            || format!("city {}", city.id),
            || "already exists".into(),
        )
    })?;
    Ok(())
}

/// The `pages` insert; `on_conflict` decides what an existing id does.
fn page_insert(on_conflict: &str) -> String {
    format!(
        "INSERT INTO pages (id, name, category_enum, about, description, phone, website,
             is_place, is_promotable, business_id, instagram_business_account, extra)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) {on_conflict}"
    )
}

fn page_params(p: &Page) -> Vec<Value> {
    params![
        &p.id,
        &p.name,
        &p.category_enum,
        &p.about,
        &p.description,
        &p.phone,
        &p.website,
        p.is_place,
        p.is_promotable,
        &p.business_id,
        &p.instagram_business_account,
        Value::json(&p.extra),
    ]
}

async fn upsert_page(c: &mut dyn Conn, p: &Page) -> Result<()> {
    let sql = page_insert(
        "ON CONFLICT (id) DO UPDATE SET
             name = excluded.name, category_enum = excluded.category_enum,
             about = excluded.about, description = excluded.description,
             phone = excluded.phone, website = excluded.website, is_place = excluded.is_place,
             is_promotable = excluded.is_promotable, business_id = excluded.business_id,
             instagram_business_account = excluded.instagram_business_account,
             extra = excluded.extra",
    );
    c.execute(&sql, page_params(p))
        .await
        .map_err(|e| write_err(e, || format!("page {}", p.id), || "already exists".into()))?;
    Ok(())
}

async fn upsert_tester(c: &mut dyn Conn, t: &AppTester) -> Result<()> {
    c.execute(
        "INSERT INTO app_testers (app_id, ig_user_id, status) VALUES ($1, $2, $3)
         ON CONFLICT (app_id, ig_user_id) DO UPDATE SET status = excluded.status",
        params![&t.app_id, &t.ig_user_id, t.status.as_str()],
    )
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

async fn upsert_app_role(c: &mut dyn Conn, r: &AppRole) -> Result<()> {
    c.execute(
        "INSERT INTO app_roles (app_id, fb_user_id, role) VALUES ($1, $2, $3)
         ON CONFLICT (app_id, fb_user_id) DO UPDATE SET role = excluded.role",
        params![&r.app_id, &r.fb_user_id, &r.role],
    )
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

async fn upsert_page_role(c: &mut dyn Conn, r: &PageRole) -> Result<()> {
    c.execute(
        "INSERT INTO page_roles (page_id, fb_user_id, tasks) VALUES ($1, $2, $3)
         ON CONFLICT (page_id, fb_user_id) DO UPDATE SET tasks = excluded.tasks",
        params![&r.page_id, &r.fb_user_id, Value::json(&r.tasks)],
    )
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

async fn upsert_fb_grant(c: &mut dyn Conn, g: &FbGrant) -> Result<()> {
    c.execute(
        "INSERT INTO fb_grants (app_id, fb_user_id, scopes, page_ids, granted_at)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (app_id, fb_user_id) DO UPDATE SET
             scopes = excluded.scopes, page_ids = excluded.page_ids,
             granted_at = excluded.granted_at",
        params![
            &g.app_id,
            &g.fb_user_id,
            Value::json(&g.scopes),
            Value::json(&g.page_ids),
            to_millis(g.granted_at),
        ],
    )
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
    Ok(())
}

/// Revokes, at `now`, the unrevoked tokens of one user (`user_kind`) for one app.
async fn revoke_user_tokens(
    c: &mut dyn Conn,
    app_id: &str,
    user_kind: &str,
    user_id: &str,
    now: OffsetDateTime,
) -> Result<u64> {
    exec(
        c,
        "UPDATE tokens SET revoked_at = $1
         WHERE app_id = $2 AND user_kind = $3 AND user_id = $4 AND revoked_at IS NULL",
        params![to_millis(now), app_id, user_kind, user_id],
    )
    .await
}

/// [`StoreError::NotFound`] unless `SELECT 1 FROM {table} WHERE id = $1` finds a row.
async fn require_row(c: &mut dyn Conn, table: &str, id: &str) -> Result<()> {
    let sql = format!("SELECT 1 FROM {table} WHERE id = $1");
    if returned(c, &sql, params![id]).await? {
        Ok(())
    } else {
        Err(StoreError::NotFound)
    }
}

/// Inserts a freshly issued code.
async fn insert_code(c: &mut dyn Conn, code: &AuthCode) -> Result<()> {
    c.execute(
        "INSERT INTO auth_codes (id, code_hash, app_id, user_kind, user_id,
             redirect_uri, scopes, code_challenge, code_challenge_method, issued_at,
             expires_at, consumed_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        params![
            &code.id,
            &code.code_hash,
            &code.app_id,
            code.subject.kind(),
            code.subject.user_id(),
            &code.redirect_uri,
            Value::json(&code.scopes),
            &code.code_challenge,
            code.code_challenge_method.map(|m| m.as_str()),
            to_millis(code.issued_at),
            to_millis(code.expires_at),
            code.consumed_at.map(to_millis),
        ],
    )
    .await
    .map_err(|e| {
        write_err(
            e,
            || format!("authorization code {}", code.id),
            || "a code with this id or hash exists".into(),
        )
    })?;
    Ok(())
}

#[async_trait]
impl<B: Backend> AppStore for SqlStore<B> {
    async fn find_app(&self, id: &str) -> Result<Option<App>> {
        self.one::<AppRow>(
            concat!("SELECT ", app_columns!(), " FROM apps WHERE id = $1"),
            params![id],
        )
        .await?
        .map(App::try_from)
        .transpose()
    }

    async fn find_app_by_instagram_app_id(&self, instagram_app_id: &str) -> Result<Option<App>> {
        self.one::<AppRow>(
            concat!(
                "SELECT ",
                app_columns!(),
                " FROM apps WHERE instagram_app_id = $1"
            ),
            params![instagram_app_id],
        )
        .await?
        .map(App::try_from)
        .transpose()
    }

    async fn find_tester_status(
        &self,
        app_id: &str,
        ig_user_id: &str,
    ) -> Result<Option<TesterStatus>> {
        self.one::<(String,)>(
            "SELECT status FROM app_testers WHERE app_id = $1 AND ig_user_id = $2",
            params![app_id, ig_user_id],
        )
        .await?
        .map(|(status,)| tester_status(app_id, &status))
        .transpose()
    }

    async fn find_app_role(&self, app_id: &str, fb_user_id: &str) -> Result<Option<AppRole>> {
        Ok(self
            .one::<AppRoleRow>(
                "SELECT app_id, fb_user_id, role FROM app_roles
                 WHERE app_id = $1 AND fb_user_id = $2",
                params![app_id, fb_user_id],
            )
            .await?
            .map(AppRole::from))
    }
}

#[async_trait]
impl<B: Backend> AccountStore for SqlStore<B> {
    async fn find_ig_user(&self, id: &str) -> Result<Option<IgUser>> {
        Ok(self
            .one::<IgUserRow>(
                concat!(
                    "SELECT ",
                    ig_user_columns!(),
                    " FROM ig_users WHERE id = $1"
                ),
                params![id],
            )
            .await?
            .map(IgUser::from))
    }

    async fn find_ig_user_by_username(&self, username: &str) -> Result<Option<IgUser>> {
        Ok(self
            .one::<IgUserRow>(
                concat!(
                    "SELECT ",
                    ig_user_columns!(),
                    " FROM ig_users WHERE username = $1"
                ),
                params![username],
            )
            .await?
            .map(IgUser::from))
    }

    async fn count_media(&self, owner_id: &str) -> Result<i64> {
        if let Some(hot) = self.backend.hot_reads() {
            return hot.count_media(owner_id);
        }
        Ok(self
            .one::<(i64,)>(COUNT_MEDIA_SQL, params![owner_id])
            .await?
            .map_or(0, |(n,)| n))
    }

    async fn find_fb_user(&self, id: &str) -> Result<Option<FbUser>> {
        Ok(self
            .one::<FbUserRow>(
                concat!(
                    "SELECT ",
                    fb_user_columns!(),
                    " FROM fb_users WHERE id = $1"
                ),
                params![id],
            )
            .await?
            .map(FbUser::from))
    }

    async fn find_fb_user_by_email(&self, email: &str) -> Result<Option<FbUser>> {
        Ok(self
            .one::<FbUserRow>(
                concat!(
                    "SELECT ",
                    fb_user_columns!(),
                    " FROM fb_users WHERE email = $1"
                ),
                params![email],
            )
            .await?
            .map(FbUser::from))
    }
}

#[async_trait]
impl<B: Backend> GrantStore for SqlStore<B> {
    async fn insert_code(&self, code: &AuthCode) -> Result<()> {
        self.insert_codes(std::slice::from_ref(code)).await
    }

    async fn insert_codes(&self, codes: &[AuthCode]) -> Result<()> {
        let codes = codes.to_vec();
        self.write(move |c| {
            Box::pin(async move {
                for code in &codes {
                    insert_code(c, code).await?;
                }
                Ok(())
            })
        })
        .await
    }

    async fn find_code(&self, code_hash: &str) -> Result<Option<AuthCode>> {
        self.one::<AuthCodeRow>(
            "SELECT id, code_hash, app_id, user_kind, user_id, redirect_uri, scopes,
                    code_challenge, code_challenge_method, issued_at, expires_at, consumed_at
             FROM auth_codes WHERE code_hash = $1",
            params![code_hash],
        )
        .await?
        .map(AuthCode::try_from)
        .transpose()
    }

    async fn redeem_code(
        &self,
        code_id: &str,
        now: OffsetDateTime,
        token: &TokenRecord,
    ) -> Result<Redemption> {
        let (code_id, token) = (code_id.to_owned(), token.clone());
        self.write(move |c| {
            Box::pin(async move {
                let now = to_millis(now);
                // The code's row lock (PostgreSQL) or the single writer (SQLite) orders racing
                // exchanges: each one sees the ones before it committed.
                let consumed = returned(
                    c,
                    "UPDATE auth_codes SET consumed_at = $1
                     WHERE id = $2 AND consumed_at IS NULL AND expires_at > $1
                     RETURNING id",
                    params![now, &code_id],
                )
                .await?;
                if consumed {
                    insert_token(c, &token, false).await?;
                    return Ok(Redemption::Redeemed);
                }
                let was_consumed = returned(
                    c,
                    "SELECT id FROM auth_codes WHERE id = $1 AND consumed_at IS NOT NULL",
                    params![&code_id],
                )
                .await?;
                if !was_consumed {
                    return Ok(Redemption::Expired);
                }
                let revoked = exec(
                    c,
                    "UPDATE tokens SET revoked_at = $1 WHERE code_id = $2 AND revoked_at IS NULL",
                    params![now, &code_id],
                )
                .await?;
                Ok(Redemption::Replayed { revoked })
            })
        })
        .await
    }

    async fn revoke_tokens_of_code(&self, code_id: &str, now: OffsetDateTime) -> Result<u64> {
        let code_id = code_id.to_owned();
        self.write(move |c| {
            Box::pin(async move {
                exec(
                    c,
                    "UPDATE tokens SET revoked_at = $1 WHERE code_id = $2 AND revoked_at IS NULL",
                    params![to_millis(now), &code_id],
                )
                .await
            })
        })
        .await
    }
}

#[async_trait]
impl<B: Backend> TokenStore for SqlStore<B> {
    async fn revoke_token(&self, token_id: &str, now: OffsetDateTime) -> Result<bool> {
        let token_id = token_id.to_owned();
        self.write(move |c| {
            Box::pin(async move {
                exec(
                    c,
                    "UPDATE tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
                    params![to_millis(now), &token_id],
                )
                .await
            })
        })
        .await
        .map(|n| n > 0)
    }

    async fn insert_token(&self, token: &TokenRecord) -> Result<()> {
        let token = token.clone();
        self.write(move |c| Box::pin(async move { insert_token(c, &token, true).await }))
            .await
    }

    async fn find_token(&self, token_hash: &str) -> Result<Option<TokenRecord>> {
        if let Some(hot) = self.backend.hot_reads() {
            return hot.find_token(token_hash);
        }
        self.one::<TokenRow>(FIND_TOKEN_SQL, params![token_hash])
            .await?
            .map(TokenRecord::try_from)
            .transpose()
    }

    async fn derive_token(
        &self,
        parent_id: &str,
        now: OffsetDateTime,
        child: &TokenRecord,
    ) -> Result<()> {
        let (parent_id, child) = (parent_id.to_owned(), child.clone());
        self.write(move |c| {
            Box::pin(async move {
                let found = returned(
                    c,
                    "UPDATE tokens SET derived_at = $1 WHERE id = $2 RETURNING id",
                    params![to_millis(now), &parent_id],
                )
                .await?;
                if !found {
                    return Err(StoreError::NotFound);
                }
                insert_token(c, &child, false).await
            })
        })
        .await
    }
}

#[async_trait]
impl<B: Backend> SessionStore for SqlStore<B> {
    async fn insert_csrf(
        &self,
        token_hash: &str,
        browser_id: &str,
        expires_at: OffsetDateTime,
    ) -> Result<()> {
        let params = params![token_hash, browser_id, to_millis(expires_at)];
        self.write(move |c| {
            Box::pin(async move {
                c.execute(
                    "INSERT INTO csrf_tokens (token_hash, browser_id, expires_at)
                     VALUES ($1, $2, $3)",
                    params,
                )
                .await
                .map_err(|e| write_err(e, || "csrf token".into(), || "already exists".into()))?;
                Ok(())
            })
        })
        .await
    }

    async fn consume_csrf(
        &self,
        token_hash: &str,
        browser_id: &str,
        now: OffsetDateTime,
    ) -> Result<bool> {
        let now = to_millis(now);
        let params = params![token_hash, browser_id, now];
        self.write(move |c| {
            Box::pin(async move {
                let used = exec(
                    c,
                    "UPDATE csrf_tokens SET used_at = $3
                     WHERE token_hash = $1 AND browser_id = $2 AND used_at IS NULL
                       AND expires_at > $3",
                    params,
                )
                .await?;
                // Cheap cleanup (indexed): tokens long expired can never be consumed again.
                exec(
                    c,
                    "DELETE FROM csrf_tokens WHERE expires_at <= $1",
                    params![now.saturating_sub(CSRF_SWEEP_GRACE_MS)],
                )
                .await?;
                Ok(used == 1)
            })
        })
        .await
    }

    async fn insert_journal_call(
        &self,
        call: &localgram_core::store::JournalCall,
        keep: i64,
    ) -> Result<()> {
        let call = call.clone();
        self.write(move |c| {
            Box::pin(async move {
                let id = one::<(i64,)>(
                    c,
                    "INSERT INTO journal_calls (at_ms, method, host, path, query, form, status,
                         graph_code, latency_ms, app, user_id, faults)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
                    params![
                        call.at_ms,
                        &call.method,
                        &call.host,
                        &call.path,
                        &call.query,
                        &call.form,
                        call.status,
                        call.graph_code,
                        call.latency_ms,
                        &call.app,
                        &call.user,
                        &call.faults
                    ],
                )
                .await?
                .map(|(id,)| id)
                .ok_or(StoreError::NotFound)?;
                exec(
                    c,
                    "DELETE FROM journal_calls WHERE id <= $1",
                    params![id - keep],
                )
                .await?;
                Ok(())
            })
        })
        .await
    }

    async fn list_journal_calls(
        &self,
        limit: i64,
    ) -> Result<Vec<localgram_core::store::JournalCall>> {
        let rows = self
            .all::<JournalRow>(
                "SELECT at_ms, method, host, path, query, form, status, graph_code, latency_ms,
                        app, user_id, faults
                 FROM journal_calls ORDER BY id DESC LIMIT $1",
                params![limit],
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| localgram_core::store::JournalCall {
                at_ms: r.at_ms,
                method: r.method,
                host: r.host,
                path: r.path,
                query: r.query,
                form: r.form,
                status: r.status,
                graph_code: r.graph_code,
                latency_ms: r.latency_ms,
                app: r.app,
                user: r.user_id,
                faults: r.faults,
            })
            .collect())
    }

    async fn clear_journal_calls(&self) -> Result<u64> {
        self.write(|c| {
            Box::pin(async move { exec(c, "DELETE FROM journal_calls", params![]).await })
        })
        .await
    }

    async fn put_fault_rule(&self, id: &str, spec: &str) -> Result<()> {
        let (id, spec) = (id.to_owned(), spec.to_owned());
        self.write(move |c| {
            Box::pin(async move {
                exec(
                    c,
                    "INSERT INTO fault_rules (id, position, spec, matched, fired)
                     VALUES ($1, (SELECT COALESCE(MAX(position), 0) + 1 FROM fault_rules), $2, 0, 0)
                     ON CONFLICT (id) DO UPDATE SET spec = $2, matched = 0, fired = 0",
                    params![&id, &spec],
                )
                .await?;
                Ok(())
            })
        })
        .await
    }

    async fn delete_fault_rule(&self, id: &str) -> Result<bool> {
        let id = id.to_owned();
        self.write(move |c| {
            Box::pin(
                async move { exec(c, "DELETE FROM fault_rules WHERE id = $1", params![&id]).await },
            )
        })
        .await
        .map(|n| n > 0)
    }

    async fn clear_fault_rules(&self) -> Result<u64> {
        self.write(|c| Box::pin(async move { exec(c, "DELETE FROM fault_rules", params![]).await }))
            .await
    }

    async fn list_fault_rules(&self) -> Result<Vec<(String, String, i64, i64)>> {
        Ok(self
            .all::<FaultRuleRow>(
                "SELECT id, spec, matched, fired FROM fault_rules ORDER BY position, id",
                params![],
            )
            .await?
            .into_iter()
            .map(|r| (r.id, r.spec, r.matched, r.fired))
            .collect())
    }

    async fn count_fault_match(
        &self,
        id: &str,
        fires: Box<dyn FnOnce(u64, u64) -> bool + Send>,
    ) -> Result<Option<(bool, u64)>> {
        let id = id.to_owned();
        self.write(move |c| {
            Box::pin(async move {
                // The update locks the row until the transaction ends: concurrent matches of one
                // rule, on any instance, are counted one after the other.
                let Some((matched, fired)) = one::<(i64, i64)>(
                    c,
                    "UPDATE fault_rules SET matched = matched + 1 WHERE id = $1
                     RETURNING matched, fired",
                    params![&id],
                )
                .await?
                else {
                    return Ok(None);
                };
                let n = u64::try_from(matched).unwrap_or(0);
                let fire = fires(n, u64::try_from(fired).unwrap_or(0));
                if fire {
                    exec(
                        c,
                        "UPDATE fault_rules SET fired = fired + 1 WHERE id = $1",
                        params![&id],
                    )
                    .await?;
                }
                Ok(Some((fire, n)))
            })
        })
        .await
    }

    async fn read_shared_clock(&self) -> Result<Option<(bool, i64, i64)>> {
        Ok(self
            .one::<(i64, i64, i64)>(
                "SELECT frozen, millis, generation FROM shared_clock WHERE id = 1",
                params![],
            )
            .await?
            .map(|(frozen, millis, generation)| (frozen != 0, millis, generation)))
    }

    async fn write_shared_clock(&self, frozen: bool, millis: i64) -> Result<i64> {
        self.write(move |c| {
            Box::pin(async move {
                one::<(i64,)>(
                    c,
                    "INSERT INTO shared_clock (id, frozen, millis, generation) VALUES (1, $1, $2, 1)
                     ON CONFLICT (id) DO UPDATE SET frozen = $1, millis = $2,
                         generation = shared_clock.generation + 1
                     RETURNING generation",
                    params![i64::from(frozen), millis],
                )
                .await?
                .map(|(g,)| g)
                .ok_or(StoreError::NotFound)
            })
        })
        .await
    }

    async fn put_reveal(
        &self,
        browser_id: &str,
        slot: &str,
        sealed: &str,
        expires_at: i64,
        now: i64,
    ) -> Result<()> {
        let (browser_id, slot, sealed) =
            (browser_id.to_owned(), slot.to_owned(), sealed.to_owned());
        self.write(move |c| {
            Box::pin(async move {
                exec(
                    c,
                    "DELETE FROM dashboard_reveals WHERE expires_at <= $1",
                    params![now],
                )
                .await?;
                exec(
                    c,
                    "INSERT INTO dashboard_reveals (browser_id, slot, sealed, expires_at)
                     VALUES ($1, $2, $3, $4)
                     ON CONFLICT (browser_id, slot) DO UPDATE
                         SET sealed = excluded.sealed, expires_at = excluded.expires_at",
                    params![&browser_id, &slot, &sealed, expires_at],
                )
                .await?;
                Ok(())
            })
        })
        .await
    }

    async fn take_reveal(&self, browser_id: &str, slot: &str, now: i64) -> Result<Option<String>> {
        let (browser_id, slot) = (browser_id.to_owned(), slot.to_owned());
        self.write(move |c| {
            Box::pin(async move {
                Ok(one::<(String, i64)>(
                    c,
                    "DELETE FROM dashboard_reveals WHERE browser_id = $1 AND slot = $2
                     RETURNING sealed, expires_at",
                    params![&browser_id, &slot],
                )
                .await?
                .filter(|(_, expires_at)| *expires_at > now)
                .map(|(sealed, _)| sealed))
            })
        })
        .await
    }

    async fn get_or_init_secret(&self, name: &str, candidate: &[u8]) -> Result<Vec<u8>> {
        let (name, candidate) = (name.to_owned(), candidate.to_vec());
        self.write(move |c| {
            Box::pin(async move {
                exec(
                    c,
                    "INSERT INTO server_secrets (name, value) VALUES ($1, $2)
                     ON CONFLICT (name) DO NOTHING",
                    params![&name, candidate],
                )
                .await?;
                one::<(Vec<u8>,)>(
                    c,
                    "SELECT value FROM server_secrets WHERE name = $1",
                    params![&name],
                )
                .await?
                .map(|(value,)| value)
                .ok_or(StoreError::NotFound)
            })
        })
        .await
    }
}

#[async_trait]
impl<B: Backend> WorldStore for SqlStore<B> {
    async fn is_empty(&self) -> Result<bool> {
        let (any,) = self
            .one::<(bool,)>(
                "SELECT EXISTS (SELECT 1 FROM apps) OR EXISTS (SELECT 1 FROM ig_users)
                     OR EXISTS (SELECT 1 FROM fb_users)",
                params![],
            )
            .await?
            .unwrap_or((false,));
        Ok(!any)
    }

    async fn apply_world(&self, plan: &WorldPlan) -> Result<()> {
        let plan = plan.clone();
        let media = plan.media.len();
        self.write(move |c| Box::pin(async move { apply_world(c, &plan).await }))
            .await?;
        self.backend.after_media_write(media).await
    }
}

/// Writes a world plan on the caller's transaction. Order follows the references: blobs, apps
/// and accounts, then media (albums before their children), cities and Pages, then the
/// replaced role sets, then tokens.
async fn apply_world(c: &mut dyn Conn, plan: &WorldPlan) -> Result<()> {
    for blob in &plan.blobs {
        insert_blob(c, blob).await?;
    }
    for app in &plan.apps {
        upsert_app(c, app).await?;
    }
    for user in &plan.ig_users {
        upsert_ig_user(c, user).await?;
    }
    for user in &plan.fb_users {
        upsert_fb_user(c, user).await?;
    }
    upsert_media(c, &plan.media).await?;
    for city in &plan.cities {
        upsert_city(c, city).await?;
    }
    for page in &plan.pages {
        upsert_page(c, page).await?;
    }
    for app in &plan.apps {
        for sql in [
            "DELETE FROM app_testers WHERE app_id = $1",
            "DELETE FROM app_roles WHERE app_id = $1",
        ] {
            exec(c, sql, params![&app.id]).await?;
        }
    }
    for tester in &plan.testers {
        upsert_tester(c, tester).await?;
    }
    for role in &plan.app_roles {
        upsert_app_role(c, role).await?;
    }
    for page in &plan.pages {
        exec(
            c,
            "DELETE FROM page_roles WHERE page_id = $1",
            params![&page.id],
        )
        .await?;
    }
    for role in &plan.page_roles {
        upsert_page_role(c, role).await?;
    }
    for token in &plan.tokens {
        insert_token(c, token, true).await?;
    }
    comment_sql::upsert_comments(c, &plan.comments).await?;
    comment_sql::apply_comment_switches(c, &plan.comment_switches).await?;
    for sub in &plan.subscriptions {
        webhook_sql::upsert_subscription(c, sub).await?;
    }
    for sub in &plan.account_subscriptions {
        webhook_sql::upsert_account_subscription(c, sub).await?;
    }
    for id in &plan.expired_stories {
        exec(
            c,
            "UPDATE ig_media SET story_insights_sent_ms = timestamp_ms + $2
             WHERE id = $1 AND story_insights_sent_ms IS NULL",
            params![
                id,
                localgram_core::model::STORY_LIFETIME.whole_milliseconds() as i64
            ],
        )
        .await?;
    }
    Ok(())
}

#[async_trait]
impl<B: Backend> DashboardStore for SqlStore<B> {
    async fn list_apps(&self) -> Result<Vec<App>> {
        self.all::<AppRow>(
            concat!("SELECT ", app_columns!(), " FROM apps ORDER BY name, id"),
            params![],
        )
        .await?
        .into_iter()
        .map(App::try_from)
        .collect()
    }

    async fn save_app(&self, app: &App) -> Result<()> {
        let app = app.clone();
        self.write(move |c| Box::pin(async move { upsert_app(c, &app).await }))
            .await
    }

    async fn list_ig_users(&self) -> Result<Vec<IgUser>> {
        Ok(self
            .all::<IgUserRow>(
                concat!(
                    "SELECT ",
                    ig_user_columns!(),
                    " FROM ig_users ORDER BY username"
                ),
                params![],
            )
            .await?
            .into_iter()
            .map(IgUser::from)
            .collect())
    }

    async fn list_testers(&self, app_id: &str) -> Result<Vec<AppTester>> {
        self.all::<AppTesterRow>(
            "SELECT app_id, ig_user_id, status FROM app_testers WHERE app_id = $1
             ORDER BY ig_user_id",
            params![app_id],
        )
        .await?
        .into_iter()
        .map(AppTester::try_from)
        .collect()
    }

    async fn list_invitations(&self, ig_user_id: &str) -> Result<Vec<AppTester>> {
        self.all::<AppTesterRow>(
            "SELECT app_id, ig_user_id, status FROM app_testers WHERE ig_user_id = $1
             ORDER BY app_id",
            params![ig_user_id],
        )
        .await?
        .into_iter()
        .map(AppTester::try_from)
        .collect()
    }

    async fn set_tester(&self, tester: &AppTester) -> Result<()> {
        let tester = tester.clone();
        self.write(move |c| {
            Box::pin(async move {
                require_row(c, "apps", &tester.app_id).await?;
                require_row(c, "ig_users", &tester.ig_user_id).await?;
                upsert_tester(c, &tester).await
            })
        })
        .await
    }

    async fn remove_tester(&self, app_id: &str, ig_user_id: &str) -> Result<bool> {
        let params = params![app_id, ig_user_id];
        self.write(move |c| {
            Box::pin(async move {
                let n = exec(
                    c,
                    "DELETE FROM app_testers WHERE app_id = $1 AND ig_user_id = $2",
                    params,
                )
                .await?;
                Ok(n > 0)
            })
        })
        .await
    }

    async fn list_app_roles(&self, app_id: &str) -> Result<Vec<AppRole>> {
        Ok(self
            .all::<AppRoleRow>(
                "SELECT app_id, fb_user_id, role FROM app_roles WHERE app_id = $1
                 ORDER BY fb_user_id",
                params![app_id],
            )
            .await?
            .into_iter()
            .map(AppRole::from)
            .collect())
    }

    async fn set_app_role(&self, role: &AppRole) -> Result<()> {
        let role = role.clone();
        self.write(move |c| {
            Box::pin(async move {
                require_row(c, "apps", &role.app_id).await?;
                require_row(c, "fb_users", &role.fb_user_id).await?;
                upsert_app_role(c, &role).await
            })
        })
        .await
    }

    async fn remove_app_role(&self, app_id: &str, fb_user_id: &str) -> Result<bool> {
        let params = params![app_id, fb_user_id];
        self.write(move |c| {
            Box::pin(async move {
                let n = exec(
                    c,
                    "DELETE FROM app_roles WHERE app_id = $1 AND fb_user_id = $2",
                    params,
                )
                .await?;
                Ok(n > 0)
            })
        })
        .await
    }

    async fn list_authorized_apps(
        &self,
        ig_user_id: &str,
        now: OffsetDateTime,
    ) -> Result<Vec<AuthorizedApp>> {
        let rows = self
            .all::<(String, String, Json<Vec<String>>)>(
                "SELECT a.id, a.name, t.scopes FROM tokens AS t JOIN apps AS a ON a.id = t.app_id
                 WHERE t.user_kind = 'instagram' AND t.user_id = $1 AND t.revoked_at IS NULL
                   AND (t.expires_at IS NULL OR t.expires_at > $2)
                 ORDER BY a.name, a.id",
                params![ig_user_id, to_millis(now)],
            )
            .await?;
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
        let (app_id, ig_user_id) = (app_id.to_owned(), ig_user_id.to_owned());
        self.write(move |c| {
            Box::pin(
                async move { revoke_user_tokens(c, &app_id, "instagram", &ig_user_id, now).await },
            )
        })
        .await
    }
}

#[async_trait]
impl<B: Backend> Store for SqlStore<B> {
    async fn ping(&self) -> Result<()> {
        exec(&mut *self.backend.reader(), "SELECT 1", params![]).await?;
        Ok(())
    }

    fn backend(&self) -> &'static str {
        B::NAME
    }

    async fn flush(&self) -> Result<()> {
        self.backend.flush().await
    }

    fn data_version(&self) -> Option<u64> {
        self.backend.data_version()
    }

    fn last_data_version(&self) -> Option<u64> {
        self.backend.last_data_version()
    }
}

#[async_trait]
impl<B: Backend> MediaStore for SqlStore<B> {
    async fn find_media(&self, id: &str) -> Result<Option<IgMedia>> {
        if let Some(hot) = self.backend.hot_reads() {
            return hot.find_media(id);
        }
        Ok(self
            .one::<IgMediaRow>(FIND_MEDIA_SQL, params![id])
            .await?
            .map(IgMedia::try_from)
            .transpose()?)
    }

    async fn list_children(&self, parent_id: &str) -> Result<Vec<IgMedia>> {
        if let Some(hot) = self.backend.hot_reads() {
            return hot.list_children(parent_id);
        }
        Ok(self
            .all::<IgMediaRow>(&children_sql(B::BYTEWISE), params![parent_id])
            .await?
            .into_iter()
            .map(IgMedia::try_from)
            .collect::<Result<_>>()?)
    }

    async fn list_media(&self, query: &MediaQuery) -> Result<Vec<IgMedia>> {
        if let Some(hot) = self.backend.hot_reads() {
            return hot.list_media(query);
        }
        let (sql, params) = media_page_sql(query, B::BYTEWISE);
        Ok(self
            .all::<IgMediaRow>(&sql, params)
            .await?
            .into_iter()
            .map(IgMedia::try_from)
            .collect::<Result<_>>()?)
    }

    async fn listed_media_key_at(&self, owner_id: &str, offset: i64) -> Result<Option<MediaKey>> {
        if offset < 0 {
            return Ok(None);
        }
        if let Some(hot) = self.backend.hot_reads() {
            return hot.listed_media_key_at(owner_id, offset);
        }
        Ok(self
            .one::<MediaKeyRow>(&media_key_at_sql(B::BYTEWISE), params![owner_id, offset])
            .await?
            .map(MediaKey::from))
    }

    async fn upsert_media(&self, media: &[IgMedia]) -> Result<()> {
        let media = media.to_vec();
        let written = media.len();
        self.write(move |c| Box::pin(async move { upsert_media(c, &media).await }))
            .await?;
        self.backend.after_media_write(written).await
    }
}

#[async_trait]
impl<B: Backend> BlobStore for SqlStore<B> {
    async fn put_blob(&self, blob: &Blob) -> Result<()> {
        let blob = blob.clone();
        self.write(move |c| Box::pin(async move { insert_blob(c, &blob).await }))
            .await
    }

    async fn find_blob(&self, sha256: &str) -> Result<Option<Blob>> {
        if let Some(hot) = self.backend.hot_reads() {
            return hot.find_blob(sha256);
        }
        Ok(self
            .one::<BlobRow>(FIND_BLOB_SQL, params![sha256])
            .await?
            .map(Blob::from))
    }
}

#[async_trait]
impl<B: Backend> RateStore for SqlStore<B> {
    async fn hit_counters(
        &self,
        buckets: &[&str],
        window_start: i64,
        sum_from: i64,
    ) -> Result<Vec<i64>> {
        self.backend
            .hit_counters(buckets, window_start, sum_from)
            .await
    }

    async fn read_counter(&self, bucket: &str, sum_from: i64) -> Result<i64> {
        self.backend.read_counter(bucket, sum_from).await
    }
}

#[async_trait]
impl<B: Backend> PageStore for SqlStore<B> {
    async fn upsert_fb_grant(&self, grant: &FbGrant) -> Result<()> {
        let grant = grant.clone();
        self.write(move |c| Box::pin(async move { upsert_fb_grant(c, &grant).await }))
            .await
    }

    async fn find_fb_grant(&self, app_id: &str, fb_user_id: &str) -> Result<Option<FbGrant>> {
        Ok(self
            .one::<FbGrantRow>(
                "SELECT app_id, fb_user_id, scopes, page_ids, granted_at
                 FROM fb_grants WHERE app_id = $1 AND fb_user_id = $2",
                params![app_id, fb_user_id],
            )
            .await?
            .map(FbGrant::from))
    }

    async fn revoke_fb_grant(
        &self,
        app_id: &str,
        fb_user_id: &str,
        now: OffsetDateTime,
    ) -> Result<u64> {
        let (app_id, fb_user_id) = (app_id.to_owned(), fb_user_id.to_owned());
        self.write(move |c| {
            Box::pin(async move {
                exec(
                    c,
                    "DELETE FROM fb_grants WHERE app_id = $1 AND fb_user_id = $2",
                    params![&app_id, &fb_user_id],
                )
                .await?;
                revoke_user_tokens(c, &app_id, "facebook", &fb_user_id, now).await
            })
        })
        .await
    }

    async fn find_page(&self, id: &str) -> Result<Option<Page>> {
        Ok(self
            .one::<PageRow>(
                &format!("SELECT {PAGE_COLUMNS} FROM pages AS p WHERE p.id = $1"),
                params![id],
            )
            .await?
            .map(Page::from))
    }

    async fn list_user_pages(&self, fb_user_id: &str) -> Result<Vec<UserPage>> {
        Ok(self
            .all::<UserPageRow>(
                &format!(
                    "SELECT {PAGE_COLUMNS}, r.tasks FROM page_roles AS r
                     JOIN pages AS p ON p.id = r.page_id
                     WHERE r.fb_user_id = $1 ORDER BY p.id {}",
                    B::BYTEWISE
                ),
                params![fb_user_id],
            )
            .await?
            .into_iter()
            .map(UserPage::from)
            .collect())
    }

    async fn list_cities(&self) -> Result<Vec<City>> {
        Ok(self
            .all::<CityRow>(
                &format!(
                    "SELECT id, name, state, country, latitude, longitude, radius_km
                     FROM cities ORDER BY id {}",
                    B::BYTEWISE
                ),
                params![],
            )
            .await?
            .into_iter()
            .map(City::from)
            .collect())
    }

    async fn create_page(&self, page: &Page, role: &PageRole) -> Result<()> {
        let (page, role) = (page.clone(), role.clone());
        self.write(move |c| {
            Box::pin(async move {
                let sql = page_insert("ON CONFLICT (id) DO NOTHING RETURNING id");
                let inserted = c
                    .fetch_optional(&sql, page_params(&page))
                    .await
                    .map_err(|e| {
                        write_err(
                            e,
                            || format!("page {}", page.id),
                            || "already exists".into(),
                        )
                    })?;
                if inserted.is_none() {
                    return Err(StoreError::Conflict {
                        what: format!("page {} already exists", page.id),
                    });
                }
                upsert_page_role(c, &role).await
            })
        })
        .await
    }

    async fn add_test_user(
        &self,
        new_user: Option<&FbUser>,
        link: &TestUserLink,
        grant: Option<&FbGrant>,
        limit: i64,
    ) -> Result<bool> {
        let (new_user, link, grant) = (new_user.cloned(), link.clone(), grant.cloned());
        self.write(move |c| {
            Box::pin(async move {
                // Concurrent additions to one app queue on the app's row (PostgreSQL), so the
                // count below is exact.
                exec(
                    c,
                    &format!("SELECT id FROM apps WHERE id = $1{}", B::FOR_UPDATE),
                    params![&link.app_id],
                )
                .await?;
                let (count,) = one::<(i64,)>(
                    c,
                    "SELECT COUNT(*) FROM fb_test_users WHERE app_id = $1",
                    params![&link.app_id],
                )
                .await?
                .unwrap_or((0,));
                if count >= limit {
                    return Ok(false);
                }
                if let Some(u) = &new_user {
                    let inserted = c
                        .fetch_optional(
                            concat!(
                                "INSERT INTO fb_users (",
                                fb_user_columns!(),
                                ") VALUES ($1, $2, $3, $4, $5, $6, $7)
                                 ON CONFLICT (id) DO NOTHING RETURNING id"
                            ),
                            fb_user_params(u),
                        )
                        .await
                        .map_err(|e| {
                            write_err(
                                e,
                                || format!("facebook user {}", u.id),
                                || "already exists".into(),
                            )
                        })?;
                    if inserted.is_none() {
                        return Err(StoreError::Conflict {
                            what: format!("facebook user {} already exists", u.id),
                        });
                    }
                }
                c.execute(
                    "INSERT INTO fb_test_users (app_id, fb_user_id, created_at)
                     VALUES ($1, $2, $3)",
                    params![&link.app_id, &link.fb_user_id, to_millis(link.created_at)],
                )
                .await
                .map_err(|e| {
                    write_err(
                        e,
                        || format!("test user {} of app {}", link.fb_user_id, link.app_id),
                        || "already exists".into(),
                    )
                })?;
                if let Some(g) = &grant {
                    upsert_fb_grant(c, g).await?;
                }
                Ok(true)
            })
        })
        .await
    }

    async fn list_test_users(&self, app_id: &str) -> Result<Vec<TestUserLink>> {
        let rows = self
            .all::<(String, String, i64)>(
                &format!(
                    "SELECT app_id, fb_user_id, created_at FROM fb_test_users WHERE app_id = $1
                     ORDER BY created_at, fb_user_id {}",
                    B::BYTEWISE
                ),
                params![app_id],
            )
            .await?;
        Ok(rows.into_iter().map(test_user_link).collect())
    }

    async fn find_test_user(&self, app_id: &str, fb_user_id: &str) -> Result<Option<TestUserLink>> {
        let row = self
            .one::<(String, String, i64)>(
                "SELECT app_id, fb_user_id, created_at FROM fb_test_users
                 WHERE app_id = $1 AND fb_user_id = $2",
                params![app_id, fb_user_id],
            )
            .await?;
        Ok(row.map(test_user_link))
    }

    async fn remove_test_user(
        &self,
        app_id: &str,
        fb_user_id: &str,
        now: OffsetDateTime,
    ) -> Result<TestUserRemoval> {
        let (app_id, fb_user_id) = (app_id.to_owned(), fb_user_id.to_owned());
        self.write(move |c| {
            Box::pin(async move {
                exec(
                    c,
                    &format!("SELECT id FROM apps WHERE id = $1{}", B::FOR_UPDATE),
                    params![&app_id],
                )
                .await?;
                let linked = all::<(String,)>(
                    c,
                    "SELECT fb_user_id FROM fb_test_users WHERE app_id = $1",
                    params![&app_id],
                )
                .await?;
                let outcome = if !linked.iter().any(|(u,)| *u == fb_user_id) {
                    TestUserRemoval::NotFound
                } else if linked.len() == 1 {
                    TestUserRemoval::OnlyOne
                } else {
                    TestUserRemoval::Removed
                };
                if outcome != TestUserRemoval::Removed {
                    return Ok(outcome);
                }
                for sql in [
                    "DELETE FROM fb_test_users WHERE app_id = $1 AND fb_user_id = $2",
                    "DELETE FROM fb_grants WHERE app_id = $1 AND fb_user_id = $2",
                ] {
                    exec(c, sql, params![&app_id, &fb_user_id]).await?;
                }
                revoke_user_tokens(c, &app_id, "facebook", &fb_user_id, now).await?;
                Ok(TestUserRemoval::Removed)
            })
        })
        .await
    }
}

fn test_user_link((app_id, fb_user_id, created_at): (String, String, i64)) -> TestUserLink {
    TestUserLink {
        app_id,
        fb_user_id,
        created_at: localgram_core::clock::from_millis(created_at),
    }
}

pub(crate) mod state;

#[cfg(test)]
mod retry_tests {
    use super::*;
    use crate::error::DbError;

    /// A connection whose first `failures` statements fail with `error`; it counts its runs.
    struct Failing {
        failures: u32,
        error: fn() -> DbError,
        runs: u32,
    }

    impl Failing {
        fn new(failures: u32, error: fn() -> DbError) -> RetryLost<Self> {
            RetryLost(Self {
                failures,
                error,
                runs: 0,
            })
        }

        fn run(&mut self) -> Result<Option<Row>, DbError> {
            self.runs += 1;
            if self.runs <= self.failures {
                return Err((self.error)());
            }
            Ok(Some(Row {
                columns: vec!["n".to_owned()].into(),
                values: vec![Value::Int(1)],
            }))
        }
    }

    #[async_trait]
    impl Conn for Failing {
        async fn execute(&mut self, _: &str, _: Vec<Value>) -> Result<u64, DbError> {
            self.run().map(|_| 1)
        }

        async fn fetch_all(&mut self, _: &str, _: Vec<Value>) -> Result<Vec<Row>, DbError> {
            self.run().map(|row| row.into_iter().collect())
        }

        async fn fetch_optional(&mut self, _: &str, _: Vec<Value>) -> Result<Option<Row>, DbError> {
            self.run()
        }
    }

    fn lost() -> DbError {
        DbError::Lost(anyhow::anyhow!("deadlock detected"))
    }

    fn broken() -> DbError {
        DbError::Other(anyhow::anyhow!("syntax error"))
    }

    #[tokio::test]
    async fn a_read_that_loses_a_deadlock_runs_again() {
        let mut c = Failing::new(READ_ATTEMPTS - 1, lost);
        assert_eq!(c.fetch_all("SELECT 1", params![]).await.unwrap().len(), 1);
        assert_eq!(c.0.runs, READ_ATTEMPTS);
        let mut c = Failing::new(1, lost);
        assert_eq!(c.execute("SELECT 1", params![]).await.unwrap(), 1);
        assert_eq!(c.0.runs, 2);
        // Losing every time: the last loss is the answer, after every attempt.
        let mut c = Failing::new(u32::MAX, lost);
        let answer = c.fetch_optional("SELECT 1", params![]).await;
        assert!(matches!(answer, Err(DbError::Lost(_))), "{answer:?}");
        assert_eq!(c.0.runs, READ_ATTEMPTS);
        // Any other failure is the answer at once.
        let mut c = Failing::new(1, broken);
        let answer = c.fetch_all("SELECT 1", params![]).await;
        assert!(matches!(answer, Err(DbError::Other(_))), "{answer:?}");
        assert_eq!(c.0.runs, 1);
    }
}
