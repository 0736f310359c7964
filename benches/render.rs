//! The inbox on screen over the 10k and 1M synthetic databases: one frame drawn into a
//! ratatui `TestBackend` of 120×40 (goal: 1M within 1.2× of 10k), and key-to-frame time
//! (an action through `Runner::dispatch` — `update` plus the reads it triggers — and the
//! frame after it), for moving the selection, paging, and switching tabs.
//!
//! `cargo bench --bench render`

mod common;

use std::hint::black_box;
use std::time::Duration;

use agentiq::protocol::Command;
use agentiq::store::Store;
use agentiq::tui::strings::Strings;
use agentiq::tui::{draw, Action, AppState, Keymap, Runner, Theme, ViewCtx};
use chrono::FixedOffset;
use common::{Goal, Line};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use tokio::sync::mpsc;

const WIDTH: u16 = 120;
const HEIGHT: u16 = 40;

struct Inbox {
    state: AppState,
    runner: Runner,
    terminal: Terminal<TestBackend>,
    keymap: Keymap,
    theme: Theme,
    _commands: mpsc::UnboundedReceiver<Command>,
}

impl Inbox {
    fn open(store: &Store) -> Inbox {
        let (tx, commands) = mpsc::unbounded_channel();
        let mut runner = Runner::new(store, tx).unwrap();
        let mut state = AppState::new(
            common::anchor(),
            "bench",
            FixedOffset::east_opt(3 * 3600).unwrap(),
        );
        runner.start(&mut state, WIDTH, HEIGHT);
        Inbox {
            state,
            runner,
            terminal: Terminal::new(TestBackend::new(WIDTH, HEIGHT)).unwrap(),
            keymap: Keymap::embedded_default(),
            theme: Theme::embedded_dark(),
            _commands: commands,
        }
    }

    fn frame(&mut self) {
        let ctx = ViewCtx {
            theme: &self.theme,
            keymap: &self.keymap,
            strings: Strings::for_lang(self.state.lang),
        };
        let state = &self.state;
        self.terminal.draw(|f| draw(f, state, &ctx)).unwrap();
        black_box(self.terminal.backend().buffer());
    }

    fn key(&mut self, action: Action) {
        self.runner.dispatch(&mut self.state, action, false);
        self.frame();
    }
}

fn label(n: usize) -> String {
    if n >= 1_000_000 {
        format!("{}M", n / 1_000_000)
    } else {
        format!("{}k", n / 1_000)
    }
}

fn main() {
    let mut c = common::criterion();
    let small = common::small();
    let large = common::large();
    let mut inboxes: Vec<(usize, Inbox)> = [small, large]
        .into_iter()
        .map(|n| {
            let inbox = Inbox::open(&Store::open(common::bench_db(n)).unwrap());
            assert!(
                inbox.state.queue.total.unwrap_or(0) > 200,
                "the inbox has items"
            );
            (n, inbox)
        })
        .collect();
    // The goal's ratio: both frames measured in alternating rounds.
    let (frame_large, frame_small) = {
        let (first, second) = inboxes.split_at_mut(1);
        let (small_inbox, large_inbox) = (&mut first[0].1, &mut second[0].1);
        common::paired(
            &format!("render/{}/frame", label(large)),
            || large_inbox.frame(),
            &format!("render/{}/frame", label(small)),
            || small_inbox.frame(),
            Duration::from_millis(200),
        )
    };
    for (n, inbox) in &mut inboxes {
        let n = *n;
        let group_name = format!("render/{}", label(n));
        let id = |name: &str| format!("{group_name}/{name}");
        let mut group = c.benchmark_group(&group_name);
        common::measure(&mut group, "frame", &id("frame"), || inbox.frame());
        // One step down, then back up after 20: every step reads the selected item.
        let mut i = 0u64;
        common::measure(&mut group, "key move", &id("move"), || {
            let action = if (i / 20).is_multiple_of(2) {
                Action::MoveDown
            } else {
                Action::MoveUp
            };
            i += 1;
            inbox.key(action);
        });
        // A page down, then back up after 10: pages beyond the window read the queue.
        let mut i = 0u64;
        common::measure(&mut group, "key page", &id("page"), || {
            let action = if (i / 10).is_multiple_of(2) {
                Action::PageDown
            } else {
                Action::PageUp
            };
            i += 1;
            inbox.key(action);
        });
        // Next tab: a new view, read with its counts.
        common::measure(&mut group, "key next tab", &id("tab"), || {
            inbox.key(Action::NextTab)
        });
        group.finish();
    }
    c.final_summary();
    let at = |n: usize, name: &str| format!("render/{}/{name}", label(n));
    let (s, l) = (label(small), label(large));
    common::report(
        "render",
        &[
            Line::new(
                format!("inbox frame 120×40, {l} vs {s} (alternating rounds)"),
                frame_large,
                frame_small,
                Goal::AtMost(1.2),
            ),
            Line::new(
                format!("inbox frame 120×40, {l} vs {s} (criterion, one after the other)"),
                at(large, "frame"),
                at(small, "frame"),
                Goal::AtMost(1.2),
            ),
            Line::new(
                format!("key-to-frame, move selection, {l} vs {s}"),
                at(large, "move"),
                at(small, "move"),
                Goal::None,
            ),
            Line::new(
                format!("key-to-frame, page down/up, {l} vs {s}"),
                at(large, "page"),
                at(small, "page"),
                Goal::None,
            ),
            Line::new(
                format!("key-to-frame, next tab (with counts), {l} vs {s}"),
                at(large, "tab"),
                at(small, "tab"),
                Goal::None,
            ),
            Line::new(
                format!("key-to-frame, move selection, {l}: vs one frame"),
                at(large, "move"),
                at(large, "frame"),
                Goal::None,
            ),
        ],
    );
}
