//! Background preparation, so opening an item is instant: classify what sync brings in
//! (intent, sentiment, escalations; the SLA tier follows the intent) and draft replies
//! for the top of the queue. Work runs off the writer thread; results go through it.

mod auto;
pub mod auto_live;
mod context;
mod customer;
mod send;

use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;
use chrono::{DateTime, Utc};
use rusqlite::params;
use tokio::sync::{mpsc, Notify};

pub use auto::{
    auto_round, auto_round_with, breaker, AutoPolicy, AutoRound, AUTOMATION_LINK_CONFIDENCE,
    AUTO_RESPONSE_SECTION, HARD_MIN_RATING,
};
pub use context::{approved_answers, reply_guard, DraftInputs};
pub use send::{enqueue_checked, enqueue_edit_checked};

use crate::ai::llm::Provider;
use crate::domain::InteractionId;
use crate::experiments::Resolved;
use crate::protocol::Event;
use crate::store::{self, Store, Writer};

/// Items classified per batch.
const CLASSIFY_BATCH: usize = 500;
/// Drafts kept ready at the top of the queue.
pub const DRAFT_AHEAD: usize = 20;
/// The longest one background read may take, whatever the store's size: past it SQLite
/// interrupts the read (the work is retried on the next round, or done without it).
pub const BACKGROUND_READ_DEADLINE: Duration = Duration::from_millis(500);

pub use crate::domain::Clock;

/// Classifies items that have not been classified since they last changed, and moves
/// their SLA clock to the tier the intent implies. Returns how many were classified.
pub async fn classify_pending(store: &Store, writer: &Writer, now: DateTime<Utc>) -> Result<usize> {
    let store = store.clone();
    let results = tokio::task::spawn_blocking(move || -> Result<Vec<Classified>> {
        let reader = store.reader()?;
        let mut out = Vec::new();
        let mut policies = std::collections::HashMap::new();
        for id in unclassified(&reader)? {
            let Some(item) = store::interaction(&reader, id)? else {
                continue;
            };
            let policy = policies.entry(item.account_id).or_insert_with(|| {
                crate::sla::Policy::load_or_default(&reader, Some(item.account_id))
            });
            out.push(classify_one(&reader, item, policy)?);
        }
        Ok(out)
    })
    .await??;
    let n = results.len();
    if n == 0 {
        return Ok(0);
    }
    writer
        .call(move |conn| save_classified(conn, &results, now))
        .await?;
    Ok(n)
}

/// The next batch of items not classified since they last changed, the most urgent
/// first.
fn unclassified(reader: &rusqlite::Connection) -> Result<Vec<InteractionId>> {
    let mut stmt = reader.prepare(
        "SELECT id FROM interactions WHERE classified_at IS NULL ORDER BY due_at LIMIT ?1",
    )?;
    store::within_deadline(reader, BACKGROUND_READ_DEADLINE, || {
        Ok(stmt
            .query_map(params![CLASSIFY_BATCH as i64], |r| {
                Ok(InteractionId(r.get(0)?))
            })?
            .collect::<Result<Vec<_>, _>>()?)
    })
}

/// An item's classification by the account's own model (with the seller's correction
/// when there is one) and the SLA clock its account's policy gives it.
fn classify_one(
    reader: &rusqlite::Connection,
    item: crate::domain::Interaction,
    policy: &crate::sla::Policy,
) -> Result<Classified> {
    let id = item.id;
    let thread = if item.channel == crate::domain::Channel::Chat {
        store::chat_messages(reader, id)?
    } else {
        Vec::new()
    };
    let c = crate::learning::intents::classify_item(reader, &item, &thread)?;
    let intent = c.intent.as_str();
    // Mentions of a regulator, a court or threats are critical whatever the intent.
    let legal = c.escalations.iter().any(|e| {
        matches!(
            e,
            crate::ai::Escalation::Legal | crate::ai::Escalation::Threat
        )
    });
    let mut facts = crate::sla::ItemFacts::new(item.channel, item.waiting_since)
        .rating(item.rating)
        .intent(Some(intent))
        .marketplace(item.marketplace, item.created_at)
        .legal(legal);
    if item.channel == crate::domain::Channel::Chat {
        facts = facts.new_chat(
            !thread
                .iter()
                .any(|m| m.sender == crate::domain::Sender::Seller),
        );
    }
    let clock = policy.clock_for(&facts);
    Ok(Classified {
        id,
        intent: intent.to_string(),
        intent_confidence: f64::from(c.intent_confidence),
        sentiment: c.sentiment.label.as_str().to_string(),
        sentiment_score: f64::from(c.sentiment.score),
        escalations: serde_json::to_string(
            &c.escalations.iter().map(|e| e.as_str()).collect::<Vec<_>>(),
        )?,
        tier: clock.tier.as_str().to_string(),
        at_risk_at: clock.at_risk_at.timestamp(),
        due_at: clock.due_at.timestamp(),
    })
}

