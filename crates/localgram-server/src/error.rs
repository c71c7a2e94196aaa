//! `ApiError`: the one place that builds an error response. Three shapes: the Graph envelope, the
//! Instagram OAuth envelope, and an HTML error page (authorize errors never redirect). Internal
//! causes are logged once, here, with their source chain, and never put in a body.

use crate::http::headers::html_security_headers;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use localgram_core::error::{AuthChallenge, AuthorizeError, GraphError, OAuthError};
use localgram_types::{GraphErrorBody, GraphErrorDetail, InstagramOAuthErrorBody};

/// Every error the server answers with.
#[derive(Debug)]
pub enum ApiError {
    /// Graph envelope. 400 for most codes (always for 190); 500 for code 1; 503 for code 2
    /// (`docs/graph-api.md#errors`). The message is shown.
    Graph(GraphError),
    /// Graph envelope with a usage header (a throttled call, `docs/graph-api.md#rate-limits`): 400,
    /// message shown.
    GraphWithUsage(GraphError, localgram_core::rate::Usage),
    /// Instagram OAuth envelope, 400 (401 with `WWW-Authenticate: Basic` for a wrong secret sent
    /// through HTTP Basic). The message is shown.
    OAuth(OAuthError),
    /// HTML error page, 400, never a redirect. The message is shown.
    Page(AuthorizeError),
    /// HTML error page, 403: a form whose CSRF token or origin does not check out.
    Forbidden(&'static str),
    /// HTML error page, 500: an internal failure; the cause is logged, the page says only that
    /// something went wrong.
    PageInternal(anyhow::Error),
    /// JSON `{"error": "…"}` for the `/_localgram` control endpoints, with the given status. The
    /// message is shown.
    Control(StatusCode, String),
}

/// The source of `fbtrace_id`s: 11 characters of base64url from a SplitMix64 sequence. Each
/// process starts it from a random seed, so two runs never repeat each other's ids; a fixed seed
/// (`fbtrace_seed`) makes them reproducible for tests. Ids only need to be distinct, not secret.
#[derive(Debug)]
pub struct TraceIds {
    state: std::sync::atomic::AtomicU64,
}

impl TraceIds {
    /// The sequence starting from `seed`.
    pub fn seeded(seed: u64) -> Self {
        Self {
            state: std::sync::atomic::AtomicU64::new(seed),
        }
    }

    /// A sequence starting from a random seed.
    pub fn random() -> Self {
        use localgram_core::rng::{OsRng, RngExt as _};
        let bytes: [u8; 8] = OsRng.bytes(8).try_into().unwrap_or_default();
        Self::seeded(u64::from_le_bytes(bytes))
    }

    /// The next id.
    pub fn next_id(&self) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut x = self
            .state
            .fetch_add(0x9E37_79B9_7F4A_7C15, std::sync::atomic::Ordering::Relaxed)
            .wrapping_add(0x9E37_79B9_7F4A_7C15);
        x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        x ^= x >> 31;
        (0..11)
            .map(|i| char::from(ALPHABET[((x >> (i * 6)) & 63) as usize]))
            .collect()
    }
}

tokio::task_local! {
    /// The trace ids of the request being served (set by the request middleware).
    static TRACE_IDS: std::sync::Arc<TraceIds>;
}

/// Runs `f` (a request) with `ids` as the source of the `fbtrace_id`s it answers. Not an
/// `async fn`: that would keep `f` twice in its future (as its argument and as the scope's).
pub fn with_trace_ids<F: std::future::Future>(
    ids: std::sync::Arc<TraceIds>,
    f: F,
) -> tokio::task::futures::TaskLocalFuture<std::sync::Arc<TraceIds>, F> {
    TRACE_IDS.scope(ids, f)
}

/// A fresh `fbtrace_id`, from the serving server's [`TraceIds`] (outside a request, from a
/// random seed).
pub fn fbtrace_id() -> String {
    TRACE_IDS
        .try_with(|ids| ids.next_id())
        .unwrap_or_else(|_| TraceIds::random().next_id())
}

