//! Structured request logs: method, path, redacted query, status, latency, app and Graph code.
//! Tokens, codes, secrets and passwords never reach a log (`docs/security.md`, "Secrets at rest and in logs"): the query is
//! redacted before it is logged, headers are not logged, and bodies are never logged.

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use std::time::Instant;

/// The app a request concerned, attached to the response by handlers for the log line.
#[derive(Debug, Clone)]
pub struct AppTag(pub String);

/// The user a request concerned, attached to the response by handlers for the dashboard's call
/// log and rate chart.
#[derive(Debug, Clone)]
pub struct UserTag(pub String);

/// The Graph error code of an error response, for the log line.
#[derive(Debug, Clone, Copy)]
pub struct GraphCode(pub i64);

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
    if !query.split('&').any(is_secret_pair) {
        return std::borrow::Cow::Borrowed(query);
    }
    let mut out = String::with_capacity(query.len());
    for (i, pair) in query.split('&').enumerate() {
        if i > 0 {
            out.push('&');
        }
        if is_secret_pair(pair) {
            out.push_str(pair.split_once('=').map_or(pair, |(k, _)| k));
            out.push_str("=[redacted]");
        } else {
            out.push_str(pair);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Whether a `key=value` pair's key, decoded, names a secret.
fn is_secret_pair(pair: &str) -> bool {
    let raw = pair.split_once('=').map_or(pair, |(k, _)| k);
    if !raw.contains(['%', '+']) {
        return SECRET_PARAMS.contains(&raw);
    }
    let key = url::form_urlencoded::parse(raw.as_bytes())
        .next()
        .map(|(k, _)| k.into_owned())
        .unwrap_or_default();
    SECRET_PARAMS.contains(&key.as_str())
}

/// Logs one line per request, and remembers calls to the emulated hosts for the dashboard.
pub async fn log_requests(
    axum::extract::State(state): axum::extract::State<crate::state::AppState>,
    req: Request,
    next: Next,
) -> Response {
    let start = Instant::now();
    let method = req.method().clone();
    // A `Uri` clone shares its bytes: nothing of the path or query is copied to log them.
    let uri = req.uri().clone();
    let res = crate::error::with_trace_ids(state.trace_ids.clone(), next.run(req)).await;
    let path = uri.path();
    let query = uri.query().map(redact_query);
    let app = res.extensions().get::<AppTag>().map(|a| a.0.clone());
    let code = res.extensions().get::<GraphCode>().map(|c| c.0);
    tracing::info!(
        target: "localgram::access",
        %method,
        path = %path,
        query = query.as_deref().unwrap_or(""),
        status = res.status().as_u16(),
        latency_ms = start.elapsed().as_secs_f64() * 1000.0,
        app = app.as_deref().unwrap_or("-"),
        graph_code = code.unwrap_or(0),
        "request"
    );
    if crate::calls::is_api_path(path) {
        state.calls.push(crate::calls::Call {
            at: state.platform.clock.now(),
            method: method.to_string(),
            path: crate::calls::redact_path(path),
            app,
            user: res.extensions().get::<UserTag>().map(|u| u.0.clone()),
            status: res.status().as_u16(),
            graph_code: code.unwrap_or(0),
            duration_ms: u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX),
        });
    }
    res
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
    }
}
