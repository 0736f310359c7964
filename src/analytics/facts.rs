//! The analytics module's SQL: the rows every figure is computed from. Everything else
//! in `analytics` is arithmetic over these rows, so the totals, the daily series and the
//! exports cannot disagree.

use anyhow::Result;
use chrono::{DateTime, Utc};
use rusqlite::types::Value;
use rusqlite::{params_from_iter, Connection, Row};

use super::MetricsQuery;
use crate::domain::{Channel, Marketplace};

/// One interaction with what the metrics, the revenue estimate and the export need.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ItemRow {
    pub id: i64,
    pub account_id: i64,
    pub account_name: String,
    pub marketplace: Marketplace,
    pub channel: Channel,
    pub external_id: String,
    pub created_at: i64,
    pub due_at: i64,
    pub state: String,
    pub tier: String,
    /// `interactions.first_answered_at`: ours once confirmed, or when sync first saw an
    /// answer given elsewhere.
    pub first_answered_at: Option<i64>,
    /// When our first delivered reply went out (accepted by the marketplace, not shadow, not cancelled).
    pub ours_at: Option<i64>,
    pub rating: Option<i64>,
    pub intent: Option<String>,
    pub sentiment: Option<String>,
    pub product_external_id: Option<String>,
    pub product_name: Option<String>,
    /// `products.price` in roubles, when the card is cached.
    pub price: Option<i64>,
}

impl ItemRow {
    /// When the item first carried an answer, as far as is known at `now`: the earlier of
    /// `first_answered_at` and our first delivered reply; answers after `now` have not
    /// happened yet.
    pub fn answer_at(&self, now: i64) -> Option<i64> {
        [self.first_answered_at, self.ours_at]
            .into_iter()
            .flatten()
            .filter(|&t| t <= now)
            .min()
    }

    /// Answered, but nobody recorded when (rows synced before answer times were kept):
    /// no SLA outcome can be judged.
    pub fn answered_at_unknown_time(&self, now: i64) -> bool {
        self.answer_at(now).is_none()
            && self.first_answered_at.is_none()
            && self.ours_at.is_none()
            && self.state == "answered"
    }
}

/// Which interactions to read.
#[derive(Debug, Clone, Copy)]
pub(crate) enum ItemSelect {
    /// Created in the query's period.
    CreatedIn,
    /// With their deadline in the query's period.
    DueIn,
    /// Created in the query's period and possibly in the revenue model: reviews rated
    /// 1–2★, questions with an intent.
    RevenueIn,
    /// Open now (state `open`), whenever created, and possibly a complaint: reviews rated
    /// 1–2★, items with an intent.
    OpenComplaints,
}

/// The columns [`item_row`] reads, in order, with `$ours_at` for [`ItemRow::ours_at`].
macro_rules! item_select {
    ($($ours_at:tt)+) => {
        concat!(
            "
    SELECT i.id, i.account_id, a.name, a.marketplace, i.channel, i.external_id,
           i.created_at, i.due_at, i.state, i.tier, i.first_answered_at,
           ",
            $($ours_at)+,
            ",
           i.rating, i.intent, i.sentiment, i.product_external_id,
           coalesce(i.product_name, p.name), p.price"
        )
    };
}

/// The columns [`item_row`] reads: our first delivery looked up among the item's replies
/// and edits.
const ITEM_SELECT: &str = item_select!(
    "(SELECT min(coalesce(o.sent_at, o.confirmed_at)) FROM outbox o
             WHERE o.interaction_id = i.id AND o.state IN ('accepted', 'visible') AND o.shadow = 0
               AND o.cancelled_at IS NULL)"
);

/// When the item's first delivered edit went out: a probe of the partial index of edits
/// (`outbox_edits`), which holds few rows.
macro_rules! first_edit {
    () => {
        "(SELECT min(coalesce(o.sent_at, o.confirmed_at)) FROM outbox o
             WHERE o.interaction_id = i.id AND o.kind = 'edit' AND o.state IN ('accepted', 'visible')
               AND o.shadow = 0 AND o.cancelled_at IS NULL)"
    };
}

