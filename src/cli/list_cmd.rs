//! `agentiq list` and `agentiq search`: pages of the queue in the inbox's order, with a
//! keyset cursor for the next page.

use std::io::IsTerminal;

use anyhow::Result;
use chrono::{DateTime, Utc};
use clap::{Args, ValueEnum};
use rusqlite::Connection;
use serde_json::json;

use super::exit::{fail, Failure};
use super::labels::Labels;
use super::out;
use super::script::{account_id, channel_arg, existing_reader, marketplace_arg, Style};
use crate::config::Paths;
use crate::domain::{AnswerState, Channel, InteractionId, Marketplace};
use crate::store::{self, AnswerFilter, QueueFilter, QueueKey, QueueRow, QueueSort, Seek};
use crate::tui::format;
use std::collections::HashMap;

/// Rows per page when `--limit` is not given.
const DEFAULT_LIMIT: usize = 50;
/// Most rows one page may hold.
const MAX_LIMIT: usize = 10_000;
/// Width of text rows when standard output is not a terminal.
const PIPE_WIDTH: usize = 100;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum StateArg {
    /// Waiting for the seller: the inbox.
    Open,
    /// A reply is on its way.
    Pending,
    /// Answered.
    Answered,
    /// Every state, archived included.
    All,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SortArg {
    /// Earliest deadline first.
    Deadline,
    /// Priority bucket, then deadline.
    Priority,
    /// Most recently written first.
    Newest,
}

impl SortArg {
    fn sort(self) -> QueueSort {
        match self {
            SortArg::Deadline => QueueSort::Deadline,
            SortArg::Priority => QueueSort::Priority,
            SortArg::Newest => QueueSort::Newest,
        }
    }
}

#[derive(Args, Debug)]
pub struct ListArgs {
    #[arg(long, value_enum, default_value = "open")]
    pub state: StateArg,
    /// review, question or chat.
    #[arg(long, value_parser = channel_arg)]
    pub channel: Option<Channel>,
    /// wb or ozon.
    #[arg(long, value_parser = marketplace_arg)]
    pub marketplace: Option<Marketplace>,
    /// An account's name (a unique part is enough) or id.
    #[arg(long)]
    pub account: Option<String>,
    #[arg(long, value_enum, default_value = "deadline")]
    pub sort: SortArg,
    /// A query in the inbox's search language (docs/search.md) narrowing the list.
    #[arg(long)]
    pub query: Option<String>,
    /// Rows at most.
    #[arg(long, default_value_t = DEFAULT_LIMIT, value_parser = limit_arg)]
    pub limit: usize,
    /// Continue after this cursor (the `next` of the page before).
    #[arg(long)]
    pub after: Option<String>,
    /// Team mode only: items in this workflow state (new, assigned, in_progress,
    /// answered, escalated, waiting_buyer).
    #[arg(long)]
    pub workflow: Option<crate::store::pg::Workflow>,
    #[command(flatten)]
    pub style: Style,
}

#[derive(Args, Debug)]
pub struct SearchArgs {
    /// A query in the inbox's search language, e.g. `плед rating:1-2 mp:wb`.
    pub query: String,
    #[arg(long, default_value_t = DEFAULT_LIMIT, value_parser = limit_arg)]
    pub limit: usize,
    /// Continue after this cursor (the `next` of the page before).
    #[arg(long)]
    pub after: Option<String>,
    #[command(flatten)]
    pub style: Style,
}

/// `--limit`: 1 to 10 000 rows.
fn limit_arg(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        _ => Err(format!("expected a number of rows from 1 to {MAX_LIMIT}")),
    }
}

pub fn list(args: &ListArgs, paths: &Paths) -> Result<()> {
    if args.workflow.is_some() {
        return Err(fail(
            Failure::Usage,
            "--workflow works on a team's shared database ([store] url, docs/team.md)",
        ));
    }
    let conn = existing_reader(paths)?;
    let now = Utc::now();
    let mut filter = list_filter(args, now);
    if let Some(name) = &args.account {
        filter.account_id = Some(account_id(&conn, name)?);
    }
    if let Some(query) = &args.query {
        apply_query(&conn, query, &mut filter, now, "--query")?;
    }
    print_page(
        &conn,
        filter,
        args.limit,
        args.after.as_deref(),
        &args.style,
    )
}

