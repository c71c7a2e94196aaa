#![doc = include_str!("../README.md")]

pub mod app;
pub mod calls;
pub mod config;
pub mod conn;
pub mod error;
pub mod faults;
pub mod http;
pub mod i18n;
pub mod media;
pub mod metrics;
pub mod openapi;
pub mod openapi_publishing;
pub mod openapi_shared;
pub mod openapi_webhooks;
pub mod outgoing;
pub mod pages;
pub mod proxy;
pub mod reset;
pub mod response_cache;
pub mod reveal;
pub mod routes;
pub mod session;
pub mod shared;
pub mod state;
pub mod tls;
pub mod webhook_client;
pub mod webhooks;

use crate::config::{Config, SqliteSync};
use crate::state::AppState;
use anyhow::Context as _;
use axum_extra::extract::cookie::Key;
use localgram_core::clock::EmulatorClock;
use localgram_core::rng::{OsRng, RngExt};
use localgram_core::store::Store;
use localgram_core::world::{DEMO_WORLD, Format};
use localgram_core::world_load::WorldSummary;
use localgram_core::{Platform, Settings};
use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

/// Opens the store the database URL names: `sqlite:` or `postgres:`.
pub async fn open_store(config: &Config) -> anyhow::Result<Arc<dyn Store>> {
    let url = config.database_url.as_str();
    if url.starts_with("sqlite:") {
        #[cfg(feature = "sqlite")]
        {
            if let Some(path) = sqlite_file(url) {
                create_private_file(Path::new(path))
                    .with_context(|| format!("cannot create the SQLite database file {path}"))?;
            }
            let opts = localgram_store::SqliteOptions {
                synchronous_full: config.sqlite_synchronous == SqliteSync::Full,
                run_migrations: !config.no_migrate,
            };
            let store = localgram_store::SqliteStore::connect(url, opts)
                .await
                .with_context(|| format!("cannot open the SQLite database {url}"))?;
            return Ok(Arc::new(store));
        }
        #[cfg(not(feature = "sqlite"))]
        anyhow::bail!("this build of Localgram has no SQLite support");
    }
    if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        #[cfg(feature = "postgres")]
        {
            let store = localgram_store::PgStore::connect(url, !config.no_migrate)
                .await
                .with_context(|| {
                    format!(
                        "cannot open the PostgreSQL database {}",
                        config::redact_url_password(url)
                    )
                })?;
            return Ok(Arc::new(store));
        }
        #[cfg(not(feature = "postgres"))]
        anyhow::bail!("this build of Localgram has no PostgreSQL support");
    }
    let _ = SqliteSync::Full;
    anyhow::bail!(
        "unsupported database URL {:?}: use sqlite://FILE or postgres://…",
        config::redact_url_password(url)
    )
}

/// The file a `sqlite:` URL names (`sqlite://FILE`, `sqlite:FILE`, with or without `?options`);
/// `None` for an in-memory database or a percent-encoded name.
pub(crate) fn sqlite_file(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let in_memory =
        path.is_empty() || path == ":memory:" || query.split('&').any(|p| p == "mode=memory");
    (!in_memory && !path.contains('%')).then_some(path)
}

