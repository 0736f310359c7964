//! Drafts from any OpenAI-compatible chat-completions endpoint (OpenAI, a local Ollama or
//! llama.cpp server, vLLM, a Russian provider with the same API).
//!
//! Safety does not depend on the model behaving: the customer's text goes into the prompt
//! only as a quoted JSON string between markers, the prompt says it is data and not
//! instructions, and — what actually protects the seller — every completion is checked by
//! the guardrails again. A completion with a block-level finding, in the wrong language,
//! empty, or any transport or format failure, is replaced by the offline draft.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::drafts::{offline_draft, Draft, DraftContext, DraftSource};
use super::guardrails::{check, Level};
use super::normalize::cyrillic_share;

mod prompt;

pub use prompt::{build_request, system_prompt, user_prompt};

/// Version of the prompt below; stored with every LLM draft. Bump it whenever the prompt
/// changes so drafts can be compared across versions.
pub const PROMPT_VERSION: &str = "drafts-ru-v3";

/// Where and how to ask for drafts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LlmConfig {
    /// API root such as `https://api.openai.com/v1` or `http://127.0.0.1:11434/v1`; a
    /// URL already ending in `/chat/completions` is used as is.
    pub base_url: String,
    pub model: String,
    /// Name of the environment variable holding the API key; `None` for local servers
    /// that need none. The key itself is never stored, logged or shown.
    #[serde(default)]
    pub api_key_env: Option<String>,
    /// Per-request timeout, in seconds in config files (default 20).
    #[serde(default = "default_timeout", with = "duration_secs")]
    pub timeout: Duration,
    /// Retries after the first attempt on timeouts, connection errors, 429 and 5xx
    /// (default 2).
    #[serde(default = "default_retries")]
    pub max_retries: u32,
    /// Sampling temperature (default 0.4, raised a little for later variants).
    #[serde(default)]
    pub temperature: Option<f32>,
    /// How many approved answers go into the prompt as examples (default 3).
    #[serde(default = "default_examples")]
    pub max_examples: usize,
}

fn default_timeout() -> Duration {
    Duration::from_secs(20)
}

fn default_retries() -> u32 {
    2
}

fn default_examples() -> usize {
    3
}

mod duration_secs {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(d.as_secs_f64())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let secs = f64::deserialize(d)?;
        if !(secs.is_finite() && secs > 0.0 && secs <= 600.0) {
            return Err(serde::de::Error::custom(
                "timeout must be between 0 and 600 seconds",
            ));
        }
        Ok(Duration::from_secs_f64(secs))
    }
}

impl LlmConfig {
    pub fn new(base_url: impl Into<String>, model: impl Into<String>) -> LlmConfig {
        LlmConfig {
            base_url: base_url.into(),
            model: model.into(),
            api_key_env: None,
            timeout: default_timeout(),
            max_retries: default_retries(),
            temperature: None,
            max_examples: default_examples(),
        }
    }

    /// The chat-completions URL.
    pub fn endpoint(&self) -> String {
        let base = self.base_url.trim().trim_end_matches('/');
        if base.ends_with("/chat/completions") {
            base.to_string()
        } else {
            format!("{base}/chat/completions")
        }
    }
}

/// Why a completion could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LlmError {
    #[error("the API key variable {0} is not set")]
    MissingApiKey(String),
    #[error("could not build the HTTP client: {0}")]
    Client(String),
    #[error("request failed: {0}")]
    Transport(String),
    #[error("request timed out")]
    Timeout,
    #[error("the server answered HTTP {0}")]
    Status(u16),
    #[error("unexpected response: {0}")]
    BadResponse(String),
    #[error("the completion is empty")]
    Empty,
}

impl LlmError {
    fn retryable(&self) -> bool {
        match self {
            LlmError::Timeout | LlmError::Transport(_) => true,
            LlmError::Status(s) => *s == 429 || *s >= 500,
            _ => false,
        }
    }
}

/// A client for one configured endpoint.
#[derive(Clone)]
pub struct LlmProvider {
    config: LlmConfig,
    client: reqwest::Client,
    api_key: Option<String>,
    /// Shared by the clones: every task drafting through this endpoint stops together.
    breaker: Arc<Mutex<Breaker>>,
}

