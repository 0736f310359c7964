//! Ozon buyer chats: `POST /v3/chat/list`, `/v3/chat/history`, `/v1/chat/send/message`.
//!
//! A chat is one interaction; it waits for the seller when its last buyer-or-seller
//! message is the buyer's. Only `Buyer_Seller` chats are read; support chats are not the
//! inbox's business. A reply is addressed by `chat_id`, and Ozon refuses it more than
//! 48 hours after the buyer's last message (FBO).

use std::collections::{BTreeMap, HashSet};

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::wire::{
    Author, ChatHistoryRequest, ChatHistoryResponse, ChatInfo, ChatListFilter, ChatListRequest,
    ChatListResponse, SendMessageRequest,
};
use super::{is_ambiguous, parse_time, raw_id, read_cursor, same_text, write_cursor, OzonApi};
use crate::connectors::lenient;
use crate::connectors::{Connector, ConnectorError, Pull, ReplyTarget, Skipped};
use crate::domain::{Channel, ChatMessage, NewInteraction, ProductRef, Sender};

const LIST: &str = "POST /v3/chat/list";
const HISTORY: &str = "POST /v3/chat/history";
const SEND: &str = "POST /v1/chat/send/message";

/// Chats per page of `/v3/chat/list`; Ozon allows up to 1000.
pub const PAGE_SIZE: u32 = 100;
/// Messages per page of `/v3/chat/history`; Ozon allows up to 1000.
pub const HISTORY_PAGE: u32 = 100;
/// History pages read for one chat: enough to reach the seller's last reply.
const MAX_HISTORY_PAGES: u32 = 5;
/// Messages re-read to find the seller's latest reply.
const CONFIRM_PAGE: i64 = 50;

/// Where the chats sync stands.
///
/// `/v3/chat/list` pages by an opaque `cursor`. A sweep reads every page; a chat's
/// history is fetched only when its `last_message_id` differs from the one remembered
/// in `seen` (or the list does not say), so a quiet pass costs one request per page of
/// chats. A new message in any chat changes its `last_message_id` and is picked up by
/// the next sweep.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatCursor {
    /// `cursor` for the next page of the sweep under way; empty for its first page.
    #[serde(default)]
    pub page: String,
    /// `last_message_id` per chat when its history was last read.
    #[serde(default)]
    pub seen: BTreeMap<String, String>,
}

pub struct OzonChats {
    api: OzonApi,
    page_size: u32,
}

/// A chat with its thread, and the messages that could not be read.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedChat {
    /// `None` when the chat is not a buyer chat or has no buyer or seller message yet.
    pub item: Option<NewInteraction>,
    pub skipped: Vec<Skipped>,
    /// Newest message id in the thread as read.
    pub newest_message_id: Option<String>,
}

impl OzonChats {
    pub fn new(api: OzonApi) -> Self {
        OzonChats {
            api,
            page_size: PAGE_SIZE,
        }
    }

    /// Other page sizes, for tests of pagination; kept within Ozon's 1..=1000.
    pub fn with_page_size(mut self, limit: u32) -> Self {
        self.page_size = limit.clamp(1, 1000);
        self
    }

    /// The page the cursor points at, with the requests it took; a stale page cursor
    /// starts the sweep over.
    async fn page(&self, cur: &mut ChatCursor) -> Result<(ChatListResponse, u32), ConnectorError> {
        let request = |page: &str| ChatListRequest {
            filter: Some(ChatListFilter {
                chat_status: Some("All".into()),
                unread_only: false,
            }),
            limit: Some(i64::from(self.page_size)),
            cursor: Some(page.to_string()).filter(|s| !s.is_empty()),
        };
        match self.api.call(LIST, &request(&cur.page)).await {
            Ok(page) => Ok(page),
            Err(ConnectorError::Rejected { status: 400, .. }) if !cur.page.is_empty() => {
                tracing::warn!("ozon chats: stored cursor refused; restarting the sweep");
                cur.page.clear();
                let (list, n) = self.api.call(LIST, &request("")).await?;
                Ok((list, n + 1))
            }
            Err(err) => Err(err),
        }
    }