/// Creates `path` empty with mode 0600 whatever the umask, unless it exists: the database then
/// starts private to the user, and SQLite gives its `-wal` and `-shm` files the database file's
/// mode. An existing file keeps the mode it has.
fn create_private_file(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(file) => {
            #[cfg(unix)]
            file.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
            drop(file);
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

/// What happened at start, for the CLI to print.
#[derive(Debug, Clone)]
pub struct StartupReport {
    /// The address the server listens on.
    pub addr: SocketAddr,
    /// The public base URL.
    pub public_url: String,
    /// The database backend.
    pub backend: &'static str,
    /// Whether the demo world was loaded (the database was empty).
    pub demo_loaded: bool,
    /// What `--world` loaded.
    pub world: Option<WorldSummary>,
    /// The demo world's credentials, when it is in the database and `--no-demo` was not given.
    pub demo: Option<DemoInfo>,
    /// What the operator should know (also logged as warnings): the pages are on the network,
    /// `--public-url` should be set.
    pub warnings: Vec<String>,
    /// The CA certificate, the HTTPS listener and the proxy, when TLS is on.
    pub tls: Option<TlsReport>,
}

/// The TLS side of a started server, for the CLI to print.
#[derive(Debug, Clone)]
pub struct TlsReport {
    /// The CA certificate clients must trust.
    pub ca_cert_path: std::path::PathBuf,
    /// The HTTPS listener's address.
    pub https_addr: Option<SocketAddr>,
    /// The plain listener's address, when it is a proxy for the Meta hosts.
    pub proxy_addr: Option<SocketAddr>,
}

impl TlsReport {
    /// The shell lines that make a client use the proxy and trust the CA
    /// ([`tls::env_lines`]).
    pub fn env_lines(&self) -> String {
        tls::env_lines(&self.ca_cert_path, self.proxy_addr, self.https_addr)
    }
}

/// The public base URL (without a trailing slash) and the start-up warnings for a server
/// listening on `addr`.
///
/// Without `--public-url`, the URL is `http://<listen address>`; when that address is every
/// address of the machine (`0.0.0.0` or `::`), which no client can reach, it is the machine's
/// address on its default route instead (the loopback when there is none), and a warning says to
/// set `--public-url`. Listening on any address other than the loopback adds a warning that the
/// login and consent pages are on the network.
pub fn public_url_for(configured: Option<&str>, addr: SocketAddr) -> (String, Vec<String>) {
    let mut warnings = Vec::new();
    let public_url = match configured {
        Some(url) => url.trim_end_matches('/').to_owned(),
        None if addr.ip().is_unspecified() => {
            let reachable = default_route_ip(addr.ip());
            let host = reachable.unwrap_or(if addr.is_ipv4() {
                std::net::IpAddr::from([127, 0, 0, 1])
            } else {
                std::net::IpAddr::from(std::net::Ipv6Addr::LOCALHOST)
            });
            let url = format!("http://{}", SocketAddr::new(host, addr.port()));
            warnings.push(format!(
                "listening on {addr} without --public-url: the URLs Localgram emits (paging links, \
                 media URLs, redirects) use {url}{}; set --public-url to the address clients use",
                if reachable.is_some() {
                    ", this machine's address on its default route"
                } else {
                    " (no network route found)"
                }
            ));
            url
        }
        None => format!("http://{addr}"),
    };
    if !addr.ip().is_loopback() {
        warnings.push(format!(
            "listening on {addr}: the login and consent pages and the emulated APIs are reachable \
             from the network; Localgram is a development tool, see docs/security.md"
        ));
    }
    (public_url, warnings)
}

/// This machine's address on its default route for `unspecified`'s family, found by connecting
/// a UDP socket (no packet is sent) towards a documentation address.
fn default_route_ip(unspecified: std::net::IpAddr) -> Option<std::net::IpAddr> {
    let (bind, probe): (SocketAddr, SocketAddr) = if unspecified.is_ipv4() {
        (([0, 0, 0, 0], 0).into(), ([192, 0, 2, 1], 9).into())
    } else {
        (
            (std::net::Ipv6Addr::UNSPECIFIED, 0).into(),
            (std::net::Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1), 9).into(),
        )
    };
    let socket = std::net::UdpSocket::bind(bind).ok()?;
    socket.connect(probe).ok()?;
    let ip = socket.local_addr().ok()?.ip();
    (!ip.is_unspecified() && !ip.is_loopback()).then_some(ip)
}

/// What a newcomer needs to try the demo world at once.
#[derive(Debug, Clone)]
pub struct DemoInfo {
    /// The app id.
    pub app_id: String,
    /// The app secret.
    pub app_secret: String,
    /// The accepted tester's username.
    pub username: String,
    /// Its password.
    pub password: String,
    /// An authorize URL that works as is.
    pub authorize_url: String,
    /// The redirect URI that URL uses.
    pub redirect_uri: String,
    /// A ready long-lived token.
    pub token: String,
}

impl DemoInfo {
    /// The banner `localgram serve` prints.
    pub fn banner(&self, public_url: &str) -> String {
        format!(
            "demo world:\n  app id        {}\n  app secret    {}\n  tester        {} / {}\n  authorize URL {}\n  ready token   {} (long-lived, user jane.doe)\n  try it        curl '{public_url}/graph.instagram.com/me?fields=id,username,account_type,media_count&access_token={}'",
            self.app_id,
            self.app_secret,
            self.username,
            self.password,
            self.authorize_url,
            self.token,
            self.token
        )
    }
}

async fn demo_info(platform: &Platform, public_url: &str) -> anyhow::Result<Option<DemoInfo>> {
    let world = localgram_core::world::parse(DEMO_WORLD, Format::Toml)?;
    let (Some(app), Some(user), Some(token)) = (
        world.apps.first(),
        world.instagram_users.first(),
        world.tokens.first(),
    ) else {
        return Ok(None);
    };
    if platform.find_app(&app.id).await?.is_none() {
        return Ok(None);
    }
    let port = public_url
        .rsplit(':')
        .next()
        .and_then(|p| p.parse::<u16>().ok());
    let redirect_uri = match port {
        Some(port) if public_url.starts_with("http://127.0.0.1") => {
            format!("http://127.0.0.1:{port}/_localgram/oauth/callback")
        }
        _ => format!("{public_url}/_localgram/oauth/callback"),
    };
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("client_id", &app.id)
        .append_pair("redirect_uri", &redirect_uri)
        .append_pair("scope", "user_profile,user_media")
        .append_pair("response_type", "code")
        .append_pair("state", "demo")
        .finish();
    Ok(Some(DemoInfo {
        app_id: app.id.clone(),
        app_secret: app.secret.clone(),
        username: user.username.clone(),
        password: localgram_core::world::DEMO_PASSWORDS
            .iter()
            .find(|(who, _)| *who == user.username)
            .map(|(_, p)| (*p).to_owned())
            .unwrap_or_default(),
        authorize_url: format!("{public_url}/api.instagram.com/oauth/authorize?{query}"),
        redirect_uri,
        token: token.value.clone(),
    }))
}

/// A server ready to run: its state and what happened at start.
pub struct Prepared {
    /// Shared state (the platform, the clock, the configuration).
    pub state: AppState,
    /// What to print.
    pub report: StartupReport,
    /// The HTTPS listener (`--https-listen`), bound.
    pub https: Option<TcpListener>,
    /// TLS, when the HTTPS listener or the proxy is on.
    pub tls: Option<tls::Tls>,
    /// The store, for embedders and tests that write fixtures straight into it; the server's
    /// own code reaches it only through the platform's use cases.
    pub store: Arc<dyn Store>,
}

/// Loads (or creates) the CA and binds the HTTPS listener when the configuration asks for TLS
/// (`--https-listen`, or the proxy, on unless `--no-proxy`).
async fn prepare_tls(
    config: &Config,
    addr: SocketAddr,
    public_url: &str,
) -> anyhow::Result<Option<(tls::Tls, TlsReport, Option<TcpListener>)>> {
    if config.no_proxy && config.https_listen.is_none() {
        return Ok(None);
    }
    let dir = tls::ca_dir_for(config.ca_dir.as_deref(), &config.database_url);
    let ca = tls::LocalCa::load_or_create(&dir)?;
    let https = match config.https_listen {
        Some(a) => Some(
            TcpListener::bind(a)
                .await
                .with_context(|| format!("cannot listen on {a} (--https-listen)"))?,
        ),
        None => None,
    };
    let https_addr = https.as_ref().map(TcpListener::local_addr).transpose()?;
    let mut names = vec![addr.ip().to_string()];
    names.extend(https_addr.map(|a| a.ip().to_string()));
    if let Some(host) = url::Url::parse(public_url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
    {
        names.push(host);
    }
    let server_config = ca.server_config(&names)?;
    let tls = tls::Tls {
        ca_cert_path: ca.cert_path().to_owned(),
        acceptor: tokio_rustls::TlsAcceptor::from(server_config),
        proxy: !config.no_proxy,
    };
    let report = TlsReport {
        ca_cert_path: ca.cert_path().to_owned(),
        https_addr,
        proxy_addr: (!config.no_proxy).then_some(addr),
    };
    Ok(Some((tls, report, https)))
}

/// The folder a world file's relative file paths are read from.
fn base_dir_of(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// `--import`: the file's state replaces the database's (docs/state.md#import-and-export-on-exit).
/// A missing file is an error, unless it is also the `--export-on-exit` file: then there is
/// nothing to import yet, and the server starts as it would without `--import`.
async fn import(
    platform: &Platform,
    path: &Path,
    export_on_exit: Option<&Path>,
) -> anyhow::Result<Option<(WorldSummary, state::StartWorld)>> {
    let body = match std::fs::read_to_string(path) {
        Ok(body) => body,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && export_on_exit == Some(path) => {
            tracing::info!(
                "nothing to import from {} yet: it is written when the server stops",
                path.display()
            );
            return Ok(None);
        }
        Err(e) => {
            return Err(e)
                .with_context(|| format!("cannot read the import file {}", path.display()));
        }
    };
    let format = Format::from_path(path);
    let base_dir = base_dir_of(path);
    let summary = platform
        .import_world(&body, format, Some(base_dir))
        .await
        .with_context(|| format!("cannot import {}", path.display()))?;
    Ok(Some((
        summary,
        state::StartWorld {
            body,
            format,
            base_dir: Some(base_dir.to_owned()),
        },
    )))
}

/// `--export-on-exit`: the state as a world file (JSON for a `.json` name, else TOML), written
/// whole (a temporary file renamed over the target) and readable by its owner only, since it
/// holds app secrets and password hashes.
pub async fn export_to_file(platform: &Platform, path: &Path) -> anyhow::Result<()> {
    let world = platform
        .export_world()
        .await
        .context("cannot export the state")?;
    let text = localgram_core::world::write(&world, Format::from_path(path))
        .context("cannot write the state as a world file")?;
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let tmp = path.with_file_name(format!(".{name}.partial"));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
        .open(&tmp)
        .and_then(|mut f| {
            std::io::Write::write_all(&mut f, text.as_bytes())?;
            f.sync_all()
        })
        .and_then(|()| std::fs::rename(&tmp, path))
        .with_context(|| format!("cannot write {}", path.display()))
}

/// Opens the store, runs migrations, loads `--world` and, on an empty database, the demo world.
pub async fn prepare(config: Config, addr: SocketAddr) -> anyhow::Result<Prepared> {
    let world_file = match &config.world {
        Some(path) => Some((
            path.clone(),
            std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the world file {}", path.display()))?,
        )),
        None => None,
    };
    // The world file's plain passwords are hashed (argon2id: tens of milliseconds each) on a
    // blocking thread while the database opens and migrates. A world that does not parse is
    // reported by its load below.
    let prehash = world_file.as_ref().map(|(path, body)| {
        let passwords = localgram_core::world::parse(body, Format::from_path(path))
            .map(|w| localgram_core::world::plain_passwords(&w))
            .unwrap_or_default();
        tokio::task::spawn_blocking(move || {
            localgram_core::world::hash_passwords(&OsRng, passwords)
        })
    });
    let store = open_store(&config).await?;
    let clock = Arc::new(match &config.clock_start {
        Some(t) => {
            let at = time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339)
                .with_context(|| format!("clock_start {t:?} is not an RFC 3339 time"))?;
            EmulatorClock::frozen_at(at)
        }
        None => EmulatorClock::running(),
    });
    anyhow::ensure!(
        (1..=86_400).contains(&config.code_ttl_seconds),
        "code_ttl_seconds must be between 1 and 86400"
    );
    for (name, v) in [
        (
            "header_read_timeout_seconds",
            config.header_read_timeout_seconds,
        ),
        ("idle_timeout_seconds", config.idle_timeout_seconds),
        ("shutdown_grace_seconds", config.shutdown_grace_seconds),
    ] {
        anyhow::ensure!(
            (1..=86_400).contains(&v),
            "{name} must be between 1 and 86400"
        );
    }
    if let Some(limit) = conn::open_file_limit()
        && config.max_connections >= limit
    {
        tracing::warn!(
            "max_connections {} is not below the open-file limit {limit}: beyond it, connections wait in the kernel instead of getting a 503",
            config.max_connections
        );
    }
    for (name, v) in [
        ("rate_limit_app_per_hour", config.rate_limit_app_per_hour),
        ("rate_limit_user_per_hour", config.rate_limit_user_per_hour),
        (
            "rate_limit_business_per_day",
            config.rate_limit_business_per_day,
        ),
        ("max_listed_media", config.max_listed_media),
        ("journal_size", config.journal_size),
        ("publish_quota", config.publish_quota),
    ] {
        anyhow::ensure!(v >= 1, "{name} must be at least 1");
    }
    let settings = Settings {
        code_ttl: time::Duration::seconds(config.code_ttl_seconds),
        max_listed_media: config.max_listed_media,
        publish_quota: config.publish_quota,
        rate_defaults: localgram_core::rate::RateDefaults {
            app_calls_per_hour: config.rate_limit_app_per_hour,
            user_calls_per_hour: config.rate_limit_user_per_hour,
            business_calls_per_day: config.rate_limit_business_per_day,
        },
        ..Settings::default()
    };
    let cursor_key = store
        .get_or_init_secret("cursor_key", &OsRng.bytes(32))
        .await
        .context("cannot read or create the cursor signing key")?;
    let instance_secret = store
        .get_or_init_secret("instance_secret", &OsRng.bytes(32))
        .await
        .context("cannot read or create the instance secret")?;
    let platform = Platform::new(store.clone(), clock.clone(), Arc::new(OsRng), settings)
        .with_cursor_key(&cursor_key)
        .with_instance_secret(&instance_secret);
    if store.backend() == "postgres" {
        // Instances sharing fault rules never generate the same rule id.
        platform
            .faults
            .set_id_prefix(&format!("{}-", OsRng.digits('1', 6)));
    }
    let key_bytes = store
        .get_or_init_secret("cookie_key", &OsRng.bytes(64))
        .await
        .context("cannot read or create the session signing key")?;
    let cookie_key = Key::try_from(key_bytes.as_slice())
        .context("the stored session signing key is too short")?;
    let (public_url, warnings) = public_url_for(config.public_url.as_deref(), addr);
    for w in &warnings {
        tracing::warn!("{w}");
    }
    let (tls, tls_report, https) = match prepare_tls(&config, addr, &public_url).await? {
        Some((tls, report, https)) => (Some(tls), Some(report), https),
        None => (None, None, None),
    };
    let was_empty = platform
        .store_is_empty()
        .await
        .context("cannot read the database")?;
    let mut world = None;
    let mut start_worlds = Vec::new();
    let imported = match &config.import {
        Some(path) => import(&platform, path, config.export_on_exit.as_deref()).await?,
        None => None,
    };
    let was_empty = was_empty && imported.is_none();
    if let Some((summary, start)) = imported {
        world = Some(summary);
        start_worlds.push(start);
    }
    if let Some((path, body)) = world_file {
        let path = path.as_path();
        let prehashed = match prehash {
            // A hash that failed is made again, and its error reported, by the load.
            Some(task) => task.await.ok().and_then(Result::ok).unwrap_or_default(),
            None => Default::default(),
        };
        let base_dir = base_dir_of(path);
        let summary = platform
            .load_world_prehashed(&body, Format::from_path(path), Some(base_dir), &prehashed)
            .await
            .with_context(|| format!("cannot load the world file {}", path.display()))?;
        world = Some(summary);
        start_worlds.push(state::StartWorld {
            body,
            format: Format::from_path(path),
            base_dir: Some(base_dir.to_owned()),
        });
    }
    let demo_loaded = was_empty && !config.no_demo;
    if demo_loaded {
        platform
            .load_world(DEMO_WORLD, Format::Toml, None)
            .await
            .context("cannot load the demo world")?;
        // A reset loads the worlds again in the order they were loaded at start.
        start_worlds.push(state::StartWorld {
            body: DEMO_WORLD.to_owned(),
            format: Format::Toml,
            base_dir: None,
        });
    }
    let demo = if config.no_demo {
        None
    } else {
        demo_info(&platform, &public_url).await?
    };
    let report = StartupReport {
        addr,
        public_url: public_url.clone(),
        backend: store.backend(),
        demo_loaded,
        world,
        demo,
        warnings,
        tls: tls_report,
    };
    let journal_size = usize::try_from(config.journal_size).unwrap_or(usize::MAX);
    let webhook_allow_hosts = config.webhook_allow_hosts.clone();
    let trace_ids = match config.fbtrace_seed {
        Some(seed) => error::TraceIds::seeded(seed),
        None => error::TraceIds::random(),
    };
    let state = AppState::new(state::Shared {
        platform,
        clock,
        config: Arc::new(config),
        public_url: public_url.into(),
        cookie_key,
        calls: Arc::new(calls::Journal::with_capacity(journal_size)),
        metrics: Arc::default(),
        reveals: Arc::new(reveal::Reveals::new(store.backend() == "postgres")),
        responses: Arc::default(),
        start_worlds: start_worlds.into(),
        trace_ids: Arc::new(trace_ids),
        clock_generation: std::sync::atomic::AtomicI64::new(0),
        webhook_client: webhook_client::HttpCallbacks::new(&webhook_allow_hosts),
        webhook_owner: format!("instance-{}", OsRng.digits('1', 12)),
    });
    // Several instances on PostgreSQL share the fault rules (the world's included) and the test
    // clock: a configured start wins, else the stored clock is taken.
    if shared::enabled(&state) {
        shared::publish_rules(&state)
            .await
            .context("cannot write the shared fault rules")?;
    }
    if state.config.clock_start.is_some() {
        shared::publish_clock(&state)
            .await
            .context("cannot write the shared test clock")?;
    } else {
        shared::refresh_clock(&state)
            .await
            .context("cannot read the shared test clock")?;
    }
    Ok(Prepared {
        state,
        report,
        https,
        tls,
        store,
    })
}

/// Runs a prepared server on `listener` until `shutdown` resolves, then drains in-flight requests
/// for at most the configured grace period (see [`conn`]).
pub async fn run(
    prepared: Prepared,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let platform = prepared.state.platform.clone();
    let exporter = prepared.state.clone();
    let export_on_exit = prepared.state.config.export_on_exit.clone();
    let limits = conn::Limits::from_config(&prepared.state.config);
    let poll = shared::spawn_clock_poll(prepared.state.clone());
    let state = prepared.state.clone();
    let worker = webhooks::spawn_worker(prepared.state.clone());
    let grace = Duration::from_secs(prepared.state.config.shutdown_grace_seconds);
    let app = app::App::new(prepared.state);
    let served = conn::serve_with(
        listener,
        prepared.https,
        prepared.tls,
        app,
        limits,
        shutdown,
    )
    .await;
    worker.stop(&state, grace).await;
    if let Some(poll) = poll {
        poll.abort();
    }
    served.context("the server stopped with an error")?;
    if let Some(path) = &export_on_exit {
        export_to_file(&exporter.platform, path)
            .await
            .with_context(|| format!("--export-on-exit {}", path.display()))?;
        tracing::info!("state exported to {}", path.display());
    }
    platform
        .flush()
        .await
        .context("writing out the rate counters at shutdown")
}

/// Prepares and runs a server: the entry point `localgram serve` calls.
pub async fn serve(
    config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let addr = listener.local_addr()?;
    let prepared = prepare(config, addr).await?;
    run(prepared, listener, shutdown).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unspecified_listen_address_never_ends_up_in_emitted_urls() {
        let (url, warnings) = public_url_for(None, "0.0.0.0:8090".parse().unwrap());
        assert!(!url.contains("0.0.0.0"), "{url}");
        assert!(
            url.starts_with("http://") && url.ends_with(":8090"),
            "{url}"
        );
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(warnings[0].contains("set --public-url"), "{}", warnings[0]);
        assert!(
            warnings[1].contains("login and consent pages")
                && warnings[1].contains("reachable from the network"),
            "{}",
            warnings[1]
        );
        let (url, _) = public_url_for(None, "[::]:8090".parse().unwrap());
        assert!(!url.contains("[::]"), "{url}");
    }

    #[test]
    fn a_configured_public_url_wins_and_the_loopback_warns_of_nothing() {
        let (url, warnings) = public_url_for(
            Some("https://emulator.test/"),
            "127.0.0.1:8090".parse().unwrap(),
        );
        assert_eq!(url, "https://emulator.test");
        assert!(warnings.is_empty(), "{warnings:?}");
        let (url, warnings) = public_url_for(None, "127.0.0.1:8090".parse().unwrap());
        assert_eq!(url, "http://127.0.0.1:8090");
        assert!(warnings.is_empty(), "{warnings:?}");
        let (url, warnings) = public_url_for(
            Some("http://emulator.test:8090"),
            "0.0.0.0:8090".parse().unwrap(),
        );
        assert_eq!(url, "http://emulator.test:8090");
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0].contains("reachable from the network"));
    }

    #[test]
    fn sqlite_urls_name_their_file() {
        assert_eq!(sqlite_file("sqlite://localgram.db"), Some("localgram.db"));
        assert_eq!(
            sqlite_file("sqlite:///tmp/x.db?mode=rwc"),
            Some("/tmp/x.db")
        );
        assert_eq!(sqlite_file("sqlite:x.db"), Some("x.db"));
        assert_eq!(sqlite_file("sqlite::memory:"), None);
        assert_eq!(sqlite_file("sqlite://x.db?mode=memory"), None);
        assert_eq!(sqlite_file("postgres://h/db"), None);
    }
}
