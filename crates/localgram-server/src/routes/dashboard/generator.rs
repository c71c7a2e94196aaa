//! The User Token Generator (`docs/graph-api.md#user-token-generator`): for an accepted tester,
//! "Generate Token" opens the OAuth window's login page (unless this browser is signed in as that
//! account), then its consent page; Allow makes a long-lived token, shown once with its expiry and
//! a copy button; Cancel goes back to the app.

use super::{field, internal, issue_csrf, refusal, see_other};
use crate::error::Result;
use crate::i18n::Lang;
use crate::pages::{self, ConsentPage, Permission};
use crate::routes::browser::{BrowserSession, CheckedForm, PageLang};
use crate::session;
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum_extra::extract::SignedCookieJar;
use localgram_core::dashboard::generator_scopes;
use localgram_core::model::App;
use localgram_core::oauth::LoginError;
use time::format_description::well_known::Rfc3339;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/apps/{id}/token-generator/{user}",
            get(get_generator).post(post_consent),
        )
        .route(
            "/apps/{id}/token-generator/{user}/login",
            axum::routing::post(post_login),
        )
        .route(
            "/apps/{id}/token-generator/{user}/logout",
            axum::routing::post(post_logout),
        )
        .route("/apps/{id}/token-generator/{user}/token", get(get_token))
}

fn base(app_id: &str, user: &str) -> String {
    format!("/apps/{app_id}/token-generator/{user}")
}

fn slot(app_id: &str, user: &str) -> String {
    format!("token:{app_id}:{user}")
}

/// The app and the tester's account, or the page that says why not.
pub(super) async fn load(
    state: &AppState,
    l: Lang,
    app_id: &str,
    user_id: &str,
) -> Result<Result<(App, localgram_core::model::IgUser), Response>> {
    let app = match state.platform.dashboard_app(app_id).await {
        Ok(app) => app,
        Err(e) => {
            let key = refusal(e)?;
            return Ok(Err(super::message_page(
                StatusCode::NOT_FOUND,
                l,
                "/",
                l.t(key),
            )));
        }
    };
    let user = state
        .platform
        .find_instagram_user(user_id)
        .await
        .map_err(internal)?;
    let accepted = state
        .platform
        .tester_status(app_id, user_id)
        .await
        .map_err(internal)?
        == Some(localgram_core::model::TesterStatus::Accepted);
    match user {
        Some(user) if accepted => Ok(Ok((app, user))),
        _ => Ok(Err(super::message_page(
            StatusCode::NOT_FOUND,
            l,
            &format!("/apps/{app_id}"),
            l.t("err.not_accepted_tester"),
        ))),
    }
}

async fn get_generator(
    PageLang(l): PageLang,
    State(state): State<AppState>,
    BrowserSession(jar, session): BrowserSession,
    Path((app_id, user_id)): Path<(String, String)>,
) -> Result<Response> {
    let (app, user) = match load(&state, l, &app_id, &user_id).await? {
        Ok(v) => v,
        Err(page) => return Ok((jar, page).into_response()),
    };
    let base = base(&app.id, &user.id);
    if session.ig_user_id.as_deref() != Some(user.id.as_str()) {
        let action = format!("{base}/login");
        let page = super::instagram::login_page(
            l,
            &state,
            &session,
            &action,
            &app.name,
            &user.username,
            None,
            StatusCode::OK,
        )
        .await?;
        return Ok((jar, page).into_response());
    }
    let Some(scopes) = generator_scopes(&app) else {
        let back = format!("/apps/{}", app.id);
        let page = super::message_page(
            StatusCode::BAD_REQUEST,
            l,
            &back,
            l.t("err.no_instagram_product"),
        );
        return Ok((jar, page).into_response());
    };
    let csrf = issue_csrf(&state, &session).await?;
    let logout_action = format!("{base}/logout");
    let permissions = scopes
        .iter()
        .map(|s| Permission {
            scope: s.clone(),
            description: l.permission(s),
        })
        .collect();
    let page = pages::render(
        StatusCode::OK,
        &ConsentPage {
            l,
            action: &base,
            q: "",
            csrf: &csrf,
            app_name: &app.name,
            username: &user.username,
            permissions,
            logout_action: &logout_action,
        },
    );
    Ok((jar, page).into_response())
}

