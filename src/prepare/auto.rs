//! Auto-response for low-risk items: off by default; when on, a candidate's prepared draft
//! goes through the same guardrails and is only recorded (shadow mode) until the seller
//! deliberately makes the account live ([`super::auto_live`]); live, it waits out an undo
//! window and is logged. At most `hourly_cap` replies an hour per account; a circuit
//! breaker pauses automation when sends fail or findings spike.

use anyhow::Result;
use chrono::{DateTime, Duration, Utc};
use rusqlite::params;
use serde::{Deserialize, Serialize};

use super::auto_live::AutoMode;
use super::enqueue_checked;
use crate::domain::InteractionId;
use crate::outbox::{Actor, EnqueueOutcome, ReplyRequest, SentDraft};
use crate::settings::Section;
use crate::store::{Store, Writer};

/// The `[auto_response]` settings section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AutoPolicy {
    /// Auto-replies run (in shadow mode until the account goes live).
    pub enabled: bool,
    /// Keep recording only, even after going live. `false` alone never makes replies live.
    pub shadow: bool,
    pub undo_seconds: i64,
    /// Auto-replies per account in any hour, at most (shadow ones counted apart).
    pub hourly_cap: u32,
    pub channels: Vec<String>,
    pub intents: Vec<String>,
    pub min_rating: u8,
    pub min_draft_confidence: f64,
    pub max_failures: i64,
    pub max_findings: i64,
    pub window_minutes: i64,
}

impl Default for AutoPolicy {
    fn default() -> Self {
        AutoPolicy {
            enabled: false,
            shadow: false,
            undo_seconds: 60,
            hourly_cap: 20,
            channels: vec!["review".into()],
            intents: vec!["thanks".into()],
            min_rating: 5,
            min_draft_confidence: 0.6,
            max_failures: 3,
            max_findings: 5,
            window_minutes: 60,
        }
    }
}

impl Section for AutoPolicy {
    const KEY: &'static str = "auto_response";
}

/// `[auto_response]` on the settings screen. Off or forced shadow drops the go-live
/// record, so on again starts in shadow.
pub const AUTO_RESPONSE_SECTION: crate::settings::editable::Editable =
    crate::settings::editable::Editable::decoded::<AutoPolicy>().after_store(|conn, scope| {
        super::auto_live::settings_changed(conn, scope, chrono::Utc::now())
    });

/// No review below this is ever answered automatically, whatever the settings say.
pub const HARD_MIN_RATING: u8 = 4;
/// Automation trusts a customer link only when it is the marketplace's own id at this
/// confidence or more.
pub const AUTOMATION_LINK_CONFIDENCE: f64 = 0.85;

/// What one automation round did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AutoRound {
    pub queued: usize,
    pub shadowed: usize,
    /// The hourly cap stopped this round (or would have let more through).
    pub capped: bool,
    /// Queued live, then cancelled: the account stopped being live meanwhile.
    pub withdrawn: usize,
    /// The breaker is open: automation paused, with the reason.
    pub paused: Option<String>,
}

/// Why automation is paused now, if it is.
pub fn breaker(
    conn: &rusqlite::Connection,
    policy: &AutoPolicy,
    account_id: i64,
    now: DateTime<Utc>,
) -> Result<Option<String>> {
    let since = (now - Duration::minutes(policy.window_minutes)).timestamp();
    let failures: i64 = conn.query_row(
        "SELECT count(*) FROM outbox o JOIN interactions i ON i.id = o.interaction_id
         WHERE i.account_id = ?1 AND o.actor = 'auto' AND o.state = 'failed'
           AND coalesce(o.last_error, '') != 'cancelled' AND o.updated_at >= ?2",
        params![account_id, since],
        |r| r.get(0),
    )?;
    if failures >= policy.max_failures {
        return Ok(Some(format!(
            "{failures} auto-replies failed in the last {} min",
            policy.window_minutes
        )));
    }
    let findings: i64 = conn.query_row(
        "SELECT count(*) FROM drafts d JOIN interactions i ON i.id = d.interaction_id
         WHERE i.account_id = ?1 AND d.created_at >= ?2 AND d.verdict IN ('warn', 'block')
           AND i.intent IN (SELECT value FROM json_each(?3))",
        params![account_id, since, serde_json::to_string(&policy.intents)?],
        |r| r.get(0),
    )?;
    if findings >= policy.max_findings {
        return Ok(Some(format!(
            "{findings} candidate drafts drew guardrail findings in the last {} min",
            policy.window_minutes
        )));
    }
    Ok(None)
}

