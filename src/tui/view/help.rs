//! The help overlay: every binding of the live keymap, by mode, with what it does.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui::Frame;

use crate::tui::action::Action;
use crate::tui::format;
use crate::tui::keymap::{display_chord, Keymap, Layer};
use crate::tui::layout;
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

/// The overlay's lines.
pub fn lines(ctx: &ViewCtx<'_>) -> Vec<Line<'static>> {
    let s = ctx.strings;
    let mut lines = Vec::new();
    for layer in Layer::ALL {
        let groups = grouped(ctx.keymap, layer);
        if groups.is_empty() {
            continue;
        }
        if !lines.is_empty() {
            lines.push(Line::default());
        }
        lines.push(Line::styled(
            format!("{} [{}]", (s.layer)(layer), layer.name()),
            ctx.style(Slot::TextTitle),
        ));
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
    lines.push(Line::default());
    lines.push(Line::styled(s.help_footer, ctx.style(Slot::TextMuted)));
    lines
}

pub fn render(frame: &mut Frame<'_>, area: Rect, state: &AppState, ctx: &ViewCtx<'_>) {
    let popup = layout::centered(
        area,
        area.width.saturating_sub(4).min(78),
        area.height.saturating_sub(2),
    );
    let lines = lines(ctx);
    let visible = usize::from(popup.height.saturating_sub(2));
    let max_scroll = lines.len().saturating_sub(visible);
    let scroll = usize::from(state.help_scroll).min(max_scroll) as u16;
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines)
            .style(ctx.style(Slot::Overlay))
            .scroll((scroll, 0))
            .block(
                Block::new()
                    .borders(Borders::ALL)
                    .border_style(ctx.style(Slot::BorderFocused))
                    .title(Span::styled(
                        format!(" {} ", ctx.strings.help_title),
                        ctx.style(Slot::TextTitle),
                    )),
            ),
        popup,
    );
}
