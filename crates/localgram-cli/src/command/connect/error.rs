//! [`CliError`]: what a connector command failed with, as one printable line and an exit code.
//!
//! Exit codes: 0 success, 2 usage (clap's own, and our checks of what was asked: no token, a
//! missing flag, a request the SDK refuses before sending), 3 an answer of the API (a Graph or
//! Instagram OAuth error, an HTTP error status, a denied or forged authorization), 4 the network
//! (no connection, timeout), 1 anything else (a local file, a body that does not decode).
//!
//! Every message is one line. Secrets never reach it: the SDK redacts its errors, and this
//! module only adds the server's address.

use std::fmt;
use std::sync::OnceLock;

use localgram_client::ClientError;

/// The class of a failure, which decides the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Anything else (exit 1).
    Other,
    /// The command was used wrongly (exit 2, like clap's own usage errors).
    Usage,
    /// The API answered with an error (exit 3).
    Api,
    /// The API could not be reached (exit 4).
    Network,
    /// The reader of stdout went away (`| head`): stop quietly, exit 0.
    BrokenPipe,
}

impl Kind {
    /// The process exit code.
    pub fn exit_code(self) -> u8 {
        match self {
            Kind::BrokenPipe => 0,
            Kind::Other => 1,
            Kind::Usage => 2,
            Kind::Api => 3,
            Kind::Network => 4,
        }
    }
}

/// A connector command's failure.
#[derive(Debug)]
pub struct CliError {
    kind: Kind,
    message: String,
}

impl CliError {
    /// A failure of `kind`; newlines in `message` are folded so that it stays one line.
    pub fn new(kind: Kind, message: impl Into<String>) -> Self {
        let message: String = message.into();
        let message = message
            .split(['\r', '\n'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        Self { kind, message }
    }

    /// A usage error (exit 2).
    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(Kind::Usage, message)
    }

    /// Anything else (exit 1).
    pub fn other(message: impl Into<String>) -> Self {
        Self::new(Kind::Other, message)
    }

    /// The class of the failure.
    pub fn kind(&self) -> Kind {
        self.kind
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CliError {}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            Self::new(Kind::BrokenPipe, "broken pipe")
        } else {
            Self::other(e.to_string())
        }
    }
}

/// Where the commands of this process send their calls, for network error messages.
static TARGET: OnceLock<String> = OnceLock::new();

/// Records the server the commands talk to (`http://127.0.0.1:8090`, or Meta's hosts).
pub fn set_target(server: Option<&str>) {
    let _ = TARGET.set(server.map_or_else(|| "Meta's hosts".to_owned(), str::to_owned));
}

fn target() -> &'static str {
    TARGET.get().map_or("the server", String::as_str)
}

/// The innermost cause of an error (`Connection refused (os error 111)`).
fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

/// `{"error": "no such endpoint: …"}` (Localgram's control-plane shape) or the first line of
/// whatever else the body was.
fn status_body(snippet: &str) -> String {
    if let Ok(serde_json::Value::Object(map)) = serde_json::from_str(snippet)
        && let Some(serde_json::Value::String(message)) = map.get("error")
    {
        return message.clone();
    }
    let line = snippet.lines().next().unwrap_or_default().trim();
    let mut cut: String = line.chars().take(200).collect();
    if cut.len() < line.len() {
        cut.push('…');
    }
    cut
}

impl From<ClientError> for CliError {
    fn from(e: ClientError) -> Self {
        Self::from_client(&e)
    }
}

impl CliError {
    /// The message an SDK error is reported with (for the retry notes).
    pub fn describe(e: &ClientError) -> String {
        Self::from_client(e).message
    }

    fn from_client(e: &ClientError) -> Self {
        match e {
            ClientError::Api { error, .. } => {
                let mut bracket = format!("code {}", error.code());
                if let Some(sub) = error.subcode() {
                    bracket.push_str(&format!(", subcode {sub}"));
                }
                Self::new(Kind::Api, format!("{} [{bracket}]", error.message()))
            }
            ClientError::OAuth { error, .. } => Self::new(
                Kind::Api,
                format!(
                    "{} [{}, code {}]",
                    error.error_message, error.error_type, error.code
                ),
            ),
            ClientError::Status {
                status,
                body_snippet,
                ..
            } => {
                let body = status_body(body_snippet);
                if body.is_empty() {
                    Self::new(Kind::Api, format!("HTTP {status}"))
                } else {
                    Self::new(Kind::Api, format!("HTTP {status}: {body}"))
                }
            }
            ClientError::Denied { .. }
            | ClientError::StateMismatch
            | ClientError::Redirect(_)
            | ClientError::TokenExpired { .. } => Self::new(Kind::Api, e.to_string()),
            ClientError::Http(inner) => Self::new(
                Kind::Network,
                format!(
                    "network error talking to {}: {}",
                    target(),
                    root_cause(inner)
                ),
            ),
            ClientError::Transport(inner) => Self::new(
                Kind::Network,
                format!(
                    "network error talking to {}: {}",
                    target(),
                    root_cause(inner.as_ref())
                ),
            ),
            ClientError::Input(_) | ClientError::Config(_) => Self::usage(e.to_string()),
            _ => Self::other(e.to_string()),
        }
    }
}

/// The exit code for an error that reached `main`: a [`CliError`]'s own, else 1.
pub fn exit_code(e: &anyhow::Error) -> u8 {
    e.downcast_ref::<CliError>()
        .map_or(1, |c| c.kind().exit_code())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_folded_onto_one_line() {
        let e = CliError::other("first\n  second\r\n\nthird");
        assert_eq!(e.to_string(), "first second third");
    }

    #[test]
    fn status_bodies_show_the_localgram_message_or_the_first_line() {
        assert_eq!(
            status_body(r#"{"error":"no such endpoint: /x"}"#),
            "no such endpoint: /x"
        );
        assert_eq!(status_body("<html>\n<body>"), "<html>");
        assert_eq!(status_body(""), "");
    }

    #[test]
    fn exit_codes_tell_the_classes_apart() {
        let code = |k| exit_code(&anyhow::Error::from(CliError::new(k, "x")));
        assert_eq!(code(Kind::Other), 1);
        assert_eq!(code(Kind::Usage), 2);
        assert_eq!(code(Kind::Api), 3);
        assert_eq!(code(Kind::Network), 4);
        assert_eq!(exit_code(&anyhow::anyhow!("plain")), 1);
    }
}
