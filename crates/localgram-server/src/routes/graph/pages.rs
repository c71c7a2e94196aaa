//! graph.facebook.com nodes and edges: the Facebook user node (`/me`), the accounts edge (list and
//! create), the Page node with its Instagram professional account, the category tree and
//! `DELETE /{user-id}/permissions` (`docs/graph-api.md#accounts-edge`,
//! `docs/graph-api.md#page-node`, `docs/graph-api.md#page-creation`,
//! `docs/graph-api.md#revoking-permissions`).

use super::call::{Caller, caller, graph_json, paging_url};
use super::fields::{Api, check_user, render_user, requested};
use super::request::GraphRequest;
use crate::error::Result;
use crate::state::AppState;
use axum::response::Response;
use localgram_core::categories;
use localgram_core::error::GraphError;
use localgram_core::error::GraphHost;
use localgram_core::fields::FieldSelection;
use localgram_core::linked::FacebookNode;
use localgram_core::model::{FbUser, Page, TokenRecord};
use localgram_core::pages::{AccountsPage, AccountsParams};
use serde_json::{Map, Value, json};

/// Fields of the Facebook user node.
pub const FB_USER_FIELDS: &[&str] = &["id", "name", "email", "accounts"];

/// Fields of the Page node (plus `tasks` on the accounts edge).
pub const PAGE_FIELDS: &[&str] = &[
    "id",
    "name",
    "about",
    "category",
    "category_list",
    "description",
    "phone",
    "website",
    "link",
    "location",
    "picture",
    "cover",
    "instagram_business_account",
    "access_token",
    "is_place",
    "is_promotable",
];

/// Default fields of each Page on the accounts edge (`docs/graph-api.md#accounts-edge`).
const ACCOUNTS_DEFAULT: &str = "access_token,category,category_list,name,id,tasks";

fn check_page(sel: &[FieldSelection], on_edge: bool) -> Result<()> {
    for f in sel {
        let known = PAGE_FIELDS.contains(&f.name.as_str()) || (on_edge && f.name == "tasks");
        if !known {
            return Err(GraphError::nonexisting_field(&f.name, "Page").into());
        }
        if let Some(nested) = &f.nested {
            match f.name.as_str() {
                "instagram_business_account" => check_user(nested, Api::FacebookLogin)?,
                "picture" | "cover" => {}
                _ => return Err(GraphError::nonexisting_field(&f.name, "Page").into()),
            }
        }
    }
    Ok(())
}

fn check_fb_user(sel: &[FieldSelection]) -> Result<Option<&FieldSelection>> {
    let mut accounts = None;
    for f in sel {
        if !FB_USER_FIELDS.contains(&f.name.as_str()) {
            return Err(GraphError::nonexisting_field(&f.name, "User").into());
        }
        if f.name == "accounts" {
            check_page(f.nested.as_deref().unwrap_or(&[]), true)?;
            accounts = Some(f);
        } else if f.nested.is_some() {
            return Err(GraphError::nonexisting_field(&f.name, "User").into());
        }
    }
    Ok(accounts)
}

fn category_list(page: &Page) -> Vec<&'static categories::Category> {
    let ids: Vec<&'static categories::Category> = page
        .extra
        .get("category_list")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .filter_map(categories::by_id)
                .collect()
        })
        .unwrap_or_default();
    if ids.is_empty() {
        categories::by_enum(&page.category_enum)
            .into_iter()
            .collect()
    } else {
        ids
    }
}

