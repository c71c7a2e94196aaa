//! `/_localgram/*`: health, the test clock, loading worlds, minting codes and the admin token.

use crate::support::*;
use localgram_testkit::world::*;
use localgram_testkit::{Backend, TestOptions, TestServer, client};
use serde_json::{Value, json};

async fn send(req: reqwest::RequestBuilder) -> Reply {
    Reply::read(req.send().await.expect("request failed")).await
}

/// The clock view without `offset_seconds` (which depends on the machine's time), checked to be an
/// integer.
fn clock_body(res: &Reply, ctx: &str) -> Value {
    assert_eq!(res.status, 200, "{ctx}: {}", res.text);
    let mut body = res.json();
    let offset = body
        .as_object_mut()
        .and_then(|o| o.remove("offset_seconds"))
        .unwrap_or_else(|| panic!("{ctx}: no offset_seconds"));
    assert!(offset.is_i64(), "{ctx}: offset_seconds {offset}");
    body
}

#[tokio::test]
async fn health_names_the_backend() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn(&backend).await;
        let res = get(&client(), &server.url("/_localgram/health")).await;
        assert_eq!(res.status, 200, "{b}");
        assert_eq!(res.json(), json!({"status": "ok", "backend": b}), "{b}");
    }
}

#[tokio::test]
async fn the_clock_can_be_read_set_and_advanced_and_drives_token_expiry() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn(&backend).await;
        let url = server.url("/_localgram/clock");
        let res = get(&client(), &url).await;
        assert_eq!(
            clock_body(&res, b),
            json!({"now": "2026-11-20T12:00:00Z", "unix": 1_795_176_000, "frozen": true}),
            "{b}"
        );
        let res = send(
            client()
                .put(&url)
                .json(&json!({"now": "2027-01-01T00:00:00Z"})),
        )
        .await;
        assert_eq!(
            clock_body(&res, b),
            json!({"now": "2027-01-01T00:00:00Z", "unix": 1_798_761_600, "frozen": true}),
            "{b}"
        );
        let res = send(
            client()
                .post(server.url("/_localgram/clock/advance"))
                .json(&json!({"seconds": 90})),
        )
        .await;
        assert_eq!(
            clock_body(&res, b),
            json!({"now": "2027-01-01T00:01:30Z", "unix": 1_798_761_690, "frozen": true}),
            "{b}"
        );
        let res = get(&client(), &url).await;
        assert_eq!(clock_body(&res, b)["unix"], 1_798_761_690, "{b}: frozen");
        // The world's token expired on 2026-12-31T00:00:00Z.
        let res = server
            .instagram_user_with_token(LONG_LIVED_TOKEN)
            .me()
            .await;
        assert_graph_error(
            &res,
            expired(
                "Wednesday, 30-Dec-26 16:00:00 PST",
                "Thursday, 31-Dec-26 16:01:30 PST",
            ),
            b,
        );
        // Bad bodies are 400 with a message, and change nothing.
        let res = send(client().put(&url).json(&json!({"now": "yesterday"}))).await;
        assert_eq!(res.status, 400, "{b}");
        assert_eq!(
            res.json(),
            json!({"error": "now: \"yesterday\" is not an RFC 3339 time"}),
            "{b}"
        );
        for body in [json!({"secs": 1}), json!({"seconds": "1"})] {
            let res = send(
                client()
                    .post(server.url("/_localgram/clock/advance"))
                    .json(&body),
            )
            .await;
            assert_eq!(res.status, 400, "{b}: {body}");
            let message = res.json()["error"].as_str().unwrap_or_default().to_owned();
            assert!(
                message.starts_with("the JSON body is invalid: "),
                "{b}: {message}"
            );
        }
        let res = get(&client(), &url).await;
        assert_eq!(clock_body(&res, b)["unix"], 1_798_761_690, "{b}: unchanged");
    }
}

const NEW_APP: &str = "123450000000001";
const NEW_USER: &str = "zoe.new";
const NEW_WORLD_TOML: &str = r#"
version = 1

[[apps]]
id = "123450000000001"
secret = "new-app-secret-0001"
name = "New App"
mode = "development"
products = ["instagram_basic_display"]
redirect_uris = ["https://new.example/cb"]
instagram_testers = ["zoe.new"]

[[instagram_users]]
id = "17841400000000009"
username = "zoe.new"
password = "zoe password"
"#;

