//! Fault rules on the wire (docs/faults.md): the layer every call to an emulated Meta host passes,
//! which reads the call's facts, asks the platform's [`FaultRegistry`] which rules fire, and
//! produces their effects exactly as Meta's hosts do.
//!
//! With no rule installed the layer costs one atomic load ([`FaultRegistry::is_empty`]).
//!
//! [`FaultRegistry`]: localgram_core::faults::FaultRegistry

use crate::error::{fbtrace_id, graph_status};
use crate::state::AppState;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use localgram_core::error::{AuthChallenge, GraphError};
use localgram_core::faults::{Action, CallFacts, GraphErrorEffect, ThrottleEffect};
use localgram_core::model::TokenRecord;
use localgram_core::rate::Usage;
use localgram_types::{GraphErrorBody, GraphErrorDetail, InstagramOAuthErrorBody};
use std::time::Duration;

/// The ids of the rules that fired on a call, for the journal and the metrics.
#[derive(Debug, Clone, Default)]
pub struct FaultTag(pub Vec<String>);

/// The largest body read to find a token or a `client_id` when a rule needs one.
const BODY_PEEK_LIMIT: usize = crate::http::params::FORM_BODY_LIMIT;

/// The layer: with no rule, straight to the handler.
pub async fn layer(State(state): State<AppState>, req: Request, next: Next) -> Response {
    with_faults(&state, req, |req| next.run(req)).await
}

/// The fault rules around `next` (the rest of the request's way), for the router's layer and
/// the Graph lane (`crate::app`) alike.
pub async fn with_faults<F, Fut>(state: &AppState, req: Request, next: F) -> Response
where
    F: FnOnce(Request) -> Fut,
    Fut: Future<Output = Response>,
{
    if state.platform.faults.is_empty() {
        return next(req).await;
    }
    // Boxed: the rules' own state stays off the hot path's future when no rule is set.
    Box::pin(apply(state.clone(), req, next)).await
}

/// The host and the path segments after it (the version removed) of an API path.
fn split_path(path: &str) -> Option<(&'static str, Vec<&str>)> {
    let rest = path.strip_prefix('/')?;
    let (host, tail) = rest.split_once('/').unwrap_or((rest, ""));
    let host = localgram_core::faults::HOSTS
        .iter()
        .copied()
        .find(|h| *h == host)?;
    let mut segs: Vec<&str> = tail.split('/').filter(|s| !s.is_empty()).collect();
    if host.starts_with("graph.")
        && segs.first().is_some_and(|s| {
            s.strip_prefix('v')
                .and_then(|v| v.split_once('.'))
                .is_some_and(|(a, b)| {
                    !a.is_empty()
                        && !b.is_empty()
                        && a.bytes().chain(b.bytes()).all(|c| c.is_ascii_digit())
                })
        })
    {
        segs.remove(0);
    }
    Some((host, segs))
}

/// The first value of `name` in a query string or form body.
fn param(raw: Option<&str>, name: &str) -> Option<String> {
    form_urlencoded::parse(raw?.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    (scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("oauth"))
        .then(|| token.trim().to_owned())
}

fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"))
}

/// Reads a small form body so its token can be found, and puts it back.
async fn peek_form(req: Request) -> (Request, Option<String>) {
    let small = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
        .is_some_and(|n| n <= BODY_PEEK_LIMIT);
    if !small || !is_form(req.headers()) {
        return (req, None);
    }
    let (parts, body) = req.into_parts();
    match axum::body::to_bytes(body, BODY_PEEK_LIMIT).await {
        Ok(bytes) => {
            let text = String::from_utf8(bytes.to_vec()).ok();
            (Request::from_parts(parts, Body::from(bytes)), text)
        }
        Err(_) => (Request::from_parts(parts, Body::empty()), None),
    }
}

