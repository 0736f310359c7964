//! Wildberries wire format, as published in its OpenAPI contract, as the connectors read
//! it (and the simulator reads fixture files with it). The simulator writes its
//! responses without these types, so a field misread here shows up against it and
//! against the contract test (`tests/sim_contract.rs`) instead of agreeing with itself.
//! Everything not needed to answer is optional.

use serde::{Deserialize, Serialize};

use crate::connectors::lenient;

/// The envelope every feedbacks/questions response is wrapped in.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Envelope<T> {
    #[serde(default = "Option::default")]
    pub data: Option<T>,
    #[serde(default, deserialize_with = "lenient::bool_lenient")]
    pub error: bool,
    #[serde(default)]
    pub error_text: String,
    #[serde(default)]
    pub additional_errors: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

impl<T> Envelope<T> {
    pub fn ok(data: T) -> Self {
        Envelope {
            data: Some(data),
            error: false,
            error_text: String::new(),
            additional_errors: None,
            request_id: None,
        }
    }

    pub fn error(text: impl Into<String>) -> Self {
        Envelope {
            data: None,
            error: true,
            error_text: text.into(),
            additional_errors: None,
            request_id: None,
        }
    }
}

/// `data` of `GET /api/v1/feedbacks`. Items stay raw JSON so one malformed item can be
/// skipped without losing the page.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FeedbackList {
    #[serde(default, deserialize_with = "lenient::i64_or_zero")]
    pub count_unanswered: i64,
    #[serde(default, deserialize_with = "lenient::i64_or_zero")]
    pub count_archive: i64,
    #[serde(default)]
    pub feedbacks: Vec<serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Feedback {
    pub id: String,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub text: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub pros: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub cons: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub product_valuation: Option<i64>,
    /// RFC 3339 with an offset, e.g. `2024-09-26T10:20:48+03:00`.
    pub created_date: String,
    #[serde(default)]
    pub answer: Option<FeedbackAnswer>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(default)]
    pub product_details: Option<ProductDetails>,
    #[serde(default, deserialize_with = "lenient::bool_lenient")]
    pub was_viewed: bool,
    #[serde(default)]
    pub photo_links: Option<Vec<PhotoLink>>,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub user_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FeedbackAnswer {
    #[serde(default)]
    pub text: String,
    /// `none`, `wbRu` (published), `reviewRequired`, `rejected`.
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default, deserialize_with = "lenient::bool_lenient")]
    pub editable: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProductDetails {
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub imt_id: Option<i64>,
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub nm_id: Option<i64>,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub product_name: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub supplier_article: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub supplier_name: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub brand_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PhotoLink {
    #[serde(default)]
    pub full_size: Option<String>,
    #[serde(default)]
    pub mini_size: Option<String>,
}

/// Body of `POST /api/v1/feedbacks/answer`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnswerRequest {
    pub id: String,
    pub text: String,
}

/// WB's error body for 401 and 429 (and some 400s).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StandardError {
    pub title: String,
    pub detail: String,
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub request_id: String,
    #[serde(default)]
    pub origin: String,
    #[serde(default)]
    pub status: u16,
    #[serde(default)]
    pub status_text: String,
    #[serde(default)]
    pub timestamp: String,
}

/// WB answer moderation states as our domain names them.
pub fn moderation_from_wire(state: Option<&str>) -> crate::domain::ModerationState {
    use crate::domain::ModerationState;
    match state {
        Some("reviewRequired") | Some("none") | None => ModerationState::UnderReview,
        Some("rejected") => ModerationState::Rejected,
        Some(_) => ModerationState::Published,
    }
}

// ---------------------------------------------------------------------------------------
// Questions: `GET /api/v1/questions`, `GET /api/v1/question`, `PATCH /api/v1/questions`.
// ---------------------------------------------------------------------------------------

