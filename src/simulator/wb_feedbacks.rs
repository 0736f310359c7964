//! WB feedbacks endpoints, as the published contract describes them.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, FixedOffset, Utc};

use super::state::{AnswerRecord, SimAccount, SimAnswer, SimReview};
use super::{wb_error, Sim};
use serde::Deserialize;
use serde_json::json;

const MAX_TAKE: i64 = 5000;
const MAX_SKIP: i64 = 199_990;

/// `GET /api/v1/feedbacks`
pub async fn list(
    State(sim): State<Sim>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let account = match sim.admit_wb("GET /api/v1/feedbacks", &headers) {
        Ok(a) => a,
        Err(resp) => return resp,
    };
    let query = match ListQuery::parse(&params) {
        Ok(q) => q,
        Err(text) => return bad_request(text),
    };
    let state = sim.lock();
    let acc = &state.accounts[account];
    // Reviews are kept in creation order, so the date window is two binary searches and a
    // page costs skip + take, not the whole list.
    let start = query.date_from.map_or(0, |from| {
        acc.reviews
            .partition_point(|r| r.created_at.timestamp() < from)
    });
    let end = query.date_to.map_or(acc.reviews.len(), |to| {
        acc.reviews
            .partition_point(|r| r.created_at.timestamp() <= to)
    });
    let window = &acc.reviews[start..end.max(start)];
    let now = Utc::now();
    let wanted = |r: &&SimReview| {
        !in_archive(r, now)
            && r.answer.is_some() == query.answered
            && query.nm_id.is_none_or(|nm| r.product_id == nm)
    };
    let page: Vec<&SimReview> = if query.descending {
        window
            .iter()
            .rev()
            .filter(wanted)
            .skip(query.skip as usize)
            .take(query.take as usize)
            .collect()
    } else {
        window
            .iter()
            .filter(wanted)
            .skip(query.skip as usize)
            .take(query.take as usize)
            .collect()
    };
    let feedbacks: Vec<serde_json::Value> = page.into_iter().map(|r| to_wire(acc, r)).collect();
    ok(json!({
        "countUnanswered": acc.reviews.iter().filter(|r| r.answer.is_none()).count(),
        "countArchive": acc.reviews.iter().filter(|r| r.answer.is_some()).count(),
        "feedbacks": feedbacks,
    }))
}

/// How long an unanswered feedback stays in the lists before WB moves it to the archive.
pub const ARCHIVE_AFTER_DAYS: i64 = 30;

/// A feedback WB has moved to the archive: older than [`ARCHIVE_AFTER_DAYS`], or with
/// neither text nor photos. (WB also archives answered ones in time; the simulator keeps
/// those in the answered list, as WB does for a while.)
pub fn in_archive(r: &SimReview, now: DateTime<Utc>) -> bool {
    let empty = r.text.trim().is_empty()
        && r.pros.as_deref().is_none_or(|t| t.trim().is_empty())
        && r.cons.as_deref().is_none_or(|t| t.trim().is_empty())
        && r.photos == 0;
    empty || now - r.created_at > chrono::Duration::days(ARCHIVE_AFTER_DAYS)
}

/// `GET /api/v1/feedbacks/archive`: `take` (1..=5000) and `skip` (0..=199990) required,
/// `order` and `nmId` optional; no date filter.
pub async fn archive(
    State(sim): State<Sim>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let account = match sim.admit_wb("GET /api/v1/feedbacks/archive", &headers) {
        Ok(a) => a,
        Err(resp) => return resp,
    };
    let mut params = params;
    // The archive takes no `isAnswered`; the list parser wants one.
    params.insert("isAnswered".into(), "true".into());
    params.remove("dateFrom");
    params.remove("dateTo");
    let query = match ListQuery::parse(&params) {
        Ok(q) => q,
        Err(text) => return bad_request(text),
    };
    let now = Utc::now();
    let state = sim.lock();
    let acc = &state.accounts[account];
    let wanted =
        |r: &&SimReview| in_archive(r, now) && query.nm_id.is_none_or(|nm| r.product_id == nm);
    let page: Vec<serde_json::Value> = if query.descending {
        acc.reviews
            .iter()
            .rev()
            .filter(wanted)
            .skip(query.skip as usize)
            .take(query.take as usize)
            .map(|r| to_wire(acc, r))
            .collect()
    } else {
        acc.reviews
            .iter()
            .filter(wanted)
            .skip(query.skip as usize)
            .take(query.take as usize)
            .map(|r| to_wire(acc, r))
            .collect()
    };
    ok(json!({"feedbacks": page}))
}

