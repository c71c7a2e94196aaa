//! `GET /graph.instagram.com/access_token` (short → long) and `GET /refresh_access_token`
//! (`docs/graph-api.md#long-lived-exchange`, `docs/graph-api.md#refresh`,
//! `docs/graph-api.md#token-lifetimes`, `docs/robustness.md#malformed-tokens`).

use crate::support::*;
use localgram_testkit::world::*;
use localgram_testkit::{Backend, client};
use serde_json::json;

/// Asserts a token response and returns the new token.
fn assert_long_lived(res: &Reply, prefix: &str, ctx: &str) -> String {
    let token = access_token_of(res, ctx);
    assert!(
        token.starts_with(prefix) && token.len() >= 45,
        "{ctx}: {token}"
    );
    assert_eq!(
        res.json(),
        json!({"access_token": token, "token_type": "bearer", "expires_in": 5_184_000}),
        "{ctx}"
    );
    assert_eq!(res.header("cache-control"), Some("no-store"), "{ctx}");
    assert_eq!(res.header("pragma"), Some("no-cache"), "{ctx}");
    assert_eq!(res.header("facebook-api-version"), Some("v22.0"), "{ctx}");
    token
}

#[tokio::test]
async fn a_short_lived_token_is_exchanged_for_a_sixty_day_token_as_often_as_asked() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn(&backend).await;
        let app = server.anonymous();
        let db = Db::open(&server).await;
        let short = server.instagram_tester().await;
        let res = short.exchange_long_lived(APP_SECRET).await;
        let long = assert_long_lived(&res, "IGQVJ", b);
        assert_eq!(
            db.count(&format!(
                "tokens WHERE token_hash = '{}' AND kind = 'instagram_long_lived' AND issued_at = {NOW_MS} AND expires_at = {}",
                hash(&long),
                NOW_MS + 5_184_000_000
            ))
            .await,
            1,
            "{b}: the stored long-lived token"
        );
        assert_me_ok(&server, &long, b).await;
        // Meta has no once-only rule: a second exchange answers another 60-day token, and
        // both work.
        let res = short.exchange_long_lived(APP_SECRET).await;
        let again = assert_long_lived(&res, "IGQVJ", &format!("{b}: second exchange"));
        assert_ne!(again, long, "{b}");
        assert_me_ok(&server, &again, b).await;
        assert_me_ok(&server, &long, b).await;
        // Instagram Login tokens keep their IGAA prefix.
        let code = server
            .mint_codes(
                APP_ID,
                BUSINESS,
                &["instagram_business_basic"],
                REDIRECT_URI,
                1,
            )
            .await;
        let short = server
            .instagram_user_with_token(&access_token_of(&app.exchange_code(&code[0]).await, b));
        let res = short.exchange_long_lived(APP_SECRET).await;
        assert_long_lived(&res, "IGAA", b);
    }
}

#[tokio::test]
async fn the_exchange_refuses_a_wrong_secret_a_long_lived_token_and_a_missing_grant_type() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn(&backend).await;
        let short = server.instagram_tester().await;
        let res = short.exchange_long_lived("a1b2c3d4e5f60719").await;
        assert_graph_error(
            &res,
            graph_error(
                100,
                None,
                "OAuthException",
                "Error validating client secret",
            ),
            &format!("{b}: wrong secret"),
        );
        let res = server
            .instagram_user_with_token(LONG_LIVED_TOKEN)
            .exchange_long_lived(APP_SECRET)
            .await;
        assert_graph_error(
            &res,
            graph_error(
                100,
                None,
                "OAuthException",
                "(#100) Only short-lived access tokens can be exchanged for long-lived ones",
            ),
            &format!("{b}: long-lived input"),
        );
        let res = short
            .get(&format!("/access_token?client_secret={APP_SECRET}"))
            .await;
        assert_graph_error(
            &res,
            graph_error(
                100,
                None,
                "OAuthException",
                "(#100) Missing grant_type parameter: ig_exchange_token is required",
            ),
            &format!("{b}: no grant_type"),
        );
        // None of these used the token up.
        let res = short.exchange_long_lived(APP_SECRET).await;
        assert_long_lived(&res, "IGQVJ", b);
    }
}

