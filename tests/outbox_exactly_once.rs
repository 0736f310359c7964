//! Replies go out exactly once when responses get lost on the way back: the request lands,
//! the connection drops, and the client cannot know. The outbox must look before it
//! sends again.

mod common;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use agentiq::connectors::build_connectors;
use agentiq::domain::{Channel, Marketplace};
use agentiq::outbox::{Outbox, Step};
use agentiq::simulator::{self, DemoShop, SimShop, SimulatorConfig};
use agentiq::store::{self, QueueFilter, Store};
use agentiq::sync::sync_pass;
use chrono::{DateTime, Duration, Utc};
use tokio::sync::mpsc;

#[tokio::test]
async fn lost_responses_never_double_an_answer() {
    let config = SimulatorConfig {
        shops: vec![SimShop {
            shop: DemoShop::wb().unwrap(),
            token: common::TOKEN.into(),
            client_id: None,
        }],
        seed: 5,
        faults: "lost=0.35,5xx=0.1".parse().unwrap(),
        ..SimulatorConfig::default()
    };
    let sim = simulator::spawn(config, SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("a.db")).unwrap();
    let writer = store.writer().unwrap();
    let account = common::account(&sim);
    let name = account.name.clone();
    let account_id = writer
        .call(move |c| store::upsert_account(c, &name, Marketplace::Wb))
        .await
        .unwrap();
    let connector = build_connectors(&account)
        .unwrap()
        .into_iter()
        .find(|c| c.id() == "wb_feedbacks")
        .unwrap();

    // A clock the test moves forward, so retries fall due without waiting.
    let offset = Arc::new(AtomicI64::new(0));
    let clock_offset = offset.clone();
    let clock: Arc<dyn Fn() -> DateTime<Utc> + Send + Sync> =
        Arc::new(move || Utc::now() + Duration::seconds(clock_offset.load(Ordering::SeqCst)));

    let mut synced = false;
    for _ in 0..30 {
        if sync_pass(&writer, account_id, connector.as_ref(), &*clock)
            .await
            .is_ok()
        {
            synced = true;
            break;
        }
    }
    assert!(synced, "a sync pass succeeded");

    let reader = store.reader().unwrap();
    let targets = store::queue_page(&reader, &QueueFilter::default(), 0, 12).unwrap();
    for (n, row) in targets.iter().enumerate() {
        let id = row.id;
        let text = format!("Спасибо за отзыв, ответ номер {n}!");
        writer
            .call(move |c| {
                store::enqueue_reply(c, id, &text, &format!("key-{n}"), "human", Utc::now())
            })
            .await
            .unwrap();
    }
    let (events, _) = mpsc::unbounded_channel();
    let outbox = Outbox::new(
        store.clone(),
        writer.clone(),
        HashMap::from([((account_id, Channel::Review), connector.clone())]),
        events,
        clock.clone(),
    );
    let mut confirmed = 0;
    for _ in 0..200 {
        let steps = outbox.process_due().await.unwrap();
        confirmed += steps.iter().filter(|(_, s)| *s == Step::Visible).count();
        assert!(
            !steps.iter().any(|(_, s)| matches!(s, Step::Failed(_))),
            "no reply gives up: {steps:?}"
        );
        if confirmed == targets.len() {
            break;
        }
        offset.fetch_add(120, Ordering::SeqCst);
    }
    assert_eq!(confirmed, targets.len(), "every reply confirmed");
    let report = sim.sim.report();
    assert!(
        report.faults_injected.get("lost").copied().unwrap_or(0) > 0,
        "responses were lost: {:?}",
        report.faults_injected
    );
    let per_item = report.answers_per_item();
    for row in &targets {
        let item = store::interaction(&reader, row.id).unwrap().unwrap();
        assert_eq!(
            per_item.get(&item.external_id),
            Some(&1),
            "exactly one answer for {}",
            item.external_id
        );
    }
    assert_eq!(per_item.len(), targets.len());
}
