//! Accepting and serving connections (HTTP/1.1) so that slow, idle or numerous clients cannot take
//! the server down, and so that a stop drains in-flight requests within a bounded time.
//!
//! - A request's header must be complete within [`Limits::header_read_timeout`] of the connection
//!   being ready for it (opened, or done with its last request and its answer's last byte). That
//!   closes slowloris connections, new connections that never send a byte, and keep-alive
//!   connections that send nothing more. Each connection is served by a task of its own, watched
//!   by the task that spawned it: the watch task keeps this deadline beside the idle one (so a
//!   request costs no timer of its own; hyper's header-read timer arms one per request), waits for
//!   a fault rule's kill switch, and aborts the connection's task when either fires. A request
//!   wakes only the connection's task.
//! - A connection on which nothing was read or written for [`Limits::idle_timeout`], with no
//!   request in progress, is closed.
//! - A request not answered within [`Limits::request_timeout`] of its header is answered 408
//!   (its handler is dropped, as at any await) and the connection goes on. The same watch task
//!   keeps this deadline too, so a request arms no timer of its own.
//! - Headers larger than [`MAX_HEADER_BYTES`] (or more than 100 header lines) answer 431.
//! - At most [`Limits::max_connections`] connections are served at once (by default three
//!   quarters of the process's open-file limit, first raised to its hard limit, so the accept
//!   loop never runs out of file descriptors); a connection beyond the cap gets a 503 at once
//!   and is closed.
//! - When the shutdown future resolves, the listener is closed, idle connections are closed,
//!   in-flight requests finish, and whatever is left after [`Limits::shutdown_grace`] is closed.
//!
//! Connections are accepted on the caller's runtime and served on the process's connection
//! threads ([`ConnectionThreads`]): each runs a single-threaded runtime, and a connection, with
//! every task it spawns, stays on the thread it was handed to, so no request wakes or waits for
//! another thread (`docs/benchmarks.md#thirteenth-round-connection-threads`).

use crate::config::Config;
use crate::http::origin::Via;
use axum::extract::Request;
use axum::response::Response;
use futures_util::task::AtomicWaker;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt as _, AsyncWrite, AsyncWriteExt as _, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::runtime::Handle;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio::time::Instant;

/// The connection a request came on: the peer's address, and a way to close the connection
/// without an answer (a fault rule's `drop_connection`: the connection's task then drops the
/// connection, and the request with it). It is set once for the task that serves the
/// connection, whose requests are all handled on that task, so a request carries nothing for it
/// ([`Connection::current`]).
#[derive(Debug, Clone)]
pub struct Connection {
    /// The client's address.
    pub peer: std::net::SocketAddr,
    /// Notified to close the connection.
    pub kill: Arc<tokio::sync::Notify>,
}

tokio::task_local! {
    static CURRENT: Connection;
}

impl Connection {
    /// The connection of the request being handled; `None` outside a connection of ours (a
    /// test's `oneshot`, or a task the handler spawned).
    pub fn current() -> Option<Self> {
        CURRENT.try_with(Self::clone).ok()
    }

    /// Whether the request being handled came from this machine (loopback); `false` when it
    /// came on no connection of ours.
    pub fn is_loopback() -> bool {
        CURRENT
            .try_with(|c| c.peer.ip().is_loopback())
            .unwrap_or(false)
    }
}

pub use crate::proxy::MAX_HEADER_BYTES;

/// The connection limits and timeouts of a server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// How long a client has to send a request's header.
    pub header_read_timeout: Duration,
    /// How long a connection may stay silent with no request in progress.
    pub idle_timeout: Duration,
    /// How many connections are served at once.
    pub max_connections: usize,
    /// How long a stop waits for in-flight requests.
    pub shutdown_grace: Duration,
    /// How long a request may take before it is answered 408 ([`REQUEST_TIMEOUT`]).
    pub request_timeout: Duration,
    /// How many threads serve connections, if the process has not started them yet
    /// ([`ConnectionThreads::start_once`]).
    pub connection_threads: usize,
}

/// How long a request may take, from its header to its answer's head, before it is answered 408
/// (`docs/security.md`).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

