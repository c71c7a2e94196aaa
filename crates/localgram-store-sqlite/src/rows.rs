//! Row types, as read from the database, and their conversion into the domain records of
//! `localgram_core::model`. Timestamps are epoch milliseconds; JSON columns decode through
//! [`Json`]. A row that does not convert (an unknown enum spelling) is a [`StoreError::Other`].

use anyhow::anyhow;
use localgram_core::clock::from_millis;
use localgram_core::model::{
    App, AppMode, AppRole, AppTester, AuthCode, Blob, FbUser, IgMedia, IgUser, PkceMethod, Product,
    RateLimits, Subject, TesterStatus, TokenKind, TokenRecord, TokenResponseShape,
};
use localgram_core::store::{MediaKey, StoreError};
use sqlx::types::Json;

/// A row that holds something the domain does not know.
fn corrupt(table: &str, id: &str, what: std::fmt::Arguments<'_>) -> StoreError {
    StoreError::Other(anyhow!("{table} row {id:?}: {what}"))
}

/// The spellings of `products`, as stored.
pub(crate) fn product_names(products: &[Product]) -> Json<Vec<&'static str>> {
    Json(products.iter().map(|p| p.as_str()).collect())
}

/// `apps.rate_limits` as stored: NULL when every limit is the server's default.
pub(crate) fn rate_limits_json(limits: &RateLimits) -> Option<Json<&RateLimits>> {
    (*limits != RateLimits::default()).then_some(Json(limits))
}

/// An `apps` row.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct AppRow {
    pub id: String,
    pub name: String,
    pub secret_hash: String,
    pub mode: String,
    pub products: Json<Vec<String>>,
    pub redirect_uris: Json<Vec<String>>,
    pub require_appsecret_proof: bool,
    pub token_response_shape: String,
    pub test_user_limit: i64,
    pub secret_sealed: Option<String>,
    pub rate_limits: Option<Json<RateLimits>>,
    pub deauthorize_callback_url: Option<String>,
    pub data_deletion_url: Option<String>,
}

impl TryFrom<AppRow> for App {
    type Error = StoreError;

    fn try_from(row: AppRow) -> Result<Self, StoreError> {
        let mode = AppMode::parse(&row.mode)
            .ok_or_else(|| corrupt("apps", &row.id, format_args!("unknown mode {:?}", row.mode)))?;
        let token_response_shape = TokenResponseShape::parse(&row.token_response_shape)
            .ok_or_else(|| {
                corrupt(
                    "apps",
                    &row.id,
                    format_args!(
                        "unknown token_response_shape {:?}",
                        row.token_response_shape
                    ),
                )
            })?;
        let products = row
            .products
            .0
            .iter()
            .map(|p| {
                Product::parse(p)
                    .ok_or_else(|| corrupt("apps", &row.id, format_args!("unknown product {p:?}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            id: row.id,
            name: row.name,
            secret_hash: row.secret_hash,
            mode,
            products,
            redirect_uris: row.redirect_uris.0,
            require_appsecret_proof: row.require_appsecret_proof,
            token_response_shape,
            test_user_limit: row.test_user_limit,
            secret_sealed: row.secret_sealed,
            rate_limits: row.rate_limits.map(|limits| limits.0).unwrap_or_default(),
            deauthorize_callback_url: row.deauthorize_callback_url,
            data_deletion_url: row.data_deletion_url,
        })
    }
}

/// Parses an `app_testers.status` value.
pub(crate) fn tester_status(app_id: &str, status: &str) -> Result<TesterStatus, StoreError> {
    TesterStatus::parse(status).ok_or_else(|| {
        corrupt(
            "app_testers",
            app_id,
            format_args!("unknown status {status:?}"),
        )
    })
}

/// An `app_testers` row.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct AppTesterRow {
    pub app_id: String,
    pub ig_user_id: String,
    pub status: String,
}

impl TryFrom<AppTesterRow> for AppTester {
    type Error = StoreError;

    fn try_from(row: AppTesterRow) -> Result<Self, StoreError> {
        Ok(Self {
            status: tester_status(&row.app_id, &row.status)?,
            app_id: row.app_id,
            ig_user_id: row.ig_user_id,
        })
    }
}

/// An `app_roles` row.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct AppRoleRow {
    pub app_id: String,
    pub fb_user_id: String,
    pub role: String,
}

impl From<AppRoleRow> for AppRole {
    fn from(row: AppRoleRow) -> Self {
        Self {
            app_id: row.app_id,
            fb_user_id: row.fb_user_id,
            role: row.role,
        }
    }
}

/// An `ig_users` row.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct IgUserRow {
    pub id: String,
    pub username: String,
    pub password_hash: String,
    pub account_type: String,
    pub name: String,
    pub biography: String,
    pub website: String,
    pub is_private: bool,
    pub followers_count: i64,
    pub follows_count: i64,
    pub profile_picture: Option<String>,
    pub profile_blob: Option<String>,
}