async fn post_login(
    PageLang(l): PageLang,
    State(state): State<AppState>,
    jar: SignedCookieJar,
    Path((app_id, user_id)): Path<(String, String)>,
    CheckedForm(form, mut session): CheckedForm,
) -> Result<Response> {
    let (app, user) = match load(&state, l, &app_id, &user_id).await? {
        Ok(v) => v,
        Err(page) => return Ok(page),
    };
    let base = base(&app.id, &user.id);
    let username = field(&form, "username").to_owned();
    let password = field(&form, "password");
    let mut retry_after = None;
    let error = match state.platform.login_instagram(&username, password).await {
        Ok(who) if who.id == user.id => {
            session.ig_user_id = Some(who.id);
            session.login_at = Some(state.platform.clock.now());
            let jar = session::store(jar, &state, &session);
            return Ok((jar, see_other(&base)).into_response());
        }
        Ok(_) => l.t("err.wrong_account").to_owned(),
        Err(LoginError::BadCredentials) => l.t("login.bad_credentials").to_owned(),
        Err(LoginError::TooManyAttempts { until }) => {
            retry_after = Some(until - state.platform.clock.now());
            l.t("login.too_many_attempts").to_owned()
        }
        Err(LoginError::Store(e)) => return Err(internal(e)),
    };
    let res = super::instagram::login_page(
        l,
        &state,
        &session,
        &format!("{base}/login"),
        &app.name,
        &username,
        Some(&error),
        if retry_after.is_some() {
            StatusCode::TOO_MANY_REQUESTS
        } else {
            StatusCode::UNAUTHORIZED
        },
    )
    .await?;
    Ok(match retry_after {
        Some(wait) => crate::routes::browser::with_retry_after(res, wait),
        None => res,
    })
}

async fn post_logout(
    State(state): State<AppState>,
    jar: SignedCookieJar,
    Path((app_id, user_id)): Path<(String, String)>,
    CheckedForm(_, mut session): CheckedForm,
) -> Result<Response> {
    session.ig_user_id = None;
    session.login_at = None;
    let jar = session::store(jar, &state, &session);
    Ok((jar, see_other(&base(&app_id, &user_id))).into_response())
}

async fn post_consent(
    PageLang(l): PageLang,
    State(state): State<AppState>,
    Path((app_id, user_id)): Path<(String, String)>,
    CheckedForm(form, session): CheckedForm,
) -> Result<Response> {
    let (app, user) = match load(&state, l, &app_id, &user_id).await? {
        Ok(v) => v,
        Err(page) => return Ok(page),
    };
    let base = base(&app.id, &user.id);
    if session.ig_user_id.as_deref() != Some(user.id.as_str()) {
        return Ok(see_other(&base));
    }
    if field(&form, "decision") != "allow" {
        return Ok(see_other(&format!(
            "/apps/{}?done=token_cancelled#token-generator",
            app.id
        )));
    }
    match state.platform.generate_user_token(&app.id, &user.id).await {
        Ok(generated) => {
            let expires = generated.expires_at.format(&Rfc3339).map_err(internal)?;
            state
                .reveals
                .put(
                    &state.platform,
                    &session.browser_id,
                    &slot(&app.id, &user.id),
                    format!(
                        "{}\n{expires}\n{}",
                        generated.token.expose(),
                        generated.scopes.join(",")
                    ),
                )
                .await
                .map_err(internal)?;
            Ok(see_other(&format!("{base}/token")))
        }
        Err(e) => {
            let key = refusal(e)?;
            Ok(super::message_page(
                StatusCode::BAD_REQUEST,
                l,
                &format!("/apps/{}", app.id),
                l.t(key),
            ))
        }
    }
}

#[derive(Template)]
#[template(path = "dash/token.html")]
struct TokenPage<'a> {
    l: Lang,
    back: &'a str,
    notice: Option<&'a str>,
    error: Option<&'a str>,
    app: &'a App,
    username: &'a str,
    token: Option<(String, String, String)>,
}

async fn get_token(
    PageLang(l): PageLang,
    State(state): State<AppState>,
    BrowserSession(jar, session): BrowserSession,
    Path((app_id, user_id)): Path<(String, String)>,
) -> Result<Response> {
    let (app, user) = match load(&state, l, &app_id, &user_id).await? {
        Ok(v) => v,
        Err(page) => return Ok((jar, page).into_response()),
    };
    let token = state
        .reveals
        .take(
            &state.platform,
            &session.browser_id,
            &slot(&app.id, &user.id),
        )
        .await
        .map_err(internal)?
        .and_then(|v| {
            let mut parts = v.splitn(3, '\n');
            Some((
                parts.next()?.to_owned(),
                parts.next()?.to_owned(),
                parts.next()?.to_owned(),
            ))
        });
    let back = format!("/apps/{}", app.id);
    let page = pages::render(
        StatusCode::OK,
        &TokenPage {
            l,
            back: &back,
            notice: None,
            error: None,
            app: &app,
            username: &user.username,
            token,
        },
    );
    Ok((jar, page).into_response())
}
