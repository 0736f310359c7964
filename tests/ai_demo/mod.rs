//! The demo shops (data/demo/*.toml) parsed into domain items, for the AI tests.
#![allow(dead_code)]

use agentiq::ai::{ApprovedAnswer, ProductCard};
use agentiq::domain::{
    AnswerState, Channel, ChatMessage, Interaction, InteractionId, Marketplace, ProductRef, Rating,
    Sender,
};
use chrono::{DateTime, Duration, TimeZone, Utc};
use serde::Deserialize;

#[derive(Deserialize)]
struct Shop {
    shop: ShopInfo,
    products: Vec<Product>,
    #[serde(default)]
    reviews: Vec<Review>,
    #[serde(default)]
    incoming_reviews: Vec<Review>,
    #[serde(default)]
    questions: Vec<Question>,
    #[serde(default)]
    incoming_questions: Vec<Question>,
    #[serde(default)]
    chats: Vec<Chat>,
    #[serde(default)]
    incoming_chat_messages: Vec<Incoming>,
}

#[derive(Deserialize)]
struct ShopInfo {
    name: String,
    marketplace: String,
}

#[derive(Deserialize)]
struct Characteristic {
    name: String,
    value: String,
}

#[derive(Deserialize)]
struct Product {
    id: u64,
    name: String,
    brand: Option<String>,
    category: Option<String>,
    price: Option<i64>,
    description: Option<String>,
    #[serde(default)]
    characteristics: Vec<Characteristic>,
}

#[derive(Deserialize)]
struct Review {
    product: u64,
    author: Option<String>,
    rating: u8,
    text: String,
    pros: Option<String>,
    cons: Option<String>,
    #[serde(default)]
    photos: u32,
    answer: Option<String>,
}

#[derive(Deserialize)]
struct Question {
    product: u64,
    author: Option<String>,
    text: String,
    answer: Option<String>,
}

#[derive(Deserialize)]
struct Message {
    from: String,
    text: String,
    #[serde(default)]
    age_minutes: i64,
}

#[derive(Deserialize)]
struct Chat {
    product: Option<u64>,
    client_name: Option<String>,
    messages: Vec<Message>,
}

#[derive(Deserialize)]
struct Incoming {
    client_name: Option<String>,
    product: Option<u64>,
    text: String,
}

/// One demo item ready for drafting.
pub struct Item {
    pub interaction: Interaction,
    pub thread: Vec<ChatMessage>,
    pub product: Option<ProductCard>,
    /// The seller's answer in the demo data, if any.
    pub answer: Option<String>,
    /// Where it came from: "reviews", "incoming_reviews", "questions", ...
    pub kind: &'static str,
}

pub struct Demo {
    pub marketplace: Marketplace,
    pub items: Vec<Item>,
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 12, 0, 0).unwrap()
}

