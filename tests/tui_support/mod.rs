//! What the TUI's integration tests share: a store with a small, varied inbox, a harness
//! that runs the real reducer and reads, and helpers to render and inspect the screen.
#![allow(dead_code)]

use agentiq::domain::{
    Answer, Channel, ChatMessage, Marketplace, ModerationState, NewInteraction, ProductRef, Rating,
    Sender,
};
use agentiq::protocol::Command;
use agentiq::store::{upsert_account, Store};
use agentiq::sync::upsert_interactions;
use agentiq::tui::strings::Strings;
use agentiq::tui::{draw, Action, AppState, Keymap, Lang, Runner, Theme, ViewCtx};
use chrono::{DateTime, Duration, FixedOffset, TimeZone, Utc};
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::Terminal;
use tokio::sync::mpsc;

/// The three sizes every screen is drawn at: roomy, the classic terminal, and small.
pub const SIZES: [(u16, u16); 3] = [(120, 40), (80, 24), (60, 20)];

pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 12, 0, 0).unwrap()
}

pub fn item(channel: Channel, id: &str, age: Duration) -> NewInteraction {
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

pub fn product(name: &str, brand: &str, id: &str) -> Option<ProductRef> {
    Some(ProductRef {
        external_id: id.into(),
        name: Some(name.into()),
        brand: Some(brand.into()),
    })
}

/// Five open items: a review breached a day ago, an urgent two-star review with ten
/// minutes left, a question, a chat, and a review full of escape sequences.
pub fn items() -> Vec<NewInteraction> {
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

/// Answered items in a second (Ozon) shop: the history search finds.
pub fn history() -> Vec<NewInteraction> {
    let answered = |id: &str, text: &str, days: i64| NewInteraction {
        rating: Rating::new(4),
        product: product("Плед шерстяной 200×220", "Овечка", "555"),
        customer_name: Some("Алёна".into()),
        text: text.into(),
        answer: Some(Answer {
            text: "Спасибо за отзыв!".into(),
            moderation: ModerationState::Published,
            editable: false,
        }),
        ..item(Channel::Review, id, Duration::days(days))
    };
    vec![
        answered("h-1", "Тёплый плёд, ёлка в узорах", 40),
        answered("h-2", "Колючий, но тёплый", 20),
    ]
}

pub fn filled_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path().join("agentiq.db")).expect("open store");
    let writer = store.writer().expect("writer");
    let items = items();
    let history = history();
    writer
        .call_blocking(move |conn| {
            let tx = conn.transaction()?;
            let shop = upsert_account(&tx, "shop", Marketplace::Wb)?;
            upsert_interactions(&tx, shop, "test", &items, t0())?;
            let ozon = upsert_account(&tx, "Уютный дом Ozon", Marketplace::Ozon)?;
            upsert_interactions(&tx, ozon, "test", &history, t0())?;
            tx.commit()?;
            Ok(())
        })
        .expect("write test data");
    (dir, store)
}

/// Runs `sql` against the store through its writer.
pub fn execute(store: &Store, sql: &'static str) {
    store
        .writer()
        .expect("writer")
        .call_blocking(move |conn| {
            conn.execute_batch(sql)?;
            Ok(())
        })
        .expect("sql runs");
}

pub struct Harness {
    pub dir: tempfile::TempDir,
    pub store: Store,
    pub state: AppState,
    pub runner: Runner,
    pub commands: mpsc::UnboundedReceiver<Command>,
    pub keymap: Keymap,
    pub theme: Theme,
    pub lang: Lang,
}

impl Harness {
    pub fn new(width: u16, height: u16) -> Harness {
        let (dir, store) = filled_store();
        Harness::on(dir, store, width, height)
    }

    pub fn on(dir: tempfile::TempDir, store: Store, width: u16, height: u16) -> Harness {
        let (tx, commands) = mpsc::unbounded_channel();
        let mut runner = Runner::new(&store, tx).expect("runner");
        let mut state = AppState::new(t0(), "test", FixedOffset::east_opt(3 * 3600).unwrap());
        runner.start(&mut state, width, height);
        // The counts of the first view are read off the UI task: wait for them.
        runner.settle(&mut state);
        Harness {
            dir,
            store,
            state,
            runner,
            commands,
            keymap: Keymap::embedded_default(),
            theme: Theme::embedded_dark(),
            lang: Lang::Ru,
        }
    }

    /// Applies `action` and waits for the background jobs it started (analytics).
    pub fn act(&mut self, action: Action) {
        self.runner.dispatch(&mut self.state, action, false);
        self.runner.settle(&mut self.state);
    }

    pub fn resize(&mut self, width: u16, height: u16) {
        self.act(Action::Resize { width, height });
    }

    /// Types into whatever has the keyboard: the search or filter line, or help.
    pub fn type_text(&mut self, text: &str) {
        use ratatui_textarea::{Input, Key};
        for c in text.chars() {
            let input = Input {
                key: Key::Char(c),
                ..Input::default()
            };
            let action = match self.state.mode {
                agentiq::tui::Mode::Help => Action::HelpInput(input),
                agentiq::tui::Mode::Editor => Action::EditorInput(input),
                _ => Action::PromptInput(input),
            };
            self.act(action);
        }
    }

    pub fn in_english(mut self) -> Harness {
        self.lang = Lang::En;
        self.state.lang = Lang::En;
        self
    }

    pub fn render(&self, width: u16, height: u16) -> Buffer {
        let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("terminal");
        let ctx = ViewCtx {
            theme: &self.theme,
            keymap: &self.keymap,
            strings: Strings::for_lang(self.lang),
        };
        terminal.draw(|f| draw(f, &self.state, &ctx)).expect("draw");
        terminal.backend().buffer().clone()
    }

    /// Resizes the state to the terminal and renders it.
    pub fn screen(&mut self, width: u16, height: u16) -> String {
        self.resize(width, height);
        text(&self.render(width, height))
    }
}

/// The buffer as text, one line per row.
pub fn text(buffer: &Buffer) -> String {
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

pub fn assert_shows(screen: &str, expected: &[&str]) {
    for e in expected {
        assert!(screen.contains(e), "screen lacks {e:?}:\n{screen}");
    }
}

pub fn assert_lacks(screen: &str, unexpected: &[&str]) {
    for e in unexpected {
        assert!(!screen.contains(e), "screen shows {e:?}:\n{screen}");
    }
}

/// No cell holds a control character or an invisible/bidi format character.
pub fn assert_inert(buffer: &Buffer) {
    for cell in buffer.content() {
        for c in cell.symbol().chars() {
            assert!(
                !c.is_control()
                    && !('\u{200B}'..='\u{200F}').contains(&c)
                    && !('\u{202A}'..='\u{202E}').contains(&c)
                    && !('\u{2066}'..='\u{2069}').contains(&c)
                    && c != '\u{FEFF}',
                "cell holds {c:?}"
            );
        }
    }
}
