//! `POST /api.instagram.com/oauth/access_token`: the three success shapes, every refusal in the
//! flat Instagram envelope, replay and revocation, client and redirect binding, lifetime, PKCE and
//! concurrency (`docs/graph-api.md#code-exchange`, `docs/robustness.md#code-exchange-rules`,
//! `docs/robustness.md#pkce`).

use crate::support::*;
use localgram_testkit::world::*;
use localgram_testkit::{Backend, TestOptions, TestServer, client};
use serde_json::json;

fn form(code: &str) -> Vec<(&'static str, &str)> {
    vec![
        ("client_id", APP_ID),
        ("client_secret", APP_SECRET),
        ("grant_type", "authorization_code"),
        ("redirect_uri", REDIRECT_URI),
        ("code", code),
    ]
}

fn without<'a>(mut f: Vec<(&'static str, &'a str)>, key: &str) -> Vec<(&'static str, &'a str)> {
    f.retain(|(k, _)| *k != key);
    f
}

fn with<'a>(
    f: Vec<(&'static str, &'a str)>,
    key: &'static str,
    value: &'a str,
) -> Vec<(&'static str, &'a str)> {
    let mut f = without(f, key);
    f.push((key, value));
    f
}

fn assert_token_headers(res: &Reply, ctx: &str) {
    assert_eq!(res.header("cache-control"), Some("no-store"), "{ctx}");
    assert_eq!(res.header("pragma"), Some("no-cache"), "{ctx}");
    assert_eq!(
        res.header("content-type"),
        Some("application/json; charset=UTF-8"),
        "{ctx}"
    );
}

#[tokio::test]
async fn basic_display_codes_give_a_flat_token_with_a_numeric_user_id_form_or_multipart() {
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
                2,
            )
            .await;

        let by_form = app.exchange_code(&codes[0]).await;
        let multipart = reqwest::multipart::Form::new()
            .text("client_id", APP_ID)
            .text("client_secret", APP_SECRET)
            .text("grant_type", "authorization_code")
            .text("redirect_uri", REDIRECT_URI)
            .text("code", codes[1].clone());
        let by_multipart = Reply::read(
            client()
                .post(server.url("/api.instagram.com/oauth/access_token"))
                .multipart(multipart)
                .send()
                .await
                .expect("POST failed"),
        )
        .await;

        for (what, res, code) in [
            ("form", by_form, &codes[0]),
            ("multipart", by_multipart, &codes[1]),
        ] {
            let ctx = format!("{b}: {what}");
            let token = access_token_of(&res, &ctx);
            assert!(
                token.starts_with("IGQVJ") && token.len() >= 45,
                "{ctx}: {token}"
            );
            assert_eq!(
                res.text,
                format!("{{\"access_token\":\"{token}\",\"user_id\":17841405793187218}}"),
                "{ctx}: user_id must be a JSON number"
            );
            assert_eq!(
                res.json(),
                json!({"access_token": token, "user_id": 17841405793187218u64})
            );
            assert_token_headers(&res, &ctx);
            // The code is consumed, and the token stored by hash with its lineage.
            assert_eq!(db.code_consumed_at(code).await, Some(NOW_MS), "{ctx}");
            assert_eq!(
                db.count(&format!(
                    "tokens t JOIN auth_codes c ON t.code_id = c.id WHERE t.token_hash = '{}' AND c.code_hash = '{}' AND t.kind = 'instagram_short_lived' AND t.app_id = '{APP_ID}' AND t.user_id = '{TESTER_ID}' AND t.issued_at = {NOW_MS} AND t.expires_at = {} AND t.revoked_at IS NULL",
                    hash(&token),
                    hash(code),
                    NOW_MS + 3_600_000
                ))
                .await,
                1,
                "{ctx}: the stored token"
            );
            assert_me_ok(&server, &token, &ctx).await;
        }
    }
}

