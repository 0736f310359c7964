//! Claims in `list`/`show`, claim renewal, workflow states and escalation on a real
//! PostgreSQL cluster (tests/team_support), with the real binary run as each person's
//! database role. Times are moved in the database, never waited for.

mod common;
mod team_support;

use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde_json::Value;
use team_support::{agentiq_command, PgCluster, DATABASE};

struct Team {
    pg: PgCluster,
    sim: common::ProcessSimulator,
    _runtime: tokio::runtime::Runtime,
}

impl Team {
    /// The simulator's shops synced in; `people` (name, role) on every shop.
    fn start(name: &str, people: &[(&str, &str)]) -> Option<Team> {
        let pg = PgCluster::start()?;
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        let sim = common::process_simulator(&runtime, name, 7, 0);
        let team = Team {
            pg,
            sim,
            _runtime: runtime,
        };
        let config = team.config();
        team.ok("postgres", &["sync", "--once", "--config", &config]);
        let shops: Vec<String> = team
            .db()
            .query("SELECT name FROM accounts ORDER BY name", &[])
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
        for (person, role) in people {
            let mut args = vec!["team", "add", person, "--role", role];
            for shop in &shops {
                args.extend(["--shop", shop.as_str()]);
            }
            team.ok("postgres", &args);
        }
        Some(team)
    }

    fn config(&self) -> String {
        self.sim.config.display().to_string()
    }

    /// Runs agentiq as `who`'s database role: (exit code, stdout, stderr).
    fn run(&self, who: &str, args: &[&str]) -> (i32, String, String) {
        let output = agentiq_command(self.sim.dir.path(), &self.pg.url_as(who), args)
            .output()
            .expect("agentiq runs");
        (
            output.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    }

    /// Runs agentiq as `who`, expecting exit 0; its stdout.
    fn ok(&self, who: &str, args: &[&str]) -> String {
        let (code, out, err) = self.run(who, args);
        assert_eq!(code, 0, "{who}: agentiq {args:?}: {out}{err}");
        out
    }

    fn json(&self, who: &str, args: &[&str]) -> Value {
        let out = self.ok(who, args);
        serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("{e}: {out}"))
    }

    fn claim(&self, who: &str) -> i64 {
        self.json(who, &["claim", "--json"])["id"]
            .as_i64()
            .expect("an id")
    }

    fn db(&self) -> postgres::Client {
        self.pg.superuser(DATABASE)
    }

    fn expires(&self, id: i64) -> Option<DateTime<Utc>> {
        self.db()
            .query_one(
                "SELECT claim_expires_at FROM interactions WHERE id = $1",
                &[&id],
            )
            .unwrap()
            .get(0)
    }

    /// Moves item `id`'s claim to expire `secs` from now, as if it were taken long ago.
    fn age_claim(&self, id: i64, secs: f64) {
        self.db()
            .execute(
                "UPDATE interactions SET claim_expires_at = now() + make_interval(secs => $2)
                 WHERE id = $1",
                &[&id, &secs],
            )
            .unwrap();
    }

    fn workflow(&self, id: i64) -> String {
        self.json("postgres", &["show", &id.to_string(), "--json"])["workflow"]
            .as_str()
            .expect("a workflow state")
            .to_string()
    }

