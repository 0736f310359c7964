//! WB buyer questions: `GET /api/v1/questions`, `GET /api/v1/question`,
//! `PATCH /api/v1/questions` (answer, edit, reject, mark viewed).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::wire::{self, Envelope, Question, QuestionList, QuestionPatch};
use super::{read_list_page, ListPage};
use crate::connectors::http::HttpClient;
use crate::connectors::lenient;
use crate::connectors::read_cursor;
use crate::connectors::{Connector, ConnectorError, Pull, ReplyTarget, Skipped};
use crate::domain::{Answer, Channel, ModerationState, NewInteraction, ProductRef};

const LIST: &str = "GET /api/v1/questions";
const ONE: &str = "GET /api/v1/question";
const COUNT: &str = "GET /api/v1/questions/count";
const PATCH: &str = "PATCH /api/v1/questions";

/// Items per page.
pub const PAGE_SIZE: u32 = 1000;

/// WB serves at most this many questions of one query: `take + skip <= 10000`.
pub const MAX_WINDOW: u32 = 10_000;

pub struct WbQuestions {
    http: HttpClient,
    base_url: String,
    token: String,
    page_size: u32,
}

/// Where the questions sync stands. A pass reads the unanswered list, then the answered
/// one (rejected questions included).
///
/// The unanswered list is read whole on every pass (it is the seller's backlog, usually
/// one page): a question can reach the seller well after its `createdDate` (WB moderates
/// questions first), so a creation-time watermark could pass it by for good. The answered
/// list, which only grows, is read from a `dateFrom` watermark: the newest creation time
/// fully read in an earlier pass.
///
/// WB refuses `take + skip > 10000`; a longer list is continued by moving `dateFrom` up to
/// the newest creation time read so far and starting `skip` again from 0 (`dateFrom` is
/// inclusive, so that second is read again; upserts make that harmless).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Cursor {
    /// Which list the next step reads.
    answered: bool,
    skip: u32,
    /// `dateFrom` of the list being read (unix seconds, 0 for none).
    from: i64,
    /// Where the next sweep of the answered list starts.
    answered_since: i64,
    /// Newest creation time seen in the sweep under way.
    sweep_max: i64,
}

impl Cursor {
    /// Moves past one page of `page_len` items read with `take`; says whether more of the
    /// pass is waiting.
    fn advance(&mut self, page_len: u32, take: u32, window: u32) -> bool {
        if page_len >= take {
            let next_skip = self.skip + page_len;
            if next_skip.saturating_add(take) > window {
                if self.sweep_max > self.from {
                    self.from = self.sweep_max;
                } else {
                    // A whole window of questions within one second: nothing else gets
                    // past it. Step over that second rather than loop on it forever.
                    tracing::warn!(
                        from = self.from,
                        "a full WB window in one second; skipping ahead"
                    );
                    self.from += 1;
                }
                self.skip = 0;
            } else {
                self.skip = next_skip;
            }
            return true;
        }
        // This list is read to the end.
        let more = !self.answered;
        if self.answered {
            self.answered_since = self.answered_since.max(self.sweep_max);
        }
        self.answered = !self.answered;
        self.skip = 0;
        self.sweep_max = 0;
        self.from = if self.answered {
            self.answered_since
        } else {
            0
        };
        more
    }
}

impl WbQuestions {
    pub fn new(http: HttpClient, base_url: &str, token: &str) -> Self {
        WbQuestions {
            http,
            base_url: base_url.trim_end_matches('/').to_string(),
            token: token.to_string(),
            page_size: PAGE_SIZE,
        }
    }

    /// Smaller pages, for tests of pagination.
    pub fn with_page_size(mut self, take: u32) -> Self {
        self.page_size = take.clamp(1, MAX_WINDOW);
        self
    }

    fn malformed(&self, endpoint: &str, message: String) -> ConnectorError {
        ConnectorError::Malformed {
            marketplace: "wb",
            endpoint: endpoint.into(),
            message,
        }
    }

    async fn patch(&self, body: &QuestionPatch) -> Result<(), ConnectorError> {
        let url = format!("{}/api/v1/questions", self.base_url);
        let (envelope, _): (Envelope<serde_json::Value>, u32) = self
            .http
            .send_json(PATCH, |c| {
                c.patch(&url)
                    .header("Authorization", &self.token)
                    .json(body)
            })
            .await?;
        if envelope.error {
            return Err(ConnectorError::Rejected {
                marketplace: "wb",
                endpoint: PATCH.into(),
                status: 200,
                message: envelope.error_text,
            });
        }
        Ok(())
    }

