use anyhow::Result;
use chrono::{DateTime, Utc};
use rusqlite::types::Value;
use rusqlite::{params, Connection, OptionalExtension, Row, StatementStatus};

use super::{from_db_time, to_db_time};
use crate::domain::{
    Answer, AnswerState, Channel, ChatMessage, Interaction, InteractionId, Marketplace,
    ModerationState, ProductRef, Rating, Sender, SlaTier,
};

/// Which answer states the queue shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum AnswerFilter {
    /// Waiting for the seller (`open`): the inbox.
    #[default]
    Unanswered,
    /// Answered, or with a reply on its way (`answered`, `pending`).
    Answered,
    /// Every state, archived included: the whole history.
    All,
}

/// The order of the queue.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum QueueSort {
    /// Earliest deadline first: overdue items lead.
    #[default]
    Deadline,
    /// Priority bucket (tier, raised once at risk), then deadline.
    Priority,
    /// Most recently written first.
    Newest,
}

impl QueueSort {
    pub const ALL: [QueueSort; 3] = [QueueSort::Deadline, QueueSort::Priority, QueueSort::Newest];

    pub fn as_str(self) -> &'static str {
        match self {
            QueueSort::Deadline => "deadline",
            QueueSort::Priority => "priority",
            QueueSort::Newest => "newest",
        }
    }
}

/// The classifier's intent, or none yet.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum IntentFilter {
    Is(String),
    /// Not classified yet (`intent` is NULL).
    Unclassified,
}

/// Which slice of interactions the queue shows, and in which order. The default is the
/// inbox: every open item, earliest deadline first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueueFilter {
    pub channel: Option<Channel>,
    pub account_id: Option<i64>,
    /// Only open items whose deadline has passed at this moment.
    pub breached_at: Option<DateTime<Utc>>,
    pub marketplace: Option<Marketplace>,
    pub answered: AnswerFilter,
    /// Only items in exactly this state (within what `answered` shows), e.g. `pending`
    /// alone for `agentiq list --state pending`.
    pub state: Option<AnswerState>,
    /// Stars, inclusive range; items without a rating never match.
    pub rating: Option<(u8, u8)>,
    pub intent: Option<IntentFilter>,
    /// The product's marketplace id (WB nmId, Ozon sku), exactly.
    pub product: Option<String>,
    /// With (`true`) or without (`false`) a draft not yet used or discarded.
    pub has_draft: Option<bool>,
    /// Full-text terms, all of which must match (see `store::search`).
    pub text: Vec<super::search::TextTerm>,
    pub sort: QueueSort,
    /// The moment open items count as at risk for [`QueueSort::Priority`]; without it the
    /// tier alone ranks.
    pub ranked_at: Option<DateTime<Utc>>,
}

impl QueueFilter {
    fn where_clause(&self) -> (String, Vec<Value>) {
        self.where_clause_matching(TextMatch::Lookup)
    }

    /// The conditions of the filter; `text` says how full-text hits are matched.
    fn where_clause_matching(&self, text: TextMatch) -> (String, Vec<Value>) {
        let mut sql = String::from(match self.answered {
            AnswerFilter::Unanswered => "i.state = 'open'",
            AnswerFilter::Answered => "i.state IN ('answered', 'pending')",
            AnswerFilter::All => "1",
        });
        let mut args = Vec::new();
        if let Some(state) = self.state {
            sql.push_str(" AND i.state = ?");
            args.push(Value::Text(state.as_str().into()));
        }
        if let Some(channel) = self.channel {
            sql.push_str(" AND i.channel = ?");
            args.push(Value::Text(channel.as_str().into()));
        }
        if let Some(account) = self.account_id {
            sql.push_str(" AND i.account_id = ?");
            args.push(Value::Integer(account));
        }
        if let Some(marketplace) = self.marketplace {
            sql.push_str(" AND i.account_id IN (SELECT id FROM accounts WHERE marketplace = ?)");
            args.push(Value::Text(marketplace.as_str().into()));
        }
        if let Some(now) = self.breached_at {
            sql.push_str(" AND i.state = 'open' AND i.due_at <= ?");
            args.push(Value::Integer(to_db_time(now)));
        }
        if let Some((low, high)) = self.rating {
            sql.push_str(" AND i.rating BETWEEN ? AND ?");
            args.push(Value::Integer(i64::from(low)));
            args.push(Value::Integer(i64::from(high)));
        }
        match &self.intent {
            Some(IntentFilter::Is(intent)) => {
                sql.push_str(" AND i.intent = ?");
                args.push(Value::Text(intent.clone()));
            }
            Some(IntentFilter::Unclassified) => sql.push_str(" AND i.intent IS NULL"),
            None => {}
        }
        if let Some(product) = &self.product {
            sql.push_str(" AND i.product_external_id = ?");
            args.push(Value::Text(product.clone()));
        }
        if let Some(has) = self.has_draft {
            sql.push_str(if has {
                " AND EXISTS"
            } else {
                " AND NOT EXISTS"
            });
            sql.push_str(
                " (SELECT 1 FROM drafts d WHERE d.interaction_id = i.id AND d.outcome IS NULL)",
            );
        }
        if let Some(expression) = super::search::fts_expression(&self.text) {
            sql.push_str(match text {
                TextMatch::Lookup => " AND i.id IN",
                // The unary + keeps SQLite from looking the hits up by id, so it walks
                // the order's index and checks each row against the set of hits.
                TextMatch::Probe => " AND +i.id IN",
                TextMatch::Test => {
                    sql.push_str(&format!(
                        " AND {}(i.text, i.pros, i.cons, i.product_name, i.customer_name)",
                        super::text_test::FUNCTION
                    ));
                    return (sql, args);
                }
            });
            sql.push_str(" (SELECT rowid FROM interactions_fts WHERE interactions_fts MATCH ?)");
            args.push(Value::Text(expression));
        }
        (sql, args)
    }

