//! Guardrails: every reply — drafted, edited or typed — is checked before it is sent
//! (SPEC section 4). [`check`] never changes the text; it reports findings with the byte
//! range they cover, a severity for the channel and a reason in Russian and English.
//!
//! Rules and their severities are listed in [`Rule`] and documented, with examples, in
//! docs/guardrails.md.

mod rules;
mod scan;
mod window;

use std::ops::Range;

use serde::{Deserialize, Serialize};

pub use rules::{banned_phrases_toml, default_banned_phrases, parse_banned_phrases, Rule};
pub use scan::{links_emails_handles, phones_and_cards, placeholders, Contact, ContactKind};
pub use window::{ReplyWindow, OZON_CHAT_REPLY_HOURS};

use super::lexicon::{merge_spans, Pattern, PatternSet};
use super::normalize::{normalize, similarity_at_least, tokenize, Token};
use crate::domain::{Channel, Marketplace};

/// How serious one finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Shown to the seller; sending is allowed.
    Warn,
    /// Stops the send unless the seller overrides deliberately (counted as harmful).
    Block,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warn => "warn",
            Severity::Block => "block",
        }
    }
}

/// The overall verdict: the worst severity found, or pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Pass,
    Warn,
    Block,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Pass => "pass",
            Level::Warn => "warn",
            Level::Block => "block",
        }
    }

    /// Exit code for `agentiq check`: 0 pass, 1 warn, 2 block.
    pub fn exit_code(self) -> i32 {
        match self {
            Level::Pass => 0,
            Level::Warn => 1,
            Level::Block => 2,
        }
    }
}

/// One thing wrong with a reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub rule: Rule,
    pub severity: Severity,
    pub reason_ru: String,
    pub reason_en: String,
    /// Byte range of the offending text in the reply (the whole reply for length and
    /// near-duplicate findings).
    pub span: Range<usize>,
}

/// What [`check`] found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    pub level: Level,
    pub findings: Vec<Finding>,
}

impl Verdict {
    pub fn is_block(&self) -> bool {
        self.level == Level::Block
    }

    pub fn is_pass(&self) -> bool {
        self.level == Level::Pass
    }

    /// Whether any finding is of this rule.
    pub fn has(&self, rule: Rule) -> bool {
        self.findings.iter().any(|f| f.rule == rule)
    }

    /// Block-level findings only.
    pub fn blocking(&self) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Block)
    }
}

/// What a reply is checked against.
#[derive(Debug, Clone, Copy)]
pub struct CheckContext<'a> {
    pub channel: Channel,
    pub marketplace: Marketplace,
    /// What the customer wrote (all buyer messages for a chat).
    pub customer_text: &'a str,
    /// The seller's recent answers, newest first or in any order.
    pub recent_answers: &'a [String],
    /// The seller's banned phrases (runtime-editable; see [`default_banned_phrases`]).
    pub banned_phrases: &'a [String],
    /// Whether the customer asked for a return or an exchange; [`CheckContext::new`]
    /// derives it from `customer_text`.
    pub customer_asked_for_return: bool,
}

impl<'a> CheckContext<'a> {
    /// A context with no recent answers and no banned phrases; whether the customer asked
    /// for a return is read from their text.
    pub fn new(channel: Channel, marketplace: Marketplace, customer_text: &'a str) -> Self {
        CheckContext {
            channel,
            marketplace,
            customer_text,
            recent_answers: &[],
            banned_phrases: &[],
            customer_asked_for_return: customer_asked_for_return(customer_text),
        }
    }

    pub fn with_recent_answers(mut self, recent: &'a [String]) -> Self {
        self.recent_answers = recent;
        self
    }

    pub fn with_banned_phrases(mut self, banned: &'a [String]) -> Self {
        self.banned_phrases = banned;
        self
    }
}

/// Everything a reply to one item is checked against, owned, so the editor can keep it
/// and check the reply on every change. [`ReplyGuard::context`] lends it as the
/// [`CheckContext`] [`check`] takes.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplyGuard {
    pub channel: Channel,
    pub marketplace: Marketplace,
    /// What the customer wrote (all buyer messages for a chat).
    pub customer_text: String,
    /// Read from `customer_text` once, not on every check.
    pub customer_asked_for_return: bool,
    pub recent_answers: Vec<String>,
    pub banned_phrases: Vec<String>,
}

