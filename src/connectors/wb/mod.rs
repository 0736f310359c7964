//! Wildberries: the "Вопросы и отзывы" API (feedbacks, questions) and buyer chats.

pub mod chats;
mod feedbacks;
pub mod questions;
pub mod wire;

pub use chats::WbChats;
pub(crate) use feedbacks::lenient_count;
pub use feedbacks::{
    parse_archived, parse_feedback, WbFeedbacks, PAGE_SIZE as FEEDBACKS_PAGE_SIZE,
};
pub use questions::WbQuestions;

use std::time::Duration;

/// WB questions and feedbacks share 3 requests/s per seller, burst 6. We pace a little
/// under it (one per 345 ms, burst 5) so jitter on the way never trips the limit.
pub const FEEDBACKS_PERIOD: Duration = Duration::from_millis(345);
pub const FEEDBACKS_BURST: u32 = 5;

/// WB buyer chats allow 10 requests per 10 s per seller (one a second), burst 10. We pace
/// a little under it (one per 1100 ms, burst 9).
pub const CHATS_PERIOD: Duration = Duration::from_millis(1100);
pub const CHATS_BURST: u32 = 9;
