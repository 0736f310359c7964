//! Routing (ROAD-001/002) and queue discipline (ROAD-005) on the shared store: teams
//! (named groups of people), rules sending a shop's / marketplace's / channel's items to
//! a person or a team, and the order a team's `claim` takes items in. `claim` reads them
//! through [`claim_plan`]; the owner writes them.

use std::str::FromStr;

use anyhow::{bail, Context, Result};
use postgres::GenericClient;

use crate::cli::exit::{fail, Failure};

/// The order `claim` takes items in, a team's setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Discipline {
    /// Earliest SLA deadline first (the default).
    Sla,
    /// Longest waiting first.
    Fifo,
    /// The shop with the fewest items in hand first, then by deadline: the team spreads
    /// over the shops.
    Balanced,
}

impl Discipline {
    pub fn as_str(self) -> &'static str {
        match self {
            Discipline::Sla => "sla",
            Discipline::Fifo => "fifo",
            Discipline::Balanced => "balanced",
        }
    }

    /// The `ORDER BY` of the candidates (columns of `interactions i`).
    fn order(self) -> &'static str {
        match self {
            Discipline::Sla => "i.due_at, i.id",
            Discipline::Fifo => "i.waiting_since, i.id",
            Discipline::Balanced => {
                "(SELECT count(*) FROM interactions c WHERE c.account_id = i.account_id
                    AND c.state = 'open' AND c.claim_expires_at > now()), i.due_at, i.id"
            }
        }
    }
}

impl FromStr for Discipline {
    type Err = String;
    fn from_str(s: &str) -> Result<Discipline, String> {
        match s.trim().to_lowercase().as_str() {
            "sla" => Ok(Discipline::Sla),
            "fifo" => Ok(Discipline::Fifo),
            "balanced" => Ok(Discipline::Balanced),
            other => Err(format!(
                "unknown discipline {other:?}: sla, fifo or balanced"
            )),
        }
    }
}

/// A rule matching item `i`: its shop, marketplace and channel (a null column: any).
const MATCHES: &str = "(r.account_id IS NULL OR r.account_id = i.account_id)
     AND (r.channel IS NULL OR r.channel = i.channel)
     AND (r.marketplace IS NULL
          OR r.marketplace = (SELECT a.marketplace FROM accounts a WHERE a.id = i.account_id))";

/// What `claim` tries, in order, for `claimant`: SQL conditions on `interactions i`
/// (with `$1` the claimant), and the order within each.
pub(super) fn claim_plan(
    client: &mut impl GenericClient,
    claimant: &str,
) -> Result<(Vec<String>, Discipline)> {
    let row = client.query_one(
        "SELECT agentiq_role_of($1),
                (SELECT g.discipline FROM team_groups g
                 JOIN team_group_members m ON m.team = g.name
                 WHERE m.member = $1 ORDER BY g.name LIMIT 1)",
        &[&claimant],
    )?;
    let role: String = row.get(0);
    let discipline = row
        .get::<_, Option<String>>(1)
        .map_or(Ok(Discipline::Sla), |d| d.parse())
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let free = "(i.claimed_by IS NULL OR i.claim_expires_at < now())";
    let assigned = "i.workflow = 'assigned' AND i.claimed_by = $1 AND i.claim_expires_at > now()";
    let routed_to_me = format!(
        "EXISTS (SELECT 1 FROM team_routes r WHERE {MATCHES}
                 AND (r.to_member = $1 OR r.to_team IN
                      (SELECT g.team FROM team_group_members g WHERE g.member = $1)))"
    );
    let unrouted = format!("NOT EXISTS (SELECT 1 FROM team_routes r WHERE {MATCHES})");
    let tries = match role.as_str() {
        "operator" => vec![
            assigned.to_string(),
            format!("{free} AND i.workflow <> 'escalated' AND {routed_to_me}"),
            format!("{free} AND i.workflow <> 'escalated' AND {unrouted}"),
        ],
        "manager" => vec![
            assigned.to_string(),
            format!("{free} AND i.workflow = 'escalated'"),
            format!("{free} AND {routed_to_me}"),
            format!("{free} AND {unrouted}"),
        ],
        _ => vec![
            assigned.to_string(),
            format!("{free} AND i.workflow = 'escalated'"),
            free.to_string(),
        ],
    };
    Ok((tries, discipline))
}

