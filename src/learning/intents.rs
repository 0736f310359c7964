//! The seller's corrections of the intent teach the classifier (docs/drafts.md, "Intent
//! corrections"): a correction fixes the item's intent at once (its SLA tier and its
//! draft follow), and `agentiq model retrain` trains the intent model on the shipped
//! corpus plus the account's corrections, keeping it for the account only when it beats
//! the shipped model on a held-out slice of those corrections.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use anyhow::{anyhow, Result};
use chrono::{DateTime, Utc};
use rusqlite::Connection;
use serde::Serialize;

use crate::ai::intent_model::{self, Model};
use crate::ai::intent_train::{evaluate, parse_corpus, train, Example, TrainParams};
use crate::ai::{Classification, Intent};
use crate::domain::{Channel, ChatMessage, Interaction, InteractionId};
use crate::store::{self, intents as rows};

/// The corpus the shipped model was trained on, and the part it never saw.
const CORPUS_TRAIN: &str = include_str!("../../data/intents/train.tsv");
const CORPUS_HELDOUT: &str = include_str!("../../data/intents/heldout.tsv");

/// Each training correction counts as this many corpus texts: a shop's own labels are
/// few against the corpus's 1,879, and they are the ones that shop's items look like.
const CORRECTION_WEIGHT: usize = 16;
/// Every third correction, oldest first, is held out of training to test on.
const HOLDOUT_EVERY: usize = 3;
/// Fewer held-out corrections than this cannot tell two models apart.
pub const MIN_HELDOUT: usize = 3;
/// Loaded account models kept in memory (about 8 MB each).
const CACHED_MODELS: usize = 8;

/// What a correction did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Corrected {
    pub interaction_id: i64,
    pub account_id: i64,
    pub old_intent: Option<String>,
    pub new_intent: String,
    /// False when the item already had that intent: nothing was recorded.
    pub changed: bool,
}

/// Records the seller's intent for an item and applies it (`store::intents::
/// record_correction`): runs on the writer. `None` when there is no such item.
pub fn correct(
    conn: &Connection,
    id: InteractionId,
    intent: Intent,
    now: DateTime<Utc>,
) -> Result<Option<Corrected>> {
    let Some(item) = store::interaction(conn, id)? else {
        return Ok(None);
    };
    let thread = thread(conn, &item)?;
    let old_intent = rows::current_intent(conn, id)?;
    let new_intent = intent.as_str();
    let changed = old_intent.as_deref() != Some(new_intent);
    if changed {
        rows::record_correction(
            conn,
            &rows::NewCorrection {
                interaction_id: id,
                account_id: item.account_id,
                channel: item.channel.as_str(),
                rating: item.rating.map(crate::domain::Rating::stars),
                text: &crate::ai::classifier_text(&item, &thread),
                old_intent: old_intent.as_deref(),
                new_intent,
            },
            now,
        )?;
    }
    Ok(Some(Corrected {
        interaction_id: id.0,
        account_id: item.account_id,
        old_intent,
        new_intent: new_intent.to_string(),
        changed,
    }))
}

fn thread(conn: &Connection, item: &Interaction) -> Result<Vec<ChatMessage>> {
    if item.channel == Channel::Chat {
        store::chat_messages(conn, item.id)
    } else {
        Ok(Vec::new())
    }
}

/// How an item is classified: by its account's own model when one was kept (else the
/// shipped one), with the intent the seller chose when they corrected it.
pub fn classify_item(
    conn: &Connection,
    item: &Interaction,
    thread: &[ChatMessage],
) -> Result<Classification> {
    let own = account_model(conn, item.account_id)?;
    let model = match own.as_deref() {
        Some(own) => Some(own),
        None => intent_model::shipped(),
    };
    let mut c = crate::ai::classify_interaction_with(model, item, thread);
    if let Some(intent) = rows::corrected_intent(conn, item.id)?.and_then(|i| Intent::parse(&i)) {
        c.intent = intent;
        c.intent_confidence = 1.0;
    }
    Ok(c)
}

/// The account's own intent model, if one was kept: read and parsed once per model (the
/// check per call is one primary-key read).
pub fn account_model(conn: &Connection, account_id: i64) -> Result<Option<Arc<Model>>> {
    static CACHE: OnceLock<Mutex<HashMap<i64, Arc<Model>>>> = OnceLock::new();
    let Some(info) = rows::intent_model_info(conn, account_id)? else {
        return Ok(None);
    };
    let cache = CACHE.get_or_init(Default::default);
    if let Some(model) = lock(cache).get(&info.digest) {
        return Ok(Some(model.clone()));
    }
    let Some(bytes) = rows::intent_model_bytes(conn, account_id)? else {
        return Ok(None);
    };
    let model = Arc::new(
        Model::from_bytes(&bytes)
            .map_err(|e| anyhow!("the intent model kept for account {account_id}: {e}"))?,
    );
    let mut cached = lock(cache);
    if cached.len() >= CACHED_MODELS {
        cached.clear();
    }
    cached.insert(info.digest, model.clone());
    Ok(Some(model))
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while inserting leaves a usable map.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The model's bytes named by FNV-1a (64-bit), as stored.
fn digest(bytes: &[u8]) -> i64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h as i64
}