#[tokio::test]
async fn instagram_login_codes_give_permissions_flat_or_wrapped_as_the_app_says() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn(&backend).await;
        let app = server.anonymous();
        let scopes = [
            "instagram_business_basic",
            "instagram_business_manage_messages",
        ];

        let code = server
            .mint_codes(APP_ID, BUSINESS, &scopes, REDIRECT_URI, 1)
            .await;
        let res = app.exchange_code(&code[0]).await;
        let token = access_token_of(&res, b);
        assert!(token.starts_with("IGAA"), "{b}: {token}");
        assert_eq!(
            res.text,
            format!(
                "{{\"access_token\":\"{token}\",\"user_id\":17841405822304914,\"permissions\":[\"instagram_business_basic\",\"instagram_business_manage_messages\"]}}"
            ),
            "{b}: flat"
        );
        assert_token_headers(&res, b);

        let code = server
            .mint_codes(LIVE_APP_ID, TESTER, &scopes, LIVE_REDIRECT_URI, 1)
            .await;
        let res = app
            .exchange(&[
                ("client_id", LIVE_APP_ID),
                ("client_secret", LIVE_APP_SECRET),
                ("grant_type", "authorization_code"),
                ("redirect_uri", LIVE_REDIRECT_URI),
                ("code", &code[0]),
            ])
            .await;
        assert_eq!(res.status, 200, "{b}: {}", res.text);
        let body = res.json();
        let token = body["data"][0]["access_token"]
            .as_str()
            .expect("no wrapped token")
            .to_owned();
        assert!(token.starts_with("IGAA"), "{b}: {token}");
        assert_eq!(
            body,
            json!({"data": [{
                "access_token": token,
                "user_id": TESTER_ID,
                "permissions": "instagram_business_basic,instagram_business_manage_messages"
            }]}),
            "{b}: wrapped"
        );
        assert_token_headers(&res, b);
    }
}

#[tokio::test]
async fn missing_or_wrong_client_credentials_are_refused_and_consume_nothing() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn(&backend).await;
        let app = server.anonymous();
        let db = Db::open(&server).await;
        let code = mint_code(&server).await;
        let f = form(&code);
        for (what, body, message) in [
            (
                "missing client_id",
                without(f.clone(), "client_id"),
                "Missing required field client_id",
            ),
            (
                "missing client_secret",
                without(f.clone(), "client_secret"),
                "Missing required field client_secret",
            ),
            (
                "unknown app",
                with(f.clone(), "client_id", "123456789"),
                "Invalid platform app",
            ),
            (
                "wrong secret",
                with(f.clone(), "client_secret", "a1b2c3d4e5f60719"),
                "Error validating client secret",
            ),
            (
                "missing grant_type",
                without(f.clone(), "grant_type"),
                "Missing required field grant_type",
            ),
            (
                "unsupported grant_type",
                with(f.clone(), "grant_type", "password"),
                "Unsupported grant_type: password",
            ),
            (
                "missing code",
                without(f.clone(), "code"),
                "Missing required field code",
            ),
            (
                "unknown code",
                with(f.clone(), "code", "AQnotACodeThatWasEverIssued"),
                "Matching code was not found or was already used",
            ),
            (
                "client_id twice",
                {
                    let mut v = f.clone();
                    v.push(("client_id", APP_ID));
                    v
                },
                "Duplicate field client_id",
            ),
        ] {
            let res = app.exchange(&body).await;
            assert_ig_error(&res, message, &format!("{b}: {what}"));
            assert_eq!(db.code_consumed_at(&code).await, None, "{b}: {what}");
        }
        // A JSON body is the wrong encoding: its fields are not read.
        let res = Reply::read(
            client()
                .post(server.url("/api.instagram.com/oauth/access_token"))
                .json(&json!({
                    "client_id": APP_ID, "client_secret": APP_SECRET,
                    "grant_type": "authorization_code", "redirect_uri": REDIRECT_URI, "code": code
                }))
                .send()
                .await
                .expect("POST failed"),
        )
        .await;
        assert_ig_error(
            &res,
            "Missing required field client_id",
            &format!("{b}: JSON"),
        );
        // A body of a type the endpoint does not take.
        let res = Reply::read(
            client()
                .post(server.url("/api.instagram.com/oauth/access_token"))
                .body("client_id=1")
                .header("content-type", "application/xml")
                .send()
                .await
                .expect("POST failed"),
        )
        .await;
        assert_ig_error(
            &res,
            "Invalid request: unsupported content type \"application/xml\"; send application/x-www-form-urlencoded or multipart/form-data",
            b,
        );
        assert_eq!(db.count("tokens").await, 1, "{b}: only the world's token");
        // The code still works.
        let res = app.exchange_code(&code).await;
        assert_eq!(res.status, 200, "{b}: {}", res.text);
    }
}

