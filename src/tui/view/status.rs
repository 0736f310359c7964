//! The two bottom rows: sync, connection and outbox state; key hints for the mode.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::tui::action::Action;
use crate::tui::format;
use crate::tui::keymap::Layer;
use crate::tui::sanitize;
use crate::tui::state::{AccountSync, AppState, Mode, Screen};
use crate::tui::theme::Slot;

use super::ViewCtx;

/// Actions worth a hint in the current mode, most useful first.
pub fn hinted_actions(state: &AppState) -> &'static [Action] {
    match state.mode {
        Mode::Screen if state.screen == Screen::Analytics => ANALYTICS,
        Mode::Screen
            if state.screen == Screen::Settings
                && state.settings.current().map(|l| l.key) == Some("auto_response") =>
        {
            AUTO_RESPONSE_SETTINGS
        }
        Mode::Screen if state.screen == Screen::Settings => SETTINGS,
        Mode::Editor if state.screen == Screen::Settings => SETTINGS_EDITOR,
        Mode::Queue if state.search.is_some() => SEARCH,
        Mode::Queue
            if state
                .queue
                .selected_row()
                .and_then(|r| r.auto_reply)
                .is_some_and(|a| a.undo_until > state.now) =>
        {
            AUTO_REPLY_UNDOABLE
        }
        Mode::Queue => QUEUE,
        Mode::Detail => DETAIL,
        Mode::Editor => EDITOR,
        Mode::Picker => PICKER,
        Mode::Confirm => CONFIRM,
        Mode::Override => OVERRIDE,
        Mode::Help => HELP,
        Mode::Prompt => PROMPT,
        Mode::Screen => SCREEN,
    }
}

/// The analytics screen.
const ANALYTICS: &[Action] = &[
    Action::Cancel,
    Action::CyclePeriod,
    Action::CycleAccount,
    Action::MoveDown,
    Action::Refresh,
    Action::Help,
];

/// The auto-responder's settings section: going live is offered where it is configured.
const AUTO_RESPONSE_SETTINGS: &[Action] = &[
    Action::Cancel,
    Action::Confirm,
    Action::GoLive,
    Action::ResetSetting,
    Action::NextTab,
    Action::CycleAccount,
    Action::Help,
];

/// Any other settings section.
const SETTINGS: &[Action] = &[
    Action::Cancel,
    Action::Confirm,
    Action::ResetSetting,
    Action::NextTab,
    Action::CycleAccount,
    Action::MoveDown,
    Action::Help,
];

/// A setting's editor.
const SETTINGS_EDITOR: &[Action] = &[
    Action::Send,
    Action::Cancel,
    Action::Undo,
    Action::ExternalEditor,
];

/// The queue showing search results.
const SEARCH: &[Action] = &[
    Action::SearchNext,
    Action::SearchPrev,
    Action::Cancel,
    Action::Reply,
    Action::Search,
    Action::Filter,
    Action::Help,
];

/// The queue when the selected item's auto-reply can still be undone: that comes first.
const AUTO_REPLY_UNDOABLE: &[Action] = &[
    Action::UndoAutoReply,
    Action::Help,
    Action::Quit,
    Action::MoveDown,
    Action::MoveUp,
    Action::FocusDetail,
];

/// The queue.
const QUEUE: &[Action] = &[
    Action::Reply,
    Action::Help,
    Action::Quit,
    Action::Search,
    Action::Filter,
    Action::MoveDown,
    Action::MoveUp,
    Action::ToggleBreached,
    Action::FocusDetail,
    Action::SyncNow,
];

/// The detail pane.
const DETAIL: &[Action] = &[
    Action::Reply,
    Action::FocusQueue,
    Action::Help,
    Action::MoveDown,
    Action::MoveUp,
];

/// The reply editor.
const EDITOR: &[Action] = &[
    Action::Send,
    Action::Cancel,
    Action::Regenerate,
    Action::InsertTemplate,
    Action::Undo,
    Action::ExternalEditor,
];

/// A picker.
const PICKER: &[Action] = &[
    Action::Confirm,
    Action::Cancel,
    Action::MoveDown,
    Action::MoveUp,
];

