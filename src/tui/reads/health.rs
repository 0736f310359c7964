//! Sync health per account and connector, from `sync_runs` (read by the store:
//! `store::ui_reads`).

use anyhow::Result;
use chrono::{DateTime, Utc};
use rusqlite::Connection;

pub use crate::store::ui_reads::{HealthRow, WINDOW};

/// Every (account, connector) that has run, by account name then connector.
pub fn read_health(conn: &Connection, now: DateTime<Utc>) -> Result<Vec<HealthRow>> {
    crate::store::ui_reads::sync_health(conn, now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Marketplace;
    use crate::store::{record_sync_run, upsert_account, SyncRunRecord};
    use chrono::{Duration, TimeZone};

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
