//! `agentiq autoreply status | live | off`: the auto-responder's mode per shop, the
//! deliberate go-live (after the shadow figures and a typed word) and the kill switch.
//! The rules are in [`crate::prepare::auto_live`]; this only talks to the terminal.

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};

use crate::cli::exit::{fail, Failure, FailureExt};
use crate::cli::out;
use crate::prepare::auto_live::{
    self, AccountStatus, AutoMode, ShadowFigures, LIVE_WORD_EN, LIVE_WORD_RU,
};
use crate::store::{self, Store};

#[derive(Debug, clap::Subcommand)]
pub enum AutoreplyCmd {
    /// Each shop's mode (off, shadow, live), hourly cap and shadow figures.
    Status {
        #[arg(long)]
        json: bool,
    },
    /// Make a shop's auto-replies live, after its shadow figures and a typed confirmation.
    Live {
        /// The shop's account name (or id).
        #[arg(long)]
        account: String,
        /// The confirmation word (ВКЛЮЧИТЬ or ENABLE) instead of typing it at the prompt.
        #[arg(long)]
        confirm: Option<String>,
    },
    /// Kill switch: auto-replies off and every one not yet sent cancelled.
    Off {
        /// Only this shop; default: every shop.
        #[arg(long)]
        account: Option<String>,
    },
}

/// Runs one `agentiq autoreply` command on the database at `database`.
pub fn run(database: &Path, command: AutoreplyCmd) -> Result<()> {
    if !database.exists() {
        return Err(fail(
            Failure::Config,
            format!(
                "no database at {} (run `agentiq sync` first, or pass --data-dir)",
                database.display()
            ),
        ));
    }
    let store = Store::open(database)?;
    let now = Utc::now();
    match command {
        AutoreplyCmd::Status { json } => {
            let status = auto_live::status(&store.reader()?, now)?;
            if json {
                out::line(&serde_json::to_string_pretty(&status)?)?;
            } else {
                out::print(&status_text(&status))?;
            }
            Ok(())
        }
        AutoreplyCmd::Live { account, confirm } => live(&store, &account, confirm, now),
        AutoreplyCmd::Off { account } => {
            let account_id = account
                .as_deref()
                .map(|name| account_id(&store.reader()?, name))
                .transpose()?;
            let stopped = store.writer()?.call_blocking(move |conn| {
                let tx = conn.transaction()?;
                let stopped = auto_live::kill_switch(&tx, account_id, "cli", now)?;
                tx.commit()?;
                Ok(stopped)
            })?;
            out::line(&format!(
                "auto-replies off{}; {} not yet sent cancelled",
                account.map(|a| format!(" for {a}")).unwrap_or_default(),
                stopped.cancelled
            ))?;
            Ok(())
        }
    }
}

fn account_id(conn: &rusqlite::Connection, name: &str) -> Result<i64> {
    if let Some(row) = store::account_by_name(conn, name)? {
        return Ok(row.id);
    }
    match name.trim().parse::<i64>() {
        Ok(id) if store::accounts(conn)?.iter().any(|a| a.id == id) => Ok(id),
        _ => Err(fail(
            Failure::Usage,
            format!("--account: no account named '{name}'"),
        )),
    }
}

fn live(store: &Store, account: &str, confirm: Option<String>, now: DateTime<Utc>) -> Result<()> {
    let reader = store.reader()?;
    let id = account_id(&reader, account)?;
    match auto_live::account_mode(&reader, id)? {
        AutoMode::Off => {
            return Err(fail(
                Failure::Config,
                format!(
                "auto-replies are off for {account}: enable them ([auto_response] enabled = true \
                     in the settings), let shadow mode record what it would send, then go live"
            ),
            ))
        }
        AutoMode::Live { since } => {
            out::line(&format!(
                "auto-replies of {account} are live since {}",
                when(since)
            ))?;
            return Ok(());
        }
        AutoMode::Shadow => {}
    }
    let figures = auto_live::shadow_figures(&reader, id)?;
    eprint!("{}", figures_text(account, &figures));
    let word = match confirm {
        Some(word) => word,
        None if std::io::stdin().is_terminal() => {
            eprint!(
                "Type {LIVE_WORD_RU} (or {LIVE_WORD_EN}) to make auto-replies of {account} live: "
            );
            std::io::stderr().flush()?;
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line)?;
            line
        }
        None => {
            return Err(fail(
                Failure::Usage,
                format!("not a terminal: pass --confirm {LIVE_WORD_EN} to go live"),
            ))
        }
    };
    if !auto_live::is_live_word(&word) {
        return Err(fail(
            Failure::Usage,
            format!("not confirmed (the word is {LIVE_WORD_RU} or {LIVE_WORD_EN}); still in shadow mode"),
        ));
    }
    store
        .writer()?
        .call_blocking(move |conn| {
            let tx = conn.transaction()?;
            auto_live::go_live(&tx, id, &word, "cli", now)?;
            tx.commit()?;
            Ok(())
        })
        .with_context(|| format!("making auto-replies of {account} live"))
        .kind(Failure::Config)?;
    out::line(&format!(
        "auto-replies of {account} are live; `agentiq autoreply off` stops them"
    ))?;
    Ok(())
}

fn when(secs: i64) -> String {
    DateTime::<Utc>::from_timestamp(secs, 0)
        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default()
}

/// The shadow period's figures, as shown before the confirmation.
pub fn figures_text(account: &str, f: &ShadowFigures) -> String {
    let period = match (f.from, f.to) {
        (Some(a), Some(b)) => format!(" ({} – {})", when(a), when(b)),
        _ => String::new(),
    };
    let mut out = format!("Shadow mode of {account}{period}:\n");
    out += &format!("  would have sent      {}\n", f.would_send);
    out += &format!("  seller sent the same {}\n", f.sent_as_is);
    out += &format!("  seller edited        {}\n", f.edited);
    out += &format!("  closed without reply {}\n", f.rejected);
    out += &format!("  not handled yet      {}\n", f.undecided);
    if f.answered_live > 0 {
        out += &format!("  answered live later  {}\n", f.answered_live);
    }
    if let Some(d) = f.mean_edit_distance {
        out += &format!("  mean edit distance   {d:.2}\n");
    }
    if f.would_send == 0 {
        out += "  nothing recorded yet: going live now means no evidence of what it sends\n";
    }
    out
}

fn status_text(status: &[AccountStatus]) -> String {
    let mut out = String::new();
    for s in status {
        let mode = match s.mode {
            AutoMode::Live { since } => format!("live since {}", when(since)),
            other => other.as_str().to_string(),
        };
        out += &format!(
            "{}: {mode}; {}/{} live this hour, {} waiting to be sent; shadow: {} recorded, {} edited, {} closed without reply\n",
            s.account,
            s.live_last_hour,
            s.hourly_cap,
            s.waiting,
            s.shadow.would_send,
            s.shadow.edited,
            s.shadow.rejected
        );
    }
    if status.is_empty() {
        out += "no accounts yet\n";
    }
    out
}
