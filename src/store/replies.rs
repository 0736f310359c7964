//! What queuing a reply writes beside its outbox row: the shadow row, the hold for an
//! undo window, the auto-reply it supersedes, the draft and guardrail details, the audit
//! records, and an undo. What they mean is `crate::outbox`'s.

use anyhow::Result;
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, Transaction};

use crate::domain::InteractionId;

/// A shadow reply (recorded, never due; the item stays open), once per idempotency key.
pub fn enqueue_shadow(
    tx: &Transaction<'_>,
    interaction: InteractionId,
    text: &str,
    idempotency_key: &str,
    now: DateTime<Utc>,
) -> Result<i64> {
    tx.execute(
        "INSERT INTO outbox (interaction_id, idempotency_key, text, state, next_attempt_at,
                             created_at, updated_at, shadow)
         VALUES (?1, ?2, ?3, 'queued', ?4, ?4, ?4, 1)
         ON CONFLICT (idempotency_key) DO NOTHING",
        params![interaction.0, idempotency_key, text, now.timestamp()],
    )?;
    Ok(tx.query_row(
        "SELECT id FROM outbox WHERE idempotency_key = ?1",
        params![idempotency_key],
        |row| row.get(0),
    )?)
}

/// Keeps a queued item in the queue (`open` again) while its reply waits out an undo
/// window.
pub fn hold_in_queue(tx: &Transaction<'_>, interaction: InteractionId) -> Result<()> {
    tx.execute(
        "UPDATE interactions SET state = 'open' WHERE id = ?1 AND state = 'pending'",
        params![interaction.0],
    )?;
    Ok(())
}

/// Fails the auto-replies of `interaction` still waiting to go, except `keep`.
pub fn supersede_auto_replies(
    tx: &Transaction<'_>,
    interaction: InteractionId,
    keep: i64,
    now: DateTime<Utc>,
) -> Result<()> {
    tx.execute(
        "UPDATE outbox SET state = 'failed', last_error = 'superseded', cancelled_at = ?2,
                updated_at = ?2
         WHERE interaction_id = ?1 AND id != ?3 AND actor = 'auto' AND state = 'queued'
           AND attempts = 0 AND shadow = 0",
        params![interaction.0, now.timestamp(), keep],
    )?;
    Ok(())
}

/// Where a queued reply came from and what the guardrails said of it.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplyDetails<'a> {
    /// template | reuse | llm | manual
    pub draft_source: &'a str,
    pub draft_text: Option<&'a str>,
    pub edit_distance: Option<f64>,
    pub verdict: &'a str,
    /// The findings as a JSON array.
    pub findings: &'a str,
    pub overridden: bool,
    pub actor: &'a str,
    pub undo_until: Option<DateTime<Utc>>,
}

/// Records `details` on outbox row `outbox_id`; an undo window also delays it.
pub fn record_reply_details(
    tx: &Transaction<'_>,
    outbox_id: i64,
    details: &ReplyDetails<'_>,
) -> Result<()> {
    tx.execute(
        "UPDATE outbox SET draft_source = ?2, draft_text = ?3, edit_distance = ?4, verdict = ?5,
                findings = ?6, overridden = ?7, actor = ?8, undo_until = ?9,
                next_attempt_at = max(next_attempt_at, coalesce(?9, 0))
         WHERE id = ?1",
        params![
            outbox_id,
            details.draft_source,
            details.draft_text,
            details.edit_distance,
            details.verdict,
            details.findings,
            details.overridden,
            details.actor,
            details.undo_until.map(|t| t.timestamp()),
        ],
    )?;
    Ok(())
}

/// Audits a reply sent despite a block-level finding.
pub fn audit_guardrail_overridden(
    tx: &Transaction<'_>,
    now: DateTime<Utc>,
    actor: &str,
    interaction: InteractionId,
    outbox_id: i64,
    findings: &str,
) -> Result<()> {
    tx.execute(
        "INSERT INTO audit_log (at, actor, action, interaction_id, detail)
         VALUES (?1, ?2, 'guardrail_overridden', ?3, json_object('outbox_id', ?4, 'findings', json(?5)))",
        params![now.timestamp(), actor, interaction.0, outbox_id, findings],
    )?;
    Ok(())
}

/// Audits what a shadow auto-reply would have sent.
pub fn audit_reply_shadowed(
    tx: &Transaction<'_>,
    now: DateTime<Utc>,
    interaction: InteractionId,
    outbox_id: i64,
    text: &str,
) -> Result<()> {
    tx.execute(
        "INSERT INTO audit_log (at, actor, action, interaction_id, detail)
         VALUES (?1, 'auto', 'reply_shadowed', ?2, json_object('outbox_id', ?3, 'text', ?4))",
        params![now.timestamp(), interaction.0, outbox_id, text],
    )?;
    Ok(())
}

/// Fails a reply still waiting out its undo window, puts its item back in the queue and
/// audits it. Returns whether there was one.
pub fn cancel_queued_reply(conn: &Connection, outbox_id: i64, now: DateTime<Utc>) -> Result<bool> {
    let changed = conn.execute(
        "UPDATE outbox SET state = 'failed', last_error = 'cancelled', cancelled_at = ?2, updated_at = ?2
         WHERE id = ?1 AND state = 'queued' AND attempts = 0 AND shadow = 0",
        params![outbox_id, now.timestamp()],
    )?;
    if changed > 0 {
        conn.execute(
            "UPDATE interactions SET state = 'open'
             WHERE id = (SELECT interaction_id FROM outbox WHERE id = ?1) AND state = 'pending'",
            params![outbox_id],
        )?;
        conn.execute(
            "INSERT INTO audit_log (at, actor, action, interaction_id, detail)
             SELECT ?2, 'human', 'reply_cancelled', interaction_id, json_object('outbox_id', id)
             FROM outbox WHERE id = ?1",
            params![outbox_id, now.timestamp()],
        )?;
    }
    Ok(changed > 0)
}
