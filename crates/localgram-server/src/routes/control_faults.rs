//! The control plane of fault rules, the request journal and the metrics (docs/faults.md):
//! `/_localgram/faults`, `/_localgram/calls`, `/_localgram/metrics`. Behind
//! the same guard as the rest of `/_localgram/*`.

use crate::calls::CallFilter;
use crate::error::{ApiError, Result};
use crate::http::admin;
use crate::state::AppState;
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use localgram_core::faults::RuleSpec;
use localgram_core::rng::RngExt;
use serde_json::json;

/// The largest rule body accepted.
const RULE_BODY_LIMIT: usize = 64 * 1024;

/// The routes, behind the guard.
pub fn router(state: AppState) -> Router<AppState> {
    Router::new()
        .route(
            "/_localgram/faults",
            get(list_faults).post(add_fault).delete(clear_faults),
        )
        .route("/_localgram/faults/{id}", delete(delete_fault))
        .route("/_localgram/calls", get(list_calls).delete(clear_calls))
        .route("/_localgram/calls/count", post(count_calls))
        .route("/_localgram/metrics", get(metrics))
        .layer(axum::extract::DefaultBodyLimit::max(RULE_BODY_LIMIT))
        .layer(from_fn_with_state(state, admin::guard))
}

fn bad_request(msg: impl Into<String>) -> ApiError {
    ApiError::Control(StatusCode::BAD_REQUEST, msg.into())
}

/// Adds one rule; answers it with its `id` (201).
pub async fn add_fault(State(state): State<AppState>, body: Bytes) -> Result<Response> {
    let spec = RuleSpec::from_json(&body).map_err(|e| bad_request(e.to_string()))?;
    let seed = u64::from_le_bytes(state.platform.rng.bytes(8).try_into().unwrap_or([0; 8]));
    let rule = localgram_core::faults::Rule::new(state.platform.faults.next_id(), spec, seed)
        .map_err(|e| bad_request(e.to_string()))?;
    let id = rule.id.clone();
    crate::shared::add_rule(&state, rule)
        .await
        .map_err(db_down)?
        .map_err(|e| bad_request(e.to_string()))?;
    let view = state
        .platform
        .faults
        .rules()
        .iter()
        .find(|r| r.id == id)
        .map(|r| r.view())
        .unwrap_or_else(|| json!({ "id": id }));
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

/// `{"data": [{"id", "match", "when", "effect", "fired", "matched"}]}`.
pub async fn list_faults(State(state): State<AppState>) -> Result<Json<serde_json::Value>> {
    crate::shared::sync_rules(&state).await.map_err(db_down)?;
    let data: Vec<_> = state
        .platform
        .faults
        .rules()
        .iter()
        .map(|r| r.view())
        .collect();
    Ok(Json(json!({ "data": data })))
}

async fn delete_fault(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response> {
    let removed = if crate::shared::enabled(&state) {
        let removed = state
            .platform
            .delete_stored_fault_rule(&id)
            .await
            .map_err(db_down)?;
        crate::shared::sync_rules(&state).await.map_err(db_down)?;
        removed
    } else {
        state.platform.faults.remove(&id)
    };
    if removed {
        Ok(Json(json!({ "deleted": 1 })).into_response())
    } else {
        Err(ApiError::Control(
            StatusCode::NOT_FOUND,
            format!("id: no fault rule {id:?}"),
        ))
    }
}

async fn clear_faults(State(state): State<AppState>) -> Result<Json<serde_json::Value>> {
    let n = crate::shared::clear_rules(&state).await.map_err(db_down)?;
    Ok(Json(json!({ "deleted": n })))
}

fn filter_of_query(uri: &Uri) -> Result<CallFilter> {
    let filter = axum::extract::Query::<CallFilter>::try_from_uri(uri)
        .map_err(|e| bad_request(format!("the query is invalid: {}", e.body_text())))?
        .0;
    filter.compile().map_err(bad_request)
}

async fn list_calls(State(state): State<AppState>, uri: Uri) -> Result<Response> {
    let filter = filter_of_query(&uri)?;
    let calls = crate::shared::recent_calls(&state).await.map_err(db_down)?;
    let data: Vec<_> = filter
        .select(calls)
        .iter()
        .map(crate::calls::Call::view)
        .collect();
    let mut res = Json(json!({ "data": data })).into_response();
    crate::error::no_store(res.headers_mut());
    Ok(res)
}

async fn count_calls(
    State(state): State<AppState>,
    body: Bytes,
) -> Result<Json<serde_json::Value>> {
    let filter: CallFilter = if body.iter().all(u8::is_ascii_whitespace) {
        CallFilter::default()
    } else {
        let de = &mut serde_json::Deserializer::from_slice(&body);
        serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            bad_request(format!("{path}: {}", e.into_inner()))
        })?
    };
    let filter = filter.compile().map_err(bad_request)?;
    let calls = crate::shared::recent_calls(&state).await.map_err(db_down)?;
    let count = calls.iter().filter(|c| filter.matches(c)).count();
    Ok(Json(json!({ "count": count })))
}

async fn clear_calls(State(state): State<AppState>) -> Result<Json<serde_json::Value>> {
    let n = crate::shared::clear_calls(&state).await.map_err(db_down)?;
    Ok(Json(json!({ "deleted": n })))
}

fn db_down(e: localgram_core::store::StoreError) -> ApiError {
    tracing::error!(error = %e, "the shared journal cannot be read or written");
    ApiError::Control(
        StatusCode::SERVICE_UNAVAILABLE,
        "the database is unavailable".into(),
    )
}

async fn metrics(State(state): State<AppState>) -> Response {
    let mut res = state.metrics.encode().into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
    );
    res
}
