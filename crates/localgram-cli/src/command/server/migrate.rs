//! `localgram migrate`: apply migrations and exit.

use clap::Args;
use std::collections::BTreeMap;
use std::path::Path;

/// Flags of `localgram migrate`.
#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// sqlite://FILE or postgres://… [default: sqlite://localgram.db].
    #[arg(long)]
    pub database_url: Option<String>,
}

/// Opens the database (which applies pending migrations) and reports.
pub async fn run(config_file: Option<&Path>, args: MigrateArgs) -> anyhow::Result<()> {
    let mut flags = BTreeMap::new();
    if let Some(url) = args.database_url {
        flags.insert("database_url".to_owned(), toml::Value::String(url));
    }
    flags.insert("no_migrate".to_owned(), toml::Value::Boolean(false));
    let config = crate::config::load(config_file, flags)?;
    let store = localgram_server::open_store(&config).await?;
    println!("migrations applied ({})", store.backend());
    Ok(())
}
