//! What shadow mode recorded for an account's auto-replies: the figures the seller sees
//! before letting them go live (computed by `prepare::auto_live::shadow_figures`).

use serde::Serialize;

/// What shadow mode recorded for one account, against what the seller did with those
/// items afterwards: the figures shown before going live.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ShadowFigures {
    /// Replies it would have sent.
    pub would_send: i64,
    /// The seller then sent the same text.
    pub sent_as_is: i64,
    /// The seller sent a different text (edit distance above zero).
    pub edited: i64,
    /// The item was closed without a reply from the seller.
    pub rejected: i64,
    /// Still waiting for the seller.
    pub undecided: i64,
    /// Answered later by a live auto-reply (after going live), so not the seller's call.
    pub answered_live: i64,
    /// Mean edit distance (0..1) over the items the seller answered; `None` without any.
    pub mean_edit_distance: Option<f64>,
    /// The first and last shadow reply (unix seconds).
    pub from: Option<i64>,
    pub to: Option<i64>,
}

/// The counts of [`ShadowFigures`], for a message.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ShadowCounts {
    pub would_send: i64,
    pub sent_as_is: i64,
    pub edited: i64,
    pub rejected: i64,
    pub undecided: i64,
}

impl ShadowFigures {
    pub fn counts(&self) -> ShadowCounts {
        ShadowCounts {
            would_send: self.would_send,
            sent_as_is: self.sent_as_is,
            edited: self.edited,
            rejected: self.rejected,
            undecided: self.undecided,
        }
    }

    /// Share of the would-be replies the seller changed or did not send, 0..1.
    pub fn changed_share(&self) -> Option<f64> {
        (self.would_send > 0).then(|| (self.edited + self.rejected) as f64 / self.would_send as f64)
    }
}
