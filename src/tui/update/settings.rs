//! The settings screen: a scope (global or one account), a section, its fields; editing a
//! field in the prompt line (one value) or the multi-line editor (a list, one entry per
//! line); resetting a field. A value is checked by deserialising the whole section
//! before anything is sent; a refused value stays in the editor with the reason in the
//! status line. Saving goes to the background services as a command and comes back as
//! [`crate::protocol::Event::SettingSaved`].

use ratatui::style::Style;
use ratatui_textarea::{CursorMove, Input, TextArea, WrapMode};
use serde_json::Value;

use crate::protocol::Command;
use crate::settings::editable::{with_path, without_path, Layers};
use crate::settings::Scope;
use crate::tui::settings_sections::editable;

use super::super::action::{Action, Effect};
use super::super::sanitize;
use super::super::settings_form::{self, FieldKind};
use super::super::state::{AppState, Mode, Notice, Prompt, PromptKind, SettingEdit};
use super::{analytics, experiment, notify, screens};

/// Reads the sections for the current scope.
pub(super) fn reload(state: &AppState, fx: &mut Vec<Effect>) {
    fx.push(Effect::LoadSettings(state.settings.scope));
    if let Scope::Account(id) = state.settings.scope {
        fx.push(Effect::LoadLearnt(id));
    }
}

pub(super) fn learnt_loaded(
    state: &mut AppState,
    account_id: i64,
    learnt: crate::learning::Learnt,
) {
    if state.settings.scope != Scope::Account(account_id) {
        return; // read for an account the user has left
    }
    state.settings.learnt = Some(learnt);
    if state.settings.on_learnt_tab() {
        let v = state.visible_screen_rows();
        let len = state.settings.learnt_entries().len();
        let at = state.settings.cursor.selected;
        state.settings.cursor.select(at, len, v);
    }
}

/// `reset_setting` on the "learnt" tab: the selected entry is forgotten.
fn forget(state: &mut AppState, fx: &mut Vec<Effect>) {
    let Scope::Account(account_id) = state.settings.scope else {
        return;
    };
    let entries = state.settings.learnt_entries();
    if let Some(entry) = entries.get(state.settings.cursor.selected) {
        fx.push(Effect::Command(Command::ForgetLearnt {
            account_id,
            entry: entry.clone(),
        }));
    }
}

/// The services forgot an entry, or could not: the tab re-reads what is stored.
pub(super) fn learnt_forgotten(
    state: &mut AppState,
    account_id: i64,
    error: Option<String>,
    fx: &mut Vec<Effect>,
) {
    match error {
        None => notify(state, Notice::LearntForgotten),
        Some(reason) => notify(state, Notice::LoadFailed(reason)),
    }
    if state.settings.scope == Scope::Account(account_id) {
        fx.push(Effect::LoadLearnt(account_id));
    }
}

pub(super) fn loaded(state: &mut AppState, scope: Scope, sections: Vec<Layers>) {
    if scope != state.settings.scope {
        return; // read for a scope the user has left
    }
    state.settings.sections = Some(sections);
    // One past the sections is the "learnt" tab, two past the "experiment" tab.
    state.settings.section = state
        .settings
        .section
        .min(state.settings.sections.as_ref().map_or(0, |s| s.len() + 1));
    refresh_fields(state);
}

/// Recomputes the shown section's fields, keeping the cursor on the same field.
fn refresh_fields(state: &mut AppState) {
    let v = state.visible_screen_rows();
    let st = &mut state.settings;
    let old = st.selected_field().map(|f| f.path.clone());
    st.fields = st
        .current()
        .map(|l| settings_form::fields(l, st.scope))
        .unwrap_or_default();
    let at = old
        .and_then(|p| st.fields.iter().position(|f| f.path == p))
        .unwrap_or(st.cursor.selected);
    let len = st.fields.len();
    st.cursor.select(at, len, v);
}

