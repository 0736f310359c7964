//! The five pilot metrics (SPEC section 7), their targets, daily series and the
//! comparison with the previous period. Definitions and edge cases: `docs/metrics.md`.

use anyhow::Result;
use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::Connection;
use serde::Serialize;

use super::facts::{self, ItemRow, ItemSelect, ReplyRow, SyncRow};
use super::period::{days_in, local_day, Day};
use super::MetricsQuery;
use crate::domain::Channel;

/// One of the five pilot metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum MetricKind {
    /// Questions answered before their SLA deadline ÷ questions whose deadline fell.
    #[serde(rename = "questions_sla")]
    QuestionsSla,
    /// Reviews answered within 24 h ÷ reviews received.
    #[serde(rename = "reviews_24h")]
    Reviews24h,
    /// Human replies sent from a draft with edit distance <= 0.1 ÷ human replies sent.
    #[serde(rename = "draft_acceptance")]
    DraftAcceptance,
    /// Sent replies with a block-level finding (overrides included) ÷ replies sent.
    #[serde(rename = "harmful_rate")]
    HarmfulRate,
    /// Sync runs that completed ÷ sync runs.
    #[serde(rename = "sync_success")]
    SyncSuccess,
}

impl MetricKind {
    pub const ALL: [MetricKind; 5] = [
        MetricKind::QuestionsSla,
        MetricKind::Reviews24h,
        MetricKind::DraftAcceptance,
        MetricKind::HarmfulRate,
        MetricKind::SyncSuccess,
    ];

    /// The stable name used in JSON and CSV.
    pub fn key(self) -> &'static str {
        match self {
            MetricKind::QuestionsSla => "questions_sla",
            MetricKind::Reviews24h => "reviews_24h",
            MetricKind::DraftAcceptance => "draft_acceptance",
            MetricKind::HarmfulRate => "harmful_rate",
            MetricKind::SyncSuccess => "sync_success",
        }
    }

    /// English label for the CLI report (the TUI has its own strings).
    pub fn label(self) -> &'static str {
        match self {
            MetricKind::QuestionsSla => "Questions answered within SLA",
            MetricKind::Reviews24h => "Reviews answered within 24 h",
            MetricKind::DraftAcceptance => "Drafts sent without heavy edits",
            MetricKind::HarmfulRate => "Replies breaking a guardrail",
            MetricKind::SyncSuccess => "Sync runs that succeeded",
        }
    }

    /// The pilot target (SPEC, the table at the top).
    pub fn target(self) -> Target {
        match self {
            MetricKind::QuestionsSla => Target::at_least(85),
            MetricKind::Reviews24h => Target::at_least(70),
            MetricKind::DraftAcceptance => Target::at_least(60),
            MetricKind::HarmfulRate => Target::at_most(2),
            MetricKind::SyncSuccess => Target::at_least(99),
        }
    }
}

/// Whether a metric must stay above or below its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    AtLeast,
    AtMost,
}

/// A target ratio in whole percent, with its direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Target {
    pub direction: Direction,
    pub percent: u32,
}

impl Target {
    pub const fn at_least(percent: u32) -> Target {
        Target {
            direction: Direction::AtLeast,
            percent,
        }
    }

    pub const fn at_most(percent: u32) -> Target {
        Target {
            direction: Direction::AtMost,
            percent,
        }
    }

    /// The target as a ratio (0.85).
    pub fn ratio(self) -> f64 {
        f64::from(self.percent) / 100.0
    }

    /// Whether `numerator ÷ denominator` meets the target, compared exactly in integers;
    /// `None` when there is nothing to judge (denominator 0).
    pub fn passes(self, numerator: u64, denominator: u64) -> Option<bool> {
        if denominator == 0 {
            return None;
        }
        let lhs = u128::from(numerator) * 100;
        let rhs = u128::from(self.percent) * u128::from(denominator);
        Some(match self.direction {
            Direction::AtLeast => lhs >= rhs,
            Direction::AtMost => lhs <= rhs,
        })
    }

    /// `>= 85%` / `<= 2%`.
    pub fn display(self) -> String {
        match self.direction {
            Direction::AtLeast => format!(">= {}%", self.percent),
            Direction::AtMost => format!("<= {}%", self.percent),
        }
    }
}

