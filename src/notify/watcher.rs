//! The watcher: a task that, every few seconds, reads open items near or past their times
//! and the sync history on a read-only connection, decides with the [`Notifier`], claims
//! the events in the ledger through the store's writer, and hands the notifications to
//! the delivery thread. Both the inbox's services and `agentiq sync --daemon` run one; the
//! ledger makes sure only one of them shows each event.

use std::time::Duration;

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};

use super::cap::RateCap;
use super::decide::{Firing, Notifier, NotifyConfig};
use super::delivery::{Delivery, DesktopBackend, Fallback};
use super::model::{Lang, LedgerKey, Notification};
use super::{ledger, query};
use crate::sla::Now;
use crate::store::{Store, Writer};

/// Records older than this are pruned from the ledger.
const KEEP_RECORDS_DAYS: i64 = 90;
/// Ticks between prunes (at the default 30 s, about every 6 hours).
const PRUNE_EVERY_TICKS: u64 = 720;

/// What one tick did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tick {
    /// Notifications handed to the delivery thread.
    pub sent: Vec<Notification>,
    /// Events recorded without a notification (first sync, switched off, superseded).
    pub recorded: usize,
    /// Events waiting for quiet hours to end.
    pub held: usize,
}

pub struct Watcher {
    store: Store,
    writer: Writer,
    delivery: Delivery,
    clock: Now,
    lang: Lang,
    baselines: query::Baselines,
    every: Duration,
    ticks: u64,
    last_error: Option<String>,
    settings_problem: Option<String>,
    cap: RateCap,
}

impl Watcher {
    pub fn new(store: Store, writer: Writer, delivery: Delivery, clock: Now) -> Watcher {
        Watcher {
            store,
            writer,
            delivery,
            clock,
            lang: Lang::default(),
            baselines: query::Baselines::new(),
            every: Duration::from_secs(30),
            ticks: 0,
            last_error: None,
            settings_problem: None,
            cap: RateCap::default(),
        }
    }

    /// The language notifications are written in (the UI's).
    pub fn with_lang(mut self, lang: Lang) -> Watcher {
        self.lang = lang;
        self
    }

    /// How long [`Watcher::run`] waits between ticks (from `check_every_secs`).
    pub fn interval(&self) -> Duration {
        self.every
    }

    /// Makes sure the ledger table exists (a database the migration has not reached).
    pub async fn prepare(&self) -> Result<()> {
        self.writer.call(|conn| ledger::ensure_schema(conn)).await
    }

    /// One look: read, decide, claim, deliver.
    pub async fn tick(&mut self) -> Result<Tick> {
        let now = (self.clock)();
        let store = self.store.clone();
        let mut baselines = std::mem::take(&mut self.baselines);
        let read = tokio::task::spawn_blocking(move || -> Result<_> {
            let conn = store.reader()?;
            let accounts: Vec<i64> = query::accounts(&conn)?
                .into_iter()
                .map(|(id, _)| id)
                .collect();
            // Unusable settings are loud (once) and recoverable: the shipped defaults apply.
            let (config, problem) = match NotifyConfig::load(&conn, &accounts) {
                Ok(config) => (config, None),
                Err(err) => (NotifyConfig::default(), Some(format!("{err:#}"))),
            };
            let (snapshot, known) = query::snapshot(&conn, now, &mut baselines)?;
            Ok((config, problem, snapshot, known, baselines))
        })
        .await
        .context("the notifier's read task stopped")?;
        let (config, problem, snapshot, known, baselines) = read?;
        self.baselines = baselines;
        if problem != self.settings_problem {
            if let Some(p) = &problem {
                tracing::warn!(problem = %p, "[notifications] settings unusable; using the defaults");
            }
            self.settings_problem = problem;
        }
        self.every = Duration::from_secs(config.global().check_every_secs.clamp(5, 3600));
        let notifier = Notifier::new(config.with_lang(self.lang));
        let eval = notifier.evaluate(&snapshot, &|k| known.contains(k));
        let held = eval.held;
        let recorded = eval.record.len();
        let claimed = if eval.deliver.is_empty() && eval.record.is_empty() {
            Vec::new()
        } else {
            let record = eval.record;
            let keys: Vec<LedgerKey> = eval.deliver.iter().map(|f| f.key.clone()).collect();
            self.writer
                .call(move |conn| ledger::claim_all(conn, &record, &keys, now))
                .await
                .context("recording notifications")?
        };
        let firings: Vec<Firing> = eval
            .deliver
            .into_iter()
            .zip(claimed)
            .filter_map(|(f, mine)| mine.then_some(f))
            .collect();
        let sent = self
            .cap
            .admit(notifier.compose(&firings, now), now, self.lang);
        for n in &sent {
            self.delivery.send(n.clone());
        }
        self.ticks += 1;
        if self.ticks % PRUNE_EVERY_TICKS == 1 {
            self.prune(now).await;
        }
        Ok(Tick {
            sent,
            recorded,
            held,
        })
    }

    async fn prune(&self, now: DateTime<Utc>) {
        let before = now - chrono::Duration::days(KEEP_RECORDS_DAYS);
        if let Err(err) = self
            .writer
            .call(move |conn| ledger::prune(conn, before))
            .await
        {
            tracing::warn!(error = %format!("{err:#}"), "pruning the notification ledger");
        }
    }

    /// Ticks forever, every `check_every_secs`. Errors are logged (each distinct one
    /// once) and the next tick tries again. Stop it by aborting the task.
    pub async fn run(mut self) {
        if let Err(err) = self.prepare().await {
            tracing::warn!(error = %format!("{err:#}"), "preparing the notification ledger");
        }
        loop {
            match self.tick().await {
                Ok(_) => self.last_error = None,
                Err(err) => {
                    let text = format!("{err:#}");
                    if self.last_error.as_deref() != Some(text.as_str()) {
                        tracing::warn!(error = %text, "the notification watcher could not look");
                        self.last_error = Some(text);
                    }
                }
            }
            tokio::time::sleep(self.every).await;
        }
    }
}

/// Starts the watcher with desktop notifications on the current runtime; `fallback`
/// receives what the desktop cannot show (and the bell). Abort the handle to stop it.
pub fn spawn(
    store: Store,
    writer: Writer,
    clock: Now,
    lang: Lang,
    fallback: Fallback,
) -> tokio::task::JoinHandle<()> {
    let delivery = match Delivery::spawn(Box::new(DesktopBackend::default()), fallback) {
        Ok(d) => d,
        Err(err) => {
            tracing::error!(%err, "starting the notification thread; notifications are off");
            return tokio::spawn(async {});
        }
    };
    tokio::spawn(
        Watcher::new(store, writer, delivery, clock)
            .with_lang(lang)
            .run(),
    )
}
