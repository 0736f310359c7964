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

#[test]
fn the_wait_a_429_asks_for() {
    use reqwest::header::{HeaderMap, HeaderValue};
    let headers = |pairs: &[(&'static str, &str)]| {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    };
    // WB's own header wins over the generic one.
    assert_eq!(
        retry_after(&headers(&[
            ("x-ratelimit-retry", "3"),
            ("retry-after", "9")
        ])),
        Duration::from_secs(3)
    );
    assert_eq!(
        retry_after(&headers(&[("retry-after", "2.5")])),
        Duration::from_millis(2500)
    );
    let later = (chrono::Utc::now() + chrono::Duration::seconds(30)).to_rfc2822();
    let wait = retry_after(&headers(&[("retry-after", &later)]));
    assert!(
        wait > Duration::from_secs(25) && wait <= Duration::from_secs(30),
        "{wait:?}"
    );
    // Ozon names no wait; nonsense is ignored.
    assert_eq!(retry_after(&headers(&[])), DEFAULT_RATE_LIMIT_WAIT);
    assert_eq!(
        retry_after(&headers(&[("x-ratelimit-retry", "-1")])),
        DEFAULT_RATE_LIMIT_WAIT
    );
}

/// What the test server answers, request by request; past the script, 200 `{"ok":1}`.
#[derive(Clone, Copy)]
enum Answer {
    /// 429 with `X-Ratelimit-Retry` (WB) of these milliseconds.
    WbLimited(u64),
    /// 429 with `Retry-After` of these milliseconds.
    Limited(u64),
    /// Ozon's 429: its body, no header.
    OzonLimited,
    ServerError,
    /// The answer after this many milliseconds.
    Slow(u64),
}

struct Server {
    url: String,
    served: Arc<Mutex<u32>>,
    _stop: tokio::sync::oneshot::Sender<()>,
}

async fn serve(script: Vec<Answer>) -> Server {
    use axum::http::StatusCode as S;
    use axum::response::IntoResponse;
    let served = Arc::new(Mutex::new(0u32));
    let counter = served.clone();
    let handler = move || {
        let counter = counter.clone();
        let script = script.clone();
        async move {
            let n = {
                let mut served = counter.lock().unwrap();
                *served += 1;
                *served as usize - 1
            };
            let secs = |ms: u64| format!("{}", ms as f64 / 1000.0);
            let ok = || axum::Json(serde_json::json!({"ok": 1})).into_response();
            match script.get(n).copied() {
                None => ok(),
                Some(Answer::WbLimited(ms)) => (
                    S::TOO_MANY_REQUESTS,
                    [("x-ratelimit-retry", secs(ms))],
                    "{}",
                )
                    .into_response(),
                Some(Answer::Limited(ms)) => {
                    (S::TOO_MANY_REQUESTS, [("retry-after", secs(ms))], "").into_response()
                }
                Some(Answer::OzonLimited) => (
                    S::TOO_MANY_REQUESTS,
                    axum::Json(serde_json::json!({"code": 8, "message": "rate"})),
                )
                    .into_response(),
                Some(Answer::ServerError) => S::INTERNAL_SERVER_ERROR.into_response(),
                Some(Answer::Slow(ms)) => {
                    tokio::time::sleep(Duration::from_millis(ms)).await;
                    ok()
                }
            }
        }
    };
    let app = axum::Router::new().route("/", axum::routing::get(handler));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await;
    });
    Server {
        url,
        served,
        _stop: stop,
    }
}

fn client(max_attempts: u32, rate_limit_budget: Duration) -> HttpClient {
    HttpClient::new(
        "wb",
        limiter(Duration::from_millis(1), 1000),
        RetryPolicy {
            max_attempts,
            base_backoff: Duration::from_millis(10),
            max_backoff: Duration::from_millis(40),
            max_rate_limit_wait: rate_limit_budget,
            timeout: Duration::from_millis(300),
        },
    )
}

async fn get(
    http: &HttpClient,
    server: &Server,
) -> (Result<(serde_json::Value, u32), ConnectorError>, Meter) {
    let meter = PassMeter::default();
    let result = meter
        .scope(http.send_json("GET /", |c| c.get(&server.url)))
        .await;
    (result, meter.snapshot())
}

