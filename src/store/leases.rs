use anyhow::Result;
use chrono::{DateTime, Duration, Utc};
use rusqlite::{params, Connection, OptionalExtension};

use super::to_db_time;

/// Takes or renews the lease `name` for `holder` until `now + ttl`. Returns whether
/// `holder` holds it: true when it was free, expired, already this holder's, or held by a
/// process of this machine that no longer runs (killed: it cannot renew or release it,
/// and waiting out its lease would hold replies back for nothing).
pub fn try_lease(
    conn: &Connection,
    name: &str,
    holder: &str,
    now: DateTime<Utc>,
    ttl: Duration,
) -> Result<bool> {
    let current: Option<String> = conn
        .query_row(
            "SELECT holder FROM leases WHERE name = ?1",
            params![name],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(current) = current.filter(|c| c != holder && holder_is_gone(c)) {
        conn.execute(
            "DELETE FROM leases WHERE name = ?1 AND holder = ?2",
            params![name, current],
        )?;
    }
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

/// Whether the process named in a [`holder_id`] is known to have ended. The database is a
/// local file, so its holders run on this machine. Unknown (another format, or no way to
/// tell on this platform) counts as running: its lease then simply expires.
fn holder_is_gone(holder: &str) -> bool {
    let Some(pid) = holder
        .strip_prefix("pid")
        .and_then(|rest| rest.split_once('-'))
        .and_then(|(pid, _)| pid.parse::<u32>().ok())
    else {
        return false;
    };
    if pid == std::process::id() {
        return false;
    }
    process_is_gone(pid)
}

#[cfg(target_os = "linux")]
fn process_is_gone(pid: u32) -> bool {
    !std::path::Path::new("/proc").join(pid.to_string()).exists()
}

#[cfg(not(target_os = "linux"))]
fn process_is_gone(_pid: u32) -> bool {
    false
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

    #[cfg(target_os = "linux")]
    #[test]
    fn a_lease_of_a_process_that_is_gone_is_free() {
        let (_dir, store) = temp_store();
        let conn = Connection::open(store.path()).unwrap();
        let t0 = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
        let ttl = Duration::seconds(30);
        // A child that has exited and been reaped: its pid names no process.
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let gone = child.id();
        child.wait().unwrap();
        let dead = format!("pid{gone}-0000beef");
        assert!(try_lease(&conn, "outbox", &dead, t0, ttl).unwrap());
        assert!(
            try_lease(
                &conn,
                "outbox",
                &holder_id(),
                t0 + Duration::seconds(1),
                ttl
            )
            .unwrap(),
            "taken over at once, not after the TTL"
        );
        // A live holder (this process, under another holder id) keeps it.
        assert!(!try_lease(&conn, "outbox", &dead, t0 + Duration::seconds(2), ttl).unwrap());
    }
}
