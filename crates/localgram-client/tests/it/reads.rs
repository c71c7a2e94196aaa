//! Reads: paths, default and typed fields, the raw escape hatch, credentials and models.

use localgram_client::fields::{MediaField, PageField, UserField};
use localgram_client::models::MediaType;
use localgram_client::{AccessToken, AppSecret, Client, ClientError, Host, appsecret_proof};
use wiremock::Mock;
use wiremock::matchers::{method, path, query_param};

use crate::support::{APP_SECRET, TOKEN, client_for, json_fixture, server};

#[tokio::test]
async fn me_sends_the_connector_default_fields_token_and_proof() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/graph.instagram.com/v21.0/me"))
        .and(query_param(
            "fields",
            "id,media_count,username,account_type",
        ))
        .and(query_param("access_token", TOKEN))
        .and(query_param(
            "appsecret_proof",
            appsecret_proof(&AppSecret::new(APP_SECRET), TOKEN),
        ))
        .respond_with(json_fixture(200, "me_basic_display.json", ""))
        .expect(1)
        .mount(&server)
        .await;
    let me = client_for(&server).me().send().await.unwrap();
    assert_eq!(me.id.as_deref(), Some("7350012345678901"));
    assert_eq!(me.username.as_deref(), Some("sample.user"));
    assert_eq!(me.account_type.as_deref(), Some("PERSONAL"));
    assert_eq!(me.media_count, Some(42));
}