    /// The sort columns, in the order of [`QueueKey`]'s used fields, and whether they
    /// descend. The priority rank's moment is written into the SQL: its statement is
    /// prepared again as time passes, which costs nothing next to sorting every open item.
    fn order(&self) -> (Vec<String>, bool) {
        match self.sort {
            QueueSort::Deadline => (vec!["i.due_at".into(), "i.id".into()], false),
            QueueSort::Newest => (vec!["i.created_at".into(), "i.id".into()], true),
            QueueSort::Priority => {
                let ranked_at = self.ranked_at.map(to_db_time);
                let rank = format!(
                    "max((CASE i.tier WHEN 'critical' THEN 0 WHEN 'urgent' THEN 0 \
                     WHEN 'high' THEN 1 WHEN 'normal' THEN 2 ELSE 3 END) - {}, 0)",
                    match ranked_at {
                        Some(t) => format!("(i.state = 'open' AND i.at_risk_at <= {t})"),
                        None => "0".into(),
                    }
                );
                (vec![rank, "i.due_at".into(), "i.id".into()], false)
            }
        }
    }
}

/// Where a row stands in the queue's order: compared as a tuple, `rank` first. Which
/// fields count depends on the sort (deadline: due time and id; newest: creation time and
/// id, descending; priority: rank, due time and id).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct QueueKey {
    pub rank: i64,
    pub time: i64,
    pub id: i64,
}

impl QueueKey {
    /// The key of `row` in the order of `filter`.
    pub fn of(row: &QueueRow, filter: &QueueFilter) -> QueueKey {
        let id = row.id.0;
        match filter.sort {
            QueueSort::Deadline => QueueKey {
                rank: 0,
                time: to_db_time(row.due_at),
                id,
            },
            QueueSort::Newest => QueueKey {
                rank: 0,
                time: to_db_time(row.created_at),
                id,
            },
            QueueSort::Priority => {
                let base: i64 = match row.tier {
                    SlaTier::Critical | SlaTier::Urgent => 0,
                    SlaTier::High => 1,
                    SlaTier::Normal => 2,
                    SlaTier::Low => 3,
                };
                let at_risk = filter.ranked_at.is_some_and(|t| {
                    row.state == AnswerState::Open && to_db_time(row.at_risk_at) <= to_db_time(t)
                });
                QueueKey {
                    rank: (base - i64::from(at_risk)).max(0),
                    time: to_db_time(row.due_at),
                    id,
                }
            }
        }
    }

    fn values(self, sort: QueueSort) -> Vec<Value> {
        match sort {
            QueueSort::Priority => vec![
                Value::Integer(self.rank),
                Value::Integer(self.time),
                Value::Integer(self.id),
            ],
            QueueSort::Deadline | QueueSort::Newest => {
                vec![Value::Integer(self.time), Value::Integer(self.id)]
            }
        }
    }
}

/// Where a page of the queue starts. Each seek costs the rows it skips, so a reader picks
/// the nearest known place: the top, the bottom, or a row it already holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seek {
    /// `skip` rows below the top.
    Start { skip: usize },
    /// The page ends `skip` rows above the bottom.
    End { skip: usize },
    /// After the row with `key`, `skip` rows further down.
    After { key: QueueKey, skip: usize },
    /// The page ends `skip` rows above the row with `key`.
    Before { key: QueueKey, skip: usize },
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
    pub state: AnswerState,
    pub created_at: DateTime<Utc>,
    pub at_risk_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    /// Why the last send of a reply to this item failed, if it did.
    pub send_error: Option<String>,
    /// The account the item belongs to: its settings decide the priority mark.
    pub account_id: i64,
    /// The classifier's intent, once classified.
    pub intent: Option<String>,
    /// An auto-reply to this item waiting out its undo window.
    pub auto_reply: Option<PendingAutoReply>,
    /// Earlier complaints by the same (linked) customer: 1–2★ reviews or a complaint
    /// intent, created before this item. Raises the priority mark.
    pub prior_complaints: u32,
    /// For a chat, the buyer's messages since the seller last wrote. Raises the mark.
    pub unanswered_buyer_messages: u32,
    /// The confidence of the prepared draft not yet used, if there is one.
    pub draft_confidence: Option<f32>,
}

/// An auto-reply held in the outbox until `undo_until`; until then it can be cancelled
/// (`outbox::cancel_reply`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PendingAutoReply {
    pub outbox_id: i64,
    pub undo_until: DateTime<Utc>,
}

/// Rows of one read and what it cost SQLite.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueueWindow {
    /// In queue order.
    pub rows: Vec<QueueRow>,
    /// Virtual-machine steps the read took: grows with the rows skipped and scanned, so
    /// it shows whether a read walked the table.
    pub vm_steps: u64,
}

/// The outbox rows of an item that are an auto-reply still undoable (never attempted, not
/// shadow), newest first; what `outbox::cancel_reply` accepts.
/// An earlier item of the same customer that counts as a complaint for the priority
/// mark: a 1–2★ review or a complaint intent (the defaults of `[revenue]
/// complaint_intents`, SPEC section 2).
const PRIOR_COMPLAINTS: &str = "(SELECT count(*) FROM interactions p
       WHERE i.customer_id IS NOT NULL AND p.customer_id = i.customer_id
         AND p.created_at < i.created_at
         AND (p.rating <= 2 OR p.intent IN ('quality_complaint', 'defect_not_working',
                                            'wrong_item', 'delivery_delay')))";

/// A chat's buyer messages since the seller last wrote (the clock's `waiting_since` is the
/// oldest of them).
const UNANSWERED_BUYER_MESSAGES: &str = "(SELECT count(*) FROM chat_messages m
       WHERE i.channel = 'chat' AND m.interaction_id = i.id AND m.sender = 'buyer'
         AND m.sent_at >= i.waiting_since)";

const UNDOABLE_AUTO: &str = "AND o.state = 'queued' AND o.attempts = 0 AND o.shadow = 0
     AND o.actor = 'auto' AND o.undo_until IS NOT NULL ORDER BY o.id DESC LIMIT 1";

