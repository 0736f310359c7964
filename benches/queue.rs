//! Queue and search reads over synthetic databases of 10k, 100k and 1M items
//! (`target/bench-db/`, built once by `synthetic`).
//!
//! - The first page (50 rows) of the inbox in each sort, through `store::queue_page`,
//!   against the same SQL prepared and stepped bare (goal <= 1.3x).
//! - What the inbox reads when it opens or refreshes: the page plus the tab counts.
//! - Full-text search at the largest size, the way the search line runs it (query parsed,
//!   whole history, newest first), against the bare FTS5 query for 50 hits (goal <= 1.3x),
//!   and against the app's own SQL run bare.
//! - A refresh while scrolled to the middle of the queue, and the reads background
//!   preparation does per batch, at the smallest and largest size.
//!
//! `cargo bench --bench queue` (set `AGENTIQ_BENCH_LARGE=100000` for a quick run).

mod common;

use std::hint::black_box;
use std::time::Duration;

use agentiq::store::search::{fts_expression, parse_query};
use agentiq::store::{self, AnswerFilter, QueueFilter, QueueKey, QueueSort, Seek, Store};
use agentiq::tui::action::PageSeek;
use agentiq::tui::reads::read_queue;
use agentiq::tui::{QueueRequest, ReadStats};
use chrono::{DateTime, Utc};
use common::{Goal, Line};
use rusqlite::{Connection, OpenFlags};

const PAGE: usize = 50;

/// The columns `store::queue_window` reads, written out for the bare runs.
const COLUMNS: &str = "i.id, a.name, a.marketplace, i.channel, i.rating, i.product_name,
    i.customer_name, substr(i.text, 1, 240), i.tier, i.created_at, i.at_risk_at, i.due_at,
    (SELECT o.last_error FROM outbox o WHERE o.interaction_id = i.id
       AND o.state = 'failed' AND o.cancelled_at IS NULL ORDER BY o.id DESC LIMIT 1),
    i.state, i.account_id, i.intent,
    (SELECT o.id FROM outbox o WHERE o.interaction_id = i.id AND o.state = 'queued'
       AND o.attempts = 0 AND o.shadow = 0 AND o.actor = 'auto' AND o.undo_until IS NOT NULL
       ORDER BY o.id DESC LIMIT 1),
    (SELECT o.undo_until FROM outbox o WHERE o.interaction_id = i.id AND o.state = 'queued'
       AND o.attempts = 0 AND o.shadow = 0 AND o.actor = 'auto' AND o.undo_until IS NOT NULL
       ORDER BY o.id DESC LIMIT 1),
    (SELECT count(*) FROM interactions p
       WHERE i.customer_id IS NOT NULL AND p.customer_id = i.customer_id
         AND p.created_at < i.created_at
         AND (p.rating <= 2 OR p.intent IN ('quality_complaint', 'defect_not_working',
                                            'wrong_item', 'delivery_delay'))),
    (SELECT count(*) FROM chat_messages m
       WHERE i.channel = 'chat' AND m.interaction_id = i.id AND m.sender = 'buyer'
         AND m.sent_at >= i.waiting_since)";

/// The SQL `queue_window` builds for the unfiltered inbox in `sort`, first page.
fn inbox_sql(sort: QueueSort, now: DateTime<Utc>) -> String {
    let order = match sort {
        QueueSort::Deadline => "i.due_at ASC, i.id ASC".to_string(),
        QueueSort::Newest => "i.created_at DESC, i.id DESC".to_string(),
        QueueSort::Priority => format!(
            "max((CASE i.tier WHEN 'critical' THEN 0 WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 \
             WHEN 'normal' THEN 2 ELSE 3 END) - (i.state = 'open' AND i.at_risk_at <= {}), 0) ASC, \
             i.due_at ASC, i.id ASC",
            now.timestamp()
        ),
    };
    format!(
        "SELECT {COLUMNS} FROM interactions i JOIN accounts a ON a.id = i.account_id
         WHERE i.state = 'open' ORDER BY {order} LIMIT {PAGE} OFFSET 0"
    )
}

