//! Who works on this database: each process registers itself with what it can reach, so
//! a reply nobody can send is shown as waiting, and the inbox can say who syncs.
//!
//! A process is named by a holder id (`daemon:4242:1a2b3c4d@host`) that it also uses for
//! leases and outbox claims. The database is a local file, so a holder on this host whose
//! pid no longer runs is gone: its leases and claims may be taken over at once.

use anyhow::Result;
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection};

use super::to_db_time;
use crate::domain::Channel;

/// What kind of process holds something, as shown to the user ("sync: daemon pid 4242").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProcessKind {
    Inbox,
    Daemon,
    Once,
    Cli,
}

impl ProcessKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ProcessKind::Inbox => "inbox",
            ProcessKind::Daemon => "daemon",
            ProcessKind::Once => "sync-once",
            ProcessKind::Cli => "cli",
        }
    }

    fn parse(s: &str) -> Option<ProcessKind> {
        Some(match s {
            "inbox" => ProcessKind::Inbox,
            "daemon" => ProcessKind::Daemon,
            "sync-once" => ProcessKind::Once,
            "cli" => ProcessKind::Cli,
            _ => return None,
        })
    }
}

/// A holder id taken apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    pub kind: Option<ProcessKind>,
    pub pid: u32,
    pub host: String,
}

impl Holder {
    pub fn parse(holder: &str) -> Option<Holder> {
        let (rest, host) = holder.rsplit_once('@')?;
        let mut parts = rest.split(':');
        let kind = ProcessKind::parse(parts.next()?);
        let pid = parts.next()?.parse().ok()?;
        Some(Holder {
            kind,
            pid,
            host: host.to_string(),
        })
    }

    /// "daemon pid 4242" (with the host when it is another machine's).
    pub fn describe(&self) -> String {
        let kind = self.kind.map(ProcessKind::as_str).unwrap_or("process");
        if self.host == this_host() {
            format!("{kind} pid {}", self.pid)
        } else {
            format!("{kind} pid {} on {}", self.pid, self.host)
        }
    }
}

/// A holder id unique to this process and kind.
pub fn holder_id_for(kind: ProcessKind) -> String {
    format!(
        "{}:{}:{:08x}@{}",
        kind.as_str(),
        std::process::id(),
        rand::random::<u32>(),
        this_host()
    )
}

/// This machine's name (the kernel's), or `localhost` where it cannot be read.
pub fn this_host() -> &'static str {
    static HOST: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HOST.get_or_init(|| {
        std::fs::read_to_string("/proc/sys/kernel/hostname")
            .ok()
            .map(|h| h.trim().replace(['@', ':'], "_"))
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| "localhost".to_string())
    })
}

/// Whether the process behind a holder id is known to have ended: it ran on this host and
/// its pid is gone. Unknown formats and other hosts count as running (their claims
/// expire instead).
pub fn holder_is_gone(holder: &str) -> bool {
    let Some(h) = Holder::parse(holder) else {
        return false;
    };
    pid_is_gone(h.pid, &h.host)
}

/// Whether process `pid` on `host` is known to have ended (see [`holder_is_gone`]).
pub(crate) fn pid_is_gone(pid: u32, host: &str) -> bool {
    if host != this_host() || pid == std::process::id() {
        return false;
    }
    process_is_gone(pid)
}

#[cfg(target_os = "linux")]
fn process_is_gone(pid: u32) -> bool {
    // A zombie (killed, not yet reaped by its parent) holds nothing either.
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .is_some_and(|state| state == "Z" || state == "X"),
    }
}

#[cfg(not(target_os = "linux"))]
fn process_is_gone(_pid: u32) -> bool {
    false
}

/// Records this process and the (account, channel) pairs it has connectors for.
pub fn register_process(
    conn: &Connection,
    holder: &str,
    kind: ProcessKind,
    reaches: &[(i64, Channel)],
    now: DateTime<Utc>,
) -> Result<()> {
    let reaches: Vec<String> = reaches
        .iter()
        .map(|(account, channel)| format!("{account}:{}", channel.as_str()))
        .collect();
    conn.execute(
        "INSERT INTO processes (holder, kind, pid, host, started_at, reaches)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (holder) DO UPDATE SET reaches = excluded.reaches",
        params![
            holder,
            kind.as_str(),
            std::process::id(),
            this_host(),
            to_db_time(now),
            serde_json::to_string(&reaches)?
        ],
    )?;
    // Rows of processes that ended without unregistering (killed) are cleaned here.
    let holders: Vec<String> = conn
        .prepare("SELECT holder FROM processes")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for gone in holders.iter().filter(|h| holder_is_gone(h)) {
        conn.execute("DELETE FROM processes WHERE holder = ?1", params![gone])?;
    }
    Ok(())
}

