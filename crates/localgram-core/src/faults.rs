//! Fault rules (docs/faults.md): what a rule matches, when it fires, and what it does, with the
//! firing state machine. The server reads the request facts, asks [`FaultRegistry::evaluate`]
//! which rules fire, and produces the effects on the wire (`localgram-server`'s `faults.rs`).
//!
//! A rule's spec is the JSON (or TOML) object `{"match": …, "when": …, "effect": …}`; it is
//! validated whole before anything is installed, and every error names the field at fault.
//!
//! Firing is deterministic: a rule counts the calls it matched (`matched`) and the times it fired
//! (`fired`); the decision for the n-th matching call depends only on the rule, `n`, `fired` and
//! the rule's seed. A probability is drawn from SplitMix64 over the seed and `n`, so the same seed
//! and the same calls give the same firings, on one instance or several.

use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

/// The most rules installed at once.
pub const MAX_RULES: usize = 1_000;

/// A malformed rule: the field at fault and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct RuleError {
    /// The field, as a path (`effect.graph_error.code`).
    pub field: String,
    /// What is wrong.
    pub message: String,
}

fn bad(field: &str, message: impl Into<String>) -> RuleError {
    RuleError {
        field: field.to_owned(),
        message: message.into(),
    }
}

/// A rule as written: `{"match": …, "when": …, "effect": …}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    /// The rule's id (generated when absent); a rule added with the id of an installed one
    /// replaces it, so loading a world twice installs its rules once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Which calls the rule concerns (every call when empty).
    #[serde(rename = "match", default)]
    pub matcher: Matcher,
    /// When it fires among the calls it matches (every one when empty).
    #[serde(default)]
    pub when: When,
    /// What it does.
    pub effect: Effect,
}

/// What a rule matches; every key given must match.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Matcher {
    /// The Meta host (`graph.instagram.com`, `graph.facebook.com`, `api.instagram.com`,
    /// `www.instagram.com`, `www.facebook.com`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// The HTTP method (after graph's `?method=` override).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// A path pattern, without the version: `/me/media`, `/{media-id}`, `/{user-id}/accounts`,
    /// `*` for one segment, `**` for any number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The kind of the node addressed: `user`, `media`, `page`, `app`, `facebook_user`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node: Option<String>,
    /// The edge addressed (`media`, `children`, `accounts`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edge: Option<String>,
    /// The id of the node addressed (`me` stands for the token's user).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object: Option<String>,
    /// The app (of the token, or the `client_id` of an OAuth call).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app: Option<String>,
    /// The user of the token (Instagram account id or Facebook user id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// The token's kind (`instagram_short_lived`, `instagram_long_lived`, `facebook_user`,
    /// `facebook_user_long_lived`, `page`, `app`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_kind: Option<String>,
    /// One token, by its string as the client sends it. Never kept: a rule turns it into
    /// `token_sha256` when it is made, so lists, exports and the journal never show it.
    #[serde(default, skip_serializing)]
    pub token: Option<String>,
    /// One token, by the SHA-256 of its string (lowercase hex), as exports write it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_sha256: Option<String>,
}

/// When a matching call fires the rule. At most one of `always`, `nth`, `every`, `after`;
/// `times` and `probability` narrow it further.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct When {
    /// Every matching call (the default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub always: Option<bool>,
    /// Only the N-th matching call (1 is the first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nth: Option<u64>,
    /// Every N-th matching call (N, 2N, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub every: Option<u64>,
    /// Every matching call after the first N.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<u64>,
    /// At most K firings in all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<u64>,
    /// The chance (0 to 1) that an otherwise firing call fires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probability: Option<f64>,
    /// The seed of the probability draws (drawn at random when absent, and then shown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
}

/// What a firing rule does: exactly one key.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Effect {
    /// Answer a Graph error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub graph_error: Option<GraphErrorEffect>,
    /// Answer an Instagram OAuth error (`api.instagram.com`'s flat envelope).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oauth_error: Option<OAuthErrorEffect>,
    /// Answer a throttling error with its usage header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub throttle: Option<ThrottleEffect>,
    /// Revoke the call's token: this call and every later one answer 190/460.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoke_token: Option<bool>,
    /// Delay the answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency: Option<LatencyEffect>,
    /// Close the connection without an answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drop_connection: Option<bool>,
    /// A page whose `paging.next` is the page itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor_loop: Option<bool>,
    /// A page with no data but a `paging.next`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub empty_page: Option<bool>,
}

