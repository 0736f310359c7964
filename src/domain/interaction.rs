use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Channel, Marketplace};

/// Local row id of an interaction in the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct InteractionId(pub i64);

/// A star rating, always within 1..=5.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Rating(u8);

impl Rating {
    pub fn new(stars: u8) -> Option<Rating> {
        (1..=5).contains(&stars).then_some(Rating(stars))
    }

    pub fn stars(self) -> u8 {
        self.0
    }
}

impl TryFrom<u8> for Rating {
    type Error = String;
    fn try_from(value: u8) -> Result<Self, Self::Error> {
        Rating::new(value).ok_or_else(|| format!("rating {value} is outside 1..=5"))
    }
}

impl From<Rating> for u8 {
    fn from(r: Rating) -> u8 {
        r.0
    }
}

/// Where an interaction stands from the seller's side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AnswerState {
    /// Waiting for the seller.
    Open,
    /// A reply is in the outbox and not yet confirmed by the marketplace.
    Pending,
    /// The marketplace carries an answer.
    Answered,
    /// The marketplace no longer accepts an answer (e.g. WB archives after 30 days).
    Archived,
}

impl AnswerState {
    pub fn as_str(self) -> &'static str {
        match self {
            AnswerState::Open => "open",
            AnswerState::Pending => "pending",
            AnswerState::Answered => "answered",
            AnswerState::Archived => "archived",
        }
    }

    pub fn parse(s: &str) -> Option<AnswerState> {
        Some(match s {
            "open" => AnswerState::Open,
            "pending" => AnswerState::Pending,
            "answered" => AnswerState::Answered,
            "archived" => AnswerState::Archived,
            _ => return None,
        })
    }
}

/// Moderation state of a published answer (WB moderates seller answers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModerationState {
    Published,
    UnderReview,
    Rejected,
}

impl ModerationState {
    pub fn as_str(self) -> &'static str {
        match self {
            ModerationState::Published => "published",
            ModerationState::UnderReview => "under_review",
            ModerationState::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<ModerationState> {
        Some(match s {
            "published" => ModerationState::Published,
            "under_review" => ModerationState::UnderReview,
            "rejected" => ModerationState::Rejected,
            _ => return None,
        })
    }
}

/// The seller's answer as the marketplace holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    pub text: String,
    pub moderation: ModerationState,
    /// Whether the marketplace still allows one edit.
    pub editable: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sender {
    Buyer,
    Seller,
}

impl Sender {
    pub fn as_str(self) -> &'static str {
        match self {
            Sender::Buyer => "buyer",
            Sender::Seller => "seller",
        }
    }

    pub fn parse(s: &str) -> Option<Sender> {
        match s {
            "buyer" => Some(Sender::Buyer),
            "seller" => Some(Sender::Seller),
            _ => None,
        }
    }
}

/// One message of a chat thread.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatMessage {
    pub external_id: String,
    pub sender: Sender,
    pub text: String,
    pub sent_at: DateTime<Utc>,
}

/// The product an interaction is about, as far as the marketplace told us.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductRef {
    /// nmId on WB, sku on Ozon.
    pub external_id: String,
    pub name: Option<String>,
    pub brand: Option<String>,
}

/// An interaction as a connector reports it, before the store gives it an id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewInteraction {
    pub channel: Channel,
    pub external_id: String,
    pub product: Option<ProductRef>,
    pub customer_name: Option<String>,
    pub customer_external_id: Option<String>,
    pub text: String,
    pub pros: Option<String>,
    pub cons: Option<String>,
    pub photos: u32,
    pub rating: Option<Rating>,
    pub created_at: DateTime<Utc>,
    pub answer: Option<Answer>,
    /// The marketplace no longer accepts an answer.
    pub archived: bool,
    /// Chat thread, oldest first; empty for reviews and questions.
    pub messages: Vec<ChatMessage>,
    /// What the marketplace needs to address a reply when it is not the id (WB `replySign`).
    pub reply_handle: Option<String>,
    /// The item exactly as received, kept for audit.
    pub raw: serde_json::Value,
}

