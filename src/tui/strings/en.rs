//! English UI text.

use crate::domain::{AnswerState, Channel, EditRefusal, Marketplace, ModerationState, Sender};
use crate::store::search::QueryError;
use crate::store::{AnswerFilter, QueueSort};
use crate::tui::action::Action;
use crate::tui::keymap::Layer;
use crate::tui::state::{Notice, Screen};

use super::Strings;

/// The English table.
pub static EN: Strings = Strings {
    tab_all: "All",
    tab_reviews: "Reviews",
    tab_questions: "Questions",
    tab_chats: "Chats",
    breached_filter: "overdue",

    queue_title: "Queue",
    search_title: "Search",
    queue_empty: "Nothing waits for an answer",
    queue_empty_breached: "Nothing is overdue",
    queue_empty_filtered: "Nothing matches the filter",
    queue_empty_search: "Nothing found",
    loading: "loading…",
    send_failed_mark: "not sent",

    detail_title: "Details",
    no_selection: "Pick an item in the queue",
    label_product: "Product",
    label_brand: "Brand",
    label_article: "Article",
    label_customer: "Customer",
    label_account: "Account",
    label_created: "Written",
    label_deadline: "Answer by",
    label_pros: "Pros",
    label_cons: "Cons",
    label_photos: "Photos",
    label_thread: "Conversation",
    label_answer: "Seller's answer",
    label_text: "Text",
    label_state: "State",
    unknown_product: "no product",
    unknown_customer: "no name",
    answer_pending: "answer on its way",
    answer_editable: "can be edited once",
    customer_first_time: "first time writing",
    customer_items,
    customer_by_name: "linked by name",
    label_products: "Products",
    label_channels: "Channels",
    label_ratings: "Ratings",
    label_tone: "Tone",
    label_channel: "Channel",
    label_rating: "Rating",
    customer_history_key,

    draft_source,
    draft_reason,
    editor_title: "Reply",
    edit_title: "Edit of the answer (once)",
    reply_window_left: "reply within",
    reply_window_closed: "chat closed to replies",
    confirm_title: "Confirm",
    confirm_question: "Send the reply?",
    confirm_yes: "send",
    confirm_no: "back to the text",

    prompt_search: "Search",
    prompt_filter: "Filter",
    prompt_search_placeholder: "words and filters, e.g. blanket rating:<=2 answered:all",
    prompt_filter_placeholder: "e.g. rating:<=2 mp:wb intent:wrong_item product:123",

    picker_title: "Templates",
    intent_picker_title: "Intent",
    help_title: "Keys",
    help_footer: "Your own keys go in keymap.toml in the config folder",
    help_filter: "Find",
    help_no_match: "No such keys",
    help_config_problems: "Problems in your configuration files (the defaults are used)",

    health_empty: "No sync has run yet",
    health_account: "Account",
    health_connector: "Source",
    health_last_run: "Last run",
    health_last_success: "Success",
    health_success: "OK 24h",
    health_items: "Items 24h",
    health_failures: "Failing",
    health_error: "Error",
    health_running: "running",
    health_requests: "requests",
    never: "never",

    audit_empty: "The log is empty",
    audit_time: "Time",
    audit_actor: "Who",
    audit_action: "Action",
    audit_item: "Item",
    audit_detail: "Detail",

    syncing: "syncing…",
    sync_error: "error",
    llm_down: "LLM unavailable — offline drafts",
    outbox_empty: "outbox empty",

    unit_minute: "m",
    unit_hour: "h",
    unit_day: "d",

    sync_done,
    offline_since,
    token_refused,
    outbox,
    sync_progress,
    sync_by,
    waiting_for_process,
    awaiting_publication,
    notice,
    query_error,
    channel_short,
    channel_name,
    answer_state,
    answered,
    sort,
    moderation,
    sender,
    screen,
    layer,
    action,

    analytics_all_accounts: "all accounts",
    analytics_computing: "computing…",
    analytics_metric: "Metric",
    analytics_value: "Value",
    analytics_count: "Count",
    analytics_target: "Target",
    analytics_previous: "Before",
    analytics_change: "Change",
    analytics_by_day: "By day",
    analytics_no_data: "no data",
    analytics_at_risk: "Revenue at risk",
    analytics_protected: "protected by fast answers",
    analytics_top_products: "Products with open complaints",
    analytics_no_complaints: "No open complaints",
    analytics_complaints,
    analytics_overdue: "overdue",
    unit_pp: "pp",
    analytics_period,
    analytics_auto,
    analytics_versions_none: "Versions: no reply of the period was sent from a versioned draft",
    analytics_version_row,
    analytics_version_verdict,
    metric_name,

    settings_global: "global (all accounts)",
    settings_field: "Field",
    settings_value: "Value",
    settings_source: "From",
    settings_empty: "Nothing to set here",
    settings_prompt_placeholder: "the new value; Enter saves, Esc cancels",
    go_live_prompt: "Make this account's auto-replies live — type ENABLE",
    live_word: "ENABLE",
    settings_editor_title: "One entry per line",
    settings_edit: "edit",
    settings_scope_hint: "scope: global / each account",
    settings_save: "save",
    setting_source,
    settings_section,
    learnt_needs_account: "What the drafts learnt is per account: switch the scope to a shop",
    learnt_empty: "Nothing learnt yet: the drafts learn from the replies you send",
    learnt_columns: ["Kind", "Channel", "Phrase", "Seen"],
    learnt_kind,
    learnt_seen,
    learnt_hint: "x / Delete forgets the selected entry",
    experiment_line,
    experiment_state,
    experiment_none: "No experiment yet",
    experiment_columns: ["Version", "Weight", "Replies", "Accepted", "Edit distance"],
    experiment_versions_title: "A new experiment: versions and weights (0: not in)",
    experiment_hint: "Enter weight +1 · x out · S start · P pause/resume · X stop",
    experiment_catalog_error,
    experiment_name_prompt: "Experiment name",
    experiment_name_placeholder: "exp-1",

    revenue_at_risk,
    revenue_protected,
    revenue_pending,
    override_word: "SEND",
    override_title: "Blocked by the guardrails",
    override_question:
        "The guardrails block this reply. Sending it anyway is recorded as an override.",
    override_hint,
    finding_warn: "warn",
    finding_block: "block",
    findings_none: "✓ no guardrail findings",
    confirm_warnings,
    auto_reply_in,
};