/// The Graph envelope for an error.
pub fn graph_body(e: &GraphError) -> GraphErrorBody {
    GraphErrorBody {
        error: GraphErrorDetail {
            message: e.message.clone(),
            error_type: e.error_type.as_str().to_owned(),
            code: e.code,
            error_subcode: e.subcode,
            is_transient: e.is_transient,
            error_user_title: e.user_text.as_ref().map(|t| t.title.clone()),
            error_user_msg: e.user_text.as_ref().map(|t| t.msg.clone()),
            fbtrace_id: fbtrace_id(),
        },
    }
}

/// The HTTP status of a Graph error.
pub fn graph_status(e: &GraphError) -> StatusCode {
    match e.code {
        1 => StatusCode::INTERNAL_SERVER_ERROR,
        2 => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::BAD_REQUEST,
    }
}

fn json_response(status: StatusCode, body: String) -> Response {
    let mut res = (status, body).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=UTF-8"),
    );
    res
}

fn quote(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::Graph(e) => {
                if e.code == 1 || e.code == 2 {
                    tracing::error!(code = e.code, "answering a transient Graph error");
                }
                let body = serde_json::to_string(&graph_body(&e)).unwrap_or_default();
                let mut res = json_response(graph_status(&e), body);
                res.extensions_mut()
                    .insert(crate::http::tags::GraphCode(e.code));
                if let Some(challenge) = e.challenge {
                    let kind = match challenge {
                        AuthChallenge::InvalidToken => "invalid_token",
                        AuthChallenge::InvalidRequest => "invalid_request",
                        AuthChallenge::InvalidCode => "invalid_code",
                    };
                    let value = format!(
                        "OAuth \"Facebook Platform\" \"{kind}\" \"{}\"",
                        quote(&e.message)
                    );
                    if let Ok(v) = HeaderValue::from_str(&value) {
                        res.headers_mut().insert(header::WWW_AUTHENTICATE, v);
                    }
                }
                res
            }
            ApiError::GraphWithUsage(e, usage) => {
                let mut res = ApiError::Graph(e).into_response();
                apply_usage(res.headers_mut(), &usage);
                res
            }
            ApiError::OAuth(e) => {
                let basic = matches!(e, OAuthError::InvalidClientSecret { basic: true });
                let status = match e {
                    OAuthError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
                    _ if basic => StatusCode::UNAUTHORIZED,
                    _ => StatusCode::BAD_REQUEST,
                };
                let body = InstagramOAuthErrorBody {
                    error_type: "OAuthException".into(),
                    code: i64::from(status.as_u16()),
                    error_message: e.to_string(),
                };
                let mut res =
                    json_response(status, serde_json::to_string(&body).unwrap_or_default());
                no_store(res.headers_mut());
                if basic {
                    res.headers_mut().insert(
                        header::WWW_AUTHENTICATE,
                        HeaderValue::from_static("Basic realm=\"api.instagram.com\""),
                    );
                }
                res
            }
            ApiError::Page(e) => error_page(StatusCode::BAD_REQUEST, &e.to_string()),
            ApiError::Forbidden(msg) => error_page(StatusCode::FORBIDDEN, msg),
            ApiError::PageInternal(cause) => {
                tracing::error!(error = %cause, chain = ?cause.chain().skip(1).map(ToString::to_string).collect::<Vec<_>>(), "internal error on a page");
                error_page(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Sorry, something went wrong. Please try again later.",
                )
            }
            ApiError::Control(status, msg) => {
                json_response(status, serde_json::json!({ "error": msg }).to_string())
            }
        }
    }
}

/// `Cache-Control: no-store` and `Pragma: no-cache`, for anything carrying or refusing a token.
pub fn no_store(headers: &mut HeaderMap) {
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
}

/// Adds the usage header (`X-App-Usage` or `X-Business-Use-Case-Usage`).
pub fn apply_usage(headers: &mut HeaderMap, usage: &localgram_core::rate::Usage) {
    use localgram_core::rate::Usage;
    /// `X-App-Usage` for each percentage, written once: it goes on nearly every Graph answer.
    static APP_USAGE: std::sync::LazyLock<Vec<HeaderValue>> = std::sync::LazyLock::new(|| {
        (0..=100)
            .filter_map(|call_count| {
                HeaderValue::from_str(&Usage::App { call_count }.header_value()).ok()
            })
            .collect()
    });
    const X_APP_USAGE: axum::http::HeaderName = axum::http::HeaderName::from_static("x-app-usage");
    if let Usage::App { call_count } = usage
        && let Some(v) = usize::try_from(*call_count)
            .ok()
            .and_then(|i| APP_USAGE.get(i))
    {
        headers.insert(X_APP_USAGE, v.clone());
    } else if let Ok(v) = HeaderValue::from_str(&usage.header_value()) {
        headers.insert(usage.header_name(), v);
    }
}

