//! Every connector's parser, and the catalog's, under random and mutated input: random
//! bytes, random JSON, and valid payloads with fields dropped, numbers and strings
//! swapped, nulls, huge strings and deep nesting. Nothing panics; a page that does not
//! read is an error, and an item that does not read is skipped with a reason.
//!
//! The valid payloads are the example fixtures (`data/fixtures/example`), which are the
//! marketplaces' own wire format. `cargo test --test parser_props -- --ignored` runs the
//! long version (many more cases).

use std::path::Path;

use agentiq::connectors::catalog::{ozon_card_from_json, wb_card_from_json};
use agentiq::connectors::ozon::{self, wire as ozon_wire};
use agentiq::connectors::wb::{
    self, chats as wb_chats, questions as wb_questions, wire as wb_wire,
};
use agentiq::connectors::Skipped;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed, TestRunner};
use serde_json::{json, Value};

/// What a parser made of one item: its id, or why it was skipped.
type Outcome = Result<String, String>;

fn skipped(s: Skipped) -> Outcome {
    Err(s.reason)
}

/// One parser: how to read a page from bytes and its items from it.
struct Subject {
    name: &'static str,
    /// A valid page, as the marketplace sends it.
    sample: Value,
    /// Bytes of a page → each item's outcome; `Err` when the page itself does not read.
    page: fn(&[u8]) -> Result<Vec<Outcome>, String>,
}

fn example(path: &str) -> Value {
    let full = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("data/fixtures/example")
        .join(path);
    serde_json::from_str(&std::fs::read_to_string(&full).unwrap()).unwrap()
}

fn read<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, String> {
    serde_json::from_slice(bytes).map_err(|e| e.to_string())
}

fn wb_feedbacks(bytes: &[u8]) -> Result<Vec<Outcome>, String> {
    let page: wb_wire::Envelope<wb_wire::FeedbackList> = read(bytes)?;
    Ok(page
        .data
        .map(|d| d.feedbacks)
        .unwrap_or_default()
        .into_iter()
        .map(|raw| {
            wb::parse_feedback(raw)
                .map(|i| i.external_id)
                .map_err(|s| s.reason)
        })
        .collect())
}

fn wb_questions(bytes: &[u8]) -> Result<Vec<Outcome>, String> {
    let page: wb_wire::Envelope<wb_wire::QuestionList> = read(bytes)?;
    Ok(page
        .data
        .map(|d| d.questions)
        .unwrap_or_default()
        .into_iter()
        .map(|raw| {
            wb_questions::parse_question(raw)
                .map(|i| i.external_id)
                .or_else(skipped)
        })
        .collect())
}

fn wb_chat_list(bytes: &[u8]) -> Result<Vec<Outcome>, String> {
    let page: wb_wire::ChatsResponse = read(bytes)?;
    Ok(page
        .result
        .into_iter()
        .map(|raw| {
            wb_chats::parse_chat(raw)
                .map(|c| c.chat_id)
                .or_else(skipped)
        })
        .collect())
}

