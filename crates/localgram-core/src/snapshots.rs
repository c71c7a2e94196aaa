//! Named snapshots of the whole state (docs/state.md): each is one store job, so a dropped
//! caller leaves the old state or the new one.

use crate::platform::Platform;
use crate::store::{Result, SnapshotInfo};
use time::OffsetDateTime;

impl Platform {
    /// Saves the state under `name` (replacing a snapshot of that name), with `meta`.
    pub async fn save_snapshot(&self, name: &str, at: OffsetDateTime, meta: &str) -> Result<()> {
        self.store.save_snapshot(name, at, meta).await
    }

    /// The snapshots, by name.
    pub async fn list_snapshots(&self) -> Result<Vec<SnapshotInfo>> {
        self.store.list_snapshots().await
    }

    /// Replaces the state with snapshot `name` and forgets the read caches; `None` (and
    /// nothing changed) when there is no such snapshot.
    pub async fn restore_snapshot(&self, name: &str) -> Result<Option<SnapshotInfo>> {
        let restored = self.store.restore_snapshot(name).await;
        if matches!(restored, Ok(Some(_))) {
            self.forget_memories();
        }
        restored
    }

    /// Deletes snapshot `name`; `false` when there was none.
    pub async fn delete_snapshot(&self, name: &str) -> Result<bool> {
        self.store.delete_snapshot(name).await
    }
}
