//! The five pilot metrics against hand-computed fixtures: every edge case of
//! docs/metrics.md (open items, overdue unanswered, answers given elsewhere, auto-replies,
//! shadow rows, overrides, manual replies, period boundaries, empty periods), the daily
//! series by Moscow day, the previous-period comparison, the report and the dashboard;
//! then the revenue estimate and the top products by open complaints.

use agentiq::analytics::{
    self, compare, daily_metrics, dashboard, metrics, metrics_report, resolve_query, revenue,
    revenue_for_item, top_complaint_products, FilterArgs, MetricKind, MetricsQuery, RevenueKind,
    RevenueStatus, Trend,
};
use agentiq::domain::{Channel, InteractionId, Marketplace};
use chrono::NaiveDate;

mod fx {
    use std::cell::Cell;

    use chrono::{DateTime, Duration, TimeZone, Utc};
    use rusqlite::{params, Connection};

    /// 2026-11-02 00:00 in Moscow (UTC+3).
    pub fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 1, 21, 0, 0).unwrap()
    }

    /// `min` minutes after [`t0`].
    pub fn at(min: i64) -> DateTime<Utc> {
        t0() + Duration::minutes(min)
    }

    pub const H: i64 = 60;
    pub const DAY: i64 = 24 * H;

    pub struct Db {
        _dir: tempfile::TempDir,
        pub conn: Connection,
        next: Cell<u32>,
    }

    pub fn db() -> Db {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("agentiq.db");
        agentiq::store::Store::open(&path).unwrap();
        let conn = Connection::open(&path).unwrap();
        Db {
            _dir: dir,
            conn,
            next: Cell::new(0),
        }
    }

    #[derive(Clone)]
    pub struct Item {
        pub account: i64,
        pub channel: &'static str,
        pub created: i64,
        pub due: i64,
        pub answered: Option<i64>,
        pub state: &'static str,
        pub rating: Option<i64>,
        pub intent: Option<&'static str>,
        pub product: Option<&'static str>,
    }

    impl Item {
        pub fn new(account: i64, channel: &'static str, created: i64, due: i64) -> Item {
            Item {
                account,
                channel,
                created,
                due,
                answered: None,
                state: "open",
                rating: None,
                intent: None,
                product: None,
            }
        }
        pub fn question(account: i64, created: i64, due: i64) -> Item {
            Item::new(account, "question", created, due)
        }
        pub fn review(account: i64, created: i64, rating: i64) -> Item {
            Item {
                rating: Some(rating),
                ..Item::new(account, "review", created, created + H)
            }
        }
        /// `first_answered_at` set and the item answered.
        pub fn answered(mut self, min: i64) -> Item {
            self.answered = Some(min);
            self.state = "answered";
            self
        }
        pub fn state(mut self, state: &'static str) -> Item {
            self.state = state;
            self
        }
        pub fn intent(mut self, intent: &'static str) -> Item {
            self.intent = Some(intent);
            self
        }
        pub fn product(mut self, product: &'static str) -> Item {
            self.product = Some(product);
            self
        }
    }

    pub struct Reply {
        pub interaction: i64,
        pub state: &'static str,
        pub sent: Option<i64>,
        pub confirmed: Option<i64>,
        pub actor: &'static str,
        pub shadow: bool,
        pub source: Option<&'static str>,
        pub distance: Option<f64>,
        pub verdict: Option<&'static str>,
        pub findings: &'static str,
        pub overridden: bool,
        pub cancelled: Option<i64>,
    }

    impl Reply {
        /// A human reply typed by hand, delivered at minute `sent`.
        pub fn human(interaction: i64, sent: i64) -> Reply {
            Reply {
                interaction,
                state: "visible",
                sent: Some(sent),
                confirmed: Some(sent + 1),
                actor: "human",
                shadow: false,
                source: None,
                distance: None,
                verdict: Some("pass"),
                findings: "[]",
                overridden: false,
                cancelled: None,
            }
        }
        pub fn auto(interaction: i64, sent: i64) -> Reply {
            Reply {
                actor: "auto",
                source: Some("template"),
                distance: Some(0.0),
                ..Reply::human(interaction, sent)
            }
        }
        pub fn draft(mut self, source: &'static str, distance: f64) -> Reply {
            self.source = Some(source);
            self.distance = Some(distance);
            self
        }
        pub fn verdict(mut self, verdict: &'static str) -> Reply {
            self.verdict = Some(verdict);
            self
        }
    }

    impl Db {
        pub fn account(&self, name: &str, marketplace: &str) -> i64 {
            self.conn
                .execute(
                    "INSERT INTO accounts (name, marketplace, created_at) VALUES (?1, ?2, 0)",
                    params![name, marketplace],
                )
                .unwrap();
            self.conn.last_insert_rowid()
        }

        pub fn product(&self, account: i64, id: &str, name: &str, price: Option<i64>) {
            self.conn
                .execute(
                    "INSERT INTO products (account_id, external_id, name, price) VALUES (?1, ?2, ?3, ?4)",
                    params![account, id, name, price],
                )
                .unwrap();
        }

        pub fn item(&self, it: Item) -> i64 {
            let n = self.next.get() + 1;
            self.next.set(n);
            let s = |m: i64| at(m).timestamp();
            self.conn
                .execute(
                    "INSERT INTO interactions (account_id, channel, external_id, source,
                        product_external_id, product_name, text, created_at, waiting_since,
                        synced_at, state, tier, at_risk_at, due_at, intent, rating,
                        first_answered_at, raw)
                     VALUES (?1, ?2, ?3, 'test', ?4, NULL, 'текст', ?5, ?5, ?5, ?6, 'high', ?7,
                             ?7, ?8, ?9, ?10, '{}')",
                    params![
                        it.account,
                        it.channel,
                        format!("x{n}"),
                        it.product,
                        s(it.created),
                        it.state,
                        s(it.due),
                        it.intent,
                        it.rating,
                        it.answered.map(s),
                    ],
                )
                .unwrap();
            self.conn.last_insert_rowid()
        }

        pub fn reply(&self, r: Reply) -> i64 {
            let n = self.next.get() + 1;
            self.next.set(n);
            let s = |m: i64| at(m).timestamp();
            self.conn
                .execute(
                    "INSERT INTO outbox (interaction_id, idempotency_key, text, state,
                        next_attempt_at, created_at, updated_at, sent_at, confirmed_at,
                        actor, shadow, draft_source, edit_distance, verdict, findings,
                        overridden, cancelled_at)
                     VALUES (?1, ?2, 'ответ', ?3, 0, 0, 0, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11,
                             ?12, ?13)",
                    params![
                        r.interaction,
                        format!("k{n}"),
                        r.state,
                        r.sent.map(s),
                        r.confirmed.map(s),
                        r.actor,
                        r.shadow,
                        r.source,
                        r.distance,
                        r.verdict,
                        r.findings,
                        r.overridden,
                        r.cancelled.map(s),
                    ],
                )
                .unwrap();
            self.conn.last_insert_rowid()
        }

        pub fn sync(&self, account: i64, connector: &str, started: i64, ok: bool) {
            let s = at(started).timestamp();
            self.conn
                .execute(
                    "INSERT INTO sync_runs (account_id, connector, started_at, finished_at, ok)
                     VALUES (?1, ?2, ?3, ?3, ?4)",
                    params![account, connector, s, ok],
                )
                .unwrap();
        }

        pub fn set(&self, scope: &str, key: &str, json: &str) {
            self.conn
                .execute(
                    "INSERT INTO settings (scope, key, value, updated_at) VALUES (?1, ?2, ?3, 0)",
                    params![scope, key, json],
                )
                .unwrap();
        }
    }
}

