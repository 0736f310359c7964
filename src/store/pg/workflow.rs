//! Workflow states (ROAD-004) and escalation (ROAD-003) on the shared store. The states
//! move in the database (migration 004's trigger) as claims, replies and sync change an
//! item; this module reads them, renews claims and escalates.

use std::collections::HashMap;
use std::str::FromStr;

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use postgres::GenericClient;

use super::outbox::Refusal;

/// Where an item is in the team's work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Workflow {
    New,
    /// A manager gave it to someone who has not started on it.
    Assigned,
    InProgress,
    Answered,
    Escalated,
    /// A chat answered: the buyer's turn.
    WaitingBuyer,
}

impl Workflow {
    pub const ALL: [Workflow; 6] = [
        Workflow::New,
        Workflow::Assigned,
        Workflow::InProgress,
        Workflow::Answered,
        Workflow::Escalated,
        Workflow::WaitingBuyer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Workflow::New => "new",
            Workflow::Assigned => "assigned",
            Workflow::InProgress => "in_progress",
            Workflow::Answered => "answered",
            Workflow::Escalated => "escalated",
            Workflow::WaitingBuyer => "waiting_buyer",
        }
    }
}

impl FromStr for Workflow {
    type Err = String;
    fn from_str(s: &str) -> Result<Workflow, String> {
        let wanted = s.trim().to_lowercase().replace(['-', ' '], "_");
        Workflow::ALL
            .into_iter()
            .find(|w| w.as_str() == wanted)
            .ok_or_else(|| {
                let names: Vec<&str> = Workflow::ALL.iter().map(|w| w.as_str()).collect();
                format!("unknown workflow state {s:?}: one of {}", names.join(", "))
            })
    }
}

/// The state an item of `interactions i` is in: an assigned or started item whose claim
/// expired is back to `new` (anyone may take it), whatever the stored column says.
pub const EFFECTIVE_WORKFLOW: &str = "(CASE WHEN i.state = 'open'
       AND i.workflow IN ('assigned', 'in_progress')
       AND NOT coalesce(i.claim_expires_at > now(), false)
     THEN 'new' ELSE i.workflow END)";

/// What team mode adds to an item in `list` and `show`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemMarks {
    /// Who holds a live claim on it.
    pub claimed_by: Option<String>,
    pub claim_expires_at: Option<DateTime<Utc>>,
    pub workflow: String,
    pub escalation_reason: Option<String>,
}

impl ItemMarks {
    /// The keys `list --json` and `show --json` add on the shared store.
    pub fn json(&self) -> serde_json::Map<String, serde_json::Value> {
        let mut map = serde_json::Map::new();
        map.insert("claimed_by".into(), self.claimed_by.clone().into());
        map.insert(
            "claim_expires_at".into(),
            self.claim_expires_at.map(|t| t.to_rfc3339()).into(),
        );
        map.insert("workflow".into(), self.workflow.clone().into());
        map.insert(
            "escalation_reason".into(),
            self.escalation_reason.clone().into(),
        );
        map
    }

    /// `in_progress · maria`: a list row's mark.
    pub fn short(&self) -> String {
        match &self.claimed_by {
            Some(by) => format!("{} · {by}", self.workflow),
            None => self.workflow.clone(),
        }
    }

    /// `in_progress, claimed by maria until 14:05:00` and the like, for `show`.
    pub fn text(&self) -> String {
        match (&self.claimed_by, self.claim_expires_at) {
            (Some(by), Some(until)) => format!(
                "{}, claimed by {by} until {}",
                self.workflow,
                until.format("%H:%M:%S")
            ),
            _ => self.workflow.clone(),
        }
    }
}

/// The marks of the items `ids` (those the connected person can see).
pub fn marks(client: &mut impl GenericClient, ids: &[i64]) -> Result<HashMap<i64, ItemMarks>> {
    let rows = client
        .query(
            &format!(
                "SELECT i.id, CASE WHEN i.claim_expires_at > now() THEN i.claimed_by END,
                        CASE WHEN i.claim_expires_at > now() THEN i.claim_expires_at END,
                        {EFFECTIVE_WORKFLOW}, i.escalation_reason
                 FROM interactions i WHERE i.id = ANY($1)"
            ),
            &[&ids],
        )
        .context("reading claims and workflow states")?;
    Ok(rows
        .iter()
        .map(|r| {
            let marks = ItemMarks {
                claimed_by: r.get(1),
                claim_expires_at: r.get(2),
                workflow: r.get(3),
                escalation_reason: r.get(4),
            };
            (r.get(0), marks)
        })
        .collect())
}

/// What renewing a claim did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Renewal {
    /// The claim now lasts until then.
    Renewed(DateTime<Utc>),
    /// `who` does not hold it (nobody does, or this person does).
    NotHeld(Option<String>),
    NoSuchItem,
}

