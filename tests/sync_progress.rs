//! `agentiq sync --once` with standard error not a terminal prints plain lines: one per
//! account and connector, labelled once, with the total the marketplace counted.

mod common;

use std::process::{Command, Stdio};

#[test]
fn sync_once_prints_one_plain_line_per_connector_with_its_total() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let sim = common::process_simulator(&runtime, "progress", 7, 0);
    let dir = sim.dir.path();
    let output = Command::new(env!("CARGO_BIN_EXE_agentiq"))
        .args(["sync", "--once", "--config", sim.config.to_str().unwrap()])
        .env("AGENTIQ_DATA_DIR", dir.join("data"))
        .env("AGENTIQ_LOG_DIR", dir.join("logs"))
        .env("AGENTIQ_CONFIG_DIR", dir.join("config"))
        .stdin(Stdio::null())
        .output()
        .expect("agentiq runs");
    let err = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{err}");
    assert!(
        !err.contains('\r') && !err.contains('\u{1b}'),
        "no terminal control: {err:?}"
    );
    let report = sim.sim.sim.report();
    for account in &report.accounts {
        let counted = [
            ("wb_feedbacks", account.reviews),
            ("ozon_reviews", account.reviews),
            ("wb_questions", account.questions),
            ("ozon_questions", account.questions),
        ];
        for (connector, total) in counted {
            let label = format!("{} {connector}: ", account.name);
            let lines: Vec<&str> = err.lines().filter(|l| l.starts_with(&label)).collect();
            if lines.is_empty() {
                continue; // the other marketplace's connector
            }
            assert_eq!(lines.len(), 1, "{label} labels one line: {lines:?}");
            let total = format!(" / {} items", agentiq::sync::eta::thousands(total as u64));
            assert!(
                lines[0].starts_with(&format!("{label}ok, ")) && lines[0].contains(&total),
                "{:?} carries the count{total:?}",
                lines[0]
            );
        }
    }
    let labelled = err.lines().filter(|l| l.contains(" ok, ")).count();
    assert!(
        labelled >= 6,
        "every connector of both shops reports: {err}"
    );
}
