//! What an operator's inbox reads and does on the shared store besides the queue
//! commands: the items changed since a cursor (`change_seq`, migration 005) for its local
//! cache, a claim on one chosen item, an assignment, and the people one may assign to.

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use postgres::GenericClient;

use crate::domain::Marketplace;
use crate::store::team_cache::{Claim, TeamItem};

/// The channel every write of an item notifies (migration 005).
pub const ITEMS_CHANNEL: &str = "agentiq_items";

/// One read of the changes.
#[derive(Debug, Clone, PartialEq)]
pub struct Changes {
    pub items: Vec<TeamItem>,
    /// Where the next read starts. Stays where it was while another transaction is in
    /// flight: it may have taken lower numbers than those read and commit later, so they
    /// are read again (harmless: writing an item twice leaves it the same).
    pub cursor: i64,
    /// More changes wait beyond `limit`.
    pub more: bool,
}

/// Items (of the shops the connected person is on: row-level security) written after
/// change `cursor`, oldest first, at most `limit`.
pub fn changes_since(client: &mut postgres::Client, cursor: i64, limit: i64) -> Result<Changes> {
    let mut tx = client
        .build_transaction()
        .isolation_level(postgres::IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()?;
    let rows = tx
        .query(
            "SELECT i.id, a.name, a.marketplace, i.channel, i.external_id, i.source,
                    i.product_external_id, i.product_name, i.customer_name, i.text, i.pros,
                    i.cons, i.rating, i.created_at, i.waiting_since, i.synced_at, i.state,
                    i.answer_text, i.tier, i.at_risk_at, i.due_at, i.reply_handle, i.raw,
                    i.claimed_by, i.claim_expires_at, i.change_seq
             FROM interactions i JOIN accounts a ON a.id = i.account_id
             WHERE i.change_seq > $1
             ORDER BY i.change_seq
             LIMIT $2",
            &[&cursor, &limit],
        )
        .context("reading the shared inbox's changes")?;
    let in_flight: i64 = tx
        .query_one(
            "SELECT count(*) FROM pg_snapshot_xip(pg_current_snapshot())",
            &[],
        )?
        .get(0);
    tx.commit()?;
    let more = rows.len() as i64 >= limit;
    let last = rows.last().map(|r| r.get::<_, i64>(25));
    let items = rows.iter().map(team_item).collect::<Result<Vec<_>>>()?;
    let cursor = match last {
        Some(last) if in_flight == 0 || more => last,
        _ => cursor,
    };
    Ok(Changes {
        items,
        cursor,
        more,
    })
}

fn team_item(r: &postgres::Row) -> Result<TeamItem> {
    let marketplace: Marketplace = r
        .get::<_, &str>(2)
        .parse()
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let claim = match (r.get::<_, Option<String>>(23), r.get(24)) {
        (Some(by), Some(expires_at)) => Some(Claim { by, expires_at }),
        _ => None,
    };
    Ok(TeamItem {
        team_id: r.get(0),
        account: r.get(1),
        marketplace,
        channel: r.get(3),
        external_id: r.get(4),
        source: r.get(5),
        product_external_id: r.get(6),
        product_name: r.get(7),
        customer_name: r.get(8),
        text: r.get(9),
        pros: r.get(10),
        cons: r.get(11),
        rating: r.get::<_, Option<i16>>(12).map(i64::from),
        created_at: r.get(13),
        waiting_since: r.get(14),
        synced_at: r.get(15),
        state: r.get(16),
        answer_text: r.get(17),
        tier: r.get(18),
        at_risk_at: r.get(19),
        due_at: r.get(20),
        reply_handle: r.get(21),
        raw: r.get(22),
        claim,
    })
}

/// Who the connection is and their role ('owner', 'manager' or 'operator').
pub fn whoami(client: &mut impl GenericClient) -> Result<(String, String)> {
    let row = client
        .query_one("SELECT session_user::text, agentiq_my_role()", &[])
        .context("asking the shared database who this is")?;
    Ok((row.get(0), row.get(1)))
}

/// What a claim on a chosen item did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClaimOutcome {
    Claimed(Claim),
    /// Someone else holds a live claim on it.
    HeldBy(String),
    /// Answered, pending or archived: nothing to claim.
    NotOpen,
    NoSuchItem,
}

/// Claims item `id` for `member` (or renews their own claim), unless someone else holds
/// it or it is not open. One conditional update: two people never both win.
pub fn claim_item(client: &mut impl GenericClient, id: i64, member: &str) -> Result<ClaimOutcome> {
    let ttl = super::claim_ttl(client)?.as_secs_f64();
    let claimed = client
        .query_opt(
            "UPDATE interactions
             SET claimed_by = $2, claimed_at = now(),
                 claim_expires_at = now() + make_interval(secs => $3)
             WHERE id = $1 AND state = 'open'
               AND (claimed_by IS NULL OR claimed_by = $2 OR claim_expires_at < now())
             RETURNING claim_expires_at",
            &[&id, &member, &ttl],
        )
        .with_context(|| format!("claiming item {id}"))?;
    if let Some(row) = claimed {
        return Ok(ClaimOutcome::Claimed(Claim {
            by: member.to_string(),
            expires_at: row.get(0),
        }));
    }
    let row = client.query_opt(
        "SELECT state, CASE WHEN claim_expires_at > now() THEN claimed_by END
         FROM interactions WHERE id = $1",
        &[&id],
    )?;
    Ok(match row.map(|r| (r.get::<_, String>(0), r.get(1))) {
        None => ClaimOutcome::NoSuchItem,
        Some((_, Some(by))) if by != member => ClaimOutcome::HeldBy(by),
        Some(_) => ClaimOutcome::NotOpen,
    })
}

/// Gives item `id` to `member` (a manager's or the owner's assignment): the database's
/// policies refuse an operator (an error for a free item; `None` for an item someone
/// else holds, which the policy hides) and an item of a shop the caller is not on.
pub fn assign(client: &mut impl GenericClient, id: i64, member: &str) -> Result<Option<Claim>> {
    let ttl = super::claim_ttl(client)?.as_secs_f64();
    let row = client
        .query_opt(
            "UPDATE interactions
             SET claimed_by = $2, claimed_at = now(),
                 claim_expires_at = now() + make_interval(secs => $3)
             WHERE id = $1 AND state = 'open'
             RETURNING claim_expires_at",
            &[&id, &member, &ttl],
        )
        .map_err(|e| anyhow::anyhow!(database_message(&e)))?;
    Ok(row.map(|r| Claim {
        by: member.to_string(),
        expires_at: r.get::<_, DateTime<Utc>>(0),
    }))
}

/// The people the connected person may assign items to, with their roles.
pub fn colleagues(client: &mut impl GenericClient) -> Result<Vec<(String, String)>> {
    Ok(client
        .query("SELECT member, role FROM agentiq_colleagues()", &[])
        .context("reading the team")?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect())
}

/// The server's own words for an error, without the client library's wrapping.
pub fn database_message(e: &postgres::Error) -> String {
    e.as_db_error()
        .map(|db| db.message().to_string())
        .unwrap_or_else(|| e.to_string())
}
