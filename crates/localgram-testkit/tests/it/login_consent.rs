//! The authorization window in a browser: login page, login POST, consent page, Allow and Cancel,
//! the tester rule, CSRF and `force_reauth` (`docs/graph-api.md#authorize-redirects`,
//! `docs/robustness.md#browser-forms`).

use crate::support::*;
use localgram_testkit::world::*;
use localgram_testkit::{Backend, client};

const WRONG_PASSWORD: &str =
    "Sorry, your password was incorrect. Please double-check your password.";

#[tokio::test]
async fn allow_redirects_with_a_303_carrying_the_code_the_state_byte_for_byte_and_the_fragment() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn(&backend).await;
        let app = server.anonymous();
        let db = Db::open(&server).await;
        let state = "a b&c=d/é?#+%";
        let params = AuthParams::basic_display().set("state", state);
        let br = server.anonymous();

        let login = br.authorize(API, &params).await;
        assert_page(&login, 200, b);
        assert!(is_login_page(&login.text), "{b}: {}", login.text);
        assert!(
            login.text.contains("Log in to continue to Social Sizzle"),
            "{b}"
        );
        let cookie = login.header("set-cookie").expect("no session cookie");
        assert!(cookie.starts_with("lg_session="), "{b}: {cookie}");
        for attr in ["HttpOnly", "SameSite=Lax", "Path=/"] {
            assert!(cookie.contains(attr), "{b}: {cookie} lacks {attr}");
        }
        let (_, q) = hidden_fields(&login.text, b);
        assert_eq!(q, params.query(), "{b}: q is the request as sent");

        let res = br.submit_login(API, &login, TESTER, TESTER_PASSWORD).await;
        assert_eq!(res.status, 303, "{b}: {}", res.text);
        assert_page_headers(&res.headers, b);
        let back = format!("{API}/oauth/authorize?{}", params.query());
        assert_eq!(res.location(), Some(back.as_str()), "{b}");

        let consent = br.get(&back).await;
        assert_page(&consent, 200, b);
        assert!(is_consent_page(&consent.text), "{b}: {}", consent.text);
        assert_eq!(
            element_text(&consent.text, "username").as_deref(),
            Some(TESTER)
        );
        let listed: Vec<&str> = consent
            .text
            .split("<li><strong>")
            .skip(1)
            .filter_map(|s| s.split('<').next())
            .collect();
        assert_eq!(listed, ["user_profile", "user_media"], "{b}");
        assert_eq!(
            db.count("auth_codes").await,
            0,
            "{b}: a code before consent"
        );

        let res = br.decide(API, &consent, "allow").await;
        assert_page_headers(&res.headers, b);
        let code = code_of(&res, b);
        assert_eq!(
            res.location(),
            Some(
                format!(
                    "https://socialsizzle.example/auth/?code={code}&state=a+b%26c%3Dd%2F%C3%A9%3F%23%2B%25#_"
                )
                .as_str()
            ),
            "{b}"
        );
        let location = res.location().unwrap_or_default();
        assert_eq!(
            localgram_testkit::query_value(location, "state").as_deref(),
            Some(state),
            "{b}"
        );

        let row = format!("auth_codes WHERE code_hash = '{}'", hash(&code));
        assert_eq!(db.count("auth_codes").await, 1, "{b}");
        assert_eq!(
            db.count(&format!(
                "{row} AND app_id = '{APP_ID}' AND user_id = '{TESTER_ID}' AND redirect_uri = '{REDIRECT_URI}' AND issued_at = {NOW_MS} AND expires_at = {} AND consumed_at IS NULL",
                NOW_MS + 3_600_000
            ))
            .await,
            1,
            "{b}: the stored code"
        );
        let res = app.exchange_code(&code).await;
        assert_eq!(res.status, 200, "{b}: {}", res.text);
    }
}

#[tokio::test]
async fn cancel_redirects_with_access_denied_and_the_state_and_issues_nothing() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn(&backend).await;
        let db = Db::open(&server).await;
        let br = server.anonymous();
        for (state, expected_state) in [(Some("st-1"), "&state=st-1"), (None, "")] {
            let params = match state {
                Some(s) => AuthParams::basic_display().set("state", s),
                None => AuthParams::basic_display().remove("state"),
            };
            let consent = br.open_consent(API, &params, TESTER, TESTER_PASSWORD).await;
            let res = br.decide(API, &consent, "cancel").await;
            assert_eq!(res.status, 303, "{b}: {}", res.text);
            assert_page_headers(&res.headers, b);
            assert_eq!(
                res.location(),
                Some(
                    format!(
                        "https://socialsizzle.example/auth/?error=access_denied&error_reason=user_denied&error_description=The+user+denied+your+request{expected_state}"
                    )
                    .as_str()
                ),
                "{b}"
            );
        }
        assert_eq!(db.count("auth_codes").await, 0, "{b}");
    }
}

