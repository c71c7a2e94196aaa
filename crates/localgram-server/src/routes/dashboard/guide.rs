//! The steps of the Instagram token guides, with Meta's names and in Meta's order
//! (`docs/dashboard.md#guide`): Create App (`/apps/new`: the app type, then the display name and
//! the app contact e-mail → "Create App ID"), Settings → Basic → Add Platform → Website → Site
//! URL, Products → Set Up, Instagram Basic Display's page (`/apps/{id}/instagram-basic-display`:
//! "Create New App" makes the Instagram app with its own id and secret, Client OAuth Settings,
//! the User Token Generator), and the generator's "Continue as …" step. Every step is a plain
//! HTML form or link: no script is needed.

use super::apps::{Typed, app_form, app_page, load_app};
use super::{field, internal, issue_csrf, notice, refusal, see_other};
use crate::error::Result;
use crate::i18n::Lang;
use crate::pages;
use crate::routes::browser::{BrowserSession, CheckedForm, PageLang};
use crate::session::Session;
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use localgram_core::dashboard::{ClientOAuthInput, DashboardError, NewAppInput};
use localgram_core::model::{App, Product, TesterStatus};
use serde::Deserialize;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/apps/new", get(get_new_app).post(post_new_app))
        .route("/apps/{id}/platform", post(post_platform))
        .route("/apps/{id}/products/setup", post(post_set_up))
        .route("/apps/{id}/instagram-basic-display", get(get_basic_display))
        .route(
            "/apps/{id}/instagram-basic-display/new",
            get(get_new_ig_app).post(post_new_ig_app),
        )
        .route(
            "/apps/{id}/instagram-basic-display/oauth",
            post(post_client_oauth),
        )
        .route(
            "/apps/{id}/instagram-basic-display/secret/reset",
            post(post_reset_ig_secret),
        )
        .route(
            "/apps/{id}/token-generator/{user}/continue",
            get(get_continue_as),
        )
}

/// The reveal slot of a new Instagram App Secret.
fn ig_secret_slot(app_id: &str) -> String {
    format!("instagram-secret:{app_id}")
}

fn basic_display_path(app_id: &str) -> String {
    format!("/apps/{app_id}/instagram-basic-display")
}

// --- Create App ---------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "dash/new_app.html")]
struct NewAppPage<'a> {
    l: Lang,
    back: &'a str,
    notice: Option<&'a str>,
    error: Option<&'a str>,
    csrf: &'a str,
    app_type: &'a str,
    name: &'a str,
    contact_email: &'a str,
}

#[derive(Deserialize)]
struct TypeQuery {
    #[serde(rename = "type")]
    app_type: Option<String>,
}

async fn new_app_page(
    state: &AppState,
    l: Lang,
    session: &Session,
    status: StatusCode,
    error: Option<&str>,
    input: &NewAppInput,
) -> Result<Response> {
    let csrf = issue_csrf(state, session).await?;
    Ok(pages::render(
        status,
        &NewAppPage {
            l,
            back: "/apps/new",
            notice: None,
            error,
            csrf: &csrf,
            app_type: &input.app_type,
            name: &input.name,
            contact_email: &input.contact_email,
        },
    ))
}

async fn get_new_app(
    PageLang(l): PageLang,
    State(state): State<AppState>,
    BrowserSession(jar, session): BrowserSession,
    Query(q): Query<TypeQuery>,
) -> Result<Response> {
    let app_type = q.app_type.unwrap_or_default();
    let (status, error, app_type) = match app_type.as_str() {
        "" | "other" => (StatusCode::OK, None, app_type),
        _ => (
            StatusCode::BAD_REQUEST,
            Some(l.t("guide.err_bad_app_type")),
            String::new(),
        ),
    };
    let input = NewAppInput {
        app_type,
        ..NewAppInput::default()
    };
    let page = new_app_page(&state, l, &session, status, error, &input).await?;
    Ok((jar, page).into_response())
}

