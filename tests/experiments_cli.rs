//! `agentiq experiment start|status|pause|resume|stop|versions` and `agentiq metrics
//! --by-version --json` through the real binary, on a store `sync --once` filled from the
//! simulator: the version is recorded with every draft and reply, and the metrics count
//! the replies per version.

mod common;

use std::path::Path;

use serde_json::Value;

struct Run {
    code: i32,
    out: String,
    err: String,
}

fn run(dir: &Path, args: &[&str]) -> Run {
    let (code, out, err) = common::run_agentiq(dir, args);
    Run { code, out, err }
}

fn json(dir: &Path, args: &[&str]) -> Value {
    let r = run(dir, args);
    assert_eq!(r.code, 0, "{args:?}: {} {}", r.out, r.err);
    serde_json::from_str(&r.out).unwrap_or_else(|e| panic!("{args:?}: {e}: {}", r.out))
}

/// Replies with the offered draft to every open item that has one prepared; returns how
/// many were queued.
fn reply_to_drafted(dir: &Path, db: &Path, limit: usize, under_experiment: bool) -> usize {
    let ids: Vec<i64> = {
        let conn = rusqlite::Connection::open(db).unwrap();
        let mut stmt = conn
            .prepare(
                "SELECT d.interaction_id FROM drafts d JOIN interactions i ON i.id = d.interaction_id
                 WHERE d.outcome IS NULL AND i.state = 'open' AND d.verdict != 'block'
                   AND (d.experiment_id IS NOT NULL) = ?2
                 ORDER BY d.id LIMIT ?1",
            )
            .unwrap();
        stmt.query_map((limit as i64, under_experiment), |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    let mut queued = 0;
    for id in ids {
        let r = run(dir, &["reply", "--json", &id.to_string(), "--draft"]);
        if r.code == 0 {
            queued += 1;
        }
    }
    queued
}

#[test]
fn experiments_start_pause_stop_and_metrics_by_version() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let sim = common::process_simulator(&runtime, "experiments", 7, 0);
    let dir = sim.dir.path();
    let config = sim.config.to_str().unwrap().to_string();
    let db = dir.join("data").join("agentiq.db");
    let sync = |what: &str| {
        let r = run(dir, &["sync", "--once", "--config", &config]);
        assert_eq!(r.code, 0, "sync --once ({what}): {}", r.err);
    };
    sync("first");

    let status = json(dir, &["experiment", "status", "--json"]);
    assert!(status["experiment"].is_null(), "{status}");

    // A seller's version with a mistake: the error names the file and the line.
    let prompts = dir.join("config").join("prompts");
    std::fs::create_dir_all(&prompts).unwrap();
    std::fs::write(
        prompts.join("warm.toml"),
        "description = \"Теплее\"\n[few_shot]\nexampels = 2\n",
    )
    .unwrap();
    let bad = run(dir, &["experiment", "versions"]);
    assert_eq!(bad.code, 78, "{} {}", bad.out, bad.err);
    assert!(bad.err.contains("warm.toml:3"), "{}", bad.err);
    std::fs::write(
        prompts.join("warm.toml"),
        "description = \"Теплее\"\ninstructions = \"Пиши тепло.\"\n[few_shot]\nexamples = 2\n\n[templates.common.closings]\nreview_positive = [\"Будем рады видеть вас снова!\"]\n",
    )
    .unwrap();
    let versions = run(dir, &["experiment", "versions"]);
    assert_eq!(versions.code, 0, "{}", versions.err);
    assert!(versions.out.contains("warm") && versions.out.contains("drafts-ru-v2"));

    let unknown = run(
        dir,
        &["experiment", "start", "x", "--arm", "nope", "--arm", "warm"],
    );
    assert_eq!(unknown.code, 64, "{}", unknown.err);
    assert!(
        unknown.err.contains("no version named 'nope'"),
        "{}",
        unknown.err
    );

    let started = json(
        dir,
        &[
            "experiment",
            "start",
            "warmth",
            "--arm",
            "drafts-ru-v2=1",
            "--arm",
            "warm=1",
            "--json",
        ],
    );
    assert_eq!(started["state"], "running", "{started}");
    assert_eq!(started["arms"].as_array().unwrap().len(), 2);
    let again = run(
        dir,
        &[
            "experiment",
            "start",
            "other",
            "--arm",
            "drafts-ru-brief",
            "--arm",
            "warm",
        ],
    );
    assert_eq!(again.code, 64, "{}", again.err);
    assert!(again.err.contains("'warmth' is running"), "{}", again.err);

    // Replies from the drafts prepared before the experiment, then drafts for the next
    // items under it; replies from those too.
    let before = reply_to_drafted(dir, &db, 4, false);
    assert!(before >= 3, "only {before} replies queued");
    sync("after the first replies");
    let assigned: Vec<(String, Option<i64>)> = {
        let conn = rusqlite::Connection::open(&db).unwrap();
        let mut stmt = conn
            .prepare("SELECT version, experiment_id FROM drafts WHERE outcome IS NULL")
            .unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    let under_experiment: Vec<_> = assigned.iter().filter(|(_, e)| e.is_some()).collect();
    assert!(!under_experiment.is_empty(), "{assigned:?}");
    assert!(under_experiment
        .iter()
        .all(|(v, _)| v == "drafts-ru-v2" || v == "warm"));
    let during = reply_to_drafted(dir, &db, 4, true);
    assert!(during >= 1);
    sync("after the replies under the experiment");

    // Every reply carries the version of its draft.
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        let (replies, versioned): (i64, i64) = conn
            .query_row(
                "SELECT count(*), count(version) FROM outbox WHERE kind = 'reply'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!(replies, versioned, "a reply without its version");
    }

    let by_version = json(dir, &["metrics", "--by-version", "--json"]);
    let list = by_version["versions"].as_array().unwrap();
    let default = list
        .iter()
        .find(|v| v["version"] == "drafts-ru-v2")
        .unwrap_or_else(|| panic!("{by_version}"));
    assert!(
        default["replies"].as_u64().unwrap() >= before as u64,
        "{by_version}"
    );
    // Sent exactly as drafted: every reply is accepted.
    assert_eq!(default["acceptance"]["rate"], 1.0, "{default}");
    assert_eq!(default["mean_edit_distance"], 0.0);
    assert!(default["acceptance"]["low"].as_f64().unwrap() < 1.0);
    assert_eq!(
        by_version["verdict"]["status"], "not_enough_data",
        "{by_version}"
    );
    let text = run(dir, &["metrics", "--by-version"]);
    assert_eq!(text.code, 0, "{}", text.err);
    assert!(
        text.out.contains("Not enough data to call a winner"),
        "{}",
        text.out
    );

    // The experiment's own metrics count only the replies it drafted.
    let status = json(dir, &["experiment", "status", "--json"]);
    assert_eq!(status["experiment"]["name"], "warmth");
    let counted: u64 = status["metrics"]["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["replies"].as_u64().unwrap())
        .sum();
    let delivered_under_experiment: i64 = rusqlite::Connection::open(&db)
        .unwrap()
        .query_row(
            "SELECT count(*) FROM outbox WHERE experiment_id IS NOT NULL
               AND state IN ('accepted', 'visible')",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(delivered_under_experiment >= 1);
    assert_eq!(counted, delivered_under_experiment as u64, "{status}");

    for (command, state) in [
        ("pause", "paused"),
        ("resume", "running"),
        ("stop", "stopped"),
    ] {
        let r = run(dir, &["experiment", command]);
        assert_eq!(r.code, 0, "{command}: {}", r.err);
        assert!(r.out.contains(state), "{command}: {}", r.out);
        let status = json(dir, &["experiment", "status", "--json"]);
        assert_eq!(status["experiment"]["state"], state);
    }
    let nothing = run(dir, &["experiment", "stop"]);
    assert_eq!(nothing.code, 64, "{}", nothing.err);
}
