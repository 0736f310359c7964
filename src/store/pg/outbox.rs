//! The shared outbox on PostgreSQL: the same rows, states and fencing as the SQLite
//! outbox (`store::outbox`), so the one state machine in `crate::outbox` drives both.
//!
//! A row is claimed with a conditional update on its fencing token; every later write
//! names the claim (`id`, `claimed_by`, `claim_token`), so a daemon whose claim was taken
//! over cannot move the row. A claim stands while its expiry is in the future (renewed by
//! the daemon) and the claimant's session lives: the claimant holds a session advisory
//! lock (`claim_lock`), which PostgreSQL frees the moment that session ends, so a killed
//! daemon's rows are taken over at once — and a row found `sending` is read back on the
//! marketplace before anything is sent again.

use anyhow::{bail, Context, Result};
use chrono::{DateTime, Utc};
use postgres::error::SqlState;
use postgres::{GenericClient, Row};

use super::whole_seconds;
use crate::domain::{
    Answer, AnswerState, Channel, Interaction, InteractionId, Marketplace, ModerationState,
    ProductRef, Rating,
};
use crate::store::{Claim, OutboxItem, OutboxKind, OutboxState};

const COLUMNS: &str = "o.id, o.interaction_id, o.idempotency_key, o.text, o.state, o.attempts,
     o.last_error, o.created_at, o.sent_at, o.checks, o.claimed_by, o.claim_expires, o.kind,
     o.claim_token";

fn item_of(r: &Row) -> OutboxItem {
    OutboxItem {
        id: r.get(0),
        interaction_id: InteractionId(r.get(1)),
        idempotency_key: r.get(2),
        text: r.get(3),
        state: OutboxState::parse(r.get(4)).unwrap_or(OutboxState::Queued),
        attempts: u32::try_from(r.get::<_, i32>(5)).unwrap_or(0),
        last_error: r.get(6),
        created_at: r.get(7),
        sent_at: r.get(8),
        checks: u32::try_from(r.get::<_, i32>(9)).unwrap_or(0),
        claimed_by: r.get(10),
        claim_expires: r.get(11),
        kind: match r.get::<_, &str>(12) {
            "edit" => OutboxKind::Edit,
            _ => OutboxKind::Reply,
        },
    }
}

/// A claim may be taken: none, expired, or its claimant's session is gone.
const CLAIM_IS_FREE: &str = "(o.claimed_by IS NULL OR o.claim_expires <= $now
     OR o.claim_lock IS NULL OR NOT agentiq_session_alive(o.claim_lock))";

/// Rows due at `now` whose item is of an (account, channel) in `reaches`, with a free
/// claim, oldest first.
pub fn due_outbox(
    client: &mut impl GenericClient,
    now: DateTime<Utc>,
    limit: i64,
    reaches: &[(i64, Channel)],
) -> Result<Vec<OutboxItem>> {
    let pairs: Vec<String> = reaches
        .iter()
        .map(|(account, channel)| format!("{account}:{}", channel.as_str()))
        .collect();
    let sql = format!(
        "SELECT {COLUMNS} FROM outbox o JOIN interactions i ON i.id = o.interaction_id
         WHERE o.state IN ('queued', 'sending', 'accepted') AND o.next_attempt_at <= $1
           AND NOT o.shadow AND (i.account_id::text || ':' || i.channel) = ANY($3)
           AND {free}
         ORDER BY o.id LIMIT $2",
        free = CLAIM_IS_FREE.replace("$now", "$1")
    );
    let rows = client
        .query(&sql, &[&now, &limit, &pairs])
        .context("reading the due replies")?;
    Ok(rows.iter().map(item_of).collect())
}

