//! graph.facebook.com and the Facebook Login dialog (`docs/graph-api.md#facebook-login`,
//! `docs/graph-api.md#accounts-edge`, `docs/graph-api.md#page-creation`), on both backends: the
//! dialog with partial grants, the token endpoint, cross-host rejection, the accounts edge (rules,
//! filters, paging, `total_count`, every error code), Page creation (one test per validation rule,
//! each asserting nothing was written), the Page node and categories.

use crate::support::*;
use localgram_testkit::actors::{Anonymous, FB_GRAPH, with_token};
use localgram_testkit::world::fb::*;
use localgram_testkit::world::{BUSINESS_ID, LONG_LIVED_TOKEN};
use localgram_testkit::{Backend, TestServer, client, facebook_world, query_value};
use reqwest::Client;
use serde_json::{Value, json};

async fn spawn_fb(backend: &Backend) -> TestServer {
    TestServer::builder()
        .backend(backend)
        .facebook_world()
        .spawn()
        .await
}

/// `GET graph.facebook.com/v21.0{path_and_query}` as given: the token endpoint, or a token (if
/// any) already in the query.
async fn graph_get(server: &TestServer, path_and_query: &str) -> Reply {
    get(
        &client(),
        &server.url(&format!("{FB_GRAPH}{path_and_query}")),
    )
    .await
}

/// The app exchanges a dialog code of the Facebook world's app.
async fn exchange(server: &TestServer, code: &str) -> Reply {
    server
        .anonymous()
        .facebook_exchange(APP_ID, APP_SECRET, REDIRECT_URI, code)
        .await
}

