//! The intent picker on a TestBackend through the real reducer and reads: `correct_intent`
//! shows SPEC's intents over the inbox, the choice is sent to the services, and their
//! answer is shown.

mod tui_support;

use agentiq::ai::Intent;
use agentiq::protocol::{Command, Event};
use agentiq::tui::{Action, Mode};
use tui_support::{assert_lacks, assert_shows, Harness};

#[test]
fn the_picker_lists_the_intents_and_sends_the_choice() {
    let mut h = Harness::new(120, 40);
    let id = h.state.queue.selected_id.expect("a selection");
    h.act(Action::CorrectIntent);
    assert_eq!(h.state.mode, Mode::Picker);
    let screen = h.screen(120, 40);
    assert_shows(
        &screen,
        &[
            "Намерение",
            "статус доставки (delivery_status)",
            "другое (other)",
        ],
    );
    h.act(Action::MoveDown);
    h.act(Action::MoveDown);
    h.act(Action::Confirm);
    assert_eq!(
        h.commands.try_recv().expect("a command"),
        Command::CorrectIntent {
            interaction_id: id,
            intent: Intent::ALL[2],
        }
    );
    let screen = h.screen(120, 40);
    assert_lacks(&screen, &["статус доставки (delivery_status)"]);

    h.act(Action::Background(Event::IntentCorrected {
        interaction_id: id,
        intent: Intent::ALL[2],
        error: None,
    }));
    let screen = h.screen(120, 40);
    assert_shows(&screen, &["Намерение исправлено"]);
}

#[test]
fn in_english_the_picker_names_the_intents() {
    let mut h = Harness::new(100, 30).in_english();
    h.act(Action::CorrectIntent);
    let screen = h.screen(100, 30);
    assert_shows(&screen, &["Intent", "delivery_status", "compatibility"]);
}