async fn post_new_app(
    PageLang(l): PageLang,
    State(state): State<AppState>,
    CheckedForm(form, session): CheckedForm,
) -> Result<Response> {
    let input = NewAppInput {
        app_type: field(&form, "type").to_owned(),
        name: field(&form, "name").to_owned(),
        contact_email: field(&form, "contact_email").to_owned(),
    };
    match state.platform.create_app_with(&input).await {
        Ok(created) => {
            state
                .reveals
                .put(
                    &state.platform,
                    &session.browser_id,
                    &format!("secret:{}", created.app.id),
                    created.secret.expose().to_owned(),
                )
                .await
                .map_err(internal)?;
            Ok(see_other(&format!("/apps/{}?done=created", created.app.id)))
        }
        Err(e) => {
            let key = refusal(e)?;
            let input = NewAppInput {
                app_type: if input.app_type == "other" {
                    input.app_type
                } else {
                    String::new()
                },
                ..input
            };
            new_app_page(
                &state,
                l,
                &session,
                StatusCode::BAD_REQUEST,
                Some(l.t(key)),
                &input,
            )
            .await
        }
    }
}

// --- Settings → Basic → Add Platform; Products → Set Up --------------------------------------

async fn post_platform(
    State(state): State<AppState>,
    PageLang(l): PageLang,
    Path(id): Path<String>,
    form: CheckedForm,
) -> Result<Response> {
    app_form(
        state,
        l,
        id,
        form,
        "saved",
        |state, id, form, _| async move {
            let platform = field(&form, "platform").to_owned();
            let site_url = field(&form, "site_url").to_owned();
            Ok(
                match state
                    .platform
                    .save_platform(&id, &platform, &site_url)
                    .await
                {
                    Ok(_) => Ok(()),
                    Err(e) => Err((
                        e,
                        Typed {
                            form: "platform",
                            site_url,
                            ..Typed::default()
                        },
                    )),
                },
            )
        },
    )
    .await
}

async fn post_set_up(
    PageLang(l): PageLang,
    State(state): State<AppState>,
    Path(id): Path<String>,
    CheckedForm(form, session): CheckedForm,
) -> Result<Response> {
    let app = match load_app(&state, l, &id).await? {
        Ok(app) => app,
        Err(page) => return Ok(page),
    };
    match state
        .platform
        .set_up_product(&app.id, field(&form, "product"))
        .await
    {
        Ok(app) if field(&form, "product") == Product::InstagramBasicDisplay.as_str() => {
            Ok(see_other(&basic_display_path(&app.id)))
        }
        Ok(app) => Ok(see_other(&format!("/apps/{}?done=saved", app.id))),
        Err(e) => {
            let key = refusal(e)?;
            app_page(
                &state,
                l,
                &session,
                &app,
                StatusCode::BAD_REQUEST,
                None,
                Some(l.t(key)),
                Typed::default(),
            )
            .await
        }
    }
}

// --- Instagram Basic Display -----------------------------------------------------------------

#[derive(Template)]
#[template(path = "dash/basic_display.html")]
struct BasicDisplayPage<'a> {
    l: Lang,
    back: &'a str,
    notice: Option<&'a str>,
    error: Option<&'a str>,
    csrf: &'a str,
    app: &'a App,
    has_basic_display: bool,
    secret: Option<String>,
    oauth: ClientOAuthInput,
    /// Accepted testers: id and username.
    testers: Vec<(String, String)>,
}

#[allow(clippy::too_many_arguments)]
async fn basic_display_page(
    state: &AppState,
    l: Lang,
    session: &Session,
    app: &App,
    status: StatusCode,
    notice: Option<&str>,
    error: Option<&str>,
    typed: Option<ClientOAuthInput>,
) -> Result<Response> {
    let secret = state
        .reveals
        .take(
            &state.platform,
            &session.browser_id,
            &ig_secret_slot(&app.id),
        )
        .await
        .map_err(internal)?;
    let testers = state
        .platform
        .testers_of(&app.id)
        .await
        .map_err(internal)?
        .into_iter()
        .filter(|(t, _)| t.status == TesterStatus::Accepted)
        .map(|(t, u)| (t.ig_user_id, u.username))
        .collect();
    let oauth = typed.unwrap_or_else(|| ClientOAuthInput {
        redirect_uris: app.redirect_uris.join("\n"),
        deauthorize_callback_url: app.deauthorize_callback_url.clone().unwrap_or_default(),
        data_deletion_url: app.data_deletion_url.clone().unwrap_or_default(),
    });
    let csrf = issue_csrf(state, session).await?;
    let back = basic_display_path(&app.id);
    Ok(pages::render(
        status,
        &BasicDisplayPage {
            l,
            back: &back,
            notice,
            error,
            csrf: &csrf,
            app,
            has_basic_display: app.products.contains(&Product::InstagramBasicDisplay),
            secret,
            oauth,
            testers,
        },
    ))
}

