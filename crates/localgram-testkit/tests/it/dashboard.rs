//! The App Dashboard over HTTP, without a browser: every form's validation (400, the message, what
//! was typed kept, nothing written), CSRF refusals (403, nothing written), 303 after POST, the
//! secret and the generated token shown once, the Instagram side, the emulator views, the guard
//! and the languages.

use crate::support::*;
use localgram_testkit::world::*;
use localgram_testkit::{Backend, TestOptions, TestServer, browser, facebook_world, form_value};
use reqwest::Client;

/// The CSRF token of a page (`None` when it has no form).
fn csrf(page: &Reply) -> String {
    form_value(&page.text, "csrf").unwrap_or_else(|| panic!("no csrf in {}", page.text))
}

/// Opens `path`, then posts `form` (plus the page's CSRF token) to `action`.
async fn submit(
    server: &TestServer,
    br: &Client,
    path: &str,
    action: &str,
    form: &[(&str, &str)],
) -> Reply {
    let page = get(br, &server.url(path)).await;
    assert_eq!(page.status, 200, "{path}: {}", page.text);
    let token = csrf(&page);
    let mut fields = vec![("csrf", token.as_str())];
    fields.extend_from_slice(form);
    post_form(br, &server.url(action), &fields).await
}

/// Creates an app through the dashboard; returns its id and its secret (read off the page shown
/// right after creation).
async fn create_app(server: &TestServer, br: &Client, name: &str) -> (String, String) {
    let res = submit(server, br, "/", "/apps", &[("name", name)]).await;
    assert_eq!(res.status, 303, "{}", res.text);
    assert_page_headers(&res.headers, "create");
    let location = res.location().unwrap().to_owned();
    let id = location
        .strip_prefix("/apps/")
        .and_then(|r| r.split('?').next())
        .unwrap()
        .to_owned();
    let page = get(br, &server.url(&location)).await;
    assert_page(&page, 200, "app page");
    let secret = page
        .text
        .split("data-secret=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("the secret is shown right after creation")
        .to_owned();
    assert!(page.text.contains("App created."));
    (id, secret)
}

/// An app access token (`client_credentials`) of an app, from graph.facebook.com.
async fn app_token(server: &TestServer, app: &str, secret: &str) -> String {
    let q = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("client_id", app)
        .append_pair("client_secret", secret)
        .append_pair("grant_type", "client_credentials")
        .finish();
    let res = get(
        &localgram_testkit::client(),
        &server.url(&format!("/graph.facebook.com/v21.0/oauth/access_token?{q}")),
    )
    .await;
    assert_eq!(res.status, 200, "{}", res.text);
    res.json()["access_token"].as_str().unwrap().to_owned()
}

/// Behind a load balancer, the GET a creation redirects to may reach another instance: on
/// PostgreSQL the one-time reveal is kept in the database (sealed), shown by whichever instance
/// serves the GET, and then gone from every instance.
#[tokio::test]
async fn two_instances_on_one_postgres_database_share_the_one_time_reveals() {
    let Some(backend) = Backend::all()
        .into_iter()
        .find(|b| matches!(b, Backend::Postgres(_)))
    else {
        println!("{}", localgram_testkit::PG_SKIP_LINE);
        return;
    };
    let a = spawn(&backend).await;
    let b = a.spawn_sharing().await;
    let db = Db::open(&a).await;
    let br = browser();
    let res = submit(&a, &br, "/", "/apps", &[("name", "Shared App")]).await;
    assert_eq!(res.status, 303, "{}", res.text);
    assert_eq!(db.count("dashboard_reveals").await, 1);
    let location = res.location().unwrap().to_owned();
    let id = location
        .strip_prefix("/apps/")
        .and_then(|r| r.split('?').next())
        .unwrap()
        .to_owned();
    // B serves the page the creation on A redirected to.
    let page = get(&br, &b.url(&location)).await;
    assert_page(&page, 200, "app page on B");
    let secret = page
        .text
        .split("data-secret=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("B shows the secret made on A")
        .to_owned();
    assert_eq!(db.count("dashboard_reveals").await, 0, "taken");
    // The secret is the app's: it gets an app token.
    assert!(!app_token(&a, &id, &secret).await.is_empty());
    // Shown once, on every instance.
    for server in [&a, &b] {
        let again = get(&br, &server.url(&location)).await;
        assert!(!again.text.contains("data-secret"), "shown twice");
    }
}

#[tokio::test]
async fn dashboard_creating_an_app_shows_its_secret_once_and_stores_it_hashed() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn(&backend).await;
        let db = Db::open(&server).await;
        let br = browser();
        let home = get(&br, &server.url("/")).await;
        assert_page(&home, 200, b);
        assert!(home.text.contains("Social Sizzle"), "{b}");

        let apps_before = db.count("apps").await;
        let (id, secret) = create_app(&server, &br, "My New App").await;
        assert_eq!(id.len(), 16, "{b}");
        assert_eq!(secret.len(), 32, "{b}");
        assert_eq!(db.count("apps").await, apps_before + 1, "{b}");
        let stored = db
            .opt_string(&format!("SELECT secret_hash FROM apps WHERE id = '{id}'"))
            .await;
        assert_eq!(
            stored,
            Some(hash(&secret)),
            "{b}: the secret is stored hashed"
        );
        assert!(
            !db.dump().await.contains(&secret),
            "{b}: no secret in clear"
        );

        // Shown once: a reload masks it.
        let again = get(&br, &server.url(&format!("/apps/{id}"))).await;
        assert!(!again.text.contains(&secret), "{b}");
        assert!(!again.text.contains("data-secret"), "{b}");

        // Reset: a new secret, shown once; the old hash is gone.
        let res = submit(
            &server,
            &br,
            &format!("/apps/{id}"),
            &format!("/apps/{id}/secret/reset"),
            &[],
        )
        .await;
        assert_eq!(res.status, 303, "{b}");
        let page = get(&br, &server.url(res.location().unwrap())).await;
        let new_secret = page
            .text
            .split("data-secret=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .unwrap()
            .to_owned();
        assert_ne!(new_secret, secret, "{b}");
        let stored = db
            .opt_string(&format!("SELECT secret_hash FROM apps WHERE id = '{id}'"))
            .await;
        assert_eq!(stored, Some(hash(&new_secret)), "{b}");

        // The secret is also kept sealed for appsecret_proof: an app token of the new app,
        // proved with the current secret, is accepted; proved with the old one, refused.
        assert!(
            !db.dump().await.contains(&new_secret),
            "{b}: sealed, not clear"
        );
        let app_token = app_token(&server, &id, &new_secret).await;
        let debug = |secret: &str| {
            let proof = localgram_core::seal::appsecret_proof(secret, &app_token);
            let q = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("input_token", &app_token)
                .append_pair("access_token", &app_token)
                .append_pair("appsecret_proof", &proof)
                .finish();
            server.url(&format!("/graph.facebook.com/v21.0/debug_token?{q}"))
        };
        let ok = get(&localgram_testkit::client(), &debug(&new_secret)).await;
        assert_eq!(ok.status, 200, "{b}: {}", ok.text);
        let old = get(&localgram_testkit::client(), &debug(&secret)).await;
        assert_eq!(old.status, 400, "{b}");
        assert_eq!(
            old.json()["error"]["message"],
            "Invalid appsecret_proof provided in the API argument",
            "{b}"
        );

        // Validation: an empty or too long name is refused, typed text kept, nothing written.
        for name in ["   ", &"x".repeat(101)] {
            let res = submit(&server, &br, "/", "/apps", &[("name", name)]).await;
            assert_page(&res, 400, b);
            assert!(res.text.contains("id=\"form-error\""), "{b}");
            assert_eq!(form_value(&res.text, "name").as_deref(), Some(name), "{b}");
            assert_eq!(db.count("apps").await, apps_before + 1, "{b}");
        }
    }
}

#[tokio::test]
async fn dashboard_forms_refuse_a_missing_reused_or_foreign_csrf_token_and_write_nothing() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn(&backend).await;
        let db = Db::open(&server).await;
        let br = browser();
        let before = db.dump().await;
        let app = format!("/apps/{APP_ID}");
        let page = get(&br, &server.url(&app)).await;
        let token = csrf(&page);
        let forms: Vec<(String, Vec<(&str, &str)>)> = vec![
            ("/apps".into(), vec![("name", "Sneaky")]),
            (
                format!("{app}/settings"),
                vec![
                    ("name", "Renamed"),
                    ("mode", "live"),
                    ("page_creation_allowed", "on"),
                ],
            ),
            (format!("{app}/secret/reset"), vec![]),
            (
                format!("{app}/redirect-uris"),
                vec![("uri", "https://evil.example/cb")],
            ),
            (
                format!("{app}/redirect-uris/remove"),
                vec![("uri", "https://socialsizzle.example/auth/")],
            ),
            (format!("{app}/testers"), vec![("username", STRANGER)]),
            (
                format!("{app}/testers/remove"),
                vec![("ig_user_id", TESTER_ID)],
            ),
            (format!("{app}/roles/remove"), vec![("fb_user_id", "1")]),
            ("/emulator/clock/advance".into(), vec![("duration", "1d")]),
            (
                "/emulator/faults".into(),
                vec![("preset", "throttle_app"), ("target", APP_ID)],
            ),
            ("/emulator/faults/clear".into(), vec![]),
            (
                "/instagram/login".into(),
                vec![("username", TESTER), ("password", TESTER_PASSWORD)],
            ),
        ];
        for (action, form) in &forms {
            // No token.
            let res = post_form(&br, &server.url(action), form).await;
            assert_eq!(res.status, 403, "{b}: {action} without csrf");
            assert_page_headers(&res.headers, b);
            // A made-up token.
            let mut bad = vec![("csrf", "not-a-token")];
            bad.extend_from_slice(form);
            let res = post_form(&br, &server.url(action), &bad).await;
            assert_eq!(res.status, 403, "{b}: {action} with a bad csrf");
            // Another browser's token.
            let other = browser();
            let mut foreign = vec![("csrf", token.as_str())];
            foreign.extend_from_slice(form);
            let _ = get(&other, &server.url("/")).await;
            let res = post_form(&other, &server.url(action), &foreign).await;
            assert_eq!(res.status, 403, "{b}: {action} with a foreign csrf");
            // A cross-site origin.
            let res = Reply::read(
                br.post(server.url(action))
                    .header("origin", "https://evil.example")
                    .form(&foreign)
                    .send()
                    .await
                    .unwrap(),
            )
            .await;
            assert_eq!(res.status, 403, "{b}: {action} from another origin");
        }
        // `Origin: null` (a page with `Referrer-Policy: no-referrer`) passes only when the
        // browser itself says the post is same-origin.
        let mut null_origin = vec![("csrf", token.as_str())];
        null_origin.push(("name", "Null Origin"));
        let res = Reply::read(
            br.post(server.url("/apps"))
                .header("origin", "null")
                .form(&null_origin)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(res.status, 403, "{b}: a null origin without Sec-Fetch-Site");
        let res = Reply::read(
            br.post(server.url("/apps"))
                .header("origin", "null")
                .header("sec-fetch-site", "cross-site")
                .form(&null_origin)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(res.status, 403, "{b}: a null origin from another site");
        assert_eq!(
            localgram_core::clock::to_millis(server.clock().state().now),
            NOW_MS,
            "{b}"
        );
        let after = db.dump().await;
        let strip = |d: &str| {
            d.lines()
                .filter(|l| !l.starts_with("csrf_tokens") && !l.contains("\"csrf_tokens\""))
                .map(str::to_owned)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            strip(&before),
            strip(&after),
            "{b}: a refused form wrote something"
        );

        // A used token cannot be used again.
        let res = post_form(
            &br,
            &server.url(&format!("{app}/redirect-uris")),
            &[("csrf", token.as_str()), ("uri", "https://ok.example/cb")],
        )
        .await;
        assert_eq!(res.status, 303, "{b}");
        let res = post_form(
            &br,
            &server.url(&format!("{app}/redirect-uris")),
            &[("csrf", token.as_str()), ("uri", "https://ok2.example/cb")],
        )
        .await;
        assert_eq!(res.status, 403, "{b}: reused csrf");
    }
}

async fn redirect_uris(db: &Db, app: &str) -> String {
    db.opt_string(&format!(
        "SELECT CAST(redirect_uris AS TEXT) FROM apps WHERE id = '{app}'"
    ))
    .await
    .unwrap()
    .replace(' ', "")
}

#[tokio::test]
async fn dashboard_redirect_uris_are_kept_exactly_validated_and_near_duplicates_are_flagged() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn(&backend).await;
        let db = Db::open(&server).await;
        let br = browser();
        let (id, _) = create_app(&server, &br, "Redirects").await;
        let app = format!("/apps/{id}");
        let add = format!("{app}/redirect-uris");

        let res = submit(
            &server,
            &br,
            &app,
            &add,
            &[("uri", "https://x.example/cb/")],
        )
        .await;
        assert_eq!(res.status, 303, "{b}: {}", res.text);
        assert_eq!(
            res.location(),
            Some(format!("{app}?done=redirect_added").as_str())
        );
        assert_eq!(
            redirect_uris(&db, &id).await,
            r#"["https://x.example/cb/"]"#.replace(' ', "")
        );
        let res = submit(&server, &br, &app, &add, &[("uri", "https://x.example/cb")]).await;
        assert_eq!(res.status, 303, "{b}");
        let page = get(&br, &server.url(&app)).await;
        assert!(
            page.text.contains("class=\"warning near-duplicate\""),
            "{b}"
        );

        // Refusals keep the typed text and change nothing.
        let stored = redirect_uris(&db, &id).await;
        for (uri, message) in [
            ("https://x.example/cb", "already listed"),
            ("not a url", "absolute http"),
            ("ftp://x.example/cb", "absolute http"),
            ("https://x.example/cb#frag", "absolute http"),
        ] {
            let res = submit(&server, &br, &app, &add, &[("uri", uri)]).await;
            assert_page(&res, 400, b);
            assert!(res.text.contains(message), "{b}: {uri}: {}", res.text);
            assert!(
                res.text.contains(&format!(
                    "id=\"new-redirect-uri\" value=\"{}\"",
                    uri.replace('#', "&#35;")
                )) || res
                    .text
                    .contains(&format!("id=\"new-redirect-uri\" value=\"{uri}\"")),
                "{b}: typed text kept for {uri}"
            );
            assert_eq!(redirect_uris(&db, &id).await, stored, "{b}");
        }

        // Edit in place, then remove.
        let res = submit(
            &server,
            &br,
            &app,
            &format!("{app}/redirect-uris/edit"),
            &[
                ("old", "https://x.example/cb"),
                ("uri", "https://y.example/cb"),
            ],
        )
        .await;
        assert_eq!(res.status, 303, "{b}");
        let uris = redirect_uris(&db, &id).await;
        assert!(
            uris.contains("https://y.example/cb") && !uris.contains("\"https://x.example/cb\""),
            "{b}: {uris}"
        );
        let res = submit(
            &server,
            &br,
            &app,
            &format!("{app}/redirect-uris/edit"),
            &[("old", "https://y.example/cb"), ("uri", "nope")],
        )
        .await;
        assert_page(&res, 400, b);
        assert!(res.text.contains("value=\"nope\""), "{b}: typed edit kept");
        let res = submit(
            &server,
            &br,
            &app,
            &format!("{app}/redirect-uris/remove"),
            &[("uri", "https://y.example/cb")],
        )
        .await;
        assert_eq!(res.status, 303, "{b}");
        assert_eq!(
            redirect_uris(&db, &id).await.replace(' ', ""),
            r#"["https://x.example/cb/"]"#
        );
        let res = submit(
            &server,
            &br,
            &app,
            &format!("{app}/redirect-uris/remove"),
            &[("uri", "https://never.example/")],
        )
        .await;
        assert_page(&res, 400, b);
    }
}