    /// `list --json` rows (without the cursor line) as `who`, with `extra` flags.
    fn list(&self, who: &str, extra: &[&str]) -> Vec<Value> {
        let mut args = vec!["list", "--json", "--limit", "500"];
        args.extend(extra);
        self.ok(who, &args)
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap())
            .filter(|v| v.get("id").is_some())
            .collect()
    }

    fn daemon(&self, log: &Path) -> Child {
        let config = self.config();
        agentiq_command(
            self.sim.dir.path(),
            &self.pg.url(),
            &["sync", "--daemon", "--poll-secs", "1", "--config", &config],
        )
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log).expect("daemon log"))
        .spawn()
        .expect("agentiq sync --daemon starts")
    }
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn list_and_show_carry_claims_and_the_holders_activity_renews_them() {
    let Some(team) = Team::start(
        "team-claims",
        &[("anna", "operator"), ("boris", "operator")],
    ) else {
        return;
    };
    let id = team.claim("anna");
    let item = id.to_string();

    // Everyone sees who holds it, until when, and its workflow state.
    let row = team
        .list("boris", &[])
        .into_iter()
        .find(|r| r["id"] == id)
        .expect("the claimed item is listed");
    assert_eq!(row["claimed_by"], "anna");
    assert_eq!(row["workflow"], "in_progress");
    assert!(row["claim_expires_at"].as_str().is_some(), "{row}");
    assert!(team
        .list("boris", &[])
        .iter()
        .any(|r| r["claimed_by"].is_null() && r["workflow"] == "new"));
    let text = team.ok("boris", &["list", "--limit", "500"]);
    assert!(
        text.lines()
            .any(|l| l.contains(&format!("#{id}")) && l.ends_with("[in_progress · anna]")),
        "{text}"
    );
    let shown = team.ok("boris", &["show", &item]);
    assert!(
        shown.contains("workflow     in_progress, claimed by anna until"),
        "{shown}"
    );

    // boris looking does not renew anna's claim; anna looking does.
    team.age_claim(id, 30.0);
    let before = team.expires(id).unwrap();
    team.ok("boris", &["show", &item, "--json"]);
    assert_eq!(team.expires(id), Some(before));
    let shown = team.json("anna", &["show", &item, "--json"]);
    assert_eq!(shown["claimed_by"], "anna");
    let renewed = team.expires(id).unwrap();
    assert!(
        renewed > before + chrono::Duration::seconds(800),
        "{renewed} vs {before}"
    );

    // claim --renew, by the holder only.
    team.age_claim(id, 30.0);
    let out = team.json("anna", &["claim", "--renew", &item, "--json"]);
    assert_eq!(out["claimed_by"], "anna");
    assert!(team.expires(id).unwrap() > before + chrono::Duration::seconds(800));
    let (code, _, err) = team.run("boris", &["claim", "--renew", &item]);
    assert_eq!(code, 65, "{err}");
    assert!(err.contains("claimed by anna"), "{err}");

    // A reply attempt renews it, even one the guardrails block.
    team.age_claim(id, 30.0);
    let (code, out, err) = team.run(
        "anna",
        &[
            "reply",
            &item,
            "Я бот, напишите нам в WhatsApp +7 900 123-45-67",
        ],
    );
    assert_eq!(code, 2, "blocked: {out}{err}");
    assert!(team.expires(id).unwrap() > before + chrono::Duration::seconds(800));

    // An expired claim is nobody's: no holder shown, the item is new again.
    team.age_claim(id, -1.0);
    let shown = team.json("boris", &["show", &item, "--json"]);
    assert_eq!(shown["claimed_by"], Value::Null);
    assert_eq!(shown["claim_expires_at"], Value::Null);
    assert_eq!(shown["workflow"], "new");
}

/// The audit trail's entries of `action` on item `id`: (actor, detail).
fn audit(team: &Team, id: i64, action: &str) -> Vec<(String, Value)> {
    team.db()
        .query(
            "SELECT actor, detail FROM audit_log WHERE interaction_id = $1 AND action = $2
             ORDER BY id",
            &[&id, &action],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect()
}

#[test]
fn workflow_moves_with_assign_claim_release_reply_and_answers_and_filters_the_list() {
    let people = [
        ("anna", "operator"),
        ("boris", "operator"),
        ("mila", "manager"),
    ];
    let Some(team) = Team::start("team-flow", &people) else {
        return;
    };
    let new_ids = |who: &str| -> Vec<i64> {
        team.list(who, &["--workflow", "new"])
            .iter()
            .map(|r| r["id"].as_i64().unwrap())
            .collect()
    };
    let first = new_ids("anna")[0];
    let item = first.to_string();
    assert_eq!(team.workflow(first), "new");

    // Only a manager (or the owner) assigns; the database refuses an operator.
    let (code, _, err) = team.run("boris", &["assign", &item, "anna"]);
    assert_eq!(code, 65, "{err}");
    assert!(err.contains("only a manager or the owner"), "{err}");
    let mut as_boris = team.pg.connect_as("boris");
    let direct = as_boris.execute(
        "UPDATE interactions SET claimed_by = 'anna', claim_expires_at = now() + interval '1h'
         WHERE id = $1",
        &[&first],
    );
    assert!(
        direct.is_err(),
        "an operator cannot give an item to someone else"
    );
    team.ok("mila", &["assign", &item, "anna"]);
    assert_eq!(team.workflow(first), "assigned");
    let assigned = team.list("boris", &["--workflow", "assigned"]);
    assert_eq!(assigned.len(), 1);
    assert_eq!(assigned[0]["claimed_by"], "anna");
    assert_eq!(audit(&team, first, "assigned")[0].1["to"], "anna");

    // anna's next claim is the item assigned to her, and she is on it now.
    assert_eq!(team.claim("anna"), first);
    assert_eq!(team.workflow(first), "in_progress");
    let (code, _, err) = team.run("boris", &["release", &item]);
    assert_eq!(code, 65, "{err}");
    team.ok("anna", &["release", &item]);
    assert_eq!(team.workflow(first), "new");

    // Claimed and replied: in progress until the marketplace shows the answer.
    let id = team.claim("boris");
    let text = "Спасибо, что написали! Разберёмся и ответим подробно сегодня же.";
    team.ok("boris", &["reply", &id.to_string(), text]);
    assert_eq!(team.workflow(id), "in_progress");
    let config = team.config();
    team.ok("postgres", &["sync", "--once", "--config", &config]);
    assert_eq!(team.workflow(id), "answered");
    let answered = team.list("anna", &["--workflow", "answered"]);
    assert!(answered.iter().any(|r| r["id"] == id), "listed as answered");
    assert!(answered.iter().all(|r| r["workflow"] == "answered"));

    // A chat answered waits for the buyer; the buyer writing again makes it new.
    let mut db = team.db();
    let chat: i64 = db
        .query_one(
            "SELECT id FROM interactions WHERE channel = 'chat' AND state = 'open' LIMIT 1",
            &[],
        )
        .unwrap()
        .get(0);
    db.execute(
        "UPDATE interactions SET state = 'answered' WHERE id = $1",
        &[&chat],
    )
    .unwrap();
    assert_eq!(team.workflow(chat), "waiting_buyer");
    let waiting = team.list("anna", &["--workflow", "waiting-buyer"]);
    assert!(waiting.iter().any(|r| r["id"] == chat), "{waiting:?}");
    assert!(waiting
        .iter()
        .all(|r| r["workflow"] == "waiting_buyer" && r["channel"] == "chat"));
    db.execute(
        "UPDATE interactions SET state = 'open' WHERE id = $1",
        &[&chat],
    )
    .unwrap();
    assert_eq!(team.workflow(chat), "new");

    // An unknown state is a usage error; SQLite has no workflow.
    let (code, _, err) = team.run("anna", &["list", "--workflow", "done"]);
    assert_eq!(code, 64, "{err}");
    let output = agentiq_command(team.sim.dir.path(), "", &["list", "--workflow", "new"])
        .env_remove("AGENTIQ_DATABASE_URL")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(64));
}

