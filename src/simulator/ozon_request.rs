//! Request bodies of the Ozon methods the simulator serves, read with the simulator's own
//! types as the contract (`../shared/specs/ozon-communications.json`) types them — never
//! with the connectors' wire structs, so a field the client misreads shows up as a
//! refused request instead of agreeing with itself.
//!
//! Strings must be JSON strings. Integer fields take a JSON number or a numeric string,
//! as Ozon's gRPC gateway does for 64-bit integers (proto3 JSON). Which fields are
//! required is checked by the handlers, which answer with the contract's error.

use serde::de::{Deserializer, Error};
use serde::Deserialize;

/// An integer as proto3 JSON writes one: a number, or a string holding one.
fn int<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    match Option::<serde_json::Value>::deserialize(d)? {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::Number(n)) => n
            .as_i64()
            .map(Some)
            .ok_or_else(|| D::Error::custom(format!("{n} is not a 64-bit integer"))),
        Some(serde_json::Value::String(s)) => s
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| D::Error::custom(format!("\"{s}\" is not an integer"))),
        Some(other) => Err(D::Error::custom(format!("{other} is not an integer"))),
    }
}

fn uint<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    match Option::<serde_json::Value>::deserialize(d)? {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::Number(n)) => n
            .as_u64()
            .map(Some)
            .ok_or_else(|| D::Error::custom(format!("{n} is not an unsigned 64-bit integer"))),
        Some(serde_json::Value::String(s)) => s
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| D::Error::custom(format!("\"{s}\" is not an unsigned integer"))),
        Some(other) => Err(D::Error::custom(format!("{other} is not an integer"))),
    }
}

/// A field the contract leaves untyped (`/v1/question/answer/list` `last_id`): a string
/// or a number, kept as text.
fn untyped_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    match Option::<serde_json::Value>::deserialize(d)? {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::String(s)) => Ok(Some(s)),
        Some(serde_json::Value::Number(n)) => Ok(Some(n.to_string())),
        Some(other) => Err(D::Error::custom(format!("{other} is not an id"))),
    }
}

/// `/v1/review/list`: `limit` required (20..100).
#[derive(Debug, Deserialize)]
pub struct ReviewList {
    #[serde(default)]
    pub last_id: Option<String>,
    #[serde(default, deserialize_with = "int")]
    pub limit: Option<i64>,
    #[serde(default)]
    pub sort_dir: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
}

/// `/v1/review/info`: `review_id` required.
#[derive(Debug, Deserialize)]
pub struct ReviewInfo {
    #[serde(default)]
    pub review_id: Option<String>,
}

/// `/v1/review/comment/create`: `review_id` and `text` required.
#[derive(Debug, Deserialize)]
pub struct CommentCreate {
    #[serde(default)]
    pub review_id: Option<String>,
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub mark_review_as_processed: bool,
    #[serde(default)]
    pub parent_comment_id: Option<String>,
}

/// `/v1/review/comment/list`: `review_id` and `limit` required.
#[derive(Debug, Deserialize)]
pub struct CommentList {
    #[serde(default)]
    pub review_id: Option<String>,
    #[serde(default, deserialize_with = "int")]
    pub limit: Option<i64>,
    #[serde(default, deserialize_with = "int")]
    pub offset: Option<i64>,
    #[serde(default)]
    pub sort_dir: Option<String>,
}

/// `/v1/question/list`: everything optional.
#[derive(Debug, Deserialize)]
pub struct QuestionList {
    #[serde(default)]
    pub filter: Option<QuestionFilter>,
    #[serde(default)]
    pub last_id: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct QuestionFilter {
    #[serde(default)]
    pub date_from: Option<String>,
    #[serde(default)]
    pub date_to: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
}

/// `/v1/question/info`: `question_id` required.
#[derive(Debug, Deserialize)]
pub struct QuestionInfo {
    #[serde(default)]
    pub question_id: Option<String>,
}

/// `/v1/question/answer/create`: `question_id`, `sku` and `text` required.
#[derive(Debug, Deserialize)]
pub struct AnswerCreate {
    #[serde(default)]
    pub question_id: Option<String>,
    #[serde(default, deserialize_with = "int")]
    pub sku: Option<i64>,
    #[serde(default)]
    pub text: Option<String>,
}

/// `/v1/question/answer/list`: `question_id` and `sku` required.
#[derive(Debug, Deserialize)]
pub struct AnswerList {
    #[serde(default)]
    pub question_id: Option<String>,
    #[serde(default, deserialize_with = "int")]
    pub sku: Option<i64>,
    #[serde(default, deserialize_with = "untyped_id")]
    pub last_id: Option<String>,
}

/// `/v3/chat/list`: `limit` required.
#[derive(Debug, Deserialize)]
pub struct ChatList {
    #[serde(default)]
    pub filter: Option<ChatListFilter>,
    #[serde(default, deserialize_with = "int")]
    pub limit: Option<i64>,
    #[serde(default)]
    pub cursor: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct ChatListFilter {
    #[serde(default)]
    pub chat_status: Option<String>,
    #[serde(default)]
    pub unread_only: bool,
}

/// `/v3/chat/history`: `chat_id` required.
#[derive(Debug, Deserialize)]
pub struct ChatHistory {
    #[serde(default)]
    pub chat_id: Option<String>,
    #[serde(default)]
    pub direction: Option<String>,
    #[serde(default, deserialize_with = "uint")]
    pub from_message_id: Option<u64>,
    #[serde(default, deserialize_with = "int")]
    pub limit: Option<i64>,
    #[serde(default)]
    pub filter: Option<ChatHistoryFilter>,
}

#[derive(Debug, Default, Deserialize)]
pub struct ChatHistoryFilter {
    /// The contract types these as strings.
    #[serde(default)]
    pub message_ids: Vec<String>,
}

/// `/v1/chat/send/message`: `chat_id` and `text` required.
#[derive(Debug, Deserialize)]
pub struct SendMessage {
    #[serde(default)]
    pub chat_id: Option<String>,
    #[serde(default)]
    pub text: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn strings_must_be_strings_and_integers_may_be_quoted() {
        assert!(serde_json::from_value::<ReviewInfo>(json!({"review_id": 17})).is_err());
        let quoted: AnswerCreate =
            serde_json::from_value(json!({"question_id": "q", "sku": "123", "text": "Да"}))
                .unwrap();
        assert_eq!(quoted.sku, Some(123));
        assert!(serde_json::from_value::<ChatList>(json!({"limit": "many"})).is_err());
        assert!(serde_json::from_value::<ChatList>(json!({"limit": true})).is_err());
        let untyped: AnswerList =
            serde_json::from_value(json!({"question_id": "q", "sku": 1, "last_id": 42})).unwrap();
        assert_eq!(untyped.last_id.as_deref(), Some("42"));
    }
}