/// The policy's filter on items, shared by the two queries below. An item is taken once
/// per mode: shadow mode skips items with any reply in the outbox; live mode skips only
/// those with a real (non-shadow) one, so what shadow mode recorded can still be answered.
fn eligible(shadow: bool) -> String {
    let outbox = if shadow {
        "NOT EXISTS (SELECT 1 FROM outbox o WHERE o.interaction_id = i.id)"
    } else {
        "NOT EXISTS (SELECT 1 FROM outbox o WHERE o.interaction_id = i.id AND o.shadow = 0)"
    };
    ELIGIBLE.replace("{outbox}", outbox)
}

const ELIGIBLE: &str = "i.account_id = ?1 AND i.state = 'open' AND i.classified_at IS NOT NULL
           AND i.channel IN (SELECT value FROM json_each(?2))
           AND i.intent IN (SELECT value FROM json_each(?3))
           AND (i.channel != 'review' OR i.rating >= ?4)
           AND i.escalations = '[]'
           AND (i.customer_id IS NULL
                OR (i.customer_link_method = 'deterministic' AND i.customer_confidence >= ?5))
           AND {outbox}";

/// Eligible items that have no draft yet (the drafter only works the top of the queue).
fn undrafted(
    conn: &rusqlite::Connection,
    policy: &AutoPolicy,
    account_id: i64,
    shadow: bool,
) -> Result<Vec<InteractionId>> {
    let sql = format!(
        "SELECT i.id FROM interactions i WHERE {}
           AND NOT EXISTS (SELECT 1 FROM drafts d WHERE d.interaction_id = i.id AND d.outcome IS NULL)
         ORDER BY i.due_at LIMIT 50",
        eligible(shadow)
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt
        .query_map(
            params![
                account_id,
                serde_json::to_string(&policy.channels)?,
                serde_json::to_string(&policy.intents)?,
                policy.min_rating.max(HARD_MIN_RATING),
                AUTOMATION_LINK_CONFIDENCE,
            ],
            |r| Ok(InteractionId(r.get(0)?)),
        )?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Items of `account_id` that the policy allows to answer automatically, with their draft.
fn candidates(
    conn: &rusqlite::Connection,
    policy: &AutoPolicy,
    account_id: i64,
    shadow: bool,
    limit: i64,
) -> Result<Vec<(InteractionId, i64, String, String)>> {
    let min_rating = policy.min_rating.max(HARD_MIN_RATING);
    let mut stmt = conn.prepare(&format!(
        "SELECT i.id, d.id, d.text, d.source FROM interactions i
         JOIN drafts d ON d.id = (SELECT max(id) FROM drafts WHERE interaction_id = i.id AND outcome IS NULL)
         WHERE {}
           AND d.verdict = 'pass' AND d.confidence >= ?6
         ORDER BY i.due_at LIMIT {}",
        eligible(shadow),
        limit.clamp(0, 50)
    ))?;
    let rows = stmt
        .query_map(
            params![
                account_id,
                serde_json::to_string(&policy.channels)?,
                serde_json::to_string(&policy.intents)?,
                min_rating,
                AUTOMATION_LINK_CONFIDENCE,
                policy.min_draft_confidence,
            ],
            |r| Ok((InteractionId(r.get(0)?), r.get(1)?, r.get(2)?, r.get(3)?)),
        )?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// One round of automation for one account, drafting offline.
pub async fn auto_round(
    store: &Store,
    writer: &Writer,
    account_id: i64,
    now: DateTime<Utc>,
) -> Result<AutoRound> {
    auto_round_with(
        store,
        writer,
        account_id,
        now,
        &crate::ai::llm::Provider::Offline,
    )
    .await
}

/// One round of automation for one account; missing drafts come from `provider`.
pub async fn auto_round_with(
    store: &Store,
    writer: &Writer,
    account_id: i64,
    now: DateTime<Utc>,
    provider: &crate::ai::llm::Provider,
) -> Result<AutoRound> {
    let (policy, shadow, paused, capped, picked) = {
        let reader = store.reader()?;
        let policy: AutoPolicy = crate::settings::load(&reader, Some(account_id))?;
        let shadow = match super::auto_live::mode(&reader, &policy, account_id)? {
            AutoMode::Off => return Ok(AutoRound::default()),
            AutoMode::Shadow => true,
            AutoMode::Live { .. } => false,
        };
        let room = i64::from(policy.hourly_cap)
            - super::auto_live::used_this_hour(&reader, account_id, shadow, now)?;
        let paused = breaker(&reader, &policy, account_id, now)?;
        let picked = if paused.is_none() && room > 0 {
            let missing = undrafted(&reader, &policy, account_id, shadow)?;
            if !missing.is_empty() {
                super::draft_items_with(store, writer, missing, now, provider).await?;
            }
            candidates(&reader, &policy, account_id, shadow, room)?
        } else {
            Vec::new()
        };
        let capped = room <= picked.len() as i64;
        (policy, shadow, paused, capped, picked)
    };
    let mut round = AutoRound {
        paused,
        capped,
        ..AutoRound::default()
    };
    let mut queued_now = Vec::new();
    for (id, draft_id, text, source) in picked {
        let prefix = if shadow { "shadow" } else { "auto" };
        let request = ReplyRequest {
            interaction_id: id,
            text: text.clone(),
            idempotency_key: format!("{prefix}-{}-{draft_id}", id.0),
            draft: Some(SentDraft {
                // A shadow reply leaves the draft unused: the seller is offered the same
                // text, so the shadow figures compare like with like.
                id: (!shadow).then_some(draft_id),
                text,
                source,
            }),
            override_block: false,
            actor: Actor::Auto,
            undo_until: Some(now + Duration::seconds(policy.undo_seconds.max(0))),
            shadow,
        };
        if let EnqueueOutcome::Queued { outbox_id, .. } =
            enqueue_checked(store, writer, request, now).await?
        {
            if shadow {
                round.shadowed += 1;
                continue;
            }
            round.queued += 1;
            queued_now.push(outbox_id);
            // The kill switch (or a settings change) may have committed while this round
            // was working: after each live reply the mode is read again, and if the shop
            // is no longer live, what this round queued is withdrawn in its undo window.
            let ids = queued_now.clone();
            let withdrawn = writer
                .call(move |conn| withdraw_unless_live(conn, account_id, &ids, now))
                .await?;
            if withdrawn > 0 {
                round.withdrawn = withdrawn;
                round.queued -= withdrawn;
                break;
            }
        }
    }
    Ok(round)
}

/// Cancels `ids` (auto-replies queued this round) unless the account is still live;
/// returns how many were cancelled.
fn withdraw_unless_live(
    conn: &mut rusqlite::Connection,
    account_id: i64,
    ids: &[i64],
    now: DateTime<Utc>,
) -> Result<usize> {
    let tx = conn.transaction()?;
    let mut withdrawn = 0;
    if !matches!(
        super::auto_live::account_mode(&tx, account_id)?,
        AutoMode::Live { .. }
    ) {
        for &id in ids {
            withdrawn += usize::from(crate::outbox::cancel_reply(&tx, id, now)?);
        }
    }
    tx.commit()?;
    Ok(withdrawn)
}
