//! Row types, as read from the database, and their conversion into the domain records of
//! `localgram_core::model`. Timestamps are epoch milliseconds; JSON columns decode through
//! [`Json`]. A row that does not convert (an unknown enum spelling) is a [`StoreError::Other`].

use crate::value::{DecodeError, FromRow, Json, Row, Value, row_type};
use anyhow::anyhow;
use localgram_core::clock::from_millis;
use localgram_core::model::{
    App, AppMode, AppRole, AppTester, AuthCode, Blob, FbUser, IgMedia, IgUser, InstagramApp,
    MediaProductType, MediaType, PkceMethod, Product, RateLimits, Subject, TesterStatus, TokenKind,
    TokenRecord, TokenResponseShape,
};
use localgram_core::store::{MediaKey, StoreError};

/// A row that holds something the domain does not know.
fn corrupt(table: &str, id: &str, what: std::fmt::Arguments<'_>) -> StoreError {
    StoreError::Other(anyhow!("{table} row {id:?}: {what}"))
}

/// The spellings of `products`, as stored.
pub(crate) fn product_names(products: &[Product]) -> Value {
    Value::json(&products.iter().map(|p| p.as_str()).collect::<Vec<_>>())
}

/// `apps.rate_limits` as stored: NULL when every limit is the server's default.
pub(crate) fn rate_limits_json(limits: &RateLimits) -> Value {
    Value::json_or_null((*limits != RateLimits::default()).then_some(limits))
}

row_type!(
    /// An `apps` row.
    AppRow {
    id: String,
    name: String,
    secret_hash: String,
    mode: String,
    products: Json<Vec<String>>,
    redirect_uris: Json<Vec<String>>,
    require_appsecret_proof: bool,
    token_response_shape: String,
    test_user_limit: i64,
    secret_sealed: Option<String>,
    rate_limits: Option<Json<RateLimits>>,
    deauthorize_callback_url: Option<String>,
    data_deletion_url: Option<String>,
    page_creation_allowed: bool,
    contact_email: Option<String>,
    site_url: Option<String>,
    instagram_app_id: Option<String>,
    instagram_app_name: Option<String>,
    instagram_secret_hash: Option<String>,
    instagram_secret_sealed: Option<String>,
});

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
            page_creation_allowed: row.page_creation_allowed,
            contact_email: row.contact_email,
            site_url: row.site_url,
            instagram_app: match (row.instagram_app_id, row.instagram_secret_hash) {
                (Some(id), Some(secret_hash)) => Some(InstagramApp {
                    id,
                    name: row.instagram_app_name.unwrap_or_default(),
                    secret_hash,
                    secret_sealed: row.instagram_secret_sealed,
                }),
                _ => None,
            },
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

row_type!(
    /// An `app_testers` row.
    AppTesterRow {
    app_id: String,
    ig_user_id: String,
    status: String,
});

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

row_type!(
    /// An `app_roles` row.
    AppRoleRow {
    app_id: String,
    fb_user_id: String,
    role: String,
});

impl From<AppRoleRow> for AppRole {
    fn from(row: AppRoleRow) -> Self {
        Self {
            app_id: row.app_id,
            fb_user_id: row.fb_user_id,
            role: row.role,
        }
    }
}

row_type!(
    /// An `ig_users` row.
    IgUserRow {
    id: String,
    username: String,
    password_hash: String,
    account_type: String,
    name: String,
    biography: String,
    website: String,
    is_private: bool,
    followers_count: i64,
    follows_count: i64,
    profile_picture: Option<String>,
    profile_blob: Option<String>,
});

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

row_type!(
    /// An `ig_media` row.
    IgMediaRow {
    id: String,
    owner_id: String,
    parent_id: Option<String>,
    position: i64,
    media_type: String,
    caption: Option<String>,
    timestamp_ms: i64,
    file: Option<String>,
    thumbnail_file: Option<String>,
    shortcode: String,
    copyright_flagged: bool,
    media_product_type: String,
    is_shared_to_feed: Option<bool>,
    media_blob: Option<String>,
    thumbnail_blob: Option<String>,
});

impl TryFrom<IgMediaRow> for IgMedia {
    type Error = StoreError;

