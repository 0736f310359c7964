//! Team mode at scale: a store of N items (default 20 000; `AGENTIQ_TEAM_ITEMS=1000000`
//! for the figures in docs/performance.md) in a throwaway PostgreSQL cluster
//! (tests/team_support), and 10 operators — 10 processes, each its own database role —
//! claiming and answering concurrently (`AGENTIQ_TEAM_CLAIMS` each, default 50).
//!
//! Prints: items claimed twice and items answered twice (both must be 0), the claim's
//! latency p50/p99 (the `claim` statement as each operator's process runs it), and a
//! queue page (`agentiq list --limit 50 --json`, the release binary as a whole process,
//! median of 9) on PostgreSQL against the single-user SQLite figure for the same rows.
//!
//! The SQLite store is `agentiq generate --items N --seed 42` (cached in
//! `target/bench-db/team-N/`), or a copy of `AGENTIQ_TEAM_SQLITE_DB` (an agentiq.db of
//! that size, read only); it is loaded into PostgreSQL with COPY (`copy_store`).
//!
//! `cargo bench --bench team_scale`. Under `cargo test` it is only compiled.

#[path = "../tests/team_support/mod.rs"]
mod team_support;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use agentiq::store::pg::{self, PgStore, Role};
use agentiq::team::{queue_reply, QueuedReply, TeamReply};
use team_support::PgCluster;

const OPERATORS: usize = 10;
const ROUNDS: usize = 9;
const WORKER_ENV: &str = "AGENTIQ_TEAM_WORKER";

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|s| s.replace('_', "").parse().ok())
        .unwrap_or(default)
}

fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_agentiq"))
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"))
}

/// The data folder of the SQLite store of `n` items.
fn sqlite_store(n: usize) -> PathBuf {
    let dir = target_dir().join("bench-db").join(format!("team-{n}"));
    if dir.join("agentiq.db").exists() {
        return dir;
    }
    std::fs::create_dir_all(&dir).expect("bench-db folder");
    if let Some(original) = std::env::var_os("AGENTIQ_TEAM_SQLITE_DB") {
        eprintln!("copying {} (read only)", Path::new(&original).display());
        std::fs::copy(&original, dir.join("agentiq.db")).expect("copy of the store");
        return dir;
    }
    eprintln!("generating {n} items into {}", dir.display());
    let status = Command::new(binary())
        .arg("--data-dir")
        .arg(&dir)
        .arg("--log-dir")
        .arg(dir.join("logs"))
        .args(["generate", "--items", &n.to_string(), "--seed", "42"])
        .status()
        .expect("agentiq generate runs");
    assert!(status.success(), "agentiq generate failed");
    dir
}

/// A COPY text field: `\N` for none; backslash, tab, newline and CR escaped.
fn field(out: &mut Vec<u8>, value: Option<&str>) {
    let Some(value) = value else {
        out.extend_from_slice(b"\\N");
        return;
    };
    for b in value.bytes() {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            _ => out.push(b),
        }
    }
}

/// Seconds since the epoch as a timestamptz literal.
fn time(secs: Option<i64>) -> Option<String> {
    secs.map(|s| {
        chrono::DateTime::from_timestamp(s, 0)
            .unwrap_or_default()
            .format("%Y-%m-%d %H:%M:%S+00")
            .to_string()
    })
}

const COLUMNS: &str = "account_id, channel, external_id, source, product_external_id, \
    product_name, customer_name, text, pros, cons, rating, created_at, waiting_since, \
    synced_at, state, answer_text, tier, at_risk_at, due_at, reply_handle, raw";
/// Of [`COLUMNS`], the times (seconds in SQLite).
const TIMES: [usize; 5] = [11, 12, 13, 17, 18];

