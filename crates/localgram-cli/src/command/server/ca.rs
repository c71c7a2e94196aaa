//! `localgram ca` and `localgram env`: the local CA that the HTTPS listener and the proxy use,
//! and the shell lines that make a client trust it and use the proxy (`docs/tls.md`).

use clap::Args;
use std::path::PathBuf;

use crate::config::Given;

/// Flags of `localgram ca`.
#[derive(Debug, Args)]
pub struct CaArgs {
    /// A configuration file [default: ./localgram.toml when it exists].
    #[arg(long, value_name = "FILE", env = "LOCALGRAM_CONFIG")]
    pub config: Option<PathBuf>,
    /// Where the local CA is kept [default: localgram-ca/ beside the SQLite file].
    #[arg(long, value_name = "DIR")]
    pub ca_dir: Option<String>,
    /// The database the CA sits beside by default [default: sqlite://localgram.db].
    #[arg(long, value_name = "URL")]
    pub database_url: Option<String>,
    /// Print the certificate's path instead of the certificate.
    #[arg(long)]
    pub path: bool,
}

/// Flags of `localgram env`.
#[derive(Debug, Args)]
pub struct EnvArgs {
    /// A configuration file [default: ./localgram.toml when it exists].
    #[arg(long, value_name = "FILE", env = "LOCALGRAM_CONFIG")]
    pub config: Option<PathBuf>,
    /// Where the local CA is kept [default: localgram-ca/ beside the SQLite file].
    #[arg(long, value_name = "DIR")]
    pub ca_dir: Option<String>,
    /// The database the CA sits beside by default [default: sqlite://localgram.db].
    #[arg(long, value_name = "URL")]
    pub database_url: Option<String>,
    /// The server's listen address, the proxy [default: 127.0.0.1:8090].
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<String>,
    /// The server's HTTPS listener, for the /etc/hosts line.
    #[arg(long, value_name = "ADDR")]
    pub https_listen: Option<String>,
}

fn flags(pairs: [(&str, &Option<String>); 4]) -> Vec<Given> {
    pairs
        .into_iter()
        .filter_map(|(k, v)| {
            v.as_ref()
                .map(|v| Given::flag(k, toml::Value::String(v.clone())))
        })
        .collect()
}

fn load_ca(
    config: &localgram_server::config::Config,
) -> anyhow::Result<localgram_server::tls::LocalCa> {
    let dir = localgram_server::tls::ca_dir_for(config.ca_dir.as_deref(), &config.database_url);
    localgram_server::tls::LocalCa::load_or_create(&dir)
}

/// Prints the CA certificate (PEM) or its path, creating the CA when it does not exist yet.
pub fn run_ca(args: CaArgs) -> anyhow::Result<()> {
    let config = crate::config::load(
        args.config.as_deref(),
        flags([
            ("ca_dir", &args.ca_dir),
            ("database_url", &args.database_url),
            ("listen", &None),
            ("https_listen", &None),
        ]),
    )?;
    let ca = load_ca(&config)?;
    if args.path {
        println!("{}", absolute(ca.cert_path()).display());
    } else {
        print!("{}", ca.cert_pem());
    }
    Ok(())
}

/// Prints the lines for `eval "$(localgram env)"`.
pub fn run_env(args: EnvArgs) -> anyhow::Result<()> {
    let config = crate::config::load(
        args.config.as_deref(),
        flags([
            ("ca_dir", &args.ca_dir),
            ("database_url", &args.database_url),
            ("listen", &args.listen),
            ("https_listen", &args.https_listen),
        ]),
    )?;
    let ca = load_ca(&config)?;
    let proxy = (!config.no_proxy).then_some(config.listen);
    print!(
        "{}",
        localgram_server::tls::env_lines(&absolute(ca.cert_path()), proxy, config.https_listen)
    );
    Ok(())
}

/// `path`, made absolute against the working directory (the variables are read elsewhere).
fn absolute(path: &std::path::Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_owned())
}
