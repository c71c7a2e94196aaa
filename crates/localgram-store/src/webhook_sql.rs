//! [`WebhookStore`]: webhook subscriptions, the accounts and Pages that enabled an app, and the
//! durable delivery queue, written once for both databases as the rest of [`super`].
//!
//! The queue is ordered by `id` within each subscription (`app_id`, `object`); only the oldest
//! pending delivery of a subscription may be claimed, so one is in flight per subscription. A
//! claim leases the row until a system-time instant; on PostgreSQL the candidates are read
//! `FOR UPDATE SKIP LOCKED`, so two instances claiming at once never take the same row.
//! Enqueuing locks the subscriptions it writes to (PostgreSQL), so ids grow in commit order.

use super::{Backend, SqlStore, all, exec, one, returned};
use crate::value::{params, row_type};
use async_trait::async_trait;
use localgram_core::clock::{from_millis, to_millis};
use localgram_core::comments::Comment;
use localgram_core::store::{Result, StoreError, WebhookStore};
use localgram_core::webhooks::{
    AccountSubscription, AttemptRecord, ClaimedDelivery, Delivery, DeliveryState, EnabledBy,
    ExpiredStory, SubscribedField, Subscription, WebhookEvent, field_via_instagram_login,
};
use time::OffsetDateTime;

row_type!(
    /// A `webhook_subscriptions` row.
    SubscriptionRow {
    app_id: String,
    object: String,
    callback_url: String,
    fields: String,
    include_values: bool,
    created_at: i64,
    updated_at: i64,
});

impl From<SubscriptionRow> for Subscription {
    fn from(r: SubscriptionRow) -> Self {
        Self {
            app_id: r.app_id,
            object: r.object,
            callback_url: r.callback_url,
            fields: r
                .fields
                .split(',')
                .filter(|s| !s.is_empty())
                .map(|f| {
                    let (name, version) = f.split_once('@').unwrap_or((f, ""));
                    SubscribedField {
                        name: name.to_owned(),
                        version: version.to_owned(),
                    }
                })
                .collect(),
            include_values: r.include_values,
            created_at: from_millis(r.created_at),
            updated_at: from_millis(r.updated_at),
        }
    }
}

row_type!(
    /// A `webhook_subscribed_apps` row.
    AccountSubscriptionRow {
    app_id: String,
    object_id: String,
    kind: String,
    fields: String,
    created_at: i64,
});

impl TryFrom<AccountSubscriptionRow> for AccountSubscription {
    type Error = StoreError;

    fn try_from(r: AccountSubscriptionRow) -> Result<Self> {
        Ok(Self {
            kind: EnabledBy::parse(&r.kind).ok_or_else(|| {
                StoreError::Other(anyhow::anyhow!(
                    "webhook_subscribed_apps row {}/{}: unknown kind {:?}",
                    r.app_id,
                    r.object_id,
                    r.kind
                ))
            })?,
            app_id: r.app_id,
            object_id: r.object_id,
            fields: r
                .fields
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            created_at: from_millis(r.created_at),
        })
    }
}

/// The columns of `webhook_deliveries` a [`Delivery`] shows.
macro_rules! delivery_columns {
    () => {
        "id, app_id, object, field, kind, payload, state, attempts, created_at, next_attempt_at,
         expires_at, signature, last_attempt_at, last_status, last_body, last_error"
    };
}

row_type!(
    /// A `webhook_deliveries` row.
    DeliveryRow {
    id: i64,
    app_id: String,
    object: String,
    field: String,
    kind: String,
    payload: String,
    state: String,
    attempts: i64,
    created_at: i64,
    next_attempt_at: i64,
    expires_at: i64,
    signature: Option<String>,
    last_attempt_at: Option<i64>,
    last_status: Option<i64>,
    last_body: Option<String>,
    last_error: Option<String>,
});

impl TryFrom<DeliveryRow> for Delivery {
    type Error = StoreError;