/// Claims row `outbox_id` for `holder` (whose session holds advisory lock `lock`) until
/// `now + ttl`, when it is due and its claim is free or already `holder`'s: the update
/// only lands if the token is still the one read, so two claimants never both win.
pub fn claim_outbox(
    client: &mut impl GenericClient,
    outbox_id: i64,
    holder: &str,
    lock: i64,
    now: DateTime<Utc>,
    ttl: chrono::Duration,
) -> Result<Option<(OutboxItem, Claim)>> {
    let current = client.query_opt(
        &format!(
            "SELECT o.claim_token, o.claimed_by, (o.claimed_by = $2 OR {free})
             FROM outbox o WHERE o.id = $1",
            free = CLAIM_IS_FREE.replace("$now", "$3")
        ),
        &[&outbox_id, &holder, &now],
    )?;
    let Some(current) = current else {
        return Ok(None);
    };
    let (token, previous, free): (i64, Option<String>, bool) =
        (current.get(0), current.get(1), current.get(2));
    if !free {
        return Ok(None);
    }
    let claimed = client
        .query_opt(
            &format!(
                "UPDATE outbox o SET claimed_by = $2, claim_token = claim_token + 1,
                                     claim_expires = $3, claim_lock = $4
                 WHERE o.id = $1 AND o.claim_token = $5
                   AND o.state IN ('queued', 'sending', 'accepted') AND NOT o.shadow
                   AND o.next_attempt_at <= $6
                 RETURNING {COLUMNS}"
            ),
            &[&outbox_id, &holder, &(now + ttl), &lock, &token, &now],
        )
        .with_context(|| format!("claiming outbox row {outbox_id}"))?;
    Ok(claimed.map(|row| {
        if let Some(previous) = previous.filter(|p| p != holder) {
            tracing::info!(outbox = outbox_id, previous, "outbox claim taken over");
        }
        (
            item_of(&row),
            Claim {
                outbox_id,
                holder: holder.to_string(),
                token: row.get(13),
            },
        )
    }))
}

/// Keeps `holder`'s claims alive until `until` (its heartbeat).
pub fn renew_claims(
    client: &mut impl GenericClient,
    holder: &str,
    until: DateTime<Utc>,
) -> Result<u64> {
    Ok(client.execute(
        "UPDATE outbox SET claim_expires = $2 WHERE claimed_by = $1 AND claim_expires IS NOT NULL",
        &[&holder, &until],
    )?)
}

/// `UPDATE outbox SET {set} WHERE` the claim still stands `{extra}`; `$1..$3` are the
/// claim, further parameters follow. Whether the row moved.
fn fenced(
    client: &mut impl GenericClient,
    set: &str,
    extra: &str,
    claim: &Claim,
    values: &[&(dyn postgres::types::ToSql + Sync)],
) -> Result<bool> {
    let sql = format!(
        "UPDATE outbox SET {set} WHERE id = $1 AND claimed_by = $2 AND claim_token = $3 {extra}"
    );
    let mut params: Vec<&(dyn postgres::types::ToSql + Sync)> =
        vec![&claim.outbox_id, &claim.holder, &claim.token];
    params.extend_from_slice(values);
    Ok(client.execute(&sql, &params)? > 0)
}

fn audit(
    client: &mut impl GenericClient,
    now: DateTime<Utc>,
    action: &str,
    outbox_id: i64,
    detail: serde_json::Value,
) -> Result<()> {
    client.execute(
        "INSERT INTO audit_log (at, actor, action, interaction_id, detail)
         SELECT $1, 'outbox', $2, interaction_id, $3 || jsonb_build_object('outbox_id', id)
         FROM outbox WHERE id = $4",
        &[&now, &action, &detail, &outbox_id],
    )?;
    Ok(())
}

pub fn release_claim(client: &mut impl GenericClient, claim: &Claim) -> Result<bool> {
    fenced(
        client,
        "claimed_by = NULL, claim_expires = NULL, claim_lock = NULL",
        "",
        claim,
        &[],
    )
}

/// Recorded before the network call, so a daemon killed during it leaves the row
/// `sending` and whoever takes it over looks before sending again.
pub fn mark_sending(
    client: &mut impl GenericClient,
    claim: &Claim,
    now: DateTime<Utc>,
) -> Result<bool> {
    let mut tx = client.transaction()?;
    let moved = fenced(
        &mut tx,
        "state = 'sending', attempts = attempts + 1, updated_at = $4",
        "AND state IN ('queued', 'sending') AND cancelled_at IS NULL",
        claim,
        &[&now],
    )?;
    if moved {
        tx.execute(
            "UPDATE interactions SET state = 'pending'
             WHERE id = (SELECT interaction_id FROM outbox WHERE id = $1) AND state = 'open'",
            &[&claim.outbox_id],
        )?;
    }
    tx.commit()?;
    Ok(moved)
}

