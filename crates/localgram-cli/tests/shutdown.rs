//! `localgram serve` stops on SIGTERM within its grace period even while a client holds a
//! half-sent header, and a second signal stops it at once. Time limits here are only guards that
//! turn a hang into a failure.

#![cfg(unix)]

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

const GUARD: Duration = Duration::from_secs(60);

struct Serve {
    child: Child,
    addr: String,
    dir: std::path::PathBuf,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn serve(grace_seconds: &str, name: &str) -> Serve {
    let dir =
        std::env::temp_dir().join(format!("localgram-shutdown-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_localgram"))
        .current_dir(&dir)
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--no-demo",
            "--header-read-timeout-seconds",
            "600",
            "--idle-timeout-seconds",
            "600",
            "--shutdown-grace-seconds",
            grace_seconds,
        ])
        .env_remove("LOCALGRAM_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cannot run localgram");
    // Read stdout to its end on a thread of its own, so that the server never writes to a
    // closed pipe.
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let first = rx
        .recv_timeout(GUARD)
        .expect("no output from localgram serve");
    let addr = first
        .trim()
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
        .to_owned();
    Serve { child, addr, dir }
}

fn signal(child: &Child, name: &str) {
    let status = Command::new("kill")
        .args([format!("-{name}"), child.id().to_string()])
        .status()
        .expect("cannot run kill");
    assert!(status.success(), "kill -{name} failed");
}

fn wait(child: &mut Child, ctx: &str) -> ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("cannot wait") {
            return status;
        }
        assert!(
            start.elapsed() < GUARD,
            "{ctx}: localgram serve did not stop"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Connects and sends the start of a request header, never its end.
fn half_sent_header(addr: &str) -> TcpStream {
    let mut s = TcpStream::connect(addr).expect("cannot connect");
    s.write_all(b"GET /_localgram/health HTTP/1.1\r\nHo")
        .expect("cannot write");
    // Let the server read it.
    std::thread::sleep(Duration::from_millis(200));
    s
}

#[test]
fn sigterm_stops_within_the_grace_period_despite_a_half_sent_header() {
    let mut run = serve("1", "grace");
    let _held = half_sent_header(&run.addr);
    signal(&run.child, "TERM");
    let status = wait(&mut run.child, "SIGTERM");
    assert!(status.success(), "{status:?}");
    let mut stderr = String::new();
    let _ = run.child.stderr.take().unwrap().read_to_string(&mut stderr);
    assert!(
        stderr.contains("shutting down: draining in-flight requests"),
        "{stderr}"
    );
}

#[test]
fn a_second_signal_stops_at_once() {
    // A grace period far longer than the guard: only the second signal can end the process.
    let mut run = serve("86400", "second");
    let _held = half_sent_header(&run.addr);
    signal(&run.child, "TERM");
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        run.child.try_wait().unwrap().is_none(),
        "stopped before the grace period"
    );
    signal(&run.child, "INT");
    let status = wait(&mut run.child, "second signal");
    assert_eq!(status.code(), Some(130), "{status:?}");
    let mut stderr = String::new();
    let _ = run.child.stderr.take().unwrap().read_to_string(&mut stderr);
    assert!(
        stderr.contains("second signal: stopping at once"),
        "{stderr}"
    );
}