use fx::{at, db, Item, Reply, DAY, H};

/// The Moscow day of 2026-11-02.
fn day0() -> MetricsQuery {
    MetricsQuery::new(at(0), at(DAY))
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-6
}

/// Questions whose deadline falls on 2026-11-02 (Moscow), judged at 12:00 that day.
fn question_fixture(d: &fx::Db, acc: i64) {
    // met: answered 30 min before its deadline
    d.item(Item::question(acc, 0, H).answered(30));
    // missed: answered an hour after its deadline
    d.item(Item::question(acc, 0, 2 * H).answered(3 * H));
    // missed: unanswered and overdue
    d.item(Item::question(acc, 0, 3 * H));
    // met: answered elsewhere (first_answered_at only, no outbox row)
    d.item(Item::question(acc, 0, 4 * H).answered(4 * H - 1));
    // excluded at noon: deadline still ahead, unanswered
    d.item(Item::question(acc, 10 * H, 20 * H));
    // excluded at noon: deadline still ahead, already answered in time
    d.item(Item::question(acc, 9 * H, 20 * H).answered(10 * H));
    // outside: deadline on the previous day
    d.item(Item::question(acc, -3 * H, -H).answered(-2 * H));
    // outside: deadline exactly at the period's end (exclusive)
    d.item(Item::question(acc, DAY - H, DAY));
    // inside: deadline exactly at the start (inclusive); answered exactly at the deadline
    // is not "before" it: missed
    d.item(Item::question(acc, -H, 0).answered(0));
    // met through our own delivered reply only (first_answered_at not yet set)
    let ours = d.item(Item::question(acc, 0, 5 * H).state("pending"));
    d.reply(Reply::human(ours, 4 * H));
    // a shadow auto-reply was never sent: still unanswered, overdue, missed
    let shadow = d.item(Item::question(acc, 0, 6 * H));
    d.reply(Reply {
        shadow: true,
        ..Reply::auto(shadow, 5 * H)
    });
    // answered at an unknown time (no first_answered_at, no reply): cannot be judged
    d.item(Item::question(acc, 0, 7 * H).state("answered"));
    // a review with a deadline in the period is not a question
    d.item(Item::review(acc, 0, 1));
}

#[test]
fn questions_sla_counts_fallen_deadlines_only() {
    let d = db();
    let acc = d.account("Уютный дом", "wb");
    question_fixture(&d, acc);
    // At noon: met q1, q4, ours; missed q2, q3, start-boundary, shadow = 3 / 7.
    let m = metrics(&d.conn, &day0(), at(12 * H)).unwrap().questions_sla;
    assert_eq!((m.numerator, m.denominator), (3, 7));
    assert!(close(m.ratio.unwrap(), 3.0 / 7.0));
    assert_eq!(m.pass, Some(false));
    assert_eq!(m.target.percent, 85);
    // Next day 06:00 MSK: the two 20:00 deadlines have fallen: one met, one missed = 4 / 9.
    let m = metrics(&d.conn, &day0(), at(30 * H)).unwrap().questions_sla;
    assert_eq!((m.numerator, m.denominator), (4, 9));
}

