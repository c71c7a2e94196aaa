//! Content publishing over HTTP on both Graph hosts: containers of every kind, their status on
//! the test clock, `media_publish`, the rolling quota, fetching `image_url` / `video_url` (from
//! Localgram itself, from a real server on the loopback, refused elsewhere), and Meta's errors.

use crate::support::*;
use localgram_testkit::world::fb;
use localgram_testkit::world::{BUSINESS_ID, TESTER_ID};
use localgram_testkit::{Backend, TEST_WORLD, TestOptions, TestServer, client, facebook_world};
use serde_json::{Value, json};

const IG: &str = "/graph.instagram.com/v22.0";
const FB: &str = "/graph.facebook.com/v22.0";
/// sizzle.cafe, Instagram Login, may publish.
const PUBLISHER: &str = "IGAAlocalgramCafePublish";
/// sizzle.cafe, Instagram Login, may not publish.
const READER: &str = "IGAAlocalgramCafeBasic";
/// The Facebook test user, reaching sizzle.cafe through the Cafe Page, may publish.
const FB_PUBLISHER: &str = "EAAlocalgramPublisher";
/// jane.doe's IMAGE (a generated 640×640 JPEG).
const JANE_IMAGE: &str = "17895695668004550";
/// jane.doe's VIDEO album child (a generated MP4).
const JANE_VIDEO: &str = "17880997618081621";

const EXTRA_TOKENS: &str = r#"
[[tokens]]
value = "IGAAlocalgramCafePublish"
app = "990602627938098"
user = "sizzle.cafe"
kind = "instagram_long_lived"
scopes = ["instagram_business_basic", "instagram_business_content_publish"]
issued_at = "2026-11-01T00:00:00Z"

[[tokens]]
value = "IGAAlocalgramCafeBasic"
app = "990602627938098"
user = "sizzle.cafe"
kind = "instagram_long_lived"
scopes = ["instagram_business_basic"]
issued_at = "2026-11-01T00:00:00Z"
"#;

const FB_EXTRA_TOKENS: &str = r#"
[[tokens]]
value = "EAAlocalgramPublisher"
app = "990602627938100"
user = "100000000000001"
kind = "facebook_user_long_lived"
scopes = ["public_profile", "pages_show_list", "pages_read_engagement", "instagram_basic", "instagram_content_publish"]
"#;

async fn spawn_with(
    backend: &Backend,
    configure: fn(&mut localgram_server::config::Config),
) -> TestServer {
    TestServer::spawn_with(TestOptions {
        backend: backend.clone(),
        world: Some(format!("{TEST_WORLD}\n{EXTRA_TOKENS}")),
        configure,
        ..Default::default()
    })
    .await
}

async fn spawn(backend: &Backend) -> TestServer {
    spawn_with(backend, |_| {}).await
}

async fn post(server: &TestServer, path: &str, token: &str, form: &[(&str, &str)]) -> Reply {
    let mut form = form.to_vec();
    form.push(("access_token", token));
    post_form(&client(), &server.url(path), &form).await
}

async fn get_as(server: &TestServer, path: &str, token: &str) -> Reply {
    let sep = if path.contains('?') { '&' } else { '?' };
    get(
        &client(),
        &server.url(&format!("{path}{sep}access_token={}", encode(token))),
    )
    .await
}

fn ok(reply: &Reply, ctx: &str) -> Value {
    assert_eq!(reply.status, 200, "{ctx}: {}", reply.text);
    reply.json()
}

/// The error object of a 400 answer, without its `fbtrace_id`.
fn error(reply: &Reply, ctx: &str) -> Value {
    assert_eq!(reply.status, 400, "{ctx}: {}", reply.text);
    let mut e = reply.json()["error"].clone();
    assert!(e["fbtrace_id"].is_string(), "{ctx}: {}", reply.text);
    e.as_object_mut().unwrap().remove("fbtrace_id");
    e
}

async fn create(
    server: &TestServer,
    host: &str,
    node: &str,
    token: &str,
    form: &[(&str, &str)],
) -> String {
    let res = post(server, &format!("{host}/{node}/media"), token, form).await;
    let body = ok(&res, "create a container");
    body["id"].as_str().expect("a container id").to_owned()
}

