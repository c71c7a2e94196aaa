//! The server's configuration. `localgram-cli` layers it (defaults, `localgram.toml`,
//! `LOCALGRAM_*` variables, flags) and checks each value; this type is what comes out.

use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::PathBuf;

/// Log output format.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Pretty,
    /// One JSON object per line.
    Json,
}

/// SQLite's `synchronous` setting (README, `--sqlite-synchronous`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SqliteSync {
    /// One fsync per commit: acknowledged writes survive power loss (the default).
    #[default]
    Full,
    /// Survives process crashes; may lose the last commits on power loss or an OS crash.
    Normal,
}

/// Everything `serve` needs.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address to listen on (port 0 picks a free port).
    pub listen: SocketAddr,
    /// `sqlite://FILE` (created if missing) or `postgres://…`.
    pub database_url: String,
    /// The public base URL used in every absolute URL the server emits; defaults to
    /// `http://<listen address>`.
    pub public_url: Option<String>,
    /// A world file to load at start.
    pub world: Option<PathBuf>,
    /// A world file (an export, say) whose state replaces the database's at start, before
    /// `world`; a reset loads it again (docs/state.md#import-and-export-on-exit).
    pub import: Option<PathBuf>,
    /// Where the state is exported as a world file when the server stops.
    pub export_on_exit: Option<PathBuf>,
    /// Do not load the demo world on an empty database.
    pub no_demo: bool,
    /// Do not run migrations at start.
    pub no_migrate: bool,
    /// When set, `/_localgram/*` requires `Authorization: Bearer <token>` (and is then reachable
    /// from any address); otherwise it is reachable from the loopback only.
    pub admin_token: Option<String>,
    /// Log format.
    pub log_format: LogFormat,
    /// Authorization code lifetime in seconds (3600 as Instagram; 600 is the RFC 6749 ceiling).
    pub code_ttl_seconds: i64,
    /// SQLite durability.
    pub sqlite_synchronous: SqliteSync,
    /// Start the test clock frozen at this RFC 3339 instant.
    pub clock_start: Option<String>,
    /// Default Platform limit: calls of one app per rolling hour (code 4).
    pub rate_limit_app_per_hour: i64,
    /// Default Platform limit: calls of one app-and-user pair per rolling hour (code 17).
    pub rate_limit_user_per_hour: i64,
    /// Default Business Use Case limit: calls of one app-and-account pair per 24 hours (80002).
    pub rate_limit_business_per_day: i64,
    /// How many of an account's most recent media the media edge reaches (10,000 as Meta).
    pub max_listed_media: i64,
    /// Seconds a client has to send a request's header, counted from when the connection is
    /// ready for it (so it also closes connections that send nothing).
    pub header_read_timeout_seconds: u64,
    /// Seconds a connection may stay silent, with no request in progress, before it is closed
    /// (the keep-alive timeout).
    pub idle_timeout_seconds: u64,
    /// Connections served at once; beyond, a connection gets 503 at once. 0: three quarters of
    /// the process's open-file limit.
    pub max_connections: u64,
    /// Threads that serve connections, each with a single-threaded runtime. 0: three per
    /// processor the process may use.
    pub connection_threads: u64,
    /// Seconds a stop (SIGTERM, Ctrl-C) waits for in-flight requests before closing what is left.
    pub shutdown_grace_seconds: u64,
    /// Start the `fbtrace_id` sequence from this seed (reproducible ids, for tests) instead of a
    /// random one per process.
    pub fbtrace_seed: Option<u64>,
    /// Also serve HTTPS on this address, for Meta's host names (`docs/tls.md`).
    pub https_listen: Option<SocketAddr>,
    /// Where the local CA is kept; by default `localgram-ca/` beside the SQLite file, or in the
    /// user's data directory.
    pub ca_dir: Option<PathBuf>,
    /// Do not answer `CONNECT` (and absolute-form requests) on the plain listener; without
    /// `https_listen`, the CA is then not used at all.
    pub no_proxy: bool,
    /// How many calls the request journal keeps (oldest dropped first).
    pub journal_size: i64,
    /// Posts one account may publish through the API per rolling 24 hours (Meta: 50).
    pub publish_quota: i64,
    /// Accept `image_url` / `video_url` on any host and make the file up, instead of answering
    /// Meta's "media could not be fetched" error for hosts other than Localgram and the loopback.
    pub accept_any_media_url: bool,
    /// Hosts besides the loopback that webhook callbacks may be on (`docs/webhooks.md#callback-hosts`).
    pub webhook_allow_hosts: Vec<String>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8090)),
            database_url: "sqlite://localgram.db".into(),
            public_url: None,
            world: None,
            import: None,
            export_on_exit: None,
            no_demo: false,
            no_migrate: false,
            admin_token: None,
            log_format: LogFormat::Pretty,
            code_ttl_seconds: 3600,
            sqlite_synchronous: SqliteSync::Full,
            clock_start: None,
            rate_limit_app_per_hour: 20_000,
            rate_limit_user_per_hour: 4_800,
            rate_limit_business_per_day: 48_000,
            max_listed_media: 10_000,
            header_read_timeout_seconds: 10,
            idle_timeout_seconds: 5,
            max_connections: 0,
            connection_threads: 0,
            shutdown_grace_seconds: 10,
            fbtrace_seed: None,
            https_listen: None,
            ca_dir: None,
            no_proxy: false,
            journal_size: 1000,
            publish_quota: localgram_core::publishing::DEFAULT_PUBLISH_QUOTA,
            accept_any_media_url: false,
            webhook_allow_hosts: Vec::new(),
        }
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("listen", &self.listen)
            .field("database_url", &redact_url_password(&self.database_url))
            .field("public_url", &self.public_url)
            .field("world", &self.world)
            .field("import", &self.import)
            .field("export_on_exit", &self.export_on_exit)
            .field("no_demo", &self.no_demo)
            .field("no_migrate", &self.no_migrate)
            .field(
                "admin_token",
                &self.admin_token.as_ref().map(|_| "[redacted]"),
            )
            .field("log_format", &self.log_format)
            .field("code_ttl_seconds", &self.code_ttl_seconds)
            .field("sqlite_synchronous", &self.sqlite_synchronous)
            .field("clock_start", &self.clock_start)
            .field("rate_limit_app_per_hour", &self.rate_limit_app_per_hour)
            .field("rate_limit_user_per_hour", &self.rate_limit_user_per_hour)
            .field(
                "rate_limit_business_per_day",
                &self.rate_limit_business_per_day,
            )
            .field("max_listed_media", &self.max_listed_media)
            .field(
                "header_read_timeout_seconds",
                &self.header_read_timeout_seconds,
            )
            .field("idle_timeout_seconds", &self.idle_timeout_seconds)
            .field("max_connections", &self.max_connections)
            .field("connection_threads", &self.connection_threads)
            .field("shutdown_grace_seconds", &self.shutdown_grace_seconds)
            .field("fbtrace_seed", &self.fbtrace_seed)
            .field("https_listen", &self.https_listen)
            .field("ca_dir", &self.ca_dir)
            .field("no_proxy", &self.no_proxy)
            .field("journal_size", &self.journal_size)
            .field("publish_quota", &self.publish_quota)
            .field("accept_any_media_url", &self.accept_any_media_url)
            .field("webhook_allow_hosts", &self.webhook_allow_hosts)
            .finish()
    }
}

/// A database URL with any password replaced by `[redacted]`.
pub fn redact_url_password(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("[redacted]"));
            u.to_string()
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_database_password_or_admin_token() {
        let c = Config {
            database_url: "postgres://app:s3cret@db.example/localgram".into(),
            admin_token: Some("admin-s3cret".into()),
            ..Config::default()
        };
        let shown = format!("{c:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(
            shown.contains("postgres://app:%5Bredacted%5D@db.example/localgram"),
            "{shown}"
        );
    }
}
