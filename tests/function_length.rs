//! Short functions and files in `src/` (issue #20): no function over [`MAX_FN_LINES`]
//! lines, test functions included, counted from the `fn` line to its closing brace; no
//! file over [`MAX_FILE_LINES`] lines outside test files (`tests.rs`, a `tests/` folder)
//! and the string tables in `src/tui/strings/`.
//!
//! [`STILL_LONG`] names what is still too long while the layers are split in parallel;
//! the test asserts each listed one still exists and is still long, so the list only
//! shrinks (like `WRONG_WAY` in tests/layers.rs).

use std::path::{Path, PathBuf};

const MAX_FN_LINES: usize = 80;
const MAX_FILE_LINES: usize = 600;

/// `(file, function)` still over the limit; `(file, "")` is a file still over its limit.
/// No function is left; the files below are.
const STILL_LONG: &[(&str, &str)] = &[
    // Files not yet split into modules by meaning; every function is within the limit.
    ("src/synthetic/mod.rs", ""),
    ("src/simulator/ozon.rs", ""),
    ("src/tui/state.rs", ""),
    ("src/store/interactions.rs", ""),
    ("src/connectors/wb/chats.rs", ""),
    ("src/simulator/fixtures.rs", ""),
    ("src/store/outbox.rs", ""),
    ("src/store/search.rs", ""),
    ("src/cli/setup_cmd.rs", ""),
    ("src/tui/update/reply.rs", ""),
    ("src/main.rs", ""),
];

/// A function found too long: where, its name, its length.
#[derive(Debug)]
struct Long {
    file: String,
    name: String,
    lines: usize,
}

#[test]
fn no_function_or_file_is_too_long_beyond_the_list() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let long = everything_too_long(root);
    let unlisted: Vec<String> = long
        .iter()
        .filter(|l| !STILL_LONG.contains(&(l.file.as_str(), l.name.as_str())))
        .map(describe)
        .collect();
    assert!(
        unlisted.is_empty(),
        "too long (split by meaning into named helpers or modules):\n{}",
        unlisted.join("\n")
    );
    let stale: Vec<String> = STILL_LONG
        .iter()
        .filter(|(file, name)| !long.iter().any(|l| l.file == *file && l.name == *name))
        .map(|(file, name)| format!("{file} {name}"))
        .collect();
    assert!(
        stale.is_empty(),
        "no longer too long (or gone): remove from STILL_LONG:\n{}",
        stale.join("\n")
    );
}

#[test]
fn lengths_count_from_the_fn_line_to_its_closing_brace() {
    let body = |n: usize| (0..n).map(|_| "    x();\n").collect::<String>();
    let text = format!(
        "pub(crate) async fn long() {{\n{}}}\nfn short() {{}}\nfn declared();\n\
         fn strings() {{\n    let s = \"}}{{\";\n    let c = '}}';\n{}}}\n",
        body(79),
        body(77)
    );
    let found = long_functions(&text);
    assert_eq!(
        found,
        [("long".to_string(), 81), ("strings".to_string(), 81)]
    );
    let just = format!("fn just() {{\n{}}}\n", body(78));
    assert!(long_functions(&just).is_empty(), "80 lines is the limit");
}

fn describe(l: &Long) -> String {
    if l.name.is_empty() {
        format!("{}: {} lines (over {MAX_FILE_LINES})", l.file, l.lines)
    } else {
        format!(
            "{} fn {}: {} lines (over {MAX_FN_LINES})",
            l.file, l.name, l.lines
        )
    }
}

/// Every function over the limit in `src/`, and every file over its limit (name empty).
fn everything_too_long(root: &Path) -> Vec<Long> {
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    files.sort();
    let mut long = Vec::new();
    for path in files {
        let file = path
            .strip_prefix(root)
            .unwrap_or(&path)
            .to_string_lossy()
            .replace('\\', "/");
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{file}: {e}"));
        for (name, lines) in long_functions(&text) {
            long.push(Long {
                file: file.clone(),
                name,
                lines,
            });
        }
        let lines = text.lines().count();
        if lines > MAX_FILE_LINES && !exempt_from_file_length(&file) {
            long.push(Long {
                file,
                name: String::new(),
                lines,
            });
        }
    }
    long
}

