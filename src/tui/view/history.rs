//! The customer history screen (`o` on an item): every item of the linked customer,
//! newest first, the one it was opened from marked; the selected item's text below.

use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use ratatui::Frame;

use crate::domain::AnswerState;
use crate::store::HistoryItem;
use crate::tui::format;
use crate::tui::layout;
use crate::tui::sanitize;
use crate::tui::state::{AppState, Screen};
use crate::tui::strings::Strings;
use crate::tui::theme::Slot;

use super::table::{self, Column};
use super::ViewCtx;

pub fn render(frame: &mut Frame<'_>, area: Rect, state: &AppState, ctx: &ViewCtx<'_>) {
    let s = ctx.strings;
    let view = &state.customer_history;
    let name = view
        .profile
        .as_ref()
        .and_then(|p| p.name.as_deref())
        .map(|n| format!(" · {}", sanitize::line(n)))
        .unwrap_or_default();
    let block = ctx.pane(true).title(Span::styled(
        format!(" {}{name} ", (s.screen)(Screen::CustomerHistory)),
        ctx.style(Slot::TextTitle),
    ));
    frame.render_widget(block, area);
    let Some(profile) = &view.profile else {
        first_time(frame, area, ctx);
        return;
    };
    let parts = layout::screen_list(area);
    let columns = columns(s);
    let widths = table::widths(&columns, usize::from(parts.header.width));
    let header = columns
        .iter()
        .map(|c| (c.header.to_string(), ctx.style(Slot::TableHeader)))
        .collect();
    frame.render_widget(Paragraph::new(table::row(header, &widths)), parts.header);
    let cursor = view.cursor;
    let lines: Vec<Line<'static>> = profile
        .items
        .iter()
        .enumerate()
        .skip(cursor.scroll)
        .take(usize::from(parts.list.height))
        .map(|(i, item)| {
            let current = Some(item.id) == view.current;
            let line = table::row(cells(item, current, state, ctx), &widths);
            if i == cursor.selected {
                line.style(ctx.style(Slot::QueueSelected))
            } else {
                line
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), parts.list);
    if let (Some(footer), Some(item)) = (parts.footer, profile.items.get(cursor.selected)) {
        render_footer(frame, footer, item, state, ctx);
    }
}

/// No earlier contact: said in the middle of the pane.
fn first_time(frame: &mut Frame<'_>, area: Rect, ctx: &ViewCtx<'_>) {
    let inner = super::inner(area);
    if inner.height > 0 {
        frame.render_widget(
            Paragraph::new(Span::styled(
                ctx.strings.customer_first_time,
                ctx.style(Slot::TextMuted),
            ))
            .alignment(Alignment::Center),
            Rect::new(inner.x, inner.y + inner.height / 2, inner.width, 1),
        );
    }
}

/// The table's columns; the lower the rank, the longer a column stays on narrow panes.
fn columns(s: &Strings) -> [Column; 6] {
    [
        Column {
            header: s.label_created,
            // "▸ 06.12 02:39": the mark and the date and time.
            min: 13,
            flex: false,
            rank: 0,
        },
        Column {
            header: s.label_channel,
            min: 7,
            flex: false,
            rank: 2,
        },
        Column {
            header: s.label_rating,
            min: 6,
            flex: false,
            rank: 1,
        },
        Column {
            header: s.label_product,
            min: 12,
            flex: true,
            rank: 4,
        },
        Column {
            header: s.label_state,
            min: 9,
            flex: false,
            rank: 5,
        },
        Column {
            header: s.label_text,
            min: 16,
            flex: true,
            rank: 3,
        },
    ]
}

/// The selected item's date, product and first line under the table.
fn render_footer(
    frame: &mut Frame<'_>,
    footer: Rect,
    item: &HistoryItem,
    state: &AppState,
    ctx: &ViewCtx<'_>,
) {
    let s = ctx.strings;
    let mut lines = vec![Line::styled(
        format!(
            "{} · {}",
            format::date_time(item.created_at, state.tz),
            item.product_name
                .as_deref()
                .map(|p| sanitize::line(p).into_owned())
                .unwrap_or_else(|| s.unknown_product.to_string())
        ),
        ctx.style(Slot::Label),
    )];
    lines.push(Line::styled(
        sanitize::line(&item.first_line).into_owned(),
        ctx.style(Slot::Text),
    ));
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(
            Block::new()
                .borders(Borders::TOP)
                .border_style(ctx.style(Slot::Border)),
        ),
        footer,
    );
}

fn cells(
    item: &HistoryItem,
    current: bool,
    state: &AppState,
    ctx: &ViewCtx<'_>,
) -> Vec<(String, ratatui::style::Style)> {
    let s = ctx.strings;
    let mark = if current { "▸ " } else { "  " };
    let stars = match item.rating {
        Some(r) => (format::stars(Some(r)), ctx.style(Slot::Stars)),
        None => ("—".to_string(), ctx.style(Slot::TextMuted)),
    };
    let answer = AnswerState::parse(&item.state);
    let state_slot = match answer {
        Some(AnswerState::Open) => Slot::SlaAtRisk,
        _ => Slot::QueueAnswered,
    };
    vec![
        (
            format!("{mark}{}", format::date_time(item.created_at, state.tz)),
            ctx.style(if current { Slot::TextTitle } else { Slot::Text }),
        ),
        (
            (s.channel_name)(item.channel).to_string(),
            ctx.style(Slot::Label),
        ),
        stars,
        (
            item.product_name
                .as_deref()
                .map(|p| sanitize::line(&crate::ai::short_product_name(p)).into_owned())
                .unwrap_or_default(),
            ctx.style(Slot::Text),
        ),
        (
            answer.map_or_else(|| item.state.clone(), |a| (s.answer_state)(a).to_string()),
            ctx.style(state_slot),
        ),
        (
            sanitize::line(&item.first_line).into_owned(),
            ctx.style(Slot::Text),
        ),
    ]
}
