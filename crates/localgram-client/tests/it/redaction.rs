//! No `Debug` or `Display` output of an error carries a token or a secret.

use localgram_client::{AccessToken, Client, ClientError, RetryPolicy};
use wiremock::matchers::path;
use wiremock::{Mock, ResponseTemplate};

use crate::support::{APP_SECRET, TOKEN, client_for, server};

fn assert_clean(e: &ClientError) {
    for text in [format!("{e}"), format!("{e:?}")] {
        assert!(!text.contains(TOKEN), "token leaked: {text}");
        assert!(!text.contains(APP_SECRET), "secret leaked: {text}");
    }
}

#[tokio::test]
async fn transport_errors_drop_the_url() {
    // Nothing listens on port 9 (discard) on loopback: the connection is refused.
    let client = Client::builder()
        .localgram("http://127.0.0.1:9")
        .ignore_env()
        .access_token(AccessToken::new(TOKEN))
        .retry(RetryPolicy::never())
        .build()
        .unwrap();
    let e = client.me().send().await.unwrap_err();
    assert!(matches!(e, ClientError::Http(_)), "{e:?}");
    assert!(e.is_transient());
    assert_clean(&e);
}

#[tokio::test]
async fn decode_errors_mask_tokens_in_the_body() {
    let server = server().await;
    Mock::given(path("/graph.instagram.com/v21.0/me/media"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "data": [{"id": "1", "media_type": 5}],
            "paging": {"next": format!("https://x.invalid/me/media?access_token={TOKEN}")},
            "access_token": TOKEN
        })))
        .mount(&server)
        .await;
    let e = client_for(&server).media().send().await.unwrap_err();
    assert!(matches!(e, ClientError::Decode { .. }), "{e:?}");
    assert_clean(&e);
}

#[tokio::test]
async fn a_token_echoed_in_an_error_message_is_masked() {
    let server = server().await;
    Mock::given(path("/graph.instagram.com/v21.0/me"))
        .respond_with(
            ResponseTemplate::new(400).set_body_json(serde_json::json!({"error": {
            "message": format!("Malformed access token {TOKEN}"),
            "type": "OAuthException", "code": 190, "fbtrace_id": "T"}})),
        )
        .mount(&server)
        .await;
    Mock::given(path("/graph.instagram.com/v21.0/1"))
        .respond_with(ResponseTemplate::new(502).set_body_string(format!(
            "<html>upstream failed for /me?access_token={TOKEN}&appsecret_proof=abc</html>"
        )))
        .mount(&server)
        .await;
    let client = crate::support::builder_for(&server)
        .retry(RetryPolicy::never())
        .build()
        .unwrap();
    assert_clean(&client.me().send().await.unwrap_err());
    assert_clean(&client.media_details("1").send().await.unwrap_err());
}
