//! Configuration layering, in this order of precedence, lowest first: built-in defaults,
//! `localgram.toml` (given by `--config` or found in the working directory), `LOCALGRAM_*`
//! environment variables (any of them may end in `_FILE` to name a file holding the value), and
//! command-line flags. Unknown `LOCALGRAM_*` variables are warned about.
//!
//! Every value is checked here, whatever layer it came from, so that a bad one is reported as a
//! usage error (exit 2) on one line naming the setting as the user wrote it (`--listen`,
//! `LOCALGRAM_LISTEN`, `listen in localgram.toml`), the value, and what is expected.

use localgram_server::config::{Config, LogFormat, SqliteSync};
use std::fmt;
use std::path::{Path, PathBuf};

use crate::command::connect::CliError;

/// The keys of [`Config`], as they appear in `localgram.toml` and after `LOCALGRAM_`.
pub const KEYS: &[&str] = &[
    "listen",
    "database_url",
    "public_url",
    "world",
    "import",
    "export_on_exit",
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
    "publish_quota",
    "accept_any_media_url",
    "webhook_allow_host",
    "fbtrace_seed",
    "header_read_timeout_seconds",
    "idle_timeout_seconds",
    "max_connections",
    "connection_threads",
    "shutdown_grace_seconds",
    "https_listen",
    "ca_dir",
    "no_proxy",
];

/// Variables read by other parts of Localgram, not by the server configuration.
const OTHER_VARS: &[&str] = &[
    "LOCALGRAM_LOG",
    "LOCALGRAM_CONFIG",
    "LOCALGRAM_URL",
    "LOCALGRAM_TOKEN",
    "LOCALGRAM_APP_ID",
    "LOCALGRAM_APP_SECRET",
    "LOCALGRAM_CONNECTION",
    "LOCALGRAM_NO_THROTTLE",
    "LOCALGRAM_CA_CERT",
];

/// Where a value came from, named as the user wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A command-line flag (`--listen`).
    Flag(String),
    /// An environment variable (`LOCALGRAM_LISTEN`, or `LOCALGRAM_ADMIN_TOKEN_FILE`).
    Env(String),
    /// A key of the configuration file.
    File(String, PathBuf),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Flag(flag) => f.write_str(flag),
            Origin::Env(var) => f.write_str(var),
            Origin::File(key, path) => write!(f, "{key} in {}", path.display()),
        }
    }
}

/// One setting as given: its key, value and origin.
#[derive(Debug, Clone, PartialEq)]
pub struct Given {
    /// The key of [`KEYS`].
    pub key: String,
    /// The value (a string for flags and variables).
    pub value: toml::Value,
    /// Where it came from.
    pub origin: Origin,
}

impl Given {
    /// A flag's value: `key` is the configuration key, the flag is `--key-with-dashes`.
    pub fn flag(key: &str, value: toml::Value) -> Self {
        Self {
            key: key.to_owned(),
            value,
            origin: Origin::Flag(format!("--{}", key.replace('_', "-"))),
        }
    }
}

/// The environment layer: `LOCALGRAM_KEY=value` and `LOCALGRAM_KEY_FILE=path`, plus warnings for
/// variables that match no key.
pub fn env_layer(
    vars: impl IntoIterator<Item = (String, String)>,
) -> Result<(Vec<Given>, Vec<String>), CliError> {
    let mut values = Vec::new();
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
                let content = std::fs::read_to_string(&value).map_err(|e| {
                    CliError::usage(format!(
                        "invalid value {value:?} for {name}: expected a readable file ({})",
                        io_reason(&e)
                    ))
                })?;
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
        values.push(Given {
            key,
            value: toml::Value::String(value),
            origin: Origin::Env(name),
        });
    }
    Ok((values, warnings))
}

/// An I/O error's reason without the `(os error N)` suffix.
fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_owned(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        std::io::ErrorKind::IsADirectory => "it is a directory".to_owned(),
        _ => {
            let text = e.to_string();
            match text.find(" (os error") {
                Some(i) => text[..i].to_owned(),
                None => text,
            }
        }
    }
}

