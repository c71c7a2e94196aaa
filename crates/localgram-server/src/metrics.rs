//! `GET /_localgram/metrics`: the emulator's counters in the Prometheus text format
//! (`prometheus-client`), one registry per server (docs/faults.md, "Metrics").
//!
//! - `localgram_requests_total{host,route,status}` and
//!   `localgram_request_duration_seconds{host,route}`: calls to the emulated Meta hosts, the
//!   route being the path with the version dropped and ids written `{id}`;
//! - `localgram_throttled_total{code}`: answers with a throttling code (4, 17, 32, 613, 80001,
//!   80002);
//! - `localgram_faults_fired_total{rule,effect}`;
//! - `localgram_tokens_issued_total{host}` and `localgram_codes_redeemed_total{host}`: successful
//!   answers of the token endpoints.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use thread_local::ThreadLocal;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    host: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    host: String,
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CodeLabels {
    code: i64,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct FaultLabels {
    rule: String,
    effect: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct HostLabels {
    host: String,
}

type Histograms = Family<RouteLabels, Histogram, fn() -> Histogram>;

fn latency_histogram() -> Histogram {
    Histogram::new([
        0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
    ])
}

/// The registry and its metrics.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Histograms,
    throttled: Family<CodeLabels, Counter>,
    faults: Family<FaultLabels, Counter>,
    tokens: Family<HostLabels, Counter>,
    codes: Family<HostLabels, Counter>,
    /// Each thread's resolved paths and pending counts ([`Local`]).
    local: ThreadLocal<Mutex<Local>>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("localgram");
        let requests = Family::<RequestLabels, Counter>::default();
        let latency: Histograms = Family::new_with_constructor(latency_histogram);
        let throttled = Family::<CodeLabels, Counter>::default();
        let faults = Family::<FaultLabels, Counter>::default();
        let tokens = Family::<HostLabels, Counter>::default();
        let codes = Family::<HostLabels, Counter>::default();
        registry.register(
            "requests",
            "Calls to the emulated Meta hosts",
            requests.clone(),
        );
        registry.register(
            "request_duration_seconds",
            "Time to answer a call to an emulated Meta host",
            latency.clone(),
        );
        registry.register(
            "throttled",
            "Calls answered with a throttling code",
            throttled.clone(),
        );
        registry.register("faults_fired", "Fault rules fired", faults.clone());
        registry.register(
            "tokens_issued",
            "Access tokens issued by the token endpoints",
            tokens.clone(),
        );
        registry.register(
            "codes_redeemed",
            "Authorization codes exchanged for tokens",
            codes.clone(),
        );
        Self {
            registry,
            requests,
            latency,
            throttled,
            faults,
            tokens,
            codes,
            local: ThreadLocal::new(),
        }
    }
}

/// The throttling codes.
const THROTTLE_CODES: &[i64] = &[4, 17, 32, 613, 80001, 80002];

/// A route label: the path after the host, the version dropped, ids as `{id}`, secrets as
/// `{token}`, at most four segments.
pub fn route_of(path: &str) -> (String, String) {
    let mut segs = path.split('/').filter(|s| !s.is_empty());
    let host = segs.next().unwrap_or_default().to_owned();
    let mut route = String::new();
    for (i, seg) in segs.enumerate() {
        if i == 0
            && seg.starts_with('v')
            && seg.len() > 1
            && seg[1..].bytes().all(|b| b.is_ascii_digit() || b == b'.')
        {
            continue;
        }
        if route.matches('/').count() >= 4 {
            route.push_str("/…");
            break;
        }
        route.push('/');
        if !seg.is_empty() && seg.bytes().all(|b| b.is_ascii_digit() || b == b'_') {
            route.push_str("{id}");
        } else if seg.len() >= 24 || seg == "[redacted]" {
            route.push_str("{token}");
        } else {
            route.push_str(seg);
        }
    }
    if route.is_empty() {
        route.push('/');
    }
    (host, route)
}

/// How many distinct paths [`Metrics`] keeps resolved (on each thread); calls to further paths
/// are counted the same, only without the shortcut.
const KEPT_PATHS: usize = 1024;

/// How many calls a thread counts before it adds them to the shared series.
const PENDING_MAX: usize = 64;

/// One thread's part of [`Metrics`]: the paths it resolved (at most [`KEPT_PATHS`]) and the
/// calls it counted but has not yet added to their shared series. A call writes only here, so
/// that it writes nothing another thread writes: the shared series (a counter, and a histogram
/// behind a lock) moved their cache lines from core to core on every call. They are added
/// every [`PENDING_MAX`] calls, and by [`Metrics::encode`] first, so a scrape misses none.
#[derive(Default)]
struct Local {
    /// Each path's indexes into `resolved`, one per status seen.
    paths: HashMap<Box<str>, Vec<usize>, foldhash::fast::RandomState>,
    resolved: Vec<Resolved>,
    /// Calls not yet in their series: the index of their [`Resolved`] and their seconds.
    pending: Vec<(usize, f64)>,
}