fn sync_done(new: usize, changed: usize, at: &str) -> String {
    match (new, changed) {
        (0, 0) => format!("✓ {at}"),
        (n, 0) => format!("✓ {at}, {n} new"),
        (n, c) => format!("✓ {at}, {n} new, {c} changed"),
    }
}

fn token_refused(status: &str) -> String {
    format!("token refused (HTTP {status}) — issue a new one, update its variable, check with agentiq doctor")
}

fn offline_since(at: &str) -> String {
    format!("offline since {at}")
}

fn sync_by(who: &str) -> String {
    format!("sync: {who}")
}

fn waiting_for_process(shop: &str, n: usize) -> String {
    format!("{shop}: {n} waiting for a process that has this shop")
}

fn awaiting_publication(n: usize) -> String {
    format!("accepted by the marketplace, waiting to show: {n}")
}

fn sync_progress(
    seen: u64,
    total: Option<u64>,
    channel: Channel,
    left: Option<chrono::Duration>,
) -> String {
    use crate::sync::eta::{short_duration, thousands};
    let noun = match channel {
        Channel::Review => "reviews",
        Channel::Question => "questions",
        Channel::Chat => "chats",
    };
    let mut out = match total {
        Some(total) => format!("{} / {} {noun}", thousands(seen), thousands(total)),
        None => format!("{} {noun}", thousands(seen)),
    };
    if let Some(left) = left {
        out.push_str(&format!(", ~{}", short_duration(left, ["s", "min", "h"])));
    }
    out
}

fn outbox(n: usize) -> String {
    format!("outbox: {n}")
}

