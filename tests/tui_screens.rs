//! Search, filters and the full screens (sync health, audit log) against a real store,
//! drawn at 120×40, 80×24 and 60×20.

mod tui_support;

use agentiq::store::{AnswerFilter, QueueSort};
use agentiq::tui::{Action, Mode, Screen};
use tui_support::*;

fn search(h: &mut Harness, query: &str) {
    h.act(Action::Search);
    h.type_text(query);
    h.act(Action::Confirm);
}

#[test]
fn search_finds_the_whole_history_with_prefixes_any_case_and_yo() {
    for (w, hgt) in SIZES {
        let mut h = Harness::new(w, hgt);
        // "ПЛЕД" finds "Плед флисовый" (open) and "плёд" / "Плед шерстяной" (answered).
        search(&mut h, "ПЛЕД");
        assert_eq!(h.state.mode, Mode::Queue);
        assert_eq!(h.state.queue.total, Some(3), "{w}×{hgt}");
        let screen = h.screen(w, hgt);
        assert_shows(&screen, &["Поиск 1/3", "✓", "ПЛЕД"]);
        // Prefix and ё = е: "ёлк" finds "ёлка"; "елк" too.
        search(&mut h, "ёлк");
        assert_eq!(h.state.queue.total, Some(1));
        search(&mut h, "ЕЛК");
        assert_eq!(h.state.queue.total, Some(1));
        let screen = h.screen(w, hgt);
        assert_shows(&screen, &["Поиск 1/1", "Тёплый"]);
        // Words must all match; filters narrow.
        search(&mut h, "тёплый колюч");
        assert_eq!(h.state.queue.total, Some(1));
        search(&mut h, "плед answered:no");
        assert_eq!(h.state.queue.total, Some(1));
        search(&mut h, "плед mp:ozon");
        assert_eq!(h.state.queue.total, Some(2));
        search(&mut h, "плед account:ozon sort:deadline");
        assert_eq!(h.state.queue.total, Some(2));
        search(&mut h, "customer:алён");
        assert_eq!(h.state.queue.total, Some(2));
        search(&mut h, "product:шерст");
        assert_eq!(h.state.queue.total, Some(2));
        search(&mut h, "product:222");
        assert_eq!(h.state.queue.total, Some(1));
        // Text that looks like FTS syntax is only text.
        search(&mut h, "плед OR NEAR(\"x\") *");
        assert_eq!(h.state.queue.total, Some(0));
        assert_shows(&h.screen(w, hgt), &["Ничего не найдено"]);
        // Esc: back to the inbox.
        h.act(Action::Cancel);
        assert!(h.state.search.is_none());
        assert_eq!(h.state.queue.total, Some(5));
        assert_shows(&h.screen(w, hgt), &["Очередь 1/5"]);
    }
}

#[test]
fn n_and_shift_n_walk_results_and_the_detail_follows() {
    let mut h = Harness::new(120, 40);
    search(&mut h, "плед");
    let first = h.state.queue.selected_id;
    h.act(Action::SearchNext);
    assert_ne!(h.state.queue.selected_id, first);
    assert_eq!(
        h.state.selected_detail().map(|d| d.interaction.id),
        h.state.queue.selected_id
    );
    h.act(Action::SearchPrev);
    assert_eq!(h.state.queue.selected_id, first);
    let screen = h.screen(120, 40);
    assert_shows(&screen, &["n следующий найденный", "esc отмена"]);
}

#[test]
fn answered_results_show_their_state_and_cannot_be_answered_again() {
    let mut h = Harness::new(120, 40);
    search(&mut h, "колюч");
    assert_eq!(h.state.queue.total, Some(1));
    let screen = h.screen(120, 40);
    assert_shows(
        &screen,
        &[
            "✓",
            "Состояние: отвечено",
            "Ответ продавца",
            "Спасибо за отзыв!",
        ],
    );
    h.act(Action::Reply);
    assert_eq!(h.state.mode, Mode::Queue);
    assert_shows(
        &h.screen(120, 40),
        &["На это обращение уже нельзя ответить"],
    );
}

#[test]
fn a_bad_query_is_shown_in_the_status_line() {
    for (w, hgt) in SIZES {
        let mut h = Harness::new(w, hgt);
        h.act(Action::Filter);
        h.type_text("rating:9");
        h.act(Action::Confirm);
        assert_eq!(h.state.mode, Mode::Prompt);
        let screen = h.screen(w, hgt);
        assert_shows(&screen, &["Запрос не понят", "Фильтр: rating:9"]);
        h.act(Action::Cancel);
        h.act(Action::Search);
        h.type_text("colour:red");
        h.act(Action::Confirm);
        assert_shows(&h.screen(w, hgt), &["неизвестный фильтр «colour»"]);
    }
}

