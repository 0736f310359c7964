//! The analytics and settings screens, and the per-account priority rules the queue
//! takes from a full read.

use std::sync::Arc;

use super::*;
use crate::analytics::MetricsQuery;
use crate::protocol::Event;
use crate::settings::editable::Layers;
use crate::settings::Scope;
use crate::tui::settings_sections::EDITABLE;
use crate::tui::state::{Mode, Notice, PromptKind, Screen};

fn analytics_requests(fake: &Fake) -> Vec<(u64, MetricsQuery)> {
    fake.other
        .iter()
        .filter_map(|e| match e {
            Effect::LoadAnalytics(r) => Some((r.request, r.query.clone())),
            _ => None,
        })
        .collect()
}

pub(super) fn default_layers() -> Vec<Layers> {
    EDITABLE
        .iter()
        .map(|e| Layers {
            key: e.key,
            default: e.default_value().expect("default"),
            global: None,
            account: None,
        })
        .collect()
}

fn saves(commands: &[Command]) -> Vec<(Scope, String, Option<serde_json::Value>)> {
    commands
        .iter()
        .filter_map(|c| match c {
            Command::SaveSetting { scope, key, layer } => {
                Some((*scope, key.clone(), layer.clone()))
            }
            _ => None,
        })
        .collect()
}

#[test]
fn analytics_opens_asks_for_the_week_and_walks_periods_and_accounts() {
    let (mut state, mut fake) = started(3);
    fake.act(&mut state, Action::ScreenAnalytics);
    assert_eq!(
        (state.screen, state.mode),
        (Screen::Analytics, Mode::Screen)
    );
    assert!(state.analytics.loading);
    let asked = analytics_requests(&fake);
    assert_eq!(asked.len(), 1);
    assert_eq!(asked[0].1, MetricsQuery::last_days(t0(), 7));
    fake.act(&mut state, Action::CyclePeriod);
    fake.act(&mut state, Action::CyclePeriod);
    assert_eq!(state.analytics.days, 90);
    fake.act(&mut state, Action::CyclePeriod);
    assert_eq!(state.analytics.days, 7);
    fake.act(&mut state, Action::CycleAccount);
    assert_eq!(state.analytics.account, Some(1));
    fake.act(&mut state, Action::CycleAccount);
    fake.act(&mut state, Action::CycleAccount);
    assert_eq!(state.analytics.account, None, "all → 1 → 2 → all");
    let asked = analytics_requests(&fake);
    assert_eq!(asked.len(), 7);
    assert_eq!(
        asked[4].1,
        MetricsQuery::last_days(t0(), 7).account(Some(1))
    );
    assert_eq!(asked[1].1, MetricsQuery::last_days(t0(), 30));
    // The inbox's lens did not move.
    assert_eq!(state.lens.account, None);
    fake.act(&mut state, Action::Refresh);
    assert_eq!(analytics_requests(&fake).len(), 8);
    fake.act(&mut state, Action::MoveDown);
    fake.act(&mut state, Action::Bottom);
    assert_eq!(state.analytics.selected, 4);
    fake.act(&mut state, Action::Top);
    assert_eq!(state.analytics.selected, 0);
    fake.act(&mut state, Action::Cancel);
    assert_eq!((state.screen, state.mode), (Screen::Inbox, Mode::Queue));
}

#[test]
fn only_the_latest_analytics_answer_is_taken() {
    let (mut state, mut fake) = started(3);
    fake.act(&mut state, Action::ScreenAnalytics);
    fake.act(&mut state, Action::CyclePeriod);
    let latest = state.analytics.request;
    update(
        &mut state,
        Action::AnalyticsLoaded {
            request: latest - 1,
            result: Err("old".into()),
        },
    );
    assert!(state.analytics.loading, "an older answer is dropped");
    assert_eq!(state.notice, None);
    update(
        &mut state,
        Action::AnalyticsLoaded {
            request: latest,
            result: Err("disk I/O error".into()),
        },
    );
    assert!(!state.analytics.loading);
    assert_eq!(
        state.current_notice(),
        Some(&Notice::LoadFailed("disk I/O error".into()))
    );
    // While idle, a change in the outbox asks again; while loading, it does not.
    let before = analytics_requests(&fake).len();
    fake.act(&mut state, Action::Background(Event::OutboxChanged));
    assert_eq!(analytics_requests(&fake).len(), before + 1);
    fake.act(&mut state, Action::Background(Event::OutboxChanged));
    assert_eq!(analytics_requests(&fake).len(), before + 1);
}

