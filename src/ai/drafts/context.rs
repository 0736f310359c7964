//! What a draft is, and everything drafting may use for one item, lent by the caller.

use serde::{Deserialize, Serialize};

use crate::ai::classify::{classify_interaction, Classification};
use crate::ai::guardrails::CheckContext;
use crate::ai::reuse::ApprovedAnswer;
use crate::ai::templates::TemplateSet;
use crate::domain::{Channel, ChatMessage, Interaction, Marketplace, Sender};

/// Where a draft came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DraftSource {
    Template,
    Reuse,
    Llm,
    Manual,
}

impl DraftSource {
    pub fn as_str(self) -> &'static str {
        match self {
            DraftSource::Template => "template",
            DraftSource::Reuse => "reuse",
            DraftSource::Llm => "llm",
            DraftSource::Manual => "manual",
        }
    }

    pub fn parse(s: &str) -> Option<DraftSource> {
        match s {
            "template" => Some(DraftSource::Template),
            "reuse" => Some(DraftSource::Reuse),
            "llm" => Some(DraftSource::Llm),
            "manual" => Some(DraftSource::Manual),
            _ => None,
        }
    }
}

/// A proposed reply, always in Russian.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Draft {
    pub text: String,
    pub source: DraftSource,
    /// 0.0..=1.0
    pub confidence: f32,
    /// The LLM prompt version that produced it; `None` for offline drafts.
    pub prompt_version: Option<String>,
    /// Why the confidence is what it is ("ответ из карточки", "нет данных в карточке").
    #[serde(default)]
    pub reasons: Vec<String>,
    /// The model that wrote an LLM draft (`[llm] model`); `None` for offline drafts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
}

/// What the seller's product card says.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProductCard {
    /// nmId (WB) / sku (Ozon).
    pub id: Option<String>,
    pub name: String,
    pub brand: Option<String>,
    pub category: Option<String>,
    /// (name, value), e.g. ("Длина шнура", "0,75 м").
    #[serde(default)]
    pub characteristics: Vec<(String, String)>,
    /// Roubles.
    pub price: Option<f64>,
    pub description: Option<String>,
}

/// What is known about the customer from earlier items.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerHistory {
    pub previous_interactions: u32,
    pub previous_complaints: u32,
    pub previous_positive: u32,
    /// A one-line summary for the LLM prompt ("купил 3 раза, одна жалоба на размер").
    pub summary: Option<String>,
}

/// Everything a draft may use. Build with [`DraftContext::new`] and the `with_*` methods.
#[derive(Debug, Clone, Copy)]
pub struct DraftContext<'a> {
    pub interaction: &'a Interaction,
    /// The chat thread, oldest first; empty for reviews and questions.
    pub thread: &'a [ChatMessage],
    pub product: Option<&'a ProductCard>,
    pub history: Option<&'a CustomerHistory>,
    /// The seller's approved past answers, for reuse and as LLM examples.
    pub approved: &'a [ApprovedAnswer],
    /// The seller's recent answers, to avoid repeating them.
    pub recent_answers: &'a [String],
    pub banned_phrases: &'a [String],
    /// The account's templates; the defaults when `None`.
    pub templates: Option<&'a TemplateSet>,
    /// A classification already made (e.g. stored); computed when `None`.
    pub classification: Option<&'a Classification>,
    /// What the drafts learnt from the seller's edits (`crate::learning`).
    pub learnt: Option<&'a crate::ai::style::Style>,
    /// The drafting version's extra instructions for the LLM (`crate::experiments`).
    pub instructions: Option<&'a str>,
    /// The seller's knowledge-base entries that may answer the item (the store's search
    /// picks a few); the draft quotes the one that does.
    pub knowledge: &'a [crate::ai::knowledge::Entry],
}

impl<'a> DraftContext<'a> {
    pub fn new(interaction: &'a Interaction, thread: &'a [ChatMessage]) -> Self {
        DraftContext {
            interaction,
            thread,
            product: None,
            history: None,
            approved: &[],
            recent_answers: &[],
            banned_phrases: &[],
            templates: None,
            classification: None,
            learnt: None,
            instructions: None,
            knowledge: &[],
        }
    }

