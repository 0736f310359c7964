//! The seller's knowledge base (ROAD-007/008): FAQ entries, size tables, care and
//! warranty policies kept as files in the config folder's `kb/` — `kb/*.md` and
//! `kb/*.toml` for every account, `kb/<account name>/*` for one — imported into the store
//! (`store::kb`, full-text indexed) and used by drafts and LLM prompts.
//!
//! - [`parse_markdown`] / [`parse_toml`]: one file into entries (formats in docs/drafts.md).
//! - [`read_folder`]: every file of a `kb/` folder, with the account each belongs to.
//! - [`best`]: the entry that answers a customer's text, and the sentences of it to quote
//!   — over a handful of candidates (the store's full-text search picks them), so its cost
//!   is bounded whatever the size of the base.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use anyhow::{bail, Context, Result};
use serde::Deserialize;

use crate::ai::normalize::content_stems;

/// One entry of the knowledge base.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The store's id once imported.
    pub id: Option<i64>,
    /// The account's name for an account's own entry; `None` for every account.
    pub account: Option<String>,
    /// faq, sizes, care, warranty, returns, delivery or other.
    pub kind: String,
    pub title: String,
    pub body: String,
    /// The file (relative to `kb/`) and the entry's number in it: `care.md#2`.
    pub source: String,
}

/// The kinds an entry can have; a file's name gives its entries' kind unless they say.
pub const KINDS: &[&str] = &[
    "faq", "sizes", "care", "warranty", "returns", "delivery", "other",
];

/// The kind a file's name suggests: `sizes.md`, `уход.toml`, `warranty-policy.md`.
pub fn kind_from_name(name: &str) -> &'static str {
    kind_hint(name).unwrap_or("faq")
}

/// The kind a name or heading names, if any ("Таблица размеров" → sizes).
fn kind_hint(name: &str) -> Option<&'static str> {
    let n = name.to_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| n.contains(w));
    if has(&["size", "размер"]) {
        Some("sizes")
    } else if has(&["care", "уход", "стирк"]) {
        Some("care")
    } else if has(&["warrant", "гарант"]) {
        Some("warranty")
    } else if has(&["return", "возврат", "обмен"]) {
        Some("returns")
    } else if has(&["deliver", "shipping", "доставк"]) {
        Some("delivery")
    } else {
        None
    }
}

/// A kind as given in a file, checked.
fn checked_kind(kind: &str, source: &str) -> Result<String> {
    let k = kind.trim().to_lowercase();
    if KINDS.contains(&k.as_str()) {
        Ok(k)
    } else {
        bail!(
            "{source}: unknown kind '{kind}' (one of {})",
            KINDS.join(", ")
        )
    }
}

/// A Markdown file: every `## heading` starts an entry, its text runs to the next one; a
/// heading that names a kind ("Таблица размеров") gives it, else the file's name does. A
/// file without `##` headings is one entry titled by its `# heading` (or `title`). Table
/// rows become sentences ("Размер M: обхват груди 92–96"); list markers are dropped.
pub fn parse_markdown(file: &str, text: &str, title: &str) -> Result<Vec<Entry>> {
    let kind = kind_from_name(file).to_string();
    let mut file_title: Option<String> = None;
    let mut sections: Vec<(String, Vec<String>)> = Vec::new();
    let mut preamble: Vec<String> = Vec::new();
    let mut header: Option<Vec<String>> = None;
    for raw in text.lines() {
        let line = raw.trim();
        if let Some(h) = line.strip_prefix("## ") {
            sections.push((h.trim().to_string(), Vec::new()));
            header = None;
            continue;
        }
        if let Some(h) = line.strip_prefix("# ") {
            if file_title.is_none() && sections.is_empty() {
                file_title = Some(h.trim().to_string());
                continue;
            }
        }
        let target = match sections.last_mut() {
            Some((_, lines)) => lines,
            None => &mut preamble,
        };
        if line.starts_with('|') {
            let cells: Vec<String> = line
                .trim_matches('|')
                .split('|')
                .map(|c| c.trim().to_string())
                .collect();
            if cells
                .iter()
                .all(|c| !c.is_empty() && c.chars().all(|ch| matches!(ch, '-' | ':' | ' ')))
            {
                continue;
            }
            match &header {
                None => header = Some(cells),
                Some(names) => target.push(table_row(names, &cells)),
            }
            continue;
        }
        header = None;
        let line = line
            .trim_start_matches(['-', '*', '•'])
            .trim_start()
            .to_string();
        target.push(line);
    }
    let join = |lines: &[String]| -> String {
        let mut out = String::new();
        for l in lines {
            if l.is_empty() {
                if !out.is_empty() && !out.ends_with('\n') {
                    out.push('\n');
                }
                continue;
            }
            if !out.is_empty() && !out.ends_with('\n') {
                out.push('\n');
            }
            out.push_str(l);
        }
        out.trim().to_string()
    };
    let mut entries = Vec::new();
    if sections.is_empty() {
        let body = join(&preamble);
        if !body.is_empty() {
            entries.push(Entry {
                id: None,
                account: None,
                kind,
                title: file_title.unwrap_or_else(|| title.to_string()),
                body,
                source: format!("{file}#1"),
            });
        }
        return Ok(entries);
    }
    for (n, (title, lines)) in sections.iter().enumerate() {
        let body = join(lines);
        if body.is_empty() {
            bail!("{file}: the entry '{title}' has no text");
        }
        entries.push(Entry {
            id: None,
            account: None,
            kind: kind_hint(title).map_or_else(|| kind.clone(), str::to_string),
            title: title.clone(),
            body,
            source: format!("{file}#{}", n + 1),
        });
    }
    Ok(entries)
}

