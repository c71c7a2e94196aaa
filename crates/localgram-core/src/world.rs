//! The world file (docs/world-file.md, a public interface): parsing TOML or JSON, validating it
//! with errors that name the object and the field, and turning it into a [`WorldPlan`] the store
//! writes in one transaction.

use crate::model::{
    App, AppMode, AppRole, AppTester, Blob, City, FbUser, IgMedia, IgUser, Page, PageRole, Product,
    RateLimits, Subject, TesterStatus, TokenKind, TokenRecord, TokenResponseShape,
};
use crate::rng::{Rng, RngExt};
use crate::secret::{SecretHash, hash_password};
use crate::store::WorldPlan;
use crate::timefmt::parse_timestamp;
use serde::Deserialize;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use time::OffsetDateTime;

/// The built-in demo world, loaded on an empty database unless `--no-demo` is given.
pub const DEMO_WORLD: &str = include_str!("demo_world.toml");

/// The demo world's passwords, by username (Instagram) or id (Facebook). The world file holds
/// their argon2id hashes, made ahead so that a start on an empty database hashes nothing
/// (docs/benchmarks.md#start-up-and-memory); a test checks that each one verifies.
pub const DEMO_PASSWORDS: &[(&str, &str)] = &[
    ("jane.doe", "correct horse"),
    ("sizzle.cafe", "espresso please"),
    ("bob.smith", "bob's password"),
    ("100000000000001", "hunter2"),
];

/// Why a world file was refused. The message names the object and the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorldError {
    /// The file is not valid TOML/JSON for the schema (unknown key, wrong type, …).
    #[error("world file: {0}")]
    Syntax(String),
    /// A value breaks a rule.
    #[error("world file: {object}: field `{field}`: {message}")]
    Invalid {
        /// The object, e.g. `apps[0] (id "990602627938098")`.
        object: String,
        /// The field.
        field: String,
        /// What is wrong.
        message: String,
    },
}

fn invalid(object: impl Into<String>, field: &str, message: impl Into<String>) -> WorldError {
    WorldError::Invalid {
        object: object.into(),
        field: field.to_owned(),
        message: message.into(),
    }
}

/// The format of a world file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `.toml`.
    Toml,
    /// `.json`.
    Json,
}

impl Format {
    /// The format named by a file's extension (TOML unless it ends in `.json`).
    pub fn from_path(path: &Path) -> Self {
        match path.extension().and_then(|e| e.to_str()) {
            Some(e) if e.eq_ignore_ascii_case("json") => Self::Json,
            _ => Self::Toml,
        }
    }

    /// Guesses the format of a body: JSON when it starts with `{`.
    pub fn sniff(body: &str) -> Self {
        if body.trim_start().starts_with('{') {
            Self::Json
        } else {
            Self::Toml
        }
    }
}

/// A world file, as written.
#[derive(Debug, Clone, Default, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct World {
    /// Schema version; 1.
    pub version: u32,
    /// Apps.
    #[serde(default)]
    pub apps: Vec<WorldApp>,
    /// Instagram accounts.
    #[serde(default)]
    pub instagram_users: Vec<WorldIgUser>,
    /// Facebook users.
    #[serde(default)]
    pub facebook_users: Vec<WorldFbUser>,
    /// City gazetteer.
    #[serde(default)]
    pub cities: Vec<WorldCity>,
    /// Pages.
    #[serde(default)]
    pub pages: Vec<WorldPage>,
    /// Ready-made tokens.
    #[serde(default)]
    pub tokens: Vec<WorldToken>,
    /// Fault rules (docs/faults.md), installed when the world is loaded.
    #[serde(default)]
    pub faults: Vec<crate::faults::RuleSpec>,
}

/// `[[apps]]`.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct WorldApp {
    /// App id.
    pub id: String,
    /// App secret (stored hashed).
    pub secret: String,
    /// Name.
    pub name: String,
    /// `development` | `live`.
    #[serde(default = "default_mode")]
    pub mode: String,
    /// Products.
    #[serde(default = "default_products")]
    pub products: Vec<String>,
    /// Valid OAuth redirect URIs.
    #[serde(default)]
    pub redirect_uris: Vec<String>,
    /// Accepted testers (usernames).
    #[serde(default)]
    pub instagram_testers: Vec<String>,
    /// Invited testers (usernames).
    #[serde(default)]
    pub instagram_tester_invites: Vec<String>,
    /// Whether `appsecret_proof` is required.
    #[serde(default)]
    pub require_appsecret_proof: bool,
    /// Whether the app is allowlisted for Page creation (users who are not test users may
    /// create Pages through it).
    #[serde(default)]
    pub page_creation_allowed: bool,
    /// `flat` | `wrapped`.
    #[serde(default = "default_shape")]
    pub token_response_shape: String,
    /// Test user limit.
    #[serde(default = "default_test_user_limit")]
    pub test_user_limit: i64,
    /// Facebook app roles.
    #[serde(default)]
    pub roles: Vec<WorldAppRole>,
    /// Rate limits of this app (unset keys use the server's defaults).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limits: Option<RateLimits>,
    /// The app contact e-mail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_email: Option<String>,
    /// The Website platform's Site URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site_url: Option<String>,
    /// The Instagram app's id (Instagram Basic Display → "Create New App"); with
    /// `instagram_app_secret`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instagram_app_id: Option<String>,
    /// The Instagram App Secret (stored hashed and sealed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instagram_app_secret: Option<String>,
    /// The Instagram app's display name (default: the app's name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instagram_app_name: Option<String>,
    /// Webhook subscriptions (docs/world-file.md#webhooks).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub webhooks: Vec<WorldWebhook>,
}

/// `[[apps.webhooks]]`: an app's subscription to an object's webhook fields, as
/// `POST /{app-id}/subscriptions` makes it, without the verification handshake.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct WorldWebhook {
    /// The object: `instagram`.
    #[serde(default = "default_webhook_object")]
    pub object: String,
    /// The callback URL (`http` or `https`).
    pub callback_url: String,
    /// The subscribed fields: a name (subscribed at the default Graph version) or
    /// `{ name, version }`.
    pub fields: Vec<WorldWebhookField>,
    /// Whether updates include values.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub include_values: bool,
}

fn default_webhook_object() -> String {
    crate::webhooks::OBJECT_INSTAGRAM.into()
}

/// One field of `[[apps.webhooks]]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(untagged)]
pub enum WorldWebhookField {
    /// A field at the default Graph version.
    Name(String),
    /// A field at the Graph version of the call that subscribed it.
    Versioned {
        /// The field.
        name: String,
        /// The Graph version, `v22.0` for example.
        version: String,
    },
}

/// `[[instagram_users.subscribed_apps]]` and `[[pages.subscribed_apps]]`: an app the account
/// or the Page enabled, as `POST /{id}/subscribed_apps` does.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct WorldSubscribedApp {
    /// The app id.
    pub app: String,
    /// The fields (on a Page, only these are delivered).
    pub subscribed_fields: Vec<String>,
}

fn default_mode() -> String {
    "development".into()
}
fn default_products() -> Vec<String> {
    vec![
        "instagram_basic_display".into(),
        "instagram_login".into(),
        "facebook_login".into(),
    ]
}
fn default_shape() -> String {
    "flat".into()
}
fn default_test_user_limit() -> i64 {
    10
}

/// `[[apps.roles]]`.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct WorldAppRole {
    /// Facebook user id.
    pub user: String,
    /// `admin` | `developer` | `tester`.
    pub role: String,
}

/// `[[instagram_users]]`.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct WorldIgUser {
    /// Id.
    pub id: String,
    /// Username.
    pub username: String,
    /// Login password (stored hashed).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub password: String,
    /// Instead of `password`: the stored argon2id hash (PHC string), as an export writes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_hash: Option<String>,
    /// `PERSONAL` | `BUSINESS` | `MEDIA_CREATOR`.
    #[serde(default = "default_account_type")]
    pub account_type: String,
    /// Display name.
    #[serde(default)]
    pub name: String,
    /// Biography.
    #[serde(default)]
    pub biography: String,
    /// Website.
    #[serde(default)]
    pub website: String,
    /// Private account.
    #[serde(default)]
    pub is_private: bool,
    /// Followers.
    #[serde(default)]
    pub followers_count: i64,
    /// Follows.
    #[serde(default)]
    pub follows_count: i64,
    /// Profile picture file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_picture: Option<String>,
    /// Media.
    #[serde(default)]
    pub media: Vec<WorldMedia>,
    /// Apps the account enabled for webhooks on graph.instagram.com.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subscribed_apps: Vec<WorldSubscribedApp>,
}

fn default_account_type() -> String {
    "PERSONAL".into()
}

/// `[[instagram_users.media]]` and `[[instagram_users.media.children]]`.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct WorldMedia {
    /// Id.
    pub id: String,
    /// `IMAGE` | `VIDEO` | `CAROUSEL_ALBUM`.
    pub media_type: String,
    /// Caption.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
    /// Publish time (required on top-level media; children default to their album's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
    /// Media file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// Video thumbnail file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumbnail_file: Option<String>,
    /// Permalink short code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shortcode: Option<String>,
    /// Copyright flag.
    #[serde(default)]
    pub copyright_flagged: bool,
    /// `FEED` | `REELS` | `STORY` | `AD`.
    #[serde(default = "default_product_type")]
    pub media_product_type: String,
    /// Reels only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_shared_to_feed: Option<bool>,
    /// Album children.
    #[serde(default)]
    pub children: Vec<WorldMedia>,
    /// Comments on a top-level media.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub comments: Vec<WorldComment>,
    /// Whether others may comment (`comment_enabled`); absent: left as it is (on for new media).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment_enabled: Option<bool>,
}

