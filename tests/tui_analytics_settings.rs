//! The analytics and settings screens against a real store, drawn at 120×40, 80×24 and
//! 60×20; the queue's priority marks per account; revenue in the detail pane.

mod tui_support;

use agentiq::analytics::{metrics_report, resolve_query, FilterArgs};
use agentiq::domain::{Channel, Marketplace, NewInteraction, Rating};
use agentiq::protocol::{Command, Event};
use agentiq::settings::editable::load_templates;
use agentiq::settings::{self, Scope};
use agentiq::sla::{Policies, PrioritySettings};
use agentiq::store::{record_sync_run, upsert_account, Store, SyncRunRecord};
use agentiq::sync::upsert_interactions;
use agentiq::tui::settings_sections::store_layer;
use agentiq::tui::state::Notice;
use agentiq::tui::{Action, Mode, Screen};
use chrono::Duration;
use ratatui_textarea::{Input, Key};
use tui_support::*;

/// The test inbox plus answered items and sync runs in the last week, so every metric
/// has data.
fn store_with_answers() -> (tempfile::TempDir, Store) {
    let (dir, store) = filled_store();
    let review = |id: &str, stars: u8, hours: i64| NewInteraction {
        rating: Rating::new(stars),
        product: product("Кружка керамическая", "Дом", "111"),
        text: "Отзыв".into(),
        ..item(Channel::Review, id, Duration::hours(hours))
    };
    let question = |id: &str, hours: i64| NewInteraction {
        product: product("Чайник электрический", "Кипяток", "333"),
        text: "Есть ли гарантия?".into(),
        ..item(Channel::Question, id, Duration::hours(hours))
    };
    let items = vec![
        review("a-1", 5, 60),
        review("a-2", 4, 70),
        review("a-3", 1, 80),
        review("a-4", 2, 90),
        question("aq-1", 50),
        question("aq-2", 52),
        question("aq-3", 54),
    ];
    store
        .writer()
        .expect("writer")
        .call_blocking(move |conn| {
            let tx = conn.transaction()?;
            let shop = upsert_account(&tx, "shop", Marketplace::Wb)?;
            upsert_interactions(&tx, shop, "test", &items, t0())?;
            // Answered: three reviews within a day, one after two; questions: two fast,
            // one long after its deadline.
            for (id, after_hours) in [
                ("a-1", 2),
                ("a-2", 5),
                ("a-3", 20),
                ("a-4", 48),
                ("aq-1", 0),
                ("aq-2", 0),
                ("aq-3", 30),
            ] {
                tx.execute(
                    "UPDATE interactions SET state = 'answered',
                            first_answered_at = created_at + ?2 * 3600 + 60
                     WHERE external_id = ?1",
                    rusqlite::params![id, after_hours],
                )?;
            }
            for (i, ok) in [true, true, true, false].into_iter().enumerate() {
                let at = t0() - Duration::hours(10 + i as i64);
                record_sync_run(
                    &tx,
                    &SyncRunRecord {
                        account_id: shop,
                        connector: "wb_feedbacks".into(),
                        started_at: at,
                        finished_at: at + Duration::seconds(3),
                        ok,
                        error: (!ok).then(|| "HTTP 500".to_string()),
                        ..SyncRunRecord::default()
                    },
                )?;
            }
            tx.commit()?;
            Ok(())
        })
        .expect("answers written");
    (dir, store)
}

/// The percentages `agentiq metrics --json` prints for its default period.
fn cli_percentages(store: &Store) -> Vec<String> {
    let reader = store.reader().expect("reader");
    let query = resolve_query(&reader, &FilterArgs::default(), t0()).expect("query");
    let json = metrics_report(&reader, &query, t0(), true).expect("report");
    let doc: serde_json::Value = serde_json::from_str(&json).expect("json");
    [
        "questions_sla",
        "reviews_24h",
        "draft_acceptance",
        "harmful_rate",
        "sync_success",
    ]
    .iter()
    .map(|k| match doc["metrics"][k]["ratio"].as_f64() {
        Some(r) => format!("{:.1}%", r * 100.0),
        None => "—".to_string(),
    })
    .collect()
}

