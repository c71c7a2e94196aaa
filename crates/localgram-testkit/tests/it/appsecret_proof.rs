//! `appsecret_proof` (`docs/graph-api.md#appsecret-proof`) on graph.facebook.com and
//! graph.instagram.com, on both backends: checked when sent, required when the app says so, the
//! `appsecret_time` variant, and the app secret kept sealed (never in cleartext) in the database.

use crate::support::*;
use localgram_core::seal::appsecret_proof;
use localgram_testkit::world::fb;
use localgram_testkit::world::{APP_SECRET as IG_APP_SECRET, LONG_LIVED_TOKEN};
use localgram_testkit::{Backend, TestOptions, TestServer, client, facebook_world};
use serde_json::{Value, json};

const FB: &str = "/graph.facebook.com/v21.0";
const IG: &str = "/graph.instagram.com";

async fn spawn_world(backend: &Backend, require: bool) -> TestServer {
    let world = if require {
        facebook_world().replace(
            "name = \"Facebook Only\"",
            "name = \"Facebook Only\"\nrequire_appsecret_proof = true",
        )
    } else {
        facebook_world()
    };
    TestServer::spawn_with(TestOptions {
        backend: backend.clone(),
        world: Some(world),
        ..Default::default()
    })
    .await
}

fn url(server: &TestServer, prefix: &str, path: &str, pairs: &[(&str, &str)]) -> String {
    let q = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    server.url(&format!("{prefix}{path}?{q}"))
}

fn wrong_proof() -> Value {
    graph_error(
        100,
        None,
        "GraphMethodException",
        "Invalid appsecret_proof provided in the API argument",
    )
}

fn proof_required() -> Value {
    graph_error(
        100,
        None,
        "GraphMethodException",
        "API calls from the server require an appsecret_proof argument",
    )
}

#[tokio::test]
async fn appsecret_proof_is_checked_when_sent() {
    for backend in Backend::all() {
        let server = spawn_world(&backend, false).await;
        let ctx = backend.name();
        let c = client();
        let token = fb::LONG_TOKEN;
        let proof = appsecret_proof(fb::APP_SECRET, token);
        // Right proof, no proof (not required), wrong proof, a proof with another app's secret.
        let ok = get(
            &c,
            &url(
                &server,
                FB,
                "/me",
                &[
                    ("fields", "id"),
                    ("access_token", token),
                    ("appsecret_proof", &proof),
                ],
            ),
        )
        .await;
        assert_eq!(ok.status, 200, "{ctx}: {}", ok.text);
        assert_eq!(ok.json(), json!({"id": fb::USER_ID}), "{ctx}");
        let upper = proof.to_ascii_uppercase();
        let ok = get(
            &c,
            &url(
                &server,
                FB,
                "/me",
                &[("access_token", token), ("appsecret_proof", &upper)],
            ),
        )
        .await;
        assert_eq!(ok.status, 200, "{ctx}: {}", ok.text);
        let none = get(&c, &url(&server, FB, "/me", &[("access_token", token)])).await;
        assert_eq!(none.status, 200, "{ctx}: {}", none.text);
        for bad in [
            "0".repeat(64),
            appsecret_proof(IG_APP_SECRET, token),
            appsecret_proof(fb::APP_SECRET, "another token"),
        ] {
            let r = get(
                &c,
                &url(
                    &server,
                    FB,
                    "/me",
                    &[("access_token", token), ("appsecret_proof", &bad)],
                ),
            )
            .await;
            assert_graph_error(&r, wrong_proof(), &format!("{ctx}: {bad:?}"));
        }
        // The proof travels with a Bearer token too.
        let bearer = Reply::read(
            c.get(url(
                &server,
                FB,
                "/me/accounts",
                &[("fields", "id"), ("appsecret_proof", "bad")],
            ))
            .bearer_auth(token)
            .send()
            .await
            .unwrap(),
        )
        .await;
        assert_graph_error(&bearer, wrong_proof(), ctx);
        let bearer = Reply::read(
            c.get(url(
                &server,
                FB,
                "/me/accounts",
                &[("fields", "id"), ("appsecret_proof", &proof)],
            ))
            .bearer_auth(token)
            .send()
            .await
            .unwrap(),
        )
        .await;
        assert_eq!(bearer.status, 200, "{ctx}: {}", bearer.text);

        // The time-based variant: HMAC of "<token>|<appsecret_time>".
        let time = "1777000000";
        let timed = appsecret_proof(fb::APP_SECRET, &format!("{token}|{time}"));
        let ok = get(
            &c,
            &url(
                &server,
                FB,
                "/me",
                &[
                    ("access_token", token),
                    ("appsecret_proof", &timed),
                    ("appsecret_time", time),
                ],
            ),
        )
        .await;
        assert_eq!(ok.status, 200, "{ctx}: {}", ok.text);
        for (p, t) in [
            (proof.as_str(), time),
            (timed.as_str(), "1777000001"),
            (timed.as_str(), "yesterday"),
        ] {
            let r = get(
                &c,
                &url(
                    &server,
                    FB,
                    "/me",
                    &[
                        ("access_token", token),
                        ("appsecret_proof", p),
                        ("appsecret_time", t),
                    ],
                ),
            )
            .await;
            assert_graph_error(&r, wrong_proof(), &format!("{ctx}: time {t}"));
        }

        // graph.instagram.com checks it the same way.
        let ig_proof = appsecret_proof(IG_APP_SECRET, LONG_LIVED_TOKEN);
        let ok = get(
            &c,
            &url(
                &server,
                IG,
                "/me",
                &[
                    ("fields", "id"),
                    ("access_token", LONG_LIVED_TOKEN),
                    ("appsecret_proof", &ig_proof),
                ],
            ),
        )
        .await;
        assert_eq!(ok.status, 200, "{ctx}: {}", ok.text);
        let r = get(
            &c,
            &url(
                &server,
                IG,
                "/me",
                &[
                    ("access_token", LONG_LIVED_TOKEN),
                    ("appsecret_proof", &proof),
                ],
            ),
        )
        .await;
        assert_graph_error(&r, wrong_proof(), ctx);
        let ig_timed = appsecret_proof(IG_APP_SECRET, &format!("{LONG_LIVED_TOKEN}|{time}"));
        let ok = get(
            &c,
            &url(
                &server,
                IG,
                "/me/media",
                &[
                    ("access_token", LONG_LIVED_TOKEN),
                    ("appsecret_proof", &ig_timed),
                    ("appsecret_time", time),
                ],
            ),
        )
        .await;
        assert_eq!(ok.status, 200, "{ctx}: {}", ok.text);
    }
}

