//! The WB feedbacks connector against the simulator on loopback.

mod common;

use std::collections::HashSet;

use agentiq::connectors::{Connector, ConnectorError, ReplyTarget};
use agentiq::simulator::DemoShop;

#[tokio::test]
async fn pages_through_both_lists_with_take_and_skip() {
    let sim = common::simulator().await;
    let connector = common::feedbacks(&sim, common::TOKEN).with_page_size(40);
    let shop = DemoShop::wb().unwrap();
    let mut cursor: Option<String> = None;
    let mut ids = HashSet::new();
    let mut pages = 0;
    loop {
        let pull = connector.pull(cursor.as_deref()).await.expect("pull");
        pages += 1;
        assert!(pull.skipped.is_empty());
        for item in &pull.items {
            assert!(
                ids.insert(item.external_id.clone()),
                "no item twice in one pass"
            );
        }
        cursor = Some(pull.cursor);
        if !pull.more {
            break;
        }
    }
    assert_eq!(
        ids.len(),
        shop.reviews.len(),
        "every review, answered or not"
    );
    // 122 unanswered over pages of 40 is 4 pages, 13 answered is 1 more, and the (empty)
    // archive one.
    let unanswered = shop.reviews.iter().filter(|r| r.answer.is_none()).count();
    assert_eq!(pages, unanswered.div_ceil(40) + 2);

    // The next pass re-reads only the look-back window behind the newest item seen.
    let pull = connector.pull(cursor.as_deref()).await.unwrap();
    let newest = shop
        .reviews
        .iter()
        .filter(|r| r.answer.is_none())
        .map(|r| r.age_minutes)
        .min()
        .unwrap();
    let in_window = shop
        .reviews
        .iter()
        .filter(|r| r.answer.is_none() && r.age_minutes <= newest + 6 * 60 + 1)
        .count();
    assert!(
        pull.items.len() <= in_window,
        "{} re-read, window holds {in_window}",
        pull.items.len()
    );
    assert!(pull.items.len() < unanswered);
    let report = sim.sim.report();
    assert_eq!(report.over_limit, 0, "never over the published limit");
}

#[tokio::test]
async fn a_new_review_is_picked_up_incrementally() {
    let sim = common::simulator().await;
    let connector = common::feedbacks(&sim, common::TOKEN);
    let mut cursor = None;
    loop {
        let pull = connector.pull(cursor.as_deref()).await.unwrap();
        cursor = Some(pull.cursor);
        if !pull.more {
            break;
        }
    }
    assert_eq!(sim.sim.arrive_now(), 1);
    let pull = connector.pull(cursor.as_deref()).await.unwrap();
    let shop = DemoShop::wb().unwrap();
    let first_incoming = &shop.incoming_reviews[0];
    assert!(
        pull.items.iter().any(|i| i.text == first_incoming.text),
        "the arrived review is in the next pull"
    );
}

