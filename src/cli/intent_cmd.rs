//! `agentiq intent ID INTENT`: the seller corrects an item's intent (its SLA tier and
//! draft follow); `agentiq model retrain [--account A]`: the account's intent model is
//! retrained from those corrections and kept when it scores better (docs/drafts.md,
//! "Intent corrections").

use anyhow::Result;
use chrono::Utc;
use clap::{Args, Subcommand};

use super::exit::{fail, Failure};
use super::out;
use super::script::{account_id, existing_store, Style};
use crate::ai::Intent;
use crate::config::Paths;
use crate::domain::InteractionId;
use crate::learning::intents::{self, Retrained, Verdict};
use crate::store::{self, Store, Writer};
use crate::tui::Lang;

#[derive(Args, Debug)]
pub struct IntentArgs {
    /// The item's local id.
    pub id: i64,
    /// The intent it really has: delivery_status, delivery_delay, cancel_request,
    /// wrong_item, defect_not_working, usage_howto, product_spec, refund_exchange, thanks,
    /// quality_complaint, pre_purchase, sizing_fit, availability, compatibility, other.
    pub intent: String,
    #[command(flatten)]
    pub style: Style,
}

#[derive(Args, Debug)]
pub struct ModelArgs {
    #[command(subcommand)]
    pub action: ModelAction,
    /// The shop's account name or id (default: the only shop).
    #[arg(long, global = true)]
    pub account: Option<String>,
    #[command(flatten)]
    pub style: Style,
}

#[derive(Subcommand, Debug)]
pub enum ModelAction {
    /// Train the intent model on the shipped corpus plus the shop's intent corrections;
    /// keep it for the shop only when it beats the shipped model on a held-out slice of
    /// the corrections.
    Retrain,
}

fn parse_intent(name: &str) -> Result<Intent> {
    Intent::parse(name.trim()).ok_or_else(|| {
        let names: Vec<&str> = Intent::ALL.iter().map(|i| i.as_str()).collect();
        fail(
            Failure::Usage,
            format!("unknown intent '{name}': one of {}", names.join(", ")),
        )
    })
}

pub async fn correct(args: &IntentArgs, paths: &Paths) -> Result<()> {
    let intent = parse_intent(&args.intent)?;
    let id = InteractionId(args.id);
    let store = existing_store(paths)?;
    let writer = store.writer()?;
    let now = Utc::now();
    let corrected = writer
        .call(move |c| intents::correct(c, id, intent, now))
        .await?
        .ok_or_else(|| super::show_cmd::no_such_item(id))?;
    if corrected.changed {
        settle(&store, &writer).await?;
        crate::prepare::draft_items(&store, &writer, vec![id], Utc::now()).await?;
    }
    let ru = args.style.language_in(paths) == Lang::Ru;
    if args.style.json {
        return Ok(out::line(&serde_json::to_string(&corrected)?)?);
    }
    let old = corrected.old_intent.as_deref().unwrap_or("-");
    out::line(&match (corrected.changed, ru) {
        (true, true) => format!(
            "#{}: намерение {old} → {}; черновик составлен заново",
            args.id, corrected.new_intent
        ),
        (true, false) => format!(
            "#{}: intent {old} → {}; draft made again",
            args.id, corrected.new_intent
        ),
        (false, true) => format!("#{}: намерение уже {old}", args.id),
        (false, false) => format!("#{}: the intent is already {old}", args.id),
    })?;
    Ok(())
}

/// Classifies what waits for it (an item corrected, or a shop's open items after its
/// model changed), so what is shown next follows at once. Returns how many.
async fn settle(store: &Store, writer: &Writer) -> Result<usize> {
    let mut classified = 0;
    loop {
        let n = crate::prepare::classify_pending(store, writer, Utc::now()).await?;
        if n == 0 {
            return Ok(classified);
        }
        classified += n;
    }
}

