//! The records Localgram keeps: apps, accounts, media, Pages, codes and tokens. Plain data, free of
//! HTTP and SQL; the stores convert them to and from rows.

pub mod comment;
pub mod container;
pub mod webhook;

use time::OffsetDateTime;

/// Whether an app is in development mode (only app-role users and accepted testers may authorize
/// it) or live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppMode {
    /// Only app-role users and accepted Instagram testers may authorize the app.
    Development,
    /// Anyone may authorize the app.
    Live,
}

impl AppMode {
    /// The world-file and store spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Development => "development",
            Self::Live => "live",
        }
    }

    /// Parses the world-file spelling.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "development" => Some(Self::Development),
            "live" => Some(Self::Live),
            _ => None,
        }
    }
}

/// The Meta products an app has added.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Product {
    /// Instagram Basic Display.
    InstagramBasicDisplay,
    /// Instagram API with Instagram Login.
    InstagramLogin,
    /// Facebook Login.
    FacebookLogin,
}

impl Product {
    /// The world-file and store spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InstagramBasicDisplay => "instagram_basic_display",
            Self::InstagramLogin => "instagram_login",
            Self::FacebookLogin => "facebook_login",
        }
    }

    /// Parses the world-file spelling.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "instagram_basic_display" => Some(Self::InstagramBasicDisplay),
            "instagram_login" => Some(Self::InstagramLogin),
            "facebook_login" => Some(Self::FacebookLogin),
            _ => None,
        }
    }
}

/// The shape of the Instagram Login code-exchange response
/// (`docs/graph-api.md#code-exchange-shapes`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenResponseShape {
    /// `{"access_token", "user_id", "permissions": [...]}`.
    Flat,
    /// `{"data": [{"access_token", "user_id": "…", "permissions": "a,b"}]}`.
    Wrapped,
}

impl TokenResponseShape {
    /// The world-file and store spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Flat => "flat",
            Self::Wrapped => "wrapped",
        }
    }

    /// Parses the world-file spelling.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "flat" => Some(Self::Flat),
            "wrapped" => Some(Self::Wrapped),
            _ => None,
        }
    }
}

/// A Meta app (its Instagram app id and Facebook app id are the same in Localgram).
#[derive(Debug, Clone, PartialEq)]
pub struct App {
    /// The app id, a string of digits.
    pub id: String,
    /// The app's display name.
    pub name: String,
    /// SHA-256 of the app secret, which authenticates it.
    pub secret_hash: String,
    /// The app secret sealed with the instance key ([`crate::seal::Sealer`]), the only way it
    /// is kept, to check `appsecret_proof`; `None` for apps stored before sealing existed.
    pub secret_sealed: Option<String>,
    /// Development or live.
    pub mode: AppMode,
    /// Products added to the app.
    pub products: Vec<Product>,
    /// "Valid OAuth Redirect URIs", matched exactly.
    pub redirect_uris: Vec<String>,
    /// Whether Graph calls must carry `appsecret_proof`.
    pub require_appsecret_proof: bool,
    /// The Instagram Login code-exchange response shape.
    pub token_response_shape: TokenResponseShape,
    /// The maximum number of Facebook test users.
    pub test_user_limit: i64,
    /// Rate limits set for this app (unset values fall back to the server's).
    pub rate_limits: RateLimits,
    /// The "Deauthorize callback URL" of the App Dashboard, if set.
    pub deauthorize_callback_url: Option<String>,
    /// The "Data deletion request URL" of the App Dashboard, if set.
    pub data_deletion_url: Option<String>,
    /// Whether Meta has allowlisted the app for Page creation: its users may create Pages with
    /// `POST /{user-id}/accounts` even when they are not test users.
    pub page_creation_allowed: bool,
    /// The "App contact email" typed when the app was created, if any.
    pub contact_email: Option<String>,
    /// The Website platform's "Site URL" (Settings → Basic → Add Platform), if added.
    pub site_url: Option<String>,
    /// The Instagram app made by Instagram Basic Display's "Create New App", if any: its id and
    /// secret are what the Instagram authorize window and code exchange take
    /// (`docs/dashboard.md#instagram-app`).
    pub instagram_app: Option<InstagramApp>,
}

