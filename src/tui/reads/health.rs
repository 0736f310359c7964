//! Sync health per account and connector, from `sync_runs`.
//!
//! Every query walks the `(account_id, connector, started_at)` index over a bounded range
//! (the last day, or back to the last success), so the cost does not grow with months of
//! history.

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
pub fn read_health(conn: &Connection, now: DateTime<Utc>) -> Result<Vec<HealthRow>> {
    let since = (now - WINDOW).timestamp();
    let mut rows = Vec::new();
    // Distinct pairs by hopping through the index, one seek per pair.
    let mut next_pair = conn.prepare_cached(
        "SELECT account_id, connector FROM sync_runs
         WHERE (account_id, connector) > (?1, ?2)
         ORDER BY account_id, connector LIMIT 1",
    )?;
    let mut last = conn.prepare_cached(
        "SELECT finished_at, ok, error, requests FROM sync_runs
         WHERE account_id = ?1 AND connector = ?2 ORDER BY started_at DESC LIMIT 1",
    )?;
    let mut last_success = conn.prepare_cached(
        "SELECT started_at, finished_at FROM sync_runs
         WHERE account_id = ?1 AND connector = ?2 AND ok = 1
         ORDER BY started_at DESC LIMIT 1",
    )?;
    let mut failures_since = conn.prepare_cached(
        "SELECT count(*) FROM sync_runs
         WHERE account_id = ?1 AND connector = ?2 AND started_at > ?3 AND ok = 0",
    )?;
    let mut window = conn.prepare_cached(
        "SELECT count(*), coalesce(sum(ok), 0), coalesce(sum(items_seen), 0),
                coalesce(sum(items_new), 0), coalesce(sum(items_changed), 0)
         FROM sync_runs WHERE account_id = ?1 AND connector = ?2 AND started_at >= ?3",
    )?;
    let mut account_name = conn.prepare_cached("SELECT name FROM accounts WHERE id = ?1")?;
    let mut cursor: (i64, String) = (i64::MIN, String::new());
    while let Some(pair) = next_pair
        .query_row(params![cursor.0, cursor.1], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
        })
        .optional()?
    {
        cursor = pair.clone();
        let (account_id, connector) = pair;
        let account: String = account_name
            .query_row(params![account_id], |r| r.get(0))
            .optional()?
            .unwrap_or_else(|| format!("#{account_id}"));
        let (last_run, last_ok, last_error, last_requests) = last
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
        let success: Option<(i64, i64)> = last_success
            .query_row(params![account_id, connector], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        let consecutive_failures: u32 = failures_since.query_row(
            params![account_id, connector, success.map_or(i64::MIN, |s| s.0)],
            |r| r.get(0),
        )?;
        let (runs, successes, seen, new, changed): (u32, u32, i64, i64, i64) = window
            .query_row(params![account_id, connector, since], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })?;
        rows.push(HealthRow {
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
        });
    }
    rows.sort_by(|a, b| (&a.account, &a.connector).cmp(&(&b.account, &b.connector)));
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Marketplace;
    use crate::store::{record_sync_run, upsert_account, SyncRunRecord};
    use chrono::TimeZone;

    fn t(min: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 2, 12, 0, 0).unwrap() + Duration::minutes(min)
    }

    #[test]
    fn health_counts_runs_failures_and_the_last_error() {
        let mut conn = Connection::open_in_memory().unwrap();
        crate::store::migrate_for_tests(&mut conn);
        let shop = upsert_account(&conn, "Уютный дом", Marketplace::Wb).unwrap();
        let other = upsert_account(&conn, "Альфа", Marketplace::Ozon).unwrap();
        let run = |account_id, connector: &str, at: i64, ok: bool, error: Option<&str>| {
            record_sync_run(
                &conn,
                &SyncRunRecord {
                    account_id,
                    connector: connector.into(),
                    started_at: t(at),
                    finished_at: t(at) + Duration::seconds(5),
                    ok,
                    items_seen: 10,
                    items_new: 2,
                    items_changed: 1,
                    error: error.map(str::to_string),
                    ..SyncRunRecord::default()
                },
            )
            .unwrap();
        };
        run(shop, "wb_feedbacks", -3000, false, Some("old"));
        run(shop, "wb_feedbacks", 0, true, None);
        run(shop, "wb_feedbacks", 10, false, Some("HTTP 500"));
        run(shop, "wb_feedbacks", 20, false, Some("HTTP 429"));
        run(shop, "wb_questions", 20, true, None);
        run(other, "ozon_reviews", 5, false, Some("timeout"));
        let rows = read_health(&conn, t(30)).unwrap();
        let names: Vec<_> = rows
            .iter()
            .map(|r| format!("{}/{}", r.account, r.connector))
            .collect();
        assert_eq!(
            names,
            [
                "Альфа/ozon_reviews",
                "Уютный дом/wb_feedbacks",
                "Уютный дом/wb_questions"
            ]
        );
        let fb = &rows[1];
        assert_eq!(
            (fb.runs, fb.successes),
            (3, 1),
            "the run 50 h ago is outside the day"
        );
        assert_eq!(fb.success_rate(), Some(33));
        assert_eq!(fb.consecutive_failures, 2);
        assert_eq!(fb.last_error.as_deref(), Some("HTTP 429"));
        assert!(!fb.last_ok);
        assert_eq!(fb.last_success, Some(t(0) + Duration::seconds(5)));
        assert_eq!(fb.items_seen, 30);
        let q = &rows[2];
        assert_eq!((q.consecutive_failures, q.last_error.as_deref()), (0, None));
        let alpha = &rows[0];
        assert_eq!((alpha.last_success, alpha.consecutive_failures), (None, 1));
    }
}
