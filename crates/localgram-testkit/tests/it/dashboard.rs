//! The App Dashboard over HTTP, without a browser: every form's validation (400, the message, what
//! was typed kept, nothing written), CSRF refusals (403, nothing written), 303 after POST, the
//! secret and the generated token shown once, the Instagram side, the emulator views, the guard
//! and the languages.

use crate::support::*;
use localgram_testkit::actors::shown_secret;
use localgram_testkit::world::*;
use localgram_testkit::{Backend, TestOptions, TestServer, form_value};

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
    let br = a.dashboard_developer();
    // The same browser (one cookie jar) on B.
    let on_b = b.anonymous_with(br.http().clone());
    let res = br.submit("/", "/apps", &[("name", "Shared App")]).await;
    assert_eq!(res.status, 303, "{}", res.text);
    assert_eq!(db.count("dashboard_reveals").await, 1);
    let location = res.location().unwrap().to_owned();
    let id = location
        .strip_prefix("/apps/")
        .and_then(|r| r.split('?').next())
        .unwrap()
        .to_owned();
    // B serves the page the creation on A redirected to.
    let page = on_b.get(&location).await;
    assert_page(&page, 200, "app page on B");
    let secret = shown_secret(&page).expect("B shows the secret made on A");
    assert_eq!(db.count("dashboard_reveals").await, 0, "taken");
    // The secret is the app's: it gets an app token.
    assert!(!app_token(&a, &id, &secret).await.is_empty());
    // Shown once, on every instance.
    for again in [br.get(&location).await, on_b.get(&location).await] {
        assert!(!again.text.contains("data-secret"), "shown twice");
    }
}

