//! `agentiq reply ID (TEXT | --file F | --draft) [--override-block WORD]`: queues a reply
//! through the inbox's guardrails and outbox. It does not send: the running inbox, the
//! daemon or `agentiq sync --once` delivers what is queued.
//!
//! `agentiq reply ID --edit TEXT` replaces the item's published answer instead (WB
//! reviews, once per answer), through the same checks and outbox.

use std::path::PathBuf;

use anyhow::Result;
use chrono::Utc;
use clap::{ArgGroup, Args};
use serde_json::json;

use super::exit::{fail, Failure};
use super::out;
use super::script::{existing_store, read_file_or_stdin, Style};
use crate::ai::guardrails::Level;
use crate::config::Paths;
use crate::domain::InteractionId;
use crate::outbox::{Actor, EnqueueOutcome, ReplyRequest, SentDraft};
use crate::prepare::DraftInputs;
use crate::prepare::{enqueue_checked, enqueue_edit_checked};

/// The words that confirm sending despite a block, as the inbox asks for them.
const OVERRIDE_WORDS: [&str; 2] = ["ОТПРАВИТЬ", "SEND"];

#[derive(Args, Debug)]
#[command(group(ArgGroup::new("reply_text").required(true).args(["text", "file", "draft"])))]
pub struct ReplyArgs {
    /// The item's local id.
    pub id: i64,
    /// The reply.
    pub text: Option<String>,
    /// Read the reply from this file (`-` for standard input).
    #[arg(long)]
    pub file: Option<PathBuf>,
    /// Send the draft the inbox offers (see `agentiq draft ID`).
    #[arg(long, conflicts_with = "edit")]
    pub draft: bool,
    /// Replace the item's published answer with the text (WB reviews only; WB allows one
    /// edit within 60 days of the answer).
    #[arg(long)]
    pub edit: bool,
    /// Queue it despite a block-level finding: the word ОТПРАВИТЬ (or SEND), as typed in
    /// the inbox.
    #[arg(long, value_name = "WORD")]
    pub override_block: Option<String>,
    #[command(flatten)]
    pub style: Style,
}

/// Whether `--override-block WORD` confirms sending despite a block; a wrong word is a
/// usage error.
pub(super) fn override_asked(word: Option<&str>) -> Result<bool> {
    match word {
        None => Ok(false),
        Some(word)
            if OVERRIDE_WORDS
                .iter()
                .any(|w| w.to_lowercase() == word.trim().to_lowercase()) =>
        {
            Ok(true)
        }
        Some(word) => Err(fail(
            Failure::Usage,
            format!(
                "--override-block {word}: type {} (or {}) to send despite a block",
                OVERRIDE_WORDS[0], OVERRIDE_WORDS[1]
            ),
        )),
    }
}

pub async fn run(args: &ReplyArgs, paths: &Paths) -> Result<()> {
    let override_block = override_asked(args.override_block.as_deref())?;
    let id = InteractionId(args.id);
    let store = existing_store(paths)?;
    let conn = store.reader()?;
    let inputs = DraftInputs::load(&conn, id)?.ok_or_else(|| super::show_cmd::no_such_item(id))?;
    let offered = super::draft_cmd::offered_draft(&conn, &inputs)?;
    let stored_draft_id = crate::store::latest_draft(&conn, id)?.map(|d| d.id);
    drop(conn);
    let text = match (&args.text, &args.file, args.draft) {
        (Some(text), _, _) => text.clone(),
        (None, Some(path), _) => read_file_or_stdin(path)?,
        _ => offered.text.clone(),
    };
    let text = text.trim().to_string();
    if text.is_empty() {
        return Err(fail(Failure::Usage, "the reply is empty"));
    }
    if args.edit {
        let conn = store.reader()?;
        let item = crate::store::interaction(&conn, id)?
            .ok_or_else(|| super::show_cmd::no_such_item(id))?;
        refuse_edit(&item, &text, &args.style)?;
    }
    let verdict = inputs.check(&text);
    let request = ReplyRequest {
        interaction_id: id,
        text: text.clone(),
        idempotency_key: format!(
            "cli-{}-{}-{}",
            std::process::id(),
            id.0,
            Utc::now().timestamp_nanos_opt().unwrap_or_default()
        ),
        // What the reply started from, for the edit distance the metrics report.
        draft: (!args.edit).then(|| SentDraft {
            id: stored_draft_id,
            text: offered.text.clone(),
            source: offered.source.as_str().to_string(),
        }),
        override_block,
        actor: Actor::Human,
        undo_until: None,
        shadow: false,
    };
    let writer = store.writer()?;
    let outcome = if args.edit {
        enqueue_edit_checked(&store, &writer, request, Utc::now())
            .await
            .map_err(|e| fail(Failure::Data, format!("{e:#}")))?
    } else {
        enqueue_checked(&store, &writer, request, Utc::now()).await?
    };
    let outbox_id = match &outcome {
        EnqueueOutcome::Queued { outbox_id, .. } => Some(*outbox_id),
        EnqueueOutcome::Refused { .. } => None,
    };
    report(id, args.edit, &text, &verdict, outbox_id, &args.style)?;
    if outbox_id.is_none() {
        return Err(blocked(id));
    }
    Ok(())
}

/// Exit 65 with the reason when `text` may not replace `item`'s published answer.
pub(super) fn refuse_edit(
    item: &crate::domain::Interaction,
    text: &str,
    style: &Style,
) -> Result<()> {
    let Some(why) = crate::domain::edit_text_refusal(item, text) else {
        return Ok(());
    };
    let strings = crate::tui::strings::Strings::for_lang(style.labels().lang);
    let reason = (strings.notice)(&crate::tui::state::Notice::EditRefused(why));
    Err(fail(Failure::Data, format!("#{}: {reason}", item.id.0)))
}

/// Prints what became of a reply: queued as `outbox_id`, or refused by the guardrails.
pub(super) fn report(
    id: InteractionId,
    edit: bool,
    text: &str,
    verdict: &crate::ai::guardrails::Verdict,
    outbox_id: Option<i64>,
    style: &Style,
) -> Result<()> {
    let checked = crate::ai::verdict_json(verdict, text);
    let labels = style.labels();
    let queued = outbox_id.is_some();
    if style.json {
        out::line(
            &json!({
                "id": id.0,
                "edit": edit,
                "queued": queued,
                "outbox_id": outbox_id,
                "level": checked["level"],
                "overridden": queued && verdict.level == Level::Block,
                "findings": checked["findings"],
            })
            .to_string(),
        )?;
    } else {
        let mut lines = match outbox_id {
            Some(n) => format!(
                "{} (#{n}, {}: {}); {}\n",
                labels.queued,
                labels.verdict.to_lowercase(),
                verdict.level.as_str(),
                labels.not_sent_yet
            ),
            None => format!("{}\n", labels.refused),
        };
        for f in &verdict.findings {
            lines.push_str(&format!(
                "  {} {}: {}\n",
                f.severity.as_str(),
                f.rule.as_str(),
                labels.reason(f)
            ));
        }
        out::print(&lines)?;
    }
    Ok(())
}

/// The error of a reply the guardrails blocked (exit 2).
pub(super) fn blocked(id: InteractionId) -> anyhow::Error {
    fail(
        Failure::Blocked,
        format!(
            "the guardrails block this reply to #{}; fix it, or pass --override-block {}",
            id.0, OVERRIDE_WORDS[0]
        ),
    )
}