pub(super) fn settings_open() -> (AppState, Fake) {
    let (mut state, mut fake) = started(3);
    fake.act(&mut state, Action::ScreenSettings);
    assert_eq!((state.screen, state.mode), (Screen::Settings, Mode::Screen));
    assert!(fake.other.contains(&Effect::LoadSettings(Scope::Global)));
    fake.act(
        &mut state,
        Action::SettingsLoaded {
            scope: Scope::Global,
            sections: default_layers(),
        },
    );
    (state, fake)
}

fn select(state: &mut AppState, fake: &mut Fake, section: &str, field: &str) {
    while state.settings.current().map(|l| l.key) != Some(section) {
        fake.act(state, Action::NextTab);
    }
    let at = state
        .settings
        .fields
        .iter()
        .position(|f| f.name() == field)
        .expect("field");
    fake.act(state, Action::Top);
    for _ in 0..at {
        fake.act(state, Action::MoveDown);
    }
}

#[test]
fn settings_sections_and_scopes_are_walked() {
    let (mut state, mut fake) = settings_open();
    assert_eq!(state.settings.current().map(|l| l.key), Some("sla"));
    assert_eq!(
        state.settings.selected_field().map(|f| f.name()),
        Some("critical.deadline".into())
    );
    fake.act(&mut state, Action::PrevTab);
    assert!(
        state.settings.on_experiment_tab(),
        "the experiment tab comes last"
    );
    fake.act(&mut state, Action::PrevTab);
    assert!(state.settings.on_learnt_tab(), "the learnt tab before it");
    fake.act(&mut state, Action::PrevTab);
    assert_eq!(state.settings.current().map(|l| l.key), Some("templates"));
    fake.act(&mut state, Action::NextTab);
    fake.act(&mut state, Action::NextTab);
    fake.act(&mut state, Action::NextTab);
    fake.act(&mut state, Action::NextTab);
    assert_eq!(state.settings.current().map(|l| l.key), Some("priority"));
    fake.act(&mut state, Action::CycleAccount);
    assert_eq!(state.settings.scope, Scope::Account(1));
    assert_eq!(state.settings.sections, None, "re-read for the account");
    assert_eq!(
        fake.other[fake.other.len() - 2..],
        [
            Effect::LoadSettings(Scope::Account(1)),
            Effect::LoadLearnt(1)
        ]
    );
    // An answer for the scope just left is dropped.
    update(
        &mut state,
        Action::SettingsLoaded {
            scope: Scope::Global,
            sections: default_layers(),
        },
    );
    assert_eq!(state.settings.sections, None);
    fake.act(&mut state, Action::CycleAccount);
    fake.act(&mut state, Action::CycleAccount);
    assert_eq!(state.settings.scope, Scope::Global);
    // The inbox lens is untouched.
    assert_eq!(state.lens.account, None);
}

