//! `agentiq sync --daemon` (and `--once`) on the shared store, run by the owner on the one
//! machine that holds the marketplace tokens: it syncs the shops into PostgreSQL and
//! sends what anyone on the team wrote into the shared outbox, each reply exactly once,
//! however many daemons run and whichever of them dies.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;
use chrono::Utc;
use tokio::sync::{mpsc, Notify};

use super::outbox::PgOutbox;
use super::sync::sync_once;
use crate::connectors::{build_connectors, AccountConfig, Connector};
use crate::domain::Channel;
use crate::outbox::{Outbox, Step, CLAIM_TTL};
use crate::store::pg::{self, PgStore, PgWriter};

/// The channel a new reply in the shared outbox is announced on (`agentiq_enqueue_reply`).
const OUTBOX_CHANNEL: &str = "agentiq_outbox";
/// Without a notification (a lost connection, a row written by hand) the outbox is
/// looked at this often anyway.
const OUTBOX_POLL: Duration = Duration::from_secs(1);
/// Passes over the outbox in one `sync --once`, as on SQLite.
const ONCE_PASSES: usize = 50;

/// What a run of deliveries did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Delivered {
    pub visible: usize,
    pub accepted: usize,
    pub retrying: usize,
    pub refused: usize,
}

impl Delivered {
    fn add(&mut self, steps: &[(i64, Step)]) {
        for (_, step) in steps {
            match step {
                Step::Visible => self.visible += 1,
                Step::Accepted => self.accepted += 1,
                Step::Retrying(_) => self.retrying += 1,
                Step::Failed(_) | Step::Rejected(_) => self.refused += 1,
                Step::Skipped => {}
            }
        }
    }

    fn any(&self) -> bool {
        self.visible + self.accepted + self.retrying + self.refused > 0
    }

    pub fn line(&self) -> String {
        format!(
            "outbox: {} delivered, {} accepted and waiting to show, {} to retry, {} refused",
            self.visible, self.accepted, self.retrying, self.refused
        )
    }
}

/// The connectors of every account, by the shared store's account id and channel.
async fn connectors_by_shop(
    writer: &PgWriter,
    accounts: &[AccountConfig],
) -> Result<HashMap<(i64, Channel), Arc<dyn Connector>>> {
    let mut connectors = HashMap::new();
    for account in accounts {
        let (name, marketplace) = (account.name.clone(), account.marketplace);
        let account_id = writer
            .call(move |client| pg::upsert_account(client, &name, marketplace))
            .await?;
        for connector in build_connectors(account)? {
            connectors.insert((account_id, connector.channel()), connector);
        }
    }
    Ok(connectors)
}

/// The shared outbox driven by this process, under a holder name of its own.
async fn shared_outbox(
    store: &PgStore,
    writer: &PgWriter,
    accounts: &[AccountConfig],
) -> Result<(Outbox, PgOutbox)> {
    let storage = PgOutbox::connect(store).await?;
    // The process's name (kind, pid, host) and its session lock.
    let holder = format!(
        "{}#{:x}",
        crate::store::holder_id_for(crate::store::ProcessKind::Daemon),
        storage.lock()
    );
    // Nobody listens: the events are for a UI.
    let (events, _) = mpsc::unbounded_channel();
    let outbox = Outbox::on(
        Arc::new(storage.clone()),
        connectors_by_shop(writer, accounts).await?,
        events,
        Arc::new(Utc::now),
    )
    .with_holder(holder);
    Ok((outbox, storage))
}

/// `sync --once` on the shared store: delivers what is due, then one sync pass. The
/// lines to print, and whether every pass went well.
pub async fn deliver_and_sync_once(
    store: &PgStore,
    accounts: &[AccountConfig],
) -> Result<(Vec<String>, bool)> {
    let writer = store.writer_async().await?;
    let (outbox, storage) = shared_outbox(store, &writer, accounts).await?;
    let mut delivered = Delivered::default();
    for _ in 0..ONCE_PASSES {
        let steps = outbox.process_due().await?;
        if steps.is_empty() {
            break;
        }
        delivered.add(&steps);
    }
    let mut lines = Vec::new();
    if delivered.any() {
        lines.push(delivered.line());
    }
    let synced = sync_once(&writer, accounts).await?;
    let ok = synced.iter().all(|l| l.ok);
    lines.extend(synced.into_iter().map(|l| l.text));
    storage.settle_from_items(Utc::now()).await?;
    Ok((lines, ok))
}

