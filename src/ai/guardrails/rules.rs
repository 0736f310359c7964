//! The guardrail rules: names, severity per channel, reasons in Russian and English, and
//! the lexicons (`data/guardrails/*.toml`) that detect the word-based ones.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use super::Severity;
use crate::ai::lexicon::{GroupDef, PatternSet};
use crate::domain::{Channel, Marketplace};

/// One guardrail rule (SPEC section 4). Names are snake_case in JSON and on the CLI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// Says the reply comes from an AI, a bot or an auto-responder.
    AiMention,
    /// Promises money back, compensation or a refund.
    PromiseMoney,
    /// Promises a replacement or exchange.
    PromiseReplacement,
    /// Promises a gift, a discount, a promo code, bonus points or free delivery.
    PromiseGiftDiscount,
    /// Promises a delivery date.
    PromiseDelivery,
    /// Blames the customer.
    BlameCustomer,
    /// Lectures or belittles the customer without a rude word: says they exaggerate,
    /// misread or should have known better.
    Condescension,
    /// Brushes the customer off ("напишите в поддержку").
    BrushOff,
    /// Offers a return the customer did not ask about.
    UnsolicitedReturn,
    /// Claims what only the marketplace can do: approve a return, cancel an order,
    /// change a delivery.
    MarketplacePowers,
    /// Admits a defect or fault ("да, это брак", "наша вина").
    LegalAdmission,
    /// Links, phone numbers, e-mails, messenger handles, invitations off the platform.
    OffPlatform,
    /// Names another marketplace or a competitor.
    Competitor,
    /// Insults or profanity.
    Profanity,
    /// The customer's personal data: their phone, e-mail, card number, address.
    PersonalData,
    /// An unfilled template placeholder: `{name}`, `[имя]`, `<товар>`, `___`.
    Placeholder,
    /// Nearly the same as one of the seller's recent answers.
    NearDuplicate,
    /// Shorter or longer than the marketplace accepts for this channel.
    Length,
    /// A phrase from the seller's own banned list.
    BannedPhrase,
}

