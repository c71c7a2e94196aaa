//! Webhook deliveries (`docs/webhooks.md`): the delivery worker, a background task that
//! claims due deliveries from the store's queue, sends them outside any transaction through
//! [`crate::webhook_client::HttpCallbacks`] and records each outcome as a write job of its own.
//!
//! The worker reads the emulator clock: advancing it (`/_localgram/clock/advance`) makes the
//! retries that became due go at the next poll, and the stories that expired send their
//! `story_insights` updates.

use crate::state::AppState;
use localgram_core::clock::{Clock, SystemClock, to_millis};
use localgram_core::webhooks::{
    AttemptRecord, CallbackReply, ClaimedDelivery, DeliveryState, signature_1, signature_256,
};
use std::time::Duration;

/// How often the worker looks for due deliveries.
pub const POLL: Duration = Duration::from_millis(100);
/// How long a claim holds a delivery (longer than a call can take).
pub const LEASE: Duration = Duration::from_secs(60);
/// Deliveries claimed at once (each of a different subscription).
pub const CLAIM_BATCH: i64 = 16;

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
    let platform = &state.platform;
    let now = platform.clock.now();
    match platform.next_delivery_due().await? {
        Some(due) if due <= now => {}
        _ => return Ok(0),
    }
    let real = to_millis(SystemClock.now());
    let lease_ms = i64::try_from(LEASE.as_millis()).unwrap_or(60_000);
    let claimed = platform
        .claim_deliveries(&state.webhook_owner, real, real + lease_ms, CLAIM_BATCH)
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
        .record_delivery(claimed.id, &state.webhook_owner, &record)
        .await?;
    Ok(())
}
