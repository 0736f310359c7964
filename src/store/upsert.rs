//! Writing what sync brings in: each item's row, its chat messages, its customer link and
//! its product, idempotently, under the clocks and linking settings the caller passes in.

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension, Transaction};

use super::to_db_time;
use crate::domain::linking::LinkingSettings;
use crate::domain::{AnswerState, Marketplace, NewInteraction, Rating, SlaTier};

/// What one batch of upserts did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UpsertSummary {
    pub seen: usize,
    pub new: usize,
    pub changed: usize,
}

/// What the layers above storage decide for the items an upsert writes, passed in so the
/// store computes no policy of its own: their SLA clocks (the account's `sla::Policy`) and
/// how their customers are linked.
pub struct Intake<'a> {
    pub clocks: &'a dyn ItemClocks,
    pub linking: &'a LinkingSettings,
}

/// The SLA clock an item gets when it is written.
pub trait ItemClocks {
    /// `intent` and `legal` (the classifier found a regulator, a court or a threat) are
    /// what the store already knows of the item; `marketplace` is its shop's.
    fn clock(
        &self,
        item: &NewInteraction,
        marketplace: Option<Marketplace>,
        intent: Option<&str>,
        legal: bool,
    ) -> ItemClock;
}

/// An item's tier, when it becomes at risk and when it is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ItemClock {
    pub tier: SlaTier,
    pub at_risk_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
}

/// Inserts new interactions and updates known ones, idempotently: the same batch applied
/// twice leaves the database as after the first time and reports no changes.
pub fn upsert_interactions(
    tx: &Transaction<'_>,
    account_id: i64,
    source: &str,
    items: &[NewInteraction],
    now: DateTime<Utc>,
    intake: &Intake<'_>,
) -> Result<UpsertSummary> {
    let mut summary = UpsertSummary::default();
    let marketplace = account_marketplace(tx, account_id)?;
    for item in items {
        summary.seen += 1;
        let raw = serde_json::to_string(&item.raw)?;
        let known = Known::find(tx, account_id, item)?;
        if known.as_ref().is_some_and(|k| k.raw == raw) {
            continue;
        }
        let state = answer_state(item, known.as_ref());
        let clock = clock_of(intake, item, marketplace, known.as_ref());
        let row = NewRow {
            account_id,
            source,
            item,
            state,
            clock,
            raw: &raw,
            now,
        };
        let id = write_row(tx, &row)?;
        after_write(tx, &row, id, known.as_ref(), intake)?;
        if known.is_some() {
            summary.changed += 1;
        } else {
            summary.new += 1;
        }
    }
    Ok(summary)
}

/// The marketplace of the shop, when it is known.
fn account_marketplace(tx: &Transaction<'_>, account_id: i64) -> Result<Option<Marketplace>> {
    Ok(tx
        .query_row(
            "SELECT marketplace FROM accounts WHERE id = ?1",
            params![account_id],
            |r| r.get::<_, String>(0),
        )
        .optional()?
        .and_then(|m| m.parse().ok()))
}

/// What the store already holds of an item coming in.
struct Known {
    raw: String,
    state: String,
    intent: Option<String>,
    escalations: String,
}

impl Known {
    fn find(tx: &Transaction<'_>, account_id: i64, item: &NewInteraction) -> Result<Option<Known>> {
        let mut find = tx.prepare_cached(
            "SELECT raw, state, intent, escalations FROM interactions
             WHERE account_id = ?1 AND channel = ?2 AND external_id = ?3",
        )?;
        Ok(find
            .query_row(
                params![account_id, item.channel.as_str(), item.external_id],
                |r| {
                    Ok(Known {
                        raw: r.get(0)?,
                        state: r.get(1)?,
                        intent: r.get(2)?,
                        escalations: r.get(3)?,
                    })
                },
            )
            .optional()?)
    }

    /// Open or pending: waiting for an answer.
    fn was_waiting(&self) -> bool {
        self.state == AnswerState::Open.as_str() || self.state == AnswerState::Pending.as_str()
    }
}

/// The item's state as the marketplace reports it, except that a reply of ours still in
/// flight keeps it pending until the marketplace shows it, so the queue does not offer the
/// same item twice.
fn answer_state(item: &NewInteraction, known: Option<&Known>) -> AnswerState {
    let state = item.answer_state();
    match known {
        Some(k) if k.state == AnswerState::Pending.as_str() && state == AnswerState::Open => {
            AnswerState::Pending
        }
        _ => state,
    }
}

/// The item's clock under the intent the store knows; a regulator, court or threat found
/// by the classifier keeps the item critical.
fn clock_of(
    intake: &Intake<'_>,
    item: &NewInteraction,
    marketplace: Option<Marketplace>,
    known: Option<&Known>,
) -> ItemClock {
    let intent = known.and_then(|k| k.intent.as_deref());
    let legal = known.is_some_and(|k| {
        k.escalations.contains("\"legal\"") || k.escalations.contains("\"threat\"")
    });
    intake.clocks.clock(item, marketplace, intent, legal)
}

/// One item as it is written.
struct NewRow<'a> {
    account_id: i64,
    source: &'a str,
    item: &'a NewInteraction,
    state: AnswerState,
    clock: ItemClock,
    raw: &'a str,
    now: DateTime<Utc>,
}

