//! The UI's reply commands through the real command router (`runtime/router.rs`): a typed
//! override of a block reaches the outbox and is recorded as harmful; undoing an
//! auto-reply inside its window means the marketplace never receives it.

mod common;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration as StdDuration;

use agentiq::connectors::build_connectors;
use agentiq::domain::{AnswerState, Channel, InteractionId, Marketplace};
use agentiq::outbox::{Actor, EnqueueOutcome, Outbox, ReplyRequest};
use agentiq::prepare::enqueue_checked;
use agentiq::protocol::{Command, Event};
use agentiq::runtime::{ServiceOptions, Services};
use agentiq::store::{self, QueueFilter, Store};
use chrono::{DateTime, Duration, Utc};
use tokio::sync::mpsc;

const HARMFUL: &str = "Вернём деньги в полном объёме, пишите в телеграм @shop_help";

struct World {
    _dir: tempfile::TempDir,
    store: Store,
    account_id: i64,
    sim: agentiq::simulator::SimulatorHandle,
    services: Services,
}

/// The WB demo shop synced once, then the services (router included) started on it with
/// a poll far in the future so nothing else moves meanwhile.
async fn world() -> World {
    world_on(common::clock()).await
}

/// [`world`] with the services on `clock`.
async fn world_on(clock: agentiq::domain::Clock) -> World {
    let sim = common::simulator().await;
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("a.db")).unwrap();
    let account = common::account(&sim);
    {
        let writer = store.writer().unwrap();
        let name = account.name.clone();
        let account_id = writer
            .call(move |c| store::upsert_account(c, &name, Marketplace::Wb))
            .await
            .unwrap();
        let feedbacks = build_connectors(&account)
            .unwrap()
            .into_iter()
            .find(|c| c.id() == "wb_feedbacks")
            .unwrap();
        agentiq::sync::sync_pass(&writer, account_id, feedbacks.as_ref(), &*common::clock())
            .await
            .map_err(|(_, e)| e)
            .unwrap();
    }
    let services = Services::start(
        &store,
        std::slice::from_ref(&account),
        ServiceOptions {
            poll_every: StdDuration::from_secs(3600),
            clock,
            notify_lang: agentiq::notify::Lang::Ru,
            llm: None,
            kind: store::ProcessKind::Inbox,
            offline: false,
            prompts: None,
        },
    )
    .await
    .unwrap();
    let account_id = store::accounts(&store.reader().unwrap()).unwrap()[0].id;
    World {
        _dir: dir,
        store,
        account_id,
        sim,
        services,
    }
}

fn top(w: &World) -> InteractionId {
    let reader = w.store.reader().unwrap();
    store::queue_page(&reader, &QueueFilter::default(), 0, 1).unwrap()[0].id
}

/// The next event `wanted` accepts, skipping the others (sync and outbox chatter).
async fn wait_for(w: &mut World, wanted: impl Fn(&Event) -> bool) -> Event {
    let found = tokio::time::timeout(StdDuration::from_secs(20), async {
        loop {
            let event = w.services.events.recv().await.expect("services running");
            if wanted(&event) {
                return event;
            }
        }
    })
    .await;
    found.expect("the event arrives")
}