/// The best single SQL statement for the newest 50 hits of the whole history: walk the
/// `(created_at, id)` index newest first and keep the rows in the set of hits (the unary
/// `+` keeps SQLite from looking every hit up by id and sorting them instead). This is
/// what `queue_window` runs for a search in the newest order while the hits are not too
/// sparse.
fn search_walk_sql() -> String {
    format!(
        "SELECT {COLUMNS} FROM interactions i JOIN accounts a ON a.id = i.account_id
         WHERE 1 AND +i.id IN (SELECT rowid FROM interactions_fts WHERE interactions_fts MATCH ?1)
         ORDER BY i.created_at DESC, i.id DESC LIMIT {PAGE} OFFSET 0"
    )
}

/// Every hit looked up by id and sorted by creation time: what `queue_window` ran for every
/// search before, and still runs when the hits are too sparse for walking to pay.
fn search_sql() -> String {
    format!(
        "SELECT {COLUMNS} FROM interactions i JOIN accounts a ON a.id = i.account_id
         WHERE 1 AND i.id IN (SELECT rowid FROM interactions_fts WHERE interactions_fts MATCH ?1)
         ORDER BY i.created_at DESC, i.id DESC LIMIT {PAGE} OFFSET 0"
    )
}

/// The bare FTS5 query for the last 50 hits to arrive (by rowid, not by creation time: a
/// different question, since sync does not write items in the order they were written),
/// with the same columns.
fn fts_sql() -> String {
    format!(
        "SELECT {COLUMNS} FROM interactions_fts f JOIN interactions i ON i.id = f.rowid
         JOIN accounts a ON a.id = i.account_id
         WHERE interactions_fts MATCH ?1 ORDER BY f.rowid DESC LIMIT {PAGE}"
    )
}

/// Runs `sql` and steps through every row reading every column without converting it:
/// the floor under any query API. Returns the ids.
fn run_bare(conn: &Connection, sql: &str, arg: Option<&str>) -> Vec<i64> {
    let mut stmt = conn.prepare_cached(sql).unwrap();
    let columns = stmt.column_count();
    let mut rows = match arg {
        Some(a) => stmt.query([a]).unwrap(),
        None => stmt.query([]).unwrap(),
    };
    let mut ids = Vec::with_capacity(PAGE);
    while let Some(row) = rows.next().unwrap() {
        for c in 1..columns {
            black_box(row.get_ref(c).unwrap());
        }
        ids.push(row.get(0).unwrap());
    }
    ids
}

/// [`run_bare`], but every column read into an owned Rust value, as any caller of plain
/// rusqlite would.
fn run_bare_owned(conn: &Connection, sql: &str) -> Vec<i64> {
    type Row = (
        i64,
        String,
        String,
        String,
        Option<i64>,
        Option<String>,
        Option<String>,
        String,
        String,
        i64,
        i64,
        i64,
        Option<String>,
        String,
    );
    let mut stmt = conn.prepare_cached(sql).unwrap();
    let rows: Vec<Row> = stmt
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
                r.get(8)?,
                r.get(9)?,
                r.get(10)?,
                r.get(11)?,
                r.get(12)?,
                r.get(13)?,
            ))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    black_box(&rows);
    rows.iter().map(|r| r.0).collect()
}

fn bare_conn(path: &std::path::Path) -> Connection {
    Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .unwrap()
}

fn inbox(sort: QueueSort, now: DateTime<Utc>) -> QueueFilter {
    QueueFilter {
        sort,
        ranked_at: Some(now),
        ..QueueFilter::default()
    }
}

fn request(filter: QueueFilter, now: DateTime<Utc>, offset: usize) -> QueueRequest {
    QueueRequest {
        filter,
        view: 1,
        now,
        offset,
        limit: PAGE,
        seek: PageSeek::Nearest,
        with_counts: true,
    }
}

