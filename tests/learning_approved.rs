//! What counts as an approved example for the drafts (issue #18, item 1): a reply sent
//! from a draft unchanged or with a small edit, or typed by the seller and not edited
//! later; not a rewritten draft, not an auto-reply, not an answer edited afterwards.
//! Real store synced from the simulator, replies through the real send path.

mod common;

use agentiq::domain::{Channel, Interaction, InteractionId};
use agentiq::outbox::{Actor, EnqueueOutcome, ReplyRequest, SentDraft};
use agentiq::prepare::approved_answers;
use agentiq::prepare::{enqueue_checked, enqueue_edit_checked};
use agentiq::store::{self, QueueFilter};
use chrono::Utc;

type World = common::SyncedShop;

async fn synced_shop() -> World {
    common::synced_wb_reviews().await
}

fn request(id: InteractionId, text: &str, draft: Option<&str>, actor: Actor) -> ReplyRequest {
    ReplyRequest {
        interaction_id: id,
        text: text.into(),
        idempotency_key: format!("approved-{}-{}", id.0, text.len()),
        draft: draft.map(|d| SentDraft {
            id: None,
            text: d.into(),
            source: "template".into(),
        }),
        override_block: false,
        actor,
        undo_until: None,
        shadow: false,
    }
}

/// What the marketplace shows once a reply went out, as a sync would read it back.
async fn published(w: &World, id: InteractionId, text: &str) {
    let text = text.to_string();
    w.writer
        .call(move |c| {
            c.execute(
                "UPDATE interactions SET state = 'answered', answer_text = ?2, answer_editable = 1
                 WHERE id = ?1",
                rusqlite::params![id.0, text],
            )?;
            Ok(())
        })
        .await
        .unwrap();
}

async fn send(w: &World, r: ReplyRequest) {
    let text = r.text.clone();
    let id = r.interaction_id;
    let outcome = enqueue_checked(&w.store, &w.writer, r, Utc::now())
        .await
        .unwrap();
    assert!(
        matches!(outcome, EnqueueOutcome::Queued { .. }),
        "{outcome:?}"
    );
    published(w, id, &text).await;
}

#[tokio::test]
async fn only_answers_the_seller_stood_by_are_examples() {
    let w = synced_shop().await;
    let reader = w.store.reader().unwrap();
    let open: Vec<Interaction> = store::queue_page(&reader, &QueueFilter::default(), 0, 200)
        .unwrap()
        .into_iter()
        .filter(|r| r.channel == Channel::Review)
        .take(6)
        .map(|r| store::interaction(&reader, r.id).unwrap().unwrap())
        .collect();
    assert_eq!(open.len(), 6);
    let draft = "Здравствуйте! Спасибо за отзыв, нам очень приятно. Хорошего дня!";
    let answer = |n: usize| format!("Ответ номер {n}: спасибо за отзыв, нам очень приятно!");
    // 0: sent from the draft unchanged; 1: with a small edit; 2: the draft rewritten;
    // 3: typed by the seller; 4: typed, then edited on the marketplace; 5: an auto-reply.
    send(&w, request(open[0].id, draft, Some(draft), Actor::Human)).await;
    let small = draft.replace("Хорошего дня!", "Всего доброго!");
    send(&w, request(open[1].id, &small, Some(draft), Actor::Human)).await;
    send(
        &w,
        request(open[2].id, &answer(2), Some(draft), Actor::Human),
    )
    .await;
    send(&w, request(open[3].id, &answer(3), None, Actor::Human)).await;
    send(&w, request(open[4].id, &answer(4), None, Actor::Human)).await;
    let edited = enqueue_edit_checked(
        &w.store,
        &w.writer,
        ReplyRequest {
            idempotency_key: "edit-4".into(),
            ..request(open[4].id, &answer(40), None, Actor::Human)
        },
        Utc::now(),
    )
    .await
    .unwrap();
    assert!(
        matches!(edited, EnqueueOutcome::Queued { .. }),
        "{edited:?}"
    );
    send(&w, request(open[5].id, draft, Some(draft), Actor::Auto)).await;

    // A new item whose text shares words with all six.
    let mut probe = open[0].clone();
    probe.id = InteractionId(i64::MAX);
    probe.text = open
        .iter()
        .map(|i| i.text.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    let reader = w.store.reader().unwrap();
    let examples = approved_answers(&reader, &probe, 50, 0.2).unwrap();
    let answers: Vec<&str> = examples.iter().map(|a| a.answer.as_str()).collect();
    let of = |i: usize| examples.iter().any(|a| a.customer_text == open[i].text);
    assert!(of(0), "unchanged draft: {answers:?}");
    assert!(of(1), "small edit: {answers:?}");
    assert!(!of(2), "rewritten draft: {answers:?}");
    assert!(of(3), "typed by the seller: {answers:?}");
    assert!(!of(4), "edited afterwards: {answers:?}");
    assert!(!of(5), "auto-reply: {answers:?}");
    // With a stricter setting the small edit is out too.
    let strict = approved_answers(&reader, &probe, 50, 0.01).unwrap();
    assert!(strict.iter().any(|a| a.customer_text == open[0].text));
    assert!(!strict.iter().any(|a| a.customer_text == open[1].text));
}
