//! An app's Webhooks page (`/apps/{id}/webhooks`, `docs/webhooks.md#dashboard`): the subscription
//! to the `instagram` object (saved after Meta's verification handshake, as
//! `POST /{app-id}/subscriptions` does), its removal, a test event per field (as the App
//! Dashboard's "Test" button), and the app's latest deliveries.

use super::apps::load_app;
use super::{field, fields, internal, issue_csrf, see_other};
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
use localgram_core::model::{App, Subject, TokenKind, TokenRecord};
use localgram_core::webhooks::{DeliveryState, INSTAGRAM_FIELDS, SubscribeRequest};
use serde::Deserialize;
use time::format_description::well_known::Rfc3339;

/// Deliveries the page lists.
const LISTED: i64 = 50;
/// The fields with a sample payload (the test event's choices).
const TEST_FIELDS: &[&str] = &[
    "comments",
    "live_comments",
    "mentions",
    "messages",
    "story_insights",
];

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/apps/{id}/webhooks", get(get_page))
        .route("/apps/{id}/webhooks/subscribe", post(post_subscribe))
        .route("/apps/{id}/webhooks/remove", post(post_remove))
        .route("/apps/{id}/webhooks/test", post(post_test))
}

#[derive(Deserialize)]
struct Done {
    done: Option<String>,
}

/// One delivery row.
struct Row {
    id: i64,
    field: String,
    kind: String,
    state: &'static str,
    attempts: i64,
    response: String,
    next: String,
    created: String,
    payload: String,
}

/// What the form held, kept on a refusal.
#[derive(Default)]
struct Typed {
    callback_url: String,
    verify_token: String,
    fields: Vec<String>,
}

#[derive(Template)]
#[template(path = "dash/webhooks.html")]
struct WebhooksPage<'a> {
    l: Lang,
    back: &'a str,
    notice: Option<&'a str>,
    error: Option<&'a str>,
    csrf: &'a str,
    app: &'a App,
    live: bool,
    callback_url: Option<String>,
    subscribed: Vec<(String, String)>,
    all_fields: &'static [&'static str],
    test_fields: &'static [&'static str],
    typed: Typed,
    rows: Vec<Row>,
}

impl WebhooksPage<'_> {
    fn checked(&self, f: &&str) -> bool {
        self.typed.fields.iter().any(|t| t == f)
    }
}

fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

#[allow(clippy::too_many_arguments)]
async fn page(
    state: &AppState,
    l: Lang,
    session: &session::Session,
    app: &App,
    status: StatusCode,
    notice: Option<&str>,
    error: Option<&str>,
    typed: Option<Typed>,
) -> Result<Response> {
    let p = &state.platform;
    let sub = p
        .subscriptions_of(&app.id)
        .await
        .map_err(internal)?
        .into_iter()
        .find(|s| s.object == localgram_core::webhooks::OBJECT_INSTAGRAM);
    let typed = typed.unwrap_or_else(|| Typed {
        callback_url: sub
            .as_ref()
            .map(|s| s.callback_url.clone())
            .unwrap_or_default(),
        verify_token: String::new(),
        fields: sub
            .as_ref()
            .map(|s| s.fields.iter().map(|f| f.name.clone()).collect())
            .unwrap_or_else(|| vec!["comments".to_owned()]),
    });
    let rows = p
        .deliveries(Some(&app.id), LISTED)
        .await
        .map_err(internal)?
        .into_iter()
        .map(|d| Row {
            id: d.id,
            field: d.field,
            kind: d.kind,
            state: d.state.as_str(),
            attempts: d.attempts,
            response: match (d.last_status, d.last_error) {
                (Some(s), _) => format!("{s} {}", d.last_body.unwrap_or_default()),
                (None, Some(e)) => e,
                (None, None) => String::new(),
            },
            next: if d.state == DeliveryState::Pending {
                rfc3339(d.next_attempt_at)
            } else {
                String::new()
            },
            created: rfc3339(d.created_at),
            payload: d.payload,
        })
        .collect();
    let csrf = issue_csrf(state, session).await?;
    Ok(pages::render(
        status,
        &WebhooksPage {
            l,
            back: "/",
            notice,
            error,
            csrf: &csrf,
            app,
            live: app.mode == localgram_core::model::AppMode::Live,
            callback_url: sub.as_ref().map(|s| s.callback_url.clone()),
            subscribed: sub
                .map(|s| s.fields.into_iter().map(|f| (f.name, f.version)).collect())
                .unwrap_or_default(),
            all_fields: INSTAGRAM_FIELDS,
            test_fields: TEST_FIELDS,
            typed,
            rows,
        },
    ))
}

