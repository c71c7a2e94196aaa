//! Paging: following `next` to the end, the end-of-data rules, and loop detection.

use futures_util::StreamExt;
use localgram_client::fields::MediaField;
use localgram_client::{ClientError, MAX_EMPTY_PAGES};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer};

use crate::support::{TOKEN, client_for, json_fixture, server};

const USER_MEDIA: &str = "/graph.instagram.com/v21.0/7350012345678901/media";

async fn mount_first(server: &MockServer, fixture: &str) {
    Mock::given(method("GET"))
        .and(path("/graph.instagram.com/v21.0/me/media"))
        .respond_with(json_fixture(200, fixture, &server.uri()))
        .mount(server)
        .await;
}

async fn mount_after(server: &MockServer, after: &str, fixture: &str) {
    Mock::given(method("GET"))
        .and(path(USER_MEDIA))
        .and(query_param("after", after))
        .and(query_param("access_token", TOKEN))
        .respond_with(json_fixture(200, fixture, &server.uri()))
        .mount(server)
        .await;
}

fn ids(items: &[localgram_client::models::Media]) -> Vec<&str> {
    items.iter().map(|m| m.id.as_deref().unwrap()).collect()
}

#[tokio::test]
async fn the_stream_follows_three_pages_and_stops_where_next_is_missing() {
    let server = server().await;
    mount_first(&server, "media_page_1.json").await;
    mount_after(&server, "QVFIUmZAfakeAfter1", "media_page_2.json").await;
    mount_after(&server, "QVFIUmZAfakeAfter2", "media_page_3_last.json").await;

    let items = client_for(&server)
        .media()
        .limit(2)
        .stream()
        .collect_all()
        .await
        .unwrap();
    assert_eq!(
        ids(&items),
        [
            "17895695660000001",
            "17899305450000002",
            "17899305450000003",
            "17899305450000004",
            "17899305450000005"
        ]
    );
    // Exactly three requests: the last page keeps its cursors but has no `next`.
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 3);
    let first = &requests[0].url;
    let q: std::collections::HashMap<_, _> = first.query_pairs().into_owned().collect();
    assert_eq!(q["limit"], "2");
    assert_eq!(
        q["fields"],
        "caption,media_type,media_url,permalink,timestamp,username,thumbnail_url"
    );
    // Every request, the followed links included, carries the proof.
    assert!(
        requests
            .iter()
            .all(|r| r.url.query().unwrap().contains("appsecret_proof="))
    );
}

#[tokio::test]
async fn the_stream_is_lazy() {
    let server = server().await;
    mount_first(&server, "media_page_1.json").await;
    mount_after(&server, "QVFIUmZAfakeAfter1", "media_page_3_last.json").await;
    let mut stream = client_for(&server).media().stream();
    tokio::task::yield_now().await;
    assert_eq!(server.received_requests().await.unwrap().len(), 0);
    // One page is fetched for the first item, and no more until its items run out.
    stream.next().await.unwrap().unwrap();
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
    stream.next().await.unwrap().unwrap();
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
    stream.next().await.unwrap().unwrap();
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
    assert!(stream.next().await.is_none());
}

