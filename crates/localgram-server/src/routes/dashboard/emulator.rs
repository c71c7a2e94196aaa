//! The emulator views (`/emulator`): the test clock (see it, advance it), the recent API calls
//! (never a token or a secret: see [`crate::calls`]), the calls per minute of each app and user
//! over the last hour as a small SVG chart, uploading an image or a video to an account, and the
//! fault rules (listed with their firings; added from presets, removed all at once).

use super::apps::Done;
use super::{check_form, field, internal, issue_csrf, lang, notice, refusal, see_other};
use crate::calls::Call;
use crate::error::{ApiError, Result};
use crate::i18n::Lang;
use crate::pages;
use crate::session::{self, Session};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Query, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum_extra::extract::SignedCookieJar;
use localgram_core::dashboard::{MAX_UPLOAD_BYTES, parse_duration};
use std::collections::BTreeMap;
use time::format_description::well_known::Rfc3339;

/// How many calls the table shows.
const TABLE_ROWS: usize = 50;
/// Minutes on the chart.
const CHART_MINUTES: i64 = 60;
const CHART_W: i64 = 600;
const CHART_H: i64 = 140;
const COLOURS: [&str; 6] = [
    "#0095f6", "#ed4956", "#58c322", "#a033ff", "#ff8800", "#262626",
];

pub(super) fn forms_router() -> Router<AppState> {
    Router::new()
        .route("/emulator", get(get_emulator))
        .route("/emulator/clock/advance", post(post_advance))
        .route("/emulator/faults", post(post_fault))
        .route("/emulator/faults/clear", post(post_faults_clear))
}

/// A fault rule as the list shows it.
struct RuleRow {
    id: String,
    rule: String,
    fired: u64,
}

fn rule_rows(state: &AppState) -> Vec<RuleRow> {
    state
        .platform
        .faults
        .rules()
        .iter()
        .map(|r| {
            let v = r.view();
            RuleRow {
                id: r.id.clone(),
                rule: serde_json::json!({"match": v["match"], "when": v["when"], "effect": v["effect"]})
                    .to_string(),
                fired: r.counts().fired,
            }
        })
        .collect()
}

/// The rule of a dashboard preset, or the error text's key.
async fn preset_rule(
    state: &AppState,
    preset: &str,
    target: &str,
) -> Result<std::result::Result<localgram_core::faults::RuleSpec, &'static str>> {
    use localgram_core::faults::RuleSpec;
    let target = target.trim();
    let json = match preset {
        "revoke_after_3" => {
            let hash = localgram_core::secret::SecretHash::of(target).0;
            let token = if target.is_empty() {
                None
            } else {
                state
                    .platform
                    .store
                    .find_token(&hash)
                    .await
                    .map_err(internal)?
            };
            let Some(token) = token else {
                return Ok(Err("err.fault_token"));
            };
            serde_json::json!({
                "match": {"token_sha256": token.token_hash},
                "when": {"after": 3},
                "effect": {"revoke_token": true}
            })
        }
        "throttle_app" => {
            if target.is_empty()
                || state
                    .platform
                    .store
                    .find_app(target)
                    .await
                    .map_err(internal)?
                    .is_none()
            {
                return Ok(Err("err.fault_app"));
            }
            serde_json::json!({"match": {"app": target}, "effect": {"throttle": {"code": 4}}})
        }
        "transient_media" => serde_json::json!({
            "match": {"path": "/*/media"},
            "when": {"probability": 0.1},
            "effect": {"graph_error": {"code": 2, "type": "OAuthException", "is_transient": true,
                "message": "An unexpected error has occurred. Please retry your request later."}}
        }),
        _ => return Ok(Err("err.fault_preset")),
    };
    Ok(RuleSpec::from_json(json.to_string().as_bytes()).map_err(|_| "err.fault_preset"))
}