/// The Instagram app of a Facebook app (Instagram Basic Display → "Create New App"): an id and a
/// secret of its own, accepted wherever the Instagram OAuth endpoints take `client_id` and
/// `client_secret`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstagramApp {
    /// The Instagram App ID, a string of digits distinct from every app id.
    pub id: String,
    /// The display name typed in "Create New App".
    pub name: String,
    /// SHA-256 of the Instagram App Secret.
    pub secret_hash: String,
    /// The Instagram App Secret sealed with the instance key (bound to [`InstagramApp::id`]).
    pub secret_sealed: Option<String>,
}

/// Per-app rate limits (`docs/graph-api.md#rate-limits`). `None` means "the server's default".
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimits {
    /// Platform limit (Basic Display): calls of the whole app per rolling hour; code 4.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_calls_per_hour: Option<i64>,
    /// Platform limit (Basic Display): calls of one app-and-user pair per rolling hour; code 17.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_calls_per_hour: Option<i64>,
    /// Business Use Case limit (Instagram Login): calls of one app-and-account pair per rolling
    /// 24 hours; code 80002.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business_calls_per_day: Option<i64>,
}

/// An Instagram tester's invitation state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TesterStatus {
    /// Invited, not yet accepted: cannot authorize a development-mode app.
    Invited,
    /// Accepted: may authorize a development-mode app.
    Accepted,
    /// Declined by the invited account: cannot authorize; the app may invite it again.
    Declined,
}

impl TesterStatus {
    /// The store spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Invited => "invited",
            Self::Accepted => "accepted",
            Self::Declined => "declined",
        }
    }

    /// Parses the store spelling.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "invited" => Some(Self::Invited),
            "accepted" => Some(Self::Accepted),
            "declined" => Some(Self::Declined),
            _ => None,
        }
    }
}

/// An Instagram tester of an app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppTester {
    /// The app.
    pub app_id: String,
    /// The Instagram user.
    pub ig_user_id: String,
    /// Invited or accepted.
    pub status: TesterStatus,
}

/// What a Facebook user granted an app in the Login dialog: the permissions left ticked and the
/// Pages chosen. Without a grant row (a token declared by the world file), every permission of
/// the token and every Page the user has a task on count as granted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FbGrant {
    /// The app.
    pub app_id: String,
    /// The Facebook user.
    pub fb_user_id: String,
    /// Granted permissions.
    pub scopes: Vec<String>,
    /// Pages the app may see.
    pub page_ids: Vec<String>,
    /// When the grant was last given.
    pub granted_at: OffsetDateTime,
}

/// A Facebook test user's association with an app (`docs/graph-api.md#test-users`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestUserLink {
    /// The app.
    pub app_id: String,
    /// The test user.
    pub fb_user_id: String,
    /// When the user was created for, or associated with, the app.
    pub created_at: OffsetDateTime,
}

/// What removing a test user from an app did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestUserRemoval {
    /// The association, the app's grant and the app's tokens of the user are gone.
    Removed,
    /// The user is not a test user of the app.
    NotFound,
    /// The user is the app's only test user; nothing was written.
    OnlyOne,
}

/// A Facebook app role (admin, developer or tester).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppRole {
    /// The app.
    pub app_id: String,
    /// The Facebook user.
    pub fb_user_id: String,
    /// `admin`, `developer` or `tester`.
    pub role: String,
}

/// An emulated Instagram account.
#[derive(Debug, Clone, PartialEq)]
pub struct IgUser {
    /// The account id.
    pub id: String,
    /// Unique username.
    pub username: String,
    /// argon2 hash of the login password.
    pub password_hash: String,
    /// `PERSONAL`, `BUSINESS` or `MEDIA_CREATOR`.
    pub account_type: String,
    /// Display name.
    pub name: String,
    /// Profile biography.
    pub biography: String,
    /// Profile website.
    pub website: String,
    /// Whether the account is private.
    pub is_private: bool,
    /// Follower count.
    pub followers_count: i64,
    /// Follows count.
    pub follows_count: i64,
    /// Path of the profile picture file, if the world gave one.
    pub profile_picture: Option<String>,
    /// SHA-256 of the stored profile picture bytes (see [`Blob`]), if any.
    pub profile_blob: Option<String>,
}

