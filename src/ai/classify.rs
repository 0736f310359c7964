//! The offline classifier: intent, sentiment and escalation flags. Pure and fast: no
//! network; Russian lexicons (`data/lexicons/*.toml`), the rating and the channel, and a
//! trained intent model (`data/intent_model.bin`, [`super::intent_model`]).
//!
//! The intent is the model's: a linear model over character n-grams, words and the rule
//! scores below, trained on the labelled corpus in `data/intents/` (its held-out accuracy
//! and confusion matrix are in docs/drafts.md). The confidence is the model's probability
//! for that intent. Sentiment and escalation flags stay rule-based (an exact word list is
//! what a human reviewer can audit), and the rules' intent decision remains as the
//! fallback while no model is shipped (an empty `data/intent_model.bin`, only before the
//! very first training).
//!
//! The rule scores the model reads, and the rules' own decision:
//!
//! 1. every intent's lexicon scores the text (strong 3, medium 2, weak 1 per distinct
//!    pattern that matched; negated matches do not count);
//! 2. priors from the rating and the channel are added: a 5★ review leans `thanks` (+2),
//!    4★ a little (+1), 3★ and below lean `quality_complaint` (+1) and damp `thanks`
//!    (×0.2 at 1–2★: "спасибо, не надо"); in a review that asks nothing, pre-purchase and
//!    how-to cues are damped (they describe, not ask), and a 5★ review halves
//!    `quality_complaint`; on the public question channel every pre-purchase intent that
//!    matched gets +0.5 and `thanks` is damped; care words ("стирать", "посудомойка")
//!    count for `product_spec` on questions and `usage_howto` in chats;
//! 3. the root causes `defect_not_working` and `wrong_item` are weighted ×1.3 so that
//!    "сломался, хочу вернуть деньги" is a defect, not a refund request;
//! 4. the best score wins; a public question with no match at all is `pre_purchase`,
//!    anything else with no match is `other`.
//!
//! The rules' confidence grows with the winning score and with its margin over the runner-up:
//! `0.2 + 0.75 · (1 − e^(−s₁/2.5)) · (0.5 + 0.5 · (s₁ − s₂)/s₁)`, so one strong cue gives
//! about 0.6, several agreeing cues 0.8–0.9, and a close call between two intents less.
//! Items with no cue get 0.3 (`other`) or 0.35 (a question taken as `pre_purchase`).

use std::sync::OnceLock;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::intent::{Escalation, Intent, Sentiment};
use super::lexicon::{GroupDef, PatternSet};
use super::normalize::{is_shouting, tokenize, Token};
use crate::domain::{Channel, ChatMessage, Interaction, Rating, Sender};

/// What the classifier found in one text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Classification {
    pub intent: Intent,
    /// 0.0..=1.0
    pub intent_confidence: f32,
    pub sentiment: Sentiment,
    /// Reasons this item must be handled by a human; empty for ordinary items.
    pub escalations: Vec<Escalation>,
    /// The words that decided it, for explanations on screen and in `agentiq classify`.
    pub evidence: Vec<Evidence>,
}

impl Classification {
    /// Add an escalation once.
    pub fn add_escalation(&mut self, e: Escalation) {
        if !self.escalations.contains(&e) {
            self.escalations.push(e);
            self.escalations.sort();
        }
    }

    /// See [`escalation_requires_human`].
    pub fn requires_human(&self) -> bool {
        escalation_requires_human(self)
    }
}

/// A matched fragment of the customer's text and what it was taken for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// An intent name or an escalation name.
    pub label: String,
    pub matched: String,
}

/// Whether an item must never be answered automatically: any escalation flag (health or
/// allergy, safety, counterfeit, threats, legal or regulator words, mass defect).
pub fn escalation_requires_human(c: &Classification) -> bool {
    !c.escalations.is_empty()
}

struct Model {
    intents: Vec<(Intent, PatternSet)>,
    care: PatternSet,
    positive: PatternSet,
    negative: PatternSet,
    escalations: Vec<(Escalation, PatternSet)>,
}