/// Renews `who`'s claim on item `id` for another claim lifetime: their activity on it
/// (`show`, a reply, `claim --renew`). A claim of theirs that expired and nobody took is
/// theirs again; one someone else took stays with them.
pub fn renew(client: &mut impl GenericClient, id: i64, who: &str) -> Result<Renewal> {
    let ttl = super::claim_ttl(client)?.as_secs_f64();
    let renewed = client
        .query_opt(
            "UPDATE interactions
             SET claim_expires_at = now() + make_interval(secs => $3)
             WHERE id = $1 AND claimed_by = $2 AND state = 'open'
             RETURNING claim_expires_at",
            &[&id, &who, &ttl],
        )
        .with_context(|| format!("renewing the claim on item {id}"))?;
    if let Some(row) = renewed {
        return Ok(Renewal::Renewed(row.get(0)));
    }
    let holder = client.query_opt(
        "SELECT CASE WHEN claim_expires_at > now() THEN claimed_by END
         FROM interactions WHERE id = $1",
        &[&id],
    )?;
    Ok(match holder {
        None => Renewal::NoSuchItem,
        Some(row) => Renewal::NotHeld(row.get(0)),
    })
}

/// Escalates item `id` to the managers with `reason`, as the connected person
/// (`agentiq_escalate`: the database checks the shop and the claim).
pub fn escalate(
    client: &mut impl GenericClient,
    id: i64,
    reason: &str,
) -> Result<std::result::Result<(), Refusal>> {
    match client.execute("SELECT agentiq_escalate($1, $2)", &[&id, &reason]) {
        Ok(_) => Ok(Ok(())),
        Err(err) => refusal(err).map(Err).context("escalating the item"),
    }
}

/// Assigns item `id` to `member` as the connected manager or owner (`agentiq_assign`:
/// the database refuses an operator, an item not waiting for an answer, or a person not
/// on the item's shop).
pub fn assign(
    client: &mut impl GenericClient,
    id: i64,
    member: &str,
) -> Result<std::result::Result<(), Refusal>> {
    match client.execute("SELECT agentiq_assign($1, $2)", &[&id, &member]) {
        Ok(_) => Ok(Ok(())),
        Err(err) => refusal(err).map(Err).context("assigning the item"),
    }
}

/// The refusal a team function raised (`AQ404`, `AQ409`, `AQ422`, no permission), or the
/// error itself when it is something else.
pub(crate) fn refusal(err: postgres::Error) -> Result<Refusal> {
    let Some(db) = err.as_db_error() else {
        return Err(err.into());
    };
    let message = db.message().to_string();
    Ok(match db.code().code() {
        "AQ404" => Refusal::NoSuchItem,
        "AQ409" | "42501" => Refusal::Claim(message),
        "AQ422" => Refusal::Answered(message),
        _ => return Err(err.into()),
    })
}

/// An item the owner's daemon escalated, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Escalated {
    pub id: i64,
    pub reason: String,
}

/// One pass of automatic escalation at `now` (the owner's daemon): open items at risk of
/// breaching that nobody holds, and claims idle for `escalate_idle_secs`.
pub fn auto_escalate(
    client: &mut impl GenericClient,
    now: DateTime<Utc>,
) -> Result<Vec<Escalated>> {
    Ok(client
        .query(
            "SELECT item, reason FROM agentiq_auto_escalate($1) ORDER BY item",
            &[&now],
        )
        .context("escalating items near breach and idle claims")?
        .iter()
        .map(|r| Escalated {
            id: r.get(0),
            reason: r.get(1),
        })
        .collect())
}

/// How long a claim may sit idle before the daemon escalates it; `None`: never.
pub fn set_escalate_idle(
    client: &mut impl GenericClient,
    idle: Option<std::time::Duration>,
) -> Result<()> {
    let secs = idle.map_or(0, |d| d.as_secs().max(1));
    client
        .execute(
            "UPDATE team_settings SET value = $1 WHERE key = 'escalate_idle_secs'",
            &[&secs.to_string()],
        )
        .context("changing escalate_idle_secs")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::Workflow;

    #[test]
    fn workflow_states_parse_as_printed_and_in_friendlier_spellings() {
        for w in Workflow::ALL {
            assert_eq!(w.as_str().parse::<Workflow>(), Ok(w));
        }
        assert_eq!("in-progress".parse(), Ok(Workflow::InProgress));
        assert_eq!("Waiting buyer".parse(), Ok(Workflow::WaitingBuyer));
        assert!("done"
            .parse::<Workflow>()
            .unwrap_err()
            .contains("in_progress"));
    }
}
