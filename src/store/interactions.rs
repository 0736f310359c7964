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
    /// Team mode: only items this person holds a live claim on ("my items").
    pub claimed_by: Option<String>,
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
        if let Some(member) = &self.claimed_by {
            sql.push_str(" AND i.claimed_by = ? AND ");
            sql.push_str(LIVE_CLAIM_UNTIL);
            args.push(Value::Text(member.clone()));
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
    /// Team mode: who holds a live claim on the item (`store::team_cache`).
    pub claimed_by: Option<String>,
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

/// A team claim still running (the shared database's clock and ours agree to the second
/// or so; a claim lasts minutes).
const LIVE_CLAIM_UNTIL: &str = "i.claim_expires_at > CAST(strftime('%s', 'now') AS INTEGER)";
/// Who holds a live team claim on the item.
const LIVE_CLAIM: &str =
    "CASE WHEN i.claim_expires_at > CAST(strftime('%s', 'now') AS INTEGER) THEN i.claimed_by END";

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
                   AND d.outcome IS NULL ORDER BY d.id DESC LIMIT 1),
                {LIVE_CLAIM}
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
        claimed_by: r.get(21)?,
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
mod tests;
