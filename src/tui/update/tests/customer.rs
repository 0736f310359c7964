//! The customer history screen: `o` opens it on the item's customer with the cursor on
//! that item, moves within it, Esc goes back; no customer, a notice.

use super::*;
use crate::store::{CustomerProfile, HistoryItem};
use crate::tui::state::{Mode, Notice, Screen};

fn profile(current: InteractionId) -> CustomerProfile {
    let item = |id: i64, days: i64| HistoryItem {
        id: InteractionId(id),
        channel: Channel::Review,
        created_at: t0() - Duration::days(days),
        rating: Rating::new(3),
        state: "answered".into(),
        product_name: None,
        first_line: format!("текст {id}"),
        confidence: 1.0,
        sentiment: None,
    };
    CustomerProfile {
        customer_id: 9,
        name: Some("Анна".into()),
        deterministic: true,
        // Newest first; the current item is the second.
        items: vec![item(50, 0), item(current.0, 1), item(40, 5), item(30, 9)],
        open_items: 1,
        complaints: 0,
    }
}

#[test]
fn o_opens_the_history_on_the_current_item_and_esc_returns() {
    let (mut state, mut fake) = started(3);
    let id = state.queue.selected_id.expect("a selection");
    let mut shown = state.detail.clone().expect("the detail");
    if let Some(extras) = shown.extras.as_mut() {
        extras.customer = Some(profile(id));
    }
    update(&mut state, Action::DetailLoaded(Box::new(shown)));
    fake.act(&mut state, Action::FocusDetail);
    assert_eq!(state.mode, Mode::Detail);

    let fx = fake.act(&mut state, Action::CustomerHistory);
    assert!(fx.is_empty(), "nothing to send");
    assert_eq!(
        (state.screen, state.mode),
        (Screen::CustomerHistory, Mode::Screen)
    );
    assert_eq!(state.customer_history.current, Some(id));
    assert_eq!(
        state.customer_history.cursor.selected, 1,
        "on the item it was opened from"
    );
    assert!(
        fake.other.is_empty(),
        "no read: the profile came with the detail"
    );

    fake.act(&mut state, Action::MoveDown);
    fake.act(&mut state, Action::Bottom);
    assert_eq!(state.customer_history.cursor.selected, 3);
    fake.act(&mut state, Action::MoveDown);
    assert_eq!(
        state.customer_history.cursor.selected, 3,
        "stays on the last"
    );
    fake.act(&mut state, Action::Top);
    assert_eq!(state.customer_history.cursor.selected, 0);
    fake.act(&mut state, Action::Refresh);
    assert!(fake.other.is_empty(), "refresh reads nothing here");

    fake.act(&mut state, Action::Cancel);
    assert_eq!((state.screen, state.mode), (Screen::Inbox, Mode::Queue));
    assert_eq!(state.queue.selected_id, Some(id), "the selection is kept");
}

#[test]
fn without_a_linked_customer_o_says_so() {
    let (mut state, mut fake) = started(2);
    assert!(state
        .detail
        .as_ref()
        .is_some_and(|d| d.extras.as_ref().is_some_and(|e| e.customer.is_none())));
    fake.act(&mut state, Action::CustomerHistory);
    assert_eq!(state.screen, Screen::Inbox);
    assert!(matches!(state.current_notice(), Some(Notice::NoCustomer)));
}
