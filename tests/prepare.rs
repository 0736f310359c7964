//! Background preparation: every synced item is classified (and its SLA follows the
//! intent), and the top of the queue has a draft ready before anyone opens it.

mod common;

use agentiq::connectors::build_connectors;
use agentiq::domain::Marketplace;
use agentiq::simulator::SimulatorHandle;
use agentiq::store::{self, QueueFilter, Store, Writer};
use agentiq::sync::sync_pass;
use chrono::Utc;

/// A store holding the simulator's WB shop after one sync pass of each connector.
async fn synced_wb_shop() -> (SimulatorHandle, tempfile::TempDir, Store, Writer) {
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
    let clock = common::clock();
    for connector in build_connectors(&account).unwrap() {
        sync_pass(&writer, account_id, connector.as_ref(), &*clock)
            .await
            .map_err(|(_, e)| e)
            .unwrap();
    }
    (sim, dir, store, writer)
}

#[tokio::test]
async fn synced_items_are_classified_and_the_queue_top_gets_drafts() {
    let (_sim, _dir, store, writer) = synced_wb_shop().await;
    let now = Utc::now();
    let mut total = 0;
    loop {
        let n = agentiq::prepare::classify_pending(&store, &writer, now)
            .await
            .unwrap();
        if n == 0 {
            break;
        }
        total += n;
    }
    let reader = store.reader().unwrap();
    let all: i64 = reader
        .query_row("SELECT count(*) FROM interactions", [], |r| r.get(0))
        .unwrap();
    assert_eq!(total as i64, all, "every item classified once");
    let unclassified: i64 = reader
        .query_row(
            "SELECT count(*) FROM interactions WHERE intent IS NULL OR classified_at IS NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(unclassified, 0);
    // A review about a defect is critical: 30 minutes from the customer's message.
    let (tier, span): (String, i64) = reader
        .query_row(
            "SELECT tier, due_at - waiting_since FROM interactions
             WHERE intent = 'defect_not_working' AND channel = 'review' LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((tier.as_str(), span), ("critical", 30 * 60));

    let drafted = agentiq::prepare::prepare_drafts(&store, &writer, now, 20)
        .await
        .unwrap();
    assert_eq!(drafted, 20);
    let top = store::queue_page(&reader, &QueueFilter::default(), 0, 20).unwrap();
    for row in &top {
        let draft = store::latest_draft(&reader, row.id)
            .unwrap()
            .expect("a draft is ready");
        assert_ne!(draft.verdict.as_deref(), Some("block"), "{}", draft.text);
        assert!(!draft.text.contains('{'), "no placeholder: {}", draft.text);
    }
    // Nothing more to do until something changes.
    assert_eq!(
        agentiq::prepare::prepare_drafts(&store, &writer, now, 20)
            .await
            .unwrap(),
        0
    );
    let audited: i64 = reader
        .query_row(
            "SELECT count(*) FROM audit_log WHERE action = 'draft_created'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(audited, 20, "every draft is in the audit log");
}

/// Each draft is in the store the moment it is announced, the top of the queue first:
/// the first items are ready without waiting for the rest of the batch.
#[tokio::test]
async fn each_draft_is_stored_as_soon_as_it_is_made_top_of_the_queue_first() {
    let (_sim, _dir, store, writer) = synced_wb_shop().await;
    let now = Utc::now();
    while agentiq::prepare::classify_pending(&store, &writer, now)
        .await
        .unwrap()
        > 0
    {}
    let reader = store.reader().unwrap();
    let wanted = store::items_needing_drafts(&reader, 5).unwrap();
    let top: Vec<_> = store::queue_page(&reader, &QueueFilter::default(), 0, 5)
        .unwrap()
        .iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(
        wanted, top,
        "the top of the queue is drafted first, in order"
    );
    let mut announced = Vec::new();
    let written = agentiq::prepare::draft_each(
        &store,
        &writer,
        wanted.clone(),
        now,
        &agentiq::ai::llm::Provider::Offline,
        |id| {
            let stored = store::latest_draft(&reader, id).unwrap();
            assert!(
                stored.is_some(),
                "draft of {id:?} stored before it is announced"
            );
            // Those after it are not drafted yet.
            announced.push(id);
            for later in &wanted[announced.len()..] {
                assert!(store::latest_draft(&reader, *later).unwrap().is_none());
            }
        },
    )
    .await
    .unwrap();
    assert_eq!(written, 5);
    assert_eq!(announced, wanted);
}

/// Drafting through a dead LLM endpoint opens the circuit, and the store says so for
/// every other process (an inbox beside the daemon that drafts).
#[tokio::test]
async fn a_dead_llm_is_recorded_in_the_store_for_other_processes() {
    use agentiq::ai::llm::{LlmConfig, LlmProvider, Provider};
    let (_sim, _dir, store, writer) = synced_wb_shop().await;
    // A port nobody listens on: every request is refused at once.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/v1", dead.local_addr().unwrap());
    drop(dead);
    let mut config = LlmConfig::new(&url, "mock-model");
    config.max_retries = 0;
    config.timeout = std::time::Duration::from_secs(2);
    let provider = Provider::Llm(LlmProvider::new(config).unwrap());
    assert_eq!(
        store::llm_unavailable(&store.reader().unwrap()).unwrap(),
        None
    );
    let n = agentiq::prepare::prepare_drafts_with(&store, &writer, Utc::now(), 5, &provider)
        .await
        .unwrap();
    assert!(n >= 3, "offline drafts written meanwhile: {n}");
    let why = store::llm_unavailable(&store.reader().unwrap())
        .unwrap()
        .expect("the store says the LLM is down");
    assert!(!why.is_empty());
}
