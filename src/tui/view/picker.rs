//! The template picker over the screen: each template's label and the start of its text.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui::Frame;

use crate::ai::Intent;
use crate::domain::first_line;
use crate::tui::format;
use crate::tui::layout;
use crate::tui::sanitize;
use crate::tui::state::AppState;
use crate::tui::theme::Slot;

use super::ViewCtx;

pub fn render(frame: &mut Frame<'_>, area: Rect, state: &AppState, ctx: &ViewCtx<'_>) {
    if state.intent_picker.is_some() {
        return render_intents(frame, area, state, ctx);
    }
    if let Some(picker) = state.team.as_ref().and_then(|t| t.picker.as_ref()) {
        return render_people(frame, area, picker, state, ctx);
    }
    let Some(picker) = &state.picker else {
        return;
    };
    let inner = popup(
        frame,
        area,
        ctx,
        picker.items.len(),
        90,
        ctx.strings.picker_title,
    );
    let visible = usize::from(inner.height);
    let scroll = picker.selected.saturating_sub(visible.saturating_sub(1));
    let width = usize::from(inner.width);
    let lines: Vec<Line<'static>> = picker
        .items
        .iter()
        .enumerate()
        .skip(scroll)
        .take(visible)
        .map(|(i, t)| {
            let label = format::truncate(&sanitize::line(&t.label), (width / 3).max(8));
            let rest = width.saturating_sub(format::width(&label) + 2);
            let text = format::truncate(&sanitize::line(first_line(&t.text)), rest);
            let line = Line::from(vec![
                Span::styled(label, ctx.style(Slot::Label)),
                Span::raw("  "),
                Span::styled(text, ctx.style(Slot::Text)),
            ]);
            if i == picker.selected {
                let mut line = line.style(ctx.style(Slot::QueueSelected));
                let w = line.width();
                line.spans
                    .push(Span::raw(" ".repeat(width.saturating_sub(w))));
                line
            } else {
                line
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The intent picker (`correct_intent`): SPEC's intents, the item's current one marked.
fn render_intents(frame: &mut Frame<'_>, area: Rect, state: &AppState, ctx: &ViewCtx<'_>) {
    let Some(picker) = &state.intent_picker else {
        return;
    };
    let inner = popup(
        frame,
        area,
        ctx,
        Intent::ALL.len(),
        60,
        ctx.strings.intent_picker_title,
    );
    let visible = usize::from(inner.height);
    let scroll = picker.selected.saturating_sub(visible.saturating_sub(1));
    let width = usize::from(inner.width);
    let ru = state.lang == crate::tui::Lang::Ru;
    let lines: Vec<Line<'static>> = Intent::ALL
        .iter()
        .enumerate()
        .skip(scroll)
        .take(visible)
        .map(|(i, intent)| {
            let mark = if Some(*intent) == picker.current {
                "• "
            } else {
                "  "
            };
            let label = if ru {
                format!("{mark}{} ({})", intent.label_ru(), intent.as_str())
            } else {
                format!("{mark}{}", intent.as_str())
            };
            let label = format::truncate(&label, width);
            if i == picker.selected {
                let pad = width.saturating_sub(format::width(&label));
                Line::from(vec![Span::raw(label), Span::raw(" ".repeat(pad))])
                    .style(ctx.style(Slot::QueueSelected))
            } else {
                Line::from(Span::styled(label, ctx.style(Slot::Text)))
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

/// A bordered popup for `rows` rows, centred, at most `max_width` wide, drawn over what is
/// under it; returns the area inside its border.
fn popup(
    frame: &mut Frame<'_>,
    area: Rect,
    ctx: &ViewCtx<'_>,
    rows: usize,
    max_width: u16,
    title: &str,
) -> Rect {
    let height = u16::try_from(rows)
        .unwrap_or(u16::MAX)
        .saturating_add(2)
        .min(area.height);
    let popup = layout::centered(area, area.width.saturating_sub(4).min(max_width), height);
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(ctx.style(Slot::BorderFocused))
        .title(Span::styled(
            format!(" {title} "),
            ctx.style(Slot::TextTitle),
        ));
    let inner = block.inner(popup);
    frame.render_widget(Clear, popup);
    frame.render_widget(block.style(ctx.style(Slot::Overlay)), popup);
    inner
}

/// The assignment picker (team mode, `A`): the team's people and their roles.
fn render_people(
    frame: &mut Frame<'_>,
    area: Rect,
    picker: &crate::tui::team::AssignPicker,
    state: &AppState,
    ctx: &ViewCtx<'_>,
) {
    let title = match state.lang {
        crate::tui::Lang::Ru => "Кому передать",
        crate::tui::Lang::En => "Assign to",
    };
    let inner = popup(frame, area, ctx, picker.people.len().max(1), 40, title);
    let lines: Vec<Line<'static>> = if picker.people.is_empty() {
        vec![Line::styled(
            ctx.strings.loading,
            ctx.style(Slot::TextMuted),
        )]
    } else {
        picker
            .people
            .iter()
            .enumerate()
            .map(|(i, (member, role))| {
                let slot = if i == picker.selected {
                    Slot::QueueSelected
                } else {
                    Slot::Text
                };
                Line::from(Span::styled(
                    format!(" {} ({role})", sanitize::line(member)),
                    ctx.style(slot),
                ))
            })
            .collect()
    };
    frame.render_widget(Paragraph::new(lines), inner);
}