impl Local {
    /// The index of `path` with `status`, if resolved.
    fn find(&self, path: &str, status: u16) -> Option<usize> {
        self.paths
            .get(path)?
            .iter()
            .copied()
            .find(|&i| self.resolved[i].status == status)
    }

    /// Keeps `resolved` for `path` while there is room: its index, or `resolved` back.
    fn keep(&mut self, path: &str, resolved: Resolved) -> Result<usize, Resolved> {
        if self.paths.len() >= KEPT_PATHS && !self.paths.contains_key(path) {
            return Err(resolved);
        }
        self.resolved.push(resolved);
        let i = self.resolved.len() - 1;
        self.paths.entry(path.into()).or_default().push(i);
        Ok(i)
    }

    /// Adds the pending calls to their series: a run of calls of one series at once.
    fn flush(&mut self) {
        for run in self.pending.chunk_by(|a, b| a.0 == b.0) {
            let r = &self.resolved[run[0].0];
            r.requests.inc_by(run.len() as u64);
            for &(_, seconds) in run {
                r.latency.observe(seconds);
            }
        }
        self.pending.clear();
    }
}

/// A call's path and status resolved to its labels and its two metrics (handles sharing the
/// families' counts), kept so that a repeated call skips [`route_of`] and the families' label
/// hashing.
struct Resolved {
    status: u16,
    host: String,
    route: String,
    requests: Counter,
    latency: Histogram,
}

impl Metrics {
    /// Records one call to an emulated host.
    pub fn request(
        &self,
        path: &str,
        status: u16,
        graph_code: i64,
        seconds: f64,
        params: &[Option<&str>],
    ) {
        let mut local = self
            .local
            .get_or_default()
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let kept = match local.find(path, status) {
            Some(i) => Ok(i),
            None => local.keep(path, self.resolve(path, status)),
        };
        match kept {
            Ok(i) => {
                local.pending.push((i, seconds));
                if local.pending.len() >= PENDING_MAX {
                    local.flush();
                }
                self.record_rest(&local.resolved[i], graph_code, params);
            }
            // No room for another path: counted straight into the families.
            Err(resolved) => {
                resolved.requests.inc();
                resolved.latency.observe(seconds);
                self.record_rest(&resolved, graph_code, params);
            }
        }
    }

    /// A call's path and status resolved to its labels and the families' two series.
    fn resolve(&self, path: &str, status: u16) -> Resolved {
        let (host, route) = route_of(path);
        Resolved {
            status,
            requests: self
                .requests
                .get_or_create(&RequestLabels {
                    host: host.clone(),
                    route: route.clone(),
                    status,
                })
                .clone(),
            latency: self
                .latency
                .get_or_create(&RouteLabels {
                    host: host.clone(),
                    route: route.clone(),
                })
                .clone(),
            host,
            route,
        }
    }

    /// Counts what a call adds beside its request and latency series: throttling, tokens and
    /// codes.
    fn record_rest(&self, r: &Resolved, graph_code: i64, params: &[Option<&str>]) {
        if THROTTLE_CODES.contains(&graph_code) {
            self.throttled
                .get_or_create(&CodeLabels { code: graph_code })
                .inc();
        }
        if r.status != 200 {
            return;
        }
        let has_code = || {
            params
                .iter()
                .flatten()
                .any(|p| form_urlencoded::parse(p.as_bytes()).any(|(k, _)| k == "code"))
        };
        let (issued, redeemed) = match (r.host.as_str(), r.route.as_str()) {
            ("api.instagram.com", "/oauth/access_token") => (true, true),
            ("graph.instagram.com", "/access_token" | "/refresh_access_token") => (true, false),
            ("graph.facebook.com", "/oauth/access_token") => (true, has_code()),
            _ => (false, false),
        };
        if issued {
            self.tokens
                .get_or_create(&HostLabels {
                    host: r.host.clone(),
                })
                .inc();
        }
        if redeemed {
            self.codes
                .get_or_create(&HostLabels {
                    host: r.host.clone(),
                })
                .inc();
        }
    }

    /// Records a fault rule's firing.
    pub fn fault_fired(&self, rule: &str, effect: &str) {
        self.faults
            .get_or_create(&FaultLabels {
                rule: rule.to_owned(),
                effect: effect.to_owned(),
            })
            .inc();
    }

