//! Content publishing on both Graph hosts, one implementation: `POST /{ig-user-id}/media`
//! (containers), `GET /{container-id}`, `POST /{ig-user-id}/media_publish` and
//! `GET /{ig-user-id}/content_publishing_limit`. The host only decides how the token is resolved
//! (an Instagram Login token on graph.instagram.com, a Facebook Login user or Page token on
//! graph.facebook.com) and the error type of an object the token does not reach. The rules are
//! `localgram_core::publishing`; the media bytes are fetched by [`crate::media::fetch`].

use super::call::{Caller, caller, graph_json};
use super::fields::requested;
use super::request::GraphRequest;
use crate::error::{ApiError, Result};
use crate::state::AppState;
use axum::response::Response;
use localgram_core::error::{GraphError, GraphHost};
use localgram_core::publishing::{Container, ContainerKind, ContainerStatus};
use serde_json::{Map, Value, json};

/// The node type named in errors about container fields.
const CONTAINER_TYPE: &str = "ShadowIGMediaBuilder";

/// Resolves and counts the token the way `host` does.
/// `POST /{ig-user-id}/media`: `{"id": "<container-id>"}`.
pub async fn create_container(
    state: &AppState,
    gr: &GraphRequest,
    node: &str,
    host: GraphHost,
) -> Result<Response> {
    let caller = caller(state, gr, host, node == "me").await?;
    let owner = state
        .platform
        .publishing_account(&caller.token, node, host, "POST")
        .await?;
    let draft = state
        .platform
        .draft_container(&owner, &caller.token.app_id, &gr.params)
        .await?;
    let fetched = crate::media::fetch::fetch(state, &draft.plan).await?;
    let id = state.platform.create_container(draft, fetched).await?;
    Ok(caller.finish(graph_json(gr, &json!({ "id": id }))))
}

/// `POST /{ig-user-id}/media_publish`: `{"id": "<ig-media-id>"}`.
pub async fn publish(
    state: &AppState,
    gr: &GraphRequest,
    node: &str,
    host: GraphHost,
) -> Result<Response> {
    let caller = caller(state, gr, host, node == "me").await?;
    let owner = state
        .platform
        .publishing_account(&caller.token, node, host, "POST")
        .await?;
    let creation_id = gr.params.get("creation_id").map_err(|_| {
        GraphError::invalid_parameter("(#100) The parameter creation_id was given more than once")
    })?;
    let id = state
        .platform
        .publish_container(&owner, creation_id)
        .await?;
    Ok(caller.finish(graph_json(gr, &json!({ "id": id }))))
}

/// `GET /{ig-user-id}/content_publishing_limit`: `{"data": [{"quota_usage", "config"?}]}`.
pub async fn publishing_limit(
    state: &AppState,
    gr: &GraphRequest,
    node: &str,
    host: GraphHost,
) -> Result<Response> {
    let caller = caller(state, gr, host, node == "me").await?;
    let owner = state
        .platform
        .publishing_account(&caller.token, node, host, "GET")
        .await?;
    let sel = requested(gr, "quota_usage")?;
    for f in &sel {
        if !matches!(f.name.as_str(), "quota_usage" | "config") {
            return Err(GraphError::nonexisting_field(&f.name, "ContentPublishingLimit").into());
        }
    }
    let since = gr.params.get("since").ok().flatten();
    let limit = state.platform.publishing_limit(&owner, since).await?;
    let mut item = Map::new();
    for f in &sel {
        match f.name.as_str() {
            "quota_usage" => {
                item.insert("quota_usage".into(), json!(limit.quota_usage));
            }
            _ => {
                item.insert(
                    "config".into(),
                    json!({"quota_total": limit.quota_total, "quota_duration": limit.quota_duration}),
                );
            }
        }
    }
    Ok(caller.finish(graph_json(gr, &json!({ "data": [item] }))))
}

/// `GET /{container-id}` when `id` names a container the caller reaches; `None` otherwise (the
/// caller then goes on to the other node types).
pub async fn container_node(
    state: &AppState,
    gr: &GraphRequest,
    caller: &Caller,
    id: &str,
    host: GraphHost,
) -> Result<Option<Response>> {
    let Some(container) = state
        .platform
        .find_own_container(&caller.token, id, host)
        .await?
    else {
        return Ok(None);
    };
    let sel = requested(gr, "id")?;
    let now = state.platform.clock.now();
    let mut out = Map::new();
    for f in &sel {
        let value = match f.name.as_str() {
            "id" => continue,
            "status_code" => json!(container.status(now).as_str()),
            "status" => json!(container.status_text(now)),
            "copyright_check_status" => copyright_check(&container, now),
            other => {
                return Err(ApiError::Graph(GraphError::nonexisting_field(
                    other,
                    CONTAINER_TYPE,
                )));
            }
        };
        out.insert(f.name.clone(), value);
    }
    out.insert("id".into(), json!(container.id));
    Ok(Some(graph_json(gr, &Value::Object(out))))
}

/// `copyright_check_status`: videos are checked while they process; nothing is ever found.
fn copyright_check(c: &Container, now: time::OffsetDateTime) -> Value {
    let status = if !c.is_video && c.kind != ContainerKind::Carousel {
        "not_started"
    } else {
        match c.status(now) {
            ContainerStatus::InProgress => "in_progress",
            ContainerStatus::Error => "error",
            _ => "completed",
        }
    };
    json!({ "matches_found": false, "status": status })
}
