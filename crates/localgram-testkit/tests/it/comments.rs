//! Comment moderation over HTTP on both Graph hosts: listing with replies and cursors,
//! commenting, replying, hiding, deleting, turning comments off, `comments_count`, and the
//! permission and visibility errors.

use crate::support::*;
use localgram_testkit::{Backend, TEST_WORLD, TestOptions, TestServer, client, facebook_world};
use serde_json::{Value, json};

const IG: &str = "/graph.instagram.com/v22.0";
const FB: &str = "/graph.facebook.com/v22.0";
const MODERATOR: &str = "IGAAlocalgramCafeComments";
const READER: &str = "IGAAlocalgramCafeBasic";
const FB_MODERATOR: &str = "EAAlocalgramModerator";
/// sizzle.cafe's post.
const POST: &str = "17900000000000001";

const WORLD_EXTRA: &str = r#"
[[tokens]]
value = "IGAAlocalgramCafeComments"
app = "990602627938098"
user = "sizzle.cafe"
kind = "instagram_long_lived"
scopes = ["instagram_business_basic", "instagram_business_manage_comments"]
issued_at = "2026-11-01T00:00:00Z"

[[tokens]]
value = "IGAAlocalgramCafeBasic"
app = "990602627938098"
user = "sizzle.cafe"
kind = "instagram_long_lived"
scopes = ["instagram_business_basic"]
issued_at = "2026-11-01T00:00:00Z"
"#;

const FB_EXTRA: &str = r#"
[[tokens]]
value = "EAAlocalgramModerator"
app = "990602627938100"
user = "100000000000001"
kind = "facebook_user_long_lived"
scopes = ["public_profile", "pages_show_list", "pages_read_engagement", "instagram_basic", "instagram_manage_comments"]
"#;

/// sizzle.cafe's one post, added after the world.
const CAFE_POST: &str = r#"version = 1

[[instagram_users]]
id = "17841405822304914"
username = "sizzle.cafe"
password = "espresso please"
account_type = "BUSINESS"
name = "Sizzle Cafe"

  [[instagram_users.media]]
  id = "17900000000000001"
  media_type = "IMAGE"
  caption = "Cinnamon buns"
  timestamp = "2026-05-03T08:00:00+0000"
"#;

async fn spawn(backend: &Backend, facebook: bool) -> TestServer {
    let world = if facebook {
        format!("{}\n{WORLD_EXTRA}\n{FB_EXTRA}", facebook_world())
    } else {
        format!("{TEST_WORLD}\n{WORLD_EXTRA}")
    };
    let server = TestServer::spawn_with(TestOptions {
        backend: backend.clone(),
        world: Some(world),
        ..Default::default()
    })
    .await;
    let res = post_world(&server, "application/toml", CAFE_POST).await;
    assert_eq!(res.status, 200, "{}", res.text);
    server
}

async fn call(
    server: &TestServer,
    method: reqwest::Method,
    path: &str,
    token: &str,
    form: &[(&str, &str)],
) -> Reply {
    let mut form = form.to_vec();
    form.push(("access_token", token));
    let req = client().request(method.clone(), server.url(path));
    let req = if method == reqwest::Method::GET {
        req.query(&form)
    } else {
        req.form(&form)
    };
    Reply::read(req.send().await.unwrap()).await
}

fn ok(reply: &Reply, ctx: &str) -> Value {
    assert_eq!(reply.status, 200, "{ctx}: {}", reply.text);
    reply.json()
}

fn error(reply: &Reply, ctx: &str) -> Value {
    assert_eq!(reply.status, 400, "{ctx}: {}", reply.text);
    let mut e = reply.json()["error"].clone();
    e.as_object_mut().unwrap().remove("fbtrace_id");
    e
}

/// A comment by another account (as the dashboard writes one).
async fn comment_as_someone(server: &TestServer, text: &str) -> String {
    server
        .state
        .platform
        .add_comment(
            POST,
            None,
            "17841400000000004",
            "eve.stranger",
            text.to_owned(),
        )
        .await
        .unwrap()
}

