//! `agentiq doctor`: every part of the set-up checked, one line each with ✓/✗ (⚠ for
//! advice) and the fix. Exit 0 only when nothing is ✗: 78 when the configuration or a
//! token is at fault, 69 when something is unavailable (a host, the database, a folder).

use std::path::Path;
use std::time::Duration;

use anyhow::Result;
use chrono::Utc;
use serde::Serialize;

use super::exit::{fail, Failure};
use super::probe;
use crate::config::{self, wb_token, Paths};
use crate::connectors::Credentials;

/// Less free space than this under the data folder is a failure.
pub const MIN_FREE_BYTES: u64 = 200 * 1024 * 1024;
/// A WB token expiring sooner than this is worth a warning.
pub const EXPIRY_WARNING_DAYS: i64 = 14;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mark {
    Ok,
    Warn,
    Fail,
}

#[derive(Debug, Clone, Serialize)]
pub struct Line {
    pub status: Mark,
    pub check: String,
    pub detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
    /// Whether a failure here is the configuration's (78) or availability's (69).
    #[serde(skip)]
    pub config: bool,
}

impl Line {
    fn ok(check: impl Into<String>, detail: impl Into<String>) -> Line {
        Line {
            status: Mark::Ok,
            check: check.into(),
            detail: detail.into(),
            fix: None,
            config: false,
        }
    }

    fn warn(check: impl Into<String>, detail: impl Into<String>, fix: impl Into<String>) -> Line {
        Line {
            status: Mark::Warn,
            fix: Some(fix.into()),
            ..Line::ok(check, detail)
        }
    }

    fn fail(check: impl Into<String>, detail: impl Into<String>, fix: impl Into<String>) -> Line {
        Line {
            status: Mark::Fail,
            fix: Some(fix.into()),
            ..Line::ok(check, detail)
        }
    }

    fn of_config(mut self) -> Line {
        self.config = true;
        self
    }

    pub fn text(&self) -> String {
        let mark = match self.status {
            Mark::Ok => "✓",
            Mark::Warn => "⚠",
            Mark::Fail => "✗",
        };
        match &self.fix {
            Some(fix) => format!("{mark} {}: {} — {fix}", self.check, self.detail),
            None => format!("{mark} {}: {}", self.check, self.detail),
        }
    }
}

/// Runs every check and prints the report; the error carries the exit code.
pub async fn run(paths: &Paths, config_file: &Path, json: bool) -> Result<()> {
    let lines = checks(paths, config_file, &|name| std::env::var(name).ok()).await;
    let failed: Vec<&Line> = lines.iter().filter(|l| l.status == Mark::Fail).collect();
    if json {
        let report = serde_json::json!({ "ok": failed.is_empty(), "checks": lines });
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        for line in &lines {
            println!("{}", line.text());
        }
    }
    if failed.is_empty() {
        return Ok(());
    }
    let kind = if failed.iter().any(|l| l.config) {
        Failure::Config
    } else {
        Failure::Unavailable
    };
    Err(fail(kind, format!("{} check(s) failed", failed.len())))
}