#[test]
fn the_analytics_screen_shows_what_agentiq_metrics_prints() {
    let (dir, store) = store_with_answers();
    let expected = cli_percentages(&store);
    assert!(
        expected.iter().filter(|p| *p != "—").count() >= 3,
        "the fixture gives most metrics data: {expected:?}"
    );
    let mut h = Harness::on(dir, store, 120, 40);
    h.act(Action::ScreenAnalytics);
    assert_eq!(h.state.screen, Screen::Analytics);
    assert!(!h.state.analytics.loading, "the figures arrived");
    for (w, hgt) in SIZES {
        let screen = h.screen(w, hgt);
        for p in expected.iter().filter(|p| *p != "—") {
            assert_shows(&screen, &[p.as_str()]);
        }
        assert_shows(&screen, &["Аналитика", "за 7 дн."]);
    }
    let roomy = h.screen(120, 40);
    assert_shows(
        &roomy,
        &[
            "Вопросы в срок (SLA)",
            ">= 85%",
            "<= 2%",
            "Выручка под риском",
            "Товары с открытыми жалобами",
            "Плед флисовый",
            "По дням",
        ],
    );
    assert_shows(&h.screen(80, 24), &["Отзывы с ответом за 24 ч", "Цель"]);
}

#[test]
fn analytics_keys_change_period_and_account_and_escape_goes_home() {
    let (dir, store) = store_with_answers();
    let mut h = Harness::on(dir, store, 120, 40).in_english();
    h.act(Action::ScreenAnalytics);
    let first = h.state.analytics.request;
    h.act(Action::CyclePeriod);
    assert_eq!(h.state.analytics.days, 30);
    assert!(h.state.analytics.request > first);
    assert_shows(
        &h.screen(120, 40),
        &["Analytics", "last 30 days", "all accounts"],
    );
    h.act(Action::CyclePeriod);
    assert_eq!(h.state.analytics.days, 90);
    h.act(Action::CyclePeriod);
    assert_eq!(h.state.analytics.days, 7);
    h.act(Action::CycleAccount);
    let shop = h.state.accounts[0].id;
    assert_eq!(h.state.analytics.account, Some(shop));
    let name = h.state.accounts[0].name.clone();
    assert_shows(&h.screen(120, 40), &[name.as_str()]);
    h.act(Action::MoveDown);
    assert_eq!(h.state.analytics.selected, 1);
    assert_shows(&h.screen(120, 40), &["By day: Reviews answered in 24 h"]);
    for (w, hgt) in SIZES {
        assert_shows(&h.screen(w, hgt), &["Target"]);
    }
    h.act(Action::Cancel);
    assert_eq!((h.state.screen, h.state.mode), (Screen::Inbox, Mode::Queue));
}

/// Empties the prompt line.
fn clear_prompt(h: &mut Harness) {
    h.act(Action::PromptInput(Input {
        key: Key::Char('u'),
        ctrl: true,
        ..Input::default()
    }));
}

/// Selects the section `key` and the field `name` in it.
fn select_field(h: &mut Harness, section: &str, name: &str) {
    for _ in 0..20 {
        if h.state.settings.current().map(|l| l.key) == Some(section) {
            break;
        }
        h.act(Action::NextTab);
    }
    assert_eq!(h.state.settings.current().map(|l| l.key), Some(section));
    h.act(Action::Top);
    let at = h
        .state
        .settings
        .fields
        .iter()
        .position(|f| f.name() == name)
        .unwrap_or_else(|| panic!("no field {name} in [{section}]"));
    for _ in 0..at {
        h.act(Action::MoveDown);
    }
    assert_eq!(
        h.state.settings.selected_field().map(|f| f.name()),
        Some(name.to_string())
    );
}

/// The command the screen sent, carried out by the services' own code, and its answer
/// given back to the screen.
fn deliver_saves(h: &mut Harness) -> usize {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let writer = h.store.writer().expect("writer");
    let mut n = 0;
    while let Ok(command) = h.commands.try_recv() {
        let Command::SaveSetting { scope, key, layer } = command else {
            continue;
        };
        let event = runtime.block_on(agentiq::runtime::save_setting(&writer, scope, key, layer));
        assert!(
            matches!(event, Event::SettingSaved { error: None, .. }),
            "{event:?}"
        );
        h.act(Action::Background(event));
        n += 1;
    }
    n
}