/// `[[instagram_users.media.comments]]` and their `[[….replies]]`.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct WorldComment {
    /// Id.
    pub id: String,
    /// The author's username (an account of the world or of the store).
    pub from: String,
    /// The text.
    pub text: String,
    /// When it was written (default: the media's publish time).
    #[serde(default)]
    pub timestamp: Option<String>,
    /// Hidden by the media owner.
    #[serde(default)]
    pub hidden: bool,
    /// Replies (top-level comments only).
    #[serde(default)]
    pub replies: Vec<WorldComment>,
}

fn default_product_type() -> String {
    "FEED".into()
}

/// `[[facebook_users]]`.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct WorldFbUser {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Password (stored hashed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// Instead of `password`: the stored argon2id hash (PHC string), as an export writes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_hash: Option<String>,
    /// Test user.
    #[serde(default)]
    pub test_user: bool,
    /// Checkpointed.
    #[serde(default)]
    pub checkpointed: bool,
    /// Blocked.
    #[serde(default)]
    pub blocked: bool,
}

/// `[[cities]]`.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct WorldCity {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// State.
    #[serde(default)]
    pub state: String,
    /// Country.
    pub country: String,
    /// Latitude.
    pub latitude: f64,
    /// Longitude.
    pub longitude: f64,
    /// Radius in km.
    #[serde(default = "default_radius")]
    pub radius_km: f64,
}

fn default_radius() -> f64 {
    25.0
}

/// `[[pages]]`.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct WorldPage {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Category enum.
    #[serde(default = "default_category")]
    pub category_enum: String,
    /// About.
    #[serde(default)]
    pub about: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// Phone.
    #[serde(default)]
    pub phone: String,
    /// Website.
    #[serde(default)]
    pub website: String,
    /// Place.
    #[serde(default)]
    pub is_place: bool,
    /// Promotable.
    #[serde(default = "default_true")]
    pub is_promotable: bool,
    /// Business.
    #[serde(default)]
    pub business_id: String,
    /// Linked Instagram account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instagram_business_account: Option<String>,
    /// Location.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<serde_json::Map<String, serde_json::Value>>,
    /// Roles.
    #[serde(default)]
    pub roles: Vec<WorldPageRole>,
    /// Apps the Page enabled for webhooks on graph.facebook.com.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subscribed_apps: Vec<WorldSubscribedApp>,
}

fn default_category() -> String {
    "COMMUNITY_SERVICES".into()
}
fn default_true() -> bool {
    true
}

/// `[[pages.roles]]`.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct WorldPageRole {
    /// Facebook user id.
    pub user: String,
    /// Tasks.
    #[serde(default)]
    pub tasks: Vec<String>,
}

/// `[[tokens]]`.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct WorldToken {
    /// The token string.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub value: String,
    /// Instead of `value`: the SHA-256 of the token string (64 lowercase hex digits), as an
    /// export writes it; clients holding the string keep using it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_sha256: Option<String>,
    /// App id.
    pub app: String,
    /// Instagram username or Facebook user id (empty for app tokens).
    #[serde(default)]
    pub user: String,
    /// Kind.
    pub kind: String,
    /// Page id for Page tokens.
    #[serde(default)]
    pub page: String,
    /// Scopes.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// Issue time (default: now).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issued_at: Option<String>,
    /// Expiry (default: the issue time plus the kind's lifetime).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
}

/// Writes a world as a file body that [`parse`] reads back.
pub fn write(world: &World, format: Format) -> Result<String, WorldError> {
    match format {
        Format::Toml => toml::to_string(world).map_err(|e| WorldError::Syntax(e.to_string())),
        Format::Json => {
            serde_json::to_string_pretty(world).map_err(|e| WorldError::Syntax(e.to_string()))
        }
    }
}

/// Parses a world file body.
pub fn parse(body: &str, format: Format) -> Result<World, WorldError> {
    let world: World = match format {
        Format::Toml => toml::from_str(body).map_err(|e| WorldError::Syntax(e.to_string()))?,
        Format::Json => {
            serde_json::from_str(body).map_err(|e| WorldError::Syntax(e.to_string()))?
        }
    };
    for (i, rule) in world.faults.iter().enumerate() {
        rule.validate()
            .map_err(|e| invalid(format!("faults[{i}]"), &e.field, e.message))?;
    }
    if world.version != 1 {
        return Err(invalid(
            "world",
            "version",
            format!(
                "unsupported version {}; this Localgram reads version 1",
                world.version
            ),
        ));
    }
    Ok(world)
}

pub use crate::model::Lifetimes;

/// Looks up objects that a world may reference without declaring them (they exist already).
pub trait Existing {
    /// The id of an existing Instagram account with this username.
    fn ig_user_id_by_username(&self, username: &str) -> Option<String>;
    /// Whether an Instagram account with this id exists.
    fn ig_user_exists(&self, id: &str) -> bool;
    /// Whether a Facebook user exists.
    fn fb_user_exists(&self, id: &str) -> bool;
    /// Whether an app exists.
    fn app_exists(&self, id: &str) -> bool;
    /// Whether a Page exists.
    fn page_exists(&self, id: &str) -> bool;
}

/// Nothing exists outside the world itself.
pub struct NothingExisting;

impl Existing for NothingExisting {
    fn ig_user_id_by_username(&self, _: &str) -> Option<String> {
        None
    }
    fn ig_user_exists(&self, _: &str) -> bool {
        false
    }
    fn fb_user_exists(&self, _: &str) -> bool {
        false
    }
    fn app_exists(&self, _: &str) -> bool {
        false
    }
    fn page_exists(&self, _: &str) -> bool {
        false
    }
}

/// A stored password hash given by an export: an argon2id PHC string.
fn check_password_hash(object: &str, hash: &str) -> Result<String, WorldError> {
    if !hash.starts_with("$argon2id$") || hash.len() > 512 {
        return Err(invalid(
            object,
            "password_hash",
            "must be an argon2id hash ($argon2id$…)",
        ));
    }
    Ok(hash.to_owned())
}

fn check_id(object: &str, field: &str, id: &str) -> Result<(), WorldError> {
    if id.is_empty() || id.len() > 30 || !id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid(
            object,
            field,
            format!("{id:?} is not an id (a string of 1 to 30 digits)"),
        ));
    }
    Ok(())
}

/// Reads a file a world refers to, checks it is an image or a video by its content, and adds it
/// to the plan's blobs. Returns the resolved path (`data:<type>` for inline data) and the blob's
/// hash.
///
/// A world read from a file (`base` is its folder) may name files inside that folder only; a
/// world without a folder (posted to the control plane, or the built-in demo) may not name files
/// at all. Either may give a file inline as a `data:` URI. A named file must be a regular file
/// (not a device, a FIFO or a directory), and at most [`MAX_FILE_BYTES`] are ever read.
fn load_file(
    plan: &mut WorldPlan,
    cx: &PlanContext<'_>,
    file: &Option<String>,
    object: &str,
    field: &str,
    video_allowed: bool,
) -> Result<(Option<String>, Option<String>), WorldError> {
    let Some(file) = file.as_ref().filter(|f| !f.is_empty()) else {
        return Ok((None, None));
    };
    let stored = localgram_file(file).is_some();
    let (shown, bytes) = match file.strip_prefix("data:") {
        Some(data) => (
            "the inline data".to_owned(),
            decode_data_uri(data).map_err(|e| invalid(object, field, e))?,
        ),
        None if stored => {
            let blob = cx.stored_files.get(file.as_str()).ok_or_else(|| {
                invalid(
                    object,
                    field,
                    format!(
                        "{file} is not a file stored in Localgram (only files a world loaded can be reused; generated images cannot)"
                    ),
                )
            })?;
            (file.clone(), blob.bytes.clone())
        }
        None => {
            let Some(dir) = cx.base_dir else {
                return Err(invalid(
                    object,
                    field,
                    "a world posted to the control plane cannot name files on the server; give the \
                     file inline as a data: URI (data:image/jpeg;base64,…), name a file Localgram \
                     serves (/cdn/media/{id}.jpg), or load the world with --world",
                ));
            };
            let path = resolve_in_folder(dir, file).map_err(|e| invalid(object, field, e))?;
            let bytes = read_limited(&path).map_err(|e| invalid(object, field, e))?;
            (path.to_string_lossy().into_owned(), bytes)
        }
    };
    let content_type = crate::sniff::content_type(&bytes).ok_or_else(|| {
        invalid(
            object,
            field,
            format!("{shown} is not a JPEG, PNG, GIF, WebP or MP4 file"),
        )
    })?;
    if crate::sniff::is_video(content_type) && !video_allowed {
        return Err(invalid(
            object,
            field,
            format!("{shown} is a video; an image is expected here"),
        ));
    }
    let path = if file.starts_with("data:") {
        format!("data:{content_type}")
    } else {
        shown
    };
    let blob = Blob::new(content_type, bytes);
    let sha = blob.sha256.clone();
    if !plan.blobs.iter().any(|b| b.sha256 == sha) {
        plan.blobs.push(blob);
    }
    Ok((Some(path), Some(sha)))
}

