//! The simulator's world: accounts with their items, what clients did to them, and the
//! counters tests read back through `/_sim/state`.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use super::demo_data::{DemoChatMessage, DemoProduct, DemoQuestion, DemoReview, DemoShop};
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
    pub questions: Vec<SimQuestion>,
    pub chats: Vec<SimChat>,
    /// Items that arrive over time, taken in order and then reused with fresh ids.
    pub incoming_reviews: Vec<DemoReview>,
    pub incoming_questions: Vec<DemoQuestion>,
    pub incoming_chat_messages: Vec<DemoChatMessage>,
    pub next_incoming_review: usize,
    pub next_incoming_question: usize,
    pub next_incoming_chat_message: usize,
    /// Which kind of item arrives next: review, question, chat message in turn.
    pub next_arrival_kind: usize,
}

impl SimAccount {
    /// The time for a new chat message, in whole milliseconds as WB stamps events: now, or
    /// a millisecond after the newest message when that is not earlier, so chat event
    /// times only move forward (WB pages events by time).
    pub fn next_message_time(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        let latest = self
            .chats
            .iter()
            .flat_map(|c| c.messages.iter().map(|m| m.at.timestamp_millis()))
            .max()
            .unwrap_or(i64::MIN);
        let ms = now.timestamp_millis().max(latest.saturating_add(1));
        DateTime::from_timestamp_millis(ms).unwrap_or(now)
    }
}

/// A buyer question on a product.
#[derive(Debug, Clone, PartialEq)]
pub struct SimQuestion {
    pub id: String,
    pub product_id: i64,
    pub author: Option<String>,
    pub text: String,
    pub created_at: DateTime<Utc>,
    pub answer: Option<SimAnswer>,
    pub viewed: bool,
    /// Rejected by the seller (WB `state: "none"`): no longer waits for an answer.
    pub rejected: bool,
}

/// A buyer chat with its thread.
#[derive(Debug, Clone, PartialEq)]
pub struct SimChat {
    /// Chat id (WB `chatID`, Ozon `chat_id`).
    pub id: String,
    /// WB `replySign`: what a reply must carry; not the chat id.
    pub reply_sign: String,
    /// Stable buyer id (WB `clientID`, Ozon user id).
    pub client_id: String,
    pub client_name: String,
    pub product_id: Option<i64>,
    /// Oldest first.
    pub messages: Vec<SimMessage>,
    /// The marketplace's own id for this chat when it came from a fixture file: Ozon
    /// serves it as `chat_id` instead of the id derived from `id`.
    pub wire_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SimMessage {
    pub id: String,
    pub from_buyer: bool,
    pub text: String,
    pub at: DateTime<Utc>,
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

/// When an answer the simulator accepted shows on its item: at once (the default), only
/// after a delay or never (as a marketplace that moderates or lags), or at once with a
/// moderation rejection (WB reviews).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum AnswerVisibility {
    #[default]
    Immediate,
    After(std::time::Duration),
    Never,
    Rejected,
}

impl std::str::FromStr for AnswerVisibility {
    type Err = String;

    /// `immediate`, `delay=SECONDS`, `never` or `reject`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "" | "immediate" => Ok(AnswerVisibility::Immediate),
            "never" => Ok(AnswerVisibility::Never),
            "reject" => Ok(AnswerVisibility::Rejected),
            other => {
                let secs = other
                    .strip_prefix("delay=")
                    .and_then(|n| n.parse::<u64>().ok())
                    .ok_or_else(|| {
                        format!("`{other}`: expected immediate, delay=SECONDS, never or reject")
                    })?;
                Ok(AnswerVisibility::After(std::time::Duration::from_secs(
                    secs,
                )))
            }
        }
    }
}

/// An accepted answer not yet shown on its item.
#[derive(Debug, Clone)]
struct HeldAnswer {
    account: usize,
    channel: &'static str,
    item_id: String,
    answer: Option<SimAnswer>,
    message: Option<SimMessage>,
    /// `None`: never.
    visible_at: Option<DateTime<Utc>>,
}

