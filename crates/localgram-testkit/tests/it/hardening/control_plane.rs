//! The control plane cannot be driven by a web page: only JSON or TOML with their content types
//! (or the admin bearer), no foreign `Origin` or `Sec-Fetch-Site: cross-site`, and only this
//! server's host names (no DNS rebinding). World files cannot read the server's files.

use crate::support::*;
use localgram_testkit::world::*;
use localgram_testkit::{Backend, TestOptions, TestServer, client};
use serde_json::json;

async fn send(req: reqwest::RequestBuilder) -> Reply {
    Reply::read(req.send().await.expect("request failed")).await
}

fn assert_control_error(res: &Reply, status: u16, message: &str, ctx: &str) {
    assert_eq!(res.status, status, "{ctx}: {}", res.text);
    assert_eq!(
        res.header("content-type"),
        Some("application/json; charset=UTF-8"),
        "{ctx}"
    );
    assert_eq!(res.json(), json!({ "error": message }), "{ctx}");
}

const WRONG_TYPE: &str = "the control API takes Content-Type: application/json or application/toml";
const CROSS_SITE: &str =
    "the control API refuses requests from another site (Origin or Sec-Fetch-Site)";
const WRONG_HOST: &str =
    "the Host header does not name this server; set --public-url to the name clients use";

async fn clock_unix(server: &TestServer) -> i64 {
    get(&client(), &server.url("/_localgram/clock"))
        .await
        .json()["unix"]
        .as_i64()
        .expect("no unix time")
}

#[tokio::test]
async fn simple_requests_a_page_can_send_are_refused() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn(&backend).await;
        let before = clock_unix(&server).await;
        let advance = server.url("/_localgram/clock/advance");
        // The content types of a CORS "simple request", and none at all.
        for content_type in [
            Some("text/plain"),
            Some("text/plain;charset=UTF-8"),
            Some("application/x-www-form-urlencoded"),
            Some("multipart/form-data; boundary=x"),
            None,
        ] {
            let ctx = format!("{b}: {content_type:?}");
            let mut req = client().post(&advance).body(r#"{"seconds":3600}"#);
            if let Some(ct) = content_type {
                req = req.header("content-type", ct);
            }
            assert_control_error(&send(req).await, 415, WRONG_TYPE, &ctx);
            let req = client()
                .post(server.url("/_localgram/world"))
                .body("version = 1\n");
            let req = match content_type {
                Some(ct) => req.header("content-type", ct),
                None => req,
            };
            assert_control_error(&send(req).await, 415, WRONG_TYPE, &ctx);
        }
        // A foreign Origin, `Origin: null` from another site, or Sec-Fetch-Site: cross-site.
        for (name, value) in [
            ("origin", "http://evil.example"),
            ("origin", "http://localhost:3000"),
            ("origin", "null"),
            ("sec-fetch-site", "cross-site"),
        ] {
            let ctx = format!("{b}: {name}: {value}");
            let res = send(
                client()
                    .post(&advance)
                    .header(name, value)
                    .json(&json!({"seconds": 3600})),
            )
            .await;
            assert_control_error(&res, 403, CROSS_SITE, &ctx);
            let res = send(
                client()
                    .get(server.url("/_localgram/clock"))
                    .header(name, value),
            )
            .await;
            assert_control_error(&res, 403, CROSS_SITE, &ctx);
        }
        assert_eq!(clock_unix(&server).await, before, "{b}: the clock moved");

        // The server's own origin, JSON and TOML with their types: accepted.
        let res = send(
            client()
                .post(&advance)
                .header("origin", server.base.as_str())
                .header("sec-fetch-site", "same-origin")
                .json(&json!({"seconds": 60})),
        )
        .await;
        assert_eq!(res.status, 200, "{b}: {}", res.text);
        assert_eq!(clock_unix(&server).await, before + 60, "{b}");
        let res = send(
            client()
                .post(server.url("/_localgram/world"))
                .header("content-type", "application/toml; charset=utf-8")
                .body("version = 1\n"),
        )
        .await;
        assert_eq!(res.status, 200, "{b}: {}", res.text);
        // The OAuth callback is a redirect target: a cross-site navigation lands on it.
        let res = send(
            client()
                .get(server.url("/_localgram/oauth/callback?code=AQx"))
                .header("sec-fetch-site", "cross-site"),
        )
        .await;
        assert_page(&res, 200, b);
    }
}