/// A confirmation.
const CONFIRM: &[Action] = &[Action::Confirm, Action::Cancel];

/// Sending over a guardrail.
const OVERRIDE: &[Action] = &[Action::Confirm, Action::Cancel];

/// The help overlay.
const HELP: &[Action] = &[Action::Cancel, Action::MoveDown, Action::MoveUp];

/// The search or filter line.
const PROMPT: &[Action] = &[Action::Confirm, Action::Cancel];

/// Any other screen.
const SCREEN: &[Action] = &[
    Action::Cancel,
    Action::MoveDown,
    Action::MoveUp,
    Action::Refresh,
    Action::Help,
];

/// `(key, description)` for each hinted action that is bound in `mode`.
pub fn hints(state: &AppState, ctx: &ViewCtx<'_>) -> Vec<(String, &'static str)> {
    let layers = Layer::for_mode(state.mode);
    let settings_editor = state.mode == Mode::Editor && state.screen == Screen::Settings;
    hinted_actions(state)
        .iter()
        .filter_map(|a| {
            let desc = match a {
                // In the settings editor the editor's send key saves.
                Action::Send if settings_editor => ctx.strings.settings_save,
                Action::Confirm if state.screen == Screen::Settings => ctx.strings.settings_edit,
                Action::CycleAccount if state.screen == Screen::Settings => {
                    ctx.strings.settings_scope_hint
                }
                a => (ctx.strings.action)(a),
            };
            ctx.keymap.first_key(layers, a).map(|k| (k, desc))
        })
        .collect()
}

