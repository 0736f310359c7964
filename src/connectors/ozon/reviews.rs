//! Ozon reviews: `POST /v1/review/list`, `/v1/review/comment/list`,
//! `/v1/review/comment/create`.
//!
//! The list carries a review's status (`UNPROCESSED`/`PROCESSED`) and how many comments
//! it has, but not their text; the seller's comment is read from the comment list for
//! processed reviews that have comments, once per process.

use std::collections::VecDeque;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::wire::{
    Comment, CommentCreateRequest, CommentListRequest, CommentListResponse, Review,
    ReviewListRequest, ReviewListResponse,
};
use super::{
    is_ambiguous, parse_time, raw_id, read_cursor, same_text, write_cursor, AnswerCache, OzonApi,
};
use crate::connectors::lenient;
use crate::connectors::{Connector, ConnectorError, Pull, ReplyTarget, Skipped};
use crate::domain::{Answer, Channel, ModerationState, NewInteraction, ProductRef, Rating};

const LIST: &str = "POST /v1/review/list";
const COMMENTS: &str = "POST /v1/review/comment/list";
const COMMENT: &str = "POST /v1/review/comment/create";
const COUNT: &str = "POST /v1/review/count";

/// Reviews per page; Ozon allows 20..=100.
pub const PAGE_SIZE: u32 = 100;
/// Comments per page of `/v1/review/comment/list`; Ozon allows 20..=100.
const COMMENT_PAGE: i64 = 100;
/// An open review older than this no longer holds every pass back to re-read it.
pub const RECHECK_DAYS: i64 = 7;
/// Each sweep re-reads the reviews published this long before the newest it met.
pub const OVERLAP_MINUTES: i64 = 60;
/// Bound on the positions remembered for the overlap.
const RECENT_CAP: usize = 1_000;

/// Where the reviews sync stands.
///
/// Ozon pages the review list by `last_id` (the last review of the previous page) in a
/// fixed order, oldest first with `sort_dir=ASC`. A pass (a "sweep") reads `status=ALL`
/// from `last_id` to the end. The next sweep starts just before whichever comes first:
/// - the oldest review still open (within [`RECHECK_DAYS`]), so every open review is read
///   again and an answer given elsewhere (e.g. in the seller cabinet) shows up;
/// - the reviews published in the last [`OVERLAP_MINUTES`] of the sweep, so a review
///   published a little out of order (a late delivery) is not missed.
///
/// When nothing is open a pass costs a page or two.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewCursor {
    /// `last_id` for the next page; empty reads from the oldest review.
    #[serde(default)]
    pub last_id: String,
    /// Just before the oldest open review met in this sweep.
    #[serde(default)]
    pub open_anchor: Option<Anchor>,
    /// Just before each review of this sweep's last [`OVERLAP_MINUTES`], oldest first.
    #[serde(default)]
    pub recent: VecDeque<Anchor>,
}

/// A position in the list: the `last_id` that reads from a review on, and that review's
/// publication time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Anchor {
    pub before: String,
    pub at: DateTime<Utc>,
}

impl ReviewCursor {
    /// Notes one review met in the sweep; `before` is the `last_id` that reads from it.
    pub fn note(
        &mut self,
        before: &str,
        at: DateTime<Utc>,
        open: bool,
        recheck_from: DateTime<Utc>,
    ) {
        if open && at >= recheck_from && self.open_anchor.is_none() {
            self.open_anchor = Some(Anchor {
                before: before.to_string(),
                at,
            });
        }
        let newest = self
            .recent
            .iter()
            .map(|a| a.at)
            .max()
            .map_or(at, |n| n.max(at));
        self.recent.push_back(Anchor {
            before: before.to_string(),
            at,
        });
        let horizon = newest - chrono::Duration::minutes(OVERLAP_MINUTES);
        while self.recent.front().is_some_and(|a| a.at < horizon) || self.recent.len() > RECENT_CAP
        {
            self.recent.pop_front();
        }
    }

