//! Guardrail findings in the editor, the typed override of a block, and undoing an
//! auto-reply from the queue.

use super::*;
use crate::ai::guardrails::{Finding, Level, Rule, Severity, Verdict};
use crate::protocol::Event;
use crate::store::PendingAutoReply;
use crate::tui::state::{Mode, Notice};

/// Opens the editor on the top item (a WB review) with `text` typed into it, running
/// every effect the typing asks for.
fn editing(text: &str) -> (AppState, Fake) {
    let (mut state, mut fake) = started(3);
    fake.act(&mut state, Action::Reply);
    clear_editor(&mut state);
    for c in text.chars() {
        fake.act(&mut state, Action::EditorInput(key(c)));
    }
    (state, fake)
}

/// Answers the latest check asked for as the runner's thread would (without recent
/// answers: this stand-in has no store).
fn answer_last_check(state: &mut AppState, fake: &mut Fake) {
    let check = fake.checks.last().expect("a check asked for").clone();
    let verdict = state.editor.as_ref().unwrap().guard.check(&check.text);
    fake.act(
        state,
        Action::ReplyChecked {
            interaction_id: check.interaction_id,
            revision: check.revision,
            verdict,
        },
    );
}

fn rules(state: &AppState) -> Vec<(Rule, Severity)> {
    state
        .editor
        .as_ref()
        .expect("editor open")
        .findings
        .iter()
        .map(|f| (f.rule, f.severity))
        .collect()
}

fn type_word(state: &mut AppState, fake: &mut Fake, word: &str) {
    for c in word.chars() {
        fake.act(state, Action::OverrideInput(key(c)));
    }
}

const SAFE: &str = "Анна, спасибо за отзыв! Нам очень жаль.";
const BANNED: &str = "Анна, вам показалось.";

fn near_duplicate(text: &str) -> Finding {
    Finding {
        rule: Rule::NearDuplicate,
        severity: Severity::Warn,
        reason_ru: "Почти повторяет недавний ответ.".into(),
        reason_en: "Nearly repeats a recent answer.".into(),
        span: 0..text.len(),
    }
}

#[test]
fn findings_follow_the_text_as_it_is_checked() {
    let (mut state, mut fake) = editing(SAFE);
    answer_last_check(&mut state, &mut fake);
    assert!(rules(&state).is_empty(), "{:?}", rules(&state));
    for c in " Вам показалось".chars() {
        fake.act(&mut state, Action::EditorInput(key(c)));
    }
    assert!(
        rules(&state).is_empty(),
        "nothing new before the check answers"
    );
    answer_last_check(&mut state, &mut fake);
    // The seller's banned phrase is also condescending, which the guardrails now know.
    assert_eq!(
        rules(&state),
        vec![
            (Rule::Condescension, Severity::Block),
            (Rule::BannedPhrase, Severity::Block)
        ]
    );
    let editor = state.editor.as_ref().unwrap();
    let f = &editor.findings[0];
    assert_eq!(&editor.checked_text[f.span.clone()], "Вам показалось");
    // Undo takes the words back out; the next check clears the finding.
    for _ in 0.."показалось".chars().count() {
        fake.act(&mut state, Action::Undo);
    }
    answer_last_check(&mut state, &mut fake);
    assert!(rules(&state).is_empty(), "{:?}", rules(&state));
}

#[test]
fn every_change_asks_for_a_full_check_of_that_revision() {
    let (state, fake) = editing("Спасибо");
    let editor = state.editor.as_ref().unwrap();
    let last = fake.checks.last().expect("checks asked for");
    assert_eq!(last.revision, editor.revision);
    assert_eq!(last.text, "Спасибо");
    assert_eq!(last.interaction_id, InteractionId(1));
    let revisions: Vec<u64> = fake.checks.iter().map(|c| c.revision).collect();
    assert!(
        revisions.windows(2).all(|w| w[0] < w[1]),
        "one per change, in order: {revisions:?}"
    );
}

