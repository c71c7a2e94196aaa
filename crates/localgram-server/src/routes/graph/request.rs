//! A Graph request as both Graph hosts read it (`docs/graph-api.md#versions`): the optional
//! `/vNN.N/` version, the path segments (empty ones dropped, escapes decoded), the parameters of
//! the query and of a POST body, the token (query, form or `Authorization`, never two of them)
//! and the `?method=` override. The bottom floor of the Graph routes: it imports none of them.

use axum::extract::Request;
use axum::http::uri::PathAndQuery;
use axum::http::{HeaderMap, Method, header};
use localgram_core::error::GraphError;
use localgram_core::params::Params;
use std::borrow::Cow;

use crate::http::params::query_params;

/// The version an unversioned call is served as (the oldest Localgram treats as current).
pub const DEFAULT_VERSION: &str = "v22.0";

/// The prefix graph.instagram.com is mounted under.
pub const INSTAGRAM_PREFIX: &str = "/graph.instagram.com";

/// The prefix graph.facebook.com is mounted under.
pub const FACEBOOK_PREFIX: &str = "/graph.facebook.com";

/// A parsed Graph request.
#[derive(Debug)]
pub struct GraphRequest {
    /// The version served (`v21.0`, or [`DEFAULT_VERSION`], borrowed).
    pub version: Cow<'static, str>,
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
    /// The path and query as sent (host prefix included), for the answer cache (sharing the
    /// request's bytes).
    pub path_and_query: PathAndQuery,
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
    let mut segments: Vec<String> = localgram_core::ascii::split_on(path, b'/')
        .filter(|s| !s.is_empty())
        .map(percent_decode)
        .collect();
    let mut version = Cow::Borrowed(DEFAULT_VERSION);
    if let Some(first) = segments.first()
        && let Some(v) = parse_version(first)?
    {
        version = Cow::Owned(v);
        segments.remove(0);
    }
    let mut params = query_params(req.uri().query());
    if let Some(body) = body {
        params = params.followed_by(body.pairs());
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
            .cloned()
            .unwrap_or_else(|| PathAndQuery::from_static("/")),
        generation: None,
    })
}

pub(crate) fn percent_decode(s: &str) -> String {
    if memchr::memchr(b'%', s.as_bytes()).is_none() {
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

/// Whether a path segment is a node id (digits only).
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
