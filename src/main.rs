//! The `agentiq` command line.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::{Args, CommandFactory, Parser, Subcommand};

use agentiq::cli::exit::{fail, Exit, Failure};
use agentiq::cli::script::{self, ScriptCmd};
use agentiq::cli::{inbox_cmd, out, setup_cmd, simulator_cmd, sync_cmd, team_cmd, team_export};
use agentiq::config::{self, Paths};
use agentiq::demo;
use agentiq::domain::{Channel, Marketplace, Rating};
use agentiq::store::Store;

#[derive(Parser)]
#[command(
    name = "agentiq",
    version,
    about = "Terminal inbox for Wildberries and Ozon sellers",
    long_about = "Terminal inbox for Wildberries and Ozon sellers. Without a command: the inbox on the accounts of config.toml."
)]
struct Cli {
    /// Config file with [[accounts]], [ui], [llm] (default: config.toml in the config folder).
    #[arg(long, env = "AGENTIQ_CONFIG", global = true)]
    config: Option<PathBuf>,
    #[command(flatten)]
    ui: inbox_cmd::UiFlags,
    #[command(flatten)]
    inbox: inbox_cmd::InboxArgs,
    /// Folder for configuration files (config.toml, keymaps, themes).
    #[arg(long, env = "AGENTIQ_CONFIG_DIR", global = true)]
    config_dir: Option<PathBuf>,
    /// Folder for the database.
    #[arg(long, env = "AGENTIQ_DATA_DIR", global = true)]
    data_dir: Option<PathBuf>,
    /// Folder for the log file.
    #[arg(long, env = "AGENTIQ_LOG_DIR", global = true)]
    log_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Cmd>,
}

