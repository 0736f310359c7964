use super::*;
use chrono::TimeZone;

/// The plan's lines for `sql`.
fn plan(conn: &Connection, sql: &str, values: &[Value]) -> Vec<String> {
    let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
    stmt.query_map(params_from_iter(values.iter()), |r| r.get::<_, String>(3))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn a_seven_day_window_is_read_through_time_indexes() {
    let mut conn = Connection::open_in_memory().unwrap();
    crate::store::migrate_for_tests(&mut conn);
    let now = Utc.with_ymd_and_hms(2026, 12, 7, 12, 0, 0).unwrap();
    let week = MetricsQuery::last_days(now, 7);
    let filters = [
        week.clone(),
        MetricsQuery {
            account_id: Some(1),
            ..week.clone()
        },
        MetricsQuery {
            marketplace: Some(Marketplace::Wb),
            ..week.clone()
        },
        MetricsQuery {
            channel: Some(Channel::Question),
            ..week.clone()
        },
    ];
    for q in &filters {
        let mut reads = vec![
            items_sql(q, ItemSelect::DueIn, Some(Channel::Question)),
            items_sql(q, ItemSelect::CreatedIn, Some(Channel::Review)),
            items_sql(q, ItemSelect::CreatedIn, None),
            items_sql(q, ItemSelect::RevenueIn, None),
            created_with_reply_sql(q),
            Some(replies_sql(q, now)),
            Some(sync_runs_sql(q, now)),
        ];
        for (sql, values) in reads.drain(..).flatten() {
            let lines = plan(&conn, &sql, &values);
            let text = lines.join("\n");
            // Only the two-row accounts table may be scanned; every other table is
            // searched, its first one by a time range.
            assert!(
                lines
                    .iter()
                    .all(|l| !l.starts_with("SCAN") || l.starts_with("SCAN a")),
                "{q:?}\n{sql}\n{text}"
            );
            assert!(
                lines
                    .iter()
                    .any(|l| l.contains("_at>?") || l.contains("_at<?") || l.contains("<expr>>?")),
                "no time range in\n{sql}\n{text}"
            );
        }
    }
}

#[test]
fn connectors_map_to_their_channels() {
    assert_eq!(connector_channel("wb_feedbacks"), Some(Channel::Review));
    assert_eq!(connector_channel("ozon_reviews"), Some(Channel::Review));
    assert_eq!(
        connector_channel("wb_questions/reconcile"),
        Some(Channel::Question)
    );
    assert_eq!(connector_channel("ozon_chats"), Some(Channel::Chat));
    assert_eq!(connector_channel("wb-feedbacks"), Some(Channel::Review));
    assert_eq!(connector_channel("cards"), None);
}

#[test]
fn block_findings_are_found_in_json() {
    assert!(findings_have_block(
        r#"[{"rule":"brush_off","severity":"warn"},{"rule":"promise_money","severity":"block"}]"#
    ));
    assert!(!findings_have_block(
        r#"[{"rule":"brush_off","severity":"warn"}]"#
    ));
    assert!(!findings_have_block("[]"));
    assert!(!findings_have_block("not json"));
}

#[test]
fn the_export_finds_our_first_delivery_as_the_item_read_does() {
    let mut conn = Connection::open_in_memory().unwrap();
    crate::store::migrate_for_tests(&mut conn);
    conn.execute_batch(
        "INSERT INTO accounts (id, name, marketplace, created_at) VALUES (1, 'Дом', 'wb', 0);
         WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n WHERE k < 7)
         INSERT INTO interactions (id, account_id, channel, external_id, source, text, created_at,
             waiting_since, synced_at, state, tier, at_risk_at, due_at, raw)
         SELECT k, 1, 'review', 'r' || k, 'test', 'текст', 1000 + k, 1000 + k, 1000 + k,
                'answered', 'normal', 5000, 9000, '{}' FROM n;",
    )
    .unwrap();
    let rows: [OutboxFixture; 10] = [
        (2, "reply", "visible", Some(2000), Some(2100), 0, None),
        (3, "edit", "accepted", Some(2500), None, 0, None),
        (4, "reply", "visible", Some(3000), Some(3100), 0, None),
        (4, "edit", "visible", None, Some(2900), 0, None),
        (5, "reply", "accepted", Some(4000), None, 0, None),
        (5, "edit", "visible", Some(4500), Some(4600), 0, None),
        (6, "reply", "visible", Some(1500), Some(1600), 1, None),
        (6, "edit", "accepted", Some(1700), None, 0, Some(1800)),
        (7, "reply", "queued", None, None, 0, None),
        (7, "reply", "accepted", Some(5000), None, 0, None),
    ];
    for (n, (item, kind, state, sent, confirmed, shadow, cancelled)) in rows.iter().enumerate() {
        conn.execute(
            "INSERT INTO outbox (interaction_id, idempotency_key, text, state, next_attempt_at,
                 created_at, updated_at, sent_at, confirmed_at, shadow, cancelled_at, kind)
             VALUES (?1, ?2, 'ответ', ?3, 0, 1000, 1000, ?4, ?5, ?6, ?7, ?8)",
            rusqlite::params![
                item,
                format!("k{n}"),
                state,
                sent,
                confirmed,
                shadow,
                cancelled,
                kind
            ],
        )
        .unwrap();
    }
    let from = Utc.timestamp_opt(0, 0).unwrap();
    let q = MetricsQuery::new(from, Utc.timestamp_opt(100_000, 0).unwrap());
    let items = items(&conn, &q, ItemSelect::CreatedIn, None).unwrap();
    let mut exported = Vec::new();
    each_created_with_reply(&conn, &q, &mut |item, _| {
        exported.push(item);
        Ok(())
    })
    .unwrap();
    assert_eq!(exported, items);
    let ours: Vec<Option<i64>> = items.iter().map(|i| i.ours_at).collect();
    assert_eq!(
        ours,
        [
            None,
            Some(2000),
            Some(2500),
            Some(2900),
            Some(4000),
            None,
            Some(5000)
        ]
    );
}

/// An outbox row of the fixture: (item, kind, state, sent_at, confirmed_at, shadow,
/// cancelled_at).
type OutboxFixture = (
    i64,
    &'static str,
    &'static str,
    Option<i64>,
    Option<i64>,
    i64,
    Option<i64>,
);
