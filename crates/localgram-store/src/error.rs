//! `sqlx::Error` → [`StoreError`]. Nothing of sqlx crosses the store trait.

use localgram_core::store::StoreError;
use sqlx::error::DatabaseError;

/// SQLite primary result codes that mean "the database cannot serve us right now" rather than
/// "this statement is wrong": BUSY, LOCKED, IOERR, FULL, CANTOPEN.
#[cfg(feature = "sqlite")]
const SQLITE_UNAVAILABLE: [i64; 5] = [5, 6, 10, 13, 14];

/// Whether a database error is transient unavailability. SQLite: its primary result code (the
/// low byte of the extended code sqlx reports) is one of [`SQLITE_UNAVAILABLE`]. PostgreSQL:
/// SQLSTATE class 08 (connection exception), class 53 (insufficient resources: disk full, out
/// of memory, too many connections) and 57P01–57P03 (shutting down, cannot connect now).
fn is_unavailable(db: &dyn DatabaseError) -> bool {
    let Some(code) = db.code() else {
        return false;
    };
    #[cfg(feature = "sqlite")]
    if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
        return code
            .parse::<i64>()
            .is_ok_and(|code| SQLITE_UNAVAILABLE.contains(&(code & 0xff)));
    }
    code.starts_with("08")
        || code.starts_with("53")
        || matches!(&*code, "57P01" | "57P02" | "57P03")
}

/// Maps any sqlx error: pool timeouts, I/O and a closed pool (and the codes of
/// [`is_unavailable`]) are [`StoreError::Unavailable`]; a unique violation is a
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