/// The filter `list`'s flags ask for, before `--account` and `--query`.
pub(super) fn list_filter(args: &ListArgs, now: DateTime<Utc>) -> QueueFilter {
    let (answered, state) = match args.state {
        StateArg::Open => (AnswerFilter::Unanswered, None),
        StateArg::Pending => (AnswerFilter::Answered, Some(AnswerState::Pending)),
        StateArg::Answered => (AnswerFilter::Answered, Some(AnswerState::Answered)),
        StateArg::All => (AnswerFilter::All, None),
    };
    QueueFilter {
        channel: args.channel,
        marketplace: args.marketplace,
        answered,
        state,
        sort: args.sort.sort(),
        ranked_at: Some(now),
        ..QueueFilter::default()
    }
}

/// The filter `search` starts from: everything, newest first.
pub(super) fn search_filter(now: DateTime<Utc>) -> QueueFilter {
    QueueFilter {
        answered: AnswerFilter::All,
        sort: QueueSort::Newest,
        ranked_at: Some(now),
        ..QueueFilter::default()
    }
}

pub fn search(args: &SearchArgs, paths: &Paths) -> Result<()> {
    let conn = existing_reader(paths)?;
    let now = Utc::now();
    let mut filter = search_filter(now);
    apply_query(&conn, &args.query, &mut filter, now, "query")?;
    print_page(
        &conn,
        filter,
        args.limit,
        args.after.as_deref(),
        &args.style,
    )
}

fn apply_query(
    conn: &Connection,
    query: &str,
    filter: &mut QueueFilter,
    now: DateTime<Utc>,
    what: &str,
) -> Result<()> {
    let accounts = store::accounts(conn)?;
    store::search::parse_query(query)
        .and_then(|q| q.apply(filter, &accounts, now))
        .map_err(|e| fail(Failure::Usage, format!("{what} \"{query}\": {e}")))
}

/// Where `--after` says the page starts, for `filter`'s sort; the priority rank is judged
/// at the first page's moment.
pub(super) fn seek_after(filter: &mut QueueFilter, after: Option<&str>) -> Result<Seek> {
    Ok(match after {
        Some(text) => {
            let cursor = Cursor::parse(text)?;
            if cursor.sort != filter.sort {
                return Err(fail(
                    Failure::Usage,
                    format!(
                        "--after {text}: the cursor is for --sort {}, not {}",
                        cursor.sort.as_str(),
                        filter.sort.as_str()
                    ),
                ));
            }
            // The priority rank is judged at the moment of the first page, so pages
            // neither skip nor repeat rows as items become at risk.
            filter.ranked_at = cursor.ranked_at.or(filter.ranked_at);
            Seek::After {
                key: cursor.key,
                skip: 0,
            }
        }
        None => Seek::Start { skip: 0 },
    })
}

/// Reads the page after `after` (or the first) and prints it with the next cursor.
fn print_page(
    conn: &Connection,
    mut filter: QueueFilter,
    limit: usize,
    after: Option<&str>,
    style: &Style,
) -> Result<()> {
    let seek = seek_after(&mut filter, after)?;
    // One row more than asked says whether there is a next page.
    let rows = store::queue_window(conn, &filter, seek, limit + 1)?.rows;
    print_rows(
        rows,
        &filter,
        limit,
        style,
        |ids| store::item_texts(conn, ids),
        |accounts| crate::sla::Policies::load(conn, accounts),
        &Marks::new(),
    )
}

/// What the team's shared store adds to a row: keys for its JSON object and a short text
/// after its line (claims and workflow states, docs/team.md).
pub(super) type Marks =
    HashMap<InteractionId, (serde_json::Map<String, serde_json::Value>, String)>;

