//! WB buyer-chat endpoints (`buyer-chat-api`), as the published contract describes them,
//! under their own limit: 10 requests per 10 s per account, burst 10.

use std::collections::HashMap;

use axum::extract::{FromRequest, Multipart, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, SecondsFormat, Utc};

use serde_json::json;

use super::state::{AnswerRecord, SimAccount, SimChat, SimMessage};
use super::Sim;

/// Events per page of `GET /api/v1/seller/events` (WB does not publish its page size).
/// A page never splits events of the same millisecond, since `next` is a time.
pub const EVENTS_PAGE: usize = 100;

/// Longest message WB accepts, in characters.
const MAX_MESSAGE: usize = 1000;

/// Longest `replySign` WB accepts.
const MAX_REPLY_SIGN: usize = 255;

impl Sim {
    /// Counts the request, authenticates it, and enforces the buyer-chat limit. The error
    /// is the response to send, as for `admit_wb`.
    #[allow(clippy::result_large_err)]
    fn admit_wb_chat(&self, endpoint: &str, headers: &HeaderMap) -> Result<usize, Response> {
        self.admit_wb_under(&self.wb_chats_limit, endpoint, headers)
    }
}

/// `GET /api/v1/seller/chats`
pub async fn chats(State(sim): State<Sim>, headers: HeaderMap) -> Response {
    let account = match sim.admit_wb_chat("GET /api/v1/seller/chats", &headers) {
        Ok(a) => a,
        Err(resp) => return resp,
    };
    let state = sim.lock();
    let acc = &state.accounts[account];
    let result = acc
        .chats
        .iter()
        .map(|c| chat_to_wire(acc, c))
        .collect::<Vec<_>>();
    Json(json!({"result": result, "errors": null})).into_response()
}

/// `GET /api/v1/seller/events?next=` — the events after `next` (unix ms), oldest first;
/// without `next`, from the beginning. The returned `next` is the time of the page's last
/// event; an empty page (`totalEvents: 0`) means everything has been read.
pub async fn events(
    State(sim): State<Sim>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let account = match sim.admit_wb_chat("GET /api/v1/seller/events", &headers) {
        Ok(a) => a,
        Err(resp) => return resp,
    };
    let after = match params.get("next").map(|v| v.trim().parse::<i64>()) {
        None => None,
        Some(Ok(n)) if n > 0 => Some(n),
        Some(Ok(_)) => return chat_error("Invalid value for \"next\"", false),
        Some(Err(_)) => return chat_error("Invalid number", false),
    };
    let state = sim.lock();
    let acc = &state.accounts[account];
    let mut all: Vec<(i64, usize, usize)> = acc
        .chats
        .iter()
        .enumerate()
        .flat_map(|(c, chat)| {
            chat.messages
                .iter()
                .enumerate()
                .map(move |(m, msg)| (msg.at.timestamp_millis(), c, m))
        })
        .filter(|(at, _, _)| after.is_none_or(|n| *at > n))
        .collect();
    all.sort_unstable();
    let mut end = all.len().min(EVENTS_PAGE);
    while end > 0 && end < all.len() && all[end].0 == all[end - 1].0 {
        end += 1;
    }
    let page = &all[..end];
    let events: Vec<serde_json::Value> = page
        .iter()
        .map(|&(_, c, m)| event_to_wire(acc, &acc.chats[c], m))
        .collect();
    let time = |ms: i64| {
        DateTime::from_timestamp_millis(ms).map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true))
    };
    let mut result = json!({
        "next": page
            .last()
            .map(|e| e.0)
            .or(after)
            .unwrap_or_else(|| Utc::now().timestamp_millis()),
        "totalEvents": events.len(),
        "events": events,
    });
    if let (Some(newest), Some(oldest)) = (
        page.last().and_then(|e| time(e.0)),
        page.first().and_then(|e| time(e.0)),
    ) {
        result["newestEventTime"] = newest.into();
        result["oldestEventTime"] = oldest.into();
    }
    Json(json!({"result": result, "errors": null})).into_response()
}

