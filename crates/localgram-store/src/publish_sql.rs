//! [`PublishStore`]: media containers, written once for both databases as the rest of
//! [`super`] (writes are jobs; an account's container and publish counts are exact because the
//! account's row is locked first on PostgreSQL, and SQLite's writer serializes every job).

use super::{Backend, SqlStore, exec, insert_blob, one, upsert_media};
use crate::error::write_err;
use crate::value::{params, row_type};
use async_trait::async_trait;
use localgram_core::clock::{from_millis, to_millis};
use localgram_core::model::{Blob, IgMedia};
use localgram_core::publishing::{Container, ContainerKind, PublishOutcome};
use localgram_core::store::{PublishStore, Result, StoreError};
use time::OffsetDateTime;

/// The columns of `ig_containers`.
macro_rules! container_columns {
    () => {
        "id, owner_id, app_id, kind, is_video, is_carousel_item, children, caption, alt_text,
         location_id, user_tags, share_to_feed, thumb_offset, source_url, cover_url, media_blob,
         thumbnail_blob, created_at, ready_at, error_subcode, published_media_id, published_at"
    };
}

row_type!(
    /// An `ig_containers` row.
    ContainerRow {
    id: String,
    owner_id: String,
    app_id: String,
    kind: String,
    is_video: bool,
    is_carousel_item: bool,
    children: String,
    caption: Option<String>,
    alt_text: Option<String>,
    location_id: Option<String>,
    user_tags: Option<String>,
    share_to_feed: Option<bool>,
    thumb_offset: Option<i64>,
    source_url: Option<String>,
    cover_url: Option<String>,
    media_blob: Option<String>,
    thumbnail_blob: Option<String>,
    created_at: i64,
    ready_at: i64,
    error_subcode: Option<i64>,
    published_media_id: Option<String>,
    published_at: Option<i64>,
});

impl TryFrom<ContainerRow> for Container {
    type Error = StoreError;

    fn try_from(r: ContainerRow) -> Result<Self> {
        let corrupt = |what: String| {
            StoreError::Other(anyhow::anyhow!("ig_containers row {:?}: {what}", r.id))
        };
        let kind = ContainerKind::parse(&r.kind)
            .ok_or_else(|| corrupt(format!("unknown kind {:?}", r.kind)))?;
        let user_tags = r
            .user_tags
            .as_deref()
            .map(serde_json::from_str)
            .transpose()
            .map_err(|e| corrupt(format!("user_tags: {e}")))?;
        Ok(Self {
            kind,
            is_video: r.is_video,
            is_carousel_item: r.is_carousel_item,
            children: r
                .children
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            caption: r.caption,
            alt_text: r.alt_text,
            location_id: r.location_id,
            user_tags,
            share_to_feed: r.share_to_feed,
            thumb_offset: r.thumb_offset,
            source_url: r.source_url,
            cover_url: r.cover_url,
            media_blob: r.media_blob,
            thumbnail_blob: r.thumbnail_blob,
            created_at: from_millis(r.created_at),
            ready_at: from_millis(r.ready_at),
            error_subcode: r.error_subcode,
            published_media_id: r.published_media_id,
            published_at: r.published_at.map(from_millis),
            owner_id: r.owner_id,
            app_id: r.app_id,
            id: r.id,
        })
    }
}

const FIND_CONTAINER_SQL: &str = concat!(
    "SELECT ",
    container_columns!(),
    " FROM ig_containers WHERE id = $1"
);

/// Published posts of an account since a time: top-level containers only (a carousel's items
/// are marked published with it but count once, through the carousel).
const COUNT_PUBLISHED_SQL: &str = "SELECT COUNT(*) FROM ig_containers
     WHERE owner_id = $1 AND published_at >= $2 AND is_carousel_item = FALSE";

