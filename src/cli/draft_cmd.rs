//! `agentiq draft ID` (the draft the inbox offers for a stored item) and `agentiq draft
//! --channel C --marketplace M [--rating N] [--card FILE] TEXT` (a draft for a text that
//! is not in the store, with the product card in the marketplace's own format).

use std::path::PathBuf;

use anyhow::Result;
use chrono::Utc;
use clap::Args;
use serde_json::{json, Value};

use super::exit::{fail, Failure, FailureExt};
use super::labels::Labels;
use super::out;
use super::script::{channel_arg, existing_store, marketplace_arg, Style};
use crate::ai::guardrails::Verdict;
use crate::ai::{Draft, DraftContext, ProductCard};
use crate::config::Paths;
use crate::domain::{
    AnswerState, Channel, Interaction, InteractionId, Marketplace, ProductRef, Rating,
};
use crate::prepare::DraftInputs;

#[derive(Args, Debug)]
pub struct DraftArgs {
    /// An item's local id; or, with --channel and --marketplace, the customer's text.
    #[arg(value_name = "ID | TEXT")]
    pub target: String,
    /// review, question or chat: drafts for TEXT instead of a stored item.
    #[arg(long, value_parser = channel_arg, requires = "marketplace")]
    pub channel: Option<Channel>,
    /// wb or ozon.
    #[arg(long, value_parser = marketplace_arg, requires = "channel")]
    pub marketplace: Option<Marketplace>,
    /// Stars 1-5 of the review.
    #[arg(long, requires = "channel", value_parser = clap::value_parser!(u8).range(1..=5))]
    pub rating: Option<u8>,
    /// The product card: WB's card.json as the CDN serves it, or an item of Ozon's
    /// /v3/product/info/list.
    #[arg(long, requires = "channel")]
    pub card: Option<PathBuf>,
    /// A knowledge-base folder (kb/*.md, kb/*.toml) whose global entries the draft may
    /// quote; a stored item's draft uses the store's imported entries instead.
    #[arg(long, requires = "channel", value_name = "DIR")]
    pub kb: Option<PathBuf>,
    #[command(flatten)]
    pub style: Style,
}

impl DraftArgs {
    /// Whether this drafts for a given text (needs no store).
    pub fn is_free(&self) -> bool {
        self.channel.is_some()
    }

    /// The stored item's id.
    pub(super) fn id(&self) -> Result<InteractionId> {
        self.target
            .trim()
            .parse::<i64>()
            .map(InteractionId)
            .map_err(|_| {
                fail(
                    Failure::Usage,
                    format!(
                    "'{}' is not an item id; to draft for a text, give --channel and --marketplace",
                    self.target
                ),
                )
            })
    }
}

/// The draft for a stored item: the one the background drafter prepared, or the offline
/// draft the editor would start from.
pub fn run_stored(args: &DraftArgs, paths: &Paths) -> Result<()> {
    let id = args.id()?;
    let store = existing_store(paths)?;
    let conn = store.reader()?;
    let inputs = DraftInputs::load(&conn, id)?.ok_or_else(|| super::show_cmd::no_such_item(id))?;
    let stored_intent = crate::store::intents::current_intent(&conn, id)
        .ok()
        .flatten();
    let intent = stored_intent.unwrap_or_else(|| {
        inputs
            .context()
            .classification()
            .intent
            .as_str()
            .to_string()
    });
    let draft = offered_draft(&conn, &inputs)?;
    let verdict = inputs.check(&draft.text);
    print(Some(id), &intent, &draft, &verdict, &args.style)
}

/// The draft the inbox offers for an item: the one prepared in the background (not yet
/// used or discarded), else the offline draft.
pub fn offered_draft(conn: &rusqlite::Connection, inputs: &DraftInputs) -> Result<Draft> {
    Ok(
        match crate::store::latest_draft(conn, inputs.interaction.id)? {
            Some(d) => Draft {
                text: d.text,
                source: crate::ai::DraftSource::parse(&d.source)
                    .unwrap_or(crate::ai::DraftSource::Manual),
                confidence: d.confidence as f32,
                prompt_version: d.prompt_version,
                reasons: d.reasons,
                model: d.model,
            },
            None => crate::ai::offline_draft(&inputs.context(), 0),
        },
    )
}

