//! The queue and its search on the shared store, for `agentiq list`, `search` and `show`:
//! the same filter (`store::QueueFilter`, which the query language fills in) and the same
//! rows as on SQLite, read from PostgreSQL. Text terms match as on SQLite (`words`).

use std::collections::HashMap;

use anyhow::{anyhow, Result};
use postgres::types::ToSql;
use postgres::{GenericClient, Row};

use super::workflow::{Workflow, EFFECTIVE_WORKFLOW};
use super::{whole_seconds, words};
use crate::domain::{AnswerState, InteractionId, Marketplace, Rating, SlaTier};
use crate::store::{
    AccountRow, AnswerFilter, IntentFilter, ItemText, QueueFilter, QueueRow, QueueSort, Seek,
};

/// The shops the connected person can see.
pub fn accounts(client: &mut impl GenericClient) -> Result<Vec<AccountRow>> {
    client
        .query(
            "SELECT id, name, marketplace FROM accounts ORDER BY name",
            &[],
        )?
        .iter()
        .map(|r| {
            Ok(AccountRow {
                id: r.get(0),
                name: r.get(1),
                marketplace: r.get::<_, &str>(2).parse().map_err(|e| anyhow!("{e}"))?,
            })
        })
        .collect()
}

/// Parameters of a statement being built, numbered as they are added.
#[derive(Default)]
struct Params(Vec<Box<dyn ToSql + Sync>>);

impl Params {
    fn add(&mut self, value: impl ToSql + Sync + 'static) -> String {
        self.0.push(Box::new(value));
        format!("${}", self.0.len())
    }

    fn refs(&self) -> Vec<&(dyn ToSql + Sync)> {
        self.0.iter().map(|b| b.as_ref()).collect()
    }
}

/// Seconds since the epoch, as the SQLite store keeps times and the cursors carry them.
/// Written through `AT TIME ZONE 'UTC'` so the expression is immutable and the queue's
/// indexes (migration 006) serve the order.
fn seconds(column: &str) -> String {
    format!("floor(extract(epoch FROM ({column} AT TIME ZONE 'UTC')))::bigint")
}

fn conditions(filter: &QueueFilter, params: &mut Params) -> String {
    let mut sql = vec![match filter.answered {
        AnswerFilter::Unanswered => "i.state = 'open'".to_string(),
        AnswerFilter::Answered => "i.state IN ('answered', 'pending')".to_string(),
        AnswerFilter::All => "true".to_string(),
    }];
    if let Some(state) = filter.state {
        sql.push(format!(
            "i.state = {}",
            params.add(state.as_str().to_string())
        ));
    }
    if let Some(channel) = filter.channel {
        sql.push(format!(
            "i.channel = {}",
            params.add(channel.as_str().to_string())
        ));
    }
    if let Some(account) = filter.account_id {
        sql.push(format!("i.account_id = {}", params.add(account)));
    }
    if let Some(marketplace) = filter.marketplace {
        sql.push(format!(
            "a.marketplace = {}",
            params.add(marketplace.as_str().to_string())
        ));
    }
    if let Some(now) = filter.breached_at {
        sql.push(format!(
            "i.state = 'open' AND i.due_at <= {}",
            params.add(now)
        ));
    }
    if let Some((low, high)) = filter.rating {
        sql.push(format!(
            "i.rating BETWEEN {} AND {}",
            params.add(i16::from(low)),
            params.add(i16::from(high))
        ));
    }
    // The shared store is not classified and keeps no drafts yet: every item is
    // unclassified and without a draft.
    match &filter.intent {
        Some(IntentFilter::Is(_)) => sql.push("false".into()),
        Some(IntentFilter::Unclassified) | None => {}
    }
    if filter.has_draft == Some(true) {
        sql.push("false".into());
    }
    if let Some(product) = &filter.product {
        sql.push(format!(
            "i.product_external_id = {}",
            params.add(product.clone())
        ));
    }
    for term in &filter.text {
        if let Some(pattern) = words::phrase_pattern(&term.text) {
            sql.push(words::condition(term.field, &params.add(pattern)));
        }
    }
    sql.join(" AND ")
}

