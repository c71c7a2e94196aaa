//! Content publishing: media containers (`POST /{ig-user-id}/media`), their status on the
//! emulator clock (`GET /{container-id}`), publishing (`POST /{ig-user-id}/media_publish`) and
//! the rolling 24-hour quota (`GET /{ig-user-id}/content_publishing_limit`), on both Graph hosts.
//!
//! Who may publish: an Instagram Login token of the account itself with
//! `instagram_business_content_publish`, or a Facebook Login token reaching the linked account
//! (see [`crate::linked`]) with `instagram_content_publish`; without the permission, code 10
//! naming it. The media bytes behind `image_url` / `video_url` are fetched and checked by the
//! server (this crate knows no HTTP); what it found arrives here as a [`Fetched`].
//!
//! A container's status is computed, never stored: `IN_PROGRESS` until its `ready_at`, then
//! `FINISHED` (or `ERROR` with the subcode processing found), `PUBLISHED` once published, and
//! `EXPIRED` 24 hours after creation if it was not.

use crate::error::{GraphError, GraphErrorType, GraphHost};
use crate::model::{Blob, IgMedia, TokenKind, TokenRecord};
use crate::params::Params;
use crate::platform::Platform;
use crate::store::StoreError;
use time::{Duration, OffsetDateTime};

/// The permission to publish with an Instagram Login token.
pub const CONTENT_PUBLISH_IG: &str = "instagram_business_content_publish";
/// The permission to publish with a Facebook Login token.
pub const CONTENT_PUBLISH_FB: &str = "instagram_content_publish";
/// Containers one account may create per rolling 24 hours.
pub const CONTAINERS_PER_DAY: i64 = 400;
/// The rolling window of both limits, in seconds.
pub const QUOTA_DURATION_SECS: i64 = 86_400;
pub use crate::platform::DEFAULT_PUBLISH_QUOTA;
/// How long an image container is `IN_PROGRESS` on the emulator clock.
pub const IMAGE_PROCESSING: Duration = Duration::seconds(2);
/// How long a video container (reel, story video, carousel video) is `IN_PROGRESS`.
pub const VIDEO_PROCESSING: Duration = Duration::seconds(10);
/// Longest caption, in characters.
pub const MAX_CAPTION: usize = 2200;
/// Longest `alt_text`, in characters.
pub const MAX_ALT_TEXT: usize = 1000;
/// Most hashtags in a caption.
pub const MAX_HASHTAGS: usize = 30;
/// Most @-mentions in a caption.
pub const MAX_MENTIONS: usize = 20;
/// Fewest and most children of a carousel.
pub const CAROUSEL_CHILDREN: std::ops::RangeInclusive<usize> = 2..=10;
/// Largest image Meta downloads (8 MB).
pub const MAX_IMAGE_BYTES: usize = 8 * 1024 * 1024;
/// Largest video Localgram downloads (Meta allows 300 MB for reels; Localgram keeps files in the
/// database, so it stops at 100 MB).
pub const MAX_VIDEO_BYTES: usize = 100 * 1024 * 1024;
/// Narrowest and widest aspect ratio (width / height) of a feed image: 4:5 to 1.91:1.
pub const IMAGE_ASPECT: (f64, f64) = (0.8, 1.91);

pub use crate::model::{MediaProductType, MediaType};

pub use crate::model::container::{
    CONTAINER_TTL, Container, ContainerKind, ContainerStatus, PublishOutcome,
};

/// A URL the server must fetch for a container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchPlan {
    /// `image_url` or `video_url`.
    pub media_url: Option<String>,
    /// Whether the media must be a video.
    pub video: bool,
    /// `cover_url`.
    pub cover_url: Option<String>,
    /// Whether the aspect ratio of an image is checked (feed images and image items).
    pub check_aspect: bool,
}

/// What the server found behind the URLs of a [`FetchPlan`].
#[derive(Debug, Clone, Default)]
pub struct Fetched {
    /// The media bytes, `None` when Localgram makes them up.
    pub media: Option<Blob>,
    /// The cover bytes, `None` when made up.
    pub cover: Option<Blob>,
    /// A failure processing finds later (a video that is not MP4/MOV): the container ends `ERROR`
    /// with this subcode.
    pub processing_error: Option<i64>,
}