#[tokio::test]
async fn worlds_load_as_toml_or_json_idempotently_and_an_invalid_one_writes_nothing() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn(&backend).await;
        let app = server.anonymous();
        let db = Db::open(&server).await;
        let url = server.url("/_localgram/world");
        let loaded = json!({"loaded": {"apps": 1, "instagram_users": 1, "media": 0, "facebook_users": 0, "pages": 0, "tokens": 0, "faults": 0}});
        for round in 0..2 {
            let res = send(
                client()
                    .post(&url)
                    .header("content-type", "application/toml")
                    .body(NEW_WORLD_TOML),
            )
            .await;
            assert_eq!(res.status, 200, "{b}: TOML round {round}: {}", res.text);
            assert_eq!(res.json(), loaded, "{b}");
        }
        assert_eq!(db.count("apps").await, 4, "{b}: apps after loading twice");
        assert_eq!(
            db.count("ig_users").await,
            5,
            "{b}: users after loading twice"
        );

        let json_world = json!({
            "version": 1,
            "apps": [{
                "id": NEW_APP, "secret": "new-app-secret-0001", "name": "New App Renamed",
                "mode": "development", "products": ["instagram_basic_display"],
                "redirect_uris": ["https://new.example/cb"], "instagram_testers": [NEW_USER]
            }],
            "instagram_users": [{"id": "17841400000000009", "username": NEW_USER, "password": "zoe password"}]
        });
        for round in 0..2 {
            let res = send(client().post(&url).json(&json_world)).await;
            assert_eq!(res.status, 200, "{b}: JSON round {round}: {}", res.text);
            assert_eq!(res.json(), loaded, "{b}");
        }
        assert_eq!(db.count("apps").await, 4, "{b}");
        assert_eq!(
            db.opt_string(&format!("SELECT name FROM apps WHERE id = '{NEW_APP}'"))
                .await
                .as_deref(),
            Some("New App Renamed"),
            "{b}: updated in place"
        );

        // The loaded app works at once: a code for its tester, exchanged with its secret.
        let code = server
            .mint_codes(NEW_APP, NEW_USER, &[], "https://new.example/cb", 1)
            .await;
        let res = app
            .exchange(&[
                ("client_id", NEW_APP),
                ("client_secret", "new-app-secret-0001"),
                ("grant_type", "authorization_code"),
                ("redirect_uri", "https://new.example/cb"),
                ("code", &code[0]),
            ])
            .await;
        assert_eq!(res.status, 200, "{b}: {}", res.text);

        // An invalid world: the valid app before the bad one is not written either.
        let bad = json!({
            "version": 1,
            "apps": [
                {"id": "555000000000001", "secret": "valid-secret-01", "name": "Fine", "mode": "live",
                 "products": ["instagram_login"], "redirect_uris": ["https://fine.example/cb"]},
                {"id": "555000000000002", "secret": "valid-secret-02", "name": "Broken", "mode": "staging",
                 "products": ["instagram_login"], "redirect_uris": ["https://broken.example/cb"]}
            ]
        });
        let res = send(client().post(&url).json(&bad)).await;
        assert_eq!(res.status, 400, "{b}: {}", res.text);
        assert_eq!(
            res.json(),
            json!({"error": "world file: apps[1] (id \"555000000000002\"): field `mode`: \"staging\" is not development or live"}),
            "{b}"
        );
        let res = send(
            client()
                .post(&url)
                .header("content-type", "application/toml")
                .body("version = 1\n[[apps]]\nid = \"1\"\nsecrett = \"x\"\n"),
        )
        .await;
        assert_eq!(res.status, 400, "{b}: {}", res.text);
        let message = res.json()["error"].as_str().unwrap_or_default().to_owned();
        assert!(
            message.contains("secrett"),
            "{b}: the unknown key is not named: {message}"
        );
        assert_eq!(
            db.count("apps WHERE id LIKE '555%' OR id = '1'").await,
            0,
            "{b}"
        );
        assert_eq!(db.count("apps").await, 4, "{b}");
    }
}

