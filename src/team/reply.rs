//! A reply written on the shared store (`agentiq reply` with a PostgreSQL url): checked
//! against the same guardrails as on SQLite, then put into the shared outbox through
//! the database's `agentiq_enqueue_reply`, which refuses it unless the person holds the
//! item's claim (or is the owner and nobody else holds it). Nothing is sent from here:
//! the owner's daemon sends it.

use anyhow::Result;

use crate::ai::guardrails::{default_banned_phrases, Level, ReplyGuard, Verdict};
use crate::ai::{Draft, DraftContext};
use crate::store::pg::edits;
use crate::store::pg::outbox::{self as pg, NewReply, Refusal};

/// Replies of the shop a new reply should not repeat, as many as the SQLite path reads.
const RECENT_ANSWERS: i64 = 30;

/// What to queue.
#[derive(Debug, Clone)]
pub struct TeamReply {
    pub item: i64,
    pub text: String,
    /// Queue it despite a block-level finding (the confirmation word was given).
    pub override_block: bool,
    pub idempotency_key: String,
}

#[derive(Debug, Clone)]
pub enum QueuedReply {
    Queued {
        outbox_id: i64,
        verdict: Verdict,
    },
    /// A block-level finding and no override.
    Blocked {
        verdict: Verdict,
    },
    /// The database refused it (no such item, another's claim, answered already).
    Refused(Refusal),
}

/// The guardrails' verdict on `text` for item `item`, or `None` when the connected
/// person cannot see such an item.
pub fn check_reply(
    client: &mut postgres::Client,
    item: i64,
    text: &str,
) -> Result<Option<Verdict>> {
    let Some(interaction) = pg::interaction(client, item)? else {
        return Ok(None);
    };
    let recent = pg::recent_answers(client, interaction.account_id, RECENT_ANSWERS)?;
    // The shared store keeps neither chat threads nor per-shop settings yet: the item's
    // own text and the shipped banned phrases.
    let guard = ReplyGuard::new(
        interaction.channel,
        interaction.marketplace,
        DraftContext::new(&interaction, &[]).customer_text(),
        default_banned_phrases(),
        recent,
    );
    Ok(Some(guard.check(text)))
}

pub fn queue_reply(client: &mut postgres::Client, reply: &TeamReply) -> Result<QueuedReply> {
    queue_checked(client, reply, None, pg::enqueue_reply)
}

/// A reply with the draft it started from (`draft_source`, `draft_text` and the edit
/// distance go with it, as on SQLite).
pub fn queue_drafted_reply(
    client: &mut postgres::Client,
    reply: &TeamReply,
    draft: &Draft,
) -> Result<QueuedReply> {
    queue_checked(client, reply, Some(draft), pg::enqueue_reply)
}

/// An edit of the item's published answer (`reply --edit`): the same guardrails, then
/// the database's `agentiq_enqueue_edit`.
pub fn queue_edit(client: &mut postgres::Client, edit: &TeamReply) -> Result<QueuedReply> {
    queue_checked(client, edit, None, edits::enqueue_edit)
}

/// The guardrails, then `write` unless they block (and no override was given).
fn queue_checked(
    client: &mut postgres::Client,
    reply: &TeamReply,
    draft: Option<&Draft>,
    write: fn(&mut postgres::Client, &NewReply<'_>) -> Result<Result<i64, Refusal>>,
) -> Result<QueuedReply> {
    let Some(verdict) = check_reply(client, reply.item, &reply.text)? else {
        return Ok(QueuedReply::Refused(Refusal::NoSuchItem));
    };
    if verdict.level == Level::Block && !reply.override_block {
        return Ok(QueuedReply::Blocked { verdict });
    }
    let findings = crate::outbox::findings_value(&verdict);
    let queued = write(
        client,
        &NewReply {
            item: reply.item,
            text: &reply.text,
            idempotency_key: &reply.idempotency_key,
            verdict: verdict.level.as_str(),
            findings,
            overridden: verdict.level == Level::Block && reply.override_block,
            draft_source: draft.map(|d| d.source.as_str()),
            draft_text: draft.map(|d| d.text.as_str()),
            edit_distance: draft.map(|d| crate::outbox::edit_distance(&d.text, &reply.text)),
        },
    )?;
    Ok(match queued {
        Ok(outbox_id) => QueuedReply::Queued { outbox_id, verdict },
        Err(refusal) => QueuedReply::Refused(refusal),
    })
}