/// A container checked and ready to be stored once its media is fetched.
#[derive(Debug, Clone)]
pub struct Draft {
    /// The container, without its blobs.
    pub container: Container,
    /// What to fetch.
    pub plan: FetchPlan,
}

/// The publishing quota of an account at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublishingLimit {
    /// Posts published in the window.
    pub quota_usage: i64,
    /// Posts allowed in the window.
    pub quota_total: i64,
    /// The window, in seconds.
    pub quota_duration: i64,
}

fn store_err(e: StoreError) -> GraphError {
    tracing::error!(error = %e, cause = ?std::error::Error::source(&e), "store failure while publishing");
    GraphError::from_store(&e)
}

/// An OAuthException with a subcode and the user title and message Meta adds to publishing errors.
fn publishing_error(
    code: i64,
    subcode: i64,
    message: impl Into<String>,
    title: &str,
    user_msg: impl Into<String>,
) -> GraphError {
    GraphError {
        code,
        subcode: Some(subcode),
        error_type: GraphErrorType::OAuth,
        message: message.into(),
        is_transient: Some(false),
        challenge: None,
        user_text: Some(Box::new(crate::error::UserText {
            title: title.to_owned(),
            msg: user_msg.into(),
        })),
    }
}

/// Code 10 naming the publishing permission of the token's family.
pub fn publish_permission_required(permission: &str) -> GraphError {
    GraphError {
        message: format!("(#10) Requires {permission} permission to manage the object"),
        ..GraphError::permission_denied()
    }
}

/// 9004/2207052: the media could not be fetched from `url`.
pub fn cannot_fetch(url: &str, reason: &str) -> GraphError {
    publishing_error(
        9004,
        2_207_052,
        reason,
        "Media download has failed. The media URI doesn't meet our requirements.",
        format!(
            "The media could not be fetched from this URI: {url}. Please check the limitations section in our development documentation for more details: https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/media#creating"
        ),
    )
}

/// 9004/2207052 for a file that is neither a photo nor a video Meta accepts.
pub fn not_photo_or_video(url: &str) -> GraphError {
    cannot_fetch(url, "Only photo or video can be accepted as media type.")
}

/// -2/2207003: the download took too long.
pub fn download_timeout() -> GraphError {
    publishing_error(
        -2,
        2_207_003,
        "Timeout",
        "Media download has failed",
        "It takes too long to download the media.",
    )
}

/// 36000/2207004: the image is larger than 8 MB.
pub fn image_too_large() -> GraphError {
    publishing_error(
        36000,
        2_207_004,
        "The image is too large to download.",
        "Image too large",
        "The image is too large to download. It should be less than 8 MiB.",
    )
}

/// 36003/2207009: an image's aspect ratio outside 4:5 to 1.91:1.
pub fn bad_aspect_ratio(width: u32, height: u32) -> GraphError {
    let ratio = f64::from(width) / f64::from(height.max(1));
    publishing_error(
        36003,
        2_207_009,
        "The aspect ratio is not supported.",
        "Unsupported aspect ratio",
        format!(
            "The submitted image with aspect ratio ('{width}', '{height}') cannot be published. Please submit an image with a valid aspect ratio. ({ratio:.3})"
        ),
    )
}

fn caption_too_long(n: usize) -> GraphError {
    publishing_error(
        36004,
        2_207_010,
        "The caption is too long.",
        "Caption too long",
        format!(
            "The submitted image's caption was {n} characters long. The maximum number of characters permitted for a caption is {MAX_CAPTION}. Please submit media with a shorter caption."
        ),
    )
}

fn carousel_count() -> GraphError {
    publishing_error(
        100,
        2_207_028,
        "Invalid parameter",
        "Carousel validation failed",
        "Your post won't work as a carousel. Carousels need at least 2 photos/videos and no more than 10 photos/videos.",
    )
}

fn unknown_media_type(t: &str) -> GraphError {
    publishing_error(
        100,
        2_207_023,
        "Invalid parameter",
        "Unknown media type",
        format!("The media type {t} is unknown."),
    )
}

