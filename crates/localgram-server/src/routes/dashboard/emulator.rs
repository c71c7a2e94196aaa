//! The emulator views (`/emulator`): the test clock (see it, advance it), the recent API calls
//! (never a token or a secret: see [`crate::calls`]), the calls per minute of each app and user
//! over the last hour as a small SVG chart, uploading an image or a video to an account, and the
//! fault rules (listed with their firings; added from presets, removed all at once).

use super::{field, internal, issue_csrf, notice, refusal, see_other};
use crate::calls::{Call, CallFilter};
use crate::error::Result;
use crate::i18n::Lang;
use crate::pages;
use crate::routes::browser::{BrowserSession, CheckedForm, PageLang, Upload, UploadRefusal};
use crate::session::Session;
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use localgram_core::dashboard::{DashboardError, MAX_UPLOAD_BYTES, parse_duration};
use serde::Deserialize;
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
                    .token_record_by_hash(&hash)
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
    PageLang(l): PageLang,
    State(state): State<AppState>,
    CheckedForm(form, session): CheckedForm,
) -> Result<Response> {
    use localgram_core::rng::RngExt;
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
        &CallsQuery::default(),
    )
    .await
}

async fn post_faults_clear(
    State(state): State<AppState>,
    CheckedForm(_, _): CheckedForm,
) -> Result<Response> {
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
    /// RFC 3339, for `<time datetime>` and the browser's own time zone.
    at: String,
    /// The time of day on the test clock, UTC, shown until the script rewrites it.
    at_short: String,
    method: String,
    /// The path as served, host prefix included.
    path: String,
    app: String,
    status: u16,
    graph_code: String,
    duration: String,
}

/// One line of the chart.
struct Series {
    label: String,
    colour: &'static str,
    points: String,
    total: i64,
    limit: i64,
}

/// A tick of the chart's axes: where, and its label.
struct Tick {
    pos: i64,
    label: String,
}

/// An option of a filter's list.
struct Choice {
    value: String,
    label: String,
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
    now_short: String,
    frozen: bool,
    offset: String,
    duration: &'a str,
    calls: Vec<CallRow>,
    matched: usize,
    filter: &'a CallsQuery,
    hosts: &'static [&'static str],
    app_choices: Vec<Choice>,
    rules: Vec<RuleRow>,
    series: Vec<Series>,
    x_ticks: Vec<Tick>,
    y_ticks: Vec<Tick>,
    chart: Chart,
    accounts: Vec<String>,
    owner: &'a str,
    caption: &'a str,
    max_upload_mb: usize,
}

/// The chart's geometry: the plot area inside the SVG's margins.
#[derive(Clone, Copy)]
struct Chart {
    w: i64,
    h: i64,
    left: i64,
    top: i64,
    right: i64,
    bottom: i64,
}

const CHART: Chart = Chart {
    w: CHART_W,
    h: CHART_H,
    left: 44,
    top: 10,
    right: CHART_W - 12,
    bottom: CHART_H - 34,
};

/// The recent-call list's filters, from the page's query (an empty field is no filter).
#[derive(Deserialize, Default)]
pub(super) struct CallsQuery {
    done: Option<String>,
    #[serde(default)]
    host: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    app: String,
}

impl CallsQuery {
    /// The journal filter, or the message key of the field that is wrong.
    fn filter(&self) -> std::result::Result<CallFilter, &'static str> {
        let host = self.host.trim();
        if !host.is_empty() && !localgram_core::faults::HOSTS.contains(&host) {
            return Err("err.calls_host");
        }
        let status = match self.status.trim() {
            "" => None,
            s => match s.parse::<u16>() {
                Ok(n) if (100..=599).contains(&n) => Some(n),
                _ => return Err("err.calls_status"),
            },
        };
        let some = |v: &str| (!v.trim().is_empty()).then(|| v.trim().to_owned());
        CallFilter::of(some(host), status, some(&self.app)).map_err(|_| "err.calls_host")
    }
}

/// A duration for people: microseconds under a millisecond, tenths of a millisecond under ten.
/// A duration known in whole milliseconds only (`whole_ms`, the shared journal on PostgreSQL)
/// is shown so: `< 1 ms`, `3 ms`.
pub fn human_duration(us: u64, whole_ms: bool) -> String {
    if whole_ms {
        return match us / 1000 {
            0 => "< 1 ms".into(),
            ms => format!("{ms} ms"),
        };
    }
    match us {
        0..1000 => format!("{us} µs"),
        1000..10_000 => format!("{}.{} ms", us / 1000, (us % 1000) / 100),
        _ => format!("{} ms", us / 1000),
    }
}

/// How far the test clock is ahead of real time, in days, hours, minutes and seconds.
pub fn human_offset(seconds: i64) -> String {
    if seconds == 0 {
        return "0 s".into();
    }
    let sign = if seconds < 0 { "−" } else { "+" };
    let mut left = seconds.unsigned_abs();
    let mut parts = Vec::new();
    for (unit, size) in [("d", 86_400), ("h", 3600), ("min", 60), ("s", 1)] {
        if left >= size {
            parts.push(format!("{} {unit}", left / size));
            left %= size;
        }
    }
    format!("{sign}{}", parts.join(" "))
}

