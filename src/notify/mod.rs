//! Desktop notifications when an item goes at risk and when it breaches, and when a
//! connector keeps failing to sync (SPEC section 6); see `docs/notifications.md`.
//!
//! - [`Notifier`] decides, as pure functions of a [`Snapshot`], the settings and the
//!   ledger of what was already acted on: once per item per level per clock, batched,
//!   silent for what the first sync found overdue, held in quiet hours, switchable per
//!   account and channel.
//! - [`Delivery`] shows notifications from its own thread through a [`Backend`]
//!   ([`DesktopBackend`] via `notify-rust`, [`RecordingBackend`] in tests), falling back
//!   to an in-app notice when the desktop has no notification service.
//! - [`Watcher`] is the task that ties them to the store; [`spawn`] starts one.

mod cap;
mod decide;
mod delivery;
pub mod ledger;
mod model;
pub mod query;
mod settings;
pub mod text;
mod watcher;

pub use cap::{RateCap, PER_MINUTE};
pub use decide::{Evaluation, Firing, MemoryLedger, Notifier, NotifyConfig, Subject};
pub use delivery::{Backend, Delivery, DesktopBackend, Fallback, Recording, RecordingBackend};
pub use model::{
    InAppNotice, Lang, LedgerKey, Level, Notification, OpenItem, Outcome, Snapshot, SyncHealth,
};
pub use settings::{
    ChannelSwitches, NotifySettings, QuietHours, QuietHoursSettings, NOTIFICATIONS_SECTION,
};
pub use watcher::{spawn, Tick, Watcher};