#[tokio::test]
async fn dashboard_settings_are_validated_and_saved() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn(&backend).await;
        let db = Db::open(&server).await;
        let br = browser();
        let (id, _) = create_app(&server, &br, "Settings").await;
        let app = format!("/apps/{id}");
        let action = format!("{app}/settings");
        let res = submit(
            &server,
            &br,
            &app,
            &action,
            &[
                ("name", "Renamed"),
                ("mode", "live"),
                ("product", "instagram_login"),
                ("deauthorize_callback_url", "javascript:alert(1)"),
            ],
        )
        .await;
        assert_page(&res, 400, b);
        assert!(res.text.contains("value=\"javascript:alert(1)\""), "{b}");
        assert!(res.text.contains("value=\"Renamed\""), "{b}");
        let name = db
            .opt_string(&format!("SELECT name FROM apps WHERE id = '{id}'"))
            .await;
        assert_eq!(name.as_deref(), Some("Settings"), "{b}: nothing written");

        let res = submit(
            &server,
            &br,
            &app,
            &action,
            &[("name", "Renamed"), ("mode", "nonsense")],
        )
        .await;
        assert_page(&res, 400, b);

        let res = submit(
            &server,
            &br,
            &app,
            &action,
            &[
                ("name", "Renamed"),
                ("mode", "live"),
                ("product", "instagram_login"),
                ("product", "facebook_login"),
                ("require_appsecret_proof", "on"),
                ("deauthorize_callback_url", "https://x.example/deauth"),
                ("data_deletion_url", ""),
            ],
        )
        .await;
        assert_eq!(res.status, 303, "{b}: {}", res.text);
        let row = db
            .opt_string(&format!(
                "SELECT name || '|' || mode || '|' || CAST(products AS TEXT) || '|' || deauthorize_callback_url FROM apps WHERE id = '{id}'"
            ))
            .await
            .unwrap();
        assert_eq!(
            row.replace(' ', ""),
            r#"Renamed|live|["instagram_login","facebook_login"]|https://x.example/deauth"#,
            "{b}"
        );
        assert_eq!(
            db.count(&format!(
                "apps WHERE id = '{id}' AND require_appsecret_proof AND data_deletion_url IS NULL"
            ))
            .await,
            1,
            "{b}"
        );
    }
}