/// `POST /api/v1/seller/message`, multipart: `replySign` (required), `message` (at most
/// 1000 characters), `file` (any number). 400 `Invalid signature` for a missing or
/// unknown `replySign`, 400 `Invalid value for "message"` for a message too long or
/// missing. Every message taken is recorded for `/_sim/state`.
pub async fn message(State(sim): State<Sim>, request: Request) -> Response {
    let account = match sim.admit_wb_chat("POST /api/v1/seller/message", request.headers()) {
        Ok(a) => a,
        Err(resp) => return resp,
    };
    let Ok(mut form) = Multipart::from_request(request, &()).await else {
        return chat_error("request body must be multipart/form-data", true);
    };
    let mut reply_sign: Option<String> = None;
    let mut text: Option<String> = None;
    let mut files = 0usize;
    loop {
        let field = match form.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(_) => return chat_error("malformed multipart body", true),
        };
        match field.name().unwrap_or("") {
            "replySign" => reply_sign = field.text().await.ok(),
            "message" => text = field.text().await.ok(),
            "file" => files += usize::from(field.bytes().await.is_ok()),
            _ => {}
        }
    }
    let Some(reply_sign) = reply_sign
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty() && s.len() <= MAX_REPLY_SIGN)
    else {
        return chat_error("Invalid signature", true);
    };
    let text = text.unwrap_or_default();
    let len = text.chars().count();
    if len > MAX_MESSAGE || (text.trim().is_empty() && files == 0) {
        return chat_error("Invalid value for \"message\"", true);
    }
    let mut state = sim.lock();
    let Some(chat_index) = state.accounts[account]
        .chats
        .iter()
        .position(|c| c.reply_sign == reply_sign)
    else {
        return chat_error("Invalid signature", true);
    };
    let marketplace = state.accounts[account].marketplace;
    let id = state.new_item_id(marketplace);
    // Event times only move forward, so a client reading `next` never misses one.
    let at = state.accounts[account].next_message_time(Utc::now());
    let body = if text.trim().is_empty() {
        "[файл]".to_string()
    } else {
        text
    };
    let acc = &mut state.accounts[account];
    let account_name = acc.name.clone();
    let chat = &mut acc.chats[chat_index];
    chat.messages.push(SimMessage {
        id,
        from_buyer: false,
        text: body.clone(),
        at,
    });
    let chat_id = chat.id.clone();
    state.record_answer(
        account,
        AnswerRecord {
            account: account_name,
            channel: "chat",
            item_id: chat_id.clone(),
            text: body,
            at,
            known_item: true,
        },
    );
    Json(json!({
        "result": {"addTime": at.timestamp_millis(), "chatID": chat_id},
        "errors": [],
    }))
    .into_response()
}

/// The buyer-chat API's 400 body; `problem` sends it as `application/problem+json`, as
/// `POST /api/v1/seller/message` does.
fn chat_error(detail: &str, problem: bool) -> Response {
    let body = json!({
        "status": 400,
        "title": "Bad Request",
        "origin": "proxy-chats",
        "detail": detail,
        "requestId": super::request_id(),
        "error": detail,
    });
    let mut response = (StatusCode::BAD_REQUEST, Json(body)).into_response();
    if problem {
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
    }
    response
}

/// The order a chat is about (`goodCard`).
fn good_card(acc: &SimAccount, chat: &SimChat) -> Option<serde_json::Value> {
    let nm = chat.product_id?;
    let product = acc.products.iter().find(|p| p.id == nm);
    let mut card = json!({
        "nmID": nm,
        "priceCurrency": "RUB",
        "size": "0",
        "statusID": 11,
    });
    if let Some(first) = chat.messages.first() {
        card["date"] = (first.at - chrono::Duration::days(3))
            .to_rfc3339_opts(SecondsFormat::Micros, true)
            .into();
    }
    if let Some(product) = product {
        card["price"] = product.price.into();
    }
    Some(card)
}

/// One chat of `GET /api/v1/seller/chats`.
fn chat_to_wire(acc: &SimAccount, chat: &SimChat) -> serde_json::Value {
    let mut wire = json!({
        "chatID": chat.id,
        "replySign": chat.reply_sign,
        "clientID": chat.client_id,
        "clientName": chat.client_name,
    });
    if let Some(card) = good_card(acc, chat) {
        wire["goodCard"] = card;
    }
    if let Some(last) = chat.messages.last() {
        wire["lastMessage"] = json!({
            "text": last.text,
            "addTimestamp": last.at.timestamp_millis(),
        });
    }
    wire
}

/// One event of `GET /api/v1/seller/events`: a message; the first of a chat opens it and
/// carries its `replySign` and order.
fn event_to_wire(acc: &SimAccount, chat: &SimChat, index: usize) -> serde_json::Value {
    let m = &chat.messages[index];
    let opens_chat = index == 0;
    let mut message = json!({"text": m.text});
    if let Some(card) = good_card(acc, chat).filter(|_| opens_chat) {
        message["attachments"] = json!({"goodCard": card});
    }
    let mut event = json!({
        "chatID": chat.id,
        "eventID": m.id,
        "eventType": "message",
        "message": message,
        "source": if m.from_buyer { "rusite" } else { "seller-public-api" },
        "addTimestamp": m.at.timestamp_millis(),
        "addTime": m.at.to_rfc3339_opts(SecondsFormat::Secs, true),
        "sender": if m.from_buyer { "client" } else { "seller" },
    });
    if opens_chat {
        event["isNewChat"] = true.into();
        event["replySign"] = chat.reply_sign.clone().into();
    }
    if m.from_buyer {
        event["clientID"] = chat.client_id.clone().into();
        event["clientName"] = chat.client_name.clone().into();
    }
    event
}
