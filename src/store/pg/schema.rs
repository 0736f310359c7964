//! Embedded migrations for PostgreSQL, applied in order, each in its own transaction.
//! Processes that start together wait on one advisory lock instead of racing.

use anyhow::{Context, Result};

const MIGRATIONS: &[&str] = &[
    include_str!("migrations/001_shared_inbox.sql"),
    include_str!("migrations/002_claims_and_roles.sql"),
    include_str!("migrations/003_shared_outbox.sql"),
    include_str!("migrations/004_workflow_escalation.sql"),
    include_str!("migrations/005_live_inbox.sql"),
    include_str!("migrations/006_trigram_search.sql"),
];

/// An arbitrary key of the advisory lock that serialises migrations ("agentiq" in ASCII).
const MIGRATION_LOCK: i64 = 0x0061_6765_6e74_6971;

pub fn latest_version() -> usize {
    MIGRATIONS.len()
}

pub fn migrate(client: &mut postgres::Client) -> Result<()> {
    let mut tx = client.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS agentiq_migrations (
             version integer PRIMARY KEY,
             applied_at timestamptz NOT NULL DEFAULT now())",
    )?;
    let done: i32 = tx
        .query_one(
            "SELECT coalesce(max(version), 0) FROM agentiq_migrations",
            &[],
        )?
        .get(0);
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(done.max(0) as usize) {
        let version = index as i32 + 1;
        tx.batch_execute(sql)
            .with_context(|| format!("applying PostgreSQL migration {version:03}"))?;
        tx.execute(
            "INSERT INTO agentiq_migrations (version) VALUES ($1)",
            &[&version],
        )?;
    }
    tx.commit()?;
    Ok(())
}
