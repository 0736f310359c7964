//! The tab bar: channels with open counts and the breached-only toggle; on the full
//! screens, the screens one key away.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::tui::action::Action;
use crate::tui::keymap::Layer;
use crate::tui::state::{AppState, Screen, Tab};
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
        .first_key(&[Layer::Queue, Layer::Screen, Layer::Global], action)
        .map(|k| format!("{k}:"))
        .unwrap_or_default()
}

/// The screens with their keys, the current one highlighted; on a narrow terminal
/// without the keys, and narrower still only the current screen.
pub fn render_screens(frame: &mut Frame<'_>, area: Rect, state: &AppState, ctx: &ViewCtx<'_>) {
    let fits = |line: &Line<'_>| line.width() <= usize::from(area.width);
    let line = [(true, false), (false, false)]
        .into_iter()
        .map(|(keys, only_current)| screens_line(state, ctx, keys, only_current))
        .find(fits)
        .unwrap_or_else(|| screens_line(state, ctx, true, true));
    frame.render_widget(Paragraph::new(line), area);
}

fn screens_line(
    state: &AppState,
    ctx: &ViewCtx<'_>,
    keys: bool,
    only_current: bool,
) -> Line<'static> {
    let mut spans = Vec::new();
    for (screen, action) in [
        (Screen::Inbox, Action::ScreenInbox),
        (Screen::SyncHealth, Action::ScreenSyncHealth),
        (Screen::AuditLog, Action::ScreenAuditLog),
        (Screen::Analytics, Action::ScreenAnalytics),
        (Screen::Settings, Action::ScreenSettings),
    ] {
        let current = screen == state.screen;
        if only_current && !current && screen != Screen::Inbox {
            continue;
        }
        let slot = if current {
            Slot::TabActive
        } else {
            Slot::TabInactive
        };
        let prefix = if keys {
            key_prefix(&action, ctx)
        } else {
            String::new()
        };
        spans.push(Span::styled(
            format!(" {prefix}{} ", (ctx.strings.screen)(screen)),
            ctx.style(slot),
        ));
        spans.push(Span::raw(if keys { " " } else { "" }));
    }
    Line::from(spans)
}

pub fn render(frame: &mut Frame<'_>, area: Rect, state: &AppState, ctx: &ViewCtx<'_>) {
    // The roomiest form that fits: key hints and gaps go first on narrow terminals.
    let fits = |line: &Line<'_>| line.width() <= usize::from(area.width);
    let line = [true, false]
        .into_iter()
        .map(|keys| tab_line(state, ctx, keys))
        .find(fits)
        .unwrap_or_else(|| tab_line(state, ctx, false));
    frame.render_widget(Paragraph::new(line), area);
}

/// Shown for a count still being read.
pub const COUNTING: &str = "…";

fn tab_line(state: &AppState, ctx: &ViewCtx<'_>, keys: bool) -> Line<'static> {
    let prefix = |action: &Action| {
        if keys {
            key_prefix(action, ctx)
        } else {
            String::new()
        }
    };
    let gap = if keys { " " } else { "" };
    let mut spans = Vec::new();
    for tab in Tab::ALL {
        let slot = if tab == state.lens.tab {
            Slot::TabActive
        } else {
            Slot::TabInactive
        };
        let count = match state.queue.total {
            None => String::new(),
            Some(_) if state.counting => COUNTING.to_string(),
            Some(_) => state.counts.for_tab(tab).to_string(),
        };
        spans.push(Span::styled(
            format!(
                " {}{} {} ",
                prefix(&tab_action(tab)),
                label(tab, ctx),
                count
            ),
            ctx.style(slot),
        ));
        spans.push(Span::raw(gap));
    }
    if state.team.is_some() {
        let slot = if state.lens.mine.is_some() {
            Slot::TabActive
        } else {
            Slot::TabInactive
        };
        let label = crate::tui::team::mine_label(state.lang);
        spans.push(Span::styled(
            format!(" {}{label} ", prefix(&Action::MyItems)),
            ctx.style(slot),
        ));
        spans.push(Span::raw(gap));
    }
    let breached_slot = if state.lens.breached_only {
        Slot::TabActive
    } else {
        Slot::TabInactive
    };
    let mark = if state.lens.breached_only {
        "◉"
    } else {
        "○"
    };
    spans.push(Span::styled(
        format!(
            " {}{mark} {} ",
            prefix(&Action::ToggleBreached),
            ctx.strings.breached_filter
        ),
        ctx.style(breached_slot),
    ));
    if state.counts.breached > 0 && !state.counting {
        spans.push(Span::styled(
            format!("{} ", state.counts.breached),
            ctx.style(Slot::TabBreached),
        ));
    }
    Line::from(spans)
}