/// One metric over one period: the counts, their ratio, and the verdict against target.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Metric {
    pub kind: MetricKind,
    pub numerator: u64,
    pub denominator: u64,
    /// `numerator ÷ denominator`; `None` when the denominator is 0 (no data).
    pub ratio: Option<f64>,
    pub target: Target,
    /// `None` when there is no data to judge.
    pub pass: Option<bool>,
}

impl Metric {
    pub fn new(kind: MetricKind, numerator: u64, denominator: u64) -> Metric {
        let target = kind.target();
        Metric {
            kind,
            numerator,
            denominator,
            ratio: (denominator > 0).then(|| numerator as f64 / denominator as f64),
            target,
            pass: target.passes(numerator, denominator),
        }
    }

    /// The ratio in percent (85.0), when there is one.
    pub fn percent(&self) -> Option<f64> {
        self.ratio.map(|r| r * 100.0)
    }
}

/// Replies the auto-responder sent: counted on their own, not in draft acceptance. They do
/// count in the harmful rate.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct AutoReplies {
    /// Auto-replies delivered in the period.
    pub sent: u64,
    /// All replies delivered in the period, human and auto.
    pub replies_sent: u64,
    /// `sent ÷ replies_sent`; `None` when nothing was sent.
    pub share: Option<f64>,
}

/// The five metrics over one period, plus the auto-reply figure.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MetricSet {
    pub questions_sla: Metric,
    pub reviews_24h: Metric,
    pub draft_acceptance: Metric,
    pub harmful_rate: Metric,
    pub sync_success: Metric,
    pub auto_replies: AutoReplies,
}

impl MetricSet {
    pub fn get(&self, kind: MetricKind) -> &Metric {
        match kind {
            MetricKind::QuestionsSla => &self.questions_sla,
            MetricKind::Reviews24h => &self.reviews_24h,
            MetricKind::DraftAcceptance => &self.draft_acceptance,
            MetricKind::HarmfulRate => &self.harmful_rate,
            MetricKind::SyncSuccess => &self.sync_success,
        }
    }

    /// The five metrics in the SPEC's order.
    pub fn all(&self) -> [&Metric; 5] {
        MetricKind::ALL.map(|k| self.get(k))
    }
}

/// The metrics of one local day (Europe/Moscow), clipped to the period.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct DailyMetrics {
    pub day: NaiveDate,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub metrics: MetricSet,
}

/// Better or worse than the previous period, given the metric's direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Trend {
    Better,
    Worse,
    Same,
}

/// One metric, this period against the previous one.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Change {
    pub kind: MetricKind,
    pub current: Option<f64>,
    pub previous: Option<f64>,
    /// `current − previous` in ratio units (0.05 = five percentage points).
    pub delta: Option<f64>,
    /// `None` when either period has no data.
    pub trend: Option<Trend>,
}

impl Change {
    pub fn between(current: &Metric, previous: &Metric) -> Change {
        let (delta, trend) = match (current.ratio, previous.ratio) {
            (Some(c), Some(p)) => {
                // Compare the fractions exactly: a/b against c/d as a·d against c·b.
                let lhs = u128::from(current.numerator) * u128::from(previous.denominator);
                let rhs = u128::from(previous.numerator) * u128::from(current.denominator);
                let higher = lhs.cmp(&rhs);
                let trend = match (higher, current.target.direction) {
                    (std::cmp::Ordering::Equal, _) => Trend::Same,
                    (std::cmp::Ordering::Greater, Direction::AtLeast)
                    | (std::cmp::Ordering::Less, Direction::AtMost) => Trend::Better,
                    _ => Trend::Worse,
                };
                (Some(c - p), Some(trend))
            }
            _ => (None, None),
        };
        Change {
            kind: current.kind,
            current: current.ratio,
            previous: previous.ratio,
            delta,
            trend,
        }
    }
}

/// This period against the previous one of equal length.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PeriodComparison {
    pub current: MetricSet,
    pub previous_period: MetricsQuery,
    pub previous: MetricSet,
    pub changes: Vec<Change>,
}

impl PeriodComparison {
    pub(crate) fn new(
        current: MetricSet,
        previous_period: MetricsQuery,
        previous: MetricSet,
    ) -> Self {
        let changes = MetricKind::ALL
            .iter()
            .map(|&k| Change::between(current.get(k), previous.get(k)))
            .collect();
        PeriodComparison {
            current,
            previous_period,
            previous,
            changes,
        }
    }
}

