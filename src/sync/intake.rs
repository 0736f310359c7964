//! A page of items written under the rules of its shop: the SLA policy and the customer
//! linking settings are read here and passed into the store's upsert.

use anyhow::Result;
use chrono::{DateTime, Utc};
use rusqlite::Transaction;

use crate::domain::linking::LinkingSettings;
use crate::domain::NewInteraction;
use crate::store::{self, Intake, UpsertSummary};
use crate::{settings, sla};

/// [`store::upsert_interactions`] with the account's SLA policy and linking settings
/// (the shipped ones where the stored ones cannot be used).
pub fn upsert_interactions(
    tx: &Transaction<'_>,
    account_id: i64,
    source: &str,
    items: &[NewInteraction],
    now: DateTime<Utc>,
) -> Result<UpsertSummary> {
    let linking: LinkingSettings = settings::load(tx, Some(account_id)).unwrap_or_default();
    let policy = sla::Policy::load_or_default(tx, Some(account_id));
    let intake = Intake {
        clocks: &policy,
        linking: &linking,
    };
    store::upsert_interactions(tx, account_id, source, items, now, &intake)
}
