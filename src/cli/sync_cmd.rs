//! `agentiq sync --once | --daemon`: headless sync beside (or without) the TUI, on the same
//! database. Progress bars on a terminal, plain lines otherwise.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use chrono::Utc;
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};

use crate::ai::llm::LlmConfig;
use crate::cli::exit::{fail, Failure};
use crate::connectors::{build_connectors, AccountConfig};
use crate::outbox::{Outbox, Step};
use crate::protocol::Event;
use crate::runtime::{Clock, ServiceOptions, Services};
use crate::store::{self, Store};
use crate::sync::{eta, sync_pass_with_progress, PassStats};

/// Progress lines on a terminal fit 80 columns: a fixed-width label (cut with `…` when
/// longer), then the counts, also cut to what is left.
const LABEL_COLS: usize = 24;
const SPINNER: &str = "{spinner} {prefix:24!} {msg}";
const BAR: &str = "{spinner} {prefix:24!} {bar:12} {msg}";
const DONE: &str = "  {prefix:24!} {msg}";
/// 80 columns less the spinner, label, bar and the spaces between, less one so a
/// terminal that wraps at the last column does not.
const BAR_MSG_COLS: usize = 79 - 2 - LABEL_COLS - 1 - 12 - 1;
const DONE_MSG_COLS: usize = 79 - 2 - LABEL_COLS - 1;

fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_spinner())
}

/// `text` cut to `cols` terminal columns, with `…` when cut.
fn fit(text: &str, cols: usize) -> String {
    use unicode_truncate::UnicodeTruncateStr;
    use unicode_width::UnicodeWidthStr;
    if text.width() <= cols {
        return text.to_string();
    }
    format!("{}…", text.unicode_truncate(cols.saturating_sub(1)).0)
}

/// Passes over the outbox in one `sync --once`; each pass takes every reply due, so this
/// only bounds a run whose replies keep coming due again at once.
const OUTBOX_PASSES: usize = 50;

/// One run: delivers the replies waiting in the outbox, then one pass of every connector
/// of every account (concurrently per account), classifies what came in and drafts
/// replies for the top of the queue with `llm` when configured. Returns an error when any
/// pass failed (after all have run).
pub async fn sync_once(
    store: &Store,
    accounts: &[AccountConfig],
    llm: Option<&LlmConfig>,
) -> Result<()> {
    if accounts.is_empty() {
        return Err(fail(
            Failure::Config,
            "no accounts configured; add [[accounts]] to the config file (see docs/configuration.md)",
        ));
    }
    let provider = crate::runtime::provider_for(llm)?;
    let writer = store.writer()?;
    let clock: Clock = Arc::new(Utc::now);
    let holder = store::holder_id_for(store::ProcessKind::Once);
    let _heartbeat = store::Heartbeat::start(
        writer.clone(),
        holder.clone(),
        clock.clone(),
        crate::outbox::CLAIM_TTL,
    );
    let result = sync_once_as(store, &writer, &holder, accounts, &provider, &clock).await;
    report_llm_down(&provider);
    let who = holder.clone();
    writer
        .call(move |conn| store::unregister_process(conn, &who))
        .await?;
    result
}

async fn sync_once_as(
    store: &Store,
    writer: &store::Writer,
    holder: &str,
    accounts: &[AccountConfig],
    provider: &crate::ai::llm::Provider,
    clock: &Clock,
) -> Result<()> {
    deliver_outbox(store, writer, holder, accounts, clock).await?;
    let failed = sync_every_connector(store, writer, holder, accounts, clock).await?;
    refresh_catalogs(writer, accounts, clock).await?;
    classify_and_draft(store, writer, provider).await?;
    auto_replies(store, writer, accounts, provider).await?;
    if failed > 0 {
        return Err(fail(
            Failure::Unavailable,
            format!("{failed} sync pass(es) failed; see above"),
        ));
    }
    Ok(())
}

