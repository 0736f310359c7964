//! Reading what the notifier looks at, on a read-only connection: open items at or past
//! their target that still have an event to act on, the first-sync baselines, and the
//! latest sync runs of every account.

use std::collections::{HashMap, HashSet};

use anyhow::Result;
use chrono::{DateTime, TimeZone, Utc};
use rusqlite::{params, Connection, OptionalExtension};

use super::model::{LedgerKey, Level, OpenItem, Snapshot, SyncHealth};
use crate::domain::{Channel, InteractionId, Rating, SlaTier};

/// Most items one evaluation reads.
pub const MAX_ITEMS: usize = 2000;
/// Most open items one evaluation examines, those that went at risk last first (what just
/// changed; already notified ones are skipped among them): the cost of a tick stays the
/// same however many items are long overdue (at a million items, a hundred thousand).
pub const MAX_EXAMINED: usize = 4 * MAX_ITEMS;

/// First-sync baselines already found: they never change once set.
pub type Baselines = HashMap<(i64, String), DateTime<Utc>>;

fn time(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(secs, 0).single().unwrap_or_default()
}

/// The accounts in the database, id and name.
pub fn accounts(conn: &Connection) -> Result<Vec<(i64, String)>> {
    let mut stmt = conn.prepare_cached("SELECT id, name FROM accounts ORDER BY id")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

struct Row {
    item: OpenItem,
    source: String,
    at_risk_known: bool,
    facts: StoredFacts,
}

/// What the item's SLA clock is computed from, beyond the channel, rating and start.
struct StoredFacts {
    intent: Option<String>,
    legal: bool,
    marketplace: Option<crate::domain::Marketplace>,
    created_at: DateTime<Utc>,
    /// For chats: the seller has never written in it.
    new_chat: Option<bool>,
}

/// Reads a snapshot at `now` and the ledger keys among it already acted on. `baselines`
/// caches first-sync times between calls.
pub fn snapshot(
    conn: &Connection,
    now: DateTime<Utc>,
    baselines: &mut Baselines,
) -> Result<(Snapshot, HashSet<LedgerKey>)> {
    let rows = retimed(conn, open_at_risk(conn, now)?, now);
    let (items, mut known) = with_baselines(conn, rows, baselines)?;
    let sync = sync_health(conn)?;
    for h in &sync {
        let key = LedgerKey::sync(h.account_id, &h.connector, h.since);
        if super::ledger::contains(conn, &key)? {
            known.insert(key);
        }
    }
    Ok((Snapshot { now, items, sync }, known))
}

/// Open items at or past their stored target, not yet notified as breached, earliest
/// deadline first.
const OPEN_AT_RISK: &str =
    "SELECT i.id, i.account_id, a.name, i.channel, i.rating, i.tier, i.waiting_since,
            i.at_risk_at, i.due_at, i.product_name, substr(i.text, 1, 200), i.source,
            EXISTS (SELECT 1 FROM notifications_sent n WHERE n.subject = 'item:' || i.id
                    AND n.level = 'at_risk' AND n.since = i.waiting_since),
            i.intent, i.escalations, a.marketplace, i.created_at,
            CASE WHEN i.channel = 'chat' THEN NOT EXISTS (SELECT 1 FROM chat_messages m
                 WHERE m.interaction_id = i.id AND m.sender = 'seller') END
     FROM (SELECT id FROM interactions INDEXED BY interactions_open_at_risk
           WHERE state = 'open' AND at_risk_at <= ?1
           ORDER BY at_risk_at DESC LIMIT ?3) w
     JOIN interactions i ON i.id = w.id
     JOIN accounts a ON a.id = i.account_id
     WHERE NOT EXISTS (SELECT 1 FROM notifications_sent n WHERE n.subject = 'item:' || i.id
                       AND n.level = 'breached' AND n.since = i.waiting_since)
     ORDER BY i.due_at, i.id
     LIMIT ?2";

/// The open items [`OPEN_AT_RISK`] finds; one with an unknown channel or tier is left out.
fn open_at_risk(conn: &Connection, now: DateTime<Utc>) -> Result<Vec<Row>> {
    let mut stmt = conn.prepare_cached(OPEN_AT_RISK)?;
    let rows = stmt.query_map(
        params![now.timestamp(), MAX_ITEMS as i64, MAX_EXAMINED as i64],
        row_of,
    )?;
    let mut items = Vec::new();
    for row in rows {
        items.extend(row?);
    }
    Ok(items)
}

/// One row of [`OPEN_AT_RISK`].
fn row_of(r: &rusqlite::Row<'_>) -> rusqlite::Result<Option<Row>> {
    let id: i64 = r.get(0)?;
    let channel = r.get::<_, String>(3)?.parse::<Channel>().ok();
    let tier = SlaTier::parse(&r.get::<_, String>(5)?);
    let title = title_of(
        r.get(9)?,
        r.get::<_, Option<String>>(10)?.unwrap_or_default(),
    );
    let (account_id, account_name): (i64, String) = (r.get(1)?, r.get(2)?);
    let rating = r.get::<_, Option<u8>>(4)?.and_then(Rating::new);
    let (waiting, at_risk, due): (i64, i64, i64) = (r.get(6)?, r.get(7)?, r.get(8)?);
    let (source, at_risk_known): (String, bool) = (r.get(11)?, r.get(12)?);
    let facts = StoredFacts {
        intent: r.get(13)?,
        legal: r
            .get::<_, Option<String>>(14)?
            .is_some_and(|e| e.contains("\"legal\"") || e.contains("\"threat\"")),
        marketplace: r
            .get::<_, String>(15)?
            .parse::<crate::domain::Marketplace>()
            .ok(),
        created_at: time(r.get(16)?),
        new_chat: r.get(17)?,
    };
    let (Some(channel), Some(tier)) = (channel, tier) else {
        tracing::warn!(
            id,
            "an interaction with an unknown channel or tier; not notifying"
        );
        return Ok(None);
    };
    Ok(Some(Row {
        item: OpenItem {
            id: InteractionId(id),
            account_id,
            account_name,
            channel,
            rating,
            title,
            tier,
            waiting_since: time(waiting),
            at_risk_at: time(at_risk),
            due_at: time(due),
            baseline: None,
        },
        source,
        at_risk_known,
        facts,
    }))
}

/// What a notification calls an item: its product and the first line of its text.
fn title_of(product: Option<String>, text: String) -> String {
    let first_line = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default()
        .trim()
        .to_string();
    match product.filter(|p| !p.trim().is_empty()) {
        Some(p) if first_line.is_empty() => p,
        Some(p) => format!("{p} — «{first_line}»"),
        None => format!("«{first_line}»"),
    }
}

/// The rows still at risk at `now` under their accounts' rules as they are now.
///
/// The times the store holds were computed when the item was last classified; the SLA
/// set since (edited field by field, say) is what the seller expects: at risk, breach and
/// "due in" follow the account's rules as they are now.
fn retimed(conn: &Connection, rows: Vec<Row>, now: DateTime<Utc>) -> Vec<Row> {
    let mut policies: HashMap<i64, crate::sla::Policy> = HashMap::new();
    rows.into_iter()
        .filter_map(|mut row| {
            let policy = policies.entry(row.item.account_id).or_insert_with(|| {
                crate::sla::Policy::load_or_default(conn, Some(row.item.account_id))
            });
            let clock = policy.clock_for(&sla_facts(&row.item, &row.facts));
            row.item.tier = clock.tier;
            row.item.at_risk_at = clock.at_risk_at;
            row.item.due_at = clock.due_at;
            (clock.at_risk_at <= now).then_some(row)
        })
        .collect()
}

/// The items with their first-sync baselines (cached in `baselines`), and the ledger
/// keys of those already notified as at risk.
fn with_baselines(
    conn: &Connection,
    rows: Vec<Row>,
    baselines: &mut Baselines,
) -> Result<(Vec<OpenItem>, HashSet<LedgerKey>)> {
    let mut known = HashSet::new();
    let mut first_ok = conn.prepare_cached(
        "SELECT finished_at FROM sync_runs WHERE account_id = ?1 AND connector = ?2 AND ok = 1
         ORDER BY started_at, id LIMIT 1",
    )?;
    let mut out = Vec::with_capacity(rows.len());
    for mut row in rows {
        let cache_key = (row.item.account_id, row.source);
        if !baselines.contains_key(&cache_key) {
            let found: Option<i64> = first_ok
                .query_row(params![cache_key.0, cache_key.1], |r| r.get(0))
                .optional()?;
            if let Some(secs) = found {
                baselines.insert(cache_key.clone(), time(secs));
            }
        }
        row.item.baseline = baselines.get(&cache_key).copied();
        if row.at_risk_known {
            known.insert(LedgerKey::item(
                row.item.id,
                Level::AtRisk,
                row.item.waiting_since,
            ));
        }
        out.push(row.item);
    }
    Ok((out, known))
}

fn sla_facts<'a>(item: &OpenItem, facts: &'a StoredFacts) -> crate::sla::ItemFacts<'a> {
    let mut out = crate::sla::ItemFacts::new(item.channel, item.waiting_since)
        .rating(item.rating)
        .intent(facts.intent.as_deref())
        .legal(facts.legal);
    if let Some(m) = facts.marketplace {
        out = out.marketplace(m, facts.created_at);
    }
    if let Some(new_chat) = facts.new_chat {
        out = out.new_chat(new_chat);
    }
    out
}