fn notice(notice: &Notice) -> String {
    match notice {
        Notice::EmptyReply => "An empty reply was not sent".into(),
        Notice::TooLong { len, max } => {
            format!("Not sent: {len} characters, the limit is {max}")
        }
        Notice::TooShort { len, min } => {
            format!("Not sent: {len} characters, at least {min} needed")
        }
        Notice::ReplyWindowClosed { hours } => format!(
            "Not sent: Ozon takes a chat message only within {hours} h of the buyer's last message"
        ),
        Notice::Queued => "The reply is queued for sending".into(),
        Notice::NothingSelected => "The queue is empty: nothing to answer".into(),
        Notice::AlreadySending => "A reply to this item is already on its way".into(),
        Notice::NotOpen => "This item can no longer be answered".into(),
        Notice::DetailLoading => "The details are loading; the editor opens when they arrive".into(),
        Notice::CommandFailed => "The background service is not answering: not sent".into(),
        Notice::LoadFailed(e) => format!("Could not read the database: {e}"),
        Notice::SyncRequested => "Sync requested".into(),
        Notice::DraftRegenerated => "The draft was replaced by another one".into(),
        Notice::BadQuery(e) => format!("Query not understood, {}", query_error(e)),
        Notice::NoSearch => "No search yet: start one with /".into(),
        Notice::ConfigProblem(e) => format!("{e} (using the defaults; the full list is in help)"),
        Notice::Alert(text) => text.clone(),
        Notice::Refused(why) => format!("Not sent, the guardrails block it: {why}"),
        Notice::ExternalEditorFailed(e) => format!("External editor: {e}"),
        Notice::ExternalEditorDone => "The text is back from the external editor".into(),
        Notice::SettingRefused { field, reason } => format!("Not saved: {field}: {reason}"),
        Notice::SettingSaved => "Setting saved".into(),
        Notice::IntentCorrected(i) => format!("Intent corrected: {}; the draft was made again", i.as_str()),
        Notice::IntentNotCorrected(why) => format!("The intent was not corrected: {why}"),
        Notice::LearntForgotten => "Forgotten: the drafts no longer use it".into(),
        Notice::SettingNotOverridden => "This field has no value of its own here".into(),
        Notice::OverrideWordNeeded(word) => {
            format!("Blocked by the guardrails: to send it anyway, type {word}")
        }
        Notice::AutoReplyUndoing => "Cancelling the auto-reply…".into(),
        Notice::AutoReplyUndone => {
            "The auto-reply was cancelled; the item is back in the queue".into()
        }
        Notice::AutoReplyGone => "Too late: the auto-reply is already on its way".into(),
        Notice::NoAutoReply => "No auto-reply is waiting for this item".into(),
        Notice::AutoRepliesStopping => "Turning auto-replies off…".into(),
        Notice::AutoRepliesStopped(n) => {
            format!("Auto-replies are off; {n} not yet sent were cancelled")
        }
        Notice::AutoRepliesStopFailed(e) => format!("Auto-replies are still on: {e}"),
        Notice::GoLiveNeedsAccount => {
            "Going live is per account: pick one (a), then L".into()
        }
        Notice::GoLiveFigures(f) => format!(
            "Shadow mode: would have sent {}, seller sent the same {}, edited {}, closed without reply {}, not handled yet {}",
            f.would_send, f.sent_as_is, f.edited, f.rejected, f.undecided
        ),
        Notice::GoLiveWordNeeded(word) => format!("Not confirmed: type {word}"),
        Notice::AutoRepliesLive => {
            "This account's auto-replies are live; ! turns every one off".into()
        }
        Notice::GoLiveFailed(e) => format!("Not live: {e}"),
        Notice::ExperimentNeedsVersions => {
            "Choose at least two versions: Enter gives the selected one a weight".into()
        }
        Notice::ExperimentNeedsName => "The experiment needs a name".into(),
        Notice::ExperimentNoneActive => "No experiment is running or paused".into(),
        Notice::ExperimentStopAsk(name) => {
            format!("Stop experiment '{name}' for good? y — stop, n — keep it")
        }
        Notice::ExperimentChanged(name, state) => {
            format!("Experiment '{name}' is {}", experiment_state(*state))
        }
        Notice::ExperimentRefused(e) => format!("Experiment not changed: {e}"),
        Notice::NoTemplates => "No templates for this item".into(),
        Notice::NoCustomer => "This item is not linked to a customer: no history".into(),
        Notice::EditQueued => "The edited answer is queued for sending".into(),
        Notice::EditRefused(why) => edit_refusal(*why),
    }
}

