//! Fault rules, the request journal and the metrics over HTTP (docs/faults.md).

use crate::support::*;
use localgram_core::secret::SecretHash;
use localgram_testkit::actors::InstagramUser;
use localgram_testkit::world::*;
use localgram_testkit::{Backend, TestOptions, TestServer, client};
use serde_json::{Value, json};

const ISSUE_RULE_1: &str = r#"{"match": {"host": "graph.instagram.com", "method": "GET", "path": "/me/media"},
 "when": {"nth": 2},
 "effect": {"graph_error": {"code": 2, "type": "OAuthException", "is_transient": true, "status": 500,
            "message": "An unexpected error has occurred. Please retry your request later."}}}"#;

const ISSUE_RULE_2: &str = r#"{"match": {"host": "graph.instagram.com", "path": "/me"}, "when": {"after": 3}, "effect": {"revoke_token": true}}"#;

async fn send(req: reqwest::RequestBuilder) -> Reply {
    Reply::read(req.send().await.expect("request failed")).await
}

/// Adds a rule (a JSON text) and returns the answer.
async fn add_rule(server: &TestServer, rule: &str) -> Reply {
    send(
        client()
            .post(server.url("/_localgram/faults"))
            .header("content-type", "application/json")
            .body(rule.to_owned()),
    )
    .await
}

async fn rules(server: &TestServer) -> Value {
    let res = get(&client(), &server.url("/_localgram/faults")).await;
    assert_eq!(res.status, 200, "{}", res.text);
    res.json()
}

fn me_media(server: &TestServer) -> String {
    server.url(&format!(
        "/graph.instagram.com/me/media?access_token={LONG_LIVED_TOKEN}&limit=1"
    ))
}

/// The world's long-lived token of the accepted tester, as an Instagram user.
fn tester(server: &TestServer) -> InstagramUser<'_> {
    server.instagram_user_with_token(LONG_LIVED_TOKEN)
}

/// `GET /me?fields=id` as the tester.
async fn me(server: &TestServer) -> Reply {
    tester(server).me_fields("id").await
}

/// The Graph error body without its `fbtrace_id` (checked to be there).
fn error_without_trace(reply: &Reply) -> Value {
    let mut v = reply.json();
    let trace = v["error"]
        .as_object_mut()
        .and_then(|o| o.remove("fbtrace_id"))
        .unwrap_or_else(|| panic!("no fbtrace_id: {}", reply.text));
    assert!(trace.is_string());
    v
}

#[tokio::test]
async fn the_transient_error_rule_of_the_issue_fires_on_the_second_media_call_only() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn(&backend).await;
        let res = add_rule(&server, ISSUE_RULE_1).await;
        assert_eq!(res.status, 201, "{b}: {}", res.text);
        let added = res.json();
        let id = added["id"].as_str().expect("an id").to_owned();
        assert_eq!(added["fired"], 0, "{b}");
        assert_eq!(added["when"], json!({"nth": 2}), "{b}");

        let first = get(&client(), &me_media(&server)).await;
        assert_eq!(first.status, 200, "{b}: {}", first.text);
        let second = get(&client(), &me_media(&server)).await;
        assert_eq!(second.status, 500, "{b}: {}", second.text);
        assert_eq!(
            error_without_trace(&second),
            json!({"error": {"message": "An unexpected error has occurred. Please retry your request later.",
                             "type": "OAuthException", "code": 2, "is_transient": true}}),
            "{b}"
        );
        assert_eq!(second.header("www-authenticate"), None, "{b}");
        assert_eq!(second.header("facebook-api-version"), Some("v22.0"), "{b}");
        let third = get(&client(), &me_media(&server)).await;
        assert_eq!(third.status, 200, "{b}");
        // Another path is not matched.
        assert_eq!(me(&server).await.status, 200, "{b}");

        let listed = rules(&server).await;
        assert_eq!(listed["data"].as_array().map(Vec::len), Some(1), "{b}");
        let rule = &listed["data"][0];
        assert_eq!(rule["id"], id.as_str(), "{b}");
        assert_eq!(rule["fired"], 1, "{b}");
        assert_eq!(
            rule["match"],
            json!({"host": "graph.instagram.com", "method": "GET", "path": "/me/media"}),
            "{b}"
        );
        assert_eq!(rule["effect"]["graph_error"]["status"], 500, "{b}");

        // The journal says which call the rule fired on.
        let calls = get(&client(), &server.url("/_localgram/calls?path=/me/media")).await;
        let calls = calls.json();
        let data = calls["data"].as_array().expect("data");
        assert_eq!(data.len(), 3, "{b}");
        assert_eq!(data[1]["status"], 500, "{b}");
        assert_eq!(data[1]["graph_code"], 2, "{b}");
        assert_eq!(data[1]["faults"], json!([id]), "{b}");
        assert_eq!(data[0]["faults"], json!([]), "{b}");
    }
}

