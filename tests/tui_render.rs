//! The inbox drawn from a real store at common and tiny terminal sizes, in both
//! languages and every shipped theme.

mod tui_support;

use agentiq::protocol::{Command, Event};
use agentiq::tui::theme::{ColorSupport, BUILTIN_THEMES};
use agentiq::tui::{Action, Mode, Theme};
use ratatui::style::Color;
use tui_support::*;

#[test]
fn inbox_at_120_by_40() {
    let h = Harness::new(120, 40);
    assert_eq!(h.state.queue.total, Some(5));
    let buffer = h.render(120, 40);
    let screen = text(&buffer);
    assert_shows(
        &screen,
        &[
            // tabs with counts
            "1:Все 5",
            "2:Отзывы 3",
            "3:Вопросы 1",
            "4:Чаты 1",
            "просрочено",
            // queue: products, stars, countdowns, marks
            "Очередь 1/5",
            "Плед флисовый 150×200",
            "Чайник электрический",
            "★★☆☆☆",
            "★★★★★",
            "10m",
            "-1d00h",
            "WB Отз",
            "WB Впр",
            "WB Чат",
            "Анна",
            "Пришёл с дыркой на углу",
            "Злой текст",
            // detail of the top item (the breached review)
            "Кружка керамическая",
            "Всё отлично, спасибо",
            "Артикул: 111",
            // status bar and hints from the keymap
            "исходящих нет",
            "r ответить",
            "? справка",
            "q выход",
            "/ поиск по всей истории",
        ],
    );
    assert_inert(&buffer);
    assert_lacks(&screen, &["[2J", "52;c", "[31m", "cm0gLXJm"]);
}

#[test]
fn inbox_at_80_by_24() {
    let h = Harness::new(80, 24);
    let buffer = h.render(80, 24);
    let screen = text(&buffer);
    assert_shows(
        &screen,
        &[
            "1:Все 5",
            "Плед",
            "2★",
            "10m",
            "-1d00h",
            "Кружка",
            "r ответить",
            "q выход",
        ],
    );
    assert_inert(&buffer);
}

#[test]
fn inbox_at_60_by_20_is_still_readable() {
    let mut h = Harness::new(60, 20);
    let screen = text(&h.render(60, 20));
    assert_shows(
        &screen,
        &[
            // No room for the key hints in the tab bar: the tabs themselves stay.
            "Все 5",
            "Отзывы 3",
            "просрочено 1",
            "Очередь 1/5",
            "-1d00h",
            "Кружка керамическая",
            "Плед флисовый 150×200",
            "r ответить",
        ],
    );
    // At 60 columns the queue has the screen; every item shows its countdown.
    for countdown in ["-1d00h", "10m", "1h00m", "2h00m"] {
        assert!(screen.contains(countdown), "{countdown}:\n{screen}");
    }
    h.act(Action::FocusDetail);
    assert_shows(&text(&h.render(60, 20)), &["Всё отлично, спасибо"]);
}

#[test]
fn detail_shows_review_fields_and_chat_thread() {
    let mut h = Harness::new(120, 40);
    h.act(Action::MoveDown);
    let screen = text(&h.render(120, 40));
    assert_shows(
        &screen,
        &[
            "Отзыв · WB · shop",
            "Бренд: Уют",
            "Достоинства:",
            "Мягкий",
            "Недостатки:",
            "Фото: 3",
            "Ответить до: 02.11 15:10",
        ],
    );
    h.act(Action::TabChats);
    let screen = text(&h.render(120, 40));
    assert_shows(
        &screen,
        &["Переписка:", "Покупатель 02.11 12:00", "Где мой заказ?"],
    );
}

#[test]
fn reply_editor_and_confirmation_render_and_send() {
    for (w, hgt) in SIZES {
        let mut h = Harness::new(w, hgt);
        h.act(Action::MoveDown);
        h.act(Action::Reply);
        assert_eq!(h.state.mode, Mode::Editor);
        let draft = h.state.editor.as_ref().expect("editor").text();
        let first_word: String = draft.chars().take_while(|c| c.is_alphabetic()).collect();
        assert!(!first_word.is_empty(), "{draft}");
        let screen = text(&h.render(w, hgt));
        assert_shows(&screen, &["/5000", &first_word, "ctrl-s отправить"]);
        if w >= 80 {
            assert_shows(&screen, &["Ответ · Отзыв WB", "esc отмена"]);
        }
        h.act(Action::Send);
        let screen = text(&h.render(w, hgt));
        assert_shows(&screen, &["Отправить ответ?", "y отправить"]);
        h.act(Action::Confirm);
        let command = h.commands.try_recv().expect("one command");
        assert!(matches!(command, Command::SendReply { .. }), "{command:?}");
        assert!(h.commands.try_recv().is_err(), "exactly one command");
        let screen = text(&h.render(w, hgt));
        assert_shows(&screen, &["Ответ поставлен в очередь"]);
    }
}

