//! A deadline on a read: SQLite's progress handler interrupts a statement still running
//! once the time is up, so a background read costs at most that, however big the store.

use std::time::{Duration, Instant};

use anyhow::Result;
use rusqlite::Connection;

/// How often, in virtual-machine steps, SQLite asks whether the deadline has passed.
const CHECK_EVERY: i32 = 1_000;

/// Runs `read` on `conn`, interrupted by SQLite once `budget` has passed (the error is
/// then [`is_interrupted`]).
pub fn within_deadline<T>(
    conn: &Connection,
    budget: Duration,
    read: impl FnOnce() -> Result<T>,
) -> Result<T> {
    let until = Instant::now() + budget;
    conn.progress_handler(CHECK_EVERY, Some(move || Instant::now() >= until))?;
    let result = read();
    conn.progress_handler(0, None::<fn() -> bool>)?;
    result
}

/// Whether `e` is SQLite stopping a statement at a deadline.
pub fn is_interrupted(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        matches!(
            cause.downcast_ref::<rusqlite::Error>(),
            Some(rusqlite::Error::SqliteFailure(f, _))
                if f.code == rusqlite::ErrorCode::OperationInterrupted
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A query that would run for minutes stops at its deadline; the connection is then
    /// usable again, without a deadline.
    #[test]
    fn a_long_read_stops_at_its_deadline() {
        let conn = Connection::open_in_memory().unwrap();
        let started = Instant::now();
        let endless = "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n)
                       SELECT count(*) FROM n";
        let result = within_deadline(&conn, Duration::from_millis(50), || {
            Ok(conn.query_row(endless, [], |r| r.get::<_, i64>(0))?)
        });
        let e = result.expect_err("interrupted");
        assert!(is_interrupted(&e), "{e:#}");
        assert!(started.elapsed() < Duration::from_secs(5));
        let one: i64 = conn.query_row("SELECT 1", [], |r| r.get(0)).unwrap();
        assert_eq!(one, 1);
        let quick = within_deadline(&conn, Duration::from_secs(5), || {
            Ok(conn.query_row("SELECT 2", [], |r| r.get::<_, i64>(0))?)
        });
        assert_eq!(quick.unwrap(), 2);
    }
}
