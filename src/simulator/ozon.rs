//! Ozon Seller API endpoints for reviews, questions and buyer chats, as the published
//! contract describes them: every method `POST` with a JSON body, `Client-Id` and
//! `Api-Key` headers, errors as `{code, message, details}` with gRPC status codes, and
//! about 50 requests per second per `Client-Id` across all methods.
//!
//! How the simulator's state reads on Ozon:
//! - a review is `PROCESSED` when `viewed` is set (a seller comment created with
//!   `mark_review_as_processed` sets it); its comments are the seller's answer;
//! - a question is `PROCESSED` once answered, `VIEWED` when viewed, else `NEW`;
//! - lists are served in creation order (oldest first for `sort_dir=ASC`), and `last_id`
//!   continues after that item;
//! - a chat's Ozon `chat_id` is a UUID derived from the simulator's chat id, and message
//!   ids are 64-bit numbers increasing along each thread.

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde_json::json;

use super::ozon_request::{
    AnswerCreate, AnswerList, ChatHistory, ChatList, CommentCreate, CommentList, QuestionInfo,
    QuestionList, ReviewInfo, ReviewList, SendMessage,
};
use super::ratelimit::Limit;
use super::state::{
    AnswerRecord, SimAccount, SimAnswer, SimChat, SimMessage, SimQuestion, SimReview,
};
use super::Sim;
use crate::connectors::ozon::{format_time, parse_time};
use crate::domain::Marketplace;

/// Ozon's gRPC status codes as its error bodies carry them in `code`.
mod code {
    pub const INVALID_ARGUMENT: i64 = 3;
    pub const NOT_FOUND: i64 = 5;
    pub const PERMISSION_DENIED: i64 = 7;
    pub const RESOURCE_EXHAUSTED: i64 = 8;
    pub const FAILED_PRECONDITION: i64 = 9;
    pub const UNAUTHENTICATED: i64 = 16;
}

/// The published 429 message.
const RATE_LIMIT_MESSAGE: &str = "You have reached request rate limit per second";

/// About 50 requests per second per `Client-Id`, all methods together.
pub(super) const LIMIT: Limit = Limit {
    period: Duration::from_millis(20),
    burst: 50,
};

/// Questions per page of `/v1/question/list`. Ozon publishes no page size and no
/// `limit`; a small page makes clients follow `last_id`.
pub const QUESTION_PAGE: usize = 20;
/// Answers per page of `/v1/question/answer/list` (unpublished too).
pub const ANSWER_PAGE: usize = 20;
/// Ozon refuses a seller message this long after the buyer's last one (FBO).
pub const REPLY_WINDOW_HOURS: i64 = 48;

impl Sim {
    /// Counts the request, authenticates `Client-Id` + `Api-Key`, and enforces the
    /// per-`Client-Id` limit. Returns the account's index, or the response that refuses
    /// the request.
    // The error is the finished response a handler returns as is; boxing it buys nothing.
    #[allow(clippy::result_large_err)]
    pub(super) fn admit_ozon(
        &self,
        endpoint: &str,
        headers: &HeaderMap,
    ) -> Result<usize, Response> {
        let mut state = self.lock();
        state.count_request(endpoint);
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
                .unwrap_or("")
                .to_string()
        };
        let (client_id, api_key) = (header("client-id"), header("api-key"));
        if client_id.is_empty() || api_key.is_empty() {
            return Err(error(
                StatusCode::UNAUTHORIZED,
                code::UNAUTHENTICATED,
                "Client-Id and Api-Key headers are required",
            ));
        }
        let account = state.accounts.iter().position(|a| {
            a.marketplace == Marketplace::Ozon
                && a.client_id.as_deref() == Some(client_id.as_str())
                && a.token == api_key
        });
        let Some(account) = account else {
            return Err(error(
                StatusCode::FORBIDDEN,
                code::PERMISSION_DENIED,
                "Invalid Api-Key or Client-Id, please contact support",
            ));
        };
        if self.ozon_limit.check(account).is_err() {
            state.over_limit += 1;
            let body = json!({"code": code::RESOURCE_EXHAUSTED, "message": RATE_LIMIT_MESSAGE});
            return Err((StatusCode::TOO_MANY_REQUESTS, Json(body)).into_response());
        }
        Ok(account)
    }
}

// ───────────────────────────── helpers ─────────────────────────────

