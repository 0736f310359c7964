//! The command router: carries out what the UI asks (replies, edits, settings,
//! auto-replies, a sync now) through the writer and the outbox, and answers with events.

use std::sync::Arc;

use tokio::sync::{mpsc, Notify};

use crate::domain::{Clock, InteractionId};
use crate::outbox::{Actor, EnqueueOutcome, ReplyRequest, SentDraft};
use crate::prepare::{enqueue_checked, enqueue_edit_checked};
use crate::protocol::{Command, Event};
use crate::store::{self, Store, Writer};

use super::{forget_learnt, save_setting};

pub(super) struct Router {
    pub store: Store,
    pub writer: Writer,
    pub clock: Clock,
    pub events: mpsc::UnboundedSender<Event>,
    /// Wakes the outbox when a reply is queued.
    pub wake_outbox: Arc<Notify>,
    /// Wakes every sync loop for a pass now.
    pub sync_now: Arc<Notify>,
    /// The seller's prompt versions (`<config>/prompts`); shipped versions only when
    /// `None`.
    pub prompts: Option<std::path::PathBuf>,
}

impl Router {
    /// Carries out commands one at a time until the UI's end of the channel is dropped.
    pub(super) async fn run(self, mut commands: mpsc::UnboundedReceiver<Command>) {
        while let Some(command) = commands.recv().await {
            self.handle(command).await;
        }
    }

    async fn handle(&self, command: Command) {
        match command {
            Command::SendReply {
                interaction_id,
                text,
                idempotency_key,
                override_block,
                opened_at,
            } => {
                self.send_reply(
                    interaction_id,
                    text,
                    idempotency_key,
                    override_block,
                    opened_at,
                )
                .await
            }
            Command::EditAnswer {
                interaction_id,
                text,
                idempotency_key,
                override_block,
            } => {
                self.edit_answer(interaction_id, text, idempotency_key, override_block)
                    .await
            }
            Command::SyncNow => self.sync_now.notify_waiters(),
            Command::SaveSetting { scope, key, layer } => {
                self.save_setting(scope, key, layer).await
            }
            Command::ForgetLearnt { account_id, entry } => {
                self.forget_learnt(account_id, entry).await
            }
            Command::AutoReplyFigures { account_id } => self.auto_reply_figures(account_id).await,
            Command::AutoReplyGoLive { account_id, word } => {
                self.auto_reply_go_live(account_id, word).await
            }
            Command::StopAutoReplies => self.stop_auto_replies().await,
            Command::CorrectIntent {
                interaction_id,
                intent,
            } => self.correct_intent(interaction_id, intent).await,
            Command::UndoAutoReply {
                interaction_id,
                outbox_id,
            } => self.undo_auto_reply(interaction_id, outbox_id).await,
            Command::LoadExperiment => self.load_experiment().await,
            Command::StartExperiment(request) => self.start_experiment(request).await,
            Command::SetExperimentState(state) => self.set_experiment_state(state).await,
            // Carried out by the team desk (`team::spawn_desk`) in team mode; the UI
            // sends none of these without it.
            Command::Claim { .. }
            | Command::Release { .. }
            | Command::Assign { .. }
            | Command::LoadColleagues => {
                tracing::warn!("a team command without team mode was ignored")
            }
        }
    }

    /// Reads the experiment, its metrics (a scan of its period) and the versions, off
    /// the router's task.
    async fn load_experiment(&self) {
        let (store, folder, now) = (self.store.clone(), self.prompts.clone(), (self.clock)());
        let read = tokio::task::spawn_blocking(move || {
            crate::experiments::overview(&store.reader()?, folder.as_deref(), now)
        })
        .await
        .map_err(anyhow::Error::from)
        .and_then(|r| r);
        let loaded = read.map(Box::new).map_err(|e| format!("{e:#}"));
        let _ = self.events.send(Event::ExperimentLoaded(loaded));
    }

    /// Starts an experiment as `agentiq experiment start` does: checked against the
    /// catalog (the seller's files must be valid), stored with an audit record.
    async fn start_experiment(&self, request: crate::experiments::StartRequest) {
        let (folder, now) = (self.prompts.clone(), (self.clock)());
        let started = self
            .writer
            .call(move |conn| {
                let catalog = crate::experiments::Catalog::load(folder.as_deref())
                    .map_err(anyhow::Error::msg)?;
                crate::experiments::start(conn, &catalog, &request, now)
            })
            .await;
        self.experiment_changed(started.map(Some));
    }

