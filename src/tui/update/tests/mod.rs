//! Reducer tests: sequences of actions against `AppState` with an in-memory stand-in
//! for the store, asserting state and effects.

mod analytics_settings;
mod autoreply;
mod customer;
mod edit;
mod experiment;
mod guard;
mod intent;
mod paging;
mod progress;
mod queue;
mod reply;
mod screens;
mod team;

use chrono::{DateTime, Duration, FixedOffset, TimeZone, Utc};
use ratatui_textarea::{Input, Key};

use super::update;
use crate::ai::guardrails::ReplyGuard;
use crate::domain::{
    AnswerState, Channel, Interaction, InteractionId, Marketplace, Rating, SlaTier,
};
use crate::protocol::Command;
use crate::store::{AccountRow, QueueKey, QueueRow, Seek};
use crate::tui::action::{Action, Effect, PageSeek, QueueRequest, ReplyCheck};
use crate::tui::reads::{AuditRow, AuditSnapshot, HealthRow};
use crate::tui::state::{AppState, Counts, Detail, DetailExtras, QueueSnapshot};

pub(super) fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 12, 0, 0).unwrap()
}

pub(super) fn row(id: i64) -> QueueRow {
    QueueRow {
        id: InteractionId(id),
        account_name: "shop".into(),
        marketplace: Marketplace::Wb,
        channel: Channel::Review,
        rating: Rating::new(2),
        product_name: Some(format!("Товар {id}")),
        customer_name: Some("Анна".into()),
        preview: format!("текст {id}"),
        tier: SlaTier::Urgent,
        state: AnswerState::Open,
        created_at: t0(),
        at_risk_at: t0() + Duration::minutes(30),
        due_at: t0() + Duration::minutes(60 + id),
        send_error: None,
        account_id: 1,
        intent: None,
        auto_reply: None,
        prior_complaints: 0,
        unanswered_buyer_messages: 0,
        draft_confidence: None,
        claimed_by: None,
    }
}

pub(super) fn interaction(id: InteractionId) -> Interaction {
    Interaction {
        id,
        account_id: 1,
        account_name: "shop".into(),
        marketplace: Marketplace::Wb,
        channel: Channel::Review,
        external_id: format!("ext-{}", id.0),
        product: None,
        customer_name: Some("Анна".into()),
        text: "Плед пришёл с дыркой".into(),
        pros: None,
        cons: None,
        photos: 0,
        rating: Rating::new(2),
        created_at: t0(),
        waiting_since: t0(),
        state: AnswerState::Open,
        answer: None,
        at_risk_at: t0() + Duration::minutes(30),
        due_at: t0() + Duration::hours(1),
        reply_handle: None,
    }
}

/// The detail pane of `item`, checked against the shipped banned phrases as the store
/// would give them.
pub(super) fn detail(item: Interaction) -> Detail {
    let guard = ReplyGuard::new(
        item.channel,
        item.marketplace,
        crate::ai::DraftContext::new(&item, &[]).customer_text(),
        crate::ai::guardrails::default_banned_phrases(),
        Vec::new(),
    );
    Detail {
        interaction: item,
        messages: vec![],
        prepared_draft: None,
        prepared_origin: None,
        extras: Some(DetailExtras {
            revenue: None,
            guard,
            customer: None,
        }),
    }
}

pub(super) fn accounts() -> Vec<AccountRow> {
    vec![
        AccountRow {
            id: 1,
            name: "Уютный дом".into(),
            marketplace: Marketplace::Wb,
        },
        AccountRow {
            id: 2,
            name: "Альфа".into(),
            marketplace: Marketplace::Ozon,
        },
    ]
}

/// A stand-in for the store: the whole queue in memory (in queue order), read the way
/// the event loop reads the real one, seeks included.
pub(super) struct Fake {
    pub rows: Vec<QueueRow>,
    pub reads: usize,
    /// Every queue request made, in order.
    pub requests: Vec<QueueRequest>,
    pub audit: Vec<AuditRow>,
    pub health: Vec<HealthRow>,
    pub external_editor: Vec<String>,
    pub other: Vec<Effect>,
    /// Full reply checks asked for, in order (the tests answer them).
    pub checks: Vec<ReplyCheck>,
    /// Reads of the detail pane's look-ups.
    pub extras_reads: usize,
}

impl Fake {
    pub fn new(n: i64) -> Fake {
        Fake {
            rows: (1..=n).map(row).collect(),
            reads: 0,
            requests: Vec::new(),
            audit: Vec::new(),
            health: Vec::new(),
            external_editor: Vec::new(),
            other: Vec::new(),
            checks: Vec::new(),
            extras_reads: 0,
        }
    }

    fn position(&self, key: &QueueKey) -> Option<usize> {
        self.rows.iter().position(|r| r.id.0 == key.id)
    }