/// `rpcStatus`: `details` is an array.
fn error(status: StatusCode, code: i64, message: &str) -> Response {
    let body = json!({"code": code, "message": message, "details": []});
    (status, Json(body)).into_response()
}

/// The question methods publish `details` as a string.
fn question_error(status: StatusCode, code: i64, message: &str) -> Response {
    let body = json!({"code": code, "message": message, "details": ""});
    (status, Json(body)).into_response()
}

fn bad_request(message: &str) -> Response {
    error(StatusCode::BAD_REQUEST, code::INVALID_ARGUMENT, message)
}

fn not_found(message: &str) -> Response {
    error(StatusCode::NOT_FOUND, code::NOT_FOUND, message)
}

#[allow(clippy::result_large_err)] // as for `admit_ozon`: the error is the response
fn parse_body<T: DeserializeOwned>(body: &Bytes, question: bool) -> Result<T, Response> {
    let text = if body.iter().all(u8::is_ascii_whitespace) {
        &b"{}"[..]
    } else {
        &body[..]
    };
    serde_json::from_slice(text).map_err(|e| {
        let message = format!("invalid request body: {e}");
        if question {
            question_error(StatusCode::BAD_REQUEST, code::INVALID_ARGUMENT, &message)
        } else {
            bad_request(&message)
        }
    })
}

fn ok(body: serde_json::Value) -> Response {
    Json(body).into_response()
}

/// A stable 128-bit hash of `parts`, as a UUID-shaped string.
fn uuid_of(parts: &[&str]) -> String {
    let mut halves = [0xcbf2_9ce4_8422_2325_u64, 0x8422_2325_cbf2_9ce4_u64];
    for (n, h) in halves.iter_mut().enumerate() {
        for part in parts {
            for b in part.bytes().chain([0xff, n as u8]) {
                *h ^= u64::from(b);
                *h = h.wrapping_mul(0x0000_0100_0000_01b3);
            }
        }
    }
    super::uuid_text((u128::from(halves[0]) << 64) | u128::from(halves[1]))
}

fn chars_within(text: &str, min: usize, max: usize) -> bool {
    (min..=max).contains(&text.chars().count())
}

// ───────────────────────────── reviews ─────────────────────────────

fn review_status(r: &SimReview) -> &'static str {
    if r.viewed {
        "PROCESSED"
    } else {
        "UNPROCESSED"
    }
}

/// One review of `/v1/review/list` (no author name).
fn review_to_wire(r: &SimReview) -> serde_json::Value {
    json!({
        "id": r.id,
        "sku": r.product_id,
        "text": r.text,
        "published_at": format_time(r.created_at),
        "rating": r.rating,
        "status": review_status(r),
        "comments_amount": i64::from(r.answer.is_some()),
        "photos_amount": r.photos,
        "videos_amount": 0,
        "order_status": "DELIVERED",
        "is_rating_participant": true,
    })
}

fn comment_id(review: &SimReview, answer: &SimAnswer) -> String {
    uuid_of(&[
        &review.id,
        "comment",
        &answer.at.timestamp_micros().to_string(),
    ])
}