/// A Graph error answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GraphErrorEffect {
    /// `code`.
    pub code: i64,
    /// `error_subcode`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subcode: Option<i64>,
    /// `type` (`OAuthException` by default).
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub error_type: Option<String>,
    /// `message` (Meta's text for the code by default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// `is_transient`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_transient: Option<bool>,
    /// `error_user_title`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_user_title: Option<String>,
    /// `error_user_msg`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_user_msg: Option<String>,
    /// The HTTP status (by default 500 for code 1, 503 for code 2, 400 otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
}

/// An Instagram OAuth error answer: `{"error_type", "code", "error_message"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OAuthErrorEffect {
    /// `error_message`.
    pub message: String,
    /// `error_type` (`OAuthException` by default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_type: Option<String>,
    /// The HTTP status, also the body's `code` (400 by default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
}

/// A throttling answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThrottleEffect {
    /// 4 (app), 17 (user), 32 (Page), 613 (custom), 80001 (Pages BUC), 80002 (Instagram BUC).
    pub code: i64,
    /// Minutes until calls are admitted again, in `X-Business-Use-Case-Usage` (60 by default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estimated_time_to_regain_access: Option<i64>,
}

/// The throttling codes a rule may use.
pub const THROTTLE_CODES: &[i64] = &[4, 17, 32, 613, 80001, 80002];

/// Added latency: `{"ms": 300}` or `{"min_ms": 100, "max_ms": 900}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LatencyEffect {
    /// A fixed delay.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ms: Option<u64>,
    /// The shortest delay of a range.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_ms: Option<u64>,
    /// The longest delay of a range.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_ms: Option<u64>,
}

/// The longest delay a rule may add (the server's request timeout is 30 s).
pub const MAX_LATENCY_MS: u64 = 25_000;

/// The hosts a rule may name.
pub const HOSTS: &[&str] = &[
    "api.instagram.com",
    "www.instagram.com",
    "graph.instagram.com",
    "www.facebook.com",
    "graph.facebook.com",
];

/// The node kinds a rule may name.
pub const NODE_KINDS: &[&str] = &["user", "media", "page", "app", "facebook_user"];

/// The effect, as one value.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// See [`Effect::graph_error`].
    GraphError(GraphErrorEffect),
    /// See [`Effect::oauth_error`].
    OAuthError(OAuthErrorEffect),
    /// See [`Effect::throttle`].
    Throttle(ThrottleEffect),
    /// See [`Effect::revoke_token`].
    RevokeToken,
    /// A delay in milliseconds, drawn when the rule fires.
    Latency {
        /// Shortest.
        min_ms: u64,
        /// Longest.
        max_ms: u64,
    },
    /// See [`Effect::drop_connection`].
    DropConnection,
    /// See [`Effect::cursor_loop`].
    CursorLoop,
    /// See [`Effect::empty_page`].
    EmptyPage,
}

impl Action {
    /// Whether the action answers in place of the handler (the rules after it are not tried).
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            Self::GraphError(_) | Self::OAuthError(_) | Self::Throttle(_) | Self::DropConnection
        )
    }
}

fn only_true(field: &str, v: Option<bool>) -> Result<bool, RuleError> {
    match v {
        None => Ok(false),
        Some(true) => Ok(true),
        Some(false) => Err(bad(field, "must be true when given")),
    }
}