#[tokio::test]
async fn client_secret_goes_in_the_body_or_in_http_basic_never_both_never_in_the_query() {
    // base64("990602627938098:a1b2c3d4e5f60718") and base64("990602627938098:not-the-secret").
    let good_basic = || Some("Basic OTkwNjAyNjI3OTM4MDk4OmExYjJjM2Q0ZTVmNjA3MTg=".to_owned());
    let wrong_basic = || Some("Basic OTkwNjAyNjI3OTM4MDk4Om5vdC10aGUtc2VjcmV0".to_owned());
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn(&backend).await;
        let db = Db::open(&server).await;
        let url = server.url("/api.instagram.com/oauth/access_token");
        let codes = server
            .mint_codes(APP_ID, TESTER, &["user_profile"], REDIRECT_URI, 2)
            .await;
        let post = |auth: Option<String>, query: &str, body: Vec<(&'static str, &str)>| {
            let mut req = client().post(format!("{url}{query}")).form(&body);
            if let Some(a) = auth {
                req = req.header("authorization", a);
            }
            async move { Reply::read(req.send().await.expect("POST failed")).await }
        };

        // A wrong secret through Basic: 401 with a Basic challenge.
        let res = post(wrong_basic(), "", without(form(&codes[0]), "client_secret")).await;
        assert_eq!(res.status, 401, "{b}: {}", res.text);
        assert_eq!(
            res.json(),
            json!({"error_type": "OAuthException", "code": 401, "error_message": "Error validating client secret"}),
            "{b}"
        );
        assert_eq!(
            res.header("www-authenticate"),
            Some("Basic realm=\"api.instagram.com\""),
            "{b}"
        );
        assert_token_headers(&res, b);
        // The secret in the URL, with or without a body secret.
        for query in [
            format!("?client_secret={APP_SECRET}"),
            format!("?app_secret={APP_SECRET}"),
        ] {
            for body in [form(&codes[0]), without(form(&codes[0]), "client_secret")] {
                let res = post(None, &query, body).await;
                assert_ig_error(
                    &res,
                    "client_secret must be sent in the request body or an Authorization header, not in the URL",
                    &format!("{b}: {query}"),
                );
            }
        }
        // Basic and a body secret together, or a Basic id other than the body's.
        for body in [
            form(&codes[0]),
            with(
                without(form(&codes[0]), "client_secret"),
                "client_id",
                LIVE_APP_ID,
            ),
        ] {
            let res = post(good_basic(), "", body).await;
            assert_ig_error(
                &res,
                "Client credentials must be sent either in the Authorization header or in the body, not both",
                b,
            );
        }
        assert_eq!(db.code_consumed_at(&codes[0]).await, None, "{b}");

        // Basic alone works (the id may be repeated in the body), and so does the body alone.
        let res = post(good_basic(), "", without(form(&codes[0]), "client_secret")).await;
        assert_eq!(res.status, 200, "{b}: Basic: {}", res.text);
        let res = post(None, "", form(&codes[1])).await;
        assert_eq!(res.status, 200, "{b}: body: {}", res.text);
    }
}

#[tokio::test]
async fn app_id_and_app_secret_are_accepted_in_place_of_client_id_and_client_secret() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn(&backend).await;
        let app = server.anonymous();
        let code = mint_code(&server).await;
        let res = app
            .exchange(&[
                ("app_id", APP_ID),
                ("app_secret", APP_SECRET),
                ("grant_type", "authorization_code"),
                ("redirect_uri", REDIRECT_URI),
                ("code", &code),
            ])
            .await;
        let token = access_token_of(&res, b);
        assert_me_ok(&server, &token, b).await;
        // Both names at once are a duplicate.
        let code = mint_code(&server).await;
        let mut body = form(&code);
        body.push(("app_id", APP_ID));
        let res = app.exchange(&body).await;
        assert_ig_error(&res, "Duplicate field client_id/app_id", b);
    }
}

