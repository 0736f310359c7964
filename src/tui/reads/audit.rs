//! The audit log, newest first, a page at a time.

use anyhow::Result;
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection};

use crate::tui::action::AuditRequest;

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

/// What one read of the audit log returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditSnapshot {
    pub request: AuditRequest,
    /// Entries in total, when counted.
    pub total: Option<usize>,
    /// Entries `request.offset ..`, newest first.
    pub rows: Vec<AuditRow>,
}

/// Entries newest first (in the order they were written), from whichever end of the log
/// is nearer, so the last page costs as little as the first.
pub fn read_audit(
    conn: &Connection,
    request: AuditRequest,
    known_total: Option<usize>,
) -> Result<AuditSnapshot> {
    let tx = conn.unchecked_transaction()?;
    let total = if request.with_total || known_total.is_none() {
        let n: i64 = tx.query_row("SELECT count(*) FROM audit_log", [], |r| r.get(0))?;
        usize::try_from(n).unwrap_or(0)
    } else {
        known_total.unwrap_or(0)
    };
    let end = request.offset.saturating_add(request.limit).min(total);
    let from_oldest = total - end;
    let read = |sql: &str, skip: usize, limit: usize| -> Result<Vec<AuditRow>> {
        let mut stmt = tx.prepare_cached(sql)?;
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
    };
    let rows = if request.offset < total && request.offset > from_oldest {
        let mut rows = read(
            "SELECT id, at, actor, action, interaction_id, detail FROM audit_log
             ORDER BY id ASC LIMIT ?1 OFFSET ?2",
            from_oldest,
            end - request.offset,
        )?;
        rows.reverse();
        rows
    } else {
        read(
            "SELECT id, at, actor, action, interaction_id, detail FROM audit_log
             ORDER BY id DESC LIMIT ?1 OFFSET ?2",
            request.offset,
            request.limit,
        )?
    };
    drop(tx);
    Ok(AuditSnapshot {
        request,
        total: Some(total),
        rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db(n: i64) -> Connection {
        let mut conn = Connection::open_in_memory().unwrap();
        crate::store::migrate_for_tests(&mut conn);
        for i in 1..=n {
            conn.execute(
                "INSERT INTO audit_log (at, actor, action, detail) VALUES (?1, 'human', ?2, '{}')",
                params![1_800_000_000 + i, format!("a{i}")],
            )
            .unwrap();
        }
        conn
    }

    fn actions(s: &AuditSnapshot) -> Vec<String> {
        s.rows.iter().map(|r| r.action.clone()).collect()
    }

    #[test]
    fn pages_are_newest_first_from_either_end() {
        let conn = db(10);
        let req = |offset, limit| AuditRequest {
            offset,
            limit,
            with_total: true,
        };
        let first = read_audit(&conn, req(0, 3), None).unwrap();
        assert_eq!(first.total, Some(10));
        assert_eq!(actions(&first), ["a10", "a9", "a8"]);
        let last = read_audit(&conn, req(8, 5), Some(10)).unwrap();
        assert_eq!(actions(&last), ["a2", "a1"]);
        let middle = read_audit(&conn, req(6, 2), Some(10)).unwrap();
        assert_eq!(actions(&middle), ["a4", "a3"]);
        let empty = read_audit(&db(0), req(0, 5), None).unwrap();
        assert_eq!((empty.total, empty.rows.len()), (Some(0), 0));
    }
}
