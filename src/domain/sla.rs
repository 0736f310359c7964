use serde::{Deserialize, Serialize};

/// How fast an item must be answered; see SPEC section 2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SlaTier {
    Critical,
    Urgent,
    High,
    Normal,
    Low,
}

impl SlaTier {
    pub fn as_str(self) -> &'static str {
        match self {
            SlaTier::Critical => "critical",
            SlaTier::Urgent => "urgent",
            SlaTier::High => "high",
            SlaTier::Normal => "normal",
            SlaTier::Low => "low",
        }
    }

    /// The tier [`as_str`](Self::as_str) names; `None` for any other text.
    pub fn parse(text: &str) -> Option<SlaTier> {
        [
            SlaTier::Critical,
            SlaTier::Urgent,
            SlaTier::High,
            SlaTier::Normal,
            SlaTier::Low,
        ]
        .into_iter()
        .find(|tier| tier.as_str() == text)
    }
}

/// Where an open item stands against its clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlaState {
    Ok,
    AtRisk,
    Breached,
}

/// The bucket the queue sorts and marks by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Priority {
    Urgent,
    High,
    Normal,
    Low,
}

impl Priority {
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Urgent => "urgent",
            Priority::High => "high",
            Priority::Normal => "normal",
            Priority::Low => "low",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tier_reads_back_from_its_name_and_nothing_else_does() {
        for tier in [
            SlaTier::Critical,
            SlaTier::Urgent,
            SlaTier::High,
            SlaTier::Normal,
            SlaTier::Low,
        ] {
            assert_eq!(SlaTier::parse(tier.as_str()), Some(tier));
        }
        assert_eq!(SlaTier::parse("Critical"), None);
        assert_eq!(SlaTier::parse(""), None);
    }
}
