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

/// Whether a PostgreSQL statement lost a deadlock (40P01) or a serialization race (40001), for
/// example a read reaching two tables in the other order from a reset that locks them:
/// PostgreSQL's advice is to run it again.
fn is_lost(db: &dyn DatabaseError) -> bool {
    db.code()
        .is_some_and(|code| matches!(&*code, "40P01" | "40001"))
}

/// A failed statement, as the shared SQL sees it, whichever driver ran it.
#[derive(Debug)]
pub enum DbError {
    /// A uniqueness rule was broken; the database's message.
    Unique(String),
    /// The database cannot serve us right now (busy, full, unreachable, shutting down).
    Unavailable(anyhow::Error),
    /// The statement lost a deadlock or a serialization race (PostgreSQL): run again, it can
    /// succeed. A read is run again by its connection ([`RetryLost`](crate::sql::RetryLost));
    /// what is left is unavailability to the caller.
    Lost(anyhow::Error),
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
            sqlx::Error::Database(ref db) if is_lost(db.as_ref()) => Self::Lost(e.into()),
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
        DbError::Unavailable(e) | DbError::Lost(e) => StoreError::Unavailable(e),
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
        DbError::Unavailable(e) | DbError::Lost(e) => StoreError::Unavailable(e),
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

#[cfg(all(test, feature = "postgres"))]
mod tests {
    use super::DbError;
    use sqlx::Connection as _;

    /// The loser of a deadlock is [`DbError::Lost`] (a read runs again), and to the caller
    /// unavailable (Graph code 2: retry later), not that something broke. Two sessions take two
    /// advisory locks in opposite orders; PostgreSQL fails one.
    #[tokio::test]
    async fn a_postgres_deadlock_loser_is_unavailable() {
        let Ok(url) = std::env::var("LOCALGRAM_TEST_PG_URL") else {
            eprintln!("skipped: LOCALGRAM_TEST_PG_URL not set");
            return;
        };
        // Keys of this test's own, so no other test's advisory lock is involved.
        let first = 0x4c47_0000_0000 + 2 * i64::from(std::process::id());
        let second = first + 1;
        let lock = "SELECT pg_advisory_xact_lock($1)";
        let session = async |mine: i64| {
            let mut c = sqlx::PgConnection::connect(&url).await.expect("a session");
            sqlx::query("BEGIN")
                .execute(&mut c)
                .await
                .expect("a transaction");
            sqlx::query(lock)
                .bind(mine)
                .execute(&mut c)
                .await
                .expect("its own lock");
            c
        };
        let mut a = session(first).await;
        let mut b = session(second).await;
        let (ra, rb) = tokio::join!(
            sqlx::query(lock).bind(second).execute(&mut a),
            sqlx::query(lock).bind(first).execute(&mut b),
        );
        let lost = match (ra, rb) {
            (Err(e), Ok(_)) | (Ok(_), Err(e)) => e,
            other => panic!("one session should lose the deadlock: {other:?}"),
        };
        let code = lost
            .as_database_error()
            .and_then(|d| d.code())
            .map(|c| c.into_owned());
        assert_eq!(code.as_deref(), Some("40P01"), "{lost}");
        let class = DbError::from(lost);
        assert!(matches!(class, DbError::Lost(_)), "{class:?}");
        assert!(matches!(
            super::map_err(class),
            localgram_core::store::StoreError::Unavailable(_)
        ));
    }
}
