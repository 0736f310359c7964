//! The settings screen's "experiment" tab: what its keys send, and what they refuse
//! before anything is sent.

use ratatui_textarea::{Input, Key};

use super::analytics_settings::settings_open;
use super::*;
use crate::experiments::{self, Arm, Overview, Scope, StartRequest, State};
use crate::protocol::Event;
use crate::tui::state::{Mode, Notice, PromptKind};

/// The overview the services would read from a store where `started` experiments were
/// started (and the last one moved to `state`).
fn overview(started: &[&str], state: Option<State>) -> Overview {
    let mut conn = rusqlite::Connection::open_in_memory().unwrap();
    crate::store::migrate_for_tests(&mut conn);
    let catalog = experiments::Catalog::shipped();
    for name in started {
        let request = StartRequest {
            name: name.to_string(),
            arms: vec![arm("drafts-ru-brief", 1), arm("drafts-ru-v2", 1)],
            scope: Scope::default(),
        };
        experiments::set_state(&mut conn, State::Stopped, t0()).unwrap();
        experiments::start(&mut conn, &catalog, &request, t0()).unwrap();
    }
    if let Some(state) = state {
        experiments::set_state(&mut conn, state, t0()).unwrap();
    }
    experiments::overview(&conn, None, t0()).unwrap()
}

fn arm(version: &str, weight: u32) -> Arm {
    Arm {
        version: version.into(),
        weight,
    }
}

/// The settings screen on its "experiment" tab, with `overview` read.
fn on_tab(overview: Overview) -> (AppState, Fake) {
    let (mut state, mut fake) = settings_open();
    let sent = fake.act(&mut state, Action::PrevTab);
    assert!(state.settings.on_experiment_tab());
    assert_eq!(sent, vec![Command::LoadExperiment]);
    fake.act(
        &mut state,
        Action::Background(Event::ExperimentLoaded(Ok(Box::new(overview)))),
    );
    (state, fake)
}

fn type_line(state: &mut AppState, fake: &mut Fake, text: &str) {
    fake.act(
        state,
        Action::PromptInput(Input {
            key: Key::Char('u'),
            ctrl: true,
            ..Input::default()
        }),
    );
    for c in text.chars() {
        fake.act(
            state,
            Action::PromptInput(Input {
                key: Key::Char(c),
                ..Input::default()
            }),
        );
    }
}

#[test]
fn a_start_sends_the_chosen_versions_with_their_weights_and_a_name() {
    let (mut state, mut fake) = on_tab(overview(&[], None));
    assert_eq!(state.settings.experiment.weights, vec![0, 0]);
    // Nothing chosen: refused before anything is asked or sent.
    assert!(fake.act(&mut state, Action::ExperimentStart).is_empty());
    assert_eq!(
        state.current_notice(),
        Some(&Notice::ExperimentNeedsVersions)
    );
    assert_eq!(state.mode, Mode::Screen);
    // One version is not an experiment either.
    fake.act(&mut state, Action::Confirm);
    assert!(fake.act(&mut state, Action::ExperimentStart).is_empty());
    assert_eq!(state.mode, Mode::Screen);
    fake.act(&mut state, Action::MoveDown);
    fake.act(&mut state, Action::Confirm);
    fake.act(&mut state, Action::Confirm);
    assert_eq!(state.settings.experiment.weights, vec![1, 2]);

    assert!(fake.act(&mut state, Action::ExperimentStart).is_empty());
    assert_eq!(state.mode, Mode::Prompt);
    assert_eq!(
        state.prompt.as_ref().map(|p| p.kind),
        Some(PromptKind::ExperimentName)
    );
    // An empty name keeps the prompt open.
    type_line(&mut state, &mut fake, "  ");
    assert!(fake.act(&mut state, Action::Confirm).is_empty());
    assert_eq!(state.current_notice(), Some(&Notice::ExperimentNeedsName));
    assert_eq!(state.mode, Mode::Prompt);
    type_line(&mut state, &mut fake, "brevity");
    let sent = fake.act(&mut state, Action::Confirm);
    assert_eq!(
        sent,
        vec![Command::StartExperiment(StartRequest {
            name: "brevity".into(),
            arms: vec![arm("drafts-ru-brief", 1), arm("drafts-ru-v2", 2)],
            scope: Scope::default(),
        })]
    );
    assert_eq!(state.mode, Mode::Screen);

    // The services' refusal is shown, and the tab re-reads.
    let why = "experiment 'old' is running: stop it first (agentiq experiment stop)";
    let sent = fake.act(
        &mut state,
        Action::Background(Event::ExperimentChanged(Err(why.into()))),
    );
    assert_eq!(
        state.current_notice(),
        Some(&Notice::ExperimentRefused(why.into()))
    );
    assert_eq!(sent, vec![Command::LoadExperiment]);
}

