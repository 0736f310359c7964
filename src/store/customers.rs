//! Customers: created from the marketplace's buyer id where there is one, and linked by
//! name, product, time and wording where there is not (see `domain::linking`).

use anyhow::Result;
use chrono::{DateTime, Duration, Utc};
use rusqlite::{params, Connection, OptionalExtension};

use super::{from_db_time, to_db_time};
use crate::domain::linking::{
    best_possible, score_without_words, with_words, word_overlap, LinkMethod, LinkSignals,
    LinkingSettings, Words,
};
use crate::domain::{Channel, InteractionId, NewInteraction, Rating};

/// The key names are matched on: first word, lower case, ё as е.
pub fn name_key(name: &str) -> Option<String> {
    let first = name.split_whitespace().next()?;
    Some(first.to_lowercase().replace('ё', "е"))
}

/// Same-name items read on each side (earlier, later) of a new one when linking by name.
const CANDIDATES_PER_SIDE: i64 = 12;

/// Linking candidates of an item with a product (`?3`): the nearest same-name items of
/// that product and of no product, before and after it (`?5`) within the window (`?4` ..
/// `?7`), `?8` per side. Each arm is one range of `interactions_customer_product`, named
/// because SQLite otherwise reads the no-product arms through the name index and checks
/// every same-name row of the window (11 ms instead of 0.1 at a million items).
const CANDIDATES_OF_PRODUCT: &str = "
    SELECT * FROM (SELECT id, customer_id, product_external_id, product_name, created_at, text, customer_name
        FROM interactions INDEXED BY interactions_customer_product
        WHERE account_id = ?1 AND customer_name_key = ?2 AND product_external_id = ?3
          AND created_at BETWEEN ?4 AND ?5 AND id != ?6 ORDER BY created_at DESC LIMIT ?8)
    UNION ALL
    SELECT * FROM (SELECT id, customer_id, product_external_id, product_name, created_at, text, customer_name
        FROM interactions INDEXED BY interactions_customer_product
        WHERE account_id = ?1 AND customer_name_key = ?2 AND product_external_id = ?3
          AND created_at > ?5 AND created_at <= ?7 AND id != ?6 ORDER BY created_at ASC LIMIT ?8)
    UNION ALL
    SELECT * FROM (SELECT id, customer_id, product_external_id, product_name, created_at, text, customer_name
        FROM interactions INDEXED BY interactions_customer_product
        WHERE account_id = ?1 AND customer_name_key = ?2 AND product_external_id IS NULL
          AND created_at BETWEEN ?4 AND ?5 AND id != ?6 ORDER BY created_at DESC LIMIT ?8)
    UNION ALL
    SELECT * FROM (SELECT id, customer_id, product_external_id, product_name, created_at, text, customer_name
        FROM interactions INDEXED BY interactions_customer_product
        WHERE account_id = ?1 AND customer_name_key = ?2 AND product_external_id IS NULL
          AND created_at > ?5 AND created_at <= ?7 AND id != ?6 ORDER BY created_at ASC LIMIT ?8)";

/// Linking candidates of an item without a product (`?3` is NULL and unused): the nearest
/// same-name items of any product, before and after it.
const CANDIDATES_ANY_PRODUCT: &str = "
    SELECT * FROM (SELECT id, customer_id, product_external_id, product_name, created_at, text, customer_name
        FROM interactions WHERE account_id = ?1 AND customer_name_key = ?2 AND ?3 IS NULL
          AND created_at BETWEEN ?4 AND ?5 AND id != ?6 ORDER BY created_at DESC LIMIT ?8)
    UNION ALL
    SELECT * FROM (SELECT id, customer_id, product_external_id, product_name, created_at, text, customer_name
        FROM interactions WHERE account_id = ?1 AND customer_name_key = ?2 AND ?3 IS NULL
          AND created_at > ?5 AND created_at <= ?7 AND id != ?6 ORDER BY created_at ASC LIMIT ?8)";

/// Links a freshly written interaction to its customer.
pub fn link_interaction(
    conn: &Connection,
    account_id: i64,
    interaction_id: i64,
    item: &NewInteraction,
    settings: &LinkingSettings,
    now: DateTime<Utc>,
) -> Result<()> {
    if let Some(external) = item
        .customer_external_id
        .as_deref()
        .filter(|s| !s.is_empty())
    {
        return link_by_external_id(conn, account_id, interaction_id, external, item, now);
    }
    let Some(key) = item.customer_name.as_deref().and_then(name_key) else {
        return Ok(());
    };
    let Some(best) = best_name_match(conn, account_id, interaction_id, item, &key, settings)?
    else {
        return Ok(());
    };
    link_to_match(conn, account_id, interaction_id, item, best, now)
}

