//! The inbox (TUI) in team mode on a real PostgreSQL cluster (tests/team_support): two
//! operators' inboxes, the real binary in pseudo-terminals, each with its own data folder
//! and only `AGENTIQ_DATABASE_URL`. What one does shows on the other's screen: a claim
//! with `c` or `agentiq claim`, a release with `X`, a reply (pending), a new item the
//! owner's `sync --once` brings in; and an inbox survives a restart of the database.

mod common;
mod team_support;

use std::io::Write;
use std::path::Path;
use std::process::Stdio;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::{PTY_COLS as COLS, PTY_ROWS as ROWS};
use team_support::{PgCluster, DATABASE};

const PATIENCE: Duration = Duration::from_secs(30);

fn agentiq(dir: &Path, url: &str, args: &[&str]) -> (i32, String, String) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_agentiq"))
        .args(args)
        .env("AGENTIQ_DATA_DIR", dir.join("data"))
        .env("AGENTIQ_LOG_DIR", dir.join("logs"))
        .env("AGENTIQ_CONFIG_DIR", dir.join("config"))
        .env_remove("AGENTIQ_LANG")
        .env("AGENTIQ_DATABASE_URL", url)
        .env("LC_ALL", "C")
        .stdin(Stdio::null())
        .output()
        .expect("agentiq runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// One operator's inbox in a pseudo-terminal, and what it shows.
struct Inbox {
    pty: common::PtyDemo,
    screen: vt100::Parser,
}

impl Inbox {
    fn open(dir: &Path, url: &str) -> Inbox {
        let data = dir.join("data");
        let pty = common::agentiq_in_pty(
            dir,
            &["--poll-secs", "3600"],
            &[
                ("AGENTIQ_DATA_DIR", data.to_str().expect("a UTF-8 path")),
                ("AGENTIQ_DATABASE_URL", url),
            ],
        );
        let size = |n: u16| std::num::NonZeroU16::new(n).expect("non-zero size");
        Inbox {
            pty,
            screen: vt100::Parser::new(size(ROWS), size(COLS), 0),
        }
    }

    /// Reads the terminal until `done` holds; how long that took.
    fn wait_for(&mut self, what: &str, done: impl Fn(&str) -> bool) -> Duration {
        let start = Instant::now();
        let deadline = start + PATIENCE;
        loop {
            let contents = self.screen.screen().contents();
            if done(&contents) {
                return start.elapsed();
            }
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "timed out waiting for {what}; screen:\n{contents}"
            );
            match self
                .pty
                .output
                .recv_timeout(left.min(Duration::from_millis(50)))
            {
                Ok(chunk) => self.screen.process(&chunk),
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    panic!("the inbox ended while waiting for {what}; screen:\n{contents}")
                }
            }
        }
    }

    fn key(&mut self, bytes: &[u8]) {
        self.pty.writer.write_all(bytes).unwrap();
        self.pty.writer.flush().unwrap();
    }
}

impl Drop for Inbox {
    fn drop(&mut self) {
        let _ = self.pty.child.kill();
        let _ = self.pty.child.wait();
    }
}

fn open_count(client: &mut postgres::Client) -> i64 {
    client
        .query_one(
            "SELECT count(*) FROM interactions WHERE state = 'open'",
            &[],
        )
        .unwrap()
        .get(0)
}

