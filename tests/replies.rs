//! Replies on their way into the outbox: guardrails stop a block unless overridden
//! deliberately (and then it counts as harmful), drafts record how much they were edited,
//! auto-replies wait out an undo window or only shadow.

mod common;

use std::collections::HashMap;

use agentiq::connectors::build_connectors;
use agentiq::domain::{AnswerState, Channel, InteractionId};
use agentiq::outbox::{cancel_reply, Actor, EnqueueOutcome, Outbox, ReplyRequest, SentDraft, Step};
use agentiq::prepare::enqueue_checked;
use agentiq::store::{self, QueueFilter};
use chrono::{Duration, Utc};
use tokio::sync::mpsc;

type World = common::SyncedShop;

async fn world() -> World {
    common::synced_wb_reviews().await
}

fn request(id: InteractionId, text: &str, key: &str) -> ReplyRequest {
    ReplyRequest {
        interaction_id: id,
        text: text.into(),
        idempotency_key: key.into(),
        draft: None,
        override_block: false,
        actor: Actor::Human,
        undo_until: None,
        shadow: false,
    }
}

fn top(w: &World, n: usize) -> Vec<InteractionId> {
    let reader = w.store.reader().unwrap();
    store::queue_page(&reader, &QueueFilter::default(), 0, n)
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect()
}

