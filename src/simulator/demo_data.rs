//! The demo shops in `data/demo/`: products, reviews, questions and chats written for
//! this project, embedded in the binary.

use anyhow::{Context, Result};
use serde::Deserialize;

use crate::domain::Marketplace;

const WB_SHOP: &str = include_str!("../../data/demo/wb-shop.toml");
const OZON_SHOP: &str = include_str!("../../data/demo/ozon-shop.toml");

#[derive(Debug, Clone, Deserialize)]
pub struct DemoShop {
    pub shop: ShopInfo,
    #[serde(default)]
    pub products: Vec<DemoProduct>,
    #[serde(default)]
    pub reviews: Vec<DemoReview>,
    #[serde(default)]
    pub questions: Vec<DemoQuestion>,
    #[serde(default)]
    pub chats: Vec<DemoChat>,
    #[serde(default)]
    pub incoming_reviews: Vec<DemoReview>,
    #[serde(default)]
    pub incoming_questions: Vec<DemoQuestion>,
    #[serde(default)]
    pub incoming_chat_messages: Vec<DemoChatMessage>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ShopInfo {
    pub name: String,
    pub marketplace: Marketplace,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DemoProduct {
    pub id: i64,
    pub name: String,
    pub brand: String,
    pub category: String,
    pub price: i64,
    #[serde(default)]
    pub vendor_code: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub characteristics: Vec<Characteristic>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Characteristic {
    pub name: String,
    pub value: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DemoReview {
    pub product: i64,
    #[serde(default)]
    pub author: Option<String>,
    pub rating: u8,
    pub text: String,
    #[serde(default)]
    pub pros: Option<String>,
    #[serde(default)]
    pub cons: Option<String>,
    #[serde(default)]
    pub photos: u32,
    #[serde(default)]
    pub age_minutes: i64,
    #[serde(default)]
    pub answer: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DemoQuestion {
    pub product: i64,
    #[serde(default)]
    pub author: Option<String>,
    pub text: String,
    #[serde(default)]
    pub age_minutes: i64,
    #[serde(default)]
    pub answer: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DemoChat {
    #[serde(default)]
    pub product: Option<i64>,
    pub client_name: String,
    #[serde(default)]
    pub messages: Vec<DemoMessage>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DemoMessage {
    pub from: String,
    pub text: String,
    #[serde(default)]
    pub age_minutes: i64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DemoChatMessage {
    pub client_name: String,
    #[serde(default)]
    pub product: Option<i64>,
    pub text: String,
}

impl DemoShop {
    pub fn parse(source: &str, text: &str) -> Result<DemoShop> {
        let shop: DemoShop =
            toml::from_str(text).with_context(|| format!("reading demo shop {source}"))?;
        Ok(shop)
    }

    /// The Wildberries demo shop.
    pub fn wb() -> Result<DemoShop> {
        DemoShop::parse("data/demo/wb-shop.toml", WB_SHOP)
    }

    /// The Ozon demo shop.
    pub fn ozon() -> Result<DemoShop> {
        DemoShop::parse("data/demo/ozon-shop.toml", OZON_SHOP)
    }

    pub fn product(&self, id: i64) -> Option<&DemoProduct> {
        self.products.iter().find(|p| p.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_shops_parse_and_reference_their_products() {
        for shop in [DemoShop::wb().unwrap(), DemoShop::ozon().unwrap()] {
            assert!(shop.products.len() >= 15, "{}", shop.shop.name);
            for r in shop.reviews.iter().chain(&shop.incoming_reviews) {
                assert!(shop.product(r.product).is_some(), "review of {}", r.product);
                assert!((1..=5).contains(&r.rating));
            }
            for q in shop.questions.iter().chain(&shop.incoming_questions) {
                assert!(shop.product(q.product).is_some());
            }
        }
        let wb = DemoShop::wb().unwrap();
        assert_eq!(wb.shop.marketplace, Marketplace::Wb);
        assert!(wb.reviews.len() >= 120);
    }
}
