//! The shared outbox as the outbox's storage: `crate::outbox::Outbox` drives the rows in
//! PostgreSQL (`store::pg::outbox`) with the same state machine as on SQLite.

use anyhow::Result;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::domain::{Channel, Interaction, InteractionId};
use crate::outbox::OutboxStorage;
use crate::store::pg::{edits, outbox as pg, PgStore, PgWriter};
use crate::store::{Claim, OutboxItem};

/// The shared outbox on one connection, whose session holds the advisory lock `lock`
/// for as long as it lives: the claims it takes stand exactly that long.
#[derive(Clone)]
pub struct PgOutbox {
    writer: PgWriter,
    lock: i64,
}

impl PgOutbox {
    /// A new connection to `store` that takes a fresh session lock of its own.
    pub async fn connect(store: &PgStore) -> Result<PgOutbox> {
        let writer = store.writer_async().await?;
        // Positive, so the key reads back the same from pg_locks' two halves.
        let lock = i64::from(rand::random::<u32>()) << 31 | i64::from(rand::random::<u32>() >> 1);
        writer
            .call(move |client| {
                client.execute("SELECT pg_advisory_lock($1)", &[&lock])?;
                Ok(())
            })
            .await?;
        Ok(PgOutbox { writer, lock })
    }

    /// The session lock's key, part of this process's holder name.
    pub fn lock(&self) -> i64 {
        self.lock
    }

    /// Keeps `holder`'s claims alive until `until`.
    pub async fn renew(&self, holder: &str, until: DateTime<Utc>) -> Result<u64> {
        let holder = holder.to_string();
        self.writer
            .call(move |client| pg::renew_claims(client, &holder, until))
            .await
    }

    /// Settles accepted replies whose answers sync has seen on their items.
    pub async fn settle_from_items(&self, now: DateTime<Utc>) -> Result<usize> {
        self.writer
            .call(move |client| pg::settle_accepted_from_items(client, now))
            .await
    }
}

#[async_trait]
impl OutboxStorage for PgOutbox {
    async fn due(
        &self,
        now: DateTime<Utc>,
        limit: usize,
        reaches: &[(i64, Channel)],
    ) -> Result<Vec<OutboxItem>> {
        let reaches = reaches.to_vec();
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.writer
            .call(move |client| pg::due_outbox(client, now, limit, &reaches))
            .await
    }

    async fn claim(
        &self,
        outbox_id: i64,
        holder: &str,
        now: DateTime<Utc>,
        ttl: chrono::Duration,
    ) -> Result<Option<(OutboxItem, Claim)>> {
        let (holder, lock) = (holder.to_string(), self.lock);
        self.writer
            .call(move |client| pg::claim_outbox(client, outbox_id, &holder, lock, now, ttl))
            .await
    }

    async fn interaction(&self, id: InteractionId) -> Result<Option<Interaction>> {
        self.writer
            .call(move |client| pg::interaction(client, id.0))
            .await
    }

    async fn release(&self, claim: &Claim) -> Result<bool> {
        let claim = claim.clone();
        self.writer
            .call(move |client| pg::release_claim(client, &claim))
            .await
    }

    async fn mark_sending(&self, claim: &Claim, now: DateTime<Utc>) -> Result<bool> {
        let claim = claim.clone();
        self.writer
            .call(move |client| pg::mark_sending(client, &claim, now))
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
            .call(move |client| pg::mark_accepted(client, &claim, now, check_at))
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
            .call(move |client| pg::schedule_check(client, &claim, note.as_deref(), check_at, now))
            .await
    }

    /// Shown: delivered, and what WB says of one edit of it is kept for `reply --edit`.
    async fn mark_visible(
        &self,
        claim: &Claim,
        now: DateTime<Utc>,
        editable: Option<bool>,
    ) -> Result<bool> {
        let claim = claim.clone();
        self.writer
            .call(move |client| {
                let moved = pg::mark_visible(client, &claim, now)?;
                if let (true, Some(editable)) = (moved, editable) {
                    edits::note_reply_editable(client, claim.outbox_id, editable)?;
                }
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
            .call(move |client| pg::mark_rejected(client, &claim, &reason, now))
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
            .call(move |client| pg::mark_failed(client, &claim, &error, retry_at, now))
            .await
    }
}
