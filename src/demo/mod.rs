//! `agentiq demo`: the real inbox ([`crate::cli::inbox_cmd::run`]) on the built-in
//! simulator's demo shops, on a fresh machine with no account and no network. All it adds
//! is the simulator and a temporary config (and data) folder; there is no second path.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};

use crate::cli::inbox_cmd::{self, Inbox};
use crate::cli::simulator_cmd::{self, SimulatorArgs};
use crate::config::{self, Paths, UiConfig};
use crate::simulator::SimulatorHandle;

#[derive(Clone, clap::Args)]
pub struct DemoArgs {
    /// Seconds between new demo items arriving.
    #[arg(long, default_value_t = 30)]
    pub arrival_secs: u64,
    /// Seconds between sync polls.
    #[arg(long, default_value_t = 5)]
    pub poll_secs: u64,
    /// Seed for the simulator's ids and choices.
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Use a simulator already running at this URL (both its shops) instead of starting one.
    #[arg(long, requires = "simulator_token")]
    pub simulator: Option<String>,
    /// The WB token that simulator expects.
    #[arg(long, env = "AGENTIQ_SIMULATOR_TOKEN", hide_env_values = true)]
    pub simulator_token: Option<String>,
    /// The Ozon Client-Id that simulator expects.
    #[arg(long, default_value = "sim-ozon-client")]
    pub simulator_ozon_client_id: String,
    /// The Ozon Api-Key that simulator expects.
    #[arg(
        long,
        env = "AGENTIQ_SIM_OZON_KEY",
        default_value = "sim-ozon-key",
        hide_env_values = true
    )]
    pub simulator_ozon_key: String,
}

/// `Debug` never prints the credentials.
impl std::fmt::Debug for DemoArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let redacted = |s: &Option<String>| s.as_ref().map(|_| "<redacted>");
        f.debug_struct("DemoArgs")
            .field("arrival_secs", &self.arrival_secs)
            .field("poll_secs", &self.poll_secs)
            .field("seed", &self.seed)
            .field("simulator", &self.simulator)
            .field("simulator_token", &redacted(&self.simulator_token))
            .field("simulator_ozon_client_id", &self.simulator_ozon_client_id)
            .field("simulator_ozon_key", &"<redacted>")
            .finish()
    }
}

/// What the demo runs on, kept alive for its duration.
pub struct DemoWorld {
    /// The inbox exactly as `agentiq --config <demo config>` would open it.
    pub inbox: Inbox,
    pub simulator: Option<SimulatorHandle>,
    _config_dir: tempfile::TempDir,
    _data_dir: Option<tempfile::TempDir>,
}

/// Starts (or connects to) the simulator and writes a config for it into a temporary
/// config folder: a normal config.toml, carrying over the user's `[ui]` and `[llm]`.
/// `paths` are the user's: keymaps and themes still come from their config folder; the
/// database goes to `data_dir` if given, else a temporary folder.
pub async fn prepare(
    args: &DemoArgs,
    paths: &Paths,
    user_config: &Path,
    data_dir: Option<PathBuf>,
    ui: UiConfig,
) -> Result<DemoWorld> {
    let user = config::file::read(user_config)?;
    let sim_args = SimulatorArgs {
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        seed: args.seed,
        scale: 0,
        faults: Default::default(),
        arrival_every: Some(Duration::from_secs(args.arrival_secs.max(1))),
        wb_token: args
            .simulator_token
            .clone()
            .unwrap_or_else(|| config::wb_token::mint_inbox_token(chrono::Utc::now())),
        ozon_client_id: args.simulator_ozon_client_id.clone(),
        ozon_api_key: if args.simulator.is_some() {
            args.simulator_ozon_key.clone()
        } else {
            format!("demo-{:032x}", rand::random::<u128>())
        },
        write_config: None,
        fixtures: None,
        answer_visibility: Default::default(),
    };
    let (simulator, base_url) = match &args.simulator {
        Some(url) => (None, url.trim_end_matches('/').to_string()),
        None => {
            let handle = simulator_cmd::start(&sim_args).await?;
            let url = handle.base_url();
            (Some(handle), url)
        }
    };
    let mut text = simulator_cmd::config_for(&sim_args, &base_url)?;
    if let Some(user) = &user {
        text.push_str(&carried_over(user)?);
    }
    let config_dir = tempfile::Builder::new()
        .prefix("agentiq-demo-config-")
        .tempdir()
        .context("creating a temporary config folder for the demo")?;
    let config_file = config_dir.path().join("config.toml");
    config::write_private(&config_file, &text)?;
    let (data_temp, data_dir) = match data_dir {
        Some(dir) => (None, dir),
        None => {
            let temp = tempfile::Builder::new()
                .prefix("agentiq-demo-")
                .tempdir()
                .context("creating a temporary data folder for the demo")?;
            let path = temp.path().to_path_buf();
            (Some(temp), path)
        }
    };
    let inbox = Inbox {
        paths: Paths {
            data_dir,
            ..paths.clone()
        },
        config_file,
        ui,
        offline: false,
        poll_every: Duration::from_secs(args.poll_secs.max(1)),
    };
    Ok(DemoWorld {
        inbox,
        simulator,
        _config_dir: config_dir,
        _data_dir: data_temp,
    })
}

