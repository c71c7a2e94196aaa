//! Saved connections: one file per connection, `connections/NAME.json` in
//! `$XDG_CONFIG_HOME/localgram` (or `$HOME/.config/localgram`). A connection is a long-lived
//! token with what goes with it; by default there is one per API host, named `instagram` and
//! `facebook`, so that logging in to one never replaces the other. Beside each file,
//! `NAME.calls` keeps the connection's call window for the throttle (see `throttle.rs`).
//!
//! The directories are created with mode 0700 and the files with mode 0600, at creation (never a
//! `chmod` after the fact): a file is written beside the old one under a fresh name opened with
//! `O_CREAT | O_EXCL` and mode 0600, then renamed over it, so a reader sees the old token or the
//! new one and never a half-written file.
//!
//! The single `token.json` of earlier versions is still read, as the connection named after its
//! kind, until a login of that kind replaces it.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use localgram_client::AccessToken;
use serde::{Deserialize, Serialize};

use super::error::CliError;

/// The single saved token of earlier versions, inside the configuration directory.
pub const LEGACY_TOKEN_FILE: &str = "token.json";

/// The directory of the connections, inside the configuration directory.
pub const CONNECTIONS_DIR: &str = "connections";

/// Which API a token is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenKind {
    /// A long-lived Instagram user token (60 days, refreshable).
    InstagramLongLived,
    /// A long-lived Facebook user token (about 60 days).
    FacebookLongLived,
}

impl TokenKind {
    /// The wire name (`instagram_long_lived`).
    pub fn as_str(self) -> &'static str {
        match self {
            TokenKind::InstagramLongLived => "instagram_long_lived",
            TokenKind::FacebookLongLived => "facebook_long_lived",
        }
    }

    /// Whether the token is for graph.facebook.com.
    pub fn is_facebook(self) -> bool {
        matches!(self, TokenKind::FacebookLongLived)
    }

    /// The connection name used when none is given: `instagram` or `facebook`.
    pub fn default_name(self) -> &'static str {
        if self.is_facebook() {
            "facebook"
        } else {
            "instagram"
        }
    }

    /// `Instagram` or `Facebook`.
    pub fn platform(self) -> &'static str {
        if self.is_facebook() {
            "Facebook"
        } else {
            "Instagram"
        }
    }

    /// A guess for a token given on the command line: Facebook user tokens start with `EAA`.
    pub fn guess(token: &str) -> Self {
        if token.starts_with("EAA") {
            TokenKind::FacebookLongLived
        } else {
            TokenKind::InstagramLongLived
        }
    }
}

/// What a connection file holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SavedToken {
    /// The token.
    pub access_token: AccessToken,
    /// What it is.
    pub kind: TokenKind,
    /// The user it belongs to, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// The app it was issued to, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_id: Option<String>,
    /// The Localgram server it was issued by (`http://127.0.0.1:8090`); absent for Meta's hosts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
    /// When it was received, Unix seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issued_at: Option<u64>,
    /// When it expires, Unix seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<u64>,
}

/// The configuration directory: `$XDG_CONFIG_HOME/localgram` (when set to an absolute path),
/// else `$HOME/.config/localgram`.
pub fn config_dir() -> Result<PathBuf, CliError> {
    let var = |name| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if let Some(xdg) = var("XDG_CONFIG_HOME").filter(|p| p.is_absolute()) {
        return Ok(xdg.join("localgram"));
    }
    match var("HOME") {
        Some(home) => Ok(home.join(".config").join("localgram")),
        None => Err(CliError::other(
            "cannot find a configuration directory: neither XDG_CONFIG_HOME nor HOME is set",
        )),
    }
}

/// A saved connection.
#[derive(Debug, Clone)]
pub struct Connection {
    /// Its name.
    pub name: String,
    /// The token and what goes with it.
    pub saved: SavedToken,
    /// Its file.
    pub path: PathBuf,
}

/// The directory of the connections.
pub fn connections_dir() -> Result<PathBuf, CliError> {
    Ok(config_dir()?.join(CONNECTIONS_DIR))
}

/// Refuses names that could not be file names of their own: 1 to 64 of `A-Z a-z 0-9 . _ -`, not
/// starting with a dot.
pub fn check_name(name: &str) -> Result<(), CliError> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(())
    } else {
        Err(CliError::usage(format!(
            "invalid connection name {name:?}: expected 1 to 64 letters, digits, '.', '_' or '-', \
             not starting with '.'"
        )))
    }
}

/// The file of the connection `name`.
pub fn connection_path(name: &str) -> Result<PathBuf, CliError> {
    check_name(name)?;
    Ok(connections_dir()?.join(format!("{name}.json")))
}

/// The call window file of the connection `name`.
pub fn window_path(name: &str) -> Result<PathBuf, CliError> {
    check_name(name)?;
    Ok(connections_dir()?.join(format!("{name}.calls")))
}