    /// Rows for a request, and where they start.
    fn read(&self, request: &QueueRequest) -> Vec<QueueRow> {
        let n = self.rows.len();
        let (start, limit) = match request.seek {
            PageSeek::Nearest | PageSeek::Exact(Seek::Start { .. }) => {
                (request.offset, request.limit)
            }
            PageSeek::Exact(Seek::End { skip }) => {
                let end = n.saturating_sub(skip);
                (end.saturating_sub(request.limit), end.min(request.limit))
            }
            PageSeek::Exact(Seek::After { key, skip }) => match self.position(&key) {
                Some(p) => (p + 1 + skip, request.limit),
                None => (n, 0),
            },
            PageSeek::Exact(Seek::Before { key, skip }) => match self.position(&key) {
                Some(p) => {
                    let end = p.saturating_sub(skip);
                    (end.saturating_sub(request.limit), end.min(request.limit))
                }
                None => (n, 0),
            },
        };
        self.rows.iter().skip(start).take(limit).cloned().collect()
    }

    /// What reading the queue or an item gives.
    pub fn answer(&mut self, effect: Effect) -> Action {
        match effect {
            Effect::LoadQueue(request) => {
                self.reads += 1;
                self.requests.push(request.clone());
                let rows = self.read(&request);
                let n = self.rows.len();
                let with_counts = request.with_counts;
                Action::QueueLoaded(Box::new(QueueSnapshot {
                    request,
                    total: with_counts.then_some(n),
                    rows,
                    counts: with_counts.then_some(Counts {
                        all: n,
                        reviews: n,
                        ..Counts::default()
                    }),
                    outbox_size: with_counts.then_some(0),
                    presence: None,
                    policies: None,
                }))
            }
            Effect::LoadDetail(id) => {
                if self.rows.iter().any(|r| r.id == id) {
                    Action::DetailLoaded(Box::new(detail(interaction(id))))
                } else {
                    Action::DetailMissing(id)
                }
            }
            other => panic!("the fake answers queue and item reads only, not {other:?}"),
        }
    }

    /// Runs effects until none are left; returns the commands sent.
    pub fn run(&mut self, state: &mut AppState, mut fx: Vec<Effect>) -> Vec<Command> {
        let mut commands = Vec::new();
        while !fx.is_empty() {
            let mut next = Vec::new();
            for effect in fx {
                let action = match effect {
                    Effect::Command(c) => {
                        commands.push(c);
                        continue;
                    }
                    Effect::Quit => continue,
                    Effect::CheckReply(check) => {
                        self.checks.push(check);
                        continue;
                    }
                    Effect::ExternalEditor(text) => {
                        self.external_editor.push(text);
                        continue;
                    }
                    effect @ (Effect::LoadQueue(_) | Effect::LoadDetail(_)) => self.answer(effect),
                    Effect::LoadDetailExtras(id) => {
                        self.extras_reads += 1;
                        match detail(interaction(id)).extras {
                            Some(extras) if self.rows.iter().any(|r| r.id == id) => {
                                Action::DetailExtrasLoaded {
                                    id,
                                    extras: Box::new(extras),
                                }
                            }
                            _ => Action::DetailMissing(id),
                        }
                    }
                    Effect::LoadAccounts => Action::AccountsLoaded(accounts()),
                    Effect::LoadHealth => {
                        self.other.push(Effect::LoadHealth);
                        Action::HealthLoaded(self.health.clone())
                    }
                    effect @ (Effect::LoadAnalytics(_)
                    | Effect::LoadSettings(_)
                    | Effect::LoadLearnt(_)) => {
                        self.other.push(effect);
                        continue;
                    }
                    Effect::LoadAudit(request) => {
                        self.other.push(Effect::LoadAudit(request));
                        Action::AuditLoaded(Box::new(AuditSnapshot {
                            request,
                            total: Some(self.audit.len()),
                            rows: self
                                .audit
                                .iter()
                                .skip(request.offset)
                                .take(request.limit)
                                .cloned()
                                .collect(),
                        }))
                    }
                };
                next.extend(update(state, action));
            }
            fx = next;
        }
        commands
    }

    pub fn act(&mut self, state: &mut AppState, action: Action) -> Vec<Command> {
        let fx = update(state, action);
        self.run(state, fx)
    }

    /// The last queue request.
    pub fn last(&self) -> &QueueRequest {
        self.requests.last().expect("a queue request")
    }
}

pub(super) fn started(n: i64) -> (AppState, Fake) {
    let mut state = AppState::new(t0(), "s1", FixedOffset::east_opt(0).unwrap());
    state.accounts = accounts();
    let mut fake = Fake::new(n);
    fake.act(
        &mut state,
        Action::Resize {
            width: 120,
            height: 40,
        },
    );
    (state, fake)
}

pub(super) fn key(c: char) -> Input {
    Input {
        key: Key::Char(c),
        ..Input::default()
    }
}

pub(super) fn type_text(state: &mut AppState, text: &str) {
    for c in text.chars() {
        update(state, Action::EditorInput(key(c)));
    }
}

/// Types into the search or filter line.
pub(super) fn type_prompt(state: &mut AppState, text: &str) {
    for c in text.chars() {
        update(state, Action::PromptInput(key(c)));
    }
}

pub(super) fn clear_editor(state: &mut AppState) {
    let editor = state.editor.as_mut().expect("editor open");
    editor.textarea.select_all();
    editor.textarea.cut();
}