#[derive(Subcommand)]
enum Cmd {
    /// The inbox on the built-in marketplace simulator with Russian demo shops.
    Demo(demo::DemoArgs),
    #[command(flatten)]
    Setup(setup_cmd::SetupCmd),
    /// Print the effective keymap (built-in plus the user's keymap.toml), as a keymap file.
    Keys,
    /// The marketplace simulator alone, on a local port.
    Simulator(SimulatorCliArgs),
    /// Headless sync of the configured accounts into the database.
    Sync(SyncArgs),
    /// Team mode: claim the next item of the shared queue (exit 3 when none is left).
    Claim(team_cmd::ClaimArgs),
    /// Team mode: give a claimed item back to the queue.
    Release(team_cmd::ReleaseArgs),
    /// Team mode: hand an item to the managers, with a reason.
    Escalate(agentiq::cli::team_flow_cmd::EscalateArgs),
    /// Team mode: give an item to a person on its shop (a manager's or the owner's).
    Assign(agentiq::cli::team_flow_cmd::AssignArgs),
    /// Team mode: the people on the shared database, their roles and shops.
    #[command(subcommand)]
    Team(team_cmd::TeamCmd),
    /// Intent, sentiment and escalation flags of a customer text.
    Classify {
        /// review, question or chat.
        #[arg(long, default_value = "review")]
        channel: Channel,
        /// Star rating 1-5 (reviews).
        #[arg(long)]
        rating: Option<u8>,
        #[arg(long)]
        json: bool,
        /// The customer's text.
        text: String,
    },
    /// Guardrail findings of a reply. Exit code 0 pass, 1 warn, 2 block.
    Check {
        #[arg(long, default_value = "review")]
        channel: Channel,
        /// wb or ozon (length limits differ).
        #[arg(long, default_value = "wb")]
        marketplace: Marketplace,
        /// What the customer wrote (decides, e.g., whether they asked for a return).
        #[arg(long, default_value = "")]
        customer_text: String,
        #[arg(long)]
        json: bool,
        /// The reply to check.
        reply: String,
    },
    /// The five pilot metrics against their targets, this period against the previous one.
    Metrics {
        #[command(flatten)]
        filter: FilterCli,
        #[arg(long)]
        json: bool,
        /// Per prompt/template version instead: acceptance, edit distance, harmful rate,
        /// pilot metrics, with intervals and whether a winner can be called.
        #[arg(long)]
        by_version: bool,
    },
    /// CSV export of interactions (one row per item) or of daily metrics.
    Export {
        /// interactions or metrics
        what: ExportWhat,
        /// Only csv.
        #[arg(long, default_value = "csv")]
        format: String,
        /// Excel-friendly CSV: UTF-8 BOM, `;` separator, CRLF.
        #[arg(long)]
        excel: bool,
        #[command(flatten)]
        filter: FilterCli,
        /// Write here instead of standard output.
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Online backup of the database to FILE, safe while syncing.
    Backup {
        /// Where to write the copy.
        file: PathBuf,
        /// Also run `PRAGMA quick_check` on the copy (reads it all again; catches damage
        /// the database itself already had).
        #[arg(long)]
        check: bool,
    },
    /// The auto-responder: status, the deliberate go-live, the kill switch.
    #[command(subcommand)]
    Autoreply(agentiq::cli::autoreply_cmd::AutoreplyCmd),
    /// Experiments between prompt/template versions: start, status, pause, resume, stop.
    #[command(subcommand)]
    Experiment(agentiq::cli::experiment_cmd::ExperimentCmd),
    /// The seller's reply templates as TOML: export them to edit, import them back.
    Templates {
        #[command(subcommand)]
        action: TemplatesCmd,
    },
    /// A realistic store of N generated items in the data folder, dated up to now.
    #[command(hide = true)]
    Generate(agentiq::cli::generate_cmd::GenerateArgs),
    #[command(flatten)]
    Script(ScriptCmd),
}

#[derive(Subcommand)]
enum TemplatesCmd {
    /// Write the templates in effect (shipped plus the seller's edits) to FILE.
    Export {
        file: PathBuf,
        /// An account's name or id; default: the global templates.
        #[arg(long)]
        account: Option<String>,
    },
    /// Check FILE and store it as the seller's templates (it may hold only what differs
    /// from the shipped ones), replacing those stored before.
    Import {
        file: PathBuf,
        /// An account's name or id; default: global.
        #[arg(long)]
        account: Option<String>,
    },
}

#[derive(Args)]
struct FilterCli {
    /// First day (YYYY-MM-DD, Moscow time); default: the last 7 days.
    #[arg(long)]
    from: Option<String>,
    /// Last day, inclusive.
    #[arg(long)]
    to: Option<String>,
    /// An account's name or id.
    #[arg(long)]
    account: Option<String>,
    /// wb or ozon.
    #[arg(long)]
    marketplace: Option<String>,
    /// review, question or chat.
    #[arg(long)]
    channel: Option<String>,
}

impl FilterCli {
    fn args(&self) -> agentiq::analytics::FilterArgs {
        agentiq::analytics::FilterArgs {
            from: self.from.clone(),
            to: self.to.clone(),
            account: self.account.clone(),
            marketplace: self.marketplace.clone(),
            channel: self.channel.clone(),
        }
    }
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum ExportWhat {
    Interactions,
    Metrics,
}

#[derive(Args)]
struct SimulatorCliArgs {
    /// Address to listen on; port 0 picks a free one.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// Synthetic items to generate on top of the demo shops.
    #[arg(long, default_value_t = 0)]
    scale: usize,
    /// Faults to inject, e.g. `5xx=0.1,429=0.02,slow=0.05,drop=0.05,malformed=0.05` or `mixed=0.2`.
    #[arg(long, default_value = "")]
    faults: String,
    /// Seconds between new items arriving on each account; 0 for none.
    #[arg(long, default_value_t = 30)]
    arrival_secs: u64,
    /// The WB token to accept (default: a fresh JWT with every category the inbox needs).
    #[arg(long, env = "AGENTIQ_SIM_WB_TOKEN", hide_env_values = true)]
    wb_token: Option<String>,
    #[arg(long, default_value = "sim-ozon-client")]
    ozon_client_id: String,
    #[arg(
        long,
        env = "AGENTIQ_SIM_OZON_KEY",
        default_value = "sim-ozon-key",
        hide_env_values = true
    )]
    ozon_api_key: String,
    /// Write a config file (mode 600) with accounts that point at this simulator.
    #[arg(long)]
    write_config: Option<PathBuf>,
    /// Serve the accounts of this folder of wire-format files (wb/, ozon/) instead of the
    /// demo shops; see docs/connectors.md.
    #[arg(long)]
    fixtures: Option<PathBuf>,
    /// When accepted answers show on their items: immediate, delay=SECONDS, never, or
    /// reject (WB moderation refuses review answers).
    #[arg(long, default_value = "immediate")]
    answers: agentiq::simulator::state::AnswerVisibility,
}

