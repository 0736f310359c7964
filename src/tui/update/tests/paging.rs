//! The queue reads only around the visible window, from the nearest known place.

use super::*;
use crate::tui::update::queue::margin;

fn seek(r: &QueueRequest) -> PageSeek {
    r.seek
}

#[test]
fn moving_past_the_window_reads_on_from_a_held_row() {
    let (mut state, mut fake) = started(10_000);
    let v = state.visible_items();
    assert!(state.queue.rows.len() <= v + 2 * margin(v));
    let reads = fake.reads;
    for _ in 0..v + 2 * margin(v) {
        fake.act(&mut state, Action::MoveDown);
    }
    assert_eq!(fake.reads, reads + 1, "one read per window");
    let r = fake.last();
    assert!(!r.with_counts, "scrolling does not count rows");
    assert!(
        matches!(seek(r), PageSeek::Exact(Seek::After { skip: 0, .. })),
        "{r:?}"
    );
    assert_eq!(
        state.queue.selected_id,
        Some(InteractionId((v + 2 * margin(v)) as i64 + 1))
    );
    for _ in 0..4 {
        fake.act(&mut state, Action::PageDown);
    }
    assert!(matches!(
        seek(fake.last()),
        PageSeek::Exact(Seek::After { .. })
    ));
    assert!(state.queue.covers(state.queue.scroll, v));
    // Up again: read backwards from the first held row.
    let top = state.queue.offset;
    for _ in 0..(state.queue.selected - top + 1) {
        fake.act(&mut state, Action::MoveUp);
    }
    assert!(
        matches!(seek(fake.last()), PageSeek::Exact(Seek::Before { .. })),
        "{:?}",
        fake.last()
    );
    assert_eq!(
        state.queue.selected_row().map(|r| r.id),
        state.queue.selected_id
    );
}

#[test]
fn the_bottom_is_read_from_the_end_and_the_top_from_the_start() {
    let (mut state, mut fake) = started(10_000);
    let v = state.visible_items();
    fake.act(&mut state, Action::Bottom);
    assert_eq!(state.queue.selected, 9_999);
    assert!(
        matches!(seek(fake.last()), PageSeek::Exact(Seek::End { skip: 0 })),
        "{:?}",
        fake.last()
    );
    assert_eq!(state.queue.selected_id, Some(InteractionId(10_000)));
    assert!(state.queue.covers(state.queue.scroll, v));
    fake.act(&mut state, Action::Top);
    assert!(matches!(
        seek(fake.last()),
        PageSeek::Exact(Seek::Start { skip: 0 })
    ));
    assert_eq!(state.queue.selected_id, Some(InteractionId(1)));
}

#[test]
fn a_reload_reads_from_the_nearer_end_with_counts() {
    let (mut state, mut fake) = started(1_000);
    fake.act(&mut state, Action::Bottom);
    fake.act(&mut state, Action::Refresh);
    let r = fake.last();
    assert!(r.with_counts);
    assert_eq!(r.seek, PageSeek::Nearest);
    assert_eq!(state.queue.selected_id, Some(InteractionId(1_000)));
}

#[test]
fn mouse_wheel_scrolls_the_window_and_keeps_the_selection_on_screen() {
    use crate::tui::action::{MouseInput, MouseKind};
    let (mut state, mut fake) = started(100);
    let wheel = |kind| {
        Action::Mouse(MouseInput {
            kind,
            column: 5,
            row: 10,
        })
    };
    fake.act(&mut state, wheel(MouseKind::WheelDown));
    assert_eq!(state.queue.scroll, 3);
    assert_eq!(state.queue.selected, 3, "the selection stays on screen");
    fake.act(&mut state, wheel(MouseKind::WheelUp));
    fake.act(&mut state, wheel(MouseKind::WheelUp));
    assert_eq!(state.queue.scroll, 0);
}

#[test]
fn a_click_selects_the_row_under_it() {
    use crate::tui::action::{MouseInput, MouseKind};
    use crate::tui::state::Mode;
    let (mut state, mut fake) = started(100);
    let click = |column, row| {
        Action::Mouse(MouseInput {
            kind: MouseKind::Click,
            column,
            row,
        })
    };
    // 120×40: the tab bar is row 0, the queue's border row 1, items two rows each.
    fake.act(&mut state, click(10, 2 + 2 * 4));
    assert_eq!(state.queue.selected, 4);
    assert_eq!(state.queue.selected_id, Some(InteractionId(5)));
    assert_eq!(
        state.selected_detail().map(|d| d.interaction.id),
        Some(InteractionId(5))
    );
    // The detail pane takes the focus when clicked.
    fake.act(&mut state, click(100, 10));
    assert_eq!(state.mode, Mode::Detail);
    fake.act(&mut state, click(10, 3));
    assert_eq!(state.mode, Mode::Queue);
    assert_eq!(state.queue.selected, 0);
    // Below the last item and on the border: nothing.
    let (mut short, mut fake) = started(2);
    fake.act(&mut short, click(10, 30));
    assert_eq!(short.queue.selected, 0);
    fake.act(&mut short, click(0, 0));
    assert_eq!(short.queue.selected, 0);
    // While writing a reply the mouse does not move the selection.
    fake.act(&mut state, Action::Reply);
    fake.act(&mut state, click(10, 2 + 2 * 6));
    assert_eq!(state.queue.selected, 0);
    assert_eq!(state.mode, Mode::Editor);
}
