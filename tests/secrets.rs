//! Secrets never leave the config file: the real binary runs with recognisable tokens —
//! a sync, a guardrail check, an export, a sync refused for a wrong token, and the inbox
//! in a pseudo-terminal — and then the log folder, every file of the data folder (the
//! database, its WAL and backups included), everything printed on stdout and stderr and
//! the terminal's screen are searched for the tokens: zero hits.

mod common;

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use agentiq::cli::simulator_cmd::{self, SimulatorArgs};

const WB_TOKEN: &str = "SECRET-TOKEN-7f3a9c";
const OZON_KEY: &str = "SECRET-OZKEY-7f3a9c";
/// A token the simulator does not know: the run fails, and its error must not show it.
const WRONG_TOKEN: &str = "SECRET-WRONG-7f3a9c";
/// The part every secret shares: a hit on it is a hit on some secret, even a truncated
/// or re-encoded one.
const MARK: &str = "7f3a9c";

struct Run {
    dir: tempfile::TempDir,
    captured: Vec<Captured>,
}

impl Run {
    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_agentiq"));
        cmd.args(args)
            .env("AGENTIQ_DATA_DIR", self.dir.path().join("data"))
            .env("AGENTIQ_LOG_DIR", self.dir.path().join("logs"))
            .env("AGENTIQ_CONFIG_DIR", self.dir.path().join("config"))
            // Debug logging too: whatever the log level, no secret.
            .env("RUST_LOG", "debug")
            .stdin(Stdio::null());
        cmd
    }

    fn keep(&mut self, what: &str, output: &Output) {
        self.captured
            .push((format!("{what} stdout"), output.stdout.clone()));
        self.captured
            .push((format!("{what} stderr"), output.stderr.clone()));
    }
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// Where a secret shows up: which capture or file, and around which text.
fn hits(name: &str, bytes: &[u8]) -> Vec<String> {
    let mut found = Vec::new();
    for needle in [MARK.as_bytes(), WB_TOKEN.as_bytes()] {
        for at in bytes
            .windows(needle.len())
            .enumerate()
            .filter(|(_, w)| *w == needle)
            .map(|(i, _)| i)
        {
            let from = at.saturating_sub(60);
            let to = (at + 60).min(bytes.len());
            found.push(format!(
                "{name} @{at}: …{}…",
                String::from_utf8_lossy(&bytes[from..to])
            ));
        }
    }
    found
}

/// Whether the reviews tab counts at least one item (`Отзывы 87`).
fn queue_counted(screen: &str) -> bool {
    screen.match_indices("Отзывы ").any(|(at, tab)| {
        screen[at + tab.len()..]
            .chars()
            .next()
            .is_some_and(|c| ('1'..='9').contains(&c))
    })
}

/// A file's name and its bytes.
type Captured = (String, Vec<u8>);

/// Every file under the folders, as it is on disk now.
fn snapshot(run: &Run, folders: &[&str]) -> Vec<Captured> {
    let mut files = Vec::new();
    for folder in folders {
        files_under(&run.dir.path().join(folder), &mut files);
    }
    files
        .into_iter()
        .filter_map(|f| Some((f.display().to_string(), std::fs::read(&f).ok()?)))
        .collect()
}