#[test]
fn filters_and_sorts_narrow_and_order_the_real_queue() {
    let mut h = Harness::new(120, 40);
    h.act(Action::Filter);
    let prompt = h.screen(120, 40);
    assert_shows(&prompt, &["Фильтр:", "например: rating:<=2"]);
    h.type_text("rating:<=3");
    h.act(Action::Confirm);
    assert_eq!(h.state.queue.total, Some(2), "the 2★ and the 3★ review");
    let screen = h.screen(120, 40);
    assert_shows(&screen, &["Очередь 1/2", "rating:<=3", "2:Отзывы 2"]);
    h.act(Action::ClearFilters);
    assert_eq!(h.state.queue.total, Some(5));
    // Newest first: the urgent review was written 50 minutes ago.
    h.act(Action::CycleSort);
    h.act(Action::CycleSort);
    assert_eq!(h.state.lens.sort, QueueSort::Newest);
    let top = h
        .state
        .queue
        .rows
        .first()
        .and_then(|r| r.product_name.clone());
    assert_eq!(top.as_deref(), Some("Плед флисовый 150×200"));
    assert_shows(&h.screen(120, 40), &["сначала новые"]);
    // Priority: urgent (2★, at risk) before the breached 5★ (low, raised to normal).
    h.act(Action::CycleSort);
    h.act(Action::CycleSort);
    assert_eq!(h.state.lens.sort, QueueSort::Priority);
    let names: Vec<_> = h
        .state
        .queue
        .rows
        .iter()
        .map(|r| r.customer_name.clone().unwrap_or_default())
        .collect();
    assert_eq!(names.first().map(String::as_str), Some("Анна"), "{names:?}");
    // Answered: the two history items of the Ozon shop.
    h.act(Action::CycleAnswered);
    assert_eq!(h.state.lens.answered, AnswerFilter::Answered);
    assert_eq!(h.state.queue.total, Some(2));
    h.act(Action::CycleAnswered);
    assert_eq!(h.state.queue.total, Some(7));
    // Account and marketplace cycles.
    h.act(Action::CycleAccount);
    let first_account = h.state.lens.account;
    assert!(first_account.is_some());
    assert_shows(&h.screen(120, 40), &["все состояния"]);
    h.act(Action::CycleMarketplace);
    h.act(Action::CycleMarketplace);
    let screen = h.screen(120, 40);
    assert_shows(&screen, &["OZ"]);
}

#[test]
fn has_draft_and_intent_filters_use_their_columns() {
    let (dir, store) = filled_store();
    execute(
        &store,
        "UPDATE interactions SET intent = 'wrong_item' WHERE external_id = 'r-urgent';
         INSERT INTO drafts (interaction_id, text, source, confidence, created_at)
           SELECT id, 'черновик', 'template', 0.8, 0 FROM interactions WHERE external_id = 'q-1';",
    );
    let mut h = Harness::on(dir, store, 120, 40);
    h.act(Action::Filter);
    h.type_text("intent:wrong_item");
    h.act(Action::Confirm);
    assert_eq!(h.state.queue.total, Some(1));
    h.act(Action::Filter);
    h.act(Action::PromptInput(ratatui_textarea::Input {
        key: ratatui_textarea::Key::Char('u'),
        ctrl: true,
        ..Default::default()
    }));
    h.type_text("intent:none");
    h.act(Action::Confirm);
    assert_eq!(h.state.queue.total, Some(4));
    h.act(Action::ClearFilters);
    h.act(Action::Filter);
    h.type_text("draft:yes");
    h.act(Action::Confirm);
    assert_eq!(h.state.queue.total, Some(1));
    assert_shows(&h.screen(120, 40), &["Чайник", "draft:yes"]);
}

fn runs_and_audit(store: &agentiq::store::Store) {
    // Runs relative to t0 = 2026-11-02 12:00 UTC (1793620800).
    execute(
        store,
        "INSERT INTO sync_runs (account_id, connector, started_at, finished_at, ok, items_seen, items_new, items_changed, error)
         VALUES (1, 'wb_feedbacks', 1793617200, 1793617205, 1, 40, 5, 1, NULL),
                (1, 'wb_feedbacks', 1793618200, 1793618205, 0, 0, 0, 0, 'HTTP 503'),
                (1, 'wb_feedbacks', 1793619200, 1793619205, 0, 0, 0, 0, 'HTTP 429 \x1b[2J too many'),
                (1, 'wb_questions', 1793619200, 1793619205, 1, 12, 2, 0, NULL);
         INSERT INTO audit_log (at, actor, action, interaction_id, detail)
         VALUES (1793617000, 'human', 'reply_queued', 1, '{\"text\":\"Спасибо\"}'),
                (1793618000, 'outbox', 'reply_sent', 1, '{\"attempts\":1}'),
                (1793619000, 'sync', 'sync_failed', NULL, '{\"error\":\"HTTP 503\"}');",
    );
}

