//! The settings screen: the scope (global or one account), the sections as tabs, the
//! shown section's fields with their values and where each comes from, and the selected
//! field in full; a list being edited takes the lower part of the screen.

use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use ratatui::Frame;

use crate::settings::Scope;
use crate::tui::format;
use crate::tui::sanitize;
use crate::tui::settings_form::{self, Source};
use crate::tui::state::{AppState, Mode, Screen};
use crate::tui::theme::Slot;

use super::table::{self, Column};
use super::ViewCtx;

/// The key of the tab after the sections: what the account's drafts learnt.
const LEARNT_TAB: &str = "learnt";
/// The key of the tab after that: the prompt-version experiment.
const EXPERIMENT_TAB: &str = "experiment";

/// Rows kept for the selected field in full, when the screen is tall enough.
const FOOTER_ROWS: u16 = 4;

fn source_slot(source: Source) -> Slot {
    match source {
        Source::Default => Slot::TextMuted,
        Source::Global => Slot::Label,
        Source::Account => Slot::SettingOverride,
    }
}

/// The scope in words.
pub fn scope_name(state: &AppState, ctx: &ViewCtx<'_>) -> String {
    match state.settings.scope {
        Scope::Global => ctx.strings.settings_global.to_string(),
        Scope::Account(id) => state.accounts.iter().find(|a| a.id == id).map_or_else(
            || format!("#{id}"),
            |a| sanitize::line(&a.name).into_owned(),
        ),
    }
}

pub fn render(frame: &mut Frame<'_>, area: Rect, state: &AppState, ctx: &ViewCtx<'_>) {
    let s = ctx.strings;
    let st = &state.settings;
    let title = format!(
        " {} · {} ",
        (s.screen)(Screen::Settings),
        scope_name(state, ctx)
    );
    let block = ctx
        .pane(state.mode == Mode::Screen)
        .title(Span::styled(title, ctx.style(Slot::TextTitle)));
    let inner = super::inner(area);
    frame.render_widget(block, area);
    if inner.width == 0 || inner.height == 0 {
        return;
    }
    let Some(sections) = st.sections.as_ref() else {
        frame.render_widget(
            Paragraph::new(Span::styled(s.loading, ctx.style(Slot::TextMuted)))
                .alignment(Alignment::Center),
            Rect::new(inner.x, inner.y + inner.height / 2, inner.width, 1),
        );
        return;
    };
    let width = usize::from(inner.width);
    let mut keys: Vec<&str> = sections.iter().map(|l| l.key).collect();
    keys.push(LEARNT_TAB);
    keys.push(EXPERIMENT_TAB);
    frame.render_widget(
        Paragraph::new(section_tabs(&keys, st.section, ctx, width)),
        Rect::new(inner.x, inner.y, inner.width, 1),
    );
    if st.on_learnt_tab() {
        render_learnt(frame, inner, state, ctx);
        return;
    }
    if st.on_experiment_tab() {
        super::settings_experiment::render(frame, inner, state, ctx);
        return;
    }
    let editing = st.editing.as_ref().and_then(|e| e.textarea.as_ref());
    let (list_area, lower) = areas(inner, editing.is_some());
    render_fields(frame, list_area, state, ctx);
    match (editing, lower) {
        (Some(textarea), Some(r)) => render_list_editor(frame, r, textarea, state, ctx),
        (None, Some(r)) => render_selected_field(frame, r, state, ctx),
        _ => {}
    }
}

/// The list editor under the field table, titled with the field's path.
fn render_list_editor(
    frame: &mut Frame<'_>,
    r: Rect,
    textarea: &ratatui_textarea::TextArea<'_>,
    state: &AppState,
    ctx: &ViewCtx<'_>,
) {
    let name = state
        .settings
        .editing
        .as_ref()
        .map(|e| e.path.join("."))
        .unwrap_or_default();
    let block = Block::new()
        .borders(Borders::TOP)
        .border_style(ctx.style(Slot::BorderFocused))
        .title(Span::styled(
            format!(" {name} · {} ", ctx.strings.settings_editor_title),
            ctx.style(Slot::Label),
        ));
    let text_area = Rect::new(r.x, r.y + 1, r.width, r.height.saturating_sub(1));
    frame.render_widget(block, r);
    frame.render_widget(textarea, text_area);
}

/// The selected field's name and its value in full, under the field table.
fn render_selected_field(frame: &mut Frame<'_>, r: Rect, state: &AppState, ctx: &ViewCtx<'_>) {
    if let Some(field) = state.settings.selected_field() {
        let lines = vec![
            Line::styled(field.name(), ctx.style(Slot::Label)),
            Line::styled(
                sanitize::block(&settings_form::display(&field.value)).into_owned(),
                ctx.style(Slot::Text),
            ),
        ];
        frame.render_widget(
            Paragraph::new(lines).wrap(Wrap { trim: false }).block(
                Block::new()
                    .borders(Borders::TOP)
                    .border_style(ctx.style(Slot::Border)),
            ),
            r,
        );
    }
}

