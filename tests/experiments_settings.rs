//! The settings screen's "experiment" tab through the real reducer, reads and runtime
//! router (offline services) on a real store, rendered on a TestBackend: an experiment
//! started from the screen is the one `agentiq experiment start` makes with the same
//! versions, and pausing and stopping it write the same rows and audit records.

mod tui_support;

mod common;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use agentiq::experiments::{self, State};
use agentiq::protocol::Event;
use agentiq::runtime::{ServiceOptions, Services};
use agentiq::store::Store;
use agentiq::tui::{Action, Mode};
use ratatui_textarea::{Input, Key};

use tui_support::{assert_shows, Harness};

const WARM: &str =
    "description = \"Теплее\"\ninstructions = \"Пиши тепло.\"\n[few_shot]\nexamples = 2\n";

/// A folder with `data/` and `config/prompts/warm.toml`, and its store.
fn home() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("temp dir");
    let prompts = dir.path().join("config").join("prompts");
    std::fs::create_dir_all(&prompts).unwrap();
    std::fs::create_dir_all(dir.path().join("data")).unwrap();
    std::fs::write(prompts.join("warm.toml"), WARM).unwrap();
    let store = Store::open(dir.path().join("data").join("agentiq.db")).expect("store");
    (dir, store)
}

fn cli(dir: &Path, args: &[&str]) {
    let (code, _, err) = common::run_agentiq(dir, args);
    assert_eq!(code, 0, "{args:?}: {err}");
}

/// Hands the screen's commands to the services and its answers back to the screen,
/// until an answer `done` accepts has been applied.
fn exchange(
    h: &mut Harness,
    rt: &tokio::runtime::Runtime,
    services: &mut Services,
    done: fn(&Event) -> bool,
) {
    while let Ok(command) = h.commands.try_recv() {
        services.commands.send(command).expect("services run");
    }
    loop {
        let event = rt
            .block_on(async {
                tokio::time::timeout(Duration::from_secs(10), services.events.recv()).await
            })
            .expect("an answer in time")
            .expect("services run");
        let finished = done(&event);
        h.act(Action::Background(event));
        if finished {
            return;
        }
    }
}

fn loaded(e: &Event) -> bool {
    matches!(e, Event::ExperimentLoaded(_))
}

/// A change, then the tab's re-read.
fn change(h: &mut Harness, rt: &tokio::runtime::Runtime, services: &mut Services) {
    exchange(h, rt, services, |e| {
        matches!(e, Event::ExperimentChanged(Ok(_)))
    });
    exchange(h, rt, services, loaded);
}

fn audit(store: &Store) -> Vec<String> {
    let conn = store.reader().unwrap();
    let mut stmt = conn
        .prepare("SELECT action FROM audit_log WHERE action LIKE 'experiment_%' ORDER BY id")
        .unwrap();
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn an_experiment_started_from_the_settings_screen_is_the_one_the_cli_starts() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (screen_dir, screen_store) = home();
    let (cli_dir, cli_store) = home();
    let mut services = rt
        .block_on(Services::start(
            &screen_store,
            &[],
            ServiceOptions {
                poll_every: Duration::from_secs(60),
                clock: Arc::new(chrono::Utc::now),
                notify_lang: agentiq::notify::Lang::Ru,
                llm: None,
                offline: true,
                prompts: Some(screen_dir.path().join("config").join("prompts")),
                kind: agentiq::store::ProcessKind::Inbox,
            },
        ))
        .expect("services start");
    let harness_dir = tempfile::tempdir().unwrap();
    let mut h = Harness::on(harness_dir, screen_store.clone(), 120, 40);

    h.act(Action::ScreenSettings);
    // The experiment tab is the last: one step back from the first section.
    h.act(Action::PrevTab);
    exchange(&mut h, &rt, &mut services, loaded);
    assert_shows(
        &h.screen(120, 40),
        &[
            "Эксперимент",
            "Экспериментов ещё не было",
            "drafts-ru-v2",
            "warm [seller]",
        ],
    );

    // drafts-ru-brief, drafts-ru-v2, warm: v2 ×1 and warm ×2.
    h.act(Action::MoveDown);
    h.act(Action::Confirm);
    h.act(Action::MoveDown);
    h.act(Action::Confirm);
    h.act(Action::Confirm);
    h.act(Action::ExperimentStart);
    assert_eq!(h.state.mode, Mode::Prompt);
    h.act(Action::PromptInput(Input {
        key: Key::Char('u'),
        ctrl: true,
        ..Input::default()
    }));
    h.type_text("warmth");
    h.act(Action::Confirm);
    change(&mut h, &rt, &mut services);
    assert_shows(
        &h.screen(120, 40),
        &["Эксперимент «warmth»: идёт", "drafts-ru-v2", "warm"],
    );

    cli(
        cli_dir.path(),
        &[
            "experiment",
            "start",
            "warmth",
            "--arm",
            "drafts-ru-v2=1",
            "--arm",
            "warm=2",
        ],
    );
    let now = chrono::Utc::now();
    let from_screen = experiments::status(&screen_store.reader().unwrap(), now)
        .unwrap()
        .expect("started from the screen")
        .experiment;
    let from_cli = experiments::status(&cli_store.reader().unwrap(), now)
        .unwrap()
        .expect("started by the CLI")
        .experiment;
    let same = |e: &experiments::Experiment| {
        (
            e.name.clone(),
            e.state,
            e.scope.clone(),
            e.arms.clone(),
            e.versions.clone(),
        )
    };
    assert_eq!(same(&from_screen), same(&from_cli));
    assert_eq!(from_screen.state, State::Running);

    // Pause, then stop (asked first; n keeps it).
    h.act(Action::ExperimentPause);
    change(&mut h, &rt, &mut services);
    assert_shows(&h.screen(120, 40), &["«warmth»: на паузе"]);
    h.act(Action::ExperimentStop);
    assert_eq!(h.state.mode, Mode::Confirm);
    h.act(Action::Cancel);
    assert_eq!(h.state.mode, Mode::Screen);
    assert!(h.commands.try_recv().is_err(), "n stops nothing");
    h.act(Action::ExperimentStop);
    h.act(Action::Confirm);
    change(&mut h, &rt, &mut services);
    assert_shows(&h.screen(120, 40), &["«warmth»: остановлен"]);

    cli(cli_dir.path(), &["experiment", "pause"]);
    cli(cli_dir.path(), &["experiment", "stop"]);
    assert_eq!(audit(&screen_store), audit(&cli_store));
    assert_eq!(
        audit(&screen_store),
        [
            "experiment_started",
            "experiment_paused",
            "experiment_stopped"
        ]
    );
    drop(screen_dir);
}