/// Every check, in order.
pub async fn checks(
    paths: &Paths,
    config_file: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Vec<Line> {
    let mut lines = Vec::new();
    let file = match config::file::read(config_file) {
        Ok(Some(file)) if !file.accounts.is_empty() => {
            lines.push(Line::ok(
                "config",
                format!(
                    "{} parses, {} account(s)",
                    config_file.display(),
                    file.accounts.len()
                ),
            ));
            Some(file)
        }
        Ok(Some(_)) => {
            lines.push(
                Line::fail(
                    "config",
                    format!("{} has no accounts", config_file.display()),
                    "add one with `agentiq accounts add` (or `agentiq init --force`)",
                )
                .of_config(),
            );
            None
        }
        Ok(None) => {
            lines.push(
                Line::fail(
                    "config",
                    format!("no config at {}", config_file.display()),
                    "run `agentiq init` (or try `agentiq demo`)",
                )
                .of_config(),
            );
            None
        }
        Err(e) => {
            lines.push(
                Line::fail("config", format!("{e:#}"), "fix the line named above").of_config(),
            );
            None
        }
    };
    if let Some(file) = &file {
        match config::resolve_accounts(config_file, &file.accounts, env) {
            Err(e) => lines.push(
                Line::fail(
                    "accounts",
                    format!("{e:#}"),
                    "give each account its own name",
                )
                .of_config(),
            ),
            Ok(setups) => {
                for setup in setups {
                    account_checks(&mut lines, &setup, config_file).await;
                }
            }
        }
    }
    lines.push(database_check(&paths.database()));
    lines.push(disk_check(&paths.data_dir));
    lines.push(log_check(&paths.log_dir));
    lines.push(notifications_check().await);
    if let Some(llm) = file.as_ref().and_then(|f| f.llm.clone()) {
        lines.push(llm_check(llm).await);
    }
    lines
}

async fn account_checks(lines: &mut Vec<Line>, setup: &config::AccountSetup, config_file: &Path) {
    let name = &setup.entry.name;
    let account = match &setup.config {
        Ok(account) => {
            let source = match setup.entry.secret_var() {
                Some(var) => format!("{var} is set"),
                None => "in the config file (owner-only)".into(),
            };
            lines.push(Line::ok(format!("{name}: secret"), source));
            account
        }
        Err(problem) => {
            lines.push(
                Line::fail(
                    format!("{name}: secret"),
                    problem.message(name, config_file, crate::tui::Lang::En),
                    "then run `agentiq doctor` again",
                )
                .of_config(),
            );
            return;
        }
    };
    if let Credentials::Wb { token } = &account.credentials {
        lines.extend(token_lines(name, token, Utc::now()));
    }
    for check in probe::probe(account, super::setup_cmd::PROBE_TIMEOUT).await {
        let what = format!("{name}: {} host", check.host);
        lines.push(match check.problem(account.marketplace) {
            None => Line::ok(what, format!("{} answers", check.base_url)),
            Some(problem) => {
                let refused = matches!(check.answer, probe::Answer::Refused(_));
                let fix = if refused {
                    "replace the credentials, then `agentiq accounts test` the account"
                } else {
                    "check the network (or start the simulator), then run `agentiq doctor` again"
                };
                let line = Line::fail(what, problem, fix);
                if refused {
                    line.of_config()
                } else {
                    line
                }
            }
        });
    }
}

/// What the WB token's payload says, read locally: expiry, categories, read-only.
pub fn token_lines(name: &str, token: &str, now: chrono::DateTime<Utc>) -> Vec<Line> {
    let check = format!("{name}: WB token");
    let new_token = "create a token in the seller portal (Settings → API access) with \
                     \"Вопросы и отзывы\", \"Чат с покупателями\" and \"Контент\", not read-only";
    let info = match wb_token::decode(token) {
        Ok(info) => info,
        Err(e) => return vec![Line::fail(check, e.to_string(), new_token).of_config()],
    };
    let mut out = Vec::new();
    match info.expires {
        Some(at) if at <= now => out.push(
            Line::fail(
                check.clone(),
                format!("expired on {}", at.format("%Y-%m-%d")),
                new_token,
            )
            .of_config(),
        ),
        Some(at) if at - now < chrono::Duration::days(EXPIRY_WARNING_DAYS) => out.push(Line::warn(
            check.clone(),
            format!(
                "expires on {} ({} days)",
                at.format("%Y-%m-%d"),
                (at - now).num_days()
            ),
            "create a new token before then",
        )),
        Some(at) => out.push(Line::ok(
            check.clone(),
            format!(
                "expires on {} ({} days)",
                at.format("%Y-%m-%d"),
                (at - now).num_days()
            ),
        )),
        None => out.push(Line::warn(
            check.clone(),
            "no expiry in the token",
            new_token,
        )),
    }
    let missing: Vec<&str> = [
        wb_token::Category::FeedbacksQuestions,
        wb_token::Category::BuyerChat,
    ]
    .into_iter()
    .filter(|c| !info.grants(*c))
    .map(|c| c.portal_name())
    .collect();
    let categories = format!("{name}: token categories");
    if missing.is_empty() {
        out.push(Line::ok(
            categories.clone(),
            "\"Вопросы и отзывы\" and \"Чат с покупателями\" granted",
        ));
    } else {
        out.push(
            Line::fail(
                categories.clone(),
                format!("lacks {}", quoted(&missing)),
                new_token,
            )
            .of_config(),
        );
    }
    if !info.grants(wb_token::Category::Content) {
        out.push(Line::warn(
            categories,
            "lacks \"Контент\": drafts go without your product cards",
            "add \"Контент\" when you next create the token",
        ));
    }
    if info.read_only() {
        out.push(
            Line::fail(
                format!("{name}: token access"),
                "read-only: replies cannot be sent",
                new_token,
            )
            .of_config(),
        );
    } else {
        out.push(Line::ok(format!("{name}: token access"), "read and write"));
    }
    out
}

fn quoted(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("\"{n}\""))
        .collect::<Vec<_>>()
        .join(" and ")
}

