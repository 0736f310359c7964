//! Everything that is not the queue or the reply: the full screens (sync health, audit
//! log), the help overlay and its filter, and the search/filter line.

use ratatui::style::Style;
use ratatui_textarea::{CursorMove, Input, Key, TextArea};

use super::super::action::{Action, AuditRequest, Effect};
use super::super::lens::Lens;
use super::super::reads::{AuditSnapshot, HealthRow};
use super::super::state::{AppState, Mode, Notice, Prompt, PromptKind, Screen};
use super::{notify, queue};

/// Shows `screen`; the inbox keeps its queue, other screens are read afresh.
pub(super) fn set_screen(state: &mut AppState, screen: Screen, fx: &mut Vec<Effect>) {
    if state.screen == screen {
        return;
    }
    state.screen = screen;
    match screen {
        Screen::Inbox => state.mode = Mode::Queue,
        Screen::SyncHealth => {
            state.mode = Mode::Screen;
            fx.push(Effect::LoadHealth);
        }
        Screen::AuditLog => {
            state.mode = Mode::Screen;
            state.audit = Default::default();
            reload_audit(state, fx);
        }
        Screen::Analytics => {
            state.mode = Mode::Screen;
            super::analytics::request(state, fx);
        }
        Screen::Settings => {
            state.mode = Mode::Screen;
            super::settings::reload(state, fx);
        }
        Screen::CustomerHistory => state.mode = Mode::Screen,
    }
}

/// Opens the history of the customer of the item on show, the cursor on that item; a
/// notice when the item has no linked customer. The profile came with the item's
/// detail, so nothing is read.
pub(super) fn open_customer_history(state: &mut AppState, fx: &mut Vec<Effect>) {
    let shown = match &state.editor {
        Some(e) => Some(e.interaction_id),
        None => state.queue.selected_id,
    };
    let Some(detail) = state
        .detail
        .as_ref()
        .filter(|d| Some(d.interaction.id) == shown)
    else {
        notify(
            state,
            if shown.is_some() {
                Notice::DetailLoading
            } else {
                Notice::NothingSelected
            },
        );
        return;
    };
    let Some(extras) = detail.extras.as_ref() else {
        notify(state, Notice::DetailLoading);
        return;
    };
    let Some(profile) = extras.customer.clone() else {
        notify(state, Notice::NoCustomer);
        return;
    };
    let current = detail.interaction.id;
    let at = profile
        .items
        .iter()
        .position(|i| i.id == current)
        .unwrap_or(0);
    let len = profile.items.len();
    state.customer_history = super::super::state::HistoryView {
        profile: Some(profile),
        current: Some(current),
        cursor: Default::default(),
    };
    let v = state.visible_screen_rows();
    state.customer_history.cursor.select(at, len, v);
    set_screen(state, Screen::CustomerHistory, fx);
}

fn history_len(state: &AppState) -> usize {
    state
        .customer_history
        .profile
        .as_ref()
        .map_or(0, |p| p.items.len())
}

/// What every full screen does with keys it has no use for: Esc goes back to the inbox,
/// the rest means what it means everywhere.
pub(super) fn screen_common(state: &mut AppState, action: Action, fx: &mut Vec<Effect>) {
    match action {
        Action::Cancel => set_screen(state, Screen::Inbox, fx),
        other => super::common(state, other, fx),
    }
}

pub(super) fn on_resize(state: &mut AppState, fx: &mut Vec<Effect>) {
    let v = state.visible_screen_rows();
    let len = state.health.rows.as_ref().map_or(0, Vec::len);
    let c = state.health.cursor;
    state.health.cursor.select(c.selected, len, v);
    let total = state.audit.total.unwrap_or(0);
    let c = state.audit.cursor;
    state.audit.cursor.select(c.selected, total, v);
    let len = history_len(state);
    let c = state.customer_history.cursor;
    state.customer_history.cursor.select(c.selected, len, v);
    if state.screen == Screen::AuditLog {
        request_audit_if_needed(state, fx);
    }
}

pub(super) fn screen_mode(state: &mut AppState, action: Action, fx: &mut Vec<Effect>) {
    let v = state.visible_screen_rows();
    let (len, cursor) = match state.screen {
        Screen::SyncHealth => (
            state.health.rows.as_ref().map_or(0, Vec::len),
            state.health.cursor,
        ),
        Screen::AuditLog => (state.audit.total.unwrap_or(0), state.audit.cursor),
        Screen::CustomerHistory => (history_len(state), state.customer_history.cursor),
        Screen::Analytics => return super::analytics::screen_mode(state, action, fx),
        Screen::Settings => return super::settings::screen_mode(state, action, fx),
        Screen::Inbox => return super::common(state, action, fx),
    };
    let target = match action {
        Action::MoveDown => cursor.selected.saturating_add(1),
        Action::MoveUp => cursor.selected.saturating_sub(1),
        Action::Top => 0,
        Action::Bottom => len.saturating_sub(1),
        Action::PageDown => cursor.selected.saturating_add(v),
        Action::PageUp => cursor.selected.saturating_sub(v),
        Action::Cancel => return set_screen(state, Screen::Inbox, fx),
        Action::Refresh => {
            match state.screen {
                Screen::SyncHealth => fx.push(Effect::LoadHealth),
                // The history is the profile read with the item; Esc and `o` re-open it.
                Screen::CustomerHistory => {}
                _ => reload_audit(state, fx),
            }
            return;
        }
        // Keys of the analytics and settings screens; here they would change the inbox.
        Action::CyclePeriod
        | Action::CycleAccount
        | Action::NextTab
        | Action::PrevTab
        | Action::Confirm
        | Action::ResetSetting => return,
        other => return super::common(state, other, fx),
    };
    move_screen_cursor(state, target, fx);
}

