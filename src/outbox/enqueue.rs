//! Putting a reply in the outbox: checked against the guardrails first, recorded with the
//! draft it came from and how much it was edited, and, for auto-replies, held for an undo
//! window or kept in shadow mode.

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use rusqlite::params;

use crate::ai::guardrails::{Level, Verdict};
use crate::domain::InteractionId;
use crate::prepare::DraftInputs;
use crate::store::{self, OutboxKind, Store, Writer};

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

/// Checks the reply and, unless a block stops it, writes it to the outbox.
pub async fn enqueue_checked(
    store: &Store,
    writer: &Writer,
    request: ReplyRequest,
    now: DateTime<Utc>,
) -> Result<EnqueueOutcome> {
    enqueue_kind(store, writer, request, now, OutboxKind::Reply).await
}

/// Checks a new text for the item's published answer against the same guardrails as a
/// reply and, unless a block stops it, writes the edit to the outbox
/// ([`store::enqueue_edit`] refuses what WB would not allow).
pub async fn enqueue_edit_checked(
    store: &Store,
    writer: &Writer,
    request: ReplyRequest,
    now: DateTime<Utc>,
) -> Result<EnqueueOutcome> {
    anyhow::ensure!(!request.shadow, "an edit is never shadowed");
    enqueue_kind(store, writer, request, now, OutboxKind::Edit).await
}

async fn enqueue_kind(
    store: &Store,
    writer: &Writer,
    request: ReplyRequest,
    now: DateTime<Utc>,
    kind: OutboxKind,
) -> Result<EnqueueOutcome> {
    let reader_store = store.clone();
    let id = request.interaction_id;
    let text = request.text.clone();
    let verdict: Verdict = tokio::task::spawn_blocking(move || -> Result<Verdict> {
        let reader = reader_store.reader()?;
        let inputs = DraftInputs::load(&reader, id)?
            .with_context(|| format!("interaction {} does not exist", id.0))?;
        Ok(inputs.check(&text))
    })
    .await??;
    if verdict.level == Level::Block && !request.override_block {
        return Ok(EnqueueOutcome::Refused {
            reasons: verdict.blocking().map(|f| f.reason_ru.clone()).collect(),
        });
    }
    let level = verdict.level;
    let findings = serde_json::to_string(
        &verdict
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
    )?;
    let overridden = level == Level::Block && request.override_block;
    let outbox_id = writer
        .call(move |conn| {
            let tx = conn.transaction()?;
            let r = &request;
            let outbox_id = if r.shadow {
                // Shadow mode: recorded, never due, the item stays open.
                tx.execute(
                    "INSERT INTO outbox (interaction_id, idempotency_key, text, state, next_attempt_at,
                                         created_at, updated_at, shadow)
                     VALUES (?1, ?2, ?3, 'queued', ?4, ?4, ?4, 1)
                     ON CONFLICT (idempotency_key) DO NOTHING",
                    params![r.interaction_id.0, r.idempotency_key, r.text, now.timestamp()],
                )?;
                tx.query_row(
                    "SELECT id FROM outbox WHERE idempotency_key = ?1",
                    params![r.idempotency_key],
                    |row| row.get(0),
                )?
            } else if kind == OutboxKind::Edit {
                store::enqueue_edit(&tx, r.interaction_id, &r.text, &r.idempotency_key, r.actor.as_str(), now)?
            } else {
                store::enqueue_reply(&tx, r.interaction_id, &r.text, &r.idempotency_key, r.actor.as_str(), now)?
            };
            if r.undo_until.is_some() && !r.shadow {
                // Held for its undo window: the item stays in the queue, showing the
                // countdown, until the outbox starts sending (`store::mark_sending`).
                tx.execute(
                    "UPDATE interactions SET state = 'open' WHERE id = ?1 AND state = 'pending'",
                    params![r.interaction_id.0],
                )?;
            }
            if r.actor == Actor::Human && kind == OutboxKind::Reply {
                // The seller's own reply replaces an auto-reply still waiting to go, so
                // the item is never answered twice.
                tx.execute(
                    "UPDATE outbox SET state = 'failed', last_error = 'superseded', cancelled_at = ?2,
                            updated_at = ?2
                     WHERE interaction_id = ?1 AND id != ?3 AND actor = 'auto' AND state = 'queued'
                       AND attempts = 0 AND shadow = 0",
                    params![r.interaction_id.0, now.timestamp(), outbox_id],
                )?;
            }
            let distance = r.draft.as_ref().map(|d| edit_distance(&d.text, &r.text));
            tx.execute(
                "UPDATE outbox SET draft_source = ?2, draft_text = ?3, edit_distance = ?4, verdict = ?5,
                        findings = ?6, overridden = ?7, actor = ?8, undo_until = ?9,
                        next_attempt_at = max(next_attempt_at, coalesce(?9, 0))
                 WHERE id = ?1",
                params![
                    outbox_id,
                    r.draft.as_ref().map(|d| d.source.as_str()).unwrap_or("manual"),
                    r.draft.as_ref().map(|d| d.text.as_str()),
                    distance,
                    level.as_str(),
                    findings,
                    overridden,
                    r.actor.as_str(),
                    r.undo_until.map(|t| t.timestamp()),
                ],
            )?;
            if let (Some(draft_id), Some(d)) = (r.draft.as_ref().and_then(|d| d.id), distance) {
                let outcome = if d == 0.0 { "sent_as_is" } else { "edited" };
                store::set_draft_outcome(&tx, draft_id, outcome, Some(d))?;
            }
            if r.actor == Actor::Human && kind == OutboxKind::Reply && !r.shadow {
                // The seller's reply teaches the drafts (docs/drafts.md, "What the drafts learn").
                crate::learning::learn_from_reply(
                    &tx,
                    r.interaction_id,
                    r.draft.as_ref().map(|d| d.text.as_str()),
                    &r.text,
                    now,
                )?;
            }
            if let Some(draft_id) = r.draft.as_ref().and_then(|d| d.id) {
                store::record_reply_version(&tx, outbox_id, draft_id)?;
            }
            if overridden {
                tx.execute(
                    "INSERT INTO audit_log (at, actor, action, interaction_id, detail)
                     VALUES (?1, ?2, 'guardrail_overridden', ?3, json_object('outbox_id', ?4, 'findings', json(?5)))",
                    params![now.timestamp(), r.actor.as_str(), r.interaction_id.0, outbox_id, findings],
                )?;
            }
            if r.shadow {
                tx.execute(
                    "INSERT INTO audit_log (at, actor, action, interaction_id, detail)
                     VALUES (?1, 'auto', 'reply_shadowed', ?2, json_object('outbox_id', ?3, 'text', ?4))",
                    params![now.timestamp(), r.interaction_id.0, outbox_id, r.text],
                )?;
            }
            tx.commit()?;
            Ok(outbox_id)
        })
        .await?;
    Ok(EnqueueOutcome::Queued {
        outbox_id,
        verdict: level,
    })
}

/// Undoes a reply still waiting out its undo window: it will not be sent and the item is
/// back in the queue. Returns whether there was something to undo.
pub fn cancel_reply(
    conn: &rusqlite::Connection,
    outbox_id: i64,
    now: DateTime<Utc>,
) -> Result<bool> {
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
