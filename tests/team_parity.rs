//! The shared PostgreSQL store does what the embedded SQLite store does for the same
//! synced data: search (prefixes through pg_trgm, the query language's filters; an owner
//! who may not create pg_trgm still searches, warned), edits of published answers
//! through the shared outbox (sent once by the owner's sync), and drafts. Real binary,
//! real cluster (tests/team_support), the simulator on loopback.

mod common;
mod team_support;

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;
use team_support::{PgCluster, DATABASE};

fn agentiq(dir: &Path, url: Option<&str>, args: &[&str]) -> (i32, String, String) {
    let mut command = common::agentiq_command(dir, args);
    command.env_remove("AGENTIQ_DATABASE_URL");
    if let Some(url) = url {
        command.env("AGENTIQ_DATABASE_URL", url);
    }
    let output = command.output().expect("agentiq runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// The simulator's shops synced into a cluster and, in the same folder, into SQLite.
struct Both {
    pg: PgCluster,
    sim: common::ProcessSimulator,
    _runtime: tokio::runtime::Runtime,
}

impl Both {
    fn start(name: &str) -> Option<Both> {
        let pg = PgCluster::start()?;
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        let sim = common::process_simulator(&runtime, name, 7, 0);
        let both = Both {
            pg,
            sim,
            _runtime: runtime,
        };
        for url in [Some(both.pg.url()), None] {
            let (code, _, err) = agentiq(
                both.dir(),
                url.as_deref(),
                &["sync", "--once", "--config", &both.config()],
            );
            assert_eq!(code, 0, "sync --once into {url:?}: {err}");
        }
        Some(both)
    }

    fn dir(&self) -> &Path {
        self.sim.dir.path()
    }

    fn config(&self) -> String {
        self.sim.config.display().to_string()
    }

    fn pg(&self, args: &[&str]) -> (i32, String, String) {
        agentiq(self.dir(), Some(&self.pg.url()), args)
    }

    fn sqlite(&self, args: &[&str]) -> (i32, String, String) {
        agentiq(self.dir(), None, args)
    }
}

/// The items a JSON-lines listing names, by what identifies them in either store.
fn items(out: &str) -> BTreeSet<(String, String, String)> {
    out.lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .filter(|r| r.get("id").is_some())
        .map(|r| {
            let text = |k: &str| r[k].as_str().unwrap_or_default().to_string();
            (text("account"), text("channel"), text("external_id"))
        })
        .collect()
}

fn same_items(both: &Both, args: &[&str]) -> BTreeSet<(String, String, String)> {
    let (code, pg_out, err) = both.pg(args);
    assert_eq!(code, 0, "{args:?} on PostgreSQL: {err}");
    let (code, lite_out, err) = both.sqlite(args);
    assert_eq!(code, 0, "{args:?} on SQLite: {err}");
    let (pg, lite) = (items(&pg_out), items(&lite_out));
    let only_pg: Vec<_> = pg.difference(&lite).collect();
    let only_lite: Vec<_> = lite.difference(&pg).collect();
    assert!(
        only_pg.is_empty() && only_lite.is_empty(),
        "{args:?}: only on PostgreSQL {only_pg:?}, only on SQLite {only_lite:?}"
    );
    pg
}

#[test]
fn search_on_postgresql_finds_what_sqlite_finds_prefixes_included() {
    let Some(both) = Both::start("parity-search") else {
        return;
    };
    // WB's reviews and questions carry their product's name; Ozon's items and chats get it
    // from product cards, which the shared store does not keep yet (docs/team.md):
    // compare where the data is the same.
    let search = |q: &str| {
        let q = format!("mp:wb {q}");
        let q = if q.contains("channel:") {
            q
        } else {
            format!("{q} channel:review")
        };
        same_items(&both, &["search", &q, "--json", "--limit", "5000"])
    };
    let prefix = search("кач");
    let (_, out, _) = both.pg(&["search", "mp:wb кач channel:review", "--json"]);
    assert!(
        out.to_lowercase().contains("качество"),
        "«кач» finds «качество»: {out}"
    );
    let whole = search("качество");
    assert!(!whole.is_empty() && whole.len() < prefix.len(), "{whole:?}");
    for query in [
        "КАЧ",
        "ка",
        "плед",
        "\"мягкий плед\"",
        "спасибо товар",
        "channel:question кач",
        "channel:question ка",
        "channel:review rating:<=2 кач",
        "product:плед",
        "customer:ан",
        "answered:no размер",
        "ёлка",
        "x'; DROP TABLE interactions; --",
    ] {
        search(query);
    }
    let listed = same_items(
        &both,
        &[
            "list",
            "--query",
            "mp:wb channel:question кач",
            "--json",
            "--limit",
            "5000",
        ],
    );
    assert!(listed.len() <= prefix.len());
    // The trigram index is there and a prefix search can use it.
    let mut db = both.pg.superuser(DATABASE);
    let indexed: bool = db
        .query_one("SELECT to_regclass('interactions_words') IS NOT NULL", &[])
        .unwrap()
        .get(0);
    assert!(indexed, "migration 006 built the trigram index");
}

#[test]
fn an_owner_who_may_not_create_pg_trgm_searches_by_scanning_until_a_superuser_does() {
    let Some(pg) = PgCluster::start() else {
        return;
    };
    // The owner has CREATEROLE (to add people) but no CREATE on the database: it may not
    // create extensions, not even trusted ones.
    let mut su = pg.superuser(DATABASE);
    su.batch_execute(
        "CREATE ROLE shop_owner LOGIN CREATEROLE;
         GRANT ALL ON SCHEMA public TO shop_owner;",
    )
    .unwrap();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let sim = common::process_simulator(&runtime, "parity-trgm", 7, 0);
    let (dir, config) = (sim.dir.path(), sim.config.display().to_string());
    let url = pg.url_as("shop_owner");
    let sync = ["sync", "--once", "--config", config.as_str()];
    let (code, _, err) = agentiq(dir, Some(&url), &sync);
    assert_eq!(code, 0, "sync as an owner without CREATE: {err}");
    assert!(
        err.contains("CREATE EXTENSION pg_trgm"),
        "says what to do: {err}"
    );
    let (code, out, err) = agentiq(dir, Some(&url), &["search", "кач", "--json"]);
    assert_eq!(code, 0, "{err}");
    assert!(!items(&out).is_empty(), "search works by scanning: {out}");

    su.batch_execute("CREATE EXTENSION pg_trgm").unwrap();
    let (code, _, err) = agentiq(dir, Some(&url), &sync);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("pg_trgm"), "no warning once it exists: {err}");
    let indexed: bool = su
        .query_one("SELECT to_regclass('interactions_words') IS NOT NULL", &[])
        .unwrap()
        .get(0);
    assert!(indexed, "the next sync built the index");
}

fn first_id(out: &str) -> String {
    let row: Value = serde_json::from_str(out.lines().next().expect("a row")).unwrap();
    row["id"].to_string()
}

#[test]
fn an_operator_edits_an_answer_through_the_shared_outbox_and_the_owner_sends_it_once() {
    let Some(both) = Both::start("parity-edit") else {
        return;
    };
    let sync = || {
        let (code, _, err) = both.pg(&["sync", "--once", "--config", &both.config()]);
        assert_eq!(code, 0, "sync --once: {err}");
    };
    let (code, out, err) = both.pg(&FIRST_WB_REVIEW);
    assert_eq!(code, 0, "{err}");
    let id = first_id(&out);
    let (code, _, err) = both.pg(&["reply", &id, "--edit", "Новый текст ответа"]);
    assert_eq!(code, 65, "nothing to edit yet: {err}");
    assert!(err.contains("no answer yet"), "{err}");

    let (code, _, err) = both.pg(&["reply", &id, "Спасибо за отзыв, нам очень приятно!"]);
    assert_eq!(code, 0, "{err}");
    sync();
    let shops: Vec<String> = both
        .pg
        .superuser(DATABASE)
        .query("SELECT name FROM accounts", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let mut add = vec!["team", "add", "anna", "--role", "operator"];
    for shop in &shops {
        add.extend(["--shop", shop.as_str()]);
    }
    let (code, _, err) = both.pg(&add);
    assert_eq!(code, 0, "{err}");

    // An operator edits; nothing is sent from their machine.
    let anna = both.pg.url_as("anna");
    let edited = "Спасибо за отзыв! Рады, что плед подошёл.";
    let as_anna = |args: &[&str]| agentiq(both.dir(), Some(&anna), args);
    let (code, out, err) = as_anna(&["reply", "--json", &id, "--edit", edited]);
    assert_eq!(code, 0, "{err}");
    let queued: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(
        (queued["edit"].as_bool(), queued["queued"].as_bool()),
        (Some(true), Some(true))
    );
    assert!(
        both.sim.sim.sim.report().edits.is_empty(),
        "queued, not sent"
    );
    let (code, _, err) = as_anna(&["reply", &id, "--edit", "Ещё одна правка ответа"]);
    assert_eq!(code, 65, "one edit on its way already: {err}");

    sync();
    sync();
    let report = both.sim.sim.sim.report();
    assert_eq!(
        report.edits.len(),
        1,
        "sent exactly once: {:?}",
        report.edits
    );
    assert_eq!(report.edits[0].text, edited);
    let (code, out, err) = as_anna(&["show", "--json", &id]);
    assert_eq!(code, 0, "{err}");
    let shown: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(shown["answer"], edited, "{out}");
    assert_eq!(shown["state"], "answered");
    let edit_rows: Vec<&Value> = shown["outbox"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["text"] == edited)
        .collect();
    assert_eq!(edit_rows.len(), 1);
    assert_eq!(edit_rows[0]["state"], "visible");

    // The one edit is spent; an Ozon item has no edit at all.
    let (code, _, err) = as_anna(&["reply", &id, "--edit", "Третий вариант ответа"]);
    assert_eq!(code, 65, "{err}");
    assert!(err.contains("once"), "{err}");
    let (_, out, _) = both.pg(&["list", "--json", "--marketplace", "ozon", "--limit", "1"]);
    let (code, _, err) = both.pg(&["reply", &first_id(&out), "--edit", "Правка"]);
    assert_eq!(code, 65, "{err}");
    assert_eq!(
        both.sim.sim.sim.report().edits.len(),
        1,
        "nothing more went to WB"
    );
}

/// The first open WB review of the queue, as one JSON line.
const FIRST_WB_REVIEW: [&str; 8] = [
    "list",
    "--json",
    "--marketplace",
    "wb",
    "--channel",
    "review",
    "--limit",
    "1",
];

/// The keys of a JSON object.
fn keys(value: &Value) -> BTreeSet<String> {
    value.as_object().unwrap().keys().cloned().collect()
}

#[test]
fn drafts_on_postgresql_have_sqlites_keys_and_reply_draft_queues_the_draft() {
    let Some(both) = Both::start("parity-draft") else {
        return;
    };
    let list = FIRST_WB_REVIEW;
    let (_, pg_out, _) = both.pg(&list);
    let (_, lite_out, _) = both.sqlite(&list);
    let (pg_id, lite_id) = (first_id(&pg_out), first_id(&lite_out));
    let (code, pg_draft, err) = both.pg(&["draft", &pg_id, "--json"]);
    assert_eq!(code, 0, "{err}");
    let (code, lite_draft, err) = both.sqlite(&["draft", &lite_id, "--json"]);
    assert_eq!(code, 0, "{err}");
    let (pg_draft, lite_draft): (Value, Value) = (
        serde_json::from_str(pg_draft.trim()).unwrap(),
        serde_json::from_str(lite_draft.trim()).unwrap(),
    );
    assert_eq!(
        keys(&pg_draft),
        keys(&lite_draft),
        "{pg_draft}\n{lite_draft}"
    );
    assert!(!pg_draft["text"].as_str().unwrap().is_empty());
    let (code, _, err) = both.pg(&["draft", "999999"]);
    assert_eq!(code, 65, "no such item: {err}");

    // reply --draft sends that draft, through the shared outbox, with where it came from.
    let (code, out, err) = both.pg(&["reply", &pg_id, "--draft", "--json"]);
    assert_eq!(code, 0, "{err}");
    let queued: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(queued["queued"], true, "{out}");
    let row = both
        .pg
        .superuser(DATABASE)
        .query_one(
            "SELECT text, draft_source, draft_text, edit_distance FROM outbox WHERE id = $1",
            &[&queued["outbox_id"].as_i64().unwrap()],
        )
        .unwrap();
    let text: String = row.get(0);
    assert_eq!(text, pg_draft["text"].as_str().unwrap());
    assert_eq!(
        row.get::<_, Option<String>>(1).as_deref(),
        pg_draft["source"].as_str()
    );
    assert_eq!(row.get::<_, Option<String>>(2), Some(text));
    assert_eq!(row.get::<_, Option<f64>>(3), Some(0.0));
}

/// The export's records without the columns the stores fill differently: `id` (each
/// store numbers its own), `intent` and `sentiment` (the shared store does not classify),
/// the SLA tier, deadline and outcome (which follow the intent on SQLite, the shipped
/// default policy on PostgreSQL), `product_name` (Ozon's comes from product cards, which
/// the shared store does not keep); and of the reply each store sent (seconds apart),
/// its time, the distance from its draft (SQLite's draft knows the intent) and the
/// draft's prompt version (not kept in the shared outbox). See docs/team.md.
fn export_records(out: &str) -> (Vec<String>, BTreeSet<Vec<String>>) {
    let mut reader = csv::Reader::from_reader(out.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let skip = [
        "id",
        "intent",
        "sentiment",
        "product_name",
        "sla_tier",
        "due_at",
        "sla_outcome",
        "first_answered_at",
        "answer_minutes",
        "edit_distance",
        "version",
    ];
    let keep: Vec<usize> = (0..header.len())
        .filter(|&i| !skip.contains(&header[i].as_str()))
        .collect();
    let records = reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            keep.iter().map(|&i| r[i].to_string()).collect()
        })
        .collect();
    (header, records)
}

#[test]
fn export_interactions_on_postgresql_writes_what_sqlite_writes() {
    let Some(both) = Both::start("parity-export") else {
        return;
    };
    // One reply delivered on each store, so the reply columns are filled too.
    let list = FIRST_WB_REVIEW;
    for (url, run) in [(Some(both.pg.url()), 0), (None, 1)] {
        let dir = both.dir();
        let (_, out, _) = agentiq(dir, url.as_deref(), &list);
        let reply = [
            "reply",
            &first_id(&out),
            "Спасибо за отзыв, нам очень приятно!",
        ];
        let (code, _, err) = agentiq(dir, url.as_deref(), &reply);
        assert_eq!(code, 0, "reply on store {run}: {err}");
        let sync = ["sync", "--once", "--config", &both.config()];
        let (code, _, err) = agentiq(dir, url.as_deref(), &sync);
        assert_eq!(code, 0, "{err}");
    }
    let args = ["export", "interactions", "--from", "2000-01-01"];
    let (code, pg_out, err) = both.pg(&args);
    assert_eq!(code, 0, "{err}");
    let (code, lite_out, err) = both.sqlite(&args);
    assert_eq!(code, 0, "{err}");
    let (pg_header, pg_rows) = export_records(&pg_out);
    let (lite_header, lite_rows) = export_records(&lite_out);
    assert_eq!(pg_header, lite_header, "the same columns");
    assert!(pg_rows.len() > 50, "{pg_out}");
    let only_pg: Vec<_> = pg_rows.difference(&lite_rows).collect();
    let only_lite: Vec<_> = lite_rows.difference(&pg_rows).collect();
    assert!(
        only_pg.is_empty() && only_lite.is_empty(),
        "only on PostgreSQL {only_pg:?}\nonly on SQLite {only_lite:?}"
    );
    let replied = pg_rows
        .iter()
        .filter(|r| r.iter().any(|c| c == "human"))
        .count();
    assert_eq!(
        replied, 1,
        "the reply (to the same item on each store) is in the export"
    );

    // The filters and the Excel flavour, as on SQLite.
    let wb = [
        "export",
        "interactions",
        "--from",
        "2000-01-01",
        "--marketplace",
        "wb",
        "--excel",
    ];
    let (_, pg_wb, _) = both.pg(&wb);
    let (_, lite_wb, _) = both.sqlite(&wb);
    assert!(pg_wb.starts_with('\u{feff}'));
    assert_eq!(pg_wb.lines().count(), lite_wb.lines().count());
}
