//! Drafts: what the seller sees in the editor when they open an item. The offline
//! provider puts one together from templates, the product card, the customer's history
//! and the seller's own approved answers; the LLM provider (`super::llm`) falls back to it.
//!
//! A template draft is `greeting + body + [spec] + [return hint] + [history] + closing`.
//! The body comes from the intent (or the escalation) and the channel; the spec line
//! quotes the product characteristic the customer asked about; the return hint is added
//! only when the customer asked for a return. `variant` and the item's id pick among the
//! wordings deterministically: variant `v + 1` always uses a different body than `v`,
//! and recent answers are avoided. Every candidate passes [`check`] before it is shown:
//! no draft ever carries a block-level finding, a `{placeholder}`, or a wrong length.

mod context;
mod names;
mod plan;
mod spec;

pub use context::{CustomerHistory, Draft, DraftContext, DraftSource, ProductCard};
pub use names::{clean_name, short_product_name};
pub use spec::relevant_spec;

use super::answers::reason;
use super::classify::Classification;
use super::guardrails::{check, CheckContext, Rule};
use super::reuse::{adapt, rank, REUSE_THRESHOLD};
use crate::domain::{ChatMessage, Interaction};
use plan::Plan;

/// A draft for `item`; `variant` picks among equivalent wordings so consecutive drafts
/// differ. The offline provider with no product card, history or approved answers.
pub fn draft_for(item: &Interaction, thread: &[ChatMessage], variant: u64) -> Draft {
    offline_draft(&DraftContext::new(item, thread), variant)
}

/// How many wording combinations are tried before settling.
const MAX_ATTEMPTS: u64 = 24;

/// Approved answers close enough to reuse, adapted and checked, best first.
fn reuse_candidates(
    ctx: &DraftContext<'_>,
    cls: &Classification,
    check_ctx: &CheckContext<'_>,
    name: Option<&str>,
) -> Vec<(String, f32)> {
    if ctx.approved.is_empty() || !cls.escalations.is_empty() {
        return Vec::new();
    }
    let product_id = ctx.product_id();
    let product = ctx.product_name().map(|n| short_product_name(&n));
    let mut out = Vec::new();
    for (i, sim) in rank(
        ctx.approved,
        ctx.channel(),
        check_ctx.customer_text,
        Some(cls.intent),
        ctx.interaction.rating,
    ) {
        if sim < REUSE_THRESHOLD {
            break;
        }
        let a = &ctx.approved[i];
        if let (Some(old), Some(cur)) = (&a.product_id, &product_id) {
            if old != cur {
                continue;
            }
        }
        let Some(text) = adapt(a, name, product.as_deref()) else {
            continue;
        };
        let verdict = check(&text, check_ctx);
        if verdict.is_block() || verdict.has(Rule::NearDuplicate) {
            continue;
        }
        if out.iter().all(|(t, _)| t != &text) {
            out.push((text, sim));
        }
    }
    out
}

/// The offline provider: a reused approved answer when one fits (variants walk through
/// them), otherwise a template draft. Never empty, never a placeholder, never over the
/// channel's length, never a block-level guardrail finding unless every candidate is
/// blocked by the seller's own banned phrases (then a minimal greeting comes back with a
/// very low confidence).
pub fn offline_draft(ctx: &DraftContext<'_>, variant: u64) -> Draft {
    with_learnt_style(ctx, shipped_offline_draft(ctx, variant))
}

/// Why a draft's confidence is what it is, when the seller's learnt style changed it.
const LEARNT_STYLE: &str = "в стиле продавца";

/// An offline draft as the seller has been editing drafts (`super::style::Style`):
/// their deleted phrases out, their opening, product advice and sign-off in (a reused
/// answer too: it may predate them). Unchanged if the result would break a guardrail or
/// the channel's length.
fn with_learnt_style(ctx: &DraftContext<'_>, draft: Draft) -> Draft {
    let Some(style) = ctx.learnt.filter(|s| !s.is_empty()) else {
        return draft;
    };
    let name = clean_name(ctx.interaction.customer_name.as_deref());
    let product = ctx.product_name().map(|n| short_product_name(&n));
    let text = style.apply(&draft.text, name.as_deref(), product.as_deref());
    let customer_text = ctx.customer_text();
    let check_ctx = ctx.check_context(&customer_text);
    let (min, max) = ctx.channel().reply_length(ctx.marketplace());
    let verdict = check(&text, &check_ctx);
    let fits = (min..=max).contains(&text.chars().count());
    let newly_repeats = verdict.has(Rule::NearDuplicate)
        && !check(&draft.text, &check_ctx).has(Rule::NearDuplicate);
    if text == draft.text || !fits || verdict.is_block() || newly_repeats {
        return draft;
    }
    let mut reasons = draft.reasons;
    reasons.push(LEARNT_STYLE.to_string());
    Draft {
        text,
        reasons,
        ..draft
    }
}

/// [`offline_draft`] before the seller's learnt style.
fn shipped_offline_draft(ctx: &DraftContext<'_>, variant: u64) -> Draft {
    let customer_text = ctx.customer_text();
    let cls = ctx.classification();
    let check_ctx = ctx.check_context(&customer_text);
    let name = clean_name(ctx.interaction.customer_name.as_deref());

    let reused = reuse_candidates(ctx, &cls, &check_ctx, name.as_deref());
    if let Some((text, sim)) = reused.get(variant as usize) {
        return Draft {
            text: text.clone(),
            source: DraftSource::Reuse,
            confidence: (0.5 + 0.45 * sim).min(0.95),
            prompt_version: None,
            reasons: vec![reason::REUSED.to_string()],
            model: None,
        };
    }
    let variant = variant - reused.len() as u64;
    template_draft(ctx, &cls, &check_ctx, name, variant)
        .unwrap_or_else(|| minimal_draft(ctx, &check_ctx))
}