/// `data` of `GET /api/v1/questions`. Items stay raw JSON so one malformed item can be
/// skipped without losing the page.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QuestionList {
    #[serde(default, deserialize_with = "lenient::i64_or_zero")]
    pub count_unanswered: i64,
    /// Answered (and rejected) questions.
    #[serde(default, deserialize_with = "lenient::i64_or_zero")]
    pub count_archive: i64,
    #[serde(default, deserialize_with = "vec_or_null")]
    pub questions: Vec<serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Question {
    #[serde(deserialize_with = "lenient::id_string")]
    pub id: String,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub text: Option<String>,
    /// RFC 3339, UTC with fractional seconds, e.g. `2026-03-02T08:15:41.204518Z`.
    pub created_date: String,
    /// `suppliersPortalSynch` (new), `wbRu` (answered, shown to buyers), `none` (rejected
    /// by the seller, hidden from buyers).
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub state: Option<String>,
    #[serde(default)]
    pub answer: Option<QuestionAnswer>,
    #[serde(default)]
    pub product_details: Option<ProductDetails>,
    #[serde(default, deserialize_with = "lenient::bool_lenient")]
    pub was_viewed: bool,
    #[serde(default, deserialize_with = "lenient::bool_lenient")]
    pub is_warned: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QuestionAnswer {
    #[serde(default)]
    pub text: String,
    /// Whether the one allowed edit is still available.
    #[serde(default, deserialize_with = "lenient::bool_lenient")]
    pub editable: bool,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub create_date: Option<String>,
}

/// WB question states.
pub const QUESTION_NEW: &str = "suppliersPortalSynch";
pub const QUESTION_ANSWERED: &str = "wbRu";
pub const QUESTION_REJECTED: &str = "none";

/// Body of `PATCH /api/v1/questions`, in its three published shapes: `{id, wasViewed}`
/// marks viewed; `{id, answer: {text}, state: "wbRu"}` answers or edits; `{id, answer:
/// {text}, state: "none"}` rejects.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QuestionPatch {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub was_viewed: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<QuestionPatchAnswer>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuestionPatchAnswer {
    pub text: String,
}

impl QuestionPatch {
    pub fn answer(id: &str, text: &str) -> QuestionPatch {
        QuestionPatch {
            id: id.to_string(),
            was_viewed: None,
            answer: Some(QuestionPatchAnswer {
                text: text.to_string(),
            }),
            state: Some(QUESTION_ANSWERED.into()),
        }
    }

    pub fn reject(id: &str, text: &str) -> QuestionPatch {
        QuestionPatch {
            state: Some(QUESTION_REJECTED.into()),
            ..QuestionPatch::answer(id, text)
        }
    }

    pub fn viewed(id: &str) -> QuestionPatch {
        QuestionPatch {
            id: id.to_string(),
            was_viewed: Some(true),
            answer: None,
            state: None,
        }
    }
}

// ---------------------------------------------------------------------------------------
// Buyer chats (`buyer-chat-api`): `GET /api/v1/seller/chats`, `GET /api/v1/seller/events`,
// `POST /api/v1/seller/message`. Note the `…ID` spellings (`chatID`, `clientID`, `nmID`).
// ---------------------------------------------------------------------------------------

/// `GET /api/v1/seller/chats`. Chats stay raw so one malformed chat can be skipped.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ChatsResponse {
    #[serde(default, deserialize_with = "vec_or_null")]
    pub result: Vec<serde_json::Value>,
    #[serde(default)]
    pub errors: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Chat {
    #[serde(rename = "chatID", deserialize_with = "lenient::id_string")]
    pub chat_id: String,
    /// What a reply must carry; not the chat id.
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub reply_sign: Option<String>,
    /// Absent in some API versions.
    #[serde(
        rename = "clientID",
        default,
        deserialize_with = "opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub client_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub client_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub good_card: Option<GoodCard>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_message: Option<LastMessage>,
}

/// The order a chat or message is about.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GoodCard {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    #[serde(rename = "nmID", default, deserialize_with = "lenient::opt_i64")]
    pub nm_id: Option<i64>,
    #[serde(
        default,
        deserialize_with = "lenient::opt_i64",
        skip_serializing_if = "Option::is_none"
    )]
    pub price: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_currency: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rid: Option<String>,
    #[serde(
        default,
        deserialize_with = "opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub size: Option<String>,
    #[serde(
        rename = "statusID",
        default,
        deserialize_with = "lenient::opt_i64",
        skip_serializing_if = "Option::is_none"
    )]
    pub status_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LastMessage {
    #[serde(default)]
    pub text: Option<String>,
    /// Unix milliseconds.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub add_timestamp: Option<i64>,
}

