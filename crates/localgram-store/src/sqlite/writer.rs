//! The SQLite writer: one thread that owns the only write connection (a `rusqlite` connection,
//! so each statement runs in place, see `conn.rs`) and commits jobs in groups.
//!
//! Callers send jobs over a channel and wait for a reply they may abandon. The thread takes
//! every job that is waiting (at most [`MAX_GROUP`]), opens one `BEGIN IMMEDIATE` transaction,
//! runs each job inside a savepoint of its own (a job that fails is rolled back to its
//! savepoint, leaving the others untouched), commits once, and only then answers each job:
//! an acknowledged write is durable (`synchronous=FULL`). While one group's commit is being
//! written to disk the next group gathers, so concurrent writers share one `fsync`.
//!
//! Nothing a caller does can interrupt a group: a caller that is dropped only drops its
//! receiver. A job that panics is rolled back to its savepoint and its caller gets an error.

use std::panic::AssertUnwindSafe;

use anyhow::anyhow;
use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use localgram_core::store::{Result, StoreError};
use rusqlite::Connection;
use tokio::sync::{mpsc, oneshot};

use crate::error::map_err;
use crate::sql::{Conn, Job};

/// The most jobs one transaction holds.
const MAX_GROUP: usize = 256;
/// Jobs waiting for the writer before senders wait too.
const QUEUE: usize = 4096;

/// What to tell a job's caller once its group's commit is known.
type Reply = Box<dyn FnOnce(Result<()>) + Send>;
/// A job with its result type erased: runs, says whether to keep its writes, and leaves the
/// reply to send after the commit.
type Erased = Box<dyn for<'c> FnOnce(&'c mut dyn Conn) -> BoxFuture<'c, (bool, Reply)> + Send>;

/// The handle callers hold; the thread stops (and closes the connection) when the last handle
/// is dropped.
#[derive(Debug, Clone)]
pub(crate) struct Writer {
    jobs: mpsc::Sender<Erased>,
}

/// A handle that does not keep the writer thread running.
#[derive(Debug, Clone)]
pub(crate) struct WeakWriter {
    jobs: mpsc::WeakSender<Erased>,
}

impl WeakWriter {
    /// The writer, while some [`Writer`] keeps it running.
    pub(crate) fn upgrade(&self) -> Option<Writer> {
        self.jobs.upgrade().map(|jobs| Writer { jobs })
    }
}

impl Writer {
    /// A handle that does not keep the thread running.
    pub(crate) fn downgrade(&self) -> WeakWriter {
        WeakWriter {
            jobs: self.jobs.downgrade(),
        }
    }

    /// Starts the writer thread on `conn`.
    pub(crate) fn start(conn: Connection) -> std::io::Result<Self> {
        let (jobs, queue) = mpsc::channel(QUEUE);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        std::thread::Builder::new()
            .name("localgram-sqlite-writer".into())
            .spawn(move || runtime.block_on(run(conn, queue)))?;
        Ok(Self { jobs })
    }

    /// Runs `job` in the next group and waits for its group's commit.
    pub(crate) async fn write<R: Send + 'static>(&self, job: Job<R>) -> Result<R> {
        let (tx, rx) = oneshot::channel::<Result<R>>();
        let erased: Erased = Box::new(move |conn| {
            Box::pin(async move {
                let result = job(conn).await;
                let keep = result.is_ok();
                let reply: Reply = Box::new(move |commit: Result<()>| {
                    // The caller may be gone: then nobody is told, and nothing is lost.
                    let _ = tx.send(commit.and(result));
                });
                (keep, reply)
            })
        });
        self.jobs
            .send(erased)
            .await
            .map_err(|_| StoreError::Unavailable(anyhow!("the SQLite writer has stopped")))?;
        rx.await.map_err(|_| {
            StoreError::Other(anyhow!(
                "the write was abandoned by the SQLite writer (it failed while running)"
            ))
        })?
    }
}

/// The writer thread's loop: one group per round until every handle is gone.
async fn run(mut conn: Connection, mut queue: mpsc::Receiver<Erased>) {
    let mut group = Vec::with_capacity(MAX_GROUP);
    while queue.recv_many(&mut group, MAX_GROUP).await > 0 {
        commit_group(&mut conn, group.drain(..)).await;
    }
    if let Err((_, e)) = conn.close() {
        tracing::warn!(error = %e, "closing the SQLite writer connection failed");
    }
}

async fn raw(conn: &mut Connection, sql: &str) -> Result<()> {
    conn.execute_batch(sql).map_err(map_err)
}

/// Runs one group in one transaction and answers every job of it.
async fn commit_group(conn: &mut Connection, group: impl Iterator<Item = Erased>) {
    let mut replies: Vec<Reply> = Vec::with_capacity(MAX_GROUP);
    if let Err(e) = raw(conn, "BEGIN IMMEDIATE").await {
        let why = e.to_string();
        // Should a failed commit have left a transaction open, the next group starts clean.
        let _ = raw(conn, "ROLLBACK").await;
        for job in group {
            // Nothing is written: each caller is told why. Its reply is made by its own job
            // (which knows the result type), run on a connection that refuses every statement.
            let (_, reply) = job(&mut Refusing).await;
            reply(Err(StoreError::Unavailable(anyhow!(
                "could not start a write: {why}"
            ))));
        }
        return;
    }
    for job in group {
        if let Err(e) = raw(conn, "SAVEPOINT job").await {
            let (_, reply) = job(&mut Refusing).await;
            reply(Err(e));
            continue;
        }
        let outcome = AssertUnwindSafe(job(&mut *conn)).catch_unwind().await;
        let keep = matches!(outcome, Ok((true, _)));
        if !keep {
            // A failed or panicked job leaves no trace; the group goes on.
            let _ = raw(conn, "ROLLBACK TO job").await;
        }
        let _ = raw(conn, "RELEASE job").await;
        if let Ok((_, reply)) = outcome {
            replies.push(reply);
        }
    }
    let committed = raw(conn, "COMMIT").await;
    let why = committed.as_ref().err().map(ToString::to_string);
    if why.is_some() {
        let _ = raw(conn, "ROLLBACK").await;
    }
    for reply in replies {
        reply(match &why {
            None => Ok(()),
            Some(why) => Err(StoreError::Unavailable(anyhow!(
                "the write was not committed: {why}"
            ))),
        });
    }
}

/// A connection that refuses every statement: what a job gets when its group could not start.
struct Refusing;

#[async_trait::async_trait]
impl Conn for Refusing {
    async fn execute(
        &mut self,
        _: &str,
        _: Vec<crate::value::Value>,
    ) -> Result<u64, crate::error::DbError> {
        Err(crate::error::DbError::Unavailable(anyhow!(
            "the write could not start"
        )))
    }

    async fn fetch_all(
        &mut self,
        _: &str,
        _: Vec<crate::value::Value>,
    ) -> Result<Vec<crate::value::Row>, crate::error::DbError> {
        Err(crate::error::DbError::Unavailable(anyhow!(
            "the write could not start"
        )))
    }

    async fn fetch_optional(
        &mut self,
        _: &str,
        _: Vec<crate::value::Value>,
    ) -> Result<Option<crate::value::Row>, crate::error::DbError> {
        Err(crate::error::DbError::Unavailable(anyhow!(
            "the write could not start"
        )))
    }
}
