//! WB buyer chats (`buyer-chat-api`): `GET /api/v1/seller/chats`,
//! `GET /api/v1/seller/events?next=`, `POST /api/v1/seller/message` (multipart).
//!
//! WB has no per-chat history call and no "unanswered" flag: the event stream is the only
//! record of what was said, and a chat waits for the seller when its last message is the
//! buyer's.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::wire::{Chat, ChatEvent, ChatsResponse, EventsResponse, MessageResponse};
use crate::connectors::http::HttpClient;
use crate::connectors::lenient;
use crate::connectors::read_cursor;
use crate::connectors::{Connector, ConnectorError, Pull, ReplyTarget, Skipped};
use crate::domain::{Channel, ChatMessage, NewInteraction, ProductRef, Sender};

const CHATS: &str = "GET /api/v1/seller/chats";
const EVENTS: &str = "GET /api/v1/seller/events";
const SEND: &str = "POST /api/v1/seller/message";

/// Events one pull step reads at most before handing them over to be committed.
pub const EVENTS_PER_PULL: usize = 500;

/// Unanswered buyer messages the cursor remembers per chat.
const TAIL_CAP: usize = 50;

/// How far before a chat's last message `current_answer` looks for the seller's last
/// message when this process has no record of sending to the chat.
const CONFIRM_LOOKBACK_MS: i64 = 24 * 3600 * 1000;

/// Slack for clock differences between us and WB when looking for our own message.
const CLOCK_SLACK_MS: i64 = 60 * 1000;

/// Event pages `current_answer` reads at most.
const CONFIRM_MAX_PAGES: u32 = 50;

/// Records of sends older than this are dropped.
const SEND_MEMORY_MS: i64 = 24 * 3600 * 1000;

pub struct WbChats {
    http: HttpClient,
    base_url: String,
    token: String,
    events_per_pull: usize,
    /// Our sends per chat in this process: what `current_answer` searches from, and which
    /// attempt ended without knowing whether WB took it.
    sends: Mutex<HashMap<String, SendRecord>>,
}

#[derive(Debug, Clone)]
struct SendRecord {
    text: String,
    /// When the first attempt at this text started (unix ms, our clock).
    started_ms: i64,
    /// The last attempt failed in a way that may still have delivered it.
    uncertain: bool,
}

/// Where the chats sync stands.
///
/// `next` is WB's event paginator (unix ms): the position after the last event read. The
/// events after it are read page by page until WB answers `totalEvents: 0`; each step
/// hands its events over as whole chats together with the advanced cursor, and the sync
/// engine commits both in one transaction, so a restart resumes exactly after the last
/// committed event: nothing is lost and nothing is skipped.
///
/// Because an event only carries one message, the cursor also remembers per chat what a
/// later step needs to report the chat correctly: when it started (its first message) and
/// the buyer's messages that no seller message has followed yet. A step's chat therefore
/// carries those plus every message of the step — enough for its answer state and for
/// when the buyer started waiting — while the store keeps the whole thread (messages are
/// upserted by event id).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Cursor {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    next: Option<i64>,
    #[serde(default)]
    chats: BTreeMap<String, ChatMemo>,
    /// The chat list has been compared with the chats known from events at the end of a
    /// catch-up at least once: chats WB lists without any event yet are imported then.
    #[serde(default)]
    listed: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct ChatMemo {
    /// Time of the chat's first message (unix ms).
    first: i64,
    /// Buyer messages not yet followed by a seller message, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    tail: Vec<MemoMessage>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct MemoMessage {
    id: String,
    text: String,
    at: i64,
}

/// One event read off the wire, with its time.
#[derive(Debug, Clone)]
pub struct ParsedEvent {
    pub event: ChatEvent,
    /// `addTimestamp`, unix ms.
    pub at_ms: i64,
    pub raw: serde_json::Value,
}

