use crate::domain::{ChatMessage, Interaction};

/// Where a draft came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DraftSource {
    Template,
    Reuse,
    Llm,
    Manual,
}

/// A proposed reply, always in Russian.
#[derive(Debug, Clone, PartialEq)]
pub struct Draft {
    pub text: String,
    pub source: DraftSource,
    /// 0.0..=1.0
    pub confidence: f32,
}

/// A draft for `item`; `variant` picks among equivalent wordings so consecutive drafts
/// differ.
pub fn draft_for(item: &Interaction, thread: &[ChatMessage], variant: u64) -> Draft {
    let _ = (thread, variant);
    let name = item.customer_name.clone().unwrap_or_default();
    Draft {
        text: format!("Здравствуйте, {name}! Спасибо за отзыв."),
        source: DraftSource::Template,
        confidence: 0.5,
    }
}