impl NewInteraction {
    /// The answer state implied by what the marketplace reports.
    pub fn answer_state(&self) -> AnswerState {
        if self.channel == Channel::Chat {
            return match self.messages.last() {
                Some(m) if m.sender == Sender::Buyer => AnswerState::Open,
                Some(_) => AnswerState::Answered,
                None => AnswerState::Open,
            };
        }
        // An archived item is history even when it was answered (WB's feedback archive):
        // nothing more can be done with it.
        if self.archived {
            AnswerState::Archived
        } else if self.answer.is_some() {
            AnswerState::Answered
        } else {
            AnswerState::Open
        }
    }

    /// When the customer started waiting: the item's creation, or for a chat the oldest
    /// buyer message that no seller message has followed yet.
    pub fn waiting_since(&self) -> DateTime<Utc> {
        if self.channel != Channel::Chat {
            return self.created_at;
        }
        let unanswered_from = self
            .messages
            .iter()
            .rposition(|m| m.sender == Sender::Seller)
            .map_or(0, |i| i + 1);
        self.messages[unanswered_from..]
            .iter()
            .find(|m| m.sender == Sender::Buyer)
            .map_or(self.created_at, |m| m.sent_at)
    }
}

/// An interaction as the store holds it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Interaction {
    pub id: InteractionId,
    pub account_id: i64,
    pub account_name: String,
    pub marketplace: Marketplace,
    pub channel: Channel,
    pub external_id: String,
    pub product: Option<ProductRef>,
    pub customer_name: Option<String>,
    pub text: String,
    pub pros: Option<String>,
    pub cons: Option<String>,
    pub photos: u32,
    pub rating: Option<Rating>,
    pub created_at: DateTime<Utc>,
    pub waiting_since: DateTime<Utc>,
    pub state: AnswerState,
    pub answer: Option<Answer>,
    pub at_risk_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub reply_handle: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 1, 10, minute, 0).unwrap()
    }

    fn msg(sender: Sender, minute: u32) -> ChatMessage {
        ChatMessage {
            external_id: format!("m{minute}"),
            sender,
            text: "…".into(),
            sent_at: at(minute),
        }
    }

    fn chat(messages: Vec<ChatMessage>) -> NewInteraction {
        NewInteraction {
            channel: Channel::Chat,
            external_id: "c1".into(),
            product: None,
            customer_name: None,
            customer_external_id: None,
            text: String::new(),
            pros: None,
            cons: None,
            photos: 0,
            rating: None,
            created_at: at(0),
            answer: None,
            archived: false,
            messages,
            reply_handle: None,
            raw: serde_json::Value::Null,
        }
    }

    #[test]
    fn rating_rejects_out_of_range() {
        assert!(Rating::new(0).is_none());
        assert!(Rating::new(6).is_none());
        assert_eq!(Rating::new(5).map(Rating::stars), Some(5));
    }

    #[test]
    fn chat_waits_from_oldest_unanswered_buyer_message() {
        let c = chat(vec![
            msg(Sender::Buyer, 1),
            msg(Sender::Seller, 2),
            msg(Sender::Buyer, 5),
            msg(Sender::Buyer, 9),
        ]);
        assert_eq!(c.answer_state(), AnswerState::Open);
        assert_eq!(c.waiting_since(), at(5));
    }

    #[test]
    fn chat_ending_with_seller_is_answered() {
        let c = chat(vec![msg(Sender::Buyer, 1), msg(Sender::Seller, 2)]);
        assert_eq!(c.answer_state(), AnswerState::Answered);
    }

    #[test]
    fn states_round_trip_as_text() {
        for s in [
            AnswerState::Open,
            AnswerState::Pending,
            AnswerState::Answered,
            AnswerState::Archived,
        ] {
            assert_eq!(AnswerState::parse(s.as_str()), Some(s));
        }
        for m in [
            ModerationState::Published,
            ModerationState::UnderReview,
            ModerationState::Rejected,
        ] {
            assert_eq!(ModerationState::parse(m.as_str()), Some(m));
        }
    }
}
