//! Auto-response: off by default; when on, only low-risk items (policy intents, 4–5★, no
//! escalation, no uncertain customer link) get their draft queued, held for the undo
//! window; shadow mode records without sending; the circuit breaker pauses automation.

mod common;

use agentiq::prepare::{auto_round, classify_pending, AutoPolicy};
use agentiq::settings::{self, Scope};
use agentiq::store::{self, Store, Writer};
use chrono::{Duration, Utc};

async fn world() -> (
    tempfile::TempDir,
    Store,
    Writer,
    i64,
    agentiq::simulator::SimulatorHandle,
) {
    let common::SyncedShop {
        dir,
        store,
        writer,
        account_id,
        sim,
    } = common::synced_wb_reviews().await;
    while classify_pending(&store, &writer, Utc::now()).await.unwrap() > 0 {}
    (dir, store, writer, account_id, sim)
}

async fn enable(writer: &Writer, policy: AutoPolicy) {
    writer
        .call(move |c| settings::save(c, Scope::Global, &policy))
        .await
        .unwrap();
}

/// The deliberate go-live, as `agentiq autoreply live --confirm ВКЛЮЧИТЬ` does it.
async fn go_live(writer: &Writer, account_id: i64) {
    writer
        .call(move |c| {
            agentiq::prepare::auto_live::go_live(c, account_id, "ВКЛЮЧИТЬ", "test", Utc::now())
        })
        .await
        .unwrap();
}

