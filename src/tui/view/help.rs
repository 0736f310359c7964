//! The help overlay: every binding of the live keymap, by mode, with what it does;
//! typing narrows it.

use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui::Frame;

use crate::tui::action::Action;
use crate::tui::format;
use crate::tui::keymap::{display_chord, Keymap, Layer};
use crate::tui::layout;
use crate::tui::sanitize;
use crate::tui::state::AppState;
use crate::tui::theme::Slot;

use super::ViewCtx;

/// Bindings of `layer` grouped by action, in keymap order: (action, keys).
pub fn grouped(keymap: &Keymap, layer: Layer) -> Vec<(Action, Vec<String>)> {
    let mut out: Vec<(Action, Vec<String>)> = Vec::new();
    for (keys, action) in keymap.bindings(layer) {
        let key = display_chord(keys);
        match out.iter_mut().find(|(a, _)| a == action) {
            Some((_, list)) => list.push(key),
            None => out.push((action.clone(), vec![key])),
        }
    }
    out
}

/// Text folded for matching: lower case, ё as е.
fn fold(s: &str) -> String {
    s.to_lowercase().replace('ё', "е")
}

/// The overlay's lines, only the bindings matching `filter` (by what they do, the
/// action's name, a key, or the mode) when it is not empty.
pub fn lines(ctx: &ViewCtx<'_>, filter: &str) -> Vec<Line<'static>> {
    let s = ctx.strings;
    let wanted = fold(filter.trim());
    let mut lines = Vec::new();
    for layer in Layer::ALL {
        let layer_title = format!("{} [{}]", (s.layer)(layer), layer.name());
        let layer_matches = !wanted.is_empty() && fold(&layer_title).contains(&wanted);
        let groups: Vec<(Action, Vec<String>)> = grouped(ctx.keymap, layer)
            .into_iter()
            .filter(|(action, keys)| {
                wanted.is_empty()
                    || layer_matches
                    || fold((s.action)(action)).contains(&wanted)
                    || action.name().is_some_and(|n| n.contains(&wanted))
                    || keys.iter().any(|k| fold(k) == wanted)
            })
            .collect();
        if groups.is_empty() {
            continue;
        }
        if !lines.is_empty() {
            lines.push(Line::default());
        }
        lines.push(Line::styled(layer_title, ctx.style(Slot::TextTitle)));
        for (action, keys) in groups {
            let keys = keys.join(", ");
            lines.push(Line::from(vec![
                Span::styled(
                    format!("  {} ", format::fit(&keys, 20)),
                    ctx.style(Slot::StatusKey),
                ),
                Span::styled((s.action)(&action), ctx.style(Slot::Text)),
                Span::styled(
                    format!("  {}", action.name().unwrap_or_default()),
                    ctx.style(Slot::TextMuted),
                ),
            ]));
        }
    }
    if lines.is_empty() {
        lines.push(Line::styled(s.help_no_match, ctx.style(Slot::TextMuted)));
    }
    lines.push(Line::default());
    lines.push(Line::styled(s.help_footer, ctx.style(Slot::TextMuted)));
    lines
}

/// The keymap's and theme's problems, each in full, wrapped at `width` cells.
fn problem_lines(problems: &[String], width: usize, ctx: &ViewCtx<'_>) -> Vec<Line<'static>> {
    let mut lines = vec![Line::styled(
        ctx.strings.help_config_problems,
        ctx.style(Slot::StatusError),
    )];
    for problem in problems {
        let text = sanitize::line(problem);
        for (i, row) in wrap(&text, width.saturating_sub(2).max(10))
            .into_iter()
            .enumerate()
        {
            let lead = if i == 0 { "• " } else { "  " };
            lines.push(Line::styled(format!("{lead}{row}"), ctx.style(Slot::Text)));
        }
    }
    lines.push(Line::default());
    lines
}

/// `text` in rows of at most `width` cells, broken at spaces where it can be (a word
/// longer than a row, like a path, is broken where the row ends).
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut rows = Vec::new();
    let mut row = String::new();
    for word in text.split(' ') {
        let sep = usize::from(!row.is_empty());
        if format::width(&row) + sep + format::width(word) <= width {
            if sep == 1 {
                row.push(' ');
            }
            row.push_str(word);
            continue;
        }
        if !row.is_empty() {
            rows.push(std::mem::take(&mut row));
        }
        for c in word.chars() {
            if format::width(&row) + format::width(c.encode_utf8(&mut [0; 4])) > width {
                rows.push(std::mem::take(&mut row));
            }
            row.push(c);
        }
    }
    if !row.is_empty() || rows.is_empty() {
        rows.push(row);
    }
    rows
}

pub fn render(frame: &mut Frame<'_>, area: Rect, state: &AppState, ctx: &ViewCtx<'_>) {
    let popup = layout::centered(
        area,
        area.width.saturating_sub(4).min(78),
        area.height.saturating_sub(2),
    );
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(ctx.style(Slot::BorderFocused))
        .title(Span::styled(
            format!(" {} ", ctx.strings.help_title),
            ctx.style(Slot::TextTitle),
        ));
    let inner = block.inner(popup);
    frame.render_widget(Clear, popup);
    frame.render_widget(block.style(ctx.style(Slot::Overlay)), popup);
    if inner.height == 0 {
        return;
    }
    // The filter line: what has been typed, and a cursor.
    let find = Line::from(vec![
        Span::styled(
            format!("{}: ", ctx.strings.help_filter),
            ctx.style(Slot::Label),
        ),
        Span::styled(
            sanitize::line(&state.help_filter).into_owned(),
            ctx.style(Slot::Prompt),
        ),
        Span::styled(" ", Style::default().add_modifier(Modifier::REVERSED)),
    ]);
    frame.render_widget(
        Paragraph::new(find),
        Rect::new(inner.x, inner.y, inner.width, 1),
    );
    let list = Rect::new(
        inner.x,
        inner.y + 1,
        inner.width,
        inner.height.saturating_sub(1),
    );
    let mut lines = lines(ctx, &state.help_filter);
    if state.help_filter.trim().is_empty() && !state.config_problems.is_empty() {
        let mut first = problem_lines(&state.config_problems, usize::from(list.width), ctx);
        first.append(&mut lines);
        lines = first;
    }
    let visible = usize::from(list.height);
    let max_scroll = lines.len().saturating_sub(visible);
    let scroll = usize::from(state.help_scroll).min(max_scroll) as u16;
    frame.render_widget(
        Paragraph::new(lines)
            .style(ctx.style(Slot::Overlay))
            .scroll((scroll, 0)),
        list,
    );
}