#[derive(Args)]
struct SyncArgs {
    /// Deliver the replies waiting in the outbox, one sync pass over every account,
    /// classify and draft the top of the queue, one auto-response round, then exit
    /// (non-zero if any pass failed).
    #[arg(long, conflicts_with = "daemon")]
    once: bool,
    /// Keep syncing and delivering replies until interrupted.
    #[arg(long)]
    daemon: bool,
    /// Seconds between polls in daemon mode.
    #[arg(long, default_value_t = 60)]
    poll_secs: u64,
}

fn main() -> std::process::ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return usage_error(&err),
    };
    // Pure commands: no runtime, no folders, no log file.
    let pure = match &cli.command {
        Some(Cmd::Classify {
            channel,
            rating,
            json,
            text,
        }) => Some(match rating.map(|r| Rating::new(r).ok_or(r)).transpose() {
            Ok(rating) => out::line(&agentiq::ai::classify_report(
                *channel,
                rating,
                text,
                *json,
                agentiq::sla::tier_for,
            ))
            .map_err(anyhow::Error::from),
            Err(bad) => Err(fail(
                Failure::Usage,
                format!("--rating {bad} is outside 1..5"),
            )),
        }),
        Some(Cmd::Check {
            channel,
            marketplace,
            customer_text,
            json,
            reply,
        }) => {
            let (report, code) =
                agentiq::ai::check_report(*channel, *marketplace, customer_text, reply, *json);
            if let Err(err) = out::line(&report) {
                return finish(Err(err.into()));
            }
            return std::process::ExitCode::from(code.clamp(0, 255) as u8);
        }
        Some(Cmd::Script(cmd)) if cmd.is_pure() => Some(script::run_pure(cmd, Cli::command)),
        _ => None,
    };
    finish(pure.unwrap_or_else(|| run(cli)))
}

/// The exit code of a command's result, its error (if any) on standard error. A closed
/// standard output is no error: the reader had what it wanted.
fn finish(result: Result<()>) -> std::process::ExitCode {
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) if out::is_closed_pipe(&err) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("agentiq: {}", agentiq::cli::exit::message_for(&err));
            agentiq::cli::exit::exit_for(&err).into()
        }
    }
}

/// Help and version are printed with status 0; any other argument error is a usage
/// error (64), not clap's default 2, which `check` and `reply` use for "blocked".
fn usage_error(err: &clap::Error) -> std::process::ExitCode {
    use clap::error::ErrorKind;
    let _ = err.print();
    match err.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => std::process::ExitCode::SUCCESS,
        _ => Exit::Usage.into(),
    }
}

/// Resolves on Ctrl-C, or on SIGTERM where there is one.
async fn interrupted() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