fn done_notice(l: Lang, done: Option<&str>) -> Option<&'static str> {
    match done? {
        "webhook_subscribed" => Some(l.t("done.webhook_subscribed")),
        "webhook_removed" => Some(l.t("done.webhook_removed")),
        "webhook_test_sent" => Some(l.t("done.webhook_test_sent")),
        _ => None,
    }
}

async fn get_page(
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
    let res = page(
        &state,
        l,
        &session,
        &app,
        StatusCode::OK,
        done_notice(l, q.done.as_deref()),
        None,
        None,
    )
    .await?;
    Ok((jar, res).into_response())
}

/// The app's own app token, as the dashboard acts for the app's developer.
fn app_token(state: &AppState, app: &App) -> TokenRecord {
    TokenRecord::new(
        format!("app:{}", app.id),
        String::new(),
        app.id.clone(),
        TokenKind::App,
        Subject::App,
        state.platform.clock.now(),
    )
}

async fn post_subscribe(
    PageLang(l): PageLang,
    State(state): State<AppState>,
    Path(id): Path<String>,
    CheckedForm(form, session): CheckedForm,
) -> Result<Response> {
    let app = match load_app(&state, l, &id).await? {
        Ok(app) => app,
        Err(page) => return Ok(page),
    };
    let typed = Typed {
        callback_url: field(&form, "callback_url").trim().to_owned(),
        verify_token: field(&form, "verify_token").to_owned(),
        fields: fields(&form, "field")
            .into_iter()
            .map(str::to_owned)
            .collect(),
    };
    let joined = typed.fields.join(",");
    let req = SubscribeRequest {
        object: Some(localgram_core::webhooks::OBJECT_INSTAGRAM),
        callback_url: Some(&typed.callback_url)
            .filter(|s| !s.is_empty())
            .map(String::as_str),
        fields: Some(joined.as_str()).filter(|s| !s.is_empty()),
        verify_token: Some(typed.verify_token.as_str()).filter(|s| !s.is_empty()),
        include_values: None,
        version: crate::routes::graph::request::DEFAULT_VERSION,
    };
    let token = app_token(&state, &app);
    match state
        .platform
        .subscribe_app(
            &token,
            &app.id,
            &req,
            &state.config.webhook_allow_hosts,
            &state.webhook_client,
        )
        .await
    {
        Ok(()) => Ok(see_other(&format!(
            "/apps/{}/webhooks?done=webhook_subscribed",
            app.id
        ))),
        Err(e) => {
            page(
                &state,
                l,
                &session,
                &app,
                StatusCode::BAD_REQUEST,
                None,
                Some(&e.message),
                Some(typed),
            )
            .await
        }
    }
}

async fn post_remove(
    PageLang(l): PageLang,
    State(state): State<AppState>,
    Path(id): Path<String>,
    CheckedForm(_form, _session): CheckedForm,
) -> Result<Response> {
    let app = match load_app(&state, l, &id).await? {
        Ok(app) => app,
        Err(page) => return Ok(page),
    };
    state
        .platform
        .remove_subscriptions(&app.id, Some(localgram_core::webhooks::OBJECT_INSTAGRAM))
        .await
        .map_err(internal)?;
    Ok(see_other(&format!(
        "/apps/{}/webhooks?done=webhook_removed",
        app.id
    )))
}

async fn post_test(
    PageLang(l): PageLang,
    State(state): State<AppState>,
    Path(id): Path<String>,
    CheckedForm(form, session): CheckedForm,
) -> Result<Response> {
    let app = match load_app(&state, l, &id).await? {
        Ok(app) => app,
        Err(page) => return Ok(page),
    };
    let field = field(&form, "field");
    match state
        .platform
        .send_test_event(&app.id, localgram_core::webhooks::OBJECT_INSTAGRAM, field)
        .await
    {
        Ok(Some(_)) => Ok(see_other(&format!(
            "/apps/{}/webhooks?done=webhook_test_sent",
            app.id
        ))),
        Ok(None) => {
            page(
                &state,
                l,
                &session,
                &app,
                StatusCode::BAD_REQUEST,
                None,
                Some(l.t("webhooks.test_needs_subscription")),
                None,
            )
            .await
        }
        Err(localgram_core::webhooks::TestEventError::Store(e)) => Err(internal(e)),
        Err(_) => {
            page(
                &state,
                l,
                &session,
                &app,
                StatusCode::BAD_REQUEST,
                None,
                Some(l.t("webhooks.test_bad_field")),
                None,
            )
            .await
        }
    }
}
