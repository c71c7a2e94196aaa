//! Fetching `image_url`, `video_url` and `cover_url` for content publishing, without ever
//! reaching the internet:
//!
//! - a media file URL of Localgram itself (`{public_url}/cdn/…`) is read in process, from the
//!   store, exactly as the route would serve it;
//! - any other URL on the loopback (`localhost`, `127.0.0.0/8`, `::1`) is fetched for real over
//!   HTTP, with a time limit, a size cap and no redirects;
//! - any other host answers Meta's "media could not be fetched" error, unless the server was
//!   started with `accept_any_media_url`: then nothing is fetched and Localgram makes the file up
//!   from the media id, as for world media without files.
//!
//! What comes back is checked as Meta checks it: images must be JPEG, at most 8 MB, and (feed
//! images and carousel items) of an aspect ratio from 4:5 to 1.91:1; videos must be MP4 or MOV
//! with a video track, or the container ends in `ERROR` with subcode 2207026.

use super::{FileKind, find_file, urls};
use crate::state::AppState;
use localgram_core::error::GraphError;
use localgram_core::model::Blob;
use localgram_core::publishing::{
    FetchPlan, Fetched, IMAGE_ASPECT, MAX_IMAGE_BYTES, MAX_VIDEO_BYTES, bad_aspect_ratio,
    cannot_fetch, download_timeout, image_too_large, not_photo_or_video,
};
use std::net::IpAddr;
use std::time::Duration;

/// How long one download may take.
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(20);

/// Subcode of a video processing failure: the format is not supported.
const VIDEO_FORMAT_UNSUPPORTED: i64 = 2_207_026;

const NOT_FETCHED: &str = "The media could not be fetched from this uri";

/// Where a URL is read from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Source {
    /// A media file Localgram serves: read from the store.
    Own(FileKind, String),
    /// A loopback URL: fetched over HTTP.
    Loopback(url::Url),
    /// Anywhere else.
    Elsewhere,
}

fn classify(public_url: &str, raw: &str) -> Option<Source> {
    let url = url::Url::parse(raw).ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    if let Ok(base) = url::Url::parse(public_url)
        && base.scheme() == url.scheme()
        && base.host_str() == url.host_str()
        && base.port_or_known_default() == url.port_or_known_default()
    {
        let path = url.path();
        for (prefix, kind) in [
            (urls::MEDIA_PREFIX, FileKind::Media),
            (urls::THUMB_PREFIX, FileKind::Thumbnail),
            (urls::PROFILE_PREFIX, FileKind::Profile),
        ] {
            if let Some(file) = path.strip_prefix(prefix) {
                let id = file.split('.').next().unwrap_or_default().to_owned();
                return Some(Source::Own(kind, id));
            }
        }
    }
    let loopback = match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    };
    Some(if loopback {
        Source::Loopback(url)
    } else {
        Source::Elsewhere
    })
}

fn client() -> &'static reqwest::Client {
    static CLIENT: std::sync::OnceLock<reqwest::Client> = std::sync::OnceLock::new();
    CLIENT.get_or_init(|| {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(FETCH_TIMEOUT)
            .no_proxy()
            .build()
            .unwrap_or_default()
    })
}

/// The bytes behind `raw`, `Ok(None)` when Localgram makes the file up instead.
async fn bytes_of(state: &AppState, raw: &str, cap: usize) -> Result<Option<Vec<u8>>, GraphError> {
    match classify(&state.public_url, raw) {
        None => Err(cannot_fetch(raw, NOT_FETCHED)),
        Some(Source::Own(kind, id)) => {
            let file = find_file(&state.platform, kind, &id)
                .await
                .map_err(|e| GraphError::from_store(&e))?
                .ok_or_else(|| cannot_fetch(raw, NOT_FETCHED))?;
            Ok(Some(file.bytes.to_vec()))
        }
        Some(Source::Elsewhere) if state.config.accept_any_media_url => Ok(None),
        Some(Source::Elsewhere) => Err(cannot_fetch(raw, NOT_FETCHED)),
        Some(Source::Loopback(url)) => {
            let res = client().get(url).send().await.map_err(|e| {
                if e.is_timeout() {
                    download_timeout()
                } else {
                    cannot_fetch(raw, NOT_FETCHED)
                }
            })?;
            if !res.status().is_success() {
                return Err(cannot_fetch(raw, NOT_FETCHED));
            }
            if res.content_length().is_some_and(|n| n > cap as u64) {
                return Err(too_large(cap));
            }
            let mut res = res;
            let mut out = Vec::new();
            loop {
                match res.chunk().await {
                    Ok(Some(chunk)) => {
                        if out.len() + chunk.len() > cap {
                            return Err(too_large(cap));
                        }
                        out.extend_from_slice(&chunk);
                    }
                    Ok(None) => break,
                    Err(e) if e.is_timeout() => return Err(download_timeout()),
                    Err(_) => return Err(cannot_fetch(raw, NOT_FETCHED)),
                }
            }
            Ok(Some(out))
        }
    }
}

