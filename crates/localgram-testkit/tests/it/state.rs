//! `/_localgram/reset` and `/_localgram/snapshots` over HTTP, on both backends.

use crate::support::*;
use localgram_testkit::world::*;
use localgram_testkit::{Backend, TestServer, client};
use serde_json::{Value, json};

async fn post_json(server: &TestServer, path: &str, body: Value) -> Reply {
    Reply::read(
        client()
            .post(server.url(path))
            .json(&body)
            .send()
            .await
            .expect("request failed"),
    )
    .await
}

/// `GET /me?fields=id,username` with `token`.
async fn me(server: &TestServer, token: &str) -> Reply {
    server
        .instagram_user_with_token(token)
        .me_fields("id,username")
        .await
}

/// A fresh token from a code exchange (a runtime change of the state).
async fn runtime_token(server: &TestServer) -> String {
    server.instagram_tester().await.token().to_owned()
}

#[tokio::test]
async fn reset_reloads_the_start_world_and_forgets_everything_else() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn(&backend).await;
        let before = me(&server, LONG_LIVED_TOKEN).await;
        assert_eq!(before.status, 200, "{b}: {}", before.text);
        let minted = runtime_token(&server).await;
        assert_eq!(me(&server, &minted).await.status, 200, "{b}");

        // Without a body (the control plane still wants the JSON content type): the start
        // world again.
        let res = Reply::read(
            client()
                .post(server.url("/_localgram/reset"))
                .header("content-type", "application/json")
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(res.status, 200, "{b}: {}", res.text);
        assert_eq!(
            res.json(),
            json!({"reset": true, "worlds_loaded": 1}),
            "{b}"
        );
        let after = me(&server, LONG_LIVED_TOKEN).await;
        assert_eq!(
            (after.status.as_u16(), after.json()),
            (200, before.json()),
            "{b}"
        );
        let gone = me(&server, &minted).await;
        assert_graph_error(
            &gone,
            cannot_parse(),
            &format!("{b}: minted token after reset"),
        );

        // reload_world false: empty.
        let res = post_json(&server, "/_localgram/reset", json!({"reload_world": false})).await;
        assert_eq!(
            res.json(),
            json!({"reset": true, "worlds_loaded": 0}),
            "{b}"
        );
        assert_graph_error(
            &me(&server, LONG_LIVED_TOKEN).await,
            cannot_parse(),
            &format!("{b}: declared token after an empty reset"),
        );
        assert!(
            server.state.platform.store_is_empty().await.unwrap(),
            "{b}: the store is empty"
        );

        // Bad input: 400 naming the field, nothing changed.
        let res = post_json(&server, "/_localgram/reset", json!({"reload_world": "yes"})).await;
        assert_eq!(res.status, 400, "{b}: {}", res.text);
        assert!(res.text.contains("invalid type"), "{b}: {}", res.text);
        let res = post_json(&server, "/_localgram/reset", json!({"reload": true})).await;
        assert_eq!(res.status, 400, "{b}: {}", res.text);
        assert!(res.text.contains("reload"), "{b}: {}", res.text);
    }
}

