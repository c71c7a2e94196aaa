#![doc = include_str!("../README.md")]

mod error;
mod rows;

use std::collections::HashMap;
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
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::types::Json;
use sqlx::{PgConnection, Postgres, QueryBuilder, Transaction};
use time::OffsetDateTime;

use crate::error::{map_err, migrate_err, write_err};
use crate::rows::{
    AppRoleRow, AppRow, AppTesterRow, AuthCodeRow, BlobRow, CityRow, FbGrantRow, FbUserRow,
    IgMediaRow, IgUserRow, MediaKeyRow, PageRow, TokenRow, UserPageRow, product_names,
    rate_limits_json, tester_status,
};

/// The schema, embedded at build time.
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// How long a caller waits for a pooled connection before the store reports itself unavailable.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(2);
/// Used CSRF tokens are kept this long past their expiry before [`SessionStore::consume_csrf`]
/// sweeps them (a grace period, so moving the emulator clock back a little does not matter).
const CSRF_SWEEP_GRACE_MS: i64 = 24 * 60 * 60 * 1000;
/// Rows per multi-row `INSERT` of media: 15 parameters each, well under the protocol's limit of
/// 65535 bound parameters per statement.
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

/// The condition of *listed* media: top-level, feed posts and reels (no stories, no ads).
macro_rules! listed {
    () => {
        "parent_id IS NULL AND media_product_type IN ('FEED', 'REELS')"
    };
}

/// The store on PostgreSQL.
///
/// Every write is one transaction at the default READ COMMITTED isolation. The single-use rules
/// (a code redeemed once, a token derived once, a CSRF token used once) are conditional
/// `UPDATE … WHERE <not yet used> … RETURNING`: concurrent updaters of the same row queue on its
/// row lock and re-check the condition once the first commits, so exactly one of them wins.
#[derive(Debug, Clone)]
pub struct PgStore {
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
        let store = Self { pool };
        if run_migrations {
            store.migrate().await?;
        }
        tracing::debug!(migrated = run_migrations, "postgres store connected");
        Ok(store)
    }

    /// Applies pending migrations (sqlx takes an advisory lock, so concurrent instances may
    /// all call this).
    pub async fn migrate(&self) -> Result<()> {
        MIGRATOR.run(&self.pool).await.map_err(migrate_err)
    }

    /// The pool, for tests and tools that need raw SQL.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Opens a write transaction (READ COMMITTED). Dropping it uncommitted rolls it back.
    async fn write(&self) -> Result<Transaction<'static, Postgres>> {
        self.pool.begin().await.map_err(map_err)
    }
}

/// Media writes smaller than this never refresh the planner's statistics themselves.
const BULK_MEDIA_ROWS: usize = 1000;

