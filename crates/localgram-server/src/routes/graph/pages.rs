//! graph.facebook.com nodes and edges: the Facebook user node (`/me`), the accounts edge (list and
//! create), the Page node with its Instagram professional account, the category tree and
//! `DELETE /{user-id}/permissions` (`docs/graph-api.md#accounts-edge`,
//! `docs/graph-api.md#page-node`, `docs/graph-api.md#page-creation`,
//! `docs/graph-api.md#revoking-permissions`).

use super::call::{Caller, caller, graph_json, graph_json_bytes, paging_url};
use super::fields::{Api, check, render_user, requested};
use super::json_out::{Members, Object, push_array};
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
use localgram_types::schema;
use serde_json::{Value, json};

/// Checks a Page selection ([`schema::PAGE`]); `on_edge`: on the accounts edge (`tasks`).
fn check_page(sel: &[FieldSelection], on_edge: bool) -> Result<()> {
    check(sel, &schema::PAGE, Api::FacebookLogin, on_edge)
}

/// Checks a Facebook user selection ([`schema::FB_USER`]); the `accounts` selection (the last
/// one), if any.
fn check_fb_user(sel: &[FieldSelection]) -> Result<Option<&FieldSelection>> {
    check(sel, &schema::FB_USER, Api::FacebookLogin, false)?;
    Ok(sel.iter().rev().find(|f| f.name == "accounts"))
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

/// Renders a Page ([`schema::PAGE`]) with the selected fields, keys sorted by name (written by
/// [`Members::write`]). `tasks` is the caller's tasks on it (`None`: no role, so no
/// `access_token`).
async fn render_page<'s>(
    state: &AppState,
    gr: &GraphRequest,
    token: &TokenRecord,
    page: &Page,
    tasks: Option<&[String]>,
    sel: &'s [FieldSelection],
) -> Result<Members<'s>> {
    let mut out = Members::new();
    let extra = page.extra.as_object();
    let get = |k: &str| extra.and_then(|e| e.get(k));
    for f in sel {
        let key = f.name.as_str();
        match key {
            "id" => out.str(key, &page.id),
            "name" => out.str(key, &page.name),
            "about" if !page.about.is_empty() => out.str(key, &page.about),
            "description" if !page.description.is_empty() => out.str(key, &page.description),
            "phone" if !page.phone.is_empty() => out.str(key, &page.phone),
            "website" if !page.website.is_empty() => out.str(key, &page.website),
            "category" => out.str(
                key,
                categories::by_enum(&page.category_enum)
                    .map(|c| c.name)
                    .unwrap_or(page.category_enum.as_str()),
            ),
            "category_list" => push_array(out.key(key), &category_list(page), |c, buf| {
                let mut o = Object::begin(buf);
                o.str("id", c.id);
                o.str("name", c.name);
                o.end();
            }),
            "link" => out.str(key, &format!("https://www.facebook.com/{}", page.id)),
            "location" => {
                if let Some(l) = get("location") {
                    out.value(key, l);
                }
            }
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
                let mut picture = Object::begin(out.key(key));
                let mut data = Object::begin(picture.key("data"));
                data.value("is_silhouette", &get("picture").is_none());
                data.str("url", &url);
                data.end();
                picture.end();
            }
            "cover" => {
                if let Some(c) = get("cover_photo") {
                    let fifty = Value::from(50);
                    let mut cover = Object::begin(out.key(key));
                    cover.str("id", &format!("{}_cover", page.id));
                    cover.value("offset_x", c.get("offset_x").unwrap_or(&fifty));
                    cover.value("offset_y", c.get("offset_y").unwrap_or(&fifty));
                    cover.value("source", c.get("url").unwrap_or(&Value::Null));
                    cover.end();
                }
            }
            "is_place" => out.value(key, &page.is_place),
            "is_promotable" => out.value(key, &page.is_promotable),
            "instagram_business_account" => {
                if let Some(ig) = &page.instagram_business_account {
                    // Reading the account counts against its Instagram Business Use Case
                    // limit for this app (80002 past it).
                    let counted = state
                        .platform
                        .count_instagram_account_call(&token.app_id, ig)
                        .await?;
                    if let Some(e) = counted.throttled {
                        return Err(crate::error::ApiError::GraphWithUsage(e, counted.usage));
                    }
                    if let Some(profile) = state.platform.page_ig_account(ig).await? {
                        let default = [FieldSelection::plain("id")];
                        let nested = f.nested.as_deref().unwrap_or(&default);
                        out.raw(key, render_user(state, gr, token, &profile, nested).await?);
                    }
                }
            }
            "tasks" => {
                if let Some(t) = tasks {
                    out.value(key, t);
                }
            }
            "access_token"
                if tasks.is_some()
                    && matches!(
                        token.kind,
                        localgram_core::model::TokenKind::FacebookUser
                            | localgram_core::model::TokenKind::FacebookUserLongLived
                    ) =>
            {
                let page_token = state.platform.issue_page_token(token, &page.id).await?;
                out.str(key, page_token.expose());
            }
            _ => {}
        }
    }
    Ok(out)
}

