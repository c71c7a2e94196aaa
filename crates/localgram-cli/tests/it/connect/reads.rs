//! `localgram me` and `media list|get|children`: exact text and JSON output, options from the
//! environment, `--all` over a 1,000-media account, and a reader that closes the pipe early.

use serde_json::json;
use tokio::io::AsyncBufReadExt as _;

use super::*;

const IMAGE: &str = "17895695668004550";
const ALBUM: &str = "17895695668004551";

fn cdn(server: &TestServer, id: &str, ext: &str) -> String {
    format!("{}/cdn/media/{id}.{ext}", server.base)
}

#[tokio::test]
async fn me_prints_aligned_fields_or_one_json_object() {
    let server = server().await;
    let user = User::new();
    let run = user
        .run(&with_token(&server, LONG_LIVED_TOKEN, &["me"]))
        .await
        .ok();
    assert_eq!(
        run.stdout,
        format!(
            "id            {TESTER_ID}\naccount_type  PERSONAL\nmedia_count   2\nusername      {TESTER}\n"
        )
    );
    assert_eq!(run.stderr, "");

    let run = user
        .run(&with_token(&server, LONG_LIVED_TOKEN, &["me", "--json"]))
        .await
        .ok();
    assert_eq!(
        run.stdout,
        format!(
            "{{\"id\":\"{TESTER_ID}\",\"username\":\"{TESTER}\",\"account_type\":\"PERSONAL\",\"media_count\":2}}\n"
        )
    );

    let run = user
        .run(&with_token(
            &server,
            LONG_LIVED_TOKEN,
            &["me", "--fields", "username"],
        ))
        .await
        .ok();
    assert_eq!(
        run.stdout,
        format!("id        {TESTER_ID}\nusername  {TESTER}\n")
    );
}

#[tokio::test]
async fn the_server_and_token_can_come_from_the_environment() {
    let server = server().await;
    let user = User::new();
    let run = user
        .run_with(
            &["--json", "me"],
            &[
                ("LOCALGRAM_URL", server.base.as_str()),
                ("LOCALGRAM_TOKEN", LONG_LIVED_TOKEN),
            ],
        )
        .await
        .ok();
    assert_eq!(run.json_lines()[0]["username"], TESTER);
    // The token's value is not shown in the help.
    let help = user
        .run_with(&["me", "--help"], &[("LOCALGRAM_TOKEN", LONG_LIVED_TOKEN)])
        .await
        .ok();
    assert!(
        help.stdout.contains("[env: LOCALGRAM_TOKEN]"),
        "{}",
        help.stdout
    );
    assert!(!help.stdout.contains(LONG_LIVED_TOKEN));
}

#[tokio::test]
async fn media_list_prints_a_table_or_json_lines() {
    let server = server().await;
    let user = User::new();
    let run = user
        .run(&with_token(&server, LONG_LIVED_TOKEN, &["media", "list"]))
        .await
        .ok();
    assert_eq!(
        run.lines(),
        [
            "ID                    MEDIA_TYPE      TIMESTAMP                 CAPTION",
            "17895695668004550     IMAGE           2026-05-01T18:10:00+0000  Sunset",
            "17895695668004551     CAROUSEL_ALBUM  2026-04-01T18:10:00+0000  -",
        ]
    );

    let run = user
        .run(&with_token(
            &server,
            LONG_LIVED_TOKEN,
            &["--json", "media", "list"],
        ))
        .await
        .ok();
    let lines = run.json_lines();
    assert_eq!(lines.len(), 3);
    // The last line is the page's paging: its cursors, no link (there is no other page).
    let paging = &lines[2]["paging"];
    assert_eq!(lines[2].as_object().unwrap().len(), 1, "{}", lines[2]);
    assert!(
        paging["cursors"]["before"]
            .as_str()
            .is_some_and(|c| !c.is_empty())
    );
    assert!(
        paging["cursors"]["after"]
            .as_str()
            .is_some_and(|c| !c.is_empty())
    );
    assert_eq!(paging.get("next"), None);
    assert_eq!(lines[0]["id"], IMAGE);
    assert_eq!(lines[0]["caption"], "Sunset");
    assert_eq!(lines[0]["media_type"], "IMAGE");
    assert_eq!(lines[0]["timestamp"], "2026-05-01T18:10:00+0000");
    assert_eq!(lines[0]["username"], TESTER);
    assert_eq!(lines[0]["media_url"], cdn(&server, IMAGE, "jpg"));
    assert!(
        lines[0]["permalink"]
            .as_str()
            .is_some_and(|p| p.starts_with("https://www.instagram.com/p/"))
    );
    assert_eq!(lines[1]["id"], ALBUM);
    assert_eq!(lines[1].get("caption"), None);

    let run = user
        .run(&with_token(
            &server,
            LONG_LIVED_TOKEN,
            &[
                "media",
                "list",
                "--fields",
                "caption,username",
                "--limit",
                "1",
            ],
        ))
        .await
        .ok();
    assert_eq!(
        run.lines(),
        [
            "ID                    CAPTION                         USERNAME",
            "17895695668004550     Sunset                          jane.doe",
        ]
    );
}