/// `POST /{user-id}/accounts` by the Facebook world's person who is not a test user, through the
/// Facebook Login app.
async fn real_person_creates_a_page(server: &TestServer) -> Reply {
    post_form(
        &localgram_testkit::client(),
        &server.url(&format!(
            "/graph.facebook.com/v21.0/{}/accounts",
            fb::REAL_ID
        )),
        &[
            ("access_token", fb::REAL_TOKEN),
            ("name", "Allowlisted Cafe"),
            ("category_enum", "CAFE"),
            ("city_id", "106505586052951"),
        ],
    )
    .await
}

#[tokio::test]
async fn dashboard_settings_toggle_the_page_creation_allowlist() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = TestServer::spawn_with(TestOptions {
            backend: backend.clone(),
            world: Some(facebook_world()),
            ..Default::default()
        })
        .await;
        let db = Db::open(&server).await;
        let br = browser();
        let app = format!("/apps/{}", fb::APP_ID);
        let action = format!("{app}/settings");
        let allowlisted = format!("apps WHERE id = '{}' AND page_creation_allowed", fb::APP_ID);
        let unticked = r#"<input type="checkbox" name="page_creation_allowed" id="page-creation-allowed"> Allowlisted for Page creation: users who are not test users may create Pages (POST /{user-id}/accounts)</label>"#;
        let ticked = r#"<input type="checkbox" name="page_creation_allowed" id="page-creation-allowed" checked> Allowlisted for Page creation"#;
        let refused = graph_error(
            200,
            None,
            "OAuthException",
            "(#200) Permissions error: only test users can create Pages",
        );

        let page = get(&br, &server.url(&app)).await;
        assert_page(&page, 200, b);
        assert!(page.text.contains(unticked), "{b}: {}", page.text);
        assert_graph_error(
            &real_person_creates_a_page(&server).await,
            refused.clone(),
            &format!("{b}: before"),
        );
        let pages = db.count("pages").await;

        // A form that fails validation keeps the box as ticked and writes nothing.
        let res = submit(
            &server,
            &br,
            &app,
            &action,
            &[
                ("name", "Facebook Only"),
                ("mode", "nonsense"),
                ("product", "facebook_login"),
                ("page_creation_allowed", "on"),
            ],
        )
        .await;
        assert_page(&res, 400, b);
        assert!(res.text.contains(ticked), "{b}: {}", res.text);
        assert_eq!(db.count(&allowlisted).await, 0, "{b}: nothing written");

        // Ticked: saved, shown ticked, and the app's users who are not test users create Pages.
        let settings = [
            ("name", "Facebook Only"),
            ("mode", "live"),
            ("product", "facebook_login"),
        ];
        let mut on = settings.to_vec();
        on.push(("page_creation_allowed", "on"));
        let res = submit(&server, &br, &app, &action, &on).await;
        assert_eq!(res.status, 303, "{b}: {}", res.text);
        assert_eq!(db.count(&allowlisted).await, 1, "{b}");
        let page = get(&br, &server.url(&app)).await;
        assert_page(&page, 200, b);
        assert!(page.text.contains(ticked), "{b}: {}", page.text);
        let res = real_person_creates_a_page(&server).await;
        assert_eq!(res.status, 200, "{b}: {}", res.text);
        let id = res.json()["id"].as_str().unwrap_or_default().to_owned();
        assert_eq!(id.len(), 15, "{b}: {}", res.text);
        assert_eq!(res.json(), serde_json::json!({"id": id}), "{b}");
        assert_eq!(db.count("pages").await, pages + 1, "{b}");

        // Unticked: taken away again; the other settings are as they were.
        let res = submit(&server, &br, &app, &action, &settings).await;
        assert_eq!(res.status, 303, "{b}: {}", res.text);
        assert_eq!(db.count(&allowlisted).await, 0, "{b}");
        let page = get(&br, &server.url(&app)).await;
        assert!(page.text.contains(unticked), "{b}: {}", page.text);
        assert_graph_error(
            &real_person_creates_a_page(&server).await,
            refused,
            &format!("{b}: after"),
        );
        assert_eq!(db.count("pages").await, pages + 1, "{b}");
        let row = db
            .opt_string(&format!(
                "SELECT name || '|' || mode || '|' || CAST(products AS TEXT) FROM apps WHERE id = '{}'",
                fb::APP_ID
            ))
            .await
            .unwrap();
        assert_eq!(
            row.replace(' ', ""),
            r#"FacebookOnly|live|["facebook_login"]"#,
            "{b}"
        );
    }
}