/// Per account and connector in recent use, the failed runs since its last successful one
/// (a streak is identified by the start of its first run, so it notifies once however
/// long it lasts).
pub fn sync_health(conn: &Connection) -> Result<Vec<SyncHealth>> {
    let mut recent = conn.prepare_cached(
        "SELECT DISTINCT connector FROM (SELECT connector FROM sync_runs WHERE account_id = ?1
         ORDER BY started_at DESC, id DESC LIMIT 50)",
    )?;
    let mut last_ok = conn.prepare_cached(
        "SELECT started_at FROM sync_runs WHERE account_id = ?1 AND connector = ?2 AND ok = 1
         ORDER BY started_at DESC, id DESC LIMIT 1",
    )?;
    let mut streak = conn.prepare_cached(
        "SELECT count(*), min(started_at) FROM (SELECT started_at FROM sync_runs
         WHERE account_id = ?1 AND connector = ?2 AND started_at > ?3
         ORDER BY started_at LIMIT 10000)",
    )?;
    let mut last_error = conn.prepare_cached(
        "SELECT error FROM sync_runs WHERE account_id = ?1 AND connector = ?2
         ORDER BY started_at DESC, id DESC LIMIT 1",
    )?;
    let mut out = Vec::new();
    for (account_id, account_name) in accounts(conn)? {
        let connectors = recent
            .query_map(params![account_id], |r| r.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        for connector in connectors {
            let ok_at: Option<i64> = last_ok
                .query_row(params![account_id, connector], |r| r.get(0))
                .optional()?;
            let (failures, since): (i64, Option<i64>) = streak.query_row(
                params![account_id, connector, ok_at.unwrap_or(i64::MIN)],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            let Some(since) = since.filter(|_| failures > 0) else {
                continue;
            };
            let error: Option<String> = last_error
                .query_row(params![account_id, connector], |r| r.get(0))
                .optional()?
                .flatten();
            out.push(SyncHealth {
                account_id,
                account_name: account_name.clone(),
                connector,
                failures: u32::try_from(failures).unwrap_or(u32::MAX),
                since: time(since),
                last_error: error,
            });
        }
    }
    Ok(out)
}
