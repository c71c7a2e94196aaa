//! Browser tests: the real server on port 0 and `node e2e/dashboard.mjs`, which drives Debian's
//! Chromium headless with `playwright-core` through the App Dashboard's seed path (create an app
//! → redirect URI → Instagram tester → accept the invitation → Generate Token → the token reads
//! `/me/media`), a full authorize-code round trip and a denied consent. Screenshots of the media
//! grid and of the token page are saved under `target/e2e-artifacts/` (or
//! `$CARGO_TARGET_DIR/e2e-artifacts/`). `node e2e/cors.mjs` serves a page on another origin that
//! calls graph.instagram.com and graph.facebook.com with `fetch` (CORS, a preflight, JSONP) and
//! shows the answers; its screenshot is `cors-page.png`. `node e2e/a11y.mjs` runs axe-core on
//! every dashboard page and both consent pages (no serious or critical violation), checks that
//! the emulator, the People page and the consent pages fit 375 px without horizontal scroll, and
//! drives the dashboard by keyboard (Tab to a field, Enter to create an app, Copy's notice).
//!
//! `node e2e/guide.mjs` follows the eight App Dashboard steps of the Instagram token guides by
//! their visible texts, once in Chinese and once in Korean, each on a server without apps, to a
//! token that reads `/me` (`docs/dashboard.md#guide`); its screenshots go to the artifact
//! directory, or with `LOCALGRAM_UPDATE_SCREENSHOTS=1` to `docs/screenshots/`, which the README
//! shows.
//!
//! When node, `e2e/node_modules` or `/usr/bin/chromium` is missing, the test prints a `skipped:`
//! line and passes, unless `LOCALGRAM_E2E_REQUIRED=1` (as `.ci/run` sets), where it fails.

use localgram_testkit::world::{LONG_LIVED_TOKEN, fb};
use localgram_testkit::{Backend, TestOptions, TestServer, facebook_world};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Instagram accounts and their media, and no app: the dashboard creates the rest.
const ACCOUNTS_ONLY: &str = r#"
version = 1

[[instagram_users]]
id = "17841405793187218"
username = "jane.doe"
password = "correct horse"
account_type = "PERSONAL"
name = "Jane Doe"
biography = "Sunsets and bread."

  [[instagram_users.media]]
  id = "17895695668004550"
  media_type = "IMAGE"
  caption = "Sunset"
  timestamp = "2026-05-01T18:10:00+0000"

  [[instagram_users.media]]
  id = "17895695668004552"
  media_type = "VIDEO"
  caption = "Waves"
  timestamp = "2026-04-20T18:10:00+0000"

  [[instagram_users.media]]
  id = "17895695668004551"
  media_type = "CAROUSEL_ALBUM"
  timestamp = "2026-04-01T18:10:00+0000"

    [[instagram_users.media.children]]
    id = "17880997618081620"
    media_type = "IMAGE"

    [[instagram_users.media.children]]
    id = "17880997618081621"
    media_type = "IMAGE"
"#;

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn artifact_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
        .join("e2e-artifacts")
}

