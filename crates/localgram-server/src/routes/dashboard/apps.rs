//! The developer side: the app list and creation (`/`, `POST /apps`), and one app's page
//! (`/apps/{id}`) with its settings, secret, redirect URIs, Instagram testers, Facebook app roles
//! and the User Token Generator's list.

use super::{field, fields, internal, issue_csrf, notice, refusal, see_other};
use crate::error::Result;
use crate::i18n::Lang;
use crate::pages;
use crate::routes::browser::{BrowserSession, CheckedForm, PageLang};
use crate::session;
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use localgram_core::dashboard::{AppSettingsInput, near_duplicates};
use localgram_core::model::{App, AppRole, Product, TesterStatus};
use serde::Deserialize;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(get_apps))
        .route("/apps", get(get_apps).post(post_create))
        .route("/apps/{id}", get(get_app))
        .route("/apps/{id}/settings", post(post_settings))
        .route("/apps/{id}/secret/reset", post(post_reset_secret))
        .route("/apps/{id}/redirect-uris", post(post_add_redirect))
        .route("/apps/{id}/redirect-uris/edit", post(post_edit_redirect))
        .route(
            "/apps/{id}/redirect-uris/remove",
            post(post_remove_redirect),
        )
        .route("/apps/{id}/testers", post(post_add_tester))
        .route("/apps/{id}/testers/remove", post(post_remove_tester))
        .route("/apps/{id}/roles", post(post_add_role))
        .route("/apps/{id}/roles/remove", post(post_remove_role))
}

#[derive(Deserialize)]
pub(super) struct Done {
    pub(super) done: Option<String>,
}

/// One row of the app list.
struct AppRow {
    id: String,
    name: String,
    mode: &'static str,
    redirect_uris: usize,
}

#[derive(Template)]
#[template(path = "dash/apps.html")]
struct AppsPage<'a> {
    l: Lang,
    back: &'a str,
    notice: Option<&'a str>,
    error: Option<&'a str>,
    csrf: &'a str,
    apps: Vec<AppRow>,
    name: &'a str,
}

async fn apps_page(
    state: &AppState,
    l: Lang,
    session: &session::Session,
    status: StatusCode,
    notice: Option<&str>,
    error: Option<&str>,
    name: &str,
) -> Result<Response> {
    let apps = state
        .platform
        .list_apps()
        .await
        .map_err(internal)?
        .into_iter()
        .map(|a| AppRow {
            mode: mode_key(&a),
            redirect_uris: a.redirect_uris.len(),
            id: a.id,
            name: a.name,
        })
        .collect();
    let csrf = issue_csrf(state, session).await?;
    Ok(pages::render(
        status,
        &AppsPage {
            l,
            back: "/",
            notice,
            error,
            csrf: &csrf,
            apps,
            name,
        },
    ))
}

fn mode_key(app: &App) -> &'static str {
    match app.mode {
        localgram_core::model::AppMode::Development => "app.mode_development",
        localgram_core::model::AppMode::Live => "app.mode_live",
    }
}

async fn get_apps(
    PageLang(l): PageLang,
    State(state): State<AppState>,
    BrowserSession(jar, session): BrowserSession,
    Query(q): Query<Done>,
) -> Result<Response> {
    let page = apps_page(
        &state,
        l,
        &session,
        StatusCode::OK,
        notice(l, q.done.as_deref()),
        None,
        "",
    )
    .await?;
    Ok((jar, page).into_response())
}

async fn post_create(
    PageLang(l): PageLang,
    State(state): State<AppState>,
    CheckedForm(form, session): CheckedForm,
) -> Result<Response> {
    let name = field(&form, "name");
    match state.platform.create_app(name).await {
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
            apps_page(
                &state,
                l,
                &session,
                StatusCode::BAD_REQUEST,
                None,
                Some(l.t(key)),
                name,
            )
            .await
        }
    }
}

/// A tester on the app page.
struct TesterRow {
    ig_user_id: String,
    username: String,
    status: &'static str,
    accepted: bool,
}

/// A Facebook app role on the app page.
struct RoleRow {
    fb_user_id: String,
    name: String,
    role: String,
}

/// What a refused form typed, kept on the page that says why.
#[derive(Default)]
pub(super) struct Typed {
    pub(super) form: &'static str,
    pub(super) settings: Option<AppSettingsInput>,
    pub(super) redirect_new: String,
    pub(super) edit_old: String,
    pub(super) edit_new: String,
    pub(super) tester: String,
    pub(super) role_user: String,
    pub(super) role: String,
    pub(super) site_url: String,
}

#[derive(Template)]
#[template(path = "dash/app.html")]
struct AppPage<'a> {
    l: Lang,
    back: &'a str,
    notice: Option<&'a str>,
    error: Option<&'a str>,
    csrf: &'a str,
    app: &'a App,
    secret: Option<String>,
    settings: AppSettingsInput,
    has_product: [bool; 3],
    near: Vec<(String, String)>,
    testers: Vec<TesterRow>,
    roles: Vec<RoleRow>,
    generator_ready: bool,
    typed: Typed,
    has_basic_display: bool,
    product_cards: Vec<(&'static str, &'static str, bool)>,
}

