//! The product characteristic a customer's question asks about.

use super::context::ProductCard;
use crate::ai::intent::Intent;
use crate::ai::normalize::{content_stems, stem, tokenize, STOP_WORDS};

/// Whether two stems are the same word for our purposes.
fn stems_meet(a: &str, b: &str) -> bool {
    let (la, lb) = (a.chars().count(), b.chars().count());
    let n = la.min(lb);
    if n < 4 {
        return a == b;
    }
    let common = a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count();
    common >= 4
}

/// Words that introduce the attribute asked about ("какая длина", "сколько весит").
const QUESTION_WORDS: &[&str] = &[
    "какой",
    "какая",
    "какое",
    "какие",
    "каков",
    "какова",
    "каковы",
    "какого",
    "какую",
    "каким",
    "какой",
    "сколько",
    "насколько",
];

/// Whether a characteristic's value is a measurement ("145×215 см", "300 г", "1,7 л").
fn is_measure(value: &str) -> bool {
    const UNITS: &[&str] = &[
        "см",
        "мм",
        "м",
        "м²",
        "кг",
        "г",
        "л",
        "мл",
        "вт",
        "мач",
        "ач",
        "дюйм",
        "дюйма",
    ];
    let has_unit = tokenize(value)
        .iter()
        .any(|t| UNITS.contains(&t.norm.as_str()));
    value.chars().any(|c| c.is_ascii_digit()) && (has_unit || value.contains('×'))
}

/// The product characteristic the customer asks about, as "длина шнура — 0,75 м".
///
/// A wrong characteristic is worse than none (it would be sent as a fact), so one is
/// quoted only on real evidence: its name is the word a question word points at ("какая
/// длина шнура", "гарантия сколько"), or its name matches and both the question and the
/// value carry numbers ("подойдёт на одеяло 140×205" → "размер пододеяльника 145×215"),
/// or its name and its value both match, or its value matches two words of the question
/// ("стирать в машинке" → "машинная стирка при 30 °C"). For compatibility questions a
/// characteristic named like "совместимость"/"разъёмы" is the fallback.
pub fn relevant_spec(card: &ProductCard, customer_text: &str, intent: Intent) -> Option<String> {
    let tokens = tokenize(customer_text);
    let content: Vec<(usize, String)> = tokens
        .iter()
        .enumerate()
        .filter(|(_, t)| !STOP_WORDS.contains(&t.norm.as_str()))
        .map(|(i, t)| (i, stem(&t.norm)))
        .collect();
    // Stems next to a question word (two content words either side).
    let mut asked: Vec<&str> = Vec::new();
    for (qi, t) in tokens.iter().enumerate() {
        if !QUESTION_WORDS.contains(&t.norm.as_str()) {
            continue;
        }
        let pos = content
            .iter()
            .position(|(i, _)| *i > qi)
            .unwrap_or(content.len());
        let lo = pos.saturating_sub(2);
        let hi = (pos + 2).min(content.len());
        asked.extend(content[lo..hi].iter().map(|(_, s)| s.as_str()));
    }
    let query_has_number = tokens.iter().any(|t| t.is_number());
    let words = |text: &str, values: bool| -> Vec<String> {
        content_stems(text)
            .into_iter()
            .filter(|s| {
                !values || (s.chars().count() >= 4 && !s.chars().all(|c| c.is_ascii_digit()))
            })
            .collect()
    };
    let query: Vec<&str> = content.iter().map(|(_, q)| q.as_str()).collect();
    let meets_any = |s: &str, list: &[&str]| list.iter().any(|q| stems_meet(s, q));
    let mut best: Option<(usize, &(String, String))> = None;
    for ch in &card.characteristics {
        let name = words(&ch.0, false);
        let value = words(&ch.1, true);
        let name_hits = name.iter().filter(|s| meets_any(s, &query)).count();
        let asked_hits = name.iter().filter(|s| meets_any(s, &asked)).count();
        let value_hits = value.iter().filter(|s| meets_any(s, &query)).count();
        let evidence = asked_hits > 0
            || (name_hits > 0 && query_has_number && is_measure(&ch.1))
            || (name_hits > 0 && value_hits > 0)
            || value_hits >= 2;
        if !evidence {
            continue;
        }
        let score = asked_hits * 3 + name_hits * 2 + value_hits;
        if best.is_none_or(|(s, _)| score > s) {
            best = Some((score, ch));
        }
    }
    let chosen = best.map(|(_, c)| c).or_else(|| {
        if intent != Intent::Compatibility {
            return None;
        }
        card.characteristics.iter().find(|(n, _)| {
            let n = n.to_lowercase();
            ["совмест", "разъ", "порт", "протокол", "тип плит"]
                .iter()
                .any(|f| n.contains(f))
        })
    })?;
    let (name, value) = (chosen.0.trim(), chosen.1.trim().trim_end_matches('.'));
    if name.is_empty() || value.is_empty() {
        return None;
    }
    let mut chars = name.chars();
    let first = chars.next()?;
    let second_upper = chars.next().is_some_and(char::is_uppercase);
    let name = if second_upper {
        name.to_string()
    } else {
        first.to_lowercase().chain(name.chars().skip(1)).collect()
    };
    Some(format!("{name} — {value}"))
}
