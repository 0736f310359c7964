//! `agentiq simulator --fixtures DIR`: accounts whose items are read from files written in
//! the marketplaces' own wire format (each file is a response exactly as the API returns
//! it), parsed with the connectors' wire types. Fixtures replace the demo shops.
//!
//! ```text
//! DIR/wb/account.toml                      name = "…"  (the account's name)
//! DIR/wb/feedbacks[-*].json                GET  /api/v1/feedbacks        (envelope)
//! DIR/wb/questions[-*].json                GET  /api/v1/questions        (envelope)
//! DIR/wb/chats[-*].json                    GET  /api/v1/seller/chats
//! DIR/wb/events[-*].json                   GET  /api/v1/seller/events
//! DIR/wb/cards/<nmId>.json                 GET  …/<nmId>/info/ru/card.json
//! DIR/ozon/account.toml                    name = "…"
//! DIR/ozon/reviews[-*].json                POST /v1/review/list
//! DIR/ozon/review_comments/<id>.json       POST /v1/review/comment/list  (for review <id>)
//! DIR/ozon/questions[-*].json              POST /v1/question/list
//! DIR/ozon/question_answers/<id>.json      POST /v1/question/answer/list (for question <id>)
//! DIR/ozon/chats[-*].json                  POST /v3/chat/list
//! DIR/ozon/chat_history/<chat_id>.json     POST /v3/chat/history         (for that chat)
//! DIR/ozon/products[-*].json               POST /v3/product/info/list
//! ```
//!
//! Either marketplace folder may be absent, not both. Several pages of one list go in
//! `feedbacks.json`, `feedbacks-2.json`, …. Anything else in a folder is an error (a
//! misspelt name would otherwise be silently ignored), as is a file that does not read:
//! the message names the file and the JSON path (and line, for syntax errors), and
//! nothing is served until every file has loaded.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;

use super::demo_data::{Characteristic, DemoProduct};
use super::state::{SimAccount, SimAnswer, SimChat, SimMessage, SimQuestion, SimReview};
use crate::connectors::catalog::{ozon_card_from_json, wb_card_from_json};
use crate::connectors::ozon::wire as ozon;
use crate::connectors::ozon::{newest_answer, newest_seller_comment, parse_time};
use crate::connectors::wb::wire as wb;
use crate::domain::{Marketplace, ProductCard};

/// One account read from a fixtures folder.
#[derive(Debug, Clone)]
pub struct FixtureShop {
    pub name: String,
    pub marketplace: Marketplace,
    pub products: Vec<DemoProduct>,
    pub reviews: Vec<SimReview>,
    pub questions: Vec<SimQuestion>,
    pub chats: Vec<SimChat>,
}

impl FixtureShop {
    /// The simulator account serving these items to a client with these credentials.
    /// Nothing arrives over time on a fixture account: it has no incoming items.
    pub fn into_account(self, token: &str, client_id: Option<&str>) -> SimAccount {
        SimAccount {
            name: self.name,
            marketplace: self.marketplace,
            token: token.to_string(),
            client_id: client_id.map(str::to_string),
            products: self.products,
            reviews: self.reviews,
            questions: self.questions,
            chats: self.chats,
            incoming_reviews: Vec::new(),
            incoming_questions: Vec::new(),
            incoming_chat_messages: Vec::new(),
            next_incoming_review: 0,
            next_incoming_question: 0,
            next_incoming_chat_message: 0,
            next_arrival_kind: 0,
        }
    }
}

/// The file kinds of each marketplace folder, and the sub-folders of per-item files.
const WB_LISTS: &[&str] = &["feedbacks", "questions", "chats", "events"];
const WB_FOLDERS: &[&str] = &["cards"];
const OZON_LISTS: &[&str] = &["reviews", "questions", "chats", "products"];
const OZON_FOLDERS: &[&str] = &["review_comments", "question_answers", "chat_history"];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AccountFile {
    name: String,
}

/// Reads every account of `dir`: `wb/` and/or `ozon/`.
pub fn load(dir: &Path) -> Result<Vec<FixtureShop>> {
    let accounts = account_names(dir)?;
    let mut shops = Vec::new();
    for (name, marketplace) in accounts {
        let folder = Folder::open(dir, marketplace)?;
        let shop = match marketplace {
            Marketplace::Wb => load_wb(&folder, name)?,
            Marketplace::Ozon => load_ozon(&folder, name)?,
        };
        shops.push(shop);
    }
    Ok(shops)
}

