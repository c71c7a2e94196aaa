//! Retries: transient errors and rate limits are retried with backoff (and the server's wait);
//! everything else, and every non-idempotent call, is not.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use localgram_client::http::HttpResponse;
use localgram_client::requests::PageLocation;
use localgram_client::{ClientError, ErrorClass, RetryPolicy, StatusCode};
use tokio::time::Instant;
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::support::{canned, canned_builder, client_for, server};

const CODE_2: &str = r#"{"error":{"message":"An unexpected error has occurred. Please retry your request later.","type":"OAuthException","code":2,"is_transient":true,"fbtrace_id":"AbC2"}}"#;

fn code_2() -> HttpResponse {
    HttpResponse::new(StatusCode::INTERNAL_SERVER_ERROR, CODE_2)
}

fn ok() -> HttpResponse {
    HttpResponse::new(StatusCode::OK, r#"{"id":"1"}"#)
}

fn no_jitter() -> RetryPolicy {
    RetryPolicy::default().with_jitter(false)
}

#[tokio::test]
async fn a_500_code_2_is_retried_then_succeeds() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/graph.instagram.com/v21.0/me"))
        .respond_with(ResponseTemplate::new(500).set_body_string(CODE_2))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/graph.instagram.com/v21.0/me"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(serde_json::json!({"id": "7350012345678901"})),
        )
        .mount(&server)
        .await;
    let me = client_for(&server).me().send().await.unwrap();
    assert_eq!(me.id.as_deref(), Some("7350012345678901"));
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn create_page_is_never_retried() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/graph.facebook.com/v21.0/me/accounts"))
        .respond_with(ResponseTemplate::new(500).set_body_string(CODE_2))
        .expect(1)
        .mount(&server)
        .await;
    let e = client_for(&server)
        .create_page("Test Page")
        .location(PageLocation::city_id("2418779"))
        .send()
        .await
        .unwrap_err();
    // The error says it is transient; the client still did not send the POST again.
    assert!(e.is_transient());
    assert_eq!(e.graph_error().unwrap().code(), 2);
}

#[tokio::test(start_paused = true)]
async fn backoff_doubles_between_attempts() {
    let (client, seen) = canned(canned_builder().retry(no_jitter()), |n, _| {
        if n < 3 { code_2() } else { ok() }
    });
    let start = Instant::now();
    client.me().send().await.unwrap();
    let offsets: Vec<_> = seen.times().iter().map(|t| *t - start).collect();
    assert_eq!(offsets, [0, 500, 1500, 3500].map(Duration::from_millis));
}

#[tokio::test(start_paused = true)]
async fn retries_stop_after_the_maximum() {
    let (client, seen) = canned(
        canned_builder().retry(no_jitter().with_max_retries(2)),
        |_, _| code_2(),
    );
    let e = client.me().send().await.unwrap_err();
    assert_eq!(e.graph_error().unwrap().code(), 2);
    assert_eq!(seen.len(), 3);
}

