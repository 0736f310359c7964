//! The simulator reads Ozon request bodies with its own types, as the contract types them:
//! a request the contract rejects (a required field missing, a string sent as a number,
//! a number that is not one) is refused with Ozon's error, while what the connectors send
//! goes through. It shares no request struct with the connectors, so a client misreading
//! the contract would show up here.

mod common;

use serde_json::{json, Value};

async fn post(base: &str, path: &str, body: Value) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(format!("{base}{path}"))
        .header("Client-Id", common::OZON_CLIENT_ID)
        .header("Api-Key", common::OZON_API_KEY)
        .json(&body)
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn requests_the_contract_rejects_are_rejected() {
    let sim = common::ozon_simulator().await;
    let base = sim.base_url();
    let rejected = [
        ("/v1/review/list", json!({})),
        ("/v1/review/list", json!({"limit": "many"})),
        ("/v1/review/list", json!({"limit": 50, "last_id": 17})),
        ("/v1/review/comment/list", json!({"review_id": "r"})),
        ("/v1/review/comment/create", json!({"text": "Спасибо!"})),
        (
            "/v1/review/comment/create",
            json!({"review_id": 5, "text": "Спасибо!"}),
        ),
        (
            "/v1/question/answer/create",
            json!({"question_id": "q", "text": "Да, подходит"}),
        ),
        ("/v3/chat/list", json!({})),
        ("/v3/chat/list", json!({"limit": true})),
        ("/v3/chat/history", json!({"limit": 10})),
        ("/v1/chat/send/message", json!({"chat_id": "c"})),
    ];
    for (path, body) in rejected {
        let (status, answer) = post(&base, path, body.clone()).await;
        assert_eq!(status, 400, "{path} {body}: {answer}");
        assert_eq!(
            answer["code"], 3,
            "INVALID_ARGUMENT for {path} {body}: {answer}"
        );
    }
    // What the contract allows, including a 64-bit integer written as a string.
    for (path, body) in [
        ("/v1/review/list", json!({"limit": 20})),
        ("/v1/review/list", json!({"limit": "20", "status": "ALL"})),
        (
            "/v3/chat/list",
            json!({"limit": 10, "filter": {"chat_status": "All"}}),
        ),
        ("/v1/question/list", json!({})),
    ] {
        let (status, answer) = post(&base, path, body.clone()).await;
        assert_eq!(status, 200, "{path} {body}: {answer}");
    }
}