    pub fn with_learnt(mut self, style: &'a crate::ai::style::Style) -> Self {
        self.learnt = Some(style);
        self
    }

    pub fn with_knowledge(mut self, entries: &'a [crate::ai::knowledge::Entry]) -> Self {
        self.knowledge = entries;
        self
    }

    pub fn with_product(mut self, product: &'a ProductCard) -> Self {
        self.product = Some(product);
        self
    }

    pub fn with_history(mut self, history: &'a CustomerHistory) -> Self {
        self.history = Some(history);
        self
    }

    pub fn with_approved(mut self, approved: &'a [ApprovedAnswer]) -> Self {
        self.approved = approved;
        self
    }

    pub fn with_recent_answers(mut self, recent: &'a [String]) -> Self {
        self.recent_answers = recent;
        self
    }

    pub fn with_banned_phrases(mut self, banned: &'a [String]) -> Self {
        self.banned_phrases = banned;
        self
    }

    pub fn with_templates(mut self, templates: &'a TemplateSet) -> Self {
        self.templates = Some(templates);
        self
    }

    pub fn with_classification(mut self, c: &'a Classification) -> Self {
        self.classification = Some(c);
        self
    }

    pub fn channel(&self) -> Channel {
        self.interaction.channel
    }

    pub fn marketplace(&self) -> Marketplace {
        self.interaction.marketplace
    }

    /// What the customer wrote: a review with its pros and cons, a question, or a chat's
    /// buyer messages.
    pub fn customer_text(&self) -> String {
        let item = self.interaction;
        if item.channel == Channel::Chat && !self.thread.is_empty() {
            return self
                .thread
                .iter()
                .filter(|m| m.sender == Sender::Buyer)
                .map(|m| m.text.as_str())
                .collect::<Vec<_>>()
                .join("\n");
        }
        let mut text = item.text.clone();
        for (label, part) in [("Достоинства", &item.pros), ("Недостатки", &item.cons)]
        {
            if let Some(p) = part.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
                text.push_str(&format!("\n{label}: {p}"));
            }
        }
        text
    }

    /// The classification to draft for.
    pub fn classification(&self) -> Classification {
        match self.classification {
            Some(c) => c.clone(),
            None => classify_interaction(self.interaction, self.thread),
        }
    }

    /// The product's full name, from the card or the item.
    pub fn product_name(&self) -> Option<String> {
        self.product
            .map(|p| p.name.clone())
            .or_else(|| {
                self.interaction
                    .product
                    .as_ref()
                    .and_then(|p| p.name.clone())
            })
            .filter(|n| !n.trim().is_empty())
    }

    pub fn product_id(&self) -> Option<String> {
        self.product.and_then(|p| p.id.clone()).or_else(|| {
            self.interaction
                .product
                .as_ref()
                .map(|p| p.external_id.clone())
        })
    }

    pub fn brand(&self) -> Option<String> {
        self.product
            .and_then(|p| p.brand.clone())
            .or_else(|| {
                self.interaction
                    .product
                    .as_ref()
                    .and_then(|p| p.brand.clone())
            })
            .filter(|b| !b.trim().is_empty())
    }

    /// The guardrail context for replies to this item.
    pub fn check_context<'b>(&'b self, customer_text: &'b str) -> CheckContext<'b> {
        CheckContext::new(self.channel(), self.marketplace(), customer_text)
            .with_recent_answers(self.recent_answers)
            .with_banned_phrases(self.banned_phrases)
    }

    pub(super) fn templates(&self) -> &'a TemplateSet {
        self.templates.unwrap_or_else(|| TemplateSet::defaults())
    }

    /// Whether the seller has already written in this chat.
    pub(super) fn seller_spoke(&self) -> bool {
        self.thread.iter().any(|m| m.sender == Sender::Seller)
    }
}
