//! The marketplace simulator: an HTTP server on loopback that speaks the published WB and
//! Ozon contracts (same paths, bodies, limits and error shapes), seeded with the demo
//! shops, with new items arriving over time. `agentiq demo` and the tests run against it.

mod catalog;
pub mod demo_data;
pub mod faults;
pub mod fixtures;
mod introspect;
mod ozon;
mod ozon_request;
mod ratelimit;
pub mod recording;
pub mod scale;
pub mod state;
mod wb_chats;
mod wb_feedbacks;
mod wb_questions;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use anyhow::{Context, Result};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

pub use demo_data::DemoShop;
pub use introspect::{SimReport, SimReportAnswer};
use ratelimit::Limiter;
pub use state::SimState;

/// A shop to serve and the credential its client must present.
#[derive(Debug, Clone)]
pub struct SimShop {
    pub shop: DemoShop,
    /// WB `Authorization` token, or Ozon `Api-Key`.
    pub token: String,
    /// Ozon `Client-Id`; `None` for WB.
    pub client_id: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct SimulatorConfig {
    pub shops: Vec<SimShop>,
    /// Seed for ids and every random choice, so runs repeat exactly.
    pub seed: u64,
    /// How often a new item arrives on each account; `None` for never.
    pub arrival_every: Option<Duration>,
    /// Faults to inject into marketplace responses.
    pub faults: faults::FaultSpec,
    /// Synthetic items to generate on top of the shops' own.
    pub scale: usize,
    /// Accounts given in full (read from fixture files), served after the shops.
    pub accounts: Vec<state::SimAccount>,
    /// Do not enforce the published rate limits. Only for tests that run hundreds of
    /// sync cycles against a client built without pacing (property tests); every test
    /// about limits, and every user-facing command, keeps them.
    pub unlimited: bool,
    /// When accepted answers show on their items.
    pub answer_visibility: state::AnswerVisibility,
}

/// Shared handle the HTTP handlers work on.
#[derive(Clone)]
pub struct Sim {
    state: Arc<Mutex<SimState>>,
    faults: Arc<faults::Faults>,
    wb_feedbacks_limit: Arc<Limiter>,
    /// WB buyer chats: a limit of their own.
    wb_chats_limit: Arc<Limiter>,
    /// Ozon: about 50 requests/s per Client-Id, every method together.
    ozon_limit: Arc<Limiter>,
}

impl Sim {
    pub fn new(config: &SimulatorConfig) -> Sim {
        let mut state = SimState::new(config.seed);
        state.visibility = config.answer_visibility;
        let now = Utc::now();
        for shop in &config.shops {
            state.add_shop(&shop.shop, &shop.token, shop.client_id.as_deref(), now);
        }
        state.accounts.extend(config.accounts.iter().cloned());
        scale::generate(&mut state, config.scale, now);
        let limit = |published: ratelimit::Limit| {
            if config.unlimited {
                ratelimit::Limit {
                    period: Duration::from_nanos(1),
                    burst: u32::MAX,
                }
            } else {
                published
            }
        };
        Sim {
            state: Arc::new(Mutex::new(state)),
            faults: Arc::new(faults::Faults::new(config.faults.clone(), config.seed)),
            wb_feedbacks_limit: Arc::new(Limiter::new(limit(ratelimit::WB_FEEDBACKS))),
            wb_chats_limit: Arc::new(Limiter::new(limit(ratelimit::WB_CHATS))),
            ozon_limit: Arc::new(Limiter::new(limit(ozon::LIMIT))),
        }
    }

    /// The state; a handler that panicked cannot leave it poisoned for the others.
    pub fn lock(&self) -> MutexGuard<'_, SimState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Counts the request, authenticates it, and enforces the feedbacks/questions limit.
    // The error is the HTTP response itself, returned at once by the handler; boxing it
    // would only add an allocation per rejected request.
    #[allow(clippy::result_large_err)]
    fn admit_wb(&self, endpoint: &str, headers: &HeaderMap) -> Result<usize, Response> {
        self.admit_wb_under(&self.wb_feedbacks_limit, endpoint, headers)
    }

    /// Counts the request, authenticates it by its WB token, and enforces `limit` (each
    /// WB API has its own).
    #[allow(clippy::result_large_err)]
    fn admit_wb_under(
        &self,
        limit: &Limiter,
        endpoint: &str,
        headers: &HeaderMap,
    ) -> Result<usize, Response> {
        let mut state = self.lock();
        state.count_request(endpoint);
        let auth = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let Some(account) = state.wb_account_by_token(auth) else {
            return Err(wb_error(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "token problem; token is missing or invalid",
            ));
        };
        if let Err(wait) = limit.check(account) {
            state.over_limit += 1;
            drop(state);
            return Err(wb_rate_limited(wait, limit.burst(), limit.full_reset()));
        }
        Ok(account)
    }

    /// Makes one new item arrive on every account now (review, question, chat message
    /// in turn).
    pub fn arrive_now(&self) -> usize {
        self.lock().arrive(Utc::now())
    }