impl AppPage<'_> {
    fn site_url_value(&self) -> &str {
        if self.typed.form == "platform" {
            &self.typed.site_url
        } else {
            self.app.site_url.as_deref().unwrap_or("")
        }
    }

    fn edit_value<'s>(&'s self, uri: &'s str) -> &'s str {
        if self.typed.form == "redirect_edit" && self.typed.edit_old == uri {
            &self.typed.edit_new
        } else {
            uri
        }
    }
}

const PRODUCTS: [Product; 3] = [
    Product::InstagramBasicDisplay,
    Product::InstagramLogin,
    Product::FacebookLogin,
];

/// The catalogue key of a product's name.
fn product_key(p: Product) -> &'static str {
    match p {
        Product::InstagramBasicDisplay => "product.instagram_basic_display",
        Product::InstagramLogin => "product.instagram_login",
        Product::FacebookLogin => "product.facebook_login",
    }
}

#[allow(clippy::too_many_arguments)]
pub(super) async fn app_page(
    state: &AppState,
    l: Lang,
    session: &session::Session,
    app: &App,
    status: StatusCode,
    notice: Option<&str>,
    error: Option<&str>,
    typed: Typed,
) -> Result<Response> {
    let p = &state.platform;
    let secret = state
        .reveals
        .take(p, &session.browser_id, &format!("secret:{}", app.id))
        .await
        .map_err(internal)?;
    let testers = p
        .testers_of(&app.id)
        .await
        .map_err(internal)?
        .into_iter()
        .map(|(t, u)| TesterRow {
            ig_user_id: t.ig_user_id,
            username: u.username,
            status: match t.status {
                TesterStatus::Invited => "tester.pending",
                TesterStatus::Accepted => "tester.accepted",
                TesterStatus::Declined => "tester.declined",
            },
            accepted: t.status == TesterStatus::Accepted,
        })
        .collect();
    let roles = p
        .roles_of(&app.id)
        .await
        .map_err(internal)?
        .into_iter()
        .map(|(r, name): (AppRole, String)| RoleRow {
            fb_user_id: r.fb_user_id,
            name,
            role: r.role,
        })
        .collect();
    let settings = typed.settings.clone().unwrap_or_else(|| AppSettingsInput {
        name: app.name.clone(),
        mode: app.mode.as_str().to_owned(),
        products: app.products.iter().map(|p| p.as_str().to_owned()).collect(),
        require_appsecret_proof: app.require_appsecret_proof,
        page_creation_allowed: app.page_creation_allowed,
        deauthorize_callback_url: app.deauthorize_callback_url.clone().unwrap_or_default(),
        data_deletion_url: app.data_deletion_url.clone().unwrap_or_default(),
    });
    let has_product = PRODUCTS.map(|p| settings.products.iter().any(|s| s == p.as_str()));
    let csrf = issue_csrf(state, session).await?;
    let back = format!("/apps/{}", app.id);
    Ok(pages::render(
        status,
        &AppPage {
            l,
            back: &back,
            notice,
            error,
            csrf: &csrf,
            app,
            secret,
            settings,
            has_product,
            near: near_duplicates(&app.redirect_uris),
            testers,
            roles,
            generator_ready: localgram_core::dashboard::generator_scopes(app).is_some(),
            typed,
            has_basic_display: app.products.contains(&Product::InstagramBasicDisplay),
            product_cards: PRODUCTS
                .iter()
                .map(|p| (product_key(*p), p.as_str(), app.products.contains(p)))
                .collect(),
        },
    ))
}

/// The app, or a 404 page.
pub(super) async fn load_app(state: &AppState, l: Lang, id: &str) -> Result<Result<App, Response>> {
    match state.platform.dashboard_app(id).await {
        Ok(app) => Ok(Ok(app)),
        Err(localgram_core::dashboard::DashboardError::NoSuchApp) => Ok(Err(super::message_page(
            StatusCode::NOT_FOUND,
            l,
            "/",
            l.t("err.no_such_app"),
        ))),
        Err(e) => Err(internal(e)),
    }
}

async fn get_app(
    PageLang(l): PageLang,
    State(state): State<AppState>,
    BrowserSession(jar, session): BrowserSession,
    Path(id): Path<String>,
    Query(q): Query<Done>,
) -> Result<Response> {
    let app = match load_app(&state, l, &id).await? {
        Ok(app) => app,
        Err(page) => return Ok((jar, page).into_response()),
    };
    let page = app_page(
        &state,
        l,
        &session,
        &app,
        StatusCode::OK,
        notice(l, q.done.as_deref()),
        None,
        Typed::default(),
    )
    .await?;
    Ok((jar, page).into_response())
}

