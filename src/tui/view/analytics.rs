//! The analytics screen: the five pilot metrics against their targets with the change
//! since the previous period and a small chart by day, revenue at risk and protected,
//! and the products with the most open complaints. On a roomy terminal the selected
//! metric also gets a full-width chart by day.

use ratatui::layout::{Alignment, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Bar, BarChart, BarGroup, Paragraph};
use ratatui::Frame;

use crate::analytics::{roubles, Change, Metric, MetricKind, Trend};
use crate::tui::format;
use crate::tui::sanitize;
use crate::tui::state::{AppState, Dashboard, Screen};
use crate::tui::theme::Slot;

use super::table::{self, Column};
use super::ViewCtx;

/// Below this many rows left, the selected metric gets no chart of its own.
const CHART_MIN_ROWS: u16 = 16;
/// Height of that chart, its title included.
const CHART_ROWS: u16 = 9;

/// A metric's value as `agentiq metrics` prints it: `87.5%`, or `—` without data.
pub fn percent(ratio: Option<f64>) -> String {
    ratio.map_or_else(|| "—".to_string(), |r| format!("{:.1}%", r * 100.0))
}

/// The slot of a verdict against the target.
fn verdict_slot(pass: Option<bool>) -> Slot {
    match pass {
        Some(true) => Slot::MetricPass,
        Some(false) => Slot::MetricFail,
        None => Slot::TextMuted,
    }
}

/// One bar per day, `·` for a day without data; the newest `width` days.
pub fn spark(series: &[Option<u64>], width: usize) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let skip = series.len().saturating_sub(width);
    series
        .iter()
        .skip(skip)
        .map(|p| match p {
            Some(p) => BARS[(usize::try_from(*p).unwrap_or(100).min(100) * 7) / 100],
            None => '·',
        })
        .collect()
}

pub fn render(frame: &mut Frame<'_>, area: Rect, state: &AppState, ctx: &ViewCtx<'_>) {
    let s = ctx.strings;
    let a = &state.analytics;
    let block = ctx.pane(true).title(Span::styled(
        format!(" {} ", (s.screen)(Screen::Analytics)),
        ctx.style(Slot::TextTitle),
    ));
    let inner = super::inner(area);
    frame.render_widget(block, area);
    if inner.width == 0 || inner.height == 0 {
        return;
    }
    let Some(data) = a.data.as_deref() else {
        frame.render_widget(
            Paragraph::new(Span::styled(
                s.analytics_computing,
                ctx.style(Slot::TextMuted),
            ))
            .alignment(Alignment::Center),
            Rect::new(inner.x, inner.y + inner.height / 2, inner.width, 1),
        );
        return;
    };
    let width = usize::from(inner.width);
    let mut lines: Vec<Line<'static>> = vec![subtitle(state, data, ctx, width)];
    lines.extend(metric_table(state, data, ctx, width));
    lines.push(revenue_line(data, ctx, width));
    let auto = data.current.auto_replies;
    lines.push(Line::styled(
        format::truncate(
            &(s.analytics_auto)(auto.sent, auto.replies_sent, &percent(auto.share)),
            width,
        ),
        ctx.style(Slot::TextMuted),
    ));
    lines.extend(version_lines(data, ctx, width));
    let used = lines.len() as u16;
    frame.render_widget(
        Paragraph::new(lines),
        Rect::new(inner.x, inner.y, inner.width, used.min(inner.height)),
    );
    let mut rest = Rect::new(
        inner.x,
        inner.y + used.min(inner.height),
        inner.width,
        inner.height.saturating_sub(used),
    );
    if rest.height >= CHART_MIN_ROWS {
        let chart = Rect::new(rest.x, rest.y + 1, rest.width, CHART_ROWS - 1);
        render_chart(frame, chart, state, data, ctx);
        rest.y += CHART_ROWS;
        rest.height -= CHART_ROWS;
    }
    if rest.height >= 2 {
        let top = Rect::new(rest.x, rest.y + 1, rest.width, rest.height - 1);
        frame.render_widget(Paragraph::new(top_products(data, ctx, top)), top);
    }
}

/// Versions listed on the screen at most (the most replies first); the CLI lists all.
const VERSION_ROWS: usize = 4;