#[test]
fn editor_undo_redo_and_hints() {
    let mut h = Harness::new(120, 40);
    h.act(Action::Reply);
    let draft = h.state.editor.as_ref().expect("editor").text();
    h.type_text("!!");
    assert_eq!(
        h.state.editor.as_ref().unwrap().text(),
        format!("{draft}!!")
    );
    h.act(Action::Undo);
    h.act(Action::Undo);
    assert_eq!(h.state.editor.as_ref().unwrap().text(), draft);
    h.act(Action::Redo);
    assert_eq!(h.state.editor.as_ref().unwrap().text(), format!("{draft}!"));
    let screen = text(&h.render(120, 40));
    assert_shows(
        &screen,
        &["ctrl-z отменить правку", "ctrl-g другой черновик"],
    );
    // $EDITOR hands text back through an action; undo can bring the old text back.
    h.act(Action::ExternalEdited(Ok("Новый текст\n".into())));
    assert_eq!(h.state.editor.as_ref().unwrap().text(), "Новый текст");
    assert_shows(
        &text(&h.render(120, 40)),
        &["Новый текст", "Текст вернулся из внешнего редактора"],
    );
    h.act(Action::ExternalEdited(Err("vi: not found".into())));
    assert_shows(
        &text(&h.render(120, 40)),
        &["Внешний редактор: vi: not found"],
    );
}

#[test]
fn help_lists_every_binding_and_filters_by_typing() {
    for (w, hgt) in SIZES {
        let mut h = Harness::new(w, hgt);
        h.act(Action::Help);
        let screen = text(&h.render(w, hgt));
        assert_shows(&screen, &["Клавиши", "Найти:", "Везде [global]", "справка"]);
        h.type_text("журнал");
        let screen = text(&h.render(w, hgt));
        assert_shows(&screen, &["Найти: журнал", "g a", "журнал действий"]);
        assert_lacks(&screen, &["ответить", "Очередь [queue]"]);
        h.type_text("zzz");
        assert_shows(&text(&h.render(w, hgt)), &["Таких клавиш нет"]);
    }
}

#[test]
fn status_bar_shows_sync_and_offline() {
    let mut h = Harness::new(120, 40);
    h.act(Action::Background(Event::SyncStarted {
        account: "shop".into(),
        connector: "wb".into(),
    }));
    assert_shows(&text(&h.render(120, 40)), &["shop: синхронизация…"]);
    h.act(Action::Background(Event::SyncFinished {
        account: "shop".into(),
        connector: "wb".into(),
        ok: false,
        new: 0,
        changed: 0,
        error: Some("HTTP 429\u{1B}[2J".into()),
    }));
    h.act(Action::Background(Event::Offline {
        account: "Уютный дом".into(),
        since: t0(),
    }));
    let buffer = h.render(120, 40);
    assert_shows(
        &text(&buffer),
        &["shop: ✗ ошибка HTTP 429", "Уютный дом: офлайн с 15:00"],
    );
    assert_inert(&buffer);
    // A refused token says what to do, in the UI's language.
    h.act(Action::Background(Event::SyncFinished {
        account: "shop".into(),
        connector: "wb".into(),
        ok: false,
        new: 0,
        changed: 0,
        error: Some(
            "wb /api/v1/feedbacks: unauthorized (HTTP 401); check the account's token".into(),
        ),
    }));
    assert_shows(
        &text(&h.render(200, 40)),
        &["shop: ✗ токен отклонён (HTTP 401) — выпустите новый"],
    );
}

#[test]
fn breached_view_shows_only_overdue_items() {
    let mut h = Harness::new(120, 40);
    h.act(Action::ToggleBreached);
    assert_eq!(h.state.queue.total, Some(1));
    let screen = text(&h.render(120, 40));
    assert_shows(&screen, &["Кружка керамическая", "◉ просрочено"]);
    assert_lacks(&screen, &["Чайник"]);
}