    /// The newest messages of a chat, newest first, reading back until a seller message
    /// is among them (or [`MAX_HISTORY_PAGES`]).
    async fn thread(&self, chat_id: &str) -> Result<(Vec<serde_json::Value>, u32), ConnectorError> {
        let mut messages: Vec<serde_json::Value> = Vec::new();
        let mut ids: HashSet<String> = HashSet::new();
        let mut from: Option<u64> = None;
        let mut requests = 0;
        for _ in 0..MAX_HISTORY_PAGES {
            let request = ChatHistoryRequest {
                chat_id: Some(chat_id.to_string()),
                direction: Some("Backward".into()),
                from_message_id: from,
                limit: Some(i64::from(HISTORY_PAGE)),
                filter: None,
            };
            let (page, n): (ChatHistoryResponse, u32) = self.api.call(HISTORY, &request).await?;
            requests += n;
            let mut added = 0;
            let mut seller_seen = false;
            for raw in page.messages {
                let id = raw_id(&raw, "message_id");
                if let Some(id) = &id {
                    if !ids.insert(id.clone()) {
                        continue;
                    }
                }
                seller_seen |= is_seller(&raw);
                added += 1;
                messages.push(raw);
            }
            let oldest = messages
                .iter()
                .filter_map(|m| raw_id(m, "message_id")?.parse::<u64>().ok())
                .min();
            if !page.has_next || added == 0 || seller_seen || oldest.is_none() || oldest == from {
                break;
            }
            from = oldest;
        }
        Ok((messages, requests))
    }
}

fn is_seller(raw: &serde_json::Value) -> bool {
    raw.get("user")
        .and_then(|u| u.get("type"))
        .and_then(|t| t.as_str())
        .is_some_and(|t| Author::parse(t) == Author::Seller)
}

#[async_trait]
impl Connector for OzonChats {
    crate::connectors::connector_identity!("ozon_chats", Ozon, Chat);

    async fn pull(&self, cursor: Option<&str>) -> Result<Pull, ConnectorError> {
        let mut cur: ChatCursor = read_cursor(LIST, cursor)?;
        let (list, mut requests) = self.page(&mut cur).await?;
        let mut pull = Pull::default();
        let page_len = list.chats.len();
        // Chats remembered in `seen` by this pull: what a page cut short keeps.
        let mut threads_read = 0;
        for raw in list.chats {
            let Some(info) = chat_to_read(&raw, &cur, &mut pull.skipped) else {
                continue;
            };
            let chat_id = info.chat.chat_id.clone();
            let (messages, n) = match self.thread(&chat_id).await {
                Ok(thread) => thread,
                // Keep the chats read so far (`seen` skips them next time) and read this
                // page again.
                Err(err) if threads_read > 0 => {
                    tracing::warn!(error = %err, "ozon chats: a history read failed; keeping the page up to it");
                    pull.more = true;
                    pull.requests = requests;
                    pull.cursor = write_cursor(LIST, &cur)?;
                    return Ok(pull);
                }
                Err(err) => return Err(err),
            };
            requests += n;
            let parsed = parse_chat(raw, messages);
            if remember_thread(&mut cur, &mut pull, chat_id, info.last_message_id, parsed) {
                threads_read += 1;
            }
        }
        let next = list.cursor.unwrap_or_default();
        pull.more = list.has_next && page_len > 0 && !next.is_empty() && next != cur.page;
        cur.page = if pull.more { next } else { String::new() };
        pull.requests = requests;
        pull.cursor = write_cursor(LIST, &cur)?;
        Ok(pull)
    }

    async fn send_answer(&self, target: &ReplyTarget, text: &str) -> Result<(), ConnectorError> {
        let chat_id = chat_id_of(target);
        let body = SendMessageRequest {
            chat_id: Some(chat_id.to_string()),
            text: Some(text.to_string()),
        };
        match self.api.write(SEND, &body).await {
            Ok(_) => Ok(()),
            Err(err) if is_ambiguous(&err) => match self.current_answer(target).await {
                Ok(Some(current)) if same_text(&current, text) => Ok(()),
                _ => Err(err),
            },
            Err(err) => Err(err),
        }
    }