#[tokio::test]
async fn media_get_and_children() {
    let server = server().await;
    let user = User::new();
    let run = user
        .run(&with_token(
            &server,
            LONG_LIVED_TOKEN,
            &["media", "get", IMAGE],
        ))
        .await
        .ok();
    let lines = run.lines();
    assert_eq!(lines[0], format!("id          {IMAGE}"));
    assert_eq!(lines[1], "caption     Sunset");
    assert_eq!(lines[2], "media_type  IMAGE");
    assert_eq!(
        lines[3],
        format!("media_url   {}", cdn(&server, IMAGE, "jpg"))
    );
    assert!(lines[4].starts_with("permalink   https://www.instagram.com/p/"));
    assert_eq!(
        lines[5..],
        [
            "timestamp   2026-05-01T18:10:00+0000",
            "username    jane.doe"
        ]
    );

    let run = user
        .run(&with_token(
            &server,
            LONG_LIVED_TOKEN,
            &[
                "--json",
                "media",
                "get",
                ALBUM,
                "--fields",
                "id,children{media_type}",
            ],
        ))
        .await
        .ok();
    assert_eq!(
        run.json_lines(),
        [json!({"id": ALBUM, "children": {"data": [
            {"id": "17880997618081620", "media_type": "IMAGE"},
            {"id": "17880997618081621", "media_type": "VIDEO"}
        ]}})]
    );

    let run = user
        .run(&with_token(
            &server,
            LONG_LIVED_TOKEN,
            &["media", "children", ALBUM],
        ))
        .await
        .ok();
    assert_eq!(
        run.lines(),
        [
            "ID                    MEDIA_TYPE      TIMESTAMP                 MEDIA_URL".to_owned(),
            format!(
                "17880997618081620     IMAGE           2026-04-01T18:10:00+0000  {}",
                cdn(&server, "17880997618081620", "jpg")
            ),
            format!(
                "17880997618081621     VIDEO           2026-04-01T18:10:00+0000  {}",
                cdn(&server, "17880997618081621", "mp4")
            ),
        ]
    );
}

#[tokio::test]
async fn media_list_all_streams_every_item_of_a_1000_media_account() {
    let server = big_server(1000, "").await;
    let user = User::new();
    let run = user
        .run(&with_token(
            &server,
            BIG_TOKEN,
            &["media", "list", "--all", "--json", "--fields", "id,caption"],
        ))
        .await
        .ok();
    assert_eq!(run.stderr, "");
    let lines = run.json_lines();
    assert_eq!(lines.len(), 1000);
    for (i, line) in lines.iter().enumerate() {
        assert_eq!(
            line,
            &json!({"id": (1_000_000 + i).to_string(), "caption": format!("n{i}")}),
            "line {i}"
        );
    }

    // Text, small pages: the header once, then every row.
    let run = user
        .run(&with_token(
            &server,
            BIG_TOKEN,
            // 143 calls: past the throttle's 100 per minute, which this test does not wait for.
            &["media", "list", "--all", "--limit", "7", "--no-throttle"],
        ))
        .await
        .ok();
    let lines = run.lines();
    assert_eq!(lines.len(), 1001);
    assert_eq!(
        lines[0],
        "ID                    MEDIA_TYPE      TIMESTAMP                 CAPTION"
    );
    assert_eq!(
        lines[1000],
        format!(
            "1000999               IMAGE           {}  n999",
            graph_timestamp(1_767_225_600 - 3600 * 999)
        )
    );

    // Without --all: one page of the server's default size.
    let run = user
        .run(&with_token(
            &server,
            BIG_TOKEN,
            &["--json", "media", "list"],
        ))
        .await
        .ok();
    let lines = run.json_lines();
    assert_eq!(lines.len(), 26);
    assert!(
        lines[25]["paging"]["next"].as_str().is_some(),
        "{}",
        lines[25]
    );
}

#[tokio::test]
async fn a_reader_that_stops_early_ends_the_stream_quietly() {
    let server = big_server(1000, "").await;
    let user = User::new();
    let mut child = user
        .command(&with_token(
            &server,
            BIG_TOKEN,
            &["media", "list", "--all", "--json"],
        ))
        .spawn()
        .unwrap();
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next_line().await.unwrap().unwrap();
    assert!(first.contains("\"id\":\"1000000\""), "{first}");
    drop(lines); // `| head -1`
    let output = tokio::time::timeout(std::time::Duration::from_secs(60), child.wait_with_output())
        .await
        .expect("localgram kept running after its reader left")
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&output.stderr), "");
}
