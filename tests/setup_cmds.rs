//! Setting up as a seller does, with the real binary against the simulator: the first run
//! without a config, `init` non-interactive, `accounts`, and `doctor` passing — then
//! failing clearly for an expired WB token, a token without the chat category, an unset
//! variable and a simulator that is down.

mod common;

use std::io::Write;
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Output};

use agentiq::cli::simulator_cmd::{self, SimulatorArgs};
use agentiq::config::wb_token::{self, Category};
use chrono::{Duration, Utc};

const OZON_KEY: &str = "ozon-key-for-setup-tests";

fn agentiq(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_agentiq"));
    cmd.args(args)
        .env("AGENTIQ_CONFIG_DIR", dir.join("config"))
        .env("AGENTIQ_DATA_DIR", dir.join("data"))
        .env("AGENTIQ_LOG_DIR", dir.join("logs"))
        .env("LANG", "C.UTF-8")
        .env_remove("AGENTIQ_CONFIG")
        .env_remove("AGENTIQ_LANG")
        .env_remove("T_WB")
        .env_remove("T_OZ");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("agentiq runs")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn start(runtime: &tokio::runtime::Runtime, wb_token: &str) -> agentiq::simulator::SimulatorHandle {
    let args = SimulatorArgs {
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        seed: 7,
        scale: 0,
        faults: Default::default(),
        arrival_every: None,
        wb_token: wb_token.into(),
        ozon_client_id: "sim-client".into(),
        ozon_api_key: OZON_KEY.into(),
        write_config: None,
        fixtures: None,
        answer_visibility: Default::default(),
    };
    runtime
        .block_on(simulator_cmd::start(&args))
        .expect("simulator starts")
}

#[test]
fn no_config_explains_the_two_ways_forward() {
    let dir = tempfile::tempdir().unwrap();
    let out = agentiq(dir.path(), &[], &[]);
    assert_eq!(out.status.code(), Some(78), "{}", text(&out));
    let said = text(&out);
    assert!(
        said.contains("agentiq init") && said.contains("agentiq demo"),
        "{said}"
    );
    assert!(said.lines().count() < 12, "a few lines: {said}");
}

#[test]
fn init_writes_a_config_doctor_passes_and_doctor_names_each_failure() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let now = Utc::now();
    let good = wb_token::mint_inbox_token(now);
    let sim = start(&runtime, &good);
    let url = sim.base_url();
    let env = [("T_WB", good.as_str()), ("T_OZ", OZON_KEY)];
    let init_args = [
        "init",
        "--wb",
        "Уютный дом",
        "--token-env",
        "T_WB",
        "--ozon",
        "Хорошая Полка",
        "--client-id",
        "sim-client",
        "--api-key-env",
        "T_OZ",
        "--base-url",
        &url,
    ];

    // A wrong key: the live check fails and nothing is written.
    let out = agentiq(
        dir.path(),
        &init_args,
        &[("T_WB", &good), ("T_OZ", "wrong")],
    );
    assert_eq!(out.status.code(), Some(69), "{}", text(&out));
    assert!(text(&out).contains("Хорошая Полка"), "{}", text(&out));
    let config = dir.path().join("config/config.toml");
    assert!(!config.exists(), "nothing saved after a failed check");

    let out = agentiq(dir.path(), &init_args, &env);
    assert!(out.status.success(), "{}", text(&out));
    let written = std::fs::read_to_string(&config).unwrap();
    assert!(written.contains("token_env = \"T_WB\""), "{written}");
    assert!(
        !written.contains(&good) && !written.contains(OZON_KEY),
        "no secret without --store-secret: {written}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&config).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let out = agentiq(dir.path(), &init_args, &env);
    assert_eq!(out.status.code(), Some(64), "init does not overwrite");
    let stored = tempfile::tempdir().unwrap();
    let mut with_secret = init_args.to_vec();
    with_secret.push("--store-secret");
    let out = agentiq(stored.path(), &with_secret, &env);
    assert!(out.status.success(), "{}", text(&out));
    let secret_file = std::fs::read_to_string(stored.path().join("config/config.toml")).unwrap();
    assert!(
        secret_file.contains(&format!("token = \"{good}\"")) && !secret_file.contains("T_WB"),
        "--store-secret writes the secret itself: {secret_file}"
    );

    let out = agentiq(dir.path(), &["doctor"], &env);
    assert!(out.status.success(), "doctor passes:\n{}", text(&out));
    assert!(!text(&out).contains('✗'), "{}", text(&out));
    let out = agentiq(dir.path(), &["doctor", "--json"], &env);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["ok"], true);
    // The report in the UI's language: `--lang`, or `[ui] lang` of the config; JSON
    // stays English for scripts.
    assert!(
        text(&out).contains("\"check\": \"database\""),
        "{}",
        text(&out)
    );
    let out = agentiq(dir.path(), &["doctor", "--lang", "ru"], &env);
    assert!(out.status.success(), "{}", text(&out));
    let ru = text(&out);
    assert!(
        ru.contains("✓ база данных:") && ru.contains("✓ диск: свободно") && ru.contains("отвечает"),
        "{ru}"
    );
    let config = dir.path().join("config/config.toml");
    let written = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("[ui]\nlang = \"ru\"\n\n{written}")).unwrap();
    let from_file = text(&agentiq(dir.path(), &["doctor"], &env));
    assert!(from_file.contains("✓ база данных:"), "{from_file}");
    let en = text(&agentiq(dir.path(), &["doctor", "--lang", "en"], &env));
    assert!(en.contains("✓ database:") && en.contains("answers"), "{en}");
    // `accounts` and `accounts test` too.
    let listing = text(&agentiq(dir.path(), &["accounts"], &env));
    assert!(
        listing.starts_with("МАГАЗИН") && listing.contains("ОБРАЩЕНИЙ"),
        "{listing}"
    );
    let tested = text(&agentiq(
        dir.path(),
        &["accounts", "test", "Хорошая Полка"],
        &env,
    ));
    assert!(
        tested.contains("✓ Хорошая Полка: seller") && tested.contains("отвечает"),
        "{tested}"
    );
    std::fs::write(&config, written).unwrap();

    let out = agentiq(dir.path(), &["accounts"], &env);
    let listing = text(&out);
    assert!(
        listing.contains("Уютный дом") && listing.contains("env T_WB"),
        "{listing}"
    );

    let out = agentiq(dir.path(), &["accounts", "test", "Хорошая Полка"], &env);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("✓ Хорошая Полка: seller"),
        "{}",
        text(&out)
    );
    let out = agentiq(
        dir.path(),
        &["accounts", "rename", "Хорошая Полка", "Полка"],
        &env,
    );
    assert!(out.status.success(), "{}", text(&out));
    let renamed = std::fs::read_to_string(&config).unwrap();
    assert!(
        renamed.contains("name = \"Полка\"") && renamed.starts_with("# AgentIQ configuration"),
        "{renamed}"
    );

    // An unknown key: named with file and line, exit 78, for any command reading config.
    std::fs::write(&config, format!("{renamed}\n[ui]\nthem = \"light\"\n")).unwrap();
    let out = agentiq(dir.path(), &["keys"], &env);
    assert_eq!(out.status.code(), Some(78), "{}", text(&out));
    let line = renamed.lines().count() + 3;
    assert!(
        text(&out).contains(&format!("config.toml:{line}: unknown field `them`")),
        "{}",
        text(&out)
    );
    std::fs::write(&config, &renamed).unwrap();

    // An expired token.
    let expired = wb_token::mint(
        &[Category::FeedbacksQuestions, Category::BuyerChat],
        false,
        now - Duration::days(2),
    );
    let out = agentiq(
        dir.path(),
        &["doctor"],
        &[("T_WB", &expired), ("T_OZ", OZON_KEY)],
    );
    assert_eq!(out.status.code(), Some(78), "{}", text(&out));
    assert!(
        text(&out).contains("✗ Уютный дом: WB token: expired"),
        "{}",
        text(&out)
    );

    // A token without "Чат с покупателями".
    let no_chat = wb_token::mint(
        &[Category::FeedbacksQuestions],
        false,
        now + Duration::days(90),
    );
    let out = agentiq(
        dir.path(),
        &["doctor"],
        &[("T_WB", &no_chat), ("T_OZ", OZON_KEY)],
    );
    assert_eq!(out.status.code(), Some(78), "{}", text(&out));
    assert!(
        text(&out).contains("✗ Уютный дом: token categories: lacks \"Чат с покупателями\""),
        "{}",
        text(&out)
    );

    // An unset variable.
    let out = agentiq(dir.path(), &["doctor"], &[("T_OZ", OZON_KEY)]);
    assert_eq!(out.status.code(), Some(78), "{}", text(&out));
    assert!(
        text(&out)
            .contains("✗ Уютный дом: secret: Уютный дом: environment variable T_WB is not set"),
        "{}",
        text(&out)
    );

    // The simulator down.
    drop(sim);
    let out = agentiq(dir.path(), &["doctor"], &env);
    assert_eq!(out.status.code(), Some(69), "{}", text(&out));
    assert!(
        text(&out).contains("✗ Уютный дом: feedbacks host:") && text(&out).contains("no answer"),
        "{}",
        text(&out)
    );
    assert!(
        text(&out).contains("✓ Уютный дом: WB token"),
        "{}",
        text(&out)
    );
}