/// The largest media file a world may refer to.
pub const MAX_FILE_BYTES: usize = 64 * 1024 * 1024;

/// Which of Localgram's own file URLs a world's file reference names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocalgramFile {
    /// `/cdn/media/{media_id}.jpg|.mp4`: a media's file.
    Media,
    /// `/cdn/thumb/{media_id}.jpg`: a VIDEO's thumbnail.
    Thumbnail,
    /// `/cdn/profile/{user_id}.jpg`: an account's profile picture.
    Profile,
}

/// The kind and id of a file reference that names a file Localgram serves (`/cdn/…`, bare or
/// after `http(s)://host`); `None` for anything else.
pub fn localgram_file(file: &str) -> Option<(LocalgramFile, &str)> {
    let path = match file.split_once("://") {
        Some(("http" | "https", rest)) => &rest[rest.find('/')?..],
        Some(_) => return None,
        None => file,
    };
    let path = path.split(['?', '#']).next()?;
    let (kind, name) = if let Some(n) = path.strip_prefix("/cdn/media/") {
        (LocalgramFile::Media, n)
    } else if let Some(n) = path.strip_prefix("/cdn/thumb/") {
        (LocalgramFile::Thumbnail, n)
    } else if let Some(n) = path.strip_prefix("/cdn/profile/") {
        (LocalgramFile::Profile, n)
    } else {
        return None;
    };
    let id = name.rsplit_once('.').map_or(name, |(id, _)| id);
    (!id.is_empty() && id.len() <= 30 && id.bytes().all(|b| b.is_ascii_digit()))
        .then_some((kind, id))
}

/// Every file reference of a world: profile pictures, media files and thumbnails (children
/// included).
pub fn file_references(world: &World) -> Vec<&str> {
    fn media<'a>(m: &'a WorldMedia, out: &mut Vec<&'a str>) {
        out.extend(m.file.as_deref());
        out.extend(m.thumbnail_file.as_deref());
        for c in &m.children {
            media(c, out);
        }
    }
    let mut out = Vec::new();
    for u in &world.instagram_users {
        out.extend(u.profile_picture.as_deref());
        for m in &u.media {
            media(m, &mut out);
        }
    }
    out
}

/// `file` resolved against the world's folder, symbolic links followed; an error when the result
/// is not inside that folder.
fn resolve_in_folder(dir: &Path, file: &str) -> Result<PathBuf, String> {
    let folder = dir
        .canonicalize()
        .map_err(|e| format!("cannot read the world's folder {}: {e}", dir.display()))?;
    let joined = folder.join(file);
    // First without touching the file system (nothing is told about paths outside), then with
    // symbolic links followed.
    let mut lexical = PathBuf::new();
    for part in joined.components() {
        match part {
            std::path::Component::ParentDir => {
                lexical.pop();
            }
            std::path::Component::CurDir => {}
            other => lexical.push(other),
        }
    }
    if !lexical.starts_with(&folder) {
        return Err(format!(
            "{file} is outside the world file's folder; files must be inside it"
        ));
    }
    let full = joined
        .canonicalize()
        .map_err(|e| format!("cannot read {file}: {e}"))?;
    if !full.starts_with(&folder) {
        return Err(format!(
            "{file} is outside the world file's folder; files must be inside it"
        ));
    }
    Ok(full)
}

/// The bytes of a regular file, at most [`MAX_FILE_BYTES`] of them read.
fn read_limited(path: &Path) -> Result<Vec<u8>, String> {
    use std::io::Read as _;
    let shown = path.display();
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read {shown}: {e}"))?;
    let meta = file
        .metadata()
        .map_err(|e| format!("cannot read {shown}: {e}"))?;
    if !meta.is_file() {
        return Err(format!("{shown} is not a regular file"));
    }
    let too_large = || {
        format!(
            "{shown} is larger than {} MiB",
            MAX_FILE_BYTES / (1024 * 1024)
        )
    };
    if meta.len() > MAX_FILE_BYTES as u64 {
        return Err(too_large());
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(MAX_FILE_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read {shown}: {e}"))?;
    if bytes.len() > MAX_FILE_BYTES {
        return Err(too_large());
    }
    Ok(bytes)
}

/// The bytes of a base64 `data:` URI (what follows `data:`): `[<media type>];base64,<data>`.
fn decode_data_uri(data: &str) -> Result<Vec<u8>, String> {
    use base64::Engine as _;
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    const BASE64: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    let (_, payload) = data
        .split_once(',')
        .filter(|(meta, _)| meta.to_ascii_lowercase().ends_with(";base64"))
        .ok_or("a data: URI must be base64: data:image/jpeg;base64,…")?;
    if payload.len() / 4 * 3 > MAX_FILE_BYTES + 3 {
        return Err(format!(
            "the inline data is larger than {} MiB",
            MAX_FILE_BYTES / (1024 * 1024)
        ));
    }
    let compact: String = payload.chars().filter(|c| !c.is_whitespace()).collect();
    BASE64
        .decode(compact)
        .map_err(|_| "the data: URI's base64 is malformed".to_owned())
}

/// Everything needed to turn a [`World`] into a [`WorldPlan`].
pub struct PlanContext<'a> {
    /// Hashes passwords (argon2 salts) and makes missing shortcodes.
    pub rng: &'a dyn Rng,
    /// Default issue time of ready-made tokens.
    pub now: OffsetDateTime,
    /// Token lifetimes.
    pub lifetimes: Lifetimes,
    /// The folder of the world file: files are read inside it only. `None` (a posted world, the
    /// demo): no file is read.
    pub base_dir: Option<&'a Path>,
    /// The stored files the world's Localgram file URLs name ([`localgram_file`]), by reference.
    pub stored_files: &'a HashMap<String, Blob>,
    /// Objects already in the store.
    pub existing: &'a dyn Existing,
    /// Passwords hashed ahead of the plan ([`hash_passwords`]); any other is hashed by it.
    pub prehashed: &'a PasswordHashes,
}

impl PlanContext<'_> {
    /// The argon2 hash of a world's plain `password`: one hashed ahead, else a fresh one.
    fn password_hash(&self, password: &str) -> anyhow::Result<String> {
        match self.prehashed.take(password) {
            Some(hash) => Ok(hash),
            None => hash_password(self.rng, password),
        }
    }
}

/// Passwords hashed ahead of [`plan`], one fresh hash (its own salt) per use of a password, so
/// that a start-up can hash a world's passwords (argon2id: tens of milliseconds each) while the
/// database opens.
#[derive(Debug, Default)]
pub struct PasswordHashes(std::sync::Mutex<HashMap<String, Vec<String>>>);

impl PasswordHashes {
    /// A hash made ahead for `password`, taken (each is used once).
    fn take(&self, password: &str) -> Option<String> {
        let mut hashes = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let hash = hashes.get_mut(password)?.pop();
        if hashes.get(password).is_some_and(Vec::is_empty) {
            hashes.remove(password);
        }
        hash
    }

    /// How many hashes are left unused.
    pub fn unused(&self) -> usize {
        let hashes = self.0.lock().unwrap_or_else(|p| p.into_inner());
        hashes.values().map(Vec::len).sum()
    }
}

/// The plain passwords [`plan`] would hash for `world`, one per user that gives one.
pub fn plain_passwords(world: &World) -> Vec<String> {
    let ig = world
        .instagram_users
        .iter()
        .filter(|u| !u.password.is_empty() && u.password_hash.is_none())
        .map(|u| u.password.clone());
    let fb = world
        .facebook_users
        .iter()
        .filter(|u| u.password_hash.is_none())
        .filter_map(|u| u.password.clone().filter(|p| !p.is_empty()));
    ig.chain(fb).collect()
}

/// Hashes `passwords` ahead of [`plan`] (CPU-bound: for a blocking thread).
pub fn hash_passwords(rng: &dyn Rng, passwords: Vec<String>) -> anyhow::Result<PasswordHashes> {
    let mut hashes: HashMap<String, Vec<String>> = HashMap::new();
    for password in passwords {
        let hash = hash_password(rng, &password)?;
        hashes.entry(password).or_default().push(hash);
    }
    Ok(PasswordHashes(std::sync::Mutex::new(hashes)))
}