impl Limits {
    /// The limits a configuration asks for (`max_connections = 0`: [`default_max_connections`],
    /// after [`raise_open_file_limit`]).
    pub fn from_config(config: &Config) -> Self {
        if config.max_connections == 0 {
            raise_open_file_limit();
        }
        Self {
            header_read_timeout: Duration::from_secs(config.header_read_timeout_seconds),
            idle_timeout: Duration::from_secs(config.idle_timeout_seconds),
            max_connections: match config.max_connections {
                0 => default_max_connections(),
                n => usize::try_from(n).unwrap_or(usize::MAX),
            },
            shutdown_grace: Duration::from_secs(config.shutdown_grace_seconds),
            request_timeout: REQUEST_TIMEOUT,
            connection_threads: match config.connection_threads {
                0 => default_connection_threads(),
                n => usize::try_from(n).unwrap_or(usize::MAX),
            },
        }
    }
}

/// The process's soft limit of open files, if the platform tells it.
pub fn open_file_limit() -> Option<u64> {
    #[cfg(unix)]
    {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit writes one `rlimit` through a valid pointer and reads nothing else.
        let rc = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &raw mut limit) };
        if rc == 0 && limit.rlim_cur != libc::RLIM_INFINITY {
            // `rlim_t` is not `u64` on every platform.
            #[allow(clippy::useless_conversion)]
            return u64::try_from(limit.rlim_cur).ok();
        }
        None
    }
    #[cfg(not(unix))]
    None
}

/// Raises the process's soft open-file limit to its hard limit (at most 1,048,576), as Go
/// programs do at start, so the connection cap can be higher; the new soft limit, if known.
pub fn raise_open_file_limit() -> Option<u64> {
    #[cfg(unix)]
    {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit and setrlimit read or write one `rlimit` through a valid pointer.
        unsafe {
            if libc::getrlimit(libc::RLIMIT_NOFILE, &raw mut limit) != 0 {
                return None;
            }
            let wanted = limit.rlim_max.min(1 << 20);
            if limit.rlim_cur < wanted {
                let raised = libc::rlimit {
                    rlim_cur: wanted,
                    rlim_max: limit.rlim_max,
                };
                if libc::setrlimit(libc::RLIMIT_NOFILE, &raw const raised) != 0 {
                    tracing::debug!("cannot raise the open-file limit");
                }
            }
        }
        open_file_limit()
    }
    #[cfg(not(unix))]
    None
}

/// Three quarters of the open-file limit (the rest is for the database, files and the 503s
/// beyond the cap), at least 16; 10,000 when the limit is unknown.
pub fn default_max_connections() -> usize {
    open_file_limit().map_or(10_000, |n| {
        usize::try_from(n / 4 * 3).unwrap_or(usize::MAX).max(16)
    })
}

/// Three per processor the process may use (3 when that is unknown). A local server shares the
/// machine with the clients that call it; with one thread per processor, a client woken on a
/// processor preempts the thread serving there and holds up all its connections, and with more
/// threads the others go on answering; with three rather than two, each holds up fewer
/// connections, which keeps the slowest answers fast too
/// (`docs/benchmarks.md#thirteenth-round-connection-threads`).
pub fn default_connection_threads() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get) * 3
}

/// The threads that serve connections, started once per process and kept until it exits: each
/// runs a single-threaded runtime (I/O and timers), and connections are handed to them in turn.
/// A connection's tasks, and the tasks its requests spawn, run on its thread; so do the
/// database connections they open, which is why the threads outlive any one server (a server in
/// a test, say) rather than stop with it.
pub struct ConnectionThreads {
    runtimes: Vec<Handle>,
    next: AtomicUsize,
    /// Dropped, they end the threads (only when two servers race to start them).
    _stops: Vec<tokio::sync::oneshot::Sender<()>>,
}

static CONNECTION_THREADS: std::sync::OnceLock<ConnectionThreads> = std::sync::OnceLock::new();

impl ConnectionThreads {
    /// The process's connection threads, starting `count` of them (at least one) if none run
    /// yet; a later call's `count` is not used.
    pub fn start_once(count: usize) -> std::io::Result<&'static Self> {
        if let Some(threads) = CONNECTION_THREADS.get() {
            return Ok(threads);
        }
        let started = Self::start(count.max(1))?;
        Ok(CONNECTION_THREADS.get_or_init(|| started))
    }

    fn start(count: usize) -> std::io::Result<Self> {
        let mut runtimes = Vec::with_capacity(count);
        let mut stops = Vec::with_capacity(count);
        for i in 0..count {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
            runtimes.push(runtime.handle().clone());
            std::thread::Builder::new()
                .name(format!("localgram-io-{i}"))
                .spawn(move || {
                    runtime.block_on(async {
                        let _ = stopped.await;
                    });
                })?;
            stops.push(stop);
        }
        Ok(Self {
            runtimes,
            next: AtomicUsize::new(0),
            _stops: stops,
        })
    }

    /// How many threads there are.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.runtimes.len()
    }

    /// The runtime of the thread the next connection goes to.
    fn next(&self) -> &Handle {
        let i = self.next.fetch_add(1, Ordering::Relaxed) % self.runtimes.len();
        &self.runtimes[i]
    }
}

