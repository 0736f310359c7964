//! What reconciliation reads and writes: the items it compares with the marketplace's
//! unanswered list, and the archiving of those the marketplace no longer has.

use anyhow::Result;
use rusqlite::{params, Connection};

/// The external ids of one source's items to compare with the marketplace: those still
/// open (or on their way), and those answered whose moderation verdict is still to come
/// (they left the unanswered list, so only a re-read can see it change).
pub fn reconcile_candidates(
    conn: &Connection,
    account_id: i64,
    source: &str,
) -> Result<(Vec<String>, Vec<String>)> {
    let ids = |sql: &str| -> Result<Vec<String>> {
        let mut stmt = conn.prepare(sql)?;
        let ids = stmt
            .query_map(params![account_id, source], |r| r.get(0))?
            .collect::<Result<Vec<String>, _>>()?;
        Ok(ids)
    };
    Ok((
        ids("SELECT external_id FROM interactions
             WHERE account_id = ?1 AND source = ?2 AND state IN ('open', 'pending')")?,
        ids("SELECT external_id FROM interactions
             WHERE account_id = ?1 AND source = ?2 AND state = 'answered'
               AND answer_moderation = 'under_review'")?,
    ))
}

/// Archives the open items the marketplace no longer has; returns how many.
pub fn archive_vanished(
    conn: &Connection,
    account_id: i64,
    source: &str,
    external_ids: &[String],
) -> Result<usize> {
    let mut archived = 0;
    for id in external_ids {
        archived += conn.execute(
            "UPDATE interactions SET state = 'archived'
             WHERE account_id = ?1 AND source = ?2 AND external_id = ?3 AND state = 'open'",
            params![account_id, source, id],
        )?;
    }
    Ok(archived)
}
