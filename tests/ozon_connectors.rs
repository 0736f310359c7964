//! The Ozon connectors (reviews, questions, chats) against the simulator on loopback, and
//! the contract fixtures under `tests/fixtures/ozon/`.

mod common;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use agentiq::connectors::http::limiter;
use agentiq::connectors::ozon::{
    self, parse_chat, parse_question, parse_review, wire, OzonApi, OzonChats, OzonQuestions,
    OzonReviews,
};
use agentiq::connectors::{build_connectors, Connector, ConnectorError, Pull, ReplyTarget};
use agentiq::domain::{AnswerState, Channel, Rating, Sender};
use agentiq::simulator::{DemoShop, SimulatorConfig, SimulatorHandle};
use serde_json::{json, Value};

fn api(sim: &SimulatorHandle) -> OzonApi {
    common::ozon_api(sim, common::OZON_CLIENT_ID, common::OZON_API_KEY)
}

/// Pulls until the connector has nothing more right now; returns every page.
async fn full_pass(connector: &dyn Connector, cursor: &mut Option<String>) -> Vec<Pull> {
    let mut pages = Vec::new();
    loop {
        let pull = connector.pull(cursor.as_deref()).await.expect("pull");
        *cursor = Some(pull.cursor.clone());
        let more = pull.more;
        pages.push(pull);
        if !more {
            return pages;
        }
        assert!(pages.len() < 1000, "a pass ends");
    }
}

fn target_of(item: &agentiq::domain::NewInteraction) -> ReplyTarget {
    ReplyTarget {
        external_id: item.external_id.clone(),
        reply_handle: item.reply_handle.clone(),
        product_external_id: item.product.as_ref().map(|p| p.external_id.clone()),
    }
}

/// A raw call to the simulator with Ozon's headers.
async fn post(sim: &SimulatorHandle, path: &str, body: Value) -> (u16, Value) {
    post_as(
        sim,
        path,
        body,
        common::OZON_CLIENT_ID,
        common::OZON_API_KEY,
    )
    .await
}

async fn post_as(
    sim: &SimulatorHandle,
    path: &str,
    body: Value,
    client_id: &str,
    api_key: &str,
) -> (u16, Value) {
    let mut request = reqwest::Client::new()
        .post(format!("{}{path}", sim.base_url()))
        .json(&body);
    if !client_id.is_empty() {
        request = request.header("Client-Id", client_id);
    }
    if !api_key.is_empty() {
        request = request.header("Api-Key", api_key);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body)
}

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/ozon/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("fixture exists");
    serde_json::from_str(&text).expect("fixture is JSON")
}

fn assert_invalid_argument(status: u16, body: &Value) {
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["code"], 3, "{body}");
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    assert!(body.get("details").is_some(), "{body}");
}

// ───────────────────────────── reviews ─────────────────────────────

#[tokio::test]
async fn reviews_page_through_by_last_id() {
    let sim = common::ozon_simulator().await;
    let connector = OzonReviews::new(api(&sim)).with_page_size(20);
    let shop = DemoShop::ozon().unwrap();
    let mut cursor = None;
    let pages = full_pass(&connector, &mut cursor).await;
    let mut ids = HashSet::new();
    for pull in &pages {
        assert!(pull.skipped.is_empty());
        for item in &pull.items {
            assert!(
                ids.insert(item.external_id.clone()),
                "no review twice in a pass"
            );
            assert_eq!(item.channel, Channel::Review);
            assert_eq!(
                item.customer_name, None,
                "the review list carries no author"
            );
        }
    }
    assert_eq!(ids.len(), shop.reviews.len());
    assert_eq!(
        pages.len(),
        shop.reviews.len().div_ceil(20),
        "has_next is exact"
    );
    let items: Vec<_> = pages.iter().flat_map(|p| &p.items).collect();
    let answered: Vec<_> = items.iter().filter(|i| i.answer.is_some()).collect();
    let demo_answers: HashSet<_> = shop
        .reviews
        .iter()
        .filter_map(|r| r.answer.clone())
        .collect();
    assert_eq!(
        answered.len(),
        shop.reviews.iter().filter(|r| r.answer.is_some()).count()
    );
    for item in &answered {
        assert!(demo_answers.contains(&item.answer.as_ref().unwrap().text));
        assert_eq!(item.answer_state(), AnswerState::Answered);
    }
    // The next pass re-reads from just before the oldest open review: nothing is lost,
    // and it still ends.
    let again = full_pass(&connector, &mut cursor).await;
    assert!(again.iter().all(|p| p.skipped.is_empty()));
    assert_eq!(sim.sim.report().over_limit, 0);
}