/// Renders a Page with the selected fields. `tasks` is the caller's tasks on it (`None`: no
/// role, so no `access_token`).
async fn render_page(
    state: &AppState,
    gr: &GraphRequest,
    token: &TokenRecord,
    page: &Page,
    tasks: Option<&[String]>,
    sel: &[FieldSelection],
) -> Result<Value> {
    let mut out = Map::new();
    let extra = page.extra.as_object();
    let get = |k: &str| extra.and_then(|e| e.get(k));
    for f in sel {
        let v = match f.name.as_str() {
            "id" => json!(page.id),
            "name" => json!(page.name),
            "about" if !page.about.is_empty() => json!(page.about),
            "description" if !page.description.is_empty() => json!(page.description),
            "phone" if !page.phone.is_empty() => json!(page.phone),
            "website" if !page.website.is_empty() => json!(page.website),
            "category" => json!(
                categories::by_enum(&page.category_enum)
                    .map(|c| c.name)
                    .unwrap_or(page.category_enum.as_str())
            ),
            "category_list" => Value::Array(
                category_list(page)
                    .into_iter()
                    .map(|c| json!({"id": c.id, "name": c.name}))
                    .collect(),
            ),
            "link" => json!(format!("https://www.facebook.com/{}", page.id)),
            "location" => match get("location") {
                Some(l) => l.clone(),
                None => continue,
            },
            "picture" => {
                let url = get("picture").and_then(Value::as_str).map_or_else(
                    || {
                        format!(
                            "{}/{}/picture",
                            crate::http::origin::host_url(&state.public_url, "/graph.facebook.com"),
                            page.id
                        )
                    },
                    str::to_owned,
                );
                json!({"data": {"url": url, "is_silhouette": get("picture").is_none()}})
            }
            "cover" => match get("cover_photo") {
                Some(c) => json!({
                    "id": format!("{}_cover", page.id),
                    "source": c.get("url").cloned().unwrap_or(Value::Null),
                    "offset_x": c.get("offset_x").cloned().unwrap_or(json!(50)),
                    "offset_y": c.get("offset_y").cloned().unwrap_or(json!(50)),
                }),
                None => continue,
            },
            "is_place" => json!(page.is_place),
            "is_promotable" => json!(page.is_promotable),
            "instagram_business_account" => match &page.instagram_business_account {
                Some(ig) => {
                    // Reading the account counts against its Instagram Business Use Case
                    // limit for this app (80002 past it).
                    let counted = state
                        .platform
                        .count_instagram_account_call(&token.app_id, ig)
                        .await?;
                    if let Some(e) = counted.throttled {
                        return Err(crate::error::ApiError::GraphWithUsage(e, counted.usage));
                    }
                    let Some(profile) = state.platform.page_ig_account(ig).await? else {
                        continue;
                    };
                    let default = [FieldSelection::plain("id")];
                    let nested = f.nested.as_deref().unwrap_or(&default);
                    render_user(state, gr, token, &profile, nested).await?
                }
                None => continue,
            },
            "tasks" => match tasks {
                Some(t) => json!(t),
                None => continue,
            },
            "access_token" => match tasks {
                Some(_)
                    if matches!(
                        token.kind,
                        localgram_core::model::TokenKind::FacebookUser
                            | localgram_core::model::TokenKind::FacebookUserLongLived
                    ) =>
                {
                    json!(
                        state
                            .platform
                            .issue_page_token(token, &page.id)
                            .await?
                            .expose()
                    )
                }
                _ => continue,
            },
            _ => continue,
        };
        out.insert(f.name.clone(), v);
    }
    Ok(Value::Object(out))
}

/// Renders one page of the accounts edge, with `summary` when asked.
#[allow(clippy::too_many_arguments)]
async fn render_accounts(
    state: &AppState,
    gr: &GraphRequest,
    token: &TokenRecord,
    page: &AccountsPage,
    sel: &[FieldSelection],
    path: &str,
    base_params: &[(String, String)],
    summary: bool,
) -> Result<Value> {
    let mut data = Vec::with_capacity(page.items.len());
    for p in &page.items {
        data.push(render_page(state, gr, token, &p.page, Some(&p.tasks), sel).await?);
    }
    let mut out = Map::new();
    out.insert("data".into(), Value::Array(data));
    if !page.items.is_empty() {
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
                json!(paging_url(state, gr, path, base_params, ("before", b))),
            );
        }
        if page.has_next
            && let Some(a) = &page.after
        {
            paging.insert(
                "next".into(),
                json!(paging_url(state, gr, path, base_params, ("after", a))),
            );
        }
        out.insert("paging".into(), Value::Object(paging));
    }
    if summary {
        out.insert("summary".into(), json!({ "total_count": page.total_count }));
    }
    Ok(Value::Object(out))
}