pub fn render_hints(frame: &mut Frame<'_>, area: Rect, state: &AppState, ctx: &ViewCtx<'_>) {
    let mut spans = Vec::new();
    let mut used = 0;
    // Whole hints only, in order of usefulness, as many as fit.
    for (key, desc) in hints(state, ctx) {
        let key = format!(" {key}");
        let desc = format!(" {desc} ");
        let w = format::width(&key) + format::width(&desc);
        if used + w > usize::from(area.width) {
            continue;
        }
        used += w;
        spans.push(Span::styled(key, ctx.style(Slot::StatusKey)));
        spans.push(Span::styled(desc, ctx.style(Slot::StatusHint)));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The status line's parts, most urgent first: (text, slot).
pub fn parts(state: &AppState, ctx: &ViewCtx<'_>) -> Vec<(String, Slot)> {
    let s = ctx.strings;
    // Offline is the state everything else on screen depends on: it comes first.
    let mut parts = offline_parts(state, ctx);
    if state.team.as_ref().is_some_and(|t| t.offline) {
        parts.push((
            crate::tui::team::offline_text(state.lang),
            Slot::StatusError,
        ));
    }
    if state.presence.llm_down.is_some() {
        parts.push((s.llm_down.to_string(), Slot::StatusError));
    }
    if let Some(notice) = state.current_notice() {
        let slot = if notice.is_error() {
            Slot::StatusError
        } else {
            Slot::StatusOk
        };
        parts.push((sanitize::line(&(s.notice)(notice)).into_owned(), slot));
    }
    for (account, sync) in &state.sync {
        // An account that is offline says so once, above.
        if state.offline.contains_key(account)
            || state.presence.offline.iter().any(|(a, _)| a == account)
        {
            continue;
        }
        if let Some(part) = sync_part(&sanitize::line(account), sync, state, ctx) {
            parts.push(part);
        }
    }
    let outbox = if state.outbox_size == 0 {
        s.outbox_empty.to_string()
    } else {
        (s.outbox)(state.outbox_size)
    };
    parts.push((outbox, Slot::StatusBar));
    parts.extend(presence_parts(state, ctx));
    parts
}

/// Every offline account: this process's sync says so at once; the store says so when
/// another process syncs.
fn offline_parts(state: &AppState, ctx: &ViewCtx<'_>) -> Vec<(String, Slot)> {
    let from_store = state
        .presence
        .offline
        .iter()
        .filter(|(account, _)| !state.offline.contains_key(account))
        .map(|(account, since)| (account, since));
    state
        .offline
        .iter()
        .chain(from_store)
        .map(|(account, since)| {
            (
                format!(
                    "⚠ {}: {}",
                    sanitize::line(account),
                    (ctx.strings.offline_since)(&format::time(*since, state.tz))
                ),
                Slot::StatusError,
            )
        })
        .collect()
}

/// One account's sync: its progress, that it runs, or how its last pass ended; nothing
/// before its first pass.
fn sync_part(
    account: &str,
    sync: &AccountSync,
    state: &AppState,
    ctx: &ViewCtx<'_>,
) -> Option<(String, Slot)> {
    let s = ctx.strings;
    if let Some(progress) = sync_progress(sync, state.now, s) {
        return Some((format!("{account}: {progress}"), Slot::StatusBar));
    }
    if !sync.running.is_empty() {
        return Some((format!("{account}: {}", s.syncing), Slot::StatusBar));
    }
    let last = sync.last.as_ref()?;
    Some(match &last.error {
        Some(e) if refused_status(e).is_some() => (
            format!(
                "{account}: ✗ {}",
                (s.token_refused)(refused_status(e).unwrap_or_default())
            ),
            Slot::StatusError,
        ),
        Some(e) => (
            format!(
                "{account}: ✗ {} {}",
                s.sync_error,
                format::truncate(&sanitize::line(e), 60)
            ),
            Slot::StatusError,
        ),
        None => (
            format!(
                "{account}: {}",
                (s.sync_done)(last.new, last.changed, &format::time(last.at, state.tz))
            ),
            Slot::StatusBar,
        ),
    })
}

/// What the other processes on this database do: who syncs, which shops wait for a
/// process with the network, how many replies await publication.
fn presence_parts(state: &AppState, ctx: &ViewCtx<'_>) -> Vec<(String, Slot)> {
    let s = ctx.strings;
    let presence = &state.presence;
    let mut parts = Vec::new();
    for who in &presence.sync_by {
        parts.push(((s.sync_by)(&sanitize::line(who)), Slot::StatusBar));
    }
    for (shop, n) in &presence.waiting {
        parts.push((
            (s.waiting_for_process)(&sanitize::line(shop), *n),
            Slot::StatusError,
        ));
    }
    if presence.accepted > 0 {
        parts.push(((s.awaiting_publication)(presence.accepted), Slot::StatusBar));
    }
    parts
}

/// The HTTP status of a sync error that is the marketplace refusing the credentials
/// (`ConnectorError::Unauthorized`'s wording).
fn refused_status(error: &str) -> Option<&str> {
    let rest = &error[error.find("unauthorized (HTTP ")? + "unauthorized (HTTP ".len()..];
    rest.get(..3)
        .filter(|s| s.chars().all(|c| c.is_ascii_digit()))
}

pub fn render_status(frame: &mut Frame<'_>, area: Rect, state: &AppState, ctx: &ViewCtx<'_>) {
    let mut spans = Vec::new();
    for (i, (text, slot)) in parts(state, ctx).into_iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(" │ ", ctx.style(Slot::StatusBar)));
        } else {
            spans.push(Span::styled(" ", ctx.style(Slot::StatusBar)));
        }
        spans.push(Span::styled(text, ctx.style(slot)));
    }
    frame.render_widget(
        Paragraph::new(Line::from(spans)).style(ctx.style(Slot::StatusBar)),
        area,
    );
}

/// The running first syncs of an account against their totals, with the time left at
/// the rate so far (`now` is the inbox's clock): "3 200 / 6 030 отзывов, ~40 с".
pub fn sync_progress(
    sync: &crate::tui::state::AccountSync,
    now: chrono::DateTime<chrono::Utc>,
    s: &crate::tui::strings::Strings,
) -> Option<String> {
    let parts: Vec<String> = sync
        .progress
        .iter()
        .filter(|(connector, _)| sync.running.contains(*connector))
        .map(|(_, p)| {
            let e = crate::sync::eta::eta(p.seen, Some(p.total), p.started, now);
            // Past the count (WB's archive is not counted) the total is left out.
            (s.sync_progress)(p.seen, e.total, p.channel, e.left)
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}