/// The order's columns (as `QueueKey` counts them) and whether they descend.
fn order(filter: &QueueFilter, params: &mut Params) -> (Vec<String>, bool) {
    match filter.sort {
        QueueSort::Deadline => (vec![seconds("i.due_at"), "i.id".into()], false),
        QueueSort::Newest => (vec![seconds("i.created_at"), "i.id".into()], true),
        QueueSort::Priority => {
            let at_risk = match filter.ranked_at {
                Some(t) => format!(
                    "(CASE WHEN i.state = 'open' AND i.at_risk_at <= {} THEN 1 ELSE 0 END)",
                    params.add(t)
                ),
                None => "0".into(),
            };
            let rank = format!(
                "greatest((CASE i.tier WHEN 'critical' THEN 0 WHEN 'urgent' THEN 0
                           WHEN 'high' THEN 1 WHEN 'normal' THEN 2 ELSE 3 END) - {at_risk}, 0)::bigint"
            );
            (vec![rank, seconds("i.due_at"), "i.id".into()], false)
        }
    }
}

/// A page of the queue in `filter`'s order from `seek` (the top, or after a row), at most
/// `limit` rows, with each row's whole text.
pub fn queue_rows(
    client: &mut impl GenericClient,
    filter: &QueueFilter,
    seek: Seek,
    limit: usize,
) -> Result<(Vec<QueueRow>, HashMap<InteractionId, ItemText>)> {
    queue_rows_in(client, filter, None, seek, limit)
}

/// [`queue_rows`] of the items in workflow state `workflow` only (when given).
pub fn queue_rows_in(
    client: &mut impl GenericClient,
    filter: &QueueFilter,
    workflow: Option<Workflow>,
    seek: Seek,
    limit: usize,
) -> Result<(Vec<QueueRow>, HashMap<InteractionId, ItemText>)> {
    let mut params = Params::default();
    let mut where_sql = conditions(filter, &mut params);
    if let Some(workflow) = workflow {
        let mark = params.add(workflow.as_str().to_string());
        where_sql.push_str(&format!(" AND {EFFECTIVE_WORKFLOW} = {mark}"));
    }
    let (columns, descending) = order(filter, &mut params);
    let key = match seek {
        Seek::Start { skip: 0 } => None,
        Seek::After { key, skip: 0 } => Some(key),
        other => return Err(anyhow!("the shared store pages only forwards ({other:?})")),
    };
    if let Some(key) = key {
        let values: Vec<i64> = match filter.sort {
            QueueSort::Priority => vec![key.rank, key.time, key.id],
            QueueSort::Deadline | QueueSort::Newest => vec![key.time, key.id],
        };
        let marks: Vec<String> = values.into_iter().map(|v| params.add(v)).collect();
        let op = if descending { "<" } else { ">" };
        where_sql.push_str(&format!(
            " AND ({}) {op} ({})",
            columns.join(", "),
            marks.join(", ")
        ));
    }
    let direction = if descending { "DESC" } else { "ASC" };
    let order_by: Vec<String> = columns.iter().map(|c| format!("{c} {direction}")).collect();
    let limit = params.add(i64::try_from(limit).unwrap_or(i64::MAX));
    let sql = format!(
        "SELECT i.id, a.name, a.marketplace, i.channel, i.rating, i.product_name,
                i.customer_name, i.text, i.tier, i.created_at, i.at_risk_at, i.due_at,
                (SELECT o.last_error FROM outbox o WHERE o.interaction_id = i.id
                   AND o.state IN ('failed', 'rejected') AND o.cancelled_at IS NULL
                 ORDER BY o.id DESC LIMIT 1),
                i.state, i.account_id, i.external_id, i.product_external_id
         FROM interactions i JOIN accounts a ON a.id = i.account_id
         WHERE {where_sql}
         ORDER BY {}
         LIMIT {limit}",
        order_by.join(", ")
    );
    let rows = client.query(&sql, &params.refs())?;
    let mut page = Vec::with_capacity(rows.len());
    let mut whole = HashMap::with_capacity(rows.len());
    for r in &rows {
        let row = queue_row(r)?;
        whole.insert(
            row.id,
            ItemText {
                external_id: r.get(15),
                text: r.get(7),
                product_external_id: r.get(16),
            },
        );
        page.push(row);
    }
    Ok((page, whole))
}