    /// Rejects a question (`state: "none"`): WB hides it from buyers and it no longer
    /// waits for an answer. `text` is sent as the published body requires.
    pub async fn reject(&self, id: &str, text: &str) -> Result<(), ConnectorError> {
        self.patch(&QuestionPatch::reject(id, text)).await
    }

    /// Marks a question viewed (`{id, wasViewed: true}`).
    pub async fn mark_viewed(&self, id: &str) -> Result<(), ConnectorError> {
        self.patch(&QuestionPatch::viewed(id)).await
    }

    /// Reads one question (`GET /api/v1/question?id=`); `None` when WB does not know the
    /// id.
    pub async fn question(&self, id: &str) -> Result<Option<Question>, ConnectorError> {
        match self.read_one(id).await? {
            Some(raw) => serde_json::from_value(raw)
                .map(Some)
                .map_err(|e| self.malformed(ONE, e.to_string())),
            None => Ok(None),
        }
    }

    /// The question as received, or `None` when WB does not know the id.
    async fn read_one(&self, id: &str) -> Result<Option<serde_json::Value>, ConnectorError> {
        let url = format!("{}/api/v1/question", self.base_url);
        let result: Result<(Envelope<serde_json::Value>, u32), ConnectorError> = self
            .http
            .send_json(ONE, |c| {
                c.get(&url)
                    .header("Authorization", &self.token)
                    .query(&[("id", id)])
            })
            .await;
        match result {
            Ok((envelope, _)) if envelope.error => Err(ConnectorError::Rejected {
                marketplace: "wb",
                endpoint: ONE.into(),
                status: 200,
                message: envelope.error_text,
            }),
            Ok((envelope, _)) => Ok(envelope.data.filter(|d| !d.is_null())),
            // WB answers an unknown id with 422 "Невозможно получить вопрос по id".
            Err(ConnectorError::Rejected { status: 422, .. }) => Ok(None),
            Err(err) => Err(err),
        }
    }
}

#[async_trait]
impl Connector for WbQuestions {
    crate::connectors::connector_identity!("wb_questions", Wb, Question);

    async fn pull(&self, cursor: Option<&str>) -> Result<Pull, ConnectorError> {
        let mut cur: Cursor = read_cursor("wb", LIST, cursor)?;
        let url = format!("{}/api/v1/questions", self.base_url);
        let page = ListPage {
            answered: cur.answered,
            take: self.page_size,
            skip: cur.skip,
            date_from: cur.from,
        };
        let (envelope, requests): (Envelope<QuestionList>, u32) =
            read_list_page(&self.http, &self.token, LIST, &url, &page).await?;
        if envelope.error {
            return Err(self.malformed(LIST, envelope.error_text));
        }
        let list = envelope.data.unwrap_or_default();
        let page_len = list.questions.len() as u32;
        let mut pull = Pull {
            requests,
            ..Pull::default()
        };
        for raw in list.questions {
            match parse_question(raw) {
                Ok(item) => {
                    cur.sweep_max = cur.sweep_max.max(item.created_at.timestamp());
                    pull.items.push(item);
                }
                Err(skipped) => pull.skipped.push(skipped),
            }
        }
        pull.more = cur.advance(page_len, self.page_size, MAX_WINDOW);
        pull.cursor =
            serde_json::to_string(&cur).map_err(|e| self.malformed(LIST, e.to_string()))?;
        Ok(pull)
    }

    /// Answers, or edits the answer once (`state: "wbRu"`). Setting the same text again is
    /// idempotent, so retries of this call are safe.
    async fn send_answer(&self, target: &ReplyTarget, text: &str) -> Result<(), ConnectorError> {
        self.patch(&QuestionPatch::answer(&target.external_id, text))
            .await
    }

    async fn current_answer(&self, target: &ReplyTarget) -> Result<Option<String>, ConnectorError> {
        let question = self.question(&target.external_id).await?;
        Ok(question.and_then(|q| {
            if q.state.as_deref() == Some(wire::QUESTION_REJECTED) {
                return None;
            }
            q.answer.map(|a| a.text).filter(|t| !t.trim().is_empty())
        }))
    }

