//! Shared set-up for integration tests: a simulator on loopback with the WB demo shop.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

use agentiq::connectors::http::{limiter, HttpClient, RetryPolicy};
use agentiq::connectors::wb::WbFeedbacks;
use agentiq::connectors::{AccountConfig, Credentials};
use agentiq::domain::Marketplace;
use agentiq::simulator::{self, DemoShop, SimShop, SimulatorConfig, SimulatorHandle};

pub const TOKEN: &str = "test-token-7f3a";

pub async fn simulator() -> SimulatorHandle {
    let config = SimulatorConfig {
        shops: vec![SimShop {
            shop: DemoShop::wb().expect("demo shop"),
            token: TOKEN.into(),
            client_id: None,
        }],
        seed: 42,
        arrival_every: None,
        ..SimulatorConfig::default()
    };
    simulator::spawn(config, SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .expect("simulator starts")
}

pub fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 3,
        base_backoff: std::time::Duration::from_millis(20),
        max_backoff: std::time::Duration::from_millis(100),
        max_rate_limit_wait: std::time::Duration::from_secs(5),
        timeout: std::time::Duration::from_secs(5),
    }
}

pub fn feedbacks(sim: &SimulatorHandle, token: &str) -> WbFeedbacks {
    let http = HttpClient::new(
        "wb",
        limiter(
            agentiq::connectors::wb::FEEDBACKS_PERIOD,
            agentiq::connectors::wb::FEEDBACKS_BURST,
        ),
        fast_retry(),
    );
    WbFeedbacks::new(http, &sim.base_url(), token)
}

pub fn account(sim: &SimulatorHandle) -> AccountConfig {
    AccountConfig {
        name: DemoShop::wb().expect("demo shop").shop.name,
        marketplace: Marketplace::Wb,
        credentials: Credentials::Wb {
            token: TOKEN.into(),
        },
        base_urls: BTreeMap::from([("feedbacks".to_string(), sim.base_url())]),
        retry: fast_retry(),
    }
}

pub fn clock() -> Arc<dyn Fn() -> chrono::DateTime<chrono::Utc> + Send + Sync> {
    Arc::new(chrono::Utc::now)
}
