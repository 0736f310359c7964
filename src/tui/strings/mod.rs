//! Every piece of text the inbox shows, in one table per language ([`ru`], [`en`]).
//! Nothing outside this module spells out UI text. Drafts are Russian whatever the UI
//! language is; they come from `crate::ai`, not from here.

mod en;
mod ru;

use crate::domain::{AnswerState, Channel, ModerationState, Sender};
use crate::store::search::QueryError;
use crate::store::{AnswerFilter, QueueSort};

use super::action::Action;
use super::keymap::Layer;
use super::state::{Notice, Screen};
use super::Lang;

pub use en::EN;
pub use ru::RU;

/// One language's UI text.
pub struct Strings {
    pub tab_all: &'static str,
    pub tab_reviews: &'static str,
    pub tab_questions: &'static str,
    pub tab_chats: &'static str,
    pub breached_filter: &'static str,

    pub queue_title: &'static str,
    pub search_title: &'static str,
    pub queue_empty: &'static str,
    pub queue_empty_breached: &'static str,
    pub queue_empty_filtered: &'static str,
    pub queue_empty_search: &'static str,
    pub loading: &'static str,
    pub send_failed_mark: &'static str,

    pub detail_title: &'static str,
    pub no_selection: &'static str,
    pub label_product: &'static str,
    pub label_brand: &'static str,
    pub label_article: &'static str,
    pub label_customer: &'static str,
    pub label_account: &'static str,
    pub label_created: &'static str,
    pub label_deadline: &'static str,
    pub label_pros: &'static str,
    pub label_cons: &'static str,
    pub label_photos: &'static str,
    pub label_thread: &'static str,
    pub label_answer: &'static str,
    pub label_text: &'static str,
    pub label_state: &'static str,
    pub unknown_product: &'static str,
    pub unknown_customer: &'static str,
    pub answer_pending: &'static str,
    pub answer_editable: &'static str,
    /// The customer block of the detail pane and the history screen.
    pub customer_first_time: &'static str,
    /// "4 обращения, без ответа 1".
    pub customer_items: fn(usize, usize) -> String,
    pub customer_by_name: &'static str,
    pub label_products: &'static str,
    pub label_channels: &'static str,
    pub label_ratings: &'static str,
    pub label_tone: &'static str,
    pub label_channel: &'static str,
    pub label_rating: &'static str,
    /// "o — вся история".
    pub customer_history_key: fn(&str) -> String,

    pub editor_title: &'static str,
    /// The editor's title when it edits a published answer.
    pub edit_title: &'static str,
    /// Before the time left to reply (an Ozon chat), e.g. "ответить: ещё 5ч12м".
    pub reply_window_left: &'static str,
    pub reply_window_closed: &'static str,
    /// Where a draft came from, in the editor's title.
    pub draft_source: fn(crate::ai::DraftSource) -> &'static str,
    /// A reason the drafter gave for its confidence (stored as the drafter wrote it, in
    /// Russian), in this language.
    pub draft_reason: fn(&str) -> &str,
    pub confirm_title: &'static str,
    pub confirm_question: &'static str,
    pub confirm_yes: &'static str,
    pub confirm_no: &'static str,

    pub prompt_search: &'static str,
    pub prompt_filter: &'static str,
    pub prompt_search_placeholder: &'static str,
    pub prompt_filter_placeholder: &'static str,

    pub picker_title: &'static str,
    /// The intent picker's title (`correct_intent`).
    pub intent_picker_title: &'static str,
    pub help_title: &'static str,
    pub help_footer: &'static str,
    pub help_filter: &'static str,
    pub help_no_match: &'static str,
    /// Heads the help overlay's list of keymap and theme problems.
    pub help_config_problems: &'static str,

    pub health_empty: &'static str,
    pub health_account: &'static str,
    pub health_connector: &'static str,
    pub health_last_run: &'static str,
    pub health_last_success: &'static str,
    pub health_success: &'static str,
    pub health_items: &'static str,
    pub health_failures: &'static str,
    pub health_error: &'static str,
    pub health_running: &'static str,
    /// "requests: N" of the latest run, in the footer.
    pub health_requests: &'static str,
    pub never: &'static str,

    pub audit_empty: &'static str,
    pub audit_time: &'static str,
    pub audit_actor: &'static str,
    pub audit_action: &'static str,
    pub audit_item: &'static str,
    pub audit_detail: &'static str,

