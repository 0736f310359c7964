//! The WB buyer-chats connector against the simulator on loopback, and the contract: our
//! fixtures and the simulator's responses read with the same wire types.

mod common;

use std::collections::{BTreeMap, HashSet};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use agentiq::connectors::wb::chats::{parse_chat_page, parse_event};
use agentiq::connectors::wb::wire::{
    Chat, ChatError, ChatEvent, ChatsResponse, EventsResponse, MessageResponse, StandardError,
};
use agentiq::connectors::wb::WbChats;
use agentiq::connectors::{Connector, ConnectorError, ReplyTarget};
use agentiq::domain::{AnswerState, Channel, NewInteraction, Sender};
use agentiq::simulator::{self, DemoShop, SimShop, SimulatorConfig, SimulatorHandle};

/// Pulls until the connector has nothing more right now: the chats reported (the latest
/// report of each), the cursor, and the steps taken.
async fn pass(
    connector: &WbChats,
    cursor: Option<String>,
) -> (BTreeMap<String, NewInteraction>, String, usize) {
    let mut cursor = cursor;
    let mut chats = BTreeMap::new();
    let mut steps = 0;
    loop {
        let pull = connector.pull(cursor.as_deref()).await.expect("pull");
        steps += 1;
        assert!(pull.skipped.is_empty(), "{:?}", pull.skipped);
        for item in pull.items {
            chats.insert(item.external_id.clone(), item);
        }
        cursor = Some(pull.cursor);
        if !pull.more {
            return (chats, cursor.unwrap_or_default(), steps);
        }
    }
}

fn target(chat: &NewInteraction) -> ReplyTarget {
    ReplyTarget {
        external_id: chat.external_id.clone(),
        reply_handle: chat.reply_handle.clone(),
        product_external_id: None,
    }
}

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/wb/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

async fn get_events(sim: &SimulatorHandle, next: Option<&str>) -> reqwest::Response {
    let mut request = reqwest::Client::new()
        .get(format!("{}/api/v1/seller/events", sim.base_url()))
        .header("Authorization", common::TOKEN);
    if let Some(next) = next {
        request = request.query(&[("next", next)]);
    }
    request.send().await.expect("request")
}

async fn post_message(sim: &SimulatorHandle, form: reqwest::multipart::Form) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{}/api/v1/seller/message", sim.base_url()))
        .header("Authorization", common::TOKEN)
        .multipart(form)
        .send()
        .await
        .expect("request")
}

/// Makes `n` chat messages arrive (arrivals rotate review → question → chat message).
fn arrive_chat_messages(sim: &SimulatorHandle, n: usize) {
    let before = sim.sim.report().accounts[0].chat_messages;
    while sim.sim.report().accounts[0].chat_messages < before + n {
        sim.sim.arrive_now();
    }
}

#[tokio::test]
async fn a_full_pull_reports_every_chat_whole() {
    let sim = common::simulator().await;
    let connector = common::chats(&sim, common::TOKEN);
    let shop = DemoShop::wb().unwrap();
    let (chats, cursor, steps) = pass(&connector, None).await;
    assert_eq!(steps, 1);
    assert_eq!(chats.len(), shop.chats.len());
    for demo in &shop.chats {
        let chat = chats
            .values()
            .find(|c| c.customer_name.as_deref() == Some(demo.client_name.as_str()))
            .unwrap_or_else(|| panic!("chat with {}", demo.client_name));
        assert_eq!(chat.channel, Channel::Chat);
        assert_eq!(
            chat.messages.len(),
            demo.messages.len(),
            "{}",
            demo.client_name
        );
        let buyer_last = demo.messages.last().is_some_and(|m| m.from != "seller");
        let expected = if buyer_last {
            AnswerState::Open
        } else {
            AnswerState::Answered
        };
        assert_eq!(chat.answer_state(), expected, "{}", demo.client_name);
        assert!(chat.reply_handle.is_some());
        assert!(chat.customer_external_id.is_some());
        assert_eq!(
            chat.product.as_ref().map(|p| p.external_id.clone()),
            demo.product.map(|p| p.to_string())
        );
        assert!(
            chat.messages
                .windows(2)
                .all(|w| w[0].sent_at <= w[1].sent_at),
            "oldest first"
        );
        assert_eq!(chat.created_at, chat.messages[0].sent_at);
    }
    let report = sim.sim.report();
    assert_eq!(
        report.requests["GET /api/v1/seller/events"], 2,
        "one page, then totalEvents 0"
    );
    assert_eq!(report.requests["GET /api/v1/seller/chats"], 1);
    assert_eq!(report.over_limit, 0);

    // Nothing new: one request, nothing reported, the cursor unchanged.
    let pull = connector.pull(Some(&cursor)).await.unwrap();
    assert!(pull.items.is_empty());
    assert_eq!(pull.requests, 1);
    assert_eq!(pull.cursor, cursor);
}

