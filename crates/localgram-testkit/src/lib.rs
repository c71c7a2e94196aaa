#![doc = include_str!("../README.md")]

pub mod actors;
pub mod pages;

pub use actors::{
    Anonymous, AuthParams, DashboardDeveloper, FacebookUser, InstagramUser, PageAdmin,
    TestServerBuilder,
};
pub use pages::Reply;

use localgram_server::config::Config;
use localgram_server::state::AppState;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The line a Postgres-only test prints when no database is configured.
pub const PG_SKIP_LINE: &str = "skipped: LOCALGRAM_TEST_PG_URL not set";

/// The standard world of the integration tests.
pub const TEST_WORLD: &str = include_str!("test_world.toml");

/// The Facebook part of [`facebook_world`] (users, Pages, cities, tokens).
pub const FB_WORLD: &str = include_str!("fb_world.toml");

/// [`TEST_WORLD`] with Facebook users, Pages, cities and tokens ([`world::fb`]), including a
/// user with 60 Pages (`2100000000000NN`, NN = 01…60: odd ones are places, every third one is
/// not promotable).
pub fn facebook_world() -> String {
    let mut w = format!("{TEST_WORLD}\n{FB_WORLD}");
    for n in 1..=60 {
        w.push_str(&format!(
            "\n[[pages]]\nid = \"21000000000{n:04}\"\nname = \"Many Page {n:02}\"\nis_place = {}\nis_promotable = {}\n\n  [[pages.roles]]\n  user = \"100000000000005\"\n  tasks = [\"ANALYZE\"]\n",
            n % 2 == 1,
            n % 3 != 0
        ));
    }
    w
}

/// Ids and secrets of [`TEST_WORLD`].
pub mod world {
    /// Ids, credentials and tokens of [`FB_WORLD`](crate::FB_WORLD).
    pub mod fb {
        /// A live app with Facebook Login only.
        pub const APP_ID: &str = "990602627938100";
        /// Its secret.
        pub const APP_SECRET: &str = "facebook-only-secret";
        /// Its redirect URI.
        pub const REDIRECT_URI: &str = "https://fb.example/cb";
        /// A test user with three Pages (one place, one not promotable, one business-reached).
        pub const USER_ID: &str = "100000000000001";
        /// Its login email.
        pub const EMAIL: &str = "test.user@example.com";
        /// Its password.
        pub const PASSWORD: &str = "hunter2";
        /// A person who is not a test user, with one Page.
        pub const REAL_ID: &str = "100000000000002";
        /// A checkpointed user.
        pub const CHECKPOINTED_ID: &str = "100000000000003";
        /// A blocked user.
        pub const BLOCKED_ID: &str = "100000000000004";
        /// A user with 60 Pages.
        pub const MANY_ID: &str = "100000000000005";
        /// The place Page of [`USER_ID`], linked to the BUSINESS Instagram account.
        pub const CAFE_PAGE: &str = "200000000000001";
        /// The non-promotable Page of [`USER_ID`].
        pub const BLOG_PAGE: &str = "200000000000002";
        /// The business-reached Page of [`USER_ID`].
        pub const HOLDINGS_PAGE: &str = "200000000000003";
        /// The Page of [`REAL_ID`].
        pub const REAL_PAGE: &str = "200000000000004";
        /// Long-lived token of [`USER_ID`] with every Pages permission and business_management.
        pub const LONG_TOKEN: &str = "EAAlocalgramTestUserLong";
        /// Short-lived token of [`USER_ID`] (pages_show_list, pages_manage_metadata), issued
        /// 2026-11-20T11:00:00Z.
        pub const SHORT_TOKEN: &str = "EAAlocalgramTestUserShort";
        /// Token of [`USER_ID`] with public_profile only.
        pub const NO_PAGES_TOKEN: &str = "EAAlocalgramNoPagesScope";
        /// Token of [`USER_ID`] with pages_show_list only.
        pub const SHOW_LIST_TOKEN: &str = "EAAlocalgramShowListOnly";
        /// Token of [`REAL_ID`].
        pub const REAL_TOKEN: &str = "EAAlocalgramRealPerson";
        /// Token of [`CHECKPOINTED_ID`].
        pub const CHECKPOINTED_TOKEN: &str = "EAAlocalgramCheckpointed";
        /// Token of [`BLOCKED_ID`].
        pub const BLOCKED_TOKEN: &str = "EAAlocalgramBlocked";
        /// Token of [`MANY_ID`] (pages_show_list).
        pub const MANY_TOKEN: &str = "EAAlocalgramMany";
        /// A Page token of [`CAFE_PAGE`].
        pub const PAGE_TOKEN: &str = "EAAlocalgramCafePage";
    }