#[tokio::test]
async fn comments_replies_hiding_and_deleting_on_both_hosts() {
    use reqwest::Method;
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn(&backend, true).await;
        for (host, token) in [(IG, MODERATOR), (FB, FB_MODERATOR)] {
            let ctx = format!("{b} {host}");
            let theirs = comment_as_someone(&server, "Looks tasty").await;
            server.advance(60);
            let res = call(
                &server,
                Method::POST,
                &format!("{host}/{POST}/comments"),
                token,
                &[("message", "Thank you!")],
            )
            .await;
            let mine = ok(&res, &ctx)["id"].as_str().unwrap().to_owned();
            server.advance(60);
            let res = call(
                &server,
                Method::POST,
                &format!("{host}/{theirs}/replies"),
                token,
                &[("message", "Come by!")],
            )
            .await;
            let reply = ok(&res, &ctx)["id"].as_str().unwrap().to_owned();
            server.advance(60);
            // A reply to a reply is filed under the top-level comment.
            let res = call(
                &server,
                Method::POST,
                &format!("{host}/{reply}/replies"),
                token,
                &[("message", "Again")],
            )
            .await;
            let nested = ok(&res, &ctx)["id"].as_str().unwrap().to_owned();

            // Newest first, top level only; replies through the field expansion.
            let res = call(
                &server,
                Method::GET,
                &format!("{host}/{POST}/comments"),
                token,
                &[(
                    "fields",
                    "id,text,username,hidden,replies{id,text,parent_id}",
                )],
            )
            .await;
            let body = ok(&res, &ctx);
            assert_eq!(
                body["data"],
                json!([
                    {"id": mine, "text": "Thank you!", "username": "sizzle.cafe", "hidden": false},
                    {"id": theirs, "text": "Looks tasty", "username": "eve.stranger", "hidden": false,
                     "replies": {"data": [
                        {"id": reply, "text": "Come by!", "parent_id": theirs},
                        {"id": nested, "text": "Again", "parent_id": theirs}
                     ]}}
                ]),
                "{ctx}"
            );
            assert!(body["paging"]["cursors"]["after"].is_string(), "{ctx}");
            // Default fields: timestamp, text, id.
            let res = call(
                &server,
                Method::GET,
                &format!("{host}/{theirs}/replies"),
                token,
                &[],
            )
            .await;
            let newest = ok(&res, &ctx)["data"][0].clone();
            let when = server.state.platform.clock.now();
            assert_eq!(
                newest,
                json!({"id": nested, "text": "Again", "timestamp": localgram_core::timefmt::graph_timestamp(when)}),
                "{ctx}"
            );
            let res = call(
                &server,
                Method::GET,
                &format!("{host}/{POST}"),
                token,
                &[("fields", "comments_count,is_comment_enabled")],
            )
            .await;
            assert_eq!(ok(&res, &ctx)["comments_count"], 4, "{ctx}");

            // Hiding: another account's comment hides; the owner's own stays visible.
            for (id, want) in [(&theirs, true), (&mine, false)] {
                let res = call(
                    &server,
                    Method::POST,
                    &format!("{host}/{id}"),
                    token,
                    &[("hide", "true")],
                )
                .await;
                assert_eq!(ok(&res, &ctx), json!({"success": true}), "{ctx}");
                let res = call(
                    &server,
                    Method::GET,
                    &format!("{host}/{id}"),
                    token,
                    &[("fields", "hidden,media,from")],
                )
                .await;
                let node = ok(&res, &ctx);
                assert_eq!(node["hidden"], want, "{ctx}");
                assert_eq!(
                    node["media"],
                    json!({"id": POST, "media_product_type": "FEED"}),
                    "{ctx}"
                );
            }
            let res = call(
                &server,
                Method::POST,
                &format!("{host}/{theirs}/replies"),
                token,
                &[("message", "x")],
            )
            .await;
            assert_eq!(
                error(&res, &ctx)["message"],
                "(#100) Cannot reply to a hidden comment",
                "{ctx}"
            );
            call(
                &server,
                Method::POST,
                &format!("{host}/{theirs}"),
                token,
                &[("hide", "false")],
            )
            .await;

            // Deleting a comment deletes its replies.
            let res = call(
                &server,
                Method::DELETE,
                &format!("{host}/{theirs}"),
                token,
                &[],
            )
            .await;
            assert_eq!(ok(&res, &ctx), json!({"success": true}), "{ctx}");
            let res = call(
                &server,
                Method::GET,
                &format!("{host}/{POST}"),
                token,
                &[("fields", "comments_count")],
            )
            .await;
            assert_eq!(ok(&res, &ctx)["comments_count"], 1, "{ctx}");
            let gone = call(&server, Method::GET, &format!("{host}/{reply}"), token, &[]).await;
            assert_eq!(error(&gone, &ctx)["code"], 100, "{ctx}");

            // Comments off: no new comment; on again.
            let res = call(
                &server,
                Method::POST,
                &format!("{host}/{POST}"),
                token,
                &[("comment_enabled", "false")],
            )
            .await;
            assert_eq!(ok(&res, &ctx), json!({"success": true}), "{ctx}");
            let res = call(
                &server,
                Method::GET,
                &format!("{host}/{POST}"),
                token,
                &[("fields", "is_comment_enabled")],
            )
            .await;
            assert_eq!(ok(&res, &ctx)["is_comment_enabled"], false, "{ctx}");
            let res = call(
                &server,
                Method::POST,
                &format!("{host}/{POST}/comments"),
                token,
                &[("message", "no")],
            )
            .await;
            assert_eq!(
                error(&res, &ctx)["message"],
                "(#100) Comments are disabled for this media",
                "{ctx}"
            );
            call(
                &server,
                Method::POST,
                &format!("{host}/{POST}"),
                token,
                &[("comment_enabled", "true")],
            )
            .await;

            // Clean up for the other host.
            call(
                &server,
                Method::DELETE,
                &format!("{host}/{mine}"),
                token,
                &[],
            )
            .await;
            let db = Db::open(&server).await;
            assert_eq!(db.count("ig_comments").await, 0, "{ctx}");
            assert_eq!(db.count("ig_comments_disabled").await, 0, "{ctx}");
        }
    }
}