/// The counts behind a [`MetricSet`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Tally {
    questions_met: u64,
    questions_due: u64,
    reviews_in_24h: u64,
    reviews_received: u64,
    drafts_accepted: u64,
    human_replies: u64,
    auto_replies: u64,
    harmful: u64,
    replies: u64,
    sync_ok: u64,
    sync_runs: u64,
}

impl Tally {
    fn set(&self) -> MetricSet {
        MetricSet {
            questions_sla: Metric::new(
                MetricKind::QuestionsSla,
                self.questions_met,
                self.questions_due,
            ),
            reviews_24h: Metric::new(
                MetricKind::Reviews24h,
                self.reviews_in_24h,
                self.reviews_received,
            ),
            draft_acceptance: Metric::new(
                MetricKind::DraftAcceptance,
                self.drafts_accepted,
                self.human_replies,
            ),
            harmful_rate: Metric::new(MetricKind::HarmfulRate, self.harmful, self.replies),
            sync_success: Metric::new(MetricKind::SyncSuccess, self.sync_ok, self.sync_runs),
            auto_replies: AutoReplies {
                sent: self.auto_replies,
                replies_sent: self.replies,
                share: (self.replies > 0).then(|| self.auto_replies as f64 / self.replies as f64),
            },
        }
    }
}

/// A question's place in the SLA metric at `now`: `Some(true)` met, `Some(false)` missed,
/// `None` not counted (its deadline has not fallen yet, or it was answered at an unknown
/// time).
pub(crate) fn question_counts(item: &ItemRow, now: i64) -> Option<bool> {
    if item.due_at > now {
        return None;
    }
    match item.answer_at(now) {
        Some(answered) => Some(answered < item.due_at),
        None if item.answered_at_unknown_time(now) => None,
        None => Some(false),
    }
}

/// Seconds a review has to be answered in.
pub(crate) const REVIEW_WINDOW_SECS: i64 = 24 * 60 * 60;

/// A review's place in the 24-h response metric at `now`: `Some(true)` answered within
/// 24 h of creation, `Some(false)` not, `None` not counted (unanswered and its 24 h are
/// not over yet, or answered at an unknown time).
pub(crate) fn review_counts(item: &ItemRow, now: i64) -> Option<bool> {
    match item.answer_at(now) {
        Some(answered) => Some(answered - item.created_at <= REVIEW_WINDOW_SECS),
        None if item.answered_at_unknown_time(now) => None,
        None if now - item.created_at <= REVIEW_WINDOW_SECS => None,
        None => Some(false),
    }
}

/// Edit distance at or below this counts as "at most light edits" (SPEC: 0.1); the
/// tolerance absorbs floating-point rounding of stored values.
pub(crate) const ACCEPTED_EDIT_DISTANCE: f64 = 0.1 + 1e-9;

fn add_question(t: &mut Tally, item: &ItemRow, now: i64) {
    if let Some(met) = question_counts(item, now) {
        t.questions_due += 1;
        t.questions_met += u64::from(met);
    }
}

fn add_review(t: &mut Tally, item: &ItemRow, now: i64) {
    if let Some(hit) = review_counts(item, now) {
        t.reviews_received += 1;
        t.reviews_in_24h += u64::from(hit);
    }
}

fn add_reply(t: &mut Tally, reply: &ReplyRow) {
    t.replies += 1;
    t.harmful += u64::from(reply.harmful);
    if reply.auto {
        t.auto_replies += 1;
    } else {
        t.human_replies += 1;
        let light = reply
            .edit_distance
            .is_some_and(|d| d.is_finite() && d <= ACCEPTED_EDIT_DISTANCE);
        t.drafts_accepted += u64::from(reply.from_draft && light);
    }
}

fn add_sync(t: &mut Tally, run: &SyncRow) {
    t.sync_runs += 1;
    t.sync_ok += u64::from(run.ok);
}

/// Everything the metrics are computed from, for one query.
struct Facts {
    questions: Vec<ItemRow>,
    reviews: Vec<ItemRow>,
    replies: Vec<ReplyRow>,
    syncs: Vec<SyncRow>,
}

impl Facts {
    fn load(conn: &Connection, q: &MetricsQuery, now: DateTime<Utc>) -> Result<Facts> {
        if q.to <= q.from {
            return Ok(Facts {
                questions: Vec::new(),
                reviews: Vec::new(),
                replies: Vec::new(),
                syncs: Vec::new(),
            });
        }
        Ok(Facts {
            questions: facts::items(conn, q, ItemSelect::DueIn, Some(Channel::Question))?,
            reviews: facts::items(conn, q, ItemSelect::CreatedIn, Some(Channel::Review))?,
            replies: facts::replies(conn, q, now)?,
            syncs: facts::sync_runs(conn, q, now)?,
        })
    }

