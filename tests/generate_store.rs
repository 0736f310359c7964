//! `agentiq generate`: a realistic store built through the real binary, dated up to now,
//! refused over a store that holds items unless `--force`.

use std::path::Path;
use std::process::Command;

fn agentiq(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_agentiq"))
        .args(args)
        .env("AGENTIQ_DATA_DIR", dir.join("data"))
        .env("AGENTIQ_CONFIG_DIR", dir.join("config"))
        .env("AGENTIQ_LOG_DIR", dir.join("log"))
        .output()
        .expect("agentiq runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn generates_a_store_dated_up_to_now_and_keeps_an_existing_one() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = agentiq(dir.path(), &["generate", "--items", "400", "--seed", "3"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(err.contains("generated 400 of 400 items"), "{err}");
    let database = dir.path().join("data/agentiq.db");
    assert!(!dir.path().join("data/agentiq.db.generating").exists());

    let conn = rusqlite::Connection::open(&database).unwrap();
    let (count, newest): (i64, i64) = conn
        .query_row(
            "SELECT count(*), max(created_at) FROM interactions",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(count, 400);
    let age = chrono::Utc::now().timestamp() - newest;
    assert!(
        (0..=15 * 60).contains(&age),
        "the newest item is {age} s old"
    );
    drop(conn);

    // The commands read it like any store.
    let (code, out, err) = agentiq(dir.path(), &["list", "--json", "--limit", "5"]);
    assert_eq!(code, 0, "{err}");
    let items = out
        .lines()
        .filter(|l| l.contains("\"external_id\""))
        .count();
    assert_eq!(items, 5, "{out}");

    // A second run would overwrite the seller's items: refused with a data error.
    let (code, _, err) = agentiq(dir.path(), &["generate", "--items", "10"]);
    assert_eq!(code, 65, "{err}");
    assert!(
        err.contains("already holds 400 items") && err.contains("--force"),
        "{err}"
    );

    let (code, _, err) = agentiq(dir.path(), &["generate", "--items", "50", "--force"]);
    assert_eq!(code, 0, "{err}");
    let conn = rusqlite::Connection::open(&database).unwrap();
    let count: i64 = conn
        .query_row("SELECT count(*) FROM interactions", [], |r| r.get(0))
        .unwrap();
    assert_eq!(count, 50);
}

#[test]
fn zero_items_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = agentiq(dir.path(), &["generate", "--items", "0"]);
    assert_eq!(code, 64, "{err}");
}
