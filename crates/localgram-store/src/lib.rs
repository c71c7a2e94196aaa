#![doc = include_str!("../README.md")]

mod driver;
mod error;
mod rows;
mod sql;
mod value;

#[cfg(test)]
mod shipped;

#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "sqlite")]
mod sqlite;

#[cfg(feature = "postgres")]
pub use postgres::{PgBackend, PgStore};
pub use sql::SqlStore;
pub use sql::state::{CLEARED_TABLES, KEPT_TABLES, SNAPSHOT_TABLE_PREFIX, STATE_TABLES};
#[cfg(feature = "sqlite")]
pub use sqlite::{SqliteBackend, SqliteOptions, SqliteStore};
