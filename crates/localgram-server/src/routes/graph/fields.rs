//! Field selection on graph.instagram.com: the `fields` parameter parsed by the grammar of
//! `localgram_core::fields`, checked against each node type before anything is read, and the
//! node renderers (user, media) that honour it.

use super::call::paging_url;
use super::json_out::Object;
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
use serde_json::{Map, Value, json};

/// The API a node is read through: it decides which fields a node has (a field another API
/// serves is a "nonexisting field" here, as on Meta) and the node's type name in errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    /// Instagram Basic Display, on graph.instagram.com.
    BasicDisplay,
    /// Instagram API with Instagram Login, on graph.instagram.com.
    InstagramLogin,
    /// Instagram API with Facebook Login, on graph.facebook.com.
    FacebookLogin,
}

impl Api {
    /// The API of an Instagram token (graph.instagram.com), from its scopes.
    pub fn of_instagram_token(token: &TokenRecord) -> Self {
        match localgram_core::scope::family_of(&token.scopes) {
            Some(Family::InstagramLogin) => Self::InstagramLogin,
            _ => Self::BasicDisplay,
        }
    }

    fn bit(self) -> u8 {
        match self {
            Self::BasicDisplay => BD,
            Self::InstagramLogin => IL,
            Self::FacebookLogin => FL,
        }
    }

    /// The user node's type name in errors.
    pub fn user_type(self) -> &'static str {
        match self {
            Self::FacebookLogin => "IGUser",
            _ => "User",
        }
    }

    /// The media node's type name in errors.
    pub fn media_type(self) -> &'static str {
        match self {
            Self::FacebookLogin => "IGMedia",
            _ => "Media",
        }
    }
}

const BD: u8 = 1;
const IL: u8 = 2;
const FL: u8 = 4;
const ALL: u8 = BD | IL | FL;
const INSTAGRAM_HOST: u8 = BD | IL;
const PROFESSIONAL: u8 = IL | FL;

/// The Instagram user node, on both Graph hosts: each field with the APIs that serve it.
pub const USER_SCHEMA: &[(&str, u8)] = &[
    ("id", ALL),
    ("ig_id", FL),
    ("user_id", INSTAGRAM_HOST),
    ("username", ALL),
    ("name", ALL),
    ("account_type", INSTAGRAM_HOST),
    ("media_count", ALL),
    ("profile_picture_url", ALL),
    ("followers_count", ALL),
    ("follows_count", ALL),
    ("biography", ALL),
    ("website", ALL),
    ("media", ALL),
];

/// The Instagram media node, on both Graph hosts: each field with the APIs that serve it.
pub const MEDIA_SCHEMA: &[(&str, u8)] = &[
    ("id", ALL),
    ("caption", ALL),
    ("media_type", ALL),
    ("media_url", ALL),
    ("permalink", ALL),
    ("thumbnail_url", ALL),
    ("timestamp", ALL),
    ("username", ALL),
    ("is_shared_to_feed", ALL),
    ("media_product_type", ALL),
    ("shortcode", ALL),
    ("like_count", PROFESSIONAL),
    ("comments_count", PROFESSIONAL),
    ("is_comment_enabled", PROFESSIONAL),
    ("owner", PROFESSIONAL),
    ("children", ALL),
];

fn has(schema: &[(&str, u8)], api: Api, name: &str) -> bool {
    schema
        .iter()
        .any(|(n, apis)| *n == name && apis & api.bit() != 0)
}

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
pub fn check_user(sel: &[FieldSelection], api: Api) -> Result<()> {
    for f in sel {
        if !has(USER_SCHEMA, api, &f.name) {
            return Err(GraphError::nonexisting_field(&f.name, api.user_type()).into());
        }
        if let Some(nested) = &f.nested {
            if f.name != "media" {
                return Err(GraphError::nonexisting_field(&f.name, api.user_type()).into());
            }
            check_media(nested, api)?;
        }
    }
    Ok(())
}

/// Checks media selections (`children{…}` nests media, `owner{…}` nests the owner's `id`).
pub fn check_media(sel: &[FieldSelection], api: Api) -> Result<()> {
    for f in sel {
        if !has(MEDIA_SCHEMA, api, &f.name) {
            return Err(GraphError::nonexisting_field(&f.name, api.media_type()).into());
        }
        if let Some(nested) = &f.nested {
            match f.name.as_str() {
                "children" => check_media(nested, api)?,
                "owner" => {
                    if let Some(n) = nested.iter().find(|n| n.name != "id" || n.nested.is_some()) {
                        return Err(GraphError::nonexisting_field(&n.name, api.user_type()).into());
                    }
                }
                _ => return Err(GraphError::nonexisting_field(&f.name, api.media_type()).into()),
            }
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
            "ig_id" | "user_id" => json!(u.id),
            "username" => json!(u.username),
            "name" if !u.name.is_empty() => json!(u.name),
            "account_type" => json!(profile.account_type()),
            "media_count" => {
                if !localgram_core::media::can_read_media(token) {
                    return Err(GraphError::permission_denied().into());
                }
                json!(profile.media_count)
            }
            "profile_picture_url" => json!(urls::profile_picture_url(
                &crate::http::origin::public_url(&state.public_url),
                u
            )),
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
                let bytes = render_page(state, gr, &page, &nested, &path, &next_base).await?;
                serde_json::from_slice(&bytes).map_err(|e| {
                    tracing::error!(error = %e, "a rendered media page does not parse");
                    ApiError::Graph(GraphError::internal())
                })?
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
    base_params: &[(String, String)],
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