#[tokio::test(start_paused = true)]
async fn jitter_keeps_each_delay_between_half_and_all_of_the_backoff() {
    let (client, seen) = canned(canned_builder(), |n, _| if n < 3 { code_2() } else { ok() });
    client.me().send().await.unwrap();
    let t = seen.times();
    for (i, backoff) in [500u64, 1000, 2000].into_iter().enumerate() {
        let d = t[i + 1] - t[i];
        assert!(
            d >= Duration::from_millis(backoff / 2) && d <= Duration::from_millis(backoff),
            "retry {i}: {d:?}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn a_buc_limit_waits_for_estimated_time_to_regain_access() {
    let (client, seen) = canned(canned_builder().retry(no_jitter()), |n, _| {
        if n == 0 {
            HttpResponse::new(
                StatusCode::BAD_REQUEST,
                r#"{"error":{"message":"There have been too many calls to this Instagram account.","type":"OAuthException","code":80002,"is_transient":true,"fbtrace_id":"B"}}"#,
            )
            .with_header(
                "x-business-use-case-usage",
                r#"{"17841400000000002":[{"type":"instagram","call_count":100,"total_cputime":1,"total_time":1,"estimated_time_to_regain_access":2}]}"#,
            )
        } else {
            ok()
        }
    });
    let start = Instant::now();
    client.me().send().await.unwrap();
    assert_eq!(seen.times()[1] - start, Duration::from_secs(120));
}

#[tokio::test(start_paused = true)]
async fn a_429_waits_for_retry_after() {
    let (client, seen) = canned(canned_builder().retry(no_jitter()), |n, _| {
        if n == 0 {
            HttpResponse::new(StatusCode::TOO_MANY_REQUESTS, "slow down")
                .with_header("retry-after", "7")
        } else {
            ok()
        }
    });
    let start = Instant::now();
    client.me().send().await.unwrap();
    assert_eq!(seen.times()[1] - start, Duration::from_secs(7));
}

#[tokio::test(start_paused = true)]
async fn a_wait_longer_than_allowed_is_returned_at_once() {
    let (client, seen) = canned(canned_builder(), |_, _| {
        HttpResponse::new(
            StatusCode::BAD_REQUEST,
            r#"{"error":{"message":"(#80001) too many calls","type":"OAuthException","code":80001,"is_transient":true,"fbtrace_id":"C"}}"#,
        )
        .with_header(
            "x-business-use-case-usage",
            r#"{"200000000000001":[{"type":"pages","call_count":100,"total_cputime":1,"total_time":1,"estimated_time_to_regain_access":30}]}"#,
        )
    });
    let start = Instant::now();
    let e = client.me().send().await.unwrap_err();
    assert_eq!(start.elapsed(), Duration::ZERO);
    assert_eq!(seen.len(), 1);
    assert_eq!(
        e.class(),
        Some(ErrorClass::Throttled {
            retry_after: Some(Duration::from_secs(1800))
        })
    );
}

#[tokio::test(start_paused = true)]
async fn errors_that_are_not_transient_are_not_retried() {
    let bodies = [
        // A quota error flagged not transient.
        r#"{"error":{"message":"(#17) User request limit reached","type":"OAuthException","code":17,"error_subcode":2446079,"is_transient":false,"fbtrace_id":"D"}}"#,
        // A rate limit without the flag.
        r#"{"error":{"message":"(#4) Application request limit reached","type":"OAuthException","code":4,"fbtrace_id":"E"}}"#,
        r#"{"error":{"message":"Invalid OAuth access token - Cannot parse access token","type":"OAuthException","code":190,"fbtrace_id":"F"}}"#,
        r#"{"error":{"message":"Unsupported get request.","type":"IGApiException","code":100,"error_subcode":33,"fbtrace_id":"G"}}"#,
        r#"{"error":{"message":"(#10) Application does not have permission for this action","type":"OAuthException","code":10,"fbtrace_id":"H"}}"#,
    ];
    for body in bodies {
        let (client, seen) = canned(canned_builder(), move |_, _| {
            HttpResponse::new(StatusCode::BAD_REQUEST, body)
        });
        let e = client.me().send().await.unwrap_err();
        assert!(matches!(e, ClientError::Api { .. }));
        assert_eq!(seen.len(), 1, "{body}");
    }
}

#[tokio::test(start_paused = true)]
async fn the_hook_sees_every_retry_and_each_attempt_passes_the_throttle() {
    let events = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&events);
    let policy = no_jitter().on_retry(move |e| log.lock().unwrap().push((e.retry, e.delay)));
    let (client, seen) = canned(
        canned_builder()
            .retry(policy)
            .throttle(localgram_client::ThrottleConfig::new(
                2,
                Duration::from_secs(10),
            )),
        |n, _| if n < 2 { code_2() } else { ok() },
    );
    let start = Instant::now();
    client.me().send().await.unwrap();
    assert_eq!(
        *events.lock().unwrap(),
        [
            (1, Duration::from_millis(500)),
            (2, Duration::from_millis(1000))
        ]
    );
    // Attempts 1 and 2 used the budget of 2 per 10 s: attempt 3 waited for the window.
    assert_eq!(seen.times()[2] - start, Duration::from_secs(10));
}
