//! Properties of the SLA engine over generated items, settings and times.

use chrono::{DateTime, Duration, TimeZone, Utc, Weekday};
use proptest::prelude::*;

use agentiq::domain::{AnswerState, Channel, Priority, Rating, SlaState};
use agentiq::sla::{
    self, ItemFacts, Policy, PriorityInputs, PrioritySettings, SlaSettings, WorkingHours,
    WorkingHoursSettings,
};

const INTENTS: [Option<&str>; 12] = [
    None,
    Some("defect_not_working"),
    Some("wrong_item"),
    Some("pre_purchase"),
    Some("sizing_fit"),
    Some("delivery_delay"),
    Some("refund_exchange"),
    Some("quality_complaint"),
    Some("usage_howto"),
    Some("thanks"),
    Some("other"),
    Some("cancel_request"),
];

const ZONES: [chrono_tz::Tz; 5] = [
    chrono_tz::Europe::Moscow,
    chrono_tz::Asia::Yekaterinburg,
    chrono_tz::Asia::Vladivostok,
    chrono_tz::Europe::Berlin,
    chrono_tz::America::New_York,
];

const DAYS: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];

fn channel() -> impl Strategy<Value = Channel> {
    prop_oneof![
        Just(Channel::Review),
        Just(Channel::Question),
        Just(Channel::Chat)
    ]
}

fn rating() -> impl Strategy<Value = Option<Rating>> {
    prop_oneof![Just(None), (1u8..=5).prop_map(Rating::new)]
}

fn intent() -> impl Strategy<Value = Option<&'static str>> {
    (0..INTENTS.len()).prop_map(|i| INTENTS[i])
}

/// An instant over a few years, around the DST switches too.
fn instant() -> impl Strategy<Value = DateTime<Utc>> {
    (1_767_225_600i64..1_861_920_000i64).prop_map(|s| Utc.timestamp_opt(s, 0).unwrap())
}

fn working_hours() -> impl Strategy<Value = Option<WorkingHours>> {
    let some = (0..ZONES.len(), 0u32..1380, 1u32..=1440, 1u8..128).prop_filter_map(
        "start before end",
        |(zone, start, end, days)| {
            let days: Vec<Weekday> = DAYS
                .iter()
                .enumerate()
                .filter(|(i, _)| days & (1 << i) != 0)
                .map(|(_, d)| *d)
                .collect();
            // Quarter hours, and at least an hour a day, keep windows realistic.
            let (start, end) = (start / 15 * 15, (end.div_ceil(15) * 15).min(1440));
            if end < start + 60 {
                return None;
            }
            WorkingHours::new(ZONES[zone], start, end, &days)
        },
    );
    prop_oneof![1 => Just(None), 3 => some.prop_map(Some)]
}

fn priority_settings() -> impl Strategy<Value = PrioritySettings> {
    (
        1u8..=5,
        1u8..=5,
        0u32..4,
        0u32..5,
        any::<bool>(),
        0u8..3,
        0u8..3,
    )
        .prop_map(
            |(urgent, high, complaints, messages, shouting, at_risk, breached)| PrioritySettings {
                urgent_max_rating: urgent,
                high_max_rating: high,
                prior_complaints_raise: complaints,
                chat_messages_raise: messages,
                shouting_raises: shouting,
                at_risk_raise: at_risk,
                breached_raise: breached,
                ..PrioritySettings::default()
            },
        )
}

