//! The scripting commands through the real binary against a store that `agentiq sync
//! --once` filled from the simulator: JSON shapes, exit codes, pipes closed early.

mod common;

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::Value;

/// A simulator process, a config pointing at it and a data folder `sync --once` filled.
struct Synced {
    _runtime: tokio::runtime::Runtime,
    sim: common::ProcessSimulator,
}

impl Synced {
    fn new(name: &str) -> Synced {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let sim = common::process_simulator(&runtime, name, 7, 0);
        let synced = Synced {
            _runtime: runtime,
            sim,
        };
        let config = synced.sim.config.to_str().unwrap().to_string();
        let run = synced.run(&["sync", "--once", "--config", &config]);
        assert_eq!(run.code, 0, "sync --once: {}", run.err);
        synced
    }

    fn dir(&self) -> &Path {
        self.sim.dir.path()
    }

    fn command(&self, args: &[&str]) -> Command {
        command_in(self.dir(), args)
    }

    fn run(&self, args: &[&str]) -> Run {
        run(self.command(args))
    }

    /// Every line of `--json` output, parsed.
    fn json_lines(&self, args: &[&str]) -> Vec<Value> {
        let run = self.run(args);
        assert_eq!(run.code, 0, "{args:?}: {}", run.err);
        run.out
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
            .collect()
    }
}

fn command_in(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_agentiq"));
    cmd.args(args)
        .env("AGENTIQ_DATA_DIR", dir.join("data"))
        .env("AGENTIQ_LOG_DIR", dir.join("logs"))
        .env("AGENTIQ_CONFIG_DIR", dir.join("config"))
        .env_remove("AGENTIQ_LANG")
        .env("LC_ALL", "C")
        .stdin(Stdio::null());
    cmd
}

struct Run {
    code: i32,
    out: String,
    err: String,
}

