//! `agentiq kb list|add|import|search`: the seller's knowledge base (docs/drafts.md). The
//! files in the config folder's `kb/` are the source; `import` replaces the store's copy
//! with them, `add` appends an entry to `kb/[ACCOUNT/]added.toml` and imports.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use serde_json::json;

use super::exit::{fail, Failure, FailureExt};
use super::out;
use super::script::Style;
use crate::config::Paths;
use crate::kb::{self, Entry};
use crate::store::{self, KbScope, Store};

#[derive(Args, Debug)]
pub struct KbArgs {
    #[command(subcommand)]
    pub action: KbAction,
}

#[derive(Subcommand, Debug)]
pub enum KbAction {
    /// The stored entries (every account's and, with --account, that account's own).
    List {
        /// An account's name: the global entries and its own.
        #[arg(long)]
        account: Option<String>,
        #[command(flatten)]
        style: Style,
    },
    /// Add an entry to kb/added.toml (kb/ACCOUNT/added.toml with --account) in the config
    /// folder, then import the folder.
    Add {
        /// The entry's title, or the question it answers.
        #[arg(long)]
        title: String,
        /// faq, sizes, care, warranty, returns, delivery or other.
        #[arg(long, default_value = "faq")]
        kind: String,
        /// The account the entry is for; default: every account.
        #[arg(long)]
        account: Option<String>,
        /// The entry's text.
        text: String,
        #[command(flatten)]
        style: Style,
    },
    /// Read every kb/*.md and kb/*.toml (and kb/ACCOUNT/*) and replace the stored entries.
    Import {
        /// The folder; default: kb in the config folder.
        dir: Option<PathBuf>,
        #[command(flatten)]
        style: Style,
    },
    /// Entries matching a text, best first, with the passage a draft would quote.
    Search {
        query: String,
        /// An account's name: the global entries and its own.
        #[arg(long)]
        account: Option<String>,
        #[arg(long, default_value_t = 5)]
        limit: usize,
        #[command(flatten)]
        style: Style,
    },
}

pub fn run(args: &KbArgs, paths: &Paths) -> Result<()> {
    match &args.action {
        KbAction::List { account, style } => {
            let conn = super::script::existing_store(paths)?.reader()?;
            let scope = scope(&conn, account.as_deref())?;
            let entries = store::kb_entries(&conn, scope)?;
            print_entries(&entries, None, style)
        }
        KbAction::Search {
            query,
            account,
            limit,
            style,
        } => {
            if *limit == 0 {
                return Err(fail(Failure::Usage, "--limit must be at least 1"));
            }
            let conn = super::script::existing_store(paths)?.reader()?;
            let scope = scope(&conn, account.as_deref())?;
            let entries = store::kb_search(&conn, scope, query, *limit)?;
            print_entries(&entries, Some(query), style)
        }
        KbAction::Import { dir, style } => {
            let dir = dir.clone().unwrap_or_else(|| kb_dir(paths));
            let n = import(paths, &dir)?;
            report(style, n, &dir)
        }
        KbAction::Add {
            title,
            kind,
            account,
            text,
            style,
        } => {
            let dir = kb_dir(paths);
            add(paths, &dir, title, kind, account.as_deref(), text)?;
            let n = import(paths, &dir)?;
            report(style, n, &dir)
        }
    }
}

/// The config folder's `kb/`.
pub fn kb_dir(paths: &Paths) -> PathBuf {
    paths.config_dir.join("kb")
}

fn report(style: &Style, n: usize, dir: &Path) -> Result<()> {
    let text = if style.json {
        json!({ "imported": n, "folder": dir.display().to_string() }).to_string()
    } else {
        format!("{n} entries imported from {}", dir.display())
    };
    out::line(&text)?;
    Ok(())
}

/// The store, created when missing: the knowledge base can be set up before any sync.
fn open_store(paths: &Paths) -> Result<Store> {
    std::fs::create_dir_all(&paths.data_dir)
        .with_context(|| format!("creating {}", paths.data_dir.display()))
        .kind(Failure::Unavailable)?;
    Store::open(paths.database()).kind(Failure::Unavailable)
}

fn scope(conn: &rusqlite::Connection, account: Option<&str>) -> Result<KbScope> {
    let Some(name) = account else {
        return Ok(KbScope::All);
    };
    match store::account_by_name(conn, name)? {
        Some(row) => Ok(KbScope::Account(row.id)),
        None => Err(fail(
            Failure::Usage,
            format!("--account: no account named '{name}'"),
        )),
    }
}