/// The optional `isAnswered` (true by default), `dateFrom` and `dateTo` of the count
/// methods, or the refusal to send.
#[allow(clippy::result_large_err)] // the error is the response itself
pub(super) fn count_query(
    params: &HashMap<String, String>,
    bad_request: fn(String) -> Response,
) -> Result<(bool, Option<i64>, Option<i64>), Response> {
    let answered = match params.get("isAnswered").map(String::as_str) {
        None | Some("true") => true,
        Some("false") => false,
        Some(_) => {
            return Err(bad_request(
                "Некорректное значение параметра isAnswered".into(),
            ))
        }
    };
    let time = |name: &str| -> Result<Option<i64>, Response> {
        params
            .get(name)
            .map(|v| {
                v.parse::<i64>()
                    .map_err(|_| bad_request(format!("Некорректное значение параметра {name}")))
            })
            .transpose()
    };
    Ok((answered, time("dateFrom")?, time("dateTo")?))
}

/// `GET /api/v1/feedbacks/count`: feedbacks in the lists (not the archive) with the
/// given answer state, created within `dateFrom..=dateTo`.
pub async fn count(
    State(sim): State<Sim>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let account = match sim.admit_wb("GET /api/v1/feedbacks/count", &headers) {
        Ok(a) => a,
        Err(resp) => return resp,
    };
    let (answered, from, to) = match count_query(&params, bad_request) {
        Ok(q) => q,
        Err(resp) => return resp,
    };
    let now = Utc::now();
    let state = sim.lock();
    let n = state.accounts[account]
        .reviews
        .iter()
        .filter(|r| !in_archive(r, now) && r.answer.is_some() == answered)
        .filter(|r| from.is_none_or(|f| r.created_at.timestamp() >= f))
        .filter(|r| to.is_none_or(|t| r.created_at.timestamp() <= t))
        .count();
    ok(json!(n))
}

/// `GET /api/v1/feedback?id=`
pub async fn one(
    State(sim): State<Sim>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let account = match sim.admit_wb("GET /api/v1/feedback", &headers) {
        Ok(a) => a,
        Err(resp) => return resp,
    };
    let Some(id) = params.get("id").filter(|s| !s.is_empty()) else {
        return unprocessable("Неправильный id в запросе");
    };
    let state = sim.lock();
    let acc = &state.accounts[account];
    match acc.reviews.iter().find(|r| &r.id == id) {
        Some(r) => ok(to_wire(acc, r)),
        // The contract answers an unknown id with 422 (`ResponseGetFeedbackByIdErrEx`).
        None => unprocessable("Невозможно получить отзыв по id"),
    }
}

/// `POST /api/v1/feedbacks/answer` — 204 on success. Like WB, an unknown id is not an
/// error: the call "succeeds" and nothing is answered.
pub async fn answer(State(sim): State<Sim>, headers: HeaderMap, body: String) -> Response {
    let account = match sim.admit_wb("POST /api/v1/feedbacks/answer", &headers) {
        Ok(a) => a,
        Err(resp) => return resp,
    };
    let request: AnswerBody = match serde_json::from_str(&body) {
        Ok(r) => r,
        Err(_) => {
            return wb_error(
                StatusCode::BAD_REQUEST,
                "invalid json syntax",
                "failed to decode JSON request",
            )
        }
    };
    let len = request.text.chars().count();
    if !(2..=5000).contains(&len) {
        return wb_error(
            StatusCode::BAD_REQUEST,
            "invalid text length",
            "text must be 2..5000 characters",
        );
    }
    let now = Utc::now();
    let mut state = sim.lock();
    let acc_name = state.accounts[account].name.clone();
    let review = state.accounts[account]
        .reviews
        .iter_mut()
        .find(|r| r.id == request.id);
    let known_item = review.is_some();
    if let Some(review) = review {
        review.answer = Some(SimAnswer {
            text: request.text.clone(),
            state: "wbRu".into(),
            editable: true,
            at: now,
        });
        review.viewed = true;
    }
    state.record_answer(
        account,
        AnswerRecord {
            account: acc_name,
            channel: "review",
            item_id: request.id,
            text: request.text,
            at: now,
            known_item,
        },
    );
    StatusCode::NO_CONTENT.into_response()
}

/// How long after it was sent WB lets an answer be edited.
pub const EDIT_WITHIN_DAYS: i64 = 60;

