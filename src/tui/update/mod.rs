//! The reducer: the only place the inbox state changes. It does no IO; whatever needs the
//! outside world comes back as [`Effect`]s for the event loop.
//!
//! One module per part of the screen: [`queue`] (paging, selection, the lens, search),
//! [`reply`] (the editor and sending), [`screens`] (sync health, audit log, help, the
//! prompt line) and [`mouse`].

mod analytics;
mod experiment;
mod intent;
mod mouse;
mod queue;
mod reply;
mod screens;
mod settings;

pub use reply::override_word;
#[cfg(test)]
mod tests;

use chrono::{DateTime, Duration, Utc};

use crate::protocol::{Command, Event};

use super::action::{Action, Effect};
use super::sanitize;
use super::state::{
    AccountSync, AppState, Mode, Notice, Screen, SyncOutcome, SyncProgress, NOTICE_SECONDS,
};

/// Re-read the queue at least this often, so counts follow the clock.
const RELOAD_EVERY: Duration = Duration::seconds(30);
/// In the breached view items join as their deadlines pass; re-read more often.
const RELOAD_EVERY_BREACHED: Duration = Duration::seconds(5);

/// Applies `action` to `state` and returns what the event loop must do next.
pub fn update(state: &mut AppState, action: Action) -> Vec<Effect> {
    let mut fx = Vec::new();
    match action {
        Action::Tick(now) => tick(state, now, &mut fx),
        Action::Resize { width, height } => resize(state, width, height, &mut fx),
        Action::Background(event) => background(state, event, &mut fx),
        Action::QueueLoaded(snapshot) => queue::loaded(state, *snapshot, &mut fx),
        Action::CountsLoaded(snapshot) => queue::counts_loaded(state, *snapshot, &mut fx),
        // The runner unwraps these; a caller without one applies the answer as it is.
        Action::ReadDone { action, .. } => return update(state, *action),
        Action::DetailLoaded(detail) => reply::detail_loaded(state, *detail, &mut fx),
        Action::DetailExtrasLoaded { id, extras } => {
            reply::detail_extras_loaded(state, id, *extras, &mut fx)
        }
        Action::DetailMissing(id) => {
            if state.detail.as_ref().map(|d| d.interaction.id) == Some(id) {
                state.detail = None;
            }
        }
        Action::AccountsLoaded(accounts) => state.accounts = accounts,
        Action::HealthLoaded(rows) => screens::health_loaded(state, rows),
        Action::AuditLoaded(snapshot) => screens::audit_loaded(state, *snapshot, &mut fx),
        Action::ExternalEdited(result) if settings::editor_open(state) => {
            settings::external_edited(state, result)
        }
        Action::AnalyticsLoaded { request, result } => analytics::loaded(state, request, result),
        Action::SettingsLoaded { scope, sections } => settings::loaded(state, scope, sections),
        Action::LearntLoaded { account_id, learnt } => {
            settings::learnt_loaded(state, account_id, learnt)
        }
        Action::ExternalEdited(result) => reply::external_edited(state, result, &mut fx),
        Action::ConfigProblem(message) => {
            state.config_problems.push(message.clone());
            notify(state, Notice::ConfigProblem(message));
        }
        Action::LoadFailed(message) => notify(state, Notice::LoadFailed(message)),
        Action::CommandFailed => notify(state, Notice::CommandFailed),
        Action::EditorInput(input)
            if state.mode == Mode::Editor && settings::editor_open(state) =>
        {
            settings::editor_input(state, input)
        }
        Action::EditorInput(input) => reply_input(state, input, &mut fx),
        Action::ReplyChecked {
            interaction_id,
            revision,
            verdict,
        } => reply::checked(state, interaction_id, revision, verdict),
        Action::PromptInput(input) => screens::prompt_input(state, input),
        Action::HelpInput(input) => screens::help_input(state, input),
        Action::Paste(text) => paste(state, &text, &mut fx),
        Action::Mouse(input) => mouse::handle(state, input, &mut fx),
        Action::Quit => {
            state.quit = true;
            fx.push(Effect::Quit);
        }
        action => by_mode(state, action, &mut fx),
    }
    fx
}

