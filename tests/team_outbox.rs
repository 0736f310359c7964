//! The shared outbox on a real PostgreSQL cluster (tests/team_support): operators on
//! machines without marketplace tokens claim and reply with the real binary; two owner's
//! `agentiq sync --daemon` send the replies, one of them killed with SIGKILL while it
//! delivers; the simulator receives every reply exactly once. Also: a reply over another
//! person's claim is refused, and `list`/`show --json` on PostgreSQL have SQLite's shape.

mod common;
mod team_support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use serde_json::Value;
use team_support::{PgCluster, DATABASE};

fn agentiq_command(dir: &Path, url: Option<&str>, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_agentiq"));
    command
        .args(args)
        .env("AGENTIQ_DATA_DIR", dir.join("data"))
        .env("AGENTIQ_LOG_DIR", dir.join("logs"))
        .env("AGENTIQ_CONFIG_DIR", dir.join("config"))
        .env_remove("AGENTIQ_LANG")
        .env_remove("AGENTIQ_DATABASE_URL")
        .env("LC_ALL", "C")
        .stdin(Stdio::null());
    if let Some(url) = url {
        command.env("AGENTIQ_DATABASE_URL", url);
    }
    command
}

fn agentiq(dir: &Path, url: Option<&str>, args: &[&str]) -> (i32, String, String) {
    let output = agentiq_command(dir, url, args)
        .output()
        .expect("agentiq runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

struct Team {
    pg: PgCluster,
    sim: common::ProcessSimulator,
    _runtime: tokio::runtime::Runtime,
}

impl Team {
    /// A cluster with the simulator's shops synced in, and `operators` on both shops.
    fn start(name: &str, seed: u64, operators: &[&str]) -> Option<Team> {
        let pg = PgCluster::start()?;
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        let sim = common::process_simulator(&runtime, name, seed, 0);
        let team = Team {
            pg,
            sim,
            _runtime: runtime,
        };
        let (code, _, err) = team.owner(&["sync", "--once", "--config", &team.config()]);
        assert_eq!(code, 0, "sync --once into PostgreSQL: {err}");
        let shops: Vec<String> = team
            .db()
            .query("SELECT name FROM accounts ORDER BY name", &[])
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
        for operator in operators {
            let mut args = vec!["team", "add", operator, "--role", "operator"];
            for shop in &shops {
                args.extend(["--shop", shop.as_str()]);
            }
            let (code, _, err) = team.owner(&args);
            assert_eq!(code, 0, "team add {operator}: {err}");
        }
        Some(team)
    }

    fn dir(&self) -> &Path {
        self.sim.dir.path()
    }

    fn config(&self) -> String {
        self.sim.config.display().to_string()
    }

    fn owner(&self, args: &[&str]) -> (i32, String, String) {
        agentiq(self.dir(), Some(&self.pg.url()), args)
    }

    fn db(&self) -> postgres::Client {
        self.pg.superuser(DATABASE)
    }

    /// Leaves only the `n` earliest-due open WB reviews and questions open (the rest
    /// answered): what the operators work through.
    fn keep_open(&self, n: i64) {
        self.db()
            .execute(
                "UPDATE interactions SET state = 'answered' WHERE state = 'open' AND id NOT IN
                     (SELECT i.id FROM interactions i JOIN accounts a ON a.id = i.account_id
                      WHERE i.state = 'open' AND a.marketplace = 'wb' AND i.channel <> 'chat'
                      ORDER BY i.due_at, i.id LIMIT $1)",
                &[&n],
            )
            .unwrap();
    }

    /// An owner's delivery daemon that syncs once at start and then only delivers.
    fn daemon(&self, log: &Path) -> Child {
        agentiq_command(
            self.dir(),
            Some(&self.pg.url()),
            &[
                "sync",
                "--daemon",
                "--poll-secs",
                "3600",
                "--config",
                &self.config(),
            ],
        )
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log).expect("daemon log"))
        .spawn()
        .expect("agentiq sync --daemon starts")
    }

    fn unsettled(&self) -> i64 {
        self.db()
            .query_one(
                "SELECT count(*) FROM outbox WHERE state IN ('queued', 'sending', 'accepted')",
                &[],
            )
            .unwrap()
            .get(0)
    }
}