/// Removes this process's row and gives up its leases and claims (a clean exit).
pub fn unregister_process(conn: &Connection, holder: &str) -> Result<()> {
    conn.execute("DELETE FROM processes WHERE holder = ?1", params![holder])?;
    conn.execute("DELETE FROM leases WHERE holder = ?1", params![holder])?;
    conn.execute(
        "UPDATE outbox SET claimed_by = NULL, claim_expires = NULL WHERE claimed_by = ?1",
        params![holder],
    )?;
    Ok(())
}

/// A running process as registered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessRow {
    pub holder: String,
    pub kind: Option<ProcessKind>,
    pub pid: u32,
    pub reaches: Vec<(i64, String)>,
}

/// The registered processes still running (dead ones are left out, not deleted: readers
/// do not write).
pub fn live_processes(conn: &Connection) -> Result<Vec<ProcessRow>> {
    let mut stmt = conn.prepare_cached("SELECT holder, kind, pid, reaches FROM processes")?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, u32>(2)?,
            r.get::<_, String>(3)?,
        ))
    })?;
    let mut live = Vec::new();
    for row in rows {
        let (holder, kind, pid, reaches) = row?;
        if holder_is_gone(&holder) {
            continue;
        }
        let reaches: Vec<String> = serde_json::from_str(&reaches).unwrap_or_default();
        live.push(ProcessRow {
            holder,
            kind: ProcessKind::parse(&kind),
            pid,
            reaches: reaches
                .iter()
                .filter_map(|r| {
                    let (account, channel) = r.split_once(':')?;
                    Some((account.parse().ok()?, channel.to_string()))
                })
                .collect(),
        });
    }
    Ok(live)
}

/// Shops (account names) with replies waiting that no running process can send: the
/// inbox shows them as "waiting for a process that has this shop".
pub fn unreachable_outbox_accounts(conn: &Connection) -> Result<Vec<(String, usize)>> {
    let live = live_processes(conn)?;
    let mut stmt = conn.prepare_cached(
        "SELECT i.account_id, i.channel, a.name, count(*)
         FROM outbox o JOIN interactions i ON i.id = o.interaction_id
         JOIN accounts a ON a.id = i.account_id
         WHERE o.state IN ('queued', 'sending') AND o.shadow = 0
         GROUP BY i.account_id, i.channel",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, i64>(3)?,
        ))
    })?;
    let mut waiting: Vec<(String, usize)> = Vec::new();
    for row in rows {
        let (account, channel, name, n) = row?;
        let reached = live.iter().any(|p| {
            p.reaches
                .iter()
                .any(|(a, c)| *a == account && *c == channel)
        });
        if reached {
            continue;
        }
        match waiting.iter_mut().find(|(existing, _)| *existing == name) {
            Some((_, total)) => *total += n as usize,
            None => waiting.push((name, n as usize)),
        }
    }
    Ok(waiting)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_support::temp_store;

    #[test]
    fn holder_ids_name_kind_pid_and_host() {
        let id = holder_id_for(ProcessKind::Daemon);
        let h = Holder::parse(&id).unwrap();
        assert_eq!(h.kind, Some(ProcessKind::Daemon));
        assert_eq!(h.pid, std::process::id());
        assert_eq!(h.describe(), format!("daemon pid {}", std::process::id()));
        assert!(!holder_is_gone(&id));
        assert!(Holder::parse("pid12-abc").is_none());
        assert!(
            !holder_is_gone("pid12-abc"),
            "unknown formats count as running"
        );
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_holder_whose_process_ended_is_gone() {
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        child.wait().unwrap();
        assert!(holder_is_gone(&format!(
            "inbox:{pid}:00000000@{}",
            this_host()
        )));
        assert!(
            !holder_is_gone(&format!("inbox:{pid}:00000000@elsewhere")),
            "another host's pid says nothing"
        );
    }

    #[test]
    fn registered_processes_are_listed_until_they_leave() {
        let (_dir, store) = temp_store();
        let conn = Connection::open(store.path()).unwrap();
        let me = holder_id_for(ProcessKind::Inbox);
        register_process(
            &conn,
            &me,
            ProcessKind::Inbox,
            &[(1, Channel::Review)],
            Utc::now(),
        )
        .unwrap();
        let live = live_processes(&conn).unwrap();
        assert_eq!(live.len(), 1);
        assert_eq!(live[0].reaches, vec![(1, "review".to_string())]);
        unregister_process(&conn, &me).unwrap();
        assert!(live_processes(&conn).unwrap().is_empty());
    }
}
