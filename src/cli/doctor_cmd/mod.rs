//! `agentiq doctor`: every part of the set-up checked, one line each with ✓/✗ (⚠ for
//! advice) and the fix. Exit 0 only when nothing is ✗: 78 when the configuration or a
//! token is at fault, 69 when something is unavailable (a host, the database, a folder).

use std::path::Path;

use anyhow::Result;
use chrono::Utc;
use serde::Serialize;

use super::exit::{fail, Failure};
use super::out;
use super::probe;
use crate::config::{self, Paths};
use crate::connectors::Credentials;
use crate::tui::Lang;

/// The report's text in its language: `tr!(lang, english, russian)`.
macro_rules! tr {
    ($lang:expr, $en:expr, $ru:expr $(,)?) => {
        if $lang == Lang::Ru {
            String::from($ru)
        } else {
            String::from($en)
        }
    };
}

mod system;
mod token;

use system::{database_check, disk_check, llm_check, log_check, notifications_check};
pub use token::{token_lines, token_lines_in};

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
    pub(in crate::cli) fn ok(check: impl Into<String>, detail: impl Into<String>) -> Line {
        Line {
            status: Mark::Ok,
            check: check.into(),
            detail: detail.into(),
            fix: None,
            config: false,
        }
    }

    pub(in crate::cli) fn warn(
        check: impl Into<String>,
        detail: impl Into<String>,
        fix: impl Into<String>,
    ) -> Line {
        Line {
            status: Mark::Warn,
            fix: Some(fix.into()),
            ..Line::ok(check, detail)
        }
    }

    pub(in crate::cli) fn fail(
        check: impl Into<String>,
        detail: impl Into<String>,
        fix: impl Into<String>,
    ) -> Line {
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
/// The text report is in `lang`; JSON is always English, for scripts.
pub async fn run(paths: &Paths, config_file: &Path, json: bool, lang: Lang) -> Result<()> {
    let lang = if json { Lang::En } else { lang };
    let lines = checks_in(paths, config_file, &|name| std::env::var(name).ok(), lang).await;
    let failed: Vec<&Line> = lines.iter().filter(|l| l.status == Mark::Fail).collect();
    if json {
        let report = serde_json::json!({ "ok": failed.is_empty(), "checks": lines });
        out::line(&serde_json::to_string_pretty(&report)?)?;
    } else {
        let text: String = lines.iter().map(|l| l.text() + "\n").collect();
        out::print(&text)?;
    }
    if failed.is_empty() {
        return Ok(());
    }
    let kind = if failed.iter().any(|l| l.config) {
        Failure::Config
    } else {
        Failure::Unavailable
    };
    Err(fail(
        kind,
        tr!(
            lang,
            format!("{} check(s) failed", failed.len()),
            format!("не пройдено проверок: {}", failed.len())
        ),
    ))
}

/// Every check, in order, in English.
pub async fn checks(
    paths: &Paths,
    config_file: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Vec<Line> {
    checks_in(paths, config_file, env, Lang::En).await
}

/// Every check, in order, in `l`.
pub async fn checks_in(
    paths: &Paths,
    config_file: &Path,
    env: &dyn Fn(&str) -> Option<String>,
    l: Lang,
) -> Vec<Line> {
    let mut lines = Vec::new();
    if let Ok(Some(url)) = config::store_url(config_file, env) {
        lines.push(super::doctor_team::check(&url, l).await);
    }
    let file = config_check(&mut lines, config_file, l);
    if let Some(file) = &file {
        match config::resolve_accounts(config_file, &file.accounts, env) {
            Err(e) => lines.push(
                Line::fail(
                    tr!(l, "accounts", "магазины"),
                    format!("{e:#}"),
                    tr!(
                        l,
                        "give each account its own name",
                        "дайте каждому магазину своё имя"
                    ),
                )
                .of_config(),
            ),
            Ok(setups) => {
                for setup in setups {
                    account_checks(&mut lines, &setup, config_file, l).await;
                }
            }
        }
    }
    lines.push(database_check(&paths.database(), l));
    lines.push(disk_check(&paths.data_dir, l));
    lines.push(log_check(&paths.log_dir, l));
    lines.push(notifications_check(l).await);
    if let Some(llm) = file.as_ref().and_then(|f| f.llm.clone()) {
        lines.push(llm_check(llm, l).await);
    }
    lines
}

/// The config file: it parses and names at least one account; the file when it does.
fn config_check(
    lines: &mut Vec<Line>,
    config_file: &Path,
    l: Lang,
) -> Option<config::file::ConfigFile> {
    let config = tr!(l, "config", "конфигурация");
    match config::file::read(config_file) {
        Ok(Some(file)) if !file.accounts.is_empty() => {
            lines.push(Line::ok(
                config.clone(),
                tr!(
                    l,
                    format!(
                        "{} parses, {} account(s)",
                        config_file.display(),
                        file.accounts.len()
                    ),
                    format!(
                        "{} читается, магазинов: {}",
                        config_file.display(),
                        file.accounts.len()
                    )
                ),
            ));
            Some(file)
        }
        Ok(Some(_)) => {
            lines.push(
                Line::fail(
                    config.clone(),
                    tr!(
                        l,
                        format!("{} has no accounts", config_file.display()),
                        format!("в {} нет магазинов", config_file.display())
                    ),
                    tr!(
                        l,
                        "add one with `agentiq accounts add` (or `agentiq init --force`)",
                        "добавьте магазин: `agentiq accounts add` (или `agentiq init --force`)"
                    ),
                )
                .of_config(),
            );
            None
        }
        Ok(None) => {
            lines.push(
                Line::fail(
                    config.clone(),
                    tr!(
                        l,
                        format!("no config at {}", config_file.display()),
                        format!("нет файла настроек {}", config_file.display())
                    ),
                    tr!(
                        l,
                        "run `agentiq init` (or try `agentiq demo`)",
                        "запустите `agentiq init` (или попробуйте `agentiq demo`)"
                    ),
                )
                .of_config(),
            );
            None
        }
        Err(e) => {
            lines.push(
                Line::fail(
                    config.clone(),
                    format!("{e:#}"),
                    tr!(l, "fix the line named above", "исправьте названную строку"),
                )
                .of_config(),
            );
            None
        }
    }
}

async fn account_checks(
    lines: &mut Vec<Line>,
    setup: &config::AccountSetup,
    config_file: &Path,
    l: Lang,
) {
    let name = &setup.entry.name;
    let (secret, account) = secret_check(setup, config_file, l);
    lines.push(secret);
    let Some(account) = account else {
        return;
    };
    if let Credentials::Wb { token } = &account.credentials {
        lines.extend(token_lines_in(name, token, Utc::now(), l));
    }
    for check in probe::probe(account, super::setup_cmd::PROBE_TIMEOUT).await {
        lines.push(host_line(name, &check, account.marketplace, l));
    }
}

/// Where the account's secret comes from, or why it cannot be had; the account when
/// it can.
fn secret_check<'a>(
    setup: &'a config::AccountSetup,
    config_file: &Path,
    l: Lang,
) -> (Line, Option<&'a crate::connectors::AccountConfig>) {
    let name = &setup.entry.name;
    let secret = tr!(l, format!("{name}: secret"), format!("{name}: секрет"));
    match &setup.config {
        Ok(account) => {
            let source = match setup.entry.secret_var() {
                Some(var) => tr!(l, format!("{var} is set"), format!("{var} задана")),
                None => tr!(
                    l,
                    "in the config file (owner-only)",
                    "в файле настроек (доступ только владельцу)"
                ),
            };
            (Line::ok(secret, source), Some(account))
        }
        Err(problem) => (
            Line::fail(
                secret,
                problem.message(name, config_file, l),
                tr!(
                    l,
                    "then run `agentiq doctor` again",
                    "затем снова запустите `agentiq doctor`"
                ),
            )
            .of_config(),
            None,
        ),
    }
}

/// Whether one of the account's hosts answers; refused credentials are the config's fault.
fn host_line(
    name: &str,
    check: &probe::HostCheck,
    marketplace: crate::domain::Marketplace,
    l: Lang,
) -> Line {
    let what = tr!(
        l,
        format!("{name}: {} host", check.host),
        format!("{name}: хост {}", check.host)
    );
    match check.problem(marketplace) {
        None => Line::ok(
            what,
            tr!(
                l,
                format!("{} answers", check.base_url),
                format!("{} отвечает", check.base_url)
            ),
        ),
        Some(problem) => {
            let refused = matches!(check.answer, probe::Answer::Refused(_));
            let fix = match (refused, l) {
                (true, Lang::En) => {
                    "replace the credentials, then `agentiq accounts test` the account"
                }
                (true, Lang::Ru) => {
                    "замените ключи доступа, затем проверьте магазин: `agentiq accounts test`"
                }
                (false, Lang::En) => {
                    "check the network (or start the simulator), then run `agentiq doctor` again"
                }
                (false, Lang::Ru) => {
                    "проверьте сеть (или запустите симулятор), затем снова `agentiq doctor`"
                }
            };
            let line = Line::fail(what, problem, fix);
            if refused {
                line.of_config()
            } else {
                line
            }
        }
    }
}
