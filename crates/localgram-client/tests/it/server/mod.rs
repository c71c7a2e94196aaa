//! The SDK against a real Localgram server (the testkit's `TestServer` on port 0, SQLite): the
//! OAuth builders and redirect parser through the real authorization window, the token calls,
//! the reads and streams, and the classification of the errors the server really sends.
//!
//! The "browser" is a reqwest client with a cookie store that does not follow redirects; it
//! fills the login and consent forms the way a user would.

mod errors;
mod faults;
mod oauth;
mod publishing;
mod reads;

use localgram_client::{AppSecret, Client, ClientBuilder, RetryPolicy};
use localgram_testkit::world::{APP_ID, APP_SECRET};
use localgram_testkit::{TestOptions, TestServer, form_value};
use url::Url;

/// A loopback redirect URI matching the test world's registered `http://127.0.0.1/cb` (RFC 8252:
/// any port).
pub const LOOPBACK_REDIRECT: &str = "http://127.0.0.1:43117/cb";

/// A builder pointed at `server` with the test app's credentials; retries off so that every
/// error surfaces as sent.
pub fn builder(server: &TestServer) -> ClientBuilder {
    Client::builder()
        .localgram(&server.base)
        .ignore_env()
        .app_id(APP_ID)
        .app_secret(AppSecret::new(APP_SECRET))
        .retry(RetryPolicy::never())
}

/// A builder with the credentials of [`big_world`]'s app: the client sends `appsecret_proof`
/// with every call, which the server checks against the token's app.
pub fn big_builder(server: &TestServer) -> ClientBuilder {
    builder(server)
        .app_id("500")
        .app_secret(AppSecret::new("big-app-secret"))
}

/// [`builder`], built.
pub fn client(server: &TestServer) -> Client {
    builder(server).build().expect("cannot build the client")
}

/// What the user does in the authorization window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    Cancel,
}

/// Plays the user: opens `authorize_url`, logs in as `username` when the login page shows,
/// follows the 303 back to the window, clicks Allow or Cancel on the consent page, and returns
/// the `Location` of the final 303 (the redirect to the app).
pub async fn authorize_in_browser(
    authorize_url: &Url,
    username: &str,
    password: &str,
    decision: Decision,
) -> String {
    let browser = localgram_testkit::browser();
    // `/api.instagram.com/oauth/authorize` → `/api.instagram.com`.
    let window = authorize_url
        .path()
        .strip_suffix("/oauth/authorize")
        .unwrap_or_else(|| panic!("not an authorize URL: {authorize_url}"))
        .to_owned();
    let at = |path: &str| authorize_url.join(path).expect("a URL on the server");

    let res = browser.get(authorize_url.clone()).send().await.unwrap();
    assert_eq!(res.status(), 200, "authorize page");
    let mut page = res.text().await.unwrap();
    if page.contains("name=\"password\"") {
        let form = [
            (
                "csrf",
                form_value(&page, "csrf").expect("no csrf on the login page"),
            ),
            ("q", form_value(&page, "q").expect("no q on the login page")),
            ("username", username.to_owned()),
            ("password", password.to_owned()),
        ];
        let res = browser
            .post(at(&format!("{window}/oauth/authorize/login")))
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303, "login: {}", res.text().await.unwrap());
        let back = res.headers()["location"].to_str().unwrap().to_owned();
        let res = browser.get(at(&back)).send().await.unwrap();
        assert_eq!(res.status(), 200, "authorize page after login");
        page = res.text().await.unwrap();
    }
    assert!(
        page.contains("name=\"decision\""),
        "not a consent page: {page}"
    );
    let form = [
        (
            "csrf",
            form_value(&page, "csrf").expect("no csrf on the consent page"),
        ),
        (
            "q",
            form_value(&page, "q").expect("no q on the consent page"),
        ),
        (
            "decision",
            match decision {
                Decision::Allow => "allow",
                Decision::Cancel => "cancel",
            }
            .to_owned(),
        ),
    ];
    let res = browser
        .post(at(&format!("{window}/oauth/authorize")))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303, "consent: {}", res.text().await.unwrap());
    res.headers()["location"].to_str().unwrap().to_owned()
}

/// The token of the one account of [`big_world`], scopes `user_profile,user_media`.
pub const BIG_TOKEN: &str = "IGQVJbigAccountToken0001";

/// A world with one account of `n` IMAGE media, one per hour back from 2026-01-01 (ids
/// `1000000`, `1000001`, … newest first, captions `n0`, `n1`, …), a long-lived token for it, and
/// `limits` added to its app (an `[apps.rate_limits]` table, or nothing).
pub fn big_world(n: usize, limits: &str) -> String {
    let mut w = format!(
        "version = 1\n[[apps]]\nid = \"500\"\nsecret = \"big-app-secret\"\nname = \"Big\"\n\
         mode = \"live\"\nproducts = [\"instagram_basic_display\"]\n\
         redirect_uris = [\"https://big.example/cb\"]\n{limits}\n\
         [[instagram_users]]\nid = \"600\"\nusername = \"big.account\"\npassword = \"big password\"\n"
    );
    let start = 1_767_225_600i64; // 2026-01-01T00:00:00Z
    for i in 0..n {
        let ts = graph_timestamp(start - 3600 * i as i64);
        w.push_str(&format!(
            "  [[instagram_users.media]]\n  id = \"{}\"\n  media_type = \"IMAGE\"\n  \
             caption = \"n{i}\"\n  timestamp = \"{ts}\"\n",
            1_000_000 + i
        ));
    }
    w.push_str(&format!(
        "[[tokens]]\nvalue = \"{BIG_TOKEN}\"\napp = \"500\"\nuser = \"big.account\"\n\
         kind = \"instagram_long_lived\"\nscopes = [\"user_profile\", \"user_media\"]\n\
         issued_at = \"2026-11-19T00:00:00Z\"\n"
    ));
    w
}

/// A server over [`big_world`].
pub async fn big_server(n: usize, limits: &str) -> TestServer {
    TestServer::spawn_with(TestOptions {
        world: Some(big_world(n, limits)),
        ..Default::default()
    })
    .await
}

/// Unix seconds as Graph writes times: `2026-01-01T00:00:00+0000`.
pub fn graph_timestamp(unix: i64) -> String {
    let (days, secs) = (unix.div_euclid(86_400), unix.rem_euclid(86_400));
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}+0000",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

#[test]
fn graph_timestamps_are_civil_utc() {
    assert_eq!(graph_timestamp(0), "1970-01-01T00:00:00+0000");
    assert_eq!(graph_timestamp(1_767_225_600), "2026-01-01T00:00:00+0000");
    assert_eq!(
        graph_timestamp(1_767_225_600 - 3600),
        "2025-12-31T23:00:00+0000"
    );
    assert_eq!(graph_timestamp(951_782_400), "2000-02-29T00:00:00+0000");
}
