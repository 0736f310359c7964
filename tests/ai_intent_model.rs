//! The trained intent model (src/ai/intent_model.rs) against its corpus in data/intents:
//! held-out accuracy of the shipped weights, deterministic training, the file format.
//!
//! The full retraining check (the shipped file is exactly what training the corpus gives)
//! takes several seconds in a debug build and is ignored by default:
//! `cargo test --test ai_intent_model -- --ignored`.

use std::path::Path;
use std::time::Instant;

use agentiq::ai::intent_model::{shipped, shipped_bytes, Model};
use agentiq::ai::intent_train::{evaluate, load_corpus, parse_corpus, train, TrainParams};
use agentiq::ai::{classify, Intent};
use agentiq::domain::Rating;

fn corpus() -> (
    Vec<agentiq::ai::intent_train::Example>,
    Vec<agentiq::ai::intent_train::Example>,
) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/intents");
    load_corpus(&dir).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn corpus_is_large_varied_and_holds_out_a_fifth() {
    let (train_set, heldout) = corpus();
    let total = train_set.len() + heldout.len();
    assert!(total >= 2000, "{total}");
    assert!(heldout.len() >= 400, "{}", heldout.len());
    let share = heldout.len() as f64 / total as f64;
    assert!((0.19..=0.21).contains(&share), "{share}");
    for intent in Intent::ALL {
        let n = train_set.iter().filter(|e| e.intent == intent).count();
        let h = heldout.iter().filter(|e| e.intent == intent).count();
        assert!(n >= 80 && h >= 25, "{intent}: {n} train, {h} held out");
    }
    // The held-out texts are not copies of training texts.
    let seen: std::collections::HashSet<String> =
        train_set.iter().map(|e| e.text.to_lowercase()).collect();
    let copies: Vec<&str> = heldout
        .iter()
        .filter(|e| seen.contains(&e.text.to_lowercase()))
        .map(|e| e.text.as_str())
        .collect();
    assert!(copies.is_empty(), "{copies:?}");
}

#[test]
fn shipped_model_scores_at_least_90_percent_on_held_out_texts() {
    let (_, heldout) = corpus();
    let model = shipped().expect("data/intent_model.bin is shipped");
    let eval = evaluate(model, &heldout);
    println!(
        "held-out accuracy {:.3} ({}/{})\n{}",
        eval.accuracy(),
        eval.correct,
        eval.total,
        eval.confusion_markdown()
    );
    assert!(eval.accuracy() >= 0.90, "{:.3}", eval.accuracy());
    // The classifier decides with the same model: its intents agree on every text.
    for ex in heldout.iter().take(100) {
        let c = classify(ex.channel, ex.stars.and_then(Rating::new), &ex.text);
        let (intent, p) = model.predict(&agentiq::ai::intent_train::example_features(ex));
        assert_eq!(c.intent, intent, "{}", ex.text);
        assert!((c.intent_confidence - p).abs() < 1e-6);
    }
}

#[test]
fn training_is_deterministic() {
    let (train_set, _) = corpus();
    let small: Vec<_> = train_set.iter().step_by(8).cloned().collect();
    let params = TrainParams {
        epochs: 4,
        ..TrainParams::default()
    };
    let a = train(&small, params).to_bytes();
    let b = train(&small, params).to_bytes();
    assert_eq!(a, b);
    let other_seed = train(
        &small,
        TrainParams {
            seed: params.seed + 1,
            ..params
        },
    )
    .to_bytes();
    assert_ne!(a, other_seed, "the seed decides the order");
}

#[test]
#[ignore = "trains the full corpus: several seconds in a debug build"]
fn retraining_reproduces_the_shipped_file() {
    let (train_set, _) = corpus();
    let started = Instant::now();
    let bytes = train(&train_set, TrainParams::default()).to_bytes();
    println!("trained in {:.2} s", started.elapsed().as_secs_f64());
    assert!(
        bytes == shipped_bytes(),
        "data/intent_model.bin is not what the corpus trains to: run \
         `cargo run --release --example train_intent_model`"
    );
}

#[test]
fn model_file_round_trips_and_rejects_damage() {
    let bytes = shipped_bytes();
    assert!(bytes.len() < 4 * 1024 * 1024, "{} bytes", bytes.len());
    let started = Instant::now();
    let model = Model::from_bytes(bytes).unwrap();
    println!("loaded in {:?}", started.elapsed());
    assert_eq!(model.to_bytes(), bytes);
    assert!(Model::from_bytes(&bytes[..bytes.len() - 3]).is_err());
    assert!(Model::from_bytes(b"not a model").is_err());
    let mut extra = bytes.to_vec();
    extra.push(0);
    assert!(Model::from_bytes(&extra).is_err());
}

#[test]
fn corpus_lines_are_checked() {
    let ok = parse_corpus(
        "t",
        "# comment\n\nthanks\treview:5\tСупер\nother\tchat\tОк\n",
    )
    .unwrap();
    assert_eq!(ok.len(), 2);
    assert_eq!(ok[0].stars, Some(5));
    assert_eq!(ok[1].stars, None);
    for (bad, why) in [
        ("thanks\treview:9\tСупер", "t:1: bad rating"),
        ("nope\tchat\tОк", "t:1: unknown intent"),
        ("other\tphone\tОк", "t:1:"),
        ("other\tchat", "t:1: expected"),
        ("other\tchat\t  ", "t:1: empty text"),
    ] {
        let err = parse_corpus("t", bad).unwrap_err();
        assert!(err.starts_with(why), "{bad}: {err}");
    }
}
