//! Product cards: WB's CDN (`/api/v3/upstreams` and the public `card.json`) and Ozon's
//! `/v3/product/info/list`.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use super::Sim;
use crate::domain::Marketplace;

/// `GET /api/v3/upstreams`: every vol is served by this very host.
pub async fn upstreams(headers: HeaderMap) -> Response {
    let host = headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1")
        .to_string();
    let map = json!({
        "mediabasket_route_map": [{
            "method": "range",
            "hosts": [
                { "vol_range_from": 0, "vol_range_to": 999_999, "host": host }
            ]
        }]
    });
    Json(json!({ "origin": map, "recommend": map })).into_response()
}

/// `GET /vol{V}/part{P}/{nmId}/info/ru/card.json` (public, no token).
pub async fn card(
    State(sim): State<Sim>,
    Path((vol, part, nm)): Path<(String, String, String)>,
) -> Response {
    let parse = |s: &str, prefix: &str| s.strip_prefix(prefix).and_then(|n| n.parse::<i64>().ok());
    let (Some(vol), Some(part), Ok(nm)) =
        (parse(&vol, "vol"), parse(&part, "part"), nm.parse::<i64>())
    else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if vol != nm / 100_000 || part != nm / 1000 {
        return StatusCode::NOT_FOUND.into_response();
    }
    let state = sim.lock();
    let product = state
        .accounts
        .iter()
        .filter(|a| a.marketplace == Marketplace::Wb)
        .flat_map(|a| a.products.iter())
        .find(|p| p.id == nm);
    let Some(p) = product else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let options: Vec<_> = p
        .characteristics
        .iter()
        .map(|c| json!({ "name": c.name, "value": c.value }))
        .collect();
    Json(json!({
        "imt_id": nm / 10 + 7,
        "nm_id": nm,
        "imt_name": p.name,
        "subj_name": p.category,
        "subj_root_name": p.category,
        "vendor_code": p.vendor_code,
        "description": p.description,
        "options": options,
        "grouped_options": [],
        "compositions": [],
        "selling": { "brand_name": p.brand, "brand_hash": format!("{:X}", nm) },
        "media": { "photo_count": 5 },
        "data": { "subject_id": 219 }
    }))
    .into_response()
}

/// `POST /v3/product/info/list` with `{"sku": [...]}` (or `offer_id` / `product_id`).
pub async fn ozon_info_list(State(sim): State<Sim>, headers: HeaderMap, body: String) -> Response {
    let account = match sim.admit_ozon("POST /v3/product/info/list", &headers) {
        Ok(a) => a,
        Err(resp) => return resp,
    };
    let Ok(request) = serde_json::from_str::<serde_json::Value>(&body) else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"code": 3, "message": "invalid request payload", "details": []})),
        )
            .into_response();
    };
    let wanted: Vec<i64> = request
        .get("sku")
        .and_then(|v| v.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_i64().or_else(|| v.as_str()?.parse().ok()))
                .collect()
        })
        .unwrap_or_default();
    if wanted.len() > 1000 {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"code": 3, "message": "sku: value must contain at most 1000 items", "details": []})),
        )
            .into_response();
    }
    let state = sim.lock();
    let items: Vec<_> = state.accounts[account]
        .products
        .iter()
        .filter(|p| wanted.contains(&p.id))
        .map(|p| {
            json!({
                "id": p.id / 3,
                "name": p.name,
                "offer_id": p.vendor_code,
                "sku": p.id,
                "price": format!("{}.0000", p.price),
                "old_price": format!("{}.0000", p.price + p.price / 5),
                "currency_code": "RUB",
                "description_category_id": 17_028_922,
                "sources": [{ "sku": p.id, "source": "sds", "shipment_type": "SHIPMENT_TYPE_GENERAL" }],
                "is_archived": false
            })
        })
        .collect();
    Json(json!({ "items": items })).into_response()
}