#[test]
fn questions_sla_passes_at_85_percent_exactly() {
    let d = db();
    let acc = d.account("A", "wb");
    for i in 0..17 {
        d.item(Item::question(acc, i, H + i).answered(i + 10));
    }
    for i in 0..3 {
        d.item(Item::question(acc, i, H + i));
    }
    let m = metrics(&d.conn, &day0(), at(DAY)).unwrap().questions_sla;
    assert_eq!((m.numerator, m.denominator, m.pass), (17, 20, Some(true)));
    d.item(Item::question(acc, 0, 2 * H));
    let m = metrics(&d.conn, &day0(), at(DAY)).unwrap().questions_sla;
    assert_eq!((m.numerator, m.denominator, m.pass), (17, 21, Some(false)));
}

fn review_fixture(d: &fx::Db, acc: i64) {
    // hit: answered after an hour
    d.item(Item::review(acc, H, 5).answered(2 * H));
    // hit: answered exactly 24 h after creation (within)
    d.item(Item::review(acc, 2 * H, 4).answered(2 * H + DAY));
    // miss: answered 24 h and one minute after creation
    d.item(Item::review(acc, 3 * H, 1).answered(3 * H + DAY + 1));
    // miss: unanswered and 26 h old at now
    d.item(Item::review(acc, 4 * H, 2));
    // excluded: unanswered, only 20 h old at now
    d.item(Item::review(acc, 10 * H, 5));
    // excluded: unanswered, exactly 24 h old at now (its window is still open)
    d.item(Item::review(acc, 6 * H, 5));
    // hit: answered by the auto-responder (an answer is an answer)
    let auto = d.item(Item::review(acc, 8 * H, 5).state("pending"));
    d.reply(Reply::auto(auto, 9 * H));
    // excluded: answered at an unknown time
    d.item(Item::review(acc, 5 * H, 5).state("answered"));
    // answered 11 h after creation, but only after `now` (30 h): at 30 h it is a young
    // unanswered review (excluded); later, a hit
    d.item(Item::review(acc, 20 * H, 5).answered(31 * H));
    // outside: received the day before, and exactly at the period's end
    d.item(Item::review(acc, -H, 1));
    d.item(Item::review(acc, DAY, 1));
    // a question received in the period is not a review
    d.item(Item::question(acc, 2 * H, 3 * H));
}

#[test]
fn reviews_24h_excludes_young_unanswered_reviews() {
    let d = db();
    let acc = d.account("A", "wb");
    review_fixture(&d, acc);
    // now = 2026-11-03 06:00 MSK: hits 3 (1 h, exactly 24 h, auto), misses 2 = 3 / 5.
    let m = metrics(&d.conn, &day0(), at(30 * H)).unwrap().reviews_24h;
    assert_eq!((m.numerator, m.denominator), (3, 5));
    assert!(close(m.ratio.unwrap(), 0.6));
    assert_eq!(m.pass, Some(false));
    // Two days later every window has closed: the 20-h and the 24-h ones are misses too,
    // and the one answered at 31 h is a hit.
    let m = metrics(&d.conn, &day0(), at(3 * DAY)).unwrap().reviews_24h;
    assert_eq!((m.numerator, m.denominator), (4, 8));
}

fn reply_fixture(d: &fx::Db, acc: i64) {
    let item = d.item(Item::question(acc, 0, H).answered(H / 2));
    let r = |reply: Reply| d.reply(reply);
    // human, from drafts: accepted at 0.0 and at exactly 0.1; not at 0.11
    r(Reply::human(item, H).draft("template", 0.0));
    r(Reply::human(item, H).draft("llm", 0.1));
    r(Reply::human(item, H).draft("reuse", 0.11));
    // typed by hand: NULL source and 'manual' — in the denominator only
    r(Reply::human(item, H));
    r(Reply {
        source: Some("manual"),
        ..Reply::human(item, H)
    });
    // a draft with light edits whose block was overridden: accepted AND harmful
    r(Reply {
        overridden: true,
        ..Reply::human(item, 2 * H)
            .draft("llm", 0.05)
            .verdict("block")
    });
    // warn only: not harmful
    r(Reply::human(item, 2 * H).draft("llm", 0.5).verdict("warn"));
    // a block finding in the findings with no verdict recorded: harmful
    r(Reply {
        verdict: None,
        findings: r#"[{"rule":"profanity","severity":"block"}]"#,
        ..Reply::human(item, 2 * H)
    });
    // delivered with no sent_at: counted by confirmed_at
    r(Reply {
        sent: None,
        confirmed: Some(3 * H),
        ..Reply::human(item, 0).draft("template", 0.0)
    });
    // auto-replies: one clean, one blocked
    r(Reply::auto(item, 4 * H));
    r(Reply::auto(item, 4 * H).verdict("block"));
    // never counted: shadow, queued, failed, cancelled, sent the day before
    r(Reply {
        shadow: true,
        ..Reply::auto(item, 5 * H)
    });
    r(Reply {
        state: "queued",
        ..Reply::human(item, 5 * H).draft("template", 0.0)
    });
    r(Reply {
        state: "failed",
        ..Reply::human(item, 5 * H).draft("template", 0.0)
    });
    r(Reply {
        cancelled: Some(5 * H),
        ..Reply::auto(item, 5 * H)
    });
    r(Reply::human(item, -H).draft("template", 0.0));
}

