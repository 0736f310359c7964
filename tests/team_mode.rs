//! Team mode on a real PostgreSQL cluster (see tests/team_support): `agentiq sync --once`
//! into the shared store, concurrent `agentiq claim` processes, a claimant killed
//! mid-claim, and roles the database enforces.

mod common;
mod team_support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::Value;
use team_support::{agentiq_command, PgCluster, DATABASE};

fn agentiq(dir: &Path, url: &str, args: &[&str]) -> (i32, String, String) {
    let output = agentiq_command(dir, url, args)
        .output()
        .expect("agentiq runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// A cluster with both demo shops synced into it by `agentiq sync --once`.
struct Synced {
    pg: PgCluster,
    sim: common::ProcessSimulator,
    _runtime: tokio::runtime::Runtime,
}

impl Synced {
    fn start() -> Option<Synced> {
        let pg = PgCluster::start()?;
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        let sim = common::process_simulator(&runtime, "team", 7, 1);
        let synced = Synced {
            pg,
            sim,
            _runtime: runtime,
        };
        let (code, _, err) = synced.owner(&["sync", "--once", "--config", &synced.config()]);
        assert_eq!(code, 0, "sync --once into PostgreSQL: {err}");
        Some(synced)
    }

    fn config(&self) -> String {
        self.sim.config.display().to_string()
    }

    fn owner(&self, args: &[&str]) -> (i32, String, String) {
        agentiq(self.sim.dir.path(), &self.pg.url(), args)
    }

    fn as_member(&self, role: &str, args: &[&str]) -> (i32, String, String) {
        agentiq(self.sim.dir.path(), &self.pg.url_as(role), args)
    }

    fn db(&self) -> postgres::Client {
        self.pg.superuser(DATABASE)
    }

    /// Leaves only the `n` earliest-due items open (the rest answered), so a test that
    /// claims everything runs a few dozen processes, not hundreds.
    fn keep_open(&self, n: i64) {
        self.db()
            .execute(
                "UPDATE interactions SET state = 'answered' WHERE state = 'open' AND id NOT IN
                     (SELECT id FROM interactions WHERE state = 'open'
                      ORDER BY due_at, id LIMIT $1)",
                &[&n],
            )
            .unwrap();
    }

    fn open_ids(&self) -> BTreeSet<i64> {
        self.db()
            .query("SELECT id FROM interactions WHERE state = 'open'", &[])
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect()
    }

    fn shop_names(&self) -> Vec<String> {
        self.db()
            .query("SELECT name FROM accounts ORDER BY marketplace DESC", &[])
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect()
    }
}

/// Claims with `operator` until exit 3; the ids claimed, in order.
fn claim_all(dir: &Path, url: &str, operator: &str) -> Vec<i64> {
    let mut ids = Vec::new();
    loop {
        let (code, out, err) = agentiq(dir, url, &["claim", "--operator", operator, "--json"]);
        match code {
            0 => {
                let item: Value = serde_json::from_str(out.trim()).expect("one JSON object");
                assert_eq!(item["claimed_by"], operator, "{out}");
                ids.push(item["id"].as_i64().expect("an id"));
            }
            3 => return ids,
            _ => panic!("claim by {operator} exited {code}: {err}"),
        }
    }
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn sync_once_writes_the_simulators_items_into_postgresql_idempotently() {
    let Some(team) = Synced::start() else { return };
    let mut db = team.db();
    let per_shop: BTreeMap<String, i64> = db
        .query(
            "SELECT a.marketplace, count(*) FROM interactions i
             JOIN accounts a ON a.id = i.account_id GROUP BY a.marketplace",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert!(
        per_shop.get("wb").is_some_and(|&n| n > 0) && per_shop.get("ozon").is_some_and(|&n| n > 0),
        "both demo shops' items are in PostgreSQL: {per_shop:?}"
    );
    let total: i64 = per_shop.values().sum();
    let runs: i64 = db
        .query_one("SELECT count(*) FROM sync_runs WHERE ok", &[])
        .unwrap()
        .get(0);
    assert!(runs > 0, "every pass is recorded");
    let (code, _, err) = team.owner(&["sync", "--once", "--config", &team.config()]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.lines()
            .filter(|l| l.contains(": ok,"))
            .all(|l| l.contains("0 new, 0 changed")),
        "a second pass from the saved cursors writes nothing new:\n{err}"
    );
    let again: i64 = db
        .query_one("SELECT count(*) FROM interactions", &[])
        .unwrap()
        .get(0);
    assert_eq!(again, total);
    // Russian full-text search: another form of a word finds the item.
    let word: Option<String> = db
        .query_opt(
            "SELECT w FROM (SELECT (regexp_matches(lower(text), '(качеств[а-я]*)'))[1] AS w
                            FROM interactions) m LIMIT 1",
            &[],
        )
        .unwrap()
        .map(|r| r.get(0));
    if let Some(word) = word {
        let hits: i64 = db
            .query_one(
                "SELECT count(*) FROM interactions
                 WHERE search @@ plainto_tsquery('russian', 'качество')",
                &[],
            )
            .unwrap()
            .get(0);
        assert!(hits > 0, "'качество' finds items that say {word:?}");
    }
}

#[test]
fn four_processes_claiming_at_once_never_take_the_same_item() {
    let Some(team) = Synced::start() else { return };
    team.keep_open(24);
    let open = team.open_ids();
    assert!(
        open.len() >= 8,
        "enough open items to contend for: {}",
        open.len()
    );
    let dir = team.sim.dir.path().to_path_buf();
    let url = team.pg.url();
    let claimed: Vec<(String, Vec<i64>)> = std::thread::scope(|s| {
        let handles: Vec<_> = (1..=4)
            .map(|n| {
                let (dir, url) = (&dir, &url);
                s.spawn(move || {
                    let name = format!("op{n}");
                    let ids = claim_all(dir, url, &name);
                    (name, ids)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut seen = BTreeSet::new();
    for (name, ids) in &claimed {
        for id in ids {
            assert!(
                seen.insert(*id),
                "item {id} claimed twice (again by {name})"
            );
        }
    }
    assert_eq!(seen, open, "every open item claimed exactly once");
    let mut db = team.db();
    for (name, ids) in &claimed {
        let held: i64 = db
            .query_one(
                "SELECT count(*) FROM interactions WHERE claimed_by = $1 AND id = ANY($2)",
                &[name, ids],
            )
            .unwrap()
            .get(0);
        assert_eq!(held as usize, ids.len(), "{name} holds what it was given");
    }
    // The queue discipline: each process got its items earliest deadline first.
    for (name, ids) in &claimed {
        let dues: Vec<chrono::DateTime<chrono::Utc>> = ids
            .iter()
            .map(|id| {
                db.query_one("SELECT due_at FROM interactions WHERE id = $1", &[id])
                    .unwrap()
                    .get(0)
            })
            .collect();
        assert!(
            dues.windows(2).all(|w| w[0] <= w[1]),
            "{name} claimed by deadline"
        );
    }
    // Released, an item goes back to the queue and is the next one claimed.
    let (name, ids) = &claimed[0];
    if let Some(first) = ids.first() {
        let (code, out, err) = team.owner(&["release", &first.to_string(), "--operator", name]);
        assert_eq!(
            (code, out.trim()),
            (0, format!("released {first}").as_str()),
            "{err}"
        );
        let (code, out, _) = team.owner(&["claim", "--operator", "op9", "--json"]);
        assert_eq!(code, 0);
        let item: Value = serde_json::from_str(out.trim()).unwrap();
        assert_eq!(item["id"].as_i64(), Some(*first));
        let (code, _, err) = team.owner(&["release", &first.to_string(), "--operator", name]);
        assert_eq!(code, 65, "another's claim is not released: {err}");
        assert!(err.contains("claimed by op9"), "{err}");
    }
}

#[test]
fn a_claimant_killed_mid_claim_loses_nothing() {
    let Some(team) = Synced::start() else { return };
    let (code, _, err) = team.owner(&["team", "claim-ttl", "1"]);
    assert_eq!(code, 0, "{err}");
    team.keep_open(12);
    let open = team.open_ids();
    let dir = team.sim.dir.path();
    let url = team.pg.url();
    // Hold the claimant inside its claim statement: a share lock on the table makes its
    // UPDATE wait, with its transaction open, until we let go.
    let mut blocker = team.db();
    let mut lock = blocker.transaction().unwrap();
    lock.batch_execute("LOCK TABLE interactions IN SHARE MODE")
        .unwrap();
    let mut victim = agentiq_command(dir, &url, &["claim", "--operator", "victim", "--json"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("claimant starts");
    let mut watch = team.db();
    wait_until("the claimant waits inside its claim", || {
        watch
            .query_one(
                "SELECT count(*) FROM pg_stat_activity
                 WHERE wait_event_type = 'Lock' AND query LIKE '%claimed_by = $1%'",
                &[],
            )
            .map(|r| r.get::<_, i64>(0) == 1)
            .unwrap_or(false)
    });
    // The victim read the 1 s TTL before it blocked; the living claimants get a long one,
    // so their claims stay theirs while they drain the queue.
    let (code, _, err) = team.owner(&["team", "claim-ttl", "600"]);
    assert_eq!(code, 0, "{err}");
    victim.kill().expect("kill the claimant");
    victim.wait().unwrap();
    lock.rollback().unwrap();
    // Its backend either rolls back or finishes the claim for a process that is gone;
    // the others drain the queue meanwhile.
    let mut living = BTreeSet::new();
    for id in claim_all(dir, &url, "alive") {
        assert!(living.insert(id));
    }
    // A claim left by the dead process expires after the claim TTL and is taken again.
    let mut db = team.db();
    let orphaned: Vec<i64> = db
        .query(
            "SELECT id FROM interactions WHERE claimed_by = 'victim'",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!(orphaned.len() <= 1, "one claim at most: {orphaned:?}");
    if !orphaned.is_empty() {
        wait_until("the dead claimant's claim expires", || {
            db.query_one(
                "SELECT count(*) FROM interactions
                 WHERE claimed_by = 'victim' AND claim_expires_at > now()",
                &[],
            )
            .map(|r| r.get::<_, i64>(0) == 0)
            .unwrap_or(false)
        });
        let again = claim_all(dir, &url, "rescuer");
        assert_eq!(again, orphaned, "the orphaned claim returned to the queue");
        living.extend(again);
    }
    assert_eq!(living, open, "every open item reached a living claimant");
    let held_by_the_dead: i64 = db
        .query_one(
            "SELECT count(*) FROM interactions
             WHERE claimed_by = 'victim' AND claim_expires_at > now()",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(held_by_the_dead, 0);
}

#[test]
fn the_database_enforces_roles_per_shop() {
    let Some(team) = Synced::start() else { return };
    let shops = team.shop_names();
    let (wb, ozon) = (&shops[0], &shops[1]);
    for (name, role, on) in [
        ("maria", "operator", vec![wb.as_str()]),
        ("ivan", "operator", vec![wb.as_str(), ozon.as_str()]),
        ("olga", "manager", vec![wb.as_str()]),
    ] {
        let mut args = vec!["team", "add", name, "--role", role];
        for shop in &on {
            args.extend(["--shop", shop]);
        }
        let (code, out, err) = team.owner(&args);
        assert_eq!(code, 0, "team add {name}: {err}");
        assert!(out.contains(&format!("{name} added as {role}")), "{out}");
    }
    let (code, out, _) = team.owner(&["team", "list", "--json"]);
    assert_eq!(code, 0);
    let members: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(members.as_array().map(Vec::len), Some(3), "{members}");
    assert_eq!(members[1]["name"], "maria");
    assert_eq!(members[1]["shops"], serde_json::json!([wb]));

    // An operator sees and claims only their shops' items.
    let mut maria = team.pg.connect_as("maria");
    let visible_shops: Vec<String> = maria
        .query(
            "SELECT DISTINCT a.name FROM interactions i JOIN accounts a ON a.id = i.account_id",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(visible_shops, vec![wb.clone()], "maria sees only her shop");
    let (code, out, err) = team.as_member("maria", &["claim", "--json"]);
    assert_eq!(code, 0, "{err}");
    let item: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(item["account"], wb.as_str());
    assert_eq!(
        item["claimed_by"], "maria",
        "the database user is the operator"
    );

    // Ivan's claim: maria can neither release, take nor reassign it.
    let (code, out, err) = team.as_member("ivan", &["claim", "--json"]);
    assert_eq!(code, 0, "{err}");
    let ivans: i64 = serde_json::from_str::<Value>(out.trim()).unwrap()["id"]
        .as_i64()
        .unwrap();
    let (code, _, err) = team.as_member(
        "maria",
        &["release", &ivans.to_string(), "--operator", "ivan"],
    );
    assert_ne!(code, 0, "maria cannot release ivan's claim: {err}");
    let (code, _, err) = team.as_member("maria", &["claim", "--operator", "ivan", "--json"]);
    assert_ne!(code, 0, "maria cannot claim in ivan's name");
    assert!(err.contains("row-level security"), "{err}");
    for sql in [
        "UPDATE interactions SET claimed_by = NULL WHERE id = $1",
        "UPDATE interactions SET claimed_by = 'maria' WHERE id = $1",
    ] {
        let changed = maria.execute(sql, &[&ivans]).unwrap();
        assert_eq!(
            changed, 0,
            "{sql}: the policy hides ivan's claim from maria"
        );
    }
    let still: String = team
        .db()
        .query_one(
            "SELECT claimed_by FROM interactions WHERE id = $1",
            &[&ivans],
        )
        .unwrap()
        .get(0);
    assert_eq!(still, "ivan");

    // Nor change settings, items' other columns or the team.
    let refused = |client: &mut postgres::Client, sql: &str| {
        let err = client.batch_execute(sql).expect_err(sql);
        assert_eq!(
            err.code(),
            Some(&postgres::error::SqlState::INSUFFICIENT_PRIVILEGE),
            "{sql}: {err}"
        );
    };
    refused(&mut maria, "UPDATE team_settings SET value = '1'");
    refused(&mut maria, "UPDATE interactions SET state = 'answered'");
    refused(&mut maria, "DELETE FROM team_members");
    refused(&mut maria, "SELECT * FROM team_members");
    let (code, _, err) = team.as_member("maria", &["team", "claim-ttl", "5"]);
    assert_ne!(code, 0, "an operator cannot change the claim TTL");
    assert!(err.contains("permission denied"), "{err}");

    // A manager reassigns within their shops.
    let mut olga = team.pg.connect_as("olga");
    let moved = olga
        .execute(
            "UPDATE interactions SET claimed_by = 'maria' WHERE id = $1",
            &[&ivans],
        )
        .unwrap();
    assert_eq!(moved, 1, "olga reassigns ivan's item to maria");
    refused(&mut olga, "UPDATE team_settings SET value = '1'");

    // The owner changes roles and removes people; a removed person's claims go back.
    let (code, out, err) = team.owner(&["team", "role", "maria", "manager"]);
    assert_eq!((code, out.trim()), (0, "maria is now manager"), "{err}");
    let (code, _, err) = team.owner(&["team", "remove", "maria"]);
    assert_eq!(code, 0, "{err}");
    let left: i64 = team
        .db()
        .query_one(
            "SELECT count(*) FROM interactions WHERE claimed_by = 'maria'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(left, 0, "maria's claims returned to the queue");
    assert!(
        postgres::Client::connect(&team.pg.url_as("maria"), postgres::NoTls).is_err(),
        "maria's login is gone"
    );
}