    /// Pauses, resumes or stops the active experiment, as the CLI does.
    async fn set_experiment_state(&self, state: crate::experiments::State) {
        let now = (self.clock)();
        let changed = self
            .writer
            .call(move |conn| crate::experiments::set_state(conn, state, now))
            .await;
        self.experiment_changed(changed);
    }

    fn experiment_changed(&self, result: anyhow::Result<Option<crate::experiments::Experiment>>) {
        let answer = match result {
            Ok(Some(e)) => Ok(Box::new(e)),
            Ok(None) => Err("no experiment is running or paused".to_string()),
            Err(e) => Err(format!("{e:#}")),
        };
        let _ = self.events.send(Event::ExperimentChanged(answer));
    }

    /// Queues a reply through the guardrails, with the draft it started from.
    async fn send_reply(
        &self,
        interaction_id: InteractionId,
        text: String,
        idempotency_key: String,
        override_block: bool,
        opened_at: Option<chrono::DateTime<chrono::Utc>>,
    ) {
        let now = (self.clock)();
        // The draft the editor started from, when one was prepared.
        let draft = self
            .store
            .reader()
            .ok()
            .and_then(|r| store::latest_draft(&r, interaction_id).ok().flatten())
            .map(|d| SentDraft {
                id: Some(d.id),
                text: d.text,
                source: d.source,
            });
        let request = ReplyRequest {
            interaction_id,
            text,
            idempotency_key,
            draft,
            override_block,
            actor: Actor::Human,
            undo_until: None,
            shadow: false,
        };
        match enqueue_checked(&self.store, &self.writer, request, now).await {
            Ok(EnqueueOutcome::Queued { outbox_id, .. }) => {
                if let Some(opened_at) = opened_at {
                    let noted = self
                        .writer
                        .call(move |c| store::record_reply_opened(c, outbox_id, opened_at))
                        .await;
                    if let Err(err) = noted {
                        tracing::warn!(error = %format!("{err:#}"), "recording when the editor opened");
                    }
                }
                let _ = self.events.send(Event::DataChanged);
                let _ = self.events.send(Event::OutboxChanged);
                self.wake_outbox.notify_one();
            }
            Ok(EnqueueOutcome::Refused { reasons }) => {
                tracing::warn!(?reasons, "reply refused by the guardrails");
                let _ = self.events.send(Event::ReplyRefused {
                    interaction_id,
                    reasons,
                });
            }
            Err(err) => {
                tracing::error!(error = %format!("{err:#}"), "queueing a reply");
            }
        }
    }

    /// Queues a new text for a published answer (WB feedbacks, once).
    async fn edit_answer(
        &self,
        interaction_id: InteractionId,
        text: String,
        idempotency_key: String,
        override_block: bool,
    ) {
        let request = ReplyRequest {
            interaction_id,
            text,
            idempotency_key,
            draft: None,
            override_block,
            actor: Actor::Human,
            undo_until: None,
            shadow: false,
        };
        let now = (self.clock)();
        match enqueue_edit_checked(&self.store, &self.writer, request, now).await {
            Ok(EnqueueOutcome::Queued { .. }) => {
                let _ = self.events.send(Event::DataChanged);
                let _ = self.events.send(Event::OutboxChanged);
                self.wake_outbox.notify_one();
            }
            Ok(EnqueueOutcome::Refused { reasons }) => {
                let _ = self.events.send(Event::ReplyRefused {
                    interaction_id,
                    reasons,
                });
            }
            Err(err) => {
                // The store refused (another process edited meanwhile):
                // say why as the item now stands.
                tracing::warn!(error = %format!("{err:#}"), "queueing an edit");
                let refusal = self
                    .store
                    .reader()
                    .ok()
                    .and_then(|r| store::interaction(&r, interaction_id).ok())
                    .flatten()
                    .and_then(|item| crate::domain::edit_refusal(&item))
                    .unwrap_or(crate::domain::EditRefusal::Used);
                let _ = self.events.send(Event::EditRefused {
                    interaction_id,
                    refusal,
                });
            }
        }
    }

    /// Stores a settings change; the queue re-reads when it is saved.
    async fn save_setting(
        &self,
        scope: crate::settings::Scope,
        key: String,
        layer: Option<serde_json::Value>,
    ) {
        let event = save_setting(&self.writer, scope, key, layer).await;
        let saved = matches!(&event, Event::SettingSaved { error: None, .. });
        let _ = self.events.send(event);
        if saved {
            // Clocks may move and priorities change: the queue re-reads.
            let _ = self.events.send(Event::DataChanged);
        }
    }