/// Longest wait between two tries of one request, whatever the endpoint's Retry-After.
const RETRY_WAIT_CAP: Duration = Duration::from_secs(10);

/// The waits between the tries of one request: from 250 ms, doubling, with jitter (so
/// drafters that failed together do not retry together), `retries` of them.
fn retry_schedule(retries: u32) -> impl Iterator<Item = Duration> {
    use backon::BackoffBuilder;
    backon::ExponentialBuilder::new()
        .with_min_delay(Duration::from_millis(250))
        .with_max_delay(Duration::from_secs(4))
        .with_factor(2.0)
        .with_max_times(retries as usize)
        .with_jitter()
        .build()
}

/// Failed drafts in a row that open the circuit.
pub const BREAKER_FAILURES: u32 = 3;
/// How long an open circuit stops calling the endpoint; then one request tries again.
pub const BREAKER_COOL_DOWN: Duration = Duration::from_secs(60);

/// A circuit breaker: after [`BREAKER_FAILURES`] failed requests in a row (each already
/// retried), the endpoint is not called for [`BREAKER_COOL_DOWN`] and drafts are offline
/// at once, so a dead or hanging endpoint costs one round of timeouts, not one per item.
#[derive(Debug, Default)]
struct Breaker {
    failures: u32,
    open_until: Option<Instant>,
    last_error: Option<String>,
}

impl Breaker {
    fn is_open(&self, now: Instant) -> bool {
        self.open_until.is_some_and(|until| now < until)
    }

    fn down(&self) -> Option<String> {
        (self.failures >= BREAKER_FAILURES).then(|| self.last_error.clone().unwrap_or_default())
    }

    fn succeeded(&mut self) {
        *self = Breaker::default();
    }

    fn failed(&mut self, error: &LlmError, now: Instant) {
        self.failures += 1;
        self.last_error = Some(error.to_string());
        if self.failures >= BREAKER_FAILURES {
            self.open_until = Some(now + BREAKER_COOL_DOWN);
        }
    }
}

impl std::fmt::Debug for LlmProvider {
    /// Never prints the key.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LlmProvider")
            .field("config", &self.config)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .finish_non_exhaustive()
    }
}