#[test]
fn draft_acceptance_harmful_rate_and_auto_replies() {
    let d = db();
    let acc = d.account("A", "wb");
    reply_fixture(&d, acc);
    let m = metrics(&d.conn, &day0(), at(DAY)).unwrap();
    // human replies: 0.0, 0.1, 0.11, NULL, manual, override, warn, findings, no-sent_at = 9
    // accepted: 0.0, 0.1, override (0.05), no-sent_at (0.0) = 4
    assert_eq!(
        (m.draft_acceptance.numerator, m.draft_acceptance.denominator),
        (4, 9)
    );
    assert_eq!(m.draft_acceptance.pass, Some(false));
    // all replies: 9 human + 2 auto = 11; harmful: override, findings, auto block = 3
    assert_eq!(
        (m.harmful_rate.numerator, m.harmful_rate.denominator),
        (3, 11)
    );
    assert_eq!(m.harmful_rate.pass, Some(false));
    assert_eq!(m.auto_replies.sent, 2);
    assert_eq!(m.auto_replies.replies_sent, 11);
    assert!(close(m.auto_replies.share.unwrap(), 2.0 / 11.0));
    // replies sent after `now` have not happened yet
    let early = metrics(&d.conn, &day0(), at(H)).unwrap();
    assert_eq!(early.draft_acceptance.denominator, 5);
    assert_eq!(early.harmful_rate.denominator, 5);
}

#[test]
fn harmful_rate_passes_at_two_percent() {
    let d = db();
    let acc = d.account("A", "wb");
    let item = d.item(Item::question(acc, 0, H));
    for _ in 0..49 {
        d.reply(Reply::human(item, H));
    }
    // an override with no verdict recorded still counts as harmful
    d.reply(Reply {
        overridden: true,
        verdict: None,
        ..Reply::human(item, H)
    });
    let m = metrics(&d.conn, &day0(), at(DAY)).unwrap().harmful_rate;
    assert_eq!((m.numerator, m.denominator, m.pass), (1, 50, Some(true)));
    d.reply(Reply::human(item, H).verdict("block"));
    let m = metrics(&d.conn, &day0(), at(DAY)).unwrap().harmful_rate;
    assert_eq!((m.numerator, m.denominator, m.pass), (2, 51, Some(false)));
}

#[test]
fn sync_success_by_account_marketplace_and_channel() {
    let d = db();
    let wb = d.account("WB shop", "wb");
    let oz = d.account("Ozon shop", "ozon");
    for (i, ok) in [true, true, true, false].into_iter().enumerate() {
        d.sync(wb, "wb_feedbacks", i as i64 * H, ok);
    }
    d.sync(wb, "wb_feedbacks/reconcile", 5 * H, true);
    d.sync(oz, "ozon_questions", H, true);
    d.sync(oz, "ozon_questions", 2 * H, true);
    d.sync(oz, "ozon_questions", -H, false); // the day before
    d.sync(oz, "ozon_questions", DAY, false); // at the end: outside
    let q = day0();
    let all = metrics(&d.conn, &q, at(DAY)).unwrap().sync_success;
    assert_eq!((all.numerator, all.denominator), (6, 7));
    assert_eq!(all.pass, Some(false));
    let by_account = metrics(&d.conn, &q.clone().account(Some(oz)), at(DAY)).unwrap();
    assert_eq!(by_account.sync_success.denominator, 2);
    assert_eq!(by_account.sync_success.pass, Some(true));
    let wb_only = metrics(
        &d.conn,
        &q.clone().marketplace(Some(Marketplace::Wb)),
        at(DAY),
    )
    .unwrap()
    .sync_success;
    assert_eq!((wb_only.numerator, wb_only.denominator), (4, 5));
    let reviews = metrics(&d.conn, &q.clone().channel(Some(Channel::Review)), at(DAY))
        .unwrap()
        .sync_success;
    assert_eq!((reviews.numerator, reviews.denominator), (4, 5));
    let questions = metrics(&d.conn, &q.channel(Some(Channel::Question)), at(DAY))
        .unwrap()
        .sync_success;
    assert_eq!((questions.numerator, questions.denominator), (2, 2));
}

#[test]
fn filters_split_every_metric_by_account_marketplace_and_channel() {
    let d = db();
    let wb = d.account("WB shop", "wb");
    let oz = d.account("Ozon shop", "ozon");
    question_fixture(&d, wb);
    // Ozon: one met question, one review answered in time with a human draft reply.
    d.item(Item::question(oz, 0, H).answered(10));
    let rv = d.item(Item::review(oz, 0, 5).answered(H));
    d.reply(Reply::human(rv, H).draft("template", 0.0));
    let now = at(12 * H);
    let oz_q = day0().account(Some(oz));
    let m = metrics(&d.conn, &oz_q, now).unwrap();
    assert_eq!(
        (m.questions_sla.numerator, m.questions_sla.denominator),
        (1, 1)
    );
    assert_eq!((m.reviews_24h.numerator, m.reviews_24h.denominator), (1, 1));
    assert_eq!(m.draft_acceptance.denominator, 1);
    let wb_m = metrics(&d.conn, &day0().marketplace(Some(Marketplace::Wb)), now).unwrap();
    assert_eq!(wb_m.questions_sla.denominator, 7);
    // the WB fixture's delivered reply was on a question
    assert_eq!(wb_m.draft_acceptance.denominator, 1);
    let all = metrics(&d.conn, &day0(), now).unwrap();
    assert_eq!(
        (all.questions_sla.numerator, all.questions_sla.denominator),
        (4, 8)
    );
    // a channel filter: reviews only have no questions
    let reviews = metrics(&d.conn, &day0().channel(Some(Channel::Review)), now).unwrap();
    assert_eq!(reviews.questions_sla.denominator, 0);
    assert_eq!(reviews.questions_sla.ratio, None);
    assert_eq!(reviews.reviews_24h.denominator, 1);
    assert_eq!(reviews.draft_acceptance.denominator, 1);
    // an account of one marketplace filtered by the other: nothing
    let none = metrics(
        &d.conn,
        &day0().account(Some(oz)).marketplace(Some(Marketplace::Wb)),
        now,
    )
    .unwrap();
    assert_eq!(none.questions_sla.denominator, 0);
}

