//! The Instagram professional account through Facebook Login on graph.facebook.com: the IG User
//! node, its media edge with cursors, the IG Media node and album children, with the node
//! schemas of graph.instagram.com read as that API; who reaches them (a task on the linked Page,
//! `instagram_basic`), and the tokens of other hosts.

use crate::support::*;
use localgram_testkit::world::fb::*;
use localgram_testkit::world::{APP_ID, BUSINESS, BUSINESS_ID, LONG_LIVED_TOKEN, REDIRECT_URI};
use localgram_testkit::{Backend, TestOptions, TestServer, client, facebook_world};
use serde_json::{Value, json};

const GRAPH: &str = "/graph.facebook.com/v21.0";
const IMAGE: &str = "17900000000000001";
const REEL: &str = "17900000000000002";
const ALBUM: &str = "17900000000000003";
const CHILD_IMAGE: &str = "17900000000000031";
const CHILD_VIDEO: &str = "17900000000000032";

/// The business account of the Cafe Page, with a profile and three posts.
const LINKED_ACCOUNT: &str = r#"version = 1

[[instagram_users]]
id = "17841405822304914"
username = "sizzle.cafe"
password = "espresso please"
account_type = "BUSINESS"
name = "Sizzle Cafe"
biography = "Coffee and cake."
website = "https://sizzle.example/"
followers_count = 1200
follows_count = 80

  [[instagram_users.media]]
  id = "17900000000000001"
  media_type = "IMAGE"
  caption = "Cinnamon buns"
  timestamp = "2026-05-03T08:00:00+0000"
  shortcode = "CbunS1"

  [[instagram_users.media]]
  id = "17900000000000002"
  media_type = "VIDEO"
  caption = "Latte art"
  timestamp = "2026-05-02T08:00:00+0000"
  shortcode = "LaTt3"
  media_product_type = "REELS"
  is_shared_to_feed = true

  [[instagram_users.media]]
  id = "17900000000000003"
  media_type = "CAROUSEL_ALBUM"
  caption = "Opening day"
  timestamp = "2026-05-01T08:00:00+0000"
  shortcode = "OpEn1"

    [[instagram_users.media.children]]
    id = "17900000000000031"
    media_type = "IMAGE"

    [[instagram_users.media.children]]
    id = "17900000000000032"
    media_type = "VIDEO"
"#;

async fn spawn_linked(backend: &Backend) -> TestServer {
    let server = TestServer::spawn_with(TestOptions {
        backend: backend.clone(),
        world: Some(facebook_world()),
        ..Default::default()
    })
    .await;
    let res = Reply::read(
        client()
            .post(server.url("/_localgram/world"))
            .header("content-type", "application/toml")
            .body(LINKED_ACCOUNT)
            .send()
            .await
            .expect("POST /_localgram/world"),
    )
    .await;
    assert_eq!(res.status, 200, "{}", res.text);
    server
}

async fn graph(server: &TestServer, path: &str, token: &str) -> Reply {
    let sep = if path.contains('?') { '&' } else { '?' };
    get(
        &client(),
        &server.url(&format!("{GRAPH}{path}{sep}access_token={}", encode(token))),
    )
    .await
}

fn ok(reply: &Reply, ctx: &str) -> Value {
    assert_eq!(reply.status, 200, "{ctx}: {}", reply.text);
    reply.json()
}

const MEDIA_FIELDS: &str = "id,caption,media_type,media_product_type,media_url,permalink,thumbnail_url,timestamp,username,shortcode,like_count,comments_count,is_comment_enabled,owner{id}";