#[tokio::test]
async fn the_revocation_rule_of_the_issue_revokes_the_token_in_the_store_from_the_fourth_call_on() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn(&backend).await;
        let res = add_rule(&server, ISSUE_RULE_2).await;
        assert_eq!(res.status, 201, "{b}: {}", res.text);
        for i in 0..3 {
            let ok = me(&server).await;
            assert_eq!(ok.status, 200, "{b}: call {i}: {}", ok.text);
        }
        let stored = server
            .store
            .find_token(&SecretHash::of(LONG_LIVED_TOKEN).0)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.revoked_at, None, "{b}");
        let fourth = me(&server).await;
        assert_eq!(fourth.status, 400, "{b}: {}", fourth.text);
        let body = error_without_trace(&fourth);
        assert_eq!(body["error"]["code"], 190, "{b}");
        assert_eq!(body["error"]["error_subcode"], 460, "{b}");
        assert!(
            fourth
                .header("www-authenticate")
                .is_some_and(|h| h.starts_with("OAuth \"Facebook Platform\" \"invalid_token\"")),
            "{b}: {:?}",
            fourth.headers
        );
        let stored = server
            .store
            .find_token(&SecretHash::of(LONG_LIVED_TOKEN).0)
            .await
            .unwrap()
            .unwrap();
        assert!(stored.revoked_at.is_some(), "{b}: revoked in the store");
        // Every later call with the token, on any path, is refused.
        let media = get(&client(), &me_media(&server)).await;
        assert_eq!(media.json()["error"]["error_subcode"], 460, "{b}");
        // Removing the rule does not bring the token back: the revocation is real.
        let del = send(
            client()
                .delete(server.url("/_localgram/faults"))
                .header("content-type", "application/json"),
        )
        .await;
        assert_eq!(del.json(), json!({"deleted": 1}), "{b}");
        let after = me(&server).await;
        assert_eq!(after.json()["error"]["error_subcode"], 460, "{b}");
    }
}