fn edit_refusal(why: EditRefusal) -> String {
    match why {
        EditRefusal::NotSupported {
            marketplace: Marketplace::Ozon,
            ..
        } => "Ozon offers no way to change a sent answer: its API has no such method".into(),
        EditRefusal::NotSupported {
            channel: Channel::Chat,
            ..
        } => "A sent chat message cannot be changed".into(),
        EditRefusal::NotSupported { .. } => {
            "Only a WB review answer can be edited here; edit a question's answer in the WB \
             seller portal"
                .into()
        }
        EditRefusal::NotAnswered => "Nothing to edit: there is no answer yet".into(),
        EditRefusal::InFlight => "The answer is still on its way: edit it once it is out".into(),
        EditRefusal::Used => "WB lets an answer be edited once, within 60 days: this one can \
             no longer be changed"
            .into(),
        EditRefusal::Unchanged => "The text is unchanged: nothing to edit".into(),
    }
}

fn query_error(e: &QueryError) -> String {
    e.to_string()
}

fn channel_short(c: Channel) -> &'static str {
    match c {
        Channel::Review => "Rev",
        Channel::Question => "Qst",
        Channel::Chat => "Cht",
    }
}

fn channel_name(c: Channel) -> &'static str {
    match c {
        Channel::Review => "Review",
        Channel::Question => "Question",
        Channel::Chat => "Chat",
    }
}

fn answer_state(s: AnswerState) -> &'static str {
    match s {
        AnswerState::Open => "waiting",
        AnswerState::Pending => "reply on its way",
        AnswerState::Answered => "answered",
        AnswerState::Archived => "archived",
    }
}

fn answered(a: AnswerFilter) -> &'static str {
    match a {
        AnswerFilter::Unanswered => "unanswered",
        AnswerFilter::Answered => "answered",
        AnswerFilter::All => "any state",
    }
}

fn sort(s: QueueSort) -> &'static str {
    match s {
        QueueSort::Deadline => "by deadline",
        QueueSort::Priority => "by priority",
        QueueSort::Newest => "newest first",
    }
}

fn moderation(m: ModerationState) -> &'static str {
    match m {
        ModerationState::Published => "published",
        ModerationState::UnderReview => "under review",
        ModerationState::Rejected => "rejected by moderation",
    }
}

fn sender(s: Sender) -> &'static str {
    match s {
        Sender::Buyer => "Customer",
        Sender::Seller => "Seller",
    }
}

fn screen(s: Screen) -> &'static str {
    match s {
        Screen::Inbox => "Inbox",
        Screen::SyncHealth => "Sync health",
        Screen::Analytics => "Analytics",
        Screen::Settings => "Settings",
        Screen::AuditLog => "Audit log",
        Screen::CustomerHistory => "Customer history",
    }
}

fn layer(l: Layer) -> &'static str {
    match l {
        Layer::Global => "Everywhere",
        Layer::Queue => "Queue",
        Layer::Detail => "Details",
        Layer::Editor => "Reply editor",
        Layer::Confirm => "Confirmation",
        Layer::Search => "Search and filter line",
        Layer::Screen => "Full screens: sync health, audit log, analytics, settings",
        Layer::Picker => "Template picker",
        Layer::Help => "Help",
        Layer::Override => "Override a guardrail block",
    }
}

