//! Team mode's workflow commands on the shared store: `claim --renew ID`,
//! `escalate ID --reason TEXT` and `assign ID NAME`. See docs/team.md.

use anyhow::Result;
use clap::Args;
use serde_json::json;

use crate::cli::exit::{fail, Failure, FailureExt};
use crate::cli::out;
use crate::store::pg::outbox::Refusal;
use crate::store::pg::{self, PgStore, Renewal};

#[derive(Args)]
pub struct EscalateArgs {
    /// The item's id.
    pub id: i64,
    /// Why it needs a manager (in the audit trail and on the item).
    #[arg(long)]
    pub reason: String,
}

#[derive(Args)]
pub struct AssignArgs {
    /// The item's id.
    pub id: i64,
    /// Who gets it: a person on the item's shop (their login name).
    pub name: String,
}

pub(super) fn connect(url: &str) -> Result<postgres::Client> {
    PgStore::new(url).connect().kind(Failure::Unavailable)
}

/// `claim --renew ID`: another claim lifetime for `operator`'s claim on item `id`.
pub(super) fn renew(
    client: &mut postgres::Client,
    id: i64,
    operator: &str,
    as_json: bool,
) -> Result<()> {
    match pg::renew(client, id, operator)? {
        Renewal::Renewed(until) => {
            let text = if as_json {
                json!({ "id": id, "claimed_by": operator, "claim_expires_at": until.to_rfc3339() })
                    .to_string()
            } else {
                format!(
                    "{id} claimed by {operator} until {}",
                    until.format("%H:%M:%S")
                )
            };
            out::line(&text)?;
            Ok(())
        }
        Renewal::NotHeld(Some(by)) => Err(fail(
            Failure::Data,
            format!("{id} is claimed by {by}, not {operator}"),
        )),
        Renewal::NotHeld(None) => Err(fail(
            Failure::Data,
            format!("{id} is not claimed by {operator}: claim it first (agentiq claim)"),
        )),
        Renewal::NoSuchItem => Err(fail(Failure::Data, format!("no item {id}"))),
    }
}

/// `escalate ID --reason TEXT`: to the managers, as the connected person.
pub fn escalate(url: &str, args: EscalateArgs) -> Result<()> {
    let reason = args.reason.trim();
    if reason.is_empty() {
        return Err(fail(Failure::Usage, "--reason is empty: say why"));
    }
    let mut client = connect(url)?;
    match pg::escalate(&mut client, args.id, reason)? {
        Ok(()) => Ok(out::line(&format!(
            "{} escalated to the managers",
            args.id
        ))?),
        Err(Refusal::NoSuchItem) => Err(fail(Failure::Data, format!("no item {}", args.id))),
        Err(Refusal::Claim(why) | Refusal::Answered(why)) => Err(fail(Failure::Data, why)),
    }
}

/// `assign ID NAME`: a manager's or the owner's (the database refuses an operator).
pub fn assign(url: &str, args: AssignArgs) -> Result<()> {
    let mut client = connect(url)?;
    match pg::assign(&mut client, args.id, &args.name)? {
        Ok(()) => Ok(out::line(&format!(
            "{} assigned to {}",
            args.id, args.name
        ))?),
        Err(Refusal::NoSuchItem) => Err(fail(Failure::Data, format!("no item {}", args.id))),
        Err(Refusal::Claim(why) | Refusal::Answered(why)) => Err(fail(Failure::Data, why)),
    }
}
