//! Sync against a simulator that injects faults converges to every item.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use agentiq::connectors::http::{limiter, HttpClient};
use agentiq::connectors::wb::{WbFeedbacks, FEEDBACKS_BURST, FEEDBACKS_PERIOD};
use agentiq::simulator::{self, DemoShop, SimShop, SimulatorConfig};
use agentiq::store::{self, Store};
use agentiq::sync::sync_pass;

#[tokio::test]
async fn sync_converges_under_twenty_percent_mixed_faults() {
    let config = SimulatorConfig {
        shops: vec![SimShop {
            shop: DemoShop::wb().unwrap(),
            token: common::TOKEN.into(),
            client_id: None,
        }],
        seed: 11,
        faults: "mixed=0.2,slow_ms=400,storm=2".parse().unwrap(),
        ..SimulatorConfig::default()
    };
    let sim = simulator::spawn(config, SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("a.db")).unwrap();
    let writer = store.writer().unwrap();
    let account = common::account(&sim);
    let name = account.name.clone();
    let account_id = writer
        .call(move |c| store::upsert_account(c, &name, agentiq::domain::Marketplace::Wb))
        .await
        .unwrap();
    // Small pages make many requests, so the faults have something to hit.
    let mut retry = common::fast_retry();
    retry.timeout = Duration::from_millis(250);
    retry.max_attempts = 2;
    let http = HttpClient::new("wb", limiter(FEEDBACKS_PERIOD, FEEDBACKS_BURST), retry);
    let connector = WbFeedbacks::new(http, &sim.base_url(), common::TOKEN).with_page_size(10);
    let clock = common::clock();
    let expected = DemoShop::wb().unwrap().reviews.len();
    let mut passes = 0;
    let mut failures = 0;
    loop {
        passes += 1;
        if sync_pass(&writer, account_id, &connector, &*clock)
            .await
            .is_err()
        {
            failures += 1;
        }
        let reader = store.reader().unwrap();
        let n: i64 = reader
            .query_row("SELECT count(*) FROM interactions", [], |r| r.get(0))
            .unwrap();
        if n as usize == expected && failures < passes {
            break;
        }
        assert!(
            passes < 60,
            "did not converge: {n}/{expected} after {passes} passes"
        );
    }
    let report = sim.sim.report();
    let injected: u64 = report.faults_injected.values().sum();
    assert!(
        injected > 0,
        "faults were injected: {:?}",
        report.faults_injected
    );
    // What the store recorded matches what happened.
    let reader = store.reader().unwrap();
    let (runs, ok): (i64, i64) = reader
        .query_row(
            "SELECT count(*), coalesce(sum(ok), 0) FROM sync_runs",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(runs, passes);
    assert_eq!(runs - ok, failures);
    let integrity: String = reader
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(integrity, "ok");
}

// ─────────────── the real binaries: `agentiq simulator` and `agentiq sync --once` ───────────────

/// `agentiq simulator` as a process on a free port, with the accounts file it wrote for
/// `agentiq sync` (given `[network] timeout_secs` when `timeout_secs` is set). Killed on drop.
struct SimulatorProcess {
    child: std::process::Child,
    url: String,
    config: std::path::PathBuf,
    dir: tempfile::TempDir,
}

impl Drop for SimulatorProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn simulator_process(
    seed: u64,
    scale: usize,
    faults: &str,
    timeout_secs: Option<f64>,
) -> SimulatorProcess {
    use std::io::BufRead;
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("accounts.toml");
    let mut child = Command::new(env!("CARGO_BIN_EXE_agentiq"))
        .args([
            "simulator",
            "--listen",
            "127.0.0.1:0",
            "--arrival-secs",
            "0",
        ])
        .args(["--seed", &seed.to_string(), "--scale", &scale.to_string()])
        .args(["--faults", faults, "--write-config"])
        .arg(&config)
        .env("AGENTIQ_DATA_DIR", dir.path().join("sim-data"))
        .env("AGENTIQ_LOG_DIR", dir.path().join("sim-logs"))
        .env("AGENTIQ_CONFIG_DIR", dir.path().join("sim-config"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("agentiq simulator starts");
    let (tx, lines) = std::sync::mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut url = None;
    loop {
        let line = lines
            .recv_timeout(Duration::from_secs(60))
            .expect("the simulator says where it listens and that it wrote the accounts");
        if let Some(at) = line.strip_prefix("simulator listening on ") {
            url = Some(at.trim().to_string());
        }
        if line.starts_with("accounts written to") {
            break;
        }
    }
    if let Some(secs) = timeout_secs {
        use std::io::Write;
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(&config)
            .unwrap();
        writeln!(file, "\n[network]\ntimeout_secs = {secs}").unwrap();
    }
    SimulatorProcess {
        child,
        url: url.expect("the simulator's address"),
        config,
        dir,
    }
}

impl SimulatorProcess {
    /// One `agentiq sync --once`: whether every pass succeeded, and what it printed.
    fn sync_once(&self) -> (bool, String) {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_agentiq"))
            .args(["sync", "--once", "--config"])
            .arg(&self.config)
            .env("AGENTIQ_DATA_DIR", self.dir.path().join("data"))
            .env("AGENTIQ_LOG_DIR", self.dir.path().join("logs"))
            .env("AGENTIQ_CONFIG_DIR", self.dir.path().join("config"))
            .stdin(std::process::Stdio::null())
            .output()
            .expect("agentiq sync runs");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    fn state(&self) -> agentiq::simulator::SimReport {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            reqwest::get(format!("{}/_sim/state", self.url))
                .await
                .expect("/_sim/state answers")
                .json()
                .await
                .expect("/_sim/state is a report")
        })
    }

    fn db(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(self.dir.path().join("data").join("agentiq.db")).unwrap()
    }
}

type Counts = std::collections::BTreeMap<(String, String), i64>;

/// Items per account and channel as the simulator holds them.
fn expected(report: &agentiq::simulator::SimReport) -> Counts {
    let mut counts = Counts::new();
    for a in &report.accounts {
        let mut put = |channel: &str, n: usize| {
            counts.insert((a.name.clone(), channel.to_string()), n as i64);
        };
        put("review", a.reviews);
        put("question", a.questions - a.questions_rejected);
        put("chat", a.chats);
    }
    counts
}

/// Items per account and channel in the database; panics on any item stored twice.
fn stored(db: &rusqlite::Connection) -> Counts {
    let mut stmt = db
        .prepare(
            "SELECT a.name, i.channel, count(*), count(DISTINCT i.external_id)
             FROM interactions i JOIN accounts a ON a.id = i.account_id GROUP BY 1, 2",
        )
        .unwrap();
    let rows = stmt
        .query_map([], |r| {
            Ok((
                (r.get::<_, String>(0)?, r.get::<_, String>(1)?),
                r.get::<_, i64>(2)?,
                r.get::<_, i64>(3)?,
            ))
        })
        .unwrap();
    let mut counts = Counts::new();
    for row in rows {
        let (key, all, distinct) = row.unwrap();
        assert_eq!(all, distinct, "{key:?}: an item stored twice");
        counts.insert(key, all);
    }
    counts
}

/// Up to three `agentiq sync --once` runs against `agentiq simulator --faults FAULTS
/// --scale SCALE`: every item of the simulator ends up stored exactly once. Returns the
/// runs it took.
fn converges_within_three_runs(
    trial: &str,
    faults: &str,
    scale: usize,
    timeout_secs: Option<f64>,
) -> usize {
    let sim = simulator_process(2026, scale, faults, timeout_secs);
    let want = expected(&sim.state());
    let mut timings = Vec::new();
    for run in 1..=3 {
        let started = std::time::Instant::now();
        let (ok, log) = sim.sync_once();
        timings.push(format!("{:.0}s", started.elapsed().as_secs_f64()));
        let have = stored(&sim.db());
        let db = sim.db();
        // Sync health: every pass, failed ones too, counts the requests it made and a
        // failed one says why.
        let unexplained: i64 = db
            .query_row(
                "SELECT count(*) FROM sync_runs WHERE ok = 0 AND (requests = 0 OR error IS NULL)",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(unexplained, 0, "a failed pass without requests or reason");
        if !ok {
            eprintln!("{trial}: run {run} had a failed pass:\n{log}");
        }
        if have == want {
            let report = sim.state();
            eprintln!(
                "{trial}: every item stored once after {run} run(s) ({}); faults injected {:?}",
                timings.join(", "),
                report.faults_injected
            );
            assert!(
                report.faults_injected.values().sum::<u64>() > 0,
                "faults were injected"
            );
            return run;
        }
    }
    panic!(
        "{trial}: not converged after 3 runs ({}):\nwant {want:?}\nhave {:?}",
        timings.join(", "),
        stored(&sim.db())
    );
}

/// Small enough for `cargo test` on two cores; the `--ignored` version below is the
/// issue's scale 1500 with the default timeout.
const FAST_SCALE: usize = 150;

#[test]
fn three_sync_runs_store_every_item_once_under_mixed_faults() {
    converges_within_three_runs("mixed=0.2", "mixed=0.2,slow_ms=1500", FAST_SCALE, Some(1.0));
}

#[test]
fn three_sync_runs_store_every_item_once_under_429_bursts_of_ten() {
    converges_within_three_runs(
        "mixed=0.2,storm=10",
        "mixed=0.2,storm=10,slow_ms=1500",
        FAST_SCALE,
        Some(1.0),
    );
}

#[test]
#[ignore = "minutes: scale 1500, slow answers of 30 s against the default 20 s timeout"]
fn at_scale_1500_three_sync_runs_store_every_item_once_under_mixed_faults() {
    converges_within_three_runs("scale 1500, mixed=0.2", "mixed=0.2", 1500, None);
}

#[test]
#[ignore = "minutes: scale 1500, slow answers of 30 s against the default 20 s timeout"]
fn at_scale_1500_three_sync_runs_store_every_item_once_under_429_bursts_of_ten() {
    converges_within_three_runs(
        "scale 1500, mixed=0.2,storm=10",
        "mixed=0.2,storm=10",
        1500,
        None,
    );
}
