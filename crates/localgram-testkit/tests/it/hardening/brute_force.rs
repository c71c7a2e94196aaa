//! Brute force is slowed: after 10 failed passwords for one account within 15 minutes (test
//! clock), the login forms answer 429 with a "too many attempts" page for the rest of the window;
//! the same for the dashboard unlock, and for wrong client secrets per app on the token endpoints
//! (Graph code 4 on the Graph hosts). A success resets the count.

use crate::support::*;
use localgram_testkit::world::*;
use localgram_testkit::{
    Backend, TestOptions, TestServer, browser, client, facebook_world, form_value,
};
use serde_json::{Value, json};

const TOO_MANY: &str = "Too many failed attempts. Please wait a few minutes before you try again.";
const WINDOW_SECONDS: i64 = 15 * 60;

fn assert_too_many_page(res: &Reply, ctx: &str) {
    assert_page(res, 429, ctx);
    assert_eq!(
        element_text(&res.text, "login-error").as_deref(),
        Some(TOO_MANY),
        "{ctx}"
    );
    let wait: i64 = res
        .header("retry-after")
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{ctx}: no Retry-After"));
    assert!(
        (1..=WINDOW_SECONDS).contains(&wait),
        "{ctx}: Retry-After {wait}"
    );
}

#[tokio::test]
async fn ten_wrong_passwords_lock_an_instagram_account_for_the_rest_of_the_window() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn(&backend).await;
        let br = server.anonymous();
        let url = br.authorize_url(API, &AuthParams::basic_display());
        let mut page = br.get_url(&url).await;
        // Nine failures, then a success: the count starts again.
        for i in 0..9 {
            page = br.submit_login(API, &page, TESTER, "wrong").await;
            assert_page(&page, 401, &format!("{b}: failure {i}"));
        }
        let ok = br.submit_login(API, &page, TESTER, TESTER_PASSWORD).await;
        assert_eq!(ok.status, 303, "{b}: {}", ok.text);
        let br = server.anonymous();
        let mut page = br.get_url(&url).await;
        for i in 0..10 {
            page = br.submit_login(API, &page, TESTER, "wrong").await;
            assert_page(&page, 401, &format!("{b}: failure {i} after the reset"));
        }
        // Locked: even the right password gets the page, any case of the username too.
        for (user, pw) in [(TESTER, TESTER_PASSWORD), ("JANE.DOE", "wrong")] {
            page = br.submit_login(API, &page, user, pw).await;
            assert_too_many_page(&page, &format!("{b}: {user}"));
        }
        // Another account is not affected; Business Login's window shares the count.
        let br2 = server.anonymous();
        let other = br2
            .submit_login(API, &br2.get_url(&url).await, BUSINESS, BUSINESS_PASSWORD)
            .await;
        assert_eq!(other.status, 303, "{b}: another account");
        let www = br.authorize_url(WWW, &AuthParams::instagram_login());
        let locked = br
            .submit_login(WWW, &br.get_url(&www).await, TESTER, TESTER_PASSWORD)
            .await;
        assert_too_many_page(&locked, &format!("{b}: www window"));
        // The window ends 15 minutes after the first failure.
        server.advance(WINDOW_SECONDS);
        let ok = br
            .submit_login(API, &br.get_url(&url).await, TESTER, TESTER_PASSWORD)
            .await;
        assert_eq!(ok.status, 303, "{b}: after the window: {}", ok.text);
    }
}

#[tokio::test]
async fn ten_wrong_passwords_lock_a_facebook_login() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = TestServer::spawn_with(TestOptions {
            backend: backend.clone(),
            world: Some(facebook_world()),
            ..Default::default()
        })
        .await;
        let br = browser();
        let query = format!(
            "client_id={}&redirect_uri={}&scope=pages_show_list",
            fb::APP_ID,
            encode(fb::REDIRECT_URI)
        );
        let dialog = server.url(&format!("/www.facebook.com/dialog/oauth?{query}"));
        let login = |page: Reply, email: &'static str, pw: &'static str| {
            let br = br.clone();
            let url = server.url("/www.facebook.com/dialog/oauth/login");
            async move {
                let (csrf, q) = hidden_fields(&page.text, "fb login");
                post_form(
                    &br,
                    &url,
                    &[
                        ("csrf", &csrf),
                        ("q", &q),
                        ("email", email),
                        ("password", pw),
                    ],
                )
                .await
            }
        };
        let mut page = get(&br, &dialog).await;
        for i in 0..10 {
            page = login(page, fb::EMAIL, "wrong").await;
            assert_page(&page, 401, &format!("{b}: failure {i}"));
        }
        let page = login(page, fb::EMAIL, fb::PASSWORD).await;
        assert_too_many_page(&page, b);
        server.advance(WINDOW_SECONDS);
        let ok = login(get(&br, &dialog).await, fb::EMAIL, fb::PASSWORD).await;
        assert_eq!(ok.status, 303, "{b}: {}", ok.text);
    }
}