pub fn load(file: &str) -> Demo {
    let path = format!("{}/data/demo/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("demo file");
    let shop: Shop = toml::from_str(&text).expect("demo file parses");
    let marketplace: Marketplace = shop.shop.marketplace.parse().expect("marketplace");
    let card = |id: u64| -> Option<ProductCard> {
        shop.products
            .iter()
            .find(|p| p.id == id)
            .map(|p| ProductCard {
                id: Some(p.id.to_string()),
                name: p.name.clone(),
                brand: p.brand.clone(),
                category: p.category.clone(),
                characteristics: p
                    .characteristics
                    .iter()
                    .map(|c| (c.name.clone(), c.value.clone()))
                    .collect(),
                price: p.price.map(|x| x as f64),
                description: p.description.clone(),
            })
    };
    let mut items = Vec::new();
    let mut next_id = 0i64;
    let mut make = |channel: Channel,
                    product: Option<u64>,
                    name: Option<String>,
                    text: String,
                    rating: Option<u8>,
                    pros: Option<String>,
                    cons: Option<String>,
                    kind: &'static str|
     -> Interaction {
        next_id += 1;
        let created = now() - Duration::minutes(next_id);
        Interaction {
            id: InteractionId(next_id),
            account_id: 1,
            account_name: shop.shop.name.clone(),
            marketplace,
            channel,
            external_id: format!("{}-{kind}-{next_id}", marketplace.as_str()),
            product: product.map(|id| ProductRef {
                external_id: id.to_string(),
                name: shop
                    .products
                    .iter()
                    .find(|p| p.id == id)
                    .map(|p| p.name.clone()),
                brand: shop
                    .products
                    .iter()
                    .find(|p| p.id == id)
                    .and_then(|p| p.brand.clone()),
            }),
            customer_name: name,
            text,
            pros,
            cons,
            photos: 0,
            rating: rating.and_then(Rating::new),
            created_at: created,
            waiting_since: created,
            state: AnswerState::Open,
            answer: None,
            at_risk_at: created + Duration::hours(1),
            due_at: created + Duration::hours(4),
            reply_handle: None,
        }
    };
    for (kind, list) in [
        ("reviews", &shop.reviews),
        ("incoming_reviews", &shop.incoming_reviews),
    ] {
        for r in list {
            let interaction = make(
                Channel::Review,
                Some(r.product),
                r.author.clone(),
                r.text.clone(),
                Some(r.rating),
                r.pros.clone(),
                r.cons.clone(),
                kind,
            );
            let _ = r.photos;
            items.push(Item {
                interaction,
                thread: Vec::new(),
                product: card(r.product),
                answer: r.answer.clone(),
                kind,
            });
        }
    }
    for (kind, list) in [
        ("questions", &shop.questions),
        ("incoming_questions", &shop.incoming_questions),
    ] {
        for q in list {
            let interaction = make(
                Channel::Question,
                Some(q.product),
                q.author.clone(),
                q.text.clone(),
                None,
                None,
                None,
                kind,
            );
            items.push(Item {
                interaction,
                thread: Vec::new(),
                product: card(q.product),
                answer: q.answer.clone(),
                kind,
            });
        }
    }
    let thread_of = |messages: &[Message], extra: Option<&str>| -> Vec<ChatMessage> {
        let mut out: Vec<ChatMessage> = messages
            .iter()
            .enumerate()
            .map(|(i, m)| ChatMessage {
                external_id: format!("m{i}"),
                sender: if m.from == "seller" {
                    Sender::Seller
                } else {
                    Sender::Buyer
                },
                text: m.text.clone(),
                sent_at: now() - Duration::minutes(m.age_minutes),
            })
            .collect();
        if let Some(t) = extra {
            out.push(ChatMessage {
                external_id: format!("m{}", out.len()),
                sender: Sender::Buyer,
                text: t.to_string(),
                sent_at: now(),
            });
        }
        out
    };
    for c in &shop.chats {
        let thread = thread_of(&c.messages, None);
        let last = thread.last().map(|m| m.text.clone()).unwrap_or_default();
        let interaction = make(
            Channel::Chat,
            c.product,
            c.client_name.clone(),
            last,
            None,
            None,
            None,
            "chats",
        );
        items.push(Item {
            interaction,
            thread,
            product: c.product.and_then(card),
            answer: None,
            kind: "chats",
        });
    }
    for m in &shop.incoming_chat_messages {
        let earlier = shop
            .chats
            .iter()
            .find(|c| c.client_name == m.client_name && c.product == m.product);
        let thread = thread_of(earlier.map_or(&[][..], |c| &c.messages[..]), Some(&m.text));
        let interaction = make(
            Channel::Chat,
            m.product,
            m.client_name.clone(),
            m.text.clone(),
            None,
            None,
            None,
            "incoming_chat_messages",
        );
        items.push(Item {
            interaction,
            thread,
            product: m.product.and_then(card),
            answer: None,
            kind: "incoming_chat_messages",
        });
    }
    Demo { marketplace, items }
}

pub fn wb() -> Demo {
    load("wb-shop.toml")
}

pub fn ozon() -> Demo {
    load("ozon-shop.toml")
}

pub fn both() -> Vec<Demo> {
    vec![wb(), ozon()]
}

/// The seller's answers in the demo data as approved answers.
pub fn approved(demo: &Demo) -> Vec<ApprovedAnswer> {
    demo.items
        .iter()
        .filter_map(|it| {
            let answer = it.answer.clone()?;
            Some(ApprovedAnswer {
                channel: it.interaction.channel,
                customer_text: it.interaction.text.clone(),
                answer,
                customer_name: it.interaction.customer_name.clone(),
                product_id: it
                    .interaction
                    .product
                    .as_ref()
                    .map(|p| p.external_id.clone()),
                product_name: it.product.as_ref().map(|p| p.name.clone()),
                intent: None,
                rating: it.interaction.rating,
            })
        })
        .collect()
}