pub fn mark_accepted(
    client: &mut impl GenericClient,
    claim: &Claim,
    now: DateTime<Utc>,
    check_at: DateTime<Utc>,
) -> Result<bool> {
    let mut tx = client.transaction()?;
    let moved = fenced(
        &mut tx,
        "state = 'accepted', sent_at = $4, updated_at = $4, last_error = NULL,
         next_attempt_at = $5, checks = 0",
        "",
        claim,
        &[&now, &check_at],
    )?;
    if moved {
        audit(
            &mut tx,
            now,
            "reply_accepted",
            claim.outbox_id,
            serde_json::json!({}),
        )?;
    }
    tx.commit()?;
    Ok(moved)
}

/// An accepted reply not yet shown: look again at `check_at` (`None`: checking is over;
/// sync settles it when it sees the answer). The claim is given up until then.
pub fn schedule_check(
    client: &mut impl GenericClient,
    claim: &Claim,
    note: Option<&str>,
    check_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<bool> {
    // Far in the future rather than NULL, as in SQLite.
    let at = check_at.unwrap_or(now + chrono::Duration::days(36_500));
    fenced(
        client,
        "checks = checks + 1, next_attempt_at = $4, updated_at = $5, last_error = $6,
         claimed_by = NULL, claim_expires = NULL, claim_lock = NULL",
        "AND state = 'accepted'",
        claim,
        &[&at, &now, &note],
    )
}

/// Read back on the item: delivered, and the item answered.
pub fn mark_visible(
    client: &mut impl GenericClient,
    claim: &Claim,
    now: DateTime<Utc>,
) -> Result<bool> {
    let mut tx = client.transaction()?;
    let moved = fenced(
        &mut tx,
        "state = 'visible', confirmed_at = $4, updated_at = $4, sent_at = coalesce(sent_at, $4),
         last_error = NULL, claimed_by = NULL, claim_expires = NULL, claim_lock = NULL",
        "",
        claim,
        &[&now],
    )?;
    if moved {
        answer_item(&mut tx, claim.outbox_id, now)?;
    }
    tx.commit()?;
    Ok(moved)
}

fn answer_item(client: &mut impl GenericClient, outbox_id: i64, now: DateTime<Utc>) -> Result<()> {
    // An edit: the edited answer is the item's answer now (WB's one edit is spent, as
    // the item's next sync says and agentiq_enqueue_edit checks).
    let edited = client.execute(
        "UPDATE interactions i SET answer_text = o.text, answer_editable = false FROM outbox o
         WHERE o.id = $1 AND o.kind = 'edit' AND i.id = o.interaction_id",
        &[&outbox_id],
    )?;
    if edited > 0 {
        return audit(
            client,
            now,
            "edit_visible",
            outbox_id,
            serde_json::json!({}),
        );
    }
    client.execute(
        "UPDATE interactions i SET state = 'answered',
                answer_text = coalesce(i.answer_text, o.text),
                first_answered_at = coalesce(i.first_answered_at, o.sent_at, $2)
         FROM outbox o
         WHERE o.id = $1 AND i.id = o.interaction_id AND i.state IN ('pending', 'open')",
        &[&outbox_id, &now],
    )?;
    audit(
        client,
        now,
        "reply_visible",
        outbox_id,
        serde_json::json!({}),
    )
}

/// Sync saw the answers of accepted replies on their items: they are visible. How many.
pub fn settle_accepted_from_items(
    client: &mut impl GenericClient,
    now: DateTime<Utc>,
) -> Result<usize> {
    let mut tx = client.transaction()?;
    let ids: Vec<i64> = tx
        .query(
            "UPDATE outbox o SET state = 'visible', confirmed_at = $1, updated_at = $1,
                                 last_error = NULL
             FROM interactions i
             WHERE i.id = o.interaction_id AND o.state = 'accepted'
               AND i.answer_text IS NOT NULL AND trim(i.answer_text) = trim(o.text)
             RETURNING o.id",
            &[&now],
        )?
        .iter()
        .map(|r| r.get(0))
        .collect();
    for id in &ids {
        answer_item(&mut tx, *id, now)?;
    }
    tx.commit()?;
    Ok(ids.len())
}

/// Accepted, then refused by moderation: the item is open again, showing why.
pub fn mark_rejected(
    client: &mut impl GenericClient,
    claim: &Claim,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let mut tx = client.transaction()?;
    let moved = fenced(
        &mut tx,
        "state = 'rejected', last_error = $4, updated_at = $5,
         claimed_by = NULL, claim_expires = NULL, claim_lock = NULL",
        "",
        claim,
        &[&reason, &now],
    )?;
    if moved {
        reopen_item(
            &mut tx,
            claim.outbox_id,
            &["pending", "answered"],
            "reply_rejected",
            reason,
            now,
        )?;
    }
    tx.commit()?;
    Ok(moved)
}

/// A failed attempt: retried at `retry_at`, or refused for good (`None`), which puts the
/// item back in the queue with the reason.
pub fn mark_failed(
    client: &mut impl GenericClient,
    claim: &Claim,
    error: &str,
    retry_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<bool> {
    let mut tx = client.transaction()?;
    let moved = match retry_at {
        Some(at) => fenced(
            &mut tx,
            "state = 'queued', last_error = $4, next_attempt_at = $5, updated_at = $6,
             claimed_by = NULL, claim_expires = NULL, claim_lock = NULL",
            "AND state IN ('queued', 'sending')",
            claim,
            &[&error, &at, &now],
        )?,
        None => {
            let moved = fenced(
                &mut tx,
                "state = 'failed', last_error = $4, updated_at = $5,
                 claimed_by = NULL, claim_expires = NULL, claim_lock = NULL",
                "AND state IN ('queued', 'sending')",
                claim,
                &[&error, &now],
            )?;
            if moved {
                reopen_item(
                    &mut tx,
                    claim.outbox_id,
                    &["pending"],
                    "reply_failed",
                    error,
                    now,
                )?;
            }
            moved
        }
    };
    tx.commit()?;
    Ok(moved)
}

fn reopen_item(
    client: &mut impl GenericClient,
    outbox_id: i64,
    from: &[&str],
    action: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let from: Vec<String> = from.iter().map(|s| s.to_string()).collect();
    client.execute(
        "UPDATE interactions SET state = 'open'
         WHERE id = (SELECT interaction_id FROM outbox WHERE id = $1) AND state = ANY($2)",
        &[&outbox_id, &from],
    )?;
    audit(
        client,
        now,
        action,
        outbox_id,
        serde_json::json!({ "error": reason }),
    )
}

/// Item `id` as the domain knows it, or `None` when there is none (or row-level security
/// hides it from the connected person).
pub fn interaction(client: &mut impl GenericClient, id: i64) -> Result<Option<Interaction>> {
    let row = client.query_opt(
        "SELECT i.id, i.account_id, a.name, a.marketplace, i.channel, i.external_id,
                i.product_external_id, i.product_name, i.customer_name, i.text, i.pros, i.cons,
                i.rating, i.created_at, i.waiting_since, i.state, i.answer_text, i.at_risk_at,
                i.due_at, i.reply_handle, i.answer_editable
         FROM interactions i JOIN accounts a ON a.id = i.account_id WHERE i.id = $1",
        &[&id],
    )?;
    row.map(|r| interaction_of(&r)).transpose()
}

fn interaction_of(r: &Row) -> Result<Interaction> {
    let marketplace: Marketplace = r
        .get::<_, &str>(3)
        .parse()
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let channel: Channel = r
        .get::<_, &str>(4)
        .parse()
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let Some(state) = AnswerState::parse(r.get(15)) else {
        bail!("item {} has an unknown state", r.get::<_, i64>(0));
    };
    Ok(Interaction {
        id: InteractionId(r.get(0)),
        account_id: r.get(1),
        account_name: r.get(2),
        marketplace,
        channel,
        external_id: r.get(5),
        product: r.get::<_, Option<String>>(6).map(|external_id| ProductRef {
            external_id,
            name: r.get(7),
            brand: None,
        }),
        customer_name: r.get(8),
        text: r.get(9),
        pros: r.get(10),
        cons: r.get(11),
        photos: 0,
        rating: r
            .get::<_, Option<i16>>(12)
            .and_then(|n| u8::try_from(n).ok())
            .and_then(Rating::new),
        created_at: whole_seconds(r.get(13)),
        waiting_since: whole_seconds(r.get(14)),
        state,
        answer: r.get::<_, Option<String>>(16).map(|text| Answer {
            text,
            moderation: ModerationState::Published,
            editable: r.get::<_, Option<bool>>(20) == Some(true),
        }),
        at_risk_at: whole_seconds(r.get(17)),
        due_at: whole_seconds(r.get(18)),
        reply_handle: r.get(19),
    })
}

/// The newest replies sent for shop `account_id`, which a new reply should not repeat.
pub fn recent_answers(
    client: &mut impl GenericClient,
    account_id: i64,
    limit: i64,
) -> Result<Vec<String>> {
    Ok(client
        .query(
            "SELECT o.text FROM outbox o JOIN interactions i ON i.id = o.interaction_id
             WHERE i.account_id = $1 AND o.kind = 'reply' AND NOT o.shadow
               AND o.state IN ('queued', 'sending', 'accepted', 'visible')
             ORDER BY o.id DESC LIMIT $2",
            &[&account_id, &limit],
        )?
        .iter()
        .map(|r| r.get(0))
        .collect())
}

/// A reply as the connected person writes it into the shared outbox.
#[derive(Debug, Clone)]
pub struct NewReply<'a> {
    pub item: i64,
    pub text: &'a str,
    pub idempotency_key: &'a str,
    pub verdict: &'a str,
    pub findings: serde_json::Value,
    pub overridden: bool,
    pub draft_source: Option<&'a str>,
    pub draft_text: Option<&'a str>,
    pub edit_distance: Option<f64>,
}

/// Why the database refused a reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    NoSuchItem,
    /// Someone else holds the claim, or the person does not hold it.
    Claim(String),
    /// Answered already, or a reply is on its way.
    Answered(String),
}

