//! Learning from a sent reply, and reading back what was learnt.

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};

use super::phrases::{diff, generalise, norm, Place};
use super::{LearningSettings, Style};
use crate::domain::InteractionId;
use crate::store::learning::{self as rows, LearntLength, LearntPhrase, PhraseLesson};

/// A phrase longer than this is an answer to one customer, not a habit.
const MAX_PHRASE_CHARS: usize = 200;

/// Learns from a reply the seller sent for an item: its length, and, when it came from
/// a draft, the phrases deleted from the draft and added to it. Runs in the transaction
/// that queues the reply; does nothing when learning is off.
pub fn learn_from_reply(
    conn: &Connection,
    interaction: InteractionId,
    draft: Option<&str>,
    sent: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    /// Account, channel, customer name, product id, product name.
    type Item = (i64, String, Option<String>, Option<String>, Option<String>);
    let item: Option<Item> = conn
        .prepare_cached(
            "SELECT i.account_id, i.channel, i.customer_name, i.product_external_id,
                    coalesce((SELECT p.name FROM products p
                              WHERE p.account_id = i.account_id
                                AND p.external_id = i.product_external_id), i.product_name)
             FROM interactions i WHERE i.id = ?1",
        )?
        .query_row(params![interaction.0], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .optional()
        .with_context(|| format!("reading item {} to learn from its reply", interaction.0))?;
    let Some((account_id, channel, customer, product_id, product_name)) = item else {
        return Ok(());
    };
    let settings = crate::settings::load::<LearningSettings>(conn, Some(account_id))?;
    if !settings.enabled {
        return Ok(());
    }
    rows::note_length(conn, account_id, &channel, sent.trim().chars().count(), now)?;
    let Some(draft) = draft else {
        return Ok(());
    };
    let name = crate::ai::clean_name(customer.as_deref());
    let product = product_name.map(|n| crate::ai::short_product_name(&n));
    let edit = diff(draft, sent);
    let lessons = edit
        .removed
        .iter()
        .map(|s| ("avoid", s, ""))
        .chain(edit.added.iter().map(|(s, place)| match place {
            Place::Opening => ("opening", s, channel.as_str()),
            Place::Closing => ("closing", s, channel.as_str()),
            Place::Body => ("body", s, channel.as_str()),
        }));
    for (kind, sentence, channel) in lessons {
        let product_external_id = match (kind, &product_id) {
            ("body", Some(p)) => p.as_str(),
            // Product advice with no product to tie it to is not learnt.
            ("body", None) => continue,
            _ => "",
        };
        let phrase = generalise(sentence, name.as_deref(), product.as_deref());
        let key = norm(&phrase);
        if key.is_empty() || phrase.chars().count() > MAX_PHRASE_CHARS {
            continue;
        }
        rows::note_phrase(
            conn,
            account_id,
            &PhraseLesson {
                kind,
                channel,
                product_external_id,
                phrase: &phrase,
                norm: &key,
            },
            now,
        )?;
    }
    Ok(())
}

/// The learnt style a draft for an item of `account_id` in `channel` about `product`
/// applies: entries seen at least `min_evidence` times; empty when learning is off.
pub fn load_style(
    conn: &Connection,
    account_id: i64,
    channel: &str,
    product: Option<&str>,
) -> Result<Style> {
    let settings = crate::settings::load::<LearningSettings>(conn, Some(account_id))?;
    if !settings.enabled {
        return Ok(Style::default());
    }
    let phrases = rows::learnt_phrases(conn, account_id, i64::from(settings.min_evidence))?;
    let lengths = rows::learnt_lengths(conn, account_id)?;
    Ok(super::style::for_item(&phrases, &lengths, channel, product))
}

/// Everything an account's drafts learnt, for the settings tab and the CLI.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Learnt {
    /// Every phrase, in use or still gathering evidence, most seen first.
    pub phrases: Vec<LearntPhrase>,
    pub lengths: Vec<LearntLength>,
    /// Sightings a phrase needs before drafts use it.
    pub min_evidence: u32,
}

impl Learnt {
    pub fn load(conn: &Connection, account_id: i64) -> Result<Learnt> {
        let settings = crate::settings::load::<LearningSettings>(conn, Some(account_id))?;
        Ok(Learnt {
            phrases: rows::learnt_phrases(conn, account_id, 1)?,
            lengths: rows::learnt_lengths(conn, account_id)?,
            min_evidence: settings.min_evidence,
        })
    }
}
