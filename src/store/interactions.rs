use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Row, Transaction};

use super::{from_db_time, to_db_time};
use crate::domain::{
    Answer, AnswerState, Channel, ChatMessage, Interaction, InteractionId, Marketplace,
    ModerationState, NewInteraction, ProductRef, Rating, Sender, SlaTier,
};
use crate::domain::linking::LinkingSettings;
use crate::sla;

/// What one batch of upserts did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UpsertSummary {
    pub seen: usize,
    pub new: usize,
    pub changed: usize,
}

/// Inserts new interactions and updates known ones, idempotently: the same batch applied
/// twice leaves the database as after the first time and reports no changes.
pub fn upsert_interactions(
    tx: &Transaction<'_>,
    account_id: i64,
    source: &str,
    items: &[NewInteraction],
    now: DateTime<Utc>,
) -> Result<UpsertSummary> {
    let mut summary = UpsertSummary::default();
    let linking: LinkingSettings = crate::settings::load(tx, Some(account_id)).unwrap_or_default();
    let mut find = tx.prepare_cached(
        "SELECT id, raw, state, intent FROM interactions
         WHERE account_id = ?1 AND channel = ?2 AND external_id = ?3",
    )?;
    for item in items {
        summary.seen += 1;
        let raw = serde_json::to_string(&item.raw)?;
        let existing: Option<(i64, String, String, Option<String>)> = find
            .query_row(
                params![account_id, item.channel.as_str(), item.external_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?;
        if let Some((_, old_raw, _, _)) = &existing {
            if *old_raw == raw {
                continue;
            }
        }
        let mut state = item.answer_state();
        // A reply of ours still in flight keeps the item pending until the marketplace
        // shows it, so the queue does not offer the same item twice.
        if let Some((_, _, old_state, _)) = &existing {
            if old_state == AnswerState::Pending.as_str() && state == AnswerState::Open {
                state = AnswerState::Pending;
            }
        }
        let intent = existing.as_ref().and_then(|e| e.3.clone());
        let waiting_since = item.waiting_since();
        let clock = sla::clock(item.channel, item.rating, intent.as_deref(), waiting_since);
        let product = item.product.as_ref();
        let answer = item.answer.as_ref();
        let id: i64 = tx
            .prepare_cached(
                "INSERT INTO interactions (
                    account_id, channel, external_id, source, product_external_id, product_name,
                    product_brand, customer_name, text, pros, cons, photos, rating, created_at,
                    waiting_since, synced_at, state, answer_text, answer_moderation,
                    answer_editable, tier, at_risk_at, due_at, reply_handle, raw)
                 VALUES (?1, ?2, ?3, ?4, ?5,
                         coalesce(?6, (SELECT name FROM products
                                       WHERE account_id = ?1 AND external_id = ?5)),
                         coalesce(?7, (SELECT brand FROM products
                                       WHERE account_id = ?1 AND external_id = ?5)),
                         ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,
                         ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25)
                 ON CONFLICT (account_id, channel, external_id) DO UPDATE SET
                    source = excluded.source,
                    product_external_id = excluded.product_external_id,
                    product_name = coalesce(excluded.product_name, product_name),
                    product_brand = coalesce(excluded.product_brand, product_brand),
                    customer_name = coalesce(excluded.customer_name, customer_name),
                    text = excluded.text, pros = excluded.pros, cons = excluded.cons,
                    photos = excluded.photos, rating = excluded.rating,
                    created_at = excluded.created_at, waiting_since = excluded.waiting_since,
                    synced_at = excluded.synced_at, state = excluded.state,
                    answer_text = excluded.answer_text,
                    answer_moderation = excluded.answer_moderation,
                    answer_editable = excluded.answer_editable,
                    tier = excluded.tier, at_risk_at = excluded.at_risk_at,
                    due_at = excluded.due_at,
                    reply_handle = coalesce(excluded.reply_handle, reply_handle),
                    raw = excluded.raw,
                    classified_at = NULL
                 RETURNING id",
            )?
            .query_row(
                params![
                    account_id,
                    item.channel.as_str(),
                    item.external_id,
                    source,
                    product.map(|p| p.external_id.as_str()),
                    product.and_then(|p| p.name.as_deref()),
                    product.and_then(|p| p.brand.as_deref()),
                    item.customer_name,
                    item.text,
                    item.pros,
                    item.cons,
                    item.photos,
                    item.rating.map(Rating::stars),
                    to_db_time(item.created_at),
                    to_db_time(waiting_since),
                    to_db_time(now),
                    state.as_str(),
                    answer.map(|a| a.text.as_str()),
                    answer.map(|a| a.moderation.as_str()),
                    answer.map(|a| a.editable),
                    clock.tier.as_str(),
                    to_db_time(clock.at_risk_at),
                    to_db_time(clock.due_at),
                    item.reply_handle,
                    raw,
                ],
                |r| r.get(0),
            )
            .with_context(|| {
                format!("saving {} {}", item.channel.as_str(), item.external_id)
            })?;
        for message in &item.messages {
            tx.prepare_cached(
                "INSERT INTO chat_messages (interaction_id, external_id, sender, text, sent_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (interaction_id, external_id) DO NOTHING",
            )?
            .execute(params![
                id,
                message.external_id,
                message.sender.as_str(),
                message.text,
                to_db_time(message.sent_at),
            ])?;
        }
        let name_key = item.customer_name.as_deref().and_then(super::customers::name_key);
        tx.prepare_cached(
            "UPDATE interactions SET customer_name_key = ?2 WHERE id = ?1 AND customer_name_key IS NOT ?2",
        )?
        .execute(params![id, name_key])?;
        let was_waiting = existing
            .as_ref()
            .is_some_and(|e| e.2 == AnswerState::Open.as_str() || e.2 == AnswerState::Pending.as_str());
        if was_waiting && state == AnswerState::Answered {
            // Answered since we last looked (elsewhere, or our reply became visible).
            tx.prepare_cached(
                "UPDATE interactions SET first_answered_at = coalesce(first_answered_at, ?2) WHERE id = ?1",
            )?
            .execute(params![id, to_db_time(now)])?;
        }
        if existing.is_some() {
            // What the customer wrote may have changed: a waiting draft is stale.
            tx.prepare_cached(
                "UPDATE drafts SET outcome = 'discarded' WHERE interaction_id = ?1 AND outcome IS NULL",
            )?
            .execute(params![id])?;
        }
        if existing.is_none() || item.customer_external_id.is_some() {
            super::customers::link_interaction(tx, account_id, id, item, &linking, now)?;
        }
        if let Some(product) = product {
            tx.prepare_cached(
                "INSERT INTO products (account_id, external_id, name, brand) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (account_id, external_id) DO UPDATE SET
                    name = coalesce(excluded.name, name), brand = coalesce(excluded.brand, brand)",
            )?
            .execute(params![
                account_id,
                product.external_id,
                product.name,
                product.brand
            ])?;
        }
        if existing.is_some() {
            summary.changed += 1;
        } else {
            summary.new += 1;
        }
    }
    Ok(summary)
}

/// Which slice of interactions the queue shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueueFilter {
    pub channel: Option<Channel>,
    pub account_id: Option<i64>,
    /// Only items whose deadline has passed at this moment.
    pub breached_at: Option<DateTime<Utc>>,
}

