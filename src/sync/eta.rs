//! Rate and time left of a sync pass against the total the marketplace counted. Pure:
//! the caller passes when the pass started and now, read from its (injectable) clock.

use chrono::{DateTime, Duration, Utc};

/// How far a pass has come, as shown while it runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Eta {
    pub seen: u64,
    pub total: Option<u64>,
    /// Items per second so far; `None` before any time or item has passed.
    pub rate: Option<f64>,
    /// Time left at that rate; `None` without a total or a rate.
    pub left: Option<Duration>,
}

/// Below this much elapsed time a rate says nothing yet.
const MIN_ELAPSED_MS: i64 = 200;

/// Where a pass that started at `started` stands at `now`, having read `seen` of `total`.
pub fn eta(seen: u64, total: Option<u64>, started: DateTime<Utc>, now: DateTime<Utc>) -> Eta {
    // A pass can read more than was counted (WB's archive has no count method; items
    // arrive meanwhile): past the count, the count says nothing any more.
    let total = total.filter(|&t| seen <= t);
    let elapsed_ms = (now - started).num_milliseconds();
    let rate = (seen > 0 && elapsed_ms >= MIN_ELAPSED_MS)
        .then(|| seen as f64 * 1000.0 / elapsed_ms as f64);
    let left = match (total, rate) {
        (Some(total), _) if seen == total => Some(Duration::zero()),
        (Some(total), Some(rate)) => {
            let secs = (total - seen) as f64 / rate;
            Some(Duration::milliseconds((secs * 1000.0).ceil() as i64))
        }
        _ => None,
    };
    Eta {
        seen,
        total,
        rate,
        left,
    }
}

/// `6030` as `6 030`: thousands apart, as the status line and `sync` print counts.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

/// Time left, rounded up, in `units` (second, minute, hour): `40 с`, `3 мин`, `2 ч`.
pub fn short_duration(d: Duration, units: [&str; 3]) -> String {
    let secs = d.num_seconds().max(0) + i64::from(d.subsec_nanos() > 0);
    match secs {
        0..=99 => format!("{secs} {}", units[0]),
        100..=5999 => format!("{} {}", (secs + 59) / 60, units[1]),
        _ => format!("{} {}", (secs + 3599) / 3600, units[2]),
    }
}

/// `3 200 / 6 030 items, 812/s, ~4 s`: the English form `agentiq sync` prints.
pub fn line(e: &Eta, noun: &str) -> String {
    let mut out = match e.total {
        Some(total) => format!("{} / {} {noun}", thousands(e.seen), thousands(total)),
        None => format!("{} {noun}", thousands(e.seen)),
    };
    if let Some(rate) = e.rate {
        out.push_str(&format!(", {}/s", thousands(rate.round() as u64)));
    }
    if let Some(left) = e.left {
        out.push_str(&format!(", ~{}", short_duration(left, ["s", "min", "h"])));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(secs: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 7, 12, 0, 0).unwrap() + Duration::seconds(secs)
    }

    #[test]
    fn the_rate_so_far_gives_the_time_left() {
        let e = eta(3200, Some(6030), t(0), t(40));
        assert_eq!(e.rate, Some(80.0));
        // 2 830 left at 80/s: 35.4 s, rounded up.
        assert_eq!(
            e.left.map(|d| short_duration(d, ["с", "мин", "ч"])),
            Some("36 с".into())
        );
        assert_eq!(line(&e, "items"), "3 200 / 6 030 items, 80/s, ~36 s");
    }

    #[test]
    fn nothing_is_promised_before_anything_was_read() {
        let none = eta(0, Some(6030), t(0), t(5));
        assert_eq!((none.rate, none.left), (None, None));
        let instant = eta(100, Some(6030), t(0), t(0));
        assert_eq!((instant.rate, instant.left), (None, None));
        assert_eq!(line(&none, "items"), "0 / 6 030 items");
    }

    #[test]
    fn without_a_total_there_is_a_rate_and_no_eta() {
        let e = eta(500, None, t(0), t(10));
        assert_eq!((e.rate, e.left), (Some(50.0), None));
        assert_eq!(line(&e, "items"), "500 items, 50/s");
    }

    #[test]
    fn reaching_the_count_leaves_nothing_and_passing_it_drops_it() {
        let done = eta(6030, Some(6030), t(0), t(60));
        assert_eq!(done.left, Some(Duration::zero()));
        assert_eq!(line(&done, "items"), "6 030 / 6 030 items, 101/s, ~0 s");
        let past = eta(6100, Some(6030), t(0), t(60));
        assert_eq!((past.total, past.left), (None, None));
        assert_eq!(line(&past, "items"), "6 100 items, 102/s");
    }

    #[test]
    fn counts_and_durations_read_as_people_write_them() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(6030), "6 030");
        assert_eq!(thousands(1_000_000), "1 000 000");
        let units = ["s", "min", "h"];
        assert_eq!(short_duration(Duration::seconds(40), units), "40 s");
        assert_eq!(short_duration(Duration::milliseconds(1), units), "1 s");
        assert_eq!(short_duration(Duration::seconds(150), units), "3 min");
        assert_eq!(short_duration(Duration::hours(3), units), "3 h");
    }
}
