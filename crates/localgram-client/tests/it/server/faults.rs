//! The SDK's retry, throttle and paging logic against the server's fault rules
//! (docs/faults.md): a transient code 2 is retried, a 190 is not, a throttle is waited out for
//! `estimated_time_to_regain_access`, and a cursor loop is detected and stopped.

use futures_util::StreamExt;
use localgram_client::{AccessToken, Client, ClientError, RetryPolicy};
use localgram_testkit::TestServer;
use localgram_testkit::world::*;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::builder;

/// Adds a rule through the control plane.
async fn add_rule(base: &str, rule: Value) {
    let res = localgram_testkit::client()
        .post(format!("{base}/_localgram/faults"))
        .json(&rule)
        .send()
        .await
        .expect("POST /_localgram/faults");
    assert_eq!(
        res.status(),
        201,
        "{}",
        res.text().await.unwrap_or_default()
    );
}

/// How many calls the journal has on `path` of graph.instagram.com.
async fn calls(base: &str, path: &str) -> u64 {
    let res = localgram_testkit::client()
        .post(format!("{base}/_localgram/calls/count"))
        .json(&json!({"host": "graph.instagram.com", "path": path}))
        .send()
        .await
        .expect("POST /_localgram/calls/count");
    res.json::<Value>().await.unwrap()["count"]
        .as_u64()
        .unwrap()
}

/// A retry policy without jitter or real waiting that records each retry's delay.
fn recording_policy() -> (RetryPolicy, Arc<Mutex<Vec<Duration>>>) {
    let delays = Arc::new(Mutex::new(Vec::new()));
    let seen = delays.clone();
    let policy = RetryPolicy::default()
        .with_max_retries(3)
        .with_base_delay(Duration::from_millis(1))
        .with_max_delay(Duration::from_millis(1))
        .with_jitter(false)
        .with_max_wait(Duration::from_secs(3600))
        .on_retry(move |e| seen.lock().unwrap().push(e.delay));
    (policy, delays)
}

#[tokio::test]
async fn a_transient_code_2_is_retried_and_the_retry_succeeds() {
    let server = TestServer::spawn().await;
    add_rule(
        &server.base,
        json!({"match": {"host": "graph.instagram.com", "path": "/me"}, "when": {"nth": 1},
               "effect": {"graph_error": {"code": 2, "type": "OAuthException", "is_transient": true, "status": 500,
                          "message": "An unexpected error has occurred. Please retry your request later."}}}),
    )
    .await;
    let (policy, delays) = recording_policy();
    let client = builder(&server)
        .retry(policy)
        .build()
        .unwrap()
        .with_token(AccessToken::new(LONG_LIVED_TOKEN));
    let me = client.me().send().await.expect("retried to success");
    assert_eq!(me.id.as_deref(), Some(TESTER_ID));
    assert_eq!(delays.lock().unwrap().len(), 1, "one retry");
    assert_eq!(calls(&server.base, "/me").await, 2);
}

#[tokio::test]
async fn code_190_is_not_retried() {
    let server = TestServer::spawn().await;
    add_rule(
        &server.base,
        json!({"match": {"path": "/me"}, "effect": {"revoke_token": true}}),
    )
    .await;
    let (policy, delays) = recording_policy();
    let client = builder(&server)
        .retry(policy)
        .build()
        .unwrap()
        .with_token(AccessToken::new(LONG_LIVED_TOKEN));
    let e = client.me().send().await.unwrap_err();
    assert!(!e.is_transient(), "{e:?}");
    match &e {
        ClientError::Api { error, .. } => {
            assert_eq!(error.code(), 190, "{e:?}");
            assert_eq!(error.subcode(), Some(460), "{e:?}");
        }
        other => panic!("not a Graph error: {other:?}"),
    }
    assert!(delays.lock().unwrap().is_empty(), "no retry");
    assert_eq!(calls(&server.base, "/me").await, 1);
}

/// The server runs on a runtime of its own thread, so that this test's runtime can run on
/// tokio's paused clock: the client's wait of minutes passes at once, and no assertion depends
/// on real time.
#[tokio::test(start_paused = true)]
async fn a_throttle_is_waited_out_for_the_estimated_time_to_regain_access() {
    let (base_tx, base_rx) = std::sync::mpsc::channel();
    let (stop_tx, stop_rx) = std::sync::mpsc::channel::<()>();
    let server_thread = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let server = TestServer::spawn().await;
            base_tx.send(server.base.clone()).unwrap();
            tokio::task::spawn_blocking(move || stop_rx.recv())
                .await
                .ok();
            drop(server);
        });
    });
    let base = base_rx.recv().expect("the server starts");
    add_rule(
        &base,
        json!({"match": {"path": "/me"}, "when": {"times": 1},
               "effect": {"throttle": {"code": 80002, "estimated_time_to_regain_access": 7}}}),
    )
    .await;
    let (policy, delays) = recording_policy();
    let client = Client::builder()
        .localgram(&base)
        .ignore_env()
        .no_throttle()
        .timeout(None)
        .retry(policy)
        .build()
        .unwrap()
        .with_token(AccessToken::new(LONG_LIVED_TOKEN));
    let me = client.me().send().await.expect("admitted after the wait");
    assert_eq!(me.id.as_deref(), Some(TESTER_ID));
    assert_eq!(
        *delays.lock().unwrap(),
        [Duration::from_secs(7 * 60)],
        "the client waited the 7 minutes the usage header asked for"
    );
    assert_eq!(calls(&base, "/me").await, 2);
    stop_tx.send(()).unwrap();
    server_thread.join().unwrap();
}

#[tokio::test]
async fn a_cursor_loop_is_detected_and_paging_stops() {
    let server = TestServer::spawn().await;
    add_rule(
        &server.base,
        json!({"match": {"path": "/me/media"}, "effect": {"cursor_loop": true}}),
    )
    .await;
    let client = super::client(&server).with_token(AccessToken::new(LONG_LIVED_TOKEN));
    let results: Vec<_> = client.media().limit(1).stream().collect().await;
    let last = results.last().expect("something");
    assert!(
        matches!(last, Err(ClientError::PagingLoop { .. })),
        "{results:?}"
    );
    assert!(results.len() <= 4, "stopped at once: {results:?}");
    let made = calls(&server.base, "/me/media").await;
    assert!((2..=3).contains(&made), "{made} calls");
}