#[test]
fn escalation_by_hand_and_by_the_daemon_reaches_the_managers() {
    let people = [
        ("anna", "operator"),
        ("boris", "operator"),
        ("mila", "manager"),
    ];
    let Some(team) = Team::start("team-escalate", &people) else {
        return;
    };
    let id = team.claim("anna");
    let item = id.to_string();
    let (code, _, err) = team.run("boris", &["escalate", &item, "--reason", "грубит"]);
    assert_eq!(code, 65, "not over anna's claim: {err}");
    team.ok(
        "anna",
        &["escalate", &item, "--reason", "просит компенсацию"],
    );
    let shown = team.json("boris", &["show", &item, "--json"]);
    assert_eq!(shown["workflow"], "escalated");
    assert_eq!(shown["claimed_by"], Value::Null, "the claim is released");
    assert_eq!(shown["escalation_reason"], "просит компенсацию");
    let trail = audit(&team, id, "escalated");
    assert_eq!(trail.len(), 1);
    assert_eq!(trail[0].0, "anna");
    assert_eq!(trail[0].1["reason"], "просит компенсацию");
    assert_eq!(trail[0].1["automatic"], false);
    let (code, _, err) = team.run("anna", &["escalate", &item, "--reason", "ещё раз"]);
    assert_eq!(code, 65, "{err}");
    let listed = team.list("mila", &["--workflow", "escalated"]);
    assert_eq!(listed.len(), 1);

    // Operators' claims pass it by; a manager's claim takes it first.
    assert_ne!(team.claim("boris"), id);
    assert_eq!(team.claim("mila"), id);
    assert_eq!(team.workflow(id), "in_progress");

    // The daemon escalates an unclaimed item at risk and a claim idle too long.
    let mut db = team.db();
    let at_risk: i64 = db
        .query_one(
            "UPDATE interactions SET at_risk_at = now() - interval '1 minute'
             WHERE id = (SELECT id FROM interactions WHERE state = 'open' AND claimed_by IS NULL
                         AND workflow = 'new' ORDER BY due_at DESC LIMIT 1)
             RETURNING id",
            &[],
        )
        .unwrap()
        .get(0);
    let idle = team.claim("anna");
    team.ok("postgres", &["team", "escalate-idle", "300"]);
    db.execute(
        "UPDATE interactions SET at_risk_at = now() + interval '1 day' WHERE state = 'open'
           AND id <> $1",
        &[&at_risk],
    )
    .unwrap();
    db.execute(
        "ALTER TABLE interactions DISABLE TRIGGER interactions_workflow",
        &[],
    )
    .unwrap();
    db.execute(
        "UPDATE interactions SET claim_active_at = now() - interval '301 seconds' WHERE id = $1",
        &[&idle],
    )
    .unwrap();
    db.execute(
        "ALTER TABLE interactions ENABLE TRIGGER interactions_workflow",
        &[],
    )
    .unwrap();
    let log = team.sim.dir.path().join("daemon.log");
    let mut daemon = team.daemon(&log);
    wait_until("both are escalated", || {
        team.list("mila", &["--workflow", "escalated"]).len() == 2
    });
    let _ = daemon.kill();
    let _ = daemon.wait();
    let escalated: Vec<i64> = team
        .list("mila", &["--workflow", "escalated"])
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    let mut expected = vec![at_risk, idle];
    expected.sort();
    let mut got = escalated.clone();
    got.sort();
    assert_eq!(got, expected);
    let idle_trail = audit(&team, idle, "escalated");
    assert_eq!(idle_trail[0].1["automatic"], true);
    assert_eq!(idle_trail[0].1["held_by"], "anna");
    let daemon_log = std::fs::read_to_string(&log).unwrap();
    assert!(
        daemon_log.contains(&format!(
            "escalated {idle} to the managers: claim by anna idle"
        )),
        "{daemon_log}"
    );
    assert!(audit(&team, at_risk, "escalated")[0].1["reason"]
        .as_str()
        .unwrap()
        .starts_with("unclaimed and near its deadline"));
}

