//! The outbox: delivers each reply exactly once, however many processes share the store.
//!
//! A reply is in the database before any network call. A process works on a row only
//! after claiming it (one conditional update in the writer: owner and fencing token);
//! every later write names the claim, so a process that lost it cannot move the row.
//! Claims are kept alive by the process's heartbeat while it works and are taken over
//! only when they expire or their process is gone — and a row found `sending` is then
//! looked up on the marketplace before anything is sent again.
//!
//! States tell what the marketplace said: `accepted` (2xx) is never sent again nor
//! reopened; it becomes `visible` once re-reading the item shows our text (checked with
//! backoff for up to 48 h, and by sync), or `rejected` when moderation refuses it. Only a
//! final refusal before acceptance is `failed`.
//!
//! An edit of a published answer (WB feedbacks, once) is a row of kind `edit` and goes
//! the same way: a row found `sending` is read back first, and the edit is sent again
//! only while the item still shows the old text. Its item stays answered throughout.

mod enqueue;
mod storage;

pub use enqueue::{
    cancel_reply, edit_distance, enqueue_edit_guarded, enqueue_guarded, findings_value, Actor,
    EnqueueOutcome, ReplyRequest, SentDraft,
};
pub use storage::{OutboxStorage, SqliteOutbox};

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use tokio::sync::{mpsc, Notify};

use crate::connectors::{Connector, ConnectorError, PostedAnswer, ReplyTarget};
use crate::domain::{Channel, Interaction, ModerationState};
use crate::protocol::Event;
use crate::store::{self, Claim, OutboxItem, OutboxKind, OutboxState, ProcessKind, Store, Writer};

/// Attempts before a transiently failing reply is given up on and handed back.
pub const MAX_ATTEMPTS: u32 = 8;

/// How long an accepted reply is read back before active checks stop.
pub const CHECK_FOR: chrono::Duration = chrono::Duration::hours(48);

pub use crate::domain::Clock;

/// A claim lasts this long without renewal; the heartbeat renews it every quarter of it.
/// Longer than any single request (timeouts are shorter), so a live process never loses a
/// claim mid-call.
pub const CLAIM_TTL: chrono::Duration = chrono::Duration::seconds(45);

pub struct Outbox {
    storage: Arc<dyn OutboxStorage>,
    connectors: HashMap<(i64, Channel), Arc<dyn Connector>>,
    events: mpsc::UnboundedSender<Event>,
    clock: Clock,
    holder: String,
}

/// What happened to one reply in one step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Read back on the item with our text.
    Visible,
    /// The marketplace accepted it; not yet shown on the item.
    Accepted,
    Retrying(String),
    /// Refused for good before it was accepted.
    Failed(String),
    /// Accepted, then refused by the marketplace (moderation).
    Rejected(String),
    /// Another process claimed the row meanwhile; this one left it alone.
    Skipped,
}

impl Outbox {
    pub fn new(
        store: Store,
        writer: Writer,
        connectors: HashMap<(i64, Channel), Arc<dyn Connector>>,
        events: mpsc::UnboundedSender<Event>,
        clock: Clock,
    ) -> Outbox {
        Outbox::on(
            Arc::new(SqliteOutbox { store, writer }),
            connectors,
            events,
            clock,
        )
    }

    /// An outbox whose rows live in `storage` (a team's shared store, say).
    pub fn on(
        storage: Arc<dyn OutboxStorage>,
        connectors: HashMap<(i64, Channel), Arc<dyn Connector>>,
        events: mpsc::UnboundedSender<Event>,
        clock: Clock,
    ) -> Outbox {
        Outbox {
            storage,
            connectors,
            events,
            clock,
            holder: store::holder_id_for(ProcessKind::Cli),
        }
    }

    /// Claims rows as `holder` (the process's id, shared with its leases and heartbeat).
    pub fn with_holder(mut self, holder: String) -> Outbox {
        self.holder = holder;
        self
    }

    pub fn holder(&self) -> &str {
        &self.holder
    }

    /// The (account, channel) pairs this outbox can send to.
    pub fn reaches(&self) -> Vec<(i64, Channel)> {
        let mut pairs: Vec<_> = self.connectors.keys().copied().collect();
        pairs.sort_by_key(|(account, channel)| (*account, channel.as_str()));
        pairs
    }

    /// Works the outbox until the event channel closes: everything due, then wait for a
    /// wake-up or the next retry. Any number of processes may run this on one store.
    pub async fn run(self, wake: Arc<Notify>) {
        loop {
            if let Err(err) = self.process_due().await {
                tracing::error!(error = %format!("{err:#}"), "outbox pass failed");
            }
            if self.events.is_closed() {
                break;
            }
            tokio::select! {
                _ = wake.notified() => {}
                _ = tokio::time::sleep(Duration::from_secs(2)) => {}
            }
        }
    }

