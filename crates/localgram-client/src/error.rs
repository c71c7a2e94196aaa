//! The SDK's one error type, [`ClientError`], and the classification of Graph errors.
//!
//! Every fallible function of this crate returns [`Result<T>`](crate::Result), whose error is
//! [`ClientError`]. Its `Debug` and `Display` output never contains an access token, an app
//! secret or an authorization code: URLs are stripped from transport errors and response
//! excerpts are redacted.

use std::fmt;
use std::time::{Duration, SystemTime};

use localgram_types::{GraphErrorBody, GraphErrorDetail, InstagramOAuthErrorBody};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde::Deserialize;

use crate::usage::Usage;
use crate::util::Redactor;

/// The crate's result alias.
pub type Result<T, E = ClientError> = std::result::Result<T, E>;

/// Everything that can go wrong in a call.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The Graph API answered with its error envelope (`{"error": {…}}`), on
    /// graph.instagram.com or graph.facebook.com.
    #[error("Graph API error (HTTP {status}): {error}")]
    Api {
        /// The HTTP status (usually 400; 500 for codes 1 and 2).
        status: StatusCode,
        /// The parsed error and its classification.
        error: Box<GraphError>,
        /// The response headers (usage headers, `WWW-Authenticate`, …).
        headers: Box<HeaderMap>,
    },
    /// The Instagram OAuth endpoint answered with its flat envelope
    /// (`{"error_type", "code", "error_message"}`), e.g. a reused code.
    #[error("Instagram OAuth error (HTTP {status}): {}", error.error_message)]
    OAuth {
        /// The HTTP status (400).
        status: StatusCode,
        /// The parsed envelope.
        error: Box<InstagramOAuthErrorBody>,
        /// The response headers.
        headers: Box<HeaderMap>,
    },
    /// The authorization redirect carried an error (`error=access_denied&error_reason=user_denied…`).
    #[error("authorization failed: {error}{}", description.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
    Denied {
        /// `error`, e.g. `access_denied`.
        error: String,
        /// `error_reason`, e.g. `user_denied`.
        reason: Option<String>,
        /// `error_description`, decoded (`The user denied your request`).
        description: Option<String>,
    },
    /// The redirect's `state` is missing or differs from the one sent: possible CSRF, the code
    /// must not be used.
    #[error("the redirect's state does not match the authorization request")]
    StateMismatch,
    /// The redirect URL could not be understood (no code and no error, or not a URL).
    #[error("invalid redirect: {0}")]
    Redirect(String),
    /// A non-success status whose body is neither Graph nor Instagram OAuth envelope (a proxy's
    /// 502, a bare 429, …).
    #[error("unexpected HTTP status {status}: {body_snippet}")]
    Status {
        /// The status.
        status: StatusCode,
        /// The start of the body, secrets masked.
        body_snippet: String,
        /// The response headers.
        headers: Box<HeaderMap>,
    },
    /// The request could not be sent or its response not read (connection refused, timeout, …).
    /// The URL is removed from the error because it carries the token.
    #[error("HTTP error: {0}")]
    Http(#[source] reqwest::Error),
    /// An error from a custom [`HttpClient`](crate::http::HttpClient).
    #[error("transport error: {0}")]
    Transport(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// A success response whose body does not have the expected shape.
    #[error("could not decode the response at `{path}`: {message}; body: {body_snippet}")]
    Decode {
        /// Where in the document decoding failed (`data[3].media_count`), from
        /// `serde_path_to_error`.
        path: String,
        /// What was wrong, secrets masked.
        message: String,
        /// The start of the body, secrets masked.
        body_snippet: String,
    },
    /// Paging went in circles: the server handed back a `next` link or `after` cursor it had
    /// already given, or only empty pages for too long.
    #[error("paging loop detected: {detail}")]
    PagingLoop {
        /// What repeated.
        detail: String,
    },
    /// The stored token has expired and can no longer be refreshed: log in again.
    #[error("the access token expired and cannot be refreshed")]
    TokenExpired {
        /// When it expired.
        expired_at: SystemTime,
    },
    /// The call's arguments were refused before anything was sent.
    #[error("invalid request: {0}")]
    Input(String),
    /// The client is not configured for this call (no token, no app id, bad base URL, …).
    #[error("configuration error: {0}")]
    Config(String),
}

impl ClientError {
    /// Wraps a `reqwest` error, dropping its URL (which carries the token).
    pub fn http(error: reqwest::Error) -> Self {
        Self::Http(error.without_url())
    }

    /// The Graph error, when the server sent one.
    pub fn graph_error(&self) -> Option<&GraphError> {
        match self {
            Self::Api { error, .. } => Some(error),
            _ => None,
        }
    }

    /// The HTTP status, when a response arrived.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Self::Api { status, .. } | Self::OAuth { status, .. } | Self::Status { status, .. } => {
                Some(*status)
            }
            _ => None,
        }
    }

    /// The response headers, when a response arrived.
    pub fn headers(&self) -> Option<&HeaderMap> {
        match self {
            Self::Api { headers, .. }
            | Self::OAuth { headers, .. }
            | Self::Status { headers, .. } => Some(headers),
            _ => None,
        }
    }

    /// The usage headers of the failed response, if any arrived.
    pub fn usage(&self) -> Option<Usage> {
        self.headers().map(Usage::from_headers)
    }

    /// What kind of failure this is, for responses and transport failures that have one.
    pub fn class(&self) -> Option<ErrorClass> {
        match self {
            Self::Api { error, .. } => Some(error.class),
            Self::OAuth { .. } => Some(ErrorClass::InvalidRequest),
            Self::Status {
                status, headers, ..
            } => match *status {
                StatusCode::TOO_MANY_REQUESTS => Some(ErrorClass::Throttled {
                    retry_after: Usage::from_headers(headers).time_to_regain_access(),
                }),
                StatusCode::BAD_GATEWAY
                | StatusCode::SERVICE_UNAVAILABLE
                | StatusCode::GATEWAY_TIMEOUT => Some(ErrorClass::Transient),
                StatusCode::UNAUTHORIZED => Some(ErrorClass::Auth(AuthRemedy::ReLogin)),
                StatusCode::FORBIDDEN => Some(ErrorClass::Permission),
                StatusCode::NOT_FOUND => Some(ErrorClass::NotFound),
                s if s.is_client_error() => Some(ErrorClass::InvalidRequest),
                _ => None,
            },
            Self::Http(e) if e.is_connect() || e.is_timeout() => Some(ErrorClass::Transient),
            Self::TokenExpired { .. } => Some(ErrorClass::Auth(AuthRemedy::ReLogin)),
            Self::Denied { .. } | Self::StateMismatch => {
                Some(ErrorClass::Auth(AuthRemedy::ReLogin))
            }
            _ => None,
        }
    }

    /// Whether sending the same request again later may succeed: Graph codes 1 and 2 (and any
    /// error flagged `is_transient` that is not otherwise classified), the rate-limit codes when
    /// `is_transient` is set, HTTP 429 / 502 / 503 / 504, and connection failures or timeouts.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Api { error, .. } => error.is_retryable(),
            Self::Status { status, .. } => matches!(
                *status,
                StatusCode::TOO_MANY_REQUESTS
                    | StatusCode::BAD_GATEWAY
                    | StatusCode::SERVICE_UNAVAILABLE
                    | StatusCode::GATEWAY_TIMEOUT
            ),
            Self::Http(e) => e.is_connect() || e.is_timeout(),
            _ => false,
        }
    }

    /// How long the server asked to wait, from the usage headers or `Retry-After`.
    pub fn retry_after(&self) -> Option<Duration> {
        match self.class() {
            Some(ErrorClass::Throttled { retry_after }) => retry_after,
            _ => self.usage().and_then(|u| u.time_to_regain_access()),
        }
    }
}

