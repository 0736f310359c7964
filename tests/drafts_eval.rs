//! The draft evaluation of docs/drafts.md: product questions with their cards
//! (`data/eval/drafts/questions.toml`, cards in WB's card.json format) and complaints with
//! their problem labelled (`data/eval/drafts/complaints.toml`), drafted offline as the inbox
//! drafts them. Figures: `cargo test --test drafts_eval -- --nocapture`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use agentiq::ai::guardrails::{check, default_banned_phrases};
use agentiq::ai::{offline_draft, DraftContext, ProductCard};
use agentiq::domain::{
    AnswerState, Channel, Interaction, InteractionId, Marketplace, ProductRef, Rating,
};
use chrono::Utc;
use serde::Deserialize;

#[derive(Deserialize)]
struct Questions {
    q: Vec<Question>,
}

#[derive(Deserialize)]
struct Question {
    card: String,
    text: String,
    expect: Option<String>,
    missing: Option<String>,
}

#[derive(Deserialize)]
struct Complaints {
    c: Vec<Complaint>,
}

#[derive(Deserialize)]
struct Complaint {
    channel: String,
    marketplace: String,
    rating: Option<u8>,
    card: Option<String>,
    text: String,
    names: Vec<String>,
}

fn eval_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/eval/drafts")
}

fn read_card(dir: &Path, file: &str) -> ProductCard {
    let path = dir.join("cards").join(file);
    let raw: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("card file")).expect("JSON");
    let nm_id = raw["nm_id"].as_i64().expect("nm_id");
    let card = agentiq::connectors::catalog::wb_card_from_json(nm_id, raw).expect("a WB card");
    ProductCard {
        id: Some(card.external_id),
        name: card.name.unwrap_or_default(),
        brand: card.brand,
        category: card.category,
        characteristics: card.characteristics,
        price: card.price.map(|p| p as f64),
        description: card.description,
    }
}

fn item(
    n: usize,
    channel: Channel,
    marketplace: Marketplace,
    rating: Option<u8>,
    card: Option<&ProductCard>,
    text: &str,
) -> Interaction {
    let now = Utc::now();
    Interaction {
        id: InteractionId(n as i64 + 1),
        account_id: 1,
        account_name: "eval".into(),
        marketplace,
        channel,
        external_id: format!("eval-{n}"),
        product: card.map(|c| ProductRef {
            external_id: c.id.clone().unwrap_or_default(),
            name: Some(c.name.clone()),
            brand: c.brand.clone(),
        }),
        customer_name: None,
        text: text.to_string(),
        pros: None,
        cons: None,
        photos: 0,
        rating: rating.and_then(Rating::new),
        created_at: now,
        waiting_since: now,
        state: AnswerState::Open,
        answer: None,
        at_risk_at: now,
        due_at: now,
        reply_handle: None,
    }
}