impl ReplyGuard {
    pub fn new(
        channel: Channel,
        marketplace: Marketplace,
        customer_text: String,
        banned_phrases: Vec<String>,
        recent_answers: Vec<String>,
    ) -> ReplyGuard {
        ReplyGuard {
            channel,
            marketplace,
            customer_asked_for_return: customer_asked_for_return(&customer_text),
            customer_text,
            recent_answers,
            banned_phrases,
        }
    }

    /// The same context as `CheckContext::new(..)` with these answers and phrases.
    pub fn context(&self) -> CheckContext<'_> {
        CheckContext {
            channel: self.channel,
            marketplace: self.marketplace,
            customer_text: &self.customer_text,
            recent_answers: &self.recent_answers,
            banned_phrases: &self.banned_phrases,
            customer_asked_for_return: self.customer_asked_for_return,
        }
    }

    pub fn check(&self, reply: &str) -> Verdict {
        check(reply, &self.context())
    }
}

/// Whether a customer's text asks for a return, a refund or an exchange.
pub fn customer_asked_for_return(customer_text: &str) -> bool {
    rules::lexicons()
        .return_request
        .matches(&tokenize(customer_text))
}

/// Similarity at or above which a reply is a near-duplicate of a recent answer.
pub const NEAR_DUPLICATE_THRESHOLD: f32 = 0.9;

/// A rule's match in a reply before findings are merged: the rule, where, and what it
/// found when the rule's reason needs saying which.
type RawHit = (Rule, Range<usize>, Option<String>);

/// Check a reply. Never modifies it; see the module documentation.
pub fn check(reply: &str, ctx: &CheckContext<'_>) -> Verdict {
    let tokens = tokenize(reply);
    let mut raw = lexicon_hits(&tokens, ctx);
    raw.extend(contact_hits(reply, ctx.customer_text));
    for span in placeholders(reply) {
        raw.push((Rule::Placeholder, span, None));
    }
    raw.extend(banned_phrase_hits(&tokens, ctx.banned_phrases));
    let mut findings = merge_findings(raw, ctx.channel);
    findings.extend(length_finding(reply, ctx));
    findings.extend(near_duplicate_finding(reply, ctx));
    findings.sort_by(|a, b| {
        (a.span.start, a.span.end, a.rule).cmp(&(b.span.start, b.span.end, b.rule))
    });
    let level = findings
        .iter()
        .map(|f| match f.severity {
            Severity::Warn => Level::Warn,
            Severity::Block => Level::Block,
        })
        .max()
        .unwrap_or(Level::Pass);
    Verdict { level, findings }
}

/// The lexicons' rules, the marketplace's competitors and addresses in the reply.
fn lexicon_hits(tokens: &[Token], ctx: &CheckContext<'_>) -> Vec<RawHit> {
    let lex = rules::lexicons();
    let mut raw = Vec::new();
    for (rule, set) in &lex.rules {
        if *rule == Rule::UnsolicitedReturn && ctx.customer_asked_for_return {
            continue;
        }
        for h in set.find_all(tokens) {
            raw.push((*rule, h.span, None));
        }
    }
    for set in lex.competitors(ctx.marketplace) {
        for h in set.find_all(tokens) {
            raw.push((Rule::Competitor, h.span, None));
        }
    }
    for h in lex.personal_address.find_all(tokens) {
        raw.push((
            Rule::PersonalData,
            h.span,
            Some("адрес / an address".to_string()),
        ));
    }
    raw
}

/// Contacts: the customer's own phone or e-mail echoed back is personal data; any other
/// is an invitation off the platform.
fn contact_hits(reply: &str, customer_text: &str) -> Vec<RawHit> {
    let mut customer_contacts = links_emails_handles(customer_text);
    customer_contacts.extend(phones_and_cards(customer_text));
    let mut contacts = links_emails_handles(reply);
    contacts.extend(phones_and_cards(reply));
    contacts
        .into_iter()
        .map(|c| {
            let echoed = customer_contacts
                .iter()
                .any(|k| k.kind == c.kind && k.key == c.key);
            let (rule, what) = contact_rule(c.kind, echoed);
            (rule, c.span, Some(what.to_string()))
        })
        .collect()
}

