//! The App Dashboard at the root (`/`): the developer side (apps, settings, redirect URIs,
//! testers, roles, the User Token Generator, and the token guide's steps with Meta's names in
//! `guide.rs`, docs/dashboard.md#guide), the Instagram side (`/instagram`: profile, tester
//! invitations, authorized apps) and the emulator views (`/emulator`: clock, recent calls, rate
//! usage, uploads).
//!
//! Who may use it: the control plane's rule. Without `--admin-token`, loopback peers only; with
//! one, a browser unlocks the dashboard once by typing the token on `/unlock` (it is then
//! remembered in a signed cookie), and scripts may send `Authorization: Bearer <token>`.
//! As on the control plane, a `Host` that does not name this server is refused (421), so a page
//! cannot reach the dashboard through DNS rebinding.
//!
//! The same rules as the OAuth pages: the session cookie, a single-use CSRF token on every form,
//! the security headers, a 303 after every successful POST, and on bad input a 400 page that
//! says what is wrong, keeps what was typed, and changes nothing. Every text is in the catalogue
//! ([`crate::i18n`]).

mod apps;
mod emulator;
mod generator;
mod guide;
mod instagram;
mod people;
mod webhooks;

use crate::error::{ApiError, Result};
use crate::http::headers::html_security_headers;
use crate::i18n::Lang;
use crate::pages;
use crate::routes::browser::{BrowserSession, CheckedForm, PageLang};
pub use crate::routes::browser::{LANG_COOKIE, lang};
use crate::session::Session;
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum_extra::extract::SignedCookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use localgram_core::attempts::Target;
use localgram_core::dashboard::DashboardError;
use localgram_core::params::Params;
use serde::Deserialize;

/// The cookie that remembers an unlocked dashboard (`--admin-token`).
pub const ADMIN_COOKIE: &str = "lg_admin";

/// The dashboard's routes, behind its guard.
pub fn router(state: AppState) -> Router<AppState> {
    let forms = Router::new()
        .merge(apps::router())
        .merge(instagram::router())
        .merge(people::router())
        .merge(generator::router())
        .merge(webhooks::router())
        .merge(guide::router())
        .merge(emulator::forms_router())
        .route("/lang/{code}", get(get_lang))
        .route("/unlock", get(get_unlock).post(post_unlock))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(
            crate::http::params::FORM_BODY_LIMIT,
        ));
    let guarded = Router::new()
        .merge(forms)
        .merge(emulator::upload_router())
        .layer(from_fn_with_state(state, guard));
    Router::new()
        .merge(guarded)
        .route("/static/dashboard.css", get(get_css))
        .route("/static/dashboard.js", get(get_js))
}

const CSS: &str = include_str!("../../../static/dashboard.css");
const JS: &str = include_str!("../../../static/dashboard.js");

fn asset(body: &'static str, content_type: &'static str) -> Response {
    let mut res = body.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    res
}

async fn get_css() -> Response {
    asset(CSS, "text/css; charset=utf-8")
}

async fn get_js() -> Response {
    asset(JS, "text/javascript; charset=utf-8")
}

/// The hex SHA-256 of the admin token: what the unlock cookie holds.
fn admin_mark(token: &str) -> String {
    localgram_core::secret::SecretHash::of(token).0
}

/// Admits a dashboard request: see the module documentation.
async fn guard(
    PageLang(l): PageLang,
    State(state): State<AppState>,
    jar: SignedCookieJar,
    req: Request,
    next: Next,
) -> Response {
    if !crate::http::admin::host_allowed(&state, req.headers(), req.uri()) {
        return crate::http::admin::misdirected();
    }
    let allowed = match &state.config.admin_token {
        Some(expected) => {
            let bearer = crate::http::admin::has_admin_bearer(req.headers(), expected);
            let cookie = jar.get(ADMIN_COOKIE).is_some_and(|c| {
                localgram_core::secret::constant_time_eq(c.value(), &admin_mark(expected))
            });
            bearer || cookie || req.uri().path() == "/unlock"
        }
        None => crate::conn::Connection::is_loopback(),
    };
    if allowed {
        return next.run(req).await;
    }
    if state.config.admin_token.is_some() {
        let mut res = see_other("/unlock");
        res.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        res
    } else {
        message_page(StatusCode::FORBIDDEN, l, "/", l.t("guard.loopback_only"))
    }
}

#[derive(Deserialize)]
struct Back {
    back: Option<String>,
}

/// A local path to return to: starts with one `/`, no scheme, no backslash.
fn local_path(p: Option<&str>) -> &str {
    match p {
        Some(p)
            if p.starts_with('/')
                && !p.starts_with("//")
                && !p.contains('\\')
                && !p.contains("://") =>
        {
            p
        }
        _ => "/",
    }
}

/// `GET /lang/{code}?back=/path`: remembers the language and goes back.
async fn get_lang(
    State(state): State<AppState>,
    jar: SignedCookieJar,
    Path(code): Path<String>,
    Query(q): Query<Back>,
) -> Response {
    let back = local_path(q.back.as_deref()).to_owned();
    let jar = match Lang::from_code(&code) {
        Some(l) => {
            let mut c = Cookie::new(LANG_COOKIE, l.code());
            c.set_path("/");
            c.set_http_only(true);
            c.set_same_site(SameSite::Lax);
            c.set_secure(state.public_url.starts_with("https://"));
            jar.add(c)
        }
        None => jar,
    };
    (jar, see_other(&back)).into_response()
}

