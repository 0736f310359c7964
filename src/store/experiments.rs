//! Experiments between prompt/template versions, and the version recorded with each
//! draft and reply. The store keeps the experiment's arms and versions as JSON; what they
//! mean is `crate::experiments`'.

use anyhow::{bail, Result};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Row};

use super::{from_db_time, to_db_time};

/// An experiment as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct ExperimentRow {
    pub id: i64,
    pub name: String,
    /// running | paused | stopped
    pub state: String,
    pub account_id: Option<i64>,
    pub channel: Option<String>,
    pub intent: Option<String>,
    /// JSON `[{version, weight}]`.
    pub arms: String,
    /// JSON: the versions as they were at the start.
    pub versions: String,
    pub started_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub stopped_at: Option<DateTime<Utc>>,
}

/// An experiment to start.
#[derive(Debug, Clone, PartialEq)]
pub struct NewExperiment<'a> {
    pub name: &'a str,
    pub account_id: Option<i64>,
    pub channel: Option<&'a str>,
    pub intent: Option<&'a str>,
    pub arms: &'a str,
    pub versions: &'a str,
}

const COLUMNS: &str = "id, name, state, account_id, channel, intent, arms, versions, started_at,
                       updated_at, stopped_at";

fn row(r: &Row<'_>) -> rusqlite::Result<ExperimentRow> {
    Ok(ExperimentRow {
        id: r.get(0)?,
        name: r.get(1)?,
        state: r.get(2)?,
        account_id: r.get(3)?,
        channel: r.get(4)?,
        intent: r.get(5)?,
        arms: r.get(6)?,
        versions: r.get(7)?,
        started_at: from_db_time(r.get(8)?),
        updated_at: from_db_time(r.get(9)?),
        stopped_at: r.get::<_, Option<i64>>(10)?.map(from_db_time),
    })
}

/// The experiment running or paused, if any.
pub fn active_experiment(conn: &Connection) -> Result<Option<ExperimentRow>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM experiments WHERE state IN ('running', 'paused')
             ORDER BY id DESC LIMIT 1"
        ))?
        .query_row([], row)
        .optional()?)
}

/// The newest experiment, whatever its state.
pub fn latest_experiment(conn: &Connection) -> Result<Option<ExperimentRow>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM experiments ORDER BY id DESC LIMIT 1"
        ))?
        .query_row([], row)
        .optional()?)
}

/// One experiment by id.
pub fn experiment(conn: &Connection, id: i64) -> Result<Option<ExperimentRow>> {
    Ok(conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM experiments WHERE id = ?1"))?
        .query_row([id], row)
        .optional()?)
}

/// Starts an experiment; refused while another is running or paused. Returns its id.
pub fn start_experiment(
    conn: &mut Connection,
    new: &NewExperiment<'_>,
    now: DateTime<Utc>,
) -> Result<i64> {
    let tx = conn.transaction()?;
    if let Some(active) = active_experiment(&tx)? {
        bail!(
            "experiment '{}' is {}: stop it first (agentiq experiment stop)",
            active.name,
            active.state
        );
    }
    tx.execute(
        "INSERT INTO experiments (name, state, account_id, channel, intent, arms, versions,
                                  started_at, updated_at)
         VALUES (?1, 'running', ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
        params![
            new.name,
            new.account_id,
            new.channel,
            new.intent,
            new.arms,
            new.versions,
            to_db_time(now)
        ],
    )?;
    let id = tx.last_insert_rowid();
    tx.execute(
        "INSERT INTO audit_log (at, actor, action, detail)
         VALUES (?1, 'seller', 'experiment_started', json_object('experiment_id', ?2, 'name', ?3, 'arms', json(?4)))",
        params![to_db_time(now), id, new.name, new.arms],
    )?;
    tx.commit()?;
    Ok(id)
}

