//! The connector's throttle: at most 100 calls per connection in any 60 seconds, as Meta's
//! connectors keep, against Meta's hosts and a Localgram server alike.
//!
//! The window is a file beside the connection (`connections/NAME.calls`: the Unix times in
//! milliseconds of its calls of the last 60 seconds), read and rewritten under an exclusive lock
//! before each call, so every process that uses the connection shares it. A token given with
//! `--token` has a window of its own, named by a keyed hash of the token
//! (`windows/HASH.calls`). A call that would be the 101st waits, with a note on stderr, until
//! the oldest leaves the window. `--no-throttle` (or `LOCALGRAM_NO_THROTTLE=1`) turns it off,
//! for load tests.

use std::io::{Read as _, Seek as _, Write as _};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use localgram_client::http::{BoxFuture, HttpClient, HttpRequest, HttpResponse};
use localgram_client::{AppSecret, ClientError};

use super::error::CliError;
use super::{Credentials, output, store, time};

/// Calls allowed per window.
pub const MAX_CALLS: usize = 100;
/// The window's length, in milliseconds.
pub const WINDOW_MS: u64 = 60_000;

/// A connection's call window, kept in a file.
#[derive(Debug, Clone)]
pub struct Window {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    path: PathBuf,
    label: String,
    warned: AtomicBool,
}

impl Window {
    /// The window of a connection, or of a token given on the command line.
    pub fn for_credentials(c: &Credentials) -> Result<Self, CliError> {
        let (path, label) = match &c.connection {
            Some(name) if c.saved.is_some() => {
                (store::window_path(name)?, format!("connection {name:?}"))
            }
            _ => {
                // A keyed hash, so that the token itself is never written down.
                let key = AppSecret::new("localgram-cli call window");
                let hash = localgram_client::appsecret_proof(&key, c.token.secret());
                (
                    store::config_dir()?
                        .join("windows")
                        .join(format!("{}.calls", &hash[..16])),
                    "this token".to_owned(),
                )
            }
        };
        Ok(Self {
            inner: Arc::new(Inner {
                path,
                label,
                warned: AtomicBool::new(false),
            }),
        })
    }

    /// The window's file.
    #[cfg(test)]
    pub fn path(&self) -> &std::path::Path {
        &self.inner.path
    }

    /// Waits until one more call fits in the window, and records it.
    pub async fn acquire(&self) {
        loop {
            match self.take(time::now_ms()) {
                Ok(None) => return,
                Ok(Some(wait_ms)) => {
                    output::note(&format!(
                        "note: {MAX_CALLS} calls in the last 60 s on {}; waiting {:.1}s \
                         (--no-throttle turns this off)",
                        self.inner.label,
                        wait_ms as f64 / 1000.0
                    ));
                    tokio::time::sleep(Duration::from_millis(wait_ms)).await;
                }
                Err(e) => {
                    // A window that cannot be kept does not stop the command.
                    if !self.inner.warned.swap(true, Ordering::Relaxed) {
                        output::note(&format!(
                            "warning: cannot keep the call window in {}: {e}; calls are not \
                             throttled",
                            self.inner.path.display()
                        ));
                    }
                    return;
                }
            }
        }
    }

    /// Records a call at `now` if one fits (`None`), else how long to wait (milliseconds).
    fn take(&self, now: u64) -> std::io::Result<Option<u64>> {
        let path = &self.inner.path;
        if let Some(dir) = path.parent() {
            create_private_dirs(dir)?;
        }
        let mut file = open_window(path)?;
        file.lock()?;
        let mut text = String::new();
        file.read_to_string(&mut text)?;
        // A damaged file is an empty window; times from the future (a clock set back) are
        // dropped as well.
        let mut calls: Vec<u64> = serde_json::from_str(&text).unwrap_or_default();
        calls.retain(|&t| t + WINDOW_MS > now && t <= now + WINDOW_MS);
        calls.sort_unstable();
        let wait = if calls.len() < MAX_CALLS {
            calls.push(now);
            None
        } else {
            let oldest_kept = calls[calls.len() - MAX_CALLS];
            Some((oldest_kept + WINDOW_MS).saturating_sub(now).max(1))
        };
        let body = serde_json::to_vec(&calls).expect("numbers serialise");
        file.set_len(0)?;
        file.rewind()?;
        file.write_all(&body)?;
        file.unlock()?;
        Ok(wait)
    }
}

