//! Sending a reply from what the store knows: the item's guard (its customer text,
//! banned phrases and the seller's recent answers) is read here and given to the outbox,
//! which checks the reply against it before queueing.

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};

use crate::ai::guardrails::ReplyGuard;
use crate::domain::InteractionId;
use crate::outbox::{enqueue_edit_guarded, enqueue_guarded, EnqueueOutcome, ReplyRequest};
use crate::store::{Store, Writer};

use super::DraftInputs;

/// Checks the reply against the item's guard and, unless a block stops it, writes it to
/// the outbox.
pub async fn enqueue_checked(
    store: &Store,
    writer: &Writer,
    request: ReplyRequest,
    now: DateTime<Utc>,
) -> Result<EnqueueOutcome> {
    let guard = send_guard(store, request.interaction_id).await?;
    enqueue_guarded(writer, request, &guard, now).await
}

/// Checks a new text for the item's published answer against the same guard as a reply
/// and, unless a block stops it, writes the edit to the outbox.
pub async fn enqueue_edit_checked(
    store: &Store,
    writer: &Writer,
    request: ReplyRequest,
    now: DateTime<Utc>,
) -> Result<EnqueueOutcome> {
    let guard = send_guard(store, request.interaction_id).await?;
    enqueue_edit_guarded(writer, request, &guard, now).await
}

/// What a reply to item `id` is checked against, recent answers included, read off the
/// writer.
async fn send_guard(store: &Store, id: InteractionId) -> Result<ReplyGuard> {
    let reader_store = store.clone();
    tokio::task::spawn_blocking(move || -> Result<ReplyGuard> {
        let reader = reader_store.reader()?;
        let inputs = DraftInputs::load(&reader, id)?
            .with_context(|| format!("interaction {} does not exist", id.0))?;
        Ok(inputs.guard())
    })
    .await?
}