fn wb_events(bytes: &[u8]) -> Result<Vec<Outcome>, String> {
    let page: wb_wire::EventsResponse = read(bytes)?;
    let events = page.result.map(|r| r.events).unwrap_or_default();
    let mut out: Vec<Outcome> = events
        .iter()
        .cloned()
        .map(|raw| {
            wb_chats::parse_event(raw)
                .map(|e| e.event.event_id)
                .or_else(skipped)
        })
        .collect();
    // The events folded into chats, with the example's chat list.
    let chats = example("wb/chats.json")["result"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let (items, skipped_items) = wb_chats::parse_chat_page(chats, events);
    out.extend(items.into_iter().map(|i| Ok(i.external_id)));
    out.extend(skipped_items.into_iter().map(skipped));
    Ok(out)
}

fn ozon_reviews(bytes: &[u8]) -> Result<Vec<Outcome>, String> {
    let page: ozon_wire::ReviewListResponse = read(bytes)?;
    Ok(page
        .reviews
        .into_iter()
        .map(|raw| {
            ozon::parse_review(raw)
                .map(|r| r.item.external_id)
                .or_else(skipped)
        })
        .collect())
}

fn ozon_questions(bytes: &[u8]) -> Result<Vec<Outcome>, String> {
    let page: ozon_wire::QuestionListResponse = read(bytes)?;
    Ok(page
        .questions
        .into_iter()
        .map(|raw| {
            ozon::parse_question(raw)
                .map(|q| q.item.external_id)
                .or_else(skipped)
        })
        .collect())
}

fn ozon_chat_list(bytes: &[u8]) -> Result<Vec<Outcome>, String> {
    let page: ozon_wire::ChatListResponse = read(bytes)?;
    let history = example("ozon/chat_history/0199f3a1-fx00-7000-8000-00000000c001.json");
    let messages = history["messages"].as_array().cloned().unwrap_or_default();
    Ok(page
        .chats
        .into_iter()
        .map(|raw| chat_outcome(ozon::parse_chat(raw, messages.clone())))
        .collect())
}

fn ozon_history(bytes: &[u8]) -> Result<Vec<Outcome>, String> {
    let page: ozon_wire::ChatHistoryResponse = read(bytes)?;
    let info = example("ozon/chats.json")["chats"][0].clone();
    Ok(vec![chat_outcome(ozon::parse_chat(info, page.messages))])
}

fn chat_outcome(parsed: Result<ozon::ParsedChat, Skipped>) -> Outcome {
    match parsed {
        // A chat with no buyer thread yet is read correctly and yields nothing.
        Ok(p) => {
            for s in &p.skipped {
                assert!(!s.reason.trim().is_empty(), "a skipped message says why");
            }
            Ok(p.item
                .map_or_else(|| "(no thread)".into(), |i| i.external_id))
        }
        Err(s) => Err(s.reason),
    }
}

fn wb_card(bytes: &[u8]) -> Result<Vec<Outcome>, String> {
    let raw: Value = read(bytes)?;
    Ok(vec![wb_card_from_json(301122334, raw)
        .map(|c| c.external_id)
        .or_else(skipped)])
}

fn ozon_products(bytes: &[u8]) -> Result<Vec<Outcome>, String> {
    let page: Value = read(bytes)?;
    let items = page
        .get("items")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    Ok(items
        .into_iter()
        .map(|raw| {
            ozon_card_from_json(raw, &[1822334455, 1822334462])
                .map(|c| c.external_id)
                .or_else(skipped)
        })
        .collect())
}

fn subjects() -> Vec<Subject> {
    vec![
        Subject {
            name: "wb feedbacks",
            sample: example("wb/feedbacks.json"),
            page: wb_feedbacks,
        },
        Subject {
            name: "wb questions",
            sample: example("wb/questions.json"),
            page: wb_questions,
        },
        Subject {
            name: "wb chat list",
            sample: example("wb/chats.json"),
            page: wb_chat_list,
        },
        Subject {
            name: "wb chat events",
            sample: example("wb/events.json"),
            page: wb_events,
        },
        Subject {
            name: "ozon reviews",
            sample: example("ozon/reviews.json"),
            page: ozon_reviews,
        },
        Subject {
            name: "ozon questions",
            sample: example("ozon/questions.json"),
            page: ozon_questions,
        },
        Subject {
            name: "ozon chat list",
            sample: example("ozon/chats.json"),
            page: ozon_chat_list,
        },
        Subject {
            name: "ozon chat history",
            sample: example("ozon/chat_history/0199f3a1-fx00-7000-8000-00000000c001.json"),
            page: ozon_history,
        },
        Subject {
            name: "wb card.json",
            sample: example("wb/cards/301122334.json"),
            page: wb_card,
        },
        Subject {
            name: "ozon product info",
            sample: example("ozon/products.json"),
            page: ozon_products,
        },
    ]
}

/// Runs one page through a parser and checks what came out: a page error or items, each
/// read with a non-empty id or skipped with a reason.
fn check(subject: &Subject, bytes: &[u8]) -> Result<(), TestCaseError> {
    let outcomes = match (subject.page)(bytes) {
        Ok(outcomes) => outcomes,
        Err(reason) => {
            prop_assert!(
                !reason.is_empty(),
                "{}: a page error says why",
                subject.name
            );
            return Ok(());
        }
    };
    for outcome in outcomes {
        match outcome {
            Ok(id) => prop_assert!(
                !id.trim().is_empty(),
                "{}: an item without id was read",
                subject.name
            ),
            Err(reason) => prop_assert!(
                !reason.trim().is_empty(),
                "{}: skipped without a reason",
                subject.name
            ),
        }
    }
    Ok(())
}

// ───────────────────────────── generators ─────────────────────────────

/// Field names the parsers look for, so random objects hit the interesting paths.
const KEYS: &[&str] = &[
    "id",
    "text",
    "data",
    "feedbacks",
    "questions",
    "result",
    "events",
    "chats",
    "chat",
    "messages",
    "reviews",
    "items",
    "createdDate",
    "published_at",
    "created_at",
    "answer",
    "productDetails",
    "nmId",
    "sku",
    "rating",
    "productValuation",
    "chatID",
    "eventID",
    "addTimestamp",
    "sender",
    "replySign",
    "chat_id",
    "message_id",
    "user",
    "type",
    "state",
    "status",
    "imt_name",
    "options",
    "selling",
    "price",
    "sources",
];

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        ".{0,40}".prop_map(Value::String),
        "[0-9]{1,25}".prop_map(Value::String),
        Just(Value::String("2026-11-28T09:15:02+03:00".into())),
    ]
}