/// Validates a world and builds the plan: references resolved, secrets hashed, defaults filled.
pub fn plan(world: &World, cx: &PlanContext<'_>) -> Result<WorldPlan, WorldError> {
    let mut plan = WorldPlan::default();

    // Instagram users first: apps and tokens refer to them by username.
    let mut usernames: HashMap<String, String> = HashMap::new();
    let mut ig_ids = HashSet::new();
    let mut media_ids = HashSet::new();
    for (i, u) in world.instagram_users.iter().enumerate() {
        let obj = format!("instagram_users[{i}] (id {:?})", u.id);
        check_id(&obj, "id", &u.id)?;
        if !ig_ids.insert(u.id.clone()) {
            return Err(invalid(&obj, "id", "declared twice"));
        }
        if u.username.is_empty()
            || u.username.len() > 30
            || !u
                .username
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_')
        {
            return Err(invalid(
                &obj,
                "username",
                "must be 1 to 30 letters, digits, '.' or '_'",
            ));
        }
        if usernames.insert(u.username.clone(), u.id.clone()).is_some() {
            return Err(invalid(
                &obj,
                "username",
                format!("{:?} is used by another account", u.username),
            ));
        }
        let stored_hash = match (&u.password_hash, u.password.is_empty()) {
            (Some(_), false) => {
                return Err(invalid(
                    &obj,
                    "password_hash",
                    "give password or password_hash, not both",
                ));
            }
            (Some(h), true) => Some(check_password_hash(&obj, h)?),
            (None, true) => return Err(invalid(&obj, "password", "must not be empty")),
            (None, false) => None,
        };
        if !["PERSONAL", "BUSINESS", "MEDIA_CREATOR"].contains(&u.account_type.as_str()) {
            return Err(invalid(
                &obj,
                "account_type",
                "must be PERSONAL, BUSINESS or MEDIA_CREATOR",
            ));
        }
        let password_hash = match stored_hash {
            Some(h) => h,
            None => cx
                .password_hash(&u.password)
                .map_err(|e| invalid(&obj, "password", e.to_string()))?,
        };
        let (profile_picture, profile_blob) = load_file(
            &mut plan,
            cx,
            &u.profile_picture,
            &obj,
            "profile_picture",
            false,
        )?;
        plan.ig_users.push(IgUser {
            id: u.id.clone(),
            username: u.username.clone(),
            password_hash,
            account_type: u.account_type.clone(),
            name: u.name.clone(),
            biography: u.biography.clone(),
            website: u.website.clone(),
            is_private: u.is_private,
            followers_count: u.followers_count,
            follows_count: u.follows_count,
            profile_picture,
            profile_blob,
        });
        for (j, m) in u.media.iter().enumerate() {
            let mobj = format!("instagram_users[{i}].media[{j}] (id {:?})", m.id);
            plan_media(
                &mut plan,
                &mut media_ids,
                cx,
                &mobj,
                m,
                &u.id,
                None,
                0,
                None,
            )?;
        }
    }
    let ig_id_of = |username: &str| -> Option<String> {
        usernames
            .get(username)
            .cloned()
            .or_else(|| cx.existing.ig_user_id_by_username(username))
    };
    plan_comments(&mut plan, world, &ig_id_of)?;

    let mut fb_ids = HashSet::new();
    let mut emails = HashSet::new();
    for (i, u) in world.facebook_users.iter().enumerate() {
        let obj = format!("facebook_users[{i}] (id {:?})", u.id);
        check_id(&obj, "id", &u.id)?;
        if !fb_ids.insert(u.id.clone()) {
            return Err(invalid(&obj, "id", "declared twice"));
        }
        if u.name.is_empty() {
            return Err(invalid(&obj, "name", "must not be empty"));
        }
        if let Some(email) = &u.email {
            if !email.contains('@') {
                return Err(invalid(
                    &obj,
                    "email",
                    format!("{email:?} is not an email address"),
                ));
            }
            if !emails.insert(email.to_ascii_lowercase()) {
                return Err(invalid(
                    &obj,
                    "email",
                    format!("{email:?} is used by another user"),
                ));
            }
        }
        let password_hash = match (&u.password, &u.password_hash) {
            (Some(p), Some(_)) if !p.is_empty() => {
                return Err(invalid(
                    &obj,
                    "password_hash",
                    "give password or password_hash, not both",
                ));
            }
            (_, Some(h)) => Some(check_password_hash(&obj, h)?),
            (Some(p), None) if !p.is_empty() => Some(
                cx.password_hash(p)
                    .map_err(|e| invalid(&obj, "password", e.to_string()))?,
            ),
            _ => None,
        };
        plan.fb_users.push(FbUser {
            id: u.id.clone(),
            name: u.name.clone(),
            email: u.email.as_ref().map(|e| e.to_ascii_lowercase()),
            password_hash,
            test_user: u.test_user,
            checkpointed: u.checkpointed,
            blocked: u.blocked,
        });
    }
    let fb_exists = |id: &str| fb_ids.contains(id) || cx.existing.fb_user_exists(id);

    let mut app_ids = HashSet::new();
    for (i, a) in world.apps.iter().enumerate() {
        let obj = format!("apps[{i}] (id {:?})", a.id);
        check_id(&obj, "id", &a.id)?;
        if !app_ids.insert(a.id.clone()) {
            return Err(invalid(&obj, "id", "declared twice"));
        }
        if a.secret.len() < 8 {
            return Err(invalid(&obj, "secret", "must be at least 8 characters"));
        }
        if a.name.trim().is_empty() {
            return Err(invalid(&obj, "name", "must not be empty"));
        }
        let mode = AppMode::parse(&a.mode).ok_or_else(|| {
            invalid(
                &obj,
                "mode",
                format!("{:?} is not development or live", a.mode),
            )
        })?;
        let mut products = Vec::new();
        for p in &a.products {
            let product = Product::parse(p).ok_or_else(|| {
                invalid(
                    &obj,
                    "products",
                    format!(
                        "{p:?} is not instagram_basic_display, instagram_login or facebook_login"
                    ),
                )
            })?;
            if !products.contains(&product) {
                products.push(product);
            }
        }
        for uri in &a.redirect_uris {
            crate::redirect::validate_registration(uri)
                .map_err(|e| invalid(&obj, "redirect_uris", format!("{uri:?} {e}")))?;
        }
        let token_response_shape = TokenResponseShape::parse(&a.token_response_shape)
            .ok_or_else(|| invalid(&obj, "token_response_shape", "must be flat or wrapped"))?;
        if !(0..=1000).contains(&a.test_user_limit) {
            return Err(invalid(
                &obj,
                "test_user_limit",
                "must be between 0 and 1000",
            ));
        }
        let instagram_app = match (&a.instagram_app_id, &a.instagram_app_secret) {
            (None, None) => None,
            (Some(_), None) => {
                return Err(invalid(
                    &obj,
                    "instagram_app_secret",
                    "is required with instagram_app_id",
                ));
            }
            (None, Some(_)) => {
                return Err(invalid(
                    &obj,
                    "instagram_app_id",
                    "is required with instagram_app_secret",
                ));
            }
            (Some(id), Some(secret)) => {
                check_id(&obj, "instagram_app_id", id)?;
                if id == &a.id || world.apps.iter().any(|o| &o.id == id) {
                    return Err(invalid(&obj, "instagram_app_id", "is an app id"));
                }
                if !app_ids.insert(format!("instagram:{id}")) {
                    return Err(invalid(&obj, "instagram_app_id", "declared twice"));
                }
                if secret.len() < 8 {
                    return Err(invalid(
                        &obj,
                        "instagram_app_secret",
                        "must be at least 8 characters",
                    ));
                }
                Some(crate::model::InstagramApp {
                    id: id.clone(),
                    name: a
                        .instagram_app_name
                        .clone()
                        .unwrap_or_else(|| a.name.clone()),
                    secret_hash: SecretHash::of(secret).0,
                    secret_sealed: None,
                })
            }
        };
        if let Some(url) = &a.site_url {
            crate::dashboard::check_url(url)
                .map_err(|_| invalid(&obj, "site_url", "must be an absolute http(s) URL"))?;
        }
        plan.apps.push(App {
            instagram_app,
            contact_email: a.contact_email.clone(),
            site_url: a.site_url.clone(),
            id: a.id.clone(),
            name: a.name.clone(),
            secret_hash: SecretHash::of(&a.secret).0,
            secret_sealed: None,
            mode,
            products,
            redirect_uris: a.redirect_uris.clone(),
            require_appsecret_proof: a.require_appsecret_proof,
            token_response_shape,
            test_user_limit: a.test_user_limit,
            rate_limits: a.rate_limits.clone().unwrap_or_default(),
            deauthorize_callback_url: None,
            data_deletion_url: None,
            page_creation_allowed: a.page_creation_allowed,
        });
        for (field, v) in [
            (
                "rate_limits.app_calls_per_hour",
                a.rate_limits.as_ref().and_then(|r| r.app_calls_per_hour),
            ),
            (
                "rate_limits.user_calls_per_hour",
                a.rate_limits.as_ref().and_then(|r| r.user_calls_per_hour),
            ),
            (
                "rate_limits.business_calls_per_day",
                a.rate_limits
                    .as_ref()
                    .and_then(|r| r.business_calls_per_day),
            ),
        ] {
            if v.is_some_and(|v| v < 1) {
                return Err(invalid(&obj, field, "must be at least 1"));
            }
        }
        let mut seen = HashSet::new();
        for (field, names, status) in [
            (
                "instagram_testers",
                &a.instagram_testers,
                TesterStatus::Accepted,
            ),
            (
                "instagram_tester_invites",
                &a.instagram_tester_invites,
                TesterStatus::Invited,
            ),
        ] {
            for name in names {
                let id = ig_id_of(name).ok_or_else(|| {
                    invalid(&obj, field, format!("no instagram user is named {name:?}"))
                })?;
                if !seen.insert(id.clone()) {
                    return Err(invalid(&obj, field, format!("{name:?} is listed twice")));
                }
                plan.testers.push(AppTester {
                    app_id: a.id.clone(),
                    ig_user_id: id,
                    status,
                });
            }
        }
        for (j, r) in a.roles.iter().enumerate() {
            let robj = format!("apps[{i}].roles[{j}]");
            if !fb_exists(&r.user) {
                return Err(invalid(
                    &robj,
                    "user",
                    format!("no facebook user has id {:?}", r.user),
                ));
            }
            if !["admin", "developer", "tester"].contains(&r.role.as_str()) {
                return Err(invalid(&robj, "role", "must be admin, developer or tester"));
            }
            plan.app_roles.push(AppRole {
                app_id: a.id.clone(),
                fb_user_id: r.user.clone(),
                role: r.role.clone(),
            });
        }
    }

    let mut city_ids = HashSet::new();
    for (i, c) in world.cities.iter().enumerate() {
        let obj = format!("cities[{i}] (id {:?})", c.id);
        check_id(&obj, "id", &c.id)?;
        if !city_ids.insert(c.id.clone()) {
            return Err(invalid(&obj, "id", "declared twice"));
        }
        if !(-90.0..=90.0).contains(&c.latitude) {
            return Err(invalid(&obj, "latitude", "must be between -90 and 90"));
        }
        if !(-180.0..=180.0).contains(&c.longitude) {
            return Err(invalid(&obj, "longitude", "must be between -180 and 180"));
        }
        if !(c.radius_km > 0.0 && c.radius_km.is_finite()) {
            return Err(invalid(&obj, "radius_km", "must be a positive number"));
        }
        plan.cities.push(City {
            id: c.id.clone(),
            name: c.name.clone(),
            state: c.state.clone(),
            country: c.country.clone(),
            latitude: c.latitude,
            longitude: c.longitude,
            radius_km: c.radius_km,
        });
    }

    const TASKS: &[&str] = &[
        "ANALYZE",
        "ADVERTISE",
        "MODERATE",
        "CREATE_CONTENT",
        "MANAGE",
        "MESSAGING",
    ];
    let mut page_ids = HashSet::new();
    for (i, p) in world.pages.iter().enumerate() {
        let obj = format!("pages[{i}] (id {:?})", p.id);
        check_id(&obj, "id", &p.id)?;
        if !page_ids.insert(p.id.clone()) {
            return Err(invalid(&obj, "id", "declared twice"));
        }
        if p.name.trim().is_empty() {
            return Err(invalid(&obj, "name", "must not be empty"));
        }
        if let Some(ig) = p
            .instagram_business_account
            .as_deref()
            .filter(|s| !s.is_empty())
        {
            let declared = world.instagram_users.iter().find(|u| u.id == ig);
            match declared {
                Some(u) if u.account_type == "PERSONAL" => {
                    return Err(invalid(
                        &obj,
                        "instagram_business_account",
                        format!(
                            "instagram user {ig:?} is a PERSONAL account; link a BUSINESS or MEDIA_CREATOR one"
                        ),
                    ));
                }
                Some(_) => {}
                None if cx.existing.ig_user_exists(ig) => {}
                None => {
                    return Err(invalid(
                        &obj,
                        "instagram_business_account",
                        format!("no instagram user has id {ig:?}"),
                    ));
                }
            }
        }
        let mut extra = serde_json::Map::new();
        if let Some(loc) = &p.location {
            extra.insert("location".into(), serde_json::Value::Object(loc.clone()));
        }
        plan.pages.push(Page {
            id: p.id.clone(),
            name: p.name.clone(),
            category_enum: p.category_enum.clone(),
            about: p.about.clone(),
            description: p.description.clone(),
            phone: p.phone.clone(),
            website: p.website.clone(),
            is_place: p.is_place,
            is_promotable: p.is_promotable,
            business_id: p.business_id.clone(),
            instagram_business_account: p
                .instagram_business_account
                .clone()
                .filter(|s| !s.is_empty()),
            extra: serde_json::Value::Object(extra),
        });
        for (j, r) in p.roles.iter().enumerate() {
            let robj = format!("pages[{i}].roles[{j}]");
            if !fb_exists(&r.user) {
                return Err(invalid(
                    &robj,
                    "user",
                    format!("no facebook user has id {:?}", r.user),
                ));
            }
            if let Some(t) = r.tasks.iter().find(|t| !TASKS.contains(&t.as_str())) {
                return Err(invalid(
                    &robj,
                    "tasks",
                    format!("{t:?} is not one of {}", TASKS.join(", ")),
                ));
            }
            plan.page_roles.push(PageRole {
                page_id: p.id.clone(),
                fb_user_id: r.user.clone(),
                tasks: r.tasks.clone(),
            });
        }
    }

    for (i, t) in world.tokens.iter().enumerate() {
        let obj = format!("tokens[{i}]");
        plan.tokens.push(plan_token(
            world, cx, &obj, t, &ig_id_of, &fb_exists, &app_ids, &page_ids,
        )?);
    }
    plan_webhooks(world, cx, &mut plan, &app_ids)?;
    plan.expired_stories = plan
        .media
        .iter()
        .filter(|m| {
            m.media_product_type == crate::model::MediaProductType::Story
                && m.timestamp + crate::model::STORY_LIFETIME <= cx.now
        })
        .map(|m| m.id.clone())
        .collect();
    Ok(plan)
}