fn action(a: &Action) -> &'static str {
    match a {
        Action::MoveDown => "down",
        Action::MoveUp => "up",
        Action::Top => "to the top",
        Action::Bottom => "to the bottom",
        Action::PageDown => "page down",
        Action::PageUp => "page up",
        Action::TabAll => "all channels",
        Action::TabReviews => "reviews",
        Action::TabQuestions => "questions",
        Action::TabChats => "chats",
        Action::NextTab => "next tab",
        Action::PrevTab => "previous tab",
        Action::ToggleBreached => "overdue only",
        Action::CycleAccount => "account: all / one by one",
        Action::CycleMarketplace => "marketplace: all / WB / Ozon",
        Action::CycleAnswered => "unanswered / answered / all",
        Action::CycleSort => "order: deadline / priority / newest",
        Action::Filter => "filter with a query",
        Action::ClearFilters => "clear filters",
        Action::Search => "search the whole history",
        Action::SearchNext => "next result",
        Action::SearchPrev => "previous result",
        Action::FocusDetail => "to the details",
        Action::FocusQueue => "to the queue",
        Action::Reply => "reply",
        Action::Send => "send",
        Action::Regenerate => "another draft",
        Action::Undo => "undo",
        Action::Redo => "redo",
        Action::ExternalEditor => "edit in $EDITOR",
        Action::InsertTemplate => "insert a template",
        Action::Confirm => "confirm",
        Action::Cancel => "cancel",
        Action::SyncNow => "sync now",
        Action::Refresh => "re-read",
        Action::ScreenInbox => "inbox",
        Action::ScreenSyncHealth => "sync health",
        Action::ScreenAuditLog => "audit log",
        Action::Help => "help",
        Action::Quit => "quit",
        Action::ScreenAnalytics => "analytics",
        Action::ScreenSettings => "settings",
        Action::CyclePeriod => "period: 7 / 30 / 90 days",
        Action::ResetSetting => {
            "reset the field (global value or default); on the Learnt tab, forget the entry"
        }
        Action::UndoAutoReply => "undo the auto-reply",
        Action::StopAutoReplies => "turn every auto-reply off",
        Action::GoLive => "make the account's auto-replies live (confirmed)",
        Action::EditAnswer => "edit the sent answer (WB review, once)",
        Action::CorrectIntent => "correct the item's intent",
        Action::ExperimentStart => "start an experiment with the chosen versions",
        Action::ExperimentPause => "pause or resume the experiment",
        Action::ExperimentStop => "stop the experiment (confirmed)",
        Action::Claim => "team: claim the item (or the next one)",
        Action::Release => "team: release your claim",
        Action::Assign => "team: assign to a person",
        Action::MyItems => "team: my items only",
        Action::CustomerHistory => "the customer's full history",
        _ => "",
    }
}

fn analytics_period(days: u32) -> String {
    match days {
        1 => "today".into(),
        n => format!("last {n} days"),
    }
}

fn analytics_auto(sent: u64, all: u64, share: &str) -> String {
    format!("Auto-replies: {sent} of {all} sent ({share}), not counted in draft acceptance")
}

fn analytics_version_row(
    version: &str,
    replies: u64,
    acceptance: &str,
    edit: &str,
    harmful: &str,
    open_to_send: &str,
) -> String {
    format!(
        "  {version}: {replies} replies · accepted {acceptance} · edit {edit} · harmful {harmful} · open→send {open_to_send}"
    )
}

fn analytics_version_verdict(v: &crate::experiments::Verdict) -> String {
    use crate::experiments::Verdict;
    match v {
        Verdict::NothingToCompare => "  Nothing to compare yet: fewer than two versions have replies.".into(),
        Verdict::NotEnoughData { needed, smallest } => format!(
            "  Not enough data to call a winner yet: each version needs {needed} replies, the smallest has {smallest}."
        ),
        Verdict::NoClearWinner { leader, p_value } => format!(
            "  No clear winner yet: {leader} leads, the difference is not significant (p = {p_value:.2})."
        ),
        Verdict::Winner { version, p_value } => {
            format!("  Winner: {version} — accepted more often than every other version (p = {p_value:.3}).")
        }
    }
}

fn metric_name(k: crate::analytics::MetricKind) -> &'static str {
    use crate::analytics::MetricKind;
    match k {
        MetricKind::QuestionsSla => "Questions within SLA",
        MetricKind::Reviews24h => "Reviews answered in 24 h",
        MetricKind::DraftAcceptance => "Drafts sent as written",
        MetricKind::HarmfulRate => "Replies breaking a rule",
        MetricKind::SyncSuccess => "Sync runs succeeded",
    }
}