/// `HH:MM:SS UTC` of an instant.
fn short_time(at: time::OffsetDateTime) -> String {
    let t = at.to_offset(time::UtcOffset::UTC);
    format!("{:02}:{:02}:{:02} UTC", t.hour(), t.minute(), t.second())
}

/// `YYYY-MM-DD HH:MM:SS UTC` of an instant.
fn short_date_time(at: time::OffsetDateTime) -> String {
    let t = at.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02} {}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        short_time(t)
    )
}

/// The chart's series: calls per minute over the last hour, per app and user, newest minute at
/// the right; `name_of` turns an app or user id into the name shown. Also the largest count of
/// a minute.
fn series(
    calls: &[Call],
    now: time::OffsetDateTime,
    limit_of: impl Fn(&str) -> i64,
    name_of: impl Fn(&str) -> String,
) -> (Vec<Series>, i64) {
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
    let c = CHART;
    let series = per
        .into_iter()
        .take(COLOURS.len())
        .enumerate()
        .map(|(i, ((app, user), buckets))| {
            let points = buckets
                .iter()
                .enumerate()
                .map(|(x, n)| {
                    let px = c.left + x as i64 * (c.right - c.left) / (CHART_MINUTES - 1);
                    let py = c.bottom - n * (c.bottom - c.top) / max;
                    format!("{px},{py}")
                })
                .collect::<Vec<_>>()
                .join(" ");
            Series {
                label: if user.is_empty() {
                    name_of(&app)
                } else {
                    format!("{} · {}", name_of(&app), name_of(&user))
                },
                colour: COLOURS[i],
                points,
                total: buckets.iter().sum(),
                limit: limit_of(&app),
            }
        })
        .collect();
    (series, max)
}

/// The axes' ticks: minutes ago along the bottom, calls per minute up the side.
fn ticks(max: i64) -> (Vec<Tick>, Vec<Tick>) {
    let c = CHART;
    let x = [60, 45, 30, 15, 0]
        .into_iter()
        .map(|ago| Tick {
            pos: c.left
                + (CHART_MINUTES - 1 - ago.min(CHART_MINUTES - 1)) * (c.right - c.left)
                    / (CHART_MINUTES - 1),
            label: if ago == 0 {
                "0".into()
            } else {
                format!("−{ago}")
            },
        })
        .collect();
    let mut values = vec![0, max];
    if max >= 2 {
        values.insert(1, max / 2);
    }
    let y = values
        .into_iter()
        .map(|v| Tick {
            pos: c.bottom - v * (c.bottom - c.top) / max,
            label: v.to_string(),
        })
        .collect();
    (x, y)
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
    query: &CallsQuery,
) -> Result<Response> {
    let clock = state.clock.state();
    let recent = crate::shared::recent_calls(state).await.map_err(internal)?;
    let apps = state.platform.list_apps().await.map_err(internal)?;
    let ig_users = state.platform.list_ig_users().await.map_err(internal)?;
    let mut names: BTreeMap<String, String> = apps
        .iter()
        .map(|a| (a.id.clone(), a.name.clone()))
        .chain(ig_users.iter().map(|u| (u.id.clone(), u.username.clone())))
        .collect();
    let mut unknown: Vec<String> = recent
        .iter()
        .filter_map(|c| c.user.clone())
        .filter(|u| !names.contains_key(u))
        .collect();
    unknown.sort();
    unknown.dedup();
    for id in unknown.into_iter().take(20) {
        if let Some(u) = state.platform.find_fb_user(&id).await.map_err(internal)? {
            names.insert(id, u.name);
        }
    }
    let name_of = |id: &str| names.get(id).cloned().unwrap_or_else(|| id.to_owned());
    let (error, filter_status, filter) = match query.filter() {
        Ok(f) => (error, status, f),
        Err(key) => (
            Some(l.t(key)),
            StatusCode::BAD_REQUEST,
            CallFilter::default(),
        ),
    };
    let selected = filter.select(recent.clone());
    let calls = selected
        .iter()
        .take(TABLE_ROWS)
        .map(|c| CallRow {
            at: c.at.format(&Rfc3339).unwrap_or_default(),
            at_short: short_time(c.at),
            method: c.method.to_string(),
            path: c.path.clone(),
            app: c.app.as_deref().map_or_else(|| "-".into(), &name_of),
            status: c.status,
            graph_code: if c.graph_code == 0 {
                "-".into()
            } else {
                c.graph_code.to_string()
            },
            duration: human_duration(c.duration_us, c.whole_ms),
        })
        .collect();
    let default_limit = state.platform.settings.rate_defaults.app_calls_per_hour;
    let (series, max) = series(
        &recent,
        clock.now,
        |app_id| {
            apps.iter()
                .find(|a| a.id == app_id)
                .and_then(|a| a.rate_limits.app_calls_per_hour)
                .unwrap_or(default_limit)
        },
        name_of,
    );
    let (x_ticks, y_ticks) = ticks(max);
    let app_choices = apps
        .iter()
        .map(|a| Choice {
            value: a.id.clone(),
            label: format!("{} ({})", a.name, a.id),
        })
        .collect();
    let accounts = ig_users.into_iter().map(|u| u.username).collect();
    crate::shared::sync_rules(state).await.map_err(internal)?;
    let csrf = issue_csrf(state, session).await?;
    Ok(pages::render(
        filter_status,
        &EmulatorPage {
            l,
            back: "/emulator",
            notice,
            error,
            csrf: &csrf,
            now: clock.now.format(&Rfc3339).unwrap_or_default(),
            now_short: short_date_time(clock.now),
            frozen: clock.frozen,
            offset: human_offset(clock.offset_seconds),
            duration,
            matched: selected.len(),
            calls,
            filter: query,
            hosts: localgram_core::faults::HOSTS,
            app_choices,
            rules: rule_rows(state),
            series,
            x_ticks,
            y_ticks,
            chart: CHART,
            accounts,
            owner,
            caption,
            max_upload_mb: MAX_UPLOAD_BYTES / (1024 * 1024),
        },
    ))
}

