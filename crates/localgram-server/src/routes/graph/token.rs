//! `GET /access_token?grant_type=ig_exchange_token` and
//! `GET /refresh_access_token?grant_type=ig_refresh_token`
//! (`docs/graph-api.md#long-lived-exchange`, `docs/graph-api.md#refresh`).

use super::call::graph_json;
use super::request::GraphRequest;
use crate::error::{Result, no_store};
use crate::http::tags::AppTag;
use crate::state::AppState;
use axum::response::Response;
use localgram_core::tokens::IssuedToken;

fn token_response(gr: &GraphRequest, issued: IssuedToken) -> Response {
    let body = serde_json::json!({
        "access_token": issued.access_token.expose(),
        "token_type": "bearer",
        "expires_in": issued.expires_in,
    });
    let mut res = graph_json(gr, &body);
    no_store(res.headers_mut());
    res.extensions_mut().insert(AppTag(issued.app_id));
    res
}

/// The short-to-long exchange.
pub async fn get_access_token(state: &AppState, gr: &GraphRequest) -> Result<Response> {
    let p = |n| gr.params.get(n).ok().flatten();
    let issued = state
        .platform
        .exchange_long_lived(p("grant_type"), p("client_secret"), gr.token.as_deref())
        .await?;
    Ok(token_response(gr, issued))
}

/// The refresh.
pub async fn get_refresh_access_token(state: &AppState, gr: &GraphRequest) -> Result<Response> {
    let issued = state
        .platform
        .refresh(
            gr.params.get("grant_type").ok().flatten(),
            gr.token.as_deref(),
        )
        .await?;
    Ok(token_response(gr, issued))
}