    /// The text exposition.
    pub fn encode(&self) -> String {
        // Every thread's pending counts first, so that the exposition holds every call
        // recorded before it.
        for local in self.local.iter() {
            local.lock().unwrap_or_else(PoisonError::into_inner).flush();
        }
        let mut out = String::new();
        if let Err(e) = prometheus_client::encoding::text::encode(&mut out, &self.registry) {
            tracing::error!(error = %e, "cannot encode the metrics");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_hide_ids_versions_and_tokens() {
        assert_eq!(
            route_of("/graph.instagram.com/v22.0/17841400000000001/media"),
            ("graph.instagram.com".into(), "/{id}/media".into())
        );
        assert_eq!(
            route_of("/graph.instagram.com/me"),
            ("graph.instagram.com".into(), "/me".into())
        );
        assert_eq!(
            route_of("/graph.instagram.com/[redacted]"),
            ("graph.instagram.com".into(), "/{token}".into())
        );
    }

    #[test]
    fn the_exposition_has_every_family() {
        let m = Metrics::default();
        m.request("/api.instagram.com/oauth/access_token", 200, 0, 0.01, &[]);
        m.request("/graph.instagram.com/me", 400, 80002, 0.001, &[]);
        m.fault_fired("f1", "graph_error");
        let text = m.encode();
        for needle in [
            "localgram_requests_total{host=\"api.instagram.com\",route=\"/oauth/access_token\",status=\"200\"} 1",
            "localgram_request_duration_seconds_bucket{",
            "localgram_throttled_total{code=\"80002\"} 1",
            "localgram_faults_fired_total{rule=\"f1\",effect=\"graph_error\"} 1",
            "localgram_tokens_issued_total{host=\"api.instagram.com\"} 1",
            "localgram_codes_redeemed_total{host=\"api.instagram.com\"} 1",
        ] {
            assert!(text.contains(needle), "{needle} not in\n{text}");
        }
    }

    #[test]
    fn repeated_calls_count_the_same_with_and_without_the_kept_paths() {
        let m = Metrics::default();
        // Fill the kept paths, so the last path is counted without the shortcut.
        for i in 0..KEPT_PATHS {
            m.request(&format!("/graph.instagram.com/{i}"), 200, 0, 0.001, &[]);
        }
        for path in [
            "/graph.instagram.com/v22.0/0",
            "/graph.instagram.com/0",
            "/graph.instagram.com/not-kept",
        ] {
            for status in [200, 200, 400] {
                m.request(path, status, 0, 0.001, &[]);
            }
        }
        for _ in 0..3 {
            m.request(
                "/graph.facebook.com/oauth/access_token",
                200,
                0,
                0.001,
                &[Some("client_id=1&code=AQx")],
            );
        }
        m.request(
            "/graph.facebook.com/oauth/access_token",
            200,
            0,
            0.001,
            &[Some("grant_type=fb_exchange_token")],
        );
        let text = m.encode();
        for needle in [
            // 1,024 kept paths and two more calls of each of two paths that are `{id}`.
            "localgram_requests_total{host=\"graph.instagram.com\",route=\"/{id}\",status=\"200\"} 1028",
            "localgram_requests_total{host=\"graph.instagram.com\",route=\"/{id}\",status=\"400\"} 2",
            "localgram_requests_total{host=\"graph.instagram.com\",route=\"/not-kept\",status=\"200\"} 2",
            "localgram_requests_total{host=\"graph.instagram.com\",route=\"/not-kept\",status=\"400\"} 1",
            "localgram_request_duration_seconds_count{host=\"graph.instagram.com\",route=\"/not-kept\"} 3",
            "localgram_tokens_issued_total{host=\"graph.facebook.com\"} 4",
            "localgram_codes_redeemed_total{host=\"graph.facebook.com\"} 3",
        ] {
            assert!(text.contains(needle), "{needle} not in\n{text}");
        }
        assert_eq!(
            m.local.get().map(|l| l.lock().unwrap().paths.len()),
            Some(KEPT_PATHS)
        );
    }

    #[test]
    fn calls_counted_on_different_threads_add_up_in_one_series() {
        let m = Metrics::default();
        m.request("/graph.instagram.com/me", 200, 0, 0.001, &[]);
        std::thread::scope(|s| {
            for _ in 0..3 {
                s.spawn(|| {
                    for _ in 0..5 {
                        m.request("/graph.instagram.com/me", 200, 0, 0.001, &[]);
                    }
                    // Each thread resolved the path once, for itself.
                    assert_eq!(
                        m.local.get().map(|l| l.lock().unwrap().paths.len()),
                        Some(1)
                    );
                });
            }
        });
        let text = m.encode();
        for needle in [
            "localgram_requests_total{host=\"graph.instagram.com\",route=\"/me\",status=\"200\"} 16\n",
            "localgram_request_duration_seconds_count{host=\"graph.instagram.com\",route=\"/me\"} 16\n",
        ] {
            assert!(text.contains(needle), "{needle} not in\n{text}");
        }
    }
}