/// [`ITEM_SELECT`] for a query that joins the first delivered reply as `fr`
/// ([`FIRST_REPLY_JOIN`]): our first delivery is the earlier of that reply and the first
/// delivered edit (a delivered row always has `sent_at` or `confirmed_at`), so each row
/// costs one look-up among its replies and a probe of the small partial index of edits
/// instead of a second walk of every outbox row of the item.
const ITEM_SELECT_WITH_REPLY: &str = item_select!(concat!(
    "min(coalesce(coalesce(fr.sent_at, fr.confirmed_at), ",
    first_edit!(),
    "), coalesce(",
    first_edit!(),
    ", coalesce(fr.sent_at, fr.confirmed_at)))"
));

const ITEM_FROM: &str = "
    FROM interactions i
    JOIN accounts a ON a.id = i.account_id
    LEFT JOIN products p ON p.account_id = i.account_id AND p.external_id = i.product_external_id";

/// The first delivered reply of each item (by send time), joined to the item's row so an
/// export reads everything in one pass.
const FIRST_REPLY_SELECT: &str = ",
           fr.id, fr.actor, coalesce(fr.draft_source, 'manual'), fr.edit_distance, fr.verdict,
           fr.overridden, fr.findings, fr.version, fr.created_at - fr.opened_at";

const FIRST_REPLY_JOIN: &str = "
    LEFT JOIN outbox fr ON fr.id = (
        SELECT o.id FROM outbox o
        WHERE o.interaction_id = i.id AND o.state IN ('accepted', 'visible') AND o.shadow = 0
          AND o.cancelled_at IS NULL AND o.kind = 'reply'
        ORDER BY coalesce(o.sent_at, o.confirmed_at), o.id
        LIMIT 1)";

fn item_row(r: &Row<'_>) -> rusqlite::Result<Option<ItemRow>> {
    let marketplace: String = r.get(3)?;
    let channel: String = r.get(4)?;
    let (Ok(marketplace), Ok(channel)) = (marketplace.parse(), channel.parse()) else {
        return Ok(None);
    };
    Ok(Some(ItemRow {
        id: r.get(0)?,
        account_id: r.get(1)?,
        account_name: r.get(2)?,
        marketplace,
        channel,
        external_id: r.get(5)?,
        created_at: r.get(6)?,
        due_at: r.get(7)?,
        state: r.get(8)?,
        tier: r.get(9)?,
        first_answered_at: r.get(10)?,
        ours_at: r.get(11)?,
        rating: r.get(12)?,
        intent: r.get(13)?,
        sentiment: r.get(14)?,
        product_external_id: r.get(15)?,
        product_name: r.get(16)?,
        price: r.get(17)?,
    }))
}

/// The channel to read given the query's filter and the caller's own restriction; `Err`
/// when the two exclude each other (nothing to read).
fn channel_for(q: &MetricsQuery, only: Option<Channel>) -> Result<Option<Channel>, ()> {
    match (q.channel, only) {
        (Some(a), Some(b)) if a != b => Err(()),
        (a, b) => Ok(b.or(a)),
    }
}

/// A `WHERE` clause built from the filters actually given, with its parameters in order:
/// plain equalities and ranges let SQLite use the indexes (`(? IS NULL OR col = ?)` would
/// not).
#[derive(Default)]
struct Where {
    clauses: Vec<&'static str>,
    values: Vec<Value>,
}

impl Where {
    fn add(&mut self, clause: &'static str, values: impl IntoIterator<Item = Value>) {
        self.clauses.push(clause);
        self.values.extend(values);
    }