/// The comments of every top-level media, authors resolved by username.
/// The default Graph version of a webhook field declared without one.
pub const WEBHOOK_DEFAULT_VERSION: &str = "v22.0";

fn check_webhook_fields<'a>(
    obj: &str,
    field: &str,
    names: impl Iterator<Item = &'a str>,
) -> Result<(), WorldError> {
    let mut any = false;
    for (j, name) in names.enumerate() {
        any = true;
        if !crate::webhooks::INSTAGRAM_FIELDS.contains(&name) {
            return Err(invalid(
                obj,
                &format!("{field}[{j}]"),
                format!(
                    "{name:?} is not a field of the instagram object (one of {})",
                    crate::webhooks::INSTAGRAM_FIELDS.join(", ")
                ),
            ));
        }
    }
    if any {
        Ok(())
    } else {
        Err(invalid(obj, field, "must name at least one field"))
    }
}

/// `[[apps.webhooks]]`, `[[instagram_users.subscribed_apps]]` and `[[pages.subscribed_apps]]`
/// (docs/world-file.md#webhooks): the subscriptions and enablings, without handshakes.
fn plan_webhooks(
    world: &World,
    cx: &PlanContext<'_>,
    plan: &mut WorldPlan,
    app_ids: &HashSet<String>,
) -> Result<(), WorldError> {
    use crate::webhooks::{AccountSubscription, EnabledBy, SubscribedField, Subscription};
    for (i, a) in world.apps.iter().enumerate() {
        let mut objects = HashSet::new();
        for (k, w) in a.webhooks.iter().enumerate() {
            let obj = format!("apps[{i}].webhooks[{k}] (app {:?})", a.id);
            if w.object != crate::webhooks::OBJECT_INSTAGRAM {
                return Err(invalid(
                    &obj,
                    "object",
                    format!(
                        "{:?} is not served: the only object is \"instagram\"",
                        w.object
                    ),
                ));
            }
            if !objects.insert(w.object.as_str()) {
                return Err(invalid(&obj, "object", "subscribed twice"));
            }
            match url::Url::parse(&w.callback_url) {
                Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {}
                _ => {
                    return Err(invalid(
                        &obj,
                        "callback_url",
                        format!("{:?} is not an http or https URL", w.callback_url),
                    ));
                }
            }
            let fields: Vec<SubscribedField> = w
                .fields
                .iter()
                .map(|f| match f {
                    WorldWebhookField::Name(name) => SubscribedField {
                        name: name.clone(),
                        version: WEBHOOK_DEFAULT_VERSION.into(),
                    },
                    WorldWebhookField::Versioned { name, version } => SubscribedField {
                        name: name.clone(),
                        version: version.clone(),
                    },
                })
                .collect();
            check_webhook_fields(&obj, "fields", fields.iter().map(|f| f.name.as_str()))?;
            plan.subscriptions.push(Subscription {
                app_id: a.id.clone(),
                object: w.object.clone(),
                callback_url: w.callback_url.clone(),
                fields,
                include_values: w.include_values,
                created_at: cx.now,
                updated_at: cx.now,
            });
        }
    }
    let enablings = world
        .instagram_users
        .iter()
        .enumerate()
        .flat_map(|(i, u)| {
            u.subscribed_apps.iter().enumerate().map(move |(k, e)| {
                (
                    format!(
                        "instagram_users[{i}].subscribed_apps[{k}] (user {:?})",
                        u.id
                    ),
                    &u.id,
                    EnabledBy::Instagram,
                    e,
                )
            })
        })
        .chain(world.pages.iter().enumerate().flat_map(|(i, p)| {
            p.subscribed_apps.iter().enumerate().map(move |(k, e)| {
                (
                    format!("pages[{i}].subscribed_apps[{k}] (page {:?})", p.id),
                    &p.id,
                    EnabledBy::Page,
                    e,
                )
            })
        }));
    let mut seen = HashSet::new();
    for (obj, object_id, kind, e) in enablings {
        if !app_ids.contains(&e.app) && !cx.existing.app_exists(&e.app) {
            return Err(invalid(&obj, "app", format!("no app {:?}", e.app)));
        }
        if !seen.insert((e.app.as_str(), object_id.as_str())) {
            return Err(invalid(&obj, "app", "enabled twice"));
        }
        check_webhook_fields(
            &obj,
            "subscribed_fields",
            e.subscribed_fields.iter().map(String::as_str),
        )?;
        let mut fields = e.subscribed_fields.clone();
        fields.sort();
        fields.dedup();
        plan.account_subscriptions.push(AccountSubscription {
            app_id: e.app.clone(),
            object_id: object_id.clone(),
            kind,
            fields,
            created_at: cx.now,
        });
    }
    Ok(())
}

