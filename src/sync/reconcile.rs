//! Reconciliation: items that left the marketplace's unanswered list without our reply
//! (answered in the seller portal, archived, removed) are re-read and updated, never
//! forgotten; so are answers still under moderation, whose verdict no list shows.

use std::collections::HashSet;

use anyhow::Context;
use chrono::{DateTime, Utc};
use rusqlite::params;

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
    let source = connector.id();
    let mut stats = PassStats::default();
    let outcome: Result<(), ConnectorError> = async {
        let (local_open, under_review): (Vec<String>, Vec<String>) = writer
            .call(move |conn| {
                let ids = |sql: &str| -> anyhow::Result<Vec<String>> {
                    let mut stmt = conn.prepare(sql)?;
                    let ids = stmt
                        .query_map(params![account_id, source], |r| r.get(0))?
                        .collect::<Result<Vec<String>, _>>()?;
                    Ok(ids)
                };
                Ok((
                    ids("SELECT external_id FROM interactions
                         WHERE account_id = ?1 AND source = ?2 AND state IN ('open', 'pending')")?,
                    // Answered, but the verdict of moderation is still to come: it left the
                    // unanswered list, so only a re-read can see it change.
                    ids("SELECT external_id FROM interactions
                         WHERE account_id = ?1 AND source = ?2 AND state = 'answered'
                           AND answer_moderation = 'under_review'")?,
                ))
            })
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
                let mut archived = 0;
                for id in &vanished {
                    archived += tx.execute(
                        "UPDATE interactions SET state = 'archived'
                         WHERE account_id = ?1 AND source = ?2 AND external_id = ?3 AND state = 'open'",
                        params![account_id, source, id],
                    )?;
                }
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
    .await;
    let record = SyncRunRecord {
        account_id,
        connector: format!("{source}/reconcile"),
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
