//! Everything a draft may use, read from the store: the item, its thread, its product's
//! card, the customer's history, the seller's approved answers to similar items, the
//! seller's recent answers, the banned phrases and the seller's templates.

use anyhow::Result;
use rusqlite::{Connection, OptionalExtension};

use crate::ai::guardrails::{ReplyGuard, Verdict};
use crate::ai::{ApprovedAnswer, CustomerHistory, DraftContext, ProductCard};
use crate::domain::{ChatMessage, Interaction, InteractionId, Rating};
use crate::learning::LearningSettings;
use crate::settings::GuardrailSettings;
use crate::store;

/// Approved answers looked up per draft.
const APPROVED_EXAMPLES: usize = 5;
/// The longest the look-up of approved answers may take for one draft.
const APPROVED_DEADLINE: std::time::Duration = std::time::Duration::from_millis(250);
/// Recent answers compared against, for variety and near-duplicates.
const RECENT_ANSWERS: usize = 30;

/// Owned inputs of a draft; [`DraftInputs::context`] lends them to the drafting code.
#[derive(Debug, Clone)]
pub struct DraftInputs {
    pub interaction: Interaction,
    pub thread: Vec<ChatMessage>,
    pub product: Option<ProductCard>,
    pub history: Option<CustomerHistory>,
    pub approved: Vec<ApprovedAnswer>,
    pub recent_answers: Vec<String>,
    pub banned_phrases: Vec<String>,
    /// The seller's templates from the settings; `None` uses the shipped ones.
    pub templates: Option<crate::ai::TemplateSet>,
    /// What the drafts learnt from the seller's edits for this account, channel, product.
    pub learnt: crate::learning::Style,
    /// The knowledge-base entries the store's search finds for the customer's text.
    pub knowledge: Vec<crate::kb::Entry>,
    /// The item's classification: by the account's intent model, with the intent the
    /// seller chose when they corrected it.
    pub classification: crate::ai::Classification,
}

/// Knowledge-base entries a draft weighs: the full-text search's best few.
const KB_CANDIDATES: usize = 8;

/// The item's product card, or what the item itself says of the product.
fn product_card(conn: &Connection, interaction: &Interaction) -> Result<Option<ProductCard>> {
    let Some(p) = &interaction.product else {
        return Ok(None);
    };
    Ok(
        store::product_card(conn, interaction.account_id, &p.external_id)?
            .map(|card| ProductCard {
                id: Some(card.external_id),
                name: card.name.or_else(|| p.name.clone()).unwrap_or_default(),
                brand: card.brand.or_else(|| p.brand.clone()),
                category: card.category,
                characteristics: card.characteristics,
                price: card.price.map(|p| p as f64),
                description: card.description,
            })
            .or_else(|| {
                p.name.clone().map(|name| ProductCard {
                    id: Some(p.external_id.clone()),
                    name,
                    brand: p.brand.clone(),
                    ..ProductCard::default()
                })
            }),
    )
}

/// The approved answers a draft of the item learns from, as `[learning]` defines them;
/// none when the look-up runs past its deadline (examples make a draft better, not
/// possible).
fn approved_in_time(conn: &Connection, interaction: &Interaction) -> Result<Vec<ApprovedAnswer>> {
    let learning = crate::settings::load::<LearningSettings>(conn, Some(interaction.account_id))?;
    match store::within_deadline(conn, APPROVED_DEADLINE, || {
        approved_answers(
            conn,
            interaction,
            APPROVED_EXAMPLES,
            learning.approved_max_edit_distance,
        )
    }) {
        Ok(approved) => Ok(approved),
        Err(e) if store::is_interrupted(&e) => {
            tracing::warn!(
                item = interaction.id.0,
                "approved answers took too long; drafting without"
            );
            Ok(Vec::new())
        }
        Err(e) => Err(e),
    }
}

impl DraftInputs {
    pub fn load(conn: &Connection, id: InteractionId) -> Result<Option<DraftInputs>> {
        let Some(interaction) = store::interaction(conn, id)? else {
            return Ok(None);
        };
        let thread = store::chat_messages(conn, id)?;
        let product = product_card(conn, &interaction)?;
        let history = store::customer_profile(conn, id)?
            .map(|profile| super::customer::history_from(&profile, id));
        let knowledge = store::kb_search(
            conn,
            store::KbScope::Account(interaction.account_id),
            &DraftContext::new(&interaction, &thread).customer_text(),
            KB_CANDIDATES,
        )?;
        let approved = approved_in_time(conn, &interaction)?;
        let mut recent_answers =
            store::recent_answers(conn, interaction.account_id, RECENT_ANSWERS)?;
        // An edit rewrites this item's own answer: resembling it is the point, not a repeat.
        if let Some(own) = &interaction.answer {
            recent_answers.retain(|text| text.trim() != own.text.trim());
        }
        let banned_phrases =
            crate::settings::load::<GuardrailSettings>(conn, Some(interaction.account_id))?
                .effective_banned_phrases();
        let templates =
            crate::settings::editable::load_templates(conn, Some(interaction.account_id))?;
        let learnt = crate::learning::load_style(
            conn,
            interaction.account_id,
            interaction.channel.as_str(),
            interaction.product.as_ref().map(|p| p.external_id.as_str()),
        )?;
        let classification = crate::learning::intents::classify_item(conn, &interaction, &thread)?;
        Ok(Some(DraftInputs {
            interaction,
            thread,
            product,
            history,
            approved,
            recent_answers,
            banned_phrases,
            templates,
            learnt,
            knowledge,
            classification,
        }))
    }