/// "Размер M: обхват груди 92–96, рост 170–176."
fn table_row(names: &[String], cells: &[String]) -> String {
    let mut parts = Vec::new();
    for (i, cell) in cells.iter().enumerate() {
        if cell.is_empty() {
            continue;
        }
        let name = names.get(i).map(String::as_str).unwrap_or("");
        let name = if i == 0 {
            name.to_string()
        } else {
            name.to_lowercase()
        };
        parts.push(if name.is_empty() {
            cell.clone()
        } else {
            format!("{name} {cell}")
        });
    }
    let mut line = match parts.split_first() {
        Some((first, rest)) if !rest.is_empty() => format!("{first}: {}", rest.join(", ")),
        Some((first, _)) => first.clone(),
        None => String::new(),
    };
    if !line.is_empty() {
        line.push('.');
    }
    line
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TomlFile {
    kind: Option<String>,
    #[serde(default)]
    entry: Vec<TomlEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TomlEntry {
    title: Option<String>,
    question: Option<String>,
    text: Option<String>,
    answer: Option<String>,
    kind: Option<String>,
}

/// A TOML file: `[[entry]]` tables with `title` (or `question`) and `text` (or `answer`)
/// and an optional `kind`; a top-level `kind` sets the file's default.
pub fn parse_toml(file: &str, text: &str) -> Result<Vec<Entry>> {
    let doc: TomlFile = toml::from_str(text).with_context(|| format!("{file}: not valid"))?;
    let default_kind = match &doc.kind {
        Some(k) => checked_kind(k, file)?,
        None => kind_from_name(file).to_string(),
    };
    let mut entries = Vec::new();
    for (n, e) in doc.entry.into_iter().enumerate() {
        let source = format!("{file}#{}", n + 1);
        let title = e.title.or(e.question).unwrap_or_default();
        let body = e.text.or(e.answer).unwrap_or_default();
        if title.trim().is_empty() || body.trim().is_empty() {
            bail!("{source}: an entry needs a title (or question) and a text (or answer)");
        }
        let kind = match &e.kind {
            Some(k) => checked_kind(k, &source)?,
            None => default_kind.clone(),
        };
        entries.push(Entry {
            id: None,
            account: None,
            kind,
            title: title.trim().to_string(),
            body: body.trim().to_string(),
            source,
        });
    }
    Ok(entries)
}

/// One file by its extension; other files are not the knowledge base's.
fn parse_file(path: &Path, label: &str) -> Result<Option<Vec<Entry>>> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_lowercase);
    if !matches!(ext.as_deref(), Some("md" | "toml")) {
        return Ok(None);
    }
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or(label)
        .to_string();
    Ok(Some(if ext.as_deref() == Some("md") {
        parse_markdown(label, &text, &stem)?
    } else {
        parse_toml(label, &text)?
    }))
}