    fn try_from(row: IgMediaRow) -> Result<Self, StoreError> {
        let media_type = MediaType::parse(&row.media_type).ok_or_else(|| {
            corrupt(
                "ig_media",
                &row.id,
                format_args!("unknown media_type {:?}", row.media_type),
            )
        })?;
        let media_product_type =
            MediaProductType::parse(&row.media_product_type).ok_or_else(|| {
                corrupt(
                    "ig_media",
                    &row.id,
                    format_args!("unknown media_product_type {:?}", row.media_product_type),
                )
            })?;
        Ok(Self {
            id: row.id,
            owner_id: row.owner_id,
            parent_id: row.parent_id,
            position: row.position,
            media_type,
            caption: row.caption,
            timestamp: from_millis(row.timestamp_ms),
            file: row.file,
            thumbnail_file: row.thumbnail_file,
            shortcode: row.shortcode,
            copyright_flagged: row.copyright_flagged,
            media_product_type,
            is_shared_to_feed: row.is_shared_to_feed,
            media_blob: row.media_blob,
            thumbnail_blob: row.thumbnail_blob,
        })
    }
}

row_type!(
    /// The keyset position of an `ig_media` row.
    MediaKeyRow {
    timestamp_ms: i64,
    id: String,
});

impl From<MediaKeyRow> for MediaKey {
    fn from(row: MediaKeyRow) -> Self {
        Self {
            timestamp: from_millis(row.timestamp_ms),
            id: row.id,
        }
    }
}

row_type!(
    /// A `blobs` row (its `size` column is not read: it is `bytes`' length).
    BlobRow {
    sha256: String,
    content_type: String,
    bytes: Vec<u8>,
});

impl From<BlobRow> for Blob {
    fn from(row: BlobRow) -> Self {
        Self {
            sha256: row.sha256,
            content_type: row.content_type,
            bytes: row.bytes,
        }
    }
}

row_type!(
    /// An `fb_users` row.
    FbUserRow {
    id: String,
    name: String,
    email: Option<String>,
    password_hash: Option<String>,
    test_user: bool,
    checkpointed: bool,
    blocked: bool,
});

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

row_type!(
    /// An `auth_codes` row.
    AuthCodeRow {
    id: String,
    code_hash: String,
    app_id: String,
    user_kind: String,
    user_id: Option<String>,
    redirect_uri: String,
    scopes: Json<Vec<String>>,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
    issued_at: i64,
    expires_at: i64,
    consumed_at: Option<i64>,
});

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

row_type!(
    /// A `tokens` row.
    TokenRow {
    id: String,
    token_hash: String,
    app_id: String,
    kind: String,
    user_kind: String,
    user_id: Option<String>,
    page_id: Option<String>,
    scopes: Json<Vec<String>>,
    issued_at: i64,
    expires_at: Option<i64>,
    revoked_at: Option<i64>,
    code_id: Option<String>,
    parent_id: Option<String>,
    derived_at: Option<i64>,
});

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

row_type!(
    /// A `pages` row.
    PageRow {
    id: String,
    name: String,
    category_enum: String,
    about: String,
    description: String,
    phone: String,
    website: String,
    is_place: bool,
    is_promotable: bool,
    business_id: String,
    instagram_business_account: Option<String>,
    extra: Json<serde_json::Value>,
});

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
#[derive(Debug)]
pub(crate) struct UserPageRow {
    pub page: PageRow,
    pub tasks: Json<Vec<String>>,
}

impl FromRow for UserPageRow {
    fn from_row(mut row: Row) -> Result<Self, DecodeError> {
        let tasks = row.get("tasks")?;
        Ok(Self {
            page: PageRow::from_row(row)?,
            tasks,
        })
    }
}

impl From<UserPageRow> for localgram_core::store::UserPage {
    fn from(row: UserPageRow) -> Self {
        Self {
            page: row.page.into(),
            tasks: row.tasks.0,
        }
    }
}

row_type!(
    /// A `cities` row.
    CityRow {
    id: String,
    name: String,
    state: String,
    country: String,
    latitude: f64,
    longitude: f64,
    radius_km: f64,
});

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

row_type!(
    /// An `fb_grants` row.
    FbGrantRow {
    app_id: String,
    fb_user_id: String,
    scopes: Json<Vec<String>>,
    page_ids: Json<Vec<String>>,
    granted_at: i64,
});

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
