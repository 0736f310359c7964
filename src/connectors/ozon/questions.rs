//! Ozon questions: `POST /v1/question/list`, `/v1/question/answer/list`,
//! `/v1/question/answer/create`, and `/v1/question/info` when a question's SKU is not
//! known.
//!
//! The list gives a question's status (`NEW`, `VIEWED`, `PROCESSED`) and answer count;
//! the answer text is read from the answer list for processed questions, once per
//! process.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::wire::{
    AnswerCreateRequest, AnswerListRequest, AnswerListResponse, Question, QuestionAnswer,
    QuestionFilter, QuestionInfoRequest, QuestionListRequest, QuestionListResponse,
};
use super::{
    format_time, is_ambiguous, parse_time, raw_id, read_cursor, same_text, write_cursor,
    AnswerCache, OzonApi,
};
use crate::connectors::lenient;
use crate::connectors::{Connector, ConnectorError, Pull, ReplyTarget, Skipped};
use crate::domain::{Answer, Channel, ModerationState, NewInteraction, ProductRef};

const LIST: &str = "POST /v1/question/list";
const INFO: &str = "POST /v1/question/info";
const ANSWERS: &str = "POST /v1/question/answer/list";
const ANSWER: &str = "POST /v1/question/answer/create";
const COUNT: &str = "POST /v1/question/count";

/// An open question older than this no longer holds every pass back to re-read it.
pub const RECHECK_DAYS: i64 = 7;
/// Each sweep starts this much before its anchor, so a question published a little out
/// of order is not missed.
pub const OVERLAP_MINUTES: i64 = 5;
/// Pages of answers read for one question.
const MAX_ANSWER_PAGES: u32 = 3;

/// Where the questions sync stands.
///
/// `/v1/question/list` pages by `last_id` with no published order or page size, and
/// filters by `date_from`. A sweep reads `status=ALL` from `since` page by page until a
/// page comes back empty. The next sweep's `since` is the publication time of the oldest
/// question that was still open (within [`RECHECK_DAYS`]), else of the newest question
/// seen, less [`OVERLAP_MINUTES`]: new questions are picked up, and open ones are re-read
/// so an answer given elsewhere shows up. Re-reading is harmless: upserts are idempotent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuestionCursor {
    /// `last_id` for the next page of the sweep under way; empty for its first page.
    #[serde(default)]
    pub last_id: String,
    /// `date_from` of the sweep under way; `None` reads everything.
    #[serde(default)]
    pub since: Option<DateTime<Utc>>,
    /// Oldest open question met in this sweep.
    #[serde(default)]
    pub oldest_open: Option<DateTime<Utc>>,
    /// Newest question met in this sweep.
    #[serde(default)]
    pub newest: Option<DateTime<Utc>>,
}

impl QuestionCursor {
    /// Notes a question of the sweep: the newest dated one, and the oldest open one still
    /// worth re-reading.
    fn note(&mut self, parsed: &ParsedQuestion, recheck_from: DateTime<Utc>) {
        let at = parsed.item.created_at;
        if parsed.dated {
            self.newest = Some(self.newest.map_or(at, |n| n.max(at)));
        }
        if parsed.dated && !parsed.processed && at >= recheck_from {
            self.oldest_open = Some(self.oldest_open.map_or(at, |o| o.min(at)));
        }
    }

    /// Moves on after a page of `page_len` questions whose next page starts at `next`.
    /// Returns whether there is more to read in this sweep; when there is not, the next
    /// sweep starts at the oldest open question, else the newest.
    fn advance(&mut self, page_len: usize, next: String) -> bool {
        let more = page_len > 0 && !next.is_empty() && next != self.last_id;
        if more {
            self.last_id = next;
        } else {
            let anchor = self.oldest_open.take().or(self.newest.take());
            if let Some(anchor) = anchor {
                self.since = Some(anchor - chrono::Duration::minutes(OVERLAP_MINUTES));
            }
            self.newest = None;
            self.last_id.clear();
        }
        more
    }
}

pub struct OzonQuestions {
    api: OzonApi,
    /// Newest answer per question id, with the answer count it was read at.
    answers: AnswerCache,
}

/// A question read from the list, before its answer is looked up.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedQuestion {
    pub item: NewInteraction,
    /// `status == PROCESSED`.
    pub processed: bool,
    pub answers_count: i64,
    pub sku: Option<i64>,
    /// The question carried its own `published_at`; without it the time is derived or
    /// the time it was read, which must not move the sync's date watermark.
    pub dated: bool,
}

