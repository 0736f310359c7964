//! A page that keeps failing ends the pass of its connector only: the other connectors of
//! the account and the other accounts go on, the run is recorded with the requests it
//! made and why it stopped, and the next pass resumes from the last committed cursor.

mod common;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use agentiq::connectors::ozon::OzonReviews;
use agentiq::connectors::{build_connectors, Connector, ConnectorError, Pull, ReplyTarget};
use agentiq::domain::{Channel, Marketplace, NewInteraction};
use agentiq::protocol::Event;
use agentiq::simulator::SimulatorConfig;
use agentiq::store::{self, Store};
use agentiq::sync::{run, AccountSync};
use async_trait::async_trait;
use tokio::sync::{mpsc, Notify};

/// Ozon reviews whose pages after the first `good_pages` come from a simulator that
/// answers every request 500, until healed: a page that keeps failing, over real HTTP.
struct BreaksMidSweep {
    good: OzonReviews,
    broken: OzonReviews,
    good_pages: usize,
    pulls: AtomicUsize,
    healed: AtomicBool,
    cursors: Mutex<Vec<Option<String>>>,
}

#[async_trait]
impl Connector for BreaksMidSweep {
    fn id(&self) -> &'static str {
        self.good.id()
    }
    fn marketplace(&self) -> Marketplace {
        self.good.marketplace()
    }
    fn channel(&self) -> Channel {
        self.good.channel()
    }
    async fn pull(&self, cursor: Option<&str>) -> Result<Pull, ConnectorError> {
        self.cursors
            .lock()
            .unwrap()
            .push(cursor.map(str::to_string));
        let n = self.pulls.fetch_add(1, Ordering::SeqCst);
        if n >= self.good_pages && !self.healed.load(Ordering::SeqCst) {
            self.broken.pull(cursor).await
        } else {
            self.good.pull(cursor).await
        }
    }
    async fn send_answer(&self, target: &ReplyTarget, text: &str) -> Result<(), ConnectorError> {
        self.good.send_answer(target, text).await
    }
    async fn current_answer(&self, target: &ReplyTarget) -> Result<Option<String>, ConnectorError> {
        self.good.current_answer(target).await
    }
    async fn fetch_item(&self, id: &str) -> Result<Option<NewInteraction>, ConnectorError> {
        self.good.fetch_item(id).await
    }
}

fn count(store: &Store, account_id: i64, channel: &str) -> i64 {
    store
        .reader()
        .unwrap()
        .query_row(
            "SELECT count(*) FROM interactions WHERE account_id = ?1 AND channel = ?2",
            rusqlite::params![account_id, channel],
            |r| r.get(0),
        )
        .unwrap()
}

/// Waits for `SyncFinished` of each of `connectors` (by account and id); with
/// `sync_now`, asks for a pass now and then, so an account already asleep wakes up.
async fn finished(
    events: &mut mpsc::UnboundedReceiver<Event>,
    sync_now: Option<&Notify>,
    mut waiting: Vec<(String, &'static str)>,
) -> Vec<(String, String, bool, Option<String>)> {
    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while !waiting.is_empty() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "still waiting for {waiting:?}"
        );
        match tokio::time::timeout(Duration::from_millis(100), events.recv()).await {
            Ok(Some(Event::SyncFinished {
                account,
                connector,
                ok,
                error,
                ..
            })) => {
                if let Some(at) = waiting
                    .iter()
                    .position(|(a, c)| *a == account && *c == connector)
                {
                    waiting.remove(at);
                    seen.push((account, connector, ok, error));
                }
            }
            Ok(Some(_)) => {}
            Ok(None) => panic!("the sync engine stopped"),
            Err(_) => {
                if let Some(sync_now) = sync_now {
                    sync_now.notify_one();
                }
            }
        }
    }
    seen
}