    pub syncing: &'static str,
    pub sync_error: &'static str,
    /// The LLM does not answer: drafts come from templates and past answers meanwhile.
    pub llm_down: &'static str,
    pub outbox_empty: &'static str,

    /// Units of the SLA countdown: minutes, hours, days.
    pub unit_minute: &'static str,
    pub unit_hour: &'static str,
    pub unit_day: &'static str,

    pub sync_done: fn(new: usize, changed: usize, at: &str) -> String,
    /// A first sync against the marketplace's count, with the time left when known:
    /// "3 200 / 6 030 отзывов, ~40 с".
    pub sync_progress: fn(
        seen: u64,
        total: Option<u64>,
        channel: Channel,
        left: Option<chrono::Duration>,
    ) -> String,
    pub offline_since: fn(at: &str) -> String,
    /// The marketplace refused the account's credentials (HTTP `status`): the fix.
    pub token_refused: fn(status: &str) -> String,
    pub outbox: fn(n: usize) -> String,
    /// Another process syncs: "sync: daemon pid 4242".
    pub sync_by: fn(who: &str) -> String,
    /// Replies of a shop that no running process can send.
    pub waiting_for_process: fn(shop: &str, n: usize) -> String,
    /// Replies accepted by the marketplace, not yet published.
    pub awaiting_publication: fn(n: usize) -> String,
    pub notice: fn(&Notice) -> String,
    pub query_error: fn(&QueryError) -> String,
    pub channel_short: fn(Channel) -> &'static str,
    pub channel_name: fn(Channel) -> &'static str,
    pub answer_state: fn(AnswerState) -> &'static str,
    pub answered: fn(AnswerFilter) -> &'static str,
    pub sort: fn(QueueSort) -> &'static str,
    pub moderation: fn(ModerationState) -> &'static str,
    pub sender: fn(Sender) -> &'static str,
    pub screen: fn(Screen) -> &'static str,
    pub layer: fn(Layer) -> &'static str,
    pub action: fn(&Action) -> &'static str,

    pub analytics_all_accounts: &'static str,
    pub analytics_computing: &'static str,
    pub analytics_metric: &'static str,
    pub analytics_value: &'static str,
    pub analytics_count: &'static str,
    pub analytics_target: &'static str,
    pub analytics_previous: &'static str,
    pub analytics_change: &'static str,
    pub analytics_by_day: &'static str,
    pub analytics_no_data: &'static str,
    pub analytics_at_risk: &'static str,
    pub analytics_protected: &'static str,
    pub analytics_top_products: &'static str,
    pub analytics_no_complaints: &'static str,
    /// "5 complaints", in the language's plural form.
    pub analytics_complaints: fn(n: u32) -> String,
    pub analytics_overdue: &'static str,
    /// Percentage points, the unit of a change between two percentages.
    pub unit_pp: &'static str,
    /// "the last 30 days"
    pub analytics_period: fn(days: u32) -> String,
    /// Auto-replies: sent of all replies sent, their share.
    pub analytics_auto: fn(sent: u64, all: u64, share: &str) -> String,
    /// No reply of the period was sent from a versioned draft.
    pub analytics_versions_none: &'static str,
    /// One prompt/template version: replies, acceptance with its interval, mean edit
    /// distance, harmful share, median time from opening the editor to sending.
    pub analytics_version_row: fn(
        version: &str,
        replies: u64,
        acceptance: &str,
        edit: &str,
        harmful: &str,
        open_to_send: &str,
    ) -> String,
    /// Whether a winner between the versions can be called, in plain words.
    pub analytics_version_verdict: fn(&crate::experiments::Verdict) -> String,
    pub metric_name: fn(crate::analytics::MetricKind) -> &'static str,