/// The configuration file's settings; unknown keys and syntax errors are usage errors.
pub fn file_layer(path: &Path) -> Result<Vec<Given>, CliError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        CliError::usage(format!(
            "cannot read the configuration file {}: {}",
            path.display(),
            io_reason(&e)
        ))
    })?;
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
        let at = e
            .span()
            .map(|span| {
                let before = &text[..span.start.min(text.len())];
                let line = before.matches('\n').count() + 1;
                let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
                format!(" at line {line}, column {column}")
            })
            .unwrap_or_default();
        CliError::usage(format!(
            "the configuration file {} is not valid TOML{at}: {}",
            path.display(),
            e.message().trim().replace('\n', "; ")
        ))
    })?;
    let mut values = Vec::new();
    for (key, value) in table {
        if !KEYS.contains(&key.as_str()) {
            return Err(CliError::usage(format!(
                "unknown setting {key:?} in {}: expected one of {}",
                path.display(),
                KEYS.join(", ")
            )));
        }
        values.push(Given {
            origin: Origin::File(key.clone(), path.to_owned()),
            key,
            value,
        });
    }
    Ok(values)
}

/// Loads the configuration: defaults, file, environment, then `flags` (only the flags given).
pub fn load(config_file: Option<&Path>, flags: Vec<Given>) -> Result<Config, CliError> {
    let file: Option<PathBuf> = match config_file {
        Some(p) => {
            if !p.is_file() {
                return Err(CliError::usage(format!(
                    "invalid value {:?} for --config: expected an existing configuration file",
                    p.display().to_string()
                )));
            }
            Some(p.to_owned())
        }
        None => Some(PathBuf::from("localgram.toml")).filter(|p| p.is_file()),
    };
    let mut layers = Vec::new();
    if let Some(path) = &file {
        layers.extend(file_layer(path)?);
    }
    let (env, warnings) = env_layer(std::env::vars())?;
    for w in warnings {
        eprintln!("warning: {w}");
    }
    layers.extend(env);
    layers.extend(flags);
    resolve(layers)
}

/// The configuration from the given settings, later ones winning; each value is checked.
pub fn resolve(layers: Vec<Given>) -> Result<Config, CliError> {
    let mut config = Config::default();
    for given in &layers {
        apply(&mut config, given)?;
    }
    Ok(config)
}

/// A value as shown in a message: strings quoted, other TOML values as written; a database URL's
/// password redacted.
fn shown(given: &Given) -> String {
    match &given.value {
        toml::Value::String(s) if given.key == "database_url" => {
            format!("{:?}", localgram_server::config::redact_url_password(s))
        }
        toml::Value::String(s) => format!("{s:?}"),
        other => other.to_string(),
    }
}

/// The value as a string, when it is one.
fn text(v: &toml::Value) -> Option<&str> {
    v.as_str().map(str::trim)
}

