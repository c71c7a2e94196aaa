//! The OpenAPI 3 document of every endpoint Localgram serves, served at
//! `/_localgram/openapi.json` and committed as `docs/openapi.json` (a test fails, naming the
//! command that regenerates it, when the two differ). Wire shapes come from `localgram-types`;
//! the operations are declared here, one per route, next to nothing else, so that a change of
//! contract shows in review.
//!
//! Every graph.instagram.com path is also served under a version prefix (`/v21.0/me`, …).
#![allow(dead_code)] // the functions below exist only to carry their `#[utoipa::path]`

use crate::openapi_shared::{ControlError, CreatedId, Success};
use localgram_types::{
    BasicDisplayTokenResponse, Cursors, GraphErrorBody, GraphErrorDetail,
    InstagramLoginTokenResponse, InstagramOAuthErrorBody, LongLivedTokenResponse, Paging,
    WrappedTokenItem, WrappedTokenResponse,
};
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

pub use crate::openapi_shared::nodes::{FbUserNode, MediaNode, PageNode, UserNode};

/// Inline album children.
#[derive(Serialize, ToSchema)]
pub struct ChildrenData {
    #[schema(no_recursion)]
    data: Vec<MediaNode>,
}

/// A page of media.
#[derive(Serialize, ToSchema)]
pub struct MediaPage {
    data: Vec<MediaNode>,
    /// Absent on an empty page.
    paging: Option<Paging>,
}

/// `/_localgram/clock`.
#[derive(Serialize, ToSchema)]
pub struct ClockBody {
    now: String,
    unix: i64,
    frozen: bool,
    offset_seconds: i64,
}

/// `PUT /_localgram/clock`.
#[derive(Serialize, ToSchema)]
pub struct SetClock {
    now: String,
    frozen: Option<bool>,
}

/// `POST /_localgram/clock/advance`.
#[derive(Serialize, ToSchema)]
pub struct AdvanceClock {
    seconds: i64,
}

/// `POST /_localgram/reset` (an empty body: the defaults).
#[derive(Serialize, ToSchema)]
pub struct ResetRequest {
    /// Load the worlds the server started with again (`--world`, the demo world); default
    /// `true`. `false` leaves the emulator empty.
    reload_world: Option<bool>,
}

/// What `POST /_localgram/reset` did.
#[derive(Serialize, ToSchema)]
pub struct ResetResult {
    reset: bool,
    /// How many start worlds were loaded again.
    worlds_loaded: i64,
}

/// `POST /_localgram/snapshots`.
#[derive(Serialize, ToSchema)]
pub struct SnapshotRequest {
    /// 1 to 64 letters, digits, `.`, `_` or `-`; a snapshot of that name is replaced.
    name: String,
}

/// A saved snapshot.
#[derive(Serialize, ToSchema)]
pub struct Snapshot {
    name: String,
    /// When it was saved, by the emulator clock (RFC 3339).
    created_at: String,
}

/// `GET /_localgram/snapshots`.
#[derive(Serialize, ToSchema)]
pub struct SnapshotList {
    /// By name.
    data: Vec<Snapshot>,
}

/// `POST /_localgram/snapshots/{name}/restore`.
#[derive(Serialize, ToSchema)]
pub struct Restored {
    restored: Snapshot,
}

/// `DELETE /_localgram/snapshots/{name}`.
#[derive(Serialize, ToSchema)]
pub struct Deleted {
    deleted: bool,
}

/// `POST /_localgram/oauth/codes`.
#[derive(Serialize, ToSchema)]
pub struct MintCodes {
    app: String,
    /// An Instagram username or id (Instagram codes), or a Facebook user id, login email or
    /// name (Facebook Login codes; a name is looked up among the app's role holders and test
    /// users).
    user: String,
    /// Instagram scopes (default `user_profile,user_media` for an Instagram account), or
    /// Facebook Login permissions such as `public_profile,pages_show_list` (default
    /// `public_profile` for a Facebook user): they decide which host's code is minted.
    scopes: Option<Vec<String>>,
    redirect_uri: String,
    count: Option<u32>,
}

/// The answer of `POST /_localgram/oauth/codes`.
#[derive(Serialize, ToSchema)]
pub struct Codes {
    codes: Vec<String>,
}

/// The authorize window's query (both windows).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuthorizeQuery {
    /// The app id (`app_id` is accepted too).
    client_id: String,
    /// Exactly one of the app's redirect URIs.
    redirect_uri: String,
    /// `code`.
    response_type: String,
    /// Comma- or space-separated: `user_profile,user_media` or `instagram_business_basic,…`.
    scope: String,
    state: Option<String>,
    code_challenge: Option<String>,
    /// `S256` | `plain`.
    code_challenge_method: Option<String>,
    /// www.instagram.com only.
    enable_fb_login: Option<bool>,
    /// www.instagram.com only.
    force_reauth: Option<bool>,
}

