use serde::{Deserialize, Serialize};

/// What the marketplace says about a product: context for the detail pane and drafts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductCard {
    /// nmId on WB, sku on Ozon.
    pub external_id: String,
    pub name: Option<String>,
    pub brand: Option<String>,
    pub category: Option<String>,
    pub vendor_code: Option<String>,
    /// Roubles; WB's public card carries no price.
    pub price: Option<i64>,
    pub description: Option<String>,
    /// (name, value) pairs in the marketplace's order.
    pub characteristics: Vec<(String, String)>,
}