/// The marketplace names the customer: the link is certain.
fn link_by_external_id(
    conn: &Connection,
    account_id: i64,
    interaction_id: i64,
    external: &str,
    item: &NewInteraction,
    now: DateTime<Utc>,
) -> Result<()> {
    let customer: i64 = conn
        .prepare_cached(
            "INSERT INTO customers (account_id, external_id, name, created_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (account_id, external_id) DO UPDATE SET name = coalesce(excluded.name, name)
             RETURNING id",
        )?
        .query_row(
            params![account_id, external, item.customer_name, to_db_time(now)],
            |r| r.get(0),
        )?;
    set_link(
        conn,
        interaction_id,
        customer,
        1.0,
        LinkMethod::Deterministic,
    )
}

/// The best same-name item to link to: (score, its id, its customer).
type NameMatch = (f32, i64, Option<i64>);

/// The same-name item of the window that scores highest, at least the minimum confidence.
fn best_name_match(
    conn: &Connection,
    account_id: i64,
    interaction_id: i64,
    item: &NewInteraction,
    key: &str,
    settings: &LinkingSettings,
) -> Result<Option<NameMatch>> {
    let window = Duration::days(settings.window_days);
    let product = item.product.as_ref().map(|p| p.external_id.as_str());
    // The nearest same-name items on each side of this one, read from an index: of the
    // same product or of none (a chat about no product). Items of another product never
    // link by name, so they are not read.
    let mut stmt = conn.prepare_cached(match product {
        Some(_) => CANDIDATES_OF_PRODUCT,
        None => CANDIDATES_ANY_PRODUCT,
    })?;
    let args = params![
        account_id,
        key,
        product,
        to_db_time(item.created_at - window),
        to_db_time(item.created_at),
        interaction_id,
        to_db_time(item.created_at + window),
        CANDIDATES_PER_SIDE,
    ];
    let mut rows = stmt.query(args)?;
    let me = LinkSignals {
        customer_external_id: None,
        name: item.customer_name.as_deref(),
        product,
        product_name: item.product.as_ref().and_then(|p| p.name.as_deref()),
        at: item.created_at,
        text: &item.text,
    };
    let my_words = Words::of(&item.text);
    let my_product_words = Words::of(me.product_name.unwrap_or(""));
    let mut best: Option<NameMatch> = None;
    while let Some(r) = rows.next()? {
        let other_id: i64 = r.get(0)?;
        let other_customer: Option<i64> = r.get(1)?;
        let other_product_name: Option<&str> = r.get_ref(3)?.as_str_or_null()?;
        let other_text: &str = r.get_ref(5)?.as_str()?;
        let other = LinkSignals {
            customer_external_id: None,
            name: r.get_ref(6)?.as_str_or_null()?,
            product: r.get_ref(2)?.as_str_or_null()?,
            product_name: other_product_name,
            at: from_db_time(r.get(4)?),
            text: other_text,
        };
        let Some(partial) = score_without_words(&me, &other, settings) else {
            continue;
        };
        let reachable = best.map_or(settings.min_confidence, |(score, _, _)| {
            score.max(settings.min_confidence)
        });
        if best_possible(partial) < reachable {
            continue;
        }
        let product_words = match other_product_name {
            Some(name) if Some(name) != me.product_name => {
                my_product_words.clone().union(&Words::of(name))
            }
            _ => my_product_words.clone(),
        };
        let score = with_words(
            partial,
            word_overlap(&my_words, &Words::of(other_text), &product_words),
        );
        if score >= settings.min_confidence && best.is_none_or(|(b, _, _)| score > b) {
            best = Some((score, other_id, other_customer));
        }
    }
    Ok(best)
}

/// Links the item to its match's customer, making one for both when the match has none.
fn link_to_match(
    conn: &Connection,
    account_id: i64,
    interaction_id: i64,
    item: &NewInteraction,
    (score, candidate_id, candidate_customer): NameMatch,
    now: DateTime<Utc>,
) -> Result<()> {
    let customer = match candidate_customer {
        Some(id) => id,
        None => {
            conn.execute(
                "INSERT INTO customers (account_id, external_id, name, created_at) VALUES (?1, NULL, ?2, ?3)",
                params![account_id, item.customer_name, to_db_time(now)],
            )?;
            let id = conn.last_insert_rowid();
            set_link(
                conn,
                candidate_id,
                id,
                f64::from(score),
                LinkMethod::Probabilistic,
            )?;
            id
        }
    };
    set_link(
        conn,
        interaction_id,
        customer,
        f64::from(score),
        LinkMethod::Probabilistic,
    )
}

