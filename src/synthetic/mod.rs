//! A large, realistic database written directly: the fast way to get a store of a million
//! items for benchmarks and for trying the inbox at scale (docs/performance.md).
//!
//! The items are recombined from the demo shops' Russian texts (`data/demo/`): reviews
//! with a second sentence borrowed from another review of the same rating, questions,
//! and chat threads of buyer and seller messages, arriving at a constant rate up to now
//! (so a bigger store has a longer history, [`ARRIVALS_PER_DAY`]), older ones mostly
//! answered, as `agentiq simulator --scale` makes them. Every column sync and
//! background preparation would fill is filled: the wire payload (`raw`), the SLA clock,
//! the classification, the customer name key, product cards, chat threads, customers of
//! chats, and replies sent through the outbox. Deterministic for a seed and a `now`.
//!
//! [`items`] yields the same items as [`NewInteraction`]s, for feeding the real sync path.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{bail, Context, Result};
use chrono::{DateTime, Duration, FixedOffset, SecondsFormat, Utc};
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rusqlite::{params, Connection, Transaction};
use serde_json::json;

use crate::ai::{classify, Escalation};
use crate::domain::{
    Answer, Channel, ChatMessage, Marketplace, ModerationState, NewInteraction, ProductRef, Rating,
    Sender,
};
use crate::simulator::demo_data::DemoProduct;
use crate::simulator::DemoShop;
use crate::store::{name_key, to_db_time, upsert_account, Store};

/// Items arrive at this constant rate (all channels, both shops: a big seller), so a
/// bigger store holds a longer history, not a denser one: the last week holds the same
/// items at 10k as at 1M (1M items go back about four and a half years).
pub const ARRIVALS_PER_DAY: usize = 600;
/// Small stores still cover this many days (the metrics' week and the week before).
const MIN_SPAN_DAYS: i64 = 14;
/// The newest item is this many seconds old, plus up to [`NEWEST_JITTER_SECS`].
const NEWEST_AGE_SECS: i64 = 60;
const NEWEST_JITTER_SECS: i64 = 600;
/// Share of items per channel: reviews, questions; the rest are chats.
const REVIEW_SHARE: f64 = 0.6;
const QUESTION_SHARE: f64 = 0.25;
/// Share of items that belong to the WB shop; the rest to the Ozon one.
const WB_SHARE: f64 = 0.6;
/// Items older than this are answered with this probability; newer ones wait.
const ANSWERED_AFTER_DAYS: i64 = 2;
const ANSWERED_SHARE: f64 = 0.85;
/// Of the answered items, the share answered through AgentIQ (a confirmed outbox row).
const ANSWERED_HERE_SHARE: f64 = 0.3;
/// Of the open items, the share whose last reply failed to send.
const SEND_FAILED_SHARE: f64 = 0.002;
/// Rows per transaction while generating.
const ROWS_PER_TX: usize = 50_000;

/// One generated item and where it belongs.
#[derive(Debug, Clone)]
pub struct SyntheticItem {
    /// Index into [`accounts`]: 0 is the WB shop, 1 the Ozon one.
    pub account: usize,
    /// The connector that would have read it (`wb_feedbacks`, `ozon_chats`, ...).
    pub source: &'static str,
    pub item: NewInteraction,
}

/// The texts one demo shop lends the generator.
struct Shop {
    name: String,
    marketplace: Marketplace,
    products: Vec<DemoProduct>,
    /// (stars, text, pros, cons)
    reviews: Vec<(u8, String, Option<String>, Option<String>)>,
    /// First sentences of the reviews, by stars (index 0 = 1★).
    sentences: [Vec<String>; 5],
    questions: Vec<String>,
    review_answers: Vec<String>,
    question_answers: Vec<String>,
    buyer_lines: Vec<String>,
    seller_lines: Vec<String>,
    names: Vec<String>,
}