    /// A development-mode app with both Instagram products.
    pub const APP_ID: &str = "990602627938098";
    /// Its secret.
    pub const APP_SECRET: &str = "a1b2c3d4e5f60718";
    /// Its registered redirect URI (trailing slash included).
    pub const REDIRECT_URI: &str = "https://socialsizzle.example/auth/";
    /// A live app whose Instagram Login answers in the wrapped shape.
    pub const LIVE_APP_ID: &str = "990602627938099";
    /// Its secret.
    pub const LIVE_APP_SECRET: &str = "live-app-secret-1234";
    /// Its redirect URI.
    pub const LIVE_REDIRECT_URI: &str = "https://live.example/cb";
    /// An accepted tester of [`APP_ID`].
    pub const TESTER: &str = "jane.doe";
    /// Its id.
    pub const TESTER_ID: &str = "17841405793187218";
    /// Its password.
    pub const TESTER_PASSWORD: &str = "correct horse";
    /// A BUSINESS account, accepted tester of [`APP_ID`].
    pub const BUSINESS: &str = "sizzle.cafe";
    /// Its id.
    pub const BUSINESS_ID: &str = "17841405822304914";
    /// Its password.
    pub const BUSINESS_PASSWORD: &str = "espresso please";
    /// Invited to [`APP_ID`] but not accepted.
    pub const INVITED: &str = "bob.smith";
    /// Its password.
    pub const INVITED_PASSWORD: &str = "bob password";
    /// Not a tester of anything.
    pub const STRANGER: &str = "eve.stranger";
    /// Its password.
    pub const STRANGER_PASSWORD: &str = "eve password";
    /// A ready long-lived token of [`TESTER`] for [`APP_ID`], issued 2026-11-01T00:00:00Z.
    pub const LONG_LIVED_TOKEN: &str = "IGQVJlocalgramJaneLongLived";
}

/// Which database a test server runs on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backend {
    /// A fresh SQLite file in the temp directory.
    Sqlite,
    /// A fresh database on this PostgreSQL server (the URL of any database on it).
    Postgres(String),
}

impl Backend {
    /// SQLite always, and PostgreSQL when `LOCALGRAM_TEST_PG_URL` is set.
    pub fn all() -> Vec<Backend> {
        let mut v = vec![Backend::Sqlite];
        match std::env::var("LOCALGRAM_TEST_PG_URL") {
            Ok(url) if !url.is_empty() => v.push(Backend::Postgres(url)),
            _ => println!("{PG_SKIP_LINE}"),
        }
        v
    }

    /// A short name for messages.
    pub fn name(&self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres(_) => "postgres",
        }
    }
}

fn unique_name(prefix: &str) -> String {
    static N: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::UNIX_EPOCH
        .elapsed()
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{prefix}_{}_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed),
        nanos
    )
}

/// A database that exists for one test and is removed afterwards.
#[derive(Debug)]
pub struct TestDb {
    /// The URL the server uses.
    pub url: String,
    cleanup: Cleanup,
}

