//! The notifier's rules against an in-memory ledger, and the delivery thread with a
//! recording backend: dedupe, batching, quiet hours, the silent first sync, switches,
//! sync-failure alerts, the in-app fallback.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, TimeZone, Utc};

use agentiq::domain::{Channel, InteractionId, Rating, SlaTier};
use agentiq::notify::{
    Delivery, InAppNotice, Lang, LedgerKey, Level, MemoryLedger, Notification, Notifier,
    NotifyConfig, NotifySettings, OpenItem, Outcome, QuietHoursSettings, RecordingBackend,
    Snapshot, SyncHealth,
};

fn t(min: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap() + Duration::minutes(min)
}

/// A 1★ review written at minute `at`: at risk 30 min later, breached 60 min later. The
/// first sync finished at minute 0.
fn item(id: i64, at: i64) -> OpenItem {
    OpenItem {
        id: InteractionId(id),
        account_id: 1,
        account_name: "Уютный дом".into(),
        channel: Channel::Review,
        rating: Rating::new(1),
        title: format!("Плед флисовый — «Отзыв {id}»"),
        tier: SlaTier::Urgent,
        waiting_since: t(at),
        at_risk_at: t(at + 30),
        due_at: t(at + 60),
        baseline: Some(t(0)),
    }
}

fn snap(now: DateTime<Utc>, items: &[OpenItem]) -> Snapshot {
    Snapshot {
        now,
        items: items.to_vec(),
        sync: Vec::new(),
    }
}

fn notifier_with(global: NotifySettings, accounts: HashMap<i64, NotifySettings>) -> Notifier {
    Notifier::new(
        NotifyConfig::new(global, accounts)
            .unwrap()
            .with_lang(Lang::En),
    )
}

fn notifier() -> Notifier {
    notifier_with(NotifySettings::default(), HashMap::new())
}

#[test]
fn each_item_notifies_once_at_risk_and_once_breached() {
    let n = notifier();
    let mut ledger = MemoryLedger::default();
    let items = [item(1, 0)];
    assert!(
        n.step(&snap(t(10), &items), &mut ledger).is_empty(),
        "ok: nothing yet"
    );
    let at_risk = n.step(&snap(t(30), &items), &mut ledger);
    assert_eq!(at_risk.len(), 1);
    assert_eq!(at_risk[0].level, Level::AtRisk);
    assert_eq!(at_risk[0].items, vec![InteractionId(1)]);
    assert_eq!(at_risk[0].summary, "Answer due soon: review ★1");
    assert!(
        at_risk[0].body.contains("30 min left"),
        "{}",
        at_risk[0].body
    );
    assert!(!at_risk[0].urgent);
    for minute in [31, 45, 59] {
        assert!(
            n.step(&snap(t(minute), &items), &mut ledger).is_empty(),
            "no repeat at {minute}"
        );
    }
    let breached = n.step(&snap(t(61), &items), &mut ledger);
    assert_eq!(breached.len(), 1);
    assert_eq!(breached[0].level, Level::Breached);
    assert_eq!(breached[0].summary, "Answer overdue: review ★1");
    assert!(
        breached[0].body.contains("overdue by 1 min"),
        "{}",
        breached[0].body
    );
    assert!(breached[0].urgent);
    // The breach replaces the at-risk notification on the desktop instead of stacking.
    assert_eq!(breached[0].tag, at_risk[0].tag);
    assert_eq!(breached[0].tag.as_deref(), Some("item-1"));
    for minute in [62, 120, 60 * 24 * 3] {
        assert!(
            n.step(&snap(t(minute), &items), &mut ledger).is_empty(),
            "no repeat at {minute}"
        );
    }
    assert_eq!(ledger.with_outcome(Outcome::Sent).len(), 2);
}

#[test]
fn an_item_found_already_breached_notifies_the_breach_only() {
    let n = notifier();
    let mut ledger = MemoryLedger::default();
    let out = n.step(&snap(t(90), &[item(1, 0)]), &mut ledger);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].level, Level::Breached);
    let risk = LedgerKey::item(InteractionId(1), Level::AtRisk, t(0));
    assert_eq!(
        ledger.outcome(&risk),
        Some(Outcome::Silent),
        "the skipped level is recorded"
    );
}

