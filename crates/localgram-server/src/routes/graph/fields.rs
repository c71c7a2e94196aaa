//! Field selection on graph.instagram.com: the `fields` parameter parsed by the grammar of
//! `localgram_core::fields`, checked against each node type before anything is read, and the
//! node renderers (user, media) that honour it.

use super::call::paging_url;
use super::json_out::{Members, Object};
use super::request::GraphRequest;
use crate::error::{ApiError, Result};
use crate::media::urls;
use crate::state::AppState;
use localgram_core::error::GraphError;
use localgram_core::fields::{self, FieldSelection};
use localgram_core::media::{MediaPage, PageParams};
use localgram_core::model::{IgMedia, TokenRecord};
use localgram_core::model::{MediaProductType, MediaType};
use localgram_core::profile::Profile;
use localgram_core::scope::Family;
use localgram_core::timefmt::push_graph_timestamp;

pub use localgram_types::schema::Api;
use localgram_types::schema::{self, Kind, Nesting, Node};

/// The API of an Instagram token (graph.instagram.com), from its scopes.
pub fn instagram_api(token: &TokenRecord) -> Api {
    match localgram_core::scope::family_of(&token.scopes) {
        Some(Family::InstagramLogin) => Api::InstagramLogin,
        _ => Api::BasicDisplay,
    }
}

/// The API of a professional account's token on `host` (comments, publishing): Instagram Login
/// on graph.instagram.com, Facebook Login on graph.facebook.com.
pub fn professional_api(host: localgram_core::error::GraphHost) -> Api {
    match host {
        localgram_core::error::GraphHost::Facebook => Api::FacebookLogin,
        _ => Api::InstagramLogin,
    }
}

/// The `fields` of a request, or `default` when absent.
pub fn requested(gr: &GraphRequest, default: &str) -> Result<Vec<FieldSelection>> {
    let raw = gr.params.get("fields").map_err(|_| {
        GraphError::invalid_parameter("(#100) The parameter fields was given more than once")
    })?;
    let raw = raw.unwrap_or(default);
    fields::parse(raw).map_err(|e| ApiError::Graph(GraphError::fields_syntax(e.graph_message(raw))))
}

/// Checks every selection (recursively) against the node's table (`localgram_types::schema`)
/// as `api` serves it, before anything is read: the first field the node does not have, or a
/// nested selection the field does not take, is a code 100 error naming the field and the node
/// type. `on_edge`: the node is an item of an edge (edge-only fields exist).
pub fn check(sel: &[FieldSelection], node: &Node, api: Api, on_edge: bool) -> Result<()> {
    let nonexisting = |name: &str| -> ApiError {
        GraphError::nonexisting_field(name, node.type_name(api)).into()
    };
    for f in sel {
        let Some(field) = node.served(&f.name, api, on_edge) else {
            return Err(nonexisting(&f.name));
        };
        let Some(nested) = &f.nested else { continue };
        match (field.nesting, field.kind) {
            (Nesting::Ignored, _) => {}
            (Nesting::Checked, Kind::Node(n)) => check(nested, n.node(), api, false)?,
            (Nesting::Checked, Kind::Edge { node: n, .. }) => check(nested, n.node(), api, true)?,
            (Nesting::Only(names), Kind::Node(n) | Kind::Edge { node: n, .. }) => {
                if let Some(bad) = nested
                    .iter()
                    .find(|x| !names.contains(&x.name.as_str()) || x.nested.is_some())
                {
                    return Err(
                        GraphError::nonexisting_field(&bad.name, n.node().type_name(api)).into(),
                    );
                }
            }
            _ => return Err(nonexisting(&f.name)),
        }
    }
    Ok(())
}

/// Checks a user node's selection ([`schema::IG_USER`]).
pub fn check_user(sel: &[FieldSelection], api: Api) -> Result<()> {
    check(sel, &schema::IG_USER, api, false)
}

/// Checks media selections ([`schema::IG_MEDIA`]: `children{…}` nests media, `owner{…}` the
/// owner's `id`).
pub fn check_media(sel: &[FieldSelection], api: Api) -> Result<()> {
    check(sel, &schema::IG_MEDIA, api, true)
}

