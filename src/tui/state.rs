//! The one root state of the inbox. Only [`super::update`] changes it; views read it.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use chrono::{DateTime, FixedOffset, Utc};
use ratatui_textarea::TextArea;

use crate::domain::{char_count, Channel, ChatMessage, Interaction, InteractionId, Marketplace};
use crate::store::{QueueFilter, QueueRow};

use super::layout;

/// Which part of the screen has the keyboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    /// Moving through the queue.
    Queue,
    /// Reading (scrolling) the detail pane.
    Detail,
    /// Writing a reply; the text area owns the keyboard.
    Editor,
    /// Asked whether to send the reply.
    Confirm,
    /// The help overlay.
    Help,
}

/// A channel tab above the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tab {
    All,
    Reviews,
    Questions,
    Chats,
}

impl Tab {
    pub const ALL: [Tab; 4] = [Tab::All, Tab::Reviews, Tab::Questions, Tab::Chats];

    pub fn channel(self) -> Option<Channel> {
        match self {
            Tab::All => None,
            Tab::Reviews => Some(Channel::Review),
            Tab::Questions => Some(Channel::Question),
            Tab::Chats => Some(Channel::Chat),
        }
    }

    fn index(self) -> usize {
        match self {
            Tab::All => 0,
            Tab::Reviews => 1,
            Tab::Questions => 2,
            Tab::Chats => 3,
        }
    }

    pub fn next(self) -> Tab {
        Tab::ALL[(self.index() + 1) % Tab::ALL.len()]
    }

    pub fn prev(self) -> Tab {
        Tab::ALL[(self.index() + Tab::ALL.len() - 1) % Tab::ALL.len()]
    }
}

/// Open items per tab under the current view, and breached items overall.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub all: usize,
    pub reviews: usize,
    pub questions: usize,
    pub chats: usize,
    pub breached: usize,
}

impl Counts {
    pub fn for_tab(&self, tab: Tab) -> usize {
        match tab {
            Tab::All => self.all,
            Tab::Reviews => self.reviews,
            Tab::Questions => self.questions,
            Tab::Chats => self.chats,
        }
    }
}

/// What one queue read returned.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueSnapshot {
    pub request: super::action::QueueRequest,
    /// Rows matching the request's filter in total.
    pub total: usize,
    /// Rows `request.offset ..` in queue order.
    pub rows: Vec<QueueRow>,
    pub counts: Option<Counts>,
    pub outbox_size: Option<usize>,
}

/// The selected interaction in full.
#[derive(Debug, Clone, PartialEq)]
pub struct Detail {
    pub interaction: Interaction,
    /// The chat thread, oldest first; empty for reviews and questions.
    pub messages: Vec<ChatMessage>,
}

/// The visible part of the queue and the selection in it. Positions are absolute indexes
/// into the filtered queue; only `rows` (starting at `offset`) are held in memory.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueueView {
    /// Rows matching the filter; `None` before the first read.
    pub total: Option<usize>,
    /// Absolute index of `rows[0]`.
    pub offset: usize,
    pub rows: Vec<QueueRow>,
    /// Absolute index of the selected row.
    pub selected: usize,
    /// The selected row's id; the selection follows it across reloads.
    pub selected_id: Option<InteractionId>,
    /// Absolute index of the first visible row.
    pub scroll: usize,
}

impl QueueView {
    pub fn total(&self) -> usize {
        self.total.unwrap_or(0)
    }

    /// The row at absolute index `index`, if it is loaded.
    pub fn row(&self, index: usize) -> Option<&QueueRow> {
        index
            .checked_sub(self.offset)
            .and_then(|i| self.rows.get(i))
    }

    pub fn selected_row(&self) -> Option<&QueueRow> {
        self.row(self.selected)
            .filter(|r| Some(r.id) == self.selected_id)
    }

    /// Whether rows `from .. from + len` (clamped to the total) are all loaded.
    pub fn covers(&self, from: usize, len: usize) -> bool {
        let end = (from + len).min(self.total());
        end <= from || (from >= self.offset && end <= self.offset + self.rows.len())
    }
}

/// The reply being written.
#[derive(Debug, Clone)]
pub struct Editor {
    pub interaction_id: InteractionId,
    pub marketplace: Marketplace,
    pub channel: Channel,
    /// Allowed length in characters, inclusive.
    pub min_chars: usize,
    pub max_chars: usize,
    pub textarea: TextArea<'static>,
    /// Where Esc returns to.
    pub return_to: Mode,
}

