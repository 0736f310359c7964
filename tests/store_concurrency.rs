//! The TUI reads while the daemon writes: readers running the queue's read paths (a page
//! of the queue, its counts, the tab counts, a full-text search) in a tight loop never get
//! an error — in particular never "database is locked" — and never see the number of
//! items go down while sync adds them.
//!
//! The in-process test drives the real store `Writer` with sync-like pages (items and
//! cursor in one transaction). The process test runs the real `agentiq sync --daemon`
//! binary against a scaled simulator while this process reads the same database file.
//! Both run a fixed number of iterations, not a fixed time; the long versions are
//! `cargo test --test store_concurrency -- --ignored`.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Barrier};
use std::time::Duration;

use agentiq::domain::Channel;
use agentiq::store::search::TextTerm;
use agentiq::store::{self, AnswerFilter, QueueFilter, Seek, Store};
use chrono::Utc;
use rusqlite::Connection;

/// Items per committed page, as a sync page of the WB feedbacks list.
const PAGE: usize = 250;

/// Every read path the queue screen uses, once. Returns (all items, open items).
fn read_once(conn: &Connection) -> Result<(usize, usize), String> {
    let inbox = QueueFilter::default();
    let all = QueueFilter {
        answered: AnswerFilter::All,
        ..QueueFilter::default()
    };
    let search = QueueFilter {
        answered: AnswerFilter::All,
        text: vec![TextTerm::any("размер")],
        ..QueueFilter::default()
    };
    let reviews = QueueFilter {
        channel: Some(Channel::Review),
        ..QueueFilter::default()
    };
    let e = |what: &str, err: anyhow::Error| format!("{what}: {err:#}");
    store::queue_window(conn, &inbox, Seek::Start { skip: 0 }, 50)
        .map_err(|err| e("queue page", err))?;
    store::queue_window(conn, &reviews, Seek::End { skip: 0 }, 50)
        .map_err(|err| e("last page of reviews", err))?;
    store::queue_window(conn, &search, Seek::Start { skip: 0 }, 50)
        .map_err(|err| e("search", err))?;
    store::queue_count_by_channel(conn, &inbox).map_err(|err| e("tab counts", err))?;
    let open = store::queue_count(conn, &inbox).map_err(|err| e("open count", err))?;
    let total = store::queue_count(conn, &all).map_err(|err| e("total count", err))?;
    Ok((total, open))
}

/// Counts read in order must never go down.
fn check_monotonic(reader: usize, seen: &[(usize, usize)]) {
    for pair in seen.windows(2) {
        assert!(
            pair[1].0 >= pair[0].0 && pair[1].1 >= pair[0].1,
            "reader {reader}: counts went down from {:?} to {:?}",
            pair[0],
            pair[1]
        );
    }
}

/// A reader as the TUI opens it, or one that refuses to wait for a lock at all: under WAL
/// a reader never needs to.
fn reader(store: &Store, never_wait: bool) -> Connection {
    let conn = store.reader().expect("reader opens");
    if never_wait {
        conn.busy_timeout(Duration::ZERO).unwrap();
    }
    conn
}

fn writer_and_readers(items: usize, readers: usize, iterations: usize) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("agentiq.db")).unwrap();
    let writer = store.writer().unwrap();
    let accounts: Vec<i64> = agentiq::synthetic::accounts()
        .unwrap()
        .into_iter()
        .map(|(name, marketplace)| {
            writer
                .call_blocking(move |conn| store::upsert_account(conn, &name, marketplace))
                .unwrap()
        })
        .collect();
    let all: Vec<_> = agentiq::synthetic::items(items, 5, Utc::now())
        .unwrap()
        .collect();
    let pages: Vec<Vec<_>> = all.chunks(PAGE).map(<[_]>::to_vec).collect();
    assert!(pages.len() >= 3, "enough pages to interleave");

    let start = Arc::new(Barrier::new(readers + 1));
    // Readers tell the writer they are halfway; the writer tells readers its first page
    // is in. The writer's last page waits for every reader's first half, and every
    // reader's second half follows the first page: reads and writes interleave by
    // construction, whatever the speed of the machine.
    let (halfway_tx, halfway_rx) = mpsc::channel::<()>();
    let mut first_page_tx = Vec::new();
    let mut handles = Vec::new();
    for r in 0..readers {
        let (tx, first_page_rx) = mpsc::channel::<()>();
        first_page_tx.push(tx);
        let conn = reader(&store, r % 2 == 1);
        let start = start.clone();
        let halfway_tx = halfway_tx.clone();
        handles.push(std::thread::spawn(move || {
            start.wait();
            let mut seen = Vec::with_capacity(iterations);
            for i in 0..iterations {
                if i == iterations / 2 {
                    halfway_tx.send(()).unwrap();
                    first_page_rx.recv().unwrap();
                }
                match read_once(&conn) {
                    Ok(counts) => seen.push(counts),
                    Err(e) => return Err(format!("reader {r}, iteration {i}: {e}")),
                }
            }
            Ok(seen)
        }));
    }
    drop(halfway_tx);
    start.wait();
    let last = pages.len() - 1;
    for (n, page) in pages.into_iter().enumerate() {
        if n == last {
            for _ in 0..readers {
                halfway_rx.recv().unwrap();
            }
        }
        let accounts = accounts.clone();
        writer
            .call_blocking(move |conn| {
                let tx = conn.transaction()?;
                for item in &page {
                    let account = accounts[item.account];
                    agentiq::sync::upsert_interactions(
                        &tx,
                        account,
                        item.source,
                        std::slice::from_ref(&item.item),
                        Utc::now(),
                    )?;
                    store::set_cursor(&tx, account, item.source, &format!("page-{n}"), Utc::now())?;
                }
                tx.commit()?;
                Ok(())
            })
            .unwrap_or_else(|e| panic!("writing page {n}: {e:#}"));
        if n == 0 {
            for tx in &first_page_tx {
                tx.send(()).unwrap();
            }
        }
    }
    let mut distinct = 0;
    for (r, handle) in handles.into_iter().enumerate() {
        let seen = handle
            .join()
            .expect("reader thread")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(seen.len(), iterations);
        check_monotonic(r, &seen);
        let mut totals: Vec<usize> = seen.iter().map(|s| s.0).collect();
        totals.dedup();
        distinct += totals.len();
    }
    let conn = store.reader().unwrap();
    let (total, _) = read_once(&conn).unwrap();
    assert_eq!(total, items, "every item written once");
    assert!(distinct >= readers, "each reader saw at least one state");
}