impl OzonQuestions {
    pub fn new(api: OzonApi) -> Self {
        OzonQuestions {
            api,
            answers: AnswerCache::default(),
        }
    }

    /// The SKU to answer with: the product the question came with, else asked of Ozon.
    async fn sku_of(&self, target: &ReplyTarget) -> Result<i64, ConnectorError> {
        if let Some(sku) = target
            .product_external_id
            .as_deref()
            .and_then(|s| s.trim().parse::<i64>().ok())
        {
            return Ok(sku);
        }
        let request = QuestionInfoRequest {
            question_id: Some(target.external_id.clone()),
        };
        let (info, _): (Question, u32) = self.api.call(INFO, &request).await?;
        info.sku
            .ok_or_else(|| OzonApi::malformed(INFO, "the question has no sku"))
    }

    /// The newest answer to a question, and the requests it took. Paging stops early
    /// once `expected` answers (the list's `answers_count`) are in.
    async fn newest_answer(
        &self,
        question_id: &str,
        sku: i64,
        expected: Option<i64>,
    ) -> Result<(Option<String>, u32), ConnectorError> {
        let mut answers: Vec<QuestionAnswer> = Vec::new();
        let mut last_id: Option<String> = None;
        let mut requests = 0;
        for _ in 0..MAX_ANSWER_PAGES {
            let request = AnswerListRequest {
                question_id: Some(question_id.to_string()),
                sku: Some(sku),
                last_id: last_id.clone(),
            };
            let (page, n): (AnswerListResponse, u32) = self.api.call(ANSWERS, &request).await?;
            requests += n;
            let empty = page.answers.is_empty();
            answers.extend(page.answers);
            if expected.is_some_and(|n| answers.len() as i64 >= n) {
                break;
            }
            match page.last_id {
                Some(next) if !empty && Some(&next) != last_id.as_ref() => last_id = Some(next),
                _ => break,
            }
        }
        Ok((newest_answer(&answers), requests))
    }

    /// The page the cursor points at, with the requests it took; when the question the
    /// cursor points at is gone, the sweep restarts.
    async fn page(
        &self,
        cur: &mut QuestionCursor,
    ) -> Result<(QuestionListResponse, u32), ConnectorError> {
        let request = |cur: &QuestionCursor| QuestionListRequest {
            filter: Some(QuestionFilter {
                date_from: cur.since.map(format_time),
                date_to: None,
                status: Some("ALL".into()),
            }),
            last_id: Some(cur.last_id.clone()).filter(|s| !s.is_empty()),
        };
        match self.api.call(LIST, &request(cur)).await {
            Ok(page) => Ok(page),
            Err(ConnectorError::Rejected { status: 400, .. }) if !cur.last_id.is_empty() => {
                tracing::warn!("ozon questions: stored last_id refused; restarting the sweep");
                cur.last_id.clear();
                let (list, n) = self.api.call(LIST, &request(cur)).await?;
                Ok((list, n + 1))
            }
            Err(err) => Err(err),
        }
    }

    async fn cached_answer(
        &self,
        question_id: &str,
        sku: i64,
        count: i64,
    ) -> Result<(Option<String>, u32), ConnectorError> {
        if let Some(text) = self.answers.get(question_id, count) {
            return Ok((text, 0));
        }
        let (text, requests) = self.newest_answer(question_id, sku, Some(count)).await?;
        self.answers.put(question_id, count, text.clone());
        Ok((text, requests))
    }
}

#[async_trait]
impl Connector for OzonQuestions {
    crate::connectors::connector_identity!("ozon_questions", Ozon, Question);

    async fn pull(&self, cursor: Option<&str>) -> Result<Pull, ConnectorError> {
        let mut cur: QuestionCursor = read_cursor(LIST, cursor)?;
        let (list, mut requests) = self.page(&mut cur).await?;
        let mut pull = Pull::default();
        let recheck_from = Utc::now() - chrono::Duration::days(RECHECK_DAYS);
        let page_len = list.questions.len();
        let mut last_on_page: Option<String> = None;
        for raw in list.questions {
            let id = raw_id(&raw, "id");
            match parse_question(raw) {
                Ok(parsed) => {
                    cur.note(&parsed, recheck_from);
                    let mut item = parsed.item;
                    if let (true, true, Some(sku)) =
                        (parsed.processed, parsed.answers_count > 0, parsed.sku)
                    {
                        match self
                            .cached_answer(&item.external_id, sku, parsed.answers_count)
                            .await
                        {
                            Ok((text, n)) => {
                                requests += n;
                                if let Some(text) = text {
                                    set_answer(&mut item, text);
                                }
                            }
                            // Keep the questions before it; the next page starts at it.
                            Err(err) => match last_on_page {
                                Some(before) if before != cur.last_id => {
                                    tracing::warn!(error = %err, "ozon questions: an answer lookup failed; keeping the page up to it");
                                    cur.last_id = before;
                                    pull.more = true;
                                    pull.requests = requests;
                                    pull.cursor = write_cursor(LIST, &cur)?;
                                    return Ok(pull);
                                }
                                _ => return Err(err),
                            },
                        }
                    }
                    pull.items.push(item);
                }
                Err(skipped) => pull.skipped.push(skipped),
            }
            if id.is_some() {
                last_on_page = id;
            }
        }
        let next = list.last_id.or(last_on_page).unwrap_or_default();
        pull.more = cur.advance(page_len, next);
        pull.requests = requests;
        pull.cursor = write_cursor(LIST, &cur)?;
        Ok(pull)
    }