/// Below the section tabs: the field table, and the selected field in full or the list
/// editor under it.
fn areas(inner: Rect, editing: bool) -> (Rect, Option<Rect>) {
    let body = Rect::new(
        inner.x,
        inner.y + 1,
        inner.width,
        inner.height.saturating_sub(1),
    );
    if editing {
        // The list editor takes the lower half.
        let h = (body.height / 2).max(3).min(body.height);
        (
            Rect::new(body.x, body.y, body.width, body.height - h),
            Some(Rect::new(body.x, body.y + body.height - h, body.width, h)),
        )
    } else if body.height >= 8 + FOOTER_ROWS {
        (
            Rect::new(body.x, body.y, body.width, body.height - FOOTER_ROWS),
            Some(Rect::new(
                body.x,
                body.y + body.height - FOOTER_ROWS,
                body.width,
                FOOTER_ROWS,
            )),
        )
    } else {
        (body, None)
    }
}

/// The field rows under the table's header, and the first field shown.
fn field_rows(table: Rect, state: &AppState) -> (Rect, usize) {
    let list = Rect::new(
        table.x,
        table.y.saturating_add(1),
        table.width,
        table.height.saturating_sub(1),
    );
    let cursor = state.settings.cursor;
    // Keep the cursor on screen even when the editor shrank the list.
    let visible = usize::from(list.height).max(1);
    let scroll = if cursor.selected >= cursor.scroll + visible {
        cursor.selected + 1 - visible
    } else {
        cursor.scroll
    };
    (list, scroll)
}

/// The field under `at` on the settings screen drawn in `area` (the mouse's target).
pub fn field_at(area: Rect, state: &AppState, at: ratatui::layout::Position) -> Option<usize> {
    let st = &state.settings;
    st.sections.as_ref()?;
    let editing = st.editing.as_ref().is_some_and(|e| e.textarea.is_some());
    let (table, _) = areas(super::inner(area), editing);
    let (list, scroll) = field_rows(table, state);
    if !list.contains(at) {
        return None;
    }
    let index = scroll + usize::from(at.y - list.y);
    (index < st.fields.len()).then_some(index)
}

