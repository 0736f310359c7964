//! The simulator against the published contracts: every response it gives in a scenario
//! that reaches every path it serves — lists, single reads, answers, and errors (4xx and
//! 429) — is validated against the response schema of its path, method and status in
//! `../shared/specs/` (read at test time, never copied into the project).
//!
//! The simulator builds its JSON from its own types, so a field one side misreads shows
//! up here instead of agreeing with itself.

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::SocketAddr;
use std::path::PathBuf;

use std::time::Duration;

use agentiq::connectors::http::{limiter, HttpClient};
use agentiq::connectors::ozon::{OzonChats, OzonQuestions, OzonReviews};
use agentiq::connectors::wb::{WbChats, WbFeedbacks, WbQuestions};
use agentiq::connectors::{Connector, ReplyTarget};
use agentiq::domain::{AnswerState, NewInteraction};
use agentiq::simulator::recording::{Exchange, Recorder};
use agentiq::simulator::{self, DemoShop, SimShop, SimulatorConfig, SimulatorHandle};
use serde_json::{json, Map, Value};
use yaml_rust2::{Yaml, YamlLoader};

// ───────────────────────────── the contracts ─────────────────────────────

fn specs_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/specs")
}

fn read_spec(name: &str) -> String {
    let path = specs_dir().join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "the contract test reads the published contracts from {} ({e}). They live in \
             the shared folder beside the clone (`../shared/specs/`); provide it — this test \
             never passes without them",
            path.display()
        )
    })
}

fn yaml_to_json(yaml: &Yaml) -> Value {
    match yaml {
        Yaml::Real(text) => text
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map_or(Value::String(text.clone()), Value::Number),
        Yaml::Integer(n) => json!(n),
        Yaml::String(s) => Value::String(s.clone()),
        Yaml::Boolean(b) => Value::Bool(*b),
        Yaml::Array(items) => Value::Array(items.iter().map(yaml_to_json).collect()),
        Yaml::Hash(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let key = match k {
                        Yaml::String(s) | Yaml::Real(s) => s.clone(),
                        Yaml::Integer(n) => n.to_string(),
                        Yaml::Boolean(b) => b.to_string(),
                        other => panic!("unsupported YAML key {other:?}"),
                    };
                    (key, yaml_to_json(v))
                })
                .collect(),
        ),
        Yaml::Null => Value::Null,
        Yaml::Alias(_) | Yaml::BadValue => panic!("unsupported YAML node {yaml:?}"),
    }
}

/// Both contracts as JSON documents.
struct Contracts {
    wb: Value,
    ozon: Value,
}

impl Contracts {
    fn load() -> Contracts {
        let wb_text = read_spec("wb-communications.yaml");
        let docs = YamlLoader::load_from_str(&wb_text).expect("wb-communications.yaml is YAML");
        let wb = yaml_to_json(docs.first().expect("one YAML document"));
        let ozon: Value = serde_json::from_str(&read_spec("ozon-communications.json"))
            .expect("ozon-communications.json is JSON");
        Contracts { wb, ozon }
    }

    fn for_path(&self, path: &str) -> Option<&Value> {
        [&self.wb, &self.ozon]
            .into_iter()
            .find(|doc| doc["paths"].get(path).is_some())
    }
}

/// The JSON Schema type for an OpenAPI type name. Ozon's extract uses a few names that
/// are not JSON Schema types: `int64`/`int32` (integers), `timestamp` (an RFC 3339
/// string) and `enum` (a string from the listed values).
fn json_type(name: &str, at: &str) -> &'static str {
    match name {
        "integer" | "int64" | "int32" => "integer",
        "number" => "number",
        "string" | "timestamp" | "enum" => "string",
        "boolean" => "boolean",
        "array" => "array",
        "object" => "object",
        other => panic!("unmapped type name `{other}` at {at}: map it in json_type"),
    }
}

