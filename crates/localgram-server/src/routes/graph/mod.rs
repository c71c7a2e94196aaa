//! graph.instagram.com: one dispatcher that parses the Graph path (optional `/vNN.N/` version,
//! tolerant of empty segments and a trailing slash), finds the token, and calls the node, edge or
//! token handler. Every response carries `facebook-api-version`; every error the Graph envelope.

pub mod browser;
pub mod comments;
pub mod facebook;
pub mod fields;
pub mod json_out;
pub mod linked;
pub mod me;
pub mod media;
pub mod pages;
pub mod publishing;
pub mod response_cache;
pub mod testusers;
pub mod token;
pub mod webhooks;

use crate::error::{ApiError, Result};
use crate::http::params::query_params;
use crate::state::AppState;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, any};
use localgram_core::error::{GraphError, GraphHost};
use localgram_core::params::Params;

/// The version an unversioned call is served as (the oldest Localgram treats as current).
pub const DEFAULT_VERSION: &str = "v22.0";

/// The prefix graph.instagram.com is mounted under.
pub const PREFIX: &str = "/graph.instagram.com";

/// `/graph.instagram.com` and everything under it.
pub fn instagram_router() -> Router<AppState> {
    host_router(PREFIX, any(dispatch))
}

/// `/graph.facebook.com` and everything under it (unknown paths answer in the Graph envelope).
pub fn facebook_router() -> Router<AppState> {
    host_router(facebook::PREFIX, any(facebook::dispatch))
}

/// `prefix` and every path under it, to `handler`. The routes carry the whole path rather than
/// being nested under the prefix: that spares every Graph call a nested router (a second route
/// match, and a rewrite of its URI), and [`parse_request_with`] drops the prefix itself.
/// Every route of a Graph host answers CORS ([`browser::cors`]).
fn host_router(prefix: &str, handler: MethodRouter<AppState>) -> Router<AppState> {
    Router::new()
        .route(prefix, handler.clone())
        .route(&format!("{prefix}/"), handler.clone())
        .route(&format!("{prefix}/{{*rest}}"), handler)
        .layer(axum::middleware::from_fn(browser::cors))
}

/// A parsed Graph request.
#[derive(Debug)]
pub struct GraphRequest {
    /// The version served (`v21.0`, or [`DEFAULT_VERSION`]).
    pub version: String,
    /// Path segments after the version, without empty ones.
    pub segments: Vec<String>,
    /// Query parameters.
    pub params: Params,
    /// The token string, from the query or an `Authorization` header.
    pub token: Option<String>,
    /// Whether the token came in the query string (2xx answers are then `private, no-store`).
    pub token_in_query: bool,
    /// The method, after `?method=` override.
    pub method: Method,
    /// The host prefix the request used (`/graph.instagram.com`), for paging links.
    pub prefix: &'static str,
    /// The path and query as sent (host prefix included), for [`response_cache`].
    pub path_and_query: String,
    /// The store's write generation, read before anything else of this request (on
    /// graph.instagram.com; `None` elsewhere, or when the backend has none).
    pub generation: Option<u64>,
}

/// Parses `vNN.N`; `Ok(None)` when the segment is not a version, an error for versions at or below
/// v2.0 (`docs/graph-api.md#versions`).
fn parse_version(seg: &str) -> Result<Option<String>, GraphError> {
    let Some(rest) = seg.strip_prefix('v') else {
        return Ok(None);
    };
    let Some((major, minor)) = rest.split_once('.') else {
        return Ok(None);
    };
    let (Ok(major), Ok(minor)) = (major.parse::<u32>(), minor.parse::<u32>()) else {
        return Ok(None);
    };
    if major < 2 || (major == 2 && minor == 0) {
        return Err(GraphError::deprecated_version());
    }
    Ok(Some(format!("v{major}.{minor}")))
}

fn header_token(headers: &HeaderMap) -> Option<String> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    (scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("oauth"))
        .then(|| token.trim().to_owned())
}

