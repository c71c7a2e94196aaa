//! Driver errors → [`DbError`] → [`StoreError`]. Nothing of sqlx or rusqlite crosses the store
//! trait.

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

/// A failed statement, as the shared SQL sees it, whichever driver ran it.
#[derive(Debug)]
pub enum DbError {
    /// A uniqueness rule was broken; the database's message.
    Unique(String),
    /// The database cannot serve us right now (busy, full, unreachable, shutting down).
    Unavailable(anyhow::Error),
    /// Anything else.
    Other(anyhow::Error),
}

impl From<sqlx::Error> for DbError {
    /// Pool timeouts, I/O, a closed pool and the codes of [`is_unavailable`] are unavailability.
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
                Self::Unavailable(e.into())
            }
            sqlx::Error::Database(ref db) if db.is_unique_violation() => {
                Self::Unique(db.message().to_owned())
            }
            sqlx::Error::Database(ref db) if is_unavailable(db.as_ref()) => {
                Self::Unavailable(e.into())
            }
            other => Self::Other(other.into()),
        }
    }
}

#[cfg(feature = "sqlite")]
impl From<rusqlite::Error> for DbError {
    /// SQLite's unique and primary-key violations are [`DbError::Unique`]; its busy, locked,
    /// I/O, full and cannot-open codes are unavailability.
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ffi;
        if let rusqlite::Error::SqliteFailure(failure, message) = &e {
            if matches!(
                failure.extended_code,
                ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY
            ) {
                return Self::Unique(message.clone().unwrap_or_else(|| e.to_string()));
            }
            if SQLITE_UNAVAILABLE.contains(&i64::from(failure.extended_code & 0xff)) {
                return Self::Unavailable(e.into());
            }
        }
        Self::Other(e.into())
    }
}

/// Maps a failed statement: a unique violation is a [`StoreError::Conflict`] described by the
/// database's message; unavailability is [`StoreError::Unavailable`]; the rest is
/// [`StoreError::Other`].
pub(crate) fn map_err(e: impl Into<DbError>) -> StoreError {
    match e.into() {
        DbError::Unique(what) => StoreError::Conflict { what },
        DbError::Unavailable(e) => StoreError::Unavailable(e),
        DbError::Other(e) => StoreError::Other(e),
    }
}

/// Maps an error from writing `object` (for example `instagram user 123`): a unique violation
/// becomes `Conflict { what: "{object}: {taken}" }`, anything else keeps [`map_err`]'s class and
/// names the object.
pub(crate) fn write_err(
    e: impl Into<DbError>,
    object: impl FnOnce() -> String,
    taken: impl FnOnce() -> String,
) -> StoreError {
    match e.into() {
        DbError::Unique(_) => StoreError::Conflict {
            what: format!("{}: {}", object(), taken()),
        },
        DbError::Unavailable(e) => StoreError::Unavailable(e),
        DbError::Other(e) => StoreError::Other(e.context(format!("writing {}", object()))),
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