#[tokio::test]
async fn a_redirect_uri_mismatch_is_refused_without_consuming_the_code() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn(&backend).await;
        let app = server.anonymous();
        let db = Db::open(&server).await;
        let code = mint_code(&server).await;
        for (what, body, message) in [
            (
                "no trailing slash",
                with(
                    form(&code),
                    "redirect_uri",
                    "https://socialsizzle.example/auth",
                ),
                "Invalid redirect_uri",
            ),
            (
                "the other registered URI",
                with(form(&code), "redirect_uri", "http://127.0.0.1/cb"),
                "Invalid redirect_uri",
            ),
            (
                "left out",
                without(form(&code), "redirect_uri"),
                "Missing required field redirect_uri",
            ),
        ] {
            let res = app.exchange(&body).await;
            assert_ig_error(&res, message, &format!("{b}: {what}"));
            assert_eq!(db.code_consumed_at(&code).await, None, "{b}: {what}");
        }
        assert_eq!(db.count("tokens").await, 1, "{b}: a token was issued");
        let res = app.exchange_code(&code).await;
        assert_eq!(res.status, 200, "{b}: {}", res.text);
        let res = app.exchange_code(&code).await;
        assert_ig_error(&res, "Matching code was not found or was already used", b);
    }
}

#[tokio::test]
async fn a_replayed_code_is_refused_and_revokes_every_token_issued_from_it() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn(&backend).await;
        let app = server.anonymous();
        let db = Db::open(&server).await;
        let code = mint_code(&server).await;
        let short = access_token_of(&app.exchange_code(&code).await, b);
        let long = access_token_of(
            &server
                .instagram_user_with_token(&short)
                .exchange_long_lived(APP_SECRET)
                .await,
            b,
        );
        assert_me_ok(&server, &long, b).await;

        server.advance(30);
        let res = app.exchange_code(&code).await;
        assert_ig_error(&res, "Matching code was not found or was already used", b);
        for (what, token) in [("short-lived", &short), ("long-lived", &long)] {
            let res = server.instagram_user_with_token(token).me().await;
            assert_graph_error(&res, invalidated(), &format!("{b}: {what} after replay"));
            assert_eq!(
                db.token_revoked_at(token).await,
                Some(NOW_MS + 30_000),
                "{b}: {what}"
            );
        }
        // The world's token, of the same user and app, is untouched.
        assert_me_ok(&server, LONG_LIVED_TOKEN, b).await;
        assert_eq!(
            db.count("tokens WHERE revoked_at IS NOT NULL").await,
            2,
            "{b}"
        );
    }
}

#[tokio::test]
async fn a_code_presented_by_another_app_is_refused_and_revokes_nothing() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn(&backend).await;
        let app = server.anonymous();
        let db = Db::open(&server).await;
        let codes = server
            .mint_codes(APP_ID, TESTER, &["user_profile"], REDIRECT_URI, 2)
            .await;
        let token = access_token_of(&app.exchange_code(&codes[0]).await, b);
        // App B, with its own valid secret, replays A's used code and tries A's fresh one.
        for code in &codes {
            let body = with(
                with(form(code), "client_id", LIVE_APP_ID),
                "client_secret",
                LIVE_APP_SECRET,
            );
            let res = app.exchange(&body).await;
            assert_ig_error(
                &res,
                "Matching code was not found or was already used",
                &format!("{b}: app B"),
            );
        }
        assert_me_ok(
            &server,
            &token,
            &format!("{b}: A's token after B's attempt"),
        )
        .await;
        assert_eq!(db.token_revoked_at(&token).await, None, "{b}");
        assert_eq!(db.code_consumed_at(&codes[1]).await, None, "{b}");
        // A's fresh code still works for A.
        let res = app.exchange_code(&codes[1]).await;
        assert_eq!(res.status, 200, "{b}: {}", res.text);
    }
}

