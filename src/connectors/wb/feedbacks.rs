//! WB feedbacks (reviews): `GET /api/v1/feedbacks`, `GET /api/v1/feedbacks/archive`,
//! `GET /api/v1/feedback`, `POST /api/v1/feedbacks/answer`, `PATCH /api/v1/feedbacks/answer`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::wire::{self, Envelope, Feedback, FeedbackList};
use super::{read_list_page, ListPage};
use crate::connectors::http::HttpClient;
use crate::connectors::lenient;
use crate::connectors::read_cursor;
use crate::connectors::{Connector, ConnectorError, Pull, ReplyTarget, Skipped};
use crate::domain::{Answer, Channel, NewInteraction, ProductRef, Rating};

const LIST: &str = "GET /api/v1/feedbacks";
const ONE: &str = "GET /api/v1/feedback";
const ARCHIVE: &str = "GET /api/v1/feedbacks/archive";
const COUNT: &str = "GET /api/v1/feedbacks/count";

/// WB moves an unanswered feedback to the archive this long after it was written.
pub const ARCHIVE_AFTER_DAYS: i64 = 30;
const ANSWER: &str = "POST /api/v1/feedbacks/answer";
const EDIT: &str = "PATCH /api/v1/feedbacks/answer";

/// Items per page; WB allows up to 5000.
pub const PAGE_SIZE: u32 = 1000;

/// The largest `skip` WB accepts.
const MAX_SKIP: u32 = 199_990;

pub struct WbFeedbacks {
    http: HttpClient,
    base_url: String,
    token: String,
    page_size: u32,
}

/// Where the feedbacks sync stands. A pass reads the unanswered list, then the answered
/// one, each from the newest creation time it has already seen.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Cursor {
    /// Which list the next step reads.
    answered: bool,
    skip: u32,
    /// `dateFrom` for each list: the newest creation time fully read in an earlier pass.
    unanswered_since: i64,
    answered_since: i64,
    /// Newest creation time seen in the sweep under way.
    sweep_max: i64,
    /// `dateFrom` of the sweep under way, fixed when it starts so its pages line up.
    #[serde(default)]
    sweep_from: Option<i64>,
    /// The next step reads the archive (after both lists).
    #[serde(default)]
    archive: bool,
    /// The archive has no date filter and is read newest first: a pass stops at items
    /// created before this (unix s; 0 reads it whole, the first time). Anything archived
    /// since the last pass was created after it: by age, 30 days before that pass began;
    /// without text and photos, at once.
    #[serde(default)]
    archive_floor: i64,
    /// When the archive pass under way began (unix s).
    #[serde(default)]
    archive_started: i64,
}

/// The unanswered list is re-read this far behind its watermark: WB can publish a review
/// hours after its `createdDate` (moderation), and such a review must not be skipped.
const UNANSWERED_LOOKBACK_SECS: i64 = 6 * 3600;

impl WbFeedbacks {
    pub fn new(http: HttpClient, base_url: &str, token: &str) -> Self {
        WbFeedbacks {
            http,
            base_url: base_url.trim_end_matches('/').to_string(),
            token: token.to_string(),
            page_size: PAGE_SIZE,
        }
    }

    /// Smaller pages, for tests of pagination.
    pub fn with_page_size(mut self, take: u32) -> Self {
        self.page_size = take.clamp(1, 5000);
        self
    }

    fn malformed(&self, message: String) -> ConnectorError {
        ConnectorError::Malformed {
            marketplace: "wb",
            endpoint: LIST.into(),
            message,
        }
    }
}

#[async_trait]
impl Connector for WbFeedbacks {
    crate::connectors::connector_identity!("wb_feedbacks", Wb, Review);

