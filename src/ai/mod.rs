//! Drafting replies: templates filled from the item, its product and its customer.

mod drafts;

pub use drafts::{draft_for, Draft, DraftSource};