#[tokio::test]
async fn a_snapshot_restores_the_state_it_saved() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn(&backend).await;
        let url = server.url("/_localgram/snapshots");
        let res = post_json(&server, "/_localgram/snapshots", json!({"name": "base"})).await;
        assert_eq!(res.status, 201, "{b}: {}", res.text);
        assert_eq!(
            res.json(),
            json!({"name": "base", "created_at": "2026-11-20T12:00:00Z"}),
            "{b}"
        );
        let before = me(&server, LONG_LIVED_TOKEN).await;

        // Change the state: a new token, the declared one revoked by an empty reset.
        let minted = runtime_token(&server).await;
        let res = post_json(&server, "/_localgram/reset", json!({"reload_world": false})).await;
        assert_eq!(res.status, 200, "{b}");
        assert_eq!(me(&server, LONG_LIVED_TOKEN).await.status, 400, "{b}");

        let res = post_json(&server, "/_localgram/snapshots/base/restore", json!({})).await;
        assert_eq!(res.status, 200, "{b}: {}", res.text);
        assert_eq!(
            res.json(),
            json!({"restored": {"name": "base", "created_at": "2026-11-20T12:00:00Z"}}),
            "{b}"
        );
        let after = me(&server, LONG_LIVED_TOKEN).await;
        assert_eq!(
            (after.status.as_u16(), after.json()),
            (200, before.json()),
            "{b}"
        );
        assert_graph_error(
            &me(&server, &minted).await,
            cannot_parse(),
            &format!("{b}: a token minted after the snapshot"),
        );

        // The frozen clock is put back too.
        let res = post_json(
            &server,
            "/_localgram/clock/advance",
            json!({"seconds": 3600}),
        )
        .await;
        assert_eq!(res.status, 200, "{b}");
        post_json(&server, "/_localgram/snapshots/base/restore", json!({})).await;
        let clock = get(&client(), &server.url("/_localgram/clock"))
            .await
            .json();
        assert_eq!(clock["now"], "2026-11-20T12:00:00Z", "{b}");

        // Listing, deleting, unknown names, bad names.
        post_json(&server, "/_localgram/snapshots", json!({"name": "a.b_c-1"})).await;
        let list = get(&client(), &url).await;
        assert_eq!(
            list.json(),
            json!({"data": [
                {"name": "a.b_c-1", "created_at": "2026-11-20T12:00:00Z"},
                {"name": "base", "created_at": "2026-11-20T12:00:00Z"},
            ]}),
            "{b}"
        );
        let res = Reply::read(
            client()
                .delete(format!("{url}/base"))
                .header("content-type", "application/json")
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(
            (res.status.as_u16(), res.json()),
            (200, json!({"deleted": true})),
            "{b}"
        );
        let res = Reply::read(
            client()
                .delete(format!("{url}/base"))
                .header("content-type", "application/json")
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(res.status, 404, "{b}: {}", res.text);
        let res = post_json(&server, "/_localgram/snapshots/base/restore", json!({})).await;
        assert_eq!(res.status, 404, "{b}: {}", res.text);
        assert!(
            res.text.contains("no snapshot is named \\\"base\\\""),
            "{b}: {}",
            res.text
        );
        for bad in [
            json!({"name": ""}),
            json!({"name": "a b"}),
            json!({"name": "x".repeat(65)}),
        ] {
            let res = post_json(&server, "/_localgram/snapshots", bad.clone()).await;
            assert_eq!(res.status, 400, "{b}: {bad}");
            assert!(res.text.contains("name: 1 to 64"), "{b}: {}", res.text);
        }
        let res = post_json(&server, "/_localgram/snapshots", json!({})).await;
        assert_eq!(res.status, 400, "{b}");
        assert!(res.text.contains("name"), "{b}: {}", res.text);
        let res = post_json(&server, "/_localgram/snapshots/a%20b/restore", json!({})).await;
        assert_eq!(res.status, 400, "{b}: {}", res.text);
        let list = get(&client(), &url).await;
        assert_eq!(list.json()["data"].as_array().map(Vec::len), Some(1), "{b}");
    }
}

#[tokio::test]
async fn state_routes_obey_the_admin_token() {
    let server = TestServer::spawn_with(localgram_testkit::TestOptions {
        admin_token: Some("s3cret-admin-token".into()),
        ..Default::default()
    })
    .await;
    let res = post_json(&server, "/_localgram/reset", json!({})).await;
    assert_eq!(res.status, 401, "{}", res.text);
    let res = post_json(&server, "/_localgram/snapshots", json!({"name": "x"})).await;
    assert_eq!(res.status, 401, "{}", res.text);
    assert_eq!(me(&server, LONG_LIVED_TOKEN).await.status, 200);
}