/// What a caller should do about an authentication failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AuthRemedy {
    /// The token expired (code 190, subcode 463): get a fresh one — from a
    /// [`TokenKeeper`](crate::TokenKeeper) or a refresh while another long-lived token is still
    /// valid — or else log in again.
    Refresh,
    /// The token is invalid, revoked, or the session was invalidated (password change,
    /// checkpoint, app removed, …): the user has to log in again.
    ReLogin,
}

/// The classification of an error, deciding what to do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorClass {
    /// Authentication failed (codes 190 and 102, with their subcodes).
    Auth(AuthRemedy),
    /// A rate limit tripped (codes 4, 17, 32, 341, 613, 3950, 80000–80009; HTTP 429).
    Throttled {
        /// How long the usage headers (`estimated_time_to_regain_access`) or `Retry-After` ask
        /// to wait, when they say.
        retry_after: Option<Duration>,
    },
    /// A permission is missing or was removed (codes 3, 10, 200–299).
    Permission,
    /// The object does not exist, is not visible, or does not support the operation
    /// (code 100 with subcode 33).
    NotFound,
    /// The request itself is wrong: bad parameter or field (100), bad query syntax (2500),
    /// missing parameter (194), deprecated version (2635), …
    InvalidRequest,
    /// A temporary server-side problem (codes 1 and 2, or any error flagged `is_transient`).
    Transient,
    /// The action was blocked for policy reasons (code 368): wait, do not retry automatically.
    Blocked,
    /// Anything else.
    Other,
}