/// A template draft with its confidence and reasons.
fn template(text: String, confidence: f32, reasons: Vec<String>) -> Draft {
    Draft {
        text,
        source: DraftSource::Template,
        confidence,
        prompt_version: None,
        reasons,
        model: None,
    }
}

/// The first template draft no guardrail blocks, one that repeats a recent answer (with
/// less confidence) only if none is new; `None` when every wording is blocked.
///
/// With the name first; without it if the name itself trips a guardrail. The card's
/// answer or the named problem first; the template bodies if every wording of those
/// trips a guardrail (the customer's own words can).
fn template_draft(
    ctx: &DraftContext<'_>,
    cls: &Classification,
    check_ctx: &CheckContext<'_>,
    name: Option<String>,
    variant: u64,
) -> Option<Draft> {
    let mut fallback: Option<Draft> = None;
    let names = if name.is_some() {
        vec![name, None]
    } else {
        vec![None]
    };
    for (own, name) in [true, false]
        .into_iter()
        .flat_map(|own| names.iter().map(move |n| (own, n.clone())))
    {
        let plan = Plan::new(ctx, cls, check_ctx, name, own);
        for attempt in 0..MAX_ATTEMPTS {
            let Some(text) = plan.render(variant, attempt) else {
                continue;
            };
            let verdict = check(&text, check_ctx);
            if verdict.is_block() {
                continue;
            }
            if !verdict.has(Rule::NearDuplicate) {
                let confidence = plan.confidence(&verdict);
                return Some(template(text, confidence, plan.reasons(&verdict)));
            }
            if fallback.is_none() {
                let confidence = plan.confidence(&verdict) * 0.8;
                fallback = Some(template(text, confidence, plan.reasons(&verdict)));
            }
        }
    }
    fallback
}

/// Every wording was blocked (the seller's banned phrases can do that): the plainest safe
/// text there is, with a confidence that says "write it yourself".
fn minimal_draft(ctx: &DraftContext<'_>, check_ctx: &CheckContext<'_>) -> Draft {
    let product = ctx.product_name().map(|n| short_product_name(&n));
    let candidates = [
        product.map(|p| format!("Здравствуйте! Спасибо, что написали о товаре {p}.")),
        Some("Здравствуйте! Спасибо, что написали.".to_string()),
        Some("Здравствуйте!".to_string()),
    ];
    let text = candidates
        .iter()
        .flatten()
        .find(|t| !check(t, check_ctx).is_block())
        .or(candidates.iter().flatten().last())
        .cloned()
        .unwrap_or_default();
    tracing::debug!("every template wording was blocked; using the minimal draft");
    template(text, 0.05, vec![reason::NO_TEMPLATE_FITS.to_string()])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ai::Intent;

    #[test]
    fn names_are_cleaned() {
        assert_eq!(clean_name(Some("анна")).as_deref(), Some("Анна"));
        assert_eq!(clean_name(Some("  Ольга К.")).as_deref(), Some("Ольга"));
        assert_eq!(
            clean_name(Some("АННА-МАРИЯ")).as_deref(),
            Some("Анна-Мария")
        );
        assert_eq!(clean_name(Some("Покупатель")), None);
        assert_eq!(clean_name(Some("user123")), None);
        assert_eq!(clean_name(Some("Аnna")), None, "mixed scripts");
        assert_eq!(clean_name(Some("")), None);
        assert_eq!(clean_name(None), None);
    }

    #[test]
    fn product_names_are_shortened() {
        assert_eq!(
            short_product_name("Комплект постельного белья 1,5-спальный, сатин, «Лаванда»"),
            "«Комплект постельного белья 1,5-спальный»"
        );
        assert_eq!(
            short_product_name("Плед флисовый 150×200, серый"),
            "«Плед флисовый 150×200»"
        );
        let long = "Очень длинное название товара ".repeat(5);
        assert!(short_product_name(&long).chars().count() <= 62);
    }

    #[test]
    fn the_asked_characteristic_is_found() {
        let card = ProductCard {
            name: "Чайник".into(),
            characteristics: vec![
                ("Объём".into(), "1,7 л".into()),
                ("Длина шнура".into(), "0,75 м".into()),
                ("Тип плиты".into(), "газовая, индукционная".into()),
            ],
            ..ProductCard::default()
        };
        assert_eq!(
            relevant_spec(&card, "Какая длина шнура?", Intent::ProductSpec).as_deref(),
            Some("длина шнура — 0,75 м")
        );
        assert_eq!(
            relevant_spec(&card, "Подойдёт для индукции?", Intent::Compatibility).as_deref(),
            Some("тип плиты — газовая, индукционная")
        );
        assert_eq!(
            relevant_spec(&card, "Есть ли гарантия?", Intent::ProductSpec),
            None
        );
        // The name alone is not evidence: "работает" is not "время работы".
        let band = ProductCard {
            name: "Браслет".into(),
            characteristics: vec![("Время работы".into(), "до 12 дней".into())],
            ..ProductCard::default()
        };
        assert_eq!(
            relevant_spec(&band, "С iPhone 11 работает?", Intent::Compatibility),
            None
        );
        assert_eq!(
            relevant_spec(&band, "Сколько он работает?", Intent::ProductSpec).as_deref(),
            Some("время работы — до 12 дней")
        );
    }
}