/// An OpenAPI 3.0 schema as a self-contained JSON Schema: `$ref`s inlined, the
/// non-standard type names mapped, `nullable` turned into a `null` type, and examples
/// dropped (OpenAPI's `example` is no JSON Schema keyword).
fn to_json_schema(doc: &Value, schema: &Value, at: &str, depth: usize) -> Value {
    assert!(depth < 64, "$ref cycle at {at}");
    let Value::Object(map) = schema else {
        return schema.clone();
    };
    if let Some(Value::String(target)) = map.get("$ref") {
        let resolved = deref(doc, target);
        return to_json_schema(doc, resolved, target, depth + 1);
    }
    let mut out = Map::new();
    for (key, value) in map {
        let here = format!("{at}/{key}");
        let converted = match key.as_str() {
            "example" | "examples" | "xml" | "externalDocs" | "discriminator" => continue,
            "type" => match value {
                Value::String(name) => json!(json_type(name, &here)),
                other => other.clone(),
            },
            "properties" | "patternProperties" => Value::Object(
                value
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(name, s)| {
                        (
                            name.clone(),
                            to_json_schema(doc, s, &format!("{here}/{name}"), depth + 1),
                        )
                    })
                    .collect(),
            ),
            "items" | "not" | "additionalProperties" if value.is_object() => {
                to_json_schema(doc, value, &here, depth + 1)
            }
            "allOf" | "anyOf" | "oneOf" => Value::Array(
                value
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|s| to_json_schema(doc, s, &here, depth + 1))
                    .collect(),
            ),
            _ => value.clone(),
        };
        out.insert(key.clone(), converted);
    }
    if out.remove("nullable") == Some(Value::Bool(true)) {
        if let Some(Value::String(t)) = out.get("type").cloned() {
            out.insert("type".into(), json!([t, "null"]));
        }
        if let Some(Value::Array(values)) = out.get_mut("enum") {
            values.push(Value::Null);
        }
    }
    Value::Object(out)
}

fn deref<'a>(doc: &'a Value, target: &str) -> &'a Value {
    let pointer = target
        .strip_prefix('#')
        .unwrap_or_else(|| panic!("only local $refs are expected, found {target}"));
    doc.pointer(pointer)
        .unwrap_or_else(|| panic!("$ref {target} names nothing in the contract"))
}

/// What the contract says a response of this path, method, status and media type looks
/// like: its JSON Schema, `None` when it declares no body, or why the exchange breaks the
/// contract.
fn response_schema(
    contracts: &Contracts,
    method: &str,
    path: &str,
    status: u16,
    media_type: Option<&str>,
) -> Result<Option<Value>, String> {
    let doc = contracts
        .for_path(path)
        .ok_or_else(|| format!("{method} {path}: not a path of either contract"))?;
    let op = &doc["paths"][path][method.to_ascii_lowercase()];
    if op.is_null() {
        return Err(format!("{method} {path}: the contract has no such method"));
    }
    let responses = &op["responses"];
    let declared = responses
        .get(status.to_string())
        .or_else(|| responses.get("default"));
    let response = match declared {
        Some(r) => r,
        // Ozon's chat methods declare neither 401 nor 429; the README documents both with
        // Ozon's common error body (`rpcStatus`).
        None if std::ptr::eq(doc, &contracts.ozon) && matches!(status, 401 | 429) => {
            return Ok(Some(to_json_schema(
                doc,
                &json!({"$ref": "#/components/schemas/rpcStatus"}),
                "rpcStatus",
                0,
            )));
        }
        None => {
            return Err(format!(
                "{method} {path}: status {status} is not declared (declared: {})",
                responses
                    .as_object()
                    .map(|m| m.keys().cloned().collect::<Vec<_>>().join(", "))
                    .unwrap_or_default()
            ))
        }
    };
    let response = match response.get("$ref").and_then(Value::as_str) {
        Some(target) => deref(doc, target),
        None => response,
    };
    let Some(content) = response.get("content").and_then(Value::as_object) else {
        return Ok(None);
    };
    let media = media_type.unwrap_or("(none)");
    let declared = content.get(media).ok_or_else(|| {
        format!(
            "{method} {path} {status}: served as {media}, the contract declares {}",
            content.keys().cloned().collect::<Vec<_>>().join(", ")
        )
    })?;
    Ok(declared
        .get("schema")
        .map(|s| to_json_schema(doc, s, &format!("{method} {path} {status}"), 0)))
}

