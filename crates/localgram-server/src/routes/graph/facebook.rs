//! graph.facebook.com: the same Graph path rules as graph.instagram.com (version, empty
//! segments, `?method=`), POST bodies as form, multipart or JSON, and the Facebook routes: the
//! token endpoint, `/me`, user and Page nodes, the accounts edge, `fb_page_categories`,
//! `debug_token`, test users, `DELETE /{user-id}/permissions` and batch requests.

use super::call::{caller, graph_json};
use super::request::{FACEBOOK_PREFIX, GraphRequest, is_id, parse_request_with};
use super::{comments, linked, pages, publishing, testusers, webhooks};
use crate::error::{ApiError, Result, no_store};
use crate::http::tags::AppTag;
use crate::state::AppState;
use axum::body::Body;
use axum::http::{Method, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use localgram_core::error::{GraphError, GraphHost};
use localgram_core::facebook::TokenRequest;
use serde_json::json;

/// Routes a parsed graph.facebook.com request.
pub fn route<'a>(
    state: &'a AppState,
    gr: GraphRequest,
    headers: &'a axum::http::HeaderMap,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<Response>> + Send + 'a>> {
    Box::pin(route_inner(state, gr, headers))
}

async fn route_inner(
    state: &AppState,
    gr: GraphRequest,
    headers: &axum::http::HeaderMap,
) -> Result<Response> {
    let segs: Vec<&str> = gr.segments.iter().map(String::as_str).collect();
    match (gr.method.clone(), segs.as_slice()) {
        (Method::GET | Method::POST, ["oauth", "access_token"]) => {
            access_token(state, &gr, headers).await
        }
        (Method::GET, ["me"]) => pages::get_user(state, &gr, None).await,
        (Method::GET, ["debug_token"]) => debug_token(state, &gr).await,
        (Method::POST, []) if gr.params.has("batch") => batch(state, &gr, headers).await,
        (Method::GET, ["fb_page_categories"]) => pages::get_categories(state, &gr).await,
        (Method::GET, [app, "accounts", "test-users"]) if is_id(app) => {
            testusers::get_test_users(state, &gr, app).await
        }
        (Method::POST, [app, "accounts", "test-users"]) if is_id(app) => {
            testusers::post_test_user(state, &gr, app).await
        }
        (Method::DELETE, [app, "accounts", "test-users"]) if is_id(app) => {
            testusers::delete_test_user(state, &gr, app).await
        }
        (Method::GET, [app, "accounts"]) if is_id(app) && test_users_type(&gr) => {
            testusers::get_test_users(state, &gr, app).await
        }
        (Method::POST, [app, "accounts"]) if is_id(app) && test_users_type(&gr) => {
            testusers::post_test_user(state, &gr, app).await
        }
        (Method::DELETE, [app, "accounts"]) if is_id(app) && test_users_type(&gr) => {
            testusers::delete_test_user(state, &gr, app).await
        }
        (Method::GET | Method::POST | Method::DELETE, [app, "subscriptions"]) if is_id(app) => {
            webhooks::subscriptions(state, &gr, app).await
        }
        (Method::GET | Method::POST | Method::DELETE, [node, "subscribed_apps"])
            if *node == "me" || is_id(node) =>
        {
            webhooks::subscribed_apps(state, &gr, node, GraphHost::Facebook).await
        }
        (Method::GET, [node, "accounts"]) if *node == "me" || is_id(node) => {
            pages::get_accounts(state, &gr, node).await
        }
        (Method::POST, [node, "accounts"]) if *node == "me" || is_id(node) => {
            pages::post_accounts(state, &gr, node).await
        }
        (Method::DELETE, [node, "accounts"]) if *node == "me" || is_id(node) => {
            Err(GraphError::unsupported_request(GraphHost::Facebook, "DELETE", node).into())
        }
        (Method::DELETE, [node, "permissions", ..]) if *node == "me" || is_id(node) => {
            pages::delete_permissions(state, &gr, node).await
        }
        (Method::GET, [id]) if is_id(id) => pages::get_node(state, &gr, id).await,
        (Method::GET, [id, "media"]) if is_id(id) => linked::media_edge(state, &gr, id).await,
        (Method::GET, [id, "children"]) if is_id(id) => linked::children_edge(state, &gr, id).await,
        (Method::POST, [node, "media"]) if *node == "me" || is_id(node) => {
            publishing::create_container(state, &gr, node, GraphHost::Facebook).await
        }
        (Method::POST, [node, "media_publish"]) if *node == "me" || is_id(node) => {
            publishing::publish(state, &gr, node, GraphHost::Facebook).await
        }
        (Method::GET, [node, "content_publishing_limit"]) if *node == "me" || is_id(node) => {
            publishing::publishing_limit(state, &gr, node, GraphHost::Facebook).await
        }
        (Method::GET, [id, "comments"]) if is_id(id) => {
            comments::list(state, &gr, id, GraphHost::Facebook).await
        }
        (Method::POST, [id, "comments"]) if is_id(id) => {
            comments::create(state, &gr, id, GraphHost::Facebook).await
        }
        (Method::GET, [id, "replies"]) if is_id(id) => {
            comments::replies(state, &gr, id, GraphHost::Facebook).await
        }
        (Method::POST, [id, "replies"]) if is_id(id) => {
            comments::reply(state, &gr, id, GraphHost::Facebook).await
        }
        (Method::POST, [id]) if is_id(id) => {
            comments::post_node(state, &gr, id, GraphHost::Facebook).await
        }
        (Method::DELETE, [id]) if is_id(id) => {
            comments::delete(state, &gr, id, GraphHost::Facebook).await
        }
        (Method::GET, [_node, edge, ..]) => Err(GraphError::unknown_path(edge).into()),
        (Method::GET, [other]) => Err(GraphError::unknown_path(other).into()),
        (Method::GET, []) => Err(GraphError::unknown_path("").into()),
        (method, [node, ..]) => {
            Err(GraphError::unsupported_request(GraphHost::Facebook, method.as_str(), node).into())
        }
        (method, []) => {
            Err(GraphError::unsupported_request(GraphHost::Facebook, method.as_str(), "").into())
        }
    }
}

/// Whether a request on `/{id}/accounts` names the test-users edge (`type=test-users`).
fn test_users_type(gr: &GraphRequest) -> bool {
    gr.params.get("type").ok().flatten() == Some("test-users")
}

/// `client_id` and `client_secret` from an `Authorization: Basic` header.
fn basic_credentials(headers: &axum::http::HeaderMap) -> Option<(String, String)> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, b64) = v.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let raw = base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .ok()?;
    let text = String::from_utf8(raw).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some((id.to_owned(), secret.to_owned()))
}