/// Moves the selection of the current full screen to `index`.
pub(super) fn move_screen_cursor(state: &mut AppState, index: usize, fx: &mut Vec<Effect>) {
    let v = state.visible_screen_rows();
    match state.screen {
        Screen::SyncHealth => {
            let len = state.health.rows.as_ref().map_or(0, Vec::len);
            state.health.cursor.select(index, len, v);
        }
        Screen::AuditLog => {
            let total = state.audit.total.unwrap_or(0);
            state.audit.cursor.select(index, total, v);
            request_audit_if_needed(state, fx);
        }
        Screen::Settings => {
            let len = state.settings.fields.len();
            state.settings.cursor.select(index, len, v);
        }
        Screen::Analytics => {
            let last = crate::analytics::MetricKind::ALL.len() - 1;
            state.analytics.selected = index.min(last);
        }
        Screen::CustomerHistory => {
            let len = history_len(state);
            state.customer_history.cursor.select(index, len, v);
        }
        Screen::Inbox => {}
    }
}

pub(super) fn health_loaded(state: &mut AppState, rows: Vec<HealthRow>) {
    let v = state.visible_screen_rows();
    let c = state.health.cursor;
    state.health.cursor.select(c.selected, rows.len(), v);
    state.health.rows = Some(rows);
}

fn audit_request(state: &AppState, with_total: bool) -> AuditRequest {
    let v = state.visible_screen_rows();
    let m = queue::margin(v);
    AuditRequest {
        offset: state.audit.cursor.scroll.saturating_sub(m),
        limit: v + 2 * m,
        with_total,
    }
}

/// Re-reads the visible page of the audit log and its size.
pub(super) fn reload_audit(state: &mut AppState, fx: &mut Vec<Effect>) {
    fx.push(Effect::LoadAudit(audit_request(state, true)));
}

fn request_audit_if_needed(state: &mut AppState, fx: &mut Vec<Effect>) {
    let v = state.visible_screen_rows();
    if state.audit.total.is_none() {
        reload_audit(state, fx);
    } else if !state.audit.covers(state.audit.cursor.scroll, v) {
        fx.push(Effect::LoadAudit(audit_request(state, false)));
    }
}

pub(super) fn audit_loaded(state: &mut AppState, snap: AuditSnapshot, fx: &mut Vec<Effect>) {
    let a = &mut state.audit;
    // The newest entry the cursor was on, so new entries above do not move it.
    let old_id = a.row(a.cursor.selected).map(|r| r.id);
    let screen_row = a.cursor.selected.saturating_sub(a.cursor.scroll);
    if let Some(total) = snap.total {
        a.total = Some(total);
    }
    a.offset = snap.request.offset;
    a.rows = snap.rows;
    if let Some(pos) = old_id.and_then(|id| a.rows.iter().position(|r| r.id == id)) {
        a.cursor.selected = a.offset + pos;
        a.cursor.scroll = a.cursor.selected.saturating_sub(screen_row);
    }
    let c = a.cursor;
    let v = state.visible_screen_rows();
    state
        .audit
        .cursor
        .select(c.selected, state.audit.total.unwrap_or(0), v);
    if !state.audit.covers(state.audit.cursor.scroll, v) {
        let next = audit_request(state, false);
        if (next.offset, next.limit) != (snap.request.offset, snap.request.limit) {
            fx.push(Effect::LoadAudit(next));
        }
    }
}

// ---- help --------------------------------------------------------------------------------

pub(super) fn help_mode(state: &mut AppState, action: Action) {
    let page = state.visible_items() as u16;
    match action {
        Action::MoveDown => state.help_scroll = state.help_scroll.saturating_add(1),
        Action::MoveUp => state.help_scroll = state.help_scroll.saturating_sub(1),
        Action::PageDown => state.help_scroll = state.help_scroll.saturating_add(page),
        Action::PageUp => state.help_scroll = state.help_scroll.saturating_sub(page),
        Action::Top => state.help_scroll = 0,
        Action::Cancel | Action::Help => {
            state.mode = state.help_return;
            state.help_filter.clear();
        }
        _ => {}
    }
}

