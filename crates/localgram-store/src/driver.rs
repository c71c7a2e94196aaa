//! What the two backends' connections share: running the shared SQL through sqlx and turning
//! each row into a [`Row`](crate::value::Row). A backend supplies only how it binds a
//! [`Value`](crate::value::Value) and how it reads a row's values (`bind` and `row` in its
//! module); this macro implements [`Conn`](crate::sql::Conn) for its connection and its pool.

/// Implements `Conn` for `$conn` (used as `&mut *self`) and `$pool` (used as `&*self`) of
/// database `$db`, with the backend's `$bind` and `$row` functions.
macro_rules! sqlx_conn {
    ($db:ty, $conn:ty, $pool:ty, $bind:path, $row:path) => {
        async fn fetch_all<'c, E>(
            e: E,
            sql: &str,
            params: Vec<$crate::value::Value>,
        ) -> Result<Vec<$crate::value::Row>, $crate::error::DbError>
        where
            E: sqlx::Executor<'c, Database = $db>,
        {
            use futures_util::TryStreamExt as _;
            let mut stream = $bind(sql, params).fetch(e);
            let mut out = Vec::new();
            let mut names: Option<std::sync::Arc<[String]>> = None;
            while let Some(r) = stream.try_next().await? {
                let names = names.get_or_insert_with(|| $crate::driver::columns(&r));
                out.push($row(&r, names)?);
            }
            Ok(out)
        }

        async fn fetch_optional<'c, E>(
            e: E,
            sql: &str,
            params: Vec<$crate::value::Value>,
        ) -> Result<Option<$crate::value::Row>, $crate::error::DbError>
        where
            E: sqlx::Executor<'c, Database = $db>,
        {
            match $bind(sql, params).fetch_optional(e).await? {
                Some(r) => Ok(Some($row(&r, &$crate::driver::columns(&r))?)),
                None => Ok(None),
            }
        }

        #[async_trait::async_trait]
        impl $crate::sql::Conn for $conn {
            async fn execute(
                &mut self,
                sql: &str,
                params: Vec<$crate::value::Value>,
            ) -> Result<u64, crate::error::DbError> {
                Ok($bind(sql, params)
                    .execute(&mut *self)
                    .await?
                    .rows_affected())
            }

            async fn fetch_all(
                &mut self,
                sql: &str,
                params: Vec<$crate::value::Value>,
            ) -> Result<Vec<$crate::value::Row>, $crate::error::DbError> {
                fetch_all(&mut *self, sql, params).await
            }

            async fn fetch_optional(
                &mut self,
                sql: &str,
                params: Vec<$crate::value::Value>,
            ) -> Result<Option<$crate::value::Row>, $crate::error::DbError> {
                fetch_optional(&mut *self, sql, params).await
            }
        }

        #[async_trait::async_trait]
        impl $crate::sql::Conn for $pool {
            async fn execute(
                &mut self,
                sql: &str,
                params: Vec<$crate::value::Value>,
            ) -> Result<u64, crate::error::DbError> {
                Ok($bind(sql, params).execute(&*self).await?.rows_affected())
            }

            async fn fetch_all(
                &mut self,
                sql: &str,
                params: Vec<$crate::value::Value>,
            ) -> Result<Vec<$crate::value::Row>, $crate::error::DbError> {
                fetch_all(&*self, sql, params).await
            }

            async fn fetch_optional(
                &mut self,
                sql: &str,
                params: Vec<$crate::value::Value>,
            ) -> Result<Option<$crate::value::Row>, $crate::error::DbError> {
                fetch_optional(&*self, sql, params).await
            }
        }
    };
}
pub(crate) use sqlx_conn;

/// The column names of a row, shared by every row of one result.
pub(crate) fn columns(row: &impl sqlx::Row) -> std::sync::Arc<[String]> {
    use sqlx::Column as _;
    row.columns().iter().map(|c| c.name().to_owned()).collect()
}