async fn stranger_status(db: &Db) -> Option<String> {
    db.opt_string(&format!(
        "SELECT status FROM app_testers WHERE app_id = '{APP_ID}' AND ig_user_id = (SELECT id FROM ig_users WHERE username = '{STRANGER}')"
    ))
    .await
}

/// Signs in on the Instagram side.
async fn ig_login(server: &TestServer, br: &Client, username: &str, password: &str) {
    let res = submit(
        server,
        br,
        "/instagram",
        "/instagram/login",
        &[("username", username), ("password", password)],
    )
    .await;
    assert_eq!(res.status, 303, "{}", res.text);
}

#[tokio::test]
async fn dashboard_testers_are_invited_pending_and_accept_or_decline_on_the_instagram_side() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn(&backend).await;
        let db = Db::open(&server).await;
        let dev = browser();
        let app = format!("/apps/{APP_ID}");
        let add = format!("{app}/testers");

        let res = submit(&server, &dev, &app, &add, &[("username", "no.such.user")]).await;
        assert_page(&res, 400, b);
        assert!(res.text.contains("value=\"no.such.user\""), "{b}");
        let res = submit(&server, &dev, &app, &add, &[("username", TESTER)]).await;
        assert_page(&res, 400, b);
        assert!(res.text.contains("already a tester"), "{b}");

        let res = submit(&server, &dev, &app, &add, &[("username", STRANGER)]).await;
        assert_eq!(res.status, 303, "{b}");
        assert_eq!(
            stranger_status(&db).await.as_deref(),
            Some("invited"),
            "{b}"
        );

        // The Instagram side: a wrong password keeps the username; then accept.
        let ig = browser();
        let login = get(&ig, &server.url("/instagram")).await;
        assert!(is_login_page(&login.text), "{b}");
        let res = post_form(
            &ig,
            &server.url("/instagram/login"),
            &[
                ("csrf", &csrf(&login)),
                ("username", STRANGER),
                ("password", "wrong"),
            ],
        )
        .await;
        assert_eq!(res.status, 401, "{b}");
        assert!(res.text.contains(&format!("value=\"{STRANGER}\"")), "{b}");
        ig_login(&server, &ig, STRANGER, STRANGER_PASSWORD).await;
        let page = get(&ig, &server.url("/instagram/apps")).await;
        assert_page(&page, 200, b);
        assert!(page.text.contains("Social Sizzle"), "{b}");
        let res = submit(
            &server,
            &ig,
            "/instagram/apps",
            &format!("/instagram/invitations/{APP_ID}/accept"),
            &[],
        )
        .await;
        assert_eq!(res.status, 303, "{b}");
        assert_eq!(
            stranger_status(&db).await.as_deref(),
            Some("accepted"),
            "{b}"
        );
        // Nothing pending any more.
        let res = submit(
            &server,
            &ig,
            "/instagram/apps",
            &format!("/instagram/invitations/{APP_ID}/decline"),
            &[],
        )
        .await;
        assert_page(&res, 400, b);
        assert_eq!(
            stranger_status(&db).await.as_deref(),
            Some("accepted"),
            "{b}"
        );

        // Bob declines his invitation; the developer may invite him again.
        let bob = browser();
        ig_login(&server, &bob, INVITED, INVITED_PASSWORD).await;
        let res = submit(
            &server,
            &bob,
            "/instagram/apps",
            &format!("/instagram/invitations/{APP_ID}/decline"),
            &[],
        )
        .await;
        assert_eq!(res.status, 303, "{b}");
        let page = get(&dev, &server.url(&app)).await;
        assert!(page.text.contains("Declined"), "{b}");
        let res = submit(&server, &dev, &app, &add, &[("username", INVITED)]).await;
        assert_eq!(res.status, 303, "{b}");

        // Remove a tester.
        let res = submit(
            &server,
            &dev,
            &app,
            &format!("{app}/testers/remove"),
            &[("ig_user_id", "17841400000000000")],
        )
        .await;
        assert_page(&res, 400, b);
        let res = submit(
            &server,
            &dev,
            &app,
            &format!("{app}/testers/remove"),
            &[("ig_user_id", TESTER_ID)],
        )
        .await;
        assert_eq!(res.status, 303, "{b}");
        assert_eq!(
            db.count(&format!(
                "app_testers WHERE ig_user_id = '{TESTER_ID}' AND app_id = '{APP_ID}'"
            ))
            .await,
            0,
            "{b}"
        );
    }
}

