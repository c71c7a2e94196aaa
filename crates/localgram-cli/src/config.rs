//! Configuration layering (figment), in this order of precedence, lowest first:
//! built-in defaults, `localgram.toml` (given by `--config` or found in the working directory),
//! `LOCALGRAM_*` environment variables (any of them may end in `_FILE` to name a file holding the
//! value), and command-line flags. Unknown `LOCALGRAM_*` variables are warned about.

use figment::Figment;
use figment::providers::{Format, Serialized, Toml};
use localgram_server::config::Config;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The keys of [`Config`], as they appear in `localgram.toml` and after `LOCALGRAM_`.
const KEYS: &[&str] = &[
    "listen",
    "database_url",
    "public_url",
    "world",
    "no_demo",
    "no_migrate",
    "admin_token",
    "log_format",
    "code_ttl_seconds",
    "sqlite_synchronous",
    "clock_start",
    "rate_limit_app_per_hour",
    "rate_limit_user_per_hour",
    "rate_limit_business_per_day",
    "max_listed_media",
];

/// Variables read by other parts of Localgram, not by the server configuration.
const OTHER_VARS: &[&str] = &[
    "LOCALGRAM_LOG",
    "LOCALGRAM_CONFIG",
    "LOCALGRAM_URL",
    "LOCALGRAM_TOKEN",
    "LOCALGRAM_APP_ID",
    "LOCALGRAM_APP_SECRET",
];

