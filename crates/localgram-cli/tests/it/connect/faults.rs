//! `localgram faults add|list|clear` against a real server's control plane.

use serde_json::json;

use super::*;

#[tokio::test]
async fn faults_are_added_listed_and_cleared_through_the_control_plane() {
    let server = server().await;
    let user = User::new();
    let base = server.base.as_str();
    let rule = r#"{"match": {"host": "graph.instagram.com", "path": "/me"}, "when": {"after": 3}, "effect": {"revoke_token": true}}"#;
    let run = user
        .run(&["faults", "add", rule, "--localgram", base])
        .await
        .ok();
    let added: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let id = added["id"].as_str().unwrap().to_owned();
    assert_eq!(added["effect"], json!({"revoke_token": true}));
    assert_eq!(server.state.platform.faults.rules().len(), 1);

    let run = user
        .run_with(&["faults", "list"], &[("LOCALGRAM_URL", base)])
        .await
        .ok();
    let listed: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(listed["data"][0]["id"], id.as_str());
    assert_eq!(listed["data"][0]["fired"], 0);

    // A malformed rule: the server's message, exit 3; nothing added.
    user.run(&[
        "faults",
        "add",
        r#"{"effect": {"throttle": {"code": 9}}}"#,
        "--localgram",
        base,
    ])
    .await
    .fails(
        3,
        "effect.throttle.code: must be one of [4, 17, 32, 613, 80001, 80002] (400 Bad Request)",
    );
    user.run(&["faults", "add", "not json", "--localgram", base])
        .await
        .fails(2, "the rule is not JSON: expected ident at line 1 column 2");
    assert_eq!(server.state.platform.faults.rules().len(), 1);

    let run = user
        .run(&["faults", "clear", &id, "--localgram", base])
        .await
        .ok();
    assert_eq!(run.stdout, "{\n  \"deleted\": 1\n}\n");
    user.run(&["faults", "clear", &id, "--localgram", base])
        .await
        .fails(3, &format!("id: no fault rule {id:?} (404 Not Found)"));
    let run = user
        .run(&["faults", "clear", "--localgram", base])
        .await
        .ok();
    assert_eq!(run.stdout, "{\n  \"deleted\": 0\n}\n");
    user.run(&["faults", "list"]).await.fails(
        2,
        "faults needs a Localgram server: give --localgram URL or set LOCALGRAM_URL",
    );
}
