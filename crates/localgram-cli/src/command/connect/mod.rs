//! The connector commands: `login`, `logout`, `me`, `media`, `token`, `pages`. They reach the
//! APIs only through `localgram_client` (and `localgram_types`), never the server or core, so
//! they behave the same against Meta's hosts and against a Localgram server.
//!
//! Errors are [`CliError`]s: one line, and an exit code per class (see [`error`]).

mod callback;
pub mod error;
pub mod login;
pub mod logout;
pub mod me;
pub mod media;
mod output;
pub mod pages;
mod store;
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
        }
    }

    /// These options, completed by the environment.
    pub fn with_env(self) -> Globals {
        Globals {
            localgram: self.localgram.or_else(|| env_var("LOCALGRAM_URL")),
            token: self.token.or_else(|| env_var("LOCALGRAM_TOKEN")),
            no_throttle: self.no_throttle
                || env_var("LOCALGRAM_NO_THROTTLE").is_some_and(|v| v != "0" && v != "false"),
            connection: self.connection.or_else(|| env_var("LOCALGRAM_CONNECTION")),
            ..self
        }
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
        }
    }
}

/// Where the token in use came from.
#[derive(Debug, Clone)]
pub enum TokenSource {
    /// `--token` or `LOCALGRAM_TOKEN`.
    Given,
    /// The saved token file.
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
    /// The saved file's content, when it came from there.
    pub saved: Option<SavedToken>,
}

/// The token of `--token` / `LOCALGRAM_TOKEN`, else the saved one.
fn credentials(g: &Globals) -> Result<Credentials, CliError> {
    if let Some(token) = g.token.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        return Ok(Credentials {
            token: AccessToken::new(token),
            kind: TokenKind::guess(token),
            source: TokenSource::Given,
            saved: None,
        });
    }
    match store::load()? {
        Some((saved, path)) => Ok(Credentials {
            token: saved.access_token.clone(),
            kind: saved.kind,
            source: TokenSource::File(path),
            saved: Some(saved),
        }),
        None => Err(CliError::usage(
            "not logged in: run `localgram login instagram` (or `facebook`), or pass --token / \
             set LOCALGRAM_TOKEN",
        )),
    }
}

/// The server to talk to: `--localgram` / `LOCALGRAM_URL`, else the one the saved token came
/// from, else Meta's hosts (`None`).
fn server(g: &Globals, saved: Option<&SavedToken>) -> Option<String> {
    g.localgram()
        .map(str::to_owned)
        .or_else(|| saved.and_then(|s| s.base_url.clone()))
}

/// A client builder for `server` (Meta's hosts when `None`).
///
/// Against Meta the SDK's client-side throttle (100 calls per minute per token) stays on;
/// against a Localgram server it is off, since the emulator enforces the platform's rate limits
/// itself and answers them with codes 4, 17 and 80002. Retries are announced on stderr.
fn builder(g: &Globals, server: Option<&str>) -> ClientBuilder {
    error::set_target(server);
    let retry = RetryPolicy::default()
        .with_max_retries(g.retries())
        .on_retry(|event| {
            eprintln!(
                "note: retry {} in {:.1}s after: {}",
                event.retry,
                event.delay.as_secs_f64(),
                CliError::describe(event.error)
            );
        });
    let builder = Client::builder()
        .ignore_env()
        .user_agent(concat!("localgram-cli/", env!("CARGO_PKG_VERSION")))
        .retry(retry);
    match server {
        Some(url) => builder.localgram(url).no_throttle(),
        None => builder,
    }
}

/// A command's context: its client (holding the token) and its output.
pub struct Session {
    /// The client, with the token.
    pub client: Client,
    /// The token and where it came from.
    pub credentials: Credentials,
    /// The server (`None`: Meta's hosts).
    pub server: Option<String>,
    /// Standard output.
    pub out: output::Output,
}

impl Session {
    /// Resolves the token and the server, and builds the client.
    pub fn open(g: &Globals) -> Result<Self, CliError> {
        let credentials = credentials(g)?;
        let server = server(g, credentials.saved.as_ref());
        let client = builder(g, server.as_deref())
            .access_token(credentials.token.clone())
            .build()?;
        Ok(Self {
            client,
            credentials,
            server,
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
