//! [`Policy`]: the SLA rules of one account (or the global ones), compiled from settings.
//! Every method is a pure function of its arguments and the policy; `now` is always passed
//! in, never read from the system.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use rusqlite::Connection;

use super::hours::WorkingHours;
use super::settings::{
    intent_in, BudgetMinutes, PrioritySettings, SlaSettings, WorkingHoursSettings,
};
use super::{PolicyError, SlaClock};
use crate::domain::{
    AnswerState, Channel, Marketplace, NewInteraction, Priority, Rating, Sender, SlaState, SlaTier,
};
use crate::settings;

/// What the SLA engine needs to know about an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ItemFacts<'a> {
    pub channel: Channel,
    /// Known for stored items; enables the marketplace's hard edges.
    pub marketplace: Option<Marketplace>,
    pub rating: Option<Rating>,
    pub intent: Option<&'a str>,
    /// The text mentions a regulator, a court or a lawyer (the classifier's `legal` flag).
    pub legal: bool,
    /// For chats: whether the seller has never written in it. `None` when unknown, in
    /// which case an unclassified chat counts as new.
    pub new_chat: Option<bool>,
    /// When the item was created on the marketplace (hard edges count from here).
    pub created_at: DateTime<Utc>,
    /// When the customer started waiting (for a chat, the oldest unanswered buyer message).
    pub waiting_since: DateTime<Utc>,
}

impl<'a> ItemFacts<'a> {
    /// The bare facts: a channel and the moment the customer started waiting.
    pub fn new(channel: Channel, waiting_since: DateTime<Utc>) -> ItemFacts<'a> {
        ItemFacts {
            channel,
            marketplace: None,
            rating: None,
            intent: None,
            legal: false,
            new_chat: None,
            created_at: waiting_since,
            waiting_since,
        }
    }

    /// The facts of an item as a connector reports it, with the intent the store knows.
    pub fn of(
        item: &NewInteraction,
        marketplace: Option<Marketplace>,
        intent: Option<&'a str>,
    ) -> ItemFacts<'a> {
        ItemFacts {
            channel: item.channel,
            marketplace,
            rating: item.rating,
            intent,
            legal: false,
            new_chat: (item.channel == Channel::Chat)
                .then(|| !item.messages.iter().any(|m| m.sender == Sender::Seller)),
            created_at: item.created_at,
            waiting_since: item.waiting_since(),
        }
    }

    pub fn rating(mut self, rating: Option<Rating>) -> Self {
        self.rating = rating;
        self
    }

    pub fn intent(mut self, intent: Option<&'a str>) -> Self {
        self.intent = intent;
        self
    }

    pub fn marketplace(mut self, marketplace: Marketplace, created_at: DateTime<Utc>) -> Self {
        self.marketplace = Some(marketplace);
        self.created_at = created_at;
        self
    }

    pub fn legal(mut self, legal: bool) -> Self {
        self.legal = legal;
        self
    }

    pub fn new_chat(mut self, new_chat: bool) -> Self {
        self.new_chat = Some(new_chat);
        self
    }
}

/// A marketplace's hard edge: after `at` the item can no longer be answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HardEdge {
    pub at: DateTime<Utc>,
    /// `now` is at or after `at`.
    pub passed: bool,
}

/// What decides an item's priority besides its tier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PriorityInputs<'a> {
    pub tier: SlaTier,
    pub state: SlaState,
    pub channel: Option<Channel>,
    pub rating: Option<Rating>,
    pub intent: Option<&'a str>,
    /// Earlier complaints by the same customer (low ratings, complaint intents).
    pub prior_complaints: u32,
    /// Buyer messages in a chat since the seller last wrote.
    pub unanswered_buyer_messages: u32,
    /// The customer is shouting (see [`is_shouting`]).
    pub shouting: bool,
}

impl<'a> PriorityInputs<'a> {
    /// Only the tier and the clock's state; everything else neutral.
    pub fn new(tier: SlaTier, state: SlaState) -> PriorityInputs<'a> {
        PriorityInputs {
            tier,
            state,
            channel: None,
            rating: None,
            intent: None,
            prior_complaints: 0,
            unanswered_buyer_messages: 0,
            shouting: false,
        }
    }
}

/// The SLA rules in force for one account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    sla: SlaSettings,
    priority: PrioritySettings,
    hours: Option<WorkingHours>,
}

impl Default for Policy {
    /// The shipped defaults (`data/settings.toml`).
    fn default() -> Self {
        Policy {
            sla: SlaSettings::default(),
            priority: PrioritySettings::default(),
            hours: None,
        }
    }
}

