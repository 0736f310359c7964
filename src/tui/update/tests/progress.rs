//! A first sync's progress in the status line: totals from the count methods, the time
//! left at the rate so far (the inbox's own clock), gone when the pass ends.

use super::*;
use crate::protocol::Event;
use crate::tui::strings::Strings;
use crate::tui::view::status::sync_progress;
use crate::tui::Lang;

fn progress(seen: u64) -> Action {
    Action::Background(Event::SyncProgress {
        account: "shop".into(),
        connector: "ozon_reviews".into(),
        channel: Channel::Review,
        seen,
        total: 6030,
        started: t0(),
    })
}

#[test]
fn the_status_shows_totals_and_the_time_left_until_the_pass_ends() {
    let (mut state, mut fake) = started(3);
    fake.act(&mut state, Action::Tick(t0() + Duration::seconds(40)));
    fake.act(&mut state, progress(3200));
    let sync = &state.sync["shop"];
    let ru = sync_progress(sync, state.now, Strings::for_lang(Lang::Ru));
    // 2 830 left at 80 a second.
    assert_eq!(ru.as_deref(), Some("3 200 / 6 030 отзывов, ~36 с"));
    let en = sync_progress(sync, state.now, Strings::for_lang(Lang::En));
    assert_eq!(en.as_deref(), Some("3 200 / 6 030 reviews, ~36 s"));

    fake.act(
        &mut state,
        Action::Background(Event::SyncFinished {
            account: "shop".into(),
            connector: "ozon_reviews".into(),
            ok: true,
            new: 6030,
            changed: 0,
            error: None,
        }),
    );
    let sync = &state.sync["shop"];
    assert_eq!(
        sync_progress(sync, state.now, Strings::for_lang(Lang::Ru)),
        None
    );
}

#[test]
fn before_anything_was_read_there_is_a_total_and_no_promise() {
    let (mut state, mut fake) = started(3);
    fake.act(&mut state, Action::Tick(t0()));
    fake.act(&mut state, progress(0));
    let text = sync_progress(&state.sync["shop"], state.now, Strings::for_lang(Lang::Ru));
    assert_eq!(text.as_deref(), Some("0 / 6 030 отзывов"));
}