/// Paging and selection parameters of an edge.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EdgeQuery {
    access_token: Option<String>,
    /// Field selection with expansion, e.g. `id,caption,children{media_url}`.
    fields: Option<String>,
    /// Default 25, at most 100 (larger values are clamped).
    limit: Option<u32>,
    after: Option<String>,
    before: Option<String>,
    /// Unix time or `YYYY-MM-DD`.
    since: Option<String>,
    /// Unix time or `YYYY-MM-DD`.
    until: Option<String>,
    /// `1`: an error is answered with status 200 and the same body.
    suppress_http_code: Option<String>,
    /// JSONP: the answer becomes `/**/ NAME(<body>);` (`text/javascript`, status 200).
    callback: Option<String>,
}

/// A page of the accounts edge.
#[derive(Serialize, ToSchema)]
pub struct AccountsPage {
    data: Vec<PageNode>,
    paging: Option<Paging>,
    /// `{total_count}` with `summary=total_count`.
    summary: Option<serde_json::Value>,
}

/// Parameters of the accounts edge.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AccountsQuery {
    access_token: Option<String>,
    fields: Option<String>,
    /// Default 25, at most 100 (larger values are clamped).
    limit: Option<u32>,
    after: Option<String>,
    before: Option<String>,
    is_place: Option<bool>,
    is_promotable: Option<bool>,
    /// `total_count` (or `true`) adds `summary.total_count` of the filtered edge.
    summary: Option<String>,
}

/// Parameters of a node.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NodeQuery {
    access_token: Option<String>,
    fields: Option<String>,
    /// `1`: an error is answered with status 200 and the same body.
    suppress_http_code: Option<String>,
    /// JSONP: the answer becomes `/**/ NAME(<body>);` (`text/javascript`, status 200).
    callback: Option<String>,
}

#[utoipa::path(get, path = "/api.instagram.com/oauth/authorize", tag = "api.instagram.com", params(AuthorizeQuery),
    responses((status = 200, description = "The login page, or the consent page when logged in", content_type = "text/html"),
              (status = 400, description = "Invalid request (never redirected)", content_type = "text/html")))]
fn authorize_api() {}

#[utoipa::path(get, path = "/www.instagram.com/oauth/authorize", tag = "www.instagram.com", params(AuthorizeQuery),
    responses((status = 200, description = "The login page, or the consent page when logged in", content_type = "text/html"),
              (status = 400, description = "Invalid request (never redirected)", content_type = "text/html")))]
fn authorize_www() {}

#[utoipa::path(post, path = "/api.instagram.com/oauth/authorize/login", tag = "api.instagram.com",
    description = "Login form: csrf, q (the authorize query), username, password. Also under /www.instagram.com.",
    responses((status = 303, description = "Logged in: back to the authorize URL"),
              (status = 401, description = "Wrong username or password: the login page again", content_type = "text/html"),
              (status = 403, description = "Bad CSRF token or cross-site origin", content_type = "text/html"),
              (status = 429, description = "10 failed passwords for this account within 15 minutes: the login page saying there were too many attempts, with Retry-After, for the rest of the window", content_type = "text/html")))]
fn login() {}

#[utoipa::path(post, path = "/api.instagram.com/oauth/authorize", tag = "api.instagram.com",
    description = "Consent form: csrf, q, decision=allow|cancel. Also under /www.instagram.com.",
    responses((status = 303, description = "redirect_uri?code=…&state=…#_ (allow) or ?error=access_denied… (cancel)"),
              (status = 400, description = "Invalid request", content_type = "text/html"),
              (status = 403, description = "Bad CSRF token, cross-site origin or no login", content_type = "text/html")))]
fn consent() {}

#[utoipa::path(post, path = "/api.instagram.com/oauth/authorize/logout", tag = "api.instagram.com",
    description = "Switch account: csrf, q. Also under /www.instagram.com.",
    responses((status = 303, description = "Back to the authorize URL, logged out")))]
fn logout() {}

#[utoipa::path(post, path = "/api.instagram.com/oauth/access_token", tag = "api.instagram.com",
    description = "Form (urlencoded or multipart): client_id|app_id, client_secret|app_secret (or HTTP Basic), grant_type=authorization_code, redirect_uri, code, code_verifier.",
    responses((status = 200, description = "Basic Display, Instagram Login flat, or wrapped", body = BasicDisplayTokenResponse),
              (status = 400, body = InstagramOAuthErrorBody), (status = 401, body = InstagramOAuthErrorBody)))]