#[tokio::test]
async fn codes_work_until_one_second_before_their_lifetime_ends() {
    for backend in Backend::all() {
        for ttl in [3600i64, 600] {
            let b = format!("{} ttl {ttl}", backend.name());
            let server = TestServer::spawn_with(TestOptions {
                backend: backend.clone(),
                code_ttl_seconds: ttl,
                ..Default::default()
            })
            .await;
            let app = server.anonymous();
            let db = Db::open(&server).await;
            let codes = server
                .mint_codes(APP_ID, TESTER, &["user_profile"], REDIRECT_URI, 2)
                .await;
            server.advance(ttl - 1);
            let res = app.exchange_code(&codes[0]).await;
            assert_eq!(res.status, 200, "{b}: at TTL-1: {}", res.text);
            server.advance(2);
            let res = app.exchange_code(&codes[1]).await;
            assert_ig_error(&res, "Matching code was not found or was already used", &b);
            assert_eq!(db.code_consumed_at(&codes[1]).await, None, "{b}");
            server.advance(86_400);
            let res = app.exchange_code(&codes[1]).await;
            assert_ig_error(&res, "Matching code was not found or was already used", &b);
        }
    }
}

/// RFC 7636 appendix B.
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const S256_CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

#[tokio::test]
async fn pkce_is_optional_enforced_once_a_challenge_was_sent_and_cannot_be_downgraded() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn(&backend).await;
        let app = server.anonymous();
        let br = server.anonymous();
        let plain = AuthParams::basic_display();
        let s256 = plain
            .clone()
            .set("code_challenge", S256_CHALLENGE)
            .set("code_challenge_method", "S256");
        let plain_method = plain
            .clone()
            .set("code_challenge", VERIFIER)
            .set("code_challenge_method", "plain");
        let bad = "Invalid code_verifier";
        let long = "a".repeat(129);
        let odd = format!("{}!", &VERIFIER[..42]);
        let other = "x".repeat(43);
        let cases: [(&str, &AuthParams, Option<&str>, Option<&str>); 10] = [
            ("S256, right verifier", &s256, Some(VERIFIER), None),
            ("no challenge, no verifier", &plain, None, None),
            ("plain, same string", &plain_method, Some(VERIFIER), None),
            ("S256, wrong verifier", &s256, Some(&other), Some(bad)),
            ("S256, no verifier", &s256, None, Some(bad)),
            (
                "no challenge, a verifier",
                &plain,
                Some(VERIFIER),
                Some(bad),
            ),
            (
                "S256, 42 characters",
                &s256,
                Some(&VERIFIER[..42]),
                Some(bad),
            ),
            ("S256, 129 characters", &s256, Some(&long), Some(bad)),
            ("S256, a '!'", &s256, Some(&odd), Some(bad)),
            (
                "plain, the S256 challenge",
                &plain_method,
                Some(S256_CHALLENGE),
                Some(bad),
            ),
        ];
        for (what, params, verifier, error) in cases {
            let ctx = format!("{b}: {what}");
            let code = br.authorize_as(API, params, TESTER, TESTER_PASSWORD).await;
            let mut body = form(&code);
            if let Some(v) = verifier {
                body.push(("code_verifier", v));
            }
            let res = app.exchange(&body).await;
            match error {
                None => assert_eq!(res.status, 200, "{ctx}: {}", res.text),
                Some(message) => assert_ig_error(&res, message, &ctx),
            }
        }
        // Malformed PKCE parameters at authorize are error pages, never redirects
        // (`docs/robustness.md#authorize-errors`).
        for (params, message) in [
            (
                s256.clone().set("code_challenge_method", "S512"),
                "Unsupported code_challenge_method (use S256 or plain)",
            ),
            (
                plain.clone().set("code_challenge_method", "S256"),
                "code_challenge_method without code_challenge",
            ),
            (
                s256.clone().set("code_challenge", "short"),
                "code_challenge must be 43 to 128 characters of [A-Za-z0-9-._~]",
            ),
        ] {
            let res = br.authorize(API, &params).await;
            assert_error_page(
                &res,
                400,
                &format!("Invalid Request: Request parameters are invalid: {message}"),
                &format!("{b}: {message}"),
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_concurrent_exchanges_of_one_code_yield_exactly_one_token() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn(&backend).await;
        let db = Db::open(&server).await;
        let code = mint_code(&server).await;
        let url = server.url("/api.instagram.com/oauth/access_token");
        let body: Vec<(String, String)> = form(&code)
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        let tasks: Vec<_> = (0..20)
            .map(|_| {
                let (url, body) = (url.clone(), body.clone());
                tokio::spawn(async move {
                    Reply::read(client().post(url).form(&body).send().await.expect("POST")).await
                })
            })
            .collect();
        let mut ok = 0;
        for t in tasks {
            let res = t.await.expect("a task panicked");
            if res.status == 200 {
                ok += 1;
            } else {
                assert_ig_error(&res, "Matching code was not found or was already used", b);
            }
        }
        assert_eq!(ok, 1, "{b}: successful exchanges");
        assert_eq!(
            db.count(&format!(
                "tokens t JOIN auth_codes c ON t.code_id = c.id WHERE c.code_hash = '{}'",
                hash(&code)
            ))
            .await,
            1,
            "{b}: tokens issued from the code"
        );
    }
}