#[tokio::test]
async fn dashboard_user_token_generator_shows_a_working_long_lived_token_once() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn(&backend).await;
        let db = Db::open(&server).await;
        let br = browser();
        let base = format!("/apps/{APP_ID}/token-generator/{TESTER_ID}");
        let app_page = get(&br, &server.url(&format!("/apps/{APP_ID}"))).await;
        assert!(app_page.text.contains(&base), "{b}: Generate Token link");

        // Not an accepted tester: refused.
        let invited_id = db
            .opt_string(&format!(
                "SELECT id FROM ig_users WHERE username = '{INVITED}'"
            ))
            .await
            .unwrap();
        let res = get(
            &br,
            &server.url(&format!("/apps/{APP_ID}/token-generator/{invited_id}")),
        )
        .await;
        assert_page(&res, 404, b);

        let login = get(&br, &server.url(&base)).await;
        assert_page(&login, 200, b);
        assert!(is_login_page(&login.text), "{b}");
        // Another account cannot log in here.
        let res = post_form(
            &br,
            &server.url(&format!("{base}/login")),
            &[
                ("csrf", &csrf(&login)),
                ("username", STRANGER),
                ("password", STRANGER_PASSWORD),
            ],
        )
        .await;
        assert_eq!(res.status, 401, "{b}");
        let res = post_form(
            &br,
            &server.url(&format!("{base}/login")),
            &[
                ("csrf", &csrf(&res)),
                ("username", TESTER),
                ("password", TESTER_PASSWORD),
            ],
        )
        .await;
        assert_eq!(res.status, 303, "{b}");
        let consent = get(&br, &server.url(&base)).await;
        assert!(is_consent_page(&consent.text), "{b}: {}", consent.text);

        // Cancel: no token.
        let tokens = db.count("tokens").await;
        let res = post_form(
            &br,
            &server.url(&base),
            &[("csrf", &csrf(&consent)), ("decision", "cancel")],
        )
        .await;
        assert_eq!(res.status, 303, "{b}");
        assert_eq!(db.count("tokens").await, tokens, "{b}");

        let consent = get(&br, &server.url(&base)).await;
        let res = post_form(
            &br,
            &server.url(&base),
            &[("csrf", &csrf(&consent)), ("decision", "allow")],
        )
        .await;
        assert_eq!(res.status, 303, "{b}");
        assert_eq!(
            res.location(),
            Some(format!("{base}/token").as_str()),
            "{b}"
        );
        let page = get(&br, &server.url(&format!("{base}/token"))).await;
        assert_page(&page, 200, b);
        let token = form_value(&page.text, "token")
            .or_else(|| {
                page.text
                    .split("id=\"token\" value=\"")
                    .nth(1)
                    .and_then(|s| s.split('"').next())
                    .map(str::to_owned)
            })
            .expect("the token is shown");
        assert!(token.starts_with("IGQVJ"), "{b}: {token}");
        assert_eq!(
            element_text(&page.text, "token-expires").as_deref(),
            Some("2027-01-19T12:00:00Z"),
            "{b}: 60 days"
        );
        assert_eq!(db.count("tokens").await, tokens + 1, "{b}");
        assert!(!db.dump().await.contains(&token), "{b}: stored hashed");
        assert_me_ok(&server, &token, b).await;
        let media = get(
            &localgram_testkit::client(),
            &server.url(&format!(
                "/graph.instagram.com/me/media?access_token={token}"
            )),
        )
        .await;
        assert_eq!(media.status, 200, "{b}: {}", media.text);

        // Shown once.
        let again = get(&br, &server.url(&format!("{base}/token"))).await;
        assert!(!again.text.contains(&token), "{b}");
        assert!(again.text.contains("id=\"token-gone\""), "{b}");

        // The recent calls remember /me without the token.
        let emulator = get(&br, &server.url("/emulator")).await;
        assert!(emulator.text.contains("/graph.instagram.com/me"), "{b}");
        assert!(
            !emulator.text.contains(&token),
            "{b}: no token in the call log"
        );
        assert!(emulator.text.contains("id=\"rate-chart\""), "{b}");

        // Apps and Websites lists the app; removing it revokes the token.
        let page = get(&br, &server.url("/instagram/apps")).await;
        assert!(page.text.contains("class=\"authorized\""), "{b}");
        let res = submit(
            &server,
            &br,
            "/instagram/apps",
            &format!("/instagram/apps/{APP_ID}/remove"),
            &[],
        )
        .await;
        assert_eq!(res.status, 303, "{b}");
        assert!(db.token_revoked_at(&token).await.is_some(), "{b}");
        let me = me(&server, &token).await;
        assert_eq!(me.status, 400, "{b}");
    }
}

