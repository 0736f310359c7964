//! A throwaway PostgreSQL cluster for team-mode tests: `initdb` in a temporary folder,
//! `pg_ctl start` on a free loopback port (as the `postgres` user when the tests run as
//! root, since PostgreSQL refuses to run as root), stopped and removed on drop.
//!
//! The binaries are looked up on PATH, then in Debian's /usr/lib/postgresql/*/bin.
//! `.ci/run` installs Debian's postgresql when `initdb` is missing, so CI always runs
//! these tests; elsewhere a test without the binaries prints why and passes.
#![allow(dead_code)]

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The database every test uses inside its cluster.
pub const DATABASE: &str = "agentiq";

pub struct PgCluster {
    bin: PathBuf,
    dir: tempfile::TempDir,
    /// The uid/gid the server runs as (postgres when we are root).
    run_as: Option<(u32, u32)>,
    pub port: u16,
}

fn find_bin_dir() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>());
    let debian = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("bin"));
    let mut candidates: Vec<PathBuf> = on_path.collect();
    let mut versions: Vec<PathBuf> = debian.collect();
    versions.sort();
    candidates.extend(versions.into_iter().rev());
    candidates
        .into_iter()
        .find(|dir| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file())
}

/// uid and gid of the `postgres` user, from /etc/passwd.
fn postgres_user() -> Option<(u32, u32)> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|line| {
        let fields: Vec<&str> = line.split(':').collect();
        (fields.first() == Some(&"postgres") && fields.len() > 3)
            .then(|| Some((fields[2].parse().ok()?, fields[3].parse().ok()?)))
            .flatten()
    })
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

impl PgCluster {
    /// A started cluster with the `agentiq` database, or `None` (after printing why) when
    /// PostgreSQL's binaries are not installed.
    pub fn start() -> Option<PgCluster> {
        let Some(bin) = find_bin_dir() else {
            eprintln!(
                "SKIPPED: PostgreSQL's initdb and pg_ctl are not installed \
                 (apt-get install postgresql; .ci/run does this in CI)"
            );
            return None;
        };
        let root = unsafe { libc::geteuid() } == 0;
        let run_as = if root {
            Some(postgres_user().expect("running as root needs a postgres user to run the server"))
        } else {
            None
        };
        let dir = tempfile::Builder::new()
            .prefix("agentiq-pg-")
            .tempdir()
            .expect("temp dir");
        if let Some((uid, gid)) = run_as {
            std::os::unix::fs::chown(dir.path(), Some(uid), Some(gid)).expect("chown temp dir");
        }
        let mut cluster = PgCluster {
            bin,
            dir,
            run_as,
            port: 0,
        };
        cluster.init();
        // A port found free may be taken before the server binds it: try a few.
        for _ in 0..5 {
            cluster.port = free_port();
            if cluster.try_start() {
                cluster.create_database();
                return Some(cluster);
            }
        }
        panic!("PostgreSQL did not start:\n{}", cluster.server_log());
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn log(&self) -> PathBuf {
        self.dir.path().join("server.log")
    }

    pub fn server_log(&self) -> String {
        std::fs::read_to_string(self.log()).unwrap_or_default()
    }

    fn command(&self, program: &str) -> Command {
        let mut command = Command::new(self.bin.join(program));
        command
            .current_dir(self.dir.path())
            .env("LC_ALL", "C.UTF-8");
        if let Some((uid, gid)) = self.run_as {
            command.uid(uid).gid(gid);
        }
        command
    }

    fn run(&self, mut command: Command, what: &str) -> Output {
        let output = command.output().unwrap_or_else(|e| panic!("{what}: {e}"));
        output
    }

    fn init(&self) {
        let mut initdb = self.command("initdb");
        initdb
            .arg("-D")
            .arg(self.data())
            .args(["-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"])
            .args(["--locale=C.UTF-8"]);
        let out = self.run(initdb, "initdb");
        assert!(
            out.status.success(),
            "initdb failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn try_start(&self) -> bool {
        let options = format!(
            "-c listen_addresses=127.0.0.1 -c port={} -k {} -c fsync=off \
             -c synchronous_commit=off -c full_page_writes=off -c max_connections=60",
            self.port,
            self.dir.path().display()
        );
        let mut start = self.command("pg_ctl");
        start
            .arg("-D")
            .arg(self.data())
            .arg("-l")
            .arg(self.log())
            .args(["-w", "-t", "60", "-o", &options, "start"]);
        self.run(start, "pg_ctl start").status.success()
    }

    fn create_database(&self) {
        let mut client = self.superuser("postgres");
        client
            .batch_execute(&format!("CREATE DATABASE {DATABASE}"))
            .expect("create database");
    }

    /// `postgres://NAME@127.0.0.1:PORT/agentiq` (trust authentication: any role logs in).
    pub fn url_as(&self, role: &str) -> String {
        format!("postgres://{role}@127.0.0.1:{}/{DATABASE}", self.port)
    }

    /// The superuser's URL: the team's owner in these tests.
    pub fn url(&self) -> String {
        self.url_as("postgres")
    }

    /// A superuser connection to `database`.
    pub fn superuser(&self, database: &str) -> postgres::Client {
        postgres::Client::connect(
            &format!("postgres://postgres@127.0.0.1:{}/{database}", self.port),
            postgres::NoTls,
        )
        .expect("superuser connection")
    }

    /// A connection as `role` to the test database.
    pub fn connect_as(&self, role: &str) -> postgres::Client {
        postgres::Client::connect(&self.url_as(role), postgres::NoTls)
            .unwrap_or_else(|e| panic!("connecting as {role}: {e}"))
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Stops the server (fast: connections are cut) and waits until it is down.
    pub fn stop(&self) {
        let mut stop = self.command("pg_ctl");
        stop.arg("-D")
            .arg(self.data())
            .args(["-w", "-t", "30", "-m", "fast", "stop"]);
        let out = self.run(stop, "pg_ctl stop");
        assert!(out.status.success(), "pg_ctl stop: {}", self.server_log());
    }

    /// Starts a stopped server again on the same port.
    pub fn start_again(&self) {
        assert!(
            self.try_start(),
            "PostgreSQL did not start again:\n{}",
            self.server_log()
        );
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let mut stop = self.command("pg_ctl");
        stop.arg("-D")
            .arg(self.data())
            .args(["-w", "-t", "30", "-m", "immediate", "stop"]);
        let _ = stop.output();
    }
}

/// The real binary on the shared database `url`, with its own folders under `dir`, in
/// English and reading no terminal.
pub fn agentiq_command(dir: &Path, url: &str, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_agentiq"));
    command
        .args(args)
        .env("AGENTIQ_DATABASE_URL", url)
        .env("AGENTIQ_DATA_DIR", dir.join("data"))
        .env("AGENTIQ_LOG_DIR", dir.join("logs"))
        .env("AGENTIQ_CONFIG_DIR", dir.join("config"))
        .env_remove("AGENTIQ_LANG")
        .env("LC_ALL", "C")
        .stdin(std::process::Stdio::null());
    command
}