impl ParsedEvent {
    /// The message this event adds to the thread, if it is a buyer's or the seller's
    /// message (WB's own notices and other event types are not part of the conversation).
    fn message(&self) -> Option<ChatMessage> {
        if self
            .event
            .event_type
            .as_deref()
            .is_some_and(|t| t != "message")
        {
            return None;
        }
        let sender = match self.event.sender.as_deref() {
            Some("client") => Sender::Buyer,
            Some("seller") => Sender::Seller,
            _ => return None,
        };
        Some(ChatMessage {
            external_id: self.event.event_id.clone(),
            sender,
            text: message_text(&self.event),
            sent_at: from_ms(self.at_ms),
        })
    }
}

impl WbChats {
    pub fn new(http: HttpClient, base_url: &str, token: &str) -> Self {
        WbChats {
            http,
            base_url: base_url.trim_end_matches('/').to_string(),
            token: token.to_string(),
            events_per_pull: EVENTS_PER_PULL,
            sends: Mutex::new(HashMap::new()),
        }
    }

    /// Fewer events per step, for tests of paging.
    pub fn with_events_per_pull(mut self, n: usize) -> Self {
        self.events_per_pull = n.max(1);
        self
    }

    fn malformed(&self, endpoint: &str, message: String) -> ConnectorError {
        ConnectorError::Malformed {
            marketplace: "wb",
            endpoint: endpoint.into(),
            message,
        }
    }

    /// One page of events after `next` (from the beginning when `None`).
    async fn events_page(
        &self,
        next: Option<i64>,
    ) -> Result<(super::wire::EventsResult, u32), ConnectorError> {
        let url = format!("{}/api/v1/seller/events", self.base_url);
        let (response, requests): (EventsResponse, u32) = self
            .http
            .send_json(EVENTS, |c| {
                let request = c.get(&url).header("Authorization", &self.token);
                match next {
                    Some(next) => request.query(&[("next", next)]),
                    None => request,
                }
            })
            .await?;
        Ok((response.result.unwrap_or_default(), requests))
    }

    /// Every chat, as raw items.
    async fn chat_list(&self) -> Result<(Vec<serde_json::Value>, u32), ConnectorError> {
        let url = format!("{}/api/v1/seller/chats", self.base_url);
        let (response, requests): (ChatsResponse, u32) = self
            .http
            .send_json(CHATS, |c| c.get(&url).header("Authorization", &self.token))
            .await?;
        Ok((response.result, requests))
    }

    async fn find_chat(&self, chat_id: &str) -> Result<Option<Chat>, ConnectorError> {
        let (list, _) = self.chat_list().await?;
        Ok(list
            .into_iter()
            .filter_map(|raw| parse_chat(raw).ok())
            .find(|c| c.chat_id == chat_id))
    }

    /// The text of the seller's last message in `chat_id` among the events after
    /// `from_ms`; without `from_ms`, from a day before the chat's last message.
    async fn last_seller_text(
        &self,
        chat_id: &str,
        from_ms: Option<i64>,
    ) -> Result<Option<String>, ConnectorError> {
        let start = match from_ms {
            Some(ms) => ms,
            None => {
                let Some(chat) = self.find_chat(chat_id).await? else {
                    return Ok(None);
                };
                let last = chat
                    .last_message
                    .and_then(|m| m.add_timestamp)
                    .unwrap_or_else(|| Utc::now().timestamp_millis());
                last - CONFIRM_LOOKBACK_MS
            }
        };
        let mut next = start.max(1);
        let mut last: Option<(i64, String)> = None;
        for _ in 0..CONFIRM_MAX_PAGES {
            let (result, _) = self.events_page(Some(next)).await?;
            if result.events.is_empty() {
                break;
            }
            let mut page_max = next;
            for raw in result.events {
                let Ok(event) = parse_event(raw) else {
                    continue;
                };
                page_max = page_max.max(event.at_ms);
                if event.event.chat_id != chat_id {
                    continue;
                }
                if let Some(m) = event.message().filter(|m| m.sender == Sender::Seller) {
                    if last.as_ref().is_none_or(|(at, _)| event.at_ms >= *at) {
                        last = Some((event.at_ms, m.text));
                    }
                }
            }
            let advanced = result.next.unwrap_or(page_max).max(page_max);
            if advanced <= next {
                break;
            }
            next = advanced;
        }
        Ok(last.map(|(_, text)| text))
    }