impl Shop {
    fn from_demo(demo: &DemoShop) -> Shop {
        let reviews: Vec<_> = demo
            .reviews
            .iter()
            .chain(&demo.incoming_reviews)
            .map(|r| (r.rating, r.text.clone(), r.pros.clone(), r.cons.clone()))
            .collect();
        let mut sentences: [Vec<String>; 5] = Default::default();
        for (stars, text, _, _) in &reviews {
            if let Some(first) = text.split_terminator(['.', '!', '?']).next() {
                let first = first.trim();
                if !first.is_empty() && (1..=5).contains(stars) {
                    sentences[usize::from(*stars) - 1].push(format!("{first}."));
                }
            }
        }
        let questions = demo
            .questions
            .iter()
            .chain(&demo.incoming_questions)
            .map(|q| q.text.clone())
            .collect();
        let review_answers = demo
            .reviews
            .iter()
            .filter_map(|r| r.answer.clone())
            .collect();
        let question_answers = demo
            .questions
            .iter()
            .filter_map(|q| q.answer.clone())
            .collect();
        let mut buyer_lines: Vec<String> = demo
            .incoming_chat_messages
            .iter()
            .map(|m| m.text.clone())
            .collect();
        let mut seller_lines = Vec::new();
        for chat in &demo.chats {
            for m in &chat.messages {
                if m.from == "seller" {
                    seller_lines.push(m.text.clone());
                } else {
                    buyer_lines.push(m.text.clone());
                }
            }
        }
        let mut names: Vec<String> = demo
            .reviews
            .iter()
            .filter_map(|r| r.author.clone())
            .chain(demo.questions.iter().filter_map(|q| q.author.clone()))
            .chain(demo.chats.iter().map(|c| c.client_name.clone()))
            .collect();
        names.sort();
        names.dedup();
        Shop {
            name: demo.shop.name.clone(),
            marketplace: demo.shop.marketplace,
            products: demo.products.clone(),
            reviews,
            sentences,
            questions,
            review_answers,
            question_answers,
            buyer_lines,
            seller_lines,
            names,
        }
    }
}

fn shops() -> Result<Vec<Shop>> {
    let shops = vec![
        Shop::from_demo(&DemoShop::wb()?),
        Shop::from_demo(&DemoShop::ozon()?),
    ];
    for shop in &shops {
        if shop.products.is_empty()
            || shop.reviews.is_empty()
            || shop.questions.is_empty()
            || shop.buyer_lines.is_empty()
            || shop.names.is_empty()
        {
            bail!(
                "demo shop {} lacks the texts the generator needs",
                shop.name
            );
        }
    }
    Ok(shops)
}

/// The accounts the generated items belong to, in the order of [`SyntheticItem::account`].
pub fn accounts() -> Result<Vec<(String, Marketplace)>> {
    Ok(shops()?
        .into_iter()
        .map(|s| (s.name, s.marketplace))
        .collect())
}

/// Seconds between two of `n` generated items: [`ARRIVALS_PER_DAY`], or slower when
/// `n` items would not cover [`MIN_SPAN_DAYS`].
fn arrival_step_secs(n: usize) -> i64 {
    let day = Duration::days(1).num_seconds();
    let span = Duration::days(MIN_SPAN_DAYS).num_seconds();
    (day / ARRIVALS_PER_DAY as i64).max(span / n.max(1) as i64)
}

/// `n` items, oldest first, as connectors would report them at `now`.
pub fn items(n: usize, seed: u64, now: DateTime<Utc>) -> Result<Items> {
    Ok(Items {
        shops: shops()?,
        rng: ChaCha8Rng::seed_from_u64(seed),
        n,
        next: 0,
        now,
    })
}

/// The iterator [`items`] returns.
pub struct Items {
    shops: Vec<Shop>,
    rng: ChaCha8Rng,
    n: usize,
    next: usize,
    now: DateTime<Utc>,
}

impl Iterator for Items {
    type Item = SyntheticItem;

    fn next(&mut self) -> Option<SyntheticItem> {
        if self.next >= self.n {
            return None;
        }
        let i = self.next;
        self.next += 1;
        // Evenly over the span, oldest first, with a little jitter.
        // The newest item is a few minutes old whatever `n` is, as in a live shop.
        let step = arrival_step_secs(self.n);
        let jitter = self
            .rng
            .random_range(0..step.max(1))
            .min(NEWEST_JITTER_SECS);
        let offset = step * (self.n - 1 - i) as i64 + jitter + NEWEST_AGE_SECS;
        let created_at = self.now - Duration::seconds(offset.max(1));
        let account = usize::from(!self.rng.random_bool(WB_SHARE));
        let answered = offset > Duration::days(ANSWERED_AFTER_DAYS).num_seconds()
            && self.rng.random_bool(ANSWERED_SHARE);
        let roll: f64 = self.rng.random();
        let channel = if roll < REVIEW_SHARE {
            Channel::Review
        } else if roll < REVIEW_SHARE + QUESTION_SHARE {
            Channel::Question
        } else {
            Channel::Chat
        };
        let shop = &self.shops[account];
        let rng = &mut self.rng;
        Some(make_item(shop, account, channel, created_at, answered, rng))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.n - self.next;
        (left, Some(left))
    }
}

