//! Product cards: WB's public `card.json` (host from the CDN's upstreams route map) and
//! Ozon's `/v3/product/info/list`. A missing card is `None`, never an error that stops
//! sync.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde::Deserialize;
use tokio::sync::OnceCell;

use super::http::{limiter, HttpClient, RetryPolicy};
use super::lenient;
use super::{ConnectorError, Skipped};
use crate::domain::ProductCard;

#[async_trait]
pub trait Catalog: Send + Sync {
    /// The cards of these products; ids without a card are left out.
    async fn cards(&self, ids: &[String]) -> Result<Vec<ProductCard>, ConnectorError>;
}

/// The CDN and basket hosts publish no limit; we stay gentle.
const CDN_PERIOD: Duration = Duration::from_millis(100);

pub struct WbCards {
    http: HttpClient,
    cdn_base: String,
    routes: OnceCell<Vec<BasketRoute>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct BasketRoute {
    from: i64,
    to: i64,
    host: String,
}

#[derive(Deserialize)]
struct Upstreams {
    #[serde(default)]
    origin: Option<RouteMaps>,
    #[serde(default)]
    recommend: Option<RouteMaps>,
}

#[derive(Deserialize)]
struct RouteMaps {
    #[serde(default)]
    mediabasket_route_map: Vec<RouteMap>,
}

#[derive(Deserialize)]
struct RouteMap {
    #[serde(default)]
    hosts: Vec<RouteHost>,
}

#[derive(Deserialize)]
struct RouteHost {
    #[serde(deserialize_with = "lenient::i64_or_zero", default)]
    vol_range_from: i64,
    #[serde(deserialize_with = "lenient::i64_or_zero", default)]
    vol_range_to: i64,
    #[serde(default)]
    host: String,
}

/// The fields of WB's public card we use.
#[derive(Debug, Deserialize)]
struct WbCard {
    #[serde(default, deserialize_with = "lenient::opt_text")]
    imt_name: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    subj_name: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    vendor_code: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    description: Option<String>,
    #[serde(default)]
    options: Vec<WbOption>,
    #[serde(default)]
    grouped_options: Vec<WbGroup>,
    #[serde(default)]
    compositions: Vec<WbComposition>,
    #[serde(default)]
    selling: Option<WbSelling>,
}

#[derive(Debug, Deserialize)]
struct WbOption {
    #[serde(default)]
    name: String,
    #[serde(default)]
    value: String,
}

#[derive(Debug, Deserialize)]
struct WbGroup {
    #[serde(default)]
    options: Vec<WbOption>,
}

#[derive(Debug, Deserialize)]
struct WbComposition {
    #[serde(default)]
    name: String,
}

#[derive(Debug, Deserialize)]
struct WbSelling {
    #[serde(default, deserialize_with = "lenient::opt_text")]
    brand_name: Option<String>,
}

impl WbCards {
    pub fn new(cdn_base: &str, retry: RetryPolicy) -> WbCards {
        WbCards {
            http: HttpClient::new("wb", limiter(CDN_PERIOD, 5), retry),
            cdn_base: cdn_base.trim_end_matches('/').to_string(),
            routes: OnceCell::new(),
        }
    }

    /// The route map, read once per run; the scheme of the CDN's base URL is used for
    /// the basket hosts (https in production, http against the simulator).
    async fn routes(&self) -> Result<&[BasketRoute], ConnectorError> {
        self.routes
            .get_or_try_init(|| async {
                let url = format!("{}/api/v3/upstreams", self.cdn_base);
                let (upstreams, _): (Upstreams, u32) = self
                    .http
                    .send_json("GET /api/v3/upstreams", |c| c.get(&url))
                    .await?;
                let maps = upstreams
                    .origin
                    .filter(|m| !m.mediabasket_route_map.is_empty())
                    .or(upstreams.recommend)
                    .map(|m| m.mediabasket_route_map)
                    .unwrap_or_default();
                Ok(maps
                    .into_iter()
                    .flat_map(|m| m.hosts)
                    .filter(|h| !h.host.is_empty())
                    .map(|h| BasketRoute {
                        from: h.vol_range_from,
                        to: h.vol_range_to,
                        host: h.host,
                    })
                    .collect())
            })
            .await
            .map(Vec::as_slice)
    }

    fn scheme(&self) -> &str {
        if self.cdn_base.starts_with("http://") {
            "http"
        } else {
            "https"
        }
    }

