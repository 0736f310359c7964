//! What the command line reads and writes beyond the other store modules: per-account
//! summaries and renames, an item's outbox and audit history, a generated store's size.

use std::collections::BTreeMap;

use anyhow::Result;
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection};

use super::ui_reads::AuditRow;
use crate::domain::InteractionId;

/// The end of an account's last successful sync, and the items stored for it.
pub type AccountStats = (Option<DateTime<Utc>>, i64);

/// Per account name: its [`AccountStats`].
pub fn account_stats(conn: &Connection) -> Result<BTreeMap<String, AccountStats>> {
    let mut stmt = conn.prepare(
        "SELECT a.name,
                (SELECT max(finished_at) FROM sync_runs r WHERE r.account_id = a.id AND r.ok),
                (SELECT count(*) FROM interactions i WHERE i.account_id = a.id)
         FROM accounts a",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, Option<i64>>(1)?,
            r.get::<_, i64>(2)?,
        ))
    })?;
    let mut out = BTreeMap::new();
    for row in rows {
        let (name, last, items) = row?;
        out.insert(
            name,
            (last.and_then(|s| DateTime::from_timestamp(s, 0)), items),
        );
    }
    Ok(out)
}

/// Renames the account `old` to `new`; its history follows. Returns the rows changed.
pub fn rename_account(conn: &Connection, old: &str, new: &str) -> rusqlite::Result<usize> {
    conn.execute(
        "UPDATE accounts SET name = ?2 WHERE name = ?1",
        params![old, new],
    )
}

/// One reply of an item as the outbox keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxEntry {
    pub id: i64,
    pub state: String,
    pub text: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub verdict: Option<String>,
    pub actor: String,
    pub created_at: Option<DateTime<Utc>>,
    pub sent_at: Option<DateTime<Utc>>,
    pub confirmed_at: Option<DateTime<Utc>>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub shadow: bool,
}

/// Every reply of the item in the outbox, oldest first.
pub fn outbox_of(conn: &Connection, id: InteractionId) -> Result<Vec<OutboxEntry>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, state, text, attempts, last_error, verdict, actor, created_at, sent_at,
                confirmed_at, cancelled_at, shadow
         FROM outbox WHERE interaction_id = ?1 ORDER BY id",
    )?;
    let when = |t: Option<i64>| t.and_then(|t| DateTime::from_timestamp(t, 0));
    let rows = stmt.query_map(params![id.0], |r| {
        Ok(OutboxEntry {
            id: r.get(0)?,
            state: r.get(1)?,
            text: r.get(2)?,
            attempts: r.get(3)?,
            last_error: r.get(4)?,
            verdict: r.get(5)?,
            actor: r.get(6)?,
            created_at: when(r.get(7)?),
            sent_at: when(r.get(8)?),
            confirmed_at: when(r.get(9)?),
            cancelled_at: when(r.get(10)?),
            shadow: r.get(11)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Every audit entry about the item, oldest first.
pub fn audit_of(conn: &Connection, id: InteractionId) -> Result<Vec<AuditRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, at, actor, action, interaction_id, detail FROM audit_log
         WHERE interaction_id = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map(params![id.0], |r| {
        Ok(AuditRow {
            id: r.get(0)?,
            at: DateTime::from_timestamp(r.get(1)?, 0).unwrap_or_default(),
            actor: r.get(2)?,
            action: r.get(3)?,
            interaction_id: r.get(4)?,
            detail: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The items a database holds; 0 when it has no schema yet.
pub fn items_stored(conn: &Connection) -> Result<i64> {
    let has_table: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'interactions')",
        [],
        |r| r.get(0),
    )?;
    if !has_table {
        return Ok(0);
    }
    Ok(conn.query_row("SELECT count(*) FROM interactions", [], |r| r.get(0))?)
}