pub async fn run(args: &ModelArgs, paths: &Paths) -> Result<()> {
    let store = existing_store(paths)?;
    let conn = store.reader()?;
    let account = match &args.account {
        Some(name) => account_id(&conn, name)?,
        None => match store::accounts(&conn)?.as_slice() {
            [only] => only.id,
            [] => return Err(fail(Failure::Config, "no shops in the database yet")),
            _ => {
                return Err(fail(
                    Failure::Usage,
                    "more than one shop: pass --account NAME",
                ))
            }
        },
    };
    let ModelAction::Retrain = args.action;
    let had_own = store::intents::intent_model_info(&conn, account)?.is_some();
    let (report, model) =
        tokio::task::spawn_blocking(move || intents::retrain(&conn, account)).await??;
    let now = Utc::now();
    let writer = store.writer()?;
    let mut reclassified = 0;
    if report.verdict != Verdict::TooFewCorrections {
        let stored = report.clone();
        writer
            .call(move |c| {
                intents::keep(c, &stored, model.as_deref(), now)?;
                if stored.kept() || had_own {
                    store::intents::reclassify_open(c, stored.account_id)?;
                }
                Ok(())
            })
            .await?;
        reclassified = settle(&store, &writer).await?;
    }
    let ru = args.style.language_in(paths) == Lang::Ru;
    if args.style.json {
        let mut value = serde_json::to_value(&report)?;
        value["kept"] = report.kept().into();
        value["reclassified"] = reclassified.into();
        return Ok(out::line(&value.to_string())?);
    }
    out::print(&report_text(&report, had_own, ru)).map_err(anyhow::Error::from)
}

/// What a retraining found, in words and figures.
pub fn report_text(r: &Retrained, had_own: bool, ru: bool) -> String {
    let pct = |right: usize, of: usize| {
        if of == 0 {
            0.0
        } else {
            100.0 * right as f64 / of as f64
        }
    };
    let mut text = if ru {
        format!(
            "исправлений намерения: {} (обучение на {}, проверка на {})\n",
            r.corrections, r.trained_on, r.heldout
        )
    } else {
        format!(
            "intent corrections: {} ({} trained on, {} held out)\n",
            r.corrections, r.trained_on, r.heldout
        )
    };
    if r.verdict == Verdict::TooFewCorrections {
        text.push_str(&if ru {
            format!(
                "мало исправлений: для проверки нужно не меньше {} отложенных (≈{} исправлений); модель не обучалась\n",
                intents::MIN_HELDOUT,
                intents::MIN_HELDOUT * 3
            )
        } else {
            format!(
                "too few corrections: at least {} must be held out to test on (about {} corrections); nothing was trained\n",
                intents::MIN_HELDOUT,
                intents::MIN_HELDOUT * 3
            )
        });
        return text;
    }
    let (label_slice, label_corpus) = if ru {
        ("отложенные исправления", "отложенный корпус")
    } else {
        ("held-out corrections", "held-out corpus")
    };
    let (shipped, own) = if ru {
        ("поставляемая", "переобученная")
    } else {
        ("shipped", "retrained")
    };
    text.push_str(&format!(
        "{label_slice}: {shipped} {}/{} ({:.0}%), {own} {}/{} ({:.0}%)\n",
        r.shipped_correct,
        r.heldout,
        pct(r.shipped_correct, r.heldout),
        r.own_correct,
        r.heldout,
        pct(r.own_correct, r.heldout)
    ));
    text.push_str(&format!(
        "{label_corpus}: {shipped} {}/{} ({:.1}%), {own} {}/{} ({:.1}%)\n",
        r.shipped_corpus_correct,
        r.corpus_heldout,
        pct(r.shipped_corpus_correct, r.corpus_heldout),
        r.own_corpus_correct,
        r.corpus_heldout,
        pct(r.own_corpus_correct, r.corpus_heldout)
    ));
    text.push_str(match (r.kept(), had_own, ru) {
        (true, _, true) => "модель сохранена: намерения этого магазина определяет она\n",
        (true, _, false) => "kept: this shop's intents are classified by the retrained model\n",
        (false, true, true) => {
            "не лучше поставляемой: прежняя модель магазина забыта, работает поставляемая\n"
        }
        (false, true, false) => {
            "not better than the shipped model: the shop's earlier model is dropped, the shipped one classifies\n"
        }
        (false, false, true) => "не лучше поставляемой: модель не сохранена\n",
        (false, false, false) => "not better than the shipped model: not kept\n",
    });
    text
}
