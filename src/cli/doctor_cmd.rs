//! `agentiq doctor`: every part of the set-up checked, one line each with ✓/✗ (⚠ for
//! advice) and the fix. Exit 0 only when nothing is ✗: 78 when the configuration or a
//! token is at fault, 69 when something is unavailable (a host, the database, a folder).

use std::path::Path;
use std::time::Duration;

use anyhow::Result;
use chrono::Utc;
use serde::Serialize;

use super::exit::{fail, Failure};
use super::out;
use super::probe;
use crate::config::{self, wb_token, Paths};
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
    pub(super) fn ok(check: impl Into<String>, detail: impl Into<String>) -> Line {
        Line {
            status: Mark::Ok,
            check: check.into(),
            detail: detail.into(),
            fix: None,
            config: false,
        }
    }

    pub(super) fn warn(
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

    pub(super) fn fail(
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
    let config = tr!(l, "config", "конфигурация");
    let file = match config::file::read(config_file) {
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
    };
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

async fn account_checks(
    lines: &mut Vec<Line>,
    setup: &config::AccountSetup,
    config_file: &Path,
    l: Lang,
) {
    let name = &setup.entry.name;
    let secret = tr!(l, format!("{name}: secret"), format!("{name}: секрет"));
    let account = match &setup.config {
        Ok(account) => {
            let source = match setup.entry.secret_var() {
                Some(var) => tr!(l, format!("{var} is set"), format!("{var} задана")),
                None => tr!(
                    l,
                    "in the config file (owner-only)",
                    "в файле настроек (доступ только владельцу)"
                ),
            };
            lines.push(Line::ok(secret, source));
            account
        }
        Err(problem) => {
            lines.push(
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
            );
            return;
        }
    };
    if let Credentials::Wb { token } = &account.credentials {
        lines.extend(token_lines_in(name, token, Utc::now(), l));
    }
    for check in probe::probe(account, super::setup_cmd::PROBE_TIMEOUT).await {
        let what = tr!(
            l,
            format!("{name}: {} host", check.host),
            format!("{name}: хост {}", check.host)
        );
        lines.push(match check.problem(account.marketplace) {
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
        });
    }
}

/// What the WB token's payload says, read locally: expiry, categories, read-only.
pub fn token_lines(name: &str, token: &str, now: chrono::DateTime<Utc>) -> Vec<Line> {
    token_lines_in(name, token, now, Lang::En)
}

/// [`token_lines`] in `l`.
pub fn token_lines_in(name: &str, token: &str, now: chrono::DateTime<Utc>, l: Lang) -> Vec<Line> {
    let check = tr!(l, format!("{name}: WB token"), format!("{name}: токен WB"));
    let new_token = tr!(
        l,
        "create a token in the seller portal (Settings → API access) with \
         \"Вопросы и отзывы\", \"Чат с покупателями\" and \"Контент\", not read-only",
        "создайте токен в кабинете продавца (Настройки → Доступ к API) с разделами \
         «Вопросы и отзывы», «Чат с покупателями» и «Контент», не только на чтение"
    );
    let new_token = new_token.as_str();
    let info = match wb_token::decode(token) {
        Ok(info) => info,
        Err(e) => return vec![Line::fail(check, e.to_string(), new_token).of_config()],
    };
    let mut out = Vec::new();
    match info.expires {
        Some(at) if at <= now => out.push(
            Line::fail(
                check.clone(),
                tr!(
                    l,
                    format!("expired on {}", at.format("%Y-%m-%d")),
                    format!("истёк {}", at.format("%Y-%m-%d"))
                ),
                new_token,
            )
            .of_config(),
        ),
        Some(at) if at - now < chrono::Duration::days(EXPIRY_WARNING_DAYS) => out.push(Line::warn(
            check.clone(),
            expires(l, at, now),
            tr!(
                l,
                "create a new token before then",
                "создайте новый токен до этого дня"
            ),
        )),
        Some(at) => out.push(Line::ok(check.clone(), expires(l, at, now))),
        None => out.push(Line::warn(
            check.clone(),
            tr!(l, "no expiry in the token", "в токене нет срока действия"),
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
    let categories = tr!(
        l,
        format!("{name}: token categories"),
        format!("{name}: разделы токена")
    );
    if missing.is_empty() {
        out.push(Line::ok(
            categories.clone(),
            tr!(
                l,
                "\"Вопросы и отзывы\" and \"Чат с покупателями\" granted",
                "«Вопросы и отзывы» и «Чат с покупателями» разрешены"
            ),
        ));
    } else {
        out.push(
            Line::fail(
                categories.clone(),
                tr!(
                    l,
                    format!("lacks {}", quoted(&missing)),
                    format!(
                        "нет раздела {}",
                        quoted(&missing).replace("\" and \"", "\" и \"")
                    )
                ),
                new_token,
            )
            .of_config(),
        );
    }
    if !info.grants(wb_token::Category::Content) {
        out.push(Line::warn(
            categories,
            tr!(
                l,
                "lacks \"Контент\": drafts go without your product cards",
                "нет раздела «Контент»: черновики пишутся без карточек товаров"
            ),
            tr!(
                l,
                "add \"Контент\" when you next create the token",
                "добавьте «Контент», когда будете создавать токен"
            ),
        ));
    }
    let access = tr!(
        l,
        format!("{name}: token access"),
        format!("{name}: доступ токена")
    );
    if info.read_only() {
        out.push(
            Line::fail(
                access,
                tr!(
                    l,
                    "read-only: replies cannot be sent",
                    "только чтение: ответы не отправить"
                ),
                new_token,
            )
            .of_config(),
        );
    } else {
        out.push(Line::ok(
            access,
            tr!(l, "read and write", "чтение и запись"),
        ));
    }
    out
}

fn expires(l: Lang, at: chrono::DateTime<Utc>, now: chrono::DateTime<Utc>) -> String {
    let (date, days) = (at.format("%Y-%m-%d"), (at - now).num_days());
    tr!(
        l,
        format!("expires on {date} ({days} days)"),
        format!("действует до {date} (дней: {days})")
    )
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
fn database_check(path: &Path, l: Lang) -> Line {
    let check = tr!(l, "database", "база данных");
    let check = check.as_str();
    if !path.exists() {
        return Line::ok(
            check,
            tr!(
                l,
                format!("{} will be created on the first run", path.display()),
                format!("{} будет создана при первом запуске", path.display())
            ),
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
            tr!(
                l,
                format!("{} cannot be opened: {e:#}", path.display()),
                format!("{} не открывается: {e:#}", path.display())
            ),
            tr!(
                l,
                "check the file's permissions, or restore a copy from backups/ beside it",
                "проверьте права на файл или восстановите копию из backups/ рядом с ним"
            ),
        ),
        Ok((_, _, quick)) if quick != "ok" => Line::fail(
            check,
            format!("quick_check: {quick}"),
            tr!(
                l,
                "restore the newest copy from backups/ beside the database",
                "восстановите свежую копию из backups/ рядом с базой"
            ),
        ),
        Ok((version, latest, _)) if version > latest => Line::fail(
            check,
            tr!(
                l,
                format!("schema {version} is newer than this program's {latest}"),
                format!("схема {version} новее, чем у этой программы ({latest})")
            ),
            tr!(
                l,
                "run the newer agentiq that wrote it",
                "запустите более новый agentiq, который её записал"
            ),
        ),
        Ok((version, latest, _)) if version < latest => Line::ok(
            check,
            tr!(
                l,
                format!("opens; schema {version} is migrated to {latest} on the next start"),
                format!("открывается; схема {version} обновится до {latest} при следующем запуске")
            ),
        ),
        Ok((version, _, _)) => Line::ok(
            check,
            tr!(
                l,
                format!(
                    "{} opens, schema {version} current, quick_check ok",
                    path.display()
                ),
                format!(
                    "{} открывается, схема {version} актуальна, quick_check ok",
                    path.display()
                )
            ),
        ),
    }
}

fn disk_check(data_dir: &Path, l: Lang) -> Line {
    let disk = tr!(l, "disk", "диск");
    let disk = disk.as_str();
    // The folder may not exist yet: measure the nearest one that does.
    let existing = data_dir
        .ancestors()
        .find(|p| p.exists())
        .unwrap_or(Path::new("/"));
    let free_text = |free: u64| {
        tr!(
            l,
            format!("{} MB free under {}", free / 1_000_000, existing.display()),
            format!("свободно {} МБ в {}", free / 1_000_000, existing.display())
        )
    };
    match free_bytes(existing) {
        Some(free) if free < MIN_FREE_BYTES => Line::fail(
            disk,
            free_text(free),
            tr!(
                l,
                "free some space (the database and its daily backups live there)",
                "освободите место (там база и её ежедневные копии)"
            ),
        ),
        Some(free) => Line::ok(disk, free_text(free)),
        None => Line::warn(
            disk,
            tr!(l, "free space unknown", "свободное место неизвестно"),
            tr!(l, "check it yourself (df)", "проверьте сами (df)"),
        ),
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

fn log_check(log_dir: &Path, l: Lang) -> Line {
    let logs = tr!(l, "logs", "журналы");
    let logs = logs.as_str();
    let probe = log_dir.join(format!(".doctor-{}", std::process::id()));
    let result = std::fs::create_dir_all(log_dir)
        .and_then(|_| std::fs::write(&probe, b"ok"))
        .and_then(|_| std::fs::remove_file(&probe));
    match result {
        Ok(()) => Line::ok(
            logs,
            tr!(
                l,
                format!("{} is writable", log_dir.display()),
                format!("в {} можно писать", log_dir.display())
            ),
        ),
        Err(e) => Line::fail(
            logs,
            tr!(
                l,
                format!("{} is not writable: {e}", log_dir.display()),
                format!("в {} нельзя писать: {e}", log_dir.display())
            ),
            tr!(
                l,
                "fix the folder's permissions or pass --log-dir",
                "исправьте права на папку или укажите --log-dir"
            ),
        ),
    }
}

async fn notifications_check(l: Lang) -> Line {
    let check = tr!(l, "notifications", "уведомления");
    let server = tokio::time::timeout(
        Duration::from_secs(3),
        tokio::task::spawn_blocking(desktop_server),
    )
    .await;
    match server {
        Ok(Ok(Some(name))) => Line::ok(
            check,
            tr!(
                l,
                format!("desktop ({name})"),
                format!("рабочий стол ({name})")
            ),
        ),
        _ => Line::ok(
            check,
            tr!(
                l,
                "no desktop notification service (D-Bus); shown in the inbox's status line instead",
                "нет службы уведомлений (D-Bus); они показываются в строке состояния"
            ),
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

async fn llm_check(mut llm: crate::ai::llm::LlmConfig, l: Lang) -> Line {
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
                tr!(
                    l,
                    "set the variable named by [llm] api_key_env",
                    "задайте переменную, названную в [llm] api_key_env"
                ),
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
            tr!(
                l,
                format!(
                    "{} ({}) answered in {} ms",
                    llm.endpoint(),
                    llm.model,
                    started.elapsed().as_millis()
                ),
                format!(
                    "{} ({}) ответила за {} мс",
                    llm.endpoint(),
                    llm.model,
                    started.elapsed().as_millis()
                )
            ),
        ),
        Ok(Err(e @ LlmError::Status(401 | 403))) => Line::fail(
            check,
            format!("{}: {e}", llm.endpoint()),
            tr!(l, "check the API key", "проверьте ключ API"),
        )
        .of_config(),
        Ok(Err(e)) => Line::fail(
            check,
            format!("{}: {e}", llm.endpoint()),
            tr!(
                l,
                "check [llm] base_url and model; drafts fall back to templates meanwhile",
                "проверьте [llm] base_url и model; пока черновики — из шаблонов"
            ),
        ),
        Err(_) => Line::fail(
            check,
            tr!(
                l,
                format!(
                    "{}: no answer within {}s",
                    llm.endpoint(),
                    timeout.as_secs()
                ),
                format!("{}: нет ответа за {} с", llm.endpoint(), timeout.as_secs())
            ),
            tr!(
                l,
                "raise [llm] timeout or check the server; drafts fall back to templates meanwhile",
                "увеличьте [llm] timeout или проверьте сервер; пока черновики — из шаблонов"
            ),
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
        let line = llm_check(LlmConfig::new(fast, "m"), Lang::En).await;
        assert_eq!(line.status, Mark::Ok, "{}", line.text());
        let slow = llm_server(Duration::from_secs(5)).await;
        let mut config = LlmConfig::new(slow, "m");
        config.timeout = Duration::from_millis(200);
        let line = llm_check(config, Lang::En).await;
        assert_eq!(line.status, Mark::Fail, "{}", line.text());
        let mut keyed = LlmConfig::new("http://127.0.0.1:9/v1", "m");
        keyed.api_key_env = Some("AGENTIQ_TEST_SURELY_UNSET_KEY".into());
        let line = llm_check(keyed, Lang::En).await;
        assert!(line.status == Mark::Fail && line.config, "{}", line.text());
    }
}