    /// Ends the page: moves to `next` (the last review of the page) and, when the sweep
    /// is over, back to where the next sweep starts. Returns whether the sweep goes on.
    pub fn end_page(&mut self, next: &str, page_len: usize, has_next: bool) -> bool {
        let advanced = !next.is_empty() && next != self.last_id;
        if advanced {
            self.last_id = next.to_string();
        }
        let more = has_next && page_len > 0 && advanced;
        if !more {
            let start = [self.open_anchor.take(), self.recent.pop_front()]
                .into_iter()
                .flatten()
                .min_by_key(|a| a.at);
            if let Some(start) = start {
                self.last_id = start.before;
            }
            self.recent.clear();
        }
        more
    }
}

pub struct OzonReviews {
    api: OzonApi,
    page_size: u32,
    /// Seller comment per review id, with the comment count it was read at.
    comments: AnswerCache,
}

/// A review read from the list, before its seller comment is looked up.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedReview {
    pub item: NewInteraction,
    /// `status == PROCESSED`: the seller has dealt with it.
    pub processed: bool,
    pub comments_amount: i64,
}

impl OzonReviews {
    pub fn new(api: OzonApi) -> Self {
        OzonReviews {
            api,
            page_size: PAGE_SIZE,
            comments: AnswerCache::default(),
        }
    }

    /// Other page sizes, for tests of pagination; kept within Ozon's 20..=100.
    pub fn with_page_size(mut self, limit: u32) -> Self {
        self.page_size = limit.clamp(20, 100);
        self
    }

    async fn list(&self, last_id: &str) -> Result<(ReviewListResponse, u32), ConnectorError> {
        let request = ReviewListRequest {
            last_id: Some(last_id.to_string()).filter(|s| !s.is_empty()),
            limit: Some(i64::from(self.page_size)),
            sort_dir: Some("ASC".into()),
            status: Some("ALL".into()),
        };
        self.api.call(LIST, &request).await
    }

    /// The seller's newest comment on a review, and the requests it took.
    async fn seller_comment(
        &self,
        review_id: &str,
    ) -> Result<(Option<String>, u32), ConnectorError> {
        let request = CommentListRequest {
            review_id: Some(review_id.to_string()),
            limit: Some(COMMENT_PAGE),
            offset: 0,
            sort_dir: Some("DESC".into()),
        };
        let (list, requests): (CommentListResponse, u32) =
            self.api.call(COMMENTS, &request).await?;
        Ok((newest_seller_comment(&list.comments), requests))
    }

    /// The seller comment of a processed review, from the cache while its comment count
    /// is unchanged.
    async fn cached_comment(
        &self,
        review_id: &str,
        amount: i64,
    ) -> Result<(Option<String>, u32), ConnectorError> {
        if let Some(text) = self.comments.get(review_id, amount) {
            return Ok((text, 0));
        }
        let (text, requests) = self.seller_comment(review_id).await?;
        self.comments.put(review_id, amount, text.clone());
        Ok((text, requests))
    }
}

#[async_trait]
impl Connector for OzonReviews {
    crate::connectors::connector_identity!("ozon_reviews", Ozon, Review);

