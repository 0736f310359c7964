//! Linking what one customer wrote across channels. A marketplace's stable buyer id (WB
//! chat `clientID`, Ozon chat user) links with certainty; without one, the same first
//! name on the same product within a few weeks, with overlapping words, links with a
//! confidence that settings compare against thresholds.
//!
//! First names repeat: a popular product gets several "Анна" a month. So the name, the
//! product and the closeness in time together stay under the default 0.55 floor; only
//! shared wording (beyond the words of the product's own name, which every review of it
//! uses) lifts a pair over it. Different products never link by name.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What is known about the author of one item, for linking.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkSignals<'a> {
    pub customer_external_id: Option<&'a str>,
    pub name: Option<&'a str>,
    pub product: Option<&'a str>,
    /// The product's name: its words say nothing about who wrote.
    pub product_name: Option<&'a str>,
    pub at: DateTime<Utc>,
    pub text: &'a str,
}

/// How a link was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkMethod {
    /// The marketplace's own buyer id.
    Deterministic,
    /// Name, product, time and wording.
    Probabilistic,
}

/// Thresholds, from the `[linking]` settings section.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LinkingSettings {
    /// Below this no link is made.
    pub min_confidence: f32,
    /// Automation (auto-replies) trusts only deterministic links at or above this.
    pub automation_confidence: f32,
    /// Items further apart than this are not linked by name.
    pub window_days: i64,
}

impl Default for LinkingSettings {
    fn default() -> Self {
        LinkingSettings {
            min_confidence: 0.55,
            automation_confidence: 0.85,
            window_days: 45,
        }
    }
}

/// The same first name: weak, names repeat.
const NAME_WEIGHT: f32 = 0.2;
/// The same product (nothing when one side names no product, as many chats do).
const PRODUCT_WEIGHT: f32 = 0.2;
/// Closeness in time, full on the same day, nothing at the window's edge.
const TIME_WEIGHT: f32 = 0.1;
/// Shared wording (Jaccard overlap of word stems).
const WORDS_WEIGHT: f32 = 0.5;
/// Probabilistic links never claim certainty.
const MAX_PROBABILISTIC: f32 = 0.95;

/// The confidence (0..=1) that `a` and `b` were written by the same customer, and how.
pub fn link_score(
    a: &LinkSignals<'_>,
    b: &LinkSignals<'_>,
    settings: &LinkingSettings,
) -> (f32, LinkMethod) {
    if let (Some(x), Some(y)) = (a.customer_external_id, b.customer_external_id) {
        return if x == y {
            (1.0, LinkMethod::Deterministic)
        } else {
            (0.0, LinkMethod::Deterministic)
        };
    }
    let score = match score_without_words(a, b, settings) {
        Some(partial) => {
            let products = Words::of(a.product_name.unwrap_or(""))
                .union(&Words::of(b.product_name.unwrap_or("")));
            with_words(
                partial,
                word_overlap(&Words::of(a.text), &Words::of(b.text), &products),
            )
        }
        None => 0.0,
    };
    (score, LinkMethod::Probabilistic)
}

/// The name, product and time part of a probabilistic score, or `None` when the pair
/// cannot link at all (another name, another product, outside the window).
pub fn score_without_words(
    a: &LinkSignals<'_>,
    b: &LinkSignals<'_>,
    settings: &LinkingSettings,
) -> Option<f32> {
    let (Some(na), Some(nb)) = (a.name.and_then(first_name), b.name.and_then(first_name)) else {
        return None;
    };
    if na != nb {
        return None;
    }
    let same_product = match (a.product, b.product) {
        (Some(x), Some(y)) if x != y => return None,
        (Some(_), Some(_)) => true,
        _ => false,
    };
    let days = (a.at - b.at).num_days().abs();
    if days > settings.window_days {
        return None;
    }
    let closeness = 1.0 - days as f32 / settings.window_days.max(1) as f32;
    let product = if same_product { PRODUCT_WEIGHT } else { 0.0 };
    Some(NAME_WEIGHT + product + TIME_WEIGHT * closeness)
}

/// The score `partial` (from [`score_without_words`]) reaches with `overlap` shared words.
pub fn with_words(partial: f32, overlap: f32) -> f32 {
    (partial + WORDS_WEIGHT * overlap).min(MAX_PROBABILISTIC)
}

