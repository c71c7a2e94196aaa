//! Usage headers on every response: successes, pages and errors.

use std::time::Duration;

use localgram_client::RetryPolicy;
use wiremock::matchers::path;
use wiremock::{Mock, ResponseTemplate};

use crate::support::{builder_for, client_for, fixture, server};

const APP_USAGE: &str = r#"{"call_count":28,"total_time":25,"total_cputime":25}"#;
const BUC_USAGE: &str = r#"{"17841400000000002":[{"type":"instagram","call_count":42,"total_cputime":8,"total_time":10,"estimated_time_to_regain_access":0}]}"#;

#[tokio::test]
async fn success_responses_expose_their_usage_headers() {
    let server = server().await;
    Mock::given(path("/graph.instagram.com/v21.0/me"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(fixture("me_basic_display.json", ""), "application/json")
                .insert_header("x-app-usage", APP_USAGE)
                .insert_header("x-business-use-case-usage", BUC_USAGE)
                .insert_header("facebook-api-version", "v21.0"),
        )
        .mount(&server)
        .await;
    let client = client_for(&server);
    let response = client.me().send_with_meta().await.unwrap();
    assert_eq!(response.value.username.as_deref(), Some("sample.user"));
    let usage = &response.usage;
    let app = usage.app.unwrap();
    assert_eq!(
        (app.call_count, app.total_time, app.total_cputime),
        (28.0, 25.0, 25.0)
    );
    let buc = &usage.business_use_case["17841400000000002"][0];
    assert_eq!(buc.kind.as_deref(), Some("instagram"));
    assert_eq!(buc.call_count, 42.0);
    assert_eq!(buc.estimated_time_to_regain_access, Some(0));
    assert_eq!(usage.time_to_regain_access(), None);
    assert_eq!(usage.api_version.as_deref(), Some("v21.0"));
    assert_eq!(usage.max_percent(), Some(42.0));
    // The client remembers the last usage it saw.
    assert_eq!(client.last_usage().as_ref(), Some(usage));
}

#[tokio::test]
async fn pages_carry_usage_and_errors_carry_the_wait_in_minutes() {
    let server = server().await;
    Mock::given(path("/graph.instagram.com/v21.0/me/media"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"data": []}))
                .insert_header("x-app-usage", APP_USAGE),
        )
        .mount(&server)
        .await;
    Mock::given(path("/graph.instagram.com/v21.0/1"))
        .respond_with(
            ResponseTemplate::new(400)
                .set_body_json(serde_json::json!({"error": {
                    "message": "There have been too many calls to this Instagram account.",
                    "type": "OAuthException", "code": 80002, "is_transient": true, "fbtrace_id": "T"}}))
                .insert_header(
                    "x-business-use-case-usage",
                    r#"{"17841400000000002":[{"type":"instagram","call_count":100,"total_cputime":8,"total_time":10,"estimated_time_to_regain_access":7}]}"#,
                ),
        )
        .mount(&server)
        .await;
    let client = builder_for(&server)
        .retry(RetryPolicy::never())
        .build()
        .unwrap();
    let page = client.media().send().await.unwrap();
    assert_eq!(page.usage.app.unwrap().call_count, 28.0);

    let e = client.media_details("1").send().await.unwrap_err();
    let usage = e.usage().unwrap();
    assert_eq!(
        usage.time_to_regain_access(),
        Some(Duration::from_secs(7 * 60))
    );
    assert_eq!(e.retry_after(), Some(Duration::from_secs(7 * 60)));
}
