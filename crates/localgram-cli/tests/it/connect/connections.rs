//! Named connections (an Instagram and a Facebook login side by side), the commands' choice
//! among them, and the throttle's call window kept beside each connection and shared by the
//! processes that use it.

use super::*;
use localgram_testkit::world::fb;
use serde_json::json;
use std::time::{Duration, Instant};

/// A server over the Facebook test world (which holds the Instagram test world too).
async fn fb_server() -> TestServer {
    TestServer::spawn_with(TestOptions {
        world: Some(localgram_testkit::facebook_world()),
        ..Default::default()
    })
    .await
}

impl User {
    /// Saves a connection as a login would.
    fn save_connection(&self, name: &str, token: &str, kind: &str, server: &TestServer) {
        let path = self.connection_path(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let body = json!({"access_token": token, "kind": kind, "base_url": server.base});
        std::fs::write(path, body.to_string()).unwrap();
    }

    /// The call window of the connection `name`: the Unix milliseconds of its calls.
    fn window(&self, name: &str) -> Vec<u64> {
        let path = self.connection_path(name).with_extension("calls");
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("no window at {}: {e}", path.display()));
        serde_json::from_str(&text).unwrap()
    }

    /// Fills the window of `name` with `n` calls made `age_ms` ago.
    fn fill_window(&self, name: &str, n: usize, age_ms: u64) {
        let at = now_ms() - age_ms;
        let path = self.connection_path(name).with_extension("calls");
        std::fs::write(path, serde_json::to_string(&vec![at; n]).unwrap()).unwrap();
    }
}

/// The wall clock in Unix milliseconds, as the CLI reads it for the window.
#[allow(clippy::disallowed_methods)] // the test compares with the wall-clock times the CLI writes
fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

#[tokio::test]
async fn an_instagram_and_a_facebook_connection_live_side_by_side() {
    let server = fb_server().await;
    let user = User::new();
    user.save_connection(
        "instagram",
        LONG_LIVED_TOKEN,
        "instagram_long_lived",
        &server,
    );
    user.save_connection("facebook", fb::LONG_TOKEN, "facebook_long_lived", &server);

    // Each command takes the token it needs.
    let media = user
        .run(&["media", "list", "--limit", "1", "--json"])
        .await
        .ok();
    assert_eq!(media.json_lines()[0]["username"], TESTER);
    let pages = user.run(&["pages", "list"]).await.ok();
    assert!(pages.stdout.contains("Sizzle Cafe"), "{}", pages.stdout);
    let me = user.run(&["me", "--json"]).await.ok();
    assert_eq!(me.json_lines()[0]["username"], TESTER);
    let me = user
        .run(&["me", "--connection", "facebook", "--json"])
        .await
        .ok();
    assert_eq!(me.json_lines()[0]["id"], fb::USER_ID);

    user.run(&["media", "list", "--connection", "facebook"])
        .await
        .fails(
            2,
            "the connection \"facebook\" holds a Facebook token, and this command needs an Instagram one: run `localgram login instagram` or choose another with --connection",
        );
    user.run(&["media", "list", "--connection", "nope"])
        .await
        .fails(
            2,
            "no saved connection \"nope\" (saved: facebook, instagram)",
        );
    user.run(&["me", "--connection", "../x"]).await.fails(
        2,
        "invalid connection name \"../x\": expected 1 to 64 letters, digits, '.', '_' or '-', not starting with '.'",
    );

    // Logging out asks which one, then forgets only that one.
    user.run(&["logout"]).await.fails(
        2,
        "several connections are saved (facebook, instagram): choose one with --connection NAME",
    );
    let out = user
        .run(&["logout", "--connection", "instagram"])
        .await
        .ok();
    assert_eq!(
        out.stdout,
        format!("Logged out: removed {}.\n", user.token_path().display())
    );
    assert!(!user.token_path().exists());
    assert!(user.connection_path("facebook").exists());

    // A command that needs Instagram says so when only Facebook is left.
    user.run(&["media", "list"]).await.fails(
        2,
        "this command needs an Instagram token, but only Facebook connections are saved (facebook): run `localgram login instagram`",
    );
    user.run(&["token", "refresh"]).await.fails(
        2,
        "this command needs an Instagram token, but only Facebook connections are saved (facebook): run `localgram login instagram`",
    );
    let inspect = user.run(&["token", "inspect", "--json"]).await.ok();
    assert_eq!(inspect.json_lines()[0]["connection"], "facebook");
    assert_eq!(inspect.json_lines()[0]["kind"], "facebook_long_lived");
    user.run(&["pages", "list"]).await.ok();
}

