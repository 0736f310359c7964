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

use serde::{Deserialize, Serialize};

use super::answers::reason;
use super::classify::{classify_interaction, Classification};
use super::guardrails::{check, CheckContext, Level, Rule, Verdict};
use super::intent::{Escalation, Intent, SentimentLabel};
use super::normalize::{content_stems, stem, tokenize, STOP_WORDS};
use super::reuse::{adapt, rank, ApprovedAnswer, REUSE_THRESHOLD};
use super::templates::{fill, TemplateSet, Vars};
use crate::domain::{Channel, ChatMessage, Interaction, Marketplace, Sender};

/// Where a draft came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DraftSource {
    Template,
    Reuse,
    Llm,
    Manual,
}

impl DraftSource {
    pub fn as_str(self) -> &'static str {
        match self {
            DraftSource::Template => "template",
            DraftSource::Reuse => "reuse",
            DraftSource::Llm => "llm",
            DraftSource::Manual => "manual",
        }
    }

    pub fn parse(s: &str) -> Option<DraftSource> {
        match s {
            "template" => Some(DraftSource::Template),
            "reuse" => Some(DraftSource::Reuse),
            "llm" => Some(DraftSource::Llm),
            "manual" => Some(DraftSource::Manual),
            _ => None,
        }
    }
}

/// A proposed reply, always in Russian.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Draft {
    pub text: String,
    pub source: DraftSource,
    /// 0.0..=1.0
    pub confidence: f32,
    /// The LLM prompt version that produced it; `None` for offline drafts.
    pub prompt_version: Option<String>,
    /// Why the confidence is what it is ("ответ из карточки", "нет данных в карточке").
    #[serde(default)]
    pub reasons: Vec<String>,
    /// The model that wrote an LLM draft (`[llm] model`); `None` for offline drafts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
}

/// What the seller's product card says.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProductCard {
    /// nmId (WB) / sku (Ozon).
    pub id: Option<String>,
    pub name: String,
    pub brand: Option<String>,
    pub category: Option<String>,
    /// (name, value), e.g. ("Длина шнура", "0,75 м").
    #[serde(default)]
    pub characteristics: Vec<(String, String)>,
    /// Roubles.
    pub price: Option<f64>,
    pub description: Option<String>,
}

/// What is known about the customer from earlier items.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerHistory {
    pub previous_interactions: u32,
    pub previous_complaints: u32,
    pub previous_positive: u32,
    /// A one-line summary for the LLM prompt ("купил 3 раза, одна жалоба на размер").
    pub summary: Option<String>,
}

/// Everything a draft may use. Build with [`DraftContext::new`] and the `with_*` methods.
#[derive(Debug, Clone, Copy)]
pub struct DraftContext<'a> {
    pub interaction: &'a Interaction,
    /// The chat thread, oldest first; empty for reviews and questions.
    pub thread: &'a [ChatMessage],
    pub product: Option<&'a ProductCard>,
    pub history: Option<&'a CustomerHistory>,
    /// The seller's approved past answers, for reuse and as LLM examples.
    pub approved: &'a [ApprovedAnswer],
    /// The seller's recent answers, to avoid repeating them.
    pub recent_answers: &'a [String],
    pub banned_phrases: &'a [String],
    /// The account's templates; the defaults when `None`.
    pub templates: Option<&'a TemplateSet>,
    /// A classification already made (e.g. stored); computed when `None`.
    pub classification: Option<&'a Classification>,
    /// What the drafts learnt from the seller's edits (`crate::learning`).
    pub learnt: Option<&'a crate::learning::Style>,
    /// The drafting version's extra instructions for the LLM (`crate::experiments`).
    pub instructions: Option<&'a str>,
    /// The seller's knowledge-base entries that may answer the item (the store's search
    /// picks a few); the draft quotes the one that does.
    pub knowledge: &'a [crate::kb::Entry],
}

