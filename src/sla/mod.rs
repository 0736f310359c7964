//! SLA policy: which tier an item falls in, when it goes at risk, when it breaches, the
//! marketplaces' hard edges, and the priority bucket the queue marks it with. Pure
//! functions of the item's facts, the settings and `now`; see `docs/sla.md`.
//!
//! [`Policy`] holds the rules of one account, built from the `[sla]`, `[priority]` and
//! `[working_hours]` settings sections ([`Policy::load`]); [`Policies`] holds several. The
//! free functions below ([`clock`], [`priority`], [`tier_for`], [`default_budget`]) apply
//! the shipped defaults and stay for callers without settings.

mod clock;
mod hours;
mod policy;
mod settings;

use std::sync::OnceLock;

use chrono::{DateTime, Duration, Utc};

use crate::domain::{AnswerState, Channel, Priority, Rating, SlaState, SlaTier};

pub use clock::{system_now, ManualClock, Now};
pub use hours::{parse_hhmm, WorkingHours};
pub use policy::{is_shouting, time_left, HardEdge, ItemFacts, Policies, Policy, PriorityInputs};
pub use settings::{
    BudgetMinutes, PrioritySettings, SlaSettings, WorkingHoursSettings, PRIORITY_SECTION,
    SLA_SECTION, WORKING_HOURS_SECTION,
};

/// Settings that cannot be turned into a policy, with the section and field at fault.
/// Shown in English (logs, `Display`) or Russian (the settings screen and `agentiq
/// settings set` in the UI's language).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{en}")]
pub struct PolicyError {
    en: String,
    ru: Option<String>,
}

impl PolicyError {
    pub fn new(message: impl Into<String>) -> PolicyError {
        PolicyError {
            en: message.into(),
            ru: None,
        }
    }

    /// The same in Russian.
    pub fn ru(mut self, message: impl Into<String>) -> PolicyError {
        self.ru = Some(message.into());
        self
    }

    /// The Russian text (the English where none was given).
    pub fn russian(&self) -> &str {
        self.ru.as_deref().unwrap_or(&self.en)
    }
}

impl From<PolicyError> for crate::settings::refusal::Refusal {
    fn from(e: PolicyError) -> Self {
        crate::settings::refusal::Refusal::worded(e.to_string(), e.russian().to_string())
    }
}

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

/// The shipped default policy, built once.
pub fn default_policy() -> &'static Policy {
    static DEFAULT: OnceLock<Policy> = OnceLock::new();
    DEFAULT.get_or_init(Policy::default)
}

/// The tier an item falls in by SPEC section 2, with the shipped rules.
pub fn tier_for(channel: Channel, rating: Option<Rating>, intent: Option<&str>) -> SlaTier {
    default_policy().tier(
        &ItemFacts::new(channel, DateTime::<Utc>::default())
            .rating(rating)
            .intent(intent),
    )
}

/// Default (target, deadline) for a tier; questions in the high tier are much faster.
pub fn default_budget(tier: SlaTier, channel: Channel) -> (Duration, Duration) {
    default_policy().budget(tier, channel)
}

/// The clock of an item that started waiting at `waiting_since`, with the shipped rules.
pub fn clock(
    channel: Channel,
    rating: Option<Rating>,
    intent: Option<&str>,
    waiting_since: DateTime<Utc>,
) -> SlaClock {
    default_policy().clock(channel, rating, intent, waiting_since)
}

/// Where a clock stands at `now`.
pub fn state_at(at_risk_at: DateTime<Utc>, due_at: DateTime<Utc>, now: DateTime<Utc>) -> SlaState {
    if now >= due_at {
        SlaState::Breached
    } else if now >= at_risk_at {
        SlaState::AtRisk
    } else {
        SlaState::Ok
    }
}

/// Where an item stands: only an open item's clock runs; an answered, pending (reply in
/// flight) or archived item is never at risk.
pub fn state_for(
    answer: AnswerState,
    at_risk_at: DateTime<Utc>,
    due_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> SlaState {
    match answer {
        AnswerState::Open => state_at(at_risk_at, due_at, now),
        AnswerState::Pending | AnswerState::Answered | AnswerState::Archived => SlaState::Ok,
    }
}

/// Priority bucket from the tier and the clock alone, with the shipped thresholds: the
/// tier's own level, raised one step once the clock is at risk or breached, so an item
/// never ranks lower as time passes.
pub fn priority(tier: SlaTier, state: SlaState) -> Priority {
    default_policy().priority(&PriorityInputs::new(tier, state))
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
        assert_eq!(
            tier_for(Channel::Chat, None, Some("other")),
            SlaTier::Normal
        );
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
