//! Sync against a simulator that injects faults converges to every item.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use agentiq::connectors::http::{limiter, HttpClient};
use agentiq::connectors::wb::{WbFeedbacks, FEEDBACKS_BURST, FEEDBACKS_PERIOD};
use agentiq::simulator::{self, DemoShop, SimShop, SimulatorConfig};
use agentiq::store::{self, Store};
use agentiq::sync::sync_pass;

#[tokio::test]
async fn sync_converges_under_twenty_percent_mixed_faults() {
    let config = SimulatorConfig {
        shops: vec![SimShop {
            shop: DemoShop::wb().unwrap(),
            token: common::TOKEN.into(),
            client_id: None,
        }],
        seed: 11,
        faults: "mixed=0.2,slow_ms=400,storm=2".parse().unwrap(),
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
        .call(move |c| store::upsert_account(c, &name, agentiq::domain::Marketplace::Wb))
        .await
        .unwrap();
    // Small pages make many requests, so the faults have something to hit.
    let mut retry = common::fast_retry();
    retry.timeout = Duration::from_millis(250);
    retry.max_attempts = 2;
    let http = HttpClient::new("wb", limiter(FEEDBACKS_PERIOD, FEEDBACKS_BURST), retry);
    let connector = WbFeedbacks::new(http, &sim.base_url(), common::TOKEN).with_page_size(10);
    let clock = common::clock();
    let expected = DemoShop::wb().unwrap().reviews.len();
    let mut passes = 0;
    let mut failures = 0;
    loop {
        passes += 1;
        if sync_pass(&writer, account_id, &connector, &*clock)
            .await
            .is_err()
        {
            failures += 1;
        }
        let reader = store.reader().unwrap();
        let n: i64 = reader
            .query_row("SELECT count(*) FROM interactions", [], |r| r.get(0))
            .unwrap();
        if n as usize == expected && failures < passes {
            break;
        }
        assert!(
            passes < 60,
            "did not converge: {n}/{expected} after {passes} passes"
        );
    }
    let report = sim.sim.report();
    let injected: u64 = report.faults_injected.values().sum();
    assert!(
        injected > 0,
        "faults were injected: {:?}",
        report.faults_injected
    );
    // What the store recorded matches what happened.
    let reader = store.reader().unwrap();
    let (runs, ok): (i64, i64) = reader
        .query_row(
            "SELECT count(*), coalesce(sum(ok), 0) FROM sync_runs",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(runs, passes);
    assert_eq!(runs - ok, failures);
    let integrity: String = reader
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(integrity, "ok");
}
