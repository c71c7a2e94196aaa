//! `/_localgram/*`: the emulator's control plane — health, the test clock, loading worlds, minting
//! codes without a browser, and the demo redirect target. Loopback only unless `--admin-token`.

use crate::error::{ApiError, Result};
use crate::http::admin;
use crate::pages::{self, CallbackPage};
use crate::state::AppState;
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use localgram_core::oauth::{CodeHost, CodeOrigin};
use localgram_core::world::Format;
use serde::{Deserialize, Serialize};
use serde_json::json;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// The largest world body accepted by `POST /_localgram/world`.
pub const WORLD_BODY_LIMIT: usize = 16 * 1024 * 1024;

/// The control routes, behind the guard.
pub fn router(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/_localgram/health", get(get_health))
        .route("/_localgram/clock", get(get_clock).put(put_clock))
        .route("/_localgram/clock/advance", post(post_clock_advance))
        .route("/_localgram/world", post(post_world))
        .route("/_localgram/oauth/codes", post(post_codes))
        .route("/_localgram/oauth/callback", get(get_callback))
        .route("/_localgram/openapi.json", get(get_openapi))
        .layer(axum::extract::DefaultBodyLimit::max(WORLD_BODY_LIMIT))
        .layer(from_fn_with_state(state, admin::guard))
}

fn bad_request(msg: impl Into<String>) -> ApiError {
    ApiError::Control(StatusCode::BAD_REQUEST, msg.into())
}

/// Parses a JSON body with a clear 400 instead of axum's default rejection.
fn json_body<T: for<'de> Deserialize<'de>>(body: &Bytes) -> Result<T> {
    serde_json::from_slice(body).map_err(|e| bad_request(format!("the JSON body is invalid: {e}")))
}

async fn get_health(State(state): State<AppState>) -> Response {
    match state.platform.ping().await {
        Ok(()) => {
            Json(json!({"status": "ok", "backend": state.platform.backend()})).into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "health check: the database does not answer");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({"status": "unavailable", "backend": state.platform.backend()})),
            )
                .into_response()
        }
    }
}

/// The clock as `/_localgram/clock` shows it.
#[derive(Debug, Serialize, Deserialize)]
pub struct ClockView {
    /// RFC 3339.
    pub now: String,
    /// Unix seconds.
    pub unix: i64,
    /// Whether the clock stands still.
    pub frozen: bool,
    /// Seconds ahead of the system time.
    pub offset_seconds: i64,
}

fn clock_view(state: &AppState) -> ClockView {
    let s = state.clock.state();
    ClockView {
        now: s.now.format(&Rfc3339).unwrap_or_default(),
        unix: s.now.unix_timestamp(),
        frozen: s.frozen,
        offset_seconds: s.offset_seconds,
    }
}

async fn get_clock(State(state): State<AppState>) -> Result<Json<ClockView>> {
    crate::shared::refresh_clock(&state)
        .await
        .map_err(shared_clock_down)?;
    Ok(Json(clock_view(&state)))
}