#[derive(Debug)]
pub struct SimState {
    pub accounts: Vec<SimAccount>,
    /// Requests per endpoint, including rejected ones.
    pub requests: BTreeMap<String, u64>,
    /// Requests answered 429 because they exceeded the published limits.
    pub over_limit: u64,
    pub answers: Vec<AnswerRecord>,
    /// Every edit of a published answer WB applied (`PATCH /api/v1/feedbacks/answer`).
    pub edits: Vec<AnswerRecord>,
    pub rng: ChaCha8Rng,
    pub visibility: AnswerVisibility,
    held: Vec<HeldAnswer>,
}

impl SimState {
    pub fn new(seed: u64) -> SimState {
        SimState {
            accounts: Vec::new(),
            requests: BTreeMap::new(),
            over_limit: 0,
            answers: Vec::new(),
            edits: Vec::new(),
            rng: ChaCha8Rng::seed_from_u64(seed),
            visibility: AnswerVisibility::default(),
            held: Vec::new(),
        }
    }

    /// Adds a demo shop as an account; item times are relative to `now`.
    /// `client_id` is the Ozon `Client-Id` (WB accounts have none).
    pub fn add_shop(
        &mut self,
        shop: &DemoShop,
        token: &str,
        client_id: Option<&str>,
        now: DateTime<Utc>,
    ) -> usize {
        // Ids are drawn in this order: reviews, questions, then the chats' messages.
        let reviews = self.demo_reviews(shop, now);
        let questions = self.demo_questions(shop, now);
        let chats = self.demo_chats(shop, now);
        self.accounts.push(SimAccount {
            name: shop.shop.name.clone(),
            marketplace: shop.shop.marketplace,
            token: token.to_string(),
            client_id: client_id.map(str::to_string),
            products: shop.products.clone(),
            reviews,
            questions,
            chats,
            incoming_reviews: shop.incoming_reviews.clone(),
            incoming_questions: shop.incoming_questions.clone(),
            incoming_chat_messages: shop.incoming_chat_messages.clone(),
            next_incoming_review: 0,
            next_incoming_question: 0,
            next_incoming_chat_message: 0,
            next_arrival_kind: 0,
        });
        self.accounts.len() - 1
    }