async fn get_emulator(
    PageLang(l): PageLang,
    State(state): State<AppState>,
    BrowserSession(jar, session): BrowserSession,
    Query(q): Query<CallsQuery>,
) -> Result<Response> {
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
        &q,
    )
    .await?;
    Ok((jar, page).into_response())
}

async fn post_advance(
    PageLang(l): PageLang,
    State(state): State<AppState>,
    CheckedForm(form, session): CheckedForm,
) -> Result<Response> {
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
                &CallsQuery::default(),
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

/// Validates the upload (a known account, a non-empty file of a known type) and stores it.
async fn store_upload(
    state: &AppState,
    owner: &str,
    caption: &str,
    bytes: Vec<u8>,
) -> std::result::Result<(), DashboardError> {
    let user = state
        .platform
        .find_ig_user_by_username(owner.trim())
        .await
        .map_err(DashboardError::Store)?
        .ok_or(DashboardError::NoSuchInstagramUser)?;
    if bytes.is_empty() {
        return Err(DashboardError::EmptyFile);
    }
    let ct = validate_upload(&bytes).ok_or(DashboardError::BadFileType)?;
    state
        .platform
        .add_uploaded_media(&user.id, ct, bytes, caption)
        .await
        .map(drop)
}

/// The Emulator page again, refusing the upload with `status` and `message`, what was typed kept.
async fn upload_refused(
    state: &AppState,
    l: Lang,
    session: &Session,
    status: StatusCode,
    message: &str,
    form: &Upload,
) -> Result<Response> {
    emulator_page(
        state,
        l,
        session,
        status,
        None,
        Some(message),
        "",
        form.field("owner"),
        form.field("caption"),
        &CallsQuery::default(),
    )
    .await
}

async fn post_upload(
    PageLang(l): PageLang,
    State(state): State<AppState>,
    form: std::result::Result<CheckedForm<Upload>, UploadRefusal>,
) -> Result<Response> {
    let CheckedForm(mut form, session) = match form {
        Ok(checked) => checked,
        Err(UploadRefusal::TooLarge(form, session)) => {
            // Nothing is stored: the file is refused, the page shown again with what was typed.
            let message = l.t("err.file_too_large");
            return upload_refused(
                &state,
                l,
                &session,
                StatusCode::PAYLOAD_TOO_LARGE,
                message,
                &form,
            )
            .await;
        }
        Err(UploadRefusal::Refused(e)) => return Err(e),
    };
    let bytes = form.take_file("file").unwrap_or_default();
    match store_upload(&state, form.field("owner"), form.field("caption"), bytes).await {
        Ok(()) => Ok(see_other("/emulator?done=uploaded#upload")),
        Err(e) => {
            let key = refusal(e)?;
            upload_refused(
                &state,
                l,
                &session,
                StatusCode::BAD_REQUEST,
                l.t(key),
                &form,
            )
            .await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_offsets_read_like_a_tool() {
        assert_eq!(human_duration(0, false), "0 µs");
        assert_eq!(human_duration(312, false), "312 µs");
        assert_eq!(human_duration(2_468, false), "2.4 ms");
        assert_eq!(human_duration(15_900, false), "15 ms");
        assert_eq!(human_duration(0, true), "< 1 ms");
        assert_eq!(human_duration(3_000, true), "3 ms");
        assert_eq!(human_offset(0), "0 s");
        assert_eq!(human_offset(91_800), "+1 d 1 h 30 min");
        assert_eq!(human_offset(-61), "−1 min 1 s");
    }
}
