//! Comment moderation on both Graph hosts, one implementation: `GET|POST /{ig-media-id}/comments`,
//! `GET|POST /{ig-comment-id}/replies`, `GET /{ig-comment-id}`, `POST /{ig-comment-id}?hide=…`,
//! `DELETE /{ig-comment-id}` and `POST /{ig-media-id}?comment_enabled=…`. The rules are
//! `localgram_core::comments`.

use super::call::{Caller, caller, graph_json, paging_url};
use super::fields::requested;
use super::request::GraphRequest;
use crate::error::{ApiError, Result};
use crate::state::AppState;
use axum::response::Response;
use localgram_core::comments::Comment;
use localgram_core::error::{GraphError, GraphHost};
use localgram_core::fields::FieldSelection;
use localgram_core::model::IgMedia;
use localgram_core::timefmt::graph_timestamp;
use serde_json::{Map, Value, json};

/// The node type named in errors about comment fields.
const COMMENT_TYPE: &str = "IGComment";
/// The default fields of the comments and replies edges.
const EDGE_DEFAULT: &str = "timestamp,text,id";

fn param<'a>(gr: &'a GraphRequest, name: &str) -> Result<Option<&'a str>> {
    gr.params.get(name).map_err(|_| {
        ApiError::Graph(GraphError::invalid_parameter(format!(
            "(#100) The parameter {name} was given more than once"
        )))
    })
}

fn check_fields(sel: &[FieldSelection]) -> Result<()> {
    for f in sel {
        let known = matches!(
            f.name.as_str(),
            "id" | "text"
                | "timestamp"
                | "hidden"
                | "like_count"
                | "from"
                | "media"
                | "parent_id"
                | "replies"
                | "username"
        );
        if !known {
            return Err(GraphError::nonexisting_field(&f.name, COMMENT_TYPE).into());
        }
        if f.name == "replies"
            && let Some(nested) = &f.nested
        {
            check_fields(nested)?;
        }
    }
    Ok(())
}

/// A comment as JSON, with the selected fields in the order asked (`id` last when not asked).
fn render<'a>(
    state: &'a AppState,
    c: &'a Comment,
    media: &'a IgMedia,
    sel: &'a [FieldSelection],
    depth: usize,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<Value>> + Send + 'a>> {
    Box::pin(async move {
        let mut out = Map::new();
        for f in sel {
            let v = match f.name.as_str() {
                "id" => json!(c.id),
                "text" => json!(c.text),
                "timestamp" => json!(graph_timestamp(c.timestamp)),
                "hidden" => json!(c.hidden),
                "like_count" => json!(0),
                "username" => json!(c.from_username),
                "from" => json!({"id": c.from_id, "username": c.from_username}),
                "media" => {
                    json!({"id": media.id, "media_product_type": media.media_product_type.as_str()})
                }
                "parent_id" => match &c.parent_id {
                    Some(p) => json!(p),
                    None => continue,
                },
                "replies" if c.parent_id.is_none() && depth == 0 => {
                    let nested = f.nested.clone().unwrap_or_else(|| {
                        localgram_core::fields::parse(EDGE_DEFAULT).unwrap_or_default()
                    });
                    let mut data = Vec::new();
                    for r in state.platform.replies_of(c).await? {
                        data.push(render(state, &r, media, &nested, depth + 1).await?);
                    }
                    // As Graph does for an expanded edge with nothing in it: no key at all.
                    if data.is_empty() {
                        continue;
                    }
                    json!({ "data": data })
                }
                _ => continue,
            };
            out.insert(f.name.clone(), v);
        }
        out.entry("id").or_insert_with(|| json!(c.id));
        Ok(Value::Object(out))
    })
}

/// The comments edge of a media (`parent` `None`) or the replies edge of a comment.
async fn edge(
    state: &AppState,
    gr: &GraphRequest,
    caller: Caller,
    media: &IgMedia,
    parent: Option<&Comment>,
    path: &str,
) -> Result<Response> {
    let sel = requested(gr, EDGE_DEFAULT)?;
    check_fields(&sel)?;
    let page = state
        .platform
        .list_comments(
            media,
            parent.map(|p| p.id.as_str()),
            param(gr, "limit")?,
            param(gr, "after")?,
        )
        .await?;
    let mut data = Vec::with_capacity(page.items.len());
    for c in &page.items {
        data.push(render(state, c, media, &sel, 0).await?);
    }
    let mut body = json!({ "data": data });
    if let (Some(before), Some(after)) = (&page.before, &page.after) {
        let mut paging = json!({"cursors": {"before": before, "after": after}});
        if page.has_next {
            paging["next"] = json!(paging_url(
                state,
                gr,
                path,
                gr.params.pairs(),
                ("after", after)
            ));
        }
        body["paging"] = paging;
    }
    Ok(caller.finish(graph_json(gr, &body)))
}

