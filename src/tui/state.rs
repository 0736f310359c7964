//! The one root state of the inbox. Only [`super::update`] changes it; views read it.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::Arc;

use chrono::{DateTime, FixedOffset, Utc};
use ratatui_textarea::TextArea;

use crate::ai::guardrails::{Finding, ReplyGuard, ReplyWindow, Severity};
/// One entry of the "learnt" tab (the protocol carries it, so it lives in the domain).
pub use crate::domain::LearntEntry;
use crate::domain::{char_count, Channel, ChatMessage, Interaction, InteractionId, Marketplace};
use crate::settings::editable::Layers;
use crate::settings::Scope;
use crate::sla::Policies;
use crate::store::search::QueryError;
use crate::store::{AccountRow, QueueFilter, QueueRow};

use super::layout;
use super::reads::{AuditRow, HealthRow};
use super::settings_form::Field;
use super::templates::{TemplatePicker, TemplateSource};
use super::Lang;

pub use super::lens::{Lens, Tab};

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
    /// Typing a search or a filter in the line at the bottom.
    Prompt,
    /// A screen other than the inbox (see [`Screen`]) has the keyboard.
    Screen,
    /// Choosing a template to insert into the reply.
    Picker,
    /// Asked to type the confirmation word to send a reply the guardrails block.
    Override,
}

/// What fills the body of the terminal. The inbox is home; other screens are one key
/// away and go back to it with `cancel`. New screens (analytics, settings) are new
/// variants here, a view module and a layer of keys.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Screen {
    #[default]
    Inbox,
    SyncHealth,
    AuditLog,
    Analytics,
    Settings,
    /// Every item of the selected item's customer (`o`).
    CustomerHistory,
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

/// What other processes on the same store do for this inbox.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Presence {
    /// Who syncs accounts instead of this process ("daemon pid 4242").
    pub sync_by: Vec<String>,
    /// Shops with replies waiting that no running process can send, and how many.
    pub waiting: Vec<(String, usize)>,
    /// Replies the marketplace accepted that do not show on their items yet.
    pub accepted: usize,
    /// The LLM drafts come from is down (whichever process drafts): why.
    pub llm_down: Option<String>,
    /// Accounts whose latest sync run (whichever process ran it) could not reach the
    /// marketplace, and since when.
    pub offline: Vec<(String, DateTime<Utc>)>,
}

/// What one queue read returned.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueSnapshot {
    pub request: super::action::QueueRequest,
    /// Rows matching the request's filter in total, when counted.
    pub total: Option<usize>,
    /// Rows `request.offset ..` in queue order.
    pub rows: Vec<QueueRow>,
    pub counts: Option<Counts>,
    pub outbox_size: Option<usize>,
    /// Other processes on the store, read with the counts.
    pub presence: Option<Presence>,
    /// The accounts' SLA and priority rules, read with the counts (once per refresh).
    pub policies: Option<Arc<Policies>>,
}

/// Where a draft came from and how sure the drafter was: the editor's title shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct DraftOrigin {
    pub source: crate::ai::DraftSource,
    /// 0.0..=1.0
    pub confidence: f32,
    /// The LLM prompt version, for LLM drafts.
    pub version: Option<String>,
    /// Why the confidence is what it is ("ответ из карточки").
    pub reasons: Vec<String>,
    /// The model that wrote an LLM draft.
    pub model: Option<String>,
}

impl DraftOrigin {
    pub fn of(draft: &crate::ai::Draft) -> DraftOrigin {
        DraftOrigin {
            source: draft.source,
            confidence: draft.confidence,
            version: draft.prompt_version.clone(),
            reasons: draft.reasons.clone(),
            model: draft.model.clone(),
        }
    }
}

/// The selected interaction in full.
#[derive(Debug, Clone, PartialEq)]
pub struct Detail {
    pub interaction: Interaction,
    /// The chat thread, oldest first; empty for reviews and questions.
    pub messages: Vec<ChatMessage>,
    /// The draft prepared in the background, if one is waiting: the editor opens on it.
    pub prepared_draft: Option<String>,
    /// Where that draft came from.
    pub prepared_origin: Option<DraftOrigin>,
    /// What is read about the item beyond its own rows (settings, the revenue model):
    /// off the UI task, after the item; `None` until it arrives.
    pub extras: Option<DetailExtras>,
}

