//! The reads the inbox's screens make beyond the queue: sync health per account and
//! connector (from `sync_runs`), and the audit log a page at a time.
//!
//! Every health query walks the `(account_id, connector, started_at)` index over a bounded
//! range (the last day, or back to the last success), so the cost does not grow with
//! months of history.

use anyhow::Result;
use chrono::{DateTime, Duration, Utc};
use rusqlite::{params, Connection, OptionalExtension};

/// The window success rate and item counts cover.
pub const WINDOW: Duration = Duration::hours(24);

/// How one connector of one account has been syncing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthRow {
    pub account: String,
    pub connector: String,
    /// When the latest run finished, and whether it succeeded.
    pub last_run: Option<DateTime<Utc>>,
    pub last_ok: bool,
    /// When the latest successful run finished.
    pub last_success: Option<DateTime<Utc>>,
    /// Runs and successful runs in the last [`WINDOW`].
    pub runs: u32,
    pub successes: u32,
    /// Items seen, new and changed in the last [`WINDOW`].
    pub items_seen: u64,
    pub items_new: u64,
    pub items_changed: u64,
    /// Failed runs since the latest success.
    pub consecutive_failures: u32,
    /// The latest run's error, when it failed.
    pub last_error: Option<String>,
    /// HTTP requests the latest run made, a failed one's included.
    pub last_requests: u32,
}

impl HealthRow {
    /// Successful runs in the window, in percent; `None` without runs.
    pub fn success_rate(&self) -> Option<u32> {
        (self.runs > 0).then(|| self.successes * 100 / self.runs)
    }
}

fn time(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(secs, 0).unwrap_or_default()
}

/// Every (account, connector) that has run, by account name then connector.
pub fn sync_health(conn: &Connection, now: DateTime<Utc>) -> Result<Vec<HealthRow>> {
    let since = (now - WINDOW).timestamp();
    let mut rows = Vec::new();
    // Distinct pairs by hopping through the index, one seek per pair.
    let mut next_pair = conn.prepare_cached(
        "SELECT account_id, connector FROM sync_runs
         WHERE (account_id, connector) > (?1, ?2)
         ORDER BY account_id, connector LIMIT 1",
    )?;
    let mut cursor: (i64, String) = (i64::MIN, String::new());
    while let Some(pair) = next_pair
        .query_row(params![cursor.0, cursor.1], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
        })
        .optional()?
    {
        cursor = pair.clone();
        let (account_id, connector) = pair;
        rows.push(connector_health(conn, account_id, connector, since)?);
    }
    rows.sort_by(|a, b| (&a.account, &a.connector).cmp(&(&b.account, &b.connector)));
    Ok(rows)
}

/// One connector's health: its latest run, latest success, failures since, and the
/// window's counts (runs started at `since` or later).
fn connector_health(
    conn: &Connection,
    account_id: i64,
    connector: String,
    since: i64,
) -> Result<HealthRow> {
    let account: String = conn
        .prepare_cached("SELECT name FROM accounts WHERE id = ?1")?
        .query_row(params![account_id], |r| r.get(0))
        .optional()?
        .unwrap_or_else(|| format!("#{account_id}"));
    let (last_run, last_ok, last_error, last_requests) = conn
        .prepare_cached(
            "SELECT finished_at, ok, error, requests FROM sync_runs
             WHERE account_id = ?1 AND connector = ?2 ORDER BY started_at DESC LIMIT 1",
        )?
        .query_row(params![account_id, connector], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, bool>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, u32>(3)?,
            ))
        })
        .optional()?
        .map_or((None, false, None, 0), |(t, ok, e, n)| {
            (Some(time(t)), ok, if ok { None } else { e }, n)
        });
    let success: Option<(i64, i64)> = conn
        .prepare_cached(
            "SELECT started_at, finished_at FROM sync_runs
             WHERE account_id = ?1 AND connector = ?2 AND ok = 1
             ORDER BY started_at DESC LIMIT 1",
        )?
        .query_row(params![account_id, connector], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    let consecutive_failures: u32 = conn
        .prepare_cached(
            "SELECT count(*) FROM sync_runs
             WHERE account_id = ?1 AND connector = ?2 AND started_at > ?3 AND ok = 0",
        )?
        .query_row(
            params![account_id, connector, success.map_or(i64::MIN, |s| s.0)],
            |r| r.get(0),
        )?;
    let (runs, successes, seen, new, changed): (u32, u32, i64, i64, i64) = conn
        .prepare_cached(
            "SELECT count(*), coalesce(sum(ok), 0), coalesce(sum(items_seen), 0),
                    coalesce(sum(items_new), 0), coalesce(sum(items_changed), 0)
             FROM sync_runs WHERE account_id = ?1 AND connector = ?2 AND started_at >= ?3",
        )?
        .query_row(params![account_id, connector, since], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?;
    Ok(HealthRow {
        account,
        connector,
        last_run,
        last_ok,
        last_success: success.map(|s| time(s.1)),
        runs,
        successes,
        items_seen: u64::try_from(seen).unwrap_or(0),
        items_new: u64::try_from(new).unwrap_or(0),
        items_changed: u64::try_from(changed).unwrap_or(0),
        consecutive_failures,
        last_error,
        last_requests,
    })
}

/// One audit entry as the screen shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRow {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub interaction_id: Option<i64>,
    /// JSON, as written.
    pub detail: String,
}

/// How many entries the audit log holds.
pub fn audit_count(conn: &Connection) -> Result<usize> {
    let n: i64 = conn.query_row("SELECT count(*) FROM audit_log", [], |r| r.get(0))?;
    Ok(usize::try_from(n).unwrap_or(0))
}

/// `limit` entries after skipping `skip`, counted from the oldest when `oldest_first`,
/// else from the newest, in that order.
pub fn audit_entries(
    conn: &Connection,
    skip: usize,
    limit: usize,
    oldest_first: bool,
) -> Result<Vec<AuditRow>> {
    let sql = if oldest_first {
        "SELECT id, at, actor, action, interaction_id, detail FROM audit_log
         ORDER BY id ASC LIMIT ?1 OFFSET ?2"
    } else {
        "SELECT id, at, actor, action, interaction_id, detail FROM audit_log
         ORDER BY id DESC LIMIT ?1 OFFSET ?2"
    };
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(
        params![
            i64::try_from(limit).unwrap_or(i64::MAX),
            i64::try_from(skip).unwrap_or(i64::MAX)
        ],
        |r| {
            Ok(AuditRow {
                id: r.get(0)?,
                at: DateTime::from_timestamp(r.get(1)?, 0).unwrap_or_default(),
                actor: r.get(2)?,
                action: r.get(3)?,
                interaction_id: r.get(4)?,
                detail: r.get(5)?,
            })
        },
    )?;
    Ok(rows.collect::<Result<_, _>>()?)
}