fn resize(state: &mut AppState, width: u16, height: u16, fx: &mut Vec<Effect>) {
    state.width = width;
    state.height = height;
    queue::keep_selection_visible(state);
    queue::request_page_if_needed(state, fx);
    screens::on_resize(state, fx);
}

/// A key typed into the reply editor.
fn reply_input(state: &mut AppState, input: ratatui_textarea::Input, fx: &mut Vec<Effect>) {
    if state.mode == Mode::Editor {
        if let Some(editor) = state.editor.as_mut() {
            if editor.textarea.input(input) {
                reply::text_changed(editor, fx);
            }
        }
    }
}

/// Every other action means what the current mode makes of it.
fn by_mode(state: &mut AppState, action: Action, fx: &mut Vec<Effect>) {
    match state.mode {
        Mode::Queue => queue::queue_mode(state, action, fx),
        Mode::Detail => detail_mode(state, action, fx),
        Mode::Editor if settings::editor_open(state) => settings::editor_mode(state, action, fx),
        Mode::Editor => reply::editor_mode(state, action, fx),
        Mode::Confirm if experiment::confirming_stop(state) => {
            experiment::stop_confirm_mode(state, action, fx)
        }
        Mode::Confirm => reply::confirm_mode(state, action, fx),
        Mode::Help => screens::help_mode(state, action),
        Mode::Prompt => screens::prompt_mode(state, action, fx),
        Mode::Screen => screens::screen_mode(state, action, fx),
        Mode::Picker if super::team::picking(state) => {
            super::team::picker_key(state, &action, fx);
        }
        Mode::Picker if state.intent_picker.is_some() => intent::picker_mode(state, action, fx),
        Mode::Picker => reply::picker_mode(state, action, fx),
        Mode::Override => reply::override_mode(state, action, fx),
    }
}

pub(super) fn notify(state: &mut AppState, notice: Notice) {
    state.notice = Some((notice, state.now));
}

/// A message in the status line (team mode's answers, in the UI's language).
pub(super) fn notify_alert(state: &mut AppState, text: String) {
    notify(state, Notice::Alert(text));
}

/// Re-reads the queue's page and the detail pane.
pub(super) fn reload_all(state: &mut AppState, fx: &mut Vec<Effect>) {
    queue::reload(state, fx);
    queue::reload_detail(state, fx);
}

/// Shows the queue through `lens`, from the top.
pub(super) fn set_lens(state: &mut AppState, lens: super::lens::Lens, fx: &mut Vec<Effect>) {
    queue::set_lens(state, lens, fx);
}

fn paste(state: &mut AppState, text: &str, fx: &mut Vec<Effect>) {
    match state.mode {
        Mode::Editor if settings::editor_open(state) => settings::paste(state, text),
        Mode::Editor => {
            if let Some(editor) = state.editor.as_mut() {
                if editor.textarea.insert_str(sanitize::block(text)) {
                    reply::text_changed(editor, fx);
                }
            }
        }
        Mode::Override => {
            if let Some(editor) = state.editor.as_mut() {
                editor.override_word.insert_str(sanitize::line(text));
            }
        }
        Mode::Prompt => {
            if let Some(prompt) = state.prompt.as_mut() {
                prompt.textarea.insert_str(sanitize::line(text));
            }
        }
        Mode::Help => {
            state.help_filter.push_str(&sanitize::line(text));
            state.help_scroll = 0;
        }
        _ => {}
    }
}

fn tick(state: &mut AppState, now: DateTime<Utc>, fx: &mut Vec<Effect>) {
    state.now = now;
    if let Some((notice, at)) = &state.notice {
        if !notice.is_sticky() && now - *at >= Duration::seconds(NOTICE_SECONDS) {
            state.notice = None;
        }
    }
    let every = if state.lens.breached_only {
        RELOAD_EVERY_BREACHED
    } else {
        RELOAD_EVERY
    };
    if now - state.last_reload >= every {
        queue::reload(state, fx);
    }
}

