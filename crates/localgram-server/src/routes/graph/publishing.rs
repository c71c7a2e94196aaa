//! Content publishing on both Graph hosts, one implementation: `POST /{ig-user-id}/media`
//! (containers), `GET /{container-id}`, `POST /{ig-user-id}/media_publish` and
//! `GET /{ig-user-id}/content_publishing_limit`. The host only decides how the token is resolved
//! (an Instagram Login token on graph.instagram.com, a Facebook Login user or Page token on
//! graph.facebook.com) and the error type of an object the token does not reach. The rules are
//! `localgram_core::publishing`; the media bytes are fetched by [`crate::media::fetch`].

use super::call::{Caller, caller, graph_json, graph_json_bytes};
use super::fields::{check, professional_api, requested};
use super::json_out::{Members, Object};
use super::request::GraphRequest;
use crate::error::Result;
use crate::state::AppState;
use axum::response::Response;
use localgram_core::error::{GraphError, GraphHost};
use localgram_core::publishing::{Container, ContainerKind, ContainerStatus};
use localgram_types::schema;
use serde_json::json;

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
    let sel = requested(gr, &schema::PUBLISHING_LIMIT.default_fields())?;
    check(
        &sel,
        &schema::PUBLISHING_LIMIT,
        professional_api(host),
        false,
    )?;
    let since = gr.params.get("since").ok().flatten();
    let limit = state.platform.publishing_limit(&owner, since).await?;
    let mut item = Members::new();
    for f in &sel {
        match f.name.as_str() {
            "quota_usage" => item.value("quota_usage", &limit.quota_usage),
            _ => {
                let mut config = Object::begin(item.key("config"));
                config.value("quota_duration", &limit.quota_duration);
                config.value("quota_total", &limit.quota_total);
                config.end();
            }
        }
    }
    let mut body = Vec::with_capacity(128);
    let mut out = Object::begin(&mut body);
    {
        let data = out.key("data");
        data.push(b'[');
        item.write(data);
        data.push(b']');
    }
    out.end();
    Ok(caller.finish(graph_json_bytes(gr, body)))
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
    let sel = requested(gr, &schema::CONTAINER.default_fields())?;
    check(&sel, &schema::CONTAINER, professional_api(host), false)?;
    let now = state.platform.clock.now();
    let mut out = Members::new();
    for f in &sel {
        let key = f.name.as_str();
        match key {
            "status_code" => out.str(key, container.status(now).as_str()),
            "status" => out.str(key, &container.status_text(now)),
            "copyright_check_status" => {
                let mut check = Object::begin(out.key(key));
                check.value("matches_found", &false);
                check.str("status", copyright_check(&container, now));
                check.end();
            }
            _ => {}
        }
    }
    out.str("id", &container.id);
    Ok(Some(graph_json_bytes(gr, out.into_bytes())))
}

/// `copyright_check_status.status`: videos are checked while they process; nothing is ever
/// found.
fn copyright_check(c: &Container, now: time::OffsetDateTime) -> &'static str {
    if !c.is_video && c.kind != ContainerKind::Carousel {
        "not_started"
    } else {
        match c.status(now) {
            ContainerStatus::InProgress => "in_progress",
            ContainerStatus::Error => "error",
            _ => "completed",
        }
    }
}
