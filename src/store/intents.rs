//! The seller's intent corrections and the per-account intent models they train, as
//! rows (migration 019). What a correction changes and how a model is trained and chosen
//! is in `crate::learning::intents`; this is only their storage.

use anyhow::Result;
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};

use super::{from_db_time, to_db_time};
use crate::domain::InteractionId;

/// One correction as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct IntentCorrection {
    pub id: i64,
    pub interaction_id: InteractionId,
    pub account_id: i64,
    pub channel: String,
    pub rating: Option<u8>,
    /// What the classifier read: the text with its pros and cons, or a chat's buyer
    /// messages.
    pub text: String,
    pub old_intent: Option<String>,
    pub new_intent: String,
    pub corrected_at: DateTime<Utc>,
}

/// A correction to record.
#[derive(Debug, Clone, Copy)]
pub struct NewCorrection<'a> {
    pub interaction_id: InteractionId,
    pub account_id: i64,
    pub channel: &'a str,
    pub rating: Option<u8>,
    pub text: &'a str,
    pub old_intent: Option<&'a str>,
    pub new_intent: &'a str,
}

/// Records a correction and applies it to the item: its intent becomes the new one with
/// full confidence, and the item is marked for classification again (so its SLA tier
/// follows the new intent; the classifier keeps the corrected intent). The item's pending
/// draft is discarded, so a new one is made for the new intent. Returns the row's id.
pub fn record_correction(
    conn: &Connection,
    c: &NewCorrection<'_>,
    now: DateTime<Utc>,
) -> Result<i64> {
    conn.prepare_cached(
        "INSERT INTO intent_corrections (interaction_id, account_id, channel, rating, text,
             old_intent, new_intent, corrected_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        c.interaction_id.0,
        c.account_id,
        c.channel,
        c.rating,
        c.text,
        c.old_intent,
        c.new_intent,
        to_db_time(now)
    ])?;
    let id = conn.last_insert_rowid();
    conn.prepare_cached(
        "UPDATE interactions SET intent = ?2, intent_confidence = 1.0, classified_at = NULL
         WHERE id = ?1",
    )?
    .execute(params![c.interaction_id.0, c.new_intent])?;
    conn.prepare_cached(
        "UPDATE drafts SET outcome = 'discarded' WHERE interaction_id = ?1 AND outcome IS NULL",
    )?
    .execute(params![c.interaction_id.0])?;
    Ok(id)
}

/// The intent the seller chose for an item last, if they corrected it.
pub fn corrected_intent(conn: &Connection, id: InteractionId) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached(
            "SELECT new_intent FROM intent_corrections WHERE interaction_id = ?1
             ORDER BY id DESC LIMIT 1",
        )?
        .query_row(params![id.0], |r| r.get(0))
        .optional()?)
}

/// An account's corrections, oldest first; an item corrected more than once counts with
/// its newest correction only.
pub fn corrections(conn: &Connection, account_id: i64) -> Result<Vec<IntentCorrection>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, interaction_id, account_id, channel, rating, text, old_intent, new_intent,
                corrected_at
         FROM intent_corrections c
         WHERE account_id = ?1
           AND id = (SELECT max(id) FROM intent_corrections n
                     WHERE n.interaction_id = c.interaction_id)
         ORDER BY id",
    )?;
    let rows = stmt
        .query_map(params![account_id], |r| {
            Ok(IntentCorrection {
                id: r.get(0)?,
                interaction_id: InteractionId(r.get(1)?),
                account_id: r.get(2)?,
                channel: r.get(3)?,
                rating: r.get(4)?,
                text: r.get(5)?,
                old_intent: r.get(6)?,
                new_intent: r.get(7)?,
                corrected_at: from_db_time(r.get(8)?),
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// How a kept model scored when it was trained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModelFigures {
    /// Corrections it was trained or tested on.
    pub corrections: i64,
    /// Of them, held out for the test.
    pub heldout: i64,
    /// Held-out corrections the shipped model got right.
    pub shipped_correct: i64,
    /// Held-out corrections this model got right.
    pub own_correct: i64,
}

/// The account's kept model as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredModel {
    pub digest: i64,
    pub trained_at: DateTime<Utc>,
    pub figures: ModelFigures,
}

/// Keeps `bytes` as the account's own model (replacing one kept before).
pub fn save_intent_model(
    conn: &Connection,
    account_id: i64,
    bytes: &[u8],
    digest: i64,
    figures: ModelFigures,
    now: DateTime<Utc>,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO intent_models (account_id, model, digest, trained_at, corrections, heldout,
             shipped_correct, own_correct)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (account_id) DO UPDATE SET model = excluded.model,
             digest = excluded.digest, trained_at = excluded.trained_at,
             corrections = excluded.corrections, heldout = excluded.heldout,
             shipped_correct = excluded.shipped_correct, own_correct = excluded.own_correct",
    )?
    .execute(params![
        account_id,
        bytes,
        digest,
        to_db_time(now),
        figures.corrections,
        figures.heldout,
        figures.shipped_correct,
        figures.own_correct
    ])?;
    Ok(())
}

/// The account's kept model, without its bytes: one primary-key read.
pub fn intent_model_info(conn: &Connection, account_id: i64) -> Result<Option<StoredModel>> {
    Ok(conn
        .prepare_cached(
            "SELECT digest, trained_at, corrections, heldout, shipped_correct, own_correct
             FROM intent_models WHERE account_id = ?1",
        )?
        .query_row(params![account_id], |r| {
            Ok(StoredModel {
                digest: r.get(0)?,
                trained_at: from_db_time(r.get(1)?),
                figures: ModelFigures {
                    corrections: r.get(2)?,
                    heldout: r.get(3)?,
                    shipped_correct: r.get(4)?,
                    own_correct: r.get(5)?,
                },
            })
        })
        .optional()?)
}

/// The bytes of the account's kept model.
pub fn intent_model_bytes(conn: &Connection, account_id: i64) -> Result<Option<Vec<u8>>> {
    Ok(conn
        .prepare_cached("SELECT model FROM intent_models WHERE account_id = ?1")?
        .query_row(params![account_id], |r| r.get(0))
        .optional()?)
}

/// The intent an item is classified as now (`None`: not classified yet).
pub fn current_intent(conn: &Connection, id: InteractionId) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT intent FROM interactions WHERE id = ?1")?
        .query_row(params![id.0], |r| r.get(0))
        .optional()?
        .flatten())
}

/// Forgets the account's own model: its items are classified by the shipped one again.
pub fn drop_intent_model(conn: &Connection, account_id: i64) -> Result<bool> {
    Ok(conn
        .prepare_cached("DELETE FROM intent_models WHERE account_id = ?1")?
        .execute(params![account_id])?
        > 0)
}

/// Marks the account's open items for classification again (after its model changed).
pub fn reclassify_open(conn: &Connection, account_id: i64) -> Result<usize> {
    Ok(conn
        .prepare_cached(
            "UPDATE interactions SET classified_at = NULL
             WHERE account_id = ?1 AND state = 'open' AND classified_at IS NOT NULL",
        )?
        .execute(params![account_id])?)
}
