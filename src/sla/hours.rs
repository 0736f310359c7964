//! Working hours: the clock runs only inside them. Windows are local times of a time zone,
//! on chosen weekdays, minus holidays; converting them to instants goes through the bundled
//! IANA database (`chrono-tz`), so a zone with daylight saving keeps its local opening time
//! across the switch.

use std::collections::BTreeSet;

use chrono::{
    DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, TimeZone, Utc, Weekday,
};
use chrono_tz::Tz;

use super::settings::WorkingHoursSettings;
use super::PolicyError;

/// How far ahead working time is looked for before giving up and counting calendar time
/// (ten years: enough for any real week, even one short window a week).
const MAX_DAYS_AHEAD: i64 = 3660;

/// Compiled working hours.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkingHours {
    tz: Tz,
    /// Minutes after local midnight, `start < end <= 1440`.
    start: u32,
    end: u32,
    /// Indexed by `Weekday::num_days_from_monday`.
    days: [bool; 7],
    holidays: BTreeSet<NaiveDate>,
}

impl WorkingHours {
    /// Working hours from settings; `None` when they are switched off (the clock always
    /// runs).
    pub fn from_settings(s: &WorkingHoursSettings) -> Result<Option<WorkingHours>, PolicyError> {
        if !s.enabled {
            return Ok(None);
        }
        let tz: Tz = s.time_zone.trim().parse().map_err(|_| {
            PolicyError::new(format!(
                "[working_hours] time_zone: unknown time zone '{}'",
                s.time_zone
            ))
            .ru(format!(
                "[working_hours] time_zone: неизвестный часовой пояс «{}»",
                s.time_zone
            ))
        })?;
        let start = parse_hhmm(&s.start).ok_or_else(|| {
            PolicyError::new(format!("[working_hours] start: '{}' is not HH:MM", s.start))
                .ru(format!("[working_hours] start: «{}» — не ЧЧ:ММ", s.start))
        })?;
        let end = parse_hhmm(&s.end).ok_or_else(|| {
            PolicyError::new(format!("[working_hours] end: '{}' is not HH:MM", s.end))
                .ru(format!("[working_hours] end: «{}» — не ЧЧ:ММ", s.end))
        })?;
        if start >= end {
            return Err(PolicyError::new(format!(
                "[working_hours] start {} must come before end {} (windows over midnight are not supported)",
                s.start, s.end
            ))
            .ru(format!(
                "[working_hours] начало {} должно быть раньше конца {} (окна через полночь не поддерживаются)",
                s.start, s.end
            )));
        }
        let mut days = [false; 7];
        for name in &s.days {
            let day = parse_weekday(name).ok_or_else(|| {
                PolicyError::new(format!("[working_hours] days: unknown day '{name}'"))
                    .ru(format!("[working_hours] days: неизвестный день «{name}»"))
            })?;
            days[day.num_days_from_monday() as usize] = true;
        }
        if !days.iter().any(|d| *d) {
            return Err(PolicyError::new(
                "[working_hours] days: at least one working day is needed",
            )
            .ru("[working_hours] days: нужен хотя бы один рабочий день"));
        }
        let mut holidays = BTreeSet::new();
        for text in &s.holidays {
            let date = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
                PolicyError::new(format!(
                    "[working_hours] holidays: '{text}' is not YYYY-MM-DD"
                ))
                .ru(format!(
                    "[working_hours] holidays: «{text}» — не ГГГГ-ММ-ДД"
                ))
            })?;
            holidays.insert(date);
        }
        Ok(Some(WorkingHours {
            tz,
            start,
            end,
            days,
            holidays,
        }))
    }

    /// Working hours on `days` from `start` to `end` (minutes after local midnight).
    pub fn new(
        tz: Tz,
        start_minutes: u32,
        end_minutes: u32,
        days: &[Weekday],
    ) -> Option<WorkingHours> {
        if start_minutes >= end_minutes || end_minutes > 24 * 60 || days.is_empty() {
            return None;
        }
        let mut set = [false; 7];
        for d in days {
            set[d.num_days_from_monday() as usize] = true;
        }
        Some(WorkingHours {
            tz,
            start: start_minutes,
            end: end_minutes,
            days: set,
            holidays: BTreeSet::new(),
        })
    }

    pub fn time_zone(&self) -> Tz {
        self.tz
    }

    fn is_working_day(&self, date: NaiveDate) -> bool {
        self.days[date.weekday().num_days_from_monday() as usize] && !self.holidays.contains(&date)
    }

    /// The window of a local date as instants.
    fn window(&self, date: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
        let midnight = date.and_hms_opt(0, 0, 0).unwrap_or_default();
        let open = local_to_utc(self.tz, midnight + Duration::minutes(self.start.into()));
        let close = local_to_utc(self.tz, midnight + Duration::minutes(self.end.into()));
        (open, close.max(open))
    }

    fn local_date(&self, t: DateTime<Utc>) -> NaiveDate {
        t.with_timezone(&self.tz).date_naive()
    }

    /// Working windows from the one containing (or following) `from`, in order.
    fn windows_from(
        &self,
        from: DateTime<Utc>,
    ) -> impl Iterator<Item = (DateTime<Utc>, DateTime<Utc>)> + '_ {
        let first = self.local_date(from);
        (0..MAX_DAYS_AHEAD)
            .filter_map(move |i| first.checked_add_signed(Duration::days(i)))
            .filter(|d| self.is_working_day(*d))
            .map(|d| self.window(d))
            .filter(move |(_, close)| *close >= from)
    }

    /// Whether `t` lies in working time; both ends of a window count as inside.
    pub fn is_open(&self, t: DateTime<Utc>) -> bool {
        let date = self.local_date(t);
        // A window closing at 24:00 ends on the next local date.
        [date.pred_opt(), Some(date)]
            .into_iter()
            .flatten()
            .filter(|d| self.is_working_day(*d))
            .any(|d| {
                let (open, close) = self.window(d);
                open <= t && t <= close
            })
    }

    /// The first instant at or after `t` when the clock runs.
    pub fn next_open(&self, t: DateTime<Utc>) -> DateTime<Utc> {
        self.add(t, Duration::zero())
    }

    /// The instant at which `budget` of working time has passed since `from`. Time outside
    /// the windows does not count; the result always lies inside a window (or on its
    /// closing edge).
    pub fn add(&self, from: DateTime<Utc>, budget: Duration) -> DateTime<Utc> {
        let mut remaining = budget.max(Duration::zero());
        for (open, close) in self.windows_from(from) {
            let begin = open.max(from);
            let available = close - begin;
            if remaining <= available {
                return begin + remaining;
            }
            remaining -= available;
        }
        // Not enough working time in ten years (holidays everywhere): calendar time.
        from + budget
    }

    /// Working time between two instants (zero when `to` is not after `from`).
    pub fn between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Duration {
        let mut total = Duration::zero();
        if to <= from {
            return total;
        }
        for (open, close) in self.windows_from(from) {
            if open >= to {
                break;
            }
            total += close.min(to) - open.max(from);
        }
        total
    }
}