#[derive(Debug)]
enum Cleanup {
    /// Another server owns the database.
    Borrowed,
    File(PathBuf),
    Postgres {
        admin_url: String,
        name: String,
    },
}

impl TestDb {
    /// Creates a fresh database on `backend`.
    pub async fn create(backend: &Backend) -> anyhow::Result<Self> {
        match backend {
            Backend::Sqlite => {
                let path =
                    std::env::temp_dir().join(format!("{}.db", unique_name("localgram_test")));
                Ok(Self {
                    url: format!("sqlite://{}", path.display()),
                    cleanup: Cleanup::File(path),
                })
            }
            Backend::Postgres(admin_url) => {
                use sqlx::Connection;
                let name = unique_name("lg_test");
                let mut conn = sqlx::PgConnection::connect(admin_url).await?;
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&mut conn)
                    .await?;
                conn.close().await?;
                let mut url = url::Url::parse(admin_url)?;
                url.set_path(&format!("/{name}"));
                Ok(Self {
                    url: url.to_string(),
                    cleanup: Cleanup::Postgres {
                        admin_url: admin_url.clone(),
                        name,
                    },
                })
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::Borrowed => {}
            Cleanup::File(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Cleanup::Postgres { admin_url, name } => {
                let (admin_url, name) = (admin_url.clone(), name.clone());
                // Drop on a thread of its own: Drop may run inside a runtime.
                let _ = std::thread::spawn(move || {
                    let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                    else {
                        return;
                    };
                    rt.block_on(async {
                        use sqlx::Connection;
                        if let Ok(mut conn) = sqlx::PgConnection::connect(&admin_url).await {
                            let _ = sqlx::query(&format!(
                                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                            ))
                            .execute(&mut conn)
                            .await;
                            let _ = conn.close().await;
                        }
                    });
                })
                .join();
            }
        }
    }
}

/// How to start a [`TestServer`].
#[derive(Debug, Clone)]
pub struct TestOptions {
    /// The database.
    pub backend: Backend,
    /// A world to load at start (default: [`TEST_WORLD`]); `None` starts empty.
    pub world: Option<String>,
    /// Load the demo world on the empty database.
    pub demo: bool,
    /// Freeze the clock at this RFC 3339 instant (default: 2026-11-20T12:00:00Z).
    pub clock_start: Option<String>,
    /// Code lifetime in seconds.
    pub code_ttl_seconds: i64,
    /// `--admin-token`.
    pub admin_token: Option<String>,
    /// Any other configuration change (rate limits, media cap, …).
    pub configure: fn(&mut Config),
}

impl Default for TestOptions {
    fn default() -> Self {
        Self {
            backend: Backend::Sqlite,
            world: Some(TEST_WORLD.to_owned()),
            demo: false,
            clock_start: Some("2026-11-20T12:00:00Z".to_owned()),
            code_ttl_seconds: 3600,
            admin_token: None,
            configure: |_| {},
        }
    }
}

/// The real server on `127.0.0.1:0`, over a database of its own.
pub struct TestServer {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The address.
    pub addr: SocketAddr,
    /// The server's state: its platform and its clock.
    pub state: AppState,
    /// The server's store, to write fixtures straight into it (as another process would).
    pub store: std::sync::Arc<dyn localgram_core::store::Store>,
    /// The HTTPS listener's address, when `https_listen` was configured.
    pub https_addr: Option<SocketAddr>,
    /// The local CA's certificate (the proxy is on by default).
    pub ca_cert: Option<std::path::PathBuf>,
    shutdown: Option<oneshot::Sender<()>>,
    handle: Option<JoinHandle<anyhow::Result<()>>>,
    db: Option<TestDb>,
    options: TestOptions,
}

impl TestServer {
    /// A server on SQLite with the test world and a frozen clock.
    pub async fn spawn() -> Self {
        Self::spawn_with(TestOptions::default()).await
    }