/// Longest preview the queue reads per row; the list shows one line of it.
const PREVIEW_CHARS: i64 = 240;

/// A page of the queue in its order, `offset` rows from the top.
pub fn queue_page(
    conn: &Connection,
    filter: &QueueFilter,
    offset: usize,
    limit: usize,
) -> Result<Vec<QueueRow>> {
    Ok(queue_window(conn, filter, Seek::Start { skip: offset }, limit)?.rows)
}

/// How the full-text condition of a filter is matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TextMatch {
    /// Look every hit up by id, then sort them: cheap when the hits are few.
    Lookup,
    /// Walk the order's index and keep the rows in the set of hits: the set costs in
    /// proportion to the hits of the whole history.
    Probe,
    /// Walk the order's index and test each row's texts (`store::text_test`): cheap when
    /// the hits are dense in the view, since the page fills after a few rows, however
    /// many hits the whole history holds.
    Test,
}

/// Virtual-machine steps a [`TextMatch::Test`] read may take before it stops to check
/// how many hits there are: walking costs about 20 steps and one test of the texts a
/// row, so this is about 10 000 rows walked (some 30 ms), reached only when the hits are
/// rare in the view.
const PROBE_STEP_BUDGET: u64 = 200_000;
/// How often (in steps) SQLite reports progress during a walking read.
const PROGRESS_EVERY: u64 = 10_000;
/// When a walking read ran out of steps: with at most this many hits in the whole
/// history, looking each up is cheap; with more, walking against their set pays.
const FEW_HITS: usize = 10_000;

/// Up to `limit` rows of the queue from `seek`, in queue order.
pub fn queue_window(
    conn: &Connection,
    filter: &QueueFilter,
    seek: Seek,
    limit: usize,
) -> Result<QueueWindow> {
    window_within(conn, filter, seek, limit, PROBE_STEP_BUDGET)
}

/// [`queue_window`] with `budget` steps for a walking read.
fn window_within(
    conn: &Connection,
    filter: &QueueFilter,
    seek: Seek,
    limit: usize,
    budget: u64,
) -> Result<QueueWindow> {
    if !filter.walks_an_index_with_text() {
        return read_window(conn, filter, seek, limit, TextMatch::Lookup);
    }
    let every = PROGRESS_EVERY.min(budget).max(1);
    let allowed = budget / every;
    let mut reports = 0u64;
    super::text_test::register(conn, &filter.text)?;
    conn.progress_handler(
        i32::try_from(every).unwrap_or(i32::MAX),
        Some(move || {
            reports += 1;
            reports > allowed
        }),
    )?;
    let probed = read_window(conn, filter, seek, limit, TextMatch::Test);
    conn.progress_handler(0, None::<fn() -> bool>)?;
    match probed {
        Err(e) if is_interrupted(&e) => {
            let hits = fts_hits(conn, &filter.text)?;
            let text = if hits <= FEW_HITS {
                TextMatch::Lookup
            } else {
                TextMatch::Probe
            };
            let mut window = read_window(conn, filter, seek, limit, text)?;
            window.vm_steps += budget;
            Ok(window)
        }
        other => other,
    }
}

/// Interactions of the whole history whose text matches `terms`, from the index alone.
fn fts_hits(conn: &Connection, terms: &[super::search::TextTerm]) -> Result<usize> {
    let Some(expression) = super::search::fts_expression(terms) else {
        return Ok(0);
    };
    let n: i64 = conn
        .prepare_cached("SELECT count(*) FROM interactions_fts WHERE interactions_fts MATCH ?1")?
        .query_row([expression], |r| r.get(0))?;
    Ok(usize::try_from(n).unwrap_or(0))
}

fn is_interrupted(e: &anyhow::Error) -> bool {
    matches!(
        e.downcast_ref::<rusqlite::Error>(),
        Some(rusqlite::Error::SqliteFailure(f, _))
            if f.code == rusqlite::ErrorCode::OperationInterrupted
    )
}

impl QueueFilter {
    /// Whether this filter searches text in an order an index gives: then the page can
    /// be read by walking that index (see [`TextMatch::Test`]).
    fn walks_an_index_with_text(&self) -> bool {
        let indexed = matches!(
            (self.sort, self.answered),
            (
                QueueSort::Newest,
                AnswerFilter::All | AnswerFilter::Unanswered
            ) | (QueueSort::Deadline, AnswerFilter::Unanswered)
        );
        indexed && super::search::fts_expression(&self.text).is_some()
    }
}

