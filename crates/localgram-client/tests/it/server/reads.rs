//! Reads against the real server: `/me`, the media edge (one page, `next_page`, and streams over a
//! 1,000-media account), media nodes and album children.

use futures_util::StreamExt;
use localgram_client::AccessToken;
use localgram_client::fields::{MediaField, UserField};
use localgram_client::models::MediaType;
use localgram_testkit::TestServer;
use localgram_testkit::world::*;

use super::{BIG_TOKEN, big_builder, big_server, client};

const IMAGE: &str = "17895695668004550";
const ALBUM: &str = "17895695668004551";
const CHILD_IMAGE: &str = "17880997618081620";
const CHILD_VIDEO: &str = "17880997618081621";

fn expected_ids(n: usize) -> Vec<String> {
    (0..n).map(|i| (1_000_000 + i).to_string()).collect()
}

#[tokio::test]
async fn me_answers_the_default_fields_and_chosen_ones() {
    let server = TestServer::spawn().await;
    let client = client(&server).with_token(AccessToken::new(LONG_LIVED_TOKEN));
    let me = client.me().send().await.unwrap();
    assert_eq!(me.id.as_deref(), Some(TESTER_ID));
    assert_eq!(me.username.as_deref(), Some(TESTER));
    assert_eq!(me.account_type.as_deref(), Some("PERSONAL"));
    assert_eq!(me.media_count, Some(2));

    let only = client
        .me()
        .fields([UserField::Username])
        .send()
        .await
        .unwrap();
    assert_eq!(only.username.as_deref(), Some(TESTER));
    assert_eq!(
        only.id.as_deref(),
        Some(TESTER_ID),
        "Graph always answers the id"
    );
    assert_eq!(only.media_count, None);
}

#[tokio::test]
async fn media_details_and_children_of_the_test_world() {
    let server = TestServer::spawn().await;
    let client = client(&server).with_token(AccessToken::new(LONG_LIVED_TOKEN));

    let page = client.media().send().await.unwrap();
    let ids: Vec<_> = page.data.iter().map(|m| m.id.clone().unwrap()).collect();
    assert_eq!(ids, [IMAGE, ALBUM]);
    assert!(!page.has_next());

    let image = client.media_details(IMAGE).send().await.unwrap();
    assert_eq!(image.id.as_deref(), Some(IMAGE));
    assert_eq!(image.media_type, Some(MediaType::Image));
    assert_eq!(image.caption.as_deref(), Some("Sunset"));
    assert_eq!(image.timestamp.as_deref(), Some("2026-05-01T18:10:00+0000"));
    assert_eq!(image.username.as_deref(), Some(TESTER));
    assert!(image.media_url.is_some() && image.permalink.is_some());

    let album = client
        .media_details(ALBUM)
        .fields([
            MediaField::Id,
            MediaField::MediaType,
            MediaField::ChildrenWith(vec![MediaField::Id, MediaField::MediaType]),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(album.media_type, Some(MediaType::CarouselAlbum));
    let nested: Vec<_> = album
        .children
        .expect("children expanded")
        .data
        .into_iter()
        .map(|c| (c.id.unwrap(), c.media_type.unwrap()))
        .collect();
    assert_eq!(
        nested,
        [
            (CHILD_IMAGE.to_owned(), MediaType::Image),
            (CHILD_VIDEO.to_owned(), MediaType::Video)
        ]
    );

    let children = client.children(ALBUM).send().await.unwrap();
    let kids: Vec<_> = children
        .data
        .iter()
        .map(|c| (c.id.clone().unwrap(), c.media_type.clone().unwrap()))
        .collect();
    assert_eq!(
        kids,
        [
            (CHILD_IMAGE.to_owned(), MediaType::Image),
            (CHILD_VIDEO.to_owned(), MediaType::Video)
        ]
    );
    assert!(children.data.iter().all(|c| c.caption.is_none()));
    let streamed = client.children(ALBUM).stream().collect_all().await.unwrap();
    assert_eq!(streamed.len(), 2);
}

#[tokio::test]
async fn streaming_a_1000_media_account_yields_every_item_once_in_order() {
    let server = big_server(1000, "").await;
    let client = big_builder(&server)
        .access_token(AccessToken::new(BIG_TOKEN))
        .build()
        .unwrap();

    let all = client
        .media()
        .fields([MediaField::Id, MediaField::Caption])
        .limit(100)
        .stream()
        .collect_all()
        .await
        .unwrap();
    let ids: Vec<_> = all.iter().map(|m| m.id.clone().unwrap()).collect();
    assert_eq!(ids, expected_ids(1000));
    assert_eq!(all[999].caption.as_deref(), Some("n999"));

    // The server's default page size (25), item by item.
    let mut stream = client.media().fields([MediaField::Id]).stream();
    let mut n = 0;
    while let Some(item) = stream.next().await {
        assert_eq!(item.unwrap().id.unwrap(), (1_000_000 + n).to_string());
        n += 1;
    }
    assert_eq!(n, 1000);
}

#[tokio::test]
async fn a_first_page_turns_into_the_rest_of_the_stream_and_pages_by_hand() {
    let server = big_server(1000, "").await;
    // 153 calls: past the client-side throttle's 100 per minute, which would only add a wait.
    let client = big_builder(&server)
        .no_throttle()
        .access_token(AccessToken::new(BIG_TOKEN))
        .build()
        .unwrap();

    let first = client
        .media()
        .fields([MediaField::Id])
        .limit(7)
        .send()
        .await
        .unwrap();
    assert_eq!(first.data.len(), 7);
    assert!(first.has_next() && first.after().is_some());
    let rest = first.into_stream().collect_all().await.unwrap();
    let ids: Vec<_> = rest.into_iter().map(|m| m.id.unwrap()).collect();
    assert_eq!(ids, expected_ids(1000));

    let mut page = client
        .media()
        .fields([MediaField::Id])
        .limit(100)
        .send()
        .await
        .unwrap();
    let mut pages = 1;
    let mut seen = page.data.len();
    while let Some(next) = page.next_page().await.unwrap() {
        pages += 1;
        seen += next.data.len();
        page = next;
    }
    assert_eq!((pages, seen), (10, 1000));
}