fn run(cli: Cli) -> Result<()> {
    let paths = Paths::resolve(cli.config_dir, cli.data_dir.clone(), cli.log_dir)?;
    let quick_read = matches!(&cli.command, Some(Cmd::Script(cmd)) if cmd.is_quick_read());
    let _log = if quick_read {
        config::init_lazy_logging(&paths.log_dir);
        None
    } else {
        Some(config::init_logging(&paths.log_dir)?)
    };
    if let Some(Cmd::Generate(args)) = &cli.command {
        return agentiq::cli::generate_cmd::run(args, &paths);
    }
    if let Some(Cmd::Script(cmd)) = cli.command {
        // Reads need no runtime; the commands that write start a small one themselves.
        let config_file = cli.config.unwrap_or_else(|| paths.config_file());
        return script::run(cmd, &paths, &config_file);
    }
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let config_file = cli.config.unwrap_or_else(|| paths.config_file());
    let Some(command) = cli.command else {
        let inbox = inbox_cmd::Inbox::new(paths, config_file, cli.ui.as_config(), &cli.inbox);
        let result = runtime.block_on(inbox_cmd::run(inbox));
        runtime.shutdown_timeout(Duration::from_millis(200));
        return result;
    };
    let result = match command {
        Cmd::Demo(args) => runtime.block_on(demo::run(
            args,
            paths.clone(),
            &config_file,
            cli.data_dir,
            cli.ui.as_config(),
        )),
        Cmd::Setup(cmd) => runtime.block_on(setup_cmd::run(
            cmd,
            &paths,
            &config_file,
            cli.ui.lang.as_deref(),
        )),
        Cmd::Simulator(args) => runtime.block_on(simulator_cmd::run(simulator_args(args)?)),
        Cmd::Classify { .. } | Cmd::Check { .. } => Ok(()),
        Cmd::Script(_) | Cmd::Generate(_) => Ok(()),
        Cmd::Keys => {
            let keymap = cli.ui.prefs(&config_file)?.keymap;
            agentiq::cli::keys_cmd::run(&paths.config_dir, &keymap)
        }
        Cmd::Metrics {
            filter,
            json,
            by_version,
        } => metrics(&paths, &filter, json, by_version),
        Cmd::Export {
            what,
            format,
            excel,
            filter,
            output,
        } => export(&paths, &config_file, what, &format, excel, &filter, output),
        Cmd::Backup { file, check } => backup(&runtime, &paths, &file, check),
        Cmd::Experiment(command) => agentiq::cli::experiment_cmd::run(&paths, command),
        Cmd::Autoreply(command) => agentiq::cli::autoreply_cmd::run(&paths.database(), command),
        Cmd::Templates { action } => templates(&paths, action),
        cmd @ (Cmd::Claim(_)
        | Cmd::Release(_)
        | Cmd::Team(_)
        | Cmd::Escalate(_)
        | Cmd::Assign(_)) => team_command(cmd, &config_file),
        Cmd::Sync(args) => sync(&runtime, &paths, &config_file, &args),
    };
    // Background tasks may be mid-request; do not wait for them on the way out.
    runtime.shutdown_timeout(Duration::from_millis(200));
    result
}

/// The team-mode commands, each on the shared database named by the configuration.
fn team_command(cmd: Cmd, config_file: &std::path::Path) -> Result<()> {
    let url = |name| team_cmd::required_url(config_file, name);
    match cmd {
        Cmd::Claim(args) => team_cmd::claim(&url("claim")?, args),
        Cmd::Release(args) => team_cmd::release(&url("release")?, args),
        Cmd::Team(command) => team_cmd::team(&url("team")?, command),
        Cmd::Escalate(args) => agentiq::cli::team_flow_cmd::escalate(&url("escalate")?, args),
        Cmd::Assign(args) => agentiq::cli::team_flow_cmd::assign(&url("assign")?, args),
        _ => unreachable!("team_command is called with team commands only"),
    }
}

/// The simulator's settings from its command line; an empty `--wb-token` mints one.
fn simulator_args(args: SimulatorCliArgs) -> Result<simulator_cmd::SimulatorArgs> {
    let faults = args
        .faults
        .parse()
        .map_err(|e: String| anyhow::anyhow!("--faults: {e}"))?;
    Ok(simulator_cmd::SimulatorArgs {
        listen: args.listen,
        seed: args.seed,
        scale: args.scale,
        faults,
        arrival_every: (args.arrival_secs > 0).then(|| Duration::from_secs(args.arrival_secs)),
        wb_token: args
            .wb_token
            .filter(|t| !t.trim().is_empty())
            .unwrap_or_else(|| config::wb_token::mint_inbox_token(chrono::Utc::now())),
        ozon_client_id: args.ozon_client_id,
        ozon_api_key: args.ozon_api_key,
        write_config: args.write_config,
        fixtures: args.fixtures,
        answer_visibility: args.answers,
    })
}

/// `metrics`: the pilot metrics, or per prompt/template version.
fn metrics(paths: &Paths, filter: &FilterCli, json: bool, by_version: bool) -> Result<()> {
    let reader = open_existing(paths)?;
    let now = chrono::Utc::now();
    let query = agentiq::analytics::resolve_query(&reader, &filter.args(), now)?;
    let text = if by_version {
        agentiq::cli::experiment_cmd::metrics_by_version(&reader, &query, json)?
    } else {
        agentiq::analytics::metrics_report(&reader, &query, now, json)?
    };
    out::line(&text)?;
    Ok(())
}

