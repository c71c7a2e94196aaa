//! The connector commands, run as a user runs them: the built `localgram` binary against a real
//! Localgram server (the testkit's `TestServer` on port 0), each run with its own configuration
//! directory (`XDG_CONFIG_HOME` in a temp dir) and none of the caller's `LOCALGRAM_*` variables.
//!
//! Children run through `tokio::process`, so the server keeps serving on the test's runtime
//! while a command waits for it.

mod connections;
mod errors;
mod faults;
mod login;
mod pages;
mod progress;
mod publishing;
mod reads;
mod token;

use std::path::{Path, PathBuf};
use std::process::Stdio;

use localgram_testkit::{TEST_WORLD, TestOptions, TestServer};

pub use localgram_testkit::world::*;

/// The test world, with `http://127.0.0.1/callback` registered too (the CLI's default redirect
/// path; any port matches a loopback URI).
pub fn callback_world() -> String {
    let registered = "\"http://127.0.0.1/cb\"";
    assert!(TEST_WORLD.contains(registered));
    TEST_WORLD.replace(
        registered,
        "\"http://127.0.0.1/cb\", \"http://127.0.0.1/callback\"",
    )
}

/// A server over [`callback_world`].
pub async fn server() -> TestServer {
    TestServer::spawn_with(TestOptions {
        world: Some(callback_world()),
        ..Default::default()
    })
    .await
}

