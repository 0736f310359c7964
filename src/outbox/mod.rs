//! The outbox: delivers each reply exactly once.
//!
//! A reply is in the database before any network call. Each attempt is recorded as
//! `sending` before the call; a row found in `sending` after a crash is checked against
//! the marketplace before anything is sent again. A marketplace's "OK" only moves a reply
//! to `sent`; it is `confirmed` once re-reading the item shows the answer (WB accepts
//! answers to ids that do not exist, so an OK alone proves nothing).

mod enqueue;

pub use enqueue::{
    cancel_reply, edit_distance, enqueue_checked, Actor, EnqueueOutcome, ReplyRequest, SentDraft,
};

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use tokio::sync::{mpsc, Notify};

use crate::app::Event;
use crate::connectors::{Connector, ConnectorError, ReplyTarget};
use crate::domain::{Channel, Interaction};
use crate::store::{self, OutboxItem, OutboxState, Store, Writer};

/// Attempts before a transiently failing reply is given up on and handed back.
pub const MAX_ATTEMPTS: u32 = 8;

/// Confirmation re-reads of a `sent` reply before it is reported as not showing.
pub const MAX_CONFIRM_CHECKS: u32 = 5;

pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// How long the outbox lease lasts without renewal (renewed every loop, about 2 s).
const LEASE_TTL: chrono::Duration = chrono::Duration::seconds(30);

pub struct Outbox {
    store: Store,
    writer: Writer,
    connectors: HashMap<(i64, Channel), Arc<dyn Connector>>,
    events: mpsc::UnboundedSender<Event>,
    clock: Clock,
    confirm_checks: std::sync::Mutex<HashMap<i64, u32>>,
}

/// What happened to one reply in one step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Confirmed,
    Sent,
    Retrying(String),
    Failed(String),
}

impl Outbox {
    pub fn new(
        store: Store,
        writer: Writer,
        connectors: HashMap<(i64, Channel), Arc<dyn Connector>>,
        events: mpsc::UnboundedSender<Event>,
        clock: Clock,
    ) -> Outbox {
        Outbox {
            store,
            writer,
            connectors,
            events,
            clock,
            confirm_checks: Default::default(),
        }
    }