async fn status(server: &TestServer, host: &str, id: &str, token: &str) -> Value {
    ok(
        &get_as(
            server,
            &format!("{host}/{id}?fields=status_code,status"),
            token,
        )
        .await,
        "container status",
    )
}

#[tokio::test]
async fn an_image_goes_from_container_to_post_on_graph_instagram_com() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn(&backend).await;
        let image_url = server.url(&format!("/cdn/media/{JANE_IMAGE}.jpg"));
        let id = create(
            &server,
            IG,
            "me",
            PUBLISHER,
            &[
                ("image_url", &image_url),
                ("caption", "Fresh #buns"),
                ("alt_text", "Buns on a tray"),
            ],
        )
        .await;

        // In progress, then finished two seconds later on the test clock.
        assert_eq!(
            status(&server, IG, &id, PUBLISHER).await,
            json!({"status_code": "IN_PROGRESS", "status": "In Progress: Media is still being processed.", "id": id}),
            "{b}"
        );
        let early = post(
            &server,
            &format!("{IG}/me/media_publish"),
            PUBLISHER,
            &[("creation_id", &id)],
        )
        .await;
        assert_eq!(
            error(&early, b),
            json!({
                "message": "Media ID is not available", "type": "OAuthException", "code": 9007,
                "error_subcode": 2207027, "is_transient": false, "error_user_title": "Cannot publish",
                "error_user_msg": "The media is not ready to be published. Please wait a moment."
            }),
            "{b}"
        );
        server.advance(2);
        assert_eq!(
            status(&server, IG, &id, PUBLISHER).await,
            json!({"status_code": "FINISHED", "status": "Finished: Media has been uploaded and it is ready to be published.", "id": id}),
            "{b}"
        );
        // Default fields: the id only.
        assert_eq!(
            ok(&get_as(&server, &format!("{IG}/{id}"), PUBLISHER).await, b),
            json!({"id": id})
        );

        let res = post(
            &server,
            &format!("{IG}/{BUSINESS_ID}/media_publish"),
            PUBLISHER,
            &[("creation_id", &id)],
        )
        .await;
        let media_id = ok(&res, b)["id"].as_str().unwrap().to_owned();
        assert_ne!(media_id, id, "{b}");
        // Publishing again answers the same media (nothing new is made).
        let again = post(
            &server,
            &format!("{IG}/me/media_publish"),
            PUBLISHER,
            &[("creation_id", &id)],
        )
        .await;
        assert_eq!(ok(&again, b), json!({"id": media_id}), "{b}");
        assert_eq!(
            status(&server, IG, &id, PUBLISHER).await["status_code"],
            "PUBLISHED",
            "{b}"
        );

        // At once on the media edge, in media_count, and as a node.
        let edge = ok(
            &get_as(
                &server,
                &format!("{IG}/me/media?fields=id,caption,media_type,media_product_type"),
                PUBLISHER,
            )
            .await,
            b,
        );
        assert_eq!(
            edge["data"],
            json!([{"id": media_id, "caption": "Fresh #buns", "media_type": "IMAGE", "media_product_type": "FEED"}]),
            "{b}"
        );
        let me = ok(
            &get_as(&server, &format!("{IG}/me?fields=media_count"), PUBLISHER).await,
            b,
        );
        assert_eq!(me["media_count"], 1, "{b}");
        let node = ok(
            &get_as(
                &server,
                &format!("{IG}/{media_id}?fields=media_url,timestamp"),
                PUBLISHER,
            )
            .await,
            b,
        );
        assert_eq!(node["timestamp"], "2026-11-20T12:00:02+0000", "{b}");
        // The file served is the file fetched.
        let served = client()
            .get(node["media_url"].as_str().unwrap())
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        let source = client()
            .get(&image_url)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        assert_eq!(served, source, "{b}");

        // In the database: one container, published, pointing at the media.
        let db = Db::open(&server).await;
        assert_eq!(
            db.count(&format!("ig_containers WHERE id = '{id}' AND published_media_id = '{media_id}' AND published_at IS NOT NULL")).await,
            1,
            "{b}"
        );
        assert_eq!(
            db.count(&format!("ig_media WHERE owner_id = '{BUSINESS_ID}'"))
                .await,
            1,
            "{b}"
        );
    }
}

