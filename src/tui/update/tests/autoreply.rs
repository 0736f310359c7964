//! The auto-responder's settings, driven through the settings screen's reducer against a
//! real (in-memory) store the way the services store them: in whatever order the seller
//! flips `enabled` and `shadow`, resets them or changes other fields, the account is never
//! live without the deliberate go-live record; and with it, live exactly while the
//! settings allow it since the go-live.

use proptest::prelude::*;
use rusqlite::Connection;

use super::*;
use crate::prepare::auto_live::{self, AutoMode};
use crate::protocol::Event;
use crate::settings::Scope;
use crate::tui::settings_sections::{read_layers, store_layer};
use crate::tui::state::{Mode, Screen};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// Enter on a switch of `[auto_response]` at a scope.
    Flip(&'static str, Scope),
    /// Reset of a field at a scope.
    Reset(&'static str, Scope),
    /// A number typed into `hourly_cap` (another field in the same stored layer).
    Cap(Scope),
    /// The typed confirmation for account 1.
    GoLive,
    /// The kill switch.
    Off,
}

fn step() -> impl Strategy<Value = Step> {
    let scope = prop_oneof![Just(Scope::Global), Just(Scope::Account(1))];
    let switch = prop_oneof![Just("enabled"), Just("shadow")];
    prop_oneof![
        (switch.clone(), scope.clone()).prop_map(|(f, s)| Step::Flip(f, s)),
        (switch, scope.clone()).prop_map(|(f, s)| Step::Reset(f, s)),
        scope.prop_map(Step::Cap),
        Just(Step::GoLive),
        Just(Step::Off),
    ]
}

struct World {
    conn: Connection,
    state: AppState,
    fake: Fake,
    /// The model: whether a go-live record should exist.
    record: bool,
}

impl World {
    fn new() -> World {
        let mut conn = Connection::open_in_memory().unwrap();
        crate::store::migrate_for_tests(&mut conn);
        for a in accounts() {
            conn.execute(
                "INSERT INTO accounts (id, name, marketplace, created_at) VALUES (?1, ?2, ?3, 0)",
                rusqlite::params![a.id, a.name, a.marketplace.as_str()],
            )
            .unwrap();
        }
        let (state, fake) = started(3);
        let mut world = World {
            conn,
            state,
            fake,
            record: false,
        };
        world.reset();
        world
    }

    /// Nothing stored, the settings screen freshly open: a new world without migrating
    /// a new database.
    fn reset(&mut self) {
        self.conn
            .execute_batch(
                "DELETE FROM settings; DELETE FROM autoreply_live; DELETE FROM audit_log;",
            )
            .unwrap();
        (self.state, self.fake) = started(3);
        self.fake.act(&mut self.state, Action::ScreenSettings);
        assert_eq!(self.state.screen, Screen::Settings);
        self.record = false;
        self.load(Scope::Global);
    }

    /// Answers the screen's read for `scope` from the store.
    fn load(&mut self, scope: Scope) {
        let sections = read_layers(&self.conn, scope).unwrap();
        self.fake
            .act(&mut self.state, Action::SettingsLoaded { scope, sections });
    }

    fn go_to(&mut self, scope: Scope, field: &str) {
        while self.state.settings.scope != scope {
            self.fake.act(&mut self.state, Action::CycleAccount);
        }
        if self.state.settings.sections.is_none() {
            self.load(scope);
        }
        while self.state.settings.current().map(|l| l.key) != Some("auto_response") {
            self.fake.act(&mut self.state, Action::NextTab);
        }
        let at = self
            .state
            .settings
            .fields
            .iter()
            .position(|f| f.name() == field)
            .expect("field");
        self.fake.act(&mut self.state, Action::Top);
        for _ in 0..at {
            self.fake.act(&mut self.state, Action::MoveDown);
        }
    }

    /// Stores what the reducer sent, as the services do, and answers it.
    fn store(&mut self, commands: Vec<Command>) {
        for command in commands {
            let Command::SaveSetting { scope, key, layer } = command else {
                continue;
            };
            let error = store_layer(&self.conn, scope, &key, layer.as_ref())
                .err()
                .map(|e| format!("{e:#}"));
            self.fake.act(
                &mut self.state,
                Action::Background(Event::SettingSaved { key, error }),
            );
            self.load(scope);
        }
    }

    fn policy(&self) -> crate::prepare::AutoPolicy {
        crate::settings::load(&self.conn, Some(1)).unwrap()
    }

    fn apply(&mut self, step: Step) {
        match step {
            Step::Flip(field, scope) => {
                self.go_to(scope, field);
                let sent = self.fake.act(&mut self.state, Action::Confirm);
                self.store(sent);
            }
            Step::Reset(field, scope) => {
                self.go_to(scope, field);
                let sent = self.fake.act(&mut self.state, Action::ResetSetting);
                self.store(sent);
            }
            Step::Cap(scope) => {
                self.go_to(scope, "hourly_cap");
                self.fake.act(&mut self.state, Action::Confirm);
                assert_eq!(self.state.mode, Mode::Prompt);
                update(
                    &mut self.state,
                    Action::PromptInput(Input {
                        key: Key::Char('u'),
                        ctrl: true,
                        ..Input::default()
                    }),
                );
                type_prompt(&mut self.state, "5");
                let sent = self.fake.act(&mut self.state, Action::Confirm);
                self.store(sent);
            }
            Step::GoLive => {
                let p = self.policy();
                let done = auto_live::go_live(&self.conn, 1, "ВКЛЮЧИТЬ", "test", t0());
                let allowed = p.enabled && !p.shadow && !self.record;
                assert_eq!(done.is_ok(), allowed, "go-live with {p:?}: {done:?}");
                self.record |= allowed;
            }
            Step::Off => {
                auto_live::kill_switch(&self.conn, None, "test", t0()).unwrap();
                self.record = false;
                // The screen shows what is stored now.
                let scope = self.state.settings.scope;
                self.load(scope);
            }
        }
        let p = self.policy();
        if !p.enabled || p.shadow {
            self.record = false;
        }
    }

    fn check(&self, steps: &[Step]) {
        let p = self.policy();
        let mode = auto_live::account_mode(&self.conn, 1).unwrap();
        let expected = if !p.enabled {
            "off"
        } else if self.record && !p.shadow {
            "live"
        } else {
            "shadow"
        };
        assert_eq!(mode.as_str(), expected, "after {steps:?} with {p:?}");
        // Account 2 never went live, whatever its settings say.
        assert!(
            !matches!(
                auto_live::account_mode(&self.conn, 2).unwrap(),
                AutoMode::Live { .. }
            ),
            "after {steps:?}"
        );
    }
}

/// Every order of the settings actions of the reported incident (enable, shadow, the
/// cap, resets), without a go-live: never live.
#[test]
fn no_order_of_settings_changes_makes_auto_replies_live() {
    let steps = [
        Step::Flip("enabled", Scope::Global),
        Step::Flip("shadow", Scope::Account(1)),
        Step::Flip("shadow", Scope::Account(1)),
        Step::Cap(Scope::Global),
        Step::Reset("shadow", Scope::Global),
    ];
    let mut orders = vec![vec![]];
    for _ in 0..steps.len() {
        orders = orders
            .into_iter()
            .flat_map(|o: Vec<usize>| {
                (0..steps.len())
                    .filter(|i| !o.contains(i))
                    .map(|i| [o.clone(), vec![i]].concat())
                    .collect::<Vec<_>>()
            })
            .collect();
    }
    assert_eq!(orders.len(), 120);
    let mut world = World::new();
    for order in orders {
        world.reset();
        let mut done = Vec::new();
        for i in order {
            world.apply(steps[i]);
            done.push(steps[i]);
            world.check(&done);
            assert_ne!(
                auto_live::account_mode(&world.conn, 1).unwrap().as_str(),
                "live",
                "{done:?}"
            );
        }
    }
}

thread_local! {
    static WORLD: std::cell::RefCell<World> = std::cell::RefCell::new(World::new());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Any sequence of settings changes, go-lives and kill switches: live exactly when a
    /// go-live was accepted and nothing since turned the account off or into shadow.
    #[test]
    fn live_only_after_a_deliberate_go_live(steps in proptest::collection::vec(step(), 1..10)) {
        WORLD.with(|world| {
            let mut world = world.borrow_mut();
            world.reset();
            for (n, &s) in steps.iter().enumerate() {
                world.apply(s);
                world.check(&steps[..=n]);
            }
        });
    }
}

#[test]
fn enabling_then_going_live_then_disabling_and_enabling_again_is_shadow() {
    let mut world = World::new();
    world.apply(Step::Flip("enabled", Scope::Global));
    assert_eq!(
        auto_live::account_mode(&world.conn, 1).unwrap(),
        AutoMode::Shadow
    );
    assert!(auto_live::go_live(&world.conn, 1, "включить", "test", t0()).is_ok());
    assert!(matches!(
        auto_live::account_mode(&world.conn, 1).unwrap(),
        AutoMode::Live { .. }
    ));
    world.apply(Step::Flip("enabled", Scope::Global));
    world.apply(Step::Flip("enabled", Scope::Global));
    assert_eq!(
        auto_live::account_mode(&world.conn, 1).unwrap(),
        AutoMode::Shadow,
        "off and on again starts in shadow"
    );
    let err = auto_live::go_live(&world.conn, 1, "да", "test", t0()).unwrap_err();
    assert!(err.to_string().contains("ВКЛЮЧИТЬ"), "{err}");
}

#[test]
fn the_kill_switch_is_one_key_in_the_inbox() {
    let (mut state, mut fake) = started(3);
    let sent = fake.act(&mut state, Action::StopAutoReplies);
    assert_eq!(sent, vec![Command::StopAutoReplies]);
    fake.act(
        &mut state,
        Action::Background(Event::AutoRepliesStopped {
            cancelled: 2,
            error: None,
        }),
    );
    assert_eq!(
        state.current_notice(),
        Some(&crate::tui::state::Notice::AutoRepliesStopped(2))
    );
    for name in ["default", "emacs"] {
        let (map, problem) = crate::tui::load_keymap(std::path::Path::new("/nonexistent"), name);
        assert_eq!(problem, None);
        assert!(
            crate::tui::keymap_report(&map).contains("stop_auto_replies"),
            "{name} binds the kill switch"
        );
    }
}

#[test]
fn going_live_shows_the_figures_and_takes_only_the_word() {
    use crate::tui::state::{Notice, PromptKind};
    let mut world = World::new();
    // At the global scope it is refused: going live is per account.
    assert!(world.fake.act(&mut world.state, Action::GoLive).is_empty());
    assert_eq!(
        world.state.current_notice(),
        Some(&Notice::GoLiveNeedsAccount)
    );
    world.go_to(Scope::Account(1), "enabled");
    let sent = world.fake.act(&mut world.state, Action::GoLive);
    assert_eq!(sent, vec![Command::AutoReplyFigures { account_id: 1 }]);
    let figures = auto_live::ShadowFigures {
        would_send: 14,
        edited: 3,
        ..Default::default()
    };
    world.fake.act(
        &mut world.state,
        Action::Background(Event::AutoReplyFigures {
            account_id: 1,
            figures: Ok(figures.clone()),
        }),
    );
    assert_eq!(world.state.mode, Mode::Prompt);
    assert_eq!(
        world.state.prompt.as_ref().map(|p| p.kind),
        Some(PromptKind::GoLive)
    );
    assert_eq!(
        world.state.current_notice(),
        Some(&Notice::GoLiveFigures(figures.counts()))
    );
    type_prompt(&mut world.state, "да");
    assert!(world.fake.act(&mut world.state, Action::Confirm).is_empty());
    assert!(matches!(
        world.state.current_notice(),
        Some(Notice::GoLiveWordNeeded(_))
    ));
    assert_eq!(world.state.mode, Mode::Prompt, "the prompt stays");
    world.state.prompt = None;
    world.state.mode = Mode::Screen;
    world.fake.act(&mut world.state, Action::GoLive);
    world.fake.act(
        &mut world.state,
        Action::Background(Event::AutoReplyFigures {
            account_id: 1,
            figures: Ok(Default::default()),
        }),
    );
    type_prompt(&mut world.state, "ВКЛЮЧИТЬ");
    let sent = world.fake.act(&mut world.state, Action::Confirm);
    assert_eq!(
        sent,
        vec![Command::AutoReplyGoLive {
            account_id: 1,
            word: "ВКЛЮЧИТЬ".into()
        }]
    );
    assert_eq!(world.state.mode, Mode::Screen);
}
