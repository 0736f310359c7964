//! Team mode's commands on the shared PostgreSQL store: `claim`, `release`, `team …`, and
//! `sync --once | --daemon` when `[store] url` names PostgreSQL. See docs/team.md.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::{Args, Subcommand};

use crate::cli::exit::{fail, Failure, FailureExt};
use crate::cli::out;
use crate::connectors::AccountConfig;
use crate::store::pg::{self, PgStore, Release, Role};

#[derive(Args)]
pub struct ClaimArgs {
    /// Who claims; default: the database user of the connection.
    #[arg(long)]
    pub operator: Option<String>,
    /// One JSON object instead of text.
    #[arg(long)]
    pub json: bool,
    /// Instead of claiming another item, renew the claim on this one (another claim
    /// lifetime from now).
    #[arg(long, value_name = "ID")]
    pub renew: Option<i64>,
}

#[derive(Args)]
pub struct ReleaseArgs {
    /// The item's id (as `claim` printed it).
    pub id: i64,
    /// Whose claim; default: the database user of the connection.
    #[arg(long)]
    pub operator: Option<String>,
}

#[derive(Subcommand)]
pub enum TeamCmd {
    /// Add a person: a database login in a role, on some shops.
    Add {
        /// Their login name (lower-case latin letters, digits, _).
        name: String,
        /// manager or operator.
        #[arg(long, default_value = "operator")]
        role: Role,
        /// A shop they work on (repeat for several).
        #[arg(long = "shop", required = true)]
        shops: Vec<String>,
        /// The environment variable holding their password (for a database that checks
        /// passwords); never on the command line.
        #[arg(long)]
        password_env: Option<String>,
    },
    /// Remove a person: their claims return to the queue, their login is dropped.
    Remove { name: String },
    /// The people of the team, their roles and shops.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Move a person to another role.
    Role { name: String, role: Role },
    /// How long a claim lasts without activity before it returns to the queue.
    ClaimTtl {
        /// Seconds.
        secs: u64,
    },
    /// How long a claim may sit idle before the owner's daemon escalates it (0: never).
    EscalateIdle {
        /// Seconds.
        secs: u64,
    },
    /// Put a person on a team (a named group; created when new).
    AddTo { team: String, name: String },
    /// The order a team's `claim` takes items in: sla (default), fifo or balanced.
    Discipline {
        team: String,
        discipline: pg::Discipline,
    },
    /// Routing rules: which items go to whom first.
    #[command(subcommand)]
    Route(super::team_flow_cmd::RouteCmd),
}

/// The shared database's URL, or a configuration error saying how to set it.
pub fn required_url(config_file: &Path, command: &str) -> Result<String> {
    crate::config::store_url(config_file, &|name| std::env::var(name).ok())?.ok_or_else(|| {
        fail(
            Failure::Config,
            format!(
                "{command} works on a team's shared database: set [store] url = \"postgres://…\" \
                 in {} or {} (see docs/team.md)",
                config_file.display(),
                crate::config::DATABASE_URL_ENV
            ),
        )
    })
}

fn connect(url: &str) -> Result<postgres::Client> {
    PgStore::new(url).connect().kind(Failure::Unavailable)
}

fn who(client: &mut postgres::Client, operator: Option<String>) -> Result<String> {
    match operator {
        Some(name) => Ok(name),
        None => Ok(client.query_one("SELECT session_user::text", &[])?.get(0)),
    }
}

pub fn claim(url: &str, args: ClaimArgs) -> Result<()> {
    let mut client = connect(url)?;
    let operator = who(&mut client, args.operator)?;
    if let Some(id) = args.renew {
        return super::team_flow_cmd::renew(&mut client, id, &operator, args.json);
    }
    let Some(item) = pg::claim_next(&mut client, &operator)? else {
        return Err(fail(Failure::NothingLeft, "nothing left to claim"));
    };
    let text = if args.json {
        serde_json::to_string(&item)?
    } else {
        format!(
            "{}\t{}\t{}\t{}\tdue {}\tclaimed by {} until {}\n{}",
            item.id,
            item.account,
            item.channel,
            item.tier,
            item.due_at.format("%Y-%m-%d %H:%M"),
            item.claimed_by,
            item.claim_expires_at.format("%H:%M:%S"),
            item.text
        )
    };
    out::line(&text)?;
    Ok(())
}

