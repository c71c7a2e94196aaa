//! The connector commands: `login`, `logout`, `me`, `media`, `token`, `pages`. They reach the
//! APIs only through `localgram_client` (and `localgram_types`), never the server or core, so
//! they behave the same against Meta's hosts and against a Localgram server.
//!
//! Errors are [`CliError`]s: one line, and an exit code per class (see [`error`]).

mod callback;
pub mod error;
pub mod faults;
pub mod login;
pub mod logout;
pub mod me;
pub mod media;
mod output;
pub mod pages;
pub mod publishing;
mod store;
mod throttle;
mod time;
pub mod token;

use std::path::PathBuf;

use clap::Args;
use localgram_client::{AccessToken, Client, ClientBuilder, RetryPolicy};

pub use error::{CliError, exit_code};
use store::{SavedToken, TokenKind};

/// The connector options of a command, resolved: its own flags, then those given before the
/// subcommand, then the environment.
#[derive(Debug, Clone, Default)]
pub struct Globals {
    /// `--localgram` / `LOCALGRAM_URL`.
    pub localgram: Option<String>,
    /// `--token` / `LOCALGRAM_TOKEN`.
    pub token: Option<String>,
    /// `--json`.
    pub json: bool,
    /// `--retries` (default 3).
    pub retries: Option<u32>,
    /// `--no-throttle` / `LOCALGRAM_NO_THROTTLE`.
    pub no_throttle: bool,
    /// `--connection` / `LOCALGRAM_CONNECTION`.
    pub connection: Option<String>,
    /// `--ca-cert` / `LOCALGRAM_CA_CERT`: a CA certificate (PEM) to trust besides the public
    /// roots.
    pub ca_cert: Option<PathBuf>,
}

/// An environment variable's value, when set and not blank.
fn env_var(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

impl Globals {
    /// These options, completed by `other`'s.
    pub fn or(self, other: Globals) -> Globals {
        Globals {
            localgram: self.localgram.or(other.localgram),
            token: self.token.or(other.token),
            json: self.json || other.json,
            retries: self.retries.or(other.retries),
            no_throttle: self.no_throttle || other.no_throttle,
            connection: self.connection.or(other.connection),
            ca_cert: self.ca_cert.or(other.ca_cert),
        }
    }

    /// These options, completed by the environment; a bad server URL or switch is a usage
    /// error naming the flag or variable it came from.
    pub fn with_env(self) -> Result<Globals, CliError> {
        let (localgram, origin) = match self.localgram.filter(|u| !u.trim().is_empty()) {
            Some(url) => (Some(url), "--localgram"),
            None => (env_var("LOCALGRAM_URL"), "LOCALGRAM_URL"),
        };
        if let Some(url) = &localgram {
            let url = url.trim();
            let ok = url::Url::parse(url)
                .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some());
            if !ok {
                return Err(CliError::usage(format!(
                    "invalid value {url:?} for {origin}: expected the http:// or https:// URL of a \
                     Localgram server, such as http://127.0.0.1:8090"
                )));
            }
        }
        let no_throttle = match env_var("LOCALGRAM_NO_THROTTLE").as_deref() {
            _ if self.no_throttle => true,
            None | Some("0" | "false") => false,
            Some("1" | "true") => true,
            Some(other) => {
                return Err(CliError::usage(format!(
                    "invalid value {other:?} for LOCALGRAM_NO_THROTTLE: expected 1, true, 0 or false"
                )));
            }
        };
        Ok(Globals {
            localgram,
            token: self.token.or_else(|| env_var("LOCALGRAM_TOKEN")),
            no_throttle,
            connection: self.connection.or_else(|| env_var("LOCALGRAM_CONNECTION")),
            ca_cert: self
                .ca_cert
                .or_else(|| env_var("LOCALGRAM_CA_CERT").map(PathBuf::from)),
            ..self
        })
    }

    fn localgram(&self) -> Option<&str> {
        self.localgram
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
    }

    fn retries(&self) -> u32 {
        self.retries.unwrap_or(3)
    }
}

