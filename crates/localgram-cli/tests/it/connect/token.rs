//! `localgram token refresh|exchange|inspect`: the new token on stdout and only there, saving
//! (to a 0600 file) when the token came from the file or with `--save`, and refusals.

use super::*;

#[tokio::test]
async fn refresh_prints_a_working_token_and_saves_only_when_asked() {
    let server = server().await;
    let user = User::new();
    let run = user
        .run(&with_token(
            &server,
            LONG_LIVED_TOKEN,
            &["token", "refresh"],
        ))
        .await
        .ok();
    let lines = run.lines();
    assert_eq!(lines.len(), 1, "{}", run.stdout);
    let fresh = lines[0].to_owned();
    assert!(
        fresh.starts_with("IG") && fresh != LONG_LIVED_TOKEN,
        "{fresh}"
    );
    assert!(run.stderr.starts_with("It expires on "), "{}", run.stderr);
    assert!(
        run.stderr
            .ends_with("Z (in 60 days); not saved (add --save to keep it).\n"),
        "{}",
        run.stderr
    );
    assert!(!user.token_path().exists());
    let me = user
        .run(&with_token(&server, &fresh, &["--json", "me"]))
        .await
        .ok();
    assert_eq!(me.json_lines()[0]["id"], TESTER_ID);

    // A token issued now is too young to refresh: the server's error, exit 3, one line.
    let young = user
        .run(&with_token(
            &server,
            &fresh,
            &["token", "refresh", "--save"],
        ))
        .await;
    assert_eq!(young.code, 3, "{young:?}");
    assert!(young.stderr.starts_with("error: "), "{}", young.stderr);
    assert_eq!(young.stderr.lines().count(), 1);
    assert!(!user.token_path().exists());

    // A day later it can be, and --save keeps the new one (0600).
    server.advance(86_400);
    let run = user
        .run(&with_token(
            &server,
            &fresh,
            &["token", "refresh", "--save", "--json"],
        ))
        .await
        .ok();
    let out = &run.json_lines()[0];
    assert_eq!(out["token_type"], "bearer");
    assert_eq!(out["expires_in"], 5_184_000);
    assert_eq!(out["token_file"], user.token_path().display().to_string());
    assert!(
        run.stderr.ends_with(&format!(
            "Z (in 60 days); saved to {}.\n",
            user.token_path().display()
        )),
        "{}",
        run.stderr
    );
    assert_eq!(mode(&user.token_path()), 0o600);
    let saved = user.saved();
    assert_eq!(saved["access_token"], out["access_token"]);
    assert_eq!(saved["kind"], "instagram_long_lived");
    assert_eq!(saved["base_url"], server.base.as_str());

    // The saved token is refreshed in place, without --save.
    server.advance(86_400);
    let run = user.run(&["token", "refresh"]).await.ok();
    let newest = run.stdout.trim().to_owned();
    assert_ne!(newest, saved["access_token"].as_str().unwrap());
    assert_eq!(user.saved()["access_token"], newest.as_str());
    assert_eq!(mode(&user.token_path()), 0o600);
    user.run(&["me"]).await.ok();
}

#[tokio::test]
async fn exchange_turns_a_short_lived_token_into_a_long_lived_one() {
    let server = server().await;
    let user = User::new();
    let short = short_lived_token(&server).await;
    let run = user
        .run(&with_token(
            &server,
            &short,
            &["token", "exchange", "--app-secret", APP_SECRET, "--json"],
        ))
        .await
        .ok();
    let out = &run.json_lines()[0];
    let long = out["access_token"].as_str().unwrap().to_owned();
    assert_ne!(long, short);
    assert_eq!(out["expires_in"], 5_184_000);
    assert!(!user.token_path().exists());
    user.run(&with_token(&server, &long, &["me"])).await.ok();

    // With the secret from the environment, saved.
    let short = short_lived_token(&server).await;
    let run = user
        .run_with(
            &with_token(&server, &short, &["token", "exchange", "--save"]),
            &[("LOCALGRAM_APP_SECRET", APP_SECRET)],
        )
        .await
        .ok();
    let long = run.stdout.trim();
    assert_eq!(user.saved()["access_token"], long);
    assert!(!run.stderr.contains(APP_SECRET));

    // The wrong secret: the Graph error, exit 3.
    let short = short_lived_token(&server).await;
    let run = user
        .run(&with_token(
            &server,
            &short,
            &["token", "exchange", "--app-secret", "wrong-secret"],
        ))
        .await;
    assert_eq!(run.code, 3, "{run:?}");
    assert!(run.stderr.starts_with("error: "), "{}", run.stderr);
    assert!(!run.stderr.contains("wrong-secret"));
}

#[tokio::test]
async fn inspect_redacts_the_token_unless_asked() {
    let server = server().await;
    let user = User::new();
    let run = user
        .run(&with_token(
            &server,
            LONG_LIVED_TOKEN,
            &["token", "inspect"],
        ))
        .await
        .ok();
    assert_eq!(
        run.lines(),
        [
            "token   IGQVJl…ived".to_owned(),
            "kind    instagram_long_lived".to_owned(),
            "source  given (--token or LOCALGRAM_TOKEN)".to_owned(),
            format!("server  {}", server.base),
        ]
    );
    let run = user
        .run(&with_token(
            &server,
            LONG_LIVED_TOKEN,
            &["token", "inspect", "--show", "--json"],
        ))
        .await
        .ok();
    assert_eq!(run.json_lines()[0]["token"], LONG_LIVED_TOKEN);

    // A saved token: what the file knows.
    user.run(&with_token(
        &server,
        LONG_LIVED_TOKEN,
        &["token", "refresh", "--save"],
    ))
    .await
    .ok();
    let run = user.run(&["--json", "token", "inspect"]).await.ok();
    let info = &run.json_lines()[0];
    let token = user.saved()["access_token"].as_str().unwrap().to_owned();
    assert!(!run.stdout.contains(&token));
    assert_eq!(info["source"], "saved");
    assert_eq!(info["token_file"], user.token_path().display().to_string());
    assert_eq!(info["server"], server.base.as_str());
    assert_eq!(info["expired"], false);
    assert!(
        info["expires_at"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z'))
    );
}

#[tokio::test]
async fn a_facebook_token_is_not_refreshed() {
    let server = server().await;
    User::new()
        .run(&with_token(&server, "EAAfakeFacebookToken123", &["token", "refresh"]))
        .await
        .fails(
            2,
            "a Facebook token cannot be refreshed: exchange a new short-lived one with `localgram token exchange --facebook`, or run `localgram login facebook` again",
        );
}
