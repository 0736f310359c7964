//! Linking what one customer wrote across channels. A marketplace's stable buyer id (WB
//! chat `clientID`, Ozon chat user) links with certainty; without one, the same first
//! name on the same product within a few weeks, with overlapping words, links with a
//! confidence that settings compare against thresholds.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What is known about the author of one item, for linking.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkSignals<'a> {
    pub customer_external_id: Option<&'a str>,
    pub name: Option<&'a str>,
    pub product: Option<&'a str>,
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
    let (Some(na), Some(nb)) = (a.name.map(normalise_name), b.name.map(normalise_name)) else {
        return (0.0, LinkMethod::Probabilistic);
    };
    if na.is_empty() || na != nb {
        return (0.0, LinkMethod::Probabilistic);
    }
    let days = (a.at - b.at).num_days().abs();
    if days > settings.window_days {
        return (0.0, LinkMethod::Probabilistic);
    }
    let mut score = 0.3; // the same first name alone is weak: names repeat
    if a.product.is_some() && a.product == b.product {
        score += 0.3;
    }
    let closeness = 1.0 - days as f32 / settings.window_days.max(1) as f32;
    score += 0.15 * closeness;
    score += 0.25 * word_overlap(a.text, b.text);
    (score.min(0.95), LinkMethod::Probabilistic)
}

fn normalise_name(name: &str) -> String {
    name.split_whitespace()
        .next()
        .unwrap_or("")
        .to_lowercase()
        .replace('ё', "е")
}

/// Jaccard overlap of the longer words (stems cut to 5 letters, so inflections meet).
fn word_overlap(a: &str, b: &str) -> f32 {
    let words = |t: &str| -> std::collections::BTreeSet<String> {
        t.split(|c: char| !c.is_alphanumeric())
            .filter(|w| w.chars().count() >= 4)
            .map(|w| w.to_lowercase().replace('ё', "е").chars().take(5).collect())
            .collect()
    };
    let (wa, wb) = (words(a), words(b));
    if wa.is_empty() || wb.is_empty() {
        return 0.0;
    }
    let shared = wa.intersection(&wb).count() as f32;
    shared / wa.union(&wb).count() as f32
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
        // Same name and product, a month later, different words: above the floor, weaker.
        let later = s(
            None,
            Some("Ирина"),
            Some("146972802"),
            30,
            "Когда будет серый цвет?",
        );
        let weaker = score(&review, &later);
        assert!(weaker >= 0.55 && weaker < strong, "{weaker}");
        // Same name, another product, different words: below the 0.55 floor.
        let other = s(
            None,
            Some("Ирина"),
            Some("183450117"),
            2,
            "Подойдёт ли на двуспальную кровать?",
        );
        assert!(score(&review, &other) < 0.55);
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
