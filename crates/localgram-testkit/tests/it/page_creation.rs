//! Page creation (`POST /{user-id}/accounts`) beyond the basics of `facebook.rs`:
//! `location_page_id` (the new Page takes that Page's location; a locale is then optional),
//! `fields` on the create call (read-after-write), and Meta's app allowlist (a user who is not a
//! test user creates Pages only through an app with `page_creation_allowed`).

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

/// A second Facebook Login app, allowlisted for Page creation.
const PARTNER_APP: &str = "990602627938101";
/// A token of [`REAL_ID`] (not a test user) on [`PARTNER_APP`], with both Page permissions.
const PARTNER_TOKEN: &str = "EAAlocalgramPartnerRealPerson";
/// A token of [`REAL_ID`] on [`PARTNER_APP`] without pages_manage_metadata.
const PARTNER_SHOW_LIST_TOKEN: &str = "EAAlocalgramPartnerShowList";

/// [`facebook_world`] plus [`PARTNER_APP`] and its tokens.
fn allowlist_world() -> String {
    format!(
        r#"{}
[[apps]]
id = "{PARTNER_APP}"
secret = "page-partner-secret"
name = "Page Partner"
mode = "live"
products = ["facebook_login"]
redirect_uris = ["https://partner.example/cb"]
page_creation_allowed = true

[[tokens]]
value = "{PARTNER_TOKEN}"
app = "{PARTNER_APP}"
user = "{REAL_ID}"
kind = "facebook_user_long_lived"
scopes = ["public_profile", "pages_show_list", "pages_manage_metadata"]

[[tokens]]
value = "{PARTNER_SHOW_LIST_TOKEN}"
app = "{PARTNER_APP}"
user = "{REAL_ID}"
kind = "facebook_user_long_lived"
scopes = ["public_profile", "pages_show_list"]
"#,
        facebook_world()
    )
}

async fn create_with(server: &TestServer, token: &str, form: &[(&str, &str)]) -> Reply {
    let mut body: Vec<(&str, &str)> = vec![("access_token", token)];
    body.extend_from_slice(form);
    post_form(
        &client(),
        &server.url(&format!("{GRAPH}/{REAL_ID}/accounts")),
        &body,
    )
    .await
}

#[tokio::test]
async fn a_user_who_is_not_a_test_user_creates_pages_only_through_an_allowlisted_app() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = TestServer::spawn_with(TestOptions {
            backend: backend.clone(),
            world: Some(allowlist_world()),
            ..Default::default()
        })
        .await;
        let db = Db::open(&server).await;
        assert_eq!(
            db.count(&format!(
                "apps WHERE page_creation_allowed AND id IN ('{PARTNER_APP}', '{APP_ID}')"
            ))
            .await,
            1,
            "{b}: only the partner app is allowlisted"
        );
        let pages = db.count("pages").await;
        let form = [
            ("name", "Real Person's Diner"),
            ("category_enum", "RESTAURANT"),
            ("city_id", "106505586052951"),
            ("fields", "name,category,tasks"),
        ];

        // The app of the facebook world is not allowlisted: Meta's refusal, nothing written.
        let res = create_with(&server, REAL_TOKEN, &form).await;
        assert_graph_error(
            &res,
            graph_error(
                200,
                None,
                "OAuthException",
                "(#200) Permissions error: only test users can create Pages",
            ),
            &format!("{b}: not allowlisted"),
        );
        // The allowlist does not stand in for the permissions.
        let res = create_with(&server, PARTNER_SHOW_LIST_TOKEN, &form).await;
        assert_graph_error(
            &res,
            graph_error(
                200,
                None,
                "OAuthException",
                "(#200) Permissions error: creating a Page requires the pages_manage_metadata and pages_show_list permissions; pages_manage_metadata was not granted",
            ),
            &format!("{b}: allowlisted, without pages_manage_metadata"),
        );
        assert_eq!(
            db.count("pages").await,
            pages,
            "{b}: a refused create wrote"
        );

        // Through the allowlisted app the same person creates the Page and gets every task.
        let res = create_with(&server, PARTNER_TOKEN, &form).await;
        assert_eq!(res.status, 200, "{b}: {}", res.text);
        let body = res.json();
        let id = body["id"].as_str().unwrap_or_default().to_owned();
        assert_eq!(id.len(), 15, "{b}: {id}");
        assert_eq!(
            body,
            json!({
                "id": id, "name": "Real Person's Diner", "category": "Restaurant",
                "tasks": ["ANALYZE", "ADVERTISE", "MODERATE", "CREATE_CONTENT", "MANAGE"],
            }),
            "{b}"
        );
        assert_eq!(db.count("pages").await, pages + 1, "{b}");
        assert_eq!(
            db.count(&format!(
                "page_roles WHERE page_id = '{id}' AND fb_user_id = '{REAL_ID}'"
            ))
            .await,
            1,
            "{b}: the creator has a role on the new Page"
        );
    }
}