    async fn send_answer(&self, target: &ReplyTarget, text: &str) -> Result<(), ConnectorError> {
        let sku = self.sku_of(target).await?;
        let body = AnswerCreateRequest {
            question_id: Some(target.external_id.clone()),
            sku: Some(sku),
            text: Some(text.to_string()),
        };
        match self.api.write(ANSWER, &body).await {
            Ok(_) => Ok(()),
            Err(err) if is_ambiguous(&err) => {
                match self.newest_answer(&target.external_id, sku, None).await {
                    Ok((Some(current), _)) if same_text(&current, text) => Ok(()),
                    _ => Err(err),
                }
            }
            Err(err) => Err(err),
        }
    }

    /// `all` of `/v1/question/count`.
    async fn total(&self) -> Result<Option<(u64, u32)>, ConnectorError> {
        let (counts, requests): (serde_json::Value, u32) =
            self.api.call(COUNT, &serde_json::json!({})).await?;
        Ok(counts
            .get("all")
            .and_then(crate::connectors::wb::lenient_count)
            .map(|n| (n, requests)))
    }

    async fn current_answer(&self, target: &ReplyTarget) -> Result<Option<String>, ConnectorError> {
        let sku = self.sku_of(target).await?;
        let (text, _) = self.newest_answer(&target.external_id, sku, None).await?;
        Ok(text)
    }
}

/// The newest answer by `published_at` (list order breaks ties: the later one wins).
pub fn newest_answer(answers: &[QuestionAnswer]) -> Option<String> {
    answers
        .iter()
        .enumerate()
        .filter(|(_, a)| !a.text.trim().is_empty())
        .max_by_key(|(i, a)| {
            let at = a
                .published_at
                .as_deref()
                .and_then(|t| parse_time(t).ok())
                .unwrap_or(DateTime::<Utc>::MIN_UTC);
            (at, *i)
        })
        .map(|(_, a)| a.text.clone())
}

fn set_answer(item: &mut NewInteraction, text: String) {
    item.answer = Some(Answer {
        text,
        moderation: ModerationState::Published,
        editable: false,
    });
    item.archived = false;
}

/// When a question without `published_at` was asked: Ozon's question ids are UUIDv7,
/// whose first 48 bits are the creation time in unix milliseconds; any other id gets the
/// time it is read.
fn time_without_published_at(id: &str) -> DateTime<Utc> {
    let hex: String = id.chars().filter(|c| *c != '-').collect();
    let is_v7 = hex.len() == 32 && hex.as_bytes()[12] == b'7';
    is_v7
        .then(|| i64::from_str_radix(&hex[..12], 16).ok())
        .flatten()
        .and_then(DateTime::from_timestamp_millis)
        .filter(|t| *t <= Utc::now())
        .unwrap_or_else(Utc::now)
}

