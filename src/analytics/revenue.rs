//! The revenue estimate in roubles: what unanswered 1–2★ reviews and late pre-purchase
//! questions put at risk, and what fast answers protect. The model, in words, with its
//! defaults and limits, is in `docs/metrics.md`; its factors are the `[revenue]` settings.

use std::collections::HashMap;

use anyhow::Result;
use chrono::{DateTime, Utc};
use rusqlite::Connection;
use serde::{Deserialize, Serialize};

use super::facts::{self, ItemRow, ItemSelect};
use super::MetricsQuery;
use crate::domain::{Channel, InteractionId, Marketplace};
use crate::settings::{self, Section};

/// `[revenue]`: the factors of the revenue estimate. `Default` equals the shipped section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RevenueSettings {
    /// Order value in roubles for a product whose price is not known.
    pub default_order_value: f64,
    /// Orders one product gets in a month: monthly sales = order value × this.
    pub monthly_orders: f64,
    /// Share of a product's monthly sales that one unanswered 1★ review costs.
    pub review_loss_1_star: f64,
    /// Share of a product's monthly sales that one unanswered 2★ review costs.
    pub review_loss_2_star: f64,
    /// Share of that loss won back by a reply before the review's SLA deadline.
    pub review_answer_recovery: f64,
    /// Public questions with these intents are pre-purchase; `*` matches by prefix.
    pub pre_purchase_intents: Vec<String>,
    /// Chance that the asker of a pre-purchase question buys when answered in time.
    pub purchase_probability: f64,
    /// An answer within this many minutes of the question is fast...
    pub fast_answer_minutes: u32,
    /// ...and converts this much better (SPEC: about +20%).
    pub fast_answer_uplift: f64,
    /// Share of those purchases lost when the answer comes at or after the SLA deadline,
    /// or never.
    pub late_answer_loss: f64,
    /// Intents that make an open item a complaint (top products by open complaints).
    pub complaint_intents: Vec<String>,
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_string()).collect()
}

impl Default for RevenueSettings {
    fn default() -> Self {
        RevenueSettings {
            default_order_value: 1500.0,
            monthly_orders: 60.0,
            review_loss_1_star: 0.04,
            review_loss_2_star: 0.02,
            review_answer_recovery: 0.5,
            pre_purchase_intents: names(&[
                "pre_purchase",
                "availability",
                "sizing_fit",
                "product_spec",
                "compatibility",
            ]),
            purchase_probability: 0.3,
            fast_answer_minutes: 5,
            fast_answer_uplift: 0.2,
            late_answer_loss: 0.5,
            complaint_intents: names(&[
                "quality_complaint",
                "defect_not_working",
                "wrong_item",
                "delivery_delay",
            ]),
        }
    }
}

impl Section for RevenueSettings {
    const KEY: &'static str = "revenue";
}

/// A non-negative finite amount or factor; anything else counts as 0.
fn amount(x: f64) -> f64 {
    if x.is_finite() && x > 0.0 {
        x
    } else {
        0.0
    }
}

/// A share within 0..=1.
fn share(x: f64) -> f64 {
    amount(x).min(1.0)
}

impl RevenueSettings {
    /// The same settings with every factor made usable: negative or non-finite values
    /// become 0, shares and probabilities are capped at 1.
    pub fn sanitized(mut self) -> RevenueSettings {
        self.default_order_value = amount(self.default_order_value);
        self.monthly_orders = amount(self.monthly_orders);
        self.review_loss_1_star = share(self.review_loss_1_star);
        self.review_loss_2_star = share(self.review_loss_2_star);
        self.review_answer_recovery = share(self.review_answer_recovery);
        self.purchase_probability = share(self.purchase_probability);
        self.fast_answer_uplift = amount(self.fast_answer_uplift);
        self.late_answer_loss = share(self.late_answer_loss);
        self
    }

    /// The effective section for an account; a stored value that cannot be read falls back
    /// to the shipped defaults (logged), so the estimate never fails on a bad setting.
    pub fn for_account(conn: &Connection, account_id: i64) -> RevenueSettings {
        settings::load::<RevenueSettings>(conn, Some(account_id))
            .unwrap_or_else(|err| {
                tracing::warn!(%err, account_id, "unreadable [revenue] settings; using defaults");
                RevenueSettings::default()
            })
            .sanitized()
    }

