//! The operator's desk: what the inbox asks of the shared database (claim, release,
//! assign, the team's people, replies), carried out one at a time on a thread of its own
//! with its own connection, reconnecting as needed. Items are named by their ids in the
//! local cache; the desk looks up their shared ids there and records a claim change in
//! the cache at once, before the mirror reads it back.
//!
//! A reply that cannot reach the database is kept (in this process) and queued in the
//! shared outbox as soon as the database answers again; its idempotency key makes a
//! retry of one that did arrive harmless.

use std::sync::mpsc;
use std::time::Duration;

use anyhow::{anyhow, Context, Result};

use crate::domain::team::TeamNews;
use crate::domain::InteractionId;
use crate::store::pg::changes::{self, ClaimOutcome};
use crate::store::pg::{self, PgStore, Release};
use crate::store::team_cache::{self, Claim};
use crate::store::{Store, Writer};

use super::reply::{queue_reply, QueuedReply, TeamReply};

/// How often kept replies are tried again while the database is down.
const RETRY_HELD: Duration = Duration::from_secs(1);

/// What the inbox asks.
#[derive(Debug, Clone, PartialEq)]
pub enum DeskRequest {
    /// Claim this item, or the next by the queue's order when `None`.
    Claim(Option<InteractionId>),
    Release(InteractionId),
    Assign(InteractionId, String),
    Colleagues,
    Reply {
        item: InteractionId,
        text: String,
        idempotency_key: String,
        override_block: bool,
    },
}

/// What the desk answers: news for the screen, or a reply's fate.
#[derive(Debug, Clone)]
pub enum DeskAnswer {
    News(TeamNews),
    Reply {
        item: InteractionId,
        outcome: QueuedReply,
    },
    /// The cache changed: the UI re-reads.
    CacheChanged,
}

pub type Answerer = Box<dyn Fn(DeskAnswer) -> bool + Send>;

/// Starts the desk; requests go into the returned sender, answers to `answer`.
pub fn spawn_desk(
    url: &str,
    store: Store,
    writer: Writer,
    answer: Answerer,
) -> Result<mpsc::Sender<DeskRequest>> {
    let (tx, rx) = mpsc::channel();
    let mut desk = Desk {
        db: PgStore::new(url),
        client: None,
        member: String::new(),
        store,
        writer,
        answer,
        held: Vec::new(),
    };
    std::thread::Builder::new()
        .name("team-desk".into())
        .spawn(move || desk.run(rx))
        .context("starting the team desk")?;
    Ok(tx)
}

struct Desk {
    db: PgStore,
    client: Option<postgres::Client>,
    member: String,
    store: Store,
    writer: Writer,
    answer: Answerer,
    /// Replies written while the database was down, oldest first.
    held: Vec<DeskRequest>,
}

