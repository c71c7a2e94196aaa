//! `www.facebook.com`: the Facebook Login dialog (`docs/graph-api.md#facebook-login`).
//! `GET /dialog/oauth` (also `/{version}/dialog/oauth`) validates before anything is shown (errors
//! are HTML pages, never redirects), then shows the login page (email and password) or the consent
//! page, where the person may untick permissions and choose the Pages the app may see. Forms carry
//! CSRF tokens and are checked for origin, as in the Instagram window.

use crate::error::{ApiError, Result};
use crate::http::params::query_params;
use crate::i18n::Lang;
use crate::pages::{self, FbConsentPage, FbLoginPage, FbPageChoice, FbPermission};
use crate::routes::browser::with_retry_after;
use crate::routes::browser::{BrowserSession, CheckedForm, PageLang};
use crate::routes::oauth::authorize::{redirect_with, see_other};
use crate::session::{self, Session};
use crate::state::AppState;
use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum_extra::extract::SignedCookieJar;
use localgram_core::facebook::{ALWAYS_GRANTED, Consent, DialogRequest};
use localgram_core::model::FbUser;
use localgram_core::oauth::LoginError;

const PREFIX: &str = "/www.facebook.com";

/// The routes of `/www.facebook.com`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/dialog/oauth", get(get_dialog).post(post_consent))
        .route(
            "/{version}/dialog/oauth",
            get(get_versioned_dialog).post(post_versioned_consent),
        )
        .route("/dialog/oauth/login", post(post_login))
        .route("/dialog/oauth/logout", post(post_logout))
        .route("/checkpoint/test-user-login/{id}/", get(test_user_login))
}

async fn logged_in(state: &AppState, session: &Session) -> Result<Option<FbUser>> {
    let Some(id) = &session.fb_user_id else {
        return Ok(None);
    };
    state
        .platform
        .find_facebook_user(id)
        .await
        .map_err(|e| ApiError::PageInternal(e.into()))
}

async fn get_versioned_dialog(
    l: PageLang,
    State(state): State<AppState>,
    Path(_version): Path<String>,
    browser: BrowserSession,
    q: RawQuery,
) -> Result<Response> {
    get_dialog(l, State(state), browser, q).await
}

async fn post_versioned_consent(
    State(state): State<AppState>,
    Path(_version): Path<String>,
    form: CheckedForm,
) -> Result<Response> {
    post_consent(State(state), form).await
}

async fn get_dialog(
    PageLang(l): PageLang,
    State(state): State<AppState>,
    BrowserSession(jar, session): BrowserSession,
    RawQuery(q): RawQuery,
) -> Result<Response> {
    let q = q.unwrap_or_default();
    let req = state
        .platform
        .validate_fb_dialog(&query_params(Some(&q)))
        .await?;
    let page = match logged_in(&state, &session).await? {
        None => login_page(&state, l, &session, &req, &q, "", None, StatusCode::OK).await?,
        Some(user) => {
            state
                .platform
                .check_fb_may_authorize(&req.app, &user)
                .await?;
            consent_page(&state, l, &session, &req, &user, &q).await?
        }
    };
    Ok((jar, page).into_response())
}

#[allow(clippy::too_many_arguments)]
async fn login_page(
    state: &AppState,
    l: Lang,
    session: &Session,
    req: &DialogRequest,
    q: &str,
    email: &str,
    error: Option<&str>,
    status: StatusCode,
) -> Result<Response> {
    let csrf = state
        .platform
        .issue_csrf(&session.browser_id)
        .await
        .map_err(|e| ApiError::PageInternal(e.into()))?;
    let action = format!("{PREFIX}/dialog/oauth/login");
    Ok(pages::render(
        status,
        &FbLoginPage {
            l,
            action: &action,
            q,
            csrf: csrf.expose(),
            app_name: &req.app.name,
            email,
            error,
        },
    ))
}