/// The accounts a fixtures folder defines, from their `account.toml` alone.
pub fn account_names(dir: &Path) -> Result<Vec<(String, Marketplace)>> {
    if !dir.is_dir() {
        bail!("fixtures folder {} does not exist", dir.display());
    }
    let mut accounts = Vec::new();
    for marketplace in [Marketplace::Wb, Marketplace::Ozon] {
        let folder = dir.join(folder_name(marketplace));
        if !folder.is_dir() {
            continue;
        }
        let path = folder.join("account.toml");
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        let file: AccountFile =
            toml::from_str(&text).with_context(|| format!("reading {}", path.display()))?;
        if file.name.trim().is_empty() {
            bail!("{}: name is empty", path.display());
        }
        accounts.push((file.name, marketplace));
    }
    if accounts.is_empty() {
        bail!(
            "fixtures folder {} has neither wb/ nor ozon/ in it",
            dir.display()
        );
    }
    Ok(accounts)
}

fn folder_name(marketplace: Marketplace) -> &'static str {
    match marketplace {
        Marketplace::Wb => "wb",
        Marketplace::Ozon => "ozon",
    }
}

/// A marketplace folder, its files checked against the layout.
struct Folder {
    root: PathBuf,
    /// `DIR`-relative names for messages, e.g. `wb/feedbacks.json`.
    prefix: String,
    lists: BTreeMap<&'static str, Vec<PathBuf>>,
    per_item: BTreeMap<&'static str, BTreeMap<String, PathBuf>>,
}

impl Folder {
    fn open(dir: &Path, marketplace: Marketplace) -> Result<Folder> {
        let prefix = folder_name(marketplace).to_string();
        let root = dir.join(&prefix);
        let (lists, folders) = match marketplace {
            Marketplace::Wb => (WB_LISTS, WB_FOLDERS),
            Marketplace::Ozon => (OZON_LISTS, OZON_FOLDERS),
        };
        let mut found = Folder {
            root: root.clone(),
            prefix,
            lists: lists.iter().map(|k| (*k, Vec::new())).collect(),
            per_item: folders.iter().map(|k| (*k, BTreeMap::new())).collect(),
        };
        for entry in sorted_entries(&root)? {
            let name = entry
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_string();
            if name == "account.toml" {
                continue;
            }
            if entry.is_dir() {
                let Some(kind) = folders.iter().find(|k| **k == name) else {
                    bail!(
                        "{}/{name}/: not a fixture folder (expected one of {})",
                        found.prefix,
                        folders.join(", ")
                    );
                };
                for file in sorted_entries(&entry)? {
                    let file_name = file
                        .file_name()
                        .and_then(|n| n.to_str())
                        .unwrap_or_default()
                        .to_string();
                    let Some(id) = file_name.strip_suffix(".json").filter(|_| file.is_file())
                    else {
                        bail!("{}/{name}/{file_name}: expected <id>.json", found.prefix);
                    };
                    found
                        .per_item
                        .entry(kind)
                        .or_default()
                        .insert(id.to_string(), file);
                }
                continue;
            }
            let kind = name.strip_suffix(".json").and_then(|stem| {
                lists.iter().find(|k| {
                    stem == **k || stem.strip_prefix(**k).is_some_and(|r| r.starts_with('-'))
                })
            });
            let Some(kind) = kind else {
                bail!(
                    "{}/{name}: not a fixture file (expected account.toml, {} as <kind>.json or <kind>-<page>.json, or the folders {})",
                    found.prefix,
                    lists.join(", "),
                    folders.join(", ")
                );
            };
            found.lists.entry(kind).or_default().push(entry);
        }
        Ok(found)
    }

    fn rel(&self, path: &Path) -> String {
        let inner = path.strip_prefix(&self.root).unwrap_or(path);
        format!("{}/{}", self.prefix, inner.display())
    }

    fn list(&self, kind: &str) -> &[PathBuf] {
        self.lists.get(kind).map(Vec::as_slice).unwrap_or_default()
    }

    fn per_item(&self, kind: &str) -> impl Iterator<Item = (&String, &PathBuf)> {
        self.per_item.get(kind).into_iter().flatten()
    }
}