#[test]
fn a_setting_edited_per_account_is_stored_and_read_back_by_the_sla_module() {
    let mut h = Harness::new(120, 40);
    h.act(Action::ScreenSettings);
    assert_eq!(h.state.settings.scope, Scope::Global);
    h.act(Action::CycleAccount);
    let shop = h.state.accounts[0].id;
    assert_eq!(h.state.settings.scope, Scope::Account(shop));
    select_field(&mut h, "priority", "urgent_max_rating");
    assert_shows(&h.screen(120, 40), &["urgent_max_rating", "по умолчанию"]);
    h.act(Action::Confirm);
    assert_eq!(h.state.mode, Mode::Prompt);
    clear_prompt(&mut h);
    h.type_text("3");
    h.act(Action::Confirm);
    assert_eq!(h.state.mode, Mode::Screen);
    assert_eq!(deliver_saves(&mut h), 1);
    assert_eq!(h.state.current_notice(), Some(&Notice::SettingSaved));
    // The owning module reads the new value for this account only.
    let reader = h.store.reader().expect("reader");
    let own: PrioritySettings = settings::load(&reader, Some(shop)).expect("load");
    assert_eq!(own.urgent_max_rating, 3);
    let policies = Policies::load(&reader, &[shop, shop + 1]);
    assert_eq!(
        policies
            .for_account(shop)
            .priority_settings()
            .urgent_max_rating,
        3
    );
    assert_eq!(
        policies
            .for_account(shop + 1)
            .priority_settings()
            .urgent_max_rating,
        2
    );
    let screen = h.screen(120, 40);
    assert_shows(&screen, &["кабинета", "Настройка сохранена"]);
    // Reset: the default applies again.
    h.act(Action::ResetSetting);
    assert_eq!(deliver_saves(&mut h), 1);
    let own: PrioritySettings = settings::load(&reader, Some(shop)).expect("load");
    assert_eq!(own.urgent_max_rating, 2);
    h.act(Action::ResetSetting);
    assert_eq!(
        h.state.current_notice(),
        Some(&Notice::SettingNotOverridden)
    );
    assert!(h.commands.try_recv().is_err(), "nothing to send");
}

#[test]
fn a_bad_value_is_refused_with_a_message_and_nothing_is_saved() {
    let mut h = Harness::new(120, 40);
    h.act(Action::ScreenSettings);
    select_field(&mut h, "priority", "urgent_max_rating");
    for (typed, says) in [
        ("abc", "нужно число"),
        ("300", "число 300, нужно целое число от 0 до 255"),
        ("-1", "число -1, нужно целое число от 0 до 255"),
    ] {
        h.act(Action::Confirm);
        clear_prompt(&mut h);
        h.type_text(typed);
        h.act(Action::Confirm);
        assert_eq!(h.state.mode, Mode::Prompt, "{typed}: the text stays to fix");
        let screen = h.screen(120, 40);
        assert_shows(&screen, &["Не сохранено: urgent_max_rating", says]);
        h.act(Action::Cancel);
        assert_eq!(h.state.mode, Mode::Screen);
    }
    // A value of the right type that breaks the section's rules.
    select_field(&mut h, "sla", "urgent.target");
    h.act(Action::Confirm);
    clear_prompt(&mut h);
    h.type_text("500");
    h.act(Action::Confirm);
    assert_shows(&h.screen(120, 40), &["порог риска 500 мин позже срока"]);
    h.act(Action::Cancel);
    // Walking past the experiment tab only asked for its figures.
    assert!(
        std::iter::from_fn(|| h.commands.try_recv().ok())
            .all(|c| matches!(c, agentiq::protocol::Command::LoadExperiment)),
        "nothing was sent"
    );
    let reader = h.store.reader().expect("reader");
    let stored: i64 = reader
        .query_row("SELECT count(*) FROM settings", [], |r| r.get(0))
        .expect("count");
    assert_eq!(stored, 0);
    // The field still shows its old value.
    select_field(&mut h, "priority", "urgent_max_rating");
    assert_eq!(
        h.state.settings.selected_field().map(|f| f.value.clone()),
        Some(serde_json::json!(2))
    );
}