/// The detail pane's look-ups beyond the item itself, read off the UI task.
#[derive(Debug, Clone, PartialEq)]
pub struct DetailExtras {
    /// Roubles at risk or protected by this item, when the revenue model applies to it;
    /// at the time it was read.
    pub revenue: Option<crate::analytics::ItemRevenue>,
    /// What a reply is checked against (the buyer's text, the banned phrases), as the
    /// outbox takes it; recent answers are compared off the UI thread.
    pub guard: ReplyGuard,
    /// The customer linked to the item and their items (newest first, at most 100).
    pub customer: Option<crate::store::CustomerProfile>,
}

/// An editor asked for before the item's look-ups arrived: it opens when they do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PendingEditor {
    Reply(InteractionId),
    Edit(InteractionId),
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
    /// The user has moved the selection in this view. Until then it stays on the top
    /// row, the most urgent item, however the queue fills in.
    pub moved: bool,
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
    /// What the guardrails check the text against.
    pub guard: ReplyGuard,
    /// Bumped on every change of the text; a check made for another revision is dropped.
    pub revision: u64,
    /// Guardrail findings of the last check, in text order; their spans point into
    /// `checked_text`, which the text may have moved on from while the next check runs.
    pub findings: Vec<Finding>,
    pub checked_text: String,
    /// The revision the last full check (off the UI thread, recent answers included) ran
    /// on.
    pub full_check: Option<u64>,
    /// The confirmation word typed to override a block (mode [`Mode::Override`]).
    pub override_word: TextArea<'static>,
    /// How long a reply can still be sent (an Ozon chat: 48 h after the buyer's last
    /// message).
    pub reply_window: ReplyWindow,
    /// Where the text the editor opened with came from.
    pub origin: Option<DraftOrigin>,
    /// The published answer being edited (the editor opened with it); `None` when
    /// replying.
    pub edit: Option<String>,
    /// When the editor opened (the reducer's clock), sent with the reply: the time from
    /// open to send per version.
    pub opened_at: DateTime<Utc>,
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

    /// Whether a finding stops the send unless the seller overrides it.
    pub fn blocked(&self) -> bool {
        self.findings.iter().any(|f| f.severity == Severity::Block)
    }
}

/// Last known sync state of one account.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountSync {
    /// Connectors of this account syncing right now.
    pub running: BTreeSet<String>,
    pub last: Option<SyncOutcome>,
    /// How far the running passes that know their total have come, by connector.
    pub progress: BTreeMap<String, SyncProgress>,
}

/// A running pass against the marketplace's count: `seen` of `total` since `started`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncProgress {
    pub channel: Channel,
    pub seen: u64,
    pub total: u64,
    pub started: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncOutcome {
    pub at: DateTime<Utc>,
    pub new: usize,
    pub changed: usize,
    pub error: Option<String>,
}

/// What kind of line the prompt is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptKind {
    /// `/`: the whole history, shown as a queue.
    Search,
    /// `f`: the current queue, narrowed.
    Filter,
    /// A settings value (the field in [`SettingsView::editing`]).
    Setting,
    /// The word that makes an account's auto-replies live ([`SettingsView::go_live`]).
    GoLive,
    /// The name of the experiment to start with the versions chosen on the settings
    /// screen's "experiment" tab.
    ExperimentName,
}

/// The one-line input at the bottom for a search or a filter.
#[derive(Debug, Clone)]
pub struct Prompt {
    pub kind: PromptKind,
    pub textarea: TextArea<'static>,
}

impl Prompt {
    pub fn text(&self) -> String {
        self.textarea.lines().join(" ")
    }
}

/// A search in progress: the inbox view to go back to. (The search itself is the lens.)
#[derive(Debug, Clone, PartialEq)]
pub struct SearchState {
    pub saved_lens: Lens,
    pub saved_selected: usize,
    pub saved_scroll: usize,
    pub saved_id: Option<InteractionId>,
}

/// A list on a full screen: which row is selected and which is at the top.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListCursor {
    pub selected: usize,
    pub scroll: usize,
}

