//! `sqlx::Error` → [`StoreError`]. Nothing of sqlx crosses the store trait.

use localgram_core::store::StoreError;
use sqlx::error::DatabaseError;

/// SQLite primary result codes that mean "the database cannot serve us right now" rather than
/// "this statement is wrong": BUSY, LOCKED, IOERR, FULL, CANTOPEN.
const UNAVAILABLE_CODES: [i64; 5] = [5, 6, 10, 13, 14];

/// Whether a database error is transient unavailability (its primary result code, the low byte
/// of the extended code sqlx reports, is one of [`UNAVAILABLE_CODES`]).
fn is_unavailable(db: &dyn DatabaseError) -> bool {
    db.code()
        .and_then(|code| code.parse::<i64>().ok())
        .is_some_and(|code| UNAVAILABLE_CODES.contains(&(code & 0xff)))
}

/// Maps any sqlx error: pool timeouts, I/O and a closed pool (and SQLite's busy, full and
/// cannot-open codes) are [`StoreError::Unavailable`]; a unique violation is a
/// [`StoreError::Conflict`] described by the database's message; the rest is
/// [`StoreError::Other`].
pub(crate) fn map_err(e: sqlx::Error) -> StoreError {
    match e {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
            StoreError::Unavailable(e.into())
        }
        sqlx::Error::Database(ref db) if db.is_unique_violation() => StoreError::Conflict {
            what: db.message().to_owned(),
        },
        sqlx::Error::Database(ref db) if is_unavailable(db.as_ref()) => {
            StoreError::Unavailable(e.into())
        }
        other => StoreError::Other(other.into()),
    }
}

/// Maps an error from writing `object` (for example `instagram user 123`): a unique violation
/// becomes `Conflict { what: "{object}: {taken}" }`, anything else keeps [`map_err`]'s class and
/// names the object.
pub(crate) fn write_err(
    e: sqlx::Error,
    object: impl FnOnce() -> String,
    taken: impl FnOnce() -> String,
) -> StoreError {
    match e {
        sqlx::Error::Database(ref db) if db.is_unique_violation() => StoreError::Conflict {
            what: format!("{}: {}", object(), taken()),
        },
        e => match map_err(e) {
            StoreError::Other(e) => StoreError::Other(e.context(format!("writing {}", object()))),
            other => other,
        },
    }
}

/// Maps a migration failure.
pub(crate) fn migrate_err(e: sqlx::migrate::MigrateError) -> StoreError {
    match e {
        sqlx::migrate::MigrateError::Execute(e) => match map_err(e) {
            StoreError::Other(e) => StoreError::Other(e.context("running migrations")),
            other => other,
        },
        other => StoreError::Other(anyhow::Error::new(other).context("running migrations")),
    }
}