    fn sends(&self) -> std::sync::MutexGuard<'_, HashMap<String, SendRecord>> {
        self.sends.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// When an earlier attempt at this very text started, if its outcome is unknown.
    fn uncertain_since(&self, chat_id: &str, text: &str) -> Option<i64> {
        self.sends()
            .get(chat_id)
            .filter(|r| r.uncertain && same_text(&r.text, text))
            .map(|r| r.started_ms)
    }

    fn begin_send(&self, chat_id: &str, text: &str) {
        let now = Utc::now().timestamp_millis();
        let mut sends = self.sends();
        sends.retain(|_, r| now - r.started_ms < SEND_MEMORY_MS);
        let started_ms = sends
            .get(chat_id)
            .filter(|r| same_text(&r.text, text))
            .map_or(now, |r| r.started_ms);
        sends.insert(
            chat_id.to_string(),
            SendRecord {
                text: text.to_string(),
                started_ms,
                uncertain: true,
            },
        );
    }

    /// Whether an earlier attempt at the same text, whose outcome was unknown, arrived.
    async fn earlier_send_landed(&self, chat_id: &str, text: &str) -> Result<bool, ConnectorError> {
        let Some(since) = self.uncertain_since(chat_id, text) else {
            return Ok(false);
        };
        Ok(self
            .last_seller_text(chat_id, Some(since - CLOCK_SLACK_MS))
            .await?
            .is_some_and(|t| same_text(&t, text)))
    }

    /// The chat's `replySign`: the one the item keeps, else the chat list's.
    async fn reply_sign(&self, target: &ReplyTarget) -> Result<String, ConnectorError> {
        let chat_id = target.external_id.as_str();
        match target.reply_handle.clone().filter(|s| !s.trim().is_empty()) {
            Some(sign) => Ok(sign),
            None => self
                .find_chat(chat_id)
                .await?
                .and_then(|c| c.reply_sign)
                .ok_or_else(|| ConnectorError::Rejected {
                    marketplace: "wb",
                    endpoint: SEND.into(),
                    status: 400,
                    message: format!("chat {chat_id} has no replySign"),
                }),
        }
    }

    /// Posts the message, waiting out a 429; see [`Connector::send_answer`] for why
    /// nothing else is retried.
    async fn post_message(
        &self,
        chat_id: &str,
        reply_sign: &str,
        text: &str,
    ) -> Result<(), ConnectorError> {
        let url = format!("{}/api/v1/seller/message", self.base_url);
        let once = self.http.single_attempt();
        let policy = self.http.retry_policy();
        let mut attempt = 0;
        loop {
            attempt += 1;
            let sent = once
                .send(SEND, |c| {
                    let form = reqwest::multipart::Form::new()
                        .text("replySign", reply_sign.to_string())
                        .text("message", text.to_string());
                    c.post(&url)
                        .header("Authorization", &self.token)
                        .multipart(form)
                })
                .await;
            match sent {
                Ok((response, _)) => {
                    // The body is the confirmation; one that breaks off leaves the
                    // outcome unknown.
                    let bytes = response
                        .bytes()
                        .await
                        .map_err(|_| ConnectorError::Network {
                            marketplace: "wb",
                            endpoint: SEND.into(),
                            message: "connection dropped".into(),
                        })?;
                    serde_json::from_slice::<MessageResponse>(&bytes)
                        .map_err(|e| self.malformed(SEND, e.to_string()))?;
                    self.settle_send(chat_id);
                    return Ok(());
                }
                Err(ConnectorError::RateLimited { retry_after, .. })
                    if attempt < policy.max_attempts
                        && retry_after <= policy.max_rate_limit_wait =>
                {
                    tracing::warn!(
                        endpoint = SEND,
                        attempt,
                        ?retry_after,
                        "rate limited; waiting"
                    );
                    tokio::time::sleep(retry_after).await;
                }
                Err(err)
                    if err.is_transient() && !matches!(err, ConnectorError::RateLimited { .. }) =>
                {
                    return Err(err);
                }
                Err(err) => {
                    // WB refused it (or asked us to wait longer than we do): nothing was
                    // delivered.
                    self.forget_send(chat_id);
                    return Err(err);
                }
            }
        }
    }

