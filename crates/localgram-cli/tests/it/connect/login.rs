//! `localgram login` and `logout`: the whole flow with a scripted browser (the authorize URL the
//! CLI prints, the login and consent forms, the redirect to the CLI's loopback listener), the
//! token file and its mode, a forged state, a denial, and Facebook Login (the dialog and a refused code).

use std::time::Duration;

use localgram_testkit::{form_value, query_value};
use tokio::io::{AsyncBufReadExt as _, AsyncReadExt as _, BufReader};
use tokio::task::JoinHandle;
use url::Url;

use super::*;

/// A `localgram login` waiting for its redirect.
struct Pending {
    child: tokio::process::Child,
    /// The authorize URL it printed.
    url: Url,
    /// The redirect URI it listens on.
    redirect_uri: String,
    stderr: JoinHandle<String>,
    stdout: JoinHandle<String>,
}

/// Starts `localgram --localgram BASE login ARGS… --no-browser` and reads the authorize URL
/// from its stderr.
async fn start_login(user: &User, server: &TestServer, args: &[&str]) -> Pending {
    let mut full = vec!["--localgram", server.base.as_str(), "login"];
    full.extend_from_slice(args);
    full.extend_from_slice(&["--no-browser", "--timeout", "60"]);
    let mut child = user.command(&full).spawn().expect("cannot run localgram");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut head = Vec::new();
    while head.len() < 3 {
        let line = tokio::time::timeout(Duration::from_secs(60), lines.next_line())
            .await
            .expect("no output from localgram login")
            .unwrap()
            .unwrap_or_else(|| panic!("localgram login ended early: {head:?}"));
        head.push(line);
    }
    assert_eq!(head[0], "Open this URL in a browser to log in:", "{head:?}");
    let url = Url::parse(head[1].strip_prefix("  ").expect("an indented URL")).unwrap();
    let redirect_uri = query_value(url.as_str(), "redirect_uri").expect("no redirect_uri");
    assert_eq!(
        head[2],
        format!("Waiting for the redirect to {redirect_uri} …")
    );
    let stderr = tokio::spawn(async move {
        let mut rest = String::new();
        while let Ok(Some(line)) = lines.next_line().await {
            rest.push_str(&line);
            rest.push('\n');
        }
        rest
    });
    let mut out = child.stdout.take().unwrap();
    let stdout = tokio::spawn(async move {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s).await;
        s
    });
    Pending {
        child,
        url,
        redirect_uri,
        stderr,
        stdout,
    }
}

impl Pending {
    /// Waits for the command to end; stderr holds what followed the three first lines.
    async fn finish(mut self) -> Run {
        let status = tokio::time::timeout(Duration::from_secs(60), self.child.wait())
            .await
            .expect("localgram login did not end")
            .unwrap();
        Run {
            code: status.code().unwrap_or(-1),
            stdout: self.stdout.await.unwrap(),
            stderr: self.stderr.await.unwrap(),
        }
    }
}

