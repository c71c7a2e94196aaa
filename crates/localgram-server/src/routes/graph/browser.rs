//! What browsers need of the two Graph hosts (graph.facebook.com and graph.instagram.com), as
//! Meta serves them: CORS (preflights answered, every answer readable from any origin),
//! `suppress_http_code=1` (errors answered with status 200) and JSONP (`callback=NAME`).
//!
//! Only the Graph hosts' routes carry this layer: the Instagram token endpoint
//! (`api.instagram.com/oauth/access_token`) and the authorize windows are not readable from
//! another origin, on Meta as here.

use crate::error::ApiError;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use localgram_core::error::GraphError;
use localgram_core::params::Params;

/// The methods a preflight allows.
const ALLOW_METHODS: &str = "GET, POST, DELETE";
/// How long a browser may keep a preflight's answer (Chromium keeps at most two hours).
const MAX_AGE: &str = "86400";
/// The response headers a page may read besides the CORS-safelisted ones.
const EXPOSE_HEADERS: &str =
    "facebook-api-version, x-app-usage, x-business-use-case-usage, www-authenticate";
/// The longest JSONP callback name accepted.
const MAX_CALLBACK: usize = 128;

/// The CORS step of the Graph hosts: a preflight (`OPTIONS` with `Origin` and
/// `Access-Control-Request-Method`) is answered here with 200; every other answer gets
/// `Access-Control-Allow-Origin`: the request's `Origin` (with `Access-Control-Allow-Credentials`
/// and `Vary: Origin`, so credentialed requests work too), or `*` when it sent none. The Graph
/// lane (`crate::app`) runs it around its dispatcher in steps: what the request asks
/// ([`Cors::of`], [`Cors::preflight`]), then what the answer gets ([`Cors::end`]).
pub struct Cors {
    origin: Option<HeaderValue>,
}

impl Cors {
    /// Reads the request's `Origin`.
    pub fn of(req: &Request) -> Self {
        Self {
            origin: req.headers().get(header::ORIGIN).cloned(),
        }
    }

    /// The answer to `req` when it is a preflight: it is answered here, not dispatched.
    pub fn preflight(&self, req: &Request) -> Option<Response> {
        (req.method() == Method::OPTIONS
            && self.origin.is_some()
            && req
                .headers()
                .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD))
        .then(|| preflight(req.headers(), self.origin.clone()))
    }

    /// Adds the CORS headers to an answer.
    pub fn end(self, mut res: Response) -> Response {
        allow_origin(res.headers_mut(), self.origin);
        res.headers_mut().insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static(EXPOSE_HEADERS),
        );
        res
    }
}

fn allow_origin(h: &mut HeaderMap, origin: Option<HeaderValue>) {
    match origin {
        Some(o) => {
            h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, o);
            h.insert(
                header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
                HeaderValue::from_static("true"),
            );
            h.append(header::VARY, HeaderValue::from_static("Origin"));
        }
        None => {
            h.insert(
                header::ACCESS_CONTROL_ALLOW_ORIGIN,
                HeaderValue::from_static("*"),
            );
        }
    }
}

fn preflight(req: &HeaderMap, origin: Option<HeaderValue>) -> Response {
    let mut res = StatusCode::OK.into_response();
    let h = res.headers_mut();
    allow_origin(h, origin);
    h.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static(ALLOW_METHODS),
    );
    // The headers asked for (`authorization`, `content-type`, …) are allowed as asked, when
    // they are a plain list of header names.
    if let Some(asked) = req.get(header::ACCESS_CONTROL_REQUEST_HEADERS)
        && asked.to_str().is_ok_and(|s| {
            s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_, ".contains(&b))
        })
    {
        h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, asked.clone());
    }
    h.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static(MAX_AGE),
    );
    // Chromium asks before a page on a public origin calls a private address, as Localgram
    // usually is (Private Network Access); Meta's hosts are public and never asked.
    if req
        .get("access-control-request-private-network")
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"true"))
    {
        h.insert(
            "access-control-allow-private-network",
            HeaderValue::from_static("true"),
        );
    }
    h.insert(header::CONTENT_LENGTH, HeaderValue::from_static("0"));
    res
}

/// How an answer is presented: `suppress_http_code=1` and `callback=NAME`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Presentation {
    /// Errors are answered with status 200 (the body still says what went wrong).
    pub suppress_http_code: bool,
    /// The JSONP callback the body is wrapped in.
    pub callback: Option<String>,
}