/// Writes the classifications and their clocks, in one transaction.
fn save_classified(
    conn: &mut rusqlite::Connection,
    results: &[Classified],
    now: DateTime<Utc>,
) -> Result<()> {
    let tx = conn.transaction()?;
    for c in results {
        tx.prepare_cached(
            "UPDATE interactions SET intent = ?2, intent_confidence = ?3, sentiment = ?4,
                    sentiment_score = ?5, escalations = ?6, tier = ?7, at_risk_at = ?8,
                    due_at = ?9, classified_at = ?10
             WHERE id = ?1",
        )?
        .execute(params![
            c.id.0,
            c.intent,
            c.intent_confidence,
            c.sentiment,
            c.sentiment_score,
            c.escalations,
            c.tier,
            c.at_risk_at,
            c.due_at,
            now.timestamp()
        ])?;
    }
    tx.commit()?;
    Ok(())
}

struct Classified {
    id: InteractionId,
    intent: String,
    intent_confidence: f64,
    sentiment: String,
    sentiment_score: f64,
    escalations: String,
    tier: String,
    at_risk_at: i64,
    due_at: i64,
}

/// Drafts replies for open items at the top of the queue that have none, offline.
/// Returns how many were written.
pub async fn prepare_drafts(
    store: &Store,
    writer: &Writer,
    now: DateTime<Utc>,
    ahead: usize,
) -> Result<usize> {
    prepare_drafts_with(store, writer, now, ahead, &Provider::Offline).await
}

/// [`prepare_drafts`] with the configured provider.
pub async fn prepare_drafts_with(
    store: &Store,
    writer: &Writer,
    now: DateTime<Utc>,
    ahead: usize,
    provider: &Provider,
) -> Result<usize> {
    let ids = store::items_needing_drafts(&store.reader()?, ahead)?;
    draft_items_with(store, writer, ids, now, provider).await
}

/// Drafts a reply for each of `ids` offline and stores it. Returns how many were written.
pub async fn draft_items(
    store: &Store,
    writer: &Writer,
    ids: Vec<InteractionId>,
    now: DateTime<Utc>,
) -> Result<usize> {
    draft_items_with(store, writer, ids, now, &Provider::Offline).await
}

/// A draft with the guardrails' verdict on it (level and findings as JSON), as stored.
type Judged = (InteractionId, crate::ai::Draft, String, String);

/// The verdict on `draft` for the item of `inputs`, recent answers included: every draft,
/// whoever wrote it, is checked the way the outbox will check it.
fn judge(inputs: &DraftInputs, draft: crate::ai::Draft) -> Result<Judged> {
    let verdict = inputs.check(&draft.text);
    let findings = serde_json::to_string(&verdict.findings.iter().map(|f| {
        serde_json::json!({ "rule": f.rule.as_str(), "severity": f.severity.as_str(), "span": [f.span.start, f.span.end] })
    }).collect::<Vec<_>>())?;
    Ok((
        inputs.interaction.id,
        draft,
        verdict.level.as_str().to_string(),
        findings,
    ))
}

/// Drafts a reply for each of `ids` with `provider` and stores it. The LLM provider falls
/// back to the offline draft on any failure or block-level finding; what it returns is
/// checked again here with the seller's recent answers. Returns how many were written.
pub async fn draft_items_with(
    store: &Store,
    writer: &Writer,
    ids: Vec<InteractionId>,
    now: DateTime<Utc>,
    provider: &Provider,
) -> Result<usize> {
    draft_each(store, writer, ids, now, provider, |_| {}).await
}

/// [`draft_items_with`], in order, each draft stored as soon as it is made and announced
/// to `saved`: the first items' drafts are ready without waiting for the rest.
pub async fn draft_each(
    store: &Store,
    writer: &Writer,
    ids: Vec<InteractionId>,
    now: DateTime<Utc>,
    provider: &Provider,
    mut saved: impl FnMut(InteractionId),
) -> Result<usize> {
    let variant_of = move |id: InteractionId| id.0 as u64 ^ now.timestamp() as u64;
    let mut written = 0;
    for id in ids {
        let loader = store.clone();
        // The item's inputs, shaped by the version that drafts it (`crate::experiments`).
        let load = move || -> Result<Option<(DraftInputs, Resolved)>> {
            let reader = loader.reader()?;
            let Some(mut inputs) = DraftInputs::load(&reader, id)? else {
                return Ok(None);
            };
            let resolved = crate::experiments::resolve(&reader, &inputs.interaction)?;
            crate::experiments::apply(
                &resolved.version,
                &mut inputs.templates,
                &mut inputs.approved,
            );
            Ok(Some((inputs, resolved)))
        };
        let judged = match provider {
            Provider::Offline => {
                tokio::task::spawn_blocking(move || -> Result<Option<(Judged, Resolved)>> {
                    let Some((inputs, resolved)) = load()? else {
                        return Ok(None);
                    };
                    let draft = crate::ai::offline_draft(&inputs.context(), variant_of(id));
                    Ok(Some((judge(&inputs, draft)?, resolved)))
                })
                .await??
            }
            Provider::Llm(_) => match tokio::task::spawn_blocking(load).await?? {
                Some((inputs, resolved)) => {
                    let mut ctx = inputs.context();
                    ctx.instructions = resolved.version.instructions.as_deref();
                    let draft = provider.draft(&ctx, variant_of(id)).await;
                    Some((judge(&inputs, draft)?, resolved))
                }
                None => None,
            },
        };
        let Some((judged, resolved)) = judged else {
            continue;
        };
        save_draft(writer, judged, resolved, provider, now).await?;
        written += 1;
        saved(id);
    }
    Ok(written)
}