fn read(path: &Path) -> Result<Option<SavedToken>, CliError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(CliError::other(format!(
                "cannot read {}: {e}",
                path.display()
            )));
        }
    };
    serde_json::from_str(&text).map(Some).map_err(|e| {
        CliError::other(format!(
            "{} is not a saved token ({e}); remove it with `localgram logout`",
            path.display()
        ))
    })
}

/// Every saved connection, by name.
pub fn list() -> Result<Vec<Connection>, CliError> {
    let dir = connections_dir()?;
    let mut connections = Vec::new();
    match std::fs::read_dir(&dir) {
        Ok(entries) => {
            for entry in entries.flatten() {
                let path = entry.path();
                let Some(name) = path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .and_then(|n| n.strip_suffix(".json"))
                else {
                    continue;
                };
                if check_name(name).is_err() {
                    continue;
                }
                if let Some(saved) = read(&path)? {
                    connections.push(Connection {
                        name: name.to_owned(),
                        saved,
                        path,
                    });
                }
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => {
            return Err(CliError::other(format!(
                "cannot read {}: {e}",
                dir.display()
            )));
        }
    }
    let legacy = config_dir()?.join(LEGACY_TOKEN_FILE);
    if let Some(saved) = read(&legacy)? {
        let name = saved.kind.default_name();
        if !connections.iter().any(|c| c.name == name) {
            connections.push(Connection {
                name: name.to_owned(),
                saved,
                path: legacy,
            });
        }
    }
    connections.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(connections)
}

/// Saves `token` as the connection `name`, replacing any connection of that name; returns the
/// file's path.
pub fn save(name: &str, token: &SavedToken) -> Result<PathBuf, CliError> {
    let path = connection_path(name)?;
    let base = config_dir()?;
    let dir = connections_dir()?;
    let fail = |what: &str, p: &Path, e: std::io::Error| {
        CliError::other(format!("cannot {what} {}: {e}", p.display()))
    };
    create_private_dir(&base).map_err(|e| fail("create", &base, e))?;
    create_private_dir(&dir).map_err(|e| fail("create", &dir, e))?;
    let mut body = serde_json::to_vec_pretty(token).expect("a token serialises");
    body.push(b'\n');
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let _ = std::fs::remove_file(&tmp);
    let written = (|| {
        let mut file = open_private(&tmp)?;
        file.write_all(&body)?;
        file.sync_all()
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(fail("write", &tmp, e));
    }
    std::fs::rename(&tmp, &path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        fail("write", &path, e)
    })?;
    // The token of earlier versions, now replaced by this connection.
    let legacy = base.join(LEGACY_TOKEN_FILE);
    if let Ok(Some(old)) = read(&legacy)
        && old.kind.default_name() == name
    {
        let _ = std::fs::remove_file(&legacy);
    }
    Ok(path)
}

/// Removes a connection and its call window.
pub fn remove(connection: &Connection) -> Result<(), CliError> {
    match std::fs::remove_file(&connection.path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => {
            return Err(CliError::other(format!(
                "cannot remove {}: {e}",
                connection.path.display()
            )));
        }
    }
    if let Ok(window) = window_path(&connection.name) {
        let _ = std::fs::remove_file(window);
    }
    Ok(())
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt as _;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)
}

#[cfg(unix)]
fn open_private(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt as _;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn open_private(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_format_is_stable() {
        let t = SavedToken {
            access_token: AccessToken::new("IGQVJx"),
            kind: TokenKind::InstagramLongLived,
            user_id: Some("17841405793187218".into()),
            app_id: Some("990602627938098".into()),
            base_url: None,
            issued_at: Some(1),
            expires_at: Some(2),
        };
        assert_eq!(
            serde_json::to_string(&t).unwrap(),
            r#"{"access_token":"IGQVJx","kind":"instagram_long_lived","user_id":"17841405793187218","app_id":"990602627938098","issued_at":1,"expires_at":2}"#
        );
        let back: SavedToken =
            serde_json::from_str(r#"{"access_token":"EAAx","kind":"facebook_long_lived"}"#)
                .unwrap();
        assert_eq!(back.kind, TokenKind::FacebookLongLived);
        assert_eq!(back.expires_at, None);
    }

    #[test]
    fn connection_names_are_plain_file_names() {
        for ok in ["instagram", "facebook", "work-ig", "a.b_c"] {
            assert!(check_name(ok).is_ok(), "{ok}");
        }
        for bad in ["", ".hidden", "a/b", "..", "x y", &"x".repeat(65)] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn kinds_are_guessed_from_the_prefix() {
        assert_eq!(
            TokenKind::guess("EAAGm0PX4ZCps"),
            TokenKind::FacebookLongLived
        );
        assert_eq!(TokenKind::guess("IGQVJx"), TokenKind::InstagramLongLived);
        assert_eq!(TokenKind::guess("IGAAx"), TokenKind::InstagramLongLived);
    }
}
