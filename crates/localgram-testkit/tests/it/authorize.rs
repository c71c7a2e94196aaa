//! `GET /oauth/authorize` on both windows: every refusal is a 400 HTML page on the emulator's own
//! origin, never a redirect, and changes nothing (`docs/graph-api.md#authorize-window`,
//! `docs/robustness.md#authorize-errors`, `docs/robustness.md#redirect-uri-matching`,
//! `docs/robustness.md#redirect-uri-registration`, `docs/robustness.md#browser-forms`).

use crate::support::*;
use localgram_testkit::Backend;
use localgram_testkit::world::*;

const PREFIX: &str = "Invalid Request: Request parameters are invalid: ";

/// Asserts that `params` on both windows give the error page `message` and leave no code behind.
async fn assert_refused(
    server: &localgram_testkit::TestServer,
    db: &Db,
    params: &AuthParams,
    message: &str,
    ctx: &str,
) {
    for window in [API, WWW] {
        let res = server.anonymous().authorize(window, params).await;
        assert_error_page(&res, 400, message, &format!("{ctx} on {window}"));
    }
    assert_eq!(db.count("auth_codes").await, 0, "{ctx}: a code was stored");
}

#[tokio::test]
async fn unknown_missing_or_facebook_only_client_ids_get_the_invalid_platform_app_page() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn(&backend).await;
        let db = Db::open(&server).await;
        let msg = format!("{PREFIX}Invalid platform app");
        let base = AuthParams::basic_display();
        for (what, params) in [
            ("unknown client_id", base.clone().set("client_id", "123456")),
            ("missing client_id", base.clone().remove("client_id")),
            ("empty client_id", base.clone().set("client_id", "")),
            (
                "a Facebook-only app",
                base.clone().set("client_id", "990602627938100"),
            ),
            (
                "Basic Display scopes on an Instagram Login-only app",
                base.clone()
                    .set("client_id", LIVE_APP_ID)
                    .set("redirect_uri", LIVE_REDIRECT_URI),
            ),
        ] {
            assert_refused(&server, &db, &params, &msg, &format!("{b}: {what}")).await;
        }
    }
}

#[tokio::test]
async fn every_redirect_uri_near_miss_gets_the_invalid_redirect_uri_page_and_no_location() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn(&backend).await;
        let db = Db::open(&server).await;
        let msg = format!("{PREFIX}Invalid redirect_uri");
        let base = AuthParams::basic_display();
        // Registered: https://socialsizzle.example/auth/ and http://127.0.0.1/cb.
        for uri in [
            "https://socialsizzle.example/auth",
            "https://socialsizzle.example/auth//",
            "https://socialsizzle.example/auth/?x=1",
            "https://socialsizzle.example/AUTH/",
            "https://SocialSizzle.example/auth/",
            "https://socialsizzle.example:444/auth/",
            "https://socialsizzle.example:443/auth/",
            "http://socialsizzle.example/auth/",
            "https://socialsizzle.example@evil.example/auth/",
            "https://evil.example@socialsizzle.example/auth/",
            "https://socialsizzle.example/auth/%2F..",
            "https://socialsizzle.example/auth/../auth/",
            "https://socialsizzle.example/auth/#f",
            "https://socialsizzle.example.evil.example/auth/",
            "http://127.0.0.1:51234/cb/",
            "http://127.0.0.1.evil.example/cb",
            "https://127.0.0.1:51234/cb",
            "http://localhost:51234/cb",
            "http://127.0.0.1:x/cb",
            "",
        ] {
            let params = base.clone().set("redirect_uri", uri);
            assert_refused(&server, &db, &params, &msg, &format!("{b}: {uri:?}")).await;
        }
        let missing = base.clone().remove("redirect_uri");
        assert_refused(&server, &db, &missing, &msg, &format!("{b}: left out")).await;
    }
}

#[tokio::test]
async fn response_type_must_be_code() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn(&backend).await;
        let db = Db::open(&server).await;
        let msg = format!("{PREFIX}Invalid response_type");
        let base = AuthParams::basic_display();
        for (what, params) in [
            ("missing", base.clone().remove("response_type")),
            ("token", base.clone().set("response_type", "token")),
            ("CODE", base.clone().set("response_type", "CODE")),
            (
                "code token",
                base.clone().set("response_type", "code token"),
            ),
        ] {
            assert_refused(&server, &db, &params, &msg, &format!("{b}: {what}")).await;
        }
    }
}