#[tokio::test]
async fn a_wrong_password_shows_the_error_keeps_the_username_and_logs_nobody_in() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn(&backend).await;
        let db = Db::open(&server).await;
        let params = AuthParams::basic_display();
        let br = server.anonymous();
        let mut page = br.authorize(API, &params).await;
        // The second attempt posts the form of the page the first one answered with.
        for (username, password) in [(TESTER, "wrong horse"), ("nobody.here", "whatever")] {
            let res = br.submit_login(API, &page, username, password).await;
            let ctx = format!("{b}: {username}");
            assert_page(&res, 401, &ctx);
            assert!(is_login_page(&res.text), "{ctx}");
            assert_eq!(
                element_text(&res.text, "login-error").as_deref(),
                Some(WRONG_PASSWORD),
                "{ctx}"
            );
            assert!(
                res.text.contains(&format!("value=\"{username}\"")),
                "{ctx}: the username is not kept: {}",
                res.text
            );
            assert!(
                !res.text.contains(password),
                "{ctx}: the password is echoed"
            );
            let (_, q) = hidden_fields(&res.text, &ctx);
            assert_eq!(q, params.query(), "{ctx}");
            page = res;
        }
        let again = br.authorize(API, &params).await;
        assert_page(&again, 200, b);
        assert!(
            is_login_page(&again.text),
            "{b}: logged in after a bad password"
        );
        assert_eq!(db.count("auth_codes").await, 0, "{b}");
        assert_eq!(db.count("tokens").await, 1, "{b}: only the world's token");
    }
}

#[tokio::test]
async fn invited_testers_and_strangers_get_insufficient_developer_role_and_no_code() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn(&backend).await;
        let db = Db::open(&server).await;
        let params = AuthParams::basic_display();
        for (user, password) in [(INVITED, INVITED_PASSWORD), (STRANGER, STRANGER_PASSWORD)] {
            let ctx = format!("{b}: {user}");
            let br = server.anonymous();
            let page = br.authorize(API, &params).await;
            let res = br.submit_login(API, &page, user, password).await;
            assert_eq!(res.status, 303, "{ctx}: {}", res.text);
            let res = br.get(res.location().unwrap_or_default()).await;
            assert_error_page(&res, 400, "Insufficient developer role", &ctx);
            // Posting a consent form anyway changes nothing.
            let forged = br
                .post_form(
                    &format!("{API}/oauth/authorize"),
                    &[("q", &params.query()), ("decision", "allow")],
                )
                .await;
            assert_eq!(forged.status, 403, "{ctx}: {}", forged.text);
        }
        assert_eq!(db.count("auth_codes").await, 0, "{b}");
        // A live app has no tester rule: the stranger may authorize it.
        let live = AuthParams::instagram_login()
            .set("client_id", LIVE_APP_ID)
            .set("redirect_uri", LIVE_REDIRECT_URI);
        let code = server
            .anonymous()
            .authorize_as(WWW, &live, STRANGER, STRANGER_PASSWORD)
            .await;
        assert_eq!(db.count("auth_codes").await, 1, "{b}: {code}");
    }
}