    /// The account and marketplace filters; `account` is the column holding the account,
    /// written `+col = ?` by the windowed reads: the `+` keeps SQLite from reading all of
    /// an account's rows through an index that starts with the account instead of the
    /// period's rows through a time index.
    fn filters(&mut self, q: &MetricsQuery, account: &'static str) {
        if let Some(id) = q.account_id {
            self.add(account, [Value::Integer(id)]);
        }
        if let Some(m) = q.marketplace {
            self.add("a.marketplace = ?", [Value::Text(m.as_str().into())]);
        }
    }

    fn channel(&mut self, channel: Option<Channel>) {
        if let Some(c) = channel {
            self.add("i.channel = ?", [Value::Text(c.as_str().into())]);
        }
    }

    fn sql(&self) -> String {
        if self.clauses.is_empty() {
            "1".into()
        } else {
            self.clauses.join(" AND ")
        }
    }
}

/// The `WHERE` clause and order of the items `select` reads, or `None` when nothing
/// matches.
fn item_filter(
    q: &MetricsQuery,
    select: ItemSelect,
    only: Option<Channel>,
) -> Option<(Where, &'static str)> {
    let channel = channel_for(q, only).ok()?;
    let mut w = Where::default();
    let range = [
        Value::Integer(q.from.timestamp()),
        Value::Integer(q.to.timestamp()),
    ];
    let order = match select {
        ItemSelect::CreatedIn => {
            w.add("i.created_at >= ? AND i.created_at < ?", range);
            "i.created_at, i.id"
        }
        ItemSelect::DueIn => {
            w.add("i.due_at >= ? AND i.due_at < ?", range);
            "i.due_at, i.id"
        }
        ItemSelect::RevenueIn => {
            w.add("i.created_at >= ? AND i.created_at < ?", range);
            w.add(
                // `+` keeps SQLite from reading every review and question through
                // the channel indexes (an OR of two index scans) instead of the window.
                "((+i.channel = 'review' AND i.rating <= 2)
                  OR (+i.channel = 'question' AND i.intent IS NOT NULL))",
                [],
            );
            "i.created_at, i.id"
        }
        ItemSelect::OpenComplaints => {
            w.add("i.state = 'open'", []);
            w.add(
                "((i.channel = 'review' AND i.rating <= 2) OR i.intent IS NOT NULL)",
                [],
            );
            "i.created_at, i.id"
        }
    };
    w.filters(q, "+i.account_id = ?");
    w.channel(channel);
    Some((w, order))
}

/// The SQL of [`items`] and its parameters.
fn items_sql(
    q: &MetricsQuery,
    select: ItemSelect,
    only: Option<Channel>,
) -> Option<(String, Vec<Value>)> {
    let (w, order) = item_filter(q, select, only)?;
    let sql = format!(
        "{ITEM_SELECT} {ITEM_FROM} WHERE {} ORDER BY {order}",
        w.sql()
    );
    Some((sql, w.values))
}

/// Interactions matching the query's filters, by `select`, restricted to `only` channel.
pub(crate) fn items(
    conn: &Connection,
    q: &MetricsQuery,
    select: ItemSelect,
    only: Option<Channel>,
) -> Result<Vec<ItemRow>> {
    let Some((sql, values)) = items_sql(q, select, only) else {
        return Ok(Vec::new());
    };
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params_from_iter(values.iter()), item_row)?;
    let mut out = Vec::new();
    for row in rows {
        if let Some(item) = row? {
            out.push(item);
        }
    }
    Ok(out)
}

/// The SQL of [`each_created_with_reply`] and its parameters.
fn created_with_reply_sql(q: &MetricsQuery) -> Option<(String, Vec<Value>)> {
    let (w, order) = item_filter(q, ItemSelect::CreatedIn, None)?;
    let sql = format!(
        "{ITEM_SELECT_WITH_REPLY}{FIRST_REPLY_SELECT} {ITEM_FROM}{FIRST_REPLY_JOIN} WHERE {} ORDER BY {order}",
        w.sql()
    );
    Some((sql, w.values))
}

