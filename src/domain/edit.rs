//! Editing an answer already sent. Only WB feedbacks have a method for it
//! (`PATCH /api/v1/feedbacks/answer`), and WB allows one edit per answer within 60 days;
//! WB reports what is left as the answer's `editable` flag.

use super::{AnswerState, Channel, Interaction, Marketplace};

/// Why the answer of an item cannot be edited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditRefusal {
    /// The marketplace offers no way to edit this kind of answer from AgentIQ: Ozon has
    /// no edit method at all, a sent chat message stays as sent on both marketplaces, and
    /// WB question answers are edited through the question itself, which AgentIQ does not
    /// do.
    NotSupported {
        marketplace: Marketplace,
        channel: Channel,
    },
    /// Nothing sent yet to edit.
    NotAnswered,
    /// A reply or an edit is on its way.
    InFlight,
    /// WB allows one edit within 60 days of the answer: it is used, or the time is over.
    Used,
    /// The edit is the answer as it stands.
    Unchanged,
}

/// Whether the item's sent answer can be edited now, and why not.
pub fn edit_refusal(item: &Interaction) -> Option<EditRefusal> {
    if (item.marketplace, item.channel) != (Marketplace::Wb, Channel::Review) {
        return Some(EditRefusal::NotSupported {
            marketplace: item.marketplace,
            channel: item.channel,
        });
    }
    match (item.state, &item.answer) {
        (AnswerState::Pending, _) => Some(EditRefusal::InFlight),
        (AnswerState::Answered | AnswerState::Archived, Some(answer)) if !answer.editable => {
            Some(EditRefusal::Used)
        }
        (AnswerState::Answered | AnswerState::Archived, Some(_)) => None,
        _ => Some(EditRefusal::NotAnswered),
    }
}

/// Whether `text` may replace the item's answer: editable, and different from it.
pub fn edit_text_refusal(item: &Interaction, text: &str) -> Option<EditRefusal> {
    edit_refusal(item).or_else(|| {
        let same = item
            .answer
            .as_ref()
            .is_some_and(|a| same_words(&a.text, text));
        same.then_some(EditRefusal::Unchanged)
    })
}

fn same_words(a: &str, b: &str) -> bool {
    a.split_whitespace().eq(b.split_whitespace())
}
