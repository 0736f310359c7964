//! What can happen to the inbox (`Action`) and what the inbox asks the outside world to do
//! (`Effect`).

use chrono::{DateTime, Utc};
use ratatui_textarea::Input;
use serde::{Deserialize, Serialize};

use crate::ai::guardrails::Verdict;
use crate::analytics::MetricsQuery;
use crate::domain::InteractionId;
use crate::protocol::{Command, Event};
use crate::settings::editable::Layers;
use crate::settings::Scope;
use crate::store::{AccountRow, QueueFilter, Seek};

use super::reads::{AuditSnapshot, HealthRow};
use super::state::{Dashboard, Detail, DetailExtras, QueueSnapshot};

/// Declares the bindable actions once: the enum variants, their stable names in keymap
/// files (snake_case, the same as serde's) and the order help lists them in.
macro_rules! bindable {
    ($($variant:ident => $name:literal,)*) => {
        impl Action {
            /// Every action a keymap may bind, in the order help lists them.
            pub const BINDABLE: &'static [Action] = &[$(Action::$variant,)*];

            /// The name used in keymap files, or `None` for actions that cannot be bound.
            pub fn name(&self) -> Option<&'static str> {
                Some(match self {
                    $(Action::$variant => $name,)*
                    _ => return None,
                })
            }
        }
    };
}

/// Everything [`super::update`] reacts to.
///
/// The unit variants are the ones a keymap can bind; their snake_case names are the names
/// used in `keymaps/*.toml` and must stay stable. The variants marked `serde(skip)` carry
/// data from the event loop (time, terminal size, loaded rows, background events) and can
/// not be bound to keys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    MoveDown,
    MoveUp,
    Top,
    Bottom,
    PageDown,
    PageUp,
    TabAll,
    TabReviews,
    TabQuestions,
    TabChats,
    NextTab,
    PrevTab,
    ToggleBreached,
    CycleAccount,
    CycleMarketplace,
    CycleAnswered,
    CycleSort,
    Filter,
    ClearFilters,
    Search,
    SearchNext,
    SearchPrev,
    FocusDetail,
    FocusQueue,
    Reply,
    Send,
    Regenerate,
    Undo,
    Redo,
    ExternalEditor,
    InsertTemplate,
    Confirm,
    Cancel,
    SyncNow,
    Refresh,
    ScreenInbox,
    ScreenSyncHealth,
    ScreenAuditLog,
    Help,
    Quit,
    ScreenAnalytics,
    ScreenSettings,
    CyclePeriod,
    ResetSetting,
    UndoAutoReply,
    StopAutoReplies,
    GoLive,
    EditAnswer,
    CustomerHistory,
    CorrectIntent,
    ExperimentStart,
    ExperimentPause,
    ExperimentStop,
    /// Team mode: claim the selected item, or the next one when none is selected.
    Claim,
    /// Team mode: give back one's claim on the selected item.
    Release,
    /// Team mode: give the selected item to a person (a picker of the team).
    Assign,
    /// Team mode: only the items one holds ("my items"), or all again.
    MyItems,

    /// The clock moved on (1 s tick).
    #[serde(skip)]
    Tick(DateTime<Utc>),
    /// The terminal has this size now.
    #[serde(skip)]
    Resize {
        width: u16,
        height: u16,
    },
    /// A fact from the background services.
    #[serde(skip)]
    Background(Event),
    /// A key the editor receives as text input.
    #[serde(skip)]
    EditorInput(Input),
    /// A key typed into the search or filter line.
    #[serde(skip)]
    PromptInput(Input),
    /// A key typed into help's filter.
    #[serde(skip)]
    HelpInput(Input),
    /// Text pasted into the terminal.
    #[serde(skip)]
    Paste(String),
    /// A click or a wheel turn at a terminal cell.
    #[serde(skip)]
    Mouse(MouseInput),
    /// A page of the queue (and maybe the counts) was read.
    #[serde(skip)]
    QueueLoaded(Box<QueueSnapshot>),
    /// The selected interaction was read in full.
    #[serde(skip)]
    DetailLoaded(Box<Detail>),
    /// The detail pane's look-ups for `id`, read off the UI task.
    #[serde(skip)]
    DetailExtrasLoaded {
        id: InteractionId,
        extras: Box<DetailExtras>,
    },
    /// The selected interaction no longer exists.
    #[serde(skip)]
    DetailMissing(InteractionId),
    /// The accounts, for the account filter and `account:` in queries.
    #[serde(skip)]
    AccountsLoaded(Vec<AccountRow>),
    /// The sync health table was read.
    #[serde(skip)]
    HealthLoaded(Vec<HealthRow>),
    /// A page of the audit log was read.
    #[serde(skip)]
    AuditLoaded(Box<AuditSnapshot>),
    /// `$EDITOR` returned: the new text, or why it failed.
    #[serde(skip)]
    ExternalEdited(Result<String, String>),
    /// A configuration file could not be used; the message names file and line.
    #[serde(skip)]
    ConfigProblem(String),
    /// A read failed; the message is shown in the status bar.
    #[serde(skip)]
    LoadFailed(String),
    /// A command could not be handed to the background services.
    #[serde(skip)]
    CommandFailed,
    /// The analytics figures of request `request` were computed, or why not.
    #[serde(skip)]
    AnalyticsLoaded {
        request: u64,
        result: Result<Box<Dashboard>, String>,
    },
    /// The editable settings sections' layers for `scope` were read.
    #[serde(skip)]
    SettingsLoaded {
        scope: Scope,
        sections: Vec<Layers>,
    },
    /// What an account's drafts learnt was read.
    #[serde(skip)]
    LearntLoaded {
        account_id: i64,
        learnt: crate::learning::Learnt,
    },
    /// A key typed into the override confirmation word.
    #[serde(skip)]
    OverrideInput(Input),
    /// The full guardrail check of the reply's text at `revision` (the near-duplicate
    /// comparison reads the store, so it runs off the UI thread).
    #[serde(skip)]
    ReplyChecked {
        interaction_id: InteractionId,
        revision: u64,
        verdict: Verdict,
    },
    /// The counts of a view, read off the UI task (no rows): the tab counts, the current
    /// tab's total, the outbox size, who else works on the store.
    #[serde(skip)]
    CountsLoaded(Box<QueueSnapshot>),
    /// The answer of a read run off the UI task; the runner drops it when a newer read of
    /// the same kind was asked for meanwhile, else passes `action` on.
    #[serde(skip)]
    ReadDone {
        kind: ReadKind,
        action: Box<Action>,
    },
}

