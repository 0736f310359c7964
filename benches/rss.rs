//! Resident memory of a process holding the inbox over the 10k and the 1M synthetic
//! database (goal: RSS(1M) <= 1.3 × RSS(10k)). Each size runs in its own child process
//! (this binary with `--child <db>`), which opens the store, builds the TUI state, reads
//! the accounts, the first page with its counts and the selected item, draws a 120×40
//! frame, steps a page down and back, and prints `VmRSS` and `VmHWM` from
//! `/proc/self/status`.
//!
//! `cargo bench --bench rss`

mod common;

use std::path::PathBuf;
use std::process::Command;

use agentiq::store::Store;
use agentiq::tui::strings::Strings;
use agentiq::tui::{draw, Action, AppState, Keymap, Runner, Theme, ViewCtx};
use chrono::FixedOffset;
use ratatui::backend::TestBackend;
use ratatui::Terminal;

/// `VmRSS` and `VmHWM` in kB.
fn memory() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn child(db: PathBuf) {
    let (before, _) = memory();
    let store = Store::open(db).unwrap();
    let (tx, _commands) = tokio::sync::mpsc::unbounded_channel();
    let mut runner = Runner::new(&store, tx).unwrap();
    let mut state = AppState::new(
        common::anchor(),
        "rss",
        FixedOffset::east_opt(3 * 3600).unwrap(),
    );
    runner.start(&mut state, 120, 40);
    let keymap = Keymap::embedded_default();
    let theme = Theme::embedded_dark();
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    let mut frame = |state: &AppState| {
        let ctx = ViewCtx {
            theme: &theme,
            keymap: &keymap,
            strings: Strings::for_lang(state.lang),
        };
        terminal.draw(|f| draw(f, state, &ctx)).unwrap();
    };
    frame(&state);
    for action in [
        Action::PageDown,
        Action::PageDown,
        Action::PageUp,
        Action::PageUp,
    ] {
        runner.dispatch(&mut state, action, false);
        frame(&state);
    }
    let (rss, hwm) = memory();
    println!("{rss} {hwm} {before} {}", state.queue.total.unwrap_or(0));
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--child") {
        child(PathBuf::from(&args[i + 1]));
        return;
    }
    let me = std::env::current_exe().unwrap();
    let mut results = Vec::new();
    for n in [common::small(), common::large()] {
        let db = common::bench_db(n);
        // The median of three runs, each in a fresh process.
        let mut runs: Vec<(u64, u64, u64, u64)> = (0..3)
            .map(|_| {
                let out = Command::new(&me).arg("--child").arg(&db).output().unwrap();
                assert!(
                    out.status.success(),
                    "{}",
                    String::from_utf8_lossy(&out.stderr)
                );
                let text = String::from_utf8_lossy(&out.stdout);
                let v: Vec<u64> = text
                    .split_whitespace()
                    .map(|x| x.parse().unwrap())
                    .collect();
                (v[0], v[1], v[2], v[3])
            })
            .collect();
        runs.sort();
        results.push((n, runs[1]));
    }
    let mut out = String::from(
        "\n## rss\n\n| items | open items | VmRSS before opening | VmRSS holding the inbox | VmHWM (peak) |\n|---|---|---|---|---|\n",
    );
    for (n, (rss, hwm, before, open)) in &results {
        out.push_str(&format!(
            "| {n} | {open} | {:.1} MB | {:.1} MB | {:.1} MB |\n",
            *before as f64 / 1024.0,
            *rss as f64 / 1024.0,
            *hwm as f64 / 1024.0
        ));
    }
    let (small, large) = (results[0].1, results[1].1);
    let ratio = large.0 as f64 / small.0 as f64;
    let peak = large.1 as f64 / small.1 as f64;
    out.push_str(&format!(
        "\nRSS({}) / RSS({}) = {ratio:.2} (goal ≤ 1.3: {}); peak ratio {peak:.2}\n",
        results[1].0,
        results[0].0,
        if ratio <= 1.3 { "met" } else { "NOT met" }
    ));
    println!("{out}");
    if common::measuring() {
        let dir = common::target_dir().join("bench-results");
        let _ = std::fs::create_dir_all(&dir);
        let _ = std::fs::write(dir.join("rss.md"), out);
    }
}
