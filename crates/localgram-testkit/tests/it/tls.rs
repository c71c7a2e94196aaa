//! Meta's host names over TLS (`docs/tls.md`): real clients (curl, Python `requests`, Node)
//! through the proxy with nothing but environment variables changed, the HTTPS listener reached
//! by name, and the refusals (a host Localgram does not serve, a client that does not trust the
//! CA).
//!
//! curl, python3 (with `requests`) and node are external: a test whose tool is missing prints a
//! `skipped:` line and passes, unless `LOCALGRAM_E2E_REQUIRED=1` (as `.ci/run` sets), where it
//! fails.

use crate::support::*;
use localgram_testkit::world::*;
use localgram_testkit::{TestOptions, TestServer};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

fn required() -> bool {
    std::env::var("LOCALGRAM_E2E_REQUIRED").is_ok_and(|v| v == "1")
}

/// Whether `program --version` (or `check`) runs; prints the skip line when it does not.
fn available(program: &str, args: &[&str], test: &str) -> bool {
    let ok = Command::new(program)
        .args(args)
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            !required(),
            "{program} is missing, and LOCALGRAM_E2E_REQUIRED=1"
        );
        println!("skipped: {test}: {program} {} does not run", args.join(" "));
    }
    ok
}

fn clients_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients")
}

async fn tls_server() -> TestServer {
    TestServer::spawn_with(TestOptions {
        configure: |c| c.https_listen = Some("127.0.0.1:0".parse().unwrap()),
        ..Default::default()
    })
    .await
}

/// The environment `localgram env` prints for `server`, on a command with an empty environment
/// but for `PATH` and `HOME`.
fn client_env(server: &TestServer, cmd: &mut Command) {
    let ca = server.ca_cert.as_ref().expect("TLS is off");
    cmd.env_clear();
    for keep in ["PATH", "HOME", "PYENV_ROOT", "PYENV_VERSION"] {
        if let Some(v) = std::env::var_os(keep) {
            cmd.env(keep, v);
        }
    }
    let lines = localgram_server::tls::env_lines(ca, Some(server.addr), server.https_addr);
    for line in lines.lines() {
        if let Some((k, v)) = line.strip_prefix("export ").and_then(|l| l.split_once('=')) {
            cmd.env(k, v.trim_matches('\''));
        }
    }
}

