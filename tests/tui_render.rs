//! The inbox drawn from a real store at common and tiny terminal sizes.

use agentiq::app::{Command, Event};
use agentiq::domain::{
    Channel, ChatMessage, Marketplace, NewInteraction, ProductRef, Rating, Sender,
};
use agentiq::store::{upsert_account, upsert_interactions, Store};
use agentiq::tui::{draw, strings, Action, AppState, Keymap, Mode, Runner, Theme, ViewCtx};
use chrono::{DateTime, Duration, FixedOffset, TimeZone, Utc};
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::Color;
use ratatui::Terminal;
use tokio::sync::mpsc;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 12, 0, 0).unwrap()
}

fn item(channel: Channel, id: &str, age: Duration) -> NewInteraction {
    NewInteraction {
        channel,
        external_id: id.into(),
        product: None,
        customer_name: None,
        customer_external_id: None,
        text: String::new(),
        pros: None,
        cons: None,
        photos: 0,
        rating: None,
        created_at: t0() - age,
        answer: None,
        archived: false,
        messages: vec![],
        reply_handle: None,
        raw: serde_json::json!({ "id": id }),
    }
}

fn product(name: &str, brand: &str, id: &str) -> Option<ProductRef> {
    Some(ProductRef {
        external_id: id.into(),
        name: Some(name.into()),
        brand: Some(brand.into()),
    })
}

/// Five open items: a review breached a day ago, an urgent two-star review with ten
/// minutes left, a question, a chat, and a review full of escape sequences.
fn items() -> Vec<NewInteraction> {
    let old = NewInteraction {
        rating: Rating::new(5),
        product: product("Кружка керамическая", "Дом", "111"),
        customer_name: Some("Ирина".into()),
        text: "Всё отлично, спасибо".into(),
        ..item(Channel::Review, "r-old", Duration::days(3))
    };
    let urgent = NewInteraction {
        rating: Rating::new(2),
        product: product("Плед флисовый 150×200", "Уют", "222"),
        customer_name: Some("Анна".into()),
        text: "Пришёл с дыркой на углу\nВторая строка".into(),
        pros: Some("Мягкий".into()),
        cons: Some("Дырка".into()),
        photos: 3,
        ..item(Channel::Review, "r-urgent", Duration::minutes(50))
    };
    let question = NewInteraction {
        product: product("Чайник электрический", "Кипяток", "333"),
        customer_name: Some("Пётр".into()),
        text: "Есть ли в чёрном цвете?".into(),
        ..item(Channel::Question, "q-1", Duration::hours(2))
    };
    let chat = NewInteraction {
        customer_name: Some("Олег".into()),
        text: "Где мой заказ?".into(),
        messages: vec![ChatMessage {
            external_id: "m1".into(),
            sender: Sender::Buyer,
            text: "Где мой заказ?".into(),
            sent_at: t0() - Duration::hours(3),
        }],
        ..item(Channel::Chat, "c-1", Duration::hours(3))
    };
    let hostile = NewInteraction {
        rating: Rating::new(3),
        product: product("Товар\u{202E}gnp.exe", "X", "444"),
        customer_name: Some("Злоумышленник\u{1B}[31m".into()),
        text: "\u{1B}[2J\u{1B}]52;c;cm0gLXJm\u{07}Злой текст\u{200B}".into(),
        ..item(Channel::Review, "r-hostile", Duration::hours(2))
    };
    vec![old, urgent, question, chat, hostile]
}

fn filled_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path().join("agentiq.db")).expect("open store");
    let writer = store.writer().expect("writer");
    let items = items();
    writer
        .call_blocking(move |conn| {
            let tx = conn.transaction()?;
            let account = upsert_account(&tx, "shop", Marketplace::Wb)?;
            upsert_interactions(&tx, account, "test", &items, t0())?;
            tx.commit()?;
            Ok(())
        })
        .expect("write test data");
    (dir, store)
}

struct Harness {
    _dir: tempfile::TempDir,
    state: AppState,
    runner: Runner,
    commands: mpsc::UnboundedReceiver<Command>,
    keymap: Keymap,
    theme: Theme,
}

impl Harness {
    fn new(width: u16, height: u16) -> Harness {
        let (dir, store) = filled_store();
        let (tx, commands) = mpsc::unbounded_channel();
        let mut runner = Runner::new(&store, tx).expect("runner");
        let mut state = AppState::new(t0(), "test", FixedOffset::east_opt(3 * 3600).unwrap());
        runner.dispatch(&mut state, Action::Resize { width, height }, false);
        Harness {
            _dir: dir,
            state,
            runner,
            commands,
            keymap: Keymap::embedded_default(),
            theme: Theme::embedded_dark(),
        }
    }

