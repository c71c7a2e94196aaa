//! `localgram publish FILE` (the file served from the loopback, fetched by the server) and
//! `localgram comments list|reply|hide`.

use super::*;

const CAFE_TOKEN: &str = "IGAAlocalgramCafeCli";

#[tokio::test]
async fn a_local_file_is_published_and_its_comments_moderated() {
    let server = TestServer::spawn_with(TestOptions {
        world: Some(format!(
            "{}\n[[tokens]]\nvalue = \"{CAFE_TOKEN}\"\napp = \"990602627938098\"\nuser = \"sizzle.cafe\"\nkind = \"instagram_long_lived\"\nscopes = [\"instagram_business_basic\", \"instagram_business_content_publish\", \"instagram_business_manage_comments\"]\nissued_at = \"2026-11-01T00:00:00Z\"\n",
            callback_world()
        )),
        ..Default::default()
    })
    .await;
    let user = User::new();
    let dir = TempDir::new();
    let photo = dir.path().join("buns.jpg");
    let bytes = reqwest::get(server.url("/cdn/media/17895695668004550.jpg"))
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    std::fs::write(&photo, &bytes).unwrap();
    // The server's clock is frozen: move it while the command waits for the container.
    let state = server.state.clone();
    let mover = tokio::spawn(async move {
        loop {
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            state.clock.advance(1);
        }
    });
    let path = photo.to_string_lossy().into_owned();
    let run = user
        .run(&with_token(
            &server,
            CAFE_TOKEN,
            &["publish", &path, "--caption", "Buns", "--json"],
        ))
        .await
        .ok();
    mover.abort();
    let media_id = run.json_lines()[0]["id"].as_str().unwrap().to_owned();
    let graph = |path: String| {
        let url = server.url(&format!(
            "/graph.instagram.com{path}&access_token={CAFE_TOKEN}"
        ));
        async move {
            reqwest::get(url)
                .await
                .unwrap()
                .json::<serde_json::Value>()
                .await
                .unwrap()
        }
    };
    let posted = graph(format!("/{media_id}?fields=caption,owner")).await;
    assert_eq!(posted["caption"], "Buns");
    assert_eq!(posted["owner"]["id"], BUSINESS_ID);

    let comment = server
        .state
        .platform
        .add_comment(
            &media_id,
            None,
            "17841400000000004",
            "eve.stranger",
            "Yum".into(),
        )
        .await
        .unwrap();
    let run = user
        .run(&with_token(
            &server,
            CAFE_TOKEN,
            &["comments", "list", &media_id, "--json"],
        ))
        .await
        .ok();
    let listed = run.json_lines();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["id"], comment.as_str());
    assert_eq!(listed[0]["username"], "eve.stranger");
    let run = user
        .run(&with_token(
            &server,
            CAFE_TOKEN,
            &["comments", "reply", &comment, "Thanks!", "--json"],
        ))
        .await
        .ok();
    assert!(run.json_lines()[0]["id"].is_string());
    user.run(&with_token(
        &server,
        CAFE_TOKEN,
        &["comments", "hide", &comment],
    ))
    .await
    .ok();
    assert_eq!(
        graph(format!("/{comment}?fields=hidden")).await["hidden"],
        true
    );
}