/// A 2×2 PNG.
fn png() -> Vec<u8> {
    let img = image::RgbImage::from_pixel(2, 2, image::Rgb([200, 10, 10]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

async fn upload(
    server: &TestServer,
    br: &Client,
    owner: &str,
    name: &str,
    bytes: Vec<u8>,
) -> Reply {
    let page = get(br, &server.url("/emulator")).await;
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf(&page))
        .text("owner", owner.to_owned())
        .text("caption", "Uploaded")
        .part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()),
        );
    Reply::read(
        br.post(server.url("/emulator/media"))
            .multipart(form)
            .send()
            .await
            .unwrap(),
    )
    .await
}

#[tokio::test]
async fn dashboard_emulator_advances_the_clock_and_uploads_media_validated_by_content() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn(&backend).await;
        let db = Db::open(&server).await;
        let br = browser();

        let res = submit(
            &server,
            &br,
            "/emulator",
            "/emulator/clock/advance",
            &[("duration", "soon")],
        )
        .await;
        assert_page(&res, 400, b);
        assert!(res.text.contains("value=\"soon\""), "{b}");
        assert_eq!(
            localgram_core::clock::to_millis(server.clock().state().now),
            NOW_MS,
            "{b}"
        );
        let res = submit(
            &server,
            &br,
            "/emulator",
            "/emulator/clock/advance",
            &[("duration", "1h30m")],
        )
        .await;
        assert_eq!(res.status, 303, "{b}");
        assert_eq!(
            localgram_core::clock::to_millis(server.clock().state().now),
            NOW_MS + 5_400_000,
            "{b}"
        );
        let page = get(&br, &server.url("/emulator")).await;
        assert!(page.text.contains("2026-11-20T13:30:00Z"), "{b}");

        let media = db.count("ig_media").await;
        let blobs = db.count("blobs").await;
        // A text file named .png, a truncated PNG, an empty file, an unknown account.
        for (owner, name, bytes) in [
            (TESTER, "fake.png", b"hello, not an image".to_vec()),
            (TESTER, "broken.png", png()[..20].to_vec()),
            (TESTER, "empty.png", Vec::new()),
            ("no.such.user", "ok.png", png()),
        ] {
            let res = upload(&server, &br, owner, name, bytes).await;
            assert_page(&res, 400, b);
            assert!(res.text.contains("value=\"Uploaded\""), "{b}: caption kept");
            assert_eq!(db.count("ig_media").await, media, "{b}: {name}");
            assert_eq!(db.count("blobs").await, blobs, "{b}: {name}");
        }
        let res = upload(&server, &br, TESTER, "ok.png", png()).await;
        assert_eq!(res.status, 303, "{b}: {}", res.text);
        assert_eq!(db.count("ig_media").await, media + 1, "{b}");
        assert_eq!(
            db.count(&format!("blobs WHERE sha256 = '{}'", sha256_hex(&png())))
                .await,
            1,
            "{b}: stored content-addressed"
        );
        // The same bytes again: one blob.
        let res = upload(&server, &br, TESTER, "again.png", png()).await;
        assert_eq!(res.status, 303, "{b}");
        assert_eq!(db.count("blobs").await, blobs + 1, "{b}");

        // Too large.
        let page = get(&br, &server.url("/emulator")).await;
        let form = reqwest::multipart::Form::new()
            .text("csrf", csrf(&page))
            .text("owner", TESTER)
            .part(
                "file",
                reqwest::multipart::Part::bytes(vec![0u8; 9 * 1024 * 1024]).file_name("big.png"),
            );
        // The server may answer before reading the whole body and close the connection.
        if let Ok(res) = br
            .post(server.url("/emulator/media"))
            .multipart(form)
            .send()
            .await
        {
            let status = res.status();
            assert!(status == 413 || status == 400, "{b}: {status}");
        }
        assert_eq!(db.count("ig_media").await, media + 2, "{b}");

        // The profile grid shows the upload.
        ig_login(&server, &br, TESTER, TESTER_PASSWORD).await;
        let profile = get(&br, &server.url("/instagram")).await;
        assert_page(&profile, 200, b);
        assert!(profile.text.contains("id=\"media-grid\""), "{b}");
        assert!(profile.text.contains("/cdn/media/"), "{b}");
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    localgram_core::model::Blob::new("image/png", bytes.to_vec()).sha256
}

