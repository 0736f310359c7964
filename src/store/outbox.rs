use anyhow::{bail, Result};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};

use super::processes::holder_is_gone;
use super::{from_db_time, to_db_time};
use crate::domain::{Channel, InteractionId};

/// Where a reply is on its way to the marketplace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutboxState {
    /// Written, not yet attempted (or waiting for a retry).
    Queued,
    /// A network call may be in flight; after a crash this means "ask before resending".
    Sending,
    /// The marketplace answered 2xx; not yet read back on the item. Never sent again and
    /// never reopened for a second answer: it is checked with backoff for up to 48 h.
    Accepted,
    /// Read back on the item with our text: delivered.
    Visible,
    /// Accepted, then refused by the marketplace (WB moderation), with its reason; the
    /// item is open again.
    Rejected,
    /// Refused for good (or cancelled) before the marketplace accepted it; the reason is
    /// kept and the item is back in the queue.
    Failed,
}

impl OutboxState {
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxState::Queued => "queued",
            OutboxState::Sending => "sending",
            OutboxState::Accepted => "accepted",
            OutboxState::Visible => "visible",
            OutboxState::Rejected => "rejected",
            OutboxState::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<OutboxState> {
        Some(match s {
            "queued" => OutboxState::Queued,
            "sending" => OutboxState::Sending,
            "accepted" => OutboxState::Accepted,
            "visible" => OutboxState::Visible,
            "rejected" => OutboxState::Rejected,
            "failed" => OutboxState::Failed,
            _ => return None,
        })
    }
}

/// What an outbox row delivers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutboxKind {
    /// The first answer to an item (or a chat message).
    Reply,
    /// A new text for an answer already published (WB feedbacks, once).
    Edit,
}

impl OutboxKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxKind::Reply => "reply",
            OutboxKind::Edit => "edit",
        }
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
    /// When the marketplace accepted it.
    pub sent_at: Option<DateTime<Utc>>,
    /// Read-backs of an accepted reply so far.
    pub checks: u32,
    /// The process working on it, if one claimed it (the claim may have expired).
    pub claimed_by: Option<String>,
    pub claim_expires: Option<DateTime<Utc>>,
    pub kind: OutboxKind,
}

/// A process's right to work on one outbox row: every write it makes names the token, so
/// a process whose claim was taken over cannot move the row any more.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    pub outbox_id: i64,
    pub holder: String,
    pub token: i64,
}

const ITEM_COLUMNS: &str = "id, interaction_id, idempotency_key, text, state, attempts, last_error,
     created_at, sent_at, checks, claimed_by, claim_expires, kind";

fn item_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<OutboxItem> {
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
        sent_at: r.get::<_, Option<i64>>(8)?.map(from_db_time),
        checks: r.get(9)?,
        claimed_by: r.get(10)?,
        claim_expires: r.get::<_, Option<i64>>(11)?.map(from_db_time),
        kind: match r.get_ref(12)?.as_str()? {
            "edit" => OutboxKind::Edit,
            _ => OutboxKind::Reply,
        },
    })
}

