//! Everything a draft may use, read from the store: the item, its thread, its product's
//! card, the customer's history, the seller's approved answers to similar items, the
//! seller's recent answers, the banned phrases and the seller's templates.

use anyhow::Result;
use rusqlite::{params, Connection};

use crate::ai::guardrails::{ReplyGuard, Verdict};
use crate::ai::{ApprovedAnswer, CustomerHistory, DraftContext, ProductCard};
use crate::domain::{ChatMessage, Interaction, InteractionId, Rating};
use crate::settings::GuardrailSettings;
use crate::store;

/// Approved answers looked up per draft.
const APPROVED_EXAMPLES: usize = 5;
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
}

impl DraftInputs {
    pub fn load(conn: &Connection, id: InteractionId) -> Result<Option<DraftInputs>> {
        let Some(interaction) = store::interaction(conn, id)? else {
            return Ok(None);
        };
        let thread = store::chat_messages(conn, id)?;
        let product = match &interaction.product {
            Some(p) => store::product_card(conn, interaction.account_id, &p.external_id)?
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
            None => None,
        };
        let history = store::customer_profile(conn, id)?.map(|profile| {
            let earlier: Vec<_> = profile.items.iter().filter(|i| i.id != id).collect();
            CustomerHistory {
                previous_interactions: earlier.len() as u32,
                previous_complaints: profile.complaints as u32,
                previous_positive: earlier
                    .iter()
                    .filter(|i| i.rating.is_some_and(|r| r.stars() >= 4))
                    .count() as u32,
                summary: None,
            }
        });
        let approved = approved_answers(conn, &interaction, APPROVED_EXAMPLES)?;
        let recent_answers = store::recent_answers(conn, interaction.account_id, RECENT_ANSWERS)?;
        let banned_phrases =
            crate::settings::load::<GuardrailSettings>(conn, Some(interaction.account_id))?
                .effective_banned_phrases();
        let templates =
            crate::settings::editable::load_templates(conn, Some(interaction.account_id))?;
        Ok(Some(DraftInputs {
            interaction,
            thread,
            product,
            history,
            approved,
            recent_answers,
            banned_phrases,
            templates,
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
        if let Some(t) = &self.templates {
            ctx = ctx.with_templates(t);
        }
        ctx
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

/// The seller's answers to the most similar earlier items of the same account and channel
/// (full-text match on the customer's words, best first).
pub fn approved_answers(
    conn: &Connection,
    item: &Interaction,
    limit: usize,
) -> Result<Vec<ApprovedAnswer>> {
    let words: Vec<String> = item
        .text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 4)
        .map(|w| {
            let folded = w.to_lowercase().replace('ё', "е");
            // Prefix queries catch inflections: "сломался" finds "сломалась".
            let stem: String = folded.chars().take(6).collect();
            format!("\"{stem}\"*")
        })
        .take(12)
        .collect();
    if words.is_empty() {
        return Ok(Vec::new());
    }
    let query = words.join(" OR ");
    let mut stmt = conn.prepare_cached(
        "SELECT i.channel, i.text, i.answer_text, i.customer_name, i.product_external_id,
                i.product_name, i.intent, i.rating
         FROM interactions_fts f JOIN interactions i ON i.id = f.rowid
         WHERE interactions_fts MATCH ?1 AND i.account_id = ?2 AND i.channel = ?3
           AND i.answer_text IS NOT NULL AND i.id != ?4
         ORDER BY bm25(interactions_fts) LIMIT ?5",
    )?;
    let rows = stmt
        .query_map(
            params![
                query,
                item.account_id,
                item.channel.as_str(),
                item.id.0,
                limit as i64
            ],
            |r| {
                let channel: String = r.get(0)?;
                let intent: Option<String> = r.get(6)?;
                Ok(ApprovedAnswer {
                    channel: channel.parse().unwrap_or(item.channel),
                    customer_text: r.get(1)?,
                    answer: r.get(2)?,
                    customer_name: r.get(3)?,
                    product_id: r.get(4)?,
                    product_name: r.get(5)?,
                    intent: intent.and_then(|i| i.parse().ok()),
                    rating: r.get::<_, Option<u8>>(7)?.and_then(Rating::new),
                })
            },
        )?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}
