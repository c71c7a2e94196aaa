//! The values that cross between the shared SQL and a backend's connection: parameters going in,
//! rows coming out. Each backend converts them to and from its driver's types in one place
//! (`sqlite/conn.rs`, `postgres/conn.rs`), so the queries in `sql.rs` are written once.

use serde::Serialize;
use serde::de::DeserializeOwned;

/// The SQL type of a parameter, kept on `NULL`s too: PostgreSQL types every parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Int,
    Real,
    Text,
    Bool,
    Bytes,
    /// JSON text (`TEXT` on SQLite, `JSONB` on PostgreSQL).
    Json,
}

/// A parameter or a column value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null(Kind),
    Int(i64),
    Real(f64),
    Text(String),
    Bool(bool),
    Bytes(Vec<u8>),
    /// JSON text.
    Json(String),
}

impl Value {
    /// A value serialized as JSON.
    pub(crate) fn json(value: &impl Serialize) -> Self {
        // Serializing plain data (strings, numbers, maps with string keys) cannot fail.
        Self::Json(serde_json::to_string(value).unwrap_or_else(|_| "null".into()))
    }

    /// `value` as JSON, or a typed `NULL`.
    pub(crate) fn json_or_null(value: Option<&impl Serialize>) -> Self {
        value.map_or(Self::Null(Kind::Json), Self::json)
    }

    fn kind_name(&self) -> &'static str {
        match self {
            Self::Null(_) => "NULL",
            Self::Int(_) => "integer",
            Self::Real(_) => "real",
            Self::Text(_) => "text",
            Self::Bool(_) => "boolean",
            Self::Bytes(_) => "bytes",
            Self::Json(_) => "json",
        }
    }
}

/// The Rust types that go in as parameters and the `NULL` kind of their `Option`.
pub(crate) trait Param {
    const KIND: Kind;
    fn into_value(self) -> Value;
}

macro_rules! param {
    ($($ty:ty => $kind:ident, $v:ident => $make:expr;)*) => {$(
        impl Param for $ty {
            const KIND: Kind = Kind::$kind;
            fn into_value(self) -> Value {
                let $v = self;
                $make
            }
        }
    )*};
}

param! {
    i64 => Int, v => Value::Int(v);
    f64 => Real, v => Value::Real(v);
    bool => Bool, v => Value::Bool(v);
    String => Text, v => Value::Text(v);
    &String => Text, v => Value::Text(v.clone());
    &str => Text, v => Value::Text(v.to_owned());
    Vec<u8> => Bytes, v => Value::Bytes(v);
    &Vec<u8> => Bytes, v => Value::Bytes(v.clone());
    &[u8] => Bytes, v => Value::Bytes(v.to_vec());
    Value => Text, v => v;
}

impl<T: Param> Param for Option<T> {
    const KIND: Kind = T::KIND;
    fn into_value(self) -> Value {
        self.map_or(Value::Null(T::KIND), Param::into_value)
    }
}

impl<T: Param + Clone> Param for &Option<T> {
    const KIND: Kind = T::KIND;
    fn into_value(self) -> Value {
        self.clone().into_value()
    }
}

/// The parameters of a statement, `$1` first.
macro_rules! params {
    ($($p:expr),* $(,)?) => {
        vec![$($crate::value::Param::into_value($p)),*]
    };
}
pub(crate) use params;

/// A row: its column names and values, in the statement's order.
#[derive(Debug, Clone)]
pub struct Row {
    pub(crate) columns: std::sync::Arc<[String]>,
    pub(crate) values: Vec<Value>,
}

/// Why a row did not decode.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    #[error("no column {0:?} in the row")]
    Missing(&'static str),
    #[error("column {column:?}: expected {expected}, found {found}")]
    Type {
        column: String,
        expected: &'static str,
        found: &'static str,
    },
    #[error("column {column:?}: {source}")]
    Json {
        column: String,
        source: serde_json::Error,
    },
}

impl Row {
    /// The value of column `name`, decoded.
    pub(crate) fn get<T: FromValue>(&mut self, name: &'static str) -> Result<T, DecodeError> {
        let i = self
            .columns
            .iter()
            .position(|c| c == name)
            .ok_or(DecodeError::Missing(name))?;
        let value = std::mem::replace(&mut self.values[i], Value::Null(Kind::Int));
        T::from_value(value).map_err(|e| e.at(name))
    }

    /// The value of column `i`, decoded.
    pub(crate) fn at<T: FromValue>(&mut self, i: usize) -> Result<T, DecodeError> {
        let value = self
            .values
            .get_mut(i)
            .map(|v| std::mem::replace(v, Value::Null(Kind::Int)))
            .ok_or(DecodeError::Missing("(by position)"))?;
        let name = self.columns.get(i).cloned().unwrap_or_default();
        T::from_value(value).map_err(|e| e.at(&name))
    }
}

/// A column decoding error before it knows its column.
#[derive(Debug)]
pub enum ValueError {
    Type {
        expected: &'static str,
        found: &'static str,
    },
    Json(serde_json::Error),
}

impl ValueError {
    fn at(self, column: &str) -> DecodeError {
        match self {
            Self::Type { expected, found } => DecodeError::Type {
                column: column.to_owned(),
                expected,
                found,
            },
            Self::Json(source) => DecodeError::Json {
                column: column.to_owned(),
                source,
            },
        }
    }
}

