//! Webhook subscriptions (`docs/webhooks.md`): `GET|POST|DELETE /{app-id}/subscriptions` with an
//! app token on graph.facebook.com, and `GET|POST|DELETE /{node}/subscribed_apps`: an Instagram
//! account (or `me`) with its own token on graph.instagram.com, a Page (or `me`) with its Page
//! token on graph.facebook.com. The rules are `localgram_core::webhooks`.

use super::call::{Caller, graph_json};
use super::request::GraphRequest;
use crate::error::{ApiError, Result};
use crate::state::AppState;
use axum::http::Method;
use axum::response::Response;
use localgram_core::error::{GraphError, GraphHost};
use localgram_core::webhooks::{EnabledBy, SubscribeRequest};
use serde_json::{Value, json};

async fn caller(state: &AppState, gr: &GraphRequest, host: GraphHost) -> Result<Caller> {
    super::call::caller(state, gr, host, false).await
}

fn param<'a>(gr: &'a GraphRequest, name: &str) -> Result<Option<&'a str>> {
    gr.params.get(name).map_err(|_| {
        ApiError::Graph(GraphError::invalid_parameter(format!(
            "(#100) The parameter {name} was given more than once"
        )))
    })
}

fn success(gr: &GraphRequest) -> Response {
    graph_json(gr, &json!({"success": true}))
}

/// `GET|POST|DELETE /{app-id}/subscriptions` (graph.facebook.com).
pub async fn subscriptions(state: &AppState, gr: &GraphRequest, app_id: &str) -> Result<Response> {
    let caller = caller(state, gr, GraphHost::Facebook).await?;
    let platform = &state.platform;
    let res = match gr.method {
        Method::POST => {
            let req = SubscribeRequest {
                object: param(gr, "object")?,
                callback_url: param(gr, "callback_url")?,
                fields: param(gr, "fields")?,
                verify_token: param(gr, "verify_token")?,
                include_values: param(gr, "include_values")?,
                version: &gr.version,
            };
            platform
                .subscribe_app(
                    &caller.token,
                    app_id,
                    &req,
                    &state.config.webhook_allow_hosts,
                    &state.webhook_client,
                )
                .await?;
            success(gr)
        }
        Method::DELETE => {
            platform
                .unsubscribe_app(
                    &caller.token,
                    app_id,
                    param(gr, "object")?,
                    param(gr, "fields")?,
                )
                .await?;
            success(gr)
        }
        _ => {
            let subs = platform.app_subscriptions(&caller.token, app_id).await?;
            let data: Vec<Value> = subs
                .iter()
                .map(|s| {
                    json!({
                        "object": s.object,
                        "callback_url": s.callback_url,
                        "active": true,
                        "fields": s.fields.iter().map(|f| json!({"name": f.name, "version": f.version})).collect::<Vec<_>>(),
                    })
                })
                .collect();
            graph_json(gr, &json!({ "data": data }))
        }
    };
    Ok(caller.finish(res))
}

/// `GET|POST|DELETE /{node}/subscribed_apps` on either host.
pub async fn subscribed_apps(
    state: &AppState,
    gr: &GraphRequest,
    node: &str,
    host: GraphHost,
) -> Result<Response> {
    let caller = caller(state, gr, host).await?;
    let platform = &state.platform;
    let res = match gr.method {
        Method::POST => {
            platform
                .enable_subscribed_app(&caller.token, node, host, param(gr, "subscribed_fields")?)
                .await?;
            success(gr)
        }
        Method::DELETE => {
            platform
                .disable_subscribed_app(&caller.token, node, host)
                .await?;
            success(gr)
        }
        _ => {
            let apps = platform.subscribed_apps(&caller.token, node, host).await?;
            let data: Vec<Value> = apps
                .iter()
                .map(|(s, name)| match s.kind {
                    EnabledBy::Page => json!({
                        "name": name,
                        "id": s.app_id,
                        "subscribed_fields": s.fields,
                    }),
                    EnabledBy::Instagram => json!({
                        "id": s.app_id,
                        "subscribed_fields": s.fields,
                    }),
                })
                .collect();
            graph_json(gr, &json!({ "data": data }))
        }
    };
    Ok(caller.finish(res))
}