/// What the connection's reads, writes and requests last did, for its deadlines.
struct Activity {
    start: Instant,
    /// Milliseconds after `start` of the last byte read or written.
    last_ms: AtomicU64,
    /// Milliseconds after `start` of the last byte written or the end of the last request: from
    /// then on, with no request in progress, the connection waits for a request's header.
    ready_ms: AtomicU64,
    /// Requests in progress.
    in_flight: AtomicUsize,
    /// Milliseconds after `start` at which the request in progress began (its header's last
    /// byte was read then).
    begun_ms: AtomicU64,
    /// Requests begun on the connection: the one in progress is the last.
    requests: AtomicU64,
    /// The request (its number) the watch task found over its time limit; 0 for none.
    overdue: AtomicU64,
    /// Wakes the request in progress when it is found over its time limit.
    waker: AtomicWaker,
}

/// Why a connection is closed by its deadlines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expired {
    /// Nothing read or written for the idle timeout, with no request in progress.
    Idle,
    /// No complete request header within the header-read timeout of being ready for one.
    Header,
    /// The request in progress (its number) is over the request time limit; the connection
    /// stays open.
    Request(u64),
}

/// The connection's deadlines.
#[derive(Debug, Clone, Copy)]
struct Deadlines {
    idle: Duration,
    header: Duration,
    request: Duration,
}