/// Whether `name` is a JSONP callback Localgram will write into a script: a JavaScript name
/// path such as `cb`, `FB.__globalCallbacks.f1` or `jQuery123_456`, or `__gcb[1]`.
fn is_callback_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_CALLBACK
        && !name.as_bytes()[0].is_ascii_digit()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_$.[]".contains(&b))
}

impl Presentation {
    /// Reads `suppress_http_code` and `callback` from a request's parameters. A callback name
    /// that is not a plain JavaScript name is refused (it would be written into a script).
    pub fn of(params: &Params) -> Result<Self, GraphError> {
        let one = |n: &str| {
            params.get(n).map_err(|_| {
                GraphError::invalid_parameter(format!(
                    "(#100) The parameter {n} was given more than once"
                ))
            })
        };
        let suppress_http_code = matches!(one("suppress_http_code")?, Some("1" | "true"));
        let callback = match one("callback")? {
            None => None,
            Some(c) if is_callback_name(c) => Some(c.to_owned()),
            Some(_) => {
                return Err(GraphError::invalid_parameter(
                    "(#100) Param callback must be a JavaScript identifier (letters, digits, _, $, . and [ ])",
                ));
            }
        };
        Ok(Self {
            suppress_http_code,
            callback,
        })
    }

    /// Applies the presentation to an answer: with a callback, the body becomes
    /// `/**/ NAME(BODY);` as `text/javascript` with status 200 (a script cannot read a status);
    /// with `suppress_http_code`, an error keeps its body and headers and gets status 200.
    pub async fn apply(&self, res: Response) -> Response {
        if let Some(name) = &self.callback {
            let (mut parts, body) = res.into_parts();
            let bytes = match axum::body::to_bytes(body, usize::MAX).await {
                Ok(b) => b,
                Err(e) => {
                    tracing::error!(error = %e, "cannot read an answer to wrap it in a callback");
                    return ApiError::Graph(GraphError::internal()).into_response();
                }
            };
            let mut out = Vec::with_capacity(bytes.len() + name.len() + 8);
            out.extend_from_slice(b"/**/ ");
            out.extend_from_slice(name.as_bytes());
            out.push(b'(');
            out.extend_from_slice(&bytes);
            out.extend_from_slice(b");");
            parts.status = StatusCode::OK;
            parts.headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/javascript; charset=UTF-8"),
            );
            parts.headers.remove(header::CONTENT_LENGTH);
            return Response::from_parts(parts, Body::from(out));
        }
        let mut res = res;
        if self.suppress_http_code && !res.status().is_success() {
            *res.status_mut() = StatusCode::OK;
        }
        res
    }
}

impl Presentation {
    /// The presentation asked in a query string, for a request that could not be parsed (a
    /// refused callback name is ignored there: the answer is an error already).
    pub fn of_query(query: Option<&str>) -> Self {
        Self::of(&crate::http::params::query_params(query)).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callback_names_are_javascript_name_paths_only() {
        for ok in [
            "cb",
            "FB.__globalCallbacks.f1",
            "jQuery1234_5678",
            "$x",
            "__gcb[1]",
        ] {
            assert!(is_callback_name(ok), "{ok}");
        }
        for bad in [
            "", "1cb", "alert(1)", "a;b", "a b", "<script>", "a\"b", "a/b",
        ] {
            assert!(!is_callback_name(bad), "{bad}");
        }
        assert!(!is_callback_name(&"a".repeat(MAX_CALLBACK + 1)));
    }

    #[test]
    fn presentation_reads_suppress_and_callback() {
        let p = |pairs: &[(&str, &str)]| {
            Presentation::of(&Params::new(
                pairs
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                    .collect(),
            ))
        };
        assert_eq!(p(&[]).unwrap(), Presentation::default());
        assert!(
            p(&[("suppress_http_code", "1")])
                .unwrap()
                .suppress_http_code
        );
        assert!(
            !p(&[("suppress_http_code", "0")])
                .unwrap()
                .suppress_http_code
        );
        assert_eq!(
            p(&[("callback", "cb")]).unwrap().callback.as_deref(),
            Some("cb")
        );
        assert_eq!(p(&[("callback", "x(1)")]).unwrap_err().code, 100);
    }
}
