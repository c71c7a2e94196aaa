//! Repeated reads on graph.instagram.com are answered from memory while the database is
//! unchanged (`response_cache.rs`, `localgram_core::cache`): a write shows in the
//! very next answer, whether this server made it or another process sharing the SQLite file
//! did, and what is not in the body (rate counting, usage headers, token checks) still runs on
//! every request.

use super::graph_media::big_world;
use super::support::{assert_graph_error, invalidated};
use localgram_core::model::IgMedia;
use localgram_testkit::{Backend, TestOptions, TestServer, client};
use serde_json::{Value, json};

const TOKEN: &str = "IGQVJbigAccountToken0001";

/// Status, parsed `X-App-Usage` (or null) and body.
async fn get(server: &TestServer, path_and_query: &str) -> (u16, Value, Value) {
    let (status, headers, body) = super::graph_media::get(server, path_and_query).await;
    let usage = headers
        .get("x-app-usage")
        .map(|v| serde_json::from_str(v.to_str().unwrap()).unwrap())
        .unwrap_or(Value::Null);
    (status, usage, body)
}

fn ids(page: &Value) -> Vec<&str> {
    page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect()
}

fn newest(id: &str, caption: &str) -> IgMedia {
    IgMedia {
        id: id.into(),
        owner_id: "600".into(),
        parent_id: None,
        position: 0,
        media_type: localgram_core::model::MediaType::Image,
        caption: Some(caption.into()),
        timestamp: localgram_core::clock::from_millis(1_800_000_000_000),
        file: None,
        thumbnail_file: None,
        shortcode: format!("sc{id}"),
        copyright_flagged: false,
        media_product_type: localgram_core::model::MediaProductType::Feed,
        is_shared_to_feed: None,
        media_blob: None,
        thumbnail_blob: None,
    }
}

#[tokio::test]
async fn a_repeated_read_is_the_same_answer_until_a_write_which_shows_at_once() {
    for backend in Backend::all() {
        let name = backend.name();
        let server = TestServer::spawn_with(TestOptions {
            backend,
            world: Some(big_world(
                30,
                "[apps.rate_limits]\nuser_calls_per_hour = 20\n",
            )),
            ..Default::default()
        })
        .await;
        let media =
            format!("/graph.instagram.com/me/media?fields=id,caption&limit=5&access_token={TOKEN}");
        let me = format!("/graph.instagram.com/me?fields=id,media_count&access_token={TOKEN}");
        let (status, usage1, first) = get(&server, &media).await;
        assert_eq!(status, 200, "{name}");
        let (status, usage2, again) = get(&server, &media).await;
        assert_eq!(status, 200, "{name}");
        assert_eq!(again, first, "{name}: the same answer");
        // Every call is counted, answered from memory or not (5 % of 20 per call).
        assert_eq!(usage1["call_count"], 5, "{name}");
        assert_eq!(usage2["call_count"], 10, "{name}");
        let (_, _, count) = get(&server, &me).await;
        let before = count["media_count"].as_i64().unwrap();
        assert_eq!(get(&server, &me).await.2, count, "{name}");

        // A write through this server's store: the next identical requests see it.
        server
            .store
            .upsert_media(&[newest("2000001", "brand new")])
            .await
            .unwrap();
        let (status, _, after) = get(&server, &media).await;
        assert_eq!(status, 200, "{name}");
        assert_eq!(
            after["data"][0],
            json!({"id": "2000001", "caption": "brand new"}),
            "{name}"
        );
        assert_eq!(&ids(&after)[1..], &ids(&first)[..4], "{name}");
        let (_, usage, count) = get(&server, &me).await;
        if name == "sqlite" {
            assert_eq!(count["media_count"], before + 1, "{name}");
        } else {
            // PostgreSQL has no write generation: the count is read through the 1 s cache.
            assert!(
                [before, before + 1].contains(&count["media_count"].as_i64().unwrap()),
                "{name}"
            );
        }
        assert_eq!(usage["call_count"], 30, "{name}: the 6th call");
    }
}

/// Another process writing to the same SQLite file (here: a second connection of this test)
/// is seen by the next request: a changed caption, then a revoked token.
#[tokio::test]
async fn a_write_by_another_process_on_the_sqlite_file_shows_at_once() {
    let server = TestServer::spawn_with(TestOptions {
        world: Some(big_world(10, "")),
        ..Default::default()
    })
    .await;
    let other = sqlx::SqlitePool::connect(server.database_url())
        .await
        .unwrap();
    let node = format!("/graph.instagram.com/1000000?fields=id,caption&access_token={TOKEN}");
    let edge = format!("/graph.instagram.com/me/media?fields=caption&limit=1&access_token={TOKEN}");
    for _ in 0..3 {
        assert_eq!(
            get(&server, &node).await.2,
            json!({"id": "1000000", "caption": "n0"})
        );
        assert_eq!(get(&server, &edge).await.2["data"][0]["caption"], "n0");
    }
    sqlx::query("UPDATE ig_media SET caption = 'edited elsewhere' WHERE id = '1000000'")
        .execute(&other)
        .await
        .unwrap();
    assert_eq!(
        get(&server, &node).await.2,
        json!({"id": "1000000", "caption": "edited elsewhere"})
    );
    assert_eq!(
        get(&server, &edge).await.2["data"][0]["caption"],
        "edited elsewhere"
    );

    sqlx::query("UPDATE tokens SET revoked_at = 1 WHERE kind = 'instagram_long_lived'")
        .execute(&other)
        .await
        .unwrap();
    for path in [&node, &edge] {
        let reply = super::support::get(&client(), &server.url(path)).await;
        assert_graph_error(&reply, invalidated(), path);
    }
}
