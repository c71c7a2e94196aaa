//! State shared by the instances on one PostgreSQL database (docs/faults.md, "Several
//! instances"): the test clock, the fault rules with their counts, and the request journal
//! (whose calls are kept by `calls.rs`; [`record_call`], [`recent_calls`] and [`clear_calls`]
//! write and read them here). On SQLite, which one process serves, they stay in the process.
//!
//! Fault rules are written to the database before the control call that adds or removes them
//! answers; every instance reads the rule list at most [`CLOCK_POLL`] later (and at once on its
//! own `GET /_localgram/faults`). A matching call counts in the database, in one transaction
//! per call and rule, so "at most K times" holds across instances.
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
    state.platform.shares_state()
}

/// Reads the shared clock and adopts it when another instance changed it.
pub async fn refresh_clock(state: &AppState) -> Result<(), localgram_core::store::StoreError> {
    if !enabled(state) {
        return Ok(());
    }
    if let Some((frozen, millis, generation)) = state.platform.read_shared_clock().await?
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
    let generation = state.platform.write_shared_clock(frozen, millis).await?;
    state.clock_generation.store(generation, Ordering::Release);
    Ok(())
}

/// Reads the shared fault rules and installs them (counts included) when they changed.
pub async fn sync_rules(state: &AppState) -> Result<(), localgram_core::store::StoreError> {
    use localgram_core::faults::{Counts, Rule, RuleSpec};
    if !enabled(state) {
        return Ok(());
    }
    let stored = state.platform.stored_fault_rules().await?;
    let registry = &state.platform.faults;
    let local = registry.rules();
    let same = local.len() == stored.len()
        && local
            .iter()
            .zip(&stored)
            .all(|(r, (id, spec, _, _))| &r.id == id && &r.stored_spec() == spec);
    let counts = |m: i64, f: i64| Counts {
        matched: u64::try_from(m).unwrap_or(0),
        fired: u64::try_from(f).unwrap_or(0),
    };
    if same {
        for (rule, (_, _, m, f)) in local.iter().zip(&stored) {
            rule.set_counts(counts(*m, *f));
        }
        return Ok(());
    }
    let mut rules = Vec::with_capacity(stored.len());
    for (id, spec, m, f) in stored {
        let rule =
            RuleSpec::from_json(spec.as_bytes()).and_then(|spec| Rule::new(id.clone(), spec, 0));
        match rule {
            Ok(rule) => {
                rule.set_counts(counts(m, f));
                rules.push(rule);
            }
            Err(e) => tracing::warn!(rule = %id, error = %e, "a stored fault rule is invalid"),
        }
    }
    registry.set(rules);
    Ok(())
}

/// Writes the process's rules that the database does not have as they are (added by a world
/// file), then reads the shared list back.
pub async fn publish_rules(state: &AppState) -> Result<(), localgram_core::store::StoreError> {
    if !enabled(state) {
        return Ok(());
    }
    let stored = state.platform.stored_fault_rules().await?;
    for rule in state.platform.faults.rules().iter() {
        let spec = rule.stored_spec();
        if !stored
            .iter()
            .any(|(id, s, _, _)| *id == rule.id && *s == spec)
        {
            state.platform.store_fault_rule(&rule.id, &spec).await?;
        }
    }
    sync_rules(state).await
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
            if let Err(e) = sync_rules(&state).await {
                tracing::warn!(error = %e, "cannot read the shared fault rules");
            }
        }
    }))
}

/// Installs a rule: in the process, or on PostgreSQL in the database and then read back.
pub async fn add_rule(
    state: &AppState,
    rule: localgram_core::faults::Rule,
) -> Result<Result<(), localgram_core::faults::RuleError>, localgram_core::store::StoreError> {
    if !enabled(state) {
        return Ok(state.platform.faults.add(vec![rule]));
    }
    let faults = &state.platform.faults;
    if faults.rules().len() >= localgram_core::faults::MAX_RULES
        && !faults.rules().iter().any(|r| r.id == rule.id)
    {
        return Ok(Err(localgram_core::faults::RuleError {
            field: "rule".into(),
            message: format!(
                "at most {} rules at once",
                localgram_core::faults::MAX_RULES
            ),
        }));
    }
    state
        .platform
        .store_fault_rule(&rule.id, &rule.stored_spec())
        .await?;
    sync_rules(state).await?;
    Ok(Ok(()))
}

