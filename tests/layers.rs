//! The layers of `src/` import each other only in the directions docs/architecture.md
//! shows. Every `crate::<layer>` path outside comments and `#[cfg(test)]` modules is an
//! import of that layer (test code, a sibling `tests.rs` included, may set up data through
//! any layer). A new import of a layer not in [`ALLOWED`] fails here: either it goes the
//! wrong way (move the code to the layer that owns it, or pass the value in) or the table
//! and the document change together.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Each layer and the layers it may import. `cli::exit` (the exit codes and the error
/// kinds behind them) is a leaf every layer tags its errors with.
const ALLOWED: &[(&str, &[&str])] = &[
    ("domain", &[]),
    ("cli::exit", &[]),
    ("connectors", &["domain"]),
    ("ai", &["domain"]),
    ("kb", &["ai"]),
    ("store", &["domain", "kb", "connectors"]),
    ("settings", &["domain", "store", "ai"]),
    ("sla", &["domain", "settings", "store"]),
    ("learning", &["domain", "ai", "settings", "store"]),
    ("analytics", &["domain", "cli::exit", "settings", "store"]),
    ("experiments", &["domain", "ai", "analytics", "store"]),
    (
        "outbox",
        &[
            "domain",
            "ai",
            "connectors",
            "learning",
            "protocol",
            "store",
        ],
    ),
    (
        "prepare",
        &[
            "domain",
            "ai",
            "experiments",
            "kb",
            "learning",
            "outbox",
            "protocol",
            "settings",
            "sla",
            "store",
        ],
    ),
    ("notify", &["domain", "settings", "sla", "store"]),
    (
        "sync",
        &[
            "domain",
            "connectors",
            "protocol",
            "settings",
            "sla",
            "store",
        ],
    ),
    ("protocol", &["domain", "ai", "experiments", "settings"]),
    ("simulator", &["domain", "connectors"]),
    ("synthetic", &["domain", "ai", "simulator", "sla", "store"]),
    (
        "team",
        &[
            "domain",
            "ai",
            "cli::exit",
            "connectors",
            "outbox",
            "sla",
            "store",
            "sync",
        ],
    ),
    (
        "config",
        &["domain", "ai", "cli::exit", "connectors", "store"],
    ),
    (
        "tui",
        &[
            "domain",
            "ai",
            "analytics",
            "config",
            "experiments",
            "learning",
            "notify",
            "prepare",
            "protocol",
            "settings",
            "sla",
            "store",
            "sync",
        ],
    ),
    (
        "runtime",
        &[
            "domain",
            "ai",
            "connectors",
            "experiments",
            "learning",
            "notify",
            "outbox",
            "prepare",
            "protocol",
            "settings",
            "store",
            "sync",
            "tui",
        ],
    ),
    (
        "cli",
        &[
            "domain",
            "ai",
            "analytics",
            "cli::exit",
            "config",
            "connectors",
            "experiments",
            "kb",
            "learning",
            "notify",
            "outbox",
            "prepare",
            "protocol",
            "runtime",
            "settings",
            "simulator",
            "sla",
            "store",
            "sync",
            "synthetic",
            "team",
            "tui",
        ],
    ),
    (
        "demo",
        &["domain", "ai", "cli", "cli::exit", "config", "simulator"],
    ),
    ("lib", &[]),
    ("main", &["cli", "cli::exit", "config", "demo"]),
];

/// Imports the plan forbids outright, whatever the table above says.
const FORBIDDEN: &[(&str, &[&str])] = &[
    (
        "store",
        &[
            "sync", "ai", "sla", "settings", "tui", "cli", "runtime", "prepare", "notify",
        ],
    ),
    ("connectors", &["store", "sync", "tui"]),
    ("tui", &["connectors", "simulator", "outbox", "runtime"]),
    (
        "settings",
        &["sla", "notify", "prepare", "analytics", "learning", "tui"],
    ),
    ("sla", &["notify", "prepare", "tui", "ai"]),
];

/// Imports in [`ALLOWED`] that go the wrong way, each closing a cycle between layers: to
/// be taken apart (docs/architecture.md, "Imports still going the wrong way"). Without
/// them the table has no cycle; one that is gone must leave this list.
const WRONG_WAY: &[(&str, &str)] = &[];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src is readable") {
        let path = entry.expect("src entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The layer a file of `src/` belongs to: its folder, or its name for a file at the top.
fn layer_of(relative: &Path) -> String {
    let parts: Vec<String> = relative
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    match parts.as_slice() {
        [store, pg, ..] if store == "store" && pg == "pg" => "team".into(),
        [cli, exit] if cli == "cli" && exit == "exit" => "cli::exit".into(),
        [first, ..] => first.clone(),
        [] => unreachable!("a file has a name"),
    }
}

/// The lines of `text` outside `#[cfg(test)] mod … { … }` blocks and comments.
fn code_lines(text: &str) -> Vec<&str> {
    let lines: Vec<&str> = text.lines().collect();
    let mut code = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let test_module = lines[i].trim() == "#[cfg(test)]"
            && lines
                .get(i + 1)
                .is_some_and(|next| next.trim_start().starts_with("mod ") && next.ends_with('{'));
        if test_module {
            let mut depth = 0i64;
            i += 1;
            while i < lines.len() {
                depth +=
                    lines[i].matches('{').count() as i64 - lines[i].matches('}').count() as i64;
                i += 1;
                if depth <= 0 {
                    break;
                }
            }
            continue;
        }
        if !lines[i].trim_start().starts_with("//") {
            code.push(lines[i]);
        }
        i += 1;
    }
    code
}

