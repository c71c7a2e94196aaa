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

use localgram_core::model::MediaType;
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
    let mut out = String::new();
    push_media_url(&mut out, public_url, m);
    out
}

/// Appends [`media_url`] to `out`.
pub fn push_media_url(out: &mut String, public_url: &str, m: &IgMedia) {
    let ext = if m.media_type == MediaType::Video {
        ".mp4"
    } else {
        ".jpg"
    };
    for part in [base(public_url), MEDIA_PREFIX, &m.id, ext] {
        out.push_str(part);
    }
}

/// `thumbnail_url` (VIDEO only): `…/cdn/thumb/{id}.jpg`.
pub fn thumbnail_url(public_url: &str, m: &IgMedia) -> String {
    format!("{}{THUMB_PREFIX}{}.jpg", base(public_url), m.id)
}

/// `profile_picture_url`: `…/cdn/profile/{user_id}.jpg`.
pub fn profile_picture_url(public_url: &str, u: &IgUser) -> String {
    format!("{}{PROFILE_PREFIX}{}.jpg", base(public_url), u.id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn media(id: &str, media_type: &str) -> IgMedia {
        IgMedia {
            id: id.into(),
            owner_id: "1".into(),
            parent_id: None,
            position: 0,
            media_type: MediaType::parse(media_type).expect("a media type"),
            caption: None,
            timestamp: time::OffsetDateTime::UNIX_EPOCH,
            file: None,
            thumbnail_file: None,
            shortcode: "abc".into(),
            copyright_flagged: false,
            media_product_type: localgram_core::model::MediaProductType::Feed,
            is_shared_to_feed: None,
            media_blob: None,
            thumbnail_blob: None,
        }
    }

    #[test]
    fn urls_follow_the_fixed_scheme() {
        let base = "http://127.0.0.1:8090";
        assert_eq!(
            media_url(base, &media("10", "IMAGE")),
            "http://127.0.0.1:8090/cdn/media/10.jpg"
        );
        assert_eq!(
            media_url(base, &media("11", "CAROUSEL_ALBUM")),
            "http://127.0.0.1:8090/cdn/media/11.jpg"
        );
        assert_eq!(
            media_url("https://lg.example/", &media("12", "VIDEO")),
            "https://lg.example/cdn/media/12.mp4"
        );
        assert_eq!(
            thumbnail_url(base, &media("12", "VIDEO")),
            "http://127.0.0.1:8090/cdn/thumb/12.jpg"
        );
        let user = IgUser {
            id: "17841405793187218".into(),
            username: "jane.doe".into(),
            password_hash: String::new(),
            account_type: "PERSONAL".into(),
            name: String::new(),
            biography: String::new(),
            website: String::new(),
            is_private: false,
            followers_count: 0,
            follows_count: 0,
            profile_picture: None,
            profile_blob: None,
        };
        assert_eq!(
            profile_picture_url(base, &user),
            "http://127.0.0.1:8090/cdn/profile/17841405793187218.jpg"
        );
    }
}