fn plan_comments(
    plan: &mut WorldPlan,
    world: &World,
    ig_id_of: &dyn Fn(&str) -> Option<String>,
) -> Result<(), WorldError> {
    let mut ids = HashSet::new();
    for (i, u) in world.instagram_users.iter().enumerate() {
        for (j, m) in u.media.iter().enumerate() {
            let media_time = plan
                .media
                .iter()
                .find(|p| p.id == m.id)
                .map(|p| p.timestamp);
            for (k, c) in m.comments.iter().enumerate() {
                let obj = format!(
                    "instagram_users[{i}].media[{j}].comments[{k}] (id {:?})",
                    c.id
                );
                let top = plan_comment(plan, &mut ids, ig_id_of, &obj, c, &m.id, None, media_time)?;
                for (r, reply) in c.replies.iter().enumerate() {
                    let robj = format!("{obj}.replies[{r}] (id {:?})", reply.id);
                    if !reply.replies.is_empty() {
                        return Err(invalid(&robj, "replies", "replies take no replies"));
                    }
                    plan_comment(
                        plan,
                        &mut ids,
                        ig_id_of,
                        &robj,
                        reply,
                        &m.id,
                        Some(&c.id),
                        Some(top),
                    )?;
                }
            }
            if let Some(enabled) = m.comment_enabled {
                plan.comment_switches.push((m.id.clone(), enabled));
            }
            for (k, child) in m.children.iter().enumerate() {
                if child.comment_enabled.is_some() {
                    return Err(invalid(
                        format!("instagram_users[{i}].media[{j}].children[{k}]"),
                        "comment_enabled",
                        "album children take no comments; set it on the album",
                    ));
                }
                if !child.comments.is_empty() {
                    return Err(invalid(
                        format!("instagram_users[{i}].media[{j}].children[{k}]"),
                        "comments",
                        "album children take no comments; comment on the album",
                    ));
                }
            }
        }
    }
    Ok(())
}

/// One comment; its time.
#[allow(clippy::too_many_arguments)]
fn plan_comment(
    plan: &mut WorldPlan,
    ids: &mut HashSet<String>,
    ig_id_of: &dyn Fn(&str) -> Option<String>,
    obj: &str,
    c: &WorldComment,
    media_id: &str,
    parent: Option<&str>,
    default_time: Option<OffsetDateTime>,
) -> Result<OffsetDateTime, WorldError> {
    check_id(obj, "id", &c.id)?;
    if !ids.insert(c.id.clone()) {
        return Err(invalid(obj, "id", "declared twice"));
    }
    let from_id = ig_id_of(&c.from)
        .ok_or_else(|| invalid(obj, "from", format!("no Instagram account {:?}", c.from)))?;
    if c.text.trim().is_empty() || c.text.chars().count() > crate::comments::MAX_TEXT {
        return Err(invalid(obj, "text", "must be 1 to 2200 characters"));
    }
    let timestamp = match (&c.timestamp, default_time) {
        (Some(t), _) => parse_timestamp(t).ok_or_else(|| {
            invalid(
                obj,
                "timestamp",
                format!("{t:?} is not RFC 3339 or 2026-05-01T18:10:00+0000"),
            )
        })?,
        (None, Some(t)) => t,
        (None, None) => return Err(invalid(obj, "timestamp", "is required")),
    };
    plan.comments.push(crate::comments::Comment {
        id: c.id.clone(),
        media_id: media_id.to_owned(),
        parent_id: parent.map(str::to_owned),
        from_id,
        from_username: c.from.clone(),
        text: c.text.clone(),
        timestamp,
        hidden: c.hidden,
    });
    Ok(timestamp)
}

#[allow(clippy::too_many_arguments)]
fn plan_media(
    plan: &mut WorldPlan,
    ids: &mut HashSet<String>,
    cx: &PlanContext<'_>,
    obj: &str,
    m: &WorldMedia,
    owner: &str,
    parent: Option<&str>,
    position: i64,
    parent_time: Option<OffsetDateTime>,
) -> Result<(), WorldError> {
    check_id(obj, "id", &m.id)?;
    if !ids.insert(m.id.clone()) {
        return Err(invalid(obj, "id", "declared twice"));
    }
    use crate::model::{MediaProductType, MediaType};
    let allowed: &[MediaType] = if parent.is_some() {
        &[MediaType::Image, MediaType::Video]
    } else {
        MediaType::ALL
    };
    let Some(media_type) = MediaType::parse(&m.media_type).filter(|t| allowed.contains(t)) else {
        let names: Vec<&str> = allowed.iter().map(|t| t.as_str()).collect();
        return Err(invalid(
            obj,
            "media_type",
            format!("must be one of {}", names.join(", ")),
        ));
    };
    let timestamp = match (&m.timestamp, parent_time) {
        (Some(t), _) => parse_timestamp(t).ok_or_else(|| {
            invalid(
                obj,
                "timestamp",
                format!("{t:?} is not RFC 3339 or 2026-05-01T18:10:00+0000"),
            )
        })?,
        (None, Some(t)) => t,
        (None, None) => return Err(invalid(obj, "timestamp", "is required")),
    };
    let Some(product) = MediaProductType::parse(&m.media_product_type) else {
        return Err(invalid(
            obj,
            "media_product_type",
            "must be FEED, REELS, STORY or AD",
        ));
    };
    if m.is_shared_to_feed.is_some() && product != MediaProductType::Reels {
        return Err(invalid(obj, "is_shared_to_feed", "applies to REELS only"));
    }
    if m.thumbnail_file.is_some() && media_type != MediaType::Video {
        return Err(invalid(obj, "thumbnail_file", "applies to VIDEO only"));
    }
    let is_album = media_type == MediaType::CarouselAlbum;
    if is_album && !(2..=10).contains(&m.children.len()) {
        return Err(invalid(obj, "children", "an album has 2 to 10 children"));
    }
    if !is_album && !m.children.is_empty() {
        return Err(invalid(
            obj,
            "children",
            "only CAROUSEL_ALBUM media have children",
        ));
    }
    let shortcode = match &m.shortcode {
        Some(s) if !s.is_empty() => {
            if !s
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
            {
                return Err(invalid(
                    obj,
                    "shortcode",
                    "must be letters, digits, '_' or '-'",
                ));
            }
            s.clone()
        }
        _ => shortcode_for(&m.id),
    };
    let (file, media_blob) = load_file(
        plan,
        cx,
        &m.file,
        obj,
        "file",
        media_type == MediaType::Video,
    )?;
    if is_album && file.is_some() {
        return Err(invalid(
            obj,
            "file",
            "an album has no file of its own; give its children files",
        ));
    }
    if let Some(sha) = &media_blob {
        let is_video = plan
            .blobs
            .iter()
            .find(|b| &b.sha256 == sha)
            .is_some_and(|b| crate::sniff::is_video(&b.content_type));
        if media_type == MediaType::Video && !is_video {
            return Err(invalid(obj, "file", "a VIDEO needs a video file (MP4)"));
        }
    }
    let (thumbnail_file, thumbnail_blob) =
        load_file(plan, cx, &m.thumbnail_file, obj, "thumbnail_file", false)?;
    plan.media.push(IgMedia {
        id: m.id.clone(),
        owner_id: owner.to_owned(),
        parent_id: parent.map(str::to_owned),
        position,
        media_type,
        caption: m.caption.clone().filter(|c| !c.is_empty()),
        timestamp,
        file,
        thumbnail_file,
        shortcode,
        copyright_flagged: m.copyright_flagged,
        media_product_type: product,
        is_shared_to_feed: m.is_shared_to_feed,
        media_blob,
        thumbnail_blob,
    });
    for (k, c) in m.children.iter().enumerate() {
        let cobj = format!("{obj}.children[{k}] (id {:?})", c.id);
        plan_media(
            plan,
            ids,
            cx,
            &cobj,
            c,
            owner,
            Some(&m.id),
            k as i64,
            Some(timestamp),
        )?;
    }
    Ok(())
}

