//! `agentiq sync --once` on the shared store: the same sync pass as on SQLite
//! (`sync::sync_pass`), committing pages into PostgreSQL.

use anyhow::{Context, Result};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::connectors::{build_connectors, AccountConfig, Pull};
use crate::store::pg::{self, PgWriter};
use crate::store::SyncRunRecord;
use crate::sync::{sync_pass, PageCounts, PageStore};

#[async_trait]
impl PageStore for PgWriter {
    async fn cursor(&self, account_id: i64, connector: &'static str) -> Result<Option<String>> {
        self.call(move |client| pg::cursor(client, account_id, connector))
            .await
    }

    async fn commit_page(
        &self,
        account_id: i64,
        connector: &'static str,
        pull: Pull,
        now: DateTime<Utc>,
    ) -> Result<PageCounts> {
        self.call(move |client| {
            let mut tx = client.transaction()?;
            let summary = pg::upsert_interactions(&mut tx, account_id, connector, &pull.items, now)
                .context("saving a page of items")?;
            for skipped in &pull.skipped {
                tracing::warn!(connector, id = ?skipped.external_id, reason = %skipped.reason, "skipped a malformed item");
                tx.execute(
                    "INSERT INTO audit_log (at, actor, action, detail)
                     VALUES ($1, 'sync', 'item_skipped',
                             jsonb_build_object('connector', $2::text, 'external_id', $3::text,
                                                'reason', $4::text))",
                    &[&now, &connector, &skipped.external_id, &skipped.reason],
                )?;
            }
            pg::set_cursor(&mut tx, account_id, connector, &pull.cursor, now)?;
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
        self.call(move |client| pg::record_sync_run(client, &record))
            .await
    }
}

/// What one connector's pass did, for the command's output.
#[derive(Debug, Clone)]
pub struct SyncLine {
    pub label: String,
    pub ok: bool,
    pub text: String,
}

/// One pass of every connector of every account into the shared store. A connector
/// another process is pulling (its session-level advisory lock is held) is skipped: the
/// lock goes with that process's connection, so a killed process frees it at once.
pub async fn sync_once(writer: &PgWriter, accounts: &[AccountConfig]) -> Result<Vec<SyncLine>> {
    let mut lines = Vec::new();
    for account in accounts {
        let (name, marketplace) = (account.name.clone(), account.marketplace);
        let account_id = writer
            .call(move |client| pg::upsert_account(client, &name, marketplace))
            .await?;
        for connector in build_connectors(account)? {
            let label = format!("{} {}", account.name, connector.id());
            let lock = format!("sync:{account_id}:{}", connector.id());
            let key = lock.clone();
            let ours: bool = writer
                .call(move |client| {
                    Ok(client
                        .query_one("SELECT pg_try_advisory_lock(hashtext($1))", &[&key])?
                        .get(0))
                })
                .await?;
            if !ours {
                lines.push(SyncLine {
                    label: label.clone(),
                    ok: true,
                    text: format!("{label}: synced by another process; skipped"),
                });
                continue;
            }
            let result = sync_pass(writer, account_id, connector.as_ref(), &Utc::now).await;
            writer
                .call(move |client| {
                    client.execute("SELECT pg_advisory_unlock(hashtext($1))", &[&lock])?;
                    Ok(())
                })
                .await?;
            lines.push(match result {
                Ok(s) => SyncLine {
                    text: format!(
                        "{label}: ok, {} items, {} pages ({} new, {} changed, {} skipped), {} requests",
                        s.seen, s.pages, s.new, s.changed, s.skipped, s.requests
                    ),
                    label,
                    ok: true,
                },
                Err((s, err)) => SyncLine {
                    text: format!("{label}: failed after {} pages: {err}", s.pages),
                    label,
                    ok: false,
                },
            });
        }
    }
    Ok(lines)
}