    /// The whole unanswered list, read from the start (continued past WB's 10 000 window
    /// by moving `dateFrom` up, as `pull` does).
    /// Answered plus unanswered, from `GET /api/v1/questions/count`.
    async fn total(&self) -> Result<Option<(u64, u32)>, ConnectorError> {
        let url = format!("{}/api/v1/questions/count", self.base_url);
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
            total += envelope
                .data
                .as_ref()
                .and_then(super::feedbacks::lenient_count)
                .unwrap_or(0);
        }
        Ok(Some((total, requests)))
    }

    async fn open_ids(&self) -> Result<Option<Vec<String>>, ConnectorError> {
        let url = format!("{}/api/v1/questions", self.base_url);
        let mut ids = Vec::new();
        let mut cur = Cursor::default();
        loop {
            let page = ListPage {
                answered: false,
                take: self.page_size,
                skip: cur.skip,
                date_from: cur.from,
            };
            let (envelope, _): (Envelope<QuestionList>, u32) =
                read_list_page(&self.http, &self.token, LIST, &url, &page).await?;
            if envelope.error {
                return Err(self.malformed(LIST, envelope.error_text));
            }
            let page = envelope.data.unwrap_or_default().questions;
            let len = page.len() as u32;
            for raw in page {
                let Ok(question) = serde_json::from_value::<Question>(raw) else {
                    continue;
                };
                if let Ok(t) = DateTime::parse_from_rfc3339(&question.created_date) {
                    cur.sweep_max = cur.sweep_max.max(t.timestamp());
                }
                ids.push(question.id);
            }
            // `advance` moves on to the answered list once this one is read to the end.
            cur.advance(len, self.page_size, MAX_WINDOW);
            if cur.answered {
                break;
            }
        }
        ids.sort();
        ids.dedup();
        Ok(Some(ids))
    }

    async fn fetch_item(
        &self,
        external_id: &str,
    ) -> Result<Option<NewInteraction>, ConnectorError> {
        let Some(raw) = self.read_one(external_id).await? else {
            return Ok(None);
        };
        parse_question(raw)
            .map(Some)
            .map_err(|skipped| self.malformed(ONE, skipped.reason))
    }
}

