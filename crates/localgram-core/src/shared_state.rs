//! What instances on one database share (docs/faults.md, "Several instances"): the test clock,
//! the fault rules with their firing counts, and the request journal. The server keeps its own
//! copies in step with these; on SQLite, which one process serves, they are not used.

use crate::platform::Platform;
use crate::store::{JournalCall, Result};

impl Platform {
    /// Whether this platform's database is shared by several instances (PostgreSQL).
    pub fn shares_state(&self) -> bool {
        self.store.backend() == "postgres"
    }

    /// The shared clock: `(frozen, epoch ms, generation)`, `None` before anyone wrote it.
    pub async fn read_shared_clock(&self) -> Result<Option<(bool, i64, i64)>> {
        self.store.read_shared_clock().await
    }

    /// Writes the shared clock; its new generation.
    pub async fn write_shared_clock(&self, frozen: bool, millis: i64) -> Result<i64> {
        self.store.write_shared_clock(frozen, millis).await
    }

    /// The stored fault rules: `(id, spec, matched, fired)`, in the order they were added.
    pub async fn stored_fault_rules(&self) -> Result<Vec<(String, String, i64, i64)>> {
        self.store.list_fault_rules().await
    }

    /// Stores a fault rule (its counts start at zero, or stay when it was stored already).
    pub async fn store_fault_rule(&self, id: &str, spec: &str) -> Result<()> {
        self.store.put_fault_rule(id, spec).await
    }

    /// Removes a stored fault rule; `false` when there was none.
    pub async fn delete_stored_fault_rule(&self, id: &str) -> Result<bool> {
        self.store.delete_fault_rule(id).await
    }

    /// Removes every stored fault rule; how many there were.
    pub async fn clear_stored_fault_rules(&self) -> Result<u64> {
        self.store.clear_fault_rules().await
    }

    /// Counts a match of rule `id` and decides, in one transaction, whether it fires:
    /// `Some((fired, matched))`, `None` when the rule is gone.
    pub async fn count_fault_match(
        &self,
        id: &str,
        fires: Box<dyn FnOnce(u64, u64) -> bool + Send>,
    ) -> Result<Option<(bool, u64)>> {
        self.store.count_fault_match(id, fires).await
    }

    /// Adds a call to the shared journal, keeping the newest `keep`.
    pub async fn insert_journal_call(&self, call: &JournalCall, keep: i64) -> Result<()> {
        self.store.insert_journal_call(call, keep).await
    }

    /// The shared journal's newest calls, at most `limit`.
    pub async fn list_journal_calls(&self, limit: i64) -> Result<Vec<JournalCall>> {
        self.store.list_journal_calls(limit).await
    }

    /// Empties the shared journal; how many calls it held.
    pub async fn clear_journal_calls(&self) -> Result<u64> {
        self.store.clear_journal_calls().await
    }
}