#[test]
fn a_reopened_chat_notifies_again_on_its_new_clock() {
    let n = notifier();
    let mut ledger = MemoryLedger::default();
    let mut chat = item(7, 0);
    chat.channel = Channel::Chat;
    chat.rating = None;
    assert_eq!(n.step(&snap(t(61), &[chat.clone()]), &mut ledger).len(), 1);
    // Answered, then the buyer writes again at minute 200: a new clock.
    chat.waiting_since = t(200);
    chat.at_risk_at = t(230);
    chat.due_at = t(260);
    assert!(n
        .step(&snap(t(210), &[chat.clone()]), &mut ledger)
        .is_empty());
    let again = n.step(&snap(t(231), &[chat.clone()]), &mut ledger);
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].summary, "Answer due soon: chat");
}

#[test]
fn many_at_once_come_as_one_batch() {
    let n = notifier();
    let mut ledger = MemoryLedger::default();
    let items: Vec<OpenItem> = (1..=7).map(|i| item(i, i)).collect();
    let out = n.step(&snap(t(100), &items), &mut ledger);
    assert_eq!(out.len(), 1, "{out:#?}");
    assert_eq!(out[0].summary, "7 items breached");
    assert_eq!(out[0].items.len(), 7);
    let lines: Vec<&str> = out[0].body.lines().collect();
    assert_eq!(lines.len(), 4, "three items and a remainder: {lines:?}");
    assert!(
        lines[0].starts_with("• Уютный дом · review ★1: Плед флисовый — «Отзыв 1»"),
        "{}",
        lines[0]
    );
    assert_eq!(lines[3], "and 4 more");
    assert!(n.step(&snap(t(101), &items), &mut ledger).is_empty());

    // Two at once stay separate (below batch_from = 3).
    let mut ledger = MemoryLedger::default();
    let two = n.step(&snap(t(100), &items[..2]), &mut ledger);
    assert_eq!(two.len(), 2);

    // Russian batches use the right word forms.
    let ru = Notifier::new(NotifyConfig::default());
    let mut ledger = MemoryLedger::default();
    let out = ru.step(&snap(t(100), &items), &mut ledger);
    assert_eq!(out[0].summary, "Просрочено: 7 обращений");
    assert!(out[0].body.ends_with("и ещё 4"), "{}", out[0].body);
}

#[test]
fn breaches_and_risks_firing_together_are_batched_per_level() {
    let n = notifier();
    let mut ledger = MemoryLedger::default();
    // Three breached (written at minutes 0..3), three at risk (written at 40..43), at minute 75.
    let items: Vec<OpenItem> = (0..3)
        .map(|i| item(i, i))
        .chain((40..43).map(|i| item(i, i)))
        .collect();
    let out = n.step(&snap(t(75), &items), &mut ledger);
    let summaries: Vec<&str> = out.iter().map(|n| n.summary.as_str()).collect();
    assert_eq!(summaries, ["3 items breached", "3 items at risk"]);
}

fn quiet_night() -> NotifySettings {
    NotifySettings {
        quiet_hours: QuietHoursSettings {
            enabled: true,
            start: "22:00".into(),
            end: "08:00".into(),
            time_zone: "Europe/Moscow".into(),
        },
        ..NotifySettings::default()
    }
}

#[test]
fn quiet_hours_hold_notifications_until_they_end() {
    let n = notifier_with(quiet_night(), HashMap::new());
    let mut ledger = MemoryLedger::default();
    // 23:00 Moscow = 20:00 UTC. Four items breach during the night.
    let night = Utc.with_ymd_and_hms(2026, 11, 2, 20, 0, 0).unwrap();
    let items: Vec<OpenItem> = (1..=4)
        .map(|i| OpenItem {
            waiting_since: night,
            at_risk_at: night + Duration::minutes(30),
            due_at: night + Duration::minutes(60 + i),
            ..item(i, 0)
        })
        .collect();
    for hours in [1, 3, 8] {
        let now = night + Duration::hours(hours);
        let eval = n.evaluate(&snap(now, &items), &|k| ledger.contains(k));
        assert!(eval.deliver.is_empty(), "quiet at +{hours} h");
        assert_eq!(eval.held, 4);
        assert!(n.step(&snap(now, &items), &mut ledger).is_empty());
    }
    assert!(ledger.is_empty(), "nothing is recorded while quiet");
    // 08:00 Moscow: quiet hours are over; one batch, breaches only. One item was
    // answered meanwhile and is no longer in the snapshot.
    let morning = Utc.with_ymd_and_hms(2026, 11, 3, 5, 0, 0).unwrap();
    let out = n.step(&snap(morning, &items[..3]), &mut ledger);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].summary, "3 items breached");
    assert!(n
        .step(
            &snap(morning + Duration::minutes(1), &items[..3]),
            &mut ledger
        )
        .is_empty());
}

