//! Media files over real HTTP, on every backend: `/cdn/media`, `/cdn/thumb` and `/cdn/profile`
//! serve generated or stored bytes with exact headers, ETags, conditional requests and ranges;
//! world files are served byte for byte and stored once.

use base64::Engine as _;
use localgram_core::model::Blob;
use localgram_server::media::generate::{self, Kind};
use localgram_server::media::{decoded_dimensions, mp4};
use localgram_testkit::world::*;
use localgram_testkit::{Backend, TestOptions, TestServer, client};
use reqwest::StatusCode;
use reqwest::header::{self, HeaderMap};

const IMAGE: &str = "17895695668004550";
const ALBUM: &str = "17895695668004551";
const CHILD_IMAGE: &str = "17880997618081620";
const CHILD_VIDEO: &str = "17880997618081621";

struct Got {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Got {
    fn header(&self, name: header::HeaderName) -> &str {
        self.headers
            .get(&name)
            .unwrap_or_else(|| panic!("no {name} header in {:?}", self.headers))
            .to_str()
            .unwrap()
    }
}

async fn fetch(req: reqwest::RequestBuilder) -> Got {
    let res = req.send().await.expect("the request failed");
    let status = res.status();
    let headers = res.headers().clone();
    let body = res.bytes().await.expect("cannot read the body").to_vec();
    Got {
        status,
        headers,
        body,
    }
}

async fn get(server: &TestServer, path: &str) -> Got {
    fetch(client().get(server.url(path))).await
}

fn sha256(bytes: &[u8]) -> String {
    Blob::new("", bytes.to_vec()).sha256
}

/// Status 200 and every header of a whole file.
fn assert_file(got: &Got, content_type: &str, what: &str) {
    assert_eq!(
        got.status,
        StatusCode::OK,
        "{what}: {:?}",
        String::from_utf8_lossy(&got.body)
    );
    assert_eq!(got.header(header::CONTENT_TYPE), content_type, "{what}");
    assert_eq!(
        got.header(header::CONTENT_LENGTH),
        got.body.len().to_string(),
        "{what}"
    );
    assert_eq!(
        got.header(header::ETAG),
        format!("\"{}\"", sha256(&got.body)),
        "{what}"
    );
    assert_eq!(got.header(header::ACCEPT_RANGES), "bytes", "{what}");
    assert_eq!(
        got.header(header::CACHE_CONTROL),
        "public, max-age=86400",
        "{what}"
    );
    assert_eq!(
        got.header(header::X_CONTENT_TYPE_OPTIONS),
        "nosniff",
        "{what}"
    );
    assert!(got.headers.get(header::CONTENT_RANGE).is_none(), "{what}");
}

fn assert_not_found(got: &Got, what: &str) {
    assert_eq!(got.status, StatusCode::NOT_FOUND, "{what}");
    assert!(
        got.header(header::CONTENT_TYPE)
            .starts_with("application/json"),
        "{what}"
    );
    let v: serde_json::Value = serde_json::from_slice(&got.body).expect("a JSON error body");
    assert!(
        v["error"].as_str().is_some_and(|e| !e.is_empty()),
        "{what}: {v}"
    );
}

#[tokio::test]
async fn generated_files_are_real_images_and_videos_with_exact_headers() {
    for backend in Backend::all() {
        let server = TestServer::spawn_with(TestOptions {
            backend: backend.clone(),
            ..Default::default()
        })
        .await;
        let b = backend.name();

        let image = get(&server, &format!("/cdn/media/{IMAGE}.jpg")).await;
        assert_file(&image, "image/jpeg", b);
        assert_eq!(decoded_dimensions(&image.body), Ok((640, 640)), "{b}");
        // Same bytes again, and whatever the extension.
        for path in [
            format!("/cdn/media/{IMAGE}.jpg"),
            format!("/cdn/media/{IMAGE}.png"),
            format!("/cdn/media/{IMAGE}"),
        ] {
            let again = get(&server, &path).await;
            assert_eq!(again.status, StatusCode::OK, "{b} {path}");
            assert!(again.body == image.body, "{b} {path}: bytes differ");
            assert_eq!(again.header(header::ETAG), image.header(header::ETAG));
        }

        // An album serves its first child's file; media differ from one another.
        let album = get(&server, &format!("/cdn/media/{ALBUM}.jpg")).await;
        let child = get(&server, &format!("/cdn/media/{CHILD_IMAGE}.jpg")).await;
        assert_file(&album, "image/jpeg", b);
        assert!(
            album.body == child.body,
            "{b}: album is not its first child"
        );
        assert!(
            child.body != image.body,
            "{b}: two media with the same picture"
        );

        // A VIDEO is a real H.264 MP4; its thumbnail a JPEG.
        let video = get(&server, &format!("/cdn/media/{CHILD_VIDEO}.mp4")).await;
        assert_file(&video, "video/mp4", b);
        let info = mp4::inspect(&video.body).expect("a well-formed MP4");
        assert_eq!(info.tracks[0].codec, "avc1");
        assert_eq!((info.tracks[0].width, info.tracks[0].height), (320, 320));
        let thumb = get(&server, &format!("/cdn/thumb/{CHILD_VIDEO}.jpg")).await;
        assert_file(&thumb, "image/jpeg", b);
        assert_eq!(decoded_dimensions(&thumb.body), Ok((640, 640)));

        // A profile picture is a PNG, whatever the extension says.
        let profile = get(&server, &format!("/cdn/profile/{TESTER_ID}.jpg")).await;
        assert_file(&profile, "image/png", b);
        assert_eq!(decoded_dimensions(&profile.body), Ok((320, 320)));
        let other = get(&server, &format!("/cdn/profile/{BUSINESS_ID}.jpg")).await;
        assert_file(&other, "image/png", b);
        assert!(
            other.body != profile.body,
            "{b}: two accounts with the same picture"
        );
        // Generated files are the same on another server (reproducible, nothing stored).
        assert!(image.body == generate::generate(Kind::Image, IMAGE));
    }
}

#[tokio::test]
async fn graph_urls_point_at_files_this_server_serves() {
    for backend in Backend::all() {
        let server = TestServer::spawn_with(TestOptions {
            backend: backend.clone(),
            ..Default::default()
        })
        .await;
        let node = get(
            &server,
            &format!("/graph.instagram.com/{ALBUM}?fields=media_url,children{{media_type,media_url,thumbnail_url}}&access_token={LONG_LIVED_TOKEN}"),
        )
        .await;
        assert_eq!(
            node.status,
            StatusCode::OK,
            "{}",
            String::from_utf8_lossy(&node.body)
        );
        let v: serde_json::Value = serde_json::from_slice(&node.body).unwrap();
        let mut urls = vec![(v["media_url"].as_str().unwrap().to_owned(), "image/jpeg")];
        for c in v["children"]["data"].as_array().unwrap() {
            let is_video = c["media_type"] == "VIDEO";
            urls.push((
                c["media_url"].as_str().unwrap().to_owned(),
                if is_video { "video/mp4" } else { "image/jpeg" },
            ));
            if is_video {
                urls.push((
                    c["thumbnail_url"].as_str().unwrap().to_owned(),
                    "image/jpeg",
                ));
            }
        }
        assert_eq!(urls.len(), 4, "{v}");
        for (url, content_type) in urls {
            assert!(url.starts_with(&format!("{}/cdn/", server.base)), "{url}");
            let got = fetch(client().get(&url)).await;
            assert_file(&got, content_type, &url);
        }
    }
}

#[tokio::test]
async fn etags_ranges_and_head() {
    for backend in Backend::all() {
        let server = TestServer::spawn_with(TestOptions {
            backend: backend.clone(),
            ..Default::default()
        })
        .await;
        let url = server.url(&format!("/cdn/media/{CHILD_VIDEO}.mp4"));
        let full = fetch(client().get(&url)).await;
        let etag = full.header(header::ETAG).to_owned();
        let total = full.body.len();
        let b = backend.name();

        // If-None-Match → 304 with the ETag and no body.
        for inm in [
            etag.clone(),
            format!("W/{etag}"),
            format!("\"nope\", {etag}"),
            "*".to_owned(),
        ] {
            let got = fetch(client().get(&url).header(header::IF_NONE_MATCH, &inm)).await;
            assert_eq!(got.status, StatusCode::NOT_MODIFIED, "{b} {inm}");
            assert_eq!(got.header(header::ETAG), etag);
            assert!(got.body.is_empty());
        }
        let got = fetch(
            client()
                .get(&url)
                .header(header::IF_NONE_MATCH, "\"stale\""),
        )
        .await;
        assert_eq!(got.status, StatusCode::OK);

        // Single ranges → 206 with exactly those bytes.
        for (range, start, end) in [
            ("bytes=0-99".to_owned(), 0, 99),
            (format!("bytes={}-", total - 10), total - 10, total - 1),
            ("bytes=-7".to_owned(), total - 7, total - 1),
            (format!("bytes=100-{}", total + 1000), 100, total - 1),
        ] {
            let got = fetch(client().get(&url).header(header::RANGE, &range)).await;
            assert_eq!(got.status, StatusCode::PARTIAL_CONTENT, "{b} {range}");
            assert_eq!(
                got.header(header::CONTENT_RANGE),
                format!("bytes {start}-{end}/{total}"),
                "{range}"
            );
            assert_eq!(
                got.header(header::CONTENT_LENGTH),
                (end - start + 1).to_string()
            );
            assert_eq!(got.header(header::CONTENT_TYPE), "video/mp4");
            assert_eq!(got.header(header::ETAG), etag);
            assert!(
                got.body == full.body[start..=end],
                "{b} {range}: wrong bytes"
            );
        }
        // Past the end → 416 with the size.
        let got = fetch(
            client()
                .get(&url)
                .header(header::RANGE, format!("bytes={total}-")),
        )
        .await;
        assert_eq!(got.status, StatusCode::RANGE_NOT_SATISFIABLE, "{b}");
        assert_eq!(
            got.header(header::CONTENT_RANGE),
            format!("bytes */{total}")
        );
        // Several ranges, or an If-Range for another version → the whole file.
        let got = fetch(client().get(&url).header(header::RANGE, "bytes=0-1,5-9")).await;
        assert_file(&got, "video/mp4", b);
        assert_eq!(got.body.len(), total);
        let got = fetch(
            client()
                .get(&url)
                .header(header::RANGE, "bytes=0-1")
                .header(header::IF_RANGE, "\"old\""),
        )
        .await;
        assert_eq!(got.status, StatusCode::OK);
        let got = fetch(
            client()
                .get(&url)
                .header(header::RANGE, "bytes=0-1")
                .header(header::IF_RANGE, &etag),
        )
        .await;
        assert_eq!(got.status, StatusCode::PARTIAL_CONTENT);

        // HEAD → the same headers, no body.
        let head = fetch(client().head(&url)).await;
        assert_eq!(head.status, StatusCode::OK);
        assert!(head.body.is_empty());
        for name in [
            header::CONTENT_TYPE,
            header::CONTENT_LENGTH,
            header::ETAG,
            header::ACCEPT_RANGES,
            header::CACHE_CONTROL,
            header::X_CONTENT_TYPE_OPTIONS,
        ] {
            assert_eq!(
                head.header(name.clone()),
                full.header(name.clone()),
                "{b} HEAD {name}"
            );
        }
        let head = fetch(client().head(&url).header(header::RANGE, "bytes=-7")).await;
        assert_eq!(head.status, StatusCode::PARTIAL_CONTENT);
        assert_eq!(head.header(header::CONTENT_LENGTH), "7");
    }
}

#[tokio::test]
async fn missing_and_hidden_files_are_404() {
    let world = format!(
        "{}\n{}",
        localgram_testkit::TEST_WORLD,
        r#"
[[instagram_users]]
id = "17841400000000777"
username = "flagged.account"
password = "flagged password"

  [[instagram_users.media]]
  id = "7770001"
  media_type = "VIDEO"
  copyright_flagged = true
  timestamp = "2026-05-01T18:10:00+0000"
"#
    );
    for backend in Backend::all() {
        let server = TestServer::spawn_with(TestOptions {
            backend: backend.clone(),
            world: Some(world.clone()),
            ..Default::default()
        })
        .await;
        for path in [
            "/cdn/media/1.jpg".to_owned(),
            "/cdn/media/abc.jpg".to_owned(),
            "/cdn/media/.jpg".to_owned(),
            "/cdn/media/-1.jpg".to_owned(),
            format!("/cdn/media/{}.jpg", "9".repeat(40)),
            format!("/cdn/media/{TESTER_ID}.jpg"),
            format!("/cdn/thumb/{IMAGE}.jpg"),
            format!("/cdn/thumb/{ALBUM}.jpg"),
            "/cdn/thumb/1.jpg".to_owned(),
            format!("/cdn/profile/{IMAGE}.jpg"),
            "/cdn/profile/x.jpg".to_owned(),
            // A copyright-flagged VIDEO has no media_url, and its file is not served either.
            "/cdn/media/7770001.mp4".to_owned(),
        ] {
            let got = get(&server, &path).await;
            assert_not_found(&got, &format!("{} {path}", backend.name()));
        }
        // Its thumbnail is still served (the Graph API keeps thumbnail_url).
        let thumb = get(&server, "/cdn/thumb/7770001.jpg").await;
        assert_file(&thumb, "image/jpeg", backend.name());
        let head = fetch(client().head(server.url("/cdn/media/1.jpg"))).await;
        assert_eq!(head.status, StatusCode::NOT_FOUND);
    }
}

async fn blob_rows(server: &TestServer, backend: &Backend) -> Vec<(String, String, i64)> {
    let sql = "SELECT sha256, content_type, size FROM blobs ORDER BY sha256";
    match backend {
        Backend::Sqlite => {
            let pool = sqlx::SqlitePool::connect(server.database_url())
                .await
                .unwrap();
            let rows = sqlx::query_as(sql).fetch_all(&pool).await.unwrap();
            pool.close().await;
            rows
        }
        Backend::Postgres(_) => {
            let pool = sqlx::PgPool::connect(server.database_url()).await.unwrap();
            let rows = sqlx::query_as(sql).fetch_all(&pool).await.unwrap();
            pool.close().await;
            rows
        }
    }
}

#[tokio::test]
async fn world_files_are_served_byte_for_byte_and_stored_once() {
    let dir = std::env::temp_dir().join(format!("localgram_media_files_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let png = generate::generate(Kind::Profile, "42");
    let mp4 = generate::generate(Kind::Video, "43");
    let (png_path, mp4_path) = (dir.join("picture.png"), dir.join("clip.mp4"));
    std::fs::write(&png_path, &png).unwrap();
    std::fs::write(&mp4_path, &mp4).unwrap();
    // The test server writes its world file into the temp directory, so paths relative to it
    // name the files; a posted world gives the same bytes inline.
    let folder = dir.file_name().unwrap().to_string_lossy().into_owned();
    let by_path = (
        format!("{folder}/picture.png"),
        format!("{folder}/clip.mp4"),
    );
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
    let inline = (
        format!("data:image/png;base64,{}", b64(&png)),
        format!("data:video/mp4;base64,{}", b64(&mp4)),
    );
    let world_of = |(png_path, mp4_path): &(String, String)| {
        format!(
            r#"version = 1

[[instagram_users]]
id = "17841400000000700"
username = "files.account"
password = "files password"
profile_picture = "{png_path}"

  [[instagram_users.media]]
  id = "7000001"
  media_type = "IMAGE"
  timestamp = "2026-05-01T18:10:00+0000"
  file = "{png_path}"

  [[instagram_users.media]]
  id = "7000002"
  media_type = "IMAGE"
  timestamp = "2026-05-02T18:10:00+0000"
  file = "{png_path}"

  [[instagram_users.media]]
  id = "7000003"
  media_type = "VIDEO"
  timestamp = "2026-05-03T18:10:00+0000"
  file = "{mp4_path}"
  thumbnail_file = "{png_path}"

  [[instagram_users.media]]
  id = "7000004"
  media_type = "CAROUSEL_ALBUM"
  timestamp = "2026-05-04T18:10:00+0000"

    [[instagram_users.media.children]]
    id = "7000005"
    media_type = "VIDEO"
    file = "{mp4_path}"

    [[instagram_users.media.children]]
    id = "7000006"
    media_type = "IMAGE"
"#
        )
    };
    for backend in Backend::all() {
        let server = TestServer::spawn_with(TestOptions {
            backend: backend.clone(),
            world: Some(format!(
                "{}\n{}",
                localgram_testkit::TEST_WORLD,
                world_of(&by_path).trim_start_matches("version = 1")
            )),
            ..Default::default()
        })
        .await;
        let b = backend.name();
        let res = client()
            .post(server.url("/_localgram/world"))
            .header("content-type", "application/toml")
            .body(world_of(&inline))
            .send()
            .await
            .unwrap();
        let status = res.status();
        assert_eq!(status, StatusCode::OK, "{b}: {}", res.text().await.unwrap());
        for (path, bytes, content_type) in [
            ("/cdn/media/7000001.jpg", &png, "image/png"),
            ("/cdn/media/7000002.jpg", &png, "image/png"),
            ("/cdn/profile/17841400000000700.jpg", &png, "image/png"),
            ("/cdn/media/7000003.mp4", &mp4, "video/mp4"),
            ("/cdn/thumb/7000003.jpg", &png, "image/png"),
            // An album is its first child: here a VIDEO, so an MP4 behind a .jpg URL.
            ("/cdn/media/7000004.jpg", &mp4, "video/mp4"),
        ] {
            let got = get(&server, path).await;
            assert_file(&got, content_type, &format!("{b} {path}"));
            assert!(&got.body == bytes, "{b} {path}: not the world's bytes");
        }
        // A child without a file is generated.
        let got = get(&server, "/cdn/media/7000006.jpg").await;
        assert_file(&got, "image/jpeg", b);

        // A posted world may reuse the files Localgram serves, by their URLs.
        let reuse = format!(
            "version = 1\n[[instagram_users]]\nid = \"17841400000000701\"\nusername = \"reuse.account\"\npassword = \"reuse password\"\nprofile_picture = \"{}\"\n\n  [[instagram_users.media]]\n  id = \"7000101\"\n  media_type = \"VIDEO\"\n  timestamp = \"2026-05-05T18:10:00+0000\"\n  file = \"/cdn/media/7000003.mp4\"\n  thumbnail_file = \"/cdn/thumb/7000003.jpg\"\n",
            server.url("/cdn/profile/17841400000000700.jpg")
        );
        let res = client()
            .post(server.url("/_localgram/world"))
            .header("content-type", "application/toml")
            .body(reuse)
            .send()
            .await
            .unwrap();
        let status = res.status();
        assert_eq!(status, StatusCode::OK, "{b}: {}", res.text().await.unwrap());
        for (path, bytes, content_type) in [
            ("/cdn/profile/17841400000000701.jpg", &png, "image/png"),
            ("/cdn/media/7000101.mp4", &mp4, "video/mp4"),
            ("/cdn/thumb/7000101.jpg", &png, "image/png"),
        ] {
            let got = get(&server, path).await;
            assert_file(&got, content_type, &format!("{b} reused {path}"));
            assert!(&got.body == bytes, "{b} {path}: not the reused bytes");
        }
        // A generated image is no stored file.
        let res = client()
            .post(server.url("/_localgram/world"))
            .header("content-type", "application/toml")
            .body("version = 1\n[[instagram_users]]\nid = \"17841400000000702\"\nusername = \"gen.account\"\npassword = \"gen password\"\nprofile_picture = \"/cdn/media/7000006.jpg\"\n")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{b}");

        // Five references, two distinct contents, loaded from files, inline and by URL: two rows.
        let mut expected = vec![
            (sha256(&png), "image/png".to_owned(), png.len() as i64),
            (sha256(&mp4), "video/mp4".to_owned(), mp4.len() as i64),
        ];
        expected.sort();
        assert_eq!(blob_rows(&server, &backend).await, expected, "{b}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
