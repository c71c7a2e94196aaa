//! What recording a call costs when the workers record at once: the request journal's push and
//! the metrics' count, from one thread and from two (docs/benchmarks.md, "Eighth round").
//!
//! ```text
//! cargo run --release -p localgram-server --example shared_writes_bench
//! ```
//!
//! Each line is the wall time of `CALLS` calls on every thread, divided by `CALLS`: with two
//! threads on two cores, a structure both threads write shows it as a higher figure than one
//! thread alone.

use localgram_server::calls::{Call, Journal};
use localgram_server::metrics::Metrics;
use std::time::Instant;

const CALLS: u32 = 2_000_000;

/// Nanoseconds per call of `f`, run `CALLS` times on each of `threads` threads at once.
fn per_call(threads: usize, f: impl Fn() + Sync) -> f64 {
    let start = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| (0..CALLS).for_each(|_| f()));
        }
    });
    start.elapsed().as_nanos() as f64 / f64::from(CALLS)
}

fn main() {
    let journal = Journal::default();
    let metrics = Metrics::default();
    let call = || Call {
        path: "/graph.instagram.com/me".to_owned(),
        query: Some("fields=id,username&access_token=[redacted]".to_owned()),
        app: Some("1234567890".to_owned()),
        user: Some("17841405793187218".to_owned()),
        status: 200,
        ..Call::default()
    };
    for round in 1..=3 {
        for threads in [1, 2] {
            let push = per_call(threads, || journal.push(call()));
            let count = per_call(threads, || {
                metrics.request("/graph.instagram.com/me", 200, 0, 0.000_3, &[]);
            });
            println!(
                "round {round}, {threads} thread(s): journal push {push:.0} ns, metrics count {count:.0} ns"
            );
        }
    }
}