/// The marketplace of item `id`.
fn marketplace_of(team: &Team, id: i64) -> String {
    team.db()
        .query_one(
            "SELECT a.marketplace FROM interactions i JOIN accounts a ON a.id = i.account_id
             WHERE i.id = $1",
            &[&id],
        )
        .unwrap()
        .get(0)
}

#[test]
fn routing_teams_disciplines_and_assigning_to_the_least_busy() {
    let people = [
        ("anna", "operator"),
        ("boris", "operator"),
        ("vera", "operator"),
        ("mila", "manager"),
    ];
    let Some(team) = Team::start("team-route", &people) else {
        return;
    };
    team.ok("postgres", &["team", "add-to", "ozon_desk", "vera"]);
    let added = team.ok(
        "postgres",
        &[
            "team",
            "route",
            "add",
            "--marketplace",
            "ozon",
            "--to-team",
            "ozon_desk",
        ],
    );
    assert!(added.starts_with("rule "), "{added}");
    let rules = team.ok("postgres", &["team", "route", "list", "--json"]);
    let rule: Value = serde_json::from_str(rules.lines().next().unwrap()).unwrap();
    assert_eq!(rule["marketplace"], "ozon");
    assert_eq!(rule["to_team"], "ozon_desk");
    let (code, _, _) = team.run("anna", &["team", "route", "add", "--to", "anna"]);
    assert_ne!(code, 0, "an operator cannot write routing rules");

    // Ozon items go to vera's team first and to nobody else; the rest is anyone's.
    for _ in 0..3 {
        let id = team.claim("vera");
        assert_eq!(marketplace_of(&team, id), "ozon");
    }
    for _ in 0..3 {
        let id = team.claim("anna");
        assert_eq!(marketplace_of(&team, id), "wb");
    }

    // FIFO for the team: vera takes the longest-waiting free Ozon item.
    team.ok("postgres", &["team", "discipline", "ozon_desk", "fifo"]);
    let oldest: i64 = team
        .db()
        .query_one(
            "SELECT i.id FROM interactions i JOIN accounts a ON a.id = i.account_id
             WHERE i.state = 'open' AND a.marketplace = 'ozon' AND i.claimed_by IS NULL
             ORDER BY i.waiting_since, i.id LIMIT 1",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(team.claim("vera"), oldest);

    // Assigning to a team picks its person with the fewest open claims.
    team.ok("postgres", &["team", "add-to", "ozon_desk", "boris"]);
    let free_ozon: i64 = team
        .db()
        .query_one(
            "SELECT i.id FROM interactions i JOIN accounts a ON a.id = i.account_id
             WHERE i.state = 'open' AND a.marketplace = 'ozon' AND i.claimed_by IS NULL
             LIMIT 1",
            &[],
        )
        .unwrap()
        .get(0);
    let item = free_ozon.to_string();
    team.ok("mila", &["assign", &item, "ozon_desk"]);
    let shown = team.json("mila", &["show", &item, "--json"]);
    assert_eq!(shown["claimed_by"], "boris", "vera holds 4, boris none");
    assert_eq!(shown["workflow"], "assigned");

    let id = rule["id"].to_string();
    team.ok("postgres", &["team", "route", "remove", &id]);
    assert_eq!(team.ok("postgres", &["team", "route", "list"]), "");
}
