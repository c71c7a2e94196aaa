//! The progress bar of the paging commands: drawn with the count and the rate when stdout and
//! stderr are a terminal, absent under `--json` and without a terminal.

use super::*;

#[tokio::test]
async fn media_list_all_draws_a_bar_with_count_and_rate_on_a_terminal() {
    let server = big_server(300, "").await;
    let user = User::new();
    let Some(run) = user
        .run_in_terminal(&with_token(
            &server,
            BIG_TOKEN,
            &["--no-throttle", "media", "list", "--all", "--limit", "5"],
        ))
        .await
    else {
        eprintln!("skipped: script (util-linux) is not installed");
        return;
    };
    assert_eq!(run.code, 0, "{}", run.stdout);
    let screen = run.stdout;
    assert!(screen.contains("/300 media ("), "no count: {screen}");
    assert!(screen.contains("/s, "), "no rate: {screen}");
    // Every row is there, whole, beside the bar's redraws.
    let plain = without_escapes(&screen);
    let rows: Vec<&str> = plain
        .split(['\r', '\n'])
        .filter(|l| l.starts_with("1000"))
        .collect();
    assert_eq!(rows.len(), 300, "{screen:?}");
    assert!(rows.iter().all(|r| r.contains("IMAGE")), "{rows:?}");
}

/// The text without terminal control sequences (`ESC [ … letter`).
fn without_escapes(screen: &str) -> String {
    let mut out = String::new();
    let mut chars = screen.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            if chars.next() == Some('[') {
                for c in chars.by_ref() {
                    if c.is_ascii_alphabetic() {
                        break;
                    }
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[tokio::test]
async fn no_bar_under_json_on_a_terminal_nor_without_a_terminal() {
    let server = big_server(120, "").await;
    let user = User::new();
    let args = with_token(
        &server,
        BIG_TOKEN,
        &[
            "--no-throttle",
            "media",
            "list",
            "--all",
            "--limit",
            "5",
            "--json",
        ],
    );
    if let Some(run) = user.run_in_terminal(&args).await {
        assert_eq!(run.code, 0, "{}", run.stdout);
        assert!(!run.stdout.contains('\u{1b}'), "{:?}", run.stdout);
        let lines: Vec<&str> = run
            .stdout
            .split(['\r', '\n'])
            .filter(|l| !l.is_empty())
            .collect();
        assert_eq!(lines.len(), 120, "{}", run.stdout);
        for line in lines {
            serde_json::from_str::<serde_json::Value>(line)
                .unwrap_or_else(|e| panic!("not JSON ({e}): {line:?}"));
        }
    } else {
        eprintln!("skipped: script (util-linux) is not installed");
    }
    // Without a terminal: nothing on stderr, with or without --json.
    for json in [true, false] {
        let mut args = with_token(
            &server,
            BIG_TOKEN,
            &["--no-throttle", "media", "list", "--all", "--limit", "5"],
        );
        if json {
            args.push("--json");
        }
        let run = user.run(&args).await.ok();
        assert_eq!(run.stderr, "");
        assert_eq!(run.lines().len(), if json { 120 } else { 121 });
    }
}
