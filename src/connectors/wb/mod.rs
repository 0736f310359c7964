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

use serde::de::DeserializeOwned;

use super::error::ConnectorError;
use super::http::HttpClient;
use wire::Envelope;

/// WB questions and feedbacks share 3 requests/s per seller, burst 6. We pace a little
/// under it (one per 345 ms, burst 5) so jitter on the way never trips the limit.
pub const FEEDBACKS_PERIOD: Duration = Duration::from_millis(345);
pub const FEEDBACKS_BURST: u32 = 5;

/// WB buyer chats allow 10 requests per 10 s per seller (one a second), burst 10. We pace
/// a little under it (one per 1100 ms, burst 9).
pub const CHATS_PERIOD: Duration = Duration::from_millis(1100);
pub const CHATS_BURST: u32 = 9;

/// Where a page of WB's feedbacks or questions list starts: both lists page alike, oldest
/// first, `take` at a time from `skip`, from `dateFrom` (a Unix time) when it is set.
pub(crate) struct ListPage {
    pub answered: bool,
    pub take: u32,
    pub skip: u32,
    pub date_from: i64,
}

/// Reads one page of a WB list at `url` (`endpoint` names it in errors and limits).
pub(crate) async fn read_list_page<T: DeserializeOwned>(
    http: &HttpClient,
    token: &str,
    endpoint: &'static str,
    url: &str,
    page: &ListPage,
) -> Result<(Envelope<T>, u32), ConnectorError> {
    let mut query = vec![
        ("isAnswered", page.answered.to_string()),
        ("take", page.take.to_string()),
        ("skip", page.skip.to_string()),
        ("order", "dateAsc".to_string()),
    ];
    if page.date_from > 0 {
        query.push(("dateFrom", page.date_from.to_string()));
    }
    http.send_json(endpoint, |c| {
        c.get(url).header("Authorization", token).query(&query)
    })
    .await
}
