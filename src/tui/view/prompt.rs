//! The search or filter line, in place of the key hints while it is open.

use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::Span;
use ratatui::widgets::{Block, Paragraph};
use ratatui::Frame;

use crate::tui::format;
use crate::tui::state::{AppState, PromptKind};
use crate::tui::theme::Slot;

use super::ViewCtx;

pub fn render(frame: &mut Frame<'_>, area: Rect, state: &AppState, ctx: &ViewCtx<'_>) {
    let Some(prompt) = &state.prompt else {
        return;
    };
    let s = ctx.strings;
    let (label, placeholder) = match prompt.kind {
        PromptKind::Search => (s.prompt_search.to_string(), s.prompt_search_placeholder),
        PromptKind::Filter => (s.prompt_filter.to_string(), s.prompt_filter_placeholder),
        PromptKind::GoLive => (s.go_live_prompt.to_string(), s.live_word),
        PromptKind::ExperimentName => (
            s.experiment_name_prompt.to_string(),
            s.experiment_name_placeholder,
        ),
        PromptKind::Setting => (
            state
                .settings
                .editing
                .as_ref()
                .map(|e| e.path.join("."))
                .unwrap_or_default(),
            s.settings_prompt_placeholder,
        ),
    };
    let label = format!(" {label}: ");
    let label_width = (format::width(&label) as u16).min(area.width);
    frame.render_widget(Block::new().style(ctx.style(Slot::Prompt)), area);
    frame.render_widget(
        Paragraph::new(Span::styled(label, ctx.style(Slot::Prompt))),
        Rect::new(area.x, area.y, label_width, area.height),
    );
    let input = Rect::new(
        area.x + label_width,
        area.y,
        area.width - label_width,
        area.height,
    );
    if prompt.textarea.is_empty() {
        // The cursor, then an example of what can be typed.
        frame.render_widget(
            Paragraph::new(ratatui::text::Line::from(vec![
                Span::styled(" ", Style::default().add_modifier(Modifier::REVERSED)),
                Span::styled(
                    format::truncate(placeholder, usize::from(input.width.saturating_sub(1))),
                    ctx.style(Slot::TextMuted),
                ),
            ])),
            input,
        );
    } else {
        frame.render_widget(&prompt.textarea, input);
    }
}