/// An operator's loop: claim the next item, reply to it; until nothing is left. Returns
/// (item id, reply text) of each reply queued.
fn work_the_queue(dir: &Path, url: &str, operator: &str) -> Vec<(i64, String)> {
    let mut replies = Vec::new();
    loop {
        let (code, out, err) = agentiq(dir, Some(url), &["claim", "--json"]);
        match code {
            0 => {}
            3 => return replies,
            _ => panic!("claim by {operator} exited {code}: {err}"),
        }
        let item: Value = serde_json::from_str(out.trim()).expect("one JSON object");
        assert_eq!(item["claimed_by"], operator);
        let id = item["id"].as_i64().expect("an id");
        let text = format!(
            "Спасибо, что написали! Разберёмся и ответим подробно ({operator}-{}-{id}).",
            replies.len()
        );
        let (code, out, err) =
            agentiq(dir, Some(url), &["reply", &id.to_string(), &text, "--json"]);
        assert_eq!(code, 0, "{operator}'s reply to #{id}: {out}{err}");
        let queued: Value = serde_json::from_str(out.trim()).expect("reply --json");
        assert_eq!(queued["queued"], true, "{out}");
        replies.push((id, text));
    }
}

#[test]
fn operators_reply_and_two_daemons_deliver_each_reply_once_one_killed() {
    let seed = std::env::var("AGENTIQ_KILL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(19);
    println!("team_outbox seed: {seed} (AGENTIQ_KILL_SEED={seed} replays it)");
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let Some(team) = Team::start("team-outbox", 7, &["anna", "boris", "vera"]) else {
        return;
    };
    team.keep_open(12);

    // Anna's claim is hers: Boris cannot reply to it, nor can the owner.
    let url_of = |who: &str| team.pg.url_as(who);
    let (code, out, err) = agentiq(team.dir(), Some(&url_of("anna")), &["claim", "--json"]);
    assert_eq!(code, 0, "{err}");
    let annas: Value = serde_json::from_str(out.trim()).unwrap();
    let annas_id = annas["id"].as_i64().unwrap().to_string();
    for (who, url) in [("boris", url_of("boris")), ("the owner", team.pg.url())] {
        let (code, _, err) = agentiq(
            team.dir(),
            Some(&url),
            &[
                "reply",
                &annas_id,
                "Спасибо за отзыв! Разберёмся и ответим подробно.",
            ],
        );
        assert_eq!(
            code, 65,
            "{who}'s reply over anna's claim is refused: {err}"
        );
        assert!(err.contains("claimed by anna"), "{err}");
    }
    // Nor can anyone write the outbox past the function that checks claims.
    let mut boris = team.pg.connect_as("boris");
    let err = boris
        .batch_execute(
            "INSERT INTO outbox (interaction_id, idempotency_key, text, next_attempt_at,
                                 created_at, updated_at, author)
             SELECT id, 'sneaky', 'x', now(), now(), now(), 'boris' FROM interactions LIMIT 1",
        )
        .expect_err("an operator cannot insert into the outbox");
    assert_eq!(
        err.code(),
        Some(&postgres::error::SqlState::INSUFFICIENT_PRIVILEGE)
    );
    let (code, _, err) = agentiq(team.dir(), Some(&url_of("anna")), &["release", &annas_id]);
    assert_eq!(code, 0, "{err}");
    // Released, it is nobody's: an operator must claim it before replying.
    let (code, _, err) = agentiq(
        team.dir(),
        Some(&url_of("anna")),
        &[
            "reply",
            &annas_id,
            "Спасибо за отзыв! Разберёмся и ответим подробно.",
        ],
    );
    assert_eq!(code, 65, "{err}");
    assert!(err.contains("claim it first"), "{err}");

    let logs = team.dir().join("daemon-logs");
    std::fs::create_dir_all(&logs).unwrap();
    let log = |n: &str| -> PathBuf { logs.join(n) };
    let mut a = team.daemon(&log("a"));
    let mut b = team.daemon(&log("b"));

    // Three operators work the queue at once while the daemons deliver; daemon a dies
    // (SIGKILL) the moment it is seen holding a reply's claim, after skipping a few
    // sightings chosen by the seed, so it dies at different steps of a delivery.
    let skip_sightings = rng.random_range(0..4);
    let holder_a = format!("daemon:{}:%", a.id());
    let dir = team.dir().to_path_buf();
    let started = Instant::now();
    let (replies, caught) = std::thread::scope(|s| {
        let workers: Vec<_> = ["anna", "boris", "vera"]
            .into_iter()
            .map(|who| {
                let (dir, url) = (&dir, url_of(who));
                s.spawn(move || work_the_queue(dir, &url, who))
            })
            .collect();
        let mut watch = team.db();
        let mut sightings = 0;
        let deadline = Instant::now() + Duration::from_secs(30);
        let caught = loop {
            let held: Option<String> = watch
                .query_opt(
                    "SELECT state FROM outbox WHERE claimed_by LIKE $1 LIMIT 1",
                    &[&holder_a],
                )
                .unwrap()
                .map(|r| r.get(0));
            if let Some(state) = held {
                sightings += 1;
                if sightings > skip_sightings {
                    a.kill().expect("SIGKILL daemon a");
                    break Some(state);
                }
            }
            if Instant::now() > deadline {
                a.kill().expect("SIGKILL daemon a");
                break None;
            }
        };
        a.wait().unwrap();
        let replies: Vec<(i64, String)> = workers
            .into_iter()
            .flat_map(|w| w.join().expect("an operator's loop"))
            .collect();
        (replies, caught)
    });
    let caught = caught.expect("daemon a took part in the deliveries before it was killed");
    assert_eq!(
        replies.len(),
        12,
        "every open item answered once by the operators"
    );
    let ids: BTreeSet<i64> = replies.iter().map(|(id, _)| *id).collect();
    assert_eq!(ids.len(), 12, "no item answered by two operators");

    let deadline = Instant::now() + Duration::from_secs(60);
    while team.unsettled() > 0 {
        assert!(
            Instant::now() < deadline,
            "{} replies unsettled; daemon b said:\n{}",
            team.unsettled(),
            std::fs::read_to_string(log("b")).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = b.kill();
    let _ = b.wait();
    println!(
        "daemon a killed holding a claim on a row in state {caught}; 12 replies written and \
         delivered in {:.1}s",
        started.elapsed().as_secs_f64()
    );

    // Each reply reached the simulator exactly once, and nothing else did.
    let mut db = team.db();
    let expected: BTreeSet<(String, String)> = replies
        .iter()
        .map(|(id, text)| {
            let external: String = db
                .query_one("SELECT external_id FROM interactions WHERE id = $1", &[id])
                .unwrap()
                .get(0);
            (external, text.clone())
        })
        .collect();
    let mut received: BTreeMap<(String, String), usize> = BTreeMap::new();
    for answer in &team.sim.sim.sim.report().answers {
        *received
            .entry((answer.item_id.clone(), answer.text.clone()))
            .or_default() += 1;
    }
    let twice: Vec<_> = received.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "answered twice: {twice:?}");
    let got: BTreeSet<(String, String)> = received.into_keys().collect();
    assert_eq!(
        got, expected,
        "exactly the operators' replies reached the marketplace"
    );
    let states: Vec<(String, i64)> = db
        .query("SELECT state, count(*) FROM outbox GROUP BY state", &[])
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert_eq!(
        states,
        vec![("visible".to_string(), 12)],
        "all delivered and read back"
    );
    let answered: i64 = db
        .query_one(
            "SELECT count(*) FROM interactions WHERE id = ANY($1) AND state = 'answered'",
            &[&ids.iter().copied().collect::<Vec<_>>()],
        )
        .unwrap()
        .get(0);
    assert_eq!(answered, 12, "the items are answered in the shared store");
}

/// What the shared store adds to an item (claims and workflow, docs/team.md): `keys`
/// without them, after checking they are all there.
fn without_team_keys(mut keys: BTreeSet<String>) -> BTreeSet<String> {
    if !keys.contains("id") {
        return keys;
    }
    for team_key in [
        "claimed_by",
        "claim_expires_at",
        "workflow",
        "escalation_reason",
    ] {
        assert!(keys.remove(team_key), "{team_key} missing from {keys:?}");
    }
    keys
}

/// The keys of a JSON object, nested objects' keys as `outer.inner`.
fn shape(value: &Value) -> BTreeSet<String> {
    let mut keys = BTreeSet::new();
    if let Value::Object(map) = value {
        for (k, v) in map {
            keys.insert(k.clone());
            if let Value::Object(_) = v {
                keys.extend(shape(v).into_iter().map(|inner| format!("{k}.{inner}")));
            }
        }
    }
    keys
}

fn json_lines(out: &str) -> Vec<Value> {
    out.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

#[test]
fn list_search_and_show_on_postgresql_print_what_sqlite_prints() {
    let Some(team) = Team::start("team-list", 7, &["anna"]) else {
        return;
    };
    let dir = team.dir();
    // The same simulator synced into the embedded store as well.
    let (code, _, err) = agentiq(dir, None, &["sync", "--once", "--config", &team.config()]);
    assert_eq!(code, 0, "sync --once into SQLite: {err}");

    let args = [
        "list", "--state", "all", "--sort", "newest", "--limit", "7", "--json",
    ];
    let (code, pg_out, err) = team.owner(&args);
    assert_eq!(code, 0, "{err}");
    let (code, lite_out, err) = agentiq(dir, None, &args);
    assert_eq!(code, 0, "{err}");
    let (pg_rows, lite_rows) = (json_lines(&pg_out), json_lines(&lite_out));
    assert_eq!(pg_rows.len(), 8, "7 rows and the next cursor: {pg_out}");
    assert_eq!(pg_rows.len(), lite_rows.len());
    for (pg, lite) in pg_rows.iter().zip(&lite_rows) {
        assert_eq!(without_team_keys(shape(pg)), shape(lite), "{pg}\n{lite}");
        // Items created in the same second may come in either order (ids differ).
        assert_eq!(pg["created_at"], lite["created_at"]);
        if let Some(same) = lite_rows
            .iter()
            .find(|l| l["external_id"] == pg["external_id"])
        {
            for key in [
                "account",
                "marketplace",
                "channel",
                "rating",
                "text",
                "product_id",
            ] {
                assert_eq!(pg[key], same[key], "{key}: {pg}\n{same}");
            }
        }
    }
    // The next page follows on from the cursor, without repeats.
    let next = pg_rows[7]["next"].as_str().expect("a cursor").to_string();
    let (code, out, err) = team.owner(&[
        "list", "--state", "all", "--sort", "newest", "--limit", "7", "--json", "--after", &next,
    ]);
    assert_eq!(code, 0, "{err}");
    let second = json_lines(&out);
    let first_ids: BTreeSet<i64> = pg_rows[..7]
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    assert!(second[..7]
        .iter()
        .all(|r| !first_ids.contains(&r["id"].as_i64().unwrap())));

    // The query language: a shop and a channel narrow the list as on SQLite.
    let query = [
        "list",
        "--state",
        "all",
        "--query",
        "mp:wb channel:question",
        "--limit",
        "500",
        "--json",
    ];
    let count = |out: &str| {
        json_lines(out)
            .iter()
            .filter(|r| r.get("id").is_some())
            .count()
    };
    let (_, pg_out, _) = team.owner(&query);
    let (_, lite_out, _) = agentiq(dir, None, &query);
    assert!(count(&pg_out) > 0);
    assert_eq!(count(&pg_out), count(&lite_out));
    // Words as on SQLite (tests/team_parity.rs compares them): the word as a prefix.
    let (code, out, err) = team.owner(&["search", "качество", "--json", "--limit", "500"]);
    assert_eq!(code, 0, "{err}");
    let found: Vec<i64> = json_lines(&out)
        .iter()
        .filter_map(|r| r.get("id").and_then(Value::as_i64))
        .collect();
    let mut db = team.db();
    let saying: i64 = db
        .query_one(
            "SELECT count(*) FROM interactions WHERE lower(concat_ws(' ', text, pros, cons,
                 product_name, customer_name)) ~ '\\mкачество'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(
        found.len() as i64,
        saying,
        "every item saying качество… and no other"
    );

    // show: the same object, as the owner and as an operator on the shop.
    let external = pg_rows[0]["external_id"].clone();
    let pg_id = pg_rows[0]["id"].to_string();
    let lite_id = lite_rows[0]["id"].to_string();
    let (code, pg_show, err) = team.owner(&["show", &pg_id, "--json"]);
    assert_eq!(code, 0, "{err}");
    let (code, lite_show, err) = agentiq(dir, None, &["show", &lite_id, "--json"]);
    assert_eq!(code, 0, "{err}");
    let (pg_show, lite_show): (Value, Value) = (
        serde_json::from_str(pg_show.trim()).unwrap(),
        serde_json::from_str(lite_show.trim()).unwrap(),
    );
    let top = |v: &Value| {
        v.as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect::<BTreeSet<_>>()
    };
    assert_eq!(without_team_keys(top(&pg_show)), top(&lite_show));
    assert_eq!(pg_show["external_id"], external);
    let (code, as_anna, err) = agentiq(
        dir,
        Some(&team.pg.url_as("anna")),
        &["show", &pg_id, "--json"],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        serde_json::from_str::<Value>(as_anna.trim()).unwrap()["id"],
        pg_show["id"]
    );
    let (code, _, err) = team.owner(&["show", "999999"]);
    assert_eq!(code, 65, "no such item: {err}");
}