/// Hands each interaction created in the query's period, oldest first, with its first
/// delivered reply to `each` as the query steps: one row in memory at a time, whatever
/// the period holds. Returns the number of items handed over.
pub(crate) fn each_created_with_reply(
    conn: &Connection,
    q: &MetricsQuery,
    each: &mut dyn FnMut(ItemRow, Option<FirstReply>) -> Result<()>,
) -> Result<usize> {
    let Some((sql, values)) = created_with_reply_sql(q) else {
        return Ok(0);
    };
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows = stmt.query(params_from_iter(values.iter()))?;
    let mut count = 0;
    while let Some(row) = rows.next()? {
        let Some(item) = item_row(row)? else {
            continue;
        };
        let reply = match row.get::<_, Option<i64>>(18)? {
            Some(_) => Some(FirstReply {
                actor: row.get(19)?,
                draft_source: row.get(20)?,
                edit_distance: row.get(21)?,
                verdict: row.get(22)?,
                overridden: row.get(23)?,
                findings: row.get(24)?,
                version: row.get(25)?,
                open_to_send: row.get(26)?,
            }),
            None => None,
        };
        each(item, reply)?;
        count += 1;
    }
    Ok(count)
}

/// One interaction by id, whatever its period.
pub(crate) fn item_by_id(conn: &Connection, id: i64) -> Result<Option<ItemRow>> {
    let sql = format!("{ITEM_SELECT} {ITEM_FROM} WHERE i.id = ?1");
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows = stmt.query_map([id], item_row)?;
    Ok(match rows.next() {
        Some(row) => row?,
        None => None,
    })
}

/// One delivered reply: accepted by the marketplace, not a shadow (never sent), not cancelled.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ReplyRow {
    /// When it was sent (`sent_at`, else `confirmed_at`).
    pub at: i64,
    pub auto: bool,
    /// `template`, `reuse` or `llm`: sent from an AgentIQ draft. `manual` or NULL: typed.
    pub from_draft: bool,
    pub edit_distance: Option<f64>,
    /// A block-level verdict or finding, or a deliberate override.
    pub harmful: bool,
}

/// Whether the findings JSON (a list of `{rule, severity, ...}`) holds a block-level one.
/// Text that is not such a list holds none.
pub(crate) fn findings_have_block(findings: &str) -> bool {
    match serde_json::from_str::<serde_json::Value>(findings) {
        Ok(serde_json::Value::Array(list)) => list
            .iter()
            .any(|f| f.get("severity").and_then(|s| s.as_str()) == Some("block")),
        _ => false,
    }
}

