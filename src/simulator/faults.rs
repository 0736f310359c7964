//! Injected faults: server errors, 429 storms, responses slower than a client's timeout,
//! dropped connections and malformed JSON, each at a configured rate and deterministic
//! for a seed. `/_sim/*` is never faulted.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Rates (0.0..=1.0) of each fault, per request.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultSpec {
    pub server_error: f64,
    /// Chance that a 429 storm starts; a storm answers the next `storm_len` requests 429.
    pub rate_limit_storm: f64,
    pub storm_len: u32,
    pub slow: f64,
    /// How long a slow response takes.
    pub slow_for: Duration,
    pub drop: f64,
    pub malformed: f64,
    /// The request is carried out, then the connection drops before the response: the
    /// client cannot know its call landed.
    pub lost_response: f64,
}

impl Default for FaultSpec {
    fn default() -> Self {
        FaultSpec {
            server_error: 0.0,
            rate_limit_storm: 0.0,
            storm_len: 5,
            slow: 0.0,
            slow_for: Duration::from_secs(30),
            drop: 0.0,
            malformed: 0.0,
            lost_response: 0.0,
        }
    }
}

impl FaultSpec {
    pub fn is_none(&self) -> bool {
        self.server_error == 0.0
            && self.rate_limit_storm == 0.0
            && self.slow == 0.0
            && self.drop == 0.0
            && self.malformed == 0.0
            && self.lost_response == 0.0
    }

    /// The same `rate` of every kind of fault: `--faults mixed=0.2`.
    pub fn mixed(total: f64) -> FaultSpec {
        let each = total / 5.0;
        FaultSpec {
            server_error: each,
            rate_limit_storm: each / 5.0,
            slow: each,
            drop: each / 2.0,
            lost_response: each / 2.0,
            malformed: each,
            ..FaultSpec::default()
        }
    }
}

impl FromStr for FaultSpec {
    type Err = String;

    /// `5xx=0.1,429=0.02,slow=0.05,drop=0.05,malformed=0.05,slow_ms=25000,storm=5` or
    /// `mixed=0.2`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut spec = FaultSpec::default();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (key, value) = part
                .split_once('=')
                .ok_or_else(|| format!("fault '{part}' must look like name=rate"))?;
            let number: f64 = value
                .trim()
                .parse()
                .map_err(|_| format!("fault '{key}': '{value}' is not a number"))?;
            let rate = || {
                if (0.0..=1.0).contains(&number) {
                    Ok(number)
                } else {
                    Err(format!("fault '{key}': rate {number} is outside 0..1"))
                }
            };
            match key.trim() {
                "5xx" => spec.server_error = rate()?,
                "429" => spec.rate_limit_storm = rate()?,
                "slow" => spec.slow = rate()?,
                "drop" => spec.drop = rate()?,
                "malformed" => spec.malformed = rate()?,
                "lost" => spec.lost_response = rate()?,
                "mixed" => {
                    let keep = (spec.storm_len, spec.slow_for);
                    spec = FaultSpec::mixed(rate()?);
                    (spec.storm_len, spec.slow_for) = keep;
                }
                "slow_ms" => spec.slow_for = Duration::from_millis(number.max(0.0) as u64),
                "storm" => spec.storm_len = number.max(1.0) as u32,
                other => {
                    return Err(format!(
                        "unknown fault '{other}' (expected 5xx, 429, slow, drop, lost, malformed, mixed, slow_ms, storm)"
                    ))
                }
            }
        }
        Ok(spec)
    }
}

impl fmt::Display for FaultSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "5xx={},429={},slow={},drop={},lost={},malformed={},slow_ms={},storm={}",
            self.server_error,
            self.rate_limit_storm,
            self.slow,
            self.drop,
            self.lost_response,
            self.malformed,
            self.slow_for.as_millis(),
            self.storm_len
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    ServerError,
    RateLimited,
    Slow,
    Drop,
    LostResponse,
    Malformed,
}

impl Fault {
    fn name(self) -> &'static str {
        match self {
            Fault::ServerError => "5xx",
            Fault::RateLimited => "429",
            Fault::Slow => "slow",
            Fault::Drop => "drop",
            Fault::LostResponse => "lost",
            Fault::Malformed => "malformed",
        }
    }
}

/// The injector's state: its random stream, a storm in progress, and what it injected.
pub struct Faults {
    spec: FaultSpec,
    inner: Mutex<FaultState>,
}

struct FaultState {
    rng: ChaCha8Rng,
    storm_left: u32,
    injected: BTreeMap<&'static str, u64>,
}

impl Faults {
    pub fn new(spec: FaultSpec, seed: u64) -> Faults {
        Faults {
            spec,
            inner: Mutex::new(FaultState {
                rng: ChaCha8Rng::seed_from_u64(seed ^ 0x5eed_fa17),
                storm_left: 0,
                injected: BTreeMap::new(),
            }),
        }
    }

    /// Faults injected so far, by kind.
    pub fn injected(&self) -> BTreeMap<String, u64> {
        let state = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        state
            .injected
            .iter()
            .map(|(k, v)| (k.to_string(), *v))
            .collect()
    }