fn set_link(
    conn: &Connection,
    interaction_id: i64,
    customer: i64,
    confidence: f64,
    method: LinkMethod,
) -> Result<()> {
    let method = match method {
        LinkMethod::Deterministic => "deterministic",
        LinkMethod::Probabilistic => "probabilistic",
    };
    conn.prepare_cached(
        "UPDATE interactions SET customer_id = ?2, customer_confidence = ?3, customer_link_method = ?4
         WHERE id = ?1",
    )?
    .execute(params![interaction_id, customer, confidence, method])?;
    Ok(())
}

/// One item in a customer's history.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryItem {
    pub id: InteractionId,
    pub channel: Channel,
    pub created_at: DateTime<Utc>,
    pub rating: Option<Rating>,
    pub state: String,
    pub product_name: Option<String>,
    pub first_line: String,
    pub confidence: f64,
    pub sentiment: Option<String>,
}

/// What the detail pane and drafts know about a customer.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerProfile {
    pub customer_id: i64,
    pub name: Option<String>,
    pub deterministic: bool,
    pub items: Vec<HistoryItem>,
    pub open_items: usize,
    /// Earlier items rated 1–2★ or with negative sentiment.
    pub complaints: usize,
}

/// The profile of whoever wrote `interaction`, if they are linked to a customer.
pub fn customer_profile(
    conn: &Connection,
    interaction: InteractionId,
) -> Result<Option<CustomerProfile>> {
    let found: Option<(i64, Option<String>, Option<String>)> = conn
        .query_row(
            "SELECT c.id, c.name, c.external_id FROM interactions i JOIN customers c ON c.id = i.customer_id
             WHERE i.id = ?1",
            params![interaction.0],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((customer_id, name, external)) = found else {
        return Ok(None);
    };
    let mut stmt = conn.prepare_cached(
        "SELECT id, channel, created_at, rating, state, product_name, substr(text, 1, 200),
                coalesce(customer_confidence, 0), sentiment
         FROM interactions WHERE customer_id = ?1 ORDER BY created_at DESC LIMIT 100",
    )?;
    let items = stmt
        .query_map(params![customer_id], |r| {
            let channel: String = r.get(1)?;
            let text: String = r.get(6)?;
            Ok(HistoryItem {
                id: InteractionId(r.get(0)?),
                channel: channel.parse().unwrap_or(Channel::Review),
                created_at: from_db_time(r.get(2)?),
                rating: r.get::<_, Option<u8>>(3)?.and_then(Rating::new),
                state: r.get(4)?,
                product_name: r.get(5)?,
                first_line: crate::domain::first_line(&text).to_string(),
                confidence: r.get(7)?,
                sentiment: r.get(8)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let open_items = items.iter().filter(|i| i.state == "open").count();
    let complaints = items
        .iter()
        .filter(|i| i.id != interaction)
        .filter(|i| {
            i.rating.is_some_and(|r| r.stars() <= 2) || i.sentiment.as_deref() == Some("negative")
        })
        .count();
    Ok(Some(CustomerProfile {
        customer_id,
        name,
        deterministic: external.is_some(),
        items,
        open_items,
        complaints,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Marketplace, ProductRef};
    use crate::store::test_support::temp_store;
    use crate::store::upsert_account;
    // Written as sync writes them, under the shipped SLA policy and linking settings.
    use crate::sync::upsert_interactions;
    use chrono::TimeZone;

    fn item(
        id: &str,
        name: &str,
        product: &str,
        day: i64,
        text: &str,
        stars: u8,
    ) -> NewInteraction {
        NewInteraction {
            channel: Channel::Review,
            external_id: id.into(),
            product: Some(ProductRef {
                external_id: product.into(),
                name: None,
                brand: None,
            }),
            customer_name: Some(name.into()),
            customer_external_id: None,
            text: text.into(),
            pros: None,
            cons: None,
            photos: 0,
            rating: Rating::new(stars),
            created_at: Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, 0).unwrap() + Duration::days(day),
            answer: None,
            archived: false,
            messages: Vec::new(),
            reply_handle: None,
            raw: serde_json::json!({ "id": id }),
        }
    }

    fn link_of(conn: &Connection, external: &str) -> (Option<i64>, Option<f64>, Option<String>) {
        conn.query_row(
            "SELECT customer_id, customer_confidence, customer_link_method FROM interactions WHERE external_id = ?1",
            params![external],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap()
    }

    #[test]
    fn links_by_buyer_id_and_by_name_with_confidences() {
        let (_dir, store) = temp_store();
        let mut conn = Connection::open(store.path()).unwrap();
        let account = upsert_account(&conn, "shop", Marketplace::Wb).unwrap();
        let mut chat = item(
            "chat-1",
            "Ирина",
            "146972802",
            3,
            "Плед линяет, что делать?",
            1,
        );
        chat.channel = Channel::Chat;
        chat.rating = None;
        chat.customer_external_id = Some("555".into());
        let batch = vec![
            item("a", "Ирина", "146972802", 0, "Плед линяет после стирки", 2),
            item(
                "b",
                "ирина",
                "146972802",
                1,
                "Плед линяет после первой стирки",
                1,
            ),
            item("c", "Анна", "146972802", 1, "Плед линяет после стирки", 2),
            chat,
        ];
        let tx = conn.transaction().unwrap();
        upsert_interactions(&tx, account, "t", &batch, Utc::now()).unwrap();
        tx.commit().unwrap();

        let (ca, conf_a, method_a) = link_of(&conn, "a");
        let (cb, conf_b, _) = link_of(&conn, "b");
        assert!(ca.is_some() && ca == cb, "a and b are one customer");
        assert_eq!(method_a.as_deref(), Some("probabilistic"));
        let conf = conf_a.unwrap();
        assert!((0.75..0.95).contains(&conf), "{conf}");
        assert_eq!(conf_a, conf_b);
        assert_eq!(link_of(&conn, "c").0, None, "another name is nobody's link");
        let (chat_customer, chat_conf, chat_method) = link_of(&conn, "chat-1");
        assert_eq!(chat_conf, Some(1.0));
        assert_eq!(chat_method.as_deref(), Some("deterministic"));
        assert_ne!(chat_customer, ca);

        let b_id: i64 = conn
            .query_row(
                "SELECT id FROM interactions WHERE external_id = 'b'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        let profile = customer_profile(&conn, InteractionId(b_id))
            .unwrap()
            .unwrap();
        assert_eq!(profile.items.len(), 2);
        assert_eq!(profile.complaints, 1, "the earlier 2★ review");
        assert_eq!(profile.open_items, 2);
        assert!(!profile.deterministic);
    }

    #[test]
    fn namesakes_on_one_product_stay_apart_and_a_repeat_buyer_links() {
        let (_dir, store) = temp_store();
        let mut conn = Connection::open(store.path()).unwrap();
        let account = upsert_account(&conn, "shop", Marketplace::Wb).unwrap();
        let batch = vec![
            item(
                "anna-1",
                "Анна",
                "146972802",
                0,
                "Отличный плед, мягкий и тёплый",
                5,
            ),
            // Another Анна three weeks later, about something else: another buyer.
            item(
                "anna-2",
                "Анна",
                "146972802",
                20,
                "Пришёл с дыркой, упаковка порвана",
                1,
            ),
            // The same words as the first, but months later: outside the window.
            item(
                "anna-3",
                "Анна",
                "146972802",
                100,
                "Отличный плед, мягкий и тёплый",
                5,
            ),
            item(
                "olga-1",
                "Ольга",
                "146972802",
                0,
                "Плед линяет после стирки, ворс на диване",
                2,
            ),
            // Ольга again 44 days later, asking about the same trouble: one customer.
            item(
                "olga-2",
                "Ольга Смирнова",
                "146972802",
                44,
                "Почему плед линяет после стирки? Ворс везде",
                2,
            ),
        ];
        let tx = conn.transaction().unwrap();
        upsert_interactions(&tx, account, "t", &batch, Utc::now()).unwrap();
        tx.commit().unwrap();
        for anna in ["anna-1", "anna-2", "anna-3"] {
            assert_eq!(
                link_of(&conn, anna),
                (None, None, None),
                "{anna} is linked to nobody"
            );
        }
        let (first, first_conf, method) = link_of(&conn, "olga-1");
        let (second, second_conf, _) = link_of(&conn, "olga-2");
        assert!(
            first.is_some() && first == second,
            "the repeat buyer is one customer"
        );
        assert_eq!(method.as_deref(), Some("probabilistic"));
        let conf = second_conf.unwrap();
        assert!((0.55..0.85).contains(&conf), "{conf}");
        assert_eq!(first_conf, second_conf);
        let customers: i64 = conn
            .query_row("SELECT count(*) FROM customers", [], |r| r.get(0))
            .unwrap();
        assert_eq!(customers, 1);
    }
}
