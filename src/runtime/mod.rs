//! Starts the background services for a set of accounts — sync, outbox, preparation,
//! notifications, backups and the command router between them and the UI (`router`) —
//! and hands back the UI's ends of the channels.

mod router;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use chrono::Utc;
use tokio::sync::{mpsc, Notify};
use tokio::task::JoinHandle;

use crate::ai::llm::{LlmConfig, LlmProvider, Provider};
use crate::connectors::{build_connectors, AccountConfig, Connector};
use crate::domain::Channel;
use crate::outbox::Outbox;
use crate::protocol::{Command, Event};
use crate::store::{self, Store, Writer};
use crate::sync::{self, AccountSync};

pub use crate::domain::Clock;

pub struct ServiceOptions {
    pub poll_every: Duration,
    pub clock: Clock,
    /// Language of desktop notifications.
    pub notify_lang: crate::notify::Lang,
    /// The OpenAI-compatible endpoint drafts come from (`[llm]` in config.toml); offline
    /// drafts when `None`.
    pub llm: Option<LlmConfig>,
    /// What this process is, as other processes see it ("sync: daemon pid 4242").
    pub kind: store::ProcessKind,
    /// `--offline`: no network at all. Nothing is synced or delivered; replies wait in
    /// the outbox for a run with the network, drafts come from the offline provider, and
    /// every account is reported offline.
    pub offline: bool,
    /// The seller's prompt versions (`<config>/prompts`) the settings screen may start
    /// an experiment with; shipped versions only when `None`.
    pub prompts: Option<std::path::PathBuf>,
}

/// The draft provider `llm` configures: the LLM (which falls back to offline drafts on
/// any failure) or the offline one. Fails when the API key's variable is not set.
pub fn provider_for(llm: Option<&LlmConfig>) -> Result<Provider> {
    match llm {
        None => Ok(Provider::Offline),
        Some(config) => {
            let provider = LlmProvider::new(config.clone())
                .with_context(|| format!("[llm] {} at {}", config.model, config.base_url))?;
            tracing::info!(model = %config.model, "drafts come from the LLM");
            Ok(Provider::Llm(provider))
        }
    }
}

/// The running services; dropping the UI's channel ends stops them.
pub struct Services {
    pub events: mpsc::UnboundedReceiver<Event>,
    pub commands: mpsc::UnboundedSender<Command>,
    pub writer: Writer,
    /// Stops the background tasks when dropped.
    pub guard: ServiceGuard,
}

pub struct ServiceGuard {
    tasks: Vec<JoinHandle<()>>,
    _heartbeat: store::Heartbeat,
    writer: Writer,
    holder: String,
}

/// The connectors of every account: per account for the sync loop, and by
/// (account, channel) for the outbox to deliver through.
type ConnectorsByChannel = HashMap<(i64, Channel), Arc<dyn Connector>>;

impl Services {
    pub async fn start(
        store: &Store,
        accounts: &[AccountConfig],
        options: ServiceOptions,
    ) -> Result<Services> {
        let llm = if options.offline {
            None
        } else {
            options.llm.as_ref()
        };
        let provider = Arc::new(provider_for(llm)?);
        let writer = store.writer()?;
        let (events_tx, events) = mpsc::unbounded_channel();
        let (commands, commands_rx) = mpsc::unbounded_channel::<Command>();
        let (syncs, by_channel) = register_accounts(&writer, accounts).await?;
        let holder = store::holder_id_for(options.kind);
        register_process(&writer, &holder, &options, &by_channel).await?;
        let heartbeat = store::Heartbeat::start(
            writer.clone(),
            holder.clone(),
            options.clock.clone(),
            crate::outbox::CLAIM_TTL,
        );
        let sync_now = Arc::new(Notify::new());
        let wake_outbox = Arc::new(Notify::new());
        let wiring = Wiring {
            store: store.clone(),
            writer: writer.clone(),
            holder: holder.clone(),
            events: events_tx.clone(),
            clock: options.clock.clone(),
        };
        let mut tasks = if options.offline {
            wiring.announce_offline(accounts);
            Vec::new()
        } else {
            wiring.spawn_network(syncs, by_channel, &options, &sync_now, &wake_outbox)
        };
        tasks.extend(wiring.spawn_local(&options, provider));
        let router = router::Router {
            store: store.clone(),
            writer: writer.clone(),
            clock: options.clock.clone(),
            events: events_tx.clone(),
            wake_outbox: wake_outbox.clone(),
            sync_now: sync_now.clone(),
            prompts: options.prompts.clone(),
        };
        tasks.push(tokio::spawn(router.run(commands_rx)));
        tracing::info!(
            accounts = accounts.len(),
            offline = options.offline,
            "background services started"
        );
        Ok(Services {
            events,
            commands,
            writer: writer.clone(),
            guard: ServiceGuard {
                tasks,
                _heartbeat: heartbeat,
                writer,
                holder,
            },
        })
    }
}