impl From<IgUserRow> for IgUser {
    fn from(row: IgUserRow) -> Self {
        Self {
            id: row.id,
            username: row.username,
            password_hash: row.password_hash,
            account_type: row.account_type,
            name: row.name,
            biography: row.biography,
            website: row.website,
            is_private: row.is_private,
            followers_count: row.followers_count,
            follows_count: row.follows_count,
            profile_picture: row.profile_picture,
            profile_blob: row.profile_blob,
        }
    }
}

/// An `ig_media` row.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct IgMediaRow {
    pub id: String,
    pub owner_id: String,
    pub parent_id: Option<String>,
    pub position: i64,
    pub media_type: String,
    pub caption: Option<String>,
    pub timestamp_ms: i64,
    pub file: Option<String>,
    pub thumbnail_file: Option<String>,
    pub shortcode: String,
    pub copyright_flagged: bool,
    pub media_product_type: String,
    pub is_shared_to_feed: Option<bool>,
    pub media_blob: Option<String>,
    pub thumbnail_blob: Option<String>,
}

impl IgMediaRow {
    /// Reads the media columns (in `media_columns!` order) from a row of the read path.
    pub(crate) fn from_rusqlite(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: row.get(0)?,
            owner_id: row.get(1)?,
            parent_id: row.get(2)?,
            position: row.get(3)?,
            media_type: row.get(4)?,
            caption: row.get(5)?,
            timestamp_ms: row.get(6)?,
            file: row.get(7)?,
            thumbnail_file: row.get(8)?,
            shortcode: row.get(9)?,
            copyright_flagged: row.get(10)?,
            media_product_type: row.get(11)?,
            is_shared_to_feed: row.get(12)?,
            media_blob: row.get(13)?,
            thumbnail_blob: row.get(14)?,
        })
    }
}

impl From<IgMediaRow> for IgMedia {
    fn from(row: IgMediaRow) -> Self {
        Self {
            id: row.id,
            owner_id: row.owner_id,
            parent_id: row.parent_id,
            position: row.position,
            media_type: row.media_type,
            caption: row.caption,
            timestamp: from_millis(row.timestamp_ms),
            file: row.file,
            thumbnail_file: row.thumbnail_file,
            shortcode: row.shortcode,
            copyright_flagged: row.copyright_flagged,
            media_product_type: row.media_product_type,
            is_shared_to_feed: row.is_shared_to_feed,
            media_blob: row.media_blob,
            thumbnail_blob: row.thumbnail_blob,
        }
    }
}

/// The keyset position of an `ig_media` row.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct MediaKeyRow {
    pub timestamp_ms: i64,
    pub id: String,
}

impl From<MediaKeyRow> for MediaKey {
    fn from(row: MediaKeyRow) -> Self {
        Self {
            timestamp: from_millis(row.timestamp_ms),
            id: row.id,
        }
    }
}

/// A `blobs` row (its `size` column is not read: it is `bytes`' length).
#[derive(sqlx::FromRow)]
pub(crate) struct BlobRow {
    pub sha256: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

impl From<BlobRow> for Blob {
    fn from(row: BlobRow) -> Self {
        Self {
            sha256: row.sha256,
            content_type: row.content_type,
            bytes: row.bytes,
        }
    }
}

/// An `fb_users` row.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct FbUserRow {
    pub id: String,
    pub name: String,
    pub email: Option<String>,
    pub password_hash: Option<String>,
    pub test_user: bool,
    pub checkpointed: bool,
    pub blocked: bool,
}

impl From<FbUserRow> for FbUser {
    fn from(row: FbUserRow) -> Self {
        Self {
            id: row.id,
            name: row.name,
            email: row.email,
            password_hash: row.password_hash,
            test_user: row.test_user,
            checkpointed: row.checkpointed,
            blocked: row.blocked,
        }
    }
}

/// Rebuilds a subject from `user_kind` and `user_id`.
fn subject(
    table: &str,
    id: &str,
    kind: &str,
    user_id: Option<String>,
) -> Result<Subject, StoreError> {
    Subject::from_parts(kind, user_id).ok_or_else(|| {
        corrupt(
            table,
            id,
            format_args!("user_kind {kind:?} does not fit its user_id"),
        )
    })
}

/// An `auth_codes` row.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct AuthCodeRow {
    pub id: String,
    pub code_hash: String,
    pub app_id: String,
    pub user_kind: String,
    pub user_id: Option<String>,
    pub redirect_uri: String,
    pub scopes: Json<Vec<String>>,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
    pub issued_at: i64,
    pub expires_at: i64,
    pub consumed_at: Option<i64>,
}

impl TryFrom<AuthCodeRow> for AuthCode {
    type Error = StoreError;

    fn try_from(row: AuthCodeRow) -> Result<Self, StoreError> {
        let subject = subject("auth_codes", &row.id, &row.user_kind, row.user_id)?;
        let code_challenge_method = row
            .code_challenge_method
            .map(|m| {
                PkceMethod::parse(&m).ok_or_else(|| {
                    corrupt(
                        "auth_codes",
                        &row.id,
                        format_args!("unknown challenge method {m:?}"),
                    )
                })
            })
            .transpose()?;
        Ok(Self {
            id: row.id,
            code_hash: row.code_hash,
            app_id: row.app_id,
            subject,
            redirect_uri: row.redirect_uri,
            scopes: row.scopes.0,
            code_challenge: row.code_challenge,
            code_challenge_method,
            issued_at: from_millis(row.issued_at),
            expires_at: from_millis(row.expires_at),
            consumed_at: row.consumed_at.map(from_millis),
        })
    }
}