/// A local time as an instant. An ambiguous time (clocks going back) takes the earlier
/// instant; a time in a gap (clocks going forward) takes the first valid minute after it.
fn local_to_utc(tz: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    let mut probe = local;
    for _ in 0..=(24 * 60) {
        match tz.from_local_datetime(&probe) {
            LocalResult::Single(t) => return t.with_timezone(&Utc),
            LocalResult::Ambiguous(early, _) => return early.with_timezone(&Utc),
            LocalResult::None => probe += Duration::minutes(1),
        }
    }
    // Not a real zone rule; read the local time as UTC rather than fail.
    local.and_utc()
}

/// `HH:MM` as minutes after local midnight; `24:00` allowed.
pub fn parse_hhmm(text: &str) -> Option<u32> {
    let (h, m) = text.trim().split_once(':')?;
    let h: u32 = h.parse().ok()?;
    let m: u32 = m.parse().ok()?;
    if m >= 60 || h > 24 || (h == 24 && m != 0) {
        return None;
    }
    Some(h * 60 + m)
}

fn parse_weekday(name: &str) -> Option<Weekday> {
    Some(match name.trim().to_lowercase().as_str() {
        "mon" | "monday" | "пн" | "понедельник" => Weekday::Mon,
        "tue" | "tuesday" | "вт" | "вторник" => Weekday::Tue,
        "wed" | "wednesday" | "ср" | "среда" => Weekday::Wed,
        "thu" | "thursday" | "чт" | "четверг" => Weekday::Thu,
        "fri" | "friday" | "пт" | "пятница" => Weekday::Fri,
        "sat" | "saturday" | "сб" | "суббота" => Weekday::Sat,
        "sun" | "sunday" | "вс" | "воскресенье" => Weekday::Sun,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hhmm_parses_and_rejects() {
        assert_eq!(parse_hhmm("09:00"), Some(540));
        assert_eq!(parse_hhmm("9:30"), Some(570));
        assert_eq!(parse_hhmm("24:00"), Some(1440));
        assert_eq!(parse_hhmm("24:01"), None);
        assert_eq!(parse_hhmm("12:60"), None);
        assert_eq!(parse_hhmm("noon"), None);
    }

    #[test]
    fn bad_settings_are_reported_with_the_field() {
        let mut s = WorkingHoursSettings {
            enabled: true,
            ..WorkingHoursSettings::default()
        };
        s.time_zone = "Mars/Olympus".into();
        let err = WorkingHours::from_settings(&s).unwrap_err();
        assert!(err.to_string().contains("time_zone"), "{err}");
        s.time_zone = "Europe/Moscow".into();
        s.start = "22:00".into();
        assert!(WorkingHours::from_settings(&s)
            .unwrap_err()
            .to_string()
            .contains("start"));
        s.start = "09:00".into();
        s.days = vec!["someday".into()];
        assert!(WorkingHours::from_settings(&s)
            .unwrap_err()
            .to_string()
            .contains("days"));
        s.days = vec!["пн".into()];
        assert!(WorkingHours::from_settings(&s).unwrap().is_some());
    }
}