fn wants_summary(raw: Option<&str>) -> bool {
    raw.is_some_and(|s| {
        s.split(',')
            .any(|p| matches!(p.trim(), "total_count" | "true" | "1"))
    })
}

/// `/me` on graph.facebook.com: the user node (default `id,name`), with `accounts` expansion.
pub async fn get_user(state: &AppState, gr: &GraphRequest, id: Option<&str>) -> Result<Response> {
    let caller = caller(state, gr, GraphHost::Facebook, id.is_none()).await?;
    let sel = requested(gr, "id,name")?;
    let accounts_sel = check_fb_user(&sel)?;
    let user = user_of(state, &caller, id).await?;
    let mut out = Map::new();
    for f in &sel {
        let v = match f.name.as_str() {
            "id" => json!(user.id),
            "name" => json!(user.name),
            "email" => match &user.email {
                Some(e) => json!(e),
                None => continue,
            },
            "accounts" => {
                let Some(a) = accounts_sel else { continue };
                let user = state
                    .platform
                    .accounts_owner(&caller.token, Some(&user.id))
                    .await?;
                let params = AccountsParams {
                    limit: a.limit(),
                    ..AccountsParams::default()
                };
                let page = state
                    .platform
                    .list_accounts(&caller.token, &user, &params)
                    .await?;
                let default = localgram_core::fields::parse(ACCOUNTS_DEFAULT)
                    .map_err(|_| GraphError::internal())?;
                let nested = a.nested.as_deref().unwrap_or(&default);
                let mut base = Vec::new();
                if let Some(t) = gr.token.as_deref().filter(|_| gr.token_in_query) {
                    base.push(("access_token".to_owned(), t.to_owned()));
                }
                if let Some(l) = a.limit() {
                    base.push(("limit".to_owned(), l.to_owned()));
                }
                let path = format!("/{}/{}/accounts", gr.version, user.id);
                render_accounts(
                    state,
                    gr,
                    &caller.token,
                    &page,
                    nested,
                    &path,
                    &base,
                    a.modifier("summary")
                        .is_some_and(|s| s == "true" || s == "total_count"),
                )
                .await?
            }
            _ => continue,
        };
        out.insert(f.name.clone(), v);
    }
    Ok(caller.finish(graph_json(gr, &Value::Object(out))))
}

async fn user_of(state: &AppState, caller: &Caller, id: Option<&str>) -> Result<FbUser> {
    let own = match &caller.token.subject {
        localgram_core::model::Subject::Facebook(u)
            if caller.token.kind != localgram_core::model::TokenKind::Page =>
        {
            u.clone()
        }
        localgram_core::model::Subject::App if id.is_none() => {
            return Err(GraphError::no_token_for_me().into());
        }
        _ => {
            return Err(GraphError::unsupported_request(
                localgram_core::error::GraphHost::Facebook,
                "GET",
                id.unwrap_or("me"),
            )
            .into());
        }
    };
    if let Some(id) = id
        && id != own
    {
        return Err(GraphError::unsupported_request(
            localgram_core::error::GraphHost::Facebook,
            "GET",
            id,
        )
        .into());
    }
    state
        .platform
        .find_facebook_user(&own)
        .await
        .map_err(|e| GraphError::from_store(&e))?
        .ok_or_else(|| GraphError::invalid_user_id().into())
}

/// `GET /{user-id}/accounts`.
pub async fn get_accounts(state: &AppState, gr: &GraphRequest, node: &str) -> Result<Response> {
    let caller = caller(state, gr, GraphHost::Facebook, node == "me").await?;
    let sel = requested(gr, ACCOUNTS_DEFAULT)?;
    check_page(&sel, true)?;
    let user = state
        .platform
        .accounts_owner(&caller.token, (node != "me").then_some(node))
        .await?;
    let p = |n| gr.params.get(n).ok().flatten();
    let params = AccountsParams {
        is_place: p("is_place"),
        is_promotable: p("is_promotable"),
        limit: p("limit"),
        after: p("after"),
        before: p("before"),
    };
    let page = state
        .platform
        .list_accounts(&caller.token, &user, &params)
        .await?;
    let path = format!("/{}/{}/accounts", gr.version, node);
    let body = render_accounts(
        state,
        gr,
        &caller.token,
        &page,
        &sel,
        &path,
        gr.params.pairs(),
        wants_summary(p("summary")),
    )
    .await?;
    Ok(caller.finish(graph_json(gr, &body)))
}

