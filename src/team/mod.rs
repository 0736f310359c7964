//! Team mode: several people on one shop's inbox through a shared PostgreSQL store
//! (`store::pg`). This layer joins it to the sync engine and the outbox; see
//! docs/team.md.

mod daemon;
mod desk;
mod escalation;
mod mirror;
mod outbox;
mod reply;
mod sync;

pub use daemon::{deliver_and_sync_once, run_daemon, Delivered};
pub use desk::{spawn_desk, Answerer, DeskAnswer, DeskRequest};
pub use escalation::{escalate_due, escalated_line};
pub use mirror::{spawn_mirror, MirrorHandle, MirrorReport, Reporter};
pub use outbox::PgOutbox;
pub use reply::{
    check_reply, queue_drafted_reply, queue_edit, queue_reply, QueuedReply, TeamReply,
};
pub use sync::{sync_once, SyncLine};
