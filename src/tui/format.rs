//! Small text formatters for cells: SLA countdowns, stars, times, width-aware truncation.

use chrono::{DateTime, FixedOffset, Utc};
use unicode_truncate::UnicodeTruncateStr;
use unicode_width::UnicodeWidthStr;

use crate::domain::Rating;

use super::strings::Strings;

/// Time left until `due` as `47m`, `3h05m`, `1d02h`; negative once overdue (`-12m`).
pub fn countdown(due: DateTime<Utc>, now: DateTime<Utc>, s: &Strings) -> String {
    let secs = (due - now).num_seconds();
    let sign = if secs < 0 { "-" } else { "" };
    let minutes = secs.unsigned_abs() / 60;
    let (m, h, d) = (s.unit_minute, s.unit_hour, s.unit_day);
    if minutes < 60 {
        format!("{sign}{minutes}{m}")
    } else if minutes < 24 * 60 {
        format!("{sign}{}{h}{:02}{m}", minutes / 60, minutes % 60)
    } else {
        format!(
            "{sign}{}{d}{:02}{h}",
            minutes / (24 * 60),
            minutes / 60 % 24
        )
    }
}

/// `★★★☆☆` for a rating, blanks of the same width without one.
pub fn stars(rating: Option<Rating>) -> String {
    match rating {
        Some(r) => {
            let n = usize::from(r.stars());
            format!("{}{}", "★".repeat(n), "☆".repeat(5 - n))
        }
        None => " ".repeat(5),
    }
}

/// Day, month and time in the display zone: `02.11 14:05`.
pub fn date_time(t: DateTime<Utc>, tz: FixedOffset) -> String {
    t.with_timezone(&tz).format("%d.%m %H:%M").to_string()
}

/// Time of day in the display zone: `14:05`.
pub fn time(t: DateTime<Utc>, tz: FixedOffset) -> String {
    t.with_timezone(&tz).format("%H:%M").to_string()
}

/// Display width of `s` in terminal cells.
pub fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// `s` cut to at most `max` cells, ending in `…` when cut; never splits a grapheme.
pub fn truncate(s: &str, max: usize) -> String {
    if width(s) <= max {
        return s.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let (kept, _) = s.unicode_truncate(max - 1);
    format!("{kept}…")
}

/// `s` truncated or padded with spaces to exactly `cells` cells.
pub fn fit(s: &str, cells: usize) -> String {
    let mut out = truncate(s, cells);
    let w = width(&out);
    out.extend(std::iter::repeat_n(' ', cells.saturating_sub(w)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::strings::RU;
    use chrono::{Duration, TimeZone};

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 2, 12, 0, 0).unwrap()
    }

    #[test]
    fn countdowns() {
        let c = |d: Duration| countdown(t0() + d, t0(), &RU);
        assert_eq!(c(Duration::minutes(47) + Duration::seconds(30)), "47m");
        assert_eq!(c(Duration::minutes(-12) - Duration::seconds(10)), "-12m");
        assert_eq!(c(Duration::minutes(185)), "3h05m");
        assert_eq!(c(Duration::hours(26)), "1d02h");
        assert_eq!(c(-Duration::hours(26)), "-1d02h");
        assert_eq!(c(Duration::seconds(20)), "0m");
    }

    #[test]
    fn stars_show_rating() {
        assert_eq!(stars(Rating::new(2)), "★★☆☆☆");
        assert_eq!(stars(None), "     ");
    }

    #[test]
    fn truncation_respects_wide_characters() {
        assert_eq!(truncate("Плед флисовый", 6), "Плед …");
        assert_eq!(truncate("日本語テキスト", 5), "日本…");
        assert_eq!(truncate("abc", 3), "abc");
        assert_eq!(truncate("abc", 0), "");
        assert_eq!(fit("ab", 4), "ab  ");
        assert_eq!(width(&fit("日本語", 4)), 4);
    }
}