fn access_token() {}

#[utoipa::path(get, path = "/graph.instagram.com/access_token", tag = "graph.instagram.com",
    params(("grant_type" = String, Query, description = "ig_exchange_token"), ("client_secret" = String, Query), ("access_token" = String, Query)),
    responses((status = 200, body = LongLivedTokenResponse), (status = 400, body = GraphErrorBody)))]
fn long_lived() {}

#[utoipa::path(get, path = "/graph.instagram.com/refresh_access_token", tag = "graph.instagram.com",
    params(("grant_type" = String, Query, description = "ig_refresh_token"), ("access_token" = String, Query)),
    responses((status = 200, body = LongLivedTokenResponse), (status = 400, body = GraphErrorBody)))]
fn refresh() {}

#[utoipa::path(get, path = "/graph.instagram.com/me", tag = "graph.instagram.com", params(NodeQuery),
    responses((status = 200, body = UserNode), (status = 400, body = GraphErrorBody)))]
fn me() {}

#[utoipa::path(get, path = "/graph.instagram.com/{id}", tag = "graph.instagram.com",
    params(("id" = String, Path, description = "The token's own user id, or one of its media ids"), NodeQuery),
    responses((status = 200, description = "A user node or a media node", body = MediaNode), (status = 400, body = GraphErrorBody)))]
fn node() {}

#[utoipa::path(get, path = "/graph.instagram.com/{user_id}/media", tag = "graph.instagram.com",
    params(("user_id" = String, Path, description = "`me` or the token's own user id"), EdgeQuery),
    responses((status = 200, body = MediaPage), (status = 400, body = GraphErrorBody)))]
fn media_edge() {}

#[utoipa::path(get, path = "/graph.instagram.com/{media_id}/children", tag = "graph.instagram.com",
    params(("media_id" = String, Path), NodeQuery),
    responses((status = 200, body = MediaPage), (status = 400, body = GraphErrorBody)))]
fn children() {}

#[utoipa::path(get, path = "/www.facebook.com/dialog/oauth", tag = "www.facebook.com",
    description = "Facebook Login dialog: client_id, redirect_uri (exact), state, scope (comma list), response_type (code, the default). Also under /www.facebook.com/{version}/dialog/oauth. The login form posts to /www.facebook.com/dialog/oauth/login (csrf, q, email, password); the consent form posts here (csrf, q, decision=allow|cancel, perm=… per permission left ticked, page=… per Page chosen); /www.facebook.com/dialog/oauth/logout switches account.",
    responses((status = 200, description = "The login page, or the consent page when logged in", content_type = "text/html"),
              (status = 303, description = "After the consent form: redirect_uri?code=…&state=… or ?error_reason=user_denied&error=access_denied&error_description=Permissions+error."),
              (status = 400, description = "Invalid request (never redirected)", content_type = "text/html")))]
fn fb_dialog() {}

#[utoipa::path(get, path = "/www.facebook.com/checkpoint/test-user-login/{id}/", tag = "www.facebook.com",
    params(("id" = String, Path, description = "The test user's id"), ("n" = String, Query, description = "The link's one-time secret")),
    description = "A test user's login_url (as returned by /{app_id}/accounts/test-users): logs this browser in to the Facebook Login dialog as the test user, once, within an hour of being issued.",
    responses((status = 200, description = "Logged in", content_type = "text/html"),
              (status = 403, description = "Unknown, used or expired link", content_type = "text/html")))]
fn fb_test_user_login() {}

#[utoipa::path(get, path = "/graph.facebook.com/oauth/access_token", tag = "graph.facebook.com",
    description = "Also POST, and under /graph.facebook.com/{version}/. client_id and client_secret (query, body or HTTP Basic) with: redirect_uri and code (code exchange, a 60-day user token); grant_type=fb_exchange_token and fb_exchange_token (a 60-day user token); grant_type=client_credentials (an app token, no expires_in).",
    responses((status = 200, body = LongLivedTokenResponse), (status = 400, body = GraphErrorBody)))]
fn fb_access_token() {}

#[utoipa::path(get, path = "/graph.facebook.com/me", tag = "graph.facebook.com", params(NodeQuery),
    description = "The Facebook user node: id, name, email, accounts (expandable: accounts.limit(n){…}). Tokens: query, form, or Authorization: Bearer; app tokens also as {app-id}|{app-secret}.",
    responses((status = 200, body = FbUserNode), (status = 400, body = GraphErrorBody)))]
