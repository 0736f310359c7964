//! What the benchmarks share: cached synthetic databases, the run mode, and a recorder
//! that turns each measurement and its baseline (measured in the same run) into a ratio
//! against the goal. See docs/performance.md.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use agentiq::synthetic;
use chrono::{DateTime, TimeZone, Utc};
use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion};

/// The seed every cached database is generated with.
pub const SEED: u64 = 42;
/// Bumped when the generator changes what it writes, so stale caches are not reused.
const GENERATOR_VERSION: u32 = 3;

/// The moment the synthetic data is generated at, and the benchmarks' "now": fixed, so a
/// cached database is the same whenever it was built.
pub fn anchor() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 12, 0, 0).unwrap()
}

/// Whether this is a real measurement (`cargo bench`) rather than `cargo test --benches`,
/// which runs every benchmark once: then the sizes shrink so it stays quick.
pub fn measuring() -> bool {
    let args: Vec<String> = std::env::args().collect();
    args.iter().any(|a| a == "--bench") && !args.iter().any(|a| a == "--test" || a == "--list")
}

/// The small database: 10 000 items.
pub fn small() -> usize {
    if measuring() {
        10_000
    } else {
        2_000
    }
}

/// The large database: 1 000 000 items, or `AGENTIQ_BENCH_LARGE` for a quicker run.
pub fn large() -> usize {
    if !measuring() {
        return 5_000;
    }
    std::env::var("AGENTIQ_BENCH_LARGE")
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(1_000_000)
}

/// 10k, 100k and 1M (each at most [`large`]).
pub fn sizes() -> Vec<usize> {
    let large = large();
    let mut sizes: Vec<usize> = [small(), 100_000, 1_000_000]
        .into_iter()
        .filter(|n| *n < large)
        .collect();
    sizes.push(large);
    sizes.dedup();
    sizes
}

pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"))
}

/// A database of `n` synthetic items in `target/bench-db/`, built on first use and reused
/// afterwards. Benchmarks only read it.
pub fn bench_db(n: usize) -> PathBuf {
    let dir = target_dir().join("bench-db");
    std::fs::create_dir_all(&dir).expect("creating target/bench-db");
    let path = dir.join(format!("agentiq-{n}-seed{SEED}-v{GENERATOR_VERSION}.db"));
    if path.exists() {
        return path;
    }
    let building = dir.join(format!("building-{n}-{}.db", std::process::id()));
    let started = Instant::now();
    eprintln!("building {} ...", path.display());
    synthetic::generate_at(&building, n, SEED, anchor()).expect("generating the database");
    for suffix in ["-wal", "-shm"] {
        let mut side = building.clone().into_os_string();
        side.push(suffix);
        let _ = std::fs::remove_file(side);
    }
    std::fs::rename(&building, &path).expect("moving the database into place");
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    eprintln!(
        "built {n} items in {:.1?} ({} MB)",
        started.elapsed(),
        size / 1_000_000
    );
    path
}

/// Criterion as every benchmark here uses it: few samples, a few seconds each, so the
/// whole suite stays reasonable on two cores.
pub fn criterion() -> Criterion {
    Criterion::default()
        .sample_size(SAMPLES)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .without_plots()
        .configure_from_args()
}

/// Samples per measurement; the recorder keeps the last this many.
pub const SAMPLES: usize = 10;

static SAMPLES_BY_ID: Mutex<BTreeMap<String, Vec<f64>>> = Mutex::new(BTreeMap::new());

/// Records `elapsed` over `iters` iterations under `id` (nanoseconds per iteration) and
/// returns it, for use inside `iter_custom`.
pub fn record(id: &str, elapsed: Duration, iters: u64) -> Duration {
    let per = elapsed.as_nanos() as f64 / iters.max(1) as f64;
    SAMPLES_BY_ID
        .lock()
        .unwrap()
        .entry(id.to_string())
        .or_default()
        .push(per);
    elapsed
}

/// The median time per iteration recorded under `id`, over its measured samples (the
/// warm-up's are dropped; a [`paired`] measurement keeps every round).
pub fn median(id: &str) -> Option<f64> {
    let map = SAMPLES_BY_ID.lock().unwrap();
    let all = map.get(id)?;
    let keep = if id.starts_with("paired:") {
        all.len()
    } else {
        SAMPLES
    };
    let mut kept: Vec<f64> = all[all.len().saturating_sub(keep)..].to_vec();
    kept.sort_by(f64::total_cmp);
    Some(kept[kept.len() / 2])
}