fn claimed_by(client: &mut postgres::Client, who: &str) -> Vec<i64> {
    client
        .query(
            "SELECT id FROM interactions WHERE claimed_by = $1 AND claim_expires_at > now()",
            &[&who],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

/// The cluster with the simulator's shops synced in, three open items, and two
/// operators on every shop.
struct Scene {
    pg: PgCluster,
    sim: common::ProcessSimulator,
    _runtime: tokio::runtime::Runtime,
    owner: std::path::PathBuf,
}

impl Scene {
    fn start() -> Option<Scene> {
        let pg = PgCluster::start()?;
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        let sim = common::process_simulator(&runtime, "team-inbox", 7, 0);
        let owner = sim.dir.path().join("owner");
        let scene = Scene {
            pg,
            sim,
            _runtime: runtime,
            owner,
        };
        scene.sync_once();
        // Three open WB reviews and questions: a queue that fits on the screen.
        scene
            .db()
            .execute(
                "UPDATE interactions SET state = 'answered' WHERE state = 'open' AND id NOT IN
                     (SELECT i.id FROM interactions i JOIN accounts a ON a.id = i.account_id
                      WHERE i.state = 'open' AND a.marketplace = 'wb' AND i.channel <> 'chat'
                      ORDER BY i.due_at, i.id LIMIT 3)",
                &[],
            )
            .unwrap();
        let shops: Vec<String> = scene
            .db()
            .query("SELECT name FROM accounts", &[])
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
        for person in ["maria", "ivan"] {
            let mut args = vec!["team", "add", person, "--role", "operator"];
            for shop in &shops {
                args.extend(["--shop", shop.as_str()]);
            }
            let (code, _, err) = agentiq(&scene.owner, &scene.pg.url(), &args);
            assert_eq!(code, 0, "team add {person}: {err}");
        }
        Some(scene)
    }

    fn sync_once(&self) {
        let config = self.sim.config.display().to_string();
        let (code, _, err) = agentiq(
            &self.owner,
            &self.pg.url(),
            &["sync", "--once", "--config", &config],
        );
        assert_eq!(code, 0, "sync --once: {err}");
    }

    fn db(&self) -> postgres::Client {
        self.pg.superuser(DATABASE)
    }

    /// `agentiq ARGS` as `who` on a machine of their own.
    fn cli(&self, who: &str, args: &[&str]) -> (i32, String, String) {
        let dir = self.sim.dir.path().join(format!("{who}-cli"));
        agentiq(&dir, &self.pg.url_as(who), args)
    }

    fn inbox(&self, who: &str) -> Inbox {
        Inbox::open(&self.sim.dir.path().join(who), &self.pg.url_as(who))
    }
}

#[test]
fn two_inboxes_see_each_others_claims_replies_and_new_items_and_survive_a_restart() {
    let Some(scene) = Scene::start() else { return };
    let mut a = scene.inbox("maria");
    let mut b = scene.inbox("ivan");
    for inbox in [&mut a, &mut b] {
        inbox.wait_for("the mirrored queue", |s| {
            s.contains("Все 3") && s.contains("Мои")
        });
    }
    // `agentiq doctor` on the operator's URL reports the shared database.
    let (_, out, _) = scene.cli("maria", &["doctor", "--lang", "en"]);
    assert!(
        out.contains("✓ team database") && out.contains("connected as maria (operator)"),
        "{out}"
    );
    claims(&scene, &mut a, &mut b);
    reply_and_new_items(&scene, &mut a, &mut b);
    restart(&scene, &mut a);
}

/// `c`, `A` and `X` in the inboxes, `agentiq claim` on a third machine.
fn claims(scene: &Scene, a: &mut Inbox, b: &mut Inbox) {
    // `c` on A claims the selected item; B sees who answers it.
    a.key(b"c");
    a.wait_for("A's own claim", |s| s.contains("◆ вы"));
    b.wait_for("maria's claim on B", |s| s.contains("отвечает maria"));
    assert_eq!(claimed_by(&mut scene.db(), "maria").len(), 1);

    // An operator may not assign: the picker lists the team, the database refuses.
    b.key(b"A");
    b.wait_for("the team picker", |s| {
        s.contains("Кому передать") && s.contains("maria (operator)")
    });
    b.key(b"\r");
    b.wait_for("the database's refusal", |s| {
        s.contains("база команды отказала")
    });

    // A claim made on another machine with the command shows on A's screen.
    let started = Instant::now();
    let (code, out, err) = scene.cli("ivan", &["claim", "--json"]);
    assert_eq!(code, 0, "agentiq claim: {out}{err}");
    let shown_after = a.wait_for("ivan's claim on A", |s| s.contains("отвечает ivan"));
    eprintln!(
        "a claim by `agentiq claim` showed on another inbox {shown_after:?} after the \
         command ended ({:?} after it started)",
        started.elapsed()
    );
    assert!(shown_after < Duration::from_secs(1), "{shown_after:?}");

    // `X` releases A's claim: B's marker goes.
    a.key(b"X");
    a.wait_for("the release", |s| s.contains("возвращено в очередь"));
    b.wait_for("maria's claim gone on B", |s| !s.contains("отвечает maria"));
    assert!(claimed_by(&mut scene.db(), "maria").is_empty());
}

/// A reply from A is pending on B; items the owner's sync brings in show on both.
fn reply_and_new_items(scene: &Scene, a: &mut Inbox, b: &mut Inbox) {
    a.key(b"c");
    a.wait_for("A's claim again", |s| s.contains("◆ вы"));
    a.key(b"r");
    a.wait_for("the editor", |s| s.contains("/5000"));
    a.key(b"\x13");
    a.wait_for("the confirmation", |s| s.contains("подтвердить"));
    a.key(b"y");
    b.wait_for("the answered item leaving B's queue", |s| {
        s.contains("Все 2")
    });
    let pending: i64 = scene
        .db()
        .query_one(
            "SELECT count(*) FROM interactions i JOIN outbox o ON o.interaction_id = i.id
             WHERE i.state = 'pending' AND o.author = 'maria' AND o.state = 'queued'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(
        pending, 1,
        "one reply of maria's waits in the shared outbox"
    );
    b.key(b"u");
    b.wait_for("the pending reply on B", |s| s.contains('→'));
    b.key(b"u");
    b.key(b"u");

    let before = open_count(&mut scene.db());
    assert!(
        scene.sim.sim.sim.arrive_now() > 0,
        "the simulator has new items"
    );
    scene.sync_once();
    let after = open_count(&mut scene.db());
    assert!(after > before, "sync brought new open items");
    let total = format!("Все {after}");
    a.wait_for("the new items on A", |s| s.contains(&total));
    b.wait_for("the new items on B", |s| s.contains(&total));
}

/// The database restarts under an open inbox: it says so, then carries on.
fn restart(scene: &Scene, a: &mut Inbox) {
    scene.pg.stop();
    a.wait_for("the lost connection", |s| {
        s.contains("нет связи с базой команды")
    });
    let (code, out, _) = scene.cli("ivan", &["doctor", "--lang", "en"]);
    assert!(code != 0 && out.contains("✗ team database"), "{code} {out}");
    scene.pg.start_again();
    a.wait_for("the connection back", |s| {
        !s.contains("нет связи с базой команды")
    });
    let held = claimed_by(&mut scene.db(), "ivan");
    let id = held.first().expect("ivan holds an item").to_string();
    let (code, out, err) = scene.cli("ivan", &["release", &id]);
    assert_eq!(code, 0, "agentiq release: {out}{err}");
    a.wait_for("ivan's claim gone after the restart", |s| {
        !s.contains("отвечает ivan")
    });
}