#[tokio::test]
async fn an_expired_short_lived_token_gets_190_463_with_both_times_in_pacific_time() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn(&backend).await;
        let short = server.instagram_tester().await;
        server.advance(3599);
        assert_me_ok(&server, short.token(), &format!("{b}: at 3599 s")).await;
        server.advance(2);
        let expected = expired(
            "Friday, 20-Nov-26 05:00:00 PST",
            "Friday, 20-Nov-26 05:00:01 PST",
        );
        let res = short.exchange_long_lived(APP_SECRET).await;
        assert_graph_error(&res, expected.clone(), &format!("{b}: exchange"));
        let res = short.me().await;
        assert_graph_error(&res, expected.clone(), &format!("{b}: /me"));
        let res = short.refresh().await;
        assert_graph_error(&res, expected, &format!("{b}: refresh"));
    }
}

#[tokio::test]
async fn the_worlds_long_lived_token_refreshes_and_both_tokens_live_until_their_own_expiry() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn(&backend).await;
        let db = Db::open(&server).await;
        let res = server
            .instagram_user_with_token(LONG_LIVED_TOKEN)
            .refresh()
            .await;
        let fresh = assert_long_lived(&res, "IGQVJ", b);
        assert_ne!(fresh, LONG_LIVED_TOKEN, "{b}");
        assert_eq!(
            db.count(&format!(
                "tokens WHERE token_hash = '{}' AND kind = 'instagram_long_lived' AND issued_at = {NOW_MS} AND expires_at = {} AND parent_id IS NOT NULL",
                hash(&fresh),
                NOW_MS + 5_184_000_000
            ))
            .await,
            1,
            "{b}"
        );
        assert_me_ok(&server, LONG_LIVED_TOKEN, &format!("{b}: old")).await;
        assert_me_ok(&server, &fresh, &format!("{b}: new")).await;
        // The same token refreshes again (a cron job, or two machines sharing it), each time
        // for 60 days from the refresh; so does the newer one.
        server.advance(3_600);
        let res = server
            .instagram_user_with_token(LONG_LIVED_TOKEN)
            .refresh()
            .await;
        let again = assert_long_lived(&res, "IGQVJ", &format!("{b}: second refresh"));
        assert_eq!(
            db.count(&format!(
                "tokens WHERE token_hash = '{}' AND expires_at = {}",
                hash(&again),
                NOW_MS + 3_600_000 + 5_184_000_000
            ))
            .await,
            1,
            "{b}: 60 days from the second refresh"
        );
        assert_me_ok(&server, &again, &format!("{b}: twice refreshed")).await;
        server.advance(86_400);
        let res = server.instagram_user_with_token(&fresh).refresh().await;
        assert_long_lived(
            &res,
            "IGQVJ",
            &format!("{b}: the newer token refreshes too"),
        );
        server.advance(-3_600 - 86_400);
        // The world's token (issued 2026-11-01) expires on 2026-12-31T00:00:00Z.
        server.advance(3_499_201);
        let res = server
            .instagram_user_with_token(LONG_LIVED_TOKEN)
            .me()
            .await;
        assert_graph_error(
            &res,
            expired(
                "Wednesday, 30-Dec-26 16:00:00 PST",
                "Wednesday, 30-Dec-26 16:00:01 PST",
            ),
            &format!("{b}: old after its expiry"),
        );
        let res = server
            .instagram_user_with_token(LONG_LIVED_TOKEN)
            .refresh()
            .await;
        assert_graph_error(
            &res,
            expired(
                "Wednesday, 30-Dec-26 16:00:00 PST",
                "Wednesday, 30-Dec-26 16:00:01 PST",
            ),
            &format!("{b}: refresh after expiry"),
        );
        assert_me_ok(
            &server,
            &fresh,
            &format!("{b}: new after the old one's expiry"),
        )
        .await;
    }
}

