//! Team mode's workflow commands on the shared store: `claim --renew ID`,
//! `escalate ID --reason TEXT` and `assign ID NAME`. See docs/team.md.

use anyhow::Result;
use clap::{Args, Subcommand};
use serde_json::json;

use super::script::{channel_arg, marketplace_arg};
use super::team_cmd::TeamCmd;
use crate::cli::exit::{fail, Failure, FailureExt};
use crate::cli::out;
use crate::domain::{Channel, Marketplace};
use crate::store::pg::outbox::Refusal;
use crate::store::pg::{self, PgStore, Renewal, Route};

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

#[derive(Subcommand)]
pub enum RouteCmd {
    /// Send items of a shop / marketplace / channel (each: any when left out) to a person
    /// or a team first.
    Add {
        #[arg(long)]
        shop: Option<String>,
        /// wb or ozon.
        #[arg(long, value_parser = marketplace_arg)]
        marketplace: Option<Marketplace>,
        /// review, question or chat.
        #[arg(long, value_parser = channel_arg)]
        channel: Option<Channel>,
        /// A person.
        #[arg(long, conflicts_with = "to_team", required_unless_present = "to_team")]
        to: Option<String>,
        /// A team.
        #[arg(long)]
        to_team: Option<String>,
    },
    /// The rules, by id.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Remove rule ID.
    Remove { id: i64 },
}

/// `team add-to`, `team discipline`, `team route …` (the owner's).
pub(super) fn team_groups(client: &mut postgres::Client, command: TeamCmd) -> Result<()> {
    match command {
        TeamCmd::AddTo { team, name } => {
            pg::add_to_team(client, &team, &name)?;
            Ok(out::line(&format!("{name} is on team {team}"))?)
        }
        TeamCmd::Discipline { team, discipline } => {
            pg::set_discipline(client, &team, discipline)?;
            Ok(out::line(&format!(
                "team {team} claims by {}",
                discipline.as_str()
            ))?)
        }
        TeamCmd::Route(RouteCmd::Add {
            shop,
            marketplace,
            channel,
            to,
            to_team,
        }) => {
            let route = Route {
                id: 0,
                shop,
                marketplace: marketplace.map(|m| m.as_str().to_string()),
                channel: channel.map(|c| c.as_str().to_string()),
                to_member: to,
                to_team,
            };
            let id = pg::add_route(client, &route)?;
            Ok(out::line(&format!("rule {id} added"))?)
        }
        TeamCmd::Route(RouteCmd::List { json }) => print_routes(&pg::list_routes(client)?, json),
        TeamCmd::Route(RouteCmd::Remove { id }) => {
            pg::remove_route(client, id)?;
            Ok(out::line(&format!("rule {id} removed"))?)
        }
        _ => Err(anyhow::anyhow!("not a team-group command")),
    }
}

fn print_routes(routes: &[Route], as_json: bool) -> Result<()> {
    if as_json {
        for route in routes {
            out::line(&serde_json::to_string(route)?)?;
        }
        return Ok(());
    }
    let any = |v: &Option<String>| v.clone().unwrap_or_else(|| "*".into());
    for r in routes {
        let to = match (&r.to_member, &r.to_team) {
            (Some(person), _) => person.clone(),
            (None, team) => format!("team {}", any(team)),
        };
        out::line(&format!(
            "{}\tshop {}\tmarketplace {}\tchannel {}\t→ {to}",
            r.id,
            any(&r.shop),
            any(&r.marketplace),
            any(&r.channel)
        ))?;
    }
    Ok(())
}