#[test]
fn empty_periods_have_no_ratio_and_no_verdict() {
    let d = db();
    let acc = d.account("A", "wb");
    question_fixture(&d, acc);
    let far = MetricsQuery::new(at(-30 * DAY), at(-29 * DAY));
    let reversed = MetricsQuery::new(at(DAY), at(0));
    for q in [far, reversed] {
        let m = metrics(&d.conn, &q, at(DAY)).unwrap();
        for metric in m.all() {
            assert_eq!(metric.denominator, 0, "{:?}", metric.kind);
            assert_eq!(metric.ratio, None);
            assert_eq!(metric.pass, None);
        }
        assert_eq!(m.auto_replies.share, None);
    }
}

#[test]
fn daily_series_follow_moscow_days() {
    let d = db();
    let acc = d.account("A", "wb");
    // 02:00 MSK on 2 Nov is 23:00 UTC on 1 Nov: it belongs to the Moscow day 2 Nov.
    d.item(Item::question(acc, H, 2 * H).answered(H + 5));
    // 23:30 MSK on 2 Nov (20:30 UTC): still 2 Nov; missed.
    d.item(Item::question(acc, 23 * H, 23 * H + 30));
    // 3 Nov, 10:00 MSK: met, and a review that day answered in time.
    d.item(Item::question(acc, DAY + 9 * H, DAY + 10 * H).answered(DAY + 9 * H + 1));
    d.item(Item::review(acc, DAY + H, 5).answered(DAY + 2 * H));
    d.sync(acc, "wb_questions", DAY + 3 * H, false);
    let q = MetricsQuery::new(at(0), at(2 * DAY));
    let now = at(3 * DAY);
    let days = daily_metrics(&d.conn, &q, now).unwrap();
    assert_eq!(days.len(), 2);
    assert_eq!(days[0].day, NaiveDate::from_ymd_opt(2026, 11, 2).unwrap());
    assert_eq!(days[1].day, NaiveDate::from_ymd_opt(2026, 11, 3).unwrap());
    assert_eq!(days[0].from, at(0));
    assert_eq!(days[1].to, at(2 * DAY));
    let q0 = days[0].metrics.questions_sla;
    assert_eq!((q0.numerator, q0.denominator), (1, 2));
    assert_eq!(days[0].metrics.reviews_24h.ratio, None);
    assert_eq!(days[0].metrics.sync_success.denominator, 0);
    let q1 = days[1].metrics.questions_sla;
    assert_eq!((q1.numerator, q1.denominator), (1, 1));
    assert_eq!(days[1].metrics.reviews_24h.numerator, 1);
    assert_eq!(days[1].metrics.sync_success.pass, Some(false));
    // the days add up to the period
    let total = metrics(&d.conn, &q, now).unwrap();
    assert_eq!(total.questions_sla.denominator, 3);
    assert_eq!(total.questions_sla.numerator, 2);
}

#[test]
fn this_period_against_the_previous_one() {
    let d = db();
    let acc = d.account("A", "wb");
    // previous day (1 Nov): 1 of 2 questions in SLA, 1 of 1 sync ok
    d.item(Item::question(acc, -5 * H, -4 * H).answered(-5 * H + 1));
    d.item(Item::question(acc, -5 * H, -3 * H));
    d.sync(acc, "wb_questions", -H, true);
    // this day (2 Nov): 3 of 4 in SLA, 1 of 2 sync ok
    for i in 0..3 {
        d.item(Item::question(acc, i, H + i).answered(i + 1));
    }
    d.item(Item::question(acc, 0, 2 * H));
    d.sync(acc, "wb_questions", H, true);
    d.sync(acc, "wb_questions", 2 * H, false);
    let c = compare(&d.conn, &day0(), at(DAY)).unwrap();
    assert_eq!(c.previous_period.from, at(-DAY));
    assert_eq!(c.previous_period.to, at(0));
    assert_eq!(c.previous.questions_sla.denominator, 2);
    let q = c
        .changes
        .iter()
        .find(|x| x.kind == MetricKind::QuestionsSla)
        .unwrap();
    assert!(close(q.current.unwrap(), 0.75));
    assert!(close(q.previous.unwrap(), 0.5));
    assert!(close(q.delta.unwrap(), 0.25));
    assert_eq!(q.trend, Some(Trend::Better));
    let s = c
        .changes
        .iter()
        .find(|x| x.kind == MetricKind::SyncSuccess)
        .unwrap();
    assert!(close(s.delta.unwrap(), -0.5));
    assert_eq!(s.trend, Some(Trend::Worse));
    let r = c
        .changes
        .iter()
        .find(|x| x.kind == MetricKind::Reviews24h)
        .unwrap();
    assert_eq!((r.delta, r.trend), (None, None));
}