/// The options of the commands that call the API (`me`, `media`, `token`, `pages`).
#[derive(Debug, Clone, Args)]
pub struct ApiOptions {
    /// Talk to this Localgram server instead of Meta's hosts [env: LOCALGRAM_URL] [default: the
    /// server of the connection in use].
    #[arg(long = "localgram", value_name = "URL", global = true)]
    pub localgram: Option<String>,
    /// Use this access token instead of a saved connection's [env: LOCALGRAM_TOKEN].
    #[arg(long, value_name = "TOKEN", global = true)]
    pub token: Option<String>,
    /// The saved connection to use [env: LOCALGRAM_CONNECTION] [default: the one for the
    /// server, or the only one].
    #[arg(long, value_name = "NAME", global = true)]
    pub connection: Option<String>,
    /// Print JSON: one object per line for lists.
    #[arg(long, global = true)]
    pub json: bool,
    /// How often to retry a call after a transient error or a rate limit [default: 3].
    #[arg(long, value_name = "N", global = true)]
    pub retries: Option<u32>,
    /// Do not hold calls to 100 per connection per 60 seconds (for load tests)
    /// [env: LOCALGRAM_NO_THROTTLE=1].
    #[arg(long, global = true)]
    pub no_throttle: bool,
    /// Trust this CA certificate (PEM) besides the public roots, such as a Localgram server's
    /// (`localgram ca --path`) [env: LOCALGRAM_CA_CERT].
    #[arg(long, value_name = "FILE", global = true)]
    pub ca_cert: Option<PathBuf>,
}

impl ApiOptions {
    /// As [`Globals`].
    pub fn globals(&self) -> Globals {
        Globals {
            localgram: self.localgram.clone(),
            token: self.token.clone(),
            json: self.json,
            retries: self.retries,
            no_throttle: self.no_throttle,
            connection: self.connection.clone(),
            ca_cert: self.ca_cert.clone(),
        }
    }
}

/// Where the token in use came from.
#[derive(Debug, Clone)]
pub enum TokenSource {
    /// `--token` or `LOCALGRAM_TOKEN`.
    Given,
    /// A saved connection's file.
    File(PathBuf),
}

/// The token a command runs with.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// The token.
    pub token: AccessToken,
    /// What it is for.
    pub kind: TokenKind,
    /// Where it came from.
    pub source: TokenSource,
    /// The saved connection's name and content, when it came from one.
    pub saved: Option<SavedToken>,
    /// The connection's name: the saved one's, or the one `--connection` names for a given
    /// token.
    pub connection: Option<String>,
}

/// Which token a command needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// An Instagram token (graph.instagram.com).
    Instagram,
    /// A Facebook token (graph.facebook.com).
    Facebook,
    /// Either; an Instagram one when both are saved.
    Any,
}

impl Need {
    fn accepts(self, kind: TokenKind) -> bool {
        match self {
            Need::Instagram => !kind.is_facebook(),
            Need::Facebook => kind.is_facebook(),
            Need::Any => true,
        }
    }

    fn login(self) -> &'static str {
        match self {
            Need::Facebook => "localgram login facebook",
            _ => "localgram login instagram",
        }
    }

    /// `an Instagram` or `a Facebook`.
    fn a_platform(self) -> &'static str {
        match self {
            Need::Facebook => "a Facebook",
            _ => "an Instagram",
        }
    }
}

/// The token of `--token` / `LOCALGRAM_TOKEN`, else a saved connection's: the one
/// `--connection` names, else the one named after what the command needs (`instagram`,
/// `facebook`), else the only one of that kind.
fn credentials(g: &Globals, need: Need) -> Result<Credentials, CliError> {
    let named = g
        .connection
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty());
    if let Some(name) = named {
        store::check_name(name)?;
    }
    if let Some(token) = g.token.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        return Ok(Credentials {
            token: AccessToken::new(token),
            kind: TokenKind::guess(token),
            source: TokenSource::Given,
            saved: None,
            connection: named.map(str::to_owned),
        });
    }
    let connections = store::list()?;
    let names = || {
        connections
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let chosen = if let Some(name) = named {
        let Some(c) = connections.iter().find(|c| c.name == name) else {
            return Err(CliError::usage(if connections.is_empty() {
                format!(
                    "no saved connection {name:?}: there is none; run `{}`",
                    need.login()
                )
            } else {
                format!("no saved connection {name:?} (saved: {})", names())
            }));
        };
        if !need.accepts(c.saved.kind) {
            return Err(CliError::usage(format!(
                "the connection {name:?} holds a {} token, and this command needs {} one: \
                 run `{}` or choose another with --connection",
                c.saved.kind.platform(),
                need.a_platform(),
                need.login()
            )));
        }
        c
    } else {
        let preferred = match need {
            Need::Facebook => "facebook",
            _ => "instagram",
        };
        let fits: Vec<&store::Connection> = connections
            .iter()
            .filter(|c| need.accepts(c.saved.kind))
            .collect();
        let by_name = fits.iter().find(|c| c.name == preferred).copied();
        let by_kind = fits
            .iter()
            .find(|c| c.saved.kind.default_name() == preferred)
            .copied();
        match by_name.or(by_kind).or(fits.first().copied()) {
            Some(c) => c,
            None if connections.is_empty() => {
                return Err(CliError::usage(
                    "not logged in: run `localgram login instagram` (or `facebook`), or pass \
                     --token / set LOCALGRAM_TOKEN",
                ));
            }
            None => {
                let other = if need == Need::Facebook {
                    "Instagram"
                } else {
                    "Facebook"
                };
                return Err(CliError::usage(format!(
                    "this command needs {} token, but only {other} connections are saved \
                     ({}): run `{}`",
                    need.a_platform(),
                    names(),
                    need.login()
                )));
            }
        }
    };
    Ok(Credentials {
        token: chosen.saved.access_token.clone(),
        kind: chosen.saved.kind,
        source: TokenSource::File(chosen.path.clone()),
        saved: Some(chosen.saved.clone()),
        connection: Some(chosen.name.clone()),
    })
}

