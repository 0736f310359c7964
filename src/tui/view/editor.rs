//! The reply editor under the detail pane, and the send confirmation.

use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui::Frame;

use crate::tui::action::Action;
use crate::tui::keymap::Layer;
use crate::tui::layout;
use crate::tui::state::{AppState, Mode};
use crate::tui::theme::Slot;

use super::ViewCtx;

pub fn render(frame: &mut Frame<'_>, area: Rect, state: &AppState, ctx: &ViewCtx<'_>) {
    let Some(editor) = &state.editor else {
        return;
    };
    let s = ctx.strings;
    let count = editor.char_count();
    let counter_slot = if editor.over_limit() {
        Slot::EditorOverLimit
    } else {
        Slot::EditorCounter
    };
    let block = ctx
        .pane(matches!(
            state.mode,
            Mode::Editor | Mode::Confirm | Mode::Picker
        ))
        .title(Span::styled(
            format!(
                " {} · {} {} ",
                s.editor_title,
                (s.channel_name)(editor.channel),
                editor.marketplace.mark()
            ),
            ctx.style(Slot::TextTitle),
        ))
        .title_top(
            Line::from(Span::styled(
                format!(" {count}/{} ", editor.max_chars),
                ctx.style(counter_slot),
            ))
            .right_aligned(),
        );
    let inner = super::inner(area);
    frame.render_widget(block, area);
    if inner.width == 0 || inner.height == 0 {
        return;
    }
    frame.render_widget(Block::new().style(ctx.style(Slot::EditorText)), inner);
    frame.render_widget(&editor.textarea, inner);
}

/// "Send the reply? y/n" over the screen, keys taken from the live keymap.
pub fn render_confirm(frame: &mut Frame<'_>, area: Rect, state: &AppState, ctx: &ViewCtx<'_>) {
    let s = ctx.strings;
    let layers = [Layer::Confirm];
    let yes = ctx
        .keymap
        .first_key(&layers, &Action::Confirm)
        .unwrap_or_default();
    let no = ctx
        .keymap
        .first_key(&layers, &Action::Cancel)
        .unwrap_or_default();
    let count = state.editor.as_ref().map_or(0, |e| e.char_count());
    let lines = vec![
        Line::styled(
            format!("{} ({count})", s.confirm_question),
            ctx.style(Slot::TextTitle),
        ),
        Line::from(vec![
            Span::styled(yes, ctx.style(Slot::StatusKey)),
            Span::styled(format!(" {}   ", s.confirm_yes), ctx.style(Slot::Overlay)),
            Span::styled(no, ctx.style(Slot::StatusKey)),
            Span::styled(format!(" {}", s.confirm_no), ctx.style(Slot::Overlay)),
        ]),
    ];
    let width = lines.iter().map(Line::width).max().unwrap_or(0) as u16 + 4;
    let popup = layout::centered(area, width, 4);
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines)
            .alignment(Alignment::Center)
            .style(ctx.style(Slot::Overlay))
            .block(
                Block::new()
                    .borders(Borders::ALL)
                    .border_style(ctx.style(Slot::BorderFocused))
                    .title(Span::styled(
                        format!(" {} ", s.confirm_title),
                        ctx.style(Slot::TextTitle),
                    )),
            ),
        popup,
    );
}
