//! Prompt and template versions, and experiments between them (docs/drafts.md,
//! "Experiments"): versions are files (`version`), an experiment splits items between
//! versions by a stable hash (`assign`), every draft and reply records its version, and
//! the versions are compared on the seller's own replies (`metrics`, `stats`).

pub mod assign;
pub mod metrics;
pub mod stats;
pub mod version;

use anyhow::{Context, Result};
use rusqlite::Connection;
use serde::Serialize;

pub use assign::{item_hash, parse_arm, pick, Arm, ItemKey, Scope};
pub use metrics::{version_report, VersionMetrics, VersionReport};
pub use stats::{two_proportion, verdict, Comparison, Proportion, Verdict};
pub use version::{Catalog, Origin, PromptVersion, VersionError, DEFAULT_VERSION};

use crate::domain::Interaction;
use crate::store::{self, ExperimentRow};

/// An experiment's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    Running,
    Paused,
    Stopped,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Running => "running",
            State::Paused => "paused",
            State::Stopped => "stopped",
        }
    }

    fn parse(s: &str) -> Option<State> {
        match s {
            "running" => Some(State::Running),
            "paused" => Some(State::Paused),
            "stopped" => Some(State::Stopped),
            _ => None,
        }
    }
}

/// A stored experiment, read back.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Experiment {
    pub id: i64,
    pub name: String,
    pub state: State,
    pub scope: Scope,
    pub arms: Vec<Arm>,
    /// The versions as they were when it started: editing a file later does not change
    /// a running experiment.
    #[serde(skip)]
    pub versions: Vec<PromptVersion>,
    pub started_at: chrono::DateTime<chrono::Utc>,
    pub stopped_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl Experiment {
    pub fn from_row(row: &ExperimentRow) -> Result<Experiment> {
        let arms: Vec<Arm> = serde_json::from_str(&row.arms)
            .with_context(|| format!("experiment {}: arms", row.id))?;
        let versions: Vec<PromptVersion> = serde_json::from_str(&row.versions)
            .with_context(|| format!("experiment {}: versions", row.id))?;
        Ok(Experiment {
            id: row.id,
            name: row.name.clone(),
            state: State::parse(&row.state)
                .with_context(|| format!("experiment {}: state '{}'", row.id, row.state))?,
            scope: Scope {
                account_id: row.account_id,
                channel: row.channel.as_deref().and_then(|c| c.parse().ok()),
                intent: row.intent.clone(),
            },
            arms,
            versions,
            started_at: row.started_at,
            stopped_at: row.stopped_at,
        })
    }

    /// What mixes into every item's hash: a new experiment reshuffles the items.
    fn salt(&self) -> String {
        format!("{}:{}", self.id, self.name)
    }

    /// The version this experiment gives the item, when it covers it.
    pub fn version_for(&self, item: &ItemKey<'_>) -> Option<&PromptVersion> {
        if !self.scope.covers(item) {
            return None;
        }
        let arm = pick(&self.arms, item_hash(&self.salt(), item))?;
        self.versions.iter().find(|v| v.name == arm.version)
    }
}

/// The version that drafts an item, and the experiment that chose it.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    pub version: PromptVersion,
    pub experiment_id: Option<i64>,
}

/// Which version drafts `item`: the running experiment's pick when it covers the item,
/// else the shipped default (a paused or stopped experiment assigns nothing).
pub fn resolve(conn: &Connection, item: &Interaction) -> Result<Resolved> {
    if let Some(row) = store::active_experiment(conn)? {
        let experiment = Experiment::from_row(&row)?;
        if experiment.state == State::Running {
            let intent: Option<String> = conn
                .prepare_cached("SELECT intent FROM interactions WHERE id = ?1")?
                .query_row([item.id.0], |r| r.get(0))?;
            let key = ItemKey {
                account_id: item.account_id,
                channel: item.channel,
                intent: intent.as_deref(),
                external_id: &item.external_id,
            };
            if let Some(version) = experiment.version_for(&key) {
                return Ok(Resolved {
                    version: version.clone(),
                    experiment_id: Some(experiment.id),
                });
            }
        }
    }
    Ok(Resolved {
        version: default_version(),
        experiment_id: None,
    })
}

/// The shipped default version: the drafts as they are without an experiment.
pub fn default_version() -> PromptVersion {
    static DEFAULT: std::sync::OnceLock<PromptVersion> = std::sync::OnceLock::new();
    DEFAULT
        .get_or_init(|| {
            Catalog::shipped()
                .get(DEFAULT_VERSION)
                .cloned()
                .expect("the default version is shipped")
        })
        .clone()
}

