//! What the background services and the UI say to each other. The UI never calls the
//! network: it sends [`Command`]s and receives payload-light [`Event`]s, then re-reads the
//! store itself.

use chrono::{DateTime, Utc};

use crate::domain::InteractionId;

/// Facts background work reports to the UI.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A sync pass of one account and connector began.
    SyncStarted { account: String, connector: String },
    /// A sync pass that knows its total (a first sync, from the count methods) read
    /// another page: `seen` of `total` items of `channel` since `started`.
    SyncProgress {
        account: String,
        connector: String,
        channel: crate::domain::Channel,
        seen: u64,
        total: u64,
        started: DateTime<Utc>,
    },
    /// A sync pass ended; `new`/`changed` count items written.
    SyncFinished {
        account: String,
        connector: String,
        ok: bool,
        new: usize,
        changed: usize,
        error: Option<String>,
    },
    /// Something the queue shows changed in the store; re-read the visible page.
    DataChanged,
    /// The outbox moved a reply forward (queued, sent, confirmed or failed).
    OutboxChanged,
    /// An account's marketplace cannot be reached since this moment (or `--offline`).
    Offline {
        account: String,
        since: DateTime<Utc>,
    },
    /// It can again.
    Online { account: String },
    /// Something to tell the user in the status line: a notification the desktop could
    /// not show, with the terminal bell when asked for.
    Notice { text: String, bell: bool },
    /// A reply was not queued: the guardrails found a block and nobody overrode it.
    ReplyRefused {
        interaction_id: InteractionId,
        reasons: Vec<String>,
    },
    /// An edit of a published answer was not queued: why (the guardrails' block comes as
    /// [`Event::ReplyRefused`]).
    EditRefused {
        interaction_id: InteractionId,
        refusal: crate::domain::EditRefusal,
    },
    /// A settings section was stored (`error` is `None`) or refused, with the reason.
    SettingSaved { key: String, error: Option<String> },
    /// The answer to [`Command::ForgetLearnt`].
    LearntForgotten {
        account_id: i64,
        error: Option<String>,
    },
    /// The answer to [`Command::CorrectIntent`]: the item's intent is `intent` now and
    /// its draft was made again, or why not.
    IntentCorrected {
        interaction_id: InteractionId,
        intent: crate::ai::Intent,
        error: Option<String>,
    },
    /// The answer to [`Command::UndoAutoReply`]: whether the auto-reply was cancelled
    /// (false when it had already left its undo window).
    AutoReplyUndone {
        interaction_id: InteractionId,
        undone: bool,
    },
    /// The answer to [`Command::StopAutoReplies`]: how many auto-replies not yet sent were
    /// cancelled, or why the kill switch failed.
    AutoRepliesStopped {
        cancelled: usize,
        error: Option<String>,
    },
    /// The answer to [`Command::AutoReplyFigures`].
    AutoReplyFigures {
        account_id: i64,
        figures: Result<crate::domain::ShadowFigures, String>,
    },
    /// The answer to [`Command::AutoReplyGoLive`]: live, or why not.
    AutoReplyWentLive {
        account_id: i64,
        error: Option<String>,
    },
    /// Team mode: the shared database's connection, and the answers to claims,
    /// assignments and replies made on it.
    Team(crate::domain::team::TeamNews),
    /// The answer to [`Command::LoadExperiment`].
    ExperimentLoaded(Result<Box<crate::experiments::Overview>, String>),
    /// The answer to [`Command::StartExperiment`] and [`Command::SetExperimentState`]:
    /// the experiment as it is now, or why nothing changed.
    ExperimentChanged(Result<Box<crate::experiments::Experiment>, String>),
}

/// Requests from the UI to background services.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Put a reply in the outbox; the outbox delivers it.
    SendReply {
        interaction_id: InteractionId,
        text: String,
        /// Unique per reply, so a repeated command cannot queue it twice.
        idempotency_key: String,
        /// The seller typed the confirmation word to send despite a block-level finding;
        /// the send is then recorded as a harmful override.
        override_block: bool,
        /// When the seller opened the editor this reply was written in (the time from
        /// open to send per version); `None` when it was not written in the editor.
        opened_at: Option<DateTime<Utc>>,
    },
    /// Put a new text for the item's published answer in the outbox (WB feedbacks, once);
    /// checked like a reply, delivered like one.
    EditAnswer {
        interaction_id: InteractionId,
        text: String,
        idempotency_key: String,
        override_block: bool,
    },
    /// Run a sync pass now instead of waiting for the next poll.
    SyncNow,
    /// Store `layer` as the value of settings section `key` for `scope` (only the fields
    /// it holds override), or remove the scope's value for `None`. Checked again before
    /// it is written; the answer is [`Event::SettingSaved`].
    SaveSetting {
        scope: crate::settings::Scope,
        key: String,
        layer: Option<serde_json::Value>,
    },
    /// Forget one thing the account's drafts learnt (`store::learning`); the answer is
    /// [`Event::LearntForgotten`].
    ForgetLearnt {
        account_id: i64,
        entry: crate::domain::LearntEntry,
    },
    /// The seller's intent for an item (`learning::intents::correct`): recorded, applied,
    /// and the item's draft made again; the answer is [`Event::IntentCorrected`].
    CorrectIntent {
        interaction_id: InteractionId,
        intent: crate::ai::Intent,
    },
    /// Cancel an auto-reply still inside its undo window (`outbox::cancel_reply`).
    UndoAutoReply {
        interaction_id: InteractionId,
        outbox_id: i64,
    },
    /// The kill switch: auto-replies off for every shop, those not yet sent cancelled
    /// (`prepare::auto_live::kill_switch`).
    StopAutoReplies,
    /// The shadow figures of an account, shown before going live.
    AutoReplyFigures { account_id: i64 },
    /// Make the account's auto-replies live; `word` is what the seller typed
    /// (`prepare::auto_live::go_live` checks it again).
    AutoReplyGoLive { account_id: i64, word: String },
    /// Read the current experiment with its metrics and the versions the seller may
    /// start one with; the answer is [`Event::ExperimentLoaded`].
    LoadExperiment,
    /// Start an experiment (`experiments::start`, checked against the catalog); the
    /// answer is [`Event::ExperimentChanged`].
    StartExperiment(crate::experiments::StartRequest),
    /// Team mode: claim the item, or the next by the queue's order for `None`.
    Claim {
        interaction_id: Option<InteractionId>,
    },
    /// Team mode: give back one's claim on the item.
    Release { interaction_id: InteractionId },
    /// Team mode: give the item to a person (a manager's or the owner's).
    Assign {
        interaction_id: InteractionId,
        to: String,
    },
    /// Team mode: the people one may assign items to; the answer is
    /// `Event::Team(TeamNews::Colleagues)`.
    LoadColleagues,
    /// Pause, resume or stop the active experiment (`experiments::set_state`); the answer
    /// is [`Event::ExperimentChanged`].
    SetExperimentState(crate::experiments::State),
}