#[test]
fn lists_and_templates_are_edited_one_entry_per_line() {
    let mut h = Harness::new(120, 40);
    h.act(Action::ScreenSettings);
    select_field(&mut h, "guardrails", "banned_phrases");
    h.act(Action::Confirm);
    assert_eq!(h.state.mode, Mode::Editor);
    assert_shows(
        &h.screen(120, 40),
        &["По одному на строку", "ctrl-s сохранить"],
    );
    h.act(Action::EditorInput(Input {
        key: Key::Char('a'),
        ctrl: true,
        ..Input::default()
    }));
    h.type_text("гарантия 100%");
    h.act(Action::EditorInput(Input {
        key: Key::Enter,
        ..Input::default()
    }));
    h.type_text("лучший на рынке");
    h.act(Action::Send);
    assert_eq!(h.state.mode, Mode::Screen);
    assert_eq!(deliver_saves(&mut h), 1);
    let reader = h.store.reader().expect("reader");
    let g: settings::GuardrailSettings = settings::load(&reader, Some(1)).expect("load");
    assert!(
        g.banned_phrases
            .iter()
            .any(|p| p.ends_with("лучший на рынке")),
        "{:?}",
        g.banned_phrases
    );
    // A template: review × thanks.
    select_field(&mut h, "templates", "review.intent.thanks.bodies");
    h.act(Action::Confirm);
    assert_eq!(h.state.mode, Mode::Editor);
    for _ in 0..2000 {
        h.act(Action::EditorInput(Input {
            key: Key::Backspace,
            ..Input::default()
        }));
    }
    h.type_text("Спасибо, что выбрали нас!");
    h.act(Action::Send);
    assert_eq!(deliver_saves(&mut h), 1);
    let set = load_templates(&reader, None)
        .expect("templates")
        .expect("stored");
    assert_eq!(
        set.review.intent["thanks"].bodies,
        vec!["Спасибо, что выбрали нас!".to_string()]
    );
    // A template with an unknown placeholder is refused in the editor.
    h.act(Action::Confirm);
    h.type_text(" {oops}");
    h.act(Action::Send);
    assert_eq!(h.state.mode, Mode::Editor);
    assert_shows(
        &h.screen(120, 40),
        &["Не сохранено: review.intent.thanks.bodies"],
    );
    assert!(
        matches!(h.state.current_notice(), Some(Notice::SettingRefused { reason, .. })
            if reason.contains("неизвестная подстановка {oops}")),
        "{:?}",
        h.state.current_notice()
    );
    h.act(Action::Cancel);
    assert!(h.commands.try_recv().is_err());
}

#[test]
fn the_settings_screen_reads_at_every_size_in_both_languages() {
    let mut h = Harness::new(120, 40);
    h.act(Action::ScreenSettings);
    for (w, hgt) in SIZES {
        let screen = h.screen(w, hgt);
        assert_shows(
            &screen,
            &["Настройки", "critical.target", "15", "по умолчанию"],
        );
    }
    assert_shows(
        &h.screen(120, 40),
        &[
            "Сроки SLA",
            "Приоритет",
            "Связь покупателей",
            "›",
            "общие (все кабинеты)",
        ],
    );
    assert_shows(&h.screen(60, 20), &["Сроки SLA", "›"]);
    let mut h = h.in_english();
    h.act(Action::NextTab);
    for (w, hgt) in SIZES {
        let screen = h.screen(w, hgt);
        assert_shows(&screen, &["Settings", "urgent_max_rating", "default"]);
    }
    assert_shows(&h.screen(120, 40), &["esc", "edit", "reset the field"]);
    h.act(Action::Cancel);
    assert_eq!(h.state.screen, Screen::Inbox);
}

#[test]
fn the_queue_marks_priority_by_each_accounts_thresholds() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path().join("agentiq.db")).expect("open");
    let three = |id: &str, name: &str| NewInteraction {
        rating: Rating::new(3),
        product: product(name, "B", id),
        text: "Так себе".into(),
        ..item(Channel::Review, id, Duration::minutes(5))
    };
    let strict = vec![three("s-1", "Строгий товар")];
    let relaxed = vec![three("r-1", "Спокойный товар")];
    store
        .writer()
        .expect("writer")
        .call_blocking(move |conn| {
            let tx = conn.transaction()?;
            let a = upsert_account(&tx, "strict", Marketplace::Wb)?;
            let b = upsert_account(&tx, "relaxed", Marketplace::Ozon)?;
            upsert_interactions(&tx, a, "test", &strict, t0())?;
            upsert_interactions(&tx, b, "test", &relaxed, t0())?;
            store_layer(
                &tx,
                Scope::Account(a),
                "priority",
                Some(&serde_json::json!({"urgent_max_rating": 3})),
            )?;
            let _ = b;
            tx.commit()?;
            Ok(())
        })
        .expect("write");
    let mut h = Harness::on(dir, store, 120, 40);
    let screen = h.screen(120, 40);
    // The queue row up to the product's name: the mark is at its start, and the detail
    // pane to the right may show another item on the same terminal line.
    let line_of = |needle: &str| {
        let line = screen
            .lines()
            .find(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no row for {needle}:\n{screen}"));
        line[..line.find(needle).unwrap_or(0)].to_string()
    };
    let strict_row = line_of("Строгий");
    let relaxed_row = line_of("Спокойный");
    assert!(strict_row.contains('▲'), "urgent: {strict_row}");
    assert!(
        relaxed_row.contains('△') && !relaxed_row.contains('▲'),
        "high: {relaxed_row}"
    );
}