impl QueueFilter {
    fn where_clause(&self) -> (String, Vec<rusqlite::types::Value>) {
        use rusqlite::types::Value;
        let mut sql = String::from("i.state = 'open'");
        let mut args = Vec::new();
        if let Some(channel) = self.channel {
            sql.push_str(" AND i.channel = ?");
            args.push(Value::Text(channel.as_str().into()));
        }
        if let Some(account) = self.account_id {
            sql.push_str(" AND i.account_id = ?");
            args.push(Value::Integer(account));
        }
        if let Some(now) = self.breached_at {
            sql.push_str(" AND i.due_at <= ?");
            args.push(Value::Integer(to_db_time(now)));
        }
        (sql, args)
    }
}

/// One line of the queue: just what the list shows.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueRow {
    pub id: InteractionId,
    pub account_name: String,
    pub marketplace: Marketplace,
    pub channel: Channel,
    pub rating: Option<Rating>,
    pub product_name: Option<String>,
    pub customer_name: Option<String>,
    pub preview: String,
    pub tier: SlaTier,
    pub created_at: DateTime<Utc>,
    pub at_risk_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    /// Why the last send of a reply to this item failed, if it did.
    pub send_error: Option<String>,
}

/// Longest preview the queue reads per row; the list shows one line of it.
const PREVIEW_CHARS: i64 = 240;