#[test]
fn init_on_a_terminal_asks_and_checks() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let sim = start(&runtime, &wb_token::mint_inbox_token(Utc::now()));
    let url = sim.base_url();
    let mut pty = common::agentiq_in_pty(
        dir.path(),
        &["init", "--base-url", &url],
        &[
            ("AGENTIQ_OZON_API_KEY", OZON_KEY),
            (
                "AGENTIQ_DATA_DIR",
                dir.path().join("data").to_str().unwrap(),
            ),
        ],
    );
    let mut seen = String::new();
    let mut answer = |prompt: &str, reply: &str| {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while !seen.contains(prompt) {
            assert!(
                std::time::Instant::now() < deadline,
                "no prompt {prompt:?}: {seen}"
            );
            if let Ok(chunk) = pty
                .output
                .recv_timeout(std::time::Duration::from_millis(100))
            {
                seen.push_str(&String::from_utf8_lossy(&chunk));
            }
        }
        seen.clear();
        pty.writer.write_all(reply.as_bytes()).unwrap();
        pty.writer.flush().unwrap();
    };
    // The pty's locale is Russian: so are the questions.
    answer("Площадка (wb или ozon) [wb]:", "ozon\r");
    answer("Название магазина", "Хорошая Полка\r");
    answer("Ozon Client-Id", "sim-client\r");
    answer("Api-Key Ozon [AGENTIQ_OZON_API_KEY]:", "\r");
    let status = pty.child.wait().unwrap();
    assert!(status.success(), "init succeeds");
    let written = std::fs::read_to_string(dir.path().join("config/config.toml")).unwrap();
    assert!(
        written.contains("name = \"Хорошая Полка\"")
            && written.contains("api_key_env = \"AGENTIQ_OZON_API_KEY\"")
            && !written.contains(OZON_KEY),
        "{written}"
    );
}
