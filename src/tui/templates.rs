//! Inserting a template into the reply: a small picker over the seller's templates for
//! the item being answered. The templates come from outside the UI (a
//! [`TemplateSource`] given at start), so the inbox does not depend on how they are
//! stored or filled in.

use std::fmt;
use std::sync::Arc;

use crate::domain::{ChatMessage, Interaction};

/// One template, ready to insert: a short label and the (Russian) text, filled in for
/// the item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    pub label: String,
    pub text: String,
}

/// The function behind a [`TemplateSource`].
type TemplatesFor = dyn Fn(&Interaction, &[ChatMessage]) -> Vec<Template> + Send + Sync;

/// Gives the templates that fit an item (its channel, customer, product).
#[derive(Clone)]
pub struct TemplateSource(Arc<TemplatesFor>);

impl TemplateSource {
    pub fn new(
        f: impl Fn(&Interaction, &[ChatMessage]) -> Vec<Template> + Send + Sync + 'static,
    ) -> TemplateSource {
        TemplateSource(Arc::new(f))
    }

    pub fn for_item(&self, item: &Interaction, thread: &[ChatMessage]) -> Vec<Template> {
        (self.0)(item, thread)
    }
}

impl fmt::Debug for TemplateSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TemplateSource(..)")
    }
}

/// The open picker: the templates offered and the one under the cursor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplatePicker {
    pub items: Vec<Template>,
    pub selected: usize,
}