/// `PATCH /api/v1/feedbacks/answer {id, text}` — edits a published answer, once, within
/// [`EDIT_WITHIN_DAYS`] of sending it. The contract declares only 204 (besides 401 and
/// 429) and says the id is not validated: so every authorised call is answered 204, and
/// an edit WB would not make — unknown id, no answer, the one edit spent or too late,
/// text outside 2..5000 characters, a body without `id` and `text` strings — simply
/// changes nothing. Only reading the feedback back tells an edit that took.
pub async fn edit(State(sim): State<Sim>, headers: HeaderMap, body: String) -> Response {
    let account = match sim.admit_wb("PATCH /api/v1/feedbacks/answer", &headers) {
        Ok(a) => a,
        Err(resp) => return resp,
    };
    let request: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
    let (Some(id), Some(text)) = (request["id"].as_str(), request["text"].as_str()) else {
        return StatusCode::NO_CONTENT.into_response();
    };
    if !(2..=5000).contains(&text.chars().count()) {
        return StatusCode::NO_CONTENT.into_response();
    }
    let now = Utc::now();
    let mut state = sim.lock();
    let acc = &mut state.accounts[account];
    let acc_name = acc.name.clone();
    let editable =
        |a: &SimAnswer| a.editable && now - a.at <= chrono::Duration::days(EDIT_WITHIN_DAYS);
    let Some(answer) = acc
        .reviews
        .iter_mut()
        .find(|r| r.id == id)
        .and_then(|r| r.answer.as_mut())
        .filter(|a| editable(a))
    else {
        return StatusCode::NO_CONTENT.into_response();
    };
    answer.text = text.to_string();
    answer.editable = false;
    state.edits.push(AnswerRecord {
        account: acc_name,
        channel: "review",
        item_id: id.to_string(),
        text: text.to_string(),
        at: now,
        known_item: true,
    });
    StatusCode::NO_CONTENT.into_response()
}

/// Body of `POST /api/v1/feedbacks/answer`.
#[derive(Deserialize)]
struct AnswerBody {
    id: String,
    text: String,
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
        let int = |name: &str| -> Result<Option<i64>, String> {
            params
                .get(name)
                .map(|v| {
                    v.parse::<i64>()
                        .map_err(|_| format!("Некорректное значение параметра {name}"))
                })
                .transpose()
        };
        let answered = match params.get("isAnswered").map(String::as_str) {
            Some("true") => true,
            Some("false") => false,
            Some(_) => return Err("Некорректное значение параметра isAnswered".into()),
            None => return Err("Не указан параметр isAnswered".into()),
        };
        let take = int("take")?.ok_or("Не указан параметр take")?;
        let skip = int("skip")?.ok_or("Не указан параметр skip")?;
        if !(1..=MAX_TAKE).contains(&take) {
            return Err(format!("Параметр take должен быть от 1 до {MAX_TAKE}"));
        }
        if !(0..=MAX_SKIP).contains(&skip) {
            return Err(format!("Параметр skip должен быть от 0 до {MAX_SKIP}"));
        }
        let descending = match params.get("order").map(String::as_str) {
            None | Some("dateAsc") => false,
            Some("dateDesc") => true,
            Some(_) => return Err("Некорректное значение параметра order".into()),
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

/// 422, the only error `GET /api/v1/feedback` publishes besides 401 and 429.
fn unprocessable(text: &str) -> Response {
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        Json(json!({
            "data": null,
            "error": true,
            "errorText": text,
            "additionalErrors": null,
            "requestId": super::request_id(),
        })),
    )
        .into_response()
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

/// WB's envelope around a refused request.
fn bad_request(text: String) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({
            "data": null,
            "error": true,
            "errorText": text,
            "additionalErrors": null,
            "requestId": super::request_id(),
        })),
    )
        .into_response()
}

/// Moscow time, as WB writes its dates.
fn moscow(t: DateTime<Utc>) -> String {
    let offset = FixedOffset::east_opt(3 * 3600).expect("UTC+3 is a valid offset");
    t.with_timezone(&offset)
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

/// One feedback as WB's contract publishes it.
fn to_wire(acc: &SimAccount, r: &SimReview) -> serde_json::Value {
    let product = acc.products.iter().find(|p| p.id == r.product_id);
    let photos: Vec<serde_json::Value> = (0..r.photos)
        .map(|i| {
            json!({
                "fullSize": format!("https://feedback.example.invalid/{}/photos/{i}/fs.jpg", r.id),
                "miniSize": format!("https://feedback.example.invalid/{}/photos/{i}/ms.jpg", r.id),
            })
        })
        .collect();
    json!({
        "id": r.id,
        "text": r.text,
        "pros": r.pros.clone().unwrap_or_default(),
        "cons": r.cons.clone().unwrap_or_default(),
        "productValuation": r.rating,
        "createdDate": moscow(r.created_at),
        "answer": r.answer.as_ref().map(|a| json!({
            "text": a.text,
            "state": a.state,
            "editable": a.editable,
        })),
        "state": "wbRu",
        "productDetails": {
            "imtId": r.product_id / 10 + 7,
            "nmId": r.product_id,
            "productName": product.map(|p| p.name.clone()).unwrap_or_default(),
            "supplierArticle": product.map(|p| p.vendor_code.clone()),
            "supplierName": acc.name,
            "brandName": product.map(|p| p.brand.clone()),
        },
        "wasViewed": r.viewed,
        "photoLinks": photos,
        "userName": r.author.clone().unwrap_or_default(),
        "subjectName": product.map(|p| p.category.clone()).unwrap_or_default(),
    })
}
