//! The Instagram Graph read API: the media edge with cursors and time bounds, media nodes, album
//! children, field rules and expansion, errors, rate limits (`docs/graph-api.md#media-edge`,
//! `docs/graph-api.md#paging`, `docs/graph-api.md#media-node`, `docs/graph-api.md#fields`,
//! `docs/graph-api.md#errors`, `docs/graph-api.md#rate-limits`).

use localgram_testkit::world::*;
use localgram_testkit::{Backend, TestServer, client};
use serde_json::{Value, json};

const ALBUM: &str = "17895695668004551";
const IMAGE: &str = "17895695668004550";
const CHILD_IMAGE: &str = "17880997618081620";
const CHILD_VIDEO: &str = "17880997618081621";

pub(crate) async fn get(
    server: &TestServer,
    path_and_query: &str,
) -> (u16, reqwest::header::HeaderMap, Value) {
    let res = client()
        .get(server.url(path_and_query))
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let body = res.json::<Value>().await.unwrap_or(Value::Null);
    (status, headers, body)
}

fn tok() -> String {
    format!("access_token={LONG_LIVED_TOKEN}")
}

fn without_trace(mut v: Value) -> Value {
    let trace = v["error"]["fbtrace_id"].take();
    assert!(
        trace.as_str().is_some_and(|t| !t.is_empty()),
        "no fbtrace_id in {v}"
    );
    v["error"].as_object_mut().unwrap().remove("fbtrace_id");
    v
}

/// A world with one account of `n` media, one per hour back from 2026-01-01, plus a story and an
/// ad that must never be listed, and a token for it.
pub(crate) fn big_world(n: usize, limits: &str) -> String {
    let mut w = format!(
        "version = 1\n[[apps]]\nid = \"500\"\nsecret = \"big-app-secret\"\nname = \"Big\"\nmode = \"live\"\nproducts = [\"instagram_basic_display\", \"instagram_login\"]\nredirect_uris = [\"https://big.example/cb\"]\n{limits}\n[[instagram_users]]\nid = \"600\"\nusername = \"big.account\"\npassword = \"big password\"\naccount_type = \"BUSINESS\"\n"
    );
    let start = 1_767_225_600i64; // 2026-01-01T00:00:00Z
    for i in 0..n {
        let t = localgram_core::clock::from_millis((start - 3600 * i as i64) * 1000);
        let ts = localgram_core::timefmt::graph_timestamp(t);
        w.push_str(&format!("  [[instagram_users.media]]\n  id = \"{}\"\n  media_type = \"IMAGE\"\n  caption = \"n{i}\"\n  timestamp = \"{ts}\"\n", 1_000_000 + i));
    }
    for (id, kind) in [("999001", "STORY"), ("999002", "AD")] {
        w.push_str(&format!("  [[instagram_users.media]]\n  id = \"{id}\"\n  media_type = \"IMAGE\"\n  timestamp = \"2026-06-01T00:00:00+0000\"\n  media_product_type = \"{kind}\"\n"));
    }
    w.push_str("[[tokens]]\nvalue = \"IGQVJbigAccountToken0001\"\napp = \"500\"\nuser = \"big.account\"\nkind = \"instagram_long_lived\"\nscopes = [\"user_profile\", \"user_media\"]\nissued_at = \"2026-11-19T00:00:00Z\"\n");
    w.push_str("[[tokens]]\nvalue = \"IGAAbigAccountBusiness01\"\napp = \"500\"\nuser = \"big.account\"\nkind = \"instagram_long_lived\"\nscopes = [\"instagram_business_basic\"]\nissued_at = \"2026-11-19T00:00:00Z\"\n");
    w
}

fn expected_id(i: usize) -> String {
    (1_000_000 + i).to_string()
}

