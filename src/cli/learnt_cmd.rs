//! `agentiq learnt list | forget`: what the drafts learnt from the seller's edits, per
//! shop, and forgetting an entry (docs/drafts.md, "What the drafts learn").

use anyhow::Result;
use clap::{Args, Subcommand};
use serde_json::json;

use super::exit::{fail, Failure};
use super::out;
use super::script::{account_id, existing_store, Style};
use crate::config::Paths;
use crate::learning::{Learnt, MIN_LENGTH_SAMPLES};
use crate::store;
use crate::store::learning::{LearntLength, LearntPhrase};
use crate::tui::Lang;

#[derive(Args, Debug)]
pub struct LearntArgs {
    #[command(subcommand)]
    pub action: LearntAction,
    /// The shop's account name or id (default: the only shop).
    #[arg(long, global = true)]
    pub account: Option<String>,
    #[command(flatten)]
    pub style: Style,
}

#[derive(Subcommand, Debug)]
pub enum LearntAction {
    /// Every learnt phrase (with its id) and reply length, and whether drafts use it yet.
    List,
    /// Forgets a learnt phrase by its id, a channel's length, or everything.
    Forget {
        /// The phrase's id, as `list` shows it.
        id: Option<i64>,
        /// Forget the learnt reply length of this channel (review, question, chat).
        #[arg(long, conflicts_with = "id")]
        length: Option<String>,
        /// Forget everything the shop's drafts learnt.
        #[arg(long, conflicts_with_all = ["id", "length"])]
        all: bool,
    },
}

pub async fn run(args: &LearntArgs, paths: &Paths) -> Result<()> {
    let store = existing_store(paths)?;
    let conn = store.reader()?;
    let account = match &args.account {
        Some(name) => account_id(&conn, name)?,
        None => match store::accounts(&conn)?.as_slice() {
            [only] => only.id,
            [] => return Err(fail(Failure::Config, "no shops in the database yet")),
            _ => {
                return Err(fail(
                    Failure::Usage,
                    "more than one shop: pass --account NAME",
                ))
            }
        },
    };
    let ru = args.style.language_in(paths) == Lang::Ru;
    match &args.action {
        LearntAction::List => {
            let learnt = Learnt::load(&conn, account)?;
            out::print(&list_text(&learnt, args.style.json, ru))?;
        }
        LearntAction::Forget { id, length, all } => {
            let (id, length, all) = (*id, length.clone(), *all);
            if id.is_none() && length.is_none() && !all {
                return Err(fail(
                    Failure::Usage,
                    "forget what: a phrase id, --length CHANNEL or --all",
                ));
            }
            let writer = store.writer()?;
            let forgotten = writer
                .call(move |c| match (id, &length) {
                    (Some(id), _) => {
                        Ok(usize::from(store::learning::forget_phrase(c, account, id)?))
                    }
                    (None, Some(channel)) => Ok(usize::from(store::learning::forget_length(
                        c, account, channel,
                    )?)),
                    (None, None) => store::learning::forget_all(c, account),
                })
                .await?;
            if forgotten == 0 {
                return Err(fail(
                    Failure::Data,
                    "nothing learnt matches: see `agentiq learnt list`",
                ));
            }
            out::line(&if ru {
                format!("забыто записей: {forgotten}")
            } else {
                format!("forgotten: {forgotten}")
            })?;
        }
    }
    Ok(())
}

/// The listing: one line per phrase and per length; JSON lines with `--json`.
pub fn list_text(learnt: &Learnt, json: bool, ru: bool) -> String {
    let mut text = String::new();
    let min = i64::from(learnt.min_evidence);
    for p in &learnt.phrases {
        text.push_str(&phrase_line(p, p.seen >= min, json, ru));
        text.push('\n');
    }
    for l in &learnt.lengths {
        text.push_str(&length_line(l, json, ru));
        text.push('\n');
    }
    if text.is_empty() && !json {
        text.push_str(if ru {
            "черновики ещё ничему не научились\n"
        } else {
            "nothing learnt yet\n"
        });
    }
    text
}

/// One learnt phrase: its id, kind, channel, how often seen and whether drafts use it.
fn phrase_line(p: &LearntPhrase, in_use: bool, json: bool, ru: bool) -> String {
    if json {
        return json!({
            "id": p.id,
            "kind": p.kind,
            "channel": (!p.channel.is_empty()).then_some(&p.channel),
            "product": (!p.product_external_id.is_empty()).then_some(&p.product_external_id),
            "phrase": p.phrase,
            "seen": p.seen,
            "in_use": in_use,
        })
        .to_string();
    }
    let channel = if p.channel.is_empty() {
        "*"
    } else {
        &p.channel
    };
    let state = match (in_use, ru) {
        (true, true) => "используется",
        (true, false) => "in use",
        (false, true) => "копится",
        (false, false) => "learning",
    };
    let mut line = format!(
        "#{:<5} {:<8} {:<9} {}×  {:<13} «{}»",
        p.id, p.kind, channel, p.seen, state, p.phrase
    );
    if !p.product_external_id.is_empty() {
        line.push_str(&format!("  ({})", p.product_external_id));
    }
    line
}

/// One channel's learnt reply length, over how many replies.
fn length_line(l: &LearntLength, json: bool, ru: bool) -> String {
    let in_use = l.samples >= MIN_LENGTH_SAMPLES;
    if json {
        json!({
            "kind": "length",
            "channel": l.channel,
            "mean_chars": l.mean_chars.round(),
            "samples": l.samples,
            "in_use": in_use,
        })
        .to_string()
    } else if ru {
        format!(
            "длина {:<9} ≈{} символов по {} ответам{}",
            l.channel,
            l.mean_chars.round(),
            l.samples,
            if in_use { "" } else { " (копится)" }
        )
    } else {
        format!(
            "length {:<9} ~{} chars over {} replies{}",
            l.channel,
            l.mean_chars.round(),
            l.samples,
            if in_use { "" } else { " (learning)" }
        )
    }
}