/// Registers every account in the database and builds its connectors.
async fn register_accounts(
    writer: &Writer,
    accounts: &[AccountConfig],
) -> Result<(Vec<AccountSync>, ConnectorsByChannel)> {
    let mut syncs = Vec::new();
    let mut by_channel: ConnectorsByChannel = HashMap::new();
    for account in accounts {
        let name = account.name.clone();
        let marketplace = account.marketplace;
        let account_id = writer
            .call(move |conn| store::upsert_account(conn, &name, marketplace))
            .await
            .with_context(|| format!("registering account {}", account.name))?;
        let connectors = build_connectors(account)?;
        for c in &connectors {
            by_channel.insert((account_id, c.channel()), c.clone());
        }
        syncs.push(AccountSync {
            account_id,
            name: account.name.clone(),
            connectors,
            catalog: crate::connectors::catalog::catalog_for(account),
        });
    }
    Ok((syncs, by_channel))
}

/// Registers this process and the channels it can deliver through, so other processes
/// know who sends what.
async fn register_process(
    writer: &Writer,
    holder: &str,
    options: &ServiceOptions,
    by_channel: &ConnectorsByChannel,
) -> Result<()> {
    // Offline, this process sends nothing: another one with the network must.
    let reaches: Vec<(i64, Channel)> = if options.offline {
        Vec::new()
    } else {
        by_channel.keys().copied().collect()
    };
    let (who, kind, now) = (holder.to_string(), options.kind, (options.clock)());
    writer
        .call(move |conn| store::register_process(conn, &who, kind, &reaches, now))
        .await
        .context("registering this process in the database")
}

/// What every background task is started with.
struct Wiring {
    store: Store,
    writer: Writer,
    holder: String,
    events: mpsc::UnboundedSender<Event>,
    clock: Clock,
}

impl Wiring {
    /// `--offline`: every account is reported offline from now.
    fn announce_offline(&self, accounts: &[AccountConfig]) {
        let since = (self.clock)();
        for account in accounts {
            let _ = self.events.send(Event::Offline {
                account: account.name.clone(),
                since,
            });
        }
    }

    /// The tasks that need the network: the sync loop and the outbox.
    fn spawn_network(
        &self,
        syncs: Vec<AccountSync>,
        by_channel: ConnectorsByChannel,
        options: &ServiceOptions,
        sync_now: &Arc<Notify>,
        wake_outbox: &Arc<Notify>,
    ) -> Vec<JoinHandle<()>> {
        let sync = tokio::spawn(sync::run(
            self.writer.clone(),
            self.holder.clone(),
            syncs,
            options.poll_every,
            sync_now.clone(),
            self.events.clone(),
            self.clock.clone(),
        ));
        let outbox = Outbox::new(
            self.store.clone(),
            self.writer.clone(),
            by_channel,
            self.events.clone(),
            self.clock.clone(),
        )
        .with_holder(self.holder.clone());
        vec![sync, tokio::spawn(outbox.run(wake_outbox.clone()))]
    }

    /// The tasks that run offline too: backups, notifications, preparation, and the
    /// watch for other writers.
    fn spawn_local(
        &self,
        options: &ServiceOptions,
        provider: Arc<Provider>,
    ) -> Vec<JoinHandle<()>> {
        let backups = tokio::spawn(daily_backups(
            self.store.clone(),
            self.writer.clone(),
            self.holder.clone(),
        ));
        let events = self.events.clone();
        let notify = crate::notify::spawn(
            self.store.clone(),
            self.writer.clone(),
            self.clock.clone(),
            options.notify_lang,
            Box::new(move |n: crate::notify::InAppNotice| {
                let _ = events.send(Event::Notice {
                    text: n.text,
                    bell: n.bell,
                });
            }),
        );
        let prepare = tokio::spawn(crate::prepare::run(
            self.store.clone(),
            self.writer.clone(),
            self.holder.clone(),
            Arc::new(Notify::new()),
            self.events.clone(),
            self.clock.clone(),
            provider,
        ));
        let watch = tokio::spawn(watch_other_writers(
            self.writer.clone(),
            self.events.clone(),
        ));
        vec![backups, notify, prepare, watch]
    }
}

/// Stores a settings change from the UI through the writer, checked against the section's
/// type and rules first ([`crate::tui::settings_sections::store_layer`]). The services read
/// settings afresh on every cycle, so the change applies from their next one.
pub async fn save_setting(
    writer: &Writer,
    scope: crate::settings::Scope,
    key: String,
    layer: Option<serde_json::Value>,
) -> Event {
    let section = key.clone();
    let result = writer
        .call(move |conn| {
            crate::tui::settings_sections::store_layer(conn, scope, &section, layer.as_ref())
        })
        .await;
    if let Err(err) = &result {
        tracing::warn!(key, error = %format!("{err:#}"), "a settings change was refused");
    }
    Event::SettingSaved {
        key,
        error: result.err().map(|e| format!("{e:#}")),
    }
}