    async fn pull(&self, cursor: Option<&str>) -> Result<Pull, ConnectorError> {
        let mut cur: Cursor = read_cursor("wb", LIST, cursor)?;
        if cur.archive {
            return self.pull_archive(cur).await;
        }
        let since = *cur.sweep_from.get_or_insert(if cur.answered {
            cur.answered_since
        } else if cur.unanswered_since > 0 {
            (cur.unanswered_since - UNANSWERED_LOOKBACK_SECS).max(1)
        } else {
            0
        });
        let url = format!("{}/api/v1/feedbacks", self.base_url);
        let page = ListPage {
            answered: cur.answered,
            take: self.page_size,
            skip: cur.skip,
            date_from: since,
        };
        let (envelope, requests): (Envelope<FeedbackList>, u32) =
            read_list_page(&self.http, &self.token, LIST, &url, &page).await?;
        if envelope.error {
            return Err(self.malformed(envelope.error_text));
        }
        let list = envelope.data.unwrap_or(FeedbackList {
            count_unanswered: 0,
            count_archive: 0,
            feedbacks: Vec::new(),
        });
        let page_len = list.feedbacks.len() as u32;
        let mut pull = Pull {
            requests,
            ..Pull::default()
        };
        for raw in list.feedbacks {
            match parse_feedback(raw) {
                Ok(item) => {
                    cur.sweep_max = cur.sweep_max.max(item.created_at.timestamp());
                    pull.items.push(item);
                }
                Err(skipped) => pull.skipped.push(skipped),
            }
        }
        if page_len >= self.page_size {
            let next_skip = cur.skip + page_len;
            if next_skip + self.page_size > MAX_SKIP {
                // WB refuses a skip past 199990: continue the sweep from the newest
                // creation time read so far instead (dateFrom is inclusive, so nothing
                // in that second is lost; re-reads are idempotent).
                if cur.answered {
                    cur.answered_since = cur.answered_since.max(cur.sweep_max);
                } else {
                    cur.unanswered_since = cur.unanswered_since.max(cur.sweep_max);
                }
                cur.sweep_from = Some(cur.sweep_max);
                cur.skip = 0;
            } else {
                cur.skip = next_skip;
            }
            pull.more = true;
        } else {
            // This list is read to the end: next time start from its newest item (WB's
            // dateFrom is inclusive; re-reading that second is harmless, upserts are
            // idempotent) and move to the other list.
            if cur.answered {
                cur.answered_since = cur.answered_since.max(cur.sweep_max);
            } else {
                cur.unanswered_since = cur.unanswered_since.max(cur.sweep_max);
            }
            // After the answered list, the archive: history, read-only.
            pull.more = true;
            cur.archive = cur.answered;
            cur.answered = !cur.answered;
            cur.skip = 0;
            cur.sweep_max = 0;
            cur.sweep_from = None;
        }
        pull.cursor = serde_json::to_string(&cur).map_err(|e| self.malformed(e.to_string()))?;
        Ok(pull)
    }

    async fn send_answer(&self, target: &ReplyTarget, text: &str) -> Result<(), ConnectorError> {
        // One attempt only: a retried POST could answer twice. The outbox looks at the
        // item before it tries again.
        self.answer_request(ANSWER, reqwest::Method::POST, target, text)
            .await
    }

    /// `PATCH /api/v1/feedbacks/answer {id, text}`: 204 whether or not WB applies it (the
    /// contract declares no refusal, and WB validates no id), so only the read-back tells.
    async fn edit_answer(&self, target: &ReplyTarget, text: &str) -> Result<(), ConnectorError> {
        // One attempt, as for the answer: the outbox looks at the item before retrying,
        // and a second edit would be refused by WB anyway.
        self.answer_request(EDIT, reqwest::Method::PATCH, target, text)
            .await
    }

    async fn current_answer(&self, target: &ReplyTarget) -> Result<Option<String>, ConnectorError> {
        let Some(raw) = self.read_one(&target.external_id).await? else {
            return Ok(None);
        };
        let feedback: Feedback =
            serde_json::from_value(raw).map_err(|e| self.malformed(e.to_string()))?;
        Ok(feedback.answer.map(|a| a.text).filter(|t| !t.is_empty()))
    }