#[derive(Deserialize)]
struct IntentsFile {
    intent: std::collections::BTreeMap<String, GroupDef>,
}

#[derive(Deserialize)]
struct SentimentFile {
    positive: GroupDef,
    negative: GroupDef,
}

const INTENTS_TOML: &str = include_str!("../../data/lexicons/intents.toml");
const SENTIMENT_TOML: &str = include_str!("../../data/lexicons/sentiment.toml");
const ESCALATIONS_TOML: &str = include_str!("../../data/lexicons/escalations.toml");

fn build_model() -> Result<Model, String> {
    let file: IntentsFile =
        toml::from_str(INTENTS_TOML).map_err(|e| format!("data/lexicons/intents.toml: {e}"))?;
    let mut intents = Vec::new();
    let mut care = PatternSet::default();
    for (name, group) in &file.intent {
        let set = group
            .compile(3.0, 2.0, 1.0)
            .map_err(|e| format!("intents.toml [{name}]: {e}"))?;
        if name == "care" {
            care = set;
            continue;
        }
        let intent =
            Intent::parse(name).ok_or_else(|| format!("intents.toml: unknown intent '{name}'"))?;
        intents.push((intent, set));
    }
    let sentiment: SentimentFile =
        toml::from_str(SENTIMENT_TOML).map_err(|e| format!("data/lexicons/sentiment.toml: {e}"))?;
    let positive = sentiment.positive.compile(2.0, 1.5, 1.0)?;
    let negative = sentiment.negative.compile(2.0, 1.5, 1.0)?;
    let esc: std::collections::BTreeMap<String, GroupDef> = toml::from_str(ESCALATIONS_TOML)
        .map_err(|e| format!("data/lexicons/escalations.toml: {e}"))?;
    let mut escalations = Vec::new();
    for (name, group) in &esc {
        let kind = Escalation::parse(name)
            .ok_or_else(|| format!("escalations.toml: unknown escalation '{name}'"))?;
        // Escalations never drop negated matches (see the file's header).
        let mut set = group.compile(1.0, 1.0, 1.0)?;
        set.negatable = false;
        escalations.push((kind, set));
    }
    Ok(Model {
        intents,
        care,
        positive,
        negative,
        escalations,
    })
}

fn model() -> &'static Model {
    static MODEL: OnceLock<Model> = OnceLock::new();
    MODEL.get_or_init(|| {
        // The lexicons are compiled into the binary and checked by the tests, so a
        // failure here is a build defect, not bad input.
        build_model().unwrap_or_else(|e| panic!("embedded classifier lexicon is invalid: {e}"))
    })
}

/// Order in which equal scores are resolved: the more urgent reading first.
const TIE_ORDER: [Intent; 15] = [
    Intent::DefectNotWorking,
    Intent::WrongItem,
    Intent::CancelRequest,
    Intent::DeliveryDelay,
    Intent::RefundExchange,
    Intent::QualityComplaint,
    Intent::DeliveryStatus,
    Intent::Compatibility,
    Intent::SizingFit,
    Intent::Availability,
    Intent::ProductSpec,
    Intent::UsageHowto,
    Intent::PrePurchase,
    Intent::Thanks,
    Intent::Other,
];

/// Whether a text reads as a question.
pub fn looks_like_question(text: &str, tokens: &[Token]) -> bool {
    if text.contains('?') {
        return true;
    }
    const STARTERS: [&str; 14] = [
        "подскажите",
        "скажите",
        "как",
        "какой",
        "какая",
        "какие",
        "когда",
        "сколько",
        "где",
        "можно",
        "есть",
        "будет",
        "подойдет",
        "почему",
    ];
    tokens
        .first()
        .is_some_and(|t| STARTERS.contains(&t.norm.as_str()))
        || tokens.iter().any(|t| t.norm == "ли")
}

/// An intent's rule score and the words of the text that gave it.
type Scored = (Intent, f32, Vec<String>);

