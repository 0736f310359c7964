//! A reply written on the shared store (`agentiq reply` with a PostgreSQL url): checked
//! against the same guardrails as on SQLite, then put into the shared outbox through
//! the database's `agentiq_enqueue_reply`, which refuses it unless the person holds the
//! item's claim (or is the owner and nobody else holds it). Nothing is sent from here:
//! the owner's daemon sends it.

use anyhow::Result;

use crate::ai::guardrails::{default_banned_phrases, Level, ReplyGuard, Verdict};
use crate::ai::DraftContext;
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
    let Some(verdict) = check_reply(client, reply.item, &reply.text)? else {
        return Ok(QueuedReply::Refused(Refusal::NoSuchItem));
    };
    if verdict.level == Level::Block && !reply.override_block {
        return Ok(QueuedReply::Blocked { verdict });
    }
    let findings = crate::outbox::findings_value(&verdict);
    let queued = pg::enqueue_reply(
        client,
        &NewReply {
            item: reply.item,
            text: &reply.text,
            idempotency_key: &reply.idempotency_key,
            verdict: verdict.level.as_str(),
            findings,
            overridden: verdict.level == Level::Block && reply.override_block,
            draft_source: None,
            draft_text: None,
            edit_distance: None,
        },
    )?;
    Ok(match queued {
        Ok(outbox_id) => QueuedReply::Queued { outbox_id, verdict },
        Err(refusal) => QueuedReply::Refused(refusal),
    })
}
