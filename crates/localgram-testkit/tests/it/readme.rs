//! The README's walk-throughs run as written against a fresh server with the demo world: every
//! `sh` block between "## A walk-through with curl" and "## Running it" runs, in order, in one
//! bash (`set -euo pipefail`), with `http://127.0.0.1:8090` replaced by the test server's
//! address. A command followed by a comment line holding a JSON answer (`# {…}`) must print
//! that answer, `…` standing for any text.

use localgram_testkit::{Backend, TestOptions, TestServer};
use std::path::Path;

const FROM: &str = "## A walk-through with curl";
const TO: &str = "## Running it";
const README_BASE: &str = "http://127.0.0.1:8090";

/// One command of a block (continuation lines joined) and the answer it must print, if given.
#[derive(Debug)]
struct Step {
    command: String,
    expected: Option<String>,
}

fn steps(readme: &str) -> Vec<Step> {
    let start = readme
        .find(FROM)
        .expect("the README has no walk-through heading");
    let end = readme[start..].find(TO).map_or(readme.len(), |e| start + e);
    let mut steps: Vec<Step> = Vec::new();
    let mut in_block = false;
    let mut pending = String::new();
    for line in readme[start..end].lines() {
        if !in_block {
            in_block = line.trim_end() == "```sh";
            continue;
        }
        if line.trim_end() == "```" {
            in_block = false;
            continue;
        }
        let trimmed = line.trim_start();
        if pending.is_empty() {
            if let Some(answer) = trimmed.strip_prefix("# ")
                && (answer.starts_with('{') || answer.starts_with('['))
            {
                if let Some(last) = steps.last_mut()
                    && last.expected.is_none()
                {
                    last.expected = Some(answer.trim_end().to_owned());
                }
                continue;
            }
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
        }
        pending.push_str(line);
        pending.push('\n');
        if !line.trim_end().ends_with('\\') {
            steps.push(Step {
                command: std::mem::take(&mut pending),
                expected: None,
            });
        }
    }
    steps
}

/// Whether `actual` matches `pattern`, where `…` stands for any text.
fn matches(pattern: &str, actual: &str) -> bool {
    let parts: Vec<&str> = pattern.split('…').collect();
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if parts.len() == 1 {
        return actual == pattern;
    }
    if !actual.starts_with(first) || !actual[first.len()..].ends_with(last) {
        return false;
    }
    let mut rest = &actual[first.len()..actual.len() - last.len()];
    for part in &parts[1..parts.len() - 1] {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    true
}

#[test]
fn the_pattern_matcher_needs_every_literal_part_in_order() {
    assert!(matches(r#"{"a":"…","b":1}"#, r#"{"a":"xyz","b":1}"#));
    assert!(!matches(r#"{"a":"…","b":1}"#, r#"{"a":"xyz","b":2}"#));
    assert!(matches("x…y…z", "xAyBz"));
    assert!(!matches("x…y…z", "xAzBy"));
    assert!(!matches("abc", "abcd"));
}

#[tokio::test]
async fn the_readme_walk_throughs_run_as_written() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let readme = std::fs::read_to_string(root.join("README.md")).expect("cannot read README.md");
    let steps = steps(&readme);
    assert!(
        steps.iter().filter(|s| s.expected.is_some()).count() >= 8,
        "too few checked answers: {steps:#?}"
    );
    let server = TestServer::spawn_with(TestOptions {
        backend: Backend::Sqlite,
        world: None,
        demo: true,
        ..Default::default()
    })
    .await;
    let base = server.url("");
    let mut script = String::from("set -euo pipefail\n");
    for (i, step) in steps.iter().enumerate() {
        let command = step.command.replace(README_BASE, &base);
        if step.expected.is_some() {
            script.push_str(&format!(
                "printf '\\n@@begin {i}\\n'\n{command}printf '\\n@@end {i}\\n'\n"
            ));
        } else {
            script.push_str(&command);
        }
    }
    // The server is on the loopback: no proxy of the environment may stand in between.
    let out = tokio::process::Command::new("bash")
        .arg("-c")
        .arg(&script)
        .env("NO_PROXY", "*")
        .env("no_proxy", "*")
        .output()
        .await
        .expect("cannot run bash");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the walk-through failed ({}):\n{stdout}\n{stderr}\nscript:\n{script}",
        out.status
    );
    let mut wrong = Vec::new();
    for (i, step) in steps.iter().enumerate() {
        let Some(expected) = &step.expected else {
            continue;
        };
        let expected = &expected.replace(README_BASE, &base);
        let begin = format!("@@begin {i}\n");
        let end = format!("\n@@end {i}");
        let at = stdout
            .find(&begin)
            .unwrap_or_else(|| panic!("step {i} printed nothing: {}", step.command));
        let answer = &stdout[at + begin.len()..];
        let answer = answer[..answer.find(&end).unwrap_or(answer.len())].trim();
        if !matches(expected, answer) {
            wrong.push(format!(
                "step {i}: {}expected {expected}\n     got {answer}",
                step.command
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