/// Shapes a draft's inputs by `version`: its templates replace the seller's (a version
/// is a complete proposal), and it may use fewer approved answers as examples.
pub fn apply(
    version: &PromptVersion,
    templates: &mut Option<crate::ai::TemplateSet>,
    approved: &mut Vec<crate::ai::ApprovedAnswer>,
) {
    if let Some(set) = version.template_set() {
        *templates = Some(set);
    }
    if let Some(n) = version.examples {
        approved.truncate(n);
    }
}

/// What starting an experiment needs.
#[derive(Debug, Clone, PartialEq)]
pub struct StartRequest {
    pub name: String,
    pub arms: Vec<Arm>,
    pub scope: Scope,
}

/// Checks the request against the catalog and stores the experiment with a copy of its
/// versions. Errors name what is wrong.
pub fn start(
    conn: &mut Connection,
    catalog: &Catalog,
    request: &StartRequest,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Experiment> {
    if request.name.trim().is_empty() {
        anyhow::bail!("the experiment needs a name");
    }
    if request.arms.len() < 2 {
        anyhow::bail!("an experiment compares at least two versions (--arm NAME[=WEIGHT], twice)");
    }
    let mut versions = Vec::new();
    for arm in &request.arms {
        if versions
            .iter()
            .any(|v: &PromptVersion| v.name == arm.version)
        {
            anyhow::bail!("version '{}' is listed twice", arm.version);
        }
        let version = catalog.get(&arm.version).with_context(|| {
            format!(
                "no version named '{}' (known: {})",
                arm.version,
                catalog
                    .versions
                    .keys()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })?;
        versions.push(version.clone());
    }
    let arms = serde_json::to_string(&request.arms)?;
    let versions = serde_json::to_string(&versions)?;
    let channel = request.scope.channel.map(|c| c.as_str());
    let id = store::start_experiment(
        conn,
        &store::NewExperiment {
            name: request.name.trim(),
            account_id: request.scope.account_id,
            channel,
            intent: request.scope.intent.as_deref(),
            arms: &arms,
            versions: &versions,
        },
        now,
    )?;
    let row = store::experiment(conn, id)?.context("the experiment just stored")?;
    Experiment::from_row(&row)
}

/// The current (or last) experiment with its metrics per version since it started: what
/// `agentiq experiment status` prints and the settings screen's "experiment" tab shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Status {
    pub experiment: Experiment,
    pub metrics: VersionReport,
}

/// The newest experiment, whatever its state, and its metrics; `None` before the first.
pub fn status(conn: &Connection, now: chrono::DateTime<chrono::Utc>) -> Result<Option<Status>> {
    let Some(row) = store::latest_experiment(conn)? else {
        return Ok(None);
    };
    let experiment = Experiment::from_row(&row)?;
    let metrics = version_report(conn, &period(&experiment, now), Some(experiment.id))?;
    Ok(Some(Status {
        experiment,
        metrics,
    }))
}

/// From the experiment's start to its stop (or now).
pub fn period(
    e: &Experiment,
    now: chrono::DateTime<chrono::Utc>,
) -> crate::analytics::MetricsQuery {
    let end = e.stopped_at.unwrap_or(now) + chrono::Duration::seconds(1);
    crate::analytics::MetricsQuery::new(e.started_at, end)
}

/// Pauses, resumes or stops the experiment running or paused (audited in the store);
/// `None` when there is none.
pub fn set_state(
    conn: &mut Connection,
    state: State,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Option<Experiment>> {
    store::set_experiment_state(conn, state.as_str(), now)?
        .map(|row| Experiment::from_row(&row))
        .transpose()
}

/// What the settings screen's "experiment" tab shows: the current (or last) experiment
/// and the versions a new one may compare, or why the seller's versions cannot be read.
#[derive(Debug, Clone, PartialEq)]
pub struct Overview {
    pub status: Option<Status>,
    pub versions: Vec<PromptVersion>,
    pub catalog_error: Option<String>,
}

/// The overview, with the seller's versions from `folder` (`<config>/prompts`; shipped
/// only when `None`). A broken seller file leaves the shipped versions and says why.
pub fn overview(
    conn: &Connection,
    folder: Option<&std::path::Path>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Overview> {
    let (catalog, catalog_error) = match Catalog::load(folder) {
        Ok(c) => (c, None),
        Err(e) => (Catalog::shipped(), Some(e.to_string())),
    };
    Ok(Overview {
        status: status(conn, now)?,
        versions: catalog.versions.into_values().collect(),
        catalog_error,
    })
}
