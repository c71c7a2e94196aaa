//! The request journal (docs/faults.md, "The request journal"): the calls the emulator answered
//! on the emulated Meta hosts, newest first, bounded (`journal_size`, oldest dropped first).
//! `GET /_localgram/calls`, `POST /_localgram/calls/count` and the dashboard's recent-call list
//! and rate chart all read this one journal.
//!
//! It never holds a token or a secret: secret query and form values (`access_token`,
//! `client_secret`, `code`, …) are replaced by `[redacted]`, and a path segment that looks like a
//! token or a code is too. Bodies other than forms are not kept.
//!
//! On SQLite it lives in the process. On PostgreSQL every call is also written to the database
//! (`journal_calls`) before its answer leaves, and the control routes and the dashboard read the
//! database: every instance lists the calls of all of them ([`recent`]).

use localgram_core::faults::PathPattern;
use serde::Deserialize;
use serde_json::json;
use std::borrow::Cow;
use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Instant;
use thread_local::ThreadLocal;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// How many calls are remembered unless configured (`journal_size`).
pub const CAPACITY: usize = 1000;

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
    /// HTTP method (borrowed for the standard ones, so recording a call copies no name).
    pub method: Cow<'static, str>,
    /// The Meta host (`graph.instagram.com`), empty when unknown (borrowed when it is one of the
    /// emulated hosts).
    pub host: Cow<'static, str>,
    /// The path, host prefix included, with token-like segments redacted.
    pub path: String,
    /// The query string, secrets redacted.
    pub query: Option<String>,
    /// A form body, secrets redacted.
    pub form: Option<String>,
    /// The fault rules that fired on the call.
    pub faults: Vec<String>,
    /// The app, when known.
    pub app: Option<String>,
    /// The user, when known.
    pub user: Option<String>,
    /// HTTP status.
    pub status: u16,
    /// Graph error code, 0 when none.
    pub graph_code: i64,
    /// How long the call took, in microseconds. The in-process journal keeps them exactly; the
    /// database's (PostgreSQL) keeps whole milliseconds, so a call read back from it has a
    /// multiple of 1000 here and `whole_ms` set.
    pub duration_us: u64,
    /// The duration was read back in whole milliseconds (rounded down), not microseconds.
    pub whole_ms: bool,
}

impl Default for Call {
    fn default() -> Self {
        Self {
            at: OffsetDateTime::UNIX_EPOCH,
            method: Cow::Borrowed(""),
            host: Cow::Borrowed(""),
            path: String::new(),
            query: None,
            form: None,
            faults: Vec::new(),
            app: None,
            user: None,
            status: 0,
            graph_code: 0,
            duration_us: 0,
            whole_ms: false,
        }
    }
}

/// The journal: a ring buffer of [`Call`]s per thread, read as one.
///
/// Each thread that records calls keeps the last `capacity` of its own, so that recording a call
/// writes nothing another thread writes: one shared ring's lock, ends and slots moved their
/// cache lines between the workers on every call (a push from each of two threads at once took
/// five times as long as from one). Readers lock every thread's ring, order the calls by the
/// time they were recorded and keep the newest `capacity`: the same calls one ring would hold.
#[derive(Debug)]
pub struct Journal {
    rings: ThreadLocal<Mutex<VecDeque<Recorded>>>,
    /// The instant calls' recording times count from.
    origin: Instant,
    capacity: usize,
}

/// A call and when it was recorded (nanoseconds since the journal's origin, on the monotonic
/// clock: the emulator's clock can stand still or jump).
#[derive(Debug)]
struct Recorded {
    at: u64,
    call: Call,
}

/// The journal's former name.
pub type CallLog = Journal;

impl Default for Journal {
    fn default() -> Self {
        Self::with_capacity(CAPACITY)
    }
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
    if !localgram_core::ascii::split_on(path, b'/').any(secretish) {
        return path.to_owned();
    }
    localgram_core::ascii::split_on(path, b'/')
        .map(|seg| if secretish(seg) { "[redacted]" } else { seg })
        .collect::<Vec<_>>()
        .join("/")
}

