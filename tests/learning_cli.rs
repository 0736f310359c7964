//! `agentiq learnt list | forget` and the `[learning]` settings from the command line,
//! on a store whose drafts learnt something (the real binary).

mod common;

use std::path::Path;

use agentiq::domain::Marketplace;
use agentiq::store::learning::{note_phrase, PhraseLesson};
use agentiq::store::{self, Store};
use chrono::Utc;
use serde_json::Value;

fn agentiq(dir: &Path, args: &[&str]) -> (i32, String, String) {
    common::run_agentiq(dir, args)
}

fn lines(out: &str) -> Vec<Value> {
    out.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// A store with one shop whose drafts learnt a sign-off (twice: in use) and a phrase to
/// avoid (once: still learning).
fn store_with_lessons(dir: &Path) {
    // Opening creates the database with its schema.
    Store::open(dir.join("data").join("agentiq.db")).unwrap();
    let writer_conn = rusqlite::Connection::open(dir.join("data").join("agentiq.db")).unwrap();
    let account = store::upsert_account(&writer_conn, "shop", Marketplace::Wb).unwrap();
    let lesson = |kind, phrase| PhraseLesson {
        kind,
        channel: if kind == "avoid" { "" } else { "review" },
        product_external_id: "",
        phrase,
        norm: phrase,
    };
    for _ in 0..2 {
        note_phrase(
            &writer_conn,
            account,
            &lesson("closing", "С уважением, «Уют»."),
            Utc::now(),
        )
        .unwrap();
    }
    note_phrase(
        &writer_conn,
        account,
        &lesson("avoid", "Хорошего дня!"),
        Utc::now(),
    )
    .unwrap();
}

#[test]
fn what_was_learnt_is_listed_and_forgotten() {
    let dir = tempfile::tempdir().unwrap();
    store_with_lessons(dir.path());
    let (code, out, err) = agentiq(dir.path(), &["learnt", "list", "--json"]);
    assert_eq!(code, 0, "{err}");
    let rows = lines(&out);
    assert_eq!(rows.len(), 2, "{out}");
    let closing = rows.iter().find(|r| r["kind"] == "closing").unwrap();
    assert_eq!(closing["in_use"], true);
    assert_eq!(closing["channel"], "review");
    let avoid = rows.iter().find(|r| r["kind"] == "avoid").unwrap();
    assert_eq!(avoid["in_use"], false, "seen once: still learning");

    let (code, text, _) = agentiq(dir.path(), &["learnt", "list", "--lang", "en"]);
    assert_eq!(code, 0);
    assert!(
        text.contains("«С уважением, «Уют».»") && text.contains("in use"),
        "{text}"
    );

    let id = closing["id"].as_i64().unwrap().to_string();
    let (code, out, err) = agentiq(dir.path(), &["learnt", "forget", &id, "--account", "shop"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains('1'), "{out}");
    let (_, out, _) = agentiq(dir.path(), &["learnt", "list", "--json"]);
    assert_eq!(lines(&out).len(), 1, "{out}");
    // Forgetting what is not there is a data error; asking for nothing, a usage error.
    assert_eq!(agentiq(dir.path(), &["learnt", "forget", &id]).0, 65);
    assert_eq!(agentiq(dir.path(), &["learnt", "forget"]).0, 64);
    let (code, out, _) = agentiq(dir.path(), &["learnt", "forget", "--all"]);
    assert_eq!(code, 0);
    assert!(out.contains('1'), "{out}");
}

#[test]
fn the_approval_threshold_is_a_checked_setting() {
    let dir = tempfile::tempdir().unwrap();
    store_with_lessons(dir.path());
    let key = "learning.approved_max_edit_distance";
    let (code, out, _) = agentiq(dir.path(), &["settings", "get", key, "--json"]);
    assert_eq!(code, 0);
    assert_eq!(serde_json::from_str::<Value>(&out).unwrap()["value"], 0.2);
    let (code, _, err) = agentiq(dir.path(), &["settings", "set", key, "1.5"]);
    assert_eq!(code, 64, "{err}");
    assert!(err.contains("at most 1"), "{err}");
    let (code, _, err) = agentiq(
        dir.path(),
        &["settings", "set", key, "0.3", "--account", "shop"],
    );
    assert_eq!(code, 0, "{err}");
    let (_, out, _) = agentiq(
        dir.path(),
        &["settings", "get", key, "--account", "shop", "--json"],
    );
    assert_eq!(serde_json::from_str::<Value>(&out).unwrap()["value"], 0.3);
}
