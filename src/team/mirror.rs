//! The team mirror: keeps an operator's local cache (`store::team_cache`) of the shared
//! inbox current. On a thread of its own (the PostgreSQL client blocks; never the UI's
//! task), it pulls the items changed since its cursor (`change_seq`, row-level security
//! limiting them to the operator's shops), woken by `LISTEN agentiq_items` and every few
//! seconds besides, and reports each change so the UI re-reads its page. A broken
//! connection (a database restart) is reported and retried with backoff.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use postgres::fallible_iterator::FallibleIterator;

use crate::domain::team::TeamNews;
use crate::store::pg::changes::{self, ITEMS_CHANNEL};
use crate::store::pg::{redacted, PgStore};
use crate::store::team_cache;
use crate::store::Writer;

/// A pull without a notification this often: a lost NOTIFY costs at most this long.
const POLL: Duration = Duration::from_secs(5);
/// Items read per pull.
const PAGE: i64 = 500;
/// How often the wait checks whether to stop.
const SLICE: Duration = Duration::from_millis(200);
const FIRST_RETRY: Duration = Duration::from_millis(250);
const LAST_RETRY: Duration = Duration::from_secs(4);

/// What the mirror reports: the connection's state, and that the cache changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MirrorReport {
    News(TeamNews),
    CacheChanged,
}

/// Where the reports go; returns false once nobody listens (the mirror stops).
pub type Reporter = Box<dyn Fn(MirrorReport) -> bool + Send>;

/// Stops the mirror's thread when dropped.
pub struct MirrorHandle {
    stop: Arc<AtomicBool>,
}

impl Drop for MirrorHandle {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Starts mirroring the shared database at `url` into the store behind `writer`.
pub fn spawn_mirror(url: &str, writer: Writer, report: Reporter) -> Result<MirrorHandle> {
    let stop = Arc::new(AtomicBool::new(false));
    let mirror = Mirror {
        store: PgStore::new(url),
        source: redacted(url),
        writer,
        report,
        stop: stop.clone(),
    };
    std::thread::Builder::new()
        .name("team-mirror".into())
        .spawn(move || mirror.run())
        .context("starting the team mirror")?;
    Ok(MirrorHandle { stop })
}

struct Mirror {
    store: PgStore,
    /// The cursor's key in the cache: the URL without its password.
    source: String,
    writer: Writer,
    report: Reporter,
    stop: Arc<AtomicBool>,
}

impl Mirror {
    fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    fn run(self) {
        let mut retry = FIRST_RETRY;
        let mut reported_down = false;
        while !self.stopped() {
            let mut connected = false;
            let Err(err) = self.session(&mut connected) else {
                return;
            };
            if connected {
                reported_down = false;
                retry = FIRST_RETRY;
            }
            let error = format!("{err:#}");
            tracing::warn!(error, "team mirror: the shared database is unreachable");
            if !reported_down && !(self.report)(MirrorReport::News(TeamNews::Offline { error })) {
                return;
            }
            reported_down = true;
            self.pause(retry);
            retry = (retry * 2).min(LAST_RETRY);
        }
    }

    fn pause(&self, pause: Duration) {
        let until = Instant::now() + pause;
        while !self.stopped() && Instant::now() < until {
            std::thread::sleep(SLICE.min(until.saturating_duration_since(Instant::now())));
        }
    }

    /// One connection's life: listen, say who we are, then pull whenever woken. Returns
    /// `Ok` only when told to stop.
    fn session(&self, connected: &mut bool) -> Result<()> {
        let mut client = self.store.connect()?;
        client
            .batch_execute(&format!("LISTEN {ITEMS_CHANNEL}"))
            .context("listening for changes")?;
        let (member, role) = changes::whoami(&mut client)?;
        tracing::info!(member, role, "team mirror connected");
        *connected = true;
        if !(self.report)(MirrorReport::News(TeamNews::Online { member, role })) {
            return Ok(());
        }
        loop {
            if self.pull(&mut client)? && !(self.report)(MirrorReport::CacheChanged) {
                return Ok(());
            }
            if !self.wait(&mut client)? {
                return Ok(());
            }
        }
    }

    /// Waits for a notification or the poll's period; false when told to stop.
    fn wait(&self, client: &mut postgres::Client) -> Result<bool> {
        let until = Instant::now() + POLL;
        while Instant::now() < until {
            if self.stopped() {
                return Ok(false);
            }
            let mut notifications = client.notifications();
            if notifications
                .timeout_iter(SLICE)
                .next()
                .context("waiting for changes")?
                .is_some()
            {
                // Several writes in a row come as several notifications: one pull reads
                // them all.
                while notifications.iter().next()?.is_some() {}
                return Ok(true);
            }
        }
        Ok(!self.stopped())
    }

    /// Reads every change since the cursor into the cache; whether anything changed.
    fn pull(&self, client: &mut postgres::Client) -> Result<bool> {
        let mut changed = false;
        loop {
            let source = self.source.clone();
            let cursor = self
                .writer
                .call_blocking(move |conn| team_cache::team_cursor(conn, &source))?;
            let read = changes::changes_since(client, cursor, PAGE)?;
            let (more, next) = (read.more, read.cursor);
            if !read.items.is_empty() {
                changed = true;
            }
            if !read.items.is_empty() || next != cursor {
                let source = self.source.clone();
                self.writer.call_blocking(move |conn| {
                    team_cache::apply_team_items(conn, &read.items)?;
                    team_cache::set_team_cursor(conn, &source, next)
                })?;
            }
            if !more {
                return Ok(changed);
            }
        }
    }
}
