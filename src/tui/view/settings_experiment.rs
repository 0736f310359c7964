//! The settings screen's "experiment" tab: the current (or last) experiment, its
//! versions with their weights and figures (the same as `agentiq experiment status`),
//! then the versions a new experiment may compare, each with the weight the seller gave
//! it, and the keys.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use ratatui::Frame;

use crate::experiments::{Origin, PromptVersion, Status, VersionMetrics};
use crate::tui::format;
use crate::tui::sanitize;
use crate::tui::state::AppState;
use crate::tui::theme::Slot;

use super::table::{self, Column};
use super::ViewCtx;

pub fn render(frame: &mut Frame<'_>, inner: Rect, state: &AppState, ctx: &ViewCtx<'_>) {
    let s = ctx.strings;
    let tab = &state.settings.experiment;
    let body = Rect::new(
        inner.x,
        inner.y + 1,
        inner.width,
        inner.height.saturating_sub(1),
    );
    let Some(overview) = &tab.overview else {
        frame.render_widget(
            Paragraph::new(Span::styled(s.loading, ctx.style(Slot::TextMuted))),
            body,
        );
        return;
    };
    let mut lines = match &overview.status {
        Some(status) => current_lines(status, state, ctx, usize::from(body.width)),
        None => vec![Line::styled(s.experiment_none, ctx.style(Slot::TextMuted))],
    };
    lines.push(Line::default());
    let current = Rect::new(
        body.x,
        body.y,
        body.width,
        (lines.len() as u16).min(body.height),
    );
    frame.render_widget(Paragraph::new(lines), current);
    let rest = Rect::new(
        body.x,
        current.y + current.height,
        body.width,
        body.height - current.height,
    );
    render_versions(frame, rest, state, ctx);
}

/// The experiment's line, then one row per version: weight, replies, accepted, mean
/// edit distance.
fn current_lines(
    status: &Status,
    state: &AppState,
    ctx: &ViewCtx<'_>,
    width: usize,
) -> Vec<Line<'static>> {
    let s = ctx.strings;
    let e = &status.experiment;
    let mut lines = vec![Line::styled(
        (s.experiment_line)(
            &sanitize::line(&e.name),
            (s.experiment_state)(e.state),
            &format::date_time(e.started_at, state.tz),
        ),
        ctx.style(Slot::Label),
    )];
    let columns = columns(ctx);
    let widths = table::widths(&columns, width);
    lines.push(table::row(
        columns
            .iter()
            .map(|c| (c.header.to_string(), ctx.style(Slot::TextMuted)))
            .collect(),
        &widths,
    ));
    for arm in &e.arms {
        let m = status
            .metrics
            .versions
            .iter()
            .find(|m| m.version == arm.version);
        lines.push(table::row(
            figures(&arm.version, arm.weight, m)
                .into_iter()
                .map(|t| (t, ctx.style(Slot::Text)))
                .collect(),
            &widths,
        ));
    }
    lines
}

fn columns(ctx: &ViewCtx<'_>) -> [Column; 5] {
    let c = ctx.strings.experiment_columns;
    [
        Column::new(c[0], 16, true, 0),
        Column::new(c[1], 6, false, 1),
        Column::new(c[2], 7, false, 2),
        Column::new(c[3], 14, false, 3),
        Column::new(c[4], 8, false, 4),
    ]
}

/// A version's cells: name, weight, replies, accepted (share and count of the seller's
/// replies), mean edit distance.
fn figures(version: &str, weight: u32, m: Option<&VersionMetrics>) -> Vec<String> {
    let replies = m.map_or(0, |m| m.replies);
    let accepted = m.map_or_else(
        || "—".to_string(),
        |m| match m.acceptance.rate {
            Some(rate) => format!(
                "{:.0}% ({}/{})",
                rate * 100.0,
                m.acceptance.successes,
                m.acceptance.trials
            ),
            None => "—".to_string(),
        },
    );
    let distance = m
        .and_then(|m| m.mean_edit_distance)
        .map_or_else(|| "—".to_string(), |d| format!("{d:.2}"));
    vec![
        sanitize::line(version).into_owned(),
        weight.to_string(),
        replies.to_string(),
        accepted,
        distance,
    ]
}

/// One version: its weight in the new experiment (`·` when left out), name, origin and
/// description.
fn version_line(v: &PromptVersion, weight: u32, width: usize, ctx: &ViewCtx<'_>) -> Line<'static> {
    let origin = match v.origin {
        Origin::Shipped => "shipped",
        Origin::Seller => "seller",
    };
    let mark = if weight > 0 {
        format!("×{weight}")
    } else {
        "·".into()
    };
    let text = format!(
        "{mark:>3}  {} [{origin}] {}",
        sanitize::line(&v.name),
        sanitize::line(&v.description)
    );
    let slot = if weight > 0 {
        Slot::Text
    } else {
        Slot::TextMuted
    };
    Line::styled(format::truncate(&text, width), ctx.style(slot))
}

/// The versions a new experiment may compare, the selected one highlighted, the key hint
/// under them.
fn render_versions(frame: &mut Frame<'_>, area: Rect, state: &AppState, ctx: &ViewCtx<'_>) {
    let s = ctx.strings;
    let tab = &state.settings.experiment;
    let Some(overview) = &tab.overview else {
        return;
    };
    if area.height == 0 {
        return;
    }
    let mut head = vec![Line::styled(
        s.experiment_versions_title,
        ctx.style(Slot::Label),
    )];
    if let Some(e) = &overview.catalog_error {
        head.push(Line::styled(
            (s.experiment_catalog_error)(&sanitize::line(e)),
            ctx.style(Slot::TextMuted),
        ));
    }
    let head_height = (head.len() as u16).min(area.height);
    frame.render_widget(
        Paragraph::new(head).wrap(Wrap { trim: false }),
        Rect::new(area.x, area.y, area.width, head_height),
    );
    let footer = 2u16.min(area.height - head_height);
    let list = Rect::new(
        area.x,
        area.y + head_height,
        area.width,
        area.height - head_height - footer,
    );
    let cursor = state.settings.cursor;
    let visible = usize::from(list.height).max(1);
    let scroll = if cursor.selected >= cursor.scroll + visible {
        cursor.selected + 1 - visible
    } else {
        cursor.scroll
    };
    let width = usize::from(list.width);
    let lines: Vec<Line<'static>> = overview
        .versions
        .iter()
        .zip(&tab.weights)
        .enumerate()
        .skip(scroll)
        .take(visible)
        .map(|(i, (v, w))| {
            let line = version_line(v, *w, width, ctx);
            if i == cursor.selected {
                line.style(ctx.style(Slot::QueueSelected))
            } else {
                line
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), list);
    if footer > 0 {
        frame.render_widget(
            Paragraph::new(Line::styled(s.experiment_hint, ctx.style(Slot::Label))).block(
                Block::new()
                    .borders(Borders::TOP)
                    .border_style(ctx.style(Slot::Border)),
            ),
            Rect::new(list.x, list.y + list.height, list.width, footer),
        );
    }
}