fn not_ready() -> GraphError {
    publishing_error(
        9007,
        2_207_027,
        "Media ID is not available",
        "Cannot publish",
        "The media is not ready to be published. Please wait a moment.",
    )
}

fn builder_not_found(creation_id: &str) -> GraphError {
    publishing_error(
        24,
        2_207_008,
        "Media builder does not exist",
        "Media not found",
        format!(
            "The media builder with creation id = {creation_id} does not exist or has been expired."
        ),
    )
}

fn builder_expired() -> GraphError {
    publishing_error(
        -2,
        2_207_020,
        "Media expired",
        "Media expired",
        "The media you are trying to access has expired. Please try to upload again.",
    )
}

fn processing_failed(subcode: i64) -> GraphError {
    let (code, msg) = match subcode {
        2_207_026 => (
            352,
            "The video format is not supported. Please check spec for supported video format",
        ),
        2_207_057 => (
            1,
            "Thumbnail offset must be greater than or equal to 0 and less than video duration",
        ),
        _ => (-1, "Instagram server error. Try again."),
    };
    publishing_error(
        code,
        subcode,
        "Media processing failed",
        "Cannot publish",
        msg,
    )
}

fn quota_reached() -> GraphError {
    publishing_error(
        9,
        2_207_042,
        "Application request limit reached",
        "Publishing limit reached",
        "You reached maximum number of posts that is allowed to be published by Content Publishing API.",
    )
}

fn container_limit() -> GraphError {
    publishing_error(
        4,
        2_207_051,
        "Application request limit reached",
        "Action is blocked",
        "We restrict certain activity to protect our community. Tell us if you think we made a mistake.",
    )
}

fn param_required(name: &str) -> GraphError {
    GraphError::invalid_parameter(format!("(#100) The parameter {name} is required"))
}

fn param_invalid(name: &str, why: &str) -> GraphError {
    GraphError::invalid_parameter(format!("(#100) Param {name} {why}"))
}

fn get<'p>(params: &'p Params, name: &str) -> Result<Option<&'p str>, GraphError> {
    params.get(name).map_err(|_| {
        GraphError::invalid_parameter(format!(
            "(#100) The parameter {name} was given more than once"
        ))
    })
}

fn bool_param(params: &Params, name: &str) -> Result<Option<bool>, GraphError> {
    match get(params, name)? {
        None => Ok(None),
        Some(v) if v.eq_ignore_ascii_case("true") || v == "1" => Ok(Some(true)),
        Some(v) if v.eq_ignore_ascii_case("false") || v == "0" => Ok(Some(false)),
        Some(_) => Err(param_invalid(name, "must be a boolean")),
    }
}

/// Parses `children`: comma-separated ids, or a JSON array of ids.
fn parse_children(raw: &str) -> Result<Vec<String>, GraphError> {
    let raw = raw.trim();
    let ids: Vec<String> = if raw.starts_with('[') {
        let v: serde_json::Value = serde_json::from_str(raw)
            .map_err(|_| param_invalid("children", "must be a list of container ids"))?;
        v.as_array()
            .ok_or_else(|| param_invalid("children", "must be a list of container ids"))?
            .iter()
            .map(|x| match x {
                serde_json::Value::String(s) => Ok(s.trim().to_owned()),
                serde_json::Value::Number(n) => Ok(n.to_string()),
                _ => Err(param_invalid("children", "must be a list of container ids")),
            })
            .collect::<Result<_, _>>()?
    } else {
        raw.split(',').map(|s| s.trim().to_owned()).collect()
    };
    if ids
        .iter()
        .any(|i| i.is_empty() || !i.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(param_invalid("children", "must be a list of container ids"));
    }
    Ok(ids)
}

