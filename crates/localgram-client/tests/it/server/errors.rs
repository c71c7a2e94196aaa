//! `ClientError` and its classification, from errors the real server sends: an expired token
//! (190/463) after moving the server's clock, an invalid one (190), a missing object (100/33), a
//! wrong field (100), a wrong path or field syntax (2500), the user rate limit (17), and a server
//! that is not there.

use localgram_client::fields::MediaField;
use localgram_client::{
    AccessToken, AuthRemedy, Client, ClientError, ErrorClass, Host, RetryPolicy,
};
use localgram_testkit::TestServer;
use localgram_testkit::world::*;
use serde_json::Value;

use super::{BIG_TOKEN, big_builder, big_server, client};

fn graph(err: &ClientError) -> (i64, Option<i64>, &str) {
    let g = err
        .graph_error()
        .unwrap_or_else(|| panic!("not a Graph error: {err:?}"));
    (g.code(), g.subcode(), g.message())
}

#[tokio::test]
async fn an_expired_token_is_190_463_and_asks_for_a_refresh() {
    let server = TestServer::spawn().await;
    let client = client(&server).with_token(AccessToken::new(LONG_LIVED_TOKEN));
    client.me().send().await.unwrap();
    // Issued 2026-11-01, 60 days: expired from 2026-12-31 on.
    server.advance(45 * 86_400);
    let err = client.me().send().await.unwrap_err();
    let (code, subcode, message) = graph(&err);
    assert_eq!((code, subcode), (190, Some(463)), "{message}");
    assert!(message.starts_with("Error validating access token: Session has expired on"));
    assert_eq!(err.status().map(|s| s.as_u16()), Some(400));
    assert_eq!(err.class(), Some(ErrorClass::Auth(AuthRemedy::Refresh)));
    assert!(!err.is_transient());
    assert_eq!(err.graph_error().unwrap().error_type(), "OAuthException");
    assert!(!err.graph_error().unwrap().fbtrace_id().is_empty());
    // An expired token cannot be refreshed either.
    let refresh = client
        .oauth()
        .refresh(&AccessToken::new(LONG_LIVED_TOKEN))
        .send()
        .await
        .unwrap_err();
    assert_eq!(graph(&refresh).0, 190);
}

#[tokio::test]
async fn a_token_that_is_not_one_means_logging_in_again() {
    let server = TestServer::spawn().await;
    let client = client(&server).with_token(AccessToken::new("IGQVJnotARealToken0000000"));
    let err = client.me().send().await.unwrap_err();
    assert_eq!(graph(&err).0, 190);
    assert_eq!(err.class(), Some(ErrorClass::Auth(AuthRemedy::ReLogin)));
    // The token never appears in the error.
    assert!(!format!("{err} {err:?}").contains("IGQVJnotARealToken0000000"));
}

#[tokio::test]
async fn a_missing_object_is_not_found_and_a_wrong_field_an_invalid_request() {
    let server = TestServer::spawn().await;
    let client = client(&server).with_token(AccessToken::new(LONG_LIVED_TOKEN));

    let err = client
        .media_details("17895695668009999")
        .send()
        .await
        .unwrap_err();
    assert_eq!(graph(&err).0, 100);
    assert_eq!(graph(&err).1, Some(33));
    assert_eq!(err.class(), Some(ErrorClass::NotFound));

    let err = client.me().raw_fields("id,foo").send().await.unwrap_err();
    assert_eq!(
        graph(&err),
        (
            100,
            None,
            "(#100) Tried accessing nonexisting field (foo) on node type (User)"
        )
    );
    assert_eq!(err.class(), Some(ErrorClass::InvalidRequest));
}

#[tokio::test]
async fn a_wrong_path_or_fields_syntax_is_2500() {
    let server = TestServer::spawn().await;
    let client = client(&server).with_token(AccessToken::new(LONG_LIVED_TOKEN));

    let err = client
        .edge::<Value>(Host::GraphInstagram, "me", "foo")
        .send()
        .await
        .unwrap_err();
    assert_eq!(graph(&err), (2500, None, "Unknown path components: /foo"));
    assert_eq!(err.class(), Some(ErrorClass::InvalidRequest));

    let err = client
        .media()
        .raw_fields("id,children{id")
        .send()
        .await
        .unwrap_err();
    assert_eq!(graph(&err).0, 2500, "{err}");
    assert_eq!(err.class(), Some(ErrorClass::InvalidRequest));
}

#[tokio::test]
async fn the_user_rate_limit_is_17_and_classified_as_throttled() {
    let server = big_server(3, "[apps.rate_limits]\nuser_calls_per_hour = 3\n").await;
    let client = big_builder(&server)
        .access_token(AccessToken::new(BIG_TOKEN))
        .build()
        .unwrap();
    for _ in 0..3 {
        client.me().send().await.unwrap();
    }
    let err = client.me().send().await.unwrap_err();
    assert_eq!(graph(&err), (17, None, "(#17) User request limit reached"));
    assert!(
        matches!(err.class(), Some(ErrorClass::Throttled { .. })),
        "{err:?}"
    );
    assert!(err.is_transient());
    assert!(err.usage().is_some_and(|u| u.app.is_some()), "{err:?}");

    // A stream stops at the limit with the same error, after the items it got.
    let mut got = 0;
    let mut stream = client.media().fields([MediaField::Id]).limit(1).stream();
    let mut last = None;
    while let Some(item) = futures_util::StreamExt::next(&mut stream).await {
        match item {
            Ok(_) => got += 1,
            Err(e) => last = Some(e),
        }
    }
    assert_eq!(got, 0);
    assert_eq!(last.map(|e| graph(&e).0), Some(17));

    // An hour later the budget is back.
    server.advance(3600);
    client.me().send().await.unwrap();
}

#[tokio::test]
async fn a_server_that_is_not_there_is_a_transient_transport_error() {
    // Bind and drop a listener: nothing listens on that port any more.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = Client::builder()
        .localgram(format!("http://127.0.0.1:{port}"))
        .ignore_env()
        .retry(RetryPolicy::never())
        .access_token(AccessToken::new(LONG_LIVED_TOKEN))
        .build()
        .unwrap();
    let err = client.me().send().await.unwrap_err();
    assert!(matches!(err, ClientError::Http(_)), "{err:?}");
    assert_eq!(err.class(), Some(ErrorClass::Transient));
    assert!(err.is_transient());
    assert!(!format!("{err} {err:?}").contains(LONG_LIVED_TOKEN));
}