    async fn answer_status(
        &self,
        target: &ReplyTarget,
    ) -> Result<Option<crate::connectors::PostedAnswer>, ConnectorError> {
        let Some(raw) = self.read_one(&target.external_id).await? else {
            return Ok(None);
        };
        let feedback: Feedback =
            serde_json::from_value(raw).map_err(|e| self.malformed(e.to_string()))?;
        Ok(feedback.answer.filter(|a| !a.text.is_empty()).map(|a| {
            crate::connectors::PostedAnswer {
                moderation: super::wire::moderation_from_wire(a.state.as_deref()),
                editable: Some(a.editable),
                text: a.text,
            }
        }))
    }

    /// Answered plus unanswered, from `GET /api/v1/feedbacks/count` (the archive has no
    /// count method, so it is not part of the total).
    async fn total(&self) -> Result<Option<(u64, u32)>, ConnectorError> {
        let url = format!("{}/api/v1/feedbacks/count", self.base_url);
        let mut total = 0;
        let mut requests = 0;
        for answered in ["false", "true"] {
            let (envelope, n): (Envelope<serde_json::Value>, u32) = self
                .http
                .send_json(COUNT, |c| {
                    c.get(&url)
                        .header("Authorization", &self.token)
                        .query(&[("isAnswered", answered)])
                })
                .await?;
            requests += n;
            total += envelope.data.as_ref().and_then(lenient_count).unwrap_or(0);
        }
        Ok(Some((total, requests)))
    }

    async fn open_ids(&self) -> Result<Option<Vec<String>>, ConnectorError> {
        let url = format!("{}/api/v1/feedbacks", self.base_url);
        let mut ids = Vec::new();
        let mut skip: u32 = 0;
        let mut since: i64 = 0;
        loop {
            let page = ListPage {
                answered: false,
                take: self.page_size,
                skip,
                date_from: since,
            };
            let (envelope, _): (Envelope<FeedbackList>, u32) =
                read_list_page(&self.http, &self.token, LIST, &url, &page).await?;
            if envelope.error {
                return Err(self.malformed(envelope.error_text));
            }
            let page = envelope.data.map(|d| d.feedbacks).unwrap_or_default();
            let len = page.len() as u32;
            let mut newest = since;
            for raw in &page {
                if let Some(id) = raw.get("id").and_then(|v| v.as_str()) {
                    ids.push(id.to_string());
                }
                if let Some(t) = raw
                    .get("createdDate")
                    .and_then(|v| v.as_str())
                    .and_then(|d| DateTime::parse_from_rfc3339(d).ok())
                {
                    newest = newest.max(t.timestamp());
                }
            }
            if len < self.page_size {
                break;
            }
            if skip + 2 * len > MAX_SKIP {
                since = newest;
                skip = 0;
            } else {
                skip += len;
            }
        }
        ids.sort();
        ids.dedup();
        Ok(Some(ids))
    }

    /// The single read does not say whether a feedback is archived; one that left the
    /// unanswered list unanswered and is past the archive's rules (older than 30 days, or
    /// neither text nor photos) has moved there, and comes back archived, not open.
    async fn fetch_item(
        &self,
        external_id: &str,
    ) -> Result<Option<NewInteraction>, ConnectorError> {
        let Some(raw) = self.read_one(external_id).await? else {
            return Ok(None);
        };
        let mut item = parse_feedback(raw).map_err(|skipped| self.malformed(skipped.reason))?;
        if item.answer.is_none() && archived_by_rule(&item, Utc::now()) {
            item.archived = true;
        }
        Ok(Some(item))
    }
}