impl ListCursor {
    /// Moves to `index` within `len` rows, keeping it among `visible` rows on screen.
    pub fn select(&mut self, index: usize, len: usize, visible: usize) {
        if len == 0 {
            *self = ListCursor::default();
            return;
        }
        self.selected = index.min(len - 1);
        let visible = visible.max(1);
        self.scroll = self.scroll.min(len.saturating_sub(visible));
        if self.selected < self.scroll {
            self.scroll = self.selected;
        } else if self.selected >= self.scroll + visible {
            self.scroll = self.selected + 1 - visible;
        }
    }
}

/// The sync health screen.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HealthView {
    /// `None` until read.
    pub rows: Option<Vec<HealthRow>>,
    pub cursor: ListCursor,
}

/// The customer history screen: the profile as it was when the screen opened.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HistoryView {
    pub profile: Option<crate::store::CustomerProfile>,
    /// The item the screen was opened from.
    pub current: Option<InteractionId>,
    pub cursor: ListCursor,
}

/// The audit log screen: only the page around the cursor is held.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AuditView {
    /// Entries in total; `None` until read.
    pub total: Option<usize>,
    /// Absolute index of `rows[0]`, newest first.
    pub offset: usize,
    pub rows: Vec<AuditRow>,
    pub cursor: ListCursor,
}

impl AuditView {
    pub fn row(&self, index: usize) -> Option<&AuditRow> {
        index
            .checked_sub(self.offset)
            .and_then(|i| self.rows.get(i))
    }

    pub fn covers(&self, from: usize, len: usize) -> bool {
        let end = (from + len).min(self.total.unwrap_or(0));
        end <= from || (from >= self.offset && end <= self.offset + self.rows.len())
    }
}

/// A short message in the status bar; the view turns it into text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    EmptyReply,
    TooLong {
        len: usize,
        max: usize,
    },
    TooShort {
        len: usize,
        min: usize,
    },
    /// The marketplace no longer accepts a reply here (Ozon chat: `hours` after the
    /// buyer's last message).
    ReplyWindowClosed {
        hours: i64,
    },
    Queued,
    NothingSelected,
    AlreadySending,
    NotOpen,
    DetailLoading,
    CommandFailed,
    LoadFailed(String),
    SyncRequested,
    DraftRegenerated,
    /// A search or filter that cannot be used.
    BadQuery(QueryError),
    /// `n`/`N` without a search.
    NoSearch,
    /// A keymap or theme file could not be used; the defaults are.
    ConfigProblem(String),
    /// `$EDITOR` could not be run, or failed.
    ExternalEditorFailed(String),
    /// The text came back from `$EDITOR`.
    ExternalEditorDone,
    /// No templates are available for this item.
    NoTemplates,
    /// The item is not linked to a customer, so there is no history to show.
    NoCustomer,
    /// A message from the background (e.g. a notification with no desktop to show it).
    Alert(String),
    /// The guardrails stopped a reply; the reasons.
    Refused(String),
    /// The item's sent answer cannot be edited (or the edit is the same text): why.
    EditRefused(crate::domain::EditRefusal),
    /// An edit of a published answer was queued.
    EditQueued,
    /// A settings value was not saved: the field and why.
    SettingRefused {
        field: String,
        reason: String,
    },
    /// A settings change was stored.
    SettingSaved,
    /// A learnt entry was forgotten.
    LearntForgotten,
    /// The seller's intent was stored for the item and its draft made again.
    IntentCorrected(crate::ai::Intent),
    /// The intent could not be corrected: why.
    IntentNotCorrected(String),
    /// Reset asked for a field that has no value of its own at this scope.
    SettingNotOverridden,
    /// A block needs the confirmation word typed, not a key; the word.
    OverrideWordNeeded(String),
    /// `undo_auto_reply` was asked for; the outcome follows.
    AutoReplyUndoing,
    /// The auto-reply was cancelled; the item is back in the queue.
    AutoReplyUndone,
    /// The auto-reply had left its undo window: it is on its way.
    AutoReplyGone,
    /// `undo_auto_reply` on an item with no auto-reply waiting.
    NoAutoReply,
    /// The kill switch was pressed; the outcome follows.
    AutoRepliesStopping,
    /// Auto-replies are off; this many not yet sent were cancelled.
    AutoRepliesStopped(usize),
    /// The kill switch could not be applied: why.
    AutoRepliesStopFailed(String),
    /// `go_live` asked for at the global scope: it is per account.
    GoLiveNeedsAccount,
    /// The shadow figures, while the go-live word is asked for.
    GoLiveFigures(crate::prepare::auto_live::ShadowCounts),
    /// The typed text was not the word; the word.
    GoLiveWordNeeded(String),
    /// The account's auto-replies are live now.
    AutoRepliesLive,
    /// Going live was refused: why.
    GoLiveFailed(String),
    /// Starting an experiment needs at least two versions with a weight.
    ExperimentNeedsVersions,
    /// Starting an experiment needs a name.
    ExperimentNeedsName,
    /// Pause, resume or stop asked for with no experiment running or paused.
    ExperimentNoneActive,
    /// Asked whether to stop the experiment (its name) for good.
    ExperimentStopAsk(String),
    /// The experiment (its name) is in this state now.
    ExperimentChanged(String, crate::experiments::State),
    /// The services refused to start or change the experiment: why.
    ExperimentRefused(String),
}

