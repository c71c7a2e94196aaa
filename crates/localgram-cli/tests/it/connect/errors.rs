//! Exit codes and error lines: 2 for usage, 3 for an API error (with the Graph code), 4 for the
//! network, each as one `error: …` line on stderr with nothing on stdout.

use super::*;

#[tokio::test]
async fn graph_errors_exit_3_with_their_code() {
    let server = server().await;
    let user = User::new();
    let run = |args: &'static [&'static str]| {
        let args = with_token(&server, LONG_LIVED_TOKEN, args);
        let user = &user;
        async move { user.run(&args).await }
    };

    run(&["me", "--fields", "id,foo"]).await.fails(
        3,
        "(#100) Tried accessing nonexisting field (foo) on node type (User) [code 100]",
    );
    let missing = run(&["media", "get", "17895695668009999"]).await.fails(
        3,
        "Unsupported get request. Object with ID '17895695668009999' does not exist, cannot be loaded due to missing permissions, or does not support this operation [code 100, subcode 33]",
    );
    assert_eq!(missing.stdout, "");
    let syntax = run(&["media", "list", "--fields", "id,children{id"]).await;
    assert_eq!(syntax.code, 3);
    assert!(
        syntax.stderr.starts_with("error: Syntax error")
            && syntax.stderr.ends_with(" [code 2500]\n"),
        "{}",
        syntax.stderr
    );
    assert_eq!(syntax.stdout, "", "no table header before an error");
}

#[tokio::test]
async fn an_expired_token_exits_3_with_190_463() {
    let server = server().await;
    let user = User::new();
    let args = with_token(&server, LONG_LIVED_TOKEN, &["me"]);
    user.run(&args).await.ok();
    server.advance(45 * 86_400);
    let run = user.run(&args).await;
    assert_eq!(run.code, 3);
    assert!(
        run.stderr
            .starts_with("error: Error validating access token: Session has expired on ")
            && run.stderr.ends_with(" [code 190, subcode 463]\n")
            && run.stderr.lines().count() == 1,
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains(LONG_LIVED_TOKEN));
}

#[tokio::test]
async fn the_user_rate_limit_exits_3_with_17() {
    let server = big_server(2, "[apps.rate_limits]\nuser_calls_per_hour = 3\n").await;
    let user = User::new();
    for _ in 0..3 {
        user.run(&with_token(&server, BIG_TOKEN, &["me"]))
            .await
            .ok();
    }
    user.run(&with_token(&server, BIG_TOKEN, &["--retries", "0", "me"]))
        .await
        .fails(3, "(#17) User request limit reached [code 17]");
    // With retries, each one is announced before the same final error.
    let run = user
        .run(&with_token(&server, BIG_TOKEN, &["--retries", "1", "me"]))
        .await;
    assert_eq!(run.code, 3);
    let lines: Vec<_> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{}", run.stderr);
    assert!(
        lines[0].starts_with("note: retry 1 in ")
            && lines[0].ends_with("s after: (#17) User request limit reached [code 17]"),
        "{}",
        lines[0]
    );
    assert_eq!(
        lines[1],
        "error: (#17) User request limit reached [code 17]"
    );
}

#[tokio::test]
async fn a_server_that_is_not_there_exits_4() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    User::new()
        .run(&[
            "--localgram",
            &base,
            "--token",
            LONG_LIVED_TOKEN,
            "--retries",
            "0",
            "media",
            "list",
        ])
        .await
        .fails(
            4,
            &format!("network error talking to {base}: Connection refused (os error 111)"),
        );
}

#[tokio::test]
async fn usage_errors_exit_2() {
    let server = server().await;
    let user = User::new();
    // No token anywhere.
    user.run(&["--localgram", &server.base, "me"]).await.fails(
        2,
        "not logged in: run `localgram login instagram` (or `facebook`), or pass --token / set LOCALGRAM_TOKEN",
    );
    // clap's own.
    let run = user.run(&["me", "--bogus"]).await;
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .starts_with("error: unexpected argument '--bogus'"),
        "{}",
        run.stderr
    );
    let run = user.run(&["login", "instagram"]).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(
        run.stderr,
        "error: the following required arguments were not provided: --app-id <APP_ID>, \
         --app-secret <APP_SECRET>; see 'localgram login instagram --help'\n"
    );
    let run = user
        .run(&with_token(
            &server,
            LONG_LIVED_TOKEN,
            &["media", "list", "--limit", "0"],
        ))
        .await;
    assert_eq!(run.code, 2, "{}", run.stderr);
}

#[tokio::test]
async fn a_corrupt_token_file_is_reported_with_its_path() {
    let user = User::new();
    std::fs::create_dir_all(user.token_path().parent().unwrap()).unwrap();
    std::fs::write(user.token_path(), "not json").unwrap();
    let run = user.run(&["me"]).await;
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.starts_with(&format!(
            "error: {} is not a saved token (",
            user.token_path().display()
        )) && run
            .stderr
            .ends_with("); remove it with `localgram logout`\n"),
        "{}",
        run.stderr
    );
}