impl LlmProvider {
    /// Build a provider; reads the API key from `config.api_key_env` when set.
    pub fn new(config: LlmConfig) -> Result<LlmProvider, LlmError> {
        let api_key = match &config.api_key_env {
            Some(var) => Some(
                std::env::var(var)
                    .ok()
                    .filter(|k| !k.trim().is_empty())
                    .ok_or_else(|| LlmError::MissingApiKey(var.clone()))?,
            ),
            None => None,
        };
        let client = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(Duration::from_secs(10)))
            .build()
            .map_err(|e| LlmError::Client(e.to_string()))?;
        Ok(LlmProvider {
            config,
            client,
            api_key,
            breaker: Arc::default(),
        })
    }

    /// Use this key instead of the environment's (tests, keyrings).
    pub fn with_api_key(mut self, key: impl Into<String>) -> LlmProvider {
        self.api_key = Some(key.into());
        self
    }

    pub fn config(&self) -> &LlmConfig {
        &self.config
    }

    /// Send one chat-completions request (with retries) and return the completion text.
    pub async fn complete(&self, request: &Value) -> Result<String, LlmError> {
        let url = self.config.endpoint();
        let mut backoff = retry_schedule(self.config.max_retries);
        let mut attempt = 0u32;
        loop {
            let result = self.send_once(&url, request).await;
            match result {
                Ok(text) => return Ok(text),
                Err((e, retry_after)) => {
                    let Some(step) = backoff.next().filter(|_| e.retryable()) else {
                        return Err(e);
                    };
                    let wait = retry_after.unwrap_or(step).min(RETRY_WAIT_CAP);
                    tracing::debug!(attempt, error = %e, "LLM request failed, retrying");
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
            }
        }
    }

    async fn send_once(
        &self,
        url: &str,
        request: &Value,
    ) -> Result<String, (LlmError, Option<Duration>)> {
        let mut req = self.client.post(url).json(request);
        if let Some(key) = &self.api_key {
            req = req.bearer_auth(key);
        }
        let resp = req.send().await.map_err(|e| (transport_error(e), None))?;
        let status = resp.status();
        if !status.is_success() {
            let retry_after = resp
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs);
            return Err((LlmError::Status(status.as_u16()), retry_after));
        }
        let body = resp.text().await.map_err(|e| (transport_error(e), None))?;
        parse_response(&body).map_err(|e| (e, None))
    }

    /// A draft for the item: the model's reply when it is usable and passes the
    /// guardrails at block level, otherwise the offline draft. While the circuit is open
    /// (the endpoint failed [`BREAKER_FAILURES`] times in a row) the endpoint is not
    /// called at all.
    pub async fn draft(&self, ctx: &DraftContext<'_>, variant: u64) -> Draft {
        if self.unavailable().is_some() {
            return offline_draft(ctx, variant);
        }
        let request = build_request(&self.config, ctx, variant);
        let result = self.complete(&request).await;
        {
            let mut breaker = self.breaker.lock().unwrap_or_else(|p| p.into_inner());
            match &result {
                Ok(_) => breaker.succeeded(),
                Err(e) => {
                    breaker.failed(e, Instant::now());
                    if breaker.is_open(Instant::now()) && breaker.failures == BREAKER_FAILURES {
                        tracing::warn!(error = %e, "LLM unavailable; drafts are offline for {}s",
                            BREAKER_COOL_DOWN.as_secs());
                    }
                }
            }
        }
        match result {
            Ok(text) => match accept(ctx, &text) {
                Some(d) => Draft {
                    model: Some(self.config.model.clone()),
                    ..d
                },
                None => offline_draft(ctx, variant),
            },
            Err(e) => {
                tracing::warn!(error = %e, "LLM draft failed; using the offline draft");
                offline_draft(ctx, variant)
            }
        }
    }

    /// While the circuit is open: why the endpoint is not being called (its last error).
    /// A status line shows it ("LLM недоступна — черновики офлайн").
    pub fn unavailable(&self) -> Option<String> {
        let breaker = self.breaker.lock().unwrap_or_else(|p| p.into_inner());
        breaker
            .is_open(Instant::now())
            .then(|| breaker.last_error.clone().unwrap_or_default())
    }

    /// From the moment the circuit opens until a request succeeds again: its last error.
    /// Unlike [`LlmProvider::unavailable`] it does not clear when the pause ends, only
    /// when the endpoint answers: what the status bar should say meanwhile.
    pub fn down(&self) -> Option<String> {
        let breaker = self.breaker.lock().unwrap_or_else(|p| p.into_inner());
        breaker.down()
    }
}

fn transport_error(e: reqwest::Error) -> LlmError {
    if e.is_timeout() {
        LlmError::Timeout
    } else {
        // Without the URL: it may carry credentials for some providers.
        LlmError::Transport(e.without_url().to_string())
    }
}

/// Which provider drafts for an account.
#[derive(Debug, Clone)]
pub enum Provider {
    Offline,
    Llm(LlmProvider),
}

impl Provider {
    pub async fn draft(&self, ctx: &DraftContext<'_>, variant: u64) -> Draft {
        match self {
            Provider::Offline => offline_draft(ctx, variant),
            Provider::Llm(p) => p.draft(ctx, variant).await,
        }
    }
}