/// Writes a reply to the outbox and marks its item pending, in the caller's transaction.
/// Enqueuing the same idempotency key again returns the existing row and changes nothing.
/// A review or question takes one answer: a second reply while one is on its way or
/// delivered is refused (two inboxes, or an inbox and the auto-responder of another
/// process, answering the same item at once). A chat takes any number of messages.
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
    let other_reply: Option<i64> = conn
        .query_row(
            "SELECT o.id FROM outbox o JOIN interactions i ON i.id = o.interaction_id
             WHERE o.interaction_id = ?1 AND o.idempotency_key != ?2 AND i.channel != 'chat'
               AND o.state IN ('queued', 'sending', 'accepted', 'visible') AND o.shadow = 0
             LIMIT 1",
            params![interaction_id.0, idempotency_key],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(other) = other_reply {
        bail!(
            "interaction {} already has a reply on its way (outbox {other})",
            interaction_id.0
        );
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

/// Writes an edit of an item's published answer to the outbox, in the caller's
/// transaction. The item stays answered; its answer counts as no longer editable from
/// now on (WB allows one edit), so neither a second edit nor a sync that still sees the
/// old answer offers another. Refused when the item has no answer, WB says it can no
/// longer be edited, or an edit was already queued. The same idempotency key again
/// returns the existing row.
pub fn enqueue_edit(
    conn: &Connection,
    interaction_id: InteractionId,
    text: &str,
    idempotency_key: &str,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<i64> {
    let existing: Option<i64> = conn
        .query_row(
            "SELECT id FROM outbox WHERE idempotency_key = ?1 AND kind = 'edit'",
            params![idempotency_key],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(id) = existing {
        return Ok(id);
    }
    ensure_editable(conn, interaction_id)?;
    let t = to_db_time(now);
    conn.execute(
        "INSERT INTO outbox (interaction_id, idempotency_key, text, state, next_attempt_at,
                             created_at, updated_at, kind)
         VALUES (?1, ?2, ?3, 'queued', ?4, ?4, ?4, 'edit')",
        params![interaction_id.0, idempotency_key, text, t],
    )?;
    let id = conn.last_insert_rowid();
    conn.execute(
        "UPDATE interactions SET answer_editable = 0 WHERE id = ?1",
        params![interaction_id.0],
    )?;
    conn.execute(
        "INSERT INTO audit_log (at, actor, action, interaction_id, detail)
         VALUES (?1, ?2, 'edit_queued', ?3, json_object('outbox_id', ?4, 'text', ?5))",
        params![t, actor, interaction_id.0, id, text],
    )?;
    Ok(id)
}

/// Refuses an edit of an item that is no WB feedback, has no published answer, was
/// edited already or that WB no longer lets be edited.
fn ensure_editable(conn: &Connection, interaction_id: InteractionId) -> Result<()> {
    /// Marketplace, channel, state, answer text, and whether WB still allows an edit.
    type Editable = (String, String, String, Option<String>, Option<bool>);
    let item: Option<Editable> = conn
        .query_row(
            "SELECT a.marketplace, i.channel, i.state, i.answer_text, i.answer_editable
             FROM interactions i JOIN accounts a ON a.id = i.account_id WHERE i.id = ?1",
            params![interaction_id.0],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional()?;
    let Some((marketplace, channel, state, answer, editable)) = item else {
        bail!("interaction {} does not exist", interaction_id.0);
    };
    if (marketplace.as_str(), channel.as_str()) != ("wb", "review") {
        bail!(
            "interaction {} is a {marketplace} {channel}: only WB feedback answers can be edited",
            interaction_id.0
        );
    }
    if !matches!(state.as_str(), "answered" | "archived") || answer.is_none() {
        bail!(
            "interaction {} has no published answer to edit",
            interaction_id.0
        );
    }
    let earlier: Option<i64> = conn
        .query_row(
            "SELECT id FROM outbox WHERE interaction_id = ?1 AND kind = 'edit' AND shadow = 0
               AND state IN ('queued', 'sending', 'accepted', 'visible')
             LIMIT 1",
            params![interaction_id.0],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(earlier) = earlier {
        bail!(
            "interaction {}: its answer was already edited (outbox {earlier}); WB allows one edit",
            interaction_id.0
        );
    }
    if editable != Some(true) {
        bail!(
            "interaction {}: WB no longer allows editing its answer (one edit, within 60 days)",
            interaction_id.0
        );
    }
    Ok(())
}

/// Replies due now, oldest first, whoever can send them.
pub fn due_outbox(conn: &Connection, now: DateTime<Utc>, limit: usize) -> Result<Vec<OutboxItem>> {
    due_outbox_for(conn, now, limit, None)
}

/// Replies due now that a process reaching `reaches` ((account, channel) pairs it has a
/// connector for; `None`: any) may work on: not claimed, or claimed by a process whose
/// claim expired or that is gone. Oldest first. Rows of other shops are left alone.
pub fn due_outbox_for(
    conn: &Connection,
    now: DateTime<Utc>,
    limit: usize,
    reaches: Option<&[(i64, Channel)]>,
) -> Result<Vec<OutboxItem>> {
    let reaches_json = reaches.map(|pairs| {
        serde_json::Value::from(
            pairs
                .iter()
                .map(|(account, channel)| format!("{account}:{}", channel.as_str()))
                .collect::<Vec<_>>(),
        )
        .to_string()
    });
    let sql = format!(
        "SELECT {cols} FROM outbox o
         WHERE o.state IN ('queued', 'sending', 'accepted') AND o.next_attempt_at <= ?1
           AND o.shadow = 0 AND (o.undo_until IS NULL OR o.undo_until <= ?1)
           AND (?3 IS NULL OR (SELECT i.account_id || ':' || i.channel FROM interactions i
                               WHERE i.id = o.interaction_id)
                              IN (SELECT value FROM json_each(?3)))
         ORDER BY o.id LIMIT ?2",
        cols = ITEM_COLUMNS
            .split(',')
            .map(|c| format!("o.{}", c.trim()))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(
        params![to_db_time(now), limit as i64, reaches_json],
        item_from_row,
    )?;
    let items: Vec<OutboxItem> = rows.collect::<Result<_, _>>()?;
    Ok(items
        .into_iter()
        .filter(|item| claim_is_free(item, now))
        .collect())
}

/// Whether a row's claim, if any, may be taken: none, expired, or its process is gone.
fn claim_is_free(item: &OutboxItem, now: DateTime<Utc>) -> bool {
    match (&item.claimed_by, item.claim_expires) {
        (None, _) => true,
        (Some(_), Some(expires)) if expires <= now => true,
        (Some(holder), _) => holder_is_gone(holder),
    }
}

/// Claims one due row for `holder` until `now + ttl`, with one conditional update that
/// only succeeds if nobody else claimed it since it was read. Returns the row as it is
/// now and the claim, or `None` when the row is no longer due or another live process
/// holds it. A claim taken over from a gone or expired holder leaves the row's state as
/// it was: a row found `sending` is looked up on the marketplace before anything is sent.
pub fn claim_outbox(
    conn: &Connection,
    outbox_id: i64,
    holder: &str,
    now: DateTime<Utc>,
    ttl: chrono::Duration,
) -> Result<Option<(OutboxItem, Claim)>> {
    let current = conn
        .query_row(
            &format!("SELECT {ITEM_COLUMNS}, claim_token FROM outbox WHERE id = ?1"),
            params![outbox_id],
            |r| Ok((item_from_row(r)?, r.get::<_, i64>(13)?)),
        )
        .optional()?;
    let Some((item, token)) = current else {
        return Ok(None);
    };
    if item.claimed_by.as_deref() != Some(holder) && !claim_is_free(&item, now) {
        return Ok(None);
    }
    let t = to_db_time(now);
    let claimed = conn
        .query_row(
            &format!(
                "UPDATE outbox SET claimed_by = ?2, claim_token = claim_token + 1,
                                   claim_expires = ?3
                 WHERE id = ?1 AND claimed_by IS ?4 AND claim_token = ?5
                   AND state IN ('queued', 'sending', 'accepted') AND shadow = 0
                   AND next_attempt_at <= ?6 AND (undo_until IS NULL OR undo_until <= ?6)
                 RETURNING {ITEM_COLUMNS}, claim_token"
            ),
            params![
                outbox_id,
                holder,
                to_db_time(now + ttl),
                item.claimed_by,
                token,
                t
            ],
            |r| Ok((item_from_row(r)?, r.get::<_, i64>(13)?)),
        )
        .optional()?;
    let previous = item.claimed_by.filter(|p| p != holder);
    Ok(claimed.map(|(item, token)| {
        if let Some(previous) = previous {
            tracing::info!(outbox = outbox_id, previous, "outbox claim taken over");
        }
        (
            item,
            Claim {
                outbox_id,
                holder: holder.to_string(),
                token,
            },
        )
    }))
}

/// The fence every write of a claimed row carries.
const FENCE: &str = "id = :id AND claimed_by = :holder AND claim_token = :token";

fn fenced(
    conn: &Connection,
    set: &str,
    extra: &str,
    claim: &Claim,
    values: &[(&str, &dyn rusqlite::ToSql)],
) -> Result<bool> {
    let sql = format!("UPDATE outbox SET {set} WHERE {FENCE} {extra}");
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut named: Vec<(&str, &dyn rusqlite::ToSql)> = vec![
        (":id", &claim.outbox_id),
        (":holder", &claim.holder),
        (":token", &claim.token),
    ];
    named.extend_from_slice(values);
    Ok(stmt.execute(named.as_slice())? > 0)
}

/// Gives a claim up without changing the row.
pub fn release_claim(conn: &Connection, claim: &Claim) -> Result<bool> {
    fenced(
        conn,
        "claimed_by = NULL, claim_expires = NULL",
        "",
        claim,
        &[],
    )
}

/// Replies not yet accepted by the marketplace nor given up on: what the status bar calls
/// the outbox size.
pub fn outbox_size(conn: &Connection) -> Result<usize> {
    let n: i64 = conn.query_row(
        "SELECT count(*) FROM outbox WHERE state IN ('queued', 'sending') AND shadow = 0",
        [],
        |r| r.get(0),
    )?;
    Ok(n as usize)
}

/// Replies the marketplace accepted that do not show on their items yet.
pub fn accepted_count(conn: &Connection) -> Result<usize> {
    let n: i64 = conn.query_row(
        "SELECT count(*) FROM outbox WHERE state = 'accepted' AND shadow = 0",
        [],
        |r| r.get(0),
    )?;
    Ok(n as usize)
}

/// Recorded before the network call, so a crash during it is visible on restart. False
/// when the claim was lost or the reply was cancelled meanwhile: then nothing is sent.
pub fn mark_sending(conn: &Connection, claim: &Claim, now: DateTime<Utc>) -> Result<bool> {
    let t = to_db_time(now);
    let moved = fenced(
        conn,
        "state = 'sending', attempts = attempts + 1, updated_at = :now",
        "AND state IN ('queued', 'sending') AND cancelled_at IS NULL",
        claim,
        &[(":now", &t)],
    )?;
    if moved {
        // An auto-reply leaves its item in the queue while it can be undone; from its
        // first attempt on it is on its way.
        conn.execute(
            "UPDATE interactions SET state = 'pending'
             WHERE id = (SELECT interaction_id FROM outbox WHERE id = ?1) AND state = 'open'",
            params![claim.outbox_id],
        )?;
    }
    Ok(moved)
}

/// The marketplace answered 2xx: from here on the reply is never sent again. The first
/// read-back is due at `check_at`.
pub fn mark_accepted(
    conn: &Connection,
    claim: &Claim,
    now: DateTime<Utc>,
    check_at: DateTime<Utc>,
) -> Result<bool> {
    let (t, at) = (to_db_time(now), to_db_time(check_at));
    let moved = fenced(
        conn,
        "state = 'accepted', sent_at = :now, updated_at = :now, last_error = NULL,
         next_attempt_at = :at, checks = 0",
        "",
        claim,
        &[(":now", &t), (":at", &at)],
    )?;
    if moved {
        conn.execute(
            "INSERT INTO audit_log (at, actor, action, interaction_id, detail)
             SELECT ?1, 'outbox', 'reply_accepted', interaction_id, json_object('outbox_id', id)
             FROM outbox WHERE id = ?2",
            params![t, claim.outbox_id],
        )?;
    }
    Ok(moved)
}

/// An accepted reply not yet seen on the item: look again at `check_at` (`None`: the
/// 48 hours of checking are over; reconciliation still settles it when sync sees it).
/// The claim is given up until then.
pub fn schedule_check(
    conn: &Connection,
    claim: &Claim,
    note: Option<&str>,
    check_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<bool> {
    // Far in the future rather than NULL: the due index stays simple.
    let at = check_at.map(to_db_time).unwrap_or(i64::MAX / 2);
    let t = to_db_time(now);
    fenced(
        conn,
        "checks = checks + 1, next_attempt_at = :at, updated_at = :now, last_error = :note,
         claimed_by = NULL, claim_expires = NULL",
        "AND state = 'accepted'",
        claim,
        &[(":at", &at), (":now", &t), (":note", &note)],
    )
}

/// The marketplace shows the answer: the reply is delivered and the item answered.
pub fn mark_visible(conn: &Connection, claim: &Claim, now: DateTime<Utc>) -> Result<bool> {
    let t = to_db_time(now);
    let moved = fenced(
        conn,
        "state = 'visible', confirmed_at = :now, updated_at = :now,
         sent_at = coalesce(sent_at, :now), last_error = NULL,
         claimed_by = NULL, claim_expires = NULL",
        "",
        claim,
        &[(":now", &t)],
    )?;
    if moved {
        answer_item(conn, claim.outbox_id, now)?;
    }
    Ok(moved)
}

/// What the marketplace said, on reading a reply back, about editing it (WB's
/// `editable`): the list sync may not read that item again for a long time. Edits are
/// left alone: theirs is spent.
pub fn note_reply_editable(conn: &Connection, outbox_id: i64, editable: bool) -> Result<()> {
    conn.execute(
        "UPDATE interactions SET answer_editable = ?2
         WHERE id = (SELECT interaction_id FROM outbox WHERE id = ?1 AND kind = 'reply')",
        params![outbox_id, editable],
    )?;
    Ok(())
}

/// Sync saw the answers of accepted replies on their items: they are visible. Returns
/// how many settled.
pub fn settle_accepted_from_items(conn: &Connection, now: DateTime<Utc>) -> Result<usize> {
    let t = to_db_time(now);
    let ids: Vec<i64> = conn
        .prepare_cached(
            "SELECT o.id FROM outbox o JOIN interactions i ON i.id = o.interaction_id
             WHERE o.state = 'accepted' AND i.answer_text IS NOT NULL
               AND trim(i.answer_text) = trim(o.text)",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for id in &ids {
        conn.execute(
            "UPDATE outbox SET state = 'visible', confirmed_at = ?2, updated_at = ?2,
                               last_error = NULL
             WHERE id = ?1 AND state = 'accepted'",
            params![id, t],
        )?;
        answer_item(conn, *id, now)?;
    }
    Ok(ids.len())
}

fn answer_item(conn: &Connection, outbox_id: i64, now: DateTime<Utc>) -> Result<()> {
    let t = to_db_time(now);
    let (interaction_id, text, kind): (i64, String, String) = conn.query_row(
        "SELECT interaction_id, text, kind FROM outbox WHERE id = ?1",
        params![outbox_id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    if kind == OutboxKind::Edit.as_str() {
        // The edited answer is the item's answer now; the one edit is spent.
        conn.execute(
            "UPDATE interactions SET answer_text = ?2, answer_editable = 0 WHERE id = ?1",
            params![interaction_id, text],
        )?;
        conn.execute(
            "INSERT INTO audit_log (at, actor, action, interaction_id, detail)
             VALUES (?1, 'outbox', 'edit_visible', ?2, json_object('outbox_id', ?3))",
            params![t, interaction_id, outbox_id],
        )?;
        return Ok(());
    }
    conn.execute(
        "UPDATE interactions SET state = 'answered',
                answer_text = coalesce(answer_text, ?2),
                answer_moderation = coalesce(answer_moderation, 'under_review'),
                first_answered_at = coalesce(first_answered_at,
                    (SELECT coalesce(sent_at, ?3) FROM outbox WHERE id = ?4))
         WHERE id = ?1 AND state IN ('pending', 'open')",
        params![interaction_id, text, t, outbox_id],
    )?;
    conn.execute(
        "INSERT INTO audit_log (at, actor, action, interaction_id, detail)
         VALUES (?1, 'outbox', 'reply_visible', ?2, json_object('outbox_id', ?3))",
        params![t, interaction_id, outbox_id],
    )?;
    Ok(())
}

/// The marketplace accepted the reply, then refused it (moderation) with `reason`: the
/// item is open again, showing why.
pub fn mark_rejected(
    conn: &Connection,
    claim: &Claim,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let t = to_db_time(now);
    let moved = fenced(
        conn,
        "state = 'rejected', last_error = :reason, updated_at = :now,
         claimed_by = NULL, claim_expires = NULL",
        "",
        claim,
        &[(":reason", &reason), (":now", &t)],
    )?;
    if moved {
        // Our answer may have been shown (answered) before moderation refused it.
        reopen_item(
            conn,
            claim.outbox_id,
            &["pending", "answered"],
            "reply_rejected",
            reason,
            now,
        )?;
    }
    Ok(moved)
}

/// A failed attempt: retried at `retry_at` (looked up on the marketplace first, since the
/// call may have landed), or refused for good when it is `None`, which puts the item back
/// in the queue with the reason.
pub fn mark_failed(
    conn: &Connection,
    claim: &Claim,
    error: &str,
    retry_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<bool> {
    let t = to_db_time(now);
    match retry_at {
        Some(at) => {
            let at = to_db_time(at);
            fenced(
                conn,
                "state = 'queued', last_error = :error, next_attempt_at = :at,
                 updated_at = :now, claimed_by = NULL, claim_expires = NULL",
                "AND state IN ('queued', 'sending')",
                claim,
                &[(":error", &error), (":at", &at), (":now", &t)],
            )
        }
        None => {
            let moved = fenced(
                conn,
                "state = 'failed', last_error = :error, updated_at = :now,
                 claimed_by = NULL, claim_expires = NULL",
                "AND state IN ('queued', 'sending')",
                claim,
                &[(":error", &error), (":now", &t)],
            )?;
            if moved {
                // An item answered by someone else stays answered.
                reopen_item(
                    conn,
                    claim.outbox_id,
                    &["pending"],
                    "reply_failed",
                    error,
                    now,
                )?;
            }
            Ok(moved)
        }
    }
}

fn reopen_item(
    conn: &Connection,
    outbox_id: i64,
    from: &[&str],
    action: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    conn.execute(
        "UPDATE interactions SET state = 'open'
         WHERE id = (SELECT interaction_id FROM outbox WHERE id = ?1)
           AND state IN (SELECT value FROM json_each(?2))",
        params![outbox_id, serde_json::to_string(from)?],
    )?;
    conn.execute(
        "INSERT INTO audit_log (at, actor, action, interaction_id, detail)
         SELECT ?1, 'outbox', ?2, interaction_id, json_object('outbox_id', id, 'error', ?3)
         FROM outbox WHERE id = ?4",
        params![to_db_time(now), action, reason, outbox_id],
    )?;
    Ok(())
}
