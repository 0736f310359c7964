//! The scripting commands (`list`, `search`, `show`, `draft`, `reply`, `settings`,
//! `completions`, `man`): the inbox's reads and actions on the same store, text for
//! people (in the UI language) and `--json` for programs. `main.rs` flattens
//! [`ScriptCmd`] into its own commands and hands each to [`run`].

use std::path::Path;

use anyhow::{Context, Result};
use clap::{Args, Subcommand};

use super::exit::{fail, Failure, FailureExt};
use super::labels::Labels;
use crate::config::Paths;
use crate::domain::{Channel, Marketplace};
use crate::store::Store;
use crate::tui::Lang;

/// How a command prints: JSON or text in a language.
#[derive(Args, Debug, Clone, Default)]
pub struct Style {
    /// One JSON object per line for lists, one object for a single item.
    #[arg(long, global = true)]
    pub json: bool,
    /// Language of the text output: ru or en (default: from the locale).
    #[arg(long, env = "AGENTIQ_LANG", global = true)]
    pub lang: Option<String>,
}

impl Style {
    pub fn language(&self) -> Lang {
        crate::tui::pick_language(self.lang.as_deref())
    }

    pub fn labels(&self) -> &'static Labels {
        Labels::for_lang(self.language())
    }

    /// The language: `--lang` (or `AGENTIQ_LANG`), then `[ui] lang` of the config file
    /// in `paths`, then the locale.
    pub fn language_in(&self, paths: &Paths) -> Lang {
        let flag = self.lang.as_deref().filter(|l| !l.trim().is_empty());
        let from_file = match flag {
            Some(_) => None,
            // An unreadable config is reported by the commands that need it.
            None => crate::config::file::read(&paths.config_file())
                .ok()
                .flatten()
                .and_then(|f| f.ui.lang),
        };
        crate::tui::pick_language(flag.or(from_file.as_deref()))
    }
}

#[derive(Subcommand, Debug)]
pub enum ScriptCmd {
    /// The queue as the inbox sorts it, a page at a time.
    List(super::list_cmd::ListArgs),
    /// The inbox's query language (docs/search.md) over the whole history, newest first.
    Search(super::list_cmd::SearchArgs),
    /// One item: thread, product card, customer, draft, guardrail verdict, outbox, audit.
    Show(super::show_cmd::ShowArgs),
    /// The draft the inbox would offer for an item, or for a text given here.
    Draft(super::draft_cmd::DraftArgs),
    /// The seller's knowledge base (FAQ, size tables, care, warranty): list, add, import
    /// the config folder's kb/ files, search.
    Kb(super::kb_cmd::KbArgs),
    /// Queue a reply through the inbox's guardrails and outbox. Exit 0 queued, 2 blocked.
    Reply(super::reply_cmd::ReplyArgs),
    /// The settings screen's fields: list them, read one, change one.
    Settings(super::settings_cmd::SettingsArgs),
    /// What the drafts learnt from the seller's edits: list it, forget an entry.
    Learnt(super::learnt_cmd::LearntArgs),
    /// Correct an item's intent: its SLA tier and draft follow, and the correction
    /// teaches the shop's intent model (`model retrain`).
    Intent(super::intent_cmd::IntentArgs),
    /// The shop's intent model: `retrain` it from the intent corrections.
    Model(super::intent_cmd::ModelArgs),
    /// Shell completion script for bash, zsh, fish, elvish or powershell.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// The manual page (roff), e.g. `agentiq man > agentiq.1`.
    Man,
}

impl ScriptCmd {
    /// Whether the command runs without folders, log file or runtime.
    pub fn is_pure(&self) -> bool {
        match self {
            ScriptCmd::Completions { .. } | ScriptCmd::Man => true,
            ScriptCmd::Draft(args) => args.is_free(),
            _ => false,
        }
    }
}

impl ScriptCmd {
    /// Whether the command only reads a page or an item and prints it: it logs only on
    /// trouble, so its log file is opened only then ([`crate::config::init_lazy_logging`]).
    pub fn is_quick_read(&self) -> bool {
        matches!(
            self,
            ScriptCmd::List(_) | ScriptCmd::Search(_) | ScriptCmd::Show(_)
        )
    }
}

/// Runs a command that needs nothing of the machine: completions, the man page, a draft
/// for a given text. `command` builds the whole command line's description.
pub fn run_pure(cmd: &ScriptCmd, command: impl FnOnce() -> clap::Command) -> Result<()> {
    match cmd {
        ScriptCmd::Completions { shell } => super::gen_cmd::completions(*shell, command()),
        ScriptCmd::Man => super::gen_cmd::man(command()),
        ScriptCmd::Draft(args) => super::draft_cmd::run_free(args),
        _ => Err(anyhow::anyhow!("this command needs the database")),
    }
}

