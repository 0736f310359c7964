//! The CSV exports: RFC 4180 round trip (parsed back with the `csv` crate) and the exact
//! bytes of the Excel variant (UTF-8 BOM, `;`, decimal commas, CRLF, quoting of Cyrillic
//! and of fields with `;`, `"` and newlines, formulas defused).

use agentiq::analytics::{
    export_interactions, export_metrics, ExportFormat, ExportQuery, MetricsQuery,
};
use chrono::{DateTime, Duration, TimeZone, Utc};
use rusqlite::{params, Connection};

/// 2026-11-02 00:00 in Moscow (UTC+3).
fn at(min: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 1, 21, 0, 0).unwrap() + Duration::minutes(min)
}

const H: i64 = 60;
const DAY: i64 = 24 * H;

struct Db {
    _dir: tempfile::TempDir,
    conn: Connection,
}

fn db() -> Db {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("agentiq.db");
    agentiq::store::Store::open(&path).unwrap();
    let conn = Connection::open(&path).unwrap();
    conn.execute(
        "INSERT INTO accounts (id, name, marketplace, created_at) VALUES (1, 'Уютный дом', 'wb', 0)",
        [],
    )
    .unwrap();
    Db { _dir: dir, conn }
}

struct Item {
    channel: &'static str,
    external_id: &'static str,
    product: Option<&'static str>,
    product_name: Option<&'static str>,
    rating: Option<i64>,
    intent: Option<&'static str>,
    sentiment: Option<&'static str>,
    state: &'static str,
    tier: &'static str,
    created: i64,
    due: i64,
    answered: Option<i64>,
}

impl Item {
    fn new(channel: &'static str, external_id: &'static str, created: i64, due: i64) -> Item {
        Item {
            channel,
            external_id,
            product: None,
            product_name: None,
            rating: None,
            intent: None,
            sentiment: None,
            state: "open",
            tier: "high",
            created,
            due,
            answered: None,
        }
    }
}

impl Db {
    fn item(&self, it: Item) -> i64 {
        let s = |m: i64| at(m).timestamp();
        self.conn
            .execute(
                "INSERT INTO interactions (account_id, channel, external_id, source,
                    product_external_id, product_name, text, created_at, waiting_since,
                    synced_at, state, tier, at_risk_at, due_at, intent, sentiment, rating,
                    first_answered_at, raw)
                 VALUES (1, ?1, ?2, 'test', ?3, ?4, 'текст', ?5, ?5, ?5, ?6, ?7, ?8, ?8, ?9,
                         ?10, ?11, ?12, '{}')",
                params![
                    it.channel,
                    it.external_id,
                    it.product,
                    it.product_name,
                    s(it.created),
                    it.state,
                    it.tier,
                    s(it.due),
                    it.intent,
                    it.sentiment,
                    it.rating,
                    it.answered.map(s),
                ],
            )
            .unwrap();
        self.conn.last_insert_rowid()
    }

    #[allow(clippy::too_many_arguments)]
    fn reply(
        &self,
        interaction: i64,
        sent: i64,
        source: Option<&str>,
        distance: Option<f64>,
        verdict: &str,
        overridden: bool,
        findings: &str,
    ) {
        let key = format!("k{interaction}-{sent}");
        self.conn
            .execute(
                "INSERT INTO outbox (interaction_id, idempotency_key, text, state,
                    next_attempt_at, created_at, updated_at, sent_at, confirmed_at, actor,
                    draft_source, edit_distance, verdict, findings, overridden, version)
                 VALUES (?1, ?2, 'ответ', 'visible', 0, 0, 0, ?3, ?3, 'human', ?4, ?5, ?6,
                         ?7, ?8, CASE WHEN ?4 IS NULL THEN NULL ELSE 'drafts-ru-v2' END)",
                params![
                    interaction,
                    key,
                    at(sent).timestamp(),
                    source,
                    distance,
                    verdict,
                    findings,
                    overridden
                ],
            )
            .unwrap();
    }
}

const HEADER: [&str; 25] = [
    "id",
    "account",
    "marketplace",
    "channel",
    "external_id",
    "product_id",
    "product_name",
    "rating",
    "intent",
    "sentiment",
    "state",
    "sla_tier",
    "created_at",
    "due_at",
    "first_answered_at",
    "answer_minutes",
    "sla_outcome",
    "reply_actor",
    "draft_source",
    "edit_distance",
    "verdict",
    "overridden",
    "findings",
    "version",
    "open_to_send_seconds",
];

