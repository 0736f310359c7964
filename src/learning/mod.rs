//! The drafts learn from the seller (docs/drafts.md, "What the drafts learn"): every reply
//! the seller sends from a draft teaches, per account, the phrases they delete, the
//! openings, product advice and sign-offs they add, and the length they write per
//! channel. The offline drafter applies what was learnt ([`Style::apply`]); the LLM
//! prompt lists it ([`Style::prompt_lines`]); the type is drafting's (`ai::style`). What counts as an approved example for the
//! drafts is decided by [`LearningSettings::approved_max_edit_distance`]
//! (`prepare::approved_answers`).

pub mod intents;
pub mod phrases;
mod record;
mod style;

pub use crate::ai::style::Style;
pub use record::{learn_from_reply, load_style, Learnt};
pub use style::MIN_LENGTH_SAMPLES;

use serde::{Deserialize, Serialize};

use crate::settings::refusal::Refusal;

/// The `[learning]` settings section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LearningSettings {
    /// Learn from sent replies and apply what was learnt to drafts.
    pub enabled: bool,
    /// A reply sent from a draft is an approved example when the normalised edit distance
    /// from the draft is below this (0 = unchanged, 1 = all new).
    pub approved_max_edit_distance: f64,
    /// How many sent replies must teach a phrase before drafts use it.
    pub min_evidence: u32,
}

impl Default for LearningSettings {
    fn default() -> Self {
        LearningSettings {
            enabled: true,
            approved_max_edit_distance: 0.2,
            min_evidence: 2,
        }
    }
}

impl crate::settings::Section for LearningSettings {
    const KEY: &'static str = "learning";
}

impl LearningSettings {
    /// Why the values cannot be used, if they cannot.
    pub fn validate(&self) -> Result<(), Refusal> {
        let d = self.approved_max_edit_distance;
        if !(d > 0.0 && d <= 1.0) {
            return Err(Refusal::worded(
                format!("approved_max_edit_distance must be above 0 and at most 1, not {d}"),
                format!("approved_max_edit_distance должно быть больше 0 и не больше 1, а не {d}"),
            ));
        }
        let n = self.min_evidence;
        if !(1..=100).contains(&n) {
            return Err(Refusal::worded(
                format!("min_evidence must be from 1 to 100, not {n}"),
                format!("min_evidence должно быть от 1 до 100, а не {n}"),
            ));
        }
        Ok(())
    }
}

/// `[learning]` on the settings screen, checked by [`LearningSettings::validate`].
pub const LEARNING_SECTION: crate::settings::editable::Editable =
    crate::settings::editable::Editable::checked::<LearningSettings>(check_learning);

fn check_learning(merged: serde_json::Value) -> Result<(), Refusal> {
    crate::settings::editable::decode_as::<LearningSettings>(merged)?.validate()
}
