//! The HTTP layer every connector shares: rate limiting before each request, a timeout on
//! each, waiting out 429s as the marketplace asks, and backoff with jitter on 5xx and
//! network errors.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

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
    pub max_attempts: u32,
    pub base_backoff: Duration,
    pub max_backoff: Duration,
    /// Longest 429 wait we accept before giving the error to the caller.
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
            max_rate_limit_wait: Duration::from_secs(60),
            timeout: REQUEST_TIMEOUT,
        }
    }
}

/// Default time each request may take before it counts as a network failure.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);

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

    /// The same client (same limiter) making exactly one attempt per `send`: for calls
    /// that are not idempotent, where the caller must look before trying again.
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
        let mut requests = 0;
        let mut attempt = 0;
        loop {
            attempt += 1;
            self.limiter.until_ready().await;
            requests += 1;
            let outcome = match build(&self.client).send().await {
                Ok(response) => self.classify(endpoint, response).await,
                Err(err) => Err(self.network_error(endpoint, &err)),
            };
            let err = match outcome {
                Ok(response) => return Ok((response, requests)),
                Err(err) => err,
            };
            if attempt >= self.retry.max_attempts || !err.is_transient() {
                return Err(err);
            }
            let wait = match &err {
                ConnectorError::RateLimited { retry_after, .. } => {
                    if *retry_after > self.retry.max_rate_limit_wait {
                        return Err(err);
                    }
                    *retry_after
                }
                _ => self.backoff(attempt),
            };
            tracing::warn!(endpoint, attempt, ?wait, error = %err, "retrying");
            tokio::time::sleep(wait).await;
        }
    }

    /// Like [`send`](Self::send), then reads the body as JSON of type `T`; a body that
    /// breaks off or does not parse is retried like any other transient failure.
    pub async fn send_json<T: serde::de::DeserializeOwned>(
        &self,
        endpoint: &str,
        build: impl Fn(&reqwest::Client) -> RequestBuilder,
    ) -> Result<(T, u32), ConnectorError> {
        let mut requests = 0;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let (response, n) = self.send(endpoint, &build).await?;
            requests += n;
            match read_json::<T>(self.marketplace, endpoint, response).await {
                Ok(value) => return Ok((value, requests)),
                Err(err) if attempt < self.retry.max_attempts => {
                    let wait = self.backoff(attempt);
                    tracing::warn!(endpoint, attempt, ?wait, error = %err, "retrying unreadable body");
                    tokio::time::sleep(wait).await;
                }
                Err(err) => return Err(err),
            }
        }
    }

    fn backoff(&self, attempt: u32) -> Duration {
        let exp = self
            .retry
            .base_backoff
            .saturating_mul(1 << (attempt - 1).min(16))
            .min(self.retry.max_backoff);
        // Full jitter between half and all of the exponential step.
        let millis = exp.as_millis() as u64;
        let jittered = rand::rng().random_range(millis / 2..=millis.max(1));
        Duration::from_millis(jittered)
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
                retry_after: retry_after(&response),
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

/// The wait a 429 asks for: WB's `X-Ratelimit-Retry`, else `Retry-After`, else 1 s.
fn retry_after(response: &Response) -> Duration {
    ["x-ratelimit-retry", "retry-after"]
        .iter()
        .find_map(|name| {
            response
                .headers()
                .get(*name)?
                .to_str()
                .ok()?
                .trim()
                .parse::<f64>()
                .ok()
        })
        .filter(|secs| secs.is_finite() && *secs >= 0.0)
        .map_or(Duration::from_secs(1), Duration::from_secs_f64)
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
            message: format!(
                "reading body: {}",
                if e.is_timeout() {
                    "timed out"
                } else {
                    "failed"
                }
            ),
        })?;
    serde_json::from_slice(&bytes).map_err(|e| ConnectorError::Malformed {
        marketplace,
        endpoint: endpoint.to_string(),
        message: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_messages_from_each_shape() {
        assert_eq!(
            error_message(r#"{"data":null,"error":true,"errorText":"Неправильный id"}"#),
            "Неправильный id"
        );
        assert_eq!(
            error_message(r#"{"title":"too many requests","detail":"limited"}"#),
            "limited"
        );
        assert_eq!(error_message(r#"{"code":8,"message":"rate"}"#), "rate");
        assert_eq!(error_message("plain"), "plain");
    }
}
