//! WB questions endpoints, as the published contract describes them. They share the
//! feedbacks limit group ("Вопросы и отзывы"): the same per-account bucket.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, SecondsFormat, Utc};

use serde::Deserialize;
use serde_json::json;

use super::state::{AnswerRecord, SimAccount, SimAnswer, SimQuestion};
use super::Sim;

/// WB question states: new, answered (shown to buyers), rejected by the seller.
const QUESTION_NEW: &str = "suppliersPortalSynch";
const QUESTION_ANSWERED: &str = "wbRu";
const QUESTION_REJECTED: &str = "none";

/// Body of `PATCH /api/v1/questions` in its three published shapes.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PatchBody {
    id: String,
    #[serde(default)]
    was_viewed: Option<bool>,
    #[serde(default)]
    answer: Option<PatchAnswer>,
    #[serde(default)]
    state: Option<String>,
}

#[derive(Deserialize)]
struct PatchAnswer {
    text: String,
}

/// `take` and `skip` are each at most 10 000, and so is their sum.
const MAX_WINDOW: i64 = 10_000;

/// Answer length WB accepts, in characters.
const ANSWER_LEN: std::ops::RangeInclusive<usize> = 2..=5000;

/// Whether a question is in the answered list (`isAnswered=true`): answered, or rejected
/// by the seller.
fn in_answered_list(q: &SimQuestion) -> bool {
    q.answer.is_some() || q.rejected
}

/// `GET /api/v1/questions/count`: questions answered (or rejected) or not, created within
/// `dateFrom..=dateTo`.
pub async fn count(
    State(sim): State<Sim>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let account = match sim.admit_wb("GET /api/v1/questions/count", &headers) {
        Ok(a) => a,
        Err(resp) => return resp,
    };
    let refuse = |text: String| envelope_error(StatusCode::BAD_REQUEST, text);
    let (answered, from, to) = match super::wb_feedbacks::count_query(&params, refuse) {
        Ok(q) => q,
        Err(resp) => return resp,
    };
    let state = sim.lock();
    let n = state.accounts[account]
        .questions
        .iter()
        .filter(|q| in_answered_list(q) == answered)
        .filter(|q| from.is_none_or(|f| q.created_at.timestamp() >= f))
        .filter(|q| to.is_none_or(|t| q.created_at.timestamp() <= t))
        .count();
    ok(json!(n))
}

/// `GET /api/v1/questions`
pub async fn list(
    State(sim): State<Sim>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let account = match sim.admit_wb("GET /api/v1/questions", &headers) {
        Ok(a) => a,
        Err(resp) => return resp,
    };
    let query = match ListQuery::parse(&params) {
        Ok(q) => q,
        Err(text) => return envelope_error(StatusCode::BAD_REQUEST, text),
    };
    let state = sim.lock();
    let acc = &state.accounts[account];
    let mut matching: Vec<&SimQuestion> = acc
        .questions
        .iter()
        .filter(|q| in_answered_list(q) == query.answered)
        .filter(|q| query.nm_id.is_none_or(|nm| q.product_id == nm))
        .filter(|q| {
            query
                .date_from
                .is_none_or(|from| q.created_at.timestamp() >= from)
        })
        .filter(|q| {
            query
                .date_to
                .is_none_or(|to| q.created_at.timestamp() <= to)
        })
        .collect();
    if query.descending {
        matching.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
    } else {
        matching.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
    }
    let questions = matching
        .into_iter()
        .skip(query.skip as usize)
        .take(query.take as usize)
        .map(|q| to_wire(acc, q))
        .collect::<Vec<_>>();
    ok(json!({
        "countUnanswered": acc.questions.iter().filter(|q| !in_answered_list(q)).count(),
        "countArchive": acc.questions.iter().filter(|q| in_answered_list(q)).count(),
        "questions": questions,
    }))
}

/// `GET /api/v1/question?id=` — 422 when the id names no question.
pub async fn one(
    State(sim): State<Sim>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let account = match sim.admit_wb("GET /api/v1/question", &headers) {
        Ok(a) => a,
        Err(resp) => return resp,
    };
    let state = sim.lock();
    let acc = &state.accounts[account];
    let found = params
        .get("id")
        .and_then(|id| acc.questions.iter().find(|q| &q.id == id));
    match found {
        Some(q) => ok(to_wire(acc, q)),
        None => envelope_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Невозможно получить вопрос по id".into(),
        ),
    }
}