const TRICKY_NAME: &str = "Плед \"Уют\"; серый, 150×200\nновинка";

fn day0(now: i64) -> ExportQuery {
    ExportQuery::new(MetricsQuery::new(at(0), at(DAY)), at(now))
}

#[test]
fn interactions_csv_round_trips() {
    let d = db();
    // met, with a delivered reply from an edited LLM draft whose block was overridden
    let a = d.item(Item {
        product: Some("P1"),
        product_name: Some(TRICKY_NAME),
        rating: Some(1),
        intent: Some("quality_complaint"),
        sentiment: Some("negative"),
        state: "answered",
        tier: "urgent",
        answered: Some(H + 30),
        ..Item::new("review", "fb-1", H, 2 * H)
    });
    d.reply(
        a,
        H + 30,
        Some("llm"),
        Some(0.05),
        "block",
        true,
        r#"[{"rule":"promise_money","severity":"block","reason_ru":"…","reason_en":"…","span":{"start":0,"end":3}},{"rule":"brush_off","severity":"warn"}]"#,
    );
    // missed: unanswered past its deadline
    d.item(Item::new("question", "q-1", 10 * H, 10 * H + 30));
    // open: deadline still ahead
    d.item(Item::new("question", "q-2", 11 * H + 30, 12 * H));
    // not_due: answered at an unrecorded time
    d.item(Item {
        state: "answered",
        ..Item::new("chat", "c-1", 2 * H, 3 * H)
    });
    // created the day before: not exported
    d.item(Item::new("review", "fb-0", -H, 0));
    // typed by hand, answered late
    let f = d.item(Item {
        rating: Some(5),
        state: "answered",
        answered: Some(5 * H),
        ..Item::new("review", "fb-2", 3 * H, 4 * H)
    });
    d.reply(f, 5 * H, None, None, "pass", false, "[]");
    // The seller opened the editor 95 s before sending the first reply.
    d.conn
        .execute(
            "UPDATE outbox SET created_at = 1000, opened_at = 905 WHERE interaction_id = ?1",
            [a],
        )
        .unwrap();

    let mut out = Vec::new();
    let n = export_interactions(&d.conn, &day0(11 * H + 40), ExportFormat::Csv, &mut out).unwrap();
    assert_eq!(n, 5);
    assert!(
        out.starts_with(b"id,account,marketplace,"),
        "no BOM in plain CSV"
    );
    let text = String::from_utf8(out.clone()).unwrap();
    assert!(text.ends_with("\r\n"));
    assert_eq!(text.matches("\r\n").count(), 6, "CRLF after each record");

    let mut reader = csv::ReaderBuilder::new().from_reader(out.as_slice());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(header, HEADER);
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 5);
    let col = |row: &csv::StringRecord, name: &str| -> String {
        let i = HEADER.iter().position(|h| *h == name).unwrap();
        row[i].to_string()
    };
    let r = &rows[0];
    assert_eq!(col(r, "id"), a.to_string());
    assert_eq!(col(r, "account"), "Уютный дом");
    assert_eq!(col(r, "marketplace"), "wb");
    assert_eq!(col(r, "channel"), "review");
    assert_eq!(col(r, "product_id"), "P1");
    assert_eq!(col(r, "product_name"), TRICKY_NAME);
    assert_eq!(col(r, "rating"), "1");
    assert_eq!(col(r, "intent"), "quality_complaint");
    assert_eq!(col(r, "sla_tier"), "urgent");
    assert_eq!(col(r, "created_at"), "2026-11-02 01:00:00");
    assert_eq!(col(r, "due_at"), "2026-11-02 02:00:00");
    assert_eq!(col(r, "first_answered_at"), "2026-11-02 01:30:00");
    assert_eq!(col(r, "answer_minutes"), "30");
    assert_eq!(col(r, "sla_outcome"), "met");
    assert_eq!(col(r, "reply_actor"), "human");
    assert_eq!(col(r, "draft_source"), "llm");
    assert_eq!(col(r, "edit_distance"), "0.050");
    assert_eq!(col(r, "version"), "drafts-ru-v2");
    assert_eq!(col(r, "open_to_send_seconds"), "95");
    assert_eq!(col(r, "verdict"), "block");
    assert_eq!(col(r, "overridden"), "1");
    assert_eq!(col(r, "findings"), "promise_money:block, brush_off:warn");

    let outcomes: Vec<String> = rows.iter().map(|r| col(r, "sla_outcome")).collect();
    let ids: Vec<String> = rows.iter().map(|r| col(r, "external_id")).collect();
    assert_eq!(ids, ["fb-1", "c-1", "fb-2", "q-1", "q-2"]);
    assert_eq!(outcomes, ["met", "not_due", "missed", "missed", "open"]);
    let manual = &rows[2];
    assert_eq!(col(manual, "draft_source"), "manual");
    assert_eq!(col(manual, "edit_distance"), "");
    assert_eq!(col(manual, "version"), "", "a typed reply has no version");
    assert_eq!(
        col(manual, "open_to_send_seconds"),
        "",
        "not written in the editor"
    );
    assert_eq!(col(manual, "answer_minutes"), "120");
    let unanswered = &rows[3];
    assert_eq!(col(unanswered, "first_answered_at"), "");
    assert_eq!(col(unanswered, "reply_actor"), "");
    assert_eq!(col(unanswered, "overridden"), "");
}

