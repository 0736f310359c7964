//! The notifier's rules, as pure functions of a [`Snapshot`], the settings and what was
//! already acted on. No IO: the watcher reads the snapshot and persists the ledger.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use rusqlite::Connection;

use super::model::{Lang, LedgerKey, Level, Notification, OpenItem, Outcome, Snapshot, SyncHealth};
use super::settings::{NotifySettings, QuietHours};
use super::text;
use crate::settings;
use crate::sla::PolicyError;

/// The notification settings in force: global, and per account where they differ.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NotifyConfig {
    global: NotifySettings,
    accounts: HashMap<i64, NotifySettings>,
    quiet: Option<QuietHours>,
    lang: Lang,
}

impl NotifyConfig {
    /// Checks quiet hours (read from `global` only).
    pub fn new(
        global: NotifySettings,
        accounts: HashMap<i64, NotifySettings>,
    ) -> Result<NotifyConfig, PolicyError> {
        let quiet = QuietHours::from_settings(&global.quiet_hours)?;
        Ok(NotifyConfig {
            global,
            accounts,
            quiet,
            lang: Lang::default(),
        })
    }

    /// The global settings and those of `accounts` from the database.
    pub fn load(conn: &Connection, accounts: &[i64]) -> anyhow::Result<NotifyConfig> {
        let global: NotifySettings = settings::load(conn, None)?;
        let mut own = HashMap::new();
        for &id in accounts {
            let s: NotifySettings = settings::load(conn, Some(id))?;
            if s != global {
                own.insert(id, s);
            }
        }
        Ok(NotifyConfig::new(global, own)?)
    }

    pub fn with_lang(mut self, lang: Lang) -> NotifyConfig {
        self.lang = lang;
        self
    }

    pub fn lang(&self) -> Lang {
        self.lang
    }

    pub fn global(&self) -> &NotifySettings {
        &self.global
    }

    pub fn for_account(&self, account_id: i64) -> &NotifySettings {
        self.accounts.get(&account_id).unwrap_or(&self.global)
    }

    pub fn is_quiet(&self, now: DateTime<Utc>) -> bool {
        self.quiet.is_some_and(|q| q.contains(now))
    }
}

/// What a firing is about.
#[derive(Debug, Clone, PartialEq)]
pub enum Subject {
    Item(OpenItem),
    Sync(SyncHealth),
}

/// One event to show, once its key is claimed in the ledger.
#[derive(Debug, Clone, PartialEq)]
pub struct Firing {
    pub key: LedgerKey,
    pub subject: Subject,
}

/// The outcome of one evaluation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Evaluation {
    /// Events to show: claim each key as [`Outcome::Sent`], then [`Notifier::compose`]
    /// the ones claimed.
    pub deliver: Vec<Firing>,
    /// Events to record without showing (first sync, switched off, superseded).
    pub record: Vec<(LedgerKey, Outcome)>,
    /// Events held back by quiet hours; they come when quiet hours end.
    pub held: usize,
}

/// Decides what to notify.
#[derive(Debug, Clone, Default)]
pub struct Notifier {
    config: NotifyConfig,
}

impl Notifier {
    pub fn new(config: NotifyConfig) -> Notifier {
        Notifier { config }
    }

    pub fn config(&self) -> &NotifyConfig {
        &self.config
    }

    pub fn set_config(&mut self, config: NotifyConfig) {
        self.config = config;
    }