fn read_window(
    conn: &Connection,
    filter: &QueueFilter,
    seek: Seek,
    limit: usize,
    text: TextMatch,
) -> Result<QueueWindow> {
    let (where_sql, mut args) = filter.where_clause_matching(text);
    let (columns, descending) = filter.order();
    let (key, skip, backwards) = match seek {
        Seek::Start { skip } => (None, skip, false),
        Seek::End { skip } => (None, skip, true),
        Seek::After { key, skip } => (Some(key), skip, false),
        Seek::Before { key, skip } => (Some(key), skip, true),
    };
    // Reading backwards is reading the reverse order forwards.
    let descending = descending != backwards;
    let mut where_sql = where_sql;
    if let Some(key) = key {
        let op = if descending { "<" } else { ">" };
        let marks = vec!["?"; columns.len()].join(", ");
        where_sql.push_str(&format!(" AND ({}) {op} ({marks})", columns.join(", ")));
        args.extend(key.values(filter.sort));
    }
    let direction = if descending { "DESC" } else { "ASC" };
    let order_by = columns
        .iter()
        .map(|c| format!("{c} {direction}"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT i.id, a.name, a.marketplace, i.channel, i.rating, i.product_name,
                i.customer_name, substr(i.text, 1, {PREVIEW_CHARS}), i.tier, i.created_at,
                i.at_risk_at, i.due_at,
                (SELECT o.last_error FROM outbox o WHERE o.interaction_id = i.id
                   AND o.state IN ('failed', 'rejected') AND o.cancelled_at IS NULL
                 ORDER BY o.id DESC LIMIT 1),
                i.state, i.account_id, i.intent,
                (SELECT o.id FROM outbox o WHERE o.interaction_id = i.id {UNDOABLE_AUTO}),
                (SELECT o.undo_until FROM outbox o WHERE o.interaction_id = i.id {UNDOABLE_AUTO}),
                {PRIOR_COMPLAINTS}, {UNANSWERED_BUYER_MESSAGES},
                (SELECT d.confidence FROM drafts d WHERE d.interaction_id = i.id
                   AND d.outcome IS NULL ORDER BY d.id DESC LIMIT 1)
         FROM interactions i JOIN accounts a ON a.id = i.account_id
         WHERE {where_sql}
         ORDER BY {order_by}
         LIMIT {limit} OFFSET ?"
    );
    // The limit is written into the SQL: SQLite steps a page with a literal LIMIT markedly
    // faster than with a bound one (0.07 against 0.045 ms for 50 rows), and callers use
    // a few page sizes, so the statement cache keeps them all. A bound OFFSET costs
    // nothing, and offsets vary.
    args.push(Value::Integer(i64::try_from(skip).unwrap_or(i64::MAX)));
    let mut stmt = conn.prepare_cached(&sql)?;
    stmt.reset_status(StatementStatus::VmStep);
    let mut rows = Vec::with_capacity(limit.min(1024));
    let mut cursor = stmt.query(rusqlite::params_from_iter(args))?;
    while let Some(row) = cursor.next()? {
        rows.push(row_to_queue_row(row)?);
    }
    drop(cursor);
    let vm_steps = u64::try_from(stmt.reset_status(StatementStatus::VmStep)).unwrap_or(0);
    if backwards {
        rows.reverse();
    }
    Ok(QueueWindow { rows, vm_steps })
}

/// Rows matching `filter`, in any order.
pub fn queue_count(conn: &Connection, filter: &QueueFilter) -> Result<usize> {
    let whole_history = QueueFilter {
        answered: AnswerFilter::All,
        text: filter.text.clone(),
        sort: filter.sort,
        ranked_at: filter.ranked_at,
        ..QueueFilter::default()
    };
    if *filter == whole_history && super::search::fts_expression(&filter.text).is_some() {
        // Every interaction has one row in the index: its hits are the count, read
        // without touching the interactions.
        return fts_hits(conn, &filter.text);
    }
    if let Some(now) = filter.breached_at {
        let open = QueueFilter {
            breached_at: None,
            ..filter.clone()
        };
        if let Some(kept) = kept_open_counts(conn, &open)? {
            let open_items = of_channel(kept, open.channel);
            return Ok(open_items.saturating_sub(not_yet_breached(conn, &open, now)?));
        }
    }
    if let Some(kept) = kept_open_counts(conn, filter)? {
        return Ok(of_channel(kept, filter.channel));
    }
    counted(conn, filter)
}

/// The count of `channel` among counts in [`Channel::ALL`] order, or their sum for none.
fn of_channel(counts: [usize; 3], channel: Option<Channel>) -> usize {
    match channel {
        Some(c) => Channel::ALL
            .iter()
            .position(|x| *x == c)
            .map_or(0, |i| counts[i]),
        None => counts.iter().sum(),
    }
}

fn counted(conn: &Connection, filter: &QueueFilter) -> Result<usize> {
    let (where_sql, args) = filter.where_clause();
    let sql = format!("SELECT count(*) FROM interactions i WHERE {where_sql}");
    let n: i64 = conn
        .prepare_cached(&sql)?
        .query_row(rusqlite::params_from_iter(args), |r| r.get(0))?;
    Ok(usize::try_from(n).unwrap_or(0))
}

/// Open items of `open`'s view still before their deadline at `now`: a range of the
/// deadline index that holds only items that arrived within their reply window, however
/// long the history.
fn not_yet_breached(conn: &Connection, open: &QueueFilter, now: DateTime<Utc>) -> Result<usize> {
    let (where_sql, mut args) = open.where_clause();
    let sql = format!("SELECT count(*) FROM interactions i WHERE {where_sql} AND i.due_at > ?");
    args.push(Value::Integer(to_db_time(now)));
    let n: i64 = conn
        .prepare_cached(&sql)?
        .query_row(rusqlite::params_from_iter(args), |r| r.get(0))?;
    Ok(usize::try_from(n).unwrap_or(0))
}

/// Rows matching `filter` per channel (its own channel ignored), in the order of
/// [`Channel::ALL`]: one pass for all the tab counts. The inbox's own view (open items,
/// of an account or a marketplace at most) is read from the counts the triggers of
/// migration 020 keep, a few rows however many items are open.
pub fn queue_count_by_channel(conn: &Connection, filter: &QueueFilter) -> Result<[usize; 3]> {
    if let Some(kept) = kept_open_counts(conn, filter)? {
        return Ok(kept);
    }
    counted_by_channel(conn, filter)
}

fn counted_by_channel(conn: &Connection, filter: &QueueFilter) -> Result<[usize; 3]> {
    let any_channel = QueueFilter {
        channel: None,
        ..filter.clone()
    };
    let (where_sql, args) = any_channel.where_clause();
    let sql = format!(
        "SELECT i.channel, count(*) FROM interactions i WHERE {where_sql} GROUP BY i.channel"
    );
    by_channel(conn, &sql, args)
}

/// The open items per channel of `filter`'s view (its channel ignored) from
/// `open_counts`, when the view is all open items, of an account or a marketplace at
/// most; `None` for any other filter.
fn kept_open_counts(conn: &Connection, filter: &QueueFilter) -> Result<Option<[usize; 3]>> {
    let inbox = QueueFilter {
        account_id: filter.account_id,
        marketplace: filter.marketplace,
        sort: filter.sort,
        ranked_at: filter.ranked_at,
        ..QueueFilter::default()
    };
    let state_is_open = matches!(filter.state, None | Some(AnswerState::Open));
    let view = QueueFilter {
        channel: None,
        state: None,
        ..filter.clone()
    };
    if view != inbox || !state_is_open {
        return Ok(None);
    }
    let mut sql = String::from("SELECT c.channel, sum(c.n) FROM open_counts c WHERE 1");
    let mut args = Vec::new();
    if let Some(account) = filter.account_id {
        sql.push_str(" AND c.account_id = ?");
        args.push(Value::Integer(account));
    }
    if let Some(marketplace) = filter.marketplace {
        sql.push_str(" AND c.account_id IN (SELECT id FROM accounts WHERE marketplace = ?)");
        args.push(Value::Text(marketplace.as_str().into()));
    }
    sql.push_str(" GROUP BY c.channel");
    by_channel(conn, &sql, args).map(Some)
}

/// Runs `sql`, which yields (channel, count) rows, into counts in [`Channel::ALL`] order.
fn by_channel(conn: &Connection, sql: &str, args: Vec<Value>) -> Result<[usize; 3]> {
    let mut stmt = conn.prepare_cached(sql)?;
    let mut rows = stmt.query(rusqlite::params_from_iter(args))?;
    let mut counts = [0usize; 3];
    while let Some(row) = rows.next()? {
        let channel: String = row.get(0)?;
        let n: i64 = row.get(1)?;
        if let Some(i) = Channel::ALL.iter().position(|c| c.as_str() == channel) {
            counts[i] = usize::try_from(n).unwrap_or(0);
        }
    }
    Ok(counts)
}

fn row_to_queue_row(r: &Row<'_>) -> rusqlite::Result<QueueRow> {
    Ok(QueueRow {
        id: InteractionId(r.get(0)?),
        account_name: r.get(1)?,
        marketplace: parse_str_col(r, 2, |s| {
            Marketplace::ALL.into_iter().find(|m| m.as_str() == s)
        })?,
        channel: parse_str_col(r, 3, |s| Channel::ALL.into_iter().find(|c| c.as_str() == s))?,
        rating: r.get::<_, Option<u8>>(4)?.and_then(Rating::new),
        product_name: r.get(5)?,
        customer_name: r.get(6)?,
        preview: r.get(7)?,
        tier: parse_str_col(r, 8, SlaTier::parse)?,
        created_at: from_db_time(r.get(9)?),
        at_risk_at: from_db_time(r.get(10)?),
        due_at: from_db_time(r.get(11)?),
        send_error: r.get(12)?,
        state: parse_str_col(r, 13, AnswerState::parse)?,
        account_id: r.get(14)?,
        intent: r.get(15)?,
        auto_reply: match (r.get::<_, Option<i64>>(16)?, r.get::<_, Option<i64>>(17)?) {
            (Some(outbox_id), Some(until)) => Some(PendingAutoReply {
                outbox_id,
                undo_until: from_db_time(until),
            }),
            _ => None,
        },
        prior_complaints: r.get(18)?,
        unanswered_buyer_messages: r.get(19)?,
        draft_confidence: r.get::<_, Option<f64>>(20)?.map(|c| c as f32),
    })
}

/// [`parse_col`] reading the text in place: the queue's enum columns, on every row, as
/// the store writes them (the `FromStr` parsers also accept other spellings, at the cost
/// of a lower-cased copy).
fn parse_str_col<T>(
    r: &Row<'_>,
    idx: usize,
    parse: impl FnOnce(&str) -> Option<T>,
) -> rusqlite::Result<T> {
    let text = r.get_ref(idx)?.as_str()?;
    parse(text).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            idx,
            rusqlite::types::Type::Text,
            format!("unexpected value '{text}'").into(),
        )
    })
}

