//! Ozon Seller API wire format for reviews, questions and buyer chats, as published in
//! Ozon's OpenAPI contract, as the connectors read it (the simulator parses request
//! bodies and fixture files with it, but writes its responses without these types, so a
//! field misread here shows up against it and against `tests/sim_contract.rs`).
//!
//! Reading is tolerant: unknown fields are ignored, everything not needed to answer is
//! optional, and the 64-bit ids, counters and booleans that Ozon's own examples give
//! sometimes as strings and sometimes as numbers are accepted in both forms. List items
//! stay raw JSON so one malformed item can be skipped without losing its page.

use serde::{de, Deserialize, Deserializer, Serialize};

use crate::connectors::lenient;

// ───────────────────────────── errors ─────────────────────────────

/// Ozon's error body (`rpcStatus`): a gRPC status code, a message and details. The
/// question methods publish `details` as a string, the others as an array, so it stays
/// free-form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RpcStatus {
    #[serde(default, deserialize_with = "lenient::i64_or_zero")]
    pub code: i64,
    #[serde(default)]
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<serde_json::Value>,
}

/// gRPC status codes as Ozon puts them in `code`.
pub mod code {
    pub const INVALID_ARGUMENT: i64 = 3;
    pub const NOT_FOUND: i64 = 5;
    pub const PERMISSION_DENIED: i64 = 7;
    pub const RESOURCE_EXHAUSTED: i64 = 8;
    pub const FAILED_PRECONDITION: i64 = 9;
    pub const UNAUTHENTICATED: i64 = 16;
}

/// The published 429 message.
pub const RATE_LIMIT_MESSAGE: &str = "You have reached request rate limit per second";

// ───────────────────────────── reviews ─────────────────────────────

/// Body of `POST /v1/review/list`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewListRequest {
    #[serde(default, deserialize_with = "opt_id")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub limit: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort_dir: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewListResponse {
    #[serde(default, deserialize_with = "lenient::bool_lenient")]
    pub has_next: bool,
    #[serde(default, deserialize_with = "opt_id")]
    pub last_id: Option<String>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub reviews: Vec<serde_json::Value>,
}

/// One review of `/v1/review/list`. The list carries no author name and no pros/cons.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Review {
    #[serde(deserialize_with = "id")]
    pub id: String,
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub sku: Option<i64>,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub text: Option<String>,
    /// RFC 3339, e.g. `2026-03-14T09:12:44.517Z`.
    pub published_at: String,
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub rating: Option<i64>,
    /// `UNPROCESSED` or `PROCESSED`.
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub status: Option<String>,
    #[serde(default, deserialize_with = "lenient::i64_or_zero")]
    pub comments_amount: i64,
    #[serde(default, deserialize_with = "lenient::i64_or_zero")]
    pub photos_amount: i64,
    #[serde(default, deserialize_with = "lenient::i64_or_zero")]
    pub videos_amount: i64,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub order_status: Option<String>,
    #[serde(default, deserialize_with = "lenient::bool_lenient")]
    pub is_rating_participant: bool,
}

/// Body of `POST /v1/review/info`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewInfoRequest {
    #[serde(default, deserialize_with = "opt_id")]
    pub review_id: Option<String>,
}

/// `POST /v1/review/info`: a review with its media and reactions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewInfo {
    #[serde(flatten)]
    pub review: Review,
    #[serde(default, deserialize_with = "lenient::i64_or_zero")]
    pub likes_amount: i64,
    #[serde(default, deserialize_with = "lenient::i64_or_zero")]
    pub dislikes_amount: i64,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub photos: Vec<Media>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub videos: Vec<Media>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Media {
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preview_url: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub width: Option<i64>,
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub height: Option<i64>,
}

/// Body of `POST /v1/review/comment/create`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommentCreateRequest {
    #[serde(default, deserialize_with = "opt_id")]
    pub review_id: Option<String>,
    #[serde(default)]
    pub text: Option<String>,
    /// `true` moves the review to `PROCESSED`.
    #[serde(default, deserialize_with = "lenient::bool_lenient")]
    pub mark_review_as_processed: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_comment_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommentCreateResponse {
    #[serde(default, deserialize_with = "opt_id")]
    pub comment_id: Option<String>,
}

/// Body of `POST /v1/review/comment/list`; `limit` is 20..=100.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommentListRequest {
    #[serde(default, deserialize_with = "opt_id")]
    pub review_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub limit: Option<i64>,
    #[serde(default, deserialize_with = "lenient::i64_or_zero")]
    pub offset: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort_dir: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommentListResponse {
    #[serde(default, deserialize_with = "null_as_empty")]
    pub comments: Vec<Comment>,
    #[serde(default, deserialize_with = "lenient::i64_or_zero")]
    pub offset: i64,
}

