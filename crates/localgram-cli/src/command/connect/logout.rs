//! `localgram logout`: forgets a saved connection. (Instagram has no revocation endpoint for user
//! tokens; the token itself stays valid until it expires or the user removes the app.)

use clap::Args;
use serde_json::json;

use super::Globals;
use super::error::CliError;
use super::output::Output;
use super::store;

/// `localgram logout`.
#[derive(Debug, Args)]
pub struct LogoutArgs {
    /// The saved connection to forget [env: LOCALGRAM_CONNECTION] [default: the only one].
    #[arg(long, value_name = "NAME")]
    connection: Option<String>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

impl LogoutArgs {
    /// The connector's options given to `logout`.
    pub fn globals(&self) -> Globals {
        Globals {
            json: self.json,
            connection: self.connection.clone(),
            ..Globals::default()
        }
    }
}

/// Runs `localgram logout`: forgets the connection `--connection` names, or the only one.
pub async fn run(g: &Globals) -> Result<(), CliError> {
    let connections = store::list()?;
    let named = g
        .connection
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty());
    let chosen = match named {
        Some(name) => {
            store::check_name(name)?;
            connections.iter().find(|c| c.name == name)
        }
        None if connections.len() > 1 => {
            let names: Vec<&str> = connections.iter().map(|c| c.name.as_str()).collect();
            return Err(CliError::usage(format!(
                "several connections are saved ({}): choose one with --connection NAME",
                names.join(", ")
            )));
        }
        None => connections.first(),
    };
    if let Some(c) = chosen {
        store::remove(c)?;
    }
    let mut out = Output::new(g.json);
    if out.json() {
        out.json_line(&json!({
            "logged_out": chosen.is_some(),
            "connection": chosen.map(|c| c.name.clone()),
            "token_file": chosen.map(|c| c.path.display().to_string()),
        }))?;
    } else {
        match (chosen, named) {
            (Some(c), _) => out.line(&format!("Logged out: removed {}.", c.path.display()))?,
            (None, Some(name)) => {
                out.line(&format!("Not logged in: there is no connection {name:?}."))?;
            }
            (None, None) => out.line("Not logged in: there is no saved token.")?,
        }
    }
    out.flush()
}