/// Prints a page read with one row more than `limit` (which says whether there is a
/// next page), as JSON lines or text, with the next cursor. `whole` reads the fields only
/// whole items have (JSON); `policies` the SLA policies of the rows' accounts (text);
/// `marks` what the shared store adds to rows.
pub(super) fn print_rows(
    mut rows: Vec<QueueRow>,
    filter: &QueueFilter,
    limit: usize,
    style: &Style,
    whole: impl FnOnce(&[InteractionId]) -> Result<HashMap<InteractionId, store::ItemText>>,
    policies: impl FnOnce(&[i64]) -> crate::sla::Policies,
    marks: &Marks,
) -> Result<()> {
    let more = rows.len() > limit;
    rows.truncate(limit);
    let next = if more {
        rows.last().map(|last| {
            Cursor {
                sort: filter.sort,
                key: QueueKey::of(last, filter),
                ranked_at: filter.ranked_at,
            }
            .to_string()
        })
    } else {
        None
    };
    let labels = style.labels();
    if style.json {
        let ids: Vec<_> = rows.iter().map(|r| r.id).collect();
        let whole = whole(&ids)?;
        let mut text = String::new();
        for row in &rows {
            let mut value = row_json(row, whole.get(&row.id));
            if let (Some(object), Some((extra, _))) = (value.as_object_mut(), marks.get(&row.id)) {
                object.extend(extra.clone());
            }
            text.push_str(&value.to_string());
            text.push('\n');
        }
        if let Some(next) = &next {
            text.push_str(&json!({ "next": next }).to_string());
            text.push('\n');
        }
        out::print(&text)?;
        return Ok(());
    }
    if rows.is_empty() {
        out::line(labels.no_items)?;
        return Ok(());
    }
    let width = text_width();
    let now = Utc::now();
    let ids: Vec<i64> = rows.iter().map(|r| r.account_id).collect();
    let policies = policies(&ids);
    let mut text = String::new();
    for row in &rows {
        match marks.get(&row.id) {
            Some((_, mark)) => {
                let room = width.saturating_sub(mark.chars().count() + 3).max(20);
                text.push_str(&row_text(row, &policies, now, room, labels));
                text.push_str(&format!("  [{mark}]"));
            }
            None => text.push_str(&row_text(row, &policies, now, width, labels)),
        }
        text.push('\n');
    }
    if let Some(next) = &next {
        text.push_str(&format!("… {} --after {next}\n", labels.more));
    }
    out::print(&text)?;
    Ok(())
}

/// Cells a text row may take: the terminal's width, or 100 in a pipe.
fn text_width() -> usize {
    if std::io::stdout().is_terminal() {
        if let Ok((columns, _)) = crossterm::terminal::size() {
            return usize::from(columns).max(20);
        }
    }
    PIPE_WIDTH
}

/// One item as a JSON object: the row and the fields only the whole item has.
pub fn row_json(row: &QueueRow, whole: Option<&store::ItemText>) -> serde_json::Value {
    let (external_id, text, product_id) = match whole {
        Some(i) => (
            Some(i.external_id.clone()),
            i.text.clone(),
            i.product_external_id.clone(),
        ),
        None => (None, row.preview.clone(), None),
    };
    json!({
        "id": row.id.0,
        "external_id": external_id,
        "account": row.account_name,
        "marketplace": row.marketplace.as_str(),
        "channel": row.channel.as_str(),
        "state": row.state.as_str(),
        "rating": row.rating.map(|r| r.stars()),
        "intent": row.intent,
        "tier": row.tier.as_str(),
        "created_at": row.created_at.to_rfc3339(),
        "at_risk_at": row.at_risk_at.to_rfc3339(),
        "due_at": row.due_at.to_rfc3339(),
        "product": row.product_name,
        "product_id": product_id,
        "customer": row.customer_name,
        "text": text,
        "send_error": row.send_error,
    })
}