/// Runs until `stop` resolves: sync every `poll_every`, the outbox whenever someone
/// queues a reply (LISTEN/NOTIFY) and every second besides, its claims renewed.
pub async fn run_daemon(
    store: &PgStore,
    accounts: &[AccountConfig],
    poll_every: Duration,
    stop: impl std::future::Future<Output = ()>,
) -> Result<()> {
    let writer = store.writer_async().await?;
    let (outbox, storage) = shared_outbox(store, &writer, accounts).await?;
    let wake = Arc::new(Notify::new());
    listen_for_replies(store.clone(), wake.clone());
    let holder = outbox.holder().to_string();
    let delivering = tokio::spawn(deliver_forever(outbox, wake.clone()));
    let renewing = tokio::spawn({
        let storage = storage.clone();
        async move {
            let every = (CLAIM_TTL / 4).to_std().unwrap_or(Duration::from_secs(10));
            loop {
                tokio::time::sleep(every).await;
                if let Err(err) = storage.renew(&holder, Utc::now() + CLAIM_TTL).await {
                    tracing::warn!(error = %format!("{err:#}"), "renewing outbox claims");
                }
            }
        }
    });
    let syncing = async {
        loop {
            match sync_once(&writer, accounts).await {
                Ok(lines) => {
                    for line in lines
                        .iter()
                        .filter(|l| !l.ok || !l.text.contains("(0 new, 0 changed"))
                    {
                        eprintln!("{} {}", Utc::now().format("%H:%M:%S"), line.text);
                    }
                }
                Err(err) => eprintln!("{} sync failed: {err:#}", Utc::now().format("%H:%M:%S")),
            }
            match storage.settle_from_items(Utc::now()).await {
                Ok(0) => {}
                Ok(n) => eprintln!(
                    "{} outbox: {n} replies seen on their items",
                    Utc::now().format("%H:%M:%S")
                ),
                Err(err) => {
                    tracing::warn!(error = %format!("{err:#}"), "settling accepted replies")
                }
            }
            escalate_pass(&writer).await;
            wake.notify_one();
            tokio::time::sleep(poll_every).await;
        }
    };
    eprintln!(
        "agentiq sync daemon on the shared database: {} account(s), polling every {}s; Ctrl-C stops",
        accounts.len(),
        poll_every.as_secs()
    );
    tokio::select! {
        _ = syncing => {}
        _ = stop => {}
    }
    delivering.abort();
    renewing.abort();
    Ok(())
}

/// Escalates what is due now, saying so on stderr.
async fn escalate_pass(writer: &PgWriter) {
    let now = Utc::now();
    match super::escalate_due(writer, now).await {
        Ok(items) => {
            for item in &items {
                eprintln!("{}", super::escalated_line(now, item));
            }
        }
        Err(err) => eprintln!("{} escalation pass failed: {err:#}", now.format("%H:%M:%S")),
    }
}

/// Delivers what is due, then waits for a notification or a second, for ever.
async fn deliver_forever(outbox: Outbox, wake: Arc<Notify>) {
    loop {
        match outbox.process_due().await {
            Ok(steps) => {
                for (id, step) in &steps {
                    let what = match step {
                        Step::Visible => "delivered".to_string(),
                        Step::Accepted => "accepted, waiting to show".to_string(),
                        Step::Retrying(why) => format!("to retry: {why}"),
                        Step::Failed(why) | Step::Rejected(why) => format!("refused: {why}"),
                        Step::Skipped => continue,
                    };
                    eprintln!("{} outbox {id}: {what}", Utc::now().format("%H:%M:%S"));
                }
                if steps.iter().any(|(_, step)| *step != Step::Skipped) {
                    // More may have come due meanwhile.
                    continue;
                }
            }
            Err(err) => eprintln!(
                "{} outbox pass failed: {err:#}",
                Utc::now().format("%H:%M:%S")
            ),
        }
        tokio::select! {
            _ = wake.notified() => {}
            _ = tokio::time::sleep(OUTBOX_POLL) => {}
        }
    }
}

/// LISTENs on a connection of its own (on a thread: the client blocks) and wakes the
/// outbox on every new reply; reconnects after a lost connection.
fn listen_for_replies(store: PgStore, wake: Arc<Notify>) {
    let spawned = std::thread::Builder::new()
        .name("pg-listen".into())
        .spawn(move || loop {
            match store.connect() {
                Ok(mut client) => {
                    if let Err(err) = client.batch_execute(&format!("LISTEN {OUTBOX_CHANNEL}")) {
                        tracing::warn!(error = %err, "LISTEN for new replies");
                    } else {
                        use postgres::fallible_iterator::FallibleIterator;
                        let mut notifications = client.notifications();
                        let mut iter = notifications.blocking_iter();
                        loop {
                            match iter.next() {
                                Ok(Some(_)) => wake.notify_one(),
                                Ok(None) => break,
                                Err(err) => {
                                    tracing::warn!(error = %err, "listening for new replies");
                                    break;
                                }
                            }
                        }
                    }
                }
                Err(err) => tracing::warn!(error = %format!("{err:#}"), "connecting to LISTEN"),
            }
            std::thread::sleep(Duration::from_secs(1));
        });
    if let Err(err) = spawned {
        tracing::warn!(error = %err, "no LISTEN thread; the outbox polls every second");
    }
}