/// Forgets one thing an account's drafts learnt; the answer for the settings screen.
pub async fn forget_learnt(
    writer: &Writer,
    account_id: i64,
    entry: crate::tui::state::LearntEntry,
) -> Event {
    let result = writer
        .call(move |conn| match &entry {
            crate::tui::state::LearntEntry::Phrase(id) => {
                store::learning::forget_phrase(conn, account_id, *id)
            }
            crate::tui::state::LearntEntry::Length(channel) => {
                store::learning::forget_length(conn, account_id, channel)
            }
        })
        .await;
    let error = match result {
        Ok(true) => None,
        Ok(false) => Some("already forgotten".to_string()),
        Err(e) => Some(format!("{e:#}")),
    };
    Event::LearntForgotten { account_id, error }
}

/// Backups kept in `<data>/backups`, one a day.
pub const DAILY_BACKUPS_KEPT: usize = 7;

/// Once a day, the process holding the `backup` lease copies the database into
/// `backups/` beside it and drops copies beyond the newest seven.
async fn daily_backups(store: Store, writer: Writer, holder: String) {
    let Some(dir) = store.path().parent().map(|p| p.join("backups")) else {
        return;
    };
    let mut tick = tokio::time::interval(Duration::from_secs(3600));
    loop {
        tick.tick().await;
        let now = Utc::now();
        let who = holder.clone();
        let held = writer
            .call(move |c| store::try_lease(c, "backup", &who, now, chrono::Duration::hours(2)))
            .await
            .unwrap_or(false);
        if !held {
            continue;
        }
        let (source, dir) = (store.path().to_path_buf(), dir.clone());
        let today = now.date_naive();
        let made = tokio::task::spawn_blocking(move || {
            store::backup::rotate_daily(&source, &dir, today, DAILY_BACKUPS_KEPT)
        })
        .await;
        match made {
            Ok(Ok(Some(path))) => tracing::info!(path = %path.display(), "daily backup written"),
            Ok(Ok(None)) => {}
            Ok(Err(err)) => tracing::error!(error = %format!("{err:#}"), "daily backup failed"),
            Err(err) => tracing::error!(%err, "daily backup task failed"),
        }
    }
}

/// Another process (e.g. `agentiq sync --daemon`) may write the same database: when it
/// does, tell the UI to re-read.
async fn watch_other_writers(writer: Writer, events: mpsc::UnboundedSender<Event>) {
    let mut others = OtherWriters::new(writer);
    let mut tick = tokio::time::interval(Duration::from_secs(2));
    loop {
        tick.tick().await;
        if others.wrote().await && events.send(Event::DataChanged).is_err() {
            break;
        }
    }
}

/// Notices commits by other processes. `data_version` changes on every commit made through
/// another connection; read on the writer's own connection, this process's commits
/// (drafts, leases, the heartbeat) leave it as it is: they announce what the UI must
/// re-read themselves, and an idle inbox must not re-read every count whenever its
/// heartbeat writes.
struct OtherWriters {
    writer: Writer,
    last: Option<i64>,
}

impl OtherWriters {
    fn new(writer: Writer) -> OtherWriters {
        OtherWriters { writer, last: None }
    }

    /// Whether another connection committed since the last call (never on the first).
    async fn wrote(&mut self) -> bool {
        let now = self
            .writer
            .call(|conn| Ok(conn.pragma_query_value(None, "data_version", |r| r.get(0))?))
            .await
            .ok();
        let wrote = self.last.is_some() && now.is_some() && now != self.last;
        if now.is_some() {
            self.last = now;
        }
        wrote
    }
}

impl Drop for ServiceGuard {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
        // A daily backup runs on a blocking thread that abort does not reach: it stops at
        // its next step and removes its partial file.
        store::backup::cancel_running();
        // Leases and claims go back at once on a clean exit (a killed process's are taken
        // over when its pid is seen gone). Not waited for: drop cannot block here.
        let holder = self.holder.clone();
        self.writer
            .submit(move |conn| store::unregister_process(conn, &holder));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_support::temp_store;

    #[tokio::test]
    async fn only_another_connections_commits_count_as_another_writer() {
        let (_dir, store) = temp_store();
        let writer = store.writer().unwrap();
        let mut others = OtherWriters::new(writer.clone());
        assert!(!others.wrote().await, "nothing to compare with yet");
        writer
            .call(|conn| {
                store::upsert_account(conn, "own", crate::domain::Marketplace::Wb)?;
                Ok(())
            })
            .await
            .unwrap();
        assert!(!others.wrote().await, "this process's own commit");
        let other = rusqlite::Connection::open(store.path()).unwrap();
        store::upsert_account(&other, "daemon's", crate::domain::Marketplace::Ozon).unwrap();
        assert!(others.wrote().await, "another connection's commit");
        assert!(!others.wrote().await, "noticed once");
    }
}