/// How a ratio is read against its goal.
#[derive(Clone, Copy)]
pub enum Goal {
    /// measured / baseline must not exceed this (times: slower by at most).
    AtMost(f64),
    /// baseline / measured must reach this (speeds: at least this share).
    SpeedAtLeast(f64),
    /// Informational: measured / baseline, no goal.
    None,
}

/// One line of the report: a measurement against its baseline.
pub struct Line {
    pub metric: String,
    pub measured: String,
    pub baseline: String,
    pub goal: Goal,
}

impl Line {
    pub fn new(
        metric: impl Into<String>,
        measured: impl Into<String>,
        baseline: impl Into<String>,
        goal: Goal,
    ) -> Line {
        Line {
            metric: metric.into(),
            measured: measured.into(),
            baseline: baseline.into(),
            goal,
        }
    }
}

/// A time for humans.
pub fn human(ns: f64) -> String {
    if ns >= 1e9 {
        format!("{:.2} s", ns / 1e9)
    } else if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.1} µs", ns / 1e3)
    } else {
        format!("{ns:.0} ns")
    }
}

/// Prints the ratios of `lines` and writes them to `target/bench-results/<name>.md`.
pub fn report(name: &str, lines: &[Line]) {
    let mut out = String::new();
    out.push_str(&format!(
        "\n## {name}\n\n| metric | measured | baseline | ratio | goal | met |\n|---|---|---|---|---|---|\n"
    ));
    for line in lines {
        let (Some(m), Some(b)) = (median(&line.measured), median(&line.baseline)) else {
            continue;
        };
        let (ratio, goal, met) = match line.goal {
            Goal::AtMost(g) => {
                let r = m / b;
                (
                    format!("{r:.2}×"),
                    format!("≤ {g}×"),
                    if r <= g { "yes" } else { "**no**" },
                )
            }
            Goal::SpeedAtLeast(g) => {
                let r = b / m;
                (
                    format!("{r:.2} of baseline speed"),
                    format!("≥ {g}"),
                    if r >= g { "yes" } else { "**no**" },
                )
            }
            Goal::None => (format!("{:.2}×", m / b), "—".to_string(), "—"),
        };
        out.push_str(&format!(
            "| {} | {} | {} | {ratio} | {goal} | {met} |\n",
            line.metric,
            human(m),
            human(b)
        ));
    }
    println!("{out}");
    if measuring() {
        let dir = target_dir().join("bench-results");
        if std::fs::create_dir_all(&dir).is_ok() {
            if let Ok(mut f) = std::fs::File::create(dir.join(format!("{name}.md"))) {
                let _ = f.write_all(out.as_bytes());
            }
        }
    }
}

/// Benchmarks `f` as `name` in `group` and records its samples under `id`.
pub fn measure(
    group: &mut BenchmarkGroup<'_, WallTime>,
    name: &str,
    id: &str,
    mut f: impl FnMut(),
) {
    group.bench_function(name, |b| {
        b.iter_custom(|iters| {
            let started = Instant::now();
            for _ in 0..iters {
                f();
            }
            record(id, started.elapsed(), iters)
        })
    });
}

/// Rounds of a [`paired`] measurement.
const ROUNDS: usize = 15;

/// Measures `a` and `b` in alternating rounds, so both see the same load on a busy
/// machine; the ratio of their medians is what the goal lines report. Recorded under
/// `paired:<id>`; returns those ids. In `cargo test --benches` each runs once.
pub fn paired(
    id_a: &str,
    mut a: impl FnMut(),
    id_b: &str,
    mut b: impl FnMut(),
    round: Duration,
) -> (String, String) {
    let (pa, pb) = (format!("paired:{id_a}"), format!("paired:{id_b}"));
    let time = |f: &mut dyn FnMut(), iters: u64| {
        let started = Instant::now();
        for _ in 0..iters {
            f();
        }
        started.elapsed()
    };
    // One call each to warm up and to size the rounds.
    let (ta, tb) = (time(&mut a, 1), time(&mut b, 1));
    if !measuring() {
        record(&pa, ta, 1);
        record(&pb, tb, 1);
        return (pa, pb);
    }
    let iters = |t: Duration| (round.as_nanos() / t.as_nanos().max(1)).clamp(1, 100_000) as u64;
    let (na, nb) = (iters(ta), iters(tb));
    for r in 0..ROUNDS {
        if r % 2 == 0 {
            record(&pa, time(&mut a, na), na);
            record(&pb, time(&mut b, nb), nb);
        } else {
            record(&pb, time(&mut b, nb), nb);
            record(&pa, time(&mut a, na), na);
        }
    }
    (pa, pb)
}