#[tokio::test]
async fn carousels_reels_and_stories_publish_as_meta_reads_them_back() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn(&backend).await;
        let image_url = server.url(&format!("/cdn/media/{JANE_IMAGE}.jpg"));
        let video_url = server.url(&format!("/cdn/media/{JANE_VIDEO}.mp4"));

        let first = create(
            &server,
            IG,
            "me",
            PUBLISHER,
            &[("image_url", &image_url), ("is_carousel_item", "true")],
        )
        .await;
        let second = create(
            &server,
            IG,
            "me",
            PUBLISHER,
            &[
                ("video_url", &video_url),
                ("media_type", "VIDEO"),
                ("is_carousel_item", "true"),
            ],
        )
        .await;
        let album = create(
            &server,
            IG,
            "me",
            PUBLISHER,
            &[
                ("media_type", "CAROUSEL"),
                ("children", &format!("{first},{second}")),
                ("caption", "Two things"),
            ],
        )
        .await;
        // The album waits for its video item (10 s).
        server.advance(5);
        assert_eq!(
            status(&server, IG, &album, PUBLISHER).await["status_code"],
            "IN_PROGRESS",
            "{b}"
        );
        server.advance(5);
        assert_eq!(
            status(&server, IG, &album, PUBLISHER).await["status_code"],
            "FINISHED",
            "{b}"
        );
        // An item cannot be published on its own.
        let lone = post(
            &server,
            &format!("{IG}/me/media_publish"),
            PUBLISHER,
            &[("creation_id", &first)],
        )
        .await;
        assert_eq!(error(&lone, b)["error_subcode"], 2207008, "{b}");
        let res = post(
            &server,
            &format!("{IG}/me/media_publish"),
            PUBLISHER,
            &[("creation_id", &album)],
        )
        .await;
        let album_id = ok(&res, b)["id"].as_str().unwrap().to_owned();
        let children = ok(
            &get_as(
                &server,
                &format!("{IG}/{album_id}/children?fields=media_type"),
                PUBLISHER,
            )
            .await,
            b,
        );
        let types: Vec<&str> = children["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["media_type"].as_str().unwrap())
            .collect();
        assert_eq!(types, ["IMAGE", "VIDEO"], "{b}");
        // Items of a published carousel read PUBLISHED too.
        assert_eq!(
            status(&server, IG, &first, PUBLISHER).await["status_code"],
            "PUBLISHED",
            "{b}"
        );

        // A reel: VIDEO / REELS, shared to the feed unless told otherwise.
        let reel = create(
            &server,
            IG,
            "me",
            PUBLISHER,
            &[
                ("media_type", "REELS"),
                ("video_url", &video_url),
                ("share_to_feed", "false"),
                ("thumb_offset", "500"),
            ],
        )
        .await;
        server.advance(10);
        let reel_id = ok(
            &post(
                &server,
                &format!("{IG}/me/media_publish"),
                PUBLISHER,
                &[("creation_id", &reel)],
            )
            .await,
            b,
        )["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let node = ok(
            &get_as(
                &server,
                &format!("{IG}/{reel_id}?fields=media_type,media_product_type,is_shared_to_feed"),
                PUBLISHER,
            )
            .await,
            b,
        );
        assert_eq!(
            node,
            json!({"media_type": "VIDEO", "media_product_type": "REELS", "is_shared_to_feed": false, "id": reel_id}),
            "{b}"
        );

        // A story: readable as a node, never on the media edge.
        let story = create(
            &server,
            IG,
            "me",
            PUBLISHER,
            &[("media_type", "STORIES"), ("image_url", &image_url)],
        )
        .await;
        server.advance(2);
        let story_id = ok(
            &post(
                &server,
                &format!("{IG}/me/media_publish"),
                PUBLISHER,
                &[("creation_id", &story)],
            )
            .await,
            b,
        )["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let node = ok(
            &get_as(
                &server,
                &format!("{IG}/{story_id}?fields=media_type,media_product_type"),
                PUBLISHER,
            )
            .await,
            b,
        );
        assert_eq!(
            node,
            json!({"media_type": "IMAGE", "media_product_type": "STORY", "id": story_id}),
            "{b}"
        );
        let edge = ok(
            &get_as(&server, &format!("{IG}/me/media"), PUBLISHER).await,
            b,
        );
        let listed: Vec<&str> = edge["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["id"].as_str().unwrap())
            .collect();
        assert_eq!(listed, [reel_id.as_str(), album_id.as_str()], "{b}");

        // Three posts count against the quota (the carousel once, its items not at all).
        let limit = ok(
            &get_as(
                &server,
                &format!("{IG}/me/content_publishing_limit?fields=quota_usage,config"),
                PUBLISHER,
            )
            .await,
            b,
        );
        assert_eq!(
            limit,
            json!({"data": [{"quota_usage": 3, "config": {"quota_total": 50, "quota_duration": 86400}}]}),
            "{b}"
        );
    }
}

