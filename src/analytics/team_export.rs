//! `agentiq export interactions` on a team's shared PostgreSQL store: the same columns
//! and cells as on SQLite ([`super::export`] writes both), streamed row by row as the
//! query steps. What the shared store does not keep (classification, product cards'
//! prices and names of Ozon items, prompt versions, editor timings) is empty.

use std::io::Write;

use anyhow::{anyhow, Result};
use postgres::fallible_iterator::FallibleIterator;
use postgres::types::ToSql;

use super::export::{write_interactions, ExportFormat, ExportQuery};
use super::facts::{FirstReply, ItemRow};
use super::MetricsQuery;

/// Times in whole seconds since the epoch, as the SQLite store keeps them.
const SELECT: &str = "
    SELECT i.id, i.account_id, a.name, a.marketplace, i.channel, i.external_id,
           floor(extract(epoch FROM i.created_at))::bigint,
           floor(extract(epoch FROM i.due_at))::bigint, i.state, i.tier,
           floor(extract(epoch FROM i.first_answered_at))::bigint,
           (SELECT floor(extract(epoch FROM min(coalesce(o.sent_at, o.confirmed_at))))::bigint
              FROM outbox o
             WHERE o.interaction_id = i.id AND o.state IN ('accepted', 'visible')
               AND NOT o.shadow AND o.cancelled_at IS NULL),
           i.rating::bigint, i.product_external_id, i.product_name,
           fr.id, fr.actor, coalesce(fr.draft_source, 'manual'), fr.edit_distance,
           fr.verdict, fr.overridden, coalesce(fr.findings::text, '[]')
    FROM interactions i
    JOIN accounts a ON a.id = i.account_id
    LEFT JOIN outbox fr ON fr.id = (
        SELECT o.id FROM outbox o
        WHERE o.interaction_id = i.id AND o.state IN ('accepted', 'visible') AND NOT o.shadow
          AND o.cancelled_at IS NULL AND o.kind = 'reply'
        ORDER BY coalesce(o.sent_at, o.confirmed_at), o.id
        LIMIT 1)
    WHERE i.created_at >= $1 AND i.created_at < $2";

/// The statement and its parameters for the items created in `q`'s period.
fn statement(q: &MetricsQuery) -> (String, Vec<Box<dyn ToSql + Sync>>) {
    let mut sql = SELECT.to_string();
    let mut params: Vec<Box<dyn ToSql + Sync>> = vec![Box::new(q.from), Box::new(q.to)];
    if let Some(account) = q.account_id {
        params.push(Box::new(account));
        sql.push_str(&format!(" AND i.account_id = ${}", params.len()));
    }
    if let Some(marketplace) = q.marketplace {
        params.push(Box::new(marketplace.as_str().to_string()));
        sql.push_str(&format!(" AND a.marketplace = ${}", params.len()));
    }
    if let Some(channel) = q.channel {
        params.push(Box::new(channel.as_str().to_string()));
        sql.push_str(&format!(" AND i.channel = ${}", params.len()));
    }
    sql.push_str(" ORDER BY i.created_at, i.id");
    (sql, params)
}

fn item_row(r: &postgres::Row) -> Result<ItemRow> {
    let parse = |s: &str| anyhow!("item {}: {s}", r.get::<_, i64>(0));
    Ok(ItemRow {
        id: r.get(0),
        account_id: r.get(1),
        account_name: r.get(2),
        marketplace: r
            .get::<_, &str>(3)
            .parse()
            .map_err(|_| parse("marketplace"))?,
        channel: r.get::<_, &str>(4).parse().map_err(|_| parse("channel"))?,
        external_id: r.get(5),
        created_at: r.get(6),
        due_at: r.get(7),
        state: r.get(8),
        tier: r.get(9),
        first_answered_at: r.get(10),
        ours_at: r.get(11),
        rating: r.get(12),
        intent: None,
        sentiment: None,
        product_external_id: r.get(13),
        product_name: r.get(14),
        price: None,
    })
}

fn first_reply(r: &postgres::Row) -> Option<FirstReply> {
    r.get::<_, Option<i64>>(15)?;
    Some(FirstReply {
        actor: r.get(16),
        draft_source: r.get(17),
        edit_distance: r.get(18),
        verdict: r.get(19),
        overridden: r.get(20),
        findings: r.get(21),
        version: None,
        open_to_send: None,
    })
}

/// The interactions export from the shared store; the number of rows written.
pub fn export_interactions_pg(
    client: &mut postgres::Client,
    query: &ExportQuery,
    format: ExportFormat,
    out: &mut dyn Write,
) -> Result<usize> {
    let (sql, params) = statement(&query.filter);
    write_interactions(query, format, out, &mut |each| {
        let mut rows = client.query_raw(&sql, params.iter().map(|p| p.as_ref() as &dyn ToSql))?;
        let mut count = 0;
        while let Some(row) = rows.next()? {
            each(item_row(&row)?, first_reply(&row))?;
            count += 1;
        }
        Ok(count)
    })
}
