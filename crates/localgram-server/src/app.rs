//! The server as one service: every request to a Graph host goes down the Graph lane, everything
//! else through the router.
//!
//! A Graph call is the hot path. Through an axum router it would pass a route match and, per
//! middleware, a boxed copy of the route's service stack and a boxed future. The lane calls the
//! same middleware steps in the same order as the router's layers, as one future with
//! nothing boxed per layer: the access log and journal
//! ([`Logged`](crate::http::logging::Logged)), the body limit, the fault rules
//! ([`with_faults`](crate::faults::with_faults)), CORS
//! ([`Cors`](crate::routes::graph::browser::Cors)), then the host's dispatcher
//! ([`dispatch`](crate::routes::graph::dispatch)).
//!
//! The request time limit (408) is the connection's, for every request alike
//! ([`conn`](crate::conn)).

use crate::http::params::FORM_BODY_LIMIT;
use crate::state::AppState;
use crate::{faults, http, routes};
use axum::Router;
use axum::body::{Body, HttpBody as _};
use axum::extract::Request;
use axum::http::StatusCode;
use axum::response::{IntoResponse as _, Response};
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use tower::{Layer as _, ServiceBuilder, ServiceExt as _};
use tower_http::limit::RequestBodyLimitLayer;

/// The whole server: the Graph lane and the [`router`].
#[derive(Clone)]
pub struct App {
    router: Router,
    state: AppState,
}

impl App {
    /// The server over `state`.
    pub fn new(state: AppState) -> Self {
        Self {
            router: router(state.clone()),
            state,
        }
    }
}

impl crate::conn::App for App {
    fn serve(&self, req: Request) -> Pin<Box<dyn Future<Output = Response> + Send + '_>> {
        // Boxed here, where the answer's future is made: the futures around it (the
        // connection's, its time limit's) stay small, and moving them copies little.
        match routes::graph::host_of(req.uri().path()) {
            // The lane borrows the state: a call clones no handle that every connection's calls
            // share.
            Some(prefix) => Box::pin(graph_lane(&self.state, req, prefix)),
            None => Box::pin(async move {
                match self.router.clone().oneshot(req).await {
                    Ok(res) => res,
                    Err(never) => match never {},
                }
            }),
        }
    }
}

/// A Graph call: the router's layers, in their order, around the host's dispatcher. The access
/// log and CORS are each a step before the call and a step after it, so the call is one future,
/// with no future of their own.
async fn graph_lane(state: &AppState, req: Request, prefix: &'static str) -> Response {
    let (log, req) = http::logging::Logged::begin(req);
    let res = crate::error::with_trace_ids(state.trace_ids.clone(), async move {
        if !req.body().is_end_stream() {
            // Boxed: only a call with a body takes this arm, so its state (the body limit's
            // service) stays out of every other call's future.
            return Box::pin(with_body_limit(state, req, prefix)).await;
        }
        faulted_call(state, req, prefix).await
    })
    .await;
    log.end(state, res).await
}

/// A call with a body: the body limit, then the fault rules and the call.
async fn with_body_limit(state: &AppState, req: Request, prefix: &'static str) -> Response {
    let limited = RequestBodyLimitLayer::new(FORM_BODY_LIMIT).layer(tower::service_fn(
        |req: Request<_>| async move {
            Ok::<_, Infallible>(faulted_call(state, req.map(Body::new), prefix).await)
        },
    ));
    match limited.oneshot(req).await {
        Ok(res) => res.map(Body::new),
        Err(never) => match never {},
    }
}

/// The fault rules, then [`graph_call`]: what follows the body limit, with a body or without
/// (not an `async fn`, which would keep the future it returns once more in its own).
fn faulted_call<'a>(
    state: &'a AppState,
    req: Request,
    prefix: &'static str,
) -> impl Future<Output = Response> + Send + 'a {
    // With no rule installed this is one atomic load; the rules' work is boxed inside.
    faults::with_faults(state, req, move |req| graph_call(state, req, prefix))
}

/// CORS around the host's dispatcher.
async fn graph_call(state: &AppState, req: Request, prefix: &'static str) -> Response {
    let cors = routes::graph::browser::Cors::of(&req);
    if let Some(answer) = cors.preflight(&req) {
        return answer;
    }
    // Boxed: the dispatcher's future is the largest of the call's, and only this box holds it.
    cors.end(Box::pin(routes::graph::dispatch(state, req, prefix)).await)
}

/// The router: every host but the two Graph hosts under its prefix, the control plane and
/// static files.
pub fn router(state: AppState) -> Router {
    let public = Router::new()
        .nest("/api.instagram.com", routes::oauth::api_router())
        .nest("/www.instagram.com", routes::oauth::www_router())
        .nest("/www.facebook.com", routes::facebook::router())
        // One `layer` call per group: each call wraps every route in one more boxed service,
        // which axum clones on every request.
        .layer(
            ServiceBuilder::new()
                .layer(RequestBodyLimitLayer::new(FORM_BODY_LIMIT))
                .map_request(|req: axum::http::Request<_>| req.map(Body::new))
                .layer(axum::middleware::from_fn_with_state(
                    state.clone(),
                    faults::layer,
                )),
        );
    Router::new()
        .merge(public)
        .merge(routes::control::router(state.clone()))
        .merge(routes::control_faults::router(state.clone()))
        .merge(routes::control_webhooks::router(state.clone()))
        .merge(routes::state::router(state.clone()))
        .merge(routes::static_files::router())
        .merge(routes::media_files::router())
        .merge(routes::dashboard::router(state.clone()))
        .fallback(fallback)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            http::logging::log_requests,
        ))
        .with_state(state)
}

async fn fallback(uri: axum::http::Uri) -> Response {
    crate::error::ApiError::Control(
        StatusCode::NOT_FOUND,
        format!("no such endpoint: {}", uri.path()),
    )
    .into_response()
}
