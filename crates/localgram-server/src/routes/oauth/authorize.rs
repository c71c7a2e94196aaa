//! `GET /oauth/authorize` (validate, then the login or the consent page),
//! `POST /oauth/authorize/login`, `POST /oauth/authorize` (Allow / Cancel) and
//! `POST /oauth/authorize/logout`. Every failure before consent is an HTML page with status 400 and
//! no redirect (`docs/robustness.md#authorize-errors`); only the person's own Allow or Cancel
//! redirects, with a 303.

use crate::error::{ApiError, Result};
use crate::http::params::query_params;
use crate::pages::{self, ConsentPage, LoginPage, Permission};
use crate::routes::browser::with_retry_after;
use crate::routes::browser::{BrowserSession, CheckedForm, PageLang};
use crate::session::{self, Session};
use crate::state::AppState;
use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum_extra::extract::SignedCookieJar;
use localgram_core::model::IgUser;
use localgram_core::oauth::{AuthorizeRequest, LoginError, Window};
use time::Duration;

/// How recent a login must be to satisfy `force_reauth=true`.
const REAUTH_WINDOW: Duration = Duration::minutes(2);

fn prefix(window: Window) -> &'static str {
    match window {
        Window::Api => "/api.instagram.com",
        Window::Www => "/www.instagram.com",
    }
}

/// The authorize routes of one window.
pub fn router(window: Window) -> Router<AppState> {
    Router::new()
        .route(
            "/oauth/authorize",
            get(move |pl, st, jar, q| get_authorize(pl, window, st, jar, q))
                .post(move |st, form| post_consent(window, st, form)),
        )
        .route(
            "/oauth/authorize/login",
            post(move |pl, st, jar, req| post_login(pl, window, st, jar, req)),
        )
        .route(
            "/oauth/authorize/logout",
            post(move |st, jar, req| post_logout(window, st, jar, req)),
        )
}

/// The account logged in on this browser, if its login satisfies the request.
async fn logged_in(
    state: &AppState,
    session: &Session,
    req: &AuthorizeRequest,
) -> Result<Option<IgUser>> {
    let Some(id) = &session.ig_user_id else {
        return Ok(None);
    };
    if req.force_reauth {
        let fresh = session
            .login_at
            .is_some_and(|t| state.platform.clock.now() - t < REAUTH_WINDOW);
        if !fresh {
            return Ok(None);
        }
    }
    state
        .platform
        .find_instagram_user(id)
        .await
        .map_err(|e| ApiError::PageInternal(e.into()))
}

async fn get_authorize(
    PageLang(l): PageLang,
    window: Window,
    State(state): State<AppState>,
    BrowserSession(jar, session): BrowserSession,
    RawQuery(q): RawQuery,
) -> Result<Response> {
    let q = q.unwrap_or_default();
    let req = state
        .platform
        .validate_authorize(window, &query_params(Some(&q)))
        .await?;
    let page = match logged_in(&state, &session, &req).await? {
        None => {
            login_page(
                l,
                window,
                &state,
                &session,
                &req,
                &q,
                "",
                None,
                StatusCode::OK,
            )
            .await?
        }
        Some(user) => {
            state.platform.check_may_authorize(&req.app, &user).await?;
            consent_page(l, window, &state, &session, &req, &user, &q).await?
        }
    };
    Ok((jar, page).into_response())
}

#[allow(clippy::too_many_arguments)]
async fn login_page(
    l: crate::i18n::Lang,
    window: Window,
    state: &AppState,
    session: &Session,
    req: &AuthorizeRequest,
    q: &str,
    username: &str,
    error: Option<&str>,
    status: StatusCode,
) -> Result<Response> {
    let csrf = state
        .platform
        .issue_csrf(&session.browser_id)
        .await
        .map_err(|e| ApiError::PageInternal(e.into()))?;
    let action = format!("{}/oauth/authorize/login", prefix(window));
    Ok(pages::render(
        status,
        &LoginPage {
            l,
            action: &action,
            q,
            csrf: csrf.expose(),
            app_name: &req.app.name,
            username,
            error,
            enable_fb_login: window == Window::Www && req.enable_fb_login,
        },
    ))
}

async fn consent_page(
    l: crate::i18n::Lang,
    window: Window,
    state: &AppState,
    session: &Session,
    req: &AuthorizeRequest,
    user: &IgUser,
    q: &str,
) -> Result<Response> {
    let csrf = state
        .platform
        .issue_csrf(&session.browser_id)
        .await
        .map_err(|e| ApiError::PageInternal(e.into()))?;
    let action = format!("{}/oauth/authorize", prefix(window));
    let logout_action = format!("{}/oauth/authorize/logout", prefix(window));
    let permissions = req
        .scopes
        .as_slice()
        .iter()
        .map(|s| Permission {
            scope: s.clone(),
            description: l.permission(s),
        })
        .collect();
    Ok(pages::render(
        StatusCode::OK,
        &ConsentPage {
            l,
            action: &action,
            q,
            csrf: csrf.expose(),
            app_name: &req.app.name,
            username: &user.username,
            permissions,
            logout_action: &logout_action,
        },
    ))
}