/// `GET|POST /oauth/access_token`: the code exchange, `fb_exchange_token` and
/// `client_credentials`, with client credentials in the query, the body or HTTP Basic.
async fn access_token(
    state: &AppState,
    gr: &GraphRequest,
    headers: &axum::http::HeaderMap,
) -> Result<Response> {
    let p = |n: &str| {
        gr.params.get(n).map_err(|_| {
            ApiError::Graph(GraphError::invalid_parameter(format!(
                "(#100) The parameter {n} was given more than once"
            )))
        })
    };
    let basic = basic_credentials(headers);
    let client_id = match p("client_id")? {
        Some(v) => Some(v.to_owned()),
        None => basic.as_ref().map(|b| b.0.clone()),
    };
    let client_secret = match p("client_secret")? {
        Some(v) => Some(v.to_owned()),
        None => basic.as_ref().map(|b| b.1.clone()),
    };
    let issued = state
        .platform
        .fb_access_token(TokenRequest {
            client_id: client_id.as_deref(),
            client_secret: client_secret.as_deref(),
            grant_type: p("grant_type")?,
            redirect_uri: p("redirect_uri")?,
            code: p("code")?,
            fb_exchange_token: p("fb_exchange_token")?,
        })
        .await;
    let issued = match issued {
        Ok(i) => i,
        Err(e) => {
            let mut res = ApiError::Graph(e).into_response();
            no_store(res.headers_mut());
            return Ok(res);
        }
    };
    let mut body = json!({
        "access_token": issued.access_token.expose(),
        "token_type": "bearer",
    });
    if let Some(exp) = issued.expires_in {
        body["expires_in"] = json!(exp);
    }
    let mut res = graph_json(gr, &body);
    no_store(res.headers_mut());
    res.extensions_mut().insert(AppTag(issued.app_id));
    Ok(res)
}

/// `GET /debug_token?input_token=…` (`docs/graph-api.md#debug-token`).
async fn debug_token(state: &AppState, gr: &GraphRequest) -> Result<Response> {
    let caller = caller(state, gr, GraphHost::Facebook, false).await?;
    let body = state
        .platform
        .debug_token(&caller.token, gr.params.get("input_token").ok().flatten())
        .await?;
    Ok(caller.finish(graph_json(gr, &body)))
}

/// The most requests one batch may hold (`docs/graph-api.md#batch`).
const MAX_BATCH: usize = 50;