    pub fn context(&self) -> DraftContext<'_> {
        let mut ctx = DraftContext::new(&self.interaction, &self.thread);
        if let Some(p) = &self.product {
            ctx = ctx.with_product(p);
        }
        if let Some(h) = &self.history {
            ctx = ctx.with_history(h);
        }
        ctx.approved = &self.approved;
        ctx.recent_answers = &self.recent_answers;
        ctx.banned_phrases = &self.banned_phrases;
        ctx.knowledge = &self.knowledge;
        ctx.classification = Some(&self.classification);
        if let Some(t) = &self.templates {
            ctx = ctx.with_templates(t);
        }
        ctx.with_learnt(&self.learnt)
    }

    /// What the customer wrote: the text, or a chat's buyer messages.
    pub fn customer_text(&self) -> String {
        self.context().customer_text()
    }

    /// What a reply to this item is checked against, recent answers included.
    pub fn guard(&self) -> ReplyGuard {
        ReplyGuard::new(
            self.interaction.channel,
            self.interaction.marketplace,
            self.customer_text(),
            self.banned_phrases.clone(),
            self.recent_answers.clone(),
        )
    }

    /// The guardrail verdict on `reply` for this item: what the outbox decides on.
    pub fn check(&self, reply: &str) -> Verdict {
        self.guard().check(reply)
    }
}

/// What a reply to `interaction` is checked against, without the seller's recent answers
/// (the near-duplicate check reads them separately): the customer's text taken as
/// [`DraftInputs::customer_text`] takes it and the account's banned phrases, so a check
/// with it finds what the send path finds, near-duplicates aside.
pub fn reply_guard(
    conn: &Connection,
    interaction: &Interaction,
    thread: &[ChatMessage],
) -> Result<ReplyGuard> {
    let banned_phrases =
        crate::settings::load::<GuardrailSettings>(conn, Some(interaction.account_id))?
            .effective_banned_phrases();
    Ok(ReplyGuard::new(
        interaction.channel,
        interaction.marketplace,
        DraftContext::new(interaction, thread).customer_text(),
        banned_phrases,
        Vec::new(),
    ))
}

/// The newest answered items of the account and channel a draft's retrieval looks at,
/// and of the same product and of the same intent: the cost of a draft stays the same
/// however long the history (each read is capped before the approval filter runs).
const RECENT_CANDIDATES: usize = 400;
const PRODUCT_CANDIDATES: usize = 100;
const INTENT_CANDIDATES: usize = 100;

/// Whether the answer of item `c` is one the seller approved (`?1` is the largest edit
/// distance that still counts): never edited on the marketplace through the outbox, and
/// either typed outside AgentIQ, or sent by the seller (not the auto-responder) without a
/// draft or from one with a small edit.
const APPROVED_FILTER: &str = "
    NOT EXISTS (SELECT 1 FROM outbox e WHERE e.interaction_id = c.id AND e.kind = 'edit')
    AND coalesce((
        SELECT o.actor = 'human' AND (o.draft_text IS NULL OR coalesce(o.edit_distance < ?1, 0))
        FROM outbox o
        WHERE o.interaction_id = c.id AND o.kind = 'reply' AND o.shadow = 0
          AND o.state != 'failed'
        ORDER BY o.id DESC LIMIT 1), 1)";

/// The seller's approved answers to the most similar earlier items of the same account
/// and channel (see [`APPROVED_FILTER`]; `max_edit_distance` is
/// `[learning] approved_max_edit_distance`). Candidates are the newest answered items of
/// the account and channel, of the same product and of the same intent, read through
/// partial indexes with a hard cap on rows; they are ranked by the customer's words they
/// share (stems, so inflections match), then same product and intent, then recency.
pub fn approved_answers(
    conn: &Connection,
    item: &Interaction,
    limit: usize,
    max_edit_distance: f64,
) -> Result<Vec<ApprovedAnswer>> {
    let stems = word_stems(&item.text);
    if stems.is_empty() {
        return Ok(Vec::new());
    }
    let (candidates, intent) = approved_candidates(conn, item, max_edit_distance)?;
    let product_id = item.product.as_ref().map(|p| p.external_id.as_str());
    let intent = intent.and_then(|i| i.parse::<crate::ai::Intent>().ok());
    let mut seen = std::collections::HashSet::new();
    let mut ranked: Vec<(u32, usize, ApprovedAnswer)> = candidates
        .into_iter()
        .enumerate()
        .filter(|(_, (id, _))| *id != item.id.0 && seen.insert(*id))
        .filter_map(|(order, (_, answer))| {
            let shared = word_stems(&answer.customer_text)
                .iter()
                .filter(|s| stems.contains(s))
                .count() as u32;
            (shared > 0).then(|| {
                let same_product = u32::from(answer.product_id.as_deref() == product_id);
                let same_intent = u32::from(intent.is_some() && answer.intent == intent);
                (
                    shared * 4 + same_product * 2 + same_intent * 2,
                    order,
                    answer,
                )
            })
        })
        .collect();
    // Most shared words first; among equals, the newer (read first).
    ranked.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    Ok(ranked
        .into_iter()
        .take(limit)
        .map(|(_, _, answer)| answer)
        .collect())
}

