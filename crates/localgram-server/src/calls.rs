//! The emulator's memory of recent API calls, for the dashboard: a ring buffer of the last
//! [`CAPACITY`] calls to the emulated Meta hosts (method, path, app, user, status, Graph code,
//! duration). It never holds a token or a secret: the query and the body are not kept, and a
//! path segment that looks like a token or a code is replaced by `[redacted]`.
//!
//! It lives in the process (each instance remembers its own calls) and is also where the
//! dashboard's rate-usage chart reads its numbers.

use std::collections::VecDeque;
use std::sync::Mutex;
use time::OffsetDateTime;

/// How many calls are remembered.
pub const CAPACITY: usize = 500;

/// The path prefixes of the emulated Meta hosts: only calls to them are remembered.
const API_PREFIXES: &[&str] = &[
    "/graph.instagram.com",
    "/api.instagram.com",
    "/www.instagram.com",
    "/graph.facebook.com",
    "/www.facebook.com",
];

/// One remembered call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    /// When it was answered (the emulator clock).
    pub at: OffsetDateTime,
    /// HTTP method.
    pub method: String,
    /// The path, with token-like segments redacted; never the query.
    pub path: String,
    /// The app, when known.
    pub app: Option<String>,
    /// The user, when known.
    pub user: Option<String>,
    /// HTTP status.
    pub status: u16,
    /// Graph error code, 0 when none.
    pub graph_code: i64,
    /// How long the call took, in milliseconds.
    pub duration_ms: u64,
}

/// The ring buffer.
#[derive(Debug, Default)]
pub struct CallLog {
    calls: Mutex<VecDeque<Call>>,
}

/// Whether a path is an API call worth remembering.
pub fn is_api_path(path: &str) -> bool {
    API_PREFIXES.iter().any(|p| {
        path.strip_prefix(p)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    })
}

/// `path` with every segment that looks like a token, a code or a secret replaced.
pub fn redact_path(path: &str) -> String {
    let secretish = |seg: &str| {
        let prefixed = ["IG", "EAA", "AQ"].iter().any(|p| seg.starts_with(p));
        let long_opaque = seg.len() >= 32 && !seg.bytes().all(|b| b.is_ascii_digit());
        (prefixed && seg.len() >= 24) || long_opaque
    };
    if !path.split('/').any(secretish) {
        return path.to_owned();
    }
    path.split('/')
        .map(|seg| if secretish(seg) { "[redacted]" } else { seg })
        .collect::<Vec<_>>()
        .join("/")
}

impl CallLog {
    /// Remembers a call, forgetting the oldest beyond [`CAPACITY`].
    /// Forgets every call.
    pub fn clear(&self) {
        self.calls.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }

    pub fn push(&self, call: Call) {
        let mut calls = self.calls.lock().unwrap_or_else(|p| p.into_inner());
        if calls.len() == CAPACITY {
            calls.pop_front();
        }
        calls.push_back(call);
    }

    /// The remembered calls, newest first.
    pub fn recent(&self) -> Vec<Call> {
        let calls = self.calls.lock().unwrap_or_else(|p| p.into_inner());
        calls.iter().rev().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_api_hosts_are_remembered_and_token_segments_are_redacted() {
        assert!(is_api_path("/graph.instagram.com/me/media"));
        assert!(is_api_path("/api.instagram.com/oauth/access_token"));
        assert!(!is_api_path("/apps/123"));
        assert!(!is_api_path("/graph.instagram.com.evil/x"));
        assert_eq!(
            redact_path("/graph.instagram.com/v21.0/17841400000000001/media"),
            "/graph.instagram.com/v21.0/17841400000000001/media"
        );
        assert_eq!(
            redact_path("/graph.instagram.com/IGQVJabcdefghijklmnopqrstuvwxyz012345"),
            "/graph.instagram.com/[redacted]"
        );
    }

    #[test]
    fn the_ring_keeps_the_newest() {
        let log = CallLog::default();
        for i in 0..CAPACITY + 5 {
            log.push(Call {
                at: OffsetDateTime::UNIX_EPOCH,
                method: "GET".into(),
                path: format!("/{i}"),
                app: None,
                user: None,
                status: 200,
                graph_code: 0,
                duration_ms: 1,
            });
        }
        let recent = log.recent();
        assert_eq!(recent.len(), CAPACITY);
        assert_eq!(recent[0].path, format!("/{}", CAPACITY + 4));
    }
}
