//! The inbox in team mode (`[store] url` or `AGENTIQ_DATABASE_URL` is a PostgreSQL URL):
//! the UI keeps reading its local store, which the team mirror (`team::spawn_mirror`)
//! fills from the shared database, and what it asks of the team (claims, assignments,
//! replies) goes to the team desk (`team::spawn_desk`) instead of the local services.
//! Everything else (drafts, settings, notifications) the local services carry out as
//! for a single seller. Nothing here sends to a marketplace: the owner's
//! `agentiq sync --daemon` does.

use anyhow::Result;
use tokio::sync::mpsc;

use crate::domain::team::TeamNews;
use crate::protocol::{Command, Event};
use crate::store::pg::outbox::Refusal;
use crate::store::{Store, Writer};
use crate::team::{
    spawn_desk, spawn_mirror, DeskAnswer, DeskRequest, MirrorHandle, MirrorReport, QueuedReply,
};

/// The UI's ends of the channels, joined to the team's services; dropping it stops them.
pub struct TeamChannels {
    pub events: mpsc::UnboundedReceiver<Event>,
    pub commands: mpsc::UnboundedSender<Command>,
    /// Stops the mirror when dropped.
    pub guard: MirrorHandle,
}

/// Starts the mirror and the desk on `url` and puts them between the UI and the local
/// services' `events` and `commands`.
pub fn join(
    url: &str,
    store: Store,
    writer: Writer,
    mut events: mpsc::UnboundedReceiver<Event>,
    commands: mpsc::UnboundedSender<Command>,
) -> Result<TeamChannels> {
    let (to_ui, ui_events) = mpsc::unbounded_channel();
    let mirrored = to_ui.clone();
    let mirror = spawn_mirror(
        url,
        writer.clone(),
        Box::new(move |report| {
            mirrored
                .send(match report {
                    MirrorReport::News(news) => Event::Team(news),
                    MirrorReport::CacheChanged => Event::DataChanged,
                })
                .is_ok()
        }),
    )?;
    let answered = to_ui.clone();
    let desk = spawn_desk(
        url,
        store,
        writer,
        Box::new(move |answer| answered.send(event_of(answer)).is_ok()),
    )?;
    let refused = to_ui.clone();
    tokio::spawn(async move {
        while let Some(event) = events.recv().await {
            if to_ui.send(event).is_err() {
                break;
            }
        }
    });
    let (ui_commands, mut from_ui) = mpsc::unbounded_channel::<Command>();
    tokio::spawn(async move {
        while let Some(command) = from_ui.recv().await {
            let sent = match desk_request(command) {
                Ok(request) => desk.send(request).is_ok(),
                // The shared outbox has no edits of published answers yet; the local
                // one would keep the edit for a sender that never comes.
                Err(Command::EditAnswer { .. }) => refused
                    .send(Event::Team(TeamNews::Refused(
                        "editing a published answer is not shared in team mode yet".into(),
                    )))
                    .is_ok(),
                Err(local) => commands.send(local).is_ok(),
            };
            if !sent {
                break;
            }
        }
    });
    Ok(TeamChannels {
        events: ui_events,
        commands: ui_commands,
        guard: mirror,
    })
}

/// The desk's request for a team command, or the command back for the local services.
fn desk_request(command: Command) -> Result<DeskRequest, Command> {
    Ok(match command {
        Command::Claim { interaction_id } => DeskRequest::Claim(interaction_id),
        Command::Release { interaction_id } => DeskRequest::Release(interaction_id),
        Command::Assign { interaction_id, to } => DeskRequest::Assign(interaction_id, to),
        Command::LoadColleagues => DeskRequest::Colleagues,
        Command::SendReply {
            interaction_id,
            text,
            idempotency_key,
            override_block,
            opened_at: _,
        } => DeskRequest::Reply {
            item: interaction_id,
            text,
            idempotency_key,
            override_block,
        },
        other => return Err(other),
    })
}

fn event_of(answer: DeskAnswer) -> Event {
    match answer {
        DeskAnswer::News(news) => Event::Team(news),
        DeskAnswer::CacheChanged => Event::DataChanged,
        DeskAnswer::Reply { item, outcome } => match outcome {
            QueuedReply::Queued { .. } => Event::OutboxChanged,
            QueuedReply::Blocked { verdict } => Event::ReplyRefused {
                interaction_id: item,
                reasons: verdict
                    .findings
                    .iter()
                    .map(|f| f.reason_ru.clone())
                    .collect(),
            },
            QueuedReply::Refused(refusal) => Event::ReplyRefused {
                interaction_id: item,
                reasons: vec![match refusal {
                    Refusal::NoSuchItem => format!("no item {} in the shared inbox", item.0),
                    Refusal::Claim(why) | Refusal::Answered(why) => why,
                }],
            },
        },
    }
}