/// Paths the simulator serves that no contract here covers: product cards (WB's public
/// CDN, Ozon's product API) and the simulator's own controls.
fn outside_the_contracts(path: &str) -> bool {
    path.starts_with("/_sim/")
        || path == "/api/v3/upstreams"
        || path.ends_with("/info/ru/card.json")
        || path == "/v3/product/info/list"
}

/// Every exchange checked; the list of every way one broke its contract.
fn violations(contracts: &Contracts, exchanges: &[Exchange]) -> Vec<String> {
    type Key = (String, String, u16, Option<String>);
    let mut validators: HashMap<Key, Option<jsonschema::Validator>> = HashMap::new();
    let mut found = BTreeSet::new();
    for ex in exchanges {
        if outside_the_contracts(&ex.path) {
            continue;
        }
        let key = (
            ex.method.clone(),
            ex.path.clone(),
            ex.status,
            ex.content_type.clone(),
        );
        if !validators.contains_key(&key) {
            let media = ex.content_type.as_deref();
            match response_schema(contracts, &ex.method, &ex.path, ex.status, media) {
                Ok(schema) => {
                    let validator = schema.map(|s| {
                        jsonschema::draft4::options()
                            .should_validate_formats(false)
                            .build(&s)
                            .unwrap_or_else(|e| {
                                panic!("schema of {} {} {}: {e}", ex.method, ex.path, ex.status)
                            })
                    });
                    validators.insert(key.clone(), validator);
                }
                Err(message) => {
                    found.insert(message);
                    continue;
                }
            }
        }
        let Some(validator) = &validators[&key] else {
            if !ex.body.is_empty() {
                found.insert(format!(
                    "{} {} {}: a body where the contract declares none",
                    ex.method, ex.path, ex.status
                ));
            }
            continue;
        };
        let body: Value = match serde_json::from_slice(&ex.body) {
            Ok(v) => v,
            Err(e) => {
                found.insert(format!(
                    "{} {} {}: body is not JSON: {e}",
                    ex.method, ex.path, ex.status
                ));
                continue;
            }
        };
        for error in validator.iter_errors(&body) {
            found.insert(format!(
                "{} {} {}: at {}: {error}",
                ex.method,
                ex.path,
                ex.status,
                error.instance_path()
            ));
        }
    }
    found.into_iter().collect()
}

// ───────────────────────────── the scenario ─────────────────────────────

/// `unlimited`: no published limits enforced, so the scenario runs fast; the 429s come
/// from a second, limited simulator recording into the same place.
async fn recorded_simulator(recorder: Recorder, unlimited: bool) -> SimulatorHandle {
    let config = SimulatorConfig {
        shops: vec![
            SimShop {
                shop: DemoShop::wb().expect("demo shop"),
                token: common::TOKEN.into(),
                client_id: None,
            },
            SimShop {
                shop: DemoShop::ozon().expect("demo shop"),
                token: common::OZON_API_KEY.into(),
                client_id: Some(common::OZON_CLIENT_ID.into()),
            },
        ],
        seed: 42,
        unlimited,
        ..SimulatorConfig::default()
    };
    simulator::spawn_recorded(
        config,
        SocketAddr::from(([127, 0, 0, 1], 0)),
        Some(recorder),
    )
    .await
    .expect("simulator starts")
}

/// Pulls until nothing more is waiting; the latest report of every item.
async fn drain(connector: &dyn Connector) -> Vec<NewInteraction> {
    let mut cursor: Option<String> = None;
    let mut items = BTreeMap::new();
    for _ in 0..1000 {
        let pull = connector.pull(cursor.as_deref()).await.expect("pull");
        for item in pull.items {
            items.insert(item.external_id.clone(), item);
        }
        cursor = Some(pull.cursor);
        if !pull.more {
            return items.into_values().collect();
        }
    }
    panic!("{} never finished a pass", connector.id());
}