/// The most any pair with this `partial` score can reach, whatever its words.
pub fn best_possible(partial: f32) -> f32 {
    with_words(partial, 1.0)
}

/// The first word of a name, lower case, ё as е; `None` for a blank name.
fn first_name(name: &str) -> Option<String> {
    let first = name.split_whitespace().next()?;
    Some(first.to_lowercase().replace('ё', "е"))
}

/// The overlap of two texts' words (see [`Words::overlap`]), leaving out `product_words`:
/// the words of the products' names, which every review of the product shares.
pub fn word_overlap(a: &Words, b: &Words, product_words: &Words) -> f32 {
    if product_words.is_empty() {
        return a.overlap(b);
    }
    a.clone()
        .without(product_words)
        .overlap(&b.clone().without(product_words))
}

/// Letters of a word that count: inflections of one word share them.
const STEM: usize = 5;

/// The words linking compares: the first five letters of each word of four or more,
/// lower case, ё as е, sorted and without repeats. Built once per item, allocation-free
/// per word.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Words(Vec<[char; STEM]>);

impl Words {
    pub fn of(text: &str) -> Words {
        let mut stems: Vec<[char; STEM]> = text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| w.chars().nth(3).is_some())
            .map(|w| {
                let mut stem = ['\0'; STEM];
                let lower =
                    w.chars()
                        .flat_map(char::to_lowercase)
                        .map(|c| if c == 'ё' { 'е' } else { c });
                for (slot, c) in stem.iter_mut().zip(lower) {
                    *slot = c;
                }
                stem
            })
            .collect();
        stems.sort_unstable();
        stems.dedup();
        Words(stems)
    }

    /// The words of either.
    pub fn union(mut self, other: &Words) -> Words {
        self.0.extend_from_slice(&other.0);
        self.0.sort_unstable();
        self.0.dedup();
        self
    }

    /// These words less those in `other`.
    pub fn without(mut self, other: &Words) -> Words {
        self.0.retain(|w| other.0.binary_search(w).is_err());
        self
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Jaccard overlap: shared words over all words of both, 0 when either has none.
    pub fn overlap(&self, other: &Words) -> f32 {
        if self.0.is_empty() || other.0.is_empty() {
            return 0.0;
        }
        let (mut i, mut j, mut shared) = (0, 0, 0usize);
        while i < self.0.len() && j < other.0.len() {
            match self.0[i].cmp(&other.0[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    shared += 1;
                    i += 1;
                    j += 1;
                }
            }
        }
        let union = self.0.len() + other.0.len() - shared;
        shared as f32 / union as f32
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, 0).unwrap()
    }

    fn s<'a>(
        id: Option<&'a str>,
        name: Option<&'a str>,
        product: Option<&'a str>,
        days: i64,
        text: &'a str,
    ) -> LinkSignals<'a> {
        LinkSignals {
            customer_external_id: id,
            name,
            product,
            product_name: None,
            at: t0() + Duration::days(days),
            text,
        }
    }

    fn score(a: &LinkSignals<'_>, b: &LinkSignals<'_>) -> f32 {
        link_score(a, b, &LinkingSettings::default()).0
    }

    #[test]
    fn stable_ids_link_with_certainty_or_not_at_all() {
        let a = s(Some("100"), Some("Анна"), None, 0, "");
        let b = s(Some("100"), Some("Аня"), None, 30, "");
        assert_eq!(
            link_score(&a, &b, &LinkingSettings::default()),
            (1.0, LinkMethod::Deterministic)
        );
        let c = s(Some("200"), Some("Анна"), None, 0, "");
        assert_eq!(score(&a, &c), 0.0, "different ids are different people");
    }

    #[test]
    fn expected_confidences_for_name_links() {
        let review = s(
            None,
            Some("Ирина"),
            Some("146972802"),
            0,
            "Плед колется и линяет после стирки",
        );
        // Same name, same product, a day later, talking about the same thing: linked.
        let chat = s(
            None,
            Some("ирина"),
            Some("146972802"),
            1,
            "Плед линяет после первой стирки, что делать?",
        );
        let strong = score(&review, &chat);
        assert!((0.75..0.95).contains(&strong), "{strong}");
        // The same words a month later: still linked, with less confidence.
        let later = s(
            None,
            Some("Ирина"),
            Some("146972802"),
            30,
            "Плед линяет после первой стирки, что делать?",
        );
        let weaker = score(&review, &later);
        assert!(weaker >= 0.55 && weaker < strong, "{weaker}");
        // Same name, another product, the same words: another purchase, not linked.
        let other = s(
            None,
            Some("Ирина"),
            Some("183450117"),
            2,
            "Плед линяет после стирки",
        );
        assert_eq!(score(&review, &other), 0.0);
        // Outside the 45-day window: nothing.
        let old = s(None, Some("Ирина"), Some("146972802"), 60, "Плед линяет");
        assert_eq!(score(&review, &old), 0.0);
        // Another name: nothing.
        let anna = s(
            None,
            Some("Анна"),
            Some("146972802"),
            1,
            "Плед линяет после стирки",
        );
        assert_eq!(score(&review, &anna), 0.0);
    }

    #[test]
    fn the_same_first_name_on_the_same_product_alone_does_not_link() {
        let floor = LinkingSettings::default().min_confidence;
        let first = s(
            None,
            Some("Анна"),
            Some("146972802"),
            0,
            "Отличный плед, мягкий и тёплый",
        );
        // Two buyers named Анна, the same day, unrelated words.
        let same_day = s(
            None,
            Some("Анна"),
            Some("146972802"),
            0,
            "Пришёл с дыркой, упаковка порвана",
        );
        let unrelated = score(&first, &same_day);
        assert!(unrelated < floor, "{unrelated}");
        assert!(unrelated > 0.0, "a weak candidate, not an impossible one");
        // Without any words at all: name, product and time reach at most 0.5.
        let silent = s(None, Some("Анна"), Some("146972802"), 0, "");
        assert!(score(&first, &silent) < floor);
        // Weeks apart with unrelated words: even further from the floor.
        let weeks = s(
            None,
            Some("Анна"),
            Some("146972802"),
            40,
            "Когда будет серый цвет?",
        );
        assert!(score(&first, &weeks) < unrelated);
    }

    #[test]
    fn a_repeat_buyer_with_overlapping_words_links_within_the_window() {
        let review = s(
            None,
            Some("Анна"),
            Some("146972802"),
            0,
            "Плед линяет после стирки, ворс остаётся на диване",
        );
        let question = s(
            None,
            Some("Анна Петрова"),
            Some("146972802"),
            44,
            "Подскажите, почему плед линяет после стирки? Ворс везде",
        );
        let linked = score(&review, &question);
        assert!(linked >= 0.55, "{linked}");
        assert!(linked < 0.85, "never the automation level: {linked}");
    }

    #[test]
    fn words_of_the_product_name_are_not_shared_wording() {
        let mut a = s(
            None,
            Some("Олег"),
            Some("1"),
            0,
            "Плед флисовый пришёл быстро",
        );
        let mut b = s(
            None,
            Some("Олег"),
            Some("1"),
            0,
            "Плед флисовый оказался маловат",
        );
        let counted = score(&a, &b);
        a.product_name = Some("Плед флисовый 150×200");
        b.product_name = Some("Плед флисовый 150×200");
        let excluded = score(&a, &b);
        assert!(counted >= 0.55, "{counted}");
        assert!(excluded < 0.55, "{excluded}");
    }

    #[test]
    fn words_fold_case_yo_and_inflections() {
        let a = Words::of("Тёплый ПЛЕД, тёплые; да");
        assert_eq!(
            a.0.len(),
            2,
            "{a:?}: теплы and плед; short words do not count"
        );
        assert_eq!(a.overlap(&Words::of("теплый плед")), 1.0);
        assert_eq!(a.overlap(&Words::of("теплые пледы")), 1.0 / 3.0);
        assert_eq!(Words::of("").overlap(&a), 0.0);
        assert_eq!(a.clone().without(&Words::of("тёплый")).0.len(), 1);
    }

    #[test]
    fn probabilistic_links_never_reach_automation_level() {
        let a = s(
            None,
            Some("Олег"),
            Some("1"),
            0,
            "одинаковый длинный текст отзыва",
        );
        let b = s(
            None,
            Some("Олег"),
            Some("1"),
            0,
            "одинаковый длинный текст отзыва",
        );
        let (score, method) = link_score(&a, &b, &LinkingSettings::default());
        assert_eq!(method, LinkMethod::Probabilistic);
        assert!(score <= 0.95);
    }
}