/// A proportion with its interval: `79% (64–89%)`, or `—`.
fn with_interval(p: &crate::experiments::Proportion) -> String {
    match (p.rate, p.low, p.high) {
        (Some(r), Some(l), Some(h)) => {
            format!("{:.0}% ({:.0}–{:.0}%)", r * 100.0, l * 100.0, h * 100.0)
        }
        _ => "—".to_string(),
    }
}

/// A duration as m:ss ("1:05"), the same in every language.
fn minutes_seconds(seconds: f64) -> String {
    let s = seconds.round().max(0.0) as i64;
    format!("{}:{:02}", s / 60, s % 60)
}

/// The prompt/template versions of the period's replies and the verdict on them.
fn version_lines(data: &Dashboard, ctx: &ViewCtx<'_>, width: usize) -> Vec<Line<'static>> {
    let s = ctx.strings;
    let report = &data.versions;
    if report.versions.is_empty() {
        return vec![Line::styled(
            format::truncate(s.analytics_versions_none, width),
            ctx.style(Slot::TextMuted),
        )];
    }
    let mut versions: Vec<_> = report.versions.iter().collect();
    versions.sort_by(|a, b| b.replies.cmp(&a.replies).then(a.version.cmp(&b.version)));
    let mut lines: Vec<Line<'static>> = versions
        .into_iter()
        .take(VERSION_ROWS)
        .map(|v| {
            let text = (s.analytics_version_row)(
                &sanitize::line(&v.version),
                v.replies,
                &with_interval(&v.acceptance),
                &v.mean_edit_distance
                    .map_or("—".to_string(), |d| format!("{d:.2}")),
                &percent(v.harmful.rate),
                &v.open_to_send
                    .median_seconds
                    .map_or("—".to_string(), minutes_seconds),
            );
            Line::styled(format::truncate(&text, width), ctx.style(Slot::Text))
        })
        .collect();
    let slot = match report.verdict {
        crate::experiments::Verdict::Winner { .. } => Slot::MetricPass,
        _ => Slot::TextMuted,
    };
    lines.push(Line::styled(
        format::truncate(&(s.analytics_version_verdict)(&report.verdict), width),
        ctx.style(slot),
    ));
    lines
}

/// Rows above the metrics: the subtitle and the table's header.
const ROWS_ABOVE_METRICS: u16 = 2;

/// The metric under `at` on the analytics screen drawn in `area` (the mouse's target).
pub fn metric_at(area: Rect, state: &AppState, at: ratatui::layout::Position) -> Option<usize> {
    let data = state.analytics.data.as_deref()?;
    let inner = super::inner(area);
    let first = inner.y.saturating_add(ROWS_ABOVE_METRICS);
    let count = data.cards().len();
    let rows = Rect::new(
        inner.x,
        first,
        inner.width,
        u16::try_from(count)
            .unwrap_or(u16::MAX)
            .min(inner.height.saturating_sub(ROWS_ABOVE_METRICS)),
    );
    rows.contains(at).then(|| usize::from(at.y - first))
}

/// Period, dates, account, and whether newer figures are being computed.
fn subtitle(state: &AppState, data: &Dashboard, ctx: &ViewCtx<'_>, width: usize) -> Line<'static> {
    let s = ctx.strings;
    let a = &state.analytics;
    let account = match a.account {
        None => s.analytics_all_accounts.to_string(),
        Some(id) => state.accounts.iter().find(|x| x.id == id).map_or_else(
            || format!("#{id}"),
            |x| sanitize::line(&x.name).into_owned(),
        ),
    };
    let labels = data.day_labels();
    let dates = match (labels.first(), labels.last()) {
        (Some(first), Some(last)) if first != last => format!(" ({first}–{last})"),
        (Some(first), _) => format!(" ({first})"),
        _ => String::new(),
    };
    let mut spans = vec![Span::styled(
        format::truncate(
            &format!("{}{dates} · {account}", (s.analytics_period)(a.days)),
            width,
        ),
        ctx.style(Slot::Label),
    )];
    if a.loading {
        spans.push(Span::styled(
            format!("  {}", s.analytics_computing),
            ctx.style(Slot::TextMuted),
        ));
    }
    Line::from(spans)
}

fn columns(ctx: &ViewCtx<'_>) -> [Column; 8] {
    let s = ctx.strings;
    let col = Column::new;
    [
        // Metric names (the longest is 24 cells) come before the chart.
        col(s.analytics_metric, 24, true, 0),
        col(s.analytics_value, 6, false, 1),
        col("", 1, false, 2),
        col(s.analytics_target, 6, false, 3),
        col(s.analytics_change, 10, false, 4),
        col(s.analytics_count, 7, false, 5),
        col(s.analytics_by_day, 7, true, 6),
        col(s.analytics_previous, 6, false, 7),
    ]
}

fn metric_table(
    state: &AppState,
    data: &Dashboard,
    ctx: &ViewCtx<'_>,
    width: usize,
) -> Vec<Line<'static>> {
    let columns = columns(ctx);
    let widths = table::widths(&columns, width);
    let header = columns
        .iter()
        .map(|c| (c.header.to_string(), ctx.style(Slot::TableHeader)))
        .collect();
    let spark_width = widths[6].unwrap_or(0);
    let mut lines = vec![table::row(header, &widths)];
    for (i, metric) in data.cards().into_iter().enumerate() {
        let cells = metric_cells(metric, data.change(metric.kind), data, ctx, spark_width);
        let line = table::row(cells, &widths);
        lines.push(if i == state.analytics.selected {
            line.style(ctx.style(Slot::QueueSelected))
        } else {
            line
        });
    }
    lines
}

fn metric_cells(
    m: &Metric,
    change: Option<&Change>,
    data: &Dashboard,
    ctx: &ViewCtx<'_>,
    spark_width: usize,
) -> Vec<(String, Style)> {
    let s = ctx.strings;
    let verdict = ctx.style(verdict_slot(m.pass));
    let mark = match m.pass {
        Some(true) => "✓",
        Some(false) => "✗",
        None => " ",
    };
    let (delta, delta_slot) = match change.and_then(|c| c.delta.zip(c.trend)) {
        Some((d, trend)) => {
            let (arrow, slot) = match trend {
                Trend::Better => ("▲", Slot::MetricPass),
                Trend::Worse => ("▼", Slot::MetricFail),
                Trend::Same => ("=", Slot::TextMuted),
            };
            (format!("{arrow}{:+.1} {}", d * 100.0, s.unit_pp), slot)
        }
        None => ("—".to_string(), Slot::TextMuted),
    };
    vec![
        ((s.metric_name)(m.kind).to_string(), ctx.style(Slot::Text)),
        (format!("{:>6}", percent(m.ratio)), verdict),
        (mark.to_string(), verdict),
        (m.target.display(), ctx.style(Slot::TextMuted)),
        (delta, ctx.style(delta_slot)),
        (
            format!("{}/{}", m.numerator, m.denominator),
            ctx.style(Slot::Text),
        ),
        (
            spark(&data.percent_series(m.kind), spark_width),
            ctx.style(Slot::Chart),
        ),
        (
            percent(change.and_then(|c| c.previous)),
            ctx.style(Slot::TextMuted),
        ),
    ]
}

fn revenue_line(data: &Dashboard, ctx: &ViewCtx<'_>, width: usize) -> Line<'static> {
    let s = ctx.strings;
    let at_risk = format!(
        "{}: ≈ {}",
        s.analytics_at_risk,
        roubles(data.revenue.at_risk)
    );
    let protected = format!(
        " · {} ≈ {}",
        s.analytics_protected,
        roubles(data.revenue.protected)
    );
    let risk_slot = if data.revenue.at_risk > 0.0 {
        Slot::MetricFail
    } else {
        Slot::Text
    };
    let room = width.saturating_sub(format::width(&at_risk));
    Line::from(vec![
        Span::styled(format::truncate(&at_risk, width), ctx.style(risk_slot)),
        Span::styled(
            format::truncate(&protected, room),
            ctx.style(Slot::MetricPass),
        ),
    ])
}

/// The selected metric by day, a bar per day in percent (a gap for a day without data),
/// as wide as the terminal allows; the days under the bars when they are wide enough.
fn render_chart(
    frame: &mut Frame<'_>,
    area: Rect,
    state: &AppState,
    data: &Dashboard,
    ctx: &ViewCtx<'_>,
) {
    let kind = MetricKind::ALL[state.analytics.selected.min(MetricKind::ALL.len() - 1)];
    let title = format!(
        "{}: {} · {}",
        ctx.strings.analytics_by_day,
        (ctx.strings.metric_name)(kind),
        kind.target().display()
    );
    frame.render_widget(
        Paragraph::new(Span::styled(
            format::truncate(&title, usize::from(area.width)),
            ctx.style(Slot::Label),
        )),
        Rect::new(area.x, area.y, area.width, 1),
    );
    let series = data.percent_series(kind);
    let labels = data.day_labels();
    let width = usize::from(area.width);
    let per_day = (width + 1) / series.len().max(1);
    // Bars up to 7 cells with a gap between; one cell and no gap when days are many.
    let (bar_width, gap) = if per_day >= 2 {
        ((per_day - 1).min(7), 1)
    } else {
        (1, 0)
    };
    let shown = series.len().min(width / (bar_width + gap).max(1));
    let first = series.len() - shown;
    let with_labels = bar_width >= 5;
    let bars: Vec<Bar<'static>> = series[first..]
        .iter()
        .zip(labels[first..].iter())
        .map(|(value, day)| {
            let bar = Bar::new(value.unwrap_or(0))
                .text_value(value.map_or_else(|| "—".to_string(), |p| p.to_string()));
            if with_labels {
                bar.label(Line::from(day.clone()))
            } else {
                bar
            }
        })
        .collect();
    let chart_rows = area.height.saturating_sub(if with_labels { 1 } else { 2 });
    frame.render_widget(
        BarChart::default()
            .data(BarGroup::new(bars))
            .bar_width(bar_width as u16)
            .bar_gap(gap as u16)
            .max(100)
            .bar_style(ctx.style(Slot::Chart))
            .value_style(ctx.style(Slot::Chart).add_modifier(Modifier::REVERSED))
            .label_style(ctx.style(Slot::TextMuted)),
        Rect::new(area.x, area.y + 1, area.width, chart_rows),
    );
    if !with_labels {
        // The first and last day under narrow bars.
        if let (Some(first), Some(last)) = (labels.get(first), labels.last()) {
            let (fw, lw) = (format::width(first), format::width(last));
            let axis = if shown > fw + lw {
                format!("{first}{}{last}", " ".repeat(shown - fw - lw))
            } else {
                last.clone()
            };
            frame.render_widget(
                Paragraph::new(Span::styled(axis, ctx.style(Slot::TextMuted))),
                Rect::new(area.x, area.y + area.height - 1, area.width, 1),
            );
        }
    }
}

fn top_products(data: &Dashboard, ctx: &ViewCtx<'_>, area: Rect) -> Vec<Line<'static>> {
    let s = ctx.strings;
    let width = usize::from(area.width);
    let mut lines = vec![Line::styled(
        format::truncate(s.analytics_top_products, width),
        ctx.style(Slot::TableHeader),
    )];
    if data.top_complaints.is_empty() {
        lines.push(Line::styled(
            s.analytics_no_complaints,
            ctx.style(Slot::TextMuted),
        ));
        return lines;
    }
    for p in data
        .top_complaints
        .iter()
        .take(usize::from(area.height.saturating_sub(1)))
    {
        let complaints = (s.analytics_complaints)(p.open_complaints);
        let counts = if p.overdue > 0 {
            format!(" {complaints} · {} {}", p.overdue, s.analytics_overdue)
        } else {
            format!(" {complaints}")
        };
        let name = p
            .product_name
            .as_deref()
            .or(p.product_external_id.as_deref())
            .map_or_else(
                || s.unknown_product.to_string(),
                |n| sanitize::line(n).into_owned(),
            );
        let head = format!("{} {name}", p.marketplace.mark());
        let room = width.saturating_sub(format::width(&counts));
        let slot = if p.overdue > 0 {
            Slot::MetricFail
        } else {
            Slot::Text
        };
        lines.push(Line::from(vec![
            Span::styled(format::fit(&head, room), ctx.style(Slot::Text)),
            Span::styled(format::truncate(&counts, width), ctx.style(slot)),
        ]));
    }
    lines
}