/// The fields of an item a queue row leaves out, for a page of rows at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemText {
    pub external_id: String,
    pub text: String,
    pub product_external_id: Option<String>,
}

/// [`ItemText`] of each of `ids` found, in one query: what `agentiq list --json` adds to
/// its rows without reading each whole item.
pub fn item_texts(
    conn: &Connection,
    ids: &[InteractionId],
) -> Result<std::collections::HashMap<InteractionId, ItemText>> {
    let mut found = std::collections::HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let marks = vec!["?"; chunk.len()].join(", ");
        let mut stmt = conn.prepare(&format!(
            "SELECT id, external_id, text, product_external_id FROM interactions
             WHERE id IN ({marks})"
        ))?;
        let rows = stmt.query_map(
            rusqlite::params_from_iter(chunk.iter().map(|id| id.0)),
            |r| {
                Ok((
                    InteractionId(r.get(0)?),
                    ItemText {
                        external_id: r.get(1)?,
                        text: r.get(2)?,
                        product_external_id: r.get(3)?,
                    },
                ))
            },
        )?;
        for row in rows {
            let (id, text) = row?;
            found.insert(id, text);
        }
    }
    Ok(found)
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
    use crate::domain::NewInteraction;
    use crate::domain::Sender;
    use crate::store::test_support::temp_store;
    use crate::store::{enqueue_reply, upsert_account, UpsertSummary};
    // Written as sync writes them, under the shipped SLA policy and linking settings.
    use crate::sync::upsert_interactions;
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
            &[
                review("five", 5, t(0)),
                review("one", 1, t(30)),
                review("three", 3, t(10)),
            ],
        );
        let reader = store.reader().unwrap();
        let filter = QueueFilter::default();
        let page = queue_page(&reader, &filter, 0, 10).unwrap();
        let order: Vec<_> = page.iter().map(|r| r.preview.as_str()).collect();
        assert_eq!(order, ["Отзыв one", "Отзыв three", "Отзыв five"]);
        assert_eq!(page[0].due_at, t(90));
        assert_eq!(page[0].product_name.as_deref(), Some("Плед флисовый"));
        assert_eq!(
            queue_page(&reader, &filter, 1, 1).unwrap()[0].preview,
            "Отзыв three"
        );
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
        assert_eq!(queue_count_by_channel(&reader, &chats).unwrap(), [3, 0, 0]);
    }

    /// 30 reviews of two accounts (20 WB, 10 Ozon), one answered, two of intent
    /// `wrong_item`, one with a draft: what every filter and sort is read against.
    fn filter_fixture() -> (tempfile::TempDir, crate::store::Store, i64) {
        let (dir, store) = temp_store();
        let mut conn = rusqlite::Connection::open(store.path()).unwrap();
        let wb = upsert_account(&conn, "Уютный дом", Marketplace::Wb).unwrap();
        let ozon = upsert_account(&conn, "Альфа", Marketplace::Ozon).unwrap();
        let mut batch: Vec<NewInteraction> = (0..30)
            .map(|i| review(&format!("r{i}"), 1 + (i % 5) as u8, t(i * 7 % 30)))
            .collect();
        batch[3].answer = Some(Answer {
            text: "Спасибо".into(),
            moderation: ModerationState::Published,
            editable: false,
        });
        batch[4].text = "Плёд пришёл мятый".into();
        upsert(&mut conn, wb, &batch[..20]);
        upsert(&mut conn, ozon, &batch[20..]);
        conn.execute(
            "UPDATE interactions SET intent = 'wrong_item' WHERE external_id IN ('r1', 'r2')",
            [],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO drafts (interaction_id, text, source, confidence, created_at)
             SELECT id, 'x', 'template', 0.5, 0 FROM interactions WHERE external_id = 'r5'",
            [],
        )
        .unwrap();
        (dir, store, wb)
    }

    #[test]
    fn every_filter_counts_what_it_names() {
        let (_dir, store, wb) = filter_fixture();
        let reader = store.reader().unwrap();
        let count = |f: QueueFilter| queue_count(&reader, &f).unwrap();
        let base = QueueFilter::default();
        assert_eq!(count(base.clone()), 29, "one is answered");
        assert_eq!(
            count(QueueFilter {
                answered: AnswerFilter::Answered,
                ..base.clone()
            }),
            1
        );
        assert_eq!(
            count(QueueFilter {
                answered: AnswerFilter::All,
                ..base.clone()
            }),
            30
        );
        assert_eq!(
            count(QueueFilter {
                marketplace: Some(Marketplace::Ozon),
                ..base.clone()
            }),
            10
        );
        assert_eq!(
            count(QueueFilter {
                account_id: Some(wb),
                ..base.clone()
            }),
            19
        );
        assert_eq!(
            count(QueueFilter {
                rating: Some((1, 2)),
                ..base.clone()
            }),
            12
        );
        assert_eq!(
            count(QueueFilter {
                intent: Some(IntentFilter::Is("wrong_item".into())),
                ..base.clone()
            }),
            2
        );
        assert_eq!(
            count(QueueFilter {
                intent: Some(IntentFilter::Unclassified),
                ..base.clone()
            }),
            27
        );
        assert_eq!(
            count(QueueFilter {
                has_draft: Some(true),
                ..base.clone()
            }),
            1
        );
        assert_eq!(
            count(QueueFilter {
                has_draft: Some(false),
                ..base.clone()
            }),
            28
        );
        assert_eq!(
            count(QueueFilter {
                product: Some("146972802".into()),
                ..base.clone()
            }),
            29
        );
    }

    #[test]
    fn text_filters_fold_case_and_yo() {
        let (_dir, store, _) = filter_fixture();
        let reader = store.reader().unwrap();
        let count = |f: QueueFilter| queue_count(&reader, &f).unwrap();
        let base = QueueFilter::default();
        let text = |words: &str| QueueFilter {
            text: vec![crate::store::search::TextTerm::any(words)],
            ..base.clone()
        };
        assert_eq!(count(text("ПРИШЁЛ")), 1, "case and ё folded");
        assert_eq!(count(text("пришел")), 1);
        assert_eq!(count(text("плёд")), 29, "every review names the product");
        assert_eq!(count(text("мят")), 1);
        assert_eq!(count(text("отзыв r1")), 11, "r1 is a prefix of r10 … r19");
        assert_eq!(count(text("отзыв r29")), 1);
    }

    #[test]
    fn keyset_seeks_agree_with_offsets_for_every_sort() {
        let (_dir, store, _) = filter_fixture();
        let reader = store.reader().unwrap();
        let base = QueueFilter::default();
        // Every sort: keyset seeks from any row agree with plain offsets.
        for sort in QueueSort::ALL {
            let f = QueueFilter {
                sort,
                ranked_at: Some(t(20)),
                ..base.clone()
            };
            let all = queue_page(&reader, &f, 0, 100).unwrap();
            assert_eq!(all.len(), 29);
            for i in 0..all.len() {
                let key = QueueKey::of(&all[i], &f);
                let after = queue_window(&reader, &f, Seek::After { key, skip: 2 }, 3)
                    .unwrap()
                    .rows;
                assert_eq!(
                    after,
                    all[(i + 3).min(29)..(i + 6).min(29)],
                    "{sort:?} after {i}"
                );
                let before = queue_window(&reader, &f, Seek::Before { key, skip: 1 }, 2)
                    .unwrap()
                    .rows;
                let end = i.saturating_sub(1);
                assert_eq!(
                    before,
                    all[end.saturating_sub(2)..end],
                    "{sort:?} before {i}"
                );
            }
            let last = queue_window(&reader, &f, Seek::End { skip: 0 }, 4)
                .unwrap()
                .rows;
            assert_eq!(last, all[25..]);
        }
        // Newest first really is newest first.
        let newest = queue_page(
            &reader,
            &QueueFilter {
                sort: QueueSort::Newest,
                ..base.clone()
            },
            0,
            100,
        )
        .unwrap();
        assert!(newest
            .windows(2)
            .all(|w| w[0].created_at >= w[1].created_at));
    }

    #[test]
    fn searches_walking_an_index_agree_with_looking_hits_up() {
        let (_dir, store) = temp_store();
        let mut conn = rusqlite::Connection::open(store.path()).unwrap();
        let account = upsert_account(&conn, "shop", Marketplace::Wb).unwrap();
        let mut batch: Vec<NewInteraction> = (0..40)
            .map(|i| review(&format!("r{i}"), 1 + (i % 5) as u8, t((i * 13) % 40)))
            .collect();
        for (i, item) in batch.iter_mut().enumerate() {
            if i % 3 == 0 {
                item.text = format!("Плёд мятый, отзыв {i}");
            }
            if i % 4 == 0 {
                item.answer = Some(Answer {
                    text: "Спасибо".into(),
                    moderation: ModerationState::Published,
                    editable: false,
                });
            }
        }
        upsert(&mut conn, account, &batch);
        let reader = store.reader().unwrap();
        for (sort, answered) in [
            (QueueSort::Newest, AnswerFilter::All),
            (QueueSort::Newest, AnswerFilter::Unanswered),
            (QueueSort::Deadline, AnswerFilter::Unanswered),
        ] {
            for words in ["мят", "отзыв r1", "пришел"] {
                let f = QueueFilter {
                    sort,
                    answered,
                    text: vec![crate::store::search::TextTerm::any(words)],
                    ..QueueFilter::default()
                };
                assert!(f.walks_an_index_with_text());
                let looked_up = |seek| {
                    read_window(&reader, &f, seek, 100, TextMatch::Lookup)
                        .unwrap()
                        .rows
                };
                let all = looked_up(Seek::Start { skip: 0 });
                assert_eq!(all.len(), queue_count(&reader, &f).unwrap(), "{words}");
                let probed = queue_window(&reader, &f, Seek::Start { skip: 0 }, 100).unwrap();
                assert_eq!(probed.rows, all, "{sort:?} {answered:?} {words}");
                // Out of steps at once: the read gives way to looking the hits up.
                let starved = window_within(&reader, &f, Seek::Start { skip: 1 }, 100, 1).unwrap();
                assert_eq!(starved.rows, all[all.len().min(1)..], "{sort:?} {words}");
                assert!(starved.vm_steps >= 1);
                for (i, row) in all.iter().enumerate() {
                    let key = QueueKey::of(row, &f);
                    let after = queue_window(&reader, &f, Seek::After { key, skip: 0 }, 2)
                        .unwrap()
                        .rows;
                    assert_eq!(after, all[(i + 1).min(all.len())..(i + 3).min(all.len())]);
                    let before = queue_window(&reader, &f, Seek::Before { key, skip: 0 }, 2)
                        .unwrap()
                        .rows;
                    assert_eq!(before, all[i.saturating_sub(2)..i]);
                }
            }
        }
        // A search of the whole history is counted from the index alone.
        let whole = QueueFilter {
            answered: AnswerFilter::All,
            text: vec![crate::store::search::TextTerm::any("мят")],
            ..QueueFilter::default()
        };
        assert_eq!(queue_count(&reader, &whole).unwrap(), 14);
        let looked_up = read_window(
            &reader,
            &whole,
            Seek::Start { skip: 0 },
            100,
            TextMatch::Lookup,
        );
        assert_eq!(looked_up.unwrap().rows.len(), 14);
    }

    /// A store of `n` open reviews, every `every`-th saying "мятый".
    fn store_with_hits(n: usize, every: usize) -> (tempfile::TempDir, crate::store::Store) {
        let (dir, store) = temp_store();
        let mut conn = rusqlite::Connection::open(store.path()).unwrap();
        let account = upsert_account(&conn, "shop", Marketplace::Wb).unwrap();
        let batch: Vec<NewInteraction> = (0..n)
            .map(|i| {
                let mut item = review(&format!("r{i}"), 4, t((i as i64 * 7919) % 100_000));
                // Each by another buyer: the rows' earlier complaints stay one look-up.
                item.customer_name = None;
                if i % every == 0 {
                    item.text = format!("Пришёл мятый, отзыв {i}");
                }
                item
            })
            .collect();
        upsert(&mut conn, account, &batch);
        (dir, store)
    }

    #[test]
    fn a_search_page_examines_the_same_rows_however_many_items_match() {
        let search = QueueFilter {
            text: vec![crate::store::search::TextTerm::any("мят")],
            ..QueueFilter::default()
        };
        let first_page = |n| {
            let (_dir, store) = store_with_hits(n, 4);
            let reader = store.reader().unwrap();
            let window = queue_window(&reader, &search, Seek::Start { skip: 0 }, 20).unwrap();
            assert_eq!(window.rows.len(), 20);
            window.vm_steps
        };
        let (few, many) = (first_page(400), first_page(3_200));
        assert!(
            many * 10 <= few * 13,
            "a page of a search with 8x the hits took {many} steps against {few}"
        );
    }

    #[test]
    fn deep_search_pages_agree_with_looking_hits_up() {
        let (_dir, store) = store_with_hits(3_000, 37);
        let reader = store.reader().unwrap();
        for sort in [QueueSort::Deadline, QueueSort::Newest] {
            let f = QueueFilter {
                sort,
                text: vec![crate::store::search::TextTerm::any("мят")],
                ..QueueFilter::default()
            };
            let all = read_window(&reader, &f, Seek::Start { skip: 0 }, 200, TextMatch::Lookup)
                .unwrap()
                .rows;
            assert_eq!(all.len(), 82);
            for (seek, want) in [
                (Seek::Start { skip: 0 }, &all[..10]),
                (Seek::Start { skip: 50 }, &all[50..60]),
                (Seek::End { skip: 0 }, &all[72..]),
                (Seek::End { skip: 30 }, &all[42..52]),
                (
                    Seek::After {
                        key: QueueKey::of(&all[20], &f),
                        skip: 15,
                    },
                    &all[36..46],
                ),
                (
                    Seek::Before {
                        key: QueueKey::of(&all[70], &f),
                        skip: 5,
                    },
                    &all[55..65],
                ),
            ] {
                let probed = queue_window(&reader, &f, seek, 10).unwrap().rows;
                assert_eq!(probed, want, "{sort:?} {seek:?}");
            }
        }
    }

    /// Twelve reviews with ids `{prefix}0`…, every channel in turn.
    fn channel_mix(prefix: &str) -> Vec<NewInteraction> {
        (0..12)
            .map(|i| {
                let mut item = review(&format!("{prefix}{i}"), 3, t(i * 90));
                item.channel = Channel::ALL[i as usize % 3];
                item
            })
            .collect()
    }

    /// The kept counts agree with a full count, for a few filters of account `wb`.
    fn assert_kept_counts_agree(conn: &Connection, wb: i64, step: &str) {
        let filters = [
            QueueFilter::default(),
            QueueFilter {
                account_id: Some(wb),
                ..QueueFilter::default()
            },
            QueueFilter {
                marketplace: Some(Marketplace::Ozon),
                channel: Some(Channel::Question),
                ..QueueFilter::default()
            },
        ];
        for f in filters {
            assert!(kept_open_counts(conn, &f).unwrap().is_some());
            assert_eq!(
                queue_count_by_channel(conn, &f).unwrap(),
                counted_by_channel(conn, &f).unwrap(),
                "{step}: {f:?}"
            );
            assert_eq!(queue_count(conn, &f).unwrap(), counted(conn, &f).unwrap());
            let breached = QueueFilter {
                breached_at: Some(t(500)),
                ..f
            };
            assert_eq!(
                queue_count(conn, &breached).unwrap(),
                counted(conn, &breached).unwrap(),
                "{step}: breached"
            );
        }
    }

    #[test]
    fn kept_open_counts_equal_a_full_count_after_syncs_replies_and_other_writers() {
        let (_dir, store) = temp_store();
        let mut conn = rusqlite::Connection::open(store.path()).unwrap();
        let wb = upsert_account(&conn, "wb shop", Marketplace::Wb).unwrap();
        let ozon = upsert_account(&conn, "ozon shop", Marketplace::Ozon).unwrap();
        let items = channel_mix;
        let agree = |conn: &Connection, step: &str| assert_kept_counts_agree(conn, wb, step);
        upsert(&mut conn, wb, &items("w"));
        upsert(&mut conn, ozon, &items("o"));
        agree(&conn, "synced");
        let first = queue_page(&conn, &QueueFilter::default(), 0, 3).unwrap();
        for (i, row) in first.iter().enumerate() {
            enqueue_reply(&conn, row.id, "Спасибо", &format!("k{i}"), "human", t(1)).unwrap();
        }
        agree(&conn, "replies queued");
        // A sync that finds answers written elsewhere.
        let mut answered = items("w");
        for item in answered.iter_mut().step_by(2) {
            item.answer = Some(Answer {
                text: "Ответ".into(),
                moderation: ModerationState::Published,
                editable: false,
            });
        }
        upsert(&mut conn, wb, &answered);
        agree(&conn, "answers synced");
        // Another process changes states, moves and removes items directly.
        let other = rusqlite::Connection::open(store.path()).unwrap();
        other
            .execute_batch(
                "UPDATE interactions SET state = 'archived' WHERE id % 5 = 0;
                 UPDATE interactions SET state = 'open' WHERE state = 'pending';
                 UPDATE interactions SET channel = 'chat' WHERE id % 7 = 0;
                 DELETE FROM interactions WHERE id % 11 = 0;",
            )
            .unwrap();
        agree(&conn, "another writer");
        other
            .execute("DELETE FROM accounts WHERE id = ?1", [ozon])
            .unwrap();
        agree(&conn, "account removed");
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
    fn queue_rows_carry_the_customers_earlier_complaints_and_the_chats_unanswered_messages() {
        let (_dir, store) = temp_store();
        let mut conn = rusqlite::Connection::open(store.path()).unwrap();
        let account = upsert_account(&conn, "shop", Marketplace::Wb).unwrap();
        let mut chat = review("chat-1", 5, t(40));
        chat.channel = Channel::Chat;
        chat.rating = None;
        let message = |id: &str, sender, at| ChatMessage {
            external_id: id.into(),
            sender,
            text: "Где заказ?".into(),
            sent_at: t(at),
        };
        chat.messages = vec![
            message("m1", Sender::Buyer, 40),
            message("m2", Sender::Seller, 41),
            message("m3", Sender::Buyer, 42),
            message("m4", Sender::Buyer, 43),
        ];
        upsert(
            &mut conn,
            account,
            &[
                review("first", 1, t(0)),
                review("second", 4, t(10)),
                review("stranger", 5, t(20)),
                chat,
            ],
        );
        // One buyer behind "first" and "second"; "stranger" is someone else.
        conn.execute(
            "INSERT INTO customers (id, account_id, name, created_at) VALUES (7, ?1, 'Анна', 0)",
            [account],
        )
        .unwrap();
        conn.execute(
            "UPDATE interactions SET customer_id = CASE WHEN external_id = 'stranger' THEN NULL
                                                       ELSE 7 END
             WHERE channel = 'review'",
            [],
        )
        .unwrap();
        let rows = queue_page(&conn, &QueueFilter::default(), 0, 10).unwrap();
        let find = |preview: &str| {
            rows.iter()
                .find(|r| r.preview == preview)
                .unwrap_or_else(|| panic!("{preview} in the queue"))
        };
        assert_eq!(find("Отзыв first").prior_complaints, 0, "nothing before it");
        assert_eq!(find("Отзыв second").prior_complaints, 1, "the 1★ before it");
        assert_eq!(find("Отзыв stranger").prior_complaints, 0, "not linked");
        let chat = find("Отзыв chat-1");
        assert_eq!(
            chat.unanswered_buyer_messages, 2,
            "only the messages after the seller's"
        );
        assert_eq!(find("Отзыв second").unanswered_buyer_messages, 0);
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
        assert_eq!(
            item.waiting_since,
            t(3),
            "clock starts at the unanswered buyer message"
        );
        let thread = chat_messages(&conn, row[0].id).unwrap();
        let texts: Vec<_> = thread.iter().map(|m| m.text.as_str()).collect();
        assert_eq!(texts, ["Где заказ?", "Здравствуйте", "Ау"]);
    }
}
