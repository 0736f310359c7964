//! The SLA engine: due-time tables per tier and channel, working-hours edges, re-opened
//! chats, the WB 30-day edge, per-account settings and priority thresholds.

use chrono::{DateTime, Duration, TimeZone, Utc, Weekday};
use chrono_tz::Tz;

use agentiq::domain::{
    AnswerState, Channel, ChatMessage, Marketplace, NewInteraction, Priority, Rating, Sender,
    SlaState, SlaTier,
};
use agentiq::notify::NotifySettings;
use agentiq::settings::{self, Scope};
use agentiq::sla::{
    self, ItemFacts, Policies, Policy, PriorityInputs, PrioritySettings, SlaSettings, WorkingHours,
    WorkingHoursSettings,
};
use agentiq::store::{self, Store};

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
}

fn local(tz: Tz, y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    tz.with_ymd_and_hms(y, mo, d, h, mi, 0)
        .unwrap()
        .with_timezone(&Utc)
}

fn t0() -> DateTime<Utc> {
    utc(2026, 11, 2, 12, 0)
}

fn stars(n: u8) -> Option<Rating> {
    Rating::new(n)
}

const WEEKDAYS: [Weekday; 5] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
];

fn hours_policy(tz: Tz, start: u32, end: u32, days: &[Weekday]) -> Policy {
    Policy::default().with_working_hours(WorkingHours::new(tz, start * 60, end * 60, days))
}

