//! The settings sections the SLA engine reads: `[sla]`, `[priority]` and `[working_hours]`
//! in `data/settings.toml`, each overridable globally and per account (see
//! [`crate::settings`]). Every type's `Default` equals the shipped section, so code that
//! has no database (the free functions in [`super`]) behaves exactly like a fresh install.

use serde::{Deserialize, Serialize};

use crate::settings::editable::{decode_as, Editable};
use crate::settings::refusal::Refusal;
use crate::settings::{Scope, Section};

/// A tier's two times, in minutes from the customer's message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BudgetMinutes {
    /// After this the item is "at risk".
    pub target: u32,
    /// After this the item is "breached".
    pub deadline: u32,
}

impl BudgetMinutes {
    pub const fn new(target: u32, deadline: u32) -> BudgetMinutes {
        BudgetMinutes { target, deadline }
    }
}

/// `[sla]`: per-tier targets and deadlines, which items fall in which tier, and the
/// marketplaces' hard edges.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SlaSettings {
    pub critical: BudgetMinutes,
    pub urgent: BudgetMinutes,
    pub high: BudgetMinutes,
    /// The high tier for public questions (pre-purchase questions are answered in minutes).
    pub high_question: BudgetMinutes,
    pub normal: BudgetMinutes,
    pub low: BudgetMinutes,

    /// Intents that make any item critical. A name ending in `*` matches by prefix.
    pub critical_intents: Vec<String>,
    /// Whether a mention of a regulator, a court or a lawyer makes an item critical.
    pub legal_is_critical: bool,
    /// Reviews rated at or below this are urgent.
    pub urgent_max_rating: u8,
    /// Reviews rated at or below this (and above `urgent_max_rating`) are high.
    pub high_max_rating: u8,
    /// Intents that make a public question a pre-purchase one: high, with the
    /// `high_question` times.
    pub pre_purchase_intents: Vec<String>,
    /// Intents that make any item high.
    pub high_intents: Vec<String>,
    /// Intents that make an item normal (e.g. a complaint inside a 5★ review).
    pub normal_intents: Vec<String>,
    /// Intents that make an item low.
    pub low_intents: Vec<String>,
    /// Whether a chat the seller has never answered is high (otherwise normal).
    pub new_chat_is_high: bool,

    /// WB archives a review left unanswered this many days; it can no longer be answered.
    pub wb_review_archive_days: u32,
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_string()).collect()
}

impl Default for SlaSettings {
    fn default() -> Self {
        SlaSettings {
            critical: BudgetMinutes::new(15, 30),
            urgent: BudgetMinutes::new(30, 60),
            high: BudgetMinutes::new(60, 240),
            high_question: BudgetMinutes::new(5, 30),
            normal: BudgetMinutes::new(240, 1440),
            low: BudgetMinutes::new(1440, 2880),
            critical_intents: names(&["defect_not_working", "wrong_item"]),
            legal_is_critical: true,
            urgent_max_rating: 2,
            high_max_rating: 3,
            pre_purchase_intents: names(&[
                "pre_purchase",
                "availability",
                "sizing_fit",
                "product_spec",
                "compatibility",
            ]),
            high_intents: names(&["delivery_*", "refund_exchange", "cancel_request"]),
            normal_intents: names(&["quality_complaint", "usage_howto"]),
            low_intents: names(&["thanks"]),
            new_chat_is_high: true,
            wb_review_archive_days: 30,
        }
    }
}

impl Section for SlaSettings {
    const KEY: &'static str = "sla";
}

/// `[priority]`: how the queue's urgent / high / normal / low marks are chosen on top of
/// the tier. Thresholds only ever raise an item; see `docs/sla.md`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PrioritySettings {
    /// Reviews rated at or below this are urgent.
    pub urgent_max_rating: u8,
    /// Reviews rated at or below this are at least high.
    pub high_max_rating: u8,
    /// Intents that make an item urgent whatever its tier. `*` suffix matches by prefix.
    pub urgent_intents: Vec<String>,
    /// Intents that make an item at least high.
    pub high_intents: Vec<String>,
    /// A customer with at least this many earlier complaints raises the item one level;
    /// 0 turns it off.
    pub prior_complaints_raise: u32,
    /// A chat with at least this many unanswered buyer messages goes up one level; 0 off.
    pub chat_messages_raise: u32,
    /// Whether a shouting chat (capitals, "!!!") goes up one level.
    pub shouting_raises: bool,
    /// Levels an item goes up once it is at risk.
    pub at_risk_raise: u8,
    /// Levels an item goes up once it is breached (never fewer than `at_risk_raise`).
    pub breached_raise: u8,
}

