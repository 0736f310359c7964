//! Facts from the product card and the one a question asks about.
//!
//! A card's characteristics become [`Fact`]s (name, value, unit: WB names like "Вес
//! товара (г)" carry the unit in brackets). [`answer`] finds what a buyer asks about
//! through the topics of `data/lexicons/card_synonyms.toml` ("сколько весит" → вес,
//! "с какого возраста" → возраст) and then the characteristic that holds it, by name or
//! by unit; when no topic is recognised, the name/value overlap of
//! [`super::drafts::relevant_spec`] is tried. A value is only ever quoted from the card:
//! when the card lacks it, the answer says which parameter is missing.

use std::sync::OnceLock;

use serde::Deserialize;

use super::drafts::{relevant_spec, ProductCard};
use super::intent::Intent;
use super::normalize::{content_stems, normalize, normalize_word, tokenize};

/// One characteristic of a card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fact {
    /// As on the card, without a bracketed unit: "Вес товара без упаковки".
    pub name: String,
    /// As on the card, with the unit when the name carried it: "300 г".
    pub value: String,
    /// "г", "см", "мАч", when one is known.
    pub unit: Option<String>,
}

impl Fact {
    /// "вес товара без упаковки — 300 г", the name lower-cased unless it is an acronym.
    pub fn quote(&self) -> String {
        let mut chars = self.name.chars();
        let name = match (chars.next(), chars.next()) {
            (Some(_), Some(second)) if second.is_uppercase() => self.name.clone(),
            (Some(first), _) => first
                .to_lowercase()
                .chain(self.name.chars().skip(1))
                .collect(),
            (None, _) => String::new(),
        };
        format!("{name} — {}", self.value)
    }
}

/// The card's characteristics as facts, empty ones left out.
pub fn facts(card: &ProductCard) -> Vec<Fact> {
    card.characteristics
        .iter()
        .filter_map(|(name, value)| fact(name, value))
        .collect()
}

fn fact(name: &str, value: &str) -> Option<Fact> {
    let (name, value) = (name.trim(), value.trim().trim_end_matches('.').trim());
    if name.is_empty() || value.is_empty() {
        return None;
    }
    // "Вес товара без упаковки (г)" + "300" → "Вес товара без упаковки", "300 г".
    if let Some(open) = name.rfind(" (").filter(|_| name.ends_with(')')) {
        let unit = name[open + 2..name.len() - 1].trim();
        let bare = name[..open].trim();
        if !unit.is_empty() && unit.chars().count() <= 6 && !bare.is_empty() {
            let numeric = value
                .chars()
                .all(|c| c.is_ascii_digit() || matches!(c, ',' | '.' | ' ' | '-' | '–'));
            let value = if numeric {
                format!("{value} {unit}")
            } else {
                value.to_string()
            };
            return Some(Fact {
                name: bare.to_string(),
                value,
                unit: Some(unit.to_string()),
            });
        }
    }
    let unit = value
        .split_whitespace()
        .last()
        .filter(|u| u.chars().all(|c| c.is_alphabetic() || c == '"'))
        .filter(|_| value.chars().any(|c| c.is_ascii_digit()))
        .map(str::to_string);
    Some(Fact {
        name: name.to_string(),
        value: value.to_string(),
        unit,
    })
}

/// What a question asks about, as `data/lexicons/card_synonyms.toml` lists it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Topic {
    pub label: String,
    pub cues: Vec<String>,
    pub names: Vec<String>,
    #[serde(default)]
    pub units: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TopicFile {
    topic: Vec<Topic>,
}

/// The shipped topics.
pub fn topics() -> &'static [Topic] {
    static TOPICS: OnceLock<Vec<Topic>> = OnceLock::new();
    TOPICS.get_or_init(|| {
        let file: TopicFile =
            toml::from_str(include_str!("../../data/lexicons/card_synonyms.toml"))
                .expect("data/lexicons/card_synonyms.toml is valid (checked by a test)");
        file.topic
            .into_iter()
            .map(|t| Topic {
                label: t.label,
                cues: t.cues.iter().map(|c| normalize_cue(c)).collect(),
                names: t.names.iter().map(|n| normalize(n)).collect(),
                units: t.units.iter().map(|u| normalize_word(u)).collect(),
            })
            .collect()
    })
}