    pub fn is_pre_purchase(&self, intent: &str) -> bool {
        intent_in(&self.pre_purchase_intents, intent)
    }

    pub fn is_complaint(&self, intent: &str) -> bool {
        intent_in(&self.complaint_intents, intent)
    }

    /// Share of monthly sales one unanswered review with these stars costs.
    fn review_loss(&self, stars: i64) -> Option<f64> {
        match stars {
            1 => Some(self.review_loss_1_star),
            2 => Some(self.review_loss_2_star),
            _ => None,
        }
    }
}

/// Whether `intent` is named in `list`, where an entry ending in `*` matches by prefix.
pub(crate) fn intent_in(list: &[String], intent: &str) -> bool {
    list.iter().any(|entry| match entry.strip_suffix('*') {
        Some(prefix) => intent.starts_with(prefix),
        None => entry == intent,
    })
}

/// Which part of the model an item falls in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RevenueKind {
    /// A review rated 1 or 2 stars.
    NegativeReview,
    /// A public question with a pre-purchase intent.
    PrePurchaseQuestion,
}

/// Where an item stands at `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RevenueStatus {
    /// An unanswered 1–2★ review; a pre-purchase question answered late or still
    /// unanswered past its deadline. `at_risk` holds the amount.
    AtRisk,
    /// A 1–2★ review answered before its deadline; a pre-purchase question answered
    /// fast. `protected` holds the amount.
    Protected,
    /// A pre-purchase question, unanswered, before its deadline: still to play for.
    Pending,
    /// Answered, neither fast nor late (or at an unknown time): counts nothing.
    Neutral,
}

/// The revenue estimate of one item, for the detail pane.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemRevenue {
    pub interaction_id: InteractionId,
    pub kind: RevenueKind,
    pub status: RevenueStatus,
    /// The product's price in roubles, or the `default_order_value` setting.
    pub order_value: f64,
    /// Whether `order_value` is the product's own price.
    pub price_known: bool,
    /// Roubles at risk now (0 unless `status` is `AtRisk`).
    pub at_risk: f64,
    /// Roubles protected (0 unless `status` is `Protected`).
    pub protected: f64,
    /// What the item costs if left unanswered (a review) or answered late (a question).
    pub loss_if_unanswered: f64,
    /// What answering by `protect_by` protects.
    pub gain_if_fast: f64,
    /// Answer before this to protect `gain_if_fast`: a review's SLA deadline (exclusive),
    /// a question's fast-answer window (inclusive).
    pub protect_by: DateTime<Utc>,
}

/// Rounded to kopecks, so sums and JSON stay readable.
pub(crate) fn kopecks(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn order_value(item: &ItemRow, s: &RevenueSettings) -> (f64, bool) {
    match item.price {
        Some(p) if p > 0 => (p as f64, true),
        _ => (s.default_order_value, false),
    }
}

fn at(secs: i64) -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp(secs, 0).unwrap_or_default()
}

/// The estimate for one item at `now`; `None` for items outside the model (reviews of
/// 3★ and up, questions without a pre-purchase intent, chats).
pub(crate) fn classify(item: &ItemRow, s: &RevenueSettings, now: i64) -> Option<ItemRevenue> {
    let (value, price_known) = order_value(item, s);
    let answered = item.answer_at(now);
    let unknown = item.answered_at_unknown_time(now);
    let (kind, loss, gain, protect_by, status) = match item.channel {
        Channel::Review => {
            let share = s.review_loss(item.rating?)?;
            let loss = value * s.monthly_orders * share;
            let gain = loss * s.review_answer_recovery;
            let status = match answered {
                Some(a) if a < item.due_at => RevenueStatus::Protected,
                Some(_) => RevenueStatus::Neutral,
                None if unknown => RevenueStatus::Neutral,
                None => RevenueStatus::AtRisk,
            };
            (
                RevenueKind::NegativeReview,
                loss,
                gain,
                at(item.due_at),
                status,
            )
        }
        Channel::Question => {
            if !s.is_pre_purchase(item.intent.as_deref()?) {
                return None;
            }
            let expected = value * s.purchase_probability;
            let loss = expected * s.late_answer_loss;
            let gain = expected * s.fast_answer_uplift;
            let fast_by = item.created_at + i64::from(s.fast_answer_minutes) * 60;
            let status = match answered {
                Some(a) if a <= fast_by => RevenueStatus::Protected,
                Some(a) if a >= item.due_at => RevenueStatus::AtRisk,
                Some(_) => RevenueStatus::Neutral,
                None if unknown => RevenueStatus::Neutral,
                None if now >= item.due_at => RevenueStatus::AtRisk,
                None => RevenueStatus::Pending,
            };
            (
                RevenueKind::PrePurchaseQuestion,
                loss,
                gain,
                at(fast_by),
                status,
            )
        }
        Channel::Chat => return None,
    };
    Some(ItemRevenue {
        interaction_id: InteractionId(item.id),
        kind,
        status,
        order_value: value,
        price_known,
        at_risk: if status == RevenueStatus::AtRisk {
            kopecks(loss)
        } else {
            0.0
        },
        protected: if status == RevenueStatus::Protected {
            kopecks(gain)
        } else {
            0.0
        },
        loss_if_unanswered: kopecks(loss),
        gain_if_fast: kopecks(gain),
        protect_by,
    })
}

