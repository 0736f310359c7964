//! `agentiq`: the inbox on the configured accounts. The one start-up path: `agentiq demo`
//! only starts a simulator, writes a config for it and calls [`run`].
//!
//! ```text
//! config.toml ─► accounts (usable / problem lines) ─► Store (data folder)
//!                                   │                       │
//!                                   ▼                       ▼
//!                          Services::start (sync, outbox, prepare, notify, backup)
//!                                   │ events / commands
//!                                   ▼
//!                          tui::run_with (keymap, theme, language from [ui] + flags)
//! ```

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;
use chrono::Utc;

use crate::cli::exit::{fail, Failure};
use crate::config::{self, ConfigFile, Paths, UiConfig, UiPrefs};
use crate::connectors::AccountConfig;
use crate::runtime::{Clock, ServiceOptions, Services};
use crate::store::Store;
use crate::tui::{self, Lang};

/// The inbox's own flags (`agentiq [--offline] [--poll-secs N]`).
#[derive(Debug, Clone, clap::Args)]
pub struct InboxArgs {
    /// Open on what is stored without touching the network: nothing is synced or sent,
    /// replies wait in the outbox for the next run with the network.
    #[arg(long)]
    pub offline: bool,
    /// Seconds between sync polls.
    #[arg(long, default_value_t = 60)]
    pub poll_secs: u64,
}

/// `--lang`, `--theme`, `--keymap`, for every command.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct UiFlags {
    /// UI language: ru or en (default: [ui] lang in config.toml, else the locale).
    #[arg(long, env = "AGENTIQ_LANG", global = true)]
    pub lang: Option<String>,
    /// Theme: dark, light, high-contrast, or a file name in the config folder's themes/.
    #[arg(long, env = "AGENTIQ_THEME", global = true)]
    pub theme: Option<String>,
    /// Keymap: default, emacs, or a file name in the config folder's keymaps/.
    #[arg(long, env = "AGENTIQ_KEYMAP", global = true)]
    pub keymap: Option<String>,
}

impl UiFlags {
    pub fn as_config(&self) -> UiConfig {
        UiConfig {
            lang: self.lang.clone(),
            theme: self.theme.clone(),
            keymap: self.keymap.clone(),
        }
    }

    /// The preferences in effect: these flags over `[ui]` of the config file at `path`
    /// (which must parse) over the defaults.
    pub fn prefs(&self, config_file: &Path) -> Result<UiPrefs> {
        let file = config::file::read(config_file)?;
        Ok(UiPrefs::resolve(
            &self.as_config(),
            file.as_ref().map(|f| &f.ui),
        ))
    }
}

/// Everything the inbox starts from.
#[derive(Debug, Clone)]
pub struct Inbox {
    /// Keymaps and themes from `config_dir`, the database in `data_dir`.
    pub paths: Paths,
    /// The accounts and preferences.
    pub config_file: PathBuf,
    pub ui: UiConfig,
    pub offline: bool,
    pub poll_every: Duration,
}

impl Inbox {
    pub fn new(paths: Paths, config_file: PathBuf, ui: UiConfig, args: &InboxArgs) -> Inbox {
        Inbox {
            paths,
            config_file,
            ui,
            offline: args.offline,
            poll_every: Duration::from_secs(args.poll_secs.max(1)),
        }
    }
}

/// What the config gives the inbox: the accounts it can use, one line per account it
/// cannot (in the UI's language), and the preferences.
pub struct Setup {
    pub file: ConfigFile,
    pub prefs: UiPrefs,
    pub lang: Lang,
    pub accounts: Vec<AccountConfig>,
    pub problems: Vec<String>,
    /// Team mode: the shared PostgreSQL database the inbox mirrors (`[store] url` or
    /// `AGENTIQ_DATABASE_URL`).
    pub shared: Option<String>,
}

/// Reads and checks the config. No file, or a file without accounts, is the first run:
/// an error (exit 78) that says what is missing and the two ways forward.
pub fn setup(inbox: &Inbox, env: &dyn Fn(&str) -> Option<String>) -> Result<Setup> {
    let file = config::file::read(&inbox.config_file)?;
    let prefs = UiPrefs::resolve(&inbox.ui, file.as_ref().map(|f| &f.ui));
    let lang = prefs.language();
    let shared = config::store_url(&inbox.config_file, env)?;
    let file = match file {
        Some(file) if !file.accounts.is_empty() => file,
        // An operator's machine holds no shops of its own: the shared database has them.
        Some(file) if shared.is_some() => file,
        None if shared.is_some() => ConfigFile::default(),
        _ => return Err(fail(Failure::Config, first_run(&inbox.config_file, lang))),
    };
    let mut accounts = Vec::new();
    let mut problems = Vec::new();
    if file.accounts.is_empty() {
        return Ok(Setup {
            file,
            prefs,
            lang,
            accounts,
            problems,
            shared,
        });
    }
    let mut setups = config::resolve_accounts(&inbox.config_file, &file.accounts, env)?;
    config::accounts::with_network(&mut setups, &file.network.retry_policy(&inbox.config_file)?);
    for account in setups {
        match account.config {
            Ok(config) => accounts.push(config),
            Err(problem) => {
                problems.push(problem.message(&account.entry.name, &inbox.config_file, lang))
            }
        }
    }
    Ok(Setup {
        file,
        prefs,
        lang,
        accounts,
        problems,
        shared,
    })
}