    /// Works the outbox until the event channel closes: everything due, then wait for a
    /// wake-up or the next retry.
    ///
    /// Only the process holding the `outbox` lease delivers, so a TUI and a sync daemon on
    /// the same database never send the same reply twice.
    pub async fn run(self, wake: Arc<Notify>) {
        let holder = store::holder_id();
        loop {
            let now = (self.clock)();
            let lease_holder = holder.clone();
            let held = self
                .writer
                .call(move |conn| store::try_lease(conn, "outbox", &lease_holder, now, LEASE_TTL))
                .await;
            match held {
                Ok(true) => {
                    if let Err(err) = self.process_due().await {
                        tracing::error!(error = %format!("{err:#}"), "outbox pass failed");
                    }
                }
                Ok(false) => tracing::debug!("another process delivers the outbox"),
                Err(err) => tracing::error!(error = %format!("{err:#}"), "outbox lease"),
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

    /// One pass over every reply that is due now. Returns what happened to each.
    pub async fn process_due(&self) -> Result<Vec<(i64, Step)>> {
        let now = (self.clock)();
        let due = {
            let reader = self.store.reader()?;
            store::due_outbox(&reader, now, 100)?
        };
        let mut steps = Vec::with_capacity(due.len());
        for item in due {
            let step = self.deliver(&item).await?;
            let _ = self.events.send(Event::OutboxChanged);
            if step == Step::Confirmed || matches!(step, Step::Failed(_)) {
                let _ = self.events.send(Event::DataChanged);
            }
            steps.push((item.id, step));
        }
        Ok(steps)
    }

    async fn deliver(&self, item: &OutboxItem) -> Result<Step> {
        let interaction = {
            let reader = self.store.reader()?;
            store::interaction(&reader, item.interaction_id)?
        }
        .with_context(|| format!("outbox {} names a missing interaction", item.id))?;
        let Some(connector) = self
            .connectors
            .get(&(interaction.account_id, interaction.channel))
            .cloned()
        else {
            let reason = format!(
                "no connector for {} {} of account {}",
                interaction.marketplace, interaction.channel, interaction.account_name
            );
            return self.fail(item, &reason, None).await;
        };
        let target = target_of(&interaction);
        // An earlier attempt may have reached the marketplace even though we saw it fail
        // (a timeout after the request went out) or never saw its end (a crash): look
        // before sending again.
        let look_first = item.state == OutboxState::Sending
            || (item.state == OutboxState::Queued && item.attempts > 0);
        match item.state {
            _ if look_first => {
                match connector.current_answer(&target).await {
                    Ok(Some(text)) if same_text(&text, &item.text) => self.confirm(item).await,
                    // In a chat the last seller message being another one means ours has
                    // not landed; on a review or question it means someone else answered.
                    Ok(Some(_)) if interaction.channel == Channel::Chat => {
                        self.send(item, connector.as_ref(), &target).await
                    }
                    Ok(Some(_)) => {
                        self.fail(item, "the item was answered elsewhere meanwhile", None)
                            .await
                    }
                    Ok(None) => self.send(item, connector.as_ref(), &target).await,
                    Err(err) => self.retry_or_fail(item, err).await,
                }
            }
            OutboxState::Sent => self.check_delivery(item, connector.as_ref(), &target).await,
            OutboxState::Queued | OutboxState::Sending => {
                self.send(item, connector.as_ref(), &target).await
            }
            OutboxState::Confirmed | OutboxState::Failed => Ok(Step::Confirmed),
        }
    }

    async fn send(
        &self,
        item: &OutboxItem,
        connector: &dyn Connector,
        target: &ReplyTarget,
    ) -> Result<Step> {
        let id = item.id;
        let now = (self.clock)();
        self.writer
            .call(move |conn| store::mark_sending(conn, id, now))
            .await?;
        match connector.send_answer(target, &item.text).await {
            Ok(()) => {
                let now = (self.clock)();
                self.writer
                    .call(move |conn| store::mark_sent(conn, id, now))
                    .await?;
                self.check_delivery(item, connector, target).await
            }
            Err(err) => self.retry_or_fail(item, err).await,
        }
    }

    async fn check_delivery(
        &self,
        item: &OutboxItem,
        connector: &dyn Connector,
        target: &ReplyTarget,
    ) -> Result<Step> {
        match connector.current_answer(target).await {
            Ok(Some(text)) if same_text(&text, &item.text) => self.confirm(item).await,
            Ok(_) => {
                let checks = {
                    let mut map = self
                        .confirm_checks
                        .lock()
                        .unwrap_or_else(|p| p.into_inner());
                    let n = map.entry(item.id).or_default();
                    *n += 1;
                    *n
                };
                if checks >= MAX_CONFIRM_CHECKS {
                    // Not resent: a second answer on WB cannot be undone.
                    self.fail(
                        item,
                        "the marketplace accepted the reply but it does not show on the item",
                        None,
                    )
                    .await
                } else {
                    let retry_at = (self.clock)() + chrono::Duration::seconds(2);
                    let id = item.id;
                    let now = (self.clock)();
                    self.writer
                        .call(move |conn| {
                            conn.execute(
                                "UPDATE outbox SET next_attempt_at = ?2, updated_at = ?3 WHERE id = ?1",
                                rusqlite::params![id, retry_at.timestamp(), now.timestamp()],
                            )?;
                            Ok(())
                        })
                        .await?;
                    Ok(Step::Sent)
                }
            }
            Err(err) if err.is_transient() => Ok(Step::Sent),
            Err(err) => self.fail(item, &err.to_string(), None).await,
        }
    }

    async fn confirm(&self, item: &OutboxItem) -> Result<Step> {
        let id = item.id;
        let now = (self.clock)();
        self.writer
            .call(move |conn| {
                let tx = conn.transaction()?;
                store::mark_confirmed(&tx, id, now)?;
                tx.commit()?;
                Ok(())
            })
            .await?;
        Ok(Step::Confirmed)
    }

    async fn retry_or_fail(&self, item: &OutboxItem, err: ConnectorError) -> Result<Step> {
        let attempts = item.attempts + 1;
        if err.is_network() {
            // Offline: the reply waits, however long, and goes out when the network returns.
            let delay = chrono::Duration::seconds(2i64.pow(attempts.min(5)));
            let retry_at = (self.clock)() + delay;
            return self.fail(item, &err.to_string(), Some(retry_at)).await;
        }
        if err.is_transient() && attempts < MAX_ATTEMPTS {
            let delay = chrono::Duration::seconds(2i64.pow(attempts.min(8)));
            let retry_at = (self.clock)() + delay;
            self.fail(item, &err.to_string(), Some(retry_at)).await
        } else {
            self.fail(item, &err.to_string(), None).await
        }
    }

    async fn fail(
        &self,
        item: &OutboxItem,
        reason: &str,
        retry_at: Option<DateTime<Utc>>,
    ) -> Result<Step> {
        let id = item.id;
        let now = (self.clock)();
        let error = reason.to_string();
        self.writer
            .call(move |conn| {
                let tx = conn.transaction()?;
                store::mark_failed(&tx, id, &error, retry_at, now)?;
                tx.commit()?;
                Ok(())
            })
            .await?;
        tracing::warn!(
            outbox = id,
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
    fn whitespace_differences_still_match() {
        assert!(same_text("Спасибо,  Анна!\n", "Спасибо, Анна!"));
        assert!(!same_text("Спасибо", "Спасибо!"));
    }
}