/// The sections in a row, the shown one highlighted; when they do not all fit, as many
/// as fit around the shown one, with arrows where more are hidden.
fn section_tabs(keys: &[&str], current: usize, ctx: &ViewCtx<'_>, width: usize) -> Line<'static> {
    let tab = |i: usize| {
        let slot = if i == current {
            Slot::TabActive
        } else {
            Slot::TabInactive
        };
        let name = keys
            .get(i)
            .map_or("", |k| (ctx.strings.settings_section)(k));
        Span::styled(format!(" {name} "), ctx.style(slot))
    };
    let width_of = |from: usize, to: usize| -> usize {
        let arrows = usize::from(from > 0) * 2 + usize::from(to < keys.len()) * 2;
        (from..to).map(|i| tab(i).width()).sum::<usize>() + arrows
    };
    let (mut from, mut to) = (current.min(keys.len()), (current + 1).min(keys.len()));
    loop {
        let grown_right = to < keys.len() && width_of(from, to + 1) <= width;
        if grown_right {
            to += 1;
        }
        let grown_left = from > 0 && width_of(from - 1, to) <= width;
        if grown_left {
            from -= 1;
        }
        if !grown_right && !grown_left {
            break;
        }
    }
    let mut spans = Vec::new();
    if from > 0 {
        spans.push(Span::styled("‹ ", ctx.style(Slot::TabInactive)));
    }
    spans.extend((from..to).map(tab));
    if to < keys.len() {
        spans.push(Span::styled(" ›", ctx.style(Slot::TabInactive)));
    }
    let line = Line::from(spans);
    if line.width() <= width {
        return line;
    }
    // Not even the shown section fits with its arrows: its name, cut.
    let name = keys
        .get(current)
        .map_or("", |k| (ctx.strings.settings_section)(k));
    Line::styled(format::truncate(name, width), ctx.style(Slot::TabActive))
}

fn render_fields(frame: &mut Frame<'_>, area: Rect, state: &AppState, ctx: &ViewCtx<'_>) {
    let s = ctx.strings;
    let st = &state.settings;
    if area.height == 0 {
        return;
    }
    if st.fields.is_empty() {
        frame.render_widget(
            Paragraph::new(Span::styled(s.settings_empty, ctx.style(Slot::TextMuted))),
            area,
        );
        return;
    }
    let columns = [
        Column::new(s.settings_field, 14, true, 0),
        Column::new(s.settings_value, 12, true, 1),
        Column::new(s.settings_source, 12, false, 2),
    ];
    let widths = table::widths(&columns, usize::from(area.width));
    table::render_header(
        frame,
        Rect::new(area.x, area.y, area.width, 1),
        &columns,
        &widths,
        ctx,
    );
    let (list, scroll) = field_rows(area, state);
    let cursor = st.cursor;
    let visible = usize::from(list.height).max(1);
    let lines: Vec<Line<'static>> = st
        .fields
        .iter()
        .enumerate()
        .skip(scroll)
        .take(visible)
        .map(|(i, f)| {
            let value_slot = match f.source {
                Source::Default => Slot::Text,
                other => source_slot(other),
            };
            let cells = vec![
                (f.name(), ctx.style(Slot::Text)),
                (
                    sanitize::line(&settings_form::display(&f.value)).into_owned(),
                    ctx.style(value_slot),
                ),
                (
                    (s.setting_source)(f.source).to_string(),
                    ctx.style(source_slot(f.source)),
                ),
            ];
            let line = table::row(cells, &widths);
            if i == cursor.selected {
                line.style(ctx.style(Slot::QueueSelected))
            } else {
                line
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), list);
}

/// The "learnt" tab: what the account's drafts learnt from the seller's edits, one row
/// per phrase and per channel's length, the selected one in full with the key that
/// forgets it.
fn render_learnt(frame: &mut Frame<'_>, inner: Rect, state: &AppState, ctx: &ViewCtx<'_>) {
    let s = ctx.strings;
    let st = &state.settings;
    let (table_area, footer) = areas(inner, false);
    let message = match (&st.scope, &st.learnt) {
        (Scope::Global, _) => Some(s.learnt_needs_account),
        (_, None) => Some(s.loading),
        (_, Some(l)) if l.phrases.is_empty() && l.lengths.is_empty() => Some(s.learnt_empty),
        _ => None,
    };
    if let Some(message) = message {
        frame.render_widget(
            Paragraph::new(Span::styled(message, ctx.style(Slot::TextMuted)))
                .wrap(Wrap { trim: false }),
            table_area,
        );
        return;
    }
    let Some(learnt) = &st.learnt else {
        return;
    };
    let columns = [
        Column::new(s.learnt_columns[0], 9, false, 1),
        Column::new(s.learnt_columns[1], 8, false, 2),
        Column::new(s.learnt_columns[2], 16, true, 0),
        Column::new(s.learnt_columns[3], 14, false, 3),
    ];
    let widths = table::widths(&columns, usize::from(table_area.width));
    table::render_header(
        frame,
        Rect::new(table_area.x, table_area.y, table_area.width, 1),
        &columns,
        &widths,
        ctx,
    );
    let rows = learnt_rows(learnt, ctx);
    let (list, scroll) = field_rows(table_area, state);
    let visible = usize::from(list.height).max(1);
    let lines: Vec<Line<'static>> = rows
        .iter()
        .enumerate()
        .skip(scroll)
        .take(visible)
        .map(|(i, (kind, channel, phrase, seen))| {
            let line = table::row(
                vec![
                    (kind.clone(), ctx.style(Slot::Label)),
                    (channel.clone(), ctx.style(Slot::TextMuted)),
                    (phrase.clone(), ctx.style(Slot::Text)),
                    (seen.clone(), ctx.style(Slot::TextMuted)),
                ],
                &widths,
            );
            if i == st.cursor.selected {
                line.style(ctx.style(Slot::QueueSelected))
            } else {
                line
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), list);
    if let Some(r) = footer {
        let selected = rows
            .get(st.cursor.selected)
            .map(|(_, _, phrase, _)| phrase.clone())
            .unwrap_or_default();
        render_learnt_footer(frame, r, selected, ctx);
    }
}

/// One row per learnt phrase, then one per channel's learnt length: kind, channel, the
/// phrase (or the length), and how often it was seen (marked when that is enough).
fn learnt_rows(
    learnt: &crate::learning::Learnt,
    ctx: &ViewCtx<'_>,
) -> Vec<(String, String, String, String)> {
    let s = ctx.strings;
    let min = i64::from(learnt.min_evidence);
    learnt
        .phrases
        .iter()
        .map(|p| {
            let channel = if p.channel.is_empty() {
                "*"
            } else {
                p.channel.as_str()
            };
            (
                (s.learnt_kind)(&p.kind).to_string(),
                channel.to_string(),
                sanitize::line(&p.phrase).into_owned(),
                (s.learnt_seen)(p.seen, p.seen >= min),
            )
        })
        .chain(learnt.lengths.iter().map(|l| {
            (
                (s.learnt_kind)("length").to_string(),
                sanitize::line(&l.channel).into_owned(),
                format!("≈{}", l.mean_chars.round()),
                (s.learnt_seen)(l.samples, l.samples >= crate::learning::MIN_LENGTH_SAMPLES),
            )
        }))
        .collect()
}

/// The key that forgets, and the selected phrase in full.
fn render_learnt_footer(frame: &mut Frame<'_>, r: Rect, selected: String, ctx: &ViewCtx<'_>) {
    let lines = vec![
        Line::styled(ctx.strings.learnt_hint, ctx.style(Slot::Label)),
        Line::styled(selected, ctx.style(Slot::Text)),
    ];
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(
            Block::new()
                .borders(Borders::TOP)
                .border_style(ctx.style(Slot::Border)),
        ),
        r,
    );
}