/// A deterministic 11-character shortcode for a media id (base64url alphabet).
pub fn shortcode_for(id: &str) -> String {
    use sha2::{Digest, Sha256};
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    Sha256::digest(id.as_bytes())
        .iter()
        .take(11)
        .map(|b| char::from(ALPHABET[usize::from(b % 64)]))
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn plan_token(
    world: &World,
    cx: &PlanContext<'_>,
    obj: &str,
    t: &WorldToken,
    ig_id_of: &dyn Fn(&str) -> Option<String>,
    fb_exists: &dyn Fn(&str) -> bool,
    app_ids: &HashSet<String>,
    page_ids: &HashSet<String>,
) -> Result<TokenRecord, WorldError> {
    let by_hash = match (&t.value_sha256, t.value.is_empty()) {
        (Some(_), false) => {
            return Err(invalid(
                obj,
                "value_sha256",
                "give value or value_sha256, not both",
            ));
        }
        (Some(h), true) => {
            if h.len() != 64
                || !h
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
            {
                return Err(invalid(
                    obj,
                    "value_sha256",
                    "must be 64 lowercase hex digits",
                ));
            }
            Some(h.clone())
        }
        (None, _) => None,
    };
    if by_hash.is_none()
        && (t.value.len() < 16
            || t.value.len() > 512
            || !t.value.bytes().all(|b| b.is_ascii_graphic()))
    {
        return Err(invalid(
            obj,
            "value",
            "must be 16 to 512 printable characters",
        ));
    }
    if !app_ids.contains(&t.app) && !cx.existing.app_exists(&t.app) {
        return Err(invalid(obj, "app", format!("no app has id {:?}", t.app)));
    }
    let kind = TokenKind::parse(&t.kind).ok_or_else(|| {
        invalid(obj, "kind", "must be instagram_short_lived, instagram_long_lived, facebook_user, facebook_user_long_lived, page or app")
    })?;
    if by_hash.is_none() && kind.is_instagram() && !t.value.starts_with("IG") {
        return Err(invalid(
            obj,
            "value",
            "instagram tokens start with IG (IGQV… or IGAA…)",
        ));
    }
    if by_hash.is_none()
        && !kind.is_instagram()
        && kind != TokenKind::App
        && !t.value.starts_with("EAA")
    {
        return Err(invalid(obj, "value", "facebook tokens start with EAA"));
    }
    let subject = match kind {
        TokenKind::InstagramShortLived | TokenKind::InstagramLongLived => {
            Subject::Instagram(ig_id_of(&t.user).ok_or_else(|| {
                invalid(
                    obj,
                    "user",
                    format!("no instagram user is named {:?}", t.user),
                )
            })?)
        }
        TokenKind::App => Subject::App,
        _ => {
            if !fb_exists(&t.user) {
                return Err(invalid(
                    obj,
                    "user",
                    format!("no facebook user has id {:?}", t.user),
                ));
            }
            Subject::Facebook(t.user.clone())
        }
    };
    let page_id = if kind == TokenKind::Page {
        if !page_ids.contains(&t.page) && !cx.existing.page_exists(&t.page) {
            return Err(invalid(obj, "page", format!("no page has id {:?}", t.page)));
        }
        Some(t.page.clone())
    } else {
        None
    };
    let mut scopes = t.scopes.clone();
    if kind.is_instagram() {
        if scopes.is_empty() {
            scopes = vec!["user_profile".into(), "user_media".into()];
        }
        crate::scope::Scopes::from_list(scopes.clone())
            .map_err(|e| invalid(obj, "scopes", format!("{e:?}")))?;
    }
    let issued_at = match &t.issued_at {
        Some(s) => parse_timestamp(s)
            .ok_or_else(|| invalid(obj, "issued_at", format!("{s:?} is not RFC 3339")))?,
        None => cx.now,
    };
    let expires_at = match kind {
        TokenKind::InstagramShortLived => Some(issued_at + cx.lifetimes.short_lived),
        TokenKind::InstagramLongLived | TokenKind::FacebookUserLongLived => {
            Some(issued_at + cx.lifetimes.long_lived)
        }
        TokenKind::FacebookUser => Some(issued_at + cx.lifetimes.facebook_user),
        TokenKind::Page | TokenKind::App => None,
    };
    let expires_at = match &t.expires_at {
        Some(s) => Some(
            parse_timestamp(s)
                .filter(|at| *at > issued_at)
                .ok_or_else(|| {
                    invalid(
                        obj,
                        "expires_at",
                        format!("{s:?} is not an RFC 3339 time after issued_at"),
                    )
                })?,
        ),
        None => expires_at,
    };
    let _ = world;
    Ok(TokenRecord {
        id: cx.rng.digits('9', 18),
        token_hash: by_hash.unwrap_or_else(|| SecretHash::of(&t.value).0),
        app_id: t.app.clone(),
        kind,
        subject,
        page_id,
        scopes,
        issued_at,
        expires_at,
        revoked_at: None,
        code_id: None,
        parent_id: None,
        derived_at: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::SeededRng;
    use time::macros::datetime;

    fn cx(rng: &SeededRng) -> PlanContext<'_> {
        PlanContext {
            rng,
            now: datetime!(2026-11-01 00:00 UTC),
            lifetimes: Lifetimes::default(),
            base_dir: None,
            stored_files: Box::leak(Box::default()),
            existing: &NothingExisting,
            prehashed: Box::leak(Box::default()),
        }
    }

    #[test]
    fn the_demo_world_passwords_verify_against_its_hashes() {
        let world = parse(DEMO_WORLD, Format::Toml).unwrap();
        let hashes: Vec<(String, String)> = world
            .instagram_users
            .iter()
            .map(|u| (u.username.clone(), u.password_hash.clone()))
            .chain(
                world
                    .facebook_users
                    .iter()
                    .map(|u| (u.id.clone(), u.password_hash.clone())),
            )
            .map(|(who, hash)| (who, hash.expect("the demo world gives hashes")))
            .collect();
        assert_eq!(hashes.len(), DEMO_PASSWORDS.len());
        for (who, password) in DEMO_PASSWORDS {
            let (_, hash) = hashes.iter().find(|(w, _)| w == who).unwrap();
            assert!(crate::secret::verify_password(password, hash), "{who}");
            assert!(!crate::secret::verify_password("wrong", hash), "{who}");
        }
    }

    #[test]
    fn passwords_hashed_ahead_are_used_once_each_and_the_rest_hashed_by_the_plan() {
        let world = parse(
            "version = 1\n\
             [[instagram_users]]\nid = \"1\"\nusername = \"a\"\npassword = \"p\"\n\
             [[instagram_users]]\nid = \"2\"\nusername = \"b\"\npassword = \"p\"\n\
             [[facebook_users]]\nid = \"4\"\nname = \"D\"\npassword = \"q\"\n",
            Format::Toml,
        )
        .unwrap();
        assert_eq!(plain_passwords(&world), ["p", "p", "q"]);
        let rng = SeededRng::new(7);
        // Hashed ahead: one of the two uses of `p` only.
        let ahead = hash_passwords(&rng, vec!["p".to_owned()]).unwrap();
        let made_ahead = ahead.0.lock().unwrap()["p"][0].clone();
        let plan = plan(
            &world,
            &PlanContext {
                prehashed: &ahead,
                ..cx(&rng)
            },
        )
        .unwrap();
        assert_eq!(ahead.unused(), 0);
        let ig: Vec<&str> = plan
            .ig_users
            .iter()
            .map(|u| u.password_hash.as_str())
            .collect();
        assert_eq!(ig.iter().filter(|h| **h == made_ahead).count(), 1);
        assert_ne!(ig[0], ig[1], "each user has a salt of its own");
        for hash in &ig[..2] {
            assert!(crate::secret::verify_password("p", hash), "{hash}");
        }
        let fb = plan.fb_users[0].password_hash.as_deref().unwrap();
        assert!(crate::secret::verify_password("q", fb));
    }

    #[test]
    fn the_demo_world_plans() {
        let world = parse(DEMO_WORLD, Format::Toml).unwrap();
        let rng = SeededRng::new(1);
        let plan = plan(&world, &cx(&rng)).unwrap();
        assert_eq!(plan.apps.len(), 1);
        assert!(plan.media.len() >= 12);
        assert!(
            plan.media
                .iter()
                .any(|m| m.media_type == crate::model::MediaType::Video)
        );
        assert!(
            plan.media
                .iter()
                .any(|m| m.media_type == crate::model::MediaType::CarouselAlbum)
        );
        assert_eq!(plan.pages.len(), 2);
        assert_eq!(plan.tokens.len(), 1);
        assert!(
            plan.ig_users
                .iter()
                .all(|u| u.password_hash.starts_with("$argon2id$"))
        );
    }

    /// What [`write`] writes, [`parse`] reads back the same, in both formats: the demo world
    /// plus fault rules and comments, the parts an export adds.
    #[test]
    fn a_written_world_parses_back_the_same() {
        let body = format!(
            "{DEMO_WORLD}\n{}",
            r#"
[[faults]]
id = "flaky-media"
match = { host = "graph.instagram.com", method = "GET", path = "/me/media" }
when = { nth = 2 }
effect = { graph_error = { code = 2, type = "OAuthException", is_transient = true, status = 500, message = "Retry later." } }
"#
        );
        let mut world = parse(&body, Format::Toml).unwrap();
        let media = &mut world.instagram_users[0].media[0];
        media.comment_enabled = Some(false);
        media.comments.push(WorldComment {
            id: "17850000000000001".into(),
            from: "jane.doe".into(),
            text: "First".into(),
            timestamp: Some("2026-05-03T09:00:00Z".into()),
            hidden: true,
            replies: vec![WorldComment {
                id: "17850000000000002".into(),
                from: "jane.doe".into(),
                text: "Second".into(),
                timestamp: None,
                hidden: false,
                replies: Vec::new(),
            }],
        });
        let want = serde_json::to_value(&world).unwrap();
        for format in [Format::Toml, Format::Json] {
            let text = write(&world, format).unwrap();
            let back = parse(&text, format).unwrap();
            assert_eq!(serde_json::to_value(&back).unwrap(), want, "{format:?}");
        }
    }

    #[test]
    fn unknown_keys_are_refused_with_their_line() {
        let err = parse("version = 1\n[[apps]]\nid = \"1\"\nsecret = \"12345678\"\nname = \"A\"\nmoed = \"live\"\n", Format::Toml)
            .unwrap_err();
        let text = err.to_string();
        assert!(text.contains("moed"), "{text}");
        assert!(text.contains("line 6"), "{text}");
    }

    #[test]
    fn errors_name_the_object_and_the_field() {
        let body =
            r#"{"version":1,"apps":[{"id":"12","secret":"12345678","name":"A","mode":"beta"}]}"#;
        let world = parse(body, Format::Json).unwrap();
        let rng = SeededRng::new(1);
        let err = plan(&world, &cx(&rng)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "world file: apps[0] (id \"12\"): field `mode`: \"beta\" is not development or live"
        );
    }

    #[test]
    fn insecure_redirect_uris_are_refused() {
        let body = r#"{"version":1,"apps":[{"id":"12","secret":"12345678","name":"A","redirect_uris":["http://app.example/cb"]}]}"#;
        let world = parse(body, Format::Json).unwrap();
        let rng = SeededRng::new(1);
        let err = plan(&world, &cx(&rng)).unwrap_err();
        assert!(err.to_string().contains("field `redirect_uris`"), "{err}");
    }

    #[test]
    fn files_are_checked_by_content_and_stored_once() {
        let dir = std::env::temp_dir().join(format!("lg-world-files-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("a.png"), b"\x89PNG\r\n\x1a\nrest-of-a-png").unwrap();
        std::fs::write(dir.join("notes.txt"), b"hello").unwrap();
        let body = |file: &str| {
            format!(
                "version = 1\n[[instagram_users]]\nid = \"1\"\nusername = \"a\"\npassword = \"p\"\n  [[instagram_users.media]]\n  id = \"10\"\n  media_type = \"IMAGE\"\n  timestamp = \"2026-05-01T18:10:00Z\"\n  file = \"{file}\"\n  [[instagram_users.media]]\n  id = \"11\"\n  media_type = \"IMAGE\"\n  timestamp = \"2026-05-01T18:10:00Z\"\n  file = \"{file}\"\n"
            )
        };
        let rng = SeededRng::new(1);
        let mut context = cx(&rng);
        context.base_dir = Some(&dir);
        let plan = plan(&parse(&body("a.png"), Format::Toml).unwrap(), &context).unwrap();
        assert_eq!(plan.blobs.len(), 1, "the same bytes are stored once");
        assert_eq!(plan.blobs[0].content_type, "image/png");
        assert!(
            plan.media
                .iter()
                .all(|m| m.media_blob.as_deref() == Some(plan.blobs[0].sha256.as_str()))
        );
        let err =
            super::plan(&parse(&body("notes.txt"), Format::Toml).unwrap(), &context).unwrap_err();
        assert!(
            err.to_string().contains("field `file`") && err.to_string().contains("is not a JPEG"),
            "{err}"
        );
        let err = super::plan(
            &parse(&body("missing.jpg"), Format::Toml).unwrap(),
            &context,
        )
        .unwrap_err();
        assert!(err.to_string().contains("cannot read"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn files_stay_inside_the_world_folder_and_posted_worlds_name_none() {
        let dir = std::env::temp_dir().join(format!("lg-world-jail-{}", std::process::id()));
        let inner = dir.join("world");
        std::fs::create_dir_all(inner.join("sub")).unwrap();
        let png = b"\x89PNG\r\n\x1a\nrest-of-a-png";
        std::fs::write(dir.join("outside.png"), png).unwrap();
        std::fs::write(inner.join("in.png"), png).unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(dir.join("outside.png"), inner.join("link.png")).unwrap();
        let body = |file: &str| {
            format!(
                "version = 1\n[[instagram_users]]\nid = \"1\"\nusername = \"a\"\npassword = \"p\"\nprofile_picture = \"{file}\"\n"
            )
        };
        let rng = SeededRng::new(1);
        let mut jailed = cx(&rng);
        jailed.base_dir = Some(&inner);
        let posted = cx(&rng);
        let run = |context: &PlanContext<'_>, file: &str| {
            plan(&parse(&body(file), Format::Toml).unwrap(), context).map(|p| p.blobs.len())
        };
        assert_eq!(run(&jailed, "in.png"), Ok(1));
        assert_eq!(run(&jailed, "./sub/../in.png"), Ok(1));
        let outside = dir.join("outside.png").display().to_string();
        for file in [
            "../outside.png",
            outside.as_str(),
            "/etc/passwd",
            "/dev/zero",
            "link.png",
        ] {
            let err = run(&jailed, file).unwrap_err().to_string();
            assert!(
                err.contains("is outside the world file's folder")
                    || (cfg!(not(unix)) && err.contains("cannot read")),
                "{file}: {err}"
            );
        }
        let err = run(&jailed, "sub").unwrap_err().to_string();
        assert!(err.contains("is not a regular file"), "{err}");
        for file in ["in.png", "/dev/zero", "/etc/passwd"] {
            let err = run(&posted, file).unwrap_err().to_string();
            assert!(
                err.contains("field `profile_picture`")
                    && err.contains("a world posted to the control plane cannot name files"),
                "{file}: {err}"
            );
        }
        // Inline data works everywhere.
        use base64::Engine as _;
        let inline = format!(
            "data:image/png;base64,{}",
            base64::engine::general_purpose::STANDARD.encode(png)
        );
        assert_eq!(run(&posted, &inline), Ok(1));
        assert_eq!(run(&jailed, &inline), Ok(1));
        // A file Localgram serves, when it is stored.
        let err = run(&posted, "/cdn/media/7.jpg").unwrap_err().to_string();
        assert!(err.contains("is not a file stored in Localgram"), "{err}");
        let stored: HashMap<String, Blob> = [(
            "http://127.0.0.1:8090/cdn/media/7.jpg".to_owned(),
            Blob::new("image/png", png.to_vec()),
        )]
        .into();
        let mut reuse = cx(&rng);
        reuse.stored_files = &stored;
        assert_eq!(run(&reuse, "http://127.0.0.1:8090/cdn/media/7.jpg"), Ok(1));
        let err = run(&posted, "data:image/png,plain")
            .unwrap_err()
            .to_string();
        assert!(err.contains("a data: URI must be base64"), "{err}");
        let err = run(&posted, "data:image/png;base64,!!!")
            .unwrap_err()
            .to_string();
        assert!(err.contains("malformed"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn localgram_file_urls_name_their_kind_and_id() {
        assert_eq!(
            localgram_file("/cdn/media/17895695668004550.jpg"),
            Some((LocalgramFile::Media, "17895695668004550"))
        );
        assert_eq!(
            localgram_file("https://emulator.test/cdn/thumb/7.jpg?x=1"),
            Some((LocalgramFile::Thumbnail, "7"))
        );
        assert_eq!(
            localgram_file("http://127.0.0.1:8090/cdn/profile/1.jpg"),
            Some((LocalgramFile::Profile, "1"))
        );
        for other in [
            "cdn/media/7.jpg",
            "/cdn/media/../7.jpg",
            "/cdn/media/.jpg",
            "/etc/passwd",
            "file:///cdn/media/7.jpg",
            "data:image/png;base64,AA",
            "images/a.jpg",
        ] {
            assert_eq!(localgram_file(other), None, "{other}");
        }
    }

    #[test]
    fn testers_must_exist() {
        let body = r#"{"version":1,"apps":[{"id":"12","secret":"12345678","name":"A","instagram_testers":["ghost"]}]}"#;
        let world = parse(body, Format::Json).unwrap();
        let rng = SeededRng::new(1);
        let err = plan(&world, &cx(&rng)).unwrap_err();
        assert!(
            err.to_string()
                .contains("no instagram user is named \"ghost\""),
            "{err}"
        );
    }

    #[test]
    fn page_creation_allowed_is_a_boolean_defaulting_to_false() {
        let app = |extra: &str| {
            format!(
                "version = 1\n[[apps]]\nid = \"12\"\nsecret = \"12345678\"\nname = \"A\"\n{extra}"
            )
        };
        let rng = SeededRng::new(1);
        let allowed = |extra: &str| {
            let world = parse(&app(extra), Format::Toml).unwrap();
            plan(&world, &cx(&rng)).unwrap().apps[0].page_creation_allowed
        };
        assert!(!allowed(""));
        assert!(!allowed("page_creation_allowed = false\n"));
        assert!(allowed("page_creation_allowed = true\n"));
        let err = parse(&app("page_creation_allowed = \"yes\"\n"), Format::Toml).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("line 6")
                && text.contains("invalid type: string \"yes\", expected a boolean"),
            "{text}"
        );
    }
}
