//! Train the intent model on `data/intents/train.tsv`, report its accuracy on
//! `data/intents/heldout.tsv` (and the rules' alone, for comparison) and write the
//! weights to `data/intent_model.bin`. Deterministic: the same corpus gives the same file.
//!
//! `cargo run --release --example train_intent_model [-- CORPUS_DIR OUT_FILE] [--errors]`
//!
//! The binary embeds `data/intent_model.bin` at build time: rebuild after training.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use agentiq::ai::intent_train::{
    cross_validate, evaluate, evaluate_rules, load_corpus, train, TrainParams,
};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let show_errors = args.iter().any(|a| a == "--errors");
    let paths: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    let corpus = PathBuf::from(paths.first().map_or("data/intents", |s| s.as_str()));
    let out = PathBuf::from(paths.get(1).map_or("data/intent_model.bin", |s| s.as_str()));
    let (train_set, heldout) = match load_corpus(&corpus) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(65);
        }
    };
    if args.iter().any(|a| a == "--cv") {
        // Choosing the settings by 5-fold cross-validation on the training part only.
        for epochs in [12, 24] {
            for l2 in [1e-5, 1e-4, 3e-4, 1e-3] {
                for learning_rate in [0.2, 0.5] {
                    let params = TrainParams {
                        epochs,
                        l2,
                        learning_rate,
                        ..TrainParams::default()
                    };
                    let acc = cross_validate(&train_set, params, 5);
                    println!("epochs {epochs} l2 {l2:e} lr {learning_rate}: cv accuracy {acc:.3}");
                }
            }
        }
        return ExitCode::SUCCESS;
    }
    let started = Instant::now();
    let model = train(&train_set, TrainParams::default());
    let took = started.elapsed();
    let bytes = model.to_bytes();
    if let Err(e) = std::fs::write(&out, &bytes) {
        eprintln!("error: cannot write {}: {e}", out.display());
        return ExitCode::from(73);
    }
    let on_train = evaluate(&model, &train_set);
    let on_heldout = evaluate(&model, &heldout);
    let rules = evaluate_rules(&heldout);
    println!(
        "trained on {} texts in {:.2} s; wrote {} ({} bytes)",
        train_set.len(),
        took.as_secs_f64(),
        out.display(),
        bytes.len()
    );
    println!("train accuracy:   {:.3}", on_train.accuracy());
    println!(
        "held-out accuracy: {:.3} ({}/{}); rules alone: {:.3}",
        on_heldout.accuracy(),
        on_heldout.correct,
        on_heldout.total,
        rules.accuracy()
    );
    println!("\n{}", on_heldout.confusion_markdown());
    if show_errors {
        for (ex, got) in &on_heldout.errors {
            println!("{} -> {}\t{}\t{}", ex.intent, got, ex.channel, ex.text);
        }
    }
    ExitCode::SUCCESS
}