impl Journal {
    /// A journal keeping the last `capacity` calls (at least 1).
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            rings: ThreadLocal::new(),
            origin: Instant::now(),
            capacity: capacity.max(1),
        }
    }

    /// How many calls it keeps.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Remembers a call, forgetting this thread's oldest beyond the capacity.
    pub fn push(&self, call: Call) {
        self.push_at(call, Instant::now());
    }

    /// [`Journal::push`], for a call answered at `answered` (the monotonic clock, which orders
    /// the calls: a caller that has just read it passes it on rather than read it again).
    pub fn push_at(&self, call: Call, answered: Instant) {
        let at = u64::try_from(answered.saturating_duration_since(self.origin).as_nanos())
            .unwrap_or(u64::MAX);
        // The forgotten call is dropped after the lock is let go, so a reader never waits on it.
        let forgotten = {
            let mut ring = lock(self.rings.get_or_default());
            // Never more than `capacity` (fixed, at least 1): one out makes room.
            let forgotten = if ring.len() >= self.capacity {
                ring.pop_front()
            } else {
                None
            };
            ring.push_back(Recorded { at, call });
            forgotten
        };
        drop(forgotten);
    }

    /// Forgets every call (`DELETE /_localgram/calls`, and a reset); how many there were.
    pub fn clear(&self) -> usize {
        let held: usize = self
            .rings
            .iter()
            .map(|ring| {
                let mut ring = lock(ring);
                let n = ring.len();
                ring.clear();
                n
            })
            .sum();
        held.min(self.capacity)
    }

    /// `f` of the kept calls, newest first: every thread's, ordered by when they were recorded,
    /// at most `capacity`.
    fn newest<R>(&self, f: impl FnOnce(&mut dyn Iterator<Item = &Call>) -> R) -> R {
        let rings: Vec<_> = self.rings.iter().map(lock).collect();
        // Newest first: by time, then by place in a ring (a thread's calls are in order, and
        // two of them can share a time).
        let mut all: Vec<(u64, usize, usize, &Call)> = rings
            .iter()
            .enumerate()
            .flat_map(|(r, ring)| {
                ring.iter()
                    .enumerate()
                    .map(move |(i, rec)| (rec.at, r, i, &rec.call))
            })
            .collect();
        all.sort_unstable_by_key(|&(at, ring, place, _)| std::cmp::Reverse((at, ring, place)));
        f(&mut all.into_iter().take(self.capacity).map(|(.., c)| c))
    }

    /// The calls `filter` matches, newest first, at most its `limit`.
    pub fn find(&self, filter: &CallFilter) -> Vec<Call> {
        self.newest(|calls| {
            calls
                .filter(|c| filter.matches(c))
                .take(filter.limit.unwrap_or(usize::MAX))
                .cloned()
                .collect()
        })
    }

    /// How many calls `filter` matches (its `limit` ignored).
    pub fn count(&self, filter: &CallFilter) -> usize {
        self.newest(|calls| calls.filter(|c| filter.matches(c)).count())
    }

    /// The remembered calls, newest first.
    pub fn recent(&self) -> Vec<Call> {
        self.newest(|calls| calls.cloned().collect())
    }
}

/// A ring, locked (a panic while it was held leaves a ring that is still whole).
fn lock(ring: &Mutex<VecDeque<Recorded>>) -> std::sync::MutexGuard<'_, VecDeque<Recorded>> {
    ring.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Which calls to list or count; every key given must match.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallFilter {
    /// The Meta host.
    pub host: Option<String>,
    /// The HTTP method.
    pub method: Option<String>,
    /// A path pattern without host and version, as in fault rules (`/me/media`, `/{media-id}`,
    /// `*`, `**`).
    pub path: Option<String>,
    /// The HTTP status.
    pub status: Option<u16>,
    /// The Graph error code.
    pub graph_code: Option<i64>,
    /// The app.
    pub app: Option<String>,
    /// The user.
    pub user: Option<String>,
    /// Only calls answered at or after this instant (RFC 3339, on the emulator clock).
    pub since: Option<String>,
    /// At most this many calls (listing only).
    pub limit: Option<usize>,
    #[serde(skip)]
    compiled: Option<(Option<PathPattern>, Option<OffsetDateTime>)>,
}

impl CallFilter {
    /// A compiled filter on host, status and app (the dashboard's recent-call list).
    pub fn of(
        host: Option<String>,
        status: Option<u16>,
        app: Option<String>,
    ) -> Result<Self, String> {
        Self {
            host,
            status,
            app,
            ..Self::default()
        }
        .compile()
    }

    /// Checks and compiles the filter; the error names the field.
    pub fn compile(mut self) -> Result<Self, String> {
        let path = match &self.path {
            Some(p) => Some(PathPattern::parse(p).map_err(|m| format!("path: {m}"))?),
            None => None,
        };
        let since = match &self.since {
            Some(s) => Some(
                OffsetDateTime::parse(s, &Rfc3339)
                    .map_err(|_| format!("since: {s:?} is not an RFC 3339 time"))?,
            ),
            None => None,
        };
        if let Some(h) = &self.host
            && !localgram_core::faults::HOSTS.contains(&h.as_str())
        {
            return Err(format!(
                "host: {h:?} is not one of {:?}",
                localgram_core::faults::HOSTS
            ));
        }
        if self.limit == Some(0) {
            return Err("limit: must be at least 1".into());
        }
        self.compiled = Some((path, since));
        Ok(self)
    }

