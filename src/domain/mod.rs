//! Domain types: what the seller answers, independent of any marketplace's wire format.
//! Pure data and rules; nothing here does IO.

mod edit;
mod interaction;
mod lang;
mod learnt;
pub mod linking;
mod marketplace;
mod product;
mod shadow;
mod sla;
pub mod team;
mod text;

pub use edit::{edit_refusal, edit_text_refusal, EditRefusal};
pub use interaction::{
    Answer, AnswerState, ChatMessage, Interaction, InteractionId, ModerationState, NewInteraction,
    ProductRef, Rating, Sender,
};
pub use lang::{pick_language_with, Lang};
pub use learnt::LearntEntry;
pub use marketplace::{Channel, Marketplace};
pub use product::ProductCard;
pub use shadow::{ShadowCounts, ShadowFigures};
pub use sla::{Priority, SlaState, SlaTier};

/// The time source the services run on: the wall clock in the app, a hand-set one in
/// tests.
pub type Clock = std::sync::Arc<dyn Fn() -> chrono::DateTime<chrono::Utc> + Send + Sync>;
pub use text::{char_count, first_line};