    pub fn report(&self) -> SimReport {
        let mut report = introspect::report(&self.lock());
        report.faults_injected = self.faults.injected();
        report
    }
}

/// A request id in WB's style (a UUID), for error bodies.
fn request_id() -> String {
    uuid_text(rand::random::<u128>())
}

/// 128 bits written as a UUID is (8-4-4-4-12 hex digits).
fn uuid_text(x: u128) -> String {
    let hex = format!("{x:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// WB's standard error body (401, 429 and some 400s).
fn wb_error(status: StatusCode, title: &str, detail: &str) -> Response {
    let body = serde_json::json!({
        "title": title,
        "detail": detail,
        "code": format!("sim-{}", status.as_u16()),
        "requestId": request_id(),
        "origin": "agentiq-simulator",
        "status": status.as_u16(),
        "statusText": status.canonical_reason().unwrap_or(""),
        "timestamp": Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    });
    (status, Json(body)).into_response()
}

fn wb_rate_limited(wait: Duration, burst: u32, reset: Duration) -> Response {
    let mut response = wb_error(
        StatusCode::TOO_MANY_REQUESTS,
        "too many requests",
        "limited by agentiq-simulator",
    );
    let headers = response.headers_mut();
    let retry_secs = wait.as_secs_f64().ceil().max(1.0) as u64;
    for (name, value) in [
        ("x-ratelimit-retry", retry_secs.to_string()),
        ("x-ratelimit-limit", burst.to_string()),
        ("x-ratelimit-reset", reset.as_secs().max(1).to_string()),
    ] {
        if let Ok(v) = HeaderValue::from_str(&value) {
            headers.insert(name, v);
        }
    }
    response
}

pub fn router(sim: Sim) -> Router {
    Router::new()
        .route("/api/v1/feedbacks", get(wb_feedbacks::list))
        .route("/api/v1/feedback", get(wb_feedbacks::one))
        .route("/api/v1/feedbacks/archive", get(wb_feedbacks::archive))
        .route("/api/v1/feedbacks/count", get(wb_feedbacks::count))
        .route("/api/v1/questions/count", get(wb_questions::count))
        .route("/v1/review/count", post(ozon::review_count))
        .route("/v1/question/count", post(ozon::question_count))
        .route(
            "/api/v1/feedbacks/answer",
            post(wb_feedbacks::answer).patch(wb_feedbacks::edit),
        )
        .route(
            "/api/v1/questions",
            get(wb_questions::list).patch(wb_questions::patch),
        )
        .route("/api/v1/question", get(wb_questions::one))
        .route("/api/v1/seller/chats", get(wb_chats::chats))
        .route("/api/v1/seller/events", get(wb_chats::events))
        .route("/api/v1/seller/message", post(wb_chats::message))
        .route("/v1/review/list", post(ozon::review_list))
        .route("/v1/review/info", post(ozon::review_info))
        .route("/v1/review/comment/create", post(ozon::comment_create))
        .route("/v1/review/comment/list", post(ozon::comment_list))
        .route("/v1/question/list", post(ozon::question_list))
        .route("/v1/question/info", post(ozon::question_info))
        .route("/v1/question/answer/create", post(ozon::answer_create))
        .route("/v1/question/answer/list", post(ozon::answer_list))
        .route("/v3/chat/list", post(ozon::chat_list))
        .route("/v3/chat/history", post(ozon::chat_history))
        .route("/v1/chat/send/message", post(ozon::send_message))
        .route("/api/v3/upstreams", get(catalog::upstreams))
        .route("/{vol}/{part}/{nm}/info/ru/card.json", get(catalog::card))
        .route("/v3/product/info/list", post(catalog::ozon_info_list))
        .route("/_sim/state", get(introspect::state))
        .route("/_sim/arrive", post(introspect::arrive))
        .with_state(sim)
}

/// A running simulator. Dropping it stops the server.
pub struct SimulatorHandle {
    pub addr: SocketAddr,
    pub sim: Sim,
    shutdown: Option<oneshot::Sender<()>>,
}

impl SimulatorHandle {
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for SimulatorHandle {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Starts the simulator on `addr` (port 0 picks a free one) inside the current runtime.
pub async fn spawn(config: SimulatorConfig, addr: SocketAddr) -> Result<SimulatorHandle> {
    spawn_recorded(config, addr, None).await
}

/// [`spawn`], keeping a copy of every exchange in `recorder` (the contract test).
pub async fn spawn_recorded(
    config: SimulatorConfig,
    addr: SocketAddr,
    recorder: Option<recording::Recorder>,
) -> Result<SimulatorHandle> {
    let sim = Sim::new(&config);
    let listener = TcpListener::bind(addr)
        .await
        .with_context(|| format!("binding the simulator to {addr}"))?;
    let addr = listener.local_addr()?;
    let (shutdown, stopped) = oneshot::channel::<()>();
    let mut app = router(sim.clone());
    if !config.faults.is_none() {
        app = app.layer(axum::middleware::from_fn_with_state(
            sim.faults.clone(),
            faults::inject,
        ));
    }
    if let Some(recorder) = recorder {
        app = app.layer(axum::middleware::from_fn_with_state(
            recorder,
            recording::record,
        ));
    }
    tokio::spawn(async move {
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await;
        if let Err(err) = served {
            tracing::error!(%err, "simulator server stopped");
        }
    });
    if let Some(every) = config.arrival_every {
        let arrivals = sim.clone();
        let weak = Arc::downgrade(&sim.state);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.tick().await;
            loop {
                tick.tick().await;
                if weak.strong_count() <= 1 {
                    break;
                }
                arrivals.arrive_now();
            }
        });
    }
    tracing::info!(%addr, "simulator listening");
    Ok(SimulatorHandle {
        addr,
        sim,
        shutdown: Some(shutdown),
    })
}
