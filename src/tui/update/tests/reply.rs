//! The queue, tabs, sending: behaviour the inbox had from the start.

use super::*;
use crate::protocol::Event;
use crate::tui::sanitize;
use crate::tui::state::{Mode, Notice, Tab};
use crate::tui::update::queue::margin;

#[test]
fn first_load_selects_the_top_item_and_loads_its_detail() {
    let (state, _) = started(5);
    assert_eq!(state.queue.total, Some(5));
    assert_eq!(state.queue.selected, 0);
    assert_eq!(state.queue.selected_id, Some(InteractionId(1)));
    assert_eq!(
        state.selected_detail().map(|d| d.interaction.id),
        Some(InteractionId(1))
    );
}

#[test]
fn navigation_stays_in_bounds() {
    let (mut state, mut fake) = started(3);
    fake.act(&mut state, Action::MoveUp);
    assert_eq!(state.queue.selected, 0);
    for _ in 0..10 {
        fake.act(&mut state, Action::MoveDown);
    }
    assert_eq!(state.queue.selected, 2);
    assert_eq!(state.queue.selected_id, Some(InteractionId(3)));
    fake.act(&mut state, Action::PageDown);
    assert_eq!(state.queue.selected, 2);
    fake.act(&mut state, Action::Top);
    assert_eq!(state.queue.selected_id, Some(InteractionId(1)));
    fake.act(&mut state, Action::Bottom);
    assert_eq!(state.queue.selected_id, Some(InteractionId(3)));
    fake.act(&mut state, Action::PageUp);
    assert_eq!(state.queue.selected, 0);
}

#[test]
fn empty_queue_navigation_is_harmless() {
    let (mut state, mut fake) = started(0);
    for a in [
        Action::MoveDown,
        Action::Bottom,
        Action::PageDown,
        Action::MoveUp,
    ] {
        fake.act(&mut state, a);
    }
    assert_eq!(state.queue.selected, 0);
    assert_eq!(state.queue.selected_id, None);
    let cmds = fake.act(&mut state, Action::Reply);
    assert!(cmds.is_empty());
    assert_eq!(state.mode, Mode::Queue);
    assert_eq!(state.current_notice(), Some(&Notice::NothingSelected));
}

#[test]
fn long_queues_are_read_page_by_page() {
    let (mut state, mut fake) = started(1000);
    let v = state.visible_items();
    assert!(state.queue.rows.len() <= v + 2 * margin(v));
    fake.act(&mut state, Action::Bottom);
    assert_eq!(state.queue.selected, 999);
    assert_eq!(state.queue.selected_id, Some(InteractionId(1000)));
    assert!(state.queue.scroll + v == 1000);
    assert!(state.queue.covers(state.queue.scroll, v));
    let reads = fake.reads;
    fake.act(&mut state, Action::MoveUp);
    assert_eq!(fake.reads, reads, "a short move needs no read");
}

#[test]
fn until_the_user_moves_the_most_urgent_item_stays_on_top_and_selected() {
    let (mut state, mut fake) = started(10);
    assert_eq!(state.queue.selected, 0);
    // More urgent items arrive (sync fills the queue in): the top one is selected.
    fake.rows.insert(0, row(1000));
    fake.rows.insert(0, row(1001));
    fake.act(&mut state, Action::Background(Event::DataChanged));
    assert_eq!(state.queue.selected, 0);
    assert_eq!(state.queue.selected_id, Some(InteractionId(1001)));
    assert_eq!(
        state.selected_detail().map(|d| d.interaction.id),
        Some(InteractionId(1001))
    );
    // Once the user moves, the selection follows their item.
    fake.act(&mut state, Action::MoveDown);
    fake.rows.insert(0, row(1002));
    fake.act(&mut state, Action::Background(Event::DataChanged));
    assert_eq!(state.queue.selected_id, Some(InteractionId(1000)));
}