#[test]
fn due_times_per_tier_and_channel_follow_the_spec_table() {
    // (channel, rating, intent) -> (tier, target minutes, deadline minutes)
    type Row = (Channel, Option<u8>, Option<&'static str>, SlaTier, i64, i64);
    let table: &[Row] = &[
        (Channel::Review, Some(1), None, SlaTier::Urgent, 30, 60),
        (Channel::Review, Some(2), None, SlaTier::Urgent, 30, 60),
        (Channel::Review, Some(3), None, SlaTier::High, 60, 240),
        (Channel::Review, Some(4), None, SlaTier::Low, 1440, 2880),
        (Channel::Review, Some(5), None, SlaTier::Low, 1440, 2880),
        (
            Channel::Review,
            Some(5),
            Some("thanks"),
            SlaTier::Low,
            1440,
            2880,
        ),
        (
            Channel::Review,
            Some(5),
            Some("quality_complaint"),
            SlaTier::Normal,
            240,
            1440,
        ),
        (
            Channel::Review,
            Some(4),
            Some("delivery_delay"),
            SlaTier::High,
            60,
            240,
        ),
        (
            Channel::Review,
            Some(5),
            Some("wrong_item"),
            SlaTier::Critical,
            15,
            30,
        ),
        (
            Channel::Review,
            Some(1),
            Some("thanks"),
            SlaTier::Urgent,
            30,
            60,
        ),
        (
            Channel::Question,
            None,
            Some("sizing_fit"),
            SlaTier::High,
            5,
            30,
        ),
        (
            Channel::Question,
            None,
            Some("pre_purchase"),
            SlaTier::High,
            5,
            30,
        ),
        (
            Channel::Question,
            None,
            Some("availability"),
            SlaTier::High,
            5,
            30,
        ),
        (
            Channel::Question,
            None,
            Some("delivery_status"),
            SlaTier::High,
            5,
            30,
        ),
        (
            Channel::Question,
            None,
            Some("usage_howto"),
            SlaTier::Normal,
            240,
            1440,
        ),
        (
            Channel::Question,
            None,
            Some("other"),
            SlaTier::Normal,
            240,
            1440,
        ),
        (Channel::Question, None, None, SlaTier::Normal, 240, 1440),
        (
            Channel::Question,
            None,
            Some("defect_not_working"),
            SlaTier::Critical,
            15,
            30,
        ),
        (
            Channel::Question,
            None,
            Some("thanks"),
            SlaTier::Low,
            1440,
            2880,
        ),
        (Channel::Chat, None, None, SlaTier::High, 60, 240),
        (
            Channel::Chat,
            None,
            Some("other"),
            SlaTier::Normal,
            240,
            1440,
        ),
        (
            Channel::Chat,
            None,
            Some("refund_exchange"),
            SlaTier::High,
            60,
            240,
        ),
        (
            Channel::Chat,
            None,
            Some("cancel_request"),
            SlaTier::High,
            60,
            240,
        ),
        (
            Channel::Chat,
            None,
            Some("wrong_item"),
            SlaTier::Critical,
            15,
            30,
        ),
        (
            Channel::Chat,
            None,
            Some("pre_purchase"),
            SlaTier::Normal,
            240,
            1440,
        ),
    ];
    let policy = Policy::default();
    for &(channel, rating, intent, tier, target, deadline) in table {
        let case = format!("{channel} {rating:?} {intent:?}");
        let c = policy.clock(channel, rating.and_then(Rating::new), intent, t0());
        assert_eq!(c.tier, tier, "{case}");
        assert_eq!(c.at_risk_at - t0(), Duration::minutes(target), "{case}");
        assert_eq!(c.due_at - t0(), Duration::minutes(deadline), "{case}");
        assert_eq!(c.started, t0());
        // The free function is the default policy.
        assert_eq!(
            sla::clock(channel, rating.and_then(Rating::new), intent, t0()),
            c,
            "{case}"
        );
    }
}

#[test]
fn legal_mentions_are_critical_and_known_new_chats_are_high() {
    let p = Policy::default();
    let review = ItemFacts::new(Channel::Review, t0())
        .rating(stars(5))
        .legal(true);
    assert_eq!(p.tier(&review), SlaTier::Critical);
    let answered_before = ItemFacts::new(Channel::Chat, t0())
        .intent(Some("other"))
        .new_chat(true);
    assert_eq!(
        p.tier(&answered_before),
        SlaTier::High,
        "a chat the seller never answered is new"
    );
    let ongoing = ItemFacts::new(Channel::Chat, t0()).new_chat(false);
    assert_eq!(p.tier(&ongoing), SlaTier::Normal);
}

#[test]
fn shipped_sections_equal_the_built_in_defaults() {
    assert_eq!(
        settings::defaults::<SlaSettings>().unwrap(),
        SlaSettings::default()
    );
    assert_eq!(
        settings::defaults::<PrioritySettings>().unwrap(),
        PrioritySettings::default()
    );
    assert_eq!(
        settings::defaults::<WorkingHoursSettings>().unwrap(),
        WorkingHoursSettings::default()
    );
    assert_eq!(
        settings::defaults::<NotifySettings>().unwrap(),
        NotifySettings::default()
    );
}

#[test]
fn friday_evening_deadline_falls_on_monday_morning_when_the_weekend_is_off() {
    let msk = chrono_tz::Europe::Moscow;
    let p = hours_policy(msk, 9, 21, &WEEKDAYS);
    // An urgent review (1 h) at 20:30 on Friday: 30 min on Friday, 30 min on Monday.
    let friday = local(msk, 2026, 11, 6, 20, 30);
    let c = p.clock(Channel::Review, stars(1), None, friday);
    assert_eq!(
        c.at_risk_at,
        local(msk, 2026, 11, 6, 21, 0),
        "the target uses up Friday exactly"
    );
    assert_eq!(c.due_at, local(msk, 2026, 11, 9, 9, 30));
    assert_eq!(
        c.due_at,
        utc(2026, 11, 9, 6, 30),
        "Moscow is UTC+3 all year"
    );
    // Over the weekend the item is at risk but not breached.
    assert_eq!(c.state(local(msk, 2026, 11, 8, 12, 0)), SlaState::AtRisk);
    assert_eq!(c.state(local(msk, 2026, 11, 9, 9, 30)), SlaState::Breached);
    // With the weekend on, it breaches Saturday 09:30.
    let every_day = hours_policy(msk, 9, 21, &WEEKDAYS_AND_WEEKEND);
    assert_eq!(
        every_day
            .clock(Channel::Review, stars(1), None, friday)
            .due_at,
        local(msk, 2026, 11, 7, 9, 30)
    );
}

const WEEKDAYS_AND_WEEKEND: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];