/// A page of the queue in its default order: earliest deadline first.
pub fn queue_page(
    conn: &Connection,
    filter: &QueueFilter,
    offset: usize,
    limit: usize,
) -> Result<Vec<QueueRow>> {
    let (where_sql, mut args) = filter.where_clause();
    let sql = format!(
        "SELECT i.id, a.name, a.marketplace, i.channel, i.rating, i.product_name,
                i.customer_name, substr(i.text, 1, {PREVIEW_CHARS}), i.tier, i.created_at,
                i.at_risk_at, i.due_at,
                (SELECT o.last_error FROM outbox o WHERE o.interaction_id = i.id
                   AND o.state = 'failed' ORDER BY o.id DESC LIMIT 1)
         FROM interactions i JOIN accounts a ON a.id = i.account_id
         WHERE {where_sql}
         ORDER BY i.due_at, i.id
         LIMIT ? OFFSET ?"
    );
    args.push(rusqlite::types::Value::Integer(limit as i64));
    args.push(rusqlite::types::Value::Integer(offset as i64));
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(args), row_to_queue_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn queue_count(conn: &Connection, filter: &QueueFilter) -> Result<usize> {
    let (where_sql, args) = filter.where_clause();
    let sql = format!("SELECT count(*) FROM interactions i WHERE {where_sql}");
    let n: i64 = conn
        .prepare_cached(&sql)?
        .query_row(rusqlite::params_from_iter(args), |r| r.get(0))?;
    Ok(n as usize)
}

fn row_to_queue_row(r: &Row<'_>) -> rusqlite::Result<QueueRow> {
    Ok(QueueRow {
        id: InteractionId(r.get(0)?),
        account_name: r.get(1)?,
        marketplace: parse_col(r, 2, |s| s.parse().ok())?,
        channel: parse_col(r, 3, |s| s.parse().ok())?,
        rating: r.get::<_, Option<u8>>(4)?.and_then(Rating::new),
        product_name: r.get(5)?,
        customer_name: r.get(6)?,
        preview: r.get(7)?,
        tier: parse_col(r, 8, parse_tier)?,
        created_at: from_db_time(r.get(9)?),
        at_risk_at: from_db_time(r.get(10)?),
        due_at: from_db_time(r.get(11)?),
        send_error: r.get(12)?,
    })
}

/// The whole interaction, for the detail pane and the outbox.
pub fn interaction(conn: &Connection, id: InteractionId) -> Result<Option<Interaction>> {
    let found = conn
        .prepare_cached(
            "SELECT i.id, i.account_id, a.name, a.marketplace, i.channel, i.external_id,
                    i.product_external_id, i.product_name, i.product_brand, i.customer_name,
                    i.text, i.pros, i.cons, i.photos, i.rating, i.created_at, i.waiting_since,
                    i.state, i.answer_text, i.answer_moderation, i.answer_editable,
                    i.at_risk_at, i.due_at, i.reply_handle
             FROM interactions i JOIN accounts a ON a.id = i.account_id WHERE i.id = ?1",
        )?
        .query_row(params![id.0], |r| {
            let product_id: Option<String> = r.get(6)?;
            let answer_text: Option<String> = r.get(18)?;
            Ok(Interaction {
                id: InteractionId(r.get(0)?),
                account_id: r.get(1)?,
                account_name: r.get(2)?,
                marketplace: parse_col(r, 3, |s| s.parse().ok())?,
                channel: parse_col(r, 4, |s| s.parse().ok())?,
                external_id: r.get(5)?,
                product: product_id.map(|external_id| ProductRef {
                    external_id,
                    name: r.get(7).ok().flatten(),
                    brand: r.get(8).ok().flatten(),
                }),
                customer_name: r.get(9)?,
                text: r.get(10)?,
                pros: r.get(11)?,
                cons: r.get(12)?,
                photos: r.get(13)?,
                rating: r.get::<_, Option<u8>>(14)?.and_then(Rating::new),
                created_at: from_db_time(r.get(15)?),
                waiting_since: from_db_time(r.get(16)?),
                state: parse_col(r, 17, AnswerState::parse)?,
                answer: match answer_text {
                    Some(text) => Some(Answer {
                        text,
                        moderation: r
                            .get::<_, Option<String>>(19)?
                            .as_deref()
                            .and_then(ModerationState::parse)
                            .unwrap_or(ModerationState::Published),
                        editable: r.get::<_, Option<bool>>(20)?.unwrap_or(false),
                    }),
                    None => None,
                },
                at_risk_at: from_db_time(r.get(21)?),
                due_at: from_db_time(r.get(22)?),
                reply_handle: r.get(23)?,
            })
        })
        .optional()?;
    Ok(found)
}

/// A chat's thread, oldest first.
pub fn chat_messages(conn: &Connection, id: InteractionId) -> Result<Vec<ChatMessage>> {
    let mut stmt = conn.prepare_cached(
        "SELECT external_id, sender, text, sent_at FROM chat_messages
         WHERE interaction_id = ?1 ORDER BY sent_at, id",
    )?;
    let rows = stmt.query_map(params![id.0], |r| {
        Ok(ChatMessage {
            external_id: r.get(0)?,
            sender: parse_col(r, 1, Sender::parse)?,
            text: r.get(2)?,
            sent_at: from_db_time(r.get(3)?),
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn parse_tier(s: &str) -> Option<SlaTier> {
    Some(match s {
        "critical" => SlaTier::Critical,
        "urgent" => SlaTier::Urgent,
        "high" => SlaTier::High,
        "normal" => SlaTier::Normal,
        "low" => SlaTier::Low,
        _ => return None,
    })
}

/// Reads a text column and parses it, turning an unknown value into a column error.
fn parse_col<T>(
    r: &Row<'_>,
    idx: usize,
    parse: impl FnOnce(&str) -> Option<T>,
) -> rusqlite::Result<T> {
    let text: String = r.get(idx)?;
    parse(&text).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            idx,
            rusqlite::types::Type::Text,
            format!("unexpected value '{text}'").into(),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Sender;
    use crate::store::test_support::temp_store;
    use crate::store::{enqueue_reply, upsert_account};
    use chrono::{Duration, TimeZone};

    fn t(min: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 2, 12, 0, 0).unwrap() + Duration::minutes(min)
    }

    fn review(id: &str, stars: u8, created: DateTime<Utc>) -> NewInteraction {
        NewInteraction {
            channel: Channel::Review,
            external_id: id.into(),
            product: Some(ProductRef {
                external_id: "146972802".into(),
                name: Some("Плед флисовый".into()),
                brand: Some("Мягкий Край".into()),
            }),
            customer_name: Some("Анна".into()),
            customer_external_id: None,
            text: format!("Отзыв {id}"),
            pros: None,
            cons: None,
            photos: 0,
            rating: Rating::new(stars),
            created_at: created,
            answer: None,
            archived: false,
            messages: Vec::new(),
            reply_handle: None,
            raw: serde_json::json!({ "id": id, "stars": stars }),
        }
    }

    fn upsert(conn: &mut Connection, account: i64, items: &[NewInteraction]) -> UpsertSummary {
        let tx = conn.transaction().unwrap();
        let s = upsert_interactions(&tx, account, "wb_feedbacks", items, t(100)).unwrap();
        tx.commit().unwrap();
        s
    }

    #[test]
    fn upserting_the_same_batch_twice_changes_nothing() {
        let (_dir, store) = temp_store();
        let mut conn = rusqlite::Connection::open(store.path()).unwrap();
        let account = upsert_account(&conn, "Уютный дом", Marketplace::Wb).unwrap();
        let batch = vec![review("a", 1, t(0)), review("b", 5, t(5))];
        let first = upsert(&mut conn, account, &batch);
        assert_eq!((first.new, first.changed), (2, 0));
        let second = upsert(&mut conn, account, &batch);
        assert_eq!((second.new, second.changed), (0, 0));
        let rows: i64 = conn
            .query_row("SELECT count(*) FROM interactions", [], |r| r.get(0))
            .unwrap();
        assert_eq!(rows, 2);
        let mut changed = batch[0].clone();
        changed.text = "Исправленный текст".into();
        changed.raw = serde_json::json!({"id": "a", "edited": true});
        let third = upsert(&mut conn, account, &[changed]);
        assert_eq!((third.new, third.changed), (0, 1));
    }

    #[test]
    fn queue_is_ordered_by_deadline_and_pages() {
        let (_dir, store) = temp_store();
        let mut conn = rusqlite::Connection::open(store.path()).unwrap();
        let account = upsert_account(&conn, "shop", Marketplace::Wb).unwrap();
        // 5★ at minute 0 is due in 48 h; 1★ at minute 30 is due in 1 h: it comes first.
        upsert(
            &mut conn,
            account,
            &[review("five", 5, t(0)), review("one", 1, t(30)), review("three", 3, t(10))],
        );
        let reader = store.reader().unwrap();
        let filter = QueueFilter::default();
        let page = queue_page(&reader, &filter, 0, 10).unwrap();
        let order: Vec<_> = page.iter().map(|r| r.preview.as_str()).collect();
        assert_eq!(order, ["Отзыв one", "Отзыв three", "Отзыв five"]);
        assert_eq!(page[0].due_at, t(90));
        assert_eq!(page[0].product_name.as_deref(), Some("Плед флисовый"));
        assert_eq!(queue_page(&reader, &filter, 1, 1).unwrap()[0].preview, "Отзыв three");
        assert_eq!(queue_count(&reader, &filter).unwrap(), 3);
        let breached = QueueFilter {
            breached_at: Some(t(95)),
            ..QueueFilter::default()
        };
        assert_eq!(queue_count(&reader, &breached).unwrap(), 1);
        let chats = QueueFilter {
            channel: Some(Channel::Chat),
            ..QueueFilter::default()
        };
        assert_eq!(queue_count(&reader, &chats).unwrap(), 0);
    }

    #[test]
    fn a_queued_reply_keeps_the_item_out_of_the_queue_across_syncs() {
        let (_dir, store) = temp_store();
        let mut conn = rusqlite::Connection::open(store.path()).unwrap();
        let account = upsert_account(&conn, "shop", Marketplace::Wb).unwrap();
        upsert(&mut conn, account, &[review("a", 2, t(0))]);
        let id = queue_page(&conn, &QueueFilter::default(), 0, 1).unwrap()[0].id;
        enqueue_reply(&conn, id, "Спасибо", "key-1", "human", t(1)).unwrap();
        // Enqueuing the same key again is a no-op.
        enqueue_reply(&conn, id, "Спасибо", "key-1", "human", t(2)).unwrap();
        let outbox: i64 = conn
            .query_row("SELECT count(*) FROM outbox", [], |r| r.get(0))
            .unwrap();
        assert_eq!(outbox, 1);
        // A sync that still sees the item unanswered does not put it back in the queue.
        let mut again = review("a", 2, t(0));
        again.raw = serde_json::json!({"id": "a", "seen": 2});
        upsert(&mut conn, account, &[again]);
        assert_eq!(queue_count(&conn, &QueueFilter::default()).unwrap(), 0);
        assert_eq!(
            interaction(&conn, id).unwrap().unwrap().state,
            AnswerState::Pending
        );
    }

    #[test]
    fn chat_threads_are_stored_and_read_oldest_first() {
        let (_dir, store) = temp_store();
        let mut conn = rusqlite::Connection::open(store.path()).unwrap();
        let account = upsert_account(&conn, "shop", Marketplace::Wb).unwrap();
        let mut chat = review("chat-1", 5, t(0));
        chat.channel = Channel::Chat;
        chat.rating = None;
        chat.messages = vec![
            ChatMessage {
                external_id: "m2".into(),
                sender: Sender::Seller,
                text: "Здравствуйте".into(),
                sent_at: t(2),
            },
            ChatMessage {
                external_id: "m1".into(),
                sender: Sender::Buyer,
                text: "Где заказ?".into(),
                sent_at: t(1),
            },
            ChatMessage {
                external_id: "m3".into(),
                sender: Sender::Buyer,
                text: "Ау".into(),
                sent_at: t(3),
            },
        ];
        chat.messages.sort_by_key(|m| m.sent_at);
        upsert(&mut conn, account, &[chat]);
        let row = queue_page(&conn, &QueueFilter::default(), 0, 1).unwrap();
        assert_eq!(row[0].channel, Channel::Chat);
        let item = interaction(&conn, row[0].id).unwrap().unwrap();
        assert_eq!(item.waiting_since, t(3), "clock starts at the unanswered buyer message");
        let thread = chat_messages(&conn, row[0].id).unwrap();
        let texts: Vec<_> = thread.iter().map(|m| m.text.as_str()).collect();
        assert_eq!(texts, ["Где заказ?", "Здравствуйте", "Ау"]);
    }
}