/// Stores one draft, and with it what this process knows of the LLM: other processes (an
/// inbox beside a daemon) show the LLM's state from the store.
async fn save_draft(
    writer: &Writer,
    judged: Judged,
    resolved: Resolved,
    provider: &Provider,
    now: DateTime<Utc>,
) -> Result<()> {
    let llm_down = match provider {
        Provider::Llm(p) => Some(p.down()),
        Provider::Offline => None,
    };
    writer
        .call(move |conn| {
            let (id, draft, verdict, findings) = &judged;
            let tx = conn.transaction()?;
            if let Some(down) = &llm_down {
                store::record_llm_health(&tx, down.as_deref(), now)?;
            }
            let draft_id = store::insert_draft(
                &tx,
                &store::NewDraft {
                    interaction_id: *id,
                    text: &draft.text,
                    source: draft.source.as_str(),
                    confidence: f64::from(draft.confidence),
                    prompt_version: draft.prompt_version.as_deref(),
                    verdict,
                    findings_json: findings,
                    reasons: &draft.reasons,
                    model: draft.model.as_deref(),
                },
                "drafter",
                now,
            )?;
            store::record_draft_version(
                &tx,
                draft_id,
                &resolved.version.name,
                resolved.experiment_id,
            )?;
            tx.commit()?;
            Ok(())
        })
        .await
}

/// Classifies and drafts until the event channel closes: after every wake-up (sync
/// brought something in) and every few seconds.
///
/// Several processes may share the store: only the one holding the `prepare` lease
/// works (classifying twice is waste, and drafts or auto-replies twice would be worse);
/// it keeps the lease while it runs and loses it when its process is gone.
pub async fn run(
    store: Store,
    writer: Writer,
    holder: String,
    wake: Arc<Notify>,
    events: mpsc::UnboundedSender<Event>,
    clock: Clock,
    provider: Arc<Provider>,
) {
    loop {
        let now = clock();
        let who = holder.clone();
        let ours = writer
            .call(move |conn| {
                store::try_lease(conn, "prepare", &who, now, chrono::Duration::seconds(60))
            })
            .await
            .unwrap_or(false);
        if !ours {
            if events.is_closed() {
                break;
            }
            tokio::select! {
                _ = wake.notified() => {}
                _ = tokio::time::sleep(Duration::from_secs(3)) => {}
            }
            continue;
        }
        match classify_pending(&store, &writer, now).await {
            Ok(n) if n > 0 => {
                let _ = events.send(Event::DataChanged);
                // More may be waiting: go round again at once.
                continue;
            }
            Ok(_) => {}
            Err(err) => tracing::error!(error = %format!("{err:#}"), "classifying"),
        }
        if let Err(err) = draft_top(&store, &writer, now, &provider, &events).await {
            tracing::error!(error = %format!("{err:#}"), "drafting");
        }
        auto_rounds(&store, &writer, now, &provider, &events).await;
        if events.is_closed() {
            break;
        }
        tokio::select! {
            _ = wake.notified() => {}
            _ = tokio::time::sleep(Duration::from_secs(3)) => {}
        }
    }
}

/// Drafts for the top of the queue, each shown as soon as it is stored.
async fn draft_top(
    store: &Store,
    writer: &Writer,
    now: DateTime<Utc>,
    provider: &Provider,
    events: &mpsc::UnboundedSender<Event>,
) -> Result<usize> {
    let ids = store.reader().and_then(|r| {
        store::within_deadline(&r, BACKGROUND_READ_DEADLINE, || {
            store::items_needing_drafts(&r, DRAFT_AHEAD)
        })
    })?;
    draft_each(store, writer, ids, now, provider, |_| {
        let _ = events.send(Event::DataChanged);
    })
    .await
}

/// A round of the auto-responder for every account.
async fn auto_rounds(
    store: &Store,
    writer: &Writer,
    now: DateTime<Utc>,
    provider: &Provider,
    events: &mpsc::UnboundedSender<Event>,
) {
    let accounts = store
        .reader()
        .and_then(|r| store::accounts(&r))
        .unwrap_or_default();
    for account in accounts {
        match auto_round_with(store, writer, account.id, now, provider).await {
            Ok(round) if round.queued + round.shadowed > 0 => {
                let _ = events.send(Event::DataChanged);
                let _ = events.send(Event::OutboxChanged);
            }
            Ok(round) => {
                if let Some(reason) = round.paused {
                    tracing::warn!(account = %account.name, %reason, "automation paused");
                }
            }
            Err(err) => tracing::error!(error = %format!("{err:#}"), "auto-response"),
        }
    }
}