fn fb_me() {}

#[utoipa::path(get, path = "/graph.facebook.com/{id}", tag = "graph.facebook.com",
    params(("id" = String, Path, description = "The token's own user id, a Page id, or the id of an Instagram professional account linked to a Page the token's user has a task on (or of one of its media)"), NodeQuery),
    description = "A user node, a Page node, an IG User node (id by default; ig_id, username, name, biography, website, profile_picture_url, followers_count, follows_count, media_count, media) or an IG Media node (id, caption, media_type, media_product_type, media_url, permalink, thumbnail_url, timestamp, username, shortcode, like_count, comments_count, is_comment_enabled, owner{id}, is_shared_to_feed, children). The Instagram nodes need instagram_basic (code 10).",
    responses((status = 200, description = "A user node, a Page node, an IG User node or an IG Media node", body = PageNode), (status = 400, body = GraphErrorBody)))]
fn fb_node() {}

#[utoipa::path(get, path = "/graph.facebook.com/{ig_user_id}/media", tag = "graph.facebook.com",
    params(("ig_user_id" = String, Path, description = "An Instagram professional account linked to a Page the token's user has a task on"), EdgeQuery),
    description = "The media edge of the linked Instagram account, as on graph.instagram.com (cursors, limit, since, until); needs instagram_basic (code 10).",
    responses((status = 200, body = MediaPage), (status = 400, body = GraphErrorBody)))]
fn fb_ig_media_edge() {}

#[utoipa::path(get, path = "/graph.facebook.com/{ig_media_id}/children", tag = "graph.facebook.com",
    params(("ig_media_id" = String, Path), NodeQuery),
    responses((status = 200, body = MediaPage), (status = 400, body = GraphErrorBody)))]
fn fb_ig_children() {}

#[utoipa::path(get, path = "/graph.facebook.com/{user_id}/accounts", tag = "graph.facebook.com",
    params(("user_id" = String, Path, description = "`me` or the token's own user id"), AccountsQuery),
    description = "The Pages the user has a task on and granted to the app (pages_show_list); business-reached Pages only with business_management. Default fields: access_token, category, category_list, name, id, tasks. Errors: 459, 368, 190, 200, 100, 110, 210, 104, 2500.",
    responses((status = 200, body = AccountsPage), (status = 400, body = GraphErrorBody)))]
fn fb_accounts() {}

#[utoipa::path(post, path = "/graph.facebook.com/{user_id}/accounts", tag = "graph.facebook.com",
    params(("user_id" = String, Path, description = "`me` or the token's own user id")),
    description = "Creates a Page (form, multipart or JSON): name (required), category_enum or category_list, at least one of city_id, location, coordinates (city_id and location exclusive; coordinates inside the city or location unless ignore_coordinate_warnings), cover_photo {url, offset_x, offset_y, …}, picture, website, phone, zip, about, description, address, location_page_id (the new Page takes that Page's location; a locale is then optional), fields (the answer is the new Page with those fields, read-after-write). Needs pages_manage_metadata and pages_show_list, and a test user or an app allowlisted for Page creation (page_creation_allowed). Errors: 200, 194, 152, 100, 110, 368. DELETE on the edge is unsupported (100/33).",
    responses((status = 200, body = CreatedId), (status = 400, body = GraphErrorBody)))]
fn fb_create_page() {}

#[utoipa::path(get, path = "/graph.facebook.com/fb_page_categories", tag = "graph.facebook.com", params(NodeQuery),
    responses((status = 200, description = "{data: [{id, api_enum, name, fb_page_categories?}]}"), (status = 400, body = GraphErrorBody)))]
fn fb_categories() {}

#[utoipa::path(get, path = "/graph.facebook.com/debug_token", tag = "graph.facebook.com",
    params(("input_token" = String, Query), ("access_token" = String, Query, description = "An app token ({app-id}|{app-secret} too) or a user token of the same app")),
    responses((status = 200, description = "{data: {app_id, type, application, expires_at, is_valid, issued_at, data_access_expires_at, scopes, granular_scopes, user_id, profile_id, error}}"),
              (status = 400, body = GraphErrorBody)))]
fn fb_debug_token() {}

#[utoipa::path(get, path = "/graph.facebook.com/{app_id}/accounts/test-users", tag = "graph.facebook.com",
    params(("app_id" = String, Path, description = "The app of the app token"),
           ("access_token" = String, Query, description = "An app token of that app ({app-id}|{app-secret} too)"),
           ("limit" = Option<i64>, Query), ("after" = Option<String>, Query), ("before" = Option<String>, Query)),
    description = "The app's test users, oldest first: {data: [{id, access_token (installed only), login_url}], paging}. Also GET /{app_id}/accounts?type=test-users. Errors: 200, 100, 104.",
    responses((status = 200, description = "{data: [{id, access_token?, login_url}], paging?}"), (status = 400, body = GraphErrorBody)))]