/// The first-run explanation: what is missing and the two ways forward.
pub fn first_run(config_file: &Path, lang: Lang) -> String {
    let file = config_file.display();
    match lang {
        Lang::Ru => format!(
            "нет настроенных магазинов ({file}).\n\n\
             Два пути:\n  \
             agentiq init    подключить свой магазин WB или Ozon: спросит название, переменную\n                  \
             окружения с токеном API и проверит доступ\n  \
             agentiq demo    попробовать на демо-магазинах, без аккаунта\n\n\
             Или напишите config.toml сами: docs/configuration.md."
        ),
        Lang::En => format!(
            "no shops are configured ({file}).\n\n\
             Two ways forward:\n  \
             agentiq init    connect your WB or Ozon shop: asks for its name and the environment\n                  \
             variable holding the API token, and checks access\n  \
             agentiq demo    try it on demo shops, no account needed\n\n\
             Or write config.toml yourself: docs/configuration.md."
        ),
    }
}

/// Opens the database, or says in one line why not and what to do.
pub fn open_store(path: &Path, lang: Lang) -> Result<Store> {
    Store::open(path).map_err(|e| {
        let cause = format!("{e:#}");
        fail(
            Failure::Unavailable,
            match lang {
                Lang::Ru => format!(
                    "база данных {} не открывается: {cause} — проверьте права на папку и место на диске, или укажите другую папку (--data-dir)",
                    path.display()
                ),
                Lang::En => format!(
                    "the database {} cannot be opened: {cause} — check the folder's permissions and free disk space, or choose another folder (--data-dir)",
                    path.display()
                ),
            },
        )
    })
}

/// Runs the inbox until the user quits.
/// The configured LLM when it can be used (not offline, a provider made from it); why
/// not goes to the configuration problems.
fn usable_llm(
    llm: Option<&crate::ai::llm::LlmConfig>,
    offline: bool,
    problems: &mut Vec<String>,
) -> Option<crate::ai::llm::LlmConfig> {
    let llm = llm.filter(|_| !offline)?;
    match crate::runtime::provider_for(Some(llm)) {
        Ok(_) => Some(llm.clone()),
        Err(e) => {
            problems.push(format!("[llm]: {e:#}"));
            None
        }
    }
}

pub async fn run(inbox: Inbox) -> Result<()> {
    let Setup {
        file,
        prefs,
        lang,
        accounts,
        mut problems,
        shared,
    } = setup(&inbox, &|name| std::env::var(name).ok())?;
    // In team mode the owner's `sync --daemon` syncs and sends; this inbox only mirrors.
    let accounts = if shared.is_some() {
        Vec::new()
    } else {
        accounts
    };
    let store = open_store(&inbox.paths.database(), lang)?;
    let llm = usable_llm(file.llm.as_ref(), inbox.offline, &mut problems);
    for problem in &problems {
        tracing::warn!(problem, "configuration problem");
    }
    let clock: Clock = Arc::new(Utc::now);
    let services = Services::start(
        &store,
        &accounts,
        ServiceOptions {
            poll_every: inbox.poll_every,
            clock: clock.clone(),
            notify_lang: match lang {
                Lang::Ru => crate::notify::Lang::Ru,
                Lang::En => crate::notify::Lang::En,
            },
            llm,
            offline: inbox.offline,
            kind: crate::store::ProcessKind::Inbox,
            prompts: Some(super::experiment_cmd::prompts_folder(&inbox.paths)),
        },
    )
    .await?;
    let Services {
        events,
        commands,
        writer,
        guard: _guard,
    } = services;
    let (events, commands, _team) = match &shared {
        Some(url) => {
            let team = super::team_inbox::join(url, store.clone(), writer, events, commands)?;
            (team.events, team.commands, Some(team.guard))
        }
        None => (events, commands, None),
    };
    let (keymap, keymap_problem) = tui::load_keymap(&inbox.paths.config_dir, &prefs.keymap);
    let (theme, theme_problem) = tui::load_theme(&inbox.paths.config_dir, &prefs.theme);
    problems.extend([keymap_problem, theme_problem].into_iter().flatten());
    let ctx = tui::TuiContext {
        store: store.clone(),
        events,
        commands,
        keymap,
        theme,
        clock,
    };
    tui::run_with(
        ctx,
        tui::TuiOptions {
            lang,
            config_problems: problems,
            templates: Some(ai_templates(store)),
        },
    )
    .await
}

