//! `localgram pages list|create`. Facebook Login and the Pages edge are not served by the
//! emulator yet (a later issue): these tests pin the clear error it gives today, and the checks
//! the CLI and the SDK make before anything is sent.

use super::*;

const FB_TOKEN: &str = "EAAfakeFacebookUserToken0001";

#[tokio::test]
async fn pages_list_reports_the_emulators_404() {
    let server = server().await;
    let run = User::new()
        .run(&with_token(&server, FB_TOKEN, &["pages", "list"]))
        .await
        .fails(
            3,
            "HTTP 404 Not Found: no such endpoint: /graph.facebook.com/v21.0/me/accounts",
        );
    assert_eq!(run.stdout, "");
}

#[tokio::test]
async fn pages_create_checks_its_arguments_then_reports_the_emulators_404() {
    let server = server().await;
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

    user.run(&with_token(
        &server,
        FB_TOKEN,
        &[
            "pages",
            "create",
            "--name",
            "Sizzle Cafe",
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
    .await
    .fails(
        3,
        "HTTP 404 Not Found: no such endpoint: /graph.facebook.com/v21.0/me/accounts",
    );
}

#[tokio::test]
async fn me_with_a_facebook_token_asks_graph_facebook_com() {
    let server = server().await;
    User::new()
        .run(&with_token(&server, FB_TOKEN, &["me"]))
        .await
        .fails(
            3,
            "HTTP 404 Not Found: no such endpoint: /graph.facebook.com/v21.0/me",
        );
}
