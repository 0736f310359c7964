//! The kill switch in the real inbox: a live shop's auto-replies wait in their undo
//! window; one key (`!`) turns auto-replies off and cancels them, and the simulator
//! receives none.

mod common;

use std::io::Write;
use std::time::{Duration, Instant};

use agentiq::settings::Scope;
use agentiq::store::{self, Store};
use agentiq::tui::settings_sections::store_layer;
use common::{PTY_COLS as COLS, PTY_ROWS as ROWS};

const PATIENCE: Duration = Duration::from_secs(60);

/// Live auto-replies by state.
fn live_auto(db: &std::path::Path) -> Vec<(String, Option<String>)> {
    let store = Store::open(db).unwrap();
    let reader = store.reader().unwrap();
    let mut stmt = reader
        .prepare("SELECT state, last_error FROM outbox WHERE actor = 'auto' AND shadow = 0")
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn one_key_in_the_inbox_stops_the_auto_replies_waiting_to_go() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let sim = runtime.block_on(common::simulator());
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let db = data.join("agentiq.db");
    {
        // The WB demo shop, enabled and live, with a long undo window.
        let store = Store::open(&db).unwrap();
        store
            .writer()
            .unwrap()
            .call_blocking(|c| {
                let name = agentiq::simulator::DemoShop::wb()?.shop.name;
                let id = store::upsert_account(c, &name, agentiq::domain::Marketplace::Wb)?;
                let layer =
                    serde_json::json!({"enabled": true, "undo_seconds": 600, "min_rating": 4});
                store_layer(c, Scope::Global, "auto_response", Some(&layer))?;
                agentiq::prepare::auto_live::go_live(
                    c,
                    id,
                    "ВКЛЮЧИТЬ",
                    "test",
                    chrono::Utc::now(),
                )?;
                Ok(())
            })
            .unwrap();
    }

    let common::PtyDemo {
        mut child,
        mut writer,
        output,
    } = common::demo_in_pty(dir.path(), &data, &sim.base_url(), common::TOKEN, &[]);
    let size = |n: u16| std::num::NonZeroU16::new(n).expect("non-zero size");
    let mut screen = vt100::Parser::new(size(ROWS), size(COLS), 0);
    // Takes what the terminal printed, waiting up to 100 ms for it.
    let step = |screen: &mut vt100::Parser| {
        if let Ok(chunk) = output.recv_timeout(Duration::from_millis(100)) {
            screen.process(&chunk);
        }
    };
    let pump = |screen: &mut vt100::Parser, what: &str, done: &dyn Fn(&str) -> bool| {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let contents = screen.screen().contents();
            if done(&contents) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; screen:\n{contents}"
            );
            step(screen);
        }
    };

    // The inbox syncs, drafts, and the auto-responder queues live replies.
    let deadline = Instant::now() + PATIENCE;
    while !live_auto(&db).iter().any(|(s, _)| s == "queued") {
        assert!(Instant::now() < deadline, "no auto-reply was queued");
        step(&mut screen);
    }
    pump(&mut screen, "the queue", &|s| s.contains("Отзывы"));

    writer.write_all(b"!").unwrap();
    writer.flush().unwrap();
    pump(&mut screen, "the kill switch's answer", &|s| {
        s.contains("Автоответы выключены")
    });

    // A round that was queueing when the key was pressed withdraws what it queued as
    // soon as it sees the shop is no longer live.
    let deadline = Instant::now() + PATIENCE;
    while live_auto(&db).iter().any(|(s, _)| s == "queued") {
        assert!(
            Instant::now() < deadline,
            "still queued: {:?}",
            live_auto(&db)
        );
        step(&mut screen);
    }
    let rows = live_auto(&db);
    assert!(!rows.is_empty());
    assert!(
        rows.iter()
            .all(|(s, e)| s == "failed" && e.as_deref() == Some("cancelled")),
        "every waiting auto-reply cancelled: {rows:?}"
    );
    assert!(
        sim.sim.report().answers.is_empty(),
        "nothing reached the marketplace"
    );
    child.kill().ok();
    let _ = child.wait();
}
