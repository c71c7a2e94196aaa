//! Whole HTML pages, snapshot-tested (`snapshots/`): the OAuth window's login, consent and error
//! pages, the App Dashboard's app list and app page, and the User Token Generator, in English
//! and in Swedish. What changes from run to run (CSRF tokens, the signed request a form carries,
//! nonces, trace ids) is redacted; everything else must match byte for byte, on SQLite and on
//! PostgreSQL alike.

use crate::support::*;
use localgram_testkit::world::*;
use localgram_testkit::{Backend, TestServer};

/// The filters of every page snapshot: what a page carries that differs from run to run.
fn redactions() -> Vec<(&'static str, &'static str)> {
    vec![
        (
            r#"name="csrf" value="[^"]*""#,
            r#"name="csrf" value="[csrf]""#,
        ),
        (
            r#"name="q" value="[^"]*""#,
            r#"name="q" value="[signed request]""#,
        ),
        (r#"nonce="[^"]*""#, r#"nonce="[nonce]""#),
        (r#"fbtrace_id[^<]*"#, "fbtrace_id [trace id]"),
    ]
}

/// Asserts the page is a 200 HTML page and matches the snapshot `name`, redacted.
fn assert_page_snapshot(name: &str, page: &Reply, ctx: &str) {
    assert_page(page, 200, ctx);
    insta::with_settings!({filters => redactions()}, {
        insta::assert_snapshot!(name, page.text);
    });
}

#[tokio::test]
async fn oauth_window_pages_match_their_snapshots_in_two_languages() {
    for backend in Backend::all() {
        for lang in ["en", "sv"] {
            let ctx = format!("{}: {lang}", backend.name());
            let server = TestServer::builder().backend(&backend).spawn().await;
            let browser = server.anonymous();
            let params = AuthParams::basic_display();
            let path = format!("{API}/oauth/authorize?{}", params.query());

            let login = browser.get_in(&path, lang).await;
            assert!(is_login_page(&login.text), "{ctx}: {}", login.text);
            assert_page_snapshot(&format!("oauth_login_{lang}"), &login, &ctx);

            let res = browser
                .submit_login(API, &login, TESTER, TESTER_PASSWORD)
                .await;
            assert_eq!(res.status, 303, "{ctx}: {}", res.text);
            let consent = browser.get_in(&path, lang).await;
            assert!(is_consent_page(&consent.text), "{ctx}: {}", consent.text);
            assert_page_snapshot(&format!("oauth_consent_{lang}"), &consent, &ctx);

            let wrong = params
                .clone()
                .set("redirect_uri", "https://evil.example/cb");
            let error = browser
                .get_in(&format!("{API}/oauth/authorize?{}", wrong.query()), lang)
                .await;
            assert_page(&error, 400, &ctx);
            assert_eq!(error.location(), None, "{ctx}");
            insta::with_settings!({filters => redactions()}, {
                insta::assert_snapshot!(format!("oauth_error_{lang}"), error.text);
            });
        }
    }
}

#[tokio::test]
async fn dashboard_pages_match_their_snapshots_in_two_languages() {
    for backend in Backend::all() {
        for lang in ["en", "sv"] {
            let ctx = format!("{}: {lang}", backend.name());
            let server = TestServer::builder().backend(&backend).spawn().await;
            let dev = server.dashboard_developer();

            let apps = dev.get_in("/", lang).await;
            assert_page_snapshot(&format!("dashboard_apps_{lang}"), &apps, &ctx);

            let app = dev.get_in(&format!("/apps/{APP_ID}"), lang).await;
            assert_page_snapshot(&format!("dashboard_app_{lang}"), &app, &ctx);

            let generator = dev
                .get_in(&format!("/apps/{APP_ID}/token-generator/{TESTER_ID}"), lang)
                .await;
            assert!(is_login_page(&generator.text), "{ctx}: {}", generator.text);
            assert_page_snapshot(&format!("token_generator_login_{lang}"), &generator, &ctx);
        }
    }
}
