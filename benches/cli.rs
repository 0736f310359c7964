//! `agentiq list --limit 50` and `agentiq search плед` as whole processes (start-up
//! included) against the bare SQLite query for the same rows, also as a whole process:
//! this benchmark's own binary run again in "bare" mode, which opens the database with
//! the same bundled SQLite, steps the query, prints the rows and exits (the system
//! `sqlite3` shell may be too old for the FTS5 table's options). On the synthetic
//! databases of `benches/common` (10k, and the large one: 1M unless
//! `AGENTIQ_BENCH_LARGE` says otherwise). `AGENTIQ_BENCH_LARGE_DB=PATH` takes an existing
//! store (e.g. one `agentiq generate --items 1000000` built) as the large one instead of
//! building it; it must have the current schema, as it is only read.
//!
//! `cargo bench --bench cli`; `cargo test --benches` runs it once on small databases.
//! Each pair runs alternately; the medians and their ratio are printed and written to
//! `target/bench-results/cli.md`.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

#[path = "common/bare_sql.rs"]
mod bare_sql;
use bare_sql::{list_sql, search_sql};

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
    items: usize,
    ours: f64,
    bare: Option<f64>,
}

/// Medians of `rounds` alternating runs of `ours` and `bare`.
fn pair(
    what: &str,
    items: usize,
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
        items,
        ours: median(a),
        bare: (!b.is_empty()).then(|| median(b)),
    }
}

/// Bare mode: runs `AGENTIQ_BENCH_SQL` on `AGENTIQ_BENCH_DB` and prints the rows.
fn bare(db: &str, sql: &str) {
    use std::io::Write;
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .expect("opening the database");
    let mut stmt = conn.prepare(sql).expect("the SQL prepares");
    let columns = stmt.column_count();
    let mut rows = stmt.query([]).expect("the query runs");
    let mut out = std::io::stdout().lock();
    while let Some(row) = rows.next().expect("a row") {
        let mut line = String::new();
        for i in 0..columns {
            let value: rusqlite::types::Value = row.get(i).expect("a value");
            line.push_str(&format!("{value:?}|"));
        }
        writeln!(out, "{line}").expect("writing");
    }
}

/// How many items the store at `db` holds.
fn items_in(db: &Path) -> usize {
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .expect("opening AGENTIQ_BENCH_LARGE_DB");
    let n: i64 = conn
        .query_row("SELECT count(*) FROM interactions", [], |r| r.get(0))
        .expect("counting its items");
    usize::try_from(n).unwrap_or(0)
}

fn main() {
    if let (Ok(db), Ok(sql)) = (
        std::env::var("AGENTIQ_BENCH_DB"),
        std::env::var("AGENTIQ_BENCH_SQL"),
    ) {
        return bare(&db, &sql);
    }
    let rounds = if common::measuring() { 30 } else { 2 };
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_agentiq"));
    let this = std::env::current_exe().expect("the benchmark's own path");
    let mut lines = Vec::new();
    let given = std::env::var_os("AGENTIQ_BENCH_LARGE_DB")
        .filter(|_| common::measuring())
        .map(PathBuf::from);
    let mut stores = vec![(common::small(), common::bench_db(common::small()))];
    match given {
        Some(db) => stores.push((items_in(&db), db)),
        None if common::large() != common::small() => {
            stores.push((common::large(), common::bench_db(common::large())))
        }
        None => {}
    }
    for (n, db) in stores {
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
        let bare_process = |sql: String| {
            let mut cmd = Command::new(&this);
            cmd.env("AGENTIQ_BENCH_DB", dir.path().join("agentiq.db"))
                .env("AGENTIQ_BENCH_SQL", sql);
            cmd
        };
        let list_ours = || agentiq(&["list", "--limit", "50", "--json"]);
        let list_bare = || bare_process(list_sql());
        lines.push(pair(
            "list --limit 50 --json",
            n,
            rounds,
            &list_ours,
            Some(&list_bare as &dyn Fn() -> Command),
        ));
        let search_ours = || agentiq(&["search", "плед", "--limit", "50", "--json"]);
        let search_bare = || bare_process(search_sql("плед"));
        lines.push(pair(
            "search плед --limit 50 --json",
            n,
            rounds,
            &search_ours,
            Some(&search_bare as &dyn Fn() -> Command),
        ));
        let start_up = || agentiq(&["--version"]);
        lines.push(pair(
            "start-up alone (--version)",
            n,
            rounds,
            &start_up,
            None,
        ));
    }
    let mut table = String::from(
        "| process | items | agentiq (median ms) | bare SQLite process, same rows (median ms) | ÷ bare | ÷ its 10k cost |\n|---|---|---|---|---|---|\n",
    );
    for p in &lines {
        let (bare, ratio) = match p.bare {
            Some(b) => (format!("{b:.1}"), format!("{:.2}", p.ours / b)),
            None => ("—".into(), "—".into()),
        };
        let smallest = lines
            .iter()
            .filter(|q| q.what == p.what)
            .min_by_key(|q| q.items)
            .map_or(p.ours, |q| q.ours);
        table.push_str(&format!(
            "| {} | {} | {:.1} | {bare} | {ratio} | {:.2} |\n",
            p.what,
            p.items,
            p.ours,
            p.ours / smallest
        ));
    }
    println!("{table}");
    let out = common::target_dir().join("bench-results");
    let _ = std::fs::create_dir_all(&out);
    let _ = std::fs::write(out.join("cli.md"), &table);
}
