//! What browsers need of the Graph hosts: CORS preflights and `Access-Control-Allow-Origin` on
//! graph.facebook.com and graph.instagram.com (and not on the Instagram token endpoint or the
//! authorize windows), `suppress_http_code=1`, and JSONP (`callback=NAME`).

use crate::support::*;
use localgram_testkit::world::fb;
use localgram_testkit::world::{APP_ID, LONG_LIVED_TOKEN, REDIRECT_URI, TESTER_ID};
use localgram_testkit::{Backend, TestOptions, TestServer, client, facebook_world};
use reqwest::Method;
use serde_json::{Value, json};

const ORIGIN: &str = "http://app.example:3000";

async fn spawn_fb(backend: &Backend) -> TestServer {
    TestServer::spawn_with(TestOptions {
        backend: backend.clone(),
        world: Some(facebook_world()),
        ..Default::default()
    })
    .await
}

async fn send(req: reqwest::RequestBuilder) -> Reply {
    Reply::read(req.send().await.expect("request failed")).await
}

/// The body of a Graph error without its `fbtrace_id`.
fn without_trace(mut body: Value) -> Value {
    if let Some(e) = body["error"].as_object_mut() {
        assert!(e.remove("fbtrace_id").is_some(), "no fbtrace_id: {body}");
    }
    body
}

#[tokio::test]
async fn the_graph_hosts_answer_preflights_and_any_origin() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn_fb(&backend).await;
        for path in [
            "/graph.facebook.com/v21.0/me",
            "/graph.instagram.com/me",
            "/graph.instagram.com/v21.0/me/media",
            "/graph.facebook.com/v21.0/oauth/access_token",
        ] {
            let ctx = format!("{b}: OPTIONS {path}");
            let res = send(
                client()
                    .request(Method::OPTIONS, server.url(path))
                    .header("origin", ORIGIN)
                    .header("access-control-request-method", "GET")
                    .header("access-control-request-headers", "authorization"),
            )
            .await;
            assert_eq!(res.status, 200, "{ctx}: {}", res.text);
            assert_eq!(res.text, "", "{ctx}");
            assert_eq!(
                res.header("access-control-allow-private-network"),
                None,
                "{ctx}"
            );
            for (name, value) in [
                ("access-control-allow-origin", ORIGIN),
                ("access-control-allow-credentials", "true"),
                ("access-control-allow-methods", "GET, POST, DELETE"),
                ("access-control-allow-headers", "authorization"),
                ("access-control-max-age", "86400"),
                ("vary", "Origin"),
            ] {
                assert_eq!(res.header(name), Some(value), "{ctx}: {name}");
            }
        }

        // A page on a public origin may call Localgram on a private address.
        let res = send(
            client()
                .request(Method::OPTIONS, server.url("/graph.facebook.com/v21.0/me"))
                .header("origin", "https://app.example")
                .header("access-control-request-method", "GET")
                .header("access-control-request-private-network", "true"),
        )
        .await;
        assert_eq!(res.status, 200, "{b}");
        assert_eq!(
            res.header("access-control-allow-private-network"),
            Some("true"),
            "{b}"
        );
        assert_eq!(res.header("access-control-allow-headers"), None, "{b}");

        // A read from another origin, with the token in an Authorization header.
        let res = send(
            client()
                .get(server.url("/graph.instagram.com/me?fields=id,username"))
                .header("origin", ORIGIN)
                .bearer_auth(LONG_LIVED_TOKEN),
        )
        .await;
        assert_eq!(res.status, 200, "{b}: {}", res.text);
        assert_eq!(
            res.json(),
            json!({"id": TESTER_ID, "username": "jane.doe"}),
            "{b}"
        );
        assert_eq!(res.header("access-control-allow-origin"), Some(ORIGIN));
        assert_eq!(
            res.header("access-control-expose-headers"),
            Some("facebook-api-version, x-app-usage, x-business-use-case-usage, www-authenticate"),
            "{b}"
        );
        // Without an Origin (curl, servers): `*`, no credentials.
        let res = send(client().get(server.url(&format!(
            "/graph.facebook.com/v21.0/me?access_token={}",
            fb::LONG_TOKEN
        ))))
        .await;
        assert_eq!(res.status, 200, "{b}: {}", res.text);
        assert_eq!(res.header("access-control-allow-origin"), Some("*"), "{b}");
        assert_eq!(res.header("access-control-allow-credentials"), None, "{b}");
        // Errors are readable too (a page must see why its call failed).
        let res = send(
            client()
                .get(server.url("/graph.facebook.com/v21.0/me?access_token=bogus"))
                .header("origin", ORIGIN),
        )
        .await;
        assert_graph_error(&res, cannot_parse(), b);
        assert_eq!(res.header("access-control-allow-origin"), Some(ORIGIN));
    }
}