#[test]
fn interactions_excel_bytes() {
    let d = db();
    let a = d.item(Item {
        product: Some("P1"),
        product_name: Some("Плед \"Уют\"; серый\nновый"),
        rating: Some(2),
        intent: Some("quality_complaint"),
        sentiment: Some("negative"),
        state: "answered",
        tier: "urgent",
        answered: Some(H + 15),
        ..Item::new("review", "fb-1", H, 2 * H)
    });
    d.reply(
        a,
        H + 15,
        Some("template"),
        Some(0.05),
        "warn",
        false,
        r#"[{"rule":"brush_off","severity":"warn"}]"#,
    );
    d.item(Item {
        product_name: Some("-10% скидка, ура"),
        ..Item::new("question", "q-1", H + 1, 3 * H + 20)
    });
    let mut out = Vec::new();
    let n = export_interactions(&d.conn, &day0(100), ExportFormat::Excel, &mut out).unwrap();
    assert_eq!(n, 2);
    let mut expected: Vec<u8> = vec![0xEF, 0xBB, 0xBF];
    expected.extend_from_slice(HEADER.join(";").as_bytes());
    expected.extend_from_slice(b"\r\n");
    expected.extend_from_slice(
        "1;Уютный дом;wb;review;fb-1;P1;\"Плед \"\"Уют\"\"; серый\nновый\";2;quality_complaint;\
         negative;answered;urgent;2026-11-02 01:00:00;2026-11-02 02:00:00;2026-11-02 01:15:00;\
         15;met;human;template;0,050;warn;0;brush_off:warn;drafts-ru-v2;\r\n"
            .as_bytes(),
    );
    expected.extend_from_slice(
        "2;Уютный дом;wb;question;q-1;;'-10% скидка, ура;;;;open;high;2026-11-02 01:01:00;\
         2026-11-02 03:20:00;;;open;;;;;;;;\r\n"
            .as_bytes(),
    );
    assert_eq!(
        String::from_utf8_lossy(&out),
        String::from_utf8_lossy(&expected)
    );
    assert_eq!(out, expected);
}

/// Hostile marketplace text: formula starters and terminal escapes, in both flavours.
#[test]
fn both_flavours_defuse_formulas_and_strip_control_characters() {
    let d = db();
    d.item(Item {
        product: Some("@SUM(A1)"),
        product_name: Some("\u{7}\u{1b}=HYPERLINK(\"http://x\")"),
        ..Item::new("review", "+79990000000", H, 2 * H)
    });
    d.item(Item {
        product_name: Some("\tскидка \u{1b}[31m-10%\u{1b}[0m"),
        ..Item::new("question", "-q1", H + 1, 3 * H)
    });
    for format in [ExportFormat::Csv, ExportFormat::Excel] {
        let mut out = Vec::new();
        assert_eq!(
            export_interactions(&d.conn, &day0(100), format, &mut out).unwrap(),
            2
        );
        assert!(!out.contains(&0x1b), "{format:?}: no ESC left");
        assert!(!out.contains(&0x07), "{format:?}: no BEL left");
        let body = out.strip_prefix(b"\xEF\xBB\xBF".as_slice()).unwrap_or(&out);
        let delimiter = if format == ExportFormat::Excel {
            b';'
        } else {
            b','
        };
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .from_reader(body);
        let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
        let col = |row: &csv::StringRecord, name: &str| -> String {
            row[HEADER.iter().position(|h| *h == name).unwrap()].to_string()
        };
        assert_eq!(col(&rows[0], "external_id"), "'+79990000000", "{format:?}");
        assert_eq!(col(&rows[0], "product_id"), "'@SUM(A1)", "{format:?}");
        assert_eq!(
            col(&rows[0], "product_name"),
            "'=HYPERLINK(\"http://x\")",
            "{format:?}: the escape goes, then the formula check sees the text"
        );
        assert_eq!(col(&rows[1], "external_id"), "'-q1", "{format:?}");
        assert_eq!(
            col(&rows[1], "product_name"),
            "'\tскидка [31m-10%[0m",
            "{format:?}"
        );
    }
}