/// The environment layer: `LOCALGRAM_KEY=value` and `LOCALGRAM_KEY_FILE=path`, plus warnings for
/// variables that match no key.
pub fn env_layer(
    vars: impl IntoIterator<Item = (String, String)>,
) -> anyhow::Result<(BTreeMap<String, toml::Value>, Vec<String>)> {
    let mut values = BTreeMap::new();
    let mut warnings = Vec::new();
    for (name, value) in vars {
        let Some(rest) = name.strip_prefix("LOCALGRAM_") else {
            continue;
        };
        if rest.starts_with("TEST_") || OTHER_VARS.contains(&name.as_str()) {
            continue;
        }
        let lower = rest.to_ascii_lowercase();
        let (key, value) = match lower.strip_suffix("_file") {
            Some(key) if KEYS.contains(&key) => {
                let content = std::fs::read_to_string(&value)
                    .map_err(|e| anyhow::anyhow!("{name}: cannot read {value}: {e}"))?;
                (
                    key.to_owned(),
                    content.trim_end_matches(['\n', '\r']).to_owned(),
                )
            }
            _ => (lower.clone(), value),
        };
        if !KEYS.contains(&key.as_str()) {
            warnings.push(format!(
                "unknown environment variable {name} ignored (known: {})",
                KEYS.iter()
                    .map(|k| format!("LOCALGRAM_{}", k.to_ascii_uppercase()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            continue;
        }
        values.insert(key, typed(&value));
    }
    Ok((values, warnings))
}

/// Environment values are strings; booleans and integers are given their type.
fn typed(value: &str) -> toml::Value {
    match value {
        "true" => toml::Value::Boolean(true),
        "false" => toml::Value::Boolean(false),
        v => v
            .parse::<i64>()
            .map(toml::Value::Integer)
            .unwrap_or_else(|_| toml::Value::String(v.to_owned())),
    }
}

/// Loads the configuration: defaults, file, environment, then `flags` (only the flags given).
pub fn load(
    config_file: Option<&Path>,
    flags: BTreeMap<String, toml::Value>,
) -> anyhow::Result<Config> {
    let mut figment = Figment::from(Serialized::defaults(Config::default()));
    let file: Option<PathBuf> = match config_file {
        Some(p) => {
            anyhow::ensure!(
                p.exists(),
                "the configuration file {} does not exist",
                p.display()
            );
            Some(p.to_owned())
        }
        None => Some(PathBuf::from("localgram.toml")).filter(|p| p.exists()),
    };
    if let Some(path) = &file {
        figment = figment.merge(Toml::file(path));
    }
    let (env, warnings) = env_layer(std::env::vars())?;
    for w in warnings {
        eprintln!("warning: {w}");
    }
    figment = figment
        .merge(Serialized::defaults(env))
        .merge(Serialized::defaults(flags));
    figment
        .extract()
        .map_err(|e| anyhow::anyhow!("invalid configuration: {e}"))
}

/// `localgram default-config`: every key, commented, with its default.
pub const DEFAULT_CONFIG: &str = r#"# localgram.toml: the emulator's configuration. Every key is optional; each can also be given
# as an environment variable (LOCALGRAM_<KEY>, or LOCALGRAM_<KEY>_FILE naming a file that holds
# the value) or as a command-line flag (--<key> with dashes). Flags win over the environment,
# which wins over this file.

# Address to listen on; port 0 picks a free port.
# listen = "127.0.0.1:8090"

# sqlite://FILE (created if missing) or postgres://user:password@host/database.
# database_url = "sqlite://localgram.db"

# The base URL used in every absolute URL the server emits (paging links, media URLs).
# Defaults to http://<listen address>.
# public_url = "http://127.0.0.1:8090"

# A world file (TOML or JSON) loaded at start; loading is idempotent.
# world = "world.toml"

# Do not load the demo world on an empty database.
# no_demo = false

# Do not run database migrations at start (run `localgram migrate` instead).
# no_migrate = false

# When set, /_localgram/* requires "Authorization: Bearer <admin_token>" and is reachable from
# any address; otherwise it answers the loopback only.
# admin_token = "…"

# pretty | json
# log_format = "pretty"

# Authorization code lifetime in seconds: 3600 as Instagram; 600 is the RFC 6749 / ASVS ceiling.
# code_ttl_seconds = 3600

# full: every acknowledged write survives power loss (one fsync per commit).
# normal: survives process crashes; may lose the last commits on power loss or an OS crash.
# sqlite_synchronous = "full"

# Start the test clock frozen at this RFC 3339 instant (it then moves only through
# /_localgram/clock).
# clock_start = "2026-05-01T00:00:00Z"

# Default rate limits, for apps whose world entry sets no [apps.rate_limits] of their own.
# Basic Display tokens: calls of one app per rolling hour (code 4) and of one app-and-user pair
# per rolling hour (code 17). Instagram Login tokens: calls of one app-and-account pair per
# rolling 24 hours (code 80002).
# rate_limit_app_per_hour = 20000
# rate_limit_user_per_hour = 4800
# rate_limit_business_per_day = 48000

# How many of an account's most recent media the media edge reaches (Meta: 10000).
# max_listed_media = 10000

# Seconds a client has to send a request's header, counted from when the connection is ready
# for it: closes slowloris connections and connections that send nothing.
# header_read_timeout_seconds = 10

# Seconds a connection may stay silent, with no request in progress, before it is closed.
# idle_timeout_seconds = 5

# Connections served at once; beyond, a connection is answered 503 at once. 0: three quarters
# of the process's open-file limit.
# max_connections = 0

# Seconds a stop (SIGTERM, Ctrl-C) waits for in-flight requests before closing what is left;
# a second signal stops at once.
# shutdown_grace_seconds = 10
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_values_are_typed_and_unknown_names_warned() {
        let (values, warnings) = env_layer(vec![
            ("LOCALGRAM_NO_DEMO".into(), "true".into()),
            ("LOCALGRAM_CODE_TTL_SECONDS".into(), "600".into()),
            ("LOCALGRAM_DATABSE_URL".into(), "x".into()),
            ("LOCALGRAM_TEST_PG_URL".into(), "postgres://x".into()),
            ("PATH".into(), "/bin".into()),
        ])
        .unwrap();
        assert_eq!(values.get("no_demo"), Some(&toml::Value::Boolean(true)));
        assert_eq!(
            values.get("code_ttl_seconds"),
            Some(&toml::Value::Integer(600))
        );
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].contains("LOCALGRAM_DATABSE_URL"));
    }

    #[test]
    fn file_variables_read_their_file() {
        let path = std::env::temp_dir().join(format!("lg-admin-token-{}", std::process::id()));
        std::fs::write(&path, "s3cret\n").unwrap();
        let (values, _) = env_layer(vec![(
            "LOCALGRAM_ADMIN_TOKEN_FILE".into(),
            path.display().to_string(),
        )])
        .unwrap();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(
            values.get("admin_token"),
            Some(&toml::Value::String("s3cret".into()))
        );
    }

    #[test]
    fn the_default_config_parses_to_the_defaults() {
        let parsed: Config = toml::from_str(DEFAULT_CONFIG).unwrap();
        assert_eq!(parsed, Config::default());
    }
}
