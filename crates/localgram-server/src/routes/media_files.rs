//! `/cdn/*`: the media files behind `media_url`, `thumbnail_url` and `profile_picture_url`
//! (GET and HEAD), with strong ETags, conditional requests and single byte ranges.
//!
//! | Route | Serves |
//! | --- | --- |
//! | `GET /cdn/media/{media_id}.{ext}` | an IMAGE's or VIDEO's file; an album's first child's; 404 for a copyright-flagged VIDEO |
//! | `GET /cdn/thumb/{media_id}.{ext}` | a VIDEO's thumbnail (JPEG); 404 for anything else |
//! | `GET /cdn/profile/{user_id}.{ext}` | an account's profile picture |
//!
//! The extension is decorative (any, or none); `Content-Type` is told by the bytes. Unknown or
//! non-digit ids answer 404 with `{"error": "…"}`.
//!
//! Ranges (RFC 9110 §14): one `bytes=a-b`, `bytes=a-` or `bytes=-n` answers 206 with
//! `Content-Range`; one that starts past the end answers 416 with `Content-Range: bytes */total`.
//! A request for several ranges, a syntactically invalid one, another unit, or an `If-Range` that
//! does not match the ETag gets the whole file (200), as RFC 9110 allows. `If-None-Match`
//! (weak comparison, `*` included) answers 304 before any range is looked at.

use crate::error::ApiError;
use crate::media::{self, FileKind, MediaFile};
use crate::state::AppState;
use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use localgram_core::store::StoreError;

/// `Cache-Control` of media files: their URLs name their record and records rarely change.
pub const CACHE_CONTROL: &str = "public, max-age=86400";

/// The media file routes (GET, and HEAD through GET).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/cdn/media/{file}", get(get_media))
        .route("/cdn/thumb/{file}", get(get_thumb))
        .route("/cdn/profile/{file}", get(get_profile))
}

async fn get_media(state: State<AppState>, file: Path<String>, headers: HeaderMap) -> Response {
    serve(state, file, headers, FileKind::Media).await
}

async fn get_thumb(state: State<AppState>, file: Path<String>, headers: HeaderMap) -> Response {
    serve(state, file, headers, FileKind::Thumbnail).await
}

async fn get_profile(state: State<AppState>, file: Path<String>, headers: HeaderMap) -> Response {
    serve(state, file, headers, FileKind::Profile).await
}

fn not_found() -> Response {
    ApiError::Control(StatusCode::NOT_FOUND, "no such media file".into()).into_response()
}

async fn serve(
    State(state): State<AppState>,
    Path(file): Path<String>,
    headers: HeaderMap,
    kind: FileKind,
) -> Response {
    let id = file.split_once('.').map_or(file.as_str(), |(id, _)| id);
    if !media::is_id(id) {
        return not_found();
    }
    match media::find_file(&state.platform, kind, id).await {
        Ok(Some(f)) => respond(&f, &headers),
        Ok(None) => not_found(),
        Err(e) => {
            let status = match e {
                StoreError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
                _ => StatusCode::INTERNAL_SERVER_ERROR,
            };
            tracing::error!(error = %e, cause = ?std::error::Error::source(&e), id, ?kind, "store failure while serving a media file");
            ApiError::Control(status, "the media file cannot be read now".into()).into_response()
        }
    }
}

/// What a `Range` header asks of a file of `total` bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeRequest {
    /// No usable range: the whole file, 200.
    Full,
    /// Bytes `start..=end`, 206.
    Part {
        /// First byte.
        start: u64,
        /// Last byte (inclusive).
        end: u64,
    },
    /// Nothing of the file, 416.
    Unsatisfiable,
}

