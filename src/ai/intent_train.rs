//! Training and evaluating the intent model ([`super::intent_model`]) on the labelled
//! corpus in `data/intents/` (format in data/intents/README.md).
//!
//! Training is stochastic gradient descent on the multinomial logistic loss with L2
//! decay on the touched weights, over a fixed number of epochs in an order shuffled by a
//! seeded ChaCha generator: the same corpus gives the same bytes. Run it with
//! `cargo run --release --example train_intent_model` (docs/drafts.md).

use std::fmt::Write as _;
use std::path::Path;

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::classify::rule_scores;
use super::intent::Intent;
use super::intent_model::{features, softmax, Feature, Model, DIM_BITS};
use super::normalize::tokenize;
use crate::domain::Channel;

/// One labelled text.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    pub intent: Intent,
    pub channel: Channel,
    pub stars: Option<u8>,
    pub text: String,
}

/// Parse a corpus file: `intent<TAB>channel<TAB>text` per line, the channel optionally
/// with a rating (`review:4`); blank lines and lines starting with `#` are skipped.
pub fn parse_corpus(name: &str, content: &str) -> Result<Vec<Example>, String> {
    let mut out = Vec::new();
    for (n, line) in content.lines().enumerate() {
        let at = || format!("{name}:{}", n + 1);
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let mut parts = line.splitn(3, '\t');
        let (Some(intent), Some(channel), Some(text)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(format!("{}: expected intent<TAB>channel<TAB>text", at()));
        };
        let intent = Intent::parse(intent.trim())
            .ok_or_else(|| format!("{}: unknown intent '{intent}'", at()))?;
        let (channel, stars) = match channel.split_once(':') {
            Some((c, s)) => {
                let stars: u8 = s
                    .trim()
                    .parse()
                    .ok()
                    .filter(|s| (1..=5).contains(s))
                    .ok_or_else(|| format!("{}: bad rating '{s}'", at()))?;
                (c, Some(stars))
            }
            None => (channel, None),
        };
        let channel: Channel = channel
            .trim()
            .parse()
            .map_err(|e| format!("{}: {e}", at()))?;
        let text = text.trim();
        if text.is_empty() {
            return Err(format!("{}: empty text", at()));
        }
        out.push(Example {
            intent,
            channel,
            stars,
            text: text.to_string(),
        });
    }
    Ok(out)
}

/// Read `train.tsv` and `heldout.tsv` from a corpus folder.
pub fn load_corpus(dir: &Path) -> Result<(Vec<Example>, Vec<Example>), String> {
    let read = |file: &str| -> Result<Vec<Example>, String> {
        let path = dir.join(file);
        let content = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        parse_corpus(&path.display().to_string(), &content)
    };
    Ok((read("train.tsv")?, read("heldout.tsv")?))
}

/// The model's features for one example.
pub fn example_features(ex: &Example) -> Vec<Feature> {
    let tokens = tokenize(&ex.text);
    let scores = rule_scores(ex.channel, ex.stars, &ex.text, &tokens);
    features(ex.channel, ex.stars, &ex.text, &tokens, &scores)
}

/// Training settings; [`TrainParams::default`] is what the shipped model used.
#[derive(Debug, Clone, Copy)]
pub struct TrainParams {
    pub epochs: usize,
    pub learning_rate: f32,
    pub l2: f32,
    pub seed: u64,
}

impl Default for TrainParams {
    fn default() -> Self {
        TrainParams {
            epochs: 12,
            learning_rate: 0.5,
            l2: 3e-4,
            seed: 17,
        }
    }
}

/// Train a model on these examples.
pub fn train(examples: &[Example], params: TrainParams) -> Model {
    let classes: Vec<Intent> = Intent::ALL.to_vec();
    let k = classes.len();
    let dim = 1usize << DIM_BITS;
    let data: Vec<(usize, Vec<Feature>)> = examples
        .iter()
        .map(|ex| {
            let y = classes
                .iter()
                .position(|c| *c == ex.intent)
                .unwrap_or(k - 1);
            (y, example_features(ex))
        })
        .collect();
    let mut w = vec![0f32; dim * k];
    // The weights averaged over the second half of the epochs: plain SGD's last iterate
    // depends too much on the order of the last examples it saw.
    let mut avg = vec![0f32; dim * k];
    let mut averaged = 0u32;
    let mut order: Vec<usize> = (0..data.len()).collect();
    let mut rng = ChaCha8Rng::seed_from_u64(params.seed);
    let mut logits = vec![0f32; k];
    for epoch in 0..params.epochs {
        order.shuffle(&mut rng);
        let lr = params.learning_rate / (1.0 + epoch as f32 * 0.25);
        for &i in &order {
            let (y, x) = &data[i];
            logits.iter_mut().for_each(|l| *l = 0.0);
            for (idx, v) in x {
                let row = &w[*idx as usize * k..(*idx as usize + 1) * k];
                for (l, wv) in logits.iter_mut().zip(row) {
                    *l += v * wv;
                }
            }
            softmax(&mut logits);
            for (idx, v) in x {
                let row = &mut w[*idx as usize * k..(*idx as usize + 1) * k];
                for (c, wv) in row.iter_mut().enumerate() {
                    let target = if c == *y { 1.0 } else { 0.0 };
                    let grad = (logits[c] - target) * v + params.l2 * *wv;
                    *wv -= lr * grad;
                }
            }
        }
        if epoch >= params.epochs / 2 {
            for (a, wv) in avg.iter_mut().zip(&w) {
                *a += wv;
            }
            averaged += 1;
        }
    }
    let n = averaged.max(1) as f32;
    avg.iter_mut().for_each(|a| *a /= n);
    let w = avg;
    Model::quantise(classes, &w)
}