impl Notice {
    pub fn is_error(&self) -> bool {
        !matches!(
            self,
            Notice::Queued
                | Notice::EditQueued
                | Notice::Alert(_)
                | Notice::SyncRequested
                | Notice::DraftRegenerated
                | Notice::ExternalEditorDone
                | Notice::SettingSaved
                | Notice::LearntForgotten
                | Notice::IntentCorrected(_)
                | Notice::AutoReplyUndoing
                | Notice::AutoReplyUndone
                | Notice::AutoRepliesStopping
                | Notice::AutoRepliesStopped(_)
                | Notice::GoLiveFigures(_)
                | Notice::AutoRepliesLive
                | Notice::ExperimentStopAsk(_)
                | Notice::ExperimentChanged(..)
        )
    }

    /// Stays until dismissed (`cancel`) rather than fading after [`NOTICE_SECONDS`].
    pub fn is_sticky(&self) -> bool {
        matches!(
            self,
            Notice::ConfigProblem(_) | Notice::GoLiveFigures(_) | Notice::ExperimentStopAsk(_)
        )
    }
}

/// How long a notice stays in the status bar.
pub const NOTICE_SECONDS: i64 = 8;

/// Everything the screen shows.
#[derive(Debug, Clone)]
pub struct AppState {
    pub mode: Mode,
    pub screen: Screen,
    /// What the queue shows.
    pub lens: Lens,
    /// Set while the queue shows search results.
    pub search: Option<SearchState>,
    /// Bumped whenever the lens changes; reads made for an older view are dropped.
    pub view_gen: u64,
    pub accounts: Vec<AccountRow>,
    pub counts: Counts,
    /// The counts of this view are being read (off the UI task): the tab line and the
    /// queue's title say so instead of showing numbers of another view.
    pub counting: bool,
    /// `r` (or an edit) pressed before the item's look-ups arrived.
    pub pending_editor: Option<PendingEditor>,
    pub queue: QueueView,
    pub detail: Option<Detail>,
    pub detail_scroll: u16,
    pub editor: Option<Editor>,
    pub prompt: Option<Prompt>,
    /// The template picker over the editor, when open.
    pub picker: Option<TemplatePicker>,
    /// The intent picker over the inbox (`correct_intent`), when open.
    pub intent_picker: Option<IntentPicker>,
    /// Where templates come from; `None` when none were given.
    pub templates: Option<TemplateSource>,
    /// Help overlay scroll, filter, and the mode it returns to.
    pub help_scroll: u16,
    pub help_filter: String,
    pub help_return: Mode,
    pub health: HealthView,
    pub audit: AuditView,
    pub customer_history: HistoryView,
    pub sync: BTreeMap<String, AccountSync>,
    /// Accounts whose marketplace cannot be reached, and since when.
    pub offline: BTreeMap<String, DateTime<Utc>>,
    pub outbox_size: usize,
    pub presence: Presence,
    /// Problems of the keymap and theme files, whole: the status line cuts them at its
    /// width, the help overlay lists them wrapped.
    pub config_problems: Vec<String>,
    pub notice: Option<(Notice, DateTime<Utc>)>,
    pub now: DateTime<Utc>,
    /// Offset used to show times (the user's local zone at start).
    pub tz: FixedOffset,
    /// The UI language (drafts are Russian whatever it is).
    pub lang: Lang,
    pub width: u16,
    pub height: u16,
    pub quit: bool,
    /// Items a reply was sent for in this session, until the store shows them pending.
    pub awaiting: HashSet<InteractionId>,
    /// Makes idempotency keys unique across sessions.
    pub(crate) session: String,
    pub(crate) send_seq: u64,
    pub(crate) draft_variant: u64,
    /// When the queue was last read in full; "breached" and "at risk" are judged then
    /// until the next full read, so pages read in between agree with each other.
    pub(crate) last_reload: DateTime<Utc>,
    /// Each account's SLA and priority rules, for the queue's priority marks.
    pub policies: Arc<Policies>,
    pub analytics: AnalyticsView,
    pub settings: SettingsView,
    /// How the editor marks the text a guardrail finding points at (the theme's
    /// `editor.finding_span`; set by the event loop).
    pub finding_highlight: ratatui::style::Style,
    /// Team mode (a shared PostgreSQL inbox): who this is and whether it answers;
    /// `None` for a single seller.
    pub team: Option<super::team::TeamView>,
}