/// Every entry of a `kb/` folder: its own files for every account, each subfolder's for
/// the account of that name. Files in name order, so an import is deterministic.
pub fn read_folder(dir: &Path) -> Result<Vec<Entry>> {
    let mut entries = Vec::new();
    let mut listed: Vec<_> = std::fs::read_dir(dir)
        .with_context(|| format!("reading the folder {}", dir.display()))?
        .collect::<std::io::Result<Vec<_>>>()
        .with_context(|| format!("reading the folder {}", dir.display()))?;
    listed.sort_by_key(|e| e.file_name());
    for item in listed {
        let path = item.path();
        let name = item.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        if path.is_dir() {
            let mut files: Vec<_> = std::fs::read_dir(&path)
                .with_context(|| format!("reading the folder {}", path.display()))?
                .collect::<std::io::Result<Vec<_>>>()?;
            files.sort_by_key(|e| e.file_name());
            for f in files {
                let label = format!("{name}/{}", f.file_name().to_string_lossy());
                if let Some(found) = parse_file(&f.path(), &label)? {
                    entries.extend(found.into_iter().map(|mut e| {
                        e.account = Some(name.clone());
                        e
                    }));
                }
            }
        } else if let Some(found) = parse_file(&path, &name)? {
            entries.extend(found);
        }
    }
    Ok(entries)
}

/// An entry that answers a text, and what of it to quote.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit<'a> {
    pub entry: &'a Entry,
    pub score: f32,
    /// One or two sentences of the entry, as the seller wrote them.
    pub passage: String,
}

/// Words that say nothing about which entry a text needs.
const NOISE: &[&str] = &[
    "здравств",
    "добр",
    "ден",
    "подскаж",
    "пожалуйст",
    "спасиб",
    "товар",
    "можн",
    "нужн",
    "хоч",
    "хотел",
    "скаж",
    "вопрос",
    "есть",
    "будет",
    "прош",
    "очен",
    "купил",
    "заказ",
];

/// The stems of `text` that can tell entries apart.
pub fn query_stems(text: &str) -> Vec<String> {
    let mut seen = HashSet::new();
    content_stems(text)
        .into_iter()
        .filter(|s| s.chars().count() >= 3 && !s.chars().all(|c| c.is_ascii_digit()))
        .filter(|s| !NOISE.iter().any(|n| s.starts_with(n)))
        .filter(|s| seen.insert(s.clone()))
        .take(MAX_QUERY_STEMS)
        .collect()
}

/// A text's first stems only: a long review costs the same as a short question.
pub const MAX_QUERY_STEMS: usize = 16;

/// Whether two stems are the same word: equal, or one starts the other and the shorter
/// has at least four letters ("стир" / "стирк").
fn same_word(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    short.chars().count() >= 4 && long.starts_with(short)
}

fn stems_of(text: &str) -> Vec<String> {
    content_stems(text)
}

/// The entry among `entries` that answers `text`, if one shares enough with it: two of
/// its distinctive words, or one in the entry's title when the text has few. Words rare
/// among the entries weigh more (BM25's idf), title words double.
pub fn best<'a>(entries: &'a [Entry], text: &str) -> Option<Hit<'a>> {
    relevant(entries, text).into_iter().next()
}

/// Every entry among `entries` that answers `text` (as [`best`] judges), best first.
pub fn relevant<'a>(entries: &'a [Entry], text: &str) -> Vec<Hit<'a>> {
    let query = query_stems(text);
    if query.is_empty() || entries.is_empty() {
        return Vec::new();
    }
    let docs: Vec<(Vec<String>, Vec<String>)> = entries
        .iter()
        .map(|e| (stems_of(&e.title), stems_of(&e.body)))
        .collect();
    let n = entries.len() as f32;
    let mut df: HashMap<&str, f32> = HashMap::new();
    for q in &query {
        let count = docs
            .iter()
            .filter(|(t, b)| t.iter().chain(b.iter()).any(|s| same_word(q, s)))
            .count() as f32;
        df.insert(q.as_str(), count);
    }
    let idf = |q: &str| {
        let d = df.get(q).copied().unwrap_or(0.0);
        (1.0 + (n - d + 0.5) / (d + 0.5)).ln()
    };
    let asked_kinds = asked_kinds(&query);
    let mut found: Vec<(usize, f32)> = Vec::new();
    for (i, (title, body)) in docs.iter().enumerate() {
        let mut matched = 0;
        let mut in_title = 0;
        let mut score = 0.0;
        for q in &query {
            let t = title.iter().any(|s| same_word(q, s));
            let b = body.iter().any(|s| same_word(q, s));
            if t || b {
                matched += 1;
                score += idf(q) * if t { 2.0 } else { 1.0 };
            }
            if t {
                in_title += 1;
            }
        }
        let enough = matched >= 2 || (in_title >= 1 && query.len() <= 3);
        if enough {
            // Of two entries sharing as much, the one whose title the text covers more
            // ("гарантия" over "уход за пледом" for "какая гарантия на плед?").
            let covered = title
                .iter()
                .filter(|s| query.iter().any(|q| same_word(q, s)))
                .count();
            score += covered as f32 / title.len().max(1) as f32;
            // A text that asks about warranty, care, sizes, returns or delivery prefers
            // an entry of that kind over one that only shares the product's name.
            if asked_kinds.contains(&entries[i].kind.as_str()) {
                score += 1.0;
            }
            found.push((i, score));
        }
    }
    // Best first; the earlier entry on a tie.
    found.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    found
        .into_iter()
        .map(|(i, score)| Hit {
            entry: &entries[i],
            score,
            passage: passage(&entries[i].body, &query),
        })
        .collect()
}