fn pick<'a>(rng: &mut ChaCha8Rng, pool: &'a [String], fallback: &'a str) -> &'a str {
    pool.choose(rng).map_or(fallback, String::as_str)
}

/// A 20-character id in WB's style.
fn wb_id(rng: &mut ChaCha8Rng) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    (0..20)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect()
}

/// A UUID-shaped id, as Ozon writes them.
fn uuid(rng: &mut ChaCha8Rng) -> String {
    let v: u128 = rng.random();
    let h = format!("{v:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

fn moscow(t: DateTime<Utc>) -> String {
    let offset = FixedOffset::east_opt(3 * 3600).expect("UTC+3 is a valid offset");
    t.with_timezone(&offset)
        .to_rfc3339_opts(SecondsFormat::Secs, false)
}

fn make_item(
    shop: &Shop,
    account: usize,
    channel: Channel,
    created_at: DateTime<Utc>,
    answered: bool,
    rng: &mut ChaCha8Rng,
) -> SyntheticItem {
    let product = shop
        .products
        .choose(rng)
        .expect("shops are checked for products");
    let name = pick(rng, &shop.names, "Покупатель").to_string();
    let answer_at = created_at + Duration::hours(rng.random_range(1..30));
    let draw = Draw {
        shop,
        account,
        product,
        name,
        created_at,
        answer_at,
        answered,
        wb: shop.marketplace == Marketplace::Wb,
    };
    match channel {
        Channel::Review => make_review(draw, rng),
        Channel::Question => make_question(draw, rng),
        Channel::Chat => make_chat(draw, rng),
    }
}

/// What every generated item draws first, in this order (the seed's texts depend on it).
struct Draw<'a> {
    shop: &'a Shop,
    account: usize,
    product: &'a DemoProduct,
    name: String,
    created_at: DateTime<Utc>,
    answer_at: DateTime<Utc>,
    answered: bool,
    wb: bool,
}

/// Sometimes a second sentence from another review of the same rating, to vary the text.
fn with_second_sentence(shop: &Shop, stars: u8, text: String, rng: &mut ChaCha8Rng) -> String {
    match shop.sentences[usize::from(stars.clamp(1, 5)) - 1].choose(rng) {
        Some(extra) if rng.random_bool(0.4) && !text.contains(extra.trim_end_matches('.')) => {
            format!("{text} {extra}")
        }
        _ => text,
    }
}

/// A quarter of reviews carry one to five photos.
fn photo_count(rng: &mut ChaCha8Rng) -> u32 {
    if rng.random_bool(0.25) {
        rng.random_range(1..6)
    } else {
        0
    }
}

fn make_review(draw: Draw<'_>, rng: &mut ChaCha8Rng) -> SyntheticItem {
    let channel = Channel::Review;
    let Draw {
        shop,
        account,
        product,
        name,
        created_at,
        answered,
        wb,
        ..
    } = draw;
    let (stars, text, pros, cons) = shop.reviews.choose(rng).cloned().expect("checked above");
    let text = with_second_sentence(shop, stars, text, rng);
    let answer = answered.then(|| Answer {
        text: pick(rng, &shop.review_answers, "Спасибо за отзыв!").to_string(),
        moderation: ModerationState::Published,
        editable: false,
    });
    let photos = photo_count(rng);
    let id = if wb { wb_id(rng) } else { uuid(rng) };
    let raw = if wb {
        json!({
            "id": id, "text": text, "pros": pros.clone().unwrap_or_default(),
            "cons": cons.clone().unwrap_or_default(), "productValuation": stars,
            "createdDate": moscow(created_at),
            "answer": answer.as_ref().map(|a| json!({
                "text": a.text, "state": "wbRu", "editable": false})),
            "state": "wbRu",
            "productDetails": {
                "imtId": product.id / 10 + 7, "nmId": product.id,
                "productName": product.name, "supplierArticle": product.vendor_code,
                "supplierName": shop.name, "brandName": product.brand},
            "wasViewed": answered,
            "photoLinks": (0..photos).map(|p| json!({
                "fullSize": format!("https://feedback.wbbasket.ru/{id}/photos/{p}/fs.webp"),
                "miniSize": format!("https://feedback.wbbasket.ru/{id}/photos/{p}/ms.webp")}))
                .collect::<Vec<_>>(),
            "userName": name, "subjectName": product.category,
        })
    } else {
        json!({
            "id": id, "sku": product.id, "text": text,
            "published_at": created_at.to_rfc3339_opts(SecondsFormat::Millis, true),
            "rating": stars,
            "status": if answered { "PROCESSED" } else { "UNPROCESSED" },
            "comments_amount": u8::from(answered), "photos_amount": photos,
            "videos_amount": 0, "order_status": "DELIVERED",
            "is_rating_participant": true,
        })
    };
    SyntheticItem {
        account,
        source: if wb { "wb_feedbacks" } else { "ozon_reviews" },
        item: NewInteraction {
            channel,
            external_id: id,
            product: Some(ProductRef {
                external_id: product.id.to_string(),
                name: wb.then(|| product.name.clone()),
                brand: wb.then(|| product.brand.clone()),
            }),
            customer_name: wb.then_some(name),
            customer_external_id: None,
            text,
            pros: pros.filter(|_| wb),
            cons: cons.filter(|_| wb),
            photos,
            rating: Rating::new(stars),
            created_at,
            answer,
            archived: false,
            messages: Vec::new(),
            reply_handle: None,
            raw,
        },
    }
}

fn make_question(draw: Draw<'_>, rng: &mut ChaCha8Rng) -> SyntheticItem {
    let channel = Channel::Question;
    let Draw {
        shop,
        account,
        product,
        name,
        created_at,
        answer_at,
        answered,
        wb,
    } = draw;
    let text = pick(rng, &shop.questions, "Есть в наличии?").to_string();
    let answer = answered.then(|| Answer {
        text: pick(rng, &shop.question_answers, "Здравствуйте! Да, есть.").to_string(),
        moderation: ModerationState::Published,
        editable: true,
    });
    let id = if wb { wb_id(rng) } else { uuid(rng) };
    let raw = if wb {
        json!({
            "id": id, "text": text, "createdDate": moscow(created_at),
            "state": if answered { "wbRu" } else { "suppliersPortalSynch" },
            "answer": answer.as_ref().map(|a| json!({
                "text": a.text, "editable": true, "createDate": moscow(answer_at)})),
            "productDetails": {
                "imtId": product.id / 10 + 7, "nmId": product.id,
                "productName": product.name, "supplierArticle": product.vendor_code,
                "supplierName": shop.name, "brandName": product.brand},
            "wasViewed": answered, "isWarned": false,
        })
    } else {
        json!({
            "id": id, "sku": product.id, "text": text, "author_name": name,
            "published_at": created_at.to_rfc3339_opts(SecondsFormat::Millis, true),
            "status": if answered { "PROCESSED" } else { "NEW" },
            "answers_count": u8::from(answered),
            "product_url": format!("https://www.ozon.ru/product/{}/", product.id),
            "question_link": format!("https://www.ozon.ru/product/{}/questions/{id}/", product.id),
        })
    };
    SyntheticItem {
        account,
        source: if wb { "wb_questions" } else { "ozon_questions" },
        item: NewInteraction {
            channel,
            external_id: id,
            product: Some(ProductRef {
                external_id: product.id.to_string(),
                name: wb.then(|| product.name.clone()),
                brand: wb.then(|| product.brand.clone()),
            }),
            customer_name: Some(name),
            customer_external_id: None,
            text,
            pros: None,
            cons: None,
            photos: 0,
            rating: None,
            created_at,
            answer,
            archived: false,
            messages: Vec::new(),
            reply_handle: None,
            raw,
        },
    }
}

/// One to two buyer messages a few minutes apart, and the seller's reply when answered.
fn chat_thread(
    shop: &Shop,
    chat_id: &str,
    created_at: DateTime<Utc>,
    answered: bool,
    rng: &mut ChaCha8Rng,
) -> Vec<ChatMessage> {
    let mut messages = Vec::new();
    let mut at = created_at;
    let mut n = 0;
    let mut push = |sender: Sender, text: &str, at: DateTime<Utc>| {
        n += 1;
        messages.push(ChatMessage {
            external_id: format!("{chat_id}:{n}"),
            sender,
            text: text.to_string(),
            sent_at: at,
        });
    };
    for _ in 0..rng.random_range(1..3) {
        push(
            Sender::Buyer,
            pick(rng, &shop.buyer_lines, "Здравствуйте"),
            at,
        );
        at += Duration::minutes(rng.random_range(1..40));
    }
    if answered {
        let reply = pick(rng, &shop.seller_lines, "Здравствуйте! Уже проверяем.");
        push(Sender::Seller, reply, at);
    }
    messages
}

/// What the chat shows as its text: the buyer's messages after the seller's last one,
/// else the buyer's last message.
fn buyer_text(messages: &[ChatMessage]) -> String {
    let tail: Vec<&str> = messages
        .iter()
        .rev()
        .take_while(|m| m.sender == Sender::Buyer)
        .map(|m| m.text.as_str())
        .collect();
    if tail.is_empty() {
        messages
            .iter()
            .rev()
            .find(|m| m.sender == Sender::Buyer)
            .map(|m| m.text.clone())
            .unwrap_or_default()
    } else {
        tail.into_iter().rev().collect::<Vec<_>>().join("\n")
    }
}

fn make_chat(draw: Draw<'_>, rng: &mut ChaCha8Rng) -> SyntheticItem {
    let channel = Channel::Chat;
    let Draw {
        shop,
        account,
        product,
        name,
        created_at,
        answered,
        wb,
        ..
    } = draw;
    let client_id = rng.random_range(10_000_000u64..99_999_999);
    let chat_id = if wb {
        format!("1:{}", uuid(rng))
    } else {
        uuid(rng)
    };
    let messages = chat_thread(shop, &chat_id, created_at, answered, rng);
    let text = buyer_text(&messages);
    let reply_sign = format!("{:x}", rng.random::<u64>());
    let raw = if wb {
        json!({
            "chat": {
                "chatID": chat_id, "replySign": reply_sign, "clientID": client_id.to_string(),
                "clientName": name, "goodCard": {"nmID": product.id, "price": product.price,
                "priceCurrency": "RUB", "size": "0"},
                "lastMessage": messages.last().map(|m| json!({
                    "text": m.text, "addTimestamp": m.sent_at.timestamp_millis()}))},
            "events": messages.iter().map(|m| json!({
                "chatID": chat_id, "eventID": m.external_id, "eventType": "message",
                "message": {"text": m.text}, "source": "android",
                "addTimestamp": m.sent_at.timestamp_millis(),
                "sender": if m.sender == Sender::Buyer { "client" } else { "seller" },
                "clientID": client_id.to_string(), "clientName": name}))
                .collect::<Vec<_>>(),
        })
    } else {
        json!({
            "chat": {"chat_id": chat_id, "chat_type": "Buyer_Seller",
                     "chat_status": "Opened",
                     "created_at": created_at.to_rfc3339_opts(SecondsFormat::Millis, true),
                     "unread_count": u8::from(!answered)},
            "messages": messages.iter().map(|m| json!({
                "message_id": m.external_id,
                "user": {"id": client_id.to_string(),
                         "type": if m.sender == Sender::Buyer { "customer" } else { "seller" }},
                "created_at": m.sent_at.to_rfc3339_opts(SecondsFormat::Millis, true),
                "is_read": true, "data": [m.text]}))
                .collect::<Vec<_>>(),
        })
    };
    SyntheticItem {
        account,
        source: if wb { "wb_chats" } else { "ozon_chats" },
        item: NewInteraction {
            channel,
            external_id: chat_id,
            product: Some(ProductRef {
                external_id: product.id.to_string(),
                name: None,
                brand: None,
            }),
            customer_name: Some(name),
            customer_external_id: Some(client_id.to_string()),
            text,
            pros: None,
            cons: None,
            photos: 0,
            rating: None,
            created_at,
            answer: None,
            archived: false,
            messages,
            reply_handle: wb.then_some(reply_sign),
            raw,
        },
    }
}

/// Writes `n_items` generated items (see the module documentation) into the database at
/// `store_path`, which must hold no interactions yet; creates and migrates it as needed.
pub fn generate(store_path: impl AsRef<Path>, n_items: usize, seed: u64) -> Result<()> {
    generate_at(store_path, n_items, seed, Utc::now())
}

/// The classification columns of one text, as background preparation writes them.
#[derive(Clone)]
struct Classified {
    intent: &'static str,
    intent_confidence: f64,
    sentiment: &'static str,
    sentiment_score: f64,
    escalations: String,
    /// The intent the SLA clock follows (legal and threat words count as a defect).
    clock_intent: &'static str,
}

fn classified(item: &NewInteraction) -> Classified {
    let c = classify(item.channel, item.rating, &item.text);
    let critical = c
        .escalations
        .iter()
        .any(|e| matches!(e, Escalation::Legal | Escalation::Threat));
    Classified {
        intent: c.intent.as_str(),
        intent_confidence: f64::from(c.intent_confidence),
        sentiment: c.sentiment.label.as_str(),
        sentiment_score: f64::from(c.sentiment.score),
        escalations: serde_json::to_string(
            &c.escalations.iter().map(|e| e.as_str()).collect::<Vec<_>>(),
        )
        .unwrap_or_else(|_| "[]".into()),
        clock_intent: if critical {
            "defect_not_working"
        } else {
            c.intent.as_str()
        },
    }
}

/// [`generate`] with the moment the data is generated at, for identical databases.
pub fn generate_at(
    store_path: impl AsRef<Path>,
    n_items: usize,
    seed: u64,
    now: DateTime<Utc>,
) -> Result<()> {
    generate_with_progress(store_path, n_items, seed, now, &mut |_| {})
}

/// [`generate_at`], telling `progress` how many items are written after each transaction.
pub fn generate_with_progress(
    store_path: impl AsRef<Path>,
    n_items: usize,
    seed: u64,
    now: DateTime<Utc>,
    progress: &mut dyn FnMut(usize),
) -> Result<()> {
    let path = store_path.as_ref();
    let mut conn = open_empty(path)?;
    let shops = shops()?;
    let mut writer = ItemWriter {
        account_ids: write_shops(&mut conn, &shops, now)?,
        products: shops
            .iter()
            .map(|s| {
                s.products
                    .iter()
                    .map(|p| (p.id.to_string(), (p.name.clone(), p.brand.clone())))
                    .collect()
            })
            .collect(),
        classified: HashMap::new(),
        customers: HashMap::new(),
        side: ChaCha8Rng::seed_from_u64(seed ^ 0x0005_EED0_F0B7_B0C5),
    };
    drop(shops);
    let mut written = 0;
    let mut generated = items(n_items, seed, now)?.peekable();
    while generated.peek().is_some() {
        let tx = conn.transaction()?;
        for s in generated.by_ref().take(ROWS_PER_TX) {
            writer.write(&tx, &s)?;
            written += 1;
        }
        tx.commit()?;
        progress(written);
    }
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    Ok(())
}

/// The store at `path`, created and migrated, tuned for one bulk load; refused when it
/// already holds interactions.
fn open_empty(path: &Path) -> Result<Connection> {
    Store::open(path)?;
    let conn = Connection::open(path).with_context(|| format!("opening {}", path.display()))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "OFF")?;
    conn.pragma_update(None, "cache_size", -262_144)?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    let existing: i64 = conn.query_row("SELECT count(*) FROM interactions", [], |r| r.get(0))?;
    if existing > 0 {
        bail!(
            "{} already holds {existing} interactions; generate into a new file",
            path.display()
        );
    }
    Ok(conn)
}

