//! What a team's shared inbox tells the operator's screen (team mode, docs/team.md): the
//! state of the connection to the shared database and the answers to claims,
//! assignments and replies. Plain data, so the team layer that produces it and the UI
//! that shows it share one type.

use super::InteractionId;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TeamNews {
    /// Connected (again) as `member`, whose role is 'owner', 'manager' or 'operator'.
    Online {
        member: String,
        role: String,
    },
    /// The shared database cannot be reached; the mirror reconnects by itself.
    Offline {
        error: String,
    },
    /// The item (in this inbox's cache, when it is there yet) is now the operator's.
    Claimed {
        item: Option<InteractionId>,
    },
    /// Nothing is left to claim.
    NothingToClaim,
    /// Someone else holds the item.
    HeldBy(String),
    /// The item is answered, pending or archived.
    NotOpen,
    Released,
    /// The item has no live claim of the operator's to release.
    NotHeld,
    Assigned {
        to: String,
    },
    /// The database refused: its own words (a policy, a permission).
    Refused(String),
    /// The people one may assign items to, with their roles.
    Colleagues(Vec<(String, String)>),
    /// A reply written while the database could not be reached: kept, and queued in the
    /// shared outbox once the connection is back.
    ReplyHeld,
    /// A reply kept while the database was down went into the shared outbox.
    ReplyDelivered,
}
