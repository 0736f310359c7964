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

use agentiq::tui::event_loop::Inbox;
use agentiq::tui::frames::Frames;
use agentiq::tui::{draw, Action, AppState, Keymap, Lang, ReadStats, Runner, Tab, Theme, ViewCtx};
use chrono::FixedOffset;
use crossterm::event::{Event as TermEvent, KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use tokio::sync::mpsc::UnboundedReceiver;
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

/// The event loop's own [`Inbox`] on a test terminal, a second of loop time per turn.
struct Live<'k> {
    inbox: Inbox<'k>,
    jobs: UnboundedReceiver<Action>,
    terminal: Terminal<TestBackend>,
    theme: Theme,
    keymap: &'k Keymap,
    at: Instant,
}

impl<'k> Live<'k> {
    /// The inbox as `run` starts it, with the answers of its first reads still to come.
    fn starting(keymap: &'k Keymap) -> (Live<'k>, tempfile::TempDir) {
        let (dir, store) = filled_store();
        let (tx, _commands) = tokio::sync::mpsc::unbounded_channel();
        let mut runner = Runner::new(&store, tx).expect("runner");
        let jobs = runner.take_job_results().expect("job results");
        let mut state = AppState::new(t0(), "test", FixedOffset::east_opt(3 * 3600).unwrap());
        runner.start(&mut state, 120, 40);
        let live = Live {
            inbox: Inbox::new(state, runner, keymap),
            jobs,
            terminal: Terminal::new(TestBackend::new(120, 40)).expect("terminal"),
            theme: Theme::embedded_dark(),
            keymap,
            at: Instant::now(),
        };
        (live, dir)
    }

    /// Started, its first reads in and its first frame drawn.
    fn started(keymap: &'k Keymap) -> (Live<'k>, tempfile::TempDir) {
        let (mut live, dir) = Live::starting(keymap);
        live.answer_jobs();
        assert!(live.turn(), "the first frame is drawn");
        (live, dir)
    }

    /// Applies the answers of everything started off the UI task, as the loop does.
    fn answer_jobs(&mut self) {
        loop {
            self.inbox.flush_reads();
            if !self.inbox.runner.busy() {
                break;
            }
            let action = self.jobs.blocking_recv().expect("a job answers");
            self.inbox.job_finished(action);
        }
    }

    /// One turn of the loop, a second after the last: returns whether it drew.
    fn turn(&mut self) -> bool {
        self.at += Duration::from_secs(1);
        let Live {
            inbox,
            terminal,
            theme,
            keymap,
            ..
        } = self;
        let ctx = ViewCtx {
            theme,
            keymap,
            strings: agentiq::tui::strings::Strings::for_lang(Lang::Ru),
        };
        inbox
            .draw_if_due(self.at, |state| {
                terminal.draw(|f| draw(f, state, &ctx))?;
                Ok(())
            })
            .expect("draw")
    }

    fn key(&mut self, c: char) {
        self.inbox.terminal_event(TermEvent::Key(KeyEvent::new(
            KeyCode::Char(c),
            KeyModifiers::NONE,
        )));
    }

    fn tick(&mut self, secs: i64) -> bool {
        self.inbox.tick(t0() + chrono::Duration::seconds(secs));
        self.answer_jobs();
        self.turn()
    }

    fn screen(&self) -> String {
        text(self.terminal.backend().buffer())
    }
}

#[test]
fn an_idle_tick_draws_nothing_and_a_countdown_change_draws_one_frame() {
    let keymap = Keymap::embedded_default();
    let (mut live, _dir) = Live::started(&keymap);
    assert!(!live.turn(), "nothing changed: no frame");

    // The fixture's deadlines fall on whole minutes of t0: one second later every
    // countdown reads a minute less.
    assert!(live.tick(1), "the countdowns changed");
    let reads = live.inbox.runner.stats();
    for secs in 2..20 {
        assert!(!live.tick(secs), "tick at +{secs} s drew a frame");
    }
    assert_eq!(live.inbox.runner.stats(), reads, "idle ticks read nothing");
    assert_eq!(live.inbox.frames.drawn(), 2);

    // The next minute: the countdowns change again, once.
    assert!(live.tick(61));
    assert!(!live.tick(62));
    assert_eq!(live.inbox.frames.drawn(), 3);
}

#[test]
fn a_key_that_changes_the_state_always_draws_it() {
    let keymap = Keymap::embedded_default();
    let (mut live, _dir) = Live::started(&keymap);
    assert_shows(&live.screen(), &["Очередь 1/5"]);
    for (key, shows) in [
        ('j', "Очередь 2/5"),
        ('k', "Очередь 1/5"),
        ('2', "Отзывы 3"),
        ('1', "Все 5"),
        ('r', "/5000"),
    ] {
        let drawn = live.inbox.frames.drawn();
        live.key(key);
        // Drawn at once, before the answers of what the key started off the UI task.
        assert!(live.turn(), "`{key}` drew");
        live.answer_jobs();
        live.turn();
        assert_shows(&live.screen(), &[shows]);
        assert!(live.inbox.frames.drawn() > drawn);
        assert!(!live.turn(), "and nothing more after `{key}`");
    }
}

#[test]
fn keys_within_a_frame_are_drawn_once_the_frame_gap_has_passed() {
    let keymap = Keymap::embedded_default();
    let (mut live, _dir) = Live::started(&keymap);
    let at = live.at;
    live.key('j');
    live.key('j');
    assert!(
        !live.inbox.draw_if_due(at, |_| Ok(())).expect("no draw"),
        "the frame gap has not passed"
    );
    let due = live.inbox.frames.due_at().expect("a frame is pending");
    assert!(due > at);
    assert!(live.turn());
    assert_shows(&live.screen(), &["Очередь 3/"]);
}

#[test]
fn the_first_r_opens_the_editor_even_before_the_first_reads_have_answered() {
    let keymap = Keymap::embedded_default();
    // As in the real binary: the counts and the item's look-ups are still being read
    // when the first key comes, before the first frame.
    let (mut live, _dir) = Live::starting(&keymap);
    live.key('r');
    assert!(live.turn(), "the first frame");
    live.answer_jobs();
    assert!(
        live.turn(),
        "the editor opened when the look-ups arrived, and is drawn"
    );
    assert_shows(&live.screen(), &["/5000"]);
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