impl Default for PrioritySettings {
    fn default() -> Self {
        PrioritySettings {
            urgent_max_rating: 2,
            high_max_rating: 3,
            urgent_intents: Vec::new(),
            high_intents: Vec::new(),
            prior_complaints_raise: 1,
            chat_messages_raise: 3,
            shouting_raises: true,
            at_risk_raise: 1,
            breached_raise: 1,
        }
    }
}

impl Section for PrioritySettings {
    const KEY: &'static str = "priority";
}

/// `[working_hours]`: when enabled, SLA clocks run only inside these hours.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct WorkingHoursSettings {
    pub enabled: bool,
    /// An IANA time zone name, e.g. `Europe/Moscow`, `Asia/Yekaterinburg`.
    pub time_zone: String,
    /// Opening time, `HH:MM` local.
    pub start: String,
    /// Closing time, `HH:MM` local, later than `start`; `24:00` is midnight.
    pub end: String,
    /// Working days: `mon` … `sun` (or `пн` … `вс`).
    pub days: Vec<String>,
    /// Days off besides the weekly ones, `YYYY-MM-DD` local.
    pub holidays: Vec<String>,
}

impl Default for WorkingHoursSettings {
    fn default() -> Self {
        WorkingHoursSettings {
            enabled: false,
            time_zone: "Europe/Moscow".into(),
            start: "09:00".into(),
            end: "21:00".into(),
            days: names(&["mon", "tue", "wed", "thu", "fri", "sat", "sun"]),
            holidays: Vec::new(),
        }
    }
}

impl Section for WorkingHoursSettings {
    const KEY: &'static str = "working_hours";
}

/// Whether `intent` is named in `list`, where an entry ending in `*` matches by prefix.
pub(crate) fn intent_in(list: &[String], intent: &str) -> bool {
    list.iter().any(|entry| match entry.strip_suffix('*') {
        Some(prefix) => intent.starts_with(prefix),
        None => entry == intent,
    })
}

/// `[sla]` on the settings screen: refused when a target falls after its deadline.
pub const SLA_SECTION: Editable =
    Editable::checked::<SlaSettings>(check_sla).after_store(reclassify_open_items);

/// `[priority]` on the settings screen.
pub const PRIORITY_SECTION: Editable = Editable::decoded::<PrioritySettings>();

/// `[working_hours]` on the settings screen: refused when they could not be switched on.
pub const WORKING_HOURS_SECTION: Editable =
    Editable::checked::<WorkingHoursSettings>(check_working_hours)
        .after_store(reclassify_open_items);

fn check_sla(merged: serde_json::Value) -> Result<(), Refusal> {
    let sla = decode_as::<SlaSettings>(merged)?;
    super::Policy::from_settings(
        sla,
        PrioritySettings::default(),
        &WorkingHoursSettings::default(),
    )
    .map(|_| ())
    .map_err(Refusal::from)
}

fn check_working_hours(merged: serde_json::Value) -> Result<(), Refusal> {
    let hours = decode_as::<WorkingHoursSettings>(merged)?;
    // Checked as if switched on, so switching them on later cannot fail.
    let on = WorkingHoursSettings {
        enabled: true,
        ..hours
    };
    super::WorkingHours::from_settings(&on)
        .map(|_| ())
        .map_err(Refusal::from)
}

/// New SLA rules or working hours move the clocks of the scope's open items: background
/// preparation re-times them once they are marked.
fn reclassify_open_items(conn: &rusqlite::Connection, scope: Scope) -> anyhow::Result<()> {
    let account = match scope {
        Scope::Global => None,
        Scope::Account(id) => Some(id),
    };
    crate::store::reclassify_open_items(conn, account)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_entries_match_families() {
        let list = names(&["delivery_*", "thanks"]);
        assert!(intent_in(&list, "delivery_delay"));
        assert!(intent_in(&list, "thanks"));
        assert!(!intent_in(&list, "thanks_a_lot"));
        assert!(!intent_in(&list, "refund_exchange"));
    }
}
