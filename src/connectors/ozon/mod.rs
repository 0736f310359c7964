//! Ozon Seller API: product reviews, product questions and buyer chats.
//!
//! Host `api-seller.ozon.ru`; every method is `POST` with a JSON body and the headers
//! `Client-Id` and `Api-Key`. One limit of about 50 requests per second covers every
//! method of a `Client-Id`, so the three connectors of an account share one limiter.

mod chats;
mod questions;
mod reviews;
pub mod wire;

pub use chats::{parse_chat, ChatCursor, OzonChats, ParsedChat};
pub use questions::{newest_answer, parse_question, OzonQuestions, ParsedQuestion, QuestionCursor};
pub use reviews::{newest_seller_comment, parse_review, OzonReviews, ParsedReview, ReviewCursor};

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, Utc};
use governor::DefaultDirectRateLimiter;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::connectors::http::{limiter, HttpClient, RetryPolicy, SharedLimiter};
use crate::connectors::ConnectorError;

/// Key of the Ozon host in an account's `base_urls`.
pub const HOST_KEY: &str = "seller";
/// Ozon's production Seller API.
pub const PRODUCTION_URL: &str = "https://api-seller.ozon.ru";

/// Ozon allows about 50 requests/s per `Client-Id` across all methods (one per 20 ms, a
/// burst of about 50). We pace a little under it — one request per 21 ms (about 47.6/s),
/// burst 10, starting empty — so that requests bunched by the network still fit: over any
/// stretch we send at most 10 + t/21 ms, which the marketplace's bucket of 50 + t/20 ms
/// admits unless the network delays some requests by over 800 ms and not others.
pub const PERIOD: Duration = Duration::from_millis(21);
pub const BURST: u32 = 10;

const MARKETPLACE: &str = "ozon";

/// The limiter for one `Client-Id` at one host, shared by every connector in the process
/// that calls it, so two accounts configured with the same `Client-Id` still stay under
/// the one limit.
pub fn shared_limiter(base_url: &str, client_id: &str) -> SharedLimiter {
    type Registry = Mutex<HashMap<(String, String), Weak<DefaultDirectRateLimiter>>>;
    static LIMITERS: OnceLock<Registry> = OnceLock::new();
    let key = (
        base_url.trim_end_matches('/').to_string(),
        client_id.trim().to_string(),
    );
    let mut map = LIMITERS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    if let Some(existing) = map.get(&key).and_then(Weak::upgrade) {
        return existing;
    }
    map.retain(|_, weak| weak.strong_count() > 0);
    let fresh = limiter(PERIOD, BURST);
    map.insert(key, Arc::downgrade(&fresh));
    fresh
}

/// The authenticated HTTP side shared by the three Ozon connectors of one account.
#[derive(Clone)]
pub struct OzonApi {
    /// Reads: transient failures are retried.
    read: HttpClient,
    /// Writes: never retried blindly, a lost response may hide a delivered answer.
    write: HttpClient,
    retry: RetryPolicy,
    base_url: String,
    client_id: String,
    api_key: String,
}

impl OzonApi {
    pub fn new(
        base_url: &str,
        client_id: &str,
        api_key: &str,
        limiter: SharedLimiter,
        retry: RetryPolicy,
    ) -> OzonApi {
        let once = RetryPolicy {
            max_attempts: 1,
            ..retry
        };
        OzonApi {
            read: HttpClient::new(MARKETPLACE, limiter.clone(), retry),
            write: HttpClient::new(MARKETPLACE, limiter, once),
            retry,
            base_url: base_url.trim_end_matches('/').to_string(),
            client_id: client_id.trim().to_string(),
            api_key: api_key.trim().to_string(),
        }
    }

    fn url(&self, endpoint: &str) -> String {
        let path = endpoint.strip_prefix("POST ").unwrap_or(endpoint);
        format!("{}{}", self.base_url, path)
    }

    /// One read call: `endpoint` is `"POST /v…"`. Returns the body and the requests made.
    pub(crate) async fn call<Req, Resp>(
        &self,
        endpoint: &'static str,
        body: &Req,
    ) -> Result<(Resp, u32), ConnectorError>
    where
        Req: Serialize + Sync,
        Resp: DeserializeOwned,
    {
        let url = self.url(endpoint);
        self.read
            .send_json(endpoint, |c| {
                c.post(&url)
                    .header("Client-Id", &self.client_id)
                    .header("Api-Key", &self.api_key)
                    .json(body)
            })
            .await
    }

    /// One write call. A 429 means Ozon did not take the request, so it is retried after
    /// the wait; any other failure goes back to the caller, which checks whether the
    /// answer landed before anything is sent again. Any 2xx counts as accepted, whatever
    /// its body.
    pub(crate) async fn write<Req>(
        &self,
        endpoint: &'static str,
        body: &Req,
    ) -> Result<u32, ConnectorError>
    where
        Req: Serialize + Sync,
    {
        let url = self.url(endpoint);
        let mut requests = 0;
        loop {
            let outcome = self
                .write
                .send(endpoint, |c| {
                    c.post(&url)
                        .header("Client-Id", &self.client_id)
                        .header("Api-Key", &self.api_key)
                        .json(body)
                })
                .await;
            requests += 1;
            match outcome {
                Ok(_) => return Ok(requests),
                Err(ConnectorError::RateLimited { retry_after, .. })
                    if requests < self.retry.max_attempts
                        && retry_after <= self.retry.max_rate_limit_wait =>
                {
                    tracing::warn!(endpoint, ?retry_after, "rate limited; waiting");
                    tokio::time::sleep(retry_after).await;
                }
                Err(err) => return Err(err),
            }
        }
    }