/// Checks `user_tags`: a JSON array of `{username, x, y}` with x and y in 0..=1 (required for
/// images, optional for stories).
fn parse_user_tags(raw: &str, need_xy: bool) -> Result<serde_json::Value, GraphError> {
    let bad = || {
        param_invalid(
            "user_tags",
            "must be a JSON array of {username, x, y} objects",
        )
    };
    let v: serde_json::Value = serde_json::from_str(raw).map_err(|_| bad())?;
    let arr = v.as_array().ok_or_else(bad)?;
    if arr.len() > MAX_MENTIONS {
        return Err(bad());
    }
    for t in arr {
        let o = t.as_object().ok_or_else(bad)?;
        if !o.get("username").is_some_and(serde_json::Value::is_string) {
            return Err(bad());
        }
        for k in ["x", "y"] {
            match o.get(k).and_then(serde_json::Value::as_f64) {
                Some(f) if (0.0..=1.0).contains(&f) => {}
                None if !need_xy && o.get(k).is_none() => {}
                _ => return Err(bad()),
            }
        }
    }
    Ok(v)
}

fn check_caption(caption: &str) -> Result<(), GraphError> {
    let n = caption.chars().count();
    if n > MAX_CAPTION {
        return Err(caption_too_long(n));
    }
    let hashtags = caption
        .split_whitespace()
        .filter(|w| w.starts_with('#'))
        .count();
    let mentions = caption
        .split_whitespace()
        .filter(|w| w.starts_with('@'))
        .count();
    if hashtags > MAX_HASHTAGS {
        return Err(param_invalid("caption", "has more than 30 hashtags"));
    }
    if mentions > MAX_MENTIONS {
        return Err(publishing_error(
            100,
            2_207_040,
            "Invalid parameter",
            "Too many tags",
            "Cannot use more than 20 tags per created media.",
        ));
    }
    Ok(())
}

impl Platform {
    /// The account a publishing call names (`me` or an id), after checking the token reaches it
    /// and holds the publishing permission of its family. An account the token does not reach is
    /// the ordinary 100/33 for `method`.
    pub async fn publishing_account(
        &self,
        token: &TokenRecord,
        node: &str,
        host: GraphHost,
        method: &str,
    ) -> Result<String, GraphError> {
        let unsupported = || GraphError::unsupported_request(host, method, node);
        match host {
            GraphHost::Instagram => {
                let own = token.subject.user_id().unwrap_or_default();
                if !token.kind.is_instagram() || (node != "me" && node != own) {
                    return Err(unsupported());
                }
                if !token.scopes.iter().any(|s| s == CONTENT_PUBLISH_IG) {
                    return Err(publish_permission_required(CONTENT_PUBLISH_IG));
                }
                Ok(own.to_owned())
            }
            GraphHost::Facebook => {
                let reachable = self.reachable_ig_accounts(token).await?;
                let id = if node == "me" && token.kind == TokenKind::Page {
                    reachable.first().cloned().ok_or_else(unsupported)?
                } else {
                    node.to_owned()
                };
                if !reachable.contains(&id) {
                    return Err(unsupported());
                }
                let scopes = self.effective_scopes(token).await?;
                if !scopes.iter().any(|s| s == CONTENT_PUBLISH_FB) {
                    return Err(publish_permission_required(CONTENT_PUBLISH_FB));
                }
                Ok(id)
            }
        }
    }

