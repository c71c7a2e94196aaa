//! The shared SQL on `rusqlite` connections, run in place: the writer thread's connection and the
//! readers'. sqlx's SQLite driver hands every statement and row to a worker thread of its own;
//! on the write path (a savepoint, two or three statements and a release per job) those
//! hand-offs cost more than the statements, so SQLite runs the shared SQL here instead.

use std::borrow::Cow;
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

/// `sql` with every `$n` parameter written `?n`, outside quoted text. Both bind parameter `n`,
/// but SQLite looks a `$n` name up in a list, once when parsing each use and once when binding,
/// which makes a statement of many parameters (a multi-row insert of a thousand media has
/// 15,000) quadratic in them; `?n` is its index.
fn numbered(sql: &str) -> Cow<'_, str> {
    if !sql.contains('$') {
        return Cow::Borrowed(sql);
    }
    let mut out = String::with_capacity(sql.len());
    let mut quote = None;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), _) if c == q => quote = None,
            (None, '$') if chars.peek().is_some_and(char::is_ascii_digit) => {
                out.push('?');
                continue;
            }
            _ => {}
        }
        out.push(c);
    }
    Cow::Owned(out)
}

/// Prepares `sql` (cached) and binds `$n` to `params[n - 1]`; parameters beyond the highest `$n`
/// the statement uses are not bound.
fn prepare<'c>(
    c: &'c Connection,
    sql: &str,
    params: Vec<Value>,
) -> rusqlite::Result<rusqlite::CachedStatement<'c>> {
    let mut stmt = c.prepare_cached(&numbered(sql))?;
    let expected = stmt.parameter_count();
    if params.len() < expected {
        return Err(rusqlite::Error::InvalidParameterCount(
            params.len(),
            expected,
        ));
    }
    for (i, value) in params.into_iter().take(expected).enumerate() {
        stmt.raw_bind_parameter(i + 1, to_sql(value))?;
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

#[cfg(test)]
mod tests {
    use super::numbered;

    #[test]
    fn dollar_parameters_become_numbered_outside_quotes() {
        assert_eq!(numbered("SELECT 1"), "SELECT 1");
        assert_eq!(
            numbered(
                "SELECT a FROM t WHERE b = $1 AND c IN ($2, $10) AND d = '$3' AND \"$4\" = $1"
            ),
            "SELECT a FROM t WHERE b = ?1 AND c IN (?2, ?10) AND d = '$3' AND \"$4\" = ?1"
        );
        assert_eq!(
            numbered("SELECT json_extract(x, '$.a') FROM t WHERE y = $2"),
            "SELECT json_extract(x, '$.a') FROM t WHERE y = ?2"
        );
        assert_eq!(numbered("SELECT '$' || $1"), "SELECT '$' || ?1");
    }
}
