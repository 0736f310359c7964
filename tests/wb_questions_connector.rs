//! The WB questions connector against the simulator on loopback, and the contract: our
//! fixtures and the simulator's responses read with the same wire types.

mod common;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use agentiq::connectors::wb::questions::parse_question;
use agentiq::connectors::wb::wire::{Envelope, Question, QuestionList, StandardError};
use agentiq::connectors::wb::WbQuestions;
use agentiq::connectors::{Connector, ConnectorError, ReplyTarget};
use agentiq::domain::{AnswerState, Channel, ModerationState, NewInteraction};
use agentiq::simulator::{DemoShop, SimulatorHandle};

/// Pulls until the connector has nothing more right now; returns the items, the cursor
/// and the number of steps.
async fn pass(
    connector: &WbQuestions,
    cursor: Option<String>,
) -> (Vec<NewInteraction>, String, usize) {
    let mut cursor = cursor;
    let mut items = Vec::new();
    let mut steps = 0;
    loop {
        let pull = connector.pull(cursor.as_deref()).await.expect("pull");
        steps += 1;
        assert!(pull.skipped.is_empty(), "{:?}", pull.skipped);
        items.extend(pull.items);
        cursor = Some(pull.cursor);
        if !pull.more {
            return (items, cursor.unwrap_or_default(), steps);
        }
    }
}

fn target(id: &str) -> ReplyTarget {
    ReplyTarget {
        external_id: id.to_string(),
        reply_handle: None,
        product_external_id: None,
    }
}

/// A raw request to the simulator, paced under the 3 requests/s limit.
async fn wb_get(sim: &SimulatorHandle, path: &str, query: &[(&str, &str)]) -> reqwest::Response {
    tokio::time::sleep(Duration::from_millis(350)).await;
    reqwest::Client::new()
        .get(format!("{}{path}", sim.base_url()))
        .header("Authorization", common::TOKEN)
        .query(query)
        .send()
        .await
        .expect("request")
}

