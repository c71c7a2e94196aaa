//! `api.instagram.com` and `www.instagram.com`: the authorization window (login, consent) and the
//! code exchange.

pub mod access_token;
pub mod authorize;

use crate::state::AppState;
use axum::Router;
use localgram_core::oauth::Window;

/// The routes of `/api.instagram.com`.
pub fn api_router() -> Router<AppState> {
    authorize::router(Window::Api).merge(access_token::router())
}

/// The routes of `/www.instagram.com`.
pub fn www_router() -> Router<AppState> {
    authorize::router(Window::Www)
}
