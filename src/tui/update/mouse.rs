//! The mouse: a click selects a queue row (or a row of a full screen) and focuses the
//! pane under it; the wheel scrolls what is under the pointer. While text is being typed
//! (editor, confirmation, search line) the mouse leaves the keyboard's work alone.

use ratatui::layout::{Position, Rect};

use super::super::action::{Effect, MouseInput, MouseKind};
use super::super::layout;
use super::super::state::{AppState, Mode, Screen};
use super::super::view::detail_in_front;
use super::{queue, reply, screens};

/// Rows one wheel notch moves.
const WHEEL_ROWS: usize = 3;

pub(super) fn handle(state: &mut AppState, input: MouseInput, fx: &mut Vec<Effect>) {
    let at = Position::new(input.column, input.row);
    let area = Rect::new(0, 0, state.width, state.height);
    let body = layout::frame(area).body;
    let wheel: isize = match input.kind {
        MouseKind::Click => 0,
        MouseKind::WheelUp => -(WHEEL_ROWS as isize),
        MouseKind::WheelDown => WHEEL_ROWS as isize,
    };
    match state.mode {
        Mode::Editor | Mode::Confirm | Mode::Prompt | Mode::Picker | Mode::Override => return,
        Mode::Help => {
            let by = wheel.unsigned_abs() as u16;
            state.help_scroll = if wheel < 0 {
                state.help_scroll.saturating_sub(by)
            } else {
                state.help_scroll.saturating_add(by)
            };
            return;
        }
        Mode::Queue | Mode::Detail | Mode::Screen => {}
    }
    if state.screen != Screen::Inbox {
        let list = layout::screen_list(body).list;
        let (selected, scroll) = match state.screen {
            Screen::SyncHealth => (state.health.cursor.selected, state.health.cursor.scroll),
            Screen::Settings => (state.settings.cursor.selected, state.settings.cursor.scroll),
            Screen::Analytics => (state.analytics.selected, 0),
            Screen::CustomerHistory => (
                state.customer_history.cursor.selected,
                state.customer_history.cursor.scroll,
            ),
            _ => (state.audit.cursor.selected, state.audit.cursor.scroll),
        };
        // Analytics and settings lay out their own rows: their views say which is where.
        let clicked = match state.screen {
            Screen::Settings => super::super::view::settings::field_at(body, state, at),
            Screen::Analytics => super::super::view::analytics::metric_at(body, state, at),
            _ => list
                .contains(at)
                .then(|| scroll + usize::from(at.y - list.y)),
        };
        let target = if wheel != 0 {
            selected.saturating_add_signed(wheel)
        } else if let Some(row) = clicked {
            row
        } else {
            return;
        };
        screens::move_screen_cursor(state, target, fx);
        return;
    }
    let panes = layout::body(body, detail_in_front(state));
    if let Some(queue_area) = panes.queue.filter(|r| r.contains(at)) {
        if wheel != 0 {
            queue::scroll_by(state, wheel, fx);
            return;
        }
        let inner = super::super::view::inner(queue_area);
        if !inner.contains(at) {
            return;
        }
        let per_item = usize::from(layout::rows_per_item(state.height));
        let index = state.queue.scroll + usize::from(at.y - inner.y) / per_item.max(1);
        state.mode = Mode::Queue;
        if index < state.queue.total() {
            queue::select(state, index, fx);
        }
    } else if panes.right.is_some_and(|r| r.contains(at)) {
        if wheel != 0 {
            reply::scroll_detail(state, i32::try_from(wheel).unwrap_or(0));
        } else if state.detail.is_some() {
            state.mode = Mode::Detail;
        }
    }
}
