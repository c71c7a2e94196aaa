//! `GET /me` and `GET /{id}` (`docs/graph-api.md#user-node`, `docs/graph-api.md#media-node`): the
//! user node, or a media node when the id is one of the token's account's media. Without `fields`,
//! only `id`.

use super::call::{Caller, answer, cached_answer, caller};
use super::fields::{
    check_media, check_user, instagram_api, output_fields, render_media, render_user, requested,
    username_of, wants,
};
use super::request::GraphRequest;
use crate::error::Result;
use crate::state::AppState;
use axum::response::Response;
use localgram_core::error::GraphHost;

/// `/me`.
pub async fn get_user(state: &AppState, gr: &GraphRequest, id: Option<&str>) -> Result<Response> {
    let caller = caller(state, gr, GraphHost::Instagram, id.is_none()).await?;
    user_for(state, gr, caller, id).await
}

/// The user node, for a caller already counted.
async fn user_for(
    state: &AppState,
    gr: &GraphRequest,
    caller: Caller,
    id: Option<&str>,
) -> Result<Response> {
    if let Some(res) = cached_answer(state, gr, &caller) {
        return Ok(caller.finish(res));
    }
    let sel = requested(gr, "id")?;
    check_user(&sel, instagram_api(&caller.token))?;
    let profile = state.platform.profile(&caller.token, id).await?;
    let body = render_user(state, gr, &caller.token, &profile, &sel).await?;
    let res = answer(state, gr, &caller, body);
    Ok(caller.finish(res))
}

/// `/{id}`: the token's own account, or one of its media. The token is resolved and counted once.
pub async fn get_node(state: &AppState, gr: &GraphRequest, id: &str) -> Result<Response> {
    let caller = caller(state, gr, GraphHost::Instagram, false).await?;
    if caller.token.subject.user_id() == Some(id) {
        return user_for(state, gr, caller, Some(id)).await;
    }
    if let Some(res) =
        super::publishing::container_node(state, gr, &caller, id, GraphHost::Instagram).await?
    {
        return Ok(caller.finish(res));
    }
    if let Some(res) =
        super::comments::comment_node(state, gr, &caller, id, GraphHost::Instagram).await?
    {
        return Ok(caller.finish(res));
    }
    if let Some(res) = cached_answer(state, gr, &caller) {
        return Ok(caller.finish(res));
    }
    let sel = requested(gr, "id")?;
    let media = state.platform.get_media(&caller.token, id).await?;
    check_media(&sel, instagram_api(&caller.token))?;
    let owner = if wants(&sel, "username") {
        username_of(state, &media.owner_id).await?
    } else {
        None
    };
    let mut body = Vec::with_capacity(1024);
    render_media(
        state,
        &media,
        &output_fields(&sel),
        owner.as_deref(),
        0,
        &mut body,
    )
    .await?;
    let res = answer(state, gr, &caller, body);
    Ok(caller.finish(res))
}