#[tokio::test]
async fn the_quota_and_the_24_hour_expiry_follow_the_test_clock() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn_with(&backend, |c| c.publish_quota = 2).await;
        let image_url = server.url(&format!("/cdn/media/{JANE_IMAGE}.jpg"));
        let mut ids = Vec::new();
        for _ in 0..3 {
            ids.push(create(&server, IG, "me", PUBLISHER, &[("image_url", &image_url)]).await);
        }
        server.advance(2);
        for id in &ids[..2] {
            ok(
                &post(
                    &server,
                    &format!("{IG}/me/media_publish"),
                    PUBLISHER,
                    &[("creation_id", id)],
                )
                .await,
                b,
            );
        }
        let over = post(
            &server,
            &format!("{IG}/me/media_publish"),
            PUBLISHER,
            &[("creation_id", &ids[2])],
        )
        .await;
        assert_eq!(
            error(&over, b),
            json!({
                "message": "Application request limit reached", "type": "OAuthException", "code": 9,
                "error_subcode": 2207042, "is_transient": false, "error_user_title": "Publishing limit reached",
                "error_user_msg": "You reached maximum number of posts that is allowed to be published by Content Publishing API."
            }),
            "{b}"
        );
        let limit = ok(
            &get_as(
                &server,
                &format!("{IG}/me/content_publishing_limit"),
                PUBLISHER,
            )
            .await,
            b,
        );
        assert_eq!(limit, json!({"data": [{"quota_usage": 2}]}), "{b}");
        assert_eq!(
            Db::open(&server)
                .await
                .count(&format!("ig_media WHERE owner_id = '{BUSINESS_ID}'"))
                .await,
            2,
            "{b}"
        );

        // A day later the quota is free again, and the third container has expired.
        server.advance(24 * 3600 + 1);
        let limit = ok(
            &get_as(
                &server,
                &format!("{IG}/me/content_publishing_limit"),
                PUBLISHER,
            )
            .await,
            b,
        );
        assert_eq!(limit, json!({"data": [{"quota_usage": 0}]}), "{b}");
        assert_eq!(
            status(&server, IG, &ids[2], PUBLISHER).await["status_code"],
            "EXPIRED",
            "{b}"
        );
        let stale = post(
            &server,
            &format!("{IG}/me/media_publish"),
            PUBLISHER,
            &[("creation_id", &ids[2])],
        )
        .await;
        assert_eq!(
            error(&stale, b),
            json!({
                "message": "Media expired", "type": "OAuthException", "code": -2, "error_subcode": 2207020,
                "is_transient": false, "error_user_title": "Media expired",
                "error_user_msg": "The media you are trying to access has expired. Please try to upload again."
            }),
            "{b}"
        );
        let unknown = post(
            &server,
            &format!("{IG}/me/media_publish"),
            PUBLISHER,
            &[("creation_id", "17000000000000000")],
        )
        .await;
        assert_eq!(
            error(&unknown, b)["error_user_msg"],
            "The media builder with creation id = 17000000000000000 does not exist or has been expired.",
            "{b}"
        );
        assert_eq!(error(&unknown, b)["code"], 24, "{b}");
    }
}