impl Activity {
    fn new() -> Self {
        Self {
            start: Instant::now(),
            last_ms: AtomicU64::new(0),
            ready_ms: AtomicU64::new(0),
            in_flight: AtomicUsize::new(0),
            begun_ms: AtomicU64::new(0),
            requests: AtomicU64::new(0),
            overdue: AtomicU64::new(0),
            waker: AtomicWaker::new(),
        }
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// A byte was read.
    fn touch(&self) {
        self.last_ms.store(self.now_ms(), Ordering::Relaxed);
    }

    /// A byte was written, or a request ended.
    fn touch_ready(&self) {
        let ms = self.now_ms();
        self.last_ms.store(ms, Ordering::Relaxed);
        self.ready_ms.store(ms, Ordering::Relaxed);
    }

    /// What has expired `now` (after `start`), or how long until something may. The wait is
    /// never longer than the request time limit, so a request that begins meanwhile is found
    /// over it in time.
    fn check(&self, now: Duration, limits: Deadlines) -> Result<Duration, Expired> {
        let since =
            |at: &AtomicU64| now.saturating_sub(Duration::from_millis(at.load(Ordering::Relaxed)));
        // Acquire: a request counted here has its number and start visible.
        if self.in_flight.load(Ordering::Acquire) > 0 {
            let number = self.requests.load(Ordering::Relaxed);
            if self.overdue.load(Ordering::Relaxed) == number {
                return Ok(limits.idle.min(limits.header).min(limits.request));
            }
            let running = since(&self.begun_ms);
            if running >= limits.request {
                return Err(Expired::Request(number));
            }
            return Ok(limits.request - running);
        }
        let (silent, waiting) = (since(&self.last_ms), since(&self.ready_ms));
        if silent >= limits.idle {
            return Err(Expired::Idle);
        }
        if waiting >= limits.header {
            return Err(Expired::Header);
        }
        Ok((limits.idle - silent)
            .min(limits.header - waiting)
            .min(limits.request))
    }

    /// Resolves once the connection has been silent for the idle timeout with no request in
    /// progress, or has waited the header-read timeout for a request's header; meanwhile marks
    /// a request over its time limit as overdue and wakes it.
    async fn expired(&self, limits: Deadlines) -> Expired {
        loop {
            match self.check(self.start.elapsed(), limits) {
                Err(Expired::Request(number)) => {
                    self.overdue.store(number, Ordering::Release);
                    self.waker.wake();
                }
                Err(expired) => return expired,
                Ok(wait) => tokio::time::sleep(wait.max(Duration::from_millis(20))).await,
            }
        }
    }

    /// `answer`, unless the watch task finds request `number` over its time limit first: then
    /// 408, and `answer` is dropped.
    async fn within_limit(&self, number: u64, answer: impl Future<Output = Response>) -> Response {
        let mut answer = std::pin::pin!(answer);
        std::future::poll_fn(|cx| {
            // Registered before the mark is read: a mark made after this read wakes this.
            self.waker.register(cx.waker());
            if self.overdue.load(Ordering::Acquire) == number {
                return Poll::Ready(request_timed_out());
            }
            answer.as_mut().poll(cx)
        })
        .await
    }
}

/// The answer to a request over its time limit: 408 with an empty body.
fn request_timed_out() -> Response {
    axum::response::IntoResponse::into_response(axum::http::StatusCode::REQUEST_TIMEOUT)
}

/// Counts a request as in progress while it lives.
struct InFlight(Arc<Activity>);

impl InFlight {
    /// Request `number` begins; its time counts from its header's last byte.
    fn enter(activity: &Arc<Activity>) -> (Self, u64) {
        activity
            .begun_ms
            .store(activity.last_ms.load(Ordering::Relaxed), Ordering::Relaxed);
        let number = activity.requests.fetch_add(1, Ordering::Relaxed) + 1;
        // Release: the number and the start are visible to whoever sees the request counted.
        activity.in_flight.fetch_add(1, Ordering::Release);
        (Self(activity.clone()), number)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.touch_ready();
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A stream that records when bytes last went through it.
struct Watched<S> {
    inner: S,
    activity: Arc<Activity>,
}

impl<S: AsyncRead + Unpin> AsyncRead for Watched<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let res = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.activity.touch();
        }
        res
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Watched<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let res = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(res, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch_ready();
        }
        res
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let res = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(res, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch_ready();
        }
        res
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// The answer to a connection beyond the cap: a Graph-style transient error (code 2).
fn over_capacity_response(max: usize) -> Vec<u8> {
    let error = localgram_core::error::GraphError::unavailable();
    let mut body = crate::error::graph_body(&error);
    body.error.message =
        format!("Localgram is serving its maximum of {max} connections; retry in a moment");
    let body = serde_json::to_string(&body).unwrap_or_default();
    format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json; charset=UTF-8\r\nretry-after: 1\r\nconnection: close\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Answers a connection beyond the cap with 503 and closes it, reading what the client sent
/// first (briefly) so that closing does not reset the connection under the answer.
async fn refuse(mut stream: TcpStream, max: usize) {
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        let mut buf = [0u8; 4096];
        let mut seen = Vec::new();
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    seen.extend_from_slice(&buf[..n]);
                    if seen.windows(4).any(|w| w == b"\r\n\r\n") || seen.len() > MAX_HEADER_BYTES {
                        break;
                    }
                }
            }
        }
        let _ = stream.write_all(&over_capacity_response(max)).await;
        let _ = stream.shutdown().await;
    })
    .await;
}

/// Serves `app` on `listener` until `shutdown` resolves, then drains (see the module
/// documentation).
pub async fn serve<A: App>(
    listener: TcpListener,
    app: A,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with(listener, None, None, app, limits, shutdown).await
}

/// What the server serves: something that answers every request (the server's is `app::App`).
/// A connection keeps its own copy behind an `Arc` of its own, so a request's handle on it is a
/// count no other connection's requests touch.
pub trait App: Clone + Send + Sync + 'static {
    /// The answer to `req`.
    fn serve(&self, req: Request) -> Pin<Box<dyn Future<Output = Response> + Send + '_>>;
}

/// What a connection needs to be served, whatever stream it runs on.
#[derive(Clone)]
struct Serving<A> {
    app: A,
    http: hyper::server::conn::http1::Builder,
    idle: Duration,
    /// The header-read timeout.
    header: Duration,
    /// The request time limit.
    request: Duration,
    /// Whether the plain listener is a proxy (absolute-form requests are then checked).
    proxy: bool,
}