/// A comment on a review; the seller's own have `is_owner`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comment {
    #[serde(default, deserialize_with = "opt_id")]
    pub id: Option<String>,
    #[serde(default, deserialize_with = "lenient::bool_lenient")]
    pub is_official: bool,
    #[serde(default, deserialize_with = "lenient::bool_lenient")]
    pub is_owner: bool,
    #[serde(default, deserialize_with = "opt_id")]
    pub parent_comment_id: Option<String>,
    #[serde(default)]
    pub published_at: Option<String>,
    #[serde(default)]
    pub text: String,
}

// ───────────────────────────── questions ─────────────────────────────

/// Body of `POST /v1/question/list`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct QuestionListRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<QuestionFilter>,
    #[serde(default, deserialize_with = "opt_id")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct QuestionFilter {
    /// RFC 3339, inclusive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_to: Option<String>,
    /// `ALL`, `NEW`, `VIEWED`, `PROCESSED`, `UNPROCESSED`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuestionListResponse {
    #[serde(default, deserialize_with = "null_as_empty")]
    pub questions: Vec<serde_json::Value>,
    #[serde(default, deserialize_with = "opt_id")]
    pub last_id: Option<String>,
}

/// One question of `/v1/question/list`, also the body of `/v1/question/info`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Question {
    #[serde(deserialize_with = "id")]
    pub id: String,
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub sku: Option<i64>,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub text: Option<String>,
    /// Null for some questions; nothing needed to answer depends on it.
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub published_at: Option<String>,
    /// `NEW`, `VIEWED`, `PROCESSED` (`UNPROCESSED` and `ALL` are filters).
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub status: Option<String>,
    #[serde(default, deserialize_with = "lenient::i64_or_zero")]
    pub answers_count: i64,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author_name: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_url: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub question_link: Option<String>,
}

/// Body of `POST /v1/question/info`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuestionInfoRequest {
    #[serde(default, deserialize_with = "opt_id")]
    pub question_id: Option<String>,
}

/// Body of `POST /v1/question/answer/create`: text of 2..=3000 characters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnswerCreateRequest {
    #[serde(default, deserialize_with = "opt_id")]
    pub question_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub sku: Option<i64>,
    #[serde(default)]
    pub text: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnswerCreateResponse {
    #[serde(default, deserialize_with = "opt_id")]
    pub answer_id: Option<String>,
}

/// Body of `POST /v1/question/answer/list`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnswerListRequest {
    #[serde(default, deserialize_with = "opt_id")]
    pub question_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub sku: Option<i64>,
    #[serde(default, deserialize_with = "opt_id")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnswerListResponse {
    #[serde(default, deserialize_with = "null_as_empty")]
    pub answers: Vec<QuestionAnswer>,
    #[serde(default, deserialize_with = "opt_id")]
    pub last_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuestionAnswer {
    #[serde(default, deserialize_with = "opt_id")]
    pub id: Option<String>,
    #[serde(default, deserialize_with = "opt_id")]
    pub question_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub sku: Option<i64>,
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub published_at: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author_name: Option<String>,
}

// ───────────────────────────── chats ─────────────────────────────

/// Body of `POST /v3/chat/list`; `limit` is 1..=1000 (30 by default).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatListRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<ChatListFilter>,
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub limit: Option<i64>,
    #[serde(default, deserialize_with = "opt_id")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatListFilter {
    /// `All`, `Opened`, `Closed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chat_status: Option<String>,
    #[serde(default, deserialize_with = "lenient::bool_lenient")]
    pub unread_only: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatListResponse {
    #[serde(default, deserialize_with = "null_as_empty")]
    pub chats: Vec<serde_json::Value>,
    #[serde(default, deserialize_with = "lenient::i64_or_zero")]
    pub total_unread_count: i64,
    #[serde(default, deserialize_with = "opt_id")]
    pub cursor: Option<String>,
    #[serde(default, deserialize_with = "lenient::bool_lenient")]
    pub has_next: bool,
}

/// One entry of `/v3/chat/list`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatInfo {
    pub chat: ChatDetails,
    #[serde(default, deserialize_with = "opt_id")]
    pub first_unread_message_id: Option<String>,
    #[serde(default, deserialize_with = "opt_id")]
    pub last_message_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::i64_or_zero")]
    pub unread_count: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatDetails {
    #[serde(deserialize_with = "id")]
    pub chat_id: String,
    /// `Opened`, `Closed`.
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub chat_status: Option<String>,
    /// `Buyer_Seller`, `Seller_Support`, `UNSPECIFIED`.
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub chat_type: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub created_at: Option<String>,
}

