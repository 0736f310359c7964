//! Reuse of the seller's own approved answers: find past items whose customer text is
//! very close to this one (a BM25-weighted cosine over word stems) and adapt the answer
//! (swap the customer's name and the product's name). Also supplies the few-shot examples
//! for the LLM prompt.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::intent::Intent;
use super::normalize::content_stems;
use crate::domain::{Channel, Rating};

/// An answer the seller approved (sent as is or lightly edited), with what it answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApprovedAnswer {
    pub channel: Channel,
    /// What the customer wrote.
    pub customer_text: String,
    /// What the seller answered.
    pub answer: String,
    /// The customer's name as it appears in the answer, to swap for the new one.
    pub customer_name: Option<String>,
    /// The product it was about (nmId / sku).
    pub product_id: Option<String>,
    /// The product's name as it may appear in the answer, to swap for the new one.
    pub product_name: Option<String>,
    pub intent: Option<Intent>,
    pub rating: Option<Rating>,
}

/// Similarity at or above which an approved answer is reused as the draft.
pub const REUSE_THRESHOLD: f32 = 0.6;

const K1: f32 = 1.2;
const B: f32 = 0.75;

/// BM25 term statistics over a small corpus of customer texts.
#[derive(Debug, Clone)]
pub struct Bm25 {
    df: HashMap<String, usize>,
    n: usize,
    avgdl: f32,
}

impl Bm25 {
    pub fn new<'a>(docs: impl IntoIterator<Item = &'a str>) -> Bm25 {
        let mut df: HashMap<String, usize> = HashMap::new();
        let mut n = 0usize;
        let mut total = 0usize;
        for d in docs {
            let stems = content_stems(d);
            total += stems.len();
            n += 1;
            let mut seen: Vec<&String> = stems.iter().collect();
            seen.sort();
            seen.dedup();
            for s in seen {
                *df.entry(s.clone()).or_insert(0) += 1;
            }
        }
        Bm25 {
            df,
            n,
            avgdl: if n == 0 {
                1.0
            } else {
                (total as f32 / n as f32).max(1.0)
            },
        }
    }

    fn idf(&self, term: &str) -> f32 {
        let df = self.df.get(term).copied().unwrap_or(0) as f32;
        let n = self.n as f32;
        (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
    }

    /// BM25-weighted term vector of a text.
    pub fn vector(&self, text: &str) -> HashMap<String, f32> {
        let stems = content_stems(text);
        let dl = stems.len() as f32;
        let mut tf: HashMap<String, f32> = HashMap::new();
        for s in stems {
            *tf.entry(s).or_insert(0.0) += 1.0;
        }
        tf.into_iter()
            .map(|(t, f)| {
                let w = self.idf(&t) * f * (K1 + 1.0) / (f + K1 * (1.0 - B + B * dl / self.avgdl));
                (t, w)
            })
            .collect()
    }

    /// Cosine of the two texts' BM25 vectors, in 0.0..=1.0.
    pub fn similarity(&self, a: &str, b: &str) -> f32 {
        cosine(&self.vector(a), &self.vector(b))
    }
}

fn cosine(a: &HashMap<String, f32>, b: &HashMap<String, f32>) -> f32 {
    let dot: f32 = a.iter().filter_map(|(t, w)| b.get(t).map(|v| w * v)).sum();
    let na: f32 = a.values().map(|w| w * w).sum::<f32>().sqrt();
    let nb: f32 = b.values().map(|w| w * w).sum::<f32>().sqrt();
    if na == 0.0 || nb == 0.0 {
        0.0
    } else {
        (dot / (na * nb)).clamp(0.0, 1.0)
    }
}

/// Approved answers ranked by how close their customer text is to `customer_text`,
/// best first, with the similarity. Only the same channel; only answers for the same
/// intent and rating band when both are known.
pub fn rank(
    approved: &[ApprovedAnswer],
    channel: Channel,
    customer_text: &str,
    intent: Option<Intent>,
    rating: Option<Rating>,
) -> Vec<(usize, f32)> {
    let bm = Bm25::new(approved.iter().map(|a| a.customer_text.as_str()));
    let query = bm.vector(customer_text);
    let band = |r: Rating| match r.stars() {
        1 | 2 => 0,
        3 => 1,
        _ => 2,
    };
    let mut out: Vec<(usize, f32)> = approved
        .iter()
        .enumerate()
        .filter(|(_, a)| a.channel == channel)
        .filter(|(_, a)| match (a.intent, intent) {
            (Some(x), Some(y)) => x == y,
            _ => true,
        })
        .filter(|(_, a)| match (a.rating, rating) {
            (Some(x), Some(y)) => band(x) == band(y),
            _ => true,
        })
        .map(|(i, a)| (i, cosine(&query, &bm.vector(&a.customer_text))))
        .filter(|(_, s)| *s > 0.0)
        .collect();
    out.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    out
}

