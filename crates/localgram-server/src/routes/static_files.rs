//! `/static/*`: the stylesheet of the pages and the icon, served by Localgram itself (no external
//! assets). The icon is also at `/favicon.ico`, where browsers look for it unasked.

use crate::state::AppState;
use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::IntoResponse;
use axum::routing::get;

const STYLE: &str = include_str!("../../static/style.css");
/// The icon every page links (`<link rel="icon">`).
pub const FAVICON: &str = include_str!("../../static/favicon.svg");

/// `/static/style.css`, `/static/favicon.svg` and `/favicon.ico`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/static/style.css", get(get_style))
        .route("/static/favicon.svg", get(get_icon))
        .route("/favicon.ico", get(get_icon))
}

async fn get_style() -> impl IntoResponse {
    asset(STYLE, "text/css; charset=utf-8")
}

async fn get_icon() -> impl IntoResponse {
    asset(FAVICON, "image/svg+xml")
}

fn asset(body: &'static str, content_type: &'static str) -> axum::response::Response {
    let mut res = body.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
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