    /// One pass over every reply that is due now and that this process can send.
    /// Returns what happened to each.
    pub async fn process_due(&self) -> Result<Vec<(i64, Step)>> {
        let now = (self.clock)();
        let reaches = self.reaches();
        if reaches.is_empty() {
            return Ok(Vec::new());
        }
        let due = self.storage.due(now, 100, &reaches).await?;
        let mut steps = Vec::with_capacity(due.len());
        for item in due {
            let now = (self.clock)();
            let claimed = self
                .storage
                .claim(item.id, &self.holder, now, CLAIM_TTL)
                .await?;
            let Some((item, claim)) = claimed else {
                continue;
            };
            let step = self.deliver(&item, &claim).await?;
            let _ = self.events.send(Event::OutboxChanged);
            if matches!(
                step,
                Step::Visible | Step::Failed(_) | Step::Rejected(_) | Step::Accepted
            ) {
                let _ = self.events.send(Event::DataChanged);
            }
            steps.push((item.id, step));
        }
        Ok(steps)
    }

    async fn deliver(&self, item: &OutboxItem, claim: &Claim) -> Result<Step> {
        let interaction = self
            .storage
            .interaction(item.interaction_id)
            .await?
            .with_context(|| format!("outbox {} names a missing interaction", item.id))?;
        let Some(connector) = self
            .connectors
            .get(&(interaction.account_id, interaction.channel))
            .cloned()
        else {
            // Not ours to send: another process that has this shop will.
            self.storage.release(claim).await?;
            return Ok(Step::Skipped);
        };
        let target = target_of(&interaction);
        if item.state == OutboxState::Accepted {
            return self
                .check_visible(item, claim, connector.as_ref(), &target)
                .await;
        }
        // An earlier attempt may have reached the marketplace even though we saw it fail
        // (a timeout after the request went out) or never saw its end (a crash, or a
        // process whose claim we took over): look before sending again.
        let look_first = item.state == OutboxState::Sending || item.attempts > 0;
        if !look_first {
            return self.send(item, claim, connector.as_ref(), &target).await;
        }
        if item.kind == OutboxKind::Edit {
            return match connector.answer_status(&target).await {
                Ok(Some(shown)) if same_text(&shown.text, &item.text) => {
                    self.settle_shown(item, claim, &shown).await
                }
                // The answer as it was still shows: the edit has not landed.
                Ok(Some(_)) => self.send(item, claim, connector.as_ref(), &target).await,
                Ok(None) => {
                    self.fail(item, claim, "the answer to edit is gone", None)
                        .await
                }
                Err(err) => self.retry_or_fail(item, claim, err).await,
            };
        }
        match connector.answer_status(&target).await {
            Ok(Some(shown)) if same_text(&shown.text, &item.text) => {
                self.settle_shown(item, claim, &shown).await
            }
            // In a chat the last seller message being another one means ours has not
            // landed; on a review or question it means someone else answered.
            Ok(Some(_)) if interaction.channel == Channel::Chat => {
                self.send(item, claim, connector.as_ref(), &target).await
            }
            Ok(Some(_)) => {
                self.fail(
                    item,
                    claim,
                    "the item was answered elsewhere meanwhile",
                    None,
                )
                .await
            }
            Ok(None) => self.send(item, claim, connector.as_ref(), &target).await,
            Err(err) => self.retry_or_fail(item, claim, err).await,
        }
    }

    async fn send(
        &self,
        item: &OutboxItem,
        claim: &Claim,
        connector: &dyn Connector,
        target: &ReplyTarget,
    ) -> Result<Step> {
        let now = (self.clock)();
        let ours = self.storage.mark_sending(claim, now).await?;
        if !ours {
            tracing::info!(
                outbox = item.id,
                "claim lost or reply cancelled before sending"
            );
            return Ok(Step::Skipped);
        }
        let sent = match item.kind {
            OutboxKind::Reply => connector.send_answer(target, &item.text).await,
            OutboxKind::Edit => connector.edit_answer(target, &item.text).await,
        };
        match sent {
            Ok(()) => {
                let now = (self.clock)();
                let check_at = now + next_check_delay(0);
                self.storage.mark_accepted(claim, now, check_at).await?;
                let accepted = OutboxItem {
                    state: OutboxState::Accepted,
                    sent_at: Some(now),
                    checks: 0,
                    ..item.clone()
                };
                self.check_visible(&accepted, claim, connector, target)
                    .await
            }
            Err(err) => self.retry_or_fail(item, claim, err).await,
        }
    }

