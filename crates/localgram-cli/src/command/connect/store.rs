//! The saved token: `$XDG_CONFIG_HOME/localgram/token.json`, or `$HOME/.config/localgram/token.json`.
//!
//! The directory is created with mode 0700 and the file with mode 0600, at creation (never a
//! `chmod` after the fact): the file is written beside the old one under a fresh name opened
//! with `O_CREAT | O_EXCL` and mode 0600, then renamed over it, so a reader sees the old token
//! or the new one and never a half-written file.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use localgram_client::AccessToken;
use serde::{Deserialize, Serialize};

use super::error::CliError;

/// The file's name inside the configuration directory.
pub const TOKEN_FILE: &str = "token.json";

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

    /// A guess for a token given on the command line: Facebook user tokens start with `EAA`.
    pub fn guess(token: &str) -> Self {
        if token.starts_with("EAA") {
            TokenKind::FacebookLongLived
        } else {
            TokenKind::InstagramLongLived
        }
    }
}

/// What `token.json` holds.
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

/// The token file's path.
pub fn token_path() -> Result<PathBuf, CliError> {
    Ok(config_dir()?.join(TOKEN_FILE))
}

/// The saved token and its path, or `None` when there is no file.
pub fn load() -> Result<Option<(SavedToken, PathBuf)>, CliError> {
    let path = token_path()?;
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(CliError::other(format!(
                "cannot read {}: {e}",
                path.display()
            )));
        }
    };
    let saved: SavedToken = serde_json::from_str(&text).map_err(|e| {
        CliError::other(format!(
            "{} is not a saved token ({e}); remove it with `localgram logout`",
            path.display()
        ))
    })?;
    Ok(Some((saved, path)))
}

/// Saves `token`, replacing any saved one; returns the file's path.
pub fn save(token: &SavedToken) -> Result<PathBuf, CliError> {
    let dir = config_dir()?;
    let path = dir.join(TOKEN_FILE);
    let fail = |what: &str, p: &Path, e: std::io::Error| {
        CliError::other(format!("cannot {what} {}: {e}", p.display()))
    };
    create_private_dir(&dir).map_err(|e| fail("create", &dir, e))?;
    let mut body = serde_json::to_vec_pretty(token).expect("a token serialises");
    body.push(b'\n');
    let tmp = dir.join(format!(".{TOKEN_FILE}.{}.tmp", std::process::id()));
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
    Ok(path)
}

/// Removes the saved token; its path if there was one.
pub fn remove() -> Result<Option<PathBuf>, CliError> {
    let path = token_path()?;
    match std::fs::remove_file(&path) {
        Ok(()) => Ok(Some(path)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(CliError::other(format!(
            "cannot remove {}: {e}",
            path.display()
        ))),
    }
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
    fn kinds_are_guessed_from_the_prefix() {
        assert_eq!(
            TokenKind::guess("EAAGm0PX4ZCps"),
            TokenKind::FacebookLongLived
        );
        assert_eq!(TokenKind::guess("IGQVJx"), TokenKind::InstagramLongLived);
        assert_eq!(TokenKind::guess("IGAAx"), TokenKind::InstagramLongLived);
    }
}