/// The estimate for one product (or, with no product id, the items without one).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProductRevenue {
    pub account_id: i64,
    pub account_name: String,
    pub marketplace: Marketplace,
    pub product_external_id: Option<String>,
    pub product_name: Option<String>,
    pub order_value: f64,
    pub price_known: bool,
    /// Roubles at risk; the reviews' part is capped at the product's monthly sales.
    pub at_risk: f64,
    pub protected: f64,
    /// 1–2★ reviews still unanswered.
    pub unanswered_negative_reviews: u32,
    /// Pre-purchase questions answered late or unanswered past their deadline.
    pub late_questions: u32,
    /// Items whose answer protected revenue.
    pub protected_items: u32,
}

/// The estimate over a period: totals and per product, most at risk first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RevenueSummary {
    pub at_risk: f64,
    pub protected: f64,
    pub products: Vec<ProductRevenue>,
}

/// Settings per account, each read once.
pub(crate) struct SettingsCache<'c> {
    conn: &'c Connection,
    by_account: HashMap<i64, RevenueSettings>,
}

impl<'c> SettingsCache<'c> {
    pub fn new(conn: &'c Connection) -> Self {
        SettingsCache {
            conn,
            by_account: HashMap::new(),
        }
    }

    pub fn get(&mut self, account_id: i64) -> &RevenueSettings {
        let conn = self.conn;
        self.by_account
            .entry(account_id)
            .or_insert_with(|| RevenueSettings::for_account(conn, account_id))
    }
}

/// Revenue at risk and protected for the reviews and questions created in the query's
/// period, as they stand at `now`, per product and in total.
pub fn revenue(conn: &Connection, q: &MetricsQuery, now: DateTime<Utc>) -> Result<RevenueSummary> {
    if q.to <= q.from || q.channel == Some(Channel::Chat) {
        return Ok(RevenueSummary {
            at_risk: 0.0,
            protected: 0.0,
            products: Vec::new(),
        });
    }
    let items = facts::items(conn, q, ItemSelect::RevenueIn, None)?;
    let mut cache = SettingsCache::new(conn);
    let now = now.timestamp();
    let mut by_product: HashMap<(i64, Option<String>), ProductTally> = HashMap::new();
    for item in &items {
        let s = cache.get(item.account_id);
        let Some(r) = classify(item, s, now) else {
            continue;
        };
        let monthly_sales = r.order_value * s.monthly_orders;
        let key = (item.account_id, item.product_external_id.clone());
        by_product
            .entry(key)
            .or_insert_with(|| ProductTally::new(item, &r, monthly_sales))
            .add(item, &r);
    }
    let mut products: Vec<ProductRevenue> = by_product
        .into_values()
        .map(ProductTally::total)
        .filter(|p| p.at_risk > 0.0 || p.protected > 0.0)
        .collect();
    products.sort_by(|a, b| {
        b.at_risk
            .total_cmp(&a.at_risk)
            .then(b.protected.total_cmp(&a.protected))
            .then(a.account_id.cmp(&b.account_id))
            .then(a.product_external_id.cmp(&b.product_external_id))
    });
    Ok(RevenueSummary {
        at_risk: kopecks(products.iter().map(|p| p.at_risk).sum()),
        protected: kopecks(products.iter().map(|p| p.protected).sum()),
        products,
    })
}

