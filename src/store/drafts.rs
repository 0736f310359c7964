//! Drafts: every proposed reply, what it was checked to be, and what the seller did with
//! it.

use anyhow::Result;
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};

use super::{from_db_time, to_db_time};
use crate::domain::InteractionId;

/// A draft as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredDraft {
    pub id: i64,
    pub interaction_id: InteractionId,
    pub text: String,
    /// template | reuse | llm | manual
    pub source: String,
    pub confidence: f64,
    pub prompt_version: Option<String>,
    /// pass | warn | block
    pub verdict: Option<String>,
    pub created_at: DateTime<Utc>,
    /// Why the confidence is what it is; empty for drafts stored before reasons were.
    pub reasons: Vec<String>,
    /// The model that wrote an LLM draft.
    pub model: Option<String>,
}

/// A draft to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewDraft<'a> {
    pub interaction_id: InteractionId,
    pub text: &'a str,
    pub source: &'a str,
    pub confidence: f64,
    pub prompt_version: Option<&'a str>,
    pub verdict: &'a str,
    /// Guardrail findings as JSON, for the audit log.
    pub findings_json: &'a str,
    /// Why the confidence is what it is.
    pub reasons: &'a [String],
    /// The model that wrote an LLM draft.
    pub model: Option<&'a str>,
}

/// Stores a draft and its audit record; returns its id.
pub fn insert_draft(
    conn: &Connection,
    draft: &NewDraft<'_>,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<i64> {
    conn.prepare_cached(
        "INSERT INTO drafts (interaction_id, text, source, confidence, prompt_version, verdict, created_at, reasons, model)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        draft.interaction_id.0,
        draft.text,
        draft.source,
        draft.confidence,
        draft.prompt_version,
        draft.verdict,
        to_db_time(now),
        serde_json::to_string(draft.reasons)?,
        draft.model
    ])?;
    let id = conn.last_insert_rowid();
    conn.prepare_cached(
        "INSERT INTO audit_log (at, actor, action, interaction_id, detail)
         VALUES (?1, ?2, 'draft_created', ?3,
                 json_object('draft_id', ?4, 'source', ?5, 'confidence', ?6, 'prompt_version', ?7,
                             'verdict', ?8, 'findings', json(?9), 'text', ?10, 'model', ?11))",
    )?
    .execute(params![
        to_db_time(now),
        actor,
        draft.interaction_id.0,
        id,
        draft.source,
        draft.confidence,
        draft.prompt_version,
        draft.verdict,
        draft.findings_json,
        draft.text,
        draft.model
    ])?;
    Ok(id)
}

/// The newest draft of an item not yet used or discarded.
pub fn latest_draft(conn: &Connection, interaction: InteractionId) -> Result<Option<StoredDraft>> {
    Ok(conn
        .prepare_cached(
            "SELECT id, interaction_id, text, source, confidence, prompt_version, verdict, created_at, reasons,
                    model
             FROM drafts WHERE interaction_id = ?1 AND outcome IS NULL
             ORDER BY id DESC LIMIT 1",
        )?
        .query_row(params![interaction.0], |r| {
            Ok(StoredDraft {
                id: r.get(0)?,
                interaction_id: InteractionId(r.get(1)?),
                text: r.get(2)?,
                source: r.get(3)?,
                confidence: r.get(4)?,
                prompt_version: r.get(5)?,
                verdict: r.get(6)?,
                created_at: from_db_time(r.get(7)?),
                reasons: r
                    .get::<_, Option<String>>(8)?
                    .and_then(|j| serde_json::from_str(&j).ok())
                    .unwrap_or_default(),
                model: r.get(9)?,
            })
        })
        .optional()?)
}

