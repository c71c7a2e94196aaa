//! The subcommand tree; `server/` uses `localgram-server` in-process, the connector commands
//! (`connect/`) only `localgram-client`.

pub mod connect;
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
    /// The connector's options.
    #[command(flatten)]
    pub connect: connect::Globals,
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
    /// Log in with Instagram or Facebook in the browser and save a long-lived token.
    Login(connect::login::LoginArgs),
    /// Forget the saved token.
    Logout,
    /// The logged-in user's profile.
    Me(connect::me::MeArgs),
    /// The user's media.
    #[command(subcommand)]
    Media(connect::media::MediaCommand),
    /// Refresh, exchange or inspect the token.
    #[command(subcommand)]
    Token(connect::token::TokenCommand),
    /// The user's Facebook Pages.
    #[command(subcommand)]
    Pages(connect::pages::PagesCommand),
}

impl Cli {
    /// Runs the chosen subcommand.
    pub async fn run(self) -> anyhow::Result<()> {
        let g = &self.connect;
        match self.command {
            Command::Serve(args) => server::serve::run(self.config.as_deref(), *args).await,
            Command::Migrate(args) => server::migrate::run(self.config.as_deref(), args).await,
            Command::DefaultConfig => {
                print!("{}", crate::config::DEFAULT_CONFIG);
                Ok(())
            }
            Command::Login(args) => connect::finish(connect::login::run(g, args)).await,
            Command::Logout => connect::finish(connect::logout::run(g)).await,
            Command::Me(args) => connect::finish(connect::me::run(g, args)).await,
            Command::Media(cmd) => connect::finish(connect::media::run(g, cmd)).await,
            Command::Token(cmd) => connect::finish(connect::token::run(g, cmd)).await,
            Command::Pages(cmd) => connect::finish(connect::pages::run(g, cmd)).await,
        }
    }
}

/// The exit code for an error: 2 usage, 3 API, 4 network, 1 anything else (see
/// [`connect::error`]).
pub fn exit_code(e: &anyhow::Error) -> u8 {
    connect::exit_code(e)
}