pub fn release(url: &str, args: ReleaseArgs) -> Result<()> {
    let mut client = connect(url)?;
    let operator = who(&mut client, args.operator)?;
    match pg::release(&mut client, args.id, &operator)? {
        Release::Released => out::line(&format!("released {}", args.id))?,
        Release::NotClaimed => out::line(&format!("{} was not claimed", args.id))?,
        Release::HeldBy(by) => {
            return Err(fail(
                Failure::Data,
                format!("{} is claimed by {by}, not {operator}", args.id),
            ))
        }
        Release::NoSuchItem => {
            return Err(fail(Failure::Data, format!("no item {}", args.id)));
        }
    }
    Ok(())
}

pub fn team(url: &str, command: TeamCmd) -> Result<()> {
    let mut client = connect(url)?;
    let command = match command {
        TeamCmd::AddTo { .. } | TeamCmd::Discipline { .. } | TeamCmd::Route(_) => {
            return super::team_flow_cmd::team_groups(&mut client, command)
        }
        other => other,
    };
    match command {
        TeamCmd::Add {
            name,
            role,
            shops,
            password_env,
        } => {
            let password =
                match &password_env {
                    Some(var) => Some(std::env::var(var).map_err(|_| {
                        fail(Failure::Usage, format!("--password-env {var}: not set"))
                    })?),
                    None => None,
                };
            pg::add_member(&mut client, &name, role, &shops, password.as_deref())?;
            out::line(&format!(
                "{name} added as {} on {}",
                role.as_str(),
                shops.join(", ")
            ))?;
        }
        TeamCmd::Remove { name } => {
            pg::remove_member(&mut client, &name)?;
            out::line(&format!("{name} removed"))?;
        }
        TeamCmd::List { json } => {
            let members = pg::list_members(&mut client)?;
            if json {
                out::line(&serde_json::to_string(&members)?)?;
            } else {
                for m in members {
                    out::line(&format!("{}\t{}\t{}", m.name, m.role, m.shops.join(", ")))?;
                }
            }
        }
        TeamCmd::Role { name, role } => {
            pg::set_role(&mut client, &name, role)?;
            out::line(&format!("{name} is now {}", role.as_str()))?;
        }
        TeamCmd::ClaimTtl { secs } => {
            pg::set_claim_ttl(&mut client, Duration::from_secs(secs))?;
            out::line(&format!("claims now last {secs}s without activity"))?;
        }
        TeamCmd::EscalateIdle { secs } => {
            pg::set_escalate_idle(&mut client, (secs > 0).then(|| Duration::from_secs(secs)))?;
            out::line(&match secs {
                0 => "idle claims are never escalated".to_string(),
                _ => format!("claims idle for {secs}s are escalated to the managers"),
            })?;
        }
        TeamCmd::AddTo { .. } | TeamCmd::Discipline { .. } | TeamCmd::Route(_) => {}
    }
    Ok(())
}

/// `sync --once` into the shared store: migrates it (the owner runs sync), delivers the
/// replies due in the shared outbox, then one pass of every connector. The blocking
/// connection is made here, outside the runtime.
pub fn sync_once(
    runtime: &tokio::runtime::Runtime,
    url: &str,
    accounts: &[AccountConfig],
) -> Result<()> {
    let store = owner_store(url, accounts)?;
    let (lines, ok) = runtime.block_on(crate::team::deliver_and_sync_once(&store, accounts))?;
    for line in &lines {
        eprintln!("{line}");
    }
    if !ok {
        return Err(fail(
            Failure::Unavailable,
            "some sync passes failed; see above",
        ))
        .context("sync into the shared database");
    }
    Ok(())
}

/// `sync --daemon` on the shared store: syncs every `poll_every` and sends the shared
/// outbox's replies as they are queued, until `stop` resolves.
pub fn sync_daemon(
    runtime: &tokio::runtime::Runtime,
    url: &str,
    accounts: &[AccountConfig],
    poll_every: Duration,
    stop: impl std::future::Future<Output = ()>,
) -> Result<()> {
    let store = owner_store(url, accounts)?;
    runtime.block_on(crate::team::run_daemon(&store, accounts, poll_every, stop))
}

/// The shared store, migrated, for the owner's machine (which has the accounts).
fn owner_store(url: &str, accounts: &[AccountConfig]) -> Result<PgStore> {
    if accounts.is_empty() {
        return Err(fail(
            Failure::Config,
            "no accounts configured; add [[accounts]] to the config file (see docs/configuration.md)",
        ));
    }
    let store = PgStore::open(url).kind(Failure::Unavailable)?;
    if let pg::trigram::SearchIndex::Scanning(reason) = store.search_index()? {
        eprintln!("{}", pg::trigram::scanning_warning(&reason));
    }
    Ok(store)
}