async fn wb_patch(sim: &SimulatorHandle, body: &str) -> reqwest::Response {
    tokio::time::sleep(Duration::from_millis(350)).await;
    reqwest::Client::new()
        .patch(format!("{}/api/v1/questions", sim.base_url()))
        .header("Authorization", common::TOKEN)
        .header("Content-Type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .expect("request")
}

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/wb/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[tokio::test]
async fn pages_through_both_lists_with_take_and_skip() {
    let sim = common::simulator().await;
    let connector = common::questions(&sim, common::TOKEN).with_page_size(7);
    let shop = DemoShop::wb().unwrap();
    let answered = shop.questions.iter().filter(|q| q.answer.is_some()).count();
    let unanswered = shop.questions.len() - answered;

    let (items, cursor, steps) = pass(&connector, None).await;
    let ids: HashSet<_> = items.iter().map(|i| i.external_id.clone()).collect();
    assert_eq!(ids.len(), items.len(), "no question twice in one pass");
    assert_eq!(
        ids.len(),
        shop.questions.len(),
        "every question, answered or not"
    );
    assert!(items.iter().all(|i| i.channel == Channel::Question));
    let open = items
        .iter()
        .filter(|i| i.answer_state() == AnswerState::Open)
        .count();
    assert_eq!(open, unanswered);
    // A list of n read 7 at a time takes n/7 full pages and one short (maybe empty) one.
    assert_eq!(steps, unanswered / 7 + 1 + answered / 7 + 1);
    let report = sim.sim.report();
    assert_eq!(report.requests["GET /api/v1/questions"], steps as u64);
    assert_eq!(report.over_limit, 0, "never over the published limit");

    // The next pass reads the unanswered backlog again and the answered list only from
    // its watermark.
    let (again, _, _) = pass(&connector, Some(cursor)).await;
    let reread_answered = again
        .iter()
        .filter(|i| i.answer_state() == AnswerState::Answered)
        .count();
    assert_eq!(again.len() - reread_answered, unanswered);
    assert!(
        reread_answered <= 2,
        "only the boundary second: {reread_answered}"
    );
}

#[tokio::test]
async fn the_simulator_enforces_take_and_skip_as_published() {
    let sim = common::simulator().await;
    let path = "/api/v1/questions";
    for (take, skip, status) in [
        ("10000", "0", 200),
        ("5000", "5000", 200),
        ("10001", "0", 400),
        ("5000", "5001", 400),
        ("1", "10001", 400),
        ("0", "0", 400),
    ] {
        let resp = wb_get(
            &sim,
            path,
            &[("isAnswered", "false"), ("take", take), ("skip", skip)],
        )
        .await;
        assert_eq!(resp.status(), status, "take={take} skip={skip}");
        let body: Envelope<QuestionList> = resp.json().await.unwrap();
        if status == 400 {
            assert!(body.error);
            assert!(body.data.is_none());
            assert!(
                body.error_text.contains("take") || body.error_text.contains("skip"),
                "{}",
                body.error_text
            );
        } else {
            assert!(!body.error);
        }
    }
    let missing = wb_get(&sim, path, &[("take", "10"), ("skip", "0")]).await;
    assert_eq!(missing.status(), 400, "isAnswered is required");
    let bad = wb_get(
        &sim,
        path,
        &[("isAnswered", "maybe"), ("take", "10"), ("skip", "0")],
    )
    .await;
    assert_eq!(bad.status(), 400);
    let body: Envelope<QuestionList> = bad.json().await.unwrap();
    assert_eq!(body.error_text, "Плохой формат isAnswered");
    let bad_date = wb_get(
        &sim,
        path,
        &[
            ("isAnswered", "true"),
            ("take", "10"),
            ("skip", "0"),
            ("dateFrom", "вчера"),
        ],
    )
    .await;
    assert_eq!(bad_date.status(), 400);
    let body: Envelope<QuestionList> = bad_date.json().await.unwrap();
    assert_eq!(body.error_text, "Плохой формат dateFrom");
    let empty_date = wb_get(
        &sim,
        path,
        &[
            ("isAnswered", "true"),
            ("take", "10"),
            ("skip", "0"),
            ("dateFrom", ""),
        ],
    )
    .await;
    assert_eq!(empty_date.status(), 200, "dateFrom may be empty");
    assert_eq!(sim.sim.report().over_limit, 0);
}

#[tokio::test]
async fn a_new_question_is_picked_up_after_a_full_pass() {
    let sim = common::simulator().await;
    let connector = common::questions(&sim, common::TOKEN);
    let (_, cursor, _) = pass(&connector, None).await;
    // Arrivals rotate review → question → chat message.
    assert_eq!(sim.sim.arrive_now(), 1);
    assert_eq!(sim.sim.arrive_now(), 1);
    let (items, _, _) = pass(&connector, Some(cursor)).await;
    let shop = DemoShop::wb().unwrap();
    let incoming = &shop.incoming_questions[0];
    let found = items
        .iter()
        .find(|i| i.text == incoming.text)
        .expect("the arrived question is in the next pass");
    assert_eq!(found.answer_state(), AnswerState::Open);
    assert_eq!(
        found.product.as_ref().map(|p| p.external_id.clone()),
        Some(incoming.product.to_string())
    );
}

#[tokio::test]
async fn wrong_token_is_unauthorized_and_never_echoed() {
    let sim = common::simulator().await;
    let connector = common::questions(&sim, "not-the-token-SECRET");
    let err = connector.pull(None).await.unwrap_err();
    assert!(
        matches!(err, ConnectorError::Unauthorized { status: 401, .. }),
        "{err:?}"
    );
    assert!(!err.to_string().contains("SECRET"));
    let resp = reqwest::Client::new()
        .get(format!("{}/api/v1/question", sim.base_url()))
        .header("Authorization", "nope")
        .query(&[("id", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    let body: StandardError = resp.json().await.unwrap();
    assert_eq!((body.title.as_str(), body.status), ("unauthorized", 401));
}

#[tokio::test]
async fn answering_is_recorded_once_reads_back_and_can_be_edited_once() {
    let sim = common::simulator().await;
    let connector = common::questions(&sim, common::TOKEN);
    let pull = connector.pull(None).await.unwrap();
    let item = pull.items.first().expect("an unanswered question");
    assert_eq!(item.answer_state(), AnswerState::Open);
    let target = target(&item.external_id);
    assert_eq!(connector.current_answer(&target).await.unwrap(), None);

    let text = "Здравствуйте! Да, чехол снимается, стирка при 30 °C.";
    connector
        .send_answer(&target, text)
        .await
        .expect("answer accepted");
    assert_eq!(
        connector.current_answer(&target).await.unwrap().as_deref(),
        Some(text)
    );
    // A retry of the very same answer changes nothing and is not a second answer.
    connector
        .send_answer(&target, text)
        .await
        .expect("same text again");
    let report = sim.sim.report();
    assert_eq!(report.answers.len(), 1);
    assert_eq!(report.answers[0].channel, "question");
    assert_eq!(report.answers[0].item_id, item.external_id);
    assert_eq!(report.answers[0].text, text);

    // It is answered now, editable once.
    let question = connector
        .question(&item.external_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(question.state.as_deref(), Some("wbRu"));
    let parsed = parse_question(serde_json::to_value(&question).unwrap()).unwrap();
    assert_eq!(parsed.answer_state(), AnswerState::Answered);
    let answer = parsed.answer.unwrap();
    assert!(answer.editable);
    assert_eq!(answer.moderation, ModerationState::Published);

    let edited = "Здравствуйте! Чехол снимается, стирать при 30 °C в деликатном режиме.";
    connector
        .send_answer(&target, edited)
        .await
        .expect("one edit");
    assert_eq!(
        connector.current_answer(&target).await.unwrap().as_deref(),
        Some(edited)
    );
    let err = connector
        .send_answer(&target, "И ещё одна правка")
        .await
        .unwrap_err();
    assert!(
        matches!(err, ConnectorError::Rejected { status: 400, .. }),
        "{err:?}"
    );
    assert_eq!(
        sim.sim.report().answers.len(),
        2,
        "the answer and its one edit"
    );
    let open = connector.open_ids().await.unwrap().unwrap();
    assert!(
        !open.contains(&item.external_id),
        "answered: no longer open"
    );
    let account = &sim.sim.report().accounts[0];
    assert_eq!(open.len(), account.questions_unanswered);
    let shop = DemoShop::wb().unwrap();
    let unanswered = shop.questions.iter().filter(|q| q.answer.is_none()).count();
    assert_eq!(account.questions_unanswered, unanswered - 1);
}

#[tokio::test]
async fn rejecting_archives_the_question_and_is_not_an_answer() {
    let sim = common::simulator().await;
    let connector = common::questions(&sim, common::TOKEN);
    let pull = connector.pull(None).await.unwrap();
    let id = pull.items[0].external_id.clone();
    connector.mark_viewed(&id).await.expect("mark viewed");
    assert!(connector.question(&id).await.unwrap().unwrap().was_viewed);
    connector
        .reject(&id, "Вопрос не о товаре")
        .await
        .expect("reject");

    let question = connector.question(&id).await.unwrap().unwrap();
    assert_eq!(question.state.as_deref(), Some("none"));
    assert_eq!(connector.current_answer(&target(&id)).await.unwrap(), None);
    let (items, _, _) = pass(&connector, None).await;
    let item = items.iter().find(|i| i.external_id == id).unwrap();
    assert_eq!(item.answer_state(), AnswerState::Archived);
    let report = sim.sim.report();
    assert!(report.answers.is_empty(), "a rejection is not an answer");
    assert_eq!(report.accounts[0].questions_rejected, 1);
}

#[tokio::test]
async fn unknown_ids_and_bad_bodies_get_the_published_errors() {
    let sim = common::simulator().await;
    let connector = common::questions(&sim, common::TOKEN);
    let err = connector
        .send_answer(&target("no-such-question"), "Спасибо за вопрос")
        .await
        .unwrap_err();
    assert!(
        matches!(err, ConnectorError::Rejected { status: 404, .. }),
        "{err:?}"
    );
    // WB answers 422 for an unknown id: the connector reads that as "no such question".
    let unknown = wb_get(&sim, "/api/v1/question", &[("id", "no-such-question")]).await;
    assert_eq!(unknown.status(), 422);
    let body: Envelope<Question> = unknown.json().await.unwrap();
    assert_eq!(body.error_text, "Невозможно получить вопрос по id");
    let none = connector
        .current_answer(&target("no-such-question"))
        .await
        .unwrap();
    assert_eq!(none, None);
    assert_eq!(
        connector.fetch_item("no-such-question").await.unwrap(),
        None
    );
    let pull = connector.pull(None).await.unwrap();
    let id = pull.items[0].external_id.clone();
    let fetched = connector.fetch_item(&id).await.unwrap().unwrap();
    assert_eq!(fetched.external_id, id);
    assert_eq!(fetched.answer_state(), AnswerState::Open);

    let broken = wb_patch(&sim, "{\"id\": ").await;
    assert_eq!(broken.status(), 400);
    let body: Envelope<serde_json::Value> = broken.json().await.unwrap();
    assert!(body.error);
    assert_eq!(body.error_text, "failed to decode JSON request.");
    let short = wb_patch(
        &sim,
        &format!(r#"{{"id":"{id}","answer":{{"text":"а"}},"state":"wbRu"}}"#),
    )
    .await;
    assert_eq!(short.status(), 400, "an answer is 2..5000 characters");
    let odd = wb_patch(
        &sim,
        &format!(r#"{{"id":"{id}","answer":{{"text":"Ответ"}},"state":"published"}}"#),
    )
    .await;
    assert_eq!(odd.status(), 400, "state is wbRu or none");
    let ok = wb_patch(&sim, &format!(r#"{{"id":"{id}","wasViewed":true}}"#)).await;
    assert_eq!(ok.status(), 200);
    let body: Envelope<serde_json::Value> = ok.json().await.unwrap();
    assert!(!body.error && body.data.is_none());
    assert!(sim.sim.report().answers.is_empty());
}

#[tokio::test]
async fn questions_share_the_feedbacks_bucket_and_a_429_is_waited_out() {
    let sim = common::simulator().await;
    let client = reqwest::Client::new();
    // Six feedback requests use up the burst of the account's "Вопросы и отзывы" bucket.
    for _ in 0..6 {
        let resp = client
            .get(format!("{}/api/v1/feedbacks", sim.base_url()))
            .header("Authorization", common::TOKEN)
            .query(&[("isAnswered", "false"), ("take", "1"), ("skip", "0")])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
    }
    let resp = client
        .get(format!("{}/api/v1/questions", sim.base_url()))
        .header("Authorization", common::TOKEN)
        .query(&[("isAnswered", "false"), ("take", "1"), ("skip", "0")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 429, "questions draw on the same bucket");
    let retry: u64 = resp.headers()["x-ratelimit-retry"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry >= 1);
    assert_eq!(resp.headers()["x-ratelimit-limit"], "6");
    let body: StandardError = resp.json().await.unwrap();
    assert_eq!(
        (body.title.as_str(), body.status),
        ("too many requests", 429)
    );
    assert_eq!(body.status_text, "Too Many Requests");

    // The connector meets the same 429, waits what X-Ratelimit-Retry says, and goes on.
    // Unpaced, so the client itself meets the 429 and must wait it out.
    let connector = agentiq::connectors::wb::WbQuestions::new(
        common::unpaced(),
        &sim.base_url(),
        common::TOKEN,
    );
    let started = Instant::now();
    let pull = connector.pull(None).await.expect("pull after waiting");
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(pull.requests, 2, "one 429, one success");
    assert!(!pull.items.is_empty());
    assert_eq!(sim.sim.report().over_limit, 2);
}

#[test]
fn contract_our_fixtures_parse_to_the_expected_domain_values() {
    let list: Envelope<QuestionList> =
        serde_json::from_str(&fixture("questions_list.json")).unwrap();
    assert!(!list.error);
    let data = list.data.unwrap();
    assert_eq!((data.count_unanswered, data.count_archive), (2, 117));
    let (items, skipped): (Vec<_>, Vec<_>) = data
        .questions
        .into_iter()
        .map(parse_question)
        .partition(Result::is_ok);
    let items: Vec<NewInteraction> = items.into_iter().map(Result::unwrap).collect();
    let skipped: Vec<_> = skipped.into_iter().map(Result::unwrap_err).collect();
    assert_eq!(items.len(), 3);
    assert_eq!(skipped.len(), 1);
    assert_eq!(
        skipped[0].external_id.as_deref(),
        Some("Bad0DateQ4kLz7Vm2Xy9")
    );
    assert!(skipped[0].reason.contains("createdDate"));

    let new = &items[0];
    assert_eq!(new.external_id, "Qk3vT9aLm2XcR7pW4eNd");
    assert_eq!(new.answer_state(), AnswerState::Open);
    assert_eq!(
        new.created_at.to_rfc3339(),
        "2026-02-14T06:41:09.318402117+00:00"
    );
    let product = new.product.as_ref().unwrap();
    assert_eq!(product.external_id, "61730092");
    assert_eq!(
        product.name.as_deref(),
        Some("Подушка ортопедическая с эффектом памяти")
    );
    assert_eq!(product.brand.as_deref(), Some("СонЛайн"));

    let answered = &items[1];
    assert_eq!(answered.answer_state(), AnswerState::Answered);
    let answer = answered.answer.as_ref().unwrap();
    assert!(answer.text.starts_with("Здравствуйте! Высота валиков"));
    assert!(answer.editable);
    assert_eq!(
        answered.product.as_ref().unwrap().external_id,
        "61730092",
        "ids as strings too"
    );

    let rejected = &items[2];
    assert_eq!(rejected.answer_state(), AnswerState::Archived);
    assert_eq!(
        rejected.created_at.to_rfc3339(),
        "2026-02-12T05:30:00+00:00"
    );

    let one: Envelope<Question> = serde_json::from_str(&fixture("question_one.json")).unwrap();
    let question = one.data.unwrap();
    assert!(
        !question.answer.as_ref().unwrap().editable,
        "already edited once"
    );

    let limited: StandardError =
        serde_json::from_str(&fixture("too_many_requests_429.json")).unwrap();
    assert_eq!(limited.status, 429);
}

#[tokio::test]
async fn contract_the_simulators_responses_read_with_the_same_types() {
    let sim = common::simulator().await;
    for answered in ["false", "true"] {
        let resp = wb_get(
            &sim,
            "/api/v1/questions",
            &[
                ("isAnswered", answered),
                ("take", "100"),
                ("skip", "0"),
                ("order", "dateDesc"),
            ],
        )
        .await;
        assert_eq!(resp.status(), 200);
        let list: Envelope<QuestionList> = resp.json().await.unwrap();
        let data = list.data.unwrap();
        assert!(!data.questions.is_empty());
        let shop = DemoShop::wb().unwrap();
        assert_eq!(
            (data.count_unanswered + data.count_archive) as usize,
            shop.questions.len()
        );
        for raw in data.questions {
            let question: Question = serde_json::from_value(raw.clone()).unwrap();
            assert_eq!(question.answer.is_some(), answered == "true");
            parse_question(raw).unwrap();
        }
    }
    let list: Envelope<QuestionList> = wb_get(
        &sim,
        "/api/v1/questions",
        &[("isAnswered", "false"), ("take", "1"), ("skip", "0")],
    )
    .await
    .json()
    .await
    .unwrap();
    let raw = &list.data.unwrap().questions[0];
    let id = raw["id"].as_str().unwrap().to_string();
    let one: Envelope<Question> = wb_get(&sim, "/api/v1/question", &[("id", &id)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(one.data.unwrap().id, id);
}

/// The connector through the real sync engine, store and outbox.
#[tokio::test]
async fn sync_store_and_outbox_with_questions() {
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
    let connector: Arc<dyn Connector> = Arc::new(common::questions(&sim, common::TOKEN));
    let clock = common::clock();
    let sync = || async {
        sync_pass(&writer, account_id, connector.as_ref(), &*clock)
            .await
            .map_err(|(_, e)| e)
            .expect("sync pass")
    };
    let shop = DemoShop::wb().unwrap();
    let stats = sync().await;
    assert_eq!(stats.new as usize, shop.questions.len());
    let filter = QueueFilter {
        channel: Some(Channel::Question),
        ..QueueFilter::default()
    };
    let unanswered = shop.questions.iter().filter(|q| q.answer.is_none()).count();
    let reader = store.reader().unwrap();
    assert_eq!(store::queue_count(&reader, &filter).unwrap(), unanswered);

    let top = store::queue_page(&reader, &filter, 0, 1).unwrap()[0].id;
    writer
        .call(move |conn| {
            store::enqueue_reply(
                conn,
                top,
                "Здравствуйте! Да, подойдёт.",
                "q-1",
                "human",
                chrono::Utc::now(),
            )
        })
        .await
        .unwrap();
    let (events, _) = tokio::sync::mpsc::unbounded_channel();
    let outbox = Outbox::new(
        store.clone(),
        writer.clone(),
        HashMap::from([((account_id, Channel::Question), connector.clone())]),
        events,
        clock.clone(),
    );
    let steps = outbox.process_due().await.unwrap();
    assert_eq!(steps[0].1, Step::Visible);
    let item = store::interaction(&reader, top).unwrap().unwrap();
    assert_eq!(sim.sim.report().answers_per_item()[&item.external_id], 1);

    sync().await;
    let item = store::interaction(&reader, top).unwrap().unwrap();
    assert_eq!(item.state, AnswerState::Answered);
    assert_eq!(
        item.answer.map(|a| a.text).as_deref(),
        Some("Здравствуйте! Да, подойдёт.")
    );
    assert_eq!(
        store::queue_count(&reader, &filter).unwrap(),
        unanswered - 1
    );
    assert_eq!(sim.sim.report().over_limit, 0);
}

/// 5xx answers and responses slower than the client's timeout are retried with backoff;
/// a full pass still reads every question.
#[tokio::test]
async fn server_errors_and_timeouts_are_retried_until_a_pass_completes() {
    use agentiq::connectors::http::{limiter, HttpClient, RetryPolicy};
    use agentiq::simulator::{self, SimShop, SimulatorConfig};

    let config = SimulatorConfig {
        shops: vec![SimShop {
            shop: DemoShop::wb().unwrap(),
            token: common::TOKEN.into(),
            client_id: None,
        }],
        seed: 7,
        faults: "5xx=0.25,slow=0.15,slow_ms=600".parse().unwrap(),
        ..SimulatorConfig::default()
    };
    let sim = simulator::spawn(config, std::net::SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap();
    let retry = RetryPolicy {
        timeout: Duration::from_millis(300),
        max_attempts: 4,
        ..common::fast_retry()
    };
    let http = HttpClient::new(
        "wb",
        limiter(
            agentiq::connectors::wb::FEEDBACKS_PERIOD,
            agentiq::connectors::wb::FEEDBACKS_BURST,
        ),
        retry,
    );
    let connector = WbQuestions::new(http, &sim.base_url(), common::TOKEN).with_page_size(5);
    let mut cursor: Option<String> = None;
    let mut ids = HashSet::new();
    let mut retries = 0;
    loop {
        let pull = match connector.pull(cursor.as_deref()).await {
            Ok(pull) => pull,
            Err(err) => {
                // Every attempt failed: the cursor stays, the next call picks up there.
                assert!(err.is_transient(), "{err:?}");
                retries += 1;
                assert!(retries < 20, "{err:?}");
                continue;
            }
        };
        retries += (pull.requests - 1) as usize;
        ids.extend(pull.items.into_iter().map(|i| i.external_id));
        cursor = Some(pull.cursor);
        if !pull.more {
            break;
        }
    }
    assert_eq!(ids.len(), DemoShop::wb().unwrap().questions.len());
    let injected = sim.sim.report().faults_injected;
    assert!(
        injected.get("5xx").copied().unwrap_or(0) > 0,
        "{injected:?}"
    );
    assert!(retries > 0);
}