#[tokio::test]
async fn dashboard_speaks_the_requested_language_with_english_as_fallback() {
    let server = TestServer::spawn().await;
    let br = browser();
    for (accept, text) in [
        ("sv-SE,sv;q=0.9", "Mina appar"),
        ("zh-CN", "我的应用"),
        ("ko", "내 앱"),
        ("vi-VN", "Ứng dụng của tôi"),
        ("fr-FR", "My apps"),
    ] {
        let res = Reply::read(
            br.get(server.url("/"))
                .header("accept-language", accept)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(res.status, 200);
        assert!(res.text.contains(text), "{accept}");
    }
    let res = get(&br, &server.url("/lang/ko?back=/emulator")).await;
    assert_eq!(res.status, 303);
    assert_eq!(res.location(), Some("/emulator"));
    let page = get(&br, &server.url("/")).await;
    assert!(page.text.contains("<html lang=\"ko\">"));
    let res = get(&br, &server.url("/lang/sv?back=//evil.example")).await;
    assert_eq!(res.location(), Some("/"));

    // The OAuth window's login page follows the same choice.
    let fresh = browser();
    let url = authorize_url(&server, API, &AuthParams::basic_display());
    let res = Reply::read(
        fresh
            .get(&url)
            .header("accept-language", "vi")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(res.status, 200);
    assert!(res.text.contains("<html lang=\"vi\">"), "{}", res.text);
    assert!(res.text.contains("Đăng nhập để tiếp tục đến Social Sizzle"));
    let login = get(&br, &url).await;
    assert!(login.text.contains("<html lang=\"sv\">"));
    assert!(
        login
            .text
            .contains("Logga in för att fortsätta till Social Sizzle")
    );
}

#[tokio::test]
async fn dashboard_with_an_admin_token_must_be_unlocked_first() {
    let server = TestServer::spawn_with(TestOptions {
        admin_token: Some("let-me-in".into()),
        ..Default::default()
    })
    .await;
    let br = browser();
    let res = get(&br, &server.url("/")).await;
    assert_eq!(res.status, 303);
    assert_eq!(res.location(), Some("/unlock"));
    let page = get(&br, &server.url("/unlock")).await;
    assert_eq!(page.status, 401);
    let res = post_form(
        &br,
        &server.url("/unlock"),
        &[("csrf", &csrf(&page)), ("token", "wrong")],
    )
    .await;
    assert_eq!(res.status, 401);
    let res = post_form(
        &br,
        &server.url("/unlock"),
        &[("csrf", &csrf(&res)), ("token", "let-me-in")],
    )
    .await;
    assert_eq!(res.status, 303);
    assert_eq!(get(&br, &server.url("/")).await.status, 200);
    // Scripts may send the token as a bearer.
    let res = Reply::read(
        localgram_testkit::client()
            .get(server.url("/emulator"))
            .header("authorization", "Bearer let-me-in")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(res.status, 200);
    let _ = Backend::all();
}
