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