/// The `ORDER BY` of `discipline`, for the claim statement.
pub(super) fn order_of(discipline: Discipline) -> &'static str {
    discipline.order()
}

/// Puts `member` on team `team`, creating the team when it is new.
pub fn add_to_team(client: &mut impl GenericClient, team: &str, member: &str) -> Result<()> {
    let mut tx = client.transaction()?;
    tx.execute(
        "INSERT INTO team_groups (name) VALUES ($1) ON CONFLICT DO NOTHING",
        &[&team],
    )?;
    let added = tx.execute(
        "INSERT INTO team_group_members (team, member)
         SELECT $1, member FROM team_members WHERE member = $2 ON CONFLICT DO NOTHING",
        &[&team, &member],
    )?;
    let known = tx
        .query_opt("SELECT 1 FROM team_members WHERE member = $1", &[&member])?
        .is_some();
    if !known {
        bail!(fail(Failure::Data, format!("{member} is not on the team")));
    }
    tx.commit()
        .with_context(|| format!("adding {member} to {team} ({added} new)"))?;
    Ok(())
}

/// Sets team `team`'s queue discipline.
pub fn set_discipline(
    client: &mut impl GenericClient,
    team: &str,
    discipline: Discipline,
) -> Result<()> {
    let changed = client.execute(
        "UPDATE team_groups SET discipline = $2 WHERE name = $1",
        &[&team, &discipline.as_str()],
    )?;
    if changed == 0 {
        bail!(fail(
            Failure::Data,
            format!("no team {team}: add someone to it first (team add-to)")
        ));
    }
    Ok(())
}

/// A routing rule as `team route list` shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Route {
    pub id: i64,
    pub shop: Option<String>,
    pub marketplace: Option<String>,
    pub channel: Option<String>,
    pub to_member: Option<String>,
    pub to_team: Option<String>,
}

/// Adds a rule (the shop by name); its id.
pub fn add_route(client: &mut impl GenericClient, route: &Route) -> Result<i64> {
    let account: Option<i64> = match &route.shop {
        Some(shop) => Some(
            client
                .query_opt("SELECT id FROM accounts WHERE name = $1", &[shop])?
                .ok_or_else(|| fail(Failure::Data, format!("no shop named {shop:?}")))?
                .get(0),
        ),
        None => None,
    };
    let row = client
        .query_one(
            "INSERT INTO team_routes (account_id, marketplace, channel, to_member, to_team)
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
            &[
                &account,
                &route.marketplace,
                &route.channel,
                &route.to_member,
                &route.to_team,
            ],
        )
        .map_err(|e| fail(Failure::Data, format!("adding the rule: {e}")))?;
    Ok(row.get(0))
}

pub fn list_routes(client: &mut impl GenericClient) -> Result<Vec<Route>> {
    Ok(client
        .query(
            "SELECT r.id, a.name, r.marketplace, r.channel, r.to_member, r.to_team
             FROM team_routes r LEFT JOIN accounts a ON a.id = r.account_id ORDER BY r.id",
            &[],
        )?
        .iter()
        .map(|r| Route {
            id: r.get(0),
            shop: r.get(1),
            marketplace: r.get(2),
            channel: r.get(3),
            to_member: r.get(4),
            to_team: r.get(5),
        })
        .collect())
}

pub fn remove_route(client: &mut impl GenericClient, id: i64) -> Result<()> {
    if client.execute("DELETE FROM team_routes WHERE id = $1", &[&id])? == 0 {
        bail!(fail(Failure::Data, format!("no routing rule {id}")));
    }
    Ok(())
}