/// The testkit's state API with the SDK, as the README shows it.
#[tokio::test]
async fn the_testkit_resets_and_restores_between_tests() {
    use localgram_client::AccessToken;
    let server = TestServer::spawn().await;
    let sdk = server.sdk().with_token(AccessToken::new(LONG_LIVED_TOKEN));
    server.snapshots().save("clean").await;
    let me = sdk.me().send().await.expect("/me");
    assert_eq!(me.username.as_deref(), Some(TESTER));

    server.reset_empty().await;
    let err = sdk
        .me()
        .send()
        .await
        .expect_err("an empty emulator knows no token");
    assert_eq!(
        err.graph_error().map(|e| e.detail.code),
        Some(190),
        "{err:?}"
    );

    server.snapshots().restore("clean").await;
    assert_eq!(
        sdk.me().send().await.expect("/me").username.as_deref(),
        Some(TESTER)
    );
    assert_eq!(server.snapshots().list().await, vec!["clean".to_owned()]);
    server.snapshots().delete("clean").await;
    assert!(server.snapshots().list().await.is_empty());
    server.reset().await;
    assert!(sdk.me().send().await.is_ok());
}

/// A token of sizzle.cafe's that may read comments.
const MODERATOR: &str = "IGAAlocalgramCafeComments";
const MODERATOR_TOKEN: &str = r#"
[[tokens]]
value = "IGAAlocalgramCafeComments"
app = "990602627938098"
user = "sizzle.cafe"
kind = "instagram_long_lived"
scopes = ["instagram_business_basic", "instagram_business_manage_comments"]
issued_at = "2026-11-01T00:00:00Z"
"#;

/// sizzle.cafe's two posts: one with comments, one with comments turned off.
const CAFE_WITH_COMMENTS: &str = r#"version = 1

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

    [[instagram_users.media.comments]]
    id = "17850000000000001"
    from = "eve.stranger"
    text = "Are they vegan?"
    timestamp = "2026-05-03T09:00:00+0000"

      [[instagram_users.media.comments.replies]]
      id = "17850000000000002"
      from = "sizzle.cafe"
      text = "Yes!"

    [[instagram_users.media.comments]]
    id = "17850000000000003"
    from = "bob.smith"
    text = "Buy followers cheap"
    timestamp = "2026-05-03T10:00:00+0000"
    hidden = true

  [[instagram_users.media]]
  id = "17900000000000002"
  media_type = "IMAGE"
  caption = "Closed for the holidays"
  timestamp = "2026-05-04T08:00:00+0000"
  comment_enabled = false
"#;