#[tokio::test]
async fn ten_wrong_admin_tokens_lock_the_dashboard_unlock() {
    let server = TestServer::spawn_with(TestOptions {
        admin_token: Some("let-me-in".into()),
        ..Default::default()
    })
    .await;
    let br = browser();
    let mut page = get(&br, &server.url("/unlock")).await;
    let csrf = |p: &Reply| form_value(&p.text, "csrf").expect("no csrf field");
    for i in 0..10 {
        page = post_form(
            &br,
            &server.url("/unlock"),
            &[("csrf", &csrf(&page)), ("token", "guess")],
        )
        .await;
        assert_eq!(page.status, 401, "failure {i}");
    }
    let res = post_form(
        &br,
        &server.url("/unlock"),
        &[("csrf", &csrf(&page)), ("token", "let-me-in")],
    )
    .await;
    assert_page(&res, 429, "locked unlock");
    assert!(res.text.contains(TOO_MANY), "{}", res.text);
    assert!(res.header("retry-after").is_some());
    server.advance(WINDOW_SECONDS);
    let res = post_form(
        &br,
        &server.url("/unlock"),
        &[("csrf", &csrf(&res)), ("token", "let-me-in")],
    )
    .await;
    assert_eq!(res.status, 303, "{}", res.text);
}

fn assert_app_limit(res: &Reply, ctx: &str) {
    assert_eq!(res.status, 400, "{ctx}: {}", res.text);
    let mut body: Value = res.json();
    assert!(
        body["error"]["fbtrace_id"]
            .as_str()
            .is_some_and(|t| !t.is_empty()),
        "{ctx}"
    );
    body["error"].as_object_mut().unwrap().remove("fbtrace_id");
    assert_eq!(
        body,
        json!({"error": {"message": "(#4) Application request limit reached", "type": "OAuthException", "code": 4, "is_transient": true}}),
        "{ctx}"
    );
    assert_eq!(
        res.header("www-authenticate"),
        Some(
            "OAuth \"Facebook Platform\" \"invalid_request\" \"(#4) Application request limit reached\""
        ),
        "{ctx}"
    );
}

#[tokio::test]
async fn ten_wrong_client_secrets_throttle_the_app_on_every_token_endpoint() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn(&backend).await;
        let app = server.anonymous();
        let code = server
            .mint_codes(APP_ID, TESTER, &[], REDIRECT_URI, 1)
            .await
            .remove(0);
        let form = |secret: &'static str, code: &str| {
            vec![
                ("client_id", APP_ID.to_owned()),
                ("client_secret", secret.to_owned()),
                ("grant_type", "authorization_code".to_owned()),
                ("redirect_uri", REDIRECT_URI.to_owned()),
                ("code", code.to_owned()),
            ]
        };
        let send = |f: Vec<(&'static str, String)>| {
            let app = &app;
            async move {
                let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
                app.exchange(&pairs).await
            }
        };
        for i in 0..10 {
            let res = send(form("wrong-secret", &code)).await;
            assert_eq!(res.status, 400, "{b}: failure {i}");
            assert_eq!(
                res.json(),
                json!({"error_type": "OAuthException", "code": 400, "error_message": "Error validating client secret"}),
                "{b}: failure {i}"
            );
        }
        // Throttled, even with the right secret; the code is not consumed.
        let res = send(form(APP_SECRET, &code)).await;
        assert_eq!(res.status, 400, "{b}");
        assert_eq!(
            res.json(),
            json!({"error_type": "OAuthException", "code": 400, "error_message": "(#4) Application request limit reached: too many failed client authentications, try again later"}),
            "{b}"
        );
        // The count is per app, on every token endpoint: graph.instagram.com's exchange too.
        let res = server
            .instagram_user_with_token(LONG_LIVED_TOKEN)
            .exchange_long_lived(APP_SECRET)
            .await;
        assert_app_limit(&res, &format!("{b}: ig_exchange_token"));
        // Another app is not affected.
        let res = app
            .exchange(&[
                ("client_id", LIVE_APP_ID),
                ("client_secret", "wrong"),
                ("grant_type", "authorization_code"),
                ("redirect_uri", LIVE_REDIRECT_URI),
                ("code", "AQnothing"),
            ])
            .await;
        assert_eq!(
            res.json()["error_message"],
            "Error validating client secret",
            "{b}"
        );
        server.advance(WINDOW_SECONDS);
        let res = send(form(APP_SECRET, &code)).await;
        assert_eq!(res.status, 200, "{b}: after the window: {}", res.text);
    }
}

#[tokio::test]
async fn ten_wrong_client_secrets_throttle_a_facebook_app_with_code_4() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = TestServer::spawn_with(TestOptions {
            backend: backend.clone(),
            world: Some(facebook_world()),
            ..Default::default()
        })
        .await;
        let url = |secret: &str| {
            server.url(&format!(
                "/graph.facebook.com/v21.0/oauth/access_token?grant_type=client_credentials&client_id={}&client_secret={secret}",
                fb::APP_ID
            ))
        };
        for i in 0..10 {
            let res = get(&client(), &url("wrong")).await;
            assert_eq!(res.status, 400, "{b}: failure {i}");
            assert_eq!(
                res.json()["error"]["message"],
                "Error validating client secret",
                "{b}"
            );
        }
        let res = get(&client(), &url(fb::APP_SECRET)).await;
        assert_app_limit(&res, b);
        server.advance(WINDOW_SECONDS);
        let res = get(&client(), &url(fb::APP_SECRET)).await;
        assert_eq!(res.status, 200, "{b}: {}", res.text);
    }
}