/// One question from the wire into the domain; an unusable item says why. A processed
/// question comes back archived until its answer is attached.
pub fn parse_question(raw: serde_json::Value) -> Result<ParsedQuestion, Skipped> {
    let external_id = raw_id(&raw, "id");
    let skip = |reason: String| Skipped {
        external_id: external_id.clone(),
        reason,
    };
    let question: Question =
        lenient::from_raw(&raw).map_err(|e| skip(format!("unreadable: {e}")))?;
    if question.id.is_empty() {
        return Err(skip("empty id".into()));
    }
    let created_at = match question.published_at.as_deref() {
        Some(text) => parse_time(text).map_err(|e| skip(format!("published_at {e}")))?,
        None => time_without_published_at(&question.id),
    };
    let processed = question
        .status
        .as_deref()
        .is_some_and(|s| s.eq_ignore_ascii_case("PROCESSED"));
    let item = NewInteraction {
        channel: Channel::Question,
        external_id: question.id,
        product: question.sku.map(|sku| ProductRef {
            external_id: sku.to_string(),
            name: None,
            brand: None,
        }),
        customer_name: question.author_name,
        customer_external_id: None,
        text: question.text.unwrap_or_default(),
        pros: None,
        cons: None,
        photos: 0,
        rating: None,
        created_at,
        answer: None,
        archived: processed,
        messages: Vec::new(),
        reply_handle: None,
        raw,
    };
    Ok(ParsedQuestion {
        item,
        processed,
        answers_count: question.answers_count,
        sku: question.sku,
        dated: question.published_at.is_some(),
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
            "id": "0193a1b2-0c4d-7e5f-8a9b-0c1d2e3f4a5b",
            "sku": 730155902,
            "text": "Подойдёт ли чехол к версии Pro?",
            "published_at": "2026-01-20T17:45:10.004Z",
            "status": "NEW",
            "answers_count": "0",
            "author_name": "Ирина",
            "product_url": "https://ozon.example.invalid/product/730155902/",
            "question_link": "https://ozon.example.invalid/product/730155902/questions/?qid=1"
        });
        let parsed = parse_question(raw).unwrap();
        assert!(!parsed.processed);
        assert_eq!(parsed.sku, Some(730155902));
        let item = parsed.item;
        assert_eq!(item.channel, Channel::Question);
        assert_eq!(item.customer_name.as_deref(), Some("Ирина"));
        assert_eq!(item.product.as_ref().unwrap().external_id, "730155902");
        assert_eq!(item.answer_state(), AnswerState::Open);
    }

    #[test]
    fn viewed_is_still_open_and_processed_needs_its_answer() {
        let viewed = parse_question(json!({
            "id": "q1", "sku": "1", "published_at": "2026-01-20T17:45:10Z", "status": "VIEWED"
        }))
        .unwrap();
        assert_eq!(viewed.item.answer_state(), AnswerState::Open);
        let processed = parse_question(json!({
            "id": "q2", "sku": 1, "published_at": "2026-01-20T17:45:10Z",
            "status": "PROCESSED", "answers_count": 1
        }))
        .unwrap();
        assert!(processed.processed);
        let mut item = processed.item;
        set_answer(&mut item, "Да, подойдёт".into());
        assert_eq!(item.answer_state(), AnswerState::Answered);
    }

    #[test]
    fn a_question_without_published_at_is_still_imported() {
        let before = Utc::now();
        for raw in [
            json!({"id": "q3", "sku": 1, "text": "Есть в синем?", "published_at": null}),
            json!({"id": "q3", "sku": 1, "text": "Есть в синем?"}),
        ] {
            let parsed = parse_question(raw).unwrap();
            assert_eq!(parsed.item.text, "Есть в синем?");
            assert!(
                parsed.item.created_at >= before,
                "read now: no time of its own"
            );
        }
        // A UUIDv7 id carries its creation time.
        let v7 = parse_question(json!({
            "id": "0193a1b2-0c4d-7e5f-8a9b-0c1d2e3f4a5b", "sku": 1, "published_at": null
        }))
        .unwrap();
        assert_eq!(
            v7.item.created_at.timestamp_millis(),
            i64::from_str_radix("0193a1b20c4d", 16).unwrap()
        );
    }

    #[test]
    fn malformed_questions_are_skipped_with_a_reason() {
        let err = parse_question(json!({"id": "q3", "published_at": "вчера"})).unwrap_err();
        assert_eq!(err.external_id.as_deref(), Some("q3"));
        assert!(err.reason.contains("published_at"), "{}", err.reason);
        let err = parse_question(json!({
            "id": "q4", "published_at": "2026-01-20T17:45:10Z", "sku": "не число"
        }))
        .unwrap_err();
        assert!(err.reason.contains("unreadable"), "{}", err.reason);
        assert!(parse_question(json!(null)).is_err());
    }

    #[test]
    fn newest_answer_by_time() {
        let answers: Vec<QuestionAnswer> = serde_json::from_value(json!([
            {"id": "a1", "text": "Первый", "published_at": "2026-01-21T10:00:00Z"},
            {"id": "a2", "text": "Второй", "published_at": "2026-01-22T10:00:00Z"},
            {"id": "a3", "text": "  ", "published_at": "2026-01-23T10:00:00Z"}
        ]))
        .unwrap();
        assert_eq!(newest_answer(&answers).as_deref(), Some("Второй"));
        assert_eq!(newest_answer(&[]), None);
    }
}