#[test]
fn the_first_sync_is_silent() {
    let n = notifier();
    let mut ledger = MemoryLedger::default();
    // The first sync is still running: an overdue item found now stays silent.
    let mut old = item(1, -600);
    old.baseline = None;
    assert!(n.step(&snap(t(5), &[old.clone()]), &mut ledger).is_empty());
    assert_eq!(
        ledger.outcome(&LedgerKey::item(
            InteractionId(1),
            Level::Breached,
            old.waiting_since
        )),
        Some(Outcome::Silent)
    );
    // Once the first sync has finished (at minute 10), items overdue before it stay
    // silent; one that goes at risk later notifies.
    let mut older = item(2, -45); // at risk at -15, breached at +15: breach after the baseline
    older.baseline = Some(t(10));
    let mut stale = item(3, -300);
    stale.baseline = Some(t(10));
    let out = n.step(&snap(t(12), &[older.clone(), stale.clone()]), &mut ledger);
    assert!(out.is_empty(), "{out:#?}");
    assert_eq!(
        ledger.outcome(&LedgerKey::item(
            InteractionId(2),
            Level::AtRisk,
            older.waiting_since
        )),
        Some(Outcome::Silent)
    );
    let out = n.step(&snap(t(16), &[older, stale]), &mut ledger);
    assert_eq!(out.len(), 1, "the breach after the first sync notifies");
    assert_eq!(out[0].items, vec![InteractionId(2)]);
}

#[test]
fn switches_mute_per_account_channel_and_level() {
    let shop_two = NotifySettings {
        channels: agentiq::notify::ChannelSwitches {
            review: false,
            ..Default::default()
        },
        ..NotifySettings::default()
    };
    let shop_three = NotifySettings {
        enabled: false,
        ..NotifySettings::default()
    };
    let no_risk = NotifySettings {
        at_risk: false,
        ..NotifySettings::default()
    };
    let accounts = HashMap::from([(2, shop_two), (3, shop_three), (4, no_risk)]);
    let n = notifier_with(NotifySettings::default(), accounts);
    let mut ledger = MemoryLedger::default();
    let of = |account: i64, id: i64, channel: Channel| OpenItem {
        account_id: account,
        channel,
        ..item(id, 0)
    };
    let items = [
        of(1, 1, Channel::Review),
        of(2, 2, Channel::Review),
        of(2, 3, Channel::Question),
        of(3, 4, Channel::Chat),
        of(4, 5, Channel::Review),
    ];
    let out = n.step(&snap(t(30), &items), &mut ledger);
    let ids: Vec<InteractionId> = out.iter().flat_map(|n| n.items.clone()).collect();
    assert_eq!(ids, [InteractionId(1), InteractionId(3)], "{out:#?}");
    assert_eq!(
        ledger.outcome(&LedgerKey::item(InteractionId(2), Level::AtRisk, t(0))),
        Some(Outcome::Muted)
    );
    // Account 4 does not want at-risk notifications, but does want breaches.
    let out = n.step(&snap(t(60), &items), &mut ledger);
    let ids: Vec<InteractionId> = out.iter().flat_map(|n| n.items.clone()).collect();
    assert_eq!(ids, [InteractionId(1), InteractionId(3), InteractionId(5)]);
}

fn failing(account: i64, connector: &str, failures: u32, since: DateTime<Utc>) -> SyncHealth {
    SyncHealth {
        account_id: account,
        account_name: format!("shop {account}"),
        connector: connector.into(),
        failures,
        since,
        last_error: Some("WB: 401 Unauthorized: token expired".into()),
    }
}

#[test]
fn persistent_sync_failures_notify_once_per_streak() {
    let n = notifier();
    let mut ledger = MemoryLedger::default();
    let with = |h: Vec<SyncHealth>| Snapshot {
        now: t(30),
        items: Vec::new(),
        sync: h,
    };
    assert!(
        n.step(&with(vec![failing(1, "wb_chats", 2, t(0))]), &mut ledger)
            .is_empty(),
        "two is not yet persistent"
    );
    let out = n.step(&with(vec![failing(1, "wb_chats", 3, t(0))]), &mut ledger);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].level, Level::SyncFailing);
    assert_eq!(out[0].summary, "Sync failing: shop 1");
    assert!(
        out[0].body.contains("wb_chats: 3 failed runs in a row"),
        "{}",
        out[0].body
    );
    assert!(out[0].body.contains("token expired"));
    assert!(
        n.step(&with(vec![failing(1, "wb_chats", 9, t(0))]), &mut ledger)
            .is_empty(),
        "same streak"
    );
    // A success ended the streak; a new one notifies again.
    assert_eq!(
        n.step(&with(vec![failing(1, "wb_chats", 3, t(20))]), &mut ledger)
            .len(),
        1
    );
    // Off for an account: never.
    let off = NotifySettings {
        sync_failures: 0,
        ..NotifySettings::default()
    };
    let n = notifier_with(NotifySettings::default(), HashMap::from([(2, off)]));
    assert!(n
        .step(
            &with(vec![failing(2, "ozon_reviews", 50, t(0))]),
            &mut ledger
        )
        .is_empty());
    // Everything failing at once (offline): one notification.
    let many = vec![
        failing(3, "wb_feedbacks", 3, t(0)),
        failing(4, "wb_feedbacks", 3, t(0)),
        failing(5, "ozon_chats", 4, t(0)),
    ];
    let out = n.step(&with(many), &mut ledger);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].summary, "Sync failing: 3 connectors");
}