/// Why a retrained model was kept or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// It got more held-out corrections right than the shipped model.
    Kept,
    /// It did not: the shipped model classifies the account's items.
    NotBetter,
    /// Too few corrections to hold [`MIN_HELDOUT`] out: nothing was trained.
    TooFewCorrections,
}

/// What a retraining found, with its figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Retrained {
    pub account_id: i64,
    pub verdict: Verdict,
    /// The account's corrections (newest per item), and how they were split.
    pub corrections: usize,
    pub trained_on: usize,
    pub heldout: usize,
    /// Held-out corrections each model got right.
    pub shipped_correct: usize,
    pub own_correct: usize,
    /// The shipped corpus's held-out part (data/intents/heldout.tsv): how each model does
    /// on texts from other shops.
    pub corpus_heldout: usize,
    pub shipped_corpus_correct: usize,
    pub own_corpus_correct: usize,
    /// How long training took.
    pub train_ms: u64,
}

impl Retrained {
    pub fn kept(&self) -> bool {
        self.verdict == Verdict::Kept
    }
}

/// The corrections as labelled examples, oldest first (unknown names are skipped).
fn examples(corrections: &[rows::IntentCorrection]) -> Vec<Example> {
    corrections
        .iter()
        .filter_map(|c| {
            Some(Example {
                intent: Intent::parse(&c.new_intent)?,
                channel: c.channel.parse().ok()?,
                stars: c.rating,
                text: c.text.clone(),
            })
        })
        .collect()
}

/// The deterministic split: every [`HOLDOUT_EVERY`]-th correction is held out.
fn split(examples: Vec<Example>) -> (Vec<Example>, Vec<Example>) {
    let (held, trained): (Vec<_>, Vec<_>) = examples
        .into_iter()
        .enumerate()
        .partition(|(i, _)| i % HOLDOUT_EVERY == HOLDOUT_EVERY - 1);
    (
        trained.into_iter().map(|(_, e)| e).collect(),
        held.into_iter().map(|(_, e)| e).collect(),
    )
}

/// Trains a model on the shipped corpus plus `corrections` (the held-out slice left
/// out) and compares it with `shipped` on that slice. The model is returned when kept.
pub fn retrain_on(
    account_id: i64,
    corrections: &[rows::IntentCorrection],
    shipped: &Model,
) -> Result<(Retrained, Option<Model>)> {
    let all = examples(corrections);
    let total = all.len();
    let (trained, heldout) = split(all);
    let corpus_heldout = parse_corpus("heldout.tsv", CORPUS_HELDOUT).map_err(|e| anyhow!(e))?;
    let mut report = Retrained {
        account_id,
        verdict: Verdict::TooFewCorrections,
        corrections: total,
        trained_on: trained.len(),
        heldout: heldout.len(),
        shipped_correct: evaluate(shipped, &heldout).correct,
        own_correct: 0,
        corpus_heldout: corpus_heldout.len(),
        shipped_corpus_correct: 0,
        own_corpus_correct: 0,
        train_ms: 0,
    };
    if heldout.len() < MIN_HELDOUT {
        return Ok((report, None));
    }
    let mut set = parse_corpus("train.tsv", CORPUS_TRAIN).map_err(|e| anyhow!(e))?;
    for ex in &trained {
        set.extend(std::iter::repeat_n(ex.clone(), CORRECTION_WEIGHT));
    }
    let started = std::time::Instant::now();
    let model = train(&set, TrainParams::default());
    report.train_ms = started.elapsed().as_millis() as u64;
    report.own_correct = evaluate(&model, &heldout).correct;
    report.shipped_corpus_correct = evaluate(shipped, &corpus_heldout).correct;
    report.own_corpus_correct = evaluate(&model, &corpus_heldout).correct;
    if report.own_correct > report.shipped_correct {
        report.verdict = Verdict::Kept;
        Ok((report, Some(model)))
    } else {
        report.verdict = Verdict::NotBetter;
        Ok((report, None))
    }
}

/// Retrains the account's model from its corrections and keeps it when it scores
/// better, forgetting the one kept before when it does not (reads on `conn`, training
/// off the writer; `keep` stores the outcome on the writer).
pub fn retrain(conn: &Connection, account_id: i64) -> Result<(Retrained, Option<Vec<u8>>)> {
    let shipped = intent_model::shipped()
        .ok_or_else(|| anyhow!("no shipped intent model to compare with"))?;
    let corrections = rows::corrections(conn, account_id)?;
    let (report, model) = retrain_on(account_id, &corrections, shipped)?;
    Ok((report, model.map(|m| m.to_bytes())))
}

