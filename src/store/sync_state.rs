use anyhow::Result;
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};

use super::to_db_time;

/// The persisted position of one connector of one account.
pub fn cursor(conn: &Connection, account_id: i64, connector: &str) -> Result<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT cursor FROM sync_cursors WHERE account_id = ?1 AND connector = ?2",
            params![account_id, connector],
            |r| r.get(0),
        )
        .optional()?)
}

/// Saves a cursor; call it in the same transaction as the rows it covers.
pub fn set_cursor(
    conn: &Connection,
    account_id: i64,
    connector: &str,
    cursor: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    conn.execute(
        "INSERT INTO sync_cursors (account_id, connector, cursor, updated_at)
         VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (account_id, connector) DO UPDATE SET
            cursor = excluded.cursor, updated_at = excluded.updated_at",
        params![account_id, connector, cursor, to_db_time(now)],
    )?;
    Ok(())
}

/// One sync run, as the sync-health screen and the success metric read it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncRunRecord {
    pub account_id: i64,
    pub connector: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    pub ok: bool,
    pub requests: u32,
    pub pages: u32,
    pub items_seen: u32,
    pub items_new: u32,
    pub items_changed: u32,
    pub items_skipped: u32,
    pub error: Option<String>,
}

pub fn record_sync_run(conn: &Connection, run: &SyncRunRecord) -> Result<()> {
    conn.execute(
        "INSERT INTO sync_runs (account_id, connector, started_at, finished_at, ok, requests,
                               pages, items_seen, items_new, items_changed, items_skipped, error)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        params![
            run.account_id,
            run.connector,
            to_db_time(run.started_at),
            to_db_time(run.finished_at),
            run.ok,
            run.requests,
            run.pages,
            run.items_seen,
            run.items_new,
            run.items_changed,
            run.items_skipped,
            run.error,
        ],
    )?;
    Ok(())
}