    /// A server with these options.
    pub async fn spawn_with(options: TestOptions) -> Self {
        let db = TestDb::create(&options.backend)
            .await
            .expect("cannot create a test database");
        Self::start(options, db).await
    }

    async fn start(options: TestOptions, db: TestDb) -> Self {
        let world_path = options.world.as_ref().map(|w| {
            let path =
                std::env::temp_dir().join(format!("{}.toml", unique_name("localgram_world")));
            std::fs::write(&path, w).expect("cannot write the test world");
            path
        });
        let mut config = Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            database_url: db.url.clone(),
            world: world_path.clone(),
            no_demo: !options.demo,
            code_ttl_seconds: options.code_ttl_seconds,
            clock_start: options.clock_start.clone(),
            admin_token: options.admin_token.clone(),
            // One CA for every test server of this machine (created by the first).
            ca_dir: Some(std::env::temp_dir().join("localgram-test-ca")),
            ..Config::default()
        };
        (options.configure)(&mut config);
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .expect("cannot bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("no local address");
        let prepared = localgram_server::prepare(config, addr)
            .await
            .expect("the server cannot start");
        if let Some(p) = world_path {
            let _ = std::fs::remove_file(p);
        }
        let state = prepared.state.clone();
        let store = prepared.store.clone();
        let tls = prepared.report.tls.clone();
        let (tx, rx) = oneshot::channel::<()>();
        let handle = tokio::spawn(localgram_server::run(prepared, listener, async move {
            let _ = rx.await;
        }));
        Self {
            base: format!("http://{addr}"),
            addr,
            state,
            store,
            https_addr: tls.as_ref().and_then(|t| t.https_addr),
            ca_cert: tls.map(|t| t.ca_cert_path),
            shutdown: Some(tx),
            handle: Some(handle),
            db: Some(db),
            options,
        }
    }

    /// `base` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The server's clock.
    pub fn clock(&self) -> &localgram_core::clock::EmulatorClock {
        &self.state.clock
    }

    /// Advances the clock by `seconds`.
    pub fn advance(&self, seconds: i64) {
        self.state.clock.advance(seconds);
    }

    /// Stops the server gracefully and starts a new one on the same database (and a new port).
    pub async fn restart(mut self) -> Self {
        self.stop().await;
        let db = self.db.take().expect("the database is gone");
        let mut options = self.options.clone();
        options.world = None;
        Self::start(options, db).await
    }

    /// Stops the server and waits for it.
    pub async fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(h) = self.handle.take() {
            let _ = h.await;
        }
    }

    /// A second instance on this server's database (no world loaded, the same options
    /// otherwise), as behind a load balancer. The database stays this server's: it is dropped
    /// with it.
    pub async fn spawn_sharing(&self) -> Self {
        let db = TestDb {
            url: self.database_url().to_owned(),
            cleanup: Cleanup::Borrowed,
        };
        let mut options = self.options.clone();
        options.world = None;
        Self::start(options, db).await
    }

    /// A `localgram_client::Client` whose every Meta host is this server.
    pub fn sdk(&self) -> localgram_client::Client {
        localgram_client::Client::localgram(self.base.clone())
            .expect("the server's URL is a valid base URL")
    }

    /// Sends a control-plane request (`/_localgram/…`) with a JSON body, the admin token when
    /// one is set; panics unless it answers `expected`. The answer's JSON.
    async fn control(
        &self,
        method: reqwest::Method,
        path: &str,
        body: serde_json::Value,
        expected: u16,
    ) -> serde_json::Value {
        let mut req = client()
            .request(method.clone(), self.url(path))
            .header("content-type", "application/json")
            .body(body.to_string());
        if let Some(token) = &self.options.admin_token {
            req = req.bearer_auth(token);
        }
        let res = req
            .send()
            .await
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let status = res.status().as_u16();
        let text = res.text().await.unwrap_or_default();
        assert_eq!(status, expected, "{method} {path}: {text}");
        serde_json::from_str(&text).unwrap_or(serde_json::Value::Null)
    }

