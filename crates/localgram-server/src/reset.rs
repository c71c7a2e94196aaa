//! The one place where the server forgets what it keeps in process memory, after a reset or a
//! snapshot restore (docs/state.md). Every in-memory component that must start afresh is cleared
//! from [`forget_process_state`]; a new one adds a line there.

use crate::state::AppState;

/// Clears every in-process memory of the emulator: the platform's read caches and failed-attempt
/// counts, the rendered-answer cache, the dashboard's recent calls and one-time reveals. The
/// store's own memories (SQLite's rate counts) are cleared by the store's reset and restore.
pub fn forget_process_state(state: &AppState) {
    state.platform.forget_memories();
    state.responses.clear();
    // The journal's rows in the database (PostgreSQL) are emptied by the store's reset and
    // restore; this is the process's copy.
    state.calls.clear();
    state.reveals.clear();
}
