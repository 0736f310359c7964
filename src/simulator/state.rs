//! The simulator's world: accounts with their items, what clients did to them, and the
//! counters tests read back through `/_sim/state`.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use super::demo_data::{DemoProduct, DemoReview, DemoShop};
use crate::domain::Marketplace;

/// One seller account on the simulated marketplace.
#[derive(Debug, Clone)]
pub struct SimAccount {
    pub name: String,
    pub marketplace: Marketplace,
    /// WB `Authorization` token; for Ozon, the `Api-Key`.
    pub token: String,
    /// Ozon `Client-Id`.
    pub client_id: Option<String>,
    pub products: Vec<DemoProduct>,
    pub reviews: Vec<SimReview>,
    /// Reviews that arrive over time, taken in order and then reused with fresh ids.
    pub incoming_reviews: Vec<DemoReview>,
    pub next_incoming_review: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SimReview {
    pub id: String,
    pub product_id: i64,
    pub author: Option<String>,
    pub rating: u8,
    pub text: String,
    pub pros: Option<String>,
    pub cons: Option<String>,
    pub photos: u32,
    pub created_at: DateTime<Utc>,
    pub answer: Option<SimAnswer>,
    pub viewed: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SimAnswer {
    pub text: String,
    /// WB moderation state: `wbRu`, `reviewRequired`, `rejected`.
    pub state: String,
    pub editable: bool,
    pub at: DateTime<Utc>,
}

/// One answer the simulator received: the evidence for exactly-once tests.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AnswerRecord {
    pub account: String,
    pub channel: &'static str,
    pub item_id: String,
    pub text: String,
    pub at: DateTime<Utc>,
    /// Whether the id named an existing item (WB accepts unknown ids silently).
    pub known_item: bool,
}

#[derive(Debug)]
pub struct SimState {
    pub accounts: Vec<SimAccount>,
    /// Requests per endpoint, including rejected ones.
    pub requests: BTreeMap<String, u64>,
    /// Requests answered 429 because they exceeded the published limits.
    pub over_limit: u64,
    pub answers: Vec<AnswerRecord>,
    pub rng: ChaCha8Rng,
}

impl SimState {
    pub fn new(seed: u64) -> SimState {
        SimState {
            accounts: Vec::new(),
            requests: BTreeMap::new(),
            over_limit: 0,
            answers: Vec::new(),
            rng: ChaCha8Rng::seed_from_u64(seed),
        }
    }

    /// Adds a demo shop as an account; item times are relative to `now`.
    pub fn add_shop(&mut self, shop: &DemoShop, token: &str, now: DateTime<Utc>) -> usize {
        let mut reviews = Vec::with_capacity(shop.reviews.len());
        for r in &shop.reviews {
            let id = self.new_wb_id();
            reviews.push(SimReview {
                id,
                product_id: r.product,
                author: r.author.clone(),
                rating: r.rating,
                text: r.text.clone(),
                pros: r.pros.clone(),
                cons: r.cons.clone(),
                photos: r.photos,
                created_at: now - Duration::minutes(r.age_minutes.max(0)),
                answer: r.answer.as_ref().map(|text| SimAnswer {
                    text: text.clone(),
                    state: "wbRu".into(),
                    editable: false,
                    at: now - Duration::minutes(r.age_minutes.max(0) / 2),
                }),
                viewed: r.answer.is_some(),
            });
        }
        self.accounts.push(SimAccount {
            name: shop.shop.name.clone(),
            marketplace: shop.shop.marketplace,
            token: token.to_string(),
            client_id: None,
            products: shop.products.clone(),
            reviews,
            incoming_reviews: shop.incoming_reviews.clone(),
            next_incoming_review: 0,
        });
        self.accounts.len() - 1
    }

    /// A 20-character id in WB's style, deterministic for the seed.
    pub fn new_wb_id(&mut self) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        (0..20)
            .map(|_| ALPHABET[self.rng.random_range(0..ALPHABET.len())] as char)
            .collect()
    }

    /// The account a WB `Authorization` header belongs to.
    pub fn wb_account_by_token(&self, header: &str) -> Option<usize> {
        let token = header.strip_prefix("Bearer ").unwrap_or(header).trim();
        if token.is_empty() {
            return None;
        }
        self.accounts
            .iter()
            .position(|a| a.marketplace == Marketplace::Wb && a.token == token)
    }

    pub fn count_request(&mut self, endpoint: &str) {
        *self.requests.entry(endpoint.to_string()).or_default() += 1;
    }

    /// A new review arrives on every WB account. Now and then one is back-dated so it is
    /// already close to its deadline, as happens when a marketplace delivers late.
    pub fn arrive_reviews(&mut self, now: DateTime<Utc>) -> usize {
        let mut arrived = 0;
        for i in 0..self.accounts.len() {
            if self.accounts[i].incoming_reviews.is_empty() {
                continue;
            }
            let account = &self.accounts[i];
            let template =
                account.incoming_reviews[account.next_incoming_review % account.incoming_reviews.len()]
                    .clone();
            let late = template.rating <= 2 && self.rng.random_bool(0.3);
            let created_at = if late {
                now - Duration::minutes(self.rng.random_range(35..55))
            } else {
                now
            };
            let id = self.new_wb_id();
            let account = &mut self.accounts[i];
            account.next_incoming_review += 1;
            account.reviews.push(SimReview {
                id,
                product_id: template.product,
                author: template.author,
                rating: template.rating,
                text: template.text,
                pros: template.pros,
                cons: template.cons,
                photos: template.photos,
                created_at,
                answer: None,
                viewed: false,
            });
            arrived += 1;
        }
        arrived
    }
}