fn policy() -> impl Strategy<Value = Policy> {
    (priority_settings(), working_hours()).prop_map(|(p, hours)| {
        Policy::from_settings(SlaSettings::default(), p, &WorkingHoursSettings::default())
            .expect("valid")
            .with_working_hours(hours)
    })
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 1000,
        // Deterministic: the same cases on every run and machine.
        rng_seed: proptest::test_runner::RngSeed::Fixed(0x5EED_0005),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// An unanswered item never ranks lower as time passes.
    #[test]
    fn priority_never_decreases_for_an_unanswered_item(
        policy in policy(),
        channel in channel(),
        rating in rating(),
        intent in intent(),
        waiting in instant(),
        later in 0i64..(4 * 24 * 3600),
        more in 0i64..(30 * 24 * 3600),
        complaints in 0u32..4,
        messages in 0u32..6,
        shouting in any::<bool>(),
    ) {
        let facts = ItemFacts::new(channel, waiting).rating(rating).intent(intent);
        let clock = policy.clock_for(&facts);
        let t1 = waiting + Duration::seconds(later);
        let t2 = t1 + Duration::seconds(more);
        let at = |t| {
            let state = sla::state_for(AnswerState::Open, clock.at_risk_at, clock.due_at, t);
            policy.priority(&PriorityInputs {
                tier: clock.tier,
                state,
                channel: Some(channel),
                rating,
                intent,
                prior_complaints: complaints,
                unanswered_buyer_messages: messages,
                shouting,
            })
        };
        let (p1, p2): (Priority, Priority) = (at(t1), at(t2));
        // Priority orders Urgent first: "not lower" means not later in that order.
        prop_assert!(p2 <= p1, "{p1:?} at {t1} became {p2:?} at {t2}");
    }

    /// An answered (or pending, or archived) item is never at risk or breached.
    #[test]
    fn an_answered_item_is_never_at_risk(
        policy in policy(),
        channel in channel(),
        rating in rating(),
        intent in intent(),
        waiting in instant(),
        after in -(24 * 3600i64)..(400 * 24 * 3600),
        answer in prop_oneof![Just(AnswerState::Answered), Just(AnswerState::Pending), Just(AnswerState::Archived)],
    ) {
        let clock = policy.clock(channel, rating, intent, waiting);
        let now = waiting + Duration::seconds(after);
        prop_assert_eq!(sla::state_for(answer, clock.at_risk_at, clock.due_at, now), SlaState::Ok);
        prop_assert_eq!(policy.state(answer, &clock, now), SlaState::Ok);
    }

    /// A later start never gives an earlier target or deadline, and the target never
    /// comes after the deadline.
    #[test]
    fn due_time_is_monotone_in_waiting_since(
        policy in policy(),
        channel in channel(),
        rating in rating(),
        intent in intent(),
        w1 in instant(),
        gap in 0i64..(10 * 24 * 3600),
    ) {
        let w2 = w1 + Duration::seconds(gap);
        let c1 = policy.clock(channel, rating, intent, w1);
        let c2 = policy.clock(channel, rating, intent, w2);
        prop_assert!(c1.due_at <= c2.due_at, "{} then {}", c1.due_at, c2.due_at);
        prop_assert!(c1.at_risk_at <= c2.at_risk_at);
        prop_assert!(c1.at_risk_at <= c1.due_at);
        prop_assert!(c1.started <= c1.at_risk_at);
    }

    /// With working hours, targets and deadlines fall inside working time, and exactly the
    /// budget of working time lies between the message and each of them.
    #[test]
    fn working_hours_deadlines_fall_inside_working_time(
        hours in working_hours().prop_filter_map("enabled", |h| h),
        channel in channel(),
        rating in rating(),
        intent in intent(),
        waiting in instant(),
    ) {
        let policy = Policy::default().with_working_hours(Some(hours.clone()));
        let clock = policy.clock(channel, rating, intent, waiting);
        let (target, deadline) = policy.budget(clock.tier, channel);
        prop_assert!(hours.is_open(clock.due_at), "deadline {} is outside working time", clock.due_at);
        prop_assert!(hours.is_open(clock.at_risk_at), "target {} is outside working time", clock.at_risk_at);
        prop_assert_eq!(hours.between(waiting, clock.due_at), deadline);
        prop_assert_eq!(hours.between(waiting, clock.at_risk_at), target);
    }
}