/// An HTML error page with the given status and text.
pub fn error_page(status: StatusCode, message: &str) -> Response {
    let page = crate::pages::ErrorPage { message };
    let mut res = crate::pages::render(status, &page);
    html_security_headers(res.headers_mut());
    res
}

impl From<GraphError> for ApiError {
    fn from(e: GraphError) -> Self {
        Self::Graph(e)
    }
}

impl From<OAuthError> for ApiError {
    fn from(e: OAuthError) -> Self {
        Self::OAuth(e)
    }
}

impl From<AuthorizeError> for ApiError {
    fn from(e: AuthorizeError) -> Self {
        Self::Page(e)
    }
}

impl From<localgram_core::oauth::AuthorizeFailure> for ApiError {
    fn from(e: localgram_core::oauth::AuthorizeFailure) -> Self {
        match e {
            localgram_core::oauth::AuthorizeFailure::Refused(e) => Self::Page(e),
            localgram_core::oauth::AuthorizeFailure::Store(e) => Self::PageInternal(e.into()),
        }
    }
}

/// The server's result type.
pub type Result<T, E = ApiError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_headers_match_their_usage_whether_written_ahead_or_not() {
        use localgram_core::rate::Usage;
        let usages = (-1..=101)
            .map(|call_count| Usage::App { call_count })
            .chain([Usage::BusinessUseCase {
                account_id: "17841400000000001".into(),
                call_count: 12,
                estimated_time_to_regain_access: 0,
            }]);
        for usage in usages {
            let mut headers = HeaderMap::new();
            apply_usage(&mut headers, &usage);
            assert_eq!(headers.len(), 1);
            assert_eq!(
                headers.get(usage.header_name()).map(HeaderValue::as_bytes),
                Some(usage.header_value().as_bytes()),
                "{usage:?}"
            );
        }
    }

    #[test]
    fn variants_map_to_their_statuses() {
        assert_eq!(
            ApiError::Graph(GraphError::cannot_parse_token())
                .into_response()
                .status(),
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            ApiError::Graph(GraphError::internal())
                .into_response()
                .status(),
            StatusCode::INTERNAL_SERVER_ERROR
        );
        assert_eq!(
            ApiError::Graph(GraphError::unavailable())
                .into_response()
                .status(),
            StatusCode::SERVICE_UNAVAILABLE
        );
        assert_eq!(
            ApiError::OAuth(OAuthError::CodeNotFound)
                .into_response()
                .status(),
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            ApiError::OAuth(OAuthError::InvalidClientSecret { basic: true })
                .into_response()
                .status(),
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            ApiError::Page(AuthorizeError::InvalidRedirectUri)
                .into_response()
                .status(),
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            ApiError::Forbidden("x").into_response().status(),
            StatusCode::FORBIDDEN
        );
    }

    #[test]
    fn code_190_carries_the_oauth_challenge() {
        let res = ApiError::Graph(GraphError::cannot_parse_token()).into_response();
        assert_eq!(
            res.headers()[header::WWW_AUTHENTICATE],
            "OAuth \"Facebook Platform\" \"invalid_token\" \"Invalid OAuth access token - Cannot parse access token\""
        );
    }

    #[test]
    fn trace_ids_differ_and_a_seed_repeats_them() {
        assert_ne!(fbtrace_id(), fbtrace_id());
        assert_eq!(fbtrace_id().len(), 11);
        let (a, b) = (TraceIds::seeded(7), TraceIds::seeded(7));
        let first = a.next_id();
        assert_eq!(first, b.next_id());
        assert_ne!(first, a.next_id());
        assert_ne!(first, TraceIds::seeded(8).next_id());
    }
}