    /// Checks the parameters of `POST /{ig-user-id}/media` for `owner` and makes a draft: the
    /// container to store once the server has fetched what [`FetchPlan`] names.
    pub async fn draft_container(
        &self,
        owner: &str,
        app_id: &str,
        params: &Params,
    ) -> Result<Draft, GraphError> {
        let is_item = bool_param(params, "is_carousel_item")?.unwrap_or(false);
        let kind = match get(params, "media_type")? {
            None => ContainerKind::Image,
            Some(t) => match ContainerKind::parse(t) {
                Some(ContainerKind::Image) | None => return Err(unknown_media_type(t)),
                Some(k) => k,
            },
        };
        if kind == ContainerKind::Video && !is_item {
            return Err(publishing_error(
                100,
                2_207_023,
                "Invalid parameter",
                "Unsupported media type",
                "The media type VIDEO is only supported for carousel items. Please use REELS.",
            ));
        }
        if is_item && !matches!(kind, ContainerKind::Image | ContainerKind::Video) {
            return Err(param_invalid(
                "is_carousel_item",
                "is only supported for IMAGE and VIDEO items",
            ));
        }
        let image_url = get(params, "image_url")?;
        let video_url = get(params, "video_url")?;
        if get(params, "upload_type")?.is_some() && video_url.is_none() {
            // Resumable uploads are not served (Localgram has no upload host).
            return Err(param_required("video_url"));
        }
        let caption = get(params, "caption")?.map(str::to_owned);
        let alt_text = get(params, "alt_text")?.map(str::to_owned);
        let location_id = get(params, "location_id")?.map(str::to_owned);
        let share_to_feed = bool_param(params, "share_to_feed")?;
        let thumb_offset =
            match get(params, "thumb_offset")? {
                None => None,
                Some(v) => Some(v.parse::<i64>().map_err(|_| {
                    param_invalid("thumb_offset", "must be a number of milliseconds")
                })?),
            };
        let cover_url = get(params, "cover_url")?.map(str::to_owned);
        let children_raw = get(params, "children")?;

        let (is_video, source_url) = match kind {
            ContainerKind::Image => (
                false,
                Some(image_url.ok_or_else(|| param_required("image_url"))?),
            ),
            ContainerKind::Video | ContainerKind::Reels => (
                true,
                Some(video_url.ok_or_else(|| param_required("video_url"))?),
            ),
            ContainerKind::Stories => match (image_url, video_url) {
                (Some(u), None) => (false, Some(u)),
                (None, Some(u)) => (true, Some(u)),
                (None, None) => return Err(param_required("image_url")),
                (Some(_), Some(_)) => {
                    return Err(param_invalid(
                        "image_url",
                        "cannot be sent together with video_url",
                    ));
                }
            },
            ContainerKind::Carousel => (false, None),
        };
        if is_item && (caption.is_some() || location_id.is_some()) {
            return Err(param_invalid(
                if caption.is_some() {
                    "caption"
                } else {
                    "location_id"
                },
                "is not supported for carousel items",
            ));
        }
        if let Some(c) = &caption {
            if kind == ContainerKind::Stories {
                return Err(param_invalid("caption", "is not supported for stories"));
            }
            check_caption(c)?;
        }
        if let Some(a) = &alt_text {
            if is_video || kind == ContainerKind::Carousel || kind == ContainerKind::Stories {
                return Err(param_invalid("alt_text", "is only supported for images"));
            }
            if a.chars().count() > MAX_ALT_TEXT {
                return Err(param_invalid("alt_text", "must be at most 1000 characters"));
            }
        }
        if let Some(l) = &location_id {
            if kind == ContainerKind::Stories {
                return Err(param_invalid("location_id", "is not supported for stories"));
            }
            let page = self.store.find_page(l).await.map_err(store_err)?;
            if page.is_none() {
                return Err(GraphError::invalid_parameter(
                    "(#100) INSTAGRAM_PLATFORM_API__INVALID_LOCATION_ID: the location_id does not name a Page with a location",
                ));
            }
        }
        if share_to_feed.is_some() && kind != ContainerKind::Reels {
            return Err(param_invalid(
                "share_to_feed",
                "is only supported for REELS",
            ));
        }
        if cover_url.is_some() && kind != ContainerKind::Reels {
            return Err(param_invalid("cover_url", "is only supported for REELS"));
        }
        if let Some(t) = thumb_offset {
            if !is_video {
                return Err(param_invalid(
                    "thumb_offset",
                    "is only supported for videos",
                ));
            }
            if t < 0 {
                return Err(publishing_error(
                    1,
                    2_207_057,
                    "Invalid parameter",
                    "Invalid thumbnail offset",
                    "Thumbnail offset must be greater than or equal to 0 and less than video duration",
                ));
            }
        }
        let user_tags = match get(params, "user_tags")? {
            None => None,
            Some(raw) => {
                if kind == ContainerKind::Carousel {
                    return Err(param_invalid("user_tags", "is not supported for carousels"));
                }
                Some(parse_user_tags(raw, kind != ContainerKind::Stories)?)
            }
        };
        let now = self.clock.now();
        let mut children = Vec::new();
        let mut ready_at = now
            + if is_video {
                VIDEO_PROCESSING
            } else {
                IMAGE_PROCESSING
            };
        if kind == ContainerKind::Carousel {
            let raw = children_raw.ok_or_else(|| param_required("children"))?;
            children = parse_children(raw)?;
            if !CAROUSEL_CHILDREN.contains(&children.len()) {
                return Err(carousel_count());
            }
            for id in &children {
                let child = self.store.find_container(id).await.map_err(store_err)?;
                match child {
                    Some(c)
                        if c.owner_id == owner
                            && c.is_carousel_item
                            && c.published_media_id.is_none()
                            && c.status(now) != ContainerStatus::Expired =>
                    {
                        if c.status(now) == ContainerStatus::Error {
                            return Err(processing_failed(c.error_subcode.unwrap_or(2_207_001)));
                        }
                        ready_at = ready_at.max(c.ready_at);
                    }
                    _ => {
                        return Err(param_invalid(
                            "children",
                            &format!(
                                "names {id}, which is not a carousel item container of this account"
                            ),
                        ));
                    }
                }
            }
        } else if children_raw.is_some() {
            return Err(param_invalid("children", "is only supported for CAROUSEL"));
        }
        let container = Container {
            id: format!("17{}", {
                use crate::rng::RngExt;
                self.rng.digits('8', 15)
            }),
            owner_id: owner.to_owned(),
            app_id: app_id.to_owned(),
            kind,
            is_video,
            is_carousel_item: is_item,
            children,
            caption,
            alt_text,
            location_id,
            user_tags,
            share_to_feed,
            thumb_offset,
            source_url: source_url.map(str::to_owned),
            cover_url: cover_url.clone(),
            media_blob: None,
            thumbnail_blob: None,
            created_at: now,
            ready_at,
            error_subcode: None,
            published_media_id: None,
            published_at: None,
        };
        let plan = FetchPlan {
            media_url: container.source_url.clone(),
            video: is_video,
            cover_url,
            check_aspect: !is_video && kind != ContainerKind::Stories,
        };
        Ok(Draft { container, plan })
    }