/// Writes a reply through `agentiq_enqueue_reply`, which checks the claim and the item
/// in the database (members cannot write the outbox any other way).
pub fn enqueue_reply(
    client: &mut impl GenericClient,
    reply: &NewReply<'_>,
) -> Result<std::result::Result<i64, Refusal>> {
    let result = client.query_one(
        "SELECT agentiq_enqueue_reply($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        &[
            &reply.item,
            &reply.text,
            &reply.idempotency_key,
            &reply.verdict,
            &reply.findings,
            &reply.overridden,
            &reply.draft_source,
            &reply.draft_text,
            &reply.edit_distance,
        ],
    );
    match result {
        Ok(row) => Ok(Ok(row.get(0))),
        Err(err) => refusal(err, "queueing the reply").map(Err),
    }
}

/// What the database's refusal of a write through `agentiq_enqueue_*` means, or the
/// error itself when it is no refusal.
pub(crate) fn refusal(err: postgres::Error, doing: &'static str) -> Result<Refusal> {
    let Some(db) = err.as_db_error() else {
        return Err(err).context(doing);
    };
    let message = db.message().to_string();
    Ok(match db.code().code() {
        "AQ404" => Refusal::NoSuchItem,
        "AQ409" => Refusal::Claim(message),
        "AQ422" => Refusal::Answered(message),
        _ if db.code() == &SqlState::INSUFFICIENT_PRIVILEGE => Refusal::Claim(message),
        _ => return Err(err).context(doing),
    })
}