    /// The seller's newest message among the chat's latest ones. A chat has no single
    /// answer, so this is the reply most recently delivered: enough to confirm ours and
    /// never a reason to send twice.
    async fn current_answer(&self, target: &ReplyTarget) -> Result<Option<String>, ConnectorError> {
        let request = ChatHistoryRequest {
            chat_id: Some(chat_id_of(target).to_string()),
            direction: Some("Backward".into()),
            from_message_id: None,
            limit: Some(CONFIRM_PAGE),
            filter: None,
        };
        let (page, _): (ChatHistoryResponse, u32) = self.api.call(HISTORY, &request).await?;
        let (thread, _) = read_thread("", page.messages);
        Ok(thread
            .iter()
            .rev()
            .find(|m| m.sender == Sender::Seller)
            .map(|m| m.text.clone()))
    }
}

fn chat_id_of(target: &ReplyTarget) -> &str {
    target
        .reply_handle
        .as_deref()
        .filter(|h| !h.trim().is_empty())
        .unwrap_or(&target.external_id)
}

/// `Buyer_Seller`, or no type at all; support chats are left out.
fn is_buyer_chat(chat_type: Option<&str>) -> bool {
    match chat_type {
        None => true,
        Some(t) => {
            let t = t.to_ascii_lowercase().replace(['_', '-', ' '], "");
            t == "buyerseller" || t.is_empty() || t == "unspecified"
        }
    }
}

/// Buyer and seller messages, oldest first, plus the unreadable ones; the product and
/// the buyer's id as the messages tell them.
struct Thread {
    messages: Vec<ChatMessage>,
    customer_id: Option<String>,
    sku: Option<String>,
    newest_id: Option<String>,
}

fn read_thread(chat_id: &str, raw: Vec<serde_json::Value>) -> (Vec<ChatMessage>, Vec<Skipped>) {
    let (thread, skipped) = read_thread_full(chat_id, raw);
    (thread.messages, skipped)
}

fn read_thread_full(chat_id: &str, raw: Vec<serde_json::Value>) -> (Thread, Vec<Skipped>) {
    let mut out: Vec<(u64, ChatMessage)> = Vec::new();
    let mut skipped = Vec::new();
    let mut customer_id = None;
    let mut sku = None;
    let mut newest: Option<(chrono::DateTime<chrono::Utc>, u64, String)> = None;
    for value in raw {
        let id = raw_id(&value, "message_id");
        let message: super::wire::ChatMessage = match lenient::from_raw(&value) {
            Ok(m) => m,
            Err(e) => {
                skipped.push(Skipped {
                    external_id: id,
                    reason: format!("chat {chat_id}: unreadable message: {e}"),
                });
                continue;
            }
        };
        let sent_at = match parse_time(&message.created_at) {
            Ok(t) => t,
            Err(e) => {
                skipped.push(Skipped {
                    external_id: Some(message.message_id.clone()),
                    reason: format!("chat {chat_id}: message created_at {e}"),
                });
                continue;
            }
        };
        let numeric = message.message_id.parse::<u64>().unwrap_or(0);
        if newest
            .as_ref()
            .is_none_or(|(t, n, _)| (sent_at, numeric) > (*t, *n))
        {
            newest = Some((sent_at, numeric, message.message_id.clone()));
        }
        let author = message
            .user
            .as_ref()
            .map_or(Author::Other, |u| Author::parse(&u.kind));
        let sender = match author {
            Author::Customer => Sender::Buyer,
            Author::Seller => Sender::Seller,
            Author::Other => continue,
        };
        if sender == Sender::Buyer {
            if let Some(uid) = message.user.as_ref().and_then(|u| u.id.clone()) {
                customer_id = Some(uid);
            }
        }
        if let Some(s) = message.context.as_ref().and_then(|c| c.sku.clone()) {
            sku = Some(s);
        }
        out.push((
            numeric,
            ChatMessage {
                external_id: message.message_id,
                sender,
                text: message.data.join("\n"),
                sent_at,
            },
        ));
    }
    out.sort_by(|a, b| a.1.sent_at.cmp(&b.1.sent_at).then(a.0.cmp(&b.0)));
    let thread = Thread {
        messages: out.into_iter().map(|(_, m)| m).collect(),
        customer_id,
        sku,
        newest_id: newest.map(|(_, _, id)| id),
    };
    (thread, skipped)
}