impl RuleSpec {
    /// Parses a rule from JSON, naming the field at fault.
    pub fn from_json(body: &[u8]) -> Result<Self, RuleError> {
        let de = &mut serde_json::Deserializer::from_slice(body);
        let spec: Self = serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            let field = if path == "." { "rule".to_owned() } else { path };
            bad(&field, e.into_inner().to_string())
        })?;
        spec.validate()?;
        Ok(spec)
    }

    /// Checks everything serde does not; the error names the field.
    pub fn validate(&self) -> Result<(), RuleError> {
        if let Some(id) = &self.id
            && (id.is_empty()
                || id.len() > 64
                || !id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
        {
            return Err(bad("id", "1 to 64 letters, digits, - or _"));
        }
        self.action()?;
        let m = &self.matcher;
        if let Some(h) = &m.host
            && !HOSTS.contains(&h.as_str())
        {
            return Err(bad("match.host", format!("{h:?} is not one of {HOSTS:?}")));
        }
        if let Some(me) = &m.method
            && !["GET", "POST", "DELETE", "PUT", "HEAD", "OPTIONS"]
                .contains(&me.to_ascii_uppercase().as_str())
        {
            return Err(bad("match.method", format!("{me:?} is not an HTTP method")));
        }
        if let Some(p) = &m.path {
            PathPattern::parse(p).map_err(|msg| bad("match.path", msg))?;
        }
        if let Some(n) = &m.node
            && !NODE_KINDS.contains(&n.as_str())
        {
            return Err(bad(
                "match.node",
                format!("{n:?} is not one of {NODE_KINDS:?}"),
            ));
        }
        if let Some(k) = &m.token_kind
            && crate::model::TokenKind::parse(k).is_none()
        {
            return Err(bad(
                "match.token_kind",
                format!("{k:?} is not a token kind"),
            ));
        }
        if let Some(h) = &m.token_sha256
            && (h.len() != 64
                || !h
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
        {
            return Err(bad(
                "match.token_sha256",
                "64 lowercase hex digits (the SHA-256 of the token string)",
            ));
        }
        if m.token.is_some() && m.token_sha256.is_some() {
            return Err(bad(
                "match.token",
                "give the token or its token_sha256, not both",
            ));
        }
        for (field, v) in [
            ("match.token", &m.token),
            ("match.edge", &m.edge),
            ("match.object", &m.object),
            ("match.app", &m.app),
            ("match.user", &m.user),
        ] {
            if v.as_deref().is_some_and(str::is_empty) {
                return Err(bad(field, "must not be empty"));
            }
        }
        let w = &self.when;
        let bases = [
            w.always.is_some(),
            w.nth.is_some(),
            w.every.is_some(),
            w.after.is_some(),
        ];
        if bases.iter().filter(|b| **b).count() > 1 {
            return Err(bad("when", "give at most one of always, nth, every, after"));
        }
        only_true("when.always", w.always)?;
        for (field, v) in [
            ("when.nth", w.nth),
            ("when.every", w.every),
            ("when.times", w.times),
        ] {
            if v == Some(0) {
                return Err(bad(field, "must be at least 1"));
            }
        }
        if let Some(p) = w.probability
            && !(p > 0.0 && p <= 1.0)
        {
            return Err(bad("when.probability", "must be above 0 and at most 1"));
        }
        if w.seed.is_some() && w.probability.is_none() {
            return Err(bad("when.seed", "only with when.probability"));
        }
        Ok(())
    }

    /// The one effect the rule has.
    pub fn action(&self) -> Result<Action, RuleError> {
        let e = &self.effect;
        let mut actions = Vec::new();
        if let Some(g) = &e.graph_error {
            if let Some(s) = g.status
                && !(400..=599).contains(&s)
            {
                return Err(bad(
                    "effect.graph_error.status",
                    "must be an error status (400 to 599)",
                ));
            }
            if g.code <= 0 {
                return Err(bad("effect.graph_error.code", "must be a positive number"));
            }
            if let Some(t) = &g.error_type
                && (t.is_empty() || t.len() > 100)
            {
                return Err(bad(
                    "effect.graph_error.type",
                    "must be 1 to 100 characters",
                ));
            }
            actions.push(Action::GraphError(g.clone()));
        }
        if let Some(o) = &e.oauth_error {
            if let Some(s) = o.status
                && !(400..=599).contains(&s)
            {
                return Err(bad(
                    "effect.oauth_error.status",
                    "must be an error status (400 to 599)",
                ));
            }
            actions.push(Action::OAuthError(o.clone()));
        }
        if let Some(t) = &e.throttle {
            if !THROTTLE_CODES.contains(&t.code) {
                return Err(bad(
                    "effect.throttle.code",
                    format!("must be one of {THROTTLE_CODES:?}"),
                ));
            }
            if let Some(m) = t.estimated_time_to_regain_access
                && !(0..=1440).contains(&m)
            {
                return Err(bad(
                    "effect.throttle.estimated_time_to_regain_access",
                    "minutes, between 0 and 1440",
                ));
            }
            actions.push(Action::Throttle(t.clone()));
        }
        if only_true("effect.revoke_token", e.revoke_token)? {
            actions.push(Action::RevokeToken);
        }
        if let Some(l) = &e.latency {
            let (min_ms, max_ms) = match (l.ms, l.min_ms, l.max_ms) {
                (Some(ms), None, None) => (ms, ms),
                (None, Some(a), Some(b)) if a <= b => (a, b),
                (None, Some(_), Some(_)) => {
                    return Err(bad("effect.latency.min_ms", "must not exceed max_ms"));
                }
                _ => {
                    return Err(bad(
                        "effect.latency",
                        "give either ms, or both min_ms and max_ms",
                    ));
                }
            };
            if max_ms > MAX_LATENCY_MS {
                return Err(bad(
                    "effect.latency",
                    format!("at most {MAX_LATENCY_MS} ms"),
                ));
            }
            actions.push(Action::Latency { min_ms, max_ms });
        }
        if only_true("effect.drop_connection", e.drop_connection)? {
            actions.push(Action::DropConnection);
        }
        if only_true("effect.cursor_loop", e.cursor_loop)? {
            actions.push(Action::CursorLoop);
        }
        if only_true("effect.empty_page", e.empty_page)? {
            actions.push(Action::EmptyPage);
        }
        match actions.len() {
            1 => Ok(actions.remove(0)),
            0 => Err(bad(
                "effect",
                "give one of graph_error, oauth_error, throttle, revoke_token, latency, drop_connection, cursor_loop, empty_page",
            )),
            _ => Err(bad("effect", "give exactly one effect per rule")),
        }
    }

    /// Which facts the matcher needs beyond the host, method and path.
    pub fn needs(&self) -> Needs {
        let m = &self.matcher;
        Needs {
            token: m.app.is_some()
                || m.user.is_some()
                || m.token_kind.is_some()
                || m.token.is_some()
                || m.token_sha256.is_some()
                || m.object.as_deref() == Some("me"),
            node: m.node.is_some(),
        }
    }
}

/// Facts a matcher needs that cost a lookup.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Needs {
    /// The token's app, user and kind.
    pub token: bool,
    /// The kind of the node addressed.
    pub node: bool,
}

