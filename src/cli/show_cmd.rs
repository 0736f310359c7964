//! `agentiq show ID`: one item with everything the inbox's detail pane knows about it.

use anyhow::Result;
use chrono::{DateTime, Utc};
use clap::Args;
use rusqlite::Connection;
use serde_json::{json, Value};

use super::exit::{fail, Failure};
use super::labels::Labels;
use super::out;
use super::script::{existing_store, Style};
use crate::config::Paths;
use crate::domain::{InteractionId, Sender};
use crate::prepare::DraftInputs;
use crate::store;

#[derive(Args, Debug)]
pub struct ShowArgs {
    /// The item's local id (the first column of `agentiq list`).
    pub id: i64,
    #[command(flatten)]
    pub style: Style,
}

pub fn run(args: &ShowArgs, paths: &Paths) -> Result<()> {
    let store = existing_store(paths)?;
    let conn = store.reader()?;
    let value = item_json(&conn, InteractionId(args.id))?;
    if args.style.json {
        out::line(&value.to_string())?;
    } else {
        out::print(&item_text(&value, args.style.labels()))?;
    }
    Ok(())
}

/// No item with `id`: a data error naming it.
pub fn no_such_item(id: InteractionId) -> anyhow::Error {
    fail(
        Failure::Data,
        format!("no item #{} (see `agentiq list`)", id.0),
    )
}

fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339()
}

/// The whole item as one JSON object.
pub fn item_json(conn: &Connection, id: InteractionId) -> Result<Value> {
    let tx = conn.unchecked_transaction()?;
    let inputs = DraftInputs::load(&tx, id)?.ok_or_else(|| no_such_item(id))?;
    let item = &inputs.interaction;
    let intent = store::intents::current_intent(&tx, id)?;
    let thread: Vec<Value> = inputs.thread.iter().map(message_json).collect();
    let product = product_json(&tx, item)?;
    let customer = store::customer_profile(&tx, id)?.map(|p| {
        json!({
            "id": p.customer_id,
            "name": p.name,
            "items": p.items.len(),
            "open_items": p.open_items,
            "complaints": p.complaints,
        })
    });
    let (draft, verdict) = draft_json(&tx, &inputs, id)?;
    let outbox = outbox_rows(&tx, id)?;
    let audit = audit_rows(&tx, id)?;
    Ok(json!({
        "id": item.id.0,
        "external_id": item.external_id,
        "account": item.account_name,
        "marketplace": item.marketplace.as_str(),
        "channel": item.channel.as_str(),
        "state": item.state.as_str(),
        "rating": item.rating.map(|r| r.stars()),
        "intent": intent,
        "created_at": time(item.created_at),
        "at_risk_at": time(item.at_risk_at),
        "due_at": time(item.due_at),
        "customer_name": item.customer_name,
        "text": item.text,
        "pros": item.pros,
        "cons": item.cons,
        "answer": item.answer.as_ref().map(|a| a.text.clone()),
        "thread": thread,
        "product": product,
        "customer": customer,
        "draft": draft,
        "verdict": verdict,
        "outbox": outbox,
        "audit": audit,
    }))
}

fn message_json(m: &crate::domain::ChatMessage) -> Value {
    json!({
        "sender": match m.sender { Sender::Buyer => "buyer", Sender::Seller => "seller" },
        "text": m.text,
        "sent_at": time(m.sent_at),
    })
}

/// The item's product, with what its card adds (category, price, characteristics).
fn product_json(conn: &Connection, item: &crate::domain::Interaction) -> Result<Option<Value>> {
    let Some(p) = &item.product else {
        return Ok(None);
    };
    let card = store::product_card(conn, item.account_id, &p.external_id)?;
    Ok(Some(json!({
        "id": p.external_id,
        "name": card.as_ref().and_then(|c| c.name.clone()).or_else(|| p.name.clone()),
        "brand": card.as_ref().and_then(|c| c.brand.clone()).or_else(|| p.brand.clone()),
        "category": card.as_ref().and_then(|c| c.category.clone()),
        "price": card.as_ref().and_then(|c| c.price),
        "characteristics": card.as_ref().map(|c| {
            c.characteristics.iter().map(|(n, v)| json!([n, v])).collect::<Vec<_>>()
        }).unwrap_or_default(),
    })))
}

/// The latest draft and the guardrails' verdict on it.
fn draft_json(
    conn: &Connection,
    inputs: &DraftInputs,
    id: InteractionId,
) -> Result<(Option<Value>, Option<Value>)> {
    let draft = store::latest_draft(conn, id)?;
    let verdict = draft
        .as_ref()
        .map(|d| crate::ai::verdict_json(&inputs.check(&d.text), &d.text));
    let draft = draft.map(|d| {
        json!({
            "id": d.id,
            "text": d.text,
            "source": d.source,
            "confidence": d.confidence,
            "prompt_version": d.prompt_version,
            "model": d.model,
            "created_at": time(d.created_at),
        })
    });
    Ok((draft, verdict))
}