#[test]
fn report_text_and_json_agree_with_the_dashboard() {
    let d = db();
    let acc = d.account("Уютный дом", "wb");
    question_fixture(&d, acc);
    reply_fixture(&d, acc);
    let now = at(12 * H);
    let q = day0().account(Some(acc));
    let json = metrics_report(&d.conn, &q, now, true).unwrap();
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["filter"]["account"], "Уютный дом");
    assert_eq!(v["period"]["time_zone"], "Europe/Moscow");
    let qs = &v["metrics"]["questions_sla"];
    assert_eq!(qs["kind"], "questions_sla");
    // the reply fixture adds one more question, met: 4 of 8
    assert_eq!(qs["numerator"], 4);
    assert_eq!(qs["denominator"], 8);
    assert_eq!(qs["pass"], false);
    assert_eq!(qs["target"]["direction"], "at_least");
    assert_eq!(qs["target"]["percent"], 85);
    assert_eq!(
        v["metrics"]["harmful_rate"]["target"]["direction"],
        "at_most"
    );
    assert_eq!(
        v["metrics"]["reviews_24h"]["ratio"],
        serde_json::Value::Null
    );
    assert_eq!(v["metrics"]["reviews_24h"]["pass"], serde_json::Value::Null);
    assert_eq!(v["metrics"]["auto_replies"]["sent"], 2);
    assert_eq!(v["previous"]["metrics"]["questions_sla"]["denominator"], 1);
    assert_eq!(v["changes"][0]["kind"], "questions_sla");
    assert_eq!(v["revenue"]["currency"], "RUB");

    let text = metrics_report(&d.conn, &q, now, false).unwrap();
    assert!(text.contains("Questions answered within SLA"), "{text}");
    assert!(text.contains("50.0%"), "{text}");
    assert!(text.contains("4/8"), "{text}");
    assert!(text.contains(">= 85%"), "{text}");
    assert!(text.contains("FAIL"), "{text}");
    assert!(text.contains("n/a"), "{text}");
    assert!(text.contains("account Уютный дом"), "{text}");
    assert!(text.contains("Period:   2026-11-02, 1 day"), "{text}");
    assert!(text.contains("Previous: 2026-11-01, 1 day"), "{text}");

    let dash = dashboard(&d.conn, &q, now, ()).unwrap();
    assert_eq!(dash.current.questions_sla, *dash.cards()[0]);
    assert_eq!(
        dash.current.questions_sla.numerator,
        v["metrics"]["questions_sla"]["numerator"].as_u64().unwrap()
    );
    assert_eq!(dash.daily.len(), 1);
    assert_eq!(dash.series(MetricKind::QuestionsSla).len(), 1);
    assert_eq!(
        dash.percent_series(MetricKind::QuestionsSla),
        vec![Some(50)]
    );
    assert_eq!(dash.percent_series(MetricKind::Reviews24h), vec![None]);
    assert_eq!(dash.volume_series(MetricKind::QuestionsSla), vec![8]);
    assert_eq!(dash.day_labels(), vec!["02.11".to_string()]);
    assert_eq!(
        dash.change(MetricKind::QuestionsSla).unwrap().previous,
        Some(1.0)
    );
    assert!(metrics_report(&d.conn, &MetricsQuery::new(at(0), at(0)), now, false).is_err());
}

#[test]
fn command_line_filters_resolve_to_a_query() {
    let d = db();
    let acc = d.account("Уютный дом", "wb");
    let now = at(12 * H);
    let q = resolve_query(
        &d.conn,
        &FilterArgs {
            from: Some("2026-11-01".into()),
            to: Some("2026-11-02".into()),
            account: Some("Уютный дом".into()),
            marketplace: Some("wb".into()),
            channel: Some("questions".into()),
        },
        now,
    )
    .unwrap();
    assert_eq!(q.from, at(-DAY));
    assert_eq!(q.to, at(DAY));
    assert_eq!(q.account_id, Some(acc));
    assert_eq!(q.channel, Some(Channel::Question));
    let default = resolve_query(&d.conn, &FilterArgs::default(), now).unwrap();
    assert_eq!(default.to, at(DAY));
    assert_eq!(default.from, at(-6 * DAY));
    let by_id = FilterArgs {
        account: Some(acc.to_string()),
        ..FilterArgs::default()
    };
    assert_eq!(
        resolve_query(&d.conn, &by_id, now).unwrap().account_id,
        Some(acc)
    );
    for bad in [
        FilterArgs {
            account: Some("nobody".into()),
            ..FilterArgs::default()
        },
        FilterArgs {
            channel: Some("email".into()),
            ..FilterArgs::default()
        },
        FilterArgs {
            from: Some("2026-11-05".into()),
            to: Some("2026-11-01".into()),
            ..FilterArgs::default()
        },
    ] {
        assert!(resolve_query(&d.conn, &bad, now).is_err(), "{bad:?}");
    }
}

// ---- revenue -------------------------------------------------------------------------

