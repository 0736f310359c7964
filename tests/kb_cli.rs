//! The knowledge base through the real binary: `kb import` of the config folder's kb/
//! files into a store `sync --once` filled from the simulator, `kb search`, `kb add`, exit
//! codes, and drafts quoting an entry (a stored item's and one for a given text).

mod common;

use std::path::Path;

use serde_json::Value;

struct Run {
    code: i32,
    out: String,
    err: String,
}

fn run(dir: &Path, args: &[&str]) -> Run {
    let output = common::agentiq_command(dir, args)
        .output()
        .expect("agentiq runs");
    Run {
        code: output.status.code().unwrap_or(-1),
        out: String::from_utf8_lossy(&output.stdout).into_owned(),
        err: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn json_lines(dir: &Path, args: &[&str]) -> Vec<Value> {
    let r = run(dir, args);
    assert_eq!(r.code, 0, "{args:?}: {}", r.err);
    r.out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect()
}

const CARE: &str = "# Уход\n\n## Уход за пледом\nСтирать при 30 °C в деликатном режиме. \
    Не отбеливать. Сушить в расправленном виде.\n\n## Таблица размеров халатов\n\
    | Размер | Обхват груди |\n|---|---|\n| M | 92–96 |\n| L | 100–104 |\n";

#[test]
fn kb_import_search_add_and_drafts_that_quote_an_entry() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let sim = common::process_simulator(&runtime, "kb-cli", 7, 0);
    let dir = sim.dir.path();
    let config = sim.config.to_str().unwrap().to_string();

    // Before the folder exists: a configuration problem.
    let missing = run(dir, &["kb", "import"]);
    assert_eq!(missing.code, 78, "{}", missing.err);

    let synced = run(dir, &["sync", "--once", "--config", &config]);
    assert_eq!(synced.code, 0, "sync --once: {}", synced.err);
    let question = json_lines(
        dir,
        &["list", "--json", "--channel", "question", "--limit", "1"],
    )
    .remove(0);
    let id = question["id"].as_i64().unwrap().to_string();
    let account = question["account"].as_str().unwrap().to_string();
    let asked = question["text"].as_str().unwrap().to_string();

    // The seller's files: a global care file, and an entry for the question's account
    // whose title is the question (as an FAQ holds the questions buyers ask).
    let kb = dir.join("config/kb");
    std::fs::create_dir_all(kb.join(&account)).unwrap();
    std::fs::write(kb.join("care.md"), CARE).unwrap();
    let faq = format!(
        "[[entry]]\nquestion = {}\nanswer = \"Все товары магазина мы проверяем перед отправкой.\"\n",
        toml_string(&asked)
    );
    std::fs::write(kb.join(&account).join("faq.toml"), faq).unwrap();

    let imported = json_lines(dir, &["kb", "import", "--json"]);
    assert_eq!(imported[0]["imported"], 3, "{imported:?}");
    let listed = json_lines(dir, &["kb", "list", "--json"]);
    assert_eq!(listed.len(), 3);
    assert_eq!(listed[2]["account"].as_str(), Some(account.as_str()));
    assert_eq!(
        listed[1]["kind"], "sizes",
        "a heading naming a kind gives it"
    );

    let found = json_lines(dir, &["kb", "search", "--json", "как стирать плед"]);
    assert_eq!(found[0]["title"], "Уход за пледом", "{found:?}");
    assert_eq!(
        found[0]["passage"],
        "Стирать при 30 °C в деликатном режиме. Не отбеливать."
    );
    let sizes = json_lines(dir, &["kb", "search", "--json", "размер халата обхват"]);
    assert!(
        sizes[0]["text"]
            .as_str()
            .unwrap()
            .contains("Размер M: обхват груди 92–96."),
        "{sizes:?}"
    );
    let none = run(dir, &["kb", "search", "--account", "нет такого", "плед"]);
    assert_eq!(none.code, 64, "{}", none.err);

    // The stored question's draft quotes its account's entry and says which one.
    let draft = &json_lines(dir, &["draft", "--json", &id])[0];
    let reasons: Vec<&str> = draft["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        reasons.iter().any(|r| r.starts_with("база знаний: «")),
        "{draft}"
    );
    assert!(
        draft["text"]
            .as_str()
            .unwrap()
            .contains("Все товары магазина мы проверяем перед отправкой."),
        "{draft}"
    );
    assert_eq!(draft["level"], "pass", "{draft}");

    // `kb add` writes the file and imports it; a bad kind is a usage error.
    let added = json_lines(
        dir,
        &[
            "kb",
            "add",
            "--json",
            "--kind",
            "warranty",
            "--title",
            "Гарантия на пледы",
            "Гарантия на пледы — 6 месяцев со дня получения.",
        ],
    );
    assert_eq!(added[0]["imported"], 4);
    assert!(std::fs::read_to_string(kb.join("added.toml"))
        .unwrap()
        .contains("Гарантия на пледы"));
    let bad = run(dir, &["kb", "add", "--kind", "misc", "--title", "x", "y"]);
    assert_eq!(bad.code, 64, "{}", bad.err);
    std::fs::write(kb.join("broken.toml"), "[[entry]\n").unwrap();
    let broken = run(dir, &["kb", "import"]);
    assert_eq!(broken.code, 65, "{}", broken.err);
    assert!(broken.err.contains("broken.toml"), "{}", broken.err);
    std::fs::remove_file(kb.join("broken.toml")).unwrap();

    // A draft for a text with the folder given: the entry that answers it, quoted.
    let free = &json_lines(
        dir,
        &[
            "draft",
            "--json",
            "--channel",
            "question",
            "--marketplace",
            "wb",
            "--kb",
            kb.to_str().unwrap(),
            "Подскажите, как правильно стирать плед?",
        ],
    )[0];
    assert!(
        free["text"]
            .as_str()
            .unwrap()
            .contains("стирать при 30 °C в деликатном режиме"),
        "{free}"
    );
    assert_eq!(
        free["reasons"][0], "база знаний: «Уход за пледом»",
        "{free}"
    );
    let text_out = run(dir, &["kb", "list"]);
    assert!(
        text_out.out.contains("Гарантия на пледы"),
        "{}",
        text_out.out
    );
}

/// A TOML basic string.
fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}