/// `GET /_localgram/world` loads back, into an empty server, as the same emulator: every answer
/// below is the same on both (the server's own address aside).
#[tokio::test]
async fn an_exported_world_loads_back_into_the_same_answers() {
    use localgram_testkit::world::fb;
    for backend in Backend::all() {
        let b = backend.name();
        let source = TestServer::spawn_with(localgram_testkit::TestOptions {
            backend: backend.clone(),
            world: Some(format!(
                "{}\n{MODERATOR_TOKEN}",
                localgram_testkit::facebook_world()
            )),
            ..Default::default()
        })
        .await;
        let res = post_world(&source, "application/toml", CAFE_WITH_COMMENTS).await;
        assert_eq!(res.status, 200, "{b}: {}", res.text);
        let minted = runtime_token(&source).await;
        let res = get(&client(), &source.url("/_localgram/world")).await;
        assert_eq!(res.status, 200, "{b}: {}", res.text);
        assert_eq!(res.header("cache-control"), Some("no-store"), "{b}");
        let export = res.text.clone();
        assert!(
            !export.contains(LONG_LIVED_TOKEN),
            "{b}: no raw token is exported"
        );
        assert!(
            !export.contains(TESTER_PASSWORD),
            "{b}: no password is exported"
        );

        let target = TestServer::spawn_with(localgram_testkit::TestOptions {
            backend: backend.clone(),
            world: None,
            ..Default::default()
        })
        .await;
        let res = post_world(&target, "application/json", &export).await;
        assert_eq!(res.status, 200, "{b}: {}", res.text);

        let ig = |token: &str, path: &str| {
            format!(
                "/graph.instagram.com{path}{}access_token={token}",
                if path.contains('?') { "&" } else { "?" }
            )
        };
        let fbg = |token: &str, path: &str| {
            format!(
                "/graph.facebook.com/v23.0{path}{}access_token={token}",
                if path.contains('?') { "&" } else { "?" }
            )
        };
        let app_token = format!("{APP_ID}|{APP_SECRET}");
        let fb_app_token = format!("{}|{}", fb::APP_ID, fb::APP_SECRET);
        let paths = vec![
            ig(
                LONG_LIVED_TOKEN,
                "/me?fields=id,username,account_type,media_count",
            ),
            ig(&minted, "/me?fields=id,username"),
            ig(
                LONG_LIVED_TOKEN,
                "/me/media?fields=id,caption,media_type,media_url,permalink,thumbnail_url,timestamp,username&limit=100",
            ),
            ig(
                LONG_LIVED_TOKEN,
                "/17895695668004551/children?fields=id,media_type,media_url",
            ),
            ig(
                LONG_LIVED_TOKEN,
                "/17895695668004551?fields=id,media_type,caption,timestamp,permalink",
            ),
            fbg(fb::LONG_TOKEN, "/me?fields=id,name,email"),
            fbg(
                fb::LONG_TOKEN,
                "/me/accounts?fields=id,name,category,tasks,location&limit=100",
            ),
            fbg(
                fb::PAGE_TOKEN,
                &format!(
                    "/{}?fields=id,name,about,instagram_business_account",
                    fb::CAFE_PAGE
                ),
            ),
            fbg(
                &fb_app_token,
                &format!("/debug_token?input_token={}", fb::LONG_TOKEN),
            ),
            fbg(
                &app_token,
                &format!("/debug_token?input_token={LONG_LIVED_TOKEN}"),
            ),
            fbg(fb::MANY_TOKEN, "/me/accounts?fields=id,name&limit=100"),
            // Comments (with a hidden one and a reply) and comments turned off.
            ig(
                MODERATOR,
                "/17900000000000001/comments?fields=id,text,username,hidden,timestamp,replies{id,text,username,timestamp}",
            ),
            ig(
                MODERATOR,
                "/17900000000000001?fields=comments_count,is_comment_enabled",
            ),
            ig(
                MODERATOR,
                "/17900000000000002?fields=comments_count,is_comment_enabled",
            ),
        ];
        for path in paths {
            let one = get(&client(), &source.url(&path)).await;
            let two = get(&client(), &target.url(&path)).await;
            assert_eq!(one.status, 200, "{b}: {path}: {}", one.text);
            // Cursors are signed with each instance's own key: compared by their presence.
            let norm = |r: &Reply, base: &str| {
                let mut v: Value = serde_json::from_str(&r.text.replace(base, "BASE")).unwrap();
                if let Some(cursors) = v
                    .pointer_mut("/paging/cursors")
                    .and_then(Value::as_object_mut)
                {
                    for c in cursors.values_mut() {
                        *c = json!("CURSOR");
                    }
                }
                v
            };
            assert_eq!(
                (two.status, norm(&two, &target.base)),
                (one.status, norm(&one, &source.base)),
                "{b}: {path}"
            );
        }
        // The media files are the same bytes.
        let file = "/cdn/media/17895695668004551.jpg";
        let one = client().get(source.url(file)).send().await.unwrap();
        let two = client().get(target.url(file)).send().await.unwrap();
        assert_eq!(one.status(), two.status(), "{b}");
        assert_eq!(
            one.bytes().await.unwrap(),
            two.bytes().await.unwrap(),
            "{b}"
        );

        // Exported again, the target gives the same world.
        let again = get(&client(), &target.url("/_localgram/world")).await;
        let (mut x, mut y): (Value, Value) = (serde_json::from_str(&export).unwrap(), again.json());
        assert_eq!(x.take(), y.take(), "{b}: export → load → export");
    }
}
