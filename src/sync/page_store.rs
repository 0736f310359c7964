//! Where a sync pass reads its cursor and commits its pages: the SQLite [`Writer`] or,
//! in team mode, PostgreSQL ([`crate::store::pg::PgWriter`], implemented in
//! `crate::team`). Generic, not boxed per item: the SQLite path runs the same statements
//! in the same transaction as before, one future per page.

use anyhow::{Context, Result};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::params;

use crate::connectors::Pull;
use crate::store::{self, SyncRunRecord, Writer};

/// What committing one page did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PageCounts {
    pub seen: u32,
    pub new: u32,
    pub changed: u32,
    pub skipped: u32,
}

#[async_trait]
pub trait PageStore: Send + Sync {
    /// The persisted position of `connector` for the account, `None` before its first page.
    async fn cursor(&self, account_id: i64, connector: &'static str) -> Result<Option<String>>;

    /// Writes one page's items, its skipped items and the cursor after it in one
    /// transaction.
    async fn commit_page(
        &self,
        account_id: i64,
        connector: &'static str,
        pull: Pull,
        now: DateTime<Utc>,
    ) -> Result<PageCounts>;

    async fn record_sync_run(&self, record: SyncRunRecord) -> Result<()>;
}

#[async_trait]
impl PageStore for Writer {
    async fn cursor(&self, account_id: i64, connector: &'static str) -> Result<Option<String>> {
        self.call(move |conn| store::cursor(conn, account_id, connector))
            .await
    }

    async fn commit_page(
        &self,
        account_id: i64,
        connector_id: &'static str,
        pull: Pull,
        now: DateTime<Utc>,
    ) -> Result<PageCounts> {
        self.call(move |conn| {
            let tx = conn.transaction()?;
            let summary =
                super::upsert_interactions(&tx, account_id, connector_id, &pull.items, now)
                    .context("saving a page of items")?;
            for skipped in &pull.skipped {
                tracing::warn!(connector = connector_id, id = ?skipped.external_id, reason = %skipped.reason, "skipped a malformed item");
                tx.execute(
                    "INSERT INTO audit_log (at, actor, action, detail)
                     VALUES (?1, 'sync', 'item_skipped',
                             json_object('connector', ?2, 'external_id', ?3, 'reason', ?4))",
                    params![
                        now.timestamp(),
                        connector_id,
                        skipped.external_id,
                        skipped.reason
                    ],
                )?;
            }
            store::set_cursor(&tx, account_id, connector_id, &pull.cursor, now)?;
            if summary.changed > 0 {
                // Answers the marketplace accepted and now shows: delivered.
                store::settle_accepted_from_items(&tx, now)?;
            }
            tx.commit()?;
            Ok(PageCounts {
                seen: summary.seen as u32,
                new: summary.new as u32,
                changed: summary.changed as u32,
                skipped: pull.skipped.len() as u32,
            })
        })
        .await
    }

    async fn record_sync_run(&self, record: SyncRunRecord) -> Result<()> {
        self.call(move |conn| store::record_sync_run(conn, &record))
            .await
    }
}