#[test]
fn a_switch_flips_and_a_number_goes_through_the_prompt() {
    let (mut state, mut fake) = settings_open();
    select(&mut state, &mut fake, "notifications", "bell");
    let sent = fake.act(&mut state, Action::Confirm);
    assert_eq!(
        saves(&sent),
        vec![(
            Scope::Global,
            "notifications".to_string(),
            Some(serde_json::json!({"bell": true}))
        )]
    );
    assert_eq!(state.mode, Mode::Screen);
    assert_eq!(
        state.settings.selected_field().map(|f| f.value.clone()),
        Some(serde_json::json!(true)),
        "shown at once"
    );
    select(&mut state, &mut fake, "notifications", "batch_from");
    fake.act(&mut state, Action::Confirm);
    assert_eq!(state.mode, Mode::Prompt);
    assert_eq!(
        state.prompt.as_ref().map(|p| (p.kind, p.text())),
        Some((PromptKind::Setting, "3".to_string()))
    );
    type_prompt(&mut state, "5");
    let sent = fake.act(&mut state, Action::Confirm);
    let saved = saves(&sent);
    assert_eq!(saved.len(), 1);
    assert_eq!(
        saved[0].2,
        Some(serde_json::json!({"bell": true, "batch_from": 35}))
    );
    assert_eq!(state.mode, Mode::Screen);
    // The answer: a notice and a fresh read.
    fake.act(
        &mut state,
        Action::Background(Event::SettingSaved {
            key: "notifications".into(),
            error: None,
        }),
    );
    assert_eq!(state.current_notice(), Some(&Notice::SettingSaved));
    assert_eq!(
        fake.other.last(),
        Some(&Effect::LoadSettings(Scope::Global))
    );
}

#[test]
fn a_bad_value_keeps_the_prompt_and_sends_nothing() {
    let (mut state, mut fake) = settings_open();
    select(&mut state, &mut fake, "sla", "urgent.target");
    fake.act(&mut state, Action::Confirm);
    type_prompt(&mut state, "0");
    let sent = fake.act(&mut state, Action::Confirm);
    assert!(saves(&sent).is_empty());
    assert_eq!(state.mode, Mode::Prompt);
    assert!(
        matches!(
            state.current_notice(),
            Some(Notice::SettingRefused { field, reason })
                if field == "urgent.target" && reason.contains("позже срока")
        ),
        "the reason in the UI's language: {:?}",
        state.current_notice()
    );
    // In English, in English; and a value that is not a number says so.
    state.lang = crate::tui::Lang::En;
    fake.act(&mut state, Action::Confirm);
    assert!(
        matches!(
            state.current_notice(),
            Some(Notice::SettingRefused { reason, .. }) if reason.contains("after deadline")
        ),
        "{:?}",
        state.current_notice()
    );
    state.lang = crate::tui::Lang::Ru;
    type_prompt(&mut state, "x");
    fake.act(&mut state, Action::Confirm);
    assert!(
        matches!(
            state.current_notice(),
            Some(Notice::SettingRefused { reason, .. }) if reason == "нужно число"
        ),
        "{:?}",
        state.current_notice()
    );
    fake.act(&mut state, Action::Cancel);
    assert_eq!((state.mode, state.prompt.is_none()), (Mode::Screen, true));
    assert_eq!(
        state.settings.selected_field().map(|f| f.value.clone()),
        Some(serde_json::json!(30))
    );
    // The services refused it after all: the message, and the stored value read back.
    fake.act(
        &mut state,
        Action::Background(Event::SettingSaved {
            key: "sla".into(),
            error: Some("disk full".into()),
        }),
    );
    assert!(matches!(
        state.current_notice(),
        Some(Notice::SettingRefused { reason, .. }) if reason == "disk full"
    ));
}

