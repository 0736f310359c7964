//! `list`, `search`, `show` and `reply` when `[store] url` names a team's shared
//! PostgreSQL database: the same flags and the same output (text and `--json`) as on
//! SQLite, read from and written to the shared store as the connected person (row-level
//! security shows an operator only their shops). See docs/team.md.

use anyhow::Result;
use chrono::Utc;
use serde_json::json;

use super::exit::{fail, Failure, FailureExt};
use super::list_cmd::{self, ListArgs, SearchArgs};
use super::out;
use super::script::ScriptCmd;
use super::show_cmd::ShowArgs;
use crate::domain::InteractionId;
use crate::store::pg::{self, PgStore};
use crate::store::{search, QueueFilter};

/// Whether the command runs on the shared store when there is one.
pub fn shared(cmd: &ScriptCmd) -> bool {
    matches!(
        cmd,
        ScriptCmd::List(_) | ScriptCmd::Search(_) | ScriptCmd::Show(_) | ScriptCmd::Reply(_)
    ) || matches!(cmd, ScriptCmd::Draft(args) if !args.is_free())
}

/// Runs one of the [`shared`] commands on the database at `url`.
pub fn run(cmd: ScriptCmd, url: &str) -> Result<()> {
    let mut client = PgStore::new(url).connect().kind(Failure::Unavailable)?;
    match cmd {
        ScriptCmd::List(args) => list(&mut client, &args),
        ScriptCmd::Search(args) => search(&mut client, &args),
        ScriptCmd::Show(args) => show(&mut client, &args),
        ScriptCmd::Reply(args) => super::team_reply::reply(&mut client, &args),
        ScriptCmd::Draft(args) => super::team_reply::draft(&mut client, &args),
        _ => Err(anyhow::anyhow!(
            "this command does not run on the shared database"
        )),
    }
}

fn apply_query(
    client: &mut postgres::Client,
    query: &str,
    filter: &mut QueueFilter,
    what: &str,
) -> Result<()> {
    let accounts = pg::queue::accounts(client)?;
    search::parse_query(query)
        .and_then(|q| q.apply(filter, &accounts, Utc::now()))
        .map_err(|e| fail(Failure::Usage, format!("{what} \"{query}\": {e}")))
}

fn list(client: &mut postgres::Client, args: &ListArgs) -> Result<()> {
    let mut filter = list_cmd::list_filter(args, Utc::now());
    if let Some(name) = &args.account {
        let accounts = pg::queue::accounts(client)?;
        let id = match name.trim().parse::<i64>() {
            Ok(id) if accounts.iter().any(|a| a.id == id) => id,
            _ => search::find_account(&accounts, name).map_err(|kind| {
                fail(
                    Failure::Usage,
                    format!(
                        "--account {name}: {}",
                        search::QueryError { at: 0, kind }
                            .to_string()
                            .trim_start_matches("at 1: ")
                    ),
                )
            })?,
        };
        filter.account_id = Some(id);
    }
    if let Some(query) = &args.query {
        apply_query(client, query, &mut filter, "--query")?;
    }
    page(
        client,
        filter,
        args.limit,
        args.after.as_deref(),
        &args.style,
    )
}

fn search(client: &mut postgres::Client, args: &SearchArgs) -> Result<()> {
    let mut filter = list_cmd::search_filter(Utc::now());
    apply_query(client, &args.query, &mut filter, "query")?;
    page(
        client,
        filter,
        args.limit,
        args.after.as_deref(),
        &args.style,
    )
}

fn page(
    client: &mut postgres::Client,
    mut filter: QueueFilter,
    limit: usize,
    after: Option<&str>,
    style: &super::script::Style,
) -> Result<()> {
    let seek = list_cmd::seek_after(&mut filter, after)?;
    let (rows, whole) = pg::queue::queue_rows(client, &filter, seek, limit + 1)?;
    list_cmd::print_rows(
        rows,
        &filter,
        limit,
        style,
        |_| Ok(whole),
        |_| crate::sla::Policies::default(),
    )
}

/// `show` on the shared store: the same object as on SQLite. What the shared store does
/// not keep yet (chat threads, product cards, customers, drafts) is empty.
fn show(client: &mut postgres::Client, args: &ShowArgs) -> Result<()> {
    let id = InteractionId(args.id);
    let item =
        pg::outbox::interaction(client, id.0)?.ok_or_else(|| super::show_cmd::no_such_item(id))?;
    let value = json!({
        "id": item.id.0,
        "external_id": item.external_id,
        "account": item.account_name,
        "marketplace": item.marketplace.as_str(),
        "channel": item.channel.as_str(),
        "state": item.state.as_str(),
        "rating": item.rating.map(|r| r.stars()),
        "intent": null,
        "created_at": item.created_at.to_rfc3339(),
        "at_risk_at": item.at_risk_at.to_rfc3339(),
        "due_at": item.due_at.to_rfc3339(),
        "customer_name": item.customer_name,
        "text": item.text,
        "pros": item.pros,
        "cons": item.cons,
        "answer": item.answer.as_ref().map(|a| a.text.clone()),
        "thread": [],
        "product": item.product.as_ref().map(|p| json!({
            "id": p.external_id,
            "name": p.name,
            "brand": p.brand,
            "category": null,
            "price": null,
            "characteristics": [],
        })),
        "customer": null,
        "draft": null,
        "verdict": null,
        "outbox": pg::queue::outbox_rows(client, id.0)?,
        "audit": pg::queue::audit_rows(client, id.0)?,
    });
    if args.style.json {
        out::line(&value.to_string())?;
    } else {
        out::print(&super::show_cmd::item_text(&value, args.style.labels()))?;
    }
    Ok(())
}