/// Plays the user in the authorization window of `url`; returns the final `Location`.
async fn browse(
    browser: &reqwest::Client,
    url: &Url,
    username: &str,
    password: &str,
    decision: &str,
) -> String {
    let window = url
        .path()
        .strip_suffix("/oauth/authorize")
        .expect("an authorize URL")
        .to_owned();
    let res = browser.get(url.clone()).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let page = res.text().await.unwrap();
    let field =
        |page: &str, name| form_value(page, name).unwrap_or_else(|| panic!("no {name}: {page}"));
    let res = browser
        .post(
            url.join(&format!("{window}/oauth/authorize/login"))
                .unwrap(),
        )
        .form(&[
            ("csrf", field(&page, "csrf")),
            ("q", field(&page, "q")),
            ("username", username.to_owned()),
            ("password", password.to_owned()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303, "login");
    let back = res.headers()["location"].to_str().unwrap().to_owned();
    let page = browser
        .get(url.join(&back).unwrap())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let res = browser
        .post(url.join(&format!("{window}/oauth/authorize")).unwrap())
        .form(&[
            ("csrf", field(&page, "csrf")),
            ("q", field(&page, "q")),
            ("decision", decision.to_owned()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303, "consent");
    res.headers()["location"].to_str().unwrap().to_owned()
}

/// GETs the CLI's callback; the status and the page.
async fn callback(browser: &reqwest::Client, location: &str) -> (u16, String) {
    let res = browser.get(location).send().await.unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

#[tokio::test]
async fn login_instagram_runs_the_flow_saves_a_private_token_and_logout_forgets_it() {
    let server = server().await;
    let user = User::new();
    let login = start_login(
        &user,
        &server,
        &[
            "instagram",
            "--app-id",
            APP_ID,
            "--app-secret",
            APP_SECRET,
            "--redirect-port",
            "0",
        ],
    )
    .await;
    // The URL the SDK built: the api.instagram.com window, our loopback redirect, PKCE.
    let url = &login.url;
    assert_eq!(
        url.as_str().split('?').next(),
        Some(format!("{}/api.instagram.com/oauth/authorize", server.base).as_str())
    );
    let q = |name| query_value(url.as_str(), name);
    assert_eq!(q("client_id").as_deref(), Some(APP_ID));
    assert_eq!(q("response_type").as_deref(), Some("code"));
    assert_eq!(q("scope").as_deref(), Some("user_profile,user_media"));
    assert_eq!(q("code_challenge_method").as_deref(), Some("S256"));
    assert!(q("state").is_some_and(|s| s.len() >= 32));
    let port: u16 = login
        .redirect_uri
        .strip_prefix("http://127.0.0.1:")
        .and_then(|rest| rest.strip_suffix("/callback"))
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("redirect URI {}", login.redirect_uri));
    assert_ne!(port, 0);

    let browser = localgram_testkit::browser();
    // An idle connection (a browser's preconnect) holds nothing up, and a stray request gets
    // a 404 while the listener keeps waiting.
    let _idle = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let (status, _) = callback(&browser, &format!("http://127.0.0.1:{port}/favicon.ico")).await;
    assert_eq!(status, 404);

    let location = browse(&browser, url, TESTER, TESTER_PASSWORD, "allow").await;
    assert!(
        location.starts_with(&format!("{}?code=AQ", login.redirect_uri)),
        "{location}"
    );
    let (status, page) = callback(&browser, &location).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("You can close this window"), "{page}");
    // Styled like the emulator's pages, inline: the page loads nothing.
    assert!(
        page.contains("<style>body{font-family:system-ui,sans-serif;")
            && page.contains(
                "<main class=\"card\"><p class=\"brand\">Localgram</p><h1>logged in</h1>"
            ),
        "{page}"
    );

    let run = login.finish().await.ok();
    assert_eq!(run.stderr, "");
    let lines = run.lines();
    assert_eq!(lines.len(), 2, "{}", run.stdout);
    assert_eq!(
        lines[0],
        format!("Logged in to Instagram as {TESTER} ({TESTER_ID}).")
    );
    let saved_to = format!(
        "Token saved to {}; it expires on ",
        user.token_path().display()
    );
    assert!(lines[1].starts_with(&saved_to), "{}", lines[1]);
    assert!(lines[1].ends_with("Z (in 60 days)."), "{}", lines[1]);

    // The file: mode 0600 in a 0700 directory, the long-lived token and what goes with it.
    assert_eq!(mode(&user.token_path()), 0o600);
    assert_eq!(mode(user.token_path().parent().unwrap()), 0o700);
    let saved = user.saved();
    let token = saved["access_token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("IG"), "{token}");
    assert_eq!(saved["kind"], "instagram_long_lived");
    assert_eq!(saved["user_id"], TESTER_ID);
    assert_eq!(saved["app_id"], APP_ID);
    assert_eq!(saved["base_url"], server.base.as_str());
    assert_eq!(
        saved["expires_at"].as_u64().unwrap() - saved["issued_at"].as_u64().unwrap(),
        5_184_000
    );
    // The token is never printed by the login.
    assert!(!run.stdout.contains(&token));

    // Later commands use the saved token and its server without being told.
    let me = user.run(&["me"]).await.ok();
    assert_eq!(
        me.lines(),
        [
            format!("id            {TESTER_ID}"),
            "account_type  PERSONAL".to_owned(),
            "media_count   2".to_owned(),
            format!("username      {TESTER}"),
        ]
    );
    let inspect = user.run(&["token", "inspect"]).await.ok();
    assert!(!inspect.stdout.contains(&token), "{}", inspect.stdout);
    assert!(
        inspect
            .stdout
            .contains(&format!("source      {}", user.token_path().display())),
        "{}",
        inspect.stdout
    );

    let out = user.run(&["logout"]).await.ok();
    assert_eq!(
        out.stdout,
        format!("Logged out: removed {}.\n", user.token_path().display())
    );
    assert!(!user.token_path().exists());
    user.run(&["me"]).await.fails(
        2,
        "not logged in: run `localgram login instagram` (or `facebook`), or pass --token / set LOCALGRAM_TOKEN",
    );
    let again = user.run(&["logout"]).await.ok();
    assert_eq!(again.stdout, "Not logged in: there is no saved token.\n");
}

#[tokio::test]
async fn login_with_the_www_window_and_json_output() {
    let server = server().await;
    let user = User::new();
    let login = start_login(
        &user,
        &server,
        &[
            "instagram",
            "--window",
            "www",
            "--scope",
            "instagram_business_basic",
            "--app-id",
            APP_ID,
            "--app-secret",
            APP_SECRET,
            // A global option after the subcommand.
            "--json",
        ],
    )
    .await;
    assert!(
        login
            .url
            .path()
            .ends_with("/www.instagram.com/oauth/authorize")
    );
    let browser = localgram_testkit::browser();
    let location = browse(&browser, &login.url, BUSINESS, BUSINESS_PASSWORD, "allow").await;
    assert_eq!(callback(&browser, &location).await.0, 200);
    let run = login.finish().await.ok();
    let out = &run.json_lines()[0];
    assert_eq!(out["platform"], "instagram");
    assert_eq!(out["username"], BUSINESS);
    assert_eq!(out["user_id"], BUSINESS_ID);
    assert_eq!(out["kind"], "instagram_long_lived");
    assert_eq!(out["token_file"], user.token_path().display().to_string());
    assert!(out["expires_at"].as_str().is_some_and(|t| t.ends_with('Z')));
    assert_eq!(user.saved()["user_id"], BUSINESS_ID);
    let me = user.run(&["me", "--json"]).await.ok();
    assert_eq!(me.json_lines()[0]["username"], BUSINESS);
}

#[tokio::test]
async fn a_redirect_with_a_forged_state_is_refused_and_nothing_is_saved() {
    let server = server().await;
    let user = User::new();
    let login = start_login(
        &user,
        &server,
        &["instagram", "--app-id", APP_ID, "--app-secret", APP_SECRET],
    )
    .await;
    let browser = localgram_testkit::browser();
    let location = browse(&browser, &login.url, TESTER, TESTER_PASSWORD, "allow").await;
    let state = query_value(&location, "state").unwrap();
    let forged = location.replace(&state, "forged-state");
    let (status, page) = callback(&browser, &forged).await;
    assert_eq!(status, 400);
    assert!(page.contains("state does not match"), "{page}");
    login.finish().await.fails(
        3,
        "the redirect's state does not match the authorization request",
    );
    assert!(!user.token_path().exists());
}

#[tokio::test]
async fn a_denial_in_the_browser_is_reported() {
    let server = server().await;
    let user = User::new();
    let login = start_login(
        &user,
        &server,
        &["instagram", "--app-id", APP_ID, "--app-secret", APP_SECRET],
    )
    .await;
    let browser = localgram_testkit::browser();
    let location = browse(&browser, &login.url, TESTER, TESTER_PASSWORD, "cancel").await;
    let (status, _) = callback(&browser, &location).await;
    assert_eq!(status, 400);
    login.finish().await.fails(
        3,
        "authorization failed: access_denied (The user denied your request)",
    );
    assert!(!user.token_path().exists());
}

#[tokio::test]
async fn a_wrong_app_secret_fails_the_exchange_with_the_oauth_error() {
    let server = server().await;
    let user = User::new();
    let login = start_login(
        &user,
        &server,
        &[
            "instagram",
            "--app-id",
            APP_ID,
            "--app-secret",
            "not-the-secret",
        ],
    )
    .await;
    let browser = localgram_testkit::browser();
    let location = browse(&browser, &login.url, TESTER, TESTER_PASSWORD, "allow").await;
    let (status, page) = callback(&browser, &location).await;
    assert_eq!(status, 400, "{page}");
    let run = login.finish().await;
    assert_eq!(run.code, 3, "{run:?}");
    assert!(
        run.stderr.starts_with("error: ") && run.stderr.ends_with("[OAuthException, code 400]\n"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("not-the-secret"));
    assert!(!user.token_path().exists());
}

#[tokio::test]
async fn login_facebook_opens_the_dialog_and_reports_a_refused_code() {
    // The dialog answers with its login page; a forged code is refused by the token endpoint in
    // the Graph envelope, and nothing is saved.
    let server = server().await;
    let user = User::new();
    let login = start_login(
        &user,
        &server,
        &["facebook", "--app-id", APP_ID, "--app-secret", APP_SECRET],
    )
    .await;
    assert_eq!(
        login.url.as_str().split('?').next(),
        Some(format!("{}/www.facebook.com/v21.0/dialog/oauth", server.base).as_str())
    );
    assert_eq!(
        query_value(login.url.as_str(), "scope").as_deref(),
        Some("public_profile,pages_show_list,pages_manage_metadata")
    );
    let browser = localgram_testkit::browser();
    let res = browser.get(login.url.clone()).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("name=\"email\""));
    let state = query_value(login.url.as_str(), "state").unwrap();
    let redirect = format!(
        "{}?code=AQfakeFacebookCode&state={state}#_=_",
        login.redirect_uri
    );
    let (status, _) = callback(&browser, &redirect).await;
    assert_eq!(status, 400);
    login
        .finish()
        .await
        .fails(3, "Invalid verification code format. [code 100]");
    assert!(!user.token_path().exists());
}

#[tokio::test]
async fn login_facebook_saves_its_own_connection_beside_the_instagram_one() {
    let registered = "redirect_uris = [\"https://fb.example/cb\"]";
    let world = localgram_testkit::facebook_world();
    assert!(world.contains(registered));
    let server = TestServer::spawn_with(TestOptions {
        world: Some(world.replace(
            registered,
            "redirect_uris = [\"https://fb.example/cb\", \"http://127.0.0.1/callback\"]",
        )),
        ..Default::default()
    })
    .await;
    let user = User::new();
    // An Instagram login saved before.
    let instagram = serde_json::json!({
        "access_token": LONG_LIVED_TOKEN, "kind": "instagram_long_lived", "base_url": server.base
    })
    .to_string();
    std::fs::create_dir_all(user.token_path().parent().unwrap()).unwrap();
    std::fs::write(user.token_path(), &instagram).unwrap();

    use localgram_testkit::world::fb;
    let login = start_login(
        &user,
        &server,
        &[
            "facebook",
            "--app-id",
            fb::APP_ID,
            "--app-secret",
            fb::APP_SECRET,
        ],
    )
    .await;
    // The dialog: log in as the test user, then Continue with the asked permissions and a Page.
    let browser = localgram_testkit::browser();
    let page = browser.get(login.url.clone()).send().await.unwrap();
    let page = page.text().await.unwrap();
    let field = |page: &str, name| form_value(page, name).unwrap_or_else(|| panic!("no {name}"));
    let res = browser
        .post(
            login
                .url
                .join("/www.facebook.com/dialog/oauth/login")
                .unwrap(),
        )
        .form(&[
            ("csrf", field(&page, "csrf")),
            ("q", field(&page, "q")),
            ("email", fb::EMAIL.to_owned()),
            ("password", fb::PASSWORD.to_owned()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303, "dialog login");
    let consent = browser.get(login.url.clone()).send().await.unwrap();
    let consent = consent.text().await.unwrap();
    assert!(consent.contains("id=\"allow\""), "{consent}");
    let res = browser
        .post(login.url.join("/www.facebook.com/dialog/oauth").unwrap())
        .form(&[
            ("csrf", field(&consent, "csrf")),
            ("q", field(&consent, "q")),
            ("decision", "allow".to_owned()),
            ("perm", "pages_show_list".to_owned()),
            ("perm", "pages_manage_metadata".to_owned()),
            ("page", fb::CAFE_PAGE.to_owned()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303, "consent");
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(callback(&browser, &location).await.0, 200);
    let run = login.finish().await.ok();
    assert_eq!(
        run.lines()[1],
        format!(
            "Token saved to {}; it expires on {}",
            user.connection_path("facebook").display(),
            run.lines()[1].split("; it expires on ").nth(1).unwrap()
        )
    );

    // Both logins are kept, and each command takes the one it needs.
    assert_eq!(
        std::fs::read_to_string(user.token_path()).unwrap(),
        instagram
    );
    let facebook = user.saved_as("facebook");
    assert_eq!(facebook["kind"], "facebook_long_lived");
    assert_eq!(facebook["user_id"], fb::USER_ID);
    let pages = user.run(&["pages", "list", "--json"]).await.ok();
    assert_eq!(pages.json_lines()[0]["id"], fb::CAFE_PAGE);
    let me = user.run(&["me", "--json"]).await.ok();
    assert_eq!(me.json_lines()[0]["username"], TESTER);
}
