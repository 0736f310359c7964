//! `agentiq simulator --fixtures DIR`: the example folder in `data/fixtures/example`
//! (wire-format files) is served by the simulator, a sync against it stores exactly
//! those items, and a bad file is refused with its name and the JSON path.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use agentiq::cli::simulator_cmd::{self, SimulatorArgs};
use agentiq::connectors::{build_connectors, AccountConfig, Credentials};
use agentiq::domain::Marketplace;
use agentiq::simulator::fixtures;
use agentiq::store::{self, Store};
use agentiq::sync::sync_pass;

const WB_TOKEN: &str = "fixtures-wb-token";
const OZON_CLIENT: &str = "fixtures-client";
const OZON_KEY: &str = "fixtures-ozon-key";

fn example_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/fixtures/example")
}

fn args(fixtures: PathBuf) -> SimulatorArgs {
    SimulatorArgs {
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        seed: 3,
        scale: 0,
        faults: Default::default(),
        arrival_every: None,
        wb_token: WB_TOKEN.into(),
        ozon_client_id: OZON_CLIENT.into(),
        ozon_api_key: OZON_KEY.into(),
        write_config: None,
        fixtures: Some(fixtures),
        answer_visibility: Default::default(),
    }
}

fn accounts(base_url: &str) -> Vec<AccountConfig> {
    let urls = |hosts: &[&str]| -> BTreeMap<String, String> {
        hosts
            .iter()
            .map(|h| (h.to_string(), base_url.to_string()))
            .collect()
    };
    vec![
        AccountConfig {
            name: "Лесная Лавка".into(),
            marketplace: Marketplace::Wb,
            credentials: Credentials::Wb {
                token: WB_TOKEN.into(),
            },
            base_urls: urls(&["feedbacks", "chat", "cdn"]),
            retry: common::fast_retry(),
        },
        AccountConfig {
            name: "Северный Ветер".into(),
            marketplace: Marketplace::Ozon,
            credentials: Credentials::Ozon {
                client_id: OZON_CLIENT.into(),
                api_key: OZON_KEY.into(),
            },
            base_urls: urls(&["seller"]),
            retry: common::fast_retry(),
        },
    ]
}

/// (account, channel, external id, state, answer text) of every stored item.
type Row = (String, String, String, String, Option<String>);