/// Moves the active experiment to `state` (running, paused or stopped) and returns it as
/// it is now; `None` when no experiment is running or paused.
pub fn set_experiment_state(
    conn: &mut Connection,
    state: &str,
    now: DateTime<Utc>,
) -> Result<Option<ExperimentRow>> {
    if !matches!(state, "running" | "paused" | "stopped") {
        bail!("unknown experiment state '{state}'");
    }
    let tx = conn.transaction()?;
    let Some(active) = active_experiment(&tx)? else {
        return Ok(None);
    };
    tx.execute(
        "UPDATE experiments SET state = ?2, updated_at = ?3,
                stopped_at = CASE WHEN ?2 = 'stopped' THEN ?3 ELSE stopped_at END
         WHERE id = ?1",
        params![active.id, state, to_db_time(now)],
    )?;
    tx.execute(
        "INSERT INTO audit_log (at, actor, action, detail)
         VALUES (?1, 'seller', 'experiment_' || ?3, json_object('experiment_id', ?2))",
        params![to_db_time(now), active.id, state],
    )?;
    let changed = experiment(&tx, active.id)?;
    tx.commit()?;
    Ok(changed)
}

/// Records the version that drafted `draft_id`, and the experiment that chose it.
pub fn record_draft_version(
    conn: &Connection,
    draft_id: i64,
    version: &str,
    experiment_id: Option<i64>,
) -> Result<()> {
    conn.prepare_cached("UPDATE drafts SET version = ?2, experiment_id = ?3 WHERE id = ?1")?
        .execute(params![draft_id, version, experiment_id])?;
    Ok(())
}

/// Copies the version of the draft a reply was sent from onto the reply.
pub fn record_reply_version(conn: &Connection, outbox_id: i64, draft_id: i64) -> Result<()> {
    conn.prepare_cached(
        "UPDATE outbox SET (version, experiment_id) =
             (SELECT version, experiment_id FROM drafts WHERE id = ?2)
         WHERE id = ?1",
    )?
    .execute(params![outbox_id, draft_id])?;
    Ok(())
}

/// When the seller opened the editor a reply was written in (migration 019): the time
/// from open to send per version is the reply's `created_at` less this.
pub fn record_reply_opened(
    conn: &Connection,
    outbox_id: i64,
    opened_at: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    conn.prepare_cached("UPDATE outbox SET opened_at = ?2 WHERE id = ?1 AND opened_at IS NULL")?
        .execute(rusqlite::params![outbox_id, super::to_db_time(opened_at)])?;
    Ok(())
}

/// The version recorded with a draft: (version, experiment id).
pub fn draft_version(conn: &Connection, draft_id: i64) -> Result<Option<(String, Option<i64>)>> {
    Ok(conn
        .prepare_cached(
            "SELECT version, experiment_id FROM drafts WHERE id = ?1 AND version IS NOT NULL",
        )?
        .query_row([draft_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn new<'a>(name: &'a str) -> NewExperiment<'a> {
        NewExperiment {
            name,
            account_id: None,
            channel: Some("review"),
            intent: None,
            arms: r#"[{"version":"a","weight":1},{"version":"b","weight":1}]"#,
            versions: "[]",
        }
    }

    #[test]
    fn one_active_experiment_at_a_time_and_its_states() {
        let mut conn = Connection::open_in_memory().unwrap();
        super::super::migrate_for_tests(&mut conn);
        let now = Utc.with_ymd_and_hms(2026, 12, 7, 12, 0, 0).unwrap();
        assert!(active_experiment(&conn).unwrap().is_none());
        let id = start_experiment(&mut conn, &new("first"), now).unwrap();
        let err = start_experiment(&mut conn, &new("second"), now).unwrap_err();
        assert!(err.to_string().contains("'first' is running"), "{err}");
        let paused = set_experiment_state(&mut conn, "paused", now)
            .unwrap()
            .unwrap();
        assert_eq!((paused.id, paused.state.as_str()), (id, "paused"));
        assert!(start_experiment(&mut conn, &new("second"), now).is_err());
        let stopped = set_experiment_state(&mut conn, "stopped", now)
            .unwrap()
            .unwrap();
        assert_eq!(stopped.stopped_at, Some(now));
        assert!(active_experiment(&conn).unwrap().is_none());
        assert!(set_experiment_state(&mut conn, "running", now)
            .unwrap()
            .is_none());
        let second = start_experiment(&mut conn, &new("second"), now).unwrap();
        assert_eq!(latest_experiment(&conn).unwrap().unwrap().id, second);
        let audited: i64 = conn
            .query_row(
                "SELECT count(*) FROM audit_log WHERE action LIKE 'experiment_%'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(audited, 4);
    }
}