impl Policy {
    /// A policy from the three settings sections, checked.
    pub fn from_settings(
        sla: SlaSettings,
        priority: PrioritySettings,
        hours: &WorkingHoursSettings,
    ) -> Result<Policy, PolicyError> {
        for (name, b) in [
            ("critical", sla.critical),
            ("urgent", sla.urgent),
            ("high", sla.high),
            ("high_question", sla.high_question),
            ("normal", sla.normal),
            ("low", sla.low),
        ] {
            if b.target > b.deadline {
                return Err(PolicyError::new(format!(
                    "[sla] {name}: target {} min is after deadline {} min",
                    b.target, b.deadline
                ))
                .ru(format!(
                    "[sla] {name}: порог риска {} мин позже срока {} мин",
                    b.target, b.deadline
                )));
            }
            if b.deadline == 0 {
                return Err(PolicyError::new(format!(
                    "[sla] {name}: deadline must be at least 1 min"
                ))
                .ru(format!("[sla] {name}: срок должен быть не меньше 1 мин")));
            }
        }
        let hours = WorkingHours::from_settings(hours)?;
        Ok(Policy {
            sla,
            priority,
            hours,
        })
    }

    /// The effective policy of `account` (global for `None`): shipped defaults, then the
    /// global settings, then the account's overrides.
    pub fn load(conn: &Connection, account: Option<i64>) -> anyhow::Result<Policy> {
        let sla: SlaSettings = settings::load(conn, account)?;
        let priority: PrioritySettings = settings::load(conn, account)?;
        let hours: WorkingHoursSettings = settings::load(conn, account)?;
        Ok(Policy::from_settings(sla, priority, &hours)?)
    }

    /// [`Policy::load`], falling back to the shipped defaults (with a warning in the log)
    /// when the stored settings cannot be read or are invalid.
    pub fn load_or_default(conn: &Connection, account: Option<i64>) -> Policy {
        Policy::load(conn, account).unwrap_or_else(|err| {
            tracing::warn!(account, error = %format!("{err:#}"), "SLA settings unusable; using the defaults");
            Policy::default()
        })
    }

    pub fn sla_settings(&self) -> &SlaSettings {
        &self.sla
    }

    pub fn priority_settings(&self) -> &PrioritySettings {
        &self.priority
    }

    pub fn working_hours(&self) -> Option<&WorkingHours> {
        self.hours.as_ref()
    }

    /// The same policy with other working hours (`None`: the clock always runs).
    pub fn with_working_hours(mut self, hours: Option<WorkingHours>) -> Policy {
        self.hours = hours;
        self
    }

    /// The tier an item falls in (SPEC section 2): critical intents and legal mentions
    /// first, then the rating of a review, then intents, then the channel's default.
    pub fn tier(&self, facts: &ItemFacts<'_>) -> SlaTier {
        let s = &self.sla;
        let intent = facts.intent;
        let named = |list: &[String]| intent.is_some_and(|i| intent_in(list, i));
        if named(&s.critical_intents) || (facts.legal && s.legal_is_critical) {
            return SlaTier::Critical;
        }
        if facts.channel == Channel::Review {
            if let Some(stars) = facts.rating.map(Rating::stars) {
                if stars <= s.urgent_max_rating {
                    return SlaTier::Urgent;
                }
                if stars <= s.high_max_rating {
                    return SlaTier::High;
                }
            }
        }
        if named(&s.high_intents)
            || (facts.channel == Channel::Question && named(&s.pre_purchase_intents))
        {
            return SlaTier::High;
        }
        if named(&s.low_intents) {
            return SlaTier::Low;
        }
        if named(&s.normal_intents) {
            return SlaTier::Normal;
        }
        match facts.channel {
            Channel::Review => SlaTier::Low,
            Channel::Question => SlaTier::Normal,
            Channel::Chat => {
                let new_chat = facts.new_chat.unwrap_or(intent.is_none());
                if new_chat && s.new_chat_is_high {
                    SlaTier::High
                } else {
                    SlaTier::Normal
                }
            }
        }
    }

    /// A tier's (target, deadline) for a channel.
    pub fn budget(&self, tier: SlaTier, channel: Channel) -> (Duration, Duration) {
        let s = &self.sla;
        let b: BudgetMinutes = match tier {
            SlaTier::Critical => s.critical,
            SlaTier::Urgent => s.urgent,
            SlaTier::High if channel == Channel::Question => s.high_question,
            SlaTier::High => s.high,
            SlaTier::Normal => s.normal,
            SlaTier::Low => s.low,
        };
        (
            Duration::minutes(b.target.into()),
            Duration::minutes(b.deadline.into()),
        )
    }

