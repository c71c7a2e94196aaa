//! The house rule of ARCHITECTURE.md, "Files": inside `localgram-core` and `localgram-server`,
//! the files that refer to each other (`crate::…`, `super::…`) form no circle. A module that
//! declares a child (`mod x;`) does not count as referring to it; tests (`#[cfg(test)]` and
//! after) and comments are not read.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every module of a crate's `src/`, by path (`routes::graph::call`; the crate root is ``).
fn modules(src: &Path) -> BTreeMap<String, PathBuf> {
    fn walk(dir: &Path, src: &Path, out: &mut BTreeMap<String, PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, src, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path.strip_prefix(src).unwrap().with_extension("");
                let mut parts: Vec<String> = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                if matches!(
                    parts.last().map(String::as_str),
                    Some("mod" | "lib" | "main")
                ) {
                    parts.pop();
                }
                out.insert(parts.join("::"), path);
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(src, src, &mut out);
    out
}

/// The text the compiler reads outside tests, without comments.
fn code(text: &str) -> String {
    let text = text.split("#[cfg(test)]").next().unwrap_or("");
    text.lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The longest known module that `path` (segments) starts with.
fn resolve(path: &[&str], mods: &BTreeMap<String, PathBuf>) -> Option<String> {
    (1..=path.len())
        .rev()
        .map(|k| path[..k].join("::"))
        .find(|m| mods.contains_key(m))
}

/// The paths written after `at` in `text` (`a::b::C`, or each item of `{a::b, c}`).
fn paths_after<'t>(text: &'t str, at: &str) -> Vec<Vec<&'t str>> {
    let mut out = Vec::new();
    for (i, _) in text.match_indices(at) {
        let before = text[..i].chars().last();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let rest = &text[i + at.len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 1;
            let end = group
                .char_indices()
                .find(|&(_, c)| {
                    match c {
                        '{' => depth += 1,
                        '}' => depth -= 1,
                        _ => {}
                    }
                    depth == 0
                })
                .map_or(group.len(), |(e, _)| e);
            let mut depth = 0;
            let mut start = 0;
            for (k, c) in group[..end].char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        out.push(segments(&group[start..k]));
                        start = k + 1;
                    }
                    _ => {}
                }
            }
            out.push(segments(&group[start..end]));
        } else {
            out.push(segments(rest));
        }
    }
    out
}

fn segments(s: &str) -> Vec<&str> {
    let s = s.trim_start();
    let end = s
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
        .unwrap_or(s.len());
    s[..end].split("::").filter(|p| !p.is_empty()).collect()
}

/// Each module's references to the crate's other modules.
fn graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mods = modules(src);
    let mut g = BTreeMap::new();
    for (name, file) in &mods {
        let text = code(&std::fs::read_to_string(file).unwrap());
        let mut refs = BTreeSet::new();
        for p in paths_after(&text, "crate::") {
            if let Some(m) = resolve(&p, &mods) {
                refs.insert(m);
            }
        }
        let parent: Vec<&str> = if name.is_empty() {
            Vec::new()
        } else {
            let mut v: Vec<&str> = name.split("::").collect();
            v.pop();
            v
        };
        for p in paths_after(&text, "super::") {
            let full: Vec<&str> = parent.iter().copied().chain(p).collect();
            if let Some(m) = resolve(&full, &mods).or_else(|| {
                let m = parent.join("::");
                mods.contains_key(&m).then_some(m)
            }) {
                refs.insert(m);
            }
        }
        refs.remove(name);
        g.insert(name.clone(), refs);
    }
    g
}

/// One circle of the graph, if any, as the modules along it.
fn circle(g: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Open,
        Done,
    }
    fn visit(
        v: &str,
        g: &BTreeMap<String, BTreeSet<String>>,
        marks: &mut BTreeMap<String, Mark>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        marks.insert(v.to_owned(), Mark::Open);
        stack.push(v.to_owned());
        for w in &g[v] {
            match marks[w] {
                Mark::Open => {
                    let from = stack.iter().position(|s| s == w).unwrap();
                    let mut c = stack[from..].to_vec();
                    c.push(w.clone());
                    return Some(c);
                }
                Mark::New => {
                    if let Some(c) = visit(w, g, marks, stack) {
                        return Some(c);
                    }
                }
                Mark::Done => {}
            }
        }
        stack.pop();
        marks.insert(v.to_owned(), Mark::Done);
        None
    }
    let mut marks: BTreeMap<String, Mark> = g.keys().map(|k| (k.clone(), Mark::New)).collect();
    for v in g.keys() {
        if marks[v] == Mark::New
            && let Some(c) = visit(v, g, &mut marks, &mut Vec::new())
        {
            return Some(c);
        }
    }
    None
}

fn crate_src(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(name)
        .join("src")
}

#[test]
fn core_and_server_files_refer_to_each_other_without_circles() {
    for name in ["localgram-core", "localgram-server"] {
        let g = graph(&crate_src(name));
        assert!(g.len() > 20, "{name}: {} modules read", g.len());
        if let Some(c) = circle(&g) {
            panic!(
                "{name}: the files {} refer to each other in a circle",
                c.join(" -> ")
            );
        }
    }
}

#[test]
fn the_circle_check_sees_a_circle() {
    let dir = std::env::temp_dir().join(format!("localgram-house-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let src = dir.as_path();
    std::fs::create_dir_all(src.join("routes")).unwrap();
    std::fs::write(src.join("lib.rs"), "mod a;\nmod routes;\n").unwrap();
    std::fs::write(src.join("a.rs"), "use crate::routes::b::Thing;\n").unwrap();
    std::fs::write(src.join("routes/mod.rs"), "pub mod b;\n").unwrap();
    std::fs::write(
        src.join("routes/b.rs"),
        "pub struct Thing;\n// crate::a in a comment is not read\nfn f() { crate::a::g() }\n",
    )
    .unwrap();
    let g = graph(src);
    assert_eq!(
        circle(&g),
        Some(vec!["a".into(), "routes::b".into(), "a".into()])
    );
    // Without the call, no circle; a `use crate::{…}` group and `super::` count too.
    std::fs::write(src.join("routes/b.rs"), "pub struct Thing;\n").unwrap();
    assert_eq!(circle(&graph(src)), None);
    std::fs::write(
        src.join("routes/b.rs"),
        "use crate::{x, a::{g, h}};\npub struct Thing;\n",
    )
    .unwrap();
    assert!(circle(&graph(src)).is_some());
    std::fs::write(src.join("routes/b.rs"), "pub struct Thing;\n").unwrap();
    std::fs::write(src.join("routes/c.rs"), "use super::b::Thing;\n").unwrap();
    std::fs::write(
        src.join("routes/b.rs"),
        "use super::c;\npub struct Thing;\n",
    )
    .unwrap();
    assert!(circle(&graph(src)).is_some());
    std::fs::remove_dir_all(src).unwrap();
}