async fn node_kind(
    state: &AppState,
    host: &str,
    first: Option<&str>,
    token: Option<&TokenRecord>,
) -> Option<&'static str> {
    let first = first?;
    if first == "me" {
        return Some(match token.map(|t| t.kind) {
            Some(localgram_core::model::TokenKind::Page) => "page",
            _ if host == "graph.instagram.com" => "user",
            Some(k) if k.is_instagram() => "user",
            _ => "facebook_user",
        });
    }
    if !crate::routes::graph::request::is_id(first) {
        return None;
    }
    state.platform.node_kind(first).await.ok().flatten()
}

async fn apply<F, Fut>(state: AppState, req: Request, next: F) -> Response
where
    F: FnOnce(Request) -> Fut,
    Fut: Future<Output = Response>,
{
    let path = req.uri().path().to_owned();
    let Some((host, segments)) = split_path(&path) else {
        return next(req).await;
    };
    let needs = state.platform.faults.needs();
    let query = req.uri().query().map(str::to_owned);
    let mut method = req.method().as_str().to_owned();
    if host.starts_with("graph.")
        && let Some(m) = param(query.as_deref(), "method")
    {
        let m = m.to_ascii_uppercase();
        if ["GET", "POST", "DELETE"].contains(&m.as_str()) {
            method = m;
        }
    }
    // The token (and, on api.instagram.com, the client id): from the query, the Authorization
    // header, or a small form body.
    let (req, form) = if needs.token || needs.node {
        peek_form(req).await
    } else {
        (req, None)
    };
    let raw_token = param(query.as_deref(), "access_token")
        .or_else(|| bearer(req.headers()))
        .or_else(|| param(form.as_deref(), "access_token"));
    let mut token: Option<TokenRecord> = None;
    if (needs.token || needs.node)
        && let Some(raw) = &raw_token
    {
        token = state.platform.token_record(raw).await.ok().flatten();
    }
    let client_id = if token.is_none() && needs.token {
        param(query.as_deref(), "client_id").or_else(|| param(form.as_deref(), "client_id"))
    } else {
        None
    };
    let node = if needs.node {
        node_kind(&state, host, segments.first().copied(), token.as_ref()).await
    } else {
        None
    };
    let firings = {
        let facts = CallFacts {
            host,
            method: &method,
            segments: segments.clone(),
            node,
            app: token
                .as_ref()
                .map(|t| t.app_id.as_str())
                .or(client_id.as_deref()),
            user: token.as_ref().and_then(|t| t.subject.user_id()),
            token_kind: token.as_ref().map(|t| t.kind.as_str()),
            token_sha256: token.as_ref().map(|t| t.token_hash.as_str()),
        };
        evaluate(&state, &facts).await
    };
    if firings.is_empty() {
        return next(req).await;
    }
    let tag = FaultTag(firings.iter().map(|f| f.rule.id.clone()).collect());
    for f in &firings {
        state
            .metrics
            .fault_fired(&f.rule.id, effect_name(f.rule.action()));
        tracing::info!(rule = %f.rule.id, effect = effect_name(f.rule.action()), "fault rule fired");
    }
    let mut rewrite = None;
    for f in &firings {
        match f.rule.action() {
            Action::Latency { .. } => {
                // Cancel safe: a dropped request drops the timer and nothing else.
                let ms = f.latency_ms().unwrap_or(0);
                tokio::time::sleep(Duration::from_millis(ms)).await;
            }
            Action::RevokeToken => {
                revoke(&state, raw_token.as_deref(), token.as_ref()).await;
            }
            Action::CursorLoop | Action::EmptyPage => rewrite = Some(f.rule.action().clone()),
            Action::GraphError(g) => {
                return tagged(graph_error(host, &segments_version(&path), g), tag);
            }
            Action::OAuthError(o) => {
                let status = StatusCode::from_u16(o.status.unwrap_or(400))
                    .unwrap_or(StatusCode::BAD_REQUEST);
                let body = InstagramOAuthErrorBody {
                    error_type: o
                        .error_type
                        .clone()
                        .unwrap_or_else(|| "OAuthException".into()),
                    code: i64::from(status.as_u16()),
                    error_message: o.message.clone(),
                };
                let mut res = json(status, serde_json::to_string(&body).unwrap_or_default());
                crate::error::no_store(res.headers_mut());
                return tagged(res, tag);
            }
            Action::Throttle(t) => {
                let token = match token {
                    Some(t) => Some(t),
                    None => match &raw_token {
                        Some(raw) => state.platform.token_record(raw).await.ok().flatten(),
                        None => None,
                    },
                };
                let res = throttle(host, &segments_version(&path), t, token.as_ref(), &segments);
                return tagged(res, tag);
            }
            Action::DropConnection => {
                if let Some(conn) = crate::conn::Connection::current() {
                    conn.kill.notify_one();
                    // The connection task closes the socket, which drops this future.
                    std::future::pending::<()>().await;
                }
                // Served without a connection of ours (a test's `oneshot`): a body that fails.
                return tagged(Response::new(Body::new(Failing)), tag);
            }
        }
    }
    let res = next(req).await;
    let res = match rewrite {
        Some(action) => rewrite_page(&state, &path, query.as_deref(), action, res).await,
        None => res,
    };
    tagged(res, tag)
}

