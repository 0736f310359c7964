//! Reconciliation: items that left the marketplace's unanswered list without our reply
//! (answered in the seller portal, archived, removed) are re-read and updated, never
//! forgotten; so are answers still under moderation, whose verdict no list shows.

use std::collections::HashSet;

use anyhow::Context;
use chrono::{DateTime, Utc};

use super::{store_error, PassStats};
use crate::connectors::{Connector, ConnectorError};
use crate::store::{self, SyncRunRecord, Writer};

/// Items re-read per reconciliation at most; the rest wait for the next one.
pub const MAX_REREADS: usize = 200;

/// Compares the local open items with the marketplace's full unanswered list and re-reads
/// those that disappeared. Connectors that cannot list open ids do nothing.
pub async fn reconcile_pass(
    writer: &Writer,
    account_id: i64,
    connector: &dyn Connector,
    clock: &(dyn Fn() -> DateTime<Utc> + Send + Sync),
) -> Result<PassStats, (PassStats, ConnectorError)> {
    let started_at = clock();
    let mut stats = PassStats::default();
    let outcome = reconcile(writer, account_id, connector, clock, &mut stats).await;
    let record = SyncRunRecord {
        account_id,
        connector: format!("{}/reconcile", connector.id()),
        started_at,
        finished_at: clock(),
        ok: outcome.is_ok(),
        requests: stats.requests,
        pages: 0,
        items_seen: stats.seen,
        items_new: 0,
        items_changed: stats.changed,
        items_skipped: 0,
        error: outcome.as_ref().err().map(|e| e.to_string()),
    };
    if let Err(err) = writer
        .call(move |conn| store::record_sync_run(conn, &record))
        .await
    {
        tracing::error!(%err, "recording a reconciliation run");
    }
    match outcome {
        Ok(()) => Ok(stats),
        Err(err) => Err((stats, err)),
    }
}

/// The reconciliation itself: which local items the marketplace no longer lists, their
/// re-read, and the update of those re-read or gone.
async fn reconcile(
    writer: &Writer,
    account_id: i64,
    connector: &dyn Connector,
    clock: &(dyn Fn() -> DateTime<Utc> + Send + Sync),
    stats: &mut PassStats,
) -> Result<(), ConnectorError> {
    let source = connector.id();
    let (local_open, under_review) = writer
        .call(move |conn| store::reconcile_candidates(conn, account_id, source))
        .await
        .map_err(store_error)?;
    if local_open.is_empty() && under_review.is_empty() {
        return Ok(());
    }
    let Some(listed) = connector.open_ids().await? else {
        return Ok(());
    };
    stats.requests += 1;
    let listed: HashSet<String> = listed.into_iter().collect();
    let gone: Vec<String> = local_open
        .into_iter()
        .filter(|id| !listed.contains(id))
        .chain(under_review)
        .take(MAX_REREADS)
        .collect();
    let mut reread = Vec::new();
    let mut vanished = Vec::new();
    for id in gone {
        stats.requests += 1;
        match connector.fetch_item(&id).await? {
            Some(item) => reread.push(item),
            None => vanished.push(id),
        }
    }
    stats.seen = (reread.len() + vanished.len()) as u32;
    let now = clock();
    let (changed, archived) = writer
        .call(move |conn| {
            let tx = conn.transaction()?;
            let summary = super::upsert_interactions(&tx, account_id, source, &reread, now)
                .context("saving re-read items")?;
            let archived = store::archive_vanished(&tx, account_id, source, &vanished)?;
            if summary.changed > 0 {
                // Accepted replies whose text the items now show: delivered.
                store::settle_accepted_from_items(&tx, now)?;
            }
            tx.commit()?;
            Ok((summary.changed as u32, archived as u32))
        })
        .await
        .map_err(store_error)?;
    stats.changed = changed + archived;
    Ok(())
}