#[tokio::test]
async fn publishing_errors_name_the_permission_the_parameter_or_the_rule() {
    let server = spawn(&Backend::Sqlite).await;
    let image_url = server.url(&format!("/cdn/media/{JANE_IMAGE}.jpg"));
    let db = Db::open(&server).await;

    let no_perm = post(
        &server,
        &format!("{IG}/me/media"),
        READER,
        &[("image_url", &image_url)],
    )
    .await;
    assert_eq!(
        error(&no_perm, "no permission"),
        json!({"message": "(#10) Requires instagram_business_content_publish permission to manage the object", "type": "OAuthException", "code": 10})
    );
    let other = post(
        &server,
        &format!("{IG}/{TESTER_ID}/media"),
        PUBLISHER,
        &[("image_url", &image_url)],
    )
    .await;
    let e = error(&other, "another account");
    assert_eq!(
        (
            e["code"].clone(),
            e["error_subcode"].clone(),
            e["type"].clone()
        ),
        (json!(100), json!(33), json!("IGApiException"))
    );

    for (form, message) in [
        (vec![], "(#100) The parameter image_url is required"),
        (
            vec![("media_type", "REELS")],
            "(#100) The parameter video_url is required",
        ),
        (
            vec![("media_type", "CAROUSEL")],
            "(#100) The parameter children is required",
        ),
    ] {
        let res = post(&server, &format!("{IG}/me/media"), PUBLISHER, &form).await;
        assert_eq!(error(&res, message)["message"], message);
    }
    let video = post(
        &server,
        &format!("{IG}/me/media"),
        PUBLISHER,
        &[("media_type", "VIDEO"), ("video_url", &image_url)],
    )
    .await;
    assert_eq!(error(&video, "VIDEO")["error_subcode"], 2207023);
    let unknown = post(
        &server,
        &format!("{IG}/me/media"),
        PUBLISHER,
        &[("media_type", "HOLOGRAM"), ("image_url", &image_url)],
    )
    .await;
    assert_eq!(
        error(&unknown, "unknown type")["error_user_msg"],
        "The media type HOLOGRAM is unknown."
    );
    let item = create(
        &server,
        IG,
        "me",
        PUBLISHER,
        &[("image_url", &image_url), ("is_carousel_item", "true")],
    )
    .await;
    let one = post(
        &server,
        &format!("{IG}/me/media"),
        PUBLISHER,
        &[("media_type", "CAROUSEL"), ("children", &item)],
    )
    .await;
    assert_eq!(
        error(&one, "one child"),
        json!({
            "message": "Invalid parameter", "type": "OAuthException", "code": 100, "error_subcode": 2207028,
            "is_transient": false, "error_user_title": "Carousel validation failed",
            "error_user_msg": "Your post won't work as a carousel. Carousels need at least 2 photos/videos and no more than 10 photos/videos."
        })
    );
    let long = "x".repeat(2201);
    let res = post(
        &server,
        &format!("{IG}/me/media"),
        PUBLISHER,
        &[("image_url", &image_url), ("caption", &long)],
    )
    .await;
    let e = error(&res, "long caption");
    assert_eq!(
        (e["code"].clone(), e["error_subcode"].clone()),
        (json!(36004), json!(2207010))
    );
    // Another host: Meta's fetch error, nothing stored.
    let before = db.count("ig_containers").await;
    let far = post(
        &server,
        &format!("{IG}/me/media"),
        PUBLISHER,
        &[("image_url", "https://cdn.example.com/p.jpg")],
    )
    .await;
    assert_eq!(
        error(&far, "another host"),
        json!({
            "message": "The media could not be fetched from this uri", "type": "OAuthException", "code": 9004,
            "error_subcode": 2207052, "is_transient": false,
            "error_user_title": "Media download has failed. The media URI doesn't meet our requirements.",
            "error_user_msg": "The media could not be fetched from this URI: https://cdn.example.com/p.jpg. Please check the limitations section in our development documentation for more details: https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/media#creating"
        })
    );
    assert_eq!(db.count("ig_containers").await, before);
    // JSON bodies are read too.
    let res = Reply::read(
        client()
            .post(server.url(&format!("{IG}/me/media")))
            .bearer_auth(PUBLISHER)
            .json(&json!({"image_url": image_url, "caption": "json"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(ok(&res, "JSON body")["id"].is_string());
}

#[tokio::test]
async fn any_url_is_accepted_and_made_up_when_the_server_says_so() {
    let server = spawn_with(&Backend::Sqlite, |c| c.accept_any_media_url = true).await;
    let id = create(
        &server,
        IG,
        "me",
        PUBLISHER,
        &[("image_url", "https://cdn.example.com/p.jpg")],
    )
    .await;
    server.advance(2);
    let media_id = ok(
        &post(
            &server,
            &format!("{IG}/me/media_publish"),
            PUBLISHER,
            &[("creation_id", &id)],
        )
        .await,
        "publish",
    )["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let node = ok(
        &get_as(
            &server,
            &format!("{IG}/{media_id}?fields=media_url"),
            PUBLISHER,
        )
        .await,
        "node",
    );
    let res = client()
        .get(node["media_url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["content-type"], "image/jpeg");
}

/// A file server on the loopback, as a developer's own would be.
async fn file_server() -> (String, tokio::task::JoinHandle<()>) {
    use axum::http::header::CONTENT_TYPE;
    use axum::routing::get;
    fn jpeg(w: u32, h: u32) -> Vec<u8> {
        use image::ImageEncoder as _;
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new(&mut out)
            .write_image(
                &vec![90u8; (w * h * 3) as usize],
                w,
                h,
                image::ExtendedColorType::Rgb8,
            )
            .unwrap();
        out
    }
    fn png() -> Vec<u8> {
        use image::ImageEncoder as _;
        let mut out = Vec::new();
        image::codecs::png::PngEncoder::new(&mut out)
            .write_image(&[1u8; 300], 10, 10, image::ExtendedColorType::Rgb8)
            .unwrap();
        out
    }
    let app = axum::Router::new()
        .route(
            "/square.jpg",
            get(|| async { ([(CONTENT_TYPE, "image/jpeg")], jpeg(400, 400)) }),
        )
        .route(
            "/wide.jpg",
            get(|| async { ([(CONTENT_TYPE, "image/jpeg")], jpeg(1000, 400)) }),
        )
        .route(
            "/pic.png",
            get(|| async { ([(CONTENT_TYPE, "image/png")], png()) }),
        )
        .route("/big.jpg", get(|| async { vec![0xFFu8; 9 * 1024 * 1024] }))
        .route(
            "/clip.mp4",
            get(|| async { ([(CONTENT_TYPE, "video/mp4")], jpeg(64, 64)) }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let handle = tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    (base, handle)
}

#[tokio::test]
async fn loopback_urls_are_fetched_for_real_and_checked_as_meta_checks_them() {
    let server = spawn(&Backend::Sqlite).await;
    let (files, handle) = file_server().await;
    let square = format!("{files}/square.jpg");
    let id = create(&server, IG, "me", PUBLISHER, &[("image_url", &square)]).await;
    server.advance(2);
    let media_id = ok(
        &post(
            &server,
            &format!("{IG}/me/media_publish"),
            PUBLISHER,
            &[("creation_id", &id)],
        )
        .await,
        "publish",
    )["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let node = ok(
        &get_as(
            &server,
            &format!("{IG}/{media_id}?fields=media_url"),
            PUBLISHER,
        )
        .await,
        "node",
    );
    let served = client()
        .get(node["media_url"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let source = client()
        .get(&square)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(served, source);

    let wide = post(
        &server,
        &format!("{IG}/me/media"),
        PUBLISHER,
        &[("image_url", &format!("{files}/wide.jpg"))],
    )
    .await;
    let e = error(&wide, "wide");
    assert_eq!(
        (e["code"].clone(), e["error_subcode"].clone()),
        (json!(36003), json!(2207009))
    );
    // A story is not held to the feed's aspect ratios.
    create(
        &server,
        IG,
        "me",
        PUBLISHER,
        &[
            ("media_type", "STORIES"),
            ("image_url", &format!("{files}/wide.jpg")),
        ],
    )
    .await;
    let png = post(
        &server,
        &format!("{IG}/me/media"),
        PUBLISHER,
        &[("image_url", &format!("{files}/pic.png"))],
    )
    .await;
    let e = error(&png, "png");
    assert_eq!(
        e["message"],
        "Only photo or video can be accepted as media type."
    );
    assert_eq!(
        (e["code"].clone(), e["error_subcode"].clone()),
        (json!(9004), json!(2207052))
    );
    let big = post(
        &server,
        &format!("{IG}/me/media"),
        PUBLISHER,
        &[("image_url", &format!("{files}/big.jpg"))],
    )
    .await;
    let e = error(&big, "big");
    assert_eq!(
        (e["code"].clone(), e["error_subcode"].clone()),
        (json!(36000), json!(2207004))
    );
    let missing = post(
        &server,
        &format!("{IG}/me/media"),
        PUBLISHER,
        &[("image_url", &format!("{files}/missing.jpg"))],
    )
    .await;
    assert_eq!(error(&missing, "404")["error_subcode"], 2207052);
    // A "video" that is not one: accepted, then processing fails with Meta's reason.
    let reel = create(
        &server,
        IG,
        "me",
        PUBLISHER,
        &[
            ("media_type", "REELS"),
            ("video_url", &format!("{files}/clip.mp4")),
        ],
    )
    .await;
    server.advance(10);
    assert_eq!(
        status(&server, IG, &reel, PUBLISHER).await,
        json!({"status_code": "ERROR", "status": "Error: Media upload has failed with error code 2207026", "id": reel})
    );
    let failed = post(
        &server,
        &format!("{IG}/me/media_publish"),
        PUBLISHER,
        &[("creation_id", &reel)],
    )
    .await;
    let e = error(&failed, "failed");
    assert_eq!(
        (e["code"].clone(), e["error_subcode"].clone()),
        (json!(352), json!(2207026))
    );
    handle.abort();
}

#[tokio::test]
async fn facebook_login_tokens_publish_to_the_linked_account_on_graph_facebook_com() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = TestServer::spawn_with(TestOptions {
            backend: backend.clone(),
            world: Some(format!("{}\n{FB_EXTRA_TOKENS}", facebook_world())),
            ..Default::default()
        })
        .await;
        let image_url = server.url(&format!("/cdn/media/{JANE_IMAGE}.jpg"));
        let no_perm = post(
            &server,
            &format!("{FB}/{BUSINESS_ID}/media"),
            fb::LONG_TOKEN,
            &[("image_url", &image_url)],
        )
        .await;
        assert_eq!(
            error(&no_perm, b),
            json!({"message": "(#10) Requires instagram_content_publish permission to manage the object", "type": "OAuthException", "code": 10}),
            "{b}"
        );
        let unreached = post(
            &server,
            &format!("{FB}/{TESTER_ID}/media"),
            FB_PUBLISHER,
            &[("image_url", &image_url)],
        )
        .await;
        let e = error(&unreached, b);
        assert_eq!(
            (
                e["code"].clone(),
                e["error_subcode"].clone(),
                e["type"].clone()
            ),
            (json!(100), json!(33), json!("GraphMethodException")),
            "{b}"
        );

        let id = create(
            &server,
            FB,
            BUSINESS_ID,
            FB_PUBLISHER,
            &[("image_url", &image_url), ("caption", "From Facebook")],
        )
        .await;
        assert_eq!(
            status(&server, FB, &id, FB_PUBLISHER).await["status_code"],
            "IN_PROGRESS",
            "{b}"
        );
        server.advance(2);
        let res = post(
            &server,
            &format!("{FB}/{BUSINESS_ID}/media_publish"),
            FB_PUBLISHER,
            &[("creation_id", &id)],
        )
        .await;
        let media_id = ok(&res, b)["id"].as_str().unwrap().to_owned();
        let edge = ok(
            &get_as(
                &server,
                &format!("{FB}/{BUSINESS_ID}/media?fields=caption"),
                FB_PUBLISHER,
            )
            .await,
            b,
        );
        assert_eq!(
            edge["data"],
            json!([{"caption": "From Facebook", "id": media_id}]),
            "{b}"
        );
        let limit = ok(
            &get_as(
                &server,
                &format!("{FB}/{BUSINESS_ID}/content_publishing_limit"),
                FB_PUBLISHER,
            )
            .await,
            b,
        );
        assert_eq!(limit, json!({"data": [{"quota_usage": 1}]}), "{b}");
    }
}