fn sorted_entries(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut entries = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .map(|e| e.map(|e| e.path()))
        .collect::<std::io::Result<Vec<_>>>()
        .with_context(|| format!("reading {}", dir.display()))?;
    entries.sort();
    Ok(entries)
}

/// A whole file as `T`; an error names the file, the JSON path and, for syntax errors,
/// the line and column.
fn read_json<T: DeserializeOwned>(path: &Path, rel: &str) -> Result<T> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {rel}"))?;
    let mut de = serde_json::Deserializer::from_str(&text);
    let value: T = serde_path_to_error::deserialize(&mut de)
        .map_err(|e| anyhow!("{rel}: at {}: {}", e.path(), e.inner()))?;
    de.end().map_err(|e| anyhow!("{rel}: {e}"))?;
    Ok(value)
}

/// One raw list item as `T`; an error names the file and the item's JSON path.
fn item<T: DeserializeOwned>(rel: &str, at: &str, raw: &Value) -> Result<T> {
    serde_path_to_error::deserialize(raw).map_err(|e| {
        let inner = e.path().to_string();
        let path = if inner == "." {
            at.to_string()
        } else {
            format!("{at}.{inner}")
        };
        anyhow!("{rel}: at {path}: {}", e.inner())
    })
}

fn rfc3339(rel: &str, at: &str, text: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| anyhow!("{rel}: at {at}: '{text}' is not an RFC 3339 time: {e}"))
}

fn ozon_time(rel: &str, at: &str, text: &str) -> Result<DateTime<Utc>> {
    parse_time(text).map_err(|e| anyhow!("{rel}: at {at}: not a time: {e}"))
}

fn stars(rel: &str, at: &str, value: Option<i64>) -> Result<u8> {
    value
        .and_then(|v| u8::try_from(v).ok())
        .filter(|v| (1..=5).contains(v))
        .ok_or_else(|| anyhow!("{rel}: at {at}: a rating of 1 to 5 is required, found {value:?}"))
}

/// Remembers ids so the same item in two files (or twice in one) is refused.
#[derive(Default)]
struct Seen(BTreeMap<String, String>);

impl Seen {
    fn first(&mut self, what: &str, id: &str, rel: &str, at: &str) -> Result<()> {
        if let Some(first) = self.0.insert(id.to_string(), format!("{rel} {at}")) {
            bail!("{rel}: at {at}: {what} {id} is already in {first}");
        }
        Ok(())
    }
}

fn product_from_card(card: ProductCard, id: i64) -> DemoProduct {
    DemoProduct {
        id,
        name: card.name.unwrap_or_default(),
        brand: card.brand.unwrap_or_default(),
        category: card.category.unwrap_or_default(),
        price: card.price.unwrap_or(0),
        vendor_code: card.vendor_code.unwrap_or_default(),
        description: card.description.unwrap_or_default(),
        characteristics: card
            .characteristics
            .into_iter()
            .map(|(name, value)| Characteristic { name, value })
            .collect(),
    }
}

// ───────────────────────────── Wildberries ─────────────────────────────

fn load_wb(folder: &Folder, name: String) -> Result<FixtureShop> {
    let mut products = wb_cards(folder)?;
    let mut named = WbNamedProducts::default();
    let reviews = wb_reviews(folder, &mut named)?;
    let questions = wb_questions(folder, &mut named)?;
    let chats = wb_chats(folder)?;
    for (nm, product) in named.0 {
        products.entry(nm).or_insert(product);
    }
    Ok(FixtureShop {
        name,
        marketplace: Marketplace::Wb,
        products: products.into_values().collect(),
        reviews: in_creation_order(reviews, |r| (r.created_at, r.id.clone())),
        questions: in_creation_order(questions, |q| (q.created_at, q.id.clone())),
        chats,
    })
}

/// The products with a card file (`cards/<nmId>.json`).
fn wb_cards(folder: &Folder) -> Result<BTreeMap<i64, DemoProduct>> {
    let mut products: BTreeMap<i64, DemoProduct> = BTreeMap::new();
    for (stem, path) in folder.per_item("cards") {
        let rel = folder.rel(path);
        let raw: Value = read_json(path, &rel)?;
        let nm = match raw.get("nm_id") {
            Some(v) => v.as_i64().or_else(|| v.as_str()?.trim().parse().ok()),
            None => stem.parse().ok(),
        }
        .ok_or_else(|| anyhow!("{rel}: at nm_id: no nmId in the card or the file name"))?;
        let card = wb_card_from_json(nm, raw).map_err(|s| anyhow!("{rel}: {}", s.reason))?;
        products.insert(nm, product_from_card(card, nm));
    }
    Ok(products)
}