/// `export`: interactions or daily metrics as CSV, to a file or standard output.
fn export(
    paths: &Paths,
    config_file: &std::path::Path,
    what: ExportWhat,
    format: &str,
    excel: bool,
    filter: &FilterCli,
    output: Option<PathBuf>,
) -> Result<()> {
    if format != "csv" {
        return Err(fail(
            Failure::Usage,
            format!("--format {format}: only csv is supported"),
        ));
    }
    let format = if excel {
        agentiq::analytics::ExportFormat::Excel
    } else {
        agentiq::analytics::ExportFormat::Csv
    };
    let shared = config::store_url(config_file, &|name| std::env::var(name).ok())?;
    if let (ExportWhat::Interactions, Some(url)) = (&what, shared) {
        return team_export::export_interactions(&url, &filter.args(), format, output.as_deref());
    }
    let reader = open_existing(paths)?;
    let now = chrono::Utc::now();
    let query = agentiq::analytics::ExportQuery::new(
        agentiq::analytics::resolve_query(&reader, &filter.args(), now)?,
        now,
    );
    let mut out = team_export::export_sink(output.as_deref())?;
    let rows = match what {
        ExportWhat::Interactions => {
            agentiq::analytics::export_interactions(&reader, &query, format, &mut out)?
        }
        ExportWhat::Metrics => {
            agentiq::analytics::export_metrics(&reader, &query, format, &mut out)?
        }
    };
    out.flush()?;
    if let Some(path) = output {
        eprintln!("{rows} rows written to {}", path.display());
    }
    Ok(())
}

/// `backup`: an online copy of the database, stopped cleanly by Ctrl-C or TERM.
fn backup(
    runtime: &tokio::runtime::Runtime,
    paths: &Paths,
    file: &std::path::Path,
    check: bool,
) -> Result<()> {
    use agentiq::store::backup::{self, Verify};
    let database = script::existing_store(paths)?.path().to_path_buf();
    // Ctrl-C or a TERM stops the copy at its next step, which removes the partial
    // file; the error then says it was interrupted.
    runtime.spawn(async {
        interrupted().await;
        backup::cancel_running();
    });
    let verify = if check {
        Verify::QuickCheck
    } else {
        Verify::Structure
    };
    backup::backup_to(&database, file, verify)?;
    out::line(&format!(
        "backed up {} to {}",
        database.display(),
        file.display()
    ))?;
    Ok(())
}

/// `templates export|import`.
fn templates(paths: &Paths, action: TemplatesCmd) -> Result<()> {
    let database = paths.database();
    let store = Store::open(&database)?;
    match action {
        TemplatesCmd::Export { file, account } => {
            agentiq::cli::templates_cmd::export(&store, account.as_deref(), &file)?;
            out::line(&format!("templates written to {}", file.display()))?;
        }
        TemplatesCmd::Import { file, account } => {
            agentiq::cli::templates_cmd::import(&store, account.as_deref(), &file)?;
            out::line(&format!("templates imported from {}", file.display()))?;
        }
    }
    Ok(())
}

/// `sync`: once or as a daemon, into the shared team store when one is configured,
/// else into the local database.
fn sync(
    runtime: &tokio::runtime::Runtime,
    paths: &Paths,
    config_file: &std::path::Path,
    args: &SyncArgs,
) -> Result<()> {
    let accounts = config::load_accounts(config_file, &|name| std::env::var(name).ok())?;
    let shared = config::store_url(config_file, &|name| std::env::var(name).ok())?;
    let llm = config::load_llm(config_file)?;
    if let Some(url) = &shared {
        if args.daemon {
            let poll = Duration::from_secs(args.poll_secs.max(1));
            team_cmd::sync_daemon(runtime, url, &accounts, poll, interrupted())
        } else {
            team_cmd::sync_once(runtime, url, &accounts)
        }
    } else if args.daemon {
        let store = Store::open(paths.database())?;
        runtime.block_on(sync_cmd::sync_daemon(
            &store,
            &accounts,
            Duration::from_secs(args.poll_secs.max(1)),
            llm,
        ))
    } else {
        let store = Store::open(paths.database())?;
        runtime.block_on(sync_cmd::sync_once(&store, &accounts, llm.as_ref()))
    }
}

/// A read-only connection to the database, which must exist already.
fn open_existing(paths: &Paths) -> Result<rusqlite::Connection> {
    script::existing_reader(paths)
}