#[test]
fn messages_outside_hours_start_the_clock_at_the_next_opening() {
    let msk = chrono_tz::Europe::Moscow;
    let p = hours_policy(msk, 9, 21, &WEEKDAYS);
    // Saturday night: nothing runs until Monday 09:00; a pre-purchase question takes 30 min.
    let saturday = local(msk, 2026, 11, 7, 23, 10);
    let q = p.clock(Channel::Question, None, Some("pre_purchase"), saturday);
    assert_eq!(q.at_risk_at, local(msk, 2026, 11, 9, 9, 5));
    assert_eq!(q.due_at, local(msk, 2026, 11, 9, 9, 30));
    // Early on a weekday.
    let early = local(msk, 2026, 11, 3, 6, 0);
    assert_eq!(
        p.clock(Channel::Review, stars(2), None, early).due_at,
        local(msk, 2026, 11, 3, 10, 0)
    );
    // A normal item (24 h) spans two working days: 12 h a day.
    let noon = local(msk, 2026, 11, 3, 12, 0);
    assert_eq!(
        p.clock(Channel::Question, None, None, noon).due_at,
        local(msk, 2026, 11, 5, 12, 0)
    );
    // Exactly at closing: the deadline sits on the window's edge, not the next morning.
    let h = p.working_hours().unwrap();
    assert_eq!(
        h.add(local(msk, 2026, 11, 3, 20, 0), Duration::hours(1)),
        local(msk, 2026, 11, 3, 21, 0)
    );
    assert!(h.is_open(local(msk, 2026, 11, 3, 21, 0)));
    assert!(!h.is_open(local(msk, 2026, 11, 3, 21, 1)));
    assert!(
        !h.is_open(local(msk, 2026, 11, 7, 12, 0)),
        "Saturday is off"
    );
    assert_eq!(
        h.next_open(local(msk, 2026, 11, 6, 22, 0)),
        local(msk, 2026, 11, 9, 9, 0)
    );
}

#[test]
fn working_hours_follow_the_shops_time_zone() {
    let ekb = chrono_tz::Asia::Yekaterinburg;
    let p = hours_policy(ekb, 9, 21, &WEEKDAYS);
    let friday = local(ekb, 2026, 11, 6, 20, 30);
    assert_eq!(friday, utc(2026, 11, 6, 15, 30), "Yekaterinburg is UTC+5");
    assert_eq!(
        p.clock(Channel::Review, stars(1), None, friday).due_at,
        utc(2026, 11, 9, 4, 30)
    );
    // The same instant is 18:30 in Moscow: well inside hours there.
    let msk = hours_policy(chrono_tz::Europe::Moscow, 9, 21, &WEEKDAYS);
    assert_eq!(
        msk.clock(Channel::Review, stars(1), None, friday).due_at,
        utc(2026, 11, 6, 16, 30)
    );
}

#[test]
fn daylight_saving_keeps_local_opening_hours() {
    let berlin = chrono_tz::Europe::Berlin;
    let p = hours_policy(berlin, 9, 21, &WEEKDAYS_AND_WEEKEND);
    // Saturday 20:00 CET, 2 h (a question in the high tier takes 30 min; use a high review: 4 h).
    let saturday = local(berlin, 2027, 3, 27, 20, 0);
    let h = p.working_hours().unwrap();
    let due = h.add(saturday, Duration::hours(2));
    // 1 h on Saturday, then Sunday opens at 09:00 CEST (UTC+2, after the switch).
    assert_eq!(due, local(berlin, 2027, 3, 28, 10, 0));
    assert_eq!(due, utc(2027, 3, 28, 8, 0));
    assert_eq!(h.between(saturday, due), Duration::hours(2));
    // An opening inside the spring gap (02:30 does not exist that night) opens at 03:00.
    let night = WorkingHours::new(berlin, 150, 300, &WEEKDAYS_AND_WEEKEND).unwrap();
    let midnight = local(berlin, 2027, 3, 28, 0, 0);
    assert_eq!(
        night.add(midnight, Duration::minutes(30)),
        local(berlin, 2027, 3, 28, 3, 30)
    );
}

