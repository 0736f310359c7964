//! `agentiq metrics`: the five metrics as a readable table or as JSON.

use std::fmt::Write as _;

use anyhow::{bail, Result};
use chrono::{DateTime, Duration, Utc};
use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;

use super::metrics::{compare, Change, MetricSet, Trend};
use super::period::{local_day, local_midnight, TIME_ZONE};
use super::revenue::revenue;
use super::MetricsQuery;
use crate::domain::{Channel, Marketplace};

#[derive(Serialize)]
struct PeriodOut {
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    time_zone: &'static str,
}

impl PeriodOut {
    fn of(q: &MetricsQuery) -> PeriodOut {
        PeriodOut {
            from: q.from,
            to: q.to,
            time_zone: TIME_ZONE.name(),
        }
    }
}

#[derive(Serialize)]
struct FilterOut {
    account_id: Option<i64>,
    account: Option<String>,
    marketplace: Option<Marketplace>,
    channel: Option<Channel>,
}

#[derive(Serialize)]
struct PreviousOut {
    period: PeriodOut,
    metrics: MetricSet,
}

#[derive(Serialize)]
struct RevenueOut {
    currency: &'static str,
    at_risk: f64,
    protected: f64,
}

/// The JSON document of `agentiq metrics --json`; field names are stable.
#[derive(Serialize)]
struct ReportOut {
    period: PeriodOut,
    filter: FilterOut,
    now: DateTime<Utc>,
    metrics: MetricSet,
    previous: PreviousOut,
    changes: Vec<Change>,
    revenue: RevenueOut,
}

fn account_name(conn: &Connection, id: i64) -> Result<Option<String>> {
    Ok(conn
        .query_row("SELECT name FROM accounts WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .optional()?)
}

/// The metrics of `q` at `now` with the previous period and the revenue estimate: a
/// table for people, or (with `json`) a JSON document for scripts.
pub fn metrics_report(
    conn: &Connection,
    q: &MetricsQuery,
    now: DateTime<Utc>,
    json: bool,
) -> Result<String> {
    if q.from >= q.to {
        bail!("the period is empty: --from must be before --to");
    }
    let comparison = compare(conn, q, now)?;
    let money = revenue(conn, q, now)?;
    let account = match q.account_id {
        Some(id) => account_name(conn, id)?,
        None => None,
    };
    let out = ReportOut {
        period: PeriodOut::of(q),
        filter: FilterOut {
            account_id: q.account_id,
            account,
            marketplace: q.marketplace,
            channel: q.channel,
        },
        now,
        metrics: comparison.current,
        previous: PreviousOut {
            period: PeriodOut::of(&comparison.previous_period),
            metrics: comparison.previous,
        },
        changes: comparison.changes,
        revenue: RevenueOut {
            currency: "RUB",
            at_risk: money.at_risk,
            protected: money.protected,
        },
    };
    if json {
        let mut text = serde_json::to_string_pretty(&out)?;
        text.push('\n');
        return Ok(text);
    }
    Ok(text_report(&out))
}

fn local(t: DateTime<Utc>) -> String {
    t.with_timezone(&TIME_ZONE)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// A period of whole local days as dates, the last one inclusive (`2026-11-01 –
/// 2026-11-30, 30 days`); any other as its two instants.
fn period_text(from: DateTime<Utc>, to: DateTime<Utc>) -> String {
    let whole = |t: DateTime<Utc>| local_midnight(local_day(t)) == t;
    if !(whole(from) && whole(to)) || to <= from {
        return format!("{} – {}", local(from), local(to));
    }
    let first = local_day(from);
    let last = local_day(to - Duration::seconds(1));
    let days = (last - first).num_days() + 1;
    if days == 1 {
        format!("{first}, 1 day")
    } else {
        format!("{first} – {last}, {days} days")
    }
}

fn percent(r: Option<f64>) -> String {
    r.map_or_else(|| "—".to_string(), |r| format!("{:.1}%", r * 100.0))
}

/// Whole roubles with thin groups: `12 300 ₽`.
pub fn roubles(x: f64) -> String {
    let whole = x.round() as i64;
    let digits = whole.unsigned_abs().to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(' ');
        }
        grouped.push(c);
    }
    let sign = if whole < 0 { "-" } else { "" };
    format!("{sign}{grouped} ₽")
}

fn text_report(r: &ReportOut) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "AgentIQ pilot metrics");
    let _ = writeln!(
        s,
        "Period:   {} ({})",
        period_text(r.period.from, r.period.to),
        r.period.time_zone
    );
    let _ = writeln!(
        s,
        "Previous: {}",
        period_text(r.previous.period.from, r.previous.period.to)
    );
    let account = match (&r.filter.account, r.filter.account_id) {
        (Some(name), _) => name.clone(),
        (None, Some(id)) => format!("#{id}"),
        (None, None) => "all".into(),
    };
    let _ = writeln!(
        s,
        "Filter:   account {account} · marketplace {} · channel {}",
        r.filter.marketplace.map_or("all", |m| m.as_str()),
        r.filter.channel.map_or("all", |c| c.as_str()),
    );
    let _ = writeln!(s);
    metrics_table(&mut s, r);
    let _ = writeln!(s);
    let auto = r.metrics.auto_replies;
    let _ = writeln!(
        s,
        "Auto-replies: {} of {} replies sent ({}); not counted in draft acceptance.",
        auto.sent,
        auto.replies_sent,
        percent(auto.share)
    );
    let _ = writeln!(
        s,
        "Revenue estimate: {} at risk, {} protected by fast answers.",
        roubles(r.revenue.at_risk),
        roubles(r.revenue.protected)
    );
    let _ = writeln!(
        s,
        "Questions count by deadline, reviews by arrival, replies by sending, sync runs by \
         start; definitions in docs/metrics.md."
    );
    s
}

