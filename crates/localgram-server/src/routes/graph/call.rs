//! The one boundary of a Graph call on the server side, for both Graph hosts: the caller
//! (authenticated by `localgram_core::call`), the usage header and app tags it puts on the
//! answer, the answer cache (`crate::response_cache`), and the JSON answer with the Graph
//! headers and paging links. Every Graph handler answers through here.

use super::request::GraphRequest;
use crate::error::{ApiError, Result, apply_usage};
use crate::http::tags::CallerTag;
use crate::state::AppState;
use axum::http::{HeaderValue, header};
use axum::response::Response;
use localgram_core::call::{Authenticated, Credentials, Refused};
use localgram_core::error::GraphHost;
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
    /// Adds the usage header and the caller's tag (its app and user) to a response.
    pub fn finish(self, mut res: Response) -> Response {
        apply_usage(res.headers_mut(), &self.usage);
        res.extensions_mut().insert(CallerTag(self.token));
        res
    }
}

/// Authenticates the call (`localgram_core::call`): the token of `host`, its proof, the rate
/// count; a throttled call is refused with its usage header. `me`: the call names `/me`.
pub async fn caller(
    state: &AppState,
    gr: &GraphRequest,
    host: GraphHost,
    me: bool,
) -> Result<Caller> {
    let cred = Credentials {
        token: gr.token.as_deref(),
        appsecret_proof: gr.params.get("appsecret_proof").map_err(drop),
        appsecret_time: gr.params.get("appsecret_time").map_err(drop),
        generation: gr.generation,
    };
    match state.platform.authenticate_call(host, me, &cred).await {
        Ok(Authenticated { token, usage }) => Ok(Caller { token, usage }),
        Err(Refused::Graph(e)) => Err(e.into()),
        Err(Refused::Throttled(e, usage)) => Err(ApiError::GraphWithUsage(e, usage)),
    }
}

/// The answer to this request kept in the [`response_cache`](crate::response_cache), if the
/// database has not changed since it was rendered for this caller.
pub fn cached_answer(state: &AppState, gr: &GraphRequest, caller: &Caller) -> Option<Response> {
    let generation = gr.generation?;
    let body =
        crate::response_cache::with_key(&caller.token.id, gr.path_and_query.as_str(), |k| {
            state.responses.get(k, generation)
        })?;
    Some(graph_json_bytes(gr, body))
}

/// A rendered answer, kept for the next identical request when the request read a generation.
pub fn answer(state: &AppState, gr: &GraphRequest, caller: &Caller, body: Vec<u8>) -> Response {
    let body = axum::body::Bytes::from(body);
    if let Some(generation) = gr.generation {
        let key = crate::response_cache::key(&caller.token.id, gr.path_and_query.as_str());
        state.responses.put(key, generation, body.clone());
    }
    graph_json_bytes(gr, body)
}

/// A JSON value as the answer, with the Graph headers.
pub fn graph_json(gr: &GraphRequest, value: &serde_json::Value) -> Response {
    graph_json_bytes(gr, value.to_string().into_bytes())
}

/// A JSON body already written (see [`json_out`]), with the Graph response headers.
pub fn graph_json_bytes(gr: &GraphRequest, body: impl Into<axum::body::Bytes>) -> Response {
    let mut res = Response::new(axum::body::Body::from(body.into()));
    // Room for every header a Graph answer gets (type, caching, version, usage, CORS, trace),
    // so that none of them makes the map grow and rehash.
    *res.headers_mut() = axum::http::HeaderMap::with_capacity(12);
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=UTF-8"),
    );
    if gr.token_in_query {
        h.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-store"),
        );
    }
    res
}

/// Adds `facebook-api-version` to an answer.
pub fn with_version(mut res: Response, version: &str) -> Response {
    const FACEBOOK_API_VERSION: header::HeaderName =
        header::HeaderName::from_static("facebook-api-version");
    let value = if version == super::request::DEFAULT_VERSION {
        Ok(HeaderValue::from_static(super::request::DEFAULT_VERSION))
    } else {
        HeaderValue::from_str(version)
    };
    if let Ok(v) = value {
        res.headers_mut().insert(FACEBOOK_API_VERSION, v);
    }
    res
}

/// An absolute paging link: the public URL and the host prefix (or the origin the request came
/// in on, `http/origin.rs`), `path`, then `params` (the
/// request's own, in order) without `after`/`before`, plus `cursor`.
pub fn paging_url(
    state: &AppState,
    gr: &GraphRequest,
    path: &str,
    params: &localgram_core::params::Params,
    cursor: (&str, &str),
) -> String {
    let mut ser = form_urlencoded::Serializer::new(String::new());
    for (k, v) in params.pairs() {
        if k != "after" && k != "before" {
            ser.append_pair(k, v);
        }
    }
    ser.append_pair(cursor.0, cursor.1);
    format!(
        "{}{}?{}",
        crate::http::origin::host_url(&state.public_url, gr.prefix),
        path,
        ser.finish()
    )
}