/// A media object of an Instagram account (a post, a reel, a story, an album or an album child).
/// Declares a closed set of Graph strings as an enum with `as_str`, `parse` and `ALL`.
macro_rules! graph_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vdoc])* $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The Graph API's spelling.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            /// The value spelled `s` (exactly, upper case), if any.
            pub fn parse(s: &str) -> Option<Self> {
                match s {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

graph_enum! {
    /// A media object's `media_type`.
    MediaType {
        /// A photo.
        Image = "IMAGE",
        /// A video (a reel included).
        Video = "VIDEO",
        /// An album of photos and videos.
        CarouselAlbum = "CAROUSEL_ALBUM",
    }
}

graph_enum! {
    /// A media object's `media_product_type`: where it was published.
    MediaProductType {
        /// The feed.
        Feed = "FEED",
        /// Reels.
        Reels = "REELS",
        /// A story.
        Story = "STORY",
        /// An ad.
        Ad = "AD",
    }
}

/// How long a story is shown: it expires this long after it was published, and then sends its
/// `story_insights` webhook update (`docs/webhooks.md#story-insights`).
pub const STORY_LIFETIME: time::Duration = time::Duration::hours(24);

#[derive(Debug, Clone, PartialEq)]
pub struct IgMedia {
    /// The media id.
    pub id: String,
    /// The owning account.
    pub owner_id: String,
    /// The album this media is a child of.
    pub parent_id: Option<String>,
    /// Position among the album's children (0 for top-level media).
    pub position: i64,
    /// `IMAGE`, `VIDEO` or `CAROUSEL_ALBUM`.
    pub media_type: MediaType,
    /// Caption, if any.
    pub caption: Option<String>,
    /// Publish time.
    pub timestamp: OffsetDateTime,
    /// Path of the media file, if the world gave one.
    pub file: Option<String>,
    /// Path of the video thumbnail, if the world gave one.
    pub thumbnail_file: Option<String>,
    /// The permalink's short code.
    pub shortcode: String,
    /// Copyright-flagged media lose `permalink` (and `media_url` for VIDEO).
    pub copyright_flagged: bool,
    /// `FEED`, `REELS`, `STORY` or `AD`.
    pub media_product_type: MediaProductType,
    /// Reels only.
    pub is_shared_to_feed: Option<bool>,
    /// SHA-256 of the stored media bytes (see [`Blob`]); `None`: Localgram generates them.
    pub media_blob: Option<String>,
    /// SHA-256 of the stored video thumbnail bytes; `None`: generated.
    pub thumbnail_blob: Option<String>,
}

/// File bytes, stored once under their SHA-256 (content-addressed).
#[derive(Clone, PartialEq, Eq)]
pub struct Blob {
    /// Lowercase hex SHA-256 of `bytes`.
    pub sha256: String,
    /// `image/jpeg`, `image/png`, `video/mp4`, …
    pub content_type: String,
    /// The bytes.
    pub bytes: Vec<u8>,
}

impl std::fmt::Debug for Blob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Blob")
            .field("sha256", &self.sha256)
            .field("content_type", &self.content_type)
            .field("len", &self.bytes.len())
            .finish()
    }
}

impl Blob {
    /// A blob of `bytes`, hashed.
    pub fn new(content_type: impl Into<String>, bytes: Vec<u8>) -> Self {
        use sha2::{Digest, Sha256};
        Self {
            sha256: hex::encode(Sha256::digest(&bytes)),
            content_type: content_type.into(),
            bytes,
        }
    }
}

/// An emulated Facebook user.
#[derive(Debug, Clone, PartialEq)]
pub struct FbUser {
    /// The user id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Login email.
    pub email: Option<String>,
    /// argon2 hash of the login password, if the user can log in.
    pub password_hash: Option<String>,
    /// Only test users may create Pages.
    pub test_user: bool,
    /// Graph calls with this user's tokens answer code 459.
    pub checkpointed: bool,
    /// Writes answer code 368.
    pub blocked: bool,
}

