//! The two Graph hosts' dispatchers: graph.instagram.com and graph.facebook.com. Each request is
//! read once ([`request`]: version, segments, parameters, token), routed to its node, edge or
//! token handler, and answered with `facebook-api-version`, the Graph error envelope and the
//! browser presentation (`suppress_http_code`, JSONP). Handlers authenticate and answer through
//! [`call`]. This file only dispatches: no handler imports it.

pub mod browser;
pub mod call;
pub mod comments;
pub mod facebook;
pub mod fields;
pub mod json_out;
pub mod linked;
pub mod me;
pub mod media;
pub mod pages;
pub mod publishing;
pub mod request;
pub mod testusers;
pub mod token;
pub mod webhooks;

use crate::error::{ApiError, Result};
use crate::state::AppState;
use axum::extract::Request;
use axum::http::{HeaderMap, Method};
use axum::response::{IntoResponse, Response};
use browser::Presentation;
use call::with_version;
use localgram_core::error::{GraphError, GraphHost};
use request::{DEFAULT_VERSION, FACEBOOK_PREFIX, GraphRequest, INSTAGRAM_PREFIX, is_id};

/// The Graph host prefix (`INSTAGRAM_PREFIX` or `FACEBOOK_PREFIX`) a path is served under: the
/// prefix itself and every path below it.
pub fn host_of(path: &str) -> Option<&'static str> {
    [INSTAGRAM_PREFIX, FACEBOOK_PREFIX]
        .into_iter()
        .find(|prefix| {
            path.strip_prefix(prefix)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        })
}

/// Answers a request to the Graph host at `prefix` (from [`host_of`]): graph.instagram.com's
/// routes are below, graph.facebook.com's in [`facebook`]. Unknown paths answer in the Graph
/// envelope.
pub async fn dispatch(state: &AppState, req: Request, prefix: &'static str) -> Response {
    if prefix == INSTAGRAM_PREFIX {
        serve(state, req, INSTAGRAM_PREFIX, |gr, _| route(state, gr)).await
    } else {
        serve(state, req, FACEBOOK_PREFIX, |gr, headers| async move {
            facebook::route(state, gr, &headers).await
        })
        .await
    }
}

/// Reads a Graph request for the host at `prefix` (a POST's or DELETE's body included), routes
/// it, and writes the answer: `facebook-api-version`, the error envelope, the presentation.
async fn serve<F, Fut>(state: &AppState, req: Request, prefix: &'static str, route: F) -> Response
where
    F: FnOnce(GraphRequest, HeaderMap) -> Fut,
    Fut: std::future::Future<Output = Result<Response>>,
{
    let (parts, body) = req.into_parts();
    let body_params = if parts.method == Method::GET || parts.method == Method::HEAD {
        None
    } else {
        // Boxed: reading a body is not the hot path (GETs), and its future is large.
        match Box::pin(crate::http::params::body_params(Request::from_parts(
            parts.clone(),
            body,
        )))
        .await
        {
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
    let head = Request::from_parts(parts, axum::body::Body::empty());
    let mut presentation = Presentation::default();
    let (version, res) = match request::parse_request_with(&head, prefix, body_params) {
        Ok(mut gr) => {
            if prefix == INSTAGRAM_PREFIX {
                // First, before any read: what this request reads through the caches is then
                // never older than the last commit before it began.
                gr.generation = state.platform.data_version();
            }
            let version = gr.version.clone();
            match Presentation::of(&gr.params) {
                Ok(p) => {
                    presentation = p;
                    let (parts, _) = head.into_parts();
                    (version, route(gr, parts.headers).await)
                }
                Err(e) => (version, Err(ApiError::Graph(e))),
            }
        }
        Err(e) => {
            presentation = Presentation::of_query(head.uri().query());
            (DEFAULT_VERSION.into(), Err(ApiError::Graph(e)))
        }
    };
    let res = match res {
        Ok(r) => r,
        Err(e) => e.into_response(),
    };
    presentation.apply(with_version(res, &version)).await
}

/// Routes a parsed graph.instagram.com request: the reads (`/me`, a node, its media, the
/// tokens) here, everything else in [`route_rest`], boxed. A future is as large as its largest
/// arm, so the hot reads do not carry (and move) the writes' state.
async fn route(state: &AppState, gr: GraphRequest) -> Result<Response> {
    let segs: Vec<&str> = gr.segments.iter().map(String::as_str).collect();
    match (&gr.method, segs.as_slice()) {
        (&Method::GET, ["access_token"]) => token::get_access_token(state, &gr).await,
        (&Method::GET, ["refresh_access_token"]) => {
            token::get_refresh_access_token(state, &gr).await
        }
        (&Method::GET, ["me"]) => me::get_user(state, &gr, None).await,
        (&Method::GET, [id]) if is_id(id) => me::get_node(state, &gr, id).await,
        (&Method::GET, [node, "media"]) if *node == "me" || is_id(node) => {
            media::get_user_media(state, &gr, node).await
        }
        (&Method::GET, [id, "children"]) if is_id(id) => media::get_children(state, &gr, id).await,
        _ => Box::pin(route_rest(state, &gr)).await,
    }
}

/// The graph.instagram.com routes that are not [`route`]'s reads: publishing, webhooks,
/// comments, and the errors for paths nothing answers.
async fn route_rest(state: &AppState, gr: &GraphRequest) -> Result<Response> {
    let segs: Vec<&str> = gr.segments.iter().map(String::as_str).collect();
    match (gr.method.clone(), segs.as_slice()) {
        (Method::POST, [node, "media"]) if *node == "me" || is_id(node) => {
            publishing::create_container(state, gr, node, GraphHost::Instagram).await
        }
        (Method::POST, [node, "media_publish"]) if *node == "me" || is_id(node) => {
            publishing::publish(state, gr, node, GraphHost::Instagram).await
        }
        (Method::GET, [node, "content_publishing_limit"]) if *node == "me" || is_id(node) => {
            publishing::publishing_limit(state, gr, node, GraphHost::Instagram).await
        }
        (Method::GET | Method::POST | Method::DELETE, [node, "subscribed_apps"])
            if *node == "me" || is_id(node) =>
        {
            webhooks::subscribed_apps(state, gr, node, GraphHost::Instagram).await
        }
        (Method::GET, [id, "comments"]) if is_id(id) => {
            comments::list(state, gr, id, GraphHost::Instagram).await
        }
        (Method::POST, [id, "comments"]) if is_id(id) => {
            comments::create(state, gr, id, GraphHost::Instagram).await
        }
        (Method::GET, [id, "replies"]) if is_id(id) => {
            comments::replies(state, gr, id, GraphHost::Instagram).await
        }
        (Method::POST, [id, "replies"]) if is_id(id) => {
            comments::reply(state, gr, id, GraphHost::Instagram).await
        }
        (Method::POST, [id]) if is_id(id) => {
            comments::post_node(state, gr, id, GraphHost::Instagram).await
        }
        (Method::DELETE, [id]) if is_id(id) => {
            comments::delete(state, gr, id, GraphHost::Instagram).await
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