fn any_json() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(6, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec(
                (
                    prop_oneof![
                        prop::sample::select(KEYS).prop_map(str::to_string),
                        ".{0,12}"
                    ],
                    inner
                ),
                0..8
            )
            .prop_map(|fields| Value::Object(fields.into_iter().collect())),
        ]
    })
}

/// One change to a valid payload, at the `at`-th node (modulo the number of nodes).
#[derive(Debug, Clone)]
enum Mutation {
    Drop,
    Null,
    /// Numbers become strings and strings numbers; other kinds become a number.
    SwapType,
    HugeString(usize),
    /// Wrapped in this many arrays (at most what `serde_json` reads from bytes).
    Nest(usize),
    Replace(Value),
}

fn mutation() -> impl Strategy<Value = (usize, Mutation)> {
    let m = prop_oneof![
        Just(Mutation::Drop),
        Just(Mutation::Null),
        Just(Mutation::SwapType),
        (10_000usize..200_000).prop_map(Mutation::HugeString),
        (1usize..120).prop_map(Mutation::Nest),
        any_json().prop_map(Mutation::Replace),
    ];
    (any::<usize>(), m)
}

/// Every node's path: object keys and array indexes from the root.
fn paths(value: &Value, prefix: &mut Vec<Seg>, out: &mut Vec<Vec<Seg>>) {
    out.push(prefix.clone());
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                prefix.push(Seg::Key(k.clone()));
                paths(v, prefix, out);
                prefix.pop();
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                prefix.push(Seg::Index(i));
                paths(v, prefix, out);
                prefix.pop();
            }
        }
        _ => {}
    }
}

#[derive(Debug, Clone)]
enum Seg {
    Key(String),
    Index(usize),
}

fn node<'a>(value: &'a mut Value, path: &[Seg]) -> Option<&'a mut Value> {
    path.iter().try_fold(value, |v, seg| match seg {
        Seg::Key(k) => v.get_mut(k.as_str()),
        Seg::Index(i) => v.get_mut(*i),
    })
}

fn mutate(mut value: Value, changes: &[(usize, Mutation)]) -> Value {
    for (at, change) in changes {
        let mut all = Vec::new();
        paths(&value, &mut Vec::new(), &mut all);
        let path = &all[at % all.len()];
        if let Mutation::Drop = change {
            if let Some((last, parent)) = path.split_last() {
                match (node(&mut value, parent), last) {
                    (Some(Value::Object(map)), Seg::Key(k)) => {
                        map.remove(k);
                    }
                    (Some(Value::Array(items)), Seg::Index(i)) if *i < items.len() => {
                        items.remove(*i);
                    }
                    _ => {}
                }
            }
            continue;
        }
        let Some(target) = node(&mut value, path) else {
            continue;
        };
        let old = std::mem::take(target);
        *target = match change {
            Mutation::Drop => old,
            Mutation::Null => Value::Null,
            Mutation::SwapType => match old {
                Value::Number(n) => Value::String(n.to_string()),
                Value::String(s) => s
                    .trim()
                    .parse::<i64>()
                    .map(Value::from)
                    .unwrap_or_else(|_| Value::from(s.chars().count())),
                _ => json!(1),
            },
            Mutation::HugeString(n) => Value::String("Ж".repeat(*n)),
            Mutation::Nest(depth) => (0..*depth).fold(old, |v, _| Value::Array(vec![v])),
            Mutation::Replace(v) => v.clone(),
        };
    }
    value
}

