//! The checks of the machine: the database, the disk, the log folder, desktop
//! notifications and the LLM.

use std::path::Path;
use std::time::Duration;

use anyhow::Result;

use super::{Line, MIN_FREE_BYTES};
use crate::ai::llm::{LlmConfig, LlmError, LlmProvider};
use crate::tui::Lang;

/// Opens the database read-only: it opens, its schema is current, `quick_check` passes.
/// A missing database is fine: the first run creates it.
pub(super) fn database_check(path: &Path, l: Lang) -> Line {
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
    match schema_and_check(path) {
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

/// The database's schema version, this program's, and what `quick_check` says.
fn schema_and_check(path: &Path) -> Result<(i64, i64, String)> {
    let conn =
        rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    conn.busy_timeout(Duration::from_secs(5))?;
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let quick: String = conn.query_row("PRAGMA quick_check", [], |r| r.get(0))?;
    let mut fresh = rusqlite::Connection::open_in_memory()?;
    crate::store::schema::migrate(&mut fresh)?;
    let latest: i64 = fresh.pragma_query_value(None, "user_version", |r| r.get(0))?;
    Ok((version, latest, quick))
}

pub(super) fn disk_check(data_dir: &Path, l: Lang) -> Line {
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

pub(super) fn log_check(log_dir: &Path, l: Lang) -> Line {
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

pub(super) async fn notifications_check(l: Lang) -> Line {
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

pub(super) async fn llm_check(mut llm: LlmConfig, l: Lang) -> Line {
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
    let answer = tokio::time::timeout(
        timeout + Duration::from_secs(1),
        provider.complete(&request),
    )
    .await;
    answer_line(&llm, answer, started.elapsed(), l)
}

/// What the LLM's answer to the ping (or its silence) says about the set-up.
fn answer_line<T>(
    llm: &LlmConfig,
    answer: Result<Result<T, LlmError>, tokio::time::error::Elapsed>,
    elapsed: Duration,
    l: Lang,
) -> Line {
    let check = "llm";
    let timeout = llm.timeout;
    match answer {
        // Any well-formed answer will do; one token may well be empty.
        Ok(Ok(_)) | Ok(Err(LlmError::Empty)) => Line::ok(
            check,
            tr!(
                l,
                format!(
                    "{} ({}) answered in {} ms",
                    llm.endpoint(),
                    llm.model,
                    elapsed.as_millis()
                ),
                format!(
                    "{} ({}) ответила за {} мс",
                    llm.endpoint(),
                    llm.model,
                    elapsed.as_millis()
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
    use super::super::Mark;
    use super::*;

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