impl WbFeedbacks {
    /// One step through the archive, newest first, down to the cursor's floor.
    async fn pull_archive(&self, mut cur: Cursor) -> Result<Pull, ConnectorError> {
        let now = chrono::Utc::now().timestamp();
        if cur.skip == 0 {
            cur.archive_started = now;
        }
        let url = format!("{}/api/v1/feedbacks/archive", self.base_url);
        let query = [
            ("take", self.page_size.to_string()),
            ("skip", cur.skip.to_string()),
            ("order", "dateDesc".to_string()),
        ];
        let (envelope, requests): (Envelope<ArchiveList>, u32) = self
            .http
            .send_json(ARCHIVE, |c| {
                c.get(&url)
                    .header("Authorization", &self.token)
                    .query(&query)
            })
            .await?;
        if envelope.error {
            return Err(self.malformed(envelope.error_text));
        }
        let page = envelope
            .data
            .map(ArchiveList::into_feedbacks)
            .unwrap_or_default();
        let page_len = page.len() as u32;
        let mut pull = Pull {
            requests,
            ..Pull::default()
        };
        let mut oldest = i64::MAX;
        for raw in page {
            match parse_archived(raw) {
                Ok(item) => {
                    oldest = oldest.min(item.created_at.timestamp());
                    pull.items.push(item);
                }
                Err(skipped) => pull.skipped.push(skipped),
            }
        }
        let next_skip = cur.skip + page_len;
        let done = page_len < self.page_size
            || oldest < cur.archive_floor
            || next_skip + self.page_size > MAX_SKIP;
        if done {
            cur.archive = false;
            cur.skip = 0;
            cur.archive_floor = cur.archive_started - (ARCHIVE_AFTER_DAYS + 1) * 24 * 3600;
        } else {
            cur.skip = next_skip;
            pull.more = true;
        }
        pull.cursor = serde_json::to_string(&cur).map_err(|e| self.malformed(e.to_string()))?;
        Ok(pull)
    }

    /// `/api/v1/feedbacks/answer {id, text}` with `method` (POST answers, PATCH edits), in
    /// one attempt.
    async fn answer_request(
        &self,
        endpoint: &str,
        method: reqwest::Method,
        target: &ReplyTarget,
        text: &str,
    ) -> Result<(), ConnectorError> {
        let url = format!("{}/api/v1/feedbacks/answer", self.base_url);
        let body = wire::AnswerRequest {
            id: target.external_id.clone(),
            text: text.to_string(),
        };
        self.http
            .single_attempt()
            .send(endpoint, |c| {
                c.request(method.clone(), &url)
                    .header("Authorization", &self.token)
                    .json(&body)
            })
            .await?;
        Ok(())
    }

    /// `GET /api/v1/feedback?id=`: the feedback as received, or `None` when WB does not
    /// know it.
    async fn read_one(&self, id: &str) -> Result<Option<serde_json::Value>, ConnectorError> {
        let url = format!("{}/api/v1/feedback", self.base_url);
        let result: Result<(Envelope<serde_json::Value>, u32), ConnectorError> = self
            .http
            .send_json(ONE, |c| {
                c.get(&url)
                    .header("Authorization", &self.token)
                    .query(&[("id", id)])
            })
            .await;
        match result {
            Ok((envelope, _)) => Ok(envelope.data.filter(|d| !d.is_null())),
            // The contract answers an unknown id with 422 "Невозможно получить отзыв по
            // id"; older deployments said 400, and 404 means the same. A feedback WB took
            // our answer for is never "failed" because of how its absence is spelt.
            Err(ConnectorError::Rejected {
                status: 400 | 404 | 422,
                ..
            }) => Ok(None),
            Err(err) => Err(err),
        }
    }
}

/// `data` of `GET /api/v1/feedbacks/archive`.
#[derive(Debug, Default, Deserialize)]
struct ArchiveList {
    #[serde(default)]
    feedbacks: Option<Vec<serde_json::Value>>,
}

impl ArchiveList {
    fn into_feedbacks(self) -> Vec<serde_json::Value> {
        self.feedbacks.unwrap_or_default()
    }
}

/// A count given as a number or a numeric string.
pub(crate) fn lenient_count(value: &serde_json::Value) -> Option<u64> {
    value
        .as_u64()
        .or_else(|| value.as_str().and_then(|s| s.trim().parse().ok()))
}