    pub(crate) fn malformed(endpoint: &str, message: impl Into<String>) -> ConnectorError {
        ConnectorError::Malformed {
            marketplace: MARKETPLACE,
            endpoint: endpoint.to_string(),
            message: message.into(),
        }
    }
}

/// A write failed in a way that leaves open whether Ozon took it.
pub(crate) fn is_ambiguous(err: &ConnectorError) -> bool {
    matches!(
        err,
        ConnectorError::Server { .. }
            | ConnectorError::Network { .. }
            | ConnectorError::Malformed { .. }
    )
}

/// Marketplaces may trim or normalise whitespace in a stored answer.
pub(crate) fn same_text(a: &str, b: &str) -> bool {
    let norm = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    norm(a) == norm(b)
}

/// An Ozon time: RFC 3339 (`2026-03-14T09:12:44.517Z`), or without an offset, read as UTC.
pub fn parse_time(text: &str) -> Result<DateTime<Utc>, String> {
    let t = text.trim();
    if let Ok(parsed) = DateTime::parse_from_rfc3339(t) {
        return Ok(parsed.with_timezone(&Utc));
    }
    NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S%.f")
        .or_else(|_| NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S%.f"))
        .map(|naive| naive.and_utc())
        .map_err(|e| format!("'{t}': {e}"))
}

/// How Ozon writes times: RFC 3339 in UTC with milliseconds.
pub fn format_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// The `id` of a raw item, string or number, for skip records.
pub(crate) fn raw_id(raw: &serde_json::Value, field: &str) -> Option<String> {
    match raw.get(field)? {
        serde_json::Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The seller's answer to an item (a question's answer, a review's comment) as last read,
/// kept while the item's answer count is unchanged: reading it again on every sweep would
/// cost a request per answered item. Bounded; past the bound it starts over.
#[derive(Default)]
pub(crate) struct AnswerCache(Mutex<HashMap<String, (i64, Option<String>)>>);

impl AnswerCache {
    const LIMIT: usize = 50_000;

    /// The answer read when the item had `count` answers, if that is still the count.
    pub(crate) fn get(&self, id: &str, count: i64) -> Option<Option<String>> {
        let map = self.lock();
        map.get(id)
            .filter(|(seen, _)| *seen == count)
            .map(|(_, text)| text.clone())
    }

    pub(crate) fn put(&self, id: &str, count: i64, text: Option<String>) {
        let mut map = self.lock();
        if map.len() >= Self::LIMIT {
            map.clear();
        }
        map.insert(id.to_string(), (count, text));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (i64, Option<String>)>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Reads a stored cursor; `None` starts from the beginning.
pub(crate) fn read_cursor<C: DeserializeOwned + Default>(
    endpoint: &str,
    cursor: Option<&str>,
) -> Result<C, ConnectorError> {
    crate::connectors::read_cursor(MARKETPLACE, endpoint, cursor)
}

pub(crate) fn write_cursor<C: Serialize>(
    endpoint: &str,
    cursor: &C,
) -> Result<String, ConnectorError> {
    serde_json::to_string(cursor).map_err(|e| OzonApi::malformed(endpoint, e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cached_answer_holds_only_while_the_answer_count_is_unchanged() {
        let cache = AnswerCache::default();
        assert_eq!(cache.get("q1", 1), None);
        cache.put("q1", 1, Some("Здравствуйте!".into()));
        cache.put("q2", 2, None);
        assert_eq!(cache.get("q1", 1), Some(Some("Здравствуйте!".into())));
        assert_eq!(cache.get("q2", 2), Some(None));
        assert_eq!(
            cache.get("q1", 2),
            None,
            "a new answer since: read it again"
        );
    }

    #[test]
    fn times_with_and_without_offset() {
        let a = parse_time("2026-03-14T09:12:44.517Z").unwrap();
        let b = parse_time("2026-03-14T12:12:44.517+03:00").unwrap();
        let c = parse_time("2026-03-14T09:12:44.517").unwrap();
        assert_eq!(a, b);
        assert_eq!(a, c);
        assert!(parse_time("вчера").is_err());
        assert_eq!(format_time(a), "2026-03-14T09:12:44.517Z");
    }

    #[test]
    fn one_limiter_per_client_id_and_host() {
        let a = shared_limiter("http://h/", "42");
        let b = shared_limiter("http://h", "42");
        let c = shared_limiter("http://h", "43");
        assert!(Arc::ptr_eq(&a, &b));
        assert!(!Arc::ptr_eq(&a, &c));
    }

    #[test]
    fn api_urls_drop_the_method() {
        let api = OzonApi::new(
            "http://127.0.0.1:9/",
            "1",
            "k",
            limiter(PERIOD, BURST),
            RetryPolicy::default(),
        );
        assert_eq!(
            api.url("POST /v1/review/list"),
            "http://127.0.0.1:9/v1/review/list"
        );
    }
}
