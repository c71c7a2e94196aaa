//! Structured request logs: method, path, redacted query, status, latency, app and Graph code.
//! Tokens, codes, secrets and passwords never reach a log (`docs/security.md`, "Secrets at rest and in logs"): the query is
//! redacted before it is logged, headers are not logged, and bodies are never logged.

use crate::http::tags::{CallerTag, GraphCode};
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use localgram_core::ascii::split_once_on;
use std::time::Instant;

/// Query parameters whose values are secrets.
const SECRET_PARAMS: &[&str] = &[
    "access_token",
    "client_secret",
    "app_secret",
    "code",
    "code_verifier",
    "fb_exchange_token",
    "input_token",
    "password",
    "appsecret_proof",
    "csrf",
    // The one-time secret of a test user's `login_url` (`/checkpoint/test-user-login/{id}/?n=`).
    "n",
];

/// The query string with every secret value replaced by `[redacted]` (borrowed when there is
/// nothing to redact).
pub fn redact_query(query: &str) -> std::borrow::Cow<'_, str> {
    // One pass: the copy starts at the first secret, with everything before it as it was.
    let mut out: Option<String> = None;
    let mut start = 0;
    for pair in localgram_core::ascii::split_on(query, b'&') {
        if is_secret_pair(pair) {
            let out = out.get_or_insert_with(|| {
                let mut s = String::with_capacity(query.len());
                s.push_str(&query[..start]);
                s
            });
            out.push_str(split_once_on(pair, b'=').map_or(pair, |(k, _)| k));
            out.push_str("=[redacted]");
        } else if let Some(out) = &mut out {
            out.push_str(pair);
        }
        start += pair.len() + 1;
        if start <= query.len()
            && let Some(out) = &mut out
        {
            out.push('&');
        }
    }
    out.map_or(std::borrow::Cow::Borrowed(query), std::borrow::Cow::Owned)
}

/// Whether a `key=value` pair's key, decoded, names a secret.
fn is_secret_pair(pair: &str) -> bool {
    let raw = split_once_on(pair, b'=').map_or(pair, |(k, _)| k);
    if !localgram_core::ascii::contains_either(raw.as_bytes(), b'%', b'+') {
        return SECRET_PARAMS.contains(&raw);
    }
    let key = url::form_urlencoded::parse(raw.as_bytes())
        .next()
        .map(|(k, _)| k.into_owned())
        .unwrap_or_default();
    SECRET_PARAMS.contains(&key.as_str())
}

/// The target of the access-log events.
pub const ACCESS_TARGET: &str = "localgram::access";

/// One access-log line: what [`logged`] records of every request.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AccessLine<'a> {
    /// The request method.
    pub method: &'a str,
    /// The path, as sent.
    pub path: &'a str,
    /// The query, secrets redacted ([`redact_query`]); empty without one.
    pub query: &'a str,
    /// The answer's status.
    pub status: u16,
    /// Microseconds from the request to its answer.
    pub latency_us: u64,
    /// The app the call was made for, or `-`.
    pub app: &'a str,
    /// The Graph error code of the answer, or 0.
    pub graph_code: i64,
}

impl AccessLine<'_> {
    /// The latency as the line writes it: milliseconds, to the microsecond (exact below 2^53
    /// microseconds, 285 years).
    pub fn latency_ms(&self) -> f64 {
        self.latency_us as f64 / 1000.0
    }

    /// The line as the `localgram::access` tracing event `request` with one field each.
    pub fn emit(&self) {
        tracing::info!(
            target: "localgram::access",
            method = %self.method,
            path = %self.path,
            query = self.query,
            status = self.status,
            latency_ms = self.latency_ms(),
            app = self.app,
            graph_code = self.graph_code,
            "request"
        );
    }
}

/// A faster way to the same access-log output than the tracing event: a log set-up that writes
/// lines itself may install one ([`set_access_log`]), and every access line goes to it instead of
/// [`AccessLine::emit`]. It must write what the installed subscriber would write for the event,
/// or hand the line to [`AccessLine::emit`].
pub trait AccessLog: Send + Sync + 'static {
    /// Writes `line` (or filters it out) as the subscriber would the event.
    fn write(&self, line: &AccessLine<'_>);
}