/// Copies the SQLite store's accounts and items into the migrated shared store with
/// COPY, the search indexes built after the rows. Returns the items copied.
fn copy_store(sqlite: &Path, client: &mut postgres::Client) -> usize {
    let lite =
        rusqlite::Connection::open_with_flags(sqlite, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .expect("the SQLite store opens");
    let mut accounts = lite
        .prepare("SELECT id, name, marketplace FROM accounts")
        .unwrap();
    let rows: Vec<(i64, String, String)> = accounts
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for (id, name, marketplace) in &rows {
        client
            .execute(
                "INSERT INTO accounts (id, name, marketplace) VALUES ($1, $2, $3)",
                &[id, name, marketplace],
            )
            .unwrap();
    }
    client
        .batch_execute(
            "SELECT setval('accounts_id_seq', (SELECT max(id) FROM accounts));
             DROP INDEX interactions_search; DROP INDEX IF EXISTS interactions_words;
             SET maintenance_work_mem = '512MB';",
        )
        .unwrap();
    let copied = copy_items(&lite, client);
    client
        .batch_execute(
            "CREATE INDEX interactions_search ON interactions USING gin (search);
             CREATE INDEX interactions_words ON interactions USING gin
                 (agentiq_words(text, pros, cons, product_name, customer_name) gin_trgm_ops);",
        )
        .unwrap();
    client.batch_execute("VACUUM ANALYZE interactions").unwrap();
    copied
}

fn copy_items(lite: &rusqlite::Connection, client: &mut postgres::Client) -> usize {
    let mut writer = client
        .copy_in(&format!("COPY interactions ({COLUMNS}) FROM STDIN"))
        .unwrap();
    let mut select = lite
        .prepare(&format!("SELECT {COLUMNS} FROM interactions"))
        .unwrap();
    let mut rows = select.query([]).unwrap();
    let (mut line, mut copied) = (Vec::with_capacity(4096), 0);
    while let Some(row) = rows.next().unwrap() {
        line.clear();
        for i in 0..21 {
            if i > 0 {
                line.push(b'\t');
            }
            let value: Option<String> = if TIMES.contains(&i) {
                time(row.get::<_, Option<i64>>(i).unwrap())
            } else {
                match row.get_ref(i).unwrap() {
                    rusqlite::types::ValueRef::Null => None,
                    rusqlite::types::ValueRef::Integer(n) => Some(n.to_string()),
                    rusqlite::types::ValueRef::Real(x) => Some(x.to_string()),
                    rusqlite::types::ValueRef::Text(t) | rusqlite::types::ValueRef::Blob(t) => {
                        Some(String::from_utf8_lossy(t).into_owned())
                    }
                }
            };
            field(&mut line, value.as_deref());
        }
        line.push(b'\n');
        writer.write_all(&line).unwrap();
        copied += 1;
    }
    writer.finish().unwrap();
    copied
}

/// One operator's process: `claims` times, claim the next item (timed) and answer it.
/// Prints `claim MS ID` and `answered ID` lines.
fn worker(url: &str, name: &str, claims: usize) {
    let mut client = PgStore::new(url).connect().expect("operator connects");
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for n in 0..claims {
        let started = Instant::now();
        let Some(item) = pg::claim_next(&mut client, name).expect("claim") else {
            break;
        };
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        writeln!(out, "claim {ms:.3} {}", item.id).unwrap();
        let reply = TeamReply {
            item: item.id,
            text: format!("Здравствуйте! Спасибо, что написали, {name} разберётся ({n})."),
            override_block: true,
            idempotency_key: format!("bench-{name}-{}", item.id),
        };
        match queue_reply(&mut client, &reply).expect("reply") {
            QueuedReply::Queued { .. } => writeln!(out, "answered {}", item.id).unwrap(),
            other => writeln!(out, "refused {} {other:?}", item.id).unwrap(),
        }
    }
}

/// What the operators' processes printed, together.
#[derive(Default)]
struct Work {
    claim_ms: Vec<f64>,
    claimed: Vec<i64>,
    answered: Vec<i64>,
    refused: usize,
}

/// Starts the operators' processes at once and gathers what they did.
fn operators(pg: &PgCluster, claims: usize) -> (Work, f64) {
    let this = std::env::current_exe().expect("the benchmark's own path");
    let started = Instant::now();
    let children: Vec<_> = (0..OPERATORS)
        .map(|i| {
            let name = format!("op{i}");
            Command::new(&this)
                .env(WORKER_ENV, format!("{}|{name}|{claims}", pg.url_as(&name)))
                .stdout(Stdio::piped())
                .spawn()
                .expect("an operator's process starts")
        })
        .collect();
    let mut work = Work::default();
    for child in children {
        let output = child
            .wait_with_output()
            .expect("an operator's process ends");
        assert!(output.status.success(), "an operator's process failed");
        for line in String::from_utf8_lossy(&output.stdout).lines() {
            let parts: Vec<&str> = line.split_whitespace().collect();
            match parts.as_slice() {
                ["claim", ms, id] => {
                    work.claim_ms.push(ms.parse().unwrap());
                    work.claimed.push(id.parse().unwrap());
                }
                ["answered", id] => work.answered.push(id.parse().unwrap()),
                _ => work.refused += 1,
            }
        }
    }
    (work, started.elapsed().as_secs_f64())
}

fn twice(ids: &[i64]) -> usize {
    let mut sorted = ids.to_vec();
    sorted.sort_unstable();
    sorted.windows(2).filter(|w| w[0] == w[1]).count()
}

fn percentile(xs: &[f64], p: f64) -> f64 {
    let mut xs = xs.to_vec();
    xs.sort_by(|a, b| a.total_cmp(b));
    xs[((xs.len() as f64 - 1.0) * p).round() as usize]
}

/// Median wall time (ms) of `agentiq list --limit 50 --json` on a store.
fn queue_page(data: &Path, url: Option<&str>) -> f64 {
    let mut times: Vec<f64> = (0..ROUNDS)
        .map(|_| {
            let mut cmd = Command::new(binary());
            cmd.arg("--data-dir")
                .arg(data)
                .arg("--log-dir")
                .arg(data.join("logs"))
                .args(["list", "--limit", "50", "--json"])
                .env_remove("AGENTIQ_DATABASE_URL")
                .stdout(Stdio::null());
            if let Some(url) = url {
                cmd.env("AGENTIQ_DATABASE_URL", url);
            }
            let started = Instant::now();
            assert!(cmd.status().expect("agentiq list runs").success());
            started.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    times.sort_by(|a, b| a.total_cmp(b));
    times[ROUNDS / 2]
}

/// The shared store loaded from the SQLite store in `data`, with the operators added.
fn shared_store(pg: &PgCluster, data: &Path) -> usize {
    let started = Instant::now();
    PgStore::open(pg.url()).expect("the shared store migrates");
    let mut client = pg.superuser(team_support::DATABASE);
    let items = copy_store(&data.join("agentiq.db"), &mut client);
    eprintln!(
        "copied {items} items in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let shops: Vec<String> = client
        .query("SELECT name FROM accounts", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    for i in 0..OPERATORS {
        pg::add_member(&mut client, &format!("op{i}"), Role::Operator, &shops, None)
            .expect("an operator is added");
    }
    items
}

fn main() {
    if let Ok(spec) = std::env::var(WORKER_ENV) {
        let parts: Vec<&str> = spec.split('|').collect();
        return worker(parts[0], parts[1], parts[2].parse().unwrap_or(0));
    }
    if !std::env::args().any(|a| a == "--bench") {
        println!("team_scale measures team mode on PostgreSQL: cargo bench --bench team_scale");
        return;
    }
    let n = env_number("AGENTIQ_TEAM_ITEMS", 20_000);
    let claims = env_number("AGENTIQ_TEAM_CLAIMS", 50);
    let data = sqlite_store(n);
    let Some(pg) = PgCluster::start() else {
        return;
    };
    let items = shared_store(&pg, &data);
    let pg_page = queue_page(&data, Some(&pg.url()));
    let lite_page = queue_page(&data, None);
    let (work, secs) = operators(&pg, claims);
    let mut client = pg.superuser(team_support::DATABASE);
    let replies_twice: i64 = client
        .query_one(
            "SELECT count(*) FROM (SELECT interaction_id FROM outbox
                                   GROUP BY interaction_id HAVING count(*) > 1) t",
            &[],
        )
        .unwrap()
        .get(0);
    println!("| figure | value |\n| --- | --- |");
    println!("| items in the store | {items} |");
    println!("| operators (processes, each its own role) | {OPERATORS} |");
    println!(
        "| claims / answers | {} / {} ({} refused) in {secs:.1} s |",
        work.claimed.len(),
        work.answered.len(),
        work.refused
    );
    println!("| items claimed twice | {} |", twice(&work.claimed));
    println!(
        "| items answered twice | {} (outbox: {replies_twice}) |",
        twice(&work.answered)
    );
    println!(
        "| claim p50 / p99 (ms) | {:.1} / {:.1} |",
        percentile(&work.claim_ms, 0.5),
        percentile(&work.claim_ms, 0.99)
    );
    println!("| queue page, `list --limit 50` (ms): PostgreSQL / SQLite | {pg_page:.1} / {lite_page:.1} ({:.2}x) |",
        pg_page / lite_page);
}
