//! Codes belong to the host whose window issued them: the Instagram code endpoint refuses
//! Facebook Login codes and graph.facebook.com refuses Instagram codes, each with its ordinary
//! "not found" answer, consuming nothing; `POST /_localgram/oauth/codes` mints Facebook Login
//! codes under every rule of the dialog's; the demo callback page shows the exchange for the
//! issuing host.

use crate::support::*;
use localgram_testkit::world::fb;
use localgram_testkit::world::{APP_ID, APP_SECRET, REDIRECT_URI, TESTER};
use localgram_testkit::{Backend, TestOptions, TestServer, client, facebook_world};
use serde_json::json;

const GRAPH: &str = "/graph.facebook.com/v21.0";

/// A development-mode app with Facebook Login on which the test user has a role.
const DEV_APP: &str = "990602627938200";
const DEV_APP_WORLD: &str = r#"version = 1
[[apps]]
id = "990602627938200"
secret = "dev-fb-secret-0001"
name = "Dev Facebook"
mode = "development"
products = ["facebook_login"]
redirect_uris = ["https://dev.example/cb"]

  [[apps.roles]]
  user = "100000000000001"
  role = "developer"
"#;

async fn spawn_fb(backend: &Backend) -> TestServer {
    TestServer::spawn_with(TestOptions {
        backend: backend.clone(),
        world: Some(facebook_world()),
        ..Default::default()
    })
    .await
}

/// One Facebook Login code of the test user for the Facebook-only app.
async fn mint_fb_code(server: &TestServer, user: &str, scopes: &[&str]) -> String {
    server
        .mint_codes(fb::APP_ID, user, scopes, fb::REDIRECT_URI, 1)
        .await
        .remove(0)
}

/// Asserts a successful Facebook code exchange and returns the token.
fn fb_token_of(reply: &Reply, ctx: &str) -> String {
    assert_eq!(reply.status, 200, "{ctx}: {}", reply.text);
    let body = reply.json();
    let token = body["access_token"].as_str().unwrap_or_default().to_owned();
    assert!(token.starts_with("EAA"), "{ctx}: {token}");
    assert_eq!(
        body,
        json!({"access_token": token, "token_type": "bearer", "expires_in": 5_184_000}),
        "{ctx}"
    );
    token
}

#[tokio::test]
async fn the_instagram_endpoint_refuses_facebook_codes_and_graph_facebook_refuses_instagram_codes()
{
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn_fb(&backend).await;
        let app = server.anonymous();
        let db = Db::open(&server).await;

        // A Facebook Login code presented to api.instagram.com by the app it was issued to.
        let fb_code = mint_fb_code(&server, fb::USER_ID, &["pages_show_list"]).await;
        let res = app
            .exchange(&[
                ("client_id", fb::APP_ID),
                ("client_secret", fb::APP_SECRET),
                ("grant_type", "authorization_code"),
                ("redirect_uri", fb::REDIRECT_URI),
                ("code", &fb_code),
            ])
            .await;
        assert_ig_error(
            &res,
            "Matching code was not found or was already used",
            &format!("{b}: a Facebook code on api.instagram.com"),
        );
        assert_eq!(db.code_consumed_at(&fb_code).await, None, "{b}");
        assert_eq!(
            db.count(&format!(
                "tokens WHERE code_id = (SELECT id FROM auth_codes WHERE code_hash = '{}')",
                hash(&fb_code)
            ))
            .await,
            0,
            "{b}: no token was issued from the code"
        );
        // It still works where it belongs.
        let res = server
            .anonymous()
            .facebook_exchange(fb::APP_ID, fb::APP_SECRET, fb::REDIRECT_URI, &fb_code)
            .await;
        let token = fb_token_of(&res, b);
        let me = get(
            &client(),
            &server.url(&format!("{GRAPH}/me?access_token={token}")),
        )
        .await;
        assert_eq!(
            me.json(),
            json!({"id": fb::USER_ID, "name": "Test User"}),
            "{b}"
        );

        // An Instagram code presented to graph.facebook.com by its app (which has Facebook
        // Login too).
        let ig_code = mint_code(&server).await;
        let res = server
            .anonymous()
            .facebook_exchange(APP_ID, APP_SECRET, REDIRECT_URI, &ig_code)
            .await;
        assert_graph_error(
            &res,
            graph_error(
                100,
                None,
                "OAuthException",
                "Invalid verification code format.",
            ),
            &format!("{b}: an Instagram code on graph.facebook.com"),
        );
        assert_eq!(db.code_consumed_at(&ig_code).await, None, "{b}");
        let res = app.exchange_code(&ig_code).await;
        assert_eq!(res.status, 200, "{b}: {}", res.text);
        assert_eq!(
            res.json()["user_id"],
            json!(17_841_405_793_187_218u64),
            "{b}"
        );
    }
}