impl Needs {
    fn or(self, o: Self) -> Self {
        Self {
            token: self.token || o.token,
            node: self.node || o.node,
        }
    }
}

/// A compiled path pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathPattern(Vec<Seg>);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Seg {
    Literal(String),
    /// `{name}`: an id (digits) or `me`.
    Id,
    /// `*`.
    Any,
    /// `**`.
    Rest,
}

impl PathPattern {
    /// Parses `/me/media`, `/{media-id}`, `/*/accounts`, `/**`.
    pub fn parse(p: &str) -> Result<Self, String> {
        if !p.starts_with('/') {
            return Err(format!("{p:?} must start with /"));
        }
        if p.len() > 500 {
            return Err("at most 500 characters".into());
        }
        let mut segs = Vec::new();
        for s in p.split('/').filter(|s| !s.is_empty()) {
            segs.push(match s {
                "*" => Seg::Any,
                "**" => Seg::Rest,
                s if s.starts_with('{') && s.ends_with('}') && s.len() > 2 => Seg::Id,
                s if s.contains(['{', '}', '*']) => {
                    return Err(format!("{s:?}: use {{name}}, * or ** as a whole segment"));
                }
                s => Seg::Literal(s.to_owned()),
            });
        }
        Ok(Self(segs))
    }

    /// Whether the path segments (version removed) match.
    pub fn matches(&self, segments: &[&str]) -> bool {
        fn go(pat: &[Seg], segs: &[&str]) -> bool {
            match pat.split_first() {
                None => segs.is_empty(),
                Some((Seg::Rest, rest)) => (0..=segs.len()).any(|i| go(rest, &segs[i..])),
                Some((p, rest)) => {
                    let Some((s, more)) = segs.split_first() else {
                        return false;
                    };
                    let ok = match p {
                        Seg::Literal(l) => l == s,
                        Seg::Id => {
                            *s == "me" || (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
                        }
                        Seg::Any => true,
                        Seg::Rest => unreachable!("handled above"),
                    };
                    ok && go(rest, more)
                }
            }
        }
        go(&self.0, segments)
    }
}

/// What is known of a call when the rules are tried.
#[derive(Debug, Clone, Default)]
pub struct CallFacts<'a> {
    /// The Meta host.
    pub host: &'a str,
    /// The method (upper case).
    pub method: &'a str,
    /// The path segments after the host and the version.
    pub segments: Vec<&'a str>,
    /// The node's kind, when looked up.
    pub node: Option<&'a str>,
    /// The token's app (or the OAuth call's `client_id`).
    pub app: Option<&'a str>,
    /// The token's user.
    pub user: Option<&'a str>,
    /// The token's kind.
    pub token_kind: Option<&'a str>,
    /// The SHA-256 of the token string (lowercase hex), when the call carries a known token.
    pub token_sha256: Option<&'a str>,
}

