//! `create_page`: every parameter on the form, objects as JSON, and the checks made before
//! anything is sent.

use localgram_client::ClientError;
use localgram_client::requests::{Coordinates, CoverPhoto, PageLocation};
use serde_json::{Value, json};
use wiremock::Mock;
use wiremock::matchers::{method, path};

use crate::support::{TOKEN, client_for, json_fixture, server};

#[tokio::test]
async fn every_parameter_is_sent_as_a_form_field() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/graph.facebook.com/v21.0/100000000000001/accounts"))
        .respond_with(json_fixture(200, "created_page.json", ""))
        .expect(1)
        .mount(&server)
        .await;
    let created = client_for(&server)
        .create_page("My Band")
        .for_user("100000000000001")
        .about("We play loud")
        .address("1 Hacker Way")
        .category(1335670856447673)
        .category_enum("MUSICIAN_BAND")
        .category_list(["180164648685982", "792007097567368"])
        .coordinates(Coordinates::new(37.4847, -122.1477))
        .cover_photo(
            CoverPhoto::new("https://img.example.invalid/cover.jpg")
                .offset(50, 40)
                .focus(0.5, 0.25)
                .zoom_scale(1.0, 1.5)
                .no_feed_story(true)
                .no_notification(false),
        )
        .description("A band page")
        .ignore_coordinate_warnings(true)
        .location(PageLocation::place("Menlo Park", "United States").state("CA"))
        .phone("+1 650 000 0000")
        .picture("https://img.example.invalid/pic.jpg")
        .website("https://band.example.invalid")
        .zip("94025")
        .send()
        .await
        .unwrap();
    assert_eq!(created.id.as_deref(), Some("200000000000009"));

    let req = &server.received_requests().await.unwrap()[0];
    assert_eq!(
        req.headers.get("content-type").unwrap(),
        "application/x-www-form-urlencoded"
    );
    let form: std::collections::HashMap<String, String> = url::form_urlencoded::parse(&req.body)
        .into_owned()
        .collect();
    let obj = |k: &str| serde_json::from_str::<Value>(&form[k]).unwrap();
    assert_eq!(form["name"], "My Band");
    assert_eq!(form["about"], "We play loud");
    assert_eq!(form["address"], "1 Hacker Way");
    assert_eq!(form["category"], "1335670856447673");
    assert_eq!(form["category_enum"], "MUSICIAN_BAND");
    assert_eq!(
        obj("category_list"),
        json!(["180164648685982", "792007097567368"])
    );
    assert_eq!(
        obj("coordinates"),
        json!({"latitude": 37.4847, "longitude": -122.1477})
    );
    assert_eq!(
        obj("cover_photo"),
        json!({"url": "https://img.example.invalid/cover.jpg", "offset_x": 50, "offset_y": 40,
               "focus_x": 0.5, "focus_y": 0.25, "zoom_scale_x": 1.0, "zoom_scale_y": 1.5,
               "no_feed_story": true, "no_notification": false})
    );
    assert_eq!(form["description"], "A band page");
    assert_eq!(form["ignore_coordinate_warnings"], "true");
    assert_eq!(
        obj("location"),
        json!({"city": "Menlo Park", "state": "CA", "country": "United States"})
    );
    assert_eq!(form["phone"], "+1 650 000 0000");
    assert_eq!(form["picture"], "https://img.example.invalid/pic.jpg");
    assert_eq!(form["website"], "https://band.example.invalid");
    assert_eq!(form["zip"], "94025");
    // The token and its proof travel in the body, not the URL.
    assert_eq!(form["access_token"], TOKEN);
    assert!(form.contains_key("appsecret_proof"));
    assert!(req.url.query().is_none());
}

#[tokio::test]
async fn locale_rules_are_checked_before_sending() {
    let server = server().await;
    let client = client_for(&server);
    let both = client
        .create_page("P")
        .city_id("2418779")
        .location(PageLocation::city_id("2418779"))
        .send()
        .await
        .unwrap_err();
    assert!(matches!(both, ClientError::Input(ref m) if m.contains("together")));
    let none = client.create_page("P").send().await.unwrap_err();
    assert!(matches!(none, ClientError::Input(ref m) if m.contains("required")));
    let unnamed = client
        .create_page(" ")
        .city_id("2418779")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(unnamed, ClientError::Input(_)));
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_refused_cover_photo_is_an_invalid_request() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/graph.facebook.com/v21.0/me/accounts"))
        .respond_with(wiremock::ResponseTemplate::new(400).set_body_json(json!({"error": {
            "message": "(#100) Could not create page because cover photo could not be added, make sure it is of valid size",
            "type": "OAuthException", "code": 100, "fbtrace_id": "Zz"}})))
        .expect(1)
        .mount(&server)
        .await;
    let e = client_for(&server)
        .create_page("Media page")
        .category_enum("MEDIA")
        .coordinates(Coordinates::new(1.0, 2.0))
        .cover_photo(CoverPhoto::new("https://img.example.invalid/tiny.jpg"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        e.class(),
        Some(localgram_client::ErrorClass::InvalidRequest)
    );
}
