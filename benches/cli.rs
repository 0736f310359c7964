//! `agentiq list --limit 50` and `agentiq search плед` as whole processes (start-up
//! included) against the bare SQLite query for the same rows, run by the `sqlite3` shell
//! as a whole process too, on the synthetic databases of `benches/common` (10k, and the
//! large one: 1M unless `AGENTIQ_BENCH_LARGE` says otherwise).
//!
//! `cargo bench --bench cli`; `cargo test --benches` runs it once on small databases.
//! Each pair runs alternately; the medians and their ratio are printed and written to
//! `target/bench-results/cli.md`. Without a `sqlite3` shell only our side is measured.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

/// The columns `agentiq list --json` prints, read bare: the queue row and the whole item.
const COLUMNS: &str = "i.id, i.external_id, a.name, a.marketplace, i.channel, i.state, i.rating, \
    i.intent, i.tier, i.created_at, i.at_risk_at, i.due_at, i.product_name, \
    i.product_external_id, i.customer_name, i.text";

fn list_sql() -> String {
    format!(
        "SELECT {COLUMNS} FROM interactions i JOIN accounts a ON a.id = i.account_id \
         WHERE i.state = 'open' ORDER BY i.due_at, i.id LIMIT 51;"
    )
}

fn search_sql(word: &str) -> String {
    format!(
        "SELECT {COLUMNS} FROM interactions i JOIN accounts a ON a.id = i.account_id \
         WHERE i.id IN (SELECT rowid FROM interactions_fts WHERE interactions_fts MATCH '{word}') \
         ORDER BY i.created_at DESC, i.id DESC LIMIT 51;"
    )
}

/// A data folder holding `db` as `agentiq.db` (a hard link: the big files are not copied).
fn data_dir(db: &Path) -> tempfile::TempDir {
    let dir = tempfile::tempdir_in(db.parent().unwrap()).expect("temp dir");
    let linked = dir.path().join("agentiq.db");
    if std::fs::hard_link(db, &linked).is_err() {
        std::fs::copy(db, &linked).expect("copying the database");
    }
    dir
}

fn time(mut cmd: Command) -> f64 {
    let started = Instant::now();
    let status = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("runs");
    let elapsed = started.elapsed().as_secs_f64() * 1000.0;
    assert!(status.success(), "{cmd:?} failed");
    elapsed
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

struct Pair {
    what: String,
    ours: f64,
    bare: Option<f64>,
}

/// Medians of `rounds` alternating runs of `ours` and `bare`.
fn pair(
    what: &str,
    rounds: usize,
    ours: &dyn Fn() -> Command,
    bare: Option<&dyn Fn() -> Command>,
) -> Pair {
    let (mut a, mut b) = (Vec::new(), Vec::new());
    // One warm-up each: the page cache, the binary.
    time(ours());
    if let Some(bare) = bare {
        time(bare());
    }
    for _ in 0..rounds {
        a.push(time(ours()));
        if let Some(bare) = bare {
            b.push(time(bare()));
        }
    }
    Pair {
        what: what.to_string(),
        ours: median(a),
        bare: (!b.is_empty()).then(|| median(b)),
    }
}

fn has_sqlite3() -> bool {
    Command::new("sqlite3")
        .arg("-version")
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn main() {
    let rounds = if common::measuring() { 30 } else { 2 };
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_agentiq"));
    let sqlite = has_sqlite3();
    let mut lines = Vec::new();
    let sizes = {
        let mut s = vec![common::small(), common::large()];
        s.dedup();
        s
    };
    for n in sizes {
        let db = common::bench_db(n);
        let dir = data_dir(&db);
        let logs = tempfile::tempdir().expect("log dir");
        let agentiq = |args: &[&str]| {
            let mut cmd = Command::new(&binary);
            cmd.arg("--data-dir")
                .arg(dir.path())
                .arg("--log-dir")
                .arg(logs.path())
                .args(args);
            cmd
        };
        let sqlite3 = |sql: String| {
            let mut cmd = Command::new("sqlite3");
            cmd.arg("-readonly")
                .arg(dir.path().join("agentiq.db"))
                .arg(sql);
            cmd
        };
        let label = if n >= 1_000_000 {
            format!("{}M", n / 1_000_000)
        } else {
            format!("{}k", n / 1000)
        };
        let list_ours = || agentiq(&["list", "--limit", "50", "--json"]);
        let list_bare = || sqlite3(list_sql());
        lines.push(pair(
            &format!("{label}: list --limit 50 --json"),
            rounds,
            &list_ours,
            sqlite.then_some(&list_bare as &dyn Fn() -> Command),
        ));
        let search_ours = || agentiq(&["search", "плед", "--limit", "50", "--json"]);
        let search_bare = || sqlite3(search_sql("плед"));
        lines.push(pair(
            &format!("{label}: search плед --json"),
            rounds,
            &search_ours,
            sqlite.then_some(&search_bare as &dyn Fn() -> Command),
        ));
        let start_up = || agentiq(&["--version"]);
        lines.push(pair(
            &format!("{label}: start-up alone (--version)"),
            rounds,
            &start_up,
            None,
        ));
    }
    let mut table = String::from(
        "| process | agentiq (median ms) | sqlite3, same rows (median ms) | ratio |\n|---|---|---|---|\n",
    );
    for p in &lines {
        let (bare, ratio) = match p.bare {
            Some(b) => (format!("{b:.1}"), format!("{:.2}", p.ours / b)),
            None => ("—".into(), "—".into()),
        };
        table.push_str(&format!(
            "| {} | {:.1} | {bare} | {ratio} |\n",
            p.what, p.ours
        ));
    }
    println!("{table}");
    let out = common::target_dir().join("bench-results");
    let _ = std::fs::create_dir_all(&out);
    let _ = std::fs::write(out.join("cli.md"), &table);
}