impl ErrorClass {
    /// Classifies a Graph error from its code, subcode, `is_transient` flag and the usage headers
    /// of its response.
    pub fn from_graph(
        code: i64,
        subcode: Option<i64>,
        is_transient: Option<bool>,
        usage: &Usage,
    ) -> Self {
        match code {
            190 | 102 => match subcode {
                Some(463) => Self::Auth(AuthRemedy::Refresh),
                _ => Self::Auth(AuthRemedy::ReLogin),
            },
            1 | 2 => Self::Transient,
            4 | 17 | 32 | 341 | 613 | 3950 | 80000..=80009 => Self::Throttled {
                retry_after: usage.time_to_regain_access(),
            },
            3 | 10 | 200..=299 => Self::Permission,
            100 if subcode == Some(33) => Self::NotFound,
            803 => Self::NotFound,
            368 => Self::Blocked,
            100 | 104 | 105 | 110 | 152 | 194 | 506 | 2500 | 2635 | 2642 => Self::InvalidRequest,
            _ if is_transient == Some(true) => Self::Transient,
            _ => Self::Other,
        }
    }
}

/// A Graph API error: the `error` object of the envelope, plus its classification.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct GraphError {
    /// The error as sent (`message`, `type`, `code`, `error_subcode`, `is_transient`,
    /// `error_user_title`, `error_user_msg`, `fbtrace_id`).
    pub detail: GraphErrorDetail,
    /// What kind of error it is.
    pub class: ErrorClass,
}

impl GraphError {
    /// Builds the error from the envelope's inside and the response's usage headers.
    pub fn new(detail: GraphErrorDetail, usage: &Usage) -> Self {
        let class = ErrorClass::from_graph(
            detail.code,
            detail.error_subcode,
            detail.is_transient,
            usage,
        );
        Self { detail, class }
    }

    /// The Graph error code (`190`, `100`, …).
    pub fn code(&self) -> i64 {
        self.detail.code
    }

    /// The subcode (`463`, `33`, …), when there is one.
    pub fn subcode(&self) -> Option<i64> {
        self.detail.error_subcode
    }

    /// The error type (`OAuthException`, `GraphMethodException`, `IGApiException`).
    pub fn error_type(&self) -> &str {
        &self.detail.error_type
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.detail.message
    }

    /// The trace id to quote to Meta's support (empty if the server sent none).
    pub fn fbtrace_id(&self) -> &str {
        &self.detail.fbtrace_id
    }

    /// The `is_transient` flag; absent counts as `false`.
    pub fn is_transient(&self) -> bool {
        self.detail.is_transient.unwrap_or(false)
    }

    /// The classification.
    pub fn class(&self) -> ErrorClass {
        self.class
    }

    /// Whether an automatic retry may help: transient errors always; rate limits only when the
    /// server flagged them `is_transient` (a quota error such as 17/2446079 with
    /// `is_transient: false` is not retried).
    pub fn is_retryable(&self) -> bool {
        match self.class {
            ErrorClass::Transient => true,
            ErrorClass::Throttled { .. } => self.is_transient(),
            _ => false,
        }
    }
}

impl fmt::Display for GraphError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (code {}", self.detail.message, self.detail.code)?;
        if let Some(sub) = self.detail.error_subcode {
            write!(f, ", subcode {sub}")?;
        }
        write!(f, ", type {}", self.detail.error_type)?;
        if !self.detail.fbtrace_id.is_empty() {
            write!(f, ", fbtrace_id {}", self.detail.fbtrace_id)?;
        }
        f.write_str(")")
    }
}

