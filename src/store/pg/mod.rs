//! The shared store of team mode on PostgreSQL: the same items, cursors and sync runs as
//! the SQLite store, plus claims and the team's roles (see docs/team.md).
//!
//! Reached by `[store] url = "postgres://…"` or `AGENTIQ_DATABASE_URL`. Connections are
//! plain TCP or a unix socket, without TLS: the database is expected on loopback, a
//! socket, or behind a tunnel the team sets up.

pub mod changes;
mod claims;
pub mod edits;
mod interactions;
pub mod outbox;
pub mod queue;
mod routing;
mod schema;
mod team;
pub mod trigram;
mod words;
mod workflow;
mod writer;

use anyhow::{Context, Result};

pub use claims::{claim_next, claim_ttl, release, set_claim_ttl, ClaimedItem, Release};
pub use interactions::{
    cursor, queue_page, record_sync_run, set_cursor, upsert_account, upsert_interactions, QueueItem,
};
pub use routing::{
    add_route, add_to_team, list_routes, remove_route, set_discipline, Discipline, Route,
};
pub use schema::{latest_version, migrate};
pub use team::{add_member, list_members, remove_member, set_role, Member, Role};
pub use workflow::{
    assign, auto_escalate, escalate, marks, renew, set_escalate_idle, Escalated, ItemMarks,
    Renewal, Workflow, EFFECTIVE_WORKFLOW,
};
pub use writer::PgWriter;

/// Where the shared database is; cheap to clone.
#[derive(Debug, Clone)]
pub struct PgStore {
    url: String,
}

impl PgStore {
    /// A store at `url`, not yet connected.
    pub fn new(url: impl Into<String>) -> PgStore {
        PgStore { url: url.into() }
    }

    /// Connects once and brings the schema up to date (as the owner who set it up).
    pub fn open(url: impl Into<String>) -> Result<PgStore> {
        let store = PgStore::new(url);
        let mut client = store.connect()?;
        migrate(&mut client).context("migrating the shared database")?;
        Ok(store)
    }

    /// Makes sure of search's trigram index (as the owner): whether searches use it.
    pub fn search_index(&self) -> Result<trigram::SearchIndex> {
        trigram::ensure_index(&mut self.connect()?)
    }

    /// A new connection.
    pub fn connect(&self) -> Result<postgres::Client> {
        postgres::Client::connect(&self.url, postgres::NoTls)
            .with_context(|| format!("connecting to {}", redacted(&self.url)))
    }

    /// A connection on its own thread, for async callers (the sync engine).
    pub fn writer(&self) -> Result<PgWriter> {
        Ok(PgWriter::spawn(self.connect()?))
    }

    /// [`PgStore::writer`] from async code: the blocking client connects on a thread of
    /// its own, since it cannot start inside the runtime.
    pub async fn writer_async(&self) -> Result<PgWriter> {
        let store = self.clone();
        let (tx, rx) = tokio::sync::oneshot::channel();
        std::thread::Builder::new()
            .name("pg-connect".into())
            .spawn(move || {
                let _ = tx.send(store.connect());
            })
            .context("spawning a thread to connect")?;
        let client = rx
            .await
            .map_err(|_| anyhow::anyhow!("the connecting thread stopped"))??;
        Ok(PgWriter::spawn(client))
    }
}

/// `t` to the whole second: the SQLite store keeps times in seconds, and what the
/// commands print from either store reads the same.
pub(crate) fn whole_seconds(t: chrono::DateTime<chrono::Utc>) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp(t.timestamp(), 0).unwrap_or(t)
}

/// `url` without its password, for messages and logs.
pub fn redacted(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let Some((credentials, host)) = rest.rsplit_once('@') else {
        return url.to_string();
    };
    let user = credentials.split(':').next().unwrap_or_default();
    format!("{scheme}://{user}@{host}")
}

#[cfg(test)]
mod tests {
    use super::redacted;

    #[test]
    fn a_password_never_reaches_a_message() {
        assert_eq!(
            redacted("postgres://maria:s3cret@127.0.0.1:5432/shop"),
            "postgres://maria@127.0.0.1:5432/shop"
        );
        assert_eq!(
            redacted("postgres://127.0.0.1/shop"),
            "postgres://127.0.0.1/shop"
        );
        assert_eq!(redacted("host=/tmp user=x"), "host=/tmp user=x");
    }
}