#[test]
fn working_hours_from_settings_with_holidays() {
    let s = WorkingHoursSettings {
        enabled: true,
        days: vec![
            "пн".into(),
            "вт".into(),
            "ср".into(),
            "чт".into(),
            "пт".into(),
        ],
        holidays: vec!["2027-01-01".into()],
        ..WorkingHoursSettings::default()
    };
    let p = Policy::from_settings(SlaSettings::default(), PrioritySettings::default(), &s).unwrap();
    let msk = chrono_tz::Europe::Moscow;
    // Thursday 31 December 20:30, 1 h: Friday 1 January is a holiday, the weekend is off.
    let c = p.clock(
        Channel::Review,
        stars(1),
        None,
        local(msk, 2026, 12, 31, 20, 30),
    );
    assert_eq!(c.due_at, local(msk, 2027, 1, 4, 9, 30));
    // Disabled (the default): calendar time.
    let off = Policy::from_settings(
        SlaSettings::default(),
        PrioritySettings::default(),
        &WorkingHoursSettings::default(),
    )
    .unwrap();
    assert!(off.working_hours().is_none());
    assert_eq!(
        off.clock(Channel::Review, stars(1), None, t0()).due_at,
        t0() + Duration::hours(1)
    );
}

#[test]
fn time_left_counts_working_time_only() {
    let msk = chrono_tz::Europe::Moscow;
    let p = hours_policy(msk, 9, 21, &WEEKDAYS);
    let due = local(msk, 2026, 11, 9, 9, 30);
    assert_eq!(
        p.time_left(due, local(msk, 2026, 11, 6, 20, 45)),
        Duration::minutes(45)
    );
    assert_eq!(
        p.time_left(local(msk, 2026, 11, 6, 20, 45), due),
        -Duration::minutes(45)
    );
    assert_eq!(
        Policy::default().time_left(t0() + Duration::hours(2), t0()),
        Duration::hours(2)
    );
}

fn chat(messages: &[(Sender, i64)]) -> NewInteraction {
    NewInteraction {
        channel: Channel::Chat,
        external_id: "chat-1".into(),
        product: None,
        customer_name: Some("Ольга".into()),
        customer_external_id: Some("c-1".into()),
        text: String::new(),
        pros: None,
        cons: None,
        photos: 0,
        rating: None,
        created_at: t0(),
        answer: None,
        archived: false,
        messages: messages
            .iter()
            .enumerate()
            .map(|(i, (sender, minute))| ChatMessage {
                external_id: format!("m{i}"),
                sender: *sender,
                text: "…".into(),
                sent_at: t0() + Duration::minutes(*minute),
            })
            .collect(),
        reply_handle: None,
        raw: serde_json::Value::Null,
    }
}

#[test]
fn a_new_buyer_message_reopens_an_answered_chat_with_a_new_clock() {
    let p = Policy::default();
    let first = chat(&[(Sender::Buyer, 0), (Sender::Buyer, 3)]);
    let c1 = p.clock_for(&ItemFacts::of(&first, Some(Marketplace::Wb), None));
    assert_eq!(c1.tier, SlaTier::High, "a chat nobody answered yet is new");
    assert_eq!(
        c1.started,
        t0(),
        "the oldest unanswered buyer message starts the clock"
    );
    assert_eq!(c1.due_at, t0() + Duration::hours(4));

    let answered = chat(&[(Sender::Buyer, 0), (Sender::Buyer, 3), (Sender::Seller, 20)]);
    assert_eq!(answered.answer_state(), AnswerState::Answered);
    assert_eq!(
        sla::state_for(
            answered.answer_state(),
            c1.at_risk_at,
            c1.due_at,
            t0() + Duration::days(3)
        ),
        SlaState::Ok,
        "an answered chat is never at risk"
    );

    let reopened = chat(&[
        (Sender::Buyer, 0),
        (Sender::Buyer, 3),
        (Sender::Seller, 20),
        (Sender::Buyer, 300),
        (Sender::Buyer, 310),
    ]);
    assert_eq!(reopened.answer_state(), AnswerState::Open);
    let c2 = p.clock_for(&ItemFacts::of(
        &reopened,
        Some(Marketplace::Wb),
        Some("other"),
    ));
    assert_eq!(c2.started, t0() + Duration::minutes(300));
    assert_eq!(
        c2.tier,
        SlaTier::Normal,
        "the seller has answered before: no longer a new chat"
    );
    assert_eq!(
        c2.due_at,
        t0() + Duration::minutes(300) + Duration::hours(24)
    );
    assert_eq!(c2.state(t0() + Duration::minutes(301)), SlaState::Ok);
}

