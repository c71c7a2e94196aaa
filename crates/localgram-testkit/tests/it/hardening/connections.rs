//! Slow, idle and numerous connections cannot take the server down: the header-read and idle
//! timeouts close silent and slowloris connections, a connection beyond the cap gets a 503, an
//! oversized header gets 431, and a stop drains in-flight requests and ends even when a client
//! holds a half-sent header. Timeouts are configured short; the only time limits asserted are
//! guards that turn a hang into a failure.

use crate::support::*;
use localgram_testkit::{TestOptions, TestServer, client};
use serde_json::Value;
use std::time::Duration;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use tokio::net::tcp::OwnedWriteHalf;
use tokio::task::JoinHandle;

/// Turns a hang into a failure.
const GUARD: Duration = Duration::from_secs(30);

async fn connect(server: &TestServer) -> TcpStream {
    TcpStream::connect(server.addr)
        .await
        .expect("cannot connect")
}

/// Reads until the server closes the connection (EOF or a reset); what it sent before.
async fn until_closed(stream: &mut TcpStream, ctx: &str) -> Vec<u8> {
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    tokio::time::timeout(GUARD, async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => seen.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("{ctx}: the server never closed the connection"));
    seen
}

/// Reads one response: the status line and the body (by `content-length`).
async fn read_response(stream: &mut TcpStream, ctx: &str) -> (String, String) {
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    tokio::time::timeout(GUARD, async {
        loop {
            if let Some(end) = seen.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&seen[..end]).to_ascii_lowercase();
                let len: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse().ok())
                    .unwrap_or(0);
                if seen.len() >= end + 4 + len {
                    let status = head.lines().next().unwrap_or("").to_owned();
                    let body = String::from_utf8_lossy(&seen[end + 4..end + 4 + len]).into_owned();
                    return (status, body);
                }
            }
            let n = stream.read(&mut buf).await.unwrap_or(0);
            assert!(n > 0, "{ctx}: closed before a whole response: {seen:?}");
            seen.extend_from_slice(&buf[..n]);
        }
    })
    .await
    .unwrap_or_else(|_| panic!("{ctx}: no response"))
}

fn health_request() -> &'static [u8] {
    b"GET /_localgram/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
}

async fn assert_serves(server: &TestServer, ctx: &str) {
    let res = get(&client(), &server.url("/_localgram/health")).await;
    assert_eq!(res.status, 200, "{ctx}: {}", res.text);
}

#[tokio::test]
async fn silent_and_slowloris_connections_are_closed_by_the_header_timeout() {
    let server = TestServer::spawn_with(TestOptions {
        configure: |c| {
            c.header_read_timeout_seconds = 1;
            c.idle_timeout_seconds = 600;
        },
        ..Default::default()
    })
    .await;
    let mut tasks = Vec::new();
    for i in 0..20 {
        let silent = connect(&server).await;
        tasks.push(tokio::spawn(async move {
            let mut silent = silent;
            until_closed(&mut silent, &format!("silent {i}")).await;
        }));
        let slow = connect(&server).await;
        tasks.push(tokio::spawn(async move {
            let (mut read, write) = slow.into_split();
            let trickle = trickle_header(write);
            let mut buf = [0u8; 1024];
            let closed = tokio::time::timeout(GUARD, async {
                loop {
                    match read.read(&mut buf).await {
                        Ok(0) | Err(_) => break,
                        Ok(_) => {}
                    }
                }
            })
            .await;
            trickle.abort();
            assert!(closed.is_ok(), "slowloris {i}: never closed");
        }));
    }
    // A keep-alive connection answered once, then trickling its next header: the deadline
    // counts from the answer, and the trickle does not extend it.
    let mut kept = connect(&server).await;
    kept.write_all(health_request()).await.unwrap();
    let (status, _) = read_response(&mut kept, "keep-alive").await;
    assert_eq!(status, "http/1.1 200 ok");
    let (mut read, write) = kept.into_split();
    let trickle = trickle_header(write);
    let mut rest = Vec::new();
    let closed = tokio::time::timeout(GUARD, read.read_to_end(&mut rest)).await;
    trickle.abort();
    assert!(closed.is_ok(), "keep-alive slowloris: never closed");
    assert!(rest.is_empty(), "{}", String::from_utf8_lossy(&rest));
    for t in tasks {
        t.await.expect("a connection task failed");
    }
    assert_serves(&server, "after the slow clients").await;
}

