//! What every process on the store can learn about the others' health: whether the LLM
//! the drafting process calls is down, and which accounts' marketplaces the syncing
//! process cannot reach. The inbox reads both with its other presence data, so it tells
//! the truth whether the work runs in its own process or in a daemon.

use anyhow::Result;
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use super::processes::{pid_is_gone, this_host};
use super::{from_db_time, to_db_time};

/// A row of `settings` outside the editable scopes ('global', 'account:<id>').
const SCOPE: &str = "health";
const LLM_KEY: &str = "llm";

/// The LLM as the process that drafts last saw it: down, why, and since when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct LlmDown {
    error: String,
    since: i64,
    pid: u32,
    host: String,
}

/// Records what this process's drafting found: `Some(why)` while the LLM is down, `None`
/// once it answers again. Writes only when the state changes.
pub fn record_llm_health(conn: &Connection, down: Option<&str>, now: DateTime<Utc>) -> Result<()> {
    let stored = stored_llm(conn)?;
    match (down, stored) {
        (None, None) => {}
        (None, Some(_)) => {
            conn.execute(
                "DELETE FROM settings WHERE scope = ?1 AND key = ?2",
                params![SCOPE, LLM_KEY],
            )?;
        }
        (Some(_), Some(s)) if s.pid == std::process::id() && s.host == this_host() => {}
        (Some(error), _) => {
            let value = LlmDown {
                error: error.to_string(),
                since: to_db_time(now),
                pid: std::process::id(),
                host: this_host().to_string(),
            };
            conn.execute(
                "INSERT INTO settings (scope, key, value, updated_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (scope, key) DO UPDATE
                 SET value = excluded.value, updated_at = excluded.updated_at",
                params![
                    SCOPE,
                    LLM_KEY,
                    serde_json::to_string(&value)?,
                    to_db_time(now)
                ],
            )?;
        }
    }
    Ok(())
}

/// Why the LLM is down, as recorded by a drafting process that still runs; `None` when
/// it answers, or when nothing that drafts is left to know.
pub fn llm_unavailable(conn: &Connection) -> Result<Option<String>> {
    Ok(stored_llm(conn)?
        .filter(|s| !pid_is_gone(s.pid, &s.host))
        .map(|s| s.error))
}

fn stored_llm(conn: &Connection) -> Result<Option<LlmDown>> {
    let text: Option<String> = conn
        .prepare_cached("SELECT value FROM settings WHERE scope = ?1 AND key = ?2")?
        .query_row(params![SCOPE, LLM_KEY], |r| r.get(0))
        .optional()?;
    // A row this version cannot read says nothing.
    Ok(text.and_then(|t| serde_json::from_str(&t).ok()))
}