/// Removes every rule (of every instance, on PostgreSQL); how many there were.
pub async fn clear_rules(state: &AppState) -> Result<usize, localgram_core::store::StoreError> {
    if !enabled(state) {
        return Ok(state.platform.faults.clear());
    }
    let n = state.platform.clear_stored_fault_rules().await?;
    sync_rules(state).await?;
    Ok(usize::try_from(n).unwrap_or(usize::MAX))
}

/// The journal's calls, newest first: the database's on PostgreSQL (every instance's), this
/// process's otherwise.
pub async fn recent_calls(
    state: &AppState,
) -> Result<Vec<crate::calls::Call>, localgram_core::store::StoreError> {
    if !enabled(state) {
        return Ok(state.calls.recent());
    }
    let keep = i64::try_from(state.calls.capacity()).unwrap_or(i64::MAX);
    let rows = state.platform.list_journal_calls(keep).await?;
    Ok(rows
        .into_iter()
        .map(|r| crate::calls::Call {
            at: time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(r.at_ms) * 1_000_000)
                .unwrap_or(time::OffsetDateTime::UNIX_EPOCH),
            method: r.method.into(),
            host: r.host.into(),
            path: r.path,
            query: r.query,
            form: r.form,
            faults: r
                .faults
                .split(',')
                .filter(|f| !f.is_empty())
                .map(str::to_owned)
                .collect(),
            app: r.app,
            user: r.user,
            status: u16::try_from(r.status).unwrap_or(0),
            graph_code: r.graph_code,
            duration_us: u64::try_from(r.latency_ms)
                .unwrap_or(0)
                .saturating_mul(1000),
            whole_ms: true,
        })
        .collect())
}

/// Remembers a call: in the process, and on PostgreSQL in the database too. `answered` is when
/// the call was answered, on the monotonic clock (it orders the journal).
pub async fn record_call(state: &AppState, answered: std::time::Instant, call: crate::calls::Call) {
    if enabled(state) {
        // Boxed: the database write stays out of every call's future on SQLite.
        Box::pin(insert_shared(state, &call)).await;
    }
    state.calls.push_at(call, answered);
}

/// Writes a call to the database's journal (PostgreSQL).
async fn insert_shared(state: &AppState, call: &crate::calls::Call) {
    let row = localgram_core::store::JournalCall {
        at_ms: i64::try_from(call.at.unix_timestamp_nanos() / 1_000_000).unwrap_or(0),
        method: call.method.clone().into_owned(),
        host: call.host.clone().into_owned(),
        path: call.path.clone(),
        query: call.query.clone(),
        form: call.form.clone(),
        status: i64::from(call.status),
        graph_code: call.graph_code,
        latency_ms: i64::try_from(call.duration_us / 1000).unwrap_or(i64::MAX),
        app: call.app.clone(),
        user: call.user.clone(),
        faults: call.faults.join(","),
    };
    let keep = i64::try_from(state.calls.capacity()).unwrap_or(i64::MAX);
    if let Err(e) = state.platform.insert_journal_call(&row, keep).await {
        tracing::warn!(error = %e, "cannot write a call to the shared journal");
    }
}

/// Forgets every call (`DELETE /_localgram/calls`, a reset): this process's, and on PostgreSQL
/// the database's; how many there were.
pub async fn clear_calls(state: &AppState) -> Result<usize, localgram_core::store::StoreError> {
    let local = state.calls.clear();
    if enabled(state) {
        let n = state.platform.clear_journal_calls().await?;
        return Ok(usize::try_from(n).unwrap_or(usize::MAX));
    }
    Ok(local)
}