/// Every intent's rule score for a text (lexicon cues plus the rating and channel priors
/// described in the module documentation), best first, with the words that matched.
pub(crate) fn rule_scores(
    channel: Channel,
    stars: Option<u8>,
    text: &str,
    tokens: &[Token],
) -> Vec<Scored> {
    let m = model();
    let mut scored: Vec<Scored> = m
        .intents
        .iter()
        .map(|(intent, set)| {
            let (score, hits) = set.score(tokens);
            let words = hits
                .iter()
                .map(|h| text[h.span.clone()].to_string())
                .collect();
            (*intent, score, words)
        })
        .collect();
    let question_like = looks_like_question(text, tokens);
    // A review is a statement about a product already bought: care words there describe
    // how it was used, not a question about how to.
    let (care, care_hits) = m.care.score(tokens);
    if care > 0.0 && (channel != Channel::Review || question_like) {
        let care_intent = if channel == Channel::Question {
            Intent::ProductSpec
        } else {
            Intent::UsageHowto
        };
        let p = slot(&mut scored, care_intent);
        scored[p].1 += care;
        scored[p]
            .2
            .extend(care_hits.iter().map(|h| text[h.span.clone()].to_string()));
    }
    // Priors from the rating and the channel.
    let thanks = slot(&mut scored, Intent::Thanks);
    let quality = slot(&mut scored, Intent::QualityComplaint);
    if channel == Channel::Review {
        review_priors(&mut scored, stars, question_like, thanks, quality);
    }
    if channel == Channel::Question {
        scored[thanks].1 *= 0.3;
        for (intent, score, _) in scored.iter_mut() {
            if intent.is_pre_purchase() && *score > 0.0 {
                *score += 0.5;
            }
        }
    }
    for (intent, score, _) in scored.iter_mut() {
        if matches!(intent, Intent::DefectNotWorking | Intent::WrongItem) {
            *score *= 1.3;
        }
    }
    scored.sort_by(|a, b| {
        b.1.total_cmp(&a.1).then_with(|| {
            let pa = TIE_ORDER.iter().position(|i| *i == a.0);
            let pb = TIE_ORDER.iter().position(|i| *i == b.0);
            pa.cmp(&pb)
        })
    });
    scored
}

/// Where `intent` is among the scores, added with none when it is not yet.
fn slot(scored: &mut Vec<Scored>, intent: Intent) -> usize {
    match scored.iter().position(|(x, _, _)| *x == intent) {
        Some(p) => p,
        None => {
            scored.push((intent, 0.0, Vec::new()));
            scored.len() - 1
        }
    }
}

/// A review's priors: questions' cues weigh less unless it asks something, and the
/// rating leans to thanks or to a quality complaint (`thanks` and `quality` are where
/// those two are in `scored`).
fn review_priors(
    scored: &mut [Scored],
    stars: Option<u8>,
    question_like: bool,
    thanks: usize,
    quality: usize,
) {
    if !question_like {
        // Reviews rarely ask anything: pre-purchase and how-to cues there are
        // descriptions ("подсветку можно отключить — это плюс").
        for (intent, score, _) in scored.iter_mut() {
            match intent {
                Intent::UsageHowto => *score *= 0.3,
                Intent::SizingFit => *score *= 0.6,
                Intent::DeliveryStatus => *score *= 0.5,
                i if i.is_pre_purchase() => *score *= 0.5,
                _ => {}
            }
        }
    }
    match stars {
        Some(5) => {
            scored[thanks].1 += 2.0;
            scored[quality].1 *= 0.5;
        }
        Some(4) => scored[thanks].1 += 1.0,
        Some(3) => {
            scored[quality].1 += 1.0;
            scored[thanks].1 *= 0.5;
        }
        Some(_) => {
            scored[quality].1 += 1.0;
            scored[thanks].1 *= 0.2;
        }
        None => {}
    }
}