    fn settle_send(&self, chat_id: &str) {
        if let Some(r) = self.sends().get_mut(chat_id) {
            r.uncertain = false;
        }
    }

    fn forget_send(&self, chat_id: &str) {
        self.sends().remove(chat_id);
    }
}

#[async_trait]
impl Connector for WbChats {
    crate::connectors::connector_identity!("wb_chats", Wb, Chat);

    async fn pull(&self, cursor: Option<&str>) -> Result<Pull, ConnectorError> {
        let mut cur: Cursor = read_cursor("wb", EVENTS, cursor)?;
        let mut pull = Pull::default();
        let mut events = Vec::new();
        loop {
            let (result, requests) = self.events_page(cur.next).await?;
            pull.requests += requests;
            if result.events.is_empty() {
                // `totalEvents == 0`: everything is read. An empty page's `next` is not
                // trusted; the position stays after the last event actually read.
                break;
            }
            let mut page_max = cur.next.unwrap_or(0);
            for raw in result.events {
                match parse_event(raw) {
                    Ok(event) => {
                        page_max = page_max.max(event.at_ms);
                        events.push(event);
                    }
                    Err(skipped) => pull.skipped.push(skipped),
                }
            }
            let advanced = result.next.unwrap_or(page_max).max(page_max);
            if cur.next.is_some_and(|n| advanced <= n) {
                tracing::warn!(
                    next = advanced,
                    "WB events did not advance; stopping this pass"
                );
                break;
            }
            cur.next = Some(advanced);
            if events.len() >= self.events_per_pull {
                pull.more = true;
                break;
            }
        }
        // At the end of a catch-up the list is read anyway when there were events; the
        // first time it is read even without, so chats with no events yet are imported.
        let caught_up = !pull.more;
        if !events.is_empty() || (caught_up && !cur.listed) {
            let (list, requests) = self.chat_list().await?;
            pull.requests += requests;
            let mut chats = HashMap::new();
            for raw in list {
                match parse_chat(raw.clone()) {
                    Ok(chat) => {
                        chats.insert(chat.chat_id.clone(), (chat, raw));
                    }
                    Err(skipped) => pull.skipped.push(skipped),
                }
            }
            pull.items = apply_events(&mut cur.chats, &chats, events);
            if caught_up {
                pull.items
                    .extend(import_chats_without_events(&mut cur.chats, &chats));
                cur.listed = true;
            }
        }
        pull.cursor =
            serde_json::to_string(&cur).map_err(|e| self.malformed(EVENTS, e.to_string()))?;
        Ok(pull)
    }

    /// Sends one message. Not idempotent, so it is never retried blindly: a 429 (WB did
    /// not take it) is waited out and retried; a failure that may still have delivered it
    /// (timeout, 5xx, a body cut off) is returned, and the next attempt at the same text
    /// first looks whether it arrived.
    async fn send_answer(&self, target: &ReplyTarget, text: &str) -> Result<(), ConnectorError> {
        let chat_id = target.external_id.as_str();
        if self.earlier_send_landed(chat_id, text).await? {
            self.settle_send(chat_id);
            return Ok(());
        }
        let reply_sign = self.reply_sign(target).await?;
        self.begin_send(chat_id, text);
        self.post_message(chat_id, &reply_sign, text).await
    }