#[tokio::test]
async fn paging_a_1000_media_account_collects_every_id_once_in_order() {
    for backend in Backend::all() {
        let server = TestServer::builder()
            .backend(&backend)
            .world(big_world(1000, ""))
            .spawn()
            .await;
        for limit in [1usize, 7, 25, 100] {
            let mut seen = Vec::new();
            let mut url = server.url(&format!("/graph.instagram.com/v21.0/me/media?access_token=IGQVJbigAccountToken0001&limit={limit}&fields=id,caption"));
            let mut pages = 0;
            loop {
                let res = client().get(&url).send().await.unwrap();
                assert_eq!(res.status(), 200, "{} limit {limit}", backend.name());
                let body: Value = res.json().await.unwrap();
                let data = body["data"].as_array().unwrap();
                assert!(data.len() <= limit);
                if pages > 0 {
                    assert!(
                        body["paging"]["previous"].as_str().is_some(),
                        "page {pages} has no previous"
                    );
                } else {
                    assert!(
                        body["paging"].get("previous").is_none(),
                        "the first page has a previous link"
                    );
                }
                seen.extend(data.iter().map(|m| m["id"].as_str().unwrap().to_owned()));
                pages += 1;
                match body["paging"]["next"].as_str() {
                    Some(next) => {
                        assert!(
                            next.starts_with(&format!(
                                "{}/graph.instagram.com/v21.0/me/media?",
                                server.base
                            )),
                            "{next}"
                        );
                        assert!(
                            next.contains("access_token=IGQVJbigAccountToken0001"),
                            "next dropped the token: {next}"
                        );
                        assert!(
                            next.contains(&format!("limit={limit}"))
                                && next.contains("fields=id%2Ccaption"),
                            "{next}"
                        );
                        url = next.to_owned();
                    }
                    None => {
                        assert!(
                            body["paging"]["cursors"]["after"].as_str().is_some(),
                            "the last page keeps its cursors"
                        );
                        break;
                    }
                }
                assert!(pages <= 1000 / limit + 2, "paging does not end");
            }
            let expected: Vec<String> = (0..1000).map(expected_id).collect();
            assert_eq!(seen, expected, "{} limit {limit}", backend.name());
        }
    }
}

#[tokio::test]
async fn paging_back_with_before_returns_the_previous_page() {
    let server = TestServer::builder().world(big_world(60, "")).spawn().await;
    let (_, _, first) = get(
        &server,
        "/graph.instagram.com/me/media?access_token=IGQVJbigAccountToken0001&limit=10",
    )
    .await;
    let (_, _, second) = get(
        &server,
        &format!(
            "/graph.instagram.com/me/media?access_token=IGQVJbigAccountToken0001&limit=10&after={}",
            first["paging"]["cursors"]["after"].as_str().unwrap()
        ),
    )
    .await;
    let prev_url = second["paging"]["previous"].as_str().unwrap();
    let back: Value = client()
        .get(prev_url)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(back["data"], first["data"]);
    assert!(
        back["paging"].get("previous").is_none() || back["paging"]["previous"].is_null(),
        "{back}"
    );
}

#[tokio::test]
async fn after_past_the_end_is_an_empty_data_array() {
    let server = TestServer::builder().world(big_world(3, "")).spawn().await;
    let (_, _, page) = get(
        &server,
        "/graph.instagram.com/me/media?access_token=IGQVJbigAccountToken0001&limit=3",
    )
    .await;
    assert!(page["paging"].get("next").is_none(), "{page}");
    let after = page["paging"]["cursors"]["after"].as_str().unwrap();
    let (status, _, body) = get(
        &server,
        &format!(
            "/graph.instagram.com/me/media?access_token=IGQVJbigAccountToken0001&after={after}"
        ),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body, json!({"data": []}));
}

#[tokio::test]
async fn stories_and_ads_are_never_listed_and_the_cap_limits_reach() {
    let server = TestServer::builder()
        .world(big_world(30, ""))
        .configure(|c| c.max_listed_media = 12)
        .spawn()
        .await;
    let (_, _, page) = get(
        &server,
        "/graph.instagram.com/me/media?access_token=IGQVJbigAccountToken0001&limit=100",
    )
    .await;
    let ids: Vec<&str> = page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    let expected: Vec<String> = (0..12).map(expected_id).collect();
    assert_eq!(ids, expected);
    let (status, _, story) = get(&server, "/graph.instagram.com/999001?access_token=IGQVJbigAccountToken0001&fields=id,media_product_type").await;
    assert_eq!(status, 200, "a story is readable as a node");
    assert_eq!(
        story,
        json!({"id": "999001", "media_product_type": "STORY"})
    );
}