/// Body of `POST /v3/chat/history`. `direction` is `Forward` or `Backward` (the
/// default); `from_message_id` defaults to the newest message; `limit` is 1..=1000.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatHistoryRequest {
    #[serde(default, deserialize_with = "opt_id")]
    pub chat_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direction: Option<String>,
    #[serde(default, deserialize_with = "opt_u64")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_message_id: Option<u64>,
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<ChatHistoryFilter>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatHistoryFilter {
    #[serde(default, deserialize_with = "id_list")]
    pub message_ids: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatHistoryResponse {
    #[serde(default, deserialize_with = "lenient::bool_lenient")]
    pub has_next: bool,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub messages: Vec<serde_json::Value>,
}

/// One message of `/v3/chat/history`. `data` is the content in Markdown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatMessage {
    #[serde(deserialize_with = "id")]
    pub message_id: String,
    pub created_at: String,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub data: Vec<String>,
    #[serde(default)]
    pub user: Option<ChatUser>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<MessageContext>,
    #[serde(default, deserialize_with = "lenient::bool_lenient")]
    pub is_read: bool,
    #[serde(default, deserialize_with = "lenient::bool_lenient")]
    pub is_image: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moderate_image_status: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatUser {
    #[serde(default, deserialize_with = "opt_id")]
    pub id: Option<String>,
    /// `customer`, `seller`, `crm`, `courier`, `support` (case varies in the examples).
    #[serde(rename = "type", default)]
    pub kind: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageContext {
    #[serde(default, deserialize_with = "opt_id")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_number: Option<String>,
    #[serde(default, deserialize_with = "opt_id")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
}

/// Body of `POST /v1/chat/send/message`: plain text of 1..=1000 characters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SendMessageRequest {
    #[serde(default, deserialize_with = "opt_id")]
    pub chat_id: Option<String>,
    #[serde(default)]
    pub text: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SendMessageResponse {
    #[serde(default)]
    pub result: String,
}

/// Who wrote a chat message, from `user.type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Author {
    Customer,
    Seller,
    /// `crm`, `courier`, `support` and anything new: not part of the buyer's thread.
    Other,
}

impl Author {
    /// Reads `user.type` case-insensitively. Ozon's own example spells `Сustomer` with a
    /// Cyrillic `С`, so Cyrillic look-alikes count as their Latin letters.
    pub fn parse(kind: &str) -> Author {
        let folded: String = kind
            .trim()
            .chars()
            .map(|c| match c {
                'С' | 'с' => 'c',
                'Е' | 'е' => 'e',
                'О' | 'о' => 'o',
                'Р' | 'р' => 'p',
                'А' | 'а' => 'a',
                'Х' | 'х' => 'x',
                'У' | 'у' => 'y',
                'Т' | 'т' => 't',
                'М' | 'м' => 'm',
                'К' | 'к' => 'k',
                other => other.to_ascii_lowercase(),
            })
            .collect();
        match folded.as_str() {
            "customer" | "buyer" => Author::Customer,
            "seller" => Author::Seller,
            _ => Author::Other,
        }
    }
}

// ───────────────────────────── lenient helpers ─────────────────────────────

#[derive(Deserialize)]
#[serde(untagged)]
enum IdForm {
    Unsigned(u64),
    Signed(i64),
    Text(String),
}

/// An id given as a string or a number (64-bit unsigned included), as a string.
pub fn id<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match IdForm::deserialize(d)? {
        IdForm::Unsigned(n) => Ok(n.to_string()),
        IdForm::Signed(n) => Ok(n.to_string()),
        IdForm::Text(s) => Ok(s.trim().to_string()),
    }
}

/// An optional id in either form; null and empty strings are `None`.
pub fn opt_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<IdForm>::deserialize(d)? {
        None => None,
        Some(IdForm::Unsigned(n)) => Some(n.to_string()),
        Some(IdForm::Signed(n)) => Some(n.to_string()),
        Some(IdForm::Text(s)) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
    })
}

/// An optional unsigned 64-bit number given as a number or a numeric string.
pub fn opt_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    match Option::<IdForm>::deserialize(d)? {
        None => Ok(None),
        Some(IdForm::Unsigned(n)) => Ok(Some(n)),
        Some(IdForm::Signed(n)) => u64::try_from(n)
            .map(Some)
            .map_err(|_| de::Error::custom(format!("{n} is negative"))),
        Some(IdForm::Text(s)) if s.trim().is_empty() => Ok(None),
        Some(IdForm::Text(s)) => s
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| de::Error::custom(format!("'{s}' is not an unsigned integer"))),
    }
}

/// A list of ids in either form.
pub fn id_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(Option::<Vec<IdForm>>::deserialize(d)?
        .unwrap_or_default()
        .into_iter()
        .map(|f| match f {
            IdForm::Unsigned(n) => n.to_string(),
            IdForm::Signed(n) => n.to_string(),
            IdForm::Text(s) => s.trim().to_string(),
        })
        .collect())
}

/// A list that may be null.
pub fn null_as_empty<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

#[cfg(test)]
mod tests;
