//! Claims: an operator takes the next open item by the queue's order (earliest deadline
//! first) with `FOR UPDATE SKIP LOCKED`, so concurrent claimants never wait on each other
//! nor take the same item. A claim lasts `claim_ttl_secs` (a team setting) unless renewed;
//! an expired claim is free to take again, so a claimant that vanished loses nothing.

use std::time::Duration;

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use postgres::GenericClient;

use super::routing::{self, Discipline};

/// The item a claim took.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ClaimedItem {
    pub id: i64,
    pub account: String,
    pub channel: String,
    pub external_id: String,
    pub tier: String,
    pub due_at: DateTime<Utc>,
    pub text: String,
    pub claimed_by: String,
    pub claim_expires_at: DateTime<Utc>,
}

/// How long a claim lasts without activity.
pub fn claim_ttl(client: &mut impl GenericClient) -> Result<Duration> {
    let secs: Option<String> = client
        .query_opt(
            "SELECT value FROM team_settings WHERE key = 'claim_ttl_secs'",
            &[],
        )?
        .map(|r| r.get(0));
    let secs = secs
        .as_deref()
        .unwrap_or("900")
        .parse::<u64>()
        .context("team setting claim_ttl_secs is not a number of seconds")?;
    Ok(Duration::from_secs(secs))
}

/// Sets how long a claim lasts without activity (the owner's setting; the database
/// refuses anyone else).
pub fn set_claim_ttl(client: &mut impl GenericClient, ttl: Duration) -> Result<()> {
    client
        .execute(
            "UPDATE team_settings SET value = $1 WHERE key = 'claim_ttl_secs'",
            &[&ttl.as_secs().to_string()],
        )
        .context("changing claim_ttl_secs")?;
    Ok(())
}

/// Claims the next free open item for `operator`, or `None` when none is left. One
/// statement per try: the item is chosen, locked and claimed atomically. An item a
/// manager assigned to `operator` comes first; escalated items wait for a manager (or
/// the owner), who gets them before the rest; then items routed to `operator` or their
/// team, then unrouted ones (routing.rs), each in their team's discipline.
pub fn claim_next(client: &mut impl GenericClient, operator: &str) -> Result<Option<ClaimedItem>> {
    let ttl = claim_ttl(client)?.as_secs_f64();
    let (tries, discipline) = routing::claim_plan(client, operator)?;
    for only in &tries {
        if let Some(item) = claim_where(client, operator, ttl, (only, discipline))? {
            return Ok(Some(item));
        }
    }
    Ok(None)
}

/// Claims the first open item meeting `only` (an SQL condition of ours on
/// `interactions i`) in `discipline`'s order.
fn claim_where(
    client: &mut impl GenericClient,
    operator: &str,
    ttl: f64,
    (only, discipline): (&str, Discipline),
) -> Result<Option<ClaimedItem>> {
    let order = routing::order_of(discipline);
    let row = client
        .query_opt(
            &format!(
                "UPDATE interactions i
                 SET claimed_by = $1, claimed_at = now(),
                     claim_expires_at = now() + make_interval(secs => $2)
                 FROM accounts a
                 WHERE a.id = i.account_id
                   AND i.id = (SELECT i.id FROM interactions i
                               WHERE i.state = 'open' AND {only}
                               ORDER BY {order}
                               LIMIT 1
                               FOR UPDATE SKIP LOCKED)
                 RETURNING i.id, a.name, i.channel, i.external_id, i.tier, i.due_at, i.text,
                           i.claimed_by, i.claim_expires_at"
            ),
            &[&operator, &ttl],
        )
        .with_context(|| format!("claiming the next item for {operator}"))?;
    Ok(row.map(|r| ClaimedItem {
        id: r.get(0),
        account: r.get(1),
        channel: r.get(2),
        external_id: r.get(3),
        tier: r.get(4),
        due_at: r.get(5),
        text: r.get(6),
        claimed_by: r.get(7),
        claim_expires_at: r.get(8),
    }))
}

/// What a release did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Release {
    Released,
    /// The item has no live claim (never claimed, released, or expired).
    NotClaimed,
    /// Someone else holds it.
    HeldBy(String),
    NoSuchItem,
}

/// Releases `operator`'s claim on item `id`; another person's claim stays.
pub fn release(client: &mut impl GenericClient, id: i64, operator: &str) -> Result<Release> {
    let released = client
        .execute(
            "UPDATE interactions
             SET claimed_by = NULL, claimed_at = NULL, claim_expires_at = NULL
             WHERE id = $1 AND claimed_by = $2 AND claim_expires_at > now()",
            &[&id, &operator],
        )
        .with_context(|| format!("releasing item {id}"))?;
    if released > 0 {
        return Ok(Release::Released);
    }
    let holder = client.query_opt(
        "SELECT CASE WHEN claim_expires_at > now() THEN claimed_by END
         FROM interactions WHERE id = $1",
        &[&id],
    )?;
    Ok(match holder.map(|r| r.get::<_, Option<String>>(0)) {
        None => Release::NoSuchItem,
        Some(None) => Release::NotClaimed,
        Some(Some(by)) => Release::HeldBy(by),
    })
}