bindable! {
    MoveDown => "move_down",
    MoveUp => "move_up",
    Top => "top",
    Bottom => "bottom",
    PageDown => "page_down",
    PageUp => "page_up",
    TabAll => "tab_all",
    TabReviews => "tab_reviews",
    TabQuestions => "tab_questions",
    TabChats => "tab_chats",
    NextTab => "next_tab",
    PrevTab => "prev_tab",
    ToggleBreached => "toggle_breached",
    CycleAccount => "cycle_account",
    CycleMarketplace => "cycle_marketplace",
    CycleAnswered => "cycle_answered",
    CycleSort => "cycle_sort",
    Filter => "filter",
    ClearFilters => "clear_filters",
    Search => "search",
    SearchNext => "search_next",
    SearchPrev => "search_prev",
    FocusDetail => "focus_detail",
    FocusQueue => "focus_queue",
    Reply => "reply",
    Send => "send",
    Regenerate => "regenerate",
    Undo => "undo",
    Redo => "redo",
    ExternalEditor => "external_editor",
    InsertTemplate => "insert_template",
    Confirm => "confirm",
    Cancel => "cancel",
    SyncNow => "sync_now",
    Refresh => "refresh",
    ScreenInbox => "screen_inbox",
    ScreenSyncHealth => "screen_sync_health",
    ScreenAuditLog => "screen_audit_log",
    Help => "help",
    Quit => "quit",
    ScreenAnalytics => "screen_analytics",
    ScreenSettings => "screen_settings",
    CyclePeriod => "cycle_period",
    ResetSetting => "reset_setting",
    UndoAutoReply => "undo_auto_reply",
    StopAutoReplies => "stop_auto_replies",
    GoLive => "go_live",
    EditAnswer => "edit_answer",
    CustomerHistory => "customer_history",
    CorrectIntent => "correct_intent",
    ExperimentStart => "experiment_start",
    ExperimentPause => "experiment_pause",
    ExperimentStop => "experiment_stop",
    Claim => "claim",
    Release => "release",
    Assign => "assign",
    MyItems => "my_items",
}