/// The Graph envelope, read leniently (a proxy or an old host may omit `type` or `fbtrace_id`).
#[derive(Deserialize)]
struct LenientEnvelope {
    error: LenientDetail,
}

#[derive(Deserialize)]
struct LenientDetail {
    #[serde(default)]
    message: Option<String>,
    #[serde(rename = "type", default)]
    error_type: Option<String>,
    code: i64,
    #[serde(default)]
    error_subcode: Option<i64>,
    #[serde(default)]
    is_transient: Option<bool>,
    #[serde(default)]
    error_user_title: Option<String>,
    #[serde(default)]
    error_user_msg: Option<String>,
    #[serde(default)]
    fbtrace_id: Option<String>,
}

fn parse_graph_error(body: &[u8]) -> Option<GraphErrorDetail> {
    if let Ok(strict) = serde_json::from_slice::<GraphErrorBody>(body) {
        return Some(strict.error);
    }
    let lenient: LenientEnvelope = serde_json::from_slice(body).ok()?;
    let e = lenient.error;
    Some(GraphErrorDetail {
        message: e.message.unwrap_or_default(),
        error_type: e.error_type.unwrap_or_default(),
        code: e.code,
        error_subcode: e.error_subcode,
        is_transient: e.is_transient,
        error_user_title: e.error_user_title,
        error_user_msg: e.error_user_msg,
        fbtrace_id: e.fbtrace_id.unwrap_or_default(),
    })
}

/// Turns a non-success response into the matching error.
pub(crate) fn error_from_response(
    status: StatusCode,
    headers: HeaderMap,
    body: &[u8],
    redactor: &Redactor,
) -> ClientError {
    if let Some(mut detail) = parse_graph_error(body) {
        detail.message = redactor.text(&detail.message);
        let usage = Usage::from_headers(&headers);
        return ClientError::Api {
            status,
            error: Box::new(GraphError::new(detail, &usage)),
            headers: Box::new(headers),
        };
    }
    if let Ok(mut oauth) = serde_json::from_slice::<InstagramOAuthErrorBody>(body) {
        oauth.error_message = redactor.text(&oauth.error_message);
        return ClientError::OAuth {
            status,
            error: Box::new(oauth),
            headers: Box::new(headers),
        };
    }
    ClientError::Status {
        status,
        body_snippet: redactor.snippet(body),
        headers: Box::new(headers),
    }
}

/// Decodes a success body, reporting the failing path.
pub(crate) fn decode<T: serde::de::DeserializeOwned>(
    body: &[u8],
    redactor: &Redactor,
) -> Result<T> {
    let mut de = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        ClientError::Decode {
            path,
            message: redactor.text(&e.into_inner().to_string()),
            body_snippet: redactor.snippet(body),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lenient_envelope_fills_missing_members() {
        let detail =
            parse_graph_error(br#"{"error":{"code":2,"message":"Service unavailable"}}"#).unwrap();
        assert_eq!(detail.code, 2);
        assert_eq!(detail.fbtrace_id, "");
    }

    #[test]
    fn non_envelope_bodies_become_status_errors() {
        let e = error_from_response(
            StatusCode::BAD_GATEWAY,
            HeaderMap::new(),
            b"<html>bad gateway</html>",
            &Redactor::default(),
        );
        assert!(matches!(e, ClientError::Status { .. }));
        assert!(e.is_transient());
    }

    #[test]
    fn display_shows_code_subcode_and_trace() {
        let e = error_from_response(
            StatusCode::BAD_REQUEST,
            HeaderMap::new(),
            br#"{"error":{"message":"Error validating access token","type":"OAuthException","code":190,"error_subcode":463,"fbtrace_id":"AbC"}}"#,
            &Redactor::default(),
        );
        assert_eq!(
            e.to_string(),
            "Graph API error (HTTP 400 Bad Request): Error validating access token (code 190, subcode 463, type OAuthException, fbtrace_id AbC)"
        );
        assert_eq!(e.class(), Some(ErrorClass::Auth(AuthRemedy::Refresh)));
    }
}
