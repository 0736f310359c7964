//! Drawing: pure functions of `&AppState` plus the theme, keymap and text table. Nothing
//! here changes state or reads the store.

pub mod analytics;
pub mod audit;
pub mod clock;
pub mod detail;
pub mod detail_customer;
pub mod editor;
pub mod health;
pub mod help;
pub mod history;
pub mod picker;
pub mod prompt;
pub mod queue;
pub mod settings;
pub mod settings_experiment;
pub mod status;
pub mod table;
pub mod tabs;

use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::widgets::{Block, BorderType, Borders};
use ratatui::Frame;

use super::keymap::Keymap;
use super::layout;
use super::state::{AppState, Mode, Screen};
use super::strings::Strings;
use super::theme::{Slot, Theme};

/// What every view needs besides the state.
#[derive(Clone, Copy)]
pub struct ViewCtx<'a> {
    pub theme: &'a Theme,
    pub keymap: &'a Keymap,
    pub strings: &'a Strings,
}

impl ViewCtx<'_> {
    pub fn style(&self, slot: Slot) -> Style {
        self.theme.style(slot)
    }

    /// A bordered block, highlighted when it has the keyboard.
    pub fn pane(&self, focused: bool) -> Block<'static> {
        let (slot, kind) = if focused {
            (Slot::BorderFocused, BorderType::Thick)
        } else {
            (Slot::Border, BorderType::Plain)
        };
        Block::new()
            .borders(Borders::ALL)
            .border_type(kind)
            .border_style(self.style(slot))
    }
}

/// Whether a narrow terminal should show the detail pane instead of the queue.
pub fn detail_in_front(state: &AppState) -> bool {
    match state.mode {
        Mode::Editor if state.screen == Screen::Settings => false,
        Mode::Picker if state.intent_picker.is_some() => state
            .intent_picker
            .as_ref()
            .is_some_and(|p| p.return_to == Mode::Detail),
        Mode::Detail | Mode::Editor | Mode::Confirm | Mode::Picker | Mode::Override => true,
        Mode::Help => state.help_return == Mode::Detail,
        Mode::Queue | Mode::Prompt | Mode::Screen => false,
    }
}

/// Draws the whole screen.
pub fn draw(frame: &mut Frame<'_>, state: &AppState, ctx: &ViewCtx<'_>) {
    let area = frame.area();
    if area.width == 0 || area.height == 0 {
        return;
    }
    frame.render_widget(Block::new().style(ctx.style(Slot::Base)), area);
    let rows = layout::frame(area);
    if let Some(r) = rows.tabs {
        match state.screen {
            Screen::Inbox => tabs::render(frame, r, state, ctx),
            _ => tabs::render_screens(frame, r, state, ctx),
        }
    }
    match state.screen {
        Screen::Inbox => {
            let body = layout::body(rows.body, detail_in_front(state));
            if let Some(r) = body.queue {
                queue::render(frame, r, state, ctx);
            }
            if let Some(r) = body.right {
                let (detail_area, editor_area) = layout::right(r, state.editor.is_some());
                detail::render(frame, detail_area, state, ctx);
                if let Some(e) = editor_area {
                    editor::render(frame, e, state, ctx);
                }
            }
        }
        Screen::SyncHealth => health::render(frame, rows.body, state, ctx),
        Screen::AuditLog => audit::render(frame, rows.body, state, ctx),
        Screen::Analytics => analytics::render(frame, rows.body, state, ctx),
        Screen::Settings => settings::render(frame, rows.body, state, ctx),
        Screen::CustomerHistory => history::render(frame, rows.body, state, ctx),
    }
    if let Some(r) = rows.status {
        status::render_status(frame, r, state, ctx);
    }
    if let Some(r) = rows.hints {
        if state.mode == Mode::Prompt {
            prompt::render(frame, r, state, ctx);
        } else {
            status::render_hints(frame, r, state, ctx);
        }
    }
    match state.mode {
        Mode::Confirm => editor::render_confirm(frame, area, state, ctx),
        Mode::Help => help::render(frame, area, state, ctx),
        Mode::Picker => picker::render(frame, area, state, ctx),
        Mode::Override => editor::render_override(frame, area, state, ctx),
        _ => {}
    }
}

/// `area` shrunk by a border on every side (empty when too small).
pub(crate) fn inner(area: Rect) -> Rect {
    Rect::new(
        area.x.saturating_add(1),
        area.y.saturating_add(1),
        area.width.saturating_sub(2),
        area.height.saturating_sub(2),
    )
}
