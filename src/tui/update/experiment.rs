//! The settings screen's "experiment" tab: the current experiment and its figures per
//! version, the versions a new one may compare with their weights, and the keys that
//! start, pause, resume and stop one. What is stored and checked is
//! `crate::experiments`' (the same as `agentiq experiment`): the tab sends commands and
//! shows the answers.

use ratatui::style::Style;
use ratatui_textarea::{CursorMove, TextArea};

use crate::experiments::{Overview, Scope, StartRequest, State};
use crate::protocol::Command;
use crate::settings::Scope as SettingsScope;

use super::super::action::{Action, Effect};
use super::super::state::{AppState, Mode, Notice, Prompt, PromptKind};
use super::notify;

/// The highest weight Enter cycles to before taking the version out again.
pub const MAX_WEIGHT: u32 = 5;

/// The services read the tab's overview: the weights chosen so far stay with their
/// versions.
pub(super) fn loaded(state: &mut AppState, answer: Result<Box<Overview>, String>) {
    let overview = match answer {
        Ok(o) => *o,
        Err(e) => return notify(state, Notice::LoadFailed(e)),
    };
    let tab = &mut state.settings.experiment;
    let old: Vec<(String, u32)> = tab
        .overview
        .as_ref()
        .map(|o| {
            o.versions
                .iter()
                .map(|v| v.name.clone())
                .zip(tab.weights.iter().copied())
                .collect()
        })
        .unwrap_or_default();
    tab.weights = overview
        .versions
        .iter()
        .map(|v| {
            old.iter()
                .find(|(name, _)| *name == v.name)
                .map_or(0, |(_, w)| *w)
        })
        .collect();
    tab.overview = Some(overview);
    if state.settings.on_experiment_tab() {
        let v = state.visible_screen_rows();
        let len = state.settings.experiment.weights.len();
        let at = state.settings.cursor.selected;
        state.settings.cursor.select(at, len, v);
    }
}

/// Enter on a version: its weight goes up by one, past [`MAX_WEIGHT`] back to out.
pub(super) fn next_weight(state: &mut AppState) {
    let at = state.settings.cursor.selected;
    if let Some(w) = state.settings.experiment.weights.get_mut(at) {
        *w = if *w >= MAX_WEIGHT { 0 } else { *w + 1 };
    }
}

/// `reset_setting` on a version: it is not in the new experiment.
pub(super) fn drop_version(state: &mut AppState) {
    let at = state.settings.cursor.selected;
    if let Some(w) = state.settings.experiment.weights.get_mut(at) {
        *w = 0;
    }
}

/// `experiment_start`: with two versions or more chosen, the name is asked for.
pub(super) fn begin_start(state: &mut AppState) {
    if state.settings.experiment.arms().len() < 2 {
        return notify(state, Notice::ExperimentNeedsVersions);
    }
    let name = format!("exp-{}", state.now.format("%Y-%m-%d"));
    let mut textarea = TextArea::new(vec![name]);
    textarea.set_cursor_line_style(Style::default());
    textarea.move_cursor(CursorMove::End);
    state.prompt = Some(Prompt {
        kind: PromptKind::ExperimentName,
        textarea,
    });
    state.mode = Mode::Prompt;
}

/// The keys of the name prompt.
pub(super) fn name_prompt_mode(state: &mut AppState, action: Action, fx: &mut Vec<Effect>) {
    match action {
        Action::Confirm => {
            let name = state.prompt.as_ref().map(|p| p.text()).unwrap_or_default();
            submit_start(state, name, fx);
        }
        Action::Cancel => close_prompt(state),
        _ => {}
    }
}

fn close_prompt(state: &mut AppState) {
    state.prompt = None;
    state.mode = Mode::Screen;
}

/// The name was typed: the experiment covers the scope's account (every account at the
/// global scope) and is started by the services, which check it against the catalog.
fn submit_start(state: &mut AppState, name: String, fx: &mut Vec<Effect>) {
    let name = name.trim().to_string();
    if name.is_empty() {
        return notify(state, Notice::ExperimentNeedsName);
    }
    let arms = state.settings.experiment.arms();
    if arms.len() < 2 {
        close_prompt(state);
        return notify(state, Notice::ExperimentNeedsVersions);
    }
    let account_id = match state.settings.scope {
        SettingsScope::Global => None,
        SettingsScope::Account(id) => Some(id),
    };
    fx.push(Effect::Command(Command::StartExperiment(StartRequest {
        name,
        arms,
        scope: Scope {
            account_id,
            channel: None,
            intent: None,
        },
    })));
    close_prompt(state);
}

/// `experiment_pause`: pauses the running experiment, resumes a paused one.
pub(super) fn pause_or_resume(state: &mut AppState, fx: &mut Vec<Effect>) {
    let next = match state.settings.experiment.active().map(|e| e.state) {
        Some(State::Running) => State::Paused,
        Some(State::Paused) => State::Running,
        _ => return notify(state, Notice::ExperimentNoneActive),
    };
    fx.push(Effect::Command(Command::SetExperimentState(next)));
}

/// `experiment_stop`: asks first; stopping is for good.
pub(super) fn ask_stop(state: &mut AppState) {
    let Some(name) = state.settings.experiment.active().map(|e| e.name.clone()) else {
        return notify(state, Notice::ExperimentNoneActive);
    };
    state.settings.experiment.confirm_stop = true;
    state.mode = Mode::Confirm;
    notify(state, Notice::ExperimentStopAsk(name));
}

/// Whether the stop confirmation has the keyboard.
pub(super) fn confirming_stop(state: &AppState) -> bool {
    state.settings.experiment.confirm_stop
}

/// The keys of the stop confirmation.
pub(super) fn stop_confirm_mode(state: &mut AppState, action: Action, fx: &mut Vec<Effect>) {
    let confirmed = match action {
        Action::Confirm => true,
        Action::Cancel => false,
        _ => return,
    };
    state.settings.experiment.confirm_stop = false;
    state.mode = Mode::Screen;
    if matches!(state.current_notice(), Some(Notice::ExperimentStopAsk(_))) {
        state.notice = None;
    }
    if confirmed {
        fx.push(Effect::Command(Command::SetExperimentState(State::Stopped)));
    }
}

/// The services started or changed the experiment, or refused to: the tab re-reads.
pub(super) fn changed(
    state: &mut AppState,
    answer: Result<Box<crate::experiments::Experiment>, String>,
    fx: &mut Vec<Effect>,
) {
    match answer {
        Ok(e) => notify(state, Notice::ExperimentChanged(e.name.clone(), e.state)),
        Err(why) => notify(state, Notice::ExperimentRefused(why)),
    }
    fx.push(Effect::Command(Command::LoadExperiment));
}