/// A client limiter that never holds a request back (the simulator here enforces none).
fn unpaced() -> agentiq::connectors::http::SharedLimiter {
    limiter(Duration::from_micros(1), 1000)
}

fn target(item: &NewInteraction) -> ReplyTarget {
    ReplyTarget {
        external_id: item.external_id.clone(),
        reply_handle: item.reply_handle.clone(),
        product_external_id: item.product.as_ref().map(|p| p.external_id.clone()),
    }
}

/// Reads everything, answers one open item and reads the answer back, and looks up an
/// id the marketplace does not know.
async fn exercise(connector: &dyn Connector, text: &str) {
    connector
        .total()
        .await
        .unwrap_or_else(|e| panic!("{}: count: {e}", connector.id()));
    let items = drain(connector).await;
    let open = items
        .iter()
        .find(|i| i.answer_state() == AnswerState::Open)
        .unwrap_or_else(|| panic!("{}: an open item", connector.id()));
    connector
        .send_answer(&target(open), text)
        .await
        .unwrap_or_else(|e| panic!("{}: answer: {e}", connector.id()));
    connector
        .current_answer(&target(open))
        .await
        .unwrap_or_else(|e| panic!("{}: read-back: {e}", connector.id()));
    connector
        .open_ids()
        .await
        .unwrap_or_else(|e| panic!("{}: open ids: {e}", connector.id()));
    connector
        .fetch_item("no-such-item")
        .await
        .unwrap_or_else(|e| panic!("{}: unknown id: {e}", connector.id()));
}

async fn wb_get(sim: &SimulatorHandle, path: &str, query: &[(&str, &str)], token: &str) -> u16 {
    reqwest::Client::new()
        .get(format!("{}{path}", sim.base_url()))
        .header("Authorization", token)
        .query(query)
        .send()
        .await
        .expect("request")
        .status()
        .as_u16()
}