#[tokio::test]
async fn review_list_enforces_limit_status_and_last_id() {
    let sim = common::ozon_simulator().await;
    for limit in [19, 101, 0, -5] {
        let (status, body) = post(&sim, "/v1/review/list", json!({"limit": limit})).await;
        assert_invalid_argument(status, &body);
        assert!(
            body["message"].as_str().unwrap().contains("limit"),
            "{body}"
        );
    }
    let (status, body) = post(&sim, "/v1/review/list", json!({})).await;
    assert_invalid_argument(status, &body);
    let (status, body) = post(
        &sim,
        "/v1/review/list",
        json!({"limit": 20, "status": "ANSWERED"}),
    )
    .await;
    assert_invalid_argument(status, &body);
    let (status, body) = post(
        &sim,
        "/v1/review/list",
        json!({"limit": 20, "last_id": "no-such-review"}),
    )
    .await;
    assert_invalid_argument(status, &body);

    // The boundaries themselves are fine; last_id continues right after that review.
    let (status, first) = post(
        &sim,
        "/v1/review/list",
        json!({"limit": 20, "sort_dir": "ASC"}),
    )
    .await;
    assert_eq!(status, 200);
    let (status, hundred) = post(&sim, "/v1/review/list", json!({"limit": "100"})).await;
    assert_eq!(status, 200);
    let all = hundred["reviews"].as_array().unwrap();
    assert_eq!(all.len(), 90);
    assert_eq!(hundred["has_next"], false);
    assert_eq!(first["has_next"], true);
    assert_eq!(first["last_id"], all[19]["id"]);
    let (_, second) = post(
        &sim,
        "/v1/review/list",
        json!({"limit": 20, "last_id": first["last_id"], "sort_dir": "ASC", "status": "ALL"}),
    )
    .await;
    assert_eq!(second["reviews"][0]["id"], all[20]["id"]);
    let (_, newest_first) = post(
        &sim,
        "/v1/review/list",
        json!({"limit": 20, "sort_dir": "DESC"}),
    )
    .await;
    assert_eq!(newest_first["reviews"][0]["id"], all[89]["id"]);

    // Status filters split the list.
    let (_, open) = post(
        &sim,
        "/v1/review/list",
        json!({"limit": 100, "status": "UNPROCESSED"}),
    )
    .await;
    let (_, done) = post(
        &sim,
        "/v1/review/list",
        json!({"limit": 100, "status": "PROCESSED"}),
    )
    .await;
    let open = open["reviews"].as_array().unwrap();
    let done = done["reviews"].as_array().unwrap();
    assert_eq!(open.len() + done.len(), 90);
    assert!(open.iter().all(|r| r["status"] == "UNPROCESSED"));
    assert!(done
        .iter()
        .all(|r| r["status"] == "PROCESSED" && r["comments_amount"] == 1));
}

#[tokio::test]
async fn review_list_never_names_the_author() {
    let sim = common::ozon_simulator().await;
    let (_, body) = post(&sim, "/v1/review/list", json!({"limit": 100})).await;
    for review in body["reviews"].as_array().unwrap() {
        let keys: Vec<&String> = review.as_object().unwrap().keys().collect();
        assert!(
            keys.iter()
                .all(|k| !k.contains("author") && !k.contains("name") && !k.contains("user")),
            "{keys:?}"
        );
    }
}

#[tokio::test]
async fn answering_a_review_is_recorded_once_and_reads_back() {
    let sim = common::ozon_simulator().await;
    let connector = OzonReviews::new(api(&sim));
    let mut cursor = None;
    let pages = full_pass(&connector, &mut cursor).await;
    let item = pages
        .iter()
        .flat_map(|p| &p.items)
        .find(|i| i.answer_state() == AnswerState::Open)
        .expect("an open review")
        .clone();
    let target = target_of(&item);
    assert_eq!(connector.current_answer(&target).await.unwrap(), None);
    let text = "Здравствуйте! Очень жаль, напишите нам в чат — заменим.";
    connector
        .send_answer(&target, text)
        .await
        .expect("comment accepted");
    assert_eq!(
        connector.current_answer(&target).await.unwrap().as_deref(),
        Some(text)
    );

    let report = sim.sim.report();
    let answers: Vec<_> = report
        .answers
        .iter()
        .filter(|a| a.item_id == item.external_id)
        .collect();
    assert_eq!(answers.len(), 1);
    assert_eq!(answers[0].channel, "review");
    assert_eq!(answers[0].text, text);

    // The next pass sees the review processed, carrying the comment.
    let again = full_pass(&connector, &mut cursor).await;
    let seen = again
        .iter()
        .flat_map(|p| &p.items)
        .find(|i| i.external_id == item.external_id)
        .expect("an answered review is re-read in the next pass");
    assert_eq!(seen.answer.as_ref().map(|a| a.text.as_str()), Some(text));
    assert_eq!(seen.answer_state(), AnswerState::Answered);
}

#[tokio::test]
async fn review_comments_enforce_their_parameters() {
    let sim = common::ozon_simulator().await;
    let (_, list) = post(&sim, "/v1/review/list", json!({"limit": 20})).await;
    let id = list["reviews"][0]["id"].clone();
    let (status, body) = post(
        &sim,
        "/v1/review/comment/list",
        json!({"review_id": id, "limit": 10}),
    )
    .await;
    assert_invalid_argument(status, &body);
    let (status, body) = post(
        &sim,
        "/v1/review/comment/list",
        json!({"review_id": "nope", "limit": 20}),
    )
    .await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["code"], 5);
    let (status, body) = post(
        &sim,
        "/v1/review/comment/create",
        json!({"review_id": id, "text": " "}),
    )
    .await;
    assert_invalid_argument(status, &body);
    let (status, body) = post(
        &sim,
        "/v1/review/comment/create",
        json!({"review_id": "nope", "text": "Спасибо"}),
    )
    .await;
    assert_eq!(status, 404, "{body}");
    assert!(
        sim.sim.report().answers.is_empty(),
        "refused comments are no answers"
    );

    // Without mark_review_as_processed the comment lands but the review stays open.
    let (status, created) = post(
        &sim,
        "/v1/review/comment/create",
        json!({"review_id": id, "text": "Спасибо!"}),
    )
    .await;
    assert_eq!(status, 200);
    assert!(created["comment_id"]
        .as_str()
        .is_some_and(|c| c.len() == 36));
    let (_, info) = post(&sim, "/v1/review/info", json!({"review_id": id})).await;
    assert_eq!(info["status"], "UNPROCESSED");
    assert_eq!(info["comments_amount"], 1);
}

// ───────────────────────────── questions ─────────────────────────────