/// A cue's words normalised as the question's are, keeping the trailing `*`.
fn normalize_cue(cue: &str) -> String {
    cue.split_whitespace()
        .map(|w| match w.strip_suffix('*') {
            Some(prefix) => format!("{}*", normalize_word(prefix)),
            None => normalize_word(w),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn word_matches(pattern: &str, word: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => word.starts_with(prefix),
        None => word == pattern,
    }
}

/// How strongly `words` ask about `topic`: the best cue found, longer cues (more words,
/// more letters) counting more; 0 when none is there.
fn cue_score(topic: &Topic, words: &[String]) -> usize {
    let mut best = 0;
    for cue in &topic.cues {
        let parts: Vec<&str> = cue.split(' ').collect();
        if parts.is_empty() || parts.len() > words.len() {
            continue;
        }
        let found = (0..=words.len() - parts.len()).any(|start| {
            parts
                .iter()
                .zip(&words[start..])
                .all(|(p, w)| word_matches(p, w))
        });
        if found {
            best = best.max(parts.len() * 100 + cue.chars().count());
        }
    }
    best
}

/// The topics a question asks about, the most specific first.
pub fn asked_topics(question: &str) -> Vec<&'static Topic> {
    let words: Vec<String> = tokenize(question).into_iter().map(|t| t.norm).collect();
    let mut scored: Vec<(usize, usize, &Topic)> = topics()
        .iter()
        .enumerate()
        .map(|(i, t)| (cue_score(t, &words), i, t))
        .filter(|(s, _, _)| *s > 0)
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    scored.into_iter().map(|(_, _, t)| t).collect()
}

/// The fact that holds `topic`: by name; for a measured topic a named value with a number
/// comes before one measured in the topic's unit, which comes before a named value
/// without a number ("Батарея: есть" answers no question about capacity).
pub fn fact_for<'f>(topic: &Topic, facts: &'f [Fact]) -> Option<&'f Fact> {
    fact_for_question(topic, facts, "")
}

/// [`fact_for`], preferring among the named facts one whose name shares a word with the
/// question ("размер наволочек" for "наволочки какого размера").
pub fn fact_for_question<'f>(topic: &Topic, facts: &'f [Fact], question: &str) -> Option<&'f Fact> {
    let asked: Vec<String> = content_stems(question)
        .into_iter()
        .filter(|s| s.chars().count() >= 4)
        .collect();
    // Words of the topic itself ("размер") say nothing about which "размер …" is meant.
    let topical = |n: &str| {
        topic
            .names
            .iter()
            .any(|piece| piece.contains(n) || n.starts_with(piece.as_str()))
    };
    let shares_word = |f: &Fact| {
        content_stems(&f.name).iter().any(|n| {
            n.chars().count() >= 4
                && !topical(n)
                && asked
                    .iter()
                    .any(|a| common_prefix(a, n) >= 5.min(a.chars().count()))
        })
    };
    let mut named: Vec<&Fact> = topic
        .names
        .iter()
        .flat_map(|piece| {
            facts
                .iter()
                .filter(move |f| normalize(&f.name).contains(piece.as_str()))
        })
        .collect();
    named.dedup();
    // A stable sort keeps the name pieces' order within each group.
    named.sort_by_key(|f| !shares_word(f));
    if topic.units.is_empty() {
        return named.first().copied();
    }
    let measured = |f: &&Fact| f.value.chars().any(|c| c.is_ascii_digit());
    named
        .iter()
        .copied()
        .find(measured)
        .or_else(|| {
            facts.iter().find(|f| {
                f.unit
                    .as_deref()
                    .is_some_and(|u| topic.units.contains(&normalize_word(u)))
            })
        })
        .or_else(|| named.first().copied())
}

fn common_prefix(a: &str, b: &str) -> usize {
    a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count()
}

/// What the card says to a question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CardAnswer {
    /// The characteristic asked about, quoted: "вес — 300 г".
    Found(String),
    /// The question asks about this parameter (its label), and the card does not hold it.
    Missing(String),
    /// Nothing recognisable is asked.
    Unknown,
}