    fn try_from(r: DeliveryRow) -> Result<Self> {
        Ok(Self {
            state: DeliveryState::parse(&r.state).ok_or_else(|| {
                StoreError::Other(anyhow::anyhow!(
                    "webhook_deliveries row {}: unknown state {:?}",
                    r.id,
                    r.state
                ))
            })?,
            id: r.id,
            app_id: r.app_id,
            object: r.object,
            field: r.field,
            kind: r.kind,
            payload: r.payload,
            attempts: r.attempts,
            created_at: from_millis(r.created_at),
            next_attempt_at: from_millis(r.next_attempt_at),
            expires_at: from_millis(r.expires_at),
            signature: r.signature,
            last_attempt_at: r.last_attempt_at.map(from_millis),
            last_status: r.last_status,
            last_body: r.last_body,
            last_error: r.last_error,
        })
    }
}

row_type!(
    /// A delivery just claimed.
    ClaimedRow {
    id: i64,
    app_id: String,
    object: String,
    payload: String,
    attempts: i64,
    expires_at: i64,
});

fn fields_text(sub: &Subscription) -> String {
    sub.fields
        .iter()
        .map(|f| format!("{}@{}", f.name, f.version))
        .collect::<Vec<_>>()
        .join(",")
}

/// Enqueues, on the caller's transaction, one delivery per app subscribed to each event's
/// field that the event's account enabled (`docs/webhooks.md#who-receives-what`): the app is
/// live, and the account enabled it on graph.instagram.com (for the fields Instagram Login
/// serves), or the Page linked to the account enabled it for that field on graph.facebook.com.
pub(super) async fn enqueue_events<B: Backend>(
    c: &mut dyn super::Conn,
    events: &[WebhookEvent],
) -> Result<()> {
    for e in events {
        let field_pattern = format!("%,{}@%", e.field);
        let page_pattern = format!("%,{},%", e.field);
        if !B::FOR_UPDATE.is_empty() {
            exec(
                c,
                &format!(
                    "SELECT app_id FROM webhook_subscriptions
                     WHERE object = 'instagram' AND (',' || fields) LIKE $1
                     ORDER BY app_id{}",
                    B::FOR_UPDATE
                ),
                params![&field_pattern],
            )
            .await?;
        }
        let at = to_millis(e.at);
        let expires = to_millis(e.at + localgram_core::webhooks::DELIVERY_WINDOW);
        exec(
            c,
            "INSERT INTO webhook_deliveries (app_id, object, field, kind, payload, state, attempts,
                 created_at, next_attempt_at, expires_at)
             SELECT s.app_id, s.object, $2, 'event', $3, 'pending', 0, $4, $4, $5
             FROM webhook_subscriptions s JOIN apps a ON a.id = s.app_id
             WHERE s.object = 'instagram' AND a.mode = 'live' AND (',' || s.fields) LIKE $6
               AND EXISTS (
                   SELECT 1 FROM webhook_subscribed_apps e
                   WHERE e.app_id = s.app_id AND (
                       (e.kind = 'instagram' AND $8 = 1 AND e.object_id = $1)
                       OR (e.kind = 'page' AND (',' || e.fields || ',') LIKE $7
                           AND e.object_id IN (
                               SELECT p.id FROM pages p WHERE p.instagram_business_account = $1)))
               )
             ORDER BY s.app_id",
            params![
                &e.account_id,
                &e.field,
                &e.payload,
                at,
                expires,
                &field_pattern,
                &page_pattern,
                i64::from(field_via_instagram_login(&e.field))
            ],
        )
        .await?;
    }
    Ok(())
}

/// Inserts or replaces an app's subscription to an object, on the caller's transaction.
pub(super) async fn upsert_subscription(c: &mut dyn super::Conn, sub: &Subscription) -> Result<()> {
    exec(
        c,
        "INSERT INTO webhook_subscriptions (app_id, object, callback_url, fields,
             include_values, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (app_id, object) DO UPDATE SET
             callback_url = excluded.callback_url, fields = excluded.fields,
             include_values = excluded.include_values,
             updated_at = excluded.updated_at",
        params![
            &sub.app_id,
            &sub.object,
            &sub.callback_url,
            fields_text(sub),
            sub.include_values,
            to_millis(sub.created_at),
            to_millis(sub.updated_at),
        ],
    )
    .await?;
    Ok(())
}

