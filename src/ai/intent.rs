//! What a customer wants, in SPEC's fifteen intents, and how they feel about it.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The intents of SPEC section 3, named exactly as there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Intent {
    DeliveryStatus,
    DeliveryDelay,
    CancelRequest,
    WrongItem,
    DefectNotWorking,
    UsageHowto,
    ProductSpec,
    RefundExchange,
    Thanks,
    QualityComplaint,
    PrePurchase,
    SizingFit,
    Availability,
    Compatibility,
    Other,
}

impl Intent {
    pub const ALL: [Intent; 15] = [
        Intent::DeliveryStatus,
        Intent::DeliveryDelay,
        Intent::CancelRequest,
        Intent::WrongItem,
        Intent::DefectNotWorking,
        Intent::UsageHowto,
        Intent::ProductSpec,
        Intent::RefundExchange,
        Intent::Thanks,
        Intent::QualityComplaint,
        Intent::PrePurchase,
        Intent::SizingFit,
        Intent::Availability,
        Intent::Compatibility,
        Intent::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Intent::DeliveryStatus => "delivery_status",
            Intent::DeliveryDelay => "delivery_delay",
            Intent::CancelRequest => "cancel_request",
            Intent::WrongItem => "wrong_item",
            Intent::DefectNotWorking => "defect_not_working",
            Intent::UsageHowto => "usage_howto",
            Intent::ProductSpec => "product_spec",
            Intent::RefundExchange => "refund_exchange",
            Intent::Thanks => "thanks",
            Intent::QualityComplaint => "quality_complaint",
            Intent::PrePurchase => "pre_purchase",
            Intent::SizingFit => "sizing_fit",
            Intent::Availability => "availability",
            Intent::Compatibility => "compatibility",
            Intent::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Intent> {
        Intent::ALL.into_iter().find(|i| i.as_str() == s)
    }

    /// Intents of a buyer who has not bought yet (SPEC's "public pre-purchase questions").
    pub fn is_pre_purchase(self) -> bool {
        matches!(
            self,
            Intent::PrePurchase
                | Intent::Availability
                | Intent::SizingFit
                | Intent::ProductSpec
                | Intent::Compatibility
        )
    }

    /// Intents that report something wrong with the product or the order.
    pub fn is_complaint(self) -> bool {
        matches!(
            self,
            Intent::DefectNotWorking
                | Intent::WrongItem
                | Intent::QualityComplaint
                | Intent::DeliveryDelay
        )
    }

    /// A short Russian label for screens and prompts.
    pub fn label_ru(self) -> &'static str {
        match self {
            Intent::DeliveryStatus => "статус доставки",
            Intent::DeliveryDelay => "задержка доставки",
            Intent::CancelRequest => "отмена заказа",
            Intent::WrongItem => "пришёл не тот товар или некомплект",
            Intent::DefectNotWorking => "брак или не работает",
            Intent::UsageHowto => "как пользоваться",
            Intent::ProductSpec => "характеристики товара",
            Intent::RefundExchange => "возврат или обмен",
            Intent::Thanks => "благодарность",
            Intent::QualityComplaint => "претензия к качеству",
            Intent::PrePurchase => "вопрос перед покупкой",
            Intent::SizingFit => "размер и посадка",
            Intent::Availability => "наличие",
            Intent::Compatibility => "совместимость",
            Intent::Other => "другое",
        }
    }
}

impl fmt::Display for Intent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Intent {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Intent::parse(s).ok_or_else(|| format!("unknown intent '{s}'"))
    }
}

/// Negative / neutral / positive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SentimentLabel {
    Negative,
    Neutral,
    Positive,
}

impl SentimentLabel {
    pub fn as_str(self) -> &'static str {
        match self {
            SentimentLabel::Negative => "negative",
            SentimentLabel::Neutral => "neutral",
            SentimentLabel::Positive => "positive",
        }
    }

    pub fn parse(s: &str) -> Option<SentimentLabel> {
        match s {
            "negative" => Some(SentimentLabel::Negative),
            "neutral" => Some(SentimentLabel::Neutral),
            "positive" => Some(SentimentLabel::Positive),
            _ => None,
        }
    }
}

