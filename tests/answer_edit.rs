//! Editing a published WB feedback answer (`PATCH /api/v1/feedbacks/answer`), through
//! the simulator: an edit is delivered like a reply — exactly once, even when a process
//! dies with the request on the wire and another takes its claim over — confirmed by
//! reading the feedback back, and a second edit is refused. The item stays answered and
//! sync does not reopen it. The CLI path runs the real binary.

mod common;

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use agentiq::connectors::{build_connectors, Connector};
use agentiq::domain::{AnswerState, Channel, InteractionId, Marketplace};
use agentiq::outbox::{target_of, Outbox, Step};
use agentiq::simulator::SimulatorHandle;
use agentiq::store::{self, QueueFilter, Store, Writer};
use agentiq::sync::sync_pass;
use chrono::{DateTime, Duration, Utc};
use serde_json::Value;
use tokio::sync::mpsc;

const EDIT: &str = "PATCH /api/v1/feedbacks/answer";

struct World {
    _dir: tempfile::TempDir,
    sim: SimulatorHandle,
    store: Store,
    writer: Writer,
    account_id: i64,
    feedbacks: Arc<dyn Connector>,
}

impl World {
    async fn new() -> World {
        let sim = common::simulator().await;
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("a.db")).unwrap();
        let writer = store.writer().unwrap();
        let account = common::account(&sim);
        let name = account.name.clone();
        let account_id = writer
            .call(move |c| store::upsert_account(c, &name, Marketplace::Wb))
            .await
            .unwrap();
        let feedbacks: Arc<dyn Connector> = build_connectors(&account)
            .unwrap()
            .into_iter()
            .find(|c| c.id() == "wb_feedbacks")
            .unwrap();
        let world = World {
            _dir: dir,
            sim,
            store,
            writer,
            account_id,
            feedbacks,
        };
        world.sync().await;
        world
    }

    async fn sync(&self) {
        sync_pass(
            &self.writer,
            self.account_id,
            self.feedbacks.as_ref(),
            &*common::clock(),
        )
        .await
        .map_err(|(_, e)| e)
        .expect("a sync pass");
    }

    /// An outbox of process `holder` whose clock runs `ahead` of now.
    fn outbox(&self, holder: &str, ahead: Duration) -> Outbox {
        let (events, _) = mpsc::unbounded_channel();
        let clock: Arc<dyn Fn() -> DateTime<Utc> + Send + Sync> =
            Arc::new(move || Utc::now() + ahead);
        Outbox::new(
            self.store.clone(),
            self.writer.clone(),
            HashMap::from([((self.account_id, Channel::Review), self.feedbacks.clone())]),
            events,
            clock,
        )
        .with_holder(holder.into())
    }

    fn item(&self, id: InteractionId) -> agentiq::domain::Interaction {
        store::interaction(&self.store.reader().unwrap(), id)
            .unwrap()
            .expect("the item exists")
    }

    async fn enqueue_edit(&self, id: InteractionId, text: &str, key: &str) -> anyhow::Result<i64> {
        let (text, key) = (text.to_string(), key.to_string());
        self.writer
            .call(move |c| store::enqueue_edit(c, id, &text, &key, "human", Utc::now()))
            .await
    }

    /// The top open review answered through the outbox and shown with our text.
    async fn answered_review(&self) -> InteractionId {
        let reader = self.store.reader().unwrap();
        let id = store::queue_page(&reader, &QueueFilter::default(), 0, 1).unwrap()[0].id;
        self.writer
            .call(move |c| {
                store::enqueue_reply(c, id, "Спасибо за отзыв!", "reply", "human", Utc::now())
            })
            .await
            .unwrap();
        let steps = self
            .outbox("inbox:1:00000000@test", Duration::zero())
            .process_due()
            .await
            .unwrap();
        assert_eq!(steps, vec![(steps[0].0, Step::Visible)]);
        let item = self.item(id);
        assert_eq!(item.state, AnswerState::Answered);
        assert!(
            item.answer.as_ref().is_some_and(|a| a.editable),
            "WB says the fresh answer can be edited: {:?}",
            item.answer
        );
        id
    }

    fn edits_sent(&self) -> u64 {
        self.sim
            .sim
            .report()
            .requests
            .get(EDIT)
            .copied()
            .unwrap_or(0)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_goes_out_once_shows_on_the_feedback_and_a_second_is_refused() {
    let w = World::new().await;
    let id = w.answered_review().await;
    let new_text = "Спасибо за отзыв! Партию заменили — напишите, если что-то не так.";
    w.enqueue_edit(id, new_text, "edit-1").await.unwrap();
    assert_eq!(
        w.item(id).state,
        AnswerState::Answered,
        "an edit keeps it answered"
    );

    let steps = w
        .outbox("inbox:1:00000000@test", Duration::zero())
        .process_due()
        .await
        .unwrap();
    assert!(
        matches!(steps.as_slice(), [(_, Step::Visible)]),
        "{steps:?}"
    );
    assert_eq!(w.edits_sent(), 1);
    let edits = w.sim.sim.report().edits;
    assert_eq!(edits.len(), 1);
    assert_eq!(edits[0].text, new_text);
    let item = w.item(id);
    let answer = item.answer.clone().unwrap();
    assert_eq!((answer.text.as_str(), answer.editable), (new_text, false));

    // Sync reads the edited answer: the item stays answered, the answer ours and spent.
    w.sync().await;
    let after = w.item(id);
    assert_eq!(after.state, AnswerState::Answered);
    assert_eq!(
        after.answer.as_ref().map(|a| a.text.as_str()),
        Some(new_text)
    );
    assert!(!after.answer.as_ref().unwrap().editable);
    let current = w
        .feedbacks
        .current_answer(&target_of(&after))
        .await
        .unwrap();
    assert_eq!(current.as_deref(), Some(new_text));

    // A second edit is refused before anything is sent.
    let second = w.enqueue_edit(id, "Третий вариант ответа", "edit-2").await;
    let why = format!("{:#}", second.expect_err("a second edit is refused"));
    assert!(why.contains("one edit"), "{why}");
    assert!(w
        .outbox("inbox:1:00000000@test", Duration::zero())
        .process_due()
        .await
        .unwrap()
        .is_empty());
    assert_eq!(w.edits_sent(), 1, "nothing more went to WB");
}

/// The guardrails judge an edit against the seller's other answers, not against the very
/// answer it rewrites (which it resembles by design).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_is_not_a_near_duplicate_of_the_answer_it_rewrites() {
    let w = World::new().await;
    let id = w.answered_review().await;
    let inputs = agentiq::prepare::DraftInputs::load(&w.store.reader().unwrap(), id)
        .unwrap()
        .expect("the item exists");
    let verdict = inputs.check("Спасибо за отзыв.");
    assert!(
        !verdict
            .findings
            .iter()
            .any(|f| f.rule == agentiq::ai::guardrails::Rule::NearDuplicate),
        "{verdict:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_taken_over_after_its_request_landed_is_not_sent_again() {
    let w = World::new().await;
    let id = w.answered_review().await;
    let new_text = "Исправленный ответ: спасибо, что написали!";
    let outbox_id = w.enqueue_edit(id, new_text, "edit-1").await.unwrap();
    // A process claims the edit, marks it sending, its PATCH lands — and it dies.
    common::sending_by_a_killed_process(&w.writer, outbox_id).await;
    w.feedbacks
        .edit_answer(&target_of(&w.item(id)), new_text)
        .await
        .unwrap();
    assert_eq!(w.edits_sent(), 1);

    // Another process, past the dead one's claim, reads the feedback back first.
    let steps = w
        .outbox("daemon:2:00000000@test", Duration::minutes(2))
        .process_due()
        .await
        .unwrap();
    assert_eq!(steps, vec![(outbox_id, Step::Visible)]);
    assert_eq!(w.edits_sent(), 1, "the edit was not sent a second time");
    assert_eq!(w.sim.sim.report().edits.len(), 1);
    assert_eq!(w.item(id).state, AnswerState::Answered);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_taken_over_before_its_request_left_is_sent_once() {
    let w = World::new().await;
    let id = w.answered_review().await;
    let new_text = "Исправленный ответ: замену уже отправили.";
    let outbox_id = w.enqueue_edit(id, new_text, "edit-1").await.unwrap();
    common::sending_by_a_killed_process(&w.writer, outbox_id).await;

    let steps = w
        .outbox("daemon:2:00000000@test", Duration::minutes(2))
        .process_due()
        .await
        .unwrap();
    assert_eq!(steps, vec![(outbox_id, Step::Visible)]);
    assert_eq!(w.edits_sent(), 1);
    let item = w.item(id);
    assert_eq!(item.answer.map(|a| a.text), Some(new_text.to_string()));
}

// ─────────────────────────── the CLI, as a process ───────────────────────────

fn agentiq(dir: &Path, args: &[&str]) -> (i32, String, String) {
    common::run_agentiq(dir, args)
}

fn first_id(dir: &Path, args: &[&str]) -> String {
    let (code, out, err) = agentiq(dir, args);
    assert_eq!(code, 0, "{args:?}: {err}");
    let row: Value = serde_json::from_str(out.lines().next().expect("a row")).unwrap();
    row["id"].to_string()
}

#[test]
fn reply_edit_through_the_binary() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let sim = common::process_simulator(&runtime, "edit", 7, 0);
    let dir = sim.dir.path();
    let config = sim.config.to_str().unwrap();
    let sync = || {
        let (code, _, err) = agentiq(dir, &["sync", "--once", "--config", config]);
        assert_eq!(code, 0, "sync --once: {err}");
    };
    sync();
    let list = [
        "list",
        "--json",
        "--marketplace",
        "wb",
        "--channel",
        "review",
        "--limit",
        "1",
    ];
    let id = first_id(dir, &list);

    // Nothing to edit yet.
    let (code, _, err) = agentiq(dir, &["reply", &id, "--edit", "Новый текст ответа"]);
    assert_eq!(code, 65, "{err}");
    assert!(err.contains("no answer yet"), "{err}");

    let (code, _, err) = agentiq(dir, &["reply", &id, "Спасибо за отзыв, нам очень приятно!"]);
    assert_eq!(code, 0, "{err}");
    sync();

    let edited = "Спасибо за отзыв! Рады, что плед подошёл.";
    let (code, out, err) = agentiq(dir, &["reply", "--json", &id, "--edit", edited]);
    assert_eq!(code, 0, "{err}");
    let queued: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(
        (queued["edit"].as_bool(), queued["queued"].as_bool()),
        (Some(true), Some(true))
    );
    sync();
    let report = sim.sim.sim.report();
    assert_eq!(report.edits.len(), 1, "{:?}", report.edits);
    assert_eq!(report.edits[0].text, edited);
    assert_eq!(report.requests.get(EDIT), Some(&1));

    let (code, out, err) = agentiq(dir, &["show", "--json", &id]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains(edited),
        "show carries the edited answer: {out}"
    );

    // The one edit is spent.
    let (code, _, err) = agentiq(dir, &["reply", &id, "--edit", "Ещё одна правка ответа"]);
    assert_eq!(code, 65, "{err}");
    assert!(err.contains("once"), "{err}");

    // An Ozon review: no edit method at all.
    let ozon = first_id(
        dir,
        &[
            "list",
            "--json",
            "--marketplace",
            "ozon",
            "--limit",
            "1",
            "--state",
            "all",
        ],
    );
    let (code, _, err) = agentiq(dir, &["reply", &ozon, "--edit", "Новый текст ответа"]);
    assert_eq!(code, 65, "{err}");
    assert!(err.contains("Ozon"), "{err}");
    // Refused edits never reach the outbox: nothing is left for a sync to send.
    let (code, out, err) = agentiq(dir, &["show", "--json", &ozon]);
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains("Новый текст ответа"), "{out}");
}
