//! Putting a reply in the outbox: checked against the guardrails first, recorded with the
//! draft it came from and how much it was edited, and, for auto-replies, held for an undo
//! window or kept in shadow mode.

use anyhow::Result;
use chrono::{DateTime, Utc};
use rusqlite::Transaction;

use crate::ai::guardrails::{Level, ReplyGuard, Verdict};
use crate::domain::InteractionId;
use crate::store::{self, OutboxKind, Writer};

/// Who sends a reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    Human,
    Auto,
}

impl Actor {
    pub fn as_str(self) -> &'static str {
        match self {
            Actor::Human => "human",
            Actor::Auto => "auto",
        }
    }
}

/// The draft a reply started from.
#[derive(Debug, Clone, PartialEq)]
pub struct SentDraft {
    /// The stored draft, when it came from the store.
    pub id: Option<i64>,
    pub text: String,
    /// template | reuse | llm
    pub source: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ReplyRequest {
    pub interaction_id: InteractionId,
    pub text: String,
    pub idempotency_key: String,
    pub draft: Option<SentDraft>,
    /// The seller typed the confirmation to send despite a block-level finding.
    pub override_block: bool,
    pub actor: Actor,
    /// Auto-replies wait until then and can be undone meanwhile.
    pub undo_until: Option<DateTime<Utc>>,
    /// Record what would have been sent; never send.
    pub shadow: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum EnqueueOutcome {
    Queued {
        outbox_id: i64,
        verdict: Level,
    },
    /// Not queued: a block-level finding and no deliberate override. Reasons in Russian.
    Refused {
        reasons: Vec<String>,
    },
}

/// Normalised edit distance (0 = unchanged, 1 = all new) from the draft to what is sent.
pub fn edit_distance(draft: &str, sent: &str) -> f64 {
    f64::from(1.0 - crate::ai::normalize::similarity_normalized(draft.trim(), sent.trim()))
        .clamp(0.0, 1.0)
}

/// Checks the reply against `guard` (what the caller knows a reply to this item is checked
/// against: `prepare::enqueue_checked` reads it from the store) and, unless a block stops
/// it, writes it to the outbox.
pub async fn enqueue_guarded(
    writer: &Writer,
    request: ReplyRequest,
    guard: &ReplyGuard,
    now: DateTime<Utc>,
) -> Result<EnqueueOutcome> {
    let verdict = guard.check(&request.text);
    enqueue_kind(writer, request, verdict, now, OutboxKind::Reply).await
}

/// Checks a new text for the item's published answer against the same guard as a reply
/// and, unless a block stops it, writes the edit to the outbox ([`store::enqueue_edit`]
/// refuses what WB would not allow).
pub async fn enqueue_edit_guarded(
    writer: &Writer,
    request: ReplyRequest,
    guard: &ReplyGuard,
    now: DateTime<Utc>,
) -> Result<EnqueueOutcome> {
    anyhow::ensure!(!request.shadow, "an edit is never shadowed");
    let verdict = guard.check(&request.text);
    enqueue_kind(writer, request, verdict, now, OutboxKind::Edit).await
}

async fn enqueue_kind(
    writer: &Writer,
    request: ReplyRequest,
    verdict: Verdict,
    now: DateTime<Utc>,
    kind: OutboxKind,
) -> Result<EnqueueOutcome> {
    if verdict.level == Level::Block && !request.override_block {
        return Ok(EnqueueOutcome::Refused {
            reasons: verdict.blocking().map(|f| f.reason_ru.clone()).collect(),
        });
    }
    let level = verdict.level;
    let findings = findings_json(&verdict)?;
    let outbox_id = writer
        .call(move |conn| {
            let tx = conn.transaction()?;
            let outbox_id = write_reply(&tx, &request, kind, level, &findings, now)?;
            tx.commit()?;
            Ok(outbox_id)
        })
        .await?;
    Ok(EnqueueOutcome::Queued {
        outbox_id,
        verdict: level,
    })
}

/// The findings as the outbox row and the audit log keep them (SQLite and the shared
/// PostgreSQL outbox alike).
pub fn findings_value(verdict: &Verdict) -> serde_json::Value {
    serde_json::Value::from(
        verdict
            .findings
            .iter()
            .map(|f| {
                serde_json::json!({
                    "rule": f.rule.as_str(),
                    "severity": f.severity.as_str(),
                    "span": [f.span.start, f.span.end],
                })
            })
            .collect::<Vec<_>>(),
    )
}

fn findings_json(verdict: &Verdict) -> Result<String> {
    Ok(serde_json::to_string(&findings_value(verdict))?)
}

/// Writes a checked reply in one transaction: the outbox row, what it does to the item
/// and to other replies, the draft it came from, what it teaches, and the audit records.
fn write_reply(
    tx: &Transaction<'_>,
    r: &ReplyRequest,
    kind: OutboxKind,
    level: Level,
    findings: &str,
    now: DateTime<Utc>,
) -> Result<i64> {
    let overridden = level == Level::Block && r.override_block;
    let outbox_id = if r.shadow {
        // Shadow mode: recorded, never due, the item stays open.
        store::enqueue_shadow(tx, r.interaction_id, &r.text, &r.idempotency_key, now)?
    } else if kind == OutboxKind::Edit {
        store::enqueue_edit(
            tx,
            r.interaction_id,
            &r.text,
            &r.idempotency_key,
            r.actor.as_str(),
            now,
        )?
    } else {
        store::enqueue_reply(
            tx,
            r.interaction_id,
            &r.text,
            &r.idempotency_key,
            r.actor.as_str(),
            now,
        )?
    };
    if r.undo_until.is_some() && !r.shadow {
        // Held for its undo window: the item stays in the queue, showing the
        // countdown, until the outbox starts sending (`store::mark_sending`).
        store::hold_in_queue(tx, r.interaction_id)?;
    }
    if r.actor == Actor::Human && kind == OutboxKind::Reply {
        // The seller's own reply replaces an auto-reply still waiting to go, so
        // the item is never answered twice.
        store::supersede_auto_replies(tx, r.interaction_id, outbox_id, now)?;
    }
    let distance = r.draft.as_ref().map(|d| edit_distance(&d.text, &r.text));
    let details = store::ReplyDetails {
        draft_source: r
            .draft
            .as_ref()
            .map(|d| d.source.as_str())
            .unwrap_or("manual"),
        draft_text: r.draft.as_ref().map(|d| d.text.as_str()),
        edit_distance: distance,
        verdict: level.as_str(),
        findings,
        overridden,
        actor: r.actor.as_str(),
        undo_until: r.undo_until,
    };
    store::record_reply_details(tx, outbox_id, &details)?;
    if let (Some(draft_id), Some(d)) = (r.draft.as_ref().and_then(|d| d.id), distance) {
        let outcome = if d == 0.0 { "sent_as_is" } else { "edited" };
        store::set_draft_outcome(tx, draft_id, outcome, Some(d))?;
    }
    if r.actor == Actor::Human && kind == OutboxKind::Reply && !r.shadow {
        // The seller's reply teaches the drafts (docs/drafts.md, "What the drafts learn").
        crate::learning::learn_from_reply(
            tx,
            r.interaction_id,
            r.draft.as_ref().map(|d| d.text.as_str()),
            &r.text,
            now,
        )?;
    }
    if let Some(draft_id) = r.draft.as_ref().and_then(|d| d.id) {
        store::record_reply_version(tx, outbox_id, draft_id)?;
    }
    audit(tx, r, outbox_id, overridden, findings, now)?;
    Ok(outbox_id)
}

/// The audit records of a reply sent despite a block, or of a shadow reply.
fn audit(
    tx: &Transaction<'_>,
    r: &ReplyRequest,
    outbox_id: i64,
    overridden: bool,
    findings: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    if overridden {
        store::audit_guardrail_overridden(
            tx,
            now,
            r.actor.as_str(),
            r.interaction_id,
            outbox_id,
            findings,
        )?;
    }
    if r.shadow {
        store::audit_reply_shadowed(tx, now, r.interaction_id, outbox_id, &r.text)?;
    }
    Ok(())
}

/// Undoes a reply still waiting out its undo window: it will not be sent and the item is
/// back in the queue. Returns whether there was something to undo.
pub fn cancel_reply(
    conn: &rusqlite::Connection,
    outbox_id: i64,
    now: DateTime<Utc>,
) -> Result<bool> {
    store::cancel_queued_reply(conn, outbox_id, now)
}
