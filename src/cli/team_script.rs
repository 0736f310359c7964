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
use crate::store::pg::{self, PgStore, Renewal, Workflow};
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
    // Answered workflow states are never open: the default --state would hide them all.
    if matches!(
        args.workflow,
        Some(Workflow::Answered | Workflow::WaitingBuyer)
    ) && args.state == list_cmd::StateArg::Open
    {
        filter.answered = crate::store::AnswerFilter::All;
    }
    page(
        client,
        filter,
        args.workflow,
        args.limit,
        (args.after.as_deref(), &args.style),
    )
}

fn search(client: &mut postgres::Client, args: &SearchArgs) -> Result<()> {
    let mut filter = list_cmd::search_filter(Utc::now());
    apply_query(client, &args.query, &mut filter, "query")?;
    page(
        client,
        filter,
        None,
        args.limit,
        (args.after.as_deref(), &args.style),
    )
}

fn page(
    client: &mut postgres::Client,
    mut filter: QueueFilter,
    workflow: Option<Workflow>,
    limit: usize,
    (after, style): (Option<&str>, &super::script::Style),
) -> Result<()> {
    let seek = list_cmd::seek_after(&mut filter, after)?;
    let (rows, whole) = pg::queue::queue_rows_in(client, &filter, workflow, seek, limit + 1)?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id.0).collect();
    let marks: list_cmd::Marks = pg::marks(client, &ids)?
        .into_iter()
        .map(|(id, m)| (InteractionId(id), (m.json(), m.short())))
        .collect();
    list_cmd::print_rows(
        rows,
        &filter,
        limit,
        style,
        |_| Ok(whole),
        |_| crate::sla::Policies::default(),
        &marks,
    )
}

/// `show` on the shared store: the same object as on SQLite. What the shared store does
/// not keep yet (chat threads, product cards, customers, drafts) is empty.
fn show(client: &mut postgres::Client, args: &ShowArgs) -> Result<()> {
    let id = InteractionId(args.id);
    let item =
        pg::outbox::interaction(client, id.0)?.ok_or_else(|| super::show_cmd::no_such_item(id))?;
    renew_own_claim(client, id.0)?;
    let mut value = json!({
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
    let marks = pg::marks(client, &[id.0])?.remove(&id.0);
    if let (Some(object), Some(marks)) = (value.as_object_mut(), &marks) {
        object.extend(marks.json());
    }
    if args.style.json {
        out::line(&value.to_string())?;
    } else {
        let mut text = super::show_cmd::item_text(&value, args.style.labels());
        if let Some(marks) = &marks {
            text.push_str(&marks_text(marks));
        }
        out::print(&text)?;
    }
    Ok(())
}

/// The team's lines under `show`'s text: the workflow state, the claim, an escalation.
fn marks_text(marks: &pg::ItemMarks) -> String {
    let mut text = format!("{:<12} {}\n", "workflow", marks.text());
    if let Some(reason) = &marks.escalation_reason {
        text.push_str(&format!("{:<12} {reason}\n", "escalated"));
    }
    text
}

/// The connected person's activity on item `id` renews their claim on it, if they hold
/// one; anyone else's claim is left alone.
pub(super) fn renew_own_claim(client: &mut postgres::Client, id: i64) -> Result<Option<Renewal>> {
    let me: String = client.query_one("SELECT session_user::text", &[])?.get(0);
    Ok(match pg::renew(client, id, &me)? {
        Renewal::NotHeld(_) => None,
        other => Some(other),
    })
}
