//! What is wrong, in the customer's own words: "ремешок порвался", "пульт не реагирует",
//! "экран погас через неделю", "цвет не как на фото".
//!
//! Bounded rules over normalised words (`data/lexicons/complaints.toml`): a fault pattern
//! ("порвал*", "не реагирует", "не как на фото") and the nearest part word in the same
//! clause ("ремешок", "пульт", "крышка"), within a few words. The quote is the customer's
//! text from the part to the fault (at most [`MAX_QUOTE_WORDS`] words) with a short tail
//! ("через неделю", "после стирки"); it is never paraphrased, so it never says more
//! than the customer did. A fault whose tense or gender cannot stand without its subject
//! ("сломалась") is named only with its part.

use std::sync::OnceLock;

use serde::Deserialize;

use super::normalize::normalize_word;

mod fault;
mod scan;
mod words;

pub use scan::problems;

/// Words of a quote, part to fault included.
pub const MAX_QUOTE_WORDS: usize = 6;
/// How far (in words) a part may stand from its fault.
const PART_WINDOW: usize = 4;
/// Words a tail ("через неделю", "после первой стирки") may add after the fault.
const TAIL_WORDS: usize = 3;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LexiconFile {
    parts: Vec<String>,
    tails: Vec<String>,
    fault: Vec<FaultGroup>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FaultGroup {
    #[serde(default)]
    alone: bool,
    patterns: Vec<String>,
}

struct Lexicon {
    parts: Vec<String>,
    tails: Vec<String>,
    /// (words of the pattern, whether it names a problem without a part, whether the
    /// form is the one listed — only listed forms forgive a slip, not derived ones)
    faults: Vec<(Vec<String>, bool, bool)>,
}

fn normalize_pattern(word: &str) -> String {
    if let Some(root) = word.strip_prefix('~') {
        return format!("~{}", normalize_word(root));
    }
    match word.strip_suffix('*') {
        Some(prefix) => format!("{}*", normalize_word(prefix)),
        None => normalize_word(word),
    }
}

fn lexicon() -> &'static Lexicon {
    static LEXICON: OnceLock<Lexicon> = OnceLock::new();
    LEXICON.get_or_init(|| {
        let file: LexiconFile = toml::from_str(include_str!("../../data/lexicons/complaints.toml"))
            .expect("data/lexicons/complaints.toml is valid (checked by a test)");
        let mut faults: Vec<(Vec<String>, bool, bool)> = Vec::new();
        for g in &file.fault {
            for p in &g.patterns {
                let words: Vec<String> = p.split_whitespace().map(normalize_pattern).collect();
                let Some((last, head)) = words.split_last() else {
                    continue;
                };
                for (n, form) in std::iter::once(last.clone())
                    .chain(verb_variants(last))
                    .enumerate()
                {
                    let mut w = head.to_vec();
                    w.push(form);
                    if !faults.iter().any(|(f, _, _)| *f == w) {
                        faults.push((w, g.alone, n == 0));
                    }
                }
            }
        }
        // Longer patterns first: "не как на фото" before "фото", "не работает" before "работает".
        faults.sort_by_key(|(words, _, _)| std::cmp::Reverse(words.len()));
        Lexicon {
            parts: file.parts.iter().map(|p| normalize_pattern(p)).collect(),
            tails: file.tails.iter().map(|t| normalize_word(t)).collect(),
            faults,
        }
    })
}