fn run(mut cmd: Command) -> Run {
    let output = cmd.output().expect("agentiq runs");
    Run {
        code: output.status.code().unwrap_or(-1),
        out: String::from_utf8_lossy(&output.stdout).into_owned(),
        err: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

const ROW_KEYS: [&str; 13] = [
    "id",
    "external_id",
    "account",
    "marketplace",
    "channel",
    "state",
    "rating",
    "intent",
    "created_at",
    "due_at",
    "product",
    "customer",
    "text",
];

fn assert_row(row: &Value) {
    for key in ROW_KEYS {
        assert!(row.get(key).is_some(), "no {key} in {row}");
    }
    assert!(row["id"].as_i64().is_some(), "{row}");
    assert!(row["external_id"].as_str().is_some(), "{row}");
    assert!(["wb", "ozon"].contains(&row["marketplace"].as_str().unwrap()));
}

/// The reading commands share one synced store: a sync takes seconds.
#[test]
fn reading_commands_on_a_synced_store() {
    let s = Synced::new("cli-read");
    list_pages_with_a_cursor_in_the_inbox_order(&s);
    search_uses_the_query_language_newest_first(&s);
    text_output_follows_the_language(&s);
    a_closed_pipe_ends_quietly(&s);
    every_command_ends_quietly_on_a_closed_stdout(&s);
}

fn list_pages_with_a_cursor_in_the_inbox_order(s: &Synced) {
    let all = s.json_lines(&["list", "--json", "--limit", "1000"]);
    assert!(
        all.len() > 10,
        "the demo shops have open items: {}",
        all.len()
    );
    assert!(
        all.last().unwrap().get("next").is_none(),
        "one page holds them all"
    );
    for row in &all {
        assert_row(row);
        assert_eq!(row["state"], "open");
    }
    // Earliest deadline first, as the inbox sorts.
    let due: Vec<&str> = all.iter().map(|r| r["due_at"].as_str().unwrap()).collect();
    let mut sorted = due.clone();
    sorted.sort();
    assert_eq!(due, sorted);

    // Page by page with the cursor: the same rows, none twice.
    let mut paged = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let mut args = vec!["list", "--json", "--limit", "7"];
        if let Some(c) = &after {
            args.extend(["--after", c.as_str()]);
        }
        let lines = s.json_lines(&args);
        after = None;
        for line in lines {
            match line.get("next") {
                Some(next) => after = Some(next.as_str().unwrap().to_string()),
                None => paged.push(line["id"].as_i64().unwrap()),
            }
        }
        if after.is_none() {
            break;
        }
    }
    let ids: Vec<i64> = all.iter().map(|r| r["id"].as_i64().unwrap()).collect();
    assert_eq!(paged, ids);

    // Filters narrow it.
    let reviews = s.json_lines(&["list", "--json", "--channel", "review", "--limit", "1000"]);
    assert!(!reviews.is_empty());
    assert!(reviews.iter().all(|r| r["channel"] == "review"));
    let ozon = s.json_lines(&["list", "--json", "--marketplace", "ozon", "--limit", "1000"]);
    assert!(ozon.iter().all(|r| r["marketplace"] == "ozon"));
    let newest = s.json_lines(&["list", "--json", "--sort", "newest", "--state", "all"]);
    let created: Vec<&str> = newest
        .iter()
        .filter_map(|r| r["created_at"].as_str())
        .collect();
    assert!(created.windows(2).all(|w| w[0] >= w[1]), "{created:?}");

    // Text: one line per item, its id first, never wider than a pipe's 100 columns.
    let text = s.run(&["list", "--limit", "5"]);
    assert_eq!(text.code, 0, "{}", text.err);
    let lines: Vec<&str> = text.out.lines().collect();
    assert_eq!(lines.len(), 6, "5 rows and the next page: {}", text.out);
    for (line, row) in lines[..5].iter().zip(&all) {
        assert!(
            line.trim_start().starts_with(&format!("#{}", row["id"])),
            "{line}"
        );
        assert!(
            unicode_width::UnicodeWidthStr::width(*line) <= 100,
            "{line}"
        );
    }
    assert!(lines[5].contains("--after"), "{}", lines[5]);

    // A cursor of another sort, or none at all, is a usage error.
    let cursor = s.json_lines(&["list", "--json", "--limit", "1"])[1]["next"]
        .as_str()
        .unwrap()
        .to_string();
    let wrong = s.run(&["list", "--sort", "newest", "--after", &cursor]);
    assert_eq!(wrong.code, 64, "{}", wrong.err);
    let junk = s.run(&["list", "--after", "zzz"]);
    assert_eq!(junk.code, 64, "{}", junk.err);
    let state = s.run(&["list", "--state", "closed"]);
    assert_eq!(state.code, 64, "{}", state.err);
    let account = s.run(&["list", "--account", "нет-такого"]);
    assert_eq!(account.code, 64, "{}", account.err);
    assert!(account.err.contains("нет-такого"), "{}", account.err);
}

fn search_uses_the_query_language_newest_first(s: &Synced) {
    let rows = s.json_lines(&["search", "--json", "--limit", "1000", "rating:1-2"]);
    assert!(!rows.is_empty());
    for row in &rows {
        assert_row(row);
        let stars = row["rating"].as_u64().unwrap();
        assert!((1..=2).contains(&stars), "{row}");
    }
    let created: Vec<&str> = rows
        .iter()
        .map(|r| r["created_at"].as_str().unwrap())
        .collect();
    assert!(created.windows(2).all(|w| w[0] >= w[1]), "{created:?}");
    // A word from one item's text finds it.
    let any = s.json_lines(&["list", "--json", "--channel", "review", "--limit", "1"]);
    let word = any[0]["text"]
        .as_str()
        .unwrap()
        .split(|c: char| !c.is_alphabetic())
        .find(|w| w.chars().count() >= 5)
        .expect("a long word")
        .to_string();
    let hits = s.json_lines(&["search", "--json", "--limit", "1000", &word]);
    assert!(hits.iter().any(|h| h["id"] == any[0]["id"]), "{word}");
    let bad = s.run(&["search", "rating:nine"]);
    assert_eq!(bad.code, 64, "{}", bad.err);
    assert!(bad.err.contains("rating"), "{}", bad.err);
}

#[test]
fn show_draft_reply_and_settings_on_one_item() {
    let s = Synced::new("cli-item");
    let first = &s.json_lines(&["list", "--json", "--channel", "review", "--limit", "1"])[0];
    let id = first["id"].as_i64().unwrap().to_string();

    let shown = &s.json_lines(&["show", "--json", &id])[0];
    assert_row(shown);
    for key in [
        "thread", "product", "customer", "draft", "verdict", "outbox", "audit",
    ] {
        assert!(shown.get(key).is_some(), "no {key} in {shown}");
    }
    assert_eq!(shown["text"], first["text"]);
    let missing = s.run(&["show", "999999"]);
    assert_eq!(missing.code, 65, "{}", missing.err);

    let draft = &s.json_lines(&["draft", "--json", &id])[0];
    assert!(!draft["text"].as_str().unwrap().is_empty());
    let confidence = draft["confidence"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&confidence));
    assert!(["template", "reuse", "llm"].contains(&draft["source"].as_str().unwrap()));
    assert!(draft["intent"].as_str().is_some() && draft["findings"].is_array());

    // Blocked: nothing queued, exit 2 as `check`.
    let blocked = s.run(&[
        "reply",
        &id,
        "Я бот, напишите нам в WhatsApp +7 900 123-45-67",
    ]);
    assert_eq!(blocked.code, 2, "{} {}", blocked.out, blocked.err);
    let after_block = &s.json_lines(&["show", "--json", &id])[0];
    assert_eq!(after_block["outbox"].as_array().unwrap().len(), 0);
    let wrong_word = s.run(&["reply", &id, "--override-block", "please", "текст"]);
    assert_eq!(wrong_word.code, 64, "{}", wrong_word.err);

    // Queued with the offered draft, through the outbox the inbox uses.
    let queued = &s.json_lines(&["reply", "--json", &id, "--draft"])[0];
    assert_eq!(queued["queued"], true, "{queued}");
    assert!(queued["outbox_id"].as_i64().is_some());
    let after = &s.json_lines(&["show", "--json", &id])[0];
    let outbox = after["outbox"].as_array().unwrap();
    assert_eq!(outbox.len(), 1);
    assert_eq!(outbox[0]["text"], draft["text"]);
    let pending = s.json_lines(&["list", "--json", "--state", "pending", "--limit", "1000"]);
    assert!(
        pending.iter().any(|r| r["id"] == first["id"]),
        "{pending:?}"
    );

    // Settings: list, get, set with the screen's checks.
    let fields = s.json_lines(&["settings", "list", "--json"]);
    assert!(fields.len() > 10);
    assert!(fields
        .iter()
        .all(|f| f["key"].is_string() && (f["source"] == "default" || f["source"] == "global")));
    let key = fields
        .iter()
        .find(|f| f["value"].is_boolean())
        .expect("a yes/no field")["key"]
        .as_str()
        .unwrap()
        .to_string();
    let before = s.json_lines(&["settings", "get", "--json", &key])[0]["value"]
        .as_bool()
        .unwrap();
    let flipped = if before { "false" } else { "true" };
    let set = &s.json_lines(&["settings", "set", "--json", &key, flipped])[0];
    assert_eq!(set["value"], !before);
    assert_eq!(set["source"], "global");
    let bad = s.run(&["settings", "set", &key, "maybe"]);
    assert_eq!(bad.code, 64, "{}", bad.err);
    assert!(bad.err.contains("yes/no"), "{}", bad.err);
    // A value the section refuses: why, in the UI's language — `[ui] lang` of the
    // config file, unless `--lang` says otherwise.
    std::fs::create_dir_all(s.dir().join("config")).unwrap();
    std::fs::write(s.dir().join("config/config.toml"), "[ui]\nlang = \"ru\"\n").unwrap();
    let bad = s.run(&["settings", "set", &key, "maybe"]);
    assert!(bad.err.contains("нужно да/нет"), "{}", bad.err);
    let late = s.run(&["settings", "set", "sla.urgent.target", "999"]);
    assert_eq!(late.code, 64, "{}", late.err);
    assert!(
        late.err.contains("порог риска 999 мин позже срока 60 мин"),
        "{}",
        late.err
    );
    let late = s.run(&[
        "settings",
        "set",
        "--lang",
        "en",
        "sla.urgent.target",
        "999",
    ]);
    assert_eq!(late.code, 64, "{}", late.err);
    assert!(
        late.err.contains("target 999 min is after deadline 60 min"),
        "{}",
        late.err
    );
    let negative = s.run(&["settings", "set", "sla.urgent.deadline", "-5"]);
    assert_eq!(negative.code, 64, "{}", negative.err);
    assert!(
        negative.err.contains("недопустимое значение: число -5"),
        "{}",
        negative.err
    );
    let unknown = s.run(&["settings", "get", "sla.nothing_here"]);
    assert_eq!(unknown.code, 64, "{}", unknown.err);
}

