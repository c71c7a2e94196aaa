//! The HTTP client that calls webhook callbacks (`docs/webhooks.md`): the verification
//! handshake and the signed `POST`s. Callbacks are contacted only on the loopback and on the
//! hosts of `webhook_allow_hosts`; redirects are not followed and no proxy is used.

use async_trait::async_trait;
use localgram_core::webhooks::{CallbackClient, CallbackReply, callback_refusal};
use std::time::Duration;

/// How long one call to a callback may take (Meta: 20 s for messaging webhooks).
pub const CALLBACK_TIMEOUT: Duration = Duration::from_secs(20);
/// The most of a callback's answer read.
const MAX_READ: usize = 8 * 1024;

/// The callbacks' HTTP client: no redirects, no proxy, a time limit.
#[derive(Debug, Clone)]
pub struct HttpCallbacks {
    client: reqwest::Client,
    allowed_hosts: std::sync::Arc<[String]>,
}

impl HttpCallbacks {
    /// A client allowed to contact the loopback and `allowed_hosts`.
    pub fn new(allowed_hosts: &[String]) -> Self {
        Self {
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(CALLBACK_TIMEOUT)
                .no_proxy()
                .user_agent("facebookexternalua")
                .build()
                .unwrap_or_default(),
            allowed_hosts: allowed_hosts.into(),
        }
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> CallbackReply {
        match req.send().await {
            Ok(res) => {
                let status = res.status();
                let mut res = res;
                let mut body = Vec::new();
                while let Ok(Some(chunk)) = res.chunk().await {
                    body.extend_from_slice(&chunk);
                    if body.len() >= MAX_READ {
                        body.truncate(MAX_READ);
                        break;
                    }
                }
                CallbackReply {
                    status: Some(status.as_u16()),
                    reason: status.canonical_reason().unwrap_or("").to_owned(),
                    body: String::from_utf8_lossy(&body).into_owned(),
                    error: None,
                }
            }
            Err(e) if e.is_timeout() => CallbackReply {
                error: Some((
                    28,
                    format!(
                        "Operation timed out after {} milliseconds",
                        CALLBACK_TIMEOUT.as_millis()
                    ),
                )),
                ..CallbackReply::default()
            },
            Err(e) => CallbackReply {
                error: Some((
                    7,
                    format!("Couldn't connect to server ({})", root_cause(&e)),
                )),
                ..CallbackReply::default()
            },
        }
    }

    /// `POST url` with `body` and its signatures.
    pub async fn post(&self, url: &str, body: &str, sig256: &str, sig1: &str) -> CallbackReply {
        if let Some(why) = callback_refusal(url, &self.allowed_hosts) {
            return CallbackReply {
                error: Some((0, format!("refused: {why}"))),
                ..CallbackReply::default()
            };
        }
        self.send(
            self.client
                .post(url)
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .header("X-Hub-Signature-256", sig256)
                .header("X-Hub-Signature", sig1)
                .body(body.to_owned()),
        )
        .await
    }
}

fn root_cause(e: &dyn std::error::Error) -> String {
    let mut cause = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

#[async_trait]
impl CallbackClient for HttpCallbacks {
    async fn get(&self, url: &str) -> CallbackReply {
        if let Some(why) = callback_refusal(url, &self.allowed_hosts) {
            return CallbackReply {
                error: Some((0, format!("refused: {why}"))),
                ..CallbackReply::default()
            };
        }
        self.send(self.client.get(url)).await
    }
}