fn queue_row(r: &Row) -> Result<QueueRow> {
    let marketplace: Marketplace = r.get::<_, &str>(2).parse().map_err(|e| anyhow!("{e}"))?;
    let text: String = r.get(7);
    Ok(QueueRow {
        id: InteractionId(r.get(0)),
        account_name: r.get(1),
        marketplace,
        channel: r.get::<_, &str>(3).parse().map_err(|e| anyhow!("{e}"))?,
        rating: r
            .get::<_, Option<i16>>(4)
            .and_then(|n| u8::try_from(n).ok())
            .and_then(Rating::new),
        product_name: r.get(5),
        customer_name: r.get(6),
        preview: text.chars().take(240).collect(),
        tier: SlaTier::parse(r.get(8)).unwrap_or(SlaTier::Normal),
        state: AnswerState::parse(r.get(13)).unwrap_or(AnswerState::Open),
        created_at: whole_seconds(r.get(9)),
        at_risk_at: whole_seconds(r.get(10)),
        due_at: whole_seconds(r.get(11)),
        send_error: r.get(12),
        account_id: r.get(14),
        intent: None,
        auto_reply: None,
        prior_complaints: 0,
        unanswered_buyer_messages: 0,
        draft_confidence: None,
        claimed_by: None,
    })
}

/// The outbox rows of item `id`, as `show` prints them.
pub fn outbox_rows(client: &mut impl GenericClient, id: i64) -> Result<Vec<serde_json::Value>> {
    let time = |t: Option<chrono::DateTime<chrono::Utc>>| t.map(|t| t.to_rfc3339());
    Ok(client
        .query(
            "SELECT id, state, text, attempts, last_error, verdict, actor, created_at, sent_at,
                    confirmed_at, cancelled_at, shadow
             FROM outbox WHERE interaction_id = $1 ORDER BY id",
            &[&id],
        )?
        .iter()
        .map(|r| {
            serde_json::json!({
                "id": r.get::<_, i64>(0),
                "state": r.get::<_, String>(1),
                "text": r.get::<_, String>(2),
                "attempts": i64::from(r.get::<_, i32>(3)),
                "last_error": r.get::<_, Option<String>>(4),
                "verdict": r.get::<_, Option<String>>(5),
                "actor": r.get::<_, String>(6),
                "created_at": time(r.get(7)),
                "sent_at": time(r.get(8)),
                "confirmed_at": time(r.get(9)),
                "cancelled_at": time(r.get(10)),
                "shadow": r.get::<_, bool>(11),
            })
        })
        .collect())
}

/// The audit trail of item `id`, oldest first.
pub fn audit_rows(client: &mut impl GenericClient, id: i64) -> Result<Vec<serde_json::Value>> {
    Ok(client
        .query(
            "SELECT at, actor, action, detail FROM audit_log WHERE interaction_id = $1 ORDER BY id",
            &[&id],
        )?
        .iter()
        .map(|r| {
            serde_json::json!({
                "at": r.get::<_, chrono::DateTime<chrono::Utc>>(0).to_rfc3339(),
                "actor": r.get::<_, String>(1),
                "action": r.get::<_, String>(2),
                "detail": r.get::<_, serde_json::Value>(3),
            })
        })
        .collect())
}