impl<'a> DraftContext<'a> {
    pub fn new(interaction: &'a Interaction, thread: &'a [ChatMessage]) -> Self {
        DraftContext {
            interaction,
            thread,
            product: None,
            history: None,
            approved: &[],
            recent_answers: &[],
            banned_phrases: &[],
            templates: None,
            classification: None,
            learnt: None,
            instructions: None,
            knowledge: &[],
        }
    }

    pub fn with_learnt(mut self, style: &'a crate::learning::Style) -> Self {
        self.learnt = Some(style);
        self
    }

    pub fn with_knowledge(mut self, entries: &'a [crate::kb::Entry]) -> Self {
        self.knowledge = entries;
        self
    }

    pub fn with_product(mut self, product: &'a ProductCard) -> Self {
        self.product = Some(product);
        self
    }

    pub fn with_history(mut self, history: &'a CustomerHistory) -> Self {
        self.history = Some(history);
        self
    }

    pub fn with_approved(mut self, approved: &'a [ApprovedAnswer]) -> Self {
        self.approved = approved;
        self
    }

    pub fn with_recent_answers(mut self, recent: &'a [String]) -> Self {
        self.recent_answers = recent;
        self
    }

    pub fn with_banned_phrases(mut self, banned: &'a [String]) -> Self {
        self.banned_phrases = banned;
        self
    }

    pub fn with_templates(mut self, templates: &'a TemplateSet) -> Self {
        self.templates = Some(templates);
        self
    }

    pub fn with_classification(mut self, c: &'a Classification) -> Self {
        self.classification = Some(c);
        self
    }

    pub fn channel(&self) -> Channel {
        self.interaction.channel
    }

    pub fn marketplace(&self) -> Marketplace {
        self.interaction.marketplace
    }

    /// What the customer wrote: a review with its pros and cons, a question, or a chat's
    /// buyer messages.
    pub fn customer_text(&self) -> String {
        let item = self.interaction;
        if item.channel == Channel::Chat && !self.thread.is_empty() {
            return self
                .thread
                .iter()
                .filter(|m| m.sender == Sender::Buyer)
                .map(|m| m.text.as_str())
                .collect::<Vec<_>>()
                .join("\n");
        }
        let mut text = item.text.clone();
        for (label, part) in [("Достоинства", &item.pros), ("Недостатки", &item.cons)]
        {
            if let Some(p) = part.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
                text.push_str(&format!("\n{label}: {p}"));
            }
        }
        text
    }

    /// The classification to draft for.
    pub fn classification(&self) -> Classification {
        match self.classification {
            Some(c) => c.clone(),
            None => classify_interaction(self.interaction, self.thread),
        }
    }

    /// The product's full name, from the card or the item.
    pub fn product_name(&self) -> Option<String> {
        self.product
            .map(|p| p.name.clone())
            .or_else(|| {
                self.interaction
                    .product
                    .as_ref()
                    .and_then(|p| p.name.clone())
            })
            .filter(|n| !n.trim().is_empty())
    }

    pub fn product_id(&self) -> Option<String> {
        self.product.and_then(|p| p.id.clone()).or_else(|| {
            self.interaction
                .product
                .as_ref()
                .map(|p| p.external_id.clone())
        })
    }

    pub fn brand(&self) -> Option<String> {
        self.product
            .and_then(|p| p.brand.clone())
            .or_else(|| {
                self.interaction
                    .product
                    .as_ref()
                    .and_then(|p| p.brand.clone())
            })
            .filter(|b| !b.trim().is_empty())
    }

    /// The guardrail context for replies to this item.
    pub fn check_context<'b>(&'b self, customer_text: &'b str) -> CheckContext<'b> {
        CheckContext::new(self.channel(), self.marketplace(), customer_text)
            .with_recent_answers(self.recent_answers)
            .with_banned_phrases(self.banned_phrases)
    }

    fn templates(&self) -> &'a TemplateSet {
        self.templates.unwrap_or_else(|| TemplateSet::defaults())
    }

    /// Whether the seller has already written in this chat.
    fn seller_spoke(&self) -> bool {
        self.thread.iter().any(|m| m.sender == Sender::Seller)
    }
}

