//! Sync and the outbox against the simulator: backfill, incremental pick-up, and a reply
//! that goes out exactly once, also when a crash interrupted it.

mod common;

use std::collections::HashMap;
use std::sync::Arc;

use agentiq::connectors::{build_connectors, Connector};
use agentiq::domain::{AnswerState, Channel};
use agentiq::outbox::{target_of, Outbox, Step};
use agentiq::simulator::DemoShop;
use agentiq::store::{self, QueueFilter, Store, Writer};
use agentiq::sync::sync_pass;
use chrono::Utc;
use tokio::sync::mpsc;

struct World {
    _dir: tempfile::TempDir,
    store: Store,
    writer: Writer,
    account_id: i64,
    connector: Arc<dyn Connector>,
}

async fn world(sim: &agentiq::simulator::SimulatorHandle) -> World {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("agentiq.db")).unwrap();
    let writer = store.writer().unwrap();
    let account = common::account(sim);
    let name = account.name.clone();
    let account_id = writer
        .call(move |conn| store::upsert_account(conn, &name, agentiq::domain::Marketplace::Wb))
        .await
        .unwrap();
    let connector = build_connectors(&account)
        .unwrap()
        .into_iter()
        .find(|c| c.id() == "wb_feedbacks")
        .unwrap();
    World {
        _dir: dir,
        store,
        writer,
        account_id,
        connector,
    }
}

fn outbox(w: &World) -> Outbox {
    // Nobody listens to the events here; sends to a closed channel are ignored.
    let (events, _) = mpsc::unbounded_channel();
    Outbox::new(
        w.store.clone(),
        w.writer.clone(),
        HashMap::from([((w.account_id, Channel::Review), w.connector.clone())]),
        events,
        common::clock(),
    )
}

async fn backfill(w: &World) {
    let clock = common::clock();
    sync_pass(&w.writer, w.account_id, w.connector.as_ref(), &*clock)
        .await
        .map_err(|(_, e)| e)
        .expect("sync pass");
}

fn open_count(w: &World) -> usize {
    let reader = w.store.reader().unwrap();
    store::queue_count(&reader, &QueueFilter::default()).unwrap()
}

async fn enqueue(w: &World, text: &str, key: &str) -> agentiq::domain::InteractionId {
    let reader = w.store.reader().unwrap();
    let top = store::queue_page(&reader, &QueueFilter::default(), 0, 1).unwrap()[0].id;
    let (text, key) = (text.to_string(), key.to_string());
    w.writer
        .call(move |conn| store::enqueue_reply(conn, top, &text, &key, "human", Utc::now()))
        .await
        .unwrap();
    top
}