/// A body that fails at once: hyper then closes the connection without completing the answer.
struct Failing;

impl hyper::body::Body for Failing {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<Bytes>, Self::Error>>> {
        std::task::Poll::Ready(Some(Err(std::io::Error::other("connection dropped"))))
    }
}

/// The rules that fire on a call: counted in the process, or on PostgreSQL in the database
/// (one transaction per matching rule, so the counts hold across instances).
async fn evaluate(state: &AppState, facts: &CallFacts<'_>) -> Vec<localgram_core::faults::Firing> {
    if !crate::shared::enabled(state) {
        return state.platform.faults.evaluate(facts);
    }
    let mut out = Vec::new();
    for rule in state.platform.faults.matching(facts) {
        let decider = rule.clone();
        let counted = state
            .platform
            .count_fault_match(&rule.id, Box::new(move |n, fired| decider.decide(n, fired)))
            .await;
        match counted {
            Ok(Some((true, n))) => {
                let terminal = rule.action().is_terminal();
                out.push(localgram_core::faults::Firing { rule, n });
                if terminal {
                    break;
                }
            }
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(rule = %rule.id, error = %e, "cannot count a fault rule's match")
            }
        }
    }
    out
}

fn tagged(mut res: Response, tag: FaultTag) -> Response {
    res.extensions_mut().insert(tag);
    res
}

fn effect_name(a: &Action) -> &'static str {
    match a {
        Action::GraphError(_) => "graph_error",
        Action::OAuthError(_) => "oauth_error",
        Action::Throttle(_) => "throttle",
        Action::RevokeToken => "revoke_token",
        Action::Latency { .. } => "latency",
        Action::DropConnection => "drop_connection",
        Action::CursorLoop => "cursor_loop",
        Action::EmptyPage => "empty_page",
    }
}

/// The version segment of a Graph path, or the default.
fn segments_version(path: &str) -> String {
    path.split('/')
        .nth(2)
        .filter(|s| s.starts_with('v') && s.contains('.'))
        .map_or_else(
            || crate::routes::graph::request::DEFAULT_VERSION.to_owned(),
            str::to_owned,
        )
}

fn json(status: StatusCode, body: String) -> Response {
    let mut res = (status, body).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=UTF-8"),
    );
    res
}

/// Revokes the call's token in the store, from this call on.
async fn revoke(state: &AppState, raw: Option<&str>, known: Option<&TokenRecord>) {
    let found;
    let token = match known {
        Some(t) => Some(t),
        None => {
            found = match raw {
                Some(raw) => state.platform.token_record(raw).await.ok().flatten(),
                None => None,
            };
            found.as_ref()
        }
    };
    let Some(token) = token else {
        tracing::info!("revoke_token fired on a call without a known token: nothing revoked");
        return;
    };
    if let Err(e) = state.platform.revoke_token_now(&token.id).await {
        tracing::error!(error = %e, "a fault rule could not revoke the token");
    }
}

