//! State shared by the instances on one PostgreSQL database (docs/faults.md, "Several
//! instances"): the test clock. On SQLite, which one process serves, it stays in the process.
//!
//! A clock change made through the control plane (`PUT /_localgram/clock`,
//! `POST /_localgram/clock/advance`) is written to the database before the control call answers.
//! Every other instance takes it:
//!
//! - at once when its own clock is read through `GET /_localgram/clock` or changed through the
//!   control plane (both read the database first);
//! - otherwise within [`CLOCK_POLL`] (a background task reads one row, and adopts the clock when
//!   its generation changed). That is the staleness bound of the Graph and OAuth hosts: the hot
//!   path itself never reads the database for the clock.

use crate::state::AppState;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// How often an instance reads the shared clock.
pub const CLOCK_POLL: Duration = Duration::from_millis(250);

/// Whether this instance shares its clock through the database.
pub fn enabled(state: &AppState) -> bool {
    state.platform.store.backend() == "postgres"
}

/// Reads the shared clock and adopts it when another instance changed it.
pub async fn refresh_clock(state: &AppState) -> Result<(), localgram_core::store::StoreError> {
    if !enabled(state) {
        return Ok(());
    }
    if let Some((frozen, millis, generation)) = state.platform.store.read_shared_clock().await?
        && state.clock_generation.swap(generation, Ordering::AcqRel) != generation
    {
        state.clock.adopt(frozen, millis);
    }
    Ok(())
}

/// Writes this instance's clock for the others.
pub async fn publish_clock(state: &AppState) -> Result<(), localgram_core::store::StoreError> {
    if !enabled(state) {
        return Ok(());
    }
    let (frozen, millis) = state.clock.shared();
    let generation = state
        .platform
        .store
        .write_shared_clock(frozen, millis)
        .await?;
    state.clock_generation.store(generation, Ordering::Release);
    Ok(())
}

/// Polls the shared clock until the returned handle is aborted.
pub fn spawn_clock_poll(state: AppState) -> Option<tokio::task::JoinHandle<()>> {
    if !enabled(&state) {
        return None;
    }
    Some(tokio::spawn(async move {
        let mut tick = tokio::time::interval(CLOCK_POLL);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = refresh_clock(&state).await {
                tracing::warn!(error = %e, "cannot read the shared test clock");
            }
        }
    }))
}
