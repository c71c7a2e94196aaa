//! Page creation (`POST /{user-id}/accounts`) beyond the basics of `facebook.rs`:
//! `location_page_id` (the new Page takes that Page's location; a locale is then optional) and
//! `fields` on the create call (read-after-write).

use crate::support::*;
use localgram_testkit::world::fb::*;
use localgram_testkit::{Backend, TestOptions, TestServer, client, facebook_world};
use serde_json::json;

const GRAPH: &str = "/graph.facebook.com/v21.0";

async fn spawn_fb(backend: &Backend) -> TestServer {
    TestServer::spawn_with(TestOptions {
        backend: backend.clone(),
        world: Some(facebook_world()),
        ..Default::default()
    })
    .await
}

async fn create(server: &TestServer, form: &[(&str, &str)]) -> Reply {
    let mut body: Vec<(&str, &str)> = vec![("access_token", LONG_TOKEN)];
    body.extend_from_slice(form);
    post_form(
        &client(),
        &server.url(&format!("{GRAPH}/me/accounts")),
        &body,
    )
    .await
}

async fn read(server: &TestServer, id: &str, fields: &str) -> serde_json::Value {
    let res = get(
        &client(),
        &server.url(&format!(
            "{GRAPH}/{id}?fields={fields}&access_token={LONG_TOKEN}"
        )),
    )
    .await;
    assert_eq!(res.status, 200, "{}", res.text);
    res.json()
}

#[tokio::test]
async fn location_page_id_gives_the_new_page_that_pages_location() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn_fb(&backend).await;
        let db = Db::open(&server).await;
        // The Cafe Page is in Stockholm (a city of the gazetteer), at Drottninggatan 1.
        let res = create(
            &server,
            &[
                ("name", "Sizzle Cafe Kiosk"),
                ("category_enum", "COFFEE_SHOP"),
                ("location_page_id", CAFE_PAGE),
            ],
        )
        .await;
        assert_eq!(res.status, 200, "{b}: {}", res.text);
        let id = res.json()["id"].as_str().unwrap_or_default().to_owned();
        assert_eq!(
            read(&server, &id, "location,is_place,category_list").await,
            json!({
                "location": {"city_id": "106505586052951", "street": "Drottninggatan 1", "zip": "111 51",
                             "city": "Stockholm", "state": "", "country": "Sweden",
                             "latitude": 59.3293, "longitude": 18.0686},
                "is_place": true,
                "category_list": [{"id": "128673187201735", "name": "Coffee Shop"}],
            }),
            "{b}"
        );
        // A locale given as well wins over the named Page's.
        let res = create(
            &server,
            &[
                ("name", "Sizzle Uppsala"),
                ("category_enum", "CAFE"),
                ("location_page_id", CAFE_PAGE),
                ("city_id", "106000000000001"),
            ],
        )
        .await;
        assert_eq!(res.status, 200, "{b}: {}", res.text);
        let id = res.json()["id"].as_str().unwrap_or_default().to_owned();
        assert_eq!(
            read(&server, &id, "location").await["location"]["city"],
            "Uppsala",
            "{b}"
        );

        let pages = db.count("pages").await;
        for (form, message) in [
            (
                // The Blog Page has no location: a locale is required again.
                vec![("location_page_id", BLOG_PAGE)],
                format!(
                    "(#100) The Page {BLOG_PAGE} of location_page_id has no location: give city_id, location or coordinates"
                ),
            ),
            (
                vec![("location_page_id", "200000000000999")],
                "(#100) Param location_page_id \"200000000000999\" is not a Page".to_owned(),
            ),
            (
                vec![],
                "(#100) At least one of city_id, location or coordinates is required".to_owned(),
            ),
        ] {
            let mut form = form;
            form.extend([("name", "Nowhere"), ("category_enum", "CAFE")]);
            let res = create(&server, &form).await;
            assert_graph_error(
                &res,
                graph_error(100, None, "OAuthException", &message),
                &format!("{b}: {form:?}"),
            );
        }
        assert_eq!(
            db.count("pages").await,
            pages,
            "{b}: a refused create wrote"
        );
        // With a Page without a location, a locale of its own works.
        let res = create(
            &server,
            &[
                ("name", "Sizzle Blog Shop"),
                ("category_enum", "SHOPPING_RETAIL"),
                ("location_page_id", BLOG_PAGE),
                ("city_id", "106505586052951"),
            ],
        )
        .await;
        assert_eq!(res.status, 200, "{b}: {}", res.text);
    }
}

#[tokio::test]
async fn fields_on_the_create_call_shape_the_answer() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn_fb(&backend).await;
        let db = Db::open(&server).await;
        let res = create(
            &server,
            &[
                ("name", "Read After Write"),
                ("category_enum", "RESTAURANT"),
                ("city_id", "106505586052951"),
                ("fields", "name,category,category_list,is_place,tasks,link"),
            ],
        )
        .await;
        assert_eq!(res.status, 200, "{b}: {}", res.text);
        let body = res.json();
        let id = body["id"].as_str().unwrap_or_default().to_owned();
        assert_eq!(id.len(), 15, "{b}: {id}");
        assert_eq!(
            body,
            json!({
                "id": id, "name": "Read After Write", "category": "Restaurant",
                "category_list": [{"id": "273819889375819", "name": "Restaurant"}],
                "is_place": true,
                "tasks": ["ANALYZE", "ADVERTISE", "MODERATE", "CREATE_CONTENT", "MANAGE"],
                "link": format!("https://www.facebook.com/{id}"),
            }),
            "{b}"
        );
        // Without fields, only the id.
        let res = create(
            &server,
            &[
                ("name", "Just The Id"),
                ("category_enum", "CAFE"),
                ("city_id", "106505586052951"),
            ],
        )
        .await;
        let body = res.json();
        assert_eq!(body, json!({"id": body["id"].clone()}), "{b}");
        // A field the Page does not have is refused before anything is written.
        let pages = db.count("pages").await;
        let res = create(
            &server,
            &[
                ("name", "Never Written"),
                ("category_enum", "CAFE"),
                ("city_id", "106505586052951"),
                ("fields", "id,followers"),
            ],
        )
        .await;
        assert_graph_error(
            &res,
            graph_error(
                100,
                None,
                "OAuthException",
                "(#100) Tried accessing nonexisting field (followers) on node type (Page)",
            ),
            b,
        );
        assert_eq!(db.count("pages").await, pages, "{b}");
    }
}