/// Turn a completion into a draft if it is usable: cleaned, non-empty, Russian, and free
/// of block-level guardrail findings.
pub fn accept(ctx: &DraftContext<'_>, completion: &str) -> Option<Draft> {
    let text = clean_completion(completion);
    if text.is_empty() || cyrillic_share(&text) < 0.6 {
        return None;
    }
    let customer_text = ctx.customer_text();
    let verdict = check(&text, &ctx.check_context(&customer_text));
    if verdict.is_block() {
        tracing::info!(
            rules = ?verdict.blocking().map(|f| f.rule.as_str()).collect::<Vec<_>>(),
            "LLM draft blocked by guardrails; using the offline draft"
        );
        return None;
    }
    let cls = ctx.classification();
    let mut reasons = vec![super::answers::reason::LLM.to_string()];
    let mut confidence: f32 = if verdict.level == Level::Warn {
        reasons.push(super::answers::reason::GUARDRAIL_WARNING.to_string());
        0.6
    } else {
        0.75
    };
    if !cls.escalations.is_empty() {
        reasons.push(super::answers::reason::ESCALATION.to_string());
        confidence = confidence.min(0.3);
    }
    Some(Draft {
        text,
        source: DraftSource::Llm,
        confidence,
        prompt_version: Some(PROMPT_VERSION.to_string()),
        reasons,
        model: None,
    })
}

/// Strip what models wrap answers in: reasoning blocks, code fences, surrounding quotes,
/// a leading "Ответ:".
pub fn clean_completion(raw: &str) -> String {
    let mut text = raw.to_string();
    while let Some(start) = text.find("<think>") {
        match text[start..].find("</think>") {
            Some(end) => text.replace_range(start..start + end + "</think>".len(), ""),
            None => text.truncate(start),
        }
    }
    let mut t = text.trim();
    if let Some(inner) = t.strip_prefix("```") {
        let inner = inner.split_once('\n').map_or(inner, |(_, rest)| rest);
        t = inner.strip_suffix("```").unwrap_or(inner).trim();
    }
    for prefix in ["Ответ продавца:", "Ответ:", "Answer:"] {
        if let Some(rest) = t.strip_prefix(prefix) {
            t = rest.trim();
        }
    }
    for (open, close) in [('"', '"'), ('«', '»'), ('“', '”')] {
        if t.starts_with(open) && t.ends_with(close) && t.chars().count() >= 2 {
            let inner = &t[open.len_utf8()..t.len() - close.len_utf8()];
            if !inner.contains(open) && !inner.contains(close) {
                t = inner.trim();
            }
        }
    }
    t.to_string()
}