#[tokio::test]
async fn events_page_by_next_until_total_events_is_zero() {
    let sim = common::simulator().await;
    arrive_chat_messages(&sim, 80);
    let total = sim.sim.report().accounts[0].chat_messages;
    assert!(total > 100, "more than one page: {total}");

    let mut next: Option<String> = None;
    let mut seen = HashSet::new();
    let mut last_at = 0;
    let mut pages = 0;
    loop {
        let resp = get_events(&sim, next.as_deref()).await;
        assert_eq!(resp.status(), 200);
        let body: EventsResponse = resp.json().await.unwrap();
        let result = body.result.unwrap();
        pages += 1;
        if result.total_events == 0 {
            assert!(result.events.is_empty());
            break;
        }
        assert_eq!(result.total_events as usize, result.events.len());
        for raw in result.events {
            let event = parse_event(raw).unwrap();
            assert!(event.at_ms >= last_at, "oldest first");
            last_at = event.at_ms;
            assert!(seen.insert(event.event.event_id.clone()), "no event twice");
        }
        assert_eq!(result.next, Some(last_at), "next is the last event's time");
        next = result.next.map(|n| n.to_string());
    }
    assert_eq!(seen.len(), total, "every message exactly once");
    assert_eq!(pages, 3, "a full page, the rest, then totalEvents 0");

    // The connector, a few events per step, reads the same.
    let connector = common::chats(&sim, common::TOKEN).with_events_per_pull(30);
    let (chats, _, steps) = pass(&connector, None).await;
    assert_eq!(
        steps, 2,
        "100 events fill the first step; the rest and the end, the second"
    );
    let messages: usize = sim.sim.report().accounts[0].chat_messages;
    assert_eq!(messages, total);
    let open_demo: usize = chats
        .values()
        .filter(|c| c.answer_state() == AnswerState::Open)
        .count();
    assert!(open_demo > 0);
    assert_eq!(sim.sim.report().over_limit, 0);
}

#[tokio::test]
async fn a_new_buyer_message_is_picked_up_after_a_restart() {
    let sim = common::simulator().await;
    let shop = DemoShop::wb().unwrap();
    let connector = common::chats(&sim, common::TOKEN);
    let (chats, cursor, _) = pass(&connector, None).await;
    let incoming = &shop.incoming_chat_messages[0];
    let before = chats
        .values()
        .find(|c| c.customer_name.as_deref() == Some(incoming.client_name.as_str()))
        .expect("the buyer already has a chat")
        .clone();
    assert_eq!(before.answer_state(), AnswerState::Open);
    drop(connector);

    arrive_chat_messages(&sim, 1);
    // A new process: only the persisted cursor carries over.
    let restarted = common::chats(&sim, common::TOKEN);
    let (chats, cursor, _) = pass(&restarted, Some(cursor)).await;
    assert_eq!(chats.len(), 1, "only the chat that changed");
    let after = &chats[&before.external_id];
    let last = after.messages.last().unwrap();
    assert_eq!(
        (last.sender, last.text.as_str()),
        (Sender::Buyer, incoming.text.as_str())
    );
    // The buyer has been waiting since the first message nobody answered, not since now.
    assert_eq!(after.waiting_since(), before.waiting_since());
    assert_eq!(after.created_at, before.created_at);
    assert_eq!(
        after.messages.len(),
        before.messages.len() + 1,
        "the unanswered tail and the new one"
    );
    assert_eq!(after.reply_handle, before.reply_handle);
    assert_eq!(after.customer_external_id, before.customer_external_id);

    let pull = restarted.pull(Some(&cursor)).await.unwrap();
    assert!(pull.items.is_empty(), "nothing twice");
}

