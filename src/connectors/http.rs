//! The HTTP layer every connector shares: rate limiting before each request, a timeout on
//! each, waiting out 429s as the marketplace asks, and backoff with jitter on 5xx, network
//! errors, timeouts and unreadable bodies.
//!
//! A 429 is the marketplace saying "not now", not a failure: it is waited out for as long
//! as it says (`X-Ratelimit-Retry` on WB, `Retry-After` where sent; Ozon sends neither, so
//! a second) and spends none of the request's attempts. What bounds it is time: one
//! request waits out 429s for at most [`RetryPolicy::max_rate_limit_wait`] in total.
//! Other transient failures spend attempts, with exponential backoff and jitter from
//! `backon` between them.

use std::future::Future;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBuilder};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use rand::Rng;
use reqwest::{RequestBuilder, Response, StatusCode};

use super::ConnectorError;
/// A rate limiter shared by every connector that draws on the same published limit.
pub type SharedLimiter = Arc<DefaultDirectRateLimiter>;

/// A limiter that sends one request per `period` with at most `burst` at once.
///
/// It starts empty: the marketplace's own bucket may still remember requests of a
/// process that ran a moment ago (a restart, a crash), so a new process earns its burst at
/// the steady rate instead of spending one it may not have.
pub fn limiter(period: Duration, burst: u32) -> SharedLimiter {
    let burst = NonZeroU32::new(burst.max(1)).unwrap_or(NonZeroU32::MIN);
    let quota = Quota::with_period(period)
        .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
        .allow_burst(burst);
    let limiter = RateLimiter::direct(quota);
    for _ in 0..burst.get() {
        let _ = limiter.check();
    }
    Arc::new(limiter)
}

/// The process-wide limiter for one published limit of one seller (`group` names the
/// limit, `key` the seller: a token or Client-Id and the host). Every connector built for
/// that seller in this process shares it, however often connectors are built.
pub fn shared_limiter(group: &str, key: &str, period: Duration, burst: u32) -> SharedLimiter {
    use std::collections::HashMap;
    use std::hash::{Hash, Hasher};
    use std::sync::{Mutex, OnceLock, Weak};
    type Registry = Mutex<HashMap<(String, u64), Weak<DefaultDirectRateLimiter>>>;
    static LIMITERS: OnceLock<Registry> = OnceLock::new();
    // Keys may be secrets: keep only a hash of them, even in memory.
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    key.hash(&mut hasher);
    let id = (group.to_string(), hasher.finish());
    let mut map = LIMITERS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    if let Some(existing) = map.get(&id).and_then(Weak::upgrade) {
        return existing;
    }
    map.retain(|_, weak| weak.strong_count() > 0);
    let fresh = limiter(period, burst);
    map.insert(id, Arc::downgrade(&fresh));
    fresh
}

/// Retry behaviour for one client.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Attempts per request for failures other than 429 (5xx, network, timeouts,
    /// unreadable bodies); 1 tries once.
    pub max_attempts: u32,
    /// First backoff step; each next one doubles, with jitter, up to `max_backoff`.
    pub base_backoff: Duration,
    pub max_backoff: Duration,
    /// Total time one request may spend waiting out 429s, summed over all of them,
    /// before the 429 goes to the caller. A 429 spends no attempt; this budget is what
    /// bounds it.
    pub max_rate_limit_wait: Duration,
    /// How long each request may take before it counts as a network failure.
    pub timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            base_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
            max_rate_limit_wait: Duration::from_secs(90),
            timeout: REQUEST_TIMEOUT,
        }
    }
}

/// Default time each request may take before it counts as a network failure.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);

/// The wait after a 429 that names none (Ozon's): its limit is per second.
pub const DEFAULT_RATE_LIMIT_WAIT: Duration = Duration::from_secs(1);

/// What the HTTP layer did for one piece of work (a sync pass): every request it sent,
/// failed ones included, and what it waited out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Meter {
    pub requests: u32,
    /// 429s met (each waited out, except one that ran out of budget).
    pub rate_limited: u32,
    /// Time spent waiting out 429s.
    pub rate_limit_wait: Duration,
    /// Requests that ran past the timeout.
    pub timeouts: u32,
    /// Attempts repeated after a failure other than a 429.
    pub retries: u32,
}

tokio::task_local! {
    static METER: Arc<Mutex<Meter>>;
}

/// Counts what the HTTP layer does inside [`scope`](Self::scope), whichever connector
/// and client do it: the sync engine's view of a pass, failed requests included.
#[derive(Debug, Clone, Default)]
pub struct PassMeter(Arc<Mutex<Meter>>);