/// The other forms of a verb a fault pattern names in one of them: the plural and the
/// infinitive ("показывает" → "показывают", "показывать"; "отключает*" → "отключают*",
/// "отключать*", so "начал отключаться" is found too). Buyers write every form; the
/// lexicon lists one.
fn verb_variants(pattern: &str) -> Vec<String> {
    if pattern.starts_with('~') {
        return Vec::new();
    }
    let (stem, star) = match pattern.strip_suffix('*') {
        Some(s) => (s, "*"),
        None => (pattern, ""),
    };
    const ENDINGS: &[(&str, &[&str])] = &[
        ("ается", &["аются", "аться"]),
        ("яется", &["яются", "яться"]),
        ("ится", &["ятся", "атся", "иться"]),
        ("ется", &["утся", "ются"]),
        ("ает", &["ают", "ать"]),
        ("яет", &["яют", "ять"]),
        ("ует", &["уют"]),
        ("ит", &["ят", "ат", "ить"]),
        ("ет", &["ут", "ют"]),
    ];
    if stem.contains(' ') || stem.chars().count() < 5 {
        return Vec::new();
    }
    ENDINGS
        .iter()
        .find(|(e, _)| stem.ends_with(e))
        .map(|(e, forms)| {
            let base = &stem[..stem.len() - e.len()];
            forms.iter().map(|f| format!("{base}{f}{star}")).collect()
        })
        .unwrap_or_default()
}

/// Words that start a fault told as an infinitive: "начал отключаться", "стала рваться".
const AUXILIARIES: &[&str] = &["начал", "стал", "начина", "продолжа"];

/// Whether a lexicon pattern matches a normalised word: `основа*` any word starting with
/// it, `~корень` the root after a verbal prefix, a plain word only itself; a listed word
/// of [`words::SLIP_MIN_CHARS`] letters or more forgives one slip ("подтикает").
fn matches(pattern: &str, word: &str) -> bool {
    matches_with(pattern, word, true)
}

/// [`matches`], forgiving a slip only when `slips`.
fn matches_with(pattern: &str, word: &str, slips: bool) -> bool {
    if let Some(root) = pattern.strip_prefix('~') {
        return words::has_root(word, root);
    }
    let same_start = |a: &str, b: &str| a.chars().next() == b.chars().next();
    match pattern.strip_suffix('*') {
        Some(prefix) => {
            word.starts_with(prefix)
                || (slips
                    && prefix.chars().count() >= words::SLIP_MIN_CHARS
                    && same_start(prefix, word)
                    && slipped_prefix(prefix, word))
        }
        None => {
            word == pattern
                || (slips
                    && pattern.chars().count() >= words::SLIP_MIN_CHARS
                    && same_start(pattern, word)
                    && words::one_slip_apart(pattern, word))
        }
    }
}

/// Whether `word` starts with `prefix` but for one slip ("кросовки" for "кроссовк*").
fn slipped_prefix(prefix: &str, word: &str) -> bool {
    let n = prefix.chars().count();
    let chars: Vec<char> = word.chars().collect();
    (n.saturating_sub(1)..=n + 1)
        .filter(|k| *k <= chars.len())
        .any(|k| words::one_slip_apart(prefix, &chars[..k].iter().collect::<String>()))
}

/// One problem the customer describes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The customer's words, lower case: "крышка батарейного отсека отваливается".
    pub quote: String,
    /// The part or property, normalised ("крышка"), when named.
    pub part: Option<String>,
    /// The fault, normalised ("отваливается").
    pub fault: String,
}

/// The problems as one phrase for a reply: "счётчик сбрасывается и крышка отваливается".
/// A problem without a part gets "товар" as its subject.
pub fn phrase(problems: &[Problem]) -> Option<String> {
    let parts: Vec<String> = problems
        .iter()
        .map(|p| {
            let first = p.quote.split_whitespace().next().unwrap_or("");
            let verb_first = first == "не"
                || [
                    "ет", "ит", "ут", "ют", "ат", "ят", "ется", "ится", "л", "лся",
                ]
                .iter()
                .any(|e| first.ends_with(e));
            if p.part.is_none() && verb_first {
                format!("товар {}", p.quote)
            } else {
                p.quote.clone()
            }
        })
        .collect();
    match parts.as_slice() {
        [] => None,
        [one] => Some(one.clone()),
        [a, b, ..] => Some(format!("{a}, а {b}")),
    }
}

#[cfg(test)]
mod tests;
