//! The watcher against a real database, the way `agentiq sync --daemon` and the inbox run
//! it: a fake clock moves an item across its target and deadline; each produces exactly
//! one notification, also with two processes watching one database.

use chrono::{DateTime, Duration, TimeZone, Utc};

use agentiq::domain::{Channel, Marketplace, NewInteraction, ProductRef, Rating};
use agentiq::notify::{
    ledger, Delivery, Lang, LedgerKey, Level, NotifySettings, Recording, RecordingBackend, Watcher,
};
use agentiq::settings::{self, Scope};
use agentiq::sla::ManualClock;
use agentiq::store::{self, Store, SyncRunRecord, Writer};

fn t(min: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap() + Duration::minutes(min)
}

fn review(id: &str, stars: u8, created: DateTime<Utc>) -> NewInteraction {
    NewInteraction {
        channel: Channel::Review,
        external_id: id.into(),
        product: Some(ProductRef {
            external_id: "146972802".into(),
            name: Some("Плед флисовый".into()),
            brand: None,
        }),
        customer_name: Some("Анна".into()),
        customer_external_id: None,
        text: format!("Пришёл с дыркой ({id})\nвторая строка"),
        pros: None,
        cons: None,
        photos: 0,
        rating: Rating::new(stars),
        created_at: created,
        answer: None,
        archived: false,
        messages: Vec::new(),
        reply_handle: None,
        raw: serde_json::json!({ "id": id }),
    }
}

struct Env {
    _dir: tempfile::TempDir,
    store: Store,
    writer: Writer,
    account: i64,
    clock: ManualClock,
}

async fn env() -> Env {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("agentiq.db")).unwrap();
    let writer = store.writer().unwrap();
    let account = writer
        .call(|conn| store::upsert_account(conn, "Уютный дом", Marketplace::Wb))
        .await
        .unwrap();
    Env {
        _dir: dir,
        store,
        writer,
        account,
        clock: ManualClock::new(t(0)),
    }
}

impl Env {
    async fn sync_run(&self, connector: &'static str, ok: bool, at: DateTime<Utc>) {
        let run = SyncRunRecord {
            account_id: self.account,
            connector: connector.into(),
            started_at: at,
            finished_at: at,
            ok,
            error: (!ok).then(|| "network unreachable".to_string()),
            ..SyncRunRecord::default()
        };
        self.writer
            .call(move |conn| store::record_sync_run(conn, &run))
            .await
            .unwrap();
    }

    async fn upsert(&self, items: Vec<NewInteraction>, now: DateTime<Utc>) {
        let account = self.account;
        self.writer
            .call(move |conn| {
                let tx = conn.transaction()?;
                agentiq::sync::upsert_interactions(&tx, account, "wb_feedbacks", &items, now)?;
                tx.commit()?;
                Ok(())
            })
            .await
            .unwrap();
    }

    async fn watcher(&self) -> (Watcher, Recording, Delivery) {
        let (backend, recording) = RecordingBackend::new();
        let delivery = Delivery::spawn(Box::new(backend), Box::new(|_| {})).unwrap();
        let watcher = Watcher::new(
            self.store.clone(),
            self.writer.clone(),
            delivery.clone(),
            self.clock.as_now(),
        )
        .with_lang(Lang::En);
        watcher.prepare().await.unwrap();
        (watcher, recording, delivery)
    }
}

#[tokio::test]
async fn an_item_crossing_its_deadline_notifies_exactly_once_per_level() {
    let env = env().await;
    env.sync_run("wb_feedbacks", true, t(0)).await;
    // A 1★ review written at minute 1: at risk at 31, breached at 61.
    env.upsert(vec![review("r1", 1, t(1))], t(2)).await;
    let (mut watcher, recording, delivery) = env.watcher().await;
    // A second process (the inbox beside the daemon) watching the same database.
    let (mut other, other_recording, other_delivery) = env.watcher().await;

    let mut shown = Vec::new();
    for minute in (2..=180).step_by(1) {
        env.clock.set(t(minute));
        let a = watcher.tick().await.unwrap();
        let b = other.tick().await.unwrap();
        for n in a.sent.iter().chain(b.sent.iter()) {
            shown.push((minute, n.level));
        }
    }
    assert_eq!(shown, [(31, Level::AtRisk), (61, Level::Breached)]);
    assert!(delivery.flush() && other_delivery.flush());
    let mut delivered: Vec<_> = recording.take();
    delivered.extend(other_recording.take());
    assert_eq!(delivered.len(), 2, "{delivered:#?}");
    let breach = delivered
        .iter()
        .find(|n| n.level == Level::Breached)
        .unwrap();
    assert_eq!(breach.summary, "Answer overdue: review ★1");
    assert!(
        breach
            .body
            .starts_with("Уютный дом · Плед флисовый — «Пришёл с дыркой (r1)»"),
        "{}",
        breach.body
    );

    // A restarted watcher remembers: the ledger is in the database.
    let (mut restarted, _, _) = env.watcher().await;
    env.clock.set(t(500));
    assert!(restarted.tick().await.unwrap().sent.is_empty());
}