#[tokio::test]
async fn answering_is_recorded_once_and_reads_back() {
    let sim = common::simulator().await;
    let connector = common::chats(&sim, common::TOKEN);
    let (chats, cursor, _) = pass(&connector, None).await;
    let mut open = chats
        .values()
        .filter(|c| c.answer_state() == AnswerState::Open);
    let chat = open.next().expect("an open chat").clone();
    let other = open.next().expect("another open chat").clone();

    let text = "Здравствуйте! Проверили заказ — отправим замену завтра, трек пришлём сюда.";
    connector
        .send_answer(&target(&chat), text)
        .await
        .expect("sent");
    assert_eq!(
        connector
            .current_answer(&target(&chat))
            .await
            .unwrap()
            .as_deref(),
        Some(text)
    );
    // A fresh process, with no record of the send, finds it too.
    let fresh = common::chats(&sim, common::TOKEN);
    assert_eq!(
        fresh
            .current_answer(&target(&chat))
            .await
            .unwrap()
            .as_deref(),
        Some(text)
    );

    // Without a reply handle the connector finds the chat's replySign itself.
    let mut no_handle = target(&other);
    no_handle.reply_handle = None;
    connector
        .send_answer(&no_handle, "Добрый день! Уже разбираемся.")
        .await
        .expect("sent");

    let report = sim.sim.report();
    assert_eq!(report.answers.len(), 2);
    assert_eq!(report.answers[0].channel, "chat");
    assert_eq!(report.answers[0].item_id, chat.external_id);
    assert_eq!(report.answers[0].text, text);
    assert_eq!(report.answers[1].item_id, other.external_id);
    assert_eq!(report.answers_per_item()[&chat.external_id], 1);

    let (changed, _, _) = pass(&connector, Some(cursor)).await;
    assert_eq!(changed.len(), 2);
    let answered = &changed[&chat.external_id];
    assert_eq!(answered.answer_state(), AnswerState::Answered);
    let last = answered.messages.last().unwrap();
    assert_eq!((last.sender, last.text.as_str()), (Sender::Seller, text));
    assert_eq!(
        sim.sim.report().accounts[0].chats_waiting,
        open_count(&chats) - 2
    );
}

fn open_count(chats: &BTreeMap<String, NewInteraction>) -> usize {
    chats
        .values()
        .filter(|c| c.answer_state() == AnswerState::Open)
        .count()
}

