//! The background sync engine: per account, per connector, pull pages from the persisted
//! cursor and write them with the cursor in one transaction; then poll.
//!
//! Every account runs in its own task, so one slow or failing shop never stalls another.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;
use chrono::{DateTime, Utc};
use tokio::sync::{mpsc, Notify};

mod cards;
pub mod eta;
mod intake;
mod page_store;
mod reconcile;

pub use cards::{refresh_cards, CardRefresh, CARDS_PER_CYCLE};
pub use intake::upsert_interactions;
pub use page_store::{PageCounts, PageStore};
pub use reconcile::{reconcile_pass, MAX_REREADS};

use crate::connectors::http::{Meter, PassMeter};
use crate::connectors::{Connector, ConnectorError};
use crate::protocol::Event;
use crate::store::{SyncRunRecord, Writer};

/// One account with its connectors, as the engine runs it.
pub struct AccountSync {
    pub account_id: i64,
    pub name: String,
    pub connectors: Vec<Arc<dyn Connector>>,
    /// Where product cards come from, if anywhere.
    pub catalog: Option<Arc<dyn crate::connectors::catalog::Catalog>>,
}

/// What one pass of one connector did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PassStats {
    pub requests: u32,
    pub pages: u32,
    pub seen: u32,
    pub new: u32,
    pub changed: u32,
    pub skipped: u32,
    /// How many items the marketplace counts in all (its count methods), read at the start
    /// of a first sync for its progress; `None` on later passes or without a count method.
    pub total: Option<u64>,
}

/// Every this many poll cycles, the unanswered lists are compared in full with the local
/// open items (see `reconcile`).
pub const RECONCILE_EVERY: u64 = 10;

/// Upper bound on pages in one pass, so a marketplace that always says "more" cannot keep
/// a pass running forever; the cursor carries on in the next pass.
const MAX_PAGES_PER_PASS: u32 = 10_000;

/// Pulls until the connector has nothing more right now, committing each page with its
/// cursor. Records the run in `sync_runs` whatever the outcome.
pub async fn sync_pass<S: PageStore + ?Sized>(
    writer: &S,
    account_id: i64,
    connector: &dyn Connector,
    clock: &(dyn Fn() -> DateTime<Utc> + Send + Sync),
) -> Result<PassStats, (PassStats, ConnectorError)> {
    sync_pass_with_progress(writer, account_id, connector, clock, &|_| {}).await
}

/// [`sync_pass`], calling `progress` after each committed page.
pub async fn sync_pass_with_progress<S: PageStore + ?Sized>(
    writer: &S,
    account_id: i64,
    connector: &dyn Connector,
    clock: &(dyn Fn() -> DateTime<Utc> + Send + Sync),
    progress: &(dyn Fn(&PassStats) + Send + Sync),
) -> Result<PassStats, (PassStats, ConnectorError)> {
    let started_at = clock();
    let mut pass = Pass {
        writer,
        account_id,
        connector,
        clock,
        progress,
        stats: PassStats::default(),
        reported: 0,
    };
    // Counts every request the HTTP layer sends for this pass, those of a page that
    // failed included: a pull that fails returns no count of its own.
    let meter = PassMeter::default();
    let outcome = meter.scope(pass.pull_all(&meter)).await;
    let used = meter.snapshot();
    pass.stats.requests = used.requests.max(pass.reported);
    pass.record(started_at, &outcome, &used).await;
    match outcome {
        Ok(()) => Ok(pass.stats),
        Err(err) => Err((pass.stats, err)),
    }
}

/// One pass of one connector while it runs.
struct Pass<'a, S: ?Sized> {
    writer: &'a S,
    account_id: i64,
    connector: &'a dyn Connector,
    clock: &'a (dyn Fn() -> DateTime<Utc> + Send + Sync),
    progress: &'a (dyn Fn(&PassStats) + Send + Sync),
    stats: PassStats,
    /// What the pulls said they sent: the count for a connector that does not go
    /// through the shared HTTP layer.
    reported: u32,
}