/// Inserts or replaces an account's (or a Page's) enabling of an app, on the caller's
/// transaction.
pub(super) async fn upsert_account_subscription(
    c: &mut dyn super::Conn,
    sub: &AccountSubscription,
) -> Result<()> {
    exec(
        c,
        "INSERT INTO webhook_subscribed_apps (app_id, object_id, kind, fields, created_at)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (app_id, object_id) DO UPDATE SET
             kind = excluded.kind, fields = excluded.fields",
        params![
            &sub.app_id,
            &sub.object_id,
            sub.kind.as_str(),
            sub.fields.join(","),
            to_millis(sub.created_at),
        ],
    )
    .await?;
    Ok(())
}

/// Every subscription, by app and object (the state dump).
pub(super) async fn all_subscriptions(
    c: &mut dyn super::Conn,
    bytewise: &str,
) -> Result<Vec<Subscription>> {
    Ok(all::<SubscriptionRow>(
        c,
        &format!(
            "SELECT app_id, object, callback_url, fields, include_values, created_at, updated_at
             FROM webhook_subscriptions ORDER BY app_id {bytewise}, object {bytewise}"
        ),
        params![],
    )
    .await?
    .into_iter()
    .map(Subscription::from)
    .collect())
}

/// Every enabling, by account or Page, then app (the state dump).
pub(super) async fn all_account_subscriptions(
    c: &mut dyn super::Conn,
    bytewise: &str,
) -> Result<Vec<AccountSubscription>> {
    all::<AccountSubscriptionRow>(
        c,
        &format!(
            "SELECT app_id, object_id, kind, fields, created_at FROM webhook_subscribed_apps
             ORDER BY object_id {bytewise}, app_id {bytewise}"
        ),
        params![],
    )
    .await?
    .into_iter()
    .map(AccountSubscription::try_from)
    .collect()
}

#[async_trait]
impl<B: Backend> WebhookStore for SqlStore<B> {
    async fn put_subscription(&self, sub: &Subscription) -> Result<()> {
        let sub = sub.clone();
        self.write(move |c| Box::pin(async move { upsert_subscription(c, &sub).await }))
            .await
    }

    async fn list_subscriptions(&self, app_id: &str) -> Result<Vec<Subscription>> {
        Ok(self
            .all::<SubscriptionRow>(
                "SELECT app_id, object, callback_url, fields, include_values, created_at,
                     updated_at
                 FROM webhook_subscriptions WHERE app_id = $1 ORDER BY object",
                params![app_id],
            )
            .await?
            .into_iter()
            .map(Subscription::from)
            .collect())
    }

    async fn delete_subscriptions(&self, app_id: &str, object: Option<&str>) -> Result<u64> {
        let (app_id, object) = (app_id.to_owned(), object.map(str::to_owned));
        self.write(move |c| {
            Box::pin(async move {
                exec(
                    c,
                    "UPDATE webhook_deliveries SET state = 'dropped', lease_owner = NULL,
                         lease_until = NULL
                     WHERE app_id = $1 AND state = 'pending' AND ($2 IS NULL OR object = $2)",
                    params![&app_id, &object],
                )
                .await?;
                exec(
                    c,
                    "DELETE FROM webhook_subscriptions
                     WHERE app_id = $1 AND ($2 IS NULL OR object = $2)",
                    params![&app_id, &object],
                )
                .await
            })
        })
        .await
    }

    async fn put_account_subscription(&self, sub: &AccountSubscription) -> Result<()> {
        let sub = sub.clone();
        self.write(move |c| Box::pin(async move { upsert_account_subscription(c, &sub).await }))
            .await
    }

    async fn list_account_subscriptions(
        &self,
        object_id: &str,
    ) -> Result<Vec<AccountSubscription>> {
        self.all::<AccountSubscriptionRow>(
            &format!(
                "SELECT app_id, object_id, kind, fields, created_at
                 FROM webhook_subscribed_apps WHERE object_id = $1 ORDER BY app_id {}",
                B::BYTEWISE
            ),
            params![object_id],
        )
        .await?
        .into_iter()
        .map(AccountSubscription::try_from)
        .collect()
    }

    async fn delete_account_subscription(&self, app_id: &str, object_id: &str) -> Result<bool> {
        let (app_id, object_id) = (app_id.to_owned(), object_id.to_owned());
        self.write(move |c| {
            Box::pin(async move {
                returned(
                    c,
                    "DELETE FROM webhook_subscribed_apps WHERE app_id = $1 AND object_id = $2
                     RETURNING app_id",
                    params![&app_id, &object_id],
                )
                .await
            })
        })
        .await
    }