/// `PATCH /api/v1/questions`: `{id, wasViewed}` marks viewed; `{id, answer: {text},
/// state: "wbRu"}` answers, or edits an answer once; `{id, answer: {text}, state:
/// "none"}` rejects. 200 with an empty envelope on success, 404 for an unknown id.
///
/// Every answer or edit taken is recorded for `/_sim/state`. Setting the text an answer
/// already has changes nothing a buyer sees: it succeeds without using up the edit and is
/// not recorded again, which keeps a retried call harmless.
pub async fn patch(State(sim): State<Sim>, headers: HeaderMap, body: String) -> Response {
    let account = match sim.admit_wb("PATCH /api/v1/questions", &headers) {
        Ok(a) => a,
        Err(resp) => return resp,
    };
    let Ok(request) = serde_json::from_str::<PatchBody>(&body) else {
        return envelope_error(
            StatusCode::BAD_REQUEST,
            "failed to decode JSON request.".into(),
        );
    };
    if request.id.trim().is_empty() {
        return envelope_error(StatusCode::BAD_REQUEST, "Неправильный id в запросе".into());
    }
    let action = match action_of(&request) {
        Ok(action) => action,
        Err(resp) => return resp,
    };
    let now = Utc::now();
    let mut state = sim.lock();
    let acc_name = state.accounts[account].name.clone();
    let Some(question) = state.accounts[account]
        .questions
        .iter_mut()
        .find(|q| q.id == request.id)
    else {
        return envelope_error(StatusCode::NOT_FOUND, "Не найден вопрос".into());
    };
    match action {
        Action::View => {
            if let Some(viewed) = request.was_viewed {
                question.viewed = viewed;
            }
        }
        Action::Reject => {
            question.rejected = true;
            question.viewed = true;
        }
        Action::Answer(text) => {
            let fresh = match answer_question(question, &text, now) {
                Ok(fresh) => fresh,
                Err(resp) => return resp,
            };
            if fresh {
                let item_id = question.id.clone();
                state.record_answer(
                    account,
                    AnswerRecord {
                        account: acc_name,
                        channel: "question",
                        item_id,
                        text,
                        at: now,
                        known_item: true,
                    },
                );
            }
        }
    }
    // `{data: null, error: false, errorText: "", additionalErrors: null}`
    ok(serde_json::Value::Null)
}

/// What a `PATCH /api/v1/questions` asks for.
enum Action {
    View,
    Answer(String),
    Reject,
}

/// The action a patch body asks for, or the answer WB gives a malformed one.
#[allow(clippy::result_large_err)] // the error is the response itself
fn action_of(request: &PatchBody) -> Result<Action, Response> {
    match (
        &request.answer,
        request.state.as_deref(),
        request.was_viewed,
    ) {
        (Some(answer), Some(QUESTION_ANSWERED), _) => {
            if !ANSWER_LEN.contains(&answer.text.chars().count()) {
                return Err(envelope_error(
                    StatusCode::BAD_REQUEST,
                    "Длина ответа должна быть от 2 до 5000 символов".into(),
                ));
            }
            Ok(Action::Answer(answer.text.clone()))
        }
        (Some(_), Some(QUESTION_REJECTED), _) => Ok(Action::Reject),
        (Some(_), _, _) => Err(envelope_error(
            StatusCode::BAD_REQUEST,
            "Некорректное значение параметра state".into(),
        )),
        (None, _, Some(_)) => Ok(Action::View),
        (None, _, None) => Err(envelope_error(
            StatusCode::BAD_REQUEST,
            "Не указан ответ или wasViewed".into(),
        )),
    }
}