#[test]
fn reset_removes_only_this_scopes_value() {
    let (mut state, mut fake) = settings_open();
    fake.act(&mut state, Action::CycleAccount);
    let mut layers = default_layers();
    layers[1].global = Some(serde_json::json!({"urgent_max_rating": 1}));
    layers[1].account = Some(serde_json::json!({"urgent_max_rating": 3, "high_max_rating": 4}));
    fake.act(
        &mut state,
        Action::SettingsLoaded {
            scope: Scope::Account(1),
            sections: layers,
        },
    );
    select(&mut state, &mut fake, "priority", "urgent_max_rating");
    let field = state.settings.selected_field().cloned().expect("field");
    assert_eq!(field.value, serde_json::json!(3));
    assert_eq!(field.source, crate::tui::settings_form::Source::Account);
    let sent = fake.act(&mut state, Action::ResetSetting);
    assert_eq!(
        saves(&sent),
        vec![(
            Scope::Account(1),
            "priority".to_string(),
            Some(serde_json::json!({"high_max_rating": 4}))
        )]
    );
    let field = state.settings.selected_field().cloned().expect("field");
    assert_eq!(
        (field.value, field.source),
        (
            serde_json::json!(1),
            crate::tui::settings_form::Source::Global
        )
    );
    let sent = fake.act(&mut state, Action::ResetSetting);
    assert!(saves(&sent).is_empty());
    assert_eq!(state.current_notice(), Some(&Notice::SettingNotOverridden));
}

#[test]
fn a_list_opens_the_editor_and_saves_one_entry_per_line() {
    let (mut state, mut fake) = settings_open();
    select(&mut state, &mut fake, "guardrails", "banned_phrases");
    fake.act(&mut state, Action::Confirm);
    assert_eq!(state.mode, Mode::Editor);
    update(&mut state, Action::Paste("раз\n\nдва".into()));
    let sent = fake.act(&mut state, Action::Send);
    assert_eq!(
        saves(&sent),
        vec![(
            Scope::Global,
            "guardrails".to_string(),
            Some(serde_json::json!({"banned_phrases": ["раз", "два"]}))
        )]
    );
    assert_eq!(state.mode, Mode::Screen);
    assert!(state.settings.editing.is_none());
    // Esc leaves without saving.
    fake.act(&mut state, Action::Confirm);
    update(&mut state, Action::Paste("три".into()));
    let sent = fake.act(&mut state, Action::Cancel);
    assert!(saves(&sent).is_empty());
    assert_eq!(state.mode, Mode::Screen);
    assert_eq!(state.screen, Screen::Settings);
}

/// `$EDITOR` gives the list back with the line end editors put at the end of a file (and
/// CRLF from some): the list editor holds exactly the lines written, no empty last one.
#[test]
fn a_list_edited_in_the_external_editor_comes_back_line_for_line() {
    let (mut state, mut fake) = settings_open();
    select(&mut state, &mut fake, "guardrails", "banned_phrases");
    fake.act(&mut state, Action::Confirm);
    assert_eq!(state.mode, Mode::Editor);
    for returned in [
        "раз\n\nдва\n",
        "раз\n\nдва\n\n",
        "раз\r\n\r\nдва\r\n",
        "раз\n\nдва",
    ] {
        fake.act(&mut state, Action::ExternalEdited(Ok(returned.into())));
        let lines = state
            .settings
            .editing
            .as_ref()
            .and_then(|e| e.textarea.as_ref())
            .map(|t| t.lines().to_vec())
            .expect("the list editor");
        assert_eq!(lines, ["раз", "", "два"], "{returned:?}");
    }
}

#[test]
fn screen_keys_do_not_reach_the_inbox_from_sync_health() {
    let (mut state, mut fake) = started(3);
    fake.act(&mut state, Action::ScreenSyncHealth);
    let lens = state.lens.clone();
    for a in [
        Action::CycleAccount,
        Action::NextTab,
        Action::CyclePeriod,
        Action::Confirm,
        Action::ResetSetting,
    ] {
        fake.act(&mut state, a);
    }
    assert_eq!(state.lens, lens);
    assert_eq!(state.screen, Screen::SyncHealth);
}

