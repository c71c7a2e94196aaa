//! `localgram serve`: the start-up lines, the demo world, and no secret in any log line even at
//! TRACE level (`docs/robustness.md#log-redaction`).

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

struct Running {
    child: Child,
    lines: mpsc::Receiver<String>,
    stderr: std::thread::JoinHandle<String>,
    base: String,
    banner: Vec<String>,
    _dir: TempDir,
}

struct TempDir(std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn start(extra: &[&str], envs: &[(&str, &str)]) -> Running {
    static RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("localgram-cli-test-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_localgram"));
    cmd.current_dir(&dir)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env_remove("LOCALGRAM_LOG");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("cannot run localgram");
    let stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let stderr = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let first = rx
        .recv_timeout(Duration::from_secs(120))
        .expect("no output from localgram serve");
    let base = first
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("first line was {first:?}"))
        .to_owned();
    let mut banner = Vec::new();
    while let Ok(line) = rx.recv_timeout(Duration::from_millis(300)) {
        banner.push(line);
    }
    Running {
        child,
        lines: rx,
        stderr,
        base,
        banner,
        _dir: TempDir(dir),
    }
}

/// Stops the server as a service manager would (SIGTERM, which lets it write out its logs),
/// then returns everything it wrote to stderr. A server still running after 30 s is killed.
fn stop(mut r: Running) -> String {
    let _ = Command::new("kill")
        .args(["-TERM", &r.child.id().to_string()])
        .status();
    let start = std::time::Instant::now();
    while r.child.try_wait().ok().flatten().is_none() {
        if start.elapsed() > Duration::from_secs(30) {
            let _ = r.child.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let _ = r.child.wait();
    drop(r.lines);
    r.stderr.join().unwrap()
}

fn banner_value(banner: &[String], label: &str) -> String {
    banner
        .iter()
        .find_map(|l| {
            l.trim_start()
                .strip_prefix(label)
                .map(|v| v.trim().to_owned())
        })
        .unwrap_or_else(|| panic!("no {label:?} in {banner:?}"))
}

#[tokio::test]
async fn serve_prints_the_listening_line_then_the_demo_world_and_never_logs_a_secret() {
    let run = start(
        &["--database-url", "sqlite://demo.db"],
        &[("LOCALGRAM_LOG", "trace")],
    );
    assert!(run.base.starts_with("http://127.0.0.1:"), "{}", run.base);
    let app_id = banner_value(&run.banner, "app id");
    let secret = banner_value(&run.banner, "app secret");
    let token = banner_value(&run.banner, "ready token")
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();
    let authorize = banner_value(&run.banner, "authorize URL");
    assert!(
        authorize.starts_with(&format!(
            "{}/api.instagram.com/oauth/authorize?client_id={app_id}",
            run.base
        )),
        "{authorize}"
    );

    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    // The ready token works at once.
    let me: serde_json::Value = http
        .get(format!(
            "{}/graph.instagram.com/me?fields=id,username&access_token={token}",
            run.base
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        me,
        serde_json::json!({"id": "17841405793187218", "username": "jane.doe"})
    );

    // A code minted for the demo app, exchanged, then upgraded: every secret passes through the
    // query string or a form once.
    let redirect_uri = format!("{}/_localgram/oauth/callback", run.base);
    let minted: serde_json::Value = http
        .post(format!("{}/_localgram/oauth/codes", run.base))
        .json(&serde_json::json!({"app": app_id, "user": "jane.doe", "redirect_uri": redirect_uri}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let code = minted["codes"][0].as_str().unwrap().to_owned();
    let short: serde_json::Value = http
        .post(format!("{}/api.instagram.com/oauth/access_token", run.base))
        .form(&[
            ("client_id", app_id.as_str()),
            ("client_secret", secret.as_str()),
            ("grant_type", "authorization_code"),
            ("redirect_uri", redirect_uri.as_str()),
            ("code", code.as_str()),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let short = short["access_token"].as_str().unwrap().to_owned();
    let long: serde_json::Value = http
        .get(format!(
            "{}/graph.instagram.com/access_token?grant_type=ig_exchange_token&client_secret={secret}&access_token={short}",
            run.base
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let long = long["access_token"].as_str().unwrap().to_owned();
    let res = http
        .get(format!("{}/graph.instagram.com/me", run.base))
        .header("authorization", format!("Bearer {long}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);

    let logs = stop(run);
    assert!(
        logs.contains("localgram::access"),
        "no access log at TRACE: {logs}"
    );
    assert!(
        logs.contains("access_token=[redacted]"),
        "the query was not logged redacted"
    );
    for secret_value in [
        token.as_str(),
        secret.as_str(),
        code.as_str(),
        short.as_str(),
        long.as_str(),
        "correct horse",
    ] {
        assert!(
            !logs.contains(secret_value),
            "a secret reached the logs: {secret_value}"
        );
    }
}

#[tokio::test]
async fn no_demo_starts_empty_and_json_logs_are_one_object_per_line() {
    let run = start(
        &[
            "--database-url",
            "sqlite://empty.db",
            "--no-demo",
            "--log-format",
            "json",
        ],
        &[],
    );
    assert!(
        run.banner.iter().all(|l| !l.contains("demo world")),
        "{:?}",
        run.banner
    );
    let res = reqwest::get(format!("{}/_localgram/health", run.base))
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let logs = stop(run);
    let access: Vec<&str> = logs
        .lines()
        .filter(|l| l.contains("localgram::access"))
        .collect();
    assert!(!access.is_empty(), "{logs}");
    for line in access {
        let v: serde_json::Value = serde_json::from_str(line).expect("a log line is not JSON");
        assert_eq!(v["fields"]["path"], "/_localgram/health");
        assert_eq!(v["fields"]["status"], 200);
    }
}

/// The access line of one `/graph.instagram.com/me` call on a server started with `envs`.
async fn me_access_lines(envs: &[(&str, &str)]) -> Vec<String> {
    let run = start(&["--database-url", "sqlite://demo.db"], envs);
    let token = banner_value(&run.banner, "ready token")
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();
    let res = reqwest::get(format!(
        "{}/graph.instagram.com/me?fields=id,username&access_token={token}",
        run.base
    ))
    .await
    .unwrap();
    assert_eq!(res.status(), 200);
    let logs = stop(run);
    logs.lines()
        .filter(|l| l.contains("localgram::access") && l.contains("path=/graph.instagram.com/me "))
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn access_lines_have_the_compact_shape_and_follow_the_filter() {
    // Written by the server's own access-line writer: the compact format's line, to the byte.
    let lines = me_access_lines(&[]).await;
    assert_eq!(lines.len(), 1, "{lines:?}");
    let line = &lines[0];
    let (stamp, rest) = line.split_at(27);
    assert!(
        stamp.len() == 27 && stamp.ends_with('Z') && stamp.as_bytes()[10] == b'T',
        "{line}"
    );
    let rest = rest
        .strip_prefix(
            "  INFO localgram::access: request method=GET path=/graph.instagram.com/me \
             query=\"fields=id,username&access_token=[redacted]\" status=200 latency_ms=",
        )
        .unwrap_or_else(|| panic!("{line}"));
    let (latency, rest) = rest.split_once(' ').unwrap();
    assert!(latency.parse::<f64>().is_ok_and(|ms| ms >= 0.0), "{line}");
    let app = rest
        .strip_prefix("app=\"")
        .and_then(|r| r.strip_suffix("\" graph_code=0"))
        .unwrap_or_else(|| panic!("{line}"));
    assert!(
        !app.is_empty() && app.bytes().all(|b| b.is_ascii_digit()),
        "{line}"
    );

    // A filter that leaves out the access target leaves out the line.
    let lines = me_access_lines(&[("LOCALGRAM_LOG", "info,localgram::access=warn")]).await;
    assert!(lines.is_empty(), "{lines:?}");
}

#[test]
fn default_config_prints_a_commented_file() {
    let out = Command::new(env!("CARGO_BIN_EXE_localgram"))
        .arg("default-config")
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("# database_url = \"sqlite://localgram.db\""),
        "{text}"
    );
}

/// The `fbtrace_id`s of three error answers of a running server.
async fn trace_ids(base: &str) -> Vec<String> {
    let http = reqwest::Client::new();
    let mut ids = Vec::new();
    for _ in 0..3 {
        let body: serde_json::Value = http
            .get(format!(
                "{base}/graph.instagram.com/me?access_token=IGQVJnot-a-token"
            ))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let id = body["error"]["fbtrace_id"]
            .as_str()
            .unwrap_or_else(|| panic!("no fbtrace_id in {body}"));
        ids.push(id.to_owned());
    }
    ids
}

#[tokio::test]
async fn fbtrace_ids_differ_across_restarts_and_repeat_under_a_seed() {
    let dir = std::env::temp_dir().join(format!("localgram-trace-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let _cleanup = TempDir(dir.clone());
    let url = format!("sqlite://{}", dir.join("trace.db").display());
    let mut runs = Vec::new();
    for seed in [None, None, Some("42"), Some("42")] {
        let mut args = vec!["--database-url", url.as_str(), "--no-demo"];
        if let Some(seed) = seed {
            args.extend(["--fbtrace-seed", seed]);
        }
        let run = start(&args, &[]);
        runs.push(trace_ids(&run.base).await);
        stop(run);
    }
    for ids in &runs {
        assert_eq!(ids.len(), 3);
        assert!(ids.iter().all(|id| id.len() == 11), "{ids:?}");
        assert_ne!(ids[0], ids[1], "ids repeat within a run: {ids:?}");
    }
    assert!(
        runs[0].iter().all(|id| !runs[1].contains(id)),
        "a restart repeats ids: {:?} then {:?}",
        runs[0],
        runs[1]
    );
    assert_eq!(runs[2], runs[3], "the same seed gives the same ids");
    assert!(runs[2].iter().all(|id| !runs[0].contains(id)));
}

/// One app, nothing else: what `--import` replaces a whole database with.
const ONLY_APP: &str = r#"version = 1

[[apps]]
id = "424242424242424"
secret = "imported-secret-1"
name = "Imported"
redirect_uris = ["https://imported.example/cb"]
"#;

async fn exported(base: &str) -> serde_json::Value {
    let res = reqwest::get(format!("{base}/_localgram/world"))
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

fn app_ids(world: &serde_json::Value) -> Vec<&str> {
    world["apps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect()
}

/// `--export-on-exit` writes the state when the server stops; `--import` of that file starts
/// another database in the same state, and replaces whatever that database held; a missing
/// import file is an error unless it is the export file too (`docs/state.md#import-and-export-on-exit`).
#[tokio::test]
async fn export_on_exit_then_import_gives_the_same_state() {
    let dir = std::env::temp_dir().join(format!("localgram-import-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let _cleanup = TempDir(dir.clone());
    let path = |name: &str| dir.join(name).to_string_lossy().into_owned();
    let state = path("state.json");

    // First run: nothing to import yet (the file is the export file): the demo world loads.
    let a_db = format!("sqlite://{}", path("a.db"));
    let run = start(
        &[
            "--database-url",
            &a_db,
            "--import",
            &state,
            "--export-on-exit",
            &state,
        ],
        &[],
    );
    let token = banner_value(&run.banner, "ready token")
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();
    let res = reqwest::Client::new()
        .post(format!("{}/_localgram/world", run.base))
        .header("content-type", "application/toml")
        .body(ONLY_APP)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let before = exported(&run.base).await;
    assert!(app_ids(&before).contains(&"424242424242424"), "{before}");
    let logs = stop(run);
    assert!(logs.contains("state exported to"), "{logs}");
    let text = std::fs::read_to_string(&state).expect("no export on exit");
    let written: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(written, before, "the file is the state at the stop");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&state).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "it holds secrets");
    }

    // Second run, on a new database: the import, not the demo world, and the same answers.
    let b_db = format!("sqlite://{}", path("b.db"));
    let run = start(&["--database-url", &b_db, "--import", &state], &[]);
    assert_eq!(exported(&run.base).await, written);
    let me: serde_json::Value = reqwest::get(format!(
        "{}/graph.instagram.com/me?fields=id,username&access_token={token}",
        run.base
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert!(me["username"].is_string(), "{me}");
    // A reset loads the import again.
    let res = reqwest::Client::new()
        .post(format!("{}/_localgram/reset", run.base))
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(exported(&run.base).await, written);
    stop(run);

    // An import replaces what the database held.
    std::fs::write(path("only.toml"), ONLY_APP).unwrap();
    let run = start(
        &["--database-url", &a_db, "--import", &path("only.toml")],
        &[],
    );
    let now = exported(&run.base).await;
    assert_eq!(app_ids(&now), ["424242424242424"], "{now}");
    assert_eq!(now["instagram_users"], serde_json::json!([]), "{now}");
    stop(run);

    // A missing import file that is not the export file: the server does not start.
    let out = Command::new(env!("CARGO_BIN_EXE_localgram"))
        .current_dir(&dir)
        .args(["serve", "--listen", "127.0.0.1:0", "--database-url", &a_db])
        .args(["--import", &path("missing.json")])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cannot read the import file") && stderr.contains("missing.json"),
        "{stderr}"
    );
}
