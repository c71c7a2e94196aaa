//! The Instagram professional account through Facebook Login, on graph.facebook.com: the IG
//! User node, its `media` edge, the IG Media node and `children`, with the same node schemas
//! and renderers as graph.instagram.com ([`super::fields`], read as [`Api::FacebookLogin`]).
//! Who reaches what is decided in `localgram_core::linked`. Every read counts against the
//! Instagram account's Business Use Case limit for the app, as the Page's
//! `instagram_business_account` expansion does.

use super::call::{Caller, caller, graph_json_bytes};
use super::fields::{
    Api, check_media, check_user, output_fields, render_children, render_media, render_page,
    render_user, requested, username_of, wants,
};
use super::request::GraphRequest;
use crate::error::{ApiError, Result};
use crate::state::AppState;
use axum::response::Response;
use localgram_core::error::GraphHost;
use localgram_core::media::{DEFAULT_LIMIT, PageParams};
use localgram_core::model::IgMedia;
use localgram_core::profile::Profile;

/// Counts one read of an Instagram account against its Business Use Case limit for the app.
async fn count_account(state: &AppState, caller: &Caller, ig_user_id: &str) -> Result<()> {
    let counted = state
        .platform
        .count_instagram_account_call(&caller.token.app_id, ig_user_id)
        .await?;
    if let Some(e) = counted.throttled {
        return Err(ApiError::GraphWithUsage(e, counted.usage));
    }
    Ok(())
}

/// `GET /{ig-user-id}`: default field `id`.
pub async fn user_node(
    state: &AppState,
    gr: &GraphRequest,
    caller: Caller,
    profile: &Profile,
) -> Result<Response> {
    let sel = requested(gr, "id")?;
    check_user(&sel, Api::FacebookLogin)?;
    count_account(state, &caller, &profile.user.id).await?;
    let body = render_user(state, gr, &caller.token, profile, &sel).await?;
    Ok(caller.finish(graph_json_bytes(gr, body)))
}

/// `GET /{ig-media-id}`: default field `id`.
pub async fn media_node(
    state: &AppState,
    gr: &GraphRequest,
    caller: Caller,
    media: &IgMedia,
) -> Result<Response> {
    let sel = requested(gr, "id")?;
    check_media(&sel, Api::FacebookLogin)?;
    count_account(state, &caller, &media.owner_id).await?;
    let owner = if wants(&sel, "username") {
        username_of(state, &media.owner_id).await?
    } else {
        None
    };
    let mut body = Vec::with_capacity(1024);
    render_media(
        state,
        media,
        &output_fields(&sel),
        owner.as_deref(),
        0,
        &mut body,
    )
    .await?;
    Ok(caller.finish(graph_json_bytes(gr, body)))
}

/// `GET /{ig-user-id}/media`: the media edge with cursors, `limit`, `since` and `until`.
pub async fn media_edge(state: &AppState, gr: &GraphRequest, id: &str) -> Result<Response> {
    let caller = caller(state, gr, GraphHost::Facebook, false).await?;
    let profile = state.platform.linked_media_owner(&caller.token, id).await?;
    let sel = requested(gr, "id")?;
    check_media(&sel, Api::FacebookLogin)?;
    count_account(state, &caller, id).await?;
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
        .list_media(&caller.token, &profile.user.id, &params, DEFAULT_LIMIT)
        .await?;
    let path = format!("/{}/{}/media", gr.version, id);
    let body = render_page(state, gr, &page, &sel, &path, &gr.params).await?;
    Ok(caller.finish(graph_json_bytes(gr, body)))
}

/// `GET /{ig-media-id}/children`.
pub async fn children_edge(state: &AppState, gr: &GraphRequest, id: &str) -> Result<Response> {
    let caller = caller(state, gr, GraphHost::Facebook, false).await?;
    let (album, children) = state.platform.linked_children(&caller.token, id).await?;
    let sel = requested(gr, "id")?;
    check_media(&sel, Api::FacebookLogin)?;
    count_account(state, &caller, &album.owner_id).await?;
    let owner = if wants(&sel, "username") {
        username_of(state, &album.owner_id).await?
    } else {
        None
    };
    let body = render_children(state, id, &children, &sel, owner.as_deref()).await?;
    Ok(caller.finish(graph_json_bytes(gr, body)))
}
