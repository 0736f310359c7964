//! Shared set-up for integration tests: a simulator on loopback with the WB demo shop.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

use agentiq::connectors::http::{limiter, HttpClient, RetryPolicy};
use agentiq::connectors::wb::WbFeedbacks;
use agentiq::connectors::{AccountConfig, Credentials};
use agentiq::domain::Marketplace;
use agentiq::simulator::{self, DemoShop, SimShop, SimulatorConfig, SimulatorHandle};

pub const TOKEN: &str = "test-token-7f3a";

pub async fn simulator() -> SimulatorHandle {
    simulator_showing_answers(Default::default()).await
}

/// The WB demo shop on a simulator whose accepted answers show as `visibility` says.
pub async fn simulator_showing_answers(
    visibility: agentiq::simulator::state::AnswerVisibility,
) -> SimulatorHandle {
    let config = SimulatorConfig {
        answer_visibility: visibility,
        shops: vec![SimShop {
            shop: DemoShop::wb().expect("demo shop"),
            token: TOKEN.into(),
            client_id: None,
        }],
        seed: 42,
        arrival_every: None,
        ..SimulatorConfig::default()
    };
    simulator::spawn(config, SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .expect("simulator starts")
}

pub fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 3,
        base_backoff: std::time::Duration::from_millis(20),
        max_backoff: std::time::Duration::from_millis(100),
        max_rate_limit_wait: std::time::Duration::from_secs(5),
        timeout: std::time::Duration::from_secs(5),
    }
}

pub fn feedbacks(sim: &SimulatorHandle, token: &str) -> WbFeedbacks {
    let http = HttpClient::new(
        "wb",
        limiter(
            agentiq::connectors::wb::FEEDBACKS_PERIOD,
            agentiq::connectors::wb::FEEDBACKS_BURST,
        ),
        fast_retry(),
    );
    WbFeedbacks::new(http, &sim.base_url(), token)
}

pub fn account(sim: &SimulatorHandle) -> AccountConfig {
    AccountConfig {
        name: DemoShop::wb().expect("demo shop").shop.name,
        marketplace: Marketplace::Wb,
        credentials: Credentials::Wb {
            token: TOKEN.into(),
        },
        base_urls: BTreeMap::from([
            ("feedbacks".to_string(), sim.base_url()),
            ("chat".to_string(), sim.base_url()),
            ("cdn".to_string(), sim.base_url()),
        ]),
        retry: fast_retry(),
    }
}

pub fn clock() -> Arc<dyn Fn() -> chrono::DateTime<chrono::Utc> + Send + Sync> {
    Arc::new(chrono::Utc::now)
}

pub fn questions(sim: &SimulatorHandle, token: &str) -> agentiq::connectors::wb::WbQuestions {
    let http = HttpClient::new(
        "wb",
        limiter(
            agentiq::connectors::wb::FEEDBACKS_PERIOD,
            agentiq::connectors::wb::FEEDBACKS_BURST,
        ),
        fast_retry(),
    );
    agentiq::connectors::wb::WbQuestions::new(http, &sim.base_url(), token)
}

pub fn chats(sim: &SimulatorHandle, token: &str) -> agentiq::connectors::wb::WbChats {
    let http = HttpClient::new(
        "wb",
        limiter(
            agentiq::connectors::wb::CHATS_PERIOD,
            agentiq::connectors::wb::CHATS_BURST,
        ),
        fast_retry(),
    );
    agentiq::connectors::wb::WbChats::new(http, &sim.base_url(), token)
}

// ───────────────────────────── Ozon ─────────────────────────────

pub const OZON_CLIENT_ID: &str = "2871045";
pub const OZON_API_KEY: &str = "ozon-key-5b1e-SECRET";

/// A simulator with the Ozon demo shop (`Client-Id` + `Api-Key`).
pub async fn ozon_simulator() -> SimulatorHandle {
    ozon_simulator_with(SimulatorConfig::default()).await
}