fn outbox_row(w: &World, key: &str) -> (String, i64, Option<f64>, String, String) {
    let reader = w.store.reader().unwrap();
    reader
        .query_row(
            "SELECT verdict, overridden, edit_distance, coalesce(draft_source, ''), actor FROM outbox
             WHERE idempotency_key = ?1",
            [key],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .unwrap()
}

const HARMFUL: &str = "Вернём деньги в полном объёме, пишите в телеграм @shop_help";

#[tokio::test]
async fn a_block_is_refused_unless_overridden_and_then_counts_as_harmful() {
    let w = world().await;
    let id = top(&w, 1)[0];
    let refused = enqueue_checked(&w.store, &w.writer, request(id, HARMFUL, "k1"), Utc::now())
        .await
        .unwrap();
    let EnqueueOutcome::Refused { reasons } = refused else {
        panic!("a block must not be queued: {refused:?}");
    };
    assert!(!reasons.is_empty());
    let reader = w.store.reader().unwrap();
    assert_eq!(store::outbox_size(&reader).unwrap(), 0);
    assert_eq!(
        store::interaction(&reader, id).unwrap().unwrap().state,
        AnswerState::Open
    );

    let mut deliberate = request(id, HARMFUL, "k2");
    deliberate.override_block = true;
    let queued = enqueue_checked(&w.store, &w.writer, deliberate, Utc::now())
        .await
        .unwrap();
    assert!(matches!(queued, EnqueueOutcome::Queued { .. }));
    let (verdict, overridden, _, source, actor) = outbox_row(&w, "k2");
    assert_eq!(
        (
            verdict.as_str(),
            overridden,
            source.as_str(),
            actor.as_str()
        ),
        ("block", 1, "manual", "human")
    );
    let audited: i64 = reader
        .query_row(
            "SELECT count(*) FROM audit_log WHERE action = 'guardrail_overridden'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(audited, 1);
}

#[tokio::test]
async fn drafts_record_how_much_they_were_edited() {
    let w = world().await;
    let ids = top(&w, 2);
    agentiq::prepare::prepare_drafts(&w.store, &w.writer, Utc::now(), 2)
        .await
        .unwrap();
    let reader = w.store.reader().unwrap();
    let d0 = store::latest_draft(&reader, ids[0]).unwrap().unwrap();
    let d1 = store::latest_draft(&reader, ids[1]).unwrap().unwrap();

    let mut as_is = request(ids[0], &d0.text, "same");
    as_is.draft = Some(SentDraft {
        id: Some(d0.id),
        text: d0.text.clone(),
        source: d0.source.clone(),
    });
    enqueue_checked(&w.store, &w.writer, as_is, Utc::now())
        .await
        .unwrap();
    let edited_text = format!("{} Хорошего дня!", d1.text);
    let mut edited = request(ids[1], &edited_text, "edited");
    edited.draft = Some(SentDraft {
        id: Some(d1.id),
        text: d1.text.clone(),
        source: d1.source.clone(),
    });
    enqueue_checked(&w.store, &w.writer, edited, Utc::now())
        .await
        .unwrap();

    let (_, _, distance, source, _) = outbox_row(&w, "same");
    assert_eq!(distance, Some(0.0));
    assert_eq!(source, d0.source);
    let (_, _, distance, _, _) = outbox_row(&w, "edited");
    let d = distance.unwrap();
    assert!(d > 0.0 && d < 0.3, "a short addition is a light edit: {d}");
    let outcome = |id: i64| -> (String, Option<f64>) {
        reader
            .query_row(
                "SELECT outcome, edit_distance FROM drafts WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap()
    };
    assert_eq!(outcome(d0.id).0, "sent_as_is");
    assert_eq!(outcome(d1.id).0, "edited");
}

#[tokio::test]
async fn auto_replies_wait_out_the_undo_window_and_can_be_undone() {
    let w = world().await;
    let ids = top(&w, 2);
    let now = Utc::now();
    let text = "Спасибо за отзыв! Рады, что покупка понравилась.";
    let mut auto = request(ids[0], text, "auto-1");
    auto.actor = Actor::Auto;
    auto.undo_until = Some(now + Duration::seconds(60));
    let EnqueueOutcome::Queued { outbox_id, .. } = enqueue_checked(&w.store, &w.writer, auto, now)
        .await
        .unwrap()
    else {
        panic!("queued");
    };
    let reader = w.store.reader().unwrap();
    assert!(
        store::due_outbox(&reader, now + Duration::seconds(30), 10)
            .unwrap()
            .is_empty(),
        "not before the window ends"
    );
    assert_eq!(
        store::due_outbox(&reader, now + Duration::seconds(61), 10)
            .unwrap()
            .len(),
        1
    );
    let cancelled = w
        .writer
        .call(move |c| cancel_reply(c, outbox_id, now))
        .await
        .unwrap();
    assert!(cancelled);
    assert!(store::due_outbox(&reader, now + Duration::seconds(61), 10)
        .unwrap()
        .is_empty());
    assert_eq!(
        store::interaction(&reader, ids[0]).unwrap().unwrap().state,
        AnswerState::Open
    );

    // Shadow mode: recorded, never sent, the item stays in the queue.
    let mut shadow = request(ids[1], text, "shadow-1");
    shadow.actor = Actor::Auto;
    shadow.shadow = true;
    enqueue_checked(&w.store, &w.writer, shadow, now)
        .await
        .unwrap();
    assert!(store::due_outbox(&reader, now + Duration::days(1), 10)
        .unwrap()
        .is_empty());
    assert_eq!(store::outbox_size(&reader).unwrap(), 0);
    assert_eq!(
        store::interaction(&reader, ids[1]).unwrap().unwrap().state,
        AnswerState::Open
    );
    assert!(
        w.sim.sim.report().answers.is_empty(),
        "nothing reached the marketplace"
    );
}

#[tokio::test]
async fn a_confirmed_reply_stamps_when_the_item_was_first_answered() {
    let w = world().await;
    let id = top(&w, 1)[0];
    enqueue_checked(
        &w.store,
        &w.writer,
        request(id, "Спасибо, что написали! Разберёмся и ответим.", "k"),
        Utc::now(),
    )
    .await
    .unwrap();
    let account = common::account(&w.sim);
    let feedbacks = build_connectors(&account)
        .unwrap()
        .into_iter()
        .find(|c| c.id() == "wb_feedbacks")
        .unwrap();
    let (events, _) = mpsc::unbounded_channel();
    let outbox = Outbox::new(
        w.store.clone(),
        w.writer.clone(),
        HashMap::from([((w.account_id, Channel::Review), feedbacks)]),
        events,
        common::clock(),
    );
    let steps = outbox.process_due().await.unwrap();
    assert_eq!(steps[0].1, Step::Visible);
    let reader = w.store.reader().unwrap();
    let first: Option<i64> = reader
        .query_row(
            "SELECT first_answered_at FROM interactions WHERE id = ?1",
            [id.0],
            |r| r.get(0),
        )
        .unwrap();
    assert!(first.is_some());
}
