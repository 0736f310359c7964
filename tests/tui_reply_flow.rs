//! The reply flow drawn from a real store: guardrail findings under the editor's text,
//! kept current by the full check that runs off the UI thread; the block override; an
//! auto-reply's undo countdown in the queue.

mod tui_support;

use agentiq::protocol::Command;
use agentiq::tui::{Action, Mode};
use chrono::Duration;
use rusqlite::params;
use tokio::sync::mpsc::UnboundedReceiver;
use tui_support::*;

/// Where `needle` starts on screen (column, row), by cells.
fn find(buffer: &ratatui::buffer::Buffer, needle: &str) -> Option<(u16, u16)> {
    let area = buffer.area;
    let first = needle.chars().next()?;
    for y in 0..area.height {
        for x in 0..area.width {
            if buffer[(x, y)].symbol().starts_with(first) {
                let matches = needle.chars().enumerate().all(|(i, c)| {
                    let cx = x + i as u16;
                    cx < area.width && buffer[(cx, y)].symbol().starts_with(c)
                });
                if matches {
                    return Some((x, y));
                }
            }
        }
    }
    None
}

fn open_editor_with(h: &mut Harness, text: &str) {
    h.act(Action::Reply);
    assert_eq!(h.state.mode, Mode::Editor);
    let editor = h.state.editor.as_mut().expect("editor open");
    editor.textarea.select_all();
    editor.textarea.cut();
    h.type_text(text);
}

/// Runs the full check the typing asked for and dispatches its answer, as the event loop
/// does once typing pauses.
fn run_full_check(h: &mut Harness, jobs: &mut UnboundedReceiver<Action>) {
    assert!(h.runner.check_due_at().is_some(), "a check is pending");
    h.runner.start_check();
    let action = jobs.blocking_recv().expect("the check answers");
    assert!(matches!(action, Action::ReplyChecked { .. }), "{action:?}");
    h.runner.job_finished(&mut h.state, action);
}

#[test]
fn findings_show_under_the_text_and_follow_it() {
    let mut h = Harness::new(120, 40);
    let mut jobs = h.runner.take_job_results().expect("the job channel");
    open_editor_with(&mut h, "Спасибо за отзыв! Нам очень жаль.");
    run_full_check(&mut h, &mut jobs);
    let screen = text(&h.render(120, 40));
    assert_shows(&screen, &["✓ замечаний нет"]);

    h.type_text(" Вам показалось.");
    run_full_check(&mut h, &mut jobs);
    let screen = text(&h.render(120, 40));
    assert_shows(
        &screen,
        &["■ блок «Вам показалось» — Фраза из вашего списка"],
    );
    assert_lacks(&screen, &["✓ замечаний нет"]);
    // The matched words are marked in the text itself.
    let buffer = h.render(120, 40);
    let (x, y) = find(&buffer, "Вам показалось.").expect("the text on screen");
    let marked = |dx: u16| {
        buffer[(x + dx, y)]
            .modifier
            .contains(ratatui::style::Modifier::UNDERLINED)
    };
    assert!(marked(0) && marked(13), "the phrase is highlighted");
    assert!(!marked(14), "the full stop after it is not");

    let editor = h.state.editor.as_ref().expect("editor open");
    assert_eq!(editor.full_check, Some(editor.revision));
    assert!(editor.blocked());
}