/// The Ozon demo shop on top of `config` (seed 42 unless set).
pub async fn ozon_simulator_with(config: SimulatorConfig) -> SimulatorHandle {
    let config = SimulatorConfig {
        shops: vec![SimShop {
            shop: DemoShop::ozon().expect("demo shop"),
            token: OZON_API_KEY.into(),
            client_id: Some(OZON_CLIENT_ID.into()),
        }],
        seed: if config.seed == 0 { 42 } else { config.seed },
        ..config
    };
    simulator::spawn(config, SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .expect("simulator starts")
}

/// An Ozon API client against the simulator with its own limiter at the published pace.
pub fn ozon_api(
    sim: &SimulatorHandle,
    client_id: &str,
    api_key: &str,
) -> agentiq::connectors::ozon::OzonApi {
    use agentiq::connectors::ozon;
    agentiq::connectors::ozon::OzonApi::new(
        &sim.base_url(),
        client_id,
        api_key,
        limiter(ozon::PERIOD, ozon::BURST),
        fast_retry(),
    )
}

pub fn ozon_account(sim: &SimulatorHandle) -> AccountConfig {
    AccountConfig {
        name: DemoShop::ozon().expect("demo shop").shop.name,
        marketplace: Marketplace::Ozon,
        credentials: Credentials::Ozon {
            client_id: OZON_CLIENT_ID.into(),
            api_key: OZON_API_KEY.into(),
        },
        base_urls: BTreeMap::from([("seller".to_string(), sim.base_url())]),
        retry: fast_retry(),
    }
}

/// A client that does not pace itself, for tests of how a 429 is waited out.
pub fn unpaced() -> HttpClient {
    HttpClient::new(
        "wb",
        limiter(std::time::Duration::from_millis(1), 1000),
        fast_retry(),
    )
}

/// A simulator of `agentiq simulator --seed SEED --scale SCALE` (both demo shops, tokens
/// named after `name`), started on `runtime`, and a fresh folder holding the accounts
/// file that points the real binary at it: for tests that run `agentiq` as a process.
pub struct ProcessSimulator {
    pub sim: SimulatorHandle,
    pub dir: tempfile::TempDir,
    pub config: std::path::PathBuf,
}

pub fn process_simulator(
    runtime: &tokio::runtime::Runtime,
    name: &str,
    seed: u64,
    scale: usize,
) -> ProcessSimulator {
    use agentiq::cli::simulator_cmd::{self, SimulatorArgs};
    let args = SimulatorArgs {
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        seed,
        scale,
        faults: Default::default(),
        arrival_every: None,
        wb_token: format!("{name}-wb"),
        ozon_client_id: name.to_string(),
        ozon_api_key: format!("{name}-ozon"),
        write_config: None,
        fixtures: None,
        answer_visibility: Default::default(),
    };
    let sim = runtime
        .block_on(simulator_cmd::start(&args))
        .expect("simulator starts");
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("accounts.toml");
    agentiq::config::write_private(
        &config,
        &simulator_cmd::config_for(&args, &sim.base_url()).expect("accounts file"),
    )
    .expect("accounts file written");
    ProcessSimulator { sim, dir, config }
}

/// The size of the pseudo-terminal [`demo_in_pty`] opens.
pub const PTY_ROWS: u16 = 40;
pub const PTY_COLS: u16 = 120;

/// `agentiq demo` against the simulator at `base_url`, in Russian, in a
/// [`PTY_COLS`]×[`PTY_ROWS`] pseudo-terminal: data in `data`, logs and config under `dir`,
/// `env` added. What the terminal prints arrives on `output` as it is written.
pub struct PtyDemo {
    pub child: Box<dyn portable_pty::Child + Send + Sync>,
    pub writer: Box<dyn std::io::Write + Send>,
    pub output: std::sync::mpsc::Receiver<Vec<u8>>,
}

pub fn demo_in_pty(
    dir: &std::path::Path,
    data: &std::path::Path,
    base_url: &str,
    token: &str,
    env: &[(&str, &str)],
) -> PtyDemo {
    let mut all = vec![
        ("AGENTIQ_SIMULATOR_TOKEN", token),
        ("AGENTIQ_DATA_DIR", data.to_str().expect("a UTF-8 path")),
    ];
    all.extend_from_slice(env);
    agentiq_in_pty(
        dir,
        &["demo", "--simulator", base_url, "--poll-secs", "1"],
        &all,
    )
}

/// The real `agentiq ARGS` in a [`PTY_COLS`]×[`PTY_ROWS`] pseudo-terminal, in Russian,
/// logs and config folder under `dir`, `env` added (and winning).
pub fn agentiq_in_pty(dir: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> PtyDemo {
    use portable_pty::{native_pty_system, CommandBuilder, PtySize};
    use std::io::Read;
    let pty = native_pty_system()
        .openpty(PtySize {
            rows: PTY_ROWS,
            cols: PTY_COLS,
            pixel_width: 0,
            pixel_height: 0,
        })
        .expect("a pseudo-terminal");
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_agentiq"));
    cmd.args(args);
    cmd.env("AGENTIQ_LOG_DIR", dir.join("logs"));
    cmd.env("AGENTIQ_CONFIG_DIR", dir.join("config"));
    cmd.env("TERM", "xterm-256color");
    cmd.env("LANG", "ru_RU.UTF-8");
    for (key, value) in env {
        cmd.env(key, value);
    }
    let child = pty.slave.spawn_command(cmd).expect("agentiq starts");
    drop(pty.slave);
    let mut reader = pty
        .master
        .try_clone_reader()
        .expect("the terminal's output");
    let writer = pty.master.take_writer().expect("the terminal's input");
    let (tx, output) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = [0u8; 8192];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    PtyDemo {
        child,
        writer,
        output,
    }
}

/// A holder id of a process that has ended: what a claim of a killed process looks like.
pub fn dead_holder() -> String {
    let mut child = std::process::Command::new("true")
        .spawn()
        .expect("spawning `true`");
    let pid = child.id();
    child.wait().expect("waiting for `true`");
    let host = agentiq::store::Holder::parse(&agentiq::store::holder_id_for(
        agentiq::store::ProcessKind::Cli,
    ))
    .expect("own holder id parses")
    .host;
    format!("daemon:{pid}:00000000@{host}")
}

/// The state a process killed during the network call leaves: the row claimed by a gone
/// process and marked `sending`.
pub async fn sending_by_a_killed_process(writer: &agentiq::store::Writer, outbox_id: i64) {
    let holder = dead_holder();
    writer
        .call(move |conn| {
            let now = chrono::Utc::now();
            let (_, claim) = agentiq::store::claim_outbox(
                conn,
                outbox_id,
                &holder,
                now,
                chrono::Duration::seconds(45),
            )?
            .expect("the row is due");
            anyhow::ensure!(agentiq::store::mark_sending(conn, &claim, now)?);
            Ok(())
        })
        .await
        .expect("marking the row sending");
}

/// `agentiq` — the inbox on the seller's own shops — in a pseudo-terminal on the accounts
/// of `config`, data in `dir/data`.
pub fn inbox_in_pty(dir: &std::path::Path, config: &std::path::Path) -> PtyDemo {
    let data = dir.join("data");
    agentiq_in_pty(
        dir,
        &[
            "--config",
            config.to_str().expect("a UTF-8 path"),
            "--poll-secs",
            "3600",
        ],
        &[("AGENTIQ_DATA_DIR", data.to_str().expect("a UTF-8 path"))],
    )
}

/// A store holding the WB demo shop's reviews, synced from a fresh simulator.
pub struct SyncedShop {
    pub dir: tempfile::TempDir,
    pub store: agentiq::store::Store,
    pub writer: agentiq::store::Writer,
    pub account_id: i64,
    pub sim: SimulatorHandle,
}

/// One sync pass of the WB feedbacks connector into a new store.
pub async fn synced_wb_reviews() -> SyncedShop {
    let sim = simulator().await;
    let dir = tempfile::tempdir().unwrap();
    let store = agentiq::store::Store::open(dir.path().join("a.db")).unwrap();
    let writer = store.writer().unwrap();
    let account = account(&sim);
    let name = account.name.clone();
    let account_id = writer
        .call(move |c| agentiq::store::upsert_account(c, &name, Marketplace::Wb))
        .await
        .unwrap();
    let feedbacks = agentiq::connectors::build_connectors(&account)
        .unwrap()
        .into_iter()
        .find(|c| c.id() == "wb_feedbacks")
        .unwrap();
    agentiq::sync::sync_pass(&writer, account_id, feedbacks.as_ref(), &*clock())
        .await
        .map_err(|(_, e)| e)
        .unwrap();
    SyncedShop {
        dir,
        store,
        writer,
        account_id,
        sim,
    }
}

/// The real binary with its data, log and config folders under `dir`, in the C locale
/// and the default language, with nothing on stdin.
pub fn agentiq_command(dir: &std::path::Path, args: &[&str]) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_agentiq"));
    cmd.args(args)
        .env("AGENTIQ_DATA_DIR", dir.join("data"))
        .env("AGENTIQ_LOG_DIR", dir.join("logs"))
        .env("AGENTIQ_CONFIG_DIR", dir.join("config"))
        .env_remove("AGENTIQ_LANG")
        .env("LC_ALL", "C")
        .stdin(std::process::Stdio::null());
    cmd
}

/// Runs [`agentiq_command`] to its end: exit code, stdout, stderr.
pub fn run_agentiq(dir: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let output = agentiq_command(dir, args).output().expect("agentiq runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}