    /// The instant `budget` of clock time after `from`: calendar time, or working time
    /// when working hours are on.
    pub fn after(&self, from: DateTime<Utc>, budget: Duration) -> DateTime<Utc> {
        match &self.hours {
            Some(h) => h.add(from, budget),
            None => from + budget,
        }
    }

    /// Clock time left until `until` (negative once past). With working hours, only
    /// working time counts.
    pub fn time_left(&self, until: DateTime<Utc>, now: DateTime<Utc>) -> Duration {
        match &self.hours {
            Some(h) if until >= now => h.between(now, until),
            Some(h) => -h.between(until, now),
            None => until - now,
        }
    }

    /// The clock of an item: its tier, when it goes at risk and when it breaches. The
    /// deadline never falls after a marketplace's hard edge.
    pub fn clock_for(&self, facts: &ItemFacts<'_>) -> SlaClock {
        let tier = self.tier(facts);
        let (target, deadline) = self.budget(tier, facts.channel);
        let mut due_at = self.after(facts.waiting_since, deadline);
        let mut at_risk_at = self.after(facts.waiting_since, target);
        if let Some(edge) = facts
            .marketplace
            .and_then(|m| self.archive_at(m, facts.channel, facts.created_at))
        {
            due_at = due_at.min(edge.max(facts.waiting_since));
            at_risk_at = at_risk_at.min(due_at);
        }
        SlaClock {
            tier,
            started: facts.waiting_since,
            at_risk_at,
            due_at,
        }
    }

    /// The clock of an item from the four facts the store always has.
    pub fn clock(
        &self,
        channel: Channel,
        rating: Option<Rating>,
        intent: Option<&str>,
        waiting_since: DateTime<Utc>,
    ) -> SlaClock {
        self.clock_for(
            &ItemFacts::new(channel, waiting_since)
                .rating(rating)
                .intent(intent),
        )
    }

    /// When the marketplace stops accepting an answer, if it ever does: WB archives a
    /// review left unanswered `wb_review_archive_days` after it was written.
    pub fn archive_at(
        &self,
        marketplace: Marketplace,
        channel: Channel,
        created_at: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        match (marketplace, channel) {
            (Marketplace::Wb, Channel::Review) if self.sla.wb_review_archive_days > 0 => {
                Some(created_at + Duration::days(self.sla.wb_review_archive_days.into()))
            }
            _ => None,
        }
    }

