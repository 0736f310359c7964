//! The `notifications_sent` table: what was acted on, so nothing notifies twice, across
//! restarts and across the processes sharing the database.

use anyhow::Result;
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};

use super::model::{LedgerKey, Outcome};

/// The table, as in `src/store/migrations/003_notifications.sql` (idempotent).
pub const SCHEMA: &str = include_str!("../store/migrations/003_notifications.sql");

/// Creates the table if the database does not have it yet.
pub fn ensure_schema(conn: &Connection) -> Result<()> {
    conn.execute_batch(SCHEMA)?;
    Ok(())
}

/// Whether `key` was acted on.
pub fn contains(conn: &Connection, key: &LedgerKey) -> Result<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT 1 FROM notifications_sent WHERE subject = ?1 AND level = ?2 AND since = ?3",
        )?
        .query_row(params![key.subject, key.level.as_str(), key.since], |_| {
            Ok(())
        })
        .optional()?
        .is_some())
}

/// Records `key` unless it is there already; true when this call recorded it, so of two
/// processes racing for one event exactly one shows it.
pub fn claim(
    conn: &Connection,
    key: &LedgerKey,
    outcome: Outcome,
    at: DateTime<Utc>,
) -> Result<bool> {
    let n = conn
        .prepare_cached(
            "INSERT OR IGNORE INTO notifications_sent (subject, level, since, outcome, at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![
            key.subject,
            key.level.as_str(),
            key.since,
            outcome.as_str(),
            at.timestamp()
        ])?;
    Ok(n == 1)
}

/// Records `record` as given and claims `deliver` as sent, in one transaction; returns,
/// for each of `deliver`, whether this call claimed it.
pub fn claim_all(
    conn: &mut Connection,
    record: &[(LedgerKey, Outcome)],
    deliver: &[LedgerKey],
    at: DateTime<Utc>,
) -> Result<Vec<bool>> {
    let tx = conn.transaction()?;
    for (key, outcome) in record {
        claim(&tx, key, *outcome, at)?;
    }
    let claimed = deliver
        .iter()
        .map(|key| claim(&tx, key, Outcome::Sent, at))
        .collect::<Result<Vec<_>>>()?;
    tx.commit()?;
    Ok(claimed)
}

/// The outcome recorded for `key`, if any.
pub fn outcome(conn: &Connection, key: &LedgerKey) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT outcome FROM notifications_sent WHERE subject = ?1 AND level = ?2 AND since = ?3")?
        .query_row(params![key.subject, key.level.as_str(), key.since], |r| r.get(0))
        .optional()?)
}

/// Forgets records older than `before`; returns how many.
pub fn prune(conn: &Connection, before: DateTime<Utc>) -> Result<usize> {
    Ok(conn.execute(
        "DELETE FROM notifications_sent WHERE at < ?1",
        params![before.timestamp()],
    )?)
}