    /// The shop's reviews, in creation order (lists are served from it).
    fn demo_reviews(&mut self, shop: &DemoShop, now: DateTime<Utc>) -> Vec<SimReview> {
        let mut reviews = Vec::with_capacity(shop.reviews.len());
        for r in &shop.reviews {
            let id = self.new_item_id(shop.shop.marketplace);
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
                answer: demo_answer(r.answer.as_ref(), r.age_minutes, now),
                viewed: r.answer.is_some(),
            });
        }
        reviews.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
        reviews
    }

    /// The shop's questions, in creation order.
    fn demo_questions(&mut self, shop: &DemoShop, now: DateTime<Utc>) -> Vec<SimQuestion> {
        let mut questions = Vec::with_capacity(shop.questions.len());
        for q in &shop.questions {
            let id = self.new_item_id(shop.shop.marketplace);
            questions.push(SimQuestion {
                id,
                product_id: q.product,
                author: q.author.clone(),
                text: q.text.clone(),
                created_at: now - Duration::minutes(q.age_minutes.max(0)),
                answer: demo_answer(q.answer.as_ref(), q.age_minutes, now),
                viewed: q.answer.is_some(),
                rejected: false,
            });
        }
        questions.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
        questions
    }

    /// The shop's chats, each thread in time order.
    fn demo_chats(&mut self, shop: &DemoShop, now: DateTime<Utc>) -> Vec<SimChat> {
        let mut chats = Vec::with_capacity(shop.chats.len());
        for c in &shop.chats {
            let mut chat = self.new_chat(&c.client_name, c.product);
            for m in &c.messages {
                let id = self.new_item_id(shop.shop.marketplace);
                chat.messages.push(SimMessage {
                    id,
                    from_buyer: m.from != "seller",
                    text: m.text.clone(),
                    at: now - Duration::minutes(m.age_minutes.max(0)),
                });
            }
            chat.messages.sort_by_key(|m| m.at);
            chats.push(chat);
        }
        chats
    }

    /// A 20-character id in WB's style, deterministic for the seed.
    pub fn new_wb_id(&mut self) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        (0..20)
            .map(|_| ALPHABET[self.rng.random_range(0..ALPHABET.len())] as char)
            .collect()
    }

    /// An item id in the marketplace's style: WB's 20 characters, Ozon's UUID-like ids.
    pub fn new_item_id(&mut self, marketplace: Marketplace) -> String {
        match marketplace {
            Marketplace::Wb => self.new_wb_id(),
            Marketplace::Ozon => {
                let a: u32 = self.rng.random();
                let b: u16 = self.rng.random();
                let c: u16 = self.rng.random();
                let d: u16 = self.rng.random();
                let e: u64 = self.rng.random::<u64>() & 0xffff_ffff_ffff;
                format!("{a:08x}-{b:04x}-{c:04x}-{d:04x}-{e:012x}")
            }
        }
    }

    /// A new, empty chat with a stable client id and a reply sign distinct from its id.
    pub fn new_chat(&mut self, client_name: &str, product_id: Option<i64>) -> SimChat {
        let n: u64 = self.rng.random_range(10_000_000..99_999_999);
        SimChat {
            id: format!("1:{:016x}", self.rng.random::<u64>()),
            reply_sign: format!("{:032x}", self.rng.random::<u128>()),
            client_id: n.to_string(),
            client_name: client_name.to_string(),
            product_id,
            messages: Vec::new(),
            wire_id: None,
        }
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
        self.publish_due(Utc::now());
    }

    /// Records an answer the simulator accepted (already applied to the item by the
    /// handler) and applies [`AnswerVisibility`]: held back from the item, or rejected.
    pub fn record_answer(&mut self, account: usize, record: AnswerRecord) {
        let (channel, item_id, at) = (record.channel, record.item_id.clone(), record.at);
        self.answers.push(record);
        let visible_at = match self.visibility {
            AnswerVisibility::Immediate => return,
            AnswerVisibility::Rejected => {
                let acc = &mut self.accounts[account];
                if acc.marketplace == Marketplace::Wb && channel == "review" {
                    if let Some(answer) = acc
                        .reviews
                        .iter_mut()
                        .find(|r| r.id == item_id)
                        .and_then(|r| r.answer.as_mut())
                    {
                        answer.state = "rejected".into();
                    }
                }
                return;
            }
            AnswerVisibility::After(delay) => {
                Some(at + Duration::from_std(delay).unwrap_or_default())
            }
            AnswerVisibility::Never => None,
        };
        let acc = &mut self.accounts[account];
        let (answer, message) = match channel {
            "review" => (
                acc.reviews
                    .iter_mut()
                    .find(|r| r.id == item_id)
                    .and_then(|r| r.answer.take()),
                None,
            ),
            "question" => (
                acc.questions
                    .iter_mut()
                    .find(|q| q.id == item_id)
                    .and_then(|q| q.answer.take()),
                None,
            ),
            _ => (
                None,
                acc.chats
                    .iter_mut()
                    .find(|c| c.id == item_id || c.wire_id.as_deref() == Some(&item_id))
                    .and_then(|c| {
                        let last = c.messages.iter().rposition(|m| !m.from_buyer)?;
                        Some(c.messages.remove(last))
                    }),
            ),
        };
        self.held.push(HeldAnswer {
            account,
            channel,
            item_id,
            answer,
            message,
            visible_at,
        });
    }

    /// Shows the held answers whose time has come.
    pub fn publish_due(&mut self, now: DateTime<Utc>) {
        if self.held.is_empty() {
            return;
        }
        let (due, held): (Vec<_>, Vec<_>) = std::mem::take(&mut self.held)
            .into_iter()
            .partition(|h| h.visible_at.is_some_and(|at| at <= now));
        self.held = held;
        for h in due {
            let acc = &mut self.accounts[h.account];
            match h.channel {
                "review" => {
                    if let Some(r) = acc.reviews.iter_mut().find(|r| r.id == h.item_id) {
                        r.answer = h.answer;
                    }
                }
                "question" => {
                    if let Some(q) = acc.questions.iter_mut().find(|q| q.id == h.item_id) {
                        q.answer = h.answer;
                    }
                }
                _ => {
                    let chat = acc
                        .chats
                        .iter_mut()
                        .find(|c| c.id == h.item_id || c.wire_id.as_deref() == Some(&h.item_id));
                    if let (Some(chat), Some(message)) = (chat, h.message) {
                        let at = chat.messages.partition_point(|m| m.at <= message.at);
                        chat.messages.insert(at, message);
                    }
                }
            }
        }
    }

    /// One new item arrives on every account, rotating review → question → chat message.
    /// Now and then a 1–2★ review is back-dated so it is already close to its deadline,
    /// as happens when a marketplace delivers late.
    pub fn arrive(&mut self, now: DateTime<Utc>) -> usize {
        let mut arrived = 0;
        for i in 0..self.accounts.len() {
            for _ in 0..3 {
                let kind = self.accounts[i].next_arrival_kind % 3;
                self.accounts[i].next_arrival_kind += 1;
                let done = match kind {
                    0 => self.arrive_review(i, now),
                    1 => self.arrive_question(i, now),
                    _ => self.arrive_chat_message(i, now),
                };
                if done {
                    arrived += 1;
                    break;
                }
            }
        }
        arrived
    }

    fn arrive_review(&mut self, i: usize, now: DateTime<Utc>) -> bool {
        let account = &self.accounts[i];
        if account.incoming_reviews.is_empty() {
            return false;
        }
        let template = account.incoming_reviews
            [account.next_incoming_review % account.incoming_reviews.len()]
        .clone();
        let late = template.rating <= 2 && self.rng.random_bool(0.3);
        let created_at = if late {
            now - Duration::minutes(self.rng.random_range(35..55))
        } else {
            now
        };
        let id = self.new_item_id(self.accounts[i].marketplace);
        let account = &mut self.accounts[i];
        account.next_incoming_review += 1;
        // Keep reviews in creation order (a late delivery is back-dated).
        let at = account
            .reviews
            .partition_point(|r| r.created_at <= created_at);
        account.reviews.insert(
            at,
            SimReview {
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
            },
        );
        true
    }

    fn arrive_question(&mut self, i: usize, now: DateTime<Utc>) -> bool {
        let account = &self.accounts[i];
        if account.incoming_questions.is_empty() {
            return false;
        }
        let template = account.incoming_questions
            [account.next_incoming_question % account.incoming_questions.len()]
        .clone();
        let id = self.new_item_id(self.accounts[i].marketplace);
        let account = &mut self.accounts[i];
        account.next_incoming_question += 1;
        account.questions.push(SimQuestion {
            id,
            product_id: template.product,
            author: template.author,
            text: template.text,
            created_at: now,
            answer: None,
            viewed: false,
            rejected: false,
        });
        true
    }

    fn arrive_chat_message(&mut self, i: usize, now: DateTime<Utc>) -> bool {
        let account = &self.accounts[i];
        if account.incoming_chat_messages.is_empty() {
            return false;
        }
        let template = account.incoming_chat_messages
            [account.next_incoming_chat_message % account.incoming_chat_messages.len()]
        .clone();
        let marketplace = account.marketplace;
        let id = self.new_item_id(marketplace);
        let existing = self.accounts[i]
            .chats
            .iter()
            .position(|c| c.client_name == template.client_name);
        let chat_index = match existing {
            Some(index) => index,
            None => {
                let chat = self.new_chat(&template.client_name, template.product);
                self.accounts[i].chats.push(chat);
                self.accounts[i].chats.len() - 1
            }
        };
        let account = &mut self.accounts[i];
        account.next_incoming_chat_message += 1;
        let at = account.next_message_time(now);
        account.chats[chat_index].messages.push(SimMessage {
            id,
            from_buyer: true,
            text: template.text,
            at,
        });
        true
    }
}

/// A demo item's seller answer, given halfway through the item's age.
fn demo_answer(text: Option<&String>, age_minutes: i64, now: DateTime<Utc>) -> Option<SimAnswer> {
    text.map(|text| SimAnswer {
        text: text.clone(),
        state: "wbRu".into(),
        editable: false,
        at: now - Duration::minutes(age_minutes.max(0) / 2),
    })
}
