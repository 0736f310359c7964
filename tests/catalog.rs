//! Product cards from the simulator's WB CDN and Ozon product API, cached by sync.

mod common;

use std::net::SocketAddr;

use agentiq::connectors::catalog::{Catalog, OzonProducts, WbCards};
use agentiq::simulator::{self, DemoShop, SimShop, SimulatorConfig};
use agentiq::store::{self, Store};

async fn both_shops() -> agentiq::simulator::SimulatorHandle {
    let config = SimulatorConfig {
        shops: vec![
            SimShop {
                shop: DemoShop::wb().unwrap(),
                token: common::TOKEN.into(),
                client_id: None,
            },
            SimShop {
                shop: DemoShop::ozon().unwrap(),
                token: "ozon-key".into(),
                client_id: Some("4242".into()),
            },
        ],
        seed: 1,
        ..SimulatorConfig::default()
    };
    simulator::spawn(config, SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap()
}

#[tokio::test]
async fn wb_cards_come_from_the_cdn_route_map() {
    let sim = both_shops().await;
    let shop = DemoShop::wb().unwrap();
    let product = &shop.products[0];
    let cards = WbCards::new(&sim.base_url(), common::fast_retry());
    let found = cards
        .cards(&[
            product.id.to_string(),
            "99999999".into(),
            "not-a-number".into(),
        ])
        .await
        .unwrap();
    assert_eq!(found.len(), 1, "unknown and malformed ids have no card");
    let card = &found[0];
    assert_eq!(card.name.as_deref(), Some(product.name.as_str()));
    assert_eq!(
        card.brand.as_deref(),
        Some(product.brand.as_str()),
        "brand sits under selling"
    );
    assert_eq!(card.category.as_deref(), Some(product.category.as_str()));
    assert_eq!(card.price, None, "WB's public card has no price");
    assert_eq!(card.characteristics.len(), product.characteristics.len());
}

#[tokio::test]
async fn ozon_cards_carry_the_price_and_need_credentials() {
    let sim = both_shops().await;
    let shop = DemoShop::ozon().unwrap();
    let product = &shop.products[0];
    let good = OzonProducts::new(&sim.base_url(), "4242", "ozon-key", common::fast_retry());
    let found = good.cards(&[product.id.to_string()]).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].price, Some(product.price));
    assert_eq!(
        found[0].vendor_code.as_deref(),
        Some(product.vendor_code.as_str())
    );
    let bad = OzonProducts::new(&sim.base_url(), "4242", "wrong", common::fast_retry());
    assert!(bad.cards(&[product.id.to_string()]).await.is_err());
}

#[tokio::test]
async fn sync_fills_product_cards_for_the_detail_pane() {
    let sim = both_shops().await;
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("a.db")).unwrap();
    let writer = store.writer().unwrap();
    let mut account = common::account(&sim);
    account.base_urls.insert("cdn".into(), sim.base_url());
    let name = account.name.clone();
    let account_id = writer
        .call(move |c| store::upsert_account(c, &name, agentiq::domain::Marketplace::Wb))
        .await
        .unwrap();
    let connector = agentiq::connectors::build_connectors(&account)
        .unwrap()
        .into_iter()
        .find(|c| c.id() == "wb_feedbacks")
        .unwrap();
    let clock = common::clock();
    agentiq::sync::sync_pass(&writer, account_id, connector.as_ref(), &*clock)
        .await
        .map_err(|(_, e)| e)
        .unwrap();
    let catalog = agentiq::connectors::catalog::catalog_for(&account).unwrap();
    let done = agentiq::sync::refresh_cards(&writer, account_id, catalog.as_ref(), &*clock).await;
    let shop = DemoShop::wb().unwrap();
    assert_eq!(done.asked, shop.products.len());
    assert_eq!(done.stored, shop.products.len());
    let reader = store.reader().unwrap();
    let p = &shop.products[3];
    let card = store::product_card(&reader, account_id, &p.id.to_string())
        .unwrap()
        .unwrap();
    assert_eq!(card.description.as_deref(), Some(p.description.as_str()));
    assert!(!card.characteristics.is_empty());
    let again = agentiq::sync::refresh_cards(&writer, account_id, catalog.as_ref(), &*clock).await;
    assert_eq!(
        again.asked, 0,
        "cards are cached until the refresh interval"
    );
}

#[tokio::test]
async fn ozon_items_show_the_product_name_from_its_card() {
    let sim = both_shops().await;
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("a.db")).unwrap();
    let writer = store.writer().unwrap();
    let account = agentiq::connectors::AccountConfig {
        name: "Хорошая Полка".into(),
        marketplace: agentiq::domain::Marketplace::Ozon,
        credentials: agentiq::connectors::Credentials::Ozon {
            client_id: "4242".into(),
            api_key: "ozon-key".into(),
        },
        base_urls: [("seller".to_string(), sim.base_url())]
            .into_iter()
            .collect(),
        retry: common::fast_retry(),
    };
    let account_id = writer
        .call(|c| store::upsert_account(c, "Хорошая Полка", agentiq::domain::Marketplace::Ozon))
        .await
        .unwrap();
    let reviews = agentiq::connectors::build_connectors(&account)
        .unwrap()
        .into_iter()
        .find(|c| c.channel() == agentiq::domain::Channel::Review)
        .unwrap();
    let clock = common::clock();
    agentiq::sync::sync_pass(&writer, account_id, reviews.as_ref(), &*clock)
        .await
        .map_err(|(_, e)| e)
        .unwrap();
    let reader = store.reader().unwrap();
    let unnamed = |r: &rusqlite::Connection| -> i64 {
        r.query_row(
            "SELECT count(*) FROM interactions WHERE product_name IS NULL",
            [],
            |row| row.get(0),
        )
        .unwrap()
    };
    assert!(unnamed(&reader) > 0, "Ozon's review list names no product");
    let catalog = agentiq::connectors::catalog::catalog_for(&account).unwrap();
    agentiq::sync::refresh_cards(&writer, account_id, catalog.as_ref(), &*clock).await;
    assert_eq!(
        unnamed(&reader),
        0,
        "every item now shows its product's name"
    );
    // A review arriving later takes the cached name at once.
    sim.sim.arrive_now();
    agentiq::sync::sync_pass(&writer, account_id, reviews.as_ref(), &*clock)
        .await
        .map_err(|(_, e)| e)
        .unwrap();
    assert_eq!(unnamed(&reader), 0);
}