async fn consent_page(
    state: &AppState,
    l: Lang,
    session: &Session,
    req: &DialogRequest,
    user: &FbUser,
    q: &str,
) -> Result<Response> {
    let csrf = state
        .platform
        .issue_csrf(&session.browser_id)
        .await
        .map_err(|e| ApiError::PageInternal(e.into()))?;
    let user_pages = state
        .platform
        .pages_of_user(&user.id)
        .await
        .map_err(|e| ApiError::PageInternal(e.into()))?;
    let action = format!("{PREFIX}/dialog/oauth");
    let logout_action = format!("{PREFIX}/dialog/oauth/logout");
    let permissions = req
        .scopes
        .iter()
        .map(|s| FbPermission {
            scope: s.clone(),
            description: l.permission(s),
            required: s == ALWAYS_GRANTED,
        })
        .collect();
    let wants_pages = req.scopes.iter().any(|s| s == "pages_show_list");
    let pages = if wants_pages {
        user_pages
            .into_iter()
            .map(|p| FbPageChoice {
                id: p.page.id,
                name: p.page.name,
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(pages::render(
        StatusCode::OK,
        &FbConsentPage {
            l,
            action: &action,
            q,
            csrf: csrf.expose(),
            app_name: &req.app.name,
            name: &user.name,
            permissions,
            pages,
            logout_action: &logout_action,
        },
    ))
}

async fn post_login(
    PageLang(l): PageLang,
    State(state): State<AppState>,
    jar: SignedCookieJar,
    CheckedForm(form, mut session): CheckedForm,
) -> Result<Response> {
    let q = form.get("q").ok().flatten().unwrap_or("").to_owned();
    let dialog = state
        .platform
        .validate_fb_dialog(&query_params(Some(&q)))
        .await?;
    let email = form.get("email").ok().flatten().unwrap_or("").to_owned();
    let password = form.get("password").ok().flatten().unwrap_or("");
    match state.platform.login_facebook(&email, password).await {
        Ok(user) => {
            session.fb_user_id = Some(user.id);
            let jar = session::store(jar, &state, &session);
            Ok((jar, see_other(&format!("{PREFIX}/dialog/oauth?{q}"))).into_response())
        }
        Err(LoginError::BadCredentials) => {
            let msg = l.t("fb_login.bad_credentials");
            login_page(
                &state,
                l,
                &session,
                &dialog,
                &q,
                &email,
                Some(msg),
                StatusCode::UNAUTHORIZED,
            )
            .await
        }
        Err(LoginError::TooManyAttempts { until }) => {
            let msg = l.t("login.too_many_attempts");
            let res = login_page(
                &state,
                l,
                &session,
                &dialog,
                &q,
                &email,
                Some(msg),
                StatusCode::TOO_MANY_REQUESTS,
            )
            .await?;
            Ok(with_retry_after(res, until - state.platform.clock.now()))
        }
        Err(LoginError::Store(e)) => Err(ApiError::PageInternal(e.into())),
    }
}

/// A test user's `login_url` (`?n=` the one-time secret): logs this browser in to Facebook as
/// the test user, once, within an hour of the URL being issued.
async fn test_user_login(
    PageLang(l): PageLang,
    State(state): State<AppState>,
    Path(id): Path<String>,
    BrowserSession(jar, mut session): BrowserSession,
    RawQuery(q): RawQuery,
) -> Result<Response> {
    let params = query_params(q.as_deref());
    let nonce = params.get("n").ok().flatten().unwrap_or("");
    let user = state
        .platform
        .redeem_test_user_login(&id, nonce)
        .await
        .map_err(|e| ApiError::PageInternal(e.into()))?
        .ok_or(ApiError::Forbidden(
            "This login link has expired or was already used. List the app's test users again for a fresh one.",
        ))?;
    session.fb_user_id = Some(user.id.clone());
    let jar = session::store(jar, &state, &session);
    let page = pages::render(
        StatusCode::OK,
        &pages::FbTestUserLoginPage {
            l,
            name: &user.name,
        },
    );
    Ok((jar, page).into_response())
}

async fn post_logout(
    State(state): State<AppState>,
    jar: SignedCookieJar,
    CheckedForm(form, mut session): CheckedForm,
) -> Result<Response> {
    let q = form.get("q").ok().flatten().unwrap_or("").to_owned();
    session.fb_user_id = None;
    let jar = session::store(jar, &state, &session);
    Ok((jar, see_other(&format!("{PREFIX}/dialog/oauth?{q}"))).into_response())
}

async fn post_consent(
    State(state): State<AppState>,
    CheckedForm(form, session): CheckedForm,
) -> Result<Response> {
    let q = form.get("q").ok().flatten().unwrap_or("").to_owned();
    let dialog = state
        .platform
        .validate_fb_dialog(&query_params(Some(&q)))
        .await?;
    let user = logged_in(&state, &session)
        .await?
        .ok_or(ApiError::Forbidden(
            "You are not logged in. Go back to the app and start again.",
        ))?;
    state
        .platform
        .check_fb_may_authorize(&dialog.app, &user)
        .await?;
    let all = |name: &str| -> Vec<String> {
        form.pairs()
            .filter(|(k, _)| *k == name)
            .map(|(_, v)| v.to_owned())
            .collect()
    };
    let state_param = dialog.state.as_deref();
    let location = match form.get("decision").ok().flatten() {
        Some("allow") => {
            let consent = Consent {
                scopes: all("perm"),
                page_ids: all("page"),
            };
            let code = state
                .platform
                .issue_fb_code(&dialog, &user, &consent)
                .await
                .map_err(|e| ApiError::PageInternal(e.into()))?;
            let mut params = vec![("code", code.expose())];
            params.extend(state_param.map(|s| ("state", s)));
            redirect_with(&dialog.redirect_uri, &params, None)
        }
        _ => {
            let mut params = vec![
                ("error_reason", "user_denied"),
                ("error", "access_denied"),
                ("error_description", "Permissions error."),
            ];
            params.extend(state_param.map(|s| ("state", s)));
            redirect_with(&dialog.redirect_uri, &params, None)
        }
    };
    let mut res = see_other(&location);
    res.extensions_mut()
        .insert(crate::http::tags::AppTag(dialog.app.id.clone()));
    Ok(res)
}