/// `POST /` with `batch`: each request answered in order as `{code, headers, body}` with the body
/// as a JSON string; each item may carry its own `access_token` (else the top-level one).
async fn batch(
    state: &AppState,
    gr: &GraphRequest,
    headers: &axum::http::HeaderMap,
) -> Result<Response> {
    let raw = gr.params.get("batch").ok().flatten().unwrap_or("");
    let items: Vec<serde_json::Value> = serde_json::from_str(raw).map_err(|_| {
        GraphError::invalid_parameter("(#100) The parameter batch must be a JSON array of requests")
    })?;
    if items.is_empty() {
        return Err(GraphError::invalid_parameter("(#100) The batch is empty").into());
    }
    if items.len() > MAX_BATCH {
        return Err(GraphError::invalid_parameter(format!(
            "(#100) Too many requests in batch message. Maximum batch size is {MAX_BATCH}"
        ))
        .into());
    }
    if gr.token.is_none() {
        return Err(GraphError::no_token().into());
    }
    let include_headers = gr.params.get("include_headers").ok().flatten() != Some("false");
    let mut out = Vec::with_capacity(items.len());
    for item in &items {
        let Some(obj) = item.as_object() else {
            return Err(GraphError::invalid_parameter(
                "(#100) Each batch request must be a JSON object",
            )
            .into());
        };
        let method = obj
            .get("method")
            .and_then(serde_json::Value::as_str)
            .unwrap_or("GET")
            .to_ascii_uppercase();
        let Some(relative) = obj.get("relative_url").and_then(serde_json::Value::as_str) else {
            return Err(GraphError::invalid_parameter(
                "(#100) Each batch request needs a relative_url",
            )
            .into());
        };
        let body = obj
            .get("body")
            .and_then(serde_json::Value::as_str)
            .unwrap_or("");
        let uri = format!("{FACEBOOK_PREFIX}/{}", relative.trim_start_matches('/'));
        let mut builder = axum::http::Request::builder()
            .method(method.as_str())
            .uri(uri.as_str());
        let own_token = obj
            .get("access_token")
            .and_then(serde_json::Value::as_str)
            .map(str::to_owned);
        let inherits_token = own_token.is_none();
        let item_token = own_token.or_else(|| gr.token.clone());
        if let Some(t) = &item_token
            && !relative.contains("access_token=")
        {
            builder = builder.header(header::AUTHORIZATION, format!("OAuth {t}"));
        }
        let item_res = match builder.body(Body::empty()) {
            Ok(req) => {
                let body_params = (!body.is_empty())
                    .then(|| localgram_core::params::Params::parse_urlencoded(body));
                let sub = match parse_request_with(&req, FACEBOOK_PREFIX, body_params) {
                    Ok(mut sub) => {
                        sub.token_in_query = false;
                        if inherits_token && !sub.params.has("appsecret_proof") {
                            sub.params = inherit_proof(&sub.params, &gr.params);
                        }
                        route(state, sub, headers).await
                    }
                    Err(e) => Err(ApiError::Graph(e)),
                };
                match sub {
                    Ok(r) => r,
                    Err(e) => e.into_response(),
                }
            }
            Err(_) => ApiError::Graph(GraphError::invalid_parameter(format!(
                "(#100) The batch request relative_url {relative:?} is malformed"
            )))
            .into_response(),
        };
        out.push(batch_item(item_res, include_headers).await);
    }
    Ok(graph_json(gr, &serde_json::Value::Array(out)))
}

/// A batch item using the top-level token also uses the top-level `appsecret_proof` and
/// `appsecret_time`.
fn inherit_proof(
    item: &localgram_core::params::Params,
    top: &localgram_core::params::Params,
) -> localgram_core::params::Params {
    item.followed_by(
        top.pairs()
            .filter(|(k, _)| *k == "appsecret_proof" || *k == "appsecret_time"),
    )
}

async fn batch_item(res: Response, include_headers: bool) -> serde_json::Value {
    let code = res.status().as_u16();
    let headers: Vec<serde_json::Value> = res
        .headers()
        .iter()
        .filter(|(n, _)| {
            matches!(
                n.as_str(),
                "content-type"
                    | "www-authenticate"
                    | "cache-control"
                    | "pragma"
                    | "facebook-api-version"
                    | "x-app-usage"
                    | "x-business-use-case-usage"
            )
        })
        .filter_map(|(n, v)| {
            v.to_str()
                .ok()
                .map(|v| json!({"name": n.as_str(), "value": v}))
        })
        .collect();
    let bytes = axum::body::to_bytes(res.into_body(), 1 << 20)
        .await
        .unwrap_or_default();
    let body = String::from_utf8_lossy(&bytes).into_owned();
    let mut item = json!({"code": code, "body": body});
    if include_headers {
        item["headers"] = json!(headers);
    }
    item
}
