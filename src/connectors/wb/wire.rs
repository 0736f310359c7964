//! Wildberries wire format, as published in its OpenAPI contract. The same types serve
//! the connector (reading) and the simulator (writing), so the two cannot drift apart.
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