#[tokio::test]
async fn questions_page_through_by_last_id() {
    let sim = common::ozon_simulator().await;
    let connector = OzonQuestions::new(api(&sim));
    let shop = DemoShop::ozon().unwrap();
    let mut cursor = None;
    let pages = full_pass(&connector, &mut cursor).await;
    let mut ids = HashSet::new();
    for pull in &pages {
        assert!(pull.skipped.is_empty());
        for item in &pull.items {
            assert!(
                ids.insert(item.external_id.clone()),
                "no question twice in a pass"
            );
            assert_eq!(item.channel, Channel::Question);
            assert!(item.product.is_some(), "a question names its sku");
        }
    }
    assert_eq!(ids.len(), shop.questions.len());
    // Unpublished page size (20 in the simulator): full pages, then an empty one.
    assert_eq!(pages.len(), shop.questions.len().div_ceil(20) + 1);
    let answered: Vec<_> = pages
        .iter()
        .flat_map(|p| &p.items)
        .filter(|i| i.answer_state() == AnswerState::Answered)
        .collect();
    assert_eq!(
        answered.len(),
        shop.questions.iter().filter(|q| q.answer.is_some()).count()
    );
    let with_author = shop.questions.iter().filter(|q| q.author.is_some()).count();
    let named = pages
        .iter()
        .flat_map(|p| &p.items)
        .filter(|i| i.customer_name.is_some())
        .count();
    assert_eq!(named, with_author);
    assert_eq!(sim.sim.report().over_limit, 0);
}

#[tokio::test]
async fn question_list_rejects_bad_filters_with_the_question_error_shape() {
    let sim = common::ozon_simulator().await;
    let bad = [
        json!({"filter": {"status": "WAITING"}}),
        json!({"filter": {"date_from": "вчера"}}),
        json!({"last_id": "no-such-question"}),
    ];
    for body in bad {
        let (status, error) = post(&sim, "/v1/question/list", body).await;
        assert_invalid_argument(status, &error);
        assert!(
            error["details"].is_string(),
            "question errors carry details as a string"
        );
    }
    let (status, body) = post(
        &sim,
        "/v1/question/list",
        json!({"filter": {"status": "UNPROCESSED"}}),
    )
    .await;
    assert_eq!(status, 200);
    let questions = body["questions"].as_array().unwrap();
    assert!(questions.iter().all(|q| q["status"] != "PROCESSED"));
    let future = "2099-01-01T00:00:00Z";
    let (_, none) = post(
        &sim,
        "/v1/question/list",
        json!({"filter": {"date_from": future}}),
    )
    .await;
    assert_eq!(none["questions"].as_array().unwrap().len(), 0);
    assert_eq!(none["last_id"], "");
}

#[tokio::test]
async fn answering_a_question_is_recorded_once_and_reads_back() {
    let sim = common::ozon_simulator().await;
    let connector = OzonQuestions::new(api(&sim));
    let mut cursor = None;
    let pages = full_pass(&connector, &mut cursor).await;
    let open: Vec<_> = pages
        .iter()
        .flat_map(|p| &p.items)
        .filter(|i| i.answer_state() == AnswerState::Open)
        .cloned()
        .collect();
    let item = &open[0];
    let sku = item.product.as_ref().unwrap().external_id.clone();

    // Text length is 2..=3000 characters.
    for text in ["Я".to_string(), "ы".repeat(3001)] {
        let (status, body) = post(
            &sim,
            "/v1/question/answer/create",
            json!({"question_id": item.external_id, "sku": sku, "text": text}),
        )
        .await;
        assert_invalid_argument(status, &body);
    }
    let (status, body) = post(
        &sim,
        "/v1/question/answer/create",
        json!({"question_id": item.external_id, "sku": 1, "text": "Да"}),
    )
    .await;
    assert_invalid_argument(status, &body);

    let target = target_of(item);
    assert_eq!(connector.current_answer(&target).await.unwrap(), None);
    let text = "Да, блок на 20 Вт идёт в комплекте.";
    connector
        .send_answer(&target, text)
        .await
        .expect("answer accepted");
    assert_eq!(
        connector.current_answer(&target).await.unwrap().as_deref(),
        Some(text)
    );

    // Without a known sku the connector asks /v1/question/info.
    let bare = ReplyTarget {
        product_external_id: None,
        ..target_of(&open[1])
    };
    connector
        .send_answer(&bare, "Ок")
        .await
        .expect("answer by question id alone");
    assert_eq!(
        connector.current_answer(&bare).await.unwrap().as_deref(),
        Some("Ок")
    );

    let report = sim.sim.report();
    assert_eq!(report.answers.len(), 2, "refused answers are not recorded");
    assert!(report.answers.iter().all(|a| a.channel == "question"));
    assert_eq!(report.answers_per_item().get(&item.external_id), Some(&1));
    assert_eq!(report.requests.get("POST /v1/question/info"), Some(&2));

    let again = full_pass(&connector, &mut cursor).await;
    let seen = again
        .iter()
        .flat_map(|p| &p.items)
        .find(|i| i.external_id == item.external_id)
        .expect("the answered question is re-read");
    assert_eq!(seen.answer.as_ref().map(|a| a.text.as_str()), Some(text));
}

// ───────────────────────────── chats ─────────────────────────────

#[tokio::test]
async fn chats_come_with_their_threads() {
    let sim = common::ozon_simulator().await;
    let connector = OzonChats::new(api(&sim)).with_page_size(5);
    let shop = DemoShop::ozon().unwrap();
    let mut cursor = None;
    let pages = full_pass(&connector, &mut cursor).await;
    assert_eq!(pages.len(), shop.chats.len().div_ceil(5));
    let items: Vec<_> = pages.iter().flat_map(|p| &p.items).collect();
    assert_eq!(items.len(), shop.chats.len());
    let ids: HashSet<_> = items.iter().map(|i| &i.external_id).collect();
    assert_eq!(ids.len(), shop.chats.len(), "every chat once");
    for item in &items {
        assert_eq!(item.channel, Channel::Chat);
        assert_eq!(
            item.reply_handle.as_deref(),
            Some(item.external_id.as_str())
        );
        assert!(item.customer_external_id.is_some(), "the buyer's user id");
        assert!(item
            .messages
            .windows(2)
            .all(|w| w[0].sent_at <= w[1].sent_at));
        let demo = shop
            .chats
            .iter()
            .find(|c| {
                c.messages.len() == item.messages.len()
                    && c.messages
                        .iter()
                        .zip(&item.messages)
                        .all(|(d, m)| d.text == m.text)
            })
            .expect("a demo chat with this thread");
        let waits = demo.messages.last().is_some_and(|m| m.from == "buyer");
        assert_eq!(item.answer_state() == AnswerState::Open, waits);
        if let Some(product) = demo.product {
            assert_eq!(
                item.product.as_ref().unwrap().external_id,
                product.to_string()
            );
        }
    }
    // Nothing changed: the next pass lists chats and reads no history.
    let quiet = full_pass(&connector, &mut cursor).await;
    assert!(quiet.iter().all(|p| p.items.is_empty()));
    assert_eq!(
        quiet.iter().map(|p| p.requests).sum::<u32>(),
        quiet.len() as u32
    );
    assert_eq!(sim.sim.report().over_limit, 0);
}