/// The shops' accounts and product cards; the accounts' ids, in the shops' order.
fn write_shops(conn: &mut Connection, shops: &[Shop], now: DateTime<Utc>) -> Result<Vec<i64>> {
    let mut account_ids = Vec::new();
    let tx = conn.transaction()?;
    for shop in shops {
        let id = upsert_account(&tx, &shop.name, shop.marketplace)?;
        account_ids.push(id);
        let mut insert = tx.prepare(
            "INSERT INTO products (account_id, external_id, name, brand, category, vendor_code,
                                   price, description, characteristics, card_fetched_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
             ON CONFLICT (account_id, external_id) DO NOTHING",
        )?;
        for p in &shop.products {
            let characteristics: Vec<(&str, &str)> = p
                .characteristics
                .iter()
                .map(|c| (c.name.as_str(), c.value.as_str()))
                .collect();
            insert.execute(params![
                id,
                p.id.to_string(),
                p.name,
                p.brand,
                p.category,
                p.vendor_code,
                p.price,
                p.description,
                serde_json::to_string(&characteristics)?,
                to_db_time(now),
            ])?;
        }
    }
    tx.commit()?;
    Ok(account_ids)
}

/// A chat's thread.
fn write_messages(tx: &Transaction<'_>, id: i64, item: &NewInteraction) -> Result<()> {
    for m in &item.messages {
        tx.prepare_cached(
            "INSERT INTO chat_messages (interaction_id, external_id, sender, text, sent_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![
            id,
            m.external_id,
            m.sender.as_str(),
            m.text,
            to_db_time(m.sent_at),
        ])?;
    }
    Ok(())
}