fn auto_rows(store: &Store) -> Vec<(i64, Option<i64>, i64, u8)> {
    let reader = store.reader().unwrap();
    let mut stmt = reader
        .prepare(
            "SELECT o.interaction_id, o.undo_until, o.shadow, i.rating FROM outbox o
             JOIN interactions i ON i.id = o.interaction_id WHERE o.actor = 'auto'",
        )
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[tokio::test]
async fn off_by_default_then_only_low_risk_items_with_an_undo_window() {
    let (_dir, store, writer, account_id, sim) = world().await;
    let now = Utc::now();
    let round = auto_round(&store, &writer, account_id, now).await.unwrap();
    assert_eq!(round.queued, 0, "automation is off by default");
    assert!(auto_rows(&store).is_empty());

    enable(
        &writer,
        AutoPolicy {
            enabled: true,
            min_rating: 1,
            ..AutoPolicy::default()
        },
    )
    .await;
    let round = auto_round(&store, &writer, account_id, now).await.unwrap();
    assert_eq!(round.queued, 0, "enabled means shadow mode: {round:?}");
    assert!(round.shadowed > 0, "{round:?}");
    go_live(&writer, account_id).await;
    let round = auto_round(&store, &writer, account_id, now).await.unwrap();
    assert!(
        round.queued > 0,
        "some 5★ thank-you reviews qualify: {round:?}"
    );
    for (id, undo_until, shadow, rating) in auto_rows(&store).into_iter().filter(|r| r.2 == 0) {
        assert!(
            rating >= 4,
            "never below 4★ even when settings say 1 (item {id})"
        );
        assert_eq!(undo_until, Some((now + Duration::seconds(60)).timestamp()));
        assert_eq!(shadow, 0);
    }
    let reader = store.reader().unwrap();
    let escalated: i64 = reader
        .query_row(
            "SELECT count(*) FROM outbox o JOIN interactions i ON i.id = o.interaction_id
             WHERE o.actor = 'auto' AND i.escalations != '[]'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(escalated, 0);
    // Nothing is due before the undo window ends, so nothing reached the marketplace.
    assert!(store::due_outbox(&reader, now + Duration::seconds(59), 100)
        .unwrap()
        .is_empty());
    assert!(sim.sim.report().answers.is_empty());
    // A second round does not queue the same items again.
    let again = auto_round(&store, &writer, account_id, now).await.unwrap();
    assert_eq!(again.queued, 0);
}

#[tokio::test]
async fn shadow_mode_records_without_sending() {
    let (_dir, store, writer, account_id, _sim) = world().await;
    enable(
        &writer,
        AutoPolicy {
            enabled: true,
            shadow: true,
            ..AutoPolicy::default()
        },
    )
    .await;
    let round = auto_round(&store, &writer, account_id, Utc::now())
        .await
        .unwrap();
    assert!(round.shadowed > 0);
    assert_eq!(round.queued, 0);
    let reader = store.reader().unwrap();
    assert_eq!(store::outbox_size(&reader).unwrap(), 0);
    let logged: i64 = reader
        .query_row(
            "SELECT count(*) FROM audit_log WHERE action = 'reply_shadowed'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(logged as usize, round.shadowed);
    // The drafts stay unused: the seller is offered the very text shadow mode recorded.
    let used: i64 = reader
        .query_row(
            "SELECT count(*) FROM drafts d JOIN outbox o ON o.interaction_id = d.interaction_id
             WHERE o.shadow = 1 AND d.outcome IS NOT NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(used, 0);
}

#[tokio::test]
async fn the_breaker_pauses_automation_after_failures() {
    let (_dir, store, writer, account_id, _sim) = world().await;
    enable(
        &writer,
        AutoPolicy {
            enabled: true,
            max_failures: 2,
            ..AutoPolicy::default()
        },
    )
    .await;
    let now = Utc::now();
    // Two auto-replies failed recently.
    writer
        .call(move |c| {
            let ids: Vec<i64> = c
                .prepare("SELECT id FROM interactions WHERE state = 'open' LIMIT 2")?
                .query_map([], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            for (n, id) in ids.iter().enumerate() {
                c.execute(
                    "INSERT INTO outbox (interaction_id, idempotency_key, text, state, next_attempt_at,
                                         created_at, updated_at, actor, last_error)
                     VALUES (?1, ?2, 'x', 'failed', 0, ?3, ?3, 'auto', 'HTTP 500')",
                    rusqlite::params![id, format!("f{n}"), now.timestamp()],
                )?;
            }
            Ok(())
        })
        .await
        .unwrap();
    let round = auto_round(&store, &writer, account_id, now).await.unwrap();
    assert!(round.paused.is_some());
    assert_eq!(round.queued, 0);
    // Outside the window the breaker closes again.
    let later = auto_round(&store, &writer, account_id, now + Duration::hours(2))
        .await
        .unwrap();
    assert!(later.paused.is_none());
}

#[tokio::test]
async fn the_hourly_cap_holds_per_mode() {
    let (_dir, store, writer, account_id, sim) = world().await;
    enable(
        &writer,
        AutoPolicy {
            enabled: true,
            hourly_cap: 2,
            ..AutoPolicy::default()
        },
    )
    .await;
    let now = Utc::now();
    let round = auto_round(&store, &writer, account_id, now).await.unwrap();
    assert_eq!((round.shadowed, round.capped), (2, true), "{round:?}");
    let again = auto_round(&store, &writer, account_id, now).await.unwrap();
    assert_eq!(again.shadowed, 0, "the shadow cap holds too");
    // Live replies have their own count; the shadow ones of this hour do not use it up.
    go_live(&writer, account_id).await;
    let live = auto_round(&store, &writer, account_id, now).await.unwrap();
    assert_eq!((live.queued, live.capped), (2, true), "{live:?}");
    let more = auto_round(&store, &writer, account_id, now + Duration::minutes(30))
        .await
        .unwrap();
    assert_eq!(more.queued, 0, "the cap holds for the hour");
    // An hour later there is room again.
    let later = auto_round(&store, &writer, account_id, now + Duration::minutes(61))
        .await
        .unwrap();
    assert!(later.queued > 0 && later.queued <= 2, "{later:?}");
    assert!(
        sim.sim.report().answers.is_empty(),
        "nothing delivered here"
    );
}

/// The threshold compares the very figure the editor and the queue show: the stored
/// draft's confidence (`store::latest_draft`), nothing recomputed.
#[tokio::test]
async fn the_confidence_threshold_is_the_drafts_shown_confidence() {
    let (_dir, store, writer, account_id, _sim) = world().await;
    let policy = |min: f64| AutoPolicy {
        enabled: true,
        shadow: true,
        min_draft_confidence: min,
        ..AutoPolicy::default()
    };
    // Above any draft's confidence (offline drafts stop at 0.85, reuse at 0.95): none.
    enable(&writer, policy(0.99)).await;
    let round = auto_round(&store, &writer, account_id, Utc::now())
        .await
        .unwrap();
    assert_eq!(round.shadowed, 0);
    let reader = store.reader().unwrap();
    let drafted: Vec<(i64, f64)> = {
        let mut stmt = reader
            .prepare(
                "SELECT d.interaction_id, d.confidence FROM drafts d
                 JOIN interactions i ON i.id = d.interaction_id
                 WHERE d.outcome IS NULL AND d.verdict = 'pass' AND i.rating = 5
                   AND i.intent = 'thanks' AND i.state = 'open'",
            )
            .unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    assert!(!drafted.is_empty(), "the round drafted the eligible items");
    // A threshold between the lowest and the highest figure splits them.
    let mut figures: Vec<f64> = drafted.iter().map(|(_, c)| *c).collect();
    figures.sort_by(f64::total_cmp);
    let threshold = figures[figures.len() / 2];
    enable(&writer, policy(threshold)).await;
    let round = auto_round(&store, &writer, account_id, Utc::now())
        .await
        .unwrap();
    assert!(round.shadowed > 0);
    let shadowed: Vec<i64> = auto_rows(&store).iter().map(|r| r.0).collect();
    let reader = store.reader().unwrap();
    for (id, stored) in &drafted {
        let shown = store::latest_draft(&reader, agentiq::domain::InteractionId(*id))
            .unwrap()
            .map(|d| d.confidence);
        // Items not answered above the threshold were left by another rule (the link).
        if shadowed.contains(id) {
            assert!(*stored >= threshold, "{id}: {stored} < {threshold}");
            assert_eq!(shown, Some(*stored), "the editor shows the compared figure");
        }
    }
    let below = drafted.iter().filter(|(_, c)| *c < threshold).count();
    assert!(
        drafted
            .iter()
            .filter(|(_, c)| *c < threshold)
            .all(|(id, _)| !shadowed.contains(id)),
        "{below} drafts below the threshold must not be answered"
    );
}
