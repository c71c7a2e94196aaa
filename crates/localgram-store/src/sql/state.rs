//! [`StateStore`]: reset, snapshots and the state dump, each one write job (docs/state.md).
//!
//! A snapshot is a copy of every state table in tables of its own, `snap_{id}_{table}`, made with
//! `CREATE TABLE … AS SELECT` and listed in `snapshots`; restoring deletes the state tables' rows
//! and copies the snapshot's back with `INSERT … SELECT`. Both databases accept the same SQL and
//! run DDL inside a transaction, so a save, a restore or a reset is whole or absent.

use async_trait::async_trait;
use localgram_core::clock::{from_millis, to_millis};
use localgram_core::model::{
    App, AppRole, AppTester, City, FbUser, IgMedia, IgUser, Page, PageRole, TokenRecord,
};
use localgram_core::store::{Result, SnapshotInfo, StateDump, StateStore, StoreError, WorldPlan};
use time::OffsetDateTime;

use super::{Backend, Conn, SqlStore, all, apply_world, exec, one};
use crate::rows::{
    AppRoleRow, AppRow, AppTesterRow, CityRow, FbUserRow, IgMediaRow, IgUserRow, PageRow, TokenRow,
};
use crate::value::{Json, params, row_type};

/// The tables of the state, parents before children (the order rows are copied back in; deleted
/// in the reverse order).
pub const STATE_TABLES: &[&str] = &[
    "apps",
    "ig_users",
    "fb_users",
    "app_testers",
    "app_roles",
    "ig_media",
    "ig_containers",
    "ig_comments",
    "ig_comments_disabled",
    "cities",
    "pages",
    "page_roles",
    "auth_codes",
    "tokens",
    "fb_grants",
    "fb_test_users",
    "webhook_subscriptions",
    "webhook_subscribed_apps",
];

/// Tables emptied by a reset and a restore but never copied into a snapshot: rate-limit counts,
/// single-use browser tokens, the journal and the dashboard's pending reveals start afresh, and
/// the webhook deliveries queued (sent or not) are forgotten (docs/webhooks.md#reset-and-snapshots).
pub const CLEARED_TABLES: &[&str] = &[
    "rate_counters",
    "csrf_tokens",
    "journal_calls",
    "dashboard_reveals",
    "webhook_deliveries",
];

/// Tables a reset and a restore leave alone: the instance's keys, content-addressed file bytes
/// (served only through the rows naming them), the snapshots, the migration history, the fault
/// rules (removed only by `DELETE /_localgram/faults`) and the shared test clock.
pub const KEPT_TABLES: &[&str] = &[
    "server_secrets",
    "blobs",
    "snapshots",
    "_sqlx_migrations",
    "fault_rules",
    "shared_clock",
];

/// The prefix of the tables holding snapshot copies.
pub const SNAPSHOT_TABLE_PREFIX: &str = "snap_";

fn snapshot_table(id: i64, table: &str) -> String {
    format!("{SNAPSHOT_TABLE_PREFIX}{id}_{table}")
}

row_type!(
    /// A `page_roles` row.
    PageRoleRow {
    page_id: String,
    fb_user_id: String,
    tasks: Json<Vec<String>>,
});

row_type!(
    /// A `snapshots` row.
    SnapshotRow {
    name: String,
    id: i64,
    created_at: i64,
    meta: String,
});

impl From<SnapshotRow> for SnapshotInfo {
    fn from(row: SnapshotRow) -> Self {
        Self {
            name: row.name,
            created_at: from_millis(row.created_at),
            meta: row.meta,
        }
    }
}

/// Deletes every row of the state and of the cleared tables. With `lock` (PostgreSQL), first
/// takes every one of those tables' exclusive lock, parents before children: the order in which
/// every other write reaches them (a row before the rows referring to it), so a concurrent write
/// waits for the reset or restore to end instead of deadlocking with it halfway.
async fn clear_state(c: &mut dyn Conn, lock: bool) -> Result<()> {
    if lock {
        let tables: Vec<&str> = STATE_TABLES.iter().chain(CLEARED_TABLES).copied().collect();
        exec(
            c,
            &format!("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE", tables.join(", ")),
            params![],
        )
        .await?;
    }
    for table in CLEARED_TABLES.iter().chain(STATE_TABLES.iter().rev()) {
        exec(c, &format!("DELETE FROM {table}"), params![]).await?;
    }
    Ok(())
}