/// The metrics against their targets and the previous period, one row each.
fn metrics_table(s: &mut String, r: &ReportOut) {
    let _ = writeln!(
        s,
        "{:<32} {:>7} {:>11} {:>7}  {:<6} {:>8}  Change",
        "Metric", "Value", "Count", "Target", "Result", "Previous"
    );
    for (m, change) in r.metrics.all().into_iter().zip(&r.changes) {
        let result = match m.pass {
            Some(true) => "PASS",
            Some(false) => "FAIL",
            None => "n/a",
        };
        let delta = match (change.delta, change.trend) {
            (Some(d), Some(trend)) => {
                let word = match trend {
                    Trend::Better => "better",
                    Trend::Worse => "worse",
                    Trend::Same => "same",
                };
                format!("{:+.1} pp, {word}", d * 100.0)
            }
            _ => "—".into(),
        };
        let _ = writeln!(
            s,
            "{:<32} {:>7} {:>11} {:>7}  {:<6} {:>8}  {}",
            m.kind.label(),
            percent(m.ratio),
            format!("{}/{}", m.numerator, m.denominator),
            m.target.display(),
            result,
            percent(change.previous),
            delta
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_days_read_as_dates() {
        let from = local_midnight(chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap());
        assert_eq!(
            period_text(from, from + Duration::days(30)),
            "2026-11-01 – 2026-11-30, 30 days"
        );
        assert_eq!(
            period_text(from, from + Duration::days(1)),
            "2026-11-01, 1 day"
        );
        assert_eq!(
            period_text(from, from + Duration::hours(12)),
            "2026-11-01 00:00 – 2026-11-01 12:00"
        );
    }

    #[test]
    fn roubles_are_grouped_by_thousands() {
        assert_eq!(roubles(0.0), "0 ₽");
        assert_eq!(roubles(999.4), "999 ₽");
        assert_eq!(roubles(12300.0), "12 300 ₽");
        assert_eq!(roubles(1234567.6), "1 234 568 ₽");
        assert_eq!(roubles(-4500.0), "-4 500 ₽");
    }
}