#[test]
fn selection_stays_on_the_same_item_after_a_reload() {
    let (mut state, mut fake) = started(100);
    for _ in 0..30 {
        fake.act(&mut state, Action::MoveDown);
    }
    assert_eq!(state.queue.selected_id, Some(InteractionId(31)));
    let screen_row = state.queue.selected - state.queue.scroll;
    // Two new items arrive ahead of it.
    fake.rows.insert(0, row(1000));
    fake.rows.insert(0, row(1001));
    fake.act(&mut state, Action::Background(Event::DataChanged));
    assert_eq!(state.queue.selected_id, Some(InteractionId(31)));
    assert_eq!(state.queue.selected, 32);
    assert_eq!(
        state.queue.selected - state.queue.scroll,
        screen_row,
        "the cursor stays on the same screen row"
    );
    assert_eq!(
        state.selected_detail().map(|d| d.interaction.id),
        Some(InteractionId(31))
    );
    // An item ahead of it goes away.
    fake.rows.retain(|r| r.id != InteractionId(5));
    fake.act(&mut state, Action::Background(Event::DataChanged));
    assert_eq!(state.queue.selected_id, Some(InteractionId(31)));
    assert_eq!(state.queue.selected, 31);
}

#[test]
fn selection_follows_the_item_in_a_short_queue() {
    let (mut state, mut fake) = started(10);
    fake.act(&mut state, Action::MoveDown);
    fake.act(&mut state, Action::MoveDown);
    fake.rows.insert(0, row(100));
    fake.act(&mut state, Action::Background(Event::DataChanged));
    assert_eq!(state.queue.selected_id, Some(InteractionId(3)));
    assert_eq!(state.queue.selected, 3);
}

#[test]
fn when_the_selected_item_leaves_the_next_one_is_selected() {
    let (mut state, mut fake) = started(5);
    fake.act(&mut state, Action::MoveDown);
    fake.rows.retain(|r| r.id != InteractionId(2));
    fake.act(&mut state, Action::Background(Event::OutboxChanged));
    assert_eq!(state.queue.selected, 1);
    assert_eq!(state.queue.selected_id, Some(InteractionId(3)));
    assert_eq!(
        state.selected_detail().map(|d| d.interaction.id),
        Some(InteractionId(3))
    );
}

#[test]
fn reply_opens_the_editor_with_the_draft() {
    let (mut state, mut fake) = started(3);
    fake.act(&mut state, Action::Reply);
    assert_eq!(state.mode, Mode::Editor);
    let editor = state.editor.as_ref().expect("editor open");
    assert_eq!(editor.interaction_id, InteractionId(1));
    let detail = state.selected_detail().expect("detail");
    let expected = crate::ai::draft_for(&detail.interaction, &detail.messages, 0);
    assert_eq!(editor.text(), sanitize::block(&expected.text));
    assert_eq!(
        (editor.min_chars, editor.max_chars),
        Channel::Review.reply_length(Marketplace::Wb)
    );
    // The editor knows where the draft came from, and its title says so.
    let origin = editor.origin.clone().expect("a drafted text has an origin");
    assert_eq!(origin, crate::tui::state::DraftOrigin::of(&expected));
    let label = crate::tui::view::editor::origin_label(&origin, &crate::tui::strings::RU);
    assert!(!expected.reasons.is_empty(), "a template draft says why");
    assert_eq!(
        label,
        format!(
            "шаблон {:.0}% · {}",
            f64::from(expected.confidence) * 100.0,
            expected.reasons.join(", ")
        )
    );
}

#[test]
fn a_prepared_draft_opens_with_its_own_origin() {
    let (mut state, mut fake) = started(3);
    let origin = crate::tui::state::DraftOrigin {
        source: crate::ai::DraftSource::Llm,
        confidence: 0.82,
        version: Some("drafts-ru-v1".into()),
        reasons: Vec::new(),
        model: None,
    };
    if let Some(detail) = state.detail.as_mut() {
        detail.prepared_draft = Some("Спасибо за отзыв!".into());
        detail.prepared_origin = Some(origin.clone());
    }
    fake.act(&mut state, Action::Reply);
    let editor = state.editor.as_ref().expect("editor open");
    assert_eq!(editor.text(), "Спасибо за отзыв!");
    assert_eq!(editor.origin.as_ref(), Some(&origin));
    assert_eq!(
        crate::tui::view::editor::origin_label(&origin, &crate::tui::strings::EN),
        "LLM drafts-ru-v1 82%"
    );
}

