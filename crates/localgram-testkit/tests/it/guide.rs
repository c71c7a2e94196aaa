//! The App Dashboard's guide steps over HTTP (`docs/dashboard.md#guide`): Create App with its
//! type and contact e-mail, Add Platform → Website → Site URL, Products → Set Up, Instagram Basic
//! Display's "Create New App" (an Instagram App ID and Secret of their own, accepted by the
//! authorize window, the code exchange and the long-lived exchange), Client OAuth Settings, and
//! the signed Deauthorize and Data deletion callbacks when the person removes the app.

use crate::support::*;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use localgram_testkit::world::*;
use localgram_testkit::{Backend, TestServer, browser, form_value};
use reqwest::Client;
use sha2::Sha256;
use std::sync::{Arc, Mutex};
use std::time::Duration;

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

/// A dashboard page refusing a form (400) with exactly this message.
fn assert_form_error(reply: &Reply, message: &str, ctx: &str) {
    assert_page(reply, 400, ctx);
    assert_eq!(
        element_text(&reply.text, "form-error").as_deref(),
        Some(message),
        "{ctx}: {}",
        reply.text
    );
}

fn secret_on(page: &Reply) -> Option<String> {
    page.text
        .split("data-secret=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .map(str::to_owned)
}

#[tokio::test]
async fn guide_create_app_with_type_and_contact_email_then_site_url_and_set_up() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn(&backend).await;
        let db = Db::open(&server).await;
        let br = browser();

        let home = get(&br, &server.url("/")).await;
        assert!(
            home.text.contains(
                r#"<a class="button" href="/apps/new" id="create-app-link">Create App</a>"#
            ),
            "{b}"
        );
        let types = get(&br, &server.url("/apps/new")).await;
        assert_page(&types, 200, b);
        assert!(types.text.contains(r#"<input type="radio" name="type" value="other" id="type-other" required> <strong>Other</strong>"#), "{b}");
        let refused = get(&br, &server.url("/apps/new?type=gaming")).await;
        assert_form_error(&refused, "Choose an app type: Other.", b);

        let apps = db.count("apps").await;
        let res = submit(
            &server,
            &br,
            "/apps/new?type=other",
            "/apps/new",
            &[
                ("type", "other"),
                ("name", "Guide App"),
                ("contact_email", "not-an-address"),
            ],
        )
        .await;
        assert_form_error(&res, "The app contact email is not an email address.", b);
        assert!(
            res.text.contains(r#"value="not-an-address""#),
            "{b}: typed text kept"
        );
        assert!(res.text.contains(r#"value="Guide App""#), "{b}");
        assert_eq!(db.count("apps").await, apps, "{b}: nothing written");
        let res = submit(
            &server,
            &br,
            "/apps/new?type=other",
            "/apps/new",
            &[
                ("type", "business"),
                ("name", "Guide App"),
                ("contact_email", "dev@guide.example"),
            ],
        )
        .await;
        assert_form_error(&res, "Choose an app type: Other.", b);
        assert_eq!(db.count("apps").await, apps, "{b}");

        let res = submit(
            &server,
            &br,
            "/apps/new?type=other",
            "/apps/new",
            &[
                ("type", "other"),
                ("name", "Guide App"),
                ("contact_email", " dev@guide.example "),
            ],
        )
        .await;
        assert_eq!(res.status, 303, "{b}: {}", res.text);
        let location = res.location().unwrap().to_owned();
        let id = location
            .strip_prefix("/apps/")
            .and_then(|r| r.strip_suffix("?done=created"))
            .expect("the new app's page")
            .to_owned();
        assert_eq!(
            db.opt_string(&format!("SELECT contact_email FROM apps WHERE id = '{id}'"))
                .await
                .as_deref(),
            Some("dev@guide.example"),
            "{b}"
        );
        let page = get(&br, &server.url(&location)).await;
        assert!(
            secret_on(&page).is_some(),
            "{b}: the app secret is shown once"
        );
        assert!(
            page.text
                .contains(r#"<dd id="app-contact-email">dev@guide.example</dd>"#),
            "{b}"
        );
        assert!(page.text.contains(r#"id="nav-basic">Basic</a>"#), "{b}");

        // Settings → Basic → Add Platform → Website → Site URL.
        let app = format!("/apps/{id}");
        let platform = format!("{app}/platform");
        let res = submit(
            &server,
            &br,
            &app,
            &platform,
            &[("platform", "website"), ("site_url", "guide.example")],
        )
        .await;
        assert_form_error(
            &res,
            "Type an absolute http:// or https:// URL, without spaces or a #fragment.",
            b,
        );
        assert!(
            res.text
                .contains(r#"id="site-url-input" value="guide.example""#),
            "{b}"
        );
        assert!(
            res.text.contains(r#"<details id="add-platform" open>"#),
            "{b}"
        );
        let res = submit(
            &server,
            &br,
            &app,
            &platform,
            &[("platform", "ios"), ("site_url", "https://guide.example/")],
        )
        .await;
        assert_form_error(&res, "Choose a platform: Website.", b);
        assert_eq!(
            db.opt_string(&format!("SELECT site_url FROM apps WHERE id = '{id}'"))
                .await,
            None,
            "{b}: nothing written"
        );
        let res = submit(
            &server,
            &br,
            &app,
            &platform,
            &[
                ("platform", "website"),
                ("site_url", "https://guide.example/"),
            ],
        )
        .await;
        assert_eq!(res.status, 303, "{b}: {}", res.text);
        assert_eq!(
            db.opt_string(&format!("SELECT site_url FROM apps WHERE id = '{id}'"))
                .await
                .as_deref(),
            Some("https://guide.example/"),
            "{b}"
        );
        let page = get(&br, &server.url(&app)).await;
        assert!(
            page.text
                .contains(r#"<code id="site-url">https://guide.example/</code>"#),
            "{b}"
        );

        // Products → Instagram Basic Display → Set Up: its page, with Create New App.
        let res = submit(
            &server,
            &br,
            &app,
            &format!("{app}/products/setup"),
            &[("product", "whatsapp")],
        )
        .await;
        assert_page(&res, 400, b);
        let res = submit(
            &server,
            &br,
            &app,
            &format!("{app}/products/setup"),
            &[("product", "instagram_basic_display")],
        )
        .await;
        assert_eq!(res.status, 303, "{b}");
        assert_eq!(
            res.location(),
            Some(format!("{app}/instagram-basic-display").as_str()),
            "{b}"
        );
        let page = get(&br, &server.url(res.location().unwrap())).await;
        assert_page(&page, 200, b);
        assert!(
            page.text
                .contains(r#"id="create-new-app">Create New App</a>"#),
            "{b}"
        );

        // The Chinese and Korean names of the steps.
        for (lang, texts) in [
            (
                "zh",
                [
                    "创建应用编号",
                    "应用联系邮箱",
                    "添加平台",
                    "网站网址",
                    "保存更改",
                ],
            ),
            (
                "ko",
                [
                    "앱 ID 만들기",
                    "앱 연락처 이메일",
                    "플랫폼 추가",
                    "사이트 URL",
                    "변경 내용 저장",
                ],
            ),
        ] {
            let zh = get(&br, &server.url(&format!("/lang/{lang}?back=/"))).await;
            assert_eq!(zh.status, 303, "{b}");
            let new = get(&br, &server.url("/apps/new?type=other")).await;
            let page = get(&br, &server.url(&app)).await;
            for t in texts {
                assert!(
                    new.text.contains(t) || page.text.contains(t),
                    "{b}: {lang} {t}"
                );
            }
        }
    }
}

#[tokio::test]
async fn guide_instagram_app_id_and_secret_authorize_exchange_and_refresh() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn(&backend).await;
        let db = Db::open(&server).await;
        let dev = browser();
        let page_path = format!("/apps/{APP_ID}/instagram-basic-display");
        let new_path = format!("{page_path}/new");

        let res = submit(&server, &dev, &new_path, &new_path, &[("name", "  ")]).await;
        assert_form_error(&res, "Type a name for the app.", b);
        let res = submit(
            &server,
            &dev,
            &new_path,
            &new_path,
            &[("name", "Sizzle IG")],
        )
        .await;
        assert_eq!(res.status, 303, "{b}: {}", res.text);
        assert_eq!(
            res.location(),
            Some(format!("{page_path}?done=created").as_str()),
            "{b}"
        );
        let page = get(&dev, &server.url(res.location().unwrap())).await;
        let ig_id = element_text(&page.text, "instagram-app-id").expect("the Instagram App ID");
        let ig_secret = secret_on(&page).expect("the Instagram App Secret, once");
        assert_eq!(ig_id.len(), 16, "{b}");
        assert_ne!(ig_id, APP_ID, "{b}");
        assert_eq!(ig_secret.len(), 32, "{b}");
        assert_eq!(
            db.opt_string(&format!(
                "SELECT instagram_secret_hash FROM apps WHERE id = '{APP_ID}'"
            ))
            .await,
            Some(hash(&ig_secret)),
            "{b}: stored hashed"
        );
        assert!(
            !db.dump().await.contains(&ig_secret),
            "{b}: sealed, never in clear"
        );
        let again = get(&dev, &server.url(&page_path)).await;
        assert!(!again.text.contains(&ig_secret), "{b}: shown once");
        // One Instagram app per app.
        let res = post_form(
            &dev,
            &server.url(&new_path),
            &[("csrf", &csrf(&again)), ("name", "Second")],
        )
        .await;
        assert_form_error(&res, "This app already has its Instagram app.", b);

        // Client OAuth Settings: a bad line refuses the whole form.
        let oauth = format!("{page_path}/oauth");
        let uris = format!("{REDIRECT_URI}\nhttps://guide.example/cb\n");
        let res = submit(
            &server,
            &dev,
            &page_path,
            &oauth,
            &[
                ("redirect_uris", "https://ok.example/\nnot a url"),
                ("deauthorize_callback_url", ""),
                ("data_deletion_url", ""),
            ],
        )
        .await;
        assert_page(&res, 400, b);
        assert!(
            res.text.contains("not a url</textarea>"),
            "{b}: typed text kept"
        );
        let res = submit(
            &server,
            &dev,
            &page_path,
            &oauth,
            &[
                ("redirect_uris", &uris),
                ("deauthorize_callback_url", "https://guide.example/deauth"),
                ("data_deletion_url", "https://guide.example/delete"),
            ],
        )
        .await;
        assert_eq!(res.status, 303, "{b}: {}", res.text);
        let saved = db
            .opt_string(&format!(
                "SELECT CAST(redirect_uris AS TEXT) FROM apps WHERE id = '{APP_ID}'"
            ))
            .await
            .unwrap();
        let saved: Vec<String> = serde_json::from_str(&saved).unwrap();
        assert_eq!(saved, [REDIRECT_URI, "https://guide.example/cb"], "{b}");
        assert_eq!(
            db.opt_string(&format!(
                "SELECT data_deletion_url FROM apps WHERE id = '{APP_ID}'"
            ))
            .await
            .as_deref(),
            Some("https://guide.example/delete"),
            "{b}"
        );

        // The authorize window takes the Instagram App ID; the exchange its secret, not the
        // app secret.
        let params = AuthParams::basic_display().set("client_id", &ig_id);
        let code = server
            .anonymous()
            .authorize_as(API, &params, TESTER, TESTER_PASSWORD)
            .await;
        let form = |secret: &str| {
            vec![
                ("client_id".to_owned(), ig_id.clone()),
                ("client_secret".to_owned(), secret.to_owned()),
                ("grant_type".to_owned(), "authorization_code".to_owned()),
                ("redirect_uri".to_owned(), REDIRECT_URI.to_owned()),
                ("code".to_owned(), code.clone()),
            ]
        };
        let pairs = |v: &Vec<(String, String)>| -> Vec<(String, String)> { v.clone() };
        let wrong = pairs(&form(APP_SECRET));
        let wrong: Vec<(&str, &str)> = wrong
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_ig_error(
            &server.anonymous().exchange(&wrong).await,
            "Error validating client secret",
            b,
        );
        let right = form(&ig_secret);
        let right: Vec<(&str, &str)> = right
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let res = server.anonymous().exchange(&right).await;
        assert_eq!(res.status, 200, "{b}: {}", res.text);
        let short = access_token_of(&res, b);
        assert_me_ok(&server, &short, b).await;
        assert_eq!(
            db.count(&format!(
                "tokens WHERE token_hash = '{}' AND app_id = '{APP_ID}'",
                hash(&short)
            ))
            .await,
            1,
            "{b}: the token belongs to the app"
        );
        // The long-lived exchange takes the Instagram App Secret too.
        let res = server
            .instagram_user_with_token(&short)
            .exchange_long_lived(&ig_secret)
            .await;
        assert_eq!(res.status, 200, "{b}: {}", res.text);
        // An unknown id is still an invalid platform app.
        let params = AuthParams::basic_display().set("client_id", "1234567890123456");
        let res = server.anonymous().authorize(API, &params).await;
        assert_eq!(res.status, 400, "{b}");
        assert!(
            res.text.contains("Invalid platform app"),
            "{b}: {}",
            res.text
        );

        // Reset: the old Instagram secret stops working.
        let res = submit(
            &server,
            &dev,
            &page_path,
            &format!("{page_path}/secret/reset"),
            &[],
        )
        .await;
        assert_eq!(res.status, 303, "{b}");
        let page = get(&dev, &server.url(res.location().unwrap())).await;
        let new_secret = secret_on(&page).expect("the new Instagram App Secret");
        assert_ne!(new_secret, ig_secret, "{b}");
        assert_eq!(
            db.opt_string(&format!(
                "SELECT instagram_secret_hash FROM apps WHERE id = '{APP_ID}'"
            ))
            .await,
            Some(hash(&new_secret)),
            "{b}"
        );
    }
}

/// What the callback receiver got: path and body.
type Received = Arc<Mutex<Vec<(String, String)>>>;

async fn receiver() -> (String, Received, tokio::task::JoinHandle<()>) {
    let got: Received = Arc::default();
    let record = |got: Received, answer: &'static str| {
        move |uri: axum::http::Uri, body: String| {
            let got = got.clone();
            async move {
                got.lock().unwrap().push((uri.path().to_owned(), body));
                ([("content-type", "application/json")], answer)
            }
        }
    };
    let app = axum::Router::new()
        .route("/deauth", axum::routing::post(record(got.clone(), "{}")))
        .route(
            "/delete",
            axum::routing::post(record(
                got.clone(),
                r#"{"url":"https://guide.example/deletion?id=abc","confirmation_code":"abc"}"#,
            )),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    (base, got, task)
}

/// Checks a `signed_request` form body against `secret`; returns its payload.
fn verify(body: &str, secret: &str) -> serde_json::Value {
    let signed = url::form_urlencoded::parse(body.as_bytes())
        .find(|(k, _)| k == "signed_request")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| panic!("no signed_request in {body}"));
    let (sig, payload) = signed.split_once('.').unwrap();
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(payload.as_bytes());
    mac.verify_slice(&URL_SAFE_NO_PAD.decode(sig).unwrap())
        .expect("the signature is HMAC-SHA256 of the payload with the Instagram App Secret");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

#[tokio::test]
async fn guide_removing_the_app_calls_its_signed_deauthorize_and_data_deletion_callbacks() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn(&backend).await;
        let (base, got, task) = receiver().await;
        let dev = browser();
        let page_path = format!("/apps/{APP_ID}/instagram-basic-display");
        let new_path = format!("{page_path}/new");
        let res = submit(
            &server,
            &dev,
            &new_path,
            &new_path,
            &[("name", "Sizzle IG")],
        )
        .await;
        let page = get(&dev, &server.url(res.location().unwrap())).await;
        let ig_id = element_text(&page.text, "instagram-app-id").unwrap();
        let ig_secret = secret_on(&page).unwrap();
        let deauth = format!("{base}/deauth");
        let delete = format!("{base}/delete");
        let res = submit(
            &server,
            &dev,
            &page_path,
            &format!("{page_path}/oauth"),
            &[
                ("redirect_uris", REDIRECT_URI),
                ("deauthorize_callback_url", &deauth),
                ("data_deletion_url", &delete),
            ],
        )
        .await;
        assert_eq!(res.status, 303, "{b}: {}", res.text);

        // The tester authorizes the app, then removes it under Apps and Websites.
        let ig = server.anonymous();
        let params = AuthParams::basic_display().set("client_id", &ig_id);
        ig.authorize_as(API, &params, TESTER, TESTER_PASSWORD).await;
        let res = submit(
            &server,
            ig.http(),
            "/instagram/apps",
            &format!("/instagram/apps/{APP_ID}/remove"),
            &[],
        )
        .await;
        assert_eq!(res.status, 303, "{b}: {}", res.text);
        let mut waited = 0;
        while got.lock().unwrap().len() < 2 && waited < 100 {
            tokio::time::sleep(Duration::from_millis(50)).await;
            waited += 1;
        }
        let calls = got.lock().unwrap().clone();
        assert_eq!(
            calls.iter().map(|(p, _)| p.as_str()).collect::<Vec<_>>(),
            ["/deauth", "/delete"],
            "{b}"
        );
        for (_, body) in &calls {
            let payload = verify(body, &ig_secret);
            assert_eq!(payload["algorithm"], "HMAC-SHA256", "{b}");
            assert_eq!(payload["user_id"], TESTER_ID, "{b}");
            assert_eq!(
                payload["issued_at"],
                NOW_MS / 1000,
                "{b}: the emulator clock"
            );
        }
        // The journal lists both outgoing calls.
        let mut journal = serde_json::Value::Null;
        for _ in 0..50 {
            journal = get(
                &localgram_testkit::client(),
                &server.url("/_localgram/calls"),
            )
            .await
            .json();
            let n = journal["data"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|c| c["path"] == "/delete" || c["path"] == "/deauth")
                .count();
            if n == 2 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let delete_call = journal["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["path"] == "/delete")
            .unwrap_or_else(|| panic!("{b}: no outgoing call in {journal}"));
        assert_eq!(delete_call["method"], "POST", "{b}");
        assert_eq!(delete_call["status"], 200, "{b}");
        assert_eq!(delete_call["app"], APP_ID, "{b}");

        // Removing again (nothing authorized any more) calls nothing.
        let res = submit(
            &server,
            ig.http(),
            "/instagram/apps",
            &format!("/instagram/apps/{APP_ID}/remove"),
            &[],
        )
        .await;
        assert_eq!(res.status, 303, "{b}");
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(got.lock().unwrap().len(), 2, "{b}");
        task.abort();
    }
}

#[tokio::test]
async fn guide_world_files_declare_the_instagram_app_and_export_it_back() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn(&backend).await;
        let db = Db::open(&server).await;
        let url = server.url("/_localgram/world");
        let load = |world: serde_json::Value| {
            let url = url.clone();
            async move {
                Reply::read(
                    localgram_testkit::client()
                        .post(&url)
                        .json(&world)
                        .send()
                        .await
                        .unwrap(),
                )
                .await
            }
        };
        let app = |extra: serde_json::Value| {
            let mut a = serde_json::json!({
                "id": "555000000000010", "secret": "world-app-secret", "name": "World App",
                "products": ["instagram_basic_display"], "redirect_uris": ["https://w.example/cb"],
                "instagram_testers": [TESTER]
            });
            a.as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            serde_json::json!({"version": 1, "apps": [a]})
        };
        for (extra, message) in [
            (
                serde_json::json!({"instagram_app_id": "555000000000011"}),
                "world file: apps[0] (id \"555000000000010\"): field `instagram_app_secret`: is required with instagram_app_id",
            ),
            (
                serde_json::json!({"instagram_app_id": "555000000000010", "instagram_app_secret": "world-ig-secret"}),
                "world file: apps[0] (id \"555000000000010\"): field `instagram_app_id`: is an app id",
            ),
            (
                serde_json::json!({"instagram_app_id": "555000000000011", "instagram_app_secret": "short"}),
                "world file: apps[0] (id \"555000000000010\"): field `instagram_app_secret`: must be at least 8 characters",
            ),
        ] {
            let res = load(app(extra)).await;
            assert_eq!(res.status, 400, "{b}: {}", res.text);
            assert_eq!(res.json(), serde_json::json!({"error": message}), "{b}");
            assert_eq!(
                db.count("apps WHERE id = '555000000000010'").await,
                0,
                "{b}"
            );
        }
        let res = load(app(serde_json::json!({
            "instagram_app_id": "555000000000011", "instagram_app_secret": "world-ig-secret",
            "site_url": "https://w.example/", "contact_email": "dev@w.example"
        })))
        .await;
        assert_eq!(res.status, 200, "{b}: {}", res.text);
        assert!(
            !db.dump().await.contains("world-ig-secret"),
            "{b}: not in clear"
        );

        // The declared id and secret work in the code exchange.
        let code = server
            .mint_codes("555000000000010", TESTER, &[], "https://w.example/cb", 1)
            .await;
        let res = server
            .anonymous()
            .exchange(&[
                ("client_id", "555000000000011"),
                ("client_secret", "world-ig-secret"),
                ("grant_type", "authorization_code"),
                ("redirect_uri", "https://w.example/cb"),
                ("code", &code[0]),
            ])
            .await;
        assert_eq!(res.status, 200, "{b}: {}", res.text);

        // Written back out: the same keys, the secret opened from its seal.
        let exported = get(&localgram_testkit::client(), &url).await;
        assert_eq!(exported.status, 200, "{b}: {}", exported.text);
        let world = exported.json();
        let app = world["apps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["id"] == "555000000000010")
            .unwrap_or_else(|| panic!("{b}: {world}"));
        assert_eq!(app["instagram_app_id"], "555000000000011", "{b}");
        assert_eq!(app["instagram_app_secret"], "world-ig-secret", "{b}");
        assert_eq!(app["instagram_app_name"], "World App", "{b}");
        assert_eq!(app["site_url"], "https://w.example/", "{b}");
        assert_eq!(app["contact_email"], "dev@w.example", "{b}");
    }
}
