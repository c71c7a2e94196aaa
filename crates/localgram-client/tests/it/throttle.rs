//! The client-side throttle, measured with tokio's paused clock: no test sleeps for real.

use std::time::Duration;

use localgram_client::http::HttpResponse;
use localgram_client::{AccessToken, StatusCode, ThrottleConfig};
use tokio::time::Instant;
use wiremock::matchers::path;
use wiremock::{Mock, ResponseTemplate};

use crate::support::{builder_for, canned, canned_builder, server};

fn ok() -> HttpResponse {
    HttpResponse::new(StatusCode::OK, r#"{"id":"1"}"#)
}

#[tokio::test(start_paused = true)]
async fn the_101st_call_within_60_seconds_waits_until_the_window_frees() {
    let (client, seen) = canned(canned_builder(), |_, _| ok());
    let start = Instant::now();
    for _ in 0..100 {
        client.me().send().await.unwrap();
    }
    // The first 100 go out at once.
    assert!(seen.times().iter().all(|t| *t == start));
    client.me().send().await.unwrap();
    let times = seen.times();
    assert_eq!(times.len(), 101);
    // The 101st left exactly when the first call's 60 s had passed.
    assert_eq!(times[100] - start, Duration::from_secs(60));
}

#[tokio::test(start_paused = true)]
async fn the_window_slides_with_spread_out_calls() {
    let (client, seen) = canned(canned_builder(), |_, _| ok());
    let start = Instant::now();
    for _ in 0..50 {
        client.me().send().await.unwrap();
    }
    tokio::time::advance(Duration::from_secs(30)).await;
    for _ in 0..50 {
        client.me().send().await.unwrap();
    }
    // Full: the next call waits for the first batch to leave (t = 60 s) ...
    client.me().send().await.unwrap();
    assert_eq!(seen.times()[100] - start, Duration::from_secs(60));
    // ... and 50 calls later, for the second batch (t = 90 s).
    for _ in 0..50 {
        client.me().send().await.unwrap();
    }
    assert_eq!(seen.times()[150] - start, Duration::from_secs(90));
}

#[tokio::test(start_paused = true)]
async fn each_token_has_its_own_budget() {
    let (client, seen) = canned(canned_builder(), |_, _| ok());
    let start = Instant::now();
    for _ in 0..100 {
        client.me().send().await.unwrap();
    }
    let other = client.with_token(AccessToken::new("IGQVJanotherToken"));
    other.me().send().await.unwrap();
    assert_eq!(seen.times()[100], start);
}

#[tokio::test(start_paused = true)]
async fn the_limit_is_configurable_and_can_be_switched_off() {
    let (client, seen) = canned(
        canned_builder().throttle(ThrottleConfig::new(5, Duration::from_secs(10))),
        |_, _| ok(),
    );
    let start = Instant::now();
    for _ in 0..6 {
        client.me().send().await.unwrap();
    }
    assert_eq!(seen.times()[5] - start, Duration::from_secs(10));

    let (client, seen) = canned(canned_builder().no_throttle(), |_, _| ok());
    let start = Instant::now();
    for _ in 0..250 {
        client.me().send().await.unwrap();
    }
    assert!(seen.times().iter().all(|t| *t == start));
}

#[tokio::test(start_paused = true)]
async fn concurrent_callers_share_one_budget() {
    let (client, seen) = canned(canned_builder(), |_, _| ok());
    let start = Instant::now();
    let tasks: Vec<_> = (0..150)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.me().send().await.unwrap() })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let times = seen.times();
    assert_eq!(times.iter().filter(|t| **t == start).count(), 100);
    assert!(
        times
            .iter()
            .all(|t| *t == start || *t - start == Duration::from_secs(60))
    );
}

#[tokio::test(start_paused = true)]
async fn over_real_http_the_101st_call_waits_too() {
    let server = server().await;
    Mock::given(path("/graph.instagram.com/v21.0/me"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"id": "1"})))
        .mount(&server)
        .await;
    // No timers in the transport (timeouts, idle pool sweeps), so the paused clock only moves
    // when the throttle waits.
    let http = reqwest::Client::builder()
        .pool_idle_timeout(None)
        .build()
        .unwrap();
    let client = builder_for(&server).reqwest_client(http).build().unwrap();
    let start = Instant::now();
    for _ in 0..100 {
        client.me().send().await.unwrap();
    }
    assert_eq!(start.elapsed(), Duration::ZERO);
    client.me().send().await.unwrap();
    assert_eq!(start.elapsed(), Duration::from_secs(60));
    assert_eq!(server.received_requests().await.unwrap().len(), 101);
}