#[tokio::test]
async fn typed_fields_replace_the_defaults_and_unknown_fields_survive() {
    let server = server().await;
    Mock::given(path("/graph.instagram.com/v21.0/me"))
        .and(query_param(
            "fields",
            "user_id,username,name,account_type,profile_picture_url,followers_count,follows_count,media_count",
        ))
        .respond_with(json_fixture(200, "me_instagram_login.json", ""))
        .mount(&server)
        .await;
    let me = client_for(&server)
        .me()
        .fields([
            UserField::UserId,
            UserField::Username,
            UserField::Name,
            UserField::AccountType,
            UserField::ProfilePictureUrl,
            UserField::FollowersCount,
            UserField::FollowsCount,
            UserField::MediaCount,
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(me.user_id.as_deref(), Some("17841400000000002"));
    assert_eq!(me.account_type.as_deref(), Some("Business"));
    assert_eq!(me.followers_count, Some(1200));
    assert_eq!(me.extra["has_profile_pic"], true);
}

#[tokio::test]
async fn media_details_with_raw_fields_expands_children() {
    let server = server().await;
    Mock::given(path("/graph.instagram.com/v21.0/17899305450000003"))
        .and(query_param(
            "fields",
            "id,media_type,children{media_type,media_url,thumbnail_url,timestamp}",
        ))
        .respond_with(json_fixture(200, "media_album.json", ""))
        .mount(&server)
        .await;
    let album = client_for(&server)
        .media_details("17899305450000003")
        .raw_fields("id,media_type,children{media_type,media_url,thumbnail_url,timestamp}")
        .send()
        .await
        .unwrap();
    assert_eq!(album.media_type, Some(MediaType::CarouselAlbum));
    let kids = album.children.unwrap().data;
    assert_eq!(kids.len(), 2);
    assert_eq!(
        kids[1].thumbnail_url.as_deref(),
        Some("https://scontent.example.invalid/3b.jpg")
    );
}

#[tokio::test]
async fn children_edge_and_nested_typed_fields() {
    let server = server().await;
    Mock::given(path(
        "/graph.instagram.com/v21.0/17899305450000003/children",
    ))
    .and(query_param("fields", "id,media_type"))
    .respond_with(json_fixture(200, "children.json", ""))
    .mount(&server)
    .await;
    let page = client_for(&server)
        .children("17899305450000003")
        .fields([MediaField::Id, MediaField::MediaType])
        .send()
        .await
        .unwrap();
    assert_eq!(page.data.len(), 2);
    assert_eq!(page.data[1].media_type, Some(MediaType::Video));
    assert!(!page.has_next());
}

#[tokio::test]
async fn accounts_on_graph_facebook_with_summary_and_filters() {
    let server = server().await;
    Mock::given(path("/graph.facebook.com/v21.0/me/accounts"))
        .and(query_param(
            "fields",
            "id,name,access_token,tasks,instagram_business_account{id,username}",
        ))
        .and(query_param("limit", "100"))
        .and(query_param("summary", "total_count"))
        .and(query_param("is_place", "false"))
        .respond_with(json_fixture(200, "accounts.json", ""))
        .expect(1)
        .mount(&server)
        .await;
    let page = client_for(&server)
        .accounts()
        .fields([
            PageField::Id,
            PageField::Name,
            PageField::AccessToken,
            PageField::Tasks,
            PageField::InstagramBusinessAccountWith(vec!["id".into(), "username".into()]),
        ])
        .limit(100)
        .with_total_count()
        .is_place(false)
        .send()
        .await
        .unwrap();
    assert_eq!(page.summary.as_ref().unwrap().total_count, Some(1));
    let account = &page.data[0];
    assert_eq!(account.id.as_deref(), Some("200000000000001"));
    assert_eq!(
        account.access_token.as_ref().unwrap().secret(),
        "EAAfakePageToken"
    );
    assert_eq!(account.tasks.as_ref().unwrap().len(), 5);
    assert_eq!(
        account.category_list.as_ref().unwrap()[0].id.as_deref(),
        Some("2612")
    );
    assert_eq!(
        account
            .instagram_business_account
            .as_ref()
            .unwrap()
            .id
            .as_deref(),
        Some("17841405822304914")
    );
    // A page token is redacted in Debug output.
    assert!(!format!("{account:?}").contains("EAAfakePageToken"));
}

#[tokio::test]
async fn a_page_node_keeps_unknown_fields() {
    let server = server().await;
    Mock::given(path("/graph.facebook.com/v21.0/200000000000001"))
        .respond_with(json_fixture(200, "page_node.json", ""))
        .mount(&server)
        .await;
    let page = client_for(&server)
        .page("200000000000001")
        .send()
        .await
        .unwrap();
    assert_eq!(page.name.as_deref(), Some("Test Page"));
    assert_eq!(page.location.as_ref().unwrap().latitude, Some(37.48));
    assert_eq!(page.fan_count, Some(12));
    assert_eq!(
        page.extra["picture"]["data"]["url"],
        "https://scontent.example.invalid/pp.jpg"
    );
    // No fields were asked: the server's defaults apply.
    let req = &server.received_requests().await.unwrap()[0];
    assert!(!req.url.query().unwrap().contains("fields="));
}

#[tokio::test]
async fn per_request_token_host_and_raw_nodes() {
    let server = server().await;
    Mock::given(path("/graph.facebook.com/v21.0/17899305450000003"))
        .and(query_param("access_token", "EAAfacebookToken"))
        .respond_with(json_fixture(200, "media_album.json", ""))
        .mount(&server)
        .await;
    Mock::given(path("/graph.facebook.com/v21.0/fb_page_categories"))
        .respond_with(wiremock::ResponseTemplate::new(200).set_body_json(
            serde_json::json!({"data": [{"id": "1", "api_enum": "MEDIA", "name": "Media"}]}),
        ))
        .mount(&server)
        .await;
    let client = client_for(&server);
    let album = client
        .media_details("17899305450000003")
        .host(Host::GraphFacebook)
        .access_token(AccessToken::new("EAAfacebookToken"))
        .send()
        .await
        .unwrap();
    assert_eq!(album.id.as_deref(), Some("17899305450000003"));
    let raw = client
        .node::<serde_json::Value>(Host::GraphFacebook, "fb_page_categories")
        .send()
        .await
        .unwrap();
    assert_eq!(raw["data"][0]["api_enum"], "MEDIA");
}

#[tokio::test]
async fn unversioned_clients_leave_the_version_out() {
    let server = server().await;
    Mock::given(path("/graph.instagram.com/me"))
        .respond_with(json_fixture(200, "me_basic_display.json", ""))
        .expect(1)
        .mount(&server)
        .await;
    let client = crate::support::builder_for(&server)
        .unversioned()
        .build()
        .unwrap();
    client.me().send().await.unwrap();
}

#[tokio::test]
async fn a_read_without_any_token_is_a_configuration_error() {
    let client = Client::builder()
        .localgram("http://127.0.0.1:9")
        .ignore_env()
        .build()
        .unwrap();
    let e = client.me().send().await.unwrap_err();
    assert!(matches!(e, ClientError::Config(_)), "{e:?}");
}

#[tokio::test]
async fn generic_nodes_take_plain_string_fields() {
    let server = server().await;
    Mock::given(path("/graph.facebook.com/v21.0/200000000000001"))
        .and(query_param("fields", "id,name"))
        .respond_with(json_fixture(200, "page_node.json", ""))
        .expect(1)
        .mount(&server)
        .await;
    let v = client_for(&server)
        .node::<serde_json::Value>(Host::GraphFacebook, "200000000000001")
        .fields(["id", "name"])
        .send()
        .await
        .unwrap();
    assert_eq!(v["id"], "200000000000001");
}

#[test]
fn the_client_and_its_requests_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<Client>();
    check::<localgram_client::requests::UserRequest>();
    check::<localgram_client::requests::CreatePageRequest>();
    check::<localgram_client::TokenKeeper>();
    check::<ClientError>();
}