impl Matcher {
    fn matches(&self, path: Option<&PathPattern>, f: &CallFacts<'_>) -> bool {
        let eq = |want: &Option<String>, got: Option<&str>| {
            want.as_deref().is_none_or(|w| got == Some(w))
        };
        if !eq(&self.host, Some(f.host)) {
            return false;
        }
        if let Some(m) = &self.method
            && !m.eq_ignore_ascii_case(f.method)
        {
            return false;
        }
        if let Some(p) = path
            && !p.matches(&f.segments)
        {
            return false;
        }
        if !eq(&self.edge, f.segments.get(1).copied()) {
            return false;
        }
        if let Some(o) = &self.object {
            let first = f.segments.first().copied();
            let ok = first == Some(o.as_str())
                || (first == Some("me") && f.user == Some(o.as_str()))
                || (o == "me" && (first == Some("me") || (first.is_some() && first == f.user)));
            if !ok {
                return false;
            }
        }
        eq(&self.node, f.node)
            && eq(&self.app, f.app)
            && eq(&self.user, f.user)
            && eq(&self.token_kind, f.token_kind)
            && eq(&self.token_sha256, f.token_sha256)
    }
}

/// SplitMix64 of `x`.
fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A uniform draw in `[0, 1)` for the `n`-th matching call under `seed`.
pub fn draw(seed: u64, n: u64) -> f64 {
    #[allow(clippy::cast_precision_loss)]
    let v = (mix(seed ^ mix(n)) >> 11) as f64;
    v / (1u64 << 53) as f64
}

impl When {
    /// Whether the `n`-th matching call (1-based) fires, when the rule fired `fired` times
    /// before; `seed` is the rule's.
    pub fn fires(&self, n: u64, fired: u64, seed: u64) -> bool {
        let base = if let Some(k) = self.nth {
            n == k
        } else if let Some(k) = self.every {
            n.is_multiple_of(k)
        } else if let Some(k) = self.after {
            n > k
        } else {
            true
        };
        if !base {
            return false;
        }
        if self.times.is_some_and(|k| fired >= k) {
            return false;
        }
        self.probability.is_none_or(|p| draw(seed, n) < p)
    }
}

/// A rule's counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Calls the rule matched.
    pub matched: u64,
    /// Times it fired.
    pub fired: u64,
}

/// An installed rule.
#[derive(Debug)]
pub struct Rule {
    /// Its id.
    pub id: String,
    /// As given, with the seed filled in when it has a probability.
    pub spec: RuleSpec,
    action: Action,
    path: Option<PathPattern>,
    counts: Mutex<Counts>,
}

impl Rule {
    /// A rule from a validated spec; a probability without a seed gets `seed`.
    pub fn new(id: String, mut spec: RuleSpec, seed: u64) -> Result<Self, RuleError> {
        spec.validate()?;
        if let Some(raw) = spec.matcher.token.take() {
            spec.matcher.token_sha256 = Some(crate::secret::SecretHash::of(&raw).0);
        }
        let id = spec.id.take().unwrap_or(id);
        if spec.when.probability.is_some() && spec.when.seed.is_none() {
            spec.when.seed = Some(seed);
        }
        let action = spec.action()?;
        let path = match &spec.matcher.path {
            Some(p) => Some(PathPattern::parse(p).map_err(|m| bad("match.path", m))?),
            None => None,
        };
        Ok(Self {
            id,
            spec,
            action,
            path,
            counts: Mutex::default(),
        })
    }

    /// Its effect.
    pub fn action(&self) -> &Action {
        &self.action
    }