#[test]
fn at_an_accounts_scope_the_experiment_covers_that_account() {
    let (mut state, mut fake) = on_tab(overview(&[], None));
    fake.act(&mut state, Action::CycleAccount);
    assert_eq!(state.settings.scope, crate::settings::Scope::Account(1));
    fake.act(
        &mut state,
        Action::SettingsLoaded {
            scope: crate::settings::Scope::Account(1),
            sections: super::analytics_settings::default_layers(),
        },
    );
    assert!(state.settings.on_experiment_tab());
    fake.act(&mut state, Action::Confirm);
    fake.act(&mut state, Action::MoveDown);
    fake.act(&mut state, Action::Confirm);
    fake.act(&mut state, Action::ExperimentStart);
    type_line(&mut state, &mut fake, "one shop");
    let sent = fake.act(&mut state, Action::Confirm);
    let [Command::StartExperiment(request)] = sent.as_slice() else {
        panic!("{sent:?}");
    };
    assert_eq!(request.scope.account_id, Some(1));
}

#[test]
fn a_weight_cycles_back_to_out_and_reset_takes_a_version_out() {
    let (mut state, mut fake) = on_tab(overview(&[], None));
    for _ in 0..crate::tui::update::experiment::MAX_WEIGHT {
        fake.act(&mut state, Action::Confirm);
    }
    assert_eq!(state.settings.experiment.weights[0], 5);
    fake.act(&mut state, Action::Confirm);
    assert_eq!(state.settings.experiment.weights[0], 0);
    fake.act(&mut state, Action::Confirm);
    fake.act(&mut state, Action::ResetSetting);
    assert_eq!(state.settings.experiment.weights[0], 0);
    // A re-read keeps the weights with their versions.
    fake.act(&mut state, Action::Confirm);
    fake.act(
        &mut state,
        Action::Background(Event::ExperimentLoaded(Ok(Box::new(overview(&[], None))))),
    );
    assert_eq!(state.settings.experiment.weights, vec![1, 0]);
}

#[test]
fn pause_resume_and_a_confirmed_stop_send_their_commands() {
    let (mut state, mut fake) = on_tab(overview(&["warmth"], None));
    assert_eq!(
        fake.act(&mut state, Action::ExperimentPause),
        vec![Command::SetExperimentState(State::Paused)]
    );
    fake.act(
        &mut state,
        Action::Background(Event::ExperimentLoaded(Ok(Box::new(overview(
            &["warmth"],
            Some(State::Paused),
        ))))),
    );
    assert_eq!(
        fake.act(&mut state, Action::ExperimentPause),
        vec![Command::SetExperimentState(State::Running)]
    );

    // Stop asks first: n keeps it, y stops it.
    assert!(fake.act(&mut state, Action::ExperimentStop).is_empty());
    assert_eq!(state.mode, Mode::Confirm);
    assert_eq!(
        state.current_notice(),
        Some(&Notice::ExperimentStopAsk("warmth".into()))
    );
    assert!(fake.act(&mut state, Action::Cancel).is_empty());
    assert_eq!(state.mode, Mode::Screen);
    fake.act(&mut state, Action::ExperimentStop);
    assert_eq!(
        fake.act(&mut state, Action::Confirm),
        vec![Command::SetExperimentState(State::Stopped)]
    );
    assert_eq!(state.mode, Mode::Screen);
}

#[test]
fn with_nothing_running_pause_and_stop_say_so_and_send_nothing() {
    for o in [
        overview(&[], None),
        overview(&["done"], Some(State::Stopped)),
    ] {
        let (mut state, mut fake) = on_tab(o);
        assert!(fake.act(&mut state, Action::ExperimentPause).is_empty());
        assert_eq!(state.current_notice(), Some(&Notice::ExperimentNoneActive));
        state.notice = None;
        assert!(fake.act(&mut state, Action::ExperimentStop).is_empty());
        assert_eq!(state.current_notice(), Some(&Notice::ExperimentNoneActive));
        assert_eq!(state.mode, Mode::Screen);
    }
}
