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
    include_str!("migrations/021_fts_prefix_index.sql"),
    include_str!("migrations/022_team_cache.sql"),
    include_str!("migrations/023_draft_model.sql"),
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

    fn insert_item(conn: &Connection, external_id: &str, text: &str) {
        conn.execute(
            "INSERT INTO interactions (account_id, channel, external_id, source, text, product_name,
                 created_at, waiting_since, synced_at, state, tier, at_risk_at, due_at, raw)
             VALUES (1, 'review', ?1, 't', ?2, 'Плед флисовый', 0, 0, 0, 'open', 'low', 0, 0, '{}')",
            [external_id, text],
        )
        .unwrap();
    }

    fn hits(conn: &Connection, expression: &str) -> Vec<i64> {
        let mut stmt = conn
            .prepare(
                "SELECT rowid FROM interactions_fts WHERE interactions_fts MATCH ?1 ORDER BY rowid",
            )
            .unwrap();
        let rows = stmt.query_map([expression], |r| r.get(0)).unwrap();
        rows.map(Result::unwrap).collect()
    }

    /// Migration 021 makes the full-text table again with prefix indexes: what was
    /// indexed before is found as before (ё folded, every column), and the triggers keep
    /// the new table current.
    #[test]
    fn the_prefix_index_migration_keeps_what_was_indexed() {
        let before = MIGRATIONS
            .iter()
            .position(|sql| sql.contains("prefix = '2 3 4'"))
            .expect("migration 021 is listed");
        let mut conn = Connection::open_in_memory().unwrap();
        migrations().to_version(&mut conn, before).unwrap();
        conn.execute(
            "INSERT INTO accounts (name, marketplace, created_at) VALUES ('a', 'wb', 0)",
            [],
        )
        .unwrap();
        insert_item(&conn, "1", "Отличный плёд, ещё закажу");
        insert_item(&conn, "2", "Пришёл с дыркой");
        let asked = [
            "\"еще\"*",
            "\"пл\"*",
            "\"зака\"*",
            "\"пришел с ды\"*",
            "\"флис\"*",
        ];
        let old: Vec<Vec<i64>> = asked.iter().map(|q| hits(&conn, q)).collect();
        migrate(&mut conn).unwrap();
        let sql: String = conn
            .query_row(
                "SELECT sql FROM sqlite_master WHERE name = 'interactions_fts'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert!(sql.contains("prefix = '2 3 4'"), "{sql}");
        let new: Vec<Vec<i64>> = asked.iter().map(|q| hits(&conn, q)).collect();
        assert_eq!(new, old);
        assert_eq!(new[0], vec![1]);
        assert_eq!(
            new[1],
            vec![1, 2],
            "«плёд» of the text, «Плед» of the product"
        );
        insert_item(&conn, "3", "Ещё один");
        conn.execute(
            "UPDATE interactions SET text = 'Нормально' WHERE id = 1",
            [],
        )
        .unwrap();
        conn.execute("DELETE FROM interactions WHERE id = 2", [])
            .unwrap();
        assert_eq!(hits(&conn, "\"ещ\"*"), vec![3]);
        assert_eq!(hits(&conn, "\"норм\"*"), vec![1]);
        assert_eq!(hits(&conn, "\"дыр\"*"), Vec::<i64>::new());
    }
}