    /// Its counts so far.
    pub fn counts(&self) -> Counts {
        *self.counts.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether the call matches.
    pub fn matches(&self, facts: &CallFacts<'_>) -> bool {
        self.spec.matcher.matches(self.path.as_ref(), facts)
    }

    /// Whether the `n`-th matching call fires when the rule fired `fired` times before.
    pub fn decide(&self, n: u64, fired: u64) -> bool {
        self.spec
            .when
            .fires(n, fired, self.spec.when.seed.unwrap_or(0))
    }

    /// Sets the counts (from the rules shared through the database).
    pub fn set_counts(&self, counts: Counts) {
        *self.counts.lock().unwrap_or_else(|p| p.into_inner()) = counts;
    }

    /// The spec as stored and shared: `{"id", "match", "when", "effect"}`, the seed filled in.
    pub fn stored_spec(&self) -> String {
        let mut spec = self.spec.clone();
        spec.id = Some(self.id.clone());
        serde_json::to_string(&spec).unwrap_or_default()
    }

    /// Counts a matching call and says whether the rule fires on it (and the call's number).
    pub fn count_match(&self) -> (bool, u64) {
        let mut c = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        c.matched += 1;
        let fires = self
            .spec
            .when
            .fires(c.matched, c.fired, self.spec.when.seed.unwrap_or(0));
        if fires {
            c.fired += 1;
        }
        (fires, c.matched)
    }

    /// The listing shape: `{"id", "match", "when", "effect", "fired"}`.
    pub fn view(&self) -> serde_json::Value {
        let c = self.counts();
        serde_json::json!({
            "id": self.id,
            "match": self.spec.matcher,
            "when": self.spec.when,
            "effect": self.spec.effect,
            "fired": c.fired,
            "matched": c.matched,
        })
    }
}

/// A rule that fired on a call.
#[derive(Debug, Clone)]
pub struct Firing {
    /// The rule.
    pub rule: Arc<Rule>,
    /// The matching call's number for this rule (1-based).
    pub n: u64,
}

impl Firing {
    /// The delay of a latency rule, drawn under the rule's seed for this call.
    pub fn latency_ms(&self) -> Option<u64> {
        let Action::Latency { min_ms, max_ms } = self.rule.action else {
            return None;
        };
        if min_ms == max_ms {
            return Some(min_ms);
        }
        let seed = self
            .rule
            .spec
            .when
            .seed
            .unwrap_or_else(|| mix(self.rule.id.len() as u64));
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            clippy::cast_precision_loss
        )]
        let extra = (draw(seed ^ 0x5A5A, self.n) * (max_ms - min_ms + 1) as f64) as u64;
        Some(min_ms + extra.min(max_ms - min_ms))
    }
}

/// The installed rules of a process. With no rule installed, [`FaultRegistry::is_empty`] is
/// one atomic load: the only cost a call pays.
#[derive(Debug, Default)]
pub struct FaultRegistry {
    active: AtomicBool,
    rules: RwLock<Arc<Vec<Arc<Rule>>>>,
    needs: Mutex<Needs>,
    next_id: AtomicU64,
    /// Serializes additions and removals.
    edit: Mutex<()>,
    /// Put between `f` and the number of generated ids (instances sharing rules set one each).
    id_prefix: Mutex<String>,
}

impl FaultRegistry {
    /// Whether no rule is installed (one atomic load).
    #[inline]
    pub fn is_empty(&self) -> bool {
        !self.active.load(Ordering::Acquire)
    }

