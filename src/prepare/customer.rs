//! What drafts and the LLM prompt know about the customer (`ai::CustomerHistory`): counts
//! from the linked customer's earlier items in the store and a one-line Russian summary
//! of them.

use std::collections::BTreeSet;

use crate::ai::{short_product_name, CustomerHistory};
use crate::domain::{Channel, InteractionId};
use crate::store::CustomerProfile;

/// The history for drafting a reply to `current`: its customer's other items.
pub fn history_from(profile: &CustomerProfile, current: InteractionId) -> CustomerHistory {
    let earlier: Vec<_> = profile.items.iter().filter(|i| i.id != current).collect();
    let previous_positive = earlier
        .iter()
        .filter(|i| i.rating.is_some_and(|r| r.stars() >= 4))
        .count() as u32;
    CustomerHistory {
        previous_interactions: earlier.len() as u32,
        previous_complaints: profile.complaints as u32,
        previous_positive,
        summary: summary(profile, current),
    }
}

fn channel_count(n: usize, channel: Channel) -> String {
    let (one, few, many) = match channel {
        Channel::Review => ("отзыв", "отзыва", "отзывов"),
        Channel::Question => ("вопрос", "вопроса", "вопросов"),
        Channel::Chat => ("чат", "чата", "чатов"),
    };
    let word = match (n % 10, n % 100) {
        (1, r) if r != 11 => one,
        (2..=4, r) if !(12..=14).contains(&r) => few,
        _ => many,
    };
    format!("{n} {word}")
}

/// "раньше: 2 отзыва, 1 вопрос; товары: «Плед», «Подушка»; оценки по порядку: 5★ 2★;
/// жалоб: 1; ещё открыто: 1"; `None` for a first-time customer.
fn summary(profile: &CustomerProfile, current: InteractionId) -> Option<String> {
    let earlier: Vec<_> = profile.items.iter().filter(|i| i.id != current).collect();
    if earlier.is_empty() {
        return None;
    }
    let mut parts = Vec::new();
    let by_channel: Vec<String> = Channel::ALL
        .iter()
        .map(|c| (earlier.iter().filter(|i| i.channel == *c).count(), *c))
        .filter(|(n, _)| *n > 0)
        .map(|(n, c)| channel_count(n, c))
        .collect();
    parts.push(format!("раньше: {}", by_channel.join(", ")));
    let products: BTreeSet<String> = earlier
        .iter()
        .filter_map(|i| i.product_name.as_deref())
        .map(short_product_name)
        .collect();
    if !products.is_empty() {
        let list: Vec<String> = products.into_iter().take(4).collect();
        parts.push(format!("товары: {}", list.join(", ")));
    }
    // Oldest first, so the trend reads left to right.
    let ratings: Vec<String> = earlier
        .iter()
        .rev()
        .filter_map(|i| i.rating.map(|r| format!("{}★", r.stars())))
        .collect();
    if !ratings.is_empty() {
        parts.push(format!("оценки по порядку: {}", ratings.join(" ")));
    }
    if profile.complaints > 0 {
        parts.push(format!("жалоб: {}", profile.complaints));
    }
    let open = earlier.iter().filter(|i| i.state == "open").count();
    if open > 0 {
        parts.push(format!("ещё без ответа: {open}"));
    }
    Some(parts.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Rating;
    use crate::store::HistoryItem;
    use chrono::{TimeZone, Utc};

    fn item(
        id: i64,
        channel: Channel,
        stars: Option<u8>,
        state: &str,
        product: &str,
    ) -> HistoryItem {
        HistoryItem {
            id: InteractionId(id),
            channel,
            created_at: Utc.with_ymd_and_hms(2026, 11, id as u32, 10, 0, 0).unwrap(),
            rating: stars.and_then(Rating::new),
            state: state.into(),
            product_name: Some(product.into()),
            first_line: "текст".into(),
            confidence: 1.0,
            sentiment: None,
        }
    }

    #[test]
    fn the_summary_counts_earlier_items_only() {
        let profile = CustomerProfile {
            customer_id: 1,
            name: Some("Анна".into()),
            deterministic: true,
            // Newest first, as the store reads them.
            items: vec![
                item(
                    4,
                    Channel::Review,
                    Some(2),
                    "open",
                    "Плед флисовый 150×200, серый",
                ),
                item(3, Channel::Question, None, "open", "Подушка ортопедическая"),
                item(
                    2,
                    Channel::Review,
                    Some(2),
                    "answered",
                    "Плед флисовый 150×200, серый",
                ),
                item(
                    1,
                    Channel::Review,
                    Some(5),
                    "answered",
                    "Подушка ортопедическая",
                ),
            ],
            open_items: 2,
            complaints: 1,
        };
        let h = history_from(&profile, InteractionId(4));
        assert_eq!(h.previous_interactions, 3);
        assert_eq!(h.previous_positive, 1);
        assert_eq!(h.previous_complaints, 1);
        assert_eq!(
            h.summary.as_deref(),
            Some(
                "раньше: 2 отзыва, 1 вопрос; товары: «Плед флисовый 150×200», \
                 «Подушка ортопедическая»; оценки по порядку: 5★ 2★; жалоб: 1; ещё без ответа: 1"
            )
        );
        let first = CustomerProfile {
            items: profile.items[..1].to_vec(),
            complaints: 0,
            ..profile
        };
        assert_eq!(history_from(&first, InteractionId(4)).summary, None);
    }
}