#[tokio::test]
async fn comment_pages_follow_cursors_newest_first() {
    use reqwest::Method;
    let server = spawn(&Backend::Sqlite, false).await;
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(comment_as_someone(&server, &format!("comment {i}")).await);
        server.advance(1);
    }
    ids.reverse();
    let mut seen = Vec::new();
    let mut url = server.url(&format!(
        "{IG}/{POST}/comments?limit=2&access_token={MODERATOR}"
    ));
    loop {
        let body = ok(&get(&client(), &url).await, "page");
        for c in body["data"].as_array().unwrap() {
            seen.push(c["id"].as_str().unwrap().to_owned());
        }
        match body["paging"]["next"].as_str() {
            Some(next) => url = next.to_owned(),
            None => break,
        }
    }
    assert_eq!(seen, ids);
    let bad = call(
        &server,
        Method::GET,
        &format!("{IG}/{POST}/comments"),
        MODERATOR,
        &[("after", "garbage")],
    )
    .await;
    assert_eq!(error(&bad, "cursor")["code"], 100);
}

#[tokio::test]
async fn comment_calls_need_the_permission_and_the_account() {
    use reqwest::Method;
    let server = spawn(&Backend::Sqlite, false).await;
    let theirs = comment_as_someone(&server, "hello").await;
    let res = call(
        &server,
        Method::GET,
        &format!("{IG}/{POST}/comments"),
        READER,
        &[],
    )
    .await;
    assert_eq!(
        error(&res, "no permission"),
        json!({"message": "(#10) Requires instagram_business_manage_comments permission to manage the object", "type": "OAuthException", "code": 10})
    );
    // jane.doe's media is not sizzle.cafe's: 100/33.
    let res = call(
        &server,
        Method::GET,
        "/graph.instagram.com/v22.0/17895695668004550/comments",
        MODERATOR,
        &[],
    )
    .await;
    let e = error(&res, "other media");
    assert_eq!(
        (e["code"].clone(), e["error_subcode"].clone()),
        (json!(100), json!(33))
    );
    let res = call(
        &server,
        Method::POST,
        &format!("{IG}/{POST}/comments"),
        MODERATOR,
        &[],
    )
    .await;
    assert_eq!(
        error(&res, "no message")["message"],
        "(#100) The parameter message is required"
    );
    let res = call(
        &server,
        Method::POST,
        &format!("{IG}/{theirs}"),
        MODERATOR,
        &[("hide", "maybe")],
    )
    .await;
    assert_eq!(
        error(&res, "bad hide")["message"],
        "(#100) Param hide must be a boolean"
    );
    let res = call(
        &server,
        Method::GET,
        &format!("{IG}/{theirs}"),
        MODERATOR,
        &[("fields", "colour")],
    )
    .await;
    assert_eq!(
        error(&res, "bad field")["message"],
        "(#100) Tried accessing nonexisting field (colour) on node type (IGComment)"
    );
}

