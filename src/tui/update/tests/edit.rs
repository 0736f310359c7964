//! Editing a published answer: the key opens the editor with the sent text (WB reviews,
//! once), the same checks and confirmation as a reply, and the reason wherever editing
//! is not available.

use super::*;
use crate::domain::{Answer, EditRefusal, ModerationState};
use crate::protocol::Event;
use crate::tui::state::{Mode, Notice};
use crate::tui::strings::Strings;
use crate::tui::Lang;

const SENT: &str = "Спасибо за отзыв! Мы проверим партию.";

/// The top item answered with [`SENT`], shown in the detail pane.
fn answered(editable: bool, change: impl FnOnce(&mut Interaction)) -> (AppState, Fake) {
    let (mut state, mut fake) = started(3);
    let mut item = interaction(InteractionId(1));
    item.state = AnswerState::Answered;
    item.answer = Some(Answer {
        text: SENT.into(),
        moderation: ModerationState::Published,
        editable,
    });
    change(&mut item);
    fake.act(&mut state, Action::DetailLoaded(Box::new(detail(item))));
    (state, fake)
}

fn refused_with(state: &AppState, why: EditRefusal) {
    assert_eq!(state.current_notice(), Some(&Notice::EditRefused(why)));
    assert!(state.editor.is_none());
    assert_eq!(state.mode, Mode::Queue);
}

#[test]
fn the_edit_key_opens_the_sent_text_and_confirms_into_one_edit() {
    let (mut state, mut fake) = answered(true, |_| {});
    assert!(fake.act(&mut state, Action::EditAnswer).is_empty());
    assert_eq!(state.mode, Mode::Editor);
    let editor = state.editor.as_ref().expect("the editor is open");
    assert_eq!(editor.text(), SENT);
    assert_eq!(editor.edit.as_deref(), Some(SENT));
    assert!(!fake.checks.is_empty(), "the text is checked as a reply is");

    // The same text is no edit.
    assert!(fake.act(&mut state, Action::Send).is_empty());
    assert_eq!(
        state.current_notice(),
        Some(&Notice::EditRefused(EditRefusal::Unchanged))
    );
    assert_eq!(state.mode, Mode::Editor);

    clear_editor(&mut state);
    type_text(
        &mut state,
        "Спасибо за отзыв! Партию заменили, напишите нам.",
    );
    assert!(fake.act(&mut state, Action::Send).is_empty());
    assert_eq!(state.mode, Mode::Confirm);
    let cmds = fake.act(&mut state, Action::Confirm);
    match cmds.as_slice() {
        [Command::EditAnswer {
            interaction_id,
            text,
            override_block,
            ..
        }] => {
            assert_eq!(*interaction_id, InteractionId(1));
            assert_eq!(text, "Спасибо за отзыв! Партию заменили, напишите нам.");
            assert!(!override_block);
        }
        other => panic!("one edit expected, got {other:?}"),
    }
    assert_eq!(state.current_notice(), Some(&Notice::EditQueued));
    assert!(state.editor.is_none());
}

#[test]
fn a_blocked_edit_needs_the_word_as_a_reply_does() {
    let (mut state, mut fake) = answered(true, |_| {});
    fake.act(&mut state, Action::EditAnswer);
    clear_editor(&mut state);
    type_text(&mut state, "Анна, вам показалось.");
    assert!(fake.act(&mut state, Action::Send).is_empty());
    assert_eq!(state.mode, Mode::Override);
}

#[test]
fn a_second_edit_is_refused_with_the_reason_in_the_ui_language() {
    let (mut state, mut fake) = answered(false, |_| {});
    assert!(fake.act(&mut state, Action::EditAnswer).is_empty());
    refused_with(&state, EditRefusal::Used);
    let notice = Notice::EditRefused(EditRefusal::Used);
    let ru = (Strings::for_lang(Lang::Ru).notice)(&notice);
    let en = (Strings::for_lang(Lang::En).notice)(&notice);
    assert!(ru.contains("один раз"), "{ru}");
    assert!(en.contains("once"), "{en}");
}

#[test]
fn the_store_refusing_an_edit_shows_why() {
    let (mut state, mut fake) = answered(true, |_| {});
    fake.act(
        &mut state,
        Action::Background(Event::EditRefused {
            interaction_id: InteractionId(1),
            refusal: EditRefusal::Used,
        }),
    );
    assert_eq!(
        state.current_notice(),
        Some(&Notice::EditRefused(EditRefusal::Used))
    );
}

#[test]
fn where_editing_is_not_available_the_key_says_why() {
    for (marketplace, channel) in [
        (Marketplace::Ozon, Channel::Review),
        (Marketplace::Ozon, Channel::Question),
        (Marketplace::Ozon, Channel::Chat),
        (Marketplace::Wb, Channel::Question),
        (Marketplace::Wb, Channel::Chat),
    ] {
        let (mut state, mut fake) = answered(true, |item| {
            item.marketplace = marketplace;
            item.channel = channel;
        });
        assert!(fake.act(&mut state, Action::EditAnswer).is_empty());
        refused_with(
            &state,
            EditRefusal::NotSupported {
                marketplace,
                channel,
            },
        );
    }
    let (mut state, mut fake) = answered(true, |item| {
        item.state = AnswerState::Open;
        item.answer = None;
    });
    fake.act(&mut state, Action::EditAnswer);
    refused_with(&state, EditRefusal::NotAnswered);
    let (mut state, mut fake) = answered(true, |item| item.state = AnswerState::Pending);
    fake.act(&mut state, Action::EditAnswer);
    refused_with(&state, EditRefusal::InFlight);
}