/// A city of the gazetteer used by Page creation.
#[derive(Debug, Clone, PartialEq)]
pub struct City {
    /// The city id.
    pub id: String,
    /// City name.
    pub name: String,
    /// State or region (may be empty).
    pub state: String,
    /// Country name.
    pub country: String,
    /// Latitude of the centre.
    pub latitude: f64,
    /// Longitude of the centre.
    pub longitude: f64,
    /// Radius within which coordinates count as inside the city.
    pub radius_km: f64,
}

/// A Facebook Page.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// The Page id.
    pub id: String,
    /// Page name.
    pub name: String,
    /// The category's `api_enum`.
    pub category_enum: String,
    /// Short description.
    pub about: String,
    /// Long description.
    pub description: String,
    /// Phone number.
    pub phone: String,
    /// Website.
    pub website: String,
    /// Whether the Page is a place.
    pub is_place: bool,
    /// Whether the Page can be promoted.
    pub is_promotable: bool,
    /// Non-empty: the Page is reached through this business.
    pub business_id: String,
    /// The linked professional Instagram account, if any.
    pub instagram_business_account: Option<String>,
    /// Location and any other attributes, as a JSON object.
    pub extra: serde_json::Value,
}

/// A user's tasks on a Page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRole {
    /// The Page.
    pub page_id: String,
    /// The Facebook user.
    pub fb_user_id: String,
    /// `ANALYZE`, `ADVERTISE`, `MODERATE`, `CREATE_CONTENT`, `MANAGE`, `MESSAGING`.
    pub tasks: Vec<String>,
}

/// Whose grant a code or token carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// An Instagram account, by id.
    Instagram(String),
    /// A Facebook user, by id.
    Facebook(String),
    /// No user: an app token.
    App,
}

impl Subject {
    /// `instagram`, `facebook` or `app`: the store's `user_kind` column.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Instagram(_) => "instagram",
            Self::Facebook(_) => "facebook",
            Self::App => "app",
        }
    }

    /// The user id, if any.
    pub fn user_id(&self) -> Option<&str> {
        match self {
            Self::Instagram(id) | Self::Facebook(id) => Some(id),
            Self::App => None,
        }
    }

    /// Rebuilds a subject from the store's `user_kind` and `user_id` columns.
    pub fn from_parts(kind: &str, user_id: Option<String>) -> Option<Self> {
        match (kind, user_id) {
            ("instagram", Some(id)) => Some(Self::Instagram(id)),
            ("facebook", Some(id)) => Some(Self::Facebook(id)),
            ("app", _) => Some(Self::App),
            _ => None,
        }
    }
}

/// The PKCE challenge method (RFC 7636).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PkceMethod {
    /// `S256`: the challenge is base64url(SHA-256(verifier)).
    S256,
    /// `plain`: the challenge is the verifier.
    Plain,
}

impl PkceMethod {
    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::S256 => "S256",
            Self::Plain => "plain",
        }
    }

    /// Parses the wire spelling.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "S256" => Some(Self::S256),
            "plain" => Some(Self::Plain),
            _ => None,
        }
    }
}

/// An authorization code as stored (its value only as a hash).
#[derive(Debug, Clone, PartialEq)]
pub struct AuthCode {
    /// Row id, generated in Rust.
    pub id: String,
    /// SHA-256 of the code.
    pub code_hash: String,
    /// The app the code was issued to.
    pub app_id: String,
    /// The user who consented.
    pub subject: Subject,
    /// The redirect URI used at authorize, byte for byte.
    pub redirect_uri: String,
    /// Granted scopes.
    pub scopes: Vec<String>,
    /// PKCE challenge, if one was sent.
    pub code_challenge: Option<String>,
    /// PKCE method, if a challenge was sent.
    pub code_challenge_method: Option<PkceMethod>,
    /// When the code was issued.
    pub issued_at: OffsetDateTime,
    /// When it stops being redeemable.
    pub expires_at: OffsetDateTime,
    /// When it was redeemed, if it was.
    pub consumed_at: Option<OffsetDateTime>,
}