/// The card's answer to `question` asked with `intent`.
pub fn answer(card: &ProductCard, question: &str, intent: Intent) -> CardAnswer {
    let facts = facts(card);
    let asked = asked_topics(question);
    let mut found: Vec<String> = Vec::new();
    for topic in asked.iter().take(3) {
        if let Some(f) = fact_for_question(topic, &facts, question) {
            let quoted = f.quote();
            if !found.contains(&quoted) {
                found.push(quoted);
            }
        }
        if found.len() == 2 {
            break;
        }
    }
    if !found.is_empty() {
        return CardAnswer::Found(found.join("; "));
    }
    if let Some(spec) = relevant_spec(card, question, intent) {
        return CardAnswer::Found(spec);
    }
    match asked.first() {
        Some(topic) => CardAnswer::Missing(topic.label.clone()),
        None => CardAnswer::Unknown,
    }
}

/// Up to `n` facts quoted for "what the card does say", skipping long values.
pub fn known_facts(card: &ProductCard, n: usize) -> Vec<String> {
    facts(card)
        .iter()
        .filter(|f| f.value.chars().count() <= 40)
        .take(n)
        .map(Fact::quote)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn card(chars: &[(&str, &str)]) -> ProductCard {
        ProductCard {
            name: "Товар".into(),
            characteristics: chars
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            ..ProductCard::default()
        }
    }

    #[test]
    fn the_synonym_table_loads() {
        assert!(topics().len() >= 20);
        assert!(topics()
            .iter()
            .all(|t| !t.cues.is_empty() && !t.names.is_empty()));
    }

    #[test]
    fn units_in_brackets_move_to_the_value() {
        let f = fact("Вес товара без упаковки (г)", "300").unwrap();
        assert_eq!(f.quote(), "вес товара без упаковки — 300 г");
        assert_eq!(f.unit.as_deref(), Some("г"));
        let f = fact("Диагональ экрана", "6.1\"").unwrap();
        assert_eq!(f.quote(), "диагональ экрана — 6.1\"");
        assert_eq!(fact("Пустое", " "), None);
    }

    #[test]
    fn questions_find_their_characteristic() {
        let c = card(&[
            ("Цвет", "чёрный"),
            ("Вес товара без упаковки (г)", "180"),
            ("Диагональ экрана", "6,5\""),
            ("Встроенная память (Гб)", "128"),
            ("Оперативная память (Гб)", "6"),
            ("Возрастные ограничения", "от 3 лет"),
            ("Состав", "хлопок 95%, эластан 5%"),
            ("Страна производства", "Китай"),
        ]);
        let ask = |q: &str| answer(&c, q, Intent::ProductSpec);
        assert_eq!(
            ask("Сколько весит?"),
            CardAnswer::Found("вес товара без упаковки — 180 г".into())
        );
        assert_eq!(
            ask("какая диагональ"),
            CardAnswer::Found("диагональ экрана — 6,5\"".into())
        );
        assert_eq!(
            ask("С какого возраста можно?"),
            CardAnswer::Found("возрастные ограничения — от 3 лет".into())
        );
        assert_eq!(
            ask("сколько памяти?"),
            CardAnswer::Found("встроенная память — 128 Гб".into())
        );
        assert_eq!(
            ask("Из чего сделано?"),
            CardAnswer::Found("состав — хлопок 95%, эластан 5%".into())
        );
        assert_eq!(
            ask("Где произведено?"),
            CardAnswer::Found("страна производства — Китай".into())
        );
        assert_eq!(
            ask("Какая гарантия?"),
            CardAnswer::Missing("гарантия".into())
        );
        assert_eq!(ask("Здравствуйте"), CardAnswer::Unknown);
    }

    #[test]
    fn a_unit_finds_an_oddly_named_value() {
        let c = card(&[("Батарея", "есть"), ("АКБ", "5000 мАч")]);
        assert_eq!(
            answer(&c, "Какая ёмкость?", Intent::ProductSpec),
            CardAnswer::Found("АКБ — 5000 мАч".into()),
            "a value in the topic's unit beats a named one without a number"
        );
        let c = card(&[("Питание", "5000 мАч")]);
        assert_eq!(
            answer(&c, "Какая ёмкость аккумулятора?", Intent::ProductSpec),
            CardAnswer::Found("питание — 5000 мАч".into())
        );
    }
}