fn metrics_fixture(d: &Db) {
    // 2 Nov: one question met, one missed; one sync run, ok
    d.item(Item {
        state: "answered",
        answered: Some(10),
        ..Item::new("question", "q-1", 0, H)
    });
    d.item(Item::new("question", "q-2", 0, 2 * H));
    d.conn
        .execute(
            "INSERT INTO sync_runs (account_id, connector, started_at, finished_at, ok)
             VALUES (1, 'wb_questions', ?1, ?1, 1)",
            [at(H).timestamp()],
        )
        .unwrap();
}

#[test]
fn metrics_excel_bytes() {
    let d = db();
    metrics_fixture(&d);
    let mut out = Vec::new();
    let n = export_metrics(&d.conn, &day0(DAY), ExportFormat::Excel, &mut out).unwrap();
    assert_eq!(n, 1);
    let expected = "\u{feff}day;questions_sla_met;questions_sla_due;questions_sla_pct;\
        reviews_24h_answered;reviews_24h_received;reviews_24h_pct;drafts_accepted;\
        human_replies_sent;draft_acceptance_pct;auto_replies_sent;harmful_replies;\
        replies_sent;harmful_pct;sync_ok;sync_runs;sync_success_pct\r\n\
        2026-11-02;1;2;50,0;0;0;;0;0;;0;0;0;;1;1;100,0\r\n\
        total;1;2;50,0;0;0;;0;0;;0;0;0;;1;1;100,0\r\n";
    assert_eq!(String::from_utf8(out).unwrap(), expected);
}

#[test]
fn metrics_csv_round_trips_by_day() {
    let d = db();
    metrics_fixture(&d);
    // 3 Nov: a review answered within 24 h
    d.item(Item {
        rating: Some(5),
        state: "answered",
        answered: Some(DAY + 2 * H),
        ..Item::new("review", "fb-1", DAY + H, DAY + 49 * H)
    });
    let q = ExportQuery::new(MetricsQuery::new(at(0), at(2 * DAY)), at(3 * DAY));
    let mut out = Vec::new();
    let n = export_metrics(&d.conn, &q, ExportFormat::Csv, &mut out).unwrap();
    assert_eq!(n, 2);
    let mut reader = csv::Reader::from_reader(out.as_slice());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(header[0], "day");
    assert_eq!(header.len(), 17);
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0][0], "2026-11-02");
    assert_eq!(rows[0][1..4], ["1", "2", "50.0"]);
    assert_eq!(rows[0][4..7], ["0", "0", ""]);
    assert_eq!(rows[1][0], "2026-11-03");
    assert_eq!(rows[1][1..4], ["0", "0", ""]);
    assert_eq!(rows[1][4..7], ["1", "1", "100.0"]);
    assert_eq!(rows[2][0], "total");
    assert_eq!(rows[2][4..7], ["1", "1", "100.0"]);
    assert_eq!(rows[2][14..17], ["1", "1", "100.0"]);
}

#[test]
fn an_empty_period_exports_only_the_header() {
    let d = db();
    metrics_fixture(&d);
    let q = ExportQuery::new(MetricsQuery::new(at(DAY), at(DAY)), at(DAY));
    let mut out = Vec::new();
    assert_eq!(
        export_interactions(&d.conn, &q, ExportFormat::Csv, &mut out).unwrap(),
        0
    );
    assert_eq!(
        String::from_utf8(out).unwrap(),
        format!("{}\r\n", HEADER.join(","))
    );
}