fn runner(cases: u32, seed: u64) -> TestRunner {
    TestRunner::new(Config {
        cases,
        rng_seed: RngSeed::Fixed(seed),
        failure_persistence: None,
        ..Config::default()
    })
}

fn random_bytes(cases: u32) {
    let subjects = subjects();
    let bytes = prop_oneof![
        prop::collection::vec(any::<u8>(), 0..2048),
        // Valid JSON punctuation in random order: deep and broken nesting.
        prop::collection::vec(
            prop::sample::select(b"[]{}\",:0123456789.-etrufalsn ".to_vec()),
            0..4096
        ),
    ];
    runner(cases, 0x5EED_0901)
        .run(&bytes, |bytes| {
            for s in &subjects {
                check(s, &bytes)?;
            }
            Ok(())
        })
        .unwrap();
}

fn random_json(cases: u32) {
    let subjects = subjects();
    runner(cases, 0x5EED_0902)
        .run(&any_json(), |value| {
            let bytes = serde_json::to_vec(&value).unwrap();
            for s in &subjects {
                check(s, &bytes)?;
                // The same value as each list's single item.
                let mut page = s.sample.clone();
                let mut all = Vec::new();
                paths(&page, &mut Vec::new(), &mut all);
                if let Some(items) = all
                    .iter()
                    .find(|p| matches!(p.last(), Some(Seg::Index(0))))
                    .and_then(|p| node(&mut page, p))
                {
                    *items = value.clone();
                }
                check(s, &serde_json::to_vec(&page).unwrap())?;
            }
            Ok(())
        })
        .unwrap();
}

fn mutated_samples(cases: u32) {
    for (n, s) in subjects().iter().enumerate() {
        let changes = prop::collection::vec(mutation(), 1..5);
        runner(cases, 0x5EED_0903 + n as u64)
            .run(&changes, |changes| {
                let page = mutate(s.sample.clone(), &changes);
                check(s, &serde_json::to_vec(&page).unwrap())
            })
            .unwrap_or_else(|e| panic!("{}: {e}", s.name));
    }
}

#[test]
fn the_valid_samples_read_without_a_skip() {
    for s in subjects() {
        let outcomes = (s.page)(&serde_json::to_vec(&s.sample).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", s.name));
        assert!(!outcomes.is_empty(), "{}", s.name);
        for outcome in outcomes {
            assert!(outcome.is_ok(), "{}: {outcome:?}", s.name);
        }
    }
}

#[test]
fn a_malformed_item_is_skipped_with_its_reason_and_the_rest_read() {
    let mut page = example("wb/feedbacks.json");
    page["data"]["feedbacks"][1]["createdDate"] = json!({"когда": "вчера"});
    let outcomes = wb_feedbacks(&serde_json::to_vec(&page).unwrap()).unwrap();
    assert_eq!(outcomes.iter().filter(|o| o.is_ok()).count(), 3);
    let reason = outcomes.iter().find_map(|o| o.clone().err()).unwrap();
    assert!(reason.contains("createdDate"), "{reason}");
}

#[test]
fn random_bytes_never_panic_a_parser() {
    random_bytes(64);
}

#[test]
fn random_json_never_panics_a_parser() {
    random_json(64);
}

#[test]
fn mutated_valid_payloads_never_panic_a_parser() {
    mutated_samples(48);
}

#[test]
#[ignore = "long: cargo test --test parser_props -- --ignored"]
fn parsers_under_many_more_random_and_mutated_payloads() {
    random_bytes(4_000);
    random_json(2_000);
    mutated_samples(2_000);
}