#[tokio::test]
async fn dashboard_creating_an_app_shows_its_secret_once_and_stores_it_hashed() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn(&backend).await;
        let db = Db::open(&server).await;
        let br = server.dashboard_developer();
        let home = br.get("/").await;
        assert_page(&home, 200, b);
        assert!(home.text.contains("Social Sizzle"), "{b}");

        let apps_before = db.count("apps").await;
        let (id, secret, _) = br.created_app("My New App").await;
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
        let again = br.get(&format!("/apps/{id}")).await;
        assert!(!again.text.contains(&secret), "{b}");
        assert!(!again.text.contains("data-secret"), "{b}");

        // Reset: a new secret, shown once; the old hash is gone.
        let res = br
            .submit(
                &format!("/apps/{id}"),
                &format!("/apps/{id}/secret/reset"),
                &[],
            )
            .await;
        assert_eq!(res.status, 303, "{b}");
        let page = br.get(res.location().unwrap()).await;
        let new_secret = shown_secret(&page).expect("the new secret is shown");
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
            let res = br.submit("/", "/apps", &[("name", name)]).await;
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
        let br = server.dashboard_developer();
        let before = db.dump().await;
        let app = format!("/apps/{APP_ID}");
        let page = br.get(&app).await;
        let token = page.csrf();
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
            let res = br.post_form(action, form).await;
            assert_eq!(res.status, 403, "{b}: {action} without csrf");
            assert_page_headers(&res.headers, b);
            // A made-up token.
            let mut bad = vec![("csrf", "not-a-token")];
            bad.extend_from_slice(form);
            let res = br.post_form(action, &bad).await;
            assert_eq!(res.status, 403, "{b}: {action} with a bad csrf");
            // Another browser's token.
            let other = server.anonymous();
            let mut foreign = vec![("csrf", token.as_str())];
            foreign.extend_from_slice(form);
            let _ = other.get("/").await;
            let res = other.post_form(action, &foreign).await;
            assert_eq!(res.status, 403, "{b}: {action} with a foreign csrf");
            // A cross-site origin.
            let res = Reply::send(
                br.http()
                    .post(server.url(action))
                    .header("origin", "https://evil.example")
                    .form(&foreign),
            )
            .await;
            assert_eq!(res.status, 403, "{b}: {action} from another origin");
        }
        // `Origin: null` (a page with `Referrer-Policy: no-referrer`) passes only when the
        // browser itself says the post is same-origin.
        let mut null_origin = vec![("csrf", token.as_str())];
        null_origin.push(("name", "Null Origin"));
        let res = Reply::send(
            br.http()
                .post(server.url("/apps"))
                .header("origin", "null")
                .form(&null_origin),
        )
        .await;
        assert_eq!(res.status, 403, "{b}: a null origin without Sec-Fetch-Site");
        let res = Reply::send(
            br.http()
                .post(server.url("/apps"))
                .header("origin", "null")
                .header("sec-fetch-site", "cross-site")
                .form(&null_origin),
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
        let res = br
            .submit_on(
                &page,
                &format!("{app}/redirect-uris"),
                &[("uri", "https://ok.example/cb")],
            )
            .await;
        assert_eq!(res.status, 303, "{b}");
        let res = br
            .submit_on(
                &page,
                &format!("{app}/redirect-uris"),
                &[("uri", "https://ok2.example/cb")],
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
        let br = server.dashboard_developer();
        let (id, _, _) = br.created_app("Redirects").await;
        let app = format!("/apps/{id}");
        let add = format!("{app}/redirect-uris");

        let res = br
            .submit(&app, &add, &[("uri", "https://x.example/cb/")])
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
        let res = br
            .submit(&app, &add, &[("uri", "https://x.example/cb")])
            .await;
        assert_eq!(res.status, 303, "{b}");
        let page = br.get(&app).await;
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
            let res = br.submit(&app, &add, &[("uri", uri)]).await;
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
        let res = br
            .submit(
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
        let res = br
            .submit(
                &app,
                &format!("{app}/redirect-uris/edit"),
                &[("old", "https://y.example/cb"), ("uri", "nope")],
            )
            .await;
        assert_page(&res, 400, b);
        assert!(res.text.contains("value=\"nope\""), "{b}: typed edit kept");
        let res = br
            .submit(
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
        let res = br
            .submit(
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
        let br = server.dashboard_developer();
        let (id, _, _) = br.created_app("Settings").await;
        let app = format!("/apps/{id}");
        let action = format!("{app}/settings");
        let res = br
            .submit(
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

        let res = br
            .submit(&app, &action, &[("name", "Renamed"), ("mode", "nonsense")])
            .await;
        assert_page(&res, 400, b);

        let res = br
            .submit(
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
    server
        .facebook_user_with_token(fb::REAL_TOKEN)
        .post(
            &format!("/{}/accounts", fb::REAL_ID),
            &[
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
        let server = TestServer::builder()
            .backend(&backend)
            .facebook_world()
            .spawn()
            .await;
        let db = Db::open(&server).await;
        let br = server.dashboard_developer();
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

        let page = br.get(&app).await;
        assert_page(&page, 200, b);
        assert!(page.text.contains(unticked), "{b}: {}", page.text);
        assert_graph_error(
            &real_person_creates_a_page(&server).await,
            refused.clone(),
            &format!("{b}: before"),
        );
        let pages = db.count("pages").await;

        // A form that fails validation keeps the box as ticked and writes nothing.
        let res = br
            .submit(
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
        let res = br.submit(&app, &action, &on).await;
        assert_eq!(res.status, 303, "{b}: {}", res.text);
        assert_eq!(db.count(&allowlisted).await, 1, "{b}");
        let page = br.get(&app).await;
        assert_page(&page, 200, b);
        assert!(page.text.contains(ticked), "{b}: {}", page.text);
        let res = real_person_creates_a_page(&server).await;
        assert_eq!(res.status, 200, "{b}: {}", res.text);
        let id = res.json()["id"].as_str().unwrap_or_default().to_owned();
        assert_eq!(id.len(), 15, "{b}: {}", res.text);
        assert_eq!(res.json(), serde_json::json!({"id": id}), "{b}");
        assert_eq!(db.count("pages").await, pages + 1, "{b}");

        // Unticked: taken away again; the other settings are as they were.
        let res = br.submit(&app, &action, &settings).await;
        assert_eq!(res.status, 303, "{b}: {}", res.text);
        assert_eq!(db.count(&allowlisted).await, 0, "{b}");
        let page = br.get(&app).await;
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

#[tokio::test]
async fn dashboard_testers_are_invited_pending_and_accept_or_decline_on_the_instagram_side() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn(&backend).await;
        let db = Db::open(&server).await;
        let dev = server.dashboard_developer();
        let app = format!("/apps/{APP_ID}");
        let add = format!("{app}/testers");

        let res = dev
            .submit(&app, &add, &[("username", "no.such.user")])
            .await;
        assert_page(&res, 400, b);
        assert!(res.text.contains("value=\"no.such.user\""), "{b}");
        let res = dev.submit(&app, &add, &[("username", TESTER)]).await;
        assert_page(&res, 400, b);
        assert!(res.text.contains("already a tester"), "{b}");

        let res = dev.submit(&app, &add, &[("username", STRANGER)]).await;
        assert_eq!(res.status, 303, "{b}");
        assert_eq!(
            stranger_status(&db).await.as_deref(),
            Some("invited"),
            "{b}"
        );

        // The Instagram side: a wrong password keeps the username; then accept.
        let ig = server.anonymous();
        let login = ig.get("/instagram").await;
        assert!(is_login_page(&login.text), "{b}");
        let res = ig
            .post_form(
                "/instagram/login",
                &[
                    ("csrf", &login.csrf()),
                    ("username", STRANGER),
                    ("password", "wrong"),
                ],
            )
            .await;
        assert_eq!(res.status, 401, "{b}");
        assert!(res.text.contains(&format!("value=\"{STRANGER}\"")), "{b}");
        ig.instagram_sign_in(STRANGER, STRANGER_PASSWORD).await;
        let page = ig.get("/instagram/apps").await;
        assert_page(&page, 200, b);
        assert!(page.text.contains("Social Sizzle"), "{b}");
        let res = ig
            .submit(
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
        let res = ig
            .submit(
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
        let bob = server.anonymous();
        bob.instagram_sign_in(INVITED, INVITED_PASSWORD).await;
        let res = bob
            .submit(
                "/instagram/apps",
                &format!("/instagram/invitations/{APP_ID}/decline"),
                &[],
            )
            .await;
        assert_eq!(res.status, 303, "{b}");
        let page = dev.get(&app).await;
        assert!(page.text.contains("Declined"), "{b}");
        let res = dev.submit(&app, &add, &[("username", INVITED)]).await;
        assert_eq!(res.status, 303, "{b}");

        // Remove a tester.
        let res = dev
            .submit(
                &app,
                &format!("{app}/testers/remove"),
                &[("ig_user_id", "17841400000000000")],
            )
            .await;
        assert_page(&res, 400, b);
        let res = dev
            .submit(
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
        let br = server.dashboard_developer();
        let base = format!("/apps/{APP_ID}/token-generator/{TESTER_ID}");
        let app_page = br.get(&format!("/apps/{APP_ID}")).await;
        assert!(app_page.text.contains(&base), "{b}: Generate Token link");

        // Not an accepted tester: refused.
        let invited_id = db
            .opt_string(&format!(
                "SELECT id FROM ig_users WHERE username = '{INVITED}'"
            ))
            .await
            .unwrap();
        let res = br.token_generator(APP_ID, &invited_id).await;
        assert_page(&res, 404, b);

        let login = br.token_generator(APP_ID, TESTER_ID).await;
        assert_page(&login, 200, b);
        assert!(is_login_page(&login.text), "{b}");
        // Another account cannot log in here.
        let res = br
            .token_generator_login(APP_ID, TESTER_ID, &login, STRANGER, STRANGER_PASSWORD)
            .await;
        assert_eq!(res.status, 401, "{b}");
        let res = br
            .token_generator_login(APP_ID, TESTER_ID, &res, TESTER, TESTER_PASSWORD)
            .await;
        assert_eq!(res.status, 303, "{b}");
        let consent = br.token_generator(APP_ID, TESTER_ID).await;
        assert!(is_consent_page(&consent.text), "{b}: {}", consent.text);

        // Cancel: no token.
        let tokens = db.count("tokens").await;
        let res = br
            .token_generator_decide(APP_ID, TESTER_ID, &consent, "cancel")
            .await;
        assert_eq!(res.status, 303, "{b}");
        assert_eq!(db.count("tokens").await, tokens, "{b}");

        let consent = br.token_generator(APP_ID, TESTER_ID).await;
        let res = br
            .token_generator_decide(APP_ID, TESTER_ID, &consent, "allow")
            .await;
        assert_eq!(res.status, 303, "{b}");
        assert_eq!(
            res.location(),
            Some(format!("{base}/token").as_str()),
            "{b}"
        );
        let page = br.get(&format!("{base}/token")).await;
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
        let media = server.instagram_user_with_token(&token).media().await;
        assert_eq!(media.status, 200, "{b}: {}", media.text);

        // Shown once.
        let again = br.get(&format!("{base}/token")).await;
        assert!(!again.text.contains(&token), "{b}");
        assert!(again.text.contains("id=\"token-gone\""), "{b}");

        // The recent calls remember /me without the token.
        let emulator = br.get("/emulator").await;
        assert!(emulator.text.contains("/graph.instagram.com/me"), "{b}");
        assert!(
            !emulator.text.contains(&token),
            "{b}: no token in the call log"
        );
        assert!(emulator.text.contains("id=\"rate-chart\""), "{b}");

        // Apps and Websites lists the app; removing it revokes the token.
        let page = br.get("/instagram/apps").await;
        assert!(page.text.contains("class=\"authorized\""), "{b}");
        let res = br
            .submit(
                "/instagram/apps",
                &format!("/instagram/apps/{APP_ID}/remove"),
                &[],
            )
            .await;
        assert_eq!(res.status, 303, "{b}");
        assert!(db.token_revoked_at(&token).await.is_some(), "{b}");
        let me = server.instagram_user_with_token(&token).me().await;
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

#[tokio::test]
async fn dashboard_emulator_advances_the_clock_and_uploads_media_validated_by_content() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn(&backend).await;
        let db = Db::open(&server).await;
        let br = server.dashboard_developer();

        let res = br
            .submit(
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
        let res = br
            .submit(
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
        let page = br.get("/emulator").await;
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
            let res = br.upload(owner, name, bytes).await;
            assert_page(&res, 400, b);
            assert!(res.text.contains("value=\"Uploaded\""), "{b}: caption kept");
            assert_eq!(db.count("ig_media").await, media, "{b}: {name}");
            assert_eq!(db.count("blobs").await, blobs, "{b}: {name}");
        }
        let res = br.upload(TESTER, "ok.png", png()).await;
        assert_eq!(res.status, 303, "{b}: {}", res.text);
        assert_eq!(db.count("ig_media").await, media + 1, "{b}");
        assert_eq!(
            db.count(&format!("blobs WHERE sha256 = '{}'", sha256_hex(&png())))
                .await,
            1,
            "{b}: stored content-addressed"
        );
        // The same bytes again: one blob.
        let res = br.upload(TESTER, "again.png", png()).await;
        assert_eq!(res.status, 303, "{b}");
        assert_eq!(db.count("blobs").await, blobs + 1, "{b}");

        // Too large.
        let page = br.get("/emulator").await;
        let form = reqwest::multipart::Form::new()
            .text("csrf", page.csrf())
            .text("owner", TESTER)
            .part(
                "file",
                reqwest::multipart::Part::bytes(vec![0u8; 9 * 1024 * 1024]).file_name("big.png"),
            );
        // The server may answer before reading the whole body and close the connection.
        if let Ok(res) = br
            .http()
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
        br.browser()
            .instagram_sign_in(TESTER, TESTER_PASSWORD)
            .await;
        let profile = br.get("/instagram").await;
        assert_page(&profile, 200, b);
        assert!(profile.text.contains("id=\"media-grid\""), "{b}");
        assert!(profile.text.contains("/cdn/media/"), "{b}");
    }
}

/// The upload form is a checked form like every other (`CheckedForm<Upload>`): same origin, a
/// session, a single-use CSRF token; a body over the limit is refused with the page shown again,
/// what was typed kept; nothing is stored by a refused upload.
#[tokio::test]
async fn the_upload_form_passes_the_checks_every_form_passes() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn(&backend).await;
        let db = Db::open(&server).await;
        let br = server.dashboard_developer();
        let media = db.count("ig_media").await;
        let form = |csrf: Option<String>, bytes: Vec<u8>| {
            let form = reqwest::multipart::Form::new()
                .text("owner", TESTER)
                .text("caption", "Typed caption");
            let form = match csrf {
                Some(c) => form.text("csrf", c),
                None => form,
            };
            form.part(
                "file",
                reqwest::multipart::Part::bytes(bytes).file_name("a.png"),
            )
        };
        let post = |form: reqwest::multipart::Form| {
            br.http()
                .post(server.url("/emulator/media"))
                .multipart(form)
        };

        let token = br.emulator().await.csrf();
        let res = Reply::send(
            post(form(Some(token), png())).header("origin", "https://elsewhere.example"),
        )
        .await;
        assert_eq!(res.status, 403, "{b}: {}", res.text);
        assert!(
            res.text
                .contains("This form was sent from another site and was refused."),
            "{b}: {}",
            res.text
        );

        let res = Reply::send(post(form(None, png()))).await;
        assert_eq!(res.status, 403, "{b}");
        assert!(
            res.text.contains("The form is missing its security token."),
            "{b}: {}",
            res.text
        );

        let res = Reply::send(
            reqwest::Client::new()
                .post(server.url("/emulator/media"))
                .multipart(form(Some("AnyToken".into()), png())),
        )
        .await;
        assert_eq!(res.status, 403, "{b}");
        assert!(
            res.text
                .contains("Your session has expired. Reload the page and try again."),
            "{b}: {}",
            res.text
        );
        assert_eq!(
            db.count("ig_media").await,
            media,
            "{b}: nothing stored by a refused form"
        );

        let token = br.emulator().await.csrf();
        let res = Reply::send(post(form(Some(token.clone()), png()))).await;
        assert_eq!(res.status, 303, "{b}: {}", res.text);
        assert_eq!(db.count("ig_media").await, media + 1, "{b}");
        let res = Reply::send(post(form(Some(token), png()))).await;
        assert_eq!(res.status, 403, "{b}");
        assert!(
            res.text.contains("invalid or was already used"),
            "{b}: {}",
            res.text
        );
        assert_eq!(
            db.count("ig_media").await,
            media + 1,
            "{b}: a token serves once"
        );

        // One byte over the route's limit: the fields before the file are read, the file is
        // refused, and the page comes back with what was typed.
        let limit = localgram_core::dashboard::MAX_UPLOAD_BYTES + 64 * 1024;
        let token = br.emulator().await.csrf();
        let res = Reply::send(post(form(Some(token), vec![0u8; limit + 1]))).await;
        assert_page(&res, 413, b);
        assert!(
            res.text.contains("value=\"Typed caption\""),
            "{b}: caption kept"
        );
        assert_eq!(db.count("ig_media").await, media + 1, "{b}: nothing stored");
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    localgram_core::model::Blob::new("image/png", bytes.to_vec()).sha256
}

#[tokio::test]
async fn dashboard_speaks_the_requested_language_with_english_as_fallback() {
    let server = TestServer::spawn().await;
    let br = server.dashboard_developer();
    for (accept, text) in [
        ("sv-SE,sv;q=0.9", "Mina appar"),
        ("zh-CN", "我的应用"),
        ("ko", "내 앱"),
        ("vi-VN", "Ứng dụng của tôi"),
        ("fr-FR", "My apps"),
    ] {
        let res = br.get_in("/", accept).await;
        assert_eq!(res.status, 200);
        assert!(res.text.contains(text), "{accept}");
    }
    let res = br.choose_language("ko", "/emulator").await;
    assert_eq!(res.status, 303);
    assert_eq!(res.location(), Some("/emulator"));
    let page = br.get("/").await;
    assert!(page.text.contains("<html lang=\"ko\">"));
    let res = br.choose_language("sv", "//evil.example").await;
    assert_eq!(res.location(), Some("/"));

    // The OAuth window's login page follows the same choice.
    let fresh = server.anonymous();
    let params = AuthParams::basic_display();
    let res = Reply::send(
        fresh
            .http()
            .get(fresh.authorize_url(API, &params))
            .header("accept-language", "vi"),
    )
    .await;
    assert_eq!(res.status, 200);
    assert!(res.text.contains("<html lang=\"vi\">"), "{}", res.text);
    assert!(res.text.contains("Đăng nhập để tiếp tục đến Social Sizzle"));
    let login = br.browser().authorize(API, &params).await;
    assert!(login.text.contains("<html lang=\"sv\">"));
    assert!(
        login
            .text
            .contains("Logga in för att fortsätta till Social Sizzle")
    );
}

#[tokio::test]
async fn dashboard_with_an_admin_token_must_be_unlocked_first() {
    let server = TestServer::builder().admin_token("let-me-in").spawn().await;
    let br = server.dashboard_developer();
    let res = br.get("/").await;
    assert_eq!(res.status, 303);
    assert_eq!(res.location(), Some("/unlock"));
    let page = br.get("/unlock").await;
    assert_eq!(page.status, 401);
    let res = br.submit_on(&page, "/unlock", &[("token", "wrong")]).await;
    assert_eq!(res.status, 401);
    let res = br
        .submit_on(&res, "/unlock", &[("token", "let-me-in")])
        .await;
    assert_eq!(res.status, 303);
    assert_eq!(br.get("/").await.status, 200);
    // Scripts may send the token as a bearer.
    let res = Reply::send(
        localgram_testkit::client()
            .get(server.url("/emulator"))
            .header("authorization", "Bearer let-me-in"),
    )
    .await;
    assert_eq!(res.status, 200);
    let _ = Backend::all();
}

/// The text of every `<td class="{class}">` of a page, in order.
fn cells(html: &str, class: &str) -> Vec<String> {
    html.split(&format!("<td class=\"{class}\">"))
        .skip(1)
        .map(|s| s.split("</td>").next().unwrap_or("").to_owned())
        .collect()
}

/// A duration as the call list shows it (HTML), in microseconds (`&#60; 1 ms`, known in whole milliseconds
/// only on PostgreSQL, as 1).
fn micros(shown: &str) -> u64 {
    if shown == "&#60; 1 ms" {
        return 1;
    }
    if let Some(us) = shown.strip_suffix(" µs") {
        return us.parse().unwrap_or_else(|_| panic!("{shown}"));
    }
    let ms = shown
        .strip_suffix(" ms")
        .unwrap_or_else(|| panic!("{shown}"));
    let (whole, tenths) = ms.split_once('.').unwrap_or((ms, "0"));
    whole.parse::<u64>().unwrap_or_else(|_| panic!("{shown}")) * 1000
        + tenths.parse::<u64>().unwrap_or_else(|_| panic!("{shown}")) * 100
}

#[tokio::test]
async fn dashboard_emulator_lists_calls_with_real_durations_names_and_server_side_filters() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn(&backend).await;
        let br = server.dashboard_developer();
        let token = server.instagram_tester().await.token().to_owned();
        assert_me_ok(&server, &token, b).await;
        // A refused call: 400 on graph.instagram.com.
        let refused = get(
            &localgram_testkit::client(),
            &server.url("/graph.instagram.com/me?fields=id&access_token=not-a-token"),
        )
        .await;
        assert_eq!(refused.status, 400, "{b}");

        let page = br.get("/emulator").await;
        assert_page(&page, 200, b);
        let durations = cells(&page.text, "duration");
        assert!(durations.len() >= 3, "{b}: {durations:?}");
        // Every call took some time, shown in µs or ms; none is the old "0 ms". On SQLite the
        // journal holds microseconds; PostgreSQL's shared journal whole milliseconds.
        for d in &durations {
            assert!(micros(d) > 0, "{b}: {d}");
            assert_ne!(d, "0 ms", "{b}");
            if b == "sqlite" {
                assert!(!d.starts_with("&#60;"), "{b}: {d}");
            }
        }
        // Apps and users by name in the chart's legend, never as bare ids.
        assert!(
            page.text
                .contains("<td class=\"series-label\">Social Sizzle · jane.doe</td>"),
            "{b}: {}",
            page.text
        );
        assert!(page.text.contains("id=\"x-axis\""), "{b}");
        assert!(page.text.contains("Calls per minute"), "{b}");
        assert!(
            cells(&page.text, "app").contains(&"Social Sizzle".to_owned()),
            "{b}"
        );
        // The test clock's time, with its offset from real time in days, hours, minutes.
        let offset_before = element_text(&page.text, "clock-offset").unwrap();
        let well_formed = |o: &str| {
            (o.starts_with('+') || o.starts_with('−'))
                && o[3..].split(' ').collect::<Vec<_>>().chunks(2).all(|p| {
                    p.len() == 2
                        && p[0].trim_start_matches(['+', '−']).parse::<u64>().is_ok()
                        && ["d", "h", "min", "s"].contains(&p[1])
                })
        };
        assert!(
            well_formed(&offset_before) || offset_before == "0 s",
            "{b}: {offset_before}"
        );
        assert!(page.text.contains("2026-11-20 12:00:00 UTC"), "{b}");

        // Filters are query parameters the server applies.
        let only = br.get("/emulator?status=400").await;
        assert_page(&only, 200, b);
        let statuses = cells(&only.text, "status");
        assert!(!statuses.is_empty(), "{b}");
        assert!(statuses.iter().all(|s| s == "400"), "{b}: {statuses:?}");
        assert!(
            only.text.contains("value=\"400\""),
            "{b}: the filter is kept"
        );
        let fb = br.get("/emulator?host=graph.facebook.com").await;
        assert!(fb.text.contains("id=\"no-calls\""), "{b}");
        let hosts = br.get("/emulator?host=graph.instagram.com&status=").await;
        let shown = cells(&hosts.text, "path");
        assert!(!shown.is_empty(), "{b}");
        assert!(
            shown
                .iter()
                .all(|p| p.starts_with("<code>/graph.instagram.com/")),
            "{b}: {shown:?}"
        );
        assert!(
            cells(&page.text, "path")
                .iter()
                .any(|p| p.starts_with("<code>/api.instagram.com/")),
            "{b}: the unfiltered list has the code exchange too"
        );
        let by_app = br.get(&format!("/emulator?app={APP_ID}")).await;
        let apps = cells(&by_app.text, "app");
        assert!(!apps.is_empty(), "{b}");
        assert!(apps.iter().all(|a| a == "Social Sizzle"), "{b}: {apps:?}");
        let none = br.get("/emulator?app=123").await;
        assert!(none.text.contains("id=\"no-calls\""), "{b}");
        // A bad filter: 400, and the message names the field.
        let bad = br.get("/emulator?status=abc").await;
        assert_page(&bad, 400, b);
        assert!(
            bad.text.contains("Status: an HTTP status from 100 to 599"),
            "{b}"
        );
        let bad = br.get("/emulator?host=evil.example").await;
        assert_page(&bad, 400, b);
        assert!(
            bad.text
                .contains("Host: choose one of the listed Meta hosts."),
            "{b}"
        );

        // After advancing the clock, the offset is in days, hours and minutes.
        let res = br
            .submit(
                "/emulator",
                "/emulator/clock/advance",
                &[("duration", "1d1h30m")],
            )
            .await;
        assert_eq!(res.status, 303, "{b}");
        let page = br.get("/emulator").await;
        let offset_after = element_text(&page.text, "clock-offset").unwrap();
        assert_ne!(offset_after, offset_before, "{b}");
        assert!(
            well_formed(&offset_after) || offset_after == "0 s",
            "{b}: {offset_after}"
        );
        assert!(page.text.contains("2026-11-21 13:30:00 UTC"), "{b}");
    }
}

#[tokio::test]
async fn dashboard_pages_link_the_icon_and_the_callback_names_the_only_app() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn(&backend).await;
        let br = server.dashboard_developer();
        for path in ["/favicon.ico", "/static/favicon.svg"] {
            let res = br.get(path).await;
            assert_eq!(res.status, 200, "{b}: {path}");
            assert_eq!(res.header("content-type"), Some("image/svg+xml"), "{b}");
            assert!(
                res.text
                    .starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""),
                "{b}"
            );
        }
        let link = "<link rel=\"icon\" href=\"/static/favicon.svg\" type=\"image/svg+xml\">";
        for path in ["/", "/emulator", "/people", "/instagram"] {
            let page = br.get(path).await;
            assert!(page.text.contains(link), "{b}: {path}");
        }
        let consent = br
            .get("/_localgram/oauth/callback?error=access_denied")
            .await;
        assert!(consent.text.contains(link), "{b}: OAuth pages too");
        // The Copied notice's live region, translated.
        let sv = br.get("/lang/sv?back=/").await;
        assert_eq!(sv.status, 303, "{b}");
        let home = br.get("/").await;
        assert!(
            home.text
                .contains("id=\"live\" class=\"visually-hidden\" role=\"status\" aria-live=\"polite\" data-copied=\"Kopierat\""),
            "{b}"
        );
    }
    // With one app, an unknown code's exchange names that app instead of a placeholder.
    let server = TestServer::spawn_with(TestOptions {
        world: Some(
            "version = 1\n[[apps]]\nid = \"990602627938555\"\nsecret = \"only-app-secret-1\"\nname = \"Only App\"\nproducts = [\"instagram_basic_display\"]\nredirect_uris = [\"https://only.example/cb\"]\n"
                .into(),
        ),
        ..Default::default()
    })
    .await;
    let page = get(
        &localgram_testkit::client(),
        &server.url("/_localgram/oauth/callback?code=AQunknown"),
    )
    .await;
    assert_eq!(page.status, 200);
    let command = element_text(&page.text, "curl").unwrap_or_default();
    assert!(
        command.contains("-F client_id=990602627938555 "),
        "{command}"
    );
    assert!(!page.text.contains("YOUR_APP_ID"), "{}", page.text);
}

/// A token of sizzle.cafe that may read comments.
const CAFE_COMMENTS: &str = r#"
[[tokens]]
value = "IGAAlocalgramCafeDashComments"
app = "990602627938098"
user = "sizzle.cafe"
kind = "instagram_long_lived"
scopes = ["instagram_business_basic", "instagram_business_manage_comments"]
issued_at = "2026-11-01T00:00:00Z"
"#;

#[tokio::test]
async fn dashboard_people_pages_media_and_a_comment_by_another_account() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = TestServer::spawn_with(TestOptions {
            backend: backend.clone(),
            world: Some(format!(
                "{}\n{CAFE_COMMENTS}",
                localgram_testkit::TEST_WORLD
            )),
            ..Default::default()
        })
        .await;
        let db = Db::open(&server).await;
        let br = server.dashboard_developer();
        let page = br.get("/people").await;
        assert_page(&page, 200, b);
        assert!(page.text.contains("id=\"nav-people\""), "{b}");

        // Instagram accounts: refusals write nothing and keep what was typed (not the password).
        let users = db.count("ig_users").await;
        for (form, message) in [
            (
                [
                    ("username", "bad name"),
                    ("password", "secret pw"),
                    ("account_type", "PERSONAL"),
                    ("name", ""),
                ],
                "Username: 1 to 30 letters",
            ),
            (
                [
                    ("username", TESTER),
                    ("password", "secret pw"),
                    ("account_type", "PERSONAL"),
                    ("name", ""),
                ],
                "Username: another account already uses it.",
            ),
            (
                [
                    ("username", "new.one"),
                    ("password", "short"),
                    ("account_type", "PERSONAL"),
                    ("name", ""),
                ],
                "Password: 6 to 128 characters.",
            ),
            (
                [
                    ("username", "new.one"),
                    ("password", "secret pw"),
                    ("account_type", "ROBOT"),
                    ("name", ""),
                ],
                "Account type: choose PERSONAL, BUSINESS or MEDIA_CREATOR.",
            ),
        ] {
            let res = br.submit("/people", "/people/instagram", &form).await;
            assert_page(&res, 400, b);
            assert!(res.text.contains(message), "{b}: {message}");
            assert!(
                res.text.contains(&format!("value=\"{}\"", form[0].1)),
                "{b}"
            );
            assert!(
                !res.text.contains("secret pw"),
                "{b}: the password is not sent back"
            );
            assert_eq!(db.count("ig_users").await, users, "{b}: {message}");
        }
        let res = br
            .submit(
                "/people",
                "/people/instagram",
                &[
                    ("username", "commenter.one"),
                    ("password", "commenter pw"),
                    ("account_type", "PERSONAL"),
                    ("name", "Commenter One"),
                ],
            )
            .await;
        assert_eq!(res.status, 303, "{b}: {}", res.text);
        assert_page_headers(&res.headers, b);
        let location = res.location().unwrap().to_owned();
        assert!(
            location.starts_with("/people?done=person_created&id=17841"),
            "{b}: {location}"
        );
        let stored = db
            .opt_string("SELECT password_hash FROM ig_users WHERE username = 'commenter.one'")
            .await
            .unwrap();
        assert!(stored.starts_with("$argon2id$"), "{b}: {stored}");
        assert!(!db.dump().await.contains("commenter pw"), "{b}");
        let made = br.get(&location).await;
        assert!(made.text.contains("Account created."), "{b}");
        assert!(made.text.contains("commenter.one"), "{b}");
        // The new account signs in with its password.
        br.browser()
            .instagram_sign_in("commenter.one", "commenter pw")
            .await;

        let res = br
            .submit(
                "/people",
                "/people/instagram",
                &[
                    ("username", "pro.shop"),
                    ("password", "pro shop pw"),
                    ("account_type", "BUSINESS"),
                    ("name", ""),
                ],
            )
            .await;
        assert_eq!(res.status, 303, "{b}");
        let pro_id = db
            .opt_string(
                "SELECT id FROM ig_users WHERE username = 'pro.shop' AND account_type = 'BUSINESS'",
            )
            .await
            .unwrap();

        // Facebook users.
        let fb_users = db.count("fb_users").await;
        for (email, message) in [
            (
                "not-an-email",
                "Email: an address such as name@example.com.",
            ),
            ("", "Email: an address such as name@example.com."),
        ] {
            let res = br
                .submit(
                    "/people",
                    "/people/facebook",
                    &[
                        ("name", "Fiona"),
                        ("email", email),
                        ("password", "fiona pw"),
                    ],
                )
                .await;
            assert_page(&res, 400, b);
            assert!(res.text.contains(message), "{b}");
            assert_eq!(db.count("fb_users").await, fb_users, "{b}");
        }
        let res = br
            .submit(
                "/people",
                "/people/facebook",
                &[
                    ("name", "Fiona Page"),
                    ("email", "Fiona@Example.com"),
                    ("password", "fiona pw"),
                ],
            )
            .await;
        assert_eq!(res.status, 303, "{b}: {}", res.text);
        assert_eq!(db.count("fb_users").await, fb_users + 1, "{b}");
        let fiona = db
            .opt_string("SELECT id FROM fb_users WHERE email = 'fiona@example.com'")
            .await
            .unwrap();
        let again = br
            .submit(
                "/people",
                "/people/facebook",
                &[
                    ("name", "Fiona Two"),
                    ("email", "fiona@example.com"),
                    ("password", "fiona pw"),
                ],
            )
            .await;
        assert_page(&again, 400, b);
        assert!(
            again
                .text
                .contains("Email: another Facebook user already uses it."),
            "{b}"
        );

        // Pages: the owner must exist, the linked account must be professional.
        let pages = db.count("pages").await;
        for (owner, instagram, message) in [
            (
                "nobody@example.com",
                "",
                "Owner: no Facebook user has this id or email.",
            ),
            (
                "fiona@example.com",
                "commenter.one",
                "only a professional (BUSINESS or MEDIA_CREATOR) account",
            ),
        ] {
            let res = br
                .submit(
                    "/people",
                    "/people/pages",
                    &[
                        ("name", "Fiona's Shop"),
                        ("owner", owner),
                        ("instagram", instagram),
                    ],
                )
                .await;
            assert_page(&res, 400, b);
            assert!(res.text.contains(message), "{b}: {message}");
            assert_eq!(db.count("pages").await, pages, "{b}");
        }
        let res = br
            .submit(
                "/people",
                "/people/pages",
                &[
                    ("name", "Fiona's Shop"),
                    ("owner", "Fiona@example.com"),
                    ("instagram", "pro.shop"),
                ],
            )
            .await;
        assert_eq!(res.status, 303, "{b}: {}", res.text);
        let page_id = res
            .location()
            .unwrap()
            .split("id=")
            .nth(1)
            .unwrap()
            .split('#')
            .next()
            .unwrap()
            .to_owned();
        assert_eq!(
            db.opt_string(&format!(
                "SELECT instagram_business_account FROM pages WHERE id = '{page_id}'"
            ))
            .await,
            Some(pro_id.clone()),
            "{b}"
        );
        assert_eq!(
            db.count(&format!(
                "page_roles WHERE page_id = '{page_id}' AND fb_user_id = '{fiona}'"
            ))
            .await,
            1,
            "{b}"
        );

        // Generated media on sizzle.cafe.
        let media = db.count("ig_media").await;
        let res = br
            .submit(
                "/people",
                "/people/media",
                &[("owner", BUSINESS), ("media_type", "GIF"), ("caption", "x")],
            )
            .await;
        assert_page(&res, 400, b);
        assert_eq!(db.count("ig_media").await, media, "{b}");
        let res = br
            .submit(
                "/people",
                "/people/media",
                &[
                    ("owner", BUSINESS),
                    ("media_type", "IMAGE"),
                    ("caption", "Fresh bread"),
                ],
            )
            .await;
        assert_eq!(res.status, 303, "{b}: {}", res.text);
        assert_eq!(db.count("ig_media").await, media + 1, "{b}");
        let media_id = db
            .opt_string(&format!("SELECT id FROM ig_media WHERE owner_id = '{BUSINESS_ID}' AND caption = 'Fresh bread'"))
            .await
            .unwrap();
        let file = br.get(&format!("/cdn/media/{media_id}.jpg")).await;
        assert_eq!(file.status, 200, "{b}");
        assert_eq!(file.header("content-type"), Some("image/jpeg"), "{b}");

        // commenter.one (signed in above) comments on sizzle.cafe's post.
        let profile = br.get("/instagram").await;
        assert!(
            profile
                .text
                .contains(&format!("<option value=\"{media_id}\">")),
            "{b}"
        );
        let count = |server: &TestServer| {
            let url = server.url(&format!(
                "/graph.instagram.com/v22.0/{media_id}?fields=comments_count&access_token=IGAAlocalgramCafeDashComments"
            ));
            async move { get(&localgram_testkit::client(), &url).await.json()["comments_count"].clone() }
        };
        assert_eq!(count(&server).await, serde_json::json!(0), "{b}");
        let comments = db.count("ig_comments").await;
        for (media, text, message) in [
            (media_id.as_str(), "   ", "Comment: 1 to 2,200 characters."),
            (
                "17999999999999999",
                "Hello",
                "Media id: no post has this id.",
            ),
        ] {
            let res = br
                .submit(
                    "/instagram",
                    "/instagram/comments",
                    &[("media", media), ("message", text)],
                )
                .await;
            assert_page(&res, 400, b);
            assert!(res.text.contains(message), "{b}: {message}");
        }
        assert_eq!(db.count("ig_comments").await, comments, "{b}");
        let res = br
            .submit(
                "/instagram",
                "/instagram/comments",
                &[("media", &media_id), ("message", "Looks delicious!")],
            )
            .await;
        assert_eq!(res.status, 303, "{b}: {}", res.text);
        assert_eq!(
            res.location(),
            Some("/instagram?done=commented#comment"),
            "{b}"
        );
        let listed = get(
            &localgram_testkit::client(),
            &server.url(&format!(
                "/graph.instagram.com/v22.0/{media_id}/comments?fields=text,username&access_token=IGAAlocalgramCafeDashComments"
            )),
        )
        .await;
        assert_eq!(listed.status, 200, "{b}: {}", listed.text);
        let data = listed.json()["data"].clone();
        assert_eq!(data.as_array().map(Vec::len), Some(1), "{b}: {data}");
        assert_eq!(data[0]["text"], "Looks delicious!", "{b}");
        assert_eq!(data[0]["username"], "commenter.one", "{b}");
        assert_eq!(count(&server).await, serde_json::json!(1), "{b}");
    }
}