impl Rule {
    pub const ALL: [Rule; 19] = [
        Rule::AiMention,
        Rule::PromiseMoney,
        Rule::PromiseReplacement,
        Rule::PromiseGiftDiscount,
        Rule::PromiseDelivery,
        Rule::BlameCustomer,
        Rule::Condescension,
        Rule::BrushOff,
        Rule::UnsolicitedReturn,
        Rule::MarketplacePowers,
        Rule::LegalAdmission,
        Rule::OffPlatform,
        Rule::Competitor,
        Rule::Profanity,
        Rule::PersonalData,
        Rule::Placeholder,
        Rule::NearDuplicate,
        Rule::Length,
        Rule::BannedPhrase,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Rule::AiMention => "ai_mention",
            Rule::PromiseMoney => "promise_money",
            Rule::PromiseReplacement => "promise_replacement",
            Rule::PromiseGiftDiscount => "promise_gift_discount",
            Rule::PromiseDelivery => "promise_delivery",
            Rule::BlameCustomer => "blame_customer",
            Rule::Condescension => "condescension",
            Rule::BrushOff => "brush_off",
            Rule::UnsolicitedReturn => "unsolicited_return",
            Rule::MarketplacePowers => "marketplace_powers",
            Rule::LegalAdmission => "legal_admission",
            Rule::OffPlatform => "off_platform",
            Rule::Competitor => "competitor",
            Rule::Profanity => "profanity",
            Rule::PersonalData => "personal_data",
            Rule::Placeholder => "placeholder",
            Rule::NearDuplicate => "near_duplicate",
            Rule::Length => "length",
            Rule::BannedPhrase => "banned_phrase",
        }
    }

    pub fn parse(s: &str) -> Option<Rule> {
        Rule::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// How serious a finding of this rule is on a channel. Public channels (reviews and
    /// questions, read by every future buyer) are strictest; see docs/guardrails.md.
    pub fn severity(self, channel: Channel) -> Severity {
        use Severity::{Block, Warn};
        let public = channel.is_public();
        match self {
            Rule::PromiseMoney
            | Rule::OffPlatform
            | Rule::Competitor
            | Rule::Profanity
            | Rule::Placeholder
            | Rule::Length
            | Rule::BannedPhrase => Block,
            Rule::AiMention
            | Rule::PromiseReplacement
            | Rule::PromiseGiftDiscount
            | Rule::PromiseDelivery
            | Rule::BlameCustomer
            | Rule::Condescension
            | Rule::MarketplacePowers
            | Rule::LegalAdmission
            | Rule::PersonalData => {
                if public {
                    Block
                } else {
                    Warn
                }
            }
            Rule::BrushOff | Rule::UnsolicitedReturn | Rule::NearDuplicate => Warn,
        }
    }

    /// Why the rule exists, in Russian (shown inline in the editor).
    pub fn reason_ru(self) -> &'static str {
        match self {
            Rule::AiMention => "Упоминание ИИ, бота или автоответа: покупатель должен говорить с продавцом.",
            Rule::PromiseMoney => "Обещание вернуть деньги или выплатить компенсацию: деньги возвращает маркетплейс, продавец не может это гарантировать.",
            Rule::PromiseReplacement => "Обещание замены или обмена: обмен на маркетплейсе идёт через возврат и новый заказ.",
            Rule::PromiseGiftDiscount => "Обещание подарка, скидки, промокода или бонусов: так нельзя обещать в ответах, и это видят все покупатели.",
            Rule::PromiseDelivery => "Обещание срока доставки: доставкой управляет маркетплейс.",
            Rule::BlameCustomer => "Покупатель выставлен виноватым.",
            Rule::Condescension => "Снисходительный тон: покупателя поучают, говорят, что он преувеличивает, невнимателен или должен был знать.",
            Rule::BrushOff => "Отписка: покупателя отправляют «в поддержку» вместо ответа по существу.",
            Rule::UnsolicitedReturn => "Предложен возврат, о котором покупатель не просил.",
            Rule::MarketplacePowers => "Продавец обещает то, что решает только маркетплейс: одобрить возврат, отменить заказ, изменить доставку.",
            Rule::LegalAdmission => "Признание брака или вины: это могут использовать в споре и в суде.",
            Rule::OffPlatform => "Контакты или приглашение вне площадки (ссылка, телефон, почта, мессенджер): маркетплейсы за это штрафуют.",
            Rule::Competitor => "Упоминание другого маркетплейса или конкурента.",
            Rule::Profanity => "Грубость или нецензурная лексика.",
            Rule::PersonalData => "Личные данные покупателя (телефон, почта, номер карты, адрес) в ответе.",
            Rule::Placeholder => "Незаполненный шаблон.",
            Rule::NearDuplicate => "Почти повторяет недавний ответ: маркетплейсы понижают продавцов, которые отвечают одинаково.",
            Rule::Length => "Длина ответа вне пределов, которые принимает маркетплейс.",
            Rule::BannedPhrase => "Фраза из вашего списка запрещённых.",
        }
    }

    /// Why the rule exists, in English.
    pub fn reason_en(self) -> &'static str {
        match self {
            Rule::AiMention => "Mentions AI, a bot or an auto-reply: the customer should be talking to the seller.",
            Rule::PromiseMoney => "Promises money back or compensation: the marketplace refunds, the seller cannot guarantee it.",
            Rule::PromiseReplacement => "Promises a replacement or exchange: on the marketplace an exchange is a return plus a new order.",
            Rule::PromiseGiftDiscount => "Promises a gift, discount, promo code or bonus: not allowed in replies, and every buyer sees it.",
            Rule::PromiseDelivery => "Promises a delivery date: the marketplace runs delivery.",
            Rule::BlameCustomer => "Blames the customer.",
            Rule::Condescension => "Condescending: lectures the customer, says they exaggerate, misread or should have known better.",
            Rule::BrushOff => "Brush-off: sends the customer \"to support\" instead of answering.",
            Rule::UnsolicitedReturn => "Offers a return the customer did not ask about.",
            Rule::MarketplacePowers => "Claims what only the marketplace decides: approving a return, cancelling an order, changing a delivery.",
            Rule::LegalAdmission => "Admits a defect or fault, which can be used in a dispute or in court.",
            Rule::OffPlatform => "Contact details or an invitation off the platform (link, phone, e-mail, messenger): marketplaces fine sellers for it.",
            Rule::Competitor => "Names another marketplace or a competitor.",
            Rule::Profanity => "Rudeness or profanity.",
            Rule::PersonalData => "The customer's personal data (phone, e-mail, card number, address) in the reply.",
            Rule::Placeholder => "Unfilled template placeholder.",
            Rule::NearDuplicate => "Nearly repeats a recent answer: marketplaces demote sellers who answer the same way.",
            Rule::Length => "Reply length outside what the marketplace accepts.",
            Rule::BannedPhrase => "A phrase from your banned list.",
        }
    }

    /// The rule as an instruction for the LLM prompt, in Russian.
    pub fn instruction_ru(self) -> &'static str {
        match self {
            Rule::AiMention => "не упоминай ИИ, ботов, нейросети и автоответы;",
            Rule::PromiseMoney => "не обещай вернуть деньги, компенсацию или возмещение;",
            Rule::PromiseReplacement => "не обещай замену или обмен;",
            Rule::PromiseGiftDiscount => "не обещай подарки, скидки, промокоды, бонусы, бесплатную доставку;",
            Rule::PromiseDelivery => "не называй сроки доставки;",
            Rule::BlameCustomer => "не обвиняй покупателя;",
            Rule::Condescension => "не поучай покупателя и не говори, что он преувеличивает, невнимателен или должен был знать;",
            Rule::BrushOff => "не отправляй покупателя «в поддержку» — отвечай по существу;",
            Rule::UnsolicitedReturn => "не предлагай возврат, если покупатель о нём не просил;",
            Rule::MarketplacePowers => "не обещай одобрить возврат, отменить заказ или изменить доставку — это решает маркетплейс;",
            Rule::LegalAdmission => "не признавай брак или вину («это брак», «наша вина»);",
            Rule::OffPlatform => "не давай ссылки, телефоны, почту, мессенджеры и не зови общаться вне площадки;",
            Rule::Competitor => "не называй другие маркетплейсы и магазины;",
            Rule::Profanity => "будь вежлив, без грубостей;",
            Rule::PersonalData => "не повторяй телефон, почту, адрес или номер карты покупателя;",
            Rule::Placeholder => "не оставляй шаблонов вроде {имя} или [товар];",
            Rule::NearDuplicate => "не повторяй дословно прежние ответы;",
            Rule::Length => "уложись в допустимую длину;",
            Rule::BannedPhrase => "не используй запрещённые продавцом фразы;",
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Rule {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Rule::parse(s).ok_or_else(|| format!("unknown guardrail rule '{s}'"))
    }
}

