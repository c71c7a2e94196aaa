//! Field selection on graph.instagram.com: the `fields` parameter parsed by the grammar of
//! `localgram_core::fields`, checked against each node type before anything is read, and the
//! node renderers (user, media) that honour it.

use super::{GraphRequest, paging_url};
use crate::error::{ApiError, Result};
use crate::media::urls;
use crate::state::AppState;
use localgram_core::error::GraphError;
use localgram_core::fields::{self, FieldSelection};
use localgram_core::media::{MediaPage, PageParams};
use localgram_core::model::{IgMedia, TokenRecord};
use localgram_core::profile::Profile;
use localgram_core::timefmt::graph_timestamp;
use serde_json::{Map, Value, json};

/// Fields of the Instagram user node.
pub const USER_FIELDS: &[&str] = &[
    "id",
    "user_id",
    "username",
    "name",
    "account_type",
    "media_count",
    "profile_picture_url",
    "followers_count",
    "follows_count",
    "biography",
    "website",
    "media",
];

/// Fields of the Instagram media node.
pub const MEDIA_FIELDS: &[&str] = &[
    "id",
    "caption",
    "media_type",
    "media_url",
    "permalink",
    "thumbnail_url",
    "timestamp",
    "username",
    "is_shared_to_feed",
    "media_product_type",
    "shortcode",
    "children",
];

/// The `fields` of a request, or `default` when absent.
pub fn requested(gr: &GraphRequest, default: &str) -> Result<Vec<FieldSelection>> {
    let raw = gr.params.get("fields").map_err(|_| {
        GraphError::invalid_parameter("(#100) The parameter fields was given more than once")
    })?;
    let raw = raw.unwrap_or(default);
    fields::parse(raw).map_err(|e| ApiError::Graph(GraphError::fields_syntax(e.graph_message(raw))))
}

/// Checks every selection (recursively) against the node types; the first unknown field is a
/// code 100 error naming it and its node type.
pub fn check_user(sel: &[FieldSelection]) -> Result<()> {
    for f in sel {
        if !USER_FIELDS.contains(&f.name.as_str()) {
            return Err(GraphError::nonexisting_field(&f.name, "User").into());
        }
        if let Some(nested) = &f.nested {
            if f.name != "media" {
                return Err(GraphError::nonexisting_field(&f.name, "User").into());
            }
            check_media(nested)?;
        }
    }
    Ok(())
}

/// Checks media selections.
pub fn check_media(sel: &[FieldSelection]) -> Result<()> {
    for f in sel {
        if !MEDIA_FIELDS.contains(&f.name.as_str()) {
            return Err(GraphError::nonexisting_field(&f.name, "Media").into());
        }
        if let Some(nested) = &f.nested {
            if f.name != "children" {
                return Err(GraphError::nonexisting_field(&f.name, "Media").into());
            }
            check_media(nested)?;
        }
    }
    Ok(())
}

/// Renders the user node.
pub async fn render_user(
    state: &AppState,
    gr: &GraphRequest,
    token: &TokenRecord,
    profile: &Profile,
    sel: &[FieldSelection],
) -> Result<Value> {
    let u = &profile.user;
    let mut out = Map::new();
    for f in sel {
        let v = match f.name.as_str() {
            "id" => json!(u.id),
            "user_id" => json!(u.id),
            "username" => json!(u.username),
            "name" if !u.name.is_empty() => json!(u.name),
            "account_type" => json!(profile.account_type()),
            "media_count" => {
                if !localgram_core::media::can_read_media(token) {
                    return Err(GraphError::permission_denied().into());
                }
                json!(profile.media_count)
            }
            "profile_picture_url" => json!(urls::profile_picture_url(&state.public_url, u)),
            "followers_count" => json!(u.followers_count),
            "follows_count" => json!(u.follows_count),
            "biography" if !u.biography.is_empty() => json!(u.biography),
            "website" if !u.website.is_empty() => json!(u.website),
            "media" => {
                let nested = f
                    .nested
                    .clone()
                    .unwrap_or_else(|| vec![FieldSelection::plain("id")]);
                let limit = f.modifier("limit");
                let params = PageParams {
                    limit,
                    ..PageParams::default()
                };
                let page = state
                    .platform
                    .list_media(token, &u.id, &params, localgram_core::media::DEFAULT_LIMIT)
                    .await?;
                let next_base = nested_edge_params(gr, &nested, limit);
                let path = format!("/{}/{}/media", gr.version, u.id);
                render_page(state, gr, &page, &nested, &path, &next_base).await?
            }
            _ => continue,
        };
        out.insert(f.name.clone(), v);
    }
    out.entry("id").or_insert_with(|| json!(u.id));
    Ok(Value::Object(out))
}

