//! Webhooks over HTTP (`docs/webhooks.md`), with a real receiver on port 0: subscriptions and
//! the verification handshake, `subscribed_apps` on both hosts, signed deliveries of comments
//! and mentions in order, retries on the test clock, a restart that loses nothing, story
//! insights when a story expires, test events and the control plane, every error.

use crate::support::*;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::get as route_get;
use localgram_client::{AppSecret, verify_webhook_signature};
use localgram_testkit::world::{LIVE_APP_ID, LIVE_APP_SECRET, TESTER_ID, fb};
use localgram_testkit::{Backend, TestOptions, TestServer, client, facebook_world};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const IG: &str = "/graph.instagram.com/v22.0";
const FB: &str = "/graph.facebook.com/v22.0";
const VERIFY: &str = "meatyhamhock";
/// sizzle.cafe's post.
const POST: &str = "17900000000000001";
const CAFE_ID: &str = "17841405822304914";
/// sizzle.cafe's Instagram Login token for the live app.
const CAFE_LIVE: &str = "IGAAlocalgramCafeLive";
/// jane.doe's Instagram Login token for the live app.
const JANE_LIVE: &str = "IGAAlocalgramJaneLive";
/// A moderator token of sizzle.cafe for the development app.
const MODERATOR: &str = "IGAAlocalgramCafeComments";
/// A Page token of the café's Page with pages_manage_metadata (Facebook-only app).
const PAGE_META: &str = "EAAlocalgramCafePageMeta";
/// A Page token of the café's Page for the live app.
const PAGE_LIVE: &str = "EAAlocalgramCafePageLive";

const WORLD_EXTRA: &str = r#"
[[tokens]]
value = "IGAAlocalgramCafeLive"
app = "990602627938099"
user = "sizzle.cafe"
kind = "instagram_long_lived"
scopes = ["instagram_business_basic", "instagram_business_manage_comments"]
issued_at = "2026-11-01T00:00:00Z"

[[tokens]]
value = "IGAAlocalgramJaneLive"
app = "990602627938099"
user = "jane.doe"
kind = "instagram_long_lived"
scopes = ["instagram_business_basic", "instagram_business_manage_comments"]
issued_at = "2026-11-01T00:00:00Z"

[[tokens]]
value = "IGAAlocalgramCafeComments"
app = "990602627938098"
user = "sizzle.cafe"
kind = "instagram_long_lived"
scopes = ["instagram_business_basic", "instagram_business_manage_comments"]
issued_at = "2026-11-01T00:00:00Z"

[[tokens]]
value = "IGAAlocalgramCafePublish"
app = "990602627938098"
user = "sizzle.cafe"
kind = "instagram_long_lived"
scopes = ["instagram_business_basic", "instagram_business_content_publish"]
issued_at = "2026-11-01T00:00:00Z"

[[tokens]]
value = "EAAlocalgramCafePageLive"
app = "990602627938099"
user = "100000000000001"
kind = "page"
page = "200000000000001"
scopes = ["public_profile", "pages_show_list", "pages_manage_metadata", "instagram_manage_insights"]

[[tokens]]
value = "EAAlocalgramCafePageMeta"
app = "990602627938100"
user = "100000000000001"
kind = "page"
page = "200000000000001"
scopes = ["public_profile", "pages_show_list", "pages_manage_metadata"]
"#;

/// sizzle.cafe's one post, added after the world.
const CAFE_POST: &str = r#"version = 1

[[instagram_users]]
id = "17841405822304914"
username = "sizzle.cafe"
password = "espresso please"
account_type = "BUSINESS"
name = "Sizzle Cafe"

  [[instagram_users.media]]
  id = "17900000000000001"
  media_type = "IMAGE"
  caption = "Cinnamon buns"
  timestamp = "2026-05-03T08:00:00+0000"
"#;

// ------------------------------------------------------------------------------------------------
// The receiver
// ------------------------------------------------------------------------------------------------

/// How the receiver answers the verification GET.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Handshake {
    Echo,
    Wrong,
    NotFound,
}

struct Hooks {
    gets: Mutex<Vec<HashMap<String, String>>>,
    posts: Mutex<Vec<(HeaderMap, String)>>,
    post_status: AtomicU16,
    handshake: Mutex<Handshake>,
}

