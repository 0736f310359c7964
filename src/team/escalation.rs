//! Automatic escalation (ROAD-003), a pass of the owner's daemon each poll: an open item
//! that reached its at-risk time with nobody on it, or a claim idle past the team's
//! `escalate_idle_secs`, goes to the managers (`agentiq_auto_escalate` in the database,
//! which writes the audit trail). The clock is the caller's, so tests can move it.

use anyhow::Result;
use chrono::{DateTime, Utc};

use crate::store::pg::{self, Escalated, PgWriter};

/// Escalates what is due at `now`; the items escalated, and why.
pub async fn escalate_due(writer: &PgWriter, now: DateTime<Utc>) -> Result<Vec<Escalated>> {
    writer
        .call(move |client| pg::auto_escalate(client, now))
        .await
}

/// The daemon's log line for an escalated item.
pub fn escalated_line(now: DateTime<Utc>, item: &Escalated) -> String {
    format!(
        "{} escalated {} to the managers: {}",
        now.format("%H:%M:%S"),
        item.id,
        item.reason
    )
}