    /// `POST /_localgram/reset`: a fresh database holding the world the server started with.
    pub async fn reset(&self) {
        self.control(
            reqwest::Method::POST,
            "/_localgram/reset",
            serde_json::json!({}),
            200,
        )
        .await;
    }

    /// `POST /_localgram/reset` with `reload_world: false`: an empty emulator.
    pub async fn reset_empty(&self) {
        self.control(
            reqwest::Method::POST,
            "/_localgram/reset",
            serde_json::json!({"reload_world": false}),
            200,
        )
        .await;
    }

    /// The named snapshots of this server's state (`/_localgram/snapshots`).
    pub fn snapshots(&self) -> Snapshots<'_> {
        Snapshots { server: self }
    }

    /// The database URL (to inspect the stored state).
    pub fn database_url(&self) -> &str {
        self.db.as_ref().map(|d| d.url.as_str()).unwrap_or_default()
    }
}

/// The snapshots of a [`TestServer`] (see [`TestServer::snapshots`]).
#[derive(Clone, Copy)]
pub struct Snapshots<'a> {
    server: &'a TestServer,
}

impl Snapshots<'_> {
    /// Saves the current state under `name` (replacing a snapshot of that name).
    pub async fn save(&self, name: &str) {
        self.server
            .control(
                reqwest::Method::POST,
                "/_localgram/snapshots",
                serde_json::json!({ "name": name }),
                201,
            )
            .await;
    }

    /// Puts the state saved under `name` back (and the clock, if it was frozen).
    pub async fn restore(&self, name: &str) {
        self.server
            .control(
                reqwest::Method::POST,
                &format!("/_localgram/snapshots/{name}/restore"),
                serde_json::json!({}),
                200,
            )
            .await;
    }

    /// The names of the saved snapshots, sorted.
    pub async fn list(&self) -> Vec<String> {
        let body = self
            .server
            .control(
                reqwest::Method::GET,
                "/_localgram/snapshots",
                serde_json::Value::Null,
                200,
            )
            .await;
        body["data"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|s| s["name"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Deletes the snapshot `name`.
    pub async fn delete(&self, name: &str) {
        self.server
            .control(
                reqwest::Method::DELETE,
                &format!("/_localgram/snapshots/{name}"),
                serde_json::json!({}),
                200,
            )
            .await;
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(h) = self.handle.take() {
            h.abort();
        }
    }
}

/// A client like a browser without JavaScript: it keeps cookies and does not follow redirects.
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("cannot build an HTTP client")
}

/// A plain client that does not follow redirects.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("cannot build an HTTP client")
}

/// The value of `<input … name="NAME" value="VALUE">` in a page.
pub fn form_value(html: &str, name: &str) -> Option<String> {
    let needle = format!("name=\"{name}\" value=\"");
    let start = html.find(&needle)? + needle.len();
    let end = html[start..].find('"')? + start;
    Some(html_unescape(&html[start..end]))
}

/// Undoes askama's HTML escaping: the named entities `&amp;` `&lt;` `&gt;` `&quot;` `&apos;` and
/// numeric ones (`&#38;`, `&#x27;`, …), which askama 0.14 uses for `&`, `<`, `>`, `"` and `'`.
pub fn html_unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let decoded = rest.find(';').and_then(|end| {
            let entity = &rest[1..end];
            let c = match entity {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                _ => entity.strip_prefix('#').and_then(|n| {
                    match n.strip_prefix('x').or_else(|| n.strip_prefix('X')) {
                        Some(hex) => u32::from_str_radix(hex, 16).ok(),
                        None => n.parse::<u32>().ok(),
                    }
                    .and_then(char::from_u32)
                }),
            };
            c.map(|c| (c, end + 1))
        });
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The value of query parameter `name` in a URL.
pub fn query_value(url: &str, name: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    parsed
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}