#[tokio::test]
async fn minted_facebook_codes_obey_every_rule_of_the_dialog() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn_fb(&backend).await;
        let db = Db::open(&server).await;

        // The user by id or email; the permissions of the seed's walk-through.
        for user in [fb::USER_ID, fb::EMAIL] {
            let ctx = format!("{b}: user {user}");
            let code = mint_fb_code(&server, user, &["public_profile", "pages_show_list"]).await;
            assert!(code.starts_with("AQ") && code.len() >= 40, "{ctx}: {code}");
            let token = fb_token_of(
                &server
                    .anonymous()
                    .facebook_exchange(fb::APP_ID, fb::APP_SECRET, fb::REDIRECT_URI, &code)
                    .await,
                &ctx,
            );
            // Every Page the user has a task on was "ticked"; the business-reached one needs
            // business_management, which was not asked.
            let accounts = get(
                &client(),
                &server.url(&format!(
                    "{GRAPH}/me/accounts?fields=id,name&access_token={token}"
                )),
            )
            .await;
            assert_eq!(accounts.status, 200, "{ctx}: {}", accounts.text);
            let body = accounts.json();
            assert_eq!(
                body["data"],
                json!([
                    {"id": fb::CAFE_PAGE, "name": "Sizzle Cafe"},
                    {"id": fb::BLOG_PAGE, "name": "Sizzle Blog"}
                ]),
                "{ctx}"
            );
            // The grant is what the dialog would have stored.
            let debug = get(
                &client(),
                &server.url(&format!(
                    "{GRAPH}/debug_token?input_token={token}&access_token={}|{}",
                    fb::APP_ID,
                    fb::APP_SECRET
                )),
            )
            .await;
            assert_eq!(
                debug.json()["data"]["scopes"],
                json!(["public_profile", "pages_show_list"]),
                "{ctx}"
            );
            assert_eq!(
                debug.json()["data"]["granular_scopes"],
                json!([
                    {"scope": "public_profile"},
                    {"scope": "pages_show_list", "target_ids": [fb::CAFE_PAGE, fb::BLOG_PAGE, fb::HOLDINGS_PAGE]}
                ]),
                "{ctx}"
            );
            // Single use: a replay is refused and revokes what the code gave.
            let again = server
                .anonymous()
                .facebook_exchange(fb::APP_ID, fb::APP_SECRET, fb::REDIRECT_URI, &code)
                .await;
            assert_eq!(again.status, 400, "{ctx}");
            let mut body = again.json();
            body["error"]
                .as_object_mut()
                .map(|e| e.remove("fbtrace_id"));
            assert_eq!(
                body,
                graph_error(
                    100,
                    Some(36009),
                    "OAuthException",
                    "This authorization code has been used.",
                ),
                "{ctx}"
            );
            assert_eq!(
                again.header("www-authenticate"),
                Some(
                    "OAuth \"Facebook Platform\" \"invalid_code\" \"This authorization code has been used.\""
                ),
                "{ctx}"
            );
            assert!(db.token_revoked_at(&token).await.is_some(), "{ctx}");
        }

        // By name among the users with a role on the app (or its test users): the users a
        // development-mode app can have codes for.
        let res = Reply::read(
            client()
                .post(server.url("/_localgram/world"))
                .header("content-type", "application/toml")
                .body(DEV_APP_WORLD)
                .send()
                .await
                .expect("POST /_localgram/world"),
        )
        .await;
        assert_eq!(res.status, 200, "{b}: {}", res.text);
        let code = server
            .mint_codes(
                DEV_APP,
                "Test User",
                &["pages_show_list"],
                "https://dev.example/cb",
                1,
            )
            .await
            .remove(0);
        fb_token_of(
            &server
                .anonymous()
                .facebook_exchange(
                    DEV_APP,
                    "dev-fb-secret-0001",
                    "https://dev.example/cb",
                    &code,
                )
                .await,
            b,
        );
        let res = server.mint(json!({"app": DEV_APP, "user": "Real Person", "redirect_uri": "https://dev.example/cb", "scopes": ["public_profile"]}))
        .await;
        assert_eq!(
            res.json(),
            json!({"error": "Insufficient developer role"}),
            "{b}"
        );

        // No scopes for a Facebook user: public_profile only.
        let code = server
            .mint_codes(fb::APP_ID, fb::USER_ID, &[], fb::REDIRECT_URI, 1)
            .await
            .remove(0);
        let token = fb_token_of(
            &server
                .anonymous()
                .facebook_exchange(fb::APP_ID, fb::APP_SECRET, fb::REDIRECT_URI, &code)
                .await,
            b,
        );
        let res = get(
            &client(),
            &server.url(&format!("{GRAPH}/me/accounts?access_token={token}")),
        )
        .await;
        assert_eq!(res.status, 400, "{b}: {}", res.text);
        assert_eq!(res.json()["error"]["code"], 200, "{b}: {}", res.text);

        // The redirect URI is bound to the code: a mismatch is refused and consumes nothing.
        let code = mint_fb_code(&server, fb::USER_ID, &["pages_show_list"]).await;
        let res = server
            .anonymous()
            .facebook_exchange(
                fb::APP_ID,
                fb::APP_SECRET,
                "https://fb.example/other",
                &code,
            )
            .await;
        assert_graph_error(
            &res,
            graph_error(
                100,
                Some(36008),
                "OAuthException",
                "Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request",
            ),
            b,
        );
        assert_eq!(db.code_consumed_at(&code).await, None, "{b}");
        // Codes live one hour, as the dialog's.
        server.advance(3600);
        let res = server
            .anonymous()
            .facebook_exchange(fb::APP_ID, fb::APP_SECRET, fb::REDIRECT_URI, &code)
            .await;
        assert_graph_error(
            &res,
            graph_error(
                100,
                Some(36007),
                "OAuthException",
                "This authorization code has expired.",
            ),
            b,
        );

        // The dialog's refusals, word for word, and nothing stored.
        let before = db.count("auth_codes").await;
        for (body, message) in [
            (
                json!({"app": fb::APP_ID, "user": fb::USER_ID, "redirect_uri": "https://fb.example/cb/", "scopes": ["pages_show_list"]}),
                "Invalid Request: Request parameters are invalid: Invalid redirect_uri",
            ),
            (
                // A development-mode app: only users with a role and its test users.
                json!({"app": APP_ID, "user": fb::REAL_ID, "redirect_uri": REDIRECT_URI, "scopes": ["public_profile"]}),
                "Insufficient developer role",
            ),
            (
                json!({"app": fb::APP_ID, "user": "Nobody Known", "redirect_uri": fb::REDIRECT_URI, "scopes": ["public_profile"]}),
                "Insufficient developer role",
            ),
            (
                // An app without Facebook Login.
                json!({"app": localgram_testkit::world::LIVE_APP_ID, "user": fb::USER_ID, "redirect_uri": "https://live.example/cb", "scopes": ["public_profile"]}),
                "Invalid Request: Request parameters are invalid: Invalid platform app",
            ),
            (
                // Instagram and Facebook scopes cannot be mixed.
                json!({"app": APP_ID, "user": TESTER, "redirect_uri": REDIRECT_URI, "scopes": ["user_profile", "public_profile"]}),
                "Invalid Request: Request parameters are invalid: Invalid scope: public_profile",
            ),
        ] {
            let res = server.mint(body.clone()).await;
            assert_eq!(res.status, 400, "{b}: {body}: {}", res.text);
            assert_eq!(res.json(), json!({"error": message}), "{b}: {body}");
        }
        assert_eq!(db.count("auth_codes").await, before, "{b}");
    }
}