/// Products the items name without a card file: their names come from productDetails.
#[derive(Default)]
struct WbNamedProducts(BTreeMap<i64, DemoProduct>);

impl WbNamedProducts {
    /// The item's product id, required; its names are kept for a product with no card.
    fn note(&mut self, details: &Option<wb::ProductDetails>, rel: &str, at: &str) -> Result<i64> {
        let nm = details.as_ref().and_then(|d| d.nm_id).ok_or_else(|| {
            anyhow!("{rel}: at {at}.productDetails.nmId: the product is required")
        })?;
        if let Some(d) = details {
            self.0.entry(nm).or_insert_with(|| DemoProduct {
                id: nm,
                name: d.product_name.clone().unwrap_or_default(),
                brand: d.brand_name.clone().unwrap_or_default(),
                category: String::new(),
                price: 0,
                vendor_code: d.supplier_article.clone().unwrap_or_default(),
                description: String::new(),
                characteristics: Vec::new(),
            });
        }
        Ok(nm)
    }
}

fn wb_reviews(folder: &Folder, named: &mut WbNamedProducts) -> Result<Vec<SimReview>> {
    let mut reviews = Vec::new();
    let mut seen = Seen::default();
    for path in folder.list("feedbacks") {
        let rel = folder.rel(path);
        let envelope: wb::Envelope<wb::FeedbackList> = read_json(path, &rel)?;
        let list = envelope
            .data
            .ok_or_else(|| anyhow!("{rel}: at data: the list is missing"))?;
        for (i, raw) in list.feedbacks.iter().enumerate() {
            let at = format!("data.feedbacks[{i}]");
            let f: wb::Feedback = item(&rel, &at, raw)?;
            seen.first("feedback", &f.id, &rel, &at)?;
            let created_at = rfc3339(&rel, &format!("{at}.createdDate"), &f.created_date)?;
            let rating = stars(&rel, &format!("{at}.productValuation"), f.product_valuation)?;
            let product_id = named.note(&f.product_details, &rel, &at)?;
            reviews.push(SimReview {
                id: f.id,
                product_id,
                author: f.user_name,
                rating,
                text: f.text.unwrap_or_default(),
                pros: f.pros,
                cons: f.cons,
                photos: f.photo_links.map_or(0, |p| p.len() as u32),
                created_at,
                answer: f
                    .answer
                    .filter(|a| !a.text.trim().is_empty())
                    .map(|a| SimAnswer {
                        text: a.text,
                        state: a.state.unwrap_or_else(|| "wbRu".into()),
                        editable: a.editable,
                        at: created_at,
                    }),
                viewed: f.was_viewed,
            });
        }
    }
    Ok(reviews)
}

fn wb_questions(folder: &Folder, named: &mut WbNamedProducts) -> Result<Vec<SimQuestion>> {
    let mut questions = Vec::new();
    let mut seen = Seen::default();
    for path in folder.list("questions") {
        let rel = folder.rel(path);
        let envelope: wb::Envelope<wb::QuestionList> = read_json(path, &rel)?;
        let list = envelope
            .data
            .ok_or_else(|| anyhow!("{rel}: at data: the list is missing"))?;
        for (i, raw) in list.questions.iter().enumerate() {
            let at = format!("data.questions[{i}]");
            let q: wb::Question = item(&rel, &at, raw)?;
            seen.first("question", &q.id, &rel, &at)?;
            let created_at = rfc3339(&rel, &format!("{at}.createdDate"), &q.created_date)?;
            let product_id = named.note(&q.product_details, &rel, &at)?;
            let answer = match q.answer.filter(|a| !a.text.trim().is_empty()) {
                Some(a) => Some(SimAnswer {
                    at: match &a.create_date {
                        Some(t) => rfc3339(&rel, &format!("{at}.answer.createDate"), t)?,
                        None => created_at,
                    },
                    text: a.text,
                    state: wb::QUESTION_ANSWERED.into(),
                    editable: a.editable,
                }),
                None => None,
            };
            questions.push(SimQuestion {
                id: q.id,
                product_id,
                author: None,
                text: q.text.unwrap_or_default(),
                created_at,
                answer,
                viewed: q.was_viewed,
                rejected: q.state.as_deref() == Some(wb::QUESTION_REJECTED),
            });
        }
    }
    Ok(questions)
}