/// The keys of the settings screen.
pub(super) fn screen_mode(state: &mut AppState, action: Action, fx: &mut Vec<Effect>) {
    let v = state.visible_screen_rows();
    let learnt_tab = state.settings.on_learnt_tab();
    let experiment_tab = state.settings.on_experiment_tab();
    let len = if learnt_tab {
        state.settings.learnt_entries().len()
    } else if experiment_tab {
        state.settings.experiment.weights.len()
    } else {
        state.settings.fields.len()
    };
    let c = state.settings.cursor;
    // The sections, then the "learnt" and "experiment" tabs.
    let count = state.settings.sections.as_ref().map_or(0, |s| s.len() + 2);
    match action {
        Action::MoveDown => state.settings.cursor.select(c.selected + 1, len, v),
        Action::MoveUp => state
            .settings
            .cursor
            .select(c.selected.saturating_sub(1), len, v),
        Action::PageDown => state.settings.cursor.select(c.selected + v, len, v),
        Action::PageUp => state
            .settings
            .cursor
            .select(c.selected.saturating_sub(v), len, v),
        Action::Top => state.settings.cursor.select(0, len, v),
        Action::Bottom => state.settings.cursor.select(len.saturating_sub(1), len, v),
        Action::NextTab | Action::PrevTab if count > 0 => {
            let step = if action == Action::NextTab {
                1
            } else {
                count - 1
            };
            state.settings.section = (state.settings.section + step) % count;
            state.settings.cursor = Default::default();
            refresh_fields(state);
            if state.settings.on_experiment_tab() {
                fx.push(Effect::Command(Command::LoadExperiment));
            }
        }
        Action::CycleAccount => {
            let next = match state.settings.scope {
                Scope::Global => None,
                Scope::Account(id) => Some(id),
            };
            state.settings.scope =
                analytics::next_account(state, next).map_or(Scope::Global, Scope::Account);
            state.settings.sections = None;
            state.settings.learnt = None;
            state.settings.fields.clear();
            reload(state, fx);
        }
        Action::Confirm if learnt_tab => {}
        Action::Confirm if experiment_tab => experiment::next_weight(state),
        Action::ResetSetting if experiment_tab => experiment::drop_version(state),
        Action::ExperimentStart if experiment_tab => experiment::begin_start(state),
        Action::ExperimentPause if experiment_tab => experiment::pause_or_resume(state, fx),
        Action::ExperimentStop if experiment_tab => experiment::ask_stop(state),
        Action::Refresh if experiment_tab => {
            reload(state, fx);
            fx.push(Effect::Command(Command::LoadExperiment));
        }
        Action::ResetSetting if learnt_tab => forget(state, fx),
        Action::Confirm => begin_edit(state, fx),
        Action::ResetSetting => reset(state, fx),
        Action::GoLive => match state.settings.scope {
            Scope::Account(account_id) => {
                fx.push(Effect::Command(Command::AutoReplyFigures { account_id }));
            }
            Scope::Global => notify(state, Notice::GoLiveNeedsAccount),
        },
        Action::Refresh => reload(state, fx),
        other => screens::screen_common(state, other, fx),
    }
}

/// Enter on a field: a switch flips, a list opens the editor, anything else the prompt.
fn begin_edit(state: &mut AppState, fx: &mut Vec<Effect>) {
    let (Some(layers), Some(field)) = (state.settings.current(), state.settings.selected_field())
    else {
        return;
    };
    let key = layers.key;
    let path = field.path.clone();
    match field.kind {
        FieldKind::Bool => {
            let flipped = Value::Bool(!field.value.as_bool().unwrap_or(false));
            apply(state, key, &path, Some(flipped), fx);
        }
        kind => {
            let text = settings_form::edit_text(&field.value);
            let mut textarea = TextArea::new(text.lines().map(str::to_string).collect());
            textarea.set_cursor_line_style(Style::default());
            textarea.move_cursor(CursorMove::Bottom);
            textarea.move_cursor(CursorMove::End);
            if kind.multiline() {
                textarea.set_wrap_mode(WrapMode::WordOrGlyph);
                state.settings.editing = Some(SettingEdit {
                    key,
                    path,
                    textarea: Some(textarea),
                });
                state.mode = Mode::Editor;
            } else {
                state.settings.editing = Some(SettingEdit {
                    key,
                    path,
                    textarea: None,
                });
                state.prompt = Some(Prompt {
                    kind: PromptKind::Setting,
                    textarea,
                });
                state.mode = Mode::Prompt;
            }
        }
    }
}

/// The prompt line was confirmed with the typed value.
pub(super) fn submit_prompt(state: &mut AppState, text: String, fx: &mut Vec<Effect>) {
    if submit(state, &text, fx) {
        state.prompt = None;
        state.mode = Mode::Screen;
    }
}