    /// The text of the seller's last message in the chat: after our own latest send when
    /// this process made one, else within a day before the chat's last message.
    async fn current_answer(&self, target: &ReplyTarget) -> Result<Option<String>, ConnectorError> {
        let chat_id = target.external_id.as_str();
        let since = self
            .sends()
            .get(chat_id)
            .map(|r| r.started_ms - CLOCK_SLACK_MS);
        self.last_seller_text(chat_id, since).await
    }
}

fn from_ms(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

/// Marketplaces may trim or normalise whitespace in a message.
fn same_text(a: &str, b: &str) -> bool {
    a.split_whitespace().eq(b.split_whitespace())
}

/// What a message says, attachments named so a thread without text still reads.
fn message_text(event: &ChatEvent) -> String {
    let Some(message) = &event.message else {
        return String::new();
    };
    let mut parts: Vec<String> = Vec::new();
    if let Some(text) = message
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        parts.push(text.to_string());
    }
    if let Some(attachments) = &message.attachments {
        for file in attachments.files.iter().flatten() {
            parts.push(format!(
                "[файл: {}]",
                file.name.as_deref().unwrap_or("без имени")
            ));
        }
        let images = attachments.images.as_ref().map_or(0, Vec::len);
        if images == 1 {
            parts.push("[фото]".into());
        } else if images > 1 {
            parts.push(format!("[фото ×{images}]"));
        }
    }
    parts.join(" ")
}

/// One event from the wire; an unusable one says why.
pub fn parse_event(raw: serde_json::Value) -> Result<ParsedEvent, Skipped> {
    let external_id = raw
        .get("eventID")
        .and_then(|v| v.as_str())
        .map(str::to_string);
    let skip = |reason: String| Skipped {
        external_id: external_id.clone(),
        reason,
    };
    let event: ChatEvent =
        lenient::from_raw(&raw).map_err(|e| skip(format!("unreadable event: {e}")))?;
    if event.chat_id.trim().is_empty() {
        return Err(skip("event without chatID".into()));
    }
    if event.event_id.trim().is_empty() {
        return Err(skip("event without eventID".into()));
    }
    let at_ms = match (event.add_timestamp, event.add_time.as_deref()) {
        (Some(ms), _) if ms > 0 => ms,
        (_, Some(text)) => DateTime::parse_from_rfc3339(text)
            .map_err(|e| skip(format!("addTime '{text}': {e}")))?
            .timestamp_millis(),
        _ => return Err(skip("event without addTimestamp".into())),
    };
    Ok(ParsedEvent { event, at_ms, raw })
}

/// One chat of the chat list; an unusable one says why.
pub fn parse_chat(raw: serde_json::Value) -> Result<Chat, Skipped> {
    let external_id = raw
        .get("chatID")
        .and_then(|v| v.as_str())
        .map(str::to_string);
    let chat: Chat = lenient::from_raw(&raw).map_err(|e| Skipped {
        external_id: external_id.clone(),
        reason: format!("unreadable chat: {e}"),
    })?;
    if chat.chat_id.trim().is_empty() {
        return Err(Skipped {
            external_id,
            reason: "chat without chatID".into(),
        });
    }
    Ok(chat)
}

/// A chat list and events read from scratch, as the chats they make: what a first pull
/// reports. Malformed chats and events are skipped with their reasons.
pub fn parse_chat_page(
    chat_list: Vec<serde_json::Value>,
    events: Vec<serde_json::Value>,
) -> (Vec<NewInteraction>, Vec<Skipped>) {
    let mut skipped = Vec::new();
    let mut chats = HashMap::new();
    for raw in chat_list {
        match parse_chat(raw.clone()) {
            Ok(chat) => {
                chats.insert(chat.chat_id.clone(), (chat, raw));
            }
            Err(s) => skipped.push(s),
        }
    }
    let mut parsed = Vec::new();
    for raw in events {
        match parse_event(raw) {
            Ok(e) => parsed.push(e),
            Err(s) => skipped.push(s),
        }
    }
    let items = apply_events(&mut BTreeMap::new(), &chats, parsed);
    (items, skipped)
}