#[tokio::test]
async fn the_callback_page_shows_the_exchange_of_the_host_that_issued_the_code() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn_fb(&backend).await;
        let base = server.url("");

        let fb_code = mint_fb_code(&server, fb::USER_ID, &["pages_show_list"]).await;
        let page = get(
            &client(),
            &server.url(&format!(
                "/_localgram/oauth/callback?code={fb_code}&state=s1"
            )),
        )
        .await;
        assert_page(&page, 200, b);
        let command = element_text(&page.text, "curl").unwrap_or_default();
        assert_eq!(
            command,
            format!(
                "curl -s \"{base}/graph.facebook.com/v22.0/oauth/access_token?client_id={}&client_secret=YOUR_APP_SECRET&redirect_uri=https%3A%2F%2Ffb.example%2Fcb&code={fb_code}\"",
                fb::APP_ID
            ),
            "{b}"
        );
        // The command works once the secret is filled in.
        let url = command
            .trim_start_matches("curl -s \"")
            .trim_end_matches('"')
            .replace("YOUR_APP_SECRET", fb::APP_SECRET);
        fb_token_of(&get(&client(), &url).await, b);

        let ig_code = mint_code(&server).await;
        let page = get(
            &client(),
            &server.url(&format!("/_localgram/oauth/callback?code={ig_code}")),
        )
        .await;
        assert_eq!(
            element_text(&page.text, "curl").unwrap_or_default(),
            format!(
                "curl -s -X POST {base}/api.instagram.com/oauth/access_token \\\n  -F client_id={APP_ID} -F client_secret=YOUR_APP_SECRET \\\n  -F grant_type=authorization_code \\\n  -F redirect_uri={REDIRECT_URI} \\\n  -F code={ig_code}"
            ),
            "{b}"
        );
        assert!(!page.text.contains("graph.facebook.com"), "{b}");

        // An unknown code: both exchanges, and the page says it does not know the code.
        let page = get(
            &client(),
            &server.url("/_localgram/oauth/callback?code=AQunknown"),
        )
        .await;
        assert!(page.text.contains("does not know this code"), "{b}");
        assert!(
            element_text(&page.text, "curl")
                .unwrap_or_default()
                .contains("/api.instagram.com/oauth/access_token"),
            "{b}"
        );
        assert!(
            element_text(&page.text, "curl-facebook")
                .unwrap_or_default()
                .contains("/graph.facebook.com/v22.0/oauth/access_token?client_id=YOUR_APP_ID&"),
            "{b}"
        );
    }
}