/// Runs a command on the store in `paths`, or on the team's shared database when
/// `config_file` or the environment names one (`list`, `search`, `show`, `reply`). The reads start no async runtime (it costs a
/// process start-up's worth of threads); `reply` and `settings` write through the store's
/// writer and start a one-thread runtime for it.
pub fn run(cmd: ScriptCmd, paths: &Paths, config_file: &Path) -> Result<()> {
    if super::team_script::shared(&cmd) {
        if let Some(url) = crate::config::store_url(config_file, &|name| std::env::var(name).ok())?
        {
            return super::team_script::run(cmd, &url);
        }
    }
    let runtime = || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("starting the async runtime")
    };
    match cmd {
        ScriptCmd::List(args) => super::list_cmd::list(&args, paths),
        ScriptCmd::Search(args) => super::list_cmd::search(&args, paths),
        ScriptCmd::Show(args) => super::show_cmd::run(&args, paths),
        ScriptCmd::Draft(args) => super::draft_cmd::run_stored(&args, paths),
        ScriptCmd::Kb(args) => super::kb_cmd::run(&args, paths),
        ScriptCmd::Reply(args) => runtime()?.block_on(super::reply_cmd::run(&args, paths)),
        ScriptCmd::Settings(args) => runtime()?.block_on(super::settings_cmd::run(&args, paths)),
        ScriptCmd::Learnt(args) => runtime()?.block_on(super::learnt_cmd::run(&args, paths)),
        ScriptCmd::Intent(args) => runtime()?.block_on(super::intent_cmd::correct(&args, paths)),
        ScriptCmd::Model(args) => runtime()?.block_on(super::intent_cmd::run(&args, paths)),
        ScriptCmd::Completions { .. } | ScriptCmd::Man => Ok(()),
    }
}

/// The database in `paths`, which must exist already: a missing one is a setup problem
/// (configuration, exit 78) with the fix in the message.
pub fn existing_store(paths: &Paths) -> Result<Store> {
    let database = paths.database();
    if !database.exists() {
        return Err(fail(
            Failure::Config,
            format!(
                "no database at {} (run `agentiq sync --once` first, or pass --data-dir)",
                database.display()
            ),
        ));
    }
    Store::open(&database).kind(Failure::Unavailable)
}

/// A read-only connection to the database in `paths`, which must exist already. A read
/// opens nothing for writing when the schema is current (the common case): the
/// migration check's writable connection and its WAL set-up cost a read command more
/// than its query. An older schema is migrated first, as [`existing_store`] does.
pub fn existing_reader(paths: &Paths) -> Result<rusqlite::Connection> {
    let database = paths.database();
    if database.exists() {
        if let Ok(Some(conn)) = crate::store::current_reader(&database) {
            return Ok(conn);
        }
    }
    existing_store(paths)?.reader()
}

/// The account named `name` (a unique part of its name, or its id).
pub fn account_id(conn: &rusqlite::Connection, name: &str) -> Result<i64> {
    let accounts = crate::store::accounts(conn)?;
    if let Ok(id) = name.trim().parse::<i64>() {
        if accounts.iter().any(|a| a.id == id) {
            return Ok(id);
        }
    }
    crate::store::search::find_account(&accounts, name).map_err(|kind| {
        fail(
            Failure::Usage,
            format!("--account {name}: {}", kind_text(&kind)),
        )
    })
}

fn kind_text(kind: &crate::store::search::QueryErrorKind) -> String {
    let positioned = crate::store::search::QueryError {
        at: 0,
        kind: kind.clone(),
    }
    .to_string();
    positioned.trim_start_matches("at 1: ").to_string()
}

/// A text argument: the text itself, or `-` for standard input.
pub fn read_file_or_stdin(path: &Path) -> Result<String> {
    if path == Path::new("-") {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text).kind(Failure::Data)?;
        return Ok(text);
    }
    std::fs::read_to_string(path)
        .map_err(|e| fail(Failure::Data, format!("reading {}: {e}", path.display())))
}

/// Parses `--channel` and `--marketplace` values for clap.
pub fn channel_arg(s: &str) -> Result<Channel, String> {
    s.parse::<Channel>().map_err(|e| e.to_string())
}

pub fn marketplace_arg(s: &str) -> Result<Marketplace, String> {
    s.parse::<Marketplace>().map_err(|e| e.to_string())
}