#[test]
fn a_full_read_brings_the_accounts_priority_rules() {
    let (mut state, fake) = started(3);
    let mut own = std::collections::HashMap::new();
    let strict = crate::sla::Policy::from_settings(
        crate::sla::SlaSettings::default(),
        crate::sla::PrioritySettings {
            urgent_max_rating: 3,
            ..Default::default()
        },
        &crate::sla::WorkingHoursSettings::default(),
    )
    .expect("policy");
    own.insert(1, strict);
    let policies = Arc::new(crate::sla::Policies::new(
        crate::sla::Policy::default(),
        own,
    ));
    let request = fake.last().clone();
    let rows = state.queue.rows.clone();
    update(
        &mut state,
        Action::QueueLoaded(Box::new(QueueSnapshot {
            request,
            total: Some(3),
            rows,
            counts: None,
            outbox_size: None,
            presence: None,
            policies: Some(policies.clone()),
        })),
    );
    assert_eq!(state.policies, policies);
    let mut row = row(1);
    row.rating = Rating::new(3);
    row.tier = SlaTier::High;
    let ok = crate::domain::SlaState::Ok;
    let p = crate::tui::view::queue::row_priority(&row, ok, &state);
    assert_eq!(p, crate::domain::Priority::Urgent);
    row.account_id = 2;
    let p = crate::tui::view::queue::row_priority(&row, ok, &state);
    assert_eq!(p, crate::domain::Priority::High);
}

/// Account 1's lessons: phrases 7 (avoid) and 9 (closing), and the length of reviews.
fn two_phrases_and_a_length() -> crate::learning::Learnt {
    use crate::store::learning::{LearntLength, LearntPhrase};
    let phrase = |id, kind: &str, text: &str| LearntPhrase {
        id,
        account_id: 1,
        kind: kind.into(),
        channel: "review".into(),
        product_external_id: String::new(),
        phrase: text.into(),
        norm: text.to_lowercase(),
        seen: 3,
        last_at: t0(),
    };
    crate::learning::Learnt {
        phrases: vec![
            phrase(7, "avoid", "Хорошего дня!"),
            phrase(9, "closing", "С уважением, «Уют»."),
        ],
        lengths: vec![LearntLength {
            account_id: 1,
            channel: "review".into(),
            mean_chars: 180.0,
            samples: 12,
        }],
        min_evidence: 2,
    }
}

#[test]
fn the_learnt_tab_lists_an_accounts_lessons_and_forgets_one() {
    use crate::tui::state::LearntEntry;
    let (mut state, mut fake) = settings_open();
    // The tab after the sections; at the global scope it has nothing to forget.
    while !state.settings.on_learnt_tab() {
        fake.act(&mut state, Action::NextTab);
    }
    assert!(fake.act(&mut state, Action::ResetSetting).is_empty());
    fake.act(&mut state, Action::CycleAccount);
    assert_eq!(state.settings.scope, Scope::Account(1));
    assert!(fake.other.contains(&Effect::LoadLearnt(1)));
    fake.act(
        &mut state,
        Action::SettingsLoaded {
            scope: Scope::Account(1),
            sections: default_layers(),
        },
    );
    assert!(
        state.settings.on_learnt_tab(),
        "the tab stays when the scope moves"
    );
    fake.act(
        &mut state,
        Action::LearntLoaded {
            account_id: 1,
            learnt: two_phrases_and_a_length(),
        },
    );
    assert_eq!(state.settings.learnt_entries().len(), 3);
    fake.act(&mut state, Action::MoveDown);
    let sent = fake.act(&mut state, Action::ResetSetting);
    assert_eq!(
        sent,
        vec![Command::ForgetLearnt {
            account_id: 1,
            entry: LearntEntry::Phrase(9),
        }]
    );
    fake.act(&mut state, Action::Bottom);
    let sent = fake.act(&mut state, Action::ResetSetting);
    assert_eq!(
        sent,
        vec![Command::ForgetLearnt {
            account_id: 1,
            entry: LearntEntry::Length("review".into()),
        }]
    );
    let before = fake.other.len();
    fake.act(
        &mut state,
        Action::Background(Event::LearntForgotten {
            account_id: 1,
            error: None,
        }),
    );
    assert_eq!(state.current_notice(), Some(&Notice::LearntForgotten));
    assert_eq!(fake.other[before..], [Effect::LoadLearnt(1)]);
}