/// `GET /{ig-media-id}/comments`.
pub async fn list(
    state: &AppState,
    gr: &GraphRequest,
    id: &str,
    host: GraphHost,
) -> Result<Response> {
    let caller = caller(state, gr, host, false).await?;
    let media = state
        .platform
        .comment_media(&caller.token, id, host, "GET")
        .await?;
    let path = format!("/{}/{id}/comments", gr.version);
    edge(state, gr, caller, &media, None, &path).await
}

/// `GET /{ig-comment-id}/replies`.
pub async fn replies(
    state: &AppState,
    gr: &GraphRequest,
    id: &str,
    host: GraphHost,
) -> Result<Response> {
    let caller = caller(state, gr, host, false).await?;
    let (comment, media) = state
        .platform
        .comment_for(&caller.token, id, host, "GET")
        .await?;
    let path = format!("/{}/{id}/replies", gr.version);
    edge(state, gr, caller, &media, Some(&comment), &path).await
}

/// `POST /{ig-media-id}/comments`: `{"id": "<comment-id>"}`.
pub async fn create(
    state: &AppState,
    gr: &GraphRequest,
    id: &str,
    host: GraphHost,
) -> Result<Response> {
    let caller = caller(state, gr, host, false).await?;
    let media = state
        .platform
        .comment_media(&caller.token, id, host, "POST")
        .await?;
    let new_id = state
        .platform
        .write_comment(&media, None, param(gr, "message")?)
        .await?;
    Ok(caller.finish(graph_json(gr, &json!({ "id": new_id }))))
}

/// `POST /{ig-comment-id}/replies`: `{"id": "<comment-id>"}`.
pub async fn reply(
    state: &AppState,
    gr: &GraphRequest,
    id: &str,
    host: GraphHost,
) -> Result<Response> {
    let caller = caller(state, gr, host, false).await?;
    let (comment, media) = state
        .platform
        .comment_for(&caller.token, id, host, "POST")
        .await?;
    let new_id = state
        .platform
        .write_comment(&media, Some(&comment), param(gr, "message")?)
        .await?;
    Ok(caller.finish(graph_json(gr, &json!({ "id": new_id }))))
}

/// `POST /{id}`: `hide` on a comment, `comment_enabled` on a media; `{"success": true}`.
pub async fn post_node(
    state: &AppState,
    gr: &GraphRequest,
    id: &str,
    host: GraphHost,
) -> Result<Response> {
    let caller = caller(state, gr, host, false).await?;
    if let Some(enabled) = param(gr, "comment_enabled")? {
        let media = state
            .platform
            .comment_media(&caller.token, id, host, "POST")
            .await?;
        state.platform.set_comment_enabled(&media, enabled).await?;
    } else {
        let (comment, media) = state
            .platform
            .comment_for(&caller.token, id, host, "POST")
            .await?;
        state
            .platform
            .hide_comment(&comment, &media, param(gr, "hide")?)
            .await?;
    }
    Ok(caller.finish(graph_json(gr, &json!({ "success": true }))))
}

/// `DELETE /{ig-comment-id}`: `{"success": true}`.
pub async fn delete(
    state: &AppState,
    gr: &GraphRequest,
    id: &str,
    host: GraphHost,
) -> Result<Response> {
    let caller = caller(state, gr, host, false).await?;
    let (comment, _) = state
        .platform
        .comment_for(&caller.token, id, host, "DELETE")
        .await?;
    state.platform.delete_comment(&comment).await?;
    Ok(caller.finish(graph_json(gr, &json!({ "success": true }))))
}

/// `GET /{ig-comment-id}` when `id` names a comment the caller may moderate; `None` otherwise.
pub async fn comment_node(
    state: &AppState,
    gr: &GraphRequest,
    caller: &Caller,
    id: &str,
    host: GraphHost,
) -> Result<Option<Response>> {
    let Some((comment, media)) = state
        .platform
        .find_comment_for(&caller.token, id, host)
        .await?
    else {
        return Ok(None);
    };
    let sel = requested(gr, "id")?;
    check_fields(&sel)?;
    let body = render(state, &comment, &media, &sel, 0).await?;
    Ok(Some(graph_json(gr, &body)))
}
