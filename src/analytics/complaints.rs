//! Products with the most open complaints, for the analytics screen.

use std::collections::HashMap;

use anyhow::Result;
use chrono::{DateTime, Utc};
use rusqlite::Connection;
use serde::Serialize;

use super::facts::{self, ItemSelect};
use super::revenue::SettingsCache;
use super::MetricsQuery;
use crate::domain::{Channel, Marketplace};

/// One product and its open complaints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ComplaintProduct {
    pub account_id: i64,
    pub account_name: String,
    pub marketplace: Marketplace,
    /// `None` gathers the complaints whose product is not known.
    pub product_external_id: Option<String>,
    pub product_name: Option<String>,
    /// Distinct open items that are complaints: 1–2★ reviews or a complaint intent.
    pub open_complaints: u32,
    /// Of those, reviews rated 1–2★.
    pub negative_reviews: u32,
    /// Of those, items with a complaint intent (`[revenue] complaint_intents`); an item
    /// can be both.
    pub complaint_intents: u32,
    /// Of those, past their SLA deadline at `now`.
    pub overdue: u32,
    /// When the oldest of them was written.
    pub oldest: DateTime<Utc>,
}

/// A review rated at or below this is a complaint.
const COMPLAINT_MAX_RATING: i64 = 2;

/// The `limit` products with the most open complaints now, for the query's account,
/// marketplace and channel filters. The period is not applied: what is open is open,
/// however old. Ties go to more overdue, then to the oldest complaint.
pub fn top_complaint_products(
    conn: &Connection,
    q: &MetricsQuery,
    now: DateTime<Utc>,
    limit: usize,
) -> Result<Vec<ComplaintProduct>> {
    let items = facts::items(conn, q, ItemSelect::OpenComplaints, None)?;
    let mut cache = SettingsCache::new(conn);
    let now = now.timestamp();
    let mut by_product: HashMap<(i64, Option<String>), ComplaintProduct> = HashMap::new();
    for item in &items {
        let negative = item.channel == Channel::Review
            && item.rating.is_some_and(|r| r <= COMPLAINT_MAX_RATING);
        let by_intent = item
            .intent
            .as_deref()
            .is_some_and(|i| cache.get(item.account_id).is_complaint(i));
        if !negative && !by_intent {
            continue;
        }
        let created = DateTime::<Utc>::from_timestamp(item.created_at, 0).unwrap_or_default();
        let entry = by_product
            .entry((item.account_id, item.product_external_id.clone()))
            .or_insert_with(|| ComplaintProduct {
                account_id: item.account_id,
                account_name: item.account_name.clone(),
                marketplace: item.marketplace,
                product_external_id: item.product_external_id.clone(),
                product_name: item.product_name.clone(),
                open_complaints: 0,
                negative_reviews: 0,
                complaint_intents: 0,
                overdue: 0,
                oldest: created,
            });
        if entry.product_name.is_none() {
            entry.product_name = item.product_name.clone();
        }
        entry.open_complaints += 1;
        entry.negative_reviews += u32::from(negative);
        entry.complaint_intents += u32::from(by_intent);
        entry.overdue += u32::from(now >= item.due_at);
        entry.oldest = entry.oldest.min(created);
    }
    let mut products: Vec<ComplaintProduct> = by_product.into_values().collect();
    products.sort_by(|a, b| {
        b.open_complaints
            .cmp(&a.open_complaints)
            .then(b.overdue.cmp(&a.overdue))
            .then(a.oldest.cmp(&b.oldest))
            .then(a.account_id.cmp(&b.account_id))
            .then(a.product_external_id.cmp(&b.product_external_id))
    });
    products.truncate(limit);
    Ok(products)
}
