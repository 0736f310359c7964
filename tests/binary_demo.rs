//! The real `agentiq` binary in a pseudo-terminal against a simulator on loopback: a user
//! answers the top review with three keys and the simulator receives exactly that answer.

mod common;

use std::io::Write;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::{PTY_COLS as COLS, PTY_ROWS as ROWS};

const PATIENCE: Duration = Duration::from_secs(60);

/// Reads the terminal's output into a virtual screen until `done` holds or time runs out.
fn wait_for(
    screen: &mut vt100::Parser,
    output: &mpsc::Receiver<Vec<u8>>,
    raw: &mut Vec<u8>,
    what: &str,
    done: impl Fn(&str) -> bool,
) {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let contents = screen.screen().contents();
        if done(&contents) {
            return;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        assert!(
            !left.is_zero(),
            "timed out waiting for {what}; screen:\n{contents}"
        );
        if let Ok(chunk) = output.recv_timeout(left.min(Duration::from_millis(200))) {
            screen.process(&chunk);
            raw.extend_from_slice(&chunk);
        }
    }
}

#[test]
fn answering_the_top_review_in_the_real_binary_reaches_the_simulator() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let sim = runtime.block_on(common::simulator());
    let dir = tempfile::tempdir().unwrap();

    let common::PtyDemo {
        mut child,
        mut writer,
        output,
    } = common::demo_in_pty(
        dir.path(),
        &dir.path().join("data"),
        &sim.base_url(),
        common::TOKEN,
        &[],
    );
    let size = |n: u16| std::num::NonZeroU16::new(n).expect("non-zero size");
    let mut screen = vt100::Parser::new(size(ROWS), size(COLS), 0);
    let mut raw = Vec::new();

    // The queue fills from the simulator: the reviews tab counts every unanswered review.
    let unanswered = agentiq::simulator::DemoShop::wb()
        .unwrap()
        .reviews
        .iter()
        .filter(|r| r.answer.is_none())
        .count();
    let tab = format!("Отзывы {unanswered}");
    wait_for(&mut screen, &output, &mut raw, "the synced queue", |s| {
        s.contains(&tab)
    });

    let mut key = |bytes: &[u8]| {
        writer.write_all(bytes).unwrap();
        writer.flush().unwrap();
    };
    key(b"r");
    wait_for(&mut screen, &output, &mut raw, "the editor", |s| {
        s.contains("/5000")
    });
    key(b"\x13"); // Ctrl-S
    wait_for(&mut screen, &output, &mut raw, "the confirmation", |s| {
        s.contains("подтвердить")
    });
    key(b"y");

    let fewer = format!("Отзывы {}", unanswered - 1);
    wait_for(
        &mut screen,
        &output,
        &mut raw,
        "the item to leave the queue",
        |s| s.contains(&fewer),
    );
    let deadline = Instant::now() + PATIENCE;
    let report = loop {
        let report = sim.sim.report();
        if !report.answers.is_empty() || Instant::now() > deadline {
            break report;
        }
        let _ = output.recv_timeout(Duration::from_millis(100));
    };
    assert_eq!(
        report.answers.len(),
        1,
        "exactly one answer: {:?}",
        report.answers
    );
    let answer = &report.answers[0];
    assert!(answer.known_item, "the answer names a real review");
    // The draft that went out greets the buyer of that very review by name.
    let author = {
        let state = sim.sim.lock();
        state.accounts[0]
            .reviews
            .iter()
            .find(|r| r.id == answer.item_id)
            .and_then(|r| r.author.clone())
            .expect("the answered review has an author")
    };
    assert!(
        answer.text.contains(&author),
        "{} should name {author}",
        answer.text
    );

    key(b"q");
    let deadline = Instant::now() + PATIENCE;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "agentiq did not quit");
        if let Ok(chunk) = output.recv_timeout(Duration::from_millis(100)) {
            raw.extend_from_slice(&chunk);
        }
    };
    assert!(status.success(), "clean exit: {status:?}");
    while let Ok(chunk) = output.recv_timeout(Duration::from_millis(200)) {
        raw.extend_from_slice(&chunk);
    }
    let text = String::from_utf8_lossy(&raw);
    assert!(
        text.contains("\x1b[?1049l"),
        "the alternate screen was left"
    );
    // `demo` is the inbox's own start-up path with a simulator config: one services
    // stack, started by the inbox, and nothing else.
    let logs = std::fs::read_dir(dir.path().join("logs"))
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect::<String>();
    assert_eq!(
        logs.matches("background services started").count(),
        1,
        "one services stack:\n{logs}"
    );
}