#[tokio::test]
async fn what_the_first_sync_finds_overdue_stays_silent() {
    let env = env().await;
    // The backfill brings reviews long overdue, then the first pass finishes at minute 10.
    env.upsert(
        vec![
            review("old1", 1, t(-600)),
            review("old2", 2, t(-900)),
            review("old3", 5, t(-60)),
        ],
        t(5),
    )
    .await;
    let (mut watcher, recording, delivery) = env.watcher().await;
    env.clock.set(t(6));
    let first = watcher.tick().await.unwrap();
    assert!(first.sent.is_empty());
    assert_eq!(
        first.recorded, 4,
        "two breaches (with their skipped at-risk) of old1 and old2; old3 is fine"
    );
    env.sync_run("wb_feedbacks", true, t(10)).await;
    // Later, a new review arrives and breaches: that one notifies.
    env.upsert(vec![review("new", 1, t(20))], t(21)).await;
    env.clock.set(t(85));
    let later = watcher.tick().await.unwrap();
    assert_eq!(later.sent.len(), 1);
    assert_eq!(later.sent[0].level, Level::Breached);
    assert!(
        later.sent[0].body.contains("(new)"),
        "{}",
        later.sent[0].body
    );
    assert!(delivery.flush());
    assert_eq!(recording.take().len(), 1);
}

#[tokio::test]
async fn many_items_breaching_while_closed_come_as_one_batch_on_start() {
    let env = env().await;
    env.sync_run("wb_feedbacks", true, t(0)).await;
    let items: Vec<NewInteraction> = (0..7)
        .map(|i| review(&format!("r{i}"), 2, t(10 + i)))
        .collect();
    env.upsert(items, t(20)).await;
    // The inbox was closed for the night; it starts at minute 600.
    let (mut watcher, _, _) = env.watcher().await;
    env.clock.set(t(600));
    let tick = watcher.tick().await.unwrap();
    assert_eq!(tick.sent.len(), 1);
    assert_eq!(tick.sent[0].summary, "7 items breached");
    assert_eq!(tick.sent[0].items.len(), 7);
    env.clock.set(t(601));
    assert!(watcher.tick().await.unwrap().sent.is_empty());
}

#[tokio::test]
async fn a_connector_failing_again_and_again_notifies_once() {
    let env = env().await;
    env.sync_run("wb_chats", true, t(0)).await;
    let (mut watcher, _, _) = env.watcher().await;
    let mut alerts = Vec::new();
    for i in 1..=10 {
        env.sync_run("wb_chats", false, t(i)).await;
        env.sync_run("wb_feedbacks", true, t(i)).await;
        env.clock.set(t(i));
        for n in watcher.tick().await.unwrap().sent {
            alerts.push((i, n.summary, n.body));
        }
    }
    assert_eq!(alerts.len(), 1, "{alerts:#?}");
    assert_eq!(alerts[0].0, 3, "after the third failure in a row");
    assert_eq!(alerts[0].1, "Sync failing: Уютный дом");
    assert!(
        alerts[0].2.contains("wb_chats: 3 failed runs in a row"),
        "{}",
        alerts[0].2
    );
    assert!(alerts[0].2.contains("network unreachable"));
    let key = LedgerKey::sync(env.account, "wb_chats", t(1));
    let conn = env.store.reader().unwrap();
    assert_eq!(
        ledger::outcome(&conn, &key).unwrap().as_deref(),
        Some("sent")
    );
    // It recovers, then fails again: a new streak.
    env.sync_run("wb_chats", true, t(11)).await;
    for i in 12..=14 {
        env.sync_run("wb_chats", false, t(i)).await;
    }
    env.clock.set(t(14));
    assert_eq!(watcher.tick().await.unwrap().sent.len(), 1);
}

