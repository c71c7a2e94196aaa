//! The guard of `/_localgram/*`: loopback peers only, unless an admin token is configured, in
//! which case `Authorization: Bearer <token>` is required from everyone.

use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;

/// Admits or refuses a control-plane request.
pub async fn guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let allowed = match &state.config.admin_token {
        Some(expected) => req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .is_some_and(|t| localgram_core::secret::constant_time_eq(t.trim(), expected)),
        None => req
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .is_some_and(|ConnectInfo(addr)| addr.ip().is_loopback()),
    };
    if allowed {
        next.run(req).await
    } else if state.config.admin_token.is_some() {
        ApiError::Control(
            StatusCode::UNAUTHORIZED,
            "the control API requires Authorization: Bearer <admin token>".into(),
        )
        .into_response()
    } else {
        ApiError::Control(
            StatusCode::FORBIDDEN,
            "the control API is reachable from the loopback only; set --admin-token to open it"
                .into(),
        )
        .into_response()
    }
}