async fn get_basic_display(
    PageLang(l): PageLang,
    State(state): State<AppState>,
    BrowserSession(jar, session): BrowserSession,
    Path(id): Path<String>,
    Query(q): Query<super::apps::Done>,
) -> Result<Response> {
    let app = match load_app(&state, l, &id).await? {
        Ok(app) => app,
        Err(page) => return Ok((jar, page).into_response()),
    };
    if !app.products.contains(&Product::InstagramBasicDisplay) {
        return Ok((jar, see_other(&format!("/apps/{}#products", app.id))).into_response());
    }
    let page = basic_display_page(
        &state,
        l,
        &session,
        &app,
        StatusCode::OK,
        notice(l, q.done.as_deref()),
        None,
        None,
    )
    .await?;
    Ok((jar, page).into_response())
}

#[derive(Template)]
#[template(path = "dash/ig_app_new.html")]
struct NewIgAppPage<'a> {
    l: Lang,
    back: &'a str,
    notice: Option<&'a str>,
    error: Option<&'a str>,
    csrf: &'a str,
    app: &'a App,
    name: &'a str,
}

async fn new_ig_app_page(
    state: &AppState,
    l: Lang,
    session: &Session,
    app: &App,
    status: StatusCode,
    error: Option<&str>,
    name: &str,
) -> Result<Response> {
    let csrf = issue_csrf(state, session).await?;
    let back = format!("{}/new", basic_display_path(&app.id));
    Ok(pages::render(
        status,
        &NewIgAppPage {
            l,
            back: &back,
            notice: None,
            error,
            csrf: &csrf,
            app,
            name,
        },
    ))
}

async fn get_new_ig_app(
    PageLang(l): PageLang,
    State(state): State<AppState>,
    BrowserSession(jar, session): BrowserSession,
    Path(id): Path<String>,
) -> Result<Response> {
    let app = match load_app(&state, l, &id).await? {
        Ok(app) => app,
        Err(page) => return Ok((jar, page).into_response()),
    };
    if app.instagram_app.is_some() {
        return Ok((jar, see_other(&basic_display_path(&app.id))).into_response());
    }
    let name = app.name.clone();
    let page = new_ig_app_page(&state, l, &session, &app, StatusCode::OK, None, &name).await?;
    Ok((jar, page).into_response())
}

async fn post_new_ig_app(
    PageLang(l): PageLang,
    State(state): State<AppState>,
    Path(id): Path<String>,
    CheckedForm(form, session): CheckedForm,
) -> Result<Response> {
    let app = match load_app(&state, l, &id).await? {
        Ok(app) => app,
        Err(page) => return Ok(page),
    };
    let name = field(&form, "name");
    match state.platform.create_instagram_app(&app.id, name).await {
        Ok((app, secret)) => {
            state
                .reveals
                .put(
                    &state.platform,
                    &session.browser_id,
                    &ig_secret_slot(&app.id),
                    secret.expose().to_owned(),
                )
                .await
                .map_err(internal)?;
            Ok(see_other(&format!(
                "{}?done=created",
                basic_display_path(&app.id)
            )))
        }
        Err(e) => {
            let key = refusal(e)?;
            new_ig_app_page(
                &state,
                l,
                &session,
                &app,
                StatusCode::BAD_REQUEST,
                Some(l.t(key)),
                name,
            )
            .await
        }
    }
}