/// The layers a line names through `crate::` paths, `crate::{a, b::c}` groups included.
fn layers_named(line: &str) -> Vec<String> {
    let mut named = Vec::new();
    for (at, _) in line.match_indices("crate::") {
        let rest = &line[at + "crate::".len()..];
        let heads: Vec<&str> = match rest.strip_prefix('{') {
            Some(group) => group
                .split('}')
                .next()
                .unwrap_or("")
                .split(',')
                .map(str::trim)
                .collect(),
            None => vec![rest],
        };
        for head in heads {
            let path: String = head
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            let mut parts = path.split("::").filter(|p| !p.is_empty());
            match (parts.next(), parts.next()) {
                (Some("cli"), Some("exit")) => named.push("cli::exit".to_string()),
                (Some(first), _) => named.push(first.to_string()),
                _ => {}
            }
        }
    }
    named
}

/// Every import between two layers, with the files that make it.
fn imports() -> BTreeMap<(String, String), BTreeSet<String>> {
    let root = src();
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    let mut found: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    for file in files {
        // A sibling `tests.rs` is the body of a `#[cfg(test)] mod tests;`: test code.
        if file.file_name().is_some_and(|name| name == "tests.rs") {
            continue;
        }
        let relative = file.strip_prefix(&root).expect("under src").to_path_buf();
        let layer = layer_of(&relative);
        let text = std::fs::read_to_string(&file).expect("source is UTF-8");
        for line in code_lines(&text) {
            for named in layers_named(line) {
                if named != layer {
                    found
                        .entry((layer.clone(), named))
                        .or_default()
                        .insert(relative.display().to_string());
                }
            }
        }
    }
    found
}

fn allowed(from: &str, to: &str) -> bool {
    ALLOWED
        .iter()
        .any(|(layer, may)| *layer == from && may.contains(&to))
}

#[test]
fn every_import_between_layers_goes_an_allowed_way() {
    let wrong: Vec<String> = imports()
        .into_iter()
        .filter(|((from, to), _)| !allowed(from, to))
        .map(|((from, to), files)| {
            let files: Vec<String> = files.into_iter().collect();
            format!("{from} → {to} ({})", files.join(", "))
        })
        .collect();
    assert!(
        wrong.is_empty(),
        "imports against the layer table in tests/layers.rs (docs/architecture.md):\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_table_allows_nothing_the_plan_forbids() {
    for (from, never) in FORBIDDEN {
        for to in *never {
            assert!(!allowed(from, to), "{from} may not import {to}");
        }
    }
}

#[test]
fn without_the_wrong_way_imports_no_layer_reaches_itself() {
    let right_way = |from: &str| -> Vec<&str> {
        ALLOWED
            .iter()
            .filter(|(layer, _)| *layer == from)
            .flat_map(|(_, may)| may.iter().copied())
            .filter(|to| !WRONG_WAY.contains(&(from, *to)))
            .collect()
    };
    for (start, _) in ALLOWED {
        let mut seen = BTreeSet::new();
        let mut stack = vec![*start];
        while let Some(layer) = stack.pop() {
            for next in right_way(layer) {
                assert_ne!(next, *start, "{start} reaches itself through {layer}");
                if seen.insert(next) {
                    stack.push(next);
                }
            }
        }
    }
}

#[test]
fn every_wrong_way_import_is_still_there() {
    let found = imports();
    for (from, to) in WRONG_WAY {
        assert!(
            found.contains_key(&(from.to_string(), to.to_string())),
            "{from} → {to} is gone: take it off WRONG_WAY (and docs/architecture.md)"
        );
    }
}

#[test]
fn the_scan_sees_grouped_and_inline_paths() {
    assert_eq!(
        layers_named("use crate::{sla, store::Writer};"),
        ["sla", "store"]
    );
    assert_eq!(
        layers_named("let x = crate::cli::exit::fail(crate::tui::Lang::En);"),
        ["cli::exit", "tui"]
    );
    assert_eq!(
        code_lines("use crate::a;\n// crate::b\n#[cfg(test)]\nmod tests {\n    use crate::c;\n}\nuse crate::d;"),
        ["use crate::a;", "use crate::d;"]
    );
}
