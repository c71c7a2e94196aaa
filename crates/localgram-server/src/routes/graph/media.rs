//! `GET /me/media`, `GET /{user-id}/media` and `GET /{media-id}/children`
//! (`docs/graph-api.md#media-edge`, `docs/graph-api.md#album-children`): cursor paging
//! (`docs/graph-api.md#paging`), time bounds, field selection on each item.

use super::call::{answer, cached_answer, caller};
use super::fields::{
    check_media, instagram_api, render_children, render_page, requested, username_of, wants,
};
use super::request::GraphRequest;
use crate::error::Result;
use crate::state::AppState;
use axum::response::Response;
use localgram_core::error::GraphHost;
use localgram_core::media::{DEFAULT_LIMIT, PageParams};

/// The media edge of `/me` or `/{user-id}`.
pub async fn get_user_media(state: &AppState, gr: &GraphRequest, node: &str) -> Result<Response> {
    let caller = caller(state, gr, GraphHost::Instagram, node == "me").await?;
    if let Some(res) = cached_answer(state, gr, &caller) {
        return Ok(caller.finish(res));
    }
    let token = &caller.token;
    let sel = requested(gr, "id")?;
    check_media(&sel, instagram_api(&caller.token))?;
    let owner = state
        .platform
        .own_account(token, (node != "me").then_some(node))?
        .to_owned();
    let p = |n| gr.params.get(n).ok().flatten();
    let params = PageParams {
        limit: p("limit"),
        after: p("after"),
        before: p("before"),
        since: p("since"),
        until: p("until"),
    };
    let page = state
        .platform
        .list_media(token, &owner, &params, DEFAULT_LIMIT)
        .await?;
    let path = format!("/{}/{}/media", gr.version, node);
    let body = render_page(state, gr, &page, &sel, &path, &gr.params).await?;
    let res = answer(state, gr, &caller, body);
    Ok(caller.finish(res))
}

/// The children edge of an album.
pub async fn get_children(state: &AppState, gr: &GraphRequest, id: &str) -> Result<Response> {
    let caller = caller(state, gr, GraphHost::Instagram, false).await?;
    if let Some(res) = cached_answer(state, gr, &caller) {
        return Ok(caller.finish(res));
    }
    let sel = requested(gr, "id")?;
    check_media(&sel, instagram_api(&caller.token))?;
    let (album, children) = state.platform.get_children(&caller.token, id).await?;
    let owner = if wants(&sel, "username") {
        username_of(state, &album.owner_id).await?
    } else {
        None
    };
    let body = render_children(state, id, &children, &sel, owner.as_deref()).await?;
    let res = answer(state, gr, &caller, body);
    Ok(caller.finish(res))
}