/// Runs one form of the Instagram Basic Display page: 303 back to it on success, else the page
/// with the refusal (400) and what was typed.
async fn basic_display_form(
    state: AppState,
    l: Lang,
    id: String,
    CheckedForm(form, session): CheckedForm,
    apply: impl AsyncFnOnce(
        &AppState,
        &App,
        &localgram_core::params::Params,
        &Session,
    ) -> std::result::Result<(), (DashboardError, Option<ClientOAuthInput>)>,
) -> Result<Response> {
    let app = match load_app(&state, l, &id).await? {
        Ok(app) => app,
        Err(page) => return Ok(page),
    };
    match apply(&state, &app, &form, &session).await {
        Ok(()) => Ok(see_other(&format!(
            "{}?done=saved",
            basic_display_path(&app.id)
        ))),
        Err((e, typed)) => {
            let key = refusal(e)?;
            basic_display_page(
                &state,
                l,
                &session,
                &app,
                StatusCode::BAD_REQUEST,
                None,
                Some(l.t(key)),
                typed,
            )
            .await
        }
    }
}

async fn post_client_oauth(
    State(state): State<AppState>,
    PageLang(l): PageLang,
    Path(id): Path<String>,
    form: CheckedForm,
) -> Result<Response> {
    basic_display_form(state, l, id, form, async |state, app, form, _| {
        let input = ClientOAuthInput {
            redirect_uris: field(form, "redirect_uris").to_owned(),
            deauthorize_callback_url: field(form, "deauthorize_callback_url").to_owned(),
            data_deletion_url: field(form, "data_deletion_url").to_owned(),
        };
        match state
            .platform
            .save_client_oauth_settings(&app.id, &input)
            .await
        {
            Ok(_) => Ok(()),
            Err(e) => Err((e, Some(input))),
        }
    })
    .await
}

async fn post_reset_ig_secret(
    State(state): State<AppState>,
    PageLang(l): PageLang,
    Path(id): Path<String>,
    form: CheckedForm,
) -> Result<Response> {
    basic_display_form(
        state,
        l,
        id,
        form,
        async |state, app, _, session| match state
            .platform
            .reset_instagram_app_secret(&app.id)
            .await
        {
            Ok((app, secret)) => {
                if let Err(e) = state
                    .reveals
                    .put(
                        &state.platform,
                        &session.browser_id,
                        &ig_secret_slot(&app.id),
                        secret.expose().to_owned(),
                    )
                    .await
                {
                    // The secret is reset; only its one-time display is lost.
                    tracing::error!(error = %e, "the new Instagram app secret cannot be kept for display");
                }
                Ok(())
            }
            Err(e) => Err((e, None)),
        },
    )
    .await
}

// --- The User Token Generator's "Continue as …" ---------------------------------------------

#[derive(Template)]
#[template(path = "dash/continue_as.html")]
struct ContinueAsPage<'a> {
    l: Lang,
    back: &'a str,
    notice: Option<&'a str>,
    error: Option<&'a str>,
    app: &'a App,
    next: &'a str,
    continue_as: &'a str,
}

/// "Generate Token" on the Instagram Basic Display page: signed in as the tester, a "Continue
/// as {username}" step, then the generator's consent; otherwise straight to its login page.
async fn get_continue_as(
    PageLang(l): PageLang,
    State(state): State<AppState>,
    BrowserSession(jar, session): BrowserSession,
    Path((app_id, user_id)): Path<(String, String)>,
) -> Result<Response> {
    let (app, user) = match super::generator::load(&state, l, &app_id, &user_id).await? {
        Ok(v) => v,
        Err(page) => return Ok((jar, page).into_response()),
    };
    let next = format!("/apps/{}/token-generator/{}", app.id, user.id);
    if session.ig_user_id.as_deref() != Some(user.id.as_str()) {
        return Ok((jar, see_other(&next)).into_response());
    }
    let continue_as = l.t("guide.continue_as").replace("{}", &user.username);
    let back = format!("{next}/continue");
    let page = pages::render(
        StatusCode::OK,
        &ContinueAsPage {
            l,
            back: &back,
            notice: None,
            error: None,
            app: &app,
            next: &next,
            continue_as: &continue_as,
        },
    );
    Ok((jar, page).into_response())
}