/// What kind of token a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// Instagram user token, 1 hour.
    InstagramShortLived,
    /// Instagram user token, 60 days, refreshable.
    InstagramLongLived,
    /// Facebook user token, about 2 hours.
    FacebookUser,
    /// Facebook user token, 60 days.
    FacebookUserLongLived,
    /// Facebook Page token.
    Page,
    /// App token.
    App,
}

impl TokenKind {
    /// The world-file and store spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InstagramShortLived => "instagram_short_lived",
            Self::InstagramLongLived => "instagram_long_lived",
            Self::FacebookUser => "facebook_user",
            Self::FacebookUserLongLived => "facebook_user_long_lived",
            Self::Page => "page",
            Self::App => "app",
        }
    }

    /// Parses the world-file spelling.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "instagram_short_lived" => Some(Self::InstagramShortLived),
            "instagram_long_lived" => Some(Self::InstagramLongLived),
            "facebook_user" => Some(Self::FacebookUser),
            "facebook_user_long_lived" => Some(Self::FacebookUserLongLived),
            "page" => Some(Self::Page),
            "app" => Some(Self::App),
            _ => None,
        }
    }

    /// Whether the token belongs to graph.instagram.com (as opposed to graph.facebook.com).
    pub fn is_instagram(self) -> bool {
        matches!(self, Self::InstagramShortLived | Self::InstagramLongLived)
    }
}

/// A token as stored (its value only as a hash).
#[derive(Debug, Clone, PartialEq)]
pub struct TokenRecord {
    /// Row id, generated in Rust.
    pub id: String,
    /// SHA-256 of the token string.
    pub token_hash: String,
    /// The app the token belongs to.
    pub app_id: String,
    /// What kind of token it is.
    pub kind: TokenKind,
    /// Whose grant it carries.
    pub subject: Subject,
    /// For Page tokens, the Page.
    pub page_id: Option<String>,
    /// Granted scopes.
    pub scopes: Vec<String>,
    /// When it was issued.
    pub issued_at: OffsetDateTime,
    /// When it expires; `None` never.
    pub expires_at: Option<OffsetDateTime>,
    /// When it was revoked, if it was.
    pub revoked_at: Option<OffsetDateTime>,
    /// The authorization code it descends from, if any (revoked together on code replay).
    pub code_id: Option<String>,
    /// The token it was exchanged or refreshed from, if any.
    pub parent_id: Option<String>,
    /// When it was exchanged or refreshed into a new token (each token derives at most once).
    pub derived_at: Option<OffsetDateTime>,
}

impl TokenRecord {
    /// A token issued at `issued_at` with no scopes, no expiry, no Page and no code or parent;
    /// set what applies with struct update syntax (`TokenRecord { scopes, ..TokenRecord::new(…) }`).
    pub fn new(
        id: String,
        token_hash: String,
        app_id: String,
        kind: TokenKind,
        subject: Subject,
        issued_at: OffsetDateTime,
    ) -> Self {
        Self {
            id,
            token_hash,
            app_id,
            kind,
            subject,
            page_id: None,
            scopes: Vec::new(),
            issued_at,
            expires_at: None,
            revoked_at: None,
            code_id: None,
            parent_id: None,
            derived_at: None,
        }
    }
}

/// Lifetimes used to compute the expiry of ready-made tokens.
#[derive(Debug, Clone, Copy)]
pub struct Lifetimes {
    /// Instagram short-lived tokens.
    pub short_lived: time::Duration,
    /// Instagram and Facebook long-lived tokens.
    pub long_lived: time::Duration,
    /// Facebook short-lived user tokens.
    pub facebook_user: time::Duration,
}

impl Default for Lifetimes {
    fn default() -> Self {
        Self {
            short_lived: time::Duration::hours(1),
            long_lived: time::Duration::seconds(5_184_000),
            facebook_user: time::Duration::hours(2),
        }
    }
}