/// Test files and the string tables may be long; their functions may not.
fn exempt_from_file_length(file: &str) -> bool {
    file.starts_with("src/tui/strings/")
        || file.ends_with("/tests.rs")
        || file.split('/').any(|part| part == "tests")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `(name, lines)` of each function in `text` over the limit, nested ones included: from
/// the line of `fn` to the line where its braces close (strings, characters and `//`
/// comments left out of the count).
fn long_functions(text: &str) -> Vec<(String, usize)> {
    let lines: Vec<&str> = text.split('\n').collect();
    let mut found = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some(name) = fn_name(line) else {
            continue;
        };
        if let Some(length) = length_from(&lines, i) {
            if length > MAX_FN_LINES {
                found.push((name, length));
            }
        }
    }
    found
}

/// Lines from `lines[start]` to the closing brace; `None` for a declaration (`;` before
/// any `{`).
fn length_from(lines: &[&str], start: usize) -> Option<usize> {
    let mut depth = 0i64;
    let mut started = false;
    let mut j = start;
    while j < lines.len() {
        let code = code_of(lines[j]);
        if !started && code.contains(';') && !code.contains('{') {
            return None;
        }
        for c in code.chars() {
            match c {
                '{' => {
                    depth += 1;
                    started = true;
                }
                '}' => depth -= 1,
                _ => {}
            }
        }
        if started && depth <= 0 {
            break;
        }
        j += 1;
    }
    started.then_some(j - start + 1)
}

/// The name of the function a line starts: `[pub[(..)]] [async] [const] [unsafe] fn name`.
fn fn_name(line: &str) -> Option<String> {
    let mut rest = line.trim_start();
    if let Some(after) = rest.strip_prefix("pub") {
        let after = match after.strip_prefix('(') {
            Some(inner) => &inner[inner.find(')')? + 1..],
            None => after,
        };
        rest = after_space(after)?;
    }
    for word in ["async", "const", "unsafe"] {
        if let Some(after) = rest.strip_prefix(word).and_then(after_space) {
            rest = after;
        }
    }
    let rest = after_space(rest.strip_prefix("fn")?)?;
    let name: String = rest
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    (!name.is_empty()).then_some(name)
}

/// `s` after at least one whitespace character; `None` when it does not start with one.
fn after_space(s: &str) -> Option<&str> {
    let trimmed = s.trim_start();
    (trimmed.len() < s.len()).then_some(trimmed)
}

/// A line without its string and character literals' contents and its `//` comment.
fn code_of(line: &str) -> String {
    let no_strings = blank_literals(line, '"');
    let no_chars = blank_chars(&no_strings);
    match no_chars.find("//") {
        Some(at) => no_chars[..at].to_string(),
        None => no_chars,
    }
}

/// Each `"..."` on the line (escapes honoured) becomes `""`; an unclosed quote stays.
fn blank_literals(line: &str, quote: char) -> String {
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == quote {
            if let Some(end) = closing(&chars, i + 1, quote) {
                out.push(quote);
                out.push(quote);
                i = end + 1;
                continue;
            }
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

/// Where the literal opened before `from` closes, skipping escaped characters.
fn closing(chars: &[char], from: usize, quote: char) -> Option<usize> {
    let mut k = from;
    while k < chars.len() {
        match chars[k] {
            '\\' if k + 1 < chars.len() => k += 2,
            '\\' => return None,
            c if c == quote => return Some(k),
            _ => k += 1,
        }
    }
    None
}

/// Each one-character literal (`'x'`, `'\n'`) becomes `''`; lifetimes stay.
fn blank_chars(line: &str) -> String {
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '\'' {
            let escaped = chars.get(i + 1) == Some(&'\\')
                && chars.get(i + 2).is_some()
                && chars.get(i + 3) == Some(&'\'');
            let plain = chars.get(i + 1).is_some_and(|c| *c != '\'' && *c != '\\')
                && chars.get(i + 2) == Some(&'\'');
            if escaped || plain {
                out.push_str("''");
                i += if escaped { 4 } else { 3 };
                continue;
            }
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}
