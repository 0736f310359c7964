//! Analytics: the five pilot metrics of SPEC section 7, their daily series and the
//! previous-period comparison, the revenue estimate in roubles, the products with the most
//! open complaints, the `agentiq metrics` report and the CSV exports.
//!
//! Everything here is a pure query: a function of a read connection, a [`MetricsQuery`]
//! and an injected `now`; nothing reads the system clock or writes to the database.
//! Definitions, formulas and edge cases are in `docs/metrics.md`; the code follows it.
//!
//! - [`metrics`], [`daily_metrics`], [`compare`]: the five metrics vs their targets.
//! - [`revenue`], [`revenue_for_item`]: roubles at risk and protected (`[revenue]`).
//! - [`top_complaint_products`]: products by open complaints.
//! - [`dashboard`]: everything the analytics screen shows, in one value.
//! - [`metrics_report`], [`export_interactions`], [`export_metrics`]: the CLI's output.

mod complaints;
mod dashboard;
mod export;
mod facts;
mod metrics;
mod period;
mod report;
mod revenue;
mod team_export;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::domain::{Channel, Marketplace};

pub use complaints::{top_complaint_products, ComplaintProduct};
pub use dashboard::{dashboard, Dashboard};
pub use export::{export_interactions, export_metrics, ExportFormat, ExportQuery};
pub(crate) use facts::findings_have_block;
pub use metrics::{
    compare, daily_metrics, metrics, AutoReplies, Change, DailyMetrics, Direction, Metric,
    MetricKind, MetricSet, PeriodComparison, Target, Trend,
};
pub use period::{
    local_day, local_midnight, parse_bound, resolve_query, resolve_query_by, FilterArgs, TIME_ZONE,
};
pub use report::{metrics_report, roubles};
pub use revenue::{
    revenue, revenue_for_item, ItemRevenue, ProductRevenue, RevenueKind, RevenueSettings,
    RevenueStatus, RevenueSummary, REVENUE_SECTION,
};
pub use team_export::export_interactions_pg;

/// What to measure: the period `[from, to)` and the optional account, marketplace and
/// channel filters (all of them must match when several are given).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MetricsQuery {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub account_id: Option<i64>,
    pub marketplace: Option<Marketplace>,
    pub channel: Option<Channel>,
}

impl MetricsQuery {
    /// The period `[from, to)` over every account, marketplace and channel.
    pub fn new(from: DateTime<Utc>, to: DateTime<Utc>) -> MetricsQuery {
        MetricsQuery {
            from,
            to,
            account_id: None,
            marketplace: None,
            channel: None,
        }
    }

    /// The last `days` local days (Europe/Moscow) up to and including the day of `now`.
    pub fn last_days(now: DateTime<Utc>, days: u32) -> MetricsQuery {
        let today = local_day(now);
        let first = today - Duration::days(i64::from(days.max(1)) - 1);
        MetricsQuery::new(
            local_midnight(first),
            local_midnight(today + Duration::days(1)),
        )
    }

    pub fn account(mut self, account_id: Option<i64>) -> MetricsQuery {
        self.account_id = account_id;
        self
    }

    pub fn marketplace(mut self, marketplace: Option<Marketplace>) -> MetricsQuery {
        self.marketplace = marketplace;
        self
    }

    pub fn channel(mut self, channel: Option<Channel>) -> MetricsQuery {
        self.channel = channel;
        self
    }

    /// The period's length; zero when `to` is not after `from`.
    pub fn length(&self) -> Duration {
        (self.to - self.from).max(Duration::zero())
    }

    /// The period of equal length just before this one, with the same filters.
    pub fn previous(&self) -> MetricsQuery {
        let len = self.length();
        MetricsQuery {
            from: self.from - len,
            to: self.from,
            ..self.clone()
        }
    }
}