/// Chats from `chats*.json`, their threads from the events files.
fn wb_chats(folder: &Folder) -> Result<Vec<SimChat>> {
    let mut chats: Vec<SimChat> = Vec::new();
    let mut seen = Seen::default();
    for path in folder.list("chats") {
        let rel = folder.rel(path);
        let response: wb::ChatsResponse = read_json(path, &rel)?;
        for (i, raw) in response.result.iter().enumerate() {
            let at = format!("result[{i}]");
            let c: wb::Chat = item(&rel, &at, raw)?;
            seen.first("chat", &c.chat_id, &rel, &at)?;
            chats.push(SimChat {
                id: c.chat_id,
                reply_sign: c.reply_sign.unwrap_or_default(),
                client_id: c.client_id.unwrap_or_default(),
                client_name: c.client_name.unwrap_or_default(),
                product_id: c.good_card.and_then(|g| g.nm_id),
                messages: Vec::new(),
                wire_id: None,
            });
        }
    }
    let mut seen = Seen::default();
    for path in folder.list("events") {
        let rel = folder.rel(path);
        let response: wb::EventsResponse = read_json(path, &rel)?;
        let events = response.result.map(|r| r.events).unwrap_or_default();
        for (i, raw) in events.iter().enumerate() {
            let at = format!("result.events[{i}]");
            let e: wb::ChatEvent = item(&rel, &at, raw)?;
            seen.first("event", &e.event_id, &rel, &at)?;
            let Some(chat) = chats.iter_mut().find(|c| c.id == e.chat_id) else {
                bail!(
                    "{rel}: at {at}.chatID: chat {} is in no chats*.json",
                    e.chat_id
                );
            };
            if let Some(sign) = e.reply_sign.as_ref().filter(|_| chat.reply_sign.is_empty()) {
                chat.reply_sign = sign.clone();
            }
            // Only buyer and seller messages make a thread; WB's own notices are not served.
            let from_buyer = match (e.event_type.as_deref(), e.sender.as_deref()) {
                (Some(t), _) if t != "message" => continue,
                (_, Some("client")) => true,
                (_, Some("seller")) => false,
                _ => continue,
            };
            let when = match (e.add_timestamp, e.add_time.as_deref()) {
                (Some(ms), _) if ms > 0 => DateTime::from_timestamp_millis(ms)
                    .ok_or_else(|| anyhow!("{rel}: at {at}.addTimestamp: {ms} is out of range"))?,
                (_, Some(text)) => rfc3339(&rel, &format!("{at}.addTime"), text)?,
                _ => bail!("{rel}: at {at}: the event has no addTimestamp or addTime"),
            };
            chat.messages.push(SimMessage {
                id: e.event_id,
                from_buyer,
                text: e.message.and_then(|m| m.text).unwrap_or_default(),
                at: when,
            });
        }
    }
    for chat in &mut chats {
        if chat.reply_sign.is_empty() {
            bail!(
                "wb: chat {} has no replySign in chats*.json or in its opening event",
                chat.id
            );
        }
        chat.messages.sort_by_key(|m| m.at);
    }
    Ok(chats)
}

fn in_creation_order<T, K: Ord>(mut items: Vec<T>, key: impl Fn(&T) -> K) -> Vec<T> {
    items.sort_by_key(key);
    items
}

// ───────────────────────────── Ozon ─────────────────────────────

#[derive(Deserialize)]
struct ProductInfoList {
    #[serde(default)]
    items: Vec<Value>,
}

fn load_ozon(folder: &Folder, name: String) -> Result<FixtureShop> {
    let products = ozon_products(folder)?;
    // Per-item files (answers, comments, histories) that a list names; any other is an error.
    let mut used = HashSet::new();
    let reviews = ozon_reviews(folder, &mut used)?;
    let questions = ozon_questions(folder, &mut used)?;
    let chats = ozon_chats(folder, &mut used)?;
    for kind in OZON_FOLDERS {
        if let Some((id, path)) = folder
            .per_item(kind)
            .find(|(id, _)| !used.contains(&(*kind, (*id).clone())))
        {
            bail!(
                "{}: no item {id} in the lists it belongs to",
                folder.rel(path)
            );
        }
    }
    Ok(FixtureShop {
        name,
        marketplace: Marketplace::Ozon,
        products: products.into_values().collect(),
        reviews: in_creation_order(reviews, |r| (r.created_at, r.id.clone())),
        questions: in_creation_order(questions, |q| (q.created_at, q.id.clone())),
        chats,
    })
}

