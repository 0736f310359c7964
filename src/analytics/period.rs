//! Local days (Europe/Moscow) and the CLI's period and filter arguments.

use anyhow::{Context, Result};
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use rusqlite::Connection;

use super::MetricsQuery;
use crate::cli::exit::{fail, Failure};
use crate::domain::{Channel, Marketplace};
use crate::store;

/// Days, daily series and the times in exports are in this zone (the marketplaces' own).
pub const TIME_ZONE: Tz = chrono_tz::Europe::Moscow;

/// How many days `agentiq metrics` covers when no `--from` is given.
pub(crate) const DEFAULT_DAYS: u32 = 7;

/// The local (Europe/Moscow) date of an instant.
pub fn local_day(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&TIME_ZONE).date_naive()
}

/// The instant a local (Europe/Moscow) day starts. Should a clock change ever skip a
/// local midnight, the day starts at the first local hour that exists.
pub fn local_midnight(day: NaiveDate) -> DateTime<Utc> {
    let midnight = day.and_time(NaiveTime::MIN);
    (0..3)
        .find_map(|h| {
            TIME_ZONE
                .from_local_datetime(&(midnight + Duration::hours(h)))
                .earliest()
        })
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| Utc.from_utc_datetime(&midnight))
}

/// A local day and its `[start, end)` within a period.
pub(crate) type Day = (NaiveDate, DateTime<Utc>, DateTime<Utc>);

/// The local days that intersect `[from, to)`, each with its own `[start, end)` clipped to
/// the period. Empty when `to` is not after `from`.
pub(crate) fn days_in(from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Day> {
    let mut days = Vec::new();
    if to <= from {
        return days;
    }
    let mut day = local_day(from);
    let last = local_day(to - Duration::seconds(1));
    while day <= last {
        let next = day + Duration::days(1);
        let start = local_midnight(day).max(from);
        let end = local_midnight(next).min(to);
        days.push((day, start, end));
        day = next;
    }
    days
}

/// A `--from` or `--to` value: a local date `YYYY-MM-DD` (Europe/Moscow) or an RFC 3339
/// instant. A date given as the end (`is_end`) includes that whole day, so
/// `--from 2026-11-01 --to 2026-11-30` is all of November. A value that is neither is a
/// usage error naming the value and the expected form.
pub fn parse_bound(s: &str, is_end: bool) -> Result<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(day) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        let day = if is_end {
            day.succ_opt()
                .ok_or_else(|| fail(Failure::Usage, format!("date {s} is out of range")))?
        } else {
            day
        };
        return Ok(local_midnight(day));
    }
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            fail(
                Failure::Usage,
                format!(
                    "'{s}' is not a date: expected YYYY-MM-DD (e.g. 2026-11-30, Moscow time) \
                     or an RFC 3339 time (2026-11-30T12:00:00Z)"
                ),
            )
        })
}

/// The period and filters as typed on the command line, before they are checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FilterArgs {
    /// First day (or instant) of the period; default: the last 7 local days.
    pub from: Option<String>,
    /// Last day, inclusive (or an exclusive instant); default: today.
    pub to: Option<String>,
    /// An account's name, or its numeric id.
    pub account: Option<String>,
    /// `wb` or `ozon`.
    pub marketplace: Option<String>,
    /// `review`, `question` or `chat`.
    pub channel: Option<String>,
}

/// Turns command-line arguments into a query: dates in Europe/Moscow, the account looked
/// up by name (or id), the marketplace and channel parsed. Errors name the bad argument.
pub fn resolve_query(
    conn: &Connection,
    args: &FilterArgs,
    now: DateTime<Utc>,
) -> Result<MetricsQuery> {
    resolve_query_by(args, now, &mut |name| {
        Ok(match store::account_by_name(conn, name)? {
            Some(row) => Some(row.id),
            None => match name.trim().parse::<i64>() {
                Ok(id) if account_exists(conn, id)? => Some(id),
                _ => None,
            },
        })
    })
}

/// [`resolve_query`] with the account looked up by `account` (its name, or its numeric
/// id, to the account's id): for a store other than the embedded one.
pub fn resolve_query_by(
    args: &FilterArgs,
    now: DateTime<Utc>,
    account: &mut dyn FnMut(&str) -> Result<Option<i64>>,
) -> Result<MetricsQuery> {
    let default = MetricsQuery::last_days(now, DEFAULT_DAYS);
    let to = match &args.to {
        Some(s) => parse_bound(s, true).context("--to")?,
        None => default.to,
    };
    let from = match &args.from {
        Some(s) => parse_bound(s, false).context("--from")?,
        None if args.to.is_some() => to - Duration::days(i64::from(DEFAULT_DAYS)),
        None => default.from,
    };
    if from >= to {
        return Err(fail(Failure::Usage, "--from must be before --to"));
    }
    let account_id = match &args.account {
        None => None,
        Some(name) => Some(account(name)?.ok_or_else(|| {
            fail(
                Failure::Usage,
                format!("--account: no account named '{name}'"),
            )
        })?),
    };
    let marketplace = args
        .marketplace
        .as_deref()
        .map(|m| {
            m.parse::<Marketplace>()
                .map_err(|e| fail(Failure::Usage, format!("--marketplace: {e}")))
        })
        .transpose()?;
    let channel = args
        .channel
        .as_deref()
        .map(|c| {
            c.parse::<Channel>()
                .map_err(|e| fail(Failure::Usage, format!("--channel: {e}")))
        })
        .transpose()?;
    Ok(MetricsQuery {
        from,
        to,
        account_id,
        marketplace,
        channel,
    })
}

fn account_exists(conn: &Connection, id: i64) -> Result<bool> {
    let n: i64 = conn.query_row("SELECT count(*) FROM accounts WHERE id = ?1", [id], |r| {
        r.get(0)
    })?;
    Ok(n > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_moscow_days_clipped_to_the_period() {
        // 2026-11-01 21:00 UTC is 2026-11-02 00:00 in Moscow (UTC+3).
        let from = Utc.with_ymd_and_hms(2026, 11, 1, 21, 0, 0).unwrap();
        let to = Utc.with_ymd_and_hms(2026, 11, 3, 12, 0, 0).unwrap();
        let days = days_in(from, to);
        assert_eq!(days.len(), 2);
        assert_eq!(days[0].0, NaiveDate::from_ymd_opt(2026, 11, 2).unwrap());
        assert_eq!(days[0].1, from);
        assert_eq!(
            days[0].2,
            Utc.with_ymd_and_hms(2026, 11, 2, 21, 0, 0).unwrap()
        );
        assert_eq!(days[1].2, to);
        assert!(days_in(to, from).is_empty());
    }

    #[test]
    fn a_date_as_the_end_includes_the_day() {
        let from = parse_bound("2026-11-01", false).unwrap();
        let to = parse_bound("2026-11-30", true).unwrap();
        assert_eq!(from, Utc.with_ymd_and_hms(2026, 10, 31, 21, 0, 0).unwrap());
        assert_eq!(to, Utc.with_ymd_and_hms(2026, 11, 30, 21, 0, 0).unwrap());
        let exact = parse_bound("2026-11-02T10:00:00+03:00", true).unwrap();
        assert_eq!(exact, Utc.with_ymd_and_hms(2026, 11, 2, 7, 0, 0).unwrap());
        assert!(parse_bound("yesterday", false).is_err());
    }
}