/// Reads `dir` and replaces the stored entries with its entries.
pub fn import(paths: &Paths, dir: &Path) -> Result<usize> {
    if !dir.is_dir() {
        return Err(fail(
            Failure::Config,
            format!(
                "no knowledge-base folder at {} (put kb/*.md or kb/*.toml in the config folder)",
                dir.display()
            ),
        ));
    }
    let entries = kb::read_folder(dir).kind(Failure::Data)?;
    let store = open_store(paths)?;
    let conn = store.reader()?;
    let mut scoped = Vec::with_capacity(entries.len());
    for e in entries {
        let account = match &e.account {
            None => None,
            Some(name) => match store::account_by_name(&conn, name)? {
                Some(row) => Some(row.id),
                None => {
                    return Err(fail(
                        Failure::Config,
                        format!(
                            "{}: the folder kb/{name}/ names no account in the store \
                             (sync that account first, or rename the folder)",
                            e.source
                        ),
                    ))
                }
            },
        };
        scoped.push((account, e));
    }
    let now = chrono::Utc::now().timestamp();
    store
        .writer()?
        .call_blocking(move |conn| store::replace_kb(conn, &scoped, now))
        .context("storing the knowledge base")
}

#[derive(serde::Serialize)]
struct AddedEntry<'a> {
    title: &'a str,
    text: &'a str,
    kind: &'a str,
}

/// Appends one `[[entry]]` to `added.toml` of the scope's folder.
fn add(
    paths: &Paths,
    dir: &Path,
    title: &str,
    kind: &str,
    account: Option<&str>,
    text: &str,
) -> Result<()> {
    if !kb::KINDS.contains(&kind) {
        return Err(fail(
            Failure::Usage,
            format!("--kind: '{kind}' is not one of {}", kb::KINDS.join(", ")),
        ));
    }
    if title.trim().is_empty() || text.trim().is_empty() {
        return Err(fail(Failure::Usage, "an entry needs a title and a text"));
    }
    if let Some(name) = account {
        let store = open_store(paths)?;
        scope(&store.reader()?, Some(name))?;
        if name.contains(['/', '\\']) || name.starts_with('.') {
            return Err(fail(
                Failure::Usage,
                format!("--account: '{name}' cannot be a folder name"),
            ));
        }
    }
    let folder = match account {
        Some(name) => dir.join(name),
        None => dir.to_path_buf(),
    };
    std::fs::create_dir_all(&folder)
        .with_context(|| format!("creating {}", folder.display()))
        .kind(Failure::Unavailable)?;
    let file = folder.join("added.toml");
    #[derive(serde::Serialize)]
    struct Doc<'a> {
        entry: Vec<AddedEntry<'a>>,
    }
    let piece = toml::to_string(&Doc {
        entry: vec![AddedEntry {
            title: title.trim(),
            text: text.trim(),
            kind,
        }],
    })
    .context("writing the entry as TOML")?;
    let mut existing = std::fs::read_to_string(&file).unwrap_or_default();
    if !existing.is_empty() && !existing.ends_with('\n') {
        existing.push('\n');
    }
    if !existing.is_empty() {
        existing.push('\n');
    }
    existing.push_str(&piece);
    std::fs::write(&file, existing)
        .with_context(|| format!("writing {}", file.display()))
        .kind(Failure::Unavailable)
}

fn print_entries(entries: &[Entry], query: Option<&str>, style: &Style) -> Result<()> {
    let stems = query.map(kb::query_stems).unwrap_or_default();
    let mut text = String::new();
    for e in entries {
        let passage = query.map(|_| kb::passage(&e.body, &stems));
        if style.json {
            let mut v = json!({
                "id": e.id,
                "account": e.account,
                "kind": e.kind,
                "title": e.title,
                "source": e.source,
                "text": e.body,
            });
            if let Some(p) = passage {
                v["passage"] = json!(p);
            }
            text.push_str(&v.to_string());
            text.push('\n');
            continue;
        }
        let account = e.account.as_deref().unwrap_or("*");
        text.push_str(&format!(
            "{:>4}  {:<8}  {}  [{account}, {}]\n",
            e.id.unwrap_or_default(),
            e.kind,
            e.title,
            e.source
        ));
        if let Some(p) = passage {
            text.push_str(&format!("      {p}\n"));
        }
    }
    if !style.json && entries.is_empty() {
        text.push_str(if query.is_some() {
            "no entries match\n"
        } else {
            "the knowledge base is empty (agentiq kb import)\n"
        });
    }
    out::print(&text)?;
    Ok(())
}