/// Folds a step's events into the remembered chats and returns each chat they touched
/// that has a conversation, with its thread.
fn apply_events(
    memo: &mut BTreeMap<String, ChatMemo>,
    chats: &HashMap<String, (Chat, serde_json::Value)>,
    events: Vec<ParsedEvent>,
) -> Vec<NewInteraction> {
    let mut items = Vec::new();
    for (chat_id, mut events) in by_chat(events) {
        events.sort_by_key(|e| e.at_ms);
        let entry = memo.entry(chat_id.clone()).or_default();
        let thread = fold_into_memo(entry, &events);
        if thread.is_empty() {
            // Only WB notices or unknown event types: nothing to answer or show.
            continue;
        }
        let text = chat_text(&entry.tail, &thread);
        let first = entry.first;
        let listed = chats.get(&chat_id);
        items.push(chat_item(chat_id, listed, &events, first, thread, text));
    }
    items
}

/// The events of each chat.
fn by_chat(events: Vec<ParsedEvent>) -> BTreeMap<String, Vec<ParsedEvent>> {
    let mut by_chat: BTreeMap<String, Vec<ParsedEvent>> = BTreeMap::new();
    for event in events {
        by_chat
            .entry(event.event.chat_id.clone())
            .or_default()
            .push(event);
    }
    by_chat
}

/// Adds a chat's events (in time order) to what is remembered of it and returns its
/// thread: the unanswered messages remembered and the events' messages, in time order.
fn fold_into_memo(entry: &mut ChatMemo, events: &[ParsedEvent]) -> Vec<ChatMessage> {
    let earliest = events.iter().map(|e| e.at_ms).min().unwrap_or(0);
    if entry.first <= 0 || earliest < entry.first {
        entry.first = earliest;
    }
    let mut thread: Vec<ChatMessage> = entry
        .tail
        .iter()
        .map(|m| ChatMessage {
            external_id: m.id.clone(),
            sender: Sender::Buyer,
            text: m.text.clone(),
            sent_at: from_ms(m.at),
        })
        .collect();
    for message in events.iter().filter_map(ParsedEvent::message) {
        if !thread.iter().any(|m| m.external_id == message.external_id) {
            thread.push(message);
        }
    }
    thread.sort_by_key(|m| m.sent_at);
    entry.tail = unanswered_tail(&thread);
    thread
}

/// What the customer wrote: the unanswered messages, else the last buyer message (or the
/// last message at all).
fn chat_text(tail: &[MemoMessage], thread: &[ChatMessage]) -> String {
    if tail.is_empty() {
        thread
            .iter()
            .rev()
            .find(|m| m.sender == Sender::Buyer)
            .or(thread.last())
            .map(|m| m.text.clone())
            .unwrap_or_default()
    } else {
        let tail: Vec<&str> = tail.iter().map(|m| m.text.as_str()).collect();
        tail.join("\n")
    }
}

