//! SLA policy: which tier an item falls in, when it goes at risk, when it breaches, and
//! the priority bucket the queue marks it with. Pure functions of the item and `now`.

use chrono::{DateTime, Duration, Utc};

use crate::domain::{Channel, Priority, Rating, SlaState, SlaTier};

/// An item's clock: when it started, when it goes at risk, when it breaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlaClock {
    pub tier: SlaTier,
    pub started: DateTime<Utc>,
    pub at_risk_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
}

impl SlaClock {
    pub fn state(&self, now: DateTime<Utc>) -> SlaState {
        state_at(self.at_risk_at, self.due_at, now)
    }
}

/// Intents that make a public question a pre-purchase one (answered within minutes).
const PRE_PURCHASE_INTENTS: [&str; 5] = [
    "pre_purchase",
    "availability",
    "sizing_fit",
    "product_spec",
    "compatibility",
];

/// The tier an item falls in by SPEC section 2, from what is known about it.
pub fn tier_for(channel: Channel, rating: Option<Rating>, intent: Option<&str>) -> SlaTier {
    match intent {
        Some("defect_not_working" | "wrong_item") => return SlaTier::Critical,
        Some("thanks") => return SlaTier::Low,
        _ => {}
    }
    match channel {
        Channel::Review => match rating.map(Rating::stars) {
            Some(1 | 2) => SlaTier::Urgent,
            Some(3) => SlaTier::High,
            _ => match intent {
                Some(i) if i.starts_with("delivery_") => SlaTier::High,
                Some("refund_exchange" | "cancel_request") => SlaTier::High,
                Some("quality_complaint" | "usage_howto") => SlaTier::Normal,
                _ => SlaTier::Low,
            },
        },
        Channel::Question => match intent {
            Some(i) if PRE_PURCHASE_INTENTS.contains(&i) => SlaTier::High,
            Some(i) if i.starts_with("delivery_") => SlaTier::High,
            Some("refund_exchange" | "cancel_request") => SlaTier::High,
            _ => SlaTier::Normal,
        },
        Channel::Chat => match intent {
            Some(i) if i.starts_with("delivery_") => SlaTier::High,
            Some("refund_exchange" | "cancel_request") => SlaTier::High,
            Some(_) => SlaTier::Normal,
            // A chat nobody has classified yet is a new chat.
            None => SlaTier::High,
        },
    }
}

/// Default (target, deadline) for a tier; questions in the high tier are much faster.
pub fn default_budget(tier: SlaTier, channel: Channel) -> (Duration, Duration) {
    match tier {
        SlaTier::Critical => (Duration::minutes(15), Duration::minutes(30)),
        SlaTier::Urgent => (Duration::minutes(30), Duration::hours(1)),
        SlaTier::High if channel == Channel::Question => {
            (Duration::minutes(5), Duration::minutes(30))
        }
        SlaTier::High => (Duration::hours(1), Duration::hours(4)),
        SlaTier::Normal => (Duration::hours(4), Duration::hours(24)),
        SlaTier::Low => (Duration::hours(24), Duration::hours(48)),
    }
}

/// The clock of an item that started waiting at `waiting_since`.
pub fn clock(
    channel: Channel,
    rating: Option<Rating>,
    intent: Option<&str>,
    waiting_since: DateTime<Utc>,
) -> SlaClock {
    let tier = tier_for(channel, rating, intent);
    let (target, deadline) = default_budget(tier, channel);
    SlaClock {
        tier,
        started: waiting_since,
        at_risk_at: waiting_since + target,
        due_at: waiting_since + deadline,
    }
}

pub fn state_at(at_risk_at: DateTime<Utc>, due_at: DateTime<Utc>, now: DateTime<Utc>) -> SlaState {
    if now >= due_at {
        SlaState::Breached
    } else if now >= at_risk_at {
        SlaState::AtRisk
    } else {
        SlaState::Ok
    }
}

/// Priority bucket: the tier's own level, raised one step once the clock is at risk or
/// breached, so an item never ranks lower as time passes.
pub fn priority(tier: SlaTier, state: SlaState) -> Priority {
    let base = match tier {
        SlaTier::Critical | SlaTier::Urgent => Priority::Urgent,
        SlaTier::High => Priority::High,
        SlaTier::Normal => Priority::Normal,
        SlaTier::Low => Priority::Low,
    };
    match state {
        SlaState::Ok => base,
        SlaState::AtRisk | SlaState::Breached => match base {
            Priority::Urgent | Priority::High => Priority::Urgent,
            Priority::Normal => Priority::High,
            Priority::Low => Priority::Normal,
        },
    }
}

/// WB archives a review that stayed unanswered this long; it can no longer be answered.
pub const WB_REVIEW_ARCHIVE_AFTER: Duration = Duration::days(30);

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 2, 12, 0, 0).unwrap()
    }

    fn stars(n: u8) -> Option<Rating> {
        Rating::new(n)
    }

    #[test]
    fn review_deadlines_by_rating() {
        let cases = [(1, 1), (2, 1), (3, 4), (4, 48), (5, 48)];
        for (rating, hours) in cases {
            let c = clock(Channel::Review, stars(rating), None, t0());
            assert_eq!(c.due_at - t0(), Duration::hours(hours), "rating {rating}");
        }
        assert_eq!(
            clock(Channel::Review, stars(1), None, t0()).at_risk_at - t0(),
            Duration::minutes(30)
        );
    }

    #[test]
    fn critical_intents_override_rating() {
        let c = clock(Channel::Review, stars(5), Some("wrong_item"), t0());
        assert_eq!(c.tier, SlaTier::Critical);
        assert_eq!(c.due_at - t0(), Duration::minutes(30));
    }

    #[test]
    fn pre_purchase_question_is_answered_in_minutes() {
        let c = clock(Channel::Question, None, Some("sizing_fit"), t0());
        assert_eq!(c.tier, SlaTier::High);
        assert_eq!(c.at_risk_at - t0(), Duration::minutes(5));
        assert_eq!(c.due_at - t0(), Duration::minutes(30));
        let other = clock(Channel::Question, None, Some("other"), t0());
        assert_eq!(other.due_at - t0(), Duration::hours(24));
    }

    #[test]
    fn new_chat_is_high() {
        assert_eq!(tier_for(Channel::Chat, None, None), SlaTier::High);
        assert_eq!(tier_for(Channel::Chat, None, Some("other")), SlaTier::Normal);
    }

    #[test]
    fn state_moves_ok_at_risk_breached() {
        let c = clock(Channel::Review, stars(2), None, t0());
        assert_eq!(c.state(t0()), SlaState::Ok);
        assert_eq!(c.state(t0() + Duration::minutes(30)), SlaState::AtRisk);
        assert_eq!(c.state(t0() + Duration::minutes(60)), SlaState::Breached);
    }

    #[test]
    fn priority_never_drops_as_time_passes() {
        for tier in [
            SlaTier::Critical,
            SlaTier::Urgent,
            SlaTier::High,
            SlaTier::Normal,
            SlaTier::Low,
        ] {
            let ok = priority(tier, SlaState::Ok);
            let risk = priority(tier, SlaState::AtRisk);
            let breached = priority(tier, SlaState::Breached);
            assert!(risk <= ok && breached <= risk, "{tier:?}");
        }
    }
}