    /// The rules, in the order they are tried.
    pub fn rules(&self) -> Arc<Vec<Arc<Rule>>> {
        self.rules.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The facts the installed rules need.
    pub fn needs(&self) -> Needs {
        *self.needs.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn replace(&self, rules: Vec<Arc<Rule>>) {
        let needs = rules
            .iter()
            .fold(Needs::default(), |n, r| n.or(r.spec.needs()));
        let active = !rules.is_empty();
        *self.needs.lock().unwrap_or_else(|p| p.into_inner()) = needs;
        *self.rules.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(rules);
        self.active.store(active, Ordering::Release);
    }

    /// A fresh rule id (`f1`, `f2`, …, or `f{prefix}1`, … after [`FaultRegistry::set_id_prefix`]).
    pub fn next_id(&self) -> String {
        let n = self.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        let prefix = self.id_prefix.lock().unwrap_or_else(|p| p.into_inner());
        format!("f{prefix}{n}")
    }

    /// Sets the prefix of generated ids, so that instances sharing rules never pick the same id.
    pub fn set_id_prefix(&self, prefix: &str) {
        *self.id_prefix.lock().unwrap_or_else(|p| p.into_inner()) = prefix.to_owned();
    }

    /// Installs rules after the existing ones, all or none; a rule with the id of an installed
    /// one replaces it in place (its counts start again).
    pub fn add(&self, rules: Vec<Rule>) -> Result<(), RuleError> {
        let _edit = self.edit.lock().unwrap_or_else(|p| p.into_inner());
        let mut all: Vec<Arc<Rule>> = self.rules().iter().cloned().collect();
        for rule in rules {
            match all.iter_mut().find(|r| r.id == rule.id) {
                Some(slot) => *slot = Arc::new(rule),
                None => all.push(Arc::new(rule)),
            }
        }
        if all.len() > MAX_RULES {
            return Err(bad("rule", format!("at most {MAX_RULES} rules at once")));
        }
        self.replace(all);
        Ok(())
    }

    /// Replaces every rule (with the rules shared through the database).
    pub fn set(&self, rules: Vec<Rule>) {
        let _edit = self.edit.lock().unwrap_or_else(|p| p.into_inner());
        self.replace(rules.into_iter().map(Arc::new).collect());
    }

    /// The rules a call matches, in order (nothing counted).
    pub fn matching(&self, facts: &CallFacts<'_>) -> Vec<Arc<Rule>> {
        self.rules()
            .iter()
            .filter(|r| r.matches(facts))
            .cloned()
            .collect()
    }

    /// Removes one rule; whether it existed.
    pub fn remove(&self, id: &str) -> bool {
        let _edit = self.edit.lock().unwrap_or_else(|p| p.into_inner());
        let rules = self.rules();
        if !rules.iter().any(|r| r.id == id) {
            return false;
        }
        self.replace(rules.iter().filter(|r| r.id != id).cloned().collect());
        true
    }

    /// Removes every rule; how many there were.
    pub fn clear(&self) -> usize {
        let _edit = self.edit.lock().unwrap_or_else(|p| p.into_inner());
        let n = self.rules().len();
        self.replace(Vec::new());
        n
    }

    /// Tries the rules in order on a call: every matching rule counts the call; the rules that
    /// fire are returned in order, up to and including the first whose effect answers in place
    /// of the handler (the rules after it are not tried and count nothing).
    pub fn evaluate(&self, facts: &CallFacts<'_>) -> Vec<Firing> {
        let mut out = Vec::new();
        for rule in self.rules().iter() {
            if !rule.matches(facts) {
                continue;
            }
            let (fires, n) = rule.count_match();
            if fires {
                let terminal = rule.action.is_terminal();
                out.push(Firing {
                    rule: rule.clone(),
                    n,
                });
                if terminal {
                    break;
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ISSUE_RULE_1: &str = r#"{"match": {"host": "graph.instagram.com", "method": "GET", "path": "/me/media"},
   "when": {"nth": 2},
   "effect": {"graph_error": {"code": 2, "type": "OAuthException", "is_transient": true, "status": 500,
              "message": "An unexpected error has occurred. Please retry your request later."}}}"#;
    const ISSUE_RULE_2: &str = r#"{"match": {"host": "graph.instagram.com", "path": "/me"}, "when": {"after": 3}, "effect": {"revoke_token": true}}"#;

    fn facts<'a>(path: &'a [&'a str]) -> CallFacts<'a> {
        CallFacts {
            host: "graph.instagram.com",
            method: "GET",
            segments: path.to_vec(),
            ..CallFacts::default()
        }
    }

    #[test]
    fn the_issue_rules_parse_as_written() {
        let r1 = RuleSpec::from_json(ISSUE_RULE_1.as_bytes()).unwrap();
        assert_eq!(r1.when.nth, Some(2));
        assert!(
            matches!(r1.action().unwrap(), Action::GraphError(g) if g.code == 2 && g.status == Some(500))
        );
        let r2 = RuleSpec::from_json(ISSUE_RULE_2.as_bytes()).unwrap();
        assert_eq!(r2.action().unwrap(), Action::RevokeToken);
    }

    #[test]
    fn malformed_rules_name_their_field() {
        let cases = [
            (r#"{"effect": {}}"#, "effect"),
            (
                r#"{"effect": {"revoke_token": true, "cursor_loop": true}}"#,
                "effect",
            ),
            (
                r#"{"match": {"hots": "x"}, "effect": {"revoke_token": true}}"#,
                "match.hots",
            ),
            (
                r#"{"match": {"host": "example.com"}, "effect": {"revoke_token": true}}"#,
                "match.host",
            ),
            (
                r#"{"match": {"path": "me"}, "effect": {"revoke_token": true}}"#,
                "match.path",
            ),
            (
                r#"{"when": {"nth": 0}, "effect": {"revoke_token": true}}"#,
                "when.nth",
            ),
            (
                r#"{"when": {"nth": 1, "after": 2}, "effect": {"revoke_token": true}}"#,
                "when",
            ),
            (
                r#"{"when": {"probability": 1.5}, "effect": {"revoke_token": true}}"#,
                "when.probability",
            ),
            (
                r#"{"when": {"nth": "x"}, "effect": {"revoke_token": true}}"#,
                "when.nth",
            ),
            (
                r#"{"effect": {"throttle": {"code": 5}}}"#,
                "effect.throttle.code",
            ),
            (
                r#"{"effect": {"graph_error": {"code": 2, "status": 200}}}"#,
                "effect.graph_error.status",
            ),
            (
                r#"{"effect": {"latency": {"min_ms": 5}}}"#,
                "effect.latency",
            ),
            (
                r#"{"effect": {"revoke_token": false}}"#,
                "effect.revoke_token",
            ),
            (r#"{"effect": {"graph_error": {}}}"#, "effect.graph_error"),
        ];
        for (body, field) in cases {
            let e = RuleSpec::from_json(body.as_bytes()).unwrap_err();
            assert_eq!(e.field, field, "{body}: {e}");
        }
    }

    #[test]
    fn path_patterns() {
        let p = PathPattern::parse("/{media-id}").unwrap();
        assert!(p.matches(&["1789"]));
        assert!(!p.matches(&["1789", "children"]));
        assert!(!p.matches(&["abc"]));
        let p = PathPattern::parse("/{user-id}/accounts").unwrap();
        assert!(p.matches(&["me", "accounts"]));
        assert!(p.matches(&["42", "accounts"]));
        let p = PathPattern::parse("/**").unwrap();
        assert!(p.matches(&[]) && p.matches(&["a", "b"]));
        let p = PathPattern::parse("/*/media").unwrap();
        assert!(p.matches(&["me", "media"]) && !p.matches(&["me"]));
        assert!(PathPattern::parse("/me*").is_err());
    }

    #[test]
    fn firing_schedules() {
        let fired = |w: When, calls: u64| -> Vec<u64> {
            let mut fired = 0;
            let mut out = Vec::new();
            for n in 1..=calls {
                if w.fires(n, fired, 7) {
                    fired += 1;
                    out.push(n);
                }
            }
            out
        };
        assert_eq!(
            fired(
                When {
                    nth: Some(2),
                    ..When::default()
                },
                6
            ),
            [2]
        );
        assert_eq!(
            fired(
                When {
                    every: Some(2),
                    ..When::default()
                },
                6
            ),
            [2, 4, 6]
        );
        assert_eq!(
            fired(
                When {
                    after: Some(3),
                    ..When::default()
                },
                6
            ),
            [4, 5, 6]
        );
        assert_eq!(
            fired(
                When {
                    after: Some(1),
                    times: Some(2),
                    ..When::default()
                },
                6
            ),
            [2, 3]
        );
        assert_eq!(fired(When::default(), 3), [1, 2, 3]);
        let p = When {
            probability: Some(0.3),
            seed: Some(42),
            ..When::default()
        };
        let a = fired(p.clone(), 1000);
        assert_eq!(a, fired(p, 1000), "the same seed gives the same firings");
        assert!((200..400).contains(&a.len()), "{}", a.len());
    }

    #[test]
    fn the_registry_counts_and_stops_at_a_terminal_effect() {
        let reg = FaultRegistry::default();
        assert!(reg.is_empty());
        let latency = RuleSpec::from_json(br#"{"effect": {"latency": {"ms": 5}}}"#).unwrap();
        let r1 = RuleSpec::from_json(ISSUE_RULE_1.as_bytes()).unwrap();
        let tail = RuleSpec::from_json(br#"{"effect": {"drop_connection": true}}"#).unwrap();
        reg.add(vec![
            Rule::new(reg.next_id(), latency, 1).unwrap(),
            Rule::new(reg.next_id(), r1, 1).unwrap(),
            Rule::new(reg.next_id(), tail, 1).unwrap(),
        ])
        .unwrap();
        assert!(!reg.is_empty());
        let media = facts(&["me", "media"]);
        let ids = |f: Vec<Firing>| f.iter().map(|f| f.rule.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(reg.evaluate(&media)), ["f1", "f3"]);
        assert_eq!(ids(reg.evaluate(&media)), ["f1", "f2"]);
        assert_eq!(
            reg.rules()[2].counts(),
            Counts {
                matched: 1,
                fired: 1
            }
        );
        assert!(reg.remove("f3"));
        assert!(!reg.remove("f3"));
        assert_eq!(reg.clear(), 2);
        assert!(reg.is_empty());
    }

    #[test]
    fn token_facts_and_objects() {
        let spec = RuleSpec::from_json(
            br#"{"match": {"object": "me", "app": "1", "token_kind": "instagram_long_lived"}, "effect": {"revoke_token": true}}"#,
        )
        .unwrap();
        assert!(spec.needs().token);
        let rule = Rule::new("x".into(), spec, 0).unwrap();
        let mut f = facts(&["me"]);
        assert!(!rule.matches(&f));
        f.app = Some("1");
        f.token_kind = Some("instagram_long_lived");
        f.user = Some("178");
        assert!(rule.matches(&f));
        let f2 = CallFacts {
            segments: vec!["178", "media"],
            ..f.clone()
        };
        assert!(rule.matches(&f2));
        let f3 = CallFacts {
            segments: vec!["179"],
            ..f
        };
        assert!(!rule.matches(&f3));
    }
}