static ACCESS_LOG: std::sync::OnceLock<Box<dyn AccessLog>> = std::sync::OnceLock::new();

/// Installs the process's [`AccessLog`], once, beside its tracing subscriber; `false` when one
/// was installed before.
pub fn set_access_log(log: Box<dyn AccessLog>) -> bool {
    ACCESS_LOG.set(log).is_ok()
}

/// Logs `line`: through the installed [`AccessLog`], else as the tracing event.
fn access(line: &AccessLine<'_>) {
    match ACCESS_LOG.get() {
        Some(log) => log.write(line),
        None => line.emit(),
    }
}

/// Logs one line per request, and remembers calls to the emulated hosts for the dashboard.
pub async fn log_requests(
    axum::extract::State(state): axum::extract::State<crate::state::AppState>,
    req: Request,
    next: Next,
) -> Response {
    logged(&state, req, |req| next.run(req)).await
}

/// [`log_requests`] around `next` (the rest of the request's way), for the router's layer.
pub async fn logged<F, Fut>(state: &crate::state::AppState, req: Request, next: F) -> Response
where
    F: FnOnce(Request) -> Fut,
    Fut: std::future::Future<Output = Response>,
{
    let (log, req) = Logged::begin(req);
    let res = crate::error::with_trace_ids(state.trace_ids.clone(), next(req)).await;
    log.end(state, res).await
}

/// One request being logged: what [`Logged::begin`] reads of the request for the access line
/// and the journal, which [`Logged::end`] writes once the answer is there. The router's layer
/// ([`logged`]) and the Graph lane (`crate::app`) both go through it, around the request's
/// trace-id scope.
pub struct Logged {
    start: Instant,
    method: axum::http::Method,
    /// A `Uri` clone shares its bytes: nothing of the path or query is copied to log them.
    uri: axum::http::Uri,
    /// The request is to an emulated host: it goes to the journal and the metrics too.
    api: bool,
    /// A form body sent to an emulated host, kept (redacted) for the journal as the handler
    /// reads it.
    form: Option<std::sync::Arc<std::sync::Mutex<Vec<u8>>>>,
}

impl Logged {
    /// Starts logging `req` (the clock starts now); the request to pass on.
    pub fn begin(req: Request) -> (Self, Request) {
        let start = Instant::now();
        let method = req.method().clone();
        let uri = req.uri().clone();
        let api = crate::calls::is_api_path(uri.path());
        let (req, form) = if api && is_form(req.headers()) {
            let (parts, body) = req.into_parts();
            let captured = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
            let tee = Tee {
                inner: body,
                captured: captured.clone(),
            };
            (
                Request::from_parts(parts, axum::body::Body::new(tee)),
                Some(captured),
            )
        } else {
            (req, None)
        };
        let log = Self {
            start,
            method,
            uri,
            api,
            form,
        };
        (log, req)
    }

    /// Writes the access line for `res` and, for an emulated host, its journal entry and
    /// metrics; then hands `res` back.
    pub async fn end(self, state: &crate::state::AppState, res: Response) -> Response {
        let Self {
            start,
            method,
            uri,
            api,
            form,
        } = self;
        let end = Instant::now();
        let elapsed = end.saturating_duration_since(start);
        let path = uri.path();
        let query = uri.query().map(redact_query);
        let app = CallerTag::app_of(res.extensions());
        let code = res.extensions().get::<GraphCode>().map(|c| c.0);
        let duration_us = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        access(&AccessLine {
            method: method.as_str(),
            path,
            query: query.as_deref().unwrap_or(""),
            status: res.status().as_u16(),
            latency_us: duration_us,
            app: app.unwrap_or("-"),
            graph_code: code.unwrap_or(0),
        });
        if api {
            let form = form.and_then(|f| {
                let bytes = std::mem::take(&mut *f.lock().unwrap_or_else(|p| p.into_inner()));
                String::from_utf8(bytes)
                    .ok()
                    .map(|s| redact_query(&s).into_owned())
            });
            let status = res.status().as_u16();
            let path = crate::calls::redact_path(path);
            state.metrics.request(
                &path,
                status,
                code.unwrap_or(0),
                elapsed.as_secs_f64(),
                &[query.as_deref(), form.as_deref()],
            );
            crate::shared::record_call(
                state,
                end,
                crate::calls::Call {
                    at: state.platform.clock.now(),
                    method: crate::calls::journal_method(&method),
                    host: crate::calls::journal_host(&path),
                    query: query.map(std::borrow::Cow::into_owned),
                    form,
                    faults: res
                        .extensions()
                        .get::<crate::faults::FaultTag>()
                        .map(|t| t.0.clone())
                        .unwrap_or_default(),
                    path,
                    app: app.map(str::to_owned),
                    user: CallerTag::user_of(res.extensions()).map(str::to_owned),
                    status,
                    graph_code: code.unwrap_or(0),
                    duration_us,
                    whole_ms: false,
                },
            )
            .await;
        }
        res
    }
}

