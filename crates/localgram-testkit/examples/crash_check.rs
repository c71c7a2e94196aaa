//! Crash safety, measured: does a `kill -9` ever lose a write Localgram acknowledged? Run with
//!
//! ```sh
//! cargo build --release
//! cargo run --release -p localgram-testkit --example crash_check -- target/release/localgram 30
//! ```
//!
//! Each cycle starts the server on one SQLite file (`synchronous=FULL`, the default), writes at
//! concurrency (32 clients exchanging freshly minted codes and creating Pages), kills the server
//! with SIGKILL at a random moment, then opens the file and checks that every write that was
//! answered with a 200 is there: each exchanged code's token, each created Page. It prints one
//! line per cycle and a total, and exits non-zero if anything acknowledged was lost.

use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use localgram_core::secret::SecretHash;
use localgram_testkit::world::fb;
use localgram_testkit::world::{APP_ID, APP_SECRET, REDIRECT_URI, TESTER};
use tokio::io::{AsyncBufReadExt, BufReader};

const CLIENTS: usize = 32;
const CODES: usize = 2000;

#[derive(Default)]
struct Acknowledged {
    token_hashes: Vec<String>,
    page_ids: Vec<String>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let bin = args
        .next()
        .ok_or_else(|| anyhow::anyhow!("usage: crash_check PATH-TO-localgram [CYCLES]"))?;
    let cycles: usize = args.next().map_or(Ok(30), |n| n.parse())?;
    let dir = std::env::temp_dir().join(format!("localgram_crash_{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let world = dir.join("world.toml");
    std::fs::write(&world, localgram_testkit::facebook_world())?;
    let db = dir.join("crash.db");
    let url = format!("sqlite://{}", db.display());
    // A fixed sequence of "random" kill moments, so a run can be repeated.
    let mut seed: u64 = 0x00c0_ffee_1234_5678;
    let mut next = move || {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        seed >> 33
    };
    let (mut total_acked, mut total_lost) = (0, 0);
    for cycle in 1..=cycles {
        let mut child = tokio::process::Command::new(&bin)
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--database-url",
                &url,
                "--no-demo",
            ])
            .arg("--world")
            .arg(&world)
            .args(["--rate-limit-app-per-hour", "1000000000"])
            .args(["--rate-limit-user-per-hour", "1000000000"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()?;
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let base = loop {
            let line = lines
                .next_line()
                .await?
                .ok_or_else(|| anyhow::anyhow!("the server stopped before listening"))?;
            if let Some(addr) = line.strip_prefix("listening on ") {
                break addr.trim().to_owned();
            }
        };
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        let http = reqwest::Client::new();
        let minted: serde_json::Value = http
            .post(format!("{base}/_localgram/oauth/codes"))
            .json(&serde_json::json!({
                "app": APP_ID, "user": TESTER, "scopes": ["user_profile", "user_media"],
                "redirect_uri": REDIRECT_URI, "count": CODES,
            }))
            .send()
            .await?
            .json()
            .await?;
        let codes: Vec<String> = minted["codes"]
            .as_array()
            .ok_or_else(|| anyhow::anyhow!("minting codes answered {minted}"))?
            .iter()
            .filter_map(|c| c.as_str().map(str::to_owned))
            .collect();
        let codes = Arc::new(Mutex::new(codes));
        let acked = Arc::new(Mutex::new(Acknowledged::default()));
        let writers: Vec<_> = (0..CLIENTS)
            .map(|client| {
                let (http, base, codes, acked) =
                    (http.clone(), base.clone(), codes.clone(), acked.clone());
                tokio::spawn(async move {
                    for i in 0.. {
                        if (client + i) % 4 == 0 {
                            let name = format!("Crash Page {cycle}-{client}-{i}");
                            let reply = http
                                .post(format!(
                                    "{base}/graph.facebook.com/v21.0/{}/accounts",
                                    fb::USER_ID
                                ))
                                .form(&[
                                    ("name", name.as_str()),
                                    ("category_enum", "CAFE"),
                                    ("city_id", "106505586052951"),
                                    ("access_token", fb::LONG_TOKEN),
                                ])
                                .send()
                                .await;
                            let Ok(reply) = reply else { return };
                            if reply.status() == 200 {
                                let Ok(body) = reply.json::<serde_json::Value>().await else {
                                    return;
                                };
                                if let Some(id) = body["id"].as_str() {
                                    acked.lock().unwrap().page_ids.push(id.to_owned());
                                }
                            }
                        } else {
                            let Some(code) = codes.lock().unwrap().pop() else {
                                return;
                            };
                            let reply = http
                                .post(format!("{base}/api.instagram.com/oauth/access_token"))
                                .form(&[
                                    ("client_id", APP_ID),
                                    ("client_secret", APP_SECRET),
                                    ("grant_type", "authorization_code"),
                                    ("redirect_uri", REDIRECT_URI),
                                    ("code", code.as_str()),
                                ])
                                .send()
                                .await;
                            let Ok(reply) = reply else { return };
                            if reply.status() == 200 {
                                let Ok(body) = reply.json::<serde_json::Value>().await else {
                                    return;
                                };
                                if let Some(token) = body["access_token"].as_str() {
                                    acked
                                        .lock()
                                        .unwrap()
                                        .token_hashes
                                        .push(SecretHash::of(token).0);
                                }
                            }
                        }
                    }
                })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(50 + next() % 700)).await;
        let pid = child.id().expect("the server's pid");
        Command::new("kill")
            .args(["-9", &pid.to_string()])
            .status()?;
        child.wait().await?;
        for writer in writers {
            let _ = writer.await;
        }
        let acked = std::mem::take(&mut *acked.lock().unwrap());

        let pool = sqlx::SqlitePool::connect(&url).await?;
        let mut lost = 0;
        for hash in &acked.token_hashes {
            let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tokens WHERE token_hash = ?1")
                .bind(hash)
                .fetch_one(&pool)
                .await?;
            lost += usize::from(n == 0);
        }
        for id in &acked.page_ids {
            let n: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM pages AS p JOIN page_roles AS r ON r.page_id = p.id
                 WHERE p.id = ?1",
            )
            .bind(id)
            .fetch_one(&pool)
            .await?;
            lost += usize::from(n == 0);
        }
        pool.close().await;
        let acked_n = acked.token_hashes.len() + acked.page_ids.len();
        println!(
            "cycle {cycle:2}: {} exchanges and {} Pages acknowledged, {lost} lost",
            acked.token_hashes.len(),
            acked.page_ids.len()
        );
        total_acked += acked_n;
        total_lost += lost;
    }
    println!("{cycles} cycles: {total_acked} acknowledged writes, {total_lost} lost");
    let _ = std::fs::remove_dir_all(&dir);
    if total_lost > 0 {
        std::process::exit(1);
    }
    Ok(())
}