/// A key typed while help is open: text narrows the list.
pub(super) fn help_input(state: &mut AppState, input: Input) {
    if state.mode != Mode::Help {
        return;
    }
    match input {
        Input {
            key: Key::Char(c),
            ctrl: false,
            alt: false,
            ..
        } if !c.is_control() => state.help_filter.push(c),
        Input {
            key: Key::Backspace,
            ..
        } => {
            state.help_filter.pop();
        }
        _ => return,
    }
    state.help_scroll = 0;
}

// ---- the search and filter line ----------------------------------------------------------

/// Opens the line at the bottom, filled with what it would change: the current search,
/// or the current filter written as a query.
pub(super) fn open_prompt(state: &mut AppState, kind: PromptKind) {
    let base = match kind {
        PromptKind::Search => Lens::search(),
        PromptKind::Filter
        | PromptKind::Setting
        | PromptKind::GoLive
        | PromptKind::ExperimentName => state.base_lens(),
    };
    let text = match (kind, &state.search) {
        (PromptKind::Search, None) => String::new(),
        _ => state.lens.to_query(&base, &state.accounts),
    };
    let replace = kind == PromptKind::Search && !text.is_empty();
    let mut textarea = TextArea::new(vec![if text.is_empty() || replace {
        text
    } else {
        format!("{text} ")
    }]);
    textarea.set_cursor_line_style(Style::default());
    textarea.move_cursor(CursorMove::End);
    if replace {
        // The last search, selected: typing replaces it, an arrow key keeps it to edit.
        textarea.select_all();
    }
    state.prompt = Some(Prompt { kind, textarea });
    state.mode = Mode::Prompt;
}

pub(super) fn prompt_mode(state: &mut AppState, action: Action, fx: &mut Vec<Effect>) {
    if state
        .prompt
        .as_ref()
        .is_some_and(|p| p.kind == PromptKind::ExperimentName)
    {
        return super::experiment::name_prompt_mode(state, action, fx);
    }
    if let Some(Prompt {
        kind: PromptKind::GoLive,
        textarea,
    }) = &state.prompt
    {
        match action {
            Action::Confirm => {
                let text = textarea.lines().join("");
                super::settings::submit_go_live(state, text, fx);
            }
            Action::Cancel => super::settings::cancel_go_live(state),
            _ => {}
        }
        return;
    }
    if let Some(Prompt {
        kind: PromptKind::Setting,
        textarea,
    }) = &state.prompt
    {
        match action {
            Action::Confirm => {
                let text = textarea.lines().join("\n");
                super::settings::submit_prompt(state, text, fx);
            }
            Action::Cancel => super::settings::cancel_edit(state),
            _ => {}
        }
        return;
    }
    match action {
        Action::Confirm => submit_prompt(state, fx),
        Action::Cancel => {
            state.prompt = None;
            state.mode = Mode::Queue;
        }
        _ => {}
    }
}

/// A key typed into the line; it stays one line.
pub(super) fn prompt_input(state: &mut AppState, input: Input) {
    if state.mode != Mode::Prompt {
        return;
    }
    let newline = matches!(
        input,
        Input {
            key: Key::Enter,
            ..
        } | Input {
            key: Key::Char('m' | 'j'),
            ctrl: true,
            ..
        }
    );
    let Some(prompt) = state.prompt.as_mut() else {
        return;
    };
    match input {
        _ if newline => {}
        // As in a shell: ctrl-u clears to the start of the line.
        Input {
            key: Key::Char('u'),
            ctrl: true,
            ..
        } => {
            prompt.textarea.cancel_selection();
            prompt.textarea.delete_line_by_head();
        }
        input => {
            prompt.textarea.input(input);
        }
    }
}

fn submit_prompt(state: &mut AppState, fx: &mut Vec<Effect>) {
    let Some(prompt) = state.prompt.as_ref() else {
        state.mode = Mode::Queue;
        return;
    };
    let (kind, text) = (prompt.kind, prompt.text());
    let base = match kind {
        PromptKind::Search => Lens::search(),
        PromptKind::Filter
        | PromptKind::Setting
        | PromptKind::GoLive
        | PromptKind::ExperimentName => state.base_lens(),
    };
    if kind == PromptKind::Search && text.trim().is_empty() {
        state.prompt = None;
        state.mode = Mode::Queue;
        return;
    }
    match Lens::parse(&text, &base, &state.accounts, state.now) {
        Ok(lens) => {
            state.prompt = None;
            state.mode = Mode::Queue;
            if matches!(state.current_notice(), Some(Notice::BadQuery(_))) {
                state.notice = None;
            }
            match kind {
                PromptKind::Search => queue::start_search(state, lens, fx),
                PromptKind::Filter => queue::set_lens(state, lens, fx),
                // Handled by the settings screen before the query is parsed.
                PromptKind::Setting | PromptKind::GoLive | PromptKind::ExperimentName => {}
            }
        }
        Err(e) => notify(state, Notice::BadQuery(e)),
    }
}
