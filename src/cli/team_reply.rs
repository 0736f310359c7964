//! `reply` (with `--edit` and `--draft`) and `draft ID` on a team's shared PostgreSQL
//! database: the same guardrails, outputs and exit codes as on SQLite. A reply or an edit
//! goes into the shared outbox through the database (which checks the claim, or the
//! edit's rules); the owner's daemon sends it. Drafts are made here, offline, from the
//! item as the shared store keeps it, with the shipped defaults. See docs/team.md.

use anyhow::Result;
use chrono::Utc;

use super::draft_cmd::DraftArgs;
use super::exit::{fail, Failure};
use super::reply_cmd::ReplyArgs;
use super::script::read_file_or_stdin;
use crate::ai::{Draft, DraftContext};
use crate::domain::{Interaction, InteractionId};
use crate::store::pg::outbox::{self as pg, Refusal};
use crate::team::{self, QueuedReply, TeamReply};

/// The offline draft for `item`, as `agentiq draft` makes it for a text: the shipped
/// banned phrases, no product card or knowledge base (the shared store keeps neither).
fn offline_draft(item: &Interaction) -> (Draft, String) {
    let banned = crate::ai::guardrails::default_banned_phrases();
    let ctx = DraftContext::new(item, &[]).with_banned_phrases(&banned);
    let intent = ctx.classification().intent.as_str().to_string();
    (crate::ai::offline_draft(&ctx, 0), intent)
}

fn item(client: &mut postgres::Client, id: InteractionId) -> Result<Interaction> {
    pg::interaction(client, id.0)?.ok_or_else(|| super::show_cmd::no_such_item(id))
}

/// `agentiq draft ID` on the shared store.
pub fn draft(client: &mut postgres::Client, args: &DraftArgs) -> Result<()> {
    let id = args.id()?;
    let item = item(client, id)?;
    let (draft, intent) = offline_draft(&item);
    let verdict = team::check_reply(client, id.0, &draft.text)?
        .ok_or_else(|| super::show_cmd::no_such_item(id))?;
    super::draft_cmd::print(Some(id), &intent, &draft, &verdict, &args.style)
}

/// `agentiq reply ID …` on the shared store.
pub fn reply(client: &mut postgres::Client, args: &ReplyArgs) -> Result<()> {
    let override_block = super::reply_cmd::override_asked(args.override_block.as_deref())?;
    let id = InteractionId(args.id);
    let item = item(client, id)?;
    let drafted = (!args.edit).then(|| offline_draft(&item).0);
    let text = match (&args.text, &args.file, &drafted) {
        (Some(text), _, _) => text.clone(),
        (None, Some(path), _) => read_file_or_stdin(path)?,
        (None, None, Some(draft)) if args.draft => draft.text.clone(),
        _ => String::new(),
    };
    let text = text.trim().to_string();
    if text.is_empty() {
        return Err(fail(Failure::Usage, "the reply is empty"));
    }
    if args.edit {
        super::reply_cmd::refuse_edit(&item, &text, &args.style)?;
    }
    super::team_script::renew_own_claim(client, id.0)?;
    let request = TeamReply {
        item: id.0,
        text: text.clone(),
        override_block,
        idempotency_key: format!(
            "cli-{}-{}-{}",
            std::process::id(),
            id.0,
            Utc::now().timestamp_nanos_opt().unwrap_or_default()
        ),
    };
    // What a reply started from, for the edit distance the metrics report (as on SQLite).
    let queued = match &drafted {
        Some(draft) => team::queue_drafted_reply(client, &request, draft)?,
        None => team::queue_edit(client, &request)?,
    };
    report(id, args, &text, queued)
}

fn report(id: InteractionId, args: &ReplyArgs, text: &str, queued: QueuedReply) -> Result<()> {
    let (verdict, outbox_id) = match queued {
        QueuedReply::Queued { outbox_id, verdict } => (verdict, Some(outbox_id)),
        QueuedReply::Blocked { verdict } => (verdict, None),
        QueuedReply::Refused(Refusal::NoSuchItem) => return Err(super::show_cmd::no_such_item(id)),
        QueuedReply::Refused(Refusal::Claim(why) | Refusal::Answered(why)) => {
            return Err(fail(Failure::Data, why))
        }
    };
    super::reply_cmd::report(id, args.edit, text, &verdict, outbox_id, &args.style)?;
    if outbox_id.is_none() {
        return Err(super::reply_cmd::blocked(id));
    }
    Ok(())
}
