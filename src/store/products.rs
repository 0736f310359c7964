//! Cached product cards with a refresh policy.

use anyhow::Result;
use chrono::{DateTime, Duration, Utc};
use rusqlite::{params, Connection, OptionalExtension};

use super::to_db_time;
use crate::domain::ProductCard;

/// How long a fetched card (or a card found missing) is trusted before it is read again.
pub const CARD_REFRESH_AFTER: Duration = Duration::days(7);

/// Products of `account` whose card was never fetched or is older than `refresh_after`.
pub fn products_needing_cards(
    conn: &Connection,
    account_id: i64,
    now: DateTime<Utc>,
    refresh_after: Duration,
    limit: usize,
) -> Result<Vec<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT external_id FROM products
         WHERE account_id = ?1 AND (card_fetched_at IS NULL OR card_fetched_at < ?2)
         ORDER BY card_fetched_at IS NOT NULL, card_fetched_at LIMIT ?3",
    )?;
    let ids = stmt
        .query_map(
            params![account_id, to_db_time(now - refresh_after), limit as i64],
            |r| r.get(0),
        )?
        .collect::<Result<Vec<String>, _>>()?;
    Ok(ids)
}

/// Stores fetched cards; `asked` ids without a card are marked fetched so they are not
/// asked for again before the refresh interval.
pub fn save_cards(
    conn: &Connection,
    account_id: i64,
    asked: &[String],
    cards: &[ProductCard],
    now: DateTime<Utc>,
) -> Result<()> {
    let t = to_db_time(now);
    for card in cards {
        let characteristics = serde_json::to_string(&card.characteristics)?;
        conn.prepare_cached(
            "INSERT INTO products (account_id, external_id, name, brand, category, vendor_code, price,
                                   description, characteristics, card_fetched_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
             ON CONFLICT (account_id, external_id) DO UPDATE SET
                name = coalesce(excluded.name, name), brand = coalesce(excluded.brand, brand),
                category = coalesce(excluded.category, category),
                vendor_code = coalesce(excluded.vendor_code, vendor_code),
                price = coalesce(excluded.price, price),
                description = coalesce(excluded.description, description),
                characteristics = excluded.characteristics, card_fetched_at = excluded.card_fetched_at",
        )?
        .execute(params![
            account_id,
            card.external_id,
            card.name,
            card.brand,
            card.category,
            card.vendor_code,
            card.price,
            card.description,
            characteristics,
            t
        ])?;
        // Items whose list carried no product name (Ozon's lists give only the sku) show
        // the card's name in the queue.
        if let Some(name) = &card.name {
            conn.prepare_cached(
                "UPDATE interactions SET product_name = ?3, product_brand = coalesce(product_brand, ?4)
                 WHERE account_id = ?1 AND product_external_id = ?2 AND product_name IS NULL",
            )?
            .execute(params![account_id, card.external_id, name, card.brand])?;
        }
    }
    for id in asked {
        conn.prepare_cached(
            "UPDATE products SET card_fetched_at = ?3 WHERE account_id = ?1 AND external_id = ?2",
        )?
        .execute(params![account_id, id, t])?;
    }
    Ok(())
}

/// The cached card of one product.
pub fn product_card(
    conn: &Connection,
    account_id: i64,
    external_id: &str,
) -> Result<Option<ProductCard>> {
    let found = conn
        .prepare_cached(
            "SELECT name, brand, category, vendor_code, price, description, characteristics
             FROM products WHERE account_id = ?1 AND external_id = ?2",
        )?
        .query_row(params![account_id, external_id], |r| {
            let characteristics: String = r.get(6)?;
            Ok(ProductCard {
                external_id: external_id.to_string(),
                name: r.get(0)?,
                brand: r.get(1)?,
                category: r.get(2)?,
                vendor_code: r.get(3)?,
                price: r.get(4)?,
                description: r.get(5)?,
                characteristics: serde_json::from_str(&characteristics).unwrap_or_default(),
            })
        })
        .optional()?;
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_support::temp_store;
    use crate::store::upsert_account;
    use chrono::TimeZone;

    #[test]
    fn cards_are_fetched_once_per_refresh_interval() {
        let (_dir, store) = temp_store();
        let conn = Connection::open(store.path()).unwrap();
        let account = upsert_account(&conn, "shop", crate::domain::Marketplace::Wb).unwrap();
        for id in ["1", "2"] {
            conn.execute(
                "INSERT INTO products (account_id, external_id, name) VALUES (?1, ?2, 'из отзыва')",
                params![account, id],
            )
            .unwrap();
        }
        let t0 = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
        let due = products_needing_cards(&conn, account, t0, CARD_REFRESH_AFTER, 10).unwrap();
        assert_eq!(due, ["1", "2"]);
        let card = ProductCard {
            external_id: "1".into(),
            name: Some("Плед".into()),
            brand: Some("Мягкий Край".into()),
            price: Some(1290),
            characteristics: vec![("Цвет".into(), "серый".into())],
            ..ProductCard::default()
        };
        save_cards(&conn, account, &due, std::slice::from_ref(&card), t0).unwrap();
        assert!(
            products_needing_cards(
                &conn,
                account,
                t0 + Duration::days(1),
                CARD_REFRESH_AFTER,
                10
            )
            .unwrap()
            .is_empty(),
            "neither the card nor the missing one is asked again soon"
        );
        assert_eq!(
            products_needing_cards(
                &conn,
                account,
                t0 + Duration::days(8),
                CARD_REFRESH_AFTER,
                10
            )
            .unwrap()
            .len(),
            2
        );
        let stored = product_card(&conn, account, "1").unwrap().unwrap();
        assert_eq!(stored, card);
        let missing = product_card(&conn, account, "2").unwrap().unwrap();
        assert_eq!(
            missing.name.as_deref(),
            Some("из отзыва"),
            "a missing card keeps what reviews said"
        );
    }
}