/// The user's `[ui]` and `[llm]` tables, for the demo's config.
fn carried_over(user: &config::ConfigFile) -> Result<String> {
    #[derive(serde::Serialize)]
    struct Tables<'a> {
        ui: &'a UiConfig,
        #[serde(skip_serializing_if = "Option::is_none")]
        llm: Option<&'a crate::ai::llm::LlmConfig>,
    }
    let tables = toml::to_string(&Tables {
        ui: &user.ui,
        llm: user.llm.as_ref(),
    })
    .context("carrying [ui] and [llm] over to the demo's config")?;
    Ok(format!("\n# From your config.toml\n{tables}"))
}

/// Runs the demo inbox until the user quits: [`prepare`], then the one inbox path.
pub async fn run(
    args: DemoArgs,
    paths: Paths,
    user_config: &Path,
    data_dir: Option<PathBuf>,
    ui: UiConfig,
) -> Result<()> {
    let world = prepare(&args, &paths, user_config, data_dir, ui).await?;
    let result = inbox_cmd::run(world.inbox.clone()).await;
    drop(world);
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args() -> DemoArgs {
        DemoArgs {
            arrival_secs: 30,
            poll_secs: 5,
            seed: 7,
            simulator: None,
            simulator_token: None,
            simulator_ozon_client_id: "sim-ozon-client".into(),
            simulator_ozon_key: "sim-ozon-key".into(),
        }
    }

    #[tokio::test]
    async fn the_demo_config_is_a_normal_config_for_both_shops() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths {
            config_dir: dir.path().join("config"),
            data_dir: dir.path().join("data"),
            log_dir: dir.path().join("logs"),
        };
        config::write_private(
            &paths.config_file(),
            "[ui]\ntheme = \"light\"\n\n[llm]\nbase_url = \"http://127.0.0.1:9/v1\"\nmodel = \"m\"\n",
        )
        .unwrap();
        let world = prepare(
            &args(),
            &paths,
            &paths.config_file(),
            None,
            UiConfig::default(),
        )
        .await
        .unwrap();
        let accounts = config::load_accounts(&world.inbox.config_file, &|_| None).unwrap();
        let marketplaces: Vec<_> = accounts.iter().map(|a| a.marketplace).collect();
        assert_eq!(
            marketplaces,
            [
                crate::domain::Marketplace::Wb,
                crate::domain::Marketplace::Ozon
            ]
        );
        let setup = inbox_cmd::setup(&world.inbox, &|_| None).unwrap();
        assert_eq!(setup.prefs.theme, "light", "the user's [ui] carries over");
        assert!(setup.file.llm.is_some(), "the user's [llm] carries over");
        assert!(setup.problems.is_empty(), "{:?}", setup.problems);
        assert_ne!(
            world.inbox.paths.data_dir, paths.data_dir,
            "a temporary database"
        );
        assert_eq!(
            world.inbox.paths.config_dir, paths.config_dir,
            "the user's keymaps"
        );
    }
}
