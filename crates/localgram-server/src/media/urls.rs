//! The URLs of media files, under the server's public URL (`--public-url`). The Graph serializer
//! writes exactly these; [`crate::routes::media_files`] serves them.
//!
//! | URL | Serves |
//! | --- | --- |
//! | `{public_url}/cdn/media/{media_id}.jpg` | an IMAGE, or a CAROUSEL_ALBUM's first child |
//! | `{public_url}/cdn/media/{media_id}.mp4` | a VIDEO |
//! | `{public_url}/cdn/thumb/{media_id}.jpg` | a VIDEO's thumbnail |
//! | `{public_url}/cdn/profile/{user_id}.jpg` | an account's profile picture |
//!
//! The extension is decorative: the route accepts `{id}.{anything}` and answers with the real
//! `Content-Type` of the bytes.

use localgram_core::model::{IgMedia, IgUser};

/// The path prefix of media files.
pub const MEDIA_PREFIX: &str = "/cdn/media/";
/// The path prefix of video thumbnails.
pub const THUMB_PREFIX: &str = "/cdn/thumb/";
/// The path prefix of profile pictures.
pub const PROFILE_PREFIX: &str = "/cdn/profile/";

fn base(public_url: &str) -> &str {
    public_url.trim_end_matches('/')
}

/// `media_url`: `…/cdn/media/{id}.mp4` for a VIDEO, `…/cdn/media/{id}.jpg` otherwise (an album's
/// file is its first child's).
pub fn media_url(public_url: &str, m: &IgMedia) -> String {
    let ext = if m.media_type == "VIDEO" {
        "mp4"
    } else {
        "jpg"
    };
    format!("{}{MEDIA_PREFIX}{}.{ext}", base(public_url), m.id)
}

/// `thumbnail_url` (VIDEO only): `…/cdn/thumb/{id}.jpg`.
pub fn thumbnail_url(public_url: &str, m: &IgMedia) -> String {
    format!("{}{THUMB_PREFIX}{}.jpg", base(public_url), m.id)
}

/// `profile_picture_url`: `…/cdn/profile/{user_id}.jpg`.
pub fn profile_picture_url(public_url: &str, u: &IgUser) -> String {
    format!("{}{PROFILE_PREFIX}{}.jpg", base(public_url), u.id)
}