fn outbox_rows(conn: &Connection, id: InteractionId) -> Result<Vec<Value>> {
    let when = |t: Option<DateTime<Utc>>| t.map(time);
    Ok(store::cli::outbox_of(conn, id)?
        .into_iter()
        .map(|e| {
            json!({
                "id": e.id,
                "state": e.state,
                "text": e.text,
                "attempts": e.attempts,
                "last_error": e.last_error,
                "verdict": e.verdict,
                "actor": e.actor,
                "created_at": when(e.created_at),
                "sent_at": when(e.sent_at),
                "confirmed_at": when(e.confirmed_at),
                "cancelled_at": when(e.cancelled_at),
                "shadow": e.shadow,
            })
        })
        .collect())
}

fn audit_rows(conn: &Connection, id: InteractionId) -> Result<Vec<Value>> {
    Ok(store::cli::audit_of(conn, id)?
        .into_iter()
        .map(|r| {
            json!({
                "at": time(r.at),
                "actor": r.actor,
                "action": r.action,
                "detail": serde_json::from_str::<Value>(&r.detail).unwrap_or(Value::String(r.detail)),
            })
        })
        .collect())
}

/// A JSON scalar as text: strings bare, null as a dash.
fn plain(v: &Value, l: &Labels) -> String {
    match v {
        Value::Null => l.none.to_string(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The item as labelled lines, in the UI language.
pub(super) fn item_text(v: &Value, l: &Labels) -> String {
    let mut out = String::new();
    let mut field = |name: &str, value: String| out.push_str(&format!("{name:<12} {value}\n"));
    field("#", plain(&v["id"], l));
    field(
        l.account,
        format!(
            "{} ({})",
            plain(&v["account"], l),
            plain(&v["marketplace"], l)
        ),
    );
    field(l.channel, plain(&v["channel"], l));
    field(l.state, plain(&v["state"], l));
    field(l.rating, plain(&v["rating"], l));
    field(l.intent, plain(&v["intent"], l));
    field(l.created, plain(&v["created_at"], l));
    field(l.due, plain(&v["due_at"], l));
    if let Some(p) = v["product"].as_object() {
        field(
            l.product,
            format!("{} ({})", plain(&p["name"], l), plain(&p["id"], l)),
        );
    }
    field(l.customer, plain(&v["customer_name"], l));
    if let Some(c) = v["customer"].as_object() {
        field(
            "",
            format!("{} {}", plain(&c["items"], l), l.customer_items),
        );
    }
    out.push_str(&format!("\n{}:\n{}\n", l.text, plain(&v["text"], l)));
    thread_text(&mut out, v, l);
    draft_text(&mut out, v, l);
    history_text(&mut out, v, l);
    out
}

/// A chat's messages, oldest first.
fn thread_text(out: &mut String, v: &Value, l: &Labels) {
    if let Some(thread) = v["thread"].as_array().filter(|t| !t.is_empty()) {
        out.push_str(&format!("\n{}:\n", l.thread));
        for m in thread {
            let who = if m["sender"] == "buyer" {
                l.buyer
            } else {
                l.seller
            };
            out.push_str(&format!(
                "  [{}] {who}: {}\n",
                plain(&m["sent_at"], l),
                plain(&m["text"], l)
            ));
        }
    }
}

/// The latest draft with its source and confidence, and the guardrails' verdict.
fn draft_text(out: &mut String, v: &Value, l: &Labels) {
    match v["draft"].as_object() {
        Some(d) => out.push_str(&format!(
            "\n{} ({} {}, {} {}):\n{}\n",
            l.draft,
            l.source,
            with_model(plain(&d["source"], l), d["model"].as_str()),
            l.confidence,
            d["confidence"]
                .as_f64()
                .map_or_else(|| l.none.to_string(), |c| format!("{c:.2}")),
            plain(&d["text"], l)
        )),
        None => out.push_str(&format!("\n{}: {}\n", l.draft, l.no_draft)),
    }
    if let Some(verdict) = v["verdict"].as_object() {
        out.push_str(&format!("{}: {}\n", l.verdict, plain(&verdict["level"], l)));
        for f in verdict["findings"].as_array().into_iter().flatten() {
            let reason = match l.lang {
                crate::tui::Lang::Ru => &f["reason_ru"],
                crate::tui::Lang::En => &f["reason_en"],
            };
            out.push_str(&format!(
                "  {} {}: {}\n",
                plain(&f["severity"], l),
                plain(&f["rule"], l),
                plain(reason, l)
            ));
        }
    }
}

/// What the outbox and the audit log hold for the item.
fn history_text(out: &mut String, v: &Value, l: &Labels) {
    if let Some(rows) = v["outbox"].as_array().filter(|r| !r.is_empty()) {
        out.push_str(&format!("\n{}:\n", l.outbox));
        for r in rows {
            out.push_str(&format!(
                "  {} {} ({}) {}\n",
                plain(&r["created_at"], l),
                plain(&r["state"], l),
                plain(&r["actor"], l),
                r["last_error"].as_str().unwrap_or("")
            ));
        }
    }
    if let Some(rows) = v["audit"].as_array().filter(|r| !r.is_empty()) {
        out.push_str(&format!("\n{}:\n", l.audit));
        for r in rows {
            out.push_str(&format!(
                "  {} {} {}\n",
                plain(&r["at"], l),
                plain(&r["actor"], l),
                plain(&r["action"], l)
            ));
        }
    }
}

/// `llm` with the model that wrote the draft: `llm gpt-4o-mini`.
pub(super) fn with_model(source: String, model: Option<&str>) -> String {
    match model {
        Some(model) => format!("{source} {model}"),
        None => source,
    }
}