/// Whether WB's archive rules put an unanswered feedback there by now.
fn archived_by_rule(item: &NewInteraction, now: DateTime<Utc>) -> bool {
    let blank = |t: &Option<String>| t.as_deref().is_none_or(|t| t.trim().is_empty());
    let empty = item.text.trim().is_empty() && blank(&item.pros) && blank(&item.cons);
    (empty && item.photos == 0)
        || now - item.created_at > chrono::Duration::days(ARCHIVE_AFTER_DAYS)
}

/// A feedback of the archive: history, never waiting for an answer. Its raw record says
/// where it came from, so moving to the archive changes the stored item.
pub fn parse_archived(raw: serde_json::Value) -> Result<NewInteraction, Skipped> {
    let mut item = parse_feedback(raw)?;
    item.archived = true;
    item.raw = serde_json::json!({"archive": item.raw});
    Ok(item)
}

/// One feedback from the wire into the domain; an unusable item says why.
pub fn parse_feedback(raw: serde_json::Value) -> Result<NewInteraction, Skipped> {
    let external_id = raw.get("id").and_then(|v| v.as_str()).map(str::to_string);
    let skip = |reason: String| Skipped {
        external_id: external_id.clone(),
        reason,
    };
    let feedback: Feedback =
        lenient::from_raw(&raw).map_err(|e| skip(format!("unreadable: {e}")))?;
    if feedback.id.trim().is_empty() {
        return Err(skip("empty id".into()));
    }
    let created_at = DateTime::parse_from_rfc3339(&feedback.created_date)
        .map_err(|e| skip(format!("createdDate '{}': {e}", feedback.created_date)))?
        .with_timezone(&Utc);
    let rating = feedback
        .product_valuation
        .and_then(|v| u8::try_from(v).ok())
        .and_then(Rating::new);
    let product = feedback.product_details.as_ref().and_then(|d| {
        d.nm_id.map(|nm| ProductRef {
            external_id: nm.to_string(),
            name: d.product_name.clone(),
            brand: d.brand_name.clone(),
        })
    });
    let answer = feedback
        .answer
        .as_ref()
        .filter(|a| !a.text.trim().is_empty())
        .map(|a| Answer {
            text: a.text.clone(),
            moderation: wire::moderation_from_wire(a.state.as_deref()),
            editable: a.editable,
        });
    Ok(NewInteraction {
        channel: Channel::Review,
        external_id: feedback.id,
        product,
        customer_name: feedback.user_name,
        customer_external_id: None,
        text: feedback.text.unwrap_or_default(),
        pros: feedback.pros,
        cons: feedback.cons,
        photos: feedback.photo_links.map_or(0, |p| p.len() as u32),
        rating,
        created_at,
        answer,
        archived: false,
        messages: Vec::new(),
        reply_handle: None,
        raw,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_a_full_feedback() {
        let raw = json!({
            "id": "Fb01",
            "text": "Плед колется",
            "pros": "Тёплый",
            "cons": "",
            "productValuation": "2",
            "createdDate": "2026-11-01T10:20:48+03:00",
            "answer": null,
            "productDetails": {"nmId": "146972802", "productName": "Плед", "brandName": "Уют"},
            "photoLinks": [{"fullSize": "a", "miniSize": "b"}],
            "userName": "Анна",
            "someNewField": {"x": 1}
        });
        let item = parse_feedback(raw).unwrap();
        assert_eq!(item.rating.map(Rating::stars), Some(2));
        assert_eq!(item.cons, None);
        assert_eq!(item.photos, 1);
        assert_eq!(item.product.unwrap().external_id, "146972802");
        assert_eq!(item.created_at.to_rfc3339(), "2026-11-01T07:20:48+00:00");
    }

    #[test]
    fn malformed_items_are_skipped_with_a_reason() {
        let bad_date = json!({"id": "x", "createdDate": "вчера"});
        let err = parse_feedback(bad_date).unwrap_err();
        assert_eq!(err.external_id.as_deref(), Some("x"));
        assert!(err.reason.contains("createdDate"), "{}", err.reason);
        assert!(parse_feedback(json!({"text": "no id"})).is_err());
        assert!(parse_feedback(json!([1, 2])).is_err());
    }
}