#[test]
fn wb_reviews_hit_the_30_day_archive_edge() {
    let p = Policy::default();
    let created = t0();
    let edge = p
        .hard_edge(
            Marketplace::Wb,
            Channel::Review,
            created,
            created + Duration::days(29),
        )
        .unwrap();
    assert_eq!(edge.at, created + Duration::days(30));
    assert!(!edge.passed);
    let just_before = created + Duration::days(30) - Duration::seconds(1);
    assert!(
        !p.hard_edge(Marketplace::Wb, Channel::Review, created, just_before)
            .unwrap()
            .passed
    );
    assert!(
        p.hard_edge(
            Marketplace::Wb,
            Channel::Review,
            created,
            created + Duration::days(30)
        )
        .unwrap()
        .passed
    );
    assert_eq!(created + sla::WB_REVIEW_ARCHIVE_AFTER, edge.at);
    assert!(p
        .hard_edge(Marketplace::Wb, Channel::Question, created, created)
        .is_none());
    assert!(p
        .hard_edge(Marketplace::Ozon, Channel::Review, created, created)
        .is_none());
    // A deadline never falls after the edge: with a 1-day archive, a 5★ review (48 h) is
    // due when it is archived.
    let sla = SlaSettings {
        wb_review_archive_days: 1,
        ..SlaSettings::default()
    };
    let short = Policy::from_settings(
        sla,
        PrioritySettings::default(),
        &WorkingHoursSettings::default(),
    )
    .unwrap();
    let facts = ItemFacts::new(Channel::Review, created)
        .rating(stars(5))
        .marketplace(Marketplace::Wb, created);
    let c = short.clock_for(&facts);
    assert_eq!(c.due_at, created + Duration::days(1));
    assert_eq!(c.at_risk_at, created + Duration::days(1));
}

fn temp_db() -> (tempfile::TempDir, rusqlite::Connection, i64, i64) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("agentiq.db")).unwrap();
    let conn = rusqlite::Connection::open(store.path()).unwrap();
    let a = store::upsert_account(&conn, "Уютный дом", Marketplace::Wb).unwrap();
    let b = store::upsert_account(&conn, "Мягкий край", Marketplace::Ozon).unwrap();
    (dir, conn, a, b)
}

#[test]
fn targets_and_hours_are_editable_per_account() {
    let (_dir, conn, a, b) = temp_db();
    let mut faster = SlaSettings::default();
    faster.urgent.target = 10;
    faster.urgent.deadline = 20;
    settings::save(&conn, Scope::Account(a), &faster).unwrap();
    let hours = WorkingHoursSettings {
        enabled: true,
        time_zone: "Asia/Yekaterinburg".into(),
        ..Default::default()
    };
    settings::save(&conn, Scope::Account(b), &hours).unwrap();

    let pa = Policy::load(&conn, Some(a)).unwrap();
    let pb = Policy::load(&conn, Some(b)).unwrap();
    let global = Policy::load(&conn, None).unwrap();
    assert_eq!(
        pa.clock(Channel::Review, stars(1), None, t0()).due_at - t0(),
        Duration::minutes(20)
    );
    assert_eq!(
        global.clock(Channel::Review, stars(1), None, t0()).due_at - t0(),
        Duration::minutes(60)
    );
    assert!(pb.working_hours().is_some());
    assert!(pa.working_hours().is_none());

    let all = Policies::load(&conn, &[a, b]);
    assert!(all.problems.is_empty(), "{:?}", all.problems);
    assert_eq!(all.for_account(a), &pa);
    assert_eq!(all.for_account(b), &pb);
    assert_eq!(all.for_account(999), &global);
}