/// Reads a `Range` header value (see the module documentation for what is honoured).
pub fn parse_range(value: &str, total: u64) -> RangeRequest {
    let Some((unit, set)) = value.trim().split_once('=') else {
        return RangeRequest::Full;
    };
    if !unit.trim().eq_ignore_ascii_case("bytes") || set.contains(',') {
        return RangeRequest::Full;
    }
    let Some((first, last)) = set.trim().split_once('-') else {
        return RangeRequest::Full;
    };
    let number = |s: &str| -> Option<u64> {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        // Digits too many for u64 are still a valid (huge) number.
        Some(s.parse().unwrap_or(u64::MAX))
    };
    let (first, last) = (first.trim(), last.trim());
    match (first.is_empty(), last.is_empty()) {
        // `-n`: the last n bytes.
        (true, false) => match number(last) {
            Some(0) => RangeRequest::Unsatisfiable,
            Some(_) if total == 0 => RangeRequest::Unsatisfiable,
            Some(n) => RangeRequest::Part {
                start: total.saturating_sub(n),
                end: total - 1,
            },
            None => RangeRequest::Full,
        },
        // `a-`: from a to the end.
        (false, true) => match number(first) {
            Some(a) if a >= total => RangeRequest::Unsatisfiable,
            Some(a) => RangeRequest::Part {
                start: a,
                end: total - 1,
            },
            None => RangeRequest::Full,
        },
        // `a-b`.
        (false, false) => match (number(first), number(last)) {
            (Some(a), Some(b)) if a <= b => {
                if a >= total {
                    RangeRequest::Unsatisfiable
                } else {
                    RangeRequest::Part {
                        start: a,
                        end: b.min(total - 1),
                    }
                }
            }
            _ => RangeRequest::Full,
        },
        (true, true) => RangeRequest::Full,
    }
}

/// Whether an `If-None-Match` value matches `etag` (weak comparison, RFC 9110 §13.1.2).
fn none_match(value: &str, etag: &str) -> bool {
    value
        .split(',')
        .map(str::trim)
        .any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == etag)
}

fn common_headers(h: &mut HeaderMap, etag: &HeaderValue) {
    h.insert(header::ETAG, etag.clone());
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(CACHE_CONTROL),
    );
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
}

