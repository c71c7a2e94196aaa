//! Paging through a very large account: is the time per page flat from the first page to the
//! last (keyset pagination)? Run with
//!
//! ```sh
//! cargo run --release -p localgram-testkit --example paging_bench -- 1000000
//! ```
//!
//! It starts a real server on SQLite (or on PostgreSQL when `LOCALGRAM_TEST_PG_URL` is set),
//! inserts N media for one account, walks every page of 100 with `after` cursors, and prints the
//! latency of the first, middle and last pages (median of repeated requests of each, each with a
//! parameter of its own so that none is answered from the server's memory of rendered pages).

use localgram_core::model::IgMedia;
use localgram_testkit::{Backend, TestOptions, TestServer};
use std::time::{Duration, Instant};

const WORLD: &str = "version = 1\n[[apps]]\nid = \"500\"\nsecret = \"bench-secret-01\"\nname = \"Bench\"\nmode = \"live\"\n[[instagram_users]]\nid = \"600\"\nusername = \"big.account\"\npassword = \"pw\"\n[[tokens]]\nvalue = \"IGQVJpagingBenchToken001\"\napp = \"500\"\nuser = \"big.account\"\nkind = \"instagram_long_lived\"\nissued_at = \"2026-11-19T00:00:00Z\"\n";

fn media(i: i64) -> IgMedia {
    IgMedia {
        id: (10_000_000_000 + i).to_string(),
        owner_id: "600".into(),
        parent_id: None,
        position: 0,
        media_type: localgram_core::model::MediaType::Image,
        caption: Some(format!("caption {i}")),
        timestamp: localgram_core::clock::from_millis(1_767_225_600_000 - i * 60_000),
        file: None,
        thumbnail_file: None,
        shortcode: format!("sc{i}"),
        copyright_flagged: false,
        media_product_type: localgram_core::model::MediaProductType::Feed,
        is_shared_to_feed: None,
        media_blob: None,
        thumbnail_blob: None,
    }
}

/// The median latency of each URL over `repeats` rounds. The URLs take turns within each
/// round, so background work of the database (autovacuum, checkpoints after the bulk insert)
/// weighs on all of them alike instead of on whichever is timed first.
async fn median_latencies(
    http: &reqwest::Client,
    urls: &[&String],
    repeats: usize,
) -> Vec<Duration> {
    let mut samples = vec![Vec::with_capacity(repeats); urls.len()];
    for round in 0..repeats {
        for (url, v) in urls.iter().zip(&mut samples) {
            // A parameter the server ignores, different every time: no answer comes from the
            // server's memory of rendered pages, every one is read and rendered.
            let url = format!("{url}&nocache={round}");
            let t = Instant::now();
            let res = http.get(url.as_str()).send().await.unwrap();
            assert_eq!(res.status(), 200);
            res.bytes().await.unwrap();
            v.push(t.elapsed());
        }
    }
    samples
        .into_iter()
        .map(|mut v| {
            v.sort();
            v[v.len() / 2]
        })
        .collect()
}

#[tokio::main]
async fn main() {
    let n: i64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let backend = match std::env::var("LOCALGRAM_TEST_PG_URL") {
        Ok(url) if !url.is_empty() => Backend::Postgres(url),
        _ => Backend::Sqlite,
    };
    let server = TestServer::spawn_with(TestOptions {
        backend: backend.clone(),
        world: Some(WORLD.into()),
        configure: |c| {
            c.max_listed_media = i64::MAX / 2;
            c.rate_limit_app_per_hour = i64::MAX / 2;
            c.rate_limit_user_per_hour = i64::MAX / 2;
        },
        ..Default::default()
    })
    .await;
    let t = Instant::now();
    for start in (0..n).step_by(10_000) {
        let batch: Vec<IgMedia> = (start..(start + 10_000).min(n)).map(media).collect();
        server.store.upsert_media(&batch).await.unwrap();
    }
    println!(
        "backend {}: inserted {n} media in {:.1} s",
        backend.name(),
        t.elapsed().as_secs_f64()
    );

    let http = reqwest::Client::new();
    let first = server.url("/graph.instagram.com/me/media?access_token=IGQVJpagingBenchToken001&limit=100&fields=id,caption,media_type,timestamp");
    let mut url = first.clone();
    let mut pages: Vec<String> = Vec::new();
    let t = Instant::now();
    let mut items = 0usize;
    loop {
        let body: serde_json::Value = http.get(&url).send().await.unwrap().json().await.unwrap();
        items += body["data"].as_array().map_or(0, Vec::len);
        pages.push(url.clone());
        match body["paging"]["next"].as_str() {
            Some(next) => url = next.to_owned(),
            None => break,
        }
    }
    let walk = t.elapsed();
    assert_eq!(items as i64, n, "every media exactly once");
    println!(
        "walked {} pages of 100 ({items} items) in {:.1} s: {:.0} pages/s",
        pages.len(),
        walk.as_secs_f64(),
        pages.len() as f64 / walk.as_secs_f64()
    );
    let middle = &pages[pages.len() / 2];
    let last = &pages[pages.len() - 1];
    let medians = median_latencies(&http, &[&first, middle, last], 51).await;
    for (name, m) in ["first", "middle", "last"].into_iter().zip(medians) {
        println!(
            "{name:>6} page: median {:.2} ms over 51 requests (interleaved)",
            m.as_secs_f64() * 1000.0
        );
    }
}