#[tokio::test]
async fn a_failing_page_stops_only_its_connector_and_the_next_pass_resumes_from_the_cursor() {
    let wb_sim = common::simulator().await;
    let ozon_sim = common::ozon_simulator().await;
    let broken_sim = common::ozon_simulator_with(SimulatorConfig {
        faults: "5xx=1".parse().unwrap(),
        ..SimulatorConfig::default()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("agentiq.db")).unwrap();
    let writer = store.writer().unwrap();

    let wb = common::account(&wb_sim);
    let ozon = common::ozon_account(&ozon_sim);
    let mut ids = Vec::new();
    for account in [&wb, &ozon] {
        let (name, marketplace) = (account.name.clone(), account.marketplace);
        ids.push(
            writer
                .call(move |c| store::upsert_account(c, &name, marketplace))
                .await
                .unwrap(),
        );
    }
    let (wb_id, ozon_id) = (ids[0], ids[1]);
    // WB chats pace themselves at one request a second: left out to keep this short.
    let wb_connectors: Vec<Arc<dyn Connector>> = build_connectors(&wb)
        .unwrap()
        .into_iter()
        .filter(|c| c.id() != "wb_chats")
        .collect();
    let reviews = Arc::new(BreaksMidSweep {
        good: OzonReviews::new(common::ozon_api(
            &ozon_sim,
            common::OZON_CLIENT_ID,
            common::OZON_API_KEY,
        ))
        .with_page_size(20),
        broken: OzonReviews::new(common::ozon_api(
            &broken_sim,
            common::OZON_CLIENT_ID,
            common::OZON_API_KEY,
        ))
        .with_page_size(20),
        good_pages: 2,
        pulls: AtomicUsize::new(0),
        healed: AtomicBool::new(false),
        cursors: Mutex::new(Vec::new()),
    });
    let mut ozon_connectors: Vec<Arc<dyn Connector>> = vec![reviews.clone()];
    ozon_connectors.extend(
        build_connectors(&ozon)
            .unwrap()
            .into_iter()
            .filter(|c| c.id() != "ozon_reviews"),
    );
    let accounts = vec![
        AccountSync {
            account_id: wb_id,
            name: wb.name.clone(),
            connectors: wb_connectors,
            catalog: None,
        },
        AccountSync {
            account_id: ozon_id,
            name: ozon.name.clone(),
            connectors: ozon_connectors,
            catalog: None,
        },
    ];
    let (events_tx, mut events) = mpsc::unbounded_channel();
    let sync_now = Arc::new(Notify::new());
    let engine = tokio::spawn(run(
        writer.clone(),
        store::holder_id_for(store::ProcessKind::Daemon),
        accounts,
        Duration::from_secs(3600),
        sync_now.clone(),
        events_tx,
        common::clock(),
    ));

    // First pass: Ozon reviews fail on their third page; everything else goes on.
    let first = finished(
        &mut events,
        None,
        vec![
            (wb.name.clone(), "wb_feedbacks"),
            (wb.name.clone(), "wb_questions"),
            (ozon.name.clone(), "ozon_reviews"),
            (ozon.name.clone(), "ozon_questions"),
            (ozon.name.clone(), "ozon_chats"),
        ],
    )
    .await;
    for (account, connector, ok, error) in &first {
        assert_eq!(
            *ok,
            connector != "ozon_reviews",
            "{account} {connector}: {error:?}"
        );
    }
    let report = ozon_sim.sim.report();
    let shop = |name: &str| report.accounts.iter().find(|a| a.name == name).unwrap();
    let ozon_shop = shop(&ozon.name);
    assert_eq!(
        count(&store, ozon_id, "review"),
        40,
        "the two good pages are kept"
    );
    assert_eq!(
        count(&store, ozon_id, "question") as usize,
        ozon_shop.questions
    );
    assert_eq!(count(&store, ozon_id, "chat") as usize, ozon_shop.chats);
    let wb_report = wb_sim.sim.report();
    assert_eq!(
        count(&store, wb_id, "review") as usize,
        wb_report.accounts[0].reviews
    );

    // The failed run says what it did and why it stopped.
    let (requests, pages, error): (i64, i64, String) = store
        .reader()
        .unwrap()
        .query_row(
            "SELECT requests, pages, error FROM sync_runs
             WHERE account_id = ?1 AND connector = 'ozon_reviews' AND ok = 0",
            [ozon_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(pages, 2);
    let failed_requests = broken_sim.sim.report().faults_injected["5xx"] as i64;
    assert_eq!(failed_requests, 3, "the failing page was tried three times");
    assert!(
        requests >= 2 + failed_requests,
        "the failed requests count too: {requests}"
    );
    assert!(error.contains("HTTP 500"), "{error}");
    assert!(error.contains("stopped at page 3"), "{error}");
    assert!(
        error.contains("resumes from the last committed cursor"),
        "{error}"
    );

    // Second pass: healed, it starts from the cursor committed after page two.
    reviews.healed.store(true, Ordering::SeqCst);
    let pulls_before = reviews.cursors.lock().unwrap().len();
    let second = finished(
        &mut events,
        Some(&sync_now),
        vec![(ozon.name.clone(), "ozon_reviews")],
    )
    .await;
    assert!(second[0].2, "{:?}", second[0].3);
    let cursors = reviews.cursors.lock().unwrap().clone();
    let failed_at = &cursors[2];
    assert!(failed_at.is_some());
    assert_eq!(
        &cursors[pulls_before], failed_at,
        "the next pass resumes where the failed one stopped"
    );
    assert!(
        !cursors[pulls_before..].contains(&None),
        "never from the start: {cursors:?}"
    );
    assert_eq!(
        count(&store, ozon_id, "review") as usize,
        ozon_shop.reviews,
        "every review, once"
    );

    drop(events);
    sync_now.notify_waiters();
    sync_now.notify_one();
    engine.abort();
}