#[tokio::test]
async fn the_linked_account_its_media_and_children_read_on_graph_facebook_com() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn_linked(&backend).await;
        let url = |p: &str| server.url(p);

        // The IG User node, every field; by default only `id`.
        let res = graph(
            &server,
            &format!("/{BUSINESS_ID}?fields=id,ig_id,username,name,biography,website,profile_picture_url,followers_count,follows_count,media_count"),
            LONG_TOKEN,
        )
        .await;
        assert_eq!(
            ok(&res, b),
            json!({
                "id": BUSINESS_ID, "ig_id": BUSINESS_ID, "username": BUSINESS, "name": "Sizzle Cafe",
                "biography": "Coffee and cake.", "website": "https://sizzle.example/",
                "profile_picture_url": url(&format!("/cdn/profile/{BUSINESS_ID}.jpg")),
                "followers_count": 1200, "follows_count": 80, "media_count": 3
            }),
            "{b}"
        );
        assert_eq!(res.header("facebook-api-version"), Some("v21.0"), "{b}");
        let res = graph(&server, &format!("/{BUSINESS_ID}"), LONG_TOKEN).await;
        assert_eq!(ok(&res, b), json!({"id": BUSINESS_ID}), "{b}");

        // The media edge: every field of the IG Media node, two per page, cursors and links.
        let res = graph(
            &server,
            &format!("/{BUSINESS_ID}/media?fields={MEDIA_FIELDS}&limit=2"),
            LONG_TOKEN,
        )
        .await;
        let first = ok(&res, b);
        let owner = json!({"id": BUSINESS_ID});
        assert_eq!(
            first["data"],
            json!([
                {"id": IMAGE, "caption": "Cinnamon buns", "media_type": "IMAGE", "media_product_type": "FEED",
                 "media_url": url(&format!("/cdn/media/{IMAGE}.jpg")),
                 "permalink": "https://www.instagram.com/p/CbunS1/", "timestamp": "2026-05-03T08:00:00+0000",
                 "username": BUSINESS, "shortcode": "CbunS1", "like_count": 0, "comments_count": 0,
                 "is_comment_enabled": true, "owner": owner},
                {"id": REEL, "caption": "Latte art", "media_type": "VIDEO", "media_product_type": "REELS",
                 "media_url": url(&format!("/cdn/media/{REEL}.mp4")),
                 "permalink": "https://www.instagram.com/reel/LaTt3/",
                 "thumbnail_url": url(&format!("/cdn/thumb/{REEL}.jpg")),
                 "timestamp": "2026-05-02T08:00:00+0000", "username": BUSINESS, "shortcode": "LaTt3",
                 "like_count": 0, "comments_count": 0, "is_comment_enabled": true, "owner": owner},
            ]),
            "{b}"
        );
        let paging = &first["paging"];
        assert!(paging["cursors"]["before"].is_string(), "{b}: {paging}");
        assert!(paging["previous"].is_null(), "{b}: first page: {paging}");
        let next = paging["next"].as_str().unwrap_or_default().to_owned();
        assert!(
            next.starts_with(&url(&format!("{GRAPH}/{BUSINESS_ID}/media?"))),
            "{b}: {next}"
        );
        let after = localgram_testkit::query_value(&next, "after").unwrap_or_default();
        assert_eq!(
            Some(after.as_str()),
            paging["cursors"]["after"].as_str(),
            "{b}"
        );
        let second = ok(&get(&client(), &next).await, b);
        assert_eq!(
            second["data"],
            json!([{"id": ALBUM, "caption": "Opening day", "media_type": "CAROUSEL_ALBUM",
                    "media_product_type": "FEED", "media_url": url(&format!("/cdn/media/{ALBUM}.jpg")),
                    "permalink": "https://www.instagram.com/p/OpEn1/", "timestamp": "2026-05-01T08:00:00+0000",
                    "username": BUSINESS, "shortcode": "OpEn1", "like_count": 0, "comments_count": 0,
                    "is_comment_enabled": true, "owner": owner}]),
            "{b}"
        );
        assert!(second["paging"]["next"].is_null(), "{b}: last page");
        assert!(second["paging"]["previous"].is_string(), "{b}");
        // Past the end.
        let res = graph(
            &server,
            &format!(
                "/{BUSINESS_ID}/media?after={}",
                encode(
                    second["paging"]["cursors"]["after"]
                        .as_str()
                        .unwrap_or_default()
                )
            ),
            LONG_TOKEN,
        )
        .await;
        assert_eq!(ok(&res, b), json!({"data": []}), "{b}");

        // The edge nested in the node, and the media node with its children.
        let res = graph(
            &server,
            &format!("/{BUSINESS_ID}?fields=username,media.limit(1){{id}}"),
            LONG_TOKEN,
        )
        .await;
        let body = ok(&res, b);
        assert_eq!(body["username"], BUSINESS, "{b}");
        assert_eq!(body["media"]["data"], json!([{"id": IMAGE}]), "{b}");
        let res = graph(
            &server,
            &format!(
                "/{ALBUM}?fields=id,media_type,children{{id,media_type,media_url,thumbnail_url}}"
            ),
            LONG_TOKEN,
        )
        .await;
        assert_eq!(
            ok(&res, b),
            json!({"id": ALBUM, "media_type": "CAROUSEL_ALBUM", "children": {"data": [
                {"id": CHILD_IMAGE, "media_type": "IMAGE", "media_url": url(&format!("/cdn/media/{CHILD_IMAGE}.jpg"))},
                {"id": CHILD_VIDEO, "media_type": "VIDEO", "media_url": url(&format!("/cdn/media/{CHILD_VIDEO}.mp4")),
                 "thumbnail_url": url(&format!("/cdn/thumb/{CHILD_VIDEO}.jpg"))}
            ]}}),
            "{b}"
        );
        let res = graph(
            &server,
            &format!("/{ALBUM}/children?fields=id,caption"),
            LONG_TOKEN,
        )
        .await;
        let children = ok(&res, b);
        assert_eq!(
            children["data"],
            json!([{"id": CHILD_IMAGE}, {"id": CHILD_VIDEO}]),
            "{b}"
        );
        assert!(children["paging"]["cursors"]["after"].is_string(), "{b}");
        let res = graph(
            &server,
            &format!("/{CHILD_VIDEO}?fields=id,owner"),
            LONG_TOKEN,
        )
        .await;
        assert_eq!(
            ok(&res, b),
            json!({"id": CHILD_VIDEO, "owner": {"id": BUSINESS_ID}}),
            "{b}"
        );
        // The children edge of a non-album is 100/33, as on graph.instagram.com.
        let res = graph(&server, &format!("/{IMAGE}/children"), LONG_TOKEN).await;
        assert_graph_error(&res, unsupported(IMAGE), b);
    }
}