#[test]
fn a_full_check_for_older_text_is_dropped() {
    let (mut state, mut fake) = editing(SAFE);
    let revision = state.editor.as_ref().unwrap().revision;
    let stale = Verdict {
        level: Level::Warn,
        findings: vec![near_duplicate(SAFE)],
    };
    fake.act(
        &mut state,
        Action::ReplyChecked {
            interaction_id: InteractionId(1),
            revision: revision - 1,
            verdict: stale.clone(),
        },
    );
    assert!(rules(&state).is_empty(), "stale result dropped");
    fake.act(
        &mut state,
        Action::ReplyChecked {
            interaction_id: InteractionId(2),
            revision,
            verdict: stale.clone(),
        },
    );
    assert!(rules(&state).is_empty(), "another item's result dropped");
    fake.act(
        &mut state,
        Action::ReplyChecked {
            interaction_id: InteractionId(1),
            revision,
            verdict: stale,
        },
    );
    assert_eq!(rules(&state), vec![(Rule::NearDuplicate, Severity::Warn)]);
    assert_eq!(state.editor.as_ref().unwrap().full_check, Some(revision));
    // Typing on keeps the findings shown until the next check answers.
    fake.act(&mut state, Action::EditorInput(key('!')));
    assert_eq!(rules(&state), vec![(Rule::NearDuplicate, Severity::Warn)]);
    let editor = state.editor.as_ref().unwrap();
    assert_ne!(editor.full_check, Some(editor.revision));
    assert_eq!(editor.checked_text, SAFE);
}

#[test]
fn a_warn_only_reply_confirms_with_y_as_before() {
    let (mut state, mut fake) = editing(SAFE);
    let revision = state.editor.as_ref().unwrap().revision;
    fake.act(
        &mut state,
        Action::ReplyChecked {
            interaction_id: InteractionId(1),
            revision,
            verdict: Verdict {
                level: Level::Warn,
                findings: vec![near_duplicate(SAFE)],
            },
        },
    );
    fake.act(&mut state, Action::Send);
    assert_eq!(state.mode, Mode::Confirm);
    let cmds = fake.act(&mut state, Action::Confirm);
    assert!(
        matches!(
            cmds.as_slice(),
            [Command::SendReply {
                override_block: false,
                ..
            }]
        ),
        "{cmds:?}"
    );
}

#[test]
fn a_block_refuses_y_and_asks_for_the_word() {
    // Sent before any check answered: the send itself checks the current text.
    let (mut state, mut fake) = editing(BANNED);
    assert!(!state.editor.as_ref().unwrap().blocked());
    assert!(fake.act(&mut state, Action::Send).is_empty());
    assert!(state.editor.as_ref().unwrap().blocked());
    assert_eq!(state.mode, Mode::Override, "not the y/n confirmation");
    // `y` typed and confirmed is not the word.
    type_word(&mut state, &mut fake, "y");
    let cmds = fake.act(&mut state, Action::Confirm);
    assert!(cmds.is_empty(), "{cmds:?}");
    assert_eq!(state.mode, Mode::Override);
    assert_eq!(
        state.current_notice(),
        Some(&Notice::OverrideWordNeeded("ОТПРАВИТЬ".into()))
    );
    assert!(
        state.editor.as_ref().unwrap().override_word.lines()[0].is_empty(),
        "the wrong word is cleared"
    );
    // Cancel goes back to the text, nothing sent.
    assert!(fake.act(&mut state, Action::Cancel).is_empty());
    assert_eq!(state.mode, Mode::Editor);
}

#[test]
fn y_in_the_confirmation_is_refused_when_a_block_appears_there() {
    let (mut state, mut fake) = editing(SAFE);
    fake.act(&mut state, Action::Send);
    assert_eq!(state.mode, Mode::Confirm);
    // A block found while the confirmation is open (the full check came back).
    let revision = state.editor.as_ref().unwrap().revision;
    let mut block = near_duplicate(SAFE);
    block.rule = Rule::BannedPhrase;
    block.severity = Severity::Block;
    fake.act(
        &mut state,
        Action::ReplyChecked {
            interaction_id: InteractionId(1),
            revision,
            verdict: Verdict {
                level: Level::Block,
                findings: vec![block],
            },
        },
    );
    let cmds = fake.act(&mut state, Action::Confirm);
    assert!(cmds.is_empty(), "{cmds:?}");
    assert_eq!(state.mode, Mode::Override);
    assert!(matches!(
        state.current_notice(),
        Some(Notice::OverrideWordNeeded(_))
    ));
}

