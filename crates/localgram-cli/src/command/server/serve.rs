//! `localgram serve`.

use clap::Args;
use localgram_server::config::LogFormat;
use std::path::PathBuf;

use crate::config::Given;
use tokio::net::TcpListener;

/// Flags of `localgram serve`; each overrides the file and the environment. Values are taken as
/// text and checked by [`crate::config`], whatever layer they come from.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// A configuration file [default: ./localgram.toml when it exists].
    #[arg(long, value_name = "FILE", env = "LOCALGRAM_CONFIG")]
    pub config: Option<PathBuf>,
    /// Address to listen on (port 0 picks a free port) [default: 127.0.0.1:8090].
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<String>,
    /// sqlite://FILE (created if missing) or postgres://… [default: sqlite://localgram.db].
    #[arg(long, value_name = "URL")]
    pub database_url: Option<String>,
    /// Base URL used in every absolute URL the server emits [default: http://<listen>].
    #[arg(long, value_name = "URL")]
    pub public_url: Option<String>,
    /// A world file (TOML or JSON) to load at start.
    #[arg(long, value_name = "FILE")]
    pub world: Option<String>,
    /// A world file (an export of GET /_localgram/world, say) whose state replaces the
    /// database's at start; a missing file is an error unless it is the --export-on-exit file.
    #[arg(long, value_name = "FILE")]
    pub import: Option<String>,
    /// Export the state to this world file (JSON for .json, else TOML) when the server stops.
    #[arg(long, value_name = "FILE")]
    pub export_on_exit: Option<String>,
    /// Do not load the demo world on an empty database.
    #[arg(long)]
    pub no_demo: bool,
    /// Do not run migrations at start.
    #[arg(long)]
    pub no_migrate: bool,
    /// Require this Bearer token on /_localgram/* (and accept it from any address).
    #[arg(long, value_name = "TOKEN")]
    pub admin_token: Option<String>,
    /// Request log format: pretty or json [default: pretty].
    #[arg(long, value_name = "FORMAT")]
    pub log_format: Option<String>,
    /// Authorization code lifetime in seconds, 1 to 86400 [default: 3600].
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub code_ttl_seconds: Option<String>,
    /// full or normal [default: full].
    #[arg(long, value_name = "MODE")]
    pub sqlite_synchronous: Option<String>,
    /// Start the test clock frozen at this RFC 3339 instant.
    #[arg(long, value_name = "TIME")]
    pub clock_start: Option<String>,
    /// Default calls of one app per rolling hour, Basic Display (code 4) [default: 20000].
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub rate_limit_app_per_hour: Option<String>,
    /// Default calls of one app-and-user pair per rolling hour, Basic Display (code 17) [default: 4800].
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub rate_limit_user_per_hour: Option<String>,
    /// Default calls of one app-and-account pair per 24 hours, Instagram Login (code 80002) [default: 48000].
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub rate_limit_business_per_day: Option<String>,
    /// How many of an account's most recent media the media edge reaches [default: 10000].
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub max_listed_media: Option<String>,
    /// Posts one account may publish through the API per rolling 24 hours [default: 50].
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub publish_quota: Option<String>,
    /// Accept image_url / video_url on any host and make the file up (otherwise only Localgram
    /// itself and the loopback are fetched).
    #[arg(long)]
    pub accept_any_media_url: bool,
    /// Hosts besides the loopback that webhook callback URLs may be on, comma-separated.
    #[arg(long, value_name = "HOSTS")]
    pub webhook_allow_host: Option<String>,
    /// Start the fbtrace_id sequence from this seed (the same ids every run, for tests).
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub fbtrace_seed: Option<String>,
    /// Seconds a client has to send a request's header [default: 10].
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub header_read_timeout_seconds: Option<String>,
    /// Seconds a connection may stay silent with no request in progress [default: 5].
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub idle_timeout_seconds: Option<String>,
    /// Connections served at once, beyond which a connection gets 503; 0: three quarters of the
    /// open-file limit [default: 0].
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub max_connections: Option<String>,
    /// Threads that serve connections, up to 1024; 0: three per processor [default: 0].
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub connection_threads: Option<String>,
    /// Seconds a stop waits for in-flight requests; a second signal stops at once [default: 10].
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub shutdown_grace_seconds: Option<String>,
    /// Also serve HTTPS on this address, for Meta's host names, with the local CA's certificate.
    #[arg(long, value_name = "ADDR")]
    pub https_listen: Option<String>,
    /// Where the local CA is kept [default: localgram-ca/ beside the SQLite file].
    #[arg(long, value_name = "DIR")]
    pub ca_dir: Option<String>,
    /// Do not answer HTTP CONNECT (the proxy for the Meta hosts) on the listen address.
    #[arg(long)]
    pub no_proxy: bool,
}