impl Desk {
    fn run(&mut self, requests: mpsc::Receiver<DeskRequest>) {
        loop {
            let wait = if self.held.is_empty() {
                Duration::from_secs(3600)
            } else {
                RETRY_HELD
            };
            match requests.recv_timeout(wait) {
                Ok(request) => {
                    if !self.handle(request) {
                        return;
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => return,
            }
            if !self.held.is_empty() && !self.retry_held() {
                return;
            }
        }
    }

    /// Carries out one request; false once nobody listens.
    fn handle(&mut self, request: DeskRequest) -> bool {
        let is_reply = matches!(request, DeskRequest::Reply { .. });
        match self.carry_out(&request) {
            Ok(answer) => (self.answer)(answer),
            Err(err) if is_reply && self.client.is_none() => {
                tracing::warn!(error = %format!("{err:#}"), "a reply waits for the shared database");
                self.held.push(request);
                (self.answer)(DeskAnswer::News(TeamNews::ReplyHeld))
            }
            Err(err) => (self.answer)(DeskAnswer::News(TeamNews::Refused(format!("{err:#}")))),
        }
    }

    fn retry_held(&mut self) -> bool {
        while let Some(request) = self.held.first().cloned() {
            match self.carry_out(&request) {
                Ok(answer) => {
                    self.held.remove(0);
                    if !(self.answer)(answer)
                        || !(self.answer)(DeskAnswer::News(TeamNews::ReplyDelivered))
                    {
                        return false;
                    }
                }
                Err(_) => return true,
            }
        }
        true
    }

    /// The request's answer; an error drops the connection when it broke.
    fn carry_out(&mut self, request: &DeskRequest) -> Result<DeskAnswer> {
        let result = self.try_carry_out(request);
        if result.is_err() && self.client.as_ref().is_some_and(|c| c.is_closed()) {
            self.client = None;
        }
        result
    }

    fn try_carry_out(&mut self, request: &DeskRequest) -> Result<DeskAnswer> {
        match request {
            DeskRequest::Claim(item) => self.claim(*item),
            DeskRequest::Release(item) => self.release(*item),
            DeskRequest::Assign(item, to) => self.assign(*item, to),
            DeskRequest::Colleagues => {
                let people = changes::colleagues(self.client()?)?;
                Ok(DeskAnswer::News(TeamNews::Colleagues(people)))
            }
            DeskRequest::Reply {
                item,
                text,
                idempotency_key,
                override_block,
            } => {
                // Connected first: a reply that cannot reach the database is kept.
                self.client()?;
                let reply = TeamReply {
                    item: self.team_id(*item)?,
                    text: text.clone(),
                    override_block: *override_block,
                    idempotency_key: idempotency_key.clone(),
                };
                let outcome = queue_reply(self.client()?, &reply)?;
                Ok(DeskAnswer::Reply {
                    item: *item,
                    outcome,
                })
            }
        }
    }

    /// The connection, made when there is none.
    fn client(&mut self) -> Result<&mut postgres::Client> {
        if self.client.is_none() {
            let mut client = self.db.connect()?;
            self.member = changes::whoami(&mut client)?.0;
            self.client = Some(client);
        }
        self.client
            .as_mut()
            .ok_or_else(|| anyhow!("no connection to the shared database"))
    }

    fn team_id(&self, item: InteractionId) -> Result<i64> {
        team_cache::team_id(&self.store.reader()?, item)?
            .ok_or_else(|| anyhow!("item {} is not from the shared inbox", item.0))
    }

    fn claim(&mut self, item: Option<InteractionId>) -> Result<DeskAnswer> {
        let target = item.map(|i| self.team_id(i)).transpose()?;
        let member = self.member_name()?;
        let client = self.client()?;
        let (team_id, claim) = match target {
            Some(id) => match changes::claim_item(client, id, &member)? {
                ClaimOutcome::Claimed(claim) => (id, claim),
                ClaimOutcome::HeldBy(by) => return Ok(DeskAnswer::News(TeamNews::HeldBy(by))),
                ClaimOutcome::NotOpen | ClaimOutcome::NoSuchItem => {
                    return Ok(DeskAnswer::News(TeamNews::NotOpen))
                }
            },
            None => match pg::claim_next(client, &member)? {
                Some(claimed) => (
                    claimed.id,
                    Claim {
                        by: claimed.claimed_by,
                        expires_at: claimed.claim_expires_at,
                    },
                ),
                None => return Ok(DeskAnswer::News(TeamNews::NothingToClaim)),
            },
        };
        let local = self.cache_claim(team_id, Some(claim))?;
        (self.answer)(DeskAnswer::CacheChanged);
        Ok(DeskAnswer::News(TeamNews::Claimed { item: local }))
    }

    fn release(&mut self, item: InteractionId) -> Result<DeskAnswer> {
        let team_id = self.team_id(item)?;
        let member = self.member_name()?;
        Ok(DeskAnswer::News(
            match pg::release(self.client()?, team_id, &member)? {
                Release::Released => {
                    self.cache_claim(team_id, None)?;
                    (self.answer)(DeskAnswer::CacheChanged);
                    TeamNews::Released
                }
                Release::HeldBy(by) => TeamNews::HeldBy(by),
                Release::NotClaimed | Release::NoSuchItem => TeamNews::NotHeld,
            },
        ))
    }

    fn assign(&mut self, item: InteractionId, to: &str) -> Result<DeskAnswer> {
        let team_id = self.team_id(item)?;
        Ok(DeskAnswer::News(
            match changes::assign(self.client()?, team_id, to) {
                Ok(Some(claim)) => {
                    self.cache_claim(team_id, Some(claim))?;
                    (self.answer)(DeskAnswer::CacheChanged);
                    TeamNews::Assigned { to: to.to_string() }
                }
                Ok(None) => TeamNews::Refused(format!(
                    "item {} is not open, or not yours to assign",
                    item.0
                )),
                Err(refusal) if !self.client.as_ref().is_some_and(|c| c.is_closed()) => {
                    TeamNews::Refused(format!("{refusal:#}"))
                }
                Err(broken) => return Err(broken),
            },
        ))
    }

    fn member_name(&mut self) -> Result<String> {
        self.client()?;
        Ok(self.member.clone())
    }

    /// Writes the claim into the cache; the cached item's id when it is there.
    fn cache_claim(&self, team_id: i64, claim: Option<Claim>) -> Result<Option<InteractionId>> {
        self.writer.call_blocking(move |conn| {
            team_cache::set_team_claim(conn, team_id, claim.as_ref())?;
            team_cache::local_id(conn, team_id)
        })
    }
}
