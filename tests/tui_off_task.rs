//! What grows with the store is read off the UI task, and the screen is drawn only when
//! something on it changed.
//!
//! A tab switch shows its first page at once, read on the UI task from an index, with the
//! counts marked as counting; the counts come from a thread of their own, and of several
//! asked for in a burst only the newest is applied. A search reads nothing on the UI
//! task. An idle tick draws nothing; a tick that changes a visible countdown, or a key,
//! draws exactly one frame.

mod tui_support;

use std::time::{Duration, Instant};

use agentiq::tui::event_loop::on_tick;
use agentiq::tui::frames::Frames;
use agentiq::tui::{draw, Action, ReadStats, Tab, ViewCtx};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use tui_support::*;

fn delta(after: ReadStats, before: ReadStats) -> ReadStats {
    ReadStats {
        pages: after.pages - before.pages,
        rows: after.rows - before.rows,
        page_steps: after.page_steps - before.page_steps,
        counts: after.counts - before.counts,
    }
}

#[test]
fn a_tab_switch_shows_its_page_at_once_and_its_counts_when_they_arrive() {
    let mut h = Harness::new(120, 40);
    let all = h.state.counts.all;
    assert_eq!(all, 5, "five open items in the fixture");
    assert!(!h.state.counting);

    let before = h.runner.stats();
    // Dispatched without waiting for the jobs: what the UI task did alone.
    h.runner.dispatch(&mut h.state, Action::TabReviews, false);
    let d = delta(h.runner.stats(), before);
    assert_eq!(d.pages, 1, "the first page is read on the UI task");
    assert_eq!(h.state.lens.tab, Tab::Reviews);
    assert!(h.state.counting, "the counts are still being read");
    assert_eq!(
        h.state.queue.rows.len(),
        3,
        "three open reviews shown at once"
    );
    let screen = text(&h.render(120, 40));
    assert_shows(&screen, &["Очередь 1/…"]);

    h.runner.settle(&mut h.state);
    assert!(!h.state.counting);
    assert_eq!(h.state.queue.total, Some(3));
    assert_eq!(h.state.counts.reviews, 3);
    let screen = text(&h.render(120, 40));
    assert_shows(&screen, &["Очередь 1/3"]);
    assert_lacks(&screen, &["…"]);
}

#[test]
fn of_a_burst_of_tab_switches_only_the_newest_counts_are_read_and_applied() {
    let mut h = Harness::new(120, 40);
    let before = h.runner.stats();
    for action in [
        Action::TabReviews,
        Action::TabQuestions,
        Action::TabChats,
        Action::TabReviews,
        Action::TabQuestions,
    ] {
        h.runner.dispatch(&mut h.state, action, false);
    }
    h.runner.settle(&mut h.state);
    let d = delta(h.runner.stats(), before);
    // The first runs at once; the others wait, and only the newest of them runs.
    assert!(
        d.counts <= 2 * 2,
        "at most two counts reads (two queries each), not five: {d:?}"
    );
    assert_eq!(h.state.lens.tab, Tab::Questions);
    assert!(!h.state.counting);
    assert_eq!(h.state.queue.total, Some(1), "the question tab's own total");
    assert_eq!(h.state.queue.rows.len(), 1);
}

#[test]
fn a_search_reads_nothing_on_the_ui_task() {
    let mut h = Harness::new(120, 40);
    h.act(Action::Search);
    h.type_text("плед");
    let before = h.runner.stats();
    let loads = h.runner.loads();
    h.runner.dispatch(&mut h.state, Action::Confirm, false);
    assert_eq!(h.runner.loads(), loads, "nothing read on the UI task");
    assert!(h.state.queue.rows.is_empty(), "the results are not in yet");
    h.runner.settle(&mut h.state);
    let d = delta(h.runner.stats(), before);
    assert!(d.pages >= 1 && d.counts >= 1, "{d:?}");
    assert!(h.state.search.is_some());
    assert!(!h.state.counting);
    let ids: Vec<_> = h.state.queue.rows.iter().map(|r| r.id).collect();
    assert!(!ids.is_empty(), "the search finds the plaid items");
    assert_eq!(h.state.queue.total, Some(ids.len()));
}

/// Draws as the event loop does: only when [`Frames`] says so.
struct Screen {
    terminal: Terminal<TestBackend>,
    frames: Frames,
    at: Instant,
}

impl Screen {
    fn new() -> Screen {
        Screen {
            terminal: Terminal::new(TestBackend::new(120, 40)).expect("terminal"),
            frames: Frames::new(Duration::from_millis(16)),
            at: Instant::now(),
        }
    }

    /// One turn of the loop, a second after the last: returns whether it drew.
    fn turn(&mut self, h: &Harness) -> bool {
        self.at += Duration::from_secs(1);
        if !self.frames.take_due(self.at) {
            return false;
        }
        let ctx = ViewCtx {
            theme: &h.theme,
            keymap: &h.keymap,
            strings: agentiq::tui::strings::Strings::for_lang(h.lang),
        };
        self.terminal
            .draw(|f| draw(f, &h.state, &ctx))
            .expect("draw");
        true
    }

    fn tick(&mut self, h: &mut Harness, secs: i64) -> bool {
        let now = t0() + chrono::Duration::seconds(secs);
        if on_tick(&mut h.state, &mut h.runner, now) {
            self.frames.mark();
        }
        if h.runner.has_deferred() {
            h.runner.flush(&mut h.state);
        }
        h.runner.settle(&mut h.state);
        self.turn(h)
    }
}

#[test]
fn an_idle_tick_draws_nothing_and_a_change_draws_one_frame() {
    let mut h = Harness::new(120, 40);
    let mut screen = Screen::new();
    assert!(screen.turn(&h), "the first frame is drawn");
    assert!(!screen.turn(&h), "nothing changed: no frame");

    // The fixture's deadlines fall on whole minutes of t0: one second later every
    // countdown reads a minute less.
    assert!(screen.tick(&mut h, 1), "the countdowns changed");
    let reads = h.runner.stats();
    for secs in 2..20 {
        assert!(!screen.tick(&mut h, secs), "tick at +{secs} s drew a frame");
    }
    assert_eq!(h.runner.stats(), reads, "idle ticks read nothing");
    assert_eq!(screen.frames.drawn(), 2);

    // A key changes the screen: one frame, however many turns follow.
    h.act(Action::MoveDown);
    screen.frames.mark();
    assert!(screen.turn(&h));
    assert!(!screen.turn(&h));
    assert!(!screen.tick(&mut h, 20));
    assert_eq!(screen.frames.drawn(), 3);

    // The next minute: the countdowns change again, once.
    assert!(screen.tick(&mut h, 61));
    assert!(!screen.tick(&mut h, 62));
    assert_eq!(screen.frames.drawn(), 4);
}

#[test]
fn frames_come_at_most_sixty_a_second() {
    let mut frames = Frames::default();
    let start = Instant::now();
    assert!(frames.take_due(start));
    frames.mark();
    assert!(
        !frames.take_due(start + Duration::from_millis(5)),
        "too soon"
    );
    let due = frames.due_at().expect("a frame is pending");
    assert!(due >= start + Duration::from_millis(16));
    assert!(frames.take_due(due));
    assert!(!frames.take_due(due + Duration::from_secs(1)), "clean");
    assert_eq!(frames.due_at(), None);
}