    /// Reads an accepted reply back. Whatever the answer, it is never sent again and its
    /// item is never reopened, except when the marketplace says it refused it.
    async fn check_visible(
        &self,
        item: &OutboxItem,
        claim: &Claim,
        connector: &dyn Connector,
        target: &ReplyTarget,
    ) -> Result<Step> {
        let note = match connector.answer_status(target).await {
            Ok(Some(shown)) if same_text(&shown.text, &item.text) => {
                return self.settle_shown(item, claim, &shown).await;
            }
            Ok(Some(_)) => Some("the item shows another answer".to_string()),
            Ok(None) => None,
            Err(err) => Some(err.to_string()),
        };
        let now = (self.clock)();
        let accepted_at = item.sent_at.unwrap_or(now);
        let next = now + next_check_delay(item.checks + 1);
        let check_at = (next <= accepted_at + CHECK_FOR).then_some(next);
        self.storage
            .schedule_check(claim, note, check_at, now)
            .await?;
        Ok(Step::Accepted)
    }

    async fn settle_shown(
        &self,
        item: &OutboxItem,
        claim: &Claim,
        shown: &PostedAnswer,
    ) -> Result<Step> {
        let now = (self.clock)();
        if shown.moderation == ModerationState::Rejected {
            let reason = "отклонён модерацией маркетплейса".to_string();
            self.storage
                .mark_rejected(claim, reason.clone(), now)
                .await?;
            tracing::warn!(outbox = item.id, "reply rejected by moderation");
            return Ok(Step::Rejected(reason));
        }
        let moved = self
            .storage
            .mark_visible(claim, now, shown.editable)
            .await?;
        Ok(if moved { Step::Visible } else { Step::Skipped })
    }

    async fn retry_or_fail(
        &self,
        item: &OutboxItem,
        claim: &Claim,
        err: ConnectorError,
    ) -> Result<Step> {
        let attempts = item.attempts + 1;
        let now = (self.clock)();
        if err.is_network() {
            // Offline: the reply waits, however long, and goes out when the network returns.
            let retry_at = now + chrono::Duration::seconds(2i64.pow(attempts.min(5)));
            return self
                .fail(item, claim, &err.to_string(), Some(retry_at))
                .await;
        }
        if matches!(err, ConnectorError::Unauthorized { .. }) {
            // A token problem is the seller's to fix, not a refusal of this reply: it
            // waits, showing why, and goes out once the token works.
            let retry_at = now + chrono::Duration::minutes(5);
            return self
                .fail(item, claim, &err.to_string(), Some(retry_at))
                .await;
        }
        if err.is_transient() && attempts < MAX_ATTEMPTS {
            let retry_at = now + chrono::Duration::seconds(2i64.pow(attempts.min(8)));
            self.fail(item, claim, &err.to_string(), Some(retry_at))
                .await
        } else {
            self.fail(item, claim, &err.to_string(), None).await
        }
    }

    async fn fail(
        &self,
        item: &OutboxItem,
        claim: &Claim,
        reason: &str,
        retry_at: Option<DateTime<Utc>>,
    ) -> Result<Step> {
        let now = (self.clock)();
        self.storage
            .mark_failed(claim, reason.to_string(), retry_at, now)
            .await?;
        tracing::warn!(
            outbox = item.id,
            reason,
            retry = retry_at.is_some(),
            "reply not delivered"
        );
        Ok(match retry_at {
            Some(_) => Step::Retrying(reason.to_string()),
            None => Step::Failed(reason.to_string()),
        })
    }
}

/// Read-backs of an accepted reply: 2 s, then doubling up to an hour apart.
fn next_check_delay(checks: u32) -> chrono::Duration {
    chrono::Duration::seconds(2i64.saturating_pow(checks.min(12) + 1).min(3600))
}

pub fn target_of(interaction: &Interaction) -> ReplyTarget {
    ReplyTarget {
        external_id: interaction.external_id.clone(),
        reply_handle: interaction.reply_handle.clone(),
        product_external_id: interaction.product.as_ref().map(|p| p.external_id.clone()),
    }
}

/// Marketplaces may trim or normalise whitespace in a stored answer.
fn same_text(a: &str, b: &str) -> bool {
    let norm = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    norm(a) == norm(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_backs_back_off_to_an_hour() {
        assert_eq!(next_check_delay(0), chrono::Duration::seconds(2));
        assert_eq!(next_check_delay(1), chrono::Duration::seconds(4));
        assert_eq!(next_check_delay(20), chrono::Duration::hours(1));
        let total: i64 = (0..60).map(|n| next_check_delay(n).num_seconds()).sum();
        assert!(total > CHECK_FOR.num_seconds(), "60 checks cover the 48 h");
    }

    #[test]
    fn whitespace_differences_still_match() {
        assert!(same_text("Спасибо,  Анна!\n", "Спасибо, Анна!"));
        assert!(!same_text("Спасибо", "Спасибо!"));
    }
}
