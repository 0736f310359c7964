//! The seller's own shops, as a seller meets them: the real `agentiq` binary in a
//! pseudo-terminal on the config `agentiq simulator --write-config` wrote. Both shops
//! show; one reply per marketplace goes out through the outbox; with the simulator
//! stopped the inbox opens on the same history and says it is offline; a reply written
//! offline waits in the outbox and goes out by itself once the simulator is back.

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::{PtyDemo, PTY_COLS as COLS, PTY_ROWS as ROWS};

const PATIENCE: Duration = Duration::from_secs(60);

struct Screen {
    parser: vt100::Parser,
    output: mpsc::Receiver<Vec<u8>>,
}

impl Screen {
    fn new(output: mpsc::Receiver<Vec<u8>>) -> Screen {
        let size = |n: u16| std::num::NonZeroU16::new(n).expect("non-zero size");
        Screen {
            parser: vt100::Parser::new(size(ROWS), size(COLS), 0),
            output,
        }
    }

    fn text(&self) -> String {
        self.parser.screen().contents()
    }

    fn wait_for(&mut self, what: &str, done: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let contents = self.text();
            if done(&contents) {
                return contents;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "timed out waiting for {what}; screen:\n{contents}"
            );
            if let Ok(chunk) = self
                .output
                .recv_timeout(left.min(Duration::from_millis(200)))
            {
                self.parser.process(&chunk);
            }
        }
    }
}

fn key(writer: &mut Box<dyn Write + Send>, bytes: &[u8]) {
    writer.write_all(bytes).unwrap();
    writer.flush().unwrap();
}