#[tokio::test]
async fn minted_codes_each_work_once_and_obey_the_authorize_rules() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn(&backend).await;
        let app = server.anonymous();
        let db = Db::open(&server).await;
        let codes = server
            .mint_codes(
                APP_ID,
                TESTER,
                &["user_profile", "user_media"],
                REDIRECT_URI,
                3,
            )
            .await;
        assert_eq!(codes.len(), 3, "{b}");
        let res = server
            .mint(json!({"app": APP_ID, "user": TESTER, "redirect_uri": REDIRECT_URI}))
            .await;
        assert_eq!(res.header("cache-control"), Some("no-store"), "{b}");
        assert_eq!(res.json()["codes"].as_array().map(Vec::len), Some(1), "{b}");
        for code in &codes {
            let res = app.exchange_code(code).await;
            assert_eq!(res.status, 200, "{b}: {}", res.text);
            let res = app.exchange_code(code).await;
            assert_ig_error(&res, "Matching code was not found or was already used", b);
        }
        let before = db.count("auth_codes").await;
        for (body, message) in [
            (
                json!({"app": APP_ID, "user": STRANGER, "redirect_uri": REDIRECT_URI}),
                "Insufficient developer role",
            ),
            (
                json!({"app": APP_ID, "user": INVITED, "redirect_uri": REDIRECT_URI}),
                "Insufficient developer role",
            ),
            (
                json!({"app": APP_ID, "user": "no.such.user", "redirect_uri": REDIRECT_URI}),
                "Insufficient developer role",
            ),
            (
                json!({"app": APP_ID, "user": TESTER, "redirect_uri": "https://socialsizzle.example/auth"}),
                "Invalid Request: Request parameters are invalid: Invalid redirect_uri",
            ),
            (
                json!({"app": "123", "user": TESTER, "redirect_uri": REDIRECT_URI}),
                "Invalid Request: Request parameters are invalid: Invalid platform app",
            ),
            (
                json!({"app": APP_ID, "user": TESTER, "redirect_uri": REDIRECT_URI, "scopes": ["user_media"]}),
                "Invalid Request: Request parameters are invalid: Missing required scope user_profile",
            ),
            (
                json!({"app": APP_ID, "user": TESTER, "redirect_uri": REDIRECT_URI, "count": 0}),
                "count: between 1 and 10000",
            ),
        ] {
            let res = server.mint(body.clone()).await;
            assert_eq!(res.status, 400, "{b}: {body}: {}", res.text);
            assert_eq!(res.json(), json!({"error": message}), "{b}: {body}");
        }
        assert_eq!(
            db.count("auth_codes").await,
            before,
            "{b}: a refused mint stored codes"
        );
    }
}

#[tokio::test]
async fn with_an_admin_token_the_control_plane_requires_it() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = TestServer::spawn_with(TestOptions {
            backend: backend.clone(),
            admin_token: Some("t0k".to_owned()),
            ..Default::default()
        })
        .await;
        let url = server.url("/_localgram/health");
        let refused =
            json!({"error": "the control API requires Authorization: Bearer <admin token>"});
        for auth in [
            None,
            Some("Bearer t0"),
            Some("Bearer t0kk"),
            Some("Basic t0k"),
        ] {
            let mut req = client().get(&url);
            if let Some(a) = auth {
                req = req.header("authorization", a);
            }
            let res = send(req).await;
            assert_eq!(res.status, 401, "{b}: {auth:?}");
            assert_eq!(res.json(), refused, "{b}: {auth:?}");
        }
        let res = send(
            client()
                .post(server.url("/_localgram/clock/advance"))
                .json(&json!({"seconds": 60})),
        )
        .await;
        assert_eq!(res.status, 401, "{b}: advance without the token");
        let res = send(client().get(&url).bearer_auth("t0k")).await;
        assert_eq!(res.status, 200, "{b}");
        assert_eq!(res.json(), json!({"status": "ok", "backend": b}), "{b}");
        let res = send(
            client()
                .get(server.url("/_localgram/clock"))
                .bearer_auth("t0k"),
        )
        .await;
        assert_eq!(
            res.json()["now"],
            "2026-11-20T12:00:00Z",
            "{b}: the refused advance ran"
        );
        // The emulated hosts do not need the admin token.
        assert_me_ok(&server, LONG_LIVED_TOKEN, b).await;
    }
}

#[tokio::test]
async fn the_demo_callback_page_carries_the_security_headers() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn(&backend).await;
        let res = get(
            &client(),
            &server.url("/_localgram/oauth/callback?code=AQdemo&state=s%3C1"),
        )
        .await;
        assert_page(&res, 200, b);
        assert_eq!(
            element_text(&res.text, "code").as_deref(),
            Some("AQdemo"),
            "{b}"
        );
        assert_eq!(
            element_text(&res.text, "state").as_deref(),
            Some("s<1"),
            "{b}"
        );
        assert!(!res.text.contains("s<1"), "{b}: state is not escaped");
    }
}