#[cfg(unix)]
fn create_private_dirs(dir: &std::path::Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt as _;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(not(unix))]
fn create_private_dirs(dir: &std::path::Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)
}

#[cfg(unix)]
fn open_window(path: &std::path::Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt as _;
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn open_window(path: &std::path::Path) -> std::io::Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
}

/// The SDK's transport with the window in front: every request (retries included) takes a
/// place in the window before it is sent.
pub struct Throttled {
    window: Window,
    http: reqwest::Client,
}

impl Throttled {
    /// Sends through `reqwest` as the SDK does (10 s to connect, 60 s per request).
    /// `ca_pem`: a CA certificate to trust besides the public roots (`--ca-cert`).
    pub fn new(window: Window, user_agent: &str, ca_pem: Option<&[u8]>) -> Self {
        let mut builder = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(60))
            .user_agent(user_agent);
        if let Some(cert) = ca_pem.and_then(|p| reqwest::Certificate::from_pem(p).ok()) {
            builder = builder.add_root_certificate(cert);
        }
        let http = builder.build().unwrap_or_default();
        Self { window, http }
    }
}

impl HttpClient for Throttled {
    fn execute(&self, request: HttpRequest) -> BoxFuture<Result<HttpResponse, ClientError>> {
        let window = self.window.clone();
        let http = self.http.clone();
        Box::pin(async move {
            window.acquire().await;
            let mut builder = http
                .request(request.method, request.url)
                .headers(request.headers);
            if let Some(body) = request.body {
                builder = builder.body(body);
            }
            let response = builder.send().await.map_err(ClientError::http)?;
            let status = response.status();
            let headers = response.headers().clone();
            let body = response.bytes().await.map_err(ClientError::http)?;
            let mut answer = HttpResponse::new(status, body.to_vec());
            answer.headers = headers;
            Ok(answer)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(name: &str) -> Window {
        let path = std::env::temp_dir().join(format!(
            "localgram-window-test-{}-{name}.calls",
            std::process::id()
        ));
        let _ = std::fs::remove_file(&path);
        Window {
            inner: Arc::new(Inner {
                path,
                label: name.to_owned(),
                warned: AtomicBool::new(false),
            }),
        }
    }

    #[test]
    fn the_101st_call_waits_for_the_oldest_to_leave_the_window() {
        let w = window("full");
        let start = 1_000_000_000_000;
        for i in 0..100 {
            assert_eq!(w.take(start + i * 10).unwrap(), None, "call {i}");
        }
        // Full: the first call (at `start`) leaves at start + 60 s.
        assert_eq!(w.take(start + 2_000).unwrap(), Some(58_000));
        assert_eq!(w.take(start + WINDOW_MS - 1).unwrap(), Some(1));
        assert_eq!(w.take(start + WINDOW_MS).unwrap(), None);
        let kept: Vec<u64> =
            serde_json::from_str(&std::fs::read_to_string(w.path()).unwrap()).unwrap();
        assert_eq!(kept.len(), 100);
        assert_eq!(kept.last(), Some(&(start + WINDOW_MS)));
        let _ = std::fs::remove_file(w.path());
    }

    #[test]
    fn a_damaged_window_is_an_empty_one() {
        let w = window("damaged");
        std::fs::write(w.path(), "not json").unwrap();
        assert_eq!(w.take(5_000_000).unwrap(), None);
        assert_eq!(std::fs::read_to_string(w.path()).unwrap(), "[5000000]");
        let _ = std::fs::remove_file(w.path());
    }
}