/// A reply the outbox refused: nothing is on its way, so the item may be answered again.
fn reply_refused(
    state: &mut AppState,
    interaction_id: crate::domain::InteractionId,
    reasons: &[String],
    fx: &mut Vec<Effect>,
) {
    state.awaiting.remove(&interaction_id);
    notify(state, Notice::Refused(reasons.join("; ")));
    queue::reload(state, fx);
}

fn background(state: &mut AppState, event: Event, fx: &mut Vec<Effect>) {
    match event {
        Event::SyncStarted { account, connector } => sync_started(state, account, connector, fx),
        Event::SyncProgress {
            account,
            connector,
            channel,
            seen,
            total,
            started,
        } => {
            let progress = SyncProgress {
                channel,
                seen,
                total,
                started,
            };
            sync_progress(state, account, connector, progress);
        }
        Event::SyncFinished {
            account,
            connector,
            ok,
            new,
            changed,
            error,
        } => {
            let outcome = sync_outcome(state.now, ok, new, changed, error);
            sync_finished(state, account, &connector, outcome, fx);
        }
        Event::DataChanged => data_changed(state, false, fx),
        Event::OutboxChanged => data_changed(state, true, fx),
        Event::Offline { account, since } => {
            state.offline.entry(account).or_insert(since);
        }
        Event::Online { account } => online(state, &account),
        Event::Notice { text, bell: _ } => notify(state, Notice::Alert(text)),
        Event::ReplyRefused {
            reasons,
            interaction_id,
        } => reply_refused(state, interaction_id, &reasons, fx),
        Event::EditRefused { refusal, .. } => {
            notify(state, Notice::EditRefused(refusal));
            queue::reload(state, fx);
            queue::reload_detail(state, fx);
        }
        Event::SettingSaved { key, error } => settings::saved(state, &key, error, fx),
        Event::IntentCorrected { intent, error, .. } => intent_corrected(state, intent, error, fx),
        Event::LearntForgotten { account_id, error } => {
            settings::learnt_forgotten(state, account_id, error, fx)
        }
        Event::AutoReplyFigures {
            account_id,
            figures,
        } => settings::figures_loaded(state, account_id, figures),
        Event::AutoReplyWentLive { error, .. } => settings::went_live(state, error, fx),
        Event::Team(news) => super::team::news(state, news, fx),
        Event::ExperimentLoaded(answer) => experiment::loaded(state, answer),
        Event::ExperimentChanged(answer) => experiment::changed(state, answer, fx),
        Event::AutoRepliesStopped { cancelled, error } => notify(
            state,
            match error {
                None => Notice::AutoRepliesStopped(cancelled),
                Some(e) => Notice::AutoRepliesStopFailed(e),
            },
        ),
        Event::AutoReplyUndone { undone, .. } => notify(
            state,
            if undone {
                Notice::AutoReplyUndone
            } else {
                Notice::AutoReplyGone
            },
        ),
    }
}

fn sync_started(state: &mut AppState, account: String, connector: String, fx: &mut Vec<Effect>) {
    state
        .sync
        .entry(account)
        .or_default()
        .running
        .insert(connector);
    queue::reload(state, fx);
}

fn sync_progress(state: &mut AppState, account: String, connector: String, progress: SyncProgress) {
    let entry = state.sync.entry(account).or_default();
    entry.running.insert(connector.clone());
    entry.progress.insert(connector, progress);
}

/// An account reached its marketplace again: no longer offline here, nor in the team's
/// presence.
fn online(state: &mut AppState, account: &str) {
    state.offline.remove(account);
    state.presence.offline.retain(|(a, _)| a != account);
}

fn sync_outcome(
    at: DateTime<Utc>,
    ok: bool,
    new: usize,
    changed: usize,
    error: Option<String>,
) -> SyncOutcome {
    SyncOutcome {
        at,
        new,
        changed,
        error: if ok {
            None
        } else {
            Some(error.unwrap_or_default())
        },
    }
}