/// The 100/33 answer of graph.facebook.com.
fn unsupported(id: &str) -> Value {
    graph_error(
        100,
        Some(33),
        "GraphMethodException",
        &format!(
            "Unsupported get request. Object with ID '{id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api"
        ),
    )
}

#[tokio::test]
async fn one_schema_per_node_read_as_each_api() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn_linked(&backend).await;
        for (path, field, node) in [
            (
                format!("/{BUSINESS_ID}?fields=id,account_type"),
                "account_type",
                "IGUser",
            ),
            (
                format!("/{BUSINESS_ID}?fields=user_id"),
                "user_id",
                "IGUser",
            ),
            (
                format!("/{BUSINESS_ID}/media?fields=id,foo"),
                "foo",
                "IGMedia",
            ),
            (format!("/{IMAGE}?fields=children{{bar}}"), "bar", "IGMedia"),
            (
                format!("/{IMAGE}?fields=owner{{username}}"),
                "username",
                "IGUser",
            ),
            (
                format!("/{CAFE_PAGE}?fields=instagram_business_account{{account_type}}"),
                "account_type",
                "IGUser",
            ),
        ] {
            let res = graph(&server, &path, LONG_TOKEN).await;
            assert_graph_error(
                &res,
                graph_error(
                    100,
                    None,
                    "OAuthException",
                    &format!(
                        "(#100) Tried accessing nonexisting field ({field}) on node type ({node})"
                    ),
                ),
                &format!("{b}: {path}"),
            );
        }
        // The Page's instagram_business_account expands with the same node: its media edge too.
        let res = graph(
            &server,
            &format!("/{CAFE_PAGE}?fields=instagram_business_account{{username,media_count,media.limit(1){{id,like_count}}}}"),
            LONG_TOKEN,
        )
        .await;
        let body = ok(&res, b);
        assert_eq!(
            body["instagram_business_account"]["username"], BUSINESS,
            "{b}"
        );
        assert_eq!(body["instagram_business_account"]["media_count"], 3, "{b}");
        assert_eq!(
            body["instagram_business_account"]["media"]["data"],
            json!([{"id": IMAGE, "like_count": 0}]),
            "{b}"
        );
        // On graph.instagram.com the professional fields exist for Instagram Login, not for
        // Basic Display; account_type exists there and not on graph.facebook.com.
        let res = server
            .instagram_user_with_token(LONG_LIVED_TOKEN)
            .get("/me/media?fields=id,like_count")
            .await;
        assert_graph_error(
            &res,
            graph_error(
                100,
                None,
                "OAuthException",
                "(#100) Tried accessing nonexisting field (like_count) on node type (Media)",
            ),
            b,
        );
        let ig_login = instagram_login_token(&server).await;
        let business = server.instagram_user_with_token(&ig_login);
        let res = business
            .get("/me/media?fields=id,like_count,owner&limit=1")
            .await;
        assert_eq!(
            ok(&res, b)["data"],
            json!([{"id": IMAGE, "like_count": 0, "owner": {"id": BUSINESS_ID}}]),
            "{b}"
        );
        let res = business.me_fields("account_type,ig_id").await;
        assert_graph_error(
            &res,
            graph_error(
                100,
                None,
                "OAuthException",
                "(#100) Tried accessing nonexisting field (ig_id) on node type (User)",
            ),
            b,
        );
    }
}