/// `GET /api/v1/seller/events`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct EventsResponse {
    #[serde(default)]
    pub result: Option<EventsResult>,
    #[serde(default)]
    pub errors: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventsResult {
    /// Pass it as `next` to get the following batch (unix milliseconds).
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub next: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub newest_event_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oldest_event_time: Option<String>,
    /// 0 once every event has been read.
    #[serde(default, deserialize_with = "lenient::i64_or_zero")]
    pub total_events: i64,
    /// Raw, so one malformed event can be skipped.
    #[serde(default, deserialize_with = "vec_or_null")]
    pub events: Vec<serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatEvent {
    #[serde(rename = "chatID", deserialize_with = "lenient::id_string")]
    pub chat_id: String,
    #[serde(rename = "eventID", deserialize_with = "lenient::id_string")]
    pub event_id: String,
    /// `message` is the only published type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_type: Option<String>,
    #[serde(
        default,
        deserialize_with = "lenient::bool_lenient",
        skip_serializing_if = "is_false"
    )]
    pub is_new_chat: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<ChatEventMessage>,
    /// `seller-portal`, `seller-public-api`, `rusite`, `global`, `ios`, `android`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Unix milliseconds.
    #[serde(
        default,
        deserialize_with = "lenient::opt_i64",
        skip_serializing_if = "Option::is_none"
    )]
    pub add_timestamp: Option<i64>,
    /// RFC 3339 in UTC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub add_time: Option<String>,
    /// Only on the event that opens a chat (`isNewChat: true`).
    #[serde(
        default,
        deserialize_with = "lenient::opt_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub reply_sign: Option<String>,
    /// `client`, `seller`, `wb`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender: Option<String>,
    #[serde(
        rename = "clientID",
        default,
        deserialize_with = "opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub client_id: Option<String>,
    #[serde(
        default,
        deserialize_with = "lenient::opt_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub client_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatEventMessage {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachments: Option<ChatAttachments>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatAttachments {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub good_card: Option<GoodCard>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub files: Option<Vec<ChatFile>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub images: Option<Vec<ChatImage>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatFile {
    #[serde(default)]
    pub content_type: Option<String>,
    #[serde(default)]
    pub date: Option<String>,
    #[serde(rename = "downloadID", default)]
    pub download_id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub size: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatImage {
    #[serde(default)]
    pub date: Option<String>,
    #[serde(rename = "downloadID", default)]
    pub download_id: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
}

/// 200 of `POST /api/v1/seller/message`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct MessageResponse {
    #[serde(default)]
    pub result: Option<MessageResult>,
    #[serde(default)]
    pub errors: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageResult {
    /// Unix milliseconds.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub add_time: Option<i64>,
    #[serde(rename = "chatID", default)]
    pub chat_id: Option<String>,
}

/// The buyer-chat API's 400 body (`proxy-chats`), unlike the feedbacks envelope.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatError {
    #[serde(default)]
    pub status: u16,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub origin: String,
    #[serde(default)]
    pub detail: String,
    #[serde(default)]
    pub request_id: String,
    #[serde(default)]
    pub error: String,
}

/// A list that may come as `null`.
fn vec_or_null<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<serde_json::Value>, D::Error> {
    Ok(Option::<Vec<serde_json::Value>>::deserialize(d)?.unwrap_or_default())
}

/// An optional identifier given as a string or a number (e.g. `clientID`).
fn opt_id<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Id {
        Int(i64),
        Text(String),
    }
    Ok(match Option::<Id>::deserialize(d)? {
        None => None,
        Some(Id::Int(n)) => Some(n.to_string()),
        Some(Id::Text(s)) => Some(s).filter(|s| !s.trim().is_empty()),
    })
}

fn is_false(b: &bool) -> bool {
    !*b
}