#[test]
fn an_llm_draft_names_its_model_in_the_editor_header() {
    let origin = crate::tui::state::DraftOrigin {
        source: crate::ai::DraftSource::Llm,
        confidence: 0.75,
        version: Some("drafts-ru-v1".into()),
        reasons: Vec::new(),
        model: Some("qwen2.5:7b\u{1b}[31m".into()),
    };
    assert_eq!(
        crate::tui::view::editor::origin_label(&origin, &crate::tui::strings::RU),
        "LLM qwen2.5:7b (drafts-ru-v1) 75%",
        "the model as the config names it, without its escape sequences"
    );
    let (mut state, mut fake) = started(3);
    if let Some(detail) = state.detail.as_mut() {
        detail.prepared_draft = Some("Спасибо за отзыв!".into());
        detail.prepared_origin = Some(origin.clone());
    }
    fake.act(&mut state, Action::Reply);
    let editor = state.editor.as_ref().expect("editor open");
    assert_eq!(editor.origin.as_ref(), Some(&origin));
    let stored_before_the_model = crate::tui::state::DraftOrigin {
        model: None,
        ..origin
    };
    assert_eq!(
        crate::tui::view::editor::origin_label(&stored_before_the_model, &crate::tui::strings::EN),
        "LLM drafts-ru-v1 75%"
    );
}

#[test]
fn a_long_editor_title_is_cut_with_an_ellipsis_before_the_counter() {
    let origin = crate::tui::state::DraftOrigin {
        source: crate::ai::DraftSource::Template,
        confidence: 0.8,
        version: None,
        reasons: vec!["проблема: доставка".into()],
        model: None,
    };
    let (mut state, mut fake) = started(3);
    if let Some(detail) = state.detail.as_mut() {
        detail.prepared_draft = Some("Спасибо за отзыв!".into());
        detail.prepared_origin = Some(origin);
    }
    fake.act(&mut state, Action::Reply);
    let editor = state.editor.as_ref().expect("editor open");
    let strings = &crate::tui::strings::RU;
    let whole = crate::tui::view::editor::title_text(editor, strings, 200);
    assert!(whole.contains("проблема: доставка"), "{whole}");
    assert!(!whole.contains('…'), "{whole}");
    let cut = crate::tui::view::editor::title_text(editor, strings, 30);
    assert!(crate::tui::format::width(&cut) <= 30, "{cut}");
    assert!(
        cut.ends_with("… "),
        "cut with an ellipsis, not mid-word: {cut:?}"
    );
}

#[test]
fn the_origin_label_says_why_and_the_queue_marks_how_sure() {
    let origin = crate::tui::state::DraftOrigin {
        source: crate::ai::DraftSource::Template,
        confidence: 0.84,
        version: None,
        reasons: vec!["ответ из карточки".into(), "интент неуверенный".into()],
        model: None,
    };
    assert_eq!(
        crate::tui::view::editor::origin_label(&origin, &crate::tui::strings::RU),
        "шаблон 84% · ответ из карточки, интент неуверенный"
    );
    assert_eq!(
        crate::tui::view::editor::origin_label(&origin, &crate::tui::strings::EN),
        "template 84% · answered from the card, unsure of the intent"
    );
    use crate::tui::view::queue::confidence_mark;
    assert_eq!(confidence_mark(0.84), "● ");
    assert_eq!(confidence_mark(0.55), "◐ ");
    assert_eq!(confidence_mark(0.2), "○ ");
}

