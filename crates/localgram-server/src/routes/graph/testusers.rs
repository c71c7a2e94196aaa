//! graph.facebook.com test users (`docs/graph-api.md#test-users`):
//! `GET|POST|DELETE /{app-id}/accounts/test-users` (also `/{app-id}/accounts?type=test-users`),
//! with an app token.

use super::call::{caller, graph_json, paging_url};
use super::request::GraphRequest;
use crate::error::Result;
use crate::state::AppState;
use axum::response::Response;
use localgram_core::error::GraphError;
use localgram_core::error::GraphHost;
use serde_json::{Map, Value, json};

/// A test user's `login_url`: it logs a browser in as the test user, once, within an hour.
async fn login_url(state: &AppState, id: &str) -> Result<String> {
    let nonce = state
        .platform
        .issue_test_user_login(id)
        .await
        .map_err(|e| GraphError::from_store(&e))?;
    Ok(format!(
        "{}/checkpoint/test-user-login/{id}/?n={}",
        crate::http::origin::host_url(&state.public_url, "/www.facebook.com"),
        nonce.expose()
    ))
}

/// `GET /{app-id}/accounts/test-users`.
pub async fn get_test_users(state: &AppState, gr: &GraphRequest, app_id: &str) -> Result<Response> {
    let caller = caller(state, gr, GraphHost::Facebook, false).await?;
    let page = state
        .platform
        .list_test_users(&caller.token, app_id, &gr.params)
        .await?;
    let mut data = Vec::with_capacity(page.items.len());
    for u in &page.items {
        let mut item = Map::new();
        item.insert("id".into(), json!(u.id));
        if let Some(t) = &u.access_token {
            item.insert("access_token".into(), json!(t.expose()));
        }
        item.insert("login_url".into(), json!(login_url(state, &u.id).await?));
        data.push(Value::Object(item));
    }
    let mut out = Map::new();
    out.insert("data".into(), Value::Array(data));
    if !page.items.is_empty() {
        let path = format!("/{}/{app_id}/accounts/test-users", gr.version);
        let mut paging = Map::new();
        paging.insert(
            "cursors".into(),
            json!({ "before": page.before, "after": page.after }),
        );
        if page.has_previous
            && let Some(b) = &page.before
        {
            paging.insert(
                "previous".into(),
                json!(paging_url(state, gr, &path, &gr.params, ("before", b))),
            );
        }
        if page.has_next
            && let Some(a) = &page.after
        {
            paging.insert(
                "next".into(),
                json!(paging_url(state, gr, &path, &gr.params, ("after", a))),
            );
        }
        out.insert("paging".into(), Value::Object(paging));
    }
    Ok(caller.finish(graph_json(gr, &Value::Object(out))))
}

/// `POST /{app-id}/accounts/test-users` (or a GET with `method=post`).
pub async fn post_test_user(state: &AppState, gr: &GraphRequest, app_id: &str) -> Result<Response> {
    let caller = caller(state, gr, GraphHost::Facebook, false).await?;
    let created = state
        .platform
        .create_test_user(&caller.token, app_id, &gr.params)
        .await?;
    let mut out = Map::new();
    out.insert("id".into(), json!(created.id));
    if let Some(t) = &created.access_token {
        out.insert("access_token".into(), json!(t.expose()));
    }
    out.insert(
        "login_url".into(),
        json!(login_url(state, &created.id).await?),
    );
    if let Some(email) = &created.email {
        out.insert("email".into(), json!(email));
    }
    if let Some(p) = &created.password {
        out.insert("password".into(), json!(p.expose()));
    }
    let mut res = graph_json(gr, &Value::Object(out));
    crate::error::no_store(res.headers_mut());
    Ok(caller.finish(res))
}

/// `DELETE /{app-id}/accounts/test-users?uid=…` (or `method=delete`).
pub async fn delete_test_user(
    state: &AppState,
    gr: &GraphRequest,
    app_id: &str,
) -> Result<Response> {
    let caller = caller(state, gr, GraphHost::Facebook, false).await?;
    state
        .platform
        .remove_test_user(&caller.token, app_id, &gr.params)
        .await?;
    Ok(caller.finish(graph_json(gr, &json!({"success": true}))))
}
