//! `GET /me` and `GET /{id}` (`docs/graph-api.md#user-node`, `docs/graph-api.md#media-node`): the
//! user node, or a media node when the id is one of the token's account's media. Without `fields`,
//! only `id`.

use super::fields::{
    Api, check_media, check_user, output_fields, render_media, render_user, requested, username_of,
    wants,
};
use super::{GraphRequest, graph_json_bytes};
use crate::error::{ApiError, Result, apply_usage};
use crate::http::logging::AppTag;
use crate::state::AppState;
use axum::response::Response;
use localgram_core::error::{GraphError, GraphHost};
use localgram_core::model::TokenRecord;
use localgram_core::rate::Usage;

/// A resolved token and the usage its call raised.
pub struct Caller {
    /// The token.
    pub token: std::sync::Arc<TokenRecord>,
    /// What the usage header says.
    pub usage: Usage,
}

impl Caller {
    /// Adds the usage header and the app tag to a response.
    pub fn finish(self, mut res: Response) -> Response {
        apply_usage(res.headers_mut(), &self.usage);
        if let Some(user) = self.token.subject.user_id() {
            res.extensions_mut()
                .insert(crate::http::logging::UserTag(user.to_owned()));
        }
        res.extensions_mut()
            .insert(AppTag(self.token.app_id.clone()));
        res
    }
}

/// Resolves the request's token (or the right "no token" error), then counts the call against
/// the rate limits; a throttled call is refused with its usage header.
pub async fn token(state: &AppState, gr: &GraphRequest, me: bool) -> Result<Caller> {
    let Some(raw) = gr.token.as_deref() else {
        return Err(if me {
            GraphError::no_token_for_me()
        } else {
            GraphError::no_token()
        }
        .into());
    };
    let token = state
        .platform
        .resolve_token_at(raw, GraphHost::Instagram, gr.generation)
        .await?;
    super::check_appsecret_proof(state, gr, &token, raw).await?;
    let counted = state.platform.count_call(&token).await?;
    if let Some(e) = counted.throttled {
        return Err(ApiError::GraphWithUsage(e, counted.usage));
    }
    Ok(Caller {
        token,
        usage: counted.usage,
    })
}

/// The answer to this request kept in the [`response_cache`](super::response_cache), if the
/// database has not changed since it was rendered for this caller.
pub fn cached_answer(state: &AppState, gr: &GraphRequest, caller: &Caller) -> Option<Response> {
    let generation = gr.generation?;
    let key = super::response_cache::key(&caller.token.id, &gr.path_and_query);
    let body = state.responses.get(&key, generation)?;
    Some(graph_json_bytes(gr, body))
}

/// A rendered answer, kept for the next identical request when the request read a generation.
pub fn answer(state: &AppState, gr: &GraphRequest, caller: &Caller, body: Vec<u8>) -> Response {
    let body = axum::body::Bytes::from(body);
    if let Some(generation) = gr.generation {
        let key = super::response_cache::key(&caller.token.id, &gr.path_and_query);
        state.responses.put(key, generation, body.clone());
    }
    graph_json_bytes(gr, body)
}

/// `/me`.
pub async fn get_user(state: &AppState, gr: &GraphRequest, id: Option<&str>) -> Result<Response> {
    let caller = token(state, gr, id.is_none()).await?;
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
    check_user(&sel, Api::of_instagram_token(&caller.token))?;
    let profile = state.platform.profile(&caller.token, id).await?;
    let body = render_user(state, gr, &caller.token, &profile, &sel).await?;
    let res = answer(state, gr, &caller, body.to_string().into_bytes());
    Ok(caller.finish(res))
}

/// `/{id}`: the token's own account, or one of its media. The token is resolved and counted once.
pub async fn get_node(state: &AppState, gr: &GraphRequest, id: &str) -> Result<Response> {
    let caller = token(state, gr, false).await?;
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
    check_media(&sel, Api::of_instagram_token(&caller.token))?;
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
