//! The bare SQL the whole-process benchmarks (`cli`, `whole_app`) compare `agentiq list`
//! and `agentiq search` against: the same rows, read straight from the bundled SQLite.

/// The columns `agentiq list --json` prints, read bare: the queue row and the whole item.
const COLUMNS: &str = "i.id, i.external_id, a.name, a.marketplace, i.channel, i.state, i.rating, \
    i.intent, i.tier, i.created_at, i.at_risk_at, i.due_at, i.product_name, \
    i.product_external_id, i.customer_name, i.text";

pub fn list_sql() -> String {
    format!(
        "SELECT {COLUMNS} FROM interactions i JOIN accounts a ON a.id = i.account_id \
         WHERE i.state = 'open' ORDER BY i.due_at, i.id LIMIT 51"
    )
}

/// The bare search, with the full-text expression the app builds from the query.
pub fn search_sql(query: &str) -> String {
    let parsed = agentiq::store::search::parse_query(query).expect("the query parses");
    let expression = agentiq::store::search::fts_expression(&parsed.text)
        .expect("the query searches text")
        .replace('\'', "''");
    format!(
        "SELECT {COLUMNS} FROM interactions i JOIN accounts a ON a.id = i.account_id \
         WHERE i.id IN (SELECT rowid FROM interactions_fts WHERE interactions_fts MATCH '{expression}') \
         ORDER BY i.created_at DESC, i.id DESC LIMIT 51"
    )
}
