//! `GET /graph.instagram.com/me` and `/{user-id}`: token transport, malformed tokens, fields and
//! Host-header routing (`docs/graph-api.md#hosts`, `docs/graph-api.md#token-transport`,
//! `docs/graph-api.md#user-node`, `docs/graph-api.md#errors`,
//! `docs/robustness.md#malformed-tokens`, `docs/robustness.md#token-presentation`).

use crate::support::*;
use localgram_testkit::world::*;
use localgram_testkit::{Backend, client};
use serde_json::json;

#[tokio::test]
async fn me_answers_the_requested_fields_of_the_token_owner() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn(&backend).await;
        let tester = server.instagram_user_with_token(LONG_LIVED_TOKEN);
        for (fields, expected) in [
            (
                "id,username,account_type,media_count",
                json!({"id": TESTER_ID, "username": TESTER, "account_type": "PERSONAL", "media_count": 2}),
            ),
            (
                "account_type, id, media_count, username",
                json!({"account_type": "PERSONAL", "id": TESTER_ID, "media_count": 2, "username": TESTER}),
            ),
            ("username", json!({"username": TESTER, "id": TESTER_ID})),
        ] {
            let res = tester.me_fields(&encode(fields)).await;
            let ctx = format!("{b}: fields={fields}");
            assert_eq!(res.status, 200, "{ctx}: {}", res.text);
            assert_eq!(res.json(), expected, "{ctx}");
            assert_eq!(
                res.header("content-type"),
                Some("application/json; charset=UTF-8"),
                "{ctx}"
            );
            assert_eq!(
                res.header("cache-control"),
                Some("private, no-store"),
                "{ctx}"
            );
            assert_eq!(res.header("facebook-api-version"), Some("v22.0"), "{ctx}");
        }
        // The same node by id.
        let res = tester
            .get(&format!("/{TESTER_ID}?fields=id,username"))
            .await;
        assert_eq!(res.status, 200, "{b}: {}", res.text);
        assert_eq!(
            res.json(),
            json!({"id": TESTER_ID, "username": TESTER}),
            "{b}"
        );
    }
}

#[tokio::test]
async fn unknown_fields_and_other_users_get_graph_errors() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn(&backend).await;
        let tester = server.instagram_user_with_token(LONG_LIVED_TOKEN);
        let res = tester.me_fields("id,foo").await;
        assert_graph_error(
            &res,
            graph_error(
                100,
                None,
                "OAuthException",
                "(#100) Tried accessing nonexisting field (foo) on node type (User)",
            ),
            &format!("{b}: unknown field"),
        );
        for id in [BUSINESS_ID, "17841499999999999"] {
            let res = tester.get(&format!("/{id}")).await;
            assert_graph_error(
                &res,
                graph_error(
                    100,
                    Some(33),
                    "IGApiException",
                    &format!(
                        "Unsupported get request. Object with ID '{id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation"
                    ),
                ),
                &format!("{b}: user {id}"),
            );
        }
    }
}

#[tokio::test]
async fn missing_tokens_get_2500_on_me_and_104_on_an_id() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn(&backend).await;
        for path in [
            "/graph.instagram.com/me",
            "/graph.instagram.com/v21.0/me?fields=id",
        ] {
            let res = get(&client(), &server.url(path)).await;
            assert_graph_error(
                &res,
                graph_error(
                    2500,
                    None,
                    "OAuthException",
                    "An active access token must be used to query information about the current user.",
                ),
                &format!("{b}: {path}"),
            );
        }
        let res = get(
            &client(),
            &server.url(&format!("/graph.instagram.com/{TESTER_ID}")),
        )
        .await;
        assert_graph_error(
            &res,
            graph_error(
                104,
                None,
                "OAuthException",
                "An access token is required to request this resource.",
            ),
            &format!("{b}: /{{id}}"),
        );
    }
}

