//! Carries out [`Effect`]s: reads through the UI's own read-only connection and hands
//! commands to the background services. The reads that are small and indexed (one page of
//! the queue, one item, one page of a screen) run on the UI task. Whatever grows with the
//! store runs on threads of its own, each with its own connection, and comes back as
//! actions through [`Runner::take_job_results`]: the counts of a view (its first page is
//! shown before they arrive, marked as counting), search pages, the detail pane's
//! look-ups (the revenue model, the reply's guard: settings of the item's account), the
//! analytics figures (they scan a whole period) and the full guardrail check of a reply
//! once typing pauses (it compares with the seller's recent answers). Reads of one kind run one at a time:
//! one asked for meanwhile waits, and the answer it supersedes is dropped; a search's
//! counts start once its result page has come, so the page has the cores to itself. Handing the
//! terminal to `$EDITOR` is left to the event loop ([`Runner::take_external_editor`]).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use rusqlite::Connection;
use tokio::sync::mpsc::{self, UnboundedReceiver, UnboundedSender};

use crate::domain::InteractionId;
use crate::protocol::Command;
use crate::store::{self, Seek, Store};

use super::action::{
    Action, AnalyticsRequest, Effect, PageSeek, QueueRequest, ReadKind, ReplyCheck,
};
use super::reads::{self, ReadStats};
use super::state::{AppState, QueueSnapshot};
use super::update::update;

/// Longest chain of effects one action may cause; a guard against a loop, never reached
/// in practice.
const MAX_STEPS: usize = 64;

/// How long typing must pause before the reply is checked in full (off the UI thread).
pub const CHECK_DEBOUNCE: Duration = Duration::from_millis(150);

/// Rows a page read on the UI task may skip from the top of a view whose size is not
/// known yet; deeper, the page is read off the task with the counts.
const SHALLOW_SKIP: usize = 1_000;

/// One kind of read off the UI task: whether one runs, and the newest asked for meanwhile.
#[derive(Default)]
struct ReadSlot {
    running: bool,
    waiting: Option<OffTask>,
}

/// A read run off the UI task.
enum OffTask {
    /// The counts of a view, or a page with the counts it asks for.
    Queue(Box<QueueRequest>),
    /// The detail pane's look-ups for an item, at a moment.
    Extras(InteractionId, chrono::DateTime<chrono::Utc>),
}

/// Runs actions through [`update`] and performs the effects they return.
pub struct Runner {
    conn: Connection,
    store: Store,
    commands: UnboundedSender<Command>,
    deferred_queue: Option<QueueRequest>,
    deferred_detail: Option<InteractionId>,
    external_editor: Option<String>,
    /// Shared with the reads off the UI task, which add what they cost.
    stats: Arc<Mutex<ReadStats>>,
    /// The counts, page and detail look-up reads off the UI task.
    reads: [ReadSlot; 3],
    /// The counts of a search, read once its result page has come: read alongside, they
    /// would take a core from it.
    counts_after_page: Option<QueueRequest>,
    /// Where background jobs send their answers, and where they arrive until the event
    /// loop takes the receiving end.
    job_results: UnboundedSender<Action>,
    job_inbox: Option<UnboundedReceiver<Action>>,
    jobs_in_flight: usize,
    /// The latest reply check asked for, and when typing will have paused long enough.
    pending_check: Option<(ReplyCheck, Instant)>,
    /// Reads performed on the UI task so far (anything they bring may change the screen).
    loads: u64,
}

impl Runner {
    pub fn new(store: &Store, commands: UnboundedSender<Command>) -> Result<Runner> {
        let (job_results, job_inbox) = mpsc::unbounded_channel();
        Ok(Runner {
            conn: store.reader()?,
            store: store.clone(),
            commands,
            deferred_queue: None,
            deferred_detail: None,
            external_editor: None,
            stats: Arc::default(),
            reads: Default::default(),
            counts_after_page: None,
            job_results,
            job_inbox: Some(job_inbox),
            jobs_in_flight: 0,
            pending_check: None,
            loads: 0,
        })
    }

    /// The answers of background jobs, for the event loop to wait on and dispatch.
    pub fn take_job_results(&mut self) -> Option<UnboundedReceiver<Action>> {
        self.job_inbox.take()
    }

    /// Waits for every background job started so far (and those their answers start)
    /// and applies the answers: for callers without an event loop, such as tests.
    pub fn settle(&mut self, state: &mut AppState) {
        while self.jobs_in_flight > 0 {
            let Some(inbox) = self.job_inbox.as_mut() else {
                return;
            };
            let Some(action) = inbox.blocking_recv() else {
                return;
            };
            self.job_finished(state, action);
        }
    }