async fn post_fault(
    State(state): State<AppState>,
    jar: SignedCookieJar,
    req: Request,
) -> Result<Response> {
    use localgram_core::rng::RngExt;
    let l = lang(req.headers(), &jar);
    let (form, session) = check_form(&state, &jar, req).await?;
    let error = match preset_rule(&state, field(&form, "preset"), field(&form, "target")).await? {
        Ok(spec) => {
            let seed = u64::from_le_bytes(state.platform.rng.bytes(8).try_into().unwrap_or([0; 8]));
            let rule =
                localgram_core::faults::Rule::new(state.platform.faults.next_id(), spec, seed);
            let added = match rule {
                Ok(rule) => crate::shared::add_rule(&state, rule)
                    .await
                    .map_err(internal)?
                    .is_ok(),
                Err(_) => false,
            };
            if added {
                return Ok(see_other("/emulator?done=fault_added#faults"));
            }
            "err.fault_preset"
        }
        Err(key) => key,
    };
    emulator_page(
        &state,
        l,
        &session,
        StatusCode::BAD_REQUEST,
        None,
        Some(l.t(error)),
        "",
        "",
        "",
    )
    .await
}

async fn post_faults_clear(
    State(state): State<AppState>,
    jar: SignedCookieJar,
    req: Request,
) -> Result<Response> {
    check_form(&state, &jar, req).await?;
    crate::shared::clear_rules(&state).await.map_err(internal)?;
    Ok(see_other("/emulator?done=faults_cleared#faults"))
}

pub(super) fn upload_router() -> Router<AppState> {
    Router::new()
        .route("/emulator/media", post(post_upload))
        .layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES + 64 * 1024))
}

/// A call as the table shows it.
struct CallRow {
    at: String,
    method: String,
    path: String,
    app: String,
    status: u16,
    graph_code: String,
    duration_ms: u64,
}

/// One line of the chart.
struct Series {
    label: String,
    colour: &'static str,
    points: String,
    total: i64,
    limit: i64,
}

#[derive(Template)]
#[template(path = "dash/emulator.html")]
struct EmulatorPage<'a> {
    l: Lang,
    back: &'a str,
    notice: Option<&'a str>,
    error: Option<&'a str>,
    csrf: &'a str,
    now: String,
    frozen: bool,
    offset_seconds: i64,
    duration: &'a str,
    calls: Vec<CallRow>,
    rules: Vec<RuleRow>,
    series: Vec<Series>,
    chart_w: i64,
    chart_h: i64,
    accounts: Vec<String>,
    owner: &'a str,
    caption: &'a str,
    max_upload_mb: usize,
}

