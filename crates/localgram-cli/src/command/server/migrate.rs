//! `localgram migrate`: apply migrations and exit.

use clap::Args;
use std::path::PathBuf;

use crate::config::Given;

/// Flags of `localgram migrate`.
#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// A configuration file [default: ./localgram.toml when it exists].
    #[arg(long, value_name = "FILE", env = "LOCALGRAM_CONFIG")]
    pub config: Option<PathBuf>,
    /// sqlite://FILE or postgres://… [default: sqlite://localgram.db].
    #[arg(long, value_name = "URL")]
    pub database_url: Option<String>,
}

/// Opens the database (which applies pending migrations) and reports.
pub async fn run(args: MigrateArgs) -> anyhow::Result<()> {
    let mut flags = Vec::new();
    if let Some(url) = args.database_url {
        flags.push(Given::flag("database_url", toml::Value::String(url)));
    }
    flags.push(Given::flag("no_migrate", toml::Value::Boolean(false)));
    let config = crate::config::load(args.config.as_deref(), flags)?;
    let store = localgram_server::open_store(&config).await?;
    println!("migrations applied ({})", store.backend());
    Ok(())
}