    /// Applies the answer of a background job that arrived through
    /// [`Runner::take_job_results`].
    pub fn job_finished(&mut self, state: &mut AppState, action: Action) {
        self.jobs_in_flight = self.jobs_in_flight.saturating_sub(1);
        let action = match action {
            Action::ReadDone { kind, action } => {
                let slot = &mut self.reads[kind as usize];
                slot.running = false;
                if let Some(newer) = slot.waiting.take() {
                    // A newer read of this kind was asked for: this answer is stale.
                    self.read_off_task(kind, newer);
                    return;
                }
                if kind == ReadKind::Page {
                    if let Some(counts) = self.counts_after_page.take() {
                        self.read_off_task(ReadKind::Counts, OffTask::Queue(Box::new(counts)));
                    }
                }
                match *action {
                    Action::QueueLoaded(snapshot) => {
                        Action::QueueLoaded(Box::new(provisional_total(state, *snapshot)))
                    }
                    other => other,
                }
            }
            other => other,
        };
        self.dispatch(state, action, false);
    }

    /// Reads `request` (a view's counts, its page and the counts it asks for, or an item's
    /// look-ups) on a thread of its own, or after the read of this kind that runs now.
    fn read_off_task(&mut self, kind: ReadKind, request: OffTask) {
        let slot = &mut self.reads[kind as usize];
        if slot.running {
            slot.waiting = Some(request);
            return;
        }
        slot.running = true;
        let store = self.store.clone();
        let answer = self.job_results.clone();
        let stats = self.stats.clone();
        self.jobs_in_flight += 1;
        let spawned = std::thread::Builder::new()
            .name("inbox-read".into())
            .spawn(move || {
                // An answer always comes back, even from a panic, so the slot frees.
                let action = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    read_apart(&store, kind, request, &stats)
                }))
                .unwrap_or_else(|_| Err(anyhow::anyhow!("a read of the inbox failed")))
                .unwrap_or_else(|e| Action::LoadFailed(format!("{e:#}")));
                let _ = answer.send(Action::ReadDone {
                    kind,
                    action: Box::new(action),
                });
            });
        if let Err(e) = spawned {
            let _ = self.job_results.send(Action::ReadDone {
                kind,
                action: Box::new(Action::LoadFailed(format!(
                    "starting a read of the inbox: {e}"
                ))),
            });
        }
    }

    /// One page of the queue: on the UI task when it is one indexed read, off it when it
    /// searches or must first count a deep view. The counts always come off it.
    fn load_queue(&mut self, state: &AppState, request: QueueRequest) -> Option<Action> {
        let known_total = (request.view == state.view_gen)
            .then_some(state.queue.total)
            .flatten();
        let page = match (request.seek, known_total) {
            (PageSeek::Exact(seek), _) => Some((seek, request.limit)),
            (PageSeek::Nearest, Some(total)) => {
                Some(reads::nearest(request.offset, request.limit, total))
            }
            (PageSeek::Nearest, None) if request.offset <= SHALLOW_SKIP => Some((
                Seek::Start {
                    skip: request.offset,
                },
                request.limit,
            )),
            (PageSeek::Nearest, None) => None,
        };
        let Some((seek, limit)) = page else {
            self.read_off_task(ReadKind::Page, OffTask::Queue(Box::new(request)));
            return None;
        };
        let searches = store::search::fts_expression(&request.filter.text).is_some();
        if request.with_counts {
            if searches {
                self.counts_after_page = Some(request.clone());
            } else {
                self.counts_after_page = None;
                self.read_off_task(ReadKind::Counts, OffTask::Queue(Box::new(request.clone())));
            }
        }
        let page = QueueRequest {
            seek: PageSeek::Exact(seek),
            limit,
            with_counts: false,
            ..request
        };
        if searches {
            self.read_off_task(ReadKind::Page, OffTask::Queue(Box::new(page)));
            return None;
        }
        let read = reads::read_queue(&self.conn, page, &mut lock(&self.stats));
        Some(match read {
            Ok(snapshot) => Action::QueueLoaded(Box::new(provisional_total(state, snapshot))),
            Err(e) => Action::LoadFailed(format!("{e:#}")),
        })
    }

    /// Computes the analytics figures on a thread of its own.
    fn spawn_analytics(&mut self, request: AnalyticsRequest) {
        let store = self.store.clone();
        let answer = self.job_results.clone();
        self.jobs_in_flight += 1;
        let spawned = std::thread::Builder::new()
            .name("analytics".into())
            .spawn(move || {
                // An answer always comes back, even from a panic, so nobody waits forever.
                let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    store.reader().and_then(|conn| {
                        let versions =
                            crate::experiments::version_report(&conn, &request.query, None)?;
                        crate::analytics::dashboard(&conn, &request.query, request.now, versions)
                    })
                }))
                .unwrap_or_else(|_| Err(anyhow::anyhow!("the analytics computation failed")))
                .map(Box::new)
                .map_err(|e| format!("{e:#}"));
                let _ = answer.send(Action::AnalyticsLoaded {
                    request: request.request,
                    result,
                });
            });
        if let Err(e) = spawned {
            let _ = self.job_results.send(Action::AnalyticsLoaded {
                request: request.request,
                result: Err(format!("starting the analytics thread: {e}")),
            });
        }
    }

    /// Reads the accounts and the first page at this terminal size.
    pub fn start(&mut self, state: &mut AppState, width: u16, height: u16) {
        if let Some(action) = self.perform(state, Effect::LoadAccounts) {
            self.dispatch(state, action, false);
        }
        self.dispatch(state, Action::Resize { width, height }, false);
    }

    /// Whether work started off the UI task has not answered yet.
    pub fn busy(&self) -> bool {
        self.jobs_in_flight > 0
    }

    /// Reads performed on the UI task so far.
    pub fn loads(&self) -> u64 {
        self.loads
    }

    /// What the queue reads have cost so far.
    pub fn stats(&self) -> ReadStats {
        *lock(&self.stats)
    }

    /// Applies `action` and everything that follows from it. With `defer_reads`, the
    /// reads it asks for wait for [`Runner::flush`], so a burst of background events
    /// costs one read.
    pub fn dispatch(&mut self, state: &mut AppState, action: Action, defer_reads: bool) {
        let mut work = VecDeque::from([(action, defer_reads)]);
        let mut steps = 0;
        while let Some((action, defer)) = work.pop_front() {
            steps += 1;
            if steps > MAX_STEPS {
                tracing::warn!("the inbox stopped a chain of more than {MAX_STEPS} effects");
                break;
            }
            for effect in update(state, action) {
                match effect {
                    Effect::LoadQueue(request) if defer => {
                        let with_counts = request.with_counts
                            || self.deferred_queue.as_ref().is_some_and(|r| r.with_counts);
                        self.deferred_queue = Some(QueueRequest {
                            with_counts,
                            ..request
                        });
                    }
                    Effect::LoadDetail(id) if defer => self.deferred_detail = Some(id),
                    effect => {
                        if let Some(next) = self.perform(state, effect) {
                            work.push_back((next, false));
                        }
                    }
                }
            }
        }
    }

    /// Performs the reads deferred so far.
    pub fn flush(&mut self, state: &mut AppState) {
        if let Some(request) = self.deferred_queue.take() {
            let next = self.perform(state, Effect::LoadQueue(request));
            if let Some(action) = next {
                self.dispatch(state, action, false);
            }
        }
        if let Some(id) = self.deferred_detail.take() {
            let next = self.perform(state, Effect::LoadDetail(id));
            if let Some(action) = next {
                self.dispatch(state, action, false);
            }
        }
    }

    /// Whether reads are waiting for [`Runner::flush`].
    pub fn has_deferred(&self) -> bool {
        self.deferred_queue.is_some() || self.deferred_detail.is_some()
    }

    /// When the pending reply check is due, if one is.
    pub fn check_due_at(&self) -> Option<Instant> {
        self.pending_check.as_ref().map(|(_, at)| *at)
    }

    /// Starts the pending reply check on its own thread: it reads what the outbox reads
    /// (`DraftInputs`, the seller's recent answers included) and runs the same check, so
    /// the editor shows what the send path will decide. The verdict comes back through
    /// [`Runner::take_job_results`] tagged with the text's revision.
    pub fn start_check(&mut self) {
        let Some((check, _)) = self.pending_check.take() else {
            return;
        };
        let store = self.store.clone();
        let answer = self.job_results.clone();
        self.jobs_in_flight += 1;
        let spawned = std::thread::Builder::new()
            .name("reply-check".into())
            .spawn(move || {
                let ReplyCheck {
                    interaction_id,
                    revision,
                    text,
                } = check;
                let verdict = (|| -> Result<_> {
                    let reader = store.reader()?;
                    let inputs = crate::prepare::DraftInputs::load(&reader, interaction_id)?
                        .with_context(|| {
                            format!("interaction {} does not exist", interaction_id.0)
                        })?;
                    Ok(inputs.check(&text))
                })();
                let action = match verdict {
                    Ok(verdict) => Action::ReplyChecked {
                        interaction_id,
                        revision,
                        verdict,
                    },
                    Err(e) => Action::LoadFailed(format!("{e:#}")),
                };
                // The UI may be gone; then nobody needs the answer.
                let _ = answer.send(action);
            });
        if let Err(e) = spawned {
            self.jobs_in_flight -= 1;
            tracing::error!(error = %e, "could not start a reply check");
        }
    }

    /// Text to edit in `$EDITOR`, when the reducer asked for it; the event loop suspends
    /// the terminal, runs the editor and dispatches [`Action::ExternalEdited`].
    pub fn take_external_editor(&mut self) -> Option<String> {
        self.external_editor.take()
    }

    fn perform(&mut self, state: &AppState, effect: Effect) -> Option<Action> {
        let action = self.perform_effect(state, effect);
        if action.is_some() {
            self.loads += 1;
        }
        action
    }

    fn perform_effect(&mut self, state: &AppState, effect: Effect) -> Option<Action> {
        let failed = |e: anyhow::Error| Action::LoadFailed(format!("{e:#}"));
        match effect {
            Effect::Command(command) => self
                .commands
                .send(command)
                .is_err()
                .then_some(Action::CommandFailed),
            Effect::LoadQueue(request) => self.load_queue(state, request),
            Effect::LoadDetail(id) => Some(match reads::read_detail(&self.conn, id) {
                Ok(Some(detail)) => Action::DetailLoaded(Box::new(detail)),
                Ok(None) => Action::DetailMissing(id),
                Err(e) => failed(e),
            }),
            Effect::LoadDetailExtras(id) => {
                self.read_off_task(ReadKind::DetailExtras, OffTask::Extras(id, state.now));
                None
            }
            Effect::LoadAccounts => Some(match store::accounts(&self.conn) {
                Ok(accounts) => Action::AccountsLoaded(accounts),
                Err(e) => failed(e),
            }),
            Effect::LoadHealth => Some(match reads::read_health(&self.conn, state.now) {
                Ok(rows) => Action::HealthLoaded(rows),
                Err(e) => failed(e),
            }),
            Effect::LoadAudit(request) => Some(
                match reads::read_audit(&self.conn, request, state.audit.total) {
                    Ok(snapshot) => Action::AuditLoaded(Box::new(snapshot)),
                    Err(e) => failed(e),
                },
            ),
            Effect::LoadAnalytics(request) => {
                self.spawn_analytics(request);
                None
            }
            Effect::LoadSettings(scope) => Some(
                match super::settings_sections::read_layers(&self.conn, scope) {
                    Ok(sections) => Action::SettingsLoaded { scope, sections },
                    Err(e) => failed(e),
                },
            ),
            Effect::LoadLearnt(account_id) => Some(
                match crate::learning::Learnt::load(&self.conn, account_id) {
                    Ok(learnt) => Action::LearntLoaded { account_id, learnt },
                    Err(e) => failed(e),
                },
            ),
            Effect::ExternalEditor(text) => {
                self.external_editor = Some(text);
                None
            }
            Effect::Quit => None,
            // Typing resets the wait: only the last text is checked once typing pauses.
            Effect::CheckReply(check) => {
                self.pending_check = Some((check, Instant::now() + CHECK_DEBOUNCE));
                None
            }
        }
    }
}

