//! The repository explains itself: no text cites a document that is not in the repository, every
//! `docs/X.md#anchor` cited anywhere resolves to an anchor of that doc, and every path of
//! ARCHITECTURE.md's "Where to look" index exists. No server is started.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The repository root, from this crate's manifest directory (`crates/localgram-testkit`).
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("the repository root exists")
}

/// Extensions of the text files that are read.
const TEXT: &[&str] = &[
    "rs", "md", "html", "toml", "sql", "json", "sh", "mjs", "js", "lua", "yml", "yaml", "txt",
];

/// Migrations that have shipped: applied history, kept byte for byte (their checksums are
/// pinned in `localgram-store/src/shipped.rs`).
fn is_shipped_migration(rel: &str) -> bool {
    let Some(name) = rel
        .strip_prefix("crates/localgram-store/migrations/")
        .and_then(|r| r.rsplit('/').next())
    else {
        return false;
    };
    [
        "0001", "0002", "0003", "0004", "0005", "0006", "0007", "0008", "0009", "0010", "0011",
        "0012", "0013",
    ]
    .iter()
    .any(|n| name.starts_with(n))
}

/// Every text file under `crates/` and `docs/`, plus README.md and ARCHITECTURE.md, by path
/// relative to the root, without build output, dependencies and shipped migrations.
fn files(root: &Path) -> BTreeMap<String, String> {
    fn walk(dir: &Path, root: &Path, out: &mut BTreeMap<String, String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if path.is_dir() {
                if !matches!(name.as_str(), "target" | "node_modules" | ".git") {
                    walk(&path, root, out);
                }
                continue;
            }
            let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
            if !TEXT.contains(&ext) {
                continue;
            }
            let rel = path
                .strip_prefix(root)
                .expect("under the root")
                .to_string_lossy()
                .replace('\\', "/");
            if is_shipped_migration(&rel) {
                continue;
            }
            if let Ok(text) = std::fs::read_to_string(&path) {
                out.insert(rel, text);
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(&root.join("crates"), root, &mut out);
    walk(&root.join("docs"), root, &mut out);
    for top in ["README.md", "ARCHITECTURE.md"] {
        let text = std::fs::read_to_string(root.join(top)).expect("a top-level doc");
        out.insert(top.to_owned(), text);
    }
    out
}

/// The citations of documents kept outside the repository (written in pieces, so that this
/// file does not cite them itself).
fn foreign_citations() -> Vec<String> {
    [
        ["api", "-contract"].concat(),
        ["reliability", ".md"].concat(),
        ["reliability", " test"].concat(),
        ["..", "/shared"].concat(),
        ["ig-platform", ".md"].concat(),
        ["house", "-style"].concat(),
        ["house", " style"].concat(),
        ["/work", "/"].concat(),
    ]
    .into()
}

/// Numbered decisions of an outside document: a `D` not inside a word, then one or two digits
/// not followed by a word character.
fn decision_numbers(text: &str) -> Vec<String> {
    let b = text.as_bytes();
    let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let mut found = Vec::new();
    for i in 0..b.len() {
        if b[i] != b'D' || (i > 0 && word(b[i - 1])) {
            continue;
        }
        let digits = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
        let end = i + 1 + digits;
        if (1..=2).contains(&digits) && (end == b.len() || !word(b[end])) {
            found.push(text[i..end].to_owned());
        }
    }
    found
}

/// The text of a file that is prose, line for line: a Rust file's comments (other lines left
/// empty), every other file whole.
fn prose(rel: &str, text: &str) -> String {
    if !rel.ends_with(".rs") {
        return text.to_owned();
    }
    text.lines()
        .map(|l| l.find("//").map_or("", |i| &l[i..]))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn no_text_cites_documents_outside_the_repository() {
    let root = root();
    let foreign = foreign_citations();
    let mut bad = Vec::new();
    for (rel, text) in files(&root) {
        for (n, line) in text.lines().enumerate() {
            for f in &foreign {
                if line.contains(f.as_str()) {
                    bad.push(format!("{rel}:{}: cites {f:?}: {}", n + 1, line.trim()));
                }
            }
        }
        for (n, line) in prose(&rel, &text).lines().enumerate() {
            for d in decision_numbers(line) {
                bad.push(format!(
                    "{rel}:{}: a numbered decision {d} of an outside document: {}",
                    n + 1,
                    line.trim()
                ));
            }
        }
    }
    assert!(
        bad.is_empty(),
        "cite the project's own docs (docs/X.md#anchor) instead:\n{}",
        bad.join("\n")
    );
}

/// GitHub's anchor of a heading: lower case, letters, digits, `-` and `_` kept, spaces to `-`,
/// everything else dropped.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

/// The anchors of a markdown file: explicit `id="…"` attributes and heading slugs (a repeated
/// slug gets `-1`, `-2`, … as on GitHub). Headings inside fenced code do not count.
fn anchors(markdown: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut fenced = false;
    for line in markdown.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        let mut rest = line;
        while let Some(i) = rest.find("id=\"") {
            let after = &rest[i + 4..];
            if let Some(end) = after.find('"') {
                out.insert(after[..end].to_owned());
            }
            rest = after;
        }
        let hashes = trimmed.bytes().take_while(|&c| c == b'#').count();
        if (1..=6).contains(&hashes) && trimmed[hashes..].starts_with(' ') {
            let base = slug(&trimmed[hashes..]);
            let n = seen.entry(base.clone()).or_insert(0);
            out.insert(if *n == 0 {
                base.clone()
            } else {
                format!("{base}-{n}")
            });
            *n += 1;
        }
    }
    out
}

/// Every `PATH.md#anchor` in a text: the path as written (possibly empty) and the anchor.
fn doc_links(text: &str) -> Vec<(String, String)> {
    let path_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/');
    let anchor_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-');
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = text[from..].find(".md#") {
        let at = from + i;
        let start = text[..at]
            .char_indices()
            .rev()
            .take_while(|&(_, c)| path_char(c))
            .last()
            .map_or(at, |(j, _)| j);
        let anchor_start = at + 4;
        let anchor_end = text[anchor_start..]
            .char_indices()
            .find(|&(_, c)| !anchor_char(c))
            .map_or(text.len(), |(j, _)| anchor_start + j);
        out.push((
            format!("{}.md", &text[start..at]),
            text[anchor_start..anchor_end].to_owned(),
        ));
        from = anchor_end.max(at + 4);
    }
    out
}

#[test]
fn every_cited_doc_anchor_exists() {
    let root = root();
    let files = files(&root);
    let mut cache: BTreeMap<PathBuf, Option<BTreeSet<String>>> = BTreeMap::new();
    let mut bad = Vec::new();
    let mut checked = 0;
    // This file names the pattern itself (`docs/X.md#anchor`) without citing a doc.
    let this_file = "crates/localgram-testkit/tests/it/docs.rs";
    for (rel, text) in files.iter().filter(|(rel, _)| rel.as_str() != this_file) {
        let dir = root
            .join(rel)
            .parent()
            .expect("a file has a folder")
            .to_owned();
        for (path, anchor) in doc_links(text) {
            // Relative to the citing file (markdown links), else to the root (`docs/x.md#a` in
            // code), else in `docs/` (a doc named alone).
            let target = [
                dir.join(&path),
                root.join(&path),
                root.join("docs").join(&path),
            ]
            .into_iter()
            .find(|p| p.is_file());
            let Some(target) = target else {
                bad.push(format!(
                    "{rel}: cites {path}#{anchor}, and {path} does not exist"
                ));
                continue;
            };
            let target = target.canonicalize().expect("an existing file");
            let known = cache
                .entry(target.clone())
                .or_insert_with(|| std::fs::read_to_string(&target).ok().map(|t| anchors(&t)));
            checked += 1;
            if !known.as_ref().is_some_and(|a| a.contains(&anchor)) {
                bad.push(format!(
                    "{rel}: cites {path}#{anchor}, an anchor {path} does not have"
                ));
            }
        }
    }
    assert!(
        checked > 50,
        "only {checked} doc anchors cited: is the walk broken?"
    );
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

/// Every `docs/NAME.md` named in a text, anchor or not.
fn doc_names(text: &str) -> Vec<String> {
    let name_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-');
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = text[from..].find("docs/") {
        let at = from + i;
        from = at + 5;
        // Another folder's `docs/` (`other/docs/x.md`) is not the project's.
        if text[..at].ends_with(|c: char| c == '/' || c == '.' || c.is_ascii_alphanumeric()) {
            continue;
        }
        let end = text[from..]
            .char_indices()
            .find(|&(_, c)| !name_char(c))
            .map_or(text.len(), |(j, _)| from + j);
        if end > from && text[end..].starts_with(".md") {
            out.push(format!("docs/{}.md", &text[from..end]));
        }
    }
    out
}

#[test]
fn every_cited_doc_exists() {
    let root = root();
    let files = files(&root);
    let this_file = "crates/localgram-testkit/tests/it/docs.rs";
    let mut checked = 0;
    let mut bad = BTreeSet::new();
    for (rel, text) in files.iter().filter(|(rel, _)| rel.as_str() != this_file) {
        for name in doc_names(text) {
            checked += 1;
            if !root.join(&name).is_file() {
                bad.insert(format!("{rel}: names {name}, which does not exist"));
            }
        }
    }
    assert!(
        checked > 50,
        "only {checked} docs named: is the walk broken?"
    );
    assert!(
        bad.is_empty(),
        "{}",
        bad.into_iter().collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn where_to_look_paths_exist() {
    let root = root();
    let architecture =
        std::fs::read_to_string(root.join("ARCHITECTURE.md")).expect("ARCHITECTURE.md");
    let start = architecture
        .find("\n## Where to look\n")
        .expect("ARCHITECTURE.md has a \"Where to look\" section");
    let section = &architecture[start + 1..];
    let section = section[3..]
        .find("\n## ")
        .map_or(section, |end| &section[..end + 3]);
    let mut bad = Vec::new();
    let mut checked = 0;
    for (i, span) in section.split('`').enumerate() {
        let is_path = i % 2 == 1
            && span.contains('/')
            && !span.starts_with('/')
            && span
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/'));
        if !is_path {
            continue;
        }
        let expanded = [
            ("server/", "crates/localgram-server/src/"),
            ("core/", "crates/localgram-core/src/"),
            ("store/", "crates/localgram-store/src/"),
        ]
        .iter()
        .find_map(|(short, long)| span.strip_prefix(short).map(|rest| format!("{long}{rest}")))
        .unwrap_or_else(|| span.to_owned());
        checked += 1;
        if !root.join(&expanded).exists() {
            bad.push(format!("`{span}` ({expanded}) does not exist"));
        }
    }
    assert!(checked > 40, "only {checked} paths in the index");
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn the_checks_see_what_they_look_for() {
    assert_eq!(decision_numbers("(D13, D4; see D1)"), ["D13", "D4", "D1"]);
    assert!(decision_numbers("D100 DD1 xD1 D1x H264D1 Dx").is_empty());
    assert_eq!(
        slug("The write path: who owns the connection, what a dropped caller can do"),
        "the-write-path-who-owns-the-connection-what-a-dropped-caller-can-do"
    );
    assert_eq!(
        slug("Browsers: CORS, `suppress_http_code`, JSONP"),
        "browsers-cors-suppress_http_code-jsonp"
    );
    let md = "<a id=\"x\"></a>\n## Same\n## Same\n```sh\n# not a heading\n```\n";
    let a = anchors(md);
    assert!(a.contains("x") && a.contains("same") && a.contains("same-1"));
    assert!(!a.contains("not-a-heading"));
    assert_eq!(
        doc_links("see `docs/graph-api.md#code-exchange`, [t](tokens.md#page-tokens)."),
        [
            ("docs/graph-api.md".to_owned(), "code-exchange".to_owned()),
            ("tokens.md".to_owned(), "page-tokens".to_owned()),
        ]
    );
    assert_eq!(
        doc_names("(docs/faults.md, \"Metrics\"), `docs/tls.md#ca`, other/docs/x.md, docs/"),
        ["docs/faults.md", "docs/tls.md"]
    );
    assert!(is_shipped_migration(
        "crates/localgram-store/migrations/sqlite/0005_test_users.sql"
    ));
    assert!(!is_shipped_migration(
        "crates/localgram-store/migrations/sqlite/0014_next.sql"
    ));
}
