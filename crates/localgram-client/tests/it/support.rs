//! Shared helpers: fixtures, a mock server with a catch-all, clients pointed at it, and a
//! recording canned transport.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use localgram_client::http::{HttpRequest, HttpResponse};
use localgram_client::{AccessToken, AppSecret, Client, ClientBuilder, RetryPolicy};
use tokio::time::Instant;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

pub const TOKEN: &str = "IGQVJfakeLongLivedToken";
pub const APP_ID: &str = "990000000000001";
pub const APP_SECRET: &str = "fake-app-secret-0123456789";

/// A fixture file's text, with `{{base}}` replaced by `base`.
pub fn fixture(name: &str, base: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("fixture {path}: {e}"))
        .replace("{{base}}", base)
}

/// A JSON answer from a fixture.
pub fn json_fixture(status: u16, name: &str, base: &str) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .set_body_raw(fixture(name, base), "application/json; charset=UTF-8")
}

/// A mock server that answers anything not mocked with a loud, non-retryable 500.
pub async fn server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(500).set_body_string("unexpected request (catch-all mock)"),
        )
        .with_priority(u8::MAX)
        .mount(&server)
        .await;
    server
}

/// A builder pointed at the mock server, with app credentials, a token and fast retries.
pub fn builder_for(server: &MockServer) -> ClientBuilder {
    Client::builder()
        .localgram(server.uri())
        .ignore_env()
        .app_id(APP_ID)
        .app_secret(AppSecret::new(APP_SECRET))
        .access_token(AccessToken::new(TOKEN))
        .retry(fast_retries())
}

pub fn client_for(server: &MockServer) -> Client {
    builder_for(server).build().unwrap()
}

pub fn fast_retries() -> RetryPolicy {
    RetryPolicy::default()
        .with_base_delay(Duration::from_millis(1))
        .with_max_delay(Duration::from_millis(5))
        .with_jitter(false)
}

/// What a canned transport saw: each request and the (tokio) time it arrived.
#[derive(Clone, Default)]
pub struct Recorder(Arc<Mutex<Vec<(Instant, HttpRequest)>>>);

impl Recorder {
    pub fn times(&self) -> Vec<Instant> {
        self.0.lock().unwrap().iter().map(|(t, _)| *t).collect()
    }
    pub fn len(&self) -> usize {
        self.0.lock().unwrap().len()
    }
}

/// A client whose transport answers with `answer(n, request)` for the n-th request (0-based),
/// recording each, so tests can run under a paused clock with no sockets.
pub fn canned(
    builder: ClientBuilder,
    answer: impl Fn(usize, &HttpRequest) -> HttpResponse + Send + Sync + 'static,
) -> (Client, Recorder) {
    let recorder = Recorder::default();
    let seen = recorder.clone();
    let answer = Arc::new(answer);
    let client = builder
        .http_client(move |req: HttpRequest| {
            let seen = seen.clone();
            let answer = Arc::clone(&answer);
            async move {
                let n = {
                    let mut log = seen.0.lock().unwrap();
                    log.push((Instant::now(), req.clone()));
                    log.len() - 1
                };
                Ok(answer(n, &req))
            }
        })
        .build()
        .unwrap();
    (client, recorder)
}

/// A builder for canned transports (no server behind it).
pub fn canned_builder() -> ClientBuilder {
    Client::builder()
        .ignore_env()
        .app_id(APP_ID)
        .app_secret(AppSecret::new(APP_SECRET))
        .access_token(AccessToken::new(TOKEN))
}
