//! `[notifications]`: switches (global and per account), batching, quiet hours, bell.

use chrono::{DateTime, Timelike, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::domain::Channel;
use crate::settings::editable::{decode_as, Editable};
use crate::settings::refusal::Refusal;
use crate::settings::Section;
use crate::sla::PolicyError;

/// Which channels notify.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ChannelSwitches {
    pub review: bool,
    pub question: bool,
    pub chat: bool,
}

impl Default for ChannelSwitches {
    fn default() -> Self {
        ChannelSwitches {
            review: true,
            question: true,
            chat: true,
        }
    }
}

impl ChannelSwitches {
    pub fn allows(&self, channel: Channel) -> bool {
        match channel {
            Channel::Review => self.review,
            Channel::Question => self.question,
            Channel::Chat => self.chat,
        }
    }
}

/// Hours in which nothing is shown; may span midnight (22:00–08:00).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct QuietHoursSettings {
    pub enabled: bool,
    pub start: String,
    pub end: String,
    pub time_zone: String,
}

impl Default for QuietHoursSettings {
    fn default() -> Self {
        QuietHoursSettings {
            enabled: false,
            start: "22:00".into(),
            end: "08:00".into(),
            time_zone: "Europe/Moscow".into(),
        }
    }
}

/// The `[notifications]` section. The switches (`enabled`, `at_risk`, `breached`,
/// `channels`, `sync_failures`) apply per account; the rest (quiet hours, batching, bell,
/// desktop, interval) are read from the global value, since they are about the desktop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NotifySettings {
    pub enabled: bool,
    pub at_risk: bool,
    pub breached: bool,
    pub channels: ChannelSwitches,
    /// When this many notifications of one kind fire together, one sums them up.
    pub batch_from: u32,
    pub check_every_secs: u64,
    /// Consecutive failed sync runs of one connector before a notification; 0: never.
    pub sync_failures: u32,
    pub bell: bool,
    /// Try the desktop's notification daemon; off means in-app messages only.
    pub desktop: bool,
    pub quiet_hours: QuietHoursSettings,
}

impl Default for NotifySettings {
    fn default() -> Self {
        NotifySettings {
            enabled: true,
            at_risk: true,
            breached: true,
            channels: ChannelSwitches::default(),
            batch_from: 3,
            check_every_secs: 30,
            sync_failures: 3,
            bell: false,
            desktop: true,
            quiet_hours: QuietHoursSettings::default(),
        }
    }
}

impl Section for NotifySettings {
    const KEY: &'static str = "notifications";
}

/// Compiled quiet hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuietHours {
    tz: Tz,
    /// Minutes after local midnight.
    start: u32,
    end: u32,
}

impl QuietHours {
    /// `None` when switched off or empty (start equals end).
    pub fn from_settings(s: &QuietHoursSettings) -> Result<Option<QuietHours>, PolicyError> {
        if !s.enabled {
            return Ok(None);
        }
        let tz: Tz = s.time_zone.trim().parse().map_err(|_| {
            PolicyError::new(format!(
                "[notifications] quiet_hours.time_zone: unknown time zone '{}'",
                s.time_zone
            ))
            .ru(format!(
                "[notifications] quiet_hours.time_zone: неизвестный часовой пояс «{}»",
                s.time_zone
            ))
        })?;
        let start = crate::sla::parse_hhmm(&s.start).ok_or_else(|| {
            PolicyError::new(format!(
                "[notifications] quiet_hours.start: '{}' is not HH:MM",
                s.start
            ))
            .ru(format!(
                "[notifications] quiet_hours.start: «{}» — не ЧЧ:ММ",
                s.start
            ))
        })?;
        let end = crate::sla::parse_hhmm(&s.end).ok_or_else(|| {
            PolicyError::new(format!(
                "[notifications] quiet_hours.end: '{}' is not HH:MM",
                s.end
            ))
            .ru(format!(
                "[notifications] quiet_hours.end: «{}» — не ЧЧ:ММ",
                s.end
            ))
        })?;
        Ok((start % 1440 != end % 1440).then_some(QuietHours {
            tz,
            start: start % 1440,
            end: end % 1440,
        }))
    }

    /// Whether `t` falls in quiet hours: from `start` (inclusive) to `end` (exclusive),
    /// across midnight when `start` is later than `end`.
    pub fn contains(&self, t: DateTime<Utc>) -> bool {
        let local = t.with_timezone(&self.tz);
        let m = local.hour() * 60 + local.minute();
        if self.start < self.end {
            self.start <= m && m < self.end
        } else {
            m >= self.start || m < self.end
        }
    }
}

/// `[notifications]` on the settings screen: refused when its quiet hours could not be
/// switched on.
pub const NOTIFICATIONS_SECTION: Editable =
    Editable::checked::<NotifySettings>(check_notifications);

fn check_notifications(merged: serde_json::Value) -> Result<(), Refusal> {
    let s = decode_as::<NotifySettings>(merged)?;
    let on = QuietHoursSettings {
        enabled: true,
        ..s.quiet_hours
    };
    QuietHours::from_settings(&on)
        .map(|_| ())
        .map_err(Refusal::from)
}