    /// The totals, and the same counts split by local day when `days` is given.
    fn tally(&self, now: i64, days: Option<&[Day]>) -> (Tally, Vec<Tally>) {
        let mut total = Tally::default();
        let len = days.map_or(0, |d| d.len());
        let mut daily = vec![Tally::default(); len];
        let first = days.and_then(|d| d.first()).map(|d| d.0);
        let slot = |at: i64| -> Option<usize> {
            let first = first?;
            let t = DateTime::<Utc>::from_timestamp(at, 0)?;
            let i = usize::try_from((local_day(t) - first).num_days()).ok()?;
            (i < len).then_some(i)
        };
        let mut put = |at: i64, add: &dyn Fn(&mut Tally)| {
            add(&mut total);
            if let Some(day) = slot(at).and_then(|i| daily.get_mut(i)) {
                add(day);
            }
        };
        for q in &self.questions {
            put(q.due_at, &|t| add_question(t, q, now));
        }
        for r in &self.reviews {
            put(r.created_at, &|t| add_review(t, r, now));
        }
        for r in &self.replies {
            put(r.at, &|t| add_reply(t, r));
        }
        for s in &self.syncs {
            put(s.started_at, &|t| add_sync(t, s));
        }
        (total, daily)
    }
}

/// The five metrics for the query's period and filters, as they stand at `now`.
pub fn metrics(conn: &Connection, q: &MetricsQuery, now: DateTime<Utc>) -> Result<MetricSet> {
    let facts = Facts::load(conn, q, now)?;
    Ok(facts.tally(now.timestamp(), None).0.set())
}

/// The five metrics for each local day (Europe/Moscow) of the period, oldest first; days
/// without data are present with every ratio `None`.
pub fn daily_metrics(
    conn: &Connection,
    q: &MetricsQuery,
    now: DateTime<Utc>,
) -> Result<Vec<DailyMetrics>> {
    Ok(metrics_with_days(conn, q, now)?.1)
}

/// The totals and the daily series from one read of the database.
pub(crate) fn metrics_with_days(
    conn: &Connection,
    q: &MetricsQuery,
    now: DateTime<Utc>,
) -> Result<(MetricSet, Vec<DailyMetrics>)> {
    let days = days_in(q.from, q.to);
    let facts = Facts::load(conn, q, now)?;
    let (total, daily) = facts.tally(now.timestamp(), Some(&days));
    let daily = days
        .iter()
        .zip(daily)
        .map(|(&(day, from, to), t)| DailyMetrics {
            day,
            from,
            to,
            metrics: t.set(),
        })
        .collect();
    Ok((total.set(), daily))
}

/// The metrics of the period and of the previous period of equal length, with the change
/// of each.
pub fn compare(
    conn: &Connection,
    q: &MetricsQuery,
    now: DateTime<Utc>,
) -> Result<PeriodComparison> {
    let previous_period = q.previous();
    let current = metrics(conn, q, now)?;
    let previous = metrics(conn, &previous_period, now)?;
    Ok(PeriodComparison::new(current, previous_period, previous))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_compare_exactly() {
        let t = MetricKind::QuestionsSla.target();
        assert_eq!(t.passes(17, 20), Some(true));
        assert_eq!(t.passes(169, 200), Some(false));
        assert_eq!(t.passes(0, 0), None);
        let h = MetricKind::HarmfulRate.target();
        assert_eq!(h.passes(1, 50), Some(true));
        assert_eq!(h.passes(2, 99), Some(false));
    }

    #[test]
    fn trend_follows_the_direction() {
        let up = Metric::new(MetricKind::HarmfulRate, 1, 10);
        let down = Metric::new(MetricKind::HarmfulRate, 1, 20);
        assert_eq!(Change::between(&down, &up).trend, Some(Trend::Better));
        assert_eq!(Change::between(&up, &down).trend, Some(Trend::Worse));
        let same = Metric::new(MetricKind::HarmfulRate, 2, 40);
        assert_eq!(Change::between(&same, &down).trend, Some(Trend::Same));
        let none = Metric::new(MetricKind::HarmfulRate, 0, 0);
        assert_eq!(Change::between(&none, &down).trend, None);
    }
}