#[test]
fn the_typed_word_sends_with_the_override() {
    let (mut state, mut fake) = editing(BANNED);
    fake.act(&mut state, Action::Send);
    type_word(&mut state, &mut fake, "отправить");
    let cmds = fake.act(&mut state, Action::Confirm);
    match cmds.as_slice() {
        [Command::SendReply {
            interaction_id,
            text,
            override_block,
            ..
        }] => {
            assert_eq!(*interaction_id, InteractionId(1));
            assert_eq!(text, BANNED);
            assert!(override_block);
        }
        other => panic!("one reply with the override expected: {other:?}"),
    }
    assert!(state.editor.is_none());
    assert_eq!(state.mode, Mode::Queue);
}

#[test]
fn the_word_follows_the_ui_language() {
    let (mut state, mut fake) = editing(BANNED);
    state.lang = crate::tui::Lang::En;
    fake.act(&mut state, Action::Send);
    type_word(&mut state, &mut fake, "ОТПРАВИТЬ");
    assert!(fake.act(&mut state, Action::Confirm).is_empty());
    assert_eq!(
        state.current_notice(),
        Some(&Notice::OverrideWordNeeded("SEND".into()))
    );
    type_word(&mut state, &mut fake, "SEND");
    let cmds = fake.act(&mut state, Action::Confirm);
    assert!(matches!(
        cmds.as_slice(),
        [Command::SendReply {
            override_block: true,
            ..
        }]
    ));
}

fn with_auto_reply(seconds: i64) -> (AppState, Fake) {
    let mut fake = Fake::new(3);
    fake.rows[0].auto_reply = Some(PendingAutoReply {
        outbox_id: 77,
        undo_until: t0() + Duration::seconds(seconds),
    });
    let mut state = AppState::new(t0(), "s1", FixedOffset::east_opt(0).unwrap());
    state.accounts = accounts();
    fake.act(
        &mut state,
        Action::Resize {
            width: 120,
            height: 40,
        },
    );
    (state, fake)
}

#[test]
fn undo_key_cancels_the_auto_reply_inside_its_window() {
    let (mut state, mut fake) = with_auto_reply(60);
    let cmds = fake.act(&mut state, Action::UndoAutoReply);
    assert_eq!(
        cmds,
        vec![Command::UndoAutoReply {
            interaction_id: InteractionId(1),
            outbox_id: 77,
        }]
    );
    assert_eq!(state.current_notice(), Some(&Notice::AutoReplyUndoing));
    fake.act(
        &mut state,
        Action::Background(Event::AutoReplyUndone {
            interaction_id: InteractionId(1),
            undone: true,
        }),
    );
    assert_eq!(state.current_notice(), Some(&Notice::AutoReplyUndone));
    fake.act(
        &mut state,
        Action::Background(Event::AutoReplyUndone {
            interaction_id: InteractionId(1),
            undone: false,
        }),
    );
    assert_eq!(state.current_notice(), Some(&Notice::AutoReplyGone));
}

#[test]
fn undo_key_does_nothing_after_the_window_or_without_an_auto_reply() {
    let (mut state, mut fake) = with_auto_reply(60);
    fake.act(&mut state, Action::Tick(t0() + Duration::seconds(61)));
    assert!(fake.act(&mut state, Action::UndoAutoReply).is_empty());
    assert_eq!(state.current_notice(), Some(&Notice::NoAutoReply));
    fake.act(&mut state, Action::MoveDown);
    assert!(fake.act(&mut state, Action::UndoAutoReply).is_empty());
    assert_eq!(state.current_notice(), Some(&Notice::NoAutoReply));
}

#[test]
fn an_item_with_an_auto_reply_waiting_cannot_be_answered_by_hand() {
    let (mut state, mut fake) = with_auto_reply(60);
    assert!(fake.act(&mut state, Action::Reply).is_empty());
    assert_eq!(state.mode, Mode::Queue);
    assert_eq!(state.current_notice(), Some(&Notice::AlreadySending));
}
