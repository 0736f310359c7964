//! Intent corrections and `agentiq model retrain` through the real binary: the seller
//! corrects intents with `agentiq intent`, the item's draft is made again for the new
//! intent, and retraining keeps the shop's own model only when it beats the shipped one
//! on the held-out corrections (then the shop's other items are classified by it).

mod common;

use std::path::Path;

use agentiq::domain::{Channel, Marketplace, NewInteraction, ProductRef};
use agentiq::store::{self, Store};
use chrono::{Duration, Utc};
use serde_json::Value;

fn agentiq(dir: &Path, args: &[&str]) -> (i32, String, String) {
    common::run_agentiq(dir, args)
}

fn json(dir: &Path, args: &[&str]) -> Value {
    let (code, out, err) = agentiq(dir, args);
    assert_eq!(code, 0, "{args:?}: {err}");
    serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("{args:?}: {e}: {out}"))
}

/// A shop that files every question about a discount under `availability` (price and
/// stock are one desk there); the shipped model reads most of them as `pre_purchase`.
const DISCOUNT_QUESTIONS: &str = include_str!("fixtures/intents/discount_questions.txt");

fn discount_questions() -> Vec<&'static str> {
    DISCOUNT_QUESTIONS.lines().collect()
}

/// An item of the same kind the seller never corrected.
const UNCORRECTED: &str = "Будет ли скидка на простыни?";

/// The shop's open questions, in this order (ids 1, 2, ...).
fn store_with_questions(dir: &Path, texts: &[&str]) {
    let path = dir.join("data").join("agentiq.db");
    Store::open(&path).unwrap();
    let mut conn = rusqlite::Connection::open(&path).unwrap();
    let account = store::upsert_account(&conn, "shop", Marketplace::Wb).unwrap();
    let now = Utc::now();
    let items: Vec<NewInteraction> = texts
        .iter()
        .enumerate()
        .map(|(i, text)| NewInteraction {
            channel: Channel::Question,
            external_id: format!("q{i}"),
            product: Some(ProductRef {
                external_id: "100".into(),
                name: Some("Плед".into()),
                brand: None,
            }),
            customer_name: None,
            customer_external_id: None,
            text: (*text).into(),
            pros: None,
            cons: None,
            photos: 0,
            rating: None,
            created_at: now - Duration::minutes(60 - i as i64),
            answer: None,
            archived: false,
            messages: Vec::new(),
            reply_handle: None,
            raw: serde_json::json!({ "id": i }),
        })
        .collect();
    let tx = conn.transaction().unwrap();
    agentiq::sync::upsert_interactions(&tx, account, "test", &items, now).unwrap();
    tx.commit().unwrap();
}

fn intent_of(dir: &Path, id: i64) -> String {
    let shown = json(dir, &["show", &id.to_string(), "--json"]);
    shown["intent"].as_str().unwrap_or_default().to_string()
}

#[test]
fn corrections_retrain_a_model_that_is_kept_and_used() {
    let dir = tempfile::tempdir().unwrap();
    let mut texts = discount_questions();
    texts.push(UNCORRECTED);
    store_with_questions(dir.path(), &texts);
    let extra = texts.len() as i64;

    for id in 1..=discount_questions().len() as i64 {
        let done = json(
            dir.path(),
            &["intent", &id.to_string(), "availability", "--json"],
        );
        assert_eq!(done["new_intent"], "availability");
        assert_eq!(intent_of(dir.path(), id), "availability");
        // The draft was made again, for the corrected intent.
        let draft = json(dir.path(), &["draft", &id.to_string(), "--json"]);
        assert_eq!(draft["intent"], "availability", "{draft}");
    }
    let before = intent_of(dir.path(), extra);
    assert_ne!(
        before, "availability",
        "the shipped model reads it otherwise"
    );

    let report = json(dir.path(), &["model", "retrain", "--json"]);
    assert_eq!(report["kept"], true, "{report}");
    assert_eq!(report["corrections"], 12);
    assert_eq!(report["heldout"], 4);
    assert!(
        report["own_correct"].as_u64() > report["shipped_correct"].as_u64(),
        "{report}"
    );
    // The shop's other open items were classified again, by its own model.
    assert_eq!(intent_of(dir.path(), extra), "availability");
}

#[test]
fn too_few_corrections_train_nothing_and_keep_nothing() {
    let dir = tempfile::tempdir().unwrap();
    store_with_questions(dir.path(), &discount_questions()[..4]);
    for id in 1..=4 {
        json(
            dir.path(),
            &["intent", &id.to_string(), "availability", "--json"],
        );
    }
    let (code, out, err) = agentiq(dir.path(), &["model", "retrain"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("too few corrections"), "{out}");
    let report = json(dir.path(), &["model", "retrain", "--json"]);
    assert_eq!(report["kept"], false, "{report}");
    assert_eq!(report["verdict"], "too_few_corrections");
    assert_eq!(report["heldout"], 1);
    // An unknown intent is a usage error that names the valid ones.
    let (code, _, err) = agentiq(dir.path(), &["intent", "1", "discount"]);
    assert_eq!(code, 64, "{err}");
    assert!(err.contains("availability"), "{err}");
    // A missing item is a data error.
    let (code, _, _) = agentiq(dir.path(), &["intent", "99", "thanks"]);
    assert_ne!(code, 0);
}
