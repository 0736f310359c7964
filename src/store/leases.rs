use anyhow::Result;
use chrono::{DateTime, Duration, Utc};
use rusqlite::{params, Connection};

use super::to_db_time;

/// Takes or renews the lease `name` for `holder` until `now + ttl`. Returns whether
/// `holder` holds it: true when it was free, expired, or already this holder's.
pub fn try_lease(
    conn: &Connection,
    name: &str,
    holder: &str,
    now: DateTime<Utc>,
    ttl: Duration,
) -> Result<bool> {
    conn.execute(
        "INSERT INTO leases (name, holder, expires_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
         WHERE leases.holder = excluded.holder OR leases.expires_at <= ?4",
        params![name, holder, to_db_time(now + ttl), to_db_time(now)],
    )?;
    Ok(conn.changes() > 0)
}

/// Gives the lease up, if `holder` has it.
pub fn release_lease(conn: &Connection, name: &str, holder: &str) -> Result<()> {
    conn.execute(
        "DELETE FROM leases WHERE name = ?1 AND holder = ?2",
        params![name, holder],
    )?;
    Ok(())
}

/// A holder name unique to this process.
pub fn holder_id() -> String {
    format!("pid{}-{:08x}", std::process::id(), rand::random::<u32>())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_support::temp_store;
    use chrono::TimeZone;

    #[test]
    fn one_holder_at_a_time_until_expiry() {
        let (_dir, store) = temp_store();
        let conn = Connection::open(store.path()).unwrap();
        let t0 = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
        let ttl = Duration::seconds(30);
        assert!(try_lease(&conn, "outbox", "a", t0, ttl).unwrap());
        assert!(!try_lease(&conn, "outbox", "b", t0 + Duration::seconds(10), ttl).unwrap());
        assert!(
            try_lease(&conn, "outbox", "a", t0 + Duration::seconds(20), ttl).unwrap(),
            "renew"
        );
        assert!(!try_lease(&conn, "outbox", "b", t0 + Duration::seconds(49), ttl).unwrap());
        assert!(
            try_lease(&conn, "outbox", "b", t0 + Duration::seconds(50), ttl).unwrap(),
            "expired"
        );
        assert!(
            try_lease(&conn, "sync:1", "a", t0, ttl).unwrap(),
            "leases are independent"
        );
        release_lease(&conn, "outbox", "b").unwrap();
        assert!(try_lease(&conn, "outbox", "a", t0 + Duration::seconds(51), ttl).unwrap());
    }
}
