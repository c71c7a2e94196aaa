//! The OpenAPI operations of content publishing, comments and webhooks, merged into
//! [`crate::openapi::ApiDoc`] by [`crate::openapi::json`]. Both Graph hosts serve each path
//! (graph.instagram.com with Instagram Login tokens, graph.facebook.com with Facebook Login
//! tokens), also under a version prefix.
#![allow(dead_code)] // the functions below exist only to carry their `#[utoipa::path]`

use crate::openapi_shared::nodes::{CommentNode, ContainerNode};
use crate::openapi_shared::{CreatedId, Success};
use localgram_types::GraphErrorBody;
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

/// Parameters of `POST /{ig_user_id}/media` (query, form or JSON body).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ContainerParams {
    access_token: Option<String>,
    /// Absent: a single image (or an image carousel item). `REELS`, `STORIES`, `CAROUSEL`, or
    /// `VIDEO` with `is_carousel_item=true`.
    media_type: Option<String>,
    /// A JPEG: on Localgram itself or the loopback (any host with `--accept-any-media-url`).
    image_url: Option<String>,
    /// An MP4 or MOV (reels, video stories, video carousel items).
    video_url: Option<String>,
    /// `true` for a carousel item.
    is_carousel_item: Option<bool>,
    /// `CAROUSEL`: 2 to 10 item container ids, comma-separated or a JSON array.
    children: Option<String>,
    /// At most 2200 characters, 30 hashtags, 20 @-mentions.
    caption: Option<String>,
    /// Images only, at most 1000 characters.
    alt_text: Option<String>,
    /// A Page id.
    location_id: Option<String>,
    /// JSON array of `{username, x, y}`.
    user_tags: Option<String>,
    /// Reels: `false` keeps the reel off the feed.
    share_to_feed: Option<bool>,
    /// Reels: a JPEG cover.
    cover_url: Option<String>,
    /// Videos: milliseconds.
    thumb_offset: Option<i64>,
}

/// The quota configuration.
#[derive(Serialize, ToSchema)]
pub struct QuotaConfig {
    quota_total: i64,
    /// Seconds (86400).
    quota_duration: i64,
}

/// One item of `content_publishing_limit`.
#[derive(Serialize, ToSchema)]
pub struct PublishingLimitItem {
    quota_usage: Option<i64>,
    config: Option<QuotaConfig>,
}

/// `{"data": [ … ]}`.
#[derive(Serialize, ToSchema)]
pub struct PublishingLimit {
    data: Vec<PublishingLimitItem>,
}

#[utoipa::path(post, path = "/graph.instagram.com/{ig_user_id}/media", tag = "publishing",
    params(("ig_user_id" = String, Path, description = "`me` or the account's id (graph.facebook.com: the linked account's id)"), ContainerParams),
    description = "Creates a media container (also on graph.facebook.com). Needs instagram_business_content_publish (Instagram Login) or instagram_content_publish (Facebook Login), else code 10. The media is fetched at once: errors 9004/2207052 (cannot be fetched, not a JPEG), 36000/2207004 (over 8 MB), 36003/2207009 (aspect ratio), 36004/2207010 (caption), 100/2207028 (carousel size), 4/2207051 (400 containers in 24 hours).",
    responses((status = 200, body = CreatedId), (status = 400, body = GraphErrorBody)))]
fn create_container() {}

#[utoipa::path(get, path = "/graph.instagram.com/{container_id}", tag = "publishing",
    params(("container_id" = String, Path), ("fields" = Option<String>, Query, description = "id, status_code, status, copyright_check_status")),
    description = "A container's status on the emulator clock: IN_PROGRESS (2 s for images, 10 s for videos), FINISHED or ERROR, PUBLISHED, EXPIRED 24 hours after creation. Also on graph.facebook.com.",
    responses((status = 200, body = ContainerNode), (status = 400, body = GraphErrorBody)))]
fn container() {}

#[utoipa::path(post, path = "/graph.instagram.com/{ig_user_id}/media_publish", tag = "publishing",
    params(("ig_user_id" = String, Path), ("creation_id" = String, Query, description = "A FINISHED container")),
    description = "Publishes a container; the media appears at once. Errors: 9007/2207027 (not finished), 24/2207008 (unknown container or carousel item), -2/2207020 (expired), 9/2207042 (quota). Publishing a published container answers its media again. Also on graph.facebook.com.",
    responses((status = 200, body = CreatedId), (status = 400, body = GraphErrorBody)))]