/// A `tokens` row.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct TokenRow {
    pub id: String,
    pub token_hash: String,
    pub app_id: String,
    pub kind: String,
    pub user_kind: String,
    pub user_id: Option<String>,
    pub page_id: Option<String>,
    pub scopes: Json<Vec<String>>,
    pub issued_at: i64,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
    pub code_id: Option<String>,
    pub parent_id: Option<String>,
    pub derived_at: Option<i64>,
}

impl TokenRow {
    /// Reads the token columns (in `token_columns!` order) from a row of the read path.
    pub(crate) fn from_rusqlite(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        let scopes: String = row.get(7)?;
        let scopes = serde_json::from_str(&scopes).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(7, rusqlite::types::Type::Text, Box::new(e))
        })?;
        Ok(Self {
            id: row.get(0)?,
            token_hash: row.get(1)?,
            app_id: row.get(2)?,
            kind: row.get(3)?,
            user_kind: row.get(4)?,
            user_id: row.get(5)?,
            page_id: row.get(6)?,
            scopes: Json(scopes),
            issued_at: row.get(8)?,
            expires_at: row.get(9)?,
            revoked_at: row.get(10)?,
            code_id: row.get(11)?,
            parent_id: row.get(12)?,
            derived_at: row.get(13)?,
        })
    }
}

impl TryFrom<TokenRow> for TokenRecord {
    type Error = StoreError;

    fn try_from(row: TokenRow) -> Result<Self, StoreError> {
        let kind = TokenKind::parse(&row.kind).ok_or_else(|| {
            corrupt(
                "tokens",
                &row.id,
                format_args!("unknown kind {:?}", row.kind),
            )
        })?;
        let subject = subject("tokens", &row.id, &row.user_kind, row.user_id)?;
        Ok(Self {
            id: row.id,
            token_hash: row.token_hash,
            app_id: row.app_id,
            kind,
            subject,
            page_id: row.page_id,
            scopes: row.scopes.0,
            issued_at: from_millis(row.issued_at),
            expires_at: row.expires_at.map(from_millis),
            revoked_at: row.revoked_at.map(from_millis),
            code_id: row.code_id,
            parent_id: row.parent_id,
            derived_at: row.derived_at.map(from_millis),
        })
    }
}

/// A `pages` row.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct PageRow {
    pub id: String,
    pub name: String,
    pub category_enum: String,
    pub about: String,
    pub description: String,
    pub phone: String,
    pub website: String,
    pub is_place: bool,
    pub is_promotable: bool,
    pub business_id: String,
    pub instagram_business_account: Option<String>,
    pub extra: Json<serde_json::Value>,
}

impl From<PageRow> for localgram_core::model::Page {
    fn from(row: PageRow) -> Self {
        Self {
            id: row.id,
            name: row.name,
            category_enum: row.category_enum,
            about: row.about,
            description: row.description,
            phone: row.phone,
            website: row.website,
            is_place: row.is_place,
            is_promotable: row.is_promotable,
            business_id: row.business_id,
            instagram_business_account: row.instagram_business_account,
            extra: row.extra.0,
        }
    }
}

/// A `pages` row joined with the tasks of one user (`page_roles.tasks`).
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct UserPageRow {
    #[sqlx(flatten)]
    pub page: PageRow,
    pub tasks: Json<Vec<String>>,
}

impl From<UserPageRow> for localgram_core::store::UserPage {
    fn from(row: UserPageRow) -> Self {
        Self {
            page: row.page.into(),
            tasks: row.tasks.0,
        }
    }
}

/// A `cities` row.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct CityRow {
    pub id: String,
    pub name: String,
    pub state: String,
    pub country: String,
    pub latitude: f64,
    pub longitude: f64,
    pub radius_km: f64,
}

impl From<CityRow> for localgram_core::model::City {
    fn from(row: CityRow) -> Self {
        Self {
            id: row.id,
            name: row.name,
            state: row.state,
            country: row.country,
            latitude: row.latitude,
            longitude: row.longitude,
            radius_km: row.radius_km,
        }
    }
}

/// An `fb_grants` row.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct FbGrantRow {
    pub app_id: String,
    pub fb_user_id: String,
    pub scopes: Json<Vec<String>>,
    pub page_ids: Json<Vec<String>>,
    pub granted_at: i64,
}

impl From<FbGrantRow> for localgram_core::model::FbGrant {
    fn from(row: FbGrantRow) -> Self {
        Self {
            app_id: row.app_id,
            fb_user_id: row.fb_user_id,
            scopes: row.scopes.0,
            page_ids: row.page_ids.0,
            granted_at: from_millis(row.granted_at),
        }
    }
}