impl AppState {
    /// A fresh state at `now`. `session` must differ between runs (e.g. pid and start
    /// time); it goes into every idempotency key.
    pub fn new(now: DateTime<Utc>, session: impl Into<String>, tz: FixedOffset) -> AppState {
        AppState {
            mode: Mode::Queue,
            screen: Screen::Inbox,
            lens: Lens::default(),
            search: None,
            view_gen: 0,
            accounts: Vec::new(),
            counts: Counts::default(),
            counting: true,
            pending_editor: None,
            queue: QueueView::default(),
            detail: None,
            detail_scroll: 0,
            editor: None,
            prompt: None,
            picker: None,
            intent_picker: None,
            templates: None,
            help_scroll: 0,
            help_filter: String::new(),
            help_return: Mode::Queue,
            health: HealthView::default(),
            audit: AuditView::default(),
            customer_history: HistoryView::default(),
            sync: BTreeMap::new(),
            offline: BTreeMap::new(),
            outbox_size: 0,
            presence: Presence::default(),
            config_problems: Vec::new(),
            notice: None,
            now,
            tz,
            lang: Lang::Ru,
            width: 80,
            height: 24,
            quit: false,
            awaiting: HashSet::new(),
            session: session.into(),
            send_seq: 0,
            draft_variant: 0,
            last_reload: now,
            policies: Arc::default(),
            analytics: AnalyticsView::default(),
            settings: SettingsView::default(),
            finding_highlight: ratatui::style::Style::default()
                .add_modifier(ratatui::style::Modifier::UNDERLINED),
            team: None,
        }
    }

    /// The filter the queue shows now.
    pub fn filter(&self) -> QueueFilter {
        self.lens.filter(self.last_reload)
    }

    /// The lens "clear filters" and the filter line start from: the inbox, or the whole
    /// history while searching.
    pub fn base_lens(&self) -> Lens {
        if self.search.is_some() {
            Lens::search()
        } else {
            Lens::default()
        }
    }

    /// Queue items that fit on screen at the current size.
    pub fn visible_items(&self) -> usize {
        layout::queue_capacity(self.height)
    }

