//! A template draft's plan: the wordings each part may take for an item (greeting, body,
//! return hint, history line, closing), the seller's knowledge-base answer, the base
//! confidence and its reasons; and the rendering of one combination of them.

use super::context::{CustomerHistory, DraftContext};
use super::names::{capitalize, short_product_name};
use crate::ai::answers::reason;
use crate::ai::classify::Classification;
use crate::ai::guardrails::{check, CheckContext, Level, Verdict};
use crate::ai::intent::{Escalation, Intent, SentimentLabel};
use crate::ai::templates::{fill, CommonTemplates, Vars, Wordings};
use crate::domain::{Channel, Interaction, Marketplace};

fn fnv1a(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in *p {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        h ^= 0xff;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tone {
    Positive,
    Neutral,
    Negative,
}

/// Escalations in the order their cautious wording takes precedence.
const ESCALATION_ORDER: [Escalation; 6] = [
    Escalation::HealthAllergy,
    Escalation::Safety,
    Escalation::Legal,
    Escalation::Threat,
    Escalation::Counterfeit,
    Escalation::MassDefect,
];

/// Everything chosen for an item except which wording of each part.
pub(super) struct Plan<'t> {
    seed: u64,
    vars: Vars,
    greetings: &'t [String],
    bodies: Vec<&'t String>,
    returns: &'t [String],
    history: &'t [String],
    closings: &'t [String],
    max_len: usize,
    base_confidence: f32,
    /// Ready bodies (the card's answer or the named problem) used instead of `bodies`.
    own: Vec<String>,
    reasons: Vec<&'static str>,
    /// The seller's knowledge-base passage that answers the item, and the reason naming
    /// its entry ("база знаний: «Уход за пледом»").
    knowledge: Option<(String, String)>,
    /// Whether that passage is the body already (else it follows the body).
    knowledge_in_body: bool,
}

/// What comes before a knowledge-base answer in the body.
fn knowledge_leads(product: Option<&str>) -> Vec<String> {
    // The product is named whenever it is known, as every draft does.
    match product {
        Some(p) => vec![
            format!("Спасибо за вопрос о товаре {p}!"),
            format!("Спасибо, что интересуетесь товаром {p}."),
            format!("Подскажем по товару {p}."),
        ],
        None => [
            "Спасибо за вопрос!",
            "Хороший вопрос, подскажем.",
            "Рады помочь.",
        ]
        .map(String::from)
        .to_vec(),
    }
}

/// The reason a draft quoting a knowledge-base entry carries: which entry it is.
pub fn knowledge_reason(title: &str) -> String {
    format!("{}: «{title}»", reason::KNOWLEDGE)
}

/// The seller's entry that answers the item, framed for the draft, when there is one:
/// never for thanks, praise or escalated items (those keep their own wording), never a
/// passage the guardrails would block.
fn knowledge_for(
    ctx: &DraftContext<'_>,
    cls: &Classification,
    check_ctx: &CheckContext<'_>,
) -> Option<(String, String)> {
    if ctx.knowledge.is_empty() || !cls.escalations.is_empty() || cls.intent == Intent::Thanks {
        return None;
    }
    let praise = ctx.channel() == Channel::Review
        && ctx.interaction.rating.is_some_and(|r| r.stars() >= 4)
        && cls.sentiment.label != SentimentLabel::Negative;
    if praise {
        return None;
    }
    // A complaint is answered with the shop's terms (warranty, returns, delivery), never
    // with care or size rules: those would read as "you used it wrong".
    let complaint = cls.intent.is_complaint() || cls.sentiment.label == SentimentLabel::Negative;
    let hit = crate::ai::knowledge::relevant(ctx.knowledge, check_ctx.customer_text)
        .into_iter()
        .find(|h| {
            !complaint || matches!(h.entry.kind.as_str(), "warranty" | "returns" | "delivery")
        })?;
    if hit.passage.is_empty() {
        return None;
    }
    let lead = match hit.entry.kind.as_str() {
        "care" => Some("Рекомендации по уходу:"),
        "sizes" => Some("По нашей таблице размеров:"),
        _ => None,
    };
    let text = match lead {
        Some(lead) => format!("{lead} {}", lower_first(&hit.passage)),
        None => hit.passage.clone(),
    };
    if check(&text, check_ctx).is_block() {
        return None;
    }
    Some((text, knowledge_reason(&hit.entry.title)))
}

/// "Стирать при 30 °C" → "стирать при 30 °C"; an abbreviation ("USB", "M") stays.
fn lower_first(text: &str) -> String {
    let mut chars = text.chars();
    match (chars.next(), chars.next()) {
        (Some(first), Some(second)) if first.is_uppercase() && second.is_lowercase() => {
            first.to_lowercase().chain(text.chars().skip(1)).collect()
        }
        _ => text.to_string(),
    }
}

/// The item's own seed: the same item gets the same wordings on every run.
fn item_seed(item: &Interaction, channel: Channel) -> u64 {
    fnv1a(&[
        item.external_id.as_bytes(),
        channel.as_str().as_bytes(),
        &item.account_id.to_le_bytes(),
    ])
}

/// Without its own bodies a draft does not name the problem, and says so.
fn set_own_bodies_aside(specific: &mut crate::ai::answers::Specific) {
    if specific.bodies.is_empty() {
        return;
    }
    specific.bodies.clear();
    specific.confidence_shift -= 0.1;
    for r in &mut specific.reasons {
        if *r == reason::PROBLEM_NAMED {
            *r = reason::PROBLEM_UNCLEAR;
        }
    }
}

/// The seller's own base answers what the card does not: its gaps are no longer reasons
/// for doubt.
fn weigh_knowledge(specific: &mut crate::ai::answers::Specific) {
    let gaps = [reason::NOT_IN_CARD, reason::NO_CARD, reason::NOT_RECOGNISED];
    if specific.reasons.contains(&reason::NOT_IN_CARD) {
        specific.bodies.clear();
    }
    if specific.reasons.iter().any(|r| gaps.contains(r)) {
        specific.reasons.retain(|r| !gaps.contains(r));
        specific.confidence_shift += 0.1;
    }
    specific.confidence_shift += 0.05;
}

/// The values the templates' placeholders take for this item.
fn template_vars(ctx: &DraftContext<'_>, name: Option<String>, spec: Option<String>) -> Vars {
    Vars {
        name,
        product: ctx.product_name().map(|n| short_product_name(&n)),
        brand: ctx.brand(),
        spec,
        marketplace: Some(
            match ctx.marketplace() {
                Marketplace::Wb => "Wildberries",
                Marketplace::Ozon => "Ozon",
            }
            .to_string(),
        ),
    }
}

/// The body wordings that can be filled for this item (those quoting the card when
/// `with_spec`), the ones naming the product when it is known.
fn body_wordings<'t>(wordings: &'t Wordings, vars: &Vars, with_spec: bool) -> Vec<&'t String> {
    let pool = if with_spec {
        &wordings.with_spec
    } else {
        &wordings.bodies
    };
    let renderable: Vec<&String> = pool.iter().filter(|w| fill(w, vars).is_some()).collect();
    // Name the product whenever it is known.
    let naming: Vec<&String> = renderable
        .iter()
        .copied()
        .filter(|w| w.contains("{product}"))
        .collect();
    if vars.product.is_some() && !naming.is_empty() {
        naming
    } else {
        renderable
    }
}