/// Stores what [`retrain`] decided: the kept model, or none (the shipped one).
pub fn keep(
    conn: &Connection,
    report: &Retrained,
    model: Option<&[u8]>,
    now: DateTime<Utc>,
) -> Result<()> {
    match model {
        Some(bytes) => rows::save_intent_model(
            conn,
            report.account_id,
            bytes,
            digest(bytes),
            rows::ModelFigures {
                corrections: report.corrections as i64,
                heldout: report.heldout as i64,
                shipped_correct: report.shipped_correct as i64,
                own_correct: report.own_correct as i64,
            },
            now,
        ),
        None => rows::drop_intent_model(conn, report.account_id).map(|_| ()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn correction(i: i64, text: &str, intent: &str) -> rows::IntentCorrection {
        rows::IntentCorrection {
            id: i,
            interaction_id: InteractionId(i),
            account_id: 1,
            channel: "question".into(),
            rating: None,
            text: text.into(),
            old_intent: None,
            new_intent: intent.into(),
            corrected_at: chrono::DateTime::from_timestamp(0, 0).unwrap(),
        }
    }

    /// A shop that files every question about a discount under `availability` (one copy,
    /// shared with tests/intent_corrections.rs).
    const DISCOUNT_QUESTIONS: &str =
        include_str!("../../tests/fixtures/intents/discount_questions.txt");

    #[test]
    fn the_split_holds_out_every_third_correction() {
        let all: Vec<_> = (1..=9)
            .map(|i| correction(i, &format!("текст {i}"), "other"))
            .collect();
        let (trained, held) = split(examples(&all));
        assert_eq!(trained.len(), 6);
        let held: Vec<_> = held.iter().map(|e| e.text.as_str()).collect();
        assert_eq!(held, ["текст 3", "текст 6", "текст 9"]);
    }

    #[test]
    fn a_shops_own_labels_are_learnt_and_the_model_kept() {
        let all: Vec<_> = DISCOUNT_QUESTIONS
            .lines()
            .enumerate()
            .map(|(i, t)| correction(i as i64 + 1, t, "availability"))
            .collect();
        let shipped = intent_model::shipped().unwrap();
        let (report, model) = retrain_on(1, &all, shipped).unwrap();
        eprintln!("{report:?}");
        assert_eq!(report.verdict, Verdict::Kept, "{report:?}");
        assert!(model.is_some());
        assert!(report.own_correct > report.shipped_correct);
    }
}

#[cfg(test)]
mod timing {
    use super::*;
    use crate::domain::{Marketplace, NewInteraction};

    /// `cargo test --release --lib learning::intents::timing -- --ignored --nocapture`:
    /// classification with a shop's own model (its checks and the cached model) against
    /// the shipped model alone, per item.
    #[test]
    #[ignore]
    fn classification_with_a_shops_model_per_item() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::store::Store::open(dir.path().join("db.sqlite")).unwrap();
        let mut conn = rusqlite::Connection::open(dir.path().join("db.sqlite")).unwrap();
        let account = store::upsert_account(&conn, "shop", Marketplace::Wb).unwrap();
        let now = chrono::Utc::now();
        let items: Vec<NewInteraction> = (0..200)
            .map(|i| NewInteraction {
                channel: Channel::Question,
                external_id: format!("q{i}"),
                product: None,
                customer_name: None,
                customer_external_id: None,
                text: format!("Скидка на плед номер {i} будет? Когда привезут заказ?"),
                pros: None,
                cons: None,
                photos: 0,
                rating: None,
                created_at: now,
                answer: None,
                archived: false,
                messages: Vec::new(),
                reply_handle: None,
                raw: serde_json::json!({ "i": i }),
            })
            .collect();
        let tx = conn.transaction().unwrap();
        crate::sync::upsert_interactions(&tx, account, "t", &items, now).unwrap();
        tx.commit().unwrap();
        let bytes = intent_model::shipped_bytes();
        let figures = rows::ModelFigures {
            corrections: 0,
            heldout: 0,
            shipped_correct: 0,
            own_correct: 0,
        };
        rows::save_intent_model(&conn, account, bytes, digest(bytes), figures, now).unwrap();
        let reader = store.reader().unwrap();
        let loaded: Vec<Interaction> = (1..=200)
            .filter_map(|i| store::interaction(&reader, InteractionId(i)).unwrap())
            .collect();
        // The first call loads and parses the model once.
        let started = std::time::Instant::now();
        classify_item(&reader, &loaded[0], &[]).unwrap();
        eprintln!("first call (loads the model): {:?}", started.elapsed());
        let started = std::time::Instant::now();
        for item in &loaded {
            classify_item(&reader, item, &[]).unwrap();
        }
        let own = started.elapsed() / loaded.len() as u32;
        let started = std::time::Instant::now();
        for item in &loaded {
            crate::ai::classify_interaction(item, &[]);
        }
        let shipped = started.elapsed() / loaded.len() as u32;
        eprintln!("per item: shop's model {own:?}, shipped model alone {shipped:?}");
    }
}