/// How a model did on a set of examples.
#[derive(Debug, Clone)]
pub struct Evaluation {
    pub total: usize,
    pub correct: usize,
    /// `confusion[expected][predicted]`, indices of `Intent::ALL`.
    pub confusion: Vec<Vec<u32>>,
    /// Wrong answers: the example and what was predicted.
    pub errors: Vec<(Example, Intent)>,
}

impl Evaluation {
    pub fn accuracy(&self) -> f64 {
        if self.total == 0 {
            return 0.0;
        }
        self.correct as f64 / self.total as f64
    }

    /// The confusion matrix as a Markdown table (rows: the label, columns: predicted).
    pub fn confusion_markdown(&self) -> String {
        let short = |i: Intent| -> String { i.as_str().chars().take(9).collect() };
        let mut out = String::from("| label \\ predicted |");
        for i in Intent::ALL {
            let _ = write!(out, " {} |", short(i));
        }
        out.push_str(" recall |\n|---|");
        for _ in Intent::ALL {
            out.push_str("--:|");
        }
        out.push_str("--:|\n");
        for (r, row) in self.confusion.iter().enumerate() {
            let total: u32 = row.iter().sum();
            let _ = write!(out, "| {} |", Intent::ALL[r].as_str());
            for v in row {
                if *v == 0 {
                    out.push_str(" · |");
                } else {
                    let _ = write!(out, " {v} |");
                }
            }
            let recall = if total == 0 {
                0.0
            } else {
                f64::from(row[r]) / f64::from(total)
            };
            let _ = writeln!(out, " {recall:.2} |");
        }
        out
    }
}

/// Evaluate any classifier (the model, or the rules alone) on examples.
pub fn evaluate_with(
    examples: &[Example],
    mut predict: impl FnMut(&Example) -> Intent,
) -> Evaluation {
    let n = Intent::ALL.len();
    let index = |i: Intent| Intent::ALL.iter().position(|x| *x == i).unwrap_or(n - 1);
    let mut confusion = vec![vec![0u32; n]; n];
    let mut errors = Vec::new();
    let mut correct = 0;
    for ex in examples {
        let got = predict(ex);
        confusion[index(ex.intent)][index(got)] += 1;
        if got == ex.intent {
            correct += 1;
        } else {
            errors.push((ex.clone(), got));
        }
    }
    Evaluation {
        total: examples.len(),
        correct,
        confusion,
        errors,
    }
}

/// Accuracy of `k`-fold cross-validation on the training set (every `k`-th example held
/// out in turn), for choosing [`TrainParams`] without looking at the held-out file.
pub fn cross_validate(examples: &[Example], params: TrainParams, k: usize) -> f64 {
    let k = k.max(2);
    let mut correct = 0;
    for fold in 0..k {
        let (test, train_part): (Vec<_>, Vec<_>) = examples
            .iter()
            .enumerate()
            .partition(|(i, _)| i % k == fold);
        let train_part: Vec<Example> = train_part.into_iter().map(|(_, e)| e.clone()).collect();
        let test: Vec<Example> = test.into_iter().map(|(_, e)| e.clone()).collect();
        correct += evaluate(&train(&train_part, params), &test).correct;
    }
    correct as f64 / examples.len().max(1) as f64
}

/// Evaluate a model on examples.
pub fn evaluate(model: &Model, examples: &[Example]) -> Evaluation {
    evaluate_with(examples, |ex| model.predict(&example_features(ex)).0)
}

/// Evaluate the rules alone (the classifier before the model) on examples.
pub fn evaluate_rules(examples: &[Example]) -> Evaluation {
    evaluate_with(examples, |ex| {
        let tokens = tokenize(&ex.text);
        let scores = rule_scores(ex.channel, ex.stars, &ex.text, &tokens);
        super::classify::rule_decision(ex.channel, &ex.text, &tokens, &scores).0
    })
}