/// Two products on one WB account: P1 with a price of 2000 ₽, P2 without a card (the
/// default order value of 1500 ₽ applies). Defaults: 60 orders a month; an unanswered 1★
/// review costs 4% of monthly sales, 2★ 2%; an answer before the deadline wins back half;
/// a pre-purchase asker buys with p = 0.3, +20% when answered within 5 min, half of it
/// lost when answered at or after the deadline.
fn revenue_fixture(d: &fx::Db) -> (i64, Vec<i64>) {
    let acc = d.account("Уютный дом", "wb");
    d.product(acc, "P1", "Плед флисовый", Some(2000));
    let ids = vec![
        // 0: 1★ unanswered: at risk 2000 × 60 × 0.04 = 4800
        d.item(Item::review(acc, H, 1).product("P1")),
        // 1: 2★ answered before its deadline: protected 2000 × 60 × 0.02 × 0.5 = 1200
        d.item(Item::review(acc, H, 2).product("P1").answered(H + 30)),
        // 2: 1★ answered after its deadline: nothing
        d.item(Item::review(acc, H, 1).product("P1").answered(3 * H)),
        // 3: 2★ unanswered, unknown price: 1500 × 60 × 0.02 = 1800
        d.item(Item::review(acc, H, 2).product("P2")),
        // 4: 3★ unanswered: outside the model
        d.item(Item::review(acc, H, 3).product("P2")),
        // 5: pre-purchase answered in 4 min: protected 2000 × 0.3 × 0.2 = 120
        d.item(
            Item::question(acc, H, H + 30)
                .intent("pre_purchase")
                .product("P1")
                .answered(H + 4),
        ),
        // 6: sizing answered after its deadline: at risk 2000 × 0.3 × 0.5 = 300
        d.item(
            Item::question(acc, H, H + 30)
                .intent("sizing_fit")
                .product("P1")
                .answered(H + 45),
        ),
        // 7: availability unanswered past its deadline: at risk 1500 × 0.3 × 0.5 = 225
        d.item(
            Item::question(acc, H, H + 30)
                .intent("availability")
                .product("P2"),
        ),
        // 8: product_spec unanswered, deadline ahead: pending, nothing yet
        d.item(
            Item::question(acc, 29 * H + 50, 30 * H + 20)
                .intent("product_spec")
                .product("P2"),
        ),
        // 9: not pre-purchase: nothing
        d.item(
            Item::question(acc, H, H + 30)
                .intent("usage_howto")
                .product("P1"),
        ),
        // 10: compatibility answered at 10 min (slow, in time): nothing
        d.item(
            Item::question(acc, H, H + 30)
                .intent("compatibility")
                .product("P1")
                .answered(H + 10),
        ),
        // 11: pre-purchase answered at exactly 5 min: protected 1500 × 0.3 × 0.2 = 90
        d.item(
            Item::question(acc, H, H + 30)
                .intent("pre_purchase")
                .product("P2")
                .answered(H + 5),
        ),
        // 12: a chat: outside the model
        d.item(Item::new(acc, "chat", H, 2 * H).product("P1")),
        // 13: created the day before: outside the period
        d.item(Item::review(acc, -H, 1).product("P1")),
    ];
    (acc, ids)
}

#[test]
fn revenue_at_risk_and_protected_per_product() {
    let d = db();
    let (acc, _) = revenue_fixture(&d);
    let q = MetricsQuery::new(at(0), at(30 * H));
    let r = revenue(&d.conn, &q, at(30 * H)).unwrap();
    assert!(close(r.at_risk, 4800.0 + 300.0 + 1800.0 + 225.0), "{r:?}");
    assert!(close(r.protected, 1200.0 + 120.0 + 90.0), "{r:?}");
    assert_eq!(r.products.len(), 2);
    let p1 = &r.products[0];
    assert_eq!(p1.product_external_id.as_deref(), Some("P1"));
    assert_eq!(p1.product_name.as_deref(), Some("Плед флисовый"));
    assert_eq!(p1.account_id, acc);
    assert!(p1.price_known);
    assert!(close(p1.order_value, 2000.0));
    assert!(close(p1.at_risk, 5100.0));
    assert!(close(p1.protected, 1320.0));
    assert_eq!(
        (
            p1.unanswered_negative_reviews,
            p1.late_questions,
            p1.protected_items
        ),
        (1, 1, 2)
    );
    let p2 = &r.products[1];
    assert!(!p2.price_known);
    assert!(close(p2.order_value, 1500.0));
    assert!(close(p2.at_risk, 2025.0));
    assert!(close(p2.protected, 90.0));
    // chats and reviews of other channels: a chat filter has nothing
    let chats = revenue(&d.conn, &q.clone().channel(Some(Channel::Chat)), at(30 * H)).unwrap();
    assert_eq!(chats.at_risk, 0.0);
    // questions only
    let qs = revenue(&d.conn, &q.channel(Some(Channel::Question)), at(30 * H)).unwrap();
    assert!(close(qs.at_risk, 525.0));
    assert!(close(qs.protected, 210.0));
}

#[test]
fn revenue_for_one_item_explains_the_stakes() {
    let d = db();
    let (_, ids) = revenue_fixture(&d);
    let now = at(30 * H);
    let review = revenue_for_item(&d.conn, InteractionId(ids[0]), now)
        .unwrap()
        .unwrap();
    assert_eq!(review.kind, RevenueKind::NegativeReview);
    assert_eq!(review.status, RevenueStatus::AtRisk);
    assert!(close(review.at_risk, 4800.0));
    assert!(close(review.loss_if_unanswered, 4800.0));
    assert!(close(review.gain_if_fast, 2400.0));
    assert_eq!(review.protect_by, at(2 * H));
    let pending = revenue_for_item(&d.conn, InteractionId(ids[8]), now)
        .unwrap()
        .unwrap();
    assert_eq!(pending.kind, RevenueKind::PrePurchaseQuestion);
    assert_eq!(pending.status, RevenueStatus::Pending);
    assert_eq!((pending.at_risk, pending.protected), (0.0, 0.0));
    assert!(close(pending.loss_if_unanswered, 225.0));
    assert!(close(pending.gain_if_fast, 90.0));
    assert_eq!(pending.protect_by, at(29 * H + 55));
    let fast = revenue_for_item(&d.conn, InteractionId(ids[11]), now)
        .unwrap()
        .unwrap();
    assert_eq!(fast.status, RevenueStatus::Protected);
    assert!(close(fast.protected, 90.0));
    let slow = revenue_for_item(&d.conn, InteractionId(ids[10]), now)
        .unwrap()
        .unwrap();
    assert_eq!(slow.status, RevenueStatus::Neutral);
    for outside in [ids[4], ids[9], ids[12], 99_999] {
        assert_eq!(
            revenue_for_item(&d.conn, InteractionId(outside), now).unwrap(),
            None
        );
    }
}