async fn ozon_post(sim: &SimulatorHandle, path: &str, body: Value, key: &str) -> (u16, Value) {
    let mut request = reqwest::Client::new()
        .post(format!("{}{path}", sim.base_url()))
        .json(&body);
    if !key.is_empty() {
        request = request
            .header("Client-Id", common::OZON_CLIENT_ID)
            .header("Api-Key", key);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn wb_scenario(sim: &SimulatorHandle) {
    // Two reviews past WB's 30 days, so the archive serves something.
    {
        let mut state = sim.sim.lock();
        let reviews = &mut state.accounts[0].reviews;
        for r in reviews.iter_mut().take(2) {
            r.created_at -= chrono::Duration::days(40);
        }
    }
    // The simulator enforces no limit here, so the clients need not pace.
    let base = sim.base_url();
    let http = || HttpClient::new("wb", unpaced(), common::fast_retry());
    let reviews_and_questions = async {
        exercise(
            &WbFeedbacks::new(http(), &base, common::TOKEN).with_page_size(100),
            "Спасибо за отзыв!",
        )
        .await;
        exercise(
            &WbQuestions::new(http(), &base, common::TOKEN),
            "Да, подходит к обеим моделям.",
        )
        .await;
    };
    let chats_http = HttpClient::new("wb", unpaced(), common::fast_retry());
    let chats_connector = WbChats::new(chats_http, &base, common::TOKEN);
    let chats = exercise(&chats_connector, "Здравствуйте! Уже проверяем заказ.");
    tokio::join!(reviews_and_questions, chats);

    edit_once(sim).await;

    let wrong = "not-a-token";
    assert_eq!(wb_get(sim, "/api/v1/feedbacks", &[], wrong).await, 401);
    assert_eq!(wb_get(sim, "/api/v1/seller/chats", &[], wrong).await, 401);
    let token = common::TOKEN;
    let no_is_answered = [("take", "10"), ("skip", "0")];
    assert_eq!(
        wb_get(sim, "/api/v1/feedbacks", &no_is_answered, token).await,
        400
    );
    assert_eq!(
        wb_get(sim, "/api/v1/questions", &no_is_answered, token).await,
        400
    );
    assert_eq!(
        wb_get(sim, "/api/v1/feedbacks/archive", &[("take", "0")], token).await,
        400
    );
    assert_eq!(
        wb_get(
            sim,
            "/api/v1/feedbacks/count",
            &[("isAnswered", "maybe")],
            token
        )
        .await,
        400
    );
    assert_eq!(
        wb_get(sim, "/api/v1/question", &[("id", "nope")], token).await,
        422
    );
    assert_eq!(
        wb_get(sim, "/api/v1/seller/events", &[("next", "x")], token).await,
        400
    );
    let client = reqwest::Client::new();
    let short = client
        .post(format!("{}/api/v1/feedbacks/answer", sim.base_url()))
        .header("Authorization", token)
        .json(&json!({"id": "x", "text": "a"}))
        .send()
        .await
        .unwrap();
    assert_eq!(short.status(), 400);
    let unknown = client
        .patch(format!("{}/api/v1/questions", sim.base_url()))
        .header("Authorization", token)
        .json(&json!({"id": "no-such-question", "answer": {"text": "Да"}, "state": "wbRu"}))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    let form = reqwest::multipart::Form::new()
        .text("replySign", "not-a-sign")
        .text("message", "Здравствуйте");
    let bad_sign = client
        .post(format!("{}/api/v1/seller/message", sim.base_url()))
        .header("Authorization", token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(bad_sign.status(), 400);
}

/// `PATCH /api/v1/feedbacks/answer` through the connector: the edit shows on the
/// feedback; a second one is answered 204 like any call (the contract declares no
/// refusal) and changes nothing; a wrong token is refused.
async fn edit_once(sim: &SimulatorHandle) {
    let id = {
        let mut state = sim.sim.lock();
        let review = state.accounts[0]
            .reviews
            .iter_mut()
            .find(|r| r.answer.is_some())
            .expect("an answered demo review");
        if let Some(answer) = review.answer.as_mut() {
            answer.editable = true;
            answer.at = chrono::Utc::now();
        }
        review.id.clone()
    };
    let http = HttpClient::new("wb", unpaced(), common::fast_retry());
    let feedbacks = WbFeedbacks::new(http, &sim.base_url(), common::TOKEN);
    let target = ReplyTarget {
        external_id: id,
        reply_handle: None,
        product_external_id: None,
    };
    for text in ["Исправленный ответ: спасибо!", "Вторая правка"]
    {
        feedbacks
            .edit_answer(&target, text)
            .await
            .unwrap_or_else(|e| panic!("edit: {e}"));
    }
    let shown = feedbacks.answer_status(&target).await.expect("read back");
    assert_eq!(
        shown.map(|a| a.text).as_deref(),
        Some("Исправленный ответ: спасибо!"),
        "the first edit took, the second changed nothing"
    );
    let refused = reqwest::Client::new()
        .patch(format!("{}/api/v1/feedbacks/answer", sim.base_url()))
        .header("Authorization", "not-a-token")
        .json(&json!({"id": "x", "text": "Новый текст"}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);
}

/// Over the published limits (on a simulator that enforces them): WB's and Ozon's 429.
async fn over_the_limits(sim: &SimulatorHandle) {
    let token = common::TOKEN;
    for (path, n) in [("/api/v1/feedbacks", 12), ("/api/v1/seller/chats", 14)] {
        let calls = (0..n).map(|_| {
            wb_get(
                sim,
                path,
                &[("isAnswered", "false"), ("take", "1"), ("skip", "0")],
                token,
            )
        });
        let statuses = futures::future::join_all(calls).await;
        assert!(statuses.contains(&429), "{path}: {statuses:?}");
    }
}

async fn ozon_scenario(sim: &SimulatorHandle) {
    let api = agentiq::connectors::ozon::OzonApi::new(
        &sim.base_url(),
        common::OZON_CLIENT_ID,
        common::OZON_API_KEY,
        unpaced(),
        common::fast_retry(),
    );
    exercise(&OzonReviews::new(api.clone()), "Спасибо за отзыв!").await;
    exercise(&OzonQuestions::new(api.clone()), "Да, подойдёт.").await;
    exercise(&OzonChats::new(api.clone()), "Здравствуйте! Проверяем.").await;

    let key = common::OZON_API_KEY;
    let (_, list) = ozon_post(sim, "/v1/review/list", json!({"limit": 20}), key).await;
    let review_id = list["reviews"][0]["id"].clone();
    let (status, _) = ozon_post(sim, "/v1/review/info", json!({"review_id": review_id}), key).await;
    assert_eq!(status, 200);
    let (_, list) = ozon_post(sim, "/v1/question/list", json!({}), key).await;
    let question_id = list["questions"][0]["id"].clone();
    let (status, _) = ozon_post(
        sim,
        "/v1/question/info",
        json!({"question_id": question_id}),
        key,
    )
    .await;
    assert_eq!(status, 200);

    for (path, body, expected) in [
        ("/v1/review/list", json!({"limit": 5}), 400),
        ("/v1/review/info", json!({"review_id": "nope"}), 404),
        (
            "/v1/review/comment/list",
            json!({"review_id": "nope", "limit": 20}),
            404,
        ),
        ("/v1/review/comment/create", json!({"text": "x"}), 400),
        ("/v1/question/list", json!({"filter": {"status": "?"}}), 400),
        ("/v1/question/info", json!({"question_id": "nope"}), 404),
        ("/v1/question/answer/list", json!({}), 400),
        (
            "/v1/question/answer/create",
            json!({"question_id": "nope", "sku": 1, "text": "Да"}),
            404,
        ),
        ("/v3/chat/list", json!({}), 400),
        ("/v3/chat/history", json!({"chat_id": "nope"}), 404),
        ("/v1/chat/send/message", json!({"text": "x"}), 400),
    ] {
        let (status, body) = ozon_post(sim, path, body, key).await;
        assert_eq!(status, expected, "{path}: {body}");
    }
    let (status, _) = ozon_post(sim, "/v3/chat/list", json!({"limit": 1}), "wrong-key").await;
    assert_eq!(status, 403);
    let (status, _) = ozon_post(sim, "/v3/chat/list", json!({"limit": 1}), "").await;
    assert_eq!(status, 401);
    let (status, _) = ozon_post(sim, "/v1/review/list", json!({"limit": 20}), "").await;
    assert_eq!(status, 401);
}

async fn ozon_over_the_limit(sim: &SimulatorHandle) {
    let key = common::OZON_API_KEY;
    // Over about 50 a second: Ozon's 429, on a review method and on a chat method.
    for path in ["/v1/review/list", "/v3/chat/list"] {
        let calls = (0..80).map(|_| ozon_post(sim, path, json!({"limit": 20}), key));
        let statuses: Vec<u16> = futures::future::join_all(calls)
            .await
            .into_iter()
            .map(|(s, _)| s)
            .collect();
        assert!(statuses.contains(&429), "{path}: {statuses:?}");
    }
}

/// Every path the simulator serves under a contract, with the statuses the scenario must
/// have drawn from it.
const EXPECTED: &[(&str, &str, &[u16])] = &[
    ("GET", "/api/v1/feedbacks", &[200, 400, 401, 429]),
    ("GET", "/api/v1/feedback", &[200, 422]),
    ("GET", "/api/v1/feedbacks/archive", &[200, 400]),
    ("GET", "/api/v1/feedbacks/count", &[200, 400]),
    ("GET", "/api/v1/questions/count", &[200]),
    ("POST", "/v1/review/count", &[200]),
    ("POST", "/v1/question/count", &[200]),
    ("POST", "/api/v1/feedbacks/answer", &[204, 400]),
    ("PATCH", "/api/v1/feedbacks/answer", &[204, 401]),
    ("GET", "/api/v1/questions", &[200, 400]),
    ("GET", "/api/v1/question", &[200, 422]),
    ("PATCH", "/api/v1/questions", &[200, 404]),
    ("GET", "/api/v1/seller/chats", &[200, 401, 429]),
    ("GET", "/api/v1/seller/events", &[200, 400]),
    ("POST", "/api/v1/seller/message", &[200, 400]),
    ("POST", "/v1/review/list", &[200, 400, 401, 429]),
    ("POST", "/v1/review/info", &[200, 404]),
    ("POST", "/v1/review/comment/create", &[200, 400]),
    ("POST", "/v1/review/comment/list", &[200, 404]),
    ("POST", "/v1/question/list", &[200, 400]),
    ("POST", "/v1/question/info", &[200, 404]),
    ("POST", "/v1/question/answer/create", &[200, 404]),
    ("POST", "/v1/question/answer/list", &[200, 400]),
    ("POST", "/v3/chat/list", &[200, 400, 401, 403, 429]),
    ("POST", "/v3/chat/history", &[200, 404]),
    ("POST", "/v1/chat/send/message", &[200, 400]),
];

#[tokio::test]
async fn every_simulator_response_matches_the_published_schema() {
    let contracts = Contracts::load();
    let recorder = Recorder::default();
    let sim = recorded_simulator(recorder.clone(), true).await;
    tokio::join!(wb_scenario(&sim), ozon_scenario(&sim));
    let limited = recorded_simulator(recorder.clone(), false).await;
    tokio::join!(over_the_limits(&limited), ozon_over_the_limit(&limited));
    let exchanges = recorder.exchanges();

    let seen: BTreeSet<(String, String, u16)> = exchanges
        .iter()
        .map(|e| (e.method.clone(), e.path.clone(), e.status))
        .collect();
    let mut missing = Vec::new();
    for (method, path, statuses) in EXPECTED {
        for status in *statuses {
            if !seen.contains(&(method.to_string(), path.to_string(), *status)) {
                missing.push(format!("{method} {path} {status}"));
            }
        }
    }
    assert!(missing.is_empty(), "the scenario never drew: {missing:#?}");
    let served: BTreeSet<(&str, &str)> = exchanges
        .iter()
        .filter(|e| !outside_the_contracts(&e.path))
        .map(|e| (e.method.as_str(), e.path.as_str()))
        .collect();
    let expected: BTreeSet<(&str, &str)> = EXPECTED.iter().map(|(m, p, _)| (*m, *p)).collect();
    assert_eq!(
        served, expected,
        "every contract path the simulator serves is listed"
    );

    let broken = violations(&contracts, &exchanges);
    assert!(
        broken.is_empty(),
        "{} of {} responses break the contract:\n{}",
        broken.len(),
        exchanges.len(),
        broken.join("\n")
    );
}

#[test]
fn the_validator_catches_what_the_issue_found() {
    let contracts = Contracts::load();
    let check = |method: &str, path: &str, status: u16, body: Value| {
        let exchange = Exchange {
            method: method.into(),
            path: path.into(),
            status,
            content_type: Some("application/json".into()),
            body: serde_json::to_vec(&body).unwrap(),
        };
        violations(&contracts, &[exchange])
    };
    // String message ids where the contract has integers.
    let broken = check(
        "POST",
        "/v3/chat/history",
        200,
        json!({"has_next": false, "messages": [{"message_id": "3000000000000000001",
            "created_at": "2026-01-01T00:00:00Z", "data": ["Привет"],
            "user": {"id": "1", "type": "customer"}, "is_read": true, "is_image": false}]}),
    );
    assert!(
        broken.iter().any(|m| m.contains("message_id")),
        "{broken:?}"
    );
    // 400 where the contract answers an unknown feedback id with 422.
    let broken = check(
        "GET",
        "/api/v1/feedback",
        400,
        json!({"data": null, "error": true, "errorText": "x"}),
    );
    assert!(
        broken.iter().any(|m| m.contains("not declared")),
        "{broken:?}"
    );
    // A null parent comment id where the contract has a string.
    let broken = check(
        "POST",
        "/v1/review/comment/list",
        200,
        json!({"comments": [{"id": "c", "is_official": false, "is_owner": true,
            "parent_comment_id": null, "published_at": "2026-01-01T00:00:00Z", "text": "Спасибо"}],
            "offset": 1}),
    );
    assert!(
        broken.iter().any(|m| m.contains("parent_comment_id")),
        "{broken:?}"
    );
}