#[test]
fn sync_health_at_three_sizes() {
    for (w, hgt) in SIZES {
        let (dir, store) = filled_store();
        runs_and_audit(&store);
        let mut h = Harness::on(dir, store, w, hgt);
        h.act(Action::ScreenSyncHealth);
        assert_eq!(h.state.screen, Screen::SyncHealth);
        let buffer = h.render(w, hgt);
        let screen = text(&buffer);
        assert_shows(
            &screen,
            &[
                "Синхронизация",
                "Кабинет",
                "shop",
                "wb_feedbacks",
                "wb_questions",
            ],
        );
        if w >= 80 {
            assert_shows(&screen, &["33% (3)", "100% (1)", "Сбоев подряд"]);
        }
        if w >= 120 {
            assert_shows(&screen, &["40 +5 ~1", "HTTP 429"]);
        }
        assert_inert(&buffer);
        assert_lacks(&screen, &["[2J"]);
        h.act(Action::MoveDown);
        assert_eq!(h.state.health.cursor.selected, 1);
        h.act(Action::MoveUp);
        if hgt >= 20 {
            // The selected row's last error in full, below the list.
            assert_shows(&h.screen(w, hgt), &["shop / wb_feedbacks"]);
        }
        h.act(Action::Cancel);
        assert_eq!(h.state.screen, Screen::Inbox);
    }
}

#[test]
fn audit_log_at_three_sizes() {
    for (w, hgt) in SIZES {
        let (dir, store) = filled_store();
        runs_and_audit(&store);
        let mut h = Harness::on(dir, store, w, hgt);
        h.act(Action::ScreenAuditLog);
        let screen = h.screen(w, hgt);
        assert_shows(
            &screen,
            &[
                "Журнал действий 1/3",
                "sync_failed",
                "reply_sent",
                "reply_queued",
            ],
        );
        // Newest first.
        let newest = screen.find("sync_failed").expect("shown");
        let oldest = screen.find("reply_queued").expect("shown");
        assert!(newest < oldest);
        h.act(Action::Bottom);
        let screen = h.screen(w, hgt);
        assert_shows(&screen, &["Журнал действий 3/3"]);
        if hgt >= 20 {
            assert_shows(&screen, &["\"text\": \"Спасибо\""]);
        }
        h.act(Action::ScreenInbox);
        assert_shows(&h.screen(w, hgt), &["Очередь 1/5"]);
    }
}

#[test]
fn a_click_on_a_row_selects_it() {
    use agentiq::tui::action::{MouseInput, MouseKind};
    let mut h = Harness::new(120, 40);
    h.act(Action::Mouse(MouseInput {
        kind: MouseKind::Click,
        column: 10,
        row: 2 + 2 * 2,
    }));
    assert_eq!(h.state.queue.selected, 2);
    let chat = h.screen(120, 40);
    assert_shows(&chat, &["Очередь 3/5", "Переписка:"]);
    h.act(Action::Mouse(MouseInput {
        kind: MouseKind::WheelDown,
        column: 10,
        row: 10,
    }));
    assert_eq!(h.state.queue.scroll, 0, "five items fit: nothing to scroll");
}