/// The chart's series: calls per minute over the last hour, per app and user, newest minute at
/// the right.
fn series(
    calls: &[Call],
    now: time::OffsetDateTime,
    limit_of: impl Fn(&str) -> i64,
) -> Vec<Series> {
    let mut per: BTreeMap<(String, String), Vec<i64>> = BTreeMap::new();
    for c in calls {
        let age = (now - c.at).whole_minutes();
        let Some(app) = &c.app else { continue };
        if !(0..CHART_MINUTES).contains(&age) {
            continue;
        }
        let key = (app.clone(), c.user.clone().unwrap_or_default());
        let buckets = per
            .entry(key)
            .or_insert_with(|| vec![0; CHART_MINUTES as usize]);
        buckets[(CHART_MINUTES - 1 - age) as usize] += 1;
    }
    let max = per
        .values()
        .flat_map(|b| b.iter().copied())
        .max()
        .unwrap_or(0)
        .max(1);
    per.into_iter()
        .take(COLOURS.len())
        .enumerate()
        .map(|(i, ((app, user), buckets))| {
            let points = buckets
                .iter()
                .enumerate()
                .map(|(x, n)| {
                    let px = x as i64 * CHART_W / (CHART_MINUTES - 1);
                    let py = CHART_H - n * (CHART_H - 10) / max;
                    format!("{px},{py}")
                })
                .collect::<Vec<_>>()
                .join(" ");
            Series {
                label: if user.is_empty() {
                    app.clone()
                } else {
                    format!("{app} · {user}")
                },
                colour: COLOURS[i],
                points,
                total: buckets.iter().sum(),
                limit: limit_of(&app),
            }
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
async fn emulator_page(
    state: &AppState,
    l: Lang,
    session: &Session,
    status: StatusCode,
    notice: Option<&str>,
    error: Option<&str>,
    duration: &str,
    owner: &str,
    caption: &str,
) -> Result<Response> {
    let clock = state.clock.state();
    let recent = crate::calls::recent(state).await.map_err(internal)?;
    let calls = recent
        .iter()
        .take(TABLE_ROWS)
        .map(|c| CallRow {
            at: c.at.format(&Rfc3339).unwrap_or_default(),
            method: c.method.clone(),
            path: c.path.clone(),
            app: c.app.clone().unwrap_or_else(|| "-".into()),
            status: c.status,
            graph_code: if c.graph_code == 0 {
                "-".into()
            } else {
                c.graph_code.to_string()
            },
            duration_ms: c.duration_ms,
        })
        .collect();
    let apps = state.platform.list_apps().await.map_err(internal)?;
    let default_limit = state.platform.settings.rate_defaults.app_calls_per_hour;
    let series = series(&recent, clock.now, |app_id| {
        apps.iter()
            .find(|a| a.id == app_id)
            .and_then(|a| a.rate_limits.app_calls_per_hour)
            .unwrap_or(default_limit)
    });
    let accounts = state
        .platform
        .store
        .list_ig_users()
        .await
        .map_err(internal)?
        .into_iter()
        .map(|u| u.username)
        .collect();
    crate::shared::sync_rules(state).await.map_err(internal)?;
    let csrf = issue_csrf(state, session).await?;
    Ok(pages::render(
        status,
        &EmulatorPage {
            l,
            back: "/emulator",
            notice,
            error,
            csrf: &csrf,
            now: clock.now.format(&Rfc3339).unwrap_or_default(),
            frozen: clock.frozen,
            offset_seconds: clock.offset_seconds,
            duration,
            calls,
            rules: rule_rows(state),
            series,
            chart_w: CHART_W,
            chart_h: CHART_H,
            accounts,
            owner,
            caption,
            max_upload_mb: MAX_UPLOAD_BYTES / (1024 * 1024),
        },
    ))
}

async fn get_emulator(
    State(state): State<AppState>,
    headers: HeaderMap,
    jar: SignedCookieJar,
    Query(q): Query<Done>,
) -> Result<Response> {
    let l = lang(&headers, &jar);
    let (jar, session) = session::load_or_start(jar, &state);
    let page = emulator_page(
        &state,
        l,
        &session,
        StatusCode::OK,
        notice(l, q.done.as_deref()),
        None,
        "",
        "",
        "",
    )
    .await?;
    Ok((jar, page).into_response())
}

async fn post_advance(
    State(state): State<AppState>,
    jar: SignedCookieJar,
    req: Request,
) -> Result<Response> {
    let l = lang(req.headers(), &jar);
    let (form, session) = check_form(&state, &jar, req).await?;
    let typed = field(&form, "duration");
    match parse_duration(typed) {
        Ok(d) => {
            crate::shared::refresh_clock(&state)
                .await
                .map_err(internal)?;
            state.clock.advance(d.whole_seconds());
            crate::shared::publish_clock(&state)
                .await
                .map_err(internal)?;
            Ok(see_other("/emulator?done=clock_advanced"))
        }
        Err(e) => {
            let key = refusal(e)?;
            emulator_page(
                &state,
                l,
                &session,
                StatusCode::BAD_REQUEST,
                None,
                Some(l.t(key)),
                typed,
                "",
                "",
            )
            .await
        }
    }
}

/// The content type of an uploaded file, found by decoding it: a JPEG or PNG that the `image`
/// crate decodes, or an MP4 (an `ftyp` box). Anything else is refused.
pub fn validate_upload(bytes: &[u8]) -> Option<&'static str> {
    match localgram_core::sniff::content_type(bytes)? {
        ct @ ("image/jpeg" | "image/png") => {
            let format = if ct == "image/png" {
                image::ImageFormat::Png
            } else {
                image::ImageFormat::Jpeg
            };
            let decoded = image::load_from_memory_with_format(bytes, format).ok()?;
            (decoded.width() > 0 && decoded.height() > 0).then_some(ct)
        }
        "video/mp4" => Some("video/mp4"),
        _ => None,
    }
}

async fn post_upload(
    State(state): State<AppState>,
    jar: SignedCookieJar,
    headers: HeaderMap,
    mut multipart: Multipart,
) -> Result<Response> {
    let l = lang(&headers, &jar);
    if !session::same_origin(&headers, &state) {
        return Err(ApiError::Forbidden(
            "This form was sent from another site and was refused.",
        ));
    }
    let session = session::load(&jar).ok_or(ApiError::Forbidden(
        "Your session has expired. Reload the page and try again.",
    ))?;
    let (mut csrf, mut owner, mut caption, mut file) = (None, String::new(), String::new(), None);
    let mut too_large = false;
    loop {
        let next = multipart.next_field().await;
        let field = match next {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                too_large = true;
                break;
            }
            Err(_) => return Err(ApiError::Forbidden("The form could not be read.")),
        };
        let name = field.name().unwrap_or("").to_owned();
        match name.as_str() {
            "file" => match field.bytes().await {
                Ok(b) => file = Some(b.to_vec()),
                Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                    too_large = true;
                    break;
                }
                Err(_) => return Err(ApiError::Forbidden("The form could not be read.")),
            },
            "csrf" | "owner" | "caption" => {
                let text = field
                    .text()
                    .await
                    .map_err(|_| ApiError::Forbidden("The form could not be read."))?;
                match name.as_str() {
                    "csrf" => csrf = Some(text),
                    "owner" => owner = text,
                    _ => caption = text,
                }
            }
            _ => {}
        }
    }
    if too_large {
        // The CSRF token may be unread; the file is refused either way and nothing is stored.
        return emulator_page(
            &state,
            l,
            &session,
            StatusCode::PAYLOAD_TOO_LARGE,
            None,
            Some(l.t("err.file_too_large")),
            "",
            &owner,
            &caption,
        )
        .await;
    }
    let csrf = csrf.ok_or(ApiError::Forbidden(
        "The form is missing its security token. Reload the page and try again.",
    ))?;
    if !state
        .platform
        .consume_csrf(&csrf, &session.browser_id)
        .await
        .map_err(internal)?
    {
        return Err(ApiError::Forbidden(
            "The form's security token is invalid or was already used. Reload the page and try again.",
        ));
    }
    let bytes = file.unwrap_or_default();
    let result = async {
        let user = state
            .platform
            .store
            .find_ig_user_by_username(owner.trim())
            .await
            .map_err(localgram_core::dashboard::DashboardError::Store)?
            .ok_or(localgram_core::dashboard::DashboardError::NoSuchInstagramUser)?;
        if bytes.is_empty() {
            return Err(localgram_core::dashboard::DashboardError::EmptyFile);
        }
        let ct = validate_upload(&bytes)
            .ok_or(localgram_core::dashboard::DashboardError::BadFileType)?;
        state
            .platform
            .add_uploaded_media(&user.id, ct, bytes, &caption)
            .await
    }
    .await;
    match result {
        Ok(_) => Ok(see_other("/emulator?done=uploaded#upload")),
        Err(e) => {
            let key = refusal(e)?;
            emulator_page(
                &state,
                l,
                &session,
                StatusCode::BAD_REQUEST,
                None,
                Some(l.t(key)),
                "",
                &owner,
                &caption,
            )
            .await
        }
    }
}