fn send(id: InteractionId, key: &str, override_block: bool) -> Command {
    Command::SendReply {
        interaction_id: id,
        text: HARMFUL.into(),
        idempotency_key: key.into(),
        override_block,
        opened_at: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_typed_override_goes_out_and_is_recorded_as_harmful() {
    let mut w = world().await;
    let id = top(&w);

    w.services.commands.send(send(id, "plain", false)).unwrap();
    let refused = wait_for(&mut w, |e| matches!(e, Event::ReplyRefused { .. })).await;
    assert!(matches!(refused, Event::ReplyRefused { interaction_id, .. } if interaction_id == id));

    w.services.commands.send(send(id, "typed", true)).unwrap();
    wait_for(&mut w, |e| matches!(e, Event::OutboxChanged)).await;
    let reader = w.store.reader().unwrap();
    let (verdict, overridden, actor): (String, i64, String) = reader
        .query_row(
            "SELECT verdict, overridden, actor FROM outbox WHERE idempotency_key = 'typed'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(
        (verdict.as_str(), overridden, actor.as_str()),
        ("block", 1, "human")
    );
    let audited: i64 = reader
        .query_row(
            "SELECT count(*) FROM audit_log WHERE action = 'guardrail_overridden'
             AND interaction_id = ?1",
            [id.0],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(audited, 1, "the override is in the audit log");
    let refused_rows: i64 = reader
        .query_row(
            "SELECT count(*) FROM outbox WHERE idempotency_key = 'plain'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        refused_rows, 0,
        "the refused reply never reached the outbox"
    );
}

/// An outbox that delivers to the simulator at the moment `at`.
fn outbox_at(w: &World, at: DateTime<Utc>) -> Outbox {
    let feedbacks = build_connectors(&common::account(&w.sim))
        .unwrap()
        .into_iter()
        .find(|c| c.id() == "wb_feedbacks")
        .unwrap();
    let (events, _) = mpsc::unbounded_channel();
    Outbox::new(
        w.store.clone(),
        w.store.writer().unwrap(),
        HashMap::from([((w.account_id, Channel::Review), feedbacks)]),
        events,
        Arc::new(move || at),
    )
}

async fn queue_auto(w: &World, id: InteractionId, key: &str, now: DateTime<Utc>) -> i64 {
    let request = ReplyRequest {
        interaction_id: id,
        text: "Спасибо за отзыв! Рады, что покупка понравилась.".into(),
        idempotency_key: key.into(),
        draft: None,
        override_block: false,
        actor: Actor::Auto,
        undo_until: Some(now + Duration::seconds(60)),
        shadow: false,
    };
    match enqueue_checked(&w.store, &w.services.writer, request, now)
        .await
        .unwrap()
    {
        EnqueueOutcome::Queued { outbox_id, .. } => outbox_id,
        other => panic!("queued expected: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undo_inside_the_window_means_the_marketplace_receives_nothing() {
    let mut w = world().await;
    let reader = w.store.reader().unwrap();
    let ids: Vec<InteractionId> = store::queue_page(&reader, &QueueFilter::default(), 0, 2)
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    let now = Utc::now();
    let undone_id = queue_auto(&w, ids[0], "auto-undone", now).await;
    queue_auto(&w, ids[1], "auto-kept", now).await;
    // Both items stay in the queue, each showing its countdown.
    let rows = store::queue_page(&reader, &QueueFilter::default(), 0, 50).unwrap();
    for id in &ids {
        let row = rows
            .iter()
            .find(|r| r.id == *id)
            .expect("still in the queue");
        let auto = row
            .auto_reply
            .expect("the countdown data comes with the row");
        assert_eq!(
            auto.undo_until.timestamp(),
            (now + Duration::seconds(60)).timestamp()
        );
    }

    w.services
        .commands
        .send(Command::UndoAutoReply {
            interaction_id: ids[0],
            outbox_id: undone_id,
        })
        .unwrap();
    let answer = wait_for(&mut w, |e| matches!(e, Event::AutoReplyUndone { .. })).await;
    assert_eq!(
        answer,
        Event::AutoReplyUndone {
            interaction_id: ids[0],
            undone: true
        }
    );

    // The window ends: the kept one goes out, the undone one never does.
    let steps = outbox_at(&w, now + Duration::seconds(61))
        .process_due()
        .await
        .unwrap();
    assert_eq!(steps.len(), 1, "{steps:?}");
    let answers = w.sim.sim.report().answers;
    assert_eq!(answers.len(), 1, "{answers:?}");
    let item = |id: InteractionId| store::interaction(&reader, id).unwrap().unwrap();
    assert_eq!(
        item(ids[0]).state,
        AnswerState::Open,
        "back to answer by hand"
    );
    assert_ne!(item(ids[1]).state, AnswerState::Open);
    let undone_row = store::queue_page(&reader, &QueueFilter::default(), 0, 50)
        .unwrap()
        .into_iter()
        .find(|r| r.id == ids[0])
        .expect("in the queue");
    assert_eq!(undone_row.auto_reply, None);
    assert_eq!(undone_row.send_error, None, "an undo is not a failure");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_kill_switch_cancels_every_auto_reply_waiting_in_its_window() {
    let mut w = world().await;
    let reader = w.store.reader().unwrap();
    let ids: Vec<InteractionId> = store::queue_page(&reader, &QueueFilter::default(), 0, 3)
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    let now = Utc::now();
    for (n, id) in ids.iter().enumerate() {
        queue_auto(&w, *id, &format!("auto-kill-{n}"), now).await;
    }
    w.services.commands.send(Command::StopAutoReplies).unwrap();
    let answer = wait_for(&mut w, |e| matches!(e, Event::AutoRepliesStopped { .. })).await;
    assert_eq!(
        answer,
        Event::AutoRepliesStopped {
            cancelled: ids.len(),
            error: None
        }
    );
    // Their windows end: nothing goes out.
    let steps = outbox_at(&w, now + Duration::seconds(61))
        .process_due()
        .await
        .unwrap();
    assert!(steps.is_empty(), "{steps:?}");
    assert!(w.sim.sim.report().answers.is_empty());
    let policy: agentiq::prepare::AutoPolicy =
        agentiq::settings::load(&reader, Some(w.account_id)).unwrap();
    assert!(!policy.enabled, "auto-replies are off");
    let logged: i64 = reader
        .query_row(
            "SELECT count(*) FROM audit_log WHERE action = 'autoreply_off'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(logged, 1);
}

/// Polls `check` until it gives a value, for at most 20 s.
async fn eventually<T>(mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = std::time::Instant::now() + StdDuration::from_secs(20);
    loop {
        if let Some(v) = check() {
            return v;
        }
        if std::time::Instant::now() >= deadline {
            panic!("timed out");
        }
        tokio::time::sleep(StdDuration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_time_from_opening_the_editor_to_sending_is_a_versions_metric() {
    // The services' clock stands still: the time from open to send is exact.
    let now = Utc::now();
    let mut w = world_on(Arc::new(move || now)).await;
    let id = top(&w);
    let draft = eventually(|| store::latest_draft(&w.store.reader().unwrap(), id).unwrap()).await;
    w.services
        .commands
        .send(Command::SendReply {
            interaction_id: id,
            text: draft.text.clone(),
            idempotency_key: "timed".into(),
            override_block: false,
            opened_at: Some(now - Duration::seconds(95)),
        })
        .unwrap();
    wait_for(&mut w, |e| matches!(e, Event::OutboxChanged)).await;
    let reader = w.store.reader().unwrap();
    eventually(|| {
        let state: String = reader
            .query_row(
                "SELECT state FROM outbox WHERE idempotency_key = 'timed'",
                [],
                |r| r.get(0),
            )
            .ok()?;
        matches!(state.as_str(), "accepted" | "visible").then_some(())
    })
    .await;
    let query =
        agentiq::analytics::MetricsQuery::new(now - Duration::days(1), now + Duration::days(1));
    let report = agentiq::experiments::metrics::version_report(&reader, &query, None).unwrap();
    let version = report
        .versions
        .iter()
        .find(|v| v.replies > 0)
        .expect("the reply's version");
    assert_eq!(version.open_to_send.replies, 1);
    assert_eq!(version.open_to_send.median_seconds, Some(95.0));
    assert!(
        agentiq::experiments::metrics::render_text(&report)
            .contains("time from open to send:    median 1 min 35 s"),
        "{}",
        agentiq::experiments::metrics::render_text(&report)
    );
}