#[tokio::test]
async fn the_simulator_rejects_what_wb_rejects() {
    let sim = common::simulator().await;
    let connector = common::chats(&sim, common::TOKEN);
    let (chats, _, _) = pass(&connector, None).await;
    let chat = chats.values().next().unwrap();
    let sign = chat.reply_handle.clone().unwrap();
    let form = |sign: Option<&str>, message: &str| {
        let mut form = reqwest::multipart::Form::new().text("message", message.to_string());
        if let Some(sign) = sign {
            form = form.text("replySign", sign.to_string());
        }
        form
    };
    for (sign, message, detail) in [
        (
            Some("1:not-a-real-sign"),
            "Здравствуйте",
            "Invalid signature",
        ),
        (None, "Здравствуйте", "Invalid signature"),
        (
            Some(sign.as_str()),
            &"я".repeat(1001),
            "Invalid value for \"message\"",
        ),
        (Some(sign.as_str()), "", "Invalid value for \"message\""),
    ] {
        let resp = post_message(&sim, form(sign, message)).await;
        assert_eq!(resp.status(), 400, "{detail}");
        assert_eq!(resp.headers()["content-type"], "application/problem+json");
        let body: ChatError = resp.json().await.unwrap();
        assert_eq!((body.status, body.title.as_str()), (400, "Bad Request"));
        assert_eq!(body.detail, detail);
        assert_eq!(body.error, detail);
    }
    let not_multipart = reqwest::Client::new()
        .post(format!("{}/api/v1/seller/message", sim.base_url()))
        .header("Authorization", common::TOKEN)
        .json(&serde_json::json!({"replySign": sign, "message": "Здравствуйте"}))
        .send()
        .await
        .unwrap();
    assert_eq!(not_multipart.status(), 400);
    assert!(
        sim.sim.report().answers.is_empty(),
        "nothing rejected is recorded"
    );

    // The connector reports WB's refusal as such.
    let err = connector
        .send_answer(&target(chat), &"я".repeat(1001))
        .await
        .unwrap_err();
    match err {
        ConnectorError::Rejected {
            status, message, ..
        } => {
            assert_eq!(status, 400);
            assert!(message.contains("message"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    // Exactly 1000 characters is fine.
    let resp = post_message(&sim, form(Some(&sign), &"я".repeat(1000))).await;
    assert_eq!(resp.status(), 200);
    let body: MessageResponse = resp.json().await.unwrap();
    assert_eq!(
        body.result.unwrap().chat_id.as_deref(),
        Some(chat.external_id.as_str())
    );
    assert_eq!(
        sim.sim.report().over_limit,
        0,
        "ten requests: within the burst"
    );
}

#[tokio::test]
async fn events_reject_a_bad_next() {
    let sim = common::simulator().await;
    for (next, detail) in [
        ("0", "Invalid value for \"next\""),
        ("abc", "Invalid number"),
    ] {
        let resp = get_events(&sim, Some(next)).await;
        assert_eq!(resp.status(), 400);
        let body: ChatError = resp.json().await.unwrap();
        assert_eq!((body.status, body.origin.as_str()), (400, "proxy-chats"));
        assert_eq!(body.detail, detail);
    }
}

#[tokio::test]
async fn wrong_token_is_unauthorized_and_never_echoed() {
    let sim = common::simulator().await;
    let connector = common::chats(&sim, "not-the-token-SECRET");
    let err = connector.pull(None).await.unwrap_err();
    assert!(
        matches!(err, ConnectorError::Unauthorized { status: 401, .. }),
        "{err:?}"
    );
    assert!(!err.to_string().contains("SECRET"));
    let resp = reqwest::Client::new()
        .get(format!("{}/api/v1/seller/chats", sim.base_url()))
        .header("Authorization", "nope")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    let body: StandardError = resp.json().await.unwrap();
    assert_eq!(body.title, "unauthorized");
}

#[tokio::test]
async fn bursts_beyond_the_chat_limit_get_wb_429_and_the_client_waits() {
    let sim = common::simulator().await;
    let client = reqwest::Client::new();
    let mut statuses = Vec::new();
    // Loopback requests take a few milliseconds; should the machine be slow enough for a
    // token to come back meanwhile, a few more requests reach the empty bucket anyway.
    while !statuses.contains(&429) && statuses.len() < 20 {
        let resp = client
            .get(format!("{}/api/v1/seller/chats", sim.base_url()))
            .header("Authorization", common::TOKEN)
            .send()
            .await
            .unwrap();
        statuses.push(resp.status().as_u16());
        if resp.status() == 429 {
            assert!(resp.headers().get("x-ratelimit-retry").is_some());
            assert_eq!(resp.headers()["x-ratelimit-limit"], "10");
            let body: StandardError = resp.json().await.unwrap();
            assert_eq!(
                (body.title.as_str(), body.status),
                ("too many requests", 429)
            );
        }
    }
    assert_eq!(&statuses[..10], &[200; 10], "a burst of 10 is allowed");
    assert_eq!(statuses.last(), Some(&429), "{statuses:?}");
    // Chats have a bucket of their own: questions and feedbacks are unaffected.
    let feedbacks = client
        .get(format!("{}/api/v1/questions", sim.base_url()))
        .header("Authorization", common::TOKEN)
        .query(&[("isAnswered", "false"), ("take", "1"), ("skip", "0")])
        .send()
        .await
        .unwrap();
    assert_eq!(feedbacks.status(), 200);

    // Unpaced, so the client itself meets the 429 and must wait it out.
    let connector =
        agentiq::connectors::wb::WbChats::new(common::unpaced(), &sim.base_url(), common::TOKEN);
    let started = Instant::now();
    let pull = connector.pull(None).await.expect("pull after waiting");
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "{:?}",
        started.elapsed()
    );
    assert!(!pull.items.is_empty());
    // The bucket refills one request a second: the client meets a 429 on the first of
    // its three requests (events, events, chats) and may meet more; each one waited out.
    let over = sim.sim.report().over_limit;
    assert!(
        over >= 2,
        "the request over the burst and the client's first"
    );
    assert_eq!(u64::from(pull.requests), 3 + (over - 1));
}

#[tokio::test]
async fn a_message_whose_outcome_is_unknown_is_not_sent_twice() {
    // Half the responses break off or come back garbled after the simulator took the
    // request: the client cannot tell whether its message went through.
    let config = SimulatorConfig {
        shops: vec![SimShop {
            shop: DemoShop::wb().unwrap(),
            token: common::TOKEN.into(),
            client_id: None,
        }],
        seed: 5,
        faults: "malformed=0.3,drop=0.2".parse().unwrap(),
        ..SimulatorConfig::default()
    };
    let sim = simulator::spawn(config, SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap();
    let connector = common::chats(&sim, common::TOKEN);
    let mut chats = None;
    for _ in 0..20 {
        if let Ok(pull) = connector.pull(None).await {
            chats = Some(pull.items);
            break;
        }
    }
    let chats = chats.expect("a pull gets through");
    let open: Vec<_> = chats
        .iter()
        .filter(|c| c.answer_state() == AnswerState::Open)
        .take(3)
        .collect();
    let mut unknown_outcomes = 0;
    for (n, chat) in open.iter().enumerate() {
        let text = format!("Здравствуйте! Ответ номер {n}: уже проверяем ваш заказ.");
        let mut delivered = false;
        for _ in 0..20 {
            match connector.send_answer(&target(chat), &text).await {
                Ok(()) => {
                    delivered = true;
                    break;
                }
                Err(err) => {
                    assert!(err.is_transient(), "{err:?}");
                    unknown_outcomes += 1;
                }
            }
        }
        assert!(delivered, "sent within 20 attempts");
        let report = sim.sim.report();
        let received = report
            .answers
            .iter()
            .filter(|a| a.item_id == chat.external_id)
            .count();
        assert_eq!(received, 1, "exactly one message in {}", chat.external_id);
    }
    assert!(unknown_outcomes > 0, "the faults did hit some sends");
}

#[test]
fn contract_our_fixtures_parse_to_the_expected_domain_values() {
    let chats: ChatsResponse = serde_json::from_str(&fixture("chats.json")).unwrap();
    let events: EventsResponse = serde_json::from_str(&fixture("chat_events.json")).unwrap();
    let result = events.result.unwrap();
    assert_eq!(result.total_events, 6);
    assert_eq!(result.next, Some(1771065000000));
    let (items, skipped) = parse_chat_page(chats.result, result.events);
    assert_eq!(skipped.len(), 2, "{skipped:?}");
    assert!(skipped.iter().any(|s| s.reason.contains("unreadable chat")));
    assert!(skipped
        .iter()
        .any(|s| s.external_id.as_deref() == Some("ffffffff-0000-4000-8000-000000000000")));
    assert_eq!(items.len(), 2);

    let exchange = items
        .iter()
        .find(|c| c.external_id == "1:5a0c2e91-7d44-4b1f-9e3a-2f6b8c1d0e47")
        .unwrap();
    assert_eq!(exchange.customer_name.as_deref(), Some("Гульнара"));
    assert_eq!(exchange.customer_external_id.as_deref(), Some("40917733"));
    assert!(exchange
        .reply_handle
        .as_deref()
        .unwrap()
        .ends_with("253647"));
    assert_eq!(exchange.product.as_ref().unwrap().external_id, "61730092");
    let senders: Vec<Sender> = exchange.messages.iter().map(|m| m.sender).collect();
    assert_eq!(
        senders,
        [Sender::Buyer, Sender::Buyer, Sender::Seller, Sender::Buyer]
    );
    assert_eq!(exchange.messages[1].text, "Вот фото. [фото]");
    assert_eq!(
        exchange.messages[2].external_id,
        "c0b1a2d3-e4f5-4061-8273-94a5b6c7d8e9"
    );
    assert_eq!(
        exchange.answer_state(),
        AnswerState::Open,
        "the buyer spoke last"
    );
    assert_eq!(exchange.waiting_since().timestamp_millis(), 1771061460000);
    assert_eq!(exchange.created_at.timestamp_millis(), 1771059130000);
    assert_eq!(exchange.text, "Спасибо, тогда жду курьера в четверг.");

    let question = items
        .iter()
        .find(|c| c.external_id == "1:0d9b7e3c-1a2f-4e5d-8c6b-9a0f1e2d3c4b")
        .unwrap();
    assert_eq!(
        question.customer_external_id, None,
        "clientID may be absent"
    );
    assert_eq!(question.product, None);
    assert_eq!(
        question.reply_handle.as_deref(),
        Some("1:0d9b7e3c-1a2f-4e5d-8c6b-9a0f1e2d3c4b:sig-0d9b")
    );
    assert_eq!(question.messages.len(), 1);
    assert_eq!(question.answer_state(), AnswerState::Open);

    let sent: MessageResponse = serde_json::from_str(&fixture("message_sent.json")).unwrap();
    assert_eq!(sent.result.unwrap().add_time, Some(1771066212345));
    let error: ChatError = serde_json::from_str(&fixture("chat_error_400.json")).unwrap();
    assert_eq!(
        (error.status, error.detail.as_str()),
        (400, "Invalid signature")
    );
}

#[tokio::test]
async fn contract_the_simulators_responses_read_with_the_same_types() {
    let sim = common::simulator().await;
    let resp = reqwest::Client::new()
        .get(format!("{}/api/v1/seller/chats", sim.base_url()))
        .header("Authorization", common::TOKEN)
        .send()
        .await
        .unwrap();
    let list: ChatsResponse = resp.json().await.unwrap();
    let chats: Vec<Chat> = list
        .result
        .iter()
        .map(|raw| serde_json::from_value(raw.clone()).unwrap())
        .collect();
    assert_eq!(chats.len(), DemoShop::wb().unwrap().chats.len());
    assert!(chats
        .iter()
        .all(|c| c.reply_sign.is_some() && c.last_message.is_some()));
    assert!(
        chats
            .iter()
            .all(|c| c.reply_sign.as_deref() != Some(c.chat_id.as_str())),
        "replySign is not the chat id"
    );

    let events: EventsResponse = get_events(&sim, None).await.json().await.unwrap();
    let result = events.result.unwrap();
    let events: Vec<ChatEvent> = result
        .events
        .iter()
        .map(|raw| serde_json::from_value(raw.clone()).unwrap())
        .collect();
    for event in &events {
        assert_eq!(event.event_type.as_deref(), Some("message"));
        assert_eq!(
            event.reply_sign.is_some(),
            event.is_new_chat,
            "replySign only on a new chat"
        );
        match event.sender.as_deref() {
            Some("client") => assert!(event.client_name.is_some()),
            Some("seller") => assert!(event.client_id.is_none()),
            other => panic!("sender {other:?}"),
        }
    }
    let (items, skipped) = parse_chat_page(list.result, result.events);
    assert!(skipped.is_empty());
    assert_eq!(items.len(), chats.len());

    let sign = chats[0].reply_sign.clone().unwrap();
    let resp = post_message(
        &sim,
        reqwest::multipart::Form::new()
            .text("replySign", sign)
            .text("message", "Здравствуйте! Чем можем помочь?"),
    )
    .await;
    assert_eq!(resp.status(), 200);
    let sent: MessageResponse = resp.json().await.unwrap();
    let result = sent.result.unwrap();
    assert_eq!(result.chat_id.as_deref(), Some(chats[0].chat_id.as_str()));
    assert!(result.add_time.is_some());
}

/// The connector through the real sync engine, store and outbox: the queue shows the
/// chats waiting for the seller, a reply goes out once and is confirmed by reading the
/// thread back, and the next sync keeps the chat answered with the whole thread stored.
#[tokio::test]
async fn sync_store_and_outbox_with_chats() {
    use std::collections::HashMap;
    use std::sync::Arc;

    use agentiq::outbox::{Outbox, Step};
    use agentiq::store::{self, QueueFilter, Store};
    use agentiq::sync::sync_pass;

    let sim = common::simulator().await;
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("agentiq.db")).unwrap();
    let writer = store.writer().unwrap();
    let account_id = writer
        .call(|conn| store::upsert_account(conn, "Уютный дом", agentiq::domain::Marketplace::Wb))
        .await
        .unwrap();
    let connector: Arc<dyn Connector> = Arc::new(common::chats(&sim, common::TOKEN));
    let clock = common::clock();
    let sync = || async {
        sync_pass(&writer, account_id, connector.as_ref(), &*clock)
            .await
            .map_err(|(_, e)| e)
            .expect("sync pass")
    };
    let shop = DemoShop::wb().unwrap();
    let stats = sync().await;
    assert_eq!(stats.new as usize, shop.chats.len());
    let chats_filter = QueueFilter {
        channel: Some(Channel::Chat),
        ..QueueFilter::default()
    };
    let waiting = shop
        .chats
        .iter()
        .filter(|c| c.messages.last().is_some_and(|m| m.from != "seller"))
        .count();
    let reader = store.reader().unwrap();
    assert_eq!(store::queue_count(&reader, &chats_filter).unwrap(), waiting);

    let top = store::queue_page(&reader, &chats_filter, 0, 1).unwrap()[0].id;
    let before = store::chat_messages(&reader, top).unwrap();
    let text = "Здравствуйте! Оформили замену, курьер приедет завтра с 10 до 14.";
    {
        let text = text.to_string();
        writer
            .call(move |conn| {
                store::enqueue_reply(conn, top, &text, "chat-1", "human", chrono::Utc::now())
            })
            .await
            .unwrap();
    }
    let (events, _) = tokio::sync::mpsc::unbounded_channel();
    let outbox = Outbox::new(
        store.clone(),
        writer.clone(),
        HashMap::from([((account_id, Channel::Chat), connector.clone())]),
        events,
        clock.clone(),
    );
    let steps = outbox.process_due().await.unwrap();
    assert_eq!(steps.len(), 1);
    assert_eq!(steps[0].1, Step::Visible);
    let item = store::interaction(&reader, top).unwrap().unwrap();
    assert_eq!(item.state, AnswerState::Answered);
    assert_eq!(sim.sim.report().answers_per_item()[&item.external_id], 1);

    // The next sync brings our message back as an event: still answered, thread whole.
    let stats = sync().await;
    assert_eq!((stats.new, stats.changed), (0, 1));
    let item = store::interaction(&reader, top).unwrap().unwrap();
    assert_eq!(item.state, AnswerState::Answered);
    let thread = store::chat_messages(&reader, top).unwrap();
    assert_eq!(thread.len(), before.len() + 1);
    assert_eq!(
        thread.last().map(|m| (m.sender, m.text.as_str())),
        Some((Sender::Seller, text))
    );
    assert_eq!(
        store::queue_count(&reader, &chats_filter).unwrap(),
        waiting - 1
    );
    assert_eq!(sim.sim.report().over_limit, 0);
}

#[tokio::test]
async fn a_listed_chat_without_events_is_imported() {
    let sim = common::simulator().await;
    let quiet_chat = {
        let mut state = sim.sim.lock();
        let chat = state.new_chat("Тимур", None);
        let id = chat.id.clone();
        state.accounts[0].chats.push(chat);
        id
    };
    let connector = common::chats(&sim, common::TOKEN);
    let shop = DemoShop::wb().unwrap();
    let (chats, cursor, _) = pass(&connector, None).await;
    assert_eq!(chats.len(), shop.chats.len() + 1);
    let chat = &chats[&quiet_chat];
    assert_eq!(chat.customer_name.as_deref(), Some("Тимур"));
    assert!(chat.reply_handle.is_some(), "answerable by its replySign");
    assert!(chat.messages.is_empty());
    assert_eq!(chat.answer_state(), AnswerState::Open);

    // Imported once: a quiet pass neither reads the list again nor repeats it.
    let pull = connector.pull(Some(&cursor)).await.unwrap();
    assert!(pull.items.is_empty());
    assert_eq!(pull.requests, 1);
    assert_eq!(sim.sim.report().requests["GET /api/v1/seller/chats"], 1);
}