    /// Stores a draft with what was fetched; the container's id. Beyond
    /// [`CONTAINERS_PER_DAY`] containers in 24 hours, Meta's spam error and nothing is stored.
    pub async fn create_container(
        &self,
        draft: Draft,
        fetched: Fetched,
    ) -> Result<String, GraphError> {
        let mut c = draft.container;
        c.media_blob = fetched.media.as_ref().map(|b| b.sha256.clone());
        c.thumbnail_blob = fetched.cover.as_ref().map(|b| b.sha256.clone());
        c.error_subcode = fetched.processing_error;
        let blobs: Vec<Blob> = fetched.media.into_iter().chain(fetched.cover).collect();
        let window_from = c.created_at - Duration::seconds(QUOTA_DURATION_SECS);
        let stored = self
            .store
            .insert_container(&c, &blobs, CONTAINERS_PER_DAY, window_from)
            .await
            .map_err(store_err)?;
        if !stored {
            return Err(container_limit());
        }
        Ok(c.id)
    }

    /// A container of an account the token may publish to, if `id` names one.
    pub async fn find_own_container(
        &self,
        token: &TokenRecord,
        id: &str,
        host: GraphHost,
    ) -> Result<Option<Container>, GraphError> {
        let Some(c) = self.store.find_container(id).await.map_err(store_err)? else {
            return Ok(None);
        };
        let reaches = match host {
            GraphHost::Instagram => {
                token.kind.is_instagram() && token.subject.user_id() == Some(c.owner_id.as_str())
            }
            GraphHost::Facebook => self
                .reachable_ig_accounts(token)
                .await?
                .contains(&c.owner_id),
        };
        Ok(reaches.then_some(c))
    }