    /// The calls (newest first) it matches, at most its `limit`.
    pub fn select(&self, calls: Vec<Call>) -> Vec<Call> {
        calls
            .into_iter()
            .filter(|c| self.matches(c))
            .take(self.limit.unwrap_or(usize::MAX))
            .collect()
    }

    /// Whether a call matches.
    pub fn matches(&self, c: &Call) -> bool {
        let eq = |want: &Option<String>, got: Option<&str>| {
            want.as_deref().is_none_or(|w| got == Some(w))
        };
        if !eq(&self.host, Some(&*c.host))
            || !eq(&self.app, c.app.as_deref())
            || !eq(&self.user, c.user.as_deref())
        {
            return false;
        }
        if let Some(m) = &self.method
            && !m.eq_ignore_ascii_case(&c.method)
        {
            return false;
        }
        if self.status.is_some_and(|s| s != c.status)
            || self.graph_code.is_some_and(|g| g != c.graph_code)
        {
            return false;
        }
        let (path, since) = self.compiled.clone().unwrap_or((None, None));
        if since.is_some_and(|s| c.at < s) {
            return false;
        }
        if let Some(p) = path {
            let segs = host_segments(&c.path);
            if !p.matches(&segs) {
                return false;
            }
        }
        true
    }
}

/// The segments of a journal path after its host and version.
fn host_segments(path: &str) -> Vec<&str> {
    let mut segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).skip(1).collect();
    if segs.first().is_some_and(|s| {
        s.strip_prefix('v')
            .is_some_and(|v| v.contains('.') && v.bytes().all(|b| b.is_ascii_digit() || b == b'.'))
    }) {
        segs.remove(0);
    }
    segs
}

impl Call {
    /// The JSON shape of `GET /_localgram/calls`.
    pub fn view(&self) -> serde_json::Value {
        json!({
            "at": self.at.format(&Rfc3339).unwrap_or_default(),
            "method": self.method,
            "host": self.host,
            "path": self.path,
            "query": self.query,
            "form": self.form,
            "status": self.status,
            "graph_code": if self.graph_code == 0 { None } else { Some(self.graph_code) },
            "latency_ms": self.duration_us / 1000,
            "app": self.app,
            "user": self.user,
            "faults": self.faults,
        })
    }
}

/// The host of an API path (`/graph.instagram.com/...` → `graph.instagram.com`).
pub fn host_of(path: &str) -> &str {
    let rest = path.strip_prefix('/').unwrap_or(path);
    localgram_core::ascii::split_once_on(rest, b'/').map_or(rest, |(host, _)| host)
}

/// [`host_of`] as a journal keeps it: one of the emulated hosts borrowed, anything else copied.
pub fn journal_host(path: &str) -> Cow<'static, str> {
    let host = host_of(path);
    match localgram_core::faults::HOSTS.iter().find(|h| **h == host) {
        Some(known) => Cow::Borrowed(known),
        None => Cow::Owned(host.to_owned()),
    }
}