#[tokio::test]
async fn the_instagram_token_endpoint_and_the_windows_are_not_readable_from_another_origin() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn_fb(&backend).await;
        let code = mint_code(&server).await;
        let res = send(
            client()
                .post(server.url("/api.instagram.com/oauth/access_token"))
                .header("origin", ORIGIN)
                .form(&[
                    ("client_id", APP_ID),
                    ("client_secret", localgram_testkit::world::APP_SECRET),
                    ("grant_type", "authorization_code"),
                    ("redirect_uri", REDIRECT_URI),
                    ("code", &code),
                ]),
        )
        .await;
        assert_eq!(res.status, 200, "{b}: {}", res.text);
        assert_eq!(res.header("access-control-allow-origin"), None, "{b}");
        for path in [
            "/api.instagram.com/oauth/access_token".to_owned(),
            server
                .anonymous()
                .authorize_url(API, &AuthParams::basic_display())
                .trim_start_matches(&server.url(""))
                .to_owned(),
            format!(
                "/www.facebook.com/dialog/oauth?client_id={}&redirect_uri={}",
                fb::APP_ID,
                encode(fb::REDIRECT_URI)
            ),
        ] {
            for method in [Method::OPTIONS, Method::GET] {
                let res = send(
                    client()
                        .request(method.clone(), server.url(&path))
                        .header("origin", ORIGIN)
                        .header("access-control-request-method", "POST"),
                )
                .await;
                assert_eq!(
                    res.header("access-control-allow-origin"),
                    None,
                    "{b}: {method} {path}"
                );
                assert_eq!(
                    res.header("access-control-allow-methods"),
                    None,
                    "{b}: {method} {path}"
                );
            }
        }
    }
}