/// A short-lived Instagram Login token of the business account.
async fn instagram_login_token(server: &TestServer) -> String {
    let code = server
        .mint_codes(
            APP_ID,
            BUSINESS,
            &["instagram_business_basic"],
            REDIRECT_URI,
            1,
        )
        .await
        .remove(0);
    let token = access_token_of(
        &server.anonymous().exchange_code(&code).await,
        "Instagram Login",
    );
    assert!(token.starts_with("IGAA"), "{token}");
    token
}

#[tokio::test]
async fn who_reaches_the_linked_account_and_with_which_permission() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn_linked(&backend).await;
        let needs_basic = graph_error(
            10,
            None,
            "OAuthException",
            "(#10) Requires instagram_basic permission to manage the object",
        );
        // A task on the Page, but no instagram_basic: code 10 on every Instagram read.
        for path in [
            format!("/{BUSINESS_ID}?fields=username"),
            format!("/{BUSINESS_ID}/media"),
            format!("/{IMAGE}"),
            format!("/{ALBUM}/children"),
        ] {
            let res = graph(&server, &path, SHOW_LIST_TOKEN).await;
            assert_graph_error(&res, needs_basic.clone(), &format!("{b}: {path}"));
        }
        // No task on the linked Page: the account and its media do not exist for the caller.
        for id in [BUSINESS_ID, IMAGE] {
            let res = graph(&server, &format!("/{id}"), REAL_TOKEN).await;
            assert_graph_error(&res, unsupported(id), &format!("{b}: {id}"));
        }
        let res = graph(&server, &format!("/{BUSINESS_ID}/media"), REAL_TOKEN).await;
        assert_graph_error(&res, unsupported(BUSINESS_ID), b);
        // An app token reaches no Instagram account.
        let res = graph(
            &server,
            &format!("/{BUSINESS_ID}"),
            &format!("{APP_ID_FB}|{APP_SECRET}"),
        )
        .await;
        assert_graph_error(&res, unsupported(BUSINESS_ID), b);
        // A Page token of the linked Page, derived from a token with instagram_basic.
        let accounts = graph(&server, "/me/accounts?fields=id,access_token", LONG_TOKEN).await;
        let page_token = ok(&accounts, b)["data"]
            .as_array()
            .and_then(|pages| pages.iter().find(|p| p["id"] == CAFE_PAGE))
            .and_then(|p| p["access_token"].as_str())
            .unwrap_or_default()
            .to_owned();
        let res = graph(
            &server,
            &format!("/{BUSINESS_ID}?fields=username"),
            &page_token,
        )
        .await;
        assert_eq!(
            ok(&res, b),
            json!({"id": BUSINESS_ID, "username": BUSINESS}),
            "{b}"
        );
        // The world's Page token has no instagram_basic.
        let res = graph(&server, &format!("/{BUSINESS_ID}"), PAGE_TOKEN).await;
        assert_graph_error(&res, needs_basic.clone(), b);
        // Instagram tokens are not graph.facebook.com tokens: 190.
        let ig_login = instagram_login_token(&server).await;
        for token in [ig_login.as_str(), LONG_LIVED_TOKEN] {
            let res = graph(&server, &format!("/{BUSINESS_ID}?fields=username"), token).await;
            assert_graph_error(&res, cannot_parse(), b);
        }
        // The Instagram account's own token still reads it on graph.instagram.com.
        let res = server
            .instagram_user_with_token(&ig_login)
            .me_fields("id,username")
            .await;
        assert_eq!(
            ok(&res, b),
            json!({"id": BUSINESS_ID, "username": BUSINESS}),
            "{b}"
        );
    }
}

const APP_ID_FB: &str = localgram_testkit::world::fb::APP_ID;