#[tokio::test]
async fn chat_endpoints_enforce_their_parameters() {
    let sim = common::ozon_simulator().await;
    for limit in [0, 1001] {
        let (status, body) = post(&sim, "/v3/chat/list", json!({"limit": limit})).await;
        assert_invalid_argument(status, &body);
    }
    let (status, body) = post(&sim, "/v3/chat/list", json!({"limit": 1, "cursor": "x"})).await;
    assert_invalid_argument(status, &body);
    let (status, list) = post(&sim, "/v3/chat/list", json!({"limit": 1000})).await;
    assert_eq!(status, 200);
    assert_eq!(list["has_next"], false);
    let chat_id = list["chats"][0]["chat"]["chat_id"].clone();
    let last = list["chats"][0]["last_message_id"]
        .as_u64()
        .expect("an integer, as in the contract")
        .to_string();

    let (status, body) = post(
        &sim,
        "/v3/chat/history",
        json!({"chat_id": chat_id, "limit": 1001}),
    )
    .await;
    assert_invalid_argument(status, &body);
    let (status, body) = post(
        &sim,
        "/v3/chat/history",
        json!({"chat_id": chat_id, "direction": "Sideways"}),
    )
    .await;
    assert_invalid_argument(status, &body);
    let (status, body) = post(&sim, "/v3/chat/history", json!({"chat_id": "no-such-chat"})).await;
    assert_eq!(status, 404, "{body}");

    // Backward (the default) starts at the newest message; Forward reads on from an id.
    let (_, back) = post(&sim, "/v3/chat/history", json!({"chat_id": chat_id})).await;
    let back = back["messages"].as_array().unwrap().clone();
    assert_eq!(back[0]["message_id"].to_string(), last);
    let oldest = back.last().unwrap()["message_id"].to_string();
    let (_, fwd) = post(
        &sim,
        "/v3/chat/history",
        json!({"chat_id": chat_id, "direction": "Forward", "from_message_id": oldest.parse::<u64>().unwrap(), "limit": 1}),
    )
    .await;
    assert_eq!(fwd["messages"][0]["message_id"].to_string(), oldest);
    assert_eq!(fwd["has_next"], back.len() > 1);

    let (status, body) = post(
        &sim,
        "/v1/chat/send/message",
        json!({"chat_id": chat_id, "text": ""}),
    )
    .await;
    assert_invalid_argument(status, &body);
    let (status, body) = post(
        &sim,
        "/v1/chat/send/message",
        json!({"chat_id": chat_id, "text": "я".repeat(1001)}),
    )
    .await;
    assert_invalid_argument(status, &body);
    assert!(sim.sim.report().answers.is_empty());
}

#[tokio::test]
async fn answering_a_chat_is_recorded_once_and_reads_back() {
    let sim = common::ozon_simulator().await;
    let connector = OzonChats::new(api(&sim));
    let mut cursor = None;
    let pages = full_pass(&connector, &mut cursor).await;
    let item = pages
        .iter()
        .flat_map(|p| &p.items)
        .filter(|i| i.answer_state() == AnswerState::Open)
        .max_by_key(|i| i.waiting_since())
        .expect("a chat waiting for the seller")
        .clone();
    let target = target_of(&item);
    let before = connector.current_answer(&target).await.unwrap();
    let text = "Здравствуйте! Проверили: заказ уже у курьера.";
    assert_ne!(before.as_deref(), Some(text));
    connector
        .send_answer(&target, text)
        .await
        .expect("message accepted");
    assert_eq!(
        connector.current_answer(&target).await.unwrap().as_deref(),
        Some(text)
    );
    let report = sim.sim.report();
    assert_eq!(report.answers.len(), 1);
    assert_eq!(report.answers[0].channel, "chat");
    assert_eq!(report.answers[0].item_id, item.external_id);

    let again = full_pass(&connector, &mut cursor).await;
    let seen: Vec<_> = again.iter().flat_map(|p| &p.items).collect();
    assert_eq!(seen.len(), 1, "only the chat that changed is re-read");
    assert_eq!(seen[0].answer_state(), AnswerState::Answered);
    assert_eq!(seen[0].messages.last().unwrap().sender, Sender::Seller);
}