impl<S: PageStore + ?Sized> Pass<'_, S> {
    /// Pulls and commits page after page until the connector has nothing more (or the
    /// page bound is reached); a first sync reads the total first, for progress.
    async fn pull_all(&mut self, meter: &PassMeter) -> Result<(), ConnectorError> {
        let connector_id = self.connector.id();
        let first = self
            .writer
            .cursor(self.account_id, connector_id)
            .await
            .map_err(store_error)?
            .is_none();
        if first {
            self.read_total(meter).await;
        }
        loop {
            let cursor = self
                .writer
                .cursor(self.account_id, connector_id)
                .await
                .map_err(store_error)?;
            let pull = self.connector.pull(cursor.as_deref()).await;
            if let Ok(pull) = &pull {
                self.reported += pull.requests;
            }
            self.stats.requests = meter.snapshot().requests.max(self.reported);
            let pull = pull?;
            self.stats.pages += 1;
            let more = pull.more;
            let now = (self.clock)();
            let page = self
                .writer
                .commit_page(self.account_id, connector_id, pull, now)
                .await
                .map_err(store_error)?;
            self.stats.seen += page.seen;
            self.stats.new += page.new;
            self.stats.changed += page.changed;
            self.stats.skipped += page.skipped;
            (self.progress)(&self.stats);
            if !more || self.stats.pages >= MAX_PAGES_PER_PASS {
                return Ok(());
            }
        }
    }

    /// The marketplace's count of all items, only for progress: a count that fails does
    /// not stop the sync.
    async fn read_total(&mut self, meter: &PassMeter) {
        match self.connector.total().await {
            Ok(Some((total, requests))) => {
                self.stats.total = Some(total);
                self.reported += requests;
                self.stats.requests = meter.snapshot().requests.max(self.reported);
                (self.progress)(&self.stats);
            }
            Ok(None) => {}
            Err(err) => tracing::warn!(%err, "reading the item count for progress"),
        }
    }

    /// Records the pass in `sync_runs`, whatever its outcome.
    async fn record(
        &self,
        started_at: DateTime<Utc>,
        outcome: &Result<(), ConnectorError>,
        used: &Meter,
    ) {
        let stats = &self.stats;
        let record = SyncRunRecord {
            account_id: self.account_id,
            connector: self.connector.id().to_string(),
            started_at,
            finished_at: (self.clock)(),
            ok: outcome.is_ok(),
            requests: stats.requests,
            pages: stats.pages,
            items_seen: stats.seen,
            items_new: stats.new,
            items_changed: stats.changed,
            items_skipped: stats.skipped,
            error: outcome
                .as_ref()
                .err()
                .map(|e| failure_reason(e, stats, used)),
        };
        if let Err(err) = self.writer.record_sync_run(record).await {
            tracing::error!(%err, "recording a sync run");
        }
    }
}

/// Why a pass ended early, for the sync-health screen: the error, where it stopped, and
/// what the pass went through before (so "rate limited" after minutes of 429s reads
/// differently from a single refusal).
fn failure_reason(err: &ConnectorError, stats: &PassStats, used: &Meter) -> String {
    format!(
        "{err}; stopped at page {} ({} committed before it; {} requests: {} answered 429, \
         {:.0}s waited on them, {} timed out, {} retried); the next pass resumes from the \
         last committed cursor",
        stats.pages + 1,
        stats.pages,
        stats.requests,
        used.rate_limited,
        used.rate_limit_wait.as_secs_f64(),
        used.timeouts,
        used.retries
    )
}

fn store_error(err: anyhow::Error) -> ConnectorError {
    // A store failure is not the marketplace's fault, but it ends the pass the same way;
    // the message keeps the cause.
    ConnectorError::Malformed {
        marketplace: "store",
        endpoint: "local database".into(),
        message: format!("{err:#}"),
    }
}

/// Runs every account's sync loop until `shutdown` fires: a pass of each connector, then a
/// wait of `poll_every` (or until `sync_now` is notified).
///
/// Any number of processes may run this on one store: a connector is pulled only by the
/// process holding its lease (`sync:<account>:<connector>`), which keeps it between
/// passes while it polls and loses it when its process is gone or stops renewing it, so
/// two processes never pull the same connector at once and neither waits forever.
pub async fn run(
    writer: Writer,
    holder: String,
    accounts: Vec<AccountSync>,
    poll_every: Duration,
    sync_now: Arc<Notify>,
    events: mpsc::UnboundedSender<Event>,
    clock: Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>,
) {
    let mut tasks = Vec::new();
    for account in accounts {
        let account_loop = AccountLoop {
            writer: writer.clone(),
            holder: holder.clone(),
            offline: OfflineTracker::new(&account.name),
            account,
            events: events.clone(),
            clock: clock.clone(),
        };
        tasks.push(tokio::spawn(account_loop.run(poll_every, sync_now.clone())));
    }
    for task in tasks {
        let _ = task.await;
    }
}

/// One account's sync loop.
struct AccountLoop {
    writer: Writer,
    holder: String,
    account: AccountSync,
    events: mpsc::UnboundedSender<Event>,
    clock: Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>,
    offline: OfflineTracker,
}