/// One pass of every connector of every account, concurrently, each under its lease (a
/// connector another process syncs is skipped). Returns how many passes failed.
async fn sync_every_connector(
    store: &Store,
    writer: &store::Writer,
    holder: &str,
    accounts: &[AccountConfig],
    clock: &Clock,
) -> Result<usize> {
    let bars = std::io::stderr().is_terminal().then(MultiProgress::new);
    let mut tasks = Vec::new();
    for account in accounts {
        let name = account.name.clone();
        let marketplace = account.marketplace;
        let account_id = writer
            .call(move |conn| store::upsert_account(conn, &name, marketplace))
            .await?;
        for connector in build_connectors(account)? {
            let label = format!("{} {}", account.name, connector.id());
            let lease = crate::sync::connector_lease(account_id, connector.as_ref());
            if !take_lease(store, writer, holder, &lease, &label, clock).await? {
                continue;
            }
            let pass = Pass {
                writer: writer.clone(),
                clock: clock.clone(),
                holder: holder.to_string(),
                account_id,
                connector,
                bar: bars.as_ref().map(|m| spinner(m, &label)),
                label,
                lease,
            };
            tasks.push(tokio::spawn(pass.run()));
        }
    }
    let mut failed = 0;
    for task in tasks {
        if !task.await.context("a sync task panicked")? {
            failed += 1;
        }
    }
    Ok(failed)
}

/// Takes the connector's lease for this process; when another process holds it, says
/// who and returns false.
async fn take_lease(
    store: &Store,
    writer: &store::Writer,
    holder: &str,
    lease: &str,
    label: &str,
    clock: &Clock,
) -> Result<bool> {
    let (name, who, now) = (lease.to_string(), holder.to_string(), clock());
    let ours = writer
        .call(move |conn| store::try_lease(conn, &name, &who, now, crate::outbox::CLAIM_TTL))
        .await?;
    if !ours {
        let reader = store.reader()?;
        let by = store::lease_holder(&reader, lease)?
            .and_then(|h| store::Holder::parse(&h))
            .map(|h| h.describe())
            .unwrap_or_else(|| "another process".into());
        eprintln!("{label}: synced by {by}; skipped");
    }
    Ok(ours)
}

