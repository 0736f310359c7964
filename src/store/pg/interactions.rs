//! Items, cursors and sync runs on PostgreSQL: what `sync` writes and the queue reads.

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use postgres::GenericClient;

use crate::domain::{AnswerState, Marketplace, NewInteraction, Rating};
use crate::sla;
use crate::store::{SyncRunRecord, UpsertSummary};

/// The id of the shop `name`, created on first use.
pub fn upsert_account(
    client: &mut impl GenericClient,
    name: &str,
    marketplace: Marketplace,
) -> Result<i64> {
    let row = client
        .query_one(
            "INSERT INTO accounts (name, marketplace) VALUES ($1, $2)
             ON CONFLICT (name) DO UPDATE SET marketplace = excluded.marketplace
             RETURNING id",
            &[&name, &marketplace.as_str()],
        )
        .with_context(|| format!("saving shop {name}"))?;
    Ok(row.get(0))
}

/// One item in, or its changed fields over the stored row (nothing when its raw form is
/// unchanged); `inserted` says which.
const UPSERT: &str = "INSERT INTO interactions AS i (
            account_id, channel, external_id, source, product_external_id, product_name,
            customer_name, text, pros, cons, rating, created_at, waiting_since, synced_at,
            state, answer_text, tier, at_risk_at, due_at, reply_handle, raw)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
                 $18, $19, $20, $21)
         ON CONFLICT (account_id, channel, external_id) DO UPDATE SET
            source = excluded.source,
            product_external_id = excluded.product_external_id,
            product_name = coalesce(excluded.product_name, i.product_name),
            customer_name = coalesce(excluded.customer_name, i.customer_name),
            text = excluded.text, pros = excluded.pros, cons = excluded.cons,
            rating = excluded.rating, created_at = excluded.created_at,
            waiting_since = excluded.waiting_since, synced_at = excluded.synced_at,
            -- A reply of ours still in flight keeps the item pending.
            state = CASE WHEN i.state = 'pending' AND excluded.state = 'open'
                         THEN 'pending' ELSE excluded.state END,
            answer_text = excluded.answer_text, tier = excluded.tier,
            at_risk_at = excluded.at_risk_at, due_at = excluded.due_at,
            reply_handle = coalesce(excluded.reply_handle, i.reply_handle),
            raw = excluded.raw
         WHERE i.raw IS DISTINCT FROM excluded.raw
         RETURNING (xmax = 0) AS inserted";

/// Inserts new items and updates changed ones, idempotently: an item whose raw payload is
/// unchanged is not written (one statement per item, the comparison in its `WHERE`).
///
/// The SLA clock is the shipped default policy's: per-shop policies live in the SQLite
/// settings, which team mode does not share yet.
pub fn upsert_interactions(
    client: &mut impl GenericClient,
    account_id: i64,
    source: &str,
    items: &[NewInteraction],
    now: DateTime<Utc>,
) -> Result<UpsertSummary> {
    let marketplace: Option<Marketplace> = client
        .query_opt(
            "SELECT marketplace FROM accounts WHERE id = $1",
            &[&account_id],
        )?
        .and_then(|r| r.get::<_, String>(0).parse().ok());
    let policy = sla::default_policy();
    let upsert = client.prepare(UPSERT)?;
    let mut summary = UpsertSummary::default();
    for item in items {
        summary.seen += 1;
        let raw = serde_json::to_string(&item.raw)?;
        let clock = policy.clock_for(&sla::ItemFacts::of(item, marketplace, None));
        let state: AnswerState = item.answer_state();
        let rating = item.rating.map(|r: Rating| i16::from(r.stars()));
        let product = item.product.as_ref();
        let written = client
            .query_opt(
                &upsert,
                &[
                    &account_id,
                    &item.channel.as_str(),
                    &item.external_id,
                    &source,
                    &product.map(|p| p.external_id.as_str()),
                    &product.and_then(|p| p.name.as_deref()),
                    &item.customer_name,
                    &item.text,
                    &item.pros,
                    &item.cons,
                    &rating,
                    &item.created_at,
                    &item.waiting_since(),
                    &now,
                    &state.as_str(),
                    &item.answer.as_ref().map(|a| a.text.as_str()),
                    &clock.tier.as_str(),
                    &clock.at_risk_at,
                    &clock.due_at,
                    &item.reply_handle,
                    &raw,
                ],
            )
            .with_context(|| format!("saving {} {}", item.channel.as_str(), item.external_id))?;
        match written.map(|r| r.get::<_, bool>(0)) {
            Some(true) => summary.new += 1,
            Some(false) => summary.changed += 1,
            None => {}
        }
    }
    Ok(summary)
}

pub fn cursor(
    client: &mut impl GenericClient,
    account_id: i64,
    connector: &str,
) -> Result<Option<String>> {
    Ok(client
        .query_opt(
            "SELECT cursor FROM sync_cursors WHERE account_id = $1 AND connector = $2",
            &[&account_id, &connector],
        )?
        .map(|r| r.get(0)))
}

pub fn set_cursor(
    client: &mut impl GenericClient,
    account_id: i64,
    connector: &str,
    cursor: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    client.execute(
        "INSERT INTO sync_cursors (account_id, connector, cursor, updated_at)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (account_id, connector) DO UPDATE
             SET cursor = excluded.cursor, updated_at = excluded.updated_at",
        &[&account_id, &connector, &cursor, &now],
    )?;
    Ok(())
}

pub fn record_sync_run(client: &mut impl GenericClient, run: &SyncRunRecord) -> Result<()> {
    let count = |n: u32| i32::try_from(n).unwrap_or(i32::MAX);
    client.execute(
        "INSERT INTO sync_runs (account_id, connector, started_at, finished_at, ok, requests,
             pages, items_seen, items_new, items_changed, items_skipped, error)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        &[
            &run.account_id,
            &run.connector,
            &run.started_at,
            &run.finished_at,
            &run.ok,
            &count(run.requests),
            &count(run.pages),
            &count(run.items_seen),
            &count(run.items_new),
            &count(run.items_changed),
            &count(run.items_skipped),
            &run.error,
        ],
    )?;
    Ok(())
}

/// One open item of the shared queue.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct QueueItem {
    pub id: i64,
    pub account: String,
    pub channel: String,
    pub tier: String,
    pub due_at: DateTime<Utc>,
    pub text: String,
    /// Who holds a live claim on it, if anyone.
    pub claimed_by: Option<String>,
}

/// A page of open items by deadline (earliest first), after `after` (the last page's
/// last `(due_at, id)`): keyset paging on the partial index of open items. Row-level
/// security limits a member to the shops they are on.
pub fn queue_page(
    client: &mut impl GenericClient,
    after: Option<(DateTime<Utc>, i64)>,
    limit: i64,
) -> Result<Vec<QueueItem>> {
    let (due, id) = after.unzip();
    let rows = client.query(
        "SELECT i.id, a.name, i.channel, i.tier, i.due_at, i.text,
                CASE WHEN i.claim_expires_at > now() THEN i.claimed_by END
         FROM interactions i JOIN accounts a ON a.id = i.account_id
         WHERE i.state = 'open'
           AND ($1::timestamptz IS NULL OR (i.due_at, i.id) > ($1, $2::bigint))
         ORDER BY i.due_at, i.id
         LIMIT $3",
        &[&due, &id, &limit],
    )?;
    Ok(rows
        .iter()
        .map(|r| QueueItem {
            id: r.get(0),
            account: r.get(1),
            channel: r.get(2),
            tier: r.get(3),
            due_at: r.get(4),
            text: r.get(5),
            claimed_by: r.get(6),
        })
        .collect())
}