impl<A: App> Serving<A> {
    /// Serves HTTP/1.1 on `io` until the client closes it, one of its deadlines passes or the
    /// drain closes it.
    async fn serve<I>(
        self,
        io: I,
        peer: std::net::SocketAddr,
        via: Via,
        watcher: hyper_util::server::graceful::Watcher,
    ) where
        I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let activity = Arc::new(Activity::new());
        let io = TokioIo::new(Watched {
            inner: io,
            activity: activity.clone(),
        });
        let Self {
            app,
            http,
            idle,
            header,
            request,
            proxy,
        } = self;
        let app = Arc::new(app);
        let requests = activity.clone();
        let kill = Arc::new(tokio::sync::Notify::new());
        let killer = kill.clone();
        let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
            let (guard, number) = InFlight::enter(&requests);
            let mut req = req.map(axum::body::Body::new);
            let refused = if proxy && via == Via::Plain {
                crate::proxy::check_absolute(&req)
            } else {
                None
            };
            let origin = crate::http::origin::of(&req, via);
            if let (Via::Plain, Some(authority)) = (via, req.uri().authority())
                && let Ok(host) = axum::http::HeaderValue::from_str(authority.as_str())
            {
                // An absolute-form request names its host in the URI (RFC 9112 §3.2.2).
                req.headers_mut().insert(axum::http::header::HOST, host);
            }
            let req = crate::http::host::route_by_host(req);
            let app = app.clone();
            async move {
                let res = match (refused, origin) {
                    (Some(refusal), _) => refusal,
                    (None, Some(origin)) => {
                        let answer = crate::http::origin::scope(origin, app.serve(req));
                        guard.0.within_limit(number, answer).await
                    }
                    (None, None) => guard.0.within_limit(number, app.serve(req)).await,
                };
                drop(guard);
                Ok::<_, Infallible>(res)
            }
        });
        // The connection runs as a task of its own, so its requests wake only that task (not
        // this one's deadline timer and kill switch too); this task wakes for a deadline, a
        // kill, or the connection's end, and its guard aborts the connection if it is itself
        // dropped (the drain's deadline).
        let connection = Connection { peer, kill: killer };
        let mut conn = AbortOnDrop(tokio::spawn(CURRENT.scope(
            connection,
            watcher.watch(http.serve_connection(io, service)),
        )));
        let ended = tokio::select! {
            biased;
            res = &mut conn.0 => {
                match res {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => tracing::debug!(error = %e, "connection closed with an error"),
                    Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
                    Err(_) => {}
                }
                true
            }
            expired = activity.expired(Deadlines { idle, header, request }) => {
                tracing::debug!(?expired, "closing a connection");
                false
            }
            () = kill.notified() => {
                tracing::debug!("dropping a connection (fault rule)");
                false
            }
        };
        if !ended {
            // Waited for, so the socket is closed before this connection's place under the cap
            // is given back.
            conn.0.abort();
            if let Err(e) = (&mut conn.0).await
                && e.is_panic()
            {
                std::panic::resume_unwind(e.into_panic());
            }
        }
    }
}

/// How an accepted connection begins.
enum Opening {
    /// A TLS handshake (the HTTPS listener).
    Tls(tokio_rustls::TlsAcceptor),
    /// A request that may be `CONNECT` (the plain listener when it is a proxy).
    Proxy(tokio_rustls::TlsAcceptor),
    /// HTTP at once.
    Plain,
}

/// An accepted connection, put on the I/O driver of the runtime this runs on.
fn on_this_thread(stream: std::net::TcpStream) -> Option<TcpStream> {
    TcpStream::from_std(stream)
        .inspect_err(|e| tracing::debug!(error = %e, "cannot serve a connection"))
        .ok()
}