    /// Forgets one thing the account's drafts learnt.
    async fn forget_learnt(&self, account_id: i64, entry: crate::tui::state::LearntEntry) {
        let event = forget_learnt(&self.writer, account_id, entry).await;
        let _ = self.events.send(event);
    }

    /// Records the seller's intent for an item, classifies it again (its SLA tier follows)
    /// and makes its draft again for the new intent.
    async fn correct_intent(&self, interaction_id: InteractionId, intent: crate::ai::Intent) {
        let now = (self.clock)();
        let corrected = async {
            let done = self
                .writer
                .call(move |c| crate::learning::intents::correct(c, interaction_id, intent, now))
                .await?;
            if done.as_ref().is_some_and(|d| d.changed) {
                crate::prepare::classify_pending(&self.store, &self.writer, now).await?;
                crate::prepare::draft_items(&self.store, &self.writer, vec![interaction_id], now)
                    .await?;
            }
            anyhow::Ok(done)
        }
        .await;
        let error = match corrected {
            Ok(Some(_)) => None,
            Ok(None) => Some("no such item".to_string()),
            Err(e) => Some(format!("{e:#}")),
        };
        let _ = self.events.send(Event::DataChanged);
        let _ = self.events.send(Event::IntentCorrected {
            interaction_id,
            intent,
            error,
        });
    }

    /// The shadow figures of an account, shown before going live.
    async fn auto_reply_figures(&self, account_id: i64) {
        let figures = self
            .store
            .reader()
            .and_then(|r| crate::prepare::auto_live::shadow_figures(&r, account_id))
            .map_err(|e| format!("{e:#}"));
        let _ = self.events.send(Event::AutoReplyFigures {
            account_id,
            figures,
        });
    }

    /// Makes the account's auto-replies live when the word checks out.
    async fn auto_reply_go_live(&self, account_id: i64, word: String) {
        let now = (self.clock)();
        let done = self
            .writer
            .call(move |conn| {
                let tx = conn.transaction()?;
                crate::prepare::auto_live::go_live(&tx, account_id, &word, "tui", now)?;
                tx.commit()?;
                Ok(())
            })
            .await;
        if let Err(err) = &done {
            tracing::warn!(account_id, error = %format!("{err:#}"), "go-live refused");
        }
        let _ = self.events.send(Event::AutoReplyWentLive {
            account_id,
            error: done.err().map(|e| format!("{e:#}")),
        });
    }

    /// The kill switch: auto-replies off for every shop, unsent ones cancelled.
    async fn stop_auto_replies(&self) {
        let now = (self.clock)();
        let stopped = self
            .writer
            .call(move |conn| {
                let tx = conn.transaction()?;
                let stopped = crate::prepare::auto_live::kill_switch(&tx, None, "tui", now)?;
                tx.commit()?;
                Ok(stopped)
            })
            .await;
        let event = match stopped {
            Ok(s) => Event::AutoRepliesStopped {
                cancelled: s.cancelled,
                error: None,
            },
            Err(err) => {
                let error = format!("{err:#}");
                tracing::error!(%error, "the auto-reply kill switch failed");
                Event::AutoRepliesStopped {
                    cancelled: 0,
                    error: Some(error),
                }
            }
        };
        let _ = self.events.send(event);
        let _ = self.events.send(Event::DataChanged);
        let _ = self.events.send(Event::OutboxChanged);
    }

    /// Cancels an auto-reply still inside its undo window.
    async fn undo_auto_reply(&self, interaction_id: InteractionId, outbox_id: i64) {
        let now = (self.clock)();
        let undone = self
            .writer
            .call(move |conn| {
                // One transaction: the row, the item and the audit entry.
                let tx = conn.transaction()?;
                let undone = crate::outbox::cancel_reply(&tx, outbox_id, now)?;
                tx.commit()?;
                Ok(undone)
            })
            .await;
        match undone {
            Ok(undone) => {
                let _ = self.events.send(Event::AutoReplyUndone {
                    interaction_id,
                    undone,
                });
                let _ = self.events.send(Event::DataChanged);
                let _ = self.events.send(Event::OutboxChanged);
            }
            Err(err) => {
                tracing::error!(error = %format!("{err:#}"), outbox_id, "undoing an auto-reply");
            }
        }
    }
}