/// Answers `question` with `text`, or edits its answer once. Returns whether the text is
/// new (the same text again changes nothing and keeps the edit).
#[allow(clippy::result_large_err)] // the error is the response itself
fn answer_question(
    question: &mut SimQuestion,
    text: &str,
    now: DateTime<Utc>,
) -> Result<bool, Response> {
    let fresh = match &question.answer {
        Some(a) if a.text == text => false,
        Some(a) if !a.editable => {
            return Err(envelope_error(
                StatusCode::BAD_REQUEST,
                "Ответ можно отредактировать только один раз".into(),
            ))
        }
        // The first answer can be edited once; an edit cannot.
        Some(_) | None => {
            question.answer = Some(SimAnswer {
                text: text.to_string(),
                state: QUESTION_ANSWERED.into(),
                editable: question.answer.is_none(),
                at: now,
            });
            true
        }
    };
    question.rejected = false;
    question.viewed = true;
    Ok(fresh)
}

struct ListQuery {
    answered: bool,
    take: i64,
    skip: i64,
    descending: bool,
    nm_id: Option<i64>,
    date_from: Option<i64>,
    date_to: Option<i64>,
}

impl ListQuery {
    fn parse(params: &HashMap<String, String>) -> Result<ListQuery, String> {
        // `dateFrom` may be given empty (`allowEmptyValue`).
        let int = |name: &str| -> Result<Option<i64>, String> {
            params
                .get(name)
                .filter(|v| !v.is_empty())
                .map(|v| {
                    v.parse::<i64>()
                        .map_err(|_| format!("Плохой формат {name}"))
                })
                .transpose()
        };
        let answered = match params.get("isAnswered").map(String::as_str) {
            Some("true") => true,
            Some("false") => false,
            Some(_) => return Err("Плохой формат isAnswered".into()),
            None => return Err("Не указан параметр isAnswered".into()),
        };
        let take = int("take")?.ok_or("Не указан параметр take")?;
        let skip = int("skip")?.ok_or("Не указан параметр skip")?;
        if !(1..=MAX_WINDOW).contains(&take) {
            return Err(format!("Параметр take должен быть от 1 до {MAX_WINDOW}"));
        }
        if !(0..=MAX_WINDOW).contains(&skip) {
            return Err(format!("Параметр skip должен быть от 0 до {MAX_WINDOW}"));
        }
        if take + skip > MAX_WINDOW {
            return Err(format!(
                "Сумма параметров take и skip не должна превышать {MAX_WINDOW}"
            ));
        }
        let descending = match params.get("order").map(String::as_str) {
            None | Some("dateAsc") => false,
            Some("dateDesc") => true,
            Some(_) => return Err("Плохой формат order".into()),
        };
        Ok(ListQuery {
            answered,
            take,
            skip,
            descending,
            nm_id: int("nmId")?,
            date_from: int("dateFrom")?,
            date_to: int("dateTo")?,
        })
    }
}

/// WB's envelope around a successful answer.
fn ok(data: serde_json::Value) -> Response {
    Json(json!({
        "data": data,
        "error": false,
        "errorText": "",
        "additionalErrors": null,
    }))
    .into_response()
}

fn envelope_error(status: StatusCode, text: String) -> Response {
    let body = json!({
        "data": null,
        "error": true,
        "errorText": text,
        "additionalErrors": null,
        "requestId": super::request_id(),
    });
    (status, Json(body)).into_response()
}

/// UTC with nanoseconds, as WB writes question dates.
fn utc(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Nanos, true)
}

/// One question as WB's contract publishes it.
fn to_wire(acc: &SimAccount, q: &SimQuestion) -> serde_json::Value {
    let product = acc.products.iter().find(|p| p.id == q.product_id);
    let state = if q.rejected {
        QUESTION_REJECTED
    } else if q.answer.is_some() {
        QUESTION_ANSWERED
    } else {
        QUESTION_NEW
    };
    json!({
        "id": q.id,
        "text": q.text,
        "createdDate": utc(q.created_at),
        "state": state,
        "answer": q.answer.as_ref().filter(|_| !q.rejected).map(|a| json!({
            "text": a.text,
            "editable": a.editable,
            "createDate": utc(a.at),
        })),
        "productDetails": {
            "imtId": q.product_id / 10 + 7,
            "nmId": q.product_id,
            "productName": product.map(|p| p.name.clone()).unwrap_or_default(),
            "supplierArticle": product.map(|p| p.vendor_code.clone()).unwrap_or_default(),
            "supplierName": acc.name,
            "brandName": product.map(|p| p.brand.clone()).unwrap_or_default(),
        },
        "wasViewed": q.viewed,
        "isWarned": false,
    })
}