#[tokio::test]
async fn a_burst_of_429s_is_waited_out_without_spending_attempts() {
    let server = serve(vec![Answer::WbLimited(20); 10]).await;
    let started = std::time::Instant::now();
    let (result, meter) = get(&client(2, Duration::from_secs(5)), &server).await;
    let (body, requests) = result.expect("the request gets through after the burst");
    assert_eq!(body["ok"], 1);
    assert_eq!(requests, 11, "ten 429s and the answer");
    assert_eq!(*server.served.lock().unwrap(), 11);
    assert_eq!(meter.requests, 11);
    assert_eq!(meter.rate_limited, 10);
    assert_eq!(meter.retries, 0, "no attempt was spent");
    assert!(meter.rate_limit_wait >= Duration::from_millis(200));
    assert!(
        started.elapsed() >= Duration::from_millis(200),
        "it waited as told"
    );
}

#[tokio::test]
async fn retry_after_is_waited_as_told() {
    let server = serve(vec![Answer::Limited(300)]).await;
    let started = std::time::Instant::now();
    let (result, meter) = get(&client(1, Duration::from_secs(5)), &server).await;
    assert_eq!(result.unwrap().1, 2);
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(meter.rate_limited, 1);
}

#[tokio::test]
async fn a_429_without_a_wait_waits_a_second() {
    let server = serve(vec![Answer::OzonLimited]).await;
    let started = std::time::Instant::now();
    let (result, _) = get(&client(1, Duration::from_secs(5)), &server).await;
    assert_eq!(result.unwrap().1, 2);
    assert!(started.elapsed() >= DEFAULT_RATE_LIMIT_WAIT);
}

#[tokio::test]
async fn waiting_out_429s_stops_at_the_time_budget() {
    let server = serve(vec![Answer::WbLimited(50); 1000]).await;
    let (result, meter) = get(&client(4, Duration::from_millis(300)), &server).await;
    assert!(
        matches!(result, Err(ConnectorError::RateLimited { .. })),
        "{result:?}"
    );
    // Five waits of 50–55 ms fit in 300 ms, the sixth does not: bounded by time,
    // not by the four attempts.
    assert!((6..=7).contains(&meter.requests), "{meter:?}");
    assert!(meter.rate_limit_wait <= Duration::from_millis(300));
}

#[tokio::test]
async fn a_slow_answer_is_retried_after_the_timeout() {
    let server = serve(vec![Answer::Slow(1000), Answer::Slow(1000)]).await;
    let (result, meter) = get(&client(3, Duration::from_secs(5)), &server).await;
    assert_eq!(result.unwrap().1, 3, "two timeouts, then the answer");
    assert_eq!(meter.timeouts, 2);
    assert_eq!(meter.retries, 2);
}

#[tokio::test]
async fn other_failures_still_spend_attempts() {
    let server = serve(vec![Answer::ServerError; 10]).await;
    let (result, meter) = get(&client(3, Duration::from_secs(5)), &server).await;
    assert!(matches!(
        result,
        Err(ConnectorError::Server { status: 500, .. })
    ));
    assert_eq!(meter.requests, 3);
    assert_eq!(meter.retries, 2);
}

#[tokio::test]
async fn a_single_attempt_client_still_waits_out_a_429() {
    let server = serve(vec![Answer::WbLimited(20), Answer::ServerError]).await;
    let http = client(4, Duration::from_secs(5)).single_attempt();
    let (result, meter) = get(&http, &server).await;
    assert!(
        matches!(result, Err(ConnectorError::Server { .. })),
        "{result:?}"
    );
    assert_eq!(
        meter.requests, 2,
        "the 429 was waited out, the 500 not retried"
    );
}

#[test]
fn backoff_grows_with_jitter_and_runs_out() {
    let http = client(4, Duration::from_secs(1));
    let waits: Vec<_> = http.backoff_schedule().collect();
    assert_eq!(waits.len(), 3, "one fewer than the attempts");
    for (wait, step) in waits.iter().zip([10u64, 20, 40]) {
        let step = Duration::from_millis(step);
        assert!(*wait >= step && *wait < step * 2, "{wait:?} for {step:?}");
    }
}