    async fn insert_comment_notifying(
        &self,
        comment: &Comment,
        events: &[WebhookEvent],
    ) -> Result<()> {
        let (comment, events) = (comment.clone(), events.to_vec());
        self.write(move |c| {
            Box::pin(async move {
                super::comment_sql::insert_comment(c, &comment).await?;
                enqueue_events::<B>(c, &events).await
            })
        })
        .await
    }

    async fn expired_stories(
        &self,
        published_by: OffsetDateTime,
        limit: i64,
    ) -> Result<Vec<ExpiredStory>> {
        Ok(self
            .all::<(String, String, i64)>(
                "SELECT id, owner_id, timestamp_ms FROM ig_media
                 WHERE media_product_type = 'STORY' AND story_insights_sent_ms IS NULL
                   AND timestamp_ms <= $1
                 ORDER BY timestamp_ms, id LIMIT $2",
                params![to_millis(published_by), limit],
            )
            .await?
            .into_iter()
            .map(|(id, owner_id, ms)| ExpiredStory {
                id,
                owner_id,
                published_at: from_millis(ms),
            })
            .collect())
    }

    async fn mark_story_expired_notifying(
        &self,
        media_id: &str,
        at: OffsetDateTime,
        events: &[WebhookEvent],
    ) -> Result<bool> {
        let (media_id, events) = (media_id.to_owned(), events.to_vec());
        self.write(move |c| {
            Box::pin(async move {
                let marked = exec(
                    c,
                    "UPDATE ig_media SET story_insights_sent_ms = $2
                     WHERE id = $1 AND story_insights_sent_ms IS NULL",
                    params![&media_id, to_millis(at)],
                )
                .await?;
                if marked == 0 {
                    return Ok(false);
                }
                enqueue_events::<B>(c, &events).await?;
                Ok(true)
            })
        })
        .await
    }

