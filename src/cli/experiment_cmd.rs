//! `agentiq experiment start|status|pause|resume|stop|versions`: experiments between
//! prompt/template versions (docs/drafts.md, "Experiments"), and `agentiq metrics
//! --by-version`.

use std::path::Path;

use anyhow::Result;
use chrono::{DateTime, Utc};
use clap::Subcommand;
use serde_json::json;

use super::exit::{fail, Failure, FailureExt};
use super::out;
use super::script;
use crate::analytics::MetricsQuery;
use crate::config::Paths;
use crate::domain::Channel;
use crate::experiments::{self, metrics, Catalog, Experiment, Scope, StartRequest, State};

#[derive(Subcommand)]
pub enum ExperimentCmd {
    /// Start an experiment: drafts of the items it covers come from its versions, split
    /// by a stable hash of each item with the weights given.
    Start {
        /// A name for the experiment.
        name: String,
        /// A version and its weight, `NAME=WEIGHT` or `NAME` (weight 1); at least two.
        #[arg(long = "arm", required = true)]
        arms: Vec<String>,
        /// Only this account's items (name or id).
        #[arg(long)]
        account: Option<String>,
        /// Only review, question or chat items.
        #[arg(long)]
        channel: Option<Channel>,
        /// Only items of this intent (`thanks`, `defect_not_working`, ...).
        #[arg(long)]
        intent: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// The current (or last) experiment and its metrics per version since it started.
    Status {
        #[arg(long)]
        json: bool,
    },
    /// Pause the running experiment: new drafts come from the default version until
    /// `resume`; its metrics are kept.
    Pause,
    /// Resume a paused experiment (items keep their versions).
    Resume,
    /// Stop the experiment for good: new drafts come from the default version.
    Stop,
    /// The versions known: shipped (data/prompts) and the seller's (<config>/prompts),
    /// checked.
    Versions {
        #[arg(long)]
        json: bool,
    },
}

/// The seller's versions folder.
pub fn prompts_folder(paths: &Paths) -> std::path::PathBuf {
    paths.config_dir.join("prompts")
}

/// Every version, with the seller's files checked (errors name the file and line).
pub fn catalog(folder: &Path) -> Result<Catalog> {
    Catalog::load(Some(folder)).map_err(|e| fail(Failure::Config, e))
}

pub fn run(paths: &Paths, command: ExperimentCmd) -> Result<()> {
    let now = Utc::now();
    match command {
        ExperimentCmd::Versions { json } => versions(paths, json),
        ExperimentCmd::Start {
            name,
            arms,
            account,
            channel,
            intent,
            json,
        } => {
            let arms = arms
                .iter()
                .map(|a| {
                    experiments::parse_arm(a)
                        .map_err(|e| fail(Failure::Usage, format!("--arm {e}")))
                })
                .collect::<Result<Vec<_>>>()?;
            let request = StartRequest {
                name,
                arms,
                scope: Scope {
                    // Looked up once the store is open.
                    account_id: None,
                    channel,
                    intent: intent
                        .map(|i| i.trim().to_string())
                        .filter(|i| !i.is_empty()),
                },
            };
            start(paths, request, account.as_deref(), json, now)
        }
        ExperimentCmd::Pause => change(paths, State::Paused, now),
        ExperimentCmd::Resume => change(paths, State::Running, now),
        ExperimentCmd::Stop => change(paths, State::Stopped, now),
        ExperimentCmd::Status { json } => status(paths, json, now),
    }
}

/// `experiment versions`: every version, shipped or the seller's.
fn versions(paths: &Paths, json: bool) -> Result<()> {
    let catalog = catalog(&prompts_folder(paths))?;
    if json {
        let list: Vec<_> = catalog.versions.values().collect();
        return Ok(out::line(&serde_json::to_string_pretty(&list)?)?);
    }
    for v in catalog.versions.values() {
        let origin = match v.origin {
            experiments::Origin::Shipped => "shipped",
            experiments::Origin::Seller => "seller",
        };
        out::line(&format!("{:<24} {origin:<8} {}", v.name, v.description))?;
    }
    Ok(())
}

/// `experiment start`: the request's scope gets the account named by `account`.
fn start(
    paths: &Paths,
    mut request: StartRequest,
    account: Option<&str>,
    json: bool,
    now: DateTime<Utc>,
) -> Result<()> {
    let catalog = catalog(&prompts_folder(paths))?;
    let store = script::existing_store(paths)?;
    request.scope.account_id = match account {
        Some(a) => Some(script::account_id(&store.reader()?, a)?),
        None => None,
    };
    let experiment = store
        .writer()?
        .call_blocking(move |conn| experiments::start(conn, &catalog, &request, now))
        .kind(Failure::Usage)?;
    if json {
        out::line(&serde_json::to_string_pretty(&experiment)?)?;
    } else {
        out::line(&format!(
            "experiment '{}' started: {}",
            experiment.name,
            arms_text(&experiment)
        ))?;
    }
    Ok(())
}

/// `experiment status`: the current experiment and its metrics per arm.
fn status(paths: &Paths, json: bool, now: DateTime<Utc>) -> Result<()> {
    let reader = script::existing_reader(paths)?;
    let Some(experiments::Status {
        experiment,
        metrics: report,
    }) = experiments::status(&reader, now)?
    else {
        if json {
            out::line(&json!({ "experiment": null, "metrics": null }).to_string())?;
        } else {
            out::line("no experiment yet (agentiq experiment start NAME --arm A --arm B)")?;
        }
        return Ok(());
    };
    if json {
        out::line(&serde_json::to_string_pretty(
            &json!({ "experiment": experiment, "metrics": report }),
        )?)?;
    } else {
        out::line(&format!(
            "experiment '{}' ({}), since {}: {}",
            experiment.name,
            experiment.state.as_str(),
            experiment.started_at.format("%Y-%m-%d %H:%M UTC"),
            arms_text(&experiment)
        ))?;
        out::line(&metrics::render_text(&report))?;
    }
    Ok(())
}

fn arms_text(e: &Experiment) -> String {
    let mut text = e
        .arms
        .iter()
        .map(|a| format!("{}×{}", a.version, a.weight))
        .collect::<Vec<_>>()
        .join(", ");
    let mut scope = Vec::new();
    if let Some(a) = e.scope.account_id {
        scope.push(format!("account {a}"));
    }
    if let Some(c) = e.scope.channel {
        scope.push(c.as_str().to_string());
    }
    if let Some(i) = &e.scope.intent {
        scope.push(format!("intent {i}"));
    }
    if !scope.is_empty() {
        text.push_str(&format!(" (only {})", scope.join(", ")));
    }
    text
}

fn change(paths: &Paths, state: State, now: DateTime<Utc>) -> Result<()> {
    let store = script::existing_store(paths)?;
    let changed = store
        .writer()?
        .call_blocking(move |conn| experiments::set_state(conn, state, now))?;
    match changed {
        Some(e) => out::line(&format!("experiment '{}' is {}", e.name, e.state.as_str()))?,
        None => return Err(fail(Failure::Usage, "no experiment is running or paused")),
    }
    Ok(())
}

/// `agentiq metrics --by-version [--json]` over the query's period and filters.
pub fn metrics_by_version(
    conn: &rusqlite::Connection,
    query: &MetricsQuery,
    json: bool,
) -> Result<String> {
    let report = metrics::version_report(conn, query, None)?;
    Ok(if json {
        serde_json::to_string_pretty(&report)?
    } else {
        metrics::render_text(&report)
    })
}