/// Renders one page of the accounts edge, with `summary` when asked, as JSON bytes.
#[allow(clippy::too_many_arguments)]
async fn render_accounts(
    state: &AppState,
    gr: &GraphRequest,
    token: &TokenRecord,
    page: &AccountsPage,
    sel: &[FieldSelection],
    path: &str,
    base_params: &localgram_core::params::Params,
    summary: bool,
) -> Result<Vec<u8>> {
    let mut buf = Vec::with_capacity(256 * page.items.len() + 512);
    let mut out = Object::begin(&mut buf);
    {
        let data = out.key("data");
        data.push(b'[');
        for (i, p) in page.items.iter().enumerate() {
            if i > 0 {
                data.push(b',');
            }
            render_page(state, gr, token, &p.page, Some(&p.tasks), sel)
                .await?
                .write(data);
        }
        data.push(b']');
    }
    if !page.items.is_empty() {
        let mut paging = Object::begin(out.key("paging"));
        {
            let mut cursors = Object::begin(paging.key("cursors"));
            cursors.value("after", &page.after);
            cursors.value("before", &page.before);
            cursors.end();
        }
        if page.has_next
            && let Some(a) = &page.after
        {
            paging.str(
                "next",
                &paging_url(state, gr, path, base_params, ("after", a)),
            );
        }
        if page.has_previous
            && let Some(b) = &page.before
        {
            paging.str(
                "previous",
                &paging_url(state, gr, path, base_params, ("before", b)),
            );
        }
        paging.end();
    }
    if summary {
        let mut s = Object::begin(out.key("summary"));
        s.value("total_count", &page.total_count);
        s.end();
    }
    out.end();
    Ok(buf)
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
    let mut out = Members::new();
    for f in &sel {
        let key = f.name.as_str();
        match key {
            "id" => out.str(key, &user.id),
            "name" => out.str(key, &user.name),
            "email" => {
                if let Some(e) = &user.email {
                    out.str(key, e);
                }
            }
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
                let default = localgram_core::fields::parse(&schema::PAGE.edge_default_fields())
                    .map_err(|_| GraphError::internal())?;
                let nested = a.nested.as_deref().unwrap_or(&default);
                let base = super::fields::nested_edge_params(gr, None, a.limit());
                let path = format!("/{}/{}/accounts", gr.version, user.id);
                let accounts = render_accounts(
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
                .await?;
                out.raw(key, accounts);
            }
            _ => {}
        }
    }
    Ok(caller.finish(graph_json_bytes(gr, out.into_bytes())))
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
    let sel = requested(gr, &schema::PAGE.edge_default_fields())?;
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
        &gr.params,
        wants_summary(p("summary")),
    )
    .await?;
    Ok(caller.finish(graph_json_bytes(gr, body)))
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
    if !body.contains("id") {
        body.str("id", &id);
    }
    Ok(caller.finish(graph_json_bytes(gr, body.into_bytes())))
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
    Ok(caller.finish(graph_json_bytes(gr, body.into_bytes())))
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