#[test]
fn draft_for_a_text_reads_the_marketplace_card() {
    let dir = tempfile::tempdir().unwrap();
    let card = dir.path().join("card.json");
    std::fs::write(
        &card,
        r#"{"imt_name": "Плед флисовый 150×200", "nm_id": 146025731, "subj_name": "Пледы",
            "selling": {"brand_name": "Уютный дом"},
            "options": [{"name": "Размер", "value": "150×200 см"}]}"#,
    )
    .unwrap();
    let run = run(command_in(
        dir.path(),
        &[
            "draft",
            "--json",
            "--channel",
            "question",
            "--marketplace",
            "wb",
            "--card",
            card.to_str().unwrap(),
            "Какой размер у пледа?",
        ],
    ));
    assert_eq!(run.code, 0, "{}", run.err);
    let v: Value = serde_json::from_str(run.out.trim()).unwrap();
    assert!(!v["text"].as_str().unwrap().is_empty());
    assert!(v["intent"].is_string() && v["source"].is_string());
    assert!(!dir.path().join("data").exists(), "no store is made");
    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, "{not json").unwrap();
    let bad = run_args(
        dir.path(),
        &[
            "draft",
            "--channel",
            "review",
            "--marketplace",
            "wb",
            "--card",
        ],
        &[broken.to_str().unwrap(), "текст"],
    );
    assert_eq!(bad.code, 65, "{}", bad.err);
    let no_id = run_args(dir.path(), &["draft", "текст"], &[]);
    assert_eq!(no_id.code, 64, "{}", no_id.err);
}