/// Lower case, ё as е, one space: how values and stems are compared.
fn fold(s: &str) -> String {
    s.to_lowercase()
        .replace('ё', "е")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// How many of the set's earlier drafts count as recent answers.
const RECENT: usize = 40;

/// The last [`RECENT`] drafts.
fn recent(drafts: &[String]) -> &[String] {
    &drafts[drafts.len().saturating_sub(RECENT)..]
}

struct Drafted {
    text: String,
    blocked: bool,
}

/// Drafts one item as the inbox does, with `recent` as the seller's recent answers (the
/// set's last [`RECENT`] drafts, as if each had been sent in turn: the inbox's
/// near-duplicate check skips a wording just sent).
fn draft(it: &Interaction, card: Option<&ProductCard>, recent: &[String]) -> Drafted {
    let banned = default_banned_phrases();
    let mut ctx = DraftContext::new(it, &[])
        .with_banned_phrases(&banned)
        .with_recent_answers(recent);
    if let Some(c) = card {
        ctx = ctx.with_product(c);
    }
    let d = offline_draft(&ctx, 0);
    let customer = ctx.customer_text();
    let blocked = check(&d.text, &ctx.check_context(&customer)).is_block();
    Drafted {
        text: d.text,
        blocked,
    }
}

struct Figures {
    questions: usize,
    right: usize,
    complaints: usize,
    named: usize,
    drafts: usize,
    blocked: usize,
    identical: usize,
}

impl Figures {
    fn card_share(&self) -> f64 {
        self.right as f64 / self.questions as f64
    }

    fn named_share(&self) -> f64 {
        self.named as f64 / self.complaints as f64
    }
}

/// Whether a set's misses are printed: never for the sets kept blind to tuning, so
/// nobody tuning the rules can read which of their texts fail.
#[derive(Clone, Copy, PartialEq)]
enum Misses {
    Shown,
    Hidden,
}

/// Drafts every question and complaint of the set in `dir`, printing figures (and misses
/// when `misses` is `Shown`).
fn evaluate(dir: &Path, title: &str, misses_shown: Misses) -> Figures {
    let questions: Questions =
        toml::from_str(&std::fs::read_to_string(dir.join("questions.toml")).unwrap())
            .expect("questions.toml");
    let complaints: Complaints =
        toml::from_str(&std::fs::read_to_string(dir.join("complaints.toml")).unwrap())
            .expect("complaints.toml");
    let mut cards: HashMap<String, ProductCard> = HashMap::new();
    let mut drafts: Vec<String> = Vec::new();
    let mut blocked = 0;
    let mut misses: Vec<String> = Vec::new();

    let mut right = 0;
    for (n, q) in questions.q.iter().enumerate() {
        let card = cards
            .entry(q.card.clone())
            .or_insert_with(|| read_card(dir, &q.card))
            .clone();
        let it = item(
            n,
            Channel::Question,
            Marketplace::Wb,
            None,
            Some(&card),
            &q.text,
        );
        let d = draft(&it, Some(&card), recent(&drafts));
        let text = fold(&d.text);
        let ok = match (&q.expect, &q.missing) {
            (Some(value), _) => text.contains(&fold(value)),
            (None, Some(label)) => {
                text.contains(&fold(&format!("«{label}»")))
                    && (text.contains("не указан") || text.contains("нет данных"))
            }
            (None, None) => panic!("question {n} has neither expect nor missing"),
        };
        if ok {
            right += 1;
        } else {
            misses.push(format!(
                "card question {:?} (want {:?}): {}",
                q.text,
                q.expect.as_ref().or(q.missing.as_ref()),
                d.text
            ));
        }
        blocked += usize::from(d.blocked);
        drafts.push(d.text);
    }

    let mut named = 0;
    for (n, c) in complaints.c.iter().enumerate() {
        let card = c.card.as_ref().map(|f| {
            cards
                .entry(f.clone())
                .or_insert_with(|| read_card(dir, f))
                .clone()
        });
        let channel = Channel::ALL
            .into_iter()
            .find(|ch| ch.as_str() == c.channel)
            .expect("channel");
        let marketplace = Marketplace::ALL
            .into_iter()
            .find(|m| m.as_str() == c.marketplace)
            .expect("marketplace");
        let it = item(
            1000 + n,
            channel,
            marketplace,
            c.rating,
            card.as_ref(),
            &c.text,
        );
        let d = draft(&it, card.as_ref(), recent(&drafts));
        let text = fold(&d.text);
        if c.names.iter().all(|s| text.contains(&fold(s))) {
            named += 1;
        } else {
            misses.push(format!(
                "complaint {:?} (want {:?}): {}",
                c.text, c.names, d.text
            ));
        }
        blocked += usize::from(d.blocked);
        drafts.push(d.text);
    }

    let mut seen = std::collections::HashSet::new();
    let identical = drafts.iter().filter(|d| !seen.insert(fold(d))).count();
    let f = Figures {
        questions: questions.q.len(),
        right,
        complaints: complaints.c.len(),
        named,
        drafts: drafts.len(),
        blocked,
        identical,
    };
    if misses_shown == Misses::Shown {
        for m in &misses {
            eprintln!("{title} miss: {m}");
        }
    }
    if f.questions > 0 {
        eprintln!(
            "{title}: card questions answered with the right value: {right}/{} = {:.0}%",
            f.questions,
            f.card_share() * 100.0
        );
    }
    eprintln!(
        "{title}: complaints whose problem the draft names: {named}/{} = {:.0}%",
        f.complaints,
        f.named_share() * 100.0
    );
    eprintln!(
        "{title}: blocked by the guardrails: {blocked}/{}; identical drafts: {identical}",
        f.drafts
    );
    f
}

#[test]
fn drafts_answer_from_the_card_and_name_the_problem() {
    let f = evaluate(&eval_dir(), "eval", Misses::Shown);
    assert!(f.questions >= 60, "at least 60 product questions");
    assert!(f.complaints >= 40, "at least 40 complaints");
    assert!(
        f.card_share() >= 0.8,
        "card answers {:.2} < 0.80",
        f.card_share()
    );
    assert!(
        f.named_share() >= 0.7,
        "named problems {:.2} < 0.70",
        f.named_share()
    );
    assert_eq!(f.blocked, 0, "drafts blocked by the guardrails");
    assert_eq!(f.identical, 0, "identical drafts");
}

/// The held-out set is reported, not gated on its shares (tuning the rules until it
/// passes would make it one more tuning set); drafts must still be safe and distinct.
#[test]
fn held_out_drafts_are_safe_and_distinct() {
    let f = evaluate(&eval_dir().join("holdout"), "held out", Misses::Shown);
    assert_eq!(f.blocked, 0, "drafts blocked by the guardrails");
    assert_eq!(f.identical, 0, "identical drafts");
}

/// Complaints written before the last widening of the complaint rules and never used to
/// tune them (`data/eval/drafts/fresh/`): reported, gated only on safety.
#[test]
fn fresh_complaints_are_safe_and_distinct() {
    let f = evaluate(&eval_dir().join("fresh"), "fresh", Misses::Shown);
    assert!(f.complaints >= 20, "at least 20 complaints");
    assert_eq!(f.blocked, 0, "drafts blocked by the guardrails");
    assert_eq!(f.identical, 0, "identical drafts");
}

/// Complaints written after the session-5 change to the complaint rules (`after/`), never
/// tuned on: its misses stay hidden.
#[test]
fn after_complaints_are_safe_and_distinct() {
    let f = evaluate(&eval_dir().join("after"), "after", Misses::Hidden);
    assert!(f.complaints >= 20, "at least 20 complaints");
    assert_eq!(f.blocked, 0, "drafts blocked by the guardrails");
    assert_eq!(f.identical, 0, "identical drafts");
}

/// Complaints written before the session-6 change to the complaint rules (`blind/`), scored
/// once before and once after it and never tuned on: its misses stay hidden.
#[test]
fn blind_complaints_are_safe_and_distinct() {
    let f = evaluate(&eval_dir().join("blind"), "blind", Misses::Hidden);
    assert!(f.complaints >= 30, "at least 30 complaints");
    assert_eq!(f.blocked, 0, "drafts blocked by the guardrails");
    assert_eq!(f.identical, 0, "identical drafts");
}

/// Complaints written to tune the session-6 extractor on (`train/`): misses shown.
#[test]
fn train_complaints_are_safe_and_distinct() {
    let f = evaluate(&eval_dir().join("train"), "train", Misses::Shown);
    assert_eq!(f.blocked, 0, "drafts blocked by the guardrails");
    assert_eq!(f.identical, 0, "identical drafts");
}

/// Complaints written after the session-6 change (`blind2/`) and run once with no change
/// in between: its misses stay hidden.
#[test]
fn second_blind_complaints_are_safe_and_distinct() {
    let f = evaluate(&eval_dir().join("blind2"), "blind2", Misses::Hidden);
    assert!(f.complaints >= 30, "at least 30 complaints");
    assert_eq!(f.blocked, 0, "drafts blocked by the guardrails");
    assert_eq!(f.identical, 0, "identical drafts");
}

/// Complaints written before the second round of session-6 changes (`blind3/`), run once
/// after it: its misses stay hidden.
#[test]
fn third_blind_complaints_are_safe_and_distinct() {
    let f = evaluate(&eval_dir().join("blind3"), "blind3", Misses::Hidden);
    assert!(f.complaints >= 30, "at least 30 complaints");
    assert_eq!(f.blocked, 0, "drafts blocked by the guardrails");
    assert_eq!(f.identical, 0, "identical drafts");
}