#[tokio::test]
async fn malformed_rules_answer_400_naming_the_field_and_install_nothing() {
    let server = TestServer::spawn().await;
    for (rule, field) in [
        (r#"{"effect": {}}"#, "effect:"),
        (
            r#"{"match": {"host": "example.com"}, "effect": {"revoke_token": true}}"#,
            "match.host:",
        ),
        (
            r#"{"match": {"path": "me/media"}, "effect": {"revoke_token": true}}"#,
            "match.path:",
        ),
        (
            r#"{"when": {"nth": 0}, "effect": {"revoke_token": true}}"#,
            "when.nth:",
        ),
        (
            r#"{"when": {"nth": 2, "every": 3}, "effect": {"revoke_token": true}}"#,
            "when:",
        ),
        (
            r#"{"effect": {"throttle": {"code": 9}}}"#,
            "effect.throttle.code:",
        ),
        (
            r#"{"effect": {"graph_error": {"code": 2, "colour": "red"}}}"#,
            "effect.graph_error.colour:",
        ),
        (
            r#"{"effect": {"latency": {"ms": 999999}}}"#,
            "effect.latency:",
        ),
        (
            r#"{"effect": {"revoke_token": true}, "extra": 1}"#,
            "extra:",
        ),
        (r#"not json"#, "rule:"),
    ] {
        let res = add_rule(&server, rule).await;
        assert_eq!(res.status, 400, "{rule}: {}", res.text);
        let msg = res.json()["error"].as_str().unwrap_or_default().to_owned();
        assert!(msg.starts_with(field), "{rule}: {msg}");
    }
    assert_eq!(rules(&server).await, json!({"data": []}));
    // Nothing installed: calls pass.
    assert_eq!(me(&server).await.status, 200);
    // The guard's content-type rule holds.
    let res = send(
        client()
            .post(server.url("/_localgram/faults"))
            .header("content-type", "text/plain")
            .body(ISSUE_RULE_2),
    )
    .await;
    assert_eq!(res.status, 415, "{}", res.text);
    assert_eq!(rules(&server).await, json!({"data": []}));
}

#[tokio::test]
async fn the_control_routes_obey_the_admin_token() {
    let server = TestServer::spawn_with(TestOptions {
        admin_token: Some("s3cret-admin".into()),
        ..Default::default()
    })
    .await;
    let res = add_rule(&server, ISSUE_RULE_2).await;
    assert_eq!(res.status, 401, "{}", res.text);
    for path in [
        "/_localgram/faults",
        "/_localgram/calls",
        "/_localgram/metrics",
    ] {
        let res = get(&client(), &server.url(path)).await;
        assert_eq!(res.status, 401, "{path}: {}", res.text);
        let res = send(client().get(server.url(path)).bearer_auth("s3cret-admin")).await;
        assert_eq!(res.status, 200, "{path}: {}", res.text);
    }
}

#[tokio::test]
async fn rules_are_deleted_one_by_one_or_all_at_once() {
    let server = TestServer::spawn().await;
    let a = add_rule(&server, ISSUE_RULE_1).await.json();
    let b = add_rule(&server, ISSUE_RULE_2).await.json();
    assert_ne!(a["id"], b["id"]);
    let del = |id: &str| {
        client()
            .delete(server.url(&format!("/_localgram/faults/{id}")))
            .header("content-type", "application/json")
    };
    let res = send(del(a["id"].as_str().unwrap())).await;
    assert_eq!(res.json(), json!({"deleted": 1}));
    let res = send(del(a["id"].as_str().unwrap())).await;
    assert_eq!(res.status, 404, "{}", res.text);
    let listed = rules(&server).await;
    assert_eq!(listed["data"].as_array().unwrap().len(), 1);
    assert_eq!(listed["data"][0]["id"], b["id"]);
    // A rule given an id replaces the rule of that id.
    let named = r#"{"id": "mine", "effect": {"latency": {"ms": 1}}}"#;
    assert_eq!(add_rule(&server, named).await.json()["id"], "mine");
    assert_eq!(add_rule(&server, named).await.status, 201);
    assert_eq!(rules(&server).await["data"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn throttling_answers_the_code_with_its_usage_header() {
    let server = TestServer::spawn().await;
    let rule = r#"{"match": {"path": "/me"}, "effect": {"throttle": {"code": 80002, "estimated_time_to_regain_access": 7}}}"#;
    assert_eq!(add_rule(&server, rule).await.status, 201);
    let res = me(&server).await;
    assert_eq!(res.status, 400, "{}", res.text);
    let body = error_without_trace(&res);
    assert_eq!(body["error"]["code"], 80002);
    assert_eq!(body["error"]["is_transient"], true);
    let usage: Value = serde_json::from_str(
        res.header("x-business-use-case-usage")
            .expect("usage header"),
    )
    .unwrap();
    assert_eq!(
        usage,
        json!({TESTER_ID: [{"type": "instagram", "call_count": 100, "total_cputime": 100,
                            "total_time": 100, "estimated_time_to_regain_access": 7}]})
    );
    send(
        client()
            .delete(server.url("/_localgram/faults"))
            .header("content-type", "application/json"),
    )
    .await;
    let app =
        format!(r#"{{"match": {{"app": "{APP_ID}"}}, "effect": {{"throttle": {{"code": 4}}}}}}"#);
    assert_eq!(add_rule(&server, &app).await.status, 201);
    let res = get(&client(), &me_media(&server)).await;
    assert_eq!(res.json()["error"]["code"], 4);
    assert_eq!(
        res.json()["error"]["message"],
        "(#4) Application request limit reached"
    );
    assert_eq!(
        res.header("x-app-usage"),
        Some(r#"{"call_count":100,"total_cputime":100,"total_time":100}"#)
    );
    // The metrics count the throttled call and the firings.
    let metrics = get(&client(), &server.url("/_localgram/metrics")).await;
    assert_eq!(metrics.status, 200);
    assert!(
        metrics
            .header("content-type")
            .is_some_and(|c| c.starts_with("application/openmetrics-text")),
        "{:?}",
        metrics.headers
    );
    for needle in [
        "localgram_throttled_total{code=\"80002\"} 1",
        "localgram_throttled_total{code=\"4\"} 1",
        "localgram_requests_total{host=\"graph.instagram.com\",route=\"/me/media\",status=\"400\"} 1",
        "effect=\"throttle\"} 1",
    ] {
        assert!(metrics.text.contains(needle), "{needle}\n{}", metrics.text);
    }
}

#[tokio::test]
async fn a_dropped_connection_gets_no_answer_and_the_next_call_is_served() {
    let server = TestServer::spawn().await;
    let rule =
        r#"{"match": {"path": "/me"}, "when": {"nth": 1}, "effect": {"drop_connection": true}}"#;
    assert_eq!(add_rule(&server, rule).await.status, 201);
    let err = client()
        .get(server.url(&format!(
            "/graph.instagram.com/me?fields=id&access_token={LONG_LIVED_TOKEN}"
        )))
        .send()
        .await
        .expect_err("the connection is dropped");
    assert!(err.is_request() || err.is_connect(), "{err:?}");
    assert_eq!(me(&server).await.status, 200);
    assert_eq!(rules(&server).await["data"][0]["fired"], 1);
}

#[tokio::test]
async fn latency_delays_and_the_call_is_journaled_with_its_rule() {
    let server = TestServer::spawn().await;
    let rule = r#"{"id": "slow", "match": {"host": "graph.instagram.com"}, "effect": {"latency": {"min_ms": 1, "max_ms": 3}}}"#;
    assert_eq!(add_rule(&server, rule).await.status, 201);
    assert_eq!(me(&server).await.status, 200);
    let calls = get(&client(), &server.url("/_localgram/calls"))
        .await
        .json();
    assert_eq!(calls["data"][0]["faults"], json!(["slow"]));
}

#[tokio::test]
async fn a_cursor_loop_points_next_at_the_same_page_and_an_empty_page_keeps_a_next() {
    let server = TestServer::spawn().await;
    let rule = r#"{"match": {"path": "/me/media"}, "effect": {"cursor_loop": true}}"#;
    assert_eq!(add_rule(&server, rule).await.status, 201);
    let url = me_media(&server);
    let page = get(&client(), &url).await;
    assert_eq!(page.status, 200, "{}", page.text);
    let body = page.json();
    assert_eq!(body["data"].as_array().map(Vec::len), Some(1));
    assert_eq!(body["paging"]["next"], url.as_str());
    // Following it gives the same page again.
    let again = get(&client(), &url).await.json();
    assert_eq!(again["data"], body["data"]);
    send(
        client()
            .delete(server.url("/_localgram/faults"))
            .header("content-type", "application/json"),
    )
    .await;
    let rule = r#"{"match": {"path": "/me/media"}, "effect": {"empty_page": true}}"#;
    assert_eq!(add_rule(&server, rule).await.status, 201);
    let empty = get(&client(), &url).await.json();
    assert_eq!(empty["data"], json!([]));
    assert!(
        empty["paging"]["next"]
            .as_str()
            .is_some_and(|n| n.contains("/me/media")),
        "{empty}"
    );
}

#[tokio::test]
async fn the_journal_lists_filters_counts_and_clears_with_secrets_redacted() {
    let server = TestServer::spawn().await;
    for _ in 0..4 {
        assert_eq!(get(&client(), &me_media(&server)).await.status, 200);
    }
    assert_eq!(me(&server).await.status, 200);
    let bad = get(
        &client(),
        &server.url("/graph.instagram.com/me?access_token=IGQVJnope"),
    )
    .await;
    assert_eq!(bad.status, 400);
    // A form with secrets.
    let res = post_form(
        &client(),
        &server.url("/api.instagram.com/oauth/access_token"),
        &[
            ("client_id", APP_ID),
            ("client_secret", "wrong-secret"),
            ("grant_type", "authorization_code"),
            ("redirect_uri", REDIRECT_URI),
            ("code", "AQnotacode"),
        ],
    )
    .await;
    assert_eq!(res.status, 400, "{}", res.text);

    let count = |body: Value| {
        let server = &server;
        async move {
            let res = send(
                client()
                    .post(server.url("/_localgram/calls/count"))
                    .json(&body),
            )
            .await;
            assert_eq!(res.status, 200, "{}", res.text);
            res.json()["count"].as_u64().unwrap()
        }
    };
    assert_eq!(
        count(json!({"host": "graph.instagram.com", "method": "GET", "path": "/me/media"})).await,
        4
    );
    assert_eq!(count(json!({"graph_code": 190})).await, 1);
    assert_eq!(count(json!({"app": APP_ID, "path": "/me"})).await, 1);
    assert_eq!(count(json!({"user": TESTER_ID})).await, 5);
    assert_eq!(
        count(json!({"host": "api.instagram.com", "status": 400})).await,
        1
    );
    assert_eq!(count(json!({"since": "2026-11-20T12:00:00Z"})).await, 7);
    assert_eq!(count(json!({"since": "2026-11-20T12:00:01Z"})).await, 0);
    let bad = send(
        client()
            .post(server.url("/_localgram/calls/count"))
            .json(&json!({"stauts": 200})),
    )
    .await;
    assert_eq!(bad.status, 400);
    assert!(bad.text.contains("stauts"), "{}", bad.text);

    let listed = get(&client(), &server.url("/_localgram/calls?limit=2")).await;
    assert_eq!(listed.header("cache-control"), Some("no-store"));
    let listed = listed.json();
    let data = listed["data"].as_array().unwrap();
    assert_eq!(data.len(), 2);
    let oauth = &data[0];
    assert_eq!(oauth["method"], "POST");
    assert_eq!(oauth["host"], "api.instagram.com");
    assert_eq!(oauth["path"], "/api.instagram.com/oauth/access_token");
    let form = oauth["form"].as_str().unwrap();
    assert!(form.contains("client_secret=[redacted]"), "{form}");
    assert!(form.contains("code=[redacted]"), "{form}");
    assert!(form.contains(&format!("client_id={APP_ID}")), "{form}");
    assert!(!listed.to_string().contains("wrong-secret"));
    assert!(!listed.to_string().contains("AQnotacode"));
    assert_eq!(data[1]["query"], "access_token=[redacted]");
    assert_eq!(data[1]["graph_code"], 190);
    let all = get(&client(), &server.url("/_localgram/calls"))
        .await
        .json();
    assert!(!all.to_string().contains(LONG_LIVED_TOKEN));
    let media = &all["data"][3];
    assert_eq!(media["query"], "access_token=[redacted]&limit=1");
    assert_eq!(media["app"], APP_ID);
    assert_eq!(media["user"], TESTER_ID);
    assert_eq!(media["status"], 200);
    assert_eq!(media["graph_code"], Value::Null);
    assert!(media["latency_ms"].is_u64());

    let res = get(&client(), &server.url("/_localgram/calls?sttus=1")).await;
    assert_eq!(res.status, 400, "{}", res.text);
    let res = get(&client(), &server.url("/_localgram/calls?path=me")).await;
    assert_eq!(res.status, 400, "{}", res.text);
    assert!(res.text.contains("path"), "{}", res.text);

    let cleared = send(
        client()
            .delete(server.url("/_localgram/calls"))
            .header("content-type", "application/json"),
    )
    .await;
    assert_eq!(cleared.json(), json!({"deleted": 7}));
    assert_eq!(
        get(&client(), &server.url("/_localgram/calls"))
            .await
            .json(),
        json!({"data": []})
    );
}

#[tokio::test]
async fn the_journal_is_bounded_by_its_configured_size() {
    let server = TestServer::spawn_with(TestOptions {
        configure: |c| c.journal_size = 3,
        ..Default::default()
    })
    .await;
    for _ in 0..5 {
        me(&server).await;
    }
    let all = get(&client(), &server.url("/_localgram/calls"))
        .await
        .json();
    assert_eq!(all["data"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn a_world_file_installs_its_fault_rules() {
    let server = TestServer::spawn().await;
    let world = r#"version = 1

[[faults]]
id = "world-rule"
match = { host = "graph.instagram.com", method = "GET", path = "/me/media" }
when = { nth = 2 }
effect = { graph_error = { code = 2, type = "OAuthException", is_transient = true, status = 500, message = "An unexpected error has occurred. Please retry your request later." } }

[[faults]]
[faults.match]
host = "graph.instagram.com"
path = "/me"
[faults.when]
after = 3
[faults.effect]
revoke_token = true
"#;
    let res = send(
        client()
            .post(server.url("/_localgram/world"))
            .header("content-type", "application/toml")
            .body(world),
    )
    .await;
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.json()["loaded"]["faults"], 2);
    let listed = rules(&server).await;
    assert_eq!(listed["data"][0]["id"], "world-rule");
    assert_eq!(listed["data"][1]["effect"], json!({"revoke_token": true}));
    assert_eq!(get(&client(), &me_media(&server)).await.status, 200);
    assert_eq!(get(&client(), &me_media(&server)).await.status, 500);
    // Loading it again replaces the named rule and adds the other once more.
    let again = send(
        client()
            .post(server.url("/_localgram/world"))
            .header("content-type", "application/toml")
            .body(world),
    )
    .await;
    assert_eq!(again.status, 200);
    assert_eq!(rules(&server).await["data"].as_array().unwrap().len(), 3);
    // A malformed rule refuses the whole world, naming the rule and the field.
    let bad = "version = 1\n[[apps]]\nid = \"123456\"\nname = \"x\"\nsecret = \"s\"\n[[faults]]\neffect = { throttle = { code = 1 } }\n";
    let res = send(
        client()
            .post(server.url("/_localgram/world"))
            .header("content-type", "application/toml")
            .body(bad),
    )
    .await;
    assert_eq!(res.status, 400, "{}", res.text);
    assert!(
        res.text.contains("faults[0]") && res.text.contains("effect.throttle.code"),
        "{}",
        res.text
    );
    assert!(server.store.find_app("123456").await.unwrap().is_none());
    assert_eq!(rules(&server).await["data"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn probability_firings_repeat_under_the_same_seed() {
    let mut runs = Vec::new();
    for _ in 0..2 {
        let server = TestServer::spawn().await;
        let rule = r#"{"match": {"path": "/me"}, "when": {"probability": 0.5, "seed": 42}, "effect": {"graph_error": {"code": 1}}}"#;
        assert_eq!(add_rule(&server, rule).await.status, 201);
        let mut statuses = Vec::new();
        for _ in 0..20 {
            statuses.push(me(&server).await.status.as_u16());
        }
        runs.push(statuses);
    }
    assert_eq!(runs[0], runs[1]);
    assert!(
        runs[0].contains(&500) && runs[0].contains(&200),
        "{:?}",
        runs[0]
    );
}

/// Two instances on one PostgreSQL database share the test clock: a change made through one is
/// the other's before the control call returns, for its control plane, and within the poll
/// interval for its API hosts (read here through its control plane, which reads the database).
#[tokio::test]
async fn two_instances_on_one_postgres_database_share_the_test_clock() {
    let Some(backend) = Backend::all()
        .into_iter()
        .find(|b| matches!(b, Backend::Postgres(_)))
    else {
        println!("{}", localgram_testkit::PG_SKIP_LINE);
        return;
    };
    let a = spawn(&backend).await;
    let b = a.spawn_sharing().await;
    let clock = |s: &TestServer| s.url("/_localgram/clock");
    let now = |r: Reply| r.json()["now"].as_str().unwrap().to_owned();
    assert_eq!(
        now(get(&client(), &clock(&b)).await),
        "2026-11-20T12:00:00Z"
    );
    // The token is valid on both.
    assert_eq!(me(&b).await.status, 200);
    // 61 days later, through A: the long-lived token (issued 2026-11-01) has expired on B too.
    let res = send(
        client()
            .post(format!("{}/advance", clock(&a)))
            .json(&json!({"seconds": 61 * 86_400})),
    )
    .await;
    assert_eq!(now(res), "2027-01-20T12:00:00Z");
    assert_eq!(
        now(get(&client(), &clock(&b)).await),
        "2027-01-20T12:00:00Z"
    );
    let expired = me(&b).await;
    assert_eq!(
        expired.json()["error"]["error_subcode"],
        463,
        "{}",
        expired.text
    );
    // And back through B, seen by A.
    let res = send(
        client()
            .put(clock(&b))
            .json(&json!({"now": "2026-11-21T00:00:00Z"})),
    )
    .await;
    assert_eq!(res.status, 200);
    assert_eq!(
        now(get(&client(), &clock(&a)).await),
        "2026-11-21T00:00:00Z"
    );
    assert_eq!(me(&a).await.status, 200);
    // A second instance on SQLite keeps its own clock (the file is one process's).
    let sqlite = TestServer::spawn().await;
    let other = sqlite.spawn_sharing().await;
    send(
        client()
            .post(format!("{}/advance", clock(&sqlite)))
            .json(&json!({"seconds": 60})),
    )
    .await;
    assert_eq!(
        now(get(&client(), &clock(&other)).await),
        "2026-11-20T12:00:00Z"
    );
}

/// Two instances on one PostgreSQL database share the journal: a call answered by one is in the
/// other's, counted, and cleared from both.
#[tokio::test]
async fn two_instances_on_one_postgres_database_share_the_journal() {
    let Some(backend) = Backend::all()
        .into_iter()
        .find(|b| matches!(b, Backend::Postgres(_)))
    else {
        println!("{}", localgram_testkit::PG_SKIP_LINE);
        return;
    };
    let a = spawn(&backend).await;
    let b = a.spawn_sharing().await;
    for _ in 0..3 {
        assert_eq!(get(&client(), &me_media(&a)).await.status, 200);
    }
    assert_eq!(me(&b).await.status, 200);
    let count = |s: &TestServer, body: Value| {
        let url = s.url("/_localgram/calls/count");
        async move {
            send(client().post(url).json(&body)).await.json()["count"]
                .as_u64()
                .unwrap()
        }
    };
    for s in [&a, &b] {
        assert_eq!(count(s, json!({"path": "/me/media"})).await, 3);
        assert_eq!(count(s, json!({"path": "/me"})).await, 1);
    }
    let listed = get(&client(), &b.url("/_localgram/calls")).await.json();
    assert_eq!(listed["data"][0]["path"], "/graph.instagram.com/me");
    assert_eq!(
        listed["data"][1]["query"],
        "access_token=[redacted]&limit=1"
    );
    assert_eq!(listed["data"][1]["user"], TESTER_ID);
    let cleared = send(
        client()
            .delete(b.url("/_localgram/calls"))
            .header("content-type", "application/json"),
    )
    .await;
    assert_eq!(cleared.json(), json!({"deleted": 4}));
    assert_eq!(count(&a, json!({})).await, 0);
}

/// The dashboard's Emulator page lists the rules with their firings and adds rules from presets,
/// with its CSRF-checked forms.
/// A rule keyed on one token fires for that token only: another token of the same app and user
/// is untouched. The token string is never kept: the rule lists its SHA-256.
#[tokio::test]
async fn a_rule_on_one_token_revokes_that_token_only() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn(&backend).await;
        let other = server.instagram_tester().await;
        let rule = json!({
            "match": {"token": LONG_LIVED_TOKEN},
            "when": {"after": 1},
            "effect": {"revoke_token": true}
        });
        let res = add_rule(&server, &rule.to_string()).await;
        assert_eq!(res.status, 201, "{b}: {}", res.text);
        let listed = rules(&server).await;
        assert_eq!(
            listed["data"][0]["match"],
            json!({"token_sha256": SecretHash::of(LONG_LIVED_TOKEN).0}),
            "{b}"
        );
        assert!(!listed.to_string().contains(LONG_LIVED_TOKEN), "{b}");
        for user in [&tester(&server), &other, &other] {
            assert_eq!(user.me_fields("id").await.status, 200, "{b}");
        }
        let second = me(&server).await;
        assert_eq!(
            second.json()["error"]["error_subcode"],
            460,
            "{b}: {}",
            second.text
        );
        let still = other.me_fields("id").await;
        assert_eq!(
            still.status, 200,
            "{b}: the other token lives: {}",
            still.text
        );
        assert_eq!(rules(&server).await["data"][0]["fired"], 1, "{b}");

        // Both spellings at once, or a malformed hash, are refused naming the field.
        for (rule, field) in [
            (
                json!({"match": {"token": "x", "token_sha256": SecretHash::of("x").0}, "effect": {"revoke_token": true}}),
                "match.token",
            ),
            (
                json!({"match": {"token_sha256": "ABC"}, "effect": {"revoke_token": true}}),
                "match.token_sha256",
            ),
        ] {
            let res = add_rule(&server, &rule.to_string()).await;
            assert_eq!(res.status, 400, "{b}: {}", res.text);
            assert!(res.text.contains(field), "{b}: {}", res.text);
        }
    }
}

#[tokio::test]
async fn the_dashboard_adds_rules_from_presets_and_lists_their_firings() {
    let server = TestServer::spawn().await;
    let dev = server.dashboard_developer();
    let submit = |action: &'static str, form: Vec<(&'static str, String)>| {
        let dev = &dev;
        async move {
            let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            dev.submit("/emulator", action, &fields).await
        }
    };
    let page = dev.emulator().await;
    assert!(page.text.contains("id=\"no-faults\""), "{}", page.text);

    // "Revoke this token after 3 calls".
    let res = submit(
        "/emulator/faults",
        vec![
            ("preset", "revoke_after_3".into()),
            ("target", LONG_LIVED_TOKEN.into()),
        ],
    )
    .await;
    assert_eq!(res.status, 303, "{}", res.text);
    assert_eq!(res.location(), Some("/emulator?done=fault_added#faults"));
    for _ in 0..3 {
        assert_eq!(me(&server).await.status, 200);
    }
    let revoked = me(&server).await;
    assert_eq!(revoked.json()["error"]["error_subcode"], 460);
    let listed = rules(&server).await;
    assert_eq!(
        listed["data"][0]["match"],
        json!({"token_sha256": SecretHash::of(LONG_LIVED_TOKEN).0})
    );
    assert_eq!(listed["data"][0]["fired"], 1);
    let page = dev.emulator().await;
    assert!(page.text.contains("id=\"fault-table\""), "{}", page.text);
    assert!(page.text.contains("<td>1</td>"), "the firing is shown");

    // "Throttle this app" needs an existing app; an unknown one is refused, nothing added.
    let res = submit(
        "/emulator/faults",
        vec![
            ("preset", "throttle_app".into()),
            ("target", "424242".into()),
        ],
    )
    .await;
    assert_eq!(res.status, 400);
    assert!(
        res.text
            .contains("Give the id of an existing app for this preset.")
    );
    let res = submit(
        "/emulator/faults",
        vec![
            ("preset", "transient_media".into()),
            ("target", String::new()),
        ],
    )
    .await;
    assert_eq!(res.status, 303);
    let listed = rules(&server).await;
    assert_eq!(listed["data"].as_array().unwrap().len(), 2);
    assert_eq!(listed["data"][1]["when"]["probability"], 0.1);
    assert!(listed["data"][1]["when"]["seed"].is_u64());

    let res = submit("/emulator/faults/clear", vec![]).await;
    assert_eq!(res.status, 303);
    assert_eq!(rules(&server).await, json!({"data": []}));
}

/// Two instances on one PostgreSQL database share the fault rules: a rule added on one fires on
/// the other, and "at most K times" holds across both.
#[tokio::test]
async fn two_instances_on_one_postgres_database_share_fault_rules_and_their_counts() {
    let Some(backend) = Backend::all()
        .into_iter()
        .find(|b| matches!(b, Backend::Postgres(_)))
    else {
        println!("{}", localgram_testkit::PG_SKIP_LINE);
        return;
    };
    let a = spawn(&backend).await;
    let b = a.spawn_sharing().await;
    let rule = r#"{"match": {"path": "/me"}, "when": {"times": 3}, "effect": {"graph_error": {"code": 2, "is_transient": true}}}"#;
    let added = add_rule(&a, rule).await;
    assert_eq!(added.status, 201, "{}", added.text);
    let id = added.json()["id"].as_str().unwrap().to_owned();
    // B lists it (its listing reads the database), and it fires there.
    let listed = rules(&b).await;
    assert_eq!(listed["data"][0]["id"], id.as_str());
    let mut errors = 0;
    for i in 0..6 {
        let server = if i % 2 == 0 { &b } else { &a };
        let res = me(server).await;
        if res.status == 503 {
            errors += 1;
        } else {
            assert_eq!(res.status, 200, "{}", res.text);
        }
    }
    assert_eq!(errors, 3, "at most 3 firings across both instances");
    for s in [&a, &b] {
        let listed = rules(s).await;
        assert_eq!(listed["data"][0]["fired"], 3);
        assert_eq!(listed["data"][0]["matched"], 6);
    }
    // Removed through B, gone on A.
    let del = send(
        client()
            .delete(b.url(&format!("/_localgram/faults/{id}")))
            .header("content-type", "application/json"),
    )
    .await;
    assert_eq!(del.json(), json!({"deleted": 1}));
    assert_eq!(rules(&a).await, json!({"data": []}));
}