#[test]
fn the_status_line_says_who_syncs_and_which_replies_wait_for_a_process() {
    use agentiq::protocol::Event;
    // Another live process (a child that sleeps) holds a sync lease as a daemon.
    let mut child = std::process::Command::new("sleep")
        .arg("30")
        .spawn()
        .expect("sleep runs");
    let mut h = Harness::new(120, 40);
    let host = agentiq::store::Holder::parse(&agentiq::store::holder_id_for(
        agentiq::store::ProcessKind::Cli,
    ))
    .unwrap()
    .host;
    let daemon = format!("daemon:{}:00000001@{host}", child.id());
    let conn = rusqlite::Connection::open(h.store.path()).unwrap();
    let far = chrono::Utc::now().timestamp() + 3600;
    conn.execute(
        "INSERT INTO leases (name, holder, expires_at) VALUES ('sync:1:wb_feedbacks', ?1, ?2)",
        rusqlite::params![daemon, far],
    )
    .unwrap();
    // A reply queued for a shop no running process has.
    let (id, shop): (i64, String) = conn
        .query_row(
            "SELECT i.id, a.name FROM interactions i JOIN accounts a ON a.id = i.account_id
             WHERE i.state = 'open' ORDER BY i.id LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    agentiq::store::enqueue_reply(
        &conn,
        agentiq::domain::InteractionId(id),
        "Спасибо!",
        "k-wait",
        "human",
        chrono::Utc::now(),
    )
    .unwrap();
    h.act(Action::Background(Event::DataChanged));
    let screen = h.screen(120, 40);
    let _ = child.kill();
    let _ = child.wait();
    assert_shows(
        &screen,
        &[
            &format!("синхронизирует: daemon pid {}", child.id()),
            &format!("{shop}: 1 ждут процесса с этим магазином"),
        ],
    );
}

/// A daemon drafts and syncs; the inbox beside it learns from the store that the LLM is
/// down and that a shop cannot be reached, and sees both clear.
#[test]
fn the_status_line_shows_what_a_daemon_recorded_about_the_llm_and_the_network() {
    use agentiq::protocol::Event;
    let mut child = std::process::Command::new("sleep")
        .arg("30")
        .spawn()
        .expect("sleep runs");
    let mut h = Harness::new(160, 40);
    let host = agentiq::store::Holder::parse(&agentiq::store::holder_id_for(
        agentiq::store::ProcessKind::Cli,
    ))
    .unwrap()
    .host;
    let conn = rusqlite::Connection::open(h.store.path()).unwrap();
    let down = serde_json::json!({
        "error": "the request timed out", "since": 0, "pid": child.id(), "host": host,
    });
    conn.execute(
        "INSERT INTO settings (scope, key, value, updated_at) VALUES ('health', 'llm', ?1, 0)",
        [down.to_string()],
    )
    .unwrap();
    let (account_id, shop): (i64, String) = conn
        .query_row(
            "SELECT id, name FROM accounts ORDER BY id LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let run = |at: chrono::DateTime<chrono::Utc>, error: Option<&str>| {
        agentiq::store::record_sync_run(
            &conn,
            &agentiq::store::SyncRunRecord {
                account_id,
                connector: "wb_feedbacks".into(),
                started_at: at,
                finished_at: at,
                ok: error.is_none(),
                error: error.map(str::to_string),
                ..Default::default()
            },
        )
        .unwrap();
    };
    let now = chrono::Utc::now();
    run(
        now,
        Some("wb /api/v1/feedbacks: network: connection refused; stopped at page 1"),
    );
    h.act(Action::Background(Event::DataChanged));
    let screen = h.screen(160, 40);
    assert_shows(
        &screen,
        &[
            "LLM недоступна — черновики офлайн",
            &format!("{shop}: офлайн с"),
        ],
    );
    // The daemon's next draft got an answer, its next sync got through.
    agentiq::store::record_llm_health(&conn, None, now).unwrap();
    run(now + chrono::Duration::seconds(30), None);
    h.act(Action::Background(Event::DataChanged));
    let screen = h.screen(160, 40);
    let _ = child.kill();
    let _ = child.wait();
    assert!(!screen.contains("LLM недоступна"), "{screen}");
    assert!(!screen.contains("офлайн с"), "{screen}");
}

/// A theme error longer than the terminal is wide: the status line cuts it, the help
/// overlay shows it whole, wrapped.
#[test]
fn a_long_theme_error_is_shown_whole_in_help() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("themes")).unwrap();
    std::fs::write(
        dir.path().join("themes/mine.toml"),
        "extends = \"dark\"\n[styles]\n\"border\" = { modifiers = [\"blink\"] }\n",
    )
    .unwrap();
    let (_, problem) = agentiq::tui::config::load_theme(dir.path(), "mine");
    let problem = problem.expect("a theme problem");
    assert!(problem.ends_with("crossed_out"), "{problem}");
    let mut h = Harness::new(60, 20);
    h.act(Action::ConfigProblem(problem.clone()));
    let status = h.screen(60, 20);
    assert!(
        !status.contains("crossed_out"),
        "cut at 60 columns:\n{status}"
    );
    h.act(Action::Help);
    let help = h.screen(60, 20);
    let shown: String = help
        .lines()
        .map(|l| l.trim_matches(|c: char| c == '│' || c == ' ' || c == '•'))
        .collect::<Vec<_>>()
        .join(" ");
    for word in problem.split_whitespace().filter(|w| w.len() < 20) {
        assert!(shown.contains(word), "{word} not in help:\n{help}");
    }
    assert_shows(&help, &["Ошибки в файлах настроек", "crossed_out"]);
}