/// A directory removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new() -> Self {
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("localgram-connect-test-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A finished run.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Asserts success and no error output.
    #[track_caller]
    pub fn ok(self) -> Self {
        assert_eq!(
            self.code, 0,
            "exit code\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    /// Asserts a failure with this exit code and exactly one stderr line `error: {message}`.
    #[track_caller]
    pub fn fails(self, code: i32, message: &str) -> Self {
        assert_eq!(
            (self.code, self.stderr.as_str()),
            (code, format!("error: {message}\n").as_str()),
            "stdout:\n{}",
            self.stdout
        );
        self
    }

    /// The stdout lines.
    pub fn lines(&self) -> Vec<&str> {
        self.stdout.lines().collect()
    }

    /// Each stdout line as JSON.
    pub fn json_lines(&self) -> Vec<serde_json::Value> {
        self.stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
            .collect()
    }
}

/// One user of the CLI: a home and a configuration directory of their own.
pub struct User {
    dir: TempDir,
}

impl User {
    pub fn new() -> Self {
        let dir = TempDir::new();
        std::fs::create_dir_all(dir.path().join("home")).unwrap();
        Self { dir }
    }

    /// `$XDG_CONFIG_HOME`.
    pub fn config_home(&self) -> PathBuf {
        self.dir.path().join("config")
    }

    /// Where the connection `name` is saved.
    pub fn connection_path(&self, name: &str) -> PathBuf {
        self.config_home()
            .join("localgram")
            .join("connections")
            .join(format!("{name}.json"))
    }

    /// Where an Instagram login is saved by default.
    pub fn token_path(&self) -> PathBuf {
        self.connection_path("instagram")
    }

    /// The saved connection `name`, parsed.
    pub fn saved_as(&self, name: &str) -> serde_json::Value {
        let text = std::fs::read_to_string(self.connection_path(name)).expect("no saved token");
        serde_json::from_str(&text).unwrap()
    }

    /// The saved Instagram connection, parsed.
    pub fn saved(&self) -> serde_json::Value {
        self.saved_as("instagram")
    }

    /// `localgram ARGS…` with this user's environment, not yet started.
    pub fn command(&self, args: &[&str]) -> tokio::process::Command {
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_localgram"));
        cmd.args(args)
            .current_dir(self.dir.path())
            .env("XDG_CONFIG_HOME", self.config_home())
            .env("HOME", self.dir.path().join("home"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        for (name, _) in std::env::vars() {
            if name.starts_with("LOCALGRAM_") {
                cmd.env_remove(name);
            }
        }
        cmd
    }

    /// Runs `localgram ARGS…` to its end.
    pub async fn run(&self, args: &[&str]) -> Run {
        self.run_with(args, &[]).await
    }

    /// Runs `localgram ARGS…` with extra environment variables.
    pub async fn run_with(&self, args: &[&str], envs: &[(&str, &str)]) -> Run {
        let mut cmd = self.command(args);
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let output = tokio::time::timeout(std::time::Duration::from_secs(120), cmd.output())
            .await
            .expect("localgram did not finish within 120 s")
            .expect("cannot run localgram");
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8(output.stdout).unwrap(),
            stderr: String::from_utf8(output.stderr).unwrap(),
        }
    }
}

impl User {
    /// Runs `localgram ARGS…` on a pseudo-terminal (util-linux `script`), so that stdout and
    /// stderr are both a terminal; `stdout` is what the terminal showed. `None` when `script`
    /// is not installed.
    pub async fn run_in_terminal(&self, args: &[&str]) -> Option<Run> {
        let line = std::iter::once(env!("CARGO_BIN_EXE_localgram"))
            .chain(args.iter().copied())
            .map(|a| format!("'{}'", a.replace('\'', "'\\''")))
            .collect::<Vec<_>>()
            .join(" ");
        let mut script = tokio::process::Command::new("script");
        script
            .args(["-qefc", &line, "/dev/null"])
            .current_dir(self.dir.path())
            .env("XDG_CONFIG_HOME", self.config_home())
            .env("HOME", self.dir.path().join("home"))
            .env("TERM", "xterm")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        for (name, _) in std::env::vars() {
            if name.starts_with("LOCALGRAM_") {
                script.env_remove(name);
            }
        }
        let output = match script.output().await {
            Ok(output) => output,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
            Err(e) => panic!("cannot run script: {e}"),
        };
        Some(Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        })
    }
}

/// `--localgram BASE --token TOKEN` and then `args`.
pub fn with_token<'a>(server: &'a TestServer, token: &'a str, args: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec!["--localgram", server.base.as_str(), "--token", token];
    v.extend_from_slice(args);
    v
}

/// The token of the one account of [`big_world`].
pub const BIG_TOKEN: &str = "IGQVJbigAccountToken0001";

/// A world with one account of `n` IMAGE media, newest first with ids `1000000`, `1000001`, …
/// and captions `n0`, `n1`, …, one per hour back from 2026-01-01, a long-lived token for it,
/// and `limits` added to its app.
pub fn big_world(n: usize, limits: &str) -> String {
    let mut w = format!(
        "version = 1\n[[apps]]\nid = \"500\"\nsecret = \"big-app-secret\"\nname = \"Big\"\n\
         mode = \"live\"\nproducts = [\"instagram_basic_display\"]\n\
         redirect_uris = [\"https://big.example/cb\"]\n{limits}\n\
         [[instagram_users]]\nid = \"600\"\nusername = \"big.account\"\npassword = \"big password\"\n"
    );
    let start = 1_767_225_600i64; // 2026-01-01T00:00:00Z
    for i in 0..n {
        w.push_str(&format!(
            "  [[instagram_users.media]]\n  id = \"{}\"\n  media_type = \"IMAGE\"\n  \
             caption = \"n{i}\"\n  timestamp = \"{}\"\n",
            1_000_000 + i,
            graph_timestamp(start - 3600 * i as i64)
        ));
    }
    w.push_str(&format!(
        "[[tokens]]\nvalue = \"{BIG_TOKEN}\"\napp = \"500\"\nuser = \"big.account\"\n\
         kind = \"instagram_long_lived\"\nscopes = [\"user_profile\", \"user_media\"]\n\
         issued_at = \"2026-11-19T00:00:00Z\"\n"
    ));
    w
}

/// A server over [`big_world`].
pub async fn big_server(n: usize, limits: &str) -> TestServer {
    TestServer::spawn_with(TestOptions {
        world: Some(big_world(n, limits)),
        ..Default::default()
    })
    .await
}

/// Unix seconds as Graph writes times: `2026-01-01T00:00:00+0000`.
pub fn graph_timestamp(unix: i64) -> String {
    let (days, secs) = (unix.div_euclid(86_400), unix.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}+0000",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// A fresh short-lived Basic Display token of [`TESTER`] (a code minted on the control plane,
/// exchanged over plain HTTP).
pub async fn short_lived_token(server: &TestServer) -> String {
    let http = localgram_testkit::client();
    let minted: serde_json::Value = http
        .post(server.url("/_localgram/oauth/codes"))
        .json(&serde_json::json!({
            "app": APP_ID, "user": TESTER, "scopes": ["user_profile", "user_media"],
            "redirect_uri": REDIRECT_URI, "count": 1
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let code = minted["codes"][0]
        .as_str()
        .expect("no code minted")
        .to_owned();
    let token: serde_json::Value = http
        .post(server.url("/api.instagram.com/oauth/access_token"))
        .form(&[
            ("client_id", APP_ID),
            ("client_secret", APP_SECRET),
            ("grant_type", "authorization_code"),
            ("redirect_uri", REDIRECT_URI),
            ("code", &code),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    token["access_token"]
        .as_str()
        .expect("no access_token")
        .to_owned()
}

/// The mode bits of a file.
pub fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}