struct Receiver {
    hooks: Arc<Hooks>,
    url: String,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn on_get(
    State(h): State<Arc<Hooks>>,
    Query(q): Query<HashMap<String, String>>,
) -> (StatusCode, String) {
    h.gets.lock().unwrap().push(q.clone());
    if q.get("hub.verify_token").map(String::as_str) != Some(VERIFY) {
        return (StatusCode::FORBIDDEN, "wrong verify token".into());
    }
    match *h.handshake.lock().unwrap() {
        Handshake::Echo => (
            StatusCode::OK,
            q.get("hub.challenge").cloned().unwrap_or_default(),
        ),
        Handshake::Wrong => (StatusCode::OK, "not the challenge".into()),
        Handshake::NotFound => (StatusCode::NOT_FOUND, "no".into()),
    }
}

async fn on_post(
    State(h): State<Arc<Hooks>>,
    headers: HeaderMap,
    body: String,
) -> (StatusCode, String) {
    h.posts.lock().unwrap().push((headers, body));
    let status = h.post_status.load(Ordering::SeqCst);
    (
        StatusCode::from_u16(status).unwrap(),
        if status == 200 {
            "EVENT_RECEIVED".into()
        } else {
            "receiver down".into()
        },
    )
}

async fn receiver() -> Receiver {
    let hooks = Arc::new(Hooks {
        gets: Mutex::default(),
        posts: Mutex::default(),
        post_status: AtomicU16::new(200),
        handshake: Mutex::new(Handshake::Echo),
    });
    let app = axum::Router::new()
        .route("/hook", route_get(on_get).post(on_post))
        .with_state(hooks.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Receiver { hooks, url, task }
}

impl Receiver {
    fn posts(&self) -> Vec<(HeaderMap, String)> {
        self.hooks.posts.lock().unwrap().clone()
    }

    /// Waits until `n` POSTs arrived (at most 15 s); the POSTs.
    async fn wait_posts(&self, n: usize, ctx: &str) -> Vec<(HeaderMap, String)> {
        for _ in 0..750 {
            let posts = self.posts();
            if posts.len() >= n {
                return posts;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("{ctx}: {} POSTs arrived, expected {n}", self.posts().len());
    }

    fn fail_with(&self, status: u16) {
        self.hooks.post_status.store(status, Ordering::SeqCst);
    }
}

// ------------------------------------------------------------------------------------------------
// Helpers
// ------------------------------------------------------------------------------------------------

async fn spawn(backend: &Backend) -> TestServer {
    let server = TestServer::spawn_with(TestOptions {
        backend: backend.clone(),
        world: Some(format!("{}\n{WORLD_EXTRA}", facebook_world())),
        ..Default::default()
    })
    .await;
    let res = post_world(&server, "application/toml", CAFE_POST).await;
    assert_eq!(res.status, 200, "{}", res.text);
    server
}

fn app_token() -> String {
    format!("{LIVE_APP_ID}|{LIVE_APP_SECRET}")
}

async fn call(
    server: &TestServer,
    method: reqwest::Method,
    path: &str,
    token: &str,
    form: &[(&str, &str)],
) -> Reply {
    let mut form = form.to_vec();
    form.push(("access_token", token));
    let req = client().request(method.clone(), server.url(path));
    let req = if method == reqwest::Method::POST {
        req.form(&form)
    } else {
        req.query(&form)
    };
    Reply::read(req.send().await.unwrap()).await
}

fn ok(reply: &Reply, ctx: &str) -> Value {
    assert_eq!(reply.status, 200, "{ctx}: {}", reply.text);
    reply.json()
}

fn error(reply: &Reply, ctx: &str) -> Value {
    assert_eq!(reply.status, 400, "{ctx}: {}", reply.text);
    let mut e = reply.json()["error"].clone();
    e.as_object_mut().unwrap().remove("fbtrace_id");
    e
}

fn oauth(code: i64, message: &str) -> Value {
    json!({"message": message, "type": "OAuthException", "code": code})
}

async fn subscribe(server: &TestServer, callback: &str, fields: &str) -> Reply {
    call(
        server,
        reqwest::Method::POST,
        &format!("{FB}/{LIVE_APP_ID}/subscriptions"),
        &app_token(),
        &[
            ("object", "instagram"),
            ("callback_url", callback),
            ("fields", fields),
            ("verify_token", VERIFY),
        ],
    )
    .await
}

async fn enable(server: &TestServer, host: &str, token: &str, fields: &str) {
    let res = call(
        server,
        reqwest::Method::POST,
        &format!("{host}/me/subscribed_apps"),
        token,
        &[("subscribed_fields", fields)],
    )
    .await;
    assert_eq!(ok(&res, "enable"), json!({"success": true}));
}

async fn comment(server: &TestServer, text: &str) -> String {
    let res = call(
        server,
        reqwest::Method::POST,
        &format!("{IG}/{POST}/comments"),
        MODERATOR,
        &[("message", text)],
    )
    .await;
    ok(&res, "comment")["id"].as_str().unwrap().to_owned()
}

async fn control(
    server: &TestServer,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> Reply {
    let mut req = client().request(method, server.url(path));
    if let Some(b) = body {
        req = req
            .header("content-type", "application/json")
            .body(b.to_string());
    }
    Reply::read(req.send().await.unwrap()).await
}

async fn deliveries(server: &TestServer) -> Vec<Value> {
    let res = control(
        server,
        reqwest::Method::GET,
        &format!("/_localgram/webhooks/deliveries?app={LIVE_APP_ID}"),
        None,
    )
    .await;
    ok(&res, "deliveries")["data"].as_array().unwrap().clone()
}

/// The deliveries once every one is delivered (at most 15 s).
async fn delivered(server: &TestServer, ctx: &str) -> Vec<Value> {
    for _ in 0..750 {
        let list = deliveries(server).await;
        if list.iter().all(|d| d["state"] == "delivered") {
            return list;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("{ctx}: not all delivered: {:?}", deliveries(server).await);
}

async fn advance(server: &TestServer, seconds: i64) {
    let res = control(
        server,
        reqwest::Method::POST,
        "/_localgram/clock/advance",
        Some(json!({ "seconds": seconds })),
    )
    .await;
    assert_eq!(res.status, 200, "{}", res.text);
}

/// Checks the signatures of a POST and returns its JSON body.
fn signed(post: &(HeaderMap, String), ctx: &str) -> Value {
    let (headers, body) = post;
    let secret = AppSecret::new(LIVE_APP_SECRET);
    let sig = headers
        .get("x-hub-signature-256")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_else(|| panic!("{ctx}: no X-Hub-Signature-256"));
    assert!(
        verify_webhook_signature(&secret, body.as_bytes(), sig),
        "{ctx}: bad signature {sig}"
    );
    assert!(
        !verify_webhook_signature(&AppSecret::new("another secret"), body.as_bytes(), sig),
        "{ctx}"
    );
    let sig1 = headers
        .get("x-hub-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap();
    assert!(
        sig1.starts_with("sha1=") && sig1.len() == 45,
        "{ctx}: {sig1}"
    );
    assert_eq!(
        headers.get("content-type").unwrap(),
        "application/json",
        "{ctx}"
    );
    serde_json::from_str(body).unwrap()
}

/// The `value` of the single change of a delivery body, checking the envelope.
fn change(body: &Value, entry_id: &str, field: &str, ctx: &str) -> Value {
    assert_eq!(body["object"], "instagram", "{ctx}: {body}");
    let entry = &body["entry"][0];
    assert_eq!(body["entry"].as_array().unwrap().len(), 1, "{ctx}");
    assert_eq!(entry["id"], entry_id, "{ctx}: {body}");
    assert!(entry["time"].is_i64(), "{ctx}: {body}");
    assert_eq!(entry["changes"][0]["field"], field, "{ctx}: {body}");
    entry["changes"][0]["value"].clone()
}

// ------------------------------------------------------------------------------------------------
// Subscriptions
// ------------------------------------------------------------------------------------------------

#[tokio::test]
async fn app_subscriptions_verify_the_callback_and_answer_every_error() {
    use reqwest::Method;
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn(&backend).await;
        let hook = receiver().await;
        let path = format!("{FB}/{LIVE_APP_ID}/subscriptions");

        let res = subscribe(&server, &hook.url, "comments,mentions").await;
        assert_eq!(ok(&res, b), json!({"success": true}));
        let gets = hook.hooks.gets.lock().unwrap().clone();
        assert_eq!(gets.len(), 1, "{b}");
        assert_eq!(gets[0]["hub.mode"], "subscribe");
        assert_eq!(gets[0]["hub.verify_token"], VERIFY);
        assert!(
            gets[0]["hub.challenge"].parse::<u64>().is_ok(),
            "{b}: {:?}",
            gets[0]
        );
        let listed = ok(
            &call(&server, Method::GET, &path, &app_token(), &[]).await,
            b,
        );
        assert_eq!(
            listed,
            json!({"data": [{
                "object": "instagram",
                "callback_url": hook.url,
                "active": true,
                "fields": [{"name": "comments", "version": "v22.0"}, {"name": "mentions", "version": "v22.0"}],
            }]})
        );
        // A second POST adds fields (recording its version).
        let res = call(
            &server,
            Method::POST,
            &format!("/graph.facebook.com/v25.0/{LIVE_APP_ID}/subscriptions"),
            &app_token(),
            &[
                ("object", "instagram"),
                ("callback_url", &hook.url),
                ("fields", "story_insights"),
                ("verify_token", VERIFY),
            ],
        )
        .await;
        ok(&res, b);
        let listed = ok(
            &call(&server, Method::GET, &path, &app_token(), &[]).await,
            b,
        );
        assert_eq!(
            listed["data"][0]["fields"][2],
            json!({"name": "story_insights", "version": "v25.0"})
        );

        // Errors.
        let user = call(&server, Method::GET, &path, fb::LONG_TOKEN, &[]).await;
        assert_eq!(
            error(&user, b),
            oauth(
                15,
                "(#15) This method must be called with an app access_token."
            )
        );
        let other = call(
            &server,
            Method::GET,
            &format!("{FB}/{}/subscriptions", fb::APP_ID),
            &app_token(),
            &[],
        )
        .await;
        assert_eq!(
            error(&other, b),
            graph_error(
                100,
                Some(33),
                "GraphMethodException",
                &format!(
                    "Unsupported get request. Object with ID '{}' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api",
                    fb::APP_ID
                )
            )["error"]
        );
        let cases: &[(&[(&str, &str)], Value)] = &[
            (
                &[
                    ("callback_url", "http://127.0.0.1:9/x"),
                    ("fields", "comments"),
                    ("verify_token", VERIFY),
                ],
                oauth(100, "(#100) The parameter object is required"),
            ),
            (
                &[
                    ("object", "page"),
                    ("callback_url", "http://127.0.0.1:9/x"),
                    ("fields", "feed"),
                    ("verify_token", VERIFY),
                ],
                oauth(
                    100,
                    "(#100) Param object must be one of {instagram} (the only object Localgram serves webhooks for)",
                ),
            ),
            (
                &[
                    ("object", "instagram"),
                    ("fields", "comments"),
                    ("verify_token", VERIFY),
                ],
                oauth(100, "(#100) The parameter callback_url is required"),
            ),
            (
                &[
                    ("object", "instagram"),
                    ("callback_url", "https://example.com/hook"),
                    ("fields", "comments"),
                    ("verify_token", VERIFY),
                ],
                oauth(
                    100,
                    "(#100) Param callback_url is refused: Localgram only calls callbacks on the loopback or on a host allowed with --webhook-allow-host, and example.com is neither",
                ),
            ),
            (
                &[
                    ("object", "instagram"),
                    ("callback_url", &hook.url),
                    ("verify_token", VERIFY),
                ],
                oauth(100, "(#100) The parameter fields is required"),
            ),
            (
                &[
                    ("object", "instagram"),
                    ("callback_url", &hook.url),
                    ("fields", "comments,likes"),
                    ("verify_token", VERIFY),
                ],
                oauth(
                    100,
                    "(#100) Param fields[1] must be one of {comments, live_comments, mentions, message_reactions, messages, messaging_handover, messaging_optins, messaging_postbacks, messaging_referral, messaging_seen, standby, story_insights}",
                ),
            ),
            (
                &[
                    ("object", "instagram"),
                    ("callback_url", &hook.url),
                    ("fields", "comments"),
                ],
                oauth(100, "(#100) The parameter verify_token is required"),
            ),
            (
                &[
                    ("object", "instagram"),
                    ("callback_url", &hook.url),
                    ("fields", "comments"),
                    ("verify_token", "wrong"),
                ],
                oauth(
                    2200,
                    "(#2200) Callback verification failed with the following errors: HTTP Status Code = 403; HTTP Message = Forbidden",
                ),
            ),
        ];
        for (form, expected) in cases {
            let res = call(&server, Method::POST, &path, &app_token(), form).await;
            assert_eq!(&error(&res, b), expected, "{b}: {form:?}");
        }
        *hook.hooks.handshake.lock().unwrap() = Handshake::NotFound;
        let res = subscribe(&server, &hook.url, "comments").await;
        assert_eq!(
            error(&res, b),
            oauth(
                2200,
                "(#2200) Callback verification failed with the following errors: HTTP Status Code = 404; HTTP Message = Not Found"
            )
        );
        *hook.hooks.handshake.lock().unwrap() = Handshake::Wrong;
        let res = subscribe(&server, &hook.url, "comments").await;
        let e = error(&res, b);
        assert_eq!(e["code"], 2200, "{b}: {e}");
        let msg = e["message"].as_str().unwrap();
        assert!(
            msg.starts_with("(#2200) Callback verification failed with the following errors: HTTP Status Code = 200; HTTP Message = OK; Response does not match challenge, expected value=\"")
                && msg.ends_with("received=\"not the challenge\""),
            "{b}: {msg}"
        );
        // Nothing listens on a closed port.
        let closed = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap()
        };
        let res = subscribe(&server, &format!("http://{closed}/hook"), "comments").await;
        let e = error(&res, b);
        assert!(
            e["message"].as_str().unwrap().starts_with("(#2200) Callback verification failed with the following errors: curl_errno = 7; curl_error = Couldn't connect to server"),
            "{b}: {e}"
        );
        // A failed verification changed nothing.
        let listed = ok(
            &call(&server, Method::GET, &path, &app_token(), &[]).await,
            b,
        );
        assert_eq!(listed["data"][0]["callback_url"], hook.url, "{b}");
        assert_eq!(listed["data"][0]["fields"].as_array().unwrap().len(), 3);

        // DELETE with fields removes those; without, the subscription.
        let res = call(
            &server,
            Method::DELETE,
            &path,
            &app_token(),
            &[
                ("object", "instagram"),
                ("fields", "mentions,story_insights"),
            ],
        )
        .await;
        assert_eq!(ok(&res, b), json!({"success": true}));
        let listed = ok(
            &call(&server, Method::GET, &path, &app_token(), &[]).await,
            b,
        );
        assert_eq!(
            listed["data"][0]["fields"],
            json!([{"name": "comments", "version": "v22.0"}])
        );
        let res = call(
            &server,
            Method::DELETE,
            &path,
            &app_token(),
            &[("fields", "comments")],
        )
        .await;
        assert_eq!(
            error(&res, b),
            oauth(100, "(#100) The parameter object is required")
        );
        let res = call(
            &server,
            Method::DELETE,
            &path,
            &app_token(),
            &[("object", "instagram")],
        )
        .await;
        ok(&res, b);
        let listed = ok(
            &call(&server, Method::GET, &path, &app_token(), &[]).await,
            b,
        );
        assert_eq!(listed, json!({"data": []}));
        let db = Db::open(&server).await;
        assert_eq!(db.count("webhook_subscriptions").await, 0, "{b}");
    }
}

#[tokio::test]
async fn callbacks_on_allowed_hosts_are_accepted() {
    let server = TestServer::spawn_with(TestOptions {
        configure: |c| c.webhook_allow_hosts = vec!["hooks.localgram.test".into()],
        ..Default::default()
    })
    .await;
    // The host is allowed, so the handshake is attempted (and fails: the name does not resolve).
    let res = subscribe(&server, "http://hooks.localgram.test:9/hook", "comments").await;
    let e = error(&res, "allowed host");
    assert_eq!(e["code"], 2200, "{e}");
    let res = subscribe(&server, "http://other.localgram.test/hook", "comments").await;
    assert_eq!(
        error(&res, "other host")["message"],
        "(#100) Param callback_url is refused: Localgram only calls callbacks on the loopback or on a host allowed with --webhook-allow-host, and other.localgram.test is neither"
    );
}

#[tokio::test]
async fn subscribed_apps_on_both_hosts() {
    use reqwest::Method;
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn(&backend).await;
        // graph.instagram.com: the account itself, or `me`.
        let path = format!("{IG}/{CAFE_ID}/subscribed_apps");
        let res = call(
            &server,
            Method::POST,
            &path,
            CAFE_LIVE,
            &[("subscribed_fields", "comments,messages")],
        )
        .await;
        assert_eq!(ok(&res, b), json!({"success": true}));
        let res = call(
            &server,
            Method::GET,
            &format!("{IG}/me/subscribed_apps"),
            CAFE_LIVE,
            &[],
        )
        .await;
        assert_eq!(
            ok(&res, b),
            json!({"data": [{"id": LIVE_APP_ID, "subscribed_fields": ["comments", "messages"]}]})
        );
        let res = call(&server, Method::POST, &path, CAFE_LIVE, &[]).await;
        assert_eq!(
            error(&res, b),
            oauth(100, "(#100) The parameter subscribed_fields is required")
        );
        let res = call(
            &server,
            Method::POST,
            &path,
            CAFE_LIVE,
            &[("subscribed_fields", "feed")],
        )
        .await;
        assert_eq!(
            error(&res, b)["message"]
                .as_str()
                .unwrap()
                .split(" {")
                .next(),
            Some("(#100) Param subscribed_fields[0] must be one of")
        );
        let res = call(
            &server,
            Method::GET,
            &format!("{IG}/{TESTER_ID}/subscribed_apps"),
            CAFE_LIVE,
            &[],
        )
        .await;
        assert_eq!(
            error(&res, b),
            graph_error(
                100,
                Some(33),
                "IGApiException",
                &format!(
                    "Unsupported get request. Object with ID '{TESTER_ID}' does not exist, cannot be loaded due to missing permissions, or does not support this operation"
                )
            )["error"]
        );
        let res = call(&server, Method::DELETE, &path, CAFE_LIVE, &[]).await;
        assert_eq!(ok(&res, b), json!({"success": true}));
        let res = call(&server, Method::GET, &path, CAFE_LIVE, &[]).await;
        assert_eq!(ok(&res, b), json!({"data": []}));

        // graph.facebook.com: the Page, with its Page token.
        let page_path = format!("{FB}/{}/subscribed_apps", fb::CAFE_PAGE);
        let res = call(
            &server,
            Method::POST,
            &page_path,
            PAGE_META,
            &[("subscribed_fields", "comments")],
        )
        .await;
        assert_eq!(ok(&res, b), json!({"success": true}));
        let res = call(
            &server,
            Method::GET,
            &format!("{FB}/me/subscribed_apps"),
            PAGE_META,
            &[],
        )
        .await;
        assert_eq!(
            ok(&res, b),
            json!({"data": [{"name": "Facebook Only", "id": fb::APP_ID, "subscribed_fields": ["comments"]}]})
        );
        let res = call(
            &server,
            Method::POST,
            &page_path,
            fb::PAGE_TOKEN,
            &[("subscribed_fields", "comments")],
        )
        .await;
        assert_eq!(
            error(&res, b),
            oauth(
                200,
                "(#200) Permissions error: the pages_manage_metadata permission is required"
            )
        );
        let res = call(&server, Method::GET, &page_path, fb::LONG_TOKEN, &[]).await;
        assert_eq!(
            error(&res, b),
            oauth(
                210,
                "(#210) A page access token is required to request this resource."
            )
        );
        let res = call(&server, Method::DELETE, &page_path, PAGE_META, &[]).await;
        ok(&res, b);
        let db = Db::open(&server).await;
        assert_eq!(db.count("webhook_subscribed_apps").await, 0, "{b}");
    }
}

// ------------------------------------------------------------------------------------------------
// Deliveries
// ------------------------------------------------------------------------------------------------

#[tokio::test]
async fn comments_and_mentions_are_delivered_signed_in_order_and_retried_on_the_test_clock() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn(&backend).await;
        let hook = receiver().await;
        ok(&subscribe(&server, &hook.url, "comments,mentions").await, b);
        enable(&server, IG, CAFE_LIVE, "comments").await;
        enable(&server, IG, JANE_LIVE, "mentions").await;

        // Three comments: three deliveries, in order, signed with the app secret.
        let mut ids = Vec::new();
        for text in ["first/é", "second", "third with a mention of @jane.doe"] {
            ids.push(comment(&server, text).await);
        }
        let posts = hook.wait_posts(4, b).await;
        let bodies: Vec<Value> = posts.iter().map(|p| signed(p, b)).collect();
        let comments: Vec<&Value> = bodies
            .iter()
            .filter(|v| v["entry"][0]["changes"][0]["field"] == "comments")
            .collect();
        assert_eq!(comments.len(), 3, "{b}: {bodies:?}");
        for (i, body) in comments.iter().enumerate() {
            let value = change(body, CAFE_ID, "comments", b);
            assert_eq!(value["id"], ids[i], "{b}: in order");
            assert_eq!(
                value["from"],
                json!({"id": CAFE_ID, "username": "sizzle.cafe"})
            );
            assert_eq!(
                value["media"],
                json!({"id": POST, "media_product_type": "FEED"})
            );
            assert!(value.get("parent_id").is_none(), "{b}");
        }
        assert_eq!(
            change(comments[0], CAFE_ID, "comments", b)["text"],
            "first/é"
        );
        // The bytes are Meta's: `/` and non-ASCII escaped.
        assert!(
            posts[0].1.contains(r#""text":"first\/\u00e9""#),
            "{b}: {}",
            posts[0].1
        );
        assert_eq!(
            bodies[0]["entry"][0]["time"], 1_795_176_000,
            "{b}: the test clock, in seconds"
        );
        let mention = bodies
            .iter()
            .find(|v| v["entry"][0]["changes"][0]["field"] == "mentions")
            .unwrap();
        assert_eq!(
            change(mention, TESTER_ID, "mentions", b),
            json!({"comment_id": ids[2], "media_id": POST})
        );

        // A reply carries parent_id.
        let reply = call(
            &server,
            reqwest::Method::POST,
            &format!("{IG}/{}/replies", ids[0]),
            MODERATOR,
            &[("message", "a reply")],
        )
        .await;
        let reply_id = ok(&reply, b)["id"].as_str().unwrap().to_owned();
        let posts = hook.wait_posts(5, b).await;
        let value = change(&signed(&posts[4], b), CAFE_ID, "comments", b);
        assert_eq!(value["id"], reply_id);
        assert_eq!(value["parent_id"], ids[0]);

        // The receiver fails: an attempt, an immediate retry, then a wait of one minute; the
        // next update waits behind the first.
        hook.fail_with(503);
        let fourth = comment(&server, "fourth").await;
        let fifth = comment(&server, "fifth").await;
        let posts = hook.wait_posts(7, b).await;
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert_eq!(
            hook.posts().len(),
            7,
            "{b}: no third attempt before the clock moves"
        );
        for p in &posts[5..7] {
            assert_eq!(
                change(&signed(p, b), CAFE_ID, "comments", b)["id"],
                fourth,
                "{b}: the head only"
            );
        }
        let list = deliveries(&server).await;
        let head = list
            .iter()
            .find(|d| d["payload"].as_str().unwrap().contains(&fourth))
            .unwrap();
        assert_eq!(head["state"], "pending", "{b}: {head}");
        assert_eq!(head["attempts"], 2, "{b}: {head}");
        assert_eq!(head["response_status"], 503);
        assert_eq!(head["response_body"], "receiver down");
        assert_eq!(
            head["next_attempt_at"], "2026-11-20T12:01:00Z",
            "{b}: {head}"
        );
        assert_eq!(head["kind"], "event");
        let sig = head["signature"].as_str().unwrap();
        assert!(verify_webhook_signature(
            &AppSecret::new(LIVE_APP_SECRET),
            head["payload"].as_str().unwrap().as_bytes(),
            sig
        ));
        let waiting = list
            .iter()
            .find(|d| d["payload"].as_str().unwrap().contains(&fifth))
            .unwrap();
        assert_eq!(waiting["attempts"], 0, "{b}: {waiting}");
        assert_eq!(waiting["state"], "pending");

        // 59 s later nothing is due yet; at 60 s the receiver is back and both go, in order.
        advance(&server, 59).await;
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert_eq!(hook.posts().len(), 7, "{b}");
        hook.fail_with(200);
        advance(&server, 1).await;
        let posts = hook.wait_posts(9, b).await;
        assert_eq!(
            change(&signed(&posts[7], b), CAFE_ID, "comments", b)["id"],
            fourth
        );
        assert_eq!(
            change(&signed(&posts[8], b), CAFE_ID, "comments", b)["id"],
            fifth
        );
        // The receiver has the POST a moment before the worker records its answer.
        let list = delivered(&server, b).await;
        let head = list
            .iter()
            .find(|d| d["payload"].as_str().unwrap().contains(&fourth))
            .unwrap();
        assert_eq!(head["attempts"], 3);
        assert_eq!(head["response_status"], 200);
        assert_eq!(head["response_body"], "EVENT_RECEIVED");
        assert_eq!(head["next_attempt_at"], Value::Null);
        assert_eq!(list.len(), 7, "{b}: one row per update and app");

        // Given up after 36 hours: the receiver fails for good. Attempts at 0 s, 0 s, then at
        // +12 h, +24 h and +36 h as the clock jumps; the next wait would end past the window.
        hook.fail_with(500);
        let doomed = comment(&server, "doomed").await;
        hook.wait_posts(11, b).await;
        for n in [12, 13, 14] {
            advance(&server, 12 * 3600).await;
            hook.wait_posts(n, b).await;
        }
        let find = |list: &[Value]| {
            list.iter()
                .find(|d| d["payload"].as_str().unwrap().contains(&doomed))
                .cloned()
                .unwrap()
        };
        let mut d = find(&deliveries(&server).await);
        for _ in 0..50 {
            if d["state"] != "pending" {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
            d = find(&deliveries(&server).await);
        }
        assert_eq!(d["state"], "failed", "{b}: {d}");
        assert_eq!(d["attempts"], 5, "{b}: {d}");
        assert_eq!(d["next_attempt_at"], Value::Null);
        advance(&server, 86_400).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(hook.posts().len(), 14, "{b}: nothing more after giving up");
    }
}

#[tokio::test]
async fn only_live_apps_enabled_by_public_accounts_get_updates() {
    let backend = Backend::Sqlite;
    let server = spawn(&backend).await;
    let hook = receiver().await;
    ok(
        &subscribe(&server, &hook.url, "comments").await,
        "subscribe",
    );
    // Not enabled by the account: nothing.
    comment(&server, "nobody listens").await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(hook.posts().len(), 0);
    assert_eq!(deliveries(&server).await.len(), 0);
    // Enabled: delivered. Then the account goes private: nothing more.
    enable(&server, IG, CAFE_LIVE, "comments").await;
    comment(&server, "now").await;
    hook.wait_posts(1, "enabled").await;
    let db = Db::open(&server).await;
    db.exec(&format!(
        "UPDATE ig_users SET is_private = TRUE WHERE id = '{CAFE_ID}'"
    ))
    .await;
    server.state.platform.clear_caches();
    comment(&server, "private now").await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(hook.posts().len(), 1);
    // A development-mode app gets no updates (its test events still go).
    db.exec(&format!(
        "UPDATE ig_users SET is_private = FALSE WHERE id = '{CAFE_ID}'"
    ))
    .await;
    db.exec(&format!(
        "UPDATE apps SET mode = 'development' WHERE id = '{LIVE_APP_ID}'"
    ))
    .await;
    server.state.platform.clear_caches();
    comment(&server, "development").await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(hook.posts().len(), 1);
    let res = control(
        &server,
        reqwest::Method::POST,
        "/_localgram/webhooks/test",
        Some(json!({"app": LIVE_APP_ID, "object": "instagram", "field": "comments"})),
    )
    .await;
    assert_eq!(res.status, 202, "{}", res.text);
    hook.wait_posts(2, "test event").await;
}

#[tokio::test]
async fn pending_deliveries_survive_a_restart_and_go_once() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn(&backend).await;
        let hook = receiver().await;
        ok(&subscribe(&server, &hook.url, "comments").await, b);
        enable(&server, IG, CAFE_LIVE, "comments").await;
        hook.fail_with(500);
        let ids = [comment(&server, "one").await, comment(&server, "two").await];
        hook.wait_posts(2, b).await;
        let server = server.restart().await;
        hook.fail_with(200);
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(hook.posts().len(), 2, "{b}: the retry waits for the clock");
        advance(&server, 60).await;
        let posts = hook.wait_posts(4, b).await;
        tokio::time::sleep(Duration::from_millis(400)).await;
        let posts_after = hook.posts();
        assert_eq!(posts_after.len(), 4, "{b}: each delivered once");
        assert_eq!(
            change(&signed(&posts[2], b), CAFE_ID, "comments", b)["id"],
            ids[0]
        );
        assert_eq!(
            change(&signed(&posts[3], b), CAFE_ID, "comments", b)["id"],
            ids[1]
        );
        let list = delivered(&server, b).await;
        assert_eq!(list.len(), 2, "{b}");
    }
}

#[tokio::test]
async fn two_instances_on_postgres_send_each_update_once() {
    let Some(backend) = Backend::all().into_iter().find(|b| b.name() == "postgres") else {
        return;
    };
    let server = spawn(&backend).await;
    let second = server.spawn_sharing().await;
    let hook = receiver().await;
    ok(&subscribe(&server, &hook.url, "comments").await, "pg");
    enable(&server, IG, CAFE_LIVE, "comments").await;
    let mut ids = Vec::new();
    for i in 0..12 {
        let target = if i % 2 == 0 { &server } else { &second };
        let res = call(
            target,
            reqwest::Method::POST,
            &format!("{IG}/{POST}/comments"),
            MODERATOR,
            &[("message", &format!("comment {i}"))],
        )
        .await;
        ids.push(ok(&res, "pg")["id"].as_str().unwrap().to_owned());
    }
    let posts = hook.wait_posts(12, "pg").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(hook.posts().len(), 12, "each update once");
    let got: Vec<Value> = posts
        .iter()
        .map(|p| change(&signed(p, "pg"), CAFE_ID, "comments", "pg")["id"].clone())
        .collect();
    assert_eq!(
        got,
        ids.iter().map(|i| json!(i)).collect::<Vec<_>>(),
        "in order"
    );
}

#[tokio::test]
async fn the_sdk_subscribes_and_enables() {
    use localgram_client::{AccessToken, Host};
    let server = spawn(&Backend::Sqlite).await;
    let hook = receiver().await;
    let app = server.sdk().with_token(AccessToken::new(app_token()));
    app.subscribe_webhooks(LIVE_APP_ID, &hook.url, &["comments"], VERIFY)
        .await
        .unwrap();
    let refused = app
        .subscribe_webhooks(LIVE_APP_ID, "https://example.com/x", &["comments"], VERIFY)
        .await
        .unwrap_err();
    assert!(
        refused.to_string().contains("example.com is neither"),
        "{refused}"
    );
    let cafe = server.sdk().with_token(AccessToken::new(CAFE_LIVE));
    cafe.enable_webhooks(Host::GraphInstagram, "me", &["comments"])
        .await
        .unwrap();
    comment(&server, "through the SDK").await;
    let posts = hook.wait_posts(1, "sdk").await;
    assert_eq!(
        change(&signed(&posts[0], "sdk"), CAFE_ID, "comments", "sdk")["text"],
        "through the SDK"
    );
}

#[tokio::test]
async fn a_published_caption_mentioning_an_account_is_delivered_to_it() {
    use reqwest::Method;
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn(&backend).await;
        let hook = receiver().await;
        ok(&subscribe(&server, &hook.url, "mentions").await, b);
        enable(&server, IG, JANE_LIVE, "mentions").await;
        let image_url = server.url("/cdn/media/17895695668004550.jpg");
        let res = call(
            &server,
            Method::POST,
            &format!("{IG}/me/media"),
            "IGAAlocalgramCafePublish",
            &[
                ("image_url", &image_url),
                ("caption", "Buns with @jane.doe and @nobody.here"),
            ],
        )
        .await;
        let container = ok(&res, b)["id"].as_str().unwrap().to_owned();
        server.advance(2);
        let res = call(
            &server,
            Method::POST,
            &format!("{IG}/me/media_publish"),
            "IGAAlocalgramCafePublish",
            &[("creation_id", &container)],
        )
        .await;
        let media_id = ok(&res, b)["id"].as_str().unwrap().to_owned();
        let posts = hook.wait_posts(1, b).await;
        assert_eq!(
            change(&signed(&posts[0], b), TESTER_ID, "mentions", b),
            json!({"media_id": media_id})
        );
        // Publishing it again changes nothing and sends nothing.
        let again = call(
            &server,
            Method::POST,
            &format!("{IG}/me/media_publish"),
            "IGAAlocalgramCafePublish",
            &[("creation_id", &container)],
        )
        .await;
        assert_eq!(ok(&again, b)["id"], media_id);
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(hook.posts().len(), 1, "{b}");
    }
}

/// Publishes a story of sizzle.cafe now; its media id.
async fn publish_story(server: &TestServer, ctx: &str) -> String {
    use reqwest::Method;
    let image_url = server.url("/cdn/media/17895695668004550.jpg");
    let res = call(
        server,
        Method::POST,
        &format!("{IG}/me/media"),
        "IGAAlocalgramCafePublish",
        &[("image_url", &image_url), ("media_type", "STORIES")],
    )
    .await;
    let container = ok(&res, ctx)["id"].as_str().unwrap().to_owned();
    server.advance(2);
    let res = call(
        server,
        Method::POST,
        &format!("{IG}/me/media_publish"),
        "IGAAlocalgramCafePublish",
        &[("creation_id", &container)],
    )
    .await;
    ok(&res, ctx)["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn an_expired_story_sends_its_insights_once_through_the_page() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn(&backend).await;
        let hook = receiver().await;
        ok(&subscribe(&server, &hook.url, "story_insights").await, b);

        // Enabled through Instagram Login only: Meta serves story_insights with Facebook Login,
        // so the story expires without an update (and is not sent later either).
        enable(&server, IG, CAFE_LIVE, "story_insights").await;
        let quiet = publish_story(&server, b).await;
        advance(&server, 24 * 3600 + 5).await;
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert_eq!(hook.posts().len(), 0, "{b}");
        let db = Db::open(&server).await;
        let sent = db
            .count(&format!(
                "ig_media WHERE id = '{quiet}' AND story_insights_sent_ms IS NOT NULL"
            ))
            .await;
        assert_eq!(sent, 1, "{b}: the quiet story is marked");

        // Enabled by the Page for story_insights: the next story's update goes when it expires,
        // not before, timed at its expiry, with the story's invented counts.
        enable(&server, FB, PAGE_LIVE, "story_insights").await;
        let story = publish_story(&server, b).await;
        advance(&server, 23 * 3600).await;
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert_eq!(hook.posts().len(), 0, "{b}: not expired yet");
        advance(&server, 3600 + 5).await;
        let posts = hook.wait_posts(1, b).await;
        let body = signed(&posts[0], b);
        let value = change(&body, CAFE_ID, "story_insights", b);
        assert_eq!(
            value,
            localgram_core::webhooks::story_insights_value(&story),
            "{b}"
        );
        assert_eq!(value["media_id"], story, "{b}");
        let published_ms = db
            .opt_i64(&format!(
                "SELECT timestamp_ms FROM ig_media WHERE id = '{story}' AND media_product_type = 'STORY'"
            ))
            .await
            .unwrap();
        assert_eq!(
            body["entry"][0]["time"],
            published_ms / 1000 + 24 * 3600,
            "{b}: the update is timed at the expiry"
        );

        // Once: the clock moving on sends nothing more.
        advance(&server, 3600).await;
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert_eq!(hook.posts().len(), 1, "{b}");
        let listed = deliveries(&server).await;
        assert_eq!(listed.len(), 1, "{b}: {listed:?}");
        assert_eq!(listed[0]["field"], "story_insights", "{b}");

        // A story that had already expired when its world was loaded sends nothing.
        let res = post_world(&server, "application/toml", &format!(
                    "{CAFE_POST}\n  [[instagram_users.media]]\n  id = \"17900000000000077\"\n  media_type = \"IMAGE\"\n  media_product_type = \"STORY\"\n  timestamp = \"2026-05-04T08:00:00+0000\"\n"
                )).await;
        assert_eq!(res.status, 200, "{b}: {}", res.text);
        advance(&server, 60).await;
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert_eq!(hook.posts().len(), 1, "{b}: the old story sent nothing");
        let sent = db
            .count("ig_media WHERE id = '17900000000000077' AND story_insights_sent_ms IS NOT NULL")
            .await;
        assert_eq!(sent, 1, "{b}: the old story is marked");
    }
}

/// The app's subscriptions, sizzle.cafe's enablings and its Page's, as the API answers them.
async fn webhook_answers(server: &TestServer) -> (Value, Value, Value) {
    use reqwest::Method;
    let subs = call(
        server,
        Method::GET,
        &format!("{FB}/{LIVE_APP_ID}/subscriptions"),
        &app_token(),
        &[],
    )
    .await;
    let ig = call(
        server,
        Method::GET,
        &format!("{IG}/me/subscribed_apps"),
        CAFE_LIVE,
        &[],
    )
    .await;
    let page = call(
        server,
        Method::GET,
        &format!("{FB}/me/subscribed_apps"),
        PAGE_LIVE,
        &[],
    )
    .await;
    (ok(&subs, "subs"), ok(&ig, "ig"), ok(&page, "page"))
}

#[tokio::test]
async fn subscriptions_travel_in_the_world_export_and_world_files() {
    use reqwest::Method;
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn(&backend).await;
        let hook = receiver().await;
        ok(&subscribe(&server, &hook.url, "comments").await, b);
        // A field subscribed by a versioned call keeps its version.
        let res = call(
            &server,
            Method::POST,
            &format!("/graph.facebook.com/v25.0/{LIVE_APP_ID}/subscriptions"),
            &app_token(),
            &[
                ("object", "instagram"),
                ("callback_url", &hook.url),
                ("fields", "story_insights"),
                ("verify_token", VERIFY),
            ],
        )
        .await;
        ok(&res, b);
        enable(&server, IG, CAFE_LIVE, "comments").await;
        enable(&server, FB, PAGE_LIVE, "story_insights").await;
        let before = webhook_answers(&server).await;
        assert_eq!(
            before.0["data"][0]["fields"],
            json!([{"name": "comments", "version": "v22.0"}, {"name": "story_insights", "version": "v25.0"}]),
            "{b}"
        );

        let export = get(&client(), &server.url("/_localgram/world")).await;
        assert_eq!(export.status, 200, "{b}: {}", export.text);
        let world: Value = export.json();
        let app = world["apps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["id"] == LIVE_APP_ID)
            .unwrap();
        assert_eq!(
            app["webhooks"],
            json!([{"object": "instagram", "callback_url": hook.url,
                    "fields": ["comments", {"name": "story_insights", "version": "v25.0"}]}]),
            "{b}"
        );

        let target = TestServer::spawn_with(TestOptions {
            backend: backend.clone(),
            world: None,
            ..Default::default()
        })
        .await;
        let res = post_world(&target, "application/json", &export.text).await;
        assert_eq!(res.status, 200, "{b}: {}", res.text);
        assert_eq!(webhook_answers(&target).await, before, "{b}");
        // No handshake on load; the subscription works: a comment on the new server is sent.
        assert_eq!(hook.hooks.gets.lock().unwrap().len(), 2, "{b}");
        let res = call(
            &target,
            Method::POST,
            &format!("{IG}/{POST}/comments"),
            MODERATOR,
            &[("message", "after the import")],
        )
        .await;
        let id = ok(&res, b)["id"].as_str().unwrap().to_owned();
        let posts = hook.wait_posts(1, b).await;
        assert_eq!(
            change(&signed(&posts[0], b), CAFE_ID, "comments", b)["id"],
            id
        );

        // A world file with an unknown field is refused whole, naming the entry and the key.
        let bad = r#"version = 1

[[apps]]
id = "990602627938555"
secret = "0123456789abcdef"
name = "Hooks"

  [[apps.webhooks]]
  callback_url = "http://127.0.0.1:9/hook"
  fields = ["comments", "likes"]
"#;
        let res = post_world(&target, "application/toml", bad).await;
        assert_eq!(res.status, 400, "{b}: {}", res.text);
        assert_eq!(
            res.json()["error"],
            "world file: apps[0].webhooks[0] (app \"990602627938555\"): field `fields[1]`: \"likes\" is not a field of the instagram object (one of comments, live_comments, mentions, message_reactions, messages, messaging_handover, messaging_optins, messaging_postbacks, messaging_referral, messaging_seen, standby, story_insights)",
            "{b}"
        );
        let db = Db::open(&target).await;
        assert_eq!(
            db.count("apps WHERE id = '990602627938555'").await,
            0,
            "{b}"
        );
        // And one enabling an app nobody declared.
        let bad = CAFE_POST.to_owned()
            + "\n  [[instagram_users.subscribed_apps]]\n  app = \"990602627938556\"\n  subscribed_fields = [\"comments\"]\n";
        let res = post_world(&target, "application/toml", &bad).await;
        assert_eq!(res.status, 400, "{b}: {}", res.text);
        assert!(
            res.text.contains("instagram_users[0].subscribed_apps[0]")
                && res.text.contains("990602627938556"),
            "{b}: {}",
            res.text
        );
    }
}

// ------------------------------------------------------------------------------------------------
// Test events, the control plane, reset
// ------------------------------------------------------------------------------------------------

#[tokio::test]
async fn test_events_and_the_control_plane() {
    use reqwest::Method;
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn(&backend).await;
        let hook = receiver().await;
        let test = |body: Value| {
            let server = &server;
            async move {
                control(
                    server,
                    Method::POST,
                    "/_localgram/webhooks/test",
                    Some(body),
                )
                .await
            }
        };
        let res = test(json!({"app": LIVE_APP_ID, "field": "comments"})).await;
        assert_eq!(res.status, 400, "{b}: {}", res.text);
        assert_eq!(
            res.json()["error"],
            format!(
                "app: app {LIVE_APP_ID} has no subscription to object instagram; create one first (POST /{LIVE_APP_ID}/subscriptions)"
            )
        );
        ok(&subscribe(&server, &hook.url, "comments").await, b);
        let res =
            test(json!({"app": LIVE_APP_ID, "object": "instagram", "field": "mentions"})).await;
        assert_eq!(res.status, 202, "{b}: {}", res.text);
        let id = res.json()["id"].as_i64().unwrap();
        let posts = hook.wait_posts(1, b).await;
        let body = signed(&posts[0], b);
        assert_eq!(
            change(&body, "0", "mentions", b),
            json!({"media_id": "17887498072083520", "comment_id": "17887498072083520"})
        );
        let list = deliveries(&server).await;
        assert_eq!(list[0]["id"], id);
        assert_eq!(list[0]["kind"], "test");
        let res = test(json!({"app": LIVE_APP_ID, "field": "comments"})).await;
        assert_eq!(res.status, 202);
        let body = signed(&hook.wait_posts(2, b).await[1], b);
        assert_eq!(
            change(&body, "0", "comments", b),
            json!({
                "from": {"id": "232323232", "username": "test"},
                "media": {"id": "123123123", "media_product_type": "FEED"},
                "id": "17865799348089039",
                "parent_id": "1231231234",
                "text": "This is an example.",
            })
        );

        for (body, status, message) in [
            (
                json!({"app": "1", "field": "comments"}),
                404,
                "app: no app with id \"1\"",
            ),
            (
                json!({"app": LIVE_APP_ID, "field": "likes"}),
                400,
                "field: \"likes\" has no sample payload; use comments, live_comments, mentions, messages or story_insights",
            ),
            (
                json!({"app": LIVE_APP_ID, "object": "page", "field": "feed"}),
                400,
                "object: \"page\" is not served; use instagram",
            ),
        ] {
            let res = test(body.clone()).await;
            assert_eq!(res.status, status, "{b}: {body}: {}", res.text);
            assert_eq!(res.json()["error"], message, "{b}");
        }
        let res = test(json!({"field": "comments"})).await;
        assert_eq!(res.status, 400);
        assert!(
            res.json()["error"]
                .as_str()
                .unwrap()
                .contains("missing field `app`")
        );
        let res = control(
            &server,
            Method::GET,
            "/_localgram/webhooks/deliveries?limit=0",
            None,
        )
        .await;
        assert_eq!(res.status, 400);
        assert_eq!(
            res.json()["error"],
            "limit: \"0\" is not a whole number from 1 to 1000"
        );
        let res = control(
            &server,
            Method::GET,
            "/_localgram/webhooks/deliveries?state=x",
            None,
        )
        .await;
        assert_eq!(res.status, 400);
        assert_eq!(
            res.json()["error"],
            "unknown parameter \"state\": use app and limit"
        );
        let res = control(
            &server,
            Method::GET,
            "/_localgram/webhooks/deliveries?limit=1",
            None,
        )
        .await;
        assert_eq!(ok(&res, b)["data"].as_array().unwrap().len(), 1);

        // A snapshot keeps the subscription; a restore (and a reset) forget the deliveries.
        server.snapshots().save("with-hook").await;
        server.snapshots().restore("with-hook").await;
        assert_eq!(deliveries(&server).await.len(), 0, "{b}");
        let listed = call(
            &server,
            Method::GET,
            &format!("{FB}/{LIVE_APP_ID}/subscriptions"),
            &app_token(),
            &[],
        )
        .await;
        assert_eq!(ok(&listed, b)["data"].as_array().unwrap().len(), 1, "{b}");
        server.reset().await;
        let listed = call(
            &server,
            Method::GET,
            &format!("{FB}/{LIVE_APP_ID}/subscriptions"),
            &app_token(),
            &[],
        )
        .await;
        assert_eq!(ok(&listed, b), json!({"data": []}), "{b}");
    }
}

// ------------------------------------------------------------------------------------------------
// The dashboard
// ------------------------------------------------------------------------------------------------

/// Opens `path` with `br`, then posts `form` (plus the page's CSRF token) to `action`.
async fn submit(
    server: &TestServer,
    br: &reqwest::Client,
    path: &str,
    action: &str,
    form: &[(&str, &str)],
) -> Reply {
    let page = get(br, &server.url(path)).await;
    assert_eq!(page.status, 200, "{path}: {}", page.text);
    let token = localgram_testkit::form_value(&page.text, "csrf").unwrap();
    let mut fields = vec![("csrf", token.as_str())];
    fields.extend_from_slice(form);
    post_form(br, &server.url(action), &fields).await
}

#[tokio::test]
async fn the_dashboard_page_subscribes_tests_and_lists_deliveries() {
    let server = spawn(&Backend::Sqlite).await;
    let hook = receiver().await;
    let br = localgram_testkit::browser();
    let page_path = format!("/apps/{LIVE_APP_ID}/webhooks");
    let app_page = get(&br, &server.url(&format!("/apps/{LIVE_APP_ID}"))).await;
    assert!(
        app_page
            .text
            .contains(&format!("href=\"{page_path}\" id=\"webhooks-link\""))
    );
    let page = get(&br, &server.url(&page_path)).await;
    assert_eq!(page.status, 200, "{}", page.text);
    assert_eq!(
        element_text(&page.text, "webhooks-none").as_deref(),
        Some("No subscription yet.")
    );
    // The test button needs a subscription.
    let res = submit(
        &server,
        &br,
        &page_path,
        &format!("{page_path}/test"),
        &[("field", "comments")],
    )
    .await;
    assert_eq!(res.status, 400);
    assert!(
        res.text.contains("Save a subscription first"),
        "{}",
        res.text
    );
    // A refused callback: 400, the Graph error's text, what was typed kept, nothing saved.
    let res = submit(
        &server,
        &br,
        &page_path,
        &format!("{page_path}/subscribe"),
        &[
            ("callback_url", "https://example.com/hook"),
            ("verify_token", VERIFY),
            ("field", "comments"),
        ],
    )
    .await;
    assert_eq!(res.status, 400);
    assert!(res.text.contains("example.com is neither"), "{}", res.text);
    assert_eq!(
        localgram_testkit::form_value(&res.text, "callback_url").as_deref(),
        Some("https://example.com/hook")
    );
    let res = submit(
        &server,
        &br,
        &page_path,
        &format!("{page_path}/subscribe"),
        &[
            ("callback_url", &hook.url),
            ("verify_token", VERIFY),
            ("field", "comments"),
            ("field", "mentions"),
        ],
    )
    .await;
    assert_eq!(res.status, 303, "{}", res.text);
    assert_eq!(
        res.location(),
        Some(format!("{page_path}?done=webhook_subscribed").as_str())
    );
    assert_eq!(
        hook.hooks.gets.lock().unwrap().len(),
        1,
        "the handshake ran"
    );
    let page = get(
        &br,
        &server.url(&format!("{page_path}?done=webhook_subscribed")),
    )
    .await;
    assert_eq!(
        element_text(&page.text, "webhooks-callback").as_deref(),
        Some(hook.url.as_str())
    );
    assert!(page.text.contains("The callback answered the challenge"));
    let res = submit(
        &server,
        &br,
        &page_path,
        &format!("{page_path}/test"),
        &[("field", "story_insights")],
    )
    .await;
    assert_eq!(res.status, 303, "{}", res.text);
    let posts = hook.wait_posts(1, "dashboard test").await;
    let body = signed(&posts[0], "dashboard");
    assert_eq!(
        change(&body, "0", "story_insights", "dashboard")["reach"],
        44
    );
    let mut page = get(&br, &server.url(&page_path)).await;
    for _ in 0..50 {
        if page.text.contains("data-state=\"delivered\"") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        page = get(&br, &server.url(&page_path)).await;
    }
    assert!(
        page.text.contains("data-state=\"delivered\""),
        "{}",
        page.text
    );
    assert!(page.text.contains("200 EVENT_RECEIVED"));
    let res = submit(
        &server,
        &br,
        &page_path,
        &format!("{page_path}/remove"),
        &[],
    )
    .await;
    assert_eq!(res.status, 303);
    let listed = call(
        &server,
        reqwest::Method::GET,
        &format!("{FB}/{LIVE_APP_ID}/subscriptions"),
        &app_token(),
        &[],
    )
    .await;
    assert_eq!(ok(&listed, "removed"), json!({"data": []}));
    // Every language has the page.
    let page = get(&br, &server.url(&format!("/lang/ko?back={page_path}"))).await;
    assert_eq!(page.status, 303);
    let page = get(&br, &server.url(&page_path)).await;
    assert_eq!(
        element_text(&page.text, "webhooks-title").as_deref(),
        Some("웹후크")
    );
}