    /// `POST /{ig-user-id}/media_publish`: publishes container `creation_id` of `owner`; the new
    /// media's id.
    pub async fn publish_container(
        &self,
        owner: &str,
        creation_id: Option<&str>,
    ) -> Result<String, GraphError> {
        let creation_id = creation_id.ok_or_else(|| param_required("creation_id"))?;
        let now = self.clock.now();
        let container = self
            .store
            .find_container(creation_id)
            .await
            .map_err(store_err)?
            .filter(|c| c.owner_id == owner)
            .ok_or_else(|| builder_not_found(creation_id))?;
        if container.is_carousel_item {
            return Err(builder_not_found(creation_id));
        }
        match container.status(now) {
            ContainerStatus::Published => {
                return Ok(container.published_media_id.unwrap_or_default());
            }
            ContainerStatus::Expired => return Err(builder_expired()),
            ContainerStatus::InProgress => return Err(not_ready()),
            ContainerStatus::Error => {
                return Err(processing_failed(
                    container.error_subcode.unwrap_or(2_207_001),
                ));
            }
            ContainerStatus::Finished => {}
        }
        let mut items = Vec::new();
        for id in &container.children {
            let child = self
                .store
                .find_container(id)
                .await
                .map_err(store_err)?
                .ok_or_else(|| builder_not_found(id))?;
            items.push(child);
        }
        let media = self.media_of(&container, &items, now);
        let quota = self.settings.publish_quota;
        let window_from = now - Duration::seconds(QUOTA_DURATION_SECS);
        // The `mentions` updates of the caption are queued in the publication's write.
        let events = match media.first() {
            Some(post) => self.caption_events(post).await?,
            None => Vec::new(),
        };
        let outcome = self
            .store
            .publish_container(&container.id, &media, now, quota, window_from, &events)
            .await
            .map_err(store_err)?;
        match outcome {
            PublishOutcome::Published(id) | PublishOutcome::AlreadyPublished(id) => {
                self.clear_caches();
                Ok(id)
            }
            PublishOutcome::QuotaReached => Err(quota_reached()),
        }
    }

    /// The media objects a container becomes (the album first, then its children).
    fn media_of(&self, c: &Container, items: &[Container], now: OffsetDateTime) -> Vec<IgMedia> {
        use crate::rng::RngExt;
        let new_media_id = || format!("17{}", self.rng.digits('9', 15));
        let shortcode = || {
            const ALPHABET: &[u8] =
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
            self.rng
                .bytes(11)
                .iter()
                .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
                .collect::<String>()
        };
        let (media_type, product) = match c.kind {
            ContainerKind::Carousel => (MediaType::CarouselAlbum, MediaProductType::Feed),
            ContainerKind::Reels => (MediaType::Video, MediaProductType::Reels),
            ContainerKind::Stories if c.is_video => (MediaType::Video, MediaProductType::Story),
            ContainerKind::Stories => (MediaType::Image, MediaProductType::Story),
            ContainerKind::Video => (MediaType::Video, MediaProductType::Feed),
            ContainerKind::Image => (MediaType::Image, MediaProductType::Feed),
        };
        let top_id = new_media_id();
        let mut out = vec![IgMedia {
            id: top_id.clone(),
            owner_id: c.owner_id.clone(),
            parent_id: None,
            position: 0,
            media_type,
            caption: c.caption.clone(),
            timestamp: now,
            file: None,
            thumbnail_file: None,
            shortcode: shortcode(),
            copyright_flagged: false,
            media_product_type: product,
            is_shared_to_feed: (c.kind == ContainerKind::Reels)
                .then_some(c.share_to_feed.unwrap_or(true)),
            media_blob: c.media_blob.clone(),
            thumbnail_blob: c.thumbnail_blob.clone(),
        }];
        for (i, item) in items.iter().enumerate() {
            out.push(IgMedia {
                id: new_media_id(),
                owner_id: c.owner_id.clone(),
                parent_id: Some(top_id.clone()),
                position: i as i64,
                media_type: if item.is_video {
                    MediaType::Video
                } else {
                    MediaType::Image
                },
                caption: None,
                timestamp: now,
                file: None,
                thumbnail_file: None,
                shortcode: shortcode(),
                copyright_flagged: false,
                media_product_type: MediaProductType::Feed,
                is_shared_to_feed: None,
                media_blob: item.media_blob.clone(),
                thumbnail_blob: item.thumbnail_blob.clone(),
            });
        }
        out
    }