    async fn pull(&self, cursor: Option<&str>) -> Result<Pull, ConnectorError> {
        let mut cur: ReviewCursor = read_cursor(LIST, cursor)?;
        let mut requests = 0;
        let list = match self.list(&cur.last_id).await {
            Ok((list, n)) => {
                requests += n;
                list
            }
            // The review the cursor points at is gone: sweep again from the start.
            Err(ConnectorError::Rejected { status: 400, .. }) if !cur.last_id.is_empty() => {
                tracing::warn!("ozon reviews: stored last_id refused; reading from the start");
                cur = ReviewCursor::default();
                let (list, n) = self.list("").await?;
                requests += n + 1;
                list
            }
            Err(err) => return Err(err),
        };
        let mut pull = Pull::default();
        let recheck_from = Utc::now() - chrono::Duration::days(RECHECK_DAYS);
        let started_at = cur.last_id.clone();
        let mut previous = cur.last_id.clone();
        let page_len = list.reviews.len();
        for raw in list.reviews {
            let id = raw_id(&raw, "id");
            match parse_review(raw) {
                Ok(parsed) => {
                    let mut item = parsed.item;
                    if parsed.processed && parsed.comments_amount > 0 {
                        match self
                            .cached_comment(&item.external_id, parsed.comments_amount)
                            .await
                        {
                            Ok((text, n)) => {
                                requests += n;
                                if let Some(text) = text {
                                    set_seller_comment(&mut item, text);
                                }
                            }
                            // Keep the reviews before it; the next page starts at it.
                            Err(err) if previous != started_at => {
                                tracing::warn!(error = %err, "ozon reviews: a comment lookup failed; keeping the page up to it");
                                cur.last_id = previous;
                                pull.more = true;
                                pull.requests = requests;
                                pull.cursor = write_cursor(LIST, &cur)?;
                                return Ok(pull);
                            }
                            Err(err) => return Err(err),
                        }
                    }
                    cur.note(&previous, item.created_at, !parsed.processed, recheck_from);
                    pull.items.push(item);
                }
                Err(skipped) => pull.skipped.push(skipped),
            }
            if let Some(id) = id {
                previous = id;
            }
        }
        let next = list.last_id.unwrap_or(previous);
        pull.more = cur.end_page(&next, page_len, list.has_next);
        pull.requests = requests;
        pull.cursor = write_cursor(LIST, &cur)?;
        Ok(pull)
    }

    async fn send_answer(&self, target: &ReplyTarget, text: &str) -> Result<(), ConnectorError> {
        let body = CommentCreateRequest {
            review_id: Some(target.external_id.clone()),
            text: Some(text.to_string()),
            mark_review_as_processed: true,
            parent_comment_id: None,
        };
        match self.api.write(COMMENT, &body).await {
            Ok(_) => Ok(()),
            Err(err) if is_ambiguous(&err) => {
                // The comment may have landed even though the response did not.
                match self.seller_comment(&target.external_id).await {
                    Ok((Some(current), _)) if same_text(&current, text) => Ok(()),
                    _ => Err(err),
                }
            }
            Err(err) => Err(err),
        }
    }

    /// `total` of `/v1/review/count`.
    async fn total(&self) -> Result<Option<(u64, u32)>, ConnectorError> {
        let (counts, requests): (serde_json::Value, u32) =
            self.api.call(COUNT, &serde_json::json!({})).await?;
        Ok(counts
            .get("total")
            .and_then(crate::connectors::wb::lenient_count)
            .map(|n| (n, requests)))
    }

    async fn current_answer(&self, target: &ReplyTarget) -> Result<Option<String>, ConnectorError> {
        let (text, _) = self.seller_comment(&target.external_id).await?;
        Ok(text)
    }
}

/// The seller's newest comment: `is_owner`, latest `published_at` (list order breaks
/// ties and stands in for unreadable times).
pub fn newest_seller_comment(comments: &[Comment]) -> Option<String> {
    comments
        .iter()
        .enumerate()
        .filter(|(_, c)| c.is_owner && !c.text.trim().is_empty())
        .max_by_key(|(i, c)| {
            let at = c
                .published_at
                .as_deref()
                .and_then(|t| parse_time(t).ok())
                .unwrap_or(DateTime::<Utc>::MIN_UTC);
            // DESC order puts the newest first: an earlier index wins a tie.
            (at, std::cmp::Reverse(*i))
        })
        .map(|(_, c)| c.text.clone())
}

fn set_seller_comment(item: &mut NewInteraction, text: String) {
    item.answer = Some(Answer {
        text,
        // The comment list only shows comments that passed moderation.
        moderation: ModerationState::Published,
        // Ozon comments can be deleted, not edited.
        editable: false,
    });
    item.archived = false;
}

