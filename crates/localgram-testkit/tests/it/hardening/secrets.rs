//! Secrets at rest are private to the user: the SQLite file and its `-wal` and `-shm` are mode
//! 0600 whatever the umask; a test user's one-time `login_url` secret never reaches a log line.

use crate::support::*;
use localgram_testkit::world::fb::*;
use localgram_testkit::{Backend, TestOptions, TestServer, browser, client, facebook_world};
use std::sync::{Arc, Mutex, OnceLock};

#[cfg(unix)]
#[tokio::test]
async fn the_sqlite_database_and_its_wal_and_shm_are_created_0600() {
    use std::os::unix::fs::PermissionsExt as _;
    let server = TestServer::spawn_with(TestOptions {
        backend: Backend::Sqlite,
        ..Default::default()
    })
    .await;
    // A write, so the WAL has content.
    assert_me_ok(
        &server,
        localgram_testkit::world::LONG_LIVED_TOKEN,
        "sqlite",
    )
    .await;
    let file = server
        .database_url()
        .strip_prefix("sqlite://")
        .expect("a sqlite URL")
        .to_owned();
    for suffix in ["", "-wal", "-shm"] {
        let path = format!("{file}{suffix}");
        let mode = std::fs::metadata(&path)
            .unwrap_or_else(|e| panic!("{path}: {e}"))
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{path}: mode {:o}", mode & 0o777);
    }
}

/// Every log line of this process, as formatted text.
fn captured_logs() -> Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let logs = Arc::new(Mutex::new(Vec::new()));
        let sink = logs.clone();
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new("trace"))
            .with_ansi(false)
            .with_writer(move || LogSink(sink.clone()))
            .try_init();
        logs
    })
    .clone()
}

struct LogSink(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for LogSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn a_test_users_login_url_secret_never_reaches_a_log_line() {
    let logs = captured_logs();
    for backend in Backend::all() {
        let b = backend.name();
        let server = TestServer::spawn_with(TestOptions {
            backend: backend.clone(),
            world: Some(facebook_world()),
            ..Default::default()
        })
        .await;
        let token = format!("{APP_ID}|{APP_SECRET}");
        let created = post_form(
            &client(),
            &server.url(&format!(
                "/graph.facebook.com/v21.0/{APP_ID}/accounts/test-users"
            )),
            &[("access_token", token.as_str()), ("name", "Logged Tester")],
        )
        .await;
        assert_eq!(created.status, 200, "{b}: {}", created.text);
        let url = created.json()["login_url"]
            .as_str()
            .expect("a login_url")
            .to_owned();
        let nonce = url.split("?n=").nth(1).expect("a secret").to_owned();
        let page = get(&browser(), &url).await;
        assert_page(&page, 200, b);
        let again = get(&browser(), &url).await;
        assert_eq!(again.status, 403, "{b}");
        // The access log wrote the two visits, with the secret redacted.
        let text = String::from_utf8_lossy(
            &logs
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
        .into_owned();
        assert!(
            text.contains("test-user-login") && text.contains("n=[redacted]"),
            "{b}: the visits were not logged: {text}"
        );
        assert!(
            !text.contains(&nonce),
            "{b}: the login_url secret was logged"
        );
    }
}