#[tokio::test]
async fn a_long_lived_token_refreshes_only_after_24_hours_and_a_short_lived_one_never() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn(&backend).await;
        let short = server.instagram_tester().await;
        let res = short.refresh().await;
        assert_graph_error(
            &res,
            graph_error(
                100,
                None,
                "OAuthException",
                "(#100) Only long-lived access tokens can be refreshed",
            ),
            &format!("{b}: short-lived"),
        );
        let long = access_token_of(&short.exchange_long_lived(APP_SECRET).await, b);
        let too_early = graph_error(
            100,
            None,
            "OAuthException",
            "(#100) The access token can be refreshed only 24 hours after it was issued",
        );
        let res = server.instagram_user_with_token(&long).refresh().await;
        assert_graph_error(&res, too_early.clone(), &format!("{b}: fresh"));
        server.advance(86_340);
        let res = server.instagram_user_with_token(&long).refresh().await;
        assert_graph_error(&res, too_early, &format!("{b}: 23 h 59 min"));
        assert_me_ok(&server, &long, &format!("{b}: unchanged by the refusals")).await;
        server.advance(60);
        let res = server.instagram_user_with_token(&long).refresh().await;
        let fresh = assert_long_lived(&res, "IGQVJ", &format!("{b}: 24 h"));
        assert_me_ok(&server, &long, b).await;
        assert_me_ok(&server, &fresh, b).await;
        // Missing grant_type.
        let res = server
            .instagram_user_with_token(&fresh)
            .get("/refresh_access_token")
            .await;
        assert_graph_error(
            &res,
            graph_error(
                100,
                None,
                "OAuthException",
                "(#100) Missing grant_type parameter: ig_refresh_token is required",
            ),
            b,
        );
    }
}

#[tokio::test]
async fn versioned_paths_are_served_and_name_their_version_and_v2_0_is_retired() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn(&backend).await;
        let tester = server.instagram_user_with_token(LONG_LIVED_TOKEN);
        for (version, served) in [
            ("/v21.0", "v21.0"),
            ("/v3.1", "v3.1"),
            ("/v26.0", "v26.0"),
            ("", "v22.0"),
        ] {
            let res = tester
                .get(&format!("{version}/me?fields=id,username"))
                .await;
            let ctx = format!("{b}: {version:?}");
            assert_eq!(res.status, 200, "{ctx}: {}", res.text);
            assert_eq!(
                res.json(),
                json!({"id": TESTER_ID, "username": TESTER}),
                "{ctx}"
            );
            assert_eq!(res.header("facebook-api-version"), Some(served), "{ctx}");
        }
        let res = tester
            .get("/v21.0/refresh_access_token?grant_type=ig_refresh_token")
            .await;
        assert_eq!(res.status, 200, "{b}: versioned refresh: {}", res.text);
        assert_eq!(res.header("facebook-api-version"), Some("v21.0"), "{b}");
        for old in ["v2.0", "v1.0"] {
            let res = tester.get(&format!("/{old}/me")).await;
            assert_graph_error(
                &res,
                graph_error(
                    2635,
                    None,
                    "OAuthException",
                    "(#2635) You are calling a deprecated version of the Graph API. Please update to the latest version",
                ),
                &format!("{b}: {old}"),
            );
        }
    }
}

/// Sends the same GET 20 times at once; returns the 200 bodies' tokens and the error replies.
async fn race(url: String) -> (Vec<String>, Vec<Reply>) {
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let url = url.clone();
            tokio::spawn(async move { get(&client(), &url).await })
        })
        .collect();
    let (mut tokens, mut errors) = (Vec::new(), Vec::new());
    for t in tasks {
        let res = t.await.expect("a task panicked");
        if res.status == 200 {
            tokens.push(access_token_of(&res, "race"));
        } else {
            errors.push(res);
        }
    }
    (tokens, errors)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_concurrent_exchanges_or_refreshes_of_one_token_all_succeed() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn(&backend).await;
        let db = Db::open(&server).await;
        let short = server.instagram_tester().await;
        let (tokens, errors) = race(server.url(&format!(
            "/graph.instagram.com/access_token?grant_type=ig_exchange_token&client_secret={APP_SECRET}&access_token={}",
                short.token()
        )))
        .await;
        assert!(errors.is_empty(), "{b}: no exchange fails: {errors:?}");
        assert_eq!(tokens.len(), 20, "{b}: exchanges that succeeded");
        let (refreshed, errors) = race(server.url(&format!(
            "/graph.instagram.com/refresh_access_token?grant_type=ig_refresh_token&access_token={LONG_LIVED_TOKEN}"
        )))
        .await;
        assert!(errors.is_empty(), "{b}: no refresh fails: {errors:?}");
        assert_eq!(refreshed.len(), 20, "{b}: refreshes that succeeded");
        let distinct: std::collections::HashSet<_> = tokens.iter().chain(&refreshed).collect();
        assert_eq!(
            distinct.len(),
            40,
            "{b}: each call answered a token of its own"
        );
        assert_eq!(
            db.count("tokens WHERE kind = 'instagram_long_lived'").await,
            41,
            "{b}: the world's token and one new token per call"
        );
    }
}