impl Action {
    /// The bindable action called `name` in keymap files.
    pub fn from_name(name: &str) -> Option<Action> {
        Action::BINDABLE
            .iter()
            .find(|a| a.name() == Some(name))
            .cloned()
    }
}

/// What the mouse did, at which terminal cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MouseInput {
    pub kind: MouseKind,
    pub column: u16,
    pub row: u16,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MouseKind {
    Click,
    WheelUp,
    WheelDown,
}

/// What the event loop does on behalf of [`super::update`].
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Hand a command to the background services.
    Command(Command),
    /// Read a page of the queue (and the counts when asked) through the UI's reader.
    LoadQueue(QueueRequest),
    /// Read one interaction (and its chat thread) for the detail pane.
    LoadDetail(InteractionId),
    /// Read the detail pane's look-ups (revenue, the reply's guard) off the UI task; the
    /// answer comes back as [`Action::DetailExtrasLoaded`].
    LoadDetailExtras(InteractionId),
    /// Read the accounts.
    LoadAccounts,
    /// Read the sync health table.
    LoadHealth,
    /// Read a page of the audit log.
    LoadAudit(AuditRequest),
    /// Compute the analytics figures off the UI thread.
    LoadAnalytics(AnalyticsRequest),
    /// Read the editable settings sections for a scope.
    LoadSettings(Scope),
    /// Read what an account's drafts learnt.
    LoadLearnt(i64),
    /// Suspend the UI and edit this text in `$EDITOR`.
    ExternalEditor(String),
    /// Leave the UI.
    Quit,
    /// Check the reply's text against the guardrails in full, off the UI thread, once the
    /// typing pauses; the answer comes back as [`Action::ReplyChecked`].
    CheckReply(ReplyCheck),
}

/// A reply's text to check, and the revision it is.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplyCheck {
    pub interaction_id: InteractionId,
    pub revision: u64,
    pub text: String,
}

/// How the reader finds the first row of a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageSeek {
    /// From the top or the bottom, whichever is nearer once the total is counted.
    Nearest,
    /// Exactly so (relative to a row already held, or to an end).
    Exact(Seek),
}

/// Which rows of the queue to read.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueRequest {
    pub filter: QueueFilter,
    /// The view the request was made for; an answer for an older view is dropped.
    pub view: u64,
    /// The moment "breached" is judged at for the breached count.
    pub now: DateTime<Utc>,
    /// Absolute index of the first row asked for.
    pub offset: usize,
    pub limit: usize,
    pub seek: PageSeek,
    /// Also count the rows, read the per-tab counts and the outbox size.
    pub with_counts: bool,
}

/// The reads that run off the UI task, one of each kind at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadKind {
    /// The counts of a view.
    Counts,
    /// A page that is not one indexed read: a search, or a deep page of a view not yet
    /// counted.
    Page,
    /// The detail pane's look-ups.
    DetailExtras,
}

/// The analytics figures to compute.
#[derive(Debug, Clone, PartialEq)]
pub struct AnalyticsRequest {
    /// Numbered so an answer to an older request is dropped.
    pub request: u64,
    pub query: MetricsQuery,
    pub now: DateTime<Utc>,
}

/// Which rows of the audit log to read, newest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuditRequest {
    pub offset: usize,
    pub limit: usize,
    /// Also count the entries.
    pub with_total: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_serde_and_round_trip() {
        for a in Action::BINDABLE {
            let name = a.name().expect("bindable actions have names");
            assert_eq!(Action::from_name(name).as_ref(), Some(a));
            let via_serde: Action =
                serde::Deserialize::deserialize(serde::de::value::StrDeserializer::<
                    serde::de::value::Error,
                >::new(name))
                .expect("serde knows the name");
            assert_eq!(&via_serde, a);
        }
        assert_eq!(Action::from_name("tick"), None);
        assert_eq!(Action::Tick(Utc::now()).name(), None);
    }
}