/// A connector's spinner line, labelled once as the line's prefix; only the counts change.
fn spinner(bars: &MultiProgress, label: &str) -> ProgressBar {
    let bar = bars.add(ProgressBar::new_spinner());
    bar.set_style(style(SPINNER));
    bar.set_prefix(label.to_string());
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

/// One connector's sync pass, run as its own task.
struct Pass {
    writer: store::Writer,
    clock: Clock,
    holder: String,
    account_id: i64,
    connector: Arc<dyn crate::connectors::Connector>,
    bar: Option<ProgressBar>,
    label: String,
    lease: String,
}

impl Pass {
    /// Runs the pass with its progress shown, releases the lease, reports the outcome;
    /// true when the pass succeeded.
    async fn run(self) -> bool {
        let started = Instant::now();
        let started_at = (self.clock)();
        let progress = progress_to(self.bar.clone(), self.clock.clone(), started_at);
        let result = sync_pass_with_progress(
            &self.writer,
            self.account_id,
            self.connector.as_ref(),
            &*self.clock,
            &progress,
        )
        .await;
        let line =
            match &result {
                Ok(s) => {
                    let e = eta::eta(u64::from(s.seen), s.total, started_at, (self.clock)());
                    format!(
                    "{}: ok, {}, {} pages ({} new, {} changed, {} skipped), {} requests, {:.1}s",
                    self.label,
                    eta::line(&eta::Eta { left: None, ..e }, "items"),
                    s.pages, s.new, s.changed, s.skipped, s.requests,
                    started.elapsed().as_secs_f64()
                )
                }
                Err((s, err)) => format!("{}: failed after {} pages: {err}", self.label, s.pages),
            };
        let (lease, holder) = (self.lease, self.holder);
        let released = self
            .writer
            .call(move |conn| store::release_lease(conn, &lease, &holder))
            .await;
        if let Err(err) = released {
            tracing::warn!(error = %format!("{err:#}"), "releasing a sync lease");
        }
        match self.bar {
            Some(b) => {
                b.set_style(style(DONE));
                let prefix = format!("{}: ", self.label);
                let done = line.strip_prefix(&prefix).unwrap_or(&line);
                b.finish_with_message(fit(done, DONE_MSG_COLS));
            }
            None => eprintln!("{line}"),
        }
        result.is_ok()
    }
}

/// The progress callback of a pass: a bar once the total is known, counts and ETA.
fn progress_to(
    bar: Option<ProgressBar>,
    clock: Clock,
    started_at: chrono::DateTime<Utc>,
) -> impl Fn(&PassStats) + Send + Sync {
    move |s: &PassStats| {
        if let Some(b) = &bar {
            let e = eta::eta(u64::from(s.seen), s.total, started_at, clock());
            if let Some(total) = s.total {
                if b.length() != Some(total) {
                    b.set_style(style(BAR));
                    b.set_length(total);
                }
                b.set_position(u64::from(s.seen).min(total));
            }
            b.set_message(fit(&eta::line(&e, "items"), BAR_MSG_COLS));
        }
    }
}

/// Every product card seen, a batch at a time, until none is due, per account with a
/// catalog.
async fn refresh_catalogs(
    writer: &store::Writer,
    accounts: &[AccountConfig],
    clock: &Clock,
) -> Result<()> {
    for account in accounts {
        let Some(catalog) = crate::connectors::catalog::catalog_for(account) else {
            continue;
        };
        let name = account.name.clone();
        let marketplace = account.marketplace;
        let account_id = writer
            .call(move |conn| store::upsert_account(conn, &name, marketplace))
            .await?;
        let mut stored = 0;
        loop {
            let done =
                crate::sync::refresh_cards(writer, account_id, catalog.as_ref(), &**clock).await;
            stored += done.stored;
            if done.asked < crate::sync::CARDS_PER_CYCLE {
                break;
            }
        }
        if stored > 0 {
            eprintln!("{}: {stored} product cards", account.name);
        }
    }
    Ok(())
}

/// Classifies everything new, then drafts replies for the top of the queue.
async fn classify_and_draft(
    store: &Store,
    writer: &store::Writer,
    provider: &crate::ai::llm::Provider,
) -> Result<()> {
    let mut classified = 0;
    loop {
        let n = crate::prepare::classify_pending(store, writer, Utc::now()).await?;
        if n == 0 {
            break;
        }
        classified += n;
    }
    if classified > 0 {
        eprintln!("{classified} items classified");
    }
    let drafted = crate::prepare::prepare_drafts_with(
        store,
        writer,
        Utc::now(),
        crate::prepare::DRAFT_AHEAD,
        provider,
    )
    .await?;
    if drafted > 0 {
        eprintln!("{drafted} drafts prepared");
    }
    Ok(())
}

/// Says so when the LLM endpoint failed until the circuit opened: the drafts of this
/// run are offline, and a hanging endpoint is why the run took its timeouts.
fn report_llm_down(provider: &crate::ai::llm::Provider) {
    if let crate::ai::llm::Provider::Llm(llm) = provider {
        if let Some(why) = llm.down() {
            eprintln!("LLM unavailable, drafts are offline: {why}");
        }
    }
}

/// One auto-response round per account (shadow or live, see `prepare::auto_live`);
/// live replies wait out their undo window and go with a later run or the daemon.
async fn auto_replies(
    store: &Store,
    writer: &store::Writer,
    accounts: &[AccountConfig],
    provider: &crate::ai::llm::Provider,
) -> Result<()> {
    for account in accounts {
        let name = account.name.clone();
        let account_id = writer
            .call(move |conn| Ok(store::account_by_name(conn, &name)?.map(|a| a.id)))
            .await?;
        let Some(account_id) = account_id else {
            continue;
        };
        let round =
            crate::prepare::auto_round_with(store, writer, account_id, Utc::now(), provider)
                .await?;
        if round.queued + round.shadowed > 0 || round.capped {
            eprintln!(
                "{}: {} auto-replies queued, {} recorded in shadow mode{}",
                account.name,
                round.queued,
                round.shadowed,
                if round.capped {
                    " (hourly cap reached)"
                } else {
                    ""
                }
            );
        }
        if let Some(reason) = round.paused {
            eprintln!("{}: auto-replies paused: {reason}", account.name);
        }
    }
    Ok(())
}

/// Delivers every reply that is due and that no other live process has claimed (claims
/// are per reply, so processes share the work). Prints what happened.
async fn deliver_outbox(
    store: &Store,
    writer: &store::Writer,
    holder: &str,
    accounts: &[AccountConfig],
    clock: &Clock,
) -> Result<()> {
    let mut connectors = HashMap::new();
    for account in accounts {
        let name = account.name.clone();
        let marketplace = account.marketplace;
        let account_id = writer
            .call(move |conn| store::upsert_account(conn, &name, marketplace))
            .await?;
        for connector in build_connectors(account)? {
            connectors.insert((account_id, connector.channel()), connector);
        }
    }
    // Nobody listens: the events are for a UI.
    let (events, _) = tokio::sync::mpsc::unbounded_channel();
    let outbox = Outbox::new(
        store.clone(),
        writer.clone(),
        connectors,
        events,
        clock.clone(),
    )
    .with_holder(holder.to_string());
    let (who, reaches, now) = (holder.to_string(), outbox.reaches(), clock());
    writer
        .call(move |conn| {
            store::register_process(conn, &who, store::ProcessKind::Once, &reaches, now)
        })
        .await?;
    let (mut visible, mut accepted, mut retrying, mut failed) = (0, 0, 0, 0);
    for _ in 0..OUTBOX_PASSES {
        let steps = outbox.process_due().await?;
        if steps.is_empty() {
            break;
        }
        for (_, step) in steps {
            match step {
                Step::Visible => visible += 1,
                Step::Accepted => accepted += 1,
                Step::Retrying(_) => retrying += 1,
                Step::Failed(_) | Step::Rejected(_) => failed += 1,
                Step::Skipped => {}
            }
        }
    }
    if visible + accepted + retrying + failed > 0 {
        eprintln!(
            "outbox: {visible} delivered, {accepted} accepted and waiting to show, {retrying} to retry, {failed} refused"
        );
    }
    Ok(())
}

/// Syncs and delivers replies until interrupted, printing what happens.
pub async fn sync_daemon(
    store: &Store,
    accounts: &[AccountConfig],
    poll_every: Duration,
    llm: Option<LlmConfig>,
) -> Result<()> {
    if accounts.is_empty() {
        return Err(fail(
            Failure::Config,
            "no accounts configured; add [[accounts]] to the config file (see docs/configuration.md)",
        ));
    }
    let services = Services::start(
        store,
        accounts,
        ServiceOptions {
            poll_every,
            clock: Arc::new(Utc::now),
            notify_lang: crate::notify::Lang::Ru,
            llm,
            kind: store::ProcessKind::Daemon,
            offline: false,
            prompts: None,
        },
    )
    .await?;
    let Services {
        mut events,
        commands: _commands,
        guard: _guard,
        ..
    } = services;
    eprintln!(
        "agentiq sync daemon: {} account(s), polling every {}s; Ctrl-C stops",
        accounts.len(),
        poll_every.as_secs()
    );
    loop {
        tokio::select! {
            event = events.recv() => match event {
                Some(Event::SyncFinished { account, connector, ok, new, changed, error }) => {
                    let stamp = Utc::now().format("%H:%M:%S");
                    match error {
                        None if ok => {
                            if new + changed > 0 {
                                eprintln!("{stamp} {account} {connector}: {new} new, {changed} changed");
                            }
                        }
                        _ => eprintln!("{stamp} {account} {connector}: failed: {}", error.unwrap_or_default()),
                    }
                }
                Some(Event::Notice { text, bell }) => {
                    let bell = if bell { "\x07" } else { "" };
                    eprintln!("{} {text}{bell}", Utc::now().format("%H:%M:%S"));
                }
                Some(Event::Offline { account, since }) => eprintln!("{account}: offline since {}", since.format("%H:%M")),
                Some(Event::Online { account }) => eprintln!("{account}: online again"),
                Some(_) => {}
                None => break,
            },
            _ = tokio::signal::ctrl_c() => break,
        }
    }
    Ok(())
}

#[cfg(test)]
mod progress_line_tests {
    use super::*;
    use unicode_width::UnicodeWidthStr;

    #[test]
    fn terminal_lines_fit_80_columns() {
        let long = "ok, 3 200 / 6 030 items, 812/s, 4 pages (3 200 new, 0 changed, 0 skipped), 33 requests, 4.1s";
        let bar = fit(long, BAR_MSG_COLS);
        assert!(bar.ends_with('…'));
        assert_eq!(bar.width(), BAR_MSG_COLS);
        // Spinner, label, bar and message, with the spaces between.
        assert!(2 + LABEL_COLS + 1 + 12 + 1 + bar.width() < 80);
        let done = fit(long, DONE_MSG_COLS);
        assert!(2 + LABEL_COLS + 1 + done.width() < 80);
        assert_eq!(
            fit("3 200 / 6 030 items", BAR_MSG_COLS),
            "3 200 / 6 030 items"
        );
    }
}
