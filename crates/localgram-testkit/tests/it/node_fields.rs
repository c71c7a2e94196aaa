//! The node tables of `localgram_types::schema` against the real server: for every node and every
//! API that serves it, each table field is asked for alone (`fields=<name>`) on fixtures where
//! every value exists, and the answer holds exactly `id` (when the node always writes it) and that
//! field, or the omission listed here with its reason. A field of the table that no writer writes
//! fails here, and so does a key the table does not have. A field the table gives to another API
//! only is refused with the server's code-100 nonexisting-field error.

use crate::support::*;
use localgram_testkit::world::fb;
use localgram_testkit::world::{BUSINESS_ID, LONG_LIVED_TOKEN, TESTER_ID};
use localgram_testkit::{Backend, TestOptions, TestServer, client, facebook_world};
use localgram_types::schema::{
    Api, CONTAINER, FB_USER, IG_COMMENT, IG_MEDIA, IG_USER, Node, PAGE, PUBLISHING_LIMIT,
};
use serde_json::Value;
use std::collections::BTreeSet;

const IG: &str = "/graph.instagram.com/v22.0";
const FB: &str = "/graph.facebook.com/v22.0";
/// sizzle.cafe through Instagram Login, with every scope the nodes need.
const IG_LOGIN_TOKEN: &str = "IGAAlocalgramNodeFields";
/// The Facebook test user with every scope the nodes need (the Cafe Page links sizzle.cafe).
const FB_TOKEN: &str = "EAAlocalgramNodeFields";

const TOKENS: &str = r#"
[[tokens]]
value = "IGAAlocalgramNodeFields"
app = "990602627938098"
user = "sizzle.cafe"
kind = "instagram_long_lived"
scopes = ["instagram_business_basic", "instagram_business_manage_comments", "instagram_business_content_publish"]
issued_at = "2026-11-01T00:00:00Z"

[[tokens]]
value = "EAAlocalgramNodeFields"
app = "990602627938100"
user = "100000000000001"
kind = "facebook_user_long_lived"
scopes = ["public_profile", "email", "pages_show_list", "pages_manage_metadata", "pages_read_engagement", "business_management", "instagram_basic", "instagram_manage_comments", "instagram_content_publish"]
"#;

/// The media of one account: an IMAGE, a FEED VIDEO, a REELS shared to the feed and an album of
/// an IMAGE and a VIDEO, all with captions; ids `{prefix}1` … `{prefix}4`, children `{prefix}41`,
/// `{prefix}42`; `on_image` (comments) goes under the IMAGE.
fn media_of(prefix: &str, on_image: &str) -> String {
    format!(
        r#"
  [[instagram_users.media]]
  id = "{prefix}1"
  media_type = "IMAGE"
  caption = "Cinnamon buns"
  timestamp = "2026-05-04T08:00:00+0000"
{on_image}
  [[instagram_users.media]]
  id = "{prefix}2"
  media_type = "VIDEO"
  caption = "Steamed milk"
  timestamp = "2026-05-03T08:00:00+0000"

  [[instagram_users.media]]
  id = "{prefix}3"
  media_type = "VIDEO"
  caption = "Latte art"
  timestamp = "2026-05-02T08:00:00+0000"
  media_product_type = "REELS"
  is_shared_to_feed = true

  [[instagram_users.media]]
  id = "{prefix}4"
  media_type = "CAROUSEL_ALBUM"
  caption = "Opening day"
  timestamp = "2026-05-01T08:00:00+0000"

    [[instagram_users.media.children]]
    id = "{prefix}41"
    media_type = "IMAGE"

    [[instagram_users.media.children]]
    id = "{prefix}42"
    media_type = "VIDEO"
"#
    )
}

/// jane.doe's media ids (Basic Display).
const JANE: &str = "1791000000000000";
/// sizzle.cafe's media ids (Instagram Login, Facebook Login).
const CAFE: &str = "1792000000000000";
/// A comment on sizzle.cafe's IMAGE, and its reply.
const COMMENT: &str = "17850000000000001";
const REPLY: &str = "17850000000000002";

