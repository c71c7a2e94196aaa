//! The shared SQL on `rusqlite` connections, run in place: the writer thread's connection and the
//! readers'. sqlx's SQLite driver hands every statement and row to a worker thread of its own;
//! on the write path (a savepoint, two or three statements and a release per job) those
//! hand-offs cost more than the statements, so SQLite runs the shared SQL here instead.

use std::sync::Arc;

use async_trait::async_trait;
use rusqlite::Connection;
use rusqlite::types::ValueRef;

use super::readers::Readers;
use crate::error::DbError;
use crate::sql::Conn;
use crate::value::{Kind, Row, Value};

/// A parameter as `rusqlite` binds it.
fn to_sql(value: Value) -> rusqlite::types::Value {
    use rusqlite::types::Value as V;
    match value {
        Value::Null(_) => V::Null,
        Value::Int(n) => V::Integer(n),
        Value::Bool(b) => V::Integer(i64::from(b)),
        Value::Real(x) => V::Real(x),
        Value::Text(s) | Value::Json(s) => V::Text(s),
        Value::Bytes(b) => V::Blob(b),
    }
}

/// Prepares `sql` (cached) and binds `$n` to `params[n - 1]`, by each parameter's name: SQLite
/// numbers named parameters in order of first appearance, which need not be `$n`'s order.
fn prepare<'c>(
    c: &'c Connection,
    sql: &str,
    params: Vec<Value>,
) -> rusqlite::Result<rusqlite::CachedStatement<'c>> {
    let mut stmt = c.prepare_cached(sql)?;
    let mut params: Vec<Option<Value>> = params.into_iter().map(Some).collect();
    for i in 1..=stmt.parameter_count() {
        let n = stmt
            .parameter_name(i)
            .and_then(|name| name.strip_prefix('$'))
            .and_then(|n| n.parse::<usize>().ok())
            .unwrap_or(i);
        let value = params
            .get_mut(n - 1)
            .and_then(Option::take)
            .ok_or(rusqlite::Error::InvalidParameterCount(n, i))?;
        stmt.raw_bind_parameter(i, to_sql(value))?;
    }
    Ok(stmt)
}

/// Runs a query; its rows.
pub(crate) fn rows(c: &Connection, sql: &str, params: Vec<Value>) -> rusqlite::Result<Vec<Row>> {
    let mut stmt = prepare(c, sql, params)?;
    let columns: Arc<[String]> = stmt.column_names().into_iter().map(str::to_owned).collect();
    let n = columns.len();
    let mut rows = stmt.raw_query();
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let mut values = Vec::with_capacity(n);
        for i in 0..n {
            values.push(match r.get_ref(i)? {
                ValueRef::Null => Value::Null(Kind::Text),
                ValueRef::Integer(v) => Value::Int(v),
                ValueRef::Real(v) => Value::Real(v),
                ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
                ValueRef::Blob(b) => Value::Bytes(b.to_vec()),
            });
        }
        out.push(Row {
            columns: columns.clone(),
            values,
        });
    }
    Ok(out)
}

/// Runs a statement; the number of rows it changed.
pub(crate) fn execute(c: &Connection, sql: &str, params: Vec<Value>) -> rusqlite::Result<u64> {
    let mut stmt = prepare(c, sql, params)?;
    // A statement with RETURNING yields rows; step through them like `execute` would not.
    let mut rows = stmt.raw_query();
    while rows.next()?.is_some() {}
    drop(rows);
    Ok(c.changes())
}

#[async_trait]
impl Conn for Connection {
    async fn execute(&mut self, sql: &str, params: Vec<Value>) -> Result<u64, DbError> {
        Ok(execute(self, sql, params)?)
    }

    async fn fetch_all(&mut self, sql: &str, params: Vec<Value>) -> Result<Vec<Row>, DbError> {
        Ok(rows(self, sql, params)?)
    }

    async fn fetch_optional(
        &mut self,
        sql: &str,
        params: Vec<Value>,
    ) -> Result<Option<Row>, DbError> {
        Ok(rows(self, sql, params)?.into_iter().next())
    }
}

/// Reads on the read-only connections, in place.
pub(crate) struct ReaderConn(pub(crate) Arc<Readers>);

#[async_trait]
impl Conn for ReaderConn {
    async fn execute(&mut self, sql: &str, params: Vec<Value>) -> Result<u64, DbError> {
        Ok(self.0.with_raw(|c| execute(c, sql, params))?)
    }

    async fn fetch_all(&mut self, sql: &str, params: Vec<Value>) -> Result<Vec<Row>, DbError> {
        Ok(self.0.with_raw(|c| rows(c, sql, params))?)
    }

    async fn fetch_optional(
        &mut self,
        sql: &str,
        params: Vec<Value>,
    ) -> Result<Option<Row>, DbError> {
        Ok(self
            .0
            .with_raw(|c| rows(c, sql, params))?
            .into_iter()
            .next())
    }
}
