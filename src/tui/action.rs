//! What can happen to the inbox (`Action`) and what the inbox asks the outside world to do
//! (`Effect`).

use chrono::{DateTime, Utc};
use ratatui_textarea::Input;
use serde::{Deserialize, Serialize};

use crate::app::{Command, Event};
use crate::domain::InteractionId;
use crate::store::QueueFilter;

use super::state::{Detail, QueueSnapshot};

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
    FocusDetail,
    FocusQueue,
    Reply,
    Send,
    Regenerate,
    Confirm,
    Cancel,
    SyncNow,
    Refresh,
    Help,
    Quit,

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
    /// Text pasted into the terminal.
    #[serde(skip)]
    Paste(String),
    /// A page of the queue (and maybe the counts) was read.
    #[serde(skip)]
    QueueLoaded(Box<QueueSnapshot>),
    /// The selected interaction was read in full.
    #[serde(skip)]
    DetailLoaded(Box<Detail>),
    /// The selected interaction no longer exists.
    #[serde(skip)]
    DetailMissing(InteractionId),
    /// A read failed; the message is shown in the status bar.
    #[serde(skip)]
    LoadFailed(String),
    /// A command could not be handed to the background services.
    #[serde(skip)]
    CommandFailed,
}

impl Action {
    /// Every action a keymap may bind, in the order help lists them.
    pub const BINDABLE: &'static [Action] = &[
        Action::MoveDown,
        Action::MoveUp,
        Action::Top,
        Action::Bottom,
        Action::PageDown,
        Action::PageUp,
        Action::TabAll,
        Action::TabReviews,
        Action::TabQuestions,
        Action::TabChats,
        Action::NextTab,
        Action::PrevTab,
        Action::ToggleBreached,
        Action::FocusDetail,
        Action::FocusQueue,
        Action::Reply,
        Action::Send,
        Action::Regenerate,
        Action::Confirm,
        Action::Cancel,
        Action::SyncNow,
        Action::Refresh,
        Action::Help,
        Action::Quit,
    ];

    /// The name used in keymap files, or `None` for actions that cannot be bound.
    pub fn name(&self) -> Option<&'static str> {
        Some(match self {
            Action::MoveDown => "move_down",
            Action::MoveUp => "move_up",
            Action::Top => "top",
            Action::Bottom => "bottom",
            Action::PageDown => "page_down",
            Action::PageUp => "page_up",
            Action::TabAll => "tab_all",
            Action::TabReviews => "tab_reviews",
            Action::TabQuestions => "tab_questions",
            Action::TabChats => "tab_chats",
            Action::NextTab => "next_tab",
            Action::PrevTab => "prev_tab",
            Action::ToggleBreached => "toggle_breached",
            Action::FocusDetail => "focus_detail",
            Action::FocusQueue => "focus_queue",
            Action::Reply => "reply",
            Action::Send => "send",
            Action::Regenerate => "regenerate",
            Action::Confirm => "confirm",
            Action::Cancel => "cancel",
            Action::SyncNow => "sync_now",
            Action::Refresh => "refresh",
            Action::Help => "help",
            Action::Quit => "quit",
            _ => return None,
        })
    }

    /// The bindable action called `name` in keymap files.
    pub fn from_name(name: &str) -> Option<Action> {
        Action::BINDABLE
            .iter()
            .find(|a| a.name() == Some(name))
            .cloned()
    }
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
    /// Leave the UI.
    Quit,
}

/// Which rows of the queue to read.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueRequest {
    pub filter: QueueFilter,
    /// The moment "breached" is judged at for the breached count.
    pub now: DateTime<Utc>,
    pub offset: usize,
    pub limit: usize,
    /// Also read the per-tab counts and the outbox size.
    pub with_counts: bool,
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
