use anyhow::{bail, Result};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};

use super::{from_db_time, to_db_time};
use crate::domain::InteractionId;

/// Where a reply is on its way to the marketplace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutboxState {
    /// Written, not yet attempted (or waiting for a retry).
    Queued,
    /// A network call may be in flight; after a crash this means "ask before resending".
    Sending,
    /// The marketplace accepted the call; not yet seen on the item.
    Sent,
    /// Seen on the item when re-read: delivered.
    Confirmed,
    /// Gave up; the reason is kept and the item is back in the queue.
    Failed,
}

impl OutboxState {
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxState::Queued => "queued",
            OutboxState::Sending => "sending",
            OutboxState::Sent => "sent",
            OutboxState::Confirmed => "confirmed",
            OutboxState::Failed => "failed",
        }
    }

    fn parse(s: &str) -> Option<OutboxState> {
        Some(match s {
            "queued" => OutboxState::Queued,
            "sending" => OutboxState::Sending,
            "sent" => OutboxState::Sent,
            "confirmed" => OutboxState::Confirmed,
            "failed" => OutboxState::Failed,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct OutboxItem {
    pub id: i64,
    pub interaction_id: InteractionId,
    pub idempotency_key: String,
    pub text: String,
    pub state: OutboxState,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// Writes a reply to the outbox and marks its item pending, in the caller's transaction.
/// Enqueuing the same idempotency key again returns the existing row and changes nothing.
pub fn enqueue_reply(
    conn: &Connection,
    interaction_id: InteractionId,
    text: &str,
    idempotency_key: &str,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<i64> {
    let state: Option<String> = conn
        .query_row(
            "SELECT state FROM interactions WHERE id = ?1",
            params![interaction_id.0],
            |r| r.get(0),
        )
        .optional()?;
    match state.as_deref() {
        None => bail!("interaction {} does not exist", interaction_id.0),
        Some("answered") | Some("archived") => {
            bail!("interaction {} can no longer be answered", interaction_id.0)
        }
        _ => {}
    }
    let t = to_db_time(now);
    conn.execute(
        "INSERT INTO outbox (interaction_id, idempotency_key, text, state, next_attempt_at,
                             created_at, updated_at)
         VALUES (?1, ?2, ?3, 'queued', ?4, ?4, ?4)
         ON CONFLICT (idempotency_key) DO NOTHING",
        params![interaction_id.0, idempotency_key, text, t],
    )?;
    let inserted = conn.changes() > 0;
    let id: i64 = conn.query_row(
        "SELECT id FROM outbox WHERE idempotency_key = ?1",
        params![idempotency_key],
        |r| r.get(0),
    )?;
    if inserted {
        conn.execute(
            "UPDATE interactions SET state = 'pending' WHERE id = ?1",
            params![interaction_id.0],
        )?;
        conn.execute(
            "INSERT INTO audit_log (at, actor, action, interaction_id, detail)
             VALUES (?1, ?2, 'reply_queued', ?3, json_object('outbox_id', ?4, 'text', ?5))",
            params![t, actor, interaction_id.0, id, text],
        )?;
    }
    Ok(id)
}

/// Replies the outbox should work on now, oldest first.
pub fn due_outbox(conn: &Connection, now: DateTime<Utc>, limit: usize) -> Result<Vec<OutboxItem>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, interaction_id, idempotency_key, text, state, attempts, last_error, created_at
         FROM outbox
         WHERE state IN ('queued', 'sending', 'sent') AND next_attempt_at <= ?1 AND shadow = 0
           AND (undo_until IS NULL OR undo_until <= ?1)
         ORDER BY id LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![to_db_time(now), limit as i64], |r| {
        let state: String = r.get(4)?;
        Ok(OutboxItem {
            id: r.get(0)?,
            interaction_id: InteractionId(r.get(1)?),
            idempotency_key: r.get(2)?,
            text: r.get(3)?,
            state: OutboxState::parse(&state).unwrap_or(OutboxState::Queued),
            attempts: r.get(5)?,
            last_error: r.get(6)?,
            created_at: from_db_time(r.get(7)?),
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Replies not yet delivered nor given up on: what the status bar calls the outbox size.
pub fn outbox_size(conn: &Connection) -> Result<usize> {
    let n: i64 = conn.query_row(
        "SELECT count(*) FROM outbox WHERE state IN ('queued', 'sending', 'sent') AND shadow = 0",
        [],
        |r| r.get(0),
    )?;
    Ok(n as usize)
}

/// Recorded before the network call, so a crash during it is visible on restart.
pub fn mark_sending(conn: &Connection, id: i64, now: DateTime<Utc>) -> Result<()> {
    conn.execute(
        "UPDATE outbox SET state = 'sending', attempts = attempts + 1, updated_at = ?2
         WHERE id = ?1",
        params![id, to_db_time(now)],
    )?;
    // An auto-reply leaves its item in the queue while it can be undone; from its first
    // attempt on it is on its way.
    conn.execute(
        "UPDATE interactions SET state = 'pending'
         WHERE id = (SELECT interaction_id FROM outbox WHERE id = ?1) AND state = 'open'",
        params![id],
    )?;
    Ok(())
}

pub fn mark_sent(conn: &Connection, id: i64, now: DateTime<Utc>) -> Result<()> {
    conn.execute(
        "UPDATE outbox SET state = 'sent', sent_at = ?2, updated_at = ?2, last_error = NULL
         WHERE id = ?1",
        params![id, to_db_time(now)],
    )?;
    Ok(())
}

/// The marketplace shows the answer: the reply is delivered and the item answered.
pub fn mark_confirmed(conn: &Connection, id: i64, now: DateTime<Utc>) -> Result<()> {
    let t = to_db_time(now);
    let (interaction_id, text): (i64, String) = conn.query_row(
        "SELECT interaction_id, text FROM outbox WHERE id = ?1",
        params![id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    conn.execute(
        "UPDATE outbox SET state = 'confirmed', confirmed_at = ?2, updated_at = ?2,
                           sent_at = coalesce(sent_at, ?2)
         WHERE id = ?1",
        params![id, t],
    )?;
    conn.execute(
        "UPDATE interactions SET state = 'answered',
                answer_text = coalesce(answer_text, ?2),
                answer_moderation = coalesce(answer_moderation, 'under_review'),
                first_answered_at = coalesce(first_answered_at,
                    (SELECT coalesce(sent_at, ?3) FROM outbox WHERE id = ?4))
         WHERE id = ?1 AND state IN ('pending', 'open')",
        params![interaction_id, text, t, id],
    )?;
    conn.execute(
        "INSERT INTO audit_log (at, actor, action, interaction_id, detail)
         VALUES (?1, 'outbox', 'reply_confirmed', ?2, json_object('outbox_id', ?3))",
        params![t, interaction_id, id],
    )?;
    Ok(())
}

/// A failed attempt: retried at `retry_at`, or given up on when it is `None`, which puts
/// the item back in the queue with the reason.
pub fn mark_failed(
    conn: &Connection,
    id: i64,
    error: &str,
    retry_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<()> {
    let t = to_db_time(now);
    match retry_at {
        Some(at) => {
            conn.execute(
                "UPDATE outbox SET state = 'queued', last_error = ?2, next_attempt_at = ?3,
                                   updated_at = ?4
                 WHERE id = ?1",
                params![id, error, to_db_time(at), t],
            )?;
        }
        None => {
            conn.execute(
                "UPDATE outbox SET state = 'failed', last_error = ?2, updated_at = ?3
                 WHERE id = ?1",
                params![id, error, t],
            )?;
            conn.execute(
                "UPDATE interactions SET state = 'open'
                 WHERE id = (SELECT interaction_id FROM outbox WHERE id = ?1)
                   AND state = 'pending'",
                params![id],
            )?;
            conn.execute(
                "INSERT INTO audit_log (at, actor, action, interaction_id, detail)
                 SELECT ?1, 'outbox', 'reply_failed', interaction_id,
                        json_object('outbox_id', id, 'error', ?2)
                 FROM outbox WHERE id = ?3",
                params![t, error, id],
            )?;
        }
    }
    Ok(())
}
