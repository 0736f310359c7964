//! The `settings` table: one JSON text per scope (`global`, `account:<id>`) and section
//! key. What the sections hold and how their layers merge is `crate::settings`'.

use anyhow::Result;
use rusqlite::{params, Connection, OptionalExtension};

/// The text stored for section `key` in `scope`, if any.
pub fn stored_setting(conn: &Connection, scope: &str, key: &str) -> Result<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT value FROM settings WHERE scope = ?1 AND key = ?2",
            params![scope, key],
            |r| r.get(0),
        )
        .optional()?)
}

/// Stores `value` as section `key` of `scope`, replacing what was there.
pub fn save_setting(conn: &Connection, scope: &str, key: &str, value: &str) -> Result<()> {
    conn.execute(
        "INSERT INTO settings (scope, key, value, updated_at) VALUES (?1, ?2, ?3, strftime('%s','now'))
         ON CONFLICT (scope, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        params![scope, key, value],
    )?;
    Ok(())
}

/// Removes section `key` of `scope`.
pub fn clear_setting(conn: &Connection, scope: &str, key: &str) -> Result<()> {
    conn.execute(
        "DELETE FROM settings WHERE scope = ?1 AND key = ?2",
        params![scope, key],
    )?;
    Ok(())
}

/// Marks the open items of `account` (every account for `None`) for re-classification,
/// so background preparation moves their clocks to changed rules.
pub fn reclassify_open_items(conn: &Connection, account: Option<i64>) -> Result<()> {
    match account {
        None => conn.execute(
            "UPDATE interactions SET classified_at = NULL WHERE state = 'open'",
            [],
        )?,
        Some(id) => conn.execute(
            "UPDATE interactions SET classified_at = NULL
             WHERE state = 'open' AND account_id = ?1",
            [id],
        )?,
    };
    Ok(())
}