/// How the customer feels: a label and a score in -1.0..=1.0.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Sentiment {
    pub label: SentimentLabel,
    pub score: f32,
}

impl Sentiment {
    /// Scores at or below -0.2 are negative, at or above 0.2 positive.
    pub fn from_score(score: f32) -> Sentiment {
        let score = score.clamp(-1.0, 1.0);
        let label = if score <= -0.2 {
            SentimentLabel::Negative
        } else if score >= 0.2 {
            SentimentLabel::Positive
        } else {
            SentimentLabel::Neutral
        };
        Sentiment { label, score }
    }
}

/// Why an item must be seen by a human before any reply goes out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Escalation {
    /// Health or allergy: rash, asthma, a child coughing, burns.
    HealthAllergy,
    /// Physical danger: smoke, fire, shattered glass, parts a child can swallow.
    Safety,
    /// The customer says the product is fake.
    Counterfeit,
    /// Threats or ultimatums.
    Threat,
    /// Regulators, courts, lawyers, police, formal complaints.
    Legal,
    /// Many complaints about one product within days (see [`super::mass_defect`]).
    MassDefect,
}

impl Escalation {
    pub const ALL: [Escalation; 6] = [
        Escalation::HealthAllergy,
        Escalation::Safety,
        Escalation::Counterfeit,
        Escalation::Threat,
        Escalation::Legal,
        Escalation::MassDefect,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Escalation::HealthAllergy => "health_allergy",
            Escalation::Safety => "safety",
            Escalation::Counterfeit => "counterfeit",
            Escalation::Threat => "threat",
            Escalation::Legal => "legal",
            Escalation::MassDefect => "mass_defect",
        }
    }

    pub fn parse(s: &str) -> Option<Escalation> {
        Escalation::ALL.into_iter().find(|e| e.as_str() == s)
    }

    pub fn label_ru(self) -> &'static str {
        match self {
            Escalation::HealthAllergy => "здоровье или аллергия",
            Escalation::Safety => "угроза безопасности",
            Escalation::Counterfeit => "подозрение на подделку",
            Escalation::Threat => "угрозы или ультиматум",
            Escalation::Legal => "суд, регулятор или жалоба",
            Escalation::MassDefect => "массовый брак",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Escalation::HealthAllergy => "health or allergy",
            Escalation::Safety => "safety hazard",
            Escalation::Counterfeit => "counterfeit claim",
            Escalation::Threat => "threat or ultimatum",
            Escalation::Legal => "court, regulator or complaint",
            Escalation::MassDefect => "mass defect",
        }
    }
}

impl fmt::Display for Escalation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intent_names_match_spec_and_round_trip() {
        let names: Vec<&str> = Intent::ALL.iter().map(|i| i.as_str()).collect();
        // The query language's `intent:` list is the SPEC's, in its order.
        assert_eq!(names, crate::store::search::INTENTS);
        for i in Intent::ALL {
            assert_eq!(Intent::parse(i.as_str()), Some(i));
            assert_eq!(i.as_str().parse::<Intent>(), Ok(i));
            let json = serde_json::to_string(&i).unwrap();
            assert_eq!(json, format!("\"{}\"", i.as_str()));
        }
        assert!(Intent::parse("refund").is_none());
    }

    #[test]
    fn escalations_round_trip() {
        for e in Escalation::ALL {
            assert_eq!(Escalation::parse(e.as_str()), Some(e));
        }
    }

    #[test]
    fn sentiment_thresholds() {
        assert_eq!(Sentiment::from_score(-0.5).label, SentimentLabel::Negative);
        assert_eq!(Sentiment::from_score(0.0).label, SentimentLabel::Neutral);
        assert_eq!(Sentiment::from_score(0.9).label, SentimentLabel::Positive);
        assert_eq!(Sentiment::from_score(7.0).score, 1.0);
    }
}