/// Accounts whose marketplace could not be reached on the latest sync run, by whichever
/// process ran it, and since when (the first failed run after the last one that got
/// through), by account name.
pub fn offline_accounts(conn: &Connection) -> Result<Vec<(String, DateTime<Utc>)>> {
    // Distinct pairs by hopping through the (account, connector, started_at) index.
    let mut next_pair = conn.prepare_cached(
        "SELECT account_id, connector FROM sync_runs
         WHERE (account_id, connector) > (?1, ?2)
         ORDER BY account_id, connector LIMIT 1",
    )?;
    let mut latest = conn.prepare_cached(
        "SELECT started_at, ok, error FROM sync_runs
         WHERE account_id = ?1 AND connector = ?2 ORDER BY started_at DESC LIMIT 1",
    )?;
    let mut last_ok = conn.prepare_cached(
        "SELECT started_at FROM sync_runs
         WHERE account_id = ?1 AND connector = ?2 AND ok = 1
         ORDER BY started_at DESC LIMIT 1",
    )?;
    let mut first_failure = conn.prepare_cached(
        "SELECT min(finished_at) FROM sync_runs
         WHERE account_id = ?1 AND connector = ?2 AND started_at > ?3",
    )?;
    // Each connector's latest run: (account, started_at, unreachable since).
    let mut runs: Vec<(i64, i64, Option<i64>)> = Vec::new();
    let mut cursor: (i64, String) = (i64::MIN, String::new());
    while let Some((account, connector)) = next_pair
        .query_row(params![cursor.0, cursor.1], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
        })
        .optional()?
    {
        let (started, ok, error): (i64, bool, Option<String>) = latest
            .query_row(params![account, connector], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })?;
        let unreachable = !ok
            && error
                .as_deref()
                .is_some_and(crate::connectors::is_network_text);
        let since = if unreachable {
            let ok_at: Option<i64> = last_ok
                .query_row(params![account, connector], |r| r.get(0))
                .optional()?;
            let first: Option<i64> = first_failure.query_row(
                params![account, connector, ok_at.unwrap_or(i64::MIN)],
                |r| r.get(0),
            )?;
            Some(first.unwrap_or(started))
        } else {
            None
        };
        runs.push((account, started, since));
        cursor = (account, connector);
    }
    // An account is offline when its newest run could not reach the marketplace (one
    // connector getting through means the network is there); the earliest failure of
    // its unreachable connectors dates it.
    let mut by_account: Vec<(i64, Option<i64>)> = Vec::new();
    for chunk in runs.chunk_by(|a, b| a.0 == b.0) {
        let newest = chunk.iter().max_by_key(|r| r.1).map(|r| r.2);
        let since = chunk.iter().filter_map(|r| r.2).min();
        by_account.push((chunk[0].0, newest.flatten().and(since)));
    }
    let mut name_of = conn.prepare_cached("SELECT name FROM accounts WHERE id = ?1")?;
    let mut out = Vec::new();
    for (account, since) in by_account {
        if let Some(since) = since {
            let name: String = name_of.query_row(params![account], |r| r.get(0))?;
            out.push((name, from_db_time(since)));
        }
    }
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Marketplace;
    use crate::store::test_support::temp_store;
    use crate::store::{record_sync_run, upsert_account, SyncRunRecord};
    use chrono::TimeZone;

    fn t(min: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 7, 10, 0, 0).unwrap() + chrono::Duration::minutes(min)
    }

    #[test]
    fn the_llm_is_down_until_the_drafting_process_records_it_answers() {
        let (_dir, store) = temp_store();
        let conn = Connection::open(store.path()).unwrap();
        assert_eq!(llm_unavailable(&conn).unwrap(), None);
        record_llm_health(&conn, Some("the request timed out"), t(0)).unwrap();
        assert_eq!(
            llm_unavailable(&conn).unwrap().as_deref(),
            Some("the request timed out")
        );
        // Still down: the row is not rewritten.
        record_llm_health(&conn, Some("HTTP 503"), t(1)).unwrap();
        let at: i64 = conn
            .query_row(
                "SELECT updated_at FROM settings WHERE scope = 'health'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(at, t(0).timestamp());
        record_llm_health(&conn, None, t(2)).unwrap();
        assert_eq!(llm_unavailable(&conn).unwrap(), None);
    }

    #[test]
    fn a_dead_drafting_process_says_nothing_about_the_llm() {
        let (_dir, store) = temp_store();
        let conn = Connection::open(store.path()).unwrap();
        let gone = LlmDown {
            error: "HTTP 503".into(),
            since: 0,
            pid: u32::MAX - 1,
            host: this_host().to_string(),
        };
        conn.execute(
            "INSERT INTO settings (scope, key, value, updated_at) VALUES ('health', 'llm', ?1, 0)",
            params![serde_json::to_string(&gone).unwrap()],
        )
        .unwrap();
        assert_eq!(llm_unavailable(&conn).unwrap(), None);
    }

    fn run(conn: &Connection, account: i64, connector: &str, at: i64, error: Option<&str>) {
        record_sync_run(
            conn,
            &SyncRunRecord {
                account_id: account,
                connector: connector.to_string(),
                started_at: t(at),
                finished_at: t(at) + chrono::Duration::seconds(5),
                ok: error.is_none(),
                requests: 1,
                pages: 0,
                items_seen: 0,
                items_new: 0,
                items_changed: 0,
                items_skipped: 0,
                error: error.map(str::to_string),
            },
        )
        .unwrap();
    }

    const UNREACHABLE: &str =
        "wb /api/v1/feedbacks: network: connection refused; stopped at page 1";

    #[test]
    fn an_account_is_offline_while_its_newest_sync_runs_cannot_reach_the_marketplace() {
        let (_dir, store) = temp_store();
        let conn = Connection::open(store.path()).unwrap();
        let wb = upsert_account(&conn, "wb-shop", Marketplace::Wb).unwrap();
        let ozon = upsert_account(&conn, "ozon-shop", Marketplace::Ozon).unwrap();
        run(&conn, wb, "wb_feedbacks", 0, None);
        run(&conn, wb, "wb_feedbacks", 1, Some(UNREACHABLE));
        run(&conn, wb, "wb_questions", 2, Some(UNREACHABLE));
        run(&conn, wb, "wb_feedbacks", 3, Some(UNREACHABLE));
        // A refusal is not being offline.
        run(
            &conn,
            ozon,
            "ozon_reviews",
            3,
            Some("ozon /v1/review/list: server error (HTTP 500)"),
        );
        assert_eq!(
            offline_accounts(&conn).unwrap(),
            vec![("wb-shop".to_string(), t(1) + chrono::Duration::seconds(5))]
        );
        // One connector getting through again: the network is back.
        run(&conn, wb, "wb_questions", 4, None);
        assert_eq!(offline_accounts(&conn).unwrap(), vec![]);
    }
}