/// A whole number: a TOML integer, or a string of digits (flags and variables).
fn integer(v: &toml::Value) -> Option<i64> {
    match v {
        toml::Value::Integer(n) => Some(*n),
        toml::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// `true` or `false`: a TOML boolean, or the word (flags and variables).
fn boolean(v: &toml::Value) -> Option<bool> {
    match v {
        toml::Value::Boolean(b) => Some(*b),
        toml::Value::String(s) => match s.trim() {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// Host names or IP addresses: a comma-separated string or an array of strings, each a host
/// without scheme, port or path.
fn host_list(v: &toml::Value) -> Option<Vec<String>> {
    let items: Vec<String> = match v {
        toml::Value::String(s) => s.split(',').map(|h| h.trim().to_owned()).collect(),
        toml::Value::Array(a) => a
            .iter()
            .map(|h| h.as_str().map(|h| h.trim().to_owned()))
            .collect::<Option<_>>()?,
        _ => return None,
    };
    let items: Vec<String> = items.into_iter().filter(|h| !h.is_empty()).collect();
    let valid = |h: &str| {
        let bare = h.trim_start_matches('[').trim_end_matches(']');
        bare.parse::<std::net::IpAddr>().is_ok()
            || (!h.contains(['/', ':', '@', ' ']) && url::Host::parse(h).is_ok())
    };
    items.iter().all(|h| valid(h)).then_some(items)
}

fn positive(v: &toml::Value) -> Option<i64> {
    integer(v).filter(|n| *n >= 1)
}

/// Checks one setting and writes it into `config`.
fn apply(config: &mut Config, given: &Given) -> Result<(), CliError> {
    let v = &given.value;
    let ok: Result<(), &str> = match given.key.as_str() {
        "listen" => text(v)
            .and_then(|s| s.parse().ok())
            .map(|a| config.listen = a)
            .ok_or("an IP address and port, such as 127.0.0.1:8090 (port 0 picks a free port)"),
        "database_url" => text(v)
            .filter(|s| {
                let rest = ["sqlite:", "postgres://", "postgresql://"]
                    .iter()
                    .find_map(|p| s.strip_prefix(p));
                rest.is_some_and(|r| !r.trim_start_matches('/').is_empty())
            })
            .map(|s| config.database_url = s.to_owned())
            .ok_or("sqlite://FILE or postgres://USER:PASSWORD@HOST/DATABASE"),
        "public_url" => text(v)
            .filter(|s| {
                ["http://", "https://"]
                    .iter()
                    .find_map(|p| s.strip_prefix(p))
                    .is_some_and(|host| {
                        !host.is_empty()
                            && !host.starts_with('/')
                            && !host.contains(char::is_whitespace)
                    })
            })
            .map(|s| config.public_url = Some(s.to_owned()))
            .ok_or("an http:// or https:// URL, such as http://127.0.0.1:8090"),
        "world" => match text(v) {
            Some(s) if Path::new(s).is_file() => {
                config.world = Some(PathBuf::from(s));
                Ok(())
            }
            Some(s) if Path::new(s).is_dir() => Err("a world file (TOML or JSON), not a directory"),
            Some(s) if !s.is_empty() => Err("the path of an existing world file (TOML or JSON)"),
            _ => Err("the path of a world file (TOML or JSON)"),
        },
        "import" => match text(v) {
            Some(s) if Path::new(s).is_dir() => Err("a world file (TOML or JSON), not a directory"),
            Some(s) if !s.is_empty() => {
                config.import = Some(PathBuf::from(s));
                Ok(())
            }
            _ => Err("the path of a world file (TOML or JSON)"),
        },
        "export_on_exit" => match text(v) {
            Some(s) if Path::new(s).is_dir() => Err("a file to write, not a directory"),
            Some(s)
                if !s.is_empty()
                    && Path::new(s)
                        .parent()
                        .is_none_or(|d| d.as_os_str().is_empty() || d.is_dir()) =>
            {
                config.export_on_exit = Some(PathBuf::from(s));
                Ok(())
            }
            Some(s) if !s.is_empty() => Err("a file in an existing folder"),
            _ => Err("the path of a file to write (JSON for .json, else TOML)"),
        },
        "no_demo" => boolean(v)
            .map(|b| config.no_demo = b)
            .ok_or("true or false"),
        "no_migrate" => boolean(v)
            .map(|b| config.no_migrate = b)
            .ok_or("true or false"),
        "admin_token" => text(v)
            .filter(|s| !s.is_empty())
            .map(|s| config.admin_token = Some(s.to_owned()))
            .ok_or("a non-empty token"),
        "log_format" => match text(v) {
            Some("pretty") => Ok(LogFormat::Pretty),
            Some("json") => Ok(LogFormat::Json),
            _ => Err("pretty or json"),
        }
        .map(|f| config.log_format = f),
        "code_ttl_seconds" => integer(v)
            .filter(|n| (1..=86_400).contains(n))
            .map(|n| config.code_ttl_seconds = n)
            .ok_or("a whole number of seconds from 1 to 86400"),
        "sqlite_synchronous" => match text(v) {
            Some("full") => Ok(SqliteSync::Full),
            Some("normal") => Ok(SqliteSync::Normal),
            _ => Err("full or normal"),
        }
        .map(|m| config.sqlite_synchronous = m),
        "clock_start" => text(v)
            .filter(|s| {
                time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
                    .is_ok()
            })
            .map(|s| config.clock_start = Some(s.to_owned()))
            .ok_or("an RFC 3339 time, such as 2026-05-01T00:00:00Z"),
        "rate_limit_app_per_hour" => positive(v)
            .map(|n| config.rate_limit_app_per_hour = n)
            .ok_or("a whole number of calls, at least 1"),
        "rate_limit_user_per_hour" => positive(v)
            .map(|n| config.rate_limit_user_per_hour = n)
            .ok_or("a whole number of calls, at least 1"),
        "rate_limit_business_per_day" => positive(v)
            .map(|n| config.rate_limit_business_per_day = n)
            .ok_or("a whole number of calls, at least 1"),
        "max_listed_media" => positive(v)
            .map(|n| config.max_listed_media = n)
            .ok_or("a whole number of media, at least 1"),
        "publish_quota" => positive(v)
            .map(|n| config.publish_quota = n)
            .ok_or("a whole number of posts, at least 1"),
        "accept_any_media_url" => boolean(v)
            .map(|b| config.accept_any_media_url = b)
            .ok_or("true or false"),
        "webhook_allow_host" => host_list(v)
            .map(|hosts| config.webhook_allow_hosts = hosts)
            .ok_or("host names or IP addresses, comma-separated (or a TOML array)"),
        "fbtrace_seed" => integer(v)
            .and_then(|n| u64::try_from(n).ok())
            .map(|n| config.fbtrace_seed = Some(n))
            .ok_or("a whole number from 0 to 9223372036854775807"),
        "header_read_timeout_seconds" => positive(v)
            .and_then(|n| u64::try_from(n).ok())
            .map(|n| config.header_read_timeout_seconds = n)
            .ok_or("a whole number of seconds, at least 1"),
        "idle_timeout_seconds" => positive(v)
            .and_then(|n| u64::try_from(n).ok())
            .map(|n| config.idle_timeout_seconds = n)
            .ok_or("a whole number of seconds, at least 1"),
        "max_connections" => integer(v)
            .and_then(|n| u64::try_from(n).ok())
            .map(|n| config.max_connections = n)
            .ok_or("a whole number of connections, 0 for three quarters of the open-file limit"),
        "connection_threads" => integer(v)
            .and_then(|n| u64::try_from(n).ok())
            .filter(|n| *n <= 1024)
            .map(|n| config.connection_threads = n)
            .ok_or("a whole number of threads from 0 to 1024, 0 for three per processor"),
        "shutdown_grace_seconds" => integer(v)
            .and_then(|n| u64::try_from(n).ok())
            .map(|n| config.shutdown_grace_seconds = n)
            .ok_or("a whole number of seconds, 0 or more"),
        "https_listen" => text(v)
            .and_then(|s| s.parse().ok())
            .map(|a| config.https_listen = Some(a))
            .ok_or("an IP address and port, such as 127.0.0.1:8443 (port 0 picks a free port)"),
        "ca_dir" => match text(v) {
            Some(s) if Path::new(s).is_file() => Err("a directory, not a file"),
            Some(s) if !s.is_empty() => {
                config.ca_dir = Some(PathBuf::from(s));
                Ok(())
            }
            _ => Err("the path of a directory (created if missing)"),
        },
        "no_proxy" => boolean(v)
            .map(|b| config.no_proxy = b)
            .ok_or("true or false"),
        other => {
            return Err(CliError::usage(format!(
                "unknown setting {other:?} from {}: expected one of {}",
                given.origin,
                KEYS.join(", ")
            )));
        }
    };
    ok.map_err(|expected| {
        CliError::usage(format!(
            "invalid value {} for {}: expected {expected}",
            shown(given),
            given.origin
        ))
    })
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

# A world file (an export of GET /_localgram/world, say) whose state replaces the database's at
# start, before `world`; a reset loads it again. A missing file is an error, unless it is also
# the export_on_exit file.
# import = "state.json"

# Export the state to this world file (JSON for .json, else TOML) when the server stops.
# export_on_exit = "state.json"

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

# Posts one account may publish through the API per rolling 24 hours (Meta: 50).
# publish_quota = 50

# Accept image_url / video_url on any host and make the file up, instead of Meta's "media could
# not be fetched" error for hosts other than Localgram itself and the loopback.
# accept_any_media_url = false

# Hosts besides the loopback that webhook callback URLs may be on (comma-separated, or a TOML
# array). Localgram contacts no other host (docs/webhooks.md).
# webhook_allow_host = ["hooks.internal.test"]

# Seconds a client has to send a request's header, counted from when the connection is ready
# for it: closes slowloris connections and connections that send nothing.
# header_read_timeout_seconds = 10

# Seconds a connection may stay silent, with no request in progress, before it is closed.
# idle_timeout_seconds = 5

# Connections served at once; beyond, a connection is answered 503 at once. 0: three quarters
# of the process's open-file limit.
# max_connections = 0

# Threads that serve connections, each with a single-threaded runtime; a connection stays on
# one. 0: three per processor the process may use, since the clients usually share them.
# connection_threads = 0

# Seconds a stop (SIGTERM, Ctrl-C) waits for in-flight requests before closing what is left;
# a second signal stops at once.
# shutdown_grace_seconds = 10

# Start the sequence of fbtrace_id values in error answers from this seed, so that they repeat
# from run to run (for tests). Without it each run starts from a random seed.
# fbtrace_seed = 1

# Also serve HTTPS on this address, for Meta's real host names (graph.instagram.com, …), with a
# certificate from the local CA (docs/tls.md).
# https_listen = "127.0.0.1:8443"

# Where the local CA (localgram-ca.pem and its key, mode 0600) is kept; created on first use.
# Defaults to localgram-ca/ beside the SQLite file, or ~/.local/share/localgram/localgram-ca.
# ca_dir = "localgram-ca"

# Do not act as a proxy for the Meta hosts on the listen address (HTTP CONNECT and absolute-form
# requests); without https_listen, no CA is then used at all.
# no_proxy = false
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webhook_hosts_are_names_or_addresses() {
        let s = |v: &str| host_list(&toml::Value::String(v.into()));
        assert_eq!(
            s("hooks.test, 10.0.0.5,[::1]"),
            Some(vec!["hooks.test".into(), "10.0.0.5".into(), "[::1]".into()])
        );
        assert_eq!(s(""), Some(vec![]));
        assert_eq!(s("https://hooks.test"), None);
        assert_eq!(s("hooks.test:8080"), None);
        assert_eq!(s("hooks.test/x"), None);
        let a = toml::Value::Array(vec![toml::Value::String("a.test".into())]);
        assert_eq!(host_list(&a), Some(vec!["a.test".into()]));
        assert_eq!(host_list(&toml::Value::Integer(1)), None);
    }

    #[test]
    fn env_values_are_read_and_unknown_names_warned() {
        let (values, warnings) = env_layer(vec![
            ("LOCALGRAM_NO_DEMO".into(), "true".into()),
            ("LOCALGRAM_CODE_TTL_SECONDS".into(), "600".into()),
            ("LOCALGRAM_DATABSE_URL".into(), "x".into()),
            ("LOCALGRAM_TEST_PG_URL".into(), "postgres://x".into()),
            ("PATH".into(), "/bin".into()),
        ])
        .unwrap();
        let config = resolve(values).unwrap();
        assert!(config.no_demo);
        assert_eq!(config.code_ttl_seconds, 600);
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
            resolve(values).unwrap().admin_token.as_deref(),
            Some("s3cret")
        );
    }

    #[test]
    fn later_layers_win_and_each_value_is_checked_where_it_was_given() {
        let file = Given {
            key: "listen".into(),
            value: toml::Value::String("127.0.0.1:1".into()),
            origin: Origin::File("listen".into(), PathBuf::from("localgram.toml")),
        };
        let flag = Given::flag("listen", toml::Value::String("127.0.0.1:2".into()));
        assert_eq!(resolve(vec![file.clone(), flag]).unwrap().listen.port(), 2);
        let bad = Given {
            value: toml::Value::Integer(8090),
            ..file
        };
        assert_eq!(
            resolve(vec![bad]).unwrap_err().to_string(),
            "invalid value 8090 for listen in localgram.toml: expected an IP address and port, \
             such as 127.0.0.1:8090 (port 0 picks a free port)"
        );
        let url = Given::flag(
            "database_url",
            toml::Value::String("mysql://root:hunter2@db/x".into()),
        );
        let message = resolve(vec![url]).unwrap_err().to_string();
        assert!(!message.contains("hunter2"), "{message}");
    }

    #[test]
    fn connection_threads_are_a_count_up_to_1024() {
        let given = |v| vec![Given::flag("connection_threads", v)];
        let threads = |v| resolve(given(v)).map(|c| c.connection_threads);
        assert_eq!(threads(toml::Value::String("6".into())).unwrap(), 6);
        assert_eq!(threads(toml::Value::Integer(0)).unwrap(), 0);
        assert_eq!(threads(toml::Value::Integer(1024)).unwrap(), 1024);
        for bad in [toml::Value::Integer(1025), toml::Value::Integer(-1)] {
            assert_eq!(
                threads(bad.clone()).unwrap_err().to_string(),
                format!(
                    "invalid value {bad} for --connection-threads: expected a whole number of \
                     threads from 0 to 1024, 0 for three per processor"
                )
            );
        }
    }

    #[test]
    fn the_default_config_parses_to_the_defaults() {
        let parsed: Config = toml::from_str(DEFAULT_CONFIG).unwrap();
        assert_eq!(parsed, Config::default());
    }
}