fn media_publish() {}

#[utoipa::path(get, path = "/graph.instagram.com/{ig_user_id}/content_publishing_limit", tag = "publishing",
    params(("ig_user_id" = String, Path), ("fields" = Option<String>, Query, description = "quota_usage (default), config"), ("since" = Option<String>, Query, description = "Unix time, no older than 24 hours")),
    description = "Posts published through the API in the rolling 24 hours (a carousel counts once) and the quota (50 by default, --publish-quota). Also on graph.facebook.com.",
    responses((status = 200, body = PublishingLimit), (status = 400, body = GraphErrorBody)))]
fn content_publishing_limit() {}

/// A page of comments.
#[derive(Serialize, ToSchema)]
pub struct CommentPage {
    data: Vec<CommentNode>,
    /// Absent on an empty page.
    paging: Option<localgram_types::Paging>,
}

#[utoipa::path(get, path = "/graph.instagram.com/{ig_media_id}/comments", tag = "comments",
    params(("ig_media_id" = String, Path), ("fields" = Option<String>, Query, description = "Default timestamp,text,id; also hidden, like_count, username, from, media, replies{…}"), ("limit" = Option<i64>, Query, description = "At most 50"), ("after" = Option<String>, Query)),
    description = "Top-level comments, newest first, with cursors. Needs instagram_business_manage_comments (Instagram Login) or instagram_manage_comments (Facebook Login), else code 10. Also on graph.facebook.com.",
    responses((status = 200, body = CommentPage), (status = 400, body = GraphErrorBody)))]
fn comments() {}

#[utoipa::path(post, path = "/graph.instagram.com/{ig_media_id}/comments", tag = "comments",
    params(("ig_media_id" = String, Path), ("message" = String, Query)),
    description = "Comments as the media's account. Code 100 when comments are off. Also on graph.facebook.com.",
    responses((status = 200, body = CreatedId), (status = 400, body = GraphErrorBody)))]
fn create_comment() {}

#[utoipa::path(get, path = "/graph.instagram.com/{ig_comment_id}/replies", tag = "comments",
    params(("ig_comment_id" = String, Path), ("fields" = Option<String>, Query), ("limit" = Option<i64>, Query), ("after" = Option<String>, Query)),
    description = "Replies to a top-level comment, newest first. Also on graph.facebook.com.",
    responses((status = 200, body = CommentPage), (status = 400, body = GraphErrorBody)))]
fn replies() {}

#[utoipa::path(post, path = "/graph.instagram.com/{ig_comment_id}/replies", tag = "comments",
    params(("ig_comment_id" = String, Path), ("message" = String, Query)),
    description = "Replies as the media's account; a reply to a reply is filed under its top-level comment; a hidden comment takes no reply. Also on graph.facebook.com.",
    responses((status = 200, body = CreatedId), (status = 400, body = GraphErrorBody)))]
fn create_reply() {}

#[utoipa::path(post, path = "/graph.instagram.com/{id}", tag = "comments",
    params(("id" = String, Path, description = "A comment id (with hide) or a media id (with comment_enabled)"), ("hide" = Option<bool>, Query), ("comment_enabled" = Option<bool>, Query)),
    description = "Hides or shows a comment (the media owner's own comments stay visible), or turns a media's comments off or on. Also on graph.facebook.com.",
    responses((status = 200, body = Success), (status = 400, body = GraphErrorBody)))]
fn post_node() {}

#[utoipa::path(delete, path = "/graph.instagram.com/{ig_comment_id}", tag = "comments",
    params(("ig_comment_id" = String, Path)),
    description = "Deletes a comment and its replies. Also on graph.facebook.com.",
    responses((status = 200, body = Success), (status = 400, body = GraphErrorBody)))]
fn delete_comment() {}

/// Content publishing, comments and webhooks.
#[derive(OpenApi)]
#[openapi(
    paths(
        create_container,
        container,
        media_publish,
        content_publishing_limit,
        comments,
        create_comment,
        replies,
        create_reply,
        post_node,
        delete_comment
    ),
    components(schemas(
        ContainerNode,
        QuotaConfig,
        PublishingLimitItem,
        PublishingLimit,
        CommentNode,
        CommentPage,
        Success
    ))
)]
pub struct PublishingDoc;