    fn draw(&self) -> Option<Fault> {
        let mut state = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let fault = if state.storm_left > 0 {
            state.storm_left -= 1;
            Some(Fault::RateLimited)
        } else {
            let roll: f64 = state.rng.random();
            let spec = &self.spec;
            let mut edge = 0.0;
            let mut pick = None;
            for (rate, fault) in [
                (spec.server_error, Fault::ServerError),
                (spec.rate_limit_storm, Fault::RateLimited),
                (spec.slow, Fault::Slow),
                (spec.drop, Fault::Drop),
                (spec.lost_response, Fault::LostResponse),
                (spec.malformed, Fault::Malformed),
            ] {
                edge += rate;
                if roll < edge {
                    pick = Some(fault);
                    break;
                }
            }
            if pick == Some(Fault::RateLimited) {
                state.storm_left = self.spec.storm_len.saturating_sub(1);
            }
            pick
        };
        if let Some(f) = fault {
            *state.injected.entry(f.name()).or_default() += 1;
        }
        fault
    }
}

/// axum middleware applying the configured faults.
pub async fn inject(State(faults): State<Arc<Faults>>, request: Request, next: Next) -> Response {
    if request.uri().path().starts_with("/_sim/") {
        return next.run(request).await;
    }
    let is_ozon = request.headers().contains_key("client-id");
    match faults.draw() {
        None => next.run(request).await,
        Some(Fault::ServerError) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            axum::Json(serde_json::json!({"title": "internal server error", "status": 500})),
        )
            .into_response(),
        Some(Fault::RateLimited) => {
            if is_ozon {
                (
                    StatusCode::TOO_MANY_REQUESTS,
                    axum::Json(serde_json::json!({
                        "code": 8,
                        "message": "You have reached request rate limit per second"
                    })),
                )
                    .into_response()
            } else {
                super::wb_rate_limited(Duration::from_secs(1), 6, Duration::from_secs(2))
            }
        }
        Some(Fault::Slow) => {
            tokio::time::sleep(faults.spec.slow_for).await;
            next.run(request).await
        }
        Some(fault @ (Fault::Drop | Fault::LostResponse)) => {
            if fault == Fault::LostResponse {
                let _done = next.run(request).await;
            }
            // Headers go out, then the body fails: the client sees the connection drop.
            let body = Body::from_stream(futures::stream::once(async {
                Err::<Bytes, std::io::Error>(std::io::Error::other("connection dropped"))
            }));
            let mut response = Response::new(body);
            response.headers_mut().insert(
                "content-type",
                "application/json".parse().expect("static header"),
            );
            response
        }
        Some(Fault::Malformed) => {
            let response = next.run(request).await;
            let (parts, body) = response.into_parts();
            let bytes = axum::body::to_bytes(body, 64 << 20)
                .await
                .unwrap_or_default();
            let cut = bytes.len() / 2;
            let mut broken = bytes[..cut].to_vec();
            broken.extend_from_slice(b"\x00{\"");
            let mut parts = parts;
            parts.status = StatusCode::OK;
            parts.headers.remove("content-length");
            Response::from_parts(parts, Body::from(broken))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_a_spec() {
        let spec: FaultSpec = "5xx=0.1, drop=0.05, slow_ms=1500".parse().unwrap();
        assert_eq!(spec.server_error, 0.1);
        assert_eq!(spec.drop, 0.05);
        assert_eq!(spec.slow_for, Duration::from_millis(1500));
        assert_eq!(spec.to_string().parse::<FaultSpec>().unwrap(), spec);
        let mixed: FaultSpec = "mixed=0.2".parse().unwrap();
        let total =
            mixed.server_error + mixed.slow + mixed.drop + mixed.lost_response + mixed.malformed;
        assert!((total - 0.16).abs() < 1e-9);
    }

    #[test]
    fn bad_specs_say_what_is_wrong() {
        assert!("5xx=2"
            .parse::<FaultSpec>()
            .unwrap_err()
            .contains("outside"));
        assert!("teapot=0.1"
            .parse::<FaultSpec>()
            .unwrap_err()
            .contains("unknown fault"));
        assert!("5xx"
            .parse::<FaultSpec>()
            .unwrap_err()
            .contains("name=rate"));
    }

    #[test]
    fn rates_are_honoured_and_deterministic() {
        let spec: FaultSpec = "5xx=0.2".parse().unwrap();
        let a = Faults::new(spec.clone(), 1);
        let b = Faults::new(spec, 1);
        let draws_a: Vec<_> = (0..2000).map(|_| a.draw()).collect();
        let draws_b: Vec<_> = (0..2000).map(|_| b.draw()).collect();
        assert_eq!(draws_a, draws_b, "same seed, same faults");
        let errors = draws_a.iter().filter(|f| f.is_some()).count();
        assert!((300..500).contains(&errors), "about 20%: {errors}");
    }

    #[test]
    fn a_storm_lasts_its_length() {
        let spec = FaultSpec {
            rate_limit_storm: 1.0,
            storm_len: 3,
            ..FaultSpec::default()
        };
        let f = Faults::new(spec, 9);
        for _ in 0..6 {
            assert_eq!(f.draw(), Some(Fault::RateLimited));
        }
        assert_eq!(f.injected().get("429"), Some(&6));
    }
}