/// Parses a Graph request for the host mounted at `prefix` (its path starts with `prefix`);
/// `body` (a POST's form, multipart or JSON parameters) joins the query's parameters.
pub fn parse_request_with(
    req: &Request,
    prefix: &'static str,
    body: Option<Params>,
) -> Result<GraphRequest, GraphError> {
    let full = req.uri().path();
    let path = full.strip_prefix(prefix).unwrap_or(full);
    let mut segments: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(percent_decode)
        .collect();
    let mut version = DEFAULT_VERSION.to_owned();
    if let Some(first) = segments.first()
        && let Some(v) = parse_version(first)?
    {
        version = v;
        segments.remove(0);
    }
    let mut params = query_params(req.uri().query());
    if let Some(body) = body {
        let mut pairs = params.pairs().to_vec();
        pairs.extend(body.pairs().iter().cloned());
        params = Params::new(pairs);
    }
    let query_token = params
        .get("access_token")
        .map_err(|_| multiple_tokens())?
        .map(str::to_owned)
        // `access_token=` is a token that cannot be parsed, not an absent one
        // (`docs/robustness.md#malformed-tokens`).
        .or_else(|| params.has("access_token").then(String::new));
    let header_token = header_token(req.headers());
    let (token, token_in_query) = match (query_token, header_token) {
        (Some(_), Some(_)) => return Err(multiple_tokens()),
        (Some(t), None) => (Some(t), true),
        (None, h) => (h, false),
    };
    let method = match params
        .get("method")
        .ok()
        .flatten()
        .map(str::to_ascii_uppercase)
        .as_deref()
    {
        Some("POST") => Method::POST,
        Some("DELETE") => Method::DELETE,
        Some("GET") => Method::GET,
        _ => req.method().clone(),
    };
    Ok(GraphRequest {
        version,
        segments,
        params,
        token,
        token_in_query,
        method,
        prefix,
        path_and_query: req
            .uri()
            .path_and_query()
            .map_or(full, |p| p.as_str())
            .to_owned(),
        generation: None,
    })
}