/// Runs one app form: checks it, applies `apply`, and answers 303 `?done={done}` on success or
/// the app page with the refusal (400) and what was typed.
pub(super) async fn app_form<F, Fut>(
    state: AppState,
    l: Lang,
    id: String,
    CheckedForm(form, session): CheckedForm,
    done: &'static str,
    apply: F,
) -> Result<Response>
where
    F: FnOnce(AppState, String, localgram_core::params::Params, session::Session) -> Fut,
    Fut: std::future::Future<
            Output = Result<Result<(), (localgram_core::dashboard::DashboardError, Typed)>>,
        >,
{
    let app = match load_app(&state, l, &id).await? {
        Ok(app) => app,
        Err(page) => return Ok(page),
    };
    match apply(state.clone(), app.id.clone(), form, session.clone()).await? {
        Ok(()) => Ok(see_other(&format!("/apps/{}?done={done}", app.id))),
        Err((e, typed)) => {
            let key = refusal(e)?;
            app_page(
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

async fn post_settings(
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
            let input = AppSettingsInput {
                name: field(&form, "name").to_owned(),
                mode: field(&form, "mode").to_owned(),
                products: fields(&form, "product")
                    .into_iter()
                    .map(str::to_owned)
                    .collect(),
                require_appsecret_proof: field(&form, "require_appsecret_proof") == "on",
                page_creation_allowed: field(&form, "page_creation_allowed") == "on",
                deauthorize_callback_url: field(&form, "deauthorize_callback_url").to_owned(),
                data_deletion_url: field(&form, "data_deletion_url").to_owned(),
            };
            Ok(
                match state.platform.update_app_settings(&id, &input).await {
                    Ok(_) => Ok(()),
                    Err(e) => Err((
                        e,
                        Typed {
                            form: "settings",
                            settings: Some(input),
                            ..Typed::default()
                        },
                    )),
                },
            )
        },
    )
    .await
}

async fn post_reset_secret(
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
        "secret_reset",
        |state, id, _, session| async move {
            Ok(match state.platform.reset_app_secret(&id).await {
                Ok(reset) => {
                    state
                        .reveals
                        .put(
                            &state.platform,
                            &session.browser_id,
                            &format!("secret:{id}"),
                            reset.secret.expose().to_owned(),
                        )
                        .await
                        .map_err(internal)?;
                    Ok(())
                }
                Err(e) => Err((e, Typed::default())),
            })
        },
    )
    .await
}

async fn post_add_redirect(
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
        "redirect_added",
        |state, id, form, _| async move {
            let uri = field(&form, "uri").to_owned();
            Ok(match state.platform.add_redirect_uri(&id, &uri).await {
                Ok(_) => Ok(()),
                Err(e) => Err((
                    e,
                    Typed {
                        form: "redirect_add",
                        redirect_new: uri,
                        ..Typed::default()
                    },
                )),
            })
        },
    )
    .await
}

async fn post_edit_redirect(
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
        "redirect_saved",
        |state, id, form, _| async move {
            let old = field(&form, "old").to_owned();
            let new = field(&form, "uri").to_owned();
            Ok(
                match state.platform.edit_redirect_uri(&id, &old, &new).await {
                    Ok(_) => Ok(()),
                    Err(e) => Err((
                        e,
                        Typed {
                            form: "redirect_edit",
                            edit_old: old,
                            edit_new: new,
                            ..Typed::default()
                        },
                    )),
                },
            )
        },
    )
    .await
}

async fn post_remove_redirect(
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
        "redirect_removed",
        |state, id, form, _| async move {
            let uri = field(&form, "uri").to_owned();
            Ok(match state.platform.remove_redirect_uri(&id, &uri).await {
                Ok(_) => Ok(()),
                Err(e) => Err((e, Typed::default())),
            })
        },
    )
    .await
}

async fn post_add_tester(
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
        "tester_invited",
        |state, id, form, _| async move {
            let username = field(&form, "username").to_owned();
            Ok(match state.platform.invite_tester(&id, &username).await {
                Ok(_) => Ok(()),
                Err(e) => Err((
                    e,
                    Typed {
                        form: "tester",
                        tester: username,
                        ..Typed::default()
                    },
                )),
            })
        },
    )
    .await
}

async fn post_remove_tester(
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
        "tester_removed",
        |state, id, form, _| async move {
            let user = field(&form, "ig_user_id").to_owned();
            Ok(match state.platform.remove_tester(&id, &user).await {
                Ok(()) => Ok(()),
                Err(e) => Err((e, Typed::default())),
            })
        },
    )
    .await
}

async fn post_add_role(
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
        "role_added",
        |state, id, form, _| async move {
            let user = field(&form, "user").to_owned();
            let role = field(&form, "role").to_owned();
            Ok(match state.platform.set_app_role(&id, &user, &role).await {
                Ok(_) => Ok(()),
                Err(e) => Err((
                    e,
                    Typed {
                        form: "role",
                        role_user: user,
                        role,
                        ..Typed::default()
                    },
                )),
            })
        },
    )
    .await
}

async fn post_remove_role(
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
        "role_removed",
        |state, id, form, _| async move {
            let user = field(&form, "fb_user_id").to_owned();
            Ok(match state.platform.remove_app_role(&id, &user).await {
                Ok(()) => Ok(()),
                Err(e) => Err((e, Typed::default())),
            })
        },
    )
    .await
}