fn ids(body: &Value) -> Vec<String> {
    body["data"]
        .as_array()
        .unwrap_or_else(|| panic!("no data: {body}"))
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn dialog_login_consent_and_code_exchange() {
    for backend in Backend::all() {
        let server = spawn_fb(&backend).await;
        let ctx = backend.name();
        let b = server.anonymous();
        let query =
            Anonymous::dialog_query(APP_ID, REDIRECT_URI, "pages_show_list,business_management");
        let consent = b.facebook_consent(&query, EMAIL, PASSWORD).await;
        for id in [CAFE_PAGE, BLOG_PAGE, HOLDINGS_PAGE] {
            assert!(consent.text.contains(&format!("id=\"page-{id}\"")), "{ctx}");
        }
        assert!(
            consent.text.contains("id=\"perm-pages_show_list\""),
            "{ctx}"
        );
        assert!(
            !consent.text.contains("id=\"perm-public_profile\""),
            "{ctx}"
        );
        let res = b
            .facebook_decide(
                &consent,
                "allow",
                &["pages_show_list", "business_management"],
                &[CAFE_PAGE, HOLDINGS_PAGE],
            )
            .await;
        let loc = res.location().unwrap().to_owned();
        let code = query_value(&loc, "code").unwrap();
        let db = Db::open(&server).await;
        assert_eq!(
            db.opt_string(&format!(
                "SELECT CAST(page_ids AS TEXT) FROM fb_grants WHERE app_id = '{APP_ID}' AND fb_user_id = '{USER_ID}'"
            ))
            .await
            .map(|s| serde_json::from_str::<Value>(&s).unwrap()),
            Some(json!([CAFE_PAGE, HOLDINGS_PAGE])),
            "{ctx}"
        );
        let reply = exchange(&server, &code).await;
        assert_eq!(reply.status, 200, "{ctx}: {}", reply.text);
        assert_eq!(reply.header("cache-control"), Some("no-store"));
        let body = reply.json();
        let token = body["access_token"].as_str().unwrap().to_owned();
        assert!(token.starts_with("EAA"), "{ctx}: {token}");
        assert_eq!(
            body,
            json!({"access_token": token, "token_type": "bearer", "expires_in": 5_184_000}),
            "{ctx}"
        );
        let user = server.facebook_user_with_token(&token);
        let me = user.me().await;
        assert_eq!(me.status, 200, "{ctx}: {}", me.text);
        assert_eq!(me.json(), json!({"id": USER_ID, "name": "Test User"}));
        assert_eq!(me.header("facebook-api-version"), Some("v21.0"));
        let accounts = user.accounts("id").await;
        assert_eq!(
            ids(&accounts.json()),
            vec![CAFE_PAGE, HOLDINGS_PAGE],
            "{ctx}"
        );
        // The code is single-use: a replay is refused and revokes the token it gave.
        let again = exchange(&server, &code).await;
        assert_eq!(again.status, 400, "{ctx}");
        assert_eq!(again.json()["error"]["error_subcode"], 36009, "{ctx}");
        assert!(db.token_revoked_at(&token).await.is_some(), "{ctx}");
    }
}

#[tokio::test]
async fn partial_grant_without_pages_show_list_cannot_list() {
    for backend in Backend::all() {
        let server = spawn_fb(&backend).await;
        let user = server
            .facebook_user(
                "pages_show_list,pages_manage_metadata",
                &["pages_manage_metadata"],
                &[CAFE_PAGE],
            )
            .await;
        let reply = user.get("/me/accounts").await;
        assert_graph_error(
            &reply,
            graph_error(
                200,
                None,
                "OAuthException",
                "(#200) Permissions error: the pages_show_list permission is required to list Pages",
            ),
            backend.name(),
        );
    }
}

#[tokio::test]
async fn unticked_business_management_hides_business_pages() {
    for backend in Backend::all() {
        let server = spawn_fb(&backend).await;
        let user = server
            .facebook_user(
                "pages_show_list,business_management",
                &["pages_show_list"],
                &[CAFE_PAGE, BLOG_PAGE, HOLDINGS_PAGE],
            )
            .await;
        let reply = user.accounts("id").await;
        assert_eq!(
            ids(&reply.json()),
            vec![CAFE_PAGE, BLOG_PAGE],
            "{}",
            backend.name()
        );
    }
}

#[tokio::test]
async fn cancel_redirects_with_the_oauth_error() {
    for backend in Backend::all() {
        let server = spawn_fb(&backend).await;
        let b = server.anonymous();
        let consent = b
            .facebook_consent(
                &Anonymous::dialog_query(APP_ID, REDIRECT_URI, "pages_show_list"),
                EMAIL,
                PASSWORD,
            )
            .await;
        let res = b.facebook_decide(&consent, "cancel", &[], &[]).await;
        assert_eq!(res.status, 303);
        assert_eq!(
            res.location(),
            Some(
                "https://fb.example/cb?error_reason=user_denied&error=access_denied&error_description=Permissions+error.&state=fb-st"
            )
        );
        assert_eq!(Db::open(&server).await.count("auth_codes").await, 0);
    }
}

#[tokio::test]
async fn dialog_validation_errors_are_pages_never_redirects() {
    for backend in Backend::all() {
        let server = spawn_fb(&backend).await;
        let ctx = backend.name();
        let cases = [
            (
                Anonymous::dialog_query("123", REDIRECT_URI, ""),
                "Invalid Request: Request parameters are invalid: Invalid platform app",
            ),
            (
                // The Instagram-only app has no Facebook Login.
                Anonymous::dialog_query(
                    localgram_testkit::world::LIVE_APP_ID,
                    localgram_testkit::world::LIVE_REDIRECT_URI,
                    "",
                ),
                "Invalid Request: Request parameters are invalid: Invalid platform app",
            ),
            (
                Anonymous::dialog_query(APP_ID, "https://fb.example/cb/", ""),
                "Invalid Request: Request parameters are invalid: Invalid redirect_uri",
            ),
            (
                Anonymous::dialog_query(APP_ID, REDIRECT_URI, "pages_show_list,nonsense"),
                "Invalid Request: Request parameters are invalid: Invalid scope: nonsense",
            ),
            (
                format!(
                    "{}&response_type=token",
                    Anonymous::dialog_query(APP_ID, REDIRECT_URI, "")
                ),
                "Invalid Request: Request parameters are invalid: Invalid response_type",
            ),
        ];
        for (q, message) in cases {
            let reply = server.anonymous().facebook_dialog(&q).await;
            assert_error_page(&reply, 400, message, ctx);
        }
        // A versioned dialog path is the same dialog.
        let reply = server
            .anonymous()
            .get(&format!(
                "/www.facebook.com/v21.0/dialog/oauth?{}",
                Anonymous::dialog_query(APP_ID, REDIRECT_URI, "")
            ))
            .await;
        assert_page(&reply, 200, ctx);
        assert!(reply.text.contains("name=\"email\""), "{ctx}");
    }
}

#[tokio::test]
async fn development_apps_need_an_app_role() {
    for backend in Backend::all() {
        let server = spawn_fb(&backend).await;
        let b = server.anonymous();
        let query = Anonymous::dialog_query(
            localgram_testkit::world::APP_ID,
            localgram_testkit::world::REDIRECT_URI,
            "pages_show_list",
        );
        let page = b.facebook_dialog(&query).await;
        let (csrf, q) = hidden_fields(&page.text, "login");
        let res = b
            .post_form(
                "/www.facebook.com/dialog/oauth/login",
                &[
                    ("csrf", &csrf),
                    ("q", &q),
                    ("email", EMAIL),
                    ("password", PASSWORD),
                ],
            )
            .await;
        assert_eq!(res.status, 303);
        let reply = b.facebook_dialog(&query).await;
        assert_error_page(&reply, 400, "Insufficient developer role", backend.name());
    }
}

#[tokio::test]
async fn wrong_password_shows_the_login_page_again() {
    for backend in Backend::all() {
        let server = spawn_fb(&backend).await;
        let b = server.anonymous();
        let page = b
            .facebook_dialog(&Anonymous::dialog_query(APP_ID, REDIRECT_URI, ""))
            .await;
        let (csrf, q) = hidden_fields(&page.text, "login");
        let res = b
            .post_form(
                "/www.facebook.com/dialog/oauth/login",
                &[
                    ("csrf", &csrf),
                    ("q", &q),
                    ("email", EMAIL),
                    ("password", "nope"),
                ],
            )
            .await;
        assert_page(&res, 401, backend.name());
        assert_eq!(
            element_text(&res.text, "login-error").as_deref(),
            Some("The email or password you entered is incorrect.")
        );
        // Without the CSRF token the form is refused.
        let res = b
            .post_form(
                "/www.facebook.com/dialog/oauth/login",
                &[("q", &q), ("email", EMAIL), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(res.status, 403);
    }
}

#[tokio::test]
async fn token_endpoint_errors() {
    for backend in Backend::all() {
        let server = spawn_fb(&backend).await;
        let ctx = backend.name();
        let reply = graph_get(
            &server,
            &format!(
                "/oauth/access_token?client_id={APP_ID}&client_secret=wrong&redirect_uri=x&code=y"
            ),
        )
        .await;
        assert_graph_error(
            &reply,
            graph_error(
                100,
                None,
                "OAuthException",
                "Error validating client secret",
            ),
            ctx,
        );
        let reply = graph_get(
            &server,
            "/oauth/access_token?client_id=424242&client_secret=x&code=y",
        )
        .await;
        assert_graph_error(
            &reply,
            graph_error(
                101,
                None,
                "OAuthException",
                "Error validating application. Invalid application ID.",
            ),
            ctx,
        );
        let reply = graph_get(
            &server,
            &format!(
                "/oauth/access_token?client_id={APP_ID}&client_secret={APP_SECRET}&redirect_uri={}&code=AQnothing",
                encode(REDIRECT_URI)
            ),
        )
        .await;
        assert_graph_error(
            &reply,
            graph_error(
                100,
                None,
                "OAuthException",
                "Invalid verification code format.",
            ),
            ctx,
        );
        let reply = graph_get(
            &server,
            &format!("/oauth/access_token?client_secret={APP_SECRET}&code=AQx"),
        )
        .await;
        assert_graph_error(
            &reply,
            graph_error(
                100,
                None,
                "OAuthException",
                "(#100) Missing client_id parameter",
            ),
            ctx,
        );
    }
}

#[tokio::test]
async fn redirect_mismatch_keeps_the_code() {
    for backend in Backend::all() {
        let server = spawn_fb(&backend).await;
        let b = server.anonymous();
        let consent = b
            .facebook_consent(
                &Anonymous::dialog_query(APP_ID, REDIRECT_URI, "pages_show_list"),
                EMAIL,
                PASSWORD,
            )
            .await;
        let res = b
            .facebook_decide(&consent, "allow", &["pages_show_list"], &[])
            .await;
        let code = query_value(res.location().unwrap(), "code").unwrap();
        let reply = graph_get(
            &server,
            &format!(
                "/oauth/access_token?client_id={APP_ID}&client_secret={APP_SECRET}&redirect_uri={}&code={code}",
                encode("https://fb.example/other")
            ),
        )
        .await;
        assert_graph_error(
            &reply,
            graph_error(
                100,
                Some(36008),
                "OAuthException",
                "Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request",
            ),
            backend.name(),
        );
        assert_eq!(Db::open(&server).await.code_consumed_at(&code).await, None);
        assert_eq!(exchange(&server, &code).await.status, 200);
    }
}

#[tokio::test]
async fn reused_code_carries_the_invalid_code_challenge() {
    for backend in Backend::all() {
        let server = spawn_fb(&backend).await;
        let b = server.anonymous();
        let consent = b
            .facebook_consent(
                &Anonymous::dialog_query(APP_ID, REDIRECT_URI, ""),
                EMAIL,
                PASSWORD,
            )
            .await;
        let res = b.facebook_decide(&consent, "allow", &[], &[]).await;
        let code = query_value(res.location().unwrap(), "code").unwrap();
        assert_eq!(exchange(&server, &code).await.status, 200);
        let again = exchange(&server, &code).await;
        assert_eq!(again.status, 400);
        assert_eq!(
            again.header("www-authenticate"),
            Some(
                "OAuth \"Facebook Platform\" \"invalid_code\" \"This authorization code has been used.\""
            )
        );
    }
}

#[tokio::test]
async fn long_lived_exchange_and_page_tokens_that_never_expire() {
    for backend in Backend::all() {
        let server = spawn_fb(&backend).await;
        let ctx = backend.name();
        let reply = server
            .facebook_user_with_token(SHORT_TOKEN)
            .exchange_long_lived(APP_ID, APP_SECRET)
            .await;
        assert_eq!(reply.status, 200, "{ctx}: {}", reply.text);
        let body = reply.json();
        let long = body["access_token"].as_str().unwrap().to_owned();
        assert!(long.starts_with("EAA"));
        assert_eq!(body["expires_in"], 5_184_000, "{ctx}");
        let db = Db::open(&server).await;
        assert_eq!(
            db.opt_string(&format!(
                "SELECT kind FROM tokens WHERE token_hash = '{}'",
                hash(&long)
            ))
            .await
            .as_deref(),
            Some("facebook_user_long_lived")
        );
        // Page tokens from the long-lived token never expire; from the short one they expire
        // with it.
        for (user_token, expires) in [
            (long.as_str(), None),
            (SHORT_TOKEN, Some(NOW_MS + 3_600_000)),
        ] {
            // The admin of the cafe, holding the Page token /me/accounts lists for it.
            let admin = server
                .facebook_user_with_token(user_token)
                .page_admin(CAFE_PAGE)
                .await;
            let page_token = admin.page_token();
            assert!(page_token.starts_with("EAA"));
            assert_eq!(
                db.opt_i64(&format!(
                    "SELECT expires_at FROM tokens WHERE token_hash = '{}' AND kind = 'page'",
                    hash(page_token)
                ))
                .await,
                expires,
                "{ctx}"
            );
            // The Page token reads its Page.
            let node = admin.page("id,name").await;
            assert_eq!(node.json(), json!({"id": CAFE_PAGE, "name": "Sizzle Cafe"}));
        }
    }
}

#[tokio::test]
async fn app_tokens_from_client_credentials_and_the_secret_form() {
    for backend in Backend::all() {
        let server = spawn_fb(&backend).await;
        let ctx = backend.name();
        let reply = graph_get(
            &server,
            &format!(
                "/oauth/access_token?grant_type=client_credentials&client_id={APP_ID}&client_secret={APP_SECRET}"
            ),
        )
        .await;
        assert_eq!(reply.status, 200, "{ctx}: {}", reply.text);
        let body = reply.json();
        let token = body["access_token"].as_str().unwrap().to_owned();
        assert_eq!(body, json!({"access_token": token, "token_type": "bearer"}));
        let pipe = format!("{APP_ID}|{APP_SECRET}");
        for t in [token.as_str(), pipe.as_str()] {
            let cats = server
                .facebook_user_with_token(t)
                .get("/fb_page_categories")
                .await;
            assert_eq!(cats.status, 200, "{ctx}: {}", cats.text);
            assert_eq!(cats.json()["data"][0]["api_enum"], "COMMUNITY");
            // An app token is no one: /me is the no-user error.
            let me = server.facebook_user_with_token(t).get("/me/accounts").await;
            assert_graph_error(
                &me,
                graph_error(
                    2500,
                    None,
                    "OAuthException",
                    "An active access token must be used to query information about the current user.",
                ),
                ctx,
            );
        }
        let wrong = server
            .facebook_user_with_token(&format!("{APP_ID}|wrong"))
            .get("/fb_page_categories")
            .await;
        assert_graph_error(&wrong, cannot_parse(), ctx);
    }
}

#[tokio::test]
async fn tokens_are_refused_on_the_other_host() {
    for backend in Backend::all() {
        let server = spawn_fb(&backend).await;
        let ctx = backend.name();
        let reply = server
            .facebook_user_with_token(LONG_LIVED_TOKEN)
            .get("/me")
            .await;
        assert_graph_error(&reply, cannot_parse(), ctx);
        // A Facebook token on graph.instagram.com.
        let reply = server.instagram_user_with_token(LONG_TOKEN).me().await;
        assert_graph_error(&reply, cannot_parse(), ctx);
        // Unknown paths on graph.facebook.com answer in the Graph envelope.
        let reply = server
            .facebook_user_with_token(LONG_TOKEN)
            .get("/me/nothing")
            .await;
        assert_graph_error(
            &reply,
            graph_error(
                2500,
                None,
                "OAuthException",
                "Unknown path components: /nothing",
            ),
            ctx,
        );
    }
}

#[tokio::test]
async fn accounts_default_fields_and_reach() {
    for backend in Backend::all() {
        let server = spawn_fb(&backend).await;
        let ctx = backend.name();
        let reply = server
            .facebook_user_with_token(LONG_TOKEN)
            .get("/me/accounts")
            .await;
        assert_eq!(reply.status, 200, "{ctx}: {}", reply.text);
        let mut body = reply.json();
        for p in body["data"].as_array_mut().unwrap() {
            let t = p["access_token"].take();
            assert!(t.as_str().unwrap().starts_with("EAA"), "{ctx}");
        }
        assert_eq!(
            body["data"],
            json!([
                {"access_token": null, "category": "Cafe", "category_list": [{"id": "197871390225897", "name": "Cafe"}],
                 "name": "Sizzle Cafe", "id": CAFE_PAGE,
                 "tasks": ["ANALYZE", "ADVERTISE", "MODERATE", "CREATE_CONTENT", "MANAGE"]},
                {"access_token": null, "category": "Media", "category_list": [{"id": "1602", "name": "Media"}],
                 "name": "Sizzle Blog", "id": BLOG_PAGE, "tasks": ["ANALYZE"]},
                {"access_token": null, "category": "Company", "category_list": [{"id": "2200", "name": "Company"}],
                 "name": "Sizzle Holdings", "id": HOLDINGS_PAGE, "tasks": ["ANALYZE", "MANAGE"]},
            ]),
            "{ctx}"
        );
        assert!(body["paging"]["cursors"]["after"].is_string());
        assert!(body["paging"].get("next").is_none(), "{ctx}");
        assert!(body.get("summary").is_none());
        // Without business_management the business-reached Page is not listed.
        let reply = server
            .facebook_user_with_token(SHOW_LIST_TOKEN)
            .get("/me/accounts?fields=id")
            .await;
        assert_eq!(ids(&reply.json()), vec![CAFE_PAGE, BLOG_PAGE], "{ctx}");
        // The user id works like me.
        let reply = server
            .facebook_user_with_token(SHOW_LIST_TOKEN)
            .get(&format!("/{USER_ID}/accounts?fields=id"))
            .await;
        assert_eq!(ids(&reply.json()), vec![CAFE_PAGE, BLOG_PAGE], "{ctx}");
    }
}

#[tokio::test]
async fn accounts_filters_and_total_count() {
    for backend in Backend::all() {
        let server = spawn_fb(&backend).await;
        let ctx = backend.name();
        let cases = [
            ("is_place=true", 30),
            ("is_place=false", 30),
            ("is_promotable=false", 20),
            ("is_promotable=true", 40),
            ("is_place=true&is_promotable=false", 10),
            ("", 60),
        ];
        for (filter, total) in cases {
            let reply = server
                .facebook_user_with_token(MANY_TOKEN)
                .get(&format!(
                    "/me/accounts?fields=id&summary=total_count&limit=100&{filter}"
                ))
                .await;
            assert_eq!(reply.status, 200, "{ctx} {filter}: {}", reply.text);
            let body = reply.json();
            assert_eq!(
                body["summary"],
                json!({"total_count": total}),
                "{ctx} {filter}"
            );
            assert_eq!(ids(&body).len(), total as usize, "{ctx} {filter}");
        }
        let reply = server
            .facebook_user_with_token(MANY_TOKEN)
            .get("/me/accounts?fields=id,is_place&is_place=true&limit=3")
            .await;
        assert_eq!(
            reply.json()["data"],
            json!([
                {"id": "210000000000001", "is_place": true},
                {"id": "210000000000003", "is_place": true},
                {"id": "210000000000005", "is_place": true},
            ])
        );
        let reply = server
            .facebook_user_with_token(MANY_TOKEN)
            .get("/me/accounts?is_place=maybe")
            .await;
        assert_graph_error(
            &reply,
            graph_error(
                100,
                None,
                "OAuthException",
                "(#100) Param is_place must be a boolean, got \"maybe\"",
            ),
            ctx,
        );
    }
}

#[tokio::test]
async fn accounts_paging_over_sixty_pages() {
    for backend in Backend::all() {
        let server = spawn_fb(&backend).await;
        let ctx = backend.name();
        let first = server
            .facebook_user_with_token(MANY_TOKEN)
            .get("/me/accounts?fields=id&summary=true")
            .await
            .json();
        assert_eq!(first["summary"]["total_count"], 60);
        assert_eq!(ids(&first).len(), 25, "{ctx}: default limit 25");
        assert!(first["paging"].get("previous").is_none());
        let mut seen = ids(&first);
        let mut next = first["paging"]["next"].as_str().unwrap().to_owned();
        assert!(
            next.starts_with(&server.url("/graph.facebook.com/v21.0/me/accounts?")),
            "{next}"
        );
        assert!(next.contains("access_token="), "{next}");
        let mut sizes = vec![25];
        let last = loop {
            let page = get(&client(), &next).await;
            assert_eq!(page.status, 200, "{ctx}: {}", page.text);
            let body = page.json();
            assert_eq!(body["summary"]["total_count"], 60, "{ctx}");
            sizes.push(ids(&body).len());
            seen.extend(ids(&body));
            assert!(body["paging"]["previous"].is_string(), "{ctx}");
            match body["paging"].get("next").and_then(Value::as_str) {
                Some(n) => next = n.to_owned(),
                None => break body,
            }
        };
        assert_eq!(sizes, vec![25, 25, 10], "{ctx}");
        let expected: Vec<String> = (1..=60).map(|n| format!("21000000000{n:04}")).collect();
        assert_eq!(seen, expected, "{ctx}");
        // Going back from the last page gives the 25 before it.
        let prev = last["paging"]["previous"].as_str().unwrap();
        let back = get(&client(), prev).await.json();
        assert_eq!(ids(&back), expected[25..50].to_vec(), "{ctx}");
        // After the end: no data, no next.
        let after = last["paging"]["cursors"]["after"].as_str().unwrap();
        let end = server
            .facebook_user_with_token(MANY_TOKEN)
            .get(&format!("/me/accounts?fields=id&after={after}"))
            .await;
        assert_eq!(end.json(), json!({"data": []}), "{ctx}");
        // Limits clamp at 100; a tampered cursor is refused.
        let all = server
            .facebook_user_with_token(MANY_TOKEN)
            .get("/me/accounts?fields=id&limit=1000")
            .await;
        assert_eq!(ids(&all.json()).len(), 60);
        let bad = server
            .facebook_user_with_token(MANY_TOKEN)
            .get("/me/accounts?after=AAAA")
            .await;
        assert_graph_error(
            &bad,
            graph_error(
                100,
                None,
                "OAuthException",
                "(#100) Invalid after cursor: it was altered, or issued for another edge or object",
            ),
            ctx,
        );
    }
}

#[tokio::test]
async fn accounts_error_codes() {
    for backend in Backend::all() {
        let server = spawn_fb(&backend).await;
        let ctx = backend.name();
        let e = |code, msg: &str| graph_error(code, None, "OAuthException", msg);
        let cases: Vec<(String, Value)> = vec![
            (
                with_token("/me/accounts", CHECKPOINTED_TOKEN),
                e(
                    459,
                    "(#459) The session is invalid because the user has been checkpointed",
                ),
            ),
            (
                with_token("/me/accounts", BLOCKED_TOKEN),
                e(
                    368,
                    "(#368) The action attempted has been deemed abusive or is otherwise disallowed",
                ),
            ),
            (with_token("/me/accounts", "EAAgarbage"), cannot_parse()),
            (
                with_token("/me/accounts", NO_PAGES_TOKEN),
                e(
                    200,
                    "(#200) Permissions error: the pages_show_list permission is required to list Pages",
                ),
            ),
            (
                format!("/{USER_ID}/accounts"),
                e(104, "An access token is required to request this resource."),
            ),
            (
                "/me/accounts".to_owned(),
                e(
                    2500,
                    "An active access token must be used to query information about the current user.",
                ),
            ),
            (
                with_token("/me/accounts?fields=id,", LONG_TOKEN),
                e(2500, "Syntax error \"Expected name.\" at character 3: id,"),
            ),
            (
                with_token("/999999999/accounts", LONG_TOKEN),
                e(110, "(#110) Invalid user id"),
            ),
            (
                with_token(&format!("/{REAL_ID}/accounts"), LONG_TOKEN),
                e(210, "(#210) User not visible"),
            ),
            (
                with_token("/me/accounts", PAGE_TOKEN),
                e(
                    100,
                    "(#100) Tried accessing nonexisting field (accounts) on node type (Page)",
                ),
            ),
            (
                with_token("/me/accounts?fields=id,fan_club", LONG_TOKEN),
                e(
                    100,
                    "(#100) Tried accessing nonexisting field (fan_club) on node type (Page)",
                ),
            ),
            (
                with_token("/me/accounts?limit=-1", LONG_TOKEN),
                e(
                    100,
                    "(#100) Param limit must be a positive integer, got \"-1\"",
                ),
            ),
        ];
        for (path, expected) in cases {
            let reply = graph_get(&server, &path).await;
            assert_graph_error(&reply, expected, &format!("{ctx} {path}"));
        }
        // Update and delete are not supported on the edge.
        let reply = Reply::read(
            client()
                .delete(server.url(&format!("{FB_GRAPH}/me/accounts?access_token={LONG_TOKEN}")))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_graph_error(
            &reply,
            graph_error(
                100,
                Some(33),
                "GraphMethodException",
                "Unsupported delete request. Object with ID 'me' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api",
            ),
            ctx,
        );
    }
}

#[tokio::test]
async fn accounts_expand_the_instagram_business_account() {
    for backend in Backend::all() {
        let server = spawn_fb(&backend).await;
        let reply = server
            .facebook_user_with_token(LONG_TOKEN)
            .get("/me/accounts?fields=id,name,instagram_business_account{id,username}")
            .await;
        assert_eq!(
            reply.json()["data"],
            json!([
                {"id": CAFE_PAGE, "name": "Sizzle Cafe",
                 "instagram_business_account": {"id": BUSINESS_ID, "username": "sizzle.cafe"}},
                {"id": BLOG_PAGE, "name": "Sizzle Blog"},
                {"id": HOLDINGS_PAGE, "name": "Sizzle Holdings"},
            ]),
            "{}",
            backend.name()
        );
        // The same through the Page node, and nested under /me.
        let node = server
            .facebook_user_with_token(LONG_TOKEN)
            .get(&format!("/{CAFE_PAGE}?fields=instagram_business_account"))
            .await;
        assert_eq!(
            node.json(),
            json!({"instagram_business_account": {"id": BUSINESS_ID}})
        );
        let me = server
            .facebook_user_with_token(LONG_TOKEN)
            .get("/me?fields=id,accounts.limit(1){id,tasks}")
            .await;
        let body = me.json();
        assert_eq!(body["id"], USER_ID);
        assert_eq!(
            body["accounts"]["data"],
            json!([{"id": CAFE_PAGE, "tasks": ["ANALYZE", "ADVERTISE", "MODERATE", "CREATE_CONTENT", "MANAGE"]}])
        );
        assert!(
            body["accounts"]["paging"]["next"]
                .as_str()
                .unwrap()
                .contains("limit=1")
        );
    }
}

#[tokio::test]
async fn page_node_and_categories() {
    for backend in Backend::all() {
        let server = spawn_fb(&backend).await;
        let ctx = backend.name();
        let reply = server
            .facebook_user_with_token(REAL_TOKEN)
            .get(&format!(
                "/{CAFE_PAGE}?fields=id,name,about,category,phone,website,link,location"
            ))
            .await;
        assert_eq!(
            reply.json(),
            json!({"id": CAFE_PAGE, "name": "Sizzle Cafe", "about": "Coffee and cake",
                   "category": "Cafe", "phone": "+46 8 123 456", "website": "https://sizzle.example/",
                   "link": format!("https://www.facebook.com/{CAFE_PAGE}"),
                   "location": {"city_id": "106505586052951", "street": "Drottninggatan 1", "zip": "111 51"}}),
            "{ctx}"
        );
        // A user without a task gets no access_token.
        let reply = server
            .facebook_user_with_token(REAL_TOKEN)
            .get(&format!("/{CAFE_PAGE}?fields=id,access_token"))
            .await;
        assert_eq!(reply.json(), json!({"id": CAFE_PAGE}), "{ctx}");
        let reply = server
            .facebook_user_with_token(REAL_TOKEN)
            .get("/200000000000999")
            .await;
        assert_graph_error(
            &reply,
            graph_error(
                100,
                Some(33),
                "GraphMethodException",
                "Unsupported get request. Object with ID '200000000000999' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api",
            ),
            ctx,
        );
        let cats = server
            .facebook_user_with_token(REAL_TOKEN)
            .get("/fb_page_categories")
            .await;
        let body = cats.json();
        let community = &body["data"][0];
        assert_eq!(community["id"], "2612");
        assert_eq!(community["name"], "Community");
        assert_eq!(
            community["fb_page_categories"][0],
            json!({"id": "2613", "api_enum": "COMMUNITY_SERVICES", "name": "Community Services"})
        );
    }
}

// ------------------------------------------------------------------------------------------------
// Page creation
// ------------------------------------------------------------------------------------------------

const STOCKHOLM: &str = "106505586052951";

#[tokio::test]
async fn create_page_then_read_it_back() {
    for backend in Backend::all() {
        let server = spawn_fb(&backend).await;
        let ctx = backend.name();
        let reply = server
            .facebook_user_with_token(LONG_TOKEN)
            .post(
                "/me/accounts",
                &[
                    ("name", "New Sizzle"),
                    ("category_enum", "RESTAURANT"),
                    ("city_id", STOCKHOLM),
                    ("coordinates", r#"{"latitude": 59.33, "longitude": 18.07}"#),
                    ("about", "Fresh"),
                    ("description", "A new restaurant"),
                    ("phone", "+46 1"),
                    ("website", "https://new.example/"),
                    ("zip", "111 22"),
                    ("picture", "https://new.example/p.jpg"),
                    (
                        "cover_photo",
                        r#"{"url": "https://new.example/c.jpg", "offset_y": 10}"#,
                    ),
                ],
            )
            .await;
        assert_eq!(reply.status, 200, "{ctx}: {}", reply.text);
        let body = reply.json();
        let id = body["id"].as_str().unwrap().to_owned();
        assert_eq!(body, json!({"id": id}));
        let node = server.facebook_user_with_token(LONG_TOKEN).get(&format!("/{id}?fields=id,name,about,description,category,category_list,phone,website,location,picture,cover,access_token"))
        .await;
        let mut node = node.json();
        assert!(
            node["access_token"]
                .take()
                .as_str()
                .unwrap()
                .starts_with("EAA")
        );
        assert_eq!(
            node,
            json!({
                "id": id, "name": "New Sizzle", "about": "Fresh", "description": "A new restaurant",
                "category": "Restaurant", "category_list": [{"id": "273819889375819", "name": "Restaurant"}],
                "phone": "+46 1", "website": "https://new.example/",
                "location": {"city": "Stockholm", "state": "", "country": "Sweden", "city_id": STOCKHOLM,
                             "latitude": 59.33, "longitude": 18.07, "zip": "111 22"},
                "picture": {"data": {"url": "https://new.example/p.jpg", "is_silhouette": false}},
                "cover": {"id": format!("{id}_cover"), "source": "https://new.example/c.jpg", "offset_x": 50, "offset_y": 10},
                "access_token": null,
            }),
            "{ctx}"
        );
        // Listed on the edge with every task.
        let list = server
            .facebook_user_with_token(LONG_TOKEN)
            .get("/me/accounts?fields=id,tasks")
            .await;
        let data = list.json()["data"].clone();
        assert!(
            data.as_array().unwrap().contains(&json!({"id": id, "tasks": ["ANALYZE", "ADVERTISE", "MODERATE", "CREATE_CONTENT", "MANAGE"]})),
            "{ctx}: {data}"
        );
        let db = Db::open(&server).await;
        let extra = db
            .opt_string(&format!(
                "SELECT CAST(extra AS TEXT) FROM pages WHERE id = '{id}'"
            ))
            .await
            .unwrap();
        let extra: Value = serde_json::from_str(&extra).unwrap();
        assert_eq!(
            extra["cover_photo"],
            json!({"url": "https://new.example/c.jpg", "offset_x": 50, "offset_y": 10,
                   "no_feed_story": false, "no_notification": false}),
            "{ctx}"
        );
    }
}

#[tokio::test]
async fn create_page_as_json_and_with_category_list() {
    for backend in Backend::all() {
        let server = spawn_fb(&backend).await;
        let reply = Reply::read(
            client()
                .post(server.url(&format!("{FB_GRAPH}/me/accounts?access_token={LONG_TOKEN}")))
                .json(&json!({
                    "name": "Band Page",
                    "category_list": ["792007097567368", "1108"],
                    "location": {"city": "Uppsala", "country": "Sweden", "street": "Svartbäcksgatan 1"},
                    "coordinates": {"latitude": 59.86, "longitude": 17.64},
                }))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        let id = reply.json()["id"].as_str().unwrap().to_owned();
        let node = server
            .facebook_user_with_token(LONG_TOKEN)
            .get(&format!("/{id}?fields=category,category_list,location"))
            .await;
        assert_eq!(
            node.json(),
            json!({"category": "Band",
                   "category_list": [{"id": "792007097567368", "name": "Band"}, {"id": "1108", "name": "Producer"}],
                   "location": {"street": "Svartbäcksgatan 1", "city": "Uppsala", "state": "", "country": "Sweden",
                                "city_id": "106000000000001", "latitude": 59.86, "longitude": 17.64}})
        );
    }
}

/// One create-validation rule: the request is refused with `expected` and writes nothing.
async fn refused(
    server: &TestServer,
    token: &str,
    form: &[(&str, &str)],
    expected: Value,
    ctx: &str,
) {
    let db = Db::open(server).await;
    let before = (
        db.count("pages").await,
        db.count("page_roles").await,
        db.count("fb_grants").await,
    );
    let reply = server
        .facebook_user_with_token(token)
        .post("/me/accounts", form)
        .await;
    assert_graph_error(&reply, expected, ctx);
    let after = (
        db.count("pages").await,
        db.count("page_roles").await,
        db.count("fb_grants").await,
    );
    assert_eq!(before, after, "{ctx}: a refused create wrote something");
}

fn e100(msg: &str) -> Value {
    graph_error(100, None, "OAuthException", msg)
}

macro_rules! create_rule {
    ($name:ident, $token:expr, $form:expr, $expected:expr) => {
        #[tokio::test]
        async fn $name() {
            for backend in Backend::all() {
                let server = spawn_fb(&backend).await;
                refused(&server, $token, $form, $expected, backend.name()).await;
            }
        }
    };
}

const OK_CITY: (&str, &str) = ("city_id", STOCKHOLM);
const OK_CAT: (&str, &str) = ("category_enum", "CAFE");
const OK_NAME: (&str, &str) = ("name", "Fine");

create_rule!(
    create_needs_pages_manage_metadata,
    SHOW_LIST_TOKEN,
    &[OK_NAME, OK_CAT, OK_CITY],
    graph_error(
        200,
        None,
        "OAuthException",
        "(#200) Permissions error: creating a Page requires the pages_manage_metadata and pages_show_list permissions; pages_manage_metadata was not granted"
    )
);
create_rule!(
    create_needs_pages_show_list,
    NO_PAGES_TOKEN,
    &[OK_NAME, OK_CAT, OK_CITY],
    graph_error(
        200,
        None,
        "OAuthException",
        "(#200) Permissions error: creating a Page requires the pages_manage_metadata and pages_show_list permissions; pages_manage_metadata was not granted"
    )
);
create_rule!(
    create_needs_a_test_user,
    REAL_TOKEN,
    &[OK_NAME, OK_CAT, OK_CITY],
    graph_error(
        200,
        None,
        "OAuthException",
        "(#200) Permissions error: only test users can create Pages"
    )
);
create_rule!(
    create_refuses_blocked_users,
    BLOCKED_TOKEN,
    &[OK_NAME, OK_CAT, OK_CITY],
    graph_error(
        368,
        None,
        "OAuthException",
        "(#368) The action attempted has been deemed abusive or is otherwise disallowed"
    )
);
create_rule!(
    create_refuses_page_tokens,
    PAGE_TOKEN,
    &[OK_NAME, OK_CAT, OK_CITY],
    e100("(#100) Tried accessing nonexisting field (accounts) on node type (Page)")
);
create_rule!(
    create_needs_a_name,
    LONG_TOKEN,
    &[OK_CAT, OK_CITY],
    graph_error(
        194,
        None,
        "OAuthException",
        "(#194) Missing at least one required parameter: name"
    )
);
create_rule!(
    create_needs_a_category,
    LONG_TOKEN,
    &[OK_NAME, OK_CITY],
    graph_error(
        194,
        None,
        "OAuthException",
        "(#194) Missing at least one required parameter: category_enum or category_list"
    )
);
create_rule!(
    create_refuses_an_unknown_category_enum,
    LONG_TOKEN,
    &[OK_NAME, ("category_enum", "SPACESHIP"), OK_CITY],
    graph_error(
        152,
        None,
        "OAuthException",
        "(#152) Invalid page type: category_enum \"SPACESHIP\" is not a Page category (see /fb_page_categories)"
    )
);
create_rule!(
    create_refuses_an_unknown_category_id,
    LONG_TOKEN,
    &[OK_NAME, ("category_list", "[\"42\"]"), OK_CITY],
    graph_error(
        152,
        None,
        "OAuthException",
        "(#152) Invalid page type: category id \"42\" is not a Page category (see /fb_page_categories)"
    )
);
create_rule!(
    create_needs_a_locale,
    LONG_TOKEN,
    &[OK_NAME, OK_CAT],
    e100("(#100) At least one of city_id, location or coordinates is required")
);
create_rule!(
    create_refuses_city_id_with_location,
    LONG_TOKEN,
    &[
        OK_NAME,
        OK_CAT,
        OK_CITY,
        ("location", r#"{"city": "Stockholm", "country": "Sweden"}"#)
    ],
    e100("(#100) city_id and location cannot be used together")
);
create_rule!(
    create_refuses_an_unknown_city,
    LONG_TOKEN,
    &[OK_NAME, OK_CAT, ("city_id", "1234")],
    e100("(#100) Param city_id \"1234\" is not a known city")
);
create_rule!(
    create_refuses_coordinates_outside_the_city,
    LONG_TOKEN,
    &[
        OK_NAME,
        OK_CAT,
        OK_CITY,
        ("coordinates", r#"{"latitude": 48.85, "longitude": 2.35}"#)
    ],
    e100(
        "(#100) The coordinates (48.85, 2.35) are not inside Stockholm; fix them or pass ignore_coordinate_warnings=true"
    )
);
create_rule!(
    create_refuses_coordinates_outside_the_location,
    LONG_TOKEN,
    &[
        OK_NAME,
        OK_CAT,
        ("location", r#"{"city": "Uppsala", "country": "Sweden"}"#),
        ("coordinates", r#"{"latitude": 59.33, "longitude": 18.07}"#)
    ],
    e100(
        "(#100) The coordinates (59.33, 18.07) are not inside Uppsala; fix them or pass ignore_coordinate_warnings=true"
    )
);
create_rule!(
    create_refuses_an_incomplete_location,
    LONG_TOKEN,
    &[OK_NAME, OK_CAT, ("location", r#"{"city": "Uppsala"}"#)],
    e100("(#100) Param location needs city_id, or city, state and country")
);
create_rule!(
    create_refuses_malformed_coordinates,
    LONG_TOKEN,
    &[OK_NAME, OK_CAT, ("coordinates", "59,18")],
    e100("(#100) Param coordinates must be a JSON object")
);
create_rule!(
    create_refuses_coordinates_out_of_range,
    LONG_TOKEN,
    &[
        OK_NAME,
        OK_CAT,
        ("coordinates", r#"{"latitude": 91, "longitude": 0}"#)
    ],
    e100(
        "(#100) Param coordinates must have a latitude in [-90, 90] and a longitude in [-180, 180]"
    )
);
create_rule!(
    create_needs_a_cover_photo_url,
    LONG_TOKEN,
    &[
        OK_NAME,
        OK_CAT,
        OK_CITY,
        ("cover_photo", r#"{"offset_x": 3}"#)
    ],
    e100("(#100) Param cover_photo requires url")
);
create_rule!(
    create_refuses_a_bad_cover_offset,
    LONG_TOKEN,
    &[
        OK_NAME,
        OK_CAT,
        OK_CITY,
        (
            "cover_photo",
            r#"{"url": "https://x.example/c.jpg", "offset_x": "left"}"#
        )
    ],
    e100("(#100) Param cover_photo[offset_x] must be an integer")
);
create_rule!(
    create_refuses_a_bad_picture_url,
    LONG_TOKEN,
    &[OK_NAME, OK_CAT, OK_CITY, ("picture", "not a url")],
    e100("(#100) Param picture must be an http or https URL")
);
create_rule!(
    create_refuses_a_bad_website,
    LONG_TOKEN,
    &[OK_NAME, OK_CAT, OK_CITY, ("website", "ftp://x.example/")],
    e100("(#100) Param website must be an http or https URL")
);
#[tokio::test]
async fn create_for_another_user_is_refused() {
    for backend in Backend::all() {
        let server = spawn_fb(&backend).await;
        let db = Db::open(&server).await;
        let before = db.count("pages").await;
        for (user, expected) in [
            (
                REAL_ID,
                graph_error(
                    200,
                    None,
                    "OAuthException",
                    "(#200) Permissions error: Pages can only be created for the token's own user",
                ),
            ),
            (
                "999999999",
                graph_error(110, None, "OAuthException", "(#110) Invalid user id"),
            ),
        ] {
            let reply = post_form(
                &client(),
                &server.url(&format!("{FB_GRAPH}/{user}/accounts")),
                &[("access_token", LONG_TOKEN), OK_NAME, OK_CAT, OK_CITY],
            )
            .await;
            assert_graph_error(&reply, expected, backend.name());
        }
        assert_eq!(db.count("pages").await, before);
    }
}

#[tokio::test]
async fn ignore_coordinate_warnings_accepts_far_coordinates() {
    for backend in Backend::all() {
        let server = spawn_fb(&backend).await;
        let reply = server
            .facebook_user_with_token(LONG_TOKEN)
            .post(
                "/me/accounts",
                &[
                    OK_NAME,
                    OK_CAT,
                    OK_CITY,
                    ("coordinates", r#"{"latitude": 48.85, "longitude": 2.35}"#),
                    ("ignore_coordinate_warnings", "true"),
                ],
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.text);
    }
}

// ------------------------------------------------------------------------------------------------
// debug_token, revoking, batch
// ------------------------------------------------------------------------------------------------

fn app_token() -> String {
    format!("{APP_ID}|{APP_SECRET}")
}

async fn debug(server: &TestServer, input: &str, token: &str) -> Reply {
    server
        .facebook_user_with_token(token)
        .get(&format!("/debug_token?input_token={}", encode(input)))
        .await
}

#[tokio::test]
async fn debug_token_describes_user_page_and_app_tokens() {
    for backend in Backend::all() {
        let server = spawn_fb(&backend).await;
        let ctx = backend.name();
        let now = NOW_MS / 1000;
        let reply = debug(&server, LONG_TOKEN, &app_token()).await;
        assert_eq!(reply.status, 200, "{ctx}: {}", reply.text);
        assert_eq!(
            reply.json(),
            json!({"data": {
                "app_id": APP_ID, "type": "USER", "application": "Facebook Only",
                "expires_at": now + 5_184_000, "is_valid": true, "issued_at": now,
                "data_access_expires_at": now + 90 * 86_400,
                "scopes": ["public_profile", "pages_show_list", "pages_manage_metadata", "business_management", "instagram_basic"],
                "granular_scopes": [{"scope": "public_profile"}, {"scope": "pages_show_list"},
                    {"scope": "pages_manage_metadata"}, {"scope": "business_management"}, {"scope": "instagram_basic"}],
                "user_id": USER_ID,
            }}),
            "{ctx}"
        );
        // A Page token: type PAGE, the Page as profile_id, never expires (expires_at 0).
        let reply = debug(&server, PAGE_TOKEN, LONG_TOKEN).await;
        let data = reply.json()["data"].clone();
        assert_eq!(data["type"], "PAGE", "{ctx}");
        assert_eq!(data["profile_id"], CAFE_PAGE);
        assert_eq!(data["expires_at"], 0);
        assert_eq!(data["is_valid"], true);
        // The app token itself.
        let reply = debug(&server, &app_token(), &app_token()).await;
        assert_eq!(
            reply.json(),
            json!({"data": {"app_id": APP_ID, "type": "APP", "application": "Facebook Only",
                            "expires_at": 0, "is_valid": true, "scopes": []}})
        );
        // Unknown and Instagram tokens are not valid Facebook tokens.
        for input in ["EAAnothing", LONG_LIVED_TOKEN] {
            let reply = debug(&server, input, &app_token()).await;
            assert_eq!(
                reply.json(),
                json!({"data": {"error": {"code": 190, "message": "Invalid OAuth access token - Cannot parse access token"},
                                "is_valid": false, "scopes": []}}),
                "{ctx}"
            );
        }
        // An expired token says why.
        server.advance(2 * 3600);
        let reply = debug(&server, SHORT_TOKEN, &app_token()).await;
        let data = reply.json()["data"].clone();
        assert_eq!(data["is_valid"], false, "{ctx}");
        assert_eq!(data["error"]["code"], 190);
        assert_eq!(data["error"]["subcode"], 463);
        // A token of another app is refused; input_token is required.
        let other = format!(
            "{}|{}",
            localgram_testkit::world::APP_ID,
            localgram_testkit::world::APP_SECRET
        );
        let reply = debug(&server, LONG_TOKEN, &other).await;
        assert_graph_error(
            &reply,
            e100("(#100) The input token belongs to another app than the access token"),
            ctx,
        );
        let reply = server
            .facebook_user_with_token(&app_token())
            .get("/debug_token")
            .await;
        assert_graph_error(
            &reply,
            e100("(#100) The parameter input_token is required"),
            ctx,
        );
    }
}

#[tokio::test]
async fn debug_token_reports_the_granted_pages() {
    for backend in Backend::all() {
        let server = spawn_fb(&backend).await;
        let user = server
            .facebook_user("pages_show_list,email", &["pages_show_list"], &[BLOG_PAGE])
            .await;
        let reply = debug(&server, user.token(), &app_token()).await;
        let data = reply.json()["data"].clone();
        assert_eq!(
            data["scopes"],
            json!(["public_profile", "pages_show_list"]),
            "{}",
            backend.name()
        );
        assert_eq!(
            data["granular_scopes"],
            json!([{"scope": "public_profile"}, {"scope": "pages_show_list", "target_ids": [BLOG_PAGE]}])
        );
        assert_eq!(data["expires_at"], NOW_MS / 1000 + 5_184_000);
    }
}

#[tokio::test]
async fn deleting_permissions_revokes_the_grant() {
    for backend in Backend::all() {
        let server = spawn_fb(&backend).await;
        let ctx = backend.name();
        let user = server
            .facebook_user("pages_show_list", &["pages_show_list"], &[CAFE_PAGE])
            .await;
        let db = Db::open(&server).await;
        assert_eq!(db.count("fb_grants").await, 1);
        let reply = Reply::read(
            client()
                .delete(server.url(&with_token(
                    &format!("{FB_GRAPH}/me/permissions"),
                    user.token(),
                )))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(reply.status, 200, "{ctx}: {}", reply.text);
        assert_eq!(reply.json(), json!({"success": true}));
        assert_eq!(db.count("fb_grants").await, 0, "{ctx}");
        assert!(db.token_revoked_at(user.token()).await.is_some());
        let me = user.me().await;
        assert_graph_error(&me, invalidated(), ctx);
    }
}

#[tokio::test]
async fn batch_answers_in_order_with_string_bodies() {
    for backend in Backend::all() {
        let server = spawn_fb(&backend).await;
        let ctx = backend.name();
        let batch = json!([
            {"method": "GET", "relative_url": "me"},
            {"method": "GET", "relative_url": "me/accounts?fields=id&limit=1"},
            {"method": "GET", "relative_url": "me", "access_token": REAL_TOKEN},
            {"method": "GET", "relative_url": "me/nothing"},
            {"method": "POST", "relative_url": "me/accounts", "body": "name=Batch+Page&category_enum=CAFE&city_id=106505586052951"},
        ]);
        let reply = post_form(
            &client(),
            &server.url("/graph.facebook.com"),
            &[("access_token", LONG_TOKEN), ("batch", &batch.to_string())],
        )
        .await;
        assert_eq!(reply.status, 200, "{ctx}: {}", reply.text);
        let items = reply.json();
        let items = items.as_array().unwrap();
        assert_eq!(items.len(), 5);
        let body =
            |i: usize| serde_json::from_str::<Value>(items[i]["body"].as_str().unwrap()).unwrap();
        assert_eq!(items[0]["code"], 200, "{ctx}: {}", items[0]);
        assert_eq!(body(0), json!({"id": USER_ID, "name": "Test User"}));
        assert!(
            items[0]["headers"].as_array().unwrap().contains(
                &json!({"name": "content-type", "value": "application/json; charset=UTF-8"})
            ),
            "{ctx}"
        );
        assert_eq!(body(1)["data"], json!([{"id": CAFE_PAGE}]));
        assert_eq!(body(2), json!({"id": REAL_ID, "name": "Real Person"}));
        assert_eq!(items[3]["code"], 400);
        assert_eq!(body(3)["error"]["code"], 2500);
        assert_eq!(items[4]["code"], 200);
        let id = body(4)["id"].as_str().unwrap().to_owned();
        assert_eq!(
            Db::open(&server)
                .await
                .count(&format!("pages WHERE id = '{id}'"))
                .await,
            1
        );
    }
}

#[tokio::test]
async fn batch_logs_out_and_refuses_oversized_batches() {
    for backend in Backend::all() {
        let server = spawn_fb(&backend).await;
        let ctx = backend.name();
        let user = server
            .facebook_user("pages_show_list", &["pages_show_list"], &[])
            .await;
        let batch = json!([{"method": "DELETE", "relative_url": "me/permissions"}]);
        let reply = post_form(
            &client(),
            &server.url("/graph.facebook.com/v21.0/"),
            &[
                ("access_token", user.token()),
                ("batch", &batch.to_string()),
            ],
        )
        .await;
        assert_eq!(reply.status, 200, "{ctx}: {}", reply.text);
        let items = reply.json();
        assert_eq!(items[0]["code"], 200);
        assert_eq!(items[0]["body"], "{\"success\":true}");
        assert!(
            Db::open(&server)
                .await
                .token_revoked_at(user.token())
                .await
                .is_some()
        );
        let many: Vec<Value> = (0..51)
            .map(|_| json!({"method": "GET", "relative_url": "me"}))
            .collect();
        let reply = post_form(
            &client(),
            &server.url("/graph.facebook.com"),
            &[
                ("access_token", LONG_TOKEN),
                ("batch", &Value::Array(many).to_string()),
            ],
        )
        .await;
        assert_graph_error(
            &reply,
            e100("(#100) Too many requests in batch message. Maximum batch size is 50"),
            ctx,
        );
    }
}

#[tokio::test]
async fn page_tokens_have_the_pages_business_use_case_limit() {
    for backend in Backend::all() {
        let anchor = "redirect_uris = [\"https://fb.example/cb\"]";
        let world = facebook_world();
        assert!(world.contains(anchor));
        let world = world.replace(
            anchor,
            &format!("{anchor}\n\n[apps.rate_limits]\nbusiness_calls_per_day = 2\n"),
        );
        let server = TestServer::builder()
            .backend(&backend)
            .world(world)
            .spawn()
            .await;
        let ctx = backend.name();
        let page = server.facebook_user_with_token(PAGE_TOKEN);
        let path = format!("/{CAFE_PAGE}?fields=id");
        for pct in [50, 100] {
            let reply = page.get(&path).await;
            assert_eq!(reply.status, 200, "{ctx}: {}", reply.text);
            let usage: Value =
                serde_json::from_str(reply.header("x-business-use-case-usage").unwrap()).unwrap();
            assert_eq!(
                usage,
                json!({CAFE_PAGE: [{"type": "pages", "call_count": pct, "total_cputime": pct,
                                    "total_time": pct, "estimated_time_to_regain_access": 0}]}),
                "{ctx}"
            );
        }
        let reply = page.get(&path).await;
        assert_eq!(reply.status, 400, "{ctx}");
        let mut body = reply.json();
        body["error"].as_object_mut().unwrap().remove("fbtrace_id");
        assert_eq!(
            body,
            json!({"error": {"message": "There have been too many calls to this Page account. Wait a bit and try again. For more info, please refer to https://developers.facebook.com/docs/graph-api/overview/rate-limiting.",
                             "type": "OAuthException", "code": 80001, "is_transient": true}}),
            "{ctx}"
        );
        assert!(reply.header("x-business-use-case-usage").is_some());
        // The user token of the same app is not throttled by the Page's budget.
        let reply = server
            .facebook_user_with_token(LONG_TOKEN)
            .get(&format!("/{CAFE_PAGE}?fields=id"))
            .await;
        assert_eq!(reply.status, 200, "{ctx}");
    }
}

#[tokio::test]
async fn reading_a_linked_instagram_account_counts_against_its_business_use_case_limit() {
    for backend in Backend::all() {
        let anchor = "redirect_uris = [\"https://fb.example/cb\"]";
        let world = facebook_world().replace(
            anchor,
            &format!("{anchor}\n\n[apps.rate_limits]\nbusiness_calls_per_day = 2\n"),
        );
        let server = TestServer::builder()
            .backend(&backend)
            .world(world)
            .spawn()
            .await;
        let ctx = backend.name();
        let user = server.facebook_user_with_token(LONG_TOKEN);
        let expand = "id,instagram_business_account{id}";
        for _ in 0..2 {
            let reply = user.accounts(expand).await;
            assert_eq!(reply.status, 200, "{ctx}: {}", reply.text);
        }
        // Without the expansion the Instagram account is not read, and not counted.
        let plain = user.accounts("id").await;
        assert_eq!(plain.status, 200, "{ctx}");
        let reply = user.accounts(expand).await;
        assert_eq!(reply.status, 400, "{ctx}: {}", reply.text);
        let mut body = reply.json();
        body["error"].as_object_mut().unwrap().remove("fbtrace_id");
        assert_eq!(
            body,
            json!({"error": {"message": "There have been too many calls to this Instagram account. Wait a bit and try again. For more info, please refer to https://developers.facebook.com/docs/graph-api/overview/rate-limiting.",
                             "type": "OAuthException", "code": 80002, "is_transient": true}}),
            "{ctx}"
        );
        let usage: Value =
            serde_json::from_str(reply.header("x-business-use-case-usage").unwrap()).unwrap();
        assert_eq!(
            usage,
            json!({BUSINESS_ID: [{"type": "instagram", "call_count": 100, "total_cputime": 100,
                                  "total_time": 100, "estimated_time_to_regain_access": 1440}]}),
            "{ctx}"
        );
        // The same through the Page node.
        let node = server
            .facebook_user_with_token(LONG_TOKEN)
            .get(&format!("/{CAFE_PAGE}?fields=instagram_business_account"))
            .await;
        assert_eq!(node.status, 400, "{ctx}");
        assert_eq!(node.json()["error"]["code"], 80002, "{ctx}");
    }
}

// ------------------------------------------------------------------------------------------------
// Test users (`docs/graph-api.md#test-users`)
// ------------------------------------------------------------------------------------------------

/// A test user's `login_url`: on this server, for this user, with a one-time secret.
fn checked_login_url(server: &TestServer, id: &str, url: &Value) -> String {
    let url = url.as_str().expect("login_url is a string").to_owned();
    let prefix = server.url(&format!(
        "/www.facebook.com/checkpoint/test-user-login/{id}/?n="
    ));
    let nonce = url.strip_prefix(&prefix).unwrap_or_else(|| panic!("{url}"));
    assert!(nonce.len() >= 32, "{url}");
    url
}

#[tokio::test]
async fn a_test_users_login_url_logs_a_browser_in_once() {
    for backend in Backend::all() {
        let server = spawn_fb(&backend).await;
        let ctx = backend.name();
        let reply = post_test_users(&server, &app_token(), &[("name", "Link Tester")]).await;
        assert_eq!(reply.status, 200, "{ctx}: {}", reply.text);
        let body = reply.json();
        let id = body["id"].as_str().unwrap().to_owned();
        let url = checked_login_url(&server, &id, &body["login_url"]);
        let db = Db::open(&server).await;
        let nonce = url.split("?n=").nth(1).unwrap().to_owned();
        assert!(!db.dump().await.contains(&nonce), "{ctx}: stored hashed");

        let b = server.anonymous();
        let page = b.get_url(&url).await;
        assert_page(&page, 200, ctx);
        assert_eq!(
            element_text(&page.text, "username").as_deref(),
            Some("Link Tester")
        );
        // The browser is now logged in: the dialog goes straight to the consent page.
        let query = Anonymous::dialog_query(APP_ID, REDIRECT_URI, "pages_show_list");
        let dialog = b.facebook_dialog(&query).await;
        assert_page(&dialog, 200, ctx);
        assert!(
            dialog.text.contains("id=\"allow\""),
            "{ctx}: {}",
            dialog.text
        );
        assert!(!dialog.text.contains("name=\"password\""), "{ctx}");

        // Once only; a tampered or missing secret, or another user's id, does nothing.
        let again = server.anonymous().get_url(&url).await;
        assert_eq!(again.status, 403, "{ctx}");
        let fresh = post_test_users(&server, &app_token(), &[("name", "Second Link")]).await;
        let other = fresh.json()["id"].as_str().unwrap().to_owned();
        let fresh_url = checked_login_url(&server, &other, &fresh.json()["login_url"]);
        for bad in [
            fresh_url.replace(&other, &id),
            fresh_url.split("?n=").next().unwrap().to_owned(),
            format!("{fresh_url}x"),
        ] {
            let res = server.anonymous().get_url(&bad).await;
            assert_eq!(res.status, 403, "{ctx}: {bad}");
        }
        // An hour later the link has expired.
        server.advance(3601);
        let res = server.anonymous().get_url(&fresh_url).await;
        assert_eq!(res.status, 403, "{ctx}");
    }
}

fn test_users_path() -> String {
    format!("{FB_GRAPH}/{APP_ID}/accounts/test-users")
}

async fn post_test_users(server: &TestServer, token: &str, form: &[(&str, &str)]) -> Reply {
    let mut body: Vec<(&str, &str)> = vec![("access_token", token)];
    body.extend_from_slice(form);
    post_form(&client(), &server.url(&test_users_path()), &body).await
}

async fn spawn_fb_with_limit(backend: &Backend, limit: i64) -> TestServer {
    let world = facebook_world().replace(
        "name = \"Facebook Only\"",
        &format!("name = \"Facebook Only\"\ntest_user_limit = {limit}"),
    );
    TestServer::builder()
        .backend(backend)
        .world(world)
        .spawn()
        .await
}

#[tokio::test]
async fn test_user_is_created_logs_in_and_creates_a_page() {
    for backend in Backend::all() {
        let server = spawn_fb(&backend).await;
        let ctx = backend.name();
        let reply = post_test_users(
            &server,
            &app_token(),
            &[
                ("installed", "true"),
                ("permissions", "pages_show_list,pages_manage_metadata"),
                ("name", "Tess Tester"),
            ],
        )
        .await;
        assert_eq!(reply.status, 200, "{ctx}: {}", reply.text);
        assert_eq!(reply.header("cache-control"), Some("no-store"), "{ctx}");
        let body = reply.json();
        let id = body["id"].as_str().unwrap().to_owned();
        let token = body["access_token"].as_str().unwrap().to_owned();
        let password = body["password"].as_str().unwrap().to_owned();
        assert!(token.starts_with("EAA"), "{ctx}: {token}");
        assert!(password.len() >= 32, "{ctx}: {password}");
        let email = format!("tesstester_{id}@tfbnw.net");
        let login_url = checked_login_url(&server, &id, &body["login_url"]);
        assert_eq!(
            body,
            json!({
                "id": id,
                "access_token": token,
                "login_url": login_url,
                "email": email,
                "password": password,
            }),
            "{ctx}"
        );
        let db = Db::open(&server).await;
        assert_eq!(
            db.count(&format!(
                "fb_users WHERE id = '{id}' AND test_user = TRUE AND name = 'Tess Tester' AND email = '{email}'"
            ))
            .await,
            1,
            "{ctx}"
        );
        assert_eq!(
            db.count(&format!(
                "fb_test_users WHERE app_id = '{APP_ID}' AND fb_user_id = '{id}'"
            ))
            .await,
            1,
            "{ctx}"
        );
        assert_eq!(
            db.opt_string(&format!(
                "SELECT CAST(scopes AS TEXT) FROM fb_grants WHERE app_id = '{APP_ID}' AND fb_user_id = '{id}'"
            ))
            .await
            .map(|s| serde_json::from_str::<Value>(&s).unwrap()),
            Some(json!(["public_profile", "pages_show_list", "pages_manage_metadata"])),
            "{ctx}"
        );
        // The password is stored as a hash only.
        assert!(!db.dump().await.contains(&password), "{ctx}");

        // The returned token creates a Page: the create rule "a test user" passes.
        let page = server
            .facebook_user_with_token(&token)
            .post(
                "/me/accounts",
                &[
                    ("name", "Tess Cafe"),
                    ("category_enum", "CAFE"),
                    ("city_id", STOCKHOLM),
                ],
            )
            .await;
        assert_eq!(page.status, 200, "{ctx}: {}", page.text);
        let page_id = page.json()["id"].as_str().unwrap().to_owned();
        assert_eq!(
            db.count(&format!(
                "page_roles WHERE page_id = '{page_id}' AND fb_user_id = '{id}'"
            ))
            .await,
            1,
            "{ctx}"
        );

        // The test user logs in through the Facebook Login dialog with its email and password.
        let b = server.anonymous();
        let consent = b
            .facebook_consent(
                &Anonymous::dialog_query(APP_ID, REDIRECT_URI, "pages_show_list"),
                &email,
                &password,
            )
            .await;
        let res = b
            .facebook_decide(&consent, "allow", &["pages_show_list"], &[])
            .await;
        assert_eq!(res.status, 303, "{ctx}: {}", res.text);
        let code = query_value(res.location().unwrap(), "code").unwrap();
        let exchanged = exchange(&server, &code).await;
        assert_eq!(exchanged.status, 200, "{ctx}: {}", exchanged.text);
        let user_token = exchanged.json()["access_token"]
            .as_str()
            .unwrap()
            .to_owned();
        let me = server
            .facebook_user_with_token(&user_token)
            .get("/me?fields=id,name")
            .await;
        assert_eq!(me.json(), json!({"id": id, "name": "Tess Tester"}), "{ctx}");
    }
}

#[tokio::test]
async fn test_users_list_with_paging_and_method_override() {
    for backend in Backend::all() {
        let server = spawn_fb(&backend).await;
        let ctx = backend.name();
        let first = post_test_users(&server, &app_token(), &[("name", "First One")]).await;
        assert_eq!(first.status, 200, "{ctx}: {}", first.text);
        let first_id = first.json()["id"].as_str().unwrap().to_owned();
        server.advance(1);
        // A GET with method=post creates; installed=false: no access_token, no grant.
        let q = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("installed", "false")
            .append_pair("name", "Second One")
            .append_pair("method", "post")
            .append_pair("access_token", &app_token())
            .finish();
        let second = get(
            &client(),
            &server.url(&format!("{}?{q}", test_users_path())),
        )
        .await;
        assert_eq!(second.status, 200, "{ctx}: {}", second.text);
        let body = second.json();
        let second_id = body["id"].as_str().unwrap().to_owned();
        let keys: Vec<&str> = body
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, vec!["email", "id", "login_url", "password"], "{ctx}");
        let db = Db::open(&server).await;
        assert_eq!(
            db.count(&format!("fb_grants WHERE fb_user_id = '{second_id}'"))
                .await,
            0,
            "{ctx}"
        );

        // The list, oldest first; an installed user carries a token.
        let list = server
            .facebook_user_with_token(&app_token())
            .get(&format!("/{APP_ID}/accounts/test-users"))
            .await;
        assert_eq!(list.status, 200, "{ctx}: {}", list.text);
        let body = list.json();
        let data = body["data"].as_array().unwrap();
        assert_eq!(data.len(), 2, "{ctx}");
        assert_eq!(data[0]["id"], json!(first_id), "{ctx}");
        assert!(
            data[0]["access_token"].as_str().unwrap().starts_with("EAA"),
            "{ctx}"
        );
        let login_url = checked_login_url(&server, &second_id, &data[1]["login_url"]);
        assert_eq!(
            data[1],
            json!({"id": second_id, "login_url": login_url}),
            "{ctx}"
        );
        assert!(body["paging"].get("next").is_none(), "{ctx}: {body}");
        // `type=test-users` on the accounts edge is the same list.
        let typed = server
            .facebook_user_with_token(&app_token())
            .get(&format!("/{APP_ID}/accounts?type=test-users&fields=id"))
            .await;
        assert_eq!(typed.json()["data"].as_array().unwrap().len(), 2, "{ctx}");

        // Paging one at a time.
        let page1 = server
            .facebook_user_with_token(&app_token())
            .get(&format!("/{APP_ID}/accounts/test-users?limit=1"))
            .await
            .json();
        assert_eq!(page1["data"][0]["id"], json!(first_id), "{ctx}");
        assert!(page1["paging"].get("previous").is_none(), "{ctx}");
        let next = page1["paging"]["next"].as_str().unwrap().to_owned();
        assert!(
            next.starts_with(&server.url(&test_users_path())),
            "{ctx}: {next}"
        );
        let page2 = get(&client(), &next).await.json();
        assert_eq!(page2["data"].as_array().unwrap().len(), 1, "{ctx}");
        assert_eq!(page2["data"][0]["id"], json!(second_id), "{ctx}");
        assert!(page2["paging"].get("next").is_none(), "{ctx}: {page2}");
        assert!(page2["paging"]["previous"].is_string(), "{ctx}");
        let bad = server
            .facebook_user_with_token(&app_token())
            .get(&format!("/{APP_ID}/accounts/test-users?after=garbage"))
            .await;
        assert_eq!(bad.status, 400, "{ctx}: {}", bad.text);
    }
}

#[tokio::test]
async fn test_user_limit_is_2900_and_writes_nothing() {
    for backend in Backend::all() {
        let server = spawn_fb_with_limit(&backend, 2).await;
        let ctx = backend.name();
        for name in ["One", "Two"] {
            let r = post_test_users(&server, &app_token(), &[("name", name)]).await;
            assert_eq!(r.status, 200, "{ctx}: {}", r.text);
        }
        let db = Db::open(&server).await;
        let (users, tokens) = (db.count("fb_users").await, db.count("tokens").await);
        let third = post_test_users(&server, &app_token(), &[("name", "Three")]).await;
        assert_graph_error(
            &third,
            graph_error(
                2900,
                None,
                "OAuthException",
                "(#2900) Too many test accounts",
            ),
            ctx,
        );
        assert_eq!(db.count("fb_users").await, users, "{ctx}");
        assert_eq!(db.count("tokens").await, tokens, "{ctx}");
        assert_eq!(db.count("fb_test_users").await, 2, "{ctx}");
    }
}

#[tokio::test]
async fn test_user_removal_rules() {
    for backend in Backend::all() {
        let server = spawn_fb(&backend).await;
        let ctx = backend.name();
        let mut created = Vec::new();
        for name in ["Keep", "Drop"] {
            let r = post_test_users(&server, &app_token(), &[("name", name)]).await;
            assert_eq!(r.status, 200, "{ctx}: {}", r.text);
            let b = r.json();
            created.push((
                b["id"].as_str().unwrap().to_owned(),
                b["access_token"].as_str().unwrap().to_owned(),
            ));
        }
        let (keep, _) = created[0].clone();
        let (drop, drop_token) = created[1].clone();
        let db = Db::open(&server).await;
        // Not a test user of the app: 100, nothing written.
        let delete = |uid: String| {
            let server = &server;
            async move {
                Reply::read(
                    client()
                        .delete(server.url(&format!(
                            "{}?uid={uid}&access_token={}",
                            test_users_path(),
                            encode(&app_token())
                        )))
                        .send()
                        .await
                        .unwrap(),
                )
                .await
            }
        };
        let unknown = delete(USER_ID.to_owned()).await;
        assert_graph_error(
            &unknown,
            graph_error(
                100,
                None,
                "OAuthException",
                &format!("(#100) {USER_ID} is not a test user of this app"),
            ),
            ctx,
        );
        let missing = post_test_users(&server, &app_token(), &[("method", "delete")]).await;
        assert_graph_error(
            &missing,
            graph_error(100, None, "OAuthException", "(#100) Missing uid parameter"),
            ctx,
        );
        // Removed: association, grant and the app's tokens of the user go.
        let removed = delete(drop.clone()).await;
        assert_eq!(removed.status, 200, "{ctx}: {}", removed.text);
        assert_eq!(removed.json(), json!({"success": true}), "{ctx}");
        assert_eq!(
            db.count(&format!("fb_test_users WHERE fb_user_id = '{drop}'"))
                .await,
            0,
            "{ctx}"
        );
        assert_eq!(
            db.count(&format!("fb_grants WHERE fb_user_id = '{drop}'"))
                .await,
            0,
            "{ctx}"
        );
        assert!(db.token_revoked_at(&drop_token).await.is_some(), "{ctx}");
        let me = server
            .facebook_user_with_token(&drop_token)
            .get("/me")
            .await;
        assert_eq!(me.status, 400, "{ctx}: {}", me.text);
        assert_eq!(me.json()["error"]["code"], 190, "{ctx}");
        // The app's only test user cannot be removed (method=delete on a POST).
        let uid = keep.clone();
        let only = post_test_users(
            &server,
            &app_token(),
            &[("method", "delete"), ("uid", &uid), ("type", "test-users")],
        )
        .await;
        assert_graph_error(
            &only,
            graph_error(
                2902,
                None,
                "OAuthException",
                "(#2902) Cannot remove test account from this app",
            ),
            ctx,
        );
        assert_eq!(
            db.count(&format!("fb_test_users WHERE fb_user_id = '{keep}'"))
                .await,
            1,
            "{ctx}"
        );
    }
}

#[tokio::test]
async fn test_users_need_an_app_token_of_the_app() {
    for backend in Backend::all() {
        let server = spawn_fb(&backend).await;
        let ctx = backend.name();
        let db = Db::open(&server).await;
        let before = db.count("fb_users").await;
        let user = post_test_users(&server, LONG_TOKEN, &[("name", "Nope")]).await;
        assert_graph_error(
            &user,
            graph_error(
                200,
                None,
                "OAuthException",
                "(#200) Permissions error: test users can only be managed with an app access token",
            ),
            ctx,
        );
        let other = format!(
            "{}|{}",
            localgram_testkit::world::APP_ID,
            localgram_testkit::world::APP_SECRET
        );
        let foreign = post_test_users(&server, &other, &[("name", "Nope")]).await;
        assert_graph_error(
            &foreign,
            graph_error(
                100,
                Some(33),
                "GraphMethodException",
                &format!(
                    "Unsupported post request. Object with ID '{APP_ID}' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api"
                ),
            ),
            ctx,
        );
        let none = get(&client(), &server.url(&test_users_path())).await;
        assert_graph_error(
            &none,
            graph_error(
                104,
                None,
                "OAuthException",
                "An access token is required to request this resource.",
            ),
            ctx,
        );
        let bad_perm = post_test_users(
            &server,
            &app_token(),
            &[("permissions", "pages_show_list,telepathy")],
        )
        .await;
        assert_graph_error(
            &bad_perm,
            graph_error(
                100,
                None,
                "OAuthException",
                "(#100) Invalid permission: telepathy",
            ),
            ctx,
        );
        let bad_bool = post_test_users(&server, &app_token(), &[("installed", "maybe")]).await;
        assert_graph_error(
            &bad_bool,
            graph_error(
                100,
                None,
                "OAuthException",
                "(#100) Param installed must be a boolean, got \"maybe\"",
            ),
            ctx,
        );
        assert_eq!(db.count("fb_users").await, before, "{ctx}");
        assert_eq!(db.count("fb_test_users").await, 0, "{ctx}");
    }
}

#[tokio::test]
async fn associated_test_users_may_authorize_a_development_mode_app() {
    use localgram_testkit::world::{APP_ID as DEV_APP, APP_SECRET as DEV_SECRET};
    for backend in Backend::all() {
        let server = spawn_fb(&backend).await;
        let ctx = backend.name();
        let created = post_test_users(&server, &app_token(), &[("name", "Roaming Tester")]).await;
        assert_eq!(created.status, 200, "{ctx}: {}", created.text);
        let created = created.json();
        let id = created["id"].as_str().unwrap().to_owned();
        let email = created["email"].as_str().unwrap().to_owned();
        let password = created["password"].as_str().unwrap().to_owned();
        let query = Anonymous::dialog_query(
            DEV_APP,
            "https://socialsizzle.example/auth/",
            "pages_show_list",
        );
        // Not (yet) a test user of the development-mode app: refused after login.
        let b = server.anonymous();
        let page = b.facebook_dialog(&query).await;
        let (csrf, q) = hidden_fields(&page.text, ctx);
        let login = b
            .post_form(
                "/www.facebook.com/dialog/oauth/login",
                &[
                    ("csrf", &csrf),
                    ("q", &q),
                    ("email", &email),
                    ("password", &password),
                ],
            )
            .await;
        assert_eq!(login.status, 303, "{ctx}: {}", login.text);
        let refused = b.facebook_dialog(&query).await;
        assert_eq!(refused.status, 400, "{ctx}: {}", refused.text);
        // Associated with that app (uid + owner_access_token), it reaches the consent page.
        let dev_token = format!("{DEV_APP}|{DEV_SECRET}");
        let owner = app_token();
        let associated = post_form(
            &client(),
            &server.url(&format!("{FB_GRAPH}/{DEV_APP}/accounts/test-users")),
            &[
                ("access_token", dev_token.as_str()),
                ("uid", id.as_str()),
                ("owner_access_token", owner.as_str()),
                ("installed", "false"),
            ],
        )
        .await;
        assert_eq!(associated.status, 200, "{ctx}: {}", associated.text);
        let login_url = checked_login_url(&server, &id, &associated.json()["login_url"]);
        assert_eq!(
            associated.json(),
            json!({"id": id, "login_url": login_url}),
            "{ctx}"
        );
        let db = Db::open(&server).await;
        assert_eq!(
            db.count(&format!("fb_test_users WHERE fb_user_id = '{id}'"))
                .await,
            2,
            "{ctx}"
        );
        let consent = b.facebook_dialog(&query).await;
        assert_page(&consent, 200, ctx);
        assert!(
            consent.text.contains("id=\"allow\""),
            "{ctx}: {}",
            consent.text
        );
        // Associating it again, or with a wrong owner, is refused.
        let again = post_form(
            &client(),
            &server.url(&format!("{FB_GRAPH}/{DEV_APP}/accounts/test-users")),
            &[
                ("access_token", dev_token.as_str()),
                ("uid", id.as_str()),
                ("owner_access_token", owner.as_str()),
            ],
        )
        .await;
        assert_graph_error(
            &again,
            graph_error(
                100,
                None,
                "OAuthException",
                "(#100) The test user is already associated with this app",
            ),
            ctx,
        );
    }
}

/// A browser whose every request asks for `lang` first.
fn browser_speaking(lang: &str) -> Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::ACCEPT_LANGUAGE,
        reqwest::header::HeaderValue::from_str(lang).unwrap(),
    );
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .default_headers(headers)
        .build()
        .unwrap()
}

#[tokio::test]
async fn the_dialog_speaks_the_browser_language() {
    for backend in Backend::all() {
        let server = spawn_fb(&backend).await;
        let ctx = backend.name();
        let b = server.anonymous_with(browser_speaking("sv-SE,sv;q=0.9,en;q=0.5"));
        let query =
            Anonymous::dialog_query(APP_ID, REDIRECT_URI, "pages_show_list,business_management");
        let login = b.facebook_dialog(&query).await;
        assert_page(&login, 200, ctx);
        assert!(login.text.contains("<html lang=\"sv\""), "{ctx}");
        assert!(
            login
                .text
                .contains("Logga in på Facebook för att fortsätta till"),
            "{ctx}: {}",
            login.text
        );
        // A wrong password: the message in Swedish, the email kept.
        let (csrf, q) = hidden_fields(&login.text, ctx);
        let wrong = b
            .post_form(
                "/www.facebook.com/dialog/oauth/login",
                &[
                    ("csrf", &csrf),
                    ("q", &q),
                    ("email", EMAIL),
                    ("password", "not the password"),
                ],
            )
            .await;
        assert_eq!(wrong.status, 401, "{ctx}");
        assert!(
            wrong
                .text
                .contains("E-postadressen eller lösenordet du angav är fel."),
            "{ctx}"
        );
        // The consent page: headings, permission descriptions and buttons from the catalogue.
        let consent = b.facebook_consent(&query, EMAIL, PASSWORD).await;
        for text in [
            "vill komma åt ditt Facebookkonto",
            "Visa en lista över sidorna du hanterar",
            "Hantera ditt företag och sidorna det äger",
            "Sidor som appen får se",
            ">Fortsätt</button>",
            ">Avbryt</button>",
        ] {
            assert!(consent.text.contains(text), "{ctx}: {text} missing");
        }
        assert!(!consent.text.contains("Show a list of the Pages"), "{ctx}");
    }
}

/// Listing `/me/accounts` is a read: the Page tokens it hands out are the same on every call,
/// and after the first call the token table does not grow.
#[tokio::test]
async fn listing_pages_again_and_again_gives_the_same_page_tokens_and_writes_nothing() {
    for backend in Backend::all() {
        let server = spawn_fb(&backend).await;
        let ctx = backend.name();
        let db = Db::open(&server).await;
        let user = server.facebook_user_with_token(SHORT_TOKEN);
        let list = || async {
            let reply = user.accounts("id,access_token").await;
            assert_eq!(reply.status, 200, "{ctx}: {}", reply.text);
            reply.json()["data"]
                .as_array()
                .expect("data")
                .iter()
                .map(|p| {
                    (
                        p["id"].as_str().unwrap().to_owned(),
                        p["access_token"].as_str().unwrap().to_owned(),
                    )
                })
                .collect::<Vec<_>>()
        };
        let first = list().await;
        assert!(!first.is_empty(), "{ctx}: the user has Pages");
        let tokens_after_first = db.count("tokens").await;
        for _ in 0..100 {
            assert_eq!(list().await, first, "{ctx}: the same Page tokens");
        }
        assert_eq!(
            db.count("tokens").await,
            tokens_after_first,
            "{ctx}: 100 more listings wrote no token"
        );
        let hashes: Vec<String> = first
            .iter()
            .map(|(_, t)| format!("'{}'", hash(t)))
            .collect();
        assert_eq!(
            db.count(&format!(
                "tokens WHERE kind = 'page' AND token_hash IN ({})",
                hashes.join(", ")
            ))
            .await,
            first.len() as i64,
            "{ctx}: one row per Page token"
        );
        // Each Page token works.
        for (page, token) in &first {
            let node = server
                .facebook_user_with_token(token)
                .get(&format!("/{page}?fields=id"))
                .await;
            assert_eq!(node.json(), json!({"id": page}), "{ctx}");
        }
    }
}
