//! Correcting an item's intent: `correct_intent` opens a picker on the item's intent,
//! the choice becomes `Command::CorrectIntent`, Esc or the same intent sends nothing,
//! and the services' answer shows a notice and reads the item again.

use super::*;
use crate::ai::Intent;
use crate::protocol::Event;
use crate::tui::state::{Mode, Notice};

fn position(intent: Intent) -> usize {
    Intent::ALL.iter().position(|i| *i == intent).unwrap()
}

#[test]
fn the_picker_opens_on_the_items_intent_and_sends_the_choice() {
    let (mut state, mut fake) = started(3);
    fake.rows[0].intent = Some("thanks".into());
    fake.act(&mut state, Action::Refresh);
    let id = state.queue.selected_id.expect("a selection");
    fake.act(&mut state, Action::FocusDetail);

    let sent = fake.act(&mut state, Action::CorrectIntent);
    assert!(sent.is_empty());
    assert_eq!(state.mode, Mode::Picker);
    let picker = state.intent_picker.clone().expect("the intent picker");
    assert_eq!(picker.selected, position(Intent::Thanks));
    assert_eq!(picker.current, Some(Intent::Thanks));

    fake.act(&mut state, Action::MoveDown);
    let sent = fake.act(&mut state, Action::Confirm);
    assert_eq!(
        sent,
        vec![Command::CorrectIntent {
            interaction_id: id,
            intent: Intent::ALL[position(Intent::Thanks) + 1],
        }]
    );
    assert_eq!(state.mode, Mode::Detail, "back where it was opened");
    assert!(state.intent_picker.is_none());
}

#[test]
fn esc_or_the_same_intent_sends_nothing() {
    let (mut state, mut fake) = started(3);
    fake.rows[0].intent = Some("wrong_item".into());
    fake.act(&mut state, Action::Refresh);

    fake.act(&mut state, Action::CorrectIntent);
    fake.act(&mut state, Action::Bottom);
    assert!(fake.act(&mut state, Action::Cancel).is_empty());
    assert_eq!(state.mode, Mode::Queue);

    fake.act(&mut state, Action::CorrectIntent);
    assert!(fake.act(&mut state, Action::Confirm).is_empty());
    assert_eq!(state.mode, Mode::Queue);
}

#[test]
fn the_answer_shows_a_notice_and_reads_the_item_again() {
    let (mut state, mut fake) = started(3);
    let id = state.queue.selected_id.expect("a selection");
    let reads = fake.reads;
    fake.act(
        &mut state,
        Action::Background(Event::IntentCorrected {
            interaction_id: id,
            intent: Intent::WrongItem,
            error: None,
        }),
    );
    assert_eq!(
        state.current_notice(),
        Some(&Notice::IntentCorrected(Intent::WrongItem))
    );
    assert!(fake.reads > reads, "the queue is read again");
    fake.act(
        &mut state,
        Action::Background(Event::IntentCorrected {
            interaction_id: id,
            intent: Intent::WrongItem,
            error: Some("no such item".into()),
        }),
    );
    assert_eq!(
        state.current_notice(),
        Some(&Notice::IntentNotCorrected("no such item".into()))
    );
}