#[async_trait]
impl<B: Backend> PublishStore for SqlStore<B> {
    async fn insert_container(
        &self,
        container: &Container,
        blobs: &[Blob],
        limit: i64,
        window_from: OffsetDateTime,
    ) -> Result<bool> {
        let (c, blobs) = (container.clone(), blobs.to_vec());
        self.write(move |conn| {
            Box::pin(async move {
                // Concurrent creations for one account queue on its row (PostgreSQL).
                exec(
                    conn,
                    &format!("SELECT id FROM ig_users WHERE id = $1{}", B::FOR_UPDATE),
                    params![&c.owner_id],
                )
                .await?;
                let (recent,) = one::<(i64,)>(
                    conn,
                    "SELECT COUNT(*) FROM ig_containers WHERE owner_id = $1 AND created_at >= $2",
                    params![&c.owner_id, to_millis(window_from)],
                )
                .await?
                .unwrap_or((0,));
                if recent >= limit {
                    return Ok(false);
                }
                for b in &blobs {
                    insert_blob(conn, b).await?;
                }
                let user_tags = c.user_tags.as_ref().map(|v| v.to_string());
                conn.execute(
                    concat!(
                        "INSERT INTO ig_containers (",
                        container_columns!(),
                        ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14,
                                   $15, $16, $17, $18, $19, $20, $21, $22)"
                    ),
                    params![
                        &c.id,
                        &c.owner_id,
                        &c.app_id,
                        c.kind.as_str(),
                        c.is_video,
                        c.is_carousel_item,
                        c.children.join(","),
                        &c.caption,
                        &c.alt_text,
                        &c.location_id,
                        user_tags,
                        c.share_to_feed,
                        c.thumb_offset,
                        &c.source_url,
                        &c.cover_url,
                        &c.media_blob,
                        &c.thumbnail_blob,
                        to_millis(c.created_at),
                        to_millis(c.ready_at),
                        c.error_subcode,
                        &c.published_media_id,
                        c.published_at.map(to_millis),
                    ],
                )
                .await
                .map_err(|e| {
                    write_err(
                        e,
                        || format!("media container {}", c.id),
                        || "already exists".into(),
                    )
                })?;
                Ok(true)
            })
        })
        .await
    }

    async fn find_container(&self, id: &str) -> Result<Option<Container>> {
        self.one::<ContainerRow>(FIND_CONTAINER_SQL, params![id])
            .await?
            .map(Container::try_from)
            .transpose()
    }

    async fn publish_container(
        &self,
        container_id: &str,
        media: &[IgMedia],
        now: OffsetDateTime,
        quota: i64,
        window_from: OffsetDateTime,
        events: &[localgram_core::webhooks::WebhookEvent],
    ) -> Result<PublishOutcome> {
        let (id, media) = (container_id.to_owned(), media.to_vec());
        let events = events.to_vec();
        let written = media.len();
        let outcome = self
            .write(move |conn| {
                Box::pin(async move {
                    let Some(c) = one::<ContainerRow>(conn, FIND_CONTAINER_SQL, params![&id])
                        .await?
                        .map(Container::try_from)
                        .transpose()?
                    else {
                        return Err(StoreError::NotFound);
                    };
                    // Publications of one account queue on its row (PostgreSQL), so the quota
                    // count below is exact and a container is published once.
                    exec(
                        conn,
                        &format!("SELECT id FROM ig_users WHERE id = $1{}", B::FOR_UPDATE),
                        params![&c.owner_id],
                    )
                    .await?;
                    let (published,) = one::<(Option<String>,)>(
                        conn,
                        "SELECT published_media_id FROM ig_containers WHERE id = $1",
                        params![&id],
                    )
                    .await?
                    .unwrap_or((None,));
                    if let Some(m) = published {
                        return Ok(PublishOutcome::AlreadyPublished(m));
                    }
                    let (used,) = one::<(i64,)>(
                        conn,
                        COUNT_PUBLISHED_SQL,
                        params![&c.owner_id, to_millis(window_from)],
                    )
                    .await?
                    .unwrap_or((0,));
                    if used >= quota {
                        return Ok(PublishOutcome::QuotaReached);
                    }
                    let Some(top) = media.first() else {
                        return Err(StoreError::Other(anyhow::anyhow!(
                            "publishing container {id} with no media"
                        )));
                    };
                    upsert_media(conn, &media).await?;
                    let mut marked = vec![id.clone()];
                    marked.extend(c.children.iter().cloned());
                    for cid in &marked {
                        exec(
                            conn,
                            "UPDATE ig_containers SET published_media_id = $1, published_at = $2
                             WHERE id = $3",
                            params![&top.id, to_millis(now), cid],
                        )
                        .await?;
                    }
                    super::webhook_sql::enqueue_events::<B>(conn, &events).await?;
                    Ok(PublishOutcome::Published(top.id.clone()))
                })
            })
            .await?;
        if matches!(outcome, PublishOutcome::Published(_)) {
            self.backend.after_media_write(written).await?;
        }
        Ok(outcome)
    }

    async fn count_published(&self, owner_id: &str, since: OffsetDateTime) -> Result<i64> {
        Ok(self
            .one::<(i64,)>(COUNT_PUBLISHED_SQL, params![owner_id, to_millis(since)])
            .await?
            .map_or(0, |(n,)| n))
    }
}