fn fb_test_users() {}

#[utoipa::path(post, path = "/graph.facebook.com/{app_id}/accounts/test-users", tag = "graph.facebook.com",
    params(("app_id" = String, Path, description = "The app of the app token")),
    description = "Creates a test user (also a GET with method=post): installed (default true: grants permissions and returns access_token), permissions (comma list), name (random if blank), minor; or associates another app's test user with uid and owner_access_token. Returns {id, access_token?, login_url, email, password}; the email and password log in to the Facebook Login dialog. Beyond the app's test_user_limit: 2900.",
    responses((status = 200, description = "{id, access_token?, login_url, email, password}"), (status = 400, body = GraphErrorBody)))]
fn fb_create_test_user() {}

#[utoipa::path(delete, path = "/graph.facebook.com/{app_id}/accounts/test-users", tag = "graph.facebook.com",
    params(("app_id" = String, Path, description = "The app of the app token"), ("uid" = String, Query, description = "The test user")),
    description = "Dissociates a test user from the app (also method=delete); its grant and its tokens of the app go too. Not a test user of the app: 100; the app's only test user: 2902.",
    responses((status = 200, body = Success), (status = 400, body = GraphErrorBody)))]
fn fb_remove_test_user() {}

#[utoipa::path(delete, path = "/graph.facebook.com/{user_id}/permissions", tag = "graph.facebook.com",
    params(("user_id" = String, Path, description = "`me`, or a user id with an app token")),
    description = "Revokes the app's grant: every token of the app and user then answers code 190.",
    responses((status = 200, body = Success), (status = 400, body = GraphErrorBody)))]
fn fb_revoke() {}

#[utoipa::path(post, path = "/graph.facebook.com/", tag = "graph.facebook.com",
    description = "Batch: access_token and batch = JSON array (at most 50) of {method, relative_url, body?, access_token?}. Answers a JSON array, in order, of {code, headers: [{name, value}], body: \"<JSON as a string>\"}.",
    responses((status = 200, description = "The answers, in order"), (status = 400, body = GraphErrorBody)))]
fn fb_batch() {}

#[utoipa::path(get, path = "/cdn/media/{file}", tag = "media files",
    params(("file" = String, Path, description = "{media_id}.jpg or .mp4")),
    responses((status = 200, description = "The bytes, with ETag and range support"), (status = 206, description = "A range"), (status = 304), (status = 404, body = ControlError), (status = 416)))]
fn media_file() {}

#[utoipa::path(get, path = "/cdn/thumb/{file}", tag = "media files",
    params(("file" = String, Path, description = "{media_id}.jpg, VIDEO only")),
    responses((status = 200, description = "A JPEG"), (status = 404, body = ControlError)))]
fn thumb_file() {}

#[utoipa::path(get, path = "/cdn/profile/{file}", tag = "media files",
    params(("file" = String, Path, description = "{user_id}.jpg")),
    responses((status = 200, description = "An image"), (status = 404, body = ControlError)))]
fn profile_file() {}

#[utoipa::path(get, path = "/_localgram/health", tag = "control",
    responses((status = 200, description = "{\"status\":\"ok\",\"backend\":\"sqlite\"}"), (status = 503, description = "The database does not answer")))]
fn health() {}

#[utoipa::path(get, path = "/_localgram/clock", tag = "control", responses((status = 200, body = ClockBody)))]
fn clock_get() {}

#[utoipa::path(put, path = "/_localgram/clock", tag = "control", request_body = SetClock,
    responses((status = 200, body = ClockBody), (status = 400, body = ControlError)))]
fn clock_put() {}

#[utoipa::path(post, path = "/_localgram/clock/advance", tag = "control", request_body = AdvanceClock,
    responses((status = 200, body = ClockBody), (status = 400, body = ControlError)))]
fn clock_advance() {}

#[utoipa::path(post, path = "/_localgram/world", tag = "control",
    request_body(content = String, description = "A world file, TOML or JSON", content_type = "application/toml"),
    responses((status = 200, description = "{\"loaded\": {counts}}"), (status = 400, body = ControlError)))]
fn world() {}