    pub settings_global: &'static str,
    pub settings_field: &'static str,
    pub settings_value: &'static str,
    pub settings_source: &'static str,
    pub settings_empty: &'static str,
    pub settings_prompt_placeholder: &'static str,
    /// The go-live prompt's label; the word to type.
    pub go_live_prompt: &'static str,
    pub live_word: &'static str,
    pub settings_editor_title: &'static str,
    pub settings_edit: &'static str,
    pub settings_scope_hint: &'static str,
    pub settings_save: &'static str,
    pub setting_source: fn(crate::tui::settings_form::Source) -> &'static str,
    /// A settings section's name by its key (`sla`, `templates`, ...).
    pub settings_section: fn(&str) -> &'static str,
    /// The "learnt" tab: its name, what it says at the global scope and when empty, its
    /// columns (kind, channel, phrase, seen), a kind's name, the seen column, its key hint.
    pub learnt_needs_account: &'static str,
    pub learnt_empty: &'static str,
    pub learnt_columns: [&'static str; 4],
    pub learnt_kind: fn(&str) -> &'static str,
    pub learnt_seen: fn(seen: i64, in_use: bool) -> String,
    pub learnt_hint: &'static str,
    /// The "experiment" tab: the current experiment's line (name, state, since), a
    /// state's name, what it says with no experiment yet, the columns of the current
    /// experiment's figures (version, weight, replies, accepted, mean edit distance), the
    /// title over the versions for a new one, its key hint, the line when the seller's
    /// versions cannot be read, and the name prompt.
    pub experiment_line: fn(name: &str, state: &str, since: &str) -> String,
    pub experiment_state: fn(crate::experiments::State) -> &'static str,
    pub experiment_none: &'static str,
    pub experiment_columns: [&'static str; 5],
    pub experiment_versions_title: &'static str,
    pub experiment_hint: &'static str,
    pub experiment_catalog_error: fn(&str) -> String,
    pub experiment_name_prompt: &'static str,
    pub experiment_name_placeholder: &'static str,

    /// The detail pane's revenue line: roubles at risk, protected, or to play for by a
    /// time.
    pub revenue_at_risk: fn(amount: &str) -> String,
    pub revenue_protected: fn(amount: &str) -> String,
    pub revenue_pending: fn(amount: &str, by: &str) -> String,
    /// What the seller types to send a reply the guardrails block.
    pub override_word: &'static str,
    pub override_title: &'static str,
    pub override_question: &'static str,
    /// "type {word} and press {key}"
    pub override_hint: fn(word: &str, key: &str) -> String,
    pub finding_warn: &'static str,
    pub finding_block: &'static str,
    pub findings_none: &'static str,
    /// "{n} warning(s)" in the send confirmation.
    pub confirm_warnings: fn(n: usize) -> String,
    /// The queue's countdown of an auto-reply's undo window.
    pub auto_reply_in: fn(secs: i64) -> String,
}

impl Strings {
    pub fn for_lang(lang: Lang) -> &'static Strings {
        match lang {
            Lang::Ru => &RU,
            Lang::En => &EN,
        }
    }
}

/// The Russian table: the default, and what tests render with.
pub fn current() -> &'static Strings {
    &RU
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Channel;
    use crate::store::search::{parse_query, Key, QueryErrorKind};

    fn tables() -> [(&'static str, &'static Strings); 2] {
        [("ru", &RU), ("en", &EN)]
    }

    fn notices() -> Vec<Notice> {
        let query = parse_query("colour:red").expect_err("bad query");
        vec![
            Notice::EmptyReply,
            Notice::TooLong { len: 9, max: 5 },
            Notice::TooShort { len: 1, min: 2 },
            Notice::Queued,
            Notice::NothingSelected,
            Notice::AlreadySending,
            Notice::NotOpen,
            Notice::DetailLoading,
            Notice::CommandFailed,
            Notice::LoadFailed("x".into()),
            Notice::SyncRequested,
            Notice::DraftRegenerated,
            Notice::BadQuery(query),
            Notice::NoSearch,
            Notice::ConfigProblem("keymap.toml:1: x".into()),
            Notice::ExternalEditorFailed("vi".into()),
            Notice::ExternalEditorDone,
            Notice::NoTemplates,
            Notice::NoCustomer,
            Notice::SettingRefused {
                field: "sla.urgent.target".into(),
                reason: "x".into(),
            },
            Notice::SettingSaved,
            Notice::LearntForgotten,
            Notice::IntentCorrected(crate::ai::Intent::Thanks),
            Notice::IntentNotCorrected("x".into()),
            Notice::SettingNotOverridden,
            Notice::OverrideWordNeeded("SEND".into()),
            Notice::AutoReplyUndoing,
            Notice::AutoReplyUndone,
            Notice::AutoReplyGone,
            Notice::NoAutoReply,
            Notice::AutoRepliesStopping,
            Notice::AutoRepliesStopped(3),
            Notice::AutoRepliesStopFailed("x".into()),
            Notice::GoLiveNeedsAccount,
            Notice::GoLiveFigures(Default::default()),
            Notice::GoLiveWordNeeded("ENABLE".into()),
            Notice::AutoRepliesLive,
            Notice::GoLiveFailed("x".into()),
            Notice::ExperimentNeedsVersions,
            Notice::ExperimentNeedsName,
            Notice::ExperimentNoneActive,
            Notice::ExperimentStopAsk("x".into()),
            Notice::ExperimentChanged("x".into(), crate::experiments::State::Paused),
            Notice::ExperimentRefused("x".into()),
            Notice::EditQueued,
            Notice::EditRefused(crate::domain::EditRefusal::Used),
            Notice::EditRefused(crate::domain::EditRefusal::NotAnswered),
            Notice::EditRefused(crate::domain::EditRefusal::InFlight),
            Notice::EditRefused(crate::domain::EditRefusal::Unchanged),
            Notice::EditRefused(crate::domain::EditRefusal::NotSupported {
                marketplace: crate::domain::Marketplace::Ozon,
                channel: Channel::Review,
            }),
            Notice::EditRefused(crate::domain::EditRefusal::NotSupported {
                marketplace: crate::domain::Marketplace::Wb,
                channel: Channel::Question,
            }),
        ]
    }

