use anyhow::{Context, Result};
use rusqlite::{params, Connection, OptionalExtension};

use crate::domain::Marketplace;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRow {
    pub id: i64,
    pub name: String,
    pub marketplace: Marketplace,
}

/// Creates the account if it is new and returns its id either way.
pub fn upsert_account(conn: &Connection, name: &str, marketplace: Marketplace) -> Result<i64> {
    conn.execute(
        "INSERT INTO accounts (name, marketplace, created_at) VALUES (?1, ?2, strftime('%s','now'))
         ON CONFLICT (name) DO NOTHING",
        params![name, marketplace.as_str()],
    )
    .with_context(|| format!("saving account {name}"))?;
    let id = conn.query_row(
        "SELECT id FROM accounts WHERE name = ?1",
        params![name],
        |r| r.get(0),
    )?;
    Ok(id)
}

pub fn account_by_name(conn: &Connection, name: &str) -> Result<Option<AccountRow>> {
    Ok(conn
        .query_row(
            "SELECT id, name, marketplace FROM accounts WHERE name = ?1",
            params![name],
            row_to_account,
        )
        .optional()?)
}

pub fn accounts(conn: &Connection) -> Result<Vec<AccountRow>> {
    let mut stmt = conn.prepare("SELECT id, name, marketplace FROM accounts ORDER BY name")?;
    let rows = stmt.query_map([], row_to_account)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn row_to_account(r: &rusqlite::Row<'_>) -> rusqlite::Result<AccountRow> {
    let marketplace: String = r.get(2)?;
    Ok(AccountRow {
        id: r.get(0)?,
        name: r.get(1)?,
        marketplace: marketplace.parse().unwrap_or(Marketplace::Wb),
    })
}
