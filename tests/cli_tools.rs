//! `agentiq classify` and `agentiq check` from the command line, as scripts use them.

use std::process::Command;

fn agentiq(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_agentiq"))
        .args(args)
        .output()
        .expect("agentiq runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn classify_prints_intent_as_json() {
    let (code, out, _) = agentiq(&[
        "classify",
        "--channel",
        "review",
        "--rating",
        "2",
        "--json",
        "Прислали не тот цвет, заказывала серый",
    ]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(out.trim()).expect("JSON");
    assert_eq!(v["intent"], "wrong_item");
    assert_eq!(v["channel"], "review");
}

#[test]
fn check_exit_codes_follow_the_verdict() {
    let pass = agentiq(&[
        "check",
        "Спасибо за отзыв, Анна! Рады, что плед понравился.",
    ]);
    assert_eq!(pass.0, 0, "{}", pass.1);
    let block = agentiq(&[
        "check",
        "--channel",
        "review",
        "--json",
        "Я бот, напишите нам в WhatsApp +7 900 123-45-67",
    ]);
    assert_eq!(block.0, 2, "{}", block.1);
    let v: serde_json::Value = serde_json::from_str(block.1.trim()).expect("JSON");
    assert_eq!(v["level"], "block");
    assert!(v["findings"].as_array().is_some_and(|f| !f.is_empty()));
}

#[test]
fn bad_arguments_are_named() {
    let (code, _, err) = agentiq(&["classify", "--rating", "9", "текст"]);
    assert_ne!(code, 0);
    assert!(err.contains("rating"), "{err}");
    let (code, _, err) = agentiq(&["check", "--channel", "email", "текст"]);
    assert_ne!(code, 0);
    assert!(err.contains("email"), "{err}");
}

#[test]
fn metrics_and_export_read_the_database() {
    let dir = tempfile::tempdir().unwrap();
    agentiq::store::Store::open(dir.path().join("agentiq.db")).unwrap();
    let data = dir.path().to_str().unwrap();
    let logs = dir.path().join("logs");
    let logs = logs.to_str().unwrap();
    let (code, out, err) = agentiq(&["--data-dir", data, "--log-dir", logs, "metrics", "--json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(out.trim()).expect("JSON");
    assert!(v.to_string().contains("sync"), "{v}");
    let csv = dir.path().join("items.csv");
    let (code, _, err) = agentiq(&[
        "--data-dir",
        data,
        "--log-dir",
        logs,
        "export",
        "interactions",
        "--excel",
        "-o",
        csv.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let bytes = std::fs::read(&csv).unwrap();
    assert!(
        bytes.starts_with(&[0xEF, 0xBB, 0xBF]),
        "Excel wants the UTF-8 BOM"
    );
    let (code, _, err) = agentiq(&[
        "--data-dir",
        "/nonexistent/agentiq",
        "--log-dir",
        logs,
        "metrics",
    ]);
    assert_ne!(code, 0);
    assert!(err.contains("no database"), "{err}");
}
