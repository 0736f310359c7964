//! The audit log screen: who did what and when, newest first, a page at a time.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::tui::format;
use crate::tui::layout;
use crate::tui::reads::AuditRow;
use crate::tui::sanitize;
use crate::tui::state::{AppState, Screen};
use crate::tui::theme::Slot;

use super::table::{self, Column};
use super::ViewCtx;

/// A JSON detail on one line (or pretty, for the footer); text that is not JSON as is.
fn detail(text: &str, pretty: bool) -> String {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(v) if pretty => serde_json::to_string_pretty(&v).unwrap_or_else(|_| text.into()),
        Ok(v) => v.to_string(),
        Err(_) => text.to_string(),
    }
}

pub fn render(frame: &mut Frame<'_>, area: Rect, state: &AppState, ctx: &ViewCtx<'_>) {
    let s = ctx.strings;
    let a = &state.audit;
    let title = match a.total {
        Some(total) if total > 0 => format!(
            " {} {}/{} ",
            (s.screen)(Screen::AuditLog),
            a.cursor.selected + 1,
            total
        ),
        _ => format!(" {} ", (s.screen)(Screen::AuditLog)),
    };
    frame.render_widget(
        ctx.pane(true)
            .title(Span::styled(title, ctx.style(Slot::TextTitle))),
        area,
    );
    let parts = layout::screen_list(area);
    let message = match a.total {
        None => Some(s.loading),
        Some(0) => Some(s.audit_empty),
        Some(_) => None,
    };
    if let Some(text) = message {
        table::centred_message(frame, area, text, ctx);
        return;
    }
    let columns = [
        Column::new(s.audit_time, 11, false, 0),
        Column::new(s.audit_actor, 8, false, 2),
        Column::new(s.audit_action, 14, false, 1),
        Column::new(s.audit_item, 9, false, 3),
        Column::new(s.audit_detail, 10, true, 4),
    ];
    let widths = table::widths(&columns, usize::from(parts.header.width));
    table::render_header(frame, parts.header, &columns, &widths, ctx);
    let mut lines = Vec::new();
    for index in a.cursor.scroll..a.cursor.scroll + usize::from(parts.list.height) {
        if index >= a.total.unwrap_or(0) {
            break;
        }
        let line = match a.row(index) {
            Some(row) => table::row(cells(row, state, ctx), &widths),
            None => Line::styled("…", ctx.style(Slot::TextMuted)),
        };
        lines.push(if index == a.cursor.selected {
            line.style(ctx.style(Slot::QueueSelected))
        } else {
            line
        });
    }
    frame.render_widget(Paragraph::new(lines), parts.list);
    if let (Some(footer), Some(row)) = (parts.footer, a.row(a.cursor.selected)) {
        let text = sanitize::block(&detail(&row.detail, true)).into_owned();
        let mut lines = vec![Line::styled(
            format!(
                "{} · {} · {}",
                format::date_time(row.at, state.tz),
                sanitize::line(&row.actor),
                sanitize::line(&row.action)
            ),
            ctx.style(Slot::Label),
        )];
        lines.extend(
            text.lines()
                .map(|l| Line::styled(l.to_string(), ctx.style(Slot::Text))),
        );
        table::render_footer(frame, footer, lines, ctx);
    }
}

fn cells(
    row: &AuditRow,
    state: &AppState,
    ctx: &ViewCtx<'_>,
) -> Vec<(String, ratatui::style::Style)> {
    vec![
        (
            format::date_time(row.at, state.tz),
            ctx.style(Slot::TextMuted),
        ),
        (
            sanitize::line(&row.actor).into_owned(),
            ctx.style(Slot::Label),
        ),
        (
            sanitize::line(&row.action).into_owned(),
            ctx.style(Slot::Text),
        ),
        (
            row.interaction_id
                .map(|id| format!("#{id}"))
                .unwrap_or_default(),
            ctx.style(Slot::TextMuted),
        ),
        (
            sanitize::line(&detail(&row.detail, false)).into_owned(),
            ctx.style(Slot::TextMuted),
        ),
    ]
}