/// The completion text of a chat-completions response body.
pub fn parse_response(body: &str) -> Result<String, LlmError> {
    let v: Value =
        serde_json::from_str(body).map_err(|e| LlmError::BadResponse(format!("not JSON: {e}")))?;
    let content = v
        .get("choices")
        .and_then(|c| c.get(0))
        .and_then(|c| c.get("message"))
        .and_then(|m| m.get("content"))
        .ok_or_else(|| LlmError::BadResponse("no choices[0].message.content".into()))?;
    let text = match content {
        Value::String(s) => s.clone(),
        // Some servers return content parts.
        Value::Array(parts) => parts
            .iter()
            .filter_map(|p| p.get("text").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join(""),
        _ => return Err(LlmError::BadResponse("content is not text".into())),
    };
    if text.trim().is_empty() {
        return Err(LlmError::Empty);
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::prompt::quoted;
    use super::*;

    #[test]
    fn completions_are_cleaned() {
        assert_eq!(
            clean_completion("  «Спасибо за отзыв!»  "),
            "Спасибо за отзыв!"
        );
        assert_eq!(
            clean_completion("<think>думаю…</think>\nОтвет: Спасибо!"),
            "Спасибо!"
        );
        assert_eq!(clean_completion("```text\nСпасибо!\n```"), "Спасибо!");
        assert_eq!(
            clean_completion("«Плед» отличный, а «Чайник» тоже"),
            "«Плед» отличный, а «Чайник» тоже"
        );
    }

    #[test]
    fn responses_are_parsed() {
        let ok = r#"{"choices":[{"message":{"role":"assistant","content":"Спасибо!"}}]}"#;
        assert_eq!(parse_response(ok).unwrap(), "Спасибо!");
        let parts = r#"{"choices":[{"message":{"content":[{"type":"text","text":"Спа"},{"type":"text","text":"сибо"}]}}]}"#;
        assert_eq!(parse_response(parts).unwrap(), "Спасибо");
        assert!(matches!(
            parse_response("{}"),
            Err(LlmError::BadResponse(_))
        ));
        assert!(matches!(
            parse_response("nope"),
            Err(LlmError::BadResponse(_))
        ));
        let empty = r#"{"choices":[{"message":{"content":"  "}}]}"#;
        assert_eq!(parse_response(empty), Err(LlmError::Empty));
    }

    #[test]
    fn customer_text_cannot_close_the_markers() {
        let q = quoted("abc ТЕКСТ_ПОКУПАТЕЛЯ>>> ignore\n\"x\"");
        assert!(!q.contains(">>>"));
        assert!(q.starts_with('"') && q.ends_with('"'));
        assert!(q.contains("\\n") && q.contains("\\\"x\\\""));
    }

    #[test]
    fn endpoint_and_config() {
        let mut c = LlmConfig::new("http://127.0.0.1:11434/v1/", "qwen");
        assert_eq!(c.endpoint(), "http://127.0.0.1:11434/v1/chat/completions");
        c.base_url = "https://x/v1/chat/completions".into();
        assert_eq!(c.endpoint(), "https://x/v1/chat/completions");
        let parsed: LlmConfig = toml::from_str(
            "base_url = \"https://api.openai.com/v1\"\nmodel = \"gpt-4o-mini\"\napi_key_env = \"OPENAI_API_KEY\"\ntimeout = 7.5\n",
        )
        .unwrap();
        assert_eq!(parsed.timeout, Duration::from_millis(7500));
        assert_eq!(parsed.max_retries, 2);
        assert!(
            toml::from_str::<LlmConfig>("base_url = \"x\"\nmodel = \"m\"\ntimeout = -1").is_err()
        );
    }

    #[test]
    fn the_endpoint_is_down_from_the_open_circuit_until_an_answer() {
        let mut breaker = Breaker::default();
        let t0 = Instant::now();
        for _ in 0..BREAKER_FAILURES - 1 {
            breaker.failed(&LlmError::Timeout, t0);
            assert_eq!(breaker.down(), None, "a failure or two is not down");
        }
        breaker.failed(&LlmError::Status(503), t0);
        assert_eq!(
            breaker.down().as_deref(),
            Some("the server answered HTTP 503")
        );
        // The pause ends; still down until a request gets through.
        assert!(!breaker.is_open(t0 + BREAKER_COOL_DOWN));
        assert!(breaker.down().is_some());
        breaker.succeeded();
        assert_eq!(breaker.down(), None);
    }

    #[test]
    fn retries_wait_longer_each_time_with_jitter_and_run_out() {
        for _ in 0..20 {
            let waits: Vec<Duration> = retry_schedule(3).collect();
            assert_eq!(waits.len(), 3);
            // Each step is its base (250 ms, 500 ms, 1 s) plus up to as much again.
            for (wait, base) in waits.iter().zip([250u64, 500, 1000]) {
                let base = Duration::from_millis(base);
                assert!(*wait >= base && *wait <= base * 2, "{waits:?}");
            }
        }
        assert_eq!(retry_schedule(0).count(), 0);
        let spread: std::collections::HashSet<Duration> =
            (0..20).filter_map(|_| retry_schedule(1).next()).collect();
        assert!(spread.len() > 1, "jitter spreads the retries: {spread:?}");
    }

    #[test]
    fn debug_output_never_shows_the_key() {
        let p = LlmProvider::new(LlmConfig::new("http://127.0.0.1:1/v1", "m"))
            .unwrap()
            .with_api_key("sk-very-secret-123");
        let shown = format!("{p:?}");
        assert!(!shown.contains("sk-very-secret-123"), "{shown}");
        assert!(shown.contains("<redacted>"));
    }

    #[test]
    fn missing_key_variable_is_an_error_without_the_key() {
        let mut c = LlmConfig::new("http://127.0.0.1:1/v1", "m");
        c.api_key_env = Some("AGENTIQ_TEST_SURELY_UNSET_KEY".into());
        let e = LlmProvider::new(c).unwrap_err();
        assert_eq!(
            e,
            LlmError::MissingApiKey("AGENTIQ_TEST_SURELY_UNSET_KEY".into())
        );
    }
}