fn too_large(cap: usize) -> GraphError {
    if cap == MAX_IMAGE_BYTES {
        image_too_large()
    } else {
        GraphError {
            message: "The video is too large to download.".into(),
            ..image_too_large()
        }
    }
}

/// A JPEG image checked as Meta checks it.
async fn image(
    state: &AppState,
    raw: &str,
    check_aspect: bool,
) -> Result<Option<Blob>, GraphError> {
    let Some(bytes) = bytes_of(state, raw, MAX_IMAGE_BYTES).await? else {
        return Ok(None);
    };
    if localgram_core::sniff::content_type(&bytes) != Some("image/jpeg") {
        return Err(not_photo_or_video(raw));
    }
    let (bytes, dims) = tokio::task::spawn_blocking(move || {
        let dims = super::decoded_dimensions(&bytes);
        (bytes, dims)
    })
    .await
    .map_err(|_| GraphError::internal())?;
    let (w, h) = dims.map_err(|_| not_photo_or_video(raw))?;
    if check_aspect {
        let ratio = f64::from(w) / f64::from(h.max(1));
        if ratio < IMAGE_ASPECT.0 - 1e-9 || ratio > IMAGE_ASPECT.1 + 1e-9 {
            return Err(bad_aspect_ratio(w, h));
        }
    }
    Ok(Some(Blob::new("image/jpeg", bytes)))
}

/// Fetches and checks everything a container's plan names.
pub async fn fetch(state: &AppState, plan: &FetchPlan) -> Result<Fetched, GraphError> {
    let mut out = Fetched::default();
    if let Some(raw) = &plan.media_url {
        if plan.video {
            if let Some(bytes) = bytes_of(state, raw, MAX_VIDEO_BYTES).await? {
                let ok = match localgram_core::sniff::content_type(&bytes) {
                    Some(t @ ("video/mp4" | "video/quicktime")) => super::mp4::inspect(&bytes)
                        .ok()
                        .filter(|i| i.tracks.iter().any(|t| t.handler == "vide"))
                        .map(|_| t),
                    _ => None,
                };
                match ok {
                    Some(t) => out.media = Some(Blob::new(t, bytes)),
                    None => out.processing_error = Some(VIDEO_FORMAT_UNSUPPORTED),
                }
            }
        } else {
            out.media = image(state, raw, plan.check_aspect).await?;
        }
    }
    if let Some(raw) = &plan.cover_url {
        out.cover = image(state, raw, false).await?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_classified_without_any_lookup() {
        let base = "http://127.0.0.1:8090";
        assert_eq!(
            classify(base, "http://127.0.0.1:8090/cdn/media/123.jpg"),
            Some(Source::Own(FileKind::Media, "123".into()))
        );
        assert!(matches!(
            classify(base, "http://127.0.0.1:9999/x.jpg"),
            Some(Source::Loopback(_))
        ));
        assert!(matches!(
            classify(base, "http://localhost/x.jpg"),
            Some(Source::Loopback(_))
        ));
        assert!(matches!(
            classify(base, "http://[::1]:80/x.jpg"),
            Some(Source::Loopback(_))
        ));
        assert_eq!(
            classify(base, "https://cdn.example.com/x.jpg"),
            Some(Source::Elsewhere)
        );
        assert_eq!(
            classify(base, "http://10.0.0.1/x.jpg"),
            Some(Source::Elsewhere)
        );
        assert_eq!(classify(base, "ftp://127.0.0.1/x.jpg"), None);
        assert_eq!(classify(base, "not a url"), None);
    }
}