#[tokio::test]
async fn csrf_failures_and_cross_site_posts_get_403_and_issue_no_code() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn(&backend).await;
        let db = Db::open(&server).await;
        let params = AuthParams::basic_display();
        let consent_path = format!("{API}/oauth/authorize");
        let consent_url = server.url(&consent_path);
        let login_path = format!("{API}/oauth/authorize/login");
        let invalid = "The form's security token is invalid or was already used. Reload the page and try again.";

        // Browser A logs in; its first CSRF token (the login page's) is now used.
        let a = server.anonymous();
        let login_page = a.authorize(API, &params).await;
        let (login_csrf, q) = hidden_fields(&login_page.text, b);
        let res = a
            .submit_login(API, &login_page, TESTER, TESTER_PASSWORD)
            .await;
        assert_eq!(res.status, 303, "{b}");
        let consent = a.authorize(API, &params).await;
        let (consent_csrf, _) = hidden_fields(&consent.text, b);

        // No token at all.
        let res = a
            .post_form(&consent_path, &[("q", &q), ("decision", "allow")])
            .await;
        assert_error_page(
            &res,
            403,
            "The form is missing its security token. Reload the page and try again.",
            &format!("{b}: no token"),
        );
        // A token already used (the login form's).
        let res = a
            .post_form(
                &consent_path,
                &[("csrf", &login_csrf), ("q", &q), ("decision", "allow")],
            )
            .await;
        assert_error_page(&res, 403, invalid, &format!("{b}: reused token"));
        // A made-up token.
        let res = a
            .post_form(
                &consent_path,
                &[
                    ("csrf", "x".repeat(43).as_str()),
                    ("q", &q),
                    ("decision", "allow"),
                ],
            )
            .await;
        assert_error_page(&res, 403, invalid, &format!("{b}: made-up token"));

        // Browser B, logged in too, presents A's unused consent token.
        let bb = server.anonymous();
        let _ = bb.open_consent(API, &params, TESTER, TESTER_PASSWORD).await;
        let res = bb
            .post_form(
                &consent_path,
                &[("csrf", &consent_csrf), ("q", &q), ("decision", "allow")],
            )
            .await;
        assert_error_page(&res, 403, invalid, &format!("{b}: another browser's token"));
        // The same on the login form.
        let res = bb
            .post_form(
                &login_path,
                &[
                    ("csrf", &consent_csrf),
                    ("q", &q),
                    ("username", TESTER),
                    ("password", TESTER_PASSWORD),
                ],
            )
            .await;
        assert_error_page(
            &res,
            403,
            invalid,
            &format!("{b}: another browser's token, login"),
        );

        // No session cookie at all.
        let res = post_form(
            &client(),
            &consent_url,
            &[("csrf", &consent_csrf), ("q", &q), ("decision", "allow")],
        )
        .await;
        assert_error_page(
            &res,
            403,
            "Your session has expired. Go back to the app and start again.",
            &format!("{b}: no session"),
        );

        // A cross-site or opaque Origin, with a valid token of this browser.
        for origin in ["https://evil.example", "null"] {
            let consent = a.authorize(API, &params).await;
            let (csrf, _) = hidden_fields(&consent.text, b);
            let res = Reply::send(a.http().post(&consent_url).header("origin", origin).form(&[
                ("csrf", csrf.as_str()),
                ("q", &q),
                ("decision", "allow"),
            ]))
            .await;
            assert_error_page(
                &res,
                403,
                "This form was sent from another site and was refused.",
                &format!("{b}: Origin {origin}"),
            );
        }
        assert_eq!(
            db.count("auth_codes").await,
            0,
            "{b}: a refused form issued a code"
        );

        // The same-origin POST with A's still unused consent token works, exactly once.
        let form = [
            ("csrf", consent_csrf.as_str()),
            ("q", q.as_str()),
            ("decision", "allow"),
        ];
        let res = Reply::send(
            a.http()
                .post(&consent_url)
                .header("origin", server.base.as_str())
                .form(&form),
        )
        .await;
        let _ = code_of(&res, b);
        let res = a.post_form(&consent_path, &form).await;
        assert_error_page(&res, 403, invalid, &format!("{b}: token replayed"));
        assert_eq!(db.count("auth_codes").await, 1, "{b}");
    }
}

#[tokio::test]
async fn force_reauth_on_the_www_window_asks_again_for_a_login_older_than_two_minutes() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn(&backend).await;
        let br = server.anonymous();
        let params = AuthParams::instagram_login();
        let reauth = params.clone().set("force_reauth", "true");
        let _ = br.open_consent(WWW, &params, TESTER, TESTER_PASSWORD).await;

        server.advance(60);
        let page = br.authorize(WWW, &reauth).await;
        assert_page(&page, 200, b);
        assert!(
            is_consent_page(&page.text),
            "{b}: a 1-minute-old login is fresh"
        );

        server.advance(61);
        let page = br.authorize(WWW, &reauth).await;
        assert_page(&page, 200, b);
        assert!(
            is_login_page(&page.text),
            "{b}: a 2-minute-old login is stale"
        );
        // Without force_reauth, and on the api window (which ignores it), the login still holds.
        for (window, p) in [(WWW, &params), (API, &reauth)] {
            let page = br.authorize(window, p).await;
            assert!(is_consent_page(&page.text), "{b}: {window}");
        }
        // Logging in again satisfies force_reauth.
        let res = br.submit_login(WWW, &page, TESTER, TESTER_PASSWORD).await;
        assert_eq!(res.status, 303, "{b}");
        let code = br.authorize_as(WWW, &reauth, TESTER, TESTER_PASSWORD).await;
        assert!(code.starts_with("AQ"), "{b}");
    }
}

#[tokio::test]
async fn switching_account_logs_out_and_shows_the_login_page() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn(&backend).await;
        let br = server.anonymous();
        let params = AuthParams::basic_display();
        let consent = br.open_consent(API, &params, TESTER, TESTER_PASSWORD).await;
        let (csrf, q) = hidden_fields(&consent.text, b);
        let res = br
            .post_form(
                &format!("{API}/oauth/authorize/logout"),
                &[("csrf", &csrf), ("q", &q)],
            )
            .await;
        assert_eq!(res.status, 303, "{b}: {}", res.text);
        let back = format!("{API}/oauth/authorize?{}", params.query());
        assert_eq!(res.location(), Some(back.as_str()), "{b}");
        let page = br.get(&back).await;
        assert!(is_login_page(&page.text), "{b}: still logged in");
        // Another account then logs in on the same browser.
        let consent = br
            .open_consent(API, &params, BUSINESS, BUSINESS_PASSWORD)
            .await;
        assert_eq!(
            element_text(&consent.text, "username").as_deref(),
            Some(BUSINESS)
        );
    }
}
