//! The settings screen's "learnt" tab against a real store: what the shop's drafts
//! learnt, drawn in both languages, and an entry forgotten with the reset key through the
//! services' own code.

mod tui_support;

use agentiq::protocol::{Command, Event};
use agentiq::store::learning::{learnt_phrases, note_length, note_phrase, PhraseLesson};
use agentiq::tui::action::Action;
use tui_support::*;

fn lessons(h: &Harness, shop: i64) {
    let writer = h.store.writer().expect("writer");
    writer
        .call_blocking(move |conn| {
            let now = t0();
            for (kind, channel, phrase, times) in [
                ("avoid", "", "Хорошего дня!", 3),
                ("closing", "review", "С уважением, команда «Уюта».", 2),
            ] {
                for _ in 0..times {
                    let lesson = PhraseLesson {
                        kind,
                        channel,
                        product_external_id: "",
                        phrase,
                        norm: phrase,
                    };
                    note_phrase(conn, shop, &lesson, now)?;
                }
            }
            for _ in 0..6 {
                note_length(conn, shop, "review", 120, now)?;
            }
            Ok(())
        })
        .expect("lessons stored");
}

#[test]
fn the_learnt_tab_shows_what_the_drafts_learnt_and_forgets_an_entry() {
    let mut h = Harness::new(120, 40);
    let shop = h.state.accounts[0].id;
    lessons(&h, shop);
    h.act(Action::ScreenSettings);
    // The learnt tab is the one before the last (the experiment tab).
    h.act(Action::PrevTab);
    h.act(Action::PrevTab);
    assert!(h.state.settings.on_learnt_tab());
    // Passing the experiment tab asked for its figures.
    assert_eq!(h.commands.try_recv().ok(), Some(Command::LoadExperiment));
    assert_shows(&h.screen(120, 40), &["Выучено", "выберите кабинет"]);
    h.act(Action::CycleAccount);
    let screen = h.screen(120, 40);
    assert_shows(
        &screen,
        &[
            "Выучено",
            "удаляет",
            "Хорошего дня!",
            "подпись",
            "С уважением, команда «Уюта».",
            "длина",
            "≈120",
            "x / Delete",
        ],
    );
    for (w, hgt) in [(80, 24), (60, 20)] {
        assert_shows(&h.screen(w, hgt), &["Хорошего дня!"]);
    }
    let english = {
        h.lang = agentiq::tui::Lang::En;
        h.screen(120, 40)
    };
    assert_shows(&english, &["Learnt", "deleted", "sign-off", "3× in use"]);

    // The first row (most seen: the deleted phrase) is forgotten.
    h.act(Action::ResetSetting);
    let command = h.commands.try_recv().expect("a command");
    let Command::ForgetLearnt { account_id, entry } = command else {
        panic!("{command:?}");
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let writer = h.store.writer().expect("writer");
    let event = runtime.block_on(agentiq::runtime::forget_learnt(&writer, account_id, entry));
    assert!(
        matches!(event, Event::LearntForgotten { error: None, .. }),
        "{event:?}"
    );
    h.act(Action::Background(event));
    let screen = h.screen(120, 40);
    assert_lacks(&screen, &["Хорошего дня!"]);
    assert_shows(&screen, &["С уважением, команда «Уюта».", "Forgotten"]);
    let reader = h.store.reader().expect("reader");
    let left = learnt_phrases(&reader, shop, 1).expect("read");
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].kind, "closing");
}