/// `agentiq simulator` as a process on `port`, serving the demo shops with `token`;
/// returns once it listens (the config it writes is the signal).
fn simulator(dir: &Path, port: u16, token: &str, write_config: &Path) -> Child {
    let _ = std::fs::remove_file(write_config);
    let child = Command::new(env!("CARGO_BIN_EXE_agentiq"))
        .args([
            "simulator",
            "--seed",
            "7",
            "--arrival-secs",
            "0",
            "--listen",
        ])
        .arg(format!("127.0.0.1:{port}"))
        .arg("--write-config")
        .arg(write_config)
        .env("AGENTIQ_SIM_WB_TOKEN", token)
        .env("AGENTIQ_LOG_DIR", dir.join("sim-logs"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the simulator starts");
    let deadline = Instant::now() + PATIENCE;
    while !write_config.exists() {
        assert!(Instant::now() < deadline, "the simulator did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    child
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// The simulator's record of the answers it received.
fn answers(runtime: &tokio::runtime::Runtime, port: u16) -> Vec<serde_json::Value> {
    runtime.block_on(async {
        let Ok(resp) = reqwest::get(format!("http://127.0.0.1:{port}/_sim/state")).await else {
            return Vec::new();
        };
        let state: serde_json::Value = resp.json().await.unwrap_or_default();
        state["answers"].as_array().cloned().unwrap_or_default()
    })
}

fn wait_answers(runtime: &tokio::runtime::Runtime, port: u16, n: usize) -> Vec<serde_json::Value> {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let got = answers(runtime, port);
        if got.len() >= n {
            return got;
        }
        assert!(
            Instant::now() < deadline,
            "the simulator got {} answers, not {n}: {got:?}",
            got.len()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn quit(pty: &mut PtyDemo, screen: &mut Screen) {
    key(&mut pty.writer, b"q");
    let deadline = Instant::now() + PATIENCE;
    loop {
        if let Some(status) = pty.child.try_wait().unwrap() {
            assert!(status.success(), "clean exit: {status:?}");
            return;
        }
        assert!(Instant::now() < deadline, "agentiq did not quit");
        if let Ok(chunk) = screen.output.recv_timeout(Duration::from_millis(100)) {
            screen.parser.process(&chunk);
        }
    }
}

/// The tab line's counts, `1:Все N   2:Отзывы N   3:Вопросы N   4:Чаты N` (not the
/// overdue count, which grows with the clock).
fn tabs(screen: &str) -> String {
    let line = screen.lines().next().unwrap_or_default();
    line.split("b:")
        .next()
        .unwrap_or_default()
        .trim()
        .to_string()
}

/// r, Ctrl-S, y: the selected item's prepared draft goes to the outbox.
fn answer_selected(pty: &mut PtyDemo, screen: &mut Screen) {
    key(&mut pty.writer, b"r");
    screen.wait_for("the editor", |s| {
        ["/5000", "/3000", "/1000"]
            .iter()
            .any(|limit| s.contains(limit))
    });
    key(&mut pty.writer, b"\x13");
    screen.wait_for("the confirmation", |s| s.contains("подтвердить"));
    key(&mut pty.writer, b"y");
}

#[test]
fn own_shops_online_then_offline_then_caught_up() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let config = dir.path().join("config.toml");
    let port = free_port();
    let token = agentiq::config::wb_token::mint_inbox_token(chrono::Utc::now());
    let mut sim = simulator(dir.path(), port, &token, &config);
    let env = [("AGENTIQ_DATA_DIR", data.to_str().unwrap())];
    let args = ["--config", config.to_str().unwrap(), "--poll-secs", "1"];

    // Online: both shops fill the queue; the most urgent item is on top and selected.
    let started = Instant::now();
    let mut pty = common::agentiq_in_pty(dir.path(), &args, &env);
    let mut screen = Screen::new(pty.output);
    pty.output = mpsc::channel().1;
    let shown = screen.wait_for("WB and Ozon items", |s| {
        s.contains("Хорошая Полка: ✓") && s.contains("Уютный дом: ✓") && s.contains("Очередь 1/")
    });
    let online_open = started.elapsed();
    assert!(shown.contains(" WB ") && shown.contains(" OZ "), "{shown}");

    // One WB reply (the top item is WB or Ozon; the other comes from a filtered view).
    answer_selected(&mut pty, &mut screen);
    let first = wait_answers(&runtime, port, 1);
    let other = if first[0]["account"] == "Уютный дом" {
        "mp:ozon channel:question"
    } else {
        "mp:wb channel:question"
    };
    key(&mut pty.writer, b"/");
    key(&mut pty.writer, other.as_bytes());
    key(&mut pty.writer, b"\r");
    screen.wait_for("the other marketplace's questions", |s| {
        s.contains("Поиск 1/")
    });
    answer_selected(&mut pty, &mut screen);
    let both = wait_answers(&runtime, port, 2);
    let accounts: std::collections::BTreeSet<_> = both
        .iter()
        .map(|a| a["account"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(accounts.len(), 2, "one answer per shop: {both:?}");
    key(&mut pty.writer, b"\x1b"); // leave the search
    let before = screen.wait_for("the inbox after answering", |s| {
        s.contains("исходящих нет") && s.contains("Очередь")
    });
    quit(&mut pty, &mut screen);
    sim.kill().unwrap();
    sim.wait().unwrap();

    // Offline: the same history, every account said to be offline.
    let started = Instant::now();
    let mut pty = common::agentiq_in_pty(dir.path(), &args, &env);
    let mut screen = Screen::new(pty.output);
    pty.output = mpsc::channel().1;
    let history = tabs(&before);
    screen.wait_for("the stored history", |s| tabs(s) == history);
    let offline_open = started.elapsed();
    let offline = screen.wait_for("offline in the status bar", |s| {
        s.contains("Уютный дом: офлайн") && s.contains("Хорошая Полка: офлайн")
    });
    eprintln!("queue shown: online {online_open:?}, offline {offline_open:?}");
    assert!(offline.contains("Очередь 1/"), "{offline}");

    // A reply written offline waits in the outbox...
    answer_selected(&mut pty, &mut screen);
    screen.wait_for("the reply waiting", |s| s.contains("исходящие: 1"));
    // ...and goes out by itself once the marketplace is back.
    let mut sim = simulator(dir.path(), port, &token, &dir.path().join("again.toml"));
    let delivered = wait_answers(&runtime, port, 1);
    assert_eq!(delivered.len(), 1, "{delivered:?}");
    assert_eq!(delivered[0]["known_item"], true, "{delivered:?}");
    screen.wait_for("the outbox emptied", |s| s.contains("исходящих нет"));
    quit(&mut pty, &mut screen);
    sim.kill().unwrap();
    sim.wait().unwrap();
}

/// `--offline`: every account is reported offline at once, a reply is queued, and the
/// marketplace receives no request at all — not a sync pass, not the reply.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_services_make_no_network_call_and_keep_replies_in_the_outbox() {
    use agentiq::protocol::{Command, Event};
    use agentiq::runtime::{ServiceOptions, Services};
    use agentiq::store::{self, QueueFilter, Store};

    let sim = common::simulator().await;
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("a.db")).unwrap();
    let account = common::account(&sim);
    {
        // History from an earlier run with the network.
        let writer = store.writer().unwrap();
        let name = account.name.clone();
        let id = writer
            .call(move |c| store::upsert_account(c, &name, agentiq::domain::Marketplace::Wb))
            .await
            .unwrap();
        for connector in agentiq::connectors::build_connectors(&account).unwrap() {
            agentiq::sync::sync_pass(&writer, id, connector.as_ref(), &*common::clock())
                .await
                .map_err(|(_, e)| e)
                .unwrap();
        }
    }
    let before = sim.sim.report().requests.values().sum::<u64>();
    let mut services = Services::start(
        &store,
        std::slice::from_ref(&account),
        ServiceOptions {
            poll_every: Duration::from_millis(10),
            clock: common::clock(),
            notify_lang: agentiq::notify::Lang::Ru,
            llm: None,
            offline: true,
            prompts: None,
            kind: agentiq::store::ProcessKind::Inbox,
        },
    )
    .await
    .unwrap();
    assert!(
        matches!(next(&mut services.events).await, Event::Offline { account: a, .. } if a == account.name),
        "the account is offline from the start"
    );
    let top =
        store::queue_page(&store.reader().unwrap(), &QueueFilter::default(), 0, 1).unwrap()[0].id;
    services
        .commands
        .send(Command::SendReply {
            interaction_id: top,
            text: "Спасибо за отзыв! Разберёмся и напишем вам.".into(),
            idempotency_key: "offline-1".into(),
            override_block: false,
            opened_at: None,
        })
        .unwrap();
    services.commands.send(Command::SyncNow).unwrap();
    loop {
        if matches!(next(&mut services.events).await, Event::OutboxChanged) {
            break;
        }
    }
    let state: String = store
        .reader()
        .unwrap()
        .query_row(
            "SELECT state FROM outbox WHERE idempotency_key = 'offline-1'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(state, "queued", "the reply waits in the outbox");
    let report = sim.sim.report();
    assert_eq!(
        report.requests.values().sum::<u64>(),
        before,
        "no request: {:?}",
        report.requests
    );
    assert!(report.answers.is_empty());
}

async fn next(
    events: &mut tokio::sync::mpsc::UnboundedReceiver<agentiq::protocol::Event>,
) -> agentiq::protocol::Event {
    tokio::time::timeout(Duration::from_secs(20), events.recv())
        .await
        .expect("an event")
        .expect("services running")
}