/// Opens the database read-only: it opens, its schema is current, `quick_check` passes.
/// A missing database is fine: the first run creates it.
fn database_check(path: &Path) -> Line {
    let check = "database";
    if !path.exists() {
        return Line::ok(
            check,
            format!("{} will be created on the first run", path.display()),
        );
    }
    let result = (|| -> Result<(i64, i64, String)> {
        let conn = rusqlite::Connection::open_with_flags(
            path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )?;
        conn.busy_timeout(Duration::from_secs(5))?;
        let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        let quick: String = conn.query_row("PRAGMA quick_check", [], |r| r.get(0))?;
        let mut fresh = rusqlite::Connection::open_in_memory()?;
        crate::store::schema::migrate(&mut fresh)?;
        let latest: i64 = fresh.pragma_query_value(None, "user_version", |r| r.get(0))?;
        Ok((version, latest, quick))
    })();
    match result {
        Err(e) => Line::fail(
            check,
            format!("{} cannot be opened: {e:#}", path.display()),
            "check the file's permissions, or restore a copy from backups/ beside it",
        ),
        Ok((_, _, quick)) if quick != "ok" => Line::fail(
            check,
            format!("quick_check: {quick}"),
            "restore the newest copy from backups/ beside the database",
        ),
        Ok((version, latest, _)) if version > latest => Line::fail(
            check,
            format!("schema {version} is newer than this program's {latest}"),
            "run the newer agentiq that wrote it",
        ),
        Ok((version, latest, _)) if version < latest => Line::ok(
            check,
            format!("opens; schema {version} is migrated to {latest} on the next start"),
        ),
        Ok((version, _, _)) => Line::ok(
            check,
            format!(
                "{} opens, schema {version} current, quick_check ok",
                path.display()
            ),
        ),
    }
}

fn disk_check(data_dir: &Path) -> Line {
    // The folder may not exist yet: measure the nearest one that does.
    let existing = data_dir
        .ancestors()
        .find(|p| p.exists())
        .unwrap_or(Path::new("/"));
    match free_bytes(existing) {
        Some(free) if free < MIN_FREE_BYTES => Line::fail(
            "disk",
            format!("{} MB free under {}", free / 1_000_000, existing.display()),
            "free some space (the database and its daily backups live there)",
        ),
        Some(free) => Line::ok(
            "disk",
            format!("{} MB free under {}", free / 1_000_000, existing.display()),
        ),
        None => Line::warn("disk", "free space unknown", "check it yourself (df)"),
    }
}

#[cfg(unix)]
fn free_bytes(path: &Path) -> Option<u64> {
    let stat = nix::sys::statvfs::statvfs(path).ok()?;
    Some(stat.blocks_available() as u64 * stat.fragment_size() as u64)
}

#[cfg(not(unix))]
fn free_bytes(_path: &Path) -> Option<u64> {
    None
}

fn log_check(log_dir: &Path) -> Line {
    let probe = log_dir.join(format!(".doctor-{}", std::process::id()));
    let result = std::fs::create_dir_all(log_dir)
        .and_then(|_| std::fs::write(&probe, b"ok"))
        .and_then(|_| std::fs::remove_file(&probe));
    match result {
        Ok(()) => Line::ok("logs", format!("{} is writable", log_dir.display())),
        Err(e) => Line::fail(
            "logs",
            format!("{} is not writable: {e}", log_dir.display()),
            "fix the folder's permissions or pass --log-dir",
        ),
    }
}

async fn notifications_check() -> Line {
    let server = tokio::time::timeout(
        Duration::from_secs(3),
        tokio::task::spawn_blocking(desktop_server),
    )
    .await;
    match server {
        Ok(Ok(Some(name))) => Line::ok("notifications", format!("desktop ({name})")),
        _ => Line::ok(
            "notifications",
            "no desktop notification service (D-Bus); shown in the inbox's status line instead",
        ),
    }
}

#[cfg(all(unix, not(target_os = "macos")))]
fn desktop_server() -> Option<String> {
    std::env::var_os("DBUS_SESSION_BUS_ADDRESS")?;
    notify_rust::get_server_information().ok().map(|i| i.name)
}

#[cfg(not(all(unix, not(target_os = "macos"))))]
fn desktop_server() -> Option<String> {
    Some("system".into())
}