#[test]
fn unusable_settings_fall_back_to_the_defaults_and_are_reported() {
    let (_dir, conn, a, _) = temp_db();
    let bad = WorkingHoursSettings {
        enabled: true,
        time_zone: "Europe/Atlantis".into(),
        ..Default::default()
    };
    settings::save(&conn, Scope::Account(a), &bad).unwrap();
    assert!(Policy::load(&conn, Some(a)).is_err());
    assert_eq!(Policy::load_or_default(&conn, Some(a)), Policy::default());
    let all = Policies::load(&conn, &[a]);
    assert_eq!(all.problems.len(), 1);
    assert!(all.problems[0].contains("time_zone"), "{}", all.problems[0]);
    assert_eq!(all.for_account(a), &Policy::default());
}

#[test]
fn urgent_rating_threshold_differs_per_shop() {
    let (_dir, conn, a, b) = temp_db();
    let strict = PrioritySettings {
        urgent_max_rating: 3,
        ..PrioritySettings::default()
    };
    settings::save(&conn, Scope::Account(b), &strict).unwrap();
    let all = Policies::load(&conn, &[a, b]);
    let three_stars = |account| {
        let p: &Policy = all.for_account(account);
        let rating = stars(3);
        let tier = p.tier(&ItemFacts::new(Channel::Review, t0()).rating(rating));
        p.priority(&PriorityInputs {
            channel: Some(Channel::Review),
            rating,
            ..PriorityInputs::new(tier, SlaState::Ok)
        })
    };
    assert_eq!(three_stars(a), Priority::High);
    assert_eq!(three_stars(b), Priority::Urgent);
}

#[test]
fn priority_weighs_history_chat_activity_and_time() {
    let p = Policy::default();
    let base = PriorityInputs::new(SlaTier::Normal, SlaState::Ok);
    assert_eq!(p.priority(&base), Priority::Normal);
    assert_eq!(
        p.priority(&PriorityInputs {
            prior_complaints: 1,
            ..base
        }),
        Priority::High
    );
    let chat = PriorityInputs {
        channel: Some(Channel::Chat),
        ..base
    };
    assert_eq!(
        p.priority(&PriorityInputs {
            unanswered_buyer_messages: 2,
            ..chat
        }),
        Priority::Normal
    );
    assert_eq!(
        p.priority(&PriorityInputs {
            unanswered_buyer_messages: 3,
            ..chat
        }),
        Priority::High
    );
    assert_eq!(
        p.priority(&PriorityInputs {
            shouting: true,
            ..chat
        }),
        Priority::High
    );
    assert_eq!(
        p.priority(&PriorityInputs {
            shouting: true,
            unanswered_buyer_messages: 5,
            ..chat
        }),
        Priority::High,
        "busy or shouting is one level, not two"
    );
    let review = PriorityInputs {
        channel: Some(Channel::Review),
        ..base
    };
    assert_eq!(
        p.priority(&PriorityInputs {
            shouting: true,
            ..review
        }),
        Priority::Normal,
        "only chats"
    );
    assert_eq!(
        p.priority(&PriorityInputs {
            state: SlaState::AtRisk,
            ..base
        }),
        Priority::High
    );
    assert_eq!(
        p.priority(&PriorityInputs {
            state: SlaState::Breached,
            prior_complaints: 2,
            ..base
        }),
        Priority::Urgent
    );
    assert_eq!(
        p.priority(&PriorityInputs::new(SlaTier::Low, SlaState::Ok)),
        Priority::Low
    );
    // The free function keeps its meaning.
    assert_eq!(
        sla::priority(SlaTier::Low, SlaState::Breached),
        Priority::Normal
    );
    assert_eq!(
        sla::priority(SlaTier::High, SlaState::AtRisk),
        Priority::Urgent
    );
    assert_eq!(
        sla::priority(SlaTier::Critical, SlaState::Ok),
        Priority::Urgent
    );
}

#[test]
fn manual_clock_moves_only_when_told() {
    let clock = sla::ManualClock::new(t0());
    let now = clock.as_now();
    assert_eq!(now(), t0());
    clock.advance(Duration::minutes(5));
    assert_eq!(now(), t0() + Duration::minutes(5));
    clock.set(utc(2027, 1, 1, 0, 0));
    assert_eq!(now(), utc(2027, 1, 1, 0, 0));
}
