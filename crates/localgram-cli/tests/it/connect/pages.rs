//! `localgram pages list|create` against the emulator's graph.facebook.com: the listing, the
//! checks the CLI and the SDK make before anything is sent, a created Page, and the Graph
//! errors of unknown tokens.

use super::*;
use localgram_testkit::world::fb;

const FB_TOKEN: &str = "EAAfakeFacebookUserToken0001";

/// A server over the Facebook test world.
async fn fb_server() -> TestServer {
    TestServer::spawn_with(TestOptions {
        world: Some(localgram_testkit::facebook_world()),
        ..Default::default()
    })
    .await
}

#[tokio::test]
async fn pages_list_reads_the_accounts_edge() {
    let server = fb_server().await;
    let run = User::new()
        .run(&with_token(&server, fb::LONG_TOKEN, &["pages", "list"]))
        .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    for name in ["Sizzle Cafe", "Sizzle Blog", "Sizzle Holdings"] {
        assert!(run.stdout.contains(name), "{}", run.stdout);
    }
    let run = User::new()
        .run(&with_token(&server, FB_TOKEN, &["pages", "list"]))
        .await
        .fails(
            3,
            "Invalid OAuth access token - Cannot parse access token [code 190]",
        );
    assert_eq!(run.stdout, "");
}

#[tokio::test]
async fn pages_create_checks_its_arguments_then_creates_the_page() {
    let server = fb_server().await;
    let user = User::new();
    // The SDK refuses a Page without a place before sending anything.
    user.run(&with_token(
        &server,
        FB_TOKEN,
        &[
            "pages",
            "create",
            "--name",
            "Sizzle Cafe",
            "--category",
            "2500",
        ],
    ))
    .await
    .fails(
        2,
        "invalid request: one of `city_id`, `location` or `coordinates` is required",
    );
    // clap: a city needs its country; a city id excludes a city.
    let run = user
        .run(&with_token(
            &server,
            FB_TOKEN,
            &["pages", "create", "--name", "X", "--city", "Lisbon"],
        ))
        .await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    let run = user
        .run(&with_token(
            &server,
            FB_TOKEN,
            &[
                "pages",
                "create",
                "--name",
                "X",
                "--city-id",
                "1",
                "--city",
                "Lisbon",
                "--country",
                "PT",
            ],
        ))
        .await;
    assert_eq!(run.code, 2, "{}", run.stderr);

    let run = user
        .run(&with_token(
            &server,
            fb::LONG_TOKEN,
            &[
                "pages",
                "create",
                "--name",
                "Sizzle Lisboa",
                "--category-enum",
                "RESTAURANT",
                "--city",
                "Lisbon",
                "--country",
                "PT",
                "--latitude",
                "38.72",
                "--longitude",
                "-9.14",
            ],
        ))
        .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = user
        .run(&with_token(&server, fb::LONG_TOKEN, &["pages", "list"]))
        .await;
    assert!(run.stdout.contains("Sizzle Lisboa"), "{}", run.stdout);
}

#[tokio::test]
async fn me_with_a_facebook_token_asks_graph_facebook_com() {
    let server = fb_server().await;
    let run = User::new()
        .run(&with_token(&server, fb::LONG_TOKEN, &["me"]))
        .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains(fb::USER_ID), "{}", run.stdout);
    User::new()
        .run(&with_token(&server, FB_TOKEN, &["me"]))
        .await
        .fails(
            3,
            "Invalid OAuth access token - Cannot parse access token [code 190]",
        );
}
