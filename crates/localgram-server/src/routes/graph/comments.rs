//! Comment moderation on both Graph hosts, one implementation: `GET|POST /{ig-media-id}/comments`,
//! `GET|POST /{ig-comment-id}/replies`, `GET /{ig-comment-id}`, `POST /{ig-comment-id}?hide=…`,
//! `DELETE /{ig-comment-id}` and `POST /{ig-media-id}?comment_enabled=…`. The rules are
//! `localgram_core::comments`.

use super::call::{Caller, caller, graph_json, graph_json_bytes, paging_url};
use super::fields::{check, professional_api, requested};
use super::json_out::{Members, Object};
use super::request::GraphRequest;
use crate::error::{ApiError, Result};
use crate::state::AppState;
use axum::response::Response;
use localgram_core::comments::Comment;
use localgram_core::error::{GraphError, GraphHost};
use localgram_core::fields::FieldSelection;
use localgram_core::model::IgMedia;
use localgram_core::timefmt::graph_timestamp;
use localgram_types::schema;
use serde_json::json;

fn param<'a>(gr: &'a GraphRequest, name: &str) -> Result<Option<&'a str>> {
    gr.params.get(name).map_err(|_| {
        ApiError::Graph(GraphError::invalid_parameter(format!(
            "(#100) The parameter {name} was given more than once"
        )))
    })
}

fn check_fields(sel: &[FieldSelection], host: GraphHost) -> Result<()> {
    check(sel, &schema::IG_COMMENT, professional_api(host), false)
}

/// A comment ([`schema::IG_COMMENT`]) as JSON bytes, the selected fields sorted by name, `id`
/// always present.
fn render<'a>(
    state: &'a AppState,
    c: &'a Comment,
    media: &'a IgMedia,
    sel: &'a [FieldSelection],
    depth: usize,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<Vec<u8>>> + Send + 'a>> {
    Box::pin(async move {
        let mut out = Members::new();
        for f in sel {
            let key = f.name.as_str();
            match key {
                "id" => out.str(key, &c.id),
                "text" => out.str(key, &c.text),
                "timestamp" => out.str(key, &graph_timestamp(c.timestamp)),
                "hidden" => out.value(key, &c.hidden),
                "like_count" => out.value(key, &0),
                "username" => out.str(key, &c.from_username),
                "from" => {
                    let mut from = Object::begin(out.key(key));
                    from.str("id", &c.from_id);
                    from.str("username", &c.from_username);
                    from.end();
                }
                "media" => {
                    let mut m = Object::begin(out.key(key));
                    m.str("id", &media.id);
                    m.str("media_product_type", media.media_product_type.as_str());
                    m.end();
                }
                "parent_id" => {
                    if let Some(p) = &c.parent_id {
                        out.str(key, p);
                    }
                }
                "replies" if c.parent_id.is_none() && depth == 0 => {
                    let nested = f.nested.clone().unwrap_or_else(|| {
                        localgram_core::fields::parse(&schema::IG_COMMENT.edge_default_fields())
                            .unwrap_or_default()
                    });
                    let replies = state.platform.replies_of(c).await?;
                    // As Graph does for an expanded edge with nothing in it: no key at all.
                    if replies.is_empty() {
                        continue;
                    }
                    let mut data = Vec::with_capacity(128 * replies.len() + 16);
                    data.extend_from_slice(br#"{"data":["#);
                    for (i, r) in replies.iter().enumerate() {
                        if i > 0 {
                            data.push(b',');
                        }
                        data.extend_from_slice(&render(state, r, media, &nested, depth + 1).await?);
                    }
                    data.extend_from_slice(b"]}");
                    out.raw(key, data);
                }
                _ => {}
            }
        }
        if !out.contains("id") {
            out.str("id", &c.id);
        }
        Ok(out.into_bytes())
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
    host: GraphHost,
) -> Result<Response> {
    let sel = requested(gr, &schema::IG_COMMENT.edge_default_fields())?;
    check_fields(&sel, host)?;
    let page = state
        .platform
        .list_comments(
            media,
            parent.map(|p| p.id.as_str()),
            param(gr, "limit")?,
            param(gr, "after")?,
        )
        .await?;
    let mut body = Vec::with_capacity(256 * page.items.len() + 512);
    let mut out = Object::begin(&mut body);
    {
        let data = out.key("data");
        data.push(b'[');
        for (i, c) in page.items.iter().enumerate() {
            if i > 0 {
                data.push(b',');
            }
            data.extend_from_slice(&render(state, c, media, &sel, 0).await?);
        }
        data.push(b']');
    }
    if let (Some(before), Some(after)) = (&page.before, &page.after) {
        let mut paging = Object::begin(out.key("paging"));
        {
            let mut cursors = Object::begin(paging.key("cursors"));
            cursors.str("after", after);
            cursors.str("before", before);
            cursors.end();
        }
        if page.has_next {
            paging.str(
                "next",
                &paging_url(state, gr, path, &gr.params, ("after", after)),
            );
        }
        paging.end();
    }
    out.end();
    Ok(caller.finish(graph_json_bytes(gr, body)))
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
    edge(state, gr, caller, &media, None, &path, host).await
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
    edge(state, gr, caller, &media, Some(&comment), &path, host).await
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
    let sel = requested(gr, &schema::IG_COMMENT.default_fields())?;
    check_fields(&sel, host)?;
    let body = render(state, &comment, &media, &sel, 0).await?;
    Ok(Some(graph_json_bytes(gr, body)))
}
