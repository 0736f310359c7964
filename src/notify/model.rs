//! What the notifier looks at and what it says.

use chrono::{DateTime, Utc};

use crate::domain::{Channel, InteractionId, Rating, SlaTier};

/// An open item whose clock is near or past its times, as the watcher reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenItem {
    pub id: InteractionId,
    pub account_id: i64,
    pub account_name: String,
    pub channel: Channel,
    pub rating: Option<Rating>,
    /// One line naming the item: product and the start of the customer's text.
    pub title: String,
    pub tier: SlaTier,
    /// The start of the current clock; a re-opened chat has a new one.
    pub waiting_since: DateTime<Utc>,
    pub at_risk_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    /// When the first complete sync of the connector that brought this item finished;
    /// `None` while that first sync is still running. A level reached before this moment
    /// was already reached when the item was first seen, so it is silent.
    pub baseline: Option<DateTime<Utc>>,
}

/// One connector of one account whose latest sync runs failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncHealth {
    pub account_id: i64,
    pub account_name: String,
    pub connector: String,
    /// Failed runs in a row, counted back from the latest.
    pub failures: u32,
    /// When the first run of this streak started.
    pub since: DateTime<Utc>,
    pub last_error: Option<String>,
}

/// Everything one evaluation looks at.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snapshot {
    pub now: DateTime<Utc>,
    pub items: Vec<OpenItem>,
    pub sync: Vec<SyncHealth>,
}

/// What a notification is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Level {
    AtRisk,
    Breached,
    SyncFailing,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::AtRisk => "at_risk",
            Level::Breached => "breached",
            Level::SyncFailing => "sync_failing",
        }
    }

    pub fn parse(s: &str) -> Option<Level> {
        Some(match s {
            "at_risk" => Level::AtRisk,
            "breached" => Level::Breached,
            "sync_failing" => Level::SyncFailing,
            _ => return None,
        })
    }
}

/// The identity of one notification-worthy event: "item 42 breached on the clock that
/// started at T". Each is acted on once, persisted in `notifications_sent`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LedgerKey {
    /// `item:<interaction id>` or `sync:<account id>:<connector>`.
    pub subject: String,
    pub level: Level,
    /// Unix seconds: the item's `waiting_since`, or the start of the failing streak.
    pub since: i64,
}

impl LedgerKey {
    pub fn item(id: InteractionId, level: Level, waiting_since: DateTime<Utc>) -> LedgerKey {
        LedgerKey {
            subject: format!("item:{}", id.0),
            level,
            since: waiting_since.timestamp(),
        }
    }

    pub fn sync(account_id: i64, connector: &str, since: DateTime<Utc>) -> LedgerKey {
        LedgerKey {
            subject: format!("sync:{account_id}:{connector}"),
            level: Level::SyncFailing,
            since: since.timestamp(),
        }
    }
}

/// How an event was disposed of, as recorded in the ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// Shown (or handed to the desktop).
    Sent,
    /// Not shown because it was already true when the item was first seen, or a higher
    /// level was shown instead.
    Silent,
    /// Not shown because a switch turned it off.
    Muted,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Sent => "sent",
            Outcome::Silent => "silent",
            Outcome::Muted => "muted",
        }
    }
}

/// One desktop notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub level: Level,
    /// The headline.
    pub summary: String,
    /// Details, plain text, several lines.
    pub body: String,
    /// The items it is about (empty for sync failures).
    pub items: Vec<InteractionId>,
    /// Shown as critical (stays until dismissed on most desktops).
    pub urgent: bool,
    /// Also ring the terminal bell.
    pub bell: bool,
    /// Try the desktop's notification daemon; false shows it in the app only.
    pub desktop: bool,
    /// What the notification is about (`item-42`): a later one with the same tag replaces
    /// it on the desktop (at risk, then breached, is one notification that changes).
    pub tag: Option<String>,
}

impl Notification {
    /// The notification as one line, for the in-app fallback and the daemon's output.
    pub fn one_line(&self) -> String {
        let body = self.body.lines().next().unwrap_or_default();
        if body.is_empty() {
            self.summary.clone()
        } else {
            format!("{}: {}", self.summary, body)
        }
    }
}

/// What reaches the UI when the desktop cannot show a notification (or the bell rings):
/// the services turn it into an `Event` for the inbox, the daemon prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InAppNotice {
    pub text: String,
    pub bell: bool,
}

/// The language notifications are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Ru,
    En,
}