pub(crate) fn percent_decode(s: &str) -> String {
    if !s.contains('%') {
        return s.to_owned();
    }
    form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

fn multiple_tokens() -> GraphError {
    GraphError::invalid_parameter(
        "(#100) The access token was sent more than once; send it in one place only (query, form or Authorization header)",
    )
}

/// A JSON answer with the Graph headers. Checks `appsecret_proof` and `appsecret_time`
/// (`docs/graph-api.md#appsecret-proof`) for a resolved token; a parameter sent twice is a wrong
/// proof.
pub async fn check_appsecret_proof(
    state: &AppState,
    gr: &GraphRequest,
    token: &localgram_core::model::TokenRecord,
    raw: &str,
) -> Result<()> {
    let get = |n: &str| {
        gr.params
            .get(n)
            .map_err(|_| GraphError::invalid_appsecret_proof())
    };
    state
        .platform
        .check_appsecret_proof(token, raw, get("appsecret_proof")?, get("appsecret_time")?)
        .await?;
    Ok(())
}

pub fn graph_json(gr: &GraphRequest, value: &serde_json::Value) -> Response {
    graph_json_bytes(gr, value.to_string().into_bytes())
}

/// A JSON body already written (see [`json_out`]), with the Graph response headers.
pub fn graph_json_bytes(gr: &GraphRequest, body: impl Into<axum::body::Bytes>) -> Response {
    let mut res = body.into().into_response();
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
    if let Ok(v) = HeaderValue::from_str(version) {
        res.headers_mut().insert("facebook-api-version", v);
    }
    res
}

async fn dispatch(State(state): State<AppState>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let body_params = if parts.method == Method::GET || parts.method == Method::HEAD {
        None
    } else {
        match crate::http::params::body_params(Request::from_parts(parts.clone(), body)).await {
            Ok(p) => Some(p),
            Err(e) => {
                return with_version(
                    ApiError::Graph(GraphError::invalid_parameter(format!(
                        "(#100) The request body cannot be read: {e}"
                    )))
                    .into_response(),
                    DEFAULT_VERSION,
                );
            }
        }
    };
    let req = Request::from_parts(parts, axum::body::Body::empty());
    let mut presentation = browser::Presentation::default();
    let (version, res) = match parse_request_with(&req, PREFIX, body_params) {
        Ok(mut gr) => {
            // First, before any read: what this request reads through the caches is then
            // never older than the last commit before it began.
            gr.generation = state.platform.store.data_version();
            let version = gr.version.clone();
            match browser::Presentation::of(&gr.params) {
                Ok(p) => {
                    presentation = p;
                    (version, route(&state, gr).await)
                }
                Err(e) => (version, Err(ApiError::Graph(e))),
            }
        }
        Err(e) => {
            presentation = presentation_of_query(req.uri().query());
            (DEFAULT_VERSION.to_owned(), Err(ApiError::Graph(e)))
        }
    };
    let mut res = match res {
        Ok(r) => r,
        Err(e) => e.into_response(),
    };
    if let Ok(v) = HeaderValue::from_str(&version) {
        res.headers_mut().insert("facebook-api-version", v);
    }
    presentation.apply(res).await
}

/// The presentation asked in a query string, for a request that could not be parsed (a
/// refused callback name is ignored there: the answer is an error already).
pub fn presentation_of_query(query: Option<&str>) -> browser::Presentation {
    browser::Presentation::of(&query_params(query)).unwrap_or_default()
}

/// An absolute paging link: the public URL and the host prefix (or the origin the request came
/// in on, `http/origin.rs`), `path`, then `params` (the
/// request's own, in order) without `after`/`before`, plus `cursor`.
pub fn paging_url(
    state: &AppState,
    gr: &GraphRequest,
    path: &str,
    params: &[(String, String)],
    cursor: (&str, &str),
) -> String {
    let mut ser = form_urlencoded::Serializer::new(String::new());
    for (k, v) in params {
        if k != "after" && k != "before" {
            ser.append_pair(k, v);
        }
    }
    ser.append_pair(cursor.0, cursor.1);
    format!(
        "{}{}?{}",
        crate::http::origin::host_url(state, gr.prefix),
        path,
        ser.finish()
    )
}

async fn route(state: &AppState, gr: GraphRequest) -> Result<Response> {
    let segs: Vec<&str> = gr.segments.iter().map(String::as_str).collect();
    match (gr.method.clone(), segs.as_slice()) {
        (Method::GET, ["access_token"]) => token::get_access_token(state, &gr).await,
        (Method::GET, ["refresh_access_token"]) => {
            token::get_refresh_access_token(state, &gr).await
        }
        (Method::GET, ["me"]) => me::get_user(state, &gr, None).await,
        (Method::GET, [id]) if is_id(id) => me::get_node(state, &gr, id).await,
        (Method::GET, [node, "media"]) if *node == "me" || is_id(node) => {
            media::get_user_media(state, &gr, node).await
        }
        (Method::GET, [id, "children"]) if is_id(id) => media::get_children(state, &gr, id).await,
        (Method::POST, [node, "media"]) if *node == "me" || is_id(node) => {
            publishing::create_container(state, &gr, node, GraphHost::Instagram).await
        }
        (Method::POST, [node, "media_publish"]) if *node == "me" || is_id(node) => {
            publishing::publish(state, &gr, node, GraphHost::Instagram).await
        }
        (Method::GET, [node, "content_publishing_limit"]) if *node == "me" || is_id(node) => {
            publishing::publishing_limit(state, &gr, node, GraphHost::Instagram).await
        }
        (Method::GET | Method::POST | Method::DELETE, [node, "subscribed_apps"])
            if *node == "me" || is_id(node) =>
        {
            webhooks::subscribed_apps(state, &gr, node, GraphHost::Instagram).await
        }
        (Method::GET, [id, "comments"]) if is_id(id) => {
            comments::list(state, &gr, id, GraphHost::Instagram).await
        }
        (Method::POST, [id, "comments"]) if is_id(id) => {
            comments::create(state, &gr, id, GraphHost::Instagram).await
        }
        (Method::GET, [id, "replies"]) if is_id(id) => {
            comments::replies(state, &gr, id, GraphHost::Instagram).await
        }
        (Method::POST, [id, "replies"]) if is_id(id) => {
            comments::reply(state, &gr, id, GraphHost::Instagram).await
        }
        (Method::POST, [id]) if is_id(id) => {
            comments::post_node(state, &gr, id, GraphHost::Instagram).await
        }
        (Method::DELETE, [id]) if is_id(id) => {
            comments::delete(state, &gr, id, GraphHost::Instagram).await
        }
        (Method::GET, [_node, edge, ..]) => Err(GraphError::unknown_path(edge).into()),
        (Method::GET, []) => Err(GraphError::unknown_path("").into()),
        (method, [node, ..]) => {
            Err(GraphError::unsupported_request(GraphHost::Instagram, method.as_str(), node).into())
        }
        (method, []) => {
            Err(GraphError::unsupported_request(GraphHost::Instagram, method.as_str(), "").into())
        }
    }
}

pub(crate) fn is_id(s: &str) -> bool {
    !s.is_empty() && s.len() <= 30 && s.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_at_or_below_2_0_are_retired() {
        assert_eq!(parse_version("v21.0").unwrap(), Some("v21.0".into()));
        assert_eq!(parse_version("v3.1").unwrap(), Some("v3.1".into()));
        assert_eq!(parse_version("v2.10").unwrap(), Some("v2.10".into()));
        assert_eq!(parse_version("me").unwrap(), None);
        assert_eq!(parse_version("v2.0").unwrap_err().code, 2635);
        assert_eq!(parse_version("v1.0").unwrap_err().code, 2635);
    }
}
