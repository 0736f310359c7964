use anyhow::Result;
use rusqlite::Connection;
use rusqlite_migration::{Migrations, M};

/// Embedded migrations, applied in order; the schema version lives in `user_version`.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/001_initial.sql"),
    include_str!("migrations/002_leases.sql"),
    include_str!("migrations/003_notifications.sql"),
    include_str!("migrations/004_customer_links.sql"),
    include_str!("migrations/005_replies.sql"),
    include_str!("migrations/006_hot_path_indexes.sql"),
    include_str!("migrations/007_newest_and_linking.sql"),
    include_str!("migrations/008_delivery_claims.sql"),
    include_str!("migrations/009_autoreply_live.sql"),
    include_str!("migrations/010_window_indexes.sql"),
    include_str!("migrations/011_answer_edits.sql"),
    include_str!("migrations/012_draft_reasons.sql"),
    include_str!("migrations/014_background_bounds.sql"),
    include_str!("migrations/016_kb.sql"),
    include_str!("migrations/017_learning.sql"),
    include_str!("migrations/018_experiments.sql"),
    include_str!("migrations/019_intent_corrections.sql"),
    include_str!("migrations/020_open_counts.sql"),
    include_str!("migrations/022_team_cache.sql"),
];

fn migrations() -> Migrations<'static> {
    Migrations::new(MIGRATIONS.iter().map(|sql| M::up(sql)).collect())
}

/// The `user_version` of a database with every migration applied.
pub fn latest_version() -> usize {
    MIGRATIONS.len()
}

pub fn migrate(conn: &mut Connection) -> Result<()> {
    migrations().to_latest(conn)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_valid() {
        migrations().validate().expect("valid migrations");
    }

    #[test]
    fn migrating_twice_is_a_no_op() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite");
        let mut conn = Connection::open(&path).unwrap();
        migrate(&mut conn).unwrap();
        conn.execute(
            "INSERT INTO accounts (name, marketplace, created_at) VALUES ('shop', 'wb', 0)",
            [],
        )
        .unwrap();
        drop(conn);
        let mut again = Connection::open(&path).unwrap();
        migrate(&mut again).unwrap();
        let n: i64 = again
            .query_row("SELECT count(*) FROM accounts", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 1, "existing data survives a second migration run");
        let version: i64 = again
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version as usize, MIGRATIONS.len());
    }

    #[test]
    fn fts5_is_compiled_in() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        conn.execute(
            "INSERT INTO accounts (name, marketplace, created_at) VALUES ('a', 'wb', 0)",
            [],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO interactions (account_id, channel, external_id, source, text, created_at,
                 waiting_since, synced_at, state, tier, at_risk_at, due_at, raw)
             VALUES (1, 'review', 'x', 't', 'Отличный плед, ещё закажу', 0, 0, 0, 'open', 'low', 0, 0, '{}')",
            [],
        )
        .unwrap();
        let hits: i64 = conn
            .query_row(
                "SELECT count(*) FROM interactions_fts WHERE interactions_fts MATCH 'еще'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(hits, 1, "ё and е match each other");
    }
}