    /// What the snapshot calls for, given `known` (events already in the ledger).
    ///
    /// - An item notifies once per level per clock (a re-opened chat has a new clock): at
    ///   risk, then breached. An item found already breached notifies the breach only.
    /// - A level reached before the item's first sync finished is silent.
    /// - Switched-off accounts, channels and levels are recorded as muted.
    /// - In quiet hours nothing is shown or recorded; it comes when they end.
    /// - A connector failing `sync_failures` runs in a row notifies once per streak.
    pub fn evaluate(&self, snap: &Snapshot, known: &dyn Fn(&LedgerKey) -> bool) -> Evaluation {
        let now = snap.now;
        let quiet = self.config.is_quiet(now);
        let mut out = Evaluation::default();
        for item in &snap.items {
            if now < item.at_risk_at {
                continue;
            }
            let breached = now >= item.due_at;
            let risk_key = LedgerKey::item(item.id, Level::AtRisk, item.waiting_since);
            let (level, key, level_time) = if breached {
                (
                    Level::Breached,
                    LedgerKey::item(item.id, Level::Breached, item.waiting_since),
                    item.due_at,
                )
            } else {
                (Level::AtRisk, risk_key.clone(), item.at_risk_at)
            };
            if known(&key) {
                continue;
            }
            let lower = (breached && !known(&risk_key)).then_some(risk_key);
            let s = self.config.for_account(item.account_id);
            let level_on = match level {
                Level::AtRisk => s.at_risk,
                _ => s.breached,
            };
            let silent = item.baseline.is_none_or(|b| level_time < b);
            let skip = if silent {
                Some(Outcome::Silent)
            } else if !s.enabled || !s.channels.allows(item.channel) || !level_on {
                Some(Outcome::Muted)
            } else {
                None
            };
            match skip {
                Some(outcome) => {
                    out.record.push((key, outcome));
                    if let Some(lower) = lower {
                        out.record.push((lower, outcome));
                    }
                }
                None if quiet => out.held += 1,
                None => {
                    out.deliver.push(Firing {
                        key,
                        subject: Subject::Item(item.clone()),
                    });
                    if let Some(lower) = lower {
                        out.record.push((lower, Outcome::Silent));
                    }
                }
            }
        }
        for health in &snap.sync {
            let s = self.config.for_account(health.account_id);
            if s.sync_failures == 0 || health.failures < s.sync_failures {
                continue;
            }
            let key = LedgerKey::sync(health.account_id, &health.connector, health.since);
            if known(&key) {
                continue;
            }
            if !s.enabled {
                out.record.push((key, Outcome::Muted));
            } else if quiet {
                out.held += 1;
            } else {
                out.deliver.push(Firing {
                    key,
                    subject: Subject::Sync(health.clone()),
                });
            }
        }
        out
    }

    /// The notifications for `firings` (the claimed ones): breaches, then at-risk items,
    /// then sync failures; each kind summed up in one notification when `batch_from` or
    /// more fire together.
    pub fn compose(&self, firings: &[Firing], now: DateTime<Utc>) -> Vec<Notification> {
        let g = &self.config.global;
        let lang = self.config.lang;
        let batch_from = usize::try_from(g.batch_from).unwrap_or(usize::MAX);
        let batched = |n: usize| batch_from >= 2 && n >= batch_from;
        let mut out = Vec::new();
        for level in [Level::Breached, Level::AtRisk] {
            let mut items: Vec<&OpenItem> = firings
                .iter()
                .filter(|f| f.key.level == level)
                .filter_map(|f| match &f.subject {
                    Subject::Item(i) => Some(i),
                    Subject::Sync(_) => None,
                })
                .collect();
            items.sort_by_key(|i| (i.due_at, i.id));
            if batched(items.len()) {
                out.push(text::batch(lang, level, &items, g.bell));
            } else {
                out.extend(
                    items
                        .iter()
                        .map(|i| text::item(lang, level, i, now, g.bell)),
                );
            }
        }
        let failing: Vec<&SyncHealth> = firings
            .iter()
            .filter_map(|f| match &f.subject {
                Subject::Sync(h) => Some(h),
                Subject::Item(_) => None,
            })
            .collect();
        if batched(failing.len()) {
            out.push(text::sync_failing(lang, &failing, g.bell));
        } else {
            out.extend(
                failing
                    .iter()
                    .map(|h| text::sync_failing(lang, &[*h], g.bell)),
            );
        }
        for n in &mut out {
            n.desktop = g.desktop;
        }
        out
    }

    /// Evaluate, claim in `ledger`, compose: one whole step against an in-memory ledger.
    pub fn step(&self, snap: &Snapshot, ledger: &mut MemoryLedger) -> Vec<Notification> {
        let eval = self.evaluate(snap, &|k| ledger.contains(k));
        for (key, outcome) in eval.record {
            ledger.claim(key, outcome);
        }
        let claimed: Vec<Firing> = eval
            .deliver
            .into_iter()
            .filter(|f| ledger.claim(f.key.clone(), Outcome::Sent))
            .collect();
        self.compose(&claimed, snap.now)
    }
}

/// The ledger kept in memory (tests, and callers without a database).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemoryLedger {
    entries: HashMap<LedgerKey, Outcome>,
}

impl MemoryLedger {
    pub fn contains(&self, key: &LedgerKey) -> bool {
        self.entries.contains_key(key)
    }

    /// Records `key` unless it is there already; true when this call recorded it.
    pub fn claim(&mut self, key: LedgerKey, outcome: Outcome) -> bool {
        match self.entries.entry(key) {
            std::collections::hash_map::Entry::Occupied(_) => false,
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(outcome);
                true
            }
        }
    }

    pub fn outcome(&self, key: &LedgerKey) -> Option<Outcome> {
        self.entries.get(key).copied()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The keys recorded with `outcome`.
    pub fn with_outcome(&self, outcome: Outcome) -> HashSet<LedgerKey> {
        self.entries
            .iter()
            .filter(|(_, o)| **o == outcome)
            .map(|(k, _)| k.clone())
            .collect()
    }
}
