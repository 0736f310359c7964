//! Request economy of a first sync, counted by the simulator (`/_sim/state`): Ozon costs
//! at most 1.2 x (review pages + reviews with comments), WB at most 1.2 x the pages its
//! `take` limit needs. Printed figures are quoted in docs/performance.md.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use agentiq::connectors::http::{limiter, HttpClient};
use agentiq::connectors::ozon::{OzonApi, OzonReviews};
use agentiq::connectors::wb::WbFeedbacks;
use agentiq::connectors::Connector;
use agentiq::simulator::{self, DemoShop, SimShop, SimulatorConfig, SimulatorHandle};

/// Synthetic items on top of each demo shop (reviews are most of them).
const SCALE: usize = 3000;

async fn simulator(shop: DemoShop, token: &str, client_id: Option<&str>) -> SimulatorHandle {
    let config = SimulatorConfig {
        shops: vec![SimShop {
            shop,
            token: token.into(),
            client_id: client_id.map(str::to_string),
        }],
        seed: 7,
        scale: SCALE,
        // Limits are not what is measured here: requests are.
        unlimited: true,
        ..SimulatorConfig::default()
    };
    simulator::spawn(config, SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .expect("simulator starts")
}

fn unpaced() -> agentiq::connectors::http::SharedLimiter {
    limiter(Duration::from_micros(1), 1000)
}

async fn first_sync(connector: &dyn Connector) -> usize {
    let mut cursor: Option<String> = None;
    let mut items = 0;
    loop {
        let pull = connector.pull(cursor.as_deref()).await.expect("pull");
        items += pull.items.len();
        cursor = Some(pull.cursor);
        if !pull.more {
            return items;
        }
    }
}

#[tokio::test]
async fn an_ozon_first_sync_costs_pages_plus_reviews_with_comments() {
    let sim = simulator(
        DemoShop::ozon().unwrap(),
        common::OZON_API_KEY,
        Some(common::OZON_CLIENT_ID),
    )
    .await;
    let (reviews, with_comments) = {
        let state = sim.sim.lock();
        let reviews = &state.accounts[0].reviews;
        (
            reviews.len(),
            reviews.iter().filter(|r| r.answer.is_some()).count(),
        )
    };
    let api = OzonApi::new(
        &sim.base_url(),
        common::OZON_CLIENT_ID,
        common::OZON_API_KEY,
        unpaced(),
        common::fast_retry(),
    );
    let connector = OzonReviews::new(api);
    let (total, count_requests) = connector.total().await.unwrap().expect("a count method");
    assert_eq!(
        total as usize, reviews,
        "/v1/review/count gives the progress total"
    );
    assert_eq!(count_requests, 1);
    let items = first_sync(&connector).await;
    assert_eq!(items, reviews);
    let report = sim.sim.report();
    let requests: u64 = report.requests.values().sum::<u64>() - u64::from(count_requests);
    let pages = reviews.div_ceil(100);
    let floor = (pages + with_comments) as f64;
    println!(
        "ozon first sync: {reviews} reviews ({with_comments} with comments): {requests} requests \
         for {pages} pages + {with_comments} comment reads = {floor} ({:.2}x)",
        requests as f64 / floor
    );
    assert!(
        requests as f64 <= 1.2 * floor,
        "{requests} requests, floor {floor}: {:?}",
        report.requests
    );
}

#[tokio::test]
async fn a_wb_first_sync_costs_the_pages_take_needs() {
    let sim = simulator(DemoShop::wb().unwrap(), common::TOKEN, None).await;
    let now = chrono::Utc::now();
    let (unanswered, answered, archived) = {
        let state = sim.sim.lock();
        let reviews = &state.accounts[0].reviews;
        let archived = |r: &&agentiq::simulator::state::SimReview| {
            now - r.created_at > chrono::Duration::days(30)
                || (r.text.trim().is_empty() && r.photos == 0)
        };
        let live: Vec<_> = reviews.iter().filter(|r| !archived(r)).collect();
        (
            live.iter().filter(|r| r.answer.is_none()).count(),
            live.iter().filter(|r| r.answer.is_some()).count(),
            reviews.iter().filter(archived).count(),
        )
    };
    let http = HttpClient::new("wb", unpaced(), common::fast_retry());
    let connector = WbFeedbacks::new(http, &sim.base_url(), common::TOKEN);
    let (total, count_requests) = connector.total().await.unwrap().expect("a count method");
    assert_eq!(
        total as usize,
        unanswered + answered,
        "/api/v1/feedbacks/count: both lists (the archive has no count method)"
    );
    let items = first_sync(&connector).await;
    assert_eq!(items, unanswered + answered + archived);
    let take = agentiq::connectors::wb::FEEDBACKS_PAGE_SIZE as usize;
    // A list read to its end costs one page more when its length is a multiple of take.
    let pages = |n: usize| n / take + 1;
    let floor = (pages(unanswered) + pages(answered) + pages(archived)) as f64;
    let requests: u64 = sim.sim.report().requests.values().sum::<u64>() - u64::from(count_requests);
    println!(
        "wb first sync: {} feedbacks ({unanswered} unanswered, {answered} answered, \
         {archived} archived): {requests} requests for {floor} pages of {take} ({:.2}x)",
        unanswered + answered + archived,
        requests as f64 / floor
    );
    assert!(
        requests as f64 <= 1.2 * floor,
        "{requests} requests, floor {floor}"
    );
}
