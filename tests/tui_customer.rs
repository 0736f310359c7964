//! The customer in view: the detail pane's customer block (items, channels, products,
//! ratings trend) and the history screen `o` opens, rendered on a TestBackend through the
//! real reducer and reads.

mod tui_support;

use agentiq::domain::{Answer, Channel, Marketplace, ModerationState, NewInteraction, Rating};
use agentiq::store::{upsert_account, Store};
use agentiq::sync::upsert_interactions;
use agentiq::tui::{Action, Screen};
use chrono::Duration;
use tui_support::{assert_lacks, assert_shows, item, product, t0, Harness, SIZES};

/// A WB shop where one buyer (by id) wrote four times: a 5★ and a 2★ review earlier, a
/// question, and the urgent 1★ review on top of the queue; and one stranger.
fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("agentiq.db")).unwrap();
    let buyer =
        |id: &str, channel: Channel, stars: Option<u8>, days: i64, text: &str| NewInteraction {
            customer_name: Some("Марина".into()),
            customer_external_id: Some("buyer-7".into()),
            rating: stars.and_then(Rating::new),
            text: text.into(),
            product: product("Плед флисовый 150×200, серый", "Уют", "222"),
            ..item(channel, id, Duration::days(days))
        };
    let answered = |mut n: NewInteraction| {
        n.answer = Some(Answer {
            text: "Спасибо!".into(),
            moderation: ModerationState::Published,
            editable: false,
        });
        n
    };
    let items = vec![
        answered(NewInteraction {
            product: product("Подушка ортопедическая", "Сон", "444"),
            ..buyer("m-1", Channel::Review, Some(5), 60, "Подушка супер")
        }),
        answered(buyer("m-2", Channel::Review, Some(2), 30, "Плед линяет")),
        buyer(
            "m-3",
            Channel::Question,
            None,
            3,
            "Можно ли стирать плед в машинке?",
        ),
        NewInteraction {
            created_at: t0() - Duration::minutes(50),
            ..buyer(
                "m-4",
                Channel::Review,
                Some(1),
                0,
                "Опять катышки после стирки",
            )
        },
        NewInteraction {
            customer_name: Some("Олег".into()),
            customer_external_id: Some("buyer-9".into()),
            text: "Где заказ?".into(),
            ..item(Channel::Question, "o-1", Duration::hours(30))
        },
    ];
    store
        .writer()
        .unwrap()
        .call_blocking(move |conn| {
            let tx = conn.transaction()?;
            let shop = upsert_account(&tx, "shop", Marketplace::Wb)?;
            upsert_interactions(&tx, shop, "test", &items, t0())?;
            tx.commit()?;
            Ok(())
        })
        .unwrap();
    (dir, store)
}

/// The harness with the queue's selection on the item whose text starts with `text`.
fn on_item(text: &str) -> Harness {
    let (dir, store) = store();
    let mut h = Harness::on(dir, store, 120, 40);
    for _ in 0..10 {
        let shown = h
            .state
            .detail
            .as_ref()
            .is_some_and(|d| d.interaction.text.starts_with(text));
        if shown {
            return h;
        }
        h.act(Action::MoveDown);
    }
    panic!("no item '{text}' in the queue");
}

#[test]
fn the_detail_pane_shows_the_customer_and_their_trend() {
    let mut h = on_item("Опять катышки");
    let screen = h.screen(120, 40);
    assert_shows(
        &screen,
        &[
            "Покупатель: Марина",
            "4 обращения, без ответа 2",
            "o — вся история",
            "Каналы: Отзыв 3, Вопрос 1",
            "Товары: «Плед флисовый 150×200», «Подушка",
            // 5★, 2★, 1★ oldest first.
            "Оценки: █▃▁ 5★ → 1★",
        ],
    );
    // Smaller terminals: still drawn, the first line at least.
    for (w, hgt) in SIZES {
        let screen = h.screen(w, hgt);
        assert_shows(&screen, &["Марина"]);
    }
    let mut h = h.in_english();
    assert_shows(
        &h.screen(120, 40),
        &[
            "4 items, 2 unanswered",
            "o — full history",
            "Ratings: █▃▁ 5★ → 1★",
        ],
    );
}

#[test]
fn o_opens_the_history_and_esc_comes_back() {
    let mut h = on_item("Опять катышки");
    h.act(Action::FocusDetail);
    h.act(Action::CustomerHistory);
    assert_eq!(h.state.screen, Screen::CustomerHistory);
    let screen = h.screen(120, 40);
    assert_shows(
        &screen,
        &[
            "История покупателя · Марина",
            "Опять катышки после стирки",
            "Можно ли стирать плед в машинке?",
            "Плед линяет",
            "Подушка супер",
            "★★★★★",
        ],
    );
    assert_lacks(&screen, &["Где заказ?"]);
    // The cursor starts on the item it was opened from (the newest); j moves to the
    // question and the footer shows it.
    assert_eq!(h.state.customer_history.cursor.selected, 0);
    h.act(Action::MoveDown);
    let screen = h.screen(120, 40);
    assert_eq!(h.state.customer_history.cursor.selected, 1);
    assert!(
        screen
            .lines()
            .rev()
            .take(6)
            .any(|l| l.contains("Можно ли стирать плед")),
        "{screen}"
    );
    for (w, hgt) in SIZES {
        assert_shows(&h.screen(w, hgt), &["Марина"]);
    }
    h.act(Action::Cancel);
    assert_eq!(h.state.screen, Screen::Inbox);
    assert_shows(&h.screen(120, 40), &["4 обращения"]);
}

#[test]
fn a_first_time_customer_says_so_and_has_no_history_key() {
    let mut h = on_item("Где заказ?");
    let screen = h.screen(120, 40);
    assert_shows(&screen, &["Покупатель: Олег", "первое обращение"]);
    assert_lacks(&screen, &["вся история"]);
}
