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

use super::normalize::{normalize_word, stem, tokenize, Token};

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
    /// (words of the pattern, whether it names a problem without a part)
    faults: Vec<(Vec<String>, bool)>,
}

fn normalize_pattern(word: &str) -> String {
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
        let mut faults: Vec<(Vec<String>, bool)> = Vec::new();
        for g in &file.fault {
            for p in &g.patterns {
                let words: Vec<String> = p.split_whitespace().map(normalize_pattern).collect();
                let Some((last, head)) = words.split_last() else {
                    continue;
                };
                for form in std::iter::once(last.clone()).chain(verb_variants(last)) {
                    let mut w = head.to_vec();
                    w.push(form);
                    if !faults.iter().any(|(f, _)| *f == w) {
                        faults.push((w, g.alone));
                    }
                }
            }
        }
        // Longer patterns first: "не как на фото" before "фото", "не работает" before "работает".
        faults.sort_by_key(|(words, _)| std::cmp::Reverse(words.len()));
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

fn matches(pattern: &str, word: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => word.starts_with(prefix),
        None => word == pattern,
    }
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

/// Whether a fault word can follow "товар" without its own subject: present tense
/// ("не включается", "течёт") or no verb at all ("маломерит", "не как на фото").
/// A masculine past tense ("перестал", "сломался") agrees with "товар" too.
fn stands_alone(fault_words: &[&Token]) -> bool {
    let other_gender = |w: &str| {
        ["ла", "ло", "ли", "лась", "лось", "лись"]
            .iter()
            .any(|e| w.ends_with(e))
    };
    // "привезли треснутую": an adjective agreeing with a word outside the quote cannot
    // take "товар" as its subject ("товар треснутую").
    let agrees_elsewhere = |w: &str| {
        w.chars().count() > 4
            && [
                "ую", "юю", "ая", "яя", "ые", "ие", "ое", "ее", "ых", "их", "ым", "ыми", "ими",
                "ого", "ому",
            ]
            .iter()
            .any(|e| w.ends_with(e))
    };
    !fault_words
        .iter()
        .any(|t| other_gender(&t.norm) || agrees_elsewhere(&t.norm))
}

/// Whether a word is an infinitive ("синхронизироваться", "заряжаться"): a fault like
/// "перестал" takes it into the quote.
fn is_infinitive(word: &str) -> bool {
    word.chars().count() > 4
        && ["ть", "ться", "тись", "чь"]
            .iter()
            .any(|e| word.ends_with(e))
}

/// The problems in `text`, at most two, in the order written.
pub fn problems(text: &str) -> Vec<Problem> {
    let lex = lexicon();
    let tokens = tokenize(text);
    let mut used = vec![false; tokens.len()];
    let mut out: Vec<(usize, Problem)> = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let hit = lex.faults.iter().find(|(words, _)| {
            i + words.len() <= tokens.len()
                && words
                    .iter()
                    .zip(&tokens[i..])
                    .all(|(p, t)| matches(p, &t.norm))
                && tokens[i..i + words.len()]
                    .iter()
                    .all(|t| t.clause == tokens[i].clause)
        });
        let Some((words, alone)) = hit else {
            i += 1;
            continue;
        };
        let (mut f_lo, mut f_hi) = (i, i + words.len());
        // "начал пахнуть горелым и отключаться": the auxiliary starts the quote.
        if is_infinitive(&tokens[f_lo].norm) {
            let clause = tokens[f_lo].clause;
            if let Some(k) = (f_lo.saturating_sub(PART_WINDOW)..f_lo).rev().find(|&k| {
                tokens[k].clause == clause
                    && AUXILIARIES.iter().any(|a| tokens[k].norm.starts_with(a))
            }) {
                if (k..f_lo).all(|j| !used[j]) {
                    f_lo = k;
                }
            }
        }
        // "перестал синхронизироваться"; "пришла не та модель" (never a dangling "не та").
        let dangling = [
            "тот",
            "та",
            "то",
            "те",
            "ту",
            "другой",
            "другая",
            "другое",
            "другую",
            "другие",
        ]
        .contains(&tokens[f_hi - 1].norm.as_str());
        if f_hi < tokens.len()
            && tokens[f_hi].clause == tokens[f_lo].clause
            && (dangling || is_infinitive(&tokens[f_hi].norm))
        {
            f_hi += 1;
        }
        i = f_hi;
        if used[f_lo..f_hi].iter().any(|u| *u) {
            continue;
        }
        let clause = tokens[f_lo].clause;
        // The nearest part word of the same clause, before the fault first.
        let part_at = |j: usize| {
            !used[j]
                && tokens[j].clause == clause
                && lex.parts.iter().any(|p| matches(p, &tokens[j].norm))
        };
        // Before the fault, the leftmost part of an unbroken noun group: "крышка
        // батарейного отсека отваливается" names the cover, not the compartment.
        let mut before = None;
        for j in (f_lo.saturating_sub(PART_WINDOW)..f_lo).rev() {
            if tokens[j].clause != clause
                || ["и", "а", "но", "или"].contains(&tokens[j].norm.as_str())
            {
                break;
            }
            if part_at(j) {
                before = Some(j);
            }
        }
        let after = (f_hi..(f_hi + PART_WINDOW).min(tokens.len())).find(|j| part_at(*j));
        let part = before.or(after);
        let fault_tokens: Vec<&Token> = tokens[f_lo..f_hi].iter().collect();
        if part.is_none() && !(*alone || stands_alone(&fault_tokens)) {
            continue;
        }
        let (mut lo, mut hi) = match part {
            Some(p) if p < f_lo => (p, f_hi),
            Some(p) => (f_lo, p + 1),
            None => (f_lo, f_hi),
        };
        if hi - lo > MAX_QUOTE_WORDS {
            continue;
        }
        // A short tail: "через неделю", "после первой стирки".
        if hi < tokens.len()
            && tokens[hi].clause == clause
            && lex.tails.contains(&tokens[hi].norm)
            && (f_hi == hi)
        {
            let end = (hi + TAIL_WORDS).min(tokens.len());
            let tail_end = (hi + 1..end)
                .take_while(|j| tokens[*j].clause == clause)
                .last();
            if let Some(e) = tail_end {
                if e + 1 - lo <= MAX_QUOTE_WORDS + TAIL_WORDS {
                    hi = e + 1;
                }
            }
        }
        // Keep "не" with a negated part-first quote ("пульт не реагирует" is whole).
        if lo > 0
            && tokens[lo - 1].norm == "не"
            && tokens[lo - 1].clause == clause
            && part.is_none()
        {
            lo -= 1;
        }
        for u in &mut used[lo..hi] {
            *u = true;
        }
        let quote = text[tokens[lo].span.start..tokens[hi - 1].span.end]
            .trim()
            .to_lowercase();
        out.push((
            lo,
            Problem {
                quote,
                part: part.map(|p| stem(&tokens[p].norm)),
                fault: fault_tokens
                    .iter()
                    .map(|t| t.norm.as_str())
                    .collect::<Vec<_>>()
                    .join(" "),
            },
        ));
    }
    // Problems with a part first, then in the order written; two at most.
    out.sort_by_key(|(at, p)| (p.part.is_none(), *at));
    out.truncate(2);
    out.sort_by_key(|(at, _)| *at);
    out.into_iter().map(|(_, p)| p).collect()
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
mod tests {
    use super::*;

    fn quotes(text: &str) -> Vec<String> {
        problems(text).into_iter().map(|p| p.quote).collect()
    }

    #[test]
    fn an_adjective_agreeing_with_a_word_outside_the_quote_is_not_a_problem_alone() {
        let text = "Ждал доставку 12 дней. В итоге привезли треснутую. Спасибо, не надо.";
        assert_eq!(
            phrase(&problems(text)),
            None,
            "«Нам жаль, что треснутую» is not Russian"
        );
        assert_eq!(
            phrase(&problems("Коробка пришла треснутая")).as_deref(),
            Some("коробка пришла треснутая")
        );
    }

    #[test]
    fn the_lexicon_loads() {
        assert!(lexicon().faults.len() > 100);
        assert!(lexicon().parts.len() > 100);
    }

    #[test]
    fn problems_are_quoted_in_the_customers_words() {
        assert_eq!(quotes("Ремешок порвался, обидно"), ["ремешок порвался"]);
        assert_eq!(
            quotes("Пульт не реагирует на нажатия"),
            ["пульт не реагирует на нажатия"]
        );
        assert_eq!(
            quotes("Экран погас через неделю, больше не включается"),
            ["экран погас через неделю", "не включается"]
        );
        assert_eq!(quotes("Цвет не как на фото!"), ["цвет не как на фото"]);
        assert_eq!(
            quotes("Скакалка норм, но счётчик сбрасывается посреди тренировки и крышка батарейного отсека отваливается"),
            ["счётчик сбрасывается", "крышка батарейного отсека отваливается"]
        );
        assert_eq!(quotes("Маломерит на размер"), ["маломерит на размер"]);
        assert_eq!(quotes("Пришла не та модель"), ["пришла не та модель"]);
        assert_eq!(
            quotes("Браслет перестал синхронизироваться с телефоном"),
            ["браслет перестал синхронизироваться с телефоном"]
        );
        assert_eq!(
            quotes("Сломалась через день"),
            Vec::<String>::new(),
            "no subject to agree with"
        );
        assert_eq!(quotes("Всё отлично, спасибо"), Vec::<String>::new());
    }

    #[test]
    fn every_form_of_a_listed_verb_is_found() {
        assert_eq!(verb_variants("показывает"), ["показывают", "показывать"]);
        assert_eq!(verb_variants("отключает*"), ["отключают*", "отключать*"]);
        assert_eq!(verb_variants("шумит"), ["шумят", "шумат", "шумить"]);
        assert!(verb_variants("мал").is_empty());
        assert_eq!(
            quotes("Часы не показывают уведомления"),
            ["часы не показывают"]
        );
        assert_eq!(
            quotes("Фен начал пахнуть горелым и отключаться"),
            ["фен начал пахнуть горелым и отключаться"]
        );
        assert_eq!(
            quotes("Начала отключаться через день"),
            Vec::<String>::new(),
            "a feminine auxiliary needs its subject"
        );
    }

    #[test]
    fn two_problems_make_one_phrase() {
        let p = problems("счетчик сбрасывается, крышка отваливается");
        assert_eq!(
            phrase(&p).as_deref(),
            Some("счетчик сбрасывается, а крышка отваливается")
        );
        assert_eq!(
            phrase(&problems("не включается")).as_deref(),
            Some("товар не включается")
        );
    }
}