/// The columns of a snapshot table, quoted and comma-separated; empty when it does not exist.
async fn snapshot_columns(c: &mut dyn Conn, table: &str, postgres: bool) -> Result<String> {
    let sql = if postgres {
        "SELECT CAST(column_name AS TEXT) FROM information_schema.columns
         WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position"
    } else {
        "SELECT name FROM pragma_table_info($1) ORDER BY cid"
    };
    let names: Vec<(String,)> = all(c, sql, params![table]).await?;
    Ok(names
        .iter()
        .map(|(n,)| format!("\"{}\"", n.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(", "))
}

async fn find_snapshot(c: &mut dyn Conn, name: &str) -> Result<Option<SnapshotRow>> {
    one::<SnapshotRow>(
        c,
        "SELECT name, id, created_at, meta FROM snapshots WHERE name = $1",
        params![name],
    )
    .await
}

async fn drop_snapshot(c: &mut dyn Conn, row: &SnapshotRow) -> Result<()> {
    for table in STATE_TABLES {
        exec(
            c,
            &format!("DROP TABLE IF EXISTS {}", snapshot_table(row.id, table)),
            params![],
        )
        .await?;
    }
    exec(
        c,
        "DELETE FROM snapshots WHERE name = $1",
        params![&row.name],
    )
    .await?;
    Ok(())
}

#[async_trait]
impl<B: Backend> StateStore for SqlStore<B> {
    async fn reset(&self, plan: Option<&WorldPlan>) -> Result<()> {
        let plan = plan.cloned();
        let media = plan.as_ref().map_or(0, |p| p.media.len());
        let lock = B::NAME == "postgres";
        self.write(move |c| {
            Box::pin(async move {
                clear_state(c, lock).await?;
                if let Some(plan) = &plan {
                    apply_world(c, plan).await?;
                }
                Ok(())
            })
        })
        .await?;
        self.backend.forget_counters();
        self.backend.after_media_write(media).await
    }

    async fn save_snapshot(&self, name: &str, at: OffsetDateTime, meta: &str) -> Result<()> {
        let (name, meta) = (name.to_owned(), meta.to_owned());
        self.write(move |c| {
            Box::pin(async move {
                if let Some(old) = find_snapshot(c, &name).await? {
                    drop_snapshot(c, &old).await?;
                }
                let (next,): (i64,) = one(
                    c,
                    "SELECT COALESCE(MAX(id), 0) + 1 FROM snapshots",
                    params![],
                )
                .await?
                .ok_or_else(|| StoreError::Other(anyhow::anyhow!("no snapshot id")))?;
                for table in STATE_TABLES {
                    exec(
                        c,
                        &format!(
                            "CREATE TABLE {} AS SELECT * FROM {table}",
                            snapshot_table(next, table)
                        ),
                        params![],
                    )
                    .await?;
                }
                exec(
                    c,
                    "INSERT INTO snapshots (name, id, created_at, meta) VALUES ($1, $2, $3, $4)",
                    params![&name, next, to_millis(at), &meta],
                )
                .await?;
                Ok(())
            })
        })
        .await
    }

    async fn restore_snapshot(&self, name: &str) -> Result<Option<SnapshotInfo>> {
        let name = name.to_owned();
        let lock = B::NAME == "postgres";
        let restored = self
            .write(move |c| {
                Box::pin(async move {
                    let Some(row) = find_snapshot(c, &name).await? else {
                        return Ok(None);
                    };
                    clear_state(c, lock).await?;
                    for table in STATE_TABLES {
                        let copy = snapshot_table(row.id, table);
                        // By the snapshot's own columns: a snapshot saved before a migration
                        // added columns (or tables) restores, the new columns taking their
                        // defaults.
                        let columns = snapshot_columns(c, &copy, lock).await?;
                        if columns.is_empty() {
                            continue;
                        }
                        exec(
                            c,
                            &format!(
                                "INSERT INTO {table} ({columns}) SELECT {columns} FROM {copy}"
                            ),
                            params![],
                        )
                        .await?;
                    }
                    Ok(Some(SnapshotInfo::from(row)))
                })
            })
            .await?;
        if restored.is_some() {
            self.backend.forget_counters();
        }
        Ok(restored)
    }

    async fn list_snapshots(&self) -> Result<Vec<SnapshotInfo>> {
        Ok(self
            .all::<SnapshotRow>(
                &format!(
                    "SELECT name, id, created_at, meta FROM snapshots ORDER BY name {}",
                    B::BYTEWISE
                ),
                params![],
            )
            .await?
            .into_iter()
            .map(SnapshotInfo::from)
            .collect())
    }

    async fn delete_snapshot(&self, name: &str) -> Result<bool> {
        let name = name.to_owned();
        self.write(move |c| {
            Box::pin(async move {
                let Some(row) = find_snapshot(c, &name).await? else {
                    return Ok(false);
                };
                drop_snapshot(c, &row).await?;
                Ok(true)
            })
        })
        .await
    }

    async fn dump_state(&self) -> Result<StateDump> {
        let bytewise = B::BYTEWISE;
        // One job: every table read in the same transaction.
        self.write(move |c| {
            Box::pin(async move {
                let apps = all::<AppRow>(
                    c,
                    &format!(concat!("SELECT ", app_columns!(), " FROM apps ORDER BY id {}"), bytewise),
                    params![],
                )
                .await?
                .into_iter()
                .map(App::try_from)
                .collect::<Result<Vec<_>>>()?;
                let testers = all::<AppTesterRow>(
                    c,
                    &format!("SELECT app_id, ig_user_id, status FROM app_testers ORDER BY app_id {bytewise}, ig_user_id {bytewise}"),
                    params![],
                )
                .await?
                .into_iter()
                .map(AppTester::try_from)
                .collect::<Result<Vec<_>>>()?;
                let app_roles = all::<AppRoleRow>(
                    c,
                    &format!("SELECT app_id, fb_user_id, role FROM app_roles ORDER BY app_id {bytewise}, fb_user_id {bytewise}"),
                    params![],
                )
                .await?
                .into_iter()
                .map(AppRole::from)
                .collect();
                let ig_users = all::<IgUserRow>(
                    c,
                    &format!(concat!("SELECT ", ig_user_columns!(), " FROM ig_users ORDER BY id {}"), bytewise),
                    params![],
                )
                .await?
                .into_iter()
                .map(IgUser::from)
                .collect();
                let media = all::<IgMediaRow>(
                    c,
                    &format!(
                        concat!(
                            "SELECT ",
                            media_columns!(),
                            " FROM ig_media ORDER BY owner_id {0}, timestamp_ms DESC, id {0} DESC"
                        ),
                        bytewise
                    ),
                    params![],
                )
                .await?
                .into_iter()
                .map(IgMedia::try_from)
                .collect::<Result<Vec<_>>>()?;
                let fb_users = all::<FbUserRow>(
                    c,
                    &format!(concat!("SELECT ", fb_user_columns!(), " FROM fb_users ORDER BY id {}"), bytewise),
                    params![],
                )
                .await?
                .into_iter()
                .map(FbUser::from)
                .collect();
                let cities = all::<CityRow>(
                    c,
                    &format!("SELECT id, name, state, country, latitude, longitude, radius_km FROM cities ORDER BY id {bytewise}"),
                    params![],
                )
                .await?
                .into_iter()
                .map(City::from)
                .collect();
                let pages = all::<PageRow>(
                    c,
                    &format!("SELECT {} FROM pages AS p ORDER BY p.id {bytewise}", super::PAGE_COLUMNS),
                    params![],
                )
                .await?
                .into_iter()
                .map(Page::from)
                .collect();
                let page_roles = all::<PageRoleRow>(
                    c,
                    &format!("SELECT page_id, fb_user_id, tasks FROM page_roles ORDER BY page_id {bytewise}, fb_user_id {bytewise}"),
                    params![],
                )
                .await?
                .into_iter()
                .map(|r| PageRole {
                    page_id: r.page_id,
                    fb_user_id: r.fb_user_id,
                    tasks: r.tasks.0,
                })
                .collect();
                let tokens = all::<TokenRow>(
                    c,
                    &format!(concat!("SELECT ", token_columns!(), " FROM tokens ORDER BY issued_at, id {}"), bytewise),
                    params![],
                )
                .await?
                .into_iter()
                .map(TokenRecord::try_from)
                .collect::<Result<Vec<_>>>()?;
                let comments = super::comment_sql::all_comments(c, bytewise).await?;
                let comments_disabled =
                    super::comment_sql::all_comments_disabled(c, bytewise).await?;
                let subscriptions = super::webhook_sql::all_subscriptions(c, bytewise).await?;
                let account_subscriptions =
                    super::webhook_sql::all_account_subscriptions(c, bytewise).await?;
                Ok(StateDump {
                    comments,
                    comments_disabled,
                    subscriptions,
                    account_subscriptions,
                    apps,
                    testers,
                    app_roles,
                    ig_users,
                    media,
                    fb_users,
                    cities,
                    pages,
                    page_roles,
                    tokens,
                })
            })
        })
        .await
    }
}
