//! The `agentiq` command line.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Result;
use clap::{Parser, Subcommand};

use agentiq::config::{self, Paths};
use agentiq::demo::{self, DemoOptions, ExternalSimulator};

#[derive(Parser)]
#[command(name = "agentiq", version, about = "Terminal inbox for Wildberries and Ozon sellers")]
struct Cli {
    /// Folder for configuration files (keymaps, themes, accounts).
    #[arg(long, env = "AGENTIQ_CONFIG_DIR", global = true)]
    config_dir: Option<PathBuf>,
    /// Folder for the log file.
    #[arg(long, env = "AGENTIQ_LOG_DIR", global = true)]
    log_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// The inbox on the built-in marketplace simulator with Russian demo shops.
    Demo {
        /// Keep the demo database in this folder (default: a temporary one).
        #[arg(long, env = "AGENTIQ_DATA_DIR")]
        data_dir: Option<PathBuf>,
        /// Seconds between new demo items arriving.
        #[arg(long, default_value_t = 30)]
        arrival_secs: u64,
        /// Seconds between sync polls.
        #[arg(long, default_value_t = 5)]
        poll_secs: u64,
        /// Seed for the simulator's ids and choices.
        #[arg(long, default_value_t = 7)]
        seed: u64,
        /// Use a simulator already running at this URL instead of starting one.
        #[arg(long, requires = "simulator_token")]
        simulator: Option<String>,
        /// The WB token that simulator expects.
        #[arg(long, env = "AGENTIQ_SIMULATOR_TOKEN", hide_env_values = true)]
        simulator_token: Option<String>,
    },
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Cmd::Demo {
            data_dir,
            arrival_secs,
            poll_secs,
            seed,
            simulator,
            simulator_token,
        } => {
            let paths = Paths::resolve(cli.config_dir, data_dir.clone(), cli.log_dir)?;
            let _log = config::init_logging(&paths.log_dir)?;
            let runtime = tokio::runtime::Runtime::new()?;
            let options = DemoOptions {
                data_dir,
                simulator: simulator.map(|base_url| ExternalSimulator {
                    base_url,
                    wb_token: simulator_token.unwrap_or_default(),
                }),
                arrival_every: Duration::from_secs(arrival_secs.max(1)),
                poll_every: Duration::from_secs(poll_secs.max(1)),
                seed,
            };
            let result = runtime.block_on(demo::run(options));
            // Background tasks may be mid-request; do not wait for them on the way out.
            runtime.shutdown_timeout(Duration::from_millis(200));
            result
        }
    }
}