fn label(n: usize) -> String {
    match n {
        n if n >= 1_000_000 && n % 1_000_000 == 0 => format!("{}M", n / 1_000_000),
        n if n >= 1_000 && n % 1_000 == 0 => format!("{}k", n / 1_000),
        n => n.to_string(),
    }
}

/// Searches at the largest size: a frequent word, a rarer prefix, and two words (each
/// must match, in any order, as the search line reads them).
const TERMS: [&str; 3] = ["плед", "бирк", "не работает"];

fn main() {
    let mut c = common::criterion();
    let now = common::anchor();
    let sizes = common::sizes();
    let small = sizes[0];
    let large = *sizes.last().unwrap();
    let mut lines = Vec::new();

    for &n in &sizes {
        let path = common::bench_db(n);
        let store = Store::open(&path).unwrap();
        let reader = store.reader().unwrap();
        let bare = bare_conn(&path);
        let group_name = format!("queue/{}", label(n));
        let mut group = c.benchmark_group(&group_name);
        let id = |name: &str| format!("{group_name}/{name}");

        for sort in QueueSort::ALL {
            let filter = inbox(sort, now);
            let sql = inbox_sql(sort, now);
            let app: Vec<i64> = store::queue_page(&reader, &filter, 0, PAGE)
                .unwrap()
                .iter()
                .map(|r| r.id.0)
                .collect();
            assert_eq!(
                app,
                run_bare(&bare, &sql, None),
                "the bare SQL is the app's"
            );
            let s = sort.as_str();
            common::measure(
                &mut group,
                &format!("first page {s}"),
                &id(&format!("page {s}")),
                || {
                    black_box(store::queue_page(&reader, &filter, 0, PAGE).unwrap());
                },
            );
            common::measure(
                &mut group,
                &format!("first page {s} bare"),
                &id(&format!("page {s} bare")),
                || {
                    black_box(run_bare(&bare, &sql, None));
                },
            );
            // The goal's ratios: the app and the bare run in alternating rounds.
            let round = Duration::from_millis(300);
            let (app_id, bare_id) = common::paired(
                &id(&format!("page {s}")),
                || {
                    black_box(store::queue_page(&reader, &filter, 0, PAGE).unwrap());
                },
                &id(&format!("page {s} bare")),
                || {
                    black_box(run_bare(&bare, &sql, None));
                },
                round,
            );
            lines.push(Line::new(
                format!(
                    "first page ({PAGE} rows), sort {s}, {}: queue_page vs same SQL bare",
                    label(n)
                ),
                app_id.clone(),
                bare_id,
                Goal::AtMost(1.3),
            ));
            if sort == QueueSort::Deadline {
                let (app_id, owned_id) = common::paired(
                    &id("page deadline (2)"),
                    || {
                        black_box(store::queue_page(&reader, &filter, 0, PAGE).unwrap());
                    },
                    &id("page deadline bare owned"),
                    || {
                        black_box(run_bare_owned(&bare, &sql));
                    },
                    round,
                );
                lines.push(Line::new(
                    format!(
                        "first page ({PAGE} rows), sort deadline, {}: queue_page vs same SQL bare, rows read into owned values",
                        label(n)
                    ),
                    app_id,
                    owned_id,
                    Goal::AtMost(1.3),
                ));
            }
        }

        // What the inbox reads on opening and on every refresh: the page and the counts.
        let mut stats = ReadStats::default();
        let snapshot = read_queue(
            &reader,
            request(inbox(QueueSort::Deadline, now), now, 0),
            &mut stats,
        )
        .unwrap();
        let open = snapshot.total.unwrap_or(0);
        eprintln!("{}: {open} open items", label(n));
        common::measure(
            &mut group,
            "inbox read with counts",
            &id("inbox read"),
            || {
                let mut stats = ReadStats::default();
                black_box(
                    read_queue(
                        &reader,
                        request(inbox(QueueSort::Deadline, now), now, 0),
                        &mut stats,
                    )
                    .unwrap(),
                );
            },
        );
        lines.push(Line::new(
            format!(
                "inbox open/refresh (page + tab counts), {}: vs first page bare",
                label(n)
            ),
            id("inbox read"),
            id("page deadline bare"),
            Goal::None,
        ));

        // A refresh while the selection is in the middle of the queue: the page is reached
        // by skipping rows (`Seek::Start`/`End` with an offset) ...
        let middle = open / 2;
        common::measure(
            &mut group,
            "refresh mid-queue",
            &id("refresh middle"),
            || {
                let mut stats = ReadStats::default();
                black_box(
                    read_queue(
                        &reader,
                        request(inbox(QueueSort::Deadline, now), now, middle),
                        &mut stats,
                    )
                    .unwrap(),
                );
            },
        );
        // ... while a keyset seek from a row already held costs one page.
        let filter = inbox(QueueSort::Deadline, now);
        let held = store::queue_window(
            &reader,
            &filter,
            Seek::Start {
                skip: middle.saturating_sub(1),
            },
            1,
        )
        .unwrap();
        if let Some(row) = held.rows.first() {
            let key = QueueKey::of(row, &filter);
            common::measure(
                &mut group,
                "keyset page mid-queue",
                &id("keyset middle"),
                || {
                    black_box(
                        store::queue_window(&reader, &filter, Seek::After { key, skip: 0 }, PAGE)
                            .unwrap(),
                    );
                },
            );
            lines.push(Line::new(
                format!("refresh at the middle of the queue (row {middle}), {}: offset read + counts vs keyset page", label(n)),
                id("refresh middle"),
                id("keyset middle"),
                Goal::None,
            ));
        }

        // Background preparation's reads, per draft and per classification batch.
        let account = store::accounts(&reader).unwrap()[0].id;
        common::measure(&mut group, "recent answers", &id("recent answers"), || {
            black_box(store::recent_answers(&reader, account, 30).unwrap());
        });
        common::measure(
            &mut group,
            "items needing drafts",
            &id("items needing drafts"),
            || {
                black_box(store::items_needing_drafts(&reader, 20).unwrap());
            },
        );
        let pending =
            "SELECT id FROM interactions WHERE classified_at IS NULL ORDER BY due_at LIMIT 500";
        common::measure(
            &mut group,
            "classify pending look-up",
            &id("classify pending"),
            || {
                black_box(run_bare(&bare, pending, None));
            },
        );

        if n == large {
            let accounts = store::accounts(&reader).unwrap();
            let base = QueueFilter {
                answered: AnswerFilter::All,
                sort: QueueSort::Newest,
                ranked_at: Some(now),
                ..QueueFilter::default()
            };
            for term in TERMS {
                let expression = fts_expression(&parse_query(term).unwrap().text).unwrap();
                let hits: i64 = bare
                    .query_row(
                        "SELECT count(*) FROM interactions_fts WHERE interactions_fts MATCH ?1",
                        [&expression],
                        |r| r.get(0),
                    )
                    .unwrap();
                eprintln!("search {term:?}: {hits} hits in {}", label(n));
                let search = |reader: &Connection| {
                    let query = parse_query(term).unwrap();
                    let mut filter = base.clone();
                    query.apply(&mut filter, &accounts, now).unwrap();
                    store::queue_page(reader, &filter, 0, PAGE).unwrap()
                };
                let app: Vec<i64> = search(&reader).iter().map(|r| r.id.0).collect();
                assert_eq!(app, run_bare(&bare, &search_sql(), Some(&expression)));
                assert_eq!(app, run_bare(&bare, &search_walk_sql(), Some(&expression)));
                let name = format!("search {term}");
                common::measure(&mut group, &name, &id(&name), || {
                    black_box(search(&reader));
                });
                common::measure(
                    &mut group,
                    &format!("{name} best SQL bare"),
                    &id(&format!("{name} walk")),
                    || {
                        black_box(run_bare(&bare, &search_walk_sql(), Some(&expression)));
                    },
                );
                common::measure(
                    &mut group,
                    &format!("{name} bare fts5"),
                    &id(&format!("{name} fts5")),
                    || {
                        black_box(run_bare(&bare, &fts_sql(), Some(&expression)));
                    },
                );
                common::measure(
                    &mut group,
                    &format!("{name} lookup SQL bare"),
                    &id(&format!("{name} sql")),
                    || {
                        black_box(run_bare(&bare, &search_sql(), Some(&expression)));
                    },
                );
                let mut filter = base.clone();
                parse_query(term)
                    .unwrap()
                    .apply(&mut filter, &accounts, now)
                    .unwrap();
                common::measure(
                    &mut group,
                    &format!("{name} with counts"),
                    &id(&format!("{name} counts")),
                    || {
                        let mut stats = ReadStats::default();
                        black_box(
                            read_queue(&reader, request(filter.clone(), now, 0), &mut stats)
                                .unwrap(),
                        );
                    },
                );
                let round = Duration::from_millis(300);
                let (app_id, walk_id) = common::paired(
                    &id(&name),
                    || {
                        black_box(search(&reader));
                    },
                    &id(&format!("{name} walk")),
                    || {
                        black_box(run_bare(&bare, &search_walk_sql(), Some(&expression)));
                    },
                    round,
                );
                lines.push(Line::new(
                    format!(
                        "search \"{term}\" ({hits} hits), {}: newest {PAGE} hits vs the best bare SQL for them",
                        label(n)
                    ),
                    app_id,
                    walk_id,
                    Goal::AtMost(1.3),
                ));
                let (app_id, fts5_id) = common::paired(
                    &id(&format!("{name} (2)")),
                    || {
                        black_box(search(&reader));
                    },
                    &id(&format!("{name} fts5")),
                    || {
                        black_box(run_bare(&bare, &fts_sql(), Some(&expression)));
                    },
                    round,
                );
                lines.push(Line::new(
                    format!(
                        "search \"{term}\", {}: vs the bare FTS5 query for the last {PAGE} hits to arrive (another order)",
                        label(n)
                    ),
                    app_id,
                    fts5_id,
                    Goal::None,
                ));
                lines.push(Line::new(
                    format!(
                        "search \"{term}\", {}: vs every hit looked up and sorted (the SQL before), bare",
                        label(n)
                    ),
                    id(&name),
                    id(&format!("{name} sql")),
                    Goal::None,
                ));
                lines.push(Line::new(
                    format!(
                        "search \"{term}\" as the inbox runs it (page + counts), {}: vs bare FTS5",
                        label(n)
                    ),
                    id(&format!("{name} counts")),
                    id(&format!("{name} fts5")),
                    Goal::None,
                ));
            }
        }
        group.finish();
    }

    // How the reads grow from the smallest to the largest database.
    if large != small {
        let at = |n: usize, name: &str| format!("queue/{}/{name}", label(n));
        for (what, name, goal) in [
            ("first page, deadline", "page deadline", Goal::None),
            ("first page, priority", "page priority", Goal::None),
            ("first page, newest", "page newest", Goal::None),
            (
                "inbox open/refresh (page + counts)",
                "inbox read",
                Goal::None,
            ),
            (
                "refresh at the middle of the queue",
                "refresh middle",
                Goal::None,
            ),
            ("recent answers (per draft)", "recent answers", Goal::None),
            ("items needing drafts", "items needing drafts", Goal::None),
            (
                "classify-pending look-up (per batch)",
                "classify pending",
                Goal::None,
            ),
        ] {
            lines.push(Line::new(
                format!("{what}: {} vs {}", label(large), label(small)),
                at(large, name),
                at(small, name),
                goal,
            ));
        }
    }
    c.final_summary();
    common::report("queue", &lines);
}
