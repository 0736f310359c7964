//! The sync health screen: per account and connector, when it last ran and succeeded,
//! how often it succeeds, what it brought, and what went wrong.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::tui::format;
use crate::tui::layout;
use crate::tui::reads::HealthRow;
use crate::tui::sanitize;
use crate::tui::state::{AppState, Screen};
use crate::tui::theme::Slot;

use super::table::{self, Column};
use super::ViewCtx;

pub fn render(frame: &mut Frame<'_>, area: Rect, state: &AppState, ctx: &ViewCtx<'_>) {
    let s = ctx.strings;
    let block = ctx.pane(true).title(Span::styled(
        format!(" {} ", (s.screen)(Screen::SyncHealth)),
        ctx.style(Slot::TextTitle),
    ));
    frame.render_widget(block, area);
    let parts = layout::screen_list(area);
    let message = match &state.health.rows {
        None => Some(s.loading),
        Some(rows) if rows.is_empty() => Some(s.health_empty),
        Some(_) => None,
    };
    if let Some(text) = message {
        table::centred_message(frame, area, text, ctx);
        return;
    }
    let rows = state.health.rows.as_deref().unwrap_or_default();
    let columns = [
        Column::new(s.health_account, 10, true, 0),
        Column::new(s.health_connector, 13, false, 1),
        Column::new(s.health_last_run, 11, false, 2),
        Column::new(s.health_success, 11, false, 3),
        Column::new(s.health_failures, 7, false, 4),
        Column::new(s.health_last_success, 11, false, 5),
        Column::new(s.health_items, 12, false, 6),
        Column::new(s.health_error, 10, true, 7),
    ];
    let widths = table::widths(&columns, usize::from(parts.header.width));
    table::render_header(frame, parts.header, &columns, &widths, ctx);
    let cursor = state.health.cursor;
    let lines: Vec<Line<'static>> = rows
        .iter()
        .enumerate()
        .skip(cursor.scroll)
        .take(usize::from(parts.list.height))
        .map(|(i, row)| {
            let line = table::row(cells(row, state, ctx), &widths);
            if i == cursor.selected {
                line.style(ctx.style(Slot::QueueSelected))
            } else {
                line
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), parts.list);
    if let (Some(footer), Some(row)) = (parts.footer, rows.get(cursor.selected)) {
        let title = format!(
            "{} / {}",
            sanitize::line(&row.account),
            sanitize::line(&row.connector)
        );
        let title = format!("{title} · {}: {}", s.health_requests, row.last_requests);
        let mut lines = vec![Line::styled(title, ctx.style(Slot::Label))];
        match &row.last_error {
            Some(e) => lines.push(Line::styled(
                sanitize::block(e).into_owned(),
                ctx.style(Slot::StatusError),
            )),
            None => lines.push(Line::styled(
                format!(
                    "✓ {}: {}",
                    s.health_last_success,
                    when(row.last_success, state, ctx)
                ),
                ctx.style(Slot::SlaOk),
            )),
        }
        table::render_footer(frame, footer, lines, ctx);
    }
}

fn when(t: Option<chrono::DateTime<chrono::Utc>>, state: &AppState, ctx: &ViewCtx<'_>) -> String {
    t.map_or_else(
        || ctx.strings.never.to_string(),
        |t| format::date_time(t, state.tz),
    )
}

fn cells(
    row: &HealthRow,
    state: &AppState,
    ctx: &ViewCtx<'_>,
) -> Vec<(String, ratatui::style::Style)> {
    let s = ctx.strings;
    let running = state
        .sync
        .get(&row.account)
        .is_some_and(|a| a.running.contains(&row.connector));
    let last_run = if running {
        (s.health_running.to_string(), ctx.style(Slot::StatusKey))
    } else {
        let slot = if row.last_ok {
            Slot::SlaOk
        } else {
            Slot::SlaBreached
        };
        (when(row.last_run, state, ctx), ctx.style(slot))
    };
    let rate = match row.success_rate() {
        Some(p) => {
            let slot = match p {
                99.. => Slot::SlaOk,
                90..=98 => Slot::SlaAtRisk,
                _ => Slot::SlaBreached,
            };
            (format!("{p}% ({})", row.runs), ctx.style(slot))
        }
        None => ("—".to_string(), ctx.style(Slot::TextMuted)),
    };
    let failures_slot = if row.consecutive_failures > 0 {
        Slot::SlaBreached
    } else {
        Slot::Text
    };
    vec![
        (
            sanitize::line(&row.account).into_owned(),
            ctx.style(Slot::Text),
        ),
        (
            sanitize::line(&row.connector).into_owned(),
            ctx.style(Slot::Label),
        ),
        last_run,
        rate,
        (
            row.consecutive_failures.to_string(),
            ctx.style(failures_slot),
        ),
        (when(row.last_success, state, ctx), ctx.style(Slot::Text)),
        (
            format!(
                "{} +{} ~{}",
                row.items_seen, row.items_new, row.items_changed
            ),
            ctx.style(Slot::Text),
        ),
        (
            row.last_error
                .as_deref()
                .map(|e| sanitize::line(e).into_owned())
                .unwrap_or_default(),
            ctx.style(Slot::StatusError),
        ),
    ]
}