/// Renders the user node ([`schema::IG_USER`]) as JSON bytes, keys sorted by name, `id` always
/// present; the `media` edge is written in place.
pub async fn render_user(
    state: &AppState,
    gr: &GraphRequest,
    token: &TokenRecord,
    profile: &Profile,
    sel: &[FieldSelection],
) -> Result<Vec<u8>> {
    let u = &profile.user;
    let mut out = Members::new();
    for f in sel {
        let key = f.name.as_str();
        match key {
            "id" | "ig_id" | "user_id" => out.str(key, &u.id),
            "username" => out.str(key, &u.username),
            "name" if !u.name.is_empty() => out.str(key, &u.name),
            "account_type" => out.str(key, &profile.account_type()),
            "media_count" => {
                if !localgram_core::media::can_read_media(token) {
                    return Err(GraphError::permission_denied().into());
                }
                out.value(key, &profile.media_count);
            }
            "profile_picture_url" => out.str(
                key,
                &urls::profile_picture_url(&crate::http::origin::public_url(&state.public_url), u),
            ),
            "followers_count" => out.value(key, &u.followers_count),
            "follows_count" => out.value(key, &u.follows_count),
            "biography" if !u.biography.is_empty() => out.str(key, &u.biography),
            "website" if !u.website.is_empty() => out.str(key, &u.website),
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
                let next_base = nested_edge_params(gr, Some(&fields::print(&nested)), limit);
                let path = format!("/{}/{}/media", gr.version, u.id);
                out.raw(
                    key,
                    render_page(state, gr, &page, &nested, &path, &next_base).await?,
                );
            }
            _ => {}
        }
    }
    if !out.contains("id") {
        out.str("id", &u.id);
    }
    Ok(out.into_bytes())
}

/// The query of a nested edge's paging links: the token (if it travelled in the query), then
/// the nested fields and limit when given (a Page's nested `accounts` carries no fields).
pub(crate) fn nested_edge_params(
    gr: &GraphRequest,
    fields: Option<&str>,
    limit: Option<&str>,
) -> localgram_core::params::Params {
    let token = gr.token.as_deref().filter(|_| gr.token_in_query);
    localgram_core::params::Params::from_pairs(
        [
            ("access_token", token),
            ("fields", fields),
            ("limit", limit),
        ]
        .into_iter()
        .filter_map(|(name, value)| Some((name, value?))),
    )
}

/// The fields of a node in output order: by name (as a JSON object of this server has always
/// listed them), a repeated name keeping its last selection, `id` always present. Each comes
/// with its nested selection, if any.
pub type OutputFields<'a> = Vec<(&'a str, Option<&'a [FieldSelection]>)>;

/// [`OutputFields`] of a selection.
pub fn output_fields(sel: &[FieldSelection]) -> OutputFields<'_> {
    let mut by_name = std::collections::BTreeMap::new();
    by_name.insert("id", None);
    for f in sel {
        by_name.insert(f.name.as_str(), f.nested.as_deref());
    }
    by_name.into_iter().collect()
}