const UPSERT_ROW: &str = "INSERT INTO interactions (
        account_id, channel, external_id, source, product_external_id, product_name,
        product_brand, customer_name, text, pros, cons, photos, rating, created_at,
        waiting_since, synced_at, state, answer_text, answer_moderation,
        answer_editable, tier, at_risk_at, due_at, reply_handle, raw,
        customer_name_key)
     VALUES (?1, ?2, ?3, ?4, ?5,
             coalesce(?6, (SELECT name FROM products
                           WHERE account_id = ?1 AND external_id = ?5)),
             coalesce(?7, (SELECT brand FROM products
                           WHERE account_id = ?1 AND external_id = ?5)),
             ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,
             ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26)
     ON CONFLICT (account_id, channel, external_id) DO UPDATE SET
        source = excluded.source,
        product_external_id = excluded.product_external_id,
        product_name = coalesce(excluded.product_name, product_name),
        product_brand = coalesce(excluded.product_brand, product_brand),
        customer_name = coalesce(excluded.customer_name, customer_name),
        customer_name_key = coalesce(excluded.customer_name_key, customer_name_key),
        text = excluded.text, pros = excluded.pros, cons = excluded.cons,
        photos = excluded.photos, rating = excluded.rating,
        created_at = excluded.created_at, waiting_since = excluded.waiting_since,
        synced_at = excluded.synced_at, state = excluded.state,
        answer_text = excluded.answer_text,
        answer_moderation = excluded.answer_moderation,
        answer_editable = CASE WHEN EXISTS (
            -- An edit of ours is queued, on its way or done: WB's one edit is
            -- spent, whatever a read from before it landed says.
            SELECT 1 FROM outbox e WHERE e.interaction_id = interactions.id
              AND e.kind = 'edit' AND e.shadow = 0
              AND e.state IN ('queued', 'sending', 'accepted', 'visible'))
            THEN 0 ELSE excluded.answer_editable END,
        tier = excluded.tier, at_risk_at = excluded.at_risk_at,
        due_at = excluded.due_at,
        reply_handle = coalesce(excluded.reply_handle, reply_handle),
        raw = excluded.raw,
        classified_at = NULL
     RETURNING id";

/// Inserts or updates the item's row; its id.
fn write_row(tx: &Transaction<'_>, row: &NewRow<'_>) -> Result<i64> {
    let item = row.item;
    let product = item.product.as_ref();
    let answer = item.answer.as_ref();
    let name_key = item
        .customer_name
        .as_deref()
        .and_then(super::customers::name_key);
    tx.prepare_cached(UPSERT_ROW)?
        .query_row(
            params![
                row.account_id,
                item.channel.as_str(),
                item.external_id,
                row.source,
                product.map(|p| p.external_id.as_str()),
                product.and_then(|p| p.name.as_deref()),
                product.and_then(|p| p.brand.as_deref()),
                item.customer_name,
                item.text,
                item.pros,
                item.cons,
                item.photos,
                item.rating.map(Rating::stars),
                to_db_time(item.created_at),
                to_db_time(item.waiting_since()),
                to_db_time(row.now),
                row.state.as_str(),
                answer.map(|a| a.text.as_str()),
                answer.map(|a| a.moderation.as_str()),
                answer.map(|a| a.editable),
                row.clock.tier.as_str(),
                to_db_time(row.clock.at_risk_at),
                to_db_time(row.clock.due_at),
                item.reply_handle,
                row.raw,
                name_key,
            ],
            |r| r.get(0),
        )
        .with_context(|| format!("saving {} {}", item.channel.as_str(), item.external_id))
}

/// What follows from writing row `id`: its chat messages, when it was first answered, a
/// stale draft, its customer and its product.
fn after_write(
    tx: &Transaction<'_>,
    row: &NewRow<'_>,
    id: i64,
    known: Option<&Known>,
    intake: &Intake<'_>,
) -> Result<()> {
    let item = row.item;
    for message in &item.messages {
        tx.prepare_cached(
            "INSERT INTO chat_messages (interaction_id, external_id, sender, text, sent_at)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (interaction_id, external_id) DO NOTHING",
        )?
        .execute(params![
            id,
            message.external_id,
            message.sender.as_str(),
            message.text,
            to_db_time(message.sent_at),
        ])?;
    }
    if known.is_some_and(Known::was_waiting) && row.state == AnswerState::Answered {
        // Answered since we last looked (elsewhere, or our reply became visible).
        tx.prepare_cached(
            "UPDATE interactions SET first_answered_at = coalesce(first_answered_at, ?2) WHERE id = ?1",
        )?
        .execute(params![id, to_db_time(row.now)])?;
    }
    if known.is_some() {
        // What the customer wrote may have changed: a waiting draft is stale.
        tx.prepare_cached(
            "UPDATE drafts SET outcome = 'discarded' WHERE interaction_id = ?1 AND outcome IS NULL",
        )?
        .execute(params![id])?;
    }
    if known.is_none() || item.customer_external_id.is_some() {
        super::customers::link_interaction(tx, row.account_id, id, item, intake.linking, row.now)?;
    }
    if let Some(product) = item.product.as_ref() {
        tx.prepare_cached(
            "INSERT INTO products (account_id, external_id, name, brand) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (account_id, external_id) DO UPDATE SET
                name = coalesce(excluded.name, name), brand = coalesce(excluded.brand, brand)",
        )?
        .execute(params![
            row.account_id,
            product.external_id,
            product.name,
            product.brand
        ])?;
    }
    Ok(())
}