/// The rule a contact in a reply breaks, and what to call it.
fn contact_rule(kind: ContactKind, echoed: bool) -> (Rule, &'static str) {
    match (kind, echoed) {
        (ContactKind::Card, _) => (Rule::PersonalData, "номер карты / a card number"),
        (ContactKind::Phone, true) => (
            Rule::PersonalData,
            "телефон покупателя / the customer's phone",
        ),
        (ContactKind::Email, true) => (
            Rule::PersonalData,
            "почта покупателя / the customer's e-mail",
        ),
        (ContactKind::Phone, false) => (Rule::OffPlatform, "телефон / a phone number"),
        (ContactKind::Email, false) => (Rule::OffPlatform, "e-mail"),
        (ContactKind::Link, _) => (Rule::OffPlatform, "ссылка / a link"),
        (ContactKind::Handle, _) => (Rule::OffPlatform, "ник в мессенджере / a messenger handle"),
    }
}

/// The seller's banned phrases in the reply, inflection-aware.
fn banned_phrase_hits(tokens: &[Token], banned_phrases: &[String]) -> Vec<RawHit> {
    let mut raw = Vec::new();
    for phrase in banned_phrases {
        let Ok(p) = Pattern::from_phrase(phrase) else {
            continue;
        };
        let set = PatternSet {
            patterns: vec![(p, 1.0)],
            negatable: false,
        };
        for h in set.find_all(tokens) {
            raw.push((Rule::BannedPhrase, h.span, Some(format!("«{phrase}»"))));
        }
    }
    raw
}

/// A reply too short or too long, counted in characters as the marketplaces count it; the
/// span is what runs over, or the whole reply.
fn length_finding(reply: &str, ctx: &CheckContext<'_>) -> Option<Finding> {
    let trimmed = reply.trim();
    let (min, max) = ctx.channel.reply_length(ctx.marketplace);
    let len = trimmed.chars().count();
    if (min..=max).contains(&len) {
        return None;
    }
    let lead = reply.len() - reply.trim_start().len();
    let span = if len > max {
        let cut = trimmed
            .char_indices()
            .nth(max)
            .map_or(trimmed.len(), |(i, _)| i);
        lead + cut..lead + trimmed.len()
    } else {
        0..reply.len()
    };
    Some(Finding {
        rule: Rule::Length,
        severity: Rule::Length.severity(ctx.channel),
        reason_ru: format!(
            "{} Сейчас {len} симв., допустимо {min}–{max}.",
            Rule::Length.reason_ru()
        ),
        reason_en: format!(
            "{} It is {len} characters; allowed {min}–{max}.",
            Rule::Length.reason_en()
        ),
        span,
    })
}

/// A reply nearly the same as one of the recent answers.
fn near_duplicate_finding(reply: &str, ctx: &CheckContext<'_>) -> Option<Finding> {
    let trimmed = reply.trim();
    if trimmed.is_empty() {
        return None;
    }
    let mine = normalize(reply);
    let mut best = 0.0f32;
    for recent in ctx.recent_answers {
        let theirs = normalize(recent);
        if let Some(s) = similarity_at_least(&mine, &theirs, NEAR_DUPLICATE_THRESHOLD) {
            best = best.max(s);
        }
    }
    if best < NEAR_DUPLICATE_THRESHOLD {
        return None;
    }
    let pct = (best * 100.0).round() as u32;
    let lead = reply.len() - reply.trim_start().len();
    Some(Finding {
        rule: Rule::NearDuplicate,
        severity: Rule::NearDuplicate.severity(ctx.channel),
        reason_ru: format!("{} Совпадение {pct}%.", Rule::NearDuplicate.reason_ru()),
        reason_en: format!("{} {pct}% the same.", Rule::NearDuplicate.reason_en()),
        span: lead..lead + trimmed.len(),
    })
}