fn run_args(dir: &Path, args: &[&str], more: &[&str]) -> Run {
    let all: Vec<&str> = args.iter().chain(more).copied().collect();
    run(command_in(dir, &all))
}

#[test]
fn exit_codes_follow_the_table() {
    let dir = tempfile::tempdir().unwrap();
    let code = |args: &[&str]| run(command_in(dir.path(), args));
    // clap's own errors are usage errors, help and version are not errors.
    assert_eq!(code(&["list", "--no-such-flag"]).code, 64);
    assert_eq!(code(&["check", "--channel", "email", "ответ"]).code, 64);
    assert_eq!(code(&["frobnicate"]).code, 64);
    assert_eq!(code(&["--help"]).code, 0);
    assert_eq!(code(&["--version"]).code, 0);
    assert_eq!(code(&["list", "--help"]).code, 0);
    let rating = code(&["classify", "--rating", "9", "текст"]);
    assert_eq!(rating.code, 64);
    assert!(rating.err.contains("--rating 9"), "{}", rating.err);
    // No database yet: configuration, with the fix.
    for args in [
        &["list"][..],
        &["metrics"],
        &["show", "1"],
        &["settings", "list"],
    ] {
        let missing = code(args);
        assert_eq!(missing.code, 78, "{args:?}: {}", missing.err);
        assert!(
            missing.err.contains("agentiq sync --once"),
            "{}",
            missing.err
        );
    }
    // A bad date names the value and the form.
    agentiq::store::Store::open(dir.path().join("data").join("agentiq.db")).unwrap();
    let date = code(&["metrics", "--from", "2026-13-01"]);
    assert_eq!(date.code, 64, "{}", date.err);
    assert!(
        date.err.contains("2026-13-01") && date.err.contains("YYYY-MM-DD"),
        "{}",
        date.err
    );
    assert!(!date.err.contains("premature"), "{}", date.err);
    let order = code(&["metrics", "--from", "2026-11-30", "--to", "2026-11-01"]);
    assert_eq!(order.code, 64, "{}", order.err);
}

