//! `localgram logout`: forgets the saved token. (Instagram has no revocation endpoint for user
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

/// Runs `localgram logout`.
pub async fn run(g: &Globals) -> Result<(), CliError> {
    let removed = store::remove()?;
    let mut out = Output::new(g.json);
    if out.json() {
        out.json_line(&json!({
            "logged_out": removed.is_some(),
            "token_file": removed.as_ref().map(|p| p.display().to_string()),
        }))?;
    } else {
        match removed {
            Some(path) => out.line(&format!("Logged out: removed {}.", path.display()))?,
            None => out.line("Not logged in: there is no saved token.")?,
        }
    }
    out.flush()
}