fn shared_clock_down(e: localgram_core::store::StoreError) -> ApiError {
    tracing::error!(error = %e, "the shared test clock cannot be read or written");
    ApiError::Control(
        StatusCode::SERVICE_UNAVAILABLE,
        "the database is unavailable".into(),
    )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PutClock {
    now: String,
    #[serde(default)]
    frozen: Option<bool>,
}

async fn put_clock(State(state): State<AppState>, body: Bytes) -> Result<Json<ClockView>> {
    let req: PutClock = json_body(&body)?;
    let now = OffsetDateTime::parse(&req.now, &Rfc3339)
        .map_err(|_| bad_request(format!("now: {:?} is not an RFC 3339 time", req.now)))?;
    state.clock.set(now, req.frozen.unwrap_or(true));
    crate::shared::publish_clock(&state)
        .await
        .map_err(shared_clock_down)?;
    Ok(Json(clock_view(&state)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Advance {
    seconds: i64,
}

async fn post_clock_advance(State(state): State<AppState>, body: Bytes) -> Result<Json<ClockView>> {
    let req: Advance = json_body(&body)?;
    if req.seconds.unsigned_abs() > 100 * 365 * 86_400 {
        return Err(bad_request("seconds: at most 100 years at a time"));
    }
    crate::shared::refresh_clock(&state)
        .await
        .map_err(shared_clock_down)?;
    state.clock.advance(req.seconds);
    crate::shared::publish_clock(&state)
        .await
        .map_err(shared_clock_down)?;
    Ok(Json(clock_view(&state)))
}

async fn post_world(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response> {
    let text =
        std::str::from_utf8(&body).map_err(|_| bad_request("the world file is not valid UTF-8"))?;
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.starts_with("application/json"));
    let format = if is_json {
        Format::Json
    } else {
        Format::sniff(text)
    };
    match state.platform.load_world(text, format, None).await {
        Ok(summary) => {
            if let Err(e) = crate::shared::publish_rules(&state).await {
                tracing::error!(error = %e, "the world's fault rules could not be shared");
            }
            Ok(Json(json!({"loaded": summary})).into_response())
        }
        Err(localgram_core::world_load::LoadWorldError::Store(
            localgram_core::store::StoreError::Unavailable(e),
        )) => {
            tracing::error!(error = %e, "world load: the database is unavailable");
            Err(ApiError::Control(
                StatusCode::SERVICE_UNAVAILABLE,
                "the database is unavailable".into(),
            ))
        }
        Err(e) => Err(bad_request(e.to_string())),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MintCodes {
    app: String,
    user: String,
    #[serde(default)]
    scopes: Vec<String>,
    redirect_uri: String,
    #[serde(default = "one")]
    count: usize,
}

fn one() -> usize {
    1
}

async fn post_codes(State(state): State<AppState>, body: Bytes) -> Result<Response> {
    let req: MintCodes = json_body(&body)?;
    if !(1..=10_000).contains(&req.count) {
        return Err(bad_request("count: between 1 and 10000"));
    }
    match state
        .platform
        .mint_codes(
            &req.app,
            &req.user,
            &req.scopes,
            &req.redirect_uri,
            req.count,
        )
        .await
    {
        Ok(codes) => {
            let codes: Vec<&str> = codes.iter().map(|c| c.expose()).collect();
            let mut res = Json(json!({ "codes": codes })).into_response();
            crate::error::no_store(res.headers_mut());
            Ok(res)
        }
        Err(localgram_core::oauth::AuthorizeFailure::Refused(e)) => Err(bad_request(e.to_string())),
        Err(localgram_core::oauth::AuthorizeFailure::Store(e)) => {
            tracing::error!(error = ?e, "minting codes failed");
            Err(ApiError::Control(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the codes could not be stored".into(),
            ))
        }
    }
}

async fn get_openapi() -> Response {
    let mut res = crate::openapi::json().into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("application/json"),
    );
    res
}

#[derive(Deserialize)]
struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// The exchange command for a code: on the host that issued it (`origin`), or on both when the
/// code is unknown (expired and swept, or from another server). The app is the code's; for an
/// unknown code, the only app there is (`sole_app`), else a placeholder.
fn exchange_commands(
    public_url: &str,
    code: &str,
    origin: Option<&CodeOrigin>,
    sole_app: Option<&str>,
) -> Vec<String> {
    let default_redirect = format!("{public_url}/_localgram/oauth/callback");
    let redirect = origin.map_or(default_redirect.as_str(), |o| o.redirect_uri.as_str());
    let app = origin.map_or(sole_app.unwrap_or("YOUR_APP_ID"), |o| o.app_id.as_str());
    let instagram = format!(
        "curl -s -X POST {public_url}/api.instagram.com/oauth/access_token \\\n  -F client_id={app} -F client_secret=YOUR_APP_SECRET \\\n  -F grant_type=authorization_code \\\n  -F redirect_uri={redirect} \\\n  -F code={code}"
    );
    let enc = |v: &str| form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>();
    let facebook = format!(
        "curl -s \"{public_url}/graph.facebook.com/{}/oauth/access_token?client_id={app}&client_secret=YOUR_APP_SECRET&redirect_uri={}&code={}\"",
        crate::routes::graph::request::DEFAULT_VERSION,
        enc(redirect),
        enc(code),
    );
    match origin.map(|o| o.host) {
        Some(CodeHost::Instagram) => vec![instagram],
        Some(CodeHost::Facebook) => vec![facebook],
        None => vec![instagram, facebook],
    }
}

async fn get_callback(State(state): State<AppState>, Query(q): Query<CallbackQuery>) -> Response {
    let origin = match q.code.as_deref() {
        Some(code) => match state.platform.code_origin(code).await {
            Ok(o) => o,
            Err(e) => {
                tracing::error!(error = %e, "the callback page cannot read the code");
                None
            }
        },
        None => None,
    };
    let sole_app = match (&origin, q.code.is_some()) {
        (None, true) => match state.platform.list_apps().await {
            Ok(apps) if apps.len() == 1 => apps.into_iter().next().map(|a| a.id),
            Ok(_) => None,
            Err(e) => {
                tracing::error!(error = %e, "the callback page cannot list the apps");
                None
            }
        },
        _ => None,
    };
    let commands = q
        .code
        .as_deref()
        .map(|c| exchange_commands(&state.public_url, c, origin.as_ref(), sole_app.as_deref()))
        .unwrap_or_default();
    pages::render(
        StatusCode::OK,
        &CallbackPage {
            code: q.code.as_deref(),
            state: q.state.as_deref(),
            error: q.error.as_deref(),
            error_description: q.error_description.as_deref(),
            host: origin.as_ref().map(|o| match o.host {
                CodeHost::Instagram => "instagram",
                CodeHost::Facebook => "facebook",
            }),
            commands,
        },
    )
}