/// Per-item files already claimed by an item of a list: (folder, item id).
type UsedFiles = HashSet<(&'static str, String)>;

fn ozon_products(folder: &Folder) -> Result<BTreeMap<i64, DemoProduct>> {
    let mut products: BTreeMap<i64, DemoProduct> = BTreeMap::new();
    for path in folder.list("products") {
        let rel = folder.rel(path);
        let list: ProductInfoList = read_json(path, &rel)?;
        for (i, raw) in list.items.iter().enumerate() {
            let at = format!("items[{i}]");
            let sku = raw
                .get("sku")
                .and_then(|v| v.as_i64().or_else(|| v.as_str()?.trim().parse().ok()))
                .ok_or_else(|| anyhow!("{rel}: at {at}.sku: a numeric sku is required"))?;
            let card = ozon_card_from_json(raw.clone(), &[sku])
                .map_err(|s| anyhow!("{rel}: at {at}: {}", s.reason))?;
            products.insert(sku, product_from_card(card, sku));
        }
    }
    Ok(products)
}

fn ozon_reviews(folder: &Folder, used: &mut UsedFiles) -> Result<Vec<SimReview>> {
    let mut reviews = Vec::new();
    let mut seen = Seen::default();
    for path in folder.list("reviews") {
        let rel = folder.rel(path);
        let list: ozon::ReviewListResponse = read_json(path, &rel)?;
        for (i, raw) in list.reviews.iter().enumerate() {
            let at = format!("reviews[{i}]");
            let r: ozon::Review = item(&rel, &at, raw)?;
            seen.first("review", &r.id, &rel, &at)?;
            let created_at = ozon_time(&rel, &format!("{at}.published_at"), &r.published_at)?;
            let rating = stars(&rel, &format!("{at}.rating"), r.rating)?;
            let product_id = r
                .sku
                .ok_or_else(|| anyhow!("{rel}: at {at}.sku: the product is required"))?;
            let answer = match folder
                .per_item("review_comments")
                .find(|(id, _)| **id == r.id)
            {
                Some((id, path)) => {
                    used.insert(("review_comments", id.clone()));
                    let rel = folder.rel(path);
                    let list: ozon::CommentListResponse = read_json(path, &rel)?;
                    newest_seller_comment(&list.comments).map(|text| {
                        let when = list
                            .comments
                            .iter()
                            .find(|c| c.is_owner && c.text == text)
                            .and_then(|c| c.published_at.as_deref())
                            .and_then(|t| parse_time(t).ok());
                        SimAnswer {
                            text,
                            state: "wbRu".into(),
                            editable: false,
                            at: when.unwrap_or(created_at),
                        }
                    })
                }
                None => None,
            };
            reviews.push(SimReview {
                id: r.id,
                product_id,
                author: None,
                rating,
                text: r.text.unwrap_or_default(),
                pros: None,
                cons: None,
                photos: u32::try_from(r.photos_amount).unwrap_or(0),
                created_at,
                viewed: r.status.as_deref() == Some("PROCESSED") || answer.is_some(),
                answer,
            });
        }
    }
    Ok(reviews)
}

fn ozon_questions(folder: &Folder, used: &mut UsedFiles) -> Result<Vec<SimQuestion>> {
    let mut questions = Vec::new();
    let mut seen = Seen::default();
    for path in folder.list("questions") {
        let rel = folder.rel(path);
        let list: ozon::QuestionListResponse = read_json(path, &rel)?;
        for (i, raw) in list.questions.iter().enumerate() {
            let at = format!("questions[{i}]");
            let q: ozon::Question = item(&rel, &at, raw)?;
            seen.first("question", &q.id, &rel, &at)?;
            let published_at = q
                .published_at
                .as_deref()
                .ok_or_else(|| anyhow!("{rel}: at {at}.published_at: the time is required"))?;
            let created_at = ozon_time(&rel, &format!("{at}.published_at"), published_at)?;
            let product_id = q
                .sku
                .ok_or_else(|| anyhow!("{rel}: at {at}.sku: the product is required"))?;
            let answer = match folder
                .per_item("question_answers")
                .find(|(id, _)| **id == q.id)
            {
                Some((id, path)) => {
                    used.insert(("question_answers", id.clone()));
                    let rel = folder.rel(path);
                    let list: ozon::AnswerListResponse = read_json(path, &rel)?;
                    newest_answer(&list.answers).map(|text| {
                        let when = list
                            .answers
                            .iter()
                            .find(|a| a.text == text)
                            .and_then(|a| a.published_at.as_deref())
                            .and_then(|t| parse_time(t).ok());
                        SimAnswer {
                            text,
                            state: "wbRu".into(),
                            editable: false,
                            at: when.unwrap_or(created_at),
                        }
                    })
                }
                None => None,
            };
            let status = q.status.as_deref().unwrap_or("NEW");
            if status == "PROCESSED" && answer.is_none() {
                bail!(
                    "{rel}: at {at}.status: question {} is PROCESSED but ozon/question_answers/{}.json has no answer",
                    q.id,
                    q.id
                );
            }
            questions.push(SimQuestion {
                id: q.id,
                product_id,
                author: q.author_name,
                text: q.text.unwrap_or_default(),
                created_at,
                viewed: status != "NEW",
                answer,
                rejected: false,
            });
        }
    }
    Ok(questions)
}

fn ozon_chats(folder: &Folder, used: &mut UsedFiles) -> Result<Vec<SimChat>> {
    let mut chats = Vec::new();
    let mut seen = Seen::default();
    for path in folder.list("chats") {
        let rel = folder.rel(path);
        let list: ozon::ChatListResponse = read_json(path, &rel)?;
        for (i, raw) in list.chats.iter().enumerate() {
            let at = format!("chats[{i}]");
            let info: ozon::ChatInfo = item(&rel, &at, raw)?;
            let chat_id = info.chat.chat_id;
            seen.first("chat", &chat_id, &rel, &at)?;
            let Some((id, path)) = folder
                .per_item("chat_history")
                .find(|(id, _)| **id == chat_id)
            else {
                bail!("{rel}: at {at}: chat {chat_id} has no ozon/chat_history/{chat_id}.json");
            };
            used.insert(("chat_history", id.clone()));
            chats.push(ozon_chat(folder, path, chat_id)?);
        }
    }
    Ok(chats)
}

/// A chat from its `/v3/chat/history` file. Ozon message ids are not kept: the simulator
/// numbers each thread's messages itself, in time order.
fn ozon_chat(folder: &Folder, path: &Path, chat_id: String) -> Result<SimChat> {
    let rel = folder.rel(path);
    let history: ozon::ChatHistoryResponse = read_json(path, &rel)?;
    let mut client_id = None;
    let mut product_id = None;
    let mut messages = Vec::new();
    for (i, raw) in history.messages.iter().enumerate() {
        let at = format!("messages[{i}]");
        let m: ozon::ChatMessage = item(&rel, &at, raw)?;
        let kind = m.user.as_ref().map(|u| u.kind.as_str()).unwrap_or_default();
        let from_buyer = match ozon::Author::parse(kind) {
            ozon::Author::Customer => true,
            ozon::Author::Seller => false,
            // Couriers, support and CRM notices are not part of the buyer's thread.
            ozon::Author::Other => continue,
        };
        if from_buyer {
            client_id = client_id.or_else(|| m.user.as_ref().and_then(|u| u.id.clone()));
            product_id = product_id.or_else(|| {
                m.context
                    .as_ref()
                    .and_then(|c| c.sku.as_deref())
                    .and_then(|s| s.parse::<i64>().ok())
            });
        }
        messages.push(SimMessage {
            id: m.message_id,
            from_buyer,
            text: m.data.join("\n"),
            at: ozon_time(&rel, &format!("{at}.created_at"), &m.created_at)?,
        });
    }
    messages.sort_by_key(|m| m.at);
    Ok(SimChat {
        id: chat_id.clone(),
        reply_sign: String::new(),
        client_id: client_id.unwrap_or_default(),
        client_name: String::new(),
        product_id,
        messages,
        wire_id: Some(chat_id),
    })
}