/// One read off the UI task, on a connection of its own, as the action that applies it.
fn read_apart(
    store: &Store,
    kind: ReadKind,
    request: OffTask,
    stats: &Mutex<ReadStats>,
) -> Result<Action> {
    let conn = store.reader()?;
    let mut cost = ReadStats::default();
    let action = match request {
        OffTask::Queue(request) if kind == ReadKind::Counts => {
            Action::CountsLoaded(Box::new(reads::read_counts(&conn, *request, &mut cost)?))
        }
        OffTask::Queue(request) => {
            Action::QueueLoaded(Box::new(reads::read_queue(&conn, *request, &mut cost)?))
        }
        OffTask::Extras(id, now) => match reads::read_detail_extras(&conn, id, now)? {
            Some(extras) => Action::DetailExtrasLoaded {
                id,
                extras: Box::new(extras),
            },
            None => Action::DetailMissing(id),
        },
    };
    add_stats(stats, cost);
    Ok(action)
}

fn lock(stats: &Mutex<ReadStats>) -> std::sync::MutexGuard<'_, ReadStats> {
    stats
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn add_stats(stats: &Mutex<ReadStats>, cost: ReadStats) {
    let mut s = lock(stats);
    s.pages += cost.pages;
    s.rows += cost.rows;
    s.page_steps += cost.page_steps;
    s.counts += cost.counts;
}

/// A page read without its count, for a view whose size is not known yet: what was read
/// is the size for now (exact when the page is not full), until the count arrives.
fn provisional_total(state: &AppState, mut snapshot: QueueSnapshot) -> QueueSnapshot {
    let uncounted = snapshot.request.view == state.view_gen && state.queue.total.is_none();
    if snapshot.total.is_none() && uncounted {
        snapshot.total = Some(snapshot.request.offset + snapshot.rows.len());
    }
    snapshot
}