    /// `GET /{ig-user-id}/content_publishing_limit`: posts published in the 24 hours before now
    /// (or since `since`, no older than 24 hours), and the quota.
    pub async fn publishing_limit(
        &self,
        owner: &str,
        since: Option<&str>,
    ) -> Result<PublishingLimit, GraphError> {
        let now = self.clock.now();
        let window_from = now - Duration::seconds(QUOTA_DURATION_SECS);
        let from = match crate::media::parse_time_bound("since", since)? {
            Some(t) if t < window_from => {
                return Err(param_invalid(
                    "since",
                    "must be a Unix timestamp no older than 24 hours",
                ));
            }
            Some(t) => t,
            None => window_from,
        };
        let used = self
            .store
            .count_published(owner, from)
            .await
            .map_err(store_err)?;
        Ok(PublishingLimit {
            quota_usage: used,
            quota_total: self.settings.publish_quota,
            quota_duration: QUOTA_DURATION_SECS,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn container() -> Container {
        Container {
            id: "1".into(),
            owner_id: "2".into(),
            app_id: "3".into(),
            kind: ContainerKind::Image,
            is_video: false,
            is_carousel_item: false,
            children: vec![],
            caption: None,
            alt_text: None,
            location_id: None,
            user_tags: None,
            share_to_feed: None,
            thumb_offset: None,
            source_url: None,
            cover_url: None,
            media_blob: None,
            thumbnail_blob: None,
            created_at: datetime!(2026-01-01 0:00 UTC),
            ready_at: datetime!(2026-01-01 0:00:02 UTC),
            error_subcode: None,
            published_media_id: None,
            published_at: None,
        }
    }

    #[test]
    fn status_follows_the_clock() {
        let c = container();
        assert_eq!(
            c.status(datetime!(2026-01-01 0:00:01 UTC)),
            ContainerStatus::InProgress
        );
        assert_eq!(
            c.status(datetime!(2026-01-01 0:00:02 UTC)),
            ContainerStatus::Finished
        );
        assert_eq!(
            c.status(datetime!(2026-01-02 0:00 UTC)),
            ContainerStatus::Expired
        );
        let failed = Container {
            error_subcode: Some(2_207_026),
            ..container()
        };
        assert_eq!(
            failed.status(datetime!(2026-01-01 0:00:01 UTC)),
            ContainerStatus::InProgress
        );
        assert_eq!(
            failed.status(datetime!(2026-01-01 0:01 UTC)),
            ContainerStatus::Error
        );
        assert_eq!(
            failed.status_text(datetime!(2026-01-01 0:01 UTC)),
            "Error: Media upload has failed with error code 2207026"
        );
        let published = Container {
            published_media_id: Some("9".into()),
            ..container()
        };
        assert_eq!(
            published.status(datetime!(2026-01-05 0:00 UTC)),
            ContainerStatus::Published
        );
    }

    #[test]
    fn children_are_comma_separated_or_a_json_array() {
        assert_eq!(parse_children("1, 2,3").unwrap(), vec!["1", "2", "3"]);
        assert_eq!(parse_children("[1,\"2\"]").unwrap(), vec!["1", "2"]);
        assert!(parse_children("1,,2").is_err());
        assert!(parse_children("a,b").is_err());
    }

    #[test]
    fn enums_round_trip() {
        for k in [
            ContainerKind::Image,
            ContainerKind::Video,
            ContainerKind::Reels,
            ContainerKind::Stories,
            ContainerKind::Carousel,
        ] {
            assert_eq!(ContainerKind::parse(k.as_str()), Some(k));
        }
        for t in [MediaType::Image, MediaType::Video, MediaType::CarouselAlbum] {
            assert_eq!(MediaType::parse(t.as_str()), Some(t));
        }
        for p in [
            MediaProductType::Feed,
            MediaProductType::Reels,
            MediaProductType::Story,
            MediaProductType::Ad,
        ] {
            assert_eq!(MediaProductType::parse(p.as_str()), Some(p));
        }
    }

    #[test]
    fn user_tags_need_coordinates_on_images() {
        assert!(parse_user_tags(r#"[{"username":"a","x":0.5,"y":0.1}]"#, true).is_ok());
        assert!(parse_user_tags(r#"[{"username":"a"}]"#, true).is_err());
        assert!(parse_user_tags(r#"[{"username":"a"}]"#, false).is_ok());
        assert!(parse_user_tags(r#"[{"username":"a","x":1.5,"y":0.1}]"#, true).is_err());
        assert!(parse_user_tags("nope", true).is_err());
    }
}
