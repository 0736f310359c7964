//! Untrusted text through the real renderer: escape sequences, bidi overrides,
//! invisible characters, wide characters and a 1 MB review. Nothing may reach a cell as
//! a control sequence, and the layout must hold.

mod tui_support;

use std::time::{Duration as StdDuration, Instant};

use agentiq::domain::{
    Answer, Channel, ChatMessage, Marketplace, ModerationState, NewInteraction, Rating, Sender,
};
use agentiq::store::{upsert_account, Store};
use agentiq::sync::upsert_interactions;
use agentiq::tui::{Action, Screen};
use chrono::Duration;
use tui_support::*;

const ESCAPES: &str = "\u{1B}[2J\u{1B}[H\u{1B}]52;c;cm0gLXJmIH4=\u{07}\u{1B}]0;pwned\u{1B}\\\u{1B}P+q\u{1B}\\\u{9B}31m\u{1B}[31m";
const BIDI: &str = "\u{202E}exe.txt\u{202C}\u{2066}\u{2069}\u{200B}\u{200F}\u{FEFF}";

fn hostile(s: &str) -> String {
    format!("{ESCAPES}{s}{BIDI}\u{0}\u{7F}\r\tконец")
}

fn hostile_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path().join("agentiq.db")).expect("store");
    let huge = format!(
        "{}{}",
        hostile("начало"),
        "Очень длинный отзыв. ".repeat(50_000)
    );
    assert!(huge.len() > 1_000_000);
    let items = vec![
        NewInteraction {
            rating: Rating::new(1),
            product: product(&hostile("Плед"), &hostile("Бренд"), "1"),
            customer_name: Some(hostile("Анна")),
            text: huge,
            pros: Some(hostile("плюсы")),
            cons: Some(hostile("минусы")),
            ..item(Channel::Review, "huge", Duration::minutes(5))
        },
        NewInteraction {
            customer_name: Some("表情 😀👍🏽 名前".into()),
            text: "日本語のテキスト 😀😀😀 混在 wide ＡＢＣ text".repeat(5),
            messages: vec![ChatMessage {
                external_id: "m".into(),
                sender: Sender::Buyer,
                text: hostile("сообщение"),
                sent_at: t0() - Duration::hours(1),
            }],
            ..item(Channel::Chat, "wide", Duration::hours(1))
        },
        NewInteraction {
            rating: Rating::new(5),
            product: product("Кружка", "Дом", "2"),
            text: hostile("отвеченный"),
            answer: Some(Answer {
                text: hostile("ответ"),
                moderation: ModerationState::Published,
                editable: true,
            }),
            ..item(Channel::Review, "answered", Duration::days(2))
        },
    ];
    let writer = store.writer().expect("writer");
    writer
        .call_blocking(move |conn| {
            let tx = conn.transaction()?;
            let account = upsert_account(&tx, &hostile("Магазин"), Marketplace::Wb)?;
            upsert_interactions(&tx, account, "test", &items, t0())?;
            tx.execute(
                "INSERT INTO sync_runs (account_id, connector, started_at, finished_at, ok, error)
                 VALUES (?1, ?2, 1793619200, 1793619205, 0, ?3)",
                rusqlite::params![account, hostile("wb"), hostile("HTTP 500")],
            )?;
            tx.execute(
                "INSERT INTO audit_log (at, actor, action, detail) VALUES (1793619000, ?1, ?2, ?3)",
                rusqlite::params![hostile("кто"), hostile("что"), hostile("{not json")],
            )?;
            tx.commit()?;
            Ok(())
        })
        .expect("write");
    (dir, store)
}

/// What must never show: the payloads of the sequences, or their introducers.
const RESIDUE: [&str; 7] = ["[2J", "52;c", "cm0gLXJm", "pwned", "+q", "[31m", "31m"];

fn check(buffer: &ratatui::buffer::Buffer) {
    assert_inert(buffer);
    let screen = text(buffer);
    assert_lacks(&screen, &RESIDUE);
    // Every row is exactly the terminal's width: wide characters are measured right
    // (the cell after a wide character is covered by it).
    let area = buffer.area;
    for y in 0..area.height {
        let mut width = 0;
        let mut x = 0;
        while x < area.width {
            let symbol = buffer[(x, y)].symbol();
            let w = unicode_width::UnicodeWidthStr::width(symbol).max(1);
            width += w;
            x += w as u16;
        }
        assert_eq!(
            width,
            usize::from(area.width),
            "row {y}: {:?}",
            screen.lines().nth(usize::from(y))
        );
    }
}

#[test]
fn hostile_text_is_inert_on_every_screen_and_size() {
    for (w, hgt) in SIZES {
        let (dir, store) = hostile_store();
        let mut h = Harness::on(dir, store, w, hgt);
        assert_eq!(h.state.queue.total, Some(2));
        let start = Instant::now();
        let buffer = h.render(w, hgt);
        check(&buffer);
        let screen = text(&buffer);
        assert_shows(&screen, &["конец"]);
        // The detail of the 1 MB review: bounded, and scrolling to its end is quick.
        h.act(Action::FocusDetail);
        h.act(Action::Bottom);
        let buffer = h.render(w, hgt);
        check(&buffer);
        assert_shows(&text(&buffer), &["…"]);
        assert!(
            start.elapsed() < StdDuration::from_secs(20),
            "rendering a 1 MB review took {:?}",
            start.elapsed()
        );
        h.act(Action::Top);
        let screen = text(&h.render(w, hgt));
        assert_shows(&screen, &["начало", "Очень длинный отзыв"]);
        // The chat with wide characters and emoji.
        h.act(Action::FocusQueue);
        h.act(Action::MoveDown);
        let buffer = h.render(w, hgt);
        check(&buffer);
        assert_shows(&text(&buffer), &["😀"]);
        // Search results include the answered item and its answer.
        h.act(Action::Search);
        h.type_text("кружка");
        h.act(Action::Confirm);
        assert_eq!(h.state.queue.total, Some(1));
        check(&h.render(w, hgt));
        // The full screens.
        h.act(Action::ScreenSyncHealth);
        assert_eq!(h.state.screen, Screen::SyncHealth);
        check(&h.render(w, hgt));
        h.act(Action::ScreenAuditLog);
        let buffer = h.render(w, hgt);
        check(&buffer);
        assert_shows(&text(&buffer), &["{not json"]);
        // Help and the prompt with pasted escape sequences.
        h.act(Action::ScreenInbox);
        h.act(Action::Search);
        h.act(Action::Paste(hostile("вставка")));
        check(&h.render(w, hgt));
        h.act(Action::Cancel);
        h.act(Action::Help);
        h.act(Action::Paste(hostile("x")));
        check(&h.render(w, hgt));
    }
}

#[test]
fn a_huge_draft_paste_is_bounded_in_the_editor() {
    let (dir, store) = hostile_store();
    let mut h = Harness::on(dir, store, 80, 24);
    h.act(Action::Reply);
    let start = Instant::now();
    h.act(Action::Paste(format!("{ESCAPES}{}", "я".repeat(1_000_000))));
    let editor = h.state.editor.as_ref().expect("editor");
    assert!(editor.text().chars().count() <= 21_000);
    assert!(editor.over_limit());
    let buffer = h.render(80, 24);
    assert!(
        start.elapsed() < StdDuration::from_secs(10),
        "{:?}",
        start.elapsed()
    );
    check(&buffer);
    assert_shows(&text(&buffer), &["/5000"]);
}