const RULES_TOML: &str = include_str!("../../../data/guardrails/rules.toml");
const COMPETITORS_TOML: &str = include_str!("../../../data/guardrails/competitors.toml");
const BANNED_TOML: &str = include_str!("../../../data/guardrails/banned.toml");

/// The compiled guardrail lexicons.
pub(crate) struct Lexicons {
    /// Word-based rules in the order they are checked.
    pub rules: Vec<(Rule, PatternSet)>,
    pub personal_address: PatternSet,
    pub return_request: PatternSet,
    pub competitors_common: PatternSet,
    pub competitors_on_wb: PatternSet,
    pub competitors_on_ozon: PatternSet,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CompetitorsFile {
    common: Vec<String>,
    wb: Vec<String>,
    ozon: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BannedFile {
    phrases: Vec<String>,
}

/// Groups of rules.toml that are word-based rules, with the rule they feed.
const WORD_RULES: [(&str, Rule); 14] = [
    ("ai_mention", Rule::AiMention),
    ("promise_money", Rule::PromiseMoney),
    ("promise_replacement", Rule::PromiseReplacement),
    ("promise_gift_discount", Rule::PromiseGiftDiscount),
    ("promise_delivery", Rule::PromiseDelivery),
    ("blame_customer", Rule::BlameCustomer),
    ("condescension", Rule::Condescension),
    ("brush_off", Rule::BrushOff),
    ("unsolicited_return", Rule::UnsolicitedReturn),
    ("marketplace_powers", Rule::MarketplacePowers),
    ("legal_admission", Rule::LegalAdmission),
    ("off_platform", Rule::OffPlatform),
    ("profanity", Rule::Profanity),
    ("personal_address", Rule::PersonalData),
];

pub(crate) fn build_lexicons() -> Result<Lexicons, String> {
    let mut groups: BTreeMap<String, GroupDef> =
        toml::from_str(RULES_TOML).map_err(|e| format!("data/guardrails/rules.toml: {e}"))?;
    let mut take = |name: &str| -> Result<PatternSet, String> {
        let g = groups
            .remove(name)
            .ok_or_else(|| format!("rules.toml: missing group [{name}]"))?;
        g.compile(1.0, 1.0, 1.0)
            .map_err(|e| format!("rules.toml [{name}]: {e}"))
    };
    let mut rules = Vec::new();
    let mut personal_address = PatternSet::default();
    for (name, rule) in WORD_RULES {
        let set = take(name)?;
        if name == "personal_address" {
            personal_address = set;
        } else {
            rules.push((rule, set));
        }
    }
    let return_request = take("return_request")?;
    if let Some(extra) = groups.keys().next() {
        return Err(format!("rules.toml: unknown group [{extra}]"));
    }
    let comp: CompetitorsFile = toml::from_str(COMPETITORS_TOML)
        .map_err(|e| format!("data/guardrails/competitors.toml: {e}"))?;
    let compile = |list: &[String]| -> Result<PatternSet, String> {
        let mut set = PatternSet::new(false);
        set.add_all(list, 1.0)
            .map_err(|e| format!("competitors.toml: {e}"))?;
        Ok(set)
    };
    Ok(Lexicons {
        rules,
        personal_address,
        return_request,
        competitors_common: compile(&comp.common)?,
        competitors_on_wb: compile(&comp.wb)?,
        competitors_on_ozon: compile(&comp.ozon)?,
    })
}

pub(crate) fn lexicons() -> &'static Lexicons {
    static LEX: OnceLock<Lexicons> = OnceLock::new();
    LEX.get_or_init(|| {
        // Embedded at build time and checked by the tests: a failure is a build defect.
        build_lexicons().unwrap_or_else(|e| panic!("embedded guardrail lexicon is invalid: {e}"))
    })
}

impl Lexicons {
    /// Names that are competitors when answering on `marketplace`.
    pub fn competitors(&self, marketplace: Marketplace) -> [&PatternSet; 2] {
        match marketplace {
            Marketplace::Wb => [&self.competitors_common, &self.competitors_on_wb],
            Marketplace::Ozon => [&self.competitors_common, &self.competitors_on_ozon],
        }
    }
}

/// The default banned phrases shipped in `data/guardrails/banned.toml`.
pub fn default_banned_phrases() -> Vec<String> {
    parse_banned_phrases(BANNED_TOML).unwrap_or_default()
}

/// Banned phrases from a TOML document with a `phrases = [...]` list (settings import).
pub fn parse_banned_phrases(toml_text: &str) -> Result<Vec<String>, String> {
    let f: BannedFile = toml::from_str(toml_text).map_err(|e| e.to_string())?;
    Ok(f.phrases
        .into_iter()
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect())
}

/// Banned phrases as a TOML document (settings export).
pub fn banned_phrases_toml(phrases: &[String]) -> String {
    #[derive(Serialize)]
    struct Out<'a> {
        phrases: &'a [String],
    }
    toml::to_string(&Out { phrases }).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lexicons_compile_and_cover_every_word_rule() {
        let lex = build_lexicons().unwrap();
        assert_eq!(lex.rules.len(), 13);
        for (rule, set) in &lex.rules {
            assert!(!set.is_empty(), "{rule}");
        }
        assert!(!lex.return_request.is_empty());
        assert!(!lex.personal_address.is_empty());
    }

    #[test]
    fn rule_names_round_trip() {
        for r in Rule::ALL {
            assert_eq!(Rule::parse(r.as_str()), Some(r));
            assert_eq!(
                serde_json::to_string(&r).unwrap(),
                format!("\"{}\"", r.as_str())
            );
            assert!(!r.reason_ru().is_empty() && !r.reason_en().is_empty());
        }
    }

    #[test]
    fn public_channels_are_at_least_as_strict_as_chat() {
        for r in Rule::ALL {
            assert!(
                r.severity(Channel::Review) >= r.severity(Channel::Chat),
                "{r}"
            );
            assert_eq!(r.severity(Channel::Review), r.severity(Channel::Question));
        }
    }

    #[test]
    fn banned_phrases_round_trip_as_toml() {
        let defaults = default_banned_phrases();
        assert!(!defaults.is_empty());
        let text = banned_phrases_toml(&defaults);
        assert_eq!(parse_banned_phrases(&text).unwrap(), defaults);
        assert!(parse_banned_phrases("phrases = 3").is_err());
    }
}