#[tokio::test]
async fn wrong_token_is_unauthorized_and_never_echoed() {
    let sim = common::simulator().await;
    let connector = common::feedbacks(&sim, "not-the-token-SECRET");
    let err = connector.pull(None).await.unwrap_err();
    assert!(
        matches!(err, ConnectorError::Unauthorized { status: 401, .. }),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(message.contains("wb"));
    assert!(!message.contains("SECRET"), "{message}");
}

#[tokio::test]
async fn answering_reaches_the_simulator_and_reads_back() {
    let sim = common::simulator().await;
    let connector = common::feedbacks(&sim, common::TOKEN);
    let pull = connector.pull(None).await.unwrap();
    let item = pull.items.first().expect("an unanswered review");
    assert!(item.answer.is_none());
    let target = ReplyTarget {
        external_id: item.external_id.clone(),
        reply_handle: None,
        product_external_id: None,
    };
    assert_eq!(connector.current_answer(&target).await.unwrap(), None);
    connector
        .send_answer(&target, "Спасибо за отзыв!")
        .await
        .expect("answer accepted");
    assert_eq!(
        connector.current_answer(&target).await.unwrap().as_deref(),
        Some("Спасибо за отзыв!")
    );
    let report = sim.sim.report();
    assert_eq!(report.answers.len(), 1);
    assert_eq!(report.answers[0].item_id, item.external_id);
    assert!(report.answers[0].known_item);
}

#[tokio::test]
async fn simulator_rejects_what_wb_rejects() {
    let sim = common::simulator().await;
    let client = reqwest::Client::new();
    let url = format!("{}/api/v1/feedbacks", sim.base_url());
    let too_many = client
        .get(&url)
        .header("Authorization", common::TOKEN)
        .query(&[("isAnswered", "false"), ("take", "5001"), ("skip", "0")])
        .send()
        .await
        .unwrap();
    assert_eq!(too_many.status(), 400);
    let body: serde_json::Value = too_many.json().await.unwrap();
    assert_eq!(body["error"], true);
    assert!(body["errorText"].as_str().unwrap().contains("take"));

    let missing = client
        .get(&url)
        .header("Authorization", common::TOKEN)
        .query(&[("take", "10"), ("skip", "0")])
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 400, "isAnswered is required");

    let short = client
        .post(format!("{}/api/v1/feedbacks/answer", sim.base_url()))
        .header("Authorization", common::TOKEN)
        .json(&serde_json::json!({"id": "x", "text": "a"}))
        .send()
        .await
        .unwrap();
    assert_eq!(short.status(), 400, "text shorter than 2 characters");

    // Like WB, an unknown id is accepted silently — which is why the outbox confirms by
    // re-reading the item.
    let unknown = client
        .post(format!("{}/api/v1/feedbacks/answer", sim.base_url()))
        .header("Authorization", common::TOKEN)
        .json(&serde_json::json!({"id": "no-such-id", "text": "Спасибо"}))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 204);
    assert!(!sim.sim.report().answers[0].known_item);
}

#[tokio::test]
async fn bursts_beyond_the_limit_get_wb_429() {
    let sim = common::simulator().await;
    let client = reqwest::Client::new();
    let url = format!("{}/api/v1/feedbacks", sim.base_url());
    let mut statuses = Vec::new();
    for _ in 0..10 {
        let resp = client
            .get(&url)
            .header("Authorization", common::TOKEN)
            .query(&[("isAnswered", "false"), ("take", "1"), ("skip", "0")])
            .send()
            .await
            .unwrap();
        statuses.push(resp.status().as_u16());
        if resp.status() == 429 {
            assert!(resp.headers().get("x-ratelimit-retry").is_some());
            let body: serde_json::Value = resp.json().await.unwrap();
            assert_eq!(body["title"], "too many requests");
            assert_eq!(body["status"], 429);
        }
    }
    assert_eq!(&statuses[..6], &[200; 6], "burst of 6 is allowed");
    assert!(statuses[6..].contains(&429), "{statuses:?}");
    assert!(sim.sim.report().over_limit >= 1);
}

#[tokio::test]
async fn a_review_published_late_is_still_picked_up() {
    let sim = common::simulator().await;
    let connector = common::feedbacks(&sim, common::TOKEN);
    let mut cursor = None;
    loop {
        let pull = connector.pull(cursor.as_deref()).await.unwrap();
        cursor = Some(pull.cursor);
        if !pull.more {
            break;
        }
    }
    // WB publishes a review two hours after its createdDate (it sat in moderation).
    let late_id = {
        let mut state = sim.sim.lock();
        let account = &mut state.accounts[0];
        let mut late = account.reviews.last().unwrap().clone();
        late.id = "LateModeratedReview1".into();
        late.answer = None;
        late.created_at -= chrono::Duration::hours(2);
        let at = account
            .reviews
            .partition_point(|r| r.created_at <= late.created_at);
        account.reviews.insert(at, late);
        "LateModeratedReview1".to_string()
    };
    let mut seen = false;
    loop {
        let pull = connector.pull(cursor.as_deref()).await.unwrap();
        seen |= pull.items.iter().any(|i| i.external_id == late_id);
        cursor = Some(pull.cursor);
        if !pull.more {
            break;
        }
    }
    assert!(
        seen,
        "a review dated before the watermark is read in the look-back"
    );
}