    #[test]
    fn every_action_layer_and_notice_has_text_in_both_languages() {
        for (lang, s) in tables() {
            for a in Action::BINDABLE {
                assert!(!(s.action)(a).is_empty(), "{lang}: {a:?}");
            }
            for l in Layer::ALL {
                assert!(!(s.layer)(l).is_empty(), "{lang}: {l:?}");
            }
            for n in notices() {
                assert!(!(s.notice)(&n).is_empty(), "{lang}: {n:?}");
            }
            for sc in [
                Screen::Inbox,
                Screen::SyncHealth,
                Screen::AuditLog,
                Screen::Analytics,
                Screen::Settings,
                Screen::CustomerHistory,
            ] {
                assert!(!(s.screen)(sc).is_empty(), "{lang}: {sc:?}");
            }
            for k in crate::analytics::MetricKind::ALL {
                assert!(!(s.metric_name)(k).is_empty(), "{lang}: {k:?}");
            }
            for e in crate::tui::settings_sections::EDITABLE {
                assert!(!(s.settings_section)(e.key).is_empty(), "{lang}: {}", e.key);
            }
            for c in Channel::ALL {
                assert!(!(s.channel_name)(c).is_empty());
            }
        }
    }

    #[test]
    fn english_has_no_russian_and_differs_from_russian() {
        let cyrillic = |t: &str| t.chars().any(|c| ('\u{400}'..='\u{4FF}').contains(&c));
        for a in Action::BINDABLE {
            assert!(!cyrillic((EN.action)(a)), "{a:?}");
            assert_ne!((EN.action)(a), (RU.action)(a), "{a:?}");
        }
        for n in notices() {
            let text = (EN.notice)(&n);
            assert!(!cyrillic(&text), "{text}");
        }
        for t in [
            EN.tab_all,
            EN.queue_title,
            EN.help_title,
            EN.health_account,
            EN.audit_time,
        ] {
            assert!(!cyrillic(t), "{t}");
        }
    }

    #[test]
    fn complaints_take_the_russian_plural() {
        let ru: Vec<String> = [1, 2, 5, 11, 21, 24].map(RU.analytics_complaints).into();
        assert_eq!(
            ru,
            [
                "1 жалоба",
                "2 жалобы",
                "5 жалоб",
                "11 жалоб",
                "21 жалоба",
                "24 жалобы"
            ]
        );
        assert_eq!((EN.analytics_complaints)(1), "1 complaint");
    }

    #[test]
    fn query_errors_read_in_both_languages() {
        let e = parse_query("rating:9").expect_err("bad");
        assert_eq!(
            (RU.query_error)(&e),
            "позиция 1: rating:9 — непонятное значение; нужно число звёзд 1–5, например 2, <=2, >3, 4-5"
        );
        assert_eq!(
            (EN.query_error)(&e),
            "at 1: rating:9 is not understood; expected a number of stars 1-5, e.g. 2, <=2, >3, 4-5"
        );
        let unknown = QueryError {
            at: 0,
            kind: QueryErrorKind::EmptyValue(Key::Sort),
        };
        assert!((RU.query_error)(&unknown).contains("sort"));
    }
}