/// Stems that ask about a kind of entry.
const KIND_CUES: &[(&str, &[&str])] = &[
    ("warranty", &["гарант", "ремонт", "сервис"]),
    ("care", &["стир", "уход", "чист", "глад", "суш", "отбел"]),
    (
        "sizes",
        &["размер", "обхват", "рост", "маломер", "большемер"],
    ),
    ("returns", &["возврат", "вернут", "верн", "обмен"]),
    (
        "delivery",
        &["доставк", "достав", "привез", "отправ", "курьер"],
    ),
];

/// The kinds of entry a query's stems ask about.
fn asked_kinds(query: &[String]) -> Vec<&'static str> {
    KIND_CUES
        .iter()
        .filter(|(_, cues)| query.iter().any(|q| cues.iter().any(|c| q.starts_with(c))))
        .map(|(kind, _)| *kind)
        .collect()
}

/// The longest a quoted passage gets.
pub const MAX_PASSAGE: usize = 280;

/// The sentence of `body` that shares most with the query (the first one on a tie), and
/// the next when both fit in [`MAX_PASSAGE`].
pub fn passage(body: &str, query: &[String]) -> String {
    let sentences = sentences(body);
    if sentences.is_empty() {
        return String::new();
    }
    let score = |s: &str| {
        let stems = stems_of(s);
        query
            .iter()
            .filter(|q| stems.iter().any(|s| same_word(q, s)))
            .count()
    };
    let mut best = 0;
    let mut best_score = score(&sentences[0]);
    for (i, s) in sentences.iter().enumerate().skip(1) {
        let sc = score(s);
        if sc > best_score {
            best = i;
            best_score = sc;
        }
    }
    let mut out = sentences[best].clone();
    if let Some(next) = sentences.get(best + 1) {
        if out.chars().count() + 1 + next.chars().count() <= MAX_PASSAGE
            && out.chars().count() < 120
        {
            out.push(' ');
            out.push_str(next);
        }
    }
    if out.chars().count() > MAX_PASSAGE {
        let cut: String = out.chars().take(MAX_PASSAGE).collect();
        out = match cut.rfind([',', ';', ' ']) {
            Some(i) => format!("{}…", cut[..i].trim_end()),
            None => cut,
        };
    }
    out
}