/// A listed chat whose thread is to be read: a buyer chat with a message not seen yet.
/// An unreadable one is noted in `skipped`.
fn chat_to_read(
    raw: &serde_json::Value,
    cur: &ChatCursor,
    skipped: &mut Vec<Skipped>,
) -> Option<ChatInfo> {
    let info: ChatInfo = match lenient::from_raw(raw) {
        Ok(info) => info,
        Err(e) => {
            skipped.push(Skipped {
                external_id: raw.get("chat").and_then(|c| raw_id(c, "chat_id")),
                reason: format!("unreadable chat: {e}"),
            });
            return None;
        }
    };
    if info.chat.chat_id.is_empty() || !is_buyer_chat(info.chat.chat_type.as_deref()) {
        return None;
    }
    let unchanged = matches!(
        (&info.last_message_id, cur.seen.get(&info.chat.chat_id)),
        (Some(last), Some(seen)) if last == seen
    );
    (!unchanged).then_some(info)
}

/// Adds a read chat to the pull and remembers its newest message in `seen`. Returns
/// whether it was remembered.
fn remember_thread(
    cur: &mut ChatCursor,
    pull: &mut Pull,
    chat_id: String,
    last_message_id: Option<String>,
    parsed: Result<ParsedChat, Skipped>,
) -> bool {
    let newest = match parsed {
        Ok(parsed) => {
            pull.skipped.extend(parsed.skipped);
            if let Some(item) = parsed.item {
                pull.items.push(item);
            }
            last_message_id.or(parsed.newest_message_id)
        }
        Err(skipped) => {
            // Remember it anyway: it is read again when a new message arrives.
            pull.skipped.push(skipped);
            last_message_id
        }
    };
    let Some(newest) = newest else {
        return false;
    };
    cur.seen.insert(chat_id, newest);
    true
}

/// One chat from the wire (its `/v3/chat/list` entry and the messages read from
/// `/v3/chat/history`) into the domain. A malformed message is skipped with its reason;
/// a malformed chat entry skips the chat.
pub fn parse_chat(
    info_raw: serde_json::Value,
    messages_raw: Vec<serde_json::Value>,
) -> Result<ParsedChat, Skipped> {
    let external_id = info_raw.get("chat").and_then(|c| raw_id(c, "chat_id"));
    let skip = |reason: String| Skipped {
        external_id: external_id.clone(),
        reason,
    };
    let info: ChatInfo =
        lenient::from_raw(&info_raw).map_err(|e| skip(format!("unreadable chat: {e}")))?;
    let chat_id = info.chat.chat_id.clone();
    if chat_id.is_empty() {
        return Err(skip("empty chat_id".into()));
    }
    let (thread, skipped) = read_thread_full(&chat_id, messages_raw.clone());
    let newest_message_id = thread.newest_id.clone();
    if !is_buyer_chat(info.chat.chat_type.as_deref()) || thread.messages.is_empty() {
        return Ok(ParsedChat {
            item: None,
            skipped,
            newest_message_id,
        });
    }
    let created_at = info
        .chat
        .created_at
        .as_deref()
        .and_then(|t| parse_time(t).ok())
        .or_else(|| thread.messages.first().map(|m| m.sent_at))
        .ok_or_else(|| skip("no creation time".into()))?;
    let text = thread
        .messages
        .iter()
        .rev()
        .find(|m| m.sender == Sender::Buyer)
        .or(thread.messages.last())
        .map(|m| m.text.clone())
        .unwrap_or_default();
    let closed = info
        .chat
        .chat_status
        .as_deref()
        .is_some_and(|s| s.eq_ignore_ascii_case("closed"));
    let item = NewInteraction {
        channel: Channel::Chat,
        external_id: chat_id.clone(),
        product: thread.sku.clone().map(|sku| ProductRef {
            external_id: sku,
            name: None,
            brand: None,
        }),
        // Ozon chats carry the buyer's id, not a name.
        customer_name: None,
        customer_external_id: thread.customer_id.clone(),
        text,
        pros: None,
        cons: None,
        photos: 0,
        rating: None,
        created_at,
        answer: None,
        archived: closed,
        messages: thread.messages,
        reply_handle: Some(chat_id),
        raw: serde_json::json!({ "chat": info_raw, "messages": messages_raw }),
    };
    Ok(ParsedChat {
        item: Some(item),
        skipped,
        newest_message_id,
    })
}

#[cfg(test)]
mod tests;