/// Leaves the prompt or the editor without saving.
pub(super) fn cancel_edit(state: &mut AppState) {
    state.settings.editing = None;
    state.prompt = None;
    state.mode = Mode::Screen;
}

/// The keys of the multi-line editor over the settings screen.
pub(super) fn editor_mode(state: &mut AppState, action: Action, fx: &mut Vec<Effect>) {
    let textarea = state
        .settings
        .editing
        .as_mut()
        .and_then(|e| e.textarea.as_mut());
    let Some(textarea) = textarea else {
        state.mode = Mode::Screen;
        return;
    };
    match action {
        Action::Send => {
            let text = textarea.lines().join("\n");
            if submit(state, &text, fx) {
                state.mode = Mode::Screen;
            }
        }
        Action::Cancel => cancel_edit(state),
        Action::Undo => {
            textarea.undo();
        }
        Action::Redo => {
            textarea.redo();
        }
        Action::ExternalEditor => fx.push(Effect::ExternalEditor(textarea.lines().join("\n"))),
        _ => {}
    }
}

/// Whether the settings editor has the keyboard (text input goes to it).
pub(super) fn editor_open(state: &AppState) -> bool {
    state
        .settings
        .editing
        .as_ref()
        .is_some_and(|e| e.textarea.is_some())
}

pub(super) fn editor_input(state: &mut AppState, input: Input) {
    if let Some(t) = state
        .settings
        .editing
        .as_mut()
        .and_then(|e| e.textarea.as_mut())
    {
        t.input(input);
    }
}

pub(super) fn paste(state: &mut AppState, text: &str) {
    if let Some(t) = state
        .settings
        .editing
        .as_mut()
        .and_then(|e| e.textarea.as_mut())
    {
        t.insert_str(sanitize::block(text));
    }
}

/// The text came back from `$EDITOR`.
pub(super) fn external_edited(state: &mut AppState, result: Result<String, String>) {
    match result {
        Ok(text) => {
            if let Some(t) = state
                .settings
                .editing
                .as_mut()
                .and_then(|e| e.textarea.as_mut())
            {
                let text = super::super::editor_handoff::returned_text(&text);
                let mut fresh = TextArea::new(text.split('\n').map(str::to_string).collect());
                fresh.set_cursor_line_style(Style::default());
                fresh.set_wrap_mode(WrapMode::WordOrGlyph);
                *t = fresh;
            }
            notify(state, Notice::ExternalEditorDone);
        }
        Err(e) => notify(state, Notice::ExternalEditorFailed(e)),
    }
}

/// Parses and checks `text` for the field being edited; sends it when it is good.
/// Returns whether the edit is over (saved); a refused value stays in the editor.
fn submit(state: &mut AppState, text: &str, fx: &mut Vec<Effect>) -> bool {
    let Some(edit) = state.settings.editing.as_ref() else {
        return true;
    };
    let (key, path) = (edit.key, edit.path.clone());
    let kind = state
        .settings
        .fields
        .iter()
        .find(|f| f.path == path)
        .map_or(FieldKind::Text, |f| f.kind);
    let value = match settings_form::parse_input(kind, text) {
        Ok(v) => v,
        Err(e) => {
            let reason = e.text(state.lang);
            refuse(state, &path, reason.to_string());
            return false;
        }
    };
    let saved = apply(state, key, &path, Some(value), fx);
    if saved {
        state.settings.editing = None;
    }
    saved
}

/// Resets the selected field at this scope: the global value (or the default) applies.
fn reset(state: &mut AppState, fx: &mut Vec<Effect>) {
    let (Some(layers), Some(field)) = (state.settings.current(), state.settings.selected_field())
    else {
        return;
    };
    if !settings_form::overridden_here(layers, state.settings.scope, &field.path) {
        notify(state, Notice::SettingNotOverridden);
        return;
    }
    let (key, path) = (layers.key, field.path.clone());
    apply(state, key, &path, None, fx);
}