    fn act(&mut self, action: Action) {
        self.runner.dispatch(&mut self.state, action, false);
    }

    fn render(&self, width: u16, height: u16) -> Buffer {
        let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("terminal");
        let ctx = ViewCtx {
            theme: &self.theme,
            keymap: &self.keymap,
            strings: strings::current(),
        };
        terminal.draw(|f| draw(f, &self.state, &ctx)).expect("draw");
        terminal.backend().buffer().clone()
    }
}

/// The buffer as text, one line per row.
fn text(buffer: &Buffer) -> String {
    let width = usize::from(buffer.area.width);
    let mut out = String::new();
    for (i, cell) in buffer.content().iter().enumerate() {
        out.push_str(cell.symbol());
        if (i + 1) % width == 0 {
            out.push('\n');
        }
    }
    out
}

fn assert_shows(screen: &str, expected: &[&str]) {
    for e in expected {
        assert!(screen.contains(e), "screen lacks {e:?}:\n{screen}");
    }
}

fn assert_inert(buffer: &Buffer) {
    for cell in buffer.content() {
        for c in cell.symbol().chars() {
            assert!(
                !c.is_control()
                    && !('\u{200B}'..='\u{200F}').contains(&c)
                    && !('\u{202A}'..='\u{202E}').contains(&c),
                "cell holds {c:?}"
            );
        }
    }
}

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
        ],
    );
    assert_inert(&buffer);
    for leftover in ["[2J", "52;c", "[31m", "cm0gLXJm"] {
        assert!(
            !screen.contains(leftover),
            "escape residue {leftover:?}:\n{screen}"
        );
    }
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
            "★★☆☆☆",
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
    let mut h = Harness::new(120, 40);
    h.act(Action::MoveDown);
    h.act(Action::Reply);
    assert_eq!(h.state.mode, Mode::Editor);
    let screen = text(&h.render(120, 40));
    assert_shows(
        &screen,
        &[
            "Ответ · Отзыв WB",
            "/5000",
            "Здравствуйте",
            "ctrl-s отправить",
            "esc отмена",
        ],
    );
    h.act(Action::Send);
    let screen = text(&h.render(120, 40));
    assert_shows(
        &screen,
        &["Отправить ответ?", "y отправить", "n вернуться к тексту"],
    );
    h.act(Action::Confirm);
    let command = h.commands.try_recv().expect("one command");
    assert!(matches!(command, Command::SendReply { .. }), "{command:?}");
    assert!(h.commands.try_recv().is_err(), "exactly one command");
    let screen = text(&h.render(120, 40));
    assert_shows(&screen, &["Ответ поставлен в очередь отправки"]);
}

#[test]
fn help_lists_every_binding() {
    let mut h = Harness::new(120, 40);
    h.act(Action::Help);
    let screen = text(&h.render(120, 40));
    assert_shows(
        &screen,
        &[
            "Клавиши",
            "Везде [global]",
            "справка",
            "Очередь [queue]",
            "g g",
        ],
    );
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
    h.act(Action::Background(Event::Offline { since: t0() }));
    let buffer = h.render(120, 40);
    assert_shows(
        &text(&buffer),
        &["shop: ✗ ошибка HTTP 429", "нет связи с 15:00"],
    );
    assert_inert(&buffer);
}

#[test]
fn breached_view_shows_only_overdue_items() {
    let mut h = Harness::new(120, 40);
    h.act(Action::ToggleBreached);
    assert_eq!(h.state.queue.total, Some(1));
    let screen = text(&h.render(120, 40));
    assert_shows(&screen, &["Кружка керамическая", "◉ просрочено"]);
    assert!(!screen.contains("Чайник"), "{screen}");
}

#[test]
fn no_color_theme_paints_no_colours() {
    let mut h = Harness::new(80, 24);
    h.theme = Theme::embedded_dark().without_colors();
    let buffer = h.render(80, 24);
    for cell in buffer.content() {
        assert_eq!((cell.fg, cell.bg), (Color::Reset, Color::Reset));
    }
}

#[test]
fn tiny_terminals_do_not_panic() {
    let mut h = Harness::new(20, 5);
    for (w, h_) in [(20, 5), (1, 1), (0, 0), (5, 20), (60, 3), (59, 8), (200, 2)] {
        h.act(Action::Resize {
            width: w,
            height: h_,
        });
        h.render(w, h_);
    }
    h.act(Action::Resize {
        width: 20,
        height: 5,
    });
    for action in [Action::Reply, Action::Send, Action::Help] {
        h.act(action);
        for (w, h_) in [(20, 5), (3, 2), (1, 1)] {
            h.render(w, h_);
        }
    }
}
