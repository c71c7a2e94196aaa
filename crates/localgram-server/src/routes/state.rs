//! `/_localgram/reset` and `/_localgram/snapshots`: putting the emulator back to a known state
//! between tests (docs/state.md). Control plane: loopback or `--admin-token`.
//!
//! Each operation runs on a task of its own: the store's work is one write job, and the
//! in-process memories are cleared ([`crate::reset::forget_process_state`]) right after it, even
//! when the caller hangs up in between.

use crate::error::{ApiError, Result};
use crate::http::admin;
use crate::state::AppState;
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use localgram_core::store::{SnapshotInfo, StoreError};
use serde::{Deserialize, Serialize};
use serde_json::json;

use time::format_description::well_known::Rfc3339;

/// The state routes, behind the guard.
pub fn router(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/_localgram/reset", post(post_reset))
        .route("/_localgram/world", get(get_world))
        .route(
            "/_localgram/snapshots",
            get(get_snapshots).post(post_snapshot),
        )
        .route("/_localgram/snapshots/{name}", delete(delete_snapshot))
        .route("/_localgram/snapshots/{name}/restore", post(post_restore))
        .layer(from_fn_with_state(state, admin::guard))
}

fn bad_request(msg: impl Into<String>) -> ApiError {
    ApiError::Control(StatusCode::BAD_REQUEST, msg.into())
}

fn store_failed(what: &str, e: &StoreError) -> ApiError {
    tracing::error!(error = ?e, "{what} failed");
    let status = match e {
        StoreError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    ApiError::Control(status, format!("{what} failed: {e}"))
}

/// Runs `work` on a task of its own, so that a caller hanging up cannot stop it half-way.
async fn detached<T: Send + 'static>(
    work: impl std::future::Future<Output = T> + Send + 'static,
) -> Result<T> {
    tokio::spawn(work).await.map_err(|e| {
        tracing::error!(error = %e, "a state task failed");
        ApiError::Control(StatusCode::INTERNAL_SERVER_ERROR, "the task failed".into())
    })
}

/// A JSON body, or the defaults for an empty one.
fn optional_json<T: for<'de> Deserialize<'de> + Default>(body: &Bytes) -> Result<T> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(body).map_err(|e| bad_request(format!("the JSON body is invalid: {e}")))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ResetBody {
    #[serde(default = "yes")]
    reload_world: bool,
}

impl Default for ResetBody {
    fn default() -> Self {
        Self { reload_world: true }
    }
}

fn yes() -> bool {
    true
}

async fn post_reset(State(state): State<AppState>, body: Bytes) -> Result<Response> {
    let req: ResetBody = optional_json(&body)?;
    let mut plans = Vec::new();
    if req.reload_world {
        for w in state.start_worlds.iter() {
            let plan = state
                .platform
                .plan_fresh_world(&w.body, w.format, w.base_dir.as_deref())
                .await
                .map_err(|e| {
                    ApiError::Control(
                        StatusCode::CONFLICT,
                        format!("the start world cannot be loaded again: {e}"),
                    )
                })?;
            plans.push(plan);
        }
    }
    let worlds = plans.len();
    let task_state = state.clone();
    detached(async move {
        let result = task_state.platform.reset(&plans).await;
        crate::reset::forget_process_state(&task_state);
        result
    })
    .await?
    .map_err(|e| store_failed("the reset", &e))?;
    Ok(Json(json!({"reset": true, "worlds_loaded": worlds})).into_response())
}

/// A snapshot as the control plane shows it.
#[derive(Debug, Serialize)]
struct SnapshotView {
    name: String,
    created_at: String,
}

impl From<SnapshotInfo> for SnapshotView {
    fn from(s: SnapshotInfo) -> Self {
        Self {
            name: s.name,
            created_at: s.created_at.format(&Rfc3339).unwrap_or_default(),
        }
    }
}