/// The draft for a text given on the command line.
pub fn run_free(args: &DraftArgs) -> Result<()> {
    let (Some(channel), Some(marketplace)) = (args.channel, args.marketplace) else {
        return Err(fail(
            Failure::Usage,
            "drafting for a text needs --channel and --marketplace",
        ));
    };
    let card = match &args.card {
        Some(path) => Some(read_card(path, marketplace)?),
        None => None,
    };
    let now = Utc::now();
    let item = Interaction {
        id: InteractionId(0),
        account_id: 0,
        account_name: String::new(),
        marketplace,
        channel,
        external_id: String::new(),
        product: card.as_ref().map(|c| ProductRef {
            external_id: c.id.clone().unwrap_or_default(),
            name: Some(c.name.clone()),
            brand: c.brand.clone(),
        }),
        customer_name: None,
        text: args.target.clone(),
        pros: None,
        cons: None,
        photos: 0,
        rating: args.rating.and_then(Rating::new),
        created_at: now,
        waiting_since: now,
        state: AnswerState::Open,
        answer: None,
        at_risk_at: now,
        due_at: now,
        reply_handle: None,
    };
    let mut ctx = DraftContext::new(&item, &[]);
    if let Some(card) = &card {
        ctx = ctx.with_product(card);
    }
    let knowledge: Vec<crate::kb::Entry> = match &args.kb {
        Some(dir) => crate::kb::read_folder(dir)
            .kind(Failure::Data)?
            .into_iter()
            .filter(|e| e.account.is_none())
            .collect(),
        None => Vec::new(),
    };
    ctx = ctx.with_knowledge(&knowledge);
    let banned = crate::ai::guardrails::default_banned_phrases();
    ctx = ctx.with_banned_phrases(&banned);
    let intent = ctx.classification().intent.as_str().to_string();
    let draft = crate::ai::offline_draft(&ctx, 0);
    let customer_text = ctx.customer_text();
    let verdict = crate::ai::guardrails::check(&draft.text, &ctx.check_context(&customer_text));
    print(None, &intent, &draft, &verdict, &args.style)
}

/// A product card file in the marketplace's own format, through the catalog's parsers.
fn read_card(path: &std::path::Path, marketplace: Marketplace) -> Result<ProductCard> {
    let text = super::script::read_file_or_stdin(path)?;
    let bad = |why: String| fail(Failure::Data, format!("--card {}: {why}", path.display()));
    let raw: Value = serde_json::from_str(&text).map_err(|e| bad(format!("not JSON: {e}")))?;
    let card = match marketplace {
        Marketplace::Wb => {
            let nm_id = raw
                .get("nm_id")
                .or_else(|| raw.get("nmId"))
                .and_then(Value::as_i64)
                .unwrap_or_default();
            crate::connectors::catalog::wb_card_from_json(nm_id, raw)
        }
        Marketplace::Ozon => {
            // The item's own sku, or its sources' (as /v3/product/info/list gives them).
            let mut wanted: Vec<i64> = raw.get("sku").and_then(Value::as_i64).into_iter().collect();
            wanted.extend(
                raw.get("sources")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|s| s.get("sku").and_then(Value::as_i64)),
            );
            crate::connectors::catalog::ozon_card_from_json(raw, &wanted)
        }
    }
    .map_err(|skipped| bad(skipped.reason))?;
    Ok(ProductCard {
        id: Some(card.external_id),
        name: card.name.unwrap_or_default(),
        brand: card.brand,
        category: card.category,
        characteristics: card.characteristics,
        price: card.price.map(|p| p as f64),
        description: card.description,
    })
}

pub(super) fn print(
    id: Option<InteractionId>,
    intent: &str,
    draft: &Draft,
    verdict: &Verdict,
    style: &Style,
) -> Result<()> {
    if style.json {
        let checked = crate::ai::verdict_json(verdict, &draft.text);
        let value = json!({
            "id": id.map(|i| i.0),
            "text": draft.text,
            "intent": intent,
            "confidence": (f64::from(draft.confidence) * 100.0).round() / 100.0,
            "source": draft.source.as_str(),
            "reasons": draft.reasons,
            "prompt_version": draft.prompt_version,
            "model": draft.model,
            "level": checked["level"],
            "findings": checked["findings"],
        });
        out::line(&value.to_string())?;
        return Ok(());
    }
    let l: &Labels = style.labels();
    let mut text = format!(
        "{} ({} {}, {} {:.2}, {} {}):\n{}\n",
        l.draft,
        l.source,
        super::show_cmd::with_model(draft.source.as_str().to_string(), draft.model.as_deref()),
        l.confidence,
        draft.confidence,
        l.intent.to_lowercase(),
        intent,
        draft.text
    );
    text.push_str(&format!("{}: {}\n", l.verdict, verdict.level.as_str()));
    for f in &verdict.findings {
        text.push_str(&format!(
            "  {} {}: {}\n",
            f.severity.as_str(),
            f.rule.as_str(),
            l.reason(f)
        ));
    }
    out::print(&text)?;
    Ok(())
}
