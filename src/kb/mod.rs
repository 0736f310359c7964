//! The seller's knowledge base (ROAD-007/008): FAQ entries, size tables, care and
//! warranty policies kept as files in the config folder's `kb/` — `kb/*.md` and
//! `kb/*.toml` for every account, `kb/<account name>/*` for one — imported into the store
//! (`store::kb`, full-text indexed) and used by drafts and LLM prompts.
//!
//! - [`parse_markdown`] / [`parse_toml`]: one file into entries (formats in docs/drafts.md).
//! - [`read_folder`]: every file of a `kb/` folder, with the account each belongs to.
//! - [`best`]: the entry that answers a customer's text, and the sentences of it to quote
//!   — over a handful of candidates (the store's full-text search picks them), so its cost
//!   is bounded whatever the size of the base. It lives in `ai::knowledge`, which drafting
//!   uses, with the [`Entry`] type.

use std::path::Path;

use anyhow::{bail, Context, Result};
use serde::Deserialize;

pub use crate::ai::knowledge::{best, passage, query_stems, relevant, Entry, Hit, MAX_PASSAGE};

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
    let doc = MarkdownDoc::read(text);
    let mut entries = Vec::new();
    if doc.sections.is_empty() {
        let body = join_lines(&doc.preamble);
        if !body.is_empty() {
            entries.push(Entry {
                id: None,
                account: None,
                kind,
                title: doc.title.unwrap_or_else(|| title.to_string()),
                body,
                source: format!("{file}#1"),
            });
        }
        return Ok(entries);
    }
    for (n, (title, lines)) in doc.sections.iter().enumerate() {
        let body = join_lines(lines);
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

/// A Markdown file's lines by section, tables read as sentences and list markers dropped.
struct MarkdownDoc {
    /// The `# heading` before any section.
    title: Option<String>,
    /// Each `## heading` and the lines under it.
    sections: Vec<(String, Vec<String>)>,
    /// The lines before the first section.
    preamble: Vec<String>,
}

impl MarkdownDoc {
    fn read(text: &str) -> MarkdownDoc {
        let mut doc = MarkdownDoc {
            title: None,
            sections: Vec::new(),
            preamble: Vec::new(),
        };
        // A table's column names, while its rows are read.
        let mut header: Option<Vec<String>> = None;
        for raw in text.lines() {
            let line = raw.trim();
            if let Some(h) = line.strip_prefix("## ") {
                doc.sections.push((h.trim().to_string(), Vec::new()));
                header = None;
                continue;
            }
            if let Some(h) = line.strip_prefix("# ") {
                if doc.title.is_none() && doc.sections.is_empty() {
                    doc.title = Some(h.trim().to_string());
                    continue;
                }
            }
            let target = match doc.sections.last_mut() {
                Some((_, lines)) => lines,
                None => &mut doc.preamble,
            };
            if line.starts_with('|') {
                match (table_cells(line), &header) {
                    (None, _) => {}
                    (Some(cells), None) => header = Some(cells),
                    (Some(cells), Some(names)) => target.push(table_row(names, &cells)),
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
        doc
    }
}

/// A table row's cells; `None` for the line under the header (`|---|:--:|`).
fn table_cells(line: &str) -> Option<Vec<String>> {
    let cells: Vec<String> = line
        .trim_matches('|')
        .split('|')
        .map(|c| c.trim().to_string())
        .collect();
    let separator = cells
        .iter()
        .all(|c| !c.is_empty() && c.chars().all(|ch| matches!(ch, '-' | ':' | ' ')));
    (!separator).then_some(cells)
}

/// An entry's lines as its body: one per line, blank lines dropped.
fn join_lines(lines: &[String]) -> String {
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
