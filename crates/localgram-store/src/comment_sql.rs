//! [`CommentStore`]: comments on media and the media whose comments are off, written once for
//! both databases as the rest of [`super`].

use super::{Backend, Conn, SqlStore, all, exec, returned};
use crate::error::write_err;
use crate::value::{Value, params, row_type};
use async_trait::async_trait;
use localgram_core::clock::{from_millis, to_millis};
use localgram_core::comments::{Comment, CommentQuery};
use localgram_core::store::{CommentStore, Result};

/// The columns of `ig_comments`.
macro_rules! comment_columns {
    () => {
        "id, media_id, parent_id, from_id, from_username, text, timestamp_ms, hidden"
    };
}

row_type!(
    /// An `ig_comments` row.
    CommentRow {
    id: String,
    media_id: String,
    parent_id: Option<String>,
    from_id: String,
    from_username: String,
    text: String,
    timestamp_ms: i64,
    hidden: bool,
});

impl From<CommentRow> for Comment {
    fn from(r: CommentRow) -> Self {
        Self {
            id: r.id,
            media_id: r.media_id,
            parent_id: r.parent_id,
            from_id: r.from_id,
            from_username: r.from_username,
            text: r.text,
            timestamp: from_millis(r.timestamp_ms),
            hidden: r.hidden,
        }
    }
}

/// The page query of [`CommentStore::list_comments`], ids ordered by `bytewise`.
fn comments_page_sql(q: &CommentQuery, bytewise: &str) -> (String, Vec<Value>) {
    let mut sql = String::from(concat!(
        "SELECT ",
        comment_columns!(),
        " FROM ig_comments WHERE media_id = $1"
    ));
    let mut params = params![&q.media_id];
    match &q.parent_id {
        Some(p) => {
            params.extend(params![p]);
            sql.push_str(&format!(" AND parent_id = ${}", params.len()));
        }
        None => sql.push_str(" AND parent_id IS NULL"),
    }
    if let Some(k) = &q.older_than {
        params.extend(params![k.timestamp_ms, &k.id]);
        let (t, i) = (params.len() - 1, params.len());
        sql.push_str(&format!(
            " AND timestamp_ms <= ${t} AND (timestamp_ms < ${t} OR id {bytewise} < ${i})"
        ));
    }
    params.extend(params![q.limit]);
    sql.push_str(&format!(
        " ORDER BY timestamp_ms DESC, id {bytewise} DESC LIMIT ${}",
        params.len()
    ));
    (sql, params)
}

/// Upserts comments by id on the caller's transaction (a world's; parents come first).
pub(super) async fn upsert_comments(c: &mut dyn super::Conn, comments: &[Comment]) -> Result<()> {
    for cm in comments {
        c.execute(
            concat!(
                "INSERT INTO ig_comments (",
                comment_columns!(),
                ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                 ON CONFLICT (id) DO UPDATE SET
                     media_id = excluded.media_id, parent_id = excluded.parent_id,
                     from_id = excluded.from_id, from_username = excluded.from_username,
                     text = excluded.text, timestamp_ms = excluded.timestamp_ms,
                     hidden = excluded.hidden"
            ),
            params![
                &cm.id,
                &cm.media_id,
                &cm.parent_id,
                &cm.from_id,
                &cm.from_username,
                &cm.text,
                to_millis(cm.timestamp),
                cm.hidden,
            ],
        )
        .await
        .map_err(|e| {
            write_err(
                e,
                || format!("comment {}", cm.id),
                || "already exists".into(),
            )
        })?;
    }
    Ok(())
}

/// Inserts a new comment on the caller's transaction.
pub(super) async fn insert_comment(c: &mut dyn super::Conn, cm: &Comment) -> Result<()> {
    c.execute(
        concat!(
            "INSERT INTO ig_comments (",
            comment_columns!(),
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        ),
        params![
            &cm.id,
            &cm.media_id,
            &cm.parent_id,
            &cm.from_id,
            &cm.from_username,
            &cm.text,
            to_millis(cm.timestamp),
            cm.hidden,
        ],
    )
    .await
    .map_err(|e| {
        write_err(
            e,
            || format!("comment {}", cm.id),
            || "already exists".into(),
        )
    })?;
    Ok(())
}

#[async_trait]
impl<B: Backend> CommentStore for SqlStore<B> {
    async fn insert_comment(&self, comment: &Comment) -> Result<()> {
        let c = comment.clone();
        self.write(move |conn| Box::pin(async move { insert_comment(conn, &c).await }))
            .await
    }