fn text_output_follows_the_language(s: &Synced) {
    let ru = s.run(&["list", "--lang", "ru", "--limit", "1"]);
    assert!(ru.out.contains("ещё есть"), "{}", ru.out);
    let en = run(s.command(&["list", "--limit", "1"]));
    assert!(en.out.contains("more; next page"), "{}", en.out);
    let mut env_ru = s.command(&["list", "--limit", "1"]);
    env_ru.env("AGENTIQ_LANG", "ru");
    assert!(run(env_ru).out.contains("ещё есть"));
    // JSON keys stay English.
    let json = s.run(&["list", "--json", "--lang", "ru", "--limit", "1"]);
    assert!(json.out.contains("\"due_at\""), "{}", json.out);
}

/// Reads one byte and closes the pipe, as `| head -c 1` does.
fn read_one_byte_and_hang_up(mut cmd: Command) -> (i32, String) {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("agentiq starts");
    let mut stdout = child.stdout.take().unwrap();
    let mut byte = [0u8; 1];
    let _ = stdout.read(&mut byte);
    drop(stdout);
    let output = child.wait_with_output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn a_closed_pipe_ends_quietly(s: &Synced) {
    let commands: [&[&str]; 5] = [
        &["metrics", "--json"],
        &["list", "--json", "--state", "all", "--limit", "1000"],
        &["search", "--limit", "1000", "sort:newest"],
        &["export", "interactions"],
        &["man"],
    ];
    for round in 0..50 {
        let args = commands[round % commands.len()];
        let (code, err) = read_one_byte_and_hang_up(s.command(args));
        assert_eq!(code, 0, "{args:?} round {round}: {err}");
        assert!(err.is_empty(), "{args:?} round {round}: {err}");
    }
}

/// Every command that prints, with its standard output a pipe nobody reads any more (its
/// reading end closed before the command starts): each write fails, and each command
/// still ends with status 0 and nothing on standard error. Unlike `| head -c 1`, this
/// does not depend on which side of the pipe is faster.
fn every_command_ends_quietly_on_a_closed_stdout(s: &Synced) {
    let config = s.sim.config.to_str().unwrap().to_string();
    let first = &s.json_lines(&["list", "--json", "--limit", "1"])[0];
    let id = first["id"].as_i64().unwrap().to_string();
    let account = first["account"].as_str().unwrap().to_string();
    let commands: Vec<Vec<&str>> = vec![
        vec!["list"],
        vec!["list", "--json"],
        vec!["search", "sort:newest"],
        vec!["show", &id],
        vec!["show", "--json", &id],
        vec!["draft", &id],
        vec!["settings", "list"],
        vec!["settings", "get", "sla.urgent.target"],
        vec!["kb", "list"],
        vec!["learnt", "list", "--account", &account],
        vec!["metrics"],
        vec!["metrics", "--by-version"],
        vec!["export", "interactions"],
        vec!["experiment", "status"],
        vec!["autoreply", "status"],
        vec!["accounts", "--config", &config],
        vec!["doctor", "--config", &config],
        vec!["keys"],
        vec!["classify", "Плед линяет"],
        vec!["check", "Спасибо за отзыв!"],
        vec!["completions", "bash"],
        vec!["man"],
        vec!["--help"],
        vec!["--version"],
    ];
    for args in &commands {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let output = s
            .command(args)
            .stdout(writer)
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "{args:?}: {err}");
        assert!(err.is_empty(), "{args:?}: {err}");
    }
}

#[test]
fn completions_generate_for_every_shell() {
    let dir = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let r = run(command_in(dir.path(), &["completions", shell]));
        assert_eq!(r.code, 0, "{shell}: {}", r.err);
        assert!(r.out.contains("agentiq"), "{shell}");
        assert!(
            r.out.contains("search"),
            "{shell}: subcommands are completed"
        );
    }
    let man = run(command_in(dir.path(), &["man"]));
    assert_eq!(man.code, 0);
    assert!(
        man.out.starts_with(".ie") || man.out.contains(".TH"),
        "{}",
        &man.out[..80]
    );
    assert_eq!(
        run(command_in(dir.path(), &["completions", "tcsh"])).code,
        64
    );
}