#[tokio::test]
async fn scopes_must_be_known_of_one_family_and_include_the_required_one() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn(&backend).await;
        let db = Db::open(&server).await;
        let base = AuthParams::basic_display();
        for (scope, message) in [
            (None, "Missing required scope user_profile"),
            (Some(""), "Missing required scope user_profile"),
            (Some("user_media"), "Missing required scope user_profile"),
            (
                Some("instagram_business_manage_comments"),
                "Missing required scope instagram_business_basic",
            ),
            (Some("user_profile,foo"), "Invalid scope: foo"),
            (Some("business_basic"), "Invalid scope: business_basic"),
            (
                Some("user_profile,instagram_business_basic"),
                "Invalid scope: Basic Display and Instagram Login scopes cannot be combined",
            ),
        ] {
            let params = match scope {
                None => base.clone().remove("scope"),
                Some(s) => base.clone().set("scope", s),
            };
            let msg = format!("{PREFIX}{message}");
            assert_refused(
                &server,
                &db,
                &params,
                &msg,
                &format!("{b}: scope {scope:?}"),
            )
            .await;
        }
    }
}

#[tokio::test]
async fn repeated_parameters_get_the_duplicate_parameter_page() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn(&backend).await;
        let db = Db::open(&server).await;
        let base = AuthParams::basic_display();
        for (params, message) in [
            (
                base.clone().add("client_id", APP_ID),
                "Duplicate parameter client_id",
            ),
            (
                base.clone().add("app_id", APP_ID),
                "Duplicate parameter client_id/app_id",
            ),
            (
                base.clone().add("redirect_uri", REDIRECT_URI),
                "Duplicate parameter redirect_uri",
            ),
            (
                base.clone().add("state", "other"),
                "Duplicate parameter state",
            ),
        ] {
            let msg = format!("{PREFIX}{message}");
            assert_refused(&server, &db, &params, &msg, &format!("{b}: {message}")).await;
        }
    }
}

#[tokio::test]
async fn app_id_unknown_parameters_and_both_scope_separators_are_accepted() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn(&backend).await;
        let app = server.anonymous();
        let base = AuthParams::basic_display();
        for (what, params) in [
            (
                "app_id instead of client_id",
                base.clone().remove("client_id").set("app_id", APP_ID),
            ),
            ("an unknown parameter", base.clone().add("foo", "bar")),
            (
                "space-separated scopes",
                base.clone().set("scope", "user_profile user_media"),
            ),
            (
                "Instagram Login scopes",
                AuthParams::instagram_login().add("enable_fb_login", "false"),
            ),
        ] {
            for window in [API, WWW] {
                let res = server.anonymous().authorize(window, &params).await;
                let ctx = format!("{b}: {what} on {window}");
                assert_page(&res, 200, &ctx);
                assert!(is_login_page(&res.text), "{ctx}: {}", res.text);
                let (_, q) = hidden_fields(&res.text, &ctx);
                assert_eq!(q, params.query(), "{ctx}: q carries the request as sent");
            }
        }
        // The unknown parameter does not get in the way of the whole flow either.
        let code = server
            .anonymous()
            .authorize_as(
                API,
                &base.clone().add("foo", "bar"),
                TESTER,
                TESTER_PASSWORD,
            )
            .await;
        let res = app.exchange_code(&code).await;
        assert_eq!(res.status, 200, "{b}: {}", res.text);
    }
}

#[tokio::test]
async fn a_registered_loopback_redirect_matches_on_any_port() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn(&backend).await;
        let app = server.anonymous();
        let redirect = "http://127.0.0.1:51234/cb";
        let params = AuthParams::basic_display()
            .set("redirect_uri", redirect)
            .set("state", "loop");
        let br = server.anonymous();
        let consent = br.open_consent(API, &params, TESTER, TESTER_PASSWORD).await;
        let res = br.decide(API, &consent, "allow").await;
        let code = code_of(&res, b);
        assert_eq!(
            res.location(),
            Some(format!("{redirect}?code={code}&state=loop#_").as_str()),
            "{b}"
        );
        // The code is bound to the URI as sent, port included.
        let form = |uri: &'static str| {
            [
                ("client_id", APP_ID),
                ("client_secret", APP_SECRET),
                ("grant_type", "authorization_code"),
                ("redirect_uri", uri),
            ]
        };
        let mut without_port = form("http://127.0.0.1/cb").to_vec();
        without_port.push(("code", &code));
        let res = app.exchange(&without_port).await;
        assert_ig_error(&res, "Invalid redirect_uri", b);
        let mut exact = form(redirect).to_vec();
        exact.push(("code", &code));
        let res = app.exchange(&exact).await;
        assert_eq!(res.status, 200, "{b}: {}", res.text);
    }
}