#[test]
fn revenue_settings_per_account_and_the_monthly_cap() {
    let d = db();
    let acc = d.account("Ozon shop", "ozon");
    d.product(acc, "P3", "Кружка", Some(1000));
    // this account: 1 order a month, an unanswered 1★ costs 60% of monthly sales
    d.set(
        &format!("account:{acc}"),
        "revenue",
        r#"{"monthly_orders": 1, "review_loss_1_star": 0.6}"#,
    );
    let a = d.item(Item::review(acc, H, 1).product("P3"));
    d.item(Item::review(acc, 2 * H, 1).product("P3"));
    // each item: 1000 × 1 × 0.6 = 600; two of them would be 1200, capped at 1000
    let one = revenue_for_item(&d.conn, InteractionId(a), at(DAY))
        .unwrap()
        .unwrap();
    assert!(close(one.at_risk, 600.0));
    let r = revenue(&d.conn, &day0(), at(DAY)).unwrap();
    assert!(close(r.at_risk, 1000.0), "{r:?}");
    // a global setting changes the unknown-price default for everyone
    d.set("global", "revenue", r#"{"default_order_value": 100}"#);
    let other = d.account("Other", "wb");
    d.item(Item::review(other, H, 2).product("P9"));
    let r = revenue(&d.conn, &day0().account(Some(other)), at(DAY)).unwrap();
    // 100 × 60 × 0.02 = 120
    assert!(close(r.at_risk, 120.0), "{r:?}");
}

#[test]
fn top_products_by_open_complaints() {
    let d = db();
    let acc = d.account("Уютный дом", "wb");
    d.product(acc, "P1", "Плед флисовый", Some(2000));
    // P1: a 1★ review, a defect question (overdue), a 1★ review with a complaint intent
    d.item(Item::review(acc, H, 1).product("P1"));
    d.item(
        Item::question(acc, 0, H)
            .intent("defect_not_working")
            .product("P1"),
    );
    d.item(
        Item::review(acc, 2 * H, 1)
            .intent("quality_complaint")
            .product("P1"),
    );
    // P1: answered complaints and a pending one do not count
    d.item(Item::review(acc, H, 1).product("P1").answered(2 * H));
    d.item(Item::review(acc, H, 2).product("P1").state("pending"));
    // P2: one 2★ review, written earlier
    d.item(Item::review(acc, -DAY, 2).product("P2"));
    // P3: a 4★ thank-you and a size question are not complaints
    d.item(Item::review(acc, H, 4).intent("thanks").product("P3"));
    d.item(
        Item::question(acc, H, 2 * H)
            .intent("sizing_fit")
            .product("P3"),
    );
    // P4: a delivery-delay chat is a complaint
    d.item(
        Item::new(acc, "chat", 3 * H, 30 * H)
            .intent("delivery_delay")
            .product("P4"),
    );
    let now = at(2 * H + 30);
    let top = top_complaint_products(&d.conn, &day0(), now, 10).unwrap();
    let ids: Vec<_> = top
        .iter()
        .map(|p| p.product_external_id.as_deref().unwrap_or("-"))
        .collect();
    assert_eq!(ids, ["P1", "P2", "P4"]);
    let p1 = &top[0];
    assert_eq!(p1.product_name.as_deref(), Some("Плед флисовый"));
    assert_eq!(
        (
            p1.open_complaints,
            p1.negative_reviews,
            p1.complaint_intents,
            p1.overdue
        ),
        (3, 2, 2, 2)
    );
    assert_eq!(p1.oldest, at(0));
    assert_eq!(top[1].overdue, 1);
    let limited = top_complaint_products(&d.conn, &day0(), now, 1).unwrap();
    assert_eq!(limited.len(), 1);
    let chats =
        top_complaint_products(&d.conn, &day0().channel(Some(Channel::Chat)), now, 10).unwrap();
    assert_eq!(chats.len(), 1);
    assert_eq!(chats[0].product_external_id.as_deref(), Some("P4"));
}

#[test]
fn dashboard_holds_everything_the_screen_shows() {
    let d = db();
    let (_, _) = revenue_fixture(&d);
    let q = MetricsQuery::new(at(-6 * DAY), at(DAY));
    let now = at(30 * H);
    let versions = agentiq::experiments::version_report(&d.conn, &q, None).unwrap();
    let dash = dashboard(&d.conn, &q, now, versions).unwrap();
    assert_eq!(dash.daily.len(), 7);
    assert_eq!(dash.comparison.previous_period.to, at(-6 * DAY));
    assert_eq!(dash.comparison.previous_period.from, at(-13 * DAY));
    assert_eq!(dash.comparison.changes.len(), 5);
    assert_eq!(dash.current, metrics(&d.conn, &q, now).unwrap());
    assert_eq!(dash.revenue, revenue(&d.conn, &q, now).unwrap());
    assert_eq!(
        dash.top_complaints,
        top_complaint_products(&d.conn, &q, now, 10).unwrap()
    );
    assert_eq!(
        dash.top_complaints[0].product_external_id.as_deref(),
        Some("P1")
    );
    // the last day (2 Nov) carries the fixture's reviews
    let last = dash.daily.last().unwrap();
    assert_eq!(last.day, NaiveDate::from_ymd_opt(2026, 11, 2).unwrap());
    assert!(last.metrics.reviews_24h.denominator > 0);
    assert_eq!(
        dash.daily
            .iter()
            .map(|x| x.metrics.reviews_24h.denominator)
            .sum::<u64>(),
        dash.current.reviews_24h.denominator
    );
    // serialisable for a JSON dump
    assert!(serde_json::to_string(&dash).is_ok());
    assert_eq!(analytics::TIME_ZONE.name(), "Europe/Moscow");
}