#[utoipa::path(get, path = "/_localgram/world", tag = "control",
    description = "The current state as a JSON world file that POST /_localgram/world, --world or --import loads back into the same state (docs/state.md): apps with their secrets, testers, roles, accounts, media with their files as data: URIs, comments, Facebook users, Pages, the tokens still valid (by hash) and the fault rules. Cache-Control: no-store.",
    responses((status = 200, description = "A world file", content_type = "application/json", body = Object),
        (status = 409, body = ControlError, description = "An app's secret was stored before secrets were sealed and cannot be exported")))]
fn world_export() {}

#[utoipa::path(post, path = "/_localgram/reset", tag = "control", request_body = ResetRequest,
    description = "Puts the emulator back to a fresh database holding the worlds it started with (docs/state.md); clears the in-process memories (caches, recent calls, reveals, rate counts, failed attempts).",
    responses((status = 200, body = ResetResult), (status = 400, body = ControlError), (status = 409, body = ControlError, description = "A start world no longer loads (a file it names changed)")))]
fn reset() {}

#[utoipa::path(post, path = "/_localgram/snapshots", tag = "control", request_body = SnapshotRequest,
    responses((status = 201, body = Snapshot), (status = 400, body = ControlError)))]
fn snapshot_save() {}

#[utoipa::path(get, path = "/_localgram/snapshots", tag = "control", responses((status = 200, body = SnapshotList)))]
fn snapshot_list() {}

#[utoipa::path(post, path = "/_localgram/snapshots/{name}/restore", tag = "control",
    params(("name" = String, Path, description = "The snapshot's name")),
    description = "Replaces the state with the snapshot's, in one transaction, and puts a clock that was frozen when it was saved back to that time.",
    responses((status = 200, body = Restored), (status = 400, body = ControlError), (status = 404, body = ControlError)))]
fn snapshot_restore() {}

#[utoipa::path(delete, path = "/_localgram/snapshots/{name}", tag = "control",
    params(("name" = String, Path, description = "The snapshot's name")),
    responses((status = 200, body = Deleted), (status = 400, body = ControlError), (status = 404, body = ControlError)))]
fn snapshot_delete() {}

#[utoipa::path(post, path = "/_localgram/oauth/codes", tag = "control", request_body = MintCodes,
    responses((status = 200, body = Codes), (status = 400, body = ControlError)))]
fn mint_codes() {}

#[utoipa::path(get, path = "/_localgram/oauth/callback", tag = "control",
    responses((status = 200, description = "Shows the code and the exchange command of the host that issued it", content_type = "text/html")))]
fn callback() {}

#[utoipa::path(get, path = "/_localgram/openapi.json", tag = "control", responses((status = 200, description = "This document")))]
fn openapi_json() {}

#[utoipa::path(post, path = "/_localgram/faults", tag = "control",
    request_body(content = Object, description = "A fault rule: {\"id\"?, \"match\", \"when\", \"effect\"} (docs/faults.md)", content_type = "application/json"),
    responses((status = 201, description = "The rule with its id: {\"id\", \"match\", \"when\", \"effect\", \"fired\", \"matched\"}"), (status = 400, body = ControlError)))]
fn faults_add() {}

#[utoipa::path(get, path = "/_localgram/faults", tag = "control",
    responses((status = 200, description = "{\"data\": [{\"id\", \"match\", \"when\", \"effect\", \"fired\", \"matched\"}]}")))]
fn faults_list() {}

#[utoipa::path(delete, path = "/_localgram/faults", tag = "control",
    responses((status = 200, description = "{\"deleted\": N}")))]
fn faults_clear() {}

#[utoipa::path(delete, path = "/_localgram/faults/{id}", tag = "control",
    params(("id" = String, Path, description = "The rule's id")),
    responses((status = 200, description = "{\"deleted\": 1}"), (status = 404, body = ControlError)))]
fn faults_delete() {}

#[utoipa::path(get, path = "/_localgram/calls", tag = "control",
    params(
        ("host" = Option<String>, Query, description = "An emulated Meta host"),
        ("method" = Option<String>, Query, description = "The HTTP method"),
        ("path" = Option<String>, Query, description = "A path pattern without host and version (/me/media, /{media-id}, *, **)"),
        ("status" = Option<u16>, Query, description = "The HTTP status"),
        ("graph_code" = Option<i64>, Query, description = "The Graph error code"),
        ("app" = Option<String>, Query, description = "The app id"),
        ("user" = Option<String>, Query, description = "The user id"),
        ("since" = Option<String>, Query, description = "RFC 3339, on the emulator clock"),
        ("limit" = Option<usize>, Query, description = "At most this many calls"),
    ),
    responses((status = 200, description = "{\"data\": [{\"at\", \"method\", \"host\", \"path\", \"query\", \"form\", \"status\", \"graph_code\", \"latency_ms\", \"app\", \"user\", \"faults\"}]}, newest first, secrets redacted"), (status = 400, body = ControlError)))]