/// Hundreds of exchanges whose clients hang up at every stage (mid-request, just after sending,
/// while the answer is being computed) leave the store taking writes: a fresh code is then minted
/// and exchanged as usual, and every abandoned code was either redeemed with its token or left
/// untouched.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn exchanges_abandoned_at_random_moments_leave_the_store_writable() {
    use tokio::io::AsyncWriteExt;
    const EXCHANGES: usize = 300;
    for backend in Backend::all() {
        let server = spawn(&backend).await;
        let app = server.anonymous();
        let ctx = backend.name();
        let mut codes = Vec::new();
        while codes.len() < EXCHANGES {
            codes.extend(
                server
                    .mint_codes(
                        APP_ID,
                        TESTER,
                        &["user_profile", "user_media"],
                        REDIRECT_URI,
                        50,
                    )
                    .await,
            );
        }
        let addr = server
            .url("")
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_owned();
        // A fixed sequence of "random" moments, so a failure replays the same way.
        let mut seed: u64 = 0x5eed_1234_abcd_0042;
        let mut next = move || {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            seed >> 33
        };
        let tasks: Vec<_> = codes
            .iter()
            .map(|code| {
                let body = format!(
                    "client_id={APP_ID}&client_secret={APP_SECRET}&grant_type=authorization_code\
                     &redirect_uri={}&code={code}",
                    encode(REDIRECT_URI)
                );
                let request = format!(
                    "POST /api.instagram.com/oauth/access_token HTTP/1.1\r\nhost: {addr}\r\n\
                     content-type: application/x-www-form-urlencoded\r\n\
                     content-length: {}\r\n\r\n{body}",
                    body.len()
                );
                // Hang up after a prefix of the request, or after all of it and a wait of
                // 0 to 3 ms while the server works on it.
                let cut = match next() % 4 {
                    0 => (next() as usize) % request.len(),
                    _ => request.len(),
                };
                let wait = std::time::Duration::from_micros(next() % 3000);
                let addr = addr.clone();
                tokio::spawn(async move {
                    let mut socket = tokio::net::TcpStream::connect(&addr).await.unwrap();
                    socket.write_all(&request.as_bytes()[..cut]).await.unwrap();
                    tokio::time::sleep(wait).await;
                    drop(socket);
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }

        // The store takes writes: a fresh code is minted and exchanged.
        let code = mint_code(&server).await;
        let token = access_token_of(&app.exchange_code(&code).await, ctx);
        assert_me_ok(&server, &token, ctx).await;
        // Every abandoned exchange is whole at any moment: a code is consumed exactly when a
        // token exists for it (what a hung-up client started is finished or not done at all).
        let db = Db::open(&server).await;
        assert_eq!(
            db.count(
                "auth_codes AS c WHERE (c.consumed_at IS NULL) = \
                 EXISTS (SELECT 1 FROM tokens WHERE code_id = c.id)"
            )
            .await,
            0,
            "{ctx}: a code consumed without its token, or a token without its code consumed"
        );
    }
}