    async fn card(&self, nm_id: i64) -> Result<Option<ProductCard>, ConnectorError> {
        let vol = nm_id / 100_000;
        let part = nm_id / 1000;
        let Some(route) = self
            .routes()
            .await?
            .iter()
            .find(|r| (r.from..=r.to).contains(&vol))
        else {
            return Ok(None);
        };
        let url = format!(
            "{}://{}/vol{vol}/part{part}/{nm_id}/info/ru/card.json",
            self.scheme(),
            route.host
        );
        let endpoint = "GET card.json";
        let raw: serde_json::Value = match self.http.send_json(endpoint, |c| c.get(&url)).await {
            Ok((raw, _)) => raw,
            Err(ConnectorError::Rejected { status: 404, .. }) => return Ok(None),
            Err(err) => return Err(err),
        };
        wb_card_from_json(nm_id, raw)
            .map(Some)
            .map_err(|skipped| ConnectorError::Malformed {
                marketplace: "wb",
                endpoint: endpoint.into(),
                message: skipped.reason,
            })
    }
}

/// WB's public `card.json` of `nm_id` as our product card. The card carries no price.
pub fn wb_card_from_json(nm_id: i64, raw: serde_json::Value) -> Result<ProductCard, Skipped> {
    let card: WbCard = lenient::from_raw(&raw).map_err(|e| Skipped {
        external_id: Some(nm_id.to_string()),
        reason: format!("unreadable card.json: {e}"),
    })?;
    let mut characteristics: Vec<(String, String)> = card
        .options
        .into_iter()
        .chain(card.grouped_options.into_iter().flat_map(|g| g.options))
        .filter(|o| !o.name.is_empty() && !o.value.is_empty())
        .map(|o| (o.name, o.value))
        .collect();
    characteristics.dedup();
    let composition: Vec<String> = card
        .compositions
        .into_iter()
        .map(|c| c.name)
        .filter(|n| !n.is_empty())
        .collect();
    if !composition.is_empty() && !characteristics.iter().any(|(n, _)| n == "Состав") {
        characteristics.push(("Состав".into(), composition.join(", ")));
    }
    Ok(ProductCard {
        external_id: nm_id.to_string(),
        name: card.imt_name,
        brand: card.selling.and_then(|s| s.brand_name),
        category: card.subj_name,
        vendor_code: card.vendor_code,
        price: None,
        description: card.description,
        characteristics,
    })
}

#[async_trait]
impl Catalog for WbCards {
    async fn cards(&self, ids: &[String]) -> Result<Vec<ProductCard>, ConnectorError> {
        let mut out = Vec::new();
        for id in ids {
            let Ok(nm) = id.parse::<i64>() else { continue };
            if let Some(card) = self.card(nm).await? {
                out.push(card);
            }
        }
        Ok(out)
    }
}

/// Ozon `/v3/product/info/list`, by sku.
pub struct OzonProducts {
    http: HttpClient,
    base: String,
    client_id: String,
    api_key: String,
}

#[derive(Deserialize)]
struct OzonInfoList {
    #[serde(default)]
    items: Vec<serde_json::Value>,
}

#[derive(Deserialize)]
struct OzonItem {
    #[serde(default, deserialize_with = "lenient::opt_text")]
    name: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    offer_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    sku: Option<i64>,
    #[serde(default)]
    price: Option<serde_json::Value>,
    #[serde(default)]
    sources: Vec<OzonSource>,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    brand: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    category: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    description: Option<String>,
}

#[derive(Deserialize)]
struct OzonSource {
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    sku: Option<i64>,
}

/// Ozon allows about 50 requests/s per Client-Id across all methods; product look-ups
/// take a small share so the answering connectors keep theirs.
const OZON_CATALOG_PERIOD: Duration = Duration::from_millis(100);

impl OzonProducts {
    pub fn new(base: &str, client_id: &str, api_key: &str, retry: RetryPolicy) -> OzonProducts {
        OzonProducts {
            http: HttpClient::new("ozon", limiter(OZON_CATALOG_PERIOD, 2), retry),
            base: base.trim_end_matches('/').to_string(),
            client_id: client_id.into(),
            api_key: api_key.into(),
        }
    }
}

fn price_roubles(value: &serde_json::Value) -> Option<i64> {
    let number = match value {
        serde_json::Value::String(s) => s.trim().parse::<f64>().ok()?,
        serde_json::Value::Number(n) => n.as_f64()?,
        _ => return None,
    };
    (number.is_finite() && number > 0.0).then(|| number.round() as i64)
}

#[async_trait]
impl Catalog for OzonProducts {
    async fn cards(&self, ids: &[String]) -> Result<Vec<ProductCard>, ConnectorError> {
        let skus: Vec<i64> = ids.iter().filter_map(|i| i.parse().ok()).collect();
        let mut out = Vec::new();
        for chunk in skus.chunks(100) {
            let url = format!("{}/v3/product/info/list", self.base);
            let body = serde_json::json!({ "sku": chunk });
            let (list, _): (OzonInfoList, u32) = self
                .http
                .send_json("POST /v3/product/info/list", |c| {
                    c.post(&url)
                        .header("Client-Id", &self.client_id)
                        .header("Api-Key", &self.api_key)
                        .json(&body)
                })
                .await?;
            for raw in list.items {
                match ozon_card_from_json(raw, chunk) {
                    Ok(card) => out.push(card),
                    Err(skipped) => {
                        tracing::warn!(sku = ?skipped.external_id, reason = %skipped.reason, "skipped an Ozon product")
                    }
                }
            }
        }
        Ok(out)
    }
}

/// One item of Ozon's `/v3/product/info/list` as our product card, if it is one of the
/// `wanted` skus (by `sku`, or the sku of one of its `sources`).
pub fn ozon_card_from_json(raw: serde_json::Value, wanted: &[i64]) -> Result<ProductCard, Skipped> {
    let external_id = raw.get("sku").and_then(|v| {
        v.as_i64()
            .map(|n| n.to_string())
            .or(v.as_str().map(str::to_string))
    });
    let item: OzonItem = lenient::from_raw(&raw).map_err(|e| Skipped {
        external_id: external_id.clone(),
        reason: format!("unreadable product: {e}"),
    })?;
    let sku = item
        .sku
        .or_else(|| item.sources.iter().find_map(|s| s.sku))
        .filter(|s| wanted.contains(s));
    let Some(sku) = sku else {
        return Err(Skipped {
            external_id,
            reason: "no sku that was asked for".into(),
        });
    };
    Ok(ProductCard {
        external_id: sku.to_string(),
        name: item.name,
        brand: item.brand,
        category: item.category,
        vendor_code: item.offer_id,
        price: item.price.as_ref().and_then(price_roubles),
        description: item.description,
        characteristics: Vec::new(),
    })
}

/// The catalog an account's products come from.
pub fn catalog_for(account: &super::AccountConfig) -> Option<Arc<dyn Catalog>> {
    use super::Credentials;
    match &account.credentials {
        Credentials::Wb { .. } => {
            let cdn = account
                .base_urls
                .get("cdn")
                .cloned()
                .unwrap_or_else(|| "https://cdn.wbbasket.ru".into());
            Some(Arc::new(WbCards::new(&cdn, account.retry)))
        }
        Credentials::Ozon { client_id, api_key } => {
            let base = account
                .base_urls
                .get("seller")
                .cloned()
                .unwrap_or_else(|| "https://api-seller.ozon.ru".into());
            Some(Arc::new(OzonProducts::new(
                &base,
                client_id,
                api_key,
                account.retry,
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_in_both_forms() {
        assert_eq!(price_roubles(&serde_json::json!("1890.0000")), Some(1890));
        assert_eq!(price_roubles(&serde_json::json!(499.5)), Some(500));
        assert_eq!(price_roubles(&serde_json::json!("")), None);
        assert_eq!(price_roubles(&serde_json::json!(null)), None);
    }

    #[test]
    fn wb_card_fields_map_to_the_card() {
        let card: WbCard = serde_json::from_value(serde_json::json!({
            "imt_name": "Плед флисовый",
            "subj_name": "Пледы",
            "vendor_code": "PL-150",
            "description": "Тёплый",
            "options": [{"name": "Цвет", "value": "серый"}, {"name": "", "value": "x"}],
            "grouped_options": [{"group_name": "Размеры", "options": [{"name": "Размер", "value": "150×200"}]}],
            "compositions": [{"name": "полиэстер"}],
            "selling": {"brand_name": "Мягкий Край"},
            "unknown": 1
        }))
        .unwrap();
        assert_eq!(card.imt_name.as_deref(), Some("Плед флисовый"));
        assert_eq!(
            card.selling.unwrap().brand_name.as_deref(),
            Some("Мягкий Край")
        );
        assert_eq!(card.options.len(), 2);
        assert_eq!(card.grouped_options[0].options[0].value, "150×200");
    }
}
