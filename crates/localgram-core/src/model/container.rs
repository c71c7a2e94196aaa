//! Media containers of content publishing as the store keeps them (the rules are in
//! [`crate::publishing`]).

use time::{Duration, OffsetDateTime};

/// How long an unpublished container lives.
pub const CONTAINER_TTL: Duration = Duration::hours(24);

/// What a container will publish, from `media_type` (and `is_carousel_item`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContainerKind {
    /// No `media_type`: a single image (or an image carousel item).
    Image,
    /// `VIDEO`: a video carousel item only.
    Video,
    /// `REELS`.
    Reels,
    /// `STORIES`: an image or a video story.
    Stories,
    /// `CAROUSEL`: an album of earlier item containers.
    Carousel,
}

impl ContainerKind {
    /// The store spelling (the `media_type` sent, `IMAGE` when none was).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Image => "IMAGE",
            Self::Video => "VIDEO",
            Self::Reels => "REELS",
            Self::Stories => "STORIES",
            Self::Carousel => "CAROUSEL",
        }
    }

    /// Parses the store spelling (and `media_type` as sent).
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "IMAGE" => Some(Self::Image),
            "VIDEO" => Some(Self::Video),
            "REELS" => Some(Self::Reels),
            "STORIES" => Some(Self::Stories),
            "CAROUSEL" => Some(Self::Carousel),
            _ => None,
        }
    }
}

/// A container's `status_code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContainerStatus {
    /// Still being processed.
    InProgress,
    /// Ready to publish.
    Finished,
    /// Processing failed.
    Error,
    /// Not published within 24 hours.
    Expired,
    /// Published.
    Published,
}

impl ContainerStatus {
    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InProgress => "IN_PROGRESS",
            Self::Finished => "FINISHED",
            Self::Error => "ERROR",
            Self::Expired => "EXPIRED",
            Self::Published => "PUBLISHED",
        }
    }
}

/// A media container as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Container {
    /// The container id.
    pub id: String,
    /// The account it publishes to.
    pub owner_id: String,
    /// The app whose token created it.
    pub app_id: String,
    /// What it publishes.
    pub kind: ContainerKind,
    /// Whether its media is a video (reels, video stories, video items).
    pub is_video: bool,
    /// A carousel item (`is_carousel_item=true`).
    pub is_carousel_item: bool,
    /// A carousel's item containers, in order.
    pub children: Vec<String>,
    /// `caption`.
    pub caption: Option<String>,
    /// `alt_text`.
    pub alt_text: Option<String>,
    /// `location_id`.
    pub location_id: Option<String>,
    /// `user_tags`, as sent (a JSON array).
    pub user_tags: Option<serde_json::Value>,
    /// `share_to_feed` (reels).
    pub share_to_feed: Option<bool>,
    /// `thumb_offset` in milliseconds (videos).
    pub thumb_offset: Option<i64>,
    /// `image_url` or `video_url`.
    pub source_url: Option<String>,
    /// `cover_url` (reels).
    pub cover_url: Option<String>,
    /// SHA-256 of the fetched media bytes; `None`: Localgram makes them up.
    pub media_blob: Option<String>,
    /// SHA-256 of the fetched cover; `None`: made up.
    pub thumbnail_blob: Option<String>,
    /// When it was created.
    pub created_at: OffsetDateTime,
    /// When processing ends.
    pub ready_at: OffsetDateTime,
    /// The subcode processing ends with, if it fails.
    pub error_subcode: Option<i64>,
    /// The media it became, once published.
    pub published_media_id: Option<String>,
    /// When it was published.
    pub published_at: Option<OffsetDateTime>,
}

impl Container {
    /// The status at `now`.
    pub fn status(&self, now: OffsetDateTime) -> ContainerStatus {
        if self.published_media_id.is_some() {
            ContainerStatus::Published
        } else if now >= self.created_at + CONTAINER_TTL {
            ContainerStatus::Expired
        } else if now < self.ready_at {
            ContainerStatus::InProgress
        } else if self.error_subcode.is_some() {
            ContainerStatus::Error
        } else {
            ContainerStatus::Finished
        }
    }

    /// The free-text `status` at `now`.
    pub fn status_text(&self, now: OffsetDateTime) -> String {
        match self.status(now) {
            ContainerStatus::InProgress => {
                "In Progress: Media is still being processed.".to_owned()
            }
            ContainerStatus::Finished => {
                "Finished: Media has been uploaded and it is ready to be published.".to_owned()
            }
            ContainerStatus::Error => format!(
                "Error: Media upload has failed with error code {}",
                self.error_subcode.unwrap_or(2_207_001)
            ),
            ContainerStatus::Expired => {
                "Expired: Media was not published within 24 hours.".to_owned()
            }
            ContainerStatus::Published => "Published: Media has been published.".to_owned(),
        }
    }
}

/// What `media_publish` did in the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublishOutcome {
    /// Published as this media id.
    Published(String),
    /// The container had been published already, as this media id.
    AlreadyPublished(String),
    /// The account reached its quota; nothing was written.
    QuotaReached,
}
