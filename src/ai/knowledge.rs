//! Which of the seller's knowledge-base entries answers a customer's text, and the
//! sentences of it to quote (docs/drafts.md): drafts and the LLM prompt quote the entry;
//! the `kb` layer reads the entries from files and the store finds the candidates.

use std::collections::{HashMap, HashSet};

use super::normalize::content_stems;

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
