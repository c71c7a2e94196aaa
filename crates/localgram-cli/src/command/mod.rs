//! The subcommand tree; `server/` uses `localgram-server` in-process, the connector commands
//! (in `connect/`, to come) only `localgram-client`.

pub mod server;

use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// Localgram: a self-hosted Instagram and Facebook Graph API emulator, and a connector for the
/// real ones.
#[derive(Debug, Parser)]
#[command(name = "localgram", version, about)]
pub struct Cli {
    /// A configuration file (default: ./localgram.toml when it exists).
    #[arg(long, global = true, env = "LOCALGRAM_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the emulator.
    Serve(Box<server::serve::ServeArgs>),
    /// Apply database migrations and exit.
    Migrate(server::migrate::MigrateArgs),
    /// Print a fully commented localgram.toml.
    DefaultConfig,
}

impl Cli {
    /// Runs the chosen subcommand.
    pub async fn run(self) -> anyhow::Result<()> {
        match self.command {
            Command::Serve(args) => server::serve::run(self.config.as_deref(), *args).await,
            Command::Migrate(args) => server::migrate::run(self.config.as_deref(), args).await,
            Command::DefaultConfig => {
                print!("{}", crate::config::DEFAULT_CONFIG);
                Ok(())
            }
        }
    }
}