#[test]
fn english_is_complete_on_every_screen() {
    let mut h = Harness::new(120, 40).in_english();
    let screen = text(&h.render(120, 40));
    assert_shows(
        &screen,
        &[
            "1:All 5",
            "2:Reviews 3",
            "overdue",
            "Queue 1/5",
            "WB Rev",
            "outbox empty",
            "r reply",
            "? help",
            "q quit",
        ],
    );
    h.act(Action::FocusDetail);
    assert_shows(&text(&h.render(120, 40)), &["Article: 111", "Answer by:"]);
    h.act(Action::Help);
    assert_shows(
        &text(&h.render(120, 40)),
        &["Keys", "Everywhere [global]", "Find:"],
    );
    h.act(Action::Cancel);
    h.act(Action::ScreenSyncHealth);
    assert_shows(
        &text(&h.render(120, 40)),
        &["Sync health", "No sync has run yet"],
    );
    h.act(Action::ScreenAuditLog);
    assert_shows(
        &text(&h.render(120, 40)),
        &["Audit log", "The log is empty"],
    );
    // No Russian UI text anywhere (customer text is Russian, so look at the chrome).
    let screen = text(&h.render(120, 40));
    let chrome: String = screen
        .lines()
        .take(1)
        .chain(screen.lines().rev().take(2))
        .collect();
    assert!(
        !chrome.chars().any(|c| ('\u{400}'..='\u{4FF}').contains(&c)),
        "{chrome}"
    );
}

#[test]
fn every_theme_renders_and_colours_fit_the_terminal() {
    for (name, _, _) in BUILTIN_THEMES {
        let theme = Theme::builtin(name).expect("builtin");
        for support in [ColorSupport::TrueColor, ColorSupport::Ansi256] {
            let mut h = Harness::new(80, 24);
            h.theme = theme.clone().for_terminal(support);
            let buffer = h.render(80, 24);
            assert_shows(&text(&buffer), &["1:Все 5", "Кружка"]);
            for cell in buffer.content() {
                for c in [cell.fg, cell.bg] {
                    if support == ColorSupport::Ansi256 {
                        assert!(!matches!(c, Color::Rgb(..)), "{name}: {c:?}");
                    }
                }
            }
        }
    }
    // The light theme paints its own background.
    let mut h = Harness::new(80, 24);
    h.theme = Theme::builtin("light").expect("light");
    let buffer = h.render(80, 24);
    assert!(
        buffer.content().iter().all(|c| c.bg != Color::Reset),
        "every cell has the light background"
    );
}

#[test]
fn no_color_theme_paints_no_colours() {
    let mut h = Harness::new(80, 24);
    h.theme = Theme::embedded_dark().for_terminal(ColorSupport::None);
    let buffer = h.render(80, 24);
    for cell in buffer.content() {
        assert_eq!((cell.fg, cell.bg), (Color::Reset, Color::Reset));
    }
}

#[test]
fn tiny_terminals_do_not_panic() {
    let mut h = Harness::new(20, 5);
    for (w, h_) in [(20, 5), (1, 1), (0, 0), (5, 20), (60, 3), (59, 8), (200, 2)] {
        h.resize(w, h_);
        h.render(w, h_);
    }
    h.resize(20, 5);
    for action in [
        Action::Reply,
        Action::Send,
        Action::Help,
        Action::Cancel,
        Action::Cancel,
        Action::Cancel,
        Action::ScreenSyncHealth,
        Action::ScreenAuditLog,
        Action::Search,
    ] {
        h.act(action);
        for (w, h_) in [(20, 5), (3, 2), (1, 1), (60, 20)] {
            h.render(w, h_);
        }
    }
}

#[test]
fn the_template_picker_at_three_sizes() {
    use agentiq::tui::templates::{Template, TemplateSource};
    for (w, hgt) in SIZES {
        let mut h = Harness::new(w, hgt);
        h.state.templates = Some(TemplateSource::new(|item, _| {
            let name = item.customer_name.clone().unwrap_or_default();
            vec![
                Template {
                    label: "благодарность".into(),
                    text: format!("{name}, спасибо за отзыв!"),
                },
                Template {
                    label: "брак или не работает".into(),
                    text: format!("{name}, нам жаль, что товар подвёл."),
                },
            ]
        }));
        h.act(Action::MoveDown);
        h.act(Action::Reply);
        h.act(Action::InsertTemplate);
        assert_eq!(h.state.mode, Mode::Picker);
        let screen = text(&h.render(w, hgt));
        assert_shows(
            &screen,
            &["Шаблоны", "благодарность", "Анна, спасибо за отзыв!"],
        );
        h.act(Action::MoveDown);
        h.act(Action::Confirm);
        let reply = h.state.editor.as_ref().expect("editor").text();
        assert!(
            reply.ends_with("Анна, нам жаль, что товар подвёл."),
            "{reply}"
        );
        if w >= 80 {
            assert_shows(&text(&h.render(w, hgt)), &["ctrl-t вставить шаблон"]);
        }
    }
}