#[tokio::test]
async fn world_files_declare_comments_and_replies() {
    use reqwest::Method;
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn(&backend, false).await;
        let world = r#"version = 1

[[instagram_users]]
id = "17841405822304914"
username = "sizzle.cafe"
password = "espresso please"
account_type = "BUSINESS"

  [[instagram_users.media]]
  id = "17900000000000001"
  media_type = "IMAGE"
  timestamp = "2026-05-03T08:00:00+0000"

    [[instagram_users.media.comments]]
    id = "17850000000000001"
    from = "eve.stranger"
    text = "Are they vegan?"
    timestamp = "2026-05-03T09:00:00+0000"

      [[instagram_users.media.comments.replies]]
      id = "17850000000000002"
      from = "sizzle.cafe"
      text = "Yes!"
      timestamp = "2026-05-03T09:30:00+0000"

    [[instagram_users.media.comments]]
    id = "17850000000000003"
    from = "bob.smith"
    text = "spam"
    hidden = true
"#;
        let res = post_world(&server, "application/toml", world).await;
        assert_eq!(res.status, 200, "{b}: {}", res.text);
        let res = call(
            &server,
            Method::GET,
            &format!("{IG}/{POST}/comments"),
            MODERATOR,
            &[(
                "fields",
                "id,text,timestamp,hidden,from,replies{text,username}",
            )],
        )
        .await;
        assert_eq!(
            ok(&res, b)["data"],
            json!([
                {"id": "17850000000000001", "text": "Are they vegan?", "timestamp": "2026-05-03T09:00:00+0000", "hidden": false,
                 "from": {"id": "17841400000000004", "username": "eve.stranger"},
                 "replies": {"data": [{"id": "17850000000000002", "text": "Yes!", "username": "sizzle.cafe"}]}},
                {"id": "17850000000000003", "text": "spam", "timestamp": "2026-05-03T08:00:00+0000", "hidden": true,
                 "from": {"id": "17841400000000003", "username": "bob.smith"}}
            ]),
            "{b}"
        );
        // An unknown author is refused, naming the field.
        let bad = world.replace("from = \"bob.smith\"", "from = \"nobody\"");
        let res = post_world(&server, "application/toml", &bad).await;
        assert_eq!(res.status, 400, "{b}: {}", res.text);
        assert!(res.text.contains("from"), "{b}: {}", res.text);
    }
}