/// The columns an answered item is read with, inside a candidates' query...
const CANDIDATE_INNER: &str = "i.id, i.channel, i.text, i.answer_text, i.customer_name,
        i.product_external_id, i.product_name, i.intent, i.rating, i.created_at";
/// ...and out of it.
const CANDIDATE_COLUMNS: &str = "c.id, c.channel, c.text, c.answer_text, c.customer_name,
        c.product_external_id, c.product_name, c.intent, c.rating";

/// Approved answers with the ids of the items they answered.
type Candidates = Vec<(i64, ApprovedAnswer)>;

/// The candidates for `item`'s approved answers, with their item ids, newest first of
/// each: the account and channel's, the product's, the intent's; and the item's intent.
fn approved_candidates(
    conn: &Connection,
    item: &Interaction,
    max_edit_distance: f64,
) -> Result<(Candidates, Option<String>)> {
    let mut candidates = approved_rows(
        conn,
        item.channel,
        &format!(
            "SELECT {CANDIDATE_INNER} FROM interactions i INDEXED BY interactions_answered_recent
             WHERE i.account_id = ?2 AND i.channel = ?3 AND i.answer_text IS NOT NULL
             ORDER BY i.created_at DESC LIMIT {RECENT_CANDIDATES}"
        ),
        &[&max_edit_distance, &item.account_id, &item.channel.as_str()],
    )?;
    if let Some(product) = &item.product {
        candidates.extend(approved_rows(
            conn,
            item.channel,
            &format!(
                "SELECT {CANDIDATE_INNER} FROM interactions i INDEXED BY interactions_answered_product
                 WHERE i.account_id = ?2 AND i.product_external_id = ?4
                   AND i.answer_text IS NOT NULL AND i.channel = ?3
                 ORDER BY i.created_at DESC LIMIT {PRODUCT_CANDIDATES}"
            ),
            &[
                &max_edit_distance,
                &item.account_id,
                &item.channel.as_str(),
                &product.external_id,
            ],
        )?);
    }
    let intent: Option<String> = conn
        .prepare_cached("SELECT intent FROM interactions WHERE id = ?1")?
        .query_row([item.id.0], |r| r.get(0))
        .optional()?
        .flatten();
    if let Some(intent) = &intent {
        candidates.extend(approved_rows(
            conn,
            item.channel,
            &format!(
                "SELECT {CANDIDATE_INNER} FROM interactions i INDEXED BY interactions_answered_intent
                 WHERE i.account_id = ?2 AND i.channel = ?3 AND i.intent = ?4
                   AND i.answer_text IS NOT NULL
                 ORDER BY i.created_at DESC LIMIT {INTENT_CANDIDATES}"
            ),
            &[
                &max_edit_distance,
                &item.account_id,
                &item.channel.as_str(),
                intent,
            ],
        )?);
    }
    Ok((candidates, intent))
}

/// The approved answers among the rows of `inner` (see [`APPROVED_FILTER`]), newest
/// first, with their item ids; a row's unknown channel reads as `channel`.
fn approved_rows(
    conn: &Connection,
    channel: crate::domain::Channel,
    inner: &str,
    p: &[&dyn rusqlite::ToSql],
) -> Result<Vec<(i64, ApprovedAnswer)>> {
    let sql = format!(
        "SELECT {CANDIDATE_COLUMNS} FROM ({inner}) c WHERE {APPROVED_FILTER} ORDER BY c.created_at DESC"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt
        .query_map(p, |r| {
            let row_channel: String = r.get(1)?;
            let intent: Option<String> = r.get(7)?;
            Ok((
                r.get::<_, i64>(0)?,
                ApprovedAnswer {
                    channel: row_channel.parse().unwrap_or(channel),
                    customer_text: r.get(2)?,
                    answer: r.get(3)?,
                    customer_name: r.get(4)?,
                    product_id: r.get(5)?,
                    product_name: r.get(6)?,
                    intent: intent.and_then(|i| i.parse().ok()),
                    rating: r.get::<_, Option<u8>>(8)?.and_then(Rating::new),
                },
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// The distinct 6-letter stems of the words of four letters or more, lower-cased with ё
/// as е: "сломался" and "сломалась" share "сломал".
fn word_stems(text: &str) -> Vec<String> {
    let mut stems: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 4)
        .map(|w| w.to_lowercase().replace('ё', "е").chars().take(6).collect())
        .collect();
    stems.sort();
    stems.dedup();
    stems
}