#[tokio::test]
async fn since_and_until_bound_the_media_edge() {
    let server = TestServer::builder().world(big_world(48, "")).spawn().await;
    // Media i is at 2026-01-01T00:00Z minus i hours: until = 10 hours back, since = 20 hours back.
    let until = 1_767_225_600 - 10 * 3600;
    let since = 1_767_225_600 - 20 * 3600;
    let (status, _, page) = get(&server, &format!("/graph.instagram.com/me/media?access_token=IGQVJbigAccountToken0001&since={since}&until={until}&limit=100")).await;
    assert_eq!(status, 200);
    let ids: Vec<&str> = page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    let expected: Vec<String> = (10..=20).map(expected_id).collect();
    assert_eq!(ids, expected);
    let (status, _, err) = get(
        &server,
        "/graph.instagram.com/me/media?access_token=IGQVJbigAccountToken0001&since=someday",
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(err["error"]["code"], 100);
}

#[tokio::test]
async fn bad_limits_and_tampered_cursors_are_code_100_never_500() {
    let server = TestServer::builder().world(big_world(5, "")).spawn().await;
    for bad in ["0", "-1", "abc", "1e3", "18446744073709551616"] {
        let (status, _, body) = get(
            &server,
            &format!(
                "/graph.instagram.com/me/media?access_token=IGQVJbigAccountToken0001&limit={bad}"
            ),
        )
        .await;
        assert_eq!(status, 400, "limit={bad}");
        assert_eq!(body["error"]["code"], 100, "limit={bad}");
    }
    let (_, _, page) = get(
        &server,
        "/graph.instagram.com/me/media?access_token=IGQVJbigAccountToken0001&limit=2",
    )
    .await;
    let after = page["paging"]["cursors"]["after"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut flipped = after.clone().into_bytes();
    flipped[5] = if flipped[5] == b'A' { b'B' } else { b'A' };
    let flipped = String::from_utf8(flipped).unwrap();
    let foreign = {
        // A cursor of another account's edge: jane.doe's first page in the standard world is
        // not reachable here, so take a cursor from big.account and present it for jane.
        let other = TestServer::spawn().await;
        let (_, _, p) = get(
            &other,
            &format!("/graph.instagram.com/me/media?{}&limit=1", tok()),
        )
        .await;
        p["paging"]["cursors"]["after"].as_str().unwrap().to_owned()
    };
    for bad in [
        flipped,
        after[..after.len() - 3].to_owned(),
        "not*base64".into(),
        "A".repeat(10_000),
        foreign,
    ] {
        let (status, _, body) = get(
            &server,
            &format!(
                "/graph.instagram.com/me/media?access_token=IGQVJbigAccountToken0001&after={bad}"
            ),
        )
        .await;
        assert_eq!(status, 400, "cursor {bad:.40}");
        assert_eq!(body["error"]["code"], 100, "cursor {bad:.40}");
        assert_eq!(body["error"]["type"], "OAuthException");
    }
}

#[tokio::test]
async fn media_fields_follow_the_contract_rules() {
    let server = TestServer::spawn().await;
    let all = "id,caption,media_type,media_url,permalink,thumbnail_url,timestamp,username,media_product_type,shortcode";
    let (status, headers, image) = get(
        &server,
        &format!("/graph.instagram.com/{IMAGE}?{}&fields={all}", tok()),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(headers["facebook-api-version"], "v22.0");
    let shortcode = image["shortcode"].as_str().unwrap().to_owned();
    assert_eq!(
        image,
        json!({
            "id": IMAGE, "caption": "Sunset", "media_type": "IMAGE",
            "media_url": format!("{}/cdn/media/{IMAGE}.jpg", server.base),
            "permalink": format!("https://www.instagram.com/p/{shortcode}/"),
            "timestamp": "2026-05-01T18:10:00+0000", "username": "jane.doe",
            "media_product_type": "FEED", "shortcode": shortcode,
        })
    );
    // Album children: no caption, thumbnail_url only on the VIDEO child; the album expands them.
    let (_, _, album) = get(&server, &format!("/graph.instagram.com/{ALBUM}?{}&fields=id,media_type,children{{id,caption,media_type,thumbnail_url}}", tok())).await;
    assert_eq!(
        album,
        json!({"id": ALBUM, "media_type": "CAROUSEL_ALBUM", "children": {"data": [
            {"id": CHILD_IMAGE, "media_type": "IMAGE"},
            {"id": CHILD_VIDEO, "media_type": "VIDEO", "thumbnail_url": format!("{}/cdn/thumb/{CHILD_VIDEO}.jpg", server.base)},
        ]}})
    );
    // Inline children on a non-album is silently omitted; the edge call is an error.
    let (_, _, plain) = get(
        &server,
        &format!(
            "/graph.instagram.com/{IMAGE}?{}&fields=id,children{{id}}",
            tok()
        ),
    )
    .await;
    assert_eq!(plain, json!({"id": IMAGE}));
    let (status, _, err) = get(
        &server,
        &format!("/graph.instagram.com/{IMAGE}/children?{}", tok()),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        without_trace(err),
        json!({"error": {"message": format!("Unsupported get request. Object with ID '{IMAGE}' does not exist, cannot be loaded due to missing permissions, or does not support this operation"), "type": "IGApiException", "code": 100, "error_subcode": 33}})
    );
    let (status, _, children) = get(
        &server,
        &format!(
            "/graph.instagram.com/{ALBUM}/children?{}&fields=id,media_type",
            tok()
        ),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        children["data"],
        json!([{"id": CHILD_IMAGE, "media_type": "IMAGE"}, {"id": CHILD_VIDEO, "media_type": "VIDEO"}])
    );
    assert!(children["paging"]["cursors"]["after"].is_string());
}

#[tokio::test]
async fn copyright_flagged_media_lose_permalink_and_video_url() {
    let world = format!(
        "{}\n",
        localgram_testkit::TEST_WORLD.replace(
            "  [[instagram_users.media]]\n  id = \"17895695668004550\"",
            "  [[instagram_users.media]]\n  id = \"17895695668009990\"\n  media_type = \"VIDEO\"\n  timestamp = \"2026-06-01T00:00:00+0000\"\n  copyright_flagged = true\n\n  [[instagram_users.media]]\n  id = \"17895695668009991\"\n  media_type = \"IMAGE\"\n  timestamp = \"2026-06-02T00:00:00+0000\"\n  copyright_flagged = true\n\n  [[instagram_users.media]]\n  id = \"17895695668004550\""
        )
    );
    let server = TestServer::builder().world(world).spawn().await;
    let (_, _, video) = get(
        &server,
        &format!(
            "/graph.instagram.com/17895695668009990?{}&fields=id,media_url,permalink,thumbnail_url",
            tok()
        ),
    )
    .await;
    assert_eq!(
        video,
        json!({"id": "17895695668009990", "thumbnail_url": format!("{}/cdn/thumb/17895695668009990.jpg", server.base)})
    );
    let (_, _, image) = get(
        &server,
        &format!(
            "/graph.instagram.com/17895695668009991?{}&fields=id,media_url,permalink",
            tok()
        ),
    )
    .await;
    assert_eq!(
        image,
        json!({"id": "17895695668009991", "media_url": format!("{}/cdn/media/17895695668009991.jpg", server.base)})
    );
}

#[tokio::test]
async fn field_expansion_nests_the_media_edge_on_the_user() {
    let server = TestServer::spawn().await;
    let (status, _, me) = get(&server, &format!("/graph.instagram.com/me?{}&fields=id,username,media.limit(1){{id,caption,children{{media_type}}}}", tok())).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["id"], TESTER_ID);
    assert_eq!(
        me["media"]["data"],
        json!([{"id": IMAGE, "caption": "Sunset"}])
    );
    let next = me["media"]["paging"]["next"].as_str().unwrap();
    assert!(
        next.starts_with(&format!(
            "{}/graph.instagram.com/v22.0/{TESTER_ID}/media?",
            server.base
        )),
        "{next}"
    );
    let page: Value = client()
        .get(next)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        page["data"],
        json!([{"id": ALBUM, "children": {"data": [{"id": CHILD_IMAGE, "media_type": "IMAGE"}, {"id": CHILD_VIDEO, "media_type": "VIDEO"}]}}])
    );
}

#[tokio::test]
async fn field_errors_use_the_graph_envelope() {
    let server = TestServer::spawn().await;
    let (status, _, err) = get(
        &server,
        &format!("/graph.instagram.com/me?{}&fields=id,foo", tok()),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        without_trace(err),
        json!({"error": {"message": "(#100) Tried accessing nonexisting field (foo) on node type (User)", "type": "OAuthException", "code": 100}})
    );
    let (_, _, err) = get(
        &server,
        &format!("/graph.instagram.com/{IMAGE}?{}&fields=id,bar", tok()),
    )
    .await;
    assert_eq!(
        err["error"]["message"],
        "(#100) Tried accessing nonexisting field (bar) on node type (Media)"
    );
    for bad in [
        "id,,username",
        "id,",
        "media{id",
        "media.limit(",
        "id username",
        "media{id}{caption}",
    ] {
        let (status, _, err) = get(
            &server,
            &format!(
                "/graph.instagram.com/me?{}&fields={}",
                tok(),
                urlencode(bad)
            ),
        )
        .await;
        assert_eq!(status, 400, "{bad}");
        assert_eq!(err["error"]["code"], 2500, "{bad}");
        let msg = err["error"]["message"].as_str().unwrap();
        assert!(
            msg.starts_with("Syntax error \"") && msg.ends_with(&format!(": {bad}")),
            "{bad}: {msg}"
        );
    }
    let deep = format!("{}id{}", "media{".repeat(1000), "}".repeat(1000));
    let (status, _, err) = get(
        &server,
        &format!(
            "/graph.instagram.com/me?{}&fields={}",
            tok(),
            urlencode(&deep)
        ),
    )
    .await;
    assert_eq!((status, err["error"]["code"].as_i64()), (400, Some(2500)));
    let (status, _, err) = get(&server, &format!("/graph.instagram.com/me/foo?{}", tok())).await;
    assert_eq!(status, 400);
    assert_eq!(
        without_trace(err),
        json!({"error": {"message": "Unknown path components: /foo", "type": "OAuthException", "code": 2500}})
    );
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn another_users_media_and_a_missing_id_answer_the_same_bytes() {
    let server = TestServer::builder().world(format!("{}\n{}", localgram_testkit::TEST_WORLD, "[[tokens]]\nvalue = \"IGQVJlocalgramSizzleLongLived\"\napp = \"990602627938098\"\nuser = \"sizzle.cafe\"\nkind = \"instagram_long_lived\"\n")).spawn().await;
    let sizzle = server.instagram_user_with_token("IGQVJlocalgramSizzleLongLived");
    let a = sizzle.get(&format!("/{IMAGE}")).await;
    let b = sizzle.get("/17895695660000000").await;
    assert_eq!((a.status.as_u16(), b.status.as_u16()), (400, 400));
    let (a, b) = (without_trace(a.json()), without_trace(b.json()));
    assert_eq!(a["error"]["error_subcode"], 33);
    assert_eq!(
        a.to_string().replace(IMAGE, "X"),
        b.to_string().replace("17895695660000000", "X")
    );
}

#[tokio::test]
async fn a_token_without_user_media_gets_code_10_on_media() {
    let world = format!(
        "{}\n{}",
        localgram_testkit::TEST_WORLD,
        "[[tokens]]\nvalue = \"IGQVJlocalgramProfileOnly01\"\napp = \"990602627938098\"\nuser = \"jane.doe\"\nkind = \"instagram_long_lived\"\nscopes = [\"user_profile\"]\n"
    );
    let server = TestServer::builder().world(world).spawn().await;
    let err = server
        .instagram_user_with_token("IGQVJlocalgramProfileOnly01")
        .media()
        .await;
    assert_eq!(err.status, 400);
    assert_eq!(
        without_trace(err.json()),
        json!({"error": {"message": "(#10) Application does not have permission for this action", "type": "OAuthException", "code": 10}})
    );
    let (status, _, me) = get(
        &server,
        "/graph.instagram.com/me?access_token=IGQVJlocalgramProfileOnly01&fields=id,username",
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(me, json!({"id": TESTER_ID, "username": "jane.doe"}));
}

#[tokio::test]
async fn platform_rate_limits_admit_exactly_the_limit_under_concurrency() {
    for backend in Backend::all() {
        let server = TestServer::builder()
            .backend(&backend)
            .world(big_world(
                2,
                "[apps.rate_limits]\nuser_calls_per_hour = 100\n",
            ))
            .spawn()
            .await;
        let url = server.url("/graph.instagram.com/me?access_token=IGQVJbigAccountToken0001");
        let mut tasks = Vec::new();
        for _ in 0..200 {
            let url = url.clone();
            tasks.push(tokio::spawn(async move {
                let res = client().get(url).send().await.unwrap();
                let usage = res
                    .headers()
                    .get("x-app-usage")
                    .map(|v| v.to_str().unwrap().to_owned());
                (
                    res.status().as_u16(),
                    usage,
                    res.json::<Value>().await.unwrap(),
                )
            }));
        }
        let mut ok = 0;
        let mut limited = 0;
        for t in tasks {
            let (status, usage, body) = t.await.unwrap();
            let usage: Value =
                serde_json::from_str(&usage.expect("every answer carries X-App-Usage")).unwrap();
            match status {
                200 => ok += 1,
                400 => {
                    limited += 1;
                    assert_eq!(
                        without_trace(body),
                        json!({"error": {"message": "(#17) User request limit reached", "type": "OAuthException", "code": 17, "is_transient": true}})
                    );
                    assert_eq!(usage["call_count"], 100);
                }
                other => panic!("{} unexpected status {other}", backend.name()),
            }
        }
        assert_eq!((ok, limited), (100, 100), "{}", backend.name());
        // An hour later the budget is back.
        server.advance(3600);
        let res = client().get(&url).send().await.unwrap();
        assert_eq!(res.status(), 200, "{}", backend.name());
    }
}

#[tokio::test]
async fn business_use_case_limits_answer_80002_with_their_header() {
    let server = TestServer::builder()
        .world(big_world(
            2,
            "[apps.rate_limits]\nbusiness_calls_per_day = 3\n",
        ))
        .spawn()
        .await;
    let business = server.instagram_user_with_token("IGAAbigAccountBusiness01");
    for i in 1..=3 {
        let res = business.me().await;
        assert_eq!(res.status, 200);
        let usage: Value =
            serde_json::from_str(res.header("x-business-use-case-usage").unwrap()).unwrap();
        assert_eq!(usage["600"][0]["type"], "instagram");
        assert_eq!(usage["600"][0]["call_count"], i * 100 / 3);
        assert_eq!(usage["600"][0]["estimated_time_to_regain_access"], 0);
    }
    let res = business.me().await;
    assert_eq!(res.status, 400);
    let err = res.json();
    assert_eq!(err["error"]["code"], 80002);
    assert_eq!(err["error"]["is_transient"], true);
    assert!(
        res.header("www-authenticate")
            .unwrap()
            .starts_with("OAuth \"Facebook Platform\" \"invalid_request\"")
    );
    let usage: Value =
        serde_json::from_str(res.header("x-business-use-case-usage").unwrap()).unwrap();
    assert_eq!(usage["600"][0]["call_count"], 100);
    assert!(
        usage["600"][0]["estimated_time_to_regain_access"]
            .as_i64()
            .unwrap()
            > 0
    );
}

#[tokio::test]
async fn calls_with_a_bad_token_consume_no_budget() {
    let server = TestServer::builder()
        .world(big_world(
            2,
            "[apps.rate_limits]\nuser_calls_per_hour = 2\n",
        ))
        .spawn()
        .await;
    let stranger = server.instagram_user_with_token("IGQVJnotAToken000000000");
    let big = server.instagram_user_with_token("IGQVJbigAccountToken0001");
    for _ in 0..5 {
        assert_eq!(stranger.me().await.status, 400);
    }
    for _ in 0..2 {
        assert_eq!(big.me().await.status, 200);
    }
    let res = big.me().await;
    assert_eq!(
        res.status, 400,
        "the third valid call is over the limit of 2"
    );
    assert_eq!(res.json()["error"]["code"], 17);
}

#[tokio::test]
async fn server_wide_rate_limit_defaults_apply_to_apps_without_their_own() {
    let server = TestServer::builder()
        .world(big_world(1, ""))
        .configure(|c| c.rate_limit_user_per_hour = 2)
        .spawn()
        .await;
    let big = server.instagram_user_with_token("IGQVJbigAccountToken0001");
    assert_eq!(big.me().await.status, 200);
    assert_eq!(big.me().await.status, 200);
    let res = big.me().await;
    assert_eq!(res.status, 400);
    assert_eq!(res.json()["error"]["code"], 17);
    assert_eq!(
        res.header("x-app-usage"),
        Some(r#"{"call_count":100,"total_cputime":100,"total_time":100}"#)
    );
}