/// The rules' own decision (the classifier before the trained model, kept as its
/// fallback and as the baseline the model is measured against): the best score wins when
/// it reaches 1.5, else a public question is `pre_purchase` and anything else `other`.
pub(crate) fn rule_decision(
    channel: Channel,
    text: &str,
    tokens: &[Token],
    scored: &[(Intent, f32, Vec<String>)],
) -> (Intent, f32) {
    let (s1, s2) = (
        scored.first().map_or(0.0, |s| s.1),
        scored.get(1).map_or(0.0, |s| s.1),
    );
    // One weak cue alone ("точно", "но") is not enough to name an intent.
    if s1 >= 1.5 {
        let intent = scored[0].0;
        let strength = 1.0 - (-s1 / 2.5).exp();
        let margin = (s1 - s2) / s1;
        (intent, 0.2 + 0.75 * strength * (0.5 + 0.5 * margin))
    } else if channel == Channel::Question && looks_like_question(text, tokens) {
        (Intent::PrePurchase, 0.35)
    } else {
        (Intent::Other, 0.3)
    }
}

/// Classify one customer text with the shipped intent model.
pub fn classify(channel: Channel, rating: Option<Rating>, text: &str) -> Classification {
    classify_with(super::intent_model::shipped(), channel, rating, text)
}

/// Classify one customer text with `intent_model` (an account's own, or the shipped one;
/// `None`: the rules alone).
pub fn classify_with(
    intent_model: Option<&super::intent_model::Model>,
    channel: Channel,
    rating: Option<Rating>,
    text: &str,
) -> Classification {
    let m = model();
    let tokens = tokenize(text);
    let stars = rating.map(Rating::stars);
    let scored = rule_scores(channel, stars, text, &tokens);
    let (intent, confidence) = match intent_model {
        Some(model) => {
            let features = super::intent_model::features(channel, stars, text, &tokens, &scored);
            model.predict(&features)
        }
        None => rule_decision(channel, text, &tokens, &scored),
    };
    let mut evidence = Vec::new();
    if let Some((_, _, words)) = scored.iter().find(|(i, _, _)| *i == intent) {
        for w in words.iter().take(4) {
            evidence.push(Evidence {
                label: intent.as_str().to_string(),
                matched: w.clone(),
            });
        }
    }

    let sentiment = sentiment(m, text, &tokens, stars);

    let mut escalations = Vec::new();
    for (kind, set) in &m.escalations {
        let hits = set.find_all(&tokens);
        if let Some(h) = hits.first() {
            escalations.push(*kind);
            evidence.push(Evidence {
                label: kind.as_str().to_string(),
                matched: text[h.span.clone()].to_string(),
            });
        }
    }
    escalations.sort();

    Classification {
        intent,
        intent_confidence: confidence.clamp(0.0, 1.0),
        sentiment,
        escalations,
        evidence,
    }
}

const POSITIVE_EMOJI: [char; 16] = [
    '😍', '❤', '👍', '🔥', '😊', '🙂', '😄', '😂', '✨', '💙', '🥰', '👌', '😁', '🤩', '💯', '🙏',
];
const NEGATIVE_EMOJI: [char; 10] = ['😡', '🙄', '😠', '🤬', '👎', '😢', '😞', '🙁', '😭', '💩'];

fn sentiment(m: &Model, text: &str, tokens: &[Token], stars: Option<u8>) -> Sentiment {
    let weight = |set: &PatternSet| -> f32 {
        set.find_all(tokens)
            .iter()
            .map(|h| set.patterns[h.pattern].1)
            .sum()
    };
    let mut raw = weight(&m.positive) - weight(&m.negative);
    let pos_emoji = text.chars().filter(|c| POSITIVE_EMOJI.contains(c)).count() as f32;
    let neg_emoji = text.chars().filter(|c| NEGATIVE_EMOJI.contains(c)).count() as f32;
    raw += pos_emoji.min(3.0) - neg_emoji.min(3.0);
    if raw <= 0.0 && (is_shouting(text) || text.contains("!!!") || text.contains("???")) {
        raw -= 1.5;
    }
    let lexical = (raw / 3.0).tanh();
    let score = match stars {
        Some(s) => {
            let prior = match s {
                1 => -0.9,
                2 => -0.6,
                3 => -0.1,
                4 => 0.4,
                _ => 0.8,
            };
            0.6 * prior + 0.4 * lexical
        }
        None => lexical,
    };
    Sentiment::from_score(score)
}

