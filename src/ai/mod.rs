//! The AI layer: classification, drafts and guardrails. Pure and offline-first: nothing
//! here touches the network except the optional OpenAI-compatible provider in [`llm`],
//! which always falls back to the offline drafts.
//!
//! - [`classify`]: intent (SPEC's fifteen, decided by the trained [`intent_model`] over
//!   the corpus in `data/intents/`, trained by [`intent_train`]), sentiment and escalation
//!   flags from Russian lexicons (`data/lexicons/`), the rating and the channel.
//! - [`offline_draft`] / [`draft_for`]: template drafts (`data/templates/`) with the
//!   product card, customer history and reuse of approved answers.
//! - [`guardrails::check`]: the rules every reply passes before it is sent
//!   (`data/guardrails/`, docs/guardrails.md).
//! - [`llm`]: drafts from any OpenAI-compatible chat-completions endpoint.
//! - [`classify_report`] / [`check_report`]: the `agentiq classify` / `agentiq check`
//!   output.

mod answers;
/// Why a draft's confidence is what it is, as the drafter words it.
pub use answers::reason as confidence_reason;
pub mod card_facts;
mod classify;
pub mod complaint;
mod drafts;
pub mod guardrails;
mod intent;
pub mod intent_model;
pub mod intent_train;
pub mod knowledge;
pub mod lexicon;
pub mod llm;
pub mod normalize;
pub mod phrases;
mod report;
pub mod reuse;
pub mod style;
pub mod templates;

pub use classify::{
    classifier_text, classify, classify_interaction, classify_interaction_with, classify_with,
    escalation_requires_human, is_product_complaint, looks_like_question, mass_defect,
    Classification, Evidence, MassDefectPolicy,
};
pub use drafts::{
    clean_name, draft_for, offline_draft, relevant_spec, short_product_name, CustomerHistory,
    Draft, DraftContext, DraftSource, ProductCard,
};
pub use intent::{Escalation, Intent, Sentiment, SentimentLabel};
pub use report::{check_report, classify_report, verdict_json, TierRule};
pub use reuse::ApprovedAnswer;
pub use templates::TemplateSet;