/// The media ids of the tester, newest first, read on the plain listener.
async fn expected_ids(server: &TestServer) -> Vec<String> {
    let reply = get(
        server,
        &format!("/graph.instagram.com/v22.0/me/media?fields=id&limit=100&access_token={LONG_LIVED_TOKEN}"),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let ids: Vec<String> = reply.json()["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_owned())
        .collect();
    assert!(ids.len() >= 2, "the test needs several pages: {ids:?}");
    ids
}

async fn get(server: &TestServer, path: &str) -> Reply {
    Reply::read(
        localgram_testkit::client()
            .get(server.url(path))
            .send()
            .await
            .unwrap(),
    )
    .await
}

fn run(cmd: &mut Command) -> Output {
    let out = cmd.output().expect("cannot run the client");
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// What a scripted client printed: every id, on paging links of the real host, and a code
/// exchanged on api.instagram.com.
async fn check_client_report(server: &TestServer, report: &Value) {
    let ids: Vec<&str> = report["ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(ids, expected_ids(server).await, "{report}");
    let nexts = report["nexts"].as_array().unwrap();
    assert!(!nexts.is_empty(), "{report}");
    for next in nexts {
        assert!(
            next.as_str()
                .unwrap()
                .starts_with("https://graph.instagram.com/v22.0/me/media?"),
            "{next}"
        );
    }
    assert_eq!(report["status"], 200, "{report}");
    assert_eq!(
        report["exchange"]["user_id"].as_u64(),
        Some(TESTER_ID.parse().unwrap()),
        "{report}"
    );
    assert!(
        report["exchange"]["access_token"]
            .as_str()
            .is_some_and(|t| t.starts_with("IGQVJ")),
        "{report}"
    );
}

async fn run_script(program: &str, script: &str) {
    let server = tls_server().await;
    let code = mint_code(&server).await;
    let mut cmd = Command::new(program);
    client_env(&server, &mut cmd);
    cmd.arg(clients_dir().join(script))
        .env("LG_TOKEN", LONG_LIVED_TOKEN)
        .env("LG_CODE", &code)
        .env("LG_APP_ID", APP_ID)
        .env("LG_APP_SECRET", APP_SECRET)
        .env("LG_REDIRECT_URI", REDIRECT_URI);
    let out = tokio::task::spawn_blocking(move || run(&mut cmd))
        .await
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    check_client_report(&server, &report).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn python_requests_reaches_the_real_host_names_through_the_proxy() {
    if available("python3", &["-c", "import requests"], "python requests") {
        run_script("python3", "hardcoded.py").await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn node_reaches_the_real_host_names_through_the_proxy() {
    if available("node", &["--version"], "node") {
        run_script("node", "hardcoded.mjs").await;
    }
}

/// curl, run with the environment only (no `-x`, no `--cacert`).
fn curl(server: &TestServer, args: &[&str]) -> Output {
    let mut cmd = Command::new("curl");
    client_env(server, &mut cmd);
    cmd.args(["-sS", "--max-time", "30"]).args(args);
    cmd.output().expect("cannot run curl")
}

#[tokio::test(flavor = "multi_thread")]
async fn curl_reaches_the_real_host_names_through_the_proxy() {
    if !available("curl", &["--version"], "curl") {
        return;
    }
    let server = tls_server().await;
    let mut url = format!(
        "https://graph.instagram.com/v22.0/me/media?fields=id&limit=1&access_token={LONG_LIVED_TOKEN}"
    );
    let mut ids = Vec::new();
    let mut nexts = Vec::new();
    loop {
        let out = curl(&server, &[&url]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let page: Value = serde_json::from_slice(&out.stdout).unwrap();
        for m in page["data"].as_array().unwrap() {
            ids.push(m["id"].clone());
        }
        match page["paging"]["next"].as_str() {
            Some(next) => {
                nexts.push(Value::from(next));
                url = next.to_owned();
            }
            None => break,
        }
    }
    let code = mint_code(&server).await;
    let out = curl(
        &server,
        &[
            "https://api.instagram.com/oauth/access_token",
            "-F",
            &format!("client_id={APP_ID}"),
            "-F",
            &format!("client_secret={APP_SECRET}"),
            "-F",
            "grant_type=authorization_code",
            "-F",
            &format!("redirect_uri={REDIRECT_URI}"),
            "-F",
            &format!("code={code}"),
            "-w",
            "\n%{http_code}",
        ],
    );
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (body, status) = text.rsplit_once('\n').unwrap();
    let report = serde_json::json!({
        "ids": ids,
        "nexts": nexts,
        "status": status.parse::<u16>().unwrap(),
        "exchange": serde_json::from_str::<Value>(body).unwrap(),
    });
    check_client_report(&server, &report).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_https_listener_answers_by_name_with_urls_on_that_name() {
    if !available("curl", &["--version"], "curl") {
        return;
    }
    let server = tls_server().await;
    let https = server.https_addr.unwrap();
    let port = https.port();
    let resolve = format!("graph.instagram.com:{port}:127.0.0.1");
    let url = format!(
        "https://graph.instagram.com:{port}/me/media?fields=id,media_url&limit=1&access_token={LONG_LIVED_TOKEN}"
    );
    // Without the proxy: the name resolved to the listener, the CA from the environment.
    let out = curl(&server, &["--noproxy", "*", "--resolve", &resolve, &url]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let page: Value = serde_json::from_slice(&out.stdout).unwrap();
    let first = &page["data"][0];
    let id = first["id"].as_str().unwrap();
    assert_eq!(
        first["media_url"],
        format!("https://graph.instagram.com:{port}/cdn/media/{id}.jpg")
    );
    let next = page["paging"]["next"].as_str().unwrap();
    assert!(
        next.starts_with(&format!(
            "https://graph.instagram.com:{port}/v22.0/me/media?"
        )),
        "{next}"
    );
    // The media URL serves the file on the same name.
    let out = curl(
        &server,
        &[
            "--noproxy",
            "*",
            "--resolve",
            &resolve,
            "-o",
            "/dev/null",
            "-w",
            "%{http_code} %{content_type}",
            first["media_url"].as_str().unwrap(),
        ],
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "200 image/jpeg");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_client_that_does_not_trust_the_ca_gets_a_tls_failure_not_a_hang() {
    if !available("curl", &["--version"], "curl") {
        return;
    }
    let server = tls_server().await;
    let empty = std::env::temp_dir().join(format!("localgram-empty-ca-{}.pem", std::process::id()));
    // A CA bundle that holds another CA: Localgram's certificate is then unknown.
    let other = tempfile_ca();
    std::fs::write(&empty, other).unwrap();
    let out = curl(
        &server,
        &[
            "--cacert",
            empty.to_str().unwrap(),
            "https://graph.instagram.com/me",
        ],
    );
    let _ = std::fs::remove_file(&empty);
    // 60: the peer certificate cannot be authenticated with the given CA certificates.
    assert_eq!(
        out.status.code(),
        Some(60),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The PEM of a CA that is not Localgram's.
fn tempfile_ca() -> String {
    let dir = std::env::temp_dir().join(format!("localgram-other-ca-{}", std::process::id()));
    let ca = localgram_server::tls::LocalCa::load_or_create(&dir).unwrap();
    let pem = ca.cert_pem().to_owned();
    let _ = std::fs::remove_dir_all(&dir);
    pem
}

/// Sends `request` on a new connection to the plain listener and reads until it is closed.
async fn raw(server: &TestServer, request: &str) -> String {
    let mut stream = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    answer
}

#[tokio::test(flavor = "multi_thread")]
async fn connect_to_another_host_is_refused_and_nothing_leaves_the_machine() {
    let server = tls_server().await;
    let answer = raw(
        &server,
        "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
    )
    .await;
    let (head, body) = answer.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 403 Forbidden\r\n"), "{head}");
    assert!(
        head.contains("content-type: text/plain; charset=utf-8"),
        "{head}"
    );
    assert_eq!(
        body,
        "Localgram is not a general proxy: it answers only for api.instagram.com, \
         www.instagram.com, graph.instagram.com, www.facebook.com, graph.facebook.com (HTTPS on \
         port 443, or plain HTTP), and never connects to the network. CONNECT example.com:443 \
         was refused.\n"
    );
    // A host Localgram could reach (a listener of this test) is refused the same way, and is
    // never connected to.
    let bait = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    bait.set_nonblocking(true).unwrap();
    let target = bait.local_addr().unwrap();
    let answer = raw(
        &server,
        &format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n"),
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 403 Forbidden\r\n"), "{answer}");
    let answer = raw(
        &server,
        &format!("GET http://{target}/ HTTP/1.1\r\nHost: {target}\r\nConnection: close\r\n\r\n"),
    )
    .await;
    assert!(
        answer.starts_with("HTTP/1.1 200")
            || answer.starts_with("HTTP/1.1 3")
            || answer.starts_with("HTTP/1.1 4"),
        "{answer}"
    );
    assert_eq!(
        bait.accept().map(|_| ()).map_err(|e| e.kind()),
        Err(std::io::ErrorKind::WouldBlock),
        "Localgram connected to the target"
    );
    // A Meta host on another port is refused too; an absolute-form request for another host
    // as well.
    let answer = raw(&server, "CONNECT graph.instagram.com:8443 HTTP/1.1\r\n\r\n").await;
    assert!(answer.starts_with("HTTP/1.1 403 Forbidden\r\n"), "{answer}");
    let answer = raw(
        &server,
        "GET http://example.com/ HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 403 Forbidden\r\n"), "{answer}");
    assert!(
        answer.ends_with("GET http://example.com/ was refused.\n"),
        "{answer}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn absolute_form_requests_for_a_meta_host_are_served_with_urls_on_that_host() {
    let server = tls_server().await;
    let answer = raw(
        &server,
        &format!(
            "GET http://graph.instagram.com/v22.0/me/media?fields=id&limit=1&access_token={LONG_LIVED_TOKEN} HTTP/1.1\r\nHost: graph.instagram.com\r\nConnection: close\r\n\r\n"
        ),
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
    assert!(
        answer.contains("\"next\":\"http://graph.instagram.com/v22.0/me/media?"),
        "{answer}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_sdks_transport_reaches_the_https_listener_by_name_trusting_the_ca() {
    let server = tls_server().await;
    let pem = std::fs::read(server.ca_cert.as_ref().unwrap()).unwrap();
    let https = server.https_addr.unwrap();
    let client = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&pem).unwrap())
        .resolve("graph.facebook.com", https)
        .no_proxy()
        .build()
        .unwrap();
    let res = client
        .get(format!(
            "https://graph.facebook.com:{}/v21.0/me?access_token={}",
            https.port(),
            fb::LONG_TOKEN
        ))
        .send()
        .await
        .unwrap();
    // The test world has no Facebook users: the token is unknown there, answered in the Graph
    // envelope by graph.facebook.com (not by another host).
    assert_eq!(res.status(), 400);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], 190, "{body}");
}