/// The inbox in a pseudo-terminal until its queue shows, then quit; returns the raw
/// terminal output, the final screen, and the files of the data and log folders as they
/// were while it ran (the database's WAL is only there while it is open).
fn tui(run: &Run, base_url: &str) -> (Vec<u8>, String, Vec<Captured>) {
    use common::{PTY_COLS as COLS, PTY_ROWS as ROWS};
    let common::PtyDemo {
        mut child,
        mut writer,
        output,
    } = common::demo_in_pty(
        run.dir.path(),
        &run.dir.path().join("demo-data"),
        base_url,
        WB_TOKEN,
        &[("RUST_LOG", "debug")],
    );
    let size = |n: u16| std::num::NonZeroU16::new(n).expect("non-zero size");
    let mut screen = vt100::Parser::new(size(ROWS), size(COLS), 0);
    let mut raw = Vec::new();
    // The queue has synced when the reviews tab counts something.
    let deadline = Instant::now() + Duration::from_secs(60);
    while !queue_counted(&screen.screen().contents()) {
        let left = deadline.saturating_duration_since(Instant::now());
        assert!(
            !left.is_zero(),
            "the inbox never showed the queue; screen:\n{}",
            screen.screen().contents()
        );
        if let Ok(chunk) = output.recv_timeout(left) {
            screen.process(&chunk);
            raw.extend_from_slice(&chunk);
        }
    }
    let live = snapshot(run, &["demo-data", "logs"]);
    assert!(
        live.iter().any(|(name, _)| name.ends_with("-wal")),
        "the open database's WAL is scanned: {:?}",
        live.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    writer.write_all(b"q").unwrap();
    writer.flush().unwrap();
    let status = child.wait().expect("the inbox exits");
    assert!(status.success(), "the inbox quits cleanly");
    raw.extend(output.try_iter().flatten());
    let contents = screen.screen().contents();
    (raw, contents, live)
}

#[test]
fn no_token_reaches_logs_database_output_or_screen() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let args = SimulatorArgs {
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        seed: 5,
        scale: 0,
        faults: Default::default(),
        arrival_every: None,
        wb_token: WB_TOKEN.into(),
        ozon_client_id: "secret-test-client".into(),
        ozon_api_key: OZON_KEY.into(),
        write_config: None,
        fixtures: None,
        answer_visibility: Default::default(),
    };
    let sim = runtime.block_on(simulator_cmd::start(&args)).unwrap();
    let mut run = Run {
        dir: tempfile::tempdir().unwrap(),
        captured: Vec::new(),
    };
    // The config file is where the tokens belong; it lives outside the scanned folders.
    let config = run.dir.path().join("accounts.toml");
    let text = simulator_cmd::config_for(&args, &sim.base_url()).unwrap();
    assert!(text.contains(WB_TOKEN) && text.contains(OZON_KEY));
    agentiq::config::write_private(&config, &text).unwrap();
    let config = config.to_str().unwrap().to_string();

    let sync = run
        .command(&["sync", "--once", "--config", &config])
        .output()
        .unwrap();
    assert!(
        sync.status.success(),
        "{}",
        String::from_utf8_lossy(&sync.stderr)
    );
    run.keep("sync --once", &sync);

    let check = run
        .command(&[
            "check",
            "--customer-text",
            "Плед колется",
            "Здравствуйте! Спасибо за отзыв, нам жаль, что плед колется.",
        ])
        .output()
        .unwrap();
    run.keep("check", &check);

    let export = run.command(&["export", "interactions"]).output().unwrap();
    assert!(
        export.status.success(),
        "{}",
        String::from_utf8_lossy(&export.stderr)
    );
    run.keep("export", &export);

    let wrong = run.dir.path().join("wrong.toml");
    agentiq::config::write_private(&wrong, &text.replace(WB_TOKEN, WRONG_TOKEN)).unwrap();
    let failed = run
        .command(&["sync", "--once", "--config", wrong.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!failed.status.success(), "a wrong token fails the run");
    let said = String::from_utf8_lossy(&failed.stderr);
    assert!(said.contains("401"), "the error says why: {said}");
    run.keep("sync with a wrong token", &failed);

    let (raw, screen, live) = tui(&run, &sim.base_url());
    run.captured.push(("terminal output".into(), raw));
    run.captured.push(("screen".into(), screen.into_bytes()));
    run.captured.extend(
        live.into_iter()
            .map(|(name, bytes)| (format!("{name} (while the inbox ran)"), bytes)),
    );

    let mut files = Vec::new();
    for folder in ["data", "demo-data", "logs", "config"] {
        files_under(&run.dir.path().join(folder), &mut files);
    }
    assert!(
        files.iter().any(|f| f.ends_with("agentiq.db")),
        "the database was scanned: {files:?}"
    );
    assert!(
        files
            .iter()
            .any(|f| f.starts_with(run.dir.path().join("logs"))),
        "a log was written and scanned: {files:?}"
    );
    let mut found = Vec::new();
    for file in &files {
        let bytes = std::fs::read(file).unwrap();
        found.extend(hits(&file.display().to_string(), &bytes));
    }
    for (name, bytes) in &run.captured {
        found.extend(hits(name, bytes));
    }
    assert!(found.is_empty(), "secrets leaked:\n{}", found.join("\n"));

    // The scan can find a token where one is: the config file has them.
    assert!(!hits("config", text.as_bytes()).is_empty());
}

#[test]
fn debug_output_of_anything_holding_a_token_redacts_it() {
    let args = SimulatorArgs {
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        seed: 1,
        scale: 0,
        faults: Default::default(),
        arrival_every: None,
        wb_token: WB_TOKEN.into(),
        ozon_client_id: "client".into(),
        ozon_api_key: OZON_KEY.into(),
        write_config: None,
        fixtures: None,
        answer_visibility: Default::default(),
    };
    let external = agentiq::demo::DemoArgs {
        arrival_secs: 30,
        poll_secs: 5,
        seed: 7,
        simulator: Some("http://127.0.0.1:1".into()),
        simulator_token: Some(WB_TOKEN.into()),
        simulator_ozon_client_id: "client".into(),
        simulator_ozon_key: OZON_KEY.into(),
    };
    let entry: agentiq::config::ConfigFile = toml::from_str(&format!(
        "[[accounts]]\nname = \"a\"\nmarketplace = \"wb\"\ntoken = \"{WB_TOKEN}\"\n\n\
         [[accounts]]\nname = \"b\"\nmarketplace = \"ozon\"\nclient_id = \"c\"\napi_key = \"{OZON_KEY}\"\n"
    ))
    .unwrap();
    let credentials = agentiq::connectors::Credentials::Ozon {
        client_id: "client".into(),
        api_key: OZON_KEY.into(),
    };
    for debug in [
        format!("{args:?}"),
        format!("{external:?}"),
        format!("{credentials:?}"),
        format!("{entry:?}"),
    ] {
        assert!(hits("debug", debug.as_bytes()).is_empty(), "{debug}");
        assert!(debug.contains("<redacted>"), "{debug}");
    }
}