/// A connector's pass ended: its outcome is kept, and whatever shows synced data reloads.
fn sync_finished(
    state: &mut AppState,
    account: String,
    connector: &str,
    outcome: SyncOutcome,
    fx: &mut Vec<Effect>,
) {
    let entry: &mut AccountSync = state.sync.entry(account).or_default();
    entry.running.remove(connector);
    entry.progress.remove(connector);
    entry.last = Some(outcome);
    queue::reload(state, fx);
    queue::reload_detail(state, fx);
    if state.screen == Screen::SyncHealth {
        fx.push(Effect::LoadHealth);
    }
    analytics::refresh_if_idle(state, fx);
}

/// Another writer changed the data (or the outbox, which also moves the figures).
fn data_changed(state: &mut AppState, outbox: bool, fx: &mut Vec<Effect>) {
    queue::reload(state, fx);
    queue::reload_detail(state, fx);
    if state.screen == Screen::AuditLog {
        screens::reload_audit(state, fx);
    }
    if outbox {
        analytics::refresh_if_idle(state, fx);
    }
}

fn intent_corrected(
    state: &mut AppState,
    intent: crate::ai::Intent,
    error: Option<String>,
    fx: &mut Vec<Effect>,
) {
    notify(
        state,
        match error {
            None => Notice::IntentCorrected(intent),
            Some(why) => Notice::IntentNotCorrected(why),
        },
    );
    queue::reload(state, fx);
    queue::reload_detail(state, fx);
}

fn detail_mode(state: &mut AppState, action: Action, fx: &mut Vec<Effect>) {
    let page = (state.visible_items() as u16).max(2);
    match action {
        Action::MoveDown => reply::scroll_detail(state, 1),
        Action::MoveUp => reply::scroll_detail(state, -1),
        Action::PageDown => reply::scroll_detail(state, i32::from(page)),
        Action::PageUp => reply::scroll_detail(state, -i32::from(page)),
        Action::Top => state.detail_scroll = 0,
        Action::Bottom => reply::scroll_detail(state, i32::from(u16::MAX)),
        Action::FocusQueue | Action::Cancel => state.mode = Mode::Queue,
        Action::Reply => reply::open_editor(state, fx),
        Action::EditAnswer => reply::open_edit(state, fx),
        Action::CorrectIntent => intent::open_picker(state),
        Action::UndoAutoReply => queue::undo_auto_reply(state, fx),
        Action::StopAutoReplies => queue::stop_auto_replies(state, fx),
        other => common(state, other, fx),
    }
}

/// Actions that mean the same in the queue, the detail pane and the full screens.
fn common(state: &mut AppState, action: Action, fx: &mut Vec<Effect>) {
    if super::team::key(state, &action, fx) {
        return;
    }
    match action {
        Action::SyncNow => {
            fx.push(Effect::Command(Command::SyncNow));
            notify(state, Notice::SyncRequested);
        }
        Action::Refresh => {
            queue::reload(state, fx);
            queue::reload_detail(state, fx);
            fx.push(Effect::LoadAccounts);
        }
        Action::Help => {
            state.help_return = state.mode;
            state.help_scroll = 0;
            state.help_filter.clear();
            state.mode = Mode::Help;
        }
        Action::ScreenInbox => screens::set_screen(state, Screen::Inbox, fx),
        Action::ScreenSyncHealth => screens::set_screen(state, Screen::SyncHealth, fx),
        Action::ScreenAuditLog => screens::set_screen(state, Screen::AuditLog, fx),
        Action::ScreenAnalytics => screens::set_screen(state, Screen::Analytics, fx),
        Action::ScreenSettings => screens::set_screen(state, Screen::Settings, fx),
        Action::CustomerHistory => screens::open_customer_history(state, fx),
        Action::Search => {
            screens::set_screen(state, Screen::Inbox, fx);
            screens::open_prompt(state, super::state::PromptKind::Search);
        }
        other => queue::lens_action(state, other, fx),
    }
}