/// Profiles with every text, the media above, a comment with a reply, and the Cafe Page with a
/// description; posted after the start.
fn fixtures() -> String {
    let comments = format!(
        r#"
    [[instagram_users.media.comments]]
    id = "{COMMENT}"
    from = "eve.stranger"
    text = "Are they vegan?"
    timestamp = "2026-05-04T09:00:00+0000"

      [[instagram_users.media.comments.replies]]
      id = "{REPLY}"
      from = "sizzle.cafe"
      text = "Yes!"
"#
    );
    format!(
        r#"version = 1

[[instagram_users]]
id = "17841405793187218"
username = "jane.doe"
password = "correct horse"
account_type = "PERSONAL"
name = "Jane Doe"
biography = "Sunsets."
website = "https://jane.example/"
followers_count = 10
follows_count = 20
{jane}
[[instagram_users]]
id = "17841405822304914"
username = "sizzle.cafe"
password = "espresso please"
account_type = "BUSINESS"
name = "Sizzle Cafe"
biography = "Coffee and cake."
website = "https://sizzle.example/"
followers_count = 1200
follows_count = 80
{cafe}
[[pages]]
id = "200000000000001"
name = "Sizzle Cafe"
category_enum = "CAFE"
about = "Coffee and cake"
description = "A cafe by the river."
phone = "+46 8 123 456"
website = "https://sizzle.example/"
is_place = true
is_promotable = true
instagram_business_account = "17841405822304914"
location = {{ city_id = "106505586052951", street = "Drottninggatan 1", zip = "111 51" }}

  [[pages.roles]]
  user = "100000000000001"
  tasks = ["ANALYZE", "ADVERTISE", "MODERATE", "CREATE_CONTENT", "MANAGE"]
"#,
        jane = media_of(JANE, ""),
        cafe = media_of(CAFE, &comments),
    )
}

async fn spawn(backend: &Backend) -> TestServer {
    let server = TestServer::spawn_with(TestOptions {
        backend: backend.clone(),
        world: Some(format!("{}\n{TOKENS}", facebook_world())),
        ..Default::default()
    })
    .await;
    let res = post_world(&server, "application/toml", &fixtures()).await;
    assert_eq!(res.status, 200, "fixtures: {}", res.text);
    server
}

async fn get_as(server: &TestServer, path: &str, token: &str) -> Reply {
    let sep = if path.contains('?') { '&' } else { '?' };
    get(
        &client(),
        &server.url(&format!("{path}{sep}access_token={}", encode(token))),
    )
    .await
}

/// `POST path` with a form and `token`.
async fn server_post(server: &TestServer, path: &str, token: &str, form: &[(&str, &str)]) -> Reply {
    let mut form = form.to_vec();
    form.push(("access_token", token));
    post_form(&client(), &server.url(path), &form).await
}

/// Where a node is read and how its object is found in the answer.
struct Place {
    /// The path without `fields`.
    path: String,
    /// What it is, for messages.
    what: &'static str,
    /// The answer is an edge: the node is its first item.
    first_item: bool,
    /// The table fields this object does not write, each with the reason.
    omitted: &'static [(&'static str, &'static str)],
}

fn place(
    path: String,
    what: &'static str,
    omitted: &'static [(&'static str, &'static str)],
) -> Place {
    Place {
        path,
        what,
        first_item: false,
        omitted,
    }
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object()
        .unwrap_or_else(|| panic!("not an object: {v}"))
        .keys()
        .cloned()
        .collect()
}