/// The tone of the reply: an escalation is answered gravely, a rating decides before the
/// text's sentiment does.
fn tone(item: &Interaction, cls: &Classification) -> Tone {
    if !cls.escalations.is_empty() {
        return Tone::Negative;
    }
    match item.rating.map(|r| r.stars()) {
        Some(4 | 5) if cls.sentiment.label != SentimentLabel::Negative => Tone::Positive,
        Some(1 | 2) => Tone::Negative,
        _ => match cls.sentiment.label {
            SentimentLabel::Positive => Tone::Positive,
            SentimentLabel::Neutral => Tone::Neutral,
            SentimentLabel::Negative => Tone::Negative,
        },
    }
}

/// Greetings by name or not, and for a chat the seller already answered in.
fn greetings<'t>(common: &'t CommonTemplates, ctx: &DraftContext<'_>, named: bool) -> &'t [String] {
    let followup = ctx.channel() == Channel::Chat && ctx.seller_spoke();
    match (followup, named) {
        (true, true) => &common.greetings.followup_named,
        (true, false) => &common.greetings.followup_anonymous,
        (false, true) => &common.greetings.named,
        (false, false) => &common.greetings.anonymous,
    }
}

/// Sign-offs by channel, and by tone for a review or purpose for a question.
fn closings(common: &CommonTemplates, channel: Channel, intent: Intent, tone: Tone) -> &[String] {
    match (channel, tone) {
        (Channel::Review, Tone::Positive) => &common.closings.review_positive,
        (Channel::Review, Tone::Neutral) => &common.closings.review_neutral,
        (Channel::Review, Tone::Negative) => &common.closings.review_negative,
        (Channel::Question, _) if intent.is_pre_purchase() || intent == Intent::Other => {
            &common.closings.question
        }
        (Channel::Question, _) => &common.closings.question_support,
        (Channel::Chat, _) => &common.closings.chat,
    }
}