    /// The hard edge of an item and whether `now` is past it.
    pub fn hard_edge(
        &self,
        marketplace: Marketplace,
        channel: Channel,
        created_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Option<HardEdge> {
        self.archive_at(marketplace, channel, created_at)
            .map(|at| HardEdge {
                at,
                passed: now >= at,
            })
    }

    /// The priority bucket: the tier's level, floors from the rating and intent
    /// thresholds, then one level up for each of: a customer with earlier complaints, a
    /// busy or shouting chat, and the clock (at risk, breached). Never below the tier's
    /// level, and never lower later than earlier for the same item.
    pub fn priority(&self, p: &PriorityInputs<'_>) -> Priority {
        let s = &self.priority;
        let mut level: u32 = match p.tier {
            SlaTier::Critical | SlaTier::Urgent => 0,
            SlaTier::High => 1,
            SlaTier::Normal => 2,
            SlaTier::Low => 3,
        };
        let is_review = p.channel.is_none_or(|c| c == Channel::Review);
        if let Some(stars) = p.rating.filter(|_| is_review).map(Rating::stars) {
            if stars <= s.urgent_max_rating {
                level = 0;
            } else if stars <= s.high_max_rating {
                level = level.min(1);
            }
        }
        if let Some(intent) = p.intent {
            if intent_in(&s.urgent_intents, intent) {
                level = 0;
            } else if intent_in(&s.high_intents, intent) {
                level = level.min(1);
            }
        }
        let mut raise: u32 = 0;
        if s.prior_complaints_raise > 0 && p.prior_complaints >= s.prior_complaints_raise {
            raise += 1;
        }
        let is_chat = p.channel.is_none_or(|c| c == Channel::Chat);
        let busy =
            s.chat_messages_raise > 0 && p.unanswered_buyer_messages >= s.chat_messages_raise;
        if is_chat && (busy || (s.shouting_raises && p.shouting)) {
            raise += 1;
        }
        raise += u32::from(match p.state {
            SlaState::Ok => 0,
            SlaState::AtRisk => s.at_risk_raise,
            SlaState::Breached => s.breached_raise.max(s.at_risk_raise),
        });
        match level.saturating_sub(raise) {
            0 => Priority::Urgent,
            1 => Priority::High,
            2 => Priority::Normal,
            _ => Priority::Low,
        }
    }

    /// Where an item stands: only an open item has a running clock, so an answered,
    /// pending or archived one is never at risk.
    pub fn state(&self, answer: AnswerState, clock: &SlaClock, now: DateTime<Utc>) -> SlaState {
        super::state_for(answer, clock.at_risk_at, clock.due_at, now)
    }
}

/// Whether a customer is shouting: at least three exclamation marks in a row, or mostly
/// capital letters over a stretch of at least ten letters.
pub fn is_shouting(text: &str) -> bool {
    if text.contains("!!!") {
        return true;
    }
    let (mut letters, mut capitals) = (0usize, 0usize);
    for c in text.chars().filter(|c| c.is_alphabetic()) {
        letters += 1;
        if c.is_uppercase() {
            capitals += 1;
        }
    }
    letters >= 10 && capitals * 10 >= letters * 7
}

/// The clocks the store gives the items sync writes.
impl crate::store::ItemClocks for Policy {
    fn clock(
        &self,
        item: &NewInteraction,
        marketplace: Option<Marketplace>,
        intent: Option<&str>,
        legal: bool,
    ) -> crate::store::ItemClock {
        let clock = self.clock_for(&ItemFacts::of(item, marketplace, intent).legal(legal));
        crate::store::ItemClock {
            tier: clock.tier,
            at_risk_at: clock.at_risk_at,
            due_at: clock.due_at,
        }
    }
}

/// The policies of several accounts, loaded once and looked up by account id; an account
/// without its own settings (or with unusable ones) gets the global policy.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Policies {
    global: Policy,
    accounts: HashMap<i64, Policy>,
    /// Settings that could not be used, one line each, for the settings screen or the log.
    pub problems: Vec<String>,
}

impl Policies {
    /// Loads the global policy and those of `accounts`; never fails: what cannot be read
    /// falls back (account → global → shipped defaults) and is listed in `problems`.
    pub fn load(conn: &Connection, accounts: &[i64]) -> Policies {
        let mut problems = Vec::new();
        let global = Policy::load(conn, None).unwrap_or_else(|err| {
            problems.push(format!("global SLA settings: {err:#}"));
            Policy::default()
        });
        let mut own = HashMap::new();
        for &id in accounts {
            match Policy::load(conn, Some(id)) {
                Ok(p) => {
                    if p != global {
                        own.insert(id, p);
                    }
                }
                Err(err) => problems.push(format!("SLA settings of account {id}: {err:#}")),
            }
        }
        for p in &problems {
            tracing::warn!("{p}");
        }
        Policies {
            global,
            accounts: own,
            problems,
        }
    }

    /// Policies from already built values (tests, callers that build their own).
    pub fn new(global: Policy, accounts: HashMap<i64, Policy>) -> Policies {
        Policies {
            global,
            accounts,
            problems: Vec::new(),
        }
    }

    pub fn global(&self) -> &Policy {
        &self.global
    }

    pub fn for_account(&self, account_id: i64) -> &Policy {
        self.accounts.get(&account_id).unwrap_or(&self.global)
    }
}

/// The time left until `due_at`, shown by the queue: working time when the account has
/// working hours. A convenience over [`Policy::time_left`] for callers holding `Policies`.
pub fn time_left(
    policies: &Policies,
    account_id: i64,
    due_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Duration {
    policies.for_account(account_id).time_left(due_at, now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shouting_needs_capitals_or_bangs() {
        assert!(is_shouting("ГДЕ МОЙ ЗАКАЗ ВЕРНИТЕ ДЕНЬГИ"));
        assert!(is_shouting("где заказ!!!"));
        assert!(!is_shouting("Где мой заказ? Жду уже неделю"));
        assert!(!is_shouting("OK"));
    }

    #[test]
    fn target_after_deadline_is_rejected() {
        let sla = SlaSettings {
            urgent: BudgetMinutes::new(90, 60),
            ..SlaSettings::default()
        };
        let err = Policy::from_settings(
            sla,
            PrioritySettings::default(),
            &WorkingHoursSettings::default(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("urgent"), "{err}");
    }
}