fn stored(store: &Store) -> BTreeSet<Row> {
    let conn = store.reader().unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT a.name, i.channel, i.external_id, i.state, i.answer_text
             FROM interactions i JOIN accounts a ON a.id = i.account_id",
        )
        .unwrap();
    stmt.query_map([], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

fn row(account: &str, channel: &str, id: &str, state: &str, answer: Option<&str>) -> Row {
    (
        account.into(),
        channel.into(),
        id.into(),
        state.into(),
        answer.map(str::to_string),
    )
}

#[tokio::test]
async fn a_sync_against_the_example_fixtures_stores_exactly_their_items() {
    let sim = simulator_cmd::start(&args(example_dir()))
        .await
        .expect("the example fixtures load");
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("agentiq.db")).unwrap();
    let writer = store.writer().unwrap();
    let clock = common::clock();
    for account in accounts(&sim.base_url()) {
        let (name, marketplace) = (account.name.clone(), account.marketplace);
        let account_id = writer
            .call(move |conn| store::upsert_account(conn, &name, marketplace))
            .await
            .unwrap();
        for connector in build_connectors(&account).unwrap() {
            let stats = sync_pass(&writer, account_id, connector.as_ref(), &*clock)
                .await
                .map_err(|(_, e)| e)
                .unwrap_or_else(|e| panic!("{}: {e}", connector.id()));
            assert_eq!(stats.skipped, 0, "{}: nothing malformed", connector.id());
        }
    }

    let (wb, oz) = ("Лесная Лавка", "Северный Ветер");
    let expected: BTreeSet<Row> = [
        row(wb, "review", "FxWbFeedback0000001a", "open", None),
        row(wb, "review", "FxWbFeedback0000002b", "open", None),
        row(
            wb,
            "review",
            "FxWbFeedback0000003c",
            "answered",
            Some("Здравствуйте! Спасибо за отзыв. Размер пледа 130×170 см указан в карточке; если он не подошёл, его можно вернуть в течение 14 дней."),
        ),
        row(
            wb,
            "review",
            "FxWbFeedback0000004d",
            "answered",
            Some("Спасибо! Рады, что подарок понравился."),
        ),
        row(wb, "question", "FxWbQuestion00000001", "open", None),
        row(
            wb,
            "question",
            "FxWbQuestion00000002",
            "answered",
            Some("Около 40 часов, если подрезать фитиль перед каждым зажиганием."),
        ),
        row(wb, "question", "FxWbQuestion00000003", "archived", None),
        row(wb, "chat", "1:fx00000000000a01", "open", None),
        row(wb, "chat", "1:fx00000000000a02", "open", None),
        row(oz, "review", "0199f3a1-7c2e-7d40-9b11-fx0000000001", "open", None),
        row(
            oz,
            "review",
            "0199f3a1-7c2e-7d40-9b11-fx0000000002",
            "answered",
            Some("Спасибо за отзыв! Хороших вам прогулок."),
        ),
        row(oz, "review", "0199f3a1-7c2e-7d40-9b11-fx0000000003", "open", None),
        row(oz, "question", "fx-ozon-question-0001", "open", None),
        row(
            oz,
            "question",
            "fx-ozon-question-0002",
            "answered",
            Some("Здравствуйте! Самый маленький размер — S, он подходит на ладонь до 17 см."),
        ),
        row(oz, "chat", "0199f3a1-fx00-7000-8000-00000000c001", "open", None),
    ]
    .into_iter()
    .collect();
    let got = stored(&store);
    let missing: Vec<_> = expected.difference(&got).collect();
    let extra: Vec<_> = got.difference(&expected).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing {missing:#?}\nextra {extra:#?}"
    );

    // Threads: buyer and seller messages in time order; Ozon's CRM notice is not one.
    let conn = store.reader().unwrap();
    let thread = |chat: &str| -> Vec<(String, String)> {
        conn.prepare(
            "SELECT m.sender, m.text FROM chat_messages m
             JOIN interactions i ON i.id = m.interaction_id
             WHERE i.external_id = ?1 ORDER BY m.sent_at, m.id",
        )
        .unwrap()
        .query_map([chat], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
    };
    let senders = |t: &[(String, String)]| t.iter().map(|m| m.0.clone()).collect::<Vec<_>>();
    let wb_thread = thread("1:fx00000000000a02");
    assert_eq!(senders(&wb_thread), ["buyer", "seller", "buyer"]);
    assert_eq!(wb_thread[2].1, "Спасибо, всё пришло!");
    let ozon_thread = thread("0199f3a1-fx00-7000-8000-00000000c001");
    assert_eq!(senders(&ozon_thread), ["buyer", "buyer"]);
    assert_eq!(
        ozon_thread[1].1,
        "Подскажите, можно ли поменять цвет термоса до отправки?"
    );
    let (wb_customer, product): (Option<String>, Option<String>) = conn
        .query_row(
            "SELECT customer_name, product_name FROM interactions WHERE external_id = ?1",
            ["FxWbFeedback0000001a"],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(wb_customer.as_deref(), Some("Галина"));
    assert_eq!(
        product.as_deref(),
        Some("Кружка керамическая «Ёлка», 350 мл")
    );
    assert_eq!(sim.sim.report().over_limit, 0);
}

#[test]
fn the_config_it_writes_names_the_fixture_accounts() {
    let config = simulator_cmd::config_for(&args(example_dir()), "http://127.0.0.1:9").unwrap();
    assert!(config.contains("name = \"Лесная Лавка\""), "{config}");
    assert!(config.contains("name = \"Северный Ветер\""), "{config}");
    assert!(!config.contains("Уютный дом"), "no demo shop: {config}");
}

/// A copy of the example folder with one file replaced.
fn example_with(relative: &str, contents: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&example_dir(), dir.path());
    std::fs::write(dir.path().join(relative), contents).unwrap();
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

fn load_error(dir: &Path) -> String {
    format!(
        "{:#}",
        fixtures::load(dir).expect_err("the folder is refused")
    )
}

#[test]
fn a_syntax_error_names_the_file_and_the_line() {
    let dir = example_with(
        "wb/questions.json",
        "{\n  \"data\": {\n    \"questions\": [\n      {\"id\": \"q\",}\n    ]\n  }\n}\n",
    );
    let message = load_error(dir.path());
    assert!(message.contains("wb/questions.json"), "{message}");
    assert!(message.contains("line 4"), "{message}");
}

#[test]
fn a_wrong_type_names_the_file_and_the_json_path() {
    let text = std::fs::read_to_string(example_dir().join("ozon/reviews.json")).unwrap();
    let broken = text.replacen("\"rating\": \"5\"", "\"rating\": {\"stars\": 5}", 1);
    assert_ne!(text, broken, "the example still has that rating");
    let dir = example_with("ozon/reviews.json", &broken);
    let message = load_error(dir.path());
    assert!(message.contains("ozon/reviews.json"), "{message}");
    assert!(message.contains("reviews[1].rating"), "{message}");
}

#[test]
fn a_missing_required_field_names_its_path() {
    let text = std::fs::read_to_string(example_dir().join("wb/feedbacks.json")).unwrap();
    let broken = text.replacen(
        "\"createdDate\": \"2026-11-27T18:40:11+03:00\",",
        "\"createdDate\": \"вчера\",",
        1,
    );
    assert_ne!(text, broken);
    let dir = example_with("wb/feedbacks.json", &broken);
    let message = load_error(dir.path());
    assert!(
        message.contains("wb/feedbacks.json") && message.contains("data.feedbacks[1].createdDate"),
        "{message}"
    );
}

#[test]
fn unknown_files_and_dangling_references_are_refused() {
    let dir = example_with("wb/feedback.json", "{}");
    let message = load_error(dir.path());
    assert!(
        message.contains("wb/feedback.json") && message.contains("not a fixture file"),
        "{message}"
    );

    let dir = example_with(
        "ozon/question_answers/no-such-question.json",
        "{\"answers\": []}",
    );
    let message = load_error(dir.path());
    assert!(message.contains("no-such-question"), "{message}");
}

#[tokio::test]
async fn the_simulator_does_not_start_half_loaded() {
    let dir = example_with("ozon/chats.json", "{\"chats\": [{\"chat\": {}}]}");
    let err = simulator_cmd::start(&args(dir.path().to_path_buf()))
        .await
        .err()
        .expect("no simulator from a bad folder");
    let message = format!("{err:#}");
    assert!(
        message.contains("ozon/chats.json") && message.contains("chats[0].chat"),
        "{message}"
    );
}
