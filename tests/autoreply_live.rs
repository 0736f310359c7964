//! The auto-responder with the real binary against the simulator: enabled, it runs in
//! shadow mode and the simulator receives nothing, even with a stored config that says
//! `shadow = false`; after `agentiq autoreply live --confirm ENABLE` the shop's replies
//! go out, at most the hourly cap; `agentiq autoreply off` cancels those still in their
//! undo window, so the simulator receives none of them.

mod common;

use std::path::Path;
use std::process::{Command, Output, Stdio};

use agentiq::settings::Scope;
use agentiq::simulator::DemoShop;
use agentiq::store::Store;
use agentiq::tui::settings_sections::store_layer;
use serde_json::json;

const CAP: i64 = 3;

fn agentiq(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_agentiq"));
    cmd.args(args)
        .env("AGENTIQ_DATA_DIR", dir.join("data"))
        .env("AGENTIQ_LOG_DIR", dir.join("logs"))
        .env("AGENTIQ_CONFIG_DIR", dir.join("config"))
        .stdin(Stdio::null());
    cmd
}

fn run(dir: &Path, args: &[&str]) -> Output {
    let out = agentiq(dir, args).output().unwrap();
    eprintln!(
        "$ agentiq {}\n{}{}",
        args.join(" "),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn sync_once(dir: &Path, config: &Path) {
    let out = run(
        dir,
        &["sync", "--once", "--config", config.to_str().unwrap()],
    );
    assert!(out.status.success(), "sync --once failed");
}

/// The accounts file with only the Ozon shop's entry.
fn only_ozon(config: &Path, home: &Path) -> std::path::PathBuf {
    let text = std::fs::read_to_string(config).unwrap();
    let ozon: Vec<&str> = text
        .split("[[accounts]]")
        .filter(|block| block.contains("marketplace = \"ozon\""))
        .collect();
    assert_eq!(ozon.len(), 1, "{text}");
    let path = home.join("ozon.toml");
    agentiq::config::write_private(&path, &format!("[[accounts]]{}", ozon[0])).unwrap();
    path
}

/// Stores `layer` as the global `[auto_response]`, as the settings screen would.
fn settings(db: &Path, layer: serde_json::Value) {
    let store = Store::open(db).unwrap();
    store
        .writer()
        .unwrap()
        .call_blocking(move |c| store_layer(c, Scope::Global, "auto_response", Some(&layer)))
        .unwrap();
}

/// (live auto-replies by state, shadow ones) of the account named `shop`.
fn auto_rows(db: &Path, shop: &str) -> (Vec<(String, Option<String>)>, i64) {
    let store = Store::open(db).unwrap();
    let reader = store.reader().unwrap();
    let mut stmt = reader
        .prepare(
            "SELECT o.state, o.last_error FROM outbox o JOIN interactions i ON i.id = o.interaction_id
             JOIN accounts a ON a.id = i.account_id
             WHERE a.name = ?1 AND o.actor = 'auto' AND o.shadow = 0 ORDER BY o.id",
        )
        .unwrap();
    let live = stmt
        .query_map([shop], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let shadow = reader
        .query_row(
            "SELECT count(*) FROM outbox o JOIN interactions i ON i.id = o.interaction_id
             JOIN accounts a ON a.id = i.account_id
             WHERE a.name = ?1 AND o.actor = 'auto' AND o.shadow = 1",
            [shop],
            |r| r.get(0),
        )
        .unwrap();
    (live, shadow)
}

#[test]
fn shadow_sends_nothing_live_sends_up_to_the_cap_and_the_kill_switch_cancels() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let common::ProcessSimulator { sim, dir, config } =
        common::process_simulator(&runtime, "autoreply", 7, 0);
    let home = dir.path();
    let db = home.join("data").join("agentiq.db");
    // The Ozon demo shop alone: its connectors are not paced like WB's, so a run is short.
    let shop = DemoShop::ozon().unwrap().shop.name;
    let config = only_ozon(&config, home);

    // Items in, classified and drafted; auto-replies are off by default.
    sync_once(home, &config);
    assert_eq!(auto_rows(&db, &shop), (vec![], 0));

    // Enabled, with a stored layer that says "not shadow" in the same change: shadow.
    settings(
        &db,
        json!({"enabled": true, "shadow": false, "undo_seconds": 0, "hourly_cap": CAP,
               "min_rating": 4}),
    );
    sync_once(home, &config);
    let (live, shadowed) = auto_rows(&db, &shop);
    assert!(live.is_empty(), "nothing live in shadow mode: {live:?}");
    assert!(
        (1..=CAP).contains(&shadowed),
        "shadow mode recorded {shadowed} (cap {CAP})"
    );
    assert!(
        sim.sim.report().answers.is_empty(),
        "shadow mode sends nothing"
    );

    // The status shows it; a wrong word or no word changes nothing.
    let status = run(home, &["autoreply", "status", "--json"]);
    assert!(status.status.success());
    let status: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    let of = |name: &str| {
        status
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["account"] == name)
            .cloned()
            .unwrap()
    };
    assert_eq!(of(&shop)["mode"], "shadow");
    assert_eq!(of(&shop)["shadow"]["would_send"], shadowed);
    let wrong = run(
        home,
        &["autoreply", "live", "--account", &shop, "--confirm", "yes"],
    );
    assert_eq!(wrong.status.code(), Some(64));
    let no_word = run(home, &["autoreply", "live", "--account", &shop]);
    assert_eq!(
        no_word.status.code(),
        Some(64),
        "not a terminal, no --confirm"
    );

    // The deliberate step, for the WB shop only.
    let live = run(
        home,
        &[
            "autoreply",
            "live",
            "--account",
            &shop,
            "--confirm",
            "ENABLE",
        ],
    );
    assert!(live.status.success());
    assert!(
        String::from_utf8_lossy(&live.stderr).contains("would have sent"),
        "the figures are shown"
    );
    // One run queues (undo window 0), the next delivers them and finds the cap used up.
    sync_once(home, &config);
    sync_once(home, &config);
    let answers = sim.sim.report().answers;
    let (live, _) = auto_rows(&db, &shop);
    assert!(
        !answers.is_empty() && answers.len() as i64 <= CAP,
        "live: {} answers, cap {CAP}",
        answers.len()
    );
    assert_eq!(live.len(), answers.len(), "{live:?}");
    assert!(live.iter().all(|(s, _)| s == "visible"), "{live:?}");

    // More room and a long undo window: the next replies wait; the kill switch cancels.
    settings(
        &db,
        json!({"enabled": true, "undo_seconds": 600, "hourly_cap": 2 * CAP, "min_rating": 4}),
    );
    sync_once(home, &config);
    let (waiting, _) = auto_rows(&db, &shop);
    let queued = waiting.iter().filter(|(s, _)| s == "queued").count();
    assert!(queued > 0, "replies wait in their undo window: {waiting:?}");
    let off = run(home, &["autoreply", "off"]);
    assert!(off.status.success());
    assert!(
        String::from_utf8_lossy(&off.stdout).contains(&format!("{queued} not yet sent cancelled")),
        "{}",
        String::from_utf8_lossy(&off.stdout)
    );
    sync_once(home, &config);
    assert_eq!(
        sim.sim.report().answers.len(),
        answers.len(),
        "none of the cancelled ones reached the marketplace"
    );
    let (after, _) = auto_rows(&db, &shop);
    assert_eq!(
        after
            .iter()
            .filter(|(s, e)| s == "failed" && e.as_deref() == Some("cancelled"))
            .count(),
        queued
    );
    let status = run(home, &["autoreply", "status", "--json"]);
    let status: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert!(status
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["mode"] == "off"));
}