fn calls_list() {}

#[utoipa::path(post, path = "/_localgram/calls/count", tag = "control",
    request_body(content = Object, description = "The filters of GET /_localgram/calls as a JSON object", content_type = "application/json"),
    responses((status = 200, description = "{\"count\": N}"), (status = 400, body = ControlError)))]
fn calls_count() {}

#[utoipa::path(delete, path = "/_localgram/calls", tag = "control",
    responses((status = 200, description = "{\"deleted\": N}")))]
fn calls_clear() {}

#[utoipa::path(get, path = "/_localgram/metrics", tag = "control",
    responses((status = 200, description = "Counters and histograms in the OpenMetrics text format", content_type = "application/openmetrics-text")))]
fn metrics() {}

/// Adds the statuses every operation can answer, whatever its handler does: those of the
/// connection and request limits, and on `/_localgram/*` those of the control-plane guard.
struct CommonStatuses;

impl utoipa::Modify for CommonStatuses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::ResponseBuilder;
        for (path, item) in openapi.paths.paths.iter_mut() {
            let control = path.starts_with("/_localgram/");
            for (has_body, op) in [
                (false, item.get.as_mut()),
                (true, item.post.as_mut()),
                (true, item.put.as_mut()),
                (true, item.delete.as_mut()),
                (true, item.patch.as_mut()),
            ] {
                let Some(op) = op else { continue };
                let mut add = |status: &str, description: &str| {
                    op.responses
                        .responses
                        .entry(status.to_owned())
                        .or_insert_with(|| {
                            ResponseBuilder::new()
                                .description(description)
                                .build()
                                .into()
                        });
                };
                if control {
                    add(
                        "401",
                        "--admin-token is set and Authorization: Bearer <admin token> is missing or wrong",
                    );
                    add(
                        "403",
                        "Not from the loopback (without --admin-token), or from another site (a foreign Origin, Sec-Fetch-Site: cross-site)",
                    );
                    if has_body {
                        add(
                            "415",
                            "Without the admin bearer, the body must be Content-Type: application/json or application/toml",
                        );
                    }
                    add(
                        "421",
                        "The Host header does not name this server (its listen address, the public URL's host, localhost or an emulated Meta host)",
                    );
                }
                add("408", "The request took longer than 30 s");
                if has_body {
                    add(
                        "413",
                        "The body is larger than the endpoint's limit (64 KiB for forms and Graph calls)",
                    );
                }
                add(
                    "431",
                    "The request header is larger than 64 KiB or has more than 100 lines",
                );
                add(
                    "500",
                    "An internal failure (logged; never an answer to bad input)",
                );
                add(
                    "503",
                    "Beyond the connection cap (Graph envelope, code 2, is_transient), or the database does not answer",
                );
            }
        }
    }
}

/// The document.
#[derive(OpenApi)]
#[openapi(
    modifiers(&CommonStatuses),
    info(
        title = "Localgram",
        description = "A self-hosted emulator of the Instagram API and the Facebook Graph API parts that go with it. Each Meta host is mounted under a path prefix named after it."
    ),
    paths(
        authorize_api,
        authorize_www,
        login,
        consent,
        logout,
        access_token,
        long_lived,
        refresh,
        me,
        node,
        media_edge,
        children,
        fb_dialog,
        fb_test_user_login,
        fb_access_token,
        fb_me,
        fb_node,
        fb_ig_media_edge,
        fb_ig_children,
        fb_accounts,
        fb_create_page,
        fb_categories,
        fb_debug_token,
        fb_test_users,
        fb_create_test_user,
        fb_remove_test_user,
        fb_revoke,
        fb_batch,
        media_file,
        thumb_file,
        profile_file,
        health,
        clock_get,
        clock_put,
        clock_advance,
        world,
        world_export,
        reset,
        snapshot_save,
        snapshot_list,
        snapshot_restore,
        snapshot_delete,
        mint_codes,
        callback,
        openapi_json,
        faults_add,
        faults_list,
        faults_clear,
        faults_delete,
        calls_list,
        calls_count,
        calls_clear,
        metrics
    ),
    components(schemas(
        ResetRequest,
        ResetResult,
        SnapshotRequest,
        Snapshot,
        SnapshotList,
        Restored,
        Deleted,
        GraphErrorBody,
        GraphErrorDetail,
        InstagramOAuthErrorBody,
        BasicDisplayTokenResponse,
        InstagramLoginTokenResponse,
        WrappedTokenResponse,
        WrappedTokenItem,
        LongLivedTokenResponse,
        Paging,
        Cursors,
        UserNode,
        MediaNode,
        MediaPage,
        ChildrenData,
        FbUserNode,
        PageNode,
        AccountsPage,
        CreatedId,
        Success,
        ClockBody,
        SetClock,
        AdvanceClock,
        MintCodes,
        Codes,
        ControlError
    ))
)]
pub struct ApiDoc;