    async fn find_comment(&self, id: &str) -> Result<Option<Comment>> {
        Ok(self
            .one::<CommentRow>(
                concat!(
                    "SELECT ",
                    comment_columns!(),
                    " FROM ig_comments WHERE id = $1"
                ),
                params![id],
            )
            .await?
            .map(Comment::from))
    }

    async fn list_comments(&self, query: &CommentQuery) -> Result<Vec<Comment>> {
        let (sql, params) = comments_page_sql(query, B::BYTEWISE);
        Ok(self
            .all::<CommentRow>(&sql, params)
            .await?
            .into_iter()
            .map(Comment::from)
            .collect())
    }

    async fn count_comments(&self, media_id: &str) -> Result<i64> {
        Ok(self
            .one::<(i64,)>(
                "SELECT COUNT(*) FROM ig_comments WHERE media_id = $1",
                params![media_id],
            )
            .await?
            .map_or(0, |(n,)| n))
    }

    async fn set_comment_hidden(&self, id: &str, hidden: bool) -> Result<bool> {
        let id = id.to_owned();
        self.write(move |conn| {
            Box::pin(async move {
                returned(
                    conn,
                    "UPDATE ig_comments SET hidden = $1 WHERE id = $2 RETURNING id",
                    params![hidden, &id],
                )
                .await
            })
        })
        .await
    }

    async fn delete_comment(&self, id: &str) -> Result<bool> {
        let id = id.to_owned();
        self.write(move |conn| {
            Box::pin(async move {
                exec(
                    conn,
                    "DELETE FROM ig_comments WHERE parent_id = $1",
                    params![&id],
                )
                .await?;
                returned(
                    conn,
                    "DELETE FROM ig_comments WHERE id = $1 RETURNING id",
                    params![&id],
                )
                .await
            })
        })
        .await
    }

    async fn comments_enabled(&self, media_id: &str) -> Result<bool> {
        Ok(self
            .one::<(String,)>(
                "SELECT media_id FROM ig_comments_disabled WHERE media_id = $1",
                params![media_id],
            )
            .await?
            .is_none())
    }

    async fn set_comments_enabled(&self, media_id: &str, enabled: bool) -> Result<()> {
        let media_id = media_id.to_owned();
        self.write(move |conn| {
            Box::pin(async move {
                if enabled {
                    exec(
                        conn,
                        "DELETE FROM ig_comments_disabled WHERE media_id = $1",
                        params![&media_id],
                    )
                    .await?;
                } else {
                    exec(
                        conn,
                        "INSERT INTO ig_comments_disabled (media_id) VALUES ($1)
                         ON CONFLICT (media_id) DO NOTHING",
                        params![&media_id],
                    )
                    .await?;
                }
                Ok(())
            })
        })
        .await
    }
}

/// Every comment, for the state dump: by media, top-level comments before replies, then oldest
/// first (time, then id).
pub(crate) async fn all_comments(c: &mut dyn Conn, bytewise: &str) -> Result<Vec<Comment>> {
    Ok(all::<CommentRow>(
        c,
        &format!(
            concat!(
                "SELECT ",
                comment_columns!(),
                " FROM ig_comments ORDER BY media_id {0}, parent_id IS NOT NULL, timestamp_ms, id {0}"
            ),
            bytewise
        ),
        params![],
    )
    .await?
    .into_iter()
    .map(Comment::from)
    .collect())
}

/// The media whose comments are off, for the state dump, by id.
pub(crate) async fn all_comments_disabled(c: &mut dyn Conn, bytewise: &str) -> Result<Vec<String>> {
    Ok(all::<(String,)>(
        c,
        &format!("SELECT media_id FROM ig_comments_disabled ORDER BY media_id {bytewise}"),
        params![],
    )
    .await?
    .into_iter()
    .map(|(id,)| id)
    .collect())
}

/// Turns comments on or off for each media of a world plan that says which.
pub(crate) async fn apply_comment_switches(
    c: &mut dyn Conn,
    switches: &[(String, bool)],
) -> Result<()> {
    for (media_id, enabled) in switches {
        let sql = if *enabled {
            "DELETE FROM ig_comments_disabled WHERE media_id = $1"
        } else {
            "INSERT INTO ig_comments_disabled (media_id) VALUES ($1) ON CONFLICT (media_id) DO NOTHING"
        };
        exec(c, sql, params![media_id]).await?;
    }
    Ok(())
}
