//! Error classification for every Graph code of the catalogue (`fixtures/graph_errors.json`).

use std::time::Duration;

use localgram_client::{AuthRemedy, ClientError, ErrorClass, RetryPolicy};
use serde_json::Value;
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::support::{builder_for, fixture, server};

fn expected(class: &str) -> ErrorClass {
    match class {
        "transient" => ErrorClass::Transient,
        "throttled" => ErrorClass::Throttled { retry_after: None },
        "permission" => ErrorClass::Permission,
        "not_found" => ErrorClass::NotFound,
        "invalid_request" => ErrorClass::InvalidRequest,
        "auth_refresh" => ErrorClass::Auth(AuthRemedy::Refresh),
        "auth_relogin" => ErrorClass::Auth(AuthRemedy::ReLogin),
        "blocked" => ErrorClass::Blocked,
        "other" => ErrorClass::Other,
        s => {
            let secs = s
                .strip_prefix("throttled:")
                .expect("known class")
                .parse()
                .unwrap();
            ErrorClass::Throttled {
                retry_after: Some(Duration::from_secs(secs)),
            }
        }
    }
}

#[tokio::test]
async fn every_catalogued_graph_error_is_classified() {
    let server = server().await;
    let cases: Vec<Value> = serde_json::from_str(&fixture("graph_errors.json", "")).unwrap();
    for (i, case) in cases.iter().enumerate() {
        let mut answer = ResponseTemplate::new(case["status"].as_u64().unwrap() as u16)
            .set_body_json(&case["body"]);
        if let Some(headers) = case["headers"].as_object() {
            for (k, v) in headers {
                answer = answer.insert_header(k.as_str(), v.as_str().unwrap());
            }
        }
        Mock::given(method("GET"))
            .and(path(format!("/graph.instagram.com/v21.0/{i}")))
            .respond_with(answer)
            .mount(&server)
            .await;
    }
    let client = builder_for(&server)
        .retry(RetryPolicy::never())
        .build()
        .unwrap();
    for (i, case) in cases.iter().enumerate() {
        let name = case["name"].as_str().unwrap();
        let e = client
            .media_details(i.to_string())
            .send()
            .await
            .unwrap_err();
        let ClientError::Api {
            status,
            error,
            headers,
        } = &e
        else {
            panic!("{name}: not an API error: {e:?}");
        };
        let body = &case["body"]["error"];
        assert_eq!(
            status.as_u16() as u64,
            case["status"].as_u64().unwrap(),
            "{name}"
        );
        assert_eq!(error.code(), body["code"].as_i64().unwrap(), "{name}");
        assert_eq!(error.subcode(), body["error_subcode"].as_i64(), "{name}");
        assert_eq!(error.error_type(), body["type"].as_str().unwrap(), "{name}");
        assert_eq!(error.message(), body["message"].as_str().unwrap(), "{name}");
        assert_eq!(
            error.fbtrace_id(),
            body["fbtrace_id"].as_str().unwrap(),
            "{name}"
        );
        assert_eq!(
            error.is_transient(),
            body["is_transient"].as_bool().unwrap_or(false),
            "{name}"
        );
        assert_eq!(
            error.class(),
            expected(case["expect"].as_str().unwrap()),
            "{name}"
        );
        assert_eq!(e.class(), Some(error.class()), "{name}");
        assert_eq!(
            e.is_transient(),
            case["retryable"].as_bool().unwrap(),
            "{name}"
        );
        if let Some(www) = case["headers"]["www-authenticate"].as_str() {
            assert_eq!(headers.get("www-authenticate").unwrap(), www, "{name}");
        }
        // The Display line names the code and the trace id.
        let line = e.to_string();
        assert!(line.contains(&format!("code {}", error.code())), "{line}");
        assert!(line.contains(error.fbtrace_id()), "{line}");
    }
}

#[tokio::test]
async fn statuses_without_an_envelope_are_classified_by_status() {
    let server = server().await;
    for (p, status) in [("429", 429u16), ("503", 503), ("502", 502), ("404", 404)] {
        let mut answer = ResponseTemplate::new(status).set_body_string("<html>nope</html>");
        if status == 429 {
            answer = answer.insert_header("retry-after", "30");
        }
        Mock::given(path(format!("/graph.instagram.com/v21.0/{p}")))
            .respond_with(answer)
            .mount(&server)
            .await;
    }
    let client = builder_for(&server)
        .retry(RetryPolicy::never())
        .build()
        .unwrap();
    let class = |p: &'static str| {
        let client = client.clone();
        async move { client.media_details(p).send().await.unwrap_err() }
    };
    let e = class("429").await;
    assert!(matches!(e, ClientError::Status { .. }));
    assert_eq!(
        e.class(),
        Some(ErrorClass::Throttled {
            retry_after: Some(Duration::from_secs(30))
        })
    );
    assert!(e.is_transient());
    assert_eq!(class("503").await.class(), Some(ErrorClass::Transient));
    assert_eq!(class("502").await.class(), Some(ErrorClass::Transient));
    let e = class("404").await;
    assert_eq!(e.class(), Some(ErrorClass::NotFound));
    assert!(!e.is_transient());
}

#[tokio::test]
async fn an_undecodable_success_names_the_failing_path() {
    let server = server().await;
    Mock::given(path("/graph.instagram.com/v21.0/me"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "id": "1", "media_count": "many"
        })))
        .mount(&server)
        .await;
    let e = crate::support::client_for(&server)
        .me()
        .send()
        .await
        .unwrap_err();
    match e {
        ClientError::Decode {
            path, body_snippet, ..
        } => {
            assert_eq!(path, "media_count");
            assert!(body_snippet.contains("many"));
        }
        other => panic!("unexpected {other:?}"),
    }
}
