//! Whole Graph answers, snapshot-tested (`snapshots/`): where a list of asserts would check a
//! few keys, a snapshot holds the exact body a client receives. What changes from run to run
//! (trace ids, signed cursors and the URLs that carry them) is redacted; everything else must
//! match byte for byte, on SQLite and on PostgreSQL alike.

use crate::support::*;
use localgram_testkit::world::{LONG_LIVED_TOKEN, TESTER_ID};
use localgram_testkit::{Backend, TestOptions, TestServer, client};
use serde_json::Value;

async fn spawn(backend: &Backend) -> TestServer {
    TestServer::spawn_with(TestOptions {
        backend: backend.clone(),
        ..Default::default()
    })
    .await
}

async fn json(server: &TestServer, path: &str) -> (u16, Value) {
    let res = get(&client(), &server.url(path)).await;
    (res.status.as_u16(), res.json())
}

#[tokio::test]
async fn graph_answers_match_their_snapshots_on_both_backends() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn(&backend).await;

        let (status, me) = json(
            &server,
            &format!(
                "/graph.instagram.com/me?fields=id,username,account_type,media_count&access_token={LONG_LIVED_TOKEN}"
            ),
        )
        .await;
        assert_eq!(status, 200, "{b}: {me}");
        insta::assert_json_snapshot!("instagram_me", me);

        let (status, page) = json(
            &server,
            &format!(
                "/graph.instagram.com/me/media?fields=id,caption,media_type,media_product_type,timestamp&limit=3&access_token={LONG_LIVED_TOKEN}"
            ),
        )
        .await;
        assert_eq!(status, 200, "{b}: {page}");
        insta::assert_json_snapshot!("instagram_media_first_page", page, {
            ".paging.cursors.before" => "[cursor]",
            ".paging.cursors.after" => "[cursor]",
            ".paging.next" => "[next page URL]",
        });

        let (status, error) = json(
            &server,
            &format!("/graph.instagram.com/{TESTER_ID}?fields=id&access_token=IGQVJnot-a-token"),
        )
        .await;
        assert_eq!(status, 400, "{b}: {error}");
        insta::assert_json_snapshot!("instagram_invalid_token", error, {
            ".error.fbtrace_id" => "[trace id]",
        });

        let (status, error) = json(
            &server,
            &format!(
                "/graph.instagram.com/me?fields=id,no_such_field&access_token={LONG_LIVED_TOKEN}"
            ),
        )
        .await;
        assert_eq!(status, 400, "{b}: {error}");
        insta::assert_json_snapshot!("instagram_unknown_field", error, {
            ".error.fbtrace_id" => "[trace id]",
        });
    }
}
