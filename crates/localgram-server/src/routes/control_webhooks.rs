//! The webhook control plane (`docs/webhooks.md#control-plane`): `GET /_localgram/webhooks/deliveries`
//! (the queue, newest first: payload, signature, the callback's last answer, attempts, next
//! retry, state) and `POST /_localgram/webhooks/test` (Meta's sample update for a field, sent to
//! an app's subscription, as the App Dashboard's "Test" button). Behind the same guard as the
//! rest of `/_localgram/*`.

use crate::error::{ApiError, Result};
use crate::http::admin;
use crate::state::AppState;
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use localgram_core::webhooks::{Delivery, DeliveryState, TestEventError};
use serde::Deserialize;
use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;

/// Deliveries listed when no `limit` is given.
pub const DEFAULT_LIMIT: i64 = 100;
/// The most deliveries one listing shows.
pub const MAX_LIMIT: i64 = 1000;

/// The routes, behind the guard.
pub fn router(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/_localgram/webhooks/deliveries", get(list_deliveries))
        .route("/_localgram/webhooks/test", post(send_test))
        .layer(axum::extract::DefaultBodyLimit::max(16 * 1024))
        .layer(from_fn_with_state(state, admin::guard))
}

fn bad_request(msg: impl Into<String>) -> ApiError {
    ApiError::Control(StatusCode::BAD_REQUEST, msg.into())
}

fn db_down(e: localgram_core::store::StoreError) -> ApiError {
    tracing::error!(error = %e, "the webhook deliveries cannot be read or written");
    ApiError::Control(
        StatusCode::SERVICE_UNAVAILABLE,
        "the database is unavailable".into(),
    )
}

fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

/// A delivery as the control plane shows it.
pub fn view(d: &Delivery) -> Value {
    json!({
        "id": d.id,
        "app": d.app_id,
        "object": d.object,
        "field": d.field,
        "kind": d.kind,
        "state": d.state.as_str(),
        "attempts": d.attempts,
        "created_at": rfc3339(d.created_at),
        "next_attempt_at": (d.state == DeliveryState::Pending).then(|| rfc3339(d.next_attempt_at)),
        "expires_at": rfc3339(d.expires_at),
        "last_attempt_at": d.last_attempt_at.map(rfc3339),
        "response_status": d.last_status,
        "response_body": d.last_body,
        "error": d.last_error,
        "signature": d.signature,
        "payload": d.payload,
    })
}

/// The deliveries asked for by `?app=…&limit=…`, newest first.
pub async fn deliveries(state: &AppState, app: Option<&str>, limit: i64) -> Result<Vec<Delivery>> {
    state.platform.deliveries(app, limit).await.map_err(db_down)
}

async fn list_deliveries(State(state): State<AppState>, uri: Uri) -> Result<Response> {
    let mut app = None;
    let mut limit = DEFAULT_LIMIT;
    for (k, v) in form_urlencoded::parse(uri.query().unwrap_or("").as_bytes()) {
        match k.as_ref() {
            "app" if !v.is_empty() => app = Some(v.into_owned()),
            "app" => {}
            "limit" => {
                limit = v
                    .parse::<i64>()
                    .ok()
                    .filter(|n| (1..=MAX_LIMIT).contains(n))
                    .ok_or_else(|| {
                        bad_request(format!(
                            "limit: {v:?} is not a whole number from 1 to {MAX_LIMIT}"
                        ))
                    })?;
            }
            other => {
                return Err(bad_request(format!(
                    "unknown parameter {other:?}: use app and limit"
                )));
            }
        }
    }
    let list = deliveries(&state, app.as_deref(), limit).await?;
    let data: Vec<Value> = list.iter().map(view).collect();
    let mut res = Json(json!({ "data": data })).into_response();
    crate::error::no_store(res.headers_mut());
    Ok(res)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TestRequest {
    app: String,
    #[serde(default)]
    object: Option<String>,
    field: String,
}

/// Enqueues a test delivery; its id, or the control-plane error naming the field at fault.
pub async fn enqueue_test(state: &AppState, app: &str, object: &str, field: &str) -> Result<i64> {
    match state.platform.send_test_event(app, object, field).await {
        Ok(Some(id)) => Ok(id),
        Ok(None) => Err(bad_request(format!(
            "app: app {app} has no subscription to object {object}; create one first (POST /{app}/subscriptions)"
        ))),
        Err(TestEventError::Object) => Err(bad_request(format!(
            "object: {object:?} is not served; use instagram"
        ))),
        Err(TestEventError::Field) => Err(bad_request(format!(
            "field: {field:?} has no sample payload; use comments, live_comments, mentions, messages or story_insights"
        ))),
        Err(TestEventError::App) => Err(ApiError::Control(
            StatusCode::NOT_FOUND,
            format!("app: no app with id {app:?}"),
        )),
        Err(TestEventError::Store(e)) => Err(db_down(e)),
    }
}

async fn send_test(State(state): State<AppState>, body: Bytes) -> Result<Response> {
    let req: TestRequest = serde_json::from_slice(&body)
        .map_err(|e| bad_request(format!("the JSON body is invalid: {e}")))?;
    let object = req.object.as_deref().unwrap_or("instagram");
    let id = enqueue_test(&state, &req.app, object, &req.field).await?;
    Ok((StatusCode::ACCEPTED, Json(json!({ "id": id }))).into_response())
}
