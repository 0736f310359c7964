//! Carries out [`Effect`]s: reads through the UI's own read-only connection and hands
//! commands to the background services. The reads are small and indexed (one page of the
//! queue, one item), so they run on the UI task.

use std::collections::VecDeque;

use anyhow::Result;
use rusqlite::Connection;
use tokio::sync::mpsc::UnboundedSender;

use crate::app::Command;
use crate::domain::{Channel, InteractionId};
use crate::store::{self, QueueFilter, Store};

use super::action::{Action, Effect, QueueRequest};
use super::state::{AppState, Counts, Detail, QueueSnapshot};
use super::update::update;

/// Longest chain of effects one action may cause; a guard against a loop, never reached
/// in practice.
const MAX_STEPS: usize = 64;

/// Runs actions through [`update`] and performs the effects they return.
pub struct Runner {
    conn: Connection,
    commands: UnboundedSender<Command>,
    deferred_queue: Option<QueueRequest>,
    deferred_detail: Option<InteractionId>,
}

impl Runner {
    pub fn new(store: &Store, commands: UnboundedSender<Command>) -> Result<Runner> {
        Ok(Runner {
            conn: store.reader()?,
            commands,
            deferred_queue: None,
            deferred_detail: None,
        })
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
                        if let Some(next) = self.perform(effect) {
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
            let next = self.perform(Effect::LoadQueue(request));
            if let Some(action) = next {
                self.dispatch(state, action, false);
            }
        }
        if let Some(id) = self.deferred_detail.take() {
            let next = self.perform(Effect::LoadDetail(id));
            if let Some(action) = next {
                self.dispatch(state, action, false);
            }
        }
    }

    /// Whether reads are waiting for [`Runner::flush`].
    pub fn has_deferred(&self) -> bool {
        self.deferred_queue.is_some() || self.deferred_detail.is_some()
    }

    fn perform(&mut self, effect: Effect) -> Option<Action> {
        match effect {
            Effect::Command(command) => self
                .commands
                .send(command)
                .is_err()
                .then_some(Action::CommandFailed),
            Effect::LoadQueue(request) => Some(match read_queue(&self.conn, request) {
                Ok(snapshot) => Action::QueueLoaded(Box::new(snapshot)),
                Err(e) => Action::LoadFailed(format!("{e:#}")),
            }),
            Effect::LoadDetail(id) => Some(match read_detail(&self.conn, id) {
                Ok(Some(detail)) => Action::DetailLoaded(Box::new(detail)),
                Ok(None) => Action::DetailMissing(id),
                Err(e) => Action::LoadFailed(format!("{e:#}")),
            }),
            Effect::Quit => None,
        }
    }
}

/// One page of the queue, and the counts when asked, from one consistent snapshot.
pub fn read_queue(conn: &Connection, request: QueueRequest) -> Result<QueueSnapshot> {
    let tx = conn.unchecked_transaction()?;
    let total = store::queue_count(&tx, &request.filter)?;
    let rows = store::queue_page(&tx, &request.filter, request.offset, request.limit)?;
    let (counts, outbox_size) = if request.with_counts {
        let with_channel = |channel: Option<Channel>| {
            store::queue_count(
                &tx,
                &QueueFilter {
                    channel,
                    ..request.filter.clone()
                },
            )
        };
        let counts = Counts {
            all: with_channel(None)?,
            reviews: with_channel(Some(Channel::Review))?,
            questions: with_channel(Some(Channel::Question))?,
            chats: with_channel(Some(Channel::Chat))?,
            breached: store::queue_count(
                &tx,
                &QueueFilter {
                    channel: None,
                    account_id: request.filter.account_id,
                    breached_at: Some(request.now),
                },
            )?,
        };
        (Some(counts), Some(store::outbox_size(&tx)?))
    } else {
        (None, None)
    };
    drop(tx);
    Ok(QueueSnapshot {
        request,
        total,
        rows,
        counts,
        outbox_size,
    })
}

/// The whole interaction and, for a chat, its thread.
pub fn read_detail(conn: &Connection, id: InteractionId) -> Result<Option<Detail>> {
    let Some(interaction) = store::interaction(conn, id)? else {
        return Ok(None);
    };
    let messages = if interaction.channel == Channel::Chat {
        store::chat_messages(conn, id)?
    } else {
        Vec::new()
    };
    Ok(Some(Detail {
        interaction,
        messages,
    }))
}
