//! Where AgentIQ keeps its files, and logging to a file there.
//!
//! Paths follow the platform (via `directories`); each can be overridden by a flag or an
//! environment variable (`AGENTIQ_CONFIG_DIR`, `AGENTIQ_DATA_DIR`, `AGENTIQ_LOG_DIR`).

pub mod accounts;
pub mod edit;
pub mod file;
mod lazy_log;
mod llm;
pub mod store;
pub mod ui;
pub mod wb_token;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use directories::ProjectDirs;

pub use accounts::{
    load_accounts, resolve as resolve_accounts, resolve_one as resolve_entry, write_private,
    AccountEntry, AccountProblem, AccountSetup,
};
pub use file::ConfigFile;
pub use llm::load_llm;
pub use store::{store_url, DATABASE_URL_ENV};
pub use ui::{UiConfig, UiPrefs};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    pub config_dir: PathBuf,
    pub data_dir: PathBuf,
    pub log_dir: PathBuf,
}

impl Paths {
    /// Platform defaults, each replaced by its override when one is given.
    pub fn resolve(
        config_dir: Option<PathBuf>,
        data_dir: Option<PathBuf>,
        log_dir: Option<PathBuf>,
    ) -> Result<Paths> {
        let dirs = ProjectDirs::from("ru", "AgentIQ", "agentiq");
        let fallback = |what: &str| -> Result<PathBuf> {
            anyhow::bail!(
                "cannot find a home folder for the {what} directory; set AGENTIQ_{}_DIR",
                what.to_uppercase()
            )
        };
        let config_dir = match (config_dir, &dirs) {
            (Some(p), _) => p,
            (None, Some(d)) => d.config_dir().to_path_buf(),
            (None, None) => fallback("config")?,
        };
        let data_dir = match (data_dir, &dirs) {
            (Some(p), _) => p,
            (None, Some(d)) => d.data_dir().to_path_buf(),
            (None, None) => fallback("data")?,
        };
        let log_dir = match (log_dir, &dirs) {
            (Some(p), _) => p,
            (None, Some(d)) => d
                .state_dir()
                .unwrap_or_else(|| d.data_local_dir())
                .join("logs"),
            (None, None) => fallback("log")?,
        };
        Ok(Paths {
            config_dir,
            data_dir,
            log_dir,
        })
    }

    pub fn database(&self) -> PathBuf {
        self.data_dir.join("agentiq.db")
    }

    /// The user's config file with accounts and preferences.
    pub fn config_file(&self) -> PathBuf {
        self.config_dir.join("config.toml")
    }
}

pub use lazy_log::init_lazy_logging;

/// The log files' names: `agentiq.log.YYYY-MM-DD`.
const LOG_FILE_PREFIX: &str = "agentiq.log";

/// What is logged: `AGENTIQ_LOG` (an `EnvFilter`), else `info`.
fn log_filter() -> tracing_subscriber::EnvFilter {
    tracing_subscriber::EnvFilter::try_from_env("AGENTIQ_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"))
}

/// Log lines waiting for the writer thread; past this, lines are dropped rather than
/// blocking the program.
const LOG_BUFFER_LINES: usize = 4096;

/// Sends `tracing` output to a daily file in `log_dir`, never to the terminal. Returns
/// the guard that flushes the file when dropped. A folder or file that cannot be made is
/// an error of kind [`Failure::Config`](crate::cli::exit::Failure) naming the path (the
/// builder, unlike `rolling::daily`, reports it instead of panicking).
pub fn init_logging(log_dir: &Path) -> Result<tracing_appender::non_blocking::WorkerGuard> {
    use crate::cli::exit::{Failure, FailureExt};
    std::fs::create_dir_all(log_dir)
        .with_context(|| {
            format!(
                "cannot create the log folder {} (pass --log-dir or AGENTIQ_LOG_DIR)",
                log_dir.display()
            )
        })
        .kind(Failure::Config)?;
    let appender = tracing_appender::rolling::RollingFileAppender::builder()
        .rotation(tracing_appender::rolling::Rotation::DAILY)
        .filename_prefix(LOG_FILE_PREFIX)
        .build(log_dir)
        // Its message already names the cause; its source would repeat it.
        .map_err(|e| anyhow::anyhow!("{e}"))
        .with_context(|| {
            format!(
                "cannot write a log file in {} (pass --log-dir or AGENTIQ_LOG_DIR)",
                log_dir.display()
            )
        })
        .kind(Failure::Config)?;
    // The default buffer (128 000 lines) is allocated and touched up front: megabytes and
    // milliseconds at the start of every command. What we log fits in far fewer.
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .buffered_lines_limit(LOG_BUFFER_LINES)
        .finish(appender);
    let _ = tracing_subscriber::fmt()
        .with_env_filter(log_filter())
        .with_writer(writer)
        .with_ansi(false)
        .try_init();
    Ok(guard)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_win() {
        let p = Paths::resolve(Some("/c".into()), Some("/d".into()), Some("/l".into())).unwrap();
        assert_eq!(p.config_dir, PathBuf::from("/c"));
        assert_eq!(p.database(), PathBuf::from("/d/agentiq.db"));
        assert_eq!(p.log_dir, PathBuf::from("/l"));
    }
}
