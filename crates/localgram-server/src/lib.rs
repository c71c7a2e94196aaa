#![doc = include_str!("../README.md")]

pub mod calls;
pub mod config;
pub mod error;
pub mod http;
pub mod i18n;
pub mod media;
pub mod openapi;
pub mod pages;
pub mod reveal;
pub mod routes;
pub mod session;
pub mod state;

use crate::config::{Config, SqliteSync};
use crate::state::AppState;
use anyhow::Context as _;
use axum::Router;
use axum::extract::Request;
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
use tower::ServiceExt as _;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;

/// The body limit of every public endpoint (forms, Graph calls).
pub const FORM_BODY_LIMIT: usize = 64 * 1024;

/// Opens the store the database URL names: `sqlite:` or `postgres:`.
pub async fn open_store(config: &Config) -> anyhow::Result<Arc<dyn Store>> {
    let url = config.database_url.as_str();
    if url.starts_with("sqlite:") {
        #[cfg(feature = "sqlite")]
        {
            let opts = localgram_store_sqlite::SqliteOptions {
                synchronous_full: config.sqlite_synchronous == SqliteSync::Full,
                run_migrations: !config.no_migrate,
            };
            let store = localgram_store_sqlite::SqliteStore::connect(url, opts)
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
            let store = localgram_store_postgres::PgStore::connect(url, !config.no_migrate)
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
    if platform.store.find_app(&app.id).await?.is_none() {
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
        password: user.password.clone(),
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
}

/// Opens the store, runs migrations, loads `--world` and, on an empty database, the demo world.
pub async fn prepare(config: Config, addr: SocketAddr) -> anyhow::Result<Prepared> {
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
        ("rate_limit_app_per_hour", config.rate_limit_app_per_hour),
        ("rate_limit_user_per_hour", config.rate_limit_user_per_hour),
        (
            "rate_limit_business_per_day",
            config.rate_limit_business_per_day,
        ),
        ("max_listed_media", config.max_listed_media),
    ] {
        anyhow::ensure!(v >= 1, "{name} must be at least 1");
    }
    let settings = Settings {
        code_ttl: time::Duration::seconds(config.code_ttl_seconds),
        max_listed_media: config.max_listed_media,
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
    let key_bytes = store
        .get_or_init_secret("cookie_key", &OsRng.bytes(64))
        .await
        .context("cannot read or create the session signing key")?;
    let cookie_key = Key::try_from(key_bytes.as_slice())
        .context("the stored session signing key is too short")?;
    let public_url = config
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{addr}"))
        .trim_end_matches('/')
        .to_owned();
    let was_empty = platform
        .store_is_empty()
        .await
        .context("cannot read the database")?;
    let mut world = None;
    if let Some(path) = &config.world {
        let body = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the world file {}", path.display()))?;
        let summary = platform
            .load_world(
                &body,
                Format::from_path(path),
                path.parent()
                    .filter(|p| !p.as_os_str().is_empty())
                    .or(Some(Path::new("."))),
            )
            .await
            .with_context(|| format!("cannot load the world file {}", path.display()))?;
        world = Some(summary);
    }
    let demo_loaded = was_empty && !config.no_demo;
    if demo_loaded {
        platform
            .load_world(DEMO_WORLD, Format::Toml, None)
            .await
            .context("cannot load the demo world")?;
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
    };
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
        calls: Arc::default(),
        reveals: Arc::default(),
        responses: Arc::default(),
        trace_ids: Arc::new(trace_ids),
    });
    Ok(Prepared { state, report })
}

/// The whole router: every emulated host under its prefix, the control plane and static files.
pub fn router(state: AppState) -> Router {
    let public = Router::new()
        .nest("/api.instagram.com", routes::oauth::api_router())
        .nest("/www.instagram.com", routes::oauth::www_router())
        .merge(routes::graph::instagram_router())
        .nest("/www.facebook.com", routes::facebook::router())
        .merge(routes::graph::facebook_router())
        .layer(RequestBodyLimitLayer::new(FORM_BODY_LIMIT));
    Router::new()
        .merge(public)
        .merge(routes::control::router(state.clone()))
        .merge(routes::static_files::router())
        .merge(routes::media_files::router())
        .merge(routes::dashboard::router(state.clone()))
        .fallback(fallback)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            http::logging::log_requests,
        ))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(30),
        ))
        .with_state(state)
}

async fn fallback(uri: axum::http::Uri) -> axum::response::Response {
    use axum::response::IntoResponse;
    error::ApiError::Control(
        axum::http::StatusCode::NOT_FOUND,
        format!("no such endpoint: {}", uri.path()),
    )
    .into_response()
}

/// Runs a prepared server on `listener` until `shutdown` resolves, then drains in-flight requests.
pub async fn run(
    prepared: Prepared,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let app = router(prepared.state);
    let service = tower::service_fn(move |req: Request| {
        let app = app.clone();
        async move { app.oneshot(http::host::route_by_host(req)).await }
    });
    axum::serve(
        listener,
        axum::ServiceExt::<Request>::into_make_service_with_connect_info::<SocketAddr>(service),
    )
    .with_graceful_shutdown(shutdown)
    .await
    .context("the server stopped with an error")
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
