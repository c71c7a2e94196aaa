//! `/static/*`: the stylesheet of the pages, served by Localgram itself (no external assets).

use crate::state::AppState;
use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::IntoResponse;
use axum::routing::get;

const STYLE: &str = include_str!("../../static/style.css");

/// `/static/style.css`.
pub fn router() -> Router<AppState> {
    Router::new().route("/static/style.css", get(get_style))
}

async fn get_style() -> impl IntoResponse {
    let mut res = STYLE.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/css; charset=utf-8"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    res
}