#[tokio::test]
async fn settings_in_the_database_switch_notifications_per_account() {
    let env = env().await;
    env.sync_run("wb_feedbacks", true, t(0)).await;
    let off = NotifySettings {
        enabled: false,
        ..NotifySettings::default()
    };
    let account = env.account;
    env.writer
        .call(move |conn| settings::save(conn, Scope::Account(account), &off))
        .await
        .unwrap();
    env.upsert(vec![review("r1", 1, t(1))], t(2)).await;
    let (mut watcher, _, _) = env.watcher().await;
    env.clock.set(t(100));
    let tick = watcher.tick().await.unwrap();
    assert!(tick.sent.is_empty());
    assert_eq!(
        tick.recorded, 2,
        "recorded as muted: breach and the skipped at-risk"
    );
    // Quiet hours, globally, 13:00–14:00 in Moscow; t(100) is 13:40 there.
    let quiet = NotifySettings {
        quiet_hours: agentiq::notify::QuietHoursSettings {
            enabled: true,
            start: "13:00".into(),
            end: "14:00".into(),
            ..Default::default()
        },
        ..NotifySettings::default()
    };
    env.writer
        .call(move |conn| settings::save(conn, Scope::Global, &quiet))
        .await
        .unwrap();
    env.writer
        .call(move |conn| settings::clear(conn, Scope::Account(account), "notifications"))
        .await
        .unwrap();
    env.upsert(vec![review("r2", 1, t(3))], t(4)).await;
    let held = watcher.tick().await.unwrap();
    assert!(held.sent.is_empty());
    assert_eq!(held.held, 1);
    env.clock.set(t(121)); // 14:01 in Moscow
    assert_eq!(watcher.tick().await.unwrap().sent.len(), 1);
}

#[tokio::test]
async fn unusable_notification_settings_fall_back_to_the_defaults() {
    let env = env().await;
    env.sync_run("wb_feedbacks", true, t(0)).await;
    let bad = NotifySettings {
        quiet_hours: agentiq::notify::QuietHoursSettings {
            enabled: true,
            time_zone: "Europe/Atlantis".into(),
            ..Default::default()
        },
        ..NotifySettings::default()
    };
    env.writer
        .call(move |conn| settings::save(conn, Scope::Global, &bad))
        .await
        .unwrap();
    env.upsert(vec![review("r1", 1, t(1))], t(2)).await;
    let (mut watcher, _, _) = env.watcher().await;
    env.clock.set(t(61));
    assert_eq!(watcher.tick().await.unwrap().sent.len(), 1);
}

/// The SLA edited field by field: the target to 1 minute (items are re-timed 1 / 60),
/// then the deadline to 2 minutes. The at-risk notice a minute in counts down to the
/// deadline the seller set — 1 minute — not to the 60 the store still holds until the
/// item is classified again (once it said "до срока 29 мин" under a 2-minute SLA).
#[tokio::test]
async fn the_at_risk_text_counts_down_to_the_deadline_the_sla_sets() {
    let env = env().await;
    async fn set_urgent(env: &Env, target: u32, deadline: u32) {
        let mut sla = agentiq::sla::SlaSettings::default();
        sla.urgent = agentiq::sla::BudgetMinutes::new(target, deadline);
        env.writer
            .call(move |conn| settings::save(conn, Scope::Global, &sla))
            .await
            .unwrap();
    }
    set_urgent(&env, 1, 60).await;
    env.sync_run("wb_feedbacks", true, t(0)).await;
    env.upsert(vec![review("r1", 1, t(1))], t(1)).await;
    set_urgent(&env, 1, 2).await;
    let (watcher, recording, delivery) = env.watcher().await;
    let mut watcher = watcher.with_lang(Lang::Ru);
    env.clock.set(t(2));
    let tick = watcher.tick().await.unwrap();
    assert_eq!(tick.sent.len(), 1, "{tick:#?}");
    assert_eq!(tick.sent[0].level, Level::AtRisk);
    assert!(
        tick.sent[0].body.ends_with("до срока 1 мин"),
        "{}",
        tick.sent[0].body
    );
    // And the breach comes at the 2-minute deadline, not at 60.
    env.clock.set(t(3));
    let tick = watcher.tick().await.unwrap();
    assert_eq!(tick.sent.len(), 1, "{tick:#?}");
    assert_eq!(tick.sent[0].level, Level::Breached);
    assert!(delivery.flush());
    let _ = recording.take();
}