#[tokio::test]
async fn suppress_http_code_answers_errors_with_200_and_the_same_body() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn_fb(&backend).await;
        let no_token_for_me = graph_error(
            2500,
            None,
            "OAuthException",
            "An active access token must be used to query information about the current user.",
        );
        for path in [
            "/graph.facebook.com/v21.0/me?suppress_http_code=1",
            "/graph.instagram.com/me?suppress_http_code=1",
        ] {
            let res = get(&client(), &server.url(path)).await;
            assert_eq!(res.status, 200, "{b}: {path}");
            assert_eq!(
                res.header("content-type"),
                Some("application/json; charset=UTF-8")
            );
            assert_eq!(without_trace(res.json()), no_token_for_me, "{b}: {path}");
            // Without it, the same error keeps its status.
            let plain = get(
                &client(),
                &server.url(path.trim_end_matches("?suppress_http_code=1")),
            )
            .await;
            assert_eq!(plain.status, 400, "{b}: {path}");
            assert_eq!(without_trace(plain.json()), no_token_for_me, "{b}: {path}");
        }
        // A 190 keeps its WWW-Authenticate challenge.
        let res = get(
            &client(),
            &server.url("/graph.instagram.com/me?access_token=bogus&suppress_http_code=1"),
        )
        .await;
        assert_eq!(res.status, 200, "{b}");
        assert_eq!(without_trace(res.json()), cannot_parse(), "{b}");
        assert!(res.header("www-authenticate").is_some(), "{b}");
        // In a POST body too (the JavaScript SDK sends its parameters there).
        let res = post_form(
            &client(),
            &server.url("/graph.facebook.com/v21.0/me/accounts"),
            &[
                ("access_token", fb::LONG_TOKEN),
                ("suppress_http_code", "1"),
            ],
        )
        .await;
        assert_eq!(res.status, 200, "{b}: {}", res.text);
        assert_eq!(
            without_trace(res.json()),
            graph_error(
                194,
                None,
                "OAuthException",
                "(#194) Missing at least one required parameter: name",
            ),
            "{b}"
        );
        // The JavaScript SDK's own call: a POST form with method=get and its extra parameters.
        let res = send(
            client()
                .post(server.url("/graph.facebook.com/v21.0/me"))
                .header("origin", ORIGIN)
                .form(&[
                    ("access_token", fb::LONG_TOKEN),
                    ("method", "get"),
                    ("pretty", "0"),
                    ("sdk", "joey"),
                    ("suppress_http_code", "1"),
                ]),
        )
        .await;
        assert_eq!(res.status, 200, "{b}: {}", res.text);
        assert_eq!(
            res.json(),
            json!({"id": fb::USER_ID, "name": "Test User"}),
            "{b}"
        );
        assert_eq!(
            res.header("access-control-allow-origin"),
            Some(ORIGIN),
            "{b}"
        );
        // Successful answers are unchanged.
        let res = get(
            &client(),
            &server.url(&format!(
                "/graph.instagram.com/me?access_token={LONG_LIVED_TOKEN}&suppress_http_code=1"
            )),
        )
        .await;
        assert_eq!(res.status, 200, "{b}");
        assert_eq!(res.text, format!(r#"{{"id":"{TESTER_ID}"}}"#), "{b}");
    }
}

#[tokio::test]
async fn callback_wraps_the_answer_for_jsonp() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn_fb(&backend).await;
        let res = get(
            &client(),
            &server.url(&format!(
                "/graph.instagram.com/me?access_token={LONG_LIVED_TOKEN}&callback=FB.__globalCallbacks.f1"
            )),
        )
        .await;
        assert_eq!(res.status, 200, "{b}");
        assert_eq!(
            res.header("content-type"),
            Some("text/javascript; charset=UTF-8"),
            "{b}"
        );
        assert_eq!(
            res.text,
            format!(r#"/**/ FB.__globalCallbacks.f1({{"id":"{TESTER_ID}"}});"#),
            "{b}"
        );
        let res = get(
            &client(),
            &server.url(&format!(
                "/graph.facebook.com/v21.0/me?access_token={}&callback=cb",
                fb::LONG_TOKEN
            )),
        )
        .await;
        assert_eq!(
            res.text,
            format!(r#"/**/ cb({{"id":"{}","name":"Test User"}});"#, fb::USER_ID),
            "{b}"
        );
        // An error is wrapped too, with status 200 (a script cannot read a status).
        let res = get(
            &client(),
            &server.url("/graph.facebook.com/v21.0/me?callback=cb"),
        )
        .await;
        assert_eq!(res.status, 200, "{b}");
        let inner = res
            .text
            .strip_prefix("/**/ cb(")
            .and_then(|t| t.strip_suffix(");"))
            .unwrap_or_else(|| panic!("{b}: not wrapped: {}", res.text));
        let inner: Value = serde_json::from_str(inner).expect("the wrapped body is JSON");
        assert_eq!(
            without_trace(inner),
            graph_error(
                2500,
                None,
                "OAuthException",
                "An active access token must be used to query information about the current user.",
            ),
            "{b}"
        );
        // A callback that is not a JavaScript name is refused, never written into a script.
        let res = get(
            &client(),
            &server.url(&format!(
                "/graph.instagram.com/me?access_token={LONG_LIVED_TOKEN}&callback=alert(document.domain)"
            )),
        )
        .await;
        assert_graph_error(
            &res,
            graph_error(
                100,
                None,
                "OAuthException",
                "(#100) Param callback must be a JavaScript identifier (letters, digits, _, $, . and [ ])",
            ),
            b,
        );
        assert!(!res.text.contains("alert"), "{b}");
    }
}