/// Replies delivered in `[from, to)` and no later than `now`, for the query's filters.
pub(crate) fn replies(
    conn: &Connection,
    q: &MetricsQuery,
    now: DateTime<Utc>,
) -> Result<Vec<ReplyRow>> {
    let (sql, values) = replies_sql(q, now);
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params_from_iter(values.iter()), |r| {
        let actor: String = r.get(1)?;
        let source: Option<String> = r.get(2)?;
        let verdict: Option<String> = r.get(4)?;
        let findings: String = r.get(5)?;
        let overridden: bool = r.get(6)?;
        Ok(ReplyRow {
            at: r.get(0)?,
            auto: actor == "auto",
            from_draft: matches!(source.as_deref(), Some("template" | "reuse" | "llm")),
            edit_distance: r.get(3)?,
            harmful: overridden
                || verdict.as_deref() == Some("block")
                || findings_have_block(&findings),
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The SQL of [`replies`] and its parameters.
fn replies_sql(q: &MetricsQuery, now: DateTime<Utc>) -> (String, Vec<Value>) {
    let upper = q.to.timestamp().min(now.timestamp().saturating_add(1));
    let mut w = Where::default();
    // `+` keeps the state off `outbox_confirmed`: read through the delivery time's index
    // (`outbox_delivered_at`), only the period's replies are read. An edit of a published
    // answer is not another reply.
    w.add(
        "+o.state IN ('accepted', 'visible') AND o.shadow = 0 AND o.cancelled_at IS NULL
         AND o.kind = 'reply'",
        [],
    );
    w.add(
        "coalesce(o.sent_at, o.confirmed_at) >= ? AND coalesce(o.sent_at, o.confirmed_at) < ?",
        [Value::Integer(q.from.timestamp()), Value::Integer(upper)],
    );
    w.filters(q, "+i.account_id = ?");
    // The outbox's delivery time drives the read, the item's channel only filters.
    if let Some(c) = q.channel {
        w.add("+i.channel = ?", [Value::Text(c.as_str().into())]);
    }
    let sql = format!(
        "SELECT coalesce(o.sent_at, o.confirmed_at), o.actor, o.draft_source, o.edit_distance,
                o.verdict, o.findings, o.overridden
         FROM outbox o
         JOIN interactions i ON i.id = o.interaction_id
         JOIN accounts a ON a.id = i.account_id
         WHERE {}
         ORDER BY 1, o.id",
        w.sql()
    );
    (sql, w.values)
}

/// One sync run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SyncRow {
    pub started_at: i64,
    pub ok: bool,
}

/// The channel a connector syncs, from its id (`wb_feedbacks`, `ozon_questions`,
/// `wb_chats/reconcile`, ...); `None` for one that syncs no channel of its own.
pub(crate) fn connector_channel(connector: &str) -> Option<Channel> {
    let base = connector.split('/').next().unwrap_or(connector);
    let kind = base.rsplit(['_', '-']).next().unwrap_or(base);
    match kind {
        "feedbacks" | "reviews" | "feedback" | "review" => Some(Channel::Review),
        "questions" | "question" => Some(Channel::Question),
        "chats" | "chat" => Some(Channel::Chat),
        _ => None,
    }
}

/// Sync runs started in `[from, to)` and no later than `now`. With a channel filter, only
/// the runs of that channel's connectors.
pub(crate) fn sync_runs(
    conn: &Connection,
    q: &MetricsQuery,
    now: DateTime<Utc>,
) -> Result<Vec<SyncRow>> {
    let (sql, values) = sync_runs_sql(q, now);
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params_from_iter(values.iter()), |r| {
        let connector: String = r.get(2)?;
        Ok((
            SyncRow {
                started_at: r.get(0)?,
                ok: r.get(1)?,
            },
            connector,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (run, connector) = row?;
        if q.channel.is_none() || connector_channel(&connector) == q.channel {
            out.push(run);
        }
    }
    Ok(out)
}

/// The SQL of [`sync_runs`] and its parameters.
fn sync_runs_sql(q: &MetricsQuery, now: DateTime<Utc>) -> (String, Vec<Value>) {
    let upper = q.to.timestamp().min(now.timestamp().saturating_add(1));
    let mut w = Where::default();
    w.add(
        "s.started_at >= ? AND s.started_at < ?",
        [Value::Integer(q.from.timestamp()), Value::Integer(upper)],
    );
    w.filters(q, "+s.account_id = ?");
    let sql = format!(
        "SELECT s.started_at, s.ok, s.connector
         FROM sync_runs s
         JOIN accounts a ON a.id = s.account_id
         WHERE {}
         ORDER BY s.started_at, s.id",
        w.sql()
    );
    (sql, w.values)
}

/// The first delivered reply of an item: what the export shows per item.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct FirstReply {
    pub actor: String,
    pub draft_source: String,
    pub edit_distance: Option<f64>,
    pub verdict: Option<String>,
    pub overridden: bool,
    pub findings: String,
    /// The prompt/template version of the draft it was sent from.
    pub version: Option<String>,
    /// Seconds from the seller opening the editor to sending it (written in the inbox's
    /// editor only).
    pub open_to_send: Option<i64>,
}

#[cfg(test)]
mod tests;
