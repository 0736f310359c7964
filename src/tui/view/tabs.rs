//! The tab bar: channels with open counts and the breached-only toggle.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::tui::action::Action;
use crate::tui::keymap::Layer;
use crate::tui::state::{AppState, Tab};
use crate::tui::theme::Slot;

use super::ViewCtx;

fn tab_action(tab: Tab) -> Action {
    match tab {
        Tab::All => Action::TabAll,
        Tab::Reviews => Action::TabReviews,
        Tab::Questions => Action::TabQuestions,
        Tab::Chats => Action::TabChats,
    }
}

pub fn label(tab: Tab, ctx: &ViewCtx<'_>) -> &'static str {
    let s = ctx.strings;
    match tab {
        Tab::All => s.tab_all,
        Tab::Reviews => s.tab_reviews,
        Tab::Questions => s.tab_questions,
        Tab::Chats => s.tab_chats,
    }
}

fn key_prefix(action: &Action, ctx: &ViewCtx<'_>) -> String {
    ctx.keymap
        .first_key(&[Layer::Queue, Layer::Global], action)
        .map(|k| format!("{k}:"))
        .unwrap_or_default()
}

pub fn render(frame: &mut Frame<'_>, area: Rect, state: &AppState, ctx: &ViewCtx<'_>) {
    let mut spans = Vec::new();
    for tab in Tab::ALL {
        let slot = if tab == state.tab {
            Slot::TabActive
        } else {
            Slot::TabInactive
        };
        let count = state
            .queue
            .total
            .map(|_| state.counts.for_tab(tab).to_string())
            .unwrap_or_default();
        spans.push(Span::styled(
            format!(
                " {}{} {} ",
                key_prefix(&tab_action(tab), ctx),
                label(tab, ctx),
                count
            ),
            ctx.style(slot),
        ));
        spans.push(Span::raw(" "));
    }
    let breached_slot = if state.breached_only {
        Slot::TabActive
    } else {
        Slot::TabInactive
    };
    let mark = if state.breached_only { "◉" } else { "○" };
    spans.push(Span::styled(
        format!(
            " {}{mark} {} ",
            key_prefix(&Action::ToggleBreached, ctx),
            ctx.strings.breached_filter
        ),
        ctx.style(breached_slot),
    ));
    if state.counts.breached > 0 {
        spans.push(Span::styled(
            format!("{} ", state.counts.breached),
            ctx.style(Slot::TabBreached),
        ));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