    /// Rows of a full screen's list that fit at the current size.
    pub fn visible_screen_rows(&self) -> usize {
        layout::screen_capacity(self.height)
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

/// The periods the analytics screen offers, in days; `cycle_period` walks them.
pub const ANALYTICS_PERIODS: [u32; 3] = [7, 30, 90];

/// The analytics screen: which period and account, and the figures for them.
/// The analytics screen's figures, with the versions' figures the experiments layer adds.
pub type Dashboard = crate::analytics::Dashboard<crate::experiments::VersionReport>;

#[derive(Debug, Clone, PartialEq)]
pub struct AnalyticsView {
    /// The last this many local days, today included.
    pub days: u32,
    /// One account, or all.
    pub account: Option<i64>,
    /// The latest figures; kept while newer ones are computed.
    pub data: Option<Box<Dashboard>>,
    /// A computation is under way.
    pub loading: bool,
    /// Number of the latest request; answers to older ones are dropped.
    pub request: u64,
    /// The metric whose daily chart is shown in full.
    pub selected: usize,
}

impl Default for AnalyticsView {
    fn default() -> Self {
        AnalyticsView {
            // As `agentiq metrics` without --from/--to, so the two agree at a glance.
            days: 7,
            account: None,
            data: None,
            loading: false,
            request: 0,
            selected: 0,
        }
    }
}

/// A settings field being edited.
#[derive(Debug, Clone)]
pub struct SettingEdit {
    /// The section's key.
    pub key: &'static str,
    pub path: Vec<String>,
    /// The multi-line editor for lists (one entry per line); `None` when the value is
    /// typed in the one-line prompt.
    pub textarea: Option<TextArea<'static>>,
}

/// The settings screen: one scope (global or an account), its sections' layers and the
/// fields of the section shown.
#[derive(Debug, Clone)]
pub struct SettingsView {
    pub scope: Scope,
    /// Every editable section's layers for `scope`; `None` until read.
    pub sections: Option<Vec<Layers>>,
    /// Index of the section shown.
    pub section: usize,
    /// The shown section's fields, recomputed when its layers change.
    pub fields: Vec<Field>,
    pub cursor: ListCursor,
    pub editing: Option<SettingEdit>,
    /// The go-live confirmation open for this account, with the figures it shows.
    pub go_live: Option<(i64, crate::prepare::auto_live::ShadowFigures)>,
    /// What the account's drafts learnt (the tab after the sections); `None` until read
    /// and at the global scope.
    pub learnt: Option<crate::learning::Learnt>,
    /// The "experiment" tab (after the "learnt" one).
    pub experiment: ExperimentTab,
}

/// The settings screen's "experiment" tab: the current experiment and the versions a new
/// one may compare, each with the weight the seller gave it (0: not in).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExperimentTab {
    /// `None` until read.
    pub overview: Option<crate::experiments::Overview>,
    /// The weight of each of `overview.versions`, in its order.
    pub weights: Vec<u32>,
    /// The stop confirmation is open.
    pub confirm_stop: bool,
}

impl ExperimentTab {
    /// The versions with a weight, as the arms of a new experiment.
    pub fn arms(&self) -> Vec<crate::experiments::Arm> {
        let Some(o) = &self.overview else {
            return Vec::new();
        };
        o.versions
            .iter()
            .zip(&self.weights)
            .filter(|(_, w)| **w > 0)
            .map(|(v, w)| crate::experiments::Arm {
                version: v.name.clone(),
                weight: *w,
            })
            .collect()
    }

    /// The experiment running or paused, if any.
    pub fn active(&self) -> Option<&crate::experiments::Experiment> {
        self.overview
            .as_ref()?
            .status
            .as_ref()
            .map(|s| &s.experiment)
            .filter(|e| e.state != crate::experiments::State::Stopped)
    }
}

impl Default for SettingsView {
    fn default() -> Self {
        SettingsView {
            scope: Scope::Global,
            sections: None,
            section: 0,
            fields: Vec::new(),
            cursor: ListCursor::default(),
            editing: None,
            go_live: None,
            learnt: None,
            experiment: ExperimentTab::default(),
        }
    }
}

impl SettingsView {
    /// The layers of the section shown.
    pub fn current(&self) -> Option<&Layers> {
        self.sections.as_ref()?.get(self.section)
    }

    pub fn selected_field(&self) -> Option<&Field> {
        self.fields.get(self.cursor.selected)
    }

    /// Whether the "learnt" tab (after every section) is shown.
    pub fn on_learnt_tab(&self) -> bool {
        self.sections
            .as_ref()
            .is_some_and(|s| self.section == s.len())
    }

    /// Whether the "experiment" tab (after the "learnt" one) is shown.
    pub fn on_experiment_tab(&self) -> bool {
        self.sections
            .as_ref()
            .is_some_and(|s| self.section == s.len() + 1)
    }

    /// The learnt entries the "learnt" tab lists, in its order.
    pub fn learnt_entries(&self) -> Vec<LearntEntry> {
        let Some(l) = &self.learnt else {
            return Vec::new();
        };
        l.phrases
            .iter()
            .map(|p| LearntEntry::Phrase(p.id))
            .chain(
                l.lengths
                    .iter()
                    .map(|x| LearntEntry::Length(x.channel.clone())),
            )
            .collect()
    }
}

/// The intent picker: SPEC's intents ([`crate::ai::Intent::ALL`]), the cursor on one,
/// for the item being corrected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntentPicker {
    pub interaction_id: InteractionId,
    pub selected: usize,
    /// The item's intent when the picker opened.
    pub current: Option<crate::ai::Intent>,
    /// Where the keyboard goes back to.
    pub return_to: Mode,
}
