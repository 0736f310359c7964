use anyhow::Result;
use chrono::{DateTime, Duration, Utc};
use rusqlite::{params, Connection, OptionalExtension};

use super::processes::{holder_is_gone, Holder};
use super::to_db_time;

/// Takes or renews the lease `name` for `holder` until `now + ttl` (renewal is written only
/// once less than half of it is left). Returns whether
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
    let current: Option<(String, i64)> = conn
        .query_row(
            "SELECT holder, expires_at FROM leases WHERE name = ?1",
            params![name],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    // Held with more than half its time left: nothing to write (an idle process that
    // checks its lease every few seconds must not wake every other reader each time).
    if let Some((current, expires)) = &current {
        if current == holder && *expires > to_db_time(now + ttl / 2) {
            return Ok(true);
        }
    }
    let current = current.map(|(h, _)| h);
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

/// Who holds lease `name`, if anyone (the holder may be gone or the lease expired).
pub fn lease_holder(conn: &Connection, name: &str) -> Result<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT holder FROM leases WHERE name = ?1",
            params![name],
            |r| r.get(0),
        )
        .optional()?)
}

/// Gives the lease up, if `holder` has it.
pub fn release_lease(conn: &Connection, name: &str, holder: &str) -> Result<()> {
    conn.execute(
        "DELETE FROM leases WHERE name = ?1 AND holder = ?2",
        params![name, holder],
    )?;
    Ok(())
}

/// Pushes every lease and outbox claim of `holder` to at least `now + ttl`: the heartbeat
/// of a process while it works. A lease pushed further already (a sync lease kept between
/// passes) is left as it is, so an idle process writes nothing.
pub fn renew_held(
    conn: &Connection,
    holder: &str,
    now: DateTime<Utc>,
    ttl: Duration,
) -> Result<()> {
    let until = to_db_time(now + ttl);
    conn.execute(
        "UPDATE leases SET expires_at = ?2 WHERE holder = ?1 AND expires_at < ?2",
        params![holder, until],
    )?;
    conn.execute(
        "UPDATE outbox SET claim_expires = ?2 WHERE claimed_by = ?1 AND claim_expires < ?2",
        params![holder, until],
    )?;
    Ok(())
}

/// Who holds the sync of accounts now (a live process other than this one, with an
/// unexpired lease), as "daemon pid 4242", one entry per holder.
pub fn sync_holders(conn: &Connection, now: DateTime<Utc>) -> Result<Vec<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT DISTINCT holder FROM leases
         WHERE name LIKE 'sync:%' AND expires_at > ?1 ORDER BY holder",
    )?;
    let holders: Vec<String> = stmt
        .query_map(params![to_db_time(now)], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let this_process = |h: &str| {
        Holder::parse(h)
            .is_some_and(|h| h.pid == std::process::id() && h.host == super::processes::this_host())
    };
    Ok(holders
        .iter()
        .filter(|h| !holder_is_gone(h) && !this_process(h))
        .map(|h| {
            Holder::parse(h)
                .map(|h| h.describe())
                .unwrap_or_else(|| h.clone())
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_support::{store_with_sent_replies, temp_store, vm_steps};
    use chrono::TimeZone;

    #[test]
    fn a_heartbeat_examines_only_claimed_replies_however_many_were_sent() {
        let t0 = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
        let steps = |replies| {
            let (_dir, store) = store_with_sent_replies(replies);
            let conn = Connection::open(store.path()).unwrap();
            conn.execute(
                "UPDATE outbox SET claimed_by = 'a', claim_expires = 0 WHERE id = 1",
                [],
            )
            .unwrap();
            let (renewed, steps) = vm_steps(&conn, || {
                renew_held(&conn, "a", t0, Duration::seconds(45)).unwrap();
                conn.query_row("SELECT claim_expires FROM outbox WHERE id = 1", [], |r| {
                    r.get::<_, i64>(0)
                })
                .unwrap()
            });
            assert_eq!(renewed, (t0 + Duration::seconds(45)).timestamp());
            steps
        };
        let (few, many) = (steps(1_000), steps(5_000));
        assert!(
            many <= few + few / 10,
            "5 000 sent replies took {many} steps against {few} for 1 000"
        );
    }

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
        let dead = format!(
            "daemon:{gone}:0000beef@{}",
            super::super::processes::this_host()
        );
        assert!(try_lease(&conn, "outbox", &dead, t0, ttl).unwrap());
        assert!(
            try_lease(
                &conn,
                "outbox",
                &super::super::processes::holder_id_for(
                    super::super::processes::ProcessKind::Inbox
                ),
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