#[test]
fn readers_never_see_a_locked_database_or_counts_going_down() {
    writer_and_readers(6_000, 4, 400);
}

#[test]
#[ignore = "long: cargo test --test store_concurrency -- --ignored"]
fn readers_never_see_a_locked_database_or_counts_going_down_long() {
    writer_and_readers(40_000, 4, 1_500);
}

// ───────────────────────────── the real daemon ─────────────────────────────

fn daemon_and_reader(scale: usize, iterations: usize) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let common::ProcessSimulator {
        sim: _sim,
        dir,
        config,
    } = common::process_simulator(&runtime, "concurrency", 9, scale);
    let data = dir.path().join("data");
    let mut child = Command::new(env!("CARGO_BIN_EXE_agentiq"))
        .args(["sync", "--daemon", "--poll-secs", "1", "--config"])
        .arg(&config)
        .env("AGENTIQ_DATA_DIR", &data)
        .env("AGENTIQ_LOG_DIR", dir.path().join("logs"))
        .env("AGENTIQ_CONFIG_DIR", dir.path().join("config"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("agentiq sync --daemon starts");
    // The daemon's lines, as they come. Its first line follows the opening of the
    // database; the backfill runs from then on, while this process reads.
    let (lines_tx, lines_rx) = mpsc::channel::<String>();
    let stderr = child.stderr.take().unwrap();
    let pump = std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = lines_tx.send(line);
        }
    });
    let first = lines_rx
        .recv_timeout(Duration::from_secs(120))
        .expect("the daemon starts");
    assert!(first.starts_with("agentiq sync daemon"), "{first}");
    let mut output = vec![first];
    let store = Store::open(data.join("agentiq.db")).unwrap();
    let conns: Vec<Connection> = (0..2).map(|r| reader(&store, r == 1)).collect();
    let mut seen: Vec<Vec<(usize, usize)>> = vec![Vec::new(); conns.len()];
    for i in 0..iterations {
        for (r, conn) in conns.iter().enumerate() {
            match read_once(conn) {
                Ok(counts) => seen[r].push((counts.0, 0)),
                Err(e) => {
                    let _ = child.kill();
                    panic!(
                        "reader {r}, iteration {i}: {e}\ndaemon said:\n{}",
                        output.join("\n")
                    );
                }
            }
        }
    }
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    let exit = child.wait().unwrap();
    pump.join().unwrap();
    output.extend(lines_rx.try_iter());
    let said = output.join("\n");
    assert!(exit.success(), "the daemon stops cleanly: {exit:?}\n{said}");
    for (r, counts) in seen.iter().enumerate() {
        check_monotonic(r, counts);
    }
    let lowered = said.to_lowercase();
    assert!(
        !lowered.contains("locked") && !lowered.contains("busy") && !lowered.contains("failed"),
        "the daemon hit an error:\n{said}"
    );
    let logs = read_logs(&dir.path().join("logs")).to_lowercase();
    assert!(
        !logs.contains("database is locked") && !logs.contains("sqlite_busy"),
        "the log has a lock error"
    );
}

fn read_logs(dir: &Path) -> String {
    let mut text = String::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        if let Ok(t) = std::fs::read_to_string(entry.path()) {
            text.push_str(&t);
        }
    }
    text
}

#[test]
fn the_daemon_writes_while_a_reader_reads_without_lock_errors() {
    daemon_and_reader(3_000, 300);
}

#[test]
#[ignore = "long: cargo test --test store_concurrency -- --ignored"]
fn the_daemon_writes_while_a_reader_reads_without_lock_errors_long() {
    daemon_and_reader(100_000, 3_000);
}