/// The unlock page (`--admin-token`).
#[derive(Template)]
#[template(path = "dash/unlock.html")]
struct UnlockPage<'a> {
    l: Lang,
    back: &'a str,
    notice: Option<&'a str>,
    error: Option<&'a str>,
    csrf: &'a str,
}

async fn get_unlock(
    PageLang(l): PageLang,
    State(state): State<AppState>,
    BrowserSession(jar, session): BrowserSession,
) -> Result<Response> {
    if state.config.admin_token.is_none() {
        return Ok((jar, see_other("/")).into_response());
    }
    let csrf = issue_csrf(&state, &session).await?;
    Ok((
        jar,
        pages::render(
            StatusCode::UNAUTHORIZED,
            &UnlockPage {
                l,
                back: "/",
                notice: None,
                error: None,
                csrf: &csrf,
            },
        ),
    )
        .into_response())
}

async fn post_unlock(
    PageLang(l): PageLang,
    State(state): State<AppState>,
    jar: SignedCookieJar,
    CheckedForm(form, session): CheckedForm,
) -> Result<Response> {
    let Some(expected) = state.config.admin_token.clone() else {
        return Ok(see_other("/"));
    };
    let typed = field(&form, "token");
    let now = state.platform.clock.now();
    let attempts = &state.platform.attempts;
    const UNLOCK: (Target, &str) = (Target::DashboardUnlock, "admin");
    if let Some(until) = attempts.locked_until(UNLOCK.0, UNLOCK.1, now) {
        let csrf = issue_csrf(&state, &session).await?;
        let res = pages::render(
            StatusCode::TOO_MANY_REQUESTS,
            &UnlockPage {
                l,
                back: "/",
                notice: None,
                error: Some(l.t("login.too_many_attempts")),
                csrf: &csrf,
            },
        );
        return Ok(crate::routes::browser::with_retry_after(res, until - now));
    }
    if localgram_core::secret::constant_time_eq(typed.trim(), &expected) {
        attempts.succeed(UNLOCK.0, UNLOCK.1);
        let mut c = Cookie::new(ADMIN_COOKIE, admin_mark(&expected));
        c.set_path("/");
        c.set_http_only(true);
        c.set_same_site(SameSite::Strict);
        c.set_secure(state.public_url.starts_with("https://"));
        return Ok((jar.add(c), see_other("/")).into_response());
    }
    attempts.fail(UNLOCK.0, UNLOCK.1, now);
    let csrf = issue_csrf(&state, &session).await?;
    Ok(pages::render(
        StatusCode::UNAUTHORIZED,
        &UnlockPage {
            l,
            back: "/",
            notice: None,
            error: Some(l.t("err.bad_admin_token")),
            csrf: &csrf,
        },
    ))
}

/// A page with only a message (a missing app, a refused request).
#[derive(Template)]
#[template(path = "dash/message.html")]
struct MessagePage<'a> {
    l: Lang,
    back: &'a str,
    notice: Option<&'a str>,
    error: Option<&'a str>,
}

/// A page saying `message`, with a status.
pub fn message_page(status: StatusCode, l: Lang, back: &str, message: &str) -> Response {
    pages::render(
        status,
        &MessagePage {
            l,
            back,
            notice: None,
            error: Some(message),
        },
    )
}

/// A 303 to `location`, with the security headers.
pub fn see_other(location: &str) -> Response {
    let mut res = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(location) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    html_security_headers(res.headers_mut());
    res
}

/// A fresh CSRF token for this browser.
pub async fn issue_csrf(state: &AppState, session: &Session) -> Result<String> {
    Ok(state
        .platform
        .issue_csrf(&session.browser_id)
        .await
        .map_err(|e| ApiError::PageInternal(e.into()))?
        .expose()
        .to_owned())
}

/// A form field, or `""`.
pub fn field<'a>(form: &'a Params, name: &str) -> &'a str {
    form.pairs()
        .find(|(k, _)| *k == name)
        .map_or("", |(_, v)| v)
}

/// Every value of a repeated form field.
pub fn fields<'a>(form: &'a Params, name: &str) -> Vec<&'a str> {
    form.pairs()
        .filter(|(k, _)| *k == name)
        .map(|(_, v)| v)
        .collect()
}

/// What a dashboard use case's refusal becomes: the message key to show, or an internal error.
pub fn refusal(e: DashboardError) -> Result<&'static str> {
    match e.key() {
        Some(k) => Ok(k),
        None => Err(ApiError::PageInternal(anyhow::Error::new(e))),
    }
}

/// The notice a `?done=` key names, if it is one of ours.
pub fn notice(l: Lang, done: Option<&str>) -> Option<&'static str> {
    let key = format!("done.{}", done?);
    crate::i18n::DONE_KEYS
        .iter()
        .find(|k| **k == key)
        .map(|k| l.t(k))
}

/// Internal failures on pages.
pub fn internal(e: impl Into<anyhow::Error>) -> ApiError {
    ApiError::PageInternal(e.into())
}