#[tokio::test]
async fn appsecret_proof_is_required_when_the_app_says_so() {
    for backend in Backend::all() {
        let server = spawn_world(&backend, true).await;
        let ctx = backend.name();
        let c = client();
        let token = fb::LONG_TOKEN;
        let proof = appsecret_proof(fb::APP_SECRET, token);
        let missing = get(&c, &url(&server, FB, "/me", &[("access_token", token)])).await;
        assert_graph_error(&missing, proof_required(), ctx);
        let missing = get(
            &c,
            &url(&server, FB, "/me/accounts", &[("access_token", token)]),
        )
        .await;
        assert_graph_error(&missing, proof_required(), ctx);
        let wrong = get(
            &c,
            &url(
                &server,
                FB,
                "/me",
                &[("access_token", token), ("appsecret_proof", "abc")],
            ),
        )
        .await;
        assert_graph_error(&wrong, wrong_proof(), ctx);
        let ok = get(
            &c,
            &url(
                &server,
                FB,
                "/me",
                &[
                    ("fields", "id"),
                    ("access_token", token),
                    ("appsecret_proof", &proof),
                ],
            ),
        )
        .await;
        assert_eq!(ok.status, 200, "{ctx}: {}", ok.text);
        assert_eq!(ok.json(), json!({"id": fb::USER_ID}), "{ctx}");
        // The {app-id}|{app-secret} form carries the secret itself.
        let pipe = format!("{}|{}", fb::APP_ID, fb::APP_SECRET);
        let ok = get(
            &c,
            &url(
                &server,
                FB,
                "/fb_page_categories",
                &[("access_token", &pipe)],
            ),
        )
        .await;
        assert_eq!(ok.status, 200, "{ctx}: {}", ok.text);
        // Other apps are not concerned.
        let ig = get(
            &c,
            &url(&server, IG, "/me", &[("access_token", LONG_LIVED_TOKEN)]),
        )
        .await;
        assert_eq!(ig.status, 200, "{ctx}: {}", ig.text);
        // A batch's items using the top-level token use its proof too.
        let batch = r#"[{"method":"GET","relative_url":"me?fields=id"}]"#;
        let r = post_form(
            &c,
            &server.url(FB),
            &[("access_token", token), ("batch", batch)],
        )
        .await;
        assert_eq!(r.status, 200, "{ctx}: {}", r.text);
        assert_eq!(r.json()[0]["code"], 400, "{ctx}: {}", r.text);
        let r = post_form(
            &c,
            &server.url(FB),
            &[
                ("access_token", token),
                ("appsecret_proof", &proof),
                ("batch", batch),
            ],
        )
        .await;
        assert_eq!(r.status, 200, "{ctx}: {}", r.text);
        let item = &r.json()[0];
        assert_eq!(item["code"], 200, "{ctx}: {item}");
        assert_eq!(
            item["body"],
            json!(json!({"id": fb::USER_ID}).to_string()),
            "{ctx}"
        );
    }
}

#[tokio::test]
async fn app_secrets_are_sealed_at_rest_and_survive_a_restart() {
    for backend in Backend::all() {
        let server = spawn_world(&backend, true).await;
        let ctx = backend.name();
        let db = Db::open(&server).await;
        let dump = db.dump().await;
        for secret in [fb::APP_SECRET, IG_APP_SECRET] {
            assert!(
                !dump.contains(secret),
                "{ctx}: cleartext app secret {secret} in the database"
            );
        }
        assert_eq!(
            db.count("apps WHERE secret_sealed IS NULL").await,
            0,
            "{ctx}"
        );
        let sealed = db
            .opt_string(&format!(
                "SELECT secret_sealed FROM apps WHERE id = '{}'",
                fb::APP_ID
            ))
            .await
            .unwrap();
        assert!(sealed.starts_with("v1."), "{ctx}: {sealed}");
        assert!(dump.contains(&sealed), "{ctx}: the dump is real");
        drop(db);
        // The sealing key is derived from the instance secret kept in the database: proofs still
        // check after a restart.
        let server = server.restart().await;
        let proof = appsecret_proof(fb::APP_SECRET, fb::LONG_TOKEN);
        let ok = get(
            &client(),
            &url(
                &server,
                FB,
                "/me",
                &[
                    ("access_token", fb::LONG_TOKEN),
                    ("appsecret_proof", &proof),
                ],
            ),
        )
        .await;
        assert_eq!(ok.status, 200, "{ctx}: {}", ok.text);
        let wrong = get(
            &client(),
            &url(
                &server,
                FB,
                "/me",
                &[("access_token", fb::LONG_TOKEN), ("appsecret_proof", "00")],
            ),
        )
        .await;
        assert_graph_error(&wrong, wrong_proof(), ctx);
    }
}