/// Replace whole-word occurrences of `old` with `new` (case-sensitive on the first
/// letter as written); returns the text and how many were replaced.
fn replace_word(text: &str, old: &str, new: &str) -> (String, usize) {
    if old.is_empty() {
        return (text.to_string(), 0);
    }
    let mut out = String::with_capacity(text.len());
    let mut count = 0;
    let mut i = 0;
    while let Some(pos) = text[i..].find(old) {
        let start = i + pos;
        let end = start + old.len();
        let before_ok = text[..start]
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_alphanumeric());
        let after_ok = text[end..]
            .chars()
            .next()
            .is_none_or(|c| !c.is_alphanumeric());
        out.push_str(&text[i..start]);
        if before_ok && after_ok {
            out.push_str(new);
            count += 1;
        } else {
            out.push_str(old);
        }
        i = end;
    }
    out.push_str(&text[i..]);
    (out, count)
}

fn capitalize_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// An approved answer adapted to a new customer and product: the old name becomes the
/// new one (or is dropped with its comma when the new customer has no name), the old
/// product name becomes the new one. `None` when the old name cannot be removed cleanly.
pub fn adapt(
    answer: &ApprovedAnswer,
    new_name: Option<&str>,
    new_product: Option<&str>,
) -> Option<String> {
    let mut text = answer.answer.trim().to_string();
    if let Some(old) = answer
        .customer_name
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        match new_name {
            Some(new) => text = replace_word(&text, old, new).0,
            None => {
                for pattern in [format!("{old}, "), format!(", {old}")] {
                    text = text.replace(&pattern, "");
                }
                if replace_word(&text, old, "").1 > 0 {
                    return None;
                }
                text = capitalize_first(&text);
            }
        }
    }
    if let (Some(old), Some(new)) = (answer.product_name.as_deref(), new_product) {
        if !old.trim().is_empty() && old != new {
            text = text.replace(old, new);
        }
    }
    let text = text.trim().to_string();
    (!text.is_empty()).then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn approved(text: &str, answer: &str, name: Option<&str>) -> ApprovedAnswer {
        ApprovedAnswer {
            channel: Channel::Review,
            customer_text: text.into(),
            answer: answer.into(),
            customer_name: name.map(Into::into),
            product_id: Some("1".into()),
            product_name: None,
            intent: None,
            rating: Rating::new(5),
        }
    }

    #[test]
    fn identical_texts_are_fully_similar_and_unrelated_ones_are_not() {
        let bm = Bm25::new(["плед мягкий", "чайник сломался", "шторы темные"]);
        assert!((bm.similarity("Плед мягкий!", "плед МЯГКИЙ") - 1.0).abs() < 1e-4);
        assert!(bm.similarity("плед мягкий", "чайник сломался") < 0.01);
        let close = bm.similarity("Плед очень мягкий и тёплый", "Мягкий тёплый плед");
        assert!(close > REUSE_THRESHOLD, "{close}");
    }

    #[test]
    fn ranking_prefers_the_closest_text_in_the_same_channel() {
        let list = vec![
            approved("Чайник не включается", "a", None),
            approved("Плед мягкий, спасибо", "b", None),
            ApprovedAnswer {
                channel: Channel::Chat,
                ..approved("Плед мягкий, спасибо", "c", None)
            },
        ];
        let r = rank(
            &list,
            Channel::Review,
            "Спасибо, плед очень мягкий",
            None,
            Rating::new(5),
        );
        assert_eq!(r[0].0, 1);
        assert!(r.iter().all(|(i, _)| *i != 2));
        // A 1-star review never reuses a 5-star answer.
        assert!(rank(
            &list,
            Channel::Review,
            "Плед мягкий, спасибо",
            None,
            Rating::new(1)
        )
        .is_empty());
    }

    #[test]
    fn adapt_swaps_names_and_products() {
        let a = ApprovedAnswer {
            product_name: Some("Плед флисовый".into()),
            ..approved(
                "x",
                "Анна, спасибо! Рады, что Плед флисовый понравился, Анна.",
                Some("Анна"),
            )
        };
        assert_eq!(
            adapt(&a, Some("Ольга"), Some("Плед шерстяной")).unwrap(),
            "Ольга, спасибо! Рады, что Плед шерстяной понравился, Ольга."
        );
        assert_eq!(
            adapt(&a, None, None).unwrap(),
            "Спасибо! Рады, что Плед флисовый понравился."
        );
        // "Аннушка" is not the name "Анна".
        let b = approved("x", "Аннушка — наш бренд. Анна, спасибо!", Some("Анна"));
        assert_eq!(
            adapt(&b, Some("Ия"), None).unwrap(),
            "Аннушка — наш бренд. Ия, спасибо!"
        );
    }
}