/// One product's items as they are added up: the risks kept apart until the total,
/// where the reviews' is capped.
struct ProductTally {
    product: ProductRevenue,
    review_risk: f64,
    question_risk: f64,
    monthly_sales: f64,
}

impl ProductTally {
    /// The product of `item`, with nothing counted yet.
    fn new(item: &ItemRow, r: &ItemRevenue, monthly_sales: f64) -> ProductTally {
        ProductTally {
            product: ProductRevenue {
                account_id: item.account_id,
                account_name: item.account_name.clone(),
                marketplace: item.marketplace,
                product_external_id: item.product_external_id.clone(),
                product_name: item.product_name.clone(),
                order_value: r.order_value,
                price_known: r.price_known,
                at_risk: 0.0,
                protected: 0.0,
                unanswered_negative_reviews: 0,
                late_questions: 0,
                protected_items: 0,
            },
            review_risk: 0.0,
            question_risk: 0.0,
            monthly_sales,
        }
    }

    fn add(&mut self, item: &ItemRow, r: &ItemRevenue) {
        if self.product.product_name.is_none() {
            self.product.product_name = item.product_name.clone();
        }
        match (r.kind, r.status) {
            (RevenueKind::NegativeReview, RevenueStatus::AtRisk) => {
                self.review_risk += r.at_risk;
                self.product.unanswered_negative_reviews += 1;
            }
            (RevenueKind::PrePurchaseQuestion, RevenueStatus::AtRisk) => {
                self.question_risk += r.at_risk;
                self.product.late_questions += 1;
            }
            (_, RevenueStatus::Protected) => {
                self.product.protected += r.protected;
                self.product.protected_items += 1;
            }
            _ => {}
        }
    }

    /// The product's figures: many unanswered complaints about one product cannot cost
    /// more than all of its monthly sales.
    fn total(self) -> ProductRevenue {
        let mut p = self.product;
        let reviews = if p.product_external_id.is_some() {
            self.review_risk.min(self.monthly_sales)
        } else {
            self.review_risk
        };
        p.at_risk = kopecks(reviews + self.question_risk);
        p.protected = kopecks(p.protected);
        p
    }
}

/// The estimate for one item at `now` (the detail pane), with its account's settings;
/// `None` when the item does not exist or falls outside the model.
pub fn revenue_for_item(
    conn: &Connection,
    interaction_id: InteractionId,
    now: DateTime<Utc>,
) -> Result<Option<ItemRevenue>> {
    let Some(item) = facts::item_by_id(conn, interaction_id.0)? else {
        return Ok(None);
    };
    let s = RevenueSettings::for_account(conn, item.account_id);
    Ok(classify(&item, &s, now.timestamp()))
}

/// `[revenue]` on the settings screen.
pub const REVENUE_SECTION: crate::settings::editable::Editable =
    crate::settings::editable::Editable::decoded::<RevenueSettings>();

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_section_equals_default() {
        let shipped = settings::defaults::<RevenueSettings>().unwrap();
        assert_eq!(shipped, RevenueSettings::default());
        assert_eq!(shipped.fast_answer_minutes, 5);
    }

    #[test]
    fn bad_factors_are_made_harmless() {
        let s = RevenueSettings {
            default_order_value: -5.0,
            review_loss_1_star: 7.0,
            purchase_probability: f64::NAN,
            ..RevenueSettings::default()
        }
        .sanitized();
        assert_eq!(s.default_order_value, 0.0);
        assert_eq!(s.review_loss_1_star, 1.0);
        assert_eq!(s.purchase_probability, 0.0);
    }

    #[test]
    fn intents_match_by_prefix() {
        let s = RevenueSettings {
            complaint_intents: names(&["delivery_*"]),
            ..RevenueSettings::default()
        };
        assert!(s.is_complaint("delivery_delay"));
        assert!(!s.is_complaint("thanks"));
        assert!(RevenueSettings::default().is_pre_purchase("sizing_fit"));
    }
}