fn setting_source(s: crate::tui::settings_form::Source) -> &'static str {
    use crate::tui::settings_form::Source;
    match s {
        Source::Default => "default",
        Source::Global => "global",
        Source::Account => "this account",
    }
}

fn learnt_kind(kind: &str) -> &'static str {
    match kind {
        "avoid" => "deleted",
        "opening" => "opening",
        "closing" => "sign-off",
        "body" => "added",
        "length" => "length",
        _ => "other",
    }
}

fn learnt_seen(seen: i64, in_use: bool) -> String {
    if in_use {
        format!("{seen}× in use")
    } else {
        format!("{seen}× learning")
    }
}

fn settings_section(key: &str) -> &'static str {
    match key {
        "sla" => "SLA targets",
        "priority" => "Priority",
        "working_hours" => "Working hours",
        "notifications" => "Notifications",
        "auto_response" => "Auto-replies",
        "guardrails" => "Banned phrases",
        "revenue" => "Revenue factors",
        "linking" => "Customer linking",
        "learning" => "Draft learning",
        "learnt" => "Learnt",
        "experiment" => "Experiment",
        "templates" => "Templates",
        _ => "Other",
    }
}

fn revenue_at_risk(amount: &str) -> String {
    format!("Revenue at risk ≈ {amount}")
}

fn revenue_protected(amount: &str) -> String {
    format!("Revenue protected ≈ {amount}")
}

fn revenue_pending(amount: &str, by: &str) -> String {
    format!("Answer by {by} to protect ≈ {amount}")
}

fn analytics_complaints(n: u32) -> String {
    match n {
        1 => "1 complaint".into(),
        n => format!("{n} complaints"),
    }
}
fn override_hint(word: &str, key: &str) -> String {
    format!("Type {word} and press {key} to send")
}

fn confirm_warnings(n: usize) -> String {
    match n {
        1 => "1 warning".into(),
        n => format!("{n} warnings"),
    }
}

fn auto_reply_in(secs: i64) -> String {
    format!("auto in {secs}s")
}

fn draft_reason(reason: &str) -> &str {
    use crate::ai::confidence_reason::*;
    match reason {
        FROM_CARD => "answered from the card",
        NOT_IN_CARD => "not on the card",
        NO_CARD => "no product card",
        NOT_RECOGNISED => "question not matched to the card",
        PROBLEM_NAMED => "problem named",
        PROBLEM_UNCLEAR => "problem not recognised",
        RARE_INTENT => "rare intent",
        UNSURE_INTENT => "unsure of the intent",
        ESCALATION => "escalation",
        GUARDRAIL_WARNING => "guardrail warning",
        REUSED => "your approved answer",
        LLM => "LLM draft",
        NO_TEMPLATE_FITS => "no template passed the checks",
        other => other,
    }
}

fn draft_source(source: crate::ai::DraftSource) -> &'static str {
    use crate::ai::DraftSource::*;
    match source {
        Template => "template",
        Reuse => "your earlier answer",
        Llm => "LLM",
        Manual => "typed",
    }
}

fn customer_items(items: usize, open: usize) -> String {
    let word = if items == 1 { "item" } else { "items" };
    if open > 0 {
        format!("{items} {word}, {open} unanswered")
    } else {
        format!("{items} {word}")
    }
}

fn customer_history_key(key: &str) -> String {
    format!("{key} — full history")
}

fn experiment_line(name: &str, state: &str, since: &str) -> String {
    format!("Experiment '{name}': {state}, since {since}")
}

fn experiment_state(state: crate::experiments::State) -> &'static str {
    match state {
        crate::experiments::State::Running => "running",
        crate::experiments::State::Paused => "paused",
        crate::experiments::State::Stopped => "stopped",
    }
}

fn experiment_catalog_error(e: &str) -> String {
    format!("Your versions in the config folder are not usable (shipped ones shown): {e}")
}