impl PgStore {
    /// Refreshes the planner's statistics of `ig_media` after a bulk write of `written` rows
    /// that grew the table by a tenth or more (autovacuum's analyze threshold, applied at once).
    ///
    /// Without it, a world loaded into a fresh database keeps the statistics of the empty
    /// table until autovacuum's next round: the planner then estimates a handful of rows per
    /// account and reads a media page as a bitmap scan of the whole account plus a sort, so
    /// the first page of a 100,000-media account took ten times as long as the last. With
    /// fresh statistics every page is an ordered index scan that stops after `limit + 1` rows.
    async fn refresh_media_statistics(&self, written: usize) -> Result<()> {
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

async fn commit(tx: Transaction<'static, Postgres>) -> Result<()> {
    tx.commit().await.map_err(map_err)
}

/// Inserts a token; with `or_ignore`, a token whose hash exists already is left as it is.
async fn insert_token(conn: &mut PgConnection, t: &TokenRecord, or_ignore: bool) -> Result<()> {
    let sql = if or_ignore {
        "INSERT INTO tokens (id, token_hash, app_id, kind, user_kind, user_id, page_id, scopes,
             issued_at, expires_at, revoked_at, code_id, parent_id, derived_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
         ON CONFLICT (token_hash) DO NOTHING"
    } else {
        "INSERT INTO tokens (id, token_hash, app_id, kind, user_kind, user_id, page_id, scopes,
             issued_at, expires_at, revoked_at, code_id, parent_id, derived_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
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

async fn upsert_app(conn: &mut PgConnection, app: &App) -> Result<()> {
    sqlx::query(
        "INSERT INTO apps (id, name, secret_hash, mode, products, redirect_uris,
             require_appsecret_proof, token_response_shape, test_user_limit, rate_limits,
             deauthorize_callback_url, data_deletion_url, secret_sealed)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
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

async fn upsert_ig_user(conn: &mut PgConnection, u: &IgUser) -> Result<()> {
    sqlx::query(
        "INSERT INTO ig_users (id, username, password_hash, account_type, name, biography,
             website, is_private, followers_count, follows_count, profile_picture, profile_blob)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
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

async fn upsert_fb_user(conn: &mut PgConnection, u: &FbUser) -> Result<()> {
    sqlx::query(
        "INSERT INTO fb_users (id, name, email, password_hash, test_user, checkpointed, blocked)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
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
async fn upsert_media(conn: &mut PgConnection, media: &[IgMedia]) -> Result<()> {
    for chunk in media_write_order(media).chunks(MEDIA_CHUNK) {
        let mut insert = QueryBuilder::<Postgres>::new(concat!(
            "INSERT INTO ig_media (",
            media_columns!(),
            ") "
        ));
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
async fn insert_blob(conn: &mut PgConnection, blob: &Blob) -> Result<()> {
    sqlx::query(
        "INSERT INTO blobs (sha256, content_type, size, bytes) VALUES ($1, $2, $3, $4)
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

async fn upsert_city(conn: &mut PgConnection, c: &City) -> Result<()> {
    sqlx::query(
        "INSERT INTO cities (id, name, state, country, latitude, longitude, radius_km)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
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

async fn upsert_page(conn: &mut PgConnection, p: &Page) -> Result<()> {
    sqlx::query(
        "INSERT INTO pages (id, name, category_enum, about, description, phone, website,
             is_place, is_promotable, business_id, instagram_business_account, extra)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
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

async fn upsert_tester(conn: &mut PgConnection, t: &AppTester) -> Result<()> {
    sqlx::query(
        "INSERT INTO app_testers (app_id, ig_user_id, status) VALUES ($1, $2, $3)
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

async fn upsert_app_role(conn: &mut PgConnection, r: &AppRole) -> Result<()> {
    sqlx::query(
        "INSERT INTO app_roles (app_id, fb_user_id, role) VALUES ($1, $2, $3)
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

async fn upsert_page_role(conn: &mut PgConnection, r: &PageRole) -> Result<()> {
    sqlx::query(
        "INSERT INTO page_roles (page_id, fb_user_id, tasks) VALUES ($1, $2, $3)
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
impl AppStore for PgStore {
    async fn find_app(&self, id: &str) -> Result<Option<App>> {
        sqlx::query_as::<_, AppRow>(concat!(
            "SELECT ",
            app_columns!(),
            " FROM apps WHERE id = $1"
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
            "SELECT status FROM app_testers WHERE app_id = $1 AND ig_user_id = $2",
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
            "SELECT app_id, fb_user_id, role FROM app_roles WHERE app_id = $1 AND fb_user_id = $2",
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
impl AccountStore for PgStore {
    async fn find_ig_user(&self, id: &str) -> Result<Option<IgUser>> {
        Ok(sqlx::query_as::<_, IgUserRow>(
            "SELECT id, username, password_hash, account_type, name, biography, website,
                    is_private, followers_count, follows_count, profile_picture, profile_blob
             FROM ig_users WHERE id = $1",
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
             FROM ig_users WHERE username = $1",
        )
        .bind(username)
        .fetch_optional(&self.pool)
        .await
        .map_err(map_err)?
        .map(IgUser::from))
    }

    async fn count_media(&self, owner_id: &str) -> Result<i64> {
        sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM ig_media WHERE owner_id = $1 AND parent_id IS NULL",
        )
        .bind(owner_id)
        .fetch_one(&self.pool)
        .await
        .map_err(map_err)
    }

    async fn find_fb_user(&self, id: &str) -> Result<Option<FbUser>> {
        Ok(sqlx::query_as::<_, FbUserRow>(
            "SELECT id, name, email, password_hash, test_user, checkpointed, blocked
             FROM fb_users WHERE id = $1",
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
             FROM fb_users WHERE email = $1",
        )
        .bind(email)
        .fetch_optional(&self.pool)
        .await
        .map_err(map_err)?
        .map(FbUser::from))
    }
}

#[async_trait]
impl GrantStore for PgStore {
    async fn insert_code(&self, code: &AuthCode) -> Result<()> {
        let mut tx = self.write().await?;
        sqlx::query(
            "INSERT INTO auth_codes (id, code_hash, app_id, user_kind, user_id, redirect_uri,
                 scopes, code_challenge, code_challenge_method, issued_at, expires_at, consumed_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
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
             FROM auth_codes WHERE code_hash = $1",
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
            "UPDATE auth_codes SET consumed_at = $1
             WHERE id = $2 AND consumed_at IS NULL AND expires_at > $1
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
            "UPDATE tokens SET revoked_at = $1 WHERE code_id = $2 AND revoked_at IS NULL",
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
impl TokenStore for PgStore {
    async fn insert_token(&self, token: &TokenRecord) -> Result<()> {
        let mut tx = self.write().await?;
        insert_token(&mut tx, token, true).await?;
        commit(tx).await
    }

    async fn find_token(&self, token_hash: &str) -> Result<Option<TokenRecord>> {
        sqlx::query_as::<_, TokenRow>(
            "SELECT id, token_hash, app_id, kind, user_kind, user_id, page_id, scopes, issued_at,
                    expires_at, revoked_at, code_id, parent_id, derived_at
             FROM tokens WHERE token_hash = $1",
        )
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
            "UPDATE tokens SET derived_at = $1 WHERE id = $2 AND derived_at IS NULL RETURNING id",
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
impl SessionStore for PgStore {
    async fn insert_csrf(
        &self,
        token_hash: &str,
        browser_id: &str,
        expires_at: OffsetDateTime,
    ) -> Result<()> {
        let mut tx = self.write().await?;
        sqlx::query(
            "INSERT INTO csrf_tokens (token_hash, browser_id, expires_at) VALUES ($1, $2, $3)",
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
            "UPDATE csrf_tokens SET used_at = $3
             WHERE token_hash = $1 AND browser_id = $2 AND used_at IS NULL AND expires_at > $3",
        )
        .bind(token_hash)
        .bind(browser_id)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?
        .rows_affected();
        // Cheap cleanup (indexed): tokens long expired can never be consumed again.
        sqlx::query("DELETE FROM csrf_tokens WHERE expires_at <= $1")
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
            "INSERT INTO server_secrets (name, value) VALUES ($1, $2)
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(candidate)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        let value =
            sqlx::query_scalar::<_, Vec<u8>>("SELECT value FROM server_secrets WHERE name = $1")
                .bind(name)
                .fetch_one(&mut *tx)
                .await
                .map_err(map_err)?;
        commit(tx).await?;
        Ok(value)
    }
}

#[async_trait]
impl WorldStore for PgStore {
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
                "DELETE FROM app_testers WHERE app_id = $1",
                "DELETE FROM app_roles WHERE app_id = $1",
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
            sqlx::query("DELETE FROM page_roles WHERE page_id = $1")
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
        commit(tx).await?;
        self.refresh_media_statistics(plan.media.len()).await
    }
}

/// [`StoreError::NotFound`] unless `SELECT 1 FROM {table} WHERE id = $1` finds a row.
async fn require_row(conn: &mut PgConnection, table: &str, id: &str) -> Result<()> {
    let sql = format!("SELECT 1 FROM {table} WHERE id = $1");
    let found = sqlx::query(&sql)
        .bind(id)
        .fetch_optional(conn)
        .await
        .map_err(map_err)?;
    found.map(|_| ()).ok_or(StoreError::NotFound)
}

#[async_trait]
impl DashboardStore for PgStore {
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
            "SELECT app_id, ig_user_id, status FROM app_testers WHERE app_id = $1
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
            "SELECT app_id, ig_user_id, status FROM app_testers WHERE ig_user_id = $1
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
        let n = sqlx::query("DELETE FROM app_testers WHERE app_id = $1 AND ig_user_id = $2")
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
            "SELECT app_id, fb_user_id, role FROM app_roles WHERE app_id = $1 ORDER BY fb_user_id",
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
        let n = sqlx::query("DELETE FROM app_roles WHERE app_id = $1 AND fb_user_id = $2")
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
             WHERE t.user_kind = 'instagram' AND t.user_id = $1 AND t.revoked_at IS NULL
               AND (t.expires_at IS NULL OR t.expires_at > $2)
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
            "UPDATE tokens SET revoked_at = $1
             WHERE app_id = $2 AND user_kind = 'instagram' AND user_id = $3
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
impl Store for PgStore {
    async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    fn backend(&self) -> &'static str {
        "postgres"
    }
}

#[async_trait]
impl MediaStore for PgStore {
    async fn find_media(&self, id: &str) -> Result<Option<IgMedia>> {
        Ok(sqlx::query_as::<_, IgMediaRow>(concat!(
            "SELECT ",
            media_columns!(),
            " FROM ig_media WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(map_err)?
        .map(IgMedia::from))
    }

    async fn list_children(&self, parent_id: &str) -> Result<Vec<IgMedia>> {
        Ok(sqlx::query_as::<_, IgMediaRow>(concat!(
            "SELECT ",
            media_columns!(),
            " FROM ig_media WHERE parent_id = $1 ORDER BY position, id COLLATE \"C\""
        ))
        .bind(parent_id)
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?
        .into_iter()
        .map(IgMedia::from)
        .collect())
    }

    async fn list_media(&self, query: &MediaQuery) -> Result<Vec<IgMedia>> {
        // Keys compare as (timestamp_ms, id) tuples, ids bytewise (`COLLATE "C"`, like Rust's
        // `String` order and SQLite's BINARY, whatever the database's collation). Each key bound
        // is written as `timestamp_ms <op>= t AND (timestamp_ms <op> t OR id <op> i)`, equivalent
        // to the tuple comparison; its first half bounds the scan of the
        // (owner_id, timestamp_ms DESC, id COLLATE "C" DESC) index, which also yields the order
        // (no sorting step: checked with EXPLAIN).
        let mut select = QueryBuilder::<Postgres>::new(concat!(
            "SELECT ",
            media_columns!(),
            " FROM ig_media WHERE "
        ));
        select.push(listed!()).push(" AND owner_id = ");
        select.push_bind(&query.owner_id);
        let keys = [
            (&query.older_than, "<", "<"),
            (&query.newer_than, ">", ">"),
            (&query.not_older_than, ">", ">="),
        ];
        for (key, strict, on_tie) in keys {
            let Some(MediaKey { timestamp, id }) = key else {
                continue;
            };
            let ts = to_millis(*timestamp);
            select.push(format_args!(" AND timestamp_ms {strict}= "));
            select.push_bind(ts);
            select.push(format_args!(" AND (timestamp_ms {strict} "));
            select.push_bind(ts);
            select.push(format_args!(" OR id COLLATE \"C\" {on_tie} "));
            select.push_bind(id);
            select.push(")");
        }
        if let Some(since) = query.since {
            select.push(" AND timestamp_ms >= ");
            select.push_bind(to_millis(since));
        }
        if let Some(until) = query.until {
            select.push(" AND timestamp_ms <= ");
            select.push_bind(to_millis(until));
        }
        select.push(match query.order {
            MediaOrder::NewestFirst => " ORDER BY timestamp_ms DESC, id COLLATE \"C\" DESC LIMIT ",
            MediaOrder::OldestFirst => " ORDER BY timestamp_ms ASC, id COLLATE \"C\" ASC LIMIT ",
        });
        select.push_bind(query.limit.max(0));
        Ok(select
            .build_query_as::<IgMediaRow>()
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
        Ok(sqlx::query_as::<_, MediaKeyRow>(concat!(
            "SELECT timestamp_ms, id FROM ig_media WHERE ",
            listed!(),
            " AND owner_id = $1 ORDER BY timestamp_ms DESC, id COLLATE \"C\" DESC
              LIMIT 1 OFFSET $2"
        ))
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
        commit(tx).await?;
        self.refresh_media_statistics(media.len()).await
    }
}

#[async_trait]
impl BlobStore for PgStore {
    async fn put_blob(&self, blob: &Blob) -> Result<()> {
        let mut tx = self.write().await?;
        insert_blob(&mut tx, blob).await?;
        commit(tx).await
    }

    async fn find_blob(&self, sha256: &str) -> Result<Option<Blob>> {
        Ok(sqlx::query_as::<_, BlobRow>(
            "SELECT sha256, content_type, bytes FROM blobs WHERE sha256 = $1",
        )
        .bind(sha256)
        .fetch_optional(&self.pool)
        .await
        .map_err(map_err)?
        .map(Blob::from))
    }
}

#[async_trait]
impl RateStore for PgStore {
    async fn hit_counter(&self, bucket: &str, window_start: i64, sum_from: i64) -> Result<i64> {
        // The upsert takes the counter row's lock and keeps it until commit: concurrent callers
        // on the same (bucket, window) queue behind it, and each one's SUM (a fresh READ
        // COMMITTED snapshot) sees every earlier caller's increment, so every sum is distinct.
        let mut tx = self.write().await?;
        sqlx::query(
            "INSERT INTO rate_counters (bucket, window_start, n) VALUES ($1, $2, 1)
             ON CONFLICT (bucket, window_start) DO UPDATE SET n = rate_counters.n + 1",
        )
        .bind(bucket)
        .bind(window_start)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        // Opportunistic cleanup: windows before `sum_from` no longer count. Rows another caller
        // holds are skipped rather than waited for (no lock queue, no deadlock).
        sqlx::query(
            "DELETE FROM rate_counters WHERE (bucket, window_start) IN (
                 SELECT bucket, window_start FROM rate_counters
                 WHERE bucket = $1 AND window_start < $2
                 FOR UPDATE SKIP LOCKED)",
        )
        .bind(bucket)
        .bind(sum_from)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        let total = sqlx::query_scalar::<_, i64>(
            "SELECT COALESCE(SUM(n), 0)::BIGINT FROM rate_counters
             WHERE bucket = $1 AND window_start >= $2",
        )
        .bind(bucket)
        .bind(sum_from)
        .fetch_one(&mut *tx)
        .await
        .map_err(map_err)?;
        commit(tx).await?;
        Ok(total)
    }

    async fn read_counter(&self, bucket: &str, sum_from: i64) -> Result<i64> {
        // SUM(bigint) is NUMERIC in Postgres: cast back.
        sqlx::query_scalar::<_, i64>(
            "SELECT COALESCE(SUM(n), 0)::BIGINT FROM rate_counters
             WHERE bucket = $1 AND window_start >= $2",
        )
        .bind(bucket)
        .bind(sum_from)
        .fetch_one(&self.pool)
        .await
        .map_err(map_err)
    }
}

const PAGE_COLUMNS: &str = "p.id, p.name, p.category_enum, p.about, p.description, p.phone,
    p.website, p.is_place, p.is_promotable, p.business_id, p.instagram_business_account, p.extra";

#[async_trait]
impl PageStore for PgStore {
    async fn upsert_fb_grant(&self, grant: &FbGrant) -> Result<()> {
        let mut tx = self.write().await?;
        sqlx::query(
            "INSERT INTO fb_grants (app_id, fb_user_id, scopes, page_ids, granted_at)
             VALUES ($1, $2, $3, $4, $5)
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
             FROM fb_grants WHERE app_id = $1 AND fb_user_id = $2",
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
        sqlx::query("DELETE FROM fb_grants WHERE app_id = $1 AND fb_user_id = $2")
            .bind(app_id)
            .bind(fb_user_id)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        let revoked = sqlx::query(
            "UPDATE tokens SET revoked_at = $1
             WHERE app_id = $2 AND user_kind = 'facebook' AND user_id = $3
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
            "SELECT {PAGE_COLUMNS} FROM pages AS p WHERE p.id = $1"
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
             WHERE r.fb_user_id = $1 ORDER BY p.id COLLATE \"C\""
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
             FROM cities ORDER BY id COLLATE \"C\"",
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
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
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
        sqlx::query("SELECT id FROM apps WHERE id = $1 FOR UPDATE")
            .bind(&link.app_id)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM fb_test_users WHERE app_id = $1")
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
                 VALUES ($1, $2, $3, $4, $5, $6, $7)
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
            "INSERT INTO fb_test_users (app_id, fb_user_id, created_at) VALUES ($1, $2, $3)",
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
                 VALUES ($1, $2, $3, $4, $5)
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
            "SELECT app_id, fb_user_id, created_at FROM fb_test_users WHERE app_id = $1
             ORDER BY created_at, fb_user_id COLLATE \"C\"",
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
             WHERE app_id = $1 AND fb_user_id = $2",
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
        sqlx::query("SELECT id FROM apps WHERE id = $1 FOR UPDATE")
            .bind(app_id)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        let linked: Vec<String> =
            sqlx::query_scalar("SELECT fb_user_id FROM fb_test_users WHERE app_id = $1")
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
            "DELETE FROM fb_test_users WHERE app_id = $1 AND fb_user_id = $2",
            "DELETE FROM fb_grants WHERE app_id = $1 AND fb_user_id = $2",
        ] {
            sqlx::query(sql)
                .bind(app_id)
                .bind(fb_user_id)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
        }
        sqlx::query(
            "UPDATE tokens SET revoked_at = $1
             WHERE app_id = $2 AND user_kind = 'facebook' AND user_id = $3
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