/// Renders one page of media as `{"data": [...], "paging": {...}}` (`docs/graph-api.md#paging`: no
/// `previous` on the first page, no `next` on the last, an empty page is just `{"data": []}`), as
/// JSON bytes.
pub async fn render_page(
    state: &AppState,
    gr: &GraphRequest,
    page: &MediaPage,
    sel: &[FieldSelection],
    path: &str,
    base_params: &localgram_core::params::Params,
) -> Result<Vec<u8>> {
    if page.items.is_empty() {
        return Ok(br#"{"data":[]}"#.to_vec());
    }
    let owner = match page.items.first() {
        Some(m) if wants(sel, "username") => username_of(state, &m.owner_id).await?,
        _ => None,
    };
    let fields = output_fields(sel);
    let mut buf = Vec::with_capacity(512 * page.items.len() + 1024);
    buf.extend_from_slice(br#"{"data":["#);
    for (i, m) in page.items.iter().enumerate() {
        if i > 0 {
            buf.push(b',');
        }
        render_media(state, m, &fields, owner.as_deref(), 0, &mut buf).await?;
    }
    buf.extend_from_slice(br#"],"paging":"#);
    let mut paging = Object::begin(&mut buf);
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
    buf.push(b'}');
    Ok(buf)
}

/// Renders an album's children as `{"data": [...], "paging": {"cursors": …}}` (just
/// `{"data": []}` when it has none), as JSON bytes.
pub async fn render_children(
    state: &AppState,
    album_id: &str,
    children: &[IgMedia],
    sel: &[FieldSelection],
    owner_username: Option<&str>,
) -> Result<Vec<u8>> {
    let (Some(first), Some(last)) = (children.first(), children.last()) else {
        return Ok(br#"{"data":[]}"#.to_vec());
    };
    let fields = output_fields(sel);
    let mut body = Vec::with_capacity(512 * children.len() + 256);
    body.extend_from_slice(br#"{"data":["#);
    for (i, c) in children.iter().enumerate() {
        if i > 0 {
            body.push(b',');
        }
        render_media(state, c, &fields, owner_username, 1, &mut body).await?;
    }
    body.extend_from_slice(br#"],"paging":"#);
    let mut paging = Object::begin(&mut body);
    let mut cursors = Object::begin(paging.key("cursors"));
    cursors.str("after", &state.platform.child_cursor(album_id, last));
    cursors.str("before", &state.platform.child_cursor(album_id, first));
    cursors.end();
    paging.end();
    body.push(b'}');
    Ok(body)
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
        .map(|u| u.username.clone()))
}

/// Renders a media node into `buf`. Rules (`docs/graph-api.md#media-node`): no `caption` on album
/// children; `thumbnail_url` only on VIDEO; no `permalink` for copyright-flagged media and no
/// `media_url` for flagged VIDEO; `children{…}` silently omitted on non-albums; absent values
/// omitted, never `null`.
pub fn render_media<'a>(
    state: &'a AppState,
    m: &'a IgMedia,
    fields: &'a [(&'a str, Option<&'a [FieldSelection]>)],
    owner_username: Option<&'a str>,
    depth: usize,
    buf: &'a mut Vec<u8>,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<()>> + Send + 'a>> {
    Box::pin(async move {
        let is_video = m.media_type == MediaType::Video;
        // URLs and the timestamp are assembled here, then written escaped.
        let mut scratch = String::with_capacity(128);
        let mut out = Object::begin(buf);
        for &(name, nested) in fields {
            match name {
                "id" => out.str(name, &m.id),
                "caption" => {
                    if let (Some(c), None) = (&m.caption, &m.parent_id) {
                        out.str(name, c);
                    }
                }
                "media_type" => out.str(name, m.media_type.as_str()),
                "media_url" if !(is_video && m.copyright_flagged) => {
                    scratch.clear();
                    urls::push_media_url(
                        &mut scratch,
                        &crate::http::origin::public_url(&state.public_url),
                        m,
                    );
                    out.str(name, &scratch);
                }
                "permalink" if !m.copyright_flagged && m.parent_id.is_none() => {
                    let kind = if m.media_product_type == MediaProductType::Reels {
                        "reel/"
                    } else {
                        "p/"
                    };
                    scratch.clear();
                    for part in ["https://www.instagram.com/", kind, &m.shortcode, "/"] {
                        scratch.push_str(part);
                    }
                    out.str(name, &scratch);
                }
                "thumbnail_url" if is_video => {
                    out.str(
                        name,
                        &urls::thumbnail_url(
                            &crate::http::origin::public_url(&state.public_url),
                            m,
                        ),
                    );
                }
                "timestamp" => {
                    scratch.clear();
                    push_graph_timestamp(&mut scratch, m.timestamp);
                    out.str(name, &scratch);
                }
                "username" => {
                    if let Some(u) = owner_username {
                        out.str(name, u);
                    }
                }
                "is_shared_to_feed" => {
                    if let ("REELS", Some(b)) = (m.media_product_type.as_str(), m.is_shared_to_feed)
                    {
                        out.value(name, &b);
                    }
                }
                "media_product_type" => out.str(name, m.media_product_type.as_str()),
                "shortcode" => out.str(name, &m.shortcode),
                // Likes are not emulated; comments are (`localgram_core::comments`).
                "like_count" => out.value(name, &0),
                "comments_count" => {
                    let (count, _) = state.platform.comment_summary(&m.id).await?;
                    out.value(name, &count);
                }
                "is_comment_enabled" => {
                    let (_, enabled) = state.platform.comment_summary(&m.id).await?;
                    out.value(name, &enabled);
                }
                "owner" => {
                    let mut owner = Object::begin(out.key(name));
                    owner.str("id", &m.owner_id);
                    owner.end();
                }
                "children" if m.media_type == MediaType::CarouselAlbum && depth < 2 => {
                    let nested = output_fields(nested.unwrap_or_default());
                    let children = state.platform.children_of(m).await?;
                    let data = out.key(name);
                    data.extend_from_slice(br#"{"data":["#);
                    for (i, c) in children.iter().enumerate() {
                        if i > 0 {
                            data.push(b',');
                        }
                        render_media(state, c, &nested, owner_username, depth + 1, data).await?;
                    }
                    data.extend_from_slice(b"]}");
                }
                _ => {}
            }
        }
        out.end();
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use localgram_core::publishing::ContainerStatus;

    fn message(sel: &str, node: &Node, api: Api, on_edge: bool) -> Option<String> {
        let sel = fields::parse(sel).unwrap();
        match check(&sel, node, api, on_edge) {
            Ok(()) => None,
            Err(ApiError::Graph(e)) => Some(e.message),
            Err(_) => Some("another error".into()),
        }
    }

    #[test]
    fn the_closed_sets_of_the_tables_are_the_core_enums() {
        let media: Vec<&str> = MediaType::ALL.iter().map(|m| m.as_str()).collect();
        assert_eq!(media, schema::MEDIA_TYPES);
        let product: Vec<&str> = MediaProductType::ALL.iter().map(|m| m.as_str()).collect();
        assert_eq!(product, schema::MEDIA_PRODUCT_TYPES);
        let statuses: Vec<&str> = [
            ContainerStatus::InProgress,
            ContainerStatus::Finished,
            ContainerStatus::Error,
            ContainerStatus::Expired,
            ContainerStatus::Published,
        ]
        .iter()
        .map(|s| s.as_str())
        .collect();
        assert_eq!(statuses, schema::CONTAINER_STATUSES);
    }

    #[test]
    fn the_check_names_the_field_and_the_node_type_of_the_api() {
        let nonexisting = |field: &str, ty: &str| {
            Some(format!(
                "(#100) Tried accessing nonexisting field ({field}) on node type ({ty})"
            ))
        };
        let media = &schema::IG_MEDIA;
        assert_eq!(
            message("id,like_count", media, Api::FacebookLogin, false),
            None
        );
        assert_eq!(
            message("id,like_count", media, Api::BasicDisplay, false),
            nonexisting("like_count", "Media")
        );
        assert_eq!(
            message("owner{id,username}", media, Api::FacebookLogin, false),
            nonexisting("username", "IGUser")
        );
        assert_eq!(
            message("owner{id{id}}", media, Api::InstagramLogin, false),
            nonexisting("id", "User")
        );
        assert_eq!(
            message("caption{id}", media, Api::InstagramLogin, false),
            nonexisting("caption", "Media")
        );
        assert_eq!(
            message("children{id,nope}", media, Api::BasicDisplay, false),
            nonexisting("nope", "Media")
        );
        let user = &schema::IG_USER;
        assert_eq!(
            message("ig_id", user, Api::InstagramLogin, false),
            nonexisting("ig_id", "User")
        );
        assert_eq!(
            message("media{id,owner}", user, Api::BasicDisplay, false),
            nonexisting("owner", "Media")
        );
        let page = &schema::PAGE;
        assert_eq!(
            message("tasks", page, Api::FacebookLogin, false),
            nonexisting("tasks", "Page")
        );
        assert_eq!(
            message("tasks,picture{x}", page, Api::FacebookLogin, true),
            None
        );
        assert_eq!(
            message(
                "instagram_business_account{user_id}",
                page,
                Api::FacebookLogin,
                false
            ),
            nonexisting("user_id", "IGUser")
        );
        assert_eq!(
            message(
                "accounts{id,tasks,bogus}",
                &schema::FB_USER,
                Api::FacebookLogin,
                false
            ),
            nonexisting("bogus", "Page")
        );
        assert_eq!(
            message(
                "from{anything},replies{nope}",
                &schema::IG_COMMENT,
                Api::FacebookLogin,
                false
            ),
            nonexisting("nope", "IGComment")
        );
        assert_eq!(
            message(
                "status{x},nope",
                &schema::CONTAINER,
                Api::InstagramLogin,
                false
            ),
            nonexisting("nope", "ShadowIGMediaBuilder")
        );
    }
}
