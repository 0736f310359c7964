//! Where the outbox's rows live. The state machine in [`super::Outbox`] is written once
//! against this trait; the embedded SQLite store and a team's shared PostgreSQL store
//! (`team::PgOutbox`) implement it with the same states and the same fencing: every
//! write after a claim names it, and moves the row only while the claim still stands.

use anyhow::Result;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::domain::{Channel, Interaction, InteractionId};
use crate::store::{self, Claim, OutboxItem, Store, Writer};

#[async_trait]
pub trait OutboxStorage: Send + Sync {
    /// Rows due at `now` that a process reaching `reaches` ((account, channel) pairs it
    /// has a connector for) may work on: not claimed, or their claim is free to take.
    async fn due(
        &self,
        now: DateTime<Utc>,
        limit: usize,
        reaches: &[(i64, Channel)],
    ) -> Result<Vec<OutboxItem>>;

    /// Claims one due row for `holder` until `now + ttl`, or `None` when it is no longer
    /// due or another live process holds it.
    async fn claim(
        &self,
        outbox_id: i64,
        holder: &str,
        now: DateTime<Utc>,
        ttl: chrono::Duration,
    ) -> Result<Option<(OutboxItem, Claim)>>;

    /// The item a row answers.
    async fn interaction(&self, id: InteractionId) -> Result<Option<Interaction>>;

    /// Gives a claim up without changing the row.
    async fn release(&self, claim: &Claim) -> Result<bool>;

    /// Before the network call: false when the claim was lost or the reply cancelled.
    async fn mark_sending(&self, claim: &Claim, now: DateTime<Utc>) -> Result<bool>;

    /// The marketplace answered 2xx; the first read-back is due at `check_at`.
    async fn mark_accepted(
        &self,
        claim: &Claim,
        now: DateTime<Utc>,
        check_at: DateTime<Utc>,
    ) -> Result<bool>;

    /// An accepted reply not yet shown: look again at `check_at` (`None`: stop looking).
    async fn schedule_check(
        &self,
        claim: &Claim,
        note: Option<String>,
        check_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<bool>;

    /// Shown on the item: delivered. `editable`: what the marketplace said about one
    /// edit of it, when it says.
    async fn mark_visible(
        &self,
        claim: &Claim,
        now: DateTime<Utc>,
        editable: Option<bool>,
    ) -> Result<bool>;

    /// Accepted, then refused by moderation.
    async fn mark_rejected(
        &self,
        claim: &Claim,
        reason: String,
        now: DateTime<Utc>,
    ) -> Result<bool>;

    /// Failed: retried at `retry_at`, or refused for good when `None`.
    async fn mark_failed(
        &self,
        claim: &Claim,
        error: String,
        retry_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<bool>;
}

/// The outbox of the embedded SQLite store: reads on a reader connection, writes through
/// the store's writer thread.
pub struct SqliteOutbox {
    pub store: Store,
    pub writer: Writer,
}

#[async_trait]
impl OutboxStorage for SqliteOutbox {
    async fn due(
        &self,
        now: DateTime<Utc>,
        limit: usize,
        reaches: &[(i64, Channel)],
    ) -> Result<Vec<OutboxItem>> {
        let reader = self.store.reader()?;
        store::due_outbox_for(&reader, now, limit, Some(reaches))
    }

    async fn claim(
        &self,
        outbox_id: i64,
        holder: &str,
        now: DateTime<Utc>,
        ttl: chrono::Duration,
    ) -> Result<Option<(OutboxItem, Claim)>> {
        let holder = holder.to_string();
        self.writer
            .call(move |conn| store::claim_outbox(conn, outbox_id, &holder, now, ttl))
            .await
    }

    async fn interaction(&self, id: InteractionId) -> Result<Option<Interaction>> {
        let reader = self.store.reader()?;
        store::interaction(&reader, id)
    }

    async fn release(&self, claim: &Claim) -> Result<bool> {
        let claim = claim.clone();
        self.writer
            .call(move |conn| store::release_claim(conn, &claim))
            .await
    }

    async fn mark_sending(&self, claim: &Claim, now: DateTime<Utc>) -> Result<bool> {
        let claim = claim.clone();
        self.writer
            .call(move |conn| store::mark_sending(conn, &claim, now))
            .await
    }

    async fn mark_accepted(
        &self,
        claim: &Claim,
        now: DateTime<Utc>,
        check_at: DateTime<Utc>,
    ) -> Result<bool> {
        let claim = claim.clone();
        self.writer
            .call(move |conn| store::mark_accepted(conn, &claim, now, check_at))
            .await
    }

    async fn schedule_check(
        &self,
        claim: &Claim,
        note: Option<String>,
        check_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let claim = claim.clone();
        self.writer
            .call(move |conn| store::schedule_check(conn, &claim, note.as_deref(), check_at, now))
            .await
    }

    async fn mark_visible(
        &self,
        claim: &Claim,
        now: DateTime<Utc>,
        editable: Option<bool>,
    ) -> Result<bool> {
        let claim = claim.clone();
        self.writer
            .call(move |conn| {
                let tx = conn.transaction()?;
                let moved = store::mark_visible(&tx, &claim, now)?;
                if let (true, Some(editable)) = (moved, editable) {
                    store::note_reply_editable(&tx, claim.outbox_id, editable)?;
                }
                tx.commit()?;
                Ok(moved)
            })
            .await
    }

    async fn mark_rejected(
        &self,
        claim: &Claim,
        reason: String,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let claim = claim.clone();
        self.writer
            .call(move |conn| store::mark_rejected(conn, &claim, &reason, now))
            .await
    }

    async fn mark_failed(
        &self,
        claim: &Claim,
        error: String,
        retry_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let claim = claim.clone();
        self.writer
            .call(move |conn| {
                let tx = conn.transaction()?;
                let moved = store::mark_failed(&tx, &claim, &error, retry_at, now)?;
                tx.commit()?;
                Ok(moved)
            })
            .await
    }
}
