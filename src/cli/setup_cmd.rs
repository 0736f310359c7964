//! Setting up: `agentiq init`, `agentiq accounts [add|remove|rename|test]`, and
//! `agentiq doctor` (in `doctor_cmd`). Edits of config.toml keep the user's comments.

use std::collections::BTreeMap;
use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;
use std::time::Duration;

/// The text in the command's language: `tr!(lang, english, russian)`.
macro_rules! tr {
    ($lang:expr, $en:expr, $ru:expr $(,)?) => {
        if $lang == crate::tui::Lang::Ru {
            String::from($ru)
        } else {
            String::from($en)
        }
    };
}

use anyhow::Result;
use clap::{Args, Subcommand};

use super::exit::{fail, Failure};
use super::out;
use super::probe;
use crate::config::{self, edit, wb_token, AccountEntry, Paths};
use crate::connectors::AccountConfig;
use crate::domain::Marketplace;
use crate::store::cli::AccountStats;

/// How long one live check waits for a host.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, Subcommand)]
pub enum SetupCmd {
    /// Write config.toml for your shops; each is checked live first (one read request).
    Init(InitArgs),
    /// List the configured accounts (name, marketplace, token source, last sync, items).
    Accounts {
        #[command(subcommand)]
        action: Option<AccountsCmd>,
    },
    /// Check the set-up, one line each with ✓/✗ and the fix; exit 0 only when all pass.
    Doctor {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum AccountsCmd {
    /// Add an account (checked live first), keeping the file's comments and order.
    Add(AccountSpec),
    /// Remove an account from config.toml (its history stays in the database).
    Remove { name: String },
    /// Rename an account in config.toml and in the database.
    Rename { old: String, new: String },
    /// One cheap read request per API host of the account.
    Test { name: String },
}

/// One or two shops given by flags.
#[derive(Debug, Clone, Default, Args)]
pub struct AccountSpec {
    /// A Wildberries shop with this name.
    #[arg(long, value_name = "NAME", requires = "token_env")]
    pub wb: Option<String>,
    /// The environment variable holding the WB API token.
    #[arg(long, value_name = "VAR")]
    pub token_env: Option<String>,
    /// An Ozon shop with this name.
    #[arg(long, value_name = "NAME", requires_all = ["client_id", "api_key_env"])]
    pub ozon: Option<String>,
    /// The Ozon Client-Id.
    #[arg(long, value_name = "ID")]
    pub client_id: Option<String>,
    /// The environment variable holding the Ozon Api-Key.
    #[arg(long, value_name = "VAR")]
    pub api_key_env: Option<String>,
    /// Send every API host of these accounts to this URL (a simulator, a proxy).
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// Write the secret itself into config.toml (mode 600) instead of the variable's name.
    #[arg(long)]
    pub store_secret: bool,
    /// Save without the live check.
    #[arg(long)]
    pub no_check: bool,
}

#[derive(Debug, Clone, Args)]
pub struct InitArgs {
    #[command(flatten)]
    pub spec: AccountSpec,
    /// Replace an existing config.toml.
    #[arg(long)]
    pub force: bool,
}

/// `lang`: the `--lang` flag (or `AGENTIQ_LANG`); else `[ui] lang` of the config file,
/// else the locale.
pub async fn run(
    cmd: SetupCmd,
    paths: &Paths,
    config_file: &Path,
    lang: Option<&str>,
) -> Result<()> {
    let env = |name: &str| std::env::var(name).ok();
    let flag = lang.filter(|l| !l.trim().is_empty());
    let from_file = match flag {
        Some(_) => None,
        // An unreadable config is what `doctor` reports; here it just has no say.
        None => crate::config::file::read(config_file)
            .ok()
            .flatten()
            .and_then(|f| f.ui.lang),
    };
    let lang = crate::tui::pick_language(flag.or(from_file.as_deref()));
    match cmd {
        SetupCmd::Init(args) => init(&args, config_file, &env, lang).await,
        SetupCmd::Accounts { action: None } => {
            out::print(&list_in(paths, config_file, lang)?)?;
            Ok(())
        }
        SetupCmd::Accounts {
            action: Some(action),
        } => accounts(action, paths, config_file, &env, lang).await,
        SetupCmd::Doctor { json } => super::doctor_cmd::run(paths, config_file, json, lang).await,
    }
}

/// The entries `spec` describes (none when it names no shop).
pub fn entries(
    spec: &AccountSpec,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<AccountEntry>> {
    let hosts = |marketplace: Marketplace| -> BTreeMap<String, String> {
        let names: &[&str] = match marketplace {
            Marketplace::Wb => &["feedbacks", "chat", "content", "cdn"],
            Marketplace::Ozon => &["seller"],
        };
        spec.base_url
            .iter()
            .flat_map(|url| names.iter().map(move |h| (h.to_string(), url.clone())))
            .collect()
    };
    let secret = |var: &str| -> Result<String> {
        env(var).filter(|v| !v.is_empty()).ok_or_else(|| {
            fail(
                Failure::Config,
                format!(
                    "environment variable {var} is not set; export it first (export {var}=...)"
                ),
            )
        })
    };
    let mut out = Vec::new();
    if let (Some(name), Some(var)) = (&spec.wb, &spec.token_env) {
        let stored = spec.store_secret.then(|| secret(var)).transpose()?;
        out.push(AccountEntry {
            name: name.clone(),
            marketplace: Marketplace::Wb,
            token_env: stored.is_none().then(|| var.clone()),
            token: stored,
            client_id: None,
            api_key: None,
            api_key_env: None,
            base_urls: hosts(Marketplace::Wb),
        });
    }
    if let (Some(name), Some(client_id), Some(var)) =
        (&spec.ozon, &spec.client_id, &spec.api_key_env)
    {
        let stored = spec.store_secret.then(|| secret(var)).transpose()?;
        out.push(AccountEntry {
            name: name.clone(),
            marketplace: Marketplace::Ozon,
            token: None,
            token_env: None,
            client_id: Some(client_id.clone()),
            api_key_env: stored.is_none().then(|| var.clone()),
            api_key: stored,
            base_urls: hosts(Marketplace::Ozon),
        });
    }
    Ok(out)
}

/// Resolves each entry's secret and makes one read per host; an error names every
/// account that failed and why. Prints a line per account checked.
pub async fn check_live(
    entries: &[AccountEntry],
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<()> {
    check_live_in(entries, env, crate::tui::Lang::En).await
}

/// [`check_live`] in `l`.
async fn check_live_in(
    entries: &[AccountEntry],
    env: &dyn Fn(&str) -> Option<String>,
    l: crate::tui::Lang,
) -> Result<()> {
    let mut failures = Vec::new();
    for entry in entries {
        let account = resolve(entry, env, l)?;
        if let crate::connectors::Credentials::Wb { token } = &account.credentials {
            for warning in token_warnings(token) {
                let label = tr!(l, "warning", "внимание");
                eprintln!("{}: {label}: {warning}", entry.name);
            }
        }
        let checks = probe::probe(&account, PROBE_TIMEOUT).await;
        let problems: Vec<String> = checks
            .iter()
            .filter_map(|c| c.problem(entry.marketplace))
            .collect();
        if problems.is_empty() {
            let answer = tr!(
                l,
                format!("{} host(s) answer", checks.len()),
                format!("отвечают хосты: {}", checks.len())
            );
            eprintln!("✓ {}: {answer}", entry.name);
        } else {
            for p in &problems {
                eprintln!("✗ {}: {p}", entry.name);
            }
            failures.push(entry.name.clone());
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(fail(
            Failure::Unavailable,
            tr!(
                l,
                format!(
                    "the live check failed for {}; nothing was saved (fix it, or save anyway with --no-check)",
                    failures.join(", ")
                ),
                format!(
                    "проверка не прошла: {}; ничего не сохранено (исправьте или сохраните всё равно с --no-check)",
                    failures.join(", ")
                )
            ),
        ))
    }
}

/// What a WB token's payload says is wrong with it (read locally, as advice).
pub fn token_warnings(token: &str) -> Vec<String> {
    let info = match wb_token::decode(token) {
        Ok(info) => info,
        Err(e) => return vec![format!("the token cannot be read: {e}")],
    };
    let mut out = Vec::new();
    if info.expired(chrono::Utc::now()) {
        out.push("the token has expired; create a new one".into());
    }
    for category in [
        wb_token::Category::FeedbacksQuestions,
        wb_token::Category::BuyerChat,
    ] {
        if !info.grants(category) {
            out.push(format!(
                "the token lacks the category \"{}\"",
                category.portal_name()
            ));
        }
    }
    if info.read_only() {
        out.push("a read-only token cannot send replies".into());
    }
    out
}

fn resolve(
    entry: &AccountEntry,
    env: &dyn Fn(&str) -> Option<String>,
    l: crate::tui::Lang,
) -> Result<AccountConfig> {
    // Not written anywhere yet: an inline secret here is the user's own `--store-secret`.
    config::resolve_entry(entry, true, env).map_err(|problem| {
        fail(
            Failure::Config,
            problem.message(&entry.name, Path::new("config.toml"), l),
        )
    })
}

async fn init(
    args: &InitArgs,
    config_file: &Path,
    env: &dyn Fn(&str) -> Option<String>,
    l: crate::tui::Lang,
) -> Result<()> {
    if config_file.exists() && !args.force {
        return Err(fail(
            Failure::Usage,
            tr!(
                l,
                format!(
                    "{} exists already; add a shop with `agentiq accounts add`, or replace the file with `agentiq init --force`",
                    config_file.display()
                ),
                format!(
                    "{} уже есть; добавьте магазин через `agentiq accounts add` или замените файл: `agentiq init --force`",
                    config_file.display()
                )
            ),
        ));
    }
    let mut spec = args.spec.clone();
    if spec.wb.is_none() && spec.ozon.is_none() {
        if !std::io::stdin().is_terminal() {
            return Err(fail(
                Failure::Usage,
                tr!(
                    l,
                    "no shop given: run `agentiq init` on a terminal to be asked, or pass --wb NAME --token-env VAR / --ozon NAME --client-id ID --api-key-env VAR",
                    "магазин не указан: запустите `agentiq init` в терминале, чтобы ответить на вопросы, или передайте --wb ИМЯ --token-env ПЕРЕМЕННАЯ / --ozon ИМЯ --client-id ID --api-key-env ПЕРЕМЕННАЯ"
                ),
            ));
        }
        spec = ask(spec, l)?;
    }
    let entries = entries(&spec, env)?;
    if !spec.no_check {
        check_live_in(&entries, env, l).await?;
    }
    let mut doc = toml_edit::DocumentMut::new();
    doc.decor_mut().set_prefix(
        "# AgentIQ configuration: docs/configuration.md.\n\
         # Secrets live in environment variables (token_env, api_key_env).\n\n",
    );
    for entry in &entries {
        edit::add_account(&mut doc, entry)?;
    }
    edit::save(config_file, &doc)?;
    let done = tr!(
        l,
        format!(
            "{} written with {} account(s); start the inbox with `agentiq`",
            config_file.display(),
            entries.len()
        ),
        format!(
            "{} записан, магазинов: {}; откройте входящие командой `agentiq`",
            config_file.display(),
            entries.len()
        )
    );
    out::line(&done)?;
    Ok(())
}

/// Asks for one shop on the terminal (plain prompts).
fn ask(mut spec: AccountSpec, l: crate::tui::Lang) -> Result<AccountSpec> {
    let stdin = std::io::stdin();
    let mut lines = stdin.lock().lines();
    let mut prompt = |question: &str, default: &str| -> Result<String> {
        if default.is_empty() {
            out::print(&format!("{question}: "))?;
        } else {
            out::print(&format!("{question} [{default}]: "))?;
        }
        std::io::stdout().flush()?;
        let answer = lines
            .next()
            .transpose()?
            .ok_or_else(|| fail(Failure::Usage, tr!(l, "input ended", "ввод закончился")))?;
        let answer = answer.trim();
        Ok(if answer.is_empty() { default } else { answer }.to_string())
    };
    let marketplace = loop {
        match prompt(
            &tr!(l, "Marketplace (wb or ozon)", "Площадка (wb или ozon)"),
            "wb",
        )?
        .to_ascii_lowercase()
        .as_str()
        {
            "wb" | "wildberries" => break Marketplace::Wb,
            "ozon" => break Marketplace::Ozon,
            other => out::line(&tr!(
                l,
                format!("'{other}': type wb or ozon"),
                format!("«{other}»: введите wb или ozon")
            ))?,
        }
    };
    let name = loop {
        let name = prompt(
            &tr!(
                l,
                "Shop name (as you want to see it)",
                "Название магазина (как вы хотите его видеть)"
            ),
            "",
        )?;
        if !name.is_empty() {
            break name;
        }
    };
    match marketplace {
        Marketplace::Wb => {
            spec.wb = Some(name);
            spec.token_env = Some(prompt(
                &tr!(
                    l,
                    "Environment variable holding the WB API token",
                    "Переменная окружения с токеном API WB"
                ),
                "AGENTIQ_WB_TOKEN",
            )?);
        }
        Marketplace::Ozon => {
            spec.ozon = Some(name);
            spec.client_id = Some(loop {
                let id = prompt("Ozon Client-Id", "")?;
                if !id.is_empty() {
                    break id;
                }
            });
            spec.api_key_env = Some(prompt(
                &tr!(
                    l,
                    "Environment variable holding the Ozon Api-Key",
                    "Переменная окружения с Api-Key Ozon"
                ),
                "AGENTIQ_OZON_API_KEY",
            )?);
        }
    }
    Ok(spec)
}

/// `agentiq accounts`: one line per account.
pub fn list(paths: &Paths, config_file: &Path) -> Result<String> {
    list_in(paths, config_file, crate::tui::Lang::En)
}

/// [`list`] in `l`.
pub fn list_in(paths: &Paths, config_file: &Path, l: crate::tui::Lang) -> Result<String> {
    let file = config::file::read(config_file)?.ok_or_else(|| {
        fail(
            Failure::Config,
            tr!(
                l,
                format!("no config at {}; run `agentiq init`", config_file.display()),
                format!(
                    "нет файла настроек {}; запустите `agentiq init`",
                    config_file.display()
                )
            ),
        )
    })?;
    let stats = account_stats(&paths.database()).unwrap_or_default();
    let never = tr!(l, "never", "не было");
    let mut rows = vec![[
        tr!(l, "NAME", "МАГАЗИН"),
        tr!(l, "MARKETPLACE", "ПЛОЩАДКА"),
        tr!(l, "TOKEN", "ТОКЕН"),
        tr!(l, "LAST SYNC", "СИНХРОНИЗАЦИЯ"),
        tr!(l, "ITEMS", "ОБРАЩЕНИЙ"),
    ]];
    for entry in &file.accounts {
        let (last, items) = stats
            .get(&entry.name)
            .map(|(last, items)| {
                (
                    last.map(|t| {
                        t.with_timezone(&chrono::Local)
                            .format("%Y-%m-%d %H:%M")
                            .to_string()
                    })
                    .unwrap_or_else(|| never.clone()),
                    items.to_string(),
                )
            })
            .unwrap_or_else(|| (never.clone(), "0".into()));
        rows.push([
            entry.name.clone(),
            entry.marketplace.to_string(),
            entry.secret_source(),
            last,
            items,
        ]);
    }
    let widths: Vec<usize> = (0..5)
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for row in rows {
        let line: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, w)| format!("{cell}{}", " ".repeat(w - cell.chars().count())))
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    Ok(out)
}

/// Per account name: its [`AccountStats`].
fn account_stats(database: &Path) -> Result<BTreeMap<String, AccountStats>> {
    if !database.exists() {
        return Ok(BTreeMap::new());
    }
    let conn = rusqlite::Connection::open_with_flags(
        database,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )?;
    crate::store::cli::account_stats(&conn)
}

async fn accounts(
    action: AccountsCmd,
    paths: &Paths,
    config_file: &Path,
    env: &dyn Fn(&str) -> Option<String>,
    l: crate::tui::Lang,
) -> Result<()> {
    match action {
        AccountsCmd::Add(spec) => add_accounts(&spec, config_file, env, l).await,
        AccountsCmd::Remove { name } => remove_account(&name, config_file, l),
        AccountsCmd::Rename { old, new } => rename_account(&old, &new, paths, config_file, l),
        AccountsCmd::Test { name } => test_account(&name, config_file, env, l).await,
    }
}

/// `accounts add`: checks the credentials live (unless `--no-check`), then appends the
/// accounts to the config file.
async fn add_accounts(
    spec: &AccountSpec,
    config_file: &Path,
    env: &dyn Fn(&str) -> Option<String>,
    l: crate::tui::Lang,
) -> Result<()> {
    let entries = entries(spec, env)?;
    if entries.is_empty() {
        return Err(fail(
            Failure::Usage,
            tr!(
                l,
                "give --wb NAME --token-env VAR or --ozon NAME --client-id ID --api-key-env VAR",
                "укажите --wb ИМЯ --token-env ПЕРЕМЕННАЯ или --ozon ИМЯ --client-id ID --api-key-env ПЕРЕМЕННАЯ"
            ),
        ));
    }
    if !spec.no_check {
        check_live_in(&entries, env, l).await?;
    }
    let mut doc = edit::open(config_file)?;
    for entry in &entries {
        edit::add_account(&mut doc, entry)?;
    }
    edit::save(config_file, &doc)?;
    let added = tr!(
        l,
        format!("added to {}", config_file.display()),
        format!("добавлено в {}", config_file.display())
    );
    out::line(&added)?;
    Ok(())
}

/// `accounts remove`: from the config file only; the history stays.
fn remove_account(name: &str, config_file: &Path, l: crate::tui::Lang) -> Result<()> {
    let mut doc = edit::open(config_file)?;
    edit::remove_account(&mut doc, name)?;
    edit::save(config_file, &doc)?;
    let removed = tr!(
        l,
        format!(
            "'{name}' removed from {} (its history stays in the database)",
            config_file.display()
        ),
        format!(
            "«{name}» удалён из {} (его история остаётся в базе)",
            config_file.display()
        )
    );
    out::line(&removed)?;
    Ok(())
}

/// `accounts rename`: in the config file and, when there is one, the database, so the
/// history follows the new name.
fn rename_account(
    old: &str,
    new: &str,
    paths: &Paths,
    config_file: &Path,
    l: crate::tui::Lang,
) -> Result<()> {
    let mut doc = edit::open(config_file)?;
    edit::rename_account(&mut doc, old, new)?;
    let database = paths.database();
    if database.exists() {
        let conn = rusqlite::Connection::open(&database)?;
        conn.busy_timeout(Duration::from_secs(5))?;
        crate::store::cli::rename_account(&conn, old, new).map_err(|e| {
            fail(
                Failure::Data,
                format!(
                    "renaming '{old}' in the database {}: {e}",
                    database.display()
                ),
            )
        })?;
    }
    edit::save(config_file, &doc)?;
    let renamed = tr!(
        l,
        format!("'{old}' is now '{new}'"),
        format!("«{old}» теперь «{new}»")
    );
    out::line(&renamed)?;
    Ok(())
}

/// `accounts test`: probes every host of one configured account; fails when any does
/// not answer.
async fn test_account(
    name: &str,
    config_file: &Path,
    env: &dyn Fn(&str) -> Option<String>,
    l: crate::tui::Lang,
) -> Result<()> {
    let account = configured_account(name, config_file, env, l)?;
    let checks = probe::probe(&account, PROBE_TIMEOUT).await;
    let mut failed = false;
    for check in &checks {
        match check.problem(account.marketplace) {
            None => {
                let answers = tr!(
                    l,
                    format!("{} {} answers", check.host, check.base_url),
                    format!("{} {} отвечает", check.host, check.base_url)
                );
                out::line(&format!("✓ {name}: {answers}"))?;
            }
            Some(problem) => {
                failed = true;
                out::line(&format!("✗ {name}: {problem}"))?;
            }
        }
    }
    if failed {
        return Err(fail(
            Failure::Unavailable,
            tr!(
                l,
                format!("{name}: a host failed the check"),
                format!("{name}: хост не прошёл проверку")
            ),
        ));
    }
    Ok(())
}

/// The account named `name` in the config file, with its credentials resolved.
fn configured_account(
    name: &str,
    config_file: &Path,
    env: &dyn Fn(&str) -> Option<String>,
    l: crate::tui::Lang,
) -> Result<AccountConfig> {
    let file = config::file::read(config_file)?.ok_or_else(|| {
        fail(
            Failure::Config,
            tr!(
                l,
                format!("no config at {}", config_file.display()),
                format!("нет файла настроек {}", config_file.display())
            ),
        )
    })?;
    let entry = file
        .accounts
        .iter()
        .find(|a| a.name == name)
        .ok_or_else(|| {
            fail(
                Failure::Usage,
                tr!(
                    l,
                    format!("no account named '{name}'"),
                    format!("нет магазина «{name}»")
                ),
            )
        })?;
    config::resolve_accounts(config_file, std::slice::from_ref(entry), env)?
        .remove(0)
        .config
        .map_err(|p| fail(Failure::Config, p.message(name, config_file, l)))
}
