//! Reply templates: the seller's wordings per intent and channel, greetings, closings and
//! the small lines that carry history and return hints. Defaults live in
//! `data/templates/*.toml` and are compiled in; a seller's edited set is a TOML document
//! with the same shape (see docs/drafts.md) laid over the defaults.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use super::intent::{Escalation, Intent};
use crate::domain::Channel;

/// Placeholders a wording may use.
pub const PLACEHOLDERS: [&str; 5] = ["name", "product", "brand", "spec", "marketplace"];

/// Alternative wordings of one part of a reply.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Wordings {
    /// General wordings.
    #[serde(default)]
    pub bodies: Vec<String>,
    /// Wordings that quote a product characteristic (`{spec}`); used when one matches.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub with_spec: Vec<String>,
}

/// Wordings for one channel.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelTemplates {
    /// By intent name (`thanks`, `defect_not_working`, ...).
    #[serde(default)]
    pub intent: BTreeMap<String, Wordings>,
    /// By escalation name (`health_allergy`, ...): cautious drafts for items flagged for
    /// a human.
    #[serde(default)]
    pub escalation: BTreeMap<String, Wordings>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Greetings {
    pub named: Vec<String>,
    pub anonymous: Vec<String>,
    /// For chats where the seller has already replied.
    pub followup_named: Vec<String>,
    pub followup_anonymous: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Closings {
    pub review_positive: Vec<String>,
    pub review_neutral: Vec<String>,
    pub review_negative: Vec<String>,
    /// Questions before buying.
    pub question: Vec<String>,
    /// Questions about an order or a problem.
    pub question_support: Vec<String>,
    pub chat: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HistoryLines {
    /// A customer who bought before without complaints.
    pub returning: Vec<String>,
    /// A customer complaining again.
    pub repeat_complaint: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReturnInfo {
    pub wb: Vec<String>,
    pub ozon: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommonTemplates {
    pub greetings: Greetings,
    pub closings: Closings,
    pub history: HistoryLines,
    pub return_info: ReturnInfo,
}

/// A full set of templates.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateSet {
    pub common: CommonTemplates,
    pub review: ChannelTemplates,
    pub question: ChannelTemplates,
    pub chat: ChannelTemplates,
}

/// What is wrong with a template set.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("templates are not valid TOML: {0}")]
    Toml(String),
    #[error("template problem: {0}")]
    Invalid(String),
}

const COMMON_TOML: &str = include_str!("../../data/templates/common.toml");
const REVIEW_TOML: &str = include_str!("../../data/templates/review.toml");
const QUESTION_TOML: &str = include_str!("../../data/templates/question.toml");
const CHAT_TOML: &str = include_str!("../../data/templates/chat.toml");

fn build_defaults() -> Result<TemplateSet, TemplateError> {
    let parse_channel = |name: &str, text: &str| -> Result<ChannelTemplates, TemplateError> {
        toml::from_str(text).map_err(|e| TemplateError::Toml(format!("{name}: {e}")))
    };
    let set = TemplateSet {
        common: toml::from_str(COMMON_TOML)
            .map_err(|e| TemplateError::Toml(format!("common.toml: {e}")))?,
        review: parse_channel("review.toml", REVIEW_TOML)?,
        question: parse_channel("question.toml", QUESTION_TOML)?,
        chat: parse_channel("chat.toml", CHAT_TOML)?,
    };
    set.validate()?;
    Ok(set)
}

/// Lay `over` onto `base`: tables merge key by key, anything else replaces.
fn merge(base: &mut toml::Value, over: toml::Value) {
    match (base, over) {
        (toml::Value::Table(b), toml::Value::Table(o)) => {
            for (k, v) in o {
                match b.get_mut(&k) {
                    Some(slot) => merge(slot, v),
                    None => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (slot, v) => *slot = v,
    }
}

impl TemplateSet {
    /// The templates shipped in `data/templates/`.
    pub fn defaults() -> &'static TemplateSet {
        static DEFAULTS: OnceLock<TemplateSet> = OnceLock::new();
        DEFAULTS.get_or_init(|| {
            // Compiled in and validated by the tests: failing here is a build defect.
            build_defaults().unwrap_or_else(|e| panic!("embedded templates are invalid: {e}"))
        })
    }

    /// A seller's templates: a TOML document shaped like [`TemplateSet`] (`[common...]`,
    /// `[review.intent.thanks]`, ...), laid over the defaults so it only needs to hold
    /// what changes. Validated before use.
    pub fn from_toml(text: &str) -> Result<TemplateSet, TemplateError> {
        let over: toml::Value =
            toml::from_str(text).map_err(|e| TemplateError::Toml(e.to_string()))?;
        let mut base = toml::Value::try_from(TemplateSet::defaults())
            .map_err(|e| TemplateError::Toml(e.to_string()))?;
        merge(&mut base, over);
        let set: TemplateSet = base
            .try_into()
            .map_err(|e: toml::de::Error| TemplateError::Toml(e.to_string()))?;
        set.validate()?;
        Ok(set)
    }

    /// The whole set as one TOML document (settings export).
    pub fn to_toml(&self) -> Result<String, TemplateError> {
        toml::to_string(self).map_err(|e| TemplateError::Toml(e.to_string()))
    }

    pub fn channel(&self, channel: Channel) -> &ChannelTemplates {
        match channel {
            Channel::Review => &self.review,
            Channel::Question => &self.question,
            Channel::Chat => &self.chat,
        }
    }

    /// Wordings for an intent on a channel, falling back to `other`.
    pub fn intent(&self, channel: Channel, intent: Intent) -> &Wordings {
        let ch = self.channel(channel);
        ch.intent
            .get(intent.as_str())
            .filter(|w| !w.bodies.is_empty())
            .or_else(|| ch.intent.get(Intent::Other.as_str()))
            .unwrap_or_else(|| empty_wordings())
    }

    /// Wordings for an escalation on a channel, if the set has any.
    pub fn escalation(&self, channel: Channel, e: Escalation) -> Option<&Wordings> {
        self.channel(channel)
            .escalation
            .get(e.as_str())
            .filter(|w| !w.bodies.is_empty())
    }

    /// Check names, placeholders and that every list a draft may need can always be
    /// filled (each has a wording that needs no product).
    pub fn validate(&self) -> Result<(), TemplateError> {
        self.validate_greetings()?;
        self.validate_common_lines()?;
        for channel in Channel::ALL {
            self.validate_channel(channel)?;
        }
        Ok(())
    }

    fn validate_greetings(&self) -> Result<(), TemplateError> {
        let g = &self.common.greetings;
        check_list("greetings.named", &g.named, &["name"], false)?;
        check_list("greetings.anonymous", &g.anonymous, &[], true)?;
        check_list(
            "greetings.followup_named",
            &g.followup_named,
            &["name"],
            false,
        )?;
        check_list(
            "greetings.followup_anonymous",
            &g.followup_anonymous,
            &[],
            true,
        )?;
        if g.named.is_empty() || g.followup_named.is_empty() {
            return Err(TemplateError::Invalid(
                "greetings need named and followup_named wordings".into(),
            ));
        }
        Ok(())
    }

    /// Sign-offs, history lines and return instructions.
    fn validate_common_lines(&self) -> Result<(), TemplateError> {
        let c = &self.common.closings;
        for (what, list) in [
            ("closings.review_positive", &c.review_positive),
            ("closings.review_neutral", &c.review_neutral),
            ("closings.review_negative", &c.review_negative),
            ("closings.question", &c.question),
            ("closings.question_support", &c.question_support),
            ("closings.chat", &c.chat),
            ("history.returning", &self.common.history.returning),
            (
                "history.repeat_complaint",
                &self.common.history.repeat_complaint,
            ),
            ("return_info.wb", &self.common.return_info.wb),
            ("return_info.ozon", &self.common.return_info.ozon),
        ] {
            check_list(what, list, &["marketplace"], true)?;
        }
        Ok(())
    }

    /// A channel's intent and escalation wordings: known names, `other` present.
    fn validate_channel(&self, channel: Channel) -> Result<(), TemplateError> {
        let bad = |m: String| Err(TemplateError::Invalid(m));
        let body_keys = ["product", "brand", "spec", "marketplace"];
        let ch = self.channel(channel);
        if !ch.intent.contains_key(Intent::Other.as_str()) {
            return bad(format!("{channel}: missing intent.other"));
        }
        for (name, w) in &ch.intent {
            if Intent::parse(name).is_none() {
                return bad(format!("{channel}: unknown intent '{name}'"));
            }
            check_list(
                &format!("{channel}.intent.{name}.bodies"),
                &w.bodies,
                &body_keys,
                true,
            )?;
            check_list(
                &format!("{channel}.intent.{name}.with_spec"),
                &w.with_spec,
                &body_keys,
                false,
            )?;
        }
        for (name, w) in &ch.escalation {
            if Escalation::parse(name).is_none() {
                return bad(format!("{channel}: unknown escalation '{name}'"));
            }
            check_list(
                &format!("{channel}.escalation.{name}"),
                &w.bodies,
                &body_keys,
                true,
            )?;
        }
        Ok(())
    }
}

/// Checks a list of wordings: only `allowed` placeholders, and with `need_plain` at least
/// one wording that needs no product, brand or characteristic.
fn check_list(
    what: &str,
    list: &[String],
    allowed: &[&str],
    need_plain: bool,
) -> Result<(), TemplateError> {
    for w in list {
        if let Err(e) = placeholders_of(w, allowed) {
            return Err(TemplateError::Invalid(format!("{what}: «{w}»: {e}")));
        }
    }
    let plain = |w: &String| {
        placeholders_of(w, &[]).is_ok_and(|p| {
            p.iter()
                .all(|k| k != "product" && k != "brand" && k != "spec")
        })
    };
    if need_plain && !list.iter().any(plain) {
        return Err(TemplateError::Invalid(format!(
            "{what}: needs at least one wording without {{product}}, {{brand}} or {{spec}}"
        )));
    }
    Ok(())
}

fn empty_wordings() -> &'static Wordings {
    static EMPTY: OnceLock<Wordings> = OnceLock::new();
    EMPTY.get_or_init(Wordings::default)
}

/// The placeholder names a wording uses; errors on unknown names or stray braces.
pub fn placeholders_of(wording: &str, allowed: &[&str]) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut rest = wording;
    while let Some(open) = rest.find(['{', '}']) {
        if rest[open..].starts_with('}') {
            return Err("stray '}'".into());
        }
        let after = &rest[open + 1..];
        let close = after.find('}').ok_or("unclosed '{'")?;
        let key = &after[..close];
        if key.contains('{') {
            return Err("nested '{'".into());
        }
        if !PLACEHOLDERS.contains(&key) {
            return Err(format!("unknown placeholder {{{key}}}"));
        }
        if !allowed.is_empty() && !allowed.contains(&key) {
            return Err(format!("{{{key}}} is not available here"));
        }
        out.push(key.to_string());
        rest = &after[close + 1..];
    }
    Ok(out)
}

/// Values for placeholders; `None` means "not known for this item".
#[derive(Debug, Clone, Default)]
pub struct Vars {
    pub name: Option<String>,
    pub product: Option<String>,
    pub brand: Option<String>,
    pub spec: Option<String>,
    pub marketplace: Option<String>,
}

impl Vars {
    fn get(&self, key: &str) -> Option<&str> {
        match key {
            "name" => self.name.as_deref(),
            "product" => self.product.as_deref(),
            "brand" => self.brand.as_deref(),
            "spec" => self.spec.as_deref(),
            "marketplace" => self.marketplace.as_deref(),
            _ => None,
        }
    }
}

/// Fill a wording; `None` when it needs a value this item does not have (or is broken).
pub fn fill(wording: &str, vars: &Vars) -> Option<String> {
    let keys = placeholders_of(wording, &[]).ok()?;
    let mut out = wording.to_string();
    for k in keys {
        let v = vars.get(&k)?;
        if v.trim().is_empty() {
            return None;
        }
        out = out.replacen(&format!("{{{k}}}"), v, 1);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_load_and_cover_every_intent_and_channel() {
        let set = build_defaults().unwrap();
        for channel in Channel::ALL {
            for intent in Intent::ALL {
                let w = set.channel(channel).intent.get(intent.as_str());
                let w = w.unwrap_or_else(|| panic!("{channel}: no wordings for {intent}"));
                assert!(
                    w.bodies.len() >= 3,
                    "{channel}/{intent}: at least three wordings"
                );
            }
            for e in Escalation::ALL {
                assert!(set.escalation(channel, e).is_some(), "{channel}/{e}");
            }
        }
        assert!(set.review.intent["thanks"].bodies.len() >= 8);
    }

    #[test]
    fn every_list_can_name_the_product_and_vary() {
        // Drafts name the product whenever it is known and change wording between
        // consecutive variants, so each list needs two wordings with {product} and one
        // without (for items with no product).
        let set = build_defaults().unwrap();
        for channel in Channel::ALL {
            let ch = set.channel(channel);
            for (name, w) in ch.intent.iter().chain(ch.escalation.iter()) {
                let naming = w.bodies.iter().filter(|b| b.contains("{product}")).count();
                let plain = w
                    .bodies
                    .iter()
                    .filter(|b| !b.contains("{product}") && !b.contains("{spec}"))
                    .count();
                assert!(
                    naming >= 2 && plain >= 1,
                    "{channel}/{name}: {naming} naming, {plain} plain"
                );
                let spec_naming = w
                    .with_spec
                    .iter()
                    .filter(|b| b.contains("{product}"))
                    .count();
                assert!(
                    w.with_spec.is_empty() || spec_naming >= 2,
                    "{channel}/{name} with_spec"
                );
            }
        }
    }

    #[test]
    fn placeholders_are_checked() {
        assert_eq!(
            placeholders_of("Привет, {name}!", &["name"]).unwrap(),
            ["name"]
        );
        assert!(placeholders_of("Привет, {имя}!", &[]).is_err());
        assert!(placeholders_of("Привет, {name", &[]).is_err());
        assert!(placeholders_of("Привет}", &[]).is_err());
        assert!(placeholders_of("{product}", &["name"]).is_err());
    }

    #[test]
    fn fill_needs_every_value() {
        let vars = Vars {
            product: Some("«Плед»".into()),
            ..Vars::default()
        };
        assert_eq!(fill("Товар {product}.", &vars).unwrap(), "Товар «Плед».");
        assert!(fill("Бренд {brand}.", &vars).is_none());
    }

    #[test]
    fn seller_overrides_lay_over_defaults_and_round_trip() {
        let set = TemplateSet::from_toml(
            r#"
            [review.intent.thanks]
            bodies = ["Спасибо, что выбрали {product}!", "Спасибо за отзыв!", "Благодарим!"]
            "#,
        )
        .unwrap();
        assert_eq!(set.review.intent["thanks"].bodies.len(), 3);
        assert_eq!(set.chat, TemplateSet::defaults().chat);
        let text = set.to_toml().unwrap();
        assert_eq!(TemplateSet::from_toml(&text).unwrap(), set);
        assert!(TemplateSet::from_toml("[review.intent.thanks]\nbodies = [\"{oops}\"]").is_err());
        assert!(TemplateSet::from_toml("[review.intent.nonsense]\nbodies = [\"x\"]").is_err());
        assert!(TemplateSet::from_toml("not toml [").is_err());
    }
}