/// A Graph error as the rule describes it, with Meta's defaults.
fn graph_error(host: &str, version: &str, g: &GraphErrorEffect) -> Response {
    let message = g.message.clone().unwrap_or_else(|| default_message(g.code));
    let status = g
        .status
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or_else(|| {
            graph_status(&GraphError {
                code: g.code,
                subcode: g.subcode,
                error_type: localgram_core::error::GraphErrorType::OAuth,
                message: String::new(),
                is_transient: None,
                challenge: None,
                user_text: None,
            })
        });
    let body = GraphErrorBody {
        error: GraphErrorDetail {
            message: message.clone(),
            error_type: g
                .error_type
                .clone()
                .unwrap_or_else(|| "OAuthException".into()),
            code: g.code,
            error_subcode: g.subcode,
            is_transient: g.is_transient,
            error_user_title: g.error_user_title.clone(),
            error_user_msg: g.error_user_msg.clone(),
            fbtrace_id: fbtrace_id(),
        },
    };
    let mut res = json(status, serde_json::to_string(&body).unwrap_or_default());
    res.extensions_mut()
        .insert(crate::http::tags::GraphCode(g.code));
    if g.code == 190 {
        challenge(res.headers_mut(), AuthChallenge::InvalidToken, &message);
    }
    graph_headers(host, version, res)
}

fn graph_headers(host: &str, version: &str, res: Response) -> Response {
    if host.starts_with("graph.") {
        crate::routes::graph::call::with_version(res, version)
    } else {
        res
    }
}

fn challenge(headers: &mut HeaderMap, kind: AuthChallenge, message: &str) {
    let kind = match kind {
        AuthChallenge::InvalidToken => "invalid_token",
        AuthChallenge::InvalidRequest => "invalid_request",
        AuthChallenge::InvalidCode => "invalid_code",
    };
    let value = format!(
        "OAuth \"Facebook Platform\" \"{kind}\" \"{}\"",
        message.replace('\\', "\\\\").replace('"', "\\\"")
    );
    if let Ok(v) = HeaderValue::from_str(&value) {
        headers.insert(header::WWW_AUTHENTICATE, v);
    }
}

/// Meta's text for the codes a rule most often names.
fn default_message(code: i64) -> String {
    match code {
        1 => "An unknown error occurred".into(),
        2 => "An unexpected error has occurred. Please retry your request later.".into(),
        4 => "(#4) Application request limit reached".into(),
        10 => "(#10) Application does not have permission for this action".into(),
        17 => "(#17) User request limit reached".into(),
        100 => "Invalid parameter".into(),
        190 => "Invalid OAuth access token - Cannot parse access token".into(),
        200 => "(#200) Permissions error".into(),
        341 => "(#341) Application limit reached".into(),
        368 => "The action attempted has been deemed abusive or is otherwise disallowed".into(),
        _ => "An unexpected error has occurred. Please retry your request later.".into(),
    }
}