/// `POST /v1/review/list`: `limit` 20..=100, `status` ALL|UNPROCESSED|PROCESSED,
/// `sort_dir` ASC|DESC, continuing after `last_id`. No author name.
pub async fn review_list(State(sim): State<Sim>, headers: HeaderMap, body: Bytes) -> Response {
    let account = match sim.admit_ozon("POST /v1/review/list", &headers) {
        Ok(a) => a,
        Err(resp) => return resp,
    };
    let req: ReviewList = match parse_body(&body, false) {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    let Some(limit) = req.limit else {
        return bad_request("limit is required");
    };
    if !(20..=100).contains(&limit) {
        return bad_request("limit must be between 20 and 100");
    }
    let status = match req
        .status
        .as_deref()
        .map(str::to_ascii_uppercase)
        .as_deref()
    {
        None | Some("") | Some("ALL") => None,
        Some("UNPROCESSED") => Some(false),
        Some("PROCESSED") => Some(true),
        Some(_) => return bad_request("status must be ALL, UNPROCESSED or PROCESSED"),
    };
    let descending = match req
        .sort_dir
        .as_deref()
        .map(str::to_ascii_uppercase)
        .as_deref()
    {
        None | Some("") | Some("ASC") => false,
        Some("DESC") => true,
        Some(_) => return bad_request("sort_dir must be ASC or DESC"),
    };
    let state = sim.lock();
    let reviews = &state.accounts[account].reviews;
    let mut order: Box<dyn Iterator<Item = usize>> = if descending {
        Box::new((0..reviews.len()).rev())
    } else {
        Box::new(0..reviews.len())
    };
    if let Some(last_id) = req.last_id.as_deref() {
        let Some(at) = reviews.iter().position(|r| r.id == last_id) else {
            return bad_request("last_id does not name a review");
        };
        for i in order.by_ref() {
            if i == at {
                break;
            }
        }
    }
    let mut page: Vec<&SimReview> = order
        .map(|i| &reviews[i])
        .filter(|r| status.is_none_or(|processed| r.viewed == processed))
        .take(limit as usize + 1)
        .collect();
    let has_next = page.len() > limit as usize;
    page.truncate(limit as usize);
    ok(json!({
        "has_next": has_next,
        "last_id": page.last().map(|r| r.id.clone()).unwrap_or_default(),
        "reviews": page.iter().map(|r| review_to_wire(r)).collect::<Vec<_>>(),
    }))
}

/// `POST /v1/review/count`: reviews by status.
pub async fn review_count(State(sim): State<Sim>, headers: HeaderMap) -> Response {
    let account = match sim.admit_ozon("POST /v1/review/count", &headers) {
        Ok(a) => a,
        Err(resp) => return resp,
    };
    let state = sim.lock();
    let reviews = &state.accounts[account].reviews;
    let processed = reviews.iter().filter(|r| r.viewed).count();
    ok(json!({
        "total": reviews.len(),
        "processed": processed,
        "unprocessed": reviews.len() - processed,
    }))
}

/// `POST /v1/review/info`
pub async fn review_info(State(sim): State<Sim>, headers: HeaderMap, body: Bytes) -> Response {
    let account = match sim.admit_ozon("POST /v1/review/info", &headers) {
        Ok(a) => a,
        Err(resp) => return resp,
    };
    let req: ReviewInfo = match parse_body(&body, false) {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    let Some(id) = req.review_id else {
        return bad_request("review_id is required");
    };
    let state = sim.lock();
    let Some(r) = state.accounts[account].reviews.iter().find(|r| r.id == id) else {
        return not_found("review not found");
    };
    let mut info = review_to_wire(r);
    info["likes_amount"] = 0.into();
    info["dislikes_amount"] = 0.into();
    info["photos"] = (0..r.photos)
        .map(|i| {
            json!({
                "url": format!("https://ozon.example.invalid/reviews/{}/{i}.jpg", r.id),
                "width": 1200,
                "height": 1600,
            })
        })
        .collect::<Vec<_>>()
        .into();
    info["videos"] = json!([]);
    ok(info)
}

/// `POST /v1/review/comment/create`: the seller's comment; with
/// `mark_review_as_processed` the review becomes `PROCESSED`.
pub async fn comment_create(State(sim): State<Sim>, headers: HeaderMap, body: Bytes) -> Response {
    let account = match sim.admit_ozon("POST /v1/review/comment/create", &headers) {
        Ok(a) => a,
        Err(resp) => return resp,
    };
    let req: CommentCreate = match parse_body(&body, false) {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    let Some(review_id) = req.review_id else {
        return bad_request("review_id is required");
    };
    let text = req.text.unwrap_or_default();
    if text.trim().is_empty() {
        return bad_request("text is required");
    }
    if !chars_within(&text, 1, 3000) {
        return bad_request("text must be at most 3000 characters");
    }
    let now = Utc::now();
    let mut state = sim.lock();
    let acc = &mut state.accounts[account];
    let name = acc.name.clone();
    let Some(review) = acc.reviews.iter_mut().find(|r| r.id == review_id) else {
        return not_found("review not found");
    };
    // A reply to a comment must name one the review has (the simulator keeps one).
    if let Some(parent) = req.parent_comment_id.as_deref().filter(|p| !p.is_empty()) {
        let known = review
            .answer
            .as_ref()
            .is_some_and(|a| comment_id(review, a) == parent);
        if !known {
            return not_found("parent comment not found");
        }
    }
    let answer = SimAnswer {
        text: text.clone(),
        state: "published".into(),
        editable: false,
        at: now,
    };
    let id = comment_id(review, &answer);
    review.answer = Some(answer);
    if req.mark_review_as_processed {
        review.viewed = true;
    }
    state.record_answer(
        account,
        AnswerRecord {
            account: name,
            channel: "review",
            item_id: review_id,
            text,
            at: now,
            known_item: true,
        },
    );
    ok(json!({"comment_id": id}))
}

/// `POST /v1/review/comment/list`: `limit` 20..=100, `offset`, `sort_dir`.
pub async fn comment_list(State(sim): State<Sim>, headers: HeaderMap, body: Bytes) -> Response {
    let account = match sim.admit_ozon("POST /v1/review/comment/list", &headers) {
        Ok(a) => a,
        Err(resp) => return resp,
    };
    let req: CommentList = match parse_body(&body, false) {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    let Some(review_id) = req.review_id else {
        return bad_request("review_id is required");
    };
    let Some(limit) = req.limit else {
        return bad_request("limit is required");
    };
    if !(20..=100).contains(&limit) {
        return bad_request("limit must be between 20 and 100");
    }
    let offset = req.offset.unwrap_or(0);
    if offset < 0 {
        return bad_request("offset must not be negative");
    }
    if !matches!(
        req.sort_dir
            .as_deref()
            .map(str::to_ascii_uppercase)
            .as_deref(),
        None | Some("") | Some("ASC") | Some("DESC")
    ) {
        return bad_request("sort_dir must be ASC or DESC");
    }
    let state = sim.lock();
    let Some(review) = state.accounts[account]
        .reviews
        .iter()
        .find(|r| r.id == review_id)
    else {
        return not_found("review not found");
    };
    let comments: Vec<serde_json::Value> = review
        .answer
        .iter()
        .map(|a| {
            json!({
                "id": comment_id(review, a),
                "is_official": false,
                "is_owner": true,
                // A string in the contract; a comment on the review itself has no parent.
                "parent_comment_id": "",
                "published_at": format_time(a.at),
                "text": a.text,
            })
        })
        .skip(offset as usize)
        .take(limit as usize)
        .collect();
    ok(json!({"offset": comments.len(), "comments": comments}))
}

// ───────────────────────────── questions ─────────────────────────────

fn question_status(q: &SimQuestion) -> &'static str {
    if q.answer.is_some() {
        "PROCESSED"
    } else if q.viewed {
        "VIEWED"
    } else {
        "NEW"
    }
}

/// One question of `/v1/question/list`, also the body of `/v1/question/info`.
fn question_to_wire(q: &SimQuestion) -> serde_json::Value {
    let mut wire = json!({
        "id": q.id,
        "sku": q.product_id,
        "text": q.text,
        "published_at": format_time(q.created_at),
        "status": question_status(q),
        "answers_count": i64::from(q.answer.is_some()),
        "product_url": format!("https://ozon.example.invalid/product/{}/", q.product_id),
        "question_link": format!(
            "https://ozon.example.invalid/product/{}/questions/?qid={}",
            q.product_id, q.id
        ),
    });
    if let Some(author) = &q.author {
        wire["author_name"] = author.clone().into();
    }
    wire
}

fn answer_id(q: &SimQuestion, a: &SimAnswer) -> String {
    uuid_of(&[&q.id, "answer", &a.at.timestamp_micros().to_string()])
}

/// `POST /v1/question/list`: `filter {date_from, date_to, status}` and `last_id`;
/// [`QUESTION_PAGE`] questions a page, oldest first.
pub async fn question_list(State(sim): State<Sim>, headers: HeaderMap, body: Bytes) -> Response {
    let account = match sim.admit_ozon("POST /v1/question/list", &headers) {
        Ok(a) => a,
        Err(resp) => return resp,
    };
    let req: QuestionList = match parse_body(&body, true) {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    let invalid = |m: &str| question_error(StatusCode::BAD_REQUEST, code::INVALID_ARGUMENT, m);
    let filter = req.filter.unwrap_or_default();
    let status = filter.status.as_deref().map(str::to_ascii_uppercase);
    let wanted: fn(&SimQuestion) -> bool = match status.as_deref() {
        None | Some("") | Some("ALL") => |_| true,
        Some("NEW") => |q| question_status(q) == "NEW",
        Some("VIEWED") => |q| question_status(q) == "VIEWED",
        Some("PROCESSED") => |q| q.answer.is_some(),
        Some("UNPROCESSED") => |q| q.answer.is_none(),
        Some(_) => return invalid("status must be ALL, NEW, VIEWED, PROCESSED or UNPROCESSED"),
    };
    let time = |t: &Option<String>| -> Result<Option<DateTime<Utc>>, String> {
        t.as_deref()
            .filter(|s| !s.trim().is_empty())
            .map(parse_time)
            .transpose()
    };
    let (from, to) = match (time(&filter.date_from), time(&filter.date_to)) {
        (Ok(f), Ok(t)) => (f, t),
        _ => return invalid("date_from and date_to must be RFC 3339 times"),
    };
    let state = sim.lock();
    let questions = &state.accounts[account].questions;
    // Questions are kept in creation order: the date window is two binary searches.
    let mut start = from.map_or(0, |f| questions.partition_point(|q| q.created_at < f));
    let end = to.map_or(questions.len(), |t| {
        questions.partition_point(|q| q.created_at <= t)
    });
    if let Some(last_id) = req.last_id.as_deref() {
        let Some(at) = questions.iter().position(|q| q.id == last_id) else {
            return invalid("last_id does not name a question");
        };
        start = start.max(at + 1);
    }
    let page: Vec<&SimQuestion> = questions[start.min(end)..end]
        .iter()
        .filter(|q| wanted(q))
        .take(QUESTION_PAGE)
        .collect();
    ok(json!({
        "last_id": page.last().map(|q| q.id.clone()).unwrap_or_default(),
        "questions": page.iter().map(|q| question_to_wire(q)).collect::<Vec<_>>(),
    }))
}

/// `POST /v1/question/count`: questions by status.
pub async fn question_count(State(sim): State<Sim>, headers: HeaderMap) -> Response {
    let account = match sim.admit_ozon("POST /v1/question/count", &headers) {
        Ok(a) => a,
        Err(resp) => return resp,
    };
    let state = sim.lock();
    let questions = &state.accounts[account].questions;
    let with = |status: &str| {
        questions
            .iter()
            .filter(|q| question_status(q) == status)
            .count()
    };
    let processed = with("PROCESSED");
    ok(json!({
        "all": questions.len(),
        "new": with("NEW"),
        "viewed": with("VIEWED"),
        "processed": processed,
        "unprocessed": questions.len() - processed,
    }))
}

/// `POST /v1/question/info`
pub async fn question_info(State(sim): State<Sim>, headers: HeaderMap, body: Bytes) -> Response {
    let account = match sim.admit_ozon("POST /v1/question/info", &headers) {
        Ok(a) => a,
        Err(resp) => return resp,
    };
    let req: QuestionInfo = match parse_body(&body, true) {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    let Some(id) = req.question_id else {
        return question_error(
            StatusCode::BAD_REQUEST,
            code::INVALID_ARGUMENT,
            "question_id is required",
        );
    };
    let state = sim.lock();
    let Some(q) = state.accounts[account]
        .questions
        .iter()
        .find(|q| q.id == id)
    else {
        return question_error(StatusCode::NOT_FOUND, code::NOT_FOUND, "question not found");
    };
    ok(question_to_wire(q))
}

/// `POST /v1/question/answer/create {question_id, sku, text}`: text of 2..=3000
/// characters; the question becomes `PROCESSED`.
pub async fn answer_create(State(sim): State<Sim>, headers: HeaderMap, body: Bytes) -> Response {
    let account = match sim.admit_ozon("POST /v1/question/answer/create", &headers) {
        Ok(a) => a,
        Err(resp) => return resp,
    };
    let req: AnswerCreate = match parse_body(&body, true) {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    let invalid = |m: &str| question_error(StatusCode::BAD_REQUEST, code::INVALID_ARGUMENT, m);
    let (Some(question_id), Some(sku)) = (req.question_id, req.sku) else {
        return invalid("question_id and sku are required");
    };
    let text = req.text.unwrap_or_default();
    if !chars_within(&text, 2, 3000) {
        return invalid("text must be 2 to 3000 characters");
    }
    let now = Utc::now();
    let mut state = sim.lock();
    let acc = &mut state.accounts[account];
    let name = acc.name.clone();
    let Some(question) = acc.questions.iter_mut().find(|q| q.id == question_id) else {
        return question_error(StatusCode::NOT_FOUND, code::NOT_FOUND, "question not found");
    };
    if question.product_id != sku {
        return invalid("sku does not match the question");
    }
    let answer = SimAnswer {
        text: text.clone(),
        state: "published".into(),
        editable: false,
        at: now,
    };
    let id = answer_id(question, &answer);
    question.answer = Some(answer);
    question.viewed = true;
    state.record_answer(
        account,
        AnswerRecord {
            account: name,
            channel: "question",
            item_id: question_id,
            text,
            at: now,
            known_item: true,
        },
    );
    ok(json!({"answer_id": id}))
}

/// `POST /v1/question/answer/list {question_id, sku, last_id}`
pub async fn answer_list(State(sim): State<Sim>, headers: HeaderMap, body: Bytes) -> Response {
    let account = match sim.admit_ozon("POST /v1/question/answer/list", &headers) {
        Ok(a) => a,
        Err(resp) => return resp,
    };
    let req: AnswerList = match parse_body(&body, true) {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    let invalid = |m: &str| question_error(StatusCode::BAD_REQUEST, code::INVALID_ARGUMENT, m);
    let (Some(question_id), Some(sku)) = (req.question_id, req.sku) else {
        return invalid("question_id and sku are required");
    };
    let state = sim.lock();
    let acc = &state.accounts[account];
    let Some(q) = acc
        .questions
        .iter()
        .find(|q| q.id == question_id && q.product_id == sku)
    else {
        return question_error(StatusCode::NOT_FOUND, code::NOT_FOUND, "question not found");
    };
    let all: Vec<(String, serde_json::Value)> = q
        .answer
        .iter()
        .map(|a| {
            let id = answer_id(q, a);
            let wire = json!({
                "id": id,
                "question_id": q.id,
                "sku": q.product_id,
                "text": a.text,
                "published_at": format_time(a.at),
                "author_name": acc.name,
            });
            (id, wire)
        })
        .collect();
    let start = match req.last_id.as_deref() {
        None => 0,
        Some(last) => match all.iter().position(|(id, _)| id == last) {
            Some(at) => at + 1,
            None => return invalid("last_id does not name an answer"),
        },
    };
    let page: Vec<(String, serde_json::Value)> =
        all.into_iter().skip(start).take(ANSWER_PAGE).collect();
    ok(json!({
        "last_id": page.last().map(|(id, _)| id.clone()).unwrap_or_default(),
        "answers": page.into_iter().map(|(_, a)| a).collect::<Vec<_>>(),
    }))
}

// ───────────────────────────── chats ─────────────────────────────

/// Ozon's `chat_id` for a simulator chat: the fixture's own id, else one derived from
/// the simulator's id.
pub fn chat_wire_id(chat: &SimChat) -> String {
    match &chat.wire_id {
        Some(id) => id.clone(),
        None => uuid_of(&[&chat.id, "ozon-chat"]),
    }
}

/// Message ids: 64-bit, increasing along each thread and unique in the account.
const MESSAGE_BASE: u64 = 3_000_000_000_000_000_000;
const MESSAGES_PER_CHAT: u64 = 10_000_000;

fn message_id(chat_index: usize, message_index: usize) -> u64 {
    MESSAGE_BASE + chat_index as u64 * MESSAGES_PER_CHAT + message_index as u64
}

/// Buyer messages after the seller's last one: what the seller has not answered.
fn unread(chat: &SimChat) -> std::ops::Range<usize> {
    let from = chat
        .messages
        .iter()
        .rposition(|m| !m.from_buyer)
        .map_or(0, |i| i + 1);
    from..chat.messages.len()
}

/// One entry of `/v3/chat/list` (`v3ChatInfo`): message ids are integers there.
fn chat_to_wire(chat_index: usize, chat: &SimChat) -> serde_json::Value {
    let unread = unread(chat);
    let mut info = serde_json::json!({
        "chat": {
            "chat_id": chat_wire_id(chat),
            "chat_status": "Opened",
            "chat_type": "Buyer_Seller",
            "created_at": chat.messages.first().map_or_else(String::new, |m| format_time(m.at)),
        },
        "unread_count": unread.len() as i64,
    });
    if !unread.is_empty() {
        info["first_unread_message_id"] = message_id(chat_index, unread.start).into();
    }
    if let Some(last) = chat.messages.len().checked_sub(1) {
        info["last_message_id"] = message_id(chat_index, last).into();
    }
    info
}

/// One message of `/v3/chat/history` (`v3ChatMessage`); `message_id` is an integer.
fn message_to_wire(
    acc: &SimAccount,
    chat_index: usize,
    chat: &SimChat,
    i: usize,
    m: &SimMessage,
) -> serde_json::Value {
    let (user_id, kind) = if m.from_buyer {
        (chat.client_id.clone(), "customer")
    } else {
        (acc.client_id.clone().unwrap_or_default(), "seller")
    };
    let answered_after = chat.messages[i + 1..].iter().any(|later| !later.from_buyer);
    let mut message = serde_json::json!({
        "message_id": message_id(chat_index, i),
        "created_at": format_time(m.at),
        "data": [m.text],
        "user": {"id": user_id, "type": kind},
        "is_read": !m.from_buyer || answered_after,
        "is_image": false,
    });
    if let Some(sku) = chat.product_id.filter(|_| m.from_buyer) {
        message["context"] = serde_json::json!({
            "order_number": format!("{}-{:04}", chat.client_id, sku % 10_000),
            "sku": sku.to_string(),
        });
    }
    message
}

fn find_chat<'a>(acc: &'a SimAccount, chat_id: &str) -> Option<(usize, &'a SimChat)> {
    acc.chats
        .iter()
        .enumerate()
        .find(|(_, c)| chat_wire_id(c) == chat_id)
}

/// `POST /v3/chat/list`: `limit` 1..=1000 (required), an opaque `cursor`, most
/// recently active chats first.
pub async fn chat_list(State(sim): State<Sim>, headers: HeaderMap, body: Bytes) -> Response {
    let account = match sim.admit_ozon("POST /v3/chat/list", &headers) {
        Ok(a) => a,
        Err(resp) => return resp,
    };
    let req: ChatList = match parse_body(&body, false) {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    // `v3ChatList` requires `limit` (its description's "30 by default" notwithstanding).
    let Some(limit) = req.limit else {
        return bad_request("limit is required");
    };
    if !(1..=1000).contains(&limit) {
        return bad_request("limit must be between 1 and 1000");
    }
    let filter = req.filter.unwrap_or_default();
    let closed_only = match filter
        .chat_status
        .as_deref()
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        None | Some("") | Some("all") | Some("opened") => false,
        Some("closed") => true,
        Some(_) => return bad_request("chat_status must be All, Opened or Closed"),
    };
    let offset = match req.cursor.as_deref() {
        None => 0,
        Some(c) => match c.parse::<usize>() {
            Ok(n) => n,
            Err(_) => return bad_request("invalid cursor"),
        },
    };
    let state = sim.lock();
    let acc = &state.accounts[account];
    let mut order: Vec<usize> = (0..acc.chats.len())
        .filter(|_| !closed_only)
        .filter(|&i| !acc.chats[i].messages.is_empty())
        .filter(|&i| !filter.unread_only || !unread(&acc.chats[i]).is_empty())
        .collect();
    let last_at = |i: usize| acc.chats[i].messages.last().map(|m| m.at);
    order.sort_by(|&a, &b| last_at(b).cmp(&last_at(a)).then(a.cmp(&b)));
    let end = (offset + limit as usize).min(order.len());
    let page = &order[offset.min(end)..end];
    ok(json!({
        "chats": page.iter().map(|&i| chat_to_wire(i, &acc.chats[i])).collect::<Vec<_>>(),
        "total_unread_count": acc.chats.iter().map(|c| unread(c).len()).sum::<usize>(),
        "cursor": end.to_string(),
        "has_next": end < order.len(),
    }))
}

/// `POST /v3/chat/history`: `direction` Backward (default) or Forward from
/// `from_message_id` (inclusive; the newest message by default), `limit` 1..=1000
/// (50 by default), optionally only `filter.message_ids`.
pub async fn chat_history(State(sim): State<Sim>, headers: HeaderMap, body: Bytes) -> Response {
    let account = match sim.admit_ozon("POST /v3/chat/history", &headers) {
        Ok(a) => a,
        Err(resp) => return resp,
    };
    let req: ChatHistory = match parse_body(&body, false) {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    let Some(chat_id) = req.chat_id else {
        return bad_request("chat_id is required");
    };
    let forward = match req
        .direction
        .as_deref()
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        None | Some("") | Some("backward") => false,
        Some("forward") => true,
        Some(_) => return bad_request("direction must be Forward or Backward"),
    };
    let limit = req.limit.unwrap_or(50);
    if !(1..=1000).contains(&limit) {
        return bad_request("limit must be between 1 and 1000");
    }
    let state = sim.lock();
    let acc = &state.accounts[account];
    let Some((chat_index, chat)) = find_chat(acc, &chat_id) else {
        return not_found("chat not found");
    };
    let only: Vec<String> = req.filter.map(|f| f.message_ids).unwrap_or_default();
    let newest = chat
        .messages
        .len()
        .checked_sub(1)
        .map(|i| message_id(chat_index, i));
    let from = req.from_message_id.or(newest).unwrap_or(0);
    let indices: Vec<usize> = (0..chat.messages.len())
        .filter(|&i| {
            let id = message_id(chat_index, i);
            if forward {
                id >= from
            } else {
                id <= from
            }
        })
        .filter(|&i| only.is_empty() || only.contains(&message_id(chat_index, i).to_string()))
        .collect();
    let ordered: Vec<usize> = if forward {
        indices
    } else {
        indices.into_iter().rev().collect()
    };
    let has_next = ordered.len() > limit as usize;
    let messages: Vec<serde_json::Value> = ordered
        .into_iter()
        .take(limit as usize)
        .map(|i| message_to_wire(acc, chat_index, chat, i, &chat.messages[i]))
        .collect();
    ok(json!({"has_next": has_next, "messages": messages}))
}

/// `POST /v1/chat/send/message {chat_id, text}`: 1..=1000 characters, refused more than
/// [`REPLY_WINDOW_HOURS`] after the buyer's last message.
pub async fn send_message(State(sim): State<Sim>, headers: HeaderMap, body: Bytes) -> Response {
    let account = match sim.admit_ozon("POST /v1/chat/send/message", &headers) {
        Ok(a) => a,
        Err(resp) => return resp,
    };
    let req: SendMessage = match parse_body(&body, false) {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    let Some(chat_id) = req.chat_id else {
        return bad_request("chat_id is required");
    };
    let text = req.text.unwrap_or_default();
    if !chars_within(&text, 1, 1000) {
        return bad_request("text must be 1 to 1000 characters");
    }
    let now = Utc::now();
    let mut state = sim.lock();
    let Some((chat_index, last_buyer)) =
        find_chat(&state.accounts[account], &chat_id).map(|(i, c)| {
            (
                i,
                c.messages.iter().rev().find(|m| m.from_buyer).map(|m| m.at),
            )
        })
    else {
        return not_found("chat not found");
    };
    let open = last_buyer.is_some_and(|at| now - at <= chrono::Duration::hours(REPLY_WINDOW_HOURS));
    if !open {
        return error(
            StatusCode::BAD_REQUEST,
            code::FAILED_PRECONDITION,
            "sending is closed: more than 48 hours have passed since the buyer's last message",
        );
    }
    let id = state.new_item_id(Marketplace::Ozon);
    let acc = &mut state.accounts[account];
    let name = acc.name.clone();
    let thread = &mut acc.chats[chat_index].messages;
    // Never before the thread's newest message, so time order is thread order.
    let at = thread
        .last()
        .map_or(now, |m| now.max(m.at + chrono::Duration::milliseconds(1)));
    thread.push(SimMessage {
        id,
        from_buyer: false,
        text: text.clone(),
        at,
    });
    state.record_answer(
        account,
        AnswerRecord {
            account: name,
            channel: "chat",
            item_id: chat_id,
            text,
            at: now,
            known_item: true,
        },
    );
    ok(json!({"result": "success"}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_ids_are_stable_and_shaped_like_ozons() {
        let a = uuid_of(&["1:00ff", "ozon-chat"]);
        assert_eq!(a, uuid_of(&["1:00ff", "ozon-chat"]));
        assert_ne!(a, uuid_of(&["1:00fe", "ozon-chat"]));
        assert_eq!(a.len(), 36);
        assert_eq!(a.matches('-').count(), 4);
        assert!(message_id(0, 1) > message_id(0, 0));
        assert!(message_id(1, 0) > message_id(0, 9_999_999));
    }

    #[test]
    fn unread_is_what_follows_the_sellers_last_message() {
        let m = |from_buyer| SimMessage {
            id: String::new(),
            from_buyer,
            text: String::new(),
            at: Utc::now(),
        };
        let mut chat = SimChat {
            id: "c".into(),
            reply_sign: String::new(),
            client_id: "1".into(),
            client_name: "Оля".into(),
            product_id: None,
            messages: vec![m(true), m(false), m(true), m(true)],
            wire_id: None,
        };
        assert_eq!(unread(&chat), 2..4);
        chat.messages.push(m(false));
        assert!(unread(&chat).is_empty());
    }
}