/// A spawned task aborted when its handle is dropped.
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Serves `app` on the plain listener and, with `tls`, on the HTTPS listener `https` and on the
/// plain listener's proxy tunnels (`proxy.rs`), until `shutdown` resolves, then drains. Every
/// connection, plain or TLS, counts against the same cap and has the same timers; a TLS
/// handshake must end within the header-read timeout.
pub async fn serve_with<A: App>(
    listener: TcpListener,
    https: Option<TcpListener>,
    tls: Option<crate::tls::Tls>,
    app: A,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let mut http = hyper::server::conn::http1::Builder::new();
    // The header-read timeout is the connection's own deadline (see the module documentation).
    http.header_read_timeout(None)
        .max_header_size(MAX_HEADER_BYTES)
        .keep_alive(true);
    let serving = Serving {
        app,
        http,
        idle: limits.idle_timeout,
        header: limits.header_read_timeout,
        request: limits.request_timeout,
        proxy: tls.as_ref().is_some_and(|t| t.proxy),
    };
    let threads = ConnectionThreads::start_once(limits.connection_threads)?;
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut connections = JoinSet::new();
    let mut refusals = JoinSet::new();
    let https_accept = async |https: &Option<TcpListener>| match https {
        Some(l) => l.accept().await,
        None => std::future::pending().await,
    };
    tokio::pin!(shutdown);
    loop {
        let ((stream, peer), on_https) = tokio::select! {
            () = &mut shutdown => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => continue,
            Some(_) = refusals.join_next(), if !refusals.is_empty() => continue,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => (accepted, false),
                Err(e) => {
                    // Out of file descriptors, or a connection reset before it was accepted:
                    // wait a moment rather than spin.
                    tracing::warn!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            accepted = https_accept(&https) => match accepted {
                Ok(accepted) => (accepted, true),
                Err(e) => {
                    tracing::warn!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            refusals.spawn(refuse(stream, limits.max_connections));
            continue;
        };
        let _ = stream.set_nodelay(true);
        // Handed to a connection thread: taken off this runtime's I/O driver here, and put on
        // that thread's by the task.
        let stream = match stream.into_std() {
            Ok(stream) => stream,
            Err(e) => {
                tracing::debug!(error = %e, "cannot hand a connection over");
                continue;
            }
        };
        let thread = threads.next();
        let serving = serving.clone();
        let watcher = graceful.watcher();
        // A TLS handshake that never ends is closed by the first of the two timeouts, as a served
        // connection's deadlines close one that sends nothing.
        let handshake = limits.header_read_timeout.min(limits.idle_timeout);
        let opening = match (&tls, on_https) {
            (Some(tls), true) => Opening::Tls(tls.acceptor.clone()),
            (Some(tls), false) if tls.proxy => Opening::Proxy(tls.acceptor.clone()),
            _ => Opening::Plain,
        };
        connections.spawn_on(
            async move {
                let _permit = permit;
                let Some(stream) = on_this_thread(stream) else {
                    return;
                };
                match opening {
                    Opening::Tls(acceptor) => {
                        match tokio::time::timeout(handshake, acceptor.accept(stream)).await {
                            Ok(Ok(stream)) => serving.serve(stream, peer, Via::Tls, watcher).await,
                            Ok(Err(e)) => tracing::debug!(error = %e, "TLS handshake failed"),
                            Err(_) => tracing::debug!("TLS handshake timed out"),
                        }
                    }
                    Opening::Proxy(acceptor) => {
                        match crate::proxy::open(stream, &acceptor, handshake).await {
                            crate::proxy::Opened::Http(stream) => {
                                serving.serve(stream, peer, Via::Plain, watcher).await;
                            }
                            crate::proxy::Opened::Tunnel(stream) => {
                                serving.serve(*stream, peer, Via::Tls, watcher).await;
                            }
                            crate::proxy::Opened::Closed => {}
                        }
                    }
                    Opening::Plain => serving.serve(stream, peer, Via::Plain, watcher).await,
                }
            },
            thread,
        );
    }
    drop(listener);
    drop(https);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(limits.shutdown_grace) => {
            tracing::warn!(
                connections = connections.len(),
                "shutdown grace period over: closing the connections still open"
            );
        }
    }
    connections.shutdown().await;
    refusals.shutdown().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_connection_is_its_tasks() {
        assert!(Connection::current().is_none());
        assert!(!Connection::is_loopback());
        let on = |ip: &str| Connection {
            peer: std::net::SocketAddr::new(ip.parse().unwrap(), 40_000),
            kill: Arc::new(tokio::sync::Notify::new()),
        };
        let seen = CURRENT
            .scope(on("127.0.0.1"), async {
                (
                    Connection::current().map(|c| c.peer),
                    Connection::is_loopback(),
                )
            })
            .await;
        assert_eq!(seen, (Some("127.0.0.1:40000".parse().unwrap()), true));
        let seen = CURRENT
            .scope(on("192.0.2.7"), async {
                // A task the handler spawns is on no connection.
                let spawned = tokio::spawn(async { Connection::current().is_none() });
                (Connection::is_loopback(), spawned.await.unwrap())
            })
            .await;
        assert_eq!(seen, (false, true));
    }

    #[test]
    fn deadlines_count_from_the_last_byte_and_the_last_answer() {
        let limits = Deadlines {
            idle: Duration::from_secs(60),
            header: Duration::from_secs(10),
            request: Duration::from_secs(30),
        };
        let ms = Duration::from_millis;
        let a = Arc::new(Activity::new());
        // Opened and silent: the header deadline comes first.
        assert_eq!(a.check(ms(4_000), limits), Ok(ms(6_000)));
        assert_eq!(a.check(ms(10_000), limits), Err(Expired::Header));
        // Header bytes trickling in keep the connection from being idle, not from the header
        // deadline.
        a.last_ms.store(9_000, Ordering::Relaxed);
        assert_eq!(a.check(ms(9_500), limits), Ok(ms(500)));
        assert_eq!(a.check(ms(10_000), limits), Err(Expired::Header));
        // A request in progress has neither deadline, but its own time limit, counted from its
        // header's last byte.
        a.last_ms.store(9_800, Ordering::Relaxed);
        let (first, number) = InFlight::enter(&a);
        assert_eq!(number, 1);
        assert_eq!(a.check(ms(500_000), limits), Err(Expired::Request(1)));
        assert_eq!(a.check(ms(39_700), limits), Ok(ms(100)));
        assert_eq!(a.check(ms(39_800), limits), Err(Expired::Request(1)));
        // Once it is marked overdue, the watch task waits for the request to end.
        a.overdue.store(1, Ordering::Relaxed);
        assert_eq!(a.check(ms(39_800), limits), Ok(limits.header));
        // Once it ends (or its answer's last byte is written), the next header has its time.
        drop(first);
        a.last_ms.store(500_000, Ordering::Relaxed);
        a.ready_ms.store(500_000, Ordering::Relaxed);
        assert_eq!(a.check(ms(509_999), limits), Ok(ms(1)));
        assert_eq!(a.check(ms(510_000), limits), Err(Expired::Header));
        // The next request is not overdue because the one before was.
        let (_second, number) = InFlight::enter(&a);
        assert_eq!(number, 2);
        assert_eq!(a.check(ms(510_000), limits), Ok(ms(20_000)));
        assert_eq!(a.check(ms(530_000), limits), Err(Expired::Request(2)));
        drop(_second);
        // With a longer header timeout, silence ends it as idle; the wait between checks is
        // never longer than the request time limit (a request may begin meanwhile).
        a.last_ms.store(500_000, Ordering::Relaxed);
        a.ready_ms.store(500_000, Ordering::Relaxed);
        let long = Deadlines {
            header: Duration::from_secs(600),
            ..limits
        };
        assert_eq!(a.check(ms(560_000), long), Err(Expired::Idle));
        assert_eq!(a.check(ms(559_000), long), Ok(ms(1_000)));
        assert_eq!(a.check(ms(500_000), long), Ok(limits.request));
    }

    /// A test server's app: `/slow` answers after a minute unless it is dropped first (which it
    /// then records), anything else at once.
    #[derive(Clone)]
    struct Slow {
        dropped: Arc<std::sync::atomic::AtomicBool>,
    }

    struct Dropped(Arc<std::sync::atomic::AtomicBool>);

    impl Drop for Dropped {
        fn drop(&mut self) {
            self.0.store(true, Ordering::SeqCst);
        }
    }

    impl App for Slow {
        fn serve(&self, req: Request) -> Pin<Box<dyn Future<Output = Response> + Send + '_>> {
            Box::pin(async move {
                if req.uri().path() == "/slow" {
                    let _dropped = Dropped(self.dropped.clone());
                    tokio::time::sleep(Duration::from_secs(60)).await;
                    std::mem::forget(_dropped);
                }
                Response::new(axum::body::Body::from("done"))
            })
        }
    }

    #[tokio::test]
    async fn a_request_over_its_time_limit_is_answered_408_and_the_connection_goes_on() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let dropped = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let limits = Limits {
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            max_connections: 16,
            shutdown_grace: Duration::from_secs(1),
            request_timeout: Duration::from_millis(300),
            connection_threads: 2,
        };
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let app = Slow {
            dropped: dropped.clone(),
        };
        let server = tokio::spawn(serve(listener, app, limits, async {
            let _ = stopped.await;
        }));
        let mut conn = TcpStream::connect(addr).await.unwrap();
        assert_eq!(
            answer(&mut conn, "/slow").await,
            ("HTTP/1.1 408 Request Timeout".to_owned(), String::new())
        );
        assert!(dropped.load(Ordering::SeqCst), "the handler is dropped");
        // The same connection serves the next request, which is not overdue.
        assert_eq!(
            answer(&mut conn, "/fast").await,
            ("HTTP/1.1 200 OK".to_owned(), "done".to_owned())
        );
        stop.send(()).unwrap();
        server.await.unwrap().unwrap();
    }

    /// Sends `GET path` on `conn` and reads the answer: its status line and body.
    async fn answer(conn: &mut TcpStream, path: &str) -> (String, String) {
        let req = format!("GET {path} HTTP/1.1\r\nHost: t\r\n\r\n");
        conn.write_all(req.as_bytes()).await.unwrap();
        let mut seen = Vec::new();
        let mut buf = [0u8; 1024];
        loop {
            let n = conn.read(&mut buf).await.unwrap();
            assert!(n > 0, "closed after {:?}", String::from_utf8_lossy(&seen));
            seen.extend_from_slice(&buf[..n]);
            let text = String::from_utf8_lossy(&seen).into_owned();
            if let Some((head, body)) = text.split_once("\r\n\r\n") {
                let length: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length: "))
                    .map_or(0, |v| v.parse().unwrap());
                if body.len() >= length {
                    return (head.lines().next().unwrap().to_owned(), body.to_owned());
                }
            }
        }
    }

    /// A test server's app that answers with the name of the thread serving the request and of
    /// the thread a task it spawns runs on.
    #[derive(Clone)]
    struct Threads;

    fn thread_name() -> String {
        std::thread::current().name().unwrap_or("").to_owned()
    }

    impl App for Threads {
        fn serve(&self, _: Request) -> Pin<Box<dyn Future<Output = Response> + Send + '_>> {
            Box::pin(async move {
                let spawned = tokio::spawn(async { thread_name() }).await.unwrap();
                Response::new(axum::body::Body::from(format!(
                    "{} {spawned}",
                    thread_name()
                )))
            })
        }
    }

    #[tokio::test]
    async fn a_connection_and_what_its_requests_spawn_stay_on_one_connection_thread() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let limits = Limits {
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            max_connections: 16,
            shutdown_grace: Duration::from_secs(1),
            request_timeout: Duration::from_secs(10),
            connection_threads: 2,
        };
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(serve(listener, Threads, limits, async {
            let _ = stopped.await;
        }));
        let threads = ConnectionThreads::start_once(2).unwrap().len();
        let names: Vec<String> = (0..threads).map(|i| format!("localgram-io-{i}")).collect();
        for _ in 0..2 {
            let mut conn = TcpStream::connect(addr).await.unwrap();
            let (status, first) = answer(&mut conn, "/").await;
            assert_eq!(status, "HTTP/1.1 200 OK");
            let (on, spawned_on) = first.split_once(' ').unwrap();
            assert!(
                names.iter().any(|n| n == on),
                "{on} is not one of {names:?}"
            );
            assert_eq!(
                spawned_on, on,
                "a task the request spawns runs on its thread"
            );
            for _ in 0..3 {
                assert_eq!(answer(&mut conn, "/").await.1, first);
            }
        }
        stop.send(()).unwrap();
        server.await.unwrap().unwrap();
    }

    #[test]
    fn connections_go_to_the_threads_in_turn() {
        let threads = ConnectionThreads::start(3).unwrap();
        assert_eq!(threads.len(), 3);
        let on = |handle: &Handle| {
            let (tx, rx) = std::sync::mpsc::channel();
            handle.spawn(async move { tx.send(thread_name()).unwrap() });
            rx.recv_timeout(Duration::from_secs(10)).unwrap()
        };
        let seen: Vec<String> = (0..4).map(|_| on(threads.next())).collect();
        assert_eq!(
            seen,
            [
                "localgram-io-0",
                "localgram-io-1",
                "localgram-io-2",
                "localgram-io-0"
            ]
        );
    }

    #[test]
    fn the_default_cap_stays_below_the_open_file_limit() {
        let cap = default_max_connections();
        if let Some(limit) = open_file_limit() {
            assert!((cap as u64) < limit.max(17), "{cap} vs {limit}");
        }
        assert!(cap >= 16);
    }

    #[test]
    fn the_over_capacity_answer_is_a_complete_503() {
        let text = String::from_utf8(over_capacity_response(7)).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        assert!(
            head.starts_with("HTTP/1.1 503 Service Unavailable\r\n"),
            "{head}"
        );
        assert!(
            head.contains(&format!("content-length: {}", body.len())),
            "{head}"
        );
        let v: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(v["error"]["code"], 2);
        assert_eq!(v["error"]["is_transient"], true);
        assert_eq!(
            v["error"]["message"],
            "Localgram is serving its maximum of 7 connections; retry in a moment"
        );
    }
}
