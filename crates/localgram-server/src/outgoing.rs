//! Calls Localgram makes to an app: the Deauthorize callback and the Data deletion request
//! callback, when a person removes the app under Apps and Websites
//! (`docs/dashboard.md#removal-callbacks`). The form and its signature are built by
//! [`localgram_core::callbacks`]; here they are sent.
//!
//! Only loopback hosts are contacted ([`localgram_core::callbacks::host_allowed`]); another host
//! is skipped with a warning in the log. Each call runs on a task of its own, after the removal
//! has been committed, so no transaction waits on the app and a dropped request cannot stop a
//! call half-way. Each call shows in the request journal (method `POST`, the callback's host and
//! path, its status, the app and the user); the data-deletion answer's `url` and
//! `confirmation_code` are written to the log.

use crate::state::AppState;
use localgram_core::callbacks::{CallbackKind, RemovalCallback, host_allowed};
use std::time::{Duration, Instant};

/// How long one callback may take.
pub const CALLBACK_TIMEOUT: Duration = Duration::from_secs(10);

/// Sends `callbacks`, one after the other, on a task of its own; the handle ends when all are
/// answered (tests wait for it).
pub fn send(state: &AppState, callbacks: Vec<RemovalCallback>) -> tokio::task::JoinHandle<()> {
    let state = state.clone();
    tokio::spawn(async move {
        if callbacks.is_empty() {
            return;
        }
        let client = match reqwest::Client::builder()
            .timeout(CALLBACK_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .build()
        {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(error = %e, "cannot build the callback client");
                return;
            }
        };
        for cb in callbacks {
            send_one(&state, &client, cb).await;
        }
    })
}

async fn send_one(state: &AppState, client: &reqwest::Client, cb: RemovalCallback) {
    let Ok(url) = url::Url::parse(&cb.url) else {
        return;
    };
    if !host_allowed(&cb.url) {
        tracing::warn!(app = %cb.app_id, kind = cb.kind.as_str(), host = url.host_str().unwrap_or(""),
            "callback not sent: only loopback hosts are called");
        return;
    }
    let started = Instant::now();
    let answer = client
        .post(url.clone())
        .form(&[("signed_request", cb.signed_request.as_str())])
        .send()
        .await;
    let status = match answer {
        Ok(res) => {
            let status = res.status().as_u16();
            let body = res.text().await.unwrap_or_default();
            if cb.kind == CallbackKind::DataDeletion {
                let parsed: Option<serde_json::Value> = serde_json::from_str(&body).ok();
                let code = parsed
                    .as_ref()
                    .and_then(|v| v.get("confirmation_code"))
                    .and_then(|v| v.as_str());
                let status_url = parsed
                    .as_ref()
                    .and_then(|v| v.get("url"))
                    .and_then(|v| v.as_str());
                match (code, status_url) {
                    (Some(code), Some(status_url)) => tracing::info!(
                        app = %cb.app_id, user = %cb.user_id, confirmation_code = code,
                        url = status_url, "data deletion requested"
                    ),
                    _ => tracing::warn!(
                        app = %cb.app_id, status,
                        "the data deletion callback did not answer {{\"url\", \"confirmation_code\"}}"
                    ),
                }
            }
            status
        }
        Err(e) => {
            tracing::warn!(app = %cb.app_id, kind = cb.kind.as_str(), error = %e, "callback failed");
            0
        }
    };
    let host = match url.port() {
        Some(p) => format!("{}:{p}", url.host_str().unwrap_or("")),
        None => url.host_str().unwrap_or("").to_owned(),
    };
    crate::shared::record_call(
        state,
        Instant::now(),
        crate::calls::Call {
            at: state.platform.clock.now(),
            method: "POST".into(),
            host: host.into(),
            path: url.path().to_owned(),
            form: Some(format!("signed_request={}", cb.signed_request)),
            app: Some(cb.app_id.clone()),
            user: Some(cb.user_id.clone()),
            status,
            duration_us: u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX),
            ..Default::default()
        },
    )
    .await;
}