/// One question from the wire into the domain; an unusable item says why.
///
/// A question the seller rejected (`state: "none"`) is hidden from buyers and no longer
/// waits for an answer, but nobody answered it either: it maps to *archived* with no
/// answer (whatever text the rejection carried is not shown as an answer).
pub fn parse_question(raw: serde_json::Value) -> Result<NewInteraction, Skipped> {
    let external_id = raw.get("id").and_then(|v| match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    });
    let skip = |reason: String| Skipped {
        external_id: external_id.clone(),
        reason,
    };
    let question: Question =
        lenient::from_raw(&raw).map_err(|e| skip(format!("unreadable: {e}")))?;
    if question.id.trim().is_empty() {
        return Err(skip("empty id".into()));
    }
    let created_at = DateTime::parse_from_rfc3339(&question.created_date)
        .map_err(|e| skip(format!("createdDate '{}': {e}", question.created_date)))?
        .with_timezone(&Utc);
    let rejected = question.state.as_deref() == Some(wire::QUESTION_REJECTED);
    let product = question.product_details.as_ref().and_then(|d| {
        d.nm_id.map(|nm| ProductRef {
            external_id: nm.to_string(),
            name: d.product_name.clone(),
            brand: d.brand_name.clone(),
        })
    });
    let answer = question
        .answer
        .as_ref()
        .filter(|a| !rejected && !a.text.trim().is_empty())
        .map(|a| Answer {
            text: a.text.clone(),
            // WB publishes question answers directly (`wbRu`); there is no moderation
            // state on them.
            moderation: ModerationState::Published,
            editable: a.editable,
        });
    Ok(NewInteraction {
        channel: Channel::Question,
        external_id: question.id,
        product,
        customer_name: None,
        customer_external_id: None,
        text: question.text.unwrap_or_default(),
        pros: None,
        cons: None,
        photos: 0,
        rating: None,
        created_at,
        answer,
        archived: rejected,
        messages: Vec::new(),
        reply_handle: None,
        raw,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::AnswerState;
    use serde_json::json;

    #[test]
    fn parses_a_new_question() {
        let raw = json!({
            "id": "qA7mK2pL9xR4tV1bN8cZ",
            "text": "Подойдёт ли чехол на диван шириной 210 см?",
            "createdDate": "2026-03-02T08:15:41.204518337Z",
            "state": "suppliersPortalSynch",
            "answer": null,
            "productDetails": {
                "imtId": 70112233, "nmId": "58201144", "productName": "Чехол на диван",
                "supplierArticle": "CH-210", "supplierName": "ИП Соколова", "brandName": "Домоткань"
            },
            "wasViewed": "false",
            "isWarned": false,
            "addedLater": [1, 2]
        });
        let item = parse_question(raw).unwrap();
        assert_eq!(item.channel, Channel::Question);
        assert_eq!(item.external_id, "qA7mK2pL9xR4tV1bN8cZ");
        assert_eq!(item.answer_state(), AnswerState::Open);
        let product = item.product.unwrap();
        assert_eq!(product.external_id, "58201144");
        assert_eq!(product.brand.as_deref(), Some("Домоткань"));
        assert_eq!(
            item.created_at.to_rfc3339(),
            "2026-03-02T08:15:41.204518337+00:00"
        );
    }

    #[test]
    fn answered_and_rejected_questions() {
        let answered = json!({
            "id": "q1", "text": "Есть ли размер 52?", "createdDate": "2026-03-01T10:00:00Z",
            "state": "wbRu",
            "answer": {"text": "Да, есть.", "editable": true, "createDate": "2026-03-01T11:00:00Z"}
        });
        let item = parse_question(answered).unwrap();
        assert_eq!(item.answer_state(), AnswerState::Answered);
        let answer = item.answer.unwrap();
        assert_eq!(answer.text, "Да, есть.");
        assert!(answer.editable);
        assert_eq!(answer.moderation, ModerationState::Published);

        let rejected = json!({
            "id": "q2", "text": "Спам", "createdDate": "2026-03-01T10:00:00+03:00",
            "state": "none", "answer": {"text": "отклонён"}
        });
        let item = parse_question(rejected).unwrap();
        assert!(item.answer.is_none());
        assert_eq!(item.answer_state(), AnswerState::Archived);
    }

    #[test]
    fn malformed_questions_are_skipped_with_a_reason() {
        let err = parse_question(json!({"id": "q3", "createdDate": "позавчера"})).unwrap_err();
        assert_eq!(err.external_id.as_deref(), Some("q3"));
        assert!(err.reason.contains("createdDate"), "{}", err.reason);
        let err = parse_question(json!({"id": 1234, "text": "без даты"})).unwrap_err();
        assert_eq!(err.external_id.as_deref(), Some("1234"));
        assert!(parse_question(json!({"id": "", "createdDate": "2026-03-01T10:00:00Z"})).is_err());
        assert!(parse_question(json!("строка")).is_err());
        let err =
            parse_question(json!({"id": "q4", "createdDate": "2026-03-01T10:00:00Z", "answer": 5}))
                .unwrap_err();
        assert!(err.reason.contains("unreadable"), "{}", err.reason);
    }

    #[test]
    fn the_cursor_reads_unanswered_whole_then_answered_from_its_watermark() {
        let mut cur = Cursor::default();
        // Two full pages of unanswered, then a short one.
        assert!(cur.advance(10, 10, MAX_WINDOW));
        assert_eq!(cur.skip, 10);
        cur.sweep_max = 500;
        assert!(cur.advance(10, 10, MAX_WINDOW));
        assert!(cur.advance(3, 10, MAX_WINDOW), "the answered list is next");
        assert!(cur.answered);
        assert_eq!((cur.skip, cur.from), (0, 0), "no watermark yet");
        cur.sweep_max = 900;
        assert!(!cur.advance(4, 10, MAX_WINDOW), "the pass is over");
        assert!(!cur.answered);
        assert_eq!(cur.answered_since, 900);
        assert_eq!(cur.from, 0, "unanswered is read whole again");
        assert!(cur.advance(0, 10, MAX_WINDOW));
        assert_eq!(cur.from, 900, "answered resumes from its watermark");
    }

    #[test]
    fn the_cursor_never_asks_for_more_than_the_window() {
        let mut cur = Cursor::default();
        let (take, window) = (4, 10);
        cur.sweep_max = 100;
        assert!(cur.advance(4, take, window));
        assert_eq!(cur.skip, 4, "4 + 4 <= 10");
        cur.sweep_max = 120;
        assert!(cur.advance(4, take, window));
        // skip 8 + take 4 would be 12 > 10: continue from the newest time read.
        assert_eq!((cur.skip, cur.from), (0, 120));
        assert!(cur.skip + take <= window);
        // A window entirely within one second steps past it instead of looping.
        assert!(cur.advance(4, take, window));
        assert!(cur.advance(4, take, window));
        assert_eq!((cur.skip, cur.from), (0, 121));
    }
}