/// A method's name as a journal keeps it: the standard methods borrowed, others copied.
pub fn journal_method(method: &axum::http::Method) -> Cow<'static, str> {
    use axum::http::Method;
    const STANDARD: [(Method, &str); 9] = [
        (Method::GET, "GET"),
        (Method::POST, "POST"),
        (Method::PUT, "PUT"),
        (Method::DELETE, "DELETE"),
        (Method::HEAD, "HEAD"),
        (Method::OPTIONS, "OPTIONS"),
        (Method::PATCH, "PATCH"),
        (Method::CONNECT, "CONNECT"),
        (Method::TRACE, "TRACE"),
    ];
    match STANDARD.iter().find(|(m, _)| m == method) {
        Some((_, name)) => Cow::Borrowed(name),
        None => Cow::Owned(method.as_str().to_owned()),
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
    fn journal_names_are_borrowed_when_known_and_copied_otherwise() {
        use axum::http::Method;
        for m in [Method::GET, Method::POST, Method::DELETE, Method::PATCH] {
            let name = journal_method(&m);
            assert!(matches!(name, Cow::Borrowed(_)), "{m}");
            assert_eq!(name, m.as_str());
        }
        let custom = Method::from_bytes(b"PURGE").unwrap();
        assert_eq!(journal_method(&custom), Cow::<str>::Owned("PURGE".into()));
        let host = journal_host("/graph.facebook.com/v21.0/me");
        assert!(matches!(host, Cow::Borrowed("graph.facebook.com")));
        let other = journal_host("/elsewhere.example/x");
        assert_eq!(other, Cow::<str>::Owned("elsewhere.example".into()));
    }

    #[test]
    fn the_ring_keeps_the_newest() {
        let log = CallLog::default();
        for i in 0..CAPACITY + 5 {
            log.push(Call {
                at: OffsetDateTime::UNIX_EPOCH,
                method: "GET".into(),
                path: format!("/{i}"),
                status: 200,
                duration_us: 1,
                ..Call::default()
            });
        }
        let recent = log.recent();
        assert_eq!(recent.len(), CAPACITY);
        assert_eq!(recent[0].path, format!("/{}", CAPACITY + 4));
        let small = Journal::with_capacity(2);
        for i in 0..3 {
            small.push(Call {
                path: format!("/{i}"),
                ..Call::default()
            });
        }
        assert_eq!(small.recent().len(), 2);
        assert_eq!(small.clear(), 2);
        assert!(small.recent().is_empty());
    }

    #[test]
    fn calls_recorded_on_several_threads_read_as_one_ring() {
        let journal = Journal::with_capacity(5);
        let push = |paths: std::ops::Range<usize>| {
            for i in paths {
                journal.push(Call {
                    path: format!("/{i}"),
                    ..Call::default()
                });
            }
        };
        // Both threads live until both are done, so each records into a ring of its own: one
        // records /0 to /3, then the other /4 to /7.
        let turns = std::sync::Barrier::new(2);
        std::thread::scope(|s| {
            s.spawn(|| {
                push(0..4);
                turns.wait();
                turns.wait();
            });
            s.spawn(|| {
                turns.wait();
                push(4..8);
                turns.wait();
            });
        });
        assert_eq!(journal.rings.iter().count(), 2);
        let paths = |calls: Vec<Call>| calls.into_iter().map(|c| c.path).collect::<Vec<_>>();
        // The newest five of all, newest first, whichever ring holds them.
        assert_eq!(paths(journal.recent()), ["/7", "/6", "/5", "/4", "/3"]);
        assert_eq!(journal.count(&CallFilter::default()), 5);
        let two = CallFilter {
            limit: Some(2),
            ..CallFilter::default()
        };
        assert_eq!(paths(journal.find(&two)), ["/7", "/6"]);
        // A third thread's call is the newest.
        push(8..9);
        assert_eq!(paths(journal.recent()), ["/8", "/7", "/6", "/5", "/4"]);
        assert_eq!(journal.clear(), 5);
        assert!(journal.recent().is_empty());
        assert_eq!(journal.count(&CallFilter::default()), 0);
    }

    #[test]
    fn filters_match_host_path_status_and_time() {
        let log = Journal::default();
        let at = |s: i64| OffsetDateTime::UNIX_EPOCH + time::Duration::seconds(s);
        for (i, path) in [
            "/graph.instagram.com/v22.0/me/media",
            "/graph.instagram.com/me",
            "/graph.instagram.com/me/media",
        ]
        .iter()
        .enumerate()
        {
            log.push(Call {
                at: at(i as i64),
                method: "GET".into(),
                host: "graph.instagram.com".into(),
                path: (*path).into(),
                status: if i == 2 { 503 } else { 200 },
                graph_code: if i == 2 { 2 } else { 0 },
                ..Call::default()
            });
        }
        let f = |json: &str| {
            serde_json::from_str::<CallFilter>(json)
                .unwrap()
                .compile()
                .unwrap()
        };
        assert_eq!(log.count(&f(r#"{"path": "/me/media"}"#)), 2);
        assert_eq!(log.count(&f(r#"{"path": "/me/media", "status": 503}"#)), 1);
        assert_eq!(log.count(&f(r#"{"graph_code": 2}"#)), 1);
        assert_eq!(log.count(&f(r#"{"since": "1970-01-01T00:00:01Z"}"#)), 2);
        let newest = log.find(&f(r#"{"limit": 1}"#));
        assert_eq!(newest[0].path, "/graph.instagram.com/me/media");
        let bad = serde_json::from_str::<CallFilter>(r#"{"since": "yesterday"}"#)
            .unwrap()
            .compile()
            .unwrap_err();
        assert!(bad.starts_with("since:"), "{bad}");
    }
}