/// The most of a form body the journal keeps.
const FORM_KEPT: usize = 16 * 1024;

fn is_form(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"))
}

/// A request body that keeps a copy of what the handler reads (up to [`FORM_KEPT`] bytes).
struct Tee {
    inner: axum::body::Body,
    captured: std::sync::Arc<std::sync::Mutex<Vec<u8>>>,
}

impl hyper::body::Body for Tee {
    type Data = axum::body::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<Self::Data>, Self::Error>>> {
        let polled = std::pin::Pin::new(&mut self.inner).poll_frame(cx);
        if let std::task::Poll::Ready(Some(Ok(frame))) = &polled
            && let Some(data) = frame.data_ref()
        {
            let mut kept = self.captured.lock().unwrap_or_else(|p| p.into_inner());
            if kept.len() + data.len() <= FORM_KEPT {
                kept.extend_from_slice(data);
            }
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_redacted_and_the_rest_kept() {
        assert_eq!(
            redact_query(
                "grant_type=ig_exchange_token&client_secret=abc&access_token=IGQVJx&fields=id"
            ),
            "grant_type=ig_exchange_token&client_secret=[redacted]&access_token=[redacted]&fields=id"
        );
        assert_eq!(redact_query("code=AQx&state=s"), "code=[redacted]&state=s");
        assert_eq!(redact_query("fields=id&limit=5"), "fields=id&limit=5");
        assert_eq!(redact_query("access_token"), "access_token=[redacted]");
        assert_eq!(
            redact_query("a=1&client%5Fsecret=x&b"),
            "a=1&client%5Fsecret=[redacted]&b"
        );
        assert_eq!(
            redact_query("acc%65ss_token=IGQVJx"),
            "acc%65ss_token=[redacted]"
        );
        assert_eq!(redact_query("n=AbC123secret"), "n=[redacted]");
        // Empty pairs and separators at either end stay where they were.
        assert_eq!(
            redact_query("&a=1&&code=x&&b=2&"),
            "&a=1&&code=[redacted]&&b=2&"
        );
        assert_eq!(redact_query("code=x&"), "code=[redacted]&");
        assert_eq!(redact_query("&code=x"), "&code=[redacted]");
        assert_eq!(redact_query(""), "");
        assert_eq!(redact_query("&"), "&");
    }

    proptest::proptest! {
        /// Redacting keeps every pair in its place: only the values of secret keys change.
        #[test]
        fn redaction_changes_secret_values_only(
            pairs in proptest::collection::vec(
                ("(access_token|code|fields|n|limit|client%5Fsecret|x+y|)", "[a-zA-Z0-9%+=]{0,6}"),
                0..6,
            )
        ) {
            let query = pairs
                .iter()
                .map(|(k, v)| if v.is_empty() { k.clone() } else { format!("{k}={v}") })
                .collect::<Vec<_>>()
                .join("&");
            let expected = query
                .split('&')
                .map(|pair| {
                    if is_secret_pair(pair) {
                        format!("{}=[redacted]", pair.split_once('=').map_or(pair, |(k, _)| k))
                    } else {
                        pair.to_owned()
                    }
                })
                .collect::<Vec<_>>()
                .join("&");
            proptest::prop_assert_eq!(redact_query(&query), expected);
        }
    }
}