#[tokio::test]
async fn a_token_saved_by_an_earlier_version_is_the_connection_of_its_kind() {
    let server = server().await;
    let user = User::new();
    let legacy = user.config_home().join("localgram").join("token.json");
    std::fs::create_dir_all(legacy.parent().unwrap()).unwrap();
    std::fs::write(
        &legacy,
        json!({"access_token": LONG_LIVED_TOKEN, "kind": "instagram_long_lived", "base_url": server.base})
            .to_string(),
    )
    .unwrap();
    let inspect = user.run(&["token", "inspect", "--json"]).await.ok();
    let info = &inspect.json_lines()[0];
    assert_eq!(info["connection"], "instagram");
    assert_eq!(info["token_file"], legacy.display().to_string());
    let me = user.run(&["me", "--json"]).await.ok();
    assert_eq!(me.json_lines()[0]["username"], TESTER);
    user.run(&["pages", "list"]).await.fails(
        2,
        "this command needs a Facebook token, but only Instagram connections are saved (instagram): run `localgram login facebook`",
    );
}

#[tokio::test]
async fn each_call_takes_a_place_in_the_window_kept_beside_the_connection() {
    let server = server().await;
    let user = User::new();
    user.save_connection(
        "instagram",
        LONG_LIVED_TOKEN,
        "instagram_long_lived",
        &server,
    );
    let before = now_ms();
    user.run(&["me"]).await.ok();
    user.run(&["media", "list", "--limit", "1"]).await.ok();
    let window = user.window("instagram");
    assert_eq!(window.len(), 2, "{window:?}");
    assert!(
        window.iter().all(|&t| t >= before && t <= now_ms()),
        "{window:?}"
    );
    // --no-throttle and LOCALGRAM_NO_THROTTLE leave it alone.
    user.run(&["me", "--no-throttle"]).await.ok();
    user.run_with(&["me"], &[("LOCALGRAM_NO_THROTTLE", "1")])
        .await
        .ok();
    assert_eq!(user.window("instagram").len(), 2);
    // A given token has a window of its own, which never holds the token.
    user.run(&with_token(&server, LONG_LIVED_TOKEN, &["me"]))
        .await
        .ok();
    let windows: Vec<_> = std::fs::read_dir(user.config_home().join("localgram").join("windows"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(windows.len(), 1, "{windows:?}");
    assert!(!windows[0].contains(LONG_LIVED_TOKEN));
    assert_eq!(user.window("instagram").len(), 2);
}

#[tokio::test]
async fn the_101st_call_in_60_seconds_waits_and_no_throttle_does_not() {
    let server = server().await;
    let user = User::new();
    user.save_connection(
        "instagram",
        LONG_LIVED_TOKEN,
        "instagram_long_lived",
        &server,
    );
    // 100 calls made 58.5 s ago: the next waits about 1.5 s for them to leave the window.
    user.fill_window("instagram", 100, 58_500);
    let start = Instant::now();
    let run = user.run(&["me"]).await.ok();
    let waited = start.elapsed();
    assert!(waited >= Duration::from_millis(1_000), "{waited:?}");
    assert!(
        run.stderr
            .starts_with("note: 100 calls in the last 60 s on connection \"instagram\"; waiting ")
            && run.stderr.ends_with("s (--no-throttle turns this off)\n")
            && run.stderr.lines().count() == 1,
        "{}",
        run.stderr
    );
    assert_eq!(user.window("instagram").len(), 1);

    user.fill_window("instagram", 100, 58_500);
    let start = Instant::now();
    let run = user.run(&["me", "--no-throttle"]).await.ok();
    assert!(start.elapsed() < Duration::from_millis(1_000));
    assert_eq!(run.stderr, "");
    assert_eq!(user.window("instagram").len(), 100);
}

#[tokio::test]
async fn processes_sharing_a_connection_share_its_window() {
    let server = server().await;
    let user = User::new();
    user.save_connection(
        "instagram",
        LONG_LIVED_TOKEN,
        "instagram_long_lived",
        &server,
    );
    // One place is left: of two processes started together, one gets it and the other waits.
    user.fill_window("instagram", 99, 58_000);
    let start = Instant::now();
    let (a, b) = tokio::join!(user.run(&["me"]), user.run(&["me"]));
    let waited = start.elapsed();
    let (a, b) = (a.ok(), b.ok());
    let notes = [&a, &b]
        .iter()
        .filter(|r| r.stderr.starts_with("note: 100 calls in the last 60 s"))
        .count();
    assert_eq!(notes, 1, "{}\n{}", a.stderr, b.stderr);
    assert!(waited >= Duration::from_millis(1_000), "{waited:?}");
    assert_eq!(user.window("instagram").len(), 2);
}

#[tokio::test]
async fn media_list_takes_cursors_and_prints_them_with_json() {
    let server = big_server(5, "").await;
    let user = User::new();
    let first = user
        .run(&with_token(
            &server,
            BIG_TOKEN,
            &["media", "list", "--limit", "2", "--fields", "id", "--json"],
        ))
        .await
        .ok();
    let lines = first.json_lines();
    assert_eq!(
        lines[..2],
        [json!({"id": "1000000"}), json!({"id": "1000001"})]
    );
    let paging = &lines[2]["paging"];
    let after = paging["cursors"]["after"].as_str().unwrap().to_owned();
    let next = paging["next"].as_str().expect("a next link");
    assert!(next.contains("after="), "{next}");
    assert!(
        !next.contains("access_token") && !next.contains(BIG_TOKEN),
        "{next}"
    );
    assert_eq!(paging.get("previous"), None);

    let second = user
        .run(&with_token(
            &server,
            BIG_TOKEN,
            &[
                "media", "list", "--limit", "2", "--fields", "id", "--json", "--after", &after,
            ],
        ))
        .await
        .ok();
    let lines = second.json_lines();
    assert_eq!(
        lines[..2],
        [json!({"id": "1000002"}), json!({"id": "1000003"})]
    );
    let before = lines[2]["paging"]["cursors"]["before"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(lines[2]["paging"]["previous"].as_str().is_some());

    let back = user
        .run(&with_token(
            &server,
            BIG_TOKEN,
            &[
                "media", "list", "--limit", "2", "--fields", "id", "--before", &before,
            ],
        ))
        .await
        .ok();
    assert_eq!(back.lines(), ["ID", "1000000", "1000001"]);
    let both = user
        .run(&with_token(
            &server,
            BIG_TOKEN,
            &["media", "list", "--after", "x", "--before", "y"],
        ))
        .await;
    assert_eq!(both.code, 2);
    assert!(
        both.stderr.starts_with(
            "error: the argument '--after <CURSOR>' cannot be used with '--before <CURSOR>'"
        ),
        "{}",
        both.stderr
    );
}

#[tokio::test]
async fn pages_list_takes_the_edge_filters_and_prints_the_total_count() {
    let server = fb_server().await;
    let user = User::new();
    // MANY_ID has 60 Pages: odd ones are places, every third one is not promotable.
    let all = user
        .run(&with_token(
            &server,
            fb::MANY_TOKEN,
            &["pages", "list", "--fields", "id", "--limit", "25"],
        ))
        .await
        .ok();
    let lines = all.lines();
    assert_eq!(lines.len(), 62, "{}", all.stdout);
    assert_eq!(lines[61], "total_count: 60");
    let places = user
        .run(&with_token(
            &server,
            fb::MANY_TOKEN,
            &[
                "pages",
                "list",
                "--fields",
                "id",
                "--is-place",
                "true",
                "--json",
            ],
        ))
        .await
        .ok();
    let lines = places.json_lines();
    assert_eq!(lines.len(), 31);
    assert_eq!(lines[30], json!({"summary": {"total_count": 30}}));
    let promotable_places = user
        .run(&with_token(
            &server,
            fb::MANY_TOKEN,
            &[
                "pages",
                "list",
                "--fields",
                "id",
                "--is-place",
                "true",
                "--is-promotable",
                "true",
                "--json",
            ],
        ))
        .await
        .ok();
    let lines = promotable_places.json_lines();
    assert_eq!(
        lines.last().unwrap(),
        &json!({"summary": {"total_count": 20}})
    );
    assert_eq!(lines.len(), 21);
}

#[tokio::test]
async fn a_throttle_wait_is_noted_above_the_progress_bar() {
    let server = big_server(30, "").await;
    let user = User::new();
    user.save_connection("instagram", BIG_TOKEN, "instagram_long_lived", &server);
    user.fill_window("instagram", 99, 58_500);
    let Some(run) = user
        .run_in_terminal(&["media", "list", "--all", "--limit", "10"])
        .await
    else {
        eprintln!("skipped: script (util-linux) is not installed");
        return;
    };
    assert_eq!(run.code, 0, "{}", run.stdout);
    // The note is whole (the bar is lifted for it and drawn again after it).
    let head = "note: 100 calls in the last 60 s on connection \"instagram\"; waiting ";
    let at = run
        .stdout
        .find(head)
        .unwrap_or_else(|| panic!("no note: {:?}", run.stdout));
    let rest = &run.stdout[at + head.len()..];
    let (seconds, tail) = rest.split_once('s').unwrap();
    assert!(
        seconds.parse::<f64>().is_ok_and(|s| s > 0.5 && s <= 1.5),
        "{rest:?}"
    );
    assert!(
        tail.starts_with(" (--no-throttle turns this off)"),
        "{rest:?}"
    );
    assert!(run.stdout.contains("/30 media ("), "{:?}", run.stdout);
}
