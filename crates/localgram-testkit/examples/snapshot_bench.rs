//! How long does restoring a snapshot of the demo world take, over HTTP, end to end? Run with
//!
//! ```sh
//! cargo run --release -p localgram-testkit --example snapshot_bench -- 200
//! ```
//!
//! It starts a real server on SQLite (a file, `synchronous=FULL`; PostgreSQL when
//! `LOCALGRAM_TEST_PG_URL` is set) with the demo world, saves a snapshot, then N times changes the
//! state (a code minted) and restores the snapshot with `POST /_localgram/snapshots/demo/restore`,
//! and prints the median, the 95th percentile and the slowest restore, as a client sees them.

use localgram_testkit::{Backend, TestOptions, TestServer, client};
use std::time::{Duration, Instant};

#[tokio::main]
async fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(200);
    let backend = Backend::all().pop().unwrap_or(Backend::Sqlite);
    let server = TestServer::spawn_with(TestOptions {
        backend: backend.clone(),
        world: None,
        demo: true,
        ..TestOptions::default()
    })
    .await;
    server.snapshots().save("demo").await;
    let http = client();
    let mut times = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let minted = http
            .post(server.url("/_localgram/oauth/codes"))
            .json(&serde_json::json!({
                "app": "761044987265349", "user": "jane.doe",
                "scopes": ["user_profile", "user_media"],
                "redirect_uri": "http://127.0.0.1/callback"
            }))
            .send()
            .await
            .expect("minting a code");
        assert!(minted.status().is_success(), "minting: {}", minted.status());
        let started = Instant::now();
        let res = http
            .post(server.url("/_localgram/snapshots/demo/restore"))
            .header("content-type", "application/json")
            .send()
            .await
            .expect("restoring");
        let status = res.status();
        let _ = res.bytes().await;
        times.push(started.elapsed());
        assert!(status.is_success(), "restore answered {status}");
    }
    times.sort();
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{}: {rounds} restores of the demo world: median {:.2} ms, p95 {:.2} ms, max {:.2} ms",
        backend.name(),
        ms(at(0.5)),
        ms(at(0.95)),
        ms(at(1.0)),
    );
}