/// Asks for every field of `node` that `api` serves alone at every place (edge-only fields only
/// when `edge_only`), asserts each answer's keys, that every field is written at some place, and
/// that the fields the table gives to other APIs only are refused.
async fn check_node(
    server: &TestServer,
    ctx: &str,
    node: &Node,
    api: Api,
    token: &str,
    places: &[Place],
    edge_only: bool,
) {
    let table: BTreeSet<&str> = node.fields_on(api).map(|f| f.name).collect();
    for f in node.fields_on(api).filter(|f| f.edge_only == edge_only) {
        let mut written = false;
        for p in places {
            let sep = if p.path.contains('?') { '&' } else { '?' };
            let url = format!("{}{sep}fields={}", p.path, f.name);
            let ctx = format!("{ctx}: {} {} ({url})", node.title, f.name);
            let res = get_as(server, &url, token).await;
            assert_eq!(res.status, 200, "{ctx}: {}", res.text);
            let body = res.json();
            let object = if p.first_item {
                body["data"][0].clone()
            } else {
                body
            };
            let got = keys(&object);
            for k in &got {
                assert!(
                    table.contains(k.as_str()),
                    "{ctx}: {k} is not a field of the table on {api:?}: {object}"
                );
            }
            let mut expected = BTreeSet::new();
            if node.id_always {
                expected.insert("id".to_owned());
            }
            let omitted = p.omitted.iter().any(|(name, _)| *name == f.name);
            if !omitted {
                expected.insert(f.name.to_owned());
                written = true;
            }
            assert_eq!(got, expected, "{ctx} on {}: {object}", p.what);
        }
        assert!(
            written,
            "{ctx}: {}.{} is written nowhere on {api:?}",
            node.title, f.name
        );
    }
    // Every listed omission names a table field this API serves.
    for p in places {
        for (name, reason) in p.omitted {
            assert!(
                table.contains(name),
                "{ctx}: {} omits {name} ({reason}), not a field on {api:?}",
                p.what
            );
        }
    }
    // The fields of other APIs (and, on a node, its edge-only fields) are nonexisting here.
    let Some(p) = places.first() else { return };
    for f in node
        .fields
        .iter()
        .filter(|f| !f.served_on(api) || (f.edge_only && !edge_only))
    {
        let sep = if p.path.contains('?') { '&' } else { '?' };
        let url = format!("{}{sep}fields={}", p.path, f.name);
        let res = get_as(server, &url, token).await;
        assert_graph_error(
            &res,
            graph_error(
                100,
                None,
                "OAuthException",
                &format!(
                    "(#100) Tried accessing nonexisting field ({}) on node type ({})",
                    f.name,
                    node.type_name(api)
                ),
            ),
            &format!("{ctx}: {} {} on {api:?}", node.title, f.name),
        );
    }
}

/// A VIDEO album child: no caption, permalink, children or REELS flag of its own.
const VIDEO_CHILD: &[(&str, &str)] = &[
    ("caption", "album children have no caption"),
    ("permalink", "album children have no permalink"),
    ("children", "album children have no children"),
    ("is_shared_to_feed", "REELS only"),
];

fn media_places(host: &str, prefix: &str) -> Vec<Place> {
    vec![
        place(
            format!("{host}/{prefix}1"),
            "IMAGE",
            &[
                ("thumbnail_url", "VIDEO only"),
                ("is_shared_to_feed", "REELS only"),
                ("children", "CAROUSEL_ALBUM only"),
            ],
        ),
        place(
            format!("{host}/{prefix}2"),
            "FEED VIDEO",
            &[
                ("is_shared_to_feed", "REELS only"),
                ("children", "CAROUSEL_ALBUM only"),
            ],
        ),
        place(
            format!("{host}/{prefix}3"),
            "REELS",
            &[("children", "CAROUSEL_ALBUM only")],
        ),
        place(
            format!("{host}/{prefix}4"),
            "CAROUSEL_ALBUM",
            &[
                ("thumbnail_url", "VIDEO only"),
                ("is_shared_to_feed", "REELS only"),
            ],
        ),
        place(
            format!("{host}/{prefix}41"),
            "album IMAGE child",
            &[
                ("caption", "album children have no caption"),
                ("permalink", "album children have no permalink"),
                ("children", "album children have no children"),
                ("is_shared_to_feed", "REELS only"),
                ("thumbnail_url", "VIDEO only"),
            ],
        ),
        place(
            format!("{host}/{prefix}42"),
            "album VIDEO child",
            VIDEO_CHILD,
        ),
    ]
}

#[tokio::test]
async fn every_ig_user_and_ig_media_field_is_written_alone_on_each_api() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn(&backend).await;
        for (api, host, token, user, prefix) in [
            (Api::BasicDisplay, IG, LONG_LIVED_TOKEN, TESTER_ID, JANE),
            (Api::InstagramLogin, IG, IG_LOGIN_TOKEN, BUSINESS_ID, CAFE),
            (Api::FacebookLogin, FB, FB_TOKEN, BUSINESS_ID, CAFE),
        ] {
            let ctx = format!("{b} {api:?}");
            let mut users = vec![place(format!("{host}/{user}"), "the account by id", &[])];
            if !api.on_facebook_host() {
                users.push(place(format!("{host}/me"), "/me", &[]));
            }
            check_node(&server, &ctx, &IG_USER, api, token, &users, false).await;
            let media = media_places(host, prefix);
            check_node(&server, &ctx, &IG_MEDIA, api, token, &media, false).await;
        }
    }
}

