//! Wildberries: the "Вопросы и отзывы" API (feedbacks, questions) and buyer chats.

mod feedbacks;
pub mod wire;

pub use feedbacks::WbFeedbacks;

use std::time::Duration;

/// WB questions and feedbacks share 3 requests/s per seller, burst 6. We pace a little
/// under it (one per 345 ms, burst 5) so jitter on the way never trips the limit.
pub const FEEDBACKS_PERIOD: Duration = Duration::from_millis(345);
pub const FEEDBACKS_BURST: u32 = 5;
