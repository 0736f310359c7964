//! `/_sim/*`: what tests and the curious read back from the simulator.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::state::SimState;
use super::Sim;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SimReport {
    /// Requests per endpoint, rejected ones included.
    pub requests: BTreeMap<String, u64>,
    /// Requests answered 429 for exceeding a published limit.
    pub over_limit: u64,
    /// Faults injected on purpose (`--faults`), by kind; not counted in `over_limit`.
    #[serde(default)]
    pub faults_injected: BTreeMap<String, u64>,
    /// Every answer received, in order.
    pub answers: Vec<SimReportAnswer>,
    /// Every edit of a published answer applied, in order (WB feedbacks).
    #[serde(default)]
    pub edits: Vec<SimReportAnswer>,
    /// Items per account: total and still unanswered.
    pub accounts: Vec<SimReportAccount>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SimReportAnswer {
    pub account: String,
    pub channel: String,
    pub item_id: String,
    pub text: String,
    pub at: DateTime<Utc>,
    pub known_item: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SimReportAccount {
    pub name: String,
    pub reviews: usize,
    pub reviews_unanswered: usize,
    #[serde(default)]
    pub questions: usize,
    /// Neither answered nor rejected.
    #[serde(default)]
    pub questions_unanswered: usize,
    #[serde(default)]
    pub questions_rejected: usize,
    #[serde(default)]
    pub chats: usize,
    /// Chats whose last message is the buyer's.
    #[serde(default)]
    pub chats_waiting: usize,
    #[serde(default)]
    pub chat_messages: usize,
}

impl SimReport {
    /// How many answers each item received.
    pub fn answers_per_item(&self) -> BTreeMap<String, usize> {
        let mut out = BTreeMap::new();
        for a in &self.answers {
            *out.entry(a.item_id.clone()).or_default() += 1;
        }
        out
    }
}

pub fn report(state: &SimState) -> SimReport {
    SimReport {
        requests: state.requests.clone(),
        over_limit: state.over_limit,
        faults_injected: BTreeMap::new(),
        answers: state.answers.iter().map(report_answer).collect(),
        edits: state.edits.iter().map(report_answer).collect(),
        accounts: state
            .accounts
            .iter()
            .map(|a| SimReportAccount {
                name: a.name.clone(),
                reviews: a.reviews.len(),
                reviews_unanswered: a.reviews.iter().filter(|r| r.answer.is_none()).count(),
                questions: a.questions.len(),
                questions_unanswered: a
                    .questions
                    .iter()
                    .filter(|q| q.answer.is_none() && !q.rejected)
                    .count(),
                questions_rejected: a.questions.iter().filter(|q| q.rejected).count(),
                chats: a.chats.len(),
                chats_waiting: a
                    .chats
                    .iter()
                    .filter(|c| c.messages.last().is_some_and(|m| m.from_buyer))
                    .count(),
                chat_messages: a.chats.iter().map(|c| c.messages.len()).sum(),
            })
            .collect(),
    }
}

fn report_answer(a: &super::state::AnswerRecord) -> SimReportAnswer {
    SimReportAnswer {
        account: a.account.clone(),
        channel: a.channel.to_string(),
        item_id: a.item_id.clone(),
        text: a.text.clone(),
        at: a.at,
        known_item: a.known_item,
    }
}

/// `GET /_sim/state`
pub async fn state(State(sim): State<Sim>) -> Json<SimReport> {
    Json(sim.report())
}

/// `POST /_sim/arrive`: one new item on every account, now.
pub async fn arrive(State(sim): State<Sim>) -> Json<serde_json::Value> {
    let arrived = sim.arrive_now();
    Json(serde_json::json!({ "arrived": arrived }))
}