/// The seller's templates for the editor's picker (`Ctrl-T`), filled for the open item:
/// those edited in settings for its account, else the shipped ones. Read when the picker
/// opens, so an edit applies at once.
fn ai_templates(store: Store) -> tui::templates::TemplateSource {
    use crate::ai::templates::{fill, Vars};
    use crate::ai::{Intent, TemplateSet};
    use tui::templates::{Template, TemplateSource};
    TemplateSource::new(move |item, _| {
        let stored = store
            .reader()
            .and_then(|r| crate::settings::editable::load_templates(&r, Some(item.account_id)))
            .unwrap_or_else(|e| {
                tracing::warn!(error = %format!("{e:#}"), "stored templates unusable; using the shipped ones");
                None
            });
        let set = stored.as_ref().unwrap_or_else(|| TemplateSet::defaults());
        let vars = Vars {
            name: item.customer_name.clone(),
            product: item.product.as_ref().and_then(|p| p.name.clone()),
            brand: item.product.as_ref().and_then(|p| p.brand.clone()),
            spec: None,
            marketplace: Some(item.marketplace.mark().into()),
        };
        Intent::ALL
            .iter()
            .filter_map(|i| {
                let text = set
                    .intent(item.channel, *i)
                    .bodies
                    .iter()
                    .find_map(|w| fill(w, &vars))?;
                Some(Template {
                    label: i.label_ru().into(),
                    text,
                })
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::exit::{exit_for, Exit};

    fn inbox(dir: &Path) -> Inbox {
        Inbox {
            paths: Paths {
                config_dir: dir.join("config"),
                data_dir: dir.join("data"),
                log_dir: dir.join("logs"),
            },
            config_file: dir.join("config/config.toml"),
            ui: UiConfig::default(),
            offline: false,
            poll_every: Duration::from_secs(60),
        }
    }

    #[test]
    fn no_config_is_the_first_run() {
        let dir = tempfile::tempdir().unwrap();
        let mut inbox = inbox(dir.path());
        inbox.ui.lang = Some("en".into());
        let Err(err) = setup(&inbox, &|_| None) else {
            panic!("no config");
        };
        assert_eq!(exit_for(&err), Exit::Config);
        let text = format!("{err:#}");
        assert!(
            text.contains("agentiq init") && text.contains("agentiq demo"),
            "{text}"
        );
        config::write_private(&inbox.config_file, "[ui]\nlang = \"ru\"\n").unwrap();
        inbox.ui.lang = None;
        let Err(err) = setup(&inbox, &|_| None) else {
            panic!("no accounts");
        };
        let text = format!("{err:#}");
        assert!(text.contains("нет настроенных магазинов"), "{text}");
    }

    #[test]
    fn an_account_without_its_secret_is_a_line_not_a_failure() {
        let dir = tempfile::tempdir().unwrap();
        let mut inbox = inbox(dir.path());
        inbox.ui.lang = Some("ru".into());
        config::write_private(
            &inbox.config_file,
            "[[accounts]]\nname = \"Дом\"\nmarketplace = \"wb\"\ntoken_env = \"NO_SUCH_VAR\"\n\n\
             [[accounts]]\nname = \"Полка\"\nmarketplace = \"ozon\"\nclient_id = \"1\"\napi_key = \"k\"\n",
        )
        .unwrap();
        let setup = setup(&inbox, &|_| None).unwrap();
        assert_eq!(setup.accounts.len(), 1);
        assert_eq!(setup.accounts[0].name, "Полка");
        assert_eq!(setup.problems.len(), 1);
        assert!(
            setup.problems[0].starts_with("Дом: переменная окружения NO_SUCH_VAR"),
            "{:?}",
            setup.problems
        );
    }

    #[test]
    fn an_unopenable_database_is_one_line_with_the_fix() {
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("file");
        std::fs::write(&blocker, "").unwrap();
        let Err(err) = open_store(&blocker.join("agentiq.db"), Lang::En) else {
            panic!("a file is not a folder");
        };
        assert_eq!(exit_for(&err), Exit::Unavailable);
        let text = format!("{err:#}");
        assert!(
            text.contains("--data-dir") && !text.contains('\n'),
            "{text}"
        );
    }
}
