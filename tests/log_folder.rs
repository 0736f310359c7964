//! A log folder that cannot be used is one clear error line and a config exit code, never
//! a panic. Tests run as root in CI, where permissions stop nothing: the folders here
//! cannot be made by anyone (a path under a regular file, a log file name taken by a
//! folder).

use std::process::{Command, Output};

fn agentiq_with_log_dir(home: &std::path::Path, log_dir: &std::path::Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_agentiq"))
        .arg("--config-dir")
        .arg(home.join("config"))
        .arg("--data-dir")
        .arg(home.join("data"))
        .arg("--log-dir")
        .arg(log_dir)
        .args(["keys"])
        .env_remove("AGENTIQ_LOG_DIR")
        .env_remove("RUST_BACKTRACE")
        .output()
        .unwrap()
}

fn assert_one_clear_line(out: &Output, path: &std::path::Path) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(78),
        "config exit code; stderr: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stderr.contains("RUST_BACKTRACE"), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
    assert!(stderr.starts_with("agentiq: "), "{stderr}");
    assert!(stderr.contains(&path.display().to_string()), "{stderr}");
    assert!(out.stdout.is_empty(), "nothing ran");
}

#[test]
fn a_log_folder_under_a_file_is_an_error_not_a_panic() {
    let home = tempfile::tempdir().unwrap();
    let file = home.path().join("file.txt");
    std::fs::write(&file, "not a folder").unwrap();
    let log_dir = file.join("logs");
    let out = agentiq_with_log_dir(home.path(), &log_dir);
    assert_one_clear_line(&out, &log_dir);
}

#[test]
fn a_log_file_that_cannot_be_opened_is_an_error_not_a_panic() {
    let home = tempfile::tempdir().unwrap();
    let log_dir = home.path().join("logs");
    // The daily file's name, taken by folders for every date the run could fall on.
    let today = chrono::Utc::now().date_naive();
    for day in [today.pred_opt().unwrap(), today, today.succ_opt().unwrap()] {
        std::fs::create_dir_all(log_dir.join(format!("agentiq.log.{}", day.format("%Y-%m-%d"))))
            .unwrap();
    }
    let out = agentiq_with_log_dir(home.path(), &log_dir);
    assert_one_clear_line(&out, &log_dir);
}