pub(crate) fn see_other(location: &str) -> Response {
    let mut res = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(location) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    crate::http::headers::html_security_headers(res.headers_mut());
    res
}

async fn post_login(
    PageLang(l): PageLang,
    window: Window,
    State(state): State<AppState>,
    jar: SignedCookieJar,
    CheckedForm(form, mut session): CheckedForm,
) -> Result<Response> {
    let q = form.get("q").ok().flatten().unwrap_or("").to_owned();
    let auth = state
        .platform
        .validate_authorize(window, &query_params(Some(&q)))
        .await?;
    let username = form.get("username").ok().flatten().unwrap_or("").to_owned();
    let password = form.get("password").ok().flatten().unwrap_or("");
    match state.platform.login_instagram(&username, password).await {
        Ok(user) => {
            session.ig_user_id = Some(user.id);
            session.login_at = Some(state.platform.clock.now());
            let jar = session::store(jar, &state, &session);
            Ok((
                jar,
                see_other(&format!("{}/oauth/authorize?{q}", prefix(window))),
            )
                .into_response())
        }
        Err(LoginError::BadCredentials) => {
            let msg = l.t("login.bad_credentials");
            login_page(
                l,
                window,
                &state,
                &session,
                &auth,
                &q,
                &username,
                Some(msg),
                StatusCode::UNAUTHORIZED,
            )
            .await
        }
        Err(LoginError::TooManyAttempts { until }) => {
            let msg = l.t("login.too_many_attempts");
            let res = login_page(
                l,
                window,
                &state,
                &session,
                &auth,
                &q,
                &username,
                Some(msg),
                StatusCode::TOO_MANY_REQUESTS,
            )
            .await?;
            Ok(with_retry_after(res, until - state.platform.clock.now()))
        }
        Err(LoginError::Store(e)) => Err(ApiError::PageInternal(e.into())),
    }
}

async fn post_logout(
    window: Window,
    State(state): State<AppState>,
    jar: SignedCookieJar,
    CheckedForm(form, mut session): CheckedForm,
) -> Result<Response> {
    let q = form.get("q").ok().flatten().unwrap_or("").to_owned();
    session.ig_user_id = None;
    session.login_at = None;
    let jar = session::store(jar, &state, &session);
    Ok((
        jar,
        see_other(&format!("{}/oauth/authorize?{q}", prefix(window))),
    )
        .into_response())
}

/// `uri` with `params` appended to its query, and an optional fragment.
pub fn redirect_with(uri: &str, params: &[(&str, &str)], fragment: Option<&str>) -> String {
    let sep = if uri.contains('?') { '&' } else { '?' };
    let qs = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params)
        .finish();
    match fragment {
        Some(f) => format!("{uri}{sep}{qs}#{f}"),
        None => format!("{uri}{sep}{qs}"),
    }
}

async fn post_consent(
    window: Window,
    State(state): State<AppState>,
    CheckedForm(form, session): CheckedForm,
) -> Result<Response> {
    let q = form.get("q").ok().flatten().unwrap_or("").to_owned();
    let auth = state
        .platform
        .validate_authorize(window, &query_params(Some(&q)))
        .await?;
    let user = logged_in(&state, &session, &auth)
        .await?
        .ok_or(ApiError::Forbidden(
            "You are not logged in. Go back to the app and start again.",
        ))?;
    state.platform.check_may_authorize(&auth.app, &user).await?;
    let state_param = auth.state.as_deref();
    let location = match form.get("decision").ok().flatten() {
        Some("allow") => {
            let code = state
                .platform
                .issue_code(&auth, &user)
                .await
                .map_err(|e| ApiError::PageInternal(e.into()))?;
            let mut params = vec![("code", code.expose())];
            params.extend(state_param.map(|s| ("state", s)));
            redirect_with(&auth.redirect_uri, &params, Some("_"))
        }
        _ => {
            let mut params = vec![
                ("error", "access_denied"),
                ("error_reason", "user_denied"),
                ("error_description", "The user denied your request"),
            ];
            params.extend(state_param.map(|s| ("state", s)));
            redirect_with(&auth.redirect_uri, &params, None)
        }
    };
    let mut res = see_other(&location);
    res.extensions_mut()
        .insert(crate::http::tags::AppTag(auth.app.id.clone()));
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirects_append_to_an_existing_query_and_encode_spaces_as_plus() {
        assert_eq!(
            redirect_with(
                "https://a.example/cb",
                &[("error_description", "The user denied your request")],
                None
            ),
            "https://a.example/cb?error_description=The+user+denied+your+request"
        );
        assert_eq!(
            redirect_with("https://a.example/cb?x=1", &[("code", "AQ1")], Some("_")),
            "https://a.example/cb?x=1&code=AQ1#_"
        );
    }
}