/// The query of a nested edge's `next` link: the token (if it travelled in the query), the
/// nested fields and limit.
fn nested_edge_params(
    gr: &GraphRequest,
    nested: &[FieldSelection],
    limit: Option<&str>,
) -> Vec<(String, String)> {
    let mut p = Vec::new();
    if gr.token_in_query
        && let Some(t) = &gr.token
    {
        p.push(("access_token".to_owned(), t.clone()));
    }
    p.push(("fields".to_owned(), fields::print(nested)));
    if let Some(l) = limit {
        p.push(("limit".to_owned(), l.to_owned()));
    }
    p
}

/// Renders one page of media as `{"data": [...], "paging": {...}}` (D11: no `previous` on the
/// first page, no `next` on the last, an empty page is just `{"data": []}`).
pub async fn render_page(
    state: &AppState,
    gr: &GraphRequest,
    page: &MediaPage,
    sel: &[FieldSelection],
    path: &str,
    base_params: &[(String, String)],
) -> Result<Value> {
    let mut data = Vec::with_capacity(page.items.len());
    let owner = match page.items.first() {
        Some(m) if wants(sel, "username") => username_of(state, &m.owner_id).await?,
        _ => None,
    };
    for m in &page.items {
        data.push(render_media(state, m, sel, owner.as_deref(), 0).await?);
    }
    if data.is_empty() {
        return Ok(json!({ "data": [] }));
    }
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
    Ok(json!({ "data": data, "paging": paging }))
}

/// Whether `name` is selected anywhere in the tree.
pub fn wants(sel: &[FieldSelection], name: &str) -> bool {
    sel.iter()
        .any(|f| f.name == name || f.nested.as_deref().is_some_and(|n| wants(n, name)))
}

/// The owner's username, read once per response.
pub async fn username_of(state: &AppState, owner_id: &str) -> Result<Option<String>> {
    Ok(state
        .platform
        .cached_ig_user(owner_id)
        .await
        .map_err(|e| ApiError::Graph(GraphError::from_store(&e)))?
        .map(|u| u.username))
}

/// Renders a media node. Rules (§9): no `caption` on album children; `thumbnail_url` only on
/// VIDEO; no `permalink` for copyright-flagged media and no `media_url` for flagged VIDEO;
/// `children{…}` silently omitted on non-albums; absent values omitted, never `null`.
pub fn render_media<'a>(
    state: &'a AppState,
    m: &'a IgMedia,
    sel: &'a [FieldSelection],
    owner_username: Option<&'a str>,
    depth: usize,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<Value>> + Send + 'a>> {
    Box::pin(async move {
        let mut out = Map::new();
        let is_video = m.media_type == "VIDEO";
        for f in sel {
            let v = match f.name.as_str() {
                "id" => json!(m.id),
                "caption" => match (&m.caption, &m.parent_id) {
                    (Some(c), None) => json!(c),
                    _ => continue,
                },
                "media_type" => json!(m.media_type),
                "media_url" if !(is_video && m.copyright_flagged) => {
                    json!(urls::media_url(&state.public_url, m))
                }
                "permalink" if !m.copyright_flagged && m.parent_id.is_none() => {
                    let kind = if m.media_product_type == "REELS" {
                        "reel"
                    } else {
                        "p"
                    };
                    json!(format!("https://www.instagram.com/{kind}/{}/", m.shortcode))
                }
                "thumbnail_url" if is_video => json!(urls::thumbnail_url(&state.public_url, m)),
                "timestamp" => json!(graph_timestamp(m.timestamp)),
                "username" => match owner_username {
                    Some(u) => json!(u),
                    None => continue,
                },
                "is_shared_to_feed" => match (m.media_product_type.as_str(), m.is_shared_to_feed) {
                    ("REELS", Some(b)) => json!(b),
                    _ => continue,
                },
                "media_product_type" => json!(m.media_product_type),
                "shortcode" => json!(m.shortcode),
                "children" if m.media_type == "CAROUSEL_ALBUM" && depth < 2 => {
                    let nested = f
                        .nested
                        .clone()
                        .unwrap_or_else(|| vec![FieldSelection::plain("id")]);
                    let children = state.platform.children_of(m).await?;
                    let mut data = Vec::with_capacity(children.len());
                    for c in &children {
                        data.push(
                            render_media(state, c, &nested, owner_username, depth + 1).await?,
                        );
                    }
                    json!({ "data": data })
                }
                _ => continue,
            };
            out.insert(f.name.clone(), v);
        }
        out.entry("id").or_insert_with(|| json!(m.id));
        Ok(Value::Object(out))
    })
}