#[tokio::test]
async fn backfill_then_a_new_review_is_picked_up() {
    let sim = common::simulator().await;
    let w = world(&sim).await;
    let clock = common::clock();
    let stats = sync_pass(&w.writer, w.account_id, w.connector.as_ref(), &*clock)
        .await
        .map_err(|(_, e)| e)
        .unwrap();
    let shop = DemoShop::wb().unwrap();
    assert_eq!(stats.new as usize, shop.reviews.len());
    let unanswered = shop.reviews.iter().filter(|r| r.answer.is_none()).count();
    assert_eq!(open_count(&w), unanswered);

    sim.sim.arrive_now();
    let stats = sync_pass(&w.writer, w.account_id, w.connector.as_ref(), &*clock)
        .await
        .map_err(|(_, e)| e)
        .unwrap();
    assert_eq!(stats.new, 1, "only the new review is new");
    assert_eq!(open_count(&w), unanswered + 1);

    let reader = w.store.reader().unwrap();
    let (runs, ok): (i64, i64) = reader
        .query_row("SELECT count(*), sum(ok) FROM sync_runs", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!((runs, ok), (2, 2), "every run is recorded");
    assert_eq!(sim.sim.report().over_limit, 0);
}

#[tokio::test]
async fn a_reply_is_delivered_confirmed_and_leaves_the_queue() {
    let sim = common::simulator().await;
    let w = world(&sim).await;
    backfill(&w).await;
    let before = open_count(&w);
    let id = enqueue(&w, "Анна, спасибо за отзыв! Разберёмся.", "k1").await;
    assert_eq!(
        open_count(&w),
        before - 1,
        "queued replies leave the queue at once"
    );

    let steps = outbox(&w).process_due().await.unwrap();
    assert_eq!(steps.len(), 1);
    assert_eq!(steps[0].1, Step::Visible);
    let reader = w.store.reader().unwrap();
    let item = store::interaction(&reader, id).unwrap().unwrap();
    assert_eq!(item.state, AnswerState::Answered);
    assert_eq!(store::outbox_size(&reader).unwrap(), 0);

    // Nothing is due any more, and another pass sends nothing.
    assert!(outbox(&w).process_due().await.unwrap().is_empty());
    let per_item = sim.sim.report().answers_per_item();
    assert_eq!(per_item.get(&item.external_id), Some(&1));
    assert_eq!(per_item.len(), 1);

    // The next sync sees the answer on the marketplace and keeps the item answered.
    backfill(&w).await;
    let item = store::interaction(&reader, id).unwrap().unwrap();
    assert_eq!(item.state, AnswerState::Answered);
    assert_eq!(open_count(&w), before - 1);
}

#[tokio::test]
async fn a_crash_after_the_call_landed_does_not_send_twice() {
    let sim = common::simulator().await;
    let w = world(&sim).await;
    backfill(&w).await;
    let id = enqueue(&w, "Спасибо, что написали!", "k-crash").await;
    // The process marked the row `sending`, the call reached the marketplace, then it died.
    let reader = w.store.reader().unwrap();
    let row = store::due_outbox(&reader, Utc::now(), 10)
        .unwrap()
        .remove(0);
    common::sending_by_a_killed_process(&w.writer, row.id).await;
    let item = store::interaction(&reader, id).unwrap().unwrap();
    w.connector
        .send_answer(&target_of(&item), "Спасибо, что написали!")
        .await
        .unwrap();

    // After restart the outbox asks before sending and finds the answer there.
    let steps = outbox(&w).process_due().await.unwrap();
    assert_eq!(steps[0].1, Step::Visible);
    assert_eq!(
        sim.sim.report().answers_per_item().get(&item.external_id),
        Some(&1),
        "exactly one answer on the marketplace"
    );
}

#[tokio::test]
async fn a_crash_before_the_call_landed_sends_once_after_restart() {
    let sim = common::simulator().await;
    let w = world(&sim).await;
    backfill(&w).await;
    let id = enqueue(&w, "Спасибо за отзыв!", "k-early").await;
    let reader = w.store.reader().unwrap();
    let row = store::due_outbox(&reader, Utc::now(), 10)
        .unwrap()
        .remove(0);
    common::sending_by_a_killed_process(&w.writer, row.id).await;
    let steps = outbox(&w).process_due().await.unwrap();
    assert_eq!(steps[0].1, Step::Visible);
    let item = store::interaction(&reader, id).unwrap().unwrap();
    assert_eq!(
        sim.sim.report().answers_per_item().get(&item.external_id),
        Some(&1)
    );
}

#[tokio::test]
async fn a_rejected_reply_is_failed_with_the_reason_and_back_in_the_queue() {
    let sim = common::simulator().await;
    let w = world(&sim).await;
    backfill(&w).await;
    let before = open_count(&w);
    // One character: WB rejects answers shorter than 2 characters with a 400.
    let id = enqueue(&w, "!", "k-short").await;
    let steps = outbox(&w).process_due().await.unwrap();
    assert!(
        matches!(&steps[0].1, Step::Failed(reason) if reason.contains("400")),
        "{steps:?}"
    );
    assert_eq!(open_count(&w), before, "the item is back in the queue");
    let reader = w.store.reader().unwrap();
    let row = store::queue_page(&reader, &QueueFilter::default(), 0, 200)
        .unwrap()
        .into_iter()
        .find(|r| r.id == id)
        .unwrap();
    assert!(row.send_error.unwrap().contains("text"));
    assert!(sim.sim.report().answers.is_empty());
}

#[tokio::test]
async fn an_item_answered_elsewhere_is_reconciled_not_forgotten() {
    let sim = common::simulator().await;
    let w = world(&sim).await;
    backfill(&w).await;
    let reader = w.store.reader().unwrap();
    let top = store::queue_page(&reader, &QueueFilter::default(), 0, 1).unwrap()[0].id;
    let item = store::interaction(&reader, top).unwrap().unwrap();
    // The seller answers in the marketplace's own portal, not through AgentIQ.
    w.connector
        .send_answer(&target_of(&item), "Ответили в личном кабинете")
        .await
        .unwrap();
    // An incremental pass does not see it: the item is older than the watermark.
    backfill(&w).await;
    assert_eq!(
        store::interaction(&reader, top).unwrap().unwrap().state,
        AnswerState::Open
    );

    let clock = common::clock();
    let stats =
        agentiq::sync::reconcile_pass(&w.writer, w.account_id, w.connector.as_ref(), &*clock)
            .await
            .map_err(|(_, e)| e)
            .unwrap();
    assert_eq!(stats.changed, 1);
    let item = store::interaction(&reader, top).unwrap().unwrap();
    assert_eq!(item.state, AnswerState::Answered);
    assert_eq!(item.answer.unwrap().text, "Ответили в личном кабинете");
    // Nothing else moved.
    let again =
        agentiq::sync::reconcile_pass(&w.writer, w.account_id, w.connector.as_ref(), &*clock)
            .await
            .map_err(|(_, e)| e)
            .unwrap();
    assert_eq!(again.changed, 0);
}

fn outbox_at(w: &World, at: chrono::DateTime<Utc>) -> Outbox {
    let (events, _) = mpsc::unbounded_channel();
    Outbox::new(
        w.store.clone(),
        w.writer.clone(),
        HashMap::from([((w.account_id, Channel::Review), w.connector.clone())]),
        events,
        Arc::new(move || at),
    )
}

fn outbox_row(w: &World) -> (String, Option<String>, i64) {
    w.store
        .reader()
        .unwrap()
        .query_row(
            "SELECT state, last_error, next_attempt_at FROM outbox ORDER BY id DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap()
}

/// Answers the marketplace received for item `id`.
fn answers_to(
    sim: &agentiq::simulator::SimulatorHandle,
    w: &World,
    id: agentiq::domain::InteractionId,
) -> Option<usize> {
    let item = store::interaction(&w.store.reader().unwrap(), id)
        .unwrap()
        .unwrap();
    sim.sim
        .report()
        .answers_per_item()
        .get(&item.external_id)
        .copied()
}

fn item_state(w: &World, id: agentiq::domain::InteractionId) -> AnswerState {
    let reader = w.store.reader().unwrap();
    store::interaction(&reader, id).unwrap().unwrap().state
}

#[tokio::test]
async fn an_accepted_reply_that_never_shows_stays_accepted_and_is_never_resent() {
    use agentiq::simulator::state::AnswerVisibility;
    let sim = common::simulator_showing_answers(AnswerVisibility::Never).await;
    let w = world(&sim).await;
    backfill(&w).await;
    let before = open_count(&w);
    let id = enqueue(&w, "Спасибо за отзыв, мы всё проверим!", "k-never").await;
    let t0 = Utc::now();
    let steps = outbox_at(&w, t0).process_due().await.unwrap();
    assert_eq!(steps[0].1, Step::Accepted);
    // Read back again and again for two days: never failed, never sent again, never
    // offered for a second answer.
    let mut checks = 0;
    for hours in [0i64, 1, 6, 24, 47] {
        let at = t0 + chrono::Duration::hours(hours) + chrono::Duration::minutes(1);
        for (_, step) in outbox_at(&w, at).process_due().await.unwrap() {
            assert_eq!(step, Step::Accepted);
            checks += 1;
        }
        assert_eq!(item_state(&w, id), AnswerState::Pending);
        assert_eq!(open_count(&w), before - 1);
    }
    assert!(checks >= 4, "checked {checks} times");
    // After 48 hours the active checks stop; the reply is still accepted.
    let late = t0 + chrono::Duration::hours(49);
    let _ = outbox_at(&w, late).process_due().await.unwrap();
    assert!(outbox_at(&w, late + chrono::Duration::days(30))
        .process_due()
        .await
        .unwrap()
        .is_empty());
    assert_eq!(outbox_row(&w).0, "accepted");
    assert_eq!(answers_to(&sim, &w, id), Some(1));
}

/// A reply the marketplace accepted at `t0` and showed only an hour later (published now).
async fn accepted_then_published(
    key: &str,
) -> (
    agentiq::simulator::SimulatorHandle,
    World,
    agentiq::domain::InteractionId,
    chrono::DateTime<Utc>,
) {
    use agentiq::simulator::state::AnswerVisibility;
    let sim = common::simulator_showing_answers(AnswerVisibility::After(
        std::time::Duration::from_secs(3600),
    ))
    .await;
    let w = world(&sim).await;
    backfill(&w).await;
    let id = enqueue(&w, "Спасибо, что написали, разберёмся!", key).await;
    let t0 = Utc::now();
    assert_eq!(
        outbox_at(&w, t0).process_due().await.unwrap()[0].1,
        Step::Accepted
    );
    assert_eq!(outbox_row(&w).0, "accepted");
    // The marketplace publishes it.
    sim.sim.lock().publish_due(t0 + chrono::Duration::hours(2));
    (sim, w, id, t0)
}

#[tokio::test]
async fn an_accepted_reply_that_shows_later_becomes_visible() {
    let (sim, w, id, t0) = accepted_then_published("k-later").await;
    let steps = outbox_at(&w, t0 + chrono::Duration::minutes(5))
        .process_due()
        .await
        .unwrap();
    assert_eq!(steps[0].1, Step::Visible);
    assert_eq!(item_state(&w, id), AnswerState::Answered);
    assert_eq!(answers_to(&sim, &w, id), Some(1));
}

#[tokio::test]
async fn sync_seeing_the_answer_settles_an_accepted_reply() {
    let (_sim, w, id, _) = accepted_then_published("k-sync").await;
    // The item left the unanswered list: reconciliation re-reads it and sees our text.
    agentiq::sync::reconcile_pass(
        &w.writer,
        w.account_id,
        w.connector.as_ref(),
        &*common::clock(),
    )
    .await
    .map_err(|(_, e)| e)
    .unwrap();
    assert_eq!(outbox_row(&w).0, "visible");
    assert_eq!(item_state(&w, id), AnswerState::Answered);
}

#[tokio::test]
async fn a_moderation_rejection_reopens_the_item_with_the_reason() {
    use agentiq::simulator::state::AnswerVisibility;
    let sim = common::simulator_showing_answers(AnswerVisibility::Rejected).await;
    let w = world(&sim).await;
    backfill(&w).await;
    let before = open_count(&w);
    let id = enqueue(&w, "Спасибо за отзыв, всё проверим!", "k-rejected").await;
    let steps = outbox(&w).process_due().await.unwrap();
    assert!(matches!(&steps[0].1, Step::Rejected(_)), "{steps:?}");
    assert_eq!(item_state(&w, id), AnswerState::Open);
    assert_eq!(open_count(&w), before, "back in the queue");
    let reader = w.store.reader().unwrap();
    let row = store::queue_page(&reader, &QueueFilter::default(), 0, 500)
        .unwrap()
        .into_iter()
        .find(|r| r.id == id)
        .expect("in the queue");
    assert!(
        row.send_error
            .as_deref()
            .is_some_and(|e| e.contains("модерац")),
        "{:?}",
        row.send_error
    );
}

#[tokio::test]
async fn a_claimed_row_is_left_alone_until_its_claim_expires_and_the_old_holder_is_fenced_off() {
    let sim = common::simulator().await;
    let w = world(&sim).await;
    backfill(&w).await;
    enqueue(&w, "Спасибо, что выбрали нас!", "k-claim").await;
    let t0 = Utc::now();
    let row = store::due_outbox(&w.store.reader().unwrap(), t0, 10)
        .unwrap()
        .remove(0);
    // Another live process (this test, under another holder id) claims it and marks it
    // sending, then hangs.
    let (who, id) = (store::holder_id_for(store::ProcessKind::Daemon), row.id);
    let claim = w
        .writer
        .call(move |conn| {
            let (_, claim) =
                store::claim_outbox(conn, id, &who, t0, chrono::Duration::seconds(45))?
                    .expect("free at first");
            anyhow::ensure!(store::mark_sending(conn, &claim, t0)?);
            Ok(claim)
        })
        .await
        .unwrap();
    assert!(
        outbox_at(&w, t0 + chrono::Duration::seconds(30))
            .process_due()
            .await
            .unwrap()
            .is_empty(),
        "a live claim is left alone"
    );
    // Its heartbeat stopped: after the claim expires another process takes over, looks
    // at the marketplace first (nothing there) and sends once.
    let steps = outbox_at(&w, t0 + chrono::Duration::seconds(60))
        .process_due()
        .await
        .unwrap();
    assert_eq!(steps[0].1, Step::Visible);
    // The old holder wakes up: its claim no longer moves the row.
    let fence = claim.clone();
    let moved = w
        .writer
        .call(move |conn| store::mark_failed(conn, &fence, "late", None, Utc::now()))
        .await
        .unwrap();
    assert!(!moved, "fenced off");
    assert_eq!(outbox_row(&w).0, "visible");
    assert_eq!(sim.sim.report().answers.len(), 1);
}

#[tokio::test]
async fn a_review_takes_one_reply_however_many_processes_queue_one() {
    let sim = common::simulator().await;
    let w = world(&sim).await;
    backfill(&w).await;
    let id = enqueue(&w, "Спасибо за отзыв!", "k-first").await;
    // Another inbox (or another process's auto-responder) answers the same item.
    let second = w
        .writer
        .call(move |conn| {
            store::enqueue_reply(conn, id, "Благодарим!", "k-second", "human", Utc::now())
        })
        .await;
    assert!(
        second.is_err_and(|e| e.to_string().contains("already has a reply")),
        "refused"
    );
    // The same reply again (its idempotency key) is no error and changes nothing.
    let again = w
        .writer
        .call(move |conn| {
            store::enqueue_reply(
                conn,
                id,
                "Спасибо за отзыв!",
                "k-first",
                "human",
                Utc::now(),
            )
        })
        .await;
    assert!(again.is_ok());
    let steps = outbox(&w).process_due().await.unwrap();
    assert_eq!(steps.len(), 1);
    assert_eq!(sim.sim.report().answers.len(), 1);
}