/// One item on one line, as the inbox lays out a row after its id: priority mark, countdown (or a
/// state mark), marketplace and channel, stars, product, customer, the text's start.
fn row_text(
    row: &QueueRow,
    policies: &crate::sla::Policies,
    now: DateTime<Utc>,
    width: usize,
    labels: &Labels,
) -> String {
    let strings = crate::tui::strings::Strings::for_lang(labels.lang);
    let (mark, clock) = match row.state {
        AnswerState::Open => {
            let sla_state = crate::sla::state_at(row.at_risk_at, row.due_at, now);
            let inputs = crate::sla::PriorityInputs {
                channel: Some(row.channel),
                rating: row.rating,
                intent: row.intent.as_deref(),
                prior_complaints: row.prior_complaints,
                unanswered_buyer_messages: row.unanswered_buyer_messages,
                shouting: row.channel == Channel::Chat && crate::sla::is_shouting(&row.preview),
                ..crate::sla::PriorityInputs::new(row.tier, sla_state)
            };
            let priority = policies.for_account(row.account_id).priority(&inputs);
            (
                crate::tui::view::queue::priority_mark(priority),
                format::countdown(row.due_at, now, strings),
            )
        }
        other => (" ", crate::tui::view::queue::state_mark(other).to_string()),
    };
    let clean = |s: &str| crate::tui::sanitize::line(s).into_owned();
    let product = row
        .product_name
        .as_deref()
        .map(clean)
        .unwrap_or_else(|| strings.unknown_product.to_string());
    let customer = row.customer_name.as_deref().map(clean).unwrap_or_default();
    let preview = clean(row.preview.lines().next().unwrap_or(""));
    // The id leads: it is what `show`, `draft` and `reply` take.
    let head = format!(
        "{:>7} {mark:1}{clock:>8} {} {} {} ",
        format!("#{}", row.id.0),
        row.marketplace.mark(),
        (strings.channel_short)(row.channel),
        format::stars(row.rating),
    );
    let rest = width.saturating_sub(format::width(&head));
    let product_cell = format::truncate(&product, (rest * 2 / 5).min(30));
    let after_product = rest.saturating_sub(format::width(&product_cell) + 1);
    let customer_cell = format::truncate(&customer, after_product.min(12));
    let after_customer = after_product.saturating_sub(format::width(&customer_cell) + 1);
    let line = format!(
        "{head}{product_cell} {customer_cell} {}",
        format::truncate(&preview, after_customer)
    );
    format::truncate(line.trim_end(), width)
}

/// Where the next page starts: the last row's place in the order, and the moment the
/// priority rank was judged. Written `sort.rank.time.id[.ranked_at]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Cursor {
    pub(super) sort: QueueSort,
    pub(super) key: QueueKey,
    pub(super) ranked_at: Option<DateTime<Utc>>,
}

impl std::fmt::Display for Cursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let k = self.key;
        write!(f, "{}.{}.{}.{}", self.sort.as_str(), k.rank, k.time, k.id)?;
        if let Some(t) = self.ranked_at {
            write!(f, ".{}", t.timestamp())?;
        }
        Ok(())
    }
}

impl Cursor {
    fn parse(text: &str) -> Result<Cursor> {
        let bad = || {
            fail(
                Failure::Usage,
                format!("--after {text}: not a cursor (use the `next` a page printed)"),
            )
        };
        let parts: Vec<&str> = text.trim().split('.').collect();
        let (sort, numbers) = parts.split_first().ok_or_else(bad)?;
        let sort = QueueSort::ALL
            .into_iter()
            .find(|s| s.as_str() == *sort)
            .ok_or_else(bad)?;
        let numbers: Vec<i64> = numbers
            .iter()
            .map(|n| n.parse::<i64>().map_err(|_| bad()))
            .collect::<Result<_>>()?;
        let (key, ranked_at) = match numbers.as_slice() {
            [rank, time, id] => ((*rank, *time, *id), None),
            [rank, time, id, at] => (
                (*rank, *time, *id),
                Some(DateTime::from_timestamp(*at, 0).ok_or_else(bad)?),
            ),
            _ => return Err(bad()),
        };
        Ok(Cursor {
            sort,
            key: QueueKey {
                rank: key.0,
                time: key.1,
                id: key.2,
            },
            ranked_at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_read_back() {
        let cursor = Cursor {
            sort: QueueSort::Priority,
            key: QueueKey {
                rank: 1,
                time: 1_790_000_000,
                id: 42,
            },
            ranked_at: DateTime::from_timestamp(1_790_000_100, 0),
        };
        assert_eq!(Cursor::parse(&cursor.to_string()).unwrap(), cursor);
        let plain = Cursor {
            ranked_at: None,
            ..cursor
        };
        assert_eq!(Cursor::parse(&plain.to_string()).unwrap(), plain);
        for bad in ["", "deadline", "soon.1.2.3", "deadline.x.2.3", "newest.1.2"] {
            let err = Cursor::parse(bad).unwrap_err();
            assert_eq!(
                super::super::exit::exit_for(&err),
                super::super::exit::Exit::Usage
            );
        }
    }
}