/// A chat as an item: what the list says of it, else what its events say.
fn chat_item(
    chat_id: String,
    listed: Option<&(Chat, serde_json::Value)>,
    events: &[ParsedEvent],
    first_ms: i64,
    thread: Vec<ChatMessage>,
    text: String,
) -> NewInteraction {
    let chat = listed.map(|(c, _)| c);
    let from_events =
        |pick: fn(&ChatEvent) -> Option<String>| events.iter().find_map(|e| pick(&e.event));
    let product_id = chat.and_then(|c| c.good_card.as_ref()?.nm_id).or_else(|| {
        events.iter().find_map(|e| {
            e.event
                .message
                .as_ref()?
                .attachments
                .as_ref()?
                .good_card
                .as_ref()?
                .nm_id
        })
    });
    NewInteraction {
        channel: Channel::Chat,
        external_id: chat_id,
        product: product_id.map(|nm| ProductRef {
            external_id: nm.to_string(),
            name: None,
            brand: None,
        }),
        customer_name: chat
            .and_then(|c| c.client_name.clone())
            .or_else(|| from_events(|e| e.client_name.clone())),
        customer_external_id: chat
            .and_then(|c| c.client_id.clone())
            .or_else(|| from_events(|e| e.client_id.clone())),
        text,
        pros: None,
        cons: None,
        photos: 0,
        rating: None,
        created_at: from_ms(first_ms),
        answer: None,
        archived: false,
        messages: thread,
        reply_handle: chat
            .and_then(|c| c.reply_sign.clone())
            .or_else(|| from_events(|e| e.reply_sign.clone())),
        raw: serde_json::json!({
            "chat": listed.map(|(_, raw)| raw.clone()),
            "events": events.iter().map(|e| e.raw.clone()).collect::<Vec<_>>(),
        }),
    }
}

/// Chats the list names that no event has mentioned yet (a chat just opened, or one
/// whose events are older than WB keeps): imported from the list alone, with the last
/// message's text and time, and remembered so the next list reading does not repeat them.
fn import_chats_without_events(
    memo: &mut BTreeMap<String, ChatMemo>,
    chats: &HashMap<String, (Chat, serde_json::Value)>,
) -> Vec<NewInteraction> {
    let mut items = Vec::new();
    let mut unknown: Vec<&String> = chats.keys().filter(|id| !memo.contains_key(*id)).collect();
    unknown.sort();
    for chat_id in unknown {
        let (chat, raw) = &chats[chat_id];
        let last = chat.last_message.as_ref();
        let at_ms = last
            .and_then(|m| m.add_timestamp)
            .or_else(|| {
                let date = chat.good_card.as_ref()?.date.as_deref()?;
                DateTime::parse_from_rfc3339(date)
                    .ok()
                    .map(|t| t.timestamp_millis())
            })
            .unwrap_or_else(|| Utc::now().timestamp_millis());
        memo.insert(
            chat_id.clone(),
            ChatMemo {
                first: at_ms,
                tail: Vec::new(),
            },
        );
        items.push(NewInteraction {
            channel: Channel::Chat,
            external_id: chat_id.clone(),
            product: chat
                .good_card
                .as_ref()
                .and_then(|g| g.nm_id)
                .map(|nm| ProductRef {
                    external_id: nm.to_string(),
                    name: None,
                    brand: None,
                }),
            customer_name: chat.client_name.clone(),
            customer_external_id: chat.client_id.clone(),
            text: last.and_then(|m| m.text.clone()).unwrap_or_default(),
            pros: None,
            cons: None,
            photos: 0,
            rating: None,
            created_at: from_ms(at_ms),
            answer: None,
            archived: false,
            messages: Vec::new(),
            reply_handle: chat.reply_sign.clone(),
            raw: serde_json::json!({"chat": raw, "events": []}),
        });
    }
    items
}

/// The buyer's messages after the seller's last one, oldest first; beyond the cap the
/// first (when the wait began) and the newest are kept.
fn unanswered_tail(thread: &[ChatMessage]) -> Vec<MemoMessage> {
    let from = thread
        .iter()
        .rposition(|m| m.sender == Sender::Seller)
        .map_or(0, |i| i + 1);
    let tail: Vec<MemoMessage> = thread[from..]
        .iter()
        .filter(|m| m.sender == Sender::Buyer)
        .map(|m| MemoMessage {
            id: m.external_id.clone(),
            text: m.text.clone(),
            at: m.sent_at.timestamp_millis(),
        })
        .collect();
    if tail.len() <= TAIL_CAP {
        return tail;
    }
    let mut kept = vec![tail[0].clone()];
    kept.extend_from_slice(&tail[tail.len() - (TAIL_CAP - 1)..]);
    kept
}

#[cfg(test)]
mod tests;