impl PassMeter {
    /// Runs `work` with every request it makes (on this task) counted here.
    pub async fn scope<F: Future>(&self, work: F) -> F::Output {
        METER.scope(self.0.clone(), work).await
    }

    pub fn snapshot(&self) -> Meter {
        *self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Adds to the meter of the work under way, if any is being metered.
fn record(update: impl FnOnce(&mut Meter)) {
    let _ = METER.try_with(|meter| update(&mut meter.lock().unwrap_or_else(|p| p.into_inner())));
}

#[derive(Clone)]
pub struct HttpClient {
    client: reqwest::Client,
    limiter: SharedLimiter,
    marketplace: &'static str,
    retry: RetryPolicy,
}

impl HttpClient {
    pub fn new(marketplace: &'static str, limiter: SharedLimiter, retry: RetryPolicy) -> Self {
        let client = reqwest::Client::builder()
            .timeout(retry.timeout)
            .connect_timeout(retry.timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("agentiq/", env!("CARGO_PKG_VERSION")))
            .build()
            .unwrap_or_default();
        HttpClient {
            client,
            limiter,
            marketplace,
            retry,
        }
    }

    pub fn marketplace(&self) -> &'static str {
        self.marketplace
    }

    /// The same client (same limiter) making one attempt per `send`: for calls that are
    /// not idempotent, where the caller must look before trying again. A 429 is still
    /// waited out: the marketplace refused the request before carrying it out.
    pub fn single_attempt(&self) -> HttpClient {
        let mut once = self.clone();
        once.retry.max_attempts = 1;
        once
    }

    /// The retry behaviour this client was built with.
    pub fn retry_policy(&self) -> RetryPolicy {
        self.retry
    }

    /// Sends the request `build` makes, retrying transient failures. Returns the
    /// successful response and how many requests it took.
    pub async fn send(
        &self,
        endpoint: &str,
        build: impl Fn(&reqwest::Client) -> RequestBuilder,
    ) -> Result<(Response, u32), ConnectorError> {
        self.retrying(endpoint, build, |response| async move { Ok(response) })
            .await
    }

    /// Like [`send`](Self::send), then reads the body as JSON of type `T`; a body that
    /// breaks off or does not parse spends an attempt like any other transient failure.
    pub async fn send_json<T: serde::de::DeserializeOwned>(
        &self,
        endpoint: &str,
        build: impl Fn(&reqwest::Client) -> RequestBuilder,
    ) -> Result<(T, u32), ConnectorError> {
        let marketplace = self.marketplace;
        self.retrying(endpoint, build, |response| {
            read_json::<T>(marketplace, endpoint, response)
        })
        .await
    }

    /// One request after another until `read` accepts a response, a failure is final,
    /// the attempts are spent, or the 429 budget is.
    async fn retrying<T, Read, Fut>(
        &self,
        endpoint: &str,
        build: impl Fn(&reqwest::Client) -> RequestBuilder,
        read: Read,
    ) -> Result<(T, u32), ConnectorError>
    where
        Read: Fn(Response) -> Fut,
        Fut: Future<Output = Result<T, ConnectorError>>,
    {
        let mut backoff = self.backoff_schedule();
        let mut requests = 0;
        let mut rate_limit_waited = Duration::ZERO;
        loop {
            self.limiter.until_ready().await;
            requests += 1;
            record(|m| m.requests += 1);
            let outcome = match build(&self.client).send().await {
                Ok(response) => match self.classify(endpoint, response).await {
                    Ok(response) => read(response).await,
                    Err(err) => Err(err),
                },
                Err(err) => Err(self.network_error(endpoint, &err)),
            };
            let err = match outcome {
                Ok(value) => return Ok((value, requests)),
                Err(err) => err,
            };
            let wait = match &err {
                ConnectorError::RateLimited { retry_after, .. } => {
                    let wait = *retry_after + rate_limit_jitter(*retry_after);
                    record(|m| m.rate_limited += 1);
                    if rate_limit_waited + wait > self.retry.max_rate_limit_wait {
                        return Err(err);
                    }
                    rate_limit_waited += wait;
                    record(|m| m.rate_limit_wait += wait);
                    wait
                }
                transient if transient.is_transient() => match backoff.next() {
                    Some(wait) => {
                        record(|m| m.retries += 1);
                        wait
                    }
                    None => return Err(err),
                },
                _ => return Err(err),
            };
            tracing::warn!(endpoint, requests, ?wait, error = %err, "retrying");
            tokio::time::sleep(wait).await;
        }
    }

    /// The waits between attempts: exponential from `base_backoff`, capped, with jitter,
    /// one fewer than the attempts.
    fn backoff_schedule(&self) -> impl Iterator<Item = Duration> {
        ExponentialBuilder::new()
            .with_min_delay(self.retry.base_backoff)
            .with_max_delay(self.retry.max_backoff)
            .with_factor(2.0)
            .with_max_times(self.retry.max_attempts.saturating_sub(1) as usize)
            .with_jitter()
            .build()
    }

    async fn classify(
        &self,
        endpoint: &str,
        response: Response,
    ) -> Result<Response, ConnectorError> {
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let marketplace = self.marketplace;
        let endpoint = endpoint.to_string();
        match status {
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => Err(ConnectorError::Unauthorized {
                marketplace,
                endpoint,
                status: status.as_u16(),
            }),
            StatusCode::TOO_MANY_REQUESTS => Err(ConnectorError::RateLimited {
                marketplace,
                endpoint,
                retry_after: retry_after(response.headers()),
            }),
            s if s.is_server_error() => Err(ConnectorError::Server {
                marketplace,
                endpoint,
                status: s.as_u16(),
            }),
            s => {
                let body = response.text().await.unwrap_or_default();
                Err(ConnectorError::Rejected {
                    marketplace,
                    endpoint,
                    status: s.as_u16(),
                    message: error_message(&body),
                })
            }
        }
    }

    fn network_error(&self, endpoint: &str, err: &reqwest::Error) -> ConnectorError {
        let kind = if err.is_timeout() {
            record(|m| m.timeouts += 1);
            "timed out"
        } else if err.is_connect() {
            "could not connect"
        } else if err.is_body() || err.is_decode() {
            "connection dropped"
        } else {
            "request failed"
        };
        ConnectorError::Network {
            marketplace: self.marketplace,
            endpoint: endpoint.to_string(),
            message: kind.to_string(),
        }
    }
}

/// The wait a 429 asks for: WB's `X-Ratelimit-Retry` (seconds), else `Retry-After`
/// (seconds or an HTTP date), else [`DEFAULT_RATE_LIMIT_WAIT`].
fn retry_after(headers: &reqwest::header::HeaderMap) -> Duration {
    let header = |name: &str| headers.get(name)?.to_str().ok().map(str::trim);
    let seconds = |text: &str| {
        text.parse::<f64>()
            .ok()
            .filter(|secs| secs.is_finite() && *secs >= 0.0)
            .map(Duration::from_secs_f64)
    };
    let date = |text: &str| {
        let at = chrono::DateTime::parse_from_rfc2822(text).ok()?;
        (at.with_timezone(&chrono::Utc) - chrono::Utc::now())
            .to_std()
            .ok()
    };
    header("x-ratelimit-retry")
        .and_then(seconds)
        .or_else(|| header("retry-after").and_then(|v| seconds(v).or_else(|| date(v))))
        .unwrap_or(DEFAULT_RATE_LIMIT_WAIT)
}

/// A little on top of a 429's wait, so clients told the same wait do not all come back
/// in the same instant.
fn rate_limit_jitter(wait: Duration) -> Duration {
    let most = (wait / 10).min(Duration::from_millis(250)).as_millis() as u64;
    Duration::from_millis(rand::rng().random_range(0..=most))
}

/// A short, human message from an error body in any of the marketplaces' shapes.
pub fn error_message(body: &str) -> String {
    let parsed: Option<serde_json::Value> = serde_json::from_str(body).ok();
    let from_json = parsed.as_ref().and_then(|v| {
        ["errorText", "detail", "message", "title"]
            .iter()
            .find_map(|k| v.get(*k)?.as_str().filter(|s| !s.is_empty()))
            .map(str::to_string)
    });
    let text = from_json.unwrap_or_else(|| body.trim().to_string());
    text.chars().take(300).collect()
}

/// Reads a successful response body as JSON of type `T`.
pub async fn read_json<T: serde::de::DeserializeOwned>(
    marketplace: &'static str,
    endpoint: &str,
    response: Response,
) -> Result<T, ConnectorError> {
    let bytes = response
        .bytes()
        .await
        .map_err(|e| ConnectorError::Network {
            marketplace,
            endpoint: endpoint.to_string(),
            message: if e.is_timeout() {
                record(|m| m.timeouts += 1);
                "reading body: timed out".to_string()
            } else {
                "reading body: failed".to_string()
            },
        })?;
    serde_json::from_slice(&bytes).map_err(|e| ConnectorError::Malformed {
        marketplace,
        endpoint: endpoint.to_string(),
        message: e.to_string(),
    })
}

#[cfg(test)]
mod tests;