#[tokio::test]
async fn only_the_servers_own_host_names_are_served_by_the_control_plane_and_dashboard() {
    let server = TestServer::spawn_with(TestOptions {
        configure: |c| c.public_url = Some("http://emulator.test:8090".into()),
        ..Default::default()
    })
    .await;
    let port = server.addr.port();
    for host in [
        "evil.example".to_owned(),
        format!("evil.example:{port}"),
        format!("127.0.0.1.evil.example:{port}"),
        format!("10.1.2.3:{port}"),
        "localhost.evil.example".to_owned(),
    ] {
        for path in ["/_localgram/health", "/", "/emulator"] {
            let ctx = format!("Host {host} {path}");
            let res = send(client().get(server.url(path)).header("host", host.as_str())).await;
            assert_control_error(&res, 421, WRONG_HOST, &ctx);
        }
    }
    for host in [
        format!("127.0.0.1:{port}"),
        "127.0.0.1".to_owned(),
        format!("localhost:{port}"),
        "LOCALHOST".to_owned(),
        "emulator.test:8090".to_owned(),
        "emulator.test".to_owned(),
        "graph.instagram.com".to_owned(),
        "graph.facebook.com:443".to_owned(),
    ] {
        let meta = host.starts_with("graph.");
        let res = send(
            client()
                .get(server.url("/_localgram/health"))
                .header("host", host.as_str()),
        )
        .await;
        assert_eq!(res.status, 200, "Host {host}: {}", res.text);
        if !meta {
            // (A Meta host name routes `/` to that host's API instead.)
            let res = send(client().get(server.url("/")).header("host", host.as_str())).await;
            assert_eq!(res.status, 200, "Host {host} on the dashboard");
        }
    }
    // The emulated APIs answer whatever the Host (a client may use any name for the emulator).
    let res = send(
        client()
            .get(server.url(&format!(
                "/graph.instagram.com/me?access_token={LONG_LIVED_TOKEN}"
            )))
            .header("host", "anything.example"),
    )
    .await;
    assert_eq!(res.status, 200, "{}", res.text);
}

#[tokio::test]
async fn the_admin_bearer_in_any_case_passes_the_browser_checks() {
    let server = TestServer::spawn_with(TestOptions {
        admin_token: Some("t0k".into()),
        ..Default::default()
    })
    .await;
    for scheme in ["Bearer", "bearer", "BEARER"] {
        let res = send(
            client()
                .get(server.url("/_localgram/health"))
                .header("authorization", format!("{scheme} t0k")),
        )
        .await;
        assert_eq!(res.status, 200, "{scheme}: {}", res.text);
        // A script holding the token may post a TOML world without naming its type.
        let res = send(
            client()
                .post(server.url("/_localgram/world"))
                .header("authorization", format!("{scheme} t0k"))
                .body("version = 1\n"),
        )
        .await;
        assert_eq!(res.status, 200, "{scheme}: {}", res.text);
        // The dashboard too.
        let res = send(
            client()
                .get(server.url("/"))
                .header("authorization", format!("{scheme} t0k")),
        )
        .await;
        assert_eq!(res.status, 200, "{scheme}: dashboard");
    }
    let res = send(
        client()
            .get(server.url("/_localgram/health"))
            .header("authorization", "bearer t0"),
    )
    .await;
    assert_control_error(
        &res,
        401,
        "the control API requires Authorization: Bearer <admin token>",
        "a wrong token",
    );
}

fn picture_world(picture: &str) -> String {
    format!(
        "version = 1\n[[instagram_users]]\nid = \"17841400000000901\"\nusername = \"pic.account\"\npassword = \"pic password\"\nprofile_picture = \"{picture}\"\n"
    )
}

#[tokio::test]
async fn a_posted_world_cannot_read_the_servers_files() {
    for backend in Backend::all() {
        let b = backend.name();
        let server = spawn(&backend).await;
        let db = Db::open(&server).await;
        for picture in [
            "/dev/zero",
            "/etc/passwd",
            "../../etc/passwd",
            "picture.png",
        ] {
            let ctx = format!("{b}: {picture}");
            let res = send(
                client()
                    .post(server.url("/_localgram/world"))
                    .header("content-type", "application/toml")
                    .body(picture_world(picture)),
            )
            .await;
            assert_control_error(
                &res,
                400,
                "world file: instagram_users[0] (id \"17841400000000901\"): field `profile_picture`: a world posted to the control plane cannot name files on the server; give the file inline as a data: URI (data:image/jpeg;base64,…), name a file Localgram serves (/cdn/media/{id}.jpg), or load the world with --world",
                &ctx,
            );
        }
        assert_eq!(
            db.count("ig_users WHERE id = '17841400000000901'").await,
            0,
            "{b}: nothing written"
        );
    }
}

#[tokio::test]
async fn a_world_file_reads_files_inside_its_own_folder_only() {
    // `--world` in a folder of its own: `/dev/zero` and `/etc/passwd` are outside it.
    for picture in ["/dev/zero", "/etc/passwd", "../etc/passwd"] {
        let dir = std::env::temp_dir().join(format!(
            "localgram_world_jail_{}_{}",
            std::process::id(),
            picture.len()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("world.toml");
        std::fs::write(&path, picture_world(picture)).unwrap();
        let config = localgram_server::config::Config {
            listen: "127.0.0.1:0".parse().unwrap(),
            database_url: format!("sqlite://{}", dir.join("db.sqlite").display()),
            world: Some(path),
            no_demo: true,
            ..Default::default()
        };
        let err = match localgram_server::prepare(config, "127.0.0.1:0".parse().unwrap()).await {
            Ok(_) => panic!("{picture}: the world loaded"),
            Err(e) => format!("{e:#}"),
        };
        assert!(
            err.contains("field `profile_picture`")
                && err.contains("is outside the world file's folder"),
            "{picture}: {err}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