#[tokio::test]
async fn every_comment_field_is_written_alone_on_each_professional_api() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn(&backend).await;
        for (api, host, token) in [
            (Api::InstagramLogin, IG, IG_LOGIN_TOKEN),
            (Api::FacebookLogin, FB, FB_TOKEN),
        ] {
            let places = [
                place(
                    format!("{host}/{COMMENT}"),
                    "a comment with a reply",
                    &[("parent_id", "replies only")],
                ),
                place(
                    format!("{host}/{REPLY}"),
                    "a reply",
                    &[("replies", "top-level comments only")],
                ),
            ];
            check_node(
                &server,
                &format!("{b} {api:?}"),
                &IG_COMMENT,
                api,
                token,
                &places,
                false,
            )
            .await;
        }
    }
}

#[tokio::test]
async fn every_container_and_publishing_limit_field_is_written_alone() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn(&backend).await;
        for (api, host, token, user) in [
            (Api::InstagramLogin, IG, IG_LOGIN_TOKEN, "me"),
            (Api::FacebookLogin, FB, FB_TOKEN, BUSINESS_ID),
        ] {
            let ctx = format!("{b} {api:?}");
            let image_url = server.url(&format!("/cdn/media/{CAFE}1.jpg"));
            let res = server_post(
                &server,
                &format!("{host}/{user}/media"),
                token,
                &[("image_url", &image_url), ("caption", "Fresh buns")],
            )
            .await;
            assert_eq!(res.status, 200, "{ctx}: create: {}", res.text);
            let id = res.json()["id"]
                .as_str()
                .expect("a container id")
                .to_owned();
            // Finished two seconds later on the test clock.
            server.advance(2);
            let containers = [place(
                format!("{host}/{id}"),
                "a FINISHED image container",
                &[],
            )];
            check_node(&server, &ctx, &CONTAINER, api, token, &containers, false).await;
            let limits = [Place {
                path: format!("{host}/{user}/content_publishing_limit"),
                what: "the limit",
                first_item: true,
                omitted: &[],
            }];
            check_node(&server, &ctx, &PUBLISHING_LIMIT, api, token, &limits, false).await;
        }
    }
}

#[tokio::test]
async fn every_facebook_user_and_page_field_is_written_alone() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn(&backend).await;
        let api = Api::FacebookLogin;
        let ctx = format!("{b} {api:?}");
        let me = [place(format!("{FB}/me"), "the user", &[])];
        check_node(&server, &ctx, &FB_USER, api, FB_TOKEN, &me, false).await;

        // A Page created with a cover photo and a picture (no Instagram account is linked at
        // creation), beside the world's Cafe Page (linked, but a world Page has no cover photo).
        let res = server_post(
            &server,
            &format!("{FB}/me/accounts"),
            FB_TOKEN,
            &[
                ("name", "Sizzle Bakery"),
                ("category_enum", "CAFE"),
                ("about", "Bread"),
                ("description", "A bakery by the river."),
                ("phone", "+46 8 654 321"),
                ("website", "https://bakery.example/"),
                ("city_id", "106000000000001"),
                (
                    "cover_photo",
                    r#"{"url":"https://bakery.example/cover.jpg"}"#,
                ),
                ("picture", "https://bakery.example/picture.jpg"),
            ],
        )
        .await;
        assert_eq!(res.status, 200, "{ctx}: create a Page: {}", res.text);
        let created = res.json()["id"].as_str().expect("a Page id").to_owned();
        let pages = [
            place(
                format!("{FB}/{}", fb::CAFE_PAGE),
                "the Cafe Page",
                &[("cover", "a world Page has no cover photo")],
            ),
            place(
                format!("{FB}/{created}"),
                "a created Page",
                &[(
                    "instagram_business_account",
                    "no Instagram account is linked at creation",
                )],
            ),
        ];
        check_node(&server, &ctx, &PAGE, api, FB_TOKEN, &pages, false).await;
        // The edge-only fields, on the first item of the accounts edge.
        let edge = [Place {
            path: format!("{FB}/me/accounts"),
            what: "an item of /me/accounts",
            first_item: true,
            omitted: &[],
        }];
        check_node(&server, &ctx, &PAGE, api, FB_TOKEN, &edge, true).await;
    }
}
