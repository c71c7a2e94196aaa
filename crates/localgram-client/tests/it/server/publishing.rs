//! The publishing helper and the comment calls against a real server: create, wait for
//! `FINISHED` while the server's clock moves, publish; comment, list, reply, hide.

use localgram_client::{AccessToken, Host, NewMedia, WaitPolicy};
use localgram_testkit::{TEST_WORLD, TestOptions, TestServer};
use std::time::Duration;

use super::client;

const CAFE: &str = r#"
[[tokens]]
value = "IGAAlocalgramCafeSdk"
app = "990602627938098"
user = "sizzle.cafe"
kind = "instagram_long_lived"
scopes = ["instagram_business_basic", "instagram_business_content_publish", "instagram_business_manage_comments"]
issued_at = "2026-11-01T00:00:00Z"
"#;

#[tokio::test]
async fn publish_waits_for_finished_then_comments_round_trip() {
    let server = TestServer::spawn_with(TestOptions {
        world: Some(format!("{TEST_WORLD}\n{CAFE}")),
        ..Default::default()
    })
    .await;
    let client = client(&server).with_token(AccessToken::new("IGAAlocalgramCafeSdk"));
    let image = server.url("/cdn/media/17895695668004550.jpg");
    // The server's clock is frozen: move it while the helper waits.
    let clock = server.state.clone();
    let mover = tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_millis(20)).await;
            clock.clock.advance(1);
        }
    });
    let wait = WaitPolicy {
        first_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(50),
        max_polls: 1000,
    };
    let media_id = client
        .publish(
            Host::GraphInstagram,
            "me",
            &NewMedia::image(&image).caption("From the SDK"),
            wait,
        )
        .await
        .unwrap();
    mover.abort();

    let comment = client
        .comment(Host::GraphInstagram, &media_id, "First!")
        .await
        .unwrap();
    let reply = client
        .reply(Host::GraphInstagram, &comment, "Second")
        .await
        .unwrap();
    assert_ne!(comment, reply);
    client
        .hide_comment(Host::GraphInstagram, &comment, true)
        .await
        .unwrap();
    let listed = client
        .comments(Host::GraphInstagram, &media_id)
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, comment);
    assert_eq!(listed[0].text.as_deref(), Some("First!"));
    assert_eq!(listed[0].username.as_deref(), Some("sizzle.cafe"));
    // The account's own comment stays visible.
    assert_eq!(listed[0].hidden, Some(false));

    // A URL Localgram may not fetch is refused at creation with Meta's code.
    let err = client
        .publish(
            Host::GraphInstagram,
            "me",
            &NewMedia::image("https://cdn.example.com/x.jpg"),
            wait,
        )
        .await
        .unwrap_err();
    assert_eq!(err.graph_error().map(|g| g.code()), Some(9004));
}