impl AccountLoop {
    /// Cycles until the UI's end of `events` is gone: take the leases, reconcile every
    /// [`RECONCILE_EVERY`] cycles, a pass of each connector held, the product cards, then
    /// a wait of `poll_every` (or until `sync_now`).
    async fn run(self, poll_every: Duration, sync_now: Arc<Notify>) {
        let mut cycle: u64 = 0;
        // Kept between passes: a holder that polls keeps its connectors; one that
        // stops polling (hung) loses them after this, a killed one at once.
        let ttl = chrono::Duration::from_std(poll_every * 2).unwrap_or_default()
            + chrono::Duration::seconds(45);
        loop {
            cycle += 1;
            let held = self.take_leases(ttl).await;
            if cycle.is_multiple_of(RECONCILE_EVERY) {
                self.reconcile(&held).await;
            }
            for connector in &held {
                self.sync_one(connector.as_ref()).await;
            }
            if !held.is_empty() {
                self.refresh_catalog().await;
            }
            tokio::select! {
                _ = tokio::time::sleep(poll_every) => {}
                _ = sync_now.notified() => {}
            }
            if self.events.is_closed() {
                break;
            }
        }
    }

    /// The connectors whose lease this process holds (or just took) for `ttl`.
    async fn take_leases(&self, ttl: chrono::Duration) -> Vec<&Arc<dyn Connector>> {
        let mut held = Vec::new();
        for connector in &self.account.connectors {
            let name = connector_lease(self.account.account_id, connector.as_ref());
            let (who, now) = (self.holder.clone(), (self.clock)());
            let ours = self
                .writer
                .call(move |conn| crate::store::try_lease(conn, &name, &who, now, ttl))
                .await
                .unwrap_or(false);
            if ours {
                held.push(connector);
            }
        }
        held
    }

    async fn reconcile(&self, held: &[&Arc<dyn Connector>]) {
        for connector in held {
            let id = self.account.account_id;
            match reconcile_pass(&self.writer, id, connector.as_ref(), &*self.clock).await {
                Ok(stats) if stats.changed > 0 => {
                    let _ = self.events.send(Event::DataChanged);
                }
                Ok(_) => {}
                Err((_, err)) => {
                    tracing::warn!(account = %self.account.name, error = %err, "reconciliation failed")
                }
            }
        }
    }

    /// One pass of one connector, told to the UI as it starts, progresses and ends.
    async fn sync_one(&self, connector: &dyn Connector) {
        let events = &self.events;
        let _ = events.send(Event::SyncStarted {
            account: self.account.name.clone(),
            connector: connector.id().to_string(),
        });
        let started = (self.clock)();
        let (name, id, channel) = (
            self.account.name.clone(),
            connector.id().to_string(),
            connector.channel(),
        );
        let progress = |s: &PassStats| {
            if let Some(total) = s.total {
                let _ = events.send(Event::SyncProgress {
                    account: name.clone(),
                    connector: id.clone(),
                    channel,
                    seen: u64::from(s.seen),
                    total,
                    started,
                });
            }
        };
        let result = sync_pass_with_progress(
            &self.writer,
            self.account.account_id,
            connector,
            &*self.clock,
            &progress,
        )
        .await;
        let (stats, error) = match result {
            Ok(stats) => {
                self.offline.reached(events);
                (stats, None)
            }
            Err((stats, err)) => {
                if err.is_network() {
                    self.offline.lost(events, (self.clock)());
                }
                (stats, Some(err.to_string()))
            }
        };
        if stats.new + stats.changed > 0 {
            let _ = events.send(Event::DataChanged);
        }
        let _ = events.send(Event::SyncFinished {
            account: self.account.name.clone(),
            connector: connector.id().to_string(),
            ok: error.is_none(),
            new: stats.new as usize,
            changed: stats.changed as usize,
            error,
        });
    }

    async fn refresh_catalog(&self) {
        if let Some(catalog) = &self.account.catalog {
            let id = self.account.account_id;
            if refresh_cards(&self.writer, id, catalog.as_ref(), &*self.clock)
                .await
                .stored
                > 0
            {
                let _ = self.events.send(Event::DataChanged);
            }
        }
    }
}

/// The lease that lets one process pull one connector of one account.
pub fn connector_lease(account_id: i64, connector: &dyn Connector) -> String {
    format!("sync:{account_id}:{}", connector.id())
}

/// Reports an account going offline once and coming back once, however many of its
/// connectors notice.
struct OfflineTracker {
    account: String,
    since: std::sync::Mutex<Option<DateTime<Utc>>>,
}

impl OfflineTracker {
    fn new(account: &str) -> OfflineTracker {
        OfflineTracker {
            account: account.to_string(),
            since: std::sync::Mutex::new(None),
        }
    }

    fn lost(&self, events: &mpsc::UnboundedSender<Event>, now: DateTime<Utc>) {
        let mut since = self.since.lock().unwrap_or_else(|p| p.into_inner());
        if since.is_none() {
            *since = Some(now);
            let _ = events.send(Event::Offline {
                account: self.account.clone(),
                since: now,
            });
        }
    }

    fn reached(&self, events: &mpsc::UnboundedSender<Event>) {
        let mut since = self.since.lock().unwrap_or_else(|p| p.into_inner());
        if since.take().is_some() {
            let _ = events.send(Event::Online {
                account: self.account.clone(),
            });
        }
    }
}