#[tokio::test]
async fn an_empty_page_that_still_has_next_is_followed() {
    let server = server().await;
    mount_first(&server, "media_page_1.json").await;
    mount_after(&server, "QVFIUmZAfakeAfter1", "media_empty_with_next.json").await;
    mount_after(&server, "QVFIUmZAfakeAfterE", "media_page_3_last.json").await;
    let items = client_for(&server)
        .media()
        .stream()
        .collect_all()
        .await
        .unwrap();
    assert_eq!(items.len(), 3);
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

#[tokio::test]
async fn data_past_the_end_ends_the_stream() {
    let server = server().await;
    mount_first(&server, "media_past_the_end.json").await;
    let page = client_for(&server).media().send().await.unwrap();
    assert!(page.data.is_empty() && !page.has_next());
    assert!(page.next_page().await.unwrap().is_none());
    assert!(page.into_stream().collect_all().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_cursor_loop_is_reported_instead_of_spinning() {
    let server = server().await;
    mount_first(&server, "media_loop.json").await;
    // The server keeps answering the same page with the same `next`.
    mount_after(&server, "QVFIUmZAfakeLoop", "media_loop.json").await;
    let results: Vec<_> = client_for(&server).media().stream().collect().await;
    // Both pages' items are delivered, then the loop error, then the end.
    assert_eq!(results.len(), 3);
    assert!(results[0].is_ok() && results[1].is_ok());
    match &results[2] {
        Err(ClientError::PagingLoop { detail }) => assert!(detail.contains("next"), "{detail}"),
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn an_after_cursor_repeated_under_a_new_link_is_a_loop_too() {
    let server = server().await;
    let page = |n: u32| {
        serde_json::json!({
            "data": [{"id": n.to_string()}],
            "paging": {
                "cursors": {"before": "B", "after": "SAME"},
                "next": format!("{}/graph.instagram.com/v21.0/1/media?access_token={TOKEN}&n={n}&after=SAME", server.uri()),
            }
        })
    };
    Mock::given(path("/graph.instagram.com/v21.0/me/media"))
        .respond_with(wiremock::ResponseTemplate::new(200).set_body_json(page(1)))
        .mount(&server)
        .await;
    Mock::given(path("/graph.instagram.com/v21.0/1/media"))
        .respond_with(wiremock::ResponseTemplate::new(200).set_body_json(page(2)))
        .mount(&server)
        .await;
    let e = client_for(&server)
        .media()
        .stream()
        .collect_all()
        .await
        .unwrap_err();
    assert!(
        matches!(e, ClientError::PagingLoop { ref detail } if detail.contains("SAME")),
        "{e:?}"
    );
}

#[tokio::test]
async fn endless_empty_pages_are_cut_off() {
    let server = server().await;
    Mock::given(path("/graph.instagram.com/v21.0/me/media"))
        .respond_with(wiremock::ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "data": [],
            "paging": {"next": format!("{}/graph.instagram.com/v21.0/1/media?n=0", server.uri())}
        })))
        .mount(&server)
        .await;
    // Each empty page points at a new URL with a new cursor.
    let base = server.uri();
    Mock::given(path("/graph.instagram.com/v21.0/1/media"))
        .respond_with(move |req: &wiremock::Request| {
            let n: u32 = req
                .url
                .query_pairs()
                .find(|(k, _)| k == "n")
                .map(|(_, v)| v.parse().unwrap())
                .unwrap();
            wiremock::ResponseTemplate::new(200).set_body_json(serde_json::json!({
                "data": [],
                "paging": {
                    "cursors": {"after": format!("c{}", n + 1)},
                    "next": format!("{base}/graph.instagram.com/v21.0/1/media?n={}", n + 1)
                }
            }))
        })
        .mount(&server)
        .await;
    let client = crate::support::builder_for(&server)
        .no_throttle()
        .build()
        .unwrap();
    let e = client.media().stream().collect_all().await.unwrap_err();
    assert!(matches!(e, ClientError::PagingLoop { .. }), "{e:?}");
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        MAX_EMPTY_PAGES as usize
    );
}

#[tokio::test]
async fn next_page_steps_one_page_at_a_time() {
    let server = server().await;
    mount_first(&server, "media_page_1.json").await;
    mount_after(&server, "QVFIUmZAfakeAfter1", "media_page_2.json").await;
    let first = client_for(&server)
        .media()
        .fields([MediaField::Id])
        .send()
        .await
        .unwrap();
    assert_eq!(first.after(), Some("QVFIUmZAfakeAfter1"));
    assert_eq!(first.before(), Some("QVFIUmJfakeBefore1"));
    let second = first.next_page().await.unwrap().unwrap();
    assert_eq!(
        ids(&second.data),
        ["17899305450000003", "17899305450000004"]
    );
    // Debug output of a page never shows the token its links carry.
    let debug = format!("{second:?}");
    assert!(!debug.contains(TOKEN), "{debug}");
}

#[tokio::test]
async fn a_link_without_token_gets_the_client_token() {
    let server = server().await;
    Mock::given(path("/graph.instagram.com/v21.0/me/media"))
        .respond_with(wiremock::ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "data": [{"id": "1"}],
            "paging": {"next": format!("{}/graph.instagram.com/v21.0/1/media?after=A", server.uri())}
        })))
        .mount(&server)
        .await;
    Mock::given(path("/graph.instagram.com/v21.0/1/media"))
        .and(query_param("access_token", TOKEN))
        .and(query_param("after", "A"))
        .respond_with(
            wiremock::ResponseTemplate::new(200).set_body_json(serde_json::json!({
                "data": [{"id": "2"}]
            })),
        )
        .mount(&server)
        .await;
    let items = client_for(&server)
        .media()
        .stream()
        .collect_all()
        .await
        .unwrap();
    assert_eq!(ids(&items), ["1", "2"]);
}

#[tokio::test]
async fn a_link_to_a_foreign_origin_gets_no_credentials() {
    let server = server().await;
    let elsewhere = wiremock::MockServer::start().await;
    Mock::given(path("/graph.instagram.com/v21.0/me/media"))
        .respond_with(
            wiremock::ResponseTemplate::new(200).set_body_json(serde_json::json!({
                "data": [{"id": "1"}],
                "paging": {"next": format!("{}/collect?after=A", elsewhere.uri())}
            })),
        )
        .mount(&server)
        .await;
    Mock::given(path("/collect"))
        .respond_with(
            wiremock::ResponseTemplate::new(200).set_body_json(serde_json::json!({
                "data": [{"id": "2"}]
            })),
        )
        .expect(1)
        .mount(&elsewhere)
        .await;
    let items = client_for(&server)
        .media()
        .stream()
        .collect_all()
        .await
        .unwrap();
    assert_eq!(ids(&items), ["1", "2"]);
    let req = &elsewhere.received_requests().await.unwrap()[0];
    assert_eq!(req.url.query(), Some("after=A"));
}