/// The document as pretty JSON, with a trailing newline (the form committed in `docs/`).
pub fn json() -> String {
    let mut doc = ApiDoc::openapi();
    doc.merge(crate::openapi_publishing::PublishingDoc::openapi());
    doc.merge(crate::openapi_webhooks::WebhooksDoc::openapi());
    utoipa::Modify::modify(&CommonStatuses, &mut doc);
    let mut s = doc.to_pretty_json().unwrap_or_default();
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    /// The committed document matches the code. To accept a change of contract, run
    /// `LOCALGRAM_UPDATE_OPENAPI=1 cargo test -p localgram-server openapi` and review the diff.
    #[test]
    fn the_committed_openapi_document_matches_the_code() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/openapi.json");
        let generated = super::json();
        if std::env::var_os("LOCALGRAM_UPDATE_OPENAPI").is_some() {
            std::fs::write(path, &generated).unwrap();
        }
        let committed = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            committed == generated,
            "docs/openapi.json is out of date: run `LOCALGRAM_UPDATE_OPENAPI=1 cargo test -p localgram-server openapi` and review the diff"
        );
    }

    #[test]
    fn every_table_field_is_a_property_of_its_node_component() {
        let doc: serde_json::Value = serde_json::from_str(&super::json()).unwrap();
        let components = &doc["components"]["schemas"];
        for node in localgram_types::schema::NODES {
            let name = crate::openapi_shared::nodes::component(node.id);
            if node.id == localgram_types::schema::NodeId::PublishingLimit {
                continue; // PublishingLimitItem is written by hand in openapi_publishing.rs
            }
            let props = components[name]["properties"]
                .as_object()
                .unwrap_or_else(|| panic!("{name} is not a component"));
            for f in node.fields {
                let p = props
                    .get(f.name)
                    .unwrap_or_else(|| panic!("{name}.{} missing", f.name));
                assert!(
                    p.to_string().contains(f.description),
                    "{name}.{}: no description",
                    f.name
                );
                if let localgram_types::schema::Kind::Enum(values) = f.kind {
                    for v in values {
                        assert!(
                            p["enum"].as_array().unwrap().contains(&(*v).into()),
                            "{name}.{}: {v}",
                            f.name
                        );
                    }
                }
            }
            assert_eq!(
                props.len(),
                node.fields.len(),
                "{name}: a property outside the table"
            );
        }
        let user = &components["UserNode"];
        assert_eq!(user["required"], serde_json::json!(["id"]));
        assert_eq!(
            user["properties"]["media"]["oneOf"][1]["$ref"],
            "#/components/schemas/MediaPage"
        );
    }

    #[test]
    fn every_served_path_is_documented() {
        let doc: serde_json::Value = serde_json::from_str(&super::json()).unwrap();
        let paths = doc["paths"].as_object().unwrap();
        for p in [
            "/graph.instagram.com/me",
            "/graph.instagram.com/{user_id}/media",
            "/api.instagram.com/oauth/access_token",
            "/_localgram/oauth/codes",
        ] {
            assert!(paths.contains_key(p), "{p} missing");
        }
        assert_eq!(doc["openapi"], "3.1.0");
    }

    #[test]
    fn every_operation_lists_the_statuses_of_the_limits_and_the_guard() {
        let doc: serde_json::Value = serde_json::from_str(&super::json()).unwrap();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                let responses = op["responses"].as_object().unwrap();
                let has = |s: &str| responses.contains_key(s);
                for status in ["408", "431", "500", "503"] {
                    assert!(has(status), "{method} {path}: no {status}");
                }
                if method != "get" {
                    assert!(has("413"), "{method} {path}: no 413");
                }
                if path.starts_with("/_localgram/") {
                    for status in ["401", "403", "421"] {
                        assert!(has(status), "{method} {path}: no {status}");
                    }
                    assert_eq!(has("415"), method != "get", "{method} {path}: 415");
                }
            }
        }
        let login = &doc["paths"]["/api.instagram.com/oauth/authorize/login"]["post"]["responses"];
        assert!(login.get("429").is_some(), "the login form's 429");
    }
}
