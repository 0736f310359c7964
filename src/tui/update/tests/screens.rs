//! Sync health, the audit log, help and its filter, configuration problems.

use super::*;
use crate::protocol::Event;
use crate::tui::action::AuditRequest;
use crate::tui::state::{Mode, Notice, Screen};

fn health(account: &str, connector: &str) -> HealthRow {
    HealthRow {
        account: account.into(),
        connector: connector.into(),
        last_run: Some(t0()),
        last_ok: true,
        last_success: Some(t0()),
        runs: 10,
        successes: 10,
        items_seen: 5,
        items_new: 1,
        items_changed: 0,
        consecutive_failures: 0,
        last_error: None,
        last_requests: 3,
    }
}

fn audit_rows(n: i64) -> Vec<AuditRow> {
    (0..n)
        .map(|i| AuditRow {
            id: n - i,
            at: t0() - Duration::minutes(i),
            actor: "human".into(),
            action: format!("action {}", n - i),
            interaction_id: Some(i),
            detail: "{}".into(),
        })
        .collect()
}

#[test]
fn sync_health_opens_reads_moves_and_closes() {
    let (mut state, mut fake) = started(3);
    fake.health = vec![health("a", "wb_feedbacks"), health("a", "wb_questions")];
    fake.act(&mut state, Action::ScreenSyncHealth);
    assert_eq!(
        (state.screen, state.mode),
        (Screen::SyncHealth, Mode::Screen)
    );
    assert_eq!(fake.other, vec![Effect::LoadHealth]);
    assert_eq!(state.health.rows.as_ref().map(Vec::len), Some(2));
    fake.act(&mut state, Action::MoveDown);
    fake.act(&mut state, Action::MoveDown);
    assert_eq!(state.health.cursor.selected, 1);
    fake.act(&mut state, Action::Refresh);
    assert_eq!(fake.other.len(), 2);
    // A sync that finishes while the screen shows re-reads it.
    fake.act(
        &mut state,
        Action::Background(Event::SyncFinished {
            account: "a".into(),
            connector: "wb_feedbacks".into(),
            ok: true,
            new: 0,
            changed: 0,
            error: None,
        }),
    );
    assert_eq!(fake.other.len(), 3);
    fake.act(&mut state, Action::Cancel);
    assert_eq!((state.screen, state.mode), (Screen::Inbox, Mode::Queue));
}

#[test]
fn the_audit_log_pages_like_the_queue() {
    let (mut state, mut fake) = started(3);
    fake.audit = audit_rows(500);
    fake.act(&mut state, Action::ScreenAuditLog);
    assert_eq!(state.screen, Screen::AuditLog);
    assert_eq!(state.audit.total, Some(500));
    let v = state.visible_screen_rows();
    assert!(state.audit.rows.len() <= v * 3 + 20);
    assert_eq!(state.audit.row(0).map(|r| r.id), Some(500), "newest first");
    fake.act(&mut state, Action::Bottom);
    assert_eq!(state.audit.cursor.selected, 499);
    assert_eq!(state.audit.row(499).map(|r| r.id), Some(1));
    match fake.other.last() {
        Some(Effect::LoadAudit(AuditRequest {
            with_total: false, ..
        })) => {}
        other => panic!("{other:?}"),
    }
    fake.act(&mut state, Action::Top);
    assert_eq!(state.audit.row(0).map(|r| r.id), Some(500));
    // New entries above do not move the cursor off its entry.
    fake.act(&mut state, Action::MoveDown);
    fake.act(&mut state, Action::MoveDown);
    fake.audit = audit_rows(502);
    fake.act(&mut state, Action::Background(Event::OutboxChanged));
    assert_eq!(state.audit.total, Some(502));
    assert_eq!(
        state.audit.row(state.audit.cursor.selected).map(|r| r.id),
        Some(498)
    );
    // Screens are one key from each other.
    fake.act(&mut state, Action::ScreenSyncHealth);
    assert_eq!(state.screen, Screen::SyncHealth);
    fake.act(&mut state, Action::ScreenInbox);
    assert_eq!((state.screen, state.mode), (Screen::Inbox, Mode::Queue));
}

#[test]
fn an_empty_audit_log_is_harmless() {
    let (mut state, mut fake) = started(3);
    fake.act(&mut state, Action::ScreenAuditLog);
    for a in [
        Action::MoveDown,
        Action::Bottom,
        Action::PageDown,
        Action::MoveUp,
    ] {
        fake.act(&mut state, a);
    }
    assert_eq!(state.audit.total, Some(0));
    assert_eq!(state.audit.cursor.selected, 0);
}

#[test]
fn help_filters_by_typing_and_forgets_the_filter_when_closed() {
    let (mut state, mut fake) = started(1);
    fake.act(&mut state, Action::Help);
    assert_eq!(state.mode, Mode::Help);
    for c in "пои".chars() {
        fake.act(&mut state, Action::HelpInput(key(c)));
    }
    assert_eq!(state.help_filter, "пои");
    fake.act(
        &mut state,
        Action::HelpInput(Input {
            key: Key::Backspace,
            ..Input::default()
        }),
    );
    assert_eq!(state.help_filter, "по");
    // Ctrl-keys are not text.
    fake.act(
        &mut state,
        Action::HelpInput(Input {
            key: Key::Char('x'),
            ctrl: true,
            ..Input::default()
        }),
    );
    assert_eq!(state.help_filter, "по");
    fake.act(&mut state, Action::MoveDown);
    assert_eq!(state.help_scroll, 1);
    fake.act(&mut state, Action::Top);
    assert_eq!(state.help_scroll, 0);
    fake.act(&mut state, Action::Cancel);
    assert_eq!(state.mode, Mode::Queue);
    assert_eq!(state.help_filter, "");
}

#[test]
fn a_config_problem_stays_until_dismissed() {
    let (mut state, mut fake) = started(1);
    fake.act(
        &mut state,
        Action::ConfigProblem("keymap.toml:3: unknown action \"fly\" in [queue]".into()),
    );
    fake.act(&mut state, Action::Tick(t0() + Duration::minutes(5)));
    assert!(matches!(
        state.current_notice(),
        Some(Notice::ConfigProblem(_))
    ));
    fake.act(&mut state, Action::Cancel);
    assert_eq!(state.current_notice(), None);
}

#[test]
fn search_from_a_screen_goes_back_to_the_inbox() {
    let (mut state, mut fake) = started(3);
    fake.act(&mut state, Action::ScreenAuditLog);
    fake.act(&mut state, Action::Search);
    assert_eq!((state.screen, state.mode), (Screen::Inbox, Mode::Prompt));
}