#[test]
fn the_full_check_finds_a_near_duplicate_of_a_recent_answer() {
    let mut h = Harness::new(120, 40);
    let mut jobs = h.runner.take_job_results().expect("the job channel");
    // The seller answered another item this way a moment ago; repeating it is a
    // near-duplicate, which only the full check (it reads recent answers) can tell.
    let recent = "Анна, спасибо за отзыв! Мы очень рады, что покупка вам понравилась.";
    let other = h.state.queue.rows[1].id;
    let at = h.state.now.timestamp();
    h.store
        .writer()
        .unwrap()
        .call_blocking(move |conn| {
            conn.execute(
                "INSERT INTO outbox (interaction_id, idempotency_key, text, state, next_attempt_at,
                                     created_at, updated_at)
                 VALUES (?1, 'earlier', ?2, 'visible', ?3, ?3, ?3)",
                params![other.0, recent, at],
            )?;
            Ok(())
        })
        .unwrap();
    let reader = h.store.reader().expect("reader");
    open_editor_with(&mut h, recent);
    run_full_check(&mut h, &mut jobs);
    let editor = h.state.editor.as_ref().unwrap();
    let verdict = agentiq::prepare::DraftInputs::load(&reader, editor.interaction_id)
        .unwrap()
        .unwrap()
        .check(&editor.text());
    assert_eq!(
        editor.findings, verdict.findings,
        "the editor shows what the send path decides"
    );
    assert!(
        editor
            .findings
            .iter()
            .any(|f| f.rule == agentiq::ai::guardrails::Rule::NearDuplicate),
        "{:?}",
        editor.findings
    );
    let screen = text(&h.render(120, 40));
    assert_shows(&screen, &["■ внимание"]);
}

#[test]
fn a_blocked_reply_asks_for_the_word_then_sends_with_the_override() {
    let mut h = Harness::new(120, 40);
    open_editor_with(&mut h, "Анна, вам показалось.");
    h.act(Action::Send);
    assert_eq!(h.state.mode, Mode::Override);
    let screen = text(&h.render(120, 40));
    assert_shows(
        &screen,
        &[
            "Правила блокируют ответ",
            "Наберите ОТПРАВИТЬ и нажмите enter",
        ],
    );
    for c in "ОТПРАВИТЬ".chars() {
        h.act(Action::OverrideInput(ratatui_textarea::Input {
            key: ratatui_textarea::Key::Char(c),
            ..Default::default()
        }));
    }
    h.act(Action::Confirm);
    let sent = h.commands.try_recv().expect("a command");
    assert!(
        matches!(
            sent,
            Command::SendReply {
                override_block: true,
                ..
            }
        ),
        "{sent:?}"
    );
}

#[test]
fn the_queue_counts_an_auto_reply_down_and_offers_undo() {
    let mut h = Harness::new(120, 40);
    let top = h.state.queue.rows[0].id;
    let undo_until = (h.state.now + Duration::seconds(42)).timestamp();
    h.store
        .writer()
        .unwrap()
        .call_blocking(move |conn| {
            conn.execute(
                "INSERT INTO outbox (interaction_id, idempotency_key, text, state, next_attempt_at,
                                     created_at, updated_at, actor, undo_until)
                 VALUES (?1, 'auto-test', 'Спасибо за отзыв!', 'queued', ?2, ?2, ?2, 'auto', ?2)",
                params![top.0, undo_until],
            )?;
            Ok(())
        })
        .unwrap();
    h.act(Action::Refresh);
    let screen = text(&h.render(120, 40));
    assert_shows(&screen, &["авто через 42 с", "U отменить автоответ"]);

    // The tick moves the clock; the countdown follows without reading the store again.
    let reads = h.runner.stats();
    h.act(Action::Tick(h.state.now + Duration::seconds(5)));
    let screen = text(&h.render(120, 40));
    assert_shows(&screen, &["авто через 37 с"]);
    assert_eq!(h.runner.stats(), reads, "no read for the countdown");

    h.act(Action::UndoAutoReply);
    let sent = h.commands.try_recv().expect("a command");
    assert!(
        matches!(sent, Command::UndoAutoReply { interaction_id, .. } if interaction_id == top),
        "{sent:?}"
    );

    // Past the window there is nothing left to count down.
    h.act(Action::Tick(h.state.now + Duration::seconds(40)));
    let screen = text(&h.render(120, 40));
    assert_lacks(&screen, &["авто через"]);
}