#[test]
fn send_then_confirm_emits_exactly_one_reply_with_the_editor_text() {
    let (mut state, mut fake) = started(3);
    fake.act(&mut state, Action::Reply);
    clear_editor(&mut state);
    type_text(&mut state, "Спасибо за отзыв, нам очень жаль.");
    let cmds = fake.act(&mut state, Action::Send);
    assert!(cmds.is_empty(), "nothing is sent before confirmation");
    assert_eq!(state.mode, Mode::Confirm);
    let cmds = fake.act(&mut state, Action::Confirm);
    assert_eq!(cmds.len(), 1);
    match &cmds[0] {
        Command::SendReply {
            interaction_id,
            text,
            idempotency_key,
            override_block,
            opened_at,
        } => {
            assert_eq!(
                *opened_at,
                Some(state.now),
                "the editor opened at the reducer's clock"
            );
            assert!(!override_block, "nothing to override");
            assert_eq!(*interaction_id, InteractionId(1));
            assert_eq!(text, "Спасибо за отзыв, нам очень жаль.");
            assert!(idempotency_key.contains("s1"), "{idempotency_key}");
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(state.editor.is_none());
    assert_eq!(state.mode, Mode::Queue);
    // Confirming again sends nothing more.
    assert!(fake.act(&mut state, Action::Confirm).is_empty());
    // Answering the same item again is refused until the store shows it.
    assert!(fake.act(&mut state, Action::Reply).is_empty());
    assert_eq!(state.current_notice(), Some(&Notice::AlreadySending));
    assert_eq!(state.mode, Mode::Queue);
}

#[test]
fn three_keys_answer_the_top_item() {
    let (mut state, mut fake) = started(3);
    let mut cmds = Vec::new();
    for a in [Action::Reply, Action::Send, Action::Confirm] {
        cmds.extend(fake.act(&mut state, a));
    }
    assert!(matches!(
        cmds.as_slice(),
        [Command::SendReply {
            interaction_id: InteractionId(1),
            ..
        }]
    ));
}

#[test]
fn idempotency_keys_differ_per_reply() {
    let (mut state, mut fake) = started(3);
    let mut keys = Vec::new();
    for _ in 0..2 {
        fake.act(&mut state, Action::MoveDown);
        for a in [Action::Reply, Action::Send] {
            fake.act(&mut state, a);
        }
        for c in fake.act(&mut state, Action::Confirm) {
            if let Command::SendReply {
                idempotency_key, ..
            } = c
            {
                keys.push(idempotency_key);
            }
        }
    }
    assert_eq!(keys.len(), 2);
    assert_ne!(keys[0], keys[1]);
}

#[test]
fn cancel_emits_nothing() {
    let (mut state, mut fake) = started(3);
    fake.act(&mut state, Action::Reply);
    // Cancel in the confirmation goes back to the text...
    fake.act(&mut state, Action::Send);
    let cmds = fake.act(&mut state, Action::Cancel);
    assert!(cmds.is_empty());
    assert_eq!(state.mode, Mode::Editor);
    assert!(state.editor.is_some());
    // ...and cancel in the editor closes it.
    let fx = update(&mut state, Action::Cancel);
    assert!(
        !fx.iter().any(|e| matches!(e, Effect::Command(_))),
        "{fx:?}"
    );
    assert_eq!(state.mode, Mode::Queue);
    assert!(state.editor.is_none());
}

#[test]
fn empty_text_refuses_to_send() {
    let (mut state, mut fake) = started(3);
    fake.act(&mut state, Action::Reply);
    clear_editor(&mut state);
    type_text(&mut state, "   ");
    let cmds = fake.act(&mut state, Action::Send);
    assert!(cmds.is_empty());
    assert_eq!(state.mode, Mode::Editor);
    assert_eq!(state.current_notice(), Some(&Notice::EmptyReply));
    assert!(fake.act(&mut state, Action::Confirm).is_empty());
}

#[test]
fn over_limit_text_refuses_to_send() {
    let (mut state, mut fake) = started(3);
    fake.act(&mut state, Action::Reply);
    clear_editor(&mut state);
    let editor = state.editor.as_mut().expect("editor");
    editor.textarea.insert_str("я".repeat(5001));
    assert!(editor.over_limit());
    let cmds = fake.act(&mut state, Action::Send);
    assert!(cmds.is_empty());
    assert_eq!(state.mode, Mode::Editor);
    assert_eq!(
        state.current_notice(),
        Some(&Notice::TooLong {
            len: 5001,
            max: 5000
        })
    );
}

#[test]
fn background_updates_keep_the_editor_and_its_text() {
    let (mut state, mut fake) = started(3);
    fake.act(&mut state, Action::Reply);
    clear_editor(&mut state);
    type_text(&mut state, "черновик");
    fake.rows.retain(|r| r.id != InteractionId(1));
    fake.act(&mut state, Action::Background(Event::DataChanged));
    assert_eq!(state.mode, Mode::Editor);
    let editor = state.editor.as_ref().expect("editor");
    assert_eq!(editor.text(), "черновик");
    assert_eq!(editor.interaction_id, InteractionId(1));
}

#[test]
fn editor_keys_do_not_navigate() {
    let (mut state, mut fake) = started(3);
    fake.act(&mut state, Action::Reply);
    // `j` typed in the editor is text, not a move: the event loop sends it as input.
    type_text(&mut state, "j");
    fake.act(&mut state, Action::MoveDown);
    assert_eq!(state.queue.selected, 0);
    assert!(state.editor.as_ref().expect("editor").text().ends_with('j'));
}

#[test]
fn tabs_and_breached_filter_reset_and_reload() {
    let (mut state, _) = started(3);
    let fx = update(&mut state, Action::TabQuestions);
    assert_eq!(state.lens.tab, Tab::Questions);
    assert!(matches!(
        fx.as_slice(),
        [Effect::LoadQueue(QueueRequest { filter, with_counts: true, .. })]
            if filter.channel == Some(Channel::Question)
    ));
    let fx = update(&mut state, Action::ToggleBreached);
    assert!(state.lens.breached_only);
    assert!(matches!(
        fx.as_slice(),
        [Effect::LoadQueue(QueueRequest { filter, .. })] if filter.breached_at == Some(t0())
    ));
}

#[test]
fn stale_page_for_another_tab_is_dropped() {
    let (mut state, mut fake) = started(3);
    let fx = update(&mut state, Action::TabChats);
    let old = QueueRequest {
        filter: Default::default(),
        view: state.view_gen - 1,
        now: t0(),
        offset: 0,
        limit: 10,
        seek: PageSeek::Nearest,
        with_counts: true,
    };
    update(
        &mut state,
        Action::QueueLoaded(Box::new(QueueSnapshot {
            request: old,
            total: Some(99),
            rows: vec![row(7)],
            counts: None,
            outbox_size: None,
            presence: None,
            policies: None,
        })),
    );
    assert_eq!(state.queue.total, None);
    fake.run(&mut state, fx);
    assert_eq!(state.queue.total, Some(3));
}

#[test]
fn sync_and_offline_events_reach_the_status() {
    let (mut state, mut fake) = started(1);
    fake.act(
        &mut state,
        Action::Background(Event::SyncStarted {
            account: "shop".into(),
            connector: "wb-feedbacks".into(),
        }),
    );
    assert!(state.sync["shop"].running.contains("wb-feedbacks"));
    fake.act(
        &mut state,
        Action::Background(Event::SyncFinished {
            account: "shop".into(),
            connector: "wb-feedbacks".into(),
            ok: false,
            new: 0,
            changed: 0,
            error: Some("429".into()),
        }),
    );
    let s = &state.sync["shop"];
    assert!(s.running.is_empty());
    assert_eq!(
        s.last.as_ref().and_then(|l| l.error.clone()),
        Some("429".into())
    );
    fake.act(
        &mut state,
        Action::Background(Event::Offline {
            account: "shop".into(),
            since: t0(),
        }),
    );
    assert_eq!(state.offline.get("shop"), Some(&t0()));
    fake.act(
        &mut state,
        Action::Background(Event::Online {
            account: "shop".into(),
        }),
    );
    assert!(state.offline.is_empty());
}

#[test]
fn help_opens_and_closes_and_quit_quits() {
    let (mut state, _) = started(1);
    update(&mut state, Action::FocusDetail);
    update(&mut state, Action::Help);
    assert_eq!(state.mode, Mode::Help);
    update(&mut state, Action::Cancel);
    assert_eq!(state.mode, Mode::Detail);
    let fx = update(&mut state, Action::Quit);
    assert!(state.quit);
    assert_eq!(fx, vec![Effect::Quit]);
}

#[test]
fn notices_expire_and_ticks_reload() {
    let (mut state, _) = started(1);
    update(&mut state, Action::SyncNow);
    assert!(state.notice.is_some());
    let fx = update(&mut state, Action::Tick(t0() + Duration::seconds(9)));
    assert!(state.notice.is_none());
    assert!(fx.is_empty());
    let fx = update(&mut state, Action::Tick(t0() + Duration::seconds(31)));
    assert!(matches!(fx.as_slice(), [Effect::LoadQueue(_)]));
}

#[test]
fn undo_and_redo_walk_the_edits() {
    let (mut state, mut fake) = started(3);
    fake.act(&mut state, Action::Reply);
    let draft = state.editor.as_ref().expect("editor").text();
    type_text(&mut state, "ab");
    fake.act(&mut state, Action::Undo);
    assert_eq!(state.editor.as_ref().unwrap().text(), format!("{draft}a"));
    fake.act(&mut state, Action::Undo);
    fake.act(&mut state, Action::Undo);
    assert_eq!(
        state.editor.as_ref().unwrap().text(),
        draft,
        "undo stops at the draft"
    );
    fake.act(&mut state, Action::Redo);
    assert_eq!(state.editor.as_ref().unwrap().text(), format!("{draft}a"));
    // Regenerating is one edit: undo brings the text back.
    let before = state.editor.as_ref().unwrap().text();
    fake.act(&mut state, Action::Regenerate);
    fake.act(&mut state, Action::Undo);
    fake.act(&mut state, Action::Undo);
    assert_eq!(state.editor.as_ref().unwrap().text(), before);
}

#[test]
fn the_external_editor_gets_the_text_and_gives_it_back() {
    let (mut state, mut fake) = started(3);
    fake.act(&mut state, Action::Reply);
    clear_editor(&mut state);
    type_text(&mut state, "черновик");
    fake.act(&mut state, Action::ExternalEditor);
    assert_eq!(fake.external_editor, vec!["черновик".to_string()]);
    assert_eq!(state.mode, Mode::Editor);
    fake.act(
        &mut state,
        Action::ExternalEdited(Ok("Исправлено\u{1B}[2J\nвторая строка\n\n".into())),
    );
    assert_eq!(
        state.editor.as_ref().unwrap().text(),
        "Исправлено\nвторая строка"
    );
    assert_eq!(state.current_notice(), Some(&Notice::ExternalEditorDone));
    // Two steps back (the old text out, the new one in) bring the old text back.
    fake.act(&mut state, Action::Undo);
    fake.act(&mut state, Action::Undo);
    assert_eq!(state.editor.as_ref().unwrap().text(), "черновик");
    fake.act(
        &mut state,
        Action::ExternalEdited(Err("vi: not found".into())),
    );
    assert_eq!(
        state.current_notice(),
        Some(&Notice::ExternalEditorFailed("vi: not found".into()))
    );
    assert_eq!(state.editor.as_ref().unwrap().text(), "черновик");
    // Outside the editor nothing asks for $EDITOR.
    fake.act(&mut state, Action::Cancel);
    fake.act(&mut state, Action::ExternalEditor);
    assert_eq!(fake.external_editor.len(), 1);
}

#[test]
fn templates_are_picked_and_inserted_at_the_cursor() {
    use crate::tui::templates::{Template, TemplateSource};
    let (mut state, mut fake) = started(3);
    fake.act(&mut state, Action::Reply);
    clear_editor(&mut state);
    fake.act(&mut state, Action::InsertTemplate);
    assert_eq!(state.current_notice(), Some(&Notice::NoTemplates));
    assert_eq!(state.mode, Mode::Editor);
    state.templates = Some(TemplateSource::new(|item, _| {
        let name = item.customer_name.clone().unwrap_or_default();
        vec![
            Template {
                label: "благодарность".into(),
                text: format!("{name}, спасибо за отзыв!"),
            },
            Template {
                label: "брак".into(),
                text: format!("{name}, нам жаль, что товар подвёл.\u{1B}[2J"),
            },
        ]
    }));
    type_text(&mut state, "Здравствуйте! ");
    fake.act(&mut state, Action::InsertTemplate);
    assert_eq!(state.mode, Mode::Picker);
    fake.act(&mut state, Action::MoveDown);
    fake.act(&mut state, Action::MoveDown);
    assert_eq!(state.picker.as_ref().map(|p| p.selected), Some(1));
    fake.act(&mut state, Action::Confirm);
    assert_eq!(state.mode, Mode::Editor);
    assert!(state.picker.is_none());
    assert_eq!(
        state.editor.as_ref().unwrap().text(),
        "Здравствуйте! Анна, нам жаль, что товар подвёл."
    );
    fake.act(&mut state, Action::InsertTemplate);
    fake.act(&mut state, Action::Cancel);
    assert_eq!(state.mode, Mode::Editor);
    assert!(
        state.editor.is_some(),
        "cancelling the picker keeps the reply"
    );
}

/// Item 1 shown as an Ozon chat whose buyer last wrote `hours_ago` hours before t0.
fn ozon_chat_waiting(state: &mut AppState, hours_ago: i64) {
    let mut item = interaction(InteractionId(1));
    item.marketplace = Marketplace::Ozon;
    item.channel = Channel::Chat;
    let mut shown = detail(item);
    shown.messages = vec![crate::domain::ChatMessage {
        external_id: "m1".into(),
        sender: crate::domain::Sender::Buyer,
        text: "Где мой заказ?".into(),
        sent_at: t0() - Duration::hours(hours_ago),
    }];
    state.detail = Some(shown);
}

#[test]
fn an_ozon_chat_shows_its_reply_window_and_refuses_to_queue_once_it_closed() {
    use crate::ai::guardrails::ReplyWindow;
    let (mut state, mut fake) = started(3);
    ozon_chat_waiting(&mut state, 10);
    fake.act(&mut state, Action::Reply);
    let editor = state.editor.as_ref().expect("editor open");
    assert_eq!(
        editor.reply_window,
        ReplyWindow::Open {
            closes_at: t0() + Duration::hours(38)
        }
    );
    clear_editor(&mut state);
    type_text(&mut state, "Здравствуйте! Заказ уже в пути.");
    // The window closes while the seller is still writing.
    state.now = t0() + Duration::hours(39);
    let cmds = fake.act(&mut state, Action::Send);
    let cmds = if state.mode == Mode::Confirm {
        fake.act(&mut state, Action::Confirm)
    } else {
        cmds
    };
    assert!(cmds.is_empty(), "nothing queued: {cmds:?}");
    assert_eq!(
        state.current_notice(),
        Some(&Notice::ReplyWindowClosed { hours: 48 })
    );
    assert_eq!(state.mode, Mode::Editor, "the text stays for the seller");
}

#[test]
fn an_ozon_chat_within_its_window_is_queued() {
    let (mut state, mut fake) = started(3);
    ozon_chat_waiting(&mut state, 47);
    fake.act(&mut state, Action::Reply);
    clear_editor(&mut state);
    type_text(&mut state, "Здравствуйте! Заказ уже в пути.");
    fake.act(&mut state, Action::Send);
    let cmds = fake.act(&mut state, Action::Confirm);
    assert_eq!(cmds.len(), 1, "{:?}", state.current_notice());
}

/// Runs `fx` as `fake` would, except the reads of the detail pane's look-ups, which are
/// returned (as a thread would still be reading them).
fn act_holding_extras_from(
    state: &mut AppState,
    fake: &mut Fake,
    mut fx: Vec<Effect>,
) -> Vec<InteractionId> {
    let mut held = Vec::new();
    while !fx.is_empty() {
        let mut next = Vec::new();
        for effect in fx {
            match effect {
                Effect::LoadDetailExtras(id) => held.push(id),
                Effect::LoadQueue(_) | Effect::LoadDetail(_) => {
                    // One effect at a time, so what it asks for next is seen here.
                    let action = fake.answer(effect);
                    next.extend(update(state, action));
                }
                other => {
                    fake.run(state, vec![other]);
                }
            }
        }
        fx = next;
    }
    held
}

fn act_holding_extras(state: &mut AppState, fake: &mut Fake, action: Action) -> Vec<InteractionId> {
    let fx = update(state, action);
    act_holding_extras_from(state, fake, fx)
}

fn extras_of(id: InteractionId) -> Action {
    Action::DetailExtrasLoaded {
        id,
        extras: Box::new(
            detail(interaction(id))
                .extras
                .expect("the fixture's look-ups"),
        ),
    }
}

#[test]
fn r_before_the_items_look_ups_arrive_opens_the_editor_when_they_do() {
    let (mut state, mut fake) = started(3);
    // The item is re-read (as after a background change): its look-ups are not in yet.
    state.detail.as_mut().expect("detail").extras = None;
    let fx = update(&mut state, Action::Reply);
    assert!(state.editor.is_none());
    assert_eq!(state.current_notice(), Some(&Notice::DetailLoading));
    assert!(
        fx.is_empty(),
        "the item is held; its look-ups are on their way"
    );

    let fx = update(&mut state, extras_of(InteractionId(1)));
    fake.run(&mut state, fx);
    assert!(state.editor.is_some(), "the first `r` opened the editor");
    assert_eq!(state.mode, Mode::Editor);
    assert_eq!(state.pending_editor, None);
}

#[test]
fn r_before_the_item_is_read_opens_the_editor_once_it_and_its_look_ups_arrive() {
    let (mut state, mut fake) = started(3);
    state.detail = None;
    let fx = update(&mut state, Action::Reply);
    assert_eq!(fx, vec![Effect::LoadDetail(InteractionId(1))]);
    let held = act_holding_extras_from(&mut state, &mut fake, fx);
    assert_eq!(
        held,
        vec![InteractionId(1)],
        "its look-ups are read off the UI task"
    );
    assert!(state.editor.is_none(), "not before the look-ups");
    let fx = update(&mut state, extras_of(InteractionId(1)));
    fake.run(&mut state, fx);
    assert!(state.editor.is_some());
}

#[test]
fn moving_on_before_the_look_ups_arrive_opens_no_editor() {
    let (mut state, mut fake) = started(3);
    state.detail.as_mut().expect("detail").extras = None;
    update(&mut state, Action::Reply);
    let held = act_holding_extras(&mut state, &mut fake, Action::MoveDown);
    assert_eq!(held, vec![InteractionId(2)]);
    // The look-ups of the item left behind are dropped; those of the new one open nothing.
    let fx = update(&mut state, extras_of(InteractionId(1)));
    fake.run(&mut state, fx);
    let fx = update(&mut state, extras_of(InteractionId(2)));
    fake.run(&mut state, fx);
    assert!(state.editor.is_none());
    assert_eq!(state.pending_editor, None);
    assert!(state
        .selected_detail()
        .and_then(|d| d.extras.as_ref())
        .is_some());
}

#[test]
fn a_re_read_item_keeps_its_look_ups_until_the_new_ones_arrive() {
    let (mut state, mut fake) = started(3);
    let held = act_holding_extras(
        &mut state,
        &mut fake,
        Action::Background(Event::DataChanged),
    );
    assert_eq!(held, vec![InteractionId(1)]);
    assert!(
        state
            .selected_detail()
            .and_then(|d| d.extras.as_ref())
            .is_some(),
        "the revenue line and the guard do not blink out"
    );
}

#[test]
fn the_reply_carries_when_its_editor_opened() {
    let (mut state, mut fake) = started(3);
    fake.act(&mut state, Action::Reply);
    assert_eq!(state.mode, Mode::Editor);
    fake.act(&mut state, Action::Tick(t0() + Duration::seconds(95)));
    type_text(&mut state, " Спасибо!");
    fake.act(&mut state, Action::Send);
    let cmds = fake.act(&mut state, Action::Confirm);
    match cmds.as_slice() {
        [Command::SendReply { opened_at, .. }] => assert_eq!(*opened_at, Some(t0())),
        other => panic!("a reply expected: {other:?}"),
    }
}