#[tokio::test]
async fn idle_keep_alive_and_silent_connections_are_closed_by_the_idle_timeout() {
    let server = TestServer::spawn_with(TestOptions {
        configure: |c| {
            c.header_read_timeout_seconds = 600;
            c.idle_timeout_seconds = 1;
        },
        ..Default::default()
    })
    .await;
    let mut kept = connect(&server).await;
    kept.write_all(health_request()).await.unwrap();
    let (status, _) = read_response(&mut kept, "keep-alive").await;
    assert_eq!(status, "http/1.1 200 ok");
    // Then nothing: the server closes it.
    assert!(until_closed(&mut kept, "keep-alive").await.is_empty());
    let mut silent = connect(&server).await;
    assert!(until_closed(&mut silent, "silent").await.is_empty());
    assert_serves(&server, "after the idle clients").await;
}

#[tokio::test]
async fn connections_beyond_the_cap_get_503_and_the_server_stays_up() {
    let server = TestServer::spawn_with(TestOptions {
        configure: |c| {
            c.header_read_timeout_seconds = 600;
            c.idle_timeout_seconds = 600;
            c.max_connections = 3;
        },
        ..Default::default()
    })
    .await;
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(connect(&server).await);
    }
    // Let the server accept the three.
    tokio::time::sleep(Duration::from_millis(200)).await;
    for i in 0..5 {
        let ctx = format!("extra connection {i}");
        let mut extra = connect(&server).await;
        extra.write_all(health_request()).await.unwrap();
        let (status, body) = read_response(&mut extra, &ctx).await;
        assert_eq!(status, "http/1.1 503 service unavailable", "{ctx}");
        let mut body: Value = serde_json::from_str(&body).unwrap();
        assert!(
            body["error"]["fbtrace_id"]
                .as_str()
                .is_some_and(|t| !t.is_empty())
        );
        body["error"].as_object_mut().unwrap().remove("fbtrace_id");
        assert_eq!(
            body,
            serde_json::json!({"error": {
                "message": "Localgram is serving its maximum of 3 connections; retry in a moment",
                "type": "OAuthException",
                "code": 2,
                "is_transient": true
            }}),
            "{ctx}"
        );
    }
    drop(held);
    // Once they are gone, requests are served again.
    tokio::time::timeout(GUARD, async {
        loop {
            let mut s = connect(&server).await;
            s.write_all(health_request()).await.unwrap();
            let (status, _) = read_response(&mut s, "after the cap").await;
            if status == "http/1.1 200 ok" {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("the server never served again");
}

#[tokio::test]
async fn oversized_headers_answer_431_and_long_urls_414_or_431() {
    let server = localgram_testkit::TestServer::spawn().await;
    let url = server.url("/_localgram/health");
    let res = client()
        .get(&url)
        .header("x-big", "a".repeat(100 * 1024))
        .send()
        .await
        .expect("the request failed");
    assert_eq!(res.status(), 431);
    let mut many = client().get(&url);
    for i in 0..500 {
        many = many.header(format!("x-h{i}"), "v");
    }
    assert_eq!(many.send().await.expect("the request failed").status(), 431);
    // A 64 KB URL (over raw TCP: HTTP clients refuse to send one): the request line is part of
    // the header.
    let mut raw = connect(&server).await;
    let request = format!(
        "GET /_localgram/health?q={} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
        "a".repeat(64 * 1024)
    );
    let _ = raw.write_all(request.as_bytes()).await;
    let (status, _) = read_response(&mut raw, "a 64 KB URL").await;
    assert!(
        status == "http/1.1 431 request header fields too large"
            || status == "http/1.1 414 uri too long",
        "a 64 KB URL: {status}"
    );
    let res = client()
        .get(&url)
        .header("x-fine", "a".repeat(8 * 1024))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn a_stop_drains_in_flight_requests_and_ends_despite_a_half_sent_header() {
    let server = TestServer::spawn_with(TestOptions {
        configure: |c| {
            c.header_read_timeout_seconds = 600;
            c.idle_timeout_seconds = 600;
            c.shutdown_grace_seconds = 2;
        },
        ..Default::default()
    })
    .await;
    // A client holding a half-sent header.
    let mut half = connect(&server).await;
    half.write_all(b"GET /_localgram/health HTTP/1.1\r\nHo")
        .await
        .unwrap();
    // A request in flight: its handler waits for the rest of its body.
    let mut in_flight = connect(&server).await;
    in_flight
        .write_all(b"POST /_localgram/clock/advance HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 14\r\n\r\n{\"seconds\"")
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let addr = server.addr;
    let mut server = server;
    let stopping = tokio::spawn(async move {
        server.stop().await;
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    in_flight.write_all(b":60}").await.unwrap();
    let (status, body) = read_response(&mut in_flight, "in flight").await;
    assert_eq!(status, "http/1.1 200 ok", "{body}");
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["now"], "2026-11-20T12:01:00Z");
    tokio::time::timeout(GUARD, stopping)
        .await
        .expect("the server did not stop")
        .expect("the stop panicked");
    until_closed(&mut half, "half-sent header").await;
    // New connections are refused: the listener is closed.
    let answered = tokio::time::timeout(GUARD, async {
        let mut s = TcpStream::connect(addr).await.ok()?;
        let _ = s.write_all(health_request()).await;
        let mut buf = [0u8; 16];
        s.read(&mut buf).await.ok().filter(|n| *n > 0)
    })
    .await
    .expect("hang");
    assert!(answered.is_none(), "a stopped server answered");
}

#[tokio::test]
async fn graph_bodies_over_the_form_limit_answer_413_and_empty_ones_are_read() {
    let server = TestServer::spawn().await;
    let url = server.url(&format!(
        "/graph.instagram.com/me/media?access_token={}",
        localgram_testkit::world::LONG_LIVED_TOKEN
    ));
    // A declared length over the limit is refused before the handler runs.
    let res = client()
        .post(&url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("caption={}", "a".repeat(64 * 1024)))
        .send()
        .await
        .expect("the request failed");
    assert_eq!(res.status(), 413);
    assert_eq!(res.text().await.unwrap(), "length limit exceeded");
    // An empty body (`Content-Length: 0`) and one just under the limit are ordinary calls: the
    // handler answers them (the demo token lacks the publishing scope, so its own check does).
    let refused = graph_error(
        10,
        None,
        "OAuthException",
        "(#10) Requires instagram_business_content_publish permission to manage the object",
    );
    for (ctx, body) in [
        ("empty body", String::new()),
        (
            "body just under the limit",
            format!("caption={}", "a".repeat(60 * 1024)),
        ),
    ] {
        let res = client()
            .post(&url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .expect("the request failed");
        assert_graph_error(&Reply::read(res).await, refused.clone(), ctx);
    }
}

/// Writes a request line, then one header byte every 200 ms, never finishing the header,
/// until the server closes the connection (or the task is aborted).
fn trickle_header(mut write: OwnedWriteHalf) -> JoinHandle<()> {
    tokio::spawn(async move {
        let _ = write
            .write_all(b"GET /_localgram/health HTTP/1.1\r\nX-Slow: ")
            .await;
        loop {
            if write.write_all(b"a").await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    })
}