/// A Rust type a column decodes into.
pub(crate) trait FromValue: Sized {
    fn from_value(value: Value) -> Result<Self, ValueError>;
}

fn mismatch<T>(expected: &'static str, found: &Value) -> Result<T, ValueError> {
    Err(ValueError::Type {
        expected,
        found: found.kind_name(),
    })
}

impl FromValue for i64 {
    fn from_value(value: Value) -> Result<Self, ValueError> {
        match value {
            Value::Int(n) => Ok(n),
            Value::Bool(b) => Ok(i64::from(b)),
            other => mismatch("integer", &other),
        }
    }
}

impl FromValue for f64 {
    fn from_value(value: Value) -> Result<Self, ValueError> {
        match value {
            Value::Real(n) => Ok(n),
            // SQLite stores a REAL that has no fractional part as such, and reads it back so.
            Value::Int(n) => Ok(n as f64),
            other => mismatch("real", &other),
        }
    }
}

impl FromValue for bool {
    fn from_value(value: Value) -> Result<Self, ValueError> {
        match value {
            Value::Bool(b) => Ok(b),
            // SQLite has no boolean type: 0 and 1.
            Value::Int(n) => Ok(n != 0),
            other => mismatch("boolean", &other),
        }
    }
}

impl FromValue for String {
    fn from_value(value: Value) -> Result<Self, ValueError> {
        match value {
            Value::Text(s) | Value::Json(s) => Ok(s),
            other => mismatch("text", &other),
        }
    }
}

impl FromValue for Vec<u8> {
    fn from_value(value: Value) -> Result<Self, ValueError> {
        match value {
            Value::Bytes(b) => Ok(b),
            other => mismatch("bytes", &other),
        }
    }
}

impl<T: FromValue> FromValue for Option<T> {
    fn from_value(value: Value) -> Result<Self, ValueError> {
        match value {
            Value::Null(_) => Ok(None),
            other => T::from_value(other).map(Some),
        }
    }
}

/// A JSON column (JSON text on SQLite, `JSONB` on PostgreSQL).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Json<T>(pub T);

impl<T: DeserializeOwned> FromValue for Json<T> {
    fn from_value(value: Value) -> Result<Self, ValueError> {
        match value {
            Value::Text(s) | Value::Json(s) => {
                serde_json::from_str(&s).map(Json).map_err(ValueError::Json)
            }
            other => mismatch("json", &other),
        }
    }
}

/// A type decoded from a whole row.
pub(crate) trait FromRow: Sized {
    fn from_row(row: Row) -> Result<Self, DecodeError>;
}

/// Declares a row type whose fields are read from the columns of the same names.
macro_rules! row_type {
    ($(#[$meta:meta])* $name:ident { $($field:ident : $ty:ty),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug)]
        pub(crate) struct $name {
            $(pub $field: $ty,)*
        }

        impl $crate::value::FromRow for $name {
            fn from_row(
                mut row: $crate::value::Row,
            ) -> Result<Self, $crate::value::DecodeError> {
                Ok(Self {
                    $($field: row.get(stringify!($field))?,)*
                })
            }
        }
    };
}
pub(crate) use row_type;

macro_rules! tuple_row {
    ($($t:ident $i:tt),*) => {
        impl<$($t: FromValue),*> FromRow for ($($t,)*) {
            fn from_row(mut row: Row) -> Result<Self, DecodeError> {
                Ok(($(row.at::<$t>($i)?,)*))
            }
        }
    };
}

tuple_row!(A 0);
tuple_row!(A 0, B 1);
tuple_row!(A 0, B 1, C 2);

#[cfg(test)]
mod tests {
    use super::*;

    fn row(columns: &[&str], values: Vec<Value>) -> Row {
        Row {
            columns: columns.iter().map(|c| (*c).to_owned()).collect(),
            values,
        }
    }

    row_type!(Sample {
        id: String,
        n: i64,
        flag: bool,
        note: Option<String>,
        tags: Json<Vec<String>>,
    });

    #[test]
    fn rows_decode_by_column_name_whatever_the_order() {
        let r = row(
            &["tags", "flag", "id", "note", "n"],
            vec![
                Value::Text(r#"["a","b"]"#.into()),
                Value::Int(1),
                Value::Text("x".into()),
                Value::Null(Kind::Text),
                Value::Int(7),
            ],
        );
        let s = Sample::from_row(r).unwrap();
        assert_eq!(
            (s.id.as_str(), s.n, s.flag, s.note, s.tags.0),
            ("x", 7, true, None, vec!["a".to_owned(), "b".to_owned()])
        );
    }

    #[test]
    fn a_wrong_type_names_the_column() {
        let r = row(&["n"], vec![Value::Text("seven".into())]);
        let err = <(i64,)>::from_row(r).unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"column "n": expected integer, found text"#
        );
    }

    #[test]
    fn options_keep_their_null_kind() {
        assert_eq!(None::<i64>.into_value(), Value::Null(Kind::Int));
        assert_eq!(None::<&str>.into_value(), Value::Null(Kind::Text));
        assert_eq!(Some(true).into_value(), Value::Bool(true));
        assert_eq!(
            Value::json_or_null(None::<&Vec<String>>),
            Value::Null(Kind::Json)
        );
    }
}