impl Editor {
    pub fn text(&self) -> String {
        self.textarea.lines().join("\n")
    }

    /// Characters of the text as it would be sent (surrounding blanks trimmed).
    pub fn char_count(&self) -> usize {
        char_count(self.text().trim())
    }

    pub fn over_limit(&self) -> bool {
        self.char_count() > self.max_chars
    }
}

/// Last known sync state of one account.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountSync {
    /// Connectors of this account syncing right now.
    pub running: BTreeSet<String>,
    pub last: Option<SyncOutcome>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncOutcome {
    pub at: DateTime<Utc>,
    pub new: usize,
    pub changed: usize,
    pub error: Option<String>,
}

/// A short message in the status bar; the view turns it into text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    EmptyReply,
    TooLong { len: usize, max: usize },
    TooShort { len: usize, min: usize },
    Queued,
    NothingSelected,
    AlreadySending,
    NotOpen,
    DetailLoading,
    CommandFailed,
    LoadFailed(String),
    SyncRequested,
    DraftRegenerated,
}

impl Notice {
    pub fn is_error(&self) -> bool {
        !matches!(
            self,
            Notice::Queued | Notice::SyncRequested | Notice::DraftRegenerated
        )
    }
}

/// How long a notice stays in the status bar.
pub const NOTICE_SECONDS: i64 = 8;

/// Everything the screen shows.
#[derive(Debug, Clone)]
pub struct AppState {
    pub mode: Mode,
    pub tab: Tab,
    pub breached_only: bool,
    pub counts: Counts,
    pub queue: QueueView,
    pub detail: Option<Detail>,
    pub detail_scroll: u16,
    pub editor: Option<Editor>,
    /// Help overlay scroll and the mode it returns to.
    pub help_scroll: u16,
    pub help_return: Mode,
    pub sync: BTreeMap<String, AccountSync>,
    pub offline_since: Option<DateTime<Utc>>,
    pub outbox_size: usize,
    pub notice: Option<(Notice, DateTime<Utc>)>,
    pub now: DateTime<Utc>,
    /// Offset used to show times (the user's local zone at start).
    pub tz: FixedOffset,
    pub width: u16,
    pub height: u16,
    pub quit: bool,
    /// Items a reply was sent for in this session, until the store shows them pending.
    pub awaiting: HashSet<InteractionId>,
    /// Makes idempotency keys unique across sessions.
    pub(crate) session: String,
    pub(crate) send_seq: u64,
    pub(crate) draft_variant: u64,
    pub(crate) last_reload: DateTime<Utc>,
}

impl AppState {
    /// A fresh state at `now`. `session` must differ between runs (e.g. pid and start
    /// time); it goes into every idempotency key.
    pub fn new(now: DateTime<Utc>, session: impl Into<String>, tz: FixedOffset) -> AppState {
        AppState {
            mode: Mode::Queue,
            tab: Tab::All,
            breached_only: false,
            counts: Counts::default(),
            queue: QueueView::default(),
            detail: None,
            detail_scroll: 0,
            editor: None,
            help_scroll: 0,
            help_return: Mode::Queue,
            sync: BTreeMap::new(),
            offline_since: None,
            outbox_size: 0,
            notice: None,
            now,
            tz,
            width: 80,
            height: 24,
            quit: false,
            awaiting: HashSet::new(),
            session: session.into(),
            send_seq: 0,
            draft_variant: 0,
            last_reload: now,
        }
    }

    /// The filter the queue shows now.
    pub fn filter(&self) -> QueueFilter {
        QueueFilter {
            channel: self.tab.channel(),
            account_id: None,
            breached_at: self.breached_only.then_some(self.now),
        }
    }

    /// Queue items that fit on screen at the current size.
    pub fn visible_items(&self) -> usize {
        layout::queue_capacity(self.height)
    }

    /// The detail of the selected item, if it is loaded.
    pub fn selected_detail(&self) -> Option<&Detail> {
        self.detail
            .as_ref()
            .filter(|d| Some(d.interaction.id) == self.queue.selected_id)
    }

    pub fn current_notice(&self) -> Option<&Notice> {
        self.notice.as_ref().map(|(n, _)| n)
    }
}