/// Sentences of a body: its lines, each split after `.`, `!`, `?` followed by a space;
/// each ends with punctuation.
fn sentences(body: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in body.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let mut start = 0;
        let chars: Vec<(usize, char)> = line.char_indices().collect();
        for (k, (i, c)) in chars.iter().enumerate() {
            let next_is_space = chars.get(k + 1).is_some_and(|(_, n)| *n == ' ');
            if matches!(c, '.' | '!' | '?') && next_is_space {
                let s = line[start..=*i].trim();
                if !s.is_empty() {
                    out.push(s.to_string());
                }
                start = i + c.len_utf8();
            }
        }
        let rest = line[start..].trim();
        if !rest.is_empty() {
            let mut s = rest.to_string();
            if !s.ends_with(['.', '!', '?', '…']) {
                s.push('.');
            }
            out.push(s);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const CARE: &str = "# Уход\n\n## Уход за пледом\nСтирать при 30 °C в деликатном режиме. \
        Не отбеливать. Сушить в расправленном виде.\n\n## Уход за подушкой\n- Стирать в машине \
        при 40 °C\n- Отжим не более 600 оборотов\n";

    #[test]
    fn markdown_headings_make_entries() {
        let entries = parse_markdown("care.md", CARE, "care").unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].title, "Уход за пледом");
        assert_eq!(entries[0].kind, "care");
        assert_eq!(entries[0].source, "care.md#1");
        assert!(
            entries[1].body.starts_with("Стирать в машине"),
            "list markers dropped"
        );
        assert_eq!(entries[1].body.lines().count(), 2);
    }

    #[test]
    fn a_file_without_sections_is_one_entry_and_tables_read_as_sentences() {
        let text =
            "# Таблица размеров халатов\n\n| Размер | Обхват груди | Рост |\n|---|---|---|\n\
                    | M | 92–96 | 170–176 |\n| L | 100–104 | 176–182 |\n";
        let entries = parse_markdown("sizes.md", text, "sizes").unwrap();
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].title, "Таблица размеров халатов");
        assert_eq!(entries[0].kind, "sizes");
        assert_eq!(
            entries[0].body,
            "Размер M: обхват груди 92–96, рост 170–176.\nРазмер L: обхват груди 100–104, рост 176–182."
        );
    }

    #[test]
    fn toml_entries_take_question_and_answer_and_check_kinds() {
        let text = "kind = \"warranty\"\n[[entry]]\nquestion = \"Какая гарантия?\"\nanswer = \"12 месяцев.\"\n\
                    [[entry]]\ntitle = \"Возврат\"\ntext = \"В течение 14 дней.\"\nkind = \"returns\"\n";
        let entries = parse_toml("policy.toml", text).unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].kind, "warranty");
        assert_eq!(entries[0].title, "Какая гарантия?");
        assert_eq!(entries[1].kind, "returns");
        assert_eq!(entries[1].source, "policy.toml#2");
        let bad = parse_toml(
            "x.toml",
            "[[entry]]\ntitle = \"a\"\ntext = \"b\"\nkind = \"misc\"\n",
        );
        assert!(bad.unwrap_err().to_string().contains("unknown kind"));
        let empty = parse_toml("x.toml", "[[entry]]\ntitle = \"a\"\n");
        assert!(empty.unwrap_err().to_string().contains("x.toml#1"));
        assert!(parse_toml("x.toml", "[[entry]\n").is_err());
    }

    #[test]
    fn folders_give_account_entries() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("care.md"), CARE).unwrap();
        std::fs::write(dir.path().join("notes.txt"), "not the kb's").unwrap();
        std::fs::create_dir(dir.path().join("Уютный дом")).unwrap();
        std::fs::write(
            dir.path().join("Уютный дом/faq.toml"),
            "[[entry]]\ntitle = \"Подарочная упаковка\"\ntext = \"Упаковываем бесплатно.\"\n",
        )
        .unwrap();
        let entries = read_folder(dir.path()).unwrap();
        assert_eq!(entries.len(), 3);
        assert_eq!(entries[2].account.as_deref(), Some("Уютный дом"));
        assert_eq!(entries[2].source, "Уютный дом/faq.toml#1");
        assert!(entries[..2].iter().all(|e| e.account.is_none()));
    }

    #[test]
    fn the_entry_that_answers_is_found_and_quoted() {
        let mut entries = parse_markdown("care.md", CARE, "care").unwrap();
        entries.extend(
            parse_toml(
                "warranty.toml",
                "[[entry]]\ntitle = \"Гарантия на электронику\"\ntext = \"Гарантия на часы и \
                 браслеты — 12 месяцев со дня покупки. Для ремонта напишите нам в чат.\"\n",
            )
            .unwrap(),
        );
        let hit = best(&entries, "Подскажите, как стирать плед? Можно в машинке?").unwrap();
        assert_eq!(hit.entry.title, "Уход за пледом");
        assert_eq!(
            hit.passage,
            "Стирать при 30 °C в деликатном режиме. Не отбеливать."
        );
        let hit = best(&entries, "Какая гарантия?").unwrap();
        assert_eq!(hit.entry.title, "Гарантия на электронику");
        assert!(hit
            .passage
            .starts_with("Гарантия на часы и браслеты — 12 месяцев"));
        let pillow = best(&entries, "Подушку можно стирать в машинке? Какой отжим?").unwrap();
        assert_eq!(pillow.entry.title, "Уход за подушкой");
        assert!(
            pillow.passage.contains("Отжим не более 600"),
            "{}",
            pillow.passage
        );
        // Nothing in common, or only a greeting: no entry.
        let warranty = best(&entries, "Какая гарантия на плед?").unwrap();
        assert_eq!(
            warranty.entry.title, "Гарантия на электронику",
            "the topic, not the product"
        );
        assert!(best(&entries, "Когда приедет мой заказ?").is_none());
        assert!(best(&entries, "Здравствуйте, подскажите пожалуйста").is_none());
    }

    #[test]
    fn long_passages_are_cut_at_a_word() {
        let body = format!("{}.", "очень длинное правило ".repeat(30));
        let p = passage(&body, &["правил".into()]);
        assert!(p.chars().count() <= MAX_PASSAGE + 1);
        assert!(p.ends_with('…'));
    }
}
