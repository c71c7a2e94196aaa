//! Webhook deliveries (`docs/webhooks.md`): the HTTP client that calls callbacks (the
//! verification handshake and the signed `POST`s), and the delivery worker, a background task
//! that claims due deliveries from the store's queue, sends them outside any transaction and
//! records each outcome as a write job of its own.
//!
//! The worker reads the emulator clock: advancing it (`/_localgram/clock/advance`) makes the
//! retries that became due go at the next poll, and the stories that expired send their
//! `story_insights` updates. Callbacks are contacted only on the loopback
//! and on the hosts of `webhook_allow_hosts`; redirects are not followed and no proxy is used.

use crate::state::AppState;
use async_trait::async_trait;
use localgram_core::clock::{Clock, SystemClock, to_millis};
use localgram_core::webhooks::{
    AttemptRecord, CallbackClient, CallbackReply, ClaimedDelivery, DeliveryState, callback_refusal,
    signature_1, signature_256,
};
use std::time::Duration;

/// How long one call to a callback may take (Meta: 20 s for messaging webhooks).
pub const CALLBACK_TIMEOUT: Duration = Duration::from_secs(20);
/// How often the worker looks for due deliveries.
pub const POLL: Duration = Duration::from_millis(100);
/// How long a claim holds a delivery (longer than a call can take).
pub const LEASE: Duration = Duration::from_secs(60);
/// Deliveries claimed at once (each of a different subscription).
pub const CLAIM_BATCH: i64 = 16;
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

/// The running worker: stop it with [`Worker::stop`]; dropped, it stops at once.
pub struct Worker {
    stop: tokio::sync::watch::Sender<bool>,
    handle: Option<tokio::task::JoinHandle<()>>,
}

impl Drop for Worker {
    fn drop(&mut self) {
        if let Some(h) = self.handle.take() {
            h.abort();
        }
    }
}

impl Worker {
    /// Stops claiming, lets the attempts under way finish (for at most `grace`), then gives the
    /// leases still held back.
    pub async fn stop(mut self, state: &AppState, grace: Duration) {
        let _ = self.stop.send(true);
        if let Some(mut handle) = self.handle.take()
            && tokio::time::timeout(grace, &mut handle).await.is_err()
        {
            handle.abort();
            let _ = handle.await;
        }
        if let Err(e) = state
            .platform
            .store
            .release_deliveries(&state.webhook_owner)
            .await
        {
            tracing::warn!(error = %e, "cannot release the webhook deliveries in flight");
        }
    }
}

/// Starts the delivery worker.
pub fn spawn_worker(state: AppState) -> Worker {
    let (stop, mut stopped) = tokio::sync::watch::channel(false);
    let handle = tokio::spawn(async move {
        loop {
            let worked = match tick(&state).await {
                Ok(n) => n > 0,
                Err(e) => {
                    tracing::warn!(error = %e, "webhook deliveries: the store failed");
                    false
                }
            };
            if *stopped.borrow() {
                break;
            }
            if !worked {
                tokio::select! {
                    _ = tokio::time::sleep(POLL) => {}
                    _ = stopped.changed() => break,
                }
            }
        }
    });
    Worker {
        stop,
        handle: Some(handle),
    }
}

/// One round: enqueues the updates of the stories that expired (`docs/webhooks.md#story-insights`),
/// then claims what is due and sends it; how many were sent.
async fn tick(state: &AppState) -> Result<usize, localgram_core::store::StoreError> {
    state.platform.notify_expired_stories().await?;
    let store = &state.platform.store;
    let now = state.platform.clock.now();
    match store.next_delivery_due().await? {
        Some(due) if due <= now => {}
        _ => return Ok(0),
    }
    let real = to_millis(SystemClock.now());
    let lease_ms = i64::try_from(LEASE.as_millis()).unwrap_or(60_000);
    let claimed = store
        .claim_deliveries(
            now,
            &state.webhook_owner,
            real,
            real + lease_ms,
            CLAIM_BATCH,
        )
        .await?;
    let n = claimed.len();
    let mut attempts = tokio::task::JoinSet::new();
    for c in claimed {
        let state = state.clone();
        attempts.spawn(async move { attempt(&state, c).await });
    }
    while let Some(done) = attempts.join_next().await {
        match done {
            Ok(r) => r?,
            Err(e) => tracing::error!(error = %e, "a webhook delivery attempt panicked"),
        }
    }
    Ok(n)
}

/// Sends one claimed delivery and records what happened.
async fn attempt(
    state: &AppState,
    claimed: ClaimedDelivery,
) -> Result<(), localgram_core::store::StoreError> {
    let platform = &state.platform;
    let started = platform.clock.now();
    let (reply, signature) = if started > claimed.expires_at {
        (
            CallbackReply {
                error: Some((0, "not sent: the delivery window is over".into())),
                ..CallbackReply::default()
            },
            None,
        )
    } else {
        match platform.webhook_secret(&claimed.app_id).await? {
            Some(secret) => {
                let sig = signature_256(&secret, &claimed.payload);
                let sig1 = signature_1(&secret, &claimed.payload);
                let reply = state
                    .webhook_client
                    .post(&claimed.callback_url, &claimed.payload, &sig, &sig1)
                    .await;
                (reply, Some(sig))
            }
            None => (
                CallbackReply {
                    error: Some((
                        0,
                        "not sent: the app's secret is not available to sign (load the world again)"
                            .into(),
                    )),
                    ..CallbackReply::default()
                },
                None,
            ),
        }
    };
    let now = platform.clock.now();
    let mut record: AttemptRecord =
        localgram_core::Platform::attempt_outcome(&claimed, &reply, signature, now);
    if now > claimed.expires_at && record.state == DeliveryState::Pending {
        record.state = DeliveryState::Failed;
    }
    tracing::info!(
        delivery = claimed.id,
        app = %claimed.app_id,
        attempt = claimed.attempts,
        status = ?reply.status,
        state = record.state.as_str(),
        "webhook delivery"
    );
    platform
        .store
        .record_delivery(claimed.id, &state.webhook_owner, &record)
        .await?;
    Ok(())
}