async fn llm_check(mut llm: crate::ai::llm::LlmConfig) -> Line {
    use crate::ai::llm::{LlmError, LlmProvider};
    let check = "llm";
    llm.max_retries = 0;
    let timeout = llm.timeout;
    let provider = match LlmProvider::new(llm.clone()) {
        Ok(p) => p,
        Err(e) => {
            return Line::fail(
                check,
                e.to_string(),
                "set the variable named by [llm] api_key_env",
            )
            .of_config()
        }
    };
    let request = serde_json::json!({
        "model": llm.model,
        "messages": [{ "role": "user", "content": "ping" }],
        "max_tokens": 1,
    });
    let started = std::time::Instant::now();
    match tokio::time::timeout(
        timeout + Duration::from_secs(1),
        provider.complete(&request),
    )
    .await
    {
        // Any well-formed answer will do; one token may well be empty.
        Ok(Ok(_)) | Ok(Err(LlmError::Empty)) => Line::ok(
            check,
            format!(
                "{} ({}) answered in {} ms",
                llm.endpoint(),
                llm.model,
                started.elapsed().as_millis()
            ),
        ),
        Ok(Err(e @ LlmError::Status(401 | 403))) => Line::fail(
            check,
            format!("{}: {e}", llm.endpoint()),
            "check the API key",
        )
        .of_config(),
        Ok(Err(e)) => Line::fail(
            check,
            format!("{}: {e}", llm.endpoint()),
            "check [llm] base_url and model; drafts fall back to templates meanwhile",
        ),
        Err(_) => Line::fail(
            check,
            format!(
                "{}: no answer within {}s",
                llm.endpoint(),
                timeout.as_secs()
            ),
            "raise [llm] timeout or check the server; drafts fall back to templates meanwhile",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_lines_name_what_is_wrong() {
        let now = Utc::now();
        let good = wb_token::mint_inbox_token(now);
        let lines = token_lines("Дом", &good, now);
        assert!(lines.iter().all(|l| l.status == Mark::Ok), "{lines:?}");
        let expired = wb_token::mint(
            &[
                wb_token::Category::FeedbacksQuestions,
                wb_token::Category::BuyerChat,
            ],
            false,
            now - chrono::Duration::days(3),
        );
        let text: Vec<String> = token_lines("Дом", &expired, now)
            .iter()
            .map(Line::text)
            .collect();
        assert!(
            text.iter()
                .any(|l| l.starts_with("✗ Дом: WB token: expired")),
            "{text:?}"
        );
        let no_chat = wb_token::mint(
            &[wb_token::Category::FeedbacksQuestions],
            true,
            now + chrono::Duration::days(100),
        );
        let text: Vec<String> = token_lines("Дом", &no_chat, now)
            .iter()
            .map(Line::text)
            .collect();
        assert!(
            text.iter()
                .any(|l| l.starts_with("✗ Дом: token categories: lacks \"Чат с покупателями\"")),
            "{text:?}"
        );
        assert!(
            text.iter()
                .any(|l| l.starts_with("✗ Дом: token access: read-only")),
            "{text:?}"
        );
        assert!(
            text.iter()
                .any(|l| l.starts_with("⚠") && l.contains("Контент")),
            "{text:?}"
        );
        let not_jwt = token_lines("Дом", "plain-string", now);
        assert_eq!(not_jwt[0].status, Mark::Fail);
    }

    async fn llm_server(delay: Duration) -> String {
        use axum::routing::post;
        let app = axum::Router::new().route(
            "/v1/chat/completions",
            post(move || async move {
                tokio::time::sleep(delay).await;
                axum::Json(serde_json::json!({
                    "choices": [{ "message": { "role": "assistant", "content": "ok" } }]
                }))
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/v1", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        url
    }

    #[tokio::test]
    async fn the_llm_answers_a_one_token_request_within_its_timeout_or_fails() {
        use crate::ai::llm::LlmConfig;
        let fast = llm_server(Duration::ZERO).await;
        let line = llm_check(LlmConfig::new(fast, "m")).await;
        assert_eq!(line.status, Mark::Ok, "{}", line.text());
        let slow = llm_server(Duration::from_secs(5)).await;
        let mut config = LlmConfig::new(slow, "m");
        config.timeout = Duration::from_millis(200);
        let line = llm_check(config).await;
        assert_eq!(line.status, Mark::Fail, "{}", line.text());
        let mut keyed = LlmConfig::new("http://127.0.0.1:9/v1", "m");
        keyed.api_key_env = Some("AGENTIQ_TEST_SURELY_UNSET_KEY".into());
        let line = llm_check(keyed).await;
        assert!(line.status == Mark::Fail && line.config, "{}", line.text());
    }
}