/// One review from the wire into the domain; an unusable item says why. A processed
/// review comes back archived until its seller comment is attached.
pub fn parse_review(raw: serde_json::Value) -> Result<ParsedReview, Skipped> {
    let external_id = raw_id(&raw, "id");
    let skip = |reason: String| Skipped {
        external_id: external_id.clone(),
        reason,
    };
    let review: Review = lenient::from_raw(&raw).map_err(|e| skip(format!("unreadable: {e}")))?;
    if review.id.is_empty() {
        return Err(skip("empty id".into()));
    }
    let created_at =
        parse_time(&review.published_at).map_err(|e| skip(format!("published_at {e}")))?;
    let processed = review
        .status
        .as_deref()
        .is_some_and(|s| s.eq_ignore_ascii_case("PROCESSED"));
    let rating = review
        .rating
        .and_then(|v| u8::try_from(v).ok())
        .and_then(Rating::new);
    let item = NewInteraction {
        channel: Channel::Review,
        external_id: review.id,
        product: review.sku.map(|sku| ProductRef {
            external_id: sku.to_string(),
            name: None,
            brand: None,
        }),
        // Ozon's review list carries no author.
        customer_name: None,
        customer_external_id: None,
        text: review.text.unwrap_or_default(),
        pros: None,
        cons: None,
        photos: u32::try_from(review.photos_amount.max(0)).unwrap_or(u32::MAX),
        rating,
        created_at,
        answer: None,
        archived: processed,
        messages: Vec::new(),
        reply_handle: None,
        raw,
    };
    Ok(ParsedReview {
        item,
        processed,
        comments_amount: review.comments_amount,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::AnswerState;
    use serde_json::json;

    #[test]
    fn parses_an_unprocessed_review() {
        let raw = json!({
            "id": "01936c5e-2b1a-7d40-9e11-5a0c3f7b2d18",
            "sku": "804411273",
            "text": "Кабель перестал заряжать через неделю",
            "published_at": "2026-02-03T08:15:00.250Z",
            "rating": 2,
            "status": "UNPROCESSED",
            "comments_amount": "0",
            "photos_amount": 3,
            "videos_amount": 0,
            "order_status": "DELIVERED",
            "is_rating_participant": "true",
            "brand_new_field": [1, 2]
        });
        let parsed = parse_review(raw).unwrap();
        assert!(!parsed.processed);
        let item = parsed.item;
        assert_eq!(item.external_id, "01936c5e-2b1a-7d40-9e11-5a0c3f7b2d18");
        assert_eq!(item.product.as_ref().unwrap().external_id, "804411273");
        assert_eq!(item.rating.map(Rating::stars), Some(2));
        assert_eq!(item.photos, 3);
        assert_eq!(item.customer_name, None, "no author in the list");
        assert_eq!(
            item.created_at.to_rfc3339(),
            "2026-02-03T08:15:00.250+00:00"
        );
        assert_eq!(item.answer_state(), AnswerState::Open);
    }

    #[test]
    fn a_processed_review_waits_for_its_comment() {
        let raw = json!({
            "id": "r-2", "sku": 5, "published_at": "2026-02-03T08:15:00Z",
            "rating": 5, "status": "PROCESSED", "comments_amount": 1
        });
        let parsed = parse_review(raw).unwrap();
        assert!(parsed.processed);
        assert_eq!(parsed.comments_amount, 1);
        assert_eq!(parsed.item.answer_state(), AnswerState::Archived);
        let mut item = parsed.item;
        set_seller_comment(&mut item, "Спасибо!".into());
        assert_eq!(item.answer_state(), AnswerState::Answered);
        assert_eq!(item.text, "", "a rating without text is still a review");
    }

    #[test]
    fn malformed_reviews_are_skipped_with_a_reason() {
        let err = parse_review(json!({"id": "r-3", "published_at": "позавчера"})).unwrap_err();
        assert_eq!(err.external_id.as_deref(), Some("r-3"));
        assert!(err.reason.contains("published_at"), "{}", err.reason);
        let err = parse_review(
            json!({"id": 77, "rating": "пять", "published_at": "2026-01-01T00:00:00Z"}),
        )
        .unwrap_err();
        assert_eq!(err.external_id.as_deref(), Some("77"));
        assert!(parse_review(json!({"text": "нет id"})).is_err());
        assert!(parse_review(json!({"id": "", "published_at": "2026-01-01T00:00:00Z"})).is_err());
        assert!(parse_review(json!("строка")).is_err());
    }

    #[test]
    fn out_of_range_rating_is_dropped_not_fatal() {
        let parsed = parse_review(json!({
            "id": "r-4", "published_at": "2026-01-01T00:00:00Z", "rating": 9
        }))
        .unwrap();
        assert_eq!(parsed.item.rating, None);
    }

    #[test]
    fn the_newest_owner_comment_wins() {
        let comments: Vec<Comment> = serde_json::from_value(json!([
            {"id": "c3", "is_owner": false, "text": "А мне понравилось", "published_at": "2026-02-05T10:00:00Z"},
            {"id": "c2", "is_owner": "true", "text": "Заменим по гарантии", "published_at": "2026-02-04T10:00:00Z"},
            {"id": "c1", "is_owner": true, "text": "Здравствуйте!", "published_at": "2026-02-03T10:00:00Z"}
        ]))
        .unwrap();
        assert_eq!(
            newest_seller_comment(&comments).as_deref(),
            Some("Заменим по гарантии")
        );
        assert_eq!(newest_seller_comment(&comments[..1]), None);
    }

    fn t(minute: i64) -> DateTime<Utc> {
        parse_time("2026-02-01T10:00:00Z").unwrap() + chrono::Duration::minutes(minute)
    }

    #[test]
    fn a_quiet_sweep_restarts_an_hour_before_its_newest_review() {
        let mut cur = ReviewCursor::default();
        let long_ago = t(-100_000);
        // Page 1: a, b (b two hours later); page 2: c (ninety minutes after b), d.
        cur.note("", t(0), false, long_ago);
        cur.note("a", t(120), false, long_ago);
        assert!(cur.end_page("b", 2, true));
        assert_eq!(cur.last_id, "b");
        cur.note("b", t(210), false, long_ago);
        cur.note("c", t(240), false, long_ago);
        assert!(!cur.end_page("d", 2, false));
        // c (t=210) is within an hour of d (t=240): the next sweep reads from c on.
        assert_eq!(cur.last_id, "b");
        assert!(cur.recent.is_empty() && cur.open_anchor.is_none());
    }

    #[test]
    fn an_open_review_holds_the_next_sweep_back() {
        let mut cur = ReviewCursor::default();
        let long_ago = t(-100_000);
        cur.note("", t(0), false, long_ago);
        cur.note("a", t(10), true, long_ago);
        cur.note("b", t(500), false, long_ago);
        assert!(!cur.end_page("c", 3, false));
        assert_eq!(cur.last_id, "a", "re-read from the open review b on");
        // Open but older than the recheck window: no anchor.
        let mut cur = ReviewCursor::default();
        cur.note("", t(0), true, t(5));
        cur.note("a", t(500), false, t(5));
        assert!(!cur.end_page("b", 2, false));
        assert_eq!(cur.last_id, "a", "only the overlap");
    }

    #[test]
    fn an_empty_page_ends_the_sweep_where_it_was() {
        let mut cur = ReviewCursor {
            last_id: "z".into(),
            ..ReviewCursor::default()
        };
        assert!(!cur.end_page("", 0, false));
        assert_eq!(cur.last_id, "z");
        assert!(
            !cur.end_page("z", 0, true),
            "has_next without progress ends the sweep"
        );
    }

    #[test]
    fn cursor_round_trips_and_tolerates_old_shapes() {
        let mut c = ReviewCursor {
            last_id: "abc".into(),
            ..ReviewCursor::default()
        };
        c.note("x", t(0), true, t(-1));
        let text = serde_json::to_string(&c).unwrap();
        assert_eq!(read_cursor::<ReviewCursor>(LIST, Some(&text)).unwrap(), c);
        assert_eq!(
            read_cursor::<ReviewCursor>(LIST, Some("{}")).unwrap(),
            ReviewCursor::default()
        );
        assert!(read_cursor::<ReviewCursor>(LIST, Some("[")).is_err());
    }
}