/// The server to talk to: `--localgram` / `LOCALGRAM_URL`, else the one the saved token came
/// from, else Meta's hosts (`None`).
fn server(g: &Globals, saved: Option<&SavedToken>) -> Option<String> {
    g.localgram()
        .map(str::to_owned)
        .or_else(|| saved.and_then(|s| s.base_url.clone()))
}

/// A client builder for `server` (Meta's hosts when `None`), with retries announced on stderr.
///
/// The SDK's own throttle (in this process only) is off: calls with a connection's token go
/// through `window` instead, the connection's call window shared by every process that uses it
/// (100 calls per 60 s, against Meta and against Localgram alike), unless `--no-throttle`.
fn builder(g: &Globals, server: Option<&str>, window: Option<throttle::Window>) -> ClientBuilder {
    error::set_target(server);
    let retry = RetryPolicy::default()
        .with_max_retries(g.retries())
        .on_retry(|event| {
            output::note(&format!(
                "note: retry {} in {:.1}s after: {}",
                event.retry,
                event.delay.as_secs_f64(),
                CliError::describe(event.error)
            ));
        });
    let ca_pem = g.ca_cert.as_ref().and_then(|p| match std::fs::read(p) {
        Ok(pem) => Some(pem),
        Err(e) => {
            output::note(&format!(
                "warning: cannot read the CA certificate {}: {e}",
                p.display()
            ));
            None
        }
    });
    let mut builder = Client::builder()
        .ignore_env()
        .user_agent(USER_AGENT)
        .retry(retry)
        .no_throttle();
    if let Some(pem) = &ca_pem {
        builder = builder.ca_cert_pem(pem.clone());
    }
    if let Some(url) = server {
        builder = builder.localgram(url);
    }
    match window {
        Some(window) if !g.no_throttle => builder.http_client(throttle::Throttled::new(
            window,
            USER_AGENT,
            ca_pem.as_deref(),
        )),
        _ => builder,
    }
}

/// The `User-Agent` of the connector's calls.
const USER_AGENT: &str = concat!("localgram-cli/", env!("CARGO_PKG_VERSION"));

/// A command's context: its client (holding the token) and its output.
pub struct Session {
    /// The client, with the token.
    pub client: Client,
    /// The token and where it came from.
    pub credentials: Credentials,
    /// The server (`None`: Meta's hosts).
    pub server: Option<String>,
    /// The connection's call window (`None` with `--no-throttle`).
    pub window: Option<throttle::Window>,
    /// Standard output.
    pub out: output::Output,
}

impl Session {
    /// Resolves the token and the server, and builds the client.
    pub fn open(g: &Globals, need: Need) -> Result<Self, CliError> {
        let credentials = credentials(g, need)?;
        let server = server(g, credentials.saved.as_ref());
        let window = if g.no_throttle {
            None
        } else {
            Some(throttle::Window::for_credentials(&credentials)?)
        };
        let client = builder(g, server.as_deref(), window.clone())
            .access_token(credentials.token.clone())
            .build()?;
        Ok(Self {
            client,
            credentials,
            server,
            window,
            out: output::Output::new(g.json),
        })
    }
}

/// Runs a connector command to its end: output flushed, and a closed stdout (`| head`) counted
/// as success.
pub async fn finish(
    result: impl std::future::Future<Output = Result<(), CliError>>,
) -> anyhow::Result<()> {
    match result.await {
        Err(e) if e.kind() == error::Kind::BrokenPipe => Ok(()),
        Err(e) => Err(e.into()),
        Ok(()) => Ok(()),
    }
}