/// A draft for `item`; `variant` picks among equivalent wordings so consecutive drafts
/// differ. The offline provider with no product card, history or approved answers.
pub fn draft_for(item: &Interaction, thread: &[ChatMessage], variant: u64) -> Draft {
    offline_draft(&DraftContext::new(item, thread), variant)
}

/// Generic words that are not a customer's name.
const NOT_NAMES: &[&str] = &[
    "покупатель",
    "покупательница",
    "пользователь",
    "клиент",
    "аноним",
    "анонимно",
    "гость",
    "имя",
    "нет",
    "скрыто",
    "user",
    "buyer",
    "customer",
    "client",
    "guest",
    "noname",
    "name",
    "anonymous",
    "wb",
    "ozon",
];

/// A customer's first name fit for a greeting ("анна" → "Анна"), or `None` for a
/// missing, generic or odd one.
pub fn clean_name(raw: Option<&str>) -> Option<String> {
    let first = raw?
        .split(|c: char| c.is_whitespace() || c == ',' || c == '.')
        .find(|w| !w.is_empty())?;
    if !first.chars().all(|c| c.is_alphabetic() || c == '-') {
        return None;
    }
    let n = first.chars().count();
    let latin = first.chars().any(|c| c.is_ascii_alphabetic());
    let cyrillic = first.chars().any(|c| matches!(c, '\u{0400}'..='\u{04FF}'));
    if !(2..=20).contains(&n)
        || (latin && cyrillic)
        || first.starts_with('-')
        || first.ends_with('-')
    {
        return None;
    }
    let lower = first.to_lowercase();
    if NOT_NAMES.contains(&lower.as_str()) {
        return None;
    }
    Some(
        lower
            .split('-')
            .map(capitalize)
            .collect::<Vec<_>>()
            .join("-"),
    )
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// The product's name as a draft mentions it: up to the first ", " (never inside "1,5"),
/// at most 60 characters on a word boundary, in «guillemets».
pub fn short_product_name(name: &str) -> String {
    let base = name.split(", ").next().unwrap_or(name).trim();
    let base: String = base
        .chars()
        .filter(|c| !matches!(c, '«' | '»' | '"'))
        .collect();
    let mut out = String::new();
    for word in base.split_whitespace() {
        if out.chars().count() + word.chars().count() + 1 > 60 && !out.is_empty() {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    let out = out
        .trim_end_matches([',', '.', ';', ':', '—', '-', ' '])
        .to_string();
    format!("«{out}»")
}

/// Whether two stems are the same word for our purposes.
fn stems_meet(a: &str, b: &str) -> bool {
    let (la, lb) = (a.chars().count(), b.chars().count());
    let n = la.min(lb);
    if n < 4 {
        return a == b;
    }
    let common = a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count();
    common >= 4
}

/// Words that introduce the attribute asked about ("какая длина", "сколько весит").
const QUESTION_WORDS: &[&str] = &[
    "какой",
    "какая",
    "какое",
    "какие",
    "каков",
    "какова",
    "каковы",
    "какого",
    "какую",
    "каким",
    "какой",
    "сколько",
    "насколько",
];

/// Whether a characteristic's value is a measurement ("145×215 см", "300 г", "1,7 л").
fn is_measure(value: &str) -> bool {
    const UNITS: &[&str] = &[
        "см",
        "мм",
        "м",
        "м²",
        "кг",
        "г",
        "л",
        "мл",
        "вт",
        "мач",
        "ач",
        "дюйм",
        "дюйма",
    ];
    let has_unit = tokenize(value)
        .iter()
        .any(|t| UNITS.contains(&t.norm.as_str()));
    value.chars().any(|c| c.is_ascii_digit()) && (has_unit || value.contains('×'))
}

/// The product characteristic the customer asks about, as "длина шнура — 0,75 м".
///
/// A wrong characteristic is worse than none (it would be sent as a fact), so one is
/// quoted only on real evidence: its name is the word a question word points at ("какая
/// длина шнура", "гарантия сколько"), or its name matches and both the question and the
/// value carry numbers ("подойдёт на одеяло 140×205" → "размер пододеяльника 145×215"),
/// or its name and its value both match, or its value matches two words of the question
/// ("стирать в машинке" → "машинная стирка при 30 °C"). For compatibility questions a
/// characteristic named like "совместимость"/"разъёмы" is the fallback.
pub fn relevant_spec(card: &ProductCard, customer_text: &str, intent: Intent) -> Option<String> {
    let tokens = tokenize(customer_text);
    let content: Vec<(usize, String)> = tokens
        .iter()
        .enumerate()
        .filter(|(_, t)| !STOP_WORDS.contains(&t.norm.as_str()))
        .map(|(i, t)| (i, stem(&t.norm)))
        .collect();
    // Stems next to a question word (two content words either side).
    let mut asked: Vec<&str> = Vec::new();
    for (qi, t) in tokens.iter().enumerate() {
        if !QUESTION_WORDS.contains(&t.norm.as_str()) {
            continue;
        }
        let pos = content
            .iter()
            .position(|(i, _)| *i > qi)
            .unwrap_or(content.len());
        let lo = pos.saturating_sub(2);
        let hi = (pos + 2).min(content.len());
        asked.extend(content[lo..hi].iter().map(|(_, s)| s.as_str()));
    }
    let query_has_number = tokens.iter().any(|t| t.is_number());
    let words = |text: &str, values: bool| -> Vec<String> {
        content_stems(text)
            .into_iter()
            .filter(|s| {
                !values || (s.chars().count() >= 4 && !s.chars().all(|c| c.is_ascii_digit()))
            })
            .collect()
    };
    let query: Vec<&str> = content.iter().map(|(_, q)| q.as_str()).collect();
    let meets_any = |s: &str, list: &[&str]| list.iter().any(|q| stems_meet(s, q));
    let mut best: Option<(usize, &(String, String))> = None;
    for ch in &card.characteristics {
        let name = words(&ch.0, false);
        let value = words(&ch.1, true);
        let name_hits = name.iter().filter(|s| meets_any(s, &query)).count();
        let asked_hits = name.iter().filter(|s| meets_any(s, &asked)).count();
        let value_hits = value.iter().filter(|s| meets_any(s, &query)).count();
        let evidence = asked_hits > 0
            || (name_hits > 0 && query_has_number && is_measure(&ch.1))
            || (name_hits > 0 && value_hits > 0)
            || value_hits >= 2;
        if !evidence {
            continue;
        }
        let score = asked_hits * 3 + name_hits * 2 + value_hits;
        if best.is_none_or(|(s, _)| score > s) {
            best = Some((score, ch));
        }
    }
    let chosen = best.map(|(_, c)| c).or_else(|| {
        if intent != Intent::Compatibility {
            return None;
        }
        card.characteristics.iter().find(|(n, _)| {
            let n = n.to_lowercase();
            ["совмест", "разъ", "порт", "протокол", "тип плит"]
                .iter()
                .any(|f| n.contains(f))
        })
    })?;
    let (name, value) = (chosen.0.trim(), chosen.1.trim().trim_end_matches('.'));
    if name.is_empty() || value.is_empty() {
        return None;
    }
    let mut chars = name.chars();
    let first = chars.next()?;
    let second_upper = chars.next().is_some_and(char::is_uppercase);
    let name = if second_upper {
        name.to_string()
    } else {
        first.to_lowercase().chain(name.chars().skip(1)).collect()
    };
    Some(format!("{name} — {value}"))
}

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
struct Plan<'t> {
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
    let hit = crate::kb::relevant(ctx.knowledge, check_ctx.customer_text)
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

impl<'t> Plan<'t> {
    /// With `own_bodies`, the card's answer or the named problem replaces the template
    /// body when there is one.
    fn new(
        ctx: &DraftContext<'t>,
        cls: &Classification,
        check_ctx: &CheckContext<'_>,
        name: Option<String>,
        own_bodies: bool,
    ) -> Plan<'t> {
        let t = ctx.templates();
        let channel = ctx.channel();
        let item = ctx.interaction;
        let seed = fnv1a(&[
            item.external_id.as_bytes(),
            channel.as_str().as_bytes(),
            &item.account_id.to_le_bytes(),
        ]);
        let customer_text = check_ctx.customer_text;
        let spec_intent = super::answers::is_card_intent(cls.intent);
        let mut specific =
            super::answers::specific(ctx, cls, customer_text, check_ctx.customer_asked_for_return);
        if !own_bodies && !specific.bodies.is_empty() {
            specific.bodies.clear();
            specific.confidence_shift -= 0.1;
            for r in &mut specific.reasons {
                if *r == reason::PROBLEM_NAMED {
                    *r = reason::PROBLEM_UNCLEAR;
                }
            }
        }
        let knowledge = knowledge_for(ctx, cls, check_ctx);
        if knowledge.is_some() {
            // The seller's own base answers what the card does not.
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
        let spec = specific.spec.clone();
        let vars = Vars {
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
        };

        let escalation = ESCALATION_ORDER
            .iter()
            .find(|e| cls.escalations.contains(e))
            .and_then(|e| t.escalation(channel, *e));
        let wordings = escalation.unwrap_or_else(|| t.intent(channel, cls.intent));
        let mut used_spec = false;
        let pool: Vec<&String> =
            if vars.spec.is_some() && !wordings.with_spec.is_empty() && escalation.is_none() {
                used_spec = true;
                wordings.with_spec.iter().collect()
            } else {
                wordings.bodies.iter().collect()
            };
        let renderable: Vec<&String> = pool
            .into_iter()
            .filter(|w| fill(w, &vars).is_some())
            .collect();
        // Name the product whenever it is known.
        let naming: Vec<&String> = renderable
            .iter()
            .copied()
            .filter(|w| w.contains("{product}"))
            .collect();
        let bodies = if vars.product.is_some() && !naming.is_empty() {
            naming
        } else {
            renderable
        };

        let tone = if !cls.escalations.is_empty() {
            Tone::Negative
        } else {
            match item.rating.map(|r| r.stars()) {
                Some(4 | 5) if cls.sentiment.label != SentimentLabel::Negative => Tone::Positive,
                Some(1 | 2) => Tone::Negative,
                _ => match cls.sentiment.label {
                    SentimentLabel::Positive => Tone::Positive,
                    SentimentLabel::Neutral => Tone::Neutral,
                    SentimentLabel::Negative => Tone::Negative,
                },
            }
        };
        let common = &t.common;
        let greetings = match (
            channel == Channel::Chat && ctx.seller_spoke(),
            vars.name.is_some(),
        ) {
            (true, true) => &common.greetings.followup_named,
            (true, false) => &common.greetings.followup_anonymous,
            (false, true) => &common.greetings.named,
            (false, false) => &common.greetings.anonymous,
        };
        let closings = match (channel, tone) {
            (Channel::Review, Tone::Positive) => &common.closings.review_positive,
            (Channel::Review, Tone::Neutral) => &common.closings.review_neutral,
            (Channel::Review, Tone::Negative) => &common.closings.review_negative,
            (Channel::Question, _)
                if cls.intent.is_pre_purchase() || cls.intent == Intent::Other =>
            {
                &common.closings.question
            }
            (Channel::Question, _) => &common.closings.question_support,
            (Channel::Chat, _) => &common.closings.chat,
        };
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
        let returns: &[String] =
            if check_ctx.customer_asked_for_return && return_intent && tone != Tone::Positive {
                match ctx.marketplace() {
                    Marketplace::Wb => &common.return_info.wb,
                    Marketplace::Ozon => &common.return_info.ozon,
                }
            } else {
                &[]
            };
        let history: &[String] = match ctx.history {
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
        };

        let mut base = 0.35 + 0.45 * cls.intent_confidence;
        if vars.product.is_some() {
            base += 0.05;
        }
        base += specific.confidence_shift;
        if spec_intent
            && channel != Channel::Review
            && specific.spec.is_some()
            && !used_spec
            && specific.spec_bodies.is_empty()
        {
            // The card answered but no wording could quote it.
            base -= 0.2;
        }
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
        // A question the seller's base answers gets that answer as its body, after a
        // short lead-in, rather than a generic wording that promises to find out.
        let mut knowledge_in_body = false;
        if let Some((text, _)) = &knowledge {
            // The card's own answer, when there is one, stays the body.
            let card_answered = vars.spec.is_some();
            if own.is_empty()
                && !card_answered
                && !cls.intent.is_complaint()
                && tone != Tone::Negative
            {
                own = knowledge_leads(vars.product.as_deref())
                    .into_iter()
                    .map(|lead| format!("{lead} {text}"))
                    .collect();
                knowledge_in_body = true;
            }
        }
        Plan {
            seed,
            vars,
            greetings,
            bodies,
            own,
            returns,
            history,
            closings,
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
    fn render(&self, variant: u64, attempt: u64) -> Option<String> {
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

    fn confidence(&self, verdict: &Verdict) -> f32 {
        let mut c = self.base_confidence;
        if verdict.level == Level::Warn {
            c *= 0.85;
        }
        c.clamp(0.05, 0.85)
    }

    fn reasons(&self, verdict: &Verdict) -> Vec<String> {
        let mut out: Vec<String> = self.reasons.iter().map(|r| r.to_string()).collect();
        out.extend(self.knowledge.iter().map(|(_, why)| why.clone()));
        if verdict.level == Level::Warn {
            out.push(reason::GUARDRAIL_WARNING.to_string());
        }
        out
    }
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

/// An offline draft as the seller has been editing drafts (`crate::learning::Style`):
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

    // With the name first; without it if the name itself trips a guardrail. The card's
    // answer or the named problem first; the template bodies if every wording of those
    // trips a guardrail (the customer's own words can).
    let mut fallback: Option<(String, f32, Vec<String>)> = None;
    let names = if name.is_some() {
        vec![name.clone(), None]
    } else {
        vec![None]
    };
    for (own, name) in [true, false]
        .into_iter()
        .flat_map(|own| names.iter().map(move |n| (own, n.clone())))
    {
        let plan = Plan::new(ctx, &cls, &check_ctx, name, own);
        for attempt in 0..MAX_ATTEMPTS {
            let Some(text) = plan.render(variant, attempt) else {
                continue;
            };
            let verdict = check(&text, &check_ctx);
            if verdict.is_block() {
                continue;
            }
            if !verdict.has(Rule::NearDuplicate) {
                return Draft {
                    text,
                    source: DraftSource::Template,
                    confidence: plan.confidence(&verdict),
                    prompt_version: None,
                    reasons: plan.reasons(&verdict),
                    model: None,
                };
            }
            if fallback.is_none() {
                fallback = Some((
                    text,
                    plan.confidence(&verdict) * 0.8,
                    plan.reasons(&verdict),
                ));
            }
        }
    }
    let (text, confidence, reasons) = fallback.unwrap_or_else(|| {
        // Every wording was blocked (the seller's banned phrases can do that): the
        // plainest safe text there is, with a confidence that says "write it yourself".
        let product = ctx.product_name().map(|n| short_product_name(&n));
        let candidates = [
            product.map(|p| format!("Здравствуйте! Спасибо, что написали о товаре {p}.")),
            Some("Здравствуйте! Спасибо, что написали.".to_string()),
            Some("Здравствуйте!".to_string()),
        ];
        let text = candidates
            .iter()
            .flatten()
            .find(|t| !check(t, &check_ctx).is_block())
            .or(candidates.iter().flatten().last())
            .cloned()
            .unwrap_or_default();
        tracing::debug!("every template wording was blocked; using the minimal draft");
        (text, 0.05, vec![reason::NO_TEMPLATE_FITS.to_string()])
    });
    Draft {
        text,
        source: DraftSource::Template,
        confidence,
        prompt_version: None,
        reasons,
        model: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