#[tokio::test]
async fn an_unknown_feedback_id_is_422_with_the_contracts_body_and_reads_as_absent() {
    let sim = common::simulator().await;
    let response = reqwest::Client::new()
        .get(format!("{}/api/v1/feedback", sim.base_url()))
        .header("Authorization", common::TOKEN)
        .query(&[("id", "no-such-feedback")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        422,
        "the contract's status for an unknown id"
    );
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["data"], serde_json::Value::Null);
    assert_eq!(body["error"], true);
    assert_eq!(body["errorText"], "Невозможно получить отзыв по id");
    assert!(body["requestId"].as_str().is_some_and(|s| !s.is_empty()));

    // The outbox's look-first and read-back, and reconciliation, see "not there" — not a
    // failure that would end a reply WB accepted as failed.
    let connector = common::feedbacks(&sim, common::TOKEN);
    let target = ReplyTarget {
        external_id: "no-such-feedback".into(),
        reply_handle: None,
        product_external_id: None,
    };
    assert_eq!(connector.current_answer(&target).await.unwrap(), None);
    assert!(connector
        .fetch_item("no-such-feedback")
        .await
        .unwrap()
        .is_none());
}

/// Moves the `n` oldest reviews of the WB shop 40 days back: past WB's 30 days, into
/// the archive. Returns their ids.
fn age_into_the_archive(sim: &agentiq::simulator::SimulatorHandle, n: usize) -> Vec<String> {
    let mut state = sim.sim.lock();
    let reviews = &mut state.accounts[0].reviews;
    let mut ids = Vec::new();
    for r in reviews.iter_mut().take(n) {
        r.created_at -= chrono::Duration::days(40);
        ids.push(r.id.clone());
    }
    reviews.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
    ids
}

#[tokio::test]
async fn archived_feedbacks_come_as_history_and_never_as_open() {
    let sim = common::simulator().await;
    let archived = age_into_the_archive(&sim, 3);
    let connector = common::feedbacks(&sim, common::TOKEN).with_page_size(100);
    let mut cursor: Option<String> = None;
    let mut items = std::collections::BTreeMap::new();
    loop {
        let pull = connector.pull(cursor.as_deref()).await.unwrap();
        for item in pull.items {
            items.insert(item.external_id.clone(), item);
        }
        cursor = Some(pull.cursor);
        if !pull.more {
            break;
        }
    }
    let shop = DemoShop::wb().unwrap();
    assert_eq!(items.len(), shop.reviews.len(), "the archive too");
    for id in &archived {
        let item = &items[id];
        assert!(item.archived, "{id}");
        assert_eq!(item.answer_state(), agentiq::domain::AnswerState::Archived);
    }
    let requests = sim.sim.report().requests;
    assert_eq!(requests["GET /api/v1/feedbacks/archive"], 1);

    // The next pass reads the archive from the newest down to its floor: one request.
    let mut pulls = 0;
    loop {
        let pull = connector.pull(cursor.as_deref()).await.unwrap();
        pulls += 1;
        cursor = Some(pull.cursor);
        if !pull.more {
            break;
        }
    }
    assert_eq!(pulls, 3, "unanswered, answered, archive");
    assert_eq!(
        sim.sim.report().requests["GET /api/v1/feedbacks/archive"],
        2
    );
}

#[tokio::test]
async fn an_open_review_that_left_the_list_for_the_archive_is_reread_as_archived() {
    let sim = common::simulator().await;
    let connector = common::feedbacks(&sim, common::TOKEN);
    let open_before = connector.open_ids().await.unwrap().unwrap();
    let moved = age_into_the_archive(&sim, 1).remove(0);
    assert!(open_before.contains(&moved));
    let open_after = connector.open_ids().await.unwrap().unwrap();
    assert!(
        !open_after.contains(&moved),
        "no longer in the unanswered list"
    );
    // What reconciliation does with an item that left the list: re-read it. It did not
    // vanish, nor is it open: it is in the archive.
    let item = connector
        .fetch_item(&moved)
        .await
        .unwrap()
        .expect("still known");
    assert!(item.archived);
    assert_eq!(item.answer_state(), agentiq::domain::AnswerState::Archived);
}
