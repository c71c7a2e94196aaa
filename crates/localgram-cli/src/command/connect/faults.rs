//! `localgram faults add|list|clear`: the fault rules of a Localgram server, through its control
//! plane (`/_localgram/faults`, docs/faults.md). The server is `--localgram` / `LOCALGRAM_URL`;
//! with `--admin-token` (or `LOCALGRAM_ADMIN_TOKEN`) the calls carry the admin bearer.

use clap::{Args, Subcommand};
use std::io::{Read as _, Write as _};

use super::Globals;
use super::error::{CliError, Kind};

/// `localgram faults`.
#[derive(Debug, Args)]
pub struct FaultsArgs {
    /// The Localgram server [env: LOCALGRAM_URL].
    #[arg(long = "localgram", value_name = "URL", global = true)]
    pub localgram: Option<String>,
    /// The server's `--admin-token` [env: LOCALGRAM_ADMIN_TOKEN].
    #[arg(long, value_name = "TOKEN", global = true)]
    admin_token: Option<String>,
    #[command(subcommand)]
    pub command: FaultsCommand,
}

impl FaultsArgs {
    /// The connector options given to the command.
    pub fn globals(&self) -> Globals {
        Globals {
            localgram: self.localgram.clone(),
            ..Globals::default()
        }
    }
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum FaultsCommand {
    /// Add a rule: a JSON object {"match", "when", "effect"} given as the argument, or `-` to
    /// read it from stdin. Prints the rule with its id.
    Add {
        /// The rule, or `-`.
        rule: String,
    },
    /// List the rules with how often each fired.
    List,
    /// Remove one rule (by id) or every rule.
    Clear {
        /// The rule's id; every rule when absent.
        id: Option<String>,
    },
}

fn network(e: &reqwest::Error) -> CliError {
    CliError::new(
        Kind::Network,
        format!("cannot reach the Localgram server: {e}"),
    )
}

/// Runs `localgram faults …`.
pub async fn run(g: &Globals, args: FaultsArgs) -> Result<(), CliError> {
    let base = g
        .localgram
        .as_deref()
        .map(|u| u.trim().trim_end_matches('/').to_owned())
        .filter(|u| !u.is_empty())
        .ok_or_else(|| {
            CliError::usage(
                "faults needs a Localgram server: give --localgram URL or set LOCALGRAM_URL",
            )
        })?;
    let admin = args.admin_token.clone().or_else(|| {
        std::env::var("LOCALGRAM_ADMIN_TOKEN")
            .ok()
            .filter(|t| !t.trim().is_empty())
    });
    let http = reqwest::Client::builder()
        .build()
        .map_err(|e| CliError::other(e.to_string()))?;
    let url = format!("{base}/_localgram/faults");
    let request = match args.command {
        FaultsCommand::Add { rule } => {
            let rule = if rule == "-" {
                let mut text = String::new();
                std::io::stdin().read_to_string(&mut text).map_err(|e| {
                    CliError::usage(format!("cannot read the rule from stdin: {e}"))
                })?;
                text
            } else {
                rule
            };
            serde_json::from_str::<serde_json::Value>(&rule)
                .map_err(|e| CliError::usage(format!("the rule is not JSON: {e}")))?;
            http.post(&url).body(rule)
        }
        FaultsCommand::List => http.get(&url),
        FaultsCommand::Clear { id: Some(id) } => http.delete(format!("{url}/{}", urlencode(&id))),
        FaultsCommand::Clear { id: None } => http.delete(&url),
    }
    .header(reqwest::header::CONTENT_TYPE, "application/json");
    let request = match admin {
        Some(token) => request.bearer_auth(token.trim()),
        None => request,
    };
    let res = request.send().await.map_err(|e| network(&e))?;
    let status = res.status();
    let body: serde_json::Value = res.json().await.map_err(|e| network(&e))?;
    if !status.is_success() {
        let message = body["error"]
            .as_str()
            .unwrap_or("the server refused the call");
        return Err(CliError::new(Kind::Api, format!("{} ({status})", message)));
    }
    let text = serde_json::to_string_pretty(&body).map_err(|e| CliError::other(e.to_string()))?;
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{text}").and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
            Err(CliError::new(Kind::BrokenPipe, ""))
        }
        Err(e) => Err(CliError::other(e.to_string())),
        Ok(()) => Ok(()),
    }
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
