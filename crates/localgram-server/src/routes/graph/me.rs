//! `GET /me` and `GET /{user-id}` (api-contract.md §7). Without `fields`, only `id`.

use super::{GraphRequest, graph_json};
use crate::error::Result;
use crate::http::logging::AppTag;
use crate::state::AppState;
use axum::response::Response;
use localgram_core::error::{GraphError, GraphHost};
use serde_json::{Map, Value, json};

/// The fields of the Instagram user node.
const USER_FIELDS: &[&str] = &[
    "id",
    "user_id",
    "username",
    "name",
    "account_type",
    "media_count",
    "followers_count",
    "follows_count",
    "biography",
    "website",
];

/// The user node.
pub async fn get_user(state: &AppState, gr: &GraphRequest, id: Option<&str>) -> Result<Response> {
    let Some(raw) = gr.token.as_deref() else {
        return Err(match id {
            None => GraphError::no_token_for_me(),
            Some(_) => GraphError::no_token(),
        }
        .into());
    };
    let token = state
        .platform
        .resolve_token(raw, GraphHost::Instagram)
        .await?;
    let fields: Vec<String> = match gr
        .params
        .get("fields")
        .map_err(|_| GraphError::invalid_parameter("(#100) fields was given more than once"))?
    {
        None => vec!["id".into()],
        Some(f) => f
            .split(',')
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect(),
    };
    if let Some(unknown) = fields.iter().find(|f| !USER_FIELDS.contains(&f.as_str())) {
        return Err(GraphError::nonexisting_field(unknown, "User").into());
    }
    let profile = state.platform.profile(&token, id).await?;
    if fields.iter().any(|f| f == "media_count")
        && !token
            .scopes
            .iter()
            .any(|s| s == "user_media" || s.starts_with("instagram_business_"))
    {
        return Err(GraphError::permission_denied().into());
    }
    let u = &profile.user;
    let mut out = Map::new();
    for f in &fields {
        let v = match f.as_str() {
            "id" => json!(u.id),
            "user_id" => json!(u.id),
            "username" => json!(u.username),
            "name" if !u.name.is_empty() => json!(u.name),
            "account_type" => json!(profile.account_type()),
            "media_count" => json!(profile.media_count),
            "followers_count" => json!(u.followers_count),
            "follows_count" => json!(u.follows_count),
            "biography" if !u.biography.is_empty() => json!(u.biography),
            "website" if !u.website.is_empty() => json!(u.website),
            _ => continue,
        };
        out.insert(f.clone(), v);
    }
    if !out.contains_key("id") {
        out.insert("id".into(), json!(u.id));
    }
    let mut res = graph_json(gr, &Value::Object(out));
    res.extensions_mut().insert(AppTag(token.app_id));
    Ok(res)
}