impl ServeArgs {
    fn flags(&self) -> Vec<Given> {
        let mut flags = Vec::new();
        let texts = [
            ("listen", &self.listen),
            ("database_url", &self.database_url),
            ("public_url", &self.public_url),
            ("world", &self.world),
            ("import", &self.import),
            ("export_on_exit", &self.export_on_exit),
            ("admin_token", &self.admin_token),
            ("log_format", &self.log_format),
            ("code_ttl_seconds", &self.code_ttl_seconds),
            ("sqlite_synchronous", &self.sqlite_synchronous),
            ("clock_start", &self.clock_start),
            ("rate_limit_app_per_hour", &self.rate_limit_app_per_hour),
            ("rate_limit_user_per_hour", &self.rate_limit_user_per_hour),
            (
                "rate_limit_business_per_day",
                &self.rate_limit_business_per_day,
            ),
            ("max_listed_media", &self.max_listed_media),
            ("fbtrace_seed", &self.fbtrace_seed),
            ("publish_quota", &self.publish_quota),
            ("webhook_allow_host", &self.webhook_allow_host),
            (
                "header_read_timeout_seconds",
                &self.header_read_timeout_seconds,
            ),
            ("idle_timeout_seconds", &self.idle_timeout_seconds),
            ("max_connections", &self.max_connections),
            ("connection_threads", &self.connection_threads),
            ("shutdown_grace_seconds", &self.shutdown_grace_seconds),
            ("https_listen", &self.https_listen),
            ("ca_dir", &self.ca_dir),
        ];
        for (key, value) in texts {
            if let Some(v) = value {
                flags.push(Given::flag(key, toml::Value::String(v.clone())));
            }
        }
        for (key, set) in [
            ("no_demo", self.no_demo),
            ("no_migrate", self.no_migrate),
            ("no_proxy", self.no_proxy),
            ("accept_any_media_url", self.accept_any_media_url),
        ] {
            if set {
                flags.push(Given::flag(key, toml::Value::Boolean(true)));
            }
        }
        flags
    }
}

/// Sets up logging: `LOCALGRAM_LOG` (an env-filter directive) or `info`, to stderr.
///
/// Lines are appended to a buffer in memory that a writer thread writes out every few
/// milliseconds (see [`super::log_writer`]); nothing is dropped. The returned guard writes what
/// is left when it is dropped, so keep it until the server has stopped.
pub fn init_logging(format: LogFormat) -> super::log_writer::FlushGuard {
    use tracing_subscriber::EnvFilter;
    let directives = std::env::var("LOCALGRAM_LOG").ok();
    let filter = directives
        .as_deref()
        .and_then(|d| EnvFilter::try_new(d).ok())
        .unwrap_or_else(|| EnvFilter::new("info,sqlx=warn"));
    use std::io::IsTerminal;
    let ansi = std::io::stderr().is_terminal();
    let (writer, guard) = super::log_writer::LogWriter::new(std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(writer.clone());
    let installed = match format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Pretty => builder
            .event_format(super::log_format::PrettyFormat::new())
            .try_init(),
    };
    // Access lines skip the event where the format writes them plainly and the filter decides
    // by target and level alone (span and field directives are written in brackets).
    if installed.is_ok()
        && format == LogFormat::Pretty
        && !ansi
        && !directives.is_some_and(|d| d.contains('['))
    {
        localgram_server::http::logging::set_access_log(Box::new(
            super::log_format::DirectAccessLog::new(writer),
        ));
    }
    guard
}