fn notice_sink() -> (agentiq::notify::Fallback, Arc<Mutex<Vec<InAppNotice>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    (Box::new(move |n| sink.lock().unwrap().push(n)), seen)
}

fn note(summary: &str, bell: bool, desktop: bool) -> Notification {
    Notification {
        level: Level::Breached,
        summary: summary.into(),
        body: "Уютный дом · Плед\nпросрочено на 5 мин".into(),
        items: vec![InteractionId(1)],
        urgent: true,
        bell,
        desktop,
        tag: None,
    }
}

#[test]
fn delivery_shows_on_the_desktop_or_falls_back_in_app() {
    let (backend, recording) = RecordingBackend::new();
    let (fallback, notices) = notice_sink();
    let delivery = Delivery::spawn(Box::new(backend), fallback).unwrap();
    delivery.send(note("one", false, true));
    assert!(delivery.flush());
    assert_eq!(recording.shown().len(), 1);
    assert!(
        notices.lock().unwrap().is_empty(),
        "shown on the desktop: nothing in the app"
    );

    // No notification daemon: the text reaches the app instead, every time.
    recording.set_failing(true);
    delivery.send(note("two", false, true));
    delivery.send(note("three", false, true));
    assert!(delivery.flush());
    let texts: Vec<String> = notices
        .lock()
        .unwrap()
        .iter()
        .map(|n| n.text.clone())
        .collect();
    assert_eq!(
        texts,
        ["two: Уютный дом · Плед", "three: Уютный дом · Плед"]
    );

    // The daemon is back.
    recording.set_failing(false);
    delivery.send(note("four", false, true));
    // The bell rings through the app even when the desktop showed it.
    delivery.send(note("five", true, true));
    // Desktop switched off: in the app only.
    delivery.send(note("six", false, false));
    assert!(delivery.flush());
    let shown: Vec<String> = recording.take().into_iter().map(|n| n.summary).collect();
    assert_eq!(shown, ["one", "four", "five"]);
    let notices = notices.lock().unwrap();
    assert_eq!(notices.len(), 4);
    assert!(notices[2].bell && notices[2].text.starts_with("five"));
    assert!(!notices[3].bell && notices[3].text.starts_with("six"));
}

#[test]
fn delivery_never_blocks_the_sender() {
    struct Stuck(std::sync::mpsc::Receiver<()>);
    impl agentiq::notify::Backend for Stuck {
        fn show(&mut self, _: &Notification) -> Result<(), String> {
            // Blocks until the test lets it go, like a D-Bus call that hangs.
            let _ = self.0.recv();
            Ok(())
        }
    }
    let (release, wait) = std::sync::mpsc::channel();
    let (fallback, _) = notice_sink();
    let delivery = Delivery::spawn(Box::new(Stuck(wait)), fallback).unwrap();
    for i in 0..100 {
        delivery.send(note(&format!("n{i}"), false, true));
    }
    // All 100 were handed over while the backend is stuck on the first.
    for _ in 0..100 {
        release.send(()).unwrap();
    }
    assert!(delivery.flush());
}

#[test]
fn untrusted_text_is_cleaned_for_the_desktop() {
    let n = notifier();
    let mut ledger = MemoryLedger::default();
    let mut nasty = item(1, 0);
    nasty.title = "Плед\u{1b}[2J\u{202E} <b>жирный</b>\n\nвторая строка".into();
    nasty.account_name = "Shop\u{7}".into();
    let out = n.step(&snap(t(30), &[nasty]), &mut ledger);
    let body = &out[0].body;
    assert!(
        !body.chars().any(|c| c.is_control() && c != '\n'),
        "{body:?}"
    );
    assert!(!body.contains('\u{202E}'));
    assert_eq!(body.lines().count(), 2, "{body:?}");
    assert!(
        body.starts_with("Shop · Плед [2J <b>жирный</b> вторая строка"),
        "{body:?}"
    );
}