/// A throttling answer: the code's error and its usage header at 100 %.
fn throttle(
    host: &str,
    version: &str,
    t: &ThrottleEffect,
    token: Option<&TokenRecord>,
    segments: &[&str],
) -> Response {
    use localgram_core::rate;
    let eta = t.estimated_time_to_regain_access.unwrap_or(60);
    let object = || {
        segments
            .first()
            .filter(|s| crate::routes::graph::request::is_id(s))
            .map(|s| (*s).to_owned())
    };
    let (error, usage_name, usage_value) = match t.code {
        4 => (rate::app_limit_error(), "x-app-usage", app_usage()),
        17 => (rate::user_limit_error(), "x-app-usage", app_usage()),
        613 => (
            throttle_error(
                613,
                "(#613) Calls to this api have exceeded the rate limit.",
            ),
            "x-app-usage",
            app_usage(),
        ),
        32 => (
            throttle_error(32, "(#32) Page request limit reached"),
            "x-page-usage",
            app_usage(),
        ),
        80001 => {
            let page = token
                .and_then(|t| t.page_id.clone())
                .or_else(object)
                .unwrap_or_else(|| token.map(|t| t.app_id.clone()).unwrap_or_default());
            let usage = Usage::PageUseCase {
                page_id: page,
                call_count: 100,
                estimated_time_to_regain_access: eta,
            };
            (
                rate::page_account_limit_error(),
                usage.header_name(),
                usage.header_value(),
            )
        }
        _ => {
            let account = token
                .and_then(|t| t.subject.user_id().map(str::to_owned))
                .or_else(object)
                .unwrap_or_else(|| token.map(|t| t.app_id.clone()).unwrap_or_default());
            let usage = Usage::BusinessUseCase {
                account_id: account,
                call_count: 100,
                estimated_time_to_regain_access: eta,
            };
            (
                rate::instagram_account_limit_error(),
                usage.header_name(),
                usage.header_value(),
            )
        }
    };
    let mut res = crate::error::ApiError::Graph(error).into_response();
    if let Ok(v) = HeaderValue::from_str(&usage_value) {
        res.headers_mut().insert(usage_name, v);
    }
    graph_headers(host, version, res)
}

fn app_usage() -> String {
    Usage::App { call_count: 100 }.header_value()
}

fn throttle_error(code: i64, message: &str) -> GraphError {
    GraphError {
        code,
        subcode: None,
        error_type: localgram_core::error::GraphErrorType::OAuth,
        message: message.to_owned(),
        is_transient: Some(true),
        challenge: Some(AuthChallenge::InvalidRequest),
        user_text: None,
    }
}

/// Rewrites a successful page: a cursor loop points `paging.next` at this very page; an empty
/// page empties `data` and keeps (or adds) a `next`. Other answers pass unchanged.
async fn rewrite_page(
    state: &AppState,
    path: &str,
    query: Option<&str>,
    action: Action,
    res: Response,
) -> Response {
    if res.status() != StatusCode::OK {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024 * 1024).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "").into_response();
    };
    let Ok(mut v) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    if !v.get("data").is_some_and(serde_json::Value::is_array) {
        return Response::from_parts(parts, Body::from(bytes));
    }
    let this_page = match query {
        Some(q) => format!("{}{path}?{q}", state.public_url),
        None => format!("{}{path}", state.public_url),
    };
    match action {
        Action::CursorLoop => {
            v["paging"]["next"] = serde_json::Value::String(this_page);
        }
        _ => {
            v["data"] = serde_json::Value::Array(Vec::new());
            if v.pointer("/paging/next").is_none() {
                v["paging"]["next"] = serde_json::Value::String(this_page);
            }
        }
    }
    let out = v.to_string();
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_split_into_host_and_segments_without_the_version() {
        assert_eq!(
            split_path("/graph.instagram.com/v21.0/me/media"),
            Some(("graph.instagram.com", vec!["me", "media"]))
        );
        assert_eq!(
            split_path("/graph.facebook.com/me/accounts/"),
            Some(("graph.facebook.com", vec!["me", "accounts"]))
        );
        assert_eq!(
            split_path("/api.instagram.com/oauth/access_token"),
            Some(("api.instagram.com", vec!["oauth", "access_token"]))
        );
        assert_eq!(split_path("/apps/1"), None);
        assert_eq!(segments_version("/graph.instagram.com/v21.0/me"), "v21.0");
        assert_eq!(
            segments_version("/graph.instagram.com/me"),
            crate::routes::graph::request::DEFAULT_VERSION
        );
    }
}