#[test]
fn the_detail_pane_shows_the_revenue_an_item_puts_at_risk() {
    let mut h = Harness::new(120, 40);
    let external_id = |h: &Harness| {
        h.state
            .selected_detail()
            .map(|d| d.interaction.external_id.clone())
    };
    for _ in 0..5 {
        if external_id(&h).as_deref() == Some("r-urgent") {
            break;
        }
        h.act(Action::MoveDown);
    }
    assert_eq!(
        external_id(&h).as_deref(),
        Some("r-urgent"),
        "the 2★ review"
    );
    let revenue = h
        .state
        .selected_detail()
        .and_then(|d| d.extras.as_ref()?.revenue.clone())
        .expect("a 2★ review is in the model");
    let amount = agentiq::analytics::roubles(revenue.at_risk);
    assert!(revenue.at_risk > 0.0);
    let screen = h.screen(120, 40);
    assert_shows(&screen, &[&format!("Выручка под риском ≈ {amount}")]);
    let mut h = h.in_english();
    assert_shows(
        &h.screen(120, 40),
        &[&format!("Revenue at risk ≈ {amount}")],
    );
}

#[test]
fn a_changed_sla_deadline_moves_open_clocks_at_the_next_preparation() {
    let mut h = Harness::new(120, 40);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let store = h.store.clone();
    let writer = store.writer().expect("writer");
    let classify_all = |runtime: &tokio::runtime::Runtime| {
        while runtime
            .block_on(agentiq::prepare::classify_pending(&store, &writer, t0()))
            .expect("classify")
            > 0
        {}
    };
    classify_all(&runtime);
    let due = |store: &Store| -> i64 {
        store
            .reader()
            .expect("reader")
            .query_row(
                "SELECT due_at - created_at FROM interactions WHERE external_id = 'r-urgent'",
                [],
                |r| r.get(0),
            )
            .expect("due")
    };
    assert_eq!(due(&h.store), 3600, "a 2★ review: urgent, one hour");
    h.act(Action::ScreenSettings);
    select_field(&mut h, "sla", "urgent.deadline");
    h.act(Action::Confirm);
    clear_prompt(&mut h);
    h.type_text("120");
    h.act(Action::Confirm);
    assert_eq!(deliver_saves(&mut h), 1);
    classify_all(&runtime);
    assert_eq!(due(&h.store), 7200, "two hours once preparation ran again");
}

/// The screen row (0-based) whose text holds `needle`.
fn row_of(screen: &str, needle: &str) -> u16 {
    screen
        .lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle} not on screen:\n{screen}")) as u16
}

fn click(h: &mut Harness, row: u16) {
    use agentiq::tui::action::{MouseInput, MouseKind};
    h.act(Action::Mouse(MouseInput {
        kind: MouseKind::Click,
        column: 10,
        row,
    }));
}

#[test]
fn a_click_selects_a_metric_on_the_analytics_screen() {
    let (dir, store) = store_with_answers();
    let mut h = Harness::on(dir, store, 120, 40).in_english();
    h.act(Action::ScreenAnalytics);
    assert_eq!(h.state.analytics.selected, 0);
    let screen = h.screen(120, 40);
    click(&mut h, row_of(&screen, "Reviews answered in 24 h"));
    assert_eq!(h.state.analytics.selected, 1);
    assert_shows(&h.screen(120, 40), &["By day: Reviews answered in 24 h"]);
    // The header and the lines under the table select nothing.
    click(&mut h, row_of(&screen, "Target"));
    click(&mut h, row_of(&screen, "Revenue at risk"));
    assert_eq!(h.state.analytics.selected, 1);
}

#[test]
fn a_click_selects_a_field_on_the_settings_screen() {
    let mut h = Harness::new(120, 40);
    h.act(Action::ScreenSettings);
    select_field(&mut h, "priority", "urgent_max_rating");
    let screen = h.screen(120, 40);
    click(&mut h, row_of(&screen, "high_max_rating"));
    assert_eq!(
        h.state.settings.selected_field().map(|f| f.name()),
        Some("high_max_rating".to_string())
    );
    // Another field; then a click on the section tabs or the table header moves nothing.
    click(&mut h, row_of(&screen, "urgent_intents"));
    assert_eq!(
        h.state.settings.selected_field().map(|f| f.name()),
        Some("urgent_intents".to_string())
    );
    click(&mut h, 1);
    click(&mut h, 2);
    assert_eq!(
        h.state.settings.selected_field().map(|f| f.name()),
        Some("urgent_intents".to_string())
    );
}