/// `POST /{user-id}/accounts`: `{"id": "…"}`, or with `fields`, the new Page with those fields
/// (read-after-write; the fields are checked before anything is written).
pub async fn post_accounts(state: &AppState, gr: &GraphRequest, node: &str) -> Result<Response> {
    let caller = caller(state, gr, GraphHost::Facebook, node == "me").await?;
    let sel = match gr.params.has("fields") {
        true => {
            let sel = requested(gr, "id")?;
            check_page(&sel, true)?;
            Some(sel)
        }
        false => None,
    };
    let id = state
        .platform
        .create_page(&caller.token, (node != "me").then_some(node), &gr.params)
        .await?;
    let Some(sel) = sel else {
        return Ok(caller.finish(graph_json(gr, &json!({ "id": id }))));
    };
    let page = state.platform.read_page(&id).await?;
    let tasks = state.platform.tasks_on_page(&caller.token, &id).await?;
    let mut body = render_page(state, gr, &caller.token, &page, tasks.as_deref(), &sel).await?;
    if let Some(o) = body.as_object_mut() {
        o.entry("id").or_insert_with(|| json!(id));
    }
    Ok(caller.finish(graph_json(gr, &body)))
}

/// `GET /{id}` on graph.facebook.com: the token's own user, or a Page.
pub async fn get_node(state: &AppState, gr: &GraphRequest, id: &str) -> Result<Response> {
    let caller = caller(state, gr, GraphHost::Facebook, false).await?;
    if caller.token.subject.user_id() == Some(id)
        && caller.token.kind != localgram_core::model::TokenKind::Page
    {
        drop(caller);
        return get_user(state, gr, Some(id)).await;
    }
    if let Some(res) = super::publishing::container_node(
        state,
        gr,
        &caller,
        id,
        localgram_core::error::GraphHost::Facebook,
    )
    .await?
    {
        return Ok(caller.finish(res));
    }
    if let Some(res) = super::comments::comment_node(
        state,
        gr,
        &caller,
        id,
        localgram_core::error::GraphHost::Facebook,
    )
    .await?
    {
        return Ok(caller.finish(res));
    }
    let page = match state.platform.facebook_node(&caller.token, id).await? {
        FacebookNode::Page(page) => page,
        FacebookNode::InstagramUser(profile) => {
            return super::linked::user_node(state, gr, caller, &profile).await;
        }
        FacebookNode::InstagramMedia(media) => {
            return super::linked::media_node(state, gr, caller, &media).await;
        }
    };
    let sel = requested(gr, "id,name")?;
    check_page(&sel, false)?;
    let tasks = state.platform.tasks_on_page(&caller.token, id).await?;
    let body = render_page(state, gr, &caller.token, &page, tasks.as_deref(), &sel).await?;
    Ok(caller.finish(graph_json(gr, &body)))
}

/// `GET /fb_page_categories`: the category tree (any valid token).
pub async fn get_categories(state: &AppState, gr: &GraphRequest) -> Result<Response> {
    let caller = caller(state, gr, GraphHost::Facebook, false).await?;
    Ok(caller.finish(graph_json(gr, &categories::tree_json())))
}

/// `DELETE /{user-id}/permissions`: revokes the app's grant; `{"success": true}`.
pub async fn delete_permissions(
    state: &AppState,
    gr: &GraphRequest,
    node: &str,
) -> Result<Response> {
    let caller = caller(state, gr, GraphHost::Facebook, node == "me").await?;
    state
        .platform
        .revoke_fb_permissions(&caller.token, (node != "me").then_some(node))
        .await?;
    Ok(caller.finish(graph_json(gr, &json!({ "success": true }))))
}