/// What a snapshot keeps besides the database: the clock, when it stood still.
#[derive(Debug, Serialize, Deserialize, Default)]
struct SnapshotMeta {
    /// The frozen clock's reading (Unix milliseconds), `None` when it was running.
    #[serde(default)]
    frozen_at_ms: Option<i64>,
}

/// A snapshot name: 1 to 64 letters, digits, `.`, `_` or `-`.
fn check_name(name: &str) -> Result<()> {
    if name.is_empty()
        || name.len() > 64
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
    {
        return Err(bad_request(
            "name: 1 to 64 letters, digits, '.', '_' or '-'",
        ));
    }
    Ok(())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SaveBody {
    name: String,
}

async fn post_snapshot(State(state): State<AppState>, body: Bytes) -> Result<Response> {
    let req: SaveBody = serde_json::from_slice(&body)
        .map_err(|e| bad_request(format!("the JSON body is invalid: {e}")))?;
    check_name(&req.name)?;
    let clock = state.clock.state();
    let meta = SnapshotMeta {
        frozen_at_ms: clock
            .frozen
            .then(|| localgram_core::clock::to_millis(clock.now)),
    };
    let meta = serde_json::to_string(&meta).unwrap_or_else(|_| "{}".into());
    let now = clock.now;
    let name = req.name.clone();
    let task_state = state.clone();
    detached(async move { task_state.platform.save_snapshot(&name, now, &meta).await })
        .await?
        .map_err(|e| store_failed("saving the snapshot", &e))?;
    let view = SnapshotView::from(SnapshotInfo {
        name: req.name,
        created_at: now,
        meta: String::new(),
    });
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

async fn get_snapshots(State(state): State<AppState>) -> Result<Response> {
    let list = state
        .platform
        .list_snapshots()
        .await
        .map_err(|e| store_failed("listing the snapshots", &e))?;
    let data: Vec<SnapshotView> = list.into_iter().map(SnapshotView::from).collect();
    Ok(Json(json!({ "data": data })).into_response())
}

fn no_snapshot(name: &str) -> ApiError {
    ApiError::Control(
        StatusCode::NOT_FOUND,
        format!("no snapshot is named {name:?}"),
    )
}

async fn post_restore(State(state): State<AppState>, Path(name): Path<String>) -> Result<Response> {
    check_name(&name)?;
    let task_state = state.clone();
    let task_name = name.clone();
    let restored = detached(async move {
        let restored = task_state.platform.restore_snapshot(&task_name).await;
        if let Ok(Some(info)) = &restored {
            let meta: SnapshotMeta = serde_json::from_str(&info.meta).unwrap_or_default();
            if let Some(ms) = meta.frozen_at_ms {
                task_state
                    .clock
                    .set(localgram_core::clock::from_millis(ms), true);
            }
            crate::reset::forget_process_state(&task_state);
        }
        restored
    })
    .await?
    .map_err(|e| store_failed("restoring the snapshot", &e))?;
    let info = restored.ok_or_else(|| no_snapshot(&name))?;
    Ok(Json(json!({"restored": SnapshotView::from(info)})).into_response())
}

async fn delete_snapshot(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Result<Response> {
    check_name(&name)?;
    let task_state = state.clone();
    let task_name = name.clone();
    let deleted = detached(async move { task_state.platform.delete_snapshot(&task_name).await })
        .await?
        .map_err(|e| store_failed("deleting the snapshot", &e))?;
    if !deleted {
        return Err(no_snapshot(&name));
    }
    Ok(Json(json!({"deleted": true})).into_response())
}

async fn get_world(State(state): State<AppState>) -> Result<Response> {
    use localgram_core::world_export::ExportError;
    let world = state.platform.export_world().await.map_err(|e| match e {
        ExportError::Store(e) => store_failed("the export", &e),
        e @ ExportError::UnsealedSecret(_) => {
            ApiError::Control(StatusCode::CONFLICT, e.to_string())
        }
    })?;
    let mut res = Json(world).into_response();
    // It holds app secrets and password hashes.
    crate::error::no_store(res.headers_mut());
    Ok(res)
}