#[tokio::test]
async fn a_chat_quiet_for_over_48_hours_refuses_messages() {
    let sim = common::ozon_simulator().await;
    let connector = OzonChats::new(api(&sim));
    let mut cursor = None;
    let pages = full_pass(&connector, &mut cursor).await;
    let item = pages[0].items[0].clone();
    {
        // Move the whole thread three days back.
        let mut state = sim.sim.lock();
        for account in &mut state.accounts {
            for chat in &mut account.chats {
                for m in &mut chat.messages {
                    m.at -= chrono::Duration::hours(72);
                }
            }
        }
    }
    let err = connector
        .send_answer(&target_of(&item), "Здравствуйте!")
        .await
        .unwrap_err();
    match &err {
        ConnectorError::Rejected {
            status, message, ..
        } => {
            assert_eq!(*status, 400);
            assert!(message.contains("48 hours"), "{message}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    let (_, body) = post(
        &sim,
        "/v1/chat/send/message",
        json!({"chat_id": item.external_id, "text": "Здравствуйте!"}),
    )
    .await;
    assert_eq!(body["code"], 9, "{body}");
    assert!(body["details"].is_array());
    assert!(sim.sim.report().answers.is_empty());
}

// ───────────────────────────── auth, limits, faults ─────────────────────────────

#[tokio::test]
async fn missing_or_wrong_credentials_are_refused_and_never_echoed() {
    let sim = common::ozon_simulator().await;
    let (status, body) = post_as(&sim, "/v1/review/list", json!({"limit": 20}), "", "").await;
    assert_eq!(status, 401);
    assert_eq!(body["code"], 16);
    assert!(body["details"].is_array());
    let (status, _) = post_as(
        &sim,
        "/v1/review/list",
        json!({"limit": 20}),
        common::OZON_CLIENT_ID,
        "",
    )
    .await;
    assert_eq!(status, 401, "both headers are required");
    let (status, body) = post_as(
        &sim,
        "/v3/chat/list",
        json!({}),
        common::OZON_CLIENT_ID,
        "wrong-key",
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(body["code"], 7);

    let wrong = common::ozon_api(&sim, common::OZON_CLIENT_ID, "not-the-key-SECRET");
    let connectors: Vec<Box<dyn Connector>> = vec![
        Box::new(OzonReviews::new(wrong.clone())),
        Box::new(OzonQuestions::new(wrong.clone())),
        Box::new(OzonChats::new(wrong)),
    ];
    for connector in connectors {
        let err = connector.pull(None).await.unwrap_err();
        assert!(
            matches!(err, ConnectorError::Unauthorized { status: 403, .. }),
            "{err:?}"
        );
        let message = err.to_string();
        assert!(message.contains("ozon"), "{message}");
        assert!(!message.contains("SECRET"), "{message}");
    }
    let unknown_client = common::ozon_api(&sim, "999", common::OZON_API_KEY);
    let err = OzonReviews::new(unknown_client)
        .pull(None)
        .await
        .unwrap_err();
    assert!(
        matches!(err, ConnectorError::Unauthorized { .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn bursts_beyond_50_a_second_get_ozons_429() {
    let sim = common::ozon_simulator().await;
    let calls = (0..120).map(|_| {
        let base = sim.base_url();
        async move {
            reqwest::Client::new()
                .post(format!("{base}/v3/chat/list"))
                .header("Client-Id", common::OZON_CLIENT_ID)
                .header("Api-Key", common::OZON_API_KEY)
                .json(&json!({"limit": 1}))
                .send()
                .await
                .expect("request")
        }
    });
    let responses = futures::future::join_all(calls).await;
    let mut limited = 0;
    for response in responses {
        if response.status() == 429 {
            limited += 1;
            let body: Value = response.json().await.unwrap();
            assert_eq!(
                body,
                json!({"code": 8, "message": "You have reached request rate limit per second"})
            );
        }
    }
    assert!(limited >= 1, "120 at once is over a 50-burst");
    assert_eq!(sim.sim.report().over_limit, limited);
}

#[tokio::test]
async fn the_connector_waits_out_a_429_and_carries_on() {
    let sim = common::ozon_simulator().await;
    // A client that does not pace itself at all: the simulator must push back.
    let reckless = OzonApi::new(
        &sim.base_url(),
        common::OZON_CLIENT_ID,
        common::OZON_API_KEY,
        limiter(Duration::from_micros(1), 10_000),
        common::fast_retry(),
    );
    let connector = Arc::new(OzonChats::new(reckless));
    let (_, list) = post(&sim, "/v3/chat/list", json!({"limit": 1})).await;
    let chat_id = list["chats"][0]["chat"]["chat_id"]
        .as_str()
        .unwrap()
        .to_string();
    let started = Instant::now();
    let calls = (0..90).map(|_| {
        let connector = connector.clone();
        let target = ReplyTarget {
            external_id: chat_id.clone(),
            reply_handle: Some(chat_id.clone()),
            product_external_id: None,
        };
        async move { connector.current_answer(&target).await }
    });
    let results = futures::future::join_all(calls).await;
    assert!(
        results.iter().all(Result::is_ok),
        "every call got through after waiting"
    );
    let report = sim.sim.report();
    assert!(report.over_limit > 0, "the burst was pushed back");
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "waited before retrying"
    );
}

#[tokio::test]
async fn a_full_backfill_of_all_three_stays_under_the_limit() {
    let config = SimulatorConfig {
        scale: 300,
        ..SimulatorConfig::default()
    };
    let sim = common::ozon_simulator_with(config).await;
    let connectors = build_connectors(&common::ozon_account(&sim)).unwrap();
    let kinds: Vec<&str> = connectors.iter().map(|c| c.id()).collect();
    assert_eq!(kinds, ["ozon_reviews", "ozon_questions", "ozon_chats"]);
    let passes = connectors.iter().map(|c| async move {
        let mut cursor = None;
        full_pass(c.as_ref(), &mut cursor).await
    });
    let results = futures::future::join_all(passes).await;
    let seen: usize = results.iter().flatten().map(|p| p.items.len()).sum();
    let state_total = {
        let state = sim.sim.lock();
        let a = &state.accounts[0];
        a.reviews.len() + a.questions.len() + a.chats.len()
    };
    assert_eq!(seen, state_total, "every item of every channel");
    let report = sim.sim.report();
    let requests: u64 = report.requests.values().sum();
    assert!(requests > 60, "a real backfill: {requests} requests");
    assert_eq!(
        report.over_limit, 0,
        "zero requests over the published limit"
    );
}

#[tokio::test]
async fn five_hundreds_and_garbled_bodies_are_retried() {
    let config = SimulatorConfig {
        faults: "5xx=0.2,malformed=0.1".parse().unwrap(),
        seed: 7,
        ..SimulatorConfig::default()
    };
    let sim = common::ozon_simulator_with(config).await;
    let patient = OzonApi::new(
        &sim.base_url(),
        common::OZON_CLIENT_ID,
        common::OZON_API_KEY,
        limiter(ozon::PERIOD, ozon::BURST),
        agentiq::connectors::http::RetryPolicy {
            max_attempts: 8,
            ..common::fast_retry()
        },
    );
    let connector = OzonReviews::new(patient).with_page_size(20);
    let mut cursor = None;
    let pages = full_pass(&connector, &mut cursor).await;
    let ids: HashSet<_> = pages
        .iter()
        .flat_map(|p| &p.items)
        .map(|i| &i.external_id)
        .collect();
    assert_eq!(ids.len(), 90);
    let report = sim.sim.report();
    assert!(
        report.faults_injected.values().sum::<u64>() > 0,
        "faults were injected"
    );
}

#[tokio::test]
async fn a_garbled_success_still_counts_as_one_delivered_answer() {
    let config = SimulatorConfig {
        faults: "malformed=1.0".parse().unwrap(),
        ..SimulatorConfig::default()
    };
    let sim = common::ozon_simulator_with(config).await;
    let id = {
        let state = sim.sim.lock();
        state.accounts[0]
            .reviews
            .iter()
            .find(|r| r.answer.is_none())
            .unwrap()
            .id
            .clone()
    };
    let connector = OzonReviews::new(api(&sim));
    let target = ReplyTarget {
        external_id: id.clone(),
        reply_handle: None,
        product_external_id: None,
    };
    connector
        .send_answer(&target, "Спасибо за отзыв!")
        .await
        .expect("a 200 is a 200");
    let report = sim.sim.report();
    assert_eq!(
        report.answers_per_item().get(&id),
        Some(&1),
        "sent exactly once"
    );
}

// ───────────────────────────── arrivals ─────────────────────────────

#[tokio::test]
async fn new_items_are_picked_up_from_the_stored_cursor() {
    let sim = common::ozon_simulator().await;
    let api = api(&sim);
    let reviews = OzonReviews::new(api.clone());
    let questions = OzonQuestions::new(api.clone());
    let chats = OzonChats::new(api);
    let (mut rc, mut qc, mut cc) = (None, None, None);
    full_pass(&reviews, &mut rc).await;
    full_pass(&questions, &mut qc).await;
    full_pass(&chats, &mut cc).await;

    // One review, one question, one chat message, in that order.
    for _ in 0..3 {
        assert_eq!(sim.sim.arrive_now(), 1);
    }
    let shop = DemoShop::ozon().unwrap();
    let new_reviews: Vec<_> = full_pass(&reviews, &mut rc)
        .await
        .into_iter()
        .flat_map(|p| p.items)
        .collect();
    let fresh = &shop.incoming_reviews[0];
    let review = new_reviews
        .iter()
        .find(|i| i.text == fresh.text)
        .expect("the arrived review is in the next pass");
    assert_eq!(review.rating.map(Rating::stars), Some(fresh.rating));
    assert_eq!(review.answer_state(), AnswerState::Open);

    let new_questions: Vec<_> = full_pass(&questions, &mut qc)
        .await
        .into_iter()
        .flat_map(|p| p.items)
        .collect();
    assert!(new_questions
        .iter()
        .any(|i| i.text == shop.incoming_questions[0].text));

    let new_chats: Vec<_> = full_pass(&chats, &mut cc)
        .await
        .into_iter()
        .flat_map(|p| p.items)
        .collect();
    assert_eq!(new_chats.len(), 1, "only the chat with the new message");
    let chat = &new_chats[0];
    let last = chat.messages.last().unwrap();
    assert_eq!(last.text, shop.incoming_chat_messages[0].text);
    assert_eq!(last.sender, Sender::Buyer);
    assert_eq!(chat.answer_state(), AnswerState::Open);
}

// ───────────────────────────── contract ─────────────────────────────

#[test]
fn fixture_reviews_parse_to_the_expected_domain_values() {
    let list: wire::ReviewListResponse =
        serde_json::from_value(fixture("review_list.json")).unwrap();
    assert!(!list.has_next, "\"false\" as a string");
    let results: Vec<_> = list.reviews.into_iter().map(parse_review).collect();
    let first = results[0].as_ref().unwrap();
    assert!(!first.processed);
    assert_eq!(first.item.rating.map(Rating::stars), Some(1));
    assert_eq!(first.item.photos, 2);
    assert_eq!(
        first.item.product.as_ref().unwrap().external_id,
        "1187345502"
    );
    assert_eq!(
        first.item.created_at.to_rfc3339(),
        "2026-03-02T07:41:18.306+00:00"
    );
    assert_eq!(
        first.item.text,
        "Пришёл с трещиной на корпусе, упаковка мятая."
    );
    assert_eq!(first.item.answer_state(), AnswerState::Open);

    let second = results[1].as_ref().unwrap();
    assert!(second.processed);
    assert_eq!(second.comments_amount, 1);
    assert_eq!(
        second.item.rating.map(Rating::stars),
        Some(5),
        "\"5\" as a string"
    );
    assert_eq!(
        second.item.product.as_ref().unwrap().external_id,
        "1187345502"
    );

    let third = results[2].as_ref().unwrap_err();
    assert_eq!(
        third.external_id.as_deref(),
        Some("0194b7e2-61c3-7a05-b8d4-93e1f0a2c517")
    );
    assert!(third.reason.contains("published_at"), "{}", third.reason);

    let comments: wire::CommentListResponse =
        serde_json::from_value(fixture("review_comment_list.json")).unwrap();
    assert_eq!(
        comments.comments[1].text,
        "Спасибо за высокую оценку! Будем рады видеть вас снова."
    );
    assert_eq!(
        comments.comments[1].parent_comment_id, None,
        "empty means none"
    );
}

#[test]
fn fixture_questions_parse_to_the_expected_domain_values() {
    let list: wire::QuestionListResponse =
        serde_json::from_value(fixture("question_list.json")).unwrap();
    let results: Vec<_> = list.questions.into_iter().map(parse_question).collect();
    let first = results[0].as_ref().unwrap();
    assert_eq!(
        first.item.customer_name.as_deref(),
        Some("Пользователь Ozon")
    );
    assert_eq!(first.sku, Some(1187345502));
    assert_eq!(first.item.answer_state(), AnswerState::Open);
    let second = results[1].as_ref().unwrap();
    assert!(second.processed);
    assert_eq!(second.answers_count, 1, "\"1\" as a string");
    // No `published_at`: imported all the same, dated by its UUIDv7 id.
    let third = results[2].as_ref().unwrap();
    assert_eq!(third.item.text, "Без даты публикации");
    assert_eq!(
        third.item.created_at.timestamp_millis(),
        i64::from_str_radix("0194c0032a2b", 16).unwrap()
    );
    assert!(!third.dated, "its time does not move the sync's watermark");

    let info: wire::Question = serde_json::from_value(fixture("question_info.json")).unwrap();
    assert_eq!(info.answers_count, 0);
    assert_eq!(info.status.as_deref(), Some("VIEWED"));
    let parsed = parse_question(fixture("question_info.json")).unwrap();
    assert_eq!(parsed.item.created_at.timestamp_subsec_micros(), 120_456);

    let answers: wire::AnswerListResponse =
        serde_json::from_value(fixture("question_answer_list.json")).unwrap();
    assert_eq!(
        answers.answers[0].text,
        "Гарантия производителя — 12 месяцев со дня покупки."
    );
}

#[test]
fn fixture_chats_parse_to_the_expected_domain_values() {
    let list: wire::ChatListResponse = serde_json::from_value(fixture("chat_list.json")).unwrap();
    assert!(list.has_next, "\"true\" as a string");
    assert_eq!(list.total_unread_count, 1);
    assert_eq!(list.cursor.as_deref(), Some("2"));
    let history: wire::ChatHistoryResponse =
        serde_json::from_value(fixture("chat_history.json")).unwrap();
    let parsed = parse_chat(list.chats[0].clone(), history.messages.clone()).unwrap();
    assert_eq!(parsed.skipped.len(), 1, "the message with a broken date");
    assert_eq!(
        parsed.skipped[0].external_id.as_deref(),
        Some("3000000000512000000")
    );
    let chat = parsed.item.unwrap();
    assert_eq!(chat.external_id, "4f3e2d1c-0b9a-4877-a655-443322110000");
    assert_eq!(
        chat.reply_handle.as_deref(),
        Some(chat.external_id.as_str())
    );
    assert_eq!(chat.customer_external_id.as_deref(), Some("70114"));
    assert_eq!(chat.product.as_ref().unwrap().external_id, "1187345502");
    let thread: Vec<_> = chat
        .messages
        .iter()
        .map(|m| (m.sender, m.text.as_str()))
        .collect();
    assert_eq!(
        thread,
        [
            (Sender::Buyer, "Добрый день!\nКогда будет отправка?"),
            (Sender::Seller, "Здравствуйте! Соберём сегодня до вечера."),
            (
                Sender::Buyer,
                "Подскажите, когда отправите? Уже два дня «ожидает сборки»."
            ),
        ],
        "oldest first; the crm notice is not part of the thread; Cyrillic «Сustomer» is the buyer"
    );
    assert_eq!(chat.answer_state(), AnswerState::Open);
    assert_eq!(
        chat.waiting_since().to_rfc3339(),
        "2026-03-05T09:12:00+00:00"
    );
    assert_eq!(
        chat.text,
        "Подскажите, когда отправите? Уже два дня «ожидает сборки»."
    );

    // The support chat is not an inbox item; the entry without an id is skipped.
    assert!(parse_chat(list.chats[1].clone(), Vec::new())
        .unwrap()
        .item
        .is_none());
    let err = parse_chat(list.chats[2].clone(), Vec::new()).unwrap_err();
    assert!(err.reason.contains("unreadable"), "{}", err.reason);
}

#[test]
fn fixture_errors_read_in_every_published_shape() {
    let limited: wire::RpcStatus =
        serde_json::from_value(fixture("error_rate_limit.json")).unwrap();
    assert_eq!(limited.code, wire::code::RESOURCE_EXHAUSTED);
    assert_eq!(limited.message, wire::RATE_LIMIT_MESSAGE);
    let question: wire::RpcStatus = serde_json::from_value(fixture("error_question.json")).unwrap();
    assert!(question.details.unwrap().is_string());
    let rpc: wire::RpcStatus = serde_json::from_value(fixture("error_rpc.json")).unwrap();
    assert_eq!(rpc.code, wire::code::UNAUTHENTICATED);
    assert!(rpc.details.unwrap().is_array());
}

#[tokio::test]
async fn simulator_responses_deserialize_with_the_wire_types() {
    let sim = common::ozon_simulator().await;
    let (_, reviews) = post(&sim, "/v1/review/list", json!({"limit": 100})).await;
    let reviews: wire::ReviewListResponse = serde_json::from_value(reviews).unwrap();
    let mut review_ids = Vec::new();
    for raw in &reviews.reviews {
        let review: wire::Review = serde_json::from_value(raw.clone()).unwrap();
        review_ids.push(review.id.clone());
        assert!(parse_review(raw.clone()).is_ok());
    }
    let processed = reviews
        .reviews
        .iter()
        .find(|r| r["status"] == "PROCESSED")
        .unwrap()["id"]
        .clone();
    let (_, info) = post(&sim, "/v1/review/info", json!({"review_id": review_ids[0]})).await;
    let _: wire::ReviewInfo = serde_json::from_value(info).unwrap();
    let (_, comments) = post(
        &sim,
        "/v1/review/comment/list",
        json!({"review_id": processed, "limit": 20}),
    )
    .await;
    let comments: wire::CommentListResponse = serde_json::from_value(comments).unwrap();
    assert!(comments.comments[0].is_owner);

    let (_, questions) = post(&sim, "/v1/question/list", json!({})).await;
    let questions: wire::QuestionListResponse = serde_json::from_value(questions).unwrap();
    for raw in &questions.questions {
        let _: wire::Question = serde_json::from_value(raw.clone()).unwrap();
        assert!(parse_question(raw.clone()).is_ok());
    }
    let q: wire::Question = serde_json::from_value(questions.questions[0].clone()).unwrap();
    let (_, info) = post(&sim, "/v1/question/info", json!({"question_id": q.id})).await;
    assert!(
        info["answers_count"].is_i64(),
        "an integer, as the contract's schema has it (the connector reads strings too)"
    );
    let _: wire::Question = serde_json::from_value(info).unwrap();
    let (_, answers) = post(
        &sim,
        "/v1/question/answer/list",
        json!({"question_id": q.id, "sku": q.sku}),
    )
    .await;
    let _: wire::AnswerListResponse = serde_json::from_value(answers).unwrap();
    let (_, created) = post(
        &sim,
        "/v1/question/answer/create",
        json!({"question_id": q.id, "sku": q.sku.map(|s| s.to_string()), "text": "Здравствуйте!"}),
    )
    .await;
    let created: wire::AnswerCreateResponse = serde_json::from_value(created).unwrap();
    assert!(created.answer_id.is_some());

    let (_, chats) = post(&sim, "/v3/chat/list", json!({"limit": 100})).await;
    let chats: wire::ChatListResponse = serde_json::from_value(chats).unwrap();
    let mut by_id = HashMap::new();
    for raw in &chats.chats {
        let info: wire::ChatInfo = serde_json::from_value(raw.clone()).unwrap();
        by_id.insert(info.chat.chat_id.clone(), raw.clone());
    }
    let (chat_id, raw_info) = by_id.into_iter().next().unwrap();
    let (_, history) = post(
        &sim,
        "/v3/chat/history",
        json!({"chat_id": chat_id, "limit": 100}),
    )
    .await;
    let history: wire::ChatHistoryResponse = serde_json::from_value(history).unwrap();
    for raw in &history.messages {
        let m: wire::ChatMessage = serde_json::from_value(raw.clone()).unwrap();
        assert!(m.message_id.parse::<u64>().is_ok(), "64-bit message ids");
    }
    let parsed = parse_chat(raw_info, history.messages).unwrap();
    assert!(parsed.skipped.is_empty());
    assert!(parsed.item.is_some());
    let (_, sent) = post(
        &sim,
        "/v1/chat/send/message",
        json!({"chat_id": chat_id, "text": "Добрый день!"}),
    )
    .await;
    let sent: wire::SendMessageResponse = serde_json::from_value(sent).unwrap();
    assert_eq!(sent.result, "success");

    let (_, error) = post(&sim, "/v1/review/list", json!({"limit": 5})).await;
    let _: wire::RpcStatus = serde_json::from_value(error).unwrap();
}

#[tokio::test]
async fn chat_message_ids_are_integers_and_the_chat_list_requires_limit() {
    let sim = common::ozon_simulator().await;
    let (status, body) = post(&sim, "/v3/chat/list", json!({})).await;
    assert_invalid_argument(status, &body);
    assert!(
        body["message"].as_str().unwrap().contains("limit"),
        "{body}"
    );

    let (_, list) = post(&sim, "/v3/chat/list", json!({"limit": 100})).await;
    let chats = list["chats"].as_array().unwrap();
    assert!(!chats.is_empty());
    for chat in chats {
        assert!(chat["last_message_id"].is_u64(), "{chat}");
        if let Some(unread) = chat.get("first_unread_message_id") {
            assert!(unread.is_u64(), "{chat}");
        }
    }
    let chat_id = chats[0]["chat"]["chat_id"].as_str().unwrap();
    let (_, history) = post(
        &sim,
        "/v3/chat/history",
        json!({"chat_id": chat_id, "limit": 100}),
    )
    .await;
    for message in history["messages"].as_array().unwrap() {
        assert!(message["message_id"].is_u64(), "{message}");
    }

    // The connector reads integers, and strings as Ozon's own examples give them.
    let as_strings: wire::ChatInfo = serde_json::from_value(json!({
        "chat": {"chat_id": "c"}, "last_message_id": "3000000000118021931",
        "first_unread_message_id": "3000000000118021930", "unread_count": 1
    }))
    .unwrap();
    let as_numbers: wire::ChatInfo = serde_json::from_value(json!({
        "chat": {"chat_id": "c"}, "last_message_id": 3000000000118021931u64,
        "first_unread_message_id": 3000000000118021930u64, "unread_count": 1
    }))
    .unwrap();
    assert_eq!(as_strings, as_numbers);
}

#[tokio::test]
async fn a_root_comment_has_a_string_parent_id() {
    let sim = common::ozon_simulator().await;
    let (_, reviews) = post(&sim, "/v1/review/list", json!({"limit": 100})).await;
    let answered = reviews["reviews"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["comments_amount"].as_i64() > Some(0))
        .expect("an answered review")["id"]
        .clone();
    let (_, comments) = post(
        &sim,
        "/v1/review/comment/list",
        json!({"review_id": answered, "limit": 20}),
    )
    .await;
    let comment = &comments["comments"][0];
    assert!(comment["parent_comment_id"].is_string(), "{comment}");
    let parsed: wire::Comment = serde_json::from_value(comment.clone()).unwrap();
    assert_eq!(parsed.parent_comment_id, None, "empty means no parent");
}