/// The response for `f` given the request's conditional and range headers. HEAD gets the same
/// headers: axum drops the body and keeps the `Content-Length` set here.
pub fn respond(f: &MediaFile, req: &HeaderMap) -> Response {
    let etag_text = format!("\"{}\"", f.sha256);
    let etag =
        HeaderValue::from_str(&etag_text).unwrap_or_else(|_| HeaderValue::from_static("\"\""));
    let total = f.bytes.len() as u64;
    let text = |name: header::HeaderName| req.get(name).and_then(|v| v.to_str().ok());

    if let Some(inm) = text(header::IF_NONE_MATCH)
        && none_match(inm, &etag_text)
    {
        let mut res = StatusCode::NOT_MODIFIED.into_response();
        common_headers(res.headers_mut(), &etag);
        return res;
    }

    // A range only applies while the representation is the one the client has (If-Range, strong
    // comparison); a date in If-Range cannot be checked (no Last-Modified), so it means "whole".
    let range_applies = text(header::IF_RANGE).is_none_or(|v| v.trim() == etag_text);
    let range = match text(header::RANGE) {
        Some(v) if range_applies => parse_range(v, total),
        _ => RangeRequest::Full,
    };

    let (status, body) = match range {
        RangeRequest::Full => (StatusCode::OK, f.bytes.clone()),
        RangeRequest::Part { start, end } => (
            StatusCode::PARTIAL_CONTENT,
            f.bytes.slice(start as usize..=end as usize),
        ),
        RangeRequest::Unsatisfiable => {
            let mut res = ApiError::Control(
                StatusCode::RANGE_NOT_SATISFIABLE,
                format!("the range is outside the file ({total} bytes)"),
            )
            .into_response();
            let h = res.headers_mut();
            common_headers(h, &etag);
            if let Ok(v) = HeaderValue::from_str(&format!("bytes */{total}")) {
                h.insert(header::CONTENT_RANGE, v);
            }
            return res;
        }
    };
    let len = body.len();
    let mut res = Response::new(Body::from(body));
    *res.status_mut() = status;
    let h = res.headers_mut();
    common_headers(h, &etag);
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&f.content_type)
            .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream")),
    );
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    if let RangeRequest::Part { start, end } = range
        && let Ok(v) = HeaderValue::from_str(&format!("bytes {start}-{end}/{total}"))
    {
        h.insert(header::CONTENT_RANGE, v);
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Bytes;

    #[test]
    fn ranges_follow_rfc_9110() {
        use RangeRequest::*;
        let p = |start, end| Part { start, end };
        assert_eq!(parse_range("bytes=0-9", 100), p(0, 9));
        assert_eq!(parse_range("bytes=90-200", 100), p(90, 99));
        assert_eq!(parse_range("bytes=10-", 100), p(10, 99));
        assert_eq!(parse_range("bytes=-10", 100), p(90, 99));
        assert_eq!(parse_range("bytes=-1000", 100), p(0, 99));
        assert_eq!(parse_range("Bytes = 5-5", 100), p(5, 5));
        assert_eq!(parse_range("bytes=99-", 100), p(99, 99));
        assert_eq!(parse_range("bytes=100-", 100), Unsatisfiable);
        assert_eq!(parse_range("bytes=100-200", 100), Unsatisfiable);
        assert_eq!(parse_range("bytes=-0", 100), Unsatisfiable);
        assert_eq!(
            parse_range("bytes=99999999999999999999999-", 100),
            Unsatisfiable
        );
        for ignored in [
            "bytes=0-1,5-6",
            "bytes=9-3",
            "items=0-1",
            "bytes=a-b",
            "bytes=-",
            "bytes",
            "bytes=1",
        ] {
            assert_eq!(parse_range(ignored, 100), Full, "{ignored}");
        }
    }

    fn file() -> MediaFile {
        MediaFile {
            bytes: Bytes::from_static(b"0123456789"),
            content_type: "image/png".into(),
            sha256: "abc".into(),
        }
    }

    fn req(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(k.clone(), HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn conditional_and_range_headers() {
        let f = file();
        let res = respond(&f, &HeaderMap::new());
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()[header::ETAG], "\"abc\"");
        assert_eq!(res.headers()[header::CONTENT_LENGTH], "10");
        for inm in ["\"abc\"", "W/\"abc\"", "\"x\", \"abc\"", "*"] {
            let res = respond(&f, &req(&[(header::IF_NONE_MATCH, inm)]));
            assert_eq!(res.status(), StatusCode::NOT_MODIFIED, "{inm}");
        }
        assert_eq!(
            respond(&f, &req(&[(header::IF_NONE_MATCH, "\"abd\"")])).status(),
            StatusCode::OK
        );
        let res = respond(&f, &req(&[(header::RANGE, "bytes=2-4")]));
        assert_eq!(res.status(), StatusCode::PARTIAL_CONTENT);
        assert_eq!(res.headers()[header::CONTENT_RANGE], "bytes 2-4/10");
        assert_eq!(res.headers()[header::CONTENT_LENGTH], "3");
        let res = respond(
            &f,
            &req(&[(header::RANGE, "bytes=2-4"), (header::IF_RANGE, "\"abc\"")]),
        );
        assert_eq!(res.status(), StatusCode::PARTIAL_CONTENT);
        let res = respond(
            &f,
            &req(&[(header::RANGE, "bytes=2-4"), (header::IF_RANGE, "\"old\"")]),
        );
        assert_eq!(res.status(), StatusCode::OK);
        let res = respond(&f, &req(&[(header::RANGE, "bytes=10-")]));
        assert_eq!(res.status(), StatusCode::RANGE_NOT_SATISFIABLE);
        assert_eq!(res.headers()[header::CONTENT_RANGE], "bytes */10");
    }
}