/// One finding per rule per merged span, with reasons.
fn merge_findings(
    raw: Vec<(Rule, Range<usize>, Option<String>)>,
    channel: Channel,
) -> Vec<Finding> {
    let mut out = Vec::new();
    for rule in Rule::ALL {
        let mine: Vec<&(Rule, Range<usize>, Option<String>)> =
            raw.iter().filter(|(r, _, _)| *r == rule).collect();
        if mine.is_empty() {
            continue;
        }
        let spans = merge_spans(mine.iter().map(|(_, s, _)| s.clone()).collect());
        for span in spans {
            let detail = mine
                .iter()
                .find(|(_, s, _)| s.start >= span.start && s.end <= span.end)
                .and_then(|(_, _, d)| d.clone());
            let (ru, en) = match &detail {
                Some(d) => {
                    let (dru, den) = d.split_once(" / ").unwrap_or((d.as_str(), d.as_str()));
                    (
                        format!("{} ({dru})", rule.reason_ru()),
                        format!("{} ({den})", rule.reason_en()),
                    )
                }
                None => (rule.reason_ru().to_string(), rule.reason_en().to_string()),
            };
            out.push(Finding {
                rule,
                severity: rule.severity(channel),
                reason_ru: ru,
                reason_en: en,
                span,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wb(channel: Channel, reply: &str) -> Verdict {
        check(reply, &CheckContext::new(channel, Marketplace::Wb, ""))
    }

    #[test]
    fn a_polite_answer_passes() {
        let v = wb(
            Channel::Review,
            "Анна, спасибо за отзыв! Рады, что плед пришёлся по душе.",
        );
        assert!(v.is_pass(), "{v:?}");
    }

    #[test]
    fn spans_point_at_the_matched_text() {
        let reply = "Здравствуйте! Конечно, вернём вам деньги.";
        let v = wb(Channel::Review, reply);
        let f = v
            .findings
            .iter()
            .find(|f| f.rule == Rule::PromiseMoney)
            .unwrap();
        assert_eq!(&reply[f.span.clone()], "вернём вам деньги");
        assert_eq!(v.level, Level::Block);
    }

    #[test]
    fn severity_depends_on_channel() {
        let reply = "Да, это брак, приносим извинения.";
        assert_eq!(wb(Channel::Review, reply).level, Level::Block);
        assert_eq!(wb(Channel::Chat, reply).level, Level::Warn);
    }

    #[test]
    fn length_limits_follow_the_marketplace() {
        let v = wb(Channel::Review, " ");
        assert!(v.has(Rule::Length) && v.is_block());
        let long = "а".repeat(1001);
        let v = wb(Channel::Chat, &long);
        let f = v.findings.iter().find(|f| f.rule == Rule::Length).unwrap();
        assert_eq!(f.span, 2000..2002, "the part past the limit");
        assert!(!wb(Channel::Review, &long).has(Rule::Length));
    }

    #[test]
    fn echoed_customer_phone_is_personal_data() {
        let ctx = CheckContext::new(
            Channel::Chat,
            Marketplace::Ozon,
            "мой номер +7 912 345-67-89",
        );
        let v = check("Ваш номер 89123456789 мы видим.", &ctx);
        assert!(
            v.has(Rule::PersonalData) && !v.has(Rule::OffPlatform),
            "{v:?}"
        );
        let v = check("Звоните нам: 8 800 555-35-35", &ctx);
        assert!(v.has(Rule::OffPlatform) && v.is_block());
    }

    #[test]
    fn near_duplicates_warn() {
        let recent = vec!["Анна, спасибо за отзыв! Рады, что плед вам понравился.".to_string()];
        let ctx =
            CheckContext::new(Channel::Review, Marketplace::Wb, "").with_recent_answers(&recent);
        let v = check(
            "Ольга, спасибо за отзыв! Рады, что плед вам понравился.",
            &ctx,
        );
        assert!(v.has(Rule::NearDuplicate));
        assert_eq!(v.level, Level::Warn);
        let v = check("Ольга, благодарим! Пусть покупка радует каждый день.", &ctx);
        assert!(!v.has(Rule::NearDuplicate));
    }
}