/// The text the classifier should read for an interaction: a review's text with its pros
/// and cons, a question's text, or a chat's buyer messages that still wait for an answer
/// (falling back to all buyer messages when those say too little).
pub fn classify_interaction(item: &Interaction, thread: &[ChatMessage]) -> Classification {
    classify_interaction_with(super::intent_model::shipped(), item, thread)
}

/// The text [`classify_interaction`] reads as a whole: a review's or question's text with
/// its pros and cons, or a chat's buyer messages (what an intent correction records).
pub fn classifier_text(item: &Interaction, thread: &[ChatMessage]) -> String {
    if item.channel != Channel::Chat || thread.is_empty() {
        let mut text = item.text.clone();
        for part in [&item.pros, &item.cons].into_iter().flatten() {
            if !part.trim().is_empty() {
                text.push_str(". ");
                text.push_str(part);
            }
        }
        return text;
    }
    buyer_text(thread)
}

fn buyer_text(msgs: &[ChatMessage]) -> String {
    msgs.iter()
        .filter(|m| m.sender == Sender::Buyer)
        .map(|m| m.text.as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

/// [`classify_interaction`] with `intent_model` (see [`classify_with`]).
pub fn classify_interaction_with(
    intent_model: Option<&super::intent_model::Model>,
    item: &Interaction,
    thread: &[ChatMessage],
) -> Classification {
    let classify = |channel, rating, text: &str| classify_with(intent_model, channel, rating, text);
    if item.channel != Channel::Chat || thread.is_empty() {
        return classify(item.channel, item.rating, &classifier_text(item, thread));
    }
    let unanswered_from = thread
        .iter()
        .rposition(|m| m.sender == Sender::Seller)
        .map_or(0, |i| i + 1);
    let all = buyer_text(thread);
    let tail = buyer_text(&thread[unanswered_from..]);
    let whole = classify(Channel::Chat, item.rating, &all);
    if tail.trim().is_empty() {
        return whole;
    }
    let mut latest = classify(Channel::Chat, item.rating, &tail);
    if latest.intent == Intent::Other || latest.intent_confidence < 0.45 {
        latest.intent = whole.intent;
        latest.intent_confidence = whole.intent_confidence;
    }
    for e in &whole.escalations {
        latest.add_escalation(*e);
    }
    for ev in whole.evidence {
        if !latest.evidence.contains(&ev) {
            latest.evidence.push(ev);
        }
    }
    latest
}

/// When complaints about one product count as a mass defect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MassDefectPolicy {
    /// How many complaints make a mass defect (default 3).
    pub min_complaints: usize,
    /// Within how long (default 3 days).
    #[serde(with = "duration_hours")]
    pub window: Duration,
}

impl Default for MassDefectPolicy {
    fn default() -> Self {
        MassDefectPolicy {
            min_complaints: 3,
            window: Duration::days(3),
        }
    }
}

mod duration_hours {
    use chrono::Duration;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(d.num_hours())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        Ok(Duration::hours(i64::deserialize(d)?))
    }
}

/// Whether a product's recent complaints (their times) amount to a mass defect at `now`:
/// at least `policy.min_complaints` of them within the last `policy.window`. Future times
/// (clock skew) count as now.
pub fn mass_defect(
    complaint_times: &[DateTime<Utc>],
    now: DateTime<Utc>,
    policy: &MassDefectPolicy,
) -> bool {
    let since = now - policy.window;
    complaint_times.iter().filter(|t| **t > since).count() >= policy.min_complaints.max(1)
}

/// Whether a classified item counts as a complaint about its product (for
/// [`mass_defect`]): a defect, a wrong item or a quality complaint, or any review of 1–2★.
pub fn is_product_complaint(c: &Classification, rating: Option<Rating>) -> bool {
    matches!(
        c.intent,
        Intent::DefectNotWorking | Intent::WrongItem | Intent::QualityComplaint
    ) || rating.is_some_and(|r| r.stars() <= 2)
}

#[cfg(test)]
mod tests;
