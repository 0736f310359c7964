//! The knowledge base's table and full-text index (migration 016): an import replaces
//! every entry, a search ranks by BM25 (title words weigh three times body words) with a
//! cap on the words asked and the rows returned.

use anyhow::{Context, Result};
use rusqlite::{params, Connection};

use crate::kb::{query_stems, Entry};

/// Replaces the whole knowledge base with `entries`, each with its account's id (`None`:
/// every account), in one transaction. Returns how many were stored.
pub fn replace_kb(
    conn: &mut Connection,
    entries: &[(Option<i64>, Entry)],
    now: i64,
) -> Result<usize> {
    let tx = conn.transaction()?;
    tx.execute("DELETE FROM kb_entries", [])?;
    {
        let mut insert = tx.prepare(
            "INSERT INTO kb_entries (account_id, kind, title, body, source, imported_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        for (account, e) in entries {
            insert
                .execute(params![account, e.kind, e.title, e.body, e.source, now])
                .with_context(|| format!("storing {}", e.source))?;
        }
    }
    tx.commit()?;
    Ok(entries.len())
}

const COLUMNS: &str = "e.id, a.name, e.kind, e.title, e.body, e.source";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Entry> {
    Ok(Entry {
        id: Some(r.get(0)?),
        account: r.get(1)?,
        kind: r.get(2)?,
        title: r.get(3)?,
        body: r.get(4)?,
        source: r.get(5)?,
    })
}

/// Which entries a read covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KbScope {
    /// Every entry.
    All,
    /// The global entries and the account's own.
    Account(i64),
}

impl KbScope {
    fn account(self) -> Option<i64> {
        match self {
            KbScope::All => None,
            KbScope::Account(id) => Some(id),
        }
    }
}

/// The entries in `scope`, in import order.
pub fn kb_entries(conn: &Connection, scope: KbScope) -> Result<Vec<Entry>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM kb_entries e LEFT JOIN accounts a ON a.id = e.account_id
         WHERE ?1 IS NULL OR e.account_id IS NULL OR e.account_id = ?1
         ORDER BY e.id"
    ))?;
    let rows = stmt
        .query_map(params![scope.account()], row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// The FTS5 expression for a text: its distinctive stems as prefixes, any of them.
fn match_expression(text: &str) -> Option<String> {
    let terms: Vec<String> = query_stems(&crate::store::search::fold_yo(text))
        .into_iter()
        .map(|s| format!("\"{}\"*", s.replace('"', "\"\"")))
        .collect();
    (!terms.is_empty()).then(|| terms.join(" OR "))
}

/// Up to `limit` entries in `scope` sharing words with `text`, best first by BM25.
pub fn kb_search(
    conn: &Connection,
    scope: KbScope,
    text: &str,
    limit: usize,
) -> Result<Vec<Entry>> {
    let Some(expression) = match_expression(text) else {
        return Ok(Vec::new());
    };
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM kb_fts
         JOIN kb_entries e ON e.id = kb_fts.rowid
         LEFT JOIN accounts a ON a.id = e.account_id
         WHERE kb_fts MATCH ?1 AND (?2 IS NULL OR e.account_id IS NULL OR e.account_id = ?2)
         ORDER BY bm25(kb_fts, 3.0, 1.0) LIMIT ?3"
    ))?;
    let rows = stmt
        .query_map(params![expression, scope.account(), limit as i64], row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::migrate_for_tests;

    fn entry(title: &str, body: &str) -> Entry {
        Entry {
            id: None,
            account: None,
            kind: "faq".into(),
            title: title.into(),
            body: body.into(),
            source: "faq.md#1".into(),
        }
    }

    #[test]
    fn import_replaces_and_search_ranks_and_scopes() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate_for_tests(&mut conn);
        for name in ["shop", "other"] {
            conn.execute(
                "INSERT INTO accounts (name, marketplace, created_at) VALUES (?1, 'wb', 0)",
                [name],
            )
            .unwrap();
        }
        let entries = vec![
            (
                None,
                entry("Уход за пледом", "Стирать при 30 °C. Не отбеливать."),
            ),
            (
                None,
                entry("Гарантия", "Гарантия 12 месяцев. Ремонт через чат."),
            ),
            (
                Some(1),
                entry(
                    "Упаковка",
                    "Подарочная упаковка бесплатно, пледы в коробке.",
                ),
            ),
            (
                Some(2),
                entry("Доставка", "Отправляем за сутки, ещё и пледы."),
            ),
        ];
        assert_eq!(replace_kb(&mut conn, &entries, 0).unwrap(), 4);
        let found = kb_search(&conn, KbScope::All, "Как стирать плед?", 5).unwrap();
        assert_eq!(found[0].title, "Уход за пледом", "title words rank first");
        assert_eq!(found.len(), 3, "every entry with 'плед'");
        let own = kb_search(&conn, KbScope::Account(1), "пледы", 5).unwrap();
        let titles: Vec<_> = own.iter().map(|e| e.title.as_str()).collect();
        assert!(titles.contains(&"Упаковка") && !titles.contains(&"Доставка"));
        assert_eq!(
            own.iter()
                .find(|e| e.title == "Упаковка")
                .unwrap()
                .account
                .as_deref(),
            Some("shop")
        );
        assert!(
            kb_search(&conn, KbScope::All, "ещё", 5).unwrap().is_empty(),
            "stop words only"
        );
        assert_eq!(
            kb_search(&conn, KbScope::All, "\"гарантия\" OR", 5)
                .unwrap()
                .len(),
            1
        );
        assert_eq!(kb_entries(&conn, KbScope::Account(2)).unwrap().len(), 3);
        replace_kb(&mut conn, &entries[..1], 1).unwrap();
        assert_eq!(kb_entries(&conn, KbScope::All).unwrap().len(), 1);
        assert!(kb_search(&conn, KbScope::All, "гарантия", 5)
            .unwrap()
            .is_empty());
    }
}
