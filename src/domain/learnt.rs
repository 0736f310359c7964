//! What the seller can forget of what the drafts learnt.

/// One entry of the "learnt" tab: a phrase (by id) or a channel's reply length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LearntEntry {
    Phrase(i64),
    Length(String),
}