/// The first `top` open items of the queue (earliest deadline first) that have no pending
/// draft.
pub fn items_needing_drafts(conn: &Connection, top: usize) -> Result<Vec<InteractionId>> {
    let mut stmt = conn.prepare_cached(
        "SELECT t.id FROM (
             SELECT id, due_at FROM interactions WHERE state = 'open' ORDER BY due_at, id LIMIT ?1
         ) t
         WHERE NOT EXISTS (SELECT 1 FROM drafts d WHERE d.interaction_id = t.id AND d.outcome IS NULL)
         ORDER BY t.due_at, t.id",
    )?;
    let ids = stmt
        .query_map(params![top as i64], |r| Ok(InteractionId(r.get(0)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ids)
}

/// Records what became of a draft when a reply was sent (or the draft dropped).
pub fn set_draft_outcome(
    conn: &Connection,
    draft_id: i64,
    outcome: &str,
    edit_distance: Option<f64>,
) -> Result<()> {
    conn.prepare_cached("UPDATE drafts SET outcome = ?2, edit_distance = ?3 WHERE id = ?1")?
        .execute(params![draft_id, outcome, edit_distance])?;
    Ok(())
}

/// Most replies [`recent_answers`] examines, newest first, to find an account's own among
/// them: its cost stays the same however many replies were ever sent. Enough for the
/// account's latest among a few shops' replies; a quiet shop among many still has its
/// answers from the marketplace's side (the second half of the query).
pub const RECENT_REPLIES_EXAMINED: usize = 500;

/// The seller's recent answers of an account, newest first: drafts avoid repeating them
/// and the guardrails flag near-duplicates.
pub fn recent_answers(conn: &Connection, account_id: i64, limit: usize) -> Result<Vec<String>> {
    let mut stmt = conn.prepare_cached(
        // Each half is limited on its own index before the merge, so the cost does not
        // grow with the history: the replies through `outbox_answers_recent` (newest
        // first, at most RECENT_REPLIES_EXAMINED of them), the answers through
        // `interactions_answers`. CROSS JOIN keeps that order: left to choose, SQLite may
        // walk every item of the account and look each up among the newest replies.
        "SELECT text FROM (
             SELECT * FROM (
                 SELECT o.text AS text, o.created_at AS at
                 FROM (SELECT id FROM outbox INDEXED BY outbox_answers_recent
                       WHERE state IN ('accepted', 'visible') AND shadow = 0
                       ORDER BY created_at DESC LIMIT ?3) newest
                 CROSS JOIN outbox o ON o.id = newest.id
                 CROSS JOIN interactions i ON i.id = o.interaction_id
                 WHERE i.account_id = ?1
                 ORDER BY o.created_at DESC LIMIT ?2)
             UNION ALL
             SELECT * FROM (
                 SELECT answer_text AS text, synced_at AS at FROM interactions
                 WHERE account_id = ?1 AND answer_text IS NOT NULL
                 ORDER BY synced_at DESC LIMIT ?2)
         ) ORDER BY at DESC LIMIT ?2",
    )?;
    let texts = stmt
        .query_map(
            params![account_id, limit as i64, RECENT_REPLIES_EXAMINED as i64],
            |r| r.get(0),
        )?
        .collect::<Result<Vec<String>, _>>()?;
    Ok(texts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_support::{store_with_sent_replies, vm_steps};

    #[test]
    fn recent_answers_are_the_shops_newest_replies_and_answers() {
        let (_dir, store) = store_with_sent_replies(100);
        let conn = store.reader().unwrap();
        let recent = recent_answers(&conn, 1, 4).unwrap();
        // Shop 1 has the even items; a reply is stamped a second after its item synced.
        assert_eq!(recent, ["reply 100", "answer 100", "reply 98", "answer 98"]);
    }

    #[test]
    fn recent_answers_examine_the_same_rows_however_many_replies_were_sent() {
        let (_small_dir, small) = store_with_sent_replies(1_000);
        let (_big_dir, big) = store_with_sent_replies(5_000);
        let (small, big) = (small.reader().unwrap(), big.reader().unwrap());
        let (_, few) = vm_steps(&small, || recent_answers(&small, 1, 30).unwrap());
        let (_, many) = vm_steps(&big, || recent_answers(&big, 1, 30).unwrap());
        assert!(
            many <= few + few / 10,
            "5 000 replies took {many} steps against {few} for 1 000"
        );
    }
}
