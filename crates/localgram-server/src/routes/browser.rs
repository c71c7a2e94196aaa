//! Browser plumbing the authorize windows, the Facebook dialog and the App Dashboard share: the
//! page language and the checks every form POST passes first.

use crate::error::{ApiError, Result};
use crate::http::params::body_params;
use crate::i18n::Lang;
use crate::session::{self, Session};
use crate::state::AppState;
use axum::extract::Request;
use axum::http::{HeaderMap, header};
use axum::response::Response;
use axum_extra::extract::SignedCookieJar;
use localgram_core::params::Params;

/// The cookie that remembers the chosen language.
pub const LANG_COOKIE: &str = "lg_lang";

/// The language of a request: the switcher's cookie, else `Accept-Language`, else English.
pub fn lang(headers: &HeaderMap, jar: &SignedCookieJar) -> Lang {
    if let Some(l) = jar
        .get(LANG_COOKIE)
        .and_then(|c| Lang::from_code(c.value()))
    {
        return l;
    }
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map(Lang::negotiate)
        .unwrap_or_default()
}

/// The page language, as an extractor: a handler takes `PageLang(l): PageLang` (see [`lang`]).
#[derive(Debug, Clone, Copy)]
pub struct PageLang(pub Lang);

impl<S> axum::extract::FromRequestParts<S> for PageLang
where
    S: Send + Sync,
    axum_extra::extract::cookie::Key: axum::extract::FromRef<S>,
{
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> std::result::Result<Self, Self::Rejection> {
        let jar = SignedCookieJar::from_request_parts(parts, state).await?;
        Ok(Self(lang(&parts.headers, &jar)))
    }
}

/// Adds `Retry-After` (whole seconds, at least 1) to a throttled answer.
pub fn with_retry_after(mut res: Response, wait: time::Duration) -> Response {
    let secs = wait.whole_seconds().max(1);
    if let Ok(v) = axum::http::HeaderValue::from_str(&secs.to_string()) {
        res.headers_mut().insert(axum::http::header::RETRY_AFTER, v);
    }
    res
}

/// The checks every form POST passes first: same origin, a session, and an unused CSRF token
/// issued to this browser. Returns the form and the session.
pub async fn check_form(
    state: &AppState,
    jar: &SignedCookieJar,
    req: Request,
) -> Result<(Params, Session)> {
    if !session::same_origin(req.headers(), state) {
        return Err(ApiError::Forbidden(
            "This form was sent from another site and was refused.",
        ));
    }
    let form = body_params(req)
        .await
        .map_err(|_| ApiError::Forbidden("The form could not be read."))?;
    let session = session::load(jar).ok_or(ApiError::Forbidden(
        "Your session has expired. Go back to the app and start again.",
    ))?;
    let csrf = form.get("csrf").ok().flatten().ok_or(ApiError::Forbidden(
        "The form is missing its security token. Reload the page and try again.",
    ))?;
    let ok = state
        .platform
        .consume_csrf(csrf, &session.browser_id)
        .await
        .map_err(|e| ApiError::PageInternal(e.into()))?;
    if !ok {
        return Err(ApiError::Forbidden(
            "The form's security token is invalid or was already used. Reload the page and try again.",
        ));
    }
    Ok((form, session))
}

/// A form POST that passed [`check_form`], as an extractor: its fields and the browser's
/// session. A handler that takes it cannot skip the same-origin, session and CSRF checks; a
/// form that fails them never reaches the handler.
pub struct CheckedForm(pub Params, pub Session);

impl axum::extract::FromRequest<AppState> for CheckedForm {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self> {
        use axum::extract::FromRequestParts;
        let (mut parts, body) = req.into_parts();
        let Ok(jar) = SignedCookieJar::from_request_parts(&mut parts, state).await;
        let (form, session) = check_form(state, &jar, Request::from_parts(parts, body)).await?;
        Ok(Self(form, session))
    }
}

/// The browser's session, as an extractor: the one its signed cookie holds, or a new one whose
/// cookie is in the jar given back (return that jar with the response). See
/// [`session::load_or_start`].
pub struct BrowserSession(pub SignedCookieJar, pub Session);

impl axum::extract::FromRequestParts<AppState> for BrowserSession {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> std::result::Result<Self, Self::Rejection> {
        let Ok(jar) = SignedCookieJar::from_request_parts(parts, state).await;
        let (jar, session) = session::load_or_start(jar, state);
        Ok(Self(jar, session))
    }
}