#[tokio::test]
async fn tokens_that_are_not_instagram_tokens_get_190_cannot_parse_with_a_challenge() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn(&backend).await;
        let flipped = format!("{}e", &LONG_LIVED_TOKEN[..LONG_LIVED_TOKEN.len() - 1]);
        let cases = [
            ("empty", String::new()),
            ("abc", "abc".to_owned()),
            ("10 KB", "IGQVJ".repeat(2048)),
            ("a Facebook token", "EAAGm0PX4ZCpsBAKZCZA".to_owned()),
            ("a flipped last character", flipped),
            ("a NUL byte", "%00IGQVJabc".to_owned()),
            ("a non-UTF-8 byte", "IGQVJ%FF%FE".to_owned()),
        ];
        for (what, raw) in cases {
            let res = get(
                &client(),
                &server.url(&format!("/graph.instagram.com/me?access_token={raw}")),
            )
            .await;
            assert_graph_error(&res, cannot_parse(), &format!("{b}: {what}"));
        }
        // The same through the Authorization header.
        let res = Reply::read(
            client()
                .get(server.url("/graph.instagram.com/me"))
                .bearer_auth("EAAGm0PX4ZCpsBAKZCZA")
                .send()
                .await
                .expect("GET failed"),
        )
        .await;
        assert_graph_error(&res, cannot_parse(), &format!("{b}: Bearer EAA…"));
    }
}

#[tokio::test]
async fn bearer_and_oauth_headers_work_and_a_token_sent_twice_is_refused() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn(&backend).await;
        let url = server.url("/graph.instagram.com/me?fields=id,username");
        for scheme in ["Bearer", "OAuth", "bearer"] {
            let res = Reply::read(
                client()
                    .get(&url)
                    .header("authorization", format!("{scheme} {LONG_LIVED_TOKEN}"))
                    .send()
                    .await
                    .expect("GET failed"),
            )
            .await;
            let ctx = format!("{b}: {scheme}");
            assert_eq!(res.status, 200, "{ctx}: {}", res.text);
            assert_eq!(
                res.json(),
                json!({"id": TESTER_ID, "username": TESTER}),
                "{ctx}"
            );
        }
        let twice = graph_error(
            100,
            None,
            "OAuthException",
            "(#100) The access token was sent more than once; send it in one place only (query, form or Authorization header)",
        );
        let res = Reply::read(
            client()
                .get(format!("{url}&access_token={LONG_LIVED_TOKEN}"))
                .bearer_auth(LONG_LIVED_TOKEN)
                .send()
                .await
                .expect("GET failed"),
        )
        .await;
        assert_graph_error(&res, twice.clone(), &format!("{b}: query and header"));
        let res = get(
            &client(),
            &format!("{url}&access_token={LONG_LIVED_TOKEN}&access_token={LONG_LIVED_TOKEN}"),
        )
        .await;
        assert_graph_error(&res, twice, &format!("{b}: query twice"));
    }
}

#[tokio::test]
async fn a_request_for_host_graph_instagram_com_is_routed_like_its_prefix() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn(&backend).await;
        let path = format!("/me?fields=id,username,media_count&access_token={LONG_LIVED_TOKEN}");
        let prefixed = get(
            &client(),
            &server.url(&format!("/graph.instagram.com{path}")),
        )
        .await;
        assert_eq!(prefixed.status, 200, "{b}: {}", prefixed.text);
        for host in ["graph.instagram.com", "graph.instagram.com:443"] {
            let res = Reply::read(
                client()
                    .get(server.url(&path))
                    .header("host", host)
                    .send()
                    .await
                    .expect("GET failed"),
            )
            .await;
            let ctx = format!("{b}: Host {host}");
            assert_eq!(res.status, 200, "{ctx}: {}", res.text);
            assert_eq!(res.json(), prefixed.json(), "{ctx}");
            assert_eq!(res.header("facebook-api-version"), Some("v22.0"), "{ctx}");
        }
        // Without that Host header, /me is no endpoint of the emulator.
        let res = get(&client(), &server.url(&path)).await;
        assert_eq!(res.status, 404, "{b}: {}", res.text);
    }
}
