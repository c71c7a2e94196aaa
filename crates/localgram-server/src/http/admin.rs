//! The guard of `/_localgram/*`: loopback peers only, unless an admin token is configured, in
//! which case `Authorization: Bearer <token>` is required from everyone.
//!
//! Before that, the checks that keep a web page in the user's browser from driving the control
//! plane (a page can send "simple" cross-origin requests without asking, and can point its own
//! host name at 127.0.0.1 by DNS rebinding):
//!
//! - the `Host` must be one of this server's names ([`host_allowed`]), else 421;
//! - a request with an `Origin` other than this server's, or with `Sec-Fetch-Site: cross-site`,
//!   is refused with 403 (except the OAuth callback page, a redirect target by design);
//! - a request with a body method (`POST`, `PUT`, `PATCH`, `DELETE`) must say
//!   `Content-Type: application/json` or `application/toml`, which a page cannot send across
//!   origins without a CORS preflight (never granted here), else 415.
//!
//! A request carrying the valid admin bearer passes the last two checks: a page can neither know
//! the token nor attach it across origins.

use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::IpAddr;

/// The credentials of an `Authorization` header whose scheme is `scheme` (compared without regard
/// to case, as RFC 9110 §11.1 says), trimmed; `None` for another scheme or no header.
pub fn authorization<'a>(headers: &'a HeaderMap, scheme: &str) -> Option<&'a str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (given, credentials) = value.trim_start().split_once(' ')?;
    given
        .eq_ignore_ascii_case(scheme)
        .then_some(credentials.trim())
}

/// Whether the request carries `Authorization: Bearer <expected>` (any case of `Bearer`).
pub fn has_admin_bearer(headers: &HeaderMap, expected: &str) -> bool {
    authorization(headers, "bearer")
        .is_some_and(|t| localgram_core::secret::constant_time_eq(t, expected))
}

/// The host name of a `Host` header or URI authority, lowercase, without the port (`[::1]` keeps
/// its brackets).
fn host_name(authority: &str) -> String {
    let name = if authority.starts_with('[') {
        authority
            .find(']')
            .map_or(authority, |end| &authority[..=end])
    } else {
        authority.split(':').next().unwrap_or(authority)
    };
    name.trim_end_matches('.').to_ascii_lowercase()
}

/// Whether the request's `Host` (or, without one, its URI authority) names this server: its
/// listen address, the public URL's host, `localhost` or one of the Meta host names it emulates.
/// When the server listens on every address (`0.0.0.0` or `::`), any IP address is one of its
/// names (an IP literal cannot be rebound to another server). A request naming no host at all
/// (HTTP/1.0) did not come from a browser and passes.
pub fn host_allowed(state: &AppState, headers: &HeaderMap, uri: &Uri) -> bool {
    let authority = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .or_else(|| uri.authority().map(|a| a.as_str()));
    let Some(authority) = authority else {
        return true;
    };
    let name = host_name(authority);
    if name == "localhost" || crate::http::host::HOSTS.contains(&name.as_str()) {
        return true;
    }
    let public = url::Url::parse(&state.public_url).ok().and_then(|u| {
        u.host_str()
            .map(|h| h.trim_end_matches('.').to_ascii_lowercase())
    });
    if public.as_deref() == Some(name.as_str()) {
        return true;
    }
    let listen = state.config.listen.ip();
    let literal = name
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>();
    match literal {
        Ok(ip) => ip == listen || listen.is_unspecified(),
        Err(_) => false,
    }
}

/// Whether a browser says the request comes from another site: an `Origin` other than this
/// server's, or `Sec-Fetch-Site: cross-site`.
pub fn cross_site(state: &AppState, headers: &HeaderMap) -> bool {
    let fetch_site = headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("cross-site"));
    fetch_site || !crate::session::same_origin(headers, state)
}

/// The content types a control-plane body may have.
fn is_control_content_type(headers: &HeaderMap) -> bool {
    let Some(ct) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = ct.split(';').next().unwrap_or("").trim();
    essence.eq_ignore_ascii_case("application/json")
        || essence.eq_ignore_ascii_case("application/toml")
}

/// The answer for a request whose `Host` is not one of this server's names.
pub fn misdirected() -> Response {
    ApiError::Control(
        StatusCode::MISDIRECTED_REQUEST,
        "the Host header does not name this server; set --public-url to the name clients use"
            .into(),
    )
    .into_response()
}

/// Admits or refuses a control-plane request.
pub async fn guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if !host_allowed(&state, req.headers(), req.uri()) {
        return misdirected();
    }
    let bearer = state
        .config
        .admin_token
        .as_deref()
        .is_some_and(|expected| has_admin_bearer(req.headers(), expected));
    let allowed = match &state.config.admin_token {
        Some(_) => bearer,
        None => crate::conn::Connection::is_loopback(),
    };
    if !allowed {
        return if state.config.admin_token.is_some() {
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
        };
    }
    if !bearer {
        let callback =
            req.method() == Method::GET && req.uri().path() == "/_localgram/oauth/callback";
        if !callback && cross_site(&state, req.headers()) {
            return ApiError::Control(
                StatusCode::FORBIDDEN,
                "the control API refuses requests from another site (Origin or Sec-Fetch-Site)"
                    .into(),
            )
            .into_response();
        }
        let has_body = matches!(
            *req.method(),
            Method::POST | Method::PUT | Method::PATCH | Method::DELETE
        );
        if has_body && !is_control_content_type(req.headers()) {
            return ApiError::Control(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "the control API takes Content-Type: application/json or application/toml".into(),
            )
            .into_response();
        }
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn authorization_schemes_ignore_case() {
        let mut h = HeaderMap::new();
        for v in ["Bearer t0k", "bearer t0k", "BEARER  t0k ", "bEaReR t0k"] {
            h.insert(header::AUTHORIZATION, HeaderValue::from_static(v));
            assert_eq!(authorization(&h, "bearer"), Some("t0k"), "{v}");
            assert!(has_admin_bearer(&h, "t0k"), "{v}");
            assert_eq!(authorization(&h, "basic"), None, "{v}");
        }
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearert0k"));
        assert_eq!(authorization(&h, "bearer"), None);
    }

    #[test]
    fn host_names_lose_their_port_and_case() {
        assert_eq!(host_name("LocalHost:8090"), "localhost");
        assert_eq!(host_name("[::1]:8090"), "[::1]");
        assert_eq!(host_name("127.0.0.1"), "127.0.0.1");
        assert_eq!(host_name("evil.example."), "evil.example");
    }

    #[test]
    fn control_content_types() {
        let mut h = HeaderMap::new();
        assert!(!is_control_content_type(&h));
        for (v, ok) in [
            ("application/json", true),
            ("Application/JSON; charset=utf-8", true),
            ("application/toml", true),
            ("text/plain", false),
            ("application/x-www-form-urlencoded", false),
            ("multipart/form-data; boundary=x", false),
            ("application/jsonp", false),
        ] {
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static(v));
            assert_eq!(is_control_content_type(&h), ok, "{v}");
        }
    }
}
