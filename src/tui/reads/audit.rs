//! The audit log, newest first, a page at a time.

use anyhow::Result;
use rusqlite::Connection;

pub use crate::store::ui_reads::AuditRow;
use crate::store::ui_reads::{audit_count, audit_entries};
use crate::tui::action::AuditRequest;

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
        audit_count(&tx)?
    } else {
        known_total.unwrap_or(0)
    };
    let end = request.offset.saturating_add(request.limit).min(total);
    let from_oldest = total - end;
    let rows = if request.offset < total && request.offset > from_oldest {
        let mut rows = audit_entries(&tx, from_oldest, end - request.offset, true)?;
        rows.reverse();
        rows
    } else {
        audit_entries(&tx, request.offset, request.limit, false)?
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
    use rusqlite::params;

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