/// Writes generated items with the columns sync and background preparation would have
/// filled, remembering what repeats (classifications, customers) across items.
struct ItemWriter {
    account_ids: Vec<i64>,
    /// Per shop: product id → (name, brand), for items whose wire form does not name them.
    products: Vec<HashMap<String, (String, String)>>,
    classified: HashMap<(Channel, Option<u8>, String), Classified>,
    customers: HashMap<(usize, String), i64>,
    /// Draws that are not part of an item's text (answer times, outbox rows), so the
    /// seed's texts stay the same whatever these draws do.
    side: ChaCha8Rng,
}

impl ItemWriter {
    fn write(&mut self, tx: &Transaction<'_>, s: &SyntheticItem) -> Result<()> {
        let item = &s.item;
        let account_id = self.account_ids[s.account];
        let c = self.classification(item);
        let waiting_since = item.waiting_since();
        let clock = crate::sla::clock(
            item.channel,
            item.rating,
            Some(c.clock_intent),
            waiting_since,
        );
        let state = item.answer_state();
        let product = item.product.as_ref();
        let customer_id = self.customer_id(tx, s, account_id)?;
        let card = product.and_then(|p| self.products[s.account].get(&p.external_id));
        let answer = item.answer.as_ref();
        let answered_at = item.created_at + Duration::hours(self.side.random_range(1..30));
        let first_answered =
            (state == crate::domain::AnswerState::Answered).then(|| to_db_time(answered_at));
        tx.prepare_cached(
            "INSERT INTO interactions (
                    account_id, channel, external_id, source, product_external_id, product_name,
                    product_brand, customer_id, customer_name, text, pros, cons, photos, rating,
                    created_at, waiting_since, synced_at, state, answer_text, answer_moderation,
                    answer_editable, tier, at_risk_at, due_at, intent, sentiment, reply_handle,
                    raw, customer_confidence, customer_link_method, customer_name_key,
                    first_answered_at, intent_confidence, sentiment_score, escalations,
                    classified_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,
                         ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30,
                         ?31, ?32, ?33, ?34, ?35, ?36)",
        )?
        .execute(params![
            account_id,
            item.channel.as_str(),
            item.external_id,
            s.source,
            product.map(|p| p.external_id.as_str()),
            product
                .and_then(|p| p.name.as_deref())
                .or(card.map(|c| c.0.as_str())),
            product
                .and_then(|p| p.brand.as_deref())
                .or(card.map(|c| c.1.as_str())),
            customer_id,
            item.customer_name,
            item.text,
            item.pros,
            item.cons,
            item.photos,
            item.rating.map(Rating::stars),
            to_db_time(item.created_at),
            to_db_time(waiting_since),
            to_db_time(item.created_at + Duration::minutes(5)),
            state.as_str(),
            answer.map(|a| a.text.as_str()),
            answer.map(|a| a.moderation.as_str()),
            answer.map(|a| a.editable),
            clock.tier.as_str(),
            to_db_time(clock.at_risk_at),
            to_db_time(clock.due_at),
            c.intent,
            c.sentiment,
            item.reply_handle,
            serde_json::to_string(&item.raw)?,
            customer_id.map(|_| 1.0),
            customer_id.map(|_| "deterministic"),
            item.customer_name.as_deref().and_then(name_key),
            first_answered,
            c.intent_confidence,
            c.sentiment_score,
            c.escalations,
            to_db_time(item.created_at + Duration::minutes(6)),
        ])?;
        let id = tx.last_insert_rowid();
        write_messages(tx, id, item)?;
        self.write_outbox(tx, id, item, answered_at)
    }

    /// The item's classification; generated texts repeat, so each is classified once.
    fn classification(&mut self, item: &NewInteraction) -> Classified {
        let key = (
            item.channel,
            item.rating.map(Rating::stars),
            item.text.clone(),
        );
        self.classified
            .entry(key)
            .or_insert_with(|| classified(item))
            .clone()
    }

    /// The customer of an item that names one, created at their first item.
    fn customer_id(
        &mut self,
        tx: &Transaction<'_>,
        s: &SyntheticItem,
        account_id: i64,
    ) -> Result<Option<i64>> {
        let Some(external) = &s.item.customer_external_id else {
            return Ok(None);
        };
        if let Some(id) = self.customers.get(&(s.account, external.clone())) {
            return Ok(Some(*id));
        }
        tx.prepare_cached(
            "INSERT INTO customers (account_id, external_id, name, created_at)
             VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![
            account_id,
            external,
            s.item.customer_name,
            to_db_time(s.item.created_at)
        ])?;
        let id = tx.last_insert_rowid();
        self.customers.insert((s.account, external.clone()), id);
        Ok(Some(id))
    }

    /// Some answers were sent from AgentIQ (an outbox row confirmed visible); some open
    /// items hold a failed send.
    fn write_outbox(
        &mut self,
        tx: &Transaction<'_>,
        id: i64,
        item: &NewInteraction,
        answered_at: DateTime<Utc>,
    ) -> Result<()> {
        let mut outbox = tx.prepare_cached(
            "INSERT INTO outbox (interaction_id, idempotency_key, text, state, attempts,
                                 last_error, next_attempt_at, created_at, updated_at, sent_at,
                                 confirmed_at, draft_source, draft_text, edit_distance,
                                 verdict)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?7, ?8, ?9, 'template', ?3, 0.0, 'pass')",
        )?;
        let reply = match (item.answer.as_ref(), item.messages.last()) {
            (Some(a), _) => Some(a.text.as_str()),
            (None, Some(m)) if m.sender == Sender::Seller => Some(m.text.as_str()),
            _ => None,
        };
        if let Some(text) = reply {
            if self.side.random_bool(ANSWERED_HERE_SHARE) {
                let t = to_db_time(answered_at);
                outbox.execute(params![
                    id,
                    format!("synthetic-{id}"),
                    text,
                    "visible",
                    1,
                    None::<String>,
                    t - 60,
                    t - 30,
                    t,
                ])?;
            }
        } else if item.answer_state() == crate::domain::AnswerState::Open
            && self.side.random_bool(SEND_FAILED_SHARE)
        {
            let t = to_db_time(item.created_at + Duration::minutes(30));
            outbox.execute(params![
                id,
                format!("synthetic-{id}"),
                "Здравствуйте! Спасибо, что написали нам.",
                "failed",
                5,
                Some("the marketplace refused the reply: 400 Bad Request"),
                t,
                None::<i64>,
                None::<i64>,
            ])?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{queue_count, QueueFilter};
    use chrono::TimeZone;

    #[test]
    fn generates_a_realistic_store() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.db");
        let now = Utc.with_ymd_and_hms(2026, 11, 2, 12, 0, 0).unwrap();
        generate_at(&path, 3_000, 7, now).unwrap();
        let store = Store::open(&path).unwrap();
        let conn = store.reader().unwrap();
        let count = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
        assert_eq!(count("SELECT count(*) FROM interactions"), 3_000);
        assert_eq!(count("SELECT count(*) FROM accounts"), 2);
        for channel in ["review", "question", "chat"] {
            let n = count(&format!(
                "SELECT count(*) FROM interactions WHERE channel = '{channel}'"
            ));
            assert!(n > 200, "{channel}: {n}");
        }
        // 3 000 items cover the minimum 14 days: the last two days (open) hold a seventh.
        let open = queue_count(&conn, &QueueFilter::default()).unwrap();
        assert!((600..1_100).contains(&open), "open: {open}");
        assert!(count("SELECT count(*) FROM chat_messages") > 400);
        assert_eq!(
            count("SELECT count(*) FROM interactions WHERE classified_at IS NULL OR product_name IS NULL"),
            0
        );
        assert!(count("SELECT count(*) FROM outbox WHERE state = 'visible'") > 300);
        assert!(
            count("SELECT count(*) FROM interactions_fts WHERE interactions_fts MATCH 'плед'") > 0
        );
        let newest = count("SELECT max(created_at) FROM interactions");
        let age = now.timestamp() - newest;
        assert!((60..=660).contains(&age), "the newest item is {age} s old");
        // A second run into the same file is refused; the same seed gives the same items.
        assert!(generate_at(&path, 10, 7, now).is_err());
        let a: Vec<String> = items(50, 7, now).unwrap().map(|s| s.item.text).collect();
        let b: Vec<String> = items(50, 7, now).unwrap().map(|s| s.item.text).collect();
        assert_eq!(a, b);
    }

    #[test]
    fn bigger_stores_have_a_longer_history_not_a_denser_week() {
        let day = Duration::days(1).num_seconds();
        for n in [10_000, 100_000, 1_000_000] {
            assert_eq!(arrival_step_secs(n), day / ARRIVALS_PER_DAY as i64, "{n}");
        }
        // The last week holds the same items at every size the benchmarks build.
        let week = |n: usize| (7 * day / arrival_step_secs(n)).min(n as i64);
        assert_eq!(week(10_000), week(1_000_000));
        // A small store still spreads over two weeks.
        let span_days = |n: usize| arrival_step_secs(n) * n as i64 / day;
        assert_eq!(span_days(600), MIN_SPAN_DAYS);
        assert_eq!(span_days(1_000_000), 1_000_000 / ARRIVALS_PER_DAY as i64);
        let now = Utc.with_ymd_and_hms(2026, 11, 2, 12, 0, 0).unwrap();
        let oldest = items(600, 7, now).unwrap().next().unwrap().item.created_at;
        let age_days = (now - oldest).num_days();
        assert!(
            (13..=14).contains(&age_days),
            "the oldest item is {age_days} days old"
        );
    }
}