/// Why the browser tests cannot run here, if they cannot.
fn missing(root: &Path) -> Option<String> {
    let node = std::process::Command::new("node").arg("--version").output();
    if !node.is_ok_and(|o| o.status.success()) {
        return Some("node is not installed".into());
    }
    if !root.join("e2e/node_modules/playwright-core").is_dir() {
        return Some("e2e/node_modules is missing (run `npm ci` in e2e/)".into());
    }
    if !Path::new("/usr/bin/chromium").exists() {
        return Some("/usr/bin/chromium is missing (apt-get install chromium)".into());
    }
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_seed_path_token_generator_authorize_round_trip_and_denied_consent() {
    let root = workspace_root();
    if let Some(why) = missing(&root) {
        if std::env::var("LOCALGRAM_E2E_REQUIRED").as_deref() == Ok("1") {
            panic!("LOCALGRAM_E2E_REQUIRED=1 but the browser tests cannot run: {why}");
        }
        println!("skipped: {why}");
        return;
    }
    let server = TestServer::spawn_with(TestOptions {
        backend: Backend::Sqlite,
        world: Some(ACCOUNTS_ONLY.to_owned()),
        ..Default::default()
    })
    .await;
    let artifacts = artifact_dir(&root);
    // Only this test's files: the CORS page test writes beside them.
    for old in ["media-grid.png", "token-page.png", "failure.png"] {
        let _ = std::fs::remove_file(artifacts.join(old));
    }
    let run = tokio::process::Command::new("node")
        .arg(root.join("e2e/dashboard.mjs"))
        .arg(&server.base)
        .arg(&artifacts)
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(Duration::from_secs(240), run)
        .await
        .expect("the browser tests took more than 4 minutes")
        .expect("cannot run node");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    assert!(
        out.status.success() && stdout.contains("RESULT ok"),
        "the browser tests failed ({}):\n{stdout}\n{stderr}\nartifacts: {}",
        out.status,
        artifacts.display()
    );
    for shot in ["media-grid.png", "token-page.png"] {
        let meta = std::fs::metadata(artifacts.join(shot))
            .unwrap_or_else(|e| panic!("no screenshot {shot}: {e}"));
        assert!(meta.len() > 1000, "{shot} is too small");
    }
    // What the browser did is in the database: one app, its tester accepted, tokens hashed.
    let apps = server.state.platform.list_apps().await.unwrap();
    assert_eq!(apps.len(), 1);
    let testers = server.state.platform.testers_of(&apps[0].id).await.unwrap();
    assert_eq!(testers.len(), 1);
    assert_eq!(
        testers[0].0.status,
        localgram_core::model::TesterStatus::Accepted
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_page_on_another_origin_reads_the_graph_hosts() {
    let root = workspace_root();
    if let Some(why) = missing(&root) {
        if std::env::var("LOCALGRAM_E2E_REQUIRED").as_deref() == Ok("1") {
            panic!("LOCALGRAM_E2E_REQUIRED=1 but the browser tests cannot run: {why}");
        }
        println!("skipped: {why}");
        return;
    }
    let server = TestServer::spawn_with(TestOptions {
        backend: Backend::Sqlite,
        world: Some(facebook_world()),
        ..Default::default()
    })
    .await;
    let artifacts = artifact_dir(&root);
    for old in ["cors-page.png", "cors-failure.png"] {
        let _ = std::fs::remove_file(artifacts.join(old));
    }
    let run = tokio::process::Command::new("node")
        .arg(root.join("e2e/cors.mjs"))
        .arg(&server.base)
        .arg(&artifacts)
        .arg(LONG_LIVED_TOKEN)
        .arg(fb::LONG_TOKEN)
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(Duration::from_secs(120), run)
        .await
        .expect("the CORS page took more than 2 minutes")
        .expect("cannot run node");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    assert!(
        out.status.success() && stdout.contains("RESULT ok"),
        "the CORS page failed ({}):\n{stdout}\n{stderr}\nartifacts: {}",
        out.status,
        artifacts.display()
    );
    for line in [
        r#"ok: the page reads graph.instagram.com /me: 200 {"id":"17841405793187218","username":"jane.doe"}"#,
        r#"ok: the page reads graph.facebook.com /me after a preflight: 200 {"id":"100000000000001","name":"Test User"}"#,
        "ok: the browser does not let the page read the Instagram token endpoint: blocked",
    ] {
        assert!(stdout.contains(line), "missing {line:?} in:\n{stdout}");
    }
    let meta = std::fs::metadata(artifacts.join("cors-page.png"))
        .unwrap_or_else(|e| panic!("no screenshot cors-page.png: {e}"));
    assert!(meta.len() > 1000, "cors-page.png is too small");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_follows_the_guides_steps_in_chinese_and_korean_to_a_working_token() {
    let root = workspace_root();
    if let Some(why) = missing(&root) {
        if std::env::var("LOCALGRAM_E2E_REQUIRED").as_deref() == Ok("1") {
            panic!("LOCALGRAM_E2E_REQUIRED=1 but the browser tests cannot run: {why}");
        }
        println!("skipped: {why}");
        return;
    }
    let committed = root.join("docs/screenshots");
    let shots = if std::env::var("LOCALGRAM_UPDATE_SCREENSHOTS").as_deref() == Ok("1") {
        committed.clone()
    } else {
        artifact_dir(&root).join("guide")
    };
    for lang in ["zh", "ko"] {
        // A server of its own for each language: no app, Instagram accounts only.
        let server = TestServer::spawn_with(TestOptions {
            backend: Backend::Sqlite,
            world: Some(ACCOUNTS_ONLY.to_owned()),
            ..Default::default()
        })
        .await;
        assert!(server.state.platform.list_apps().await.unwrap().is_empty());
        for step in 1..=8 {
            let _ = std::fs::remove_file(shots.join(format!("guide-{lang}-{step}.png")));
        }
        let run = tokio::process::Command::new("node")
            .arg(root.join("e2e/guide.mjs"))
            .arg(&server.base)
            .arg(lang)
            .arg(&shots)
            .kill_on_drop(true)
            .output();
        let out = tokio::time::timeout(Duration::from_secs(180), run)
            .await
            .expect("the guide took more than 3 minutes")
            .expect("cannot run node");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        println!("{stdout}");
        assert!(
            out.status.success() && stdout.contains("RESULT ok"),
            "the {lang} guide failed ({}):\n{stdout}\n{stderr}\nscreenshots: {}",
            out.status,
            shots.display()
        );
        for step in 1..=8 {
            let shot = format!("guide-{lang}-{step}.png");
            let meta = std::fs::metadata(shots.join(&shot))
                .unwrap_or_else(|e| panic!("no screenshot {shot}: {e}"));
            assert!(meta.len() > 1000, "{shot} is too small");
            // The README shows the committed ones.
            assert!(
                committed.join(&shot).is_file(),
                "docs/screenshots/{shot} is not committed"
            );
        }
        // What the browser did is in the database: the app, its Instagram app, the Site URL,
        // the contact e-mail, the accepted tester.
        let apps = server.state.platform.list_apps().await.unwrap();
        assert_eq!(apps.len(), 1);
        let app = &apps[0];
        assert_eq!(app.contact_email.as_deref(), Some("dev@guide.example"));
        assert_eq!(app.site_url.as_deref(), Some("https://guide.example/"));
        assert!(app.instagram_app.is_some());
        let testers = server.state.platform.testers_of(&app.id).await.unwrap();
        assert_eq!(
            testers[0].0.status,
            localgram_core::model::TesterStatus::Accepted
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_dashboard_and_consent_pages_are_accessible_and_fit_a_phone() {
    let root = workspace_root();
    if let Some(why) = missing(&root) {
        if std::env::var("LOCALGRAM_E2E_REQUIRED").as_deref() == Ok("1") {
            panic!("LOCALGRAM_E2E_REQUIRED=1 but the browser tests cannot run: {why}");
        }
        println!("skipped: {why}");
        return;
    }
    assert!(
        root.join("e2e/node_modules/axe-core/axe.min.js").is_file(),
        "e2e/node_modules has no axe-core (run `npm ci` in e2e/)"
    );
    let server = TestServer::spawn_with(TestOptions {
        backend: Backend::Sqlite,
        world: Some(facebook_world()),
        ..Default::default()
    })
    .await;
    let artifacts = artifact_dir(&root);
    for old in ["fb-consent-375.png", "a11y-failure.png"] {
        let _ = std::fs::remove_file(artifacts.join(old));
    }
    let run = tokio::process::Command::new("node")
        .arg(root.join("e2e/a11y.mjs"))
        .arg(&server.base)
        .arg(&artifacts)
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(Duration::from_secs(240), run)
        .await
        .expect("the accessibility checks took more than 4 minutes")
        .expect("cannot run node");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    assert!(
        out.status.success() && stdout.contains("RESULT ok"),
        "the accessibility checks failed ({}):\n{stdout}\n{stderr}\nartifacts: {}",
        out.status,
        artifacts.display()
    );
    for line in [
        "ok: /emulator fits 375 px without horizontal scroll",
        "ok: the Instagram consent page fits 375 px without horizontal scroll",
        "ok: the Facebook consent page fits 375 px without horizontal scroll",
        "ok: axe: /emulator has no serious or critical violation",
        "ok: axe: /people has no serious or critical violation",
        "ok: Enter creates the app",
    ] {
        assert!(stdout.contains(line), "missing {line:?} in:\n{stdout}");
    }
}