/// The marketplace's return instructions, for a customer who asked to return a product
/// over a problem.
fn return_lines<'t>(
    common: &'t CommonTemplates,
    ctx: &DraftContext<'_>,
    cls: &Classification,
    tone: Tone,
    asked_for_return: bool,
) -> &'t [String] {
    let return_intent = !cls.escalations.is_empty()
        || matches!(
            cls.intent,
            Intent::RefundExchange
                | Intent::DefectNotWorking
                | Intent::WrongItem
                | Intent::QualityComplaint
                | Intent::DeliveryDelay
                | Intent::SizingFit
                | Intent::Other
        );
    if !(asked_for_return && return_intent && tone != Tone::Positive) {
        return &[];
    }
    match ctx.marketplace() {
        Marketplace::Wb => &common.return_info.wb,
        Marketplace::Ozon => &common.return_info.ozon,
    }
}

/// A line for a customer who complained before, or one who is back.
fn history_lines<'t>(
    common: &'t CommonTemplates,
    history: Option<&CustomerHistory>,
    cls: &Classification,
    tone: Tone,
) -> &'t [String] {
    match history {
        Some(h)
            if h.previous_complaints > 0
                && (cls.intent.is_complaint() || tone == Tone::Negative) =>
        {
            &common.history.repeat_complaint
        }
        Some(h)
            if h.previous_interactions > 0
                && h.previous_complaints == 0
                && tone != Tone::Negative =>
        {
            &common.history.returning
        }
        _ => &[],
    }
}

/// The draft's confidence before its wordings are checked: the intent's, more when the
/// product is known, shifted by what the card and the named problem gave.
fn base_confidence(
    ctx: &DraftContext<'_>,
    cls: &Classification,
    vars: &Vars,
    specific: &crate::ai::answers::Specific,
    used_spec: bool,
) -> f32 {
    let mut base = 0.35 + 0.45 * cls.intent_confidence;
    if vars.product.is_some() {
        base += 0.05;
    }
    base += specific.confidence_shift;
    if crate::ai::answers::is_card_intent(cls.intent)
        && ctx.channel() != Channel::Review
        && specific.spec.is_some()
        && !used_spec
        && specific.spec_bodies.is_empty()
    {
        // The card answered but no wording could quote it.
        base -= 0.2;
    }
    base
}

/// A question the seller's base answers gets that answer as its body, after a short
/// lead-in, rather than a generic wording that promises to find out; `None` when the
/// draft has its own body, the card answered, or the item is a complaint.
fn knowledge_bodies(
    own: &[String],
    vars: &Vars,
    cls: &Classification,
    tone: Tone,
    text: &str,
) -> Option<Vec<String>> {
    // The card's own answer, when there is one, stays the body.
    let card_answered = vars.spec.is_some();
    if !own.is_empty() || card_answered || cls.intent.is_complaint() || tone == Tone::Negative {
        return None;
    }
    Some(
        knowledge_leads(vars.product.as_deref())
            .into_iter()
            .map(|lead| format!("{lead} {text}"))
            .collect(),
    )
}

