//! The analytics screen's data, computed in one go off the UI thread; drawing it is the
//! TUI's business.

use anyhow::Result;
use chrono::{DateTime, Utc};
use rusqlite::Connection;
use serde::Serialize;

use super::complaints::{top_complaint_products, ComplaintProduct};
use super::metrics::{
    metrics_with_days, Change, DailyMetrics, Metric, MetricKind, MetricSet, PeriodComparison,
};
use super::revenue::{revenue, RevenueSummary};
use super::{metrics, MetricsQuery};

/// How many products the screen lists by open complaints.
pub const TOP_PRODUCTS: usize = 10;

/// Everything the analytics screen shows. `V` is the period's figures per prompt/template
/// version (`experiments::VersionReport`), which the experiments layer above this one
/// computes and the caller passes in.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dashboard<V> {
    pub query: MetricsQuery,
    pub now: DateTime<Utc>,
    /// This period's five metrics against their targets, and the auto-reply figure.
    pub current: MetricSet,
    /// The previous period of equal length, its metrics, and the change of each.
    pub comparison: PeriodComparison,
    /// One entry per local day (Europe/Moscow) of the period, oldest first.
    pub daily: Vec<DailyMetrics>,
    /// Products with the most open complaints now (the period does not apply).
    pub top_complaints: Vec<ComplaintProduct>,
    /// Revenue at risk and protected for the period, per product and in total.
    pub revenue: RevenueSummary,
    /// The period's replies per prompt/template version, and whether a winner can be called.
    pub versions: V,
}

impl<V> Dashboard<V> {
    /// The five metric cards in the SPEC's order.
    pub fn cards(&self) -> [&Metric; 5] {
        self.current.all()
    }

    /// How a metric changed against the previous period.
    pub fn change(&self, kind: MetricKind) -> Option<&Change> {
        self.comparison.changes.iter().find(|c| c.kind == kind)
    }

    /// The metric's ratio per day; `None` for a day without data (a gap, not a zero).
    pub fn series(&self, kind: MetricKind) -> Vec<Option<f64>> {
        self.daily
            .iter()
            .map(|d| d.metrics.get(kind).ratio)
            .collect()
    }

    /// The metric's ratio per day in whole percent, for a sparkline: ratatui's
    /// `Sparkline` takes `Option<u64>` bars and leaves `None` empty.
    pub fn percent_series(&self, kind: MetricKind) -> Vec<Option<u64>> {
        self.series(kind)
            .into_iter()
            .map(|r| r.map(|r| (r * 100.0).round().clamp(0.0, 100.0) as u64))
            .collect()
    }

    /// The metric's denominator per day (questions due, reviews received, replies sent,
    /// sync runs), for a volume bar chart.
    pub fn volume_series(&self, kind: MetricKind) -> Vec<u64> {
        self.daily
            .iter()
            .map(|d| d.metrics.get(kind).denominator)
            .collect()
    }

    /// The days' labels, `DD.MM`, for the charts' x axis.
    pub fn day_labels(&self) -> Vec<String> {
        self.daily
            .iter()
            .map(|d| d.day.format("%d.%m").to_string())
            .collect()
    }
}

/// The analytics screen's data for `q` at `now`, with the versions' figures for `q`.
pub fn dashboard<V>(
    conn: &Connection,
    q: &MetricsQuery,
    now: DateTime<Utc>,
    versions: V,
) -> Result<Dashboard<V>> {
    let (current, daily) = metrics_with_days(conn, q, now)?;
    let previous_period = q.previous();
    let previous = metrics(conn, &previous_period, now)?;
    Ok(Dashboard {
        query: q.clone(),
        now,
        current,
        comparison: PeriodComparison::new(current, previous_period, previous),
        daily,
        top_complaints: top_complaint_products(conn, q, now, TOP_PRODUCTS)?,
        revenue: revenue(conn, q, now)?,
        versions,
    })
}
