//! The trigram index behind prefix search on the shared store (migration 006): whether
//! it is there, and building it once `pg_trgm` exists. Creating the extension may need a
//! superuser where the database's owner is not allowed to (see docs/team.md); search
//! works without the index, by scanning.

use anyhow::{Context, Result};
use postgres::GenericClient;

/// What prefix search runs on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SearchIndex {
    /// `pg_trgm` and the index are there.
    Trigram,
    /// `pg_trgm` could not be created (the reason): searches scan the items.
    Scanning(String),
}

/// Makes sure of the index as the store's owner: tries `CREATE EXTENSION pg_trgm` when it
/// is missing (in a savepoint, so a refusal changes nothing), then builds the index when
/// the extension is there and the index is not (a superuser created the extension after
/// migration 006 ran without it).
pub fn ensure_index(client: &mut postgres::Client) -> Result<SearchIndex> {
    let mut tx = client.transaction()?;
    if !has_extension(&mut tx)? {
        let mut attempt = tx.transaction()?;
        match attempt.batch_execute("CREATE EXTENSION IF NOT EXISTS pg_trgm") {
            Ok(()) => attempt.commit()?,
            Err(e) => {
                let reason = e
                    .as_db_error()
                    .map(|d| d.message().to_string())
                    .unwrap_or_else(|| e.to_string());
                drop(attempt);
                tx.rollback()?;
                return Ok(SearchIndex::Scanning(reason));
            }
        }
    }
    let indexed: bool = tx
        .query_one("SELECT to_regclass('interactions_words') IS NOT NULL", &[])?
        .get(0);
    if !indexed {
        tx.batch_execute(
            "CREATE INDEX interactions_words ON interactions USING gin
                 (agentiq_words(text, pros, cons, product_name, customer_name) gin_trgm_ops)",
        )
        .context("building the trigram index of search")?;
    }
    tx.commit()?;
    Ok(SearchIndex::Trigram)
}

fn has_extension(client: &mut impl GenericClient) -> Result<bool> {
    Ok(client
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm')",
            &[],
        )?
        .get(0))
}

/// The warning the owner's commands print while searches scan.
pub fn scanning_warning(reason: &str) -> String {
    format!(
        "warning: search on the shared database scans every item: pg_trgm is missing ({reason}); \
         a PostgreSQL superuser runs `CREATE EXTENSION pg_trgm;` once in this database, \
         and the next `agentiq sync` builds the index (docs/team.md)"
    )
}