/// Sets (`Some`) or removes (`None`) `path` in the scope's stored layer of section `key`,
/// if the section stays usable: the screen shows the new value at once and the services
/// store it. Returns whether it was accepted.
fn apply(
    state: &mut AppState,
    key: &'static str,
    path: &[String],
    value: Option<Value>,
    fx: &mut Vec<Effect>,
) -> bool {
    let scope = state.settings.scope;
    let Some(layers) = state
        .settings
        .sections
        .as_ref()
        .and_then(|s| s.iter().find(|l| l.key == key))
    else {
        return false;
    };
    let Some(section) = editable(key) else {
        return false;
    };
    let current = layers.stored(scope);
    let candidate = match value {
        Some(v) => Some(with_path(current, path, v)),
        None => current.and_then(|c| without_path(c, path)),
    };
    if let Err(reason) = section.check(layers.merged_with(scope, candidate.as_ref())) {
        let reason = reason.text(state.lang == crate::tui::Lang::Ru).to_string();
        refuse(state, path, reason);
        return false;
    }
    if let Some(l) = state
        .settings
        .sections
        .as_mut()
        .and_then(|s| s.iter_mut().find(|l| l.key == key))
    {
        match scope {
            Scope::Global => l.global = candidate.clone(),
            Scope::Account(_) => l.account = candidate.clone(),
        }
    }
    refresh_fields(state);
    if matches!(state.current_notice(), Some(Notice::SettingRefused { .. })) {
        state.notice = None;
    }
    fx.push(Effect::Command(Command::SaveSetting {
        scope,
        key: key.to_string(),
        layer: candidate,
    }));
    true
}

fn refuse(state: &mut AppState, path: &[String], reason: String) {
    notify(
        state,
        Notice::SettingRefused {
            field: path.join("."),
            reason,
        },
    );
}

/// The services stored a change, or refused it: either way the screen re-reads what is
/// stored, so it never shows a value that was not saved.
pub(super) fn saved(state: &mut AppState, key: &str, error: Option<String>, fx: &mut Vec<Effect>) {
    match error {
        None => notify(state, Notice::SettingSaved),
        Some(reason) => notify(
            state,
            Notice::SettingRefused {
                field: key.to_string(),
                reason,
            },
        ),
    }
    if state.settings.sections.is_some() {
        reload(state, fx);
    }
}

/// The shadow figures came: the confirmation opens, showing them, if the seller is still
/// on this account's settings.
pub(super) fn figures_loaded(
    state: &mut AppState,
    account_id: i64,
    figures: Result<crate::prepare::auto_live::ShadowFigures, String>,
) {
    let here = state.screen == super::super::state::Screen::Settings
        && state.settings.scope == Scope::Account(account_id)
        && state.mode == Mode::Screen;
    match figures {
        Ok(figures) if here => {
            notify(state, Notice::GoLiveFigures(figures.counts()));
            state.settings.go_live = Some((account_id, figures));
            let mut textarea = TextArea::default();
            textarea.set_cursor_line_style(Style::default());
            state.prompt = Some(Prompt {
                kind: PromptKind::GoLive,
                textarea,
            });
            state.mode = Mode::Prompt;
        }
        Ok(_) => {}
        Err(e) => notify(state, Notice::GoLiveFailed(e)),
    }
}

/// The word was typed: the right one sends the go-live; anything else keeps the prompt.
pub(super) fn submit_go_live(state: &mut AppState, typed: String, fx: &mut Vec<Effect>) {
    let Some((account_id, _)) = state.settings.go_live else {
        cancel_go_live(state);
        return;
    };
    if crate::prepare::auto_live::is_live_word(&typed) {
        fx.push(Effect::Command(Command::AutoReplyGoLive {
            account_id,
            word: typed,
        }));
        state.settings.go_live = None;
        state.prompt = None;
        state.mode = Mode::Screen;
        state.notice = None;
    } else {
        let word = super::super::strings::Strings::for_lang(state.lang).live_word;
        notify(state, Notice::GoLiveWordNeeded(word.to_string()));
    }
}

pub(super) fn cancel_go_live(state: &mut AppState) {
    state.settings.go_live = None;
    state.prompt = None;
    state.mode = Mode::Screen;
    if matches!(state.current_notice(), Some(Notice::GoLiveFigures(_))) {
        state.notice = None;
    }
}

/// The services answered the go-live.
pub(super) fn went_live(state: &mut AppState, error: Option<String>, fx: &mut Vec<Effect>) {
    match error {
        None => notify(state, Notice::AutoRepliesLive),
        Some(e) => notify(state, Notice::GoLiveFailed(e)),
    }
    if state.settings.sections.is_some() {
        reload(state, fx);
    }
}