impl<'t> Plan<'t> {
    /// With `own_bodies`, the card's answer or the named problem replaces the template
    /// body when there is one.
    pub(super) fn new(
        ctx: &DraftContext<'t>,
        cls: &Classification,
        check_ctx: &CheckContext<'_>,
        name: Option<String>,
        own_bodies: bool,
    ) -> Plan<'t> {
        let t = ctx.templates();
        let channel = ctx.channel();
        let mut specific = crate::ai::answers::specific(
            ctx,
            cls,
            check_ctx.customer_text,
            check_ctx.customer_asked_for_return,
        );
        if !own_bodies {
            set_own_bodies_aside(&mut specific);
        }
        let knowledge = knowledge_for(ctx, cls, check_ctx);
        if knowledge.is_some() {
            weigh_knowledge(&mut specific);
        }
        let vars = template_vars(ctx, name, specific.spec.clone());
        let escalation = ESCALATION_ORDER
            .iter()
            .find(|e| cls.escalations.contains(e))
            .and_then(|e| t.escalation(channel, *e));
        let wordings = escalation.unwrap_or_else(|| t.intent(channel, cls.intent));
        let used_spec =
            vars.spec.is_some() && !wordings.with_spec.is_empty() && escalation.is_none();
        let bodies = body_wordings(wordings, &vars, used_spec);
        let tone = tone(ctx.interaction, cls);
        let mut base = base_confidence(ctx, cls, &vars, &specific, used_spec);
        if !cls.escalations.is_empty() {
            base = base.min(0.3);
        }
        let own_source = if vars.spec.is_some() && !used_spec && escalation.is_none() {
            &specific.spec_bodies
        } else {
            &specific.bodies
        };
        let mut own: Vec<String> = own_source
            .iter()
            .filter(|b| !b.contains('{'))
            .cloned()
            .collect();
        let mut knowledge_in_body = false;
        if let Some((text, _)) = &knowledge {
            if let Some(bodies) = knowledge_bodies(&own, &vars, cls, tone, text) {
                own = bodies;
                knowledge_in_body = true;
            }
        }
        let common = &t.common;
        Plan {
            seed: item_seed(ctx.interaction, channel),
            greetings: greetings(common, ctx, vars.name.is_some()),
            returns: return_lines(common, ctx, cls, tone, check_ctx.customer_asked_for_return),
            history: history_lines(common, ctx.history, cls, tone),
            closings: closings(common, channel, cls.intent, tone),
            vars,
            bodies,
            own,
            max_len: channel.reply_length(ctx.marketplace()).1,
            base_confidence: base,
            reasons: specific.reasons,
            knowledge,
            knowledge_in_body,
        }
    }

    fn pick<'l>(
        &self,
        list: &'l [String],
        part: &str,
        variant: u64,
        attempt: u64,
    ) -> Option<&'l String> {
        if list.is_empty() {
            return None;
        }
        let h = mix(self.seed
            ^ fnv1a(&[
                part.as_bytes(),
                &variant.to_le_bytes(),
                &attempt.to_le_bytes(),
            ]));
        list.get((h % list.len() as u64) as usize)
    }

    /// The draft text for (variant, attempt); `None` if nothing can be rendered.
    pub(super) fn render(&self, variant: u64, attempt: u64) -> Option<String> {
        // The body moves by one per variant, so consecutive variants always differ.
        let body = if self.own.is_empty() {
            if self.bodies.is_empty() {
                return None;
            }
            let n = self.bodies.len() as u64;
            let body_ix = (mix(self.seed) % n + variant + attempt) % n;
            fill(self.bodies[body_ix as usize], &self.vars)?
        } else {
            let n = self.own.len() as u64;
            let body_ix = (mix(self.seed) % n + variant + attempt) % n;
            self.own[body_ix as usize].clone()
        };
        let mut parts: Vec<String> = Vec::new();
        let greeting = self
            .pick(self.greetings, "greeting", variant, attempt)
            .and_then(|g| fill(g, &self.vars));
        parts.extend(greeting);
        parts.push(body);
        let optional = [
            (self.returns, "return"),
            (self.history, "history"),
            (self.closings, "closing"),
        ];
        let mut extras: Vec<String> = self
            .knowledge
            .iter()
            .filter(|_| !self.knowledge_in_body)
            .map(|(k, _)| k.clone())
            .collect();
        extras.extend(
            optional
                .iter()
                .filter_map(|(list, part)| self.pick(list, part, variant, attempt))
                .filter_map(|w| fill(w, &self.vars))
                .filter(|w| !w.trim().is_empty()),
        );
        // Keep within the channel's limit: drop the closing, then history, then the rest.
        loop {
            let text = parts
                .iter()
                .chain(extras.iter())
                .map(|s| s.trim())
                .collect::<Vec<_>>()
                .join(" ");
            if text.chars().count() <= self.max_len {
                return Some(capitalize(&text));
            }
            if extras.pop().is_none() {
                let cut: String = text.chars().take(self.max_len).collect();
                let end = cut.rfind(['.', '!', '?']).map_or(cut.len(), |i| i + 1);
                return Some(capitalize(cut[..end].trim()));
            }
        }
    }

    pub(super) fn confidence(&self, verdict: &Verdict) -> f32 {
        let mut c = self.base_confidence;
        if verdict.level == Level::Warn {
            c *= 0.85;
        }
        c.clamp(0.05, 0.85)
    }

    pub(super) fn reasons(&self, verdict: &Verdict) -> Vec<String> {
        let mut out: Vec<String> = self.reasons.iter().map(|r| r.to_string()).collect();
        out.extend(self.knowledge.iter().map(|(_, why)| why.clone()));
        if verdict.level == Level::Warn {
            out.push(reason::GUARDRAIL_WARNING.to_string());
        }
        out
    }
}