    async fn enqueue_test_delivery(
        &self,
        app_id: &str,
        object: &str,
        field: &str,
        payload: &str,
        now: OffsetDateTime,
        expires_at: OffsetDateTime,
    ) -> Result<Option<i64>> {
        let (app_id, object, field, payload) = (
            app_id.to_owned(),
            object.to_owned(),
            field.to_owned(),
            payload.to_owned(),
        );
        self.write(move |c| {
            Box::pin(async move {
                let sub = one::<(String,)>(
                    c,
                    &format!(
                        "SELECT app_id FROM webhook_subscriptions WHERE app_id = $1 AND object = $2{}",
                        B::FOR_UPDATE
                    ),
                    params![&app_id, &object],
                )
                .await?;
                if sub.is_none() {
                    return Ok(None);
                }
                Ok(one::<(i64,)>(
                    c,
                    "INSERT INTO webhook_deliveries (app_id, object, field, kind, payload, state,
                         attempts, created_at, next_attempt_at, expires_at)
                     VALUES ($1, $2, $3, 'test', $4, 'pending', 0, $5, $5, $6)
                     RETURNING id",
                    params![
                        &app_id,
                        &object,
                        &field,
                        &payload,
                        to_millis(now),
                        to_millis(expires_at)
                    ],
                )
                .await?
                .map(|(id,)| id))
            })
        })
        .await
    }

    async fn next_delivery_due(&self) -> Result<Option<OffsetDateTime>> {
        Ok(self
            .one::<(Option<i64>,)>(
                "SELECT MIN(d.next_attempt_at) FROM webhook_deliveries d
                 WHERE d.state = 'pending'
                   AND NOT EXISTS (
                       SELECT 1 FROM webhook_deliveries e
                       WHERE e.state = 'pending' AND e.app_id = d.app_id
                         AND e.object = d.object AND e.id < d.id)",
                params![],
            )
            .await?
            .and_then(|(t,)| t)
            .map(from_millis))
    }

    async fn claim_deliveries(
        &self,
        now: OffsetDateTime,
        owner: &str,
        lease_now_ms: i64,
        lease_until_ms: i64,
        limit: i64,
    ) -> Result<Vec<ClaimedDelivery>> {
        let owner = owner.to_owned();
        let now = to_millis(now);
        let skip_locked = if B::FOR_UPDATE.is_empty() {
            String::new()
        } else {
            format!("{} SKIP LOCKED", B::FOR_UPDATE)
        };
        self.write(move |c| {
            Box::pin(async move {
                let heads = all::<(i64,)>(
                    c,
                    &format!(
                        "SELECT d.id FROM webhook_deliveries d
                         WHERE d.state = 'pending' AND d.next_attempt_at <= $1
                           AND (d.lease_until IS NULL OR d.lease_until < $2)
                           AND NOT EXISTS (
                               SELECT 1 FROM webhook_deliveries e
                               WHERE e.state = 'pending' AND e.app_id = d.app_id
                                 AND e.object = d.object AND e.id < d.id)
                         ORDER BY d.id LIMIT $3{skip_locked}"
                    ),
                    params![now, lease_now_ms, limit],
                )
                .await?;
                let mut claimed = Vec::with_capacity(heads.len());
                for (id,) in heads {
                    let Some(row) = one::<ClaimedRow>(
                        c,
                        "UPDATE webhook_deliveries
                         SET lease_owner = $1, lease_until = $2, attempts = attempts + 1
                         WHERE id = $3 AND state = 'pending'
                           AND (lease_until IS NULL OR lease_until < $4)
                         RETURNING id, app_id, object, payload, attempts, expires_at",
                        params![&owner, lease_until_ms, id, lease_now_ms],
                    )
                    .await?
                    else {
                        continue;
                    };
                    let url = one::<(String,)>(
                        c,
                        "SELECT callback_url FROM webhook_subscriptions
                         WHERE app_id = $1 AND object = $2",
                        params![&row.app_id, &row.object],
                    )
                    .await?;
                    let Some((callback_url,)) = url else {
                        // The subscription went away: nothing to send to.
                        exec(
                            c,
                            "UPDATE webhook_deliveries SET state = 'dropped', lease_owner = NULL,
                                 lease_until = NULL
                             WHERE id = $1",
                            params![row.id],
                        )
                        .await?;
                        continue;
                    };
                    claimed.push(ClaimedDelivery {
                        id: row.id,
                        app_id: row.app_id,
                        callback_url,
                        payload: row.payload,
                        attempts: row.attempts,
                        expires_at: from_millis(row.expires_at),
                    });
                }
                Ok(claimed)
            })
        })
        .await
    }

    async fn record_delivery(&self, id: i64, owner: &str, record: &AttemptRecord) -> Result<bool> {
        let (owner, r) = (owner.to_owned(), record.clone());
        self.write(move |c| {
            Box::pin(async move {
                returned(
                    c,
                    "UPDATE webhook_deliveries
                     SET state = $1, next_attempt_at = $2, last_attempt_at = $3, signature = $4,
                         last_status = $5, last_body = $6, last_error = $7, lease_owner = NULL,
                         lease_until = NULL
                     WHERE id = $8 AND lease_owner = $9
                     RETURNING id",
                    params![
                        r.state.as_str(),
                        to_millis(r.next_attempt_at),
                        to_millis(r.at),
                        &r.signature,
                        r.status,
                        &r.body,
                        &r.error,
                        id,
                        &owner,
                    ],
                )
                .await
            })
        })
        .await
    }

    async fn release_deliveries(&self, owner: &str) -> Result<u64> {
        let owner = owner.to_owned();
        self.write(move |c| {
            Box::pin(async move {
                exec(
                    c,
                    "UPDATE webhook_deliveries
                     SET lease_owner = NULL, lease_until = NULL, attempts = attempts - 1
                     WHERE lease_owner = $1",
                    params![&owner],
                )
                .await
            })
        })
        .await
    }

    async fn list_deliveries(&self, app_id: Option<&str>, limit: i64) -> Result<Vec<Delivery>> {
        self.all::<DeliveryRow>(
            concat!(
                "SELECT ",
                delivery_columns!(),
                " FROM webhook_deliveries WHERE ($1 IS NULL OR app_id = $1)
                 ORDER BY id DESC LIMIT $2"
            ),
            params![app_id, limit],
        )
        .await?
        .into_iter()
        .map(Delivery::try_from)
        .collect()
    }
}