/// Gives the memory start-up used and freed back to the system. Hashing the world's passwords
/// (argon2id works in 19 MiB per hash) and loading its media leave the allocator holding pages
/// it would otherwise purge only at its next busy moment, so an idle server would keep them
/// (`docs/benchmarks.md#start-up-and-memory`).
fn release_start_up_memory() {
    // SAFETY: `mi_collect` only walks the allocator's own free lists; it takes no pointer.
    unsafe { libmimalloc_sys::mi_collect(true) };
}

/// mimalloc's `mi_option_purge_delay` (its place in `mi_option_e`, the same in mimalloc 2 and 3):
/// how long freed memory waits before it goes back to the system (a second by default).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Makes freed memory go back to the system at once while start-up runs, and puts the
/// allocator's own delay back when the returned guard is dropped. Memory freed during start-up
/// on a thread that then idles (the world's passwords hash on a blocking thread) would otherwise
/// wait for that thread's next allocation to be given back, which an idle server never makes.
fn purge_at_once_during_start_up() -> impl Drop {
    struct Restore(std::ffi::c_long);
    impl Drop for Restore {
        fn drop(&mut self) {
            // SAFETY: setting an option takes no pointer.
            unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, self.0) };
        }
    }
    // SAFETY: reading and setting an option take no pointer.
    let delay = unsafe {
        let delay = libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY);
        libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0);
        delay
    };
    Restore(delay)
}

/// Resolves at the next SIGINT (Ctrl-C) or SIGTERM.
async fn stop_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

/// Resolves at the first stop signal; a second one ends the process at once, without waiting for
/// the drain.
async fn shutdown_signal() {
    stop_signal().await;
    tracing::info!("shutting down: draining in-flight requests (a second signal stops at once)");
    tokio::spawn(async {
        stop_signal().await;
        eprintln!("second signal: stopping at once");
        std::process::exit(130);
    });
}

/// Runs the emulator until SIGINT or SIGTERM.
pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    let config = crate::config::load(args.config.as_deref(), args.flags())?;
    let _log_guard = init_logging(config.log_format);
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.listen))?;
    let addr = listener.local_addr()?;
    let purging = purge_at_once_during_start_up();
    let prepared = localgram_server::prepare(config, addr).await?;
    release_start_up_memory();
    drop(purging);
    let report = &prepared.report;
    println!("listening on http://{addr}");
    println!(
        "public URL: {} · database: {}",
        report.public_url, report.backend
    );
    if let Some(world) = &report.world {
        println!(
            "world loaded: {} apps, {} instagram users, {} media, {} facebook users, {} pages, {} tokens",
            world.apps,
            world.instagram_users,
            world.media,
            world.facebook_users,
            world.pages,
            world.tokens
        );
    }
    if let Some(demo) = &report.demo {
        println!("{}", demo.banner(&report.public_url));
    }
    if let Some(tls) = &report.tls {
        if let Some(https) = tls.https_addr {
            println!("HTTPS listening on https://{https} (Meta's host names, by SNI and Host)");
        }
        println!(
            "TLS: CA certificate {}\nfor clients with hard-coded hosts, in their shell: eval \"$(localgram env)\", which sets:\n{}",
            tls.ca_cert_path.display(),
            tls.env_lines().trim_end()
        );
    }
    use std::io::Write as _;
    let _ = std::io::stdout().flush();
    localgram_server::run(prepared, listener, shutdown_signal()).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_up_purges_at_once_then_puts_the_allocators_delay_back() {
        // SAFETY: reading an option takes no pointer.
        let get = || unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) };
        // The option at that place is the purge delay: mimalloc 3's default, a second.
        assert_eq!(get(), 1000);
        let purging = purge_at_once_during_start_up();
        assert_eq!(get(), 0);
        drop(purging);
        assert_eq!(get(), 1000);
    }
}
